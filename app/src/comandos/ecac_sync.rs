//! `guiche ecac sync`: the e-CAC reconciliation's SERPRO side — payments fetched through
//! PAGTOWEB (`proof` and `locate` are in `ecac_guias`).

use super::ecac::{empresa_opcional, livro_erro, resumo_json, resumo_texto};
use super::serpro::cliente_integra;
use super::serpro_servicos::imprimir;
use crate::config;
use crate::erro::{Codigo, ErroApp};
use crate::relogio::RelogioSistema;
use guiche_aplicacao::ecac::baixa::{Baixa, ErroBaixa};
use guiche_ports::Relogio;
use guiche_ports::ecac::{Empresa, LivroEcac};
use guiche_serpro::fonte::PagamentosIntegra;
use serde_json::json;
use std::sync::Arc;

/// `guiche ecac sync [--empresa CNPJ]`: every company set to A1 or access code (or the one
/// asked), one after the other; a company that fails does not stop the others, and the exit
/// code says whether any failed. With `--json`, one document `{"empresas": [...]}`.
pub(crate) async fn sincronizar(empresa: Option<&str>, json: bool) -> Result<Codigo, ErroApp> {
    let filtro = empresa_opcional(empresa)?;
    let livro = config::abrir_livro()?;
    let empresas: Vec<Empresa> = match filtro {
        Some(c) => vec![livro.empresa(&c).map_err(livro_erro)?.ok_or_else(|| {
            ErroApp::Uso(format!(
                "a empresa {c} não está cadastrada (guiche ecac company add)"
            ))
        })?],
        None => livro
            .empresas()
            .map_err(livro_erro)?
            .into_iter()
            .filter(|e| e.ecac_desde.is_some() && e.acesso.sincroniza_sozinho())
            .collect(),
    };
    if empresas.is_empty() {
        if json {
            imprimir(&json!({ "empresas": [] }));
        } else {
            println!(
                "nenhuma empresa com baixa automática (certificado A1 ou código de acesso e --ecac-desde)"
            );
        }
        return Ok(Codigo::Ok);
    }
    let fonte = PagamentosIntegra::new(Arc::new(cliente_integra()?), Arc::new(RelogioSistema));
    let baixa = Baixa {
        livro: &livro,
        fonte: &fonte,
        hoje: RelogioSistema.hoje(),
        sistema: crate::relogio::hoje_do_sistema(),
    };
    let (mut pior, mut resultados) = (Codigo::Ok, Vec::new());
    for e in &empresas {
        match baixa.sincronizar(e).await {
            Ok(r) if json => resultados.push(resumo_json(&e.cnpj.to_string(), &r)),
            Ok(r) => println!("{}", resumo_texto(&e.cnpj.to_string(), &r)),
            Err(erro) => {
                pior = match (&erro, pior) {
                    (
                        ErroBaixa::Fonte {
                            erro: guiche_ports::ecac::ErroFonte::Indisponivel(_),
                            ..
                        },
                        _,
                    ) => Codigo::Transporte,
                    (_, Codigo::Transporte) => Codigo::Transporte,
                    _ => Codigo::Rejeitado,
                };
                if json {
                    resultados.push(
                        json!({ "origem": e.cnpj.to_string(), "erro": { "mensagem": erro.to_string() } }),
                    );
                } else {
                    println!("{}: {erro}", e.cnpj);
                }
            }
        }
    }
    if json {
        imprimir(&json!({ "empresas": resultados }));
    }
    Ok(pior)
}
