//! # guiche-postgres
//!
//! The ledger on PostgreSQL, for many `guiche` processes on many machines sharing one
//! database (`GUICHE_DB=postgres://…`); the embedded default stays SQLite (`guiche-store`).
//! [`Livro`] implements the same ports with the same contract, and one contract test suite
//! (`guiche-livro-contrato`) runs against both engines. Decision 0015 says why and how.
//!
//! ## Connections
//!
//! `tokio-postgres`, pooled by `deadpool-postgres`, TLS by rustls (verified against the
//! system's roots and `GUICHE_DB_CA`; required to any host but this machine's unless the URL's
//! `sslmode` says otherwise). The ports are blocking; a small runtime of the ledger's own drives
//! the sockets and each call waits on its caller's thread (see `conexao`). The password, if the
//! URL has one, is never shown: errors and [`Livro::local`] name `user@host:port/db`.
//!
//! ## Exactly once across processes
//!
//! Every port method is one transaction. Where SQLite serializes writers with its file lock,
//! PostgreSQL serializes what must be serial explicitly:
//!
//! - a sequence's reservation takes a transaction advisory lock on the sequence
//!   (`pg_advisory_xact_lock`) before reading its highest number, and the partial unique index
//!   `notas_numero_vivo` makes two live notas with one number impossible whatever the code does;
//! - a sequence's turn ([`LivroNotas::fila`](guiche_ports::livro::LivroNotas::fila)) and an
//!   e-CAC company's ([`LivroEcac::vez_da_empresa`](guiche_ports::ecac::LivroEcac::vez_da_empresa))
//!   are session advisory locks held on a connection of their own as long as the turn; the
//!   server releases them when the holder's connection ends, so a killed process never leaves
//!   one taken;
//! - every state change is a compare-and-set on the state the caller read.
//!
//! A commit returns once the server has it on disk (`synchronous_commit` on, PostgreSQL's
//! default; do not turn it off for a ledger).
//!
//! ## Schema
//!
//! Versioned migrations in `migrations/NNNN_*.sql`, applied in one transaction under an
//! advisory lock, tracked in `guiche_esquema`; a database written by a newer guichê is refused
//! naming both versions. A PostgreSQL ledger starts at version 10, the version of the SQLite
//! ledger it may be copied from ([`VERSAO_ESQUEMA`]).

mod acesso;
mod bilhetagem;
mod conexao;
mod copia;
mod ecac;
mod esquema;
mod falha;
mod idempotencia;
mod livro;
mod notas;
mod pacotes;
mod retencao;
#[cfg(feature = "servidor-teste")]
pub mod teste;
mod trabalhos;
mod travas;
mod usuarios;

pub use conexao::{Opcoes, e_url_postgres, tem_senha};
pub use esquema::VERSAO_ESQUEMA;
pub use livro::Livro;
