//! `PROCURACOES/OBTERPROCURACAO41` (`/Consultar`): the e-CAC powers of attorney an outorgante
//! gave an outorgado.

use super::dados::{Lista, Texto};
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
#[derive(Clone, Debug, Deserialize)]
pub struct ProcuracaoDto {
    /// `dtexpiracao`, `AAAAMMDD`.
    pub dtexpiracao: Texto,
    /// `sistemas`: the e-CAC names of the services granted.
    pub sistemas: Vec<String>,
}
