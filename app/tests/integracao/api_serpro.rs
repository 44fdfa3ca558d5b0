//! `guiche serve`'s SERPRO, Conecta and e-CAC proof/guides endpoints through the binary, over
//! real HTTP, against the SERPRO (mTLS) and Conecta simulators: every endpoint once, roles,
//! a field refused by name, a replayed POST billed once (the simulator's and the ledger's
//! count), the ceiling as 429, a gateway fault as 502, and PDFs as `application/pdf`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads
#![cfg(unix)]

use crate::comum;

use base64::Engine as _;
use comum::servidor::{self, Resposta, Servidor, bearer};
use comum::{CLIENTE, CONTRATANTE, Cenario, empresa_ecac};
use guiche_conecta::simulador::{CNPJ_PADRAO, CPFS_PADRAO};
use guiche_domain::Documento;
use guiche_serpro::simulador::FalhaGateway;
use serde_json::{Value, json};
use std::time::Duration;

const DAS: &str = "07202611444777106";

/// `guiche serve` against the scenario's simulators with one CA file trusting both, and
/// `extra` settings.
fn iniciar(c: &Cenario, extra: &[(&str, &str)]) -> Servidor {
    let cas = c.dir.join("cas.pem");
    let mut pem = std::fs::read_to_string(c.dir.join("ca.pem")).unwrap();
    pem.push_str(&std::fs::read_to_string(c.dir.join("ca-conecta.pem")).unwrap());
    std::fs::write(&cas, pem).unwrap();
    let extra = [("GUICHE_SERPRO_CA", cas.display().to_string())]
        .into_iter()
        .chain(extra.iter().map(|(k, v)| (*k, v.to_string())))
        .map(|(k, v)| (k.to_owned(), v));
    Servidor::iniciar_com(&c.dir, c.ambiente().into_iter().chain(extra))
}

/// `guiche ARGS` in the scenario: exit code and stdout.
fn guiche(c: &Cenario, args: &[&str]) -> (i32, String) {
    let ambiente = c.ambiente();
    let env: Vec<(&str, &str)> = ambiente
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    servidor::guiche_com(&c.dir, args, &env)
}

/// A new token's secret with the role `papel`.
fn token(c: &Cenario, papel: &str) -> String {
    servidor::token(&c.dir, papel, papel)
}

/// One request; `corpo` as JSON when given (a POST is always `application/json`).
fn pedir(
    srv: &Servidor,
    metodo: &str,
    caminho: &str,
    cabecalhos: &[(&str, &str)],
    corpo: Option<&Value>,
) -> Resposta {
    let corpo = corpo.map(Value::to_string).unwrap_or_default();
    let mut cab = cabecalhos.to_vec();
    if metodo == "POST" {
        cab.push(("Content-Type", "application/json"));
    }
    srv.pedir(metodo, caminho, &cab, Some(corpo.as_bytes()))
}

