//! `guiche conam send|status|period|revenues`: talking to the CONAM API.

use super::conam::{ler_pacote, tabela_2};
use crate::config;
use crate::entrada;
use crate::erro::{Codigo, ErroApp};
use crate::saida::{self, Documento};
use guiche_conam::{ClienteConam, ConfigCliente, Segredo};
use guiche_domain::conam::Pacote;
use guiche_ports::contabil::{
    ChavePacote, ErroContabil, IntegracaoContabil, LivroPacotes, Receita, RegistroPacote,
    SituacaoPacote,
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
///
/// A package the ledger knows is checked against the service's status before it is sent
/// again, and any refusal of a send is checked the same way: a refusal of a resend is never
/// taken for the package's evaluation (`docs/decisions/0007`).
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
    let chave = chave(pacote.id_pacote())?;
    let documento = pacote.para_json();
    if let Some(registro) = livro.pacote(&chave).map_err(erro_livro)?
        && let Some(c) =
            antes_de_reenviar(&cliente, &livro, &chave, &registro, &documento, json).await?
    {
        return Ok(c);
    }
    if let Some(c) = periodo_fechado(&cliente, &pacote, json).await {
        return Ok(c);
    }
    let id = chave.id_pacote();
    if let Err(e) = livro.registrar_envio(&chave, pacote.cod_entidade(), &documento) {
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
            outro => Err(erro_livro(outro)),
        };
    }
    match cliente.enviar_pacote(&pacote).await {
        Ok(SituacaoPacote::Aguardando) => {}
        // A reply was lost and the status shows it evaluated: the service refused the resend.
        Ok(avaliado) => return Ok(ja_avaliado(&livro, &chave, &avaliado, true, json)),
        Err(ErroContabil::Rejeitado { codigo, mensagem }) => {
            return recusado(&cliente, &livro, &chave, codigo, mensagem, json).await;
        }
        Err(e) => return Ok(erro_api(&e, json)),
    }
    let recebido =
        format!("pacote {id} recebido pela CONAM; aguardando avaliação da contabilidade");
    if let Err(e) = registrar(&livro, &chave, &SituacaoPacote::Aguardando) {
        // The service has it: say so anyway. The ledger still holds the send as unknown, and
        // the next send or `conam status` asks the service first.
        let frase = format!(
            "{recebido} — ATENÇÃO: o livro não registrou este resultado ({e}); \
             `guiche conam status {id}` o registra"
        );
        let mut v = situacao_json(id, &SituacaoPacote::Aguardando);
        v["livro"] = json!({ "registrado": false, "erro": e.to_string() });
        imprimir(json, &frase, v);
        return Ok(Codigo::Uso);
    }
    if !esperar {
        imprimir(
            json,
            &recebido,
            situacao_json(id, &SituacaoPacote::Aguardando),
        );
        return Ok(Codigo::Ok);
    }
    acompanhar(&cliente, &livro, &chave, json).await
}

/// The ledger's key for package `id`: the CONAM base URL in use and the id.
fn chave(id: u64) -> Result<ChavePacote, ErroApp> {
    let base = config::obrigatorio("GUICHE_CONAM_URL", "falar com a CONAM")?;
    ChavePacote::new(&base, id).map_err(|e| ErroApp::Configuracao(e.to_string()))
}

fn erro_livro(e: ErroLivro) -> ErroApp {
    ErroApp::Configuracao(e.to_string())
}

fn registrar(livro: &Livro, chave: &ChavePacote, s: &SituacaoPacote) -> Result<(), ErroApp> {
    livro.atualizar(chave, s).map_err(erro_livro)
}

/// Records what the service's status query said; returns what the ledger held before
/// (`None` when it could not be recorded: the outcome is still reported, with a warning).
fn conciliar(
    livro: &Livro,
    chave: &ChavePacote,
    s: &SituacaoPacote,
) -> Option<Option<SituacaoPacote>> {
    match livro.conciliar(chave, s) {
        Ok(antes) => Some(antes),
        Err(e) => {
            eprintln!(
                "aviso: a situação do pacote {} não foi registrada no livro: {e}",
                chave.id_pacote()
            );
            None
        }
    }
}

/// `aprovado`, `rejeitado (código C: M)`, `aguardando avaliação`.
fn situacao_curta(s: &SituacaoPacote) -> String {
    match s {
        SituacaoPacote::Aguardando => "aguardando avaliação".to_owned(),
        SituacaoPacote::Aprovado => "aprovado".to_owned(),
        SituacaoPacote::Rejeitado { codigo, mensagem } => {
            format!("rejeitado (código {codigo}: {mensagem})")
        }
    }
}

