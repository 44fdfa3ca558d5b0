//! Every integration test of `guiche-postgres` in one test binary, against a real PostgreSQL
//! server (`guiche_postgres::teste`: `GUICHE_TESTE_POSTGRES`, or one started from the machine's
//! binaries). `cargo test -p guiche-postgres --test integracao [FILTER]`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

mod comum;
mod contrato;
mod ecac;
mod notas;
mod pacotes;
mod ponte;
