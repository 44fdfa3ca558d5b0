//! `guiche conam send|status|period|revenues` through the binary, against the CONAM simulator:
//! the whole flow, token expiry mid-flow, 503 retried on queries, a closed period, rejection on
//! receipt and after evaluation, resend while waiting replaces, resend after evaluation refused.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

use guiche_conam::simulador::{ConfigSimulador, Falha, SimuladorConam, Situacao};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

const PACOTE: &str = include_str!("../../../domain/tests/vetores/conam-manual-1.json");

struct Cenario {
    sim: SimuladorConam,
    dir: PathBuf,
}

impl Cenario {
    fn novo(nome: &str, config: ConfigSimulador) -> Cenario {
        let sim = SimuladorConam::iniciar(config).unwrap();
        sim.cadastrar_cliente("USUARIO", "SENHA", &["1"]);
        let dir = crate::comum::pasta(&format!("conam-{nome}"));
        Cenario { sim, dir }
    }

    fn pacote(&self, nome: &str, id: u64, valor: &str) -> PathBuf {
        let json = PACOTE
            .replace("\"idPacote\": 1", &format!("\"idPacote\": {id}"))
            .replace("\"valor\": 2500.5", &format!("\"valor\": {valor}"));
        let p = self.dir.join(format!("{nome}.json"));
        std::fs::write(&p, json).unwrap();
        p
    }

    async fn guiche(&self, args: &[&str]) -> (i32, Value) {
        self.guiche_em(&self.sim, "livro.db", args).await
    }

