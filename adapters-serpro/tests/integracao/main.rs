//! Every integration test of `guiche-serpro` in one test binary: one link of the crate graph instead
//! of one per file. `cargo test -p guiche-serpro --test integracao [FILTER]`; the filter
//! `autenticacao::` runs one file's tests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

mod autenticacao;
mod bilhetagem;
mod comum;
mod gateway;
mod servicos;
mod termo;
mod transporte;
