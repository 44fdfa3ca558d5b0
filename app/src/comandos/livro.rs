//! `guiche livro migrar --para postgres://…`: the SQLite ledger copied into PostgreSQL.

use std::path::Path;

use crate::erro::{Codigo, ErroApp};
use guiche_aplicacao::livro::ErroMigracao;
use guiche_aplicacao::{Classificar, Natureza};

/// `guiche livro migrar --para URL [--de ARQUIVO]`.
pub(crate) fn migrar(para: &str, de: Option<&Path>, como_json: bool) -> Result<Codigo, ErroApp> {
    let migracao = crate::composicao::migracao(para, de)?;
    eprintln!(
        "copiando {} para {}; os outros guichês neste livro esperam até o fim…",
        migracao.origem.local(),
        migracao.destino.local()
    );
    let feito = migracao
        .migrar()
        .map_err(|e: ErroMigracao| match e.natureza() {
            Natureza::Pedido => ErroApp::Uso(e.to_string()),
            _ => ErroApp::Configuracao(e.to_string()),
        })?;
    if como_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&feito).unwrap_or_default()
        );
        return Ok(Codigo::Ok);
    }
    for t in &feito.tabelas {
        println!("{:<14} {:>9} linha(s)", t.tabela, t.linhas);
    }
    println!(
        "livro copiado para {} e conferido ({} nota(s) uma a uma); aponte GUICHE_DB para lá",
        feito.destino, feito.notas_conferidas
    );
    Ok(Codigo::Ok)
}
