//! `Idempotency-Key`: the first answer to a key, kept in the ledger and replayed. A key belongs
//! to one token (its scope); the ledger holds the fingerprint of the request that used it first
//! and, once that request ends, its answer.

use crate::livro::ErroLivro;
use std::time::Duration;

pub mod regras;

/// An answer as it was sent, to be sent again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RespostaGuardada {
    /// The HTTP status.
    pub status: u16,
    /// Its `Content-Type`.
    pub tipo: String,
    /// Its body.
    pub corpo: Vec<u8>,
}

/// What the ledger found for a key when a request asked for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reserva {
    /// The key was free (or abandoned: in progress for longer than the grace period): it is now
    /// recorded in progress with this request's fingerprint, and the request runs.
    Nova,
    /// Another request with this key is running (since less than the grace period).
    EmAndamento {
        /// The fingerprint of that request.
        impressao: String,
    },
    /// A request with this key ended; its answer.
    Concluida {
        /// The fingerprint of that request.
        impressao: String,
        /// Its answer.
        resposta: RespostaGuardada,
    },
}

/// The ledger of idempotency keys. Every method is one transaction.
pub trait LivroIdempotencia: Send + Sync {
    /// Takes the key `chave` of `escopo` for a request with fingerprint `impressao`, unless it
    /// is in use: a key in progress for longer than `abandono` is taken over (its process is
    /// presumed dead). Returns what was found.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn reservar_chave(
        &self,
        escopo: i64,
        chave: &str,
        impressao: &str,
        abandono: Duration,
    ) -> Result<Reserva, ErroLivro>;

    /// Records the answer of the request that holds the key (in progress with `impressao`).
    /// Does nothing if the key is no longer held by that request.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn concluir_chave(
        &self,
        escopo: i64,
        chave: &str,
        impressao: &str,
        resposta: &RespostaGuardada,
    ) -> Result<(), ErroLivro>;

    /// Frees a key still in progress with `impressao` (its request ended without an answer
    /// worth keeping): the next request with it runs again.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn liberar_chave(&self, escopo: i64, chave: &str, impressao: &str) -> Result<(), ErroLivro>;
}
