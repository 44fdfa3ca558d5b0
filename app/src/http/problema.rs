//! Errors as `application/problem+json` (RFC 9457), in Brazilian Portuguese: from any
//! application error ([`Classificar`]: the status follows its [`Natureza`]), from axum's own
//! rejections, and from any other error status, so that every error of the API has one shape.

use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use guiche_aplicacao::{Classificar, Natureza};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// The media type of every error.
pub(crate) const TIPO: &str = "application/problem+json";

/// One violation, as the CLI's `--json` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct ViolacaoProblema {
    /// The field at fault (`movimentos[3].valor`, `CNPJ_PRESTADOR`).
    pub(crate) campo: String,
    /// The rule's stable code (`docs/regras.md`).
    pub(crate) regra: String,
    /// What is wrong, in Portuguese.
    pub(crate) mensagem: String,
    /// The offending value, as read.
    pub(crate) valor: String,
}

/// An error answer (RFC 9457).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct Problema {
    /// A URI naming the kind of problem (`urn:guiche:problema:…`).
    #[serde(rename = "type")]
    #[schema(example = "urn:guiche:problema:invalido")]
    pub(crate) tipo: String,
    /// The kind of problem, in a few words.
    pub(crate) title: String,
    /// The HTTP status.
    pub(crate) status: u16,
    /// What went wrong this time: the field, rule or value at fault.
    pub(crate) detail: String,
    /// The path of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) instance: Option<String>,
    /// Every violation, when a document breaks the manual's rules (status 422).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) violacoes: Vec<ViolacaoProblema>,
    /// The result object, when the caller needs it after a failure: a remote system's final
    /// refusal or an unknown outcome (for NFD, the nota's report with its number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub(crate) resultado: Option<serde_json::Value>,
}

/// The kind (type suffix) and title of a status without a more precise nature.
fn por_status(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("pedido", "Pedido inválido"),
        401 => ("nao-autenticado", "Não autenticado"),
        403 => ("sem-permissao", "Sem permissão"),
        404 => ("nao-encontrado", "Não encontrado"),
        405 => ("metodo", "Método não permitido"),
        408 | 504 => ("tempo-esgotado", "Tempo esgotado"),
        409 => ("conflito", "Conflito"),
        413 => ("corpo-grande-demais", "Corpo grande demais"),
        415 => ("tipo-de-conteudo", "Tipo de conteúdo não suportado"),
        422 => ("invalido", "Pedido não processável"),
        429 => ("limite", "Limite atingido"),
        502 => ("transporte", "Falha no sistema remoto"),
        503 => ("configuracao", "Serviço indisponível"),
        s if s >= 500 => ("interno", "Erro interno"),
        _ => ("pedido", "Pedido recusado"),
    }
}

/// What each status says when nothing more precise is known.
fn detalhe_padrao(status: StatusCode) -> String {
    match status.as_u16() {
        404 => "não há recurso neste caminho; veja /api/v1/openapi.json".to_owned(),
        405 => "este caminho não aceita este método; veja o cabeçalho Allow".to_owned(),
        408 | 504 => "o pedido não terminou a tempo".to_owned(),
        413 => "o corpo do pedido passa do limite (GUICHE_API_LIMITE_CORPO)".to_owned(),
        415 => "envie o corpo com Content-Type: application/json".to_owned(),
        s => format!("o pedido terminou com o status {s}"),
    }
}

impl Problema {
    /// A problem of this status, with the title its status gives.
    pub(crate) fn novo(status: StatusCode, detalhe: impl Into<String>) -> Problema {
        let (tipo, titulo) = por_status(status);
        Problema {
            tipo: format!("urn:guiche:problema:{tipo}"),
            title: titulo.to_owned(),
            status: status.as_u16(),
            detail: detalhe.into(),
            instance: None,
            violacoes: Vec::new(),
            resultado: None,
        }
    }

