//! Every integration test of `guiche-conecta` in one test binary: one link of the crate graph
//! instead of one per file. `cargo test -p guiche-conecta --test integracao [FILTER]`; the filter
//! `consultas::` runs one file's tests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

mod consultas;
mod transporte;
mod vetores;
