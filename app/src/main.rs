//! # guiche
//!
//! The `guiche` command line: one counter for NFD, CONAM, SERPRO Integra Contador, Conecta
//! gov.br and the e-CAC reconciliation. This crate is thin: it reads configuration and
//! arguments, wires adapters to ports, and prints results in Portuguese (or JSON with
//! `--json`). The rules live in `guiche-domain`.
//!
//! Exit codes (DESIGN.md): `0` done, `1` rejected, `2` usage or configuration error, `3`
//! transport failure or unknown outcome.

mod arquivo;
mod cli;
mod comandos;
mod composicao;
mod config;
mod entrada;
mod erro;
mod http;
mod relogio;
mod saida;
mod web;

use clap::Parser;
use std::process::ExitCode;

/// A closed pipe (`guiche … | head`) ends the program quietly with 141, as Unix tools do,
/// instead of the panic `println!` raises when its reader is gone.
fn pipe_fechado_encerra_em_silencio() {
    let padrao = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        padrao(info);
    }));
}

#[tokio::main]
async fn main() -> ExitCode {
    pipe_fechado_encerra_em_silencio();
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
