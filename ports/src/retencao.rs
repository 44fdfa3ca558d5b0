//! Retention: what the ledger no longer needs, removed in bounded batches. Sessions that
//! expired, `Idempotency-Key` answers older than their window, finished job rounds older than
//! theirs. Each call removes at most `lote` rows of one kind in ONE short transaction and says
//! how many went; the caller repeats while a batch comes back full, so a large backlog never
//! holds a lock for long. Why these rules: `docs/decisions/0019-retencao.md`.

use std::time::Duration;

use crate::livro::ErroLivro;

/// The rows of a batch of finished rounds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RodadasRemovidas {
    /// Rounds removed.
    pub rodadas: u64,
    /// Jobs removed (of those rounds, or of rounds whose remaining jobs go in a later batch).
    pub trabalhos: u64,
}

/// The ledger's retention. Every method is one transaction removing at most `lote` rows of each
/// table it touches (at least 1).
pub trait LivroRetencao: Send + Sync {
    /// Removes sessions whose `expira_em` is before `agora` (unix seconds, the application's
    /// clock, as sessions are written).
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn remover_sessoes_vencidas(&self, agora: i64, lote: u32) -> Result<u64, ErroLivro>;

    /// Removes idempotency keys whose answer was kept more than `concluidas` ago, and keys
    /// still in progress untouched for more than `em_andamento` (ages by the database's
    /// clock, as the keys are written).
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn remover_chaves_antigas(
        &self,
        concluidas: Duration,
        em_andamento: Duration,
        lote: u32,
    ) -> Result<u64, ErroLivro>;

    /// Removes job rounds created more than `idade` ago that are finished — closed
    /// (`encerrada_em`), or without a job any worker could still take or is running — with
    /// their jobs: at most `lote` jobs, then at most `lote` such rounds left without jobs. A
    /// round some worker could still take a job of is never removed.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn remover_rodadas_encerradas(
        &self,
        idade: Duration,
        lote: u32,
    ) -> Result<RodadasRemovidas, ErroLivro>;
}

/// A batch size as the engines bind it: at least 1.
pub fn tamanho_lote(lote: u32) -> i64 {
    i64::from(lote.max(1))
}

/// The longest age the engines are asked about: a hundred years, in seconds. A longer window
/// means the same (nothing that old exists) and keeps `now - age` far from overflowing.
pub const IDADE_MAX_SEGUNDOS: i64 = 100 * 366 * 24 * 60 * 60;

/// An age in whole seconds, as the engines bind it: from 0 to [`IDADE_MAX_SEGUNDOS`].
pub fn idade_segundos(idade: Duration) -> i64 {
    i64::try_from(idade.as_secs())
        .unwrap_or(i64::MAX)
        .min(IDADE_MAX_SEGUNDOS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_at_least_one_row_and_an_age_is_bounded() {
        assert_eq!(tamanho_lote(0), 1);
        assert_eq!(tamanho_lote(1_000), 1_000);
        assert_eq!(idade_segundos(Duration::from_secs(86_400)), 86_400);
        assert_eq!(idade_segundos(Duration::MAX), IDADE_MAX_SEGUNDOS);
    }
}
