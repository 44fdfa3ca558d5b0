//! Every integration test of `guiche-planilha` in one test binary: one link of the crate graph instead
//! of one per file. `cargo test -p guiche-planilha --test integracao [FILTER]`; the filter
//! `exportacao::` runs one file's tests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

mod exportacao;
mod importacao;
