//! The CONAM endpoints of `guiche serve` through the binary, over real HTTP, against the CONAM
//! simulator: validation (the same violations as the CLI), a pacote sent exactly once per
//! `Idempotency-Key` and followed to approval, its status, the period and the revenues, a
//! rejection, the service unreachable, CONAM not set up, and roles.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads
#![cfg(unix)]

use crate::comum;

use comum::servidor::{Servidor, guiche_com, pasta, token};
use guiche_conam::simulador::{ConfigSimulador, SimuladorConam, Situacao};
use serde_json::Value;

const PACOTE: &str = include_str!("../../../domain/tests/vetores/conam-manual-1.json");
const JSON: (&str, &str) = ("Content-Type", "application/json");

fn pacote(id: u64, valor: &str) -> String {
    PACOTE
        .replace("\"idPacote\": 1", &format!("\"idPacote\": {id}"))
        .replace("\"valor\": 2500.5", &format!("\"valor\": {valor}"))
}

#[test]
fn a_pacote_is_validated_sent_once_followed_and_queried() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = {
        let _dentro = rt.enter();
        SimuladorConam::iniciar(ConfigSimulador {
            aprovar_apos_consultas: Some(2),
            ..ConfigSimulador::default()
        })
        .unwrap()
    };
    sim.cadastrar_cliente("USUARIO", "SENHA", &["1"]);
    let dir = pasta("conam");
    let operador = token(&dir, "erp da prefeitura", "operador");
    let leitura = token(&dir, "painel", "leitura");
    let (base, url_token) = (sim.base(), sim.url_token());
    let ambiente = [
        ("GUICHE_CONAM_URL", base.as_str()),
        ("GUICHE_CONAM_TOKEN_URL", url_token.as_str()),
        ("GUICHE_CONAM_CLIENT_ID", "USUARIO"),
        ("GUICHE_CONAM_CLIENT_SECRET", "SENHA"),
        ("GUICHE_CONAM_INTERVALO", "0.05"),
        ("GUICHE_CONAM_ESPERA_MAX", "20"),
    ];
    let srv = Servidor::iniciar(&dir, &ambiente);

    // Period and revenues (leitura may read).
    let v = srv
        .chamar("GET", "/api/v1/conam/periodos/1/2022/7", &leitura, &[], b"")
        .ok(200);
    assert_eq!(v["aberto"], true, "{v}");
    srv.chamar(
        "GET",
        "/api/v1/conam/periodos/1/2022/13",
        &leitura,
        &[],
        b"",
    )
    .problema(400);
    let v = srv
        .chamar("GET", "/api/v1/conam/receitas/1/2022", &leitura, &[], b"")
        .ok(200);
    assert_eq!(
        v["receitas"][0]["codigoConta"], "1.1.1.2.50.0.1.0001",
        "{v}"
    );
    let v = srv
        .chamar(
            "GET",
            "/api/v1/conam/receitas/1/2022?extra=true",
            &leitura,
            &[],
            b"",
        )
        .ok(200);
    assert_eq!(v["receitas"][1]["descricao"], "FUNDO DE RESERVA", "{v}");
    srv.chamar("GET", "/api/v1/conam/receitas/1/2022", "", &[], b"")
        .problema(401);

    // Validation: the manual's pacote is valid; a broken one has the CLI's violations.
    let v = srv
        .chamar(
            "POST",
            "/api/v1/conam/validacao",
            &leitura,
            &[JSON],
            PACOTE.as_bytes(),
        )
        .ok(200);
    assert_eq!(
        (v["valido"].as_bool(), v["resumo"]["idPacote"].as_u64()),
        (Some(true), Some(1))
    );
    let quebrado = pacote(1, "\"muito\"");
    let p = srv
        .chamar(
            "POST",
            "/api/v1/conam/validacao",
            &leitura,
            &[JSON],
            quebrado.as_bytes(),
        )
        .problema(422);
    let arquivo = dir.join("quebrado.json");
    std::fs::write(&arquivo, &quebrado).unwrap();
    let (codigo, saida) = guiche_com(
        &dir,
        &["conam", "validate", arquivo.to_str().unwrap(), "--json"],
        &[],
    );
    assert_eq!(codigo, 1, "{saida}");
    let cli: Value = serde_json::from_str(&saida).unwrap();
    assert_eq!(p["violacoes"], cli["violacoes"], "{p}");
    assert!(!p["violacoes"].as_array().unwrap().is_empty());
    // The same on a send: nothing leaves.
    srv.chamar(
        "POST",
        "/api/v1/conam/pacotes",
        &operador,
        &[JSON, ("Idempotency-Key", "quebrado")],
        quebrado.as_bytes(),
    )
    .problema(422);
    assert!(sim.pacote(1).is_none());

    // Roles: leitura may not send.
    srv.chamar(
        "POST",
        "/api/v1/conam/pacotes?esperar=true",
        &leitura,
        &[JSON],
        PACOTE.as_bytes(),
    )
    .problema(403);
    assert!(sim.pacote(1).is_none());

    // Sent and followed to approval; the same key again: the first answer, one pacote.
    let envio = |chave: &str| {
        srv.chamar(
            "POST",
            "/api/v1/conam/pacotes?esperar=true",
            &operador,
            &[JSON, ("Idempotency-Key", chave)],
            PACOTE.as_bytes(),
        )
    };
    let r = envio("pacote-1");
    let v = r.ok(201);
    assert_eq!(
        (v["idPacote"].as_u64(), v["situacao"].as_str()),
        (Some(1), Some("aprovado")),
        "{v}"
    );
    let r2 = envio("pacote-1");
    assert!(r2.repetida());
    assert_eq!((r2.status, &r2.corpo), (201, &r.corpo));
    assert_eq!(sim.pacote(1).unwrap().envios, 1);
    // Another key: an approved pacote is never sent again (200, its situation).
    let v = envio("pacote-1-de-novo").ok(200);
    assert_eq!(
        (v["situacao"].as_str(), v["reenviado"].as_bool()),
        (Some("aprovado"), Some(false)),
        "{v}"
    );
    assert_eq!(sim.pacote(1).unwrap().envios, 1);

    // Status: approved; unknown to both: 404.
    let v = srv
        .chamar("GET", "/api/v1/conam/pacotes/1", &leitura, &[], b"")
        .ok(200);
    assert_eq!(v["situacao"], "aprovado", "{v}");
    srv.chamar("GET", "/api/v1/conam/pacotes/999", &leitura, &[], b"")
        .problema(404);

    // Received without waiting, then rejected by the accounting team: the status says so (200),
    // and sending it again is refused with CONAM's code and message.
    let dois = pacote(2, "10.5");
    let v = srv
        .chamar(
            "POST",
            "/api/v1/conam/pacotes",
            &operador,
            &[JSON, ("Idempotency-Key", "pacote-2")],
            dois.as_bytes(),
        )
        .ok(201);
    assert_eq!(v["situacao"], "aguardando", "{v}");
    assert!(sim.rejeitar(2, "12", "conta de crédito errada"));
    let v = srv
        .chamar("GET", "/api/v1/conam/pacotes/2", &leitura, &[], b"")
        .ok(200);
    assert_eq!(
        (v["situacao"].as_str(), v["codigo"].as_str()),
        (Some("rejeitado"), Some("12")),
        "{v}"
    );
    assert!(matches!(
        sim.pacote(2).unwrap().situacao,
        Situacao::Rejeitado { .. }
    ));
    let p = srv
        .chamar(
            "POST",
            "/api/v1/conam/pacotes",
            &operador,
            &[JSON, ("Idempotency-Key", "pacote-2-de-novo")],
            dois.as_bytes(),
        )
        .problema(422);
    assert_eq!(p["type"], "urn:guiche:problema:recusado", "{p}");
    assert_eq!(sim.pacote(2).unwrap().envios, 1);

    // CONAM unreachable: 502.
    rt.block_on(sim.parar());
    let p = srv
        .chamar("GET", "/api/v1/conam/periodos/1/2022/7", &leitura, &[], b"")
        .problema(502);
    assert!(p["detail"].is_string());

    // A server without CONAM settings answers 503 naming the setting.
    drop(srv);
    let srv = Servidor::iniciar(&dir, &[]);
    let p = srv
        .chamar("GET", "/api/v1/conam/periodos/1/2022/7", &leitura, &[], b"")
        .problema(503);
    assert!(
        p["detail"].as_str().unwrap().contains("GUICHE_CONAM_URL"),
        "{p}"
    );
}

