//! `guiche serve` through the binary, over real HTTP: health and the OpenAPI document without a
//! token, 401/403/201 on tokens, problem+json for every error, the request id, no token in the
//! logs, and a graceful shutdown that lets a request in flight finish.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads
#![cfg(unix)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

struct Servidor {
    filho: Child,
    endereco: String,
    dir: PathBuf,
}

impl Drop for Servidor {
    fn drop(&mut self) {
        let _ = self.filho.kill();
        let _ = self.filho.wait();
    }
}

fn pasta(nome: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "api-{nome}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `guiche ARGS` on the ledger of `dir`: exit code and stdout.
fn guiche(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_guiche"))
        .args(args)
        .env("GUICHE_DB", dir.join("livro.db"))
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout).unwrap(),
    )
}

/// A new token's secret: the last line `token create` prints.
fn token(dir: &std::path::Path, nome: &str, papel: &str) -> String {
    let (codigo, saida) = guiche(dir, &["token", "create", "--nome", nome, "--papel", papel]);
    assert_eq!(codigo, 0, "{saida}");
    let segredo = saida.lines().last().unwrap().to_owned();
    assert!(
        segredo.starts_with("gch_") && segredo.len() == 68,
        "{saida}"
    );
    segredo
}

impl Servidor {
    fn iniciar(dir: &std::path::Path, env: &[(&str, &str)]) -> Servidor {
        let mut filho = Command::new(env!("CARGO_BIN_EXE_guiche"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("GUICHE_DB", dir.join("livro.db"))
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("stderr.log")).unwrap())
            .spawn()
            .unwrap();
        let mut linha = String::new();
        BufReader::new(filho.stdout.take().unwrap())
            .read_line(&mut linha)
            .unwrap();
        let endereco = linha
            .trim()
            .strip_prefix("guiche servindo em http://")
            .unwrap_or_else(|| panic!("primeira linha: {linha:?}"))
            .to_owned();
        Servidor {
            filho,
            endereco,
            dir: dir.to_path_buf(),
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap()
    }

    /// Stops it with SIGTERM; its exit code.
    fn terminar(&mut self) -> i32 {
        sigterm(&self.filho);
        self.filho.wait().unwrap().code().unwrap()
    }
}

fn sigterm(filho: &Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &filho.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

struct Resposta {
    status: u16,
    cabecalhos: Vec<(String, String)>,
    corpo: String,
}

impl Resposta {
    fn cabecalho(&self, nome: &str) -> Option<&str> {
        self.cabecalhos
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(nome))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.corpo).unwrap_or_else(|e| panic!("{e}: {}", self.corpo))
    }

    /// Asserts a problem+json of this status and returns it.
    fn problema(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.corpo);
        assert_eq!(
            self.cabecalho("content-type"),
            Some("application/problem+json")
        );
        let p = self.json();
        assert_eq!(p["status"], status);
        for campo in ["type", "title", "detail", "instance"] {
            assert!(p[campo].is_string(), "{campo}: {p}");
        }
        p
    }
}

fn ler_resposta(mut s: TcpStream) -> Resposta {
    let mut bruto = Vec::new();
    s.read_to_end(&mut bruto).unwrap();
    let texto = String::from_utf8(bruto).unwrap();
    let (cabeca, corpo) = texto.split_once("\r\n\r\n").unwrap();
    let mut linhas = cabeca.lines();
    let status = linhas
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let cabecalhos = linhas
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    Resposta {
        status,
        cabecalhos,
        corpo: corpo.to_owned(),
    }
}

fn pedir(
    srv: &Servidor,
    metodo: &str,
    caminho: &str,
    cabecalhos: &[(&str, &str)],
    corpo: Option<&str>,
) -> Resposta {
    let mut s = TcpStream::connect(&srv.endereco).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut pedido = format!(
        "{metodo} {caminho} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        srv.endereco
    );
    for (n, v) in cabecalhos {
        pedido.push_str(&format!("{n}: {v}\r\n"));
    }
    let corpo = corpo.unwrap_or("");
    if !corpo.is_empty() || metodo == "POST" {
        pedido.push_str(&format!("Content-Length: {}\r\n", corpo.len()));
    }
    pedido.push_str("\r\n");
    pedido.push_str(corpo);
    s.write_all(pedido.as_bytes()).unwrap();
    ler_resposta(s)
}

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

