//! `guiche serve`: the HTTP/JSON API over the application services, under `/api/v1/`, with
//! its OpenAPI 3.1 document generated from this code (`/api/v1/openapi.json`); the web pages
//! (`crate::web`) are merged beside it, at `/`.
//!
//! Adding an endpoint (one file per area, `pub(crate) fn rotas() -> OpenApiRouter<Estado>`,
//! merged in [`aplicacao`]):
//!
//! ```ignore
//! #[utoipa::path(post, path = "/api/v1/nfd/notas", tag = "nfd", request_body = PedidoNota,
//!     params(CabecalhoIdempotencia),
//!     responses((status = 201, body = ResultadoEmissao)))]
//! async fn emitir(State(e): State<Estado>, Autenticado(quem): Autenticado,
//!                 Corpo(pedido): Corpo<PedidoNota>) -> Result<Json<ResultadoEmissao>, Problema> {
//!     exigir(&quem, Permissao::Enviar)?;        // 403 for a role that may not
//!     Ok(Json(e.nfd.emitir(pedido.into()).await?)) // any Classificar error → problem+json
//! }
//! // in rotas(): .routes(idempotente(routes!(emitir)))  — POSTs that reach a remote system
//! ```
//!
//! Every route but `saude` and `openapi.json` needs a bearer token; the document lists the
//! 401/403 and problem answers of every operation by itself ([`completar`]).

pub(crate) mod conam;
pub(crate) mod ecac;
mod idempotencia;
mod nfd;
mod problema;
mod registro;
mod seguranca;
mod serpro;
mod tokens;

#[allow(unused_imports)] // the areas' endpoints use them (next round)
pub(crate) use idempotencia::{CabecalhoIdempotencia, idempotente};
pub(crate) use problema::{Corpo, Problema};
pub(crate) use registro::iniciar as iniciar_registro;
pub(crate) use seguranca::{Autenticado, exigir};
pub(crate) use serpro::{Disponivel, ServicosSerpro};

use crate::config::ConfigApi;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::get;
use guiche_aplicacao::acesso::ServicoAcesso;
use guiche_aplicacao::idempotencia::ServicoIdempotencia;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Documento, RefOr, Response as RespostaDoc};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// What every request shares: the services and the server's settings.
#[derive(Clone)]
pub(crate) struct Estado {
    /// API tokens.
    pub(crate) acesso: ServicoAcesso,
    /// `Idempotency-Key`s.
    pub(crate) idempotencia: ServicoIdempotencia,
    /// The Central e-CAC and the baixa.
    pub(crate) ecac: ecac::ServicosEcac,
    /// The largest request body, in bytes.
    pub(crate) limite_corpo: usize,
    /// How long a read may take.
    pub(crate) timeout_leitura: Duration,
    /// The POSTs running in their own tasks (a shutdown waits for them).
    pub(crate) andamento: Arc<Andamento>,
    /// NFD: issuing notas (`None`: 503 naming what is missing).
    pub(crate) nfd: Option<guiche_aplicacao::nfd::servico::Nfd>,
    /// CONAM: sending pacotes and the queries, or why it is not set up (503).
    pub(crate) conam: Result<guiche_aplicacao::conam::envio::Conam, String>,
    /// CONAM's Table 2 (`GUICHE_CONAM_TABELA2`, else the manual's).
    pub(crate) tabela2: Arc<guiche_domain::conam::Tabela2>,
    /// SERPRO Integra Contador, Conecta and the e-CAC proof and guides (503 until set).
    pub(crate) serpro: serpro::ServicosSerpro,
    /// The people who log in to the web pages, and their sessions.
    pub(crate) usuarios: guiche_aplicacao::usuarios::ServicoUsuarios,
    /// Whether the session cookie is always `Secure` (`GUICHE_WEB_COOKIE_SEGURO=1`: behind a
    /// TLS proxy that does not say `X-Forwarded-Proto: https`).
    pub(crate) cookie_seguro: bool,
    /// The Central e-CAC pages' own state: the daily sync's hour and the round started by
    /// *Sincronizar agora*.
    pub(crate) web_ecac: crate::web::ecac::EstadoWeb,
}

