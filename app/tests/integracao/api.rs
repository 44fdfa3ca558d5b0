//! `guiche serve` through the binary, over real HTTP: health and the OpenAPI document without a
//! token, 401/403/201 on tokens, problem+json for every error, the request id, no token in the
//! logs, and a graceful shutdown that lets a request in flight finish.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads
#![cfg(unix)]

use crate::comum;

use comum::servidor::{Servidor, bearer, guiche, ler_resposta, pasta, token};
use serde_json::{Value, json};
use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

#[test]
fn health_document_and_problems_need_no_token() {
    let dir = pasta("doc");
    let srv = Servidor::iniciar(&dir, &[]);
    let r = srv.pedir("GET", "/api/v1/saude", &[], None);
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert_eq!(r.json()["estado"], "ok");

    let r = srv.pedir("GET", "/api/v1/openapi.json", &[], None);
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
    // Every operation speaks to the API's users: a summary, and a tag the document declares.
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for (caminho, item) in doc["paths"].as_object().unwrap() {
        for (metodo, op) in item.as_object().unwrap() {
            let resumo = op["summary"].as_str().unwrap_or_default();
            assert!(!resumo.is_empty(), "{metodo} {caminho} sem summary");
            for tag in op["tags"].as_array().unwrap() {
                assert!(
                    tags.contains(&tag.as_str().unwrap()),
                    "{metodo} {caminho}: {tag}"
                );
            }
        }
    }

    let p = srv.pedir("GET", "/api/v1/nada", &[], None).problema(404);
    assert_eq!(p["instance"], "/api/v1/nada");
    srv.pedir("DELETE", "/api/v1/saude", &[], None)
        .problema(405);

    // The request id: the client's is echoed, or one is made.
    let r = srv.pedir(
        "GET",
        "/api/v1/saude",
        &[("X-Request-Id", "pedido-42")],
        None,
    );
    assert_eq!(r.cabecalho("x-request-id"), Some("pedido-42"));
    let r = srv.pedir(
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
    srv.pedir("GET", "/api/v1/tokens", &[], None).problema(401);
    let r = srv.pedir("GET", "/api/v1/tokens", &[("Authorization", &admin)], None);
    r.problema(401);
    let falso = format!("gch_{}", "0".repeat(64));
    let r = srv.pedir(
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
    let p = srv
        .pedir(
            "GET",
            "/api/v1/tokens",
            &[("Authorization", &bearer(&leitura))],
            None,
        )
        .problema(403);
    assert!(p["detail"].as_str().unwrap().contains("leitura"), "{p}");

    // The admin lists (never a secret) and creates.
    let r = srv.pedir(
        "GET",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&admin))],
        None,
    );
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert_eq!(r.json().as_array().unwrap().len(), 2);
    assert!(!r.corpo.contains("gch_") && !r.corpo.contains("segredo"));
    let corpo = json!({ "nome": "erp", "papel": "operador" }).to_string();
    let r = srv.pedir(
        "POST",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&admin)), json_],
        Some(corpo.as_bytes()),
    );
    assert_eq!(r.status, 201, "{}", r.corpo);
    assert!(r.cabecalho("idempotency-replayed").is_none());
    let novo = r.json();
    assert_eq!(novo["papel"], "operador");
    let segredo = novo["segredo"].as_str().unwrap().to_owned();
    let id = novo["id"].as_i64().unwrap();
    srv.pedir(
        "GET",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&segredo))],
        None,
    )
    .problema(403);

    // Bad input: a problem, never a 5xx.
    let ruim = json!({ "nome": "x", "papel": "chefe" }).to_string();
    let p = srv
        .pedir(
            "POST",
            "/api/v1/tokens",
            &[("Authorization", &bearer(&admin)), json_],
            Some(ruim.as_bytes()),
        )
        .problema(400);
    assert!(p["detail"].as_str().unwrap().contains("chefe"), "{p}");
    srv.pedir(
        "POST",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&admin)), json_],
        Some(b"{\"nome\":".as_slice()),
    )
    .problema(400);
    srv.pedir(
        "POST",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&admin)), json_],
        Some(b"{\"nome\":\"x\"}".as_slice()),
    )
    .problema(400);
    srv.pedir(
        "POST",
        "/api/v1/tokens",
        &[("Authorization", &bearer(&admin))],
        Some(corpo.as_bytes()),
    )
    .problema(415);
    srv.pedir(
        "DELETE",
        "/api/v1/tokens/abc",
        &[("Authorization", &bearer(&admin))],
        None,
    )
    .problema(400);
    srv.pedir(
        "DELETE",
        "/api/v1/tokens/999",
        &[("Authorization", &bearer(&admin))],
        None,
    )
    .problema(404);

    // Revoked: 401 from then on; the CLI sees it.
    let r = srv.pedir(
        "DELETE",
        &format!("/api/v1/tokens/{id}"),
        &[("Authorization", &bearer(&admin))],
        None,
    );
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert!(r.json()["revogadoEm"].is_string());
    srv.pedir(
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
    let r = srv.pedir(
        "POST",
        "/api/v1/tokens",
        &[
            ("Authorization", &bearer(&admin)),
            ("Content-Type", "application/json"),
            ("X-Request-Id", "log-1"),
        ],
        Some(corpo.as_bytes()),
    );
    assert_eq!(r.status, 201);
    let novo = r.json()["segredo"].as_str().unwrap().to_owned();
    srv.pedir(
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
    srv.sigterm();
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

/// A stop signal sent the moment the server says it is up (an orchestrator stopping a container
/// just started) is a graceful stop, exit 0 — never the signal's default action. Until session
/// 7 the handlers were registered at the shutdown future's first poll, after the URL line: 40
/// of 40 such stops killed the process (exit 143).
#[test]
fn sigterm_right_after_the_url_line_is_a_graceful_stop() {
    for i in 0..5 {
        let dir = pasta(&format!("parada-imediata-{i}"));
        let mut srv = Servidor::iniciar(&dir, &[]);
        assert_eq!(srv.terminar(), 0, "{}", srv.log());
    }
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
    let p = srv
        .pedir(
            "POST",
            "/api/v1/tokens",
            &[
                ("Authorization", &bearer(&admin)),
                ("Content-Type", "application/json"),
            ],
            Some(grande.as_bytes()),
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

#[test]
fn a_request_that_outlives_the_shutdown_bound_is_cut_logged_and_exits_3() {
    let dir = pasta("prazo");
    let admin = token(&dir, "ana", "admin");
    let mut srv = Servidor::iniciar(&dir, &[("GUICHE_API_ENCERRAMENTO", "1")]);
    // A request that never ends: half its body, then nothing.
    let corpo = json!({ "nome": "eterno", "papel": "leitura" }).to_string();
    let mut s = srv.conectar();
    write!(
        s,
        "POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        corpo.len(),
        &corpo[..10]
    )
    .unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let inicio = std::time::Instant::now();
    srv.sigterm();
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        srv.filho.try_wait().unwrap().is_none(),
        "it waits for the request, up to the bound"
    );
    // The bound (1 s) runs out: exit 3 (an outcome may be unknown), well before a second bound.
    assert_eq!(srv.saida_em(Duration::from_secs(10)), Some(3));
    let passou = inicio.elapsed();
    assert!(
        passou >= Duration::from_millis(900) && passou < Duration::from_secs(3),
        "{passou:?}"
    );
    let log = srv.log();
    assert!(
        log.contains("GUICHE_API_ENCERRAMENTO") && log.contains("conexoes_abertas"),
        "{log}"
    );
    assert!(!log.contains(&admin), "{log}");
    // The request was cut before it ran: nothing half-done in the ledger.
    let (_, lista) = guiche(&dir, &["token", "list"]);
    assert!(!lista.contains("eterno"), "{lista}");
}
