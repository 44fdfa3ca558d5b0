//! `guiche conam send|status|period|revenues`: talking to the CONAM API.

use super::conam::{ler_pacote, tabela_2};
use crate::config;
use crate::entrada;
use crate::erro::{Codigo, ErroApp};
use crate::saida::{self, Documento};
use guiche_conam::{ClienteConam, ConfigCliente, Segredo};
use guiche_domain::conam::Pacote;
use guiche_ports::contabil::{
    ErroContabil, IntegracaoContabil, LivroPacotes, Receita, SituacaoPacote,
};
use guiche_ports::livro::ErroLivro;
use guiche_store::Livro;
use indicatif::ProgressBar;
use serde_json::{Value, json};
use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

const TOKEN_PADRAO: &str = "https://login.conam.com.br/token";

fn cliente() -> Result<ClienteConam, ErroApp> {
    let base = config::obrigatorio("GUICHE_CONAM_URL", "falar com a CONAM")?;
    let url_token =
        config::var("GUICHE_CONAM_TOKEN_URL").unwrap_or_else(|| TOKEN_PADRAO.to_owned());
    let id = config::obrigatorio("GUICHE_CONAM_CLIENT_ID", "obter o token da CONAM")?;
    let segredo = config::obrigatorio("GUICHE_CONAM_CLIENT_SECRET", "obter o token da CONAM")?;
    ClienteConam::new(ConfigCliente::new(
        &base,
        &url_token,
        &id,
        Segredo::new(segredo),
    ))
    .map_err(|e| ErroApp::Configuracao(e.to_string()))
}

fn segundos(nome: &str, padrao: f64) -> Result<Duration, ErroApp> {
    match config::var(nome) {
        None => Ok(Duration::from_secs_f64(padrao)),
        Some(v) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                ErroApp::Configuracao(format!("{nome}=\"{v}\" deve ser um número de segundos"))
            }),
    }
}

/// The exit code and a sentence for an error of the API.
fn falha(e: &ErroContabil) -> Codigo {
    match e {
        ErroContabil::Rejeitado { .. }
        | ErroContabil::NaoEncontrado
        | ErroContabil::ParametrosInvalidos(_) => Codigo::Rejeitado,
        ErroContabil::Autenticacao(_) | ErroContabil::AcessoNegado(_) => Codigo::Uso,
        _ => Codigo::Transporte,
    }
}

fn imprimir(json: bool, humano: &str, maquina: Value) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&maquina).unwrap_or_default()
        );
    } else {
        println!("{humano}");
    }
}

fn erro_api(e: &ErroContabil, json: bool) -> Codigo {
    imprimir(
        json,
        &format!("CONAM: {e}"),
        json!({ "erro": { "tipo": nome_erro(e), "mensagem": e.to_string() } }),
    );
    falha(e)
}

fn nome_erro(e: &ErroContabil) -> &'static str {
    match e {
        ErroContabil::Rejeitado { .. } => "rejeitado",
        ErroContabil::NaoEncontrado => "nao_encontrado",
        ErroContabil::Autenticacao(_) => "autenticacao",
        ErroContabil::AcessoNegado(_) => "acesso_negado",
        ErroContabil::ParametrosInvalidos(_) => "parametros_invalidos",
        ErroContabil::NaoEnviado(_) => "nao_enviado",
        ErroContabil::Desconhecido(_) => "desconhecido",
        _ => "protocolo",
    }
}

fn situacao_json(id: u64, s: &SituacaoPacote) -> Value {
    match s {
        SituacaoPacote::Aguardando => json!({ "idPacote": id, "situacao": "aguardando" }),
        SituacaoPacote::Aprovado => json!({ "idPacote": id, "situacao": "aprovado" }),
        SituacaoPacote::Rejeitado { codigo, mensagem } => {
            json!({ "idPacote": id, "situacao": "rejeitado", "codigo": codigo, "mensagem": mensagem })
        }
    }
}

