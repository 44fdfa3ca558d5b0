//! Every integration test of `guiche-simulador` in one test binary: one link of the crate graph instead
//! of one per file. `cargo test -p guiche-simulador --test integracao [FILTER]`; the filter
//! `bruto::` runs one file's tests.

mod bruto;
mod servir;
