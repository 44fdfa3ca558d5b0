//! `/api/v1/tokens`: the API's tokens (admin only). Creating one is not idempotent: its answer
//! holds the secret, which must never be kept. The ledger calls run through [`no_livro`]. The handlers' doc comments are the OpenAPI
//! document's text, read by the API's users: Portuguese, like the CLI's `--help`.

use super::{Autenticado, Corpo, Estado, Problema, exigir, no_livro};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use guiche_aplicacao::acesso::{Permissao, Token, TokenCriado};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file.
pub(crate) fn rotas() -> OpenApiRouter<Estado> {
    OpenApiRouter::new()
        .routes(routes!(listar, criar))
        .routes(routes!(revogar))
}

/// A token to create.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NovoToken {
    /// Who or what will hold it (1 to 100 characters).
    #[schema(example = "erp da prefeitura", min_length = 1, max_length = 100)]
    nome: String,
    /// `admin`, `operador` or `leitura`.
    #[schema(example = "operador")]
    papel: String,
}

/// Lista os tokens, inclusive os revogados (nunca o segredo). Papel admin.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses((status = 200, description = "Os tokens, por id", body = Vec<Token>)))]
async fn listar(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
) -> Result<Json<Vec<Token>>, Problema> {
    exigir(&quem, Permissao::Administrar)?;
    let acesso = estado.acesso;
    Ok(Json(no_livro(move || acesso.listar()).await?))
}

/// Cria um token. O segredo vem só nesta resposta: guarde-o. Papel admin; sem
/// `Idempotency-Key` (a resposta tem um segredo, que nunca é guardado).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NovoToken,
    responses((status = 201, description = "Criado; guarde o segredo agora", body = TokenCriado)))]
async fn criar(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Corpo(novo): Corpo<NovoToken>,
) -> Result<(StatusCode, Json<TokenCriado>), Problema> {
    exigir(&quem, Permissao::Administrar)?;
    let acesso = estado.acesso;
    let criado = no_livro(move || acesso.criar(&novo.nome, &novo.papel)).await?;
    tracing::info!(novo = criado.token.id, papel = %criado.token.papel, "token criado");
    Ok((StatusCode::CREATED, Json(criado)))
}

/// Revoga um token (revogar de novo não muda nada); ele passa a receber 401. Papel admin.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "O id do token")),
    responses((status = 200, description = "Revogado", body = Token)))]
async fn revogar(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Path(id): Path<i64>,
) -> Result<Json<Token>, Problema> {
    exigir(&quem, Permissao::Administrar)?;
    let acesso = estado.acesso;
    let token = no_livro(move || acesso.revogar(id)).await?;
    tracing::info!(revogado = id, "token revogado");
    Ok(Json(token))
}
