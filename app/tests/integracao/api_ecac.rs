//! `/api/v1/ecac/…` through `guiche serve`, over real HTTP, against the SERPRO simulator: the
//! companies with their roles, CSV uploads (a bad line → 422 by line and column), a sync then
//! the occurrences and their export, the same sync key twice → one fetch at the simulator, a
//! remote failure mapped, a company busy elsewhere (409), and the daily sync (`GUICHE_ECAC_SYNC_HORA`) that runs by itself and
//! skips A3 companies.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads
#![cfg(unix)]

use crate::comum;

use comum::servidor::{self, Servidor, bearer};
use comum::{CLIENTE, Cenario};
use guiche_domain::Documento;
use guiche_serpro::simulador::FalhaGateway;
use serde_json::{Value, json};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A second client, reaching e-CAC with an A3 certificate.
const CLIENTE_A3: &str = "11222333000181";
const DAS: &str = "07202611444777106";

const GUIAS: &str = "tipo;numero_documento;contribuinte;periodo;vencimento;valor\n\
DAS;07.20.26114.4477710-6;11.444.777/0001-61;10/2026;20/11/2026;1.030,00\n\
DARF;07202600000000555;11444777000161;09/2026;20/10/2026;480,00\n";

/// `guiche serve` against the scenario's simulators, with `extra` settings.
fn servidor(c: &Cenario, extra: &[(&str, &str)]) -> Servidor {
    let extra = extra.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    Servidor::iniciar_com(&c.dir, c.ambiente().into_iter().chain(extra))
}

/// A new token with the role `papel`, as an `Authorization` header value.
fn token(c: &Cenario, papel: &str) -> String {
    bearer(&servidor::token(&c.dir, papel, papel))
}

fn pagamentos_do_cliente(c: &Cenario) {
    c.sim.definir_pagamentos(
        Documento::parse(CLIENTE).unwrap(),
        json!([
            { "numeroDocumento": DAS, "dataArrecadacao": "2026-11-20T00:00:00-03:00", "valorTotal": 1030.00 },
            { "numeroDocumento": "07202600000000777", "dataArrecadacao": "2026-11-10T00:00:00-03:00", "valorTotal": 250.00 }
        ]),
    );
}

const JSON: (&str, &str) = ("content-type", "application/json");
const CSV: (&str, &str) = ("content-type", "text/csv; charset=utf-8");

fn com(t: &str) -> [(&str, &str); 2] {
    [JSON, ("authorization", t)]
}

