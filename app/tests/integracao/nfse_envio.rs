//! `guiche nfse send|status|cancel` through the binary against the NFS-e Nacional simulator
//! over mTLS, each asserted from the SIMULATOR's record: issued once; a lost reply settled by
//! the DPS Id and a rerun issuing nothing new; two processes sending one file at once; a
//! process killed between recording and sending, and one killed while its request was in
//! flight, settled by `HEAD /dps/{id}` on the next run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use guiche_certificados::{Certificado, Senha};
use guiche_domain::Cnpj;
use guiche_domain::documento::Documento;
use guiche_domain::nfse::DpsBruta;
use guiche_nfse::simulador::{ConfigSimuladorNfse, FalhaNfse, SimuladorNfse};
use guiche_ports::livro::{LivroNotas, Pedido};
use serde_json::Value;

const CNPJ: &str = "11222333000181";
const SENHA: &str = "s3nh@-nfse";

struct Cenario {
    sim: SimuladorNfse,
    dir: PathBuf,
    pfx: PathBuf,
    ca: PathBuf,
}

fn prestador() -> Documento {
    Documento::Cnpj(Cnpj::parse(CNPJ).unwrap())
}

impl Cenario {
    fn novo(nome: &str) -> Cenario {
        let sim = SimuladorNfse::iniciar(ConfigSimuladorNfse::default()).unwrap();
        let dir = crate::comum::pasta(&format!("nfse-envio-{nome}"));
        let pfx = dir.join("prestador.pfx");
        std::fs::write(&pfx, sim.pfx_prestador(&prestador(), SENHA).unwrap()).unwrap();
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, sim.ca_pem()).unwrap();
        Cenario { sim, dir, pfx, ca }
    }

    fn db(&self) -> PathBuf {
        self.dir.join("livro.db")
    }

    /// The example DPS with `nDPS` = `numero`, as XML.
    fn dps(&self, numero: u64) -> PathBuf {
        let d = DpsBruta::de_json(include_str!("../../../exemplos/nfse/dps.json"))
            .unwrap()
            .validar()
            .unwrap()
            .com_numero(numero)
            .unwrap();
        let caminho = self.dir.join(format!("dps-{numero}.xml"));
        std::fs::write(&caminho, d.para_xml()).unwrap();
        caminho
    }

    fn comando(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_guiche"));
        c.args(args)
            .arg("--json")
            .env("GUICHE_DB", self.db())
            .env("GUICHE_NFSE_URL", self.sim.url_sefin())
            .env("GUICHE_NFSE_CA", &self.ca)
            .env("GUICHE_NFSE_CERT", &self.pfx)
            .env("GUICHE_NFSE_CERT_SENHA", SENHA)
            .env_remove("GUICHE_NFSE_CERT_SENHA_ARQUIVO")
            .env("GUICHE_NFSE_TIMEOUT", "5");
        c
    }

    /// Runs the binary to its end (the simulator keeps serving on the runtime's other worker).
    fn guiche(&self, args: &[&str]) -> (i32, Value) {
        let mut c = self.comando(args);
        tokio::task::block_in_place(|| saida(&c.output().unwrap()))
    }

    fn enviar(&self, arquivo: &Path) -> (i32, Value) {
        self.guiche(&["nfse", "send", arquivo.to_str().unwrap()])
    }

    fn posts(&self) -> usize {
        self.sim
            .chamadas()
            .iter()
            .filter(|c| c.metodo == "POST" && c.caminho.ends_with("/nfse"))
            .count()
    }

    fn chaves(&self) -> Vec<String> {
        self.sim.emitidas().into_iter().map(|n| n.chave).collect()
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

fn chave(v: &Value) -> String {
    assert_eq!(v["situacao"], "emitida", "{v}");
    v["chave"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issued_once_looked_up_and_cancelled_once() {
    let c = Cenario::novo("uma");
    let dps = c.dps(1);
    let (codigo, v) = c.enviar(&dps);
    assert_eq!(codigo, 0, "{v}");
    let k = chave(&v);
    assert_eq!(c.chaves(), vec![k.clone()]);
    // The same file again: the ledger answers, nothing is sent.
    let (codigo, v) = c.enviar(&dps);
    assert_eq!((codigo, chave(&v)), (0, k.clone()));
    assert_eq!((c.posts(), c.chaves().len()), (1, 1));
    // status by the DPS Id (the ledger) and by the key (SEFIN).
    let id = v["id"].as_str().unwrap().to_owned();
    assert_eq!(id, c.sim.emitidas()[0].id_dps);
    let (codigo, v) = c.guiche(&["nfse", "status", &id]);
    assert_eq!((codigo, chave(&v)), (0, k.clone()));
    let (codigo, v) = c.guiche(&["nfse", "status", &k]);
    assert_eq!((codigo, chave(&v)), (0, k.clone()));
    // Cancelled once; the repeat changes nothing.
    let cancelar = [
        "nfse",
        "cancel",
        &k,
        "--codigo",
        "2",
        "--motivo",
        "Serviço não foi prestado ao tomador",
    ];
    let (codigo, v) = c.guiche(&cancelar);
    assert_eq!((codigo, &v["situacao"]), (0, &Value::from("cancelada")));
    let evento = c.sim.emitidas()[0].cancelamento.clone().unwrap();
    assert!(evento.contains(&format!("PRE{k}101101")), "{evento}");
    let (codigo, v) = c.guiche(&cancelar);
    assert_eq!((codigo, &v["situacao"]), (0, &Value::from("jaCancelada")));
    // status now knows it cancelled, by the key and by the DPS Id, with when.
    let dh = evento
        .split_once("<dhProc>")
        .unwrap()
        .1
        .split_once("</dhProc>")
        .unwrap()
        .0
        .to_owned();
    for alvo in [&k, &id] {
        let (codigo, v) = c.guiche(&["nfse", "status", alvo]);
        assert_eq!(codigo, 0, "{v}");
        assert_eq!(v["situacao"], "cancelada", "{v}");
        assert_eq!(v["chave"], k.as_str());
        assert_eq!(v["canceladaEm"], dh.as_str());
        assert_eq!(v["tipoEvento"], "101101");
    }
    // A reason too short is refused by field, before anything is signed or sent.
    let (codigo, v) = c.guiche(&["nfse", "cancel", &k, "--codigo", "1", "--motivo", "curto"]);
    assert_eq!(codigo, 1, "{v}");
    assert!(v.to_string().contains("xMotivo"), "{v}");
    // Another DPS under the same Id is refused by the ledger, not sent.
    let outra = std::fs::read_to_string(&dps)
        .unwrap()
        .replace("<xDescServ>", "<xDescServ>Outra: ");
    let outra_dps = c.dir.join("outra.xml");
    std::fs::write(&outra_dps, outra).unwrap();
    let (codigo, v) = c.enviar(&outra_dps);
    assert_eq!(codigo, 1, "{v}");
    assert_eq!(c.posts(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_reply_is_settled_by_the_dps_id_and_a_rerun_issues_nothing_new() {
    let c = Cenario::novo("perdida");
    let dps = c.dps(7);
    // The POST is processed and its reply lost, and the HEAD that would settle it at once
    // fails too: the outcome stays unknown in the ledger.
    c.sim.injetar(FalhaNfse::PerderResposta);
    c.sim.injetar(FalhaNfse::Indisponivel);
    let (codigo, v) = c.enviar(&dps);
    assert_eq!(codigo, 3, "{v}");
    assert_eq!(v["situacao"], "desconhecida", "{v}");
    assert_eq!(c.chaves().len(), 1, "SEFIN issued it");
    // The rerun settles it by HEAD /dps/{id}: the key, no new POST.
    let (codigo, v) = c.enviar(&dps);
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(vec![chave(&v)], c.chaves());
    assert_eq!(c.posts(), 1);
    // A lost reply alone is settled inside the same run.
    let dps = c.dps(8);
    c.sim.injetar(FalhaNfse::PerderResposta);
    let (codigo, v) = c.enviar(&dps);
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(c.chaves().len(), 2);
    assert_eq!(c.chaves()[1], chave(&v));
    assert_eq!(c.posts(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_sending_one_file_at_once_issue_one_nfse() {
    let c = Cenario::novo("dois");
    let dps = c.dps(3);
    let arquivo = dps.to_str().unwrap();
    let filhos: Vec<_> = (0..2)
        .map(|_| {
            c.comando(&["nfse", "send", arquivo])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let saidas: Vec<_> = tokio::task::block_in_place(|| {
        filhos
            .into_iter()
            .map(|f| saida(&f.wait_with_output().unwrap()))
            .collect()
    });
    for (codigo, v) in &saidas {
        assert_eq!(*codigo, 0, "{v}");
    }
    assert_eq!(chave(&saidas[0].1), chave(&saidas[1].1));
    assert_eq!(c.chaves(), vec![chave(&saidas[0].1)]);
    assert_eq!(c.posts(), 1);
}

/// What a process leaves when killed right after recording the DPS and before sending it:
/// the signed DPS in the ledger, marked as sent.
fn gravado_e_morto(c: &Cenario, numero: u64) -> PathBuf {
    let arquivo = c.dps(numero);
    let dps =
        guiche_aplicacao::nfse::validacao::validar_dps(&std::fs::read(&arquivo).unwrap()).unwrap();
    let cert = Certificado::ler_arquivo(&c.pfx, &Senha::from(SENHA)).unwrap();
    let assinada = guiche_certificados::nfse::assinar_dps(&cert, &dps, SystemTime::now()).unwrap();
    let livro = guiche_store::Livro::abrir(&c.db()).unwrap();
    let seq = guiche_aplicacao::nfse::emissao::sequencia(&dps.id());
    let conteudo = guiche_aplicacao::nfse::emissao::conteudo(&dps);
    let r = livro
        .reservar(
            Pedido {
                sequencia: &seq,
                numero: Some(numero),
                data: dps.emissao().data(),
                conteudo: &conteudo,
            },
            &|_| assinada.clone(),
        )
        .unwrap();
    assert_eq!(r.estado.nome(), "enviada");
    arquivo
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_recording_and_sending_the_next_run_settles_by_head_and_issues_once() {
    let c = Cenario::novo("morto");
    let dps = gravado_e_morto(&c, 5);
    assert!(c.sim.chamadas().is_empty());
    let (codigo, v) = c.enviar(&dps);
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(c.chaves(), vec![chave(&v)]);
    let metodos: Vec<String> = c.sim.chamadas().into_iter().map(|x| x.metodo).collect();
    assert_eq!(
        metodos.first().map(String::as_str),
        Some("HEAD"),
        "{metodos:?}"
    );
    assert_eq!(c.posts(), 1);
    // status by the Id agrees: the ledger settles the issue (nothing sent, no HEAD), and SEFIN
    // is asked only for the note's cancellation events.
    let antes = c.sim.chamadas().len();
    let id = v["id"].as_str().unwrap().to_owned();
    let (codigo, v2) = c.guiche(&["nfse", "status", &id]);
    assert_eq!((codigo, chave(&v2)), (0, chave(&v)));
    let depois = c.sim.chamadas().split_off(antes);
    assert!(!depois.is_empty());
    let k = chave(&v);
    for ch in &depois {
        assert_eq!(ch.metodo, "GET", "{depois:?}");
        assert!(
            ch.caminho
                .starts_with(&format!("/SefinNacional/nfse/{k}/eventos/")),
            "{depois:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_with_its_request_in_flight_the_next_run_finds_it_by_head() {
    let c = Cenario::novo("sigkill");
    let dps = c.dps(9);
    // SEFIN processes the DPS, then holds the reply; the process is killed meanwhile.
    c.sim.injetar(FalhaNfse::Lenta(Duration::from_secs(4)));
    let mut filho = c
        .comando(&["nfse", "send", dps.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let inicio = std::time::Instant::now();
    while c.posts() == 0 && inicio.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    filho.kill().unwrap(); // SIGKILL
    tokio::task::block_in_place(|| filho.wait().unwrap());
    assert_eq!(c.posts(), 1);
    // status settles it by the DPS Id, without sending.
    let id = c.sim.emitidas()[0].id_dps.clone();
    let (codigo, v) = c.guiche(&["nfse", "status", &id]);
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(c.chaves(), vec![chave(&v)]);
    let (codigo, v) = c.enviar(&dps);
    assert_eq!((codigo, vec![chave(&v)]), (0, c.chaves()));
    assert_eq!(c.posts(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_stops_a_series_at_an_open_outcome_and_resumes_issuing_each_once() {
    let c = Cenario::novo("lote");
    let pasta = c.dir.join("lote");
    std::fs::create_dir_all(&pasta).unwrap();
    // Given out of order: the batch issues by nDPS.
    for (nome, numero) in [("c.xml", 1), ("a.xml", 3), ("b.xml", 2)] {
        std::fs::rename(c.dps(numero), pasta.join(nome)).unwrap();
    }
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../exemplos/nfse/dps-com-erros.json"
        ),
        pasta.join("errada.json"),
    )
    .unwrap();
    std::fs::write(pasta.join("leia-me.txt"), "não é DPS").unwrap();
    // nDPS 1 is issued and its reply lost, and the settling HEAD fails: 2 and 3 wait.
    c.sim.injetar(FalhaNfse::PerderResposta);
    c.sim.injetar(FalhaNfse::Indisponivel);
    let lote = ["nfse", "batch", pasta.to_str().unwrap()];
    let (codigo, v) = c.guiche(&lote);
    assert_eq!(codigo, 3, "{v}");
    assert_eq!(v["resumo"]["emAberto"], 3, "{v}");
    assert_eq!(v["resumo"]["invalidas"], 1, "{v}");
    assert_eq!((c.chaves().len(), c.posts()), (1, 1));
    // Resumed: 1 settled by HEAD, 2 and 3 sent; each DPS Id issued once.
    let (codigo, v) = c.guiche(&lote);
    assert_eq!(codigo, 1, "the invalid file: {v}");
    assert_eq!(v["resumo"]["emitidas"], 3, "{v}");
    assert_eq!(c.posts(), 3);
    let mut ids: Vec<String> = c.sim.emitidas().into_iter().map(|n| n.id_dps).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    let linhas = v["dps"].as_array().unwrap();
    let arquivos: Vec<&str> = linhas
        .iter()
        .map(|l| l["arquivo"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(arquivos, ["a.xml", "b.xml", "c.xml", "errada.json"]);
    // Once more: nothing sent.
    let (_, v) = c.guiche(&lote);
    assert_eq!(v["resumo"]["emitidas"], 3, "{v}");
    assert_eq!(c.posts(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sefin_unreachable_keeps_the_dps_recorded_and_the_next_run_sends_it() {
    let c = Cenario::novo("inalcancavel");
    let dps = c.dps(4);
    let mut cmd = c.comando(&["nfse", "send", dps.to_str().unwrap()]);
    cmd.env("GUICHE_NFSE_URL", "https://127.0.0.1:1/SefinNacional");
    let (codigo, v) = tokio::task::block_in_place(|| saida(&cmd.output().unwrap()));
    assert_eq!(codigo, 3, "{v}");
    assert_eq!(v["situacao"], "naoEnviada", "{v}");
    assert!(c.sim.chamadas().is_empty());
    let (codigo, v) = c.enviar(&dps);
    assert_eq!(codigo, 0, "{v}");
    assert_eq!((c.chaves(), c.posts()), (vec![chave(&v)], 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tomador_rejects_and_the_prestador_asks_for_analysis_through_the_binary() {
    let c = Cenario::novo("eventos");
    let (codigo, v) = c.enviar(&c.dps(1));
    assert_eq!(codigo, 0, "{v}");
    let k = chave(&v);
    // The tomador (the example's CPF) signs with its own e-CPF.
    let tomador = Documento::parse("52998224725").unwrap();
    let pfx_tomador = c.dir.join("tomador.pfx");
    std::fs::write(&pfx_tomador, c.sim.pfx_prestador(&tomador, SENHA).unwrap()).unwrap();
    let rejeitar = [
        "nfse",
        "event",
        &k,
        "--tipo",
        "rejeicao-tomador",
        "--codigo",
        "3",
        "--motivo",
        "O serviço não foi prestado no período",
    ];
    let rodar = |args: &[&str], pfx: &Path| {
        let mut cmd = c.comando(args);
        cmd.env("GUICHE_NFSE_CERT", pfx);
        tokio::task::block_in_place(|| saida(&cmd.output().unwrap()))
    };
    let (codigo, v) = rodar(&rejeitar, &pfx_tomador);
    assert_eq!(
        (codigo, &v["situacao"]),
        (0, &Value::from("registrado")),
        "{v}"
    );
    assert_eq!(v["tipo"], "203206");
    let registrados = c.sim.emitidas()[0].eventos.clone();
    assert_eq!(registrados.len(), 1);
    assert!(registrados[0].1.contains(&format!("PRE{k}203206")));
    assert!(
        registrados[0]
            .1
            .contains("<CPFAutor>52998224725</CPFAutor>")
    );
    // Again: already registered, nothing changes.
    let (codigo, v) = rodar(&rejeitar, &pfx_tomador);
    assert_eq!(
        (codigo, &v["situacao"]),
        (0, &Value::from("jaRegistrado")),
        "{v}"
    );
    // The prestador's certificate is not the tomador's: refused by SEFIN (exit 1).
    let (codigo, v) = c.guiche(&rejeitar);
    assert_eq!(codigo, 1, "{v}");
    assert!(v.to_string().contains("E0812"), "{v}");
    // The prestador asks for the fiscal analysis of a cancellation, by its code.
    let (codigo, v) = c.guiche(&[
        "nfse",
        "event",
        &k,
        "--tipo",
        "101103",
        "--codigo",
        "9",
        "--motivo",
        "Cancelamento pedido fora do prazo",
    ]);
    assert_eq!(
        (codigo, &v["situacao"]),
        (0, &Value::from("registrado")),
        "{v}"
    );
    assert_eq!(c.sim.emitidas()[0].eventos.len(), 2);
    // Bad input stops before anything is signed or sent: a motive outside the XSD's codes is a
    // usage error (2), a short reason a rejection by field (1).
    let posts = c.sim.chamadas().len();
    let (codigo, _) = rodar(
        &[
            "nfse",
            "event",
            &k,
            "--tipo",
            "rejeicao-tomador",
            "--codigo",
            "7",
        ],
        &pfx_tomador,
    );
    assert_eq!(codigo, 2);
    let (codigo, v) = rodar(
        &[
            "nfse",
            "event",
            &k,
            "--tipo",
            "rejeicao-tomador",
            "--codigo",
            "1",
            "--motivo",
            "curto",
        ],
        &pfx_tomador,
    );
    assert_eq!(codigo, 1, "{v}");
    assert!(v.to_string().contains("e203206/xMotivo"), "{v}");
    assert_eq!(c.sim.chamadas().len(), posts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_municipal_rate_is_read_from_the_adn_through_the_binary() {
    let c = Cenario::novo("aliquota");
    let rodar = |args: &[&str], adn: bool| {
        let mut cmd = c.comando(args);
        if adn {
            cmd.env("GUICHE_NFSE_ADN_URL", c.sim.url_parametros());
        } else {
            cmd.env_remove("GUICHE_NFSE_ADN_URL");
        }
        tokio::task::block_in_place(|| cmd.output().unwrap())
    };
    let args = [
        "nfse",
        "aliquota",
        "3550308",
        "010101",
        "--data",
        "01/11/2026",
    ];
    let (codigo, v) = saida(&rodar(&args, true));
    assert_eq!(
        (codigo, &v["situacao"]),
        (0, &Value::from("encontrada")),
        "{v}"
    );
    assert_eq!(v["competencia"], "2026-11-01");
    assert_eq!(v["aliquotas"][0]["aliquota"], "2", "{v}");
    assert_eq!(v["aliquotas"][0]["inicio"], "2026-01-01");
    let chamada = c.sim.chamadas().pop().unwrap();
    assert_eq!(
        (chamada.metodo.as_str(), chamada.caminho.as_str()),
        ("GET", "/parametrizacao/3550308/010101/2026-11-01/aliquota")
    );
    // A rate set on the ADN is the one shown, in the human form too.
    c.sim.definir_aliquotas(
        "3550308",
        "070201",
        serde_json::json!([{ "Incidencia": "Município do prestador", "Aliq": 5, "DtIni": "2026-01-01", "DtFim": "2026-12-31" }]),
    );
    let mut humano = Command::new(env!("CARGO_BIN_EXE_guiche"));
    humano
        .args(["nfse", "aliquota", "3550308", "070201"])
        .env("GUICHE_DB", c.db())
        .env("GUICHE_NFSE_URL", c.sim.url_sefin())
        .env("GUICHE_NFSE_ADN_URL", c.sim.url_parametros())
        .env("GUICHE_NFSE_CA", &c.ca)
        .env("GUICHE_NFSE_CERT", &c.pfx)
        .env("GUICHE_NFSE_CERT_SENHA", SENHA)
        .env("GUICHE_HOJE", "15/11/2026");
    let o = tokio::task::block_in_place(|| humano.output().unwrap());
    let texto = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{texto}");
    assert!(
        texto.contains("competência 15/11/2026")
            && texto
                .contains("ISS 5%, incidência Município do prestador, de 01/01/2026 a 31/12/2026"),
        "{texto}"
    );
    // A service the municipality has no rate for: rejected (1), said so.
    let (codigo, v) = saida(&rodar(
        &[
            "nfse",
            "aliquota",
            "3550308",
            "990101",
            "--data",
            "01/11/2026",
        ],
        true,
    ));
    assert_eq!(
        (codigo, &v["situacao"]),
        (1, &Value::from("semAliquota")),
        "{v}"
    );
    // Bad input is a usage error (2) before any request; so is an ADN that cannot be told from
    // a SEFIN address that is not the national one.
    let antes = c.sim.chamadas().len();
    assert_eq!(
        rodar(&["nfse", "aliquota", "355030", "010101"], true)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        rodar(
            &[
                "nfse",
                "aliquota",
                "3550308",
                "010101",
                "--data",
                "31/02/2026"
            ],
            true
        )
        .status
        .code(),
        Some(2)
    );
    let sem_adn = rodar(&args, false);
    assert_eq!(sem_adn.status.code(), Some(2));
    let dito = format!(
        "{}{}",
        String::from_utf8_lossy(&sem_adn.stdout),
        String::from_utf8_lossy(&sem_adn.stderr)
    );
    assert!(dito.contains("GUICHE_NFSE_ADN_URL"), "{dito}");
    assert_eq!(c.sim.chamadas().len(), antes);
}
