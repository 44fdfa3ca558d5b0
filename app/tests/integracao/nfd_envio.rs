//! `guiche nfd send` and `guiche nfd batch` through the binary, against the NFD simulator on
//! loopback: every number issued exactly once through timeouts, resets, HTTP errors, refused
//! connections and a batch killed mid-way.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

use guiche_domain::Data;
use guiche_nfd::simulador::{ConfigSimulador, Falha, SimuladorNfd};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const NOTA: &str = include_str!("../../../domain/tests/vetores/nfd-manual.xml");
const PRESTADOR: &str = "21118045000135";
const SENHA: &str = "fiscalb";

struct Cenario {
    sim: SimuladorNfd,
    dir: PathBuf,
    /// `GUICHE_DB`: the ledger file in `dir`, or a PostgreSQL database's URL.
    db: String,
}

fn dir_novo(nome: &str) -> PathBuf {
    crate::comum::pasta(&format!("envio-{nome}"))
}

impl Cenario {
    async fn novo(nome: &str) -> Cenario {
        let config = ConfigSimulador {
            hoje: Some(Data::new(2026, 11, 22).unwrap()),
            ..ConfigSimulador::default()
        };
        let sim = SimuladorNfd::iniciar(config).unwrap();
        sim.cadastrar_prestador(PRESTADOR, SENHA, &["3150", "0044"]);
        sim.cadastrar_prestador("11222333000181", "outra", &["3150"]);
        let dir = dir_novo(nome);
        Cenario {
            sim,
            db: dir.join("livro.db").display().to_string(),
            dir,
        }
    }

    /// [`Cenario::novo`] with its ledger on a new PostgreSQL database; `None` when there is no
    /// PostgreSQL here and none is required (outside CI).
    async fn novo_no_postgres(nome: &str) -> Option<Cenario> {
        let url = guiche_postgres::teste::banco_novo_ou_pular(nome)?;
        Some(Cenario {
            db: url,
            ..Cenario::novo(nome).await
        })
    }

    /// The ledger the processes share, opened by this test.
    fn livro(&self) -> std::sync::Arc<dyn guiche_ports::LivroCompleto> {
        if guiche_postgres::e_url_postgres(&self.db) {
            let opcoes = guiche_postgres::Opcoes::default();
            std::sync::Arc::new(guiche_postgres::Livro::abrir(&self.db, &opcoes).unwrap())
        } else {
            std::sync::Arc::new(guiche_store::Livro::abrir(Path::new(&self.db)).unwrap())
        }
    }

    /// A nota file: the manual's example with a valid customer, a distinct description, and
    /// the given number (blank for the ledger to assign).
    fn nota(&self, nome: &str, numero: Option<u64>) -> PathBuf {
        let xml = NOTA
            .replace(
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
            .replace("DESCRIÇÃO DO SERVIÇO", &format!("SERVIÇO {nome}"));
        let p = self.dir.join(format!("{nome}.xml"));
        std::fs::write(&p, xml).unwrap();
        p
    }

    fn comando(&self, args: &[&str], timeout: &str) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_guiche"));
        c.args(args)
            .env("GUICHE_DB", &self.db)
            .env("GUICHE_NFD_URL", self.sim.url())
            .env("GUICHE_NFD_SENHA", SENHA)
            .env("GUICHE_NFD_SENHA_11222333000181", "outra")
            .env("GUICHE_NFD_TIMEOUT", timeout)
            .env("GUICHE_HOJE", "22/11/2026");
        c
    }

    async fn guiche(&self, args: &[&str]) -> Output {
        self.guiche_com(args, "5", None).await
    }

    async fn guiche_com(&self, args: &[&str], timeout: &str, url: Option<&str>) -> Output {
        let mut c = self.comando(args, timeout);
        if let Some(u) = url {
            c.env("GUICHE_NFD_URL", u);
        }
        tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap()
    }

    async fn enviar(&self, arquivo: &Path) -> (i32, Value) {
        let o = self
            .guiche(&[
                "nfd",
                "send",
                arquivo.to_str().unwrap(),
                "--prefeitura",
                "3150",
                "--prestador",
                PRESTADOR,
                "--json",
            ])
            .await;
        saida(&o)
    }

    fn emitidas(&self) -> Vec<u64> {
        self.sim
            .emitidas(PRESTADOR, "3150")
            .iter()
            .map(|n| n.numero)
            .collect()
    }
}

