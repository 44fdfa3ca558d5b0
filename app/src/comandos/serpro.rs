//! `guiche serpro …`

use crate::config;
use crate::erro::{Codigo, ErroApp};
use guiche_domain::Documento;
use guiche_ports::bilhetagem::{Janela, MedidorBilhetagem};
use guiche_store::Livro;
use serde_json::json;

/// `guiche serpro usage [--contratante CNPJ] [--mes AAAAMM]`: billed calls recorded in the ledger.
pub(crate) fn uso(
    contratante: Option<&str>,
    mes: Option<&str>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let contratante = contratante
        .map(|c| {
            Documento::parse(c)
                .map(|d| d.as_str().to_owned())
                .map_err(|e| ErroApp::Uso(format!("--contratante \"{c}\": {e}")))
        })
        .transpose()?;
    let janela = mes
        .map(|m| match Janela::ler(m) {
            Some(j @ Janela::Mes(_)) => Ok(j),
            _ => Err(ErroApp::Uso(format!(
                "--mes \"{m}\": use AAAAMM, por exemplo 202611"
            ))),
        })
        .transpose()?;
    let livro = Livro::abrir(&config::caminho_livro()?)
        .map_err(|e| ErroApp::Configuracao(e.to_string()))?;
    let consumo = livro
        .consumo(contratante.as_deref(), janela)
        .map_err(|e| ErroApp::Configuracao(e.to_string()))?;
    if json {
        let v: Vec<_> = consumo
            .iter()
            .map(|c| json!({ "contratante": c.contratante, "servico": c.servico, "janela": c.janela.to_string(), "chamadas": c.chamadas }))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "consumo": v })).unwrap_or_default()
        );
        return Ok(Codigo::Ok);
    }
    if consumo.is_empty() {
        println!("nenhuma chamada bilhetada registrada");
        return Ok(Codigo::Ok);
    }
    println!(
        "{:<8} {:<16} {:<34} {:>9}",
        "mês", "contratante", "serviço", "chamadas"
    );
    for c in &consumo {
        println!(
            "{:<8} {:<16} {:<34} {:>9}",
            c.janela.to_string(),
            c.contratante,
            c.servico,
            c.chamadas
        );
    }
    let total: u64 = consumo.iter().map(|c| c.chamadas).sum();
    println!("total: {total} chamada(s) bilhetada(s)");
    Ok(Codigo::Ok)
}
