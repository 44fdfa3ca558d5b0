//! Retention: what the ledger no longer needs is removed — expired web sessions, idempotency
//! keys past their window, finished job rounds past theirs (`docs/decisions/0019-retencao.md`).
//! One use case for `guiche serve` (at start, then periodically) and `guiche livro limpar`.
//!
//! Each table is emptied of what is due in batches of [`LOTE`] rows, each batch one short
//! transaction, until a batch comes back short: a large backlog never holds a lock for long,
//! and requests of other processes run between batches.

use std::sync::Arc;
use std::time::Duration;

use guiche_ports::livro::ErroLivro;
use guiche_ports::retencao::LivroRetencao;
use serde::Serialize;

use crate::erro::{Classificar, Natureza};

/// Rows removed per transaction.
pub const LOTE: u32 = 1_000;

/// How long a concluded `Idempotency-Key` answer is kept by default: a day, as the IETF
/// idempotency-key draft suggests and the large payment APIs do.
pub const CHAVES_PADRAO: Duration = Duration::from_secs(24 * 60 * 60);

/// How long a key still in progress is kept: far longer than any request runs (a key in
/// progress is taken over after minutes anyway, see [`crate::idempotencia::ABANDONO_PADRAO`]).
pub const CHAVES_EM_ANDAMENTO: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How long a finished job round is kept by default (its jobs' results, for inspection).
pub const RODADAS_PADRAO: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// How long each kind of row is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Janelas {
    /// A concluded idempotency key's answer.
    pub chaves: Duration,
    /// An idempotency key still in progress.
    pub chaves_em_andamento: Duration,
    /// A finished job round and its jobs, from its creation.
    pub rodadas: Duration,
}

impl Default for Janelas {
    fn default() -> Self {
        Janelas {
            chaves: CHAVES_PADRAO,
            chaves_em_andamento: CHAVES_EM_ANDAMENTO,
            rodadas: RODADAS_PADRAO,
        }
    }
}

/// What one cleaning removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ResultadoLimpeza {
    /// Expired web sessions.
    pub sessoes: u64,
    /// Idempotency keys (concluded past their window, or in progress for days).
    pub chaves_idempotencia: u64,
    /// Finished job rounds.
    pub rodadas: u64,
    /// Their jobs.
    pub trabalhos: u64,
}

impl ResultadoLimpeza {
    /// Rows removed in all.
    pub fn total(&self) -> u64 {
        self.sessoes
            .saturating_add(self.chaves_idempotencia)
            .saturating_add(self.rodadas)
            .saturating_add(self.trabalhos)
    }
}

/// Why a cleaning stopped (what earlier batches removed stays removed).
#[derive(Debug, thiserror::Error)]
pub enum ErroLimpeza {
    /// The ledger failed.
    #[error("limpeza do livro interrompida: {0}")]
    Livro(#[from] ErroLivro),
}

impl Classificar for ErroLimpeza {
    fn natureza(&self) -> Natureza {
        Natureza::Livro
    }
}

/// The retention service over a ledger.
#[derive(Clone)]
pub struct ServicoRetencao {
    livro: Arc<dyn LivroRetencao>,
    janelas: Janelas,
    lote: u32,
}

impl ServicoRetencao {
    /// The service removing what is older than `janelas`, [`LOTE`] rows at a time.
    pub fn new(livro: Arc<dyn LivroRetencao>, janelas: Janelas) -> ServicoRetencao {
        ServicoRetencao {
            livro,
            janelas,
            lote: LOTE,
        }
    }

    /// The same with batches of `lote` rows (at least 1).
    #[must_use]
    pub fn com_lote(mut self, lote: u32) -> ServicoRetencao {
        self.lote = lote.max(1);
        self
    }

    /// The windows in use.
    pub fn janelas(&self) -> Janelas {
        self.janelas
    }

    /// Removes everything due: sessions expired before `agora` (unix seconds, the clock
    /// sessions are written with), then keys, then rounds, each batch by batch.
    ///
    /// # Errors
    /// [`ErroLimpeza`] at the first batch that failed.
    pub fn limpar(&self, agora: i64) -> Result<ResultadoLimpeza, ErroLimpeza> {
        self.limpar_ate(agora, &|| false)
    }

