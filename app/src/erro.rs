//! Errors of the application and the exit codes of the contract.

use std::process::ExitCode;

/// The contract's exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Codigo {
    /// 0 — done.
    Ok = 0,
    /// 1 — rejected (offline validation failed, or the remote system refused).
    Rejeitado = 1,
    /// 2 — usage or configuration error.
    Uso = 2,
    /// 3 — transport failure or unknown outcome.
    Transporte = 3,
}

impl From<Codigo> for ExitCode {
    fn from(c: Codigo) -> ExitCode {
        ExitCode::from(c as u8)
    }
}

/// What can go wrong before a document is even judged.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ErroApp {
    /// A file could not be read.
    #[error("não foi possível ler {caminho}: {motivo}")]
    Arquivo { caminho: String, motivo: String },
    /// A file guichê produces could not be written.
    #[error(transparent)]
    Gravacao(#[from] crate::arquivo::ErroGravacao),
    /// The user asked for something that does not exist or cannot work.
    #[error("{0}")]
    Uso(String),
    /// A configuration value is missing or wrong.
    #[error("configuração: {0}")]
    Configuracao(String),
}

impl ErroApp {
    /// The exit code for this error.
    pub(crate) fn codigo(&self) -> Codigo {
        match self {
            ErroApp::Arquivo { .. }
            | ErroApp::Gravacao(_)
            | ErroApp::Uso(_)
            | ErroApp::Configuracao(_) => Codigo::Uso,
        }
    }
}

impl From<guiche_aplicacao::Natureza> for Codigo {
    /// The contract's exit code for each kind of application failure (the HTTP API maps the
    /// same [`guiche_aplicacao::Natureza`] to its status).
    fn from(n: guiche_aplicacao::Natureza) -> Codigo {
        use guiche_aplicacao::Natureza as N;
        match n {
            N::Invalido | N::Recusado | N::Limite => Codigo::Rejeitado,
            N::Pedido | N::NaoEncontrado | N::Configuracao | N::Livro => Codigo::Uso,
            N::Conflito | N::Transporte => Codigo::Transporte,
        }
    }
}
