//! # guiche-livro-contrato
//!
//! The ledger's contract as tests: every case here runs against every engine — SQLite
//! (`guiche-store`) and PostgreSQL (`guiche-postgres`) — from each engine's integration-test
//! binary, so the two cannot drift. What only one engine has (SQLite's file permissions and
//! network-folder refusal, PostgreSQL's URL and TLS) stays in that engine's own tests.
//!
//! An engine gives a [`Motor`]; its test binary runs each module's cases with [`rodar`], one
//! `#[test]` per module:
//!
//! ```ignore
//! #[test]
//! fn notas() {
//!     guiche_livro_contrato::rodar(&MotorSqlite, guiche_livro_contrato::notas::CASOS);
//! }
//! ```
//!
//! A case is a plain function of the engine: it opens the ledgers it needs (two handles on one
//! ledger stand for two processes), and panics on a broken promise, naming it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test panics on what it reads

use std::sync::Arc;

use guiche_ports::LivroCompleto;

pub mod acesso;
pub mod basico;
pub mod bilhetagem;
mod corrida;
pub mod ecac;
pub mod fila;
pub mod idempotencia;
pub mod notas;
pub mod pacotes;
pub mod retencao;
pub mod trabalhos;
pub mod usuarios;

/// A ledger engine under test.
pub trait Motor: Sync {
    /// A new, empty ledger; `None` when the engine cannot run here and need not (PostgreSQL
    /// outside CI without a server: the caller has warned).
    fn novo(&self) -> Option<Aberto>;
}

/// A ledger opened for a case.
pub struct Aberto {
    /// The handle.
    pub livro: Arc<dyn LivroCompleto>,
    /// Opens the same ledger again: another process's handle (its own connections, its own
    /// locks).
    pub reabrir: Box<dyn Fn() -> Arc<dyn LivroCompleto> + Send + Sync>,
}

/// A case: its name and the function.
pub type Caso = (&'static str, fn(&dyn Motor));

/// Runs every case, each on a thread of its own and to its end even when another failed, and
/// fails naming every case that did.
///
/// # Panics
/// When a case panicked (its message was printed as it failed).
pub fn rodar(motor: &dyn Motor, casos: &[Caso]) {
    let falhas: Vec<&str> = std::thread::scope(|s| {
        let rodando: Vec<_> = casos
            .iter()
            .map(|(nome, caso)| (*nome, s.spawn(move || caso(motor))))
            .collect();
        rodando
            .into_iter()
            .filter_map(|(nome, h)| h.join().is_err().then_some(nome))
            .collect()
    });
    assert!(
        falhas.is_empty(),
        "casos do contrato que falharam: {falhas:?}"
    );
}
