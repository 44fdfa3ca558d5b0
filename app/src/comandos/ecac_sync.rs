//! `guiche ecac sync`: the e-CAC reconciliation's SERPRO side — payments fetched through
//! PAGTOWEB (`proof` and `locate` are in `ecac_guias`).

use super::ecac::{empresa_opcional, falha as falha_ecac, imprimir as imprimir_ecac, resumo_texto};
use super::serpro::cliente_integra;
use crate::erro::{Codigo, ErroApp};
use guiche_aplicacao::ecac::baixa::SincronizacaoEmpresa;

/// `guiche ecac sync [--empresa CNPJ] [--trabalhadores N]`: every company set to A1 or access
/// code (or the one asked), as jobs of the round shared with every other worker on the ledger,
/// N at a time here ([`guiche_aplicacao::ecac::baixa::Baixa::sincronizar_empresas`]); a
/// company that fails, or that another process is syncing, does not stop the others, and the
/// exit code says the most serious failure. With `--json`, one document
/// `{"empresas": [...], "rodada": N}` with the companies this process synced.
pub(crate) async fn sincronizar(
    empresa: Option<&str>,
    trabalhadores: Option<usize>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let filtro = empresa_opcional(empresa)?;
    let baixa = crate::composicao::baixa_ecac(cliente_integra, trabalhadores)?;
    let feita = baixa
        .sincronizar_empresas(filtro.as_ref())
        .await
        .map_err(|e| falha_ecac(&e))?;
    if json {
        imprimir_ecac(&feita);
    } else if feita.empresas.is_empty() {
        match feita.rodada {
            Some(n) if filtro.is_none() => println!(
                "nenhuma empresa da rodada {n} ficou para este processo: ou não há empresas com \
                 baixa automática (certificado A1 ou código de acesso e --ecac-desde), ou outros \
                 processos já as sincronizam"
            ),
            _ => println!(
                "nenhuma empresa com baixa automática (certificado A1 ou código de acesso e --ecac-desde)"
            ),
        }
    }
    if !json {
        for e in &feita.empresas {
            match e {
                SincronizacaoEmpresa::Feita(r) => println!("{}", resumo_texto(r)),
                SincronizacaoEmpresa::Pulada { origem, pulada } => {
                    println!("{origem}: pulada ({pulada})");
                }
                SincronizacaoEmpresa::Falhou { origem, erro, .. } => {
                    println!("{origem}: {}", erro.mensagem);
                }
            }
        }
    }
    Ok(feita.natureza().map_or(Codigo::Ok, Codigo::from))
}
