//! Who is calling: the bearer token of every request but the public ones, checked against the
//! ledger (401 without it, or with a bad or revoked one), and the role each endpoint needs
//! (403).

use super::{Estado, Problema, no_livro};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use guiche_aplicacao::acesso::{Chamador, Permissao};

/// A 401 with `WWW-Authenticate: Bearer`.
fn nao_autenticado(detalhe: &str) -> Response {
    let mut r = Problema::novo(StatusCode::UNAUTHORIZED, detalhe).into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"guiche\""),
    );
    r
}

/// The middleware of every protected route: `Authorization: Bearer <token>`, a token of the
/// ledger not revoked; the caller goes into the request's extensions.
pub(crate) async fn autenticar(
    State(estado): State<Estado>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(valor) = req.headers().get(header::AUTHORIZATION) else {
        return nao_autenticado(
            "envie o cabeçalho Authorization: Bearer <token> (guiche token create)",
        );
    };
    let segredo = valor
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(esquema, _)| esquema.eq_ignore_ascii_case("bearer"))
        .map(|(_, s)| s.trim());
    let Some(segredo) = segredo.map(str::to_owned) else {
        return nao_autenticado("o cabeçalho Authorization deve ser Bearer <token>");
    };
    // The lookup reads SQLite: on the blocking pool, not on this worker.
    let acesso = estado.acesso.clone();
    match no_livro(move || acesso.autenticar(&segredo)).await {
        Ok(Some(quem)) => {
            tracing::Span::current().record("token", quem.id);
            req.extensions_mut().insert(quem);
            next.run(req).await
        }
        Ok(None) => nao_autenticado("token desconhecido ou revogado"),
        Err(p) => p.into_response(),
    }
}

/// The authenticated caller, for a handler: `Autenticado(quem): Autenticado`.
pub(crate) struct Autenticado(pub(crate) Chamador);

impl<S: Send + Sync> FromRequestParts<S> for Autenticado {
    type Rejection = Response;

    async fn from_request_parts(partes: &mut Parts, _: &S) -> Result<Self, Response> {
        partes
            .extensions
            .get::<Chamador>()
            .cloned()
            .map(Autenticado)
            .ok_or_else(|| nao_autenticado("envie o cabeçalho Authorization: Bearer <token>"))
    }
}

/// 403 unless the caller's role allows `permissao`.
#[allow(clippy::result_large_err)] // the handlers' error type, returned as is; built only on failure
pub(crate) fn exigir(quem: &Chamador, permissao: Permissao) -> Result<(), Problema> {
    if quem.pode(permissao) {
        return Ok(());
    }
    let o_que = match permissao {
        Permissao::Ler => "consultar",
        Permissao::Enviar => "enviar (papel operador ou admin)",
        Permissao::Administrar => "administrar tokens, empresas e configurações (papel admin)",
    };
    Err(Problema::novo(
        StatusCode::FORBIDDEN,
        format!(
            "o token {} tem o papel {}, que não permite {o_que}",
            quem.id, quem.papel
        ),
    ))
}
