//! `/conam`: the CONAM desk — upload a pacote (the manual's JSON), validate it against Tables
//! 1 and 2 (every violation with its path, in pages of [`POR_PAGINA`]), send it exactly once and
//! follow it to approval or rejection on a status page that refreshes itself. Through the same
//! use cases as `guiche conam validate|send|status` (`guiche_aplicacao::conam`).
//!
//! The status page asks CONAM on every load (and records its word in the ledger, as
//! `guiche conam status`); while the pacote waits, `balcoes.js` (embedded, served from
//! `/estatico/`) loads it again every few seconds and replaces the situation in place, in a
//! polite live region; without JavaScript, an "Atualizar" link does the same.
//!
//! Roles: `leitura` validates and follows; sending needs `operador`.

use super::paginas::moldura;
use super::{
    ComSessao, Formulario, Tela, conferir_csrf, exigir_sessao, falha, html, ir_para_caminho,
    permitir,
};
use crate::http::Estado;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use guiche_aplicacao::Classificar;
use guiche_aplicacao::acesso::{Permissao, permite};
use guiche_aplicacao::conam::envio::{Conam, ErroConam, RelatoPacote, Situacao};
use guiche_aplicacao::conam::validacao;
use guiche_aplicacao::usuarios::Sessao;
use guiche_domain::Violacao;
use guiche_ports::contabil::ErroContabil;
use maud::{Markup, html};
use serde::Deserialize;

/// The status page's script, embedded.
const JS: &str = include_str!("balcoes.js");
/// The desks' stylesheet (forms, messages, the ledger), embedded.
const CSS: &str = include_str!("balcoes.css");

/// How many violations one page of the list shows.
const POR_PAGINA: usize = 50;

/// The routes of this screen; a pacote may be as large as the API accepts (`limite`).
pub(super) fn rotas(limite: usize) -> Router<Estado> {
    Router::new()
        .route("/conam", get(balcao).post(pacote))
        .route("/conam/pacote", get(situacao))
        .route("/estatico/balcoes.js", get(js))
        .route("/estatico/balcoes.css", get(css))
        .layer(DefaultBodyLimit::max(limite))
}

async fn js() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=3600"),
            ),
        ],
        JS,
    )
        .into_response()
}

async fn css() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=3600"),
            ),
        ],
        CSS,
    )
        .into_response()
}

/// A message on top of the page.
enum Aviso {
    Sucesso(String),
    Erro(String),
}

/// `GET /conam`.
async fn balcao(State(estado): State<Estado>, headers: HeaderMap) -> Response {
    match exigir_sessao(&estado, &headers).await {
        Ok(s) => html(StatusCode::OK, pagina(&s, None, &[])),
        Err(r) => r,
    }
}

/// The CONAM service, or the page that says this server has none.
#[allow(clippy::result_large_err)] // a page, returned as is
fn servico<'a>(estado: &'a Estado, s: &Sessao) -> Result<&'a Conam, Response> {
    estado.conam.as_ref().map_err(|motivo| {
        html(
            StatusCode::SERVICE_UNAVAILABLE,
            pagina(
                s,
                Some(&Aviso::Erro(format!(
                    "A CONAM não está disponível neste servidor: {motivo}. Avise quem \
                     administra o guichê."
                ))),
                &[],
            ),
        )
    })
}

