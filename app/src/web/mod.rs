//! The web pages of `guiche serve`, at `/` (the API stays under `/api/v1`): server-rendered HTML
//! in Brazilian Portuguese (`maud`, which escapes every value by default), one CSS file
//! embedded in the binary (and the desks' one script), nothing loaded from elsewhere.
//!
//! - `GET /entrar`, `POST /entrar`: the login form. Before a session exists, the form carries a
//!   random token that must match the `guiche_entrada` cookie (double submit), so another site
//!   cannot log a browser into an account of its choosing.
//! - `POST /sair`: logout.
//! - `/nfd`, `/conam`, `/usuarios`: the NFD and CONAM desks and the users' page (admin), in
//!   `nfd.rs`, `conam.rs` and `usuarios.rs`, over the same use cases as the CLI and the API.
//! - The Central e-CAC's screens (`GET /`, `/empresas`, `/guias`, `/localizar`, `/importar`,
//!   `/sincronizacao`, and their forms): [`ecac`].
//!
//! Session: the `guiche_sessao` cookie (`HttpOnly`, `SameSite=Strict`, `Path=/`, `Secure` when
//! the request came over TLS — `X-Forwarded-Proto: https` — or `GUICHE_WEB_COOKIE_SEGURO=1`)
//! holds a 256-bit secret; the ledger keeps its SHA-256 (`guiche_aplicacao::usuarios`). Every
//! POST carries the session's CSRF token in a hidden field (403 otherwise). A page without a
//! session redirects to `/entrar`. Every answer has the security headers of [`cabecalhos`].
//!
//! A handler that checks things first returns `Result<Response, Response>`: the `Err` is the
//! page that ends the request early (the login redirect, 403, 404, a failure page), so each
//! check (`exigir_post`, `permitir`, `conferir_csrf`, a path segment) reads as one `?`.

mod conam;
pub(crate) mod ecac;
mod nfd;
mod paginas;
mod usuarios;

use crate::http::Estado;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use guiche_aplicacao::usuarios::{ErroUsuarios, Sessao};
use serde::Deserialize;

/// The session cookie.
pub(crate) const COOKIE_SESSAO: &str = "guiche_sessao";
/// The cookie of the login form's token (before a session exists).
pub(crate) const COOKIE_ENTRADA: &str = "guiche_entrada";

/// The pages' stylesheet, embedded.
const CSS: &str = include_str!("guiche.css");

/// The routes of the web pages, over `estado`.
pub(crate) fn rotas(estado: Estado) -> Router<Estado> {
    Router::new()
        .route("/entrar", get(formulario_entrada).post(entrar))
        .route("/sair", axum::routing::post(sair))
        // The NFD and CONAM desks and the users' admin (issue 14, items 2 and 5).
        .merge(nfd::rotas())
        .merge(conam::rotas(estado.limite_corpo))
        .merge(usuarios::rotas())
        // The Central e-CAC's screens (`ecac.rs`).
        .merge(ecac::rotas(&estado))
        .route("/estatico/guiche.css", get(css))
        // No icon: an empty answer instead of a 404 in every browser's console.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .layer(from_fn(cabecalhos))
        .with_state(estado)
}

/// The screens of the navigation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tela {
    /// `/`.
    Inicio,
    /// `/empresas`: Configurar empresas.
    Empresas,
    /// `/guias`: Gerenciar guias.
    Guias,
    /// `/localizar`: Localizar guia.
    Localizar,
    /// `/importar`: Importar pelo certificado A3.
    Importar,
    /// `/nfd`: the NFD desk.
    Nfd,
    /// `/conam`: the CONAM desk.
    Conam,
    /// `/usuarios`: the users (admin only).
    Usuarios,
}

impl Tela {
    /// Every screen of the navigation, in its order.
    pub(crate) const TODAS: [Tela; 5] = [
        Tela::Inicio,
        Tela::Empresas,
        Tela::Guias,
        Tela::Localizar,
        Tela::Importar,
    ];

