//! SITFIS: the protocol of a fiscal situation report (`SOLICITARPROTOCOLO91`, `/Apoiar`) and
//! the report itself (`RELATORIOSITFIS92`, `/Emitir`; its PDF is a [`super::pagtoweb::Pdf`]).

use super::dados::{Texto, como_numero_opcional};
use serde::{Deserialize, Serialize};

/// `dados` of `SOLICITARPROTOCOLO91`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtocoloSitfis {
    /// `protocoloRelatorio`.
    pub protocolo_relatorio: Texto,
    /// `tempoEspera` before asking the report, in milliseconds (number or string).
    #[serde(default, serialize_with = "como_numero_opcional")]
    pub tempo_espera: Option<Texto>,
}

/// `dados` of a 202 of `RELATORIOSITFIS92`: the new wait, when given. Read inside
/// [`super::dados::SeObjeto`], so a `dados` that is not an object means no new wait.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EsperaSitfis {
    /// `tempoEspera`, in milliseconds (number or string).
    #[serde(default, serialize_with = "como_numero_opcional")]
    pub tempo_espera: Option<Texto>,
}

/// The input of `RELATORIOSITFIS92`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PedidoRelatorio {
    /// The protocol `SOLICITARPROTOCOLO91` gave.
    pub protocolo_relatorio: String,
}