#[test]
fn health_document_and_problems_need_no_token() {
    let dir = pasta("doc");
    let srv = Servidor::iniciar(&dir, &[]);
    let r = pedir(&srv, "GET", "/api/v1/saude", &[], None);
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert_eq!(r.json()["estado"], "ok");

    let r = pedir(&srv, "GET", "/api/v1/openapi.json", &[], None);
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for caminho in ["/api/v1/saude", "/api/v1/tokens", "/api/v1/tokens/{id}"] {
        assert!(doc["paths"][caminho].is_object(), "{caminho}");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let listar = &doc["paths"]["/api/v1/tokens"]["get"];
    assert_eq!(listar["security"], json!([{ "bearer": [] }]));
    assert!(listar["responses"]["401"]["content"]["application/problem+json"].is_object());
    assert!(listar["responses"]["default"].is_object());
    assert!(
        doc["paths"]["/api/v1/saude"]["get"]["security"] == json!([])
            || doc["paths"]["/api/v1/saude"]["get"]["security"].is_null()
    );
    assert!(doc["components"]["schemas"]["Problema"].is_object());

    let p = pedir(&srv, "GET", "/api/v1/nada", &[], None).problema(404);
    assert_eq!(p["instance"], "/api/v1/nada");
    pedir(&srv, "DELETE", "/api/v1/saude", &[], None).problema(405);

    // The request id: the client's is echoed, or one is made.
    let r = pedir(
        &srv,
        "GET",
        "/api/v1/saude",
        &[("X-Request-Id", "pedido-42")],
        None,
    );
    assert_eq!(r.cabecalho("x-request-id"), Some("pedido-42"));
    let r = pedir(
        &srv,
        "GET",
        "/api/v1/saude",
        &[("X-Request-Id", "não serve")],
        None,
    );
    let gerado = r.cabecalho("x-request-id").unwrap();
    assert_eq!(gerado.len(), 24, "{gerado}");
    assert!(srv.log().contains(gerado), "the log names the request id");
}

#[test]
fn tokens_and_roles() {
    let dir = pasta("papeis");
    let admin = token(&dir, "ana", "admin");
    let leitura = token(&dir, "painel", "leitura");
    let (codigo, _) = guiche(
        &dir,
        &["token", "create", "--nome", "x", "--papel", "chefe"],
    );
    assert_eq!(codigo, 2, "a role that does not exist is a usage error");
    let srv = Servidor::iniciar(&dir, &[]);
    let json_ = ("Content-Type", "application/json");

    // 401: no token, a malformed header, a token that does not exist.
    pedir(&srv, "GET", "/api/v1/tokens", &[], None).problema(401);
    let r = pedir(
        &srv,
        "GET",
        "/api/v1/tokens",
        &[("Authorization", &admin)],
        None,
    );
    r.problema(401);
    let falso = format!("gch_{}", "0".repeat(64));
    let r = pedir(
        &srv,
        "GET",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&falso))],
        None,
    );
    r.problema(401);
    assert_eq!(
        r.cabecalho("www-authenticate"),
        Some("Bearer realm=\"guiche\"")
    );

    // 403: leitura may not manage tokens.
    let p = pedir(
        &srv,
        "GET",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&leitura))],
        None,
    )
    .problema(403);
    assert!(p["detail"].as_str().unwrap().contains("leitura"), "{p}");

    // The admin lists (never a secret) and creates.
    let r = pedir(
        &srv,
        "GET",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&admin))],
        None,
    );
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert_eq!(r.json().as_array().unwrap().len(), 2);
    assert!(!r.corpo.contains("gch_") && !r.corpo.contains("segredo"));
    let corpo = json!({ "nome": "erp", "papel": "operador" }).to_string();
    let r = pedir(
        &srv,
        "POST",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&admin)), json_],
        Some(&corpo),
    );
    assert_eq!(r.status, 201, "{}", r.corpo);
    assert!(r.cabecalho("idempotency-replayed").is_none());
    let novo = r.json();
    assert_eq!(novo["papel"], "operador");
    let segredo = novo["segredo"].as_str().unwrap().to_owned();
    let id = novo["id"].as_i64().unwrap();
    pedir(
        &srv,
        "GET",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&segredo))],
        None,
    )
    .problema(403);

    // Bad input: a problem, never a 5xx.
    let ruim = json!({ "nome": "x", "papel": "chefe" }).to_string();
    let p = pedir(
        &srv,
        "POST",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&admin)), json_],
        Some(&ruim),
    )
    .problema(400);
    assert!(p["detail"].as_str().unwrap().contains("chefe"), "{p}");
    pedir(
        &srv,
        "POST",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&admin)), json_],
        Some("{\"nome\":"),
    )
    .problema(400);
    pedir(
        &srv,
        "POST",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&admin)), json_],
        Some("{\"nome\":\"x\"}"),
    )
    .problema(400);
    pedir(
        &srv,
        "POST",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&admin))],
        Some(&corpo),
    )
    .problema(415);
    pedir(
        &srv,
        "DELETE",
        "/api/v1/tokens/abc",
        &[("Authorization", &bearer(&admin))],
        None,
    )
    .problema(400);
    pedir(
        &srv,
        "DELETE",
        "/api/v1/tokens/999",
        &[("Authorization", &bearer(&admin))],
        None,
    )
    .problema(404);

    // Revoked: 401 from then on; the CLI sees it.
    let r = pedir(
        &srv,
        "DELETE",
        &format!("/api/v1/tokens/{id}"),
        &[("Authorization", &bearer(&admin))],
        None,
    );
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert!(r.json()["revogadoEm"].is_string());
    pedir(
        &srv,
        "GET",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&segredo))],
        None,
    )
    .problema(401);
    let (codigo, saida) = guiche(&dir, &["token", "list", "--json"]);
    assert_eq!(codigo, 0);
    let lista: Value = serde_json::from_str(&saida).unwrap();
    assert!(lista[2]["revogadoEm"].is_string(), "{lista}");
    let (codigo, saida) = guiche(&dir, &["token", "revoke", "1"]);
    assert_eq!(codigo, 0, "{saida}");
    assert!(saida.contains("revogado em"), "{saida}");
}