    /// Runs `guiche ARGS --json` against `sim` (another city) with the ledger `livro`.
    async fn guiche_em(&self, sim: &SimuladorConam, livro: &str, args: &[&str]) -> (i32, Value) {
        let mut c = Command::new(env!("CARGO_BIN_EXE_guiche"));
        c.args(args)
            .arg("--json")
            .env("GUICHE_DB", self.dir.join(livro))
            .env("GUICHE_CONAM_URL", sim.base())
            .env("GUICHE_CONAM_TOKEN_URL", sim.url_token())
            .env("GUICHE_CONAM_CLIENT_ID", "USUARIO")
            .env("GUICHE_CONAM_CLIENT_SECRET", "SENHA")
            .env("GUICHE_CONAM_INTERVALO", "0.05")
            .env("GUICHE_CONAM_ESPERA_MAX", "20");
        let o: Output = tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap();
        let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}\n{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        });
        (o.status.code().unwrap(), v)
    }

    /// Runs `guiche ARGS` (text output) against the scenario's simulator and ledger.
    async fn texto(&self, args: &[&str]) -> (i32, String) {
        let mut c = Command::new(env!("CARGO_BIN_EXE_guiche"));
        c.args(args)
            .env("GUICHE_DB", self.dir.join("livro.db"))
            .env("GUICHE_CONAM_URL", self.sim.base())
            .env("GUICHE_CONAM_TOKEN_URL", self.sim.url_token())
            .env("GUICHE_CONAM_CLIENT_ID", "USUARIO")
            .env("GUICHE_CONAM_CLIENT_SECRET", "SENHA")
            .env("GUICHE_CONAM_INTERVALO", "0.05")
            .env("GUICHE_CONAM_ESPERA_MAX", "20");
        let o: Output = tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap();
        let texto = String::from_utf8_lossy(&o.stdout).into_owned();
        (o.status.code().unwrap(), texto)
    }

    async fn enviar(&self, arquivo: &Path, esperar: bool) -> (i32, Value) {
        let mut args = vec!["conam", "send", arquivo.to_str().unwrap()];
        if esperar {
            args.push("--wait");
        }
        self.guiche(&args).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_flow_to_approval() {
    let c = Cenario::novo(
        "fluxo",
        ConfigSimulador {
            aprovar_apos_consultas: Some(2),
            ..ConfigSimulador::default()
        },
    );
    let (codigo, v) = c.guiche(&["conam", "period", "1", "2022", "7"]).await;
    assert_eq!((codigo, &v["aberto"]), (0, &Value::Bool(true)), "{v}");
    let (codigo, v) = c.guiche(&["conam", "revenues", "1", "2022"]).await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["receitas"][0]["codigoConta"], "1.1.1.2.50.0.1.0001");
    let (codigo, v) = c
        .guiche(&["conam", "revenues", "1", "2022", "--extra"])
        .await;
    assert_eq!(
        (codigo, v["receitas"][1]["descricao"].as_str()),
        (0, Some("FUNDO DE RESERVA")),
        "{v}"
    );
    let arquivo = c.pacote("p1", 1, "2500.5");
    let (codigo, v) = c.enviar(&arquivo, true).await;
    assert_eq!(
        (codigo, v["situacao"].as_str()),
        (0, Some("aprovado")),
        "{v}"
    );
    let recebido = c.sim.pacote(1).unwrap();
    assert_eq!(recebido.situacao, Situacao::Aprovado);
    let enviado: Value = serde_json::from_str(&recebido.documento).unwrap();
    let manual: Value = serde_json::from_str(PACOTE).unwrap();
    assert_eq!(enviado, manual, "o corpo enviado é o pacote do manual");
    let (codigo, v) = c.guiche(&["conam", "status", "1"]).await;
    assert_eq!(
        (codigo, v["situacao"].as_str()),
        (0, Some("aprovado")),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_renewed_mid_flow() {
    let config = ConfigSimulador {
        aprovar_apos_consultas: Some(30),
        ..ConfigSimulador::default()
    };
    let c = Cenario::novo("token", config);
    let arquivo = c.pacote("p1", 7, "2500.5");
    let envio = c.enviar(&arquivo, true);
    tokio::pin!(envio);
    let resultado = loop {
        tokio::select! {
            r = &mut envio => break r,
            () = tokio::time::sleep(Duration::from_millis(150)) => c.sim.expirar_tokens(),
        }
    };
    let (codigo, v) = resultado;
    assert_eq!(
        (codigo, v["situacao"].as_str()),
        (0, Some("aprovado")),
        "{v}"
    );
    assert!(
        c.sim.tokens_emitidos() >= 2,
        "o token foi renovado ({} emitidos)",
        c.sim.tokens_emitidos()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_on_a_query_is_retried() {
    let c = Cenario::novo("503", ConfigSimulador::default());
    c.sim.injetar(Falha::Indisponivel);
    c.sim.injetar(Falha::Indisponivel);
    let (codigo, v) = c.guiche(&["conam", "period", "1", "2022", "7"]).await;
    assert_eq!((codigo, &v["aberto"]), (0, &Value::Bool(true)), "{v}");
    for _ in 0..5 {
        c.sim.injetar(Falha::Indisponivel);
    }
    let (codigo, v) = c.guiche(&["conam", "period", "1", "2022", "7"]).await;
    assert_eq!(
        (codigo, v["erro"]["tipo"].as_str()),
        (3, Some("desconhecido")),
        "tentativas limitadas: {v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_period_sends_nothing() {
    let c = Cenario::novo("fechado", ConfigSimulador::default());
    c.sim.fechar_periodo("1", 2022, 7);
    let (codigo, v) = c.guiche(&["conam", "period", "1", "2022", "7"]).await;
    assert_eq!((codigo, &v["aberto"]), (1, &Value::Bool(false)), "{v}");
    let (codigo, v) = c.enviar(&c.pacote("p", 1, "2500.5"), false).await;
    assert_eq!(
        (codigo, v["erro"]["tipo"].as_str()),
        (1, Some("periodo_fechado")),
        "{v}"
    );
    assert!(c.sim.pacote(1).is_none(), "nenhum POST");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejections_on_receipt_and_after_evaluation() {
    let c = Cenario::novo("rejeicao", ConfigSimulador::default());
    let (codigo, v) = c.enviar(&c.pacote("invalido", 1, "-2500.5"), false).await;
    assert_eq!(codigo, 1, "a validação offline recusa antes de enviar: {v}");
    assert_eq!(v["violacoes"][0]["regra"], "conam.sinal");
    assert!(c.sim.pacote(1).is_none());
    let (codigo, v) = c.enviar(&c.pacote("p", 2, "2500.5"), false).await;
    assert_eq!(
        (codigo, v["situacao"].as_str()),
        (0, Some("aguardando")),
        "{v}"
    );
    assert!(c.sim.rejeitar(2, "07", "conta contábil sem saldo"));
    let (codigo, v) = c.guiche(&["conam", "status", "2"]).await;
    assert_eq!(
        (codigo, v["situacao"].as_str(), v["codigo"].as_str()),
        (1, Some("rejeitado"), Some("07")),
        "{v}"
    );
    let (codigo, v) = c.guiche(&["conam", "status", "99"]).await;
    assert_eq!(
        (codigo, v["erro"]["tipo"].as_str()),
        (1, Some("nao_encontrado")),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_replaces_while_waiting_and_is_refused_after_evaluation() {
    let c = Cenario::novo("reenvio", ConfigSimulador::default());
    assert_eq!(c.enviar(&c.pacote("v1", 5, "2500.5"), false).await.0, 0);
    let (codigo, v) = c.enviar(&c.pacote("v2", 5, "3000"), false).await;
    assert_eq!(codigo, 0, "{v}");
    let recebido = c.sim.pacote(5).unwrap();
    assert_eq!(recebido.envios, 2);
    assert!(
        recebido.documento.contains("3000"),
        "substituído: {}",
        recebido.documento
    );
    assert!(c.sim.aprovar(5));
    assert_eq!(c.guiche(&["conam", "status", "5"]).await.0, 0);
    let antes = c.sim.requisicoes();
    let (codigo, v) = c.enviar(&c.pacote("v3", 5, "3500"), false).await;
    assert_eq!(
        (codigo, v["erro"]["tipo"].as_str(), v["situacao"].as_str()),
        (1, Some("ja_avaliado"), Some("aprovado")),
        "aprovado com outro conteúdo: nada enviado: {v}"
    );
    assert!(
        c.sim.requisicoes() - antes <= 2,
        "no máximo token e situação; nenhum POST"
    );
    assert_eq!(c.sim.pacote(5).unwrap().envios, 2);
}

/// The package's situation in the ledger file, read straight from SQLite.
fn situacao_no_livro(livro: &Path, id: u64) -> Vec<(String, Option<String>, Option<String>)> {
    let c = rusqlite::Connection::open(livro).unwrap();
    let mut q = c
        .prepare("SELECT documento, situacao, codigo FROM pacotes WHERE id_pacote = ?1")
        .unwrap();
    q.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_send_after_approval_says_approved_and_books_once() {
    let c = Cenario::novo("aprovado-reenvio", ConfigSimulador::default());
    let arquivo = c.pacote("p", 11, "2500.5");
    let (codigo, v) = c.enviar(&arquivo, false).await;
    assert_eq!(
        (codigo, v["situacao"].as_str()),
        (0, Some("aguardando")),
        "{v}"
    );
    assert!(c.sim.aprovar(11), "a contabilidade aprova");
    // The next scheduled run sends the very same file again.
    let (codigo, v) = c.enviar(&arquivo, false).await;
    assert_eq!(
        (codigo, v["situacao"].as_str(), v["reenviado"].as_bool()),
        (0, Some("aprovado"), Some(false)),
        "{v}"
    );
    let recebido = c.sim.pacote(11).unwrap();
    assert_eq!(
        (recebido.situacao, recebido.envios),
        (Situacao::Aprovado, 1),
        "one package, booked once"
    );
    let livro = situacao_no_livro(&c.dir.join("livro.db"), 11);
    assert_eq!(livro.len(), 1, "{livro:?}");
    assert_eq!(livro[0].1.as_deref(), Some("aprovado"), "{livro:?}");
    // And once more, with --wait and in text: still approved, still nothing sent.
    let (codigo, texto) = c
        .texto(&["conam", "send", arquivo.to_str().unwrap(), "--wait"])
        .await;
    assert_eq!(
        (codigo, texto.as_str()),
        (
            0,
            "pacote 11: já aprovado pela contabilidade antes; nada foi reenviado\n"
        )
    );
    assert_eq!(c.sim.pacote(11).unwrap().envios, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_send_after_rejection_stays_rejected_with_its_reason() {
    let c = Cenario::novo("rejeitado-reenvio", ConfigSimulador::default());
    let arquivo = c.pacote("p", 12, "2500.5");
    assert_eq!(c.enviar(&arquivo, false).await.0, 0);
    assert!(c.sim.rejeitar(12, "07", "conta contábil sem saldo"));
    let (codigo, v) = c.enviar(&arquivo, false).await;
    assert_eq!(
        (codigo, v["situacao"].as_str(), v["codigo"].as_str()),
        (1, Some("rejeitado"), Some("07")),
        "the accounting team's rejection, not the refusal of the resend: {v}"
    );
    assert_eq!(v["reenviado"].as_bool(), Some(false), "{v}");
    assert_eq!(c.sim.pacote(12).unwrap().envios, 1);
    let livro = situacao_no_livro(&c.dir.join("livro.db"), 12);
    assert_eq!(
        (livro[0].1.as_deref(), livro[0].2.as_deref()),
        (Some("rejeitado"), Some("07")),
        "{livro:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_send_of_a_package_the_ledger_never_saw_asks_the_status() {
    let c = Cenario::novo("outro-livro", ConfigSimulador::default());
    let arquivo = c.pacote("p", 13, "2500.5");
    assert_eq!(c.enviar(&arquivo, false).await.0, 0);
    assert!(c.sim.aprovar(13));
    // Another machine (another ledger) sends the same package: the service refuses the resend.
    let args = ["conam", "send", arquivo.to_str().unwrap()];
    let (codigo, v) = c.guiche_em(&c.sim, "outro.db", &args).await;
    assert_eq!(
        (codigo, v["situacao"].as_str(), v["reenviado"].as_bool()),
        (0, Some("aprovado"), Some(false)),
        "{v}"
    );
    assert_eq!(c.sim.pacote(13).unwrap().envios, 1);
    let livro = situacao_no_livro(&c.dir.join("outro.db"), 13);
    assert_eq!(livro[0].1.as_deref(), Some("aprovado"), "{livro:?}");
    // Same again, but the status query fails after the refusal: unknown, never rejected.
    let terceiro = "terceiro.db";
    for _ in 0..3 {
        c.sim.injetar(Falha::Lenta(Duration::ZERO)); // token, period, the refused POST
    }
    for _ in 0..8 {
        c.sim.injetar(Falha::Indisponivel); // every status attempt
    }
    let (codigo, v) = c.guiche_em(&c.sim, terceiro, &args).await;
    assert_eq!(
        (codigo, v["erro"]["tipo"].as_str()),
        (3, Some("desconhecido")),
        "{v}"
    );
    let livro = situacao_no_livro(&c.dir.join(terceiro), 13);
    assert_eq!(livro[0].1, None, "outcome unknown, not rejected: {livro:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_corrects_the_ledger_and_says_where_it_disagreed() {
    let c = Cenario::novo("divergencia", ConfigSimulador::default());
    assert_eq!(c.enviar(&c.pacote("p", 14, "2500.5"), false).await.0, 0);
    assert!(c.sim.aprovar(14));
    // What the defect left behind: the ledger says rejected (the refused resend).
    let arquivo = c.dir.join("livro.db");
    rusqlite::Connection::open(&arquivo)
        .unwrap()
        .execute_batch(
            "UPDATE pacotes SET situacao = 'rejeitado', codigo = '99', \
             mensagem = 'pacote 14 já avaliado pela contabilidade' WHERE id_pacote = 14",
        )
        .unwrap();
    let (codigo, v) = c.guiche(&["conam", "status", "14"]).await;
    assert_eq!(
        (codigo, v["situacao"].as_str()),
        (0, Some("aprovado")),
        "{v}"
    );
    assert_eq!(v["livro"]["situacao"].as_str(), Some("rejeitado"), "{v}");
    assert!(
        v["divergencia"]
            .as_str()
            .is_some_and(|d| d.contains("rejeitado")),
        "{v}"
    );
    assert_eq!(
        situacao_no_livro(&arquivo, 14)[0].1.as_deref(),
        Some("aprovado"),
        "the service's word recorded"
    );
    let (codigo, v) = c.guiche(&["conam", "status", "14"]).await;
    assert_eq!(codigo, 0, "{v}");
    assert!(v.get("divergencia").is_none(), "agree now: {v}");
    let (codigo, texto) = c.texto(&["conam", "status", "14"]).await;
    assert_eq!(
        (codigo, texto.as_str()),
        (0, "pacote 14: aprovado pela contabilidade\n")
    );
    rusqlite::Connection::open(&arquivo)
        .unwrap()
        .execute_batch(
            "UPDATE pacotes SET situacao = 'rejeitado', codigo = '99', mensagem = 'já avaliado' \
             WHERE id_pacote = 14",
        )
        .unwrap();
    let (codigo, texto) = c.texto(&["conam", "status", "14"]).await;
    assert_eq!(
        (codigo, texto.as_str()),
        (
            0,
            "pacote 14: aprovado pela contabilidade\n\
             atenção: o livro registrava o pacote 14 como rejeitado (código 99: já avaliado), \
             mas a CONAM diz aprovado: o livro foi corrigido\n"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_cities_with_the_same_id_do_not_collide_in_one_ledger() {
    let c = Cenario::novo("cidades", ConfigSimulador::default());
    let outra = SimuladorConam::iniciar(ConfigSimulador {
        cidade: "outra-cidade".to_owned(),
        ..ConfigSimulador::default()
    })
    .unwrap();
    outra.cadastrar_cliente("USUARIO", "SENHA", &["1"]);
    let arquivo = c.pacote("p", 21, "2500.5");
    assert_eq!(c.enviar(&arquivo, false).await.0, 0);
    assert!(c.sim.aprovar(21));
    assert_eq!(c.guiche(&["conam", "status", "21"]).await.0, 0);
    let args = ["conam", "send", arquivo.to_str().unwrap()];
    let (codigo, v) = c.guiche_em(&outra, "livro.db", &args).await;
    assert_eq!(
        (codigo, v["situacao"].as_str()),
        (0, Some("aguardando")),
        "{v}"
    );
    assert_eq!(
        outra.pacote(21).unwrap().envios,
        1,
        "sent to the other city"
    );
    let (codigo, v) = c
        .guiche_em(&outra, "livro.db", &["conam", "status", "21"])
        .await;
    assert_eq!(
        (codigo, v["situacao"].as_str()),
        (0, Some("aguardando")),
        "{v}"
    );
    assert!(v.get("divergencia").is_none(), "{v}");
    let livro = situacao_no_livro(&c.dir.join("livro.db"), 21);
    let mut situacoes: Vec<_> = livro.iter().map(|l| l.1.clone()).collect();
    situacoes.sort();
    assert_eq!(
        situacoes,
        [Some("aguardando".to_owned()), Some("aprovado".to_owned())],
        "one row per city"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_reply_to_the_post_is_resent_safely() {
    let c = Cenario::novo("reset", ConfigSimulador::default());
    // token, period, then the POST whose reply is lost; the client asks the status and resends.
    c.sim.injetar(Falha::Lenta(Duration::ZERO));
    c.sim.injetar(Falha::Lenta(Duration::ZERO));
    c.sim.injetar(Falha::Reset);
    let (codigo, v) = c.enviar(&c.pacote("p", 9, "2500.5"), false).await;
    assert_eq!(
        (codigo, v["situacao"].as_str()),
        (0, Some("aguardando")),
        "{v}"
    );
    assert_eq!(
        c.sim.pacote(9).unwrap().envios,
        2,
        "reenviado com o mesmo idPacote enquanto aguardava"
    );
}

/// The chaos scenario of CONAM: the accounting team approves between two sends of one
/// package, and replies are lost on the way; the simulator's own record shows one package,
/// and every run ends 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_between_two_sends_while_replies_are_lost() {
    let c = Cenario::novo("caos", ConfigSimulador::default());
    let arquivo = c.pacote("p", 31, "2500.5");
    let nada = Falha::Lenta(Duration::ZERO);
    // token, period, then the POST's reply lost: the status says waiting, resent.
    for f in [nada, nada, Falha::Reset] {
        c.sim.injetar(f);
    }
    let (codigo, v) = c.enviar(&arquivo, false).await;
    assert_eq!(
        (codigo, v["situacao"].as_str()),
        (0, Some("aguardando")),
        "{v}"
    );
    assert!(c.sim.aprovar(31));
    // The next run: the reply to its status check is lost once.
    for f in [nada, Falha::Reset] {
        c.sim.injetar(f);
    }
    let (codigo, v) = c.enviar(&arquivo, false).await;
    assert_eq!(
        (codigo, v["situacao"].as_str(), v["reenviado"].as_bool()),
        (0, Some("aprovado"), Some(false)),
        "{v}"
    );
    // Another machine's ledger never saw it: its POST is refused and that reply is lost.
    for f in [nada, nada, Falha::Reset] {
        c.sim.injetar(f);
    }
    let args = ["conam", "send", arquivo.to_str().unwrap()];
    let (codigo, v) = c.guiche_em(&c.sim, "outra-maquina.db", &args).await;
    assert_eq!(
        (codigo, v["situacao"].as_str()),
        (0, Some("aprovado")),
        "{v}"
    );
    let livro = situacao_no_livro(&c.dir.join("outra-maquina.db"), 31);
    assert_eq!(livro[0].1.as_deref(), Some("aprovado"), "{livro:?}");
    let recebido = c.sim.pacote(31).unwrap();
    assert_eq!(
        (recebido.situacao, recebido.envios),
        (Situacao::Aprovado, 2),
        "the two sends before the approval only"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_package_whose_status_cannot_be_learned_is_not_resent() {
    let c = Cenario::novo("sem-situacao", ConfigSimulador::default());
    let arquivo = c.pacote("p", 32, "2500.5");
    assert_eq!(c.enviar(&arquivo, false).await.0, 0);
    c.sim.injetar(Falha::Lenta(Duration::ZERO)); // token
    for _ in 0..4 {
        c.sim.injetar(Falha::Indisponivel); // every attempt of the status check
    }
    let (codigo, v) = c.enviar(&arquivo, false).await;
    assert_eq!(
        (codigo, v["erro"]["tipo"].as_str()),
        (3, Some("desconhecido")),
        "{v}"
    );
    assert_eq!(c.sim.pacote(32).unwrap().envios, 1, "nothing resent");
    let livro = situacao_no_livro(&c.dir.join("livro.db"), 32);
    assert_eq!(livro[0].1.as_deref(), Some("aguardando"), "{livro:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_are_a_configuration_error() {
    let c = Cenario::novo("credenciais", ConfigSimulador::default());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_guiche"));
    cmd.args(["conam", "period", "1", "2022", "7", "--json"])
        .env("GUICHE_DB", c.dir.join("livro.db"))
        .env("GUICHE_CONAM_URL", c.sim.base())
        .env("GUICHE_CONAM_TOKEN_URL", c.sim.url_token())
        .env("GUICHE_CONAM_CLIENT_ID", "USUARIO")
        .env("GUICHE_CONAM_CLIENT_SECRET", "ERRADA");
    let o = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["erro"]["tipo"], "autenticacao");
    let o = Command::new(env!("CARGO_BIN_EXE_guiche"))
        .args(["conam", "period", "1", "2022", "7"])
        .env_remove("GUICHE_CONAM_URL")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("GUICHE_CONAM_URL"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_valid_offline_can_still_be_rejected_on_receipt() {
    let c = Cenario::novo("recebimento", ConfigSimulador::default());
    // The client's updated Table 2 knows a code the service's table does not.
    let tabela = c.dir.join("tabela2.tsv");
    std::fs::write(
        &tabela,
        "13-01-000\tR\tpositivo\tnao\tnao\tNOVO\tNovo lançamento\n",
    )
    .unwrap();
    let json = PACOTE
        .replace("11-01-001", "13-01-000")
        .replace("\"idPacote\": 1", "\"idPacote\": 4");
    let arquivo = c.dir.join("novo.json");
    std::fs::write(&arquivo, json).unwrap();
    let enviar = [
        "conam",
        "send",
        arquivo.to_str().unwrap(),
        "--tabela2",
        tabela.to_str().unwrap(),
    ];
    let (codigo, v) = c.guiche(&enviar).await;
    assert_eq!(
        (codigo, v["situacao"].as_str()),
        (1, Some("rejeitado")),
        "{v}"
    );
    assert_eq!(v["codigo"], "conam.tipo_lancamento_desconhecido", "{v}");
    assert!(
        c.sim.pacote(4).is_none(),
        "a recusa no recebimento não guarda o pacote"
    );
    let (codigo, v) = c.guiche(&enviar).await;
    assert_eq!(
        (codigo, v["erro"]["tipo"].as_str()),
        (1, Some("ja_avaliado")),
        "rejected in the ledger, unknown to the service: not sent again: {v}"
    );
    assert!(c.sim.pacote(4).is_none());
    let (codigo, v) = c.guiche(&["conam", "status", "4"]).await;
    assert_eq!(
        (codigo, v["erro"]["tipo"].as_str()),
        (1, Some("nao_encontrado")),
        "{v}"
    );
}
