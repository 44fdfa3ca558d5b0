//! Issuing a municipal service invoice, whatever the remote system.
//!
//! The NFD and NFS-e Nacional adapters implement it. The caller records the exact document in
//! the ledger *before* [`EmissorNotas::enviar`], so an unknown outcome can be settled by sending
//! the same document again. How that document is built is each system's own: NFD's from a
//! [`Nota`] ([`DocumentoNfd`]), NFS-e Nacional's a DPS signed with the prestador's certificate.

use async_trait::async_trait;
use guiche_domain::Documento;
use guiche_domain::nfd::Nota;

/// What to send: the exact document recorded in the ledger, and to whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envio {
    /// The municipality's code in the service (e.g. NFD `codPrefeitura`, leading zeros kept).
    pub prefeitura: String,
    /// The provider (prestador) issuing the nota.
    pub prestador: Documento,
    /// The document exactly as recorded (for NFD, the `<NOTA>` XML).
    pub documento: String,
    /// Ask for the print URL instead of the authenticity code (NFD `EnviarNotaRetornaurlNota`).
    pub url_impressao: bool,
}

/// The service's answer, when it gave one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resposta {
    /// Issued: the authenticity code, or the print URL when it was asked for.
    Aceita {
        /// Code or URL exactly as the service returned it.
        codigo: String,
    },
    /// The service says this nota is already issued (NFD `0-Esta nota já consta no sistema.`):
    /// after an unknown outcome, this settles the nota as issued, code to be confirmed.
    JaEmitida {
        /// The service's message.
        mensagem: String,
    },
    /// Refused, with the service's message (in Portuguese, as the service wrote it).
    Recusada {
        /// The service's message.
        mensagem: String,
    },
}

/// Why there is no answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroEnvio {
    /// The request never left (connection refused, DNS failure, bad endpoint): nothing was
    /// received, it is safe to send again.
    #[error("não foi possível conectar ao serviço: {0}")]
    NaoEnviado(String),
    /// The request left but no usable answer came back (timeout, connection reset, HTTP error,
    /// unreadable reply): the service may or may not have issued the nota.
    #[error("resultado desconhecido: {0}")]
    Desconhecido(String),
}

/// Issues municipal service invoices, whatever the system: it sends a document already built
/// and recorded.
#[async_trait]
pub trait EmissorNotas: Send + Sync {
    /// Sends a recorded document.
    ///
    /// # Errors
    /// [`ErroEnvio::NaoEnviado`] when nothing left, [`ErroEnvio::Desconhecido`] when the outcome
    /// is unknown.
    async fn enviar(&self, envio: &Envio) -> Result<Resposta, ErroEnvio>;
}

/// The NFD document of a nota: the provider's `<NOTA>` XML (NFD's own, kept out of
/// [`EmissorNotas`] so that another system's issuer needs no NFD nota).
pub trait DocumentoNfd: Send + Sync {
    /// The exact document the service will receive for `nota` (the ledger records it before
    /// sending). `nota` must carry its number.
    fn documento(&self, prefeitura: &str, nota: &Nota) -> String;
}

/// Asks the service whether a recorded document was issued, without sending it again: how a
/// system that keys each document (NFS-e Nacional, by the DPS Id) settles an unknown outcome.
#[async_trait]
pub trait ConsultaEmissao: Send + Sync {
    /// The code of what the service issued for `documento` (NFS-e Nacional: the access key),
    /// or `None` when it holds nothing for it.
    ///
    /// # Errors
    /// [`ErroEnvio`] when the service could not tell.
    async fn emitido(&self, documento: &str) -> Result<Option<String>, ErroEnvio>;
}
