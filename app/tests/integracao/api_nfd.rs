//! The NFD endpoints of `guiche serve` through the binary, over real HTTP, against the NFD
//! simulator: validation (the same violations as the CLI), issuing exactly once with
//! `Idempotency-Key` (replayed, another body refused, two at once), a batch, a person's
//! decision, failures mapped, roles, and a send that outlives its client and a graceful
//! shutdown — checked against the simulator's own record and the ledger.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads
#![cfg(unix)]

use crate::comum;

use comum::servidor::{Resposta, Servidor, bearer, guiche_com, pasta, token};
use guiche_domain::Documento;
use guiche_nfd::simulador::{ConfigSimulador, Falha, SimuladorNfd};
use guiche_ports::livro::{Estado, LivroNotas, Sequencia};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const NOTA: &str = include_str!("../../../domain/tests/vetores/nfd-manual.xml");
const PRESTADOR: &str = "21118045000135";
const SENHA: &str = "fiscalb";
const XML: (&str, &str) = ("Content-Type", "application/xml");

/// The NFD simulator on its own runtime, a ledger folder, the server and its tokens.
struct Cenario {
    sim: SimuladorNfd,
    dir: PathBuf,
    srv: Servidor,
    operador: String,
    leitura: String,
    _rt: tokio::runtime::Runtime,
}

impl Cenario {
    fn novo(nome: &str) -> Cenario {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sim = {
            let _dentro = rt.enter();
            SimuladorNfd::iniciar(ConfigSimulador {
                hoje: Some(guiche_domain::Data::new(2026, 11, 22).unwrap()),
                ..ConfigSimulador::default()
            })
            .unwrap()
        };
        sim.cadastrar_prestador(PRESTADOR, SENHA, &["3150"]);
        sim.cadastrar_prestador("11222333000181", "outra", &["3150"]);
        let dir = pasta(nome);
        let operador = token(&dir, "erp da prefeitura", "operador");
        let leitura = token(&dir, "painel", "leitura");
        let srv = Cenario::servir(&dir, &sim.url());
        Cenario {
            sim,
            dir,
            srv,
            operador,
            leitura,
            _rt: rt,
        }
    }

    /// `guiche serve` on the scenario's ledger, against the simulator at `url`; the second
    /// provider's password is wrong (the service refuses its notas).
    fn servir(dir: &std::path::Path, url: &str) -> Servidor {
        Servidor::iniciar(
            dir,
            &[
                ("GUICHE_NFD_URL", url),
                ("GUICHE_NFD_SENHA", SENHA),
                ("GUICHE_NFD_SENHA_11222333000181", "errada"),
                ("GUICHE_NFD_TIMEOUT", "5"),
                ("GUICHE_HOJE", "22/11/2026"),
            ],
        )
    }

    /// Issues `corpo` as the operator, with `chave` as its `Idempotency-Key` when given.
    fn emitir(&self, corpo: &str, chave: Option<&str>) -> Resposta {
        let mut h = vec![XML];
        if let Some(k) = chave {
            h.push(("Idempotency-Key", k));
        }
        self.srv.chamar(
            "POST",
            &format!("/api/v1/nfd/notas?prefeitura=3150&prestador={PRESTADOR}"),
            &self.operador,
            &h,
            corpo.as_bytes(),
        )
    }

    fn emitidas(&self) -> Vec<u64> {
        self.sim
            .emitidas(PRESTADOR, "3150")
            .iter()
            .map(|n| n.numero)
            .collect()
    }

    /// The ledger's state of nota `numero`.
    fn no_livro(&self, numero: u64) -> Option<Estado> {
        let livro = guiche_store::Livro::abrir(&self.dir.join("livro.db")).unwrap();
        let seq = Sequencia {
            prestador: Documento::parse(PRESTADOR).unwrap(),
            prefeitura: "3150".into(),
        };
        livro.por_numero(&seq, numero).unwrap().map(|r| r.estado)
    }
}

