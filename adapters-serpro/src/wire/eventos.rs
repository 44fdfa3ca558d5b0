//! `EVENTOSATUALIZACAO` (`/Monitorar`, batch calls): a protocol for a batch
//! (`SOLICEVENTOSPF131`/`PJ132`) and the matrix of updates it yields
//! (`OBTEREVENTOSPF133`/`PJ134`).

use super::dados::{Lista, Texto, como_numero};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The input of `SOLICEVENTOS…` (`protocolo` absent) and of `OBTEREVENTOS…`.
#[derive(Clone, Debug, Serialize)]
pub struct PedidoEventos {
    /// `protocolo`, when reading a matrix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocolo: Option<String>,
    /// `evento`: the kind of update.
    pub evento: String,
}

/// `dados` of `SOLICEVENTOS…`.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ProtocoloEventosDto {
    /// `protocolo`.
    pub protocolo: Texto,
    /// `TempoEsperaMedioEmMs`: the wait before reading the matrix.
    #[serde(rename = "TempoEsperaMedioEmMs", serialize_with = "como_numero")]
    pub tempo_espera_medio_em_ms: Texto,
    /// `TempoLimiteEmMin`: how long the protocol stays readable.
    #[serde(rename = "TempoLimiteEmMin", serialize_with = "como_numero")]
    pub tempo_limite_em_min: Texto,
}

/// `dados` of `OBTEREVENTOS…`: one line per document.
pub type MatrizEventos = Lista<LinhaMatriz>;

/// One line of the matrix, `[NI, data]`: the document and `AAMMDD`, `""` (no update) or `x`
/// (an update without date).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinhaMatriz {
    /// The NI (CPF or CNPJ digits).
    pub ni: String,
    /// The date column, as sent.
    pub quando: String,
}

impl Serialize for LinhaMatriz {
    /// As SERPRO writes it: the pair `[NI, data]`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        [&self.ni, &self.quando].serialize(s)
    }
}

impl<'de> Deserialize<'de> for LinhaMatriz {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = Value::deserialize(d)?;
        let Some([ni, quando]) = v.as_array().map(Vec::as_slice) else {
            return Err(D::Error::custom("não é um par [NI, data]"));
        };
        match (ni, quando) {
            (Value::String(ni), Value::String(quando)) => Ok(Self {
                ni: ni.clone(),
                quando: quando.clone(),
            }),
            _ => Err(D::Error::custom("NI e data devem ser texto")),
        }
    }
}
