//! Every integration test of `guiche-loja` in one test binary. `cargo test -p guiche-loja --test
//! integracao [FILTER]`; the filter `consultas::` runs one file's tests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

mod comum;
mod consultas;
mod medicao;
mod propriedades;
mod vetores;
