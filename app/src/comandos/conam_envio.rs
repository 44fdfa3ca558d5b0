//! `guiche conam send|status|period|revenues`: talking to the CONAM API through the CONAM
//! service of `guiche-aplicacao` (`conam::envio`); this module only prints.

use super::conam::{ler_pacote, tabela_2};
use crate::composicao;
use crate::entrada;
use crate::erro::{Codigo, ErroApp};
use crate::saida::{self, Documento};
use guiche_aplicacao::Classificar;
use guiche_aplicacao::conam::envio::{ErroConam, Receitas, RelatoPacote};
use indicatif::ProgressBar;
use serde::Serialize;
use serde_json::json;
use std::io::IsTerminal;
use std::path::Path;

fn imprimir(json: bool, humano: &str, maquina: &impl Serialize) {
    if json {
        let v = serde_json::to_value(maquina).unwrap_or_default();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!("{humano}");
    }
}

/// A report: its warnings on stderr, the sentence or the JSON on stdout; its exit code.
fn relato(r: &RelatoPacote, json: bool) -> Codigo {
    for aviso in &r.avisos {
        eprintln!("aviso: {aviso}");
    }
    imprimir(json, &r.frase, r);
    r.falha.map_or(Codigo::Ok, Codigo::from)
}

/// An error of the service: a failure of the CONAM API is printed like an answer (`CONAM:
/// …`, or `{"erro": {tipo, mensagem}}`); the ledger's and the setup's stop the command.
fn erro(e: ErroConam, json: bool) -> Result<Codigo, ErroApp> {
    match e {
        ErroConam::Contabil(_) => {
            imprimir(
                json,
                &format!("CONAM: {e}"),
                &json!({ "erro": { "tipo": e.tipo(), "mensagem": e.to_string() } }),
            );
            Ok(Codigo::from(e.natureza()))
        }
        ErroConam::Livro(_) | ErroConam::Configuracao(_) => {
            Err(ErroApp::Configuracao(e.to_string()))
        }
    }
}

/// `guiche conam send FILE [--wait] [--tabela2 FILE]` (`docs/decisions/0007`).
pub(crate) async fn enviar(
    arquivo: &Path,
    esperar: bool,
    tabela2: Option<&Path>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let tabela = tabela_2(tabela2)?;
    let texto = entrada::ler(arquivo)?;
    let pacote = match ler_pacote(&texto).and_then(|b| b.validar(&tabela)) {
        Ok(p) => p,
        Err(v) => {
            let nome = arquivo.display().to_string();
            saida::invalido(
                &Documento {
                    arquivo: &nome,
                    tipo: "pacote",
                    feminino: false,
                },
                &v,
                json,
            );
            return Ok(Codigo::Rejeitado);
        }
    };
    let conam = composicao::conam()?;
    let roda = if json || !esperar || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    roda.set_message(format!(
        "pacote {}: aguardando avaliação da contabilidade",
        pacote.id_pacote()
    ));
    let tique = || roda.tick();
    let r = conam.enviar(&pacote, esperar, &tique).await;
    roda.finish_and_clear();
    match r {
        Ok(r) => Ok(relato(&r, json)),
        Err(e) => erro(e, json),
    }
}

/// `guiche conam status ID_PACOTE`: what the service says, recorded in the ledger (the
/// service's word governs), with any disagreement of the ledger reported.
pub(crate) async fn situacao(id: u64, json: bool) -> Result<Codigo, ErroApp> {
    match composicao::conam()?.situacao(id).await {
        Ok(r) => Ok(relato(&r, json)),
        Err(e) => erro(e, json),
    }
}

/// `guiche conam period ENTIDADE ANO MES`: exit 0 when open, 1 when closed.
pub(crate) async fn periodo(
    entidade: &str,
    ano: u16,
    mes: u8,
    json: bool,
) -> Result<Codigo, ErroApp> {
    match composicao::consultas_conam()?
        .periodo(entidade, ano, mes)
        .await
    {
        Ok(p) => {
            let palavra = if p.aberto { "ABERTO" } else { "FECHADO" };
            let frase = format!("período {mes:02}/{ano} da entidade {entidade}: {palavra}");
            imprimir(json, &frase, &p);
            Ok(if p.aberto {
                Codigo::Ok
            } else {
                Codigo::Rejeitado
            })
        }
        Err(e) => erro(e, json),
    }
}

/// `guiche conam revenues ENTIDADE ANO [--extra]`.
pub(crate) async fn receitas(
    entidade: &str,
    ano: u16,
    extra: bool,
    json: bool,
) -> Result<Codigo, ErroApp> {
    match composicao::consultas_conam()?
        .receitas(entidade, ano, extra)
        .await
    {
        Ok(r) => {
            imprimir(json, &tabela(&r), &r);
            Ok(Codigo::Ok)
        }
        Err(e) => erro(e, json),
    }
}

/// A plain-text table: code, account, description (and the renounced account, when any).
fn tabela(r: &Receitas) -> String {
    let lista = &r.receitas;
    if lista.is_empty() {
        return "nenhuma receita".into();
    }
    let largura_conta = lista
        .iter()
        .map(|r| r.codigo_conta.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let mut s = format!("{:<7} {:<largura_conta$}  descrição\n", "código", "conta");
    for r in lista {
        s.push_str(&format!(
            "{:<7} {:<largura_conta$}  {}",
            r.codigo, r.codigo_conta, r.descricao
        ));
        if let (Some(conta), Some(desc)) =
            (&r.codigo_conta_renunciada, &r.descricao_conta_renunciada)
        {
            s.push_str(&format!("  (renúncia de {conta} {desc})"));
        }
        s.push('\n');
    }
    s.trim_end().to_owned()
}