#[test]
fn no_token_in_the_logs_json_lines_with_the_request_id() {
    let dir = pasta("log");
    let admin = token(&dir, "ana", "admin");
    let mut srv = Servidor::iniciar(
        &dir,
        &[("GUICHE_LOG_FORMATO", "json"), ("GUICHE_LOG", "debug")],
    );
    let corpo = json!({ "nome": "erp", "papel": "leitura" }).to_string();
    let r = pedir(
        &srv,
        "POST",
        "/api/v1/tokens",
        &[
            ("Authorization", &bearer(&admin)),
            ("Content-Type", "application/json"),
            ("X-Request-Id", "log-1"),
        ],
        Some(&corpo),
    );
    assert_eq!(r.status, 201);
    let novo = r.json()["segredo"].as_str().unwrap().to_owned();
    pedir(
        &srv,
        "GET",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&novo))],
        None,
    )
    .problema(403);
    assert_eq!(srv.terminar(), 0);
    let log = srv.log();
    for segredo in [&admin, &novo] {
        assert!(!log.contains(segredo.as_str()), "token in the log:\n{log}");
    }
    assert!(!log.contains("gch_"), "{log}");
    let mut atendidos = 0;
    for linha in log.lines() {
        let v: Value = serde_json::from_str(linha).unwrap_or_else(|e| panic!("{e}: {linha}"));
        if v["fields"]["message"] == "pedido atendido" {
            atendidos += 1;
            assert!(v["span"]["id"].is_string(), "{linha}");
            assert!(v["fields"]["status"].is_u64() && v["fields"]["latencia_ms"].is_number());
            assert!(v["fields"]["rota"] == "/api/v1/tokens", "{linha}");
        }
    }
    assert_eq!(atendidos, 2, "{log}");
    assert!(log.contains("\"id\":\"log-1\""), "{log}");
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_0() {
    let dir = pasta("parada");
    let admin = token(&dir, "ana", "admin");
    let mut srv = Servidor::iniciar(&dir, &[]);
    let corpo = json!({ "nome": "lento", "papel": "leitura" }).to_string();
    let (inicio, fim) = corpo.split_at(10);
    let mut s = TcpStream::connect(&srv.endereco).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{inicio}",
        corpo.len()
    )
    .unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    sigterm(&srv.filho);
    std::thread::sleep(Duration::from_millis(500));
    // Still running: the request in flight holds it.
    assert!(
        srv.filho.try_wait().unwrap().is_none(),
        "exited before the request ended"
    );
    assert!(
        TcpStream::connect(&srv.endereco).is_err(),
        "no new connection after SIGTERM"
    );
    s.write_all(fim.as_bytes()).unwrap();
    let r = ler_resposta(s);
    assert_eq!(r.status, 201, "{}", r.corpo);
    assert_eq!(r.json()["nome"], "lento");
    assert_eq!(srv.filho.wait().unwrap().code(), Some(0));
    let (_, lista) = guiche(&dir, &["token", "list"]);
    assert!(lista.contains("lento"), "recorded: {lista}");
}

#[test]
fn bad_settings_stop_serve_and_the_body_limit_is_a_problem() {
    let dir = pasta("config");
    for (nome, valor) in [
        ("GUICHE_ECAC_SYNC_HORA", "25:00"),
        ("GUICHE_API_LIMITE_CORPO", "muito"),
        ("GUICHE_LOG_FORMATO", "xml"),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_guiche"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("GUICHE_DB", dir.join("livro.db"))
            .env(nome, valor)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{nome}");
        let erro = String::from_utf8_lossy(&o.stderr);
        assert!(erro.contains(nome) && erro.contains(valor), "{erro}");
    }

    let admin = token(&dir, "ana", "admin");
    let srv = Servidor::iniciar(
        &dir,
        &[
            ("GUICHE_API_LIMITE_CORPO", "1024"),
            ("GUICHE_ECAC_SYNC_HORA", "06:30"),
        ],
    );
    let grande = json!({ "nome": "x".repeat(2000), "papel": "leitura" }).to_string();
    let p = pedir(
        &srv,
        "POST",
        "/api/v1/tokens",
        &[
            ("Authorization", &bearer(&admin)),
            ("Content-Type", "application/json"),
        ],
        Some(&grande),
    )
    .problema(413);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("GUICHE_API_LIMITE_CORPO"),
        "{p}"
    );
}