fn situacao_frase(id: u64, s: &SituacaoPacote) -> String {
    match s {
        SituacaoPacote::Aguardando => format!("pacote {id}: aguardando avaliação da contabilidade"),
        SituacaoPacote::Aprovado => format!("pacote {id}: aprovado pela contabilidade"),
        SituacaoPacote::Rejeitado { codigo, mensagem } => {
            format!("pacote {id}: rejeitado pela contabilidade (código {codigo}): {mensagem}")
        }
    }
}

fn codigo_situacao(s: &SituacaoPacote) -> Codigo {
    match s {
        SituacaoPacote::Rejeitado { .. } => Codigo::Rejeitado,
        _ => Codigo::Ok,
    }
}

/// `guiche conam send FILE [--wait] [--tabela2 FILE]`.
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
    let cliente = cliente()?;
    let livro = config::abrir_livro()?;
    if let Some(c) = periodo_fechado(&cliente, &pacote, json).await {
        return Ok(c);
    }
    let id = pacote.id_pacote();
    if let Err(e) = livro.registrar_envio(id, pacote.cod_entidade(), &pacote.para_json()) {
        return match e {
            ErroLivro::JaResolvida { de, .. } => {
                let msg = format!(
                    "o pacote {id} já foi {de} pela contabilidade: um pacote avaliado não é reenviado; use outro idPacote"
                );
                imprimir(
                    json,
                    &msg,
                    json!({ "idPacote": id, "erro": { "tipo": "ja_avaliado", "mensagem": msg } }),
                );
                Ok(Codigo::Rejeitado)
            }
            outro => Err(ErroApp::Configuracao(outro.to_string())),
        };
    }
    match cliente.enviar_pacote(&pacote).await {
        Ok(()) => {}
        Err(ErroContabil::Rejeitado { codigo, mensagem }) => {
            let s = SituacaoPacote::Rejeitado { codigo, mensagem };
            registrar(&livro, id, &s)?;
            let frase = format!(
                "pacote {id} recusado no recebimento: {}",
                situacao_frase(id, &s)
            );
            imprimir(json, &frase, situacao_json(id, &s));
            return Ok(Codigo::Rejeitado);
        }
        Err(e) => return Ok(erro_api(&e, json)),
    }
    registrar(&livro, id, &SituacaoPacote::Aguardando)?;
    if !esperar {
        let frase =
            format!("pacote {id} recebido pela CONAM; aguardando avaliação da contabilidade");
        imprimir(json, &frase, situacao_json(id, &SituacaoPacote::Aguardando));
        return Ok(Codigo::Ok);
    }
    acompanhar(&cliente, &livro, id, json).await
}

fn registrar(livro: &Livro, id: u64, s: &SituacaoPacote) -> Result<(), ErroApp> {
    livro
        .atualizar(id, s)
        .map_err(|e| ErroApp::Configuracao(e.to_string()))
}

/// Checks the period of `dataMovimento`; `Some(exit code)` when nothing must be sent.
async fn periodo_fechado(cliente: &ClienteConam, p: &Pacote, json: bool) -> Option<Codigo> {
    let d = p.data_movimento();
    match cliente
        .periodo_aberto(p.cod_entidade(), d.ano(), d.mes())
        .await
    {
        Ok(true) => None,
        Ok(false) => {
            let msg = format!(
                "o período {:02}/{} está fechado na contabilidade da entidade {}: nada foi enviado",
                d.mes(),
                d.ano(),
                p.cod_entidade()
            );
            imprimir(
                json,
                &msg,
                json!({ "idPacote": p.id_pacote(), "erro": { "tipo": "periodo_fechado", "mensagem": msg } }),
            );
            Some(Codigo::Rejeitado)
        }
        Err(e) => Some(erro_api(&e, json)),
    }
}