/// `POST /conam` (multipart): validate or send the pacote of the file.
async fn pacote(
    State(estado): State<Estado>,
    ComSessao(s): ComSessao,
    m: Multipart,
) -> Result<Response, Response> {
    let f = Formulario::ler(m).await?;
    conferir_csrf(&s, &f.texto("csrf"))?;
    let enviar = f.texto("acao") == "enviar";
    let permissao = if enviar {
        Permissao::Enviar
    } else {
        Permissao::Ler
    };
    let s = permitir(s, permissao, Tela::Conam)?;
    let bytes = Bytes::copy_from_slice(f.bytes("arquivo").unwrap_or_default());
    if bytes.is_empty() {
        let a = Aviso::Erro("Escolha o arquivo do pacote (JSON) antes de enviar.".to_owned());
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            pagina(&s, Some(&a), &[]),
        ));
    }
    let tabela = estado.tabela2.clone();
    if !enviar {
        return match tokio::task::spawn_blocking(move || validacao::validar(&bytes[..], &tabela))
            .await
        {
            Ok(Ok(resumo)) => {
                let a = Aviso::Sucesso(format!(
                    "Pacote válido: {}. Nada foi enviado.",
                    resumo.frase
                ));
                Ok(html(StatusCode::OK, pagina(&s, Some(&a), &[])))
            }
            Ok(Err(v)) => Ok(invalido(&s, &v.0)),
            Err(e) => Err(falha("a validação do pacote parou", &e)),
        };
    }
    let conam = servico(&estado, &s)?;
    let pacote = match crate::http::conam::validado(bytes, tabela).await {
        Ok(p) => p,
        Err(e) if !e.violacoes().is_empty() => return Ok(invalido(&s, e.violacoes())),
        Err(e) => {
            let a = Aviso::Erro(format!("{}.", super::capitalizar(&e.to_string())));
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                pagina(&s, Some(&a), &[]),
            ));
        }
    };
    match conam.enviar(&pacote, false, &|| {}).await {
        Ok(r) => {
            tracing::info!(por = %s.login, id = r.id_pacote, situacao = ?r.situacao, "pacote enviado pela página");
            if r.falha.is_none() {
                Ok(ir_para_caminho(&format!(
                    "/conam/pacote?id={}",
                    r.id_pacote
                )))
            } else {
                let a = Aviso::Erro(format!("{}.", super::capitalizar(&r.frase)));
                Ok(html(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    pagina(&s, Some(&a), &[]),
                ))
            }
        }
        Err(e) => {
            let a = Aviso::Erro(format!(
                "{}. Enviar de novo não envia o pacote duas vezes; acompanhe-o pelo idPacote.",
                super::capitalizar(&e.to_string())
            ));
            Ok(html(StatusCode::BAD_GATEWAY, pagina(&s, Some(&a), &[])))
        }
    }
}

/// The page of an invalid pacote: every violation.
fn invalido(s: &Sessao, v: &[Violacao]) -> Response {
    let a = Aviso::Erro(format!(
        "O pacote tem {} violação(ões) das regras do manual; nada foi enviado.",
        v.len()
    ));
    html(StatusCode::UNPROCESSABLE_ENTITY, pagina(s, Some(&a), v))
}

/// `?id=` of the status page.
#[derive(Deserialize)]
struct Id {
    #[serde(default)]
    id: String,
}

/// `GET /conam/pacote?id=N`: what CONAM says of the pacote now.
async fn situacao(
    State(estado): State<Estado>,
    ComSessao(s): ComSessao,
    Query(q): Query<Id>,
) -> Result<Response, Response> {
    let Ok(id) = q.id.trim().parse::<u64>() else {
        let a = Aviso::Erro(format!(
            "idPacote \"{}\" inválido: use o número do pacote (ex.: 1).",
            q.id.trim()
        ));
        return Ok(html(StatusCode::BAD_REQUEST, pagina(&s, Some(&a), &[])));
    };
    let conam = servico(&estado, &s)?;
    let r = conam.situacao(id).await;
    let status = match &r {
        Ok(_) => StatusCode::OK,
        Err(ErroConam::Contabil(ErroContabil::NaoEncontrado)) => StatusCode::NOT_FOUND,
        Err(_) => StatusCode::BAD_GATEWAY,
    };
    Ok(html(
        status,
        pagina_situacao(&s, id, r.map_err(|e| e.to_string())),
    ))
}

// ── Markup ─────────────────────────────────────────────────────────────────────────────────

fn pagina(s: &Sessao, aviso: Option<&Aviso>, violacoes: &[Violacao]) -> Markup {
    moldura(
        Tela::Conam.nome(),
        Some((s, Tela::Conam)),
        html! {
            h1 { (Tela::Conam.nome()) }
            p.introducao {
                "Envie à CONAM o pacote contábil (o JSON do manual): ele é validado pelas "
                "Tabelas 1 e 2 antes de sair, enviado uma só vez e acompanhado até a "
                "contabilidade aprovar ou rejeitar."
            }
            @match aviso {
                Some(Aviso::Sucesso(t)) => { p.sucesso role="status" { (t) } }
                Some(Aviso::Erro(t)) => { p.erro role="alert" { (t) } }
                None => {}
            }
            @if !violacoes.is_empty() { (lista_violacoes(violacoes)) }
            section.formulario aria-labelledby="titulo-pacote" {
                h2 #titulo-pacote { "Pacote" }
                form method="post" action="/conam" enctype="multipart/form-data" {
                    input type="hidden" name="csrf" value=(s.csrf);
                    div.campo {
                        label for="arquivo-pacote" { "Arquivo do pacote (JSON)" }
                        input #arquivo-pacote type="file" name="arquivo" required
                            accept=".json,application/json";
                    }
                    div.acoes {
                        button.secundario type="submit" name="acao" value="validar" { "Validar" }
                        @if permite(s.papel, Permissao::Enviar) {
                            button type="submit" name="acao" value="enviar" { "Enviar à CONAM" }
                        }
                    }
                }
            }
            section.formulario aria-labelledby="titulo-acompanhar" {
                h2 #titulo-acompanhar { "Acompanhar um pacote" }
                form.linha method="get" action="/conam/pacote" {
                    div.campo {
                        label for="id-pacote" { "idPacote" }
                        input #id-pacote type="text" name="id" inputmode="numeric" required
                            autocomplete="off";
                    }
                    div.acoes { button.secundario type="submit" { "Ver situação" } }
                }
            }
        },
    )
}

