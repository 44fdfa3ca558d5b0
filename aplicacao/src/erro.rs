//! What kind of failure an application error is.
//!
//! Every service has its own error type (`thiserror`, with the field, the rule or the value at
//! fault), and each says its [`Natureza`] through [`Classificar`]. The presentations map the
//! nature, never the individual variants: the CLI to an exit code of the contract, the HTTP API
//! to a status and an `application/problem+json` body.

use guiche_domain::Violacao;

/// The kinds of failure, as the caller needs to tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Natureza {
    /// The request itself is wrong: a malformed option or parameter, an unreadable document.
    /// CLI exit 2, HTTP 400.
    Pedido,
    /// The document breaks the manual's rules; [`Classificar::violacoes`] lists every one.
    /// CLI exit 1, HTTP 422.
    Invalido,
    /// The remote system refused the request (its answer is final). CLI exit 1, HTTP 422.
    Recusado,
    /// What was named does not exist (a company, a nota, a pacote, a token). CLI exit 2,
    /// HTTP 404.
    NaoEncontrado,
    /// The request conflicts with the current state: a sequence busy elsewhere, a nota whose
    /// outcome a person must decide, an idempotency key in use. CLI exit 3, HTTP 409.
    Conflito,
    /// A setting is missing or wrong. CLI exit 2, HTTP 503 (the service cannot work as set up).
    Configuracao,
    /// The remote system could not be reached, or its answer never came: the outcome is
    /// unknown or nothing was sent. CLI exit 3, HTTP 502 (504 when it timed out).
    Transporte,
    /// A ceiling was reached (billing, quota). CLI exit 1, HTTP 429.
    Limite,
    /// The ledger (guichê's own storage) failed. CLI exit 2, HTTP 500.
    Livro,
}

/// An application error that knows its [`Natureza`].
pub trait Classificar: std::error::Error {
    /// What kind of failure this is.
    fn natureza(&self) -> Natureza;

    /// The violations, for [`Natureza::Invalido`]; empty otherwise.
    fn violacoes(&self) -> &[Violacao] {
        &[]
    }
}
