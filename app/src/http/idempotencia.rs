//! The POSTs that reach a remote system: run in their own task (a client that goes away does
//! not cancel a send half-way; a shutdown waits for it) and, with `Idempotency-Key`, answered
//! once: the same key and body again get the first answer back (`Idempotency-Replayed: true`)
//! without a second call. An endpoint opts in with [`idempotente`] around its `routes!(…)`
//! and documents the header with `params(CabecalhoIdempotencia)`.

// Until the areas' endpoints (next round) opt in, only the tests below use this module.
#![cfg_attr(not(test), allow(dead_code))]

use super::{Estado, Problema, no_livro};
use axum::body::Body;
use axum::extract::{Extension, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use guiche_aplicacao::acesso::Chamador;
use guiche_aplicacao::idempotencia::Inicio;
use guiche_ports::idempotencia::RespostaGuardada;
use std::future::Future;
use tracing::Instrument;
use utoipa_axum::router::UtoipaMethodRouter;

/// The request's key.
pub(crate) const CHAVE: &str = "idempotency-key";
/// Set on an answer that is a replay.
pub(crate) const REPETIDA: &str = "idempotency-replayed";

/// The `Idempotency-Key` header, for an endpoint's `params(…)`. Its description is the
/// document's text, read by the API's users: Portuguese, like an operation's summary.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // only its documentation is used
pub(crate) struct CabecalhoIdempotencia {
    /// Qualquer texto de 1 a 255 caracteres ASCII visíveis, novo a cada pedido novo (um UUID):
    /// a mesma chave com o mesmo corpo devolve a primeira resposta sem uma segunda chamada
    /// (cabeçalho Idempotency-Replayed: true); a mesma chave com outro corpo é recusada (422);
    /// enquanto a primeira ainda roda, 409 (tente de novo depois).
    #[param(
        rename = "Idempotency-Key",
        example = "3f0c9a52-6b1e-4d8e-9a57-2c1d0e8b7f44"
    )]
    idempotency_key: Option<String>,
}

/// Makes an endpoint's POST idempotent and run in its own task: `idempotente(routes!(f))`.
pub(crate) fn idempotente(rotas: UtoipaMethodRouter<Estado>) -> UtoipaMethodRouter<Estado> {
    let (esquemas, caminhos, rota) = rotas;
    (
        esquemas,
        caminhos,
        rota.layer(axum::middleware::from_fn(camada)),
    )
}

/// Whether an answer is kept for its key: a final one. A server failure, a timeout, a conflict
/// or a limit is not: the same key runs again (the use cases are exactly-once on their own).
fn guardavel(status: StatusCode) -> bool {
    !(status.is_server_error()
        || matches!(
            status,
            StatusCode::REQUEST_TIMEOUT | StatusCode::CONFLICT | StatusCode::TOO_MANY_REQUESTS
        ))
}

async fn camada(Extension(estado): Extension<Estado>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let em_voo = estado.andamento.entrar();
    let chave = match req.headers().get(CHAVE).map(HeaderValue::to_str) {
        None => return em_tarefa(next.run(req), em_voo).await,
        Some(Ok(c)) => c.to_owned(),
        Some(Err(_)) => {
            return Problema::novo(
                StatusCode::BAD_REQUEST,
                "cabeçalho Idempotency-Key: use só caracteres ASCII visíveis",
            )
            .into_response();
        }
    };
    let Some(quem) = req.extensions().get::<Chamador>().cloned() else {
        return Problema::novo(StatusCode::UNAUTHORIZED, "pedido sem token").into_response();
    };
    let (partes, corpo) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(corpo, estado.limite_corpo).await else {
        return Problema::novo(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "o corpo do pedido passa de {} bytes (GUICHE_API_LIMITE_CORPO)",
                estado.limite_corpo
            ),
        )
        .into_response();
    };
    // The query is part of what is asked (`?prefeitura=…`, `?empresa=…`): another query is
    // another request.
    let caminho = partes
        .uri
        .path_and_query()
        .map_or_else(|| partes.uri.path().to_owned(), |c| c.as_str().to_owned());
    let servico = estado.idempotencia.clone();
    let inicio = {
        let (servico, bytes) = (servico.clone(), bytes.clone());
        no_livro(move || servico.iniciar(quem.id, &chave, "POST", &caminho, &bytes)).await
    };
    match inicio {
        Err(p) => p.into_response(),
        Ok(Inicio::Repetir(r)) => repetir(r),
        Ok(Inicio::Executar(bilhete)) => {
            let req = Request::from_parts(partes, Body::from(bytes));
            let tarefa = async move {
                let (partes, corpo) = next.run(req).await.into_parts();
                let Ok(bytes) = axum::body::to_bytes(corpo, usize::MAX).await else {
                    let _ = no_livro(move || servico.liberar(&bilhete)).await;
                    return Problema::novo(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "a resposta não pôde ser lida para guardar",
                    )
                    .into_response();
                };
                let guardar = guardavel(partes.status).then(|| RespostaGuardada {
                    status: partes.status.as_u16(),
                    tipo: partes
                        .headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|t| t.to_str().ok())
                        .unwrap_or("application/json")
                        .to_owned(),
                    corpo: bytes.to_vec(),
                });
                let gravado = no_livro(move || match guardar {
                    Some(r) => servico.concluir(&bilhete, &r),
                    None => servico.liberar(&bilhete),
                })
                .await;
                if let Err(e) = gravado {
                    tracing::error!(erro = %e.detail, "a resposta não foi guardada para a Idempotency-Key");
                }
                Response::from_parts(partes, Body::from(bytes))
            };
            em_tarefa(tarefa, em_voo).await
        }
    }
}

