//! `/api/v1/ecac/…` through `guiche serve`, over real HTTP, against the SERPRO simulator: the
//! companies with their roles, CSV uploads (a bad line → 422 by line and column), a sync then
//! the occurrences and their export, the same sync key twice → one fetch at the simulator, a
//! remote failure mapped, a company busy elsewhere (409), and the daily sync (`GUICHE_ECAC_SYNC_HORA`) that runs by itself and
//! skips A3 companies.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads
#![cfg(unix)]

mod comum;

use comum::{CLIENTE, Cenario};
use guiche_domain::Documento;
use guiche_serpro::simulador::FalhaGateway;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A second client, reaching e-CAC with an A3 certificate.
const CLIENTE_A3: &str = "11222333000181";
const DAS: &str = "07202611444777106";

const GUIAS: &str = "tipo;numero_documento;contribuinte;periodo;vencimento;valor\n\
DAS;07.20.26114.4477710-6;11.444.777/0001-61;10/2026;20/11/2026;1.030,00\n\
DARF;07202600000000555;11444777000161;09/2026;20/10/2026;480,00\n";

/// The environment of `guiche` against the scenario's simulators (as `Cenario::guiche`).
fn ambiente(c: &Cenario) -> Vec<(String, String)> {
    let d = |n: &str| c.dir.join(n).display().to_string();
    [
        ("GUICHE_DB", d("livro.db")),
        ("GUICHE_SERPRO_AUTH_URL", c.sim.url_autenticacao()),
        ("GUICHE_SERPRO_URL", c.sim.url_gateway()),
        ("GUICHE_SERPRO_CONSUMER_KEY", "chave".into()),
        ("GUICHE_SERPRO_CONSUMER_SECRET", "segredo".into()),
        ("GUICHE_SERPRO_CERT", d("ecnpj.p12")),
        ("GUICHE_SERPRO_CERT_PASSWORD", "senha-do-pfx".into()),
        ("GUICHE_SERPRO_CA", d("ca.pem")),
        ("GUICHE_HOJE", "22/11/2026".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

struct Servidor {
    filho: Child,
    endereco: String,
    log: std::path::PathBuf,
}

impl Drop for Servidor {
    fn drop(&mut self) {
        let _ = self.filho.kill();
        let _ = self.filho.wait();
    }
}

impl Servidor {
    fn iniciar(c: &Cenario, extra: &[(&str, &str)]) -> Servidor {
        let log = c.dir.join("serve.log");
        let mut filho = Command::new(env!("CARGO_BIN_EXE_guiche"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .envs(ambiente(c))
            .envs(extra.iter().copied())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
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
            log,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }

    /// Stops it with SIGTERM; its exit code.
    fn terminar(&mut self) -> i32 {
        let ok = Command::new("kill")
            .args(["-TERM", &self.filho.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        self.filho.wait().unwrap().code().unwrap()
    }

    /// One request (off the async workers: the simulator runs on them).
    async fn pedir(
        &self,
        metodo: &str,
        caminho: &str,
        cabecalhos: &[(&str, &str)],
        corpo: &[u8],
    ) -> Resposta {
        let endereco = self.endereco.clone();
        let mut pedido = format!(
            "{metodo} {caminho} HTTP/1.1\r\nHost: {endereco}\r\nConnection: close\r\nContent-Length: {}\r\n",
            corpo.len()
        );
        for (n, v) in cabecalhos {
            pedido.push_str(&format!("{n}: {v}\r\n"));
        }
        pedido.push_str("\r\n");
        let mut bruto = pedido.into_bytes();
        bruto.extend_from_slice(corpo);
        tokio::task::spawn_blocking(move || {
            let mut s = TcpStream::connect(&endereco).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            s.write_all(&bruto).unwrap();
            let mut resposta = Vec::new();
            s.read_to_end(&mut resposta).unwrap();
            Resposta::ler(&resposta)
        })
        .await
        .unwrap()
    }
}

struct Resposta {
    status: u16,
    cabecalhos: Vec<(String, String)>,
    corpo: Vec<u8>,
}

impl Resposta {
    fn ler(bruto: &[u8]) -> Resposta {
        let fim = bruto.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let cabeca = String::from_utf8(bruto[..fim].to_vec()).unwrap();
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
            .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
            .collect();
        Resposta {
            status,
            cabecalhos,
            corpo: bruto[fim + 4..].to_vec(),
        }
    }

    fn cabecalho(&self, nome: &str) -> Option<&str> {
        self.cabecalhos
            .iter()
            .find(|(n, _)| n == nome)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self, status: u16) -> Value {
        let v: Value = serde_json::from_slice(&self.corpo)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.corpo)));
        assert_eq!(self.status, status, "{v}");
        v
    }

    /// A problem+json of this status.
    fn problema(&self, status: u16) -> Value {
        let p = self.json(status);
        assert_eq!(
            self.cabecalho("content-type"),
            Some("application/problem+json"),
            "{p}"
        );
        assert_eq!(p["status"], status, "{p}");
        p
    }
}

/// A new token's secret, as `Authorization` header value.
async fn token(c: &Cenario, papel: &str) -> String {
    let mut comando = Command::new(env!("CARGO_BIN_EXE_guiche"));
    comando
        .args(["token", "create", "--nome", papel, "--papel", papel])
        .env("GUICHE_DB", c.dir.join("livro.db"));
    let o = tokio::task::spawn_blocking(move || comando.output().unwrap())
        .await
        .unwrap();
    assert!(o.status.success());
    let saida = String::from_utf8(o.stdout).unwrap();
    format!("Bearer {}", saida.lines().last().unwrap())
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
    let admin = token(&c, "admin").await;
    let operador = token(&c, "operador").await;
    let leitura = token(&c, "leitura").await;
    let srv = Servidor::iniciar(&c, &[]);
    let nova =
        json!({"cnpj": CLIENTE, "nome": "Padaria", "ecacDesde": "2026-01-01", "acesso": "a1"})
            .to_string();

    // Companies: 401 without a token, 403 for leitura and operador, 201 for admin, 409 again.
    let r = srv
        .pedir("POST", "/api/v1/ecac/empresas", &[JSON], nova.as_bytes())
        .await;
    r.problema(401);
    for papel in [&leitura, &operador] {
        let r = srv
            .pedir(
                "POST",
                "/api/v1/ecac/empresas",
                &[JSON, ("authorization", papel)],
                nova.as_bytes(),
            )
            .await;
        r.problema(403);
    }
    let r = srv
        .pedir(
            "POST",
            "/api/v1/ecac/empresas",
            &com(&admin),
            nova.as_bytes(),
        )
        .await;
    let v = r.json(201);
    assert_eq!(v["empresa"]["cnpj"], CLIENTE, "{v}");
    assert_eq!(v["empresa"]["acesso"], "a1", "{v}");
    let r = srv
        .pedir(
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
        .pedir(
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
    srv.pedir("POST", "/api/v1/ecac/empresas", &com(&admin), a3.as_bytes())
        .await
        .json(201);
    let caminho = format!("/api/v1/ecac/empresas/{CLIENTE}");
    let mudanca = json!({"nome": "Padaria Pão de Ló", "certificadoProcurador": true}).to_string();
    srv.pedir("PATCH", &caminho, &com(&operador), mudanca.as_bytes())
        .await
        .problema(403);
    let v = srv
        .pedir("PATCH", &caminho, &com(&admin), mudanca.as_bytes())
        .await
        .json(200);
    assert_eq!(v["empresa"]["nome"], "Padaria Pão de Ló", "{v}");
    assert_eq!(v["empresa"]["ecacDesde"], "2026-01-01", "o resto fica: {v}");
    let v = srv
        .pedir("GET", &caminho, &com(&leitura), b"")
        .await
        .json(200);
    assert_eq!(v["empresa"]["certificadoProcurador"], true, "{v}");
    srv.pedir(
        "GET",
        "/api/v1/ecac/empresas/11444777000100",
        &com(&leitura),
        b"",
    )
    .await
    .problema(422);
    srv.pedir(
        "GET",
        "/api/v1/ecac/empresas/11222333000262",
        &com(&leitura),
        b"",
    )
    .await
    .problema(404);
    let v = srv
        .pedir("GET", "/api/v1/ecac/empresas", &com(&leitura), b"")
        .await
        .json(200);
    assert_eq!(v["empresas"].as_array().unwrap().len(), 2, "{v}");

    // Guides: a bad line refuses the file (422 by line and column); leitura may not upload.
    let errado = "tipo;numero_documento;contribuinte;periodo;vencimento;valor\nDAS;123;11444777000161;13/2026;20/10/2026;abc\n";
    srv.pedir(
        "POST",
        "/api/v1/ecac/guias",
        &com_csv(&leitura),
        GUIAS.as_bytes(),
    )
    .await
    .problema(403);
    let p = srv
        .pedir(
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
    srv.pedir(
        "POST",
        "/api/v1/ecac/guias",
        &com(&operador),
        GUIAS.as_bytes(),
    )
    .await
    .problema(415);
    let v = srv
        .pedir(
            "POST",
            "/api/v1/ecac/guias",
            &com_csv(&operador),
            GUIAS.as_bytes(),
        )
        .await
        .json(200);
    assert_eq!((&v["lidas"], &v["novas"]), (&json!(2), &json!(2)), "{v}");
    let v = srv
        .pedir(
            "GET",
            &format!("/api/v1/ecac/guias?empresa={CLIENTE}"),
            &com(&leitura),
            b"",
        )
        .await
        .json(200);
    assert_eq!(v["guias"].as_array().unwrap().len(), 2, "{v}");

    // Sync: operador only; the same key twice → one fetch; A3 refused; SERPRO down → 502.
    let sync = format!("/api/v1/ecac/sincronizacoes?empresa={CLIENTE}");
    srv.pedir("POST", &sync, &com(&leitura), b"")
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
    let p = srv.pedir("POST", &sync, &chave, b"").await.problema(409);
    assert!(
        p["detail"].as_str().unwrap().contains("outro processo"),
        "{p}"
    );
    assert_eq!(c.sim.chamadas_recebidas(), 0, "SERPRO not called");
    drop(trava);
    let r = srv.pedir("POST", &sync, &chave, b"").await;
    assert_eq!(
        r.cabecalho("idempotency-replayed"),
        None,
        "the 409 was not kept"
    );
    let primeira = r.json(200);
    let e = &primeira["empresas"][0];
    assert_eq!(e["pagamentosRecebidos"], 2, "{primeira}");
    assert_eq!(e["guiasBaixadas"], 1, "{primeira}");
    let chamadas = c.sim.chamadas_recebidas();
    let r = srv.pedir("POST", &sync, &chave, b"").await;
    assert_eq!(r.cabecalho("idempotency-replayed"), Some("true"));
    assert_eq!(r.json(200), primeira);
    assert_eq!(c.sim.chamadas_recebidas(), chamadas, "no second fetch");
    // The same key for another company is another request: refused.
    let outra = format!("/api/v1/ecac/sincronizacoes?empresa={CLIENTE_A3}");
    srv.pedir("POST", &outra, &chave, b"").await.problema(422);
    let p = srv
        .pedir("POST", &outra, &com(&operador), b"")
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
        .pedir("POST", &sync, &com(&operador), b"")
        .await
        .problema(502);
    assert!(
        p["detail"].as_str().unwrap().contains("nada foi gravado"),
        "{p}"
    );

    // Occurrences and their export.
    let v = srv
        .pedir("GET", "/api/v1/ecac/ocorrencias", &com(&leitura), b"")
        .await
        .json(200);
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
        .pedir(
            "GET",
            "/api/v1/ecac/ocorrencias?agrupar=empresa",
            &com(&leitura),
            b"",
        )
        .await
        .json(200);
    assert_eq!(v["grupos"].as_array().unwrap().len(), 1, "{v}");
    srv.pedir(
        "GET",
        "/api/v1/ecac/ocorrencias?historico=123",
        &com(&leitura),
        b"",
    )
    .await
    .problema(422);
    let r = srv
        .pedir(
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
    let texto = String::from_utf8(r.corpo).unwrap();
    assert!(
        texto.starts_with('\u{feff}') && texto.contains(";1030,00;1030,00;"),
        "{texto}"
    );
    let r = srv
        .pedir(
            "GET",
            "/api/v1/ecac/ocorrencias/exportacao?formato=xlsx&agrupar=empresa",
            &com(&leitura),
            b"",
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.corpo.starts_with(b"PK"), "um XLSX (zip)");
    assert!(
        r.cabecalho("content-type")
            .unwrap()
            .contains("spreadsheetml")
    );
    srv.pedir("GET", "/api/v1/ecac/ocorrencias", &[], b"")
        .await
        .problema(401);

    // Payments of the A3 company, uploaded.
    let pagos = "numero_documento;contribuinte;data_arrecadacao;valor\n07202600000000555;11444777000161;25/10/2026;480,00\n";
    let v = srv
        .pedir(
            "POST",
            "/api/v1/ecac/pagamentos",
            &com_csv(&operador),
            pagos.as_bytes(),
        )
        .await
        .json(200);
    assert_eq!(v["guiasBaixadas"], 1, "{v}");
    srv.pedir(
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
    let leitura = token(&c, "leitura").await;
    let hora = daqui_a(5);
    let mut srv = Servidor::iniciar(&c, &[("GUICHE_ECAC_SYNC_HORA", hora.as_str())]);
    let inicio = Instant::now();
    let sincronizadas = loop {
        let v = srv
            .pedir(
                "GET",
                "/api/v1/ecac/empresas",
                &[("authorization", &leitura)],
                b"",
            )
            .await
            .json(200);
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