/// The manual's nota with a valid customer, a distinct description and `numero` (blank for
/// the ledger to assign).
fn nota(nome: &str, numero: Option<u64>) -> String {
    NOTA.replace(
        "<TOMADOR_DOCUMENTO>00000000000<",
        "<TOMADOR_DOCUMENTO>52998224725<",
    )
    .replace(
        "<NUMERO_NOTA>6053</NUMERO_NOTA>",
        &format!(
            "<NUMERO_NOTA>{}</NUMERO_NOTA>",
            numero.map(|n| n.to_string()).unwrap_or_default()
        ),
    )
    .replace("DESCRIÇÃO DO SERVIÇO", &format!("SERVIÇO {nome}"))
}

/// The JSON form of a `<NOTA>` (one key per tag).
fn em_json(xml: &str) -> Value {
    let mut m = serde_json::Map::new();
    for l in xml.lines().map(str::trim) {
        if let Some(tag) = l.strip_prefix('<').and_then(|l| l.strip_suffix("/>")) {
            m.insert(tag.to_owned(), json!(""));
        } else if let Some((abre, resto)) = l.strip_prefix('<').and_then(|l| l.split_once('>'))
            && let Some(valor) = resto.strip_suffix(&format!("</{abre}>"))
        {
            m.insert(abre.to_owned(), json!(valor));
        }
    }
    Value::Object(m)
}