impl Estado {
    /// The state over the services, with the settings of `config`.
    pub(crate) fn new(
        acesso: ServicoAcesso,
        idempotencia: ServicoIdempotencia,
        ecac: ecac::ServicosEcac,
        usuarios: guiche_aplicacao::usuarios::ServicoUsuarios,
        config: &ConfigApi,
    ) -> Estado {
        Estado {
            acesso,
            usuarios,
            cookie_seguro: false,
            web_ecac: crate::web::ecac::EstadoWeb::default(),
            idempotencia,
            ecac,
            limite_corpo: config.limite_corpo,
            timeout_leitura: config.timeout_leitura,
            andamento: Arc::new(Andamento::default()),
            nfd: None,
            conam: Err("a CONAM não está configurada neste servidor (GUICHE_CONAM_URL)".to_owned()),
            tabela2: Arc::new(guiche_domain::conam::Tabela2::oficial().clone()),
            serpro: serpro::ServicosSerpro::default(),
        }
    }
}

/// Counts the tasks in flight.
#[derive(Default)]
pub(crate) struct Andamento {
    n: AtomicUsize,
    fim: Notify,
}

/// One task in flight, until dropped.
#[cfg_attr(not(test), allow(dead_code))] // made by `idempotente`, which the areas use
pub(crate) struct EmVoo(Arc<Andamento>);

impl Drop for EmVoo {
    fn drop(&mut self) {
        if self.0.n.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.fim.notify_waiters();
        }
    }
}

impl Andamento {
    /// Counts one more task in flight.
    #[cfg_attr(not(test), allow(dead_code))] // called by `idempotente`, which the areas use
    pub(crate) fn entrar(self: &Arc<Self>) -> EmVoo {
        self.n.fetch_add(1, Ordering::AcqRel);
        EmVoo(self.clone())
    }

    /// How many are in flight.
    pub(crate) fn quantos(&self) -> usize {
        self.n.load(Ordering::Acquire)
    }

    /// Returns once none is in flight.
    pub(crate) async fn esperar(&self) {
        loop {
            let fim = self.fim.notified();
            if self.quantos() == 0 {
                return;
            }
            fim.await;
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "guichê",
        description = "Um só balcão para NFD, CONAM, SERPRO Integra Contador, Conecta gov.br e a \
            baixa de guias do e-CAC. Autenticação: Authorization: Bearer <token> (guiche token \
            create). Erros: application/problem+json (RFC 9457) em português; violações com \
            campo, regra, mensagem e valor. POSTs que chegam a um sistema remoto aceitam \
            Idempotency-Key."
    ),
    tags(
        (name = "operacao", description = "Saúde do serviço"),
        (name = "tokens", description = "Tokens de acesso e papéis (admin)"),
        (name = "nfd", description = "NFD, a nota fiscal de serviço municipal: validar (sem enviar), \
            emitir exatamente uma vez, lotes, e a decisão de uma pessoa sobre uma nota de resultado \
            desconhecido"),
        (name = "conam", description = "CONAM, a integração contábil pública: validar um pacote \
            (Tabelas 1 e 2), enviá-lo exatamente uma vez e acompanhá-lo, sua situação, o período \
            aberto e as receitas"),
        (name = "ecac", description = "Central e-CAC: empresas, guias e pagamentos (CSV), \
            sincronização com o SERPRO (PAGTOWEB), ocorrências da conciliação e sua exportação"),
        (name = "serpro", description = "SERPRO Integra Contador: chamadas, DAS, DARF, \
            pagamentos, declarações, caixa postal, eventos, SITFIS, procurações e o consumo \
            bilhetado. Chamadas bilhetadas: papel operador; o teto mensal responde 429"),
        (name = "conecta", description = "Conecta gov.br: situação de CPFs e cadastro de CNPJ \
            (bilhetadas: papel operador)"),
        (name = "consultas", description = "CPF, CNPJ (com sócios) e CND pelo caminho que o \
            servidor tem: as APIs comerciais do SERPRO (empresas privadas; cada chamada com \
            etiqueta e bilhetada sob o teto mensal) ou o Conecta gov.br (órgãos públicos). \
            Papel operador")
    ),
    components(schemas(problema::Problema, problema::ViolacaoProblema))
)]
struct Doc;

/// The answer of `GET /api/v1/saude`.
#[derive(Serialize, utoipa::ToSchema)]
struct Saude {
    /// Always `ok` when the server answers.
    #[schema(example = "ok")]
    estado: String,
    /// guichê's version.
    versao: String,
}

/// Se o servidor está no ar (sem token).
#[utoipa::path(get, path = "/api/v1/saude", tag = "operacao", security(),
    responses((status = 200, description = "No ar", body = Saude)))]