/// The first answer again.
fn repetir(r: RespostaGuardada) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK);
    let mut resposta = (status, r.corpo).into_response();
    let h = resposta.headers_mut();
    if let Ok(t) = HeaderValue::from_str(&r.tipo) {
        h.insert(header::CONTENT_TYPE, t);
    }
    h.insert(
        HeaderName::from_static(REPETIDA),
        HeaderValue::from_static("true"),
    );
    resposta
}

/// Runs `f` in its own task, in the request's span, counted as in flight until it ends.
async fn em_tarefa<F>(f: F, em_voo: super::EmVoo) -> Response
where
    F: Future<Output = Response> + Send + 'static,
{
    let tarefa = async move {
        let r = f.await;
        drop(em_voo);
        r
    };
    match tokio::spawn(tarefa.instrument(tracing::Span::current())).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(erro = %e, "o pedido falhou dentro do servidor");
            Problema::novo(
                StatusCode::INTERNAL_SERVER_ERROR,
                "o pedido falhou dentro do servidor; veja o registro (x-request-id)",
            )
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::config::{ConfigApi, FormatoLog};
    use axum::extract::State;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;
    use tower::ServiceExt as _;
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;

    /// A send that counts its calls and takes `?ms` milliseconds.
    #[utoipa::path(post, path = "/api/v1/teste/envio", params(CabecalhoIdempotencia),
        responses((status = 201, body = String)))]
    async fn enviar(
        State(estado): State<Estado>,
        axum::Extension(chamadas): axum::Extension<Arc<AtomicUsize>>,
        corpo: String,
    ) -> Response {
        let n = chamadas.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = &estado;
        if corpo.contains("devagar") {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        if corpo.contains("falha") {
            return Problema::novo(StatusCode::BAD_GATEWAY, "remoto fora").into_response();
        }
        (StatusCode::CREATED, format!("envio {n}: {corpo}")).into_response()
    }

    struct Cenario {
        app: axum::Router,
        chamadas: Arc<AtomicUsize>,
        segredo: String,
        estado: Estado,
    }

    fn cenario() -> Cenario {
        let livro = Arc::new(guiche_store::Livro::em_memoria().unwrap());
        let acesso = crate::composicao::acesso_sobre(livro.clone());
        let segredo = acesso.criar("teste", "operador").unwrap().segredo;
        let config = ConfigApi {
            limite_corpo: 4096,
            timeout_leitura: Duration::from_secs(5),
            encerramento: Duration::from_secs(5),
            abandono: Duration::from_secs(900),
            filtro_log: "info".into(),
            formato_log: FormatoLog::Texto,
            hora_sync_ecac: None,
        };
        let idempotencia = guiche_aplicacao::idempotencia::ServicoIdempotencia::new(
            livro.clone(),
            config.abandono,
        );
        let ecac = crate::composicao::ecac_api_sobre(livro.clone()).unwrap();
        let usuarios = crate::composicao::usuarios_sobre(livro.clone());
        let estado = Estado::new(acesso, idempotencia, ecac, usuarios, &config);
        let chamadas = Arc::new(AtomicUsize::new(0));
        let (app, api) = OpenApiRouter::new()
            .routes(idempotente(routes!(enviar)))
            .layer(axum::middleware::from_fn_with_state(
                estado.clone(),
                super::super::seguranca::autenticar,
            ))
            .split_for_parts();
        let parametro = &api.paths.paths["/api/v1/teste/envio"]
            .post
            .as_ref()
            .unwrap()
            .parameters
            .as_ref()
            .unwrap()[0];
        assert_eq!(parametro.name, "Idempotency-Key");
        assert!(matches!(
            parametro.parameter_in,
            utoipa::openapi::path::ParameterIn::Header
        ));
        let app = app
            .layer(axum::Extension(chamadas.clone()))
            .layer(axum::Extension(estado.clone()))
            .layer(axum::middleware::from_fn(
                super::super::problema::padronizar,
            ))
            .with_state(estado.clone());
        Cenario {
            app,
            chamadas,
            segredo,
            estado,
        }
    }

    async fn post(c: &Cenario, chave: Option<&str>, corpo: &str) -> (u16, bool, String) {
        let mut r = Request::post("/api/v1/teste/envio")
            .header(header::AUTHORIZATION, format!("Bearer {}", c.segredo));
        if let Some(k) = chave {
            r = r.header(CHAVE, k);
        }
        let resposta = c
            .app
            .clone()
            .oneshot(r.body(Body::from(corpo.to_owned())).unwrap())
            .await
            .unwrap();
        let repetida = resposta.headers().get(REPETIDA).is_some();
        let status = resposta.status().as_u16();
        let corpo = axum::body::to_bytes(resposta.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, repetida, String::from_utf8(corpo.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn the_same_key_and_body_replay_the_first_answer_without_a_second_call() {
        let c = cenario();
        let primeira = post(&c, Some("k1"), "a").await;
        assert_eq!(primeira, (201, false, "envio 1: a".into()));
        let segunda = post(&c, Some("k1"), "a").await;
        assert_eq!(segunda, (201, true, "envio 1: a".into()));
        assert_eq!(c.chamadas.load(Ordering::SeqCst), 1, "no second call");
        let (status, _, corpo) = post(&c, Some("k1"), "b").await;
        assert_eq!(status, 422, "{corpo}");
        assert!(
            corpo.contains("Idempotency-Key") && corpo.contains("urn:guiche:problema:"),
            "{corpo}"
        );
        // Without a key, every request runs.
        post(&c, None, "a").await;
        post(&c, None, "a").await;
        assert_eq!(c.chamadas.load(Ordering::SeqCst), 3);
        let (status, _, _) = post(&c, Some(""), "a").await;
        assert_eq!(status, 400);
    }

    #[tokio::test]
    async fn a_key_in_progress_is_a_conflict_and_a_failure_is_not_kept() {
        let c = cenario();
        let primeira = tokio::spawn({
            let c = Cenario {
                app: c.app.clone(),
                chamadas: c.chamadas.clone(),
                segredo: c.segredo.clone(),
                estado: c.estado.clone(),
            };
            async move { post(&c, Some("k"), "devagar").await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (status, _, corpo) = post(&c, Some("k"), "devagar").await;
        assert_eq!(status, 409, "{corpo}");
        assert_eq!(primeira.await.unwrap().0, 201);
        assert!(post(&c, Some("k"), "devagar").await.1, "replayed");

        // A remote failure (5xx) frees the key: the same request runs again.
        assert_eq!(post(&c, Some("f"), "falha").await.0, 502);
        assert_eq!(c.chamadas.load(Ordering::SeqCst), 2);
        let (status, repetida, _) = post(&c, Some("f"), "falha").await;
        assert_eq!((status, repetida), (502, false));
        assert_eq!(c.chamadas.load(Ordering::SeqCst), 3, "ran again");
    }

    #[tokio::test]
    async fn a_send_whose_client_goes_away_still_ends_and_is_kept() {
        let c = cenario();
        let pedido = post(&c, Some("k"), "devagar");
        // The client gives up before the answer.
        assert!(
            tokio::time::timeout(Duration::from_millis(50), pedido)
                .await
                .is_err()
        );
        assert_eq!(c.estado.andamento.quantos(), 1, "still running");
        tokio::time::timeout(Duration::from_secs(5), c.estado.andamento.esperar())
            .await
            .unwrap();
        assert_eq!(
            post(&c, Some("k"), "devagar").await,
            (201, true, "envio 1: devagar".into())
        );
        assert_eq!(c.chamadas.load(Ordering::SeqCst), 1);
    }
}
