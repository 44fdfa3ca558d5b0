//! Logs (`tracing`, on stderr, text or JSON lines) with a request id on every line, and the
//! read timeout. A log line holds the request id, method, path, route, status, latency and the
//! caller's token id; never a token, a password, a query string or a body.

use super::{Estado, Problema};
use crate::config::{ConfigApi, FormatoLog};
use crate::erro::ErroApp;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::io::IsTerminal as _;
use std::time::Instant;
use tracing::Instrument;

/// The request id header, taken from the client when it is sensible, else generated.
pub(crate) const ID: HeaderName = HeaderName::from_static("x-request-id");

/// Starts the logs as `GUICHE_LOG` and `GUICHE_LOG_FORMATO` say.
pub(crate) fn iniciar(config: &ConfigApi) -> Result<(), ErroApp> {
    let filtro = tracing_subscriber::EnvFilter::try_new(&config.filtro_log)
        .map_err(|e| ErroApp::Configuracao(format!("GUICHE_LOG=\"{}\": {e}", config.filtro_log)))?;
    let base = tracing_subscriber::fmt()
        .with_env_filter(filtro)
        .with_writer(std::io::stderr)
        .with_target(false);
    let feito = match config.formato_log {
        FormatoLog::Texto => base.with_ansi(std::io::stderr().is_terminal()).try_init(),
        FormatoLog::Json => base
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    feito.map_err(|e| ErroApp::Configuracao(format!("registro: {e}")))
}

/// A client's request id is kept if it is 1 to 64 letters, digits, `-`, `_` or `.`.
fn aceitavel(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn novo_id() -> String {
    let mut b = [0u8; 12];
    if getrandom::fill(&mut b).is_err() {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        b[..8].copy_from_slice(&N.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The route a request matched, carried from the router to the log line.
#[derive(Clone)]
struct Rota(String);

/// Inside the router: remembers the matched route for [`registrar`].
pub(crate) async fn rota(req: Request, next: Next) -> Response {
    let rota = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut r = next.run(req).await;
    if let Some(rota) = rota {
        r.extensions_mut().insert(Rota(rota));
    }
    r
}

/// Outermost: the request id (echoed in the answer), the request's span, and one line when
/// it is answered.
pub(crate) async fn registrar(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| aceitavel(v))
        .map_or_else(novo_id, str::to_owned);
    let valor = HeaderValue::from_str(&id).ok();
    if let Some(v) = &valor {
        req.headers_mut().insert(ID, v.clone());
    }
    let span = tracing::info_span!(
        "pedido",
        id = %id,
        metodo = %req.method(),
        caminho = %req.uri().path(),
        token = tracing::field::Empty,
    );
    let inicio = Instant::now();
    let mut resposta = next.run(req).instrument(span.clone()).await;
    let rota = resposta
        .extensions()
        .get::<Rota>()
        .map_or("-", |r| r.0.as_str())
        .to_owned();
    span.in_scope(|| {
        tracing::info!(
            status = resposta.status().as_u16(),
            rota = %rota,
            latencia_ms = inicio.elapsed().as_secs_f64() * 1000.0,
            "pedido atendido"
        );
    });
    if let Some(v) = valor {
        resposta.headers_mut().insert(ID, v);
    }
    resposta
}

/// A read (GET, HEAD) that takes longer than `GUICHE_API_TIMEOUT` ends with 504. Writes are
/// not cut: a send runs to its end and records its outcome.
pub(crate) async fn prazo(State(estado): State<Estado>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    match tokio::time::timeout(estado.timeout_leitura, next.run(req)).await {
        Ok(r) => r,
        Err(_) => Problema::novo(
            StatusCode::GATEWAY_TIMEOUT,
            format!(
                "a leitura passou de {} s (GUICHE_API_TIMEOUT)",
                estado.timeout_leitura.as_secs()
            ),
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sensible_request_ids_are_kept() {
        assert!(aceitavel("abc-123_x.y"));
        for ruim in ["", "a b", "a\nb", "ção", &"x".repeat(65)] {
            assert!(!aceitavel(ruim), "{ruim:?}");
        }
        let id = novo_id();
        assert!(aceitavel(&id) && id.len() == 24);
        assert_ne!(id, novo_id());
    }
}