async fn saude() -> axum::Json<Saude> {
    axum::Json(Saude {
        estado: "ok".to_owned(),
        versao: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

async fn nao_encontrado() -> Problema {
    Problema::novo(
        StatusCode::NOT_FOUND,
        "não há recurso neste caminho; veja /api/v1/openapi.json",
    )
}

/// A problem answer for the document.
fn resposta_problema(descricao: &str) -> RefOr<RespostaDoc> {
    let conteudo = Content::new(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
        "Problema",
    ))));
    RefOr::T(
        utoipa::openapi::ResponseBuilder::new()
            .description(descricao)
            .content(problema::TIPO, conteudo)
            .build(),
    )
}

/// The bearer scheme, and on every operation but the public ones: the security requirement,
/// 401, 403 and a problem+json default answer.
fn completar(api: &mut Documento) {
    let componentes = api.components.get_or_insert_with(Default::default);
    componentes.add_security_scheme(
        "bearer",
        SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
    );
    let exigencia = utoipa::openapi::security::SecurityRequirement::new::<_, _, &str>("bearer", []);
    for (caminho, item) in &mut api.paths.paths {
        let publico = caminho == "/api/v1/saude";
        let operacoes = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for op in operacoes.into_iter().flatten() {
            let r = &mut op.responses.responses;
            if !publico {
                op.security = Some(vec![exigencia.clone()]);
                r.entry("401".into()).or_insert_with(|| {
                    resposta_problema("Sem token, ou token desconhecido ou revogado")
                });
                r.entry("403".into())
                    .or_insert_with(|| resposta_problema("O papel do token não permite"));
            }
            r.entry("default".into()).or_insert_with(|| {
                resposta_problema("Erro: pedido inválido, não encontrado, conflito, falha remota…")
            });
        }
    }
}

/// The whole API as one router over `estado`, its document at `/api/v1/openapi.json`.
pub(crate) fn aplicacao(estado: Estado) -> Router {
    let protegido = OpenApiRouter::new()
        .merge(tokens::rotas())
        .merge(nfd::rotas())
        .merge(conam::rotas())
        .merge(ecac::rotas())
        .merge(serpro::rotas())
        .layer(from_fn_with_state(estado.clone(), seguranca::autenticar));
    let (router, mut api) = OpenApiRouter::with_openapi(Doc::openapi())
        .routes(routes!(saude))
        .merge(protegido)
        .split_for_parts();
    completar(&mut api);
    let documento: Arc<str> = api.to_json().unwrap_or_default().into();
    let servir_documento = move || {
        let d = documento.clone();
        async move {
            (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                d.to_string(),
            )
                .into_response()
        }
    };
    router
        .route("/api/v1/openapi.json", get(servir_documento))
        .route_layer(from_fn(registro::rota))
        .fallback(nao_encontrado)
        .layer(DefaultBodyLimit::max(estado.limite_corpo))
        .layer(axum::Extension(estado.clone()))
        .layer(from_fn_with_state(estado.clone(), registro::prazo))
        .layer(from_fn(problema::padronizar))
        // The web pages answer HTML, never problem+json: merged after the API's layers.
        .merge(crate::web::rotas(estado.clone()))
        .layer(from_fn(registro::registrar))
        .with_state(estado)
}

/// Runs a ledger call (SQLite: a write waits for its flush to disk) on the blocking pool, never
/// on an async worker; its error, or a panic inside it, as a problem.
pub(crate) async fn no_livro<T, E>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, Problema>
where
    T: Send + 'static,
    E: guiche_aplicacao::Classificar + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(Problema::from),
        Err(e) => {
            tracing::error!(erro = %e, "a chamada ao livro falhou dentro do servidor");
            Err(Problema::novo(
                StatusCode::INTERNAL_SERVER_ERROR,
                "falha interna ao consultar o livro; veja o registro (x-request-id)",
            ))
        }
    }
}

/// Waits for SIGTERM or SIGINT (Ctrl-C).
pub(crate) fn sinal_de_parada() -> impl std::future::Future<Output = ()> + Send + 'static {
    // Registered now, not at the future's first poll: from the moment the server says it is
    // up, a stop signal is a graceful stop, never the default action (the process killed,
    // requests in flight cut).
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            let esperar = |s: std::io::Result<tokio::signal::unix::Signal>| async move {
                match s {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = esperar(term) => {},
                () = esperar(int) => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
