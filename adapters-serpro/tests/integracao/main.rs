//! Every integration test of `guiche-serpro` in one test binary: one link of the crate graph instead
//! of one per file. `cargo test -p guiche-serpro --test integracao [FILTER]`; the filter
//! `autenticacao::` runs one file's tests.

mod autenticacao;
mod bilhetagem;
mod certificado;
mod comum;
mod conecta;
mod gateway;
mod servicos;
mod termo;
mod transporte;