/// Every violation, with its path, in pages of [`POR_PAGINA`] (the first open).
fn lista_violacoes(v: &[Violacao]) -> Markup {
    html! {
        section.violacoes aria-labelledby="titulo-violacoes" {
            h2 #titulo-violacoes { "Violações (" (v.len()) ")" }
            @for (i, pagina) in v.chunks(POR_PAGINA).enumerate() {
                @let inicio = i * POR_PAGINA + 1;
                details open[i == 0] {
                    summary { "Violações " (inicio) " a " (inicio + pagina.len() - 1) }
                    div.tabela { table {
                        caption.invisivel { "Violações " (inicio) " a " (inicio + pagina.len() - 1) }
                        thead { tr {
                            th scope="col" { "Caminho" }
                            th scope="col" { "Regra" }
                            th scope="col" { "O que está errado" }
                            th scope="col" { "Valor" }
                        } }
                        tbody {
                            @for x in pagina {
                                tr {
                                    td { code { (x.campo) } }
                                    td { (x.regra.codigo()) }
                                    td { (x.mensagem) }
                                    td { (x.valor) }
                                }
                            }
                        }
                    } }
                }
            }
        }
    }
}

/// A situation, for people.
fn situacao_legivel(s: Option<Situacao>) -> &'static str {
    match s {
        Some(Situacao::Aguardando) => "aguardando avaliação da contabilidade",
        Some(Situacao::Aprovado) => "aprovado",
        Some(Situacao::Rejeitado) => "rejeitado",
        None => "desconhecida",
    }
}

fn pagina_situacao(s: &Sessao, id: u64, r: Result<RelatoPacote, String>) -> Markup {
    let aguardando = matches!(&r, Ok(r) if r.situacao == Some(Situacao::Aguardando));
    let titulo = format!("Pacote {id}");
    moldura(
        &titulo,
        Some((s, Tela::Conam)),
        html! {
            h1 { (titulo) }
            section #situacao aria-live="polite"
                data-atualizar=[aguardando.then_some("5000")] {
                @match &r {
                    Ok(r) => {
                        p.situacao {
                            "Situação: " strong { (situacao_legivel(r.situacao)) }
                        }
                        @if let Some(c) = &r.codigo { p { "Código da CONAM: " (c) } }
                        p { (super::capitalizar(&r.frase)) "." }
                        @if let Some(d) = &r.divergencia { p.info { (super::capitalizar(d)) "." } }
                        @for a in &r.avisos { p.info { (super::capitalizar(a)) "." } }
                        @if aguardando {
                            p.nota {
                                "Esta página consulta a CONAM de novo a cada 5 segundos enquanto o "
                                "pacote aguarda. "
                                a href=(format!("/conam/pacote?id={id}")) { "Atualizar agora" }
                            }
                        }
                    }
                    Err(e) => { p.erro role="alert" { (super::capitalizar(e)) "." } }
                }
            }
            p { a href="/conam" { "Voltar ao Balcão CONAM" } }
            script src="/estatico/balcoes.js" defer {}
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use guiche_domain::Regra;

    #[test]
    fn many_violations_come_in_pages_the_first_one_open() {
        let v: Vec<Violacao> = (0..120)
            .map(|i| {
                Violacao::new(
                    format!("movimentos[{i}].valor"),
                    Regra::Obrigatorio,
                    "falta",
                    "",
                )
            })
            .collect();
        let p = lista_violacoes(&v).into_string();
        assert_eq!(p.matches("<details").count(), 3);
        assert_eq!(p.matches("<details open").count(), 1);
        assert!(p.contains("Violações 101 a 120") && p.contains("movimentos[119].valor"));
    }
}
