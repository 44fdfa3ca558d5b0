//! Every integration test of `guiche-conam` in one test binary: one link of the crate graph instead
//! of one per file. `cargo test -p guiche-conam --test integracao [FILTER]`; the filter
//! `cliente::` runs one file's tests.

mod cliente;
mod simulador;
mod transporte;
