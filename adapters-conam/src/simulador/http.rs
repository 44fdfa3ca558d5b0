//! The HTTP side: routing, faults, and the manual's replies written with [`crate::wire`]
//! (serving and shutdown are [`guiche_simulador::Servico`]'s).

use super::estado::{Avaliacao, Estado, Recusa, RecusaToken};
use super::rotas::{self, Admin, PREFIXO_ADMIN, Rota};
use super::{Falha, Situacao};
use crate::wire::{self, textos};
use bytes::Bytes;
use guiche_simulador::{ConexaoDerrubada, MAX_CORPO, Resposta, falha};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{ALLOW, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::header::{HeaderMap, WWW_AUTHENTICATE};
use hyper::{Method, Request, StatusCode};
use std::sync::Arc;

const TIPO_JSON: &str = "application/json; charset=utf-8";
const TIPO_TEXTO: &str = "text/plain; charset=utf-8";
const TIPO_FORMULARIO: &str = "application/x-www-form-urlencoded";
/// The simulator's own texts (the manual gives none for these cases).
const PACOTE_NAO_ENCONTRADO: &str = "Pacote não encontrado";
const RECURSO_NAO_ENCONTRADO: &str = "Recurso não encontrado";
const GRANT_TYPE_INVALIDO: &str = "grant_type deve ser client_credentials";

/// Admin endpoints go straight through; every other request is counted, meets its fault and
/// is served. An `Err` closes the connection without a reply.
pub(super) async fn atender(
    estado: Arc<Estado>,
    req: Request<Incoming>,
) -> Result<Resposta, ConexaoDerrubada> {
    if let Some(resto) = req.uri().path().strip_prefix(PREFIXO_ADMIN) {
        let rota = rotas::admin(resto);
        return Ok(admin(&estado, rota, req).await);
    }
    let falha = estado.chegada();
    if falha == Some(Falha::Indisponivel) {
        return Ok(resposta(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            String::new(),
        ));
    }
    falha::entregar(falha, servico(&estado, req).await).await
}

/// The token endpoint and the API: route, method, then the endpoint.
async fn servico(estado: &Estado, req: Request<Incoming>) -> Resposta {
    let rota = rotas::rota(req.uri().path(), &estado.cidade);
    if rota == Rota::Desconhecida {
        return nao_encontrado();
    }
    if req.method() != rota.metodo() {
        return nao_permitido(&rota.metodo(), TIPO_JSON);
    }
    let token = bearer(req.headers());
    let token = token.as_deref();
    let r = match rota {
        Rota::Token => return emitir_token(estado, req).await,
        Rota::Receitas {
            extra,
            entidade,
            ano,
        } => estado
            .receitas(token, &entidade, &ano, extra)
            .map(|lista| (StatusCode::OK, wire::escrever_receitas(&lista))),
        Rota::Periodo { entidade, ano, mes } => estado
            .periodo(token, &entidade, &ano, &mes)
            .map(|aberto| (StatusCode::OK, texto_periodo(aberto))),
        Rota::Envio => match ler_corpo(req.into_body()).await {
            Ok(corpo) => estado.receber(token, &corpo).map(|()| {
                (
                    StatusCode::CREATED,
                    wire::escrever_texto(false, textos::SUCESSO),
                )
            }),
            Err(r) => return r,
        },
        Rota::Situacao(id) => estado
            .situacao(token, &id)
            .map(|s| (StatusCode::OK, texto_situacao(&s))),
        Rota::Desconhecida => return nao_encontrado(),
    };
    match r {
        Ok((status, corpo)) => json(status, corpo),
        Err(recusa) => recusada(recusa),
    }
}

/// `POST /token` with the manual's form.
async fn emitir_token(estado: &Estado, req: Request<Incoming>) -> Resposta {
    if !tipo_e(req.headers(), TIPO_FORMULARIO) {
        let msg = format!("Content-Type deve ser {TIPO_FORMULARIO}");
        return json(StatusCode::BAD_REQUEST, wire::escrever_texto(true, &msg));
    }
    let corpo = match ler_corpo(req.into_body()).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let campos = match formulario(&corpo) {
        Ok(c) => c,
        Err(msg) => return json(StatusCode::BAD_REQUEST, wire::escrever_texto(true, &msg)),
    };
    let campo = |nome: &str| {
        campos
            .iter()
            .find(|(k, _)| k == nome)
            .map(|(_, v)| v.as_str())
    };
    let emitido = estado.emitir_token(
        campo("grant_type"),
        campo("client_id"),
        campo("client_secret"),
    );
    let token = match emitido {
        Ok(t) => t,
        Err(RecusaToken::GrantType) => {
            let corpo = wire::escrever_texto(true, GRANT_TYPE_INVALIDO);
            return json(StatusCode::BAD_REQUEST, corpo);
        }
        Err(RecusaToken::Credenciais) => return recusada(Recusa::NaoAutorizado),
    };
    match serde_json::to_string(&token) {
        Ok(corpo) => {
            let mut r = json(StatusCode::OK, corpo);
            r.headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => json(
            StatusCode::INTERNAL_SERVER_ERROR,
            wire::escrever_texto(true, &format!("falha ao escrever o token: {e}")),
        ),
    }
}

/// The form's fields; a field given twice is refused (RFC 6749 §3.2).
fn formulario(corpo: &[u8]) -> Result<Vec<(String, String)>, String> {
    let campos: Vec<(String, String)> =
        serde_urlencoded::from_bytes(corpo).map_err(|e| format!("formulário ilegível: {e}"))?;
    for (i, (k, _)) in campos.iter().enumerate() {
        if campos.iter().skip(i + 1).any(|(outro, _)| outro == k) {
            return Err(format!("parâmetro repetido: {k}"));
        }
    }
    Ok(campos)
}

/// The token of `Authorization: Bearer <token>` (scheme case-insensitive).
fn bearer(cabecalhos: &HeaderMap) -> Option<String> {
    let valor = cabecalhos.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (esquema, token) = valor.split_once(' ')?;
    let token = token.trim();
    (esquema.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// Whether the media type is `tipo` (parameters such as charset ignored).
fn tipo_e(cabecalhos: &HeaderMap, tipo: &str) -> bool {
    cabecalhos
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(tipo))
}

fn texto_periodo(aberto: bool) -> String {
    let t = if aberto {
        textos::ABERTO
    } else {
        textos::FECHADO
    };
    wire::escrever_texto(false, t)
}

/// The status reply: `AGUARDANDO`, `SUCESSO` or the rejection object (with `error: true`).
fn texto_situacao(situacao: &Situacao) -> String {
    match situacao {
        Situacao::Aguardando => wire::escrever_texto(false, textos::AGUARDANDO),
        Situacao::Aprovado => wire::escrever_texto(false, textos::SUCESSO),
        Situacao::Rejeitado { codigo, mensagem } => wire::escrever_erro(codigo, mensagem),
    }
}

/// The manual's reply to each refusal.
fn recusada(recusa: Recusa) -> Resposta {
    match recusa {
        Recusa::NaoAutorizado => {
            let corpo = wire::escrever_texto(true, textos::NAO_AUTORIZADO);
            let mut r = json(StatusCode::UNAUTHORIZED, corpo);
            r.headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            r
        }
        Recusa::TokenExpirado => json(
            StatusCode::FORBIDDEN,
            wire::escrever_texto(false, textos::TOKEN_EXPIRADO),
        ),
        Recusa::AcessoNegado => json(
            StatusCode::FORBIDDEN,
            wire::escrever_texto(false, textos::ACESSO_NEGADO),
        ),
        Recusa::ParametrosInvalidos => json(
            StatusCode::UNAUTHORIZED,
            wire::escrever_texto(true, textos::PARAMETROS_INVALIDOS),
        ),
        Recusa::PacoteNaoEncontrado => json(
            StatusCode::NOT_FOUND,
            wire::escrever_texto(true, PACOTE_NAO_ENCONTRADO),
        ),
        Recusa::Pacote { codigo, mensagem } => json(
            StatusCode::UNAUTHORIZED,
            wire::escrever_erro(&codigo, &mensagem),
        ),
    }
}

/// The body, at most [`MAX_CORPO`] bytes; otherwise the reply to give.
async fn ler_corpo(corpo: Incoming) -> Result<Bytes, Resposta> {
    match Limited::new(corpo, MAX_CORPO).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(json(
            StatusCode::PAYLOAD_TOO_LARGE,
            wire::escrever_texto(true, "corpo acima de 1 MiB"),
        )),
        Err(e) => Err(json(
            StatusCode::BAD_REQUEST,
            wire::escrever_texto(true, &format!("corpo incompleto: {e}")),
        )),
    }
}

/// `/_simulador/…`: the accounting team's and the tester's hands.
async fn admin(estado: &Estado, rota: Admin, req: Request<Incoming>) -> Resposta {
    if rota == Admin::Desconhecida {
        return texto(StatusCode::NOT_FOUND, "recurso não encontrado\n".into());
    }
    if req.method() != rota.metodo() {
        return nao_permitido(&rota.metodo(), TIPO_TEXTO);
    }
    match rota {
        Admin::Falhas => match corpo_texto(req).await {
            Ok(t) => match t.parse::<Falha>() {
                Ok(f) => {
                    estado.injetar(f);
                    sem_conteudo()
                }
                Err(e) => texto(StatusCode::BAD_REQUEST, format!("{e}\n")),
            },
            Err(r) => r,
        },
        Admin::Aprovar(id) => avaliar(estado, &id, Situacao::Aprovado),
        Admin::Rejeitar(id) => match corpo_texto(req).await {
            Ok(t) => rejeitar(estado, &id, &t),
            Err(r) => r,
        },
        Admin::Fechar { entidade, ano, mes } => fechar(estado, &entidade, &ano, &mes),
        Admin::Pacotes => texto(StatusCode::OK, estado.listagem()),
        Admin::Desconhecida => texto(StatusCode::NOT_FOUND, "recurso não encontrado\n".into()),
    }
}

/// `POST rejeitar/{id}` with `codigo;mensagem`.
fn rejeitar(estado: &Estado, id: &str, corpo: &str) -> Resposta {
    match corpo.trim().split_once(';') {
        Some((codigo, mensagem)) => {
            let situacao = Situacao::Rejeitado {
                codigo: codigo.trim().to_owned(),
                mensagem: mensagem.trim().to_owned(),
            };
            avaliar(estado, id, situacao)
        }
        None => texto(
            StatusCode::BAD_REQUEST,
            "corpo esperado: codigo;mensagem\n".into(),
        ),
    }
}

fn avaliar(estado: &Estado, id: &str, situacao: Situacao) -> Resposta {
    let avaliacao =
        rotas::id_pacote(id).map_or(Avaliacao::NaoEncontrado, |id| estado.avaliar(id, situacao));
    match avaliacao {
        Avaliacao::Feita => sem_conteudo(),
        Avaliacao::NaoEncontrado => {
            texto(StatusCode::NOT_FOUND, format!("{PACOTE_NAO_ENCONTRADO}\n"))
        }
        Avaliacao::JaAvaliado => texto(
            StatusCode::CONFLICT,
            format!("pacote {id} já avaliado pela contabilidade\n"),
        ),
    }
}

fn fechar(estado: &Estado, entidade: &str, ano: &str, mes: &str) -> Resposta {
    match (rotas::ano(ano), rotas::mes(mes)) {
        (Some(a), Some(m)) => {
            estado.fechar_periodo(entidade, a, m);
            sem_conteudo()
        }
        _ => texto(
            StatusCode::BAD_REQUEST,
            "ano com 4 dígitos e mês de 1 a 12\n".into(),
        ),
    }
}

/// An admin body as UTF-8 text.
async fn corpo_texto(req: Request<Incoming>) -> Result<String, Resposta> {
    let bytes = ler_corpo(req.into_body()).await?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| texto(StatusCode::BAD_REQUEST, "corpo não é UTF-8\n".into()))
}

fn nao_permitido(metodo: &Method, tipo: &'static str) -> Resposta {
    let msg = format!("método não permitido: use {metodo}");
    let corpo = if tipo == TIPO_JSON {
        wire::escrever_texto(true, &msg)
    } else {
        format!("{msg}\n")
    };
    let mut r = resposta(StatusCode::METHOD_NOT_ALLOWED, Some(tipo), corpo);
    if let Ok(v) = HeaderValue::from_str(metodo.as_str()) {
        r.headers_mut().insert(ALLOW, v);
    }
    r
}

fn nao_encontrado() -> Resposta {
    json(
        StatusCode::NOT_FOUND,
        wire::escrever_texto(true, RECURSO_NAO_ENCONTRADO),
    )
}

fn json(status: StatusCode, corpo: String) -> Resposta {
    resposta(status, Some(TIPO_JSON), corpo)
}

fn texto(status: StatusCode, corpo: String) -> Resposta {
    resposta(status, Some(TIPO_TEXTO), corpo)
}

fn sem_conteudo() -> Resposta {
    resposta(StatusCode::NO_CONTENT, None, String::new())
}

use guiche_simulador::resposta;

#[cfg(test)]
mod tests {
    use super::*;

    fn cabecalhos(nome: hyper::header::HeaderName, valor: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(nome, HeaderValue::from_static(valor));
        h
    }

    #[test]
    fn bearer_tokens_are_read() {
        let t = |v| bearer(&cabecalhos(AUTHORIZATION, v));
        assert_eq!(t("Bearer abc.def"), Some("abc.def".into()));
        assert_eq!(t("bearer  abc "), Some("abc".into()));
        assert_eq!(t("Basic abc"), None);
        assert_eq!(t("Bearer"), None);
        assert_eq!(t("Bearer "), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }

    #[test]
    fn the_form_is_read_and_repeated_fields_refused() {
        let c =
            formulario(b"grant_type=client_credentials&client_id=U%20S&client_secret=a+b").unwrap();
        assert_eq!(c[1], ("client_id".into(), "U S".into()));
        assert_eq!(c[2], ("client_secret".into(), "a b".into()));
        assert!(formulario(b"a=1&a=2").unwrap_err().contains("repetido"));
        assert!(formulario(b"").unwrap().is_empty());
    }

    #[test]
    fn form_media_type_with_parameters() {
        let h = cabecalhos(
            CONTENT_TYPE,
            "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
        );
        assert!(tipo_e(&h, TIPO_FORMULARIO));
        assert!(!tipo_e(
            &cabecalhos(CONTENT_TYPE, "application/json"),
            TIPO_FORMULARIO
        ));
        assert!(!tipo_e(&HeaderMap::new(), TIPO_FORMULARIO));
    }
}
