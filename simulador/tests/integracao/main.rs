//! Every integration test of `guiche-simulador` in one test binary: one link of the crate graph instead
//! of one per file. `cargo test -p guiche-simulador --test integracao [FILTER]`; the filter
//! `bruto::` runs one file's tests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

mod bruto;
mod servir;