fn com_csv(t: &str) -> [(&str, &str); 2] {
    [CSV, ("authorization", t)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn companies_uploads_sync_occurrences_and_export_with_roles() {
    let c = Cenario::novo("api-ecac");
    c.procuracao_do_cliente();
    pagamentos_do_cliente(&c);
    let admin = token(&c, "admin");
    let operador = token(&c, "operador");
    let leitura = token(&c, "leitura");
    let srv = servidor(&c, &[]);
    let nova =
        json!({"cnpj": CLIENTE, "nome": "Padaria", "ecacDesde": "2026-01-01", "acesso": "a1"})
            .to_string();

    // Companies: 401 without a token, 403 for leitura and operador, 201 for admin, 409 again.
    let r = srv
        .pedir_async("POST", "/api/v1/ecac/empresas", &[JSON], nova.as_bytes())
        .await;
    r.problema(401);
    for papel in [&leitura, &operador] {
        let r = srv
            .pedir_async(
                "POST",
                "/api/v1/ecac/empresas",
                &[JSON, ("authorization", papel)],
                nova.as_bytes(),
            )
            .await;
        r.problema(403);
    }
    let r = srv
        .pedir_async(
            "POST",
            "/api/v1/ecac/empresas",
            &com(&admin),
            nova.as_bytes(),
        )
        .await;
    let v = r.ok(201);
    assert_eq!(v["empresa"]["cnpj"], CLIENTE, "{v}");
    assert_eq!(v["empresa"]["acesso"], "a1", "{v}");
    let r = srv
        .pedir_async(
            "POST",
            "/api/v1/ecac/empresas",
            &com(&admin),
            nova.as_bytes(),
        )
        .await;
    r.problema(409);
    let ruim =
        json!({"cnpj": "11444777000100", "ecacDesde": "31/02/2026", "acesso": "a1"}).to_string();
    let p = srv
        .pedir_async(
            "POST",
            "/api/v1/ecac/empresas",
            &com(&admin),
            ruim.as_bytes(),
        )
        .await
        .problema(422);
    let campos: Vec<&str> = p["violacoes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["campo"].as_str().unwrap())
        .collect();
    assert_eq!(campos, ["cnpj", "ecacDesde"], "{p}");
    assert_eq!(p["violacoes"][0]["regra"], "documento.invalido", "{p}");
    assert_eq!(p["violacoes"][0]["valor"], "11444777000100", "{p}");
    let a3 = json!({"cnpj": CLIENTE_A3, "ecacDesde": "2026-01-01", "acesso": "a3"}).to_string();
    srv.pedir_async("POST", "/api/v1/ecac/empresas", &com(&admin), a3.as_bytes())
        .await
        .ok(201);
    let caminho = format!("/api/v1/ecac/empresas/{CLIENTE}");
    let mudanca = json!({"nome": "Padaria Pão de Ló", "certificadoProcurador": true}).to_string();
    srv.pedir_async("PATCH", &caminho, &com(&operador), mudanca.as_bytes())
        .await
        .problema(403);
    let v = srv
        .pedir_async("PATCH", &caminho, &com(&admin), mudanca.as_bytes())
        .await
        .ok(200);
    assert_eq!(v["empresa"]["nome"], "Padaria Pão de Ló", "{v}");
    assert_eq!(v["empresa"]["ecacDesde"], "2026-01-01", "o resto fica: {v}");
    let v = srv
        .pedir_async("GET", &caminho, &com(&leitura), b"")
        .await
        .ok(200);
    assert_eq!(v["empresa"]["certificadoProcurador"], true, "{v}");
    srv.pedir_async(
        "GET",
        "/api/v1/ecac/empresas/11444777000100",
        &com(&leitura),
        b"",
    )
    .await
    .problema(422);
    srv.pedir_async(
        "GET",
        "/api/v1/ecac/empresas/11222333000262",
        &com(&leitura),
        b"",
    )
    .await
    .problema(404);
    let v = srv
        .pedir_async("GET", "/api/v1/ecac/empresas", &com(&leitura), b"")
        .await
        .ok(200);
    assert_eq!(v["empresas"].as_array().unwrap().len(), 2, "{v}");

    // Guides: a bad line refuses the file (422 by line and column); leitura may not upload.
    let errado = "tipo;numero_documento;contribuinte;periodo;vencimento;valor\nDAS;123;11444777000161;13/2026;20/10/2026;abc\n";
    srv.pedir_async(
        "POST",
        "/api/v1/ecac/guias",
        &com_csv(&leitura),
        GUIAS.as_bytes(),
    )
    .await
    .problema(403);
    let p = srv
        .pedir_async(
            "POST",
            "/api/v1/ecac/guias",
            &com_csv(&operador),
            errado.as_bytes(),
        )
        .await
        .problema(422);
    let violacoes = p["violacoes"].as_array().unwrap();
    assert!(
        violacoes
            .iter()
            .any(|v| v["campo"] == "linha 2, coluna valor" && v["valor"] == "abc"),
        "{p}"
    );
    assert!(
        violacoes.iter().all(|v| v["regra"] == "planilha.linha"),
        "{p}"
    );
    srv.pedir_async(
        "POST",
        "/api/v1/ecac/guias",
        &com(&operador),
        GUIAS.as_bytes(),
    )
    .await
    .problema(415);
    let v = srv
        .pedir_async(
            "POST",
            "/api/v1/ecac/guias",
            &com_csv(&operador),
            GUIAS.as_bytes(),
        )
        .await
        .ok(200);
    assert_eq!((&v["lidas"], &v["novas"]), (&json!(2), &json!(2)), "{v}");
    let v = srv
        .pedir_async(
            "GET",
            &format!("/api/v1/ecac/guias?empresa={CLIENTE}"),
            &com(&leitura),
            b"",
        )
        .await
        .ok(200);
    assert_eq!(v["guias"].as_array().unwrap().len(), 2, "{v}");

    // Sync: operador only; the same key twice → one fetch; A3 refused; SERPRO down → 502.
    let sync = format!("/api/v1/ecac/sincronizacoes?empresa={CLIENTE}");
    srv.pedir_async("POST", &sync, &com(&leitura), b"")
        .await
        .problema(403);
    let chave = [
        ("authorization", operador.as_str()),
        ("idempotency-key", "sync-1"),
    ];
    // Another process syncing the company holds its turn (the lock file beside the ledger):
    // 409, SERPRO not called, and the answer is not kept for the key.
    let pasta = c.dir.join("livro.db.travas");
    std::fs::create_dir_all(&pasta).unwrap();
    let trava = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(pasta.join(format!("ecac-{CLIENTE}.vez")))
        .unwrap();
    trava.try_lock().unwrap();
    let p = srv
        .pedir_async("POST", &sync, &chave, b"")
        .await
        .problema(409);
    assert!(
        p["detail"].as_str().unwrap().contains("outro processo"),
        "{p}"
    );
    assert_eq!(c.sim.chamadas_recebidas(), 0, "SERPRO not called");
    drop(trava);
    let r = srv.pedir_async("POST", &sync, &chave, b"").await;
    assert_eq!(
        r.cabecalho("idempotency-replayed"),
        None,
        "the 409 was not kept"
    );
    let primeira = r.ok(200);
    let e = &primeira["empresas"][0];
    assert_eq!(e["pagamentosRecebidos"], 2, "{primeira}");
    assert_eq!(e["guiasBaixadas"], 1, "{primeira}");
    let chamadas = c.sim.chamadas_recebidas();
    let r = srv.pedir_async("POST", &sync, &chave, b"").await;
    assert_eq!(r.cabecalho("idempotency-replayed"), Some("true"));
    assert_eq!(r.ok(200), primeira);
    assert_eq!(c.sim.chamadas_recebidas(), chamadas, "no second fetch");
    // The same key for another company is another request: refused.
    let outra = format!("/api/v1/ecac/sincronizacoes?empresa={CLIENTE_A3}");
    srv.pedir_async("POST", &outra, &chave, b"")
        .await
        .problema(422);
    let p = srv
        .pedir_async("POST", &outra, &com(&operador), b"")
        .await
        .problema(422);
    assert!(p["detail"].as_str().unwrap().contains("A3"), "{p}");
    assert_eq!(
        c.sim.chamadas_recebidas(),
        chamadas,
        "A3: SERPRO not called"
    );
    for _ in 0..4 {
        c.sim.injetar(FalhaGateway::Status(500));
    }
    let p = srv
        .pedir_async("POST", &sync, &com(&operador), b"")
        .await
        .problema(502);
    assert!(
        p["detail"].as_str().unwrap().contains("nada foi gravado"),
        "{p}"
    );

    // Occurrences and their export.
    let v = srv
        .pedir_async("GET", "/api/v1/ecac/ocorrencias", &com(&leitura), b"")
        .await
        .ok(200);
    let grupos: Vec<&str> = v["grupos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["grupo"].as_str().unwrap())
        .collect();
    assert_eq!(
        grupos,
        ["Vencida", "Pagamento sem guia correspondente", "Paga"],
        "{v}"
    );
    assert_eq!(v["grupos"][0]["ocorrencias"][0]["diasAtraso"], 33, "{v}");
    let v = srv
        .pedir_async(
            "GET",
            "/api/v1/ecac/ocorrencias?agrupar=empresa",
            &com(&leitura),
            b"",
        )
        .await
        .ok(200);
    assert_eq!(v["grupos"].as_array().unwrap().len(), 1, "{v}");
    srv.pedir_async(
        "GET",
        "/api/v1/ecac/ocorrencias?historico=123",
        &com(&leitura),
        b"",
    )
    .await
    .problema(422);
    let r = srv
        .pedir_async(
            "GET",
            "/api/v1/ecac/ocorrencias/exportacao?formato=csv",
            &com(&leitura),
            b"",
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.cabecalho("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        r.cabecalho("content-disposition"),
        Some("attachment; filename=\"ocorrencias.csv\"")
    );
    let texto = String::from_utf8(r.bruto).unwrap();
    assert!(
        texto.starts_with('\u{feff}') && texto.contains(";1030,00;1030,00;"),
        "{texto}"
    );
    let r = srv
        .pedir_async(
            "GET",
            "/api/v1/ecac/ocorrencias/exportacao?formato=xlsx&agrupar=empresa",
            &com(&leitura),
            b"",
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.bruto.starts_with(b"PK"), "um XLSX (zip)");
    assert!(
        r.cabecalho("content-type")
            .unwrap()
            .contains("spreadsheetml")
    );
    srv.pedir_async("GET", "/api/v1/ecac/ocorrencias", &[], b"")
        .await
        .problema(401);

    // Payments of the A3 company, uploaded.
    let pagos = "numero_documento;contribuinte;data_arrecadacao;valor\n07202600000000555;11444777000161;25/10/2026;480,00\n";
    let v = srv
        .pedir_async(
            "POST",
            "/api/v1/ecac/pagamentos",
            &com_csv(&operador),
            pagos.as_bytes(),
        )
        .await
        .ok(200);
    assert_eq!(v["guiasBaixadas"], 1, "{v}");
    srv.pedir_async(
        "POST",
        "/api/v1/ecac/pagamentos",
        &com_csv(&leitura),
        pagos.as_bytes(),
    )
    .await
    .problema(403);
}

/// Now + `segundos` in Brasília, as `HH:MM:SS`.
fn daqui_a(segundos: u64) -> String {
    let agora = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let local = (agora + segundos - 3 * 3600) % 86_400;
    format!(
        "{:02}:{:02}:{:02}",
        local / 3600,
        local % 3600 / 60,
        local % 60
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_sync_runs_by_itself_at_its_time_and_never_syncs_a3() {
    let c = Cenario::novo("api-ecac-agenda");
    c.procuracao_do_cliente();
    pagamentos_do_cliente(&c);
    c.sim
        .definir_pagamentos(Documento::parse(CLIENTE_A3).unwrap(), json!([]));
    for (cnpj, acesso) in [(CLIENTE, "a1"), (CLIENTE_A3, "a3")] {
        let (codigo, v) = c.guiche(&comum::empresa_ecac(cnpj, acesso), &[]).await;
        assert_eq!(codigo, 0, "{v}");
    }
    let leitura = token(&c, "leitura");
    let hora = daqui_a(5);
    let mut srv = servidor(&c, &[("GUICHE_ECAC_SYNC_HORA", hora.as_str())]);
    let inicio = Instant::now();
    let sincronizadas = loop {
        let v = srv
            .pedir_async(
                "GET",
                "/api/v1/ecac/empresas",
                &[("authorization", &leitura)],
                b"",
            )
            .await
            .ok(200);
        if v["empresas"][1]["sincronizadoAte"].is_string()
            && srv
                .log()
                .contains("sincronização diária do e-CAC concluída")
        {
            break v;
        }
        assert!(
            inicio.elapsed() < Duration::from_secs(30),
            "no run at {hora}: {v}\n{}",
            srv.log()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(sincronizadas["empresas"][1]["cnpj"], CLIENTE);
    assert_eq!(
        sincronizadas["empresas"][1]["sincronizadoAte"],
        "2026-11-22"
    );
    assert_eq!(
        sincronizadas["empresas"][0]["sincronizadoAte"],
        Value::Null,
        "A3 never synced: {sincronizadas}"
    );
    let log = srv.log();
    assert!(
        log.contains("feitas=1") && log.contains("falharam=0"),
        "{log}"
    );
    assert!(log.contains("empresa sincronizada"), "{log}");
    assert!(
        !log.contains("11.222.333/0001-81"),
        "A3 not even tried: {log}"
    );
    assert_eq!(srv.terminar(), 0);
    assert!(
        srv.log().contains("agenda do e-CAC encerrada"),
        "{}",
        srv.log()
    );
}
