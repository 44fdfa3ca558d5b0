//! `SICALC/CONSOLIDARGERARDARF51` (`/Emitir`, version 2.9): a DARF calculated (fine and
//! interest consolidated to a date) and issued.

use super::dados::Texto;
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
#[derive(Clone, Debug, Deserialize)]
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
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consolidado {
    /// `valorPrincipalMoedaCorrente`.
    pub valor_principal_moeda_corrente: Texto,
    /// `valorMultaMora`.
    pub valor_multa_mora: Texto,
    /// `valorJuros`.
    pub valor_juros: Texto,
    /// `valorTotalConsolidado`.
    pub valor_total_consolidado: Texto,
    /// `dataValidadeCalculo`, ISO (date and time; the date is read), when given.
    #[serde(default)]
    pub data_validade_calculo: Option<Texto>,
}
