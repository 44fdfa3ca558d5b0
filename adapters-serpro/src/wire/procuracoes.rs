//! `PROCURACOES/OBTERPROCURACAO41` (`/Consultar`): the e-CAC powers of attorney an outorgante
//! gave an outorgado.

use super::dados::{Lista, Texto, como_numero_opcional};
use serde::{Deserialize, Serialize};

/// The input: both parties, numbers as digits and `tipo` `1` (CPF) or `2` (CNPJ) as text.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PedidoProcuracoes {
    /// `outorgante`.
    pub outorgante: String,
    /// `tipoOutorgante`.
    pub tipo_outorgante: String,
    /// `outorgado`.
    pub outorgado: String,
    /// `tipoOutorgado`.
    pub tipo_outorgado: String,
}

/// `dados`: the powers of attorney (a list, or one object).
pub type DadosProcuracoes = Lista<ProcuracaoDto>;

/// One power of attorney.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ProcuracaoDto {
    /// `dtexpiracao`, `AAAAMMDD`.
    pub dtexpiracao: Texto,
    /// `nrsistemas`: how many services `sistemas` names (informative; not read).
    #[serde(
        default,
        serialize_with = "como_numero_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub nrsistemas: Option<Texto>,
    /// `sistemas`: the e-CAC names of the services granted.
    pub sistemas: Vec<String>,
}
