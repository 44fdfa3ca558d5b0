//! # guiche-aplicacao
//!
//! guichê's use cases, one application service per capability, written against the ports of
//! `guiche-ports` only: no printing, no `clap`, no environment, no concrete adapter. The
//! command line, the demo, the sandbox and the HTTP server (`guiche serve`) all call these
//! services; they differ only in how they present a result.
//!
//! Each service takes typed inputs and returns a typed result or a typed error. Results are
//! `serde::Serialize` and `utoipa::ToSchema`: the CLI's `--json` and the HTTP API print the
//! same shape. Every error says what kind of failure it is ([`erro::Natureza`]), which is all
//! the CLI needs for its exit code and the API for its HTTP status.
//!
//! - [`nfd`]: validate, issue exactly once, batch, a person's decision on an unknown outcome.
//! - [`nfse`]: NFS-e Nacional's DPS validated offline (issuing comes with its adapter).
//! - [`conam`]: validate, send and follow a pacote, its status, the open period, revenues.
//! - [`serpro`]: Integra Contador's typed services with billing, procurador, Conecta gov.br.
//! - [`ecac`]: companies, guides, payments (sync and import), occurrences, proof, locate.
//! - [`acesso`]: API tokens and their roles.
//! - [`idempotencia`]: the first answer to an `Idempotency-Key`, kept and replayed.
//! - [`retencao`]: expired sessions, old idempotency keys and finished job rounds removed.

pub mod acesso;
pub mod conam;
pub mod consulta;
pub mod ecac;
pub mod erro;
pub mod idempotencia;
pub mod livro;
pub mod nfd;
pub mod nfse;
pub mod retencao;
pub mod serpro;
pub mod usuarios;

pub use erro::{Classificar, Natureza};