/// Prints the service's answer `agora` about package `id` (`frase`, or `maquina` in JSON),
/// followed, when the ledger held an evaluation the service contradicts (`antes`, now
/// corrected), by a line saying so (in JSON: `livro` and `divergencia`).
fn imprimir_conciliado(
    json: bool,
    id: u64,
    frase: &str,
    mut maquina: Value,
    antes: Option<&SituacaoPacote>,
    agora: &SituacaoPacote,
) {
    let Some(antes) = antes.filter(|a| a.avaliado() && *a != agora) else {
        return imprimir(json, frase, maquina);
    };
    let d = format!(
        "o livro registrava o pacote {id} como {}, mas a CONAM diz {}: o livro foi corrigido",
        situacao_curta(antes),
        situacao_curta(agora)
    );
    maquina["livro"] = situacao_json(id, antes);
    maquina["divergencia"] = Value::from(d.clone());
    imprimir(json, &format!("{frase}\natenção: {d}"), maquina);
}

/// Before sending again a package the ledger knows, asks the service where it stands.
/// `Some(exit code)` when nothing must be sent: evaluated, or its status unknown.
async fn antes_de_reenviar(
    cliente: &ClienteConam,
    livro: &Livro,
    chave: &ChavePacote,
    registro: &RegistroPacote,
    documento: &str,
    json: bool,
) -> Result<Option<Codigo>, ErroApp> {
    let id = chave.id_pacote();
    match cliente.situacao(id).await {
        Ok(s) if s.avaliado() => {
            let mesmo = registro.documento == documento;
            Ok(Some(ja_avaliado(livro, chave, &s, mesmo, json)))
        }
        Ok(s) => {
            // Waiting: the resend replaces it. The ledger takes the service's word first.
            conciliar(livro, chave, &s);
            Ok(None)
        }
        Err(ErroContabil::NaoEncontrado) => match &registro.situacao {
            Some(s) if s.avaliado() => {
                let msg = format!(
                    "o pacote {id} consta no livro como {} e a CONAM não o encontra: um pacote avaliado não é reenviado; use outro idPacote",
                    situacao_curta(s)
                );
                imprimir(
                    json,
                    &msg,
                    json!({ "idPacote": id, "erro": { "tipo": "ja_avaliado", "mensagem": msg } }),
                );
                Ok(Some(Codigo::Rejeitado))
            }
            _ => Ok(None), // the earlier send never arrived
        },
        Err(e) => {
            let msg = format!(
                "não foi possível saber a situação do pacote {id}, já enviado antes, para decidir se pode ser reenviado: {e}; nada foi reenviado"
            );
            Ok(Some(desconhecido(id, &e, &msg, json)))
        }
    }
}

/// A package the service already evaluated: the service's word recorded and reported;
/// nothing was sent. `mesmo`: the file is the document the ledger recorded for it (when not,
/// an approval is of other movements, and these were not sent: exit 1).
fn ja_avaliado(
    livro: &Livro,
    chave: &ChavePacote,
    s: &SituacaoPacote,
    mesmo: bool,
    json: bool,
) -> Codigo {
    let id = chave.id_pacote();
    let antes = conciliar(livro, chave, s).flatten();
    let mut maquina = situacao_json(id, s);
    maquina["reenviado"] = Value::Bool(false);
    let (frase, codigo) = match s {
        SituacaoPacote::Aprovado if mesmo => (
            format!("pacote {id}: já aprovado pela contabilidade antes; nada foi reenviado"),
            Codigo::Ok,
        ),
        SituacaoPacote::Aprovado => {
            let frase = format!(
                "pacote {id}: já aprovado pela contabilidade com outro conteúdo; nada foi reenviado: para estes movimentos use outro idPacote"
            );
            maquina["erro"] = json!({ "tipo": "ja_avaliado", "mensagem": frase });
            (frase, Codigo::Rejeitado)
        }
        SituacaoPacote::Rejeitado { codigo, mensagem } => (
            format!(
                "pacote {id}: já rejeitado pela contabilidade antes (código {codigo}): {mensagem}; nada foi reenviado: corrija o pacote e envie-o com outro idPacote"
            ),
            Codigo::Rejeitado,
        ),
        SituacaoPacote::Aguardando => (situacao_frase(id, s), Codigo::Ok), // not evaluated
    };
    maquina["mensagem"] = Value::from(frase.clone());
    imprimir_conciliado(json, id, &frase, maquina, antes.as_ref(), s);
    codigo
}

