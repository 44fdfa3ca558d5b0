//! Every integration test of `guiche` in one test binary: one link of the crate graph instead
//! of one per file. `cargo test -p guiche --test integracao [FILTER]`; the filter
//! `api::` runs one file's tests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

mod api;
mod api_conam;
mod api_ecac;
mod api_nfd;
mod api_serpro;
mod arquivos;
mod cli;
mod comum;
mod conam_envio;
mod consulta;
mod ecac;
mod ecac_cnd;
mod ecac_rodada;
mod livro_limpar;
mod livro_migrar;
mod medicao_ecac;
mod navegador;
mod nfd_envio;
mod nfse;
mod nfse_danfse;
mod nfse_envio;
mod quatro_processos;
mod readme;
mod sandbox;
mod serpro_chamadas;
mod serpro_uso;
mod transporte;
mod web;
mod web_balcoes;
mod web_ecac;
