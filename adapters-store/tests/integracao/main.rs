//! Every integration test of `guiche-store` in one test binary: one link of the crate graph instead
//! of one per file. `cargo test -p guiche-store --test integracao [FILTER]`; the filter
//! `acesso::` runs one file's tests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

mod acesso;
mod comum;
mod contrato;
mod ecac;
mod livro;
mod pacotes;