#[test]
fn the_server_and_the_cli_validate_with_the_clients_own_table_two() {
    let dir = pasta("api-conam-tabela2");
    // A code the manual's Table 2 does not have, in a table of the client's.
    let pacote = PACOTE.replace("11-01-001", "13-01-000");
    let tabela = dir.join("tabela2.tsv");
    std::fs::write(
        &tabela,
        "13-01-000\tR\tpositivo\tnao\tnao\tNOVO\tNovo lançamento\n",
    )
    .unwrap();
    let arquivo = dir.join("pacote.json");
    std::fs::write(&arquivo, &pacote).unwrap();
    let args = ["conam", "validate", arquivo.to_str().unwrap(), "--json"];

    // Without the setting: the manual's table refuses the code, in the CLI and over HTTP.
    let (codigo, _) = guiche_com(&dir, &args, &[]);
    assert_eq!(codigo, 1);
    let leitura = token(&dir, "leitura", "leitura");
    let mut srv = Servidor::iniciar(&dir, &[]);
    let p = srv
        .chamar(
            "POST",
            "/api/v1/conam/validacao",
            &leitura,
            &[JSON],
            pacote.as_bytes(),
        )
        .problema(422);
    assert!(p["violacoes"].to_string().contains("13-01-000"), "{p}");
    srv.sigterm();
    assert_eq!(srv.esperar_fim(), 0);

    // With GUICHE_CONAM_TABELA2: both accept it.
    let env = [("GUICHE_CONAM_TABELA2", tabela.to_str().unwrap())];
    let (codigo, saida) = guiche_com(&dir, &args, &env);
    assert_eq!(codigo, 0, "{saida}");
    let mut srv = Servidor::iniciar(&dir, &env);
    let v = srv
        .chamar(
            "POST",
            "/api/v1/conam/validacao",
            &leitura,
            &[JSON],
            pacote.as_bytes(),
        )
        .ok(200);
    assert_eq!(v["valido"].as_bool(), Some(true), "{v}");
    srv.sigterm();
    assert_eq!(srv.esperar_fim(), 0);

    // A table that cannot be read stops the server at start, naming the setting.
    let ruim = dir.join("ruim.tsv");
    std::fs::write(&ruim, "13-01-000\tZ\tpositivo\tnao\tnao\tG\tD\n").unwrap();
    let (codigo, saida) = guiche_com(
        &dir,
        &["serve", "--addr", "127.0.0.1:0"],
        &[("GUICHE_CONAM_TABELA2", ruim.to_str().unwrap())],
    );
    assert_eq!(codigo, 2, "{saida}");
}