    /// The HTTP status of each kind of application failure (see [`Natureza`]).
    pub(crate) fn status_de(natureza: Natureza) -> StatusCode {
        match natureza {
            Natureza::Pedido => StatusCode::BAD_REQUEST,
            Natureza::Invalido | Natureza::Recusado => StatusCode::UNPROCESSABLE_ENTITY,
            Natureza::NaoEncontrado => StatusCode::NOT_FOUND,
            Natureza::Conflito => StatusCode::CONFLICT,
            Natureza::Configuracao => StatusCode::SERVICE_UNAVAILABLE,
            Natureza::Transporte => StatusCode::BAD_GATEWAY,
            Natureza::Limite => StatusCode::TOO_MANY_REQUESTS,
            Natureza::Livro => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem an application error is. A failure of the ledger is logged in full and
    /// answered without its details (they name the server's files).
    pub(crate) fn de(e: &dyn Classificar) -> Problema {
        let natureza = e.natureza();
        let detalhe = if natureza == Natureza::Livro {
            tracing::error!(erro = %e, "falha no livro");
            "falha no livro do guichê; o registro do servidor tem os detalhes (x-request-id)"
                .to_owned()
        } else {
            e.to_string()
        };
        let mut p = Problema::novo(Problema::status_de(natureza), detalhe);
        let (tipo, titulo) = match natureza {
            Natureza::Invalido => ("invalido", "Documento inválido"),
            Natureza::Recusado => ("recusado", "Recusado pelo sistema remoto"),
            Natureza::Livro => ("livro", "Falha no livro do guichê"),
            _ => ("", ""),
        };
        if !tipo.is_empty() {
            p.tipo = format!("urn:guiche:problema:{tipo}");
            p.title = titulo.to_owned();
        }
        p.violacoes = e
            .violacoes()
            .iter()
            .map(|v| ViolacaoProblema {
                campo: v.campo.to_string(),
                regra: v.regra.codigo().to_owned(),
                mensagem: v.mensagem.to_string(),
                valor: v.valor.to_string(),
            })
            .collect();
        p
    }
}

impl<E: Classificar> From<E> for Problema {
    fn from(e: E) -> Problema {
        Problema::de(&e)
    }
}

impl IntoResponse for Problema {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let corpo = serde_json::to_vec(&self).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(TIPO))],
            corpo,
        )
            .into_response()
    }
}

/// A JSON body whose rejection (not JSON, wrong shape, no `Content-Type`, too large) is a
/// [`Problema`] naming what is wrong.
pub(crate) struct Corpo<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Corpo<T> {
    type Rejection = Problema;

    async fn from_request(req: Request, estado: &S) -> Result<Self, Problema> {
        match axum::Json::<T>::from_request(req, estado).await {
            Ok(axum::Json(v)) => Ok(Corpo(v)),
            Err(r) => Err(rejeicao(&r)),
        }
    }
}

/// A JSON body's rejection as a problem, in Portuguese.
fn rejeicao(r: &JsonRejection) -> Problema {
    let causa = |e: &dyn std::error::Error| {
        let mut m = e.to_string();
        let mut fonte = e.source();
        while let Some(f) = fonte {
            m = f.to_string();
            fonte = f.source();
        }
        m
    };
    let detalhe = match r {
        JsonRejection::JsonDataError(e) => {
            format!("o JSON do corpo não tem a forma esperada: {}", causa(e))
        }
        JsonRejection::JsonSyntaxError(e) => {
            format!("o corpo não é JSON válido: {}", causa(e))
        }
        JsonRejection::MissingJsonContentType(_) => {
            "envie o corpo com Content-Type: application/json".to_owned()
        }
        JsonRejection::BytesRejection(_) => {
            "não foi possível ler o corpo do pedido (limite: GUICHE_API_LIMITE_CORPO)".to_owned()
        }
        outra => format!("corpo recusado: {}", outra.body_text()),
    };
    let status = match r.status() {
        // A well-formed JSON of the wrong shape is a bad request like any other.
        StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
        s => s,
    };
    Problema::novo(status, detalhe)
}

/// Every error answer becomes `application/problem+json` with its `instance` (the path): axum's
/// own (405, 413, …), the fallbacks, and problems written by the handlers.
pub(crate) async fn padronizar(req: Request, next: Next) -> Response {
    let caminho = req.uri().path().to_owned();
    let resposta = next.run(req).await;
    let status = resposta.status();
    if status.as_u16() < 400 {
        return resposta;
    }
    let e_problema = resposta
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes() == TIPO.as_bytes());
    let (mut partes, corpo) = resposta.into_parts();
    let mut problema = if e_problema {
        let bytes = axum::body::to_bytes(corpo, 1 << 20)
            .await
            .unwrap_or_default();
        serde_json::from_slice::<Problema>(&bytes)
            .unwrap_or_else(|_| Problema::novo(status, detalhe_padrao(status)))
    } else {
        Problema::novo(status, detalhe_padrao(status))
    };
    problema.instance.get_or_insert(caminho);
    partes.headers.remove(header::CONTENT_LENGTH);
    partes
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(TIPO));
    let corpo = serde_json::to_vec(&problema).unwrap_or_default();
    Response::from_parts(partes, Body::from(corpo))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_nature_has_its_status() {
        use Natureza::*;
        let tabela = [
            (Pedido, 400),
            (Invalido, 422),
            (Recusado, 422),
            (NaoEncontrado, 404),
            (Conflito, 409),
            (Configuracao, 503),
            (Transporte, 502),
            (Limite, 429),
            (Livro, 500),
        ];
        for (n, s) in tabela {
            assert_eq!(Problema::status_de(n).as_u16(), s, "{n:?}");
        }
    }

    #[test]
    fn the_body_is_rfc_9457() {
        let p = Problema::novo(StatusCode::NOT_FOUND, "x");
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["type"], "urn:guiche:problema:nao-encontrado");
        assert_eq!(v["title"], "Não encontrado");
        assert_eq!(v["status"], 404);
        assert_eq!(v["detail"], "x");
        assert!(v.get("violacoes").is_none());
    }
}
