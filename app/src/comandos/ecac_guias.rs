//! `guiche ecac proof|locate`: the proof of payment of a document the ledger knows, and a
//! company's guides with their state (a new DAS issued first on request).

use super::ecac::cnpj;
use super::serpro::{falha, imprimir};
use super::serpro_servicos::{avisar, gravar, pasta_gravavel};
use crate::composicao;
use crate::erro::{Codigo, ErroApp};
use crate::saida;
use guiche_aplicacao::Classificar;
use guiche_aplicacao::ecac::comprovante::ErroGuias;
use guiche_domain::Competencia;
use guiche_domain::guia::NumeroDocumento;
use std::path::{Path, PathBuf};

/// How `proof` and `locate` end on a failure: SERPRO's failures as its answer, the rest as
/// errors of the command.
fn falha_guias(e: ErroGuias, json: bool) -> Result<Codigo, ErroApp> {
    match e {
        ErroGuias::Serpro(s) => falha(s, json),
        ErroGuias::Livro(l) => Err(ErroApp::Configuracao(l.to_string())),
        ErroGuias::Desconhecido(_) | ErroGuias::Pedido(_) => Err(ErroApp::Uso(e.to_string())),
        outro => {
            saida::erro_remoto("SERPRO", &outro, json);
            Ok(Codigo::from(outro.natureza()))
        }
    }
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
    let mut c = match composicao::servico_comprovante()?.comprovante(numero).await {
        Ok(c) => c,
        Err(e) => return falha_guias(e, json),
    };
    gravar(&destino, &c.pdf)?;
    c.arquivo = Some(destino.display().to_string());
    if json {
        imprimir(&c);
    } else {
        let de = c.contribuinte.map(|d| d.to_string()).unwrap_or_default();
        println!(
            "comprovante de {numero} ({de}) gravado em {}",
            destino.display()
        );
    }
    Ok(Codigo::Ok)
}

/// `guiche ecac locate --empresa CNPJ [--periodo AAAAMM] [--emitir]`.
pub(crate) async fn localizar(
    empresa: &str,
    periodo: Option<&str>,
    emitir: bool,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let empresa = cnpj("--empresa", empresa)?;
    let periodo = periodo
        .map(|p| Competencia::parse(p).map_err(|e| ErroApp::Uso(format!("--periodo \"{p}\": {e}"))))
        .transpose()?;
    if emitir && periodo.is_none() {
        return Err(ErroApp::Uso("--emitir pede --periodo".into()));
    }
    let servico = composicao::servico_localizar(emitir)?;
    let l = match servico.localizar(empresa, periodo, emitir).await {
        Ok(l) => l,
        Err(e) => return falha_guias(e, json),
    };
    for a in &l.avisos {
        avisar(Some(a));
    }
    if json {
        imprimir(&l);
        return Ok(Codigo::Ok);
    }
    for g in &l.guias {
        if let Some(r) = &g.registrada {
            println!(
                "{} {} de {} vence {} {}: {}",
                r.guia.tipo,
                r.guia.numero,
                r.guia.periodo,
                r.guia.vencimento,
                r.guia.valor,
                g.situacao
            );
        }
    }
    println!("{} guia(s) de {empresa}", l.guias.len());
    Ok(Codigo::Ok)
}
