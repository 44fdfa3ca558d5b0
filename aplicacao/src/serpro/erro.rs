//! The errors of the SERPRO services.

use crate::erro::{Classificar, Natureza};
use guiche_ports::bilhetagem::ErroBilhetagem;
use guiche_ports::conecta::ErroConsulta;
use guiche_ports::receita::ErroReceita;

/// What went wrong in a service of Integra Contador, a procurador's sign-in or a Conecta query.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErroSerpro {
    /// An input breaks a rule before anything is called (names the field, the value and the
    /// rule).
    #[error("{campo} \"{valor}\": {regra}")]
    Campo {
        /// The field, e.g. `uf`.
        campo: &'static str,
        /// The value given.
        valor: String,
        /// The rule it breaks, in Portuguese.
        regra: String,
    },
    /// Integra Contador failed or refused (the message is the adapter's).
    #[error(transparent)]
    Receita(#[from] ErroReceita),
    /// Conecta gov.br failed or refused (the message is the adapter's).
    #[error(transparent)]
    Conecta(#[from] ErroConsulta),
    /// The billing ledger could not be read.
    #[error("livro de bilhetagem: {0}")]
    Bilhetagem(#[from] ErroBilhetagem),
}

impl ErroSerpro {
    /// An input that breaks `regra`.
    pub(crate) fn campo(campo: &'static str, valor: impl Into<String>, regra: &str) -> ErroSerpro {
        ErroSerpro::Campo {
            campo,
            valor: valor.into(),
            regra: regra.to_owned(),
        }
    }

    /// Whether the remote system (not the request) is at fault: the presentation shows it as
    /// the remote system's answer.
    pub fn remoto(&self) -> bool {
        matches!(self, ErroSerpro::Receita(_) | ErroSerpro::Conecta(_))
    }
}

impl Classificar for ErroSerpro {
    fn natureza(&self) -> Natureza {
        match self {
            ErroSerpro::Campo { .. } => Natureza::Pedido,
            ErroSerpro::Bilhetagem(_) => Natureza::Livro,
            ErroSerpro::Receita(e) => match e {
                ErroReceita::Configuracao(_) | ErroReceita::Autenticacao(_) => {
                    Natureza::Configuracao
                }
                ErroReceita::NaoEnviado(_) | ErroReceita::Desconhecido(_) => Natureza::Transporte,
                ErroReceita::Limite(_) => Natureza::Limite,
                _ => Natureza::Recusado,
            },
            ErroSerpro::Conecta(e) => match e {
                ErroConsulta::Configuracao(_) => Natureza::Configuracao,
                ErroConsulta::Transporte(_) => Natureza::Transporte,
                ErroConsulta::Quota(_) => Natureza::Limite,
                // A CPF or CNPJ without a record is Conecta's final answer about it, as a
                // refusal is (exit 1, as the CLI always did).
                _ => Natureza::Recusado,
            },
        }
    }
}
