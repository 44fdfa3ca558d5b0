//! `PGDASD/CONSDECLARACAO13` (`/Consultar`): the PGDAS-D declarations of a year or a month,
//! each with the DAS it generated and whether it is paid.

use super::dados::{Lista, SeObjeto, Texto, como_numero, como_numero_opcional};
use serde::{Deserialize, Serialize};

/// The input: a calendar year (`anoCalendario`, `AAAA`) or one period (`periodoApuracao`,
/// `AAAAMM`).
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PedidoDeclaracoes {
    /// `anoCalendario`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ano_calendario: Option<String>,
    /// `periodoApuracao`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub periodo_apuracao: Option<String>,
}

/// `dados` (read inside [`SeObjeto`]: anything but an object has no periods).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct DadosDeclaracoes {
    /// `anoCalendario` (informative; not read).
    #[serde(
        default,
        rename = "anoCalendario",
        serialize_with = "como_numero_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub ano_calendario: Option<Texto>,
    /// `periodos`; absent or `null` when there is none.
    #[serde(default)]
    pub periodos: Option<Lista<PeriodoDeclaracoes>>,
}

/// One period and its operations.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeriodoDeclaracoes {
    /// `periodoApuracao`, `AAAAMM` (SERPRO writes a number).
    #[serde(serialize_with = "como_numero")]
    pub periodo_apuracao: Texto,
    /// `operacoes`: each read inside [`SeObjeto`] (one that is not an object has no field).
    pub operacoes: Lista<SeObjeto<Operacao>>,
}

/// One operation of a period (a declaration, a rectification…).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operacao {
    /// `tipoOperacao`.
    #[serde(default)]
    pub tipo_operacao: Option<Texto>,
    /// `indiceDeclaracao`.
    #[serde(default)]
    pub indice_declaracao: Option<SeObjeto<IndiceDeclaracao>>,
    /// `indiceDas`.
    #[serde(default)]
    pub indice_das: Option<SeObjeto<IndiceDas>>,
}

/// `indiceDeclaracao`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndiceDeclaracao {
    /// `numeroDeclaracao`.
    #[serde(default)]
    pub numero_declaracao: Option<Texto>,
    /// `dataHoraTransmissao`.
    #[serde(default)]
    pub data_hora_transmissao: Option<Texto>,
    /// `malha`.
    #[serde(default)]
    pub malha: Option<Texto>,
}

/// `indiceDas`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndiceDas {
    /// `datahoraEmissaoDas` (informative; not read).
    #[serde(
        default,
        rename = "datahoraEmissaoDas",
        skip_serializing_if = "Option::is_none"
    )]
    pub datahora_emissao_das: Option<Texto>,
    /// `numeroDas`.
    #[serde(default)]
    pub numero_das: Option<Texto>,
    /// `dasPago` (a JSON boolean).
    #[serde(default)]
    pub das_pago: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::dados::ler_dados;

    #[test]
    fn periods_operations_and_indexes_are_read_as_tolerantly_as_serpro_varies() {
        let SeObjeto(d): SeObjeto<DadosDeclaracoes> = ler_dados(
            r#"{"periodos": {"periodoApuracao": 202610, "operacoes": [
                 {"tipoOperacao": "Declaração Original",
                  "indiceDeclaracao": {"numeroDeclaracao": "00000000202610001", "malha": null},
                  "indiceDas": {"numeroDas": 7, "dasPago": true}},
                 "não é objeto"]}}"#,
        )
        .unwrap();
        let p = d.periodos.unwrap().0;
        assert_eq!(p[0].periodo_apuracao.as_str(), "202610");
        let ops = &p[0].operacoes.0;
        let das = ops[0].0.indice_das.as_ref().unwrap();
        assert_eq!(
            (das.0.numero_das.as_ref().map(Texto::as_str), das.0.das_pago),
            (Some("7"), Some(true))
        );
        assert!(ops[1].0.tipo_operacao.is_none() && ops[1].0.indice_das.is_none());
        let SeObjeto(d): SeObjeto<DadosDeclaracoes> = ler_dados("[]").unwrap();
        assert!(d.periodos.is_none());
    }
}