fn chamada_das() -> Value {
    json!({
        "tipo": "Emitir", "sistema": "PGDASD", "servico": "GERARDAS12",
        "contribuinte": CONTRATANTE, "dados": {"periodoApuracao": "201801"}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_fields_and_a_replayed_call_billed_once() {
    let c = Cenario::novo("api-serpro");
    let (operador, leitura) = (token(&c, "operador"), token(&c, "leitura"));
    let srv = iniciar(&c, &[]);
    let op = bearer(&operador);
    let le = bearer(&leitura);

    // 401 without a token, 403 for leitura on a billed call; nothing reaches SERPRO.
    pedir(
        &srv,
        "POST",
        "/api/v1/serpro/chamadas",
        &[],
        Some(&chamada_das()),
    )
    .problema(401);
    let p = pedir(
        &srv,
        "POST",
        "/api/v1/serpro/chamadas",
        &[("Authorization", &le)],
        Some(&chamada_das()),
    )
    .problema(403);
    assert!(p["detail"].as_str().unwrap().contains("leitura"), "{p}");
    // A bad document: 400 naming the field and the value, before any call.
    let p = pedir(
        &srv,
        "POST",
        "/api/v1/serpro/das",
        &[("Authorization", &op)],
        Some(&json!({"contribuinte": "11222333000100", "periodo": "202610"})),
    )
    .problema(400);
    let detalhe = p["detail"].as_str().unwrap();
    assert!(
        detalhe.starts_with("contribuinte \"11222333000100\""),
        "{p}"
    );
    let p = pedir(
        &srv,
        "GET",
        "/api/v1/serpro/pagamentos?contribuinte=11444777000161&de=2026-13-01&ate=2026-11-30",
        &[("Authorization", &op)],
        None,
    )
    .problema(400);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .starts_with("de \"2026-13-01\""),
        "{p}"
    );
    assert_eq!(c.sim.bilhetadas(), 0, "nada foi chamado");

    // The same key twice: one call, one billing record; the second answer is the first.
    let chave = [
        ("Authorization", op.as_str()),
        ("Idempotency-Key", "k-das-1"),
    ];
    let r1 = pedir(
        &srv,
        "POST",
        "/api/v1/serpro/chamadas",
        &chave,
        Some(&chamada_das()),
    );
    let v1 = r1.ok(200);
    assert_eq!(v1["bilhetado"], true, "{v1}");
    assert_eq!(
        v1["dados"][0]["detalhamento"][0]["numeroDocumento"], "07201811222333012",
        "{v1}"
    );
    let r2 = pedir(
        &srv,
        "POST",
        "/api/v1/serpro/chamadas",
        &chave,
        Some(&chamada_das()),
    );
    assert_eq!(r2.ok(200), v1);
    assert_eq!(r2.cabecalho("idempotency-replayed"), Some("true"));
    assert_eq!(c.sim.bilhetadas(), 1, "o SERPRO cobrou uma vez");
    // The billing report (leitura may read it) shows that one call.
    let uso = pedir(
        &srv,
        "GET",
        "/api/v1/serpro/uso?mes=202611",
        &[("Authorization", &le)],
        None,
    )
    .ok(200);
    assert_eq!(uso["consumo"].as_array().unwrap().len(), 1, "{uso}");
    assert_eq!(uso["consumo"][0]["servico"], "PGDASD/GERARDAS12", "{uso}");
    assert_eq!(uso["consumo"][0]["chamadas"], 1, "{uso}");
    let p = pedir(
        &srv,
        "GET",
        "/api/v1/serpro/uso?mes=2026",
        &[("Authorization", &le)],
        None,
    )
    .problema(400);
    assert!(
        p["detail"].as_str().unwrap().starts_with("mes \"2026\""),
        "{p}"
    );
    // SERPRO's consumption report of that call agrees with the ledger's record; a report
    // that does not read is refused line by line.
    let relatorio = c.sim.relatorio_consumo();
    let conferencia = srv
        .pedir(
            "POST",
            "/api/v1/serpro/uso/conferencia",
            &[("Authorization", &le), ("Content-Type", "text/csv")],
            Some(relatorio.as_bytes()),
        )
        .ok(200);
    assert_eq!(conferencia["conferidas"], 1, "{conferencia}");
    assert_eq!(
        conferencia["diferencas"].as_array().map(Vec::len),
        Some(0),
        "{conferencia}"
    );
    let ruim = format!("{relatorio}\"ontem\",\"\",\"/Emitir\",\"200\",\"\",\"\",\"x\",\"1\"\n");
    let p = srv
        .pedir(
            "POST",
            "/api/v1/serpro/uso/conferencia",
            &[("Authorization", &le), ("Content-Type", "text/csv")],
            Some(ruim.as_bytes()),
        )
        .problema(422);
    assert!(p.to_string().contains("linha 3, coluna DATA"), "{p}");

    // A gateway fault: Emitir with a 500 is not retried, an unknown outcome → 502; the key is
    // freed, not kept.
    c.sim.injetar(FalhaGateway::Status(500));
    let p = pedir(
        &srv,
        "POST",
        "/api/v1/serpro/chamadas",
        &[("Authorization", &op), ("Idempotency-Key", "k-falha")],
        Some(&chamada_das()),
    )
    .problema(502);
    assert_eq!(p["type"], "urn:guiche:problema:transporte", "{p}");

    // A refusal of SERPRO (no procuração for CLIENTE): 422 with its message.
    let p = pedir(
        &srv,
        "POST",
        "/api/v1/serpro/das",
        &[("Authorization", &op)],
        Some(&json!({"contribuinte": CLIENTE, "periodo": "202610"})),
    )
    .problema(422);
    assert!(p["detail"].as_str().unwrap().contains("procuração"), "{p}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_serpro_and_conecta_endpoint_answers() {
    let c = Cenario::novo("api-serpro-todos");
    c.procuracao_do_cliente();
    c.sim.definir_pagamentos(
        Documento::parse(CLIENTE).unwrap(),
        json!([
            { "numeroDocumento": DAS, "dataArrecadacao": "2026-11-20T00:00:00-03:00", "valorTotal": 1030.00 }
        ]),
    );
    let operador = token(&c, "operador");
    let (codigo, saida) = guiche(&c, &empresa_ecac(CLIENTE, "codigo"));
    assert_eq!(codigo, 0, "{saida}");
    let srv = iniciar(&c, &[]);
    let op = bearer(&operador);
    let auth = [("Authorization", op.as_str())];
    let get = |caminho: &str| pedir(&srv, "GET", caminho, &auth, None);
    let post = |caminho: &str, corpo: Value| pedir(&srv, "POST", caminho, &auth, Some(&corpo));

    // DAS with its PDF in base64, recorded for the e-CAC.
    let v = post(
        "/api/v1/serpro/das",
        json!({"contribuinte": CLIENTE, "periodo": "202610"}),
    )
    .ok(200);
    let das = &v["das"][0];
    assert_eq!(das["numeroDocumento"], DAS, "{v}");
    assert_eq!(das["total"], "1030.00", "{v}");
    assert_eq!(das["registradoNoLivro"], true, "{v}");
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(das["pdfBase64"].as_str().unwrap())
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "{v}");

    // The company's guides: the DAS just issued, not yet reconciled.
    let v = get(&format!(
        "/api/v1/ecac/empresas/{CLIENTE}/guias?periodo=202610"
    ))
    .ok(200);
    assert_eq!(v["guias"][0]["numeroDocumento"], DAS, "{v}");
    assert_eq!(v["guias"][0]["situacao"], "não conciliada", "{v}");
    // Issuing through the guides endpoint answers the period's guides.
    let v = post(
        &format!("/api/v1/ecac/empresas/{CLIENTE}/guias/emissao"),
        json!({"periodo": "202610"}),
    )
    .ok(200);
    assert_eq!(v["empresa"], CLIENTE, "{v}");
    assert_eq!(v["guias"][0]["numeroDocumento"], DAS, "{v}");

    // The proof of payment of that guide, as a PDF; an unknown number is a 404.
    let r = get(&format!("/api/v1/ecac/comprovantes/{DAS}"));
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert_eq!(r.cabecalho("content-type"), Some("application/pdf"));
    assert!(r.cabecalho("content-disposition").unwrap().contains(DAS));
    assert!(r.bruto.starts_with(b"%PDF"));
    get("/api/v1/ecac/comprovantes/07202600000000999").problema(404);

    // Payments and their count.
    let janela = format!("contribuinte={CLIENTE}&de=2026-11-01&ate=2026-11-30");
    let v = get(&format!("/api/v1/serpro/pagamentos?{janela}")).ok(200);
    assert_eq!(v["pagamentos"][0]["numeroDocumento"], DAS, "{v}");
    assert_eq!(v["pagamentos"][0]["valorTotal"], "1030.00", "{v}");
    let v = get(&format!("/api/v1/serpro/pagamentos/quantidade?{janela}")).ok(200);
    assert!(v["quantidade"].is_u64(), "{v}");

    // SITFIS as a PDF.
    let r = get(&format!("/api/v1/serpro/sitfis/{CLIENTE}"));
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert_eq!(r.cabecalho("content-type"), Some("application/pdf"));
    assert!(r.bruto.starts_with(b"%PDF"));

    // The other queries answer their shapes.
    let v = get(&format!("/api/v1/serpro/procuracoes?outorgante={CLIENTE}")).ok(200);
    assert!(v["procuracoes"].is_array(), "{v}");
    let v = get(&format!(
        "/api/v1/serpro/declaracoes?contribuinte={CONTRATANTE}&ano=2026"
    ))
    .ok(200);
    assert!(v["declaracoes"].is_array(), "{v}");
    get(&format!(
        "/api/v1/serpro/declaracoes?contribuinte={CONTRATANTE}"
    ))
    .problema(400);
    let v = get(&format!("/api/v1/serpro/caixa-postal/{CONTRATANTE}")).ok(200);
    assert!(v["mensagens"].is_array(), "{v}");
    let v = post(
        "/api/v1/serpro/eventos",
        json!({"evento": "pagamentos", "contribuintes": [CLIENTE]}),
    )
    .ok(200);
    assert_eq!(v["evento"], "E0701", "{v}");
    let p = post(
        "/api/v1/serpro/eventos",
        json!({"evento": "outro", "contribuintes": [CLIENTE]}),
    )
    .problema(400);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .starts_with("evento \"outro\""),
        "{p}"
    );
    // The procurador's certificate is not configured on this server: 503 naming it.
    let p = post("/api/v1/serpro/procurador", json!({"autor": "52998224725"})).problema(503);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("GUICHE_SERPRO_PROCURADOR_CERT"),
        "{p}"
    );

    // Conecta.
    let v = post(
        "/api/v1/conecta/cpf",
        json!({"cpfs": [CPFS_PADRAO[0], CPFS_PADRAO[1]]}),
    )
    .ok(200);
    assert_eq!(v["cpfs"].as_array().unwrap().len(), 2, "{v}");
    let p = post("/api/v1/conecta/cpf", json!({"cpfs": ["123"]})).problema(400);
    assert!(
        p["detail"].as_str().unwrap().starts_with("cpfs \"123\""),
        "{p}"
    );
    let v = get(&format!("/api/v1/conecta/cnpj/{CNPJ_PADRAO}")).ok(200);
    assert_eq!(v["cnpj"], CNPJ_PADRAO, "{v}");

    // The document lists every endpoint with its tag.
    let doc = pedir(&srv, "GET", "/api/v1/openapi.json", &[], None).ok(200);
    for caminho in [
        "/api/v1/serpro/chamadas",
        "/api/v1/serpro/das",
        "/api/v1/serpro/darf",
        "/api/v1/serpro/sitfis/{contribuinte}",
        "/api/v1/serpro/uso",
        "/api/v1/conecta/cpf",
        "/api/v1/conecta/cnpj/{cnpj}",
        "/api/v1/ecac/comprovantes/{numero}",
        "/api/v1/ecac/empresas/{cnpj}/guias/emissao",
    ] {
        assert!(doc["paths"][caminho].is_object(), "{caminho}");
    }
    let sitfis = &doc["paths"]["/api/v1/serpro/sitfis/{contribuinte}"]["get"]["responses"]["200"];
    assert!(sitfis["content"]["application/pdf"].is_object(), "{sitfis}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ceiling_is_a_429_and_darf_is_issued() {
    let c = Cenario::novo("api-serpro-teto");
    let operador = token(&c, "operador");
    let srv = iniciar(&c, &[("GUICHE_SERPRO_TETO_MENSAL", "1")]);
    let op = bearer(&operador);
    let darf = json!({
        "contribuinte": CONTRATANTE, "receita": "0190", "periodo": "202510",
        "vencimento": "2025-11-28", "valor": "1000.00", "uf": "SP", "municipio": "7107"
    });
    let r = pedir(
        &srv,
        "POST",
        "/api/v1/serpro/darf",
        &[("Authorization", &op), ("Idempotency-Key", "darf-1")],
        Some(&darf),
    );
    let v = r.ok(200);
    assert_eq!(v["numeroDocumento"].as_str().unwrap().len(), 17, "{v}");
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(v["pdfBase64"].as_str().unwrap())
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"), "{v}");
    let mut ruim = darf.clone();
    ruim["valor"] = json!("1.000,00");
    let p = pedir(
        &srv,
        "POST",
        "/api/v1/serpro/darf",
        &[("Authorization", &op)],
        Some(&ruim),
    )
    .problema(400);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .starts_with("valor \"1.000,00\""),
        "{p}"
    );
    // The ceiling of one billed call a month is reached: the next is a 429, and not sent.
    let p = pedir(
        &srv,
        "POST",
        "/api/v1/serpro/chamadas",
        &[("Authorization", &op)],
        Some(&chamada_das()),
    )
    .problema(429);
    assert!(p["detail"].as_str().unwrap().contains("teto de 1"), "{p}");
    assert_eq!(c.sim.bilhetadas(), 1);
}