/// A send refused with `{codigo, mensagem}`: a rejection on receipt, or the refusal of a
/// resend of a package evaluated before. The status tells which; when it cannot be learned,
/// the outcome is unknown (exit 3), never a rejection.
async fn recusado(
    cliente: &ClienteConam,
    livro: &Livro,
    chave: &ChavePacote,
    codigo: String,
    mensagem: String,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let id = chave.id_pacote();
    match cliente.situacao(id).await {
        Ok(s) if s.avaliado() => Ok(ja_avaliado(livro, chave, &s, true, json)),
        Err(ErroContabil::NaoEncontrado) => {
            let s = SituacaoPacote::Rejeitado { codigo, mensagem };
            registrar(livro, chave, &s)?;
            let frase = format!(
                "pacote {id} recusado no recebimento: {}",
                situacao_frase(id, &s)
            );
            imprimir(json, &frase, situacao_json(id, &s));
            Ok(Codigo::Rejeitado)
        }
        Ok(s) => {
            conciliar(livro, chave, &s);
            let frase = format!(
                "o reenvio do pacote {id} foi recusado no recebimento (código {codigo}): {mensagem}; a versão recebida antes continua aguardando avaliação"
            );
            let mut maquina = situacao_json(id, &s);
            maquina["erro"] = json!({
                "tipo": "rejeitado", "codigo": codigo, "mensagem": mensagem
            });
            imprimir(json, &frase, maquina);
            Ok(Codigo::Rejeitado)
        }
        Err(e) => {
            let msg = format!(
                "a CONAM recusou o envio do pacote {id} (código {codigo}: {mensagem}), mas a consulta da sua situação falhou ({e}): não se sabe se é a avaliação de um envio anterior ou a recusa deste; consulte com `guiche conam status {id}`"
            );
            Ok(desconhecido(id, &e, &msg, json))
        }
    }
}

/// Reports an outcome left unknown because the status query failed with `e`: exit 3 (2 when
/// the credentials or access were refused).
fn desconhecido(id: u64, e: &ErroContabil, msg: &str, json: bool) -> Codigo {
    let (tipo, codigo) = match falha(e) {
        Codigo::Uso => (nome_erro(e), Codigo::Uso),
        _ => ("desconhecido", Codigo::Transporte),
    };
    imprimir(
        json,
        &format!("CONAM: {msg}"),
        json!({ "idPacote": id, "erro": { "tipo": tipo, "mensagem": msg } }),
    );
    codigo
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
    chave: &ChavePacote,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let id = chave.id_pacote();
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
            conciliar(livro, chave, &s);
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

/// `guiche conam status ID_PACOTE`: what the service says, recorded in the ledger (the
/// service's word governs), with any disagreement of the ledger reported.
pub(crate) async fn situacao(id: u64, json: bool) -> Result<Codigo, ErroApp> {
    let cliente = cliente()?;
    let chave = chave(id)?;
    let resposta = cliente.situacao(id).await;
    let livro = config::abrir_livro()?;
    let registro = livro.pacote(&chave).unwrap_or_else(|e| {
        eprintln!("aviso: o livro não pôde ser lido: {e}");
        None
    });
    match resposta {
        Ok(s) => {
            let antes = match registro {
                Some(_) => conciliar(&livro, &chave, &s).flatten(),
                None => None,
            };
            let (frase, maquina) = (situacao_frase(id, &s), situacao_json(id, &s));
            imprimir_conciliado(json, id, &frase, maquina, antes.as_ref(), &s);
            Ok(codigo_situacao(&s))
        }
        Err(ErroContabil::NaoEncontrado) if registro.is_some() => {
            let e = ErroContabil::NaoEncontrado;
            let antes = registro.and_then(|r| r.situacao);
            let d = format!(
                "o livro registra o pacote {id} como {}, mas a CONAM não o encontra",
                antes.as_ref().map_or(
                    "enviado (resultado desconhecido)".to_owned(),
                    situacao_curta
                )
            );
            let maquina = json!({
                "idPacote": id,
                "erro": { "tipo": nome_erro(&e), "mensagem": e.to_string() },
                "livro": antes.as_ref().map(|a| situacao_json(id, a)),
                "divergencia": d,
            });
            imprimir(json, &format!("CONAM: {e}\natenção: {d}"), maquina);
            Ok(falha(&e))
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