#[test]
fn validation_reports_the_same_violations_as_the_cli() {
    let c = Cenario::novo("nfd-validacao");
    let caminho = "/api/v1/nfd/validacao?prefeitura=3150";
    // The manual's nota as printed (its customer's CPF is zeros): every violation, as the CLI.
    let p = c
        .srv
        .chamar("POST", caminho, &c.leitura, &[XML], NOTA.as_bytes())
        .problema(422);
    let arquivo = c.dir.join("manual.xml");
    std::fs::write(&arquivo, NOTA).unwrap();
    let (codigo, saida) = guiche_com(
        &c.dir,
        &[
            "nfd",
            "validate",
            arquivo.to_str().unwrap(),
            "--prefeitura",
            "3150",
            "--json",
        ],
        &[("GUICHE_HOJE", "22/11/2026")],
    );
    assert_eq!(codigo, 1, "{saida}");
    let cli: Value = serde_json::from_str(&saida).unwrap();
    assert_eq!(p["violacoes"], cli["violacoes"], "{p}");
    assert!(
        p["violacoes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["campo"] == "TOMADOR_DOCUMENTO"),
        "{p}"
    );
    assert_eq!(p["type"], "urn:guiche:problema:invalido");

    // Once fixed: valid, in XML and in its JSON form, with the summary the CLI prints.
    let boa = nota("a", Some(6053));
    let v = c
        .srv
        .chamar("POST", caminho, &c.leitura, &[XML], boa.as_bytes())
        .ok(200);
    assert_eq!(v["valido"], true);
    assert_eq!(v["resumo"]["numero"], 6053);
    assert_eq!(v["resumo"]["valorTotal"], "440,00");
    let como_json = em_json(&boa).to_string();
    let w = c
        .srv
        .chamar(
            "POST",
            caminho,
            &c.leitura,
            &[("Content-Type", "application/json")],
            como_json.as_bytes(),
        )
        .ok(200);
    assert_eq!(w["resumo"], v["resumo"]);

    // Neither XML nor JSON; an unknown municipality; no token.
    let p = c
        .srv
        .chamar("POST", caminho, &c.leitura, &[XML], b"ola")
        .problema(422);
    assert_eq!(p["violacoes"][0]["regra"], "formato.raiz", "{p}");
    let p = c
        .srv
        .chamar(
            "POST",
            "/api/v1/nfd/validacao?prefeitura=9999",
            &c.leitura,
            &[XML],
            boa.as_bytes(),
        )
        .problema(400);
    assert!(p["detail"].as_str().unwrap().contains("9999"), "{p}");
    c.srv
        .chamar("POST", caminho, "", &[XML], boa.as_bytes())
        .problema(401);
    assert!(c.sim.requisicoes() == 0, "validating calls no one");
}

#[test]
fn a_nota_is_issued_once_per_key_and_its_failures_are_mapped() {
    let c = Cenario::novo("nfd-emissao");
    let a = nota("a", Some(6053));

    // Roles: leitura may not send; no token is 401. Nothing reaches the service.
    let p = c
        .srv
        .chamar(
            "POST",
            &format!("/api/v1/nfd/notas?prefeitura=3150&prestador={PRESTADOR}"),
            &c.leitura,
            &[XML, ("Idempotency-Key", "x")],
            a.as_bytes(),
        )
        .problema(403);
    assert!(p["detail"].as_str().unwrap().contains("leitura"), "{p}");
    c.srv
        .chamar(
            "POST",
            &format!("/api/v1/nfd/notas?prefeitura=3150&prestador={PRESTADOR}"),
            "",
            &[XML],
            a.as_bytes(),
        )
        .problema(401);
    assert!(c.emitidas().is_empty());

    // Issued: 201 with its number and code.
    let r = c.emitir(&a, Some("chave-a"));
    let v = r.ok(201);
    assert!(!r.repetida());
    assert_eq!(
        (v["estado"].as_str(), v["numero"].as_u64()),
        (Some("emitida"), Some(6053))
    );
    assert!(v["codigo"].is_string(), "{v}");
    assert_eq!(v["livro"]["registrado"], true);

    // The same key and body: the first answer, no second call.
    let antes = c.sim.requisicoes();
    let r2 = c.emitir(&a, Some("chave-a"));
    assert_eq!(r2.status, 201);
    assert!(r2.repetida());
    assert_eq!(r2.corpo, r.corpo);
    assert_eq!(c.sim.requisicoes(), antes, "no second call");
    assert_eq!(c.emitidas(), [6053]);

    // The same key with another body (or another query): 422, nothing sent.
    let b = nota("b", None);
    let p = c.emitir(&b, Some("chave-a")).problema(422);
    assert!(
        p["detail"].as_str().unwrap().contains("Idempotency-Key"),
        "{p}"
    );
    let p = c
        .srv
        .chamar(
            "POST",
            &format!("/api/v1/nfd/notas?prefeitura=3150&prestador={PRESTADOR}&nova=true"),
            &c.operador,
            &[XML, ("Idempotency-Key", "chave-a")],
            a.as_bytes(),
        )
        .problema(422);
    assert!(
        p["detail"].as_str().unwrap().contains("Idempotency-Key"),
        "{p}"
    );
    assert_eq!(c.emitidas(), [6053]);

    // The same nota under another key: refused locally, its report in `resultado`.
    let p = c.emitir(&a, Some("chave-outra")).problema(422);
    assert_eq!(p["type"], "urn:guiche:problema:recusado");
    assert_eq!(p["resultado"]["estado"], "ja_emitida", "{p}");
    assert_eq!(p["resultado"]["numero"], 6053);

    // An invalid nota: 422 with every violation, nothing sent.
    let p = c.emitir(NOTA, Some("chave-invalida")).problema(422);
    assert!(
        p["violacoes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["campo"] == "TOMADOR_DOCUMENTO" && v["regra"].is_string()),
        "{p}"
    );
    // A bad provider: 400 naming it.
    let p = c
        .srv
        .chamar(
            "POST",
            "/api/v1/nfd/notas?prefeitura=3150&prestador=123",
            &c.operador,
            &[XML],
            b.as_bytes(),
        )
        .problema(400);
    assert!(p["detail"].as_str().unwrap().contains("prestador"), "{p}");
    assert_eq!(c.emitidas(), [6053]);

    // The service answers 500 after nothing was recorded: the outcome is unknown (504), the
    // nota stays pending with its number; the same request again settles it, once.
    c.sim.injetar(Falha::Http500);
    let r = c.emitir(&b, Some("chave-b"));
    let p = r.problema(504);
    assert_eq!(p["resultado"]["estado"], "desconhecida", "{p}");
    assert_eq!(p["resultado"]["numero"], 6054);
    assert!(p["detail"].as_str().unwrap().contains("pendente"), "{p}");
    assert_eq!(c.emitidas(), [6053]);
    let r = c.emitir(&b, Some("chave-b"));
    assert!(!r.repetida(), "a 5xx is not kept: the same key runs again");
    let v = r.ok(201);
    assert_eq!(
        (v["estado"].as_str(), v["numero"].as_u64()),
        (Some("emitida"), Some(6054)),
        "{v}"
    );
    assert_eq!(c.emitidas(), [6053, 6054]);

    // Refused by the service (this provider's password is wrong): 422 with the service's
    // message, the report in `resultado`.
    let p = c
        .srv
        .chamar(
            "POST",
            "/api/v1/nfd/notas?prefeitura=3150&prestador=11222333000181",
            &c.operador,
            &[XML, ("Idempotency-Key", "chave-recusada")],
            nota("c", Some(1)).as_bytes(),
        )
        .problema(422);
    assert_eq!(p["resultado"]["estado"], "recusada", "{p}");
    assert!(p["detail"].as_str().unwrap().contains("senha"), "{p}");
    assert_eq!(c.emitidas(), [6053, 6054]);
}

#[test]
fn a_batch_and_a_persons_decision() {
    let c = Cenario::novo("nfd-lote");
    let corpo = json!({
        "prefeitura": "3150",
        "prestador": PRESTADOR,
        "notas": [
            { "nome": "a.xml", "nota": nota("a", Some(10)) },
            { "nome": "b.json", "nota": em_json(&nota("b", None)) },
            { "nota": NOTA },
        ]
    })
    .to_string();
    let h = [
        ("Content-Type", "application/json"),
        ("Idempotency-Key", "lote-1"),
    ];
    let r = c.srv.chamar(
        "POST",
        "/api/v1/nfd/lotes",
        &c.operador,
        &h,
        corpo.as_bytes(),
    );
    let v = r.ok(200);
    let estados: Vec<&str> = v["notas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["estado"].as_str().unwrap())
        .collect();
    assert_eq!(estados, ["emitida", "emitida", "invalida"], "{v}");
    assert_eq!(v["notas"][1]["arquivo"], "b.json");
    assert_eq!(v["notas"][2]["arquivo"], "notas[2]");
    assert!(!v["notas"][2]["violacoes"].as_array().unwrap().is_empty());
    assert_eq!(c.emitidas(), [10, 11]);
    let r2 = c.srv.chamar(
        "POST",
        "/api/v1/nfd/lotes",
        &c.operador,
        &h,
        corpo.as_bytes(),
    );
    assert!(r2.repetida());
    assert_eq!(c.emitidas(), [10, 11], "replayed, not issued again");
    let p = c
        .srv
        .chamar(
            "POST",
            "/api/v1/nfd/lotes",
            &c.operador,
            &[("Content-Type", "application/json")],
            json!({ "notas": [{ "nota": nota("c", None) }] })
                .to_string()
                .as_bytes(),
        )
        .problema(400);
    assert!(p["detail"].as_str().unwrap().contains("prefeitura"), "{p}");
    c.srv
        .chamar(
            "POST",
            "/api/v1/nfd/lotes",
            &c.leitura,
            &[("Content-Type", "application/json")],
            corpo.as_bytes(),
        )
        .problema(403);

    // The reply is lost after the service issued nota 12: outcome unknown, pending.
    c.sim.injetar(Falha::Reset);
    let p = c.emitir(&nota("d", None), None).problema(504);
    assert_eq!(p["resultado"]["numero"], 12, "{p}");
    assert_eq!(c.no_livro(12).map(|e| e.nome()), Some("desconhecida"));
    let decisao = "/api/v1/nfd/notas/12/decisao?prefeitura=3150&prestador=21118045000135";
    let json_ = ("Content-Type", "application/json");
    // leitura may not decide; `emitida` needs the code.
    c.srv
        .chamar(
            "POST",
            decisao,
            &c.leitura,
            &[json_],
            br#"{"decisao":"nao_emitida"}"#,
        )
        .problema(403);
    let p = c
        .srv
        .chamar(
            "POST",
            decisao,
            &c.operador,
            &[json_],
            br#"{"decisao":"emitida"}"#,
        )
        .problema(400);
    assert!(p["detail"].as_str().unwrap().contains("codigo"), "{p}");
    // A person saw it in the portal: recorded, by the token's name.
    let v = c
        .srv
        .chamar(
            "POST",
            decisao,
            &c.operador,
            &[json_],
            br#"{"decisao":"emitida","codigo":"PORTAL-12"}"#,
        )
        .ok(200);
    assert_eq!(v["estado"], "aceita", "{v}");
    assert_eq!(v["decidido_por"], "erp da prefeitura");
    assert!(matches!(c.no_livro(12), Some(Estado::Aceita { .. })));
    // Nothing left to decide: 422.
    c.srv
        .chamar(
            "POST",
            decisao,
            &c.operador,
            &[json_],
            br#"{"decisao":"nao_emitida"}"#,
        )
        .problema(422);
}

#[test]
fn two_requests_with_one_key_at_once_issue_one_nota() {
    let c = Cenario::novo("nfd-juntos");
    c.sim.injetar(Falha::Lenta(Duration::from_millis(1500)));
    let a = nota("a", Some(1));
    let (r1, r2) = std::thread::scope(|s| {
        let um = s.spawn(|| c.emitir(&a, Some("mesma")));
        std::thread::sleep(Duration::from_millis(200));
        let dois = s.spawn(|| c.emitir(&a, Some("mesma")));
        (um.join().unwrap(), dois.join().unwrap())
    });
    let mut status = [r1.status, r2.status];
    status.sort_unstable();
    assert!(
        status == [201, 409] || (status == [201, 201] && (r1.repetida() || r2.repetida())),
        "{} {} / {} {}",
        r1.status,
        r1.corpo,
        r2.status,
        r2.corpo
    );
    assert_eq!(c.emitidas(), [1], "one nota at the service");
    let r3 = c.emitir(&a, Some("mesma"));
    assert!(r3.repetida() && r3.status == 201, "{}", r3.corpo);
    assert_eq!(c.emitidas(), [1]);
}

#[test]
fn a_send_outlives_its_client_and_a_graceful_shutdown() {
    let mut c = Cenario::novo("nfd-desligar");
    // The client goes away while the service holds its reply.
    c.sim.injetar(Falha::Lenta(Duration::from_millis(1500)));
    let a = nota("a", Some(1));
    let auth = bearer(&c.operador);
    let s = c.srv.escrever(
        "POST",
        &format!("/api/v1/nfd/notas?prefeitura=3150&prestador={PRESTADOR}"),
        &[
            XML,
            ("Idempotency-Key", "vai-embora"),
            ("Authorization", &auth),
        ],
        a.as_bytes(),
    );
    std::thread::sleep(Duration::from_millis(300));
    drop(s);
    let inicio = Instant::now();
    while !matches!(c.no_livro(1), Some(Estado::Aceita { .. })) {
        assert!(
            inicio.elapsed() < Duration::from_secs(20),
            "{:?}",
            c.no_livro(1)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(c.emitidas(), [1]);
    let r = c.emitir(&a, Some("vai-embora"));
    assert!(r.repetida(), "the answer was kept for its key: {}", r.corpo);
    assert_eq!(r.ok(201)["numero"], 1);
    assert_eq!(c.emitidas(), [1]);

    // SIGTERM while a send is in flight: it completes, is recorded, the server exits 0.
    c.sim.injetar(Falha::Lenta(Duration::from_millis(2000)));
    let b = nota("b", None);
    let resposta = std::thread::scope(|s| {
        let pedido = s.spawn(|| c.emitir(&b, Some("no-desligar")));
        std::thread::sleep(Duration::from_millis(500));
        c.srv.sigterm();
        pedido.join().unwrap()
    });
    let v = resposta.ok(201);
    assert_eq!(v["numero"], 2, "{v}");
    assert_eq!(c.srv.esperar_fim(), 0, "{}", c.srv.log());
    assert!(matches!(c.no_livro(2), Some(Estado::Aceita { .. })));
    assert_eq!(c.emitidas(), [1, 2]);
    // The kept answer survives the restart.
    c.srv = Cenario::servir(&c.dir, &c.sim.url());
    let r = c.emitir(&b, Some("no-desligar"));
    assert!(r.repetida() && r.status == 201, "{}", r.corpo);
    assert_eq!(c.emitidas(), [1, 2]);
}
