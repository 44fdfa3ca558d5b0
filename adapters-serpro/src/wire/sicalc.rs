//! `SICALC/CONSOLIDARGERARDARF51` (`/Emitir`, version 2.9): a DARF calculated (fine and
//! interest consolidated to a date) and issued.

use super::dados::{Texto, como_numero, como_numero_opcional};
use serde::{Deserialize, Serialize};

/// The input, as SICALC names it (dates `AAAA-MM-DDT00:00:00`, codes zero-padded, money as a
/// decimal string).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PedidoSicalc {
    /// `uf`.
    pub uf: String,
    /// `municipio`.
    pub municipio: String,
    /// `codigoReceita`, four digits.
    pub codigo_receita: String,
    /// `tipoPA`: `ME`, `AN`, `DI`…
    #[serde(rename = "tipoPA")]
    pub tipo_pa: String,
    /// `dataPA`, as `tipoPA` asks (`MM/AAAA`, `AAAA`, `DD/MM/AAAA`).
    #[serde(rename = "dataPA")]
    pub data_pa: String,
    /// `vencimento`.
    pub vencimento: String,
    /// `valorImposto`.
    pub valor_imposto: String,
    /// `dataConsolidacao`.
    pub data_consolidacao: String,
    /// `codigoReceitaExtensao`, two digits, when the code has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codigo_receita_extensao: Option<String>,
    /// `observacao`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observacao: Option<String>,
}

/// `dados`: the DARF.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DadosDarf {
    /// `numeroDocumento`.
    pub numero_documento: Texto,
    /// `consolidado`: the amounts.
    pub consolidado: Consolidado,
    /// `darf`: the PDF, base64.
    pub darf: Texto,
}

/// `consolidado`: each amount the exact text of a number (or a string holding one).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Consolidado {
    /// `valorPrincipalMoedaCorrente`.
    #[serde(serialize_with = "como_numero")]
    pub valor_principal_moeda_corrente: Texto,
    /// `valorTotalConsolidado`.
    #[serde(serialize_with = "como_numero")]
    pub valor_total_consolidado: Texto,
    /// `valorMultaMora`.
    #[serde(serialize_with = "como_numero")]
    pub valor_multa_mora: Texto,
    /// `percentualMultaMora` (informative; not read).
    #[serde(
        default,
        serialize_with = "como_numero_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub percentual_multa_mora: Option<Texto>,
    /// `valorJuros`.
    #[serde(serialize_with = "como_numero")]
    pub valor_juros: Texto,
    /// `percentualJuros` (informative; not read).
    #[serde(
        default,
        serialize_with = "como_numero_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub percentual_juros: Option<Texto>,
    /// `termoInicialJuros`, ISO (informative; not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termo_inicial_juros: Option<Texto>,
    /// `dataArrecadacaoConsolidacao`, ISO (informative; not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_arrecadacao_consolidacao: Option<Texto>,
    /// `dataValidadeCalculo`, ISO (date and time; the date is read), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_validade_calculo: Option<Texto>,
}