    /// The desks' screens, in their order: a second navigation, after the Central e-CAC's
    /// (`Usuarios` only for an admin).
    pub(crate) const BALCOES: [Tela; 3] = [Tela::Nfd, Tela::Conam, Tela::Usuarios];

    /// Its path.
    pub(crate) fn caminho(self) -> &'static str {
        match self {
            Tela::Inicio => "/",
            Tela::Empresas => "/empresas",
            Tela::Guias => "/guias",
            Tela::Localizar => "/localizar",
            Tela::Importar => "/importar",
            Tela::Nfd => "/nfd",
            Tela::Conam => "/conam",
            Tela::Usuarios => "/usuarios",
        }
    }

    /// Its name, in the seed's words.
    pub(crate) fn nome(self) -> &'static str {
        match self {
            Tela::Inicio => "Central e-CAC",
            Tela::Empresas => "Configurar empresas",
            Tela::Guias => "Gerenciar guias",
            Tela::Localizar => "Localizar guia",
            Tela::Importar => "Importar pelo certificado A3",
            Tela::Nfd => "Balcão NFD",
            Tela::Conam => "Balcão CONAM",
            Tela::Usuarios => "Usuários",
        }
    }
}

/// The security headers of every web answer: nothing from another origin, never in a frame,
/// no referrer, no sniffing, pages never cached.
async fn cabecalhos(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; \
             object-src 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    r
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

/// The value of cookie `nome` in the request.
fn cookie<'a>(headers: &'a HeaderMap, nome: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|par| par.trim().split_once('='))
        .find(|(n, _)| *n == nome)
        .map(|(_, v)| v.trim())
}