    /// [`ServicoRetencao::limpar`], stopping before the next batch once `parar` says so (a
    /// server shutting down): what was removed until then is kept and reported.
    ///
    /// # Errors
    /// [`ErroLimpeza`] at the first batch that failed.
    pub fn limpar_ate(
        &self,
        agora: i64,
        parar: &dyn Fn() -> bool,
    ) -> Result<ResultadoLimpeza, ErroLimpeza> {
        let lote = u64::from(self.lote);
        let mut feito = ResultadoLimpeza::default();
        loop {
            if parar() {
                return Ok(feito);
            }
            let n = self.livro.remover_sessoes_vencidas(agora, self.lote)?;
            feito.sessoes = feito.sessoes.saturating_add(n);
            if n < lote {
                break;
            }
        }
        loop {
            if parar() {
                return Ok(feito);
            }
            let n = self.livro.remover_chaves_antigas(
                self.janelas.chaves,
                self.janelas.chaves_em_andamento,
                self.lote,
            )?;
            feito.chaves_idempotencia = feito.chaves_idempotencia.saturating_add(n);
            if n < lote {
                break;
            }
        }
        loop {
            if parar() {
                return Ok(feito);
            }
            let n = self
                .livro
                .remover_rodadas_encerradas(self.janelas.rodadas, self.lote)?;
            feito.rodadas = feito.rodadas.saturating_add(n.rodadas);
            feito.trabalhos = feito.trabalhos.saturating_add(n.trabalhos);
            if n.rodadas < lote && n.trabalhos < lote {
                break;
            }
        }
        Ok(feito)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use guiche_ports::retencao::RodadasRemovidas;
    use mockall::Sequence;

    mockall::mock! {
        Livro {}
        impl LivroRetencao for Livro {
            fn remover_sessoes_vencidas(&self, agora: i64, lote: u32) -> Result<u64, ErroLivro>;
            fn remover_chaves_antigas(
                &self,
                concluidas: Duration,
                em_andamento: Duration,
                lote: u32,
            ) -> Result<u64, ErroLivro>;
            fn remover_rodadas_encerradas(
                &self,
                idade: Duration,
                lote: u32,
            ) -> Result<RodadasRemovidas, ErroLivro>;
        }
    }

    #[test]
    fn each_table_is_emptied_batch_by_batch_until_a_batch_comes_back_short() {
        let mut livro = MockLivro::new();
        let mut seq = Sequence::new();
        for n in [2, 2, 1] {
            livro
                .expect_remover_sessoes_vencidas()
                .withf(|agora, lote| *agora == 1_000 && *lote == 2)
                .times(1)
                .in_sequence(&mut seq)
                .returning(move |_, _| Ok(n));
        }
        for n in [2, 0] {
            livro
                .expect_remover_chaves_antigas()
                .withf(|c, a, lote| *c == CHAVES_PADRAO && *a == CHAVES_EM_ANDAMENTO && *lote == 2)
                .times(1)
                .in_sequence(&mut seq)
                .returning(move |_, _, _| Ok(n));
        }
        for (rodadas, trabalhos) in [(0, 2), (1, 1)] {
            livro
                .expect_remover_rodadas_encerradas()
                .withf(|idade, lote| *idade == RODADAS_PADRAO && *lote == 2)
                .times(1)
                .in_sequence(&mut seq)
                .returning(move |_, _| Ok(RodadasRemovidas { rodadas, trabalhos }));
        }
        let servico = ServicoRetencao::new(Arc::new(livro), Janelas::default()).com_lote(2);
        let feito = servico.limpar(1_000).unwrap();
        assert_eq!(
            feito,
            ResultadoLimpeza {
                sessoes: 5,
                chaves_idempotencia: 2,
                rodadas: 1,
                trabalhos: 3
            }
        );
        assert_eq!(feito.total(), 11);
    }

    #[test]
    fn a_stop_asked_between_batches_ends_the_cleaning_with_what_was_removed() {
        let mut livro = MockLivro::new();
        livro
            .expect_remover_sessoes_vencidas()
            .times(2)
            .returning(|_, _| Ok(2));
        livro.expect_remover_chaves_antigas().never();
        livro.expect_remover_rodadas_encerradas().never();
        let servico = ServicoRetencao::new(Arc::new(livro), Janelas::default()).com_lote(2);
        let vezes = std::sync::atomic::AtomicU32::new(0);
        let parar = || vezes.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= 2;
        let feito = servico.limpar_ate(0, &parar).unwrap();
        assert_eq!(feito.sessoes, 4);
        assert_eq!(feito.total(), 4);
    }

    #[test]
    fn a_failing_batch_stops_the_cleaning_with_the_ledger_s_error() {
        let mut livro = MockLivro::new();
        livro
            .expect_remover_sessoes_vencidas()
            .returning(|_, _| Ok(0));
        livro.expect_remover_chaves_antigas().returning(|_, _, _| {
            Err(ErroLivro::Armazenamento {
                local: "livro.db".into(),
                motivo: "disco cheio".into(),
            })
        });
        livro.expect_remover_rodadas_encerradas().never();
        let servico = ServicoRetencao::new(Arc::new(livro), Janelas::default());
        let erro = servico.limpar(0).unwrap_err();
        assert_eq!(erro.natureza(), Natureza::Livro);
        assert!(erro.to_string().contains("disco cheio"), "{erro}");
    }
}