/// Follows the status until evaluated (bounded by `GUICHE_CONAM_ESPERA_MAX`, polling every
/// `GUICHE_CONAM_INTERVALO` seconds).
async fn acompanhar(
    cliente: &ClienteConam,
    livro: &Livro,
    id: u64,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let intervalo = segundos("GUICHE_CONAM_INTERVALO", 5.0)?;
    let maximo = segundos("GUICHE_CONAM_ESPERA_MAX", 600.0)?;
    let inicio = Instant::now();
    let roda = if json || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    roda.set_message(format!(
        "pacote {id}: aguardando avaliação da contabilidade"
    ));
    loop {
        roda.tick();
        let s = match cliente.situacao(id).await {
            Ok(s) => s,
            Err(e) => {
                roda.finish_and_clear();
                return Ok(erro_api(&e, json));
            }
        };
        if s != SituacaoPacote::Aguardando {
            roda.finish_and_clear();
            registrar(livro, id, &s)?;
            imprimir(json, &situacao_frase(id, &s), situacao_json(id, &s));
            return Ok(codigo_situacao(&s));
        }
        if inicio.elapsed() >= maximo {
            roda.finish_and_clear();
            let msg = format!(
                "pacote {id} ainda aguardando avaliação após {} s; consulte depois com `guiche conam status {id}`",
                maximo.as_secs()
            );
            imprimir(
                json,
                &msg,
                json!({ "idPacote": id, "situacao": "aguardando", "mensagem": msg }),
            );
            return Ok(Codigo::Transporte);
        }
        tokio::time::sleep(intervalo).await;
    }
}

/// `guiche conam status ID_PACOTE`.
pub(crate) async fn situacao(id: u64, json: bool) -> Result<Codigo, ErroApp> {
    let cliente = cliente()?;
    match cliente.situacao(id).await {
        Ok(s) => {
            let livro = config::abrir_livro()?;
            if livro.pacote(id).ok().flatten().is_some() {
                let _ = livro.atualizar(id, &s);
            }
            imprimir(json, &situacao_frase(id, &s), situacao_json(id, &s));
            Ok(codigo_situacao(&s))
        }
        Err(e) => Ok(erro_api(&e, json)),
    }
}

/// `guiche conam period ENTIDADE ANO MES`: exit 0 when open, 1 when closed.
pub(crate) async fn periodo(
    entidade: &str,
    ano: u16,
    mes: u8,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let cliente = cliente()?;
    match cliente.periodo_aberto(entidade, ano, mes).await {
        Ok(aberto) => {
            let palavra = if aberto { "ABERTO" } else { "FECHADO" };
            let frase = format!("período {mes:02}/{ano} da entidade {entidade}: {palavra}");
            imprimir(
                json,
                &frase,
                json!({ "entidade": entidade, "ano": ano, "mes": mes, "aberto": aberto }),
            );
            Ok(if aberto {
                Codigo::Ok
            } else {
                Codigo::Rejeitado
            })
        }
        Err(e) => Ok(erro_api(&e, json)),
    }
}

/// `guiche conam revenues ENTIDADE ANO [--extra]`.
pub(crate) async fn receitas(
    entidade: &str,
    ano: u16,
    extra: bool,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let cliente = cliente()?;
    let r = if extra {
        cliente.receitas_extraorcamentarias(entidade, ano).await
    } else {
        cliente.receitas_orcamentarias(entidade, ano).await
    };
    match r {
        Ok(lista) => {
            let maquina: Vec<Value> = lista.iter().map(receita_json).collect();
            imprimir(
                json,
                &tabela(&lista),
                json!({ "entidade": entidade, "ano": ano, "extraorcamentarias": extra, "receitas": maquina }),
            );
            Ok(Codigo::Ok)
        }
        Err(e) => Ok(erro_api(&e, json)),
    }
}

fn receita_json(r: &Receita) -> Value {
    json!({
        "codigo": r.codigo,
        "exercicio": r.exercicio,
        "codigoConta": r.codigo_conta,
        "descricao": r.descricao,
        "codigoContaRenunciada": r.conta_renunciada.as_ref().map(|(c, _)| c),
        "descricaoContaRenunciada": r.conta_renunciada.as_ref().map(|(_, d)| d),
    })
}

/// A plain-text table: code, account, description (and the renounced account, when any).
fn tabela(lista: &[Receita]) -> String {
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
        if let Some((conta, desc)) = &r.conta_renunciada {
            s.push_str(&format!("  (renúncia de {conta} {desc})"));
        }
        s.push('\n');
    }
    s.trim_end().to_owned()
}
