//! Work shared by many workers on one ledger: a **round** (`rodada`) of jobs, one per key (a
//! company's CNPJ for the e-CAC sync), that any number of processes on any number of machines
//! take one at a time, each job leased for a while and renewed by a heartbeat while it runs.
//! A worker that dies stops renewing; once its lease runs out another worker takes the job
//! over. Leases are timed by the database's clock, never the workers'.
//!
//! A job's work may therefore run twice (its worker died after the remote call and before
//! [`FilaTrabalhos::concluir`]): the work must be safe to repeat (the e-CAC sync is: a query,
//! whose payments are recorded once).

use std::time::Duration;

use crate::livro::ErroLivro;

/// How many times a job is taken before it is left aside (each time its worker died or lost
/// its lease): a job that kills its worker must not kill every worker in turn.
pub const TENTATIVAS_MAX: u32 = 5;

/// A round older than this is closed when a worker looks for one (its jobs left undone are
/// abandoned) and a new round opens: yesterday's interrupted sync never stands for today's.
pub const VALIDADE_RODADA: Duration = Duration::from_secs(20 * 60 * 60);

/// A job taken by a worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trabalho {
    /// Its round.
    pub rodada: i64,
    /// What to work on (a CNPJ).
    pub chave: String,
    /// Who holds it.
    pub trabalhador: String,
    /// How many times it was taken, this one included (from 1).
    pub tentativa: u32,
}

/// Where a round stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Andamento {
    /// Jobs done.
    pub feitos: u64,
    /// Jobs not done (taken or waiting).
    pub pendentes: u64,
}

/// Rounds of jobs shared by every worker on the ledger. Every method is one transaction.
pub trait FilaTrabalhos: Send + Sync {
    /// The open round of `tipo` — one younger than [`VALIDADE_RODADA`] with a job not done
    /// and taken fewer than [`TENTATIVAS_MAX`] times — or, when there is none, a new one with
    /// one job per key of `chaves` (each once). Workers that start together share one round.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn rodada(&self, tipo: &str, chaves: &[String]) -> Result<i64, ErroLivro>;

    /// Takes a job of `rodada` that is not done and not leased (or whose lease ran out), for
    /// `prazo` from now; `None` when there is none left to take.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn pegar(
        &self,
        rodada: i64,
        trabalhador: &str,
        prazo: Duration,
    ) -> Result<Option<Trabalho>, ErroLivro>;

    /// Extends the lease of `trabalho` to `prazo` from now (the heartbeat); `false` when it
    /// is no longer its worker's (taken over after the lease ran out, or done).
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn renovar(&self, trabalho: &Trabalho, prazo: Duration) -> Result<bool, ErroLivro>;

    /// Marks `trabalho` done with a short `resultado`; `false` when it was no longer its
    /// worker's (then it changes nothing).
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn concluir(&self, trabalho: &Trabalho, resultado: &str) -> Result<bool, ErroLivro>;

    /// Where `rodada` stands.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn andamento(&self, rodada: i64) -> Result<Andamento, ErroLivro>;
}

/// A lease's length in whole seconds, at least 1 (what the ledgers store).
pub fn segundos(prazo: Duration) -> i64 {
    i64::try_from(prazo.as_secs()).unwrap_or(i64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_at_least_a_second() {
        assert_eq!(segundos(Duration::from_millis(10)), 1);
        assert_eq!(segundos(Duration::from_secs(90)), 90);
        assert_eq!(segundos(Duration::MAX), i64::MAX);
    }
}
