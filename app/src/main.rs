//! # guiche
//!
//! The `guiche` command line: one counter for NFD, CONAM, SERPRO Integra Contador, Conecta
//! gov.br and the e-CAC reconciliation. This crate is thin: it reads configuration and
//! arguments, wires adapters to ports, and prints results in Portuguese (or JSON with
//! `--json`). The rules live in `guiche-domain`.
//!
//! Exit codes (DESIGN.md): `0` done, `1` rejected, `2` usage or configuration error, `3`
//! transport failure or unknown outcome.

mod baixa;
mod cli;
mod comandos;
mod config;
mod emissao;
mod entrada;
mod erro;
mod relogio;
mod saida;

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let json = cli.json;
    if let Err(e) = config::carregar(cli.config.as_deref()) {
        saida::erro(&e, json);
        return e.codigo().into();
    }
    match comandos::executar(cli).await {
        Ok(codigo) => codigo.into(),
        Err(e) => {
            saida::erro(&e, json);
            e.codigo().into()
        }
    }
}
