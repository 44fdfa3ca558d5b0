//! Every integration test of `guiche-certificados` in one test binary: one link of the crate
//! graph instead of one per file. `cargo test -p guiche-certificados --test integracao
//! [FILTER]`; the filter `certificado::` runs one file's tests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

mod certificado;
mod nfse;
mod xmldsig;
