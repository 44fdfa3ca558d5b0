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

pub mod basico;
pub mod ecac;

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

/// Runs every case, each to its end even when an earlier one failed, and fails naming every
/// case that did.
///
/// # Panics
/// When a case panicked (its message was printed as it failed).
pub fn rodar(motor: &dyn Motor, casos: &[Caso]) {
    let falhas: Vec<&str> = casos
        .iter()
        .filter(|(nome, caso)| {
            eprintln!("caso {nome}");
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| caso(motor))).is_err()
        })
        .map(|(nome, _)| *nome)
        .collect();
    assert!(
        falhas.is_empty(),
        "casos do contrato que falharam: {falhas:?}"
    );
}

/// A new ledger of `motor`, or `None` (the engine cannot run here; the case passes empty).
pub fn novo(motor: &dyn Motor) -> Option<Aberto> {
    motor.novo()
}
