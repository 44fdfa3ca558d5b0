//! Every integration test of `guiche-planilha` in one test binary: one link of the crate graph instead
//! of one per file. `cargo test -p guiche-planilha --test integracao [FILTER]`; the filter
//! `exportacao::` runs one file's tests.

mod exportacao;
mod importacao;
