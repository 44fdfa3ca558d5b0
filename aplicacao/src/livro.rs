//! Moving a ledger to another engine (`guiche livro migrar --para postgres://…`): every table
//! copied into an empty ledger, verified against the source before it is kept.

use std::sync::Arc;

use guiche_ports::copia::{DestinoCopia, OrigemCopia, TABELAS};
use guiche_ports::livro::ErroLivro;
use serde::Serialize;

use crate::erro::{Classificar, Natureza};

/// A ledger's copy from one engine to another.
#[derive(Clone)]
pub struct Migracao {
    /// The ledger in use (read; other processes wait while it is copied).
    pub origem: Arc<dyn OrigemCopia>,
    /// The new one (written in one transaction, kept only if it matches).
    pub destino: Arc<dyn DestinoCopia>,
}

/// Rows of one table, as copied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TabelaMigrada {
    /// The table.
    pub tabela: String,
    /// Its rows, the same in both ledgers.
    pub linhas: u64,
}

/// What a migration did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ResultadoMigracao {
    /// Where the ledger was.
    pub origem: String,
    /// Where it is now (never a password).
    pub destino: String,
    /// Every table and its rows.
    pub tabelas: Vec<TabelaMigrada>,
    /// Notas whose number and state were compared one by one.
    pub notas_conferidas: usize,
}

/// Why a migration did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ErroMigracao {
    /// The destination is the source.
    #[error("a origem e o destino são o mesmo livro ({0})")]
    MesmoLivro(String),
    /// Reading, writing or the verification failed: nothing was written.
    #[error("migração não feita, nada foi gravado no destino: {0}")]
    Livro(#[from] ErroLivro),
}

impl Classificar for ErroMigracao {
    fn natureza(&self) -> Natureza {
        match self {
            ErroMigracao::MesmoLivro(_) => Natureza::Pedido,
            ErroMigracao::Livro(_) => Natureza::Livro,
        }
    }
}

impl Migracao {
    /// Copies the source into the destination and verifies it (see [`DestinoCopia::importar`]).
    ///
    /// # Errors
    /// [`ErroMigracao`]: nothing was written.
    pub fn migrar(&self) -> Result<ResultadoMigracao, ErroMigracao> {
        if self.origem.local() == self.destino.local() {
            return Err(ErroMigracao::MesmoLivro(self.origem.local().to_owned()));
        }
        let conferencia = self.destino.importar(self.origem.as_ref())?;
        Ok(ResultadoMigracao {
            origem: self.origem.local().to_owned(),
            destino: self.destino.local().to_owned(),
            tabelas: TABELAS
                .iter()
                .zip(&conferencia.linhas)
                .map(|((t, _), n)| TabelaMigrada {
                    tabela: (*t).to_owned(),
                    linhas: *n,
                })
                .collect(),
            notas_conferidas: conferencia.notas.len(),
        })
    }
}