#[test]
fn a_pacote_still_waiting_when_the_wait_runs_out_is_accepted_not_a_failure() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // This CONAM never evaluates by itself.
    let sim = {
        let _dentro = rt.enter();
        SimuladorConam::iniciar(ConfigSimulador::default()).unwrap()
    };
    sim.cadastrar_cliente("USUARIO", "SENHA", &["1"]);
    let dir = pasta("conam-espera");
    let operador = token(&dir, "erp", "operador");
    let (base, url_token) = (sim.base(), sim.url_token());
    let ambiente = [
        ("GUICHE_CONAM_URL", base.as_str()),
        ("GUICHE_CONAM_TOKEN_URL", url_token.as_str()),
        ("GUICHE_CONAM_CLIENT_ID", "USUARIO"),
        ("GUICHE_CONAM_CLIENT_SECRET", "SENHA"),
        ("GUICHE_CONAM_INTERVALO", "0.05"),
        ("GUICHE_CONAM_ESPERA_MAX", "0.3"),
    ];
    let srv = Servidor::iniciar(&dir, &ambiente);
    let r = srv.chamar(
        "POST",
        "/api/v1/conam/pacotes?esperar=true",
        &operador,
        &[JSON, ("Idempotency-Key", "espera-1")],
        PACOTE.as_bytes(),
    );
    let v = r.ok(202);
    assert_eq!(
        (v["idPacote"].as_u64(), v["situacao"].as_str()),
        (Some(1), Some("aguardando")),
        "{v}"
    );
    // CONAM has it, once; asking later tells the same.
    assert!(sim.pacote(1).is_some());
    let v = srv
        .chamar("GET", "/api/v1/conam/pacotes/1", &operador, &[], b"")
        .ok(200);
    assert_eq!(v["situacao"].as_str(), Some("aguardando"), "{v}");
    drop(rt);
}
