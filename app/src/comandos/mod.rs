//! One module per command group; each returns the exit code of the contract.

mod conam;
mod demo;
mod nfd;

use crate::cli::{Cli, Comando, Conam, Nfd};
use crate::erro::{Codigo, ErroApp};

/// Runs the command the user asked for.
pub(crate) fn executar(cli: Cli) -> Result<Codigo, ErroApp> {
    let json = cli.json;
    match cli.comando {
        Comando::Demo => demo::executar(json),
        Comando::Nfd(Nfd::Validate {
            arquivo,
            prefeitura,
        }) => nfd::validar(&arquivo, prefeitura.as_deref(), json),
        Comando::Conam(Conam::Validate { arquivo, tabela2 }) => {
            conam::validar(&arquivo, tabela2.as_deref(), json)
        }
    }
}