fn saida(o: &Output) -> (i32, Value) {
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap(), v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_then_next_then_refuse_the_same_nota_locally() {
    let c = Cenario::novo("basico").await;
    let (codigo, v) = c.enviar(&c.nota("a", Some(6053))).await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["estado"], "emitida");
    let emitida = &c.sim.emitidas(PRESTADOR, "3150")[0];
    assert_eq!(
        v["codigo"],
        emitida.codigo.as_str(),
        "o código do serviço chega ao usuário"
    );
    let (codigo, v) = c.enviar(&c.nota("b", None)).await;
    assert_eq!((codigo, v["numero"].as_u64()), (0, Some(6054)), "{v}");
    let antes = c.sim.requisicoes();
    let (codigo, v) = c.enviar(&c.dir.join("a.xml")).await;
    assert_eq!(
        (codigo, v["estado"].as_str()),
        (1, Some("ja_emitida")),
        "{v}"
    );
    assert_eq!(c.sim.requisicoes(), antes, "nada foi enviado");
    assert_eq!(c.emitidas(), [6053, 6054]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_windows_1252_nota_is_issued_as_the_utf8_xml_the_client_writes() {
    let c = Cenario::novo("cp1252").await;
    let original = include_bytes!("../../../domain/tests/vetores/nfd-aspas-windows-1252.xml");
    let i = original
        .windows(11)
        .position(|w| w == b"00000000000")
        .unwrap();
    let mut bytes = original.to_vec();
    bytes.splice(i..i + 11, b"52998224725".iter().copied());
    let arquivo = c.dir.join("cp1252.xml");
    std::fs::write(&arquivo, &bytes).unwrap();
    let (codigo, v) = c.enviar(&arquivo).await;
    assert_eq!(codigo, 0, "{v}");
    let emitida = &c.sim.emitidas(PRESTADOR, "3150")[0];
    assert_eq!(emitida.numero, 6053);
    assert!(
        emitida.documento.contains(
            "<DESCRICAO_SERVICOS>MANUTENÇÃO “PREMIUM” – PARCELA 1/3… (€ 80,00 em peças)<"
        ),
        "o serviço recebe o texto, não os bytes do arquivo: {}",
        emitida.documento
    );
    assert!(!emitida.documento.contains("windows-1252"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_nota_needs_its_number() {
    let c = Cenario::novo("primeira").await;
    let (codigo, v) = c.enviar(&c.nota("a", None)).await;
    assert_eq!(codigo, 1, "{v}");
    assert_eq!(v["violacoes"][0]["campo"], "NUMERO_NOTA");
    assert_eq!(c.sim.requisicoes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_gives_the_number_back() {
    let c = Cenario::novo("recusa").await;
    assert_eq!(c.enviar(&c.nota("a", Some(10))).await.0, 0);
    let mut cmd = c.comando(
        &[
            "nfd",
            "send",
            c.nota("b", None).to_str().unwrap(),
            "--prefeitura",
            "3150",
            "--prestador",
            PRESTADOR,
            "--json",
        ],
        "5",
    );
    cmd.env("GUICHE_NFD_SENHA", "errada");
    let o = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let (codigo, v) = saida(&o);
    assert_eq!(
        (codigo, v["estado"].as_str(), v["numero"].as_u64()),
        (1, Some("recusada"), Some(11)),
        "{v}"
    );
    assert!(v["mensagem"].as_str().unwrap().contains("senha"), "{v}");
    let (codigo, v) = c.enviar(&c.dir.join("b.xml")).await;
    assert_eq!(
        (codigo, v["numero"].as_u64()),
        (0, Some(11)),
        "o número recusado volta: {v}"
    );
    assert_eq!(c.emitidas(), [10, 11]);
}

/// The service issues the nota but the reply never arrives: the outcome is unknown; the next
/// send settles it with the duplicate reply, never a second issuance.
async fn unknown_outcome_is_settled_once(falha: Falha, nome: &str, explicacao: &str) {
    let c = Cenario::novo(nome).await;
    assert_eq!(c.enviar(&c.nota("a", Some(1))).await.0, 0);
    c.sim.injetar(falha);
    let b = c.nota("b", None);
    let o = c
        .guiche_com(
            &[
                "nfd",
                "send",
                b.to_str().unwrap(),
                "--prefeitura",
                "3150",
                "--prestador",
                PRESTADOR,
                "--json",
            ],
            "0.5",
            None,
        )
        .await;
    let (codigo, v) = saida(&o);
    assert_eq!(
        (codigo, v["estado"].as_str()),
        (3, Some("desconhecida")),
        "{v}"
    );
    let mensagem = v["mensagem"].as_str().unwrap();
    assert!(mensagem.contains(explicacao), "{v}");
    assert_eq!(c.emitidas(), [1, 2], "o serviço emitiu a nota 2");
    let (codigo, v) = c.enviar(&b).await;
    assert_eq!(
        (codigo, v["estado"].as_str(), v["numero"].as_u64()),
        (0, Some("emitida"), Some(2)),
        "{v}"
    );
    let (codigo, v) = c.enviar(&c.nota("c", None)).await;
    assert_eq!((codigo, v["numero"].as_u64()), (0, Some(3)), "{v}");
    assert_eq!(c.emitidas(), [1, 2, 3], "cada número exatamente uma vez");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_after_the_request_left() {
    unknown_outcome_is_settled_once(
        Falha::Lenta(Duration::from_secs(3)),
        "lenta",
        "não respondeu dentro do prazo",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_reset_after_the_request_left() {
    unknown_outcome_is_settled_once(
        Falha::Reset,
        "reset",
        "conexão foi encerrada antes da resposta",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_500_then_a_normal_issuance() {
    let c = Cenario::novo("http500").await;
    assert_eq!(c.enviar(&c.nota("a", Some(1))).await.0, 0);
    c.sim.injetar(Falha::Http500);
    let b = c.nota("b", None);
    let (codigo, v) = c.enviar(&b).await;
    assert_eq!(
        (codigo, v["estado"].as_str()),
        (3, Some("desconhecida")),
        "{v}"
    );
    assert_eq!(c.emitidas(), [1]);
    let (codigo, v) = c.enviar(&c.nota("c", None)).await;
    assert_eq!(codigo, 0, "a pendente (b) é resolvida antes de c: {v}");
    assert_eq!(c.emitidas(), [1, 2, 3]);
    let (codigo, v) = c.enviar(&b).await;
    assert_eq!(
        (codigo, v["estado"].as_str(), v["numero"].as_u64()),
        (1, Some("ja_emitida"), Some(2)),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_service_keeps_the_reservation() {
    let c = Cenario::novo("fora").await;
    let fechada = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/wsnfd/ServicoNfd.asmx", l.local_addr().unwrap())
    };
    let a = c.nota("a", Some(7));
    let o = c
        .guiche_com(
            &[
                "nfd",
                "send",
                a.to_str().unwrap(),
                "--prefeitura",
                "3150",
                "--prestador",
                PRESTADOR,
                "--json",
            ],
            "5",
            Some(&fechada),
        )
        .await;
    let (codigo, v) = saida(&o);
    assert_eq!(
        (codigo, v["estado"].as_str()),
        (3, Some("nao_enviada")),
        "{v}"
    );
    assert!(
        v["mensagem"]
            .as_str()
            .unwrap()
            .contains("não foi possível conectar"),
        "{v}"
    );
    let (codigo, v) = c.enviar(&a).await;
    assert_eq!((codigo, v["numero"].as_u64()), (0, Some(7)), "{v}");
    assert_eq!(c.emitidas(), [7]);
}

fn lote(c: &Cenario, n: usize) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            c.nota(
                &format!("lote{i:03}"),
                if i == 0 { Some(100) } else { None },
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_killed_midway_completes_with_each_number_once() {
    let c = Cenario::novo("morto").await;
    let arquivos = lote(&c, 30);
    let mut args = vec![
        "nfd",
        "batch",
        "--prefeitura",
        "3150",
        "--prestador",
        PRESTADOR,
        "--json",
    ];
    args.extend(arquivos.iter().map(|p| p.to_str().unwrap()));
    for _ in 0..30 {
        c.sim.injetar(Falha::Lenta(Duration::from_millis(100)));
    }
    let mut filho = c
        .comando(&args, "5")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while c.emitidas().len() < 5 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    filho.kill().unwrap();
    let _ = filho.wait();
    let no_meio = c.emitidas().len();
    assert!(
        no_meio < 30,
        "o lote deveria ter sido interrompido no meio ({no_meio})"
    );
    let o = c.guiche_com(&args, "5", None).await;
    let (codigo, v) = saida(&o);
    assert_eq!(codigo, 0, "{v}");
    let emitidas = c.emitidas();
    assert_eq!(
        emitidas,
        (100..130).collect::<Vec<u64>>(),
        "cada número uma vez, sem pular"
    );
    let notas = v["notas"].as_array().unwrap();
    assert!(
        notas
            .iter()
            .all(|n| n["estado"] == "emitida" || n["estado"] == "ja_emitida"),
        "{v}"
    );
    let docs = c.sim.emitidas(PRESTADOR, "3150");
    for (i, nota) in docs.iter().enumerate() {
        assert!(
            nota.documento.contains(&format!("SERVIÇO lote{i:03}")),
            "a nota {} é o arquivo {i}",
            nota.numero
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_script_runs_sequences_in_parallel() {
    let c = Cenario::novo("roteiro").await;
    let mut linhas = String::new();
    for i in 0..6 {
        let (prestador, numero) = if i % 2 == 0 {
            (PRESTADOR, 50)
        } else {
            ("11222333000181", 900)
        };
        let nome = format!("r{i}");
        let primeira = if i < 2 { Some(numero) } else { None };
        c.nota(&nome, primeira);
        linhas.push_str(&format!("3150\t{prestador}\t{nome}.xml\n"));
    }
    let roteiro = c.dir.join("roteiro.tsv");
    std::fs::write(&roteiro, linhas).unwrap();
    let o = c
        .guiche(&[
            "nfd",
            "batch",
            roteiro.to_str().unwrap(),
            "--concurrency",
            "2",
            "--json",
        ])
        .await;
    let (codigo, v) = saida(&o);
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(c.emitidas(), [50, 51, 52]);
    let outro: Vec<u64> = c
        .sim
        .emitidas("11222333000181", "3150")
        .iter()
        .map(|n| n.numero)
        .collect();
    assert_eq!(outro, [900, 901, 902]);
}

impl Cenario {
    /// `guiche ARGS --json` with extra variables; exit code and JSON.
    async fn guiche_json(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, Value) {
        let mut c = self.comando(args, "5");
        c.arg("--json");
        for (k, v) in env {
            c.env(k, v);
        }
        let o = tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap();
        saida(&o)
    }

    async fn enviar_com(
        &self,
        arquivo: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> (i32, Value) {
        let mut args = vec![
            "nfd",
            "send",
            arquivo.to_str().unwrap(),
            "--prefeitura",
            "3150",
            "--prestador",
            PRESTADOR,
        ];
        args.extend_from_slice(extra);
        self.guiche_json(&args, env).await
    }

    /// The descriptions of the issued notas, in number order.
    fn servicos_emitidos(&self) -> Vec<String> {
        self.sim
            .emitidas(PRESTADOR, "3150")
            .iter()
            .map(|n| {
                let i = n.documento.find("SERVIÇO ").unwrap();
                n.documento[i..]
                    .split('<')
                    .next()
                    .unwrap()
                    .trim()
                    .to_owned()
            })
            .collect()
    }
}

/// The issue's first scenario: nota 2 is issued but its reply is lost; the next send runs with a
/// wrong password, the resend of nota 2 is refused. Nota 2 must stay unknown (its number held):
/// sending the first nota again must not issue it a second time under a new number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_resend_never_frees_an_issued_number() {
    let c = Cenario::novo("senha-errada").await;
    let a = c.nota("a", Some(1));
    assert_eq!(c.enviar(&a).await.0, 0);
    c.sim.injetar(Falha::Reset);
    let b = c.nota("b", None);
    assert_eq!(c.enviar(&b).await.0, 3);
    let errada = [("GUICHE_NFD_SENHA", "errada")];
    let (codigo, v) = c.enviar_com(&c.nota("c", None), &[], &errada).await;
    assert_eq!(codigo, 3, "{v}");
    let m = v["mensagem"].as_str().unwrap();
    assert!(
        m.contains("nota nº 2") && m.contains("senha inválidos"),
        "{v}"
    );
    let (codigo, v) = c.enviar_com(&b, &[], &errada).await;
    assert_eq!(
        (codigo, v["estado"].as_str()),
        (3, Some("reenvio_recusado")),
        "{v}"
    );
    assert!(
        v["mensagem"]
            .as_str()
            .unwrap()
            .contains("guiche nfd resolve 2"),
        "{v}"
    );
    // The first nota again: known, nothing sent.
    let (codigo, v) = c.enviar_com(&a, &[], &errada).await;
    assert_eq!(
        (codigo, v["estado"].as_str()),
        (1, Some("ja_emitida")),
        "{v}"
    );
    assert_eq!(c.emitidas(), [1, 2]);
    // With the password fixed, the resend meets "já consta" and the sequence moves on.
    let (codigo, v) = c.enviar(&c.dir.join("c.xml")).await;
    assert_eq!((codigo, v["numero"].as_u64()), (0, Some(3)), "{v}");
    assert_eq!(
        c.servicos_emitidos(),
        ["SERVIÇO a", "SERVIÇO b", "SERVIÇO c"]
    );
}

/// After a refused resend a person checks the portal and records what they saw; the ledger
/// keeps who decided, and the sequence moves on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_resolves_an_unknown_outcome() {
    let c = Cenario::novo("resolve").await;
    assert_eq!(c.enviar(&c.nota("a", Some(1))).await.0, 0);
    c.sim.injetar(Falha::Reset);
    assert_eq!(c.enviar(&c.nota("b", None)).await.0, 3);
    let codigo_portal = c.sim.emitidas(PRESTADOR, "3150")[1].codigo.clone();
    let o = c
        .guiche_com(
            &[
                "nfd",
                "resolve",
                "2",
                "--prefeitura",
                "3150",
                "--prestador",
                PRESTADOR,
                "--emitida",
                " ",
            ],
            "5",
            None,
        )
        .await;
    assert_eq!(o.status.code(), Some(2), "um código vazio é erro de uso");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--emitida"));
    let resolver = |extra: &[&str]| {
        let mut args = vec![
            "nfd",
            "resolve",
            "2",
            "--prefeitura",
            "3150",
            "--prestador",
            PRESTADOR,
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let args = resolver(&["--emitida", &codigo_portal, "--por", "maria"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (codigo, v) = c.guiche_json(&args, &[]).await;
    assert_eq!((codigo, v["estado"].as_str()), (0, Some("aceita")), "{v}");
    assert_eq!(v["decidido_por"], "maria");
    // Nothing left to decide now.
    let args = resolver(&["--nao-emitida"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (codigo, v) = c.guiche_json(&args, &[("USER", "joao")]).await;
    assert_eq!(codigo, 1, "{v}");
    let requisicoes = c.sim.requisicoes();
    let (codigo, v) = c.enviar(&c.nota("c", None)).await;
    assert_eq!((codigo, v["numero"].as_u64()), (0, Some(3)), "{v}");
    assert_eq!(
        c.sim.requisicoes(),
        requisicoes + 1,
        "sem reenvio da nota 2"
    );
    assert_eq!(c.emitidas(), [1, 2, 3]);
}

/// The issue's third scenario: the same service to the same customer twice on one day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_notas_are_issued_with_their_own_numbers_or_on_purpose() {
    let c = Cenario::novo("iguais").await;
    assert_eq!(c.enviar(&c.nota("sessao", Some(1))).await.0, 0);
    let (codigo, v) = c.enviar(&c.nota("sessao", Some(2))).await;
    assert_eq!((codigo, v["estado"].as_str()), (0, Some("emitida")), "{v}");
    // A blank number is identified by content: known…
    let em_branco = c.nota("sessao", None);
    let (codigo, v) = c.enviar(&em_branco).await;
    assert_eq!(
        (codigo, v["estado"].as_str()),
        (1, Some("ja_emitida")),
        "{v}"
    );
    // …unless the user says it is a new one.
    let (codigo, v) = c.enviar_com(&em_branco, &["--nova"], &[]).await;
    assert_eq!((codigo, v["numero"].as_u64()), (0, Some(3)), "{v}");
    assert_eq!(c.emitidas(), [1, 2, 3]);
}

/// A small deterministic generator for the chaos schedule (SplitMix64).
struct Sorte(u64);

impl Sorte {
    fn proximo(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn entre(&mut self, de: u64, ate: u64) -> u64 {
        de + self.proximo() % (ate - de)
    }
}

/// How many notas the chaos suite issues: `GUICHE_CAOS_NOTAS`, or the default given.
fn notas_do_caos(padrao: usize) -> usize {
    std::env::var("GUICHE_CAOS_NOTAS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(padrao)
}

/// The chaos suite: `processos` batches on ONE sequence and ONE ledger, each given every nota
/// (in its own rotation), while the service loses 10 % of its replies and holds back 5 %
/// beyond the client's timeout, and every batch is killed with SIGKILL at random moments in
/// its first rounds. Each batch is run again until it exits 0. Asserted from the service's own
/// record: every nota issued exactly once, numbers without a gap.
async fn caos(c: Cenario, nome: &str, processos: usize, notas: usize, mortes: usize) {
    let arquivos: Vec<PathBuf> = (0..notas)
        .map(|i| c.nota(&format!("caos{i:04}"), (i == 0).then_some(1)))
        .collect();
    // The first nota carries the sequence's start; it goes alone.
    loop {
        let (codigo, v) = c.enviar(&arquivos[0]).await;
        match codigo {
            0 => break,
            3 => continue,
            _ => panic!("{v}"),
        }
    }
    c.sim.caos(guiche_nfd::simulador::Caos {
        perdidas: 0.10,
        atrasadas: 0.05,
        atraso: Duration::from_millis(700),
    });
    let semente = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("caos {nome}: semente {semente}");
    let resto = &arquivos[1..];
    let mut tarefas = Vec::new();
    for p in 0..processos {
        let inicio = p * resto.len() / processos;
        let mut ordem: Vec<String> = resto[inicio..]
            .iter()
            .chain(&resto[..inicio])
            .map(|a| a.to_str().unwrap().to_owned())
            .collect();
        let mut args: Vec<String> = [
            "nfd",
            "batch",
            "--prefeitura",
            "3150",
            "--prestador",
            PRESTADOR,
            "--json",
        ]
        .map(str::to_owned)
        .to_vec();
        args.append(&mut ordem);
        let mut comando = c.comando(&[], "0.4");
        comando
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut sorte = Sorte(semente ^ (p as u64).wrapping_mul(0x1234_5678_9ABC_DEF1));
        tarefas.push(tokio::task::spawn_blocking(move || {
            let mut rodadas = 0;
            loop {
                rodadas += 1;
                assert!(rodadas <= 60, "o processo {p} não terminou em 60 rodadas");
                let mut filho = comando.spawn().unwrap();
                if rodadas <= mortes {
                    std::thread::sleep(Duration::from_millis(sorte.entre(50, 1500)));
                    let _ = filho.kill(); // SIGKILL (it may have finished already)
                    let _ = filho.wait();
                    continue;
                }
                let o = filho.wait_with_output().unwrap();
                match o.status.code() {
                    Some(0) => return rodadas,
                    Some(3) => continue, // unknown outcome or busy: run it again, as a user would
                    outro => panic!(
                        "processo {p} saiu com {outro:?}: {}\n{}",
                        String::from_utf8_lossy(&o.stdout),
                        String::from_utf8_lossy(&o.stderr)
                    ),
                }
            }
        }));
    }
    for t in tarefas {
        let rodadas = t.await.unwrap();
        eprintln!("caos {nome}: um processo terminou em {rodadas} rodada(s)");
    }
    c.sim.caos(guiche_nfd::simulador::Caos::default());
    let emitidas = c.emitidas();
    assert_eq!(
        emitidas,
        (1..=notas as u64).collect::<Vec<_>>(),
        "números sem lacuna, cada um uma vez"
    );
    let mut servicos = c.servicos_emitidos();
    servicos.sort();
    let esperados: Vec<String> = (0..notas).map(|i| format!("SERVIÇO caos{i:04}")).collect();
    assert_eq!(servicos, esperados, "cada nota emitida exatamente uma vez");
    // The ledger agrees with the service: nothing pending, every nota accepted.
    let livro = c.livro();
    let seq = guiche_ports::livro::Sequencia {
        prestador: guiche_domain::Documento::parse(PRESTADOR).unwrap(),
        prefeitura: "3150".into(),
    };
    assert!(livro.pendentes(&seq).unwrap().is_empty());
    for n in 1..=notas as u64 {
        let r = livro.por_numero(&seq, n).unwrap().unwrap();
        assert!(
            matches!(r.estado, guiche_ports::livro::Estado::Aceita { .. }),
            "{n}: {:?}",
            r.estado
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_two_processes_on_one_sequence() {
    let c = Cenario::novo("caos2").await;
    caos(c, "caos2", 2, notas_do_caos(120), 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_four_processes_on_one_sequence() {
    let c = Cenario::novo("caos4").await;
    caos(c, "caos4", 4, notas_do_caos(300), 4).await;
}

/// The same chaos with the ledger on PostgreSQL: four processes, one database, one sequence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_four_processes_on_postgres() {
    let Some(c) = Cenario::novo_no_postgres("caos4pg").await else {
        return;
    };
    caos(c, "caos4pg", 4, notas_do_caos(300), 4).await;
}
