//! What goes wrong talking to SEFIN Nacional, and its kind for the issuing port: a business
//! refusal (nothing issued), an unknown outcome (settle by the DPS Id) or a request that never
//! left.

use crate::wire::MensagemSefin;
use guiche_ports::emissor::ErroEnvio;

/// An error of the NFS-e Nacional client. Messages in Portuguese; no secret in them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroNfse {
    /// The client could not be built (certificate, CA, URL): names the setting.
    #[error("configuração da NFS-e Nacional: {0}")]
    Configuracao(String),
    /// The request never left: safe to send again.
    #[error("NFS-e Nacional: não enviado: {0}")]
    NaoEnviado(String),
    /// The request left, no usable answer came back (timeout, reset, 5xx, an unreadable
    /// reply): the DPS may have been issued; settle with `HEAD /dps/{id}`.
    #[error("NFS-e Nacional: resultado desconhecido: {0}")]
    Desconhecido(String),
    /// A business refusal with its messages (`400` with a body): nothing issued.
    #[error("NFS-e Nacional recusou (HTTP {status}): {}", juntar(.mensagens))]
    Recusada {
        /// The HTTP status (400, 403…).
        status: u16,
        /// The DPS Id the service named, if any.
        id_dps: Option<String>,
        /// The service's messages.
        mensagens: Vec<MensagemSefin>,
    },
    /// The thing asked for does not exist (`404`).
    #[error("NFS-e Nacional: não encontrado: {0}")]
    NaoEncontrado(String),
    /// The endpoint was moved elsewhere (`501 Este serviço foi movido`): the URL is an old one.
    #[error("NFS-e Nacional: o serviço {caminho} foi movido (HTTP 501); use o endereço do ADN")]
    Movido {
        /// The path asked.
        caminho: String,
    },
    /// A reply that does not say what the documentation says it says.
    #[error("NFS-e Nacional: resposta inesperada: {0}")]
    Resposta(String),
    /// A document to send could not be built or signed (the local input at fault).
    #[error("NFS-e Nacional: documento: {0}")]
    Documento(String),
}

/// The messages one after another.
pub fn juntar(mensagens: &[MensagemSefin]) -> String {
    mensagens
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ErroNfse {
    /// The error's kind for the issuing port: a request that never left or an unknown outcome;
    /// `None` for an answer (a refusal is `Resposta::Recusada`, not an error).
    pub fn para_porta(&self) -> Option<ErroEnvio> {
        match self {
            ErroNfse::NaoEnviado(m) | ErroNfse::Configuracao(m) => {
                Some(ErroEnvio::NaoEnviado(m.clone()))
            }
            ErroNfse::Desconhecido(m) | ErroNfse::Resposta(m) => {
                Some(ErroEnvio::Desconhecido(m.clone()))
            }
            _ => None,
        }
    }
}
