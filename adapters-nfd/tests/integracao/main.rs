//! Every integration test of `guiche-nfd` in one test binary: one link of the crate graph instead
//! of one per file. `cargo test -p guiche-nfd --test integracao [FILTER]`; the filter
//! `simulador::` runs one file's tests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

mod simulador;
mod transporte;
mod vetores;
