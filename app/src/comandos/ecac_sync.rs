//! `guiche ecac sync|proof|locate`: the e-CAC reconciliation's SERPRO side — payments fetched
//! through PAGTOWEB, the proof of payment, and a new DAS issued for a company.

use super::ecac::{
    cnpj, empresa_opcional, falha as falha_ecac, imprimir as imprimir_ecac, livro_erro,
    resumo_texto,
};
use super::serpro::cliente_integra;
use super::serpro_servicos::{
    falha, gravar, guia_do_das, imprimir, pasta_gravavel, registrar_guia,
};
use crate::config;
use crate::erro::{Codigo, ErroApp};
use crate::relogio::RelogioSistema;
use guiche_aplicacao::ecac::baixa::SincronizacaoEmpresa;
use guiche_domain::guia::NumeroDocumento;
use guiche_domain::{Competencia, Documento};
use guiche_ports::Relogio;
use guiche_ports::ecac::LivroEcac;
use guiche_serpro::servicos;
use serde_json::json;
use std::path::{Path, PathBuf};

/// `guiche ecac sync [--empresa CNPJ]`: every company set to A1 or access code (or the one
/// asked), one after the other ([`guiche_aplicacao::ecac::baixa::Baixa::sincronizar_empresas`]);
/// a company that fails, or that another process is syncing, does not stop the others, and the
/// exit code says the most serious failure. With `--json`, one document `{"empresas": [...]}`.
pub(crate) async fn sincronizar(empresa: Option<&str>, json: bool) -> Result<Codigo, ErroApp> {
    let filtro = empresa_opcional(empresa)?;
    let baixa = crate::composicao::baixa_ecac(cliente_integra)?;
    let feita = baixa
        .sincronizar_empresas(filtro.as_ref())
        .await
        .map_err(|e| falha_ecac(&e))?;
    if json {
        imprimir_ecac(&feita);
    } else if feita.empresas.is_empty() {
        println!(
            "nenhuma empresa com baixa automática (certificado A1 ou código de acesso e --ecac-desde)"
        );
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

/// `guiche ecac proof NUMERO [--saida ARQUIVO.pdf]`: the contribuinte is the one the ledger
/// knows for that number (a guide or a payment).
pub(crate) async fn comprovante(
    numero: &str,
    saida: Option<&Path>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let numero = NumeroDocumento::parse(numero)
        .map_err(|e| ErroApp::Uso(format!("NUMERO \"{numero}\": {e}")))?;
    let destino = saida.map_or_else(
        || PathBuf::from(format!("comprovante-{}.pdf", numero.as_digitos())),
        Path::to_path_buf,
    );
    pasta_gravavel("--saida", destino.parent().unwrap_or(Path::new(".")))?;
    let livro = config::abrir_livro()?;
    let contribuinte = contribuinte_de(&livro, &numero)?;
    let cliente = cliente_integra()?;
    let pdf = match servicos::comprovante(&cliente, &contribuinte, &numero, RelogioSistema.hoje())
        .await
    {
        Ok(p) => p,
        Err(e) => return Ok(falha(&e, json)),
    };
    gravar(&destino, &pdf)?;
    if json {
        imprimir(
            &json!({ "numeroDocumento": numero.as_digitos(), "arquivo": destino.display().to_string(), "bytes": pdf.len() }),
        );
    } else {
        println!(
            "comprovante de {numero} ({contribuinte}) gravado em {}",
            destino.display()
        );
    }
    Ok(Codigo::Ok)
}

/// Whose document `numero` is: its guide's contribuinte, else that of the payment the last
/// reconciliation found under it.
fn contribuinte_de(
    livro: &guiche_store::Livro,
    numero: &NumeroDocumento,
) -> Result<Documento, ErroApp> {
    if let Some(g) = livro.guia(numero).map_err(livro_erro)? {
        return Ok(g.guia.contribuinte);
    }
    livro
        .historico(numero)
        .map_err(livro_erro)?
        .last()
        .map(|o| o.achado.contribuinte)
        .ok_or_else(|| {
            ErroApp::Uso(format!(
                "o documento {numero} não está no livro (nem guia nem pagamento); rode `guiche ecac sync` antes"
            ))
        })
}

/// `guiche ecac locate --empresa CNPJ [--periodo AAAAMM] [--emitir]`.
pub(crate) async fn localizar(
    empresa: &str,
    periodo: Option<&str>,
    emitir: bool,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let cnpj = cnpj("--empresa", empresa)?;
    let periodo = periodo
        .map(|p| Competencia::parse(p).map_err(|e| ErroApp::Uso(format!("--periodo \"{p}\": {e}"))))
        .transpose()?;
    let livro = config::abrir_livro()?;
    if emitir {
        let Some(p) = periodo else {
            return Err(ErroApp::Uso("--emitir pede --periodo".into()));
        };
        let cliente = cliente_integra()?;
        match servicos::gerar_das(&cliente, &cnpj, p, RelogioSistema.hoje()).await {
            Ok(das) => {
                for d in &das {
                    registrar_guia(&livro, &guia_do_das(cnpj, d));
                }
            }
            Err(e) => return Ok(falha(&e, json)),
        }
    }
    let contribuinte = Documento::Cnpj(cnpj);
    let guias: Vec<_> = livro
        .guias(Some(&contribuinte))
        .map_err(livro_erro)?
        .into_iter()
        .filter(|g| periodo.is_none_or(|p| g.guia.periodo == p))
        .collect();
    let situacao: std::collections::HashMap<String, String> = livro
        .ocorrencias(Some(&contribuinte))
        .map_err(livro_erro)?
        .into_iter()
        .map(|o| (o.achado.chave, o.achado.descricao))
        .collect();
    let estado = |g: &guiche_ports::ecac::GuiaRegistrada| {
        situacao
            .get(&format!("guia:{}", g.guia.numero.as_digitos()))
            .cloned()
            .unwrap_or_else(|| "não conciliada".to_owned())
    };
    if json {
        let v: Vec<_> = guias
            .iter()
            .map(|g| {
                json!({
                    "numeroDocumento": g.guia.numero.as_digitos(),
                    "periodo": g.guia.periodo.compacta(),
                    "vencimento": g.guia.vencimento.iso(),
                    "valor": g.guia.valor.decimal().to_string(),
                    "situacao": estado(g),
                    "baixadaEm": g.baixada_em.map(|d| d.iso()),
                })
            })
            .collect();
        imprimir(&json!({ "empresa": cnpj.as_str(), "guias": v }));
        return Ok(Codigo::Ok);
    }
    for g in &guias {
        println!(
            "{} {} de {} vence {} {}: {}",
            g.guia.tipo,
            g.guia.numero,
            g.guia.periodo,
            g.guia.vencimento,
            g.guia.valor,
            estado(g)
        );
    }
    println!("{} guia(s) de {cnpj}", guias.len());
    Ok(Codigo::Ok)
}