/// A DAS asked with a key by a client that goes away at once, SERPRO answering slowly, and the
/// server stopped with SIGTERM meanwhile: the call still ends, the shutdown waits for it (exit
/// 0), its answer is kept under the key, and the next server replays it without a second call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_billed_post_outlives_its_client_and_the_shutdown_then_replays() {
    let c = Cenario::novo("api-serpro-parada");
    c.procuracao_do_cliente();
    let operador = token(&c, "operador");
    let mut srv = iniciar(&c, &[]);
    c.sim
        .injetar(FalhaGateway::Atrasada(Duration::from_millis(1500)));
    let corpo = json!({"contribuinte": CLIENTE, "periodo": "202610"}).to_string();
    let auth = bearer(&operador);
    let s = srv.escrever(
        "POST",
        "/api/v1/serpro/das",
        &[
            ("Authorization", &auth),
            ("Idempotency-Key", "das-parada"),
            ("Content-Type", "application/json"),
        ],
        corpo.as_bytes(),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(s); // the client goes away
    srv.sigterm();
    let inicio = std::time::Instant::now();
    assert_eq!(srv.esperar_fim(), 0);
    assert!(
        inicio.elapsed() >= Duration::from_millis(700),
        "a parada esperou a chamada em andamento"
    );
    assert_eq!(c.sim.bilhetadas(), 1, "a chamada terminou no SERPRO");

    let srv = iniciar(&c, &[]);
    let op = bearer(&operador);
    let r = pedir(
        &srv,
        "POST",
        "/api/v1/serpro/das",
        &[("Authorization", &op), ("Idempotency-Key", "das-parada")],
        Some(&json!({"contribuinte": CLIENTE, "periodo": "202610"})),
    );
    let v = r.ok(200);
    assert_eq!(r.cabecalho("idempotency-replayed"), Some("true"), "{v}");
    assert_eq!(v["das"][0]["numeroDocumento"], DAS, "{v}");
    assert_eq!(c.sim.bilhetadas(), 1, "nada foi cobrado de novo");
    let uso = pedir(
        &srv,
        "GET",
        "/api/v1/serpro/uso",
        &[("Authorization", &op)],
        None,
    )
    .ok(200);
    assert_eq!(uso["consumo"][0]["chamadas"], 1, "{uso}");
}
