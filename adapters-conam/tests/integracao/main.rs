//! Every integration test of `guiche-conam` in one test binary: one link of the crate graph instead
//! of one per file. `cargo test -p guiche-conam --test integracao [FILTER]`; the filter
//! `cliente::` runs one file's tests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

mod cliente;
mod simulador;
mod transporte;
mod vetores;
