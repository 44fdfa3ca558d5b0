//! The web pages of `guiche serve` through the binary over HTTP: users made with
//! `guiche usuario`, login (right, wrong, locked — the lock shared by two servers on one
//! ledger), the login form's token and the session's CSRF token (403 without), the cookie's
//! flags, the security headers, logout; one flow on PostgreSQL.

use crate::comum::servidor::{Resposta, Servidor, guiche, guiche_com, pasta};
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

pub(crate) const SENHA: &str = "cavalo-correto-bateria";

/// `guiche usuario add LOGIN --papel P` with the password on stdin (one line).
pub(crate) fn usuario_stdin(
    dir: &Path,
    env: &[(&str, &str)],
    login: &str,
    papel: &str,
    senha: &str,
) -> (i32, String) {
    let mut filho = Command::new(env!("CARGO_BIN_EXE_guiche"))
        .args(["usuario", "add", login, "--papel", papel])
        .env("GUICHE_DB", dir.join("livro.db"))
        .envs(env.iter().copied())
        .env_remove("GUICHE_USUARIO_SENHA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(filho.stdin.take().unwrap(), "{senha}").unwrap();
    let o = filho.wait_with_output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

/// Every `Set-Cookie` of an answer.
pub(crate) fn cookies(r: &Resposta) -> Vec<&str> {
    r.cabecalhos
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The value `Set-Cookie` gives `nome`, with its attributes.
pub(crate) fn cookie<'a>(r: &'a Resposta, nome: &str) -> Option<&'a str> {
    cookies(r)
        .into_iter()
        .find(|c| c.starts_with(&format!("{nome}=")))
}

/// `nome=valor` of a `Set-Cookie`.
pub(crate) fn par(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}

/// The value of the hidden `csrf` field of a page.
pub(crate) fn campo_csrf(html: &str) -> String {
    let i = html
        .find(r#"name="csrf" value=""#)
        .unwrap_or_else(|| panic!("sem csrf: {html}"));
    let resto = &html[i + r#"name="csrf" value=""#.len()..];
    resto[..resto.find('"').unwrap()].to_owned()
}

pub(crate) fn form(pares: &[(&str, &str)]) -> Vec<u8> {
    pares
        .iter()
        .map(|(k, v)| {
            let v: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// `POST caminho` with a form body and the cookies `cookie`.
fn postar(
    srv: &Servidor,
    caminho: &str,
    cookie: &str,
    campos: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> Resposta {
    let mut cab = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if !cookie.is_empty() {
        cab.push(("Cookie", cookie));
    }
    cab.extend_from_slice(extra);
    srv.pedir("POST", caminho, &cab, Some(&form(campos)))
}

/// `GET caminho` with the cookies `cookie`.
fn pagina(srv: &Servidor, caminho: &str, cookie: &str) -> Resposta {
    srv.pedir("GET", caminho, &[("Cookie", cookie)], None)
}

/// Opens the login form and posts it: the answer.
pub(crate) fn entrar(srv: &Servidor, login: &str, senha: &str, extra: &[(&str, &str)]) -> Resposta {
    let f = srv.pedir("GET", "/entrar", extra, None);
    assert_eq!(f.status, 200, "{}", f.corpo);
    let entrada = par(cookie(&f, "guiche_entrada").unwrap()).to_owned();
    let ficha = campo_csrf(&f.corpo);
    postar(
        srv,
        "/entrar",
        &entrada,
        &[("login", login), ("senha", senha), ("csrf", &ficha)],
        extra,
    )
}

/// Logs in and returns the session's `guiche_sessao=…`.
fn sessao(srv: &Servidor, login: &str) -> String {
    let r = entrar(srv, login, SENHA, &[]);
    assert_eq!(r.status, 303, "{}", r.corpo);
    assert_eq!(r.cabecalho("location"), Some("/"));
    par(cookie(&r, "guiche_sessao").unwrap()).to_owned()
}

fn ledger_com_ana(nome: &str) -> std::path::PathBuf {
    let dir = pasta(nome);
    let (c, s) = usuario_stdin(&dir, &[], "ana", "admin", SENHA);
    assert_eq!(c, 0, "{s}");
    dir
}

#[test]
fn login_shows_the_companies_and_logout_ends_the_session() {
    let dir = ledger_com_ana("web-entrar");
    let (c, s) = guiche(
        &dir,
        &[
            "ecac",
            "company",
            "add",
            "11444777000161",
            "--acesso",
            "a1",
            "--ecac-desde",
            "2026-01-01",
            "--nome",
            "Padaria <Pão> & Ló",
            "--procurador",
        ],
    );
    assert_eq!(c, 0, "{s}");
    let srv = Servidor::iniciar(&dir, &[]);

    // Not logged in: to the login form, with the security headers.
    let r = pagina(&srv, "/", "");
    assert_eq!((r.status, r.cabecalho("location")), (303, Some("/entrar")));
    let f = srv.get("/entrar", None);
    assert!(
        f.corpo.contains(r#"<label for="login">Login</label>"#),
        "{}",
        f.corpo
    );
    assert!(f.corpo.contains(r#"<label for="senha">Senha</label>"#));
    assert!(f.corpo.contains(r#"<html lang="pt-BR">"#));
    let csp = f.cabecalho("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(f.cabecalho("x-frame-options"), Some("DENY"));
    assert_eq!(f.cabecalho("referrer-policy"), Some("no-referrer"));

    // Logged in: the cookie's flags, and the home with the company (escaped) and the nav.
    let r = entrar(&srv, "ana", SENHA, &[]);
    assert_eq!(
        (r.status, r.cabecalho("location")),
        (303, Some("/")),
        "{}",
        r.corpo
    );
    let c = cookie(&r, "guiche_sessao").unwrap();
    let valor = par(c).strip_prefix("guiche_sessao=").unwrap();
    assert_eq!(valor.len(), 64, "256 bits in hex: {c}");
    assert!(
        c.contains("; HttpOnly") && c.contains("; SameSite=Strict") && c.contains("; Path=/"),
        "{c}"
    );
    assert!(
        !c.contains("Secure"),
        "plain HTTP without GUICHE_WEB_COOKIE_SEGURO: {c}"
    );
    let sessao = par(c).to_owned();
    let home = pagina(&srv, "/", &sessao);
    assert_eq!(home.status, 200, "{}", home.corpo);
    for texto in [
        "Central e-CAC",
        "Configurar empresas",
        "Gerenciar guias",
        "Localizar guia",
        "Importar pelo certificado A3",
        "11.444.777/0001-61",
        "Padaria &lt;Pão&gt; &amp; Ló",
        "Certificado A1",
    ] {
        assert!(home.corpo.contains(texto), "{texto}: {}", home.corpo);
    }
    assert!(!home.corpo.contains("<Pão>"));
    assert!(
        pagina(&srv, "/empresas", &sessao)
            .corpo
            .contains("11.444.777/0001-61")
    );
    let csrf = campo_csrf(&home.corpo);
    assert_eq!(csrf.len(), 64);
    // The ledger has the session's hash, never the secret.
    let (_, lista) = guiche(&dir, &["usuario", "list"]);
    assert!(
        lista.contains("ana") && lista.contains("admin") && lista.contains("(ativo)"),
        "{lista}"
    );

    // Logout without the CSRF token, or with another: 403, and the session lives on.
    assert_eq!(postar(&srv, "/sair", &sessao, &[], &[]).status, 403);
    assert_eq!(
        postar(&srv, "/sair", &sessao, &[("csrf", &"0".repeat(64))], &[]).status,
        403
    );
    assert_eq!(pagina(&srv, "/", &sessao).status, 200);
    // With it: the cookie is cleared and the session is over, even replayed.
    let r = postar(&srv, "/sair", &sessao, &[("csrf", &csrf)], &[]);
    assert_eq!((r.status, r.cabecalho("location")), (303, Some("/entrar")));
    assert!(cookie(&r, "guiche_sessao").unwrap().contains("Max-Age=0"));
    let r = pagina(&srv, "/", &sessao);
    assert_eq!((r.status, r.cabecalho("location")), (303, Some("/entrar")));
    // Neither the password nor the session's secret nor its CSRF token in the log.
    let log = srv.log();
    assert!(log.contains("sessão aberta"), "{log}");
    for segredo in [SENHA, valor, csrf.as_str()] {
        assert!(!log.contains(segredo), "{log}");
    }
}

#[test]
fn wrong_password_and_unknown_login_get_one_answer_and_five_failures_lock_every_server() {
    let dir = ledger_com_ana("web-bloqueio");
    let srv = Servidor::iniciar(&dir, &[]);
    let errada = entrar(&srv, "ana", "senha-errada-errada", &[]);
    let ninguem = entrar(&srv, "ninguem", "senha-errada-errada", &[]);
    assert_eq!((errada.status, ninguem.status), (401, 401));
    assert!(
        errada.corpo.contains("Login ou senha incorretos."),
        "{}",
        errada.corpo
    );
    let sem_ficha = |r: &Resposta| r.corpo.replace(&campo_csrf(&r.corpo), "FICHA");
    assert_eq!(
        sem_ficha(&errada).replace("value=\"ana\"", "value=\"ninguem\""),
        sem_ficha(&ninguem),
        "the same page but for the login typed"
    );
    for _ in 0..3 {
        assert_eq!(entrar(&srv, "ana", "senha-errada-errada", &[]).status, 401);
    }
    let quinta = entrar(&srv, "ana", "senha-errada-errada", &[]);
    assert_eq!(quinta.status, 429, "{}", quinta.corpo);
    assert!(
        quinta.corpo.contains("bloqueado") && quinta.corpo.contains("15 minuto"),
        "{}",
        quinta.corpo
    );
    // Locked: the right password too, and on another server of the same ledger.
    assert_eq!(entrar(&srv, "ana", SENHA, &[]).status, 429);
    let outro = Servidor::iniciar(&dir, &[]);
    assert_eq!(entrar(&outro, "ana", SENHA, &[]).status, 429);
    let (_, lista) = guiche(&dir, &["usuario", "list"]);
    assert!(lista.contains("bloqueado até"), "{lista}");
}

#[test]
fn forms_without_their_token_are_refused() {
    let dir = ledger_com_ana("web-csrf");
    let srv = Servidor::iniciar(&dir, &[]);
    // No form token at all, or one that is not the cookie's.
    let r = postar(
        &srv,
        "/entrar",
        "",
        &[("login", "ana"), ("senha", SENHA)],
        &[],
    );
    assert_eq!(r.status, 403, "{}", r.corpo);
    assert!(r.corpo.contains("Formulário recusado"));
    let f = srv.get("/entrar", None);
    let entrada = par(cookie(&f, "guiche_entrada").unwrap()).to_owned();
    let r = postar(
        &srv,
        "/entrar",
        &entrada,
        &[("login", "ana"), ("senha", SENHA), ("csrf", "outro")],
        &[],
    );
    assert_eq!(r.status, 403);
    // The 403 did not count as a failed login.
    assert_eq!(entrar(&srv, "ana", SENHA, &[]).status, 303);
}

#[test]
fn the_cookie_is_secure_behind_tls_or_when_asked() {
    let dir = ledger_com_ana("web-seguro");
    let srv = Servidor::iniciar(&dir, &[]);
    let r = entrar(&srv, "ana", SENHA, &[("X-Forwarded-Proto", "https")]);
    assert!(
        cookie(&r, "guiche_sessao").unwrap().ends_with("; Secure"),
        "{:?}",
        cookies(&r)
    );
    drop(srv);
    let srv = Servidor::iniciar(&dir, &[("GUICHE_WEB_COOKIE_SEGURO", "1")]);
    let r = entrar(&srv, "ana", SENHA, &[]);
    assert!(
        cookie(&r, "guiche_sessao").unwrap().ends_with("; Secure"),
        "{:?}",
        cookies(&r)
    );
}

#[test]
fn users_are_managed_by_the_cli_and_a_disabled_one_is_logged_out() {
    let dir = ledger_com_ana("web-cli");
    // From the environment; a short password and a taken login are refused (exit 2).
    let (c, s) = guiche_com(
        &dir,
        &["usuario", "add", "bia", "--papel", "leitura"],
        &[("GUICHE_USUARIO_SENHA", SENHA)],
    );
    assert_eq!(c, 0, "{s}");
    let (c, s) = usuario_stdin(&dir, &[], "carla", "operador", "curta");
    assert_eq!(c, 2, "{s}");
    assert!(s.contains("12"), "{s}");
    let (c, s) = usuario_stdin(&dir, &[], "bia", "operador", SENHA);
    assert_eq!(c, 2, "{s}");
    assert!(s.contains("já existe"), "{s}");
    let (c, s) = guiche(&dir, &["--json", "usuario", "list"]);
    assert_eq!(c, 0);
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(v[1]["login"], "bia");
    assert_eq!(v[1]["papel"], "leitura");
    assert!(!s.contains("argon2"), "never the hash: {s}");

    let srv = Servidor::iniciar(&dir, &[]);
    let sessao = sessao(&srv, "bia");
    assert_eq!(pagina(&srv, "/", &sessao).status, 200);
    let (c, s) = guiche(&dir, &["usuario", "disable", "bia"]);
    assert_eq!(c, 0, "{s}");
    assert!(s.contains("desativado em"), "{s}");
    assert_eq!(pagina(&srv, "/", &sessao).status, 303, "the session ended");
    assert_eq!(entrar(&srv, "bia", SENHA, &[]).status, 401);
    assert_eq!(guiche(&dir, &["usuario", "disable", "ninguem"]).0, 2);
}

#[test]
fn login_and_logout_on_postgres() {
    let Some(url) = guiche_postgres::teste::banco_novo_ou_pular("web no PostgreSQL") else {
        return;
    };
    let dir = pasta("web-pg");
    let env = [("GUICHE_DB", url.as_str())];
    let (c, s) = usuario_stdin(&dir, &env, "ana", "admin", SENHA);
    assert_eq!(c, 0, "{s}");
    let (c, s) = guiche_com(
        &dir,
        &[
            "ecac",
            "company",
            "add",
            "11444777000161",
            "--acesso",
            "a3",
            "--ecac-desde",
            "2026-01-01",
        ],
        &env,
    );
    assert_eq!(c, 0, "{s}");
    let srv = Servidor::iniciar(&dir, &env);
    assert_eq!(entrar(&srv, "ana", "senha-errada-errada", &[]).status, 401);
    let sessao = sessao(&srv, "ana");
    let home = pagina(&srv, "/", &sessao);
    assert!(
        home.corpo.contains("11.444.777/0001-61") && home.corpo.contains("Certificado A3"),
        "{}",
        home.corpo
    );
    let csrf = campo_csrf(&home.corpo);
    // Another server on the same database sees the session, and the logout.
    let outro = Servidor::iniciar(&dir, &env);
    assert_eq!(pagina(&outro, "/", &sessao).status, 200);
    assert_eq!(
        postar(&outro, "/sair", &sessao, &[("csrf", &csrf)], &[]).status,
        303
    );
    assert_eq!(pagina(&srv, "/", &sessao).status, 303);
}