/// Whether cookies must be `Secure`: the request came over TLS (a proxy says so) or the server
/// is told to.
fn seguro(estado: &Estado, headers: &HeaderMap) -> bool {
    estado.cookie_seguro
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: `HttpOnly; SameSite=Strict; Path=/` (and `Secure`); `valor` empty
/// deletes it.
fn definir_cookie(nome: &str, valor: &str, seguro: bool) -> HeaderValue {
    let fim = if valor.is_empty() { "; Max-Age=0" } else { "" };
    let s = if seguro { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{nome}={valor}; HttpOnly; SameSite=Strict; Path=/{s}{fim}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Equal secrets, compared in a time that does not depend on where they differ.
fn iguais(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A redirect (303: the next request is a GET).
fn ir_para(caminho: &'static str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, caminho)]).into_response()
}

/// A page of HTML with its status.
fn html(status: StatusCode, corpo: maud::Markup) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        corpo.into_string(),
    )
        .into_response()
}

/// A failure of the server itself, as a page (the details go to the log).
fn falha(o_que: &str, e: &dyn std::fmt::Display) -> Response {
    tracing::error!(erro = %e, "{o_que}");
    html(
        StatusCode::INTERNAL_SERVER_ERROR,
        paginas::aviso(
            None,
            "Falha no servidor",
            "Não foi possível concluir o pedido. Tente de novo; se persistir, avise quem \
             administra o guichê (o registro do servidor traz o motivo).",
        ),
    )
}

/// The session of the request's cookie: its secret and who it is; `None` without a live one.
async fn sessao(
    estado: &Estado,
    headers: &HeaderMap,
) -> Result<Option<(String, Sessao)>, Response> {
    let Some(segredo) = cookie(headers, COOKIE_SESSAO).map(str::to_owned) else {
        return Ok(None);
    };
    let usuarios = estado.usuarios.clone();
    let s = segredo.clone();
    match tokio::task::spawn_blocking(move || usuarios.sessao(&s)).await {
        Ok(Ok(Some(sessao))) => Ok(Some((segredo, sessao))),
        Ok(Ok(None)) => Ok(None),
        Ok(Err(e)) => Err(falha("a sessão não pôde ser lida do livro", &e)),
        Err(e) => Err(falha("a leitura da sessão parou", &e)),
    }
}

/// The request's session, as an extractor: a handler that takes it runs only with one; without,
/// the browser is sent to the login form ([`exigir_sessao`]).
pub(crate) struct ComSessao(pub(crate) Sessao);

impl axum::extract::FromRequestParts<Estado> for ComSessao {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        estado: &Estado,
    ) -> Result<Self, Response> {
        exigir_sessao(estado, &parts.headers).await.map(ComSessao)
    }
}

/// The session, or the answer that sends the browser to the login form.
async fn exigir_sessao(estado: &Estado, headers: &HeaderMap) -> Result<Sessao, Response> {
    match sessao(estado, headers).await? {
        Some((_, s)) => Ok(s),
        None => Err(ir_para("/entrar")),
    }
}

// ── What the desks' screens share (NFD, CONAM, users) ───────────────────────────────────

/// The session of a screen that needs `permissao`: to the login form without one, a 403 page
/// when the role does not allow it (checked on the server for every request, link or not).
pub(crate) async fn exigir_permissao(
    estado: &Estado,
    headers: &HeaderMap,
    permissao: guiche_aplicacao::acesso::Permissao,
    tela: Tela,
) -> Result<Sessao, Response> {
    let s = exigir_sessao(estado, headers).await?;
    permitir(s, permissao, tela)
}

/// The session of a urlencoded form: to the login form without one; its CSRF token must be the
/// session's (403), then the role must allow `permissao` (403 page).
pub(crate) async fn exigir_post(
    estado: &Estado,
    headers: &HeaderMap,
    csrf: &str,
    permissao: guiche_aplicacao::acesso::Permissao,
    tela: Tela,
) -> Result<Sessao, Response> {
    let s = exigir_sessao(estado, headers).await?;
    conferir_csrf(&s, csrf)?;
    permitir(s, permissao, tela)
}

/// `s` if its role allows `permissao`; a 403 page (and a warning in the log) otherwise.
#[allow(clippy::result_large_err)] // a page, returned as is
pub(crate) fn permitir(
    s: Sessao,
    permissao: guiche_aplicacao::acesso::Permissao,
    tela: Tela,
) -> Result<Sessao, Response> {
    if guiche_aplicacao::acesso::permite(s.papel, permissao) {
        return Ok(s);
    }
    tracing::warn!(login = %s.login, papel = s.papel.nome(), tela = tela.caminho(), "acesso negado");
    Err(html(
        StatusCode::FORBIDDEN,
        paginas::aviso(
            Some((&s, tela)),
            "Acesso negado",
            &format!(
                "O seu papel ({}) não permite esta ação. Peça a quem administra o guichê.",
                s.papel.nome()
            ),
        ),
    ))
}

/// A POST of a session's form: its CSRF token must be the session's (403 otherwise).
#[allow(clippy::result_large_err)] // a page, returned as is
pub(crate) fn conferir_csrf(s: &Sessao, csrf: &str) -> Result<(), Response> {
    if iguais(&s.csrf, csrf) {
        Ok(())
    } else {
        Err(proibido())
    }
}

/// A form sent as `multipart/form-data` (the ones with a file), read whole: its text fields
/// and its files' bytes, by name.
#[derive(Default)]
pub(crate) struct Formulario {
    campos: Vec<(String, Vec<u8>)>,
    nomes_de_arquivo: Vec<(String, String)>,
}

impl Formulario {
    /// Reads every part of `m`; a malformed body is a 400 page.
    pub(crate) async fn ler(mut m: axum::extract::Multipart) -> Result<Formulario, Response> {
        let mut f = Formulario::default();
        loop {
            match m.next_field().await {
                Ok(Some(campo)) => {
                    let nome = campo.name().unwrap_or_default().to_owned();
                    if let Some(arquivo) = campo.file_name() {
                        f.nomes_de_arquivo.push((nome.clone(), arquivo.to_owned()));
                    }
                    match campo.bytes().await {
                        Ok(b) => f.campos.push((nome, b.to_vec())),
                        Err(e) => return Err(formulario_ilegivel(&e)),
                    }
                }
                Ok(None) => return Ok(f),
                Err(e) => return Err(formulario_ilegivel(&e)),
            }
        }
    }

    /// The bytes of field `nome` (a file's content), if sent.
    pub(crate) fn bytes(&self, nome: &str) -> Option<&[u8]> {
        self.campos
            .iter()
            .find(|(n, _)| n == nome)
            .map(|(_, v)| v.as_slice())
    }

    /// The text of field `nome` (empty when absent; invalid UTF-8 replaced).
    pub(crate) fn texto(&self, nome: &str) -> String {
        self.bytes(nome)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }

    /// The name the browser gave file field `nome`.
    pub(crate) fn nome_do_arquivo(&self, nome: &str) -> Option<&str> {
        self.nomes_de_arquivo
            .iter()
            .find(|(n, _)| n == nome)
            .map(|(_, v)| v.as_str())
    }
}

fn formulario_ilegivel(e: &dyn std::fmt::Display) -> Response {
    tracing::warn!(erro = %e, "formulário ilegível");
    html(
        StatusCode::BAD_REQUEST,
        paginas::aviso(
            None,
            "Formulário ilegível",
            "O formulário não chegou inteiro (ou passou do tamanho máximo aceito). Volte e \
             envie de novo.",
        ),
    )
}

/// A redirect (303) to a path built at run time.
pub(crate) fn ir_para_caminho(caminho: &str) -> Response {
    match HeaderValue::from_str(caminho) {
        Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
        Err(_) => ir_para("/"),
    }
}

/// A new random token (hex) for the login form, or `None` if the system's generator failed.
fn ficha() -> Option<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).ok()?;
    Some(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// The login form with `erro` (if any), and the cookie of its token.
fn pagina_entrada(
    estado: &Estado,
    headers: &HeaderMap,
    status: StatusCode,
    login: &str,
    erro: Option<&str>,
) -> Response {
    let Some(ficha) = ficha() else {
        return falha(
            "gerar o token do formulário de entrada",
            &"getrandom falhou",
        );
    };
    let mut r = html(status, paginas::entrar(&ficha, login, erro));
    r.headers_mut().append(
        header::SET_COOKIE,
        definir_cookie(COOKIE_ENTRADA, &ficha, seguro(estado, headers)),
    );
    r
}

/// `GET /entrar`.
async fn formulario_entrada(State(estado): State<Estado>, headers: HeaderMap) -> Response {
    match sessao(&estado, &headers).await {
        Ok(Some(_)) => ir_para("/"),
        Ok(None) => pagina_entrada(&estado, &headers, StatusCode::OK, "", None),
        Err(r) => r,
    }
}

/// The fields of the login form.
#[derive(Deserialize)]
struct FormEntrada {
    #[serde(default)]
    login: String,
    #[serde(default)]
    senha: String,
    #[serde(default)]
    csrf: String,
}

/// 403: a form without its token, or with another.
fn proibido() -> Response {
    html(
        StatusCode::FORBIDDEN,
        paginas::aviso(
            None,
            "Formulário recusado",
            "O formulário não trazia o código de segurança desta sessão (ele vence com a \
             sessão ou veio de outra página). Volte, recarregue a página e envie de novo.",
        ),
    )
}

/// `POST /entrar`.
async fn entrar(State(estado): State<Estado>, headers: HeaderMap, corpo: Bytes) -> Response {
    let Ok(form) = serde_urlencoded::from_bytes::<FormEntrada>(&corpo) else {
        return proibido();
    };
    let esperado = cookie(&headers, COOKIE_ENTRADA).unwrap_or_default();
    if esperado.is_empty() || !iguais(esperado, &form.csrf) {
        return proibido();
    }
    let usuarios = estado.usuarios.clone();
    let (login, senha) = (form.login.clone(), form.senha);
    let r = tokio::task::spawn_blocking(move || usuarios.entrar(&login, &senha)).await;
    let aberta = match r {
        Ok(Ok(a)) => a,
        Ok(Err(e @ ErroUsuarios::Credenciais)) => {
            // Not the login typed: it may be a password typed in the wrong field.
            tracing::warn!("entrada recusada: login ou senha incorretos");
            return pagina_entrada(
                &estado,
                &headers,
                StatusCode::UNAUTHORIZED,
                &form.login,
                Some(&format!("{}.", capitalizar(&e.to_string()))),
            );
        }
        Ok(Err(e @ ErroUsuarios::Bloqueado { .. })) => {
            tracing::warn!("entrada recusada: login bloqueado");
            return pagina_entrada(
                &estado,
                &headers,
                StatusCode::TOO_MANY_REQUESTS,
                &form.login,
                Some(&format!("{}.", capitalizar(&e.to_string()))),
            );
        }
        Ok(Err(e)) => return falha("a entrada falhou", &e),
        Err(e) => return falha("a entrada parou", &e),
    };
    tracing::info!(login = %aberta.sessao.login, "sessão aberta");
    let s = seguro(&estado, &headers);
    let mut r = ir_para("/");
    let h = r.headers_mut();
    h.append(
        header::SET_COOKIE,
        definir_cookie(COOKIE_SESSAO, &aberta.segredo, s),
    );
    h.append(header::SET_COOKIE, definir_cookie(COOKIE_ENTRADA, "", s));
    r
}

fn capitalizar(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|p| p.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The CSRF field of a session's form.
#[derive(Deserialize)]
struct FormCsrf {
    #[serde(default)]
    csrf: String,
}

/// `POST /sair`.
async fn sair(State(estado): State<Estado>, headers: HeaderMap, corpo: Bytes) -> Response {
    let (segredo, s) = match sessao(&estado, &headers).await {
        Ok(Some(x)) => x,
        Ok(None) => return ir_para("/entrar"),
        Err(r) => return r,
    };
    let csrf = serde_urlencoded::from_bytes::<FormCsrf>(&corpo)
        .map(|f| f.csrf)
        .unwrap_or_default();
    if !iguais(&s.csrf, &csrf) {
        return proibido();
    }
    let usuarios = estado.usuarios.clone();
    match tokio::task::spawn_blocking(move || usuarios.sair(&segredo)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return falha("a sessão não pôde ser encerrada", &e),
        Err(e) => return falha("o encerramento da sessão parou", &e),
    }
    tracing::info!(login = %s.login, "sessão encerrada");
    let mut r = ir_para("/entrar");
    r.headers_mut().append(
        header::SET_COOKIE,
        definir_cookie(COOKIE_SESSAO, "", seguro(&estado, &headers)),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; guiche_sessao=abc ;b=2"),
        );
        assert_eq!(cookie(&h, COOKIE_SESSAO), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn a_cookie_is_http_only_strict_and_secure_when_asked() {
        let c = definir_cookie(COOKIE_SESSAO, "x", true);
        assert_eq!(
            c.to_str().unwrap_or_default(),
            "guiche_sessao=x; HttpOnly; SameSite=Strict; Path=/; Secure"
        );
        let apagar = definir_cookie(COOKIE_SESSAO, "", false);
        assert!(apagar.to_str().unwrap_or_default().ends_with("Max-Age=0"));
    }

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(iguais("abc", "abc"));
        assert!(!iguais("abc", "abd"));
        assert!(!iguais("abc", "ab"));
        assert!(!iguais("", "a"));
    }
}
