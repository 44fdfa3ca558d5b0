//! Each company's CND and DTE mailbox read by `guiche ecac sync`, through the binary and over
//! HTTP, against the Integra Contador simulator (mTLS) and SERPRO's commercial APIs simulator:
//! the sync fills both, a failing CND lookup leaves the payments settled, and the days left
//! until ciência tácita follow `GUICHE_HOJE`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

use crate::comum;

use comum::servidor::{self, Servidor, bearer};
use comum::{CLIENTE, Cenario, empresa_ecac};
use guiche_domain::{Data, Documento};
use guiche_loja::simulador::{ConfigSimuladorLoja, FalhaLoja, SimuladorLoja};
use guiche_ports::consulta::SituacaoCnd;
use guiche_serpro::simulador::MensagemSimulada;
use serde_json::json;

const DAS: &str = "07202611444777106";

const GUIAS: &str = "tipo;numero_documento;contribuinte;periodo;vencimento;valor\n\
DAS;07.20.26114.4477710-6;11.444.777/0001-61;10/2026;20/11/2026;1.030,00\n";

fn data(t: &str) -> Data {
    Data::parse_iso(t).unwrap()
}

/// The commercial APIs' simulator with the office's contract, and the settings pointing the
/// CND lookups at it.
fn loja() -> (SimuladorLoja, Vec<(&'static str, String)>) {
    let loja = SimuladorLoja::iniciar(ConfigSimuladorLoja::default()).unwrap();
    loja.cadastrar_consumidor("chave-loja", "segredo-loja");
    let env = vec![
        ("GUICHE_CONSULTA", "serpro".to_owned()),
        ("GUICHE_SERPRO_LOJA_URL", loja.url_base()),
        ("GUICHE_SERPRO_LOJA_CONSUMER_KEY", "chave-loja".to_owned()),
        (
            "GUICHE_SERPRO_LOJA_CONSUMER_SECRET",
            "segredo-loja".to_owned(),
        ),
    ];
    (loja, env)
}

/// CLIENTE: an A1 company with a procuração, its DAS issued and paid; three mailbox messages
/// (unread of 15/11, unread of 01/10 — past its deadline —, and a read one).
async fn cliente(c: &Cenario, env: &[(&str, &str)]) {
    c.procuracao_do_cliente();
    c.sim.definir_pagamentos(
        Documento::parse(CLIENTE).unwrap(),
        json!([{ "numeroDocumento": DAS, "dataArrecadacao": "2026-11-20T00:00:00-03:00", "valorTotal": 1030.00 }]),
    );
    let msg = |isn: &str, assunto: &str, dia: &str, lida: bool| MensagemSimulada {
        isn: isn.into(),
        assunto: assunto.into(),
        enviada_em: data(dia),
        lida,
    };
    c.sim.definir_caixa_postal(
        Documento::parse(CLIENTE).unwrap(),
        vec![
            msg("101", "Termo de Intimação Fiscal", "2026-11-15", false),
            msg("102", "Comunicado antigo", "2026-10-01", false),
            msg("103", "Aviso lido", "2026-11-01", true),
        ],
    );
    let (codigo, v) = c.guiche(&empresa_ecac(CLIENTE, "a1"), env).await;
    assert_eq!(codigo, 0, "{v}");
    let guias = c.dir.join("guias.csv");
    std::fs::write(&guias, GUIAS).unwrap();
    let (codigo, v) = c
        .guiche(&["ecac", "guides", "import", guias.to_str().unwrap()], env)
        .await;
    assert_eq!(codigo, 0, "{v}");
}

fn refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_fills_the_cnd_and_the_mailbox_and_days_left_follow_guiche_hoje() {
    let c = Cenario::novo("ecac-cnd");
    let (loja, env) = loja();
    loja.definir_cnd(
        &Documento::parse(CLIENTE).unwrap(),
        SituacaoCnd::Negativa,
        Some(data("2026-12-10")),
    );
    let env = refs(&env);
    cliente(&c, &env).await;

    let (codigo, v) = c.guiche(&["ecac", "sync"], &env).await;
    assert_eq!(codigo, 0, "{v}");
    let e = &v["empresas"][0];
    assert_eq!(e["guiasBaixadas"], 1, "{e}");
    assert_eq!(e["cnd"], "Negativa", "{e}");
    assert_eq!(e["caixaPostal"], "3 mensagem(ns) nova(s)", "{e}");
    let cnd: Vec<_> = loja
        .chamadas()
        .into_iter()
        .filter(|ch| ch.caminho.contains("consulta-cnd"))
        .collect();
    assert_eq!(cnd.len(), 1, "one CND lookup");
    assert_eq!(
        cnd[0].etiqueta.as_deref(),
        Some("ecac-cnd-11444777000161"),
        "tagged for the consumption report"
    );
    let (_, uso) = c.guiche(&["serpro", "usage"], &env).await;
    assert!(uso.to_string().contains("loja/cnd"), "metered: {uso}");

    // The company list carries the CND, its validity counted from GUICHE_HOJE (22/11).
    let (_, v) = c.guiche(&["ecac", "company", "list"], &env).await;
    let cnd = &v["empresas"][0]["cnd"];
    assert_eq!(cnd["situacao"], "negativa", "{v}");
    assert_eq!(cnd["validade"], "2026-12-10", "{v}");
    assert_eq!(cnd["diasValidade"], 18, "{v}");

    // Unread messages: 101 due 30/11 (8 days on 22/11), 102 past its deadline; 103 read.
    let (codigo, v) = c.guiche(&["ecac", "caixa-postal"], &env).await;
    assert_eq!(codigo, 0, "{v}");
    let e = &v["empresas"][0];
    assert_eq!(
        (&e["naoLidas"], &e["cienciaTacita"]),
        (&json!(1), &json!(1)),
        "{v}"
    );
    assert_eq!(e["menorPrazo"], 8, "{v}");
    assert_eq!(e["mensagens"][0]["isn"], "101", "{v}");
    assert_eq!(e["mensagens"][0]["prazo"], "2026-11-30", "{v}");
    assert_eq!(e["mensagens"][1]["isn"], "102", "past deadlines after: {v}");
    assert_eq!(e["mensagens"][1]["diasRestantes"], -37, "{v}");
    let mut depois = env.clone();
    depois.push(("GUICHE_HOJE", "27/11/2026"));
    let (_, v) = c
        .guiche(&["ecac", "caixa-postal", "--empresa", CLIENTE], &depois)
        .await;
    assert_eq!(v["empresas"][0]["menorPrazo"], 3, "{v}");
    let (codigo, _) = c
        .guiche(&["ecac", "caixa-postal", "--empresa", "123"], &env)
        .await;
    assert_eq!(codigo, 2, "a bad CNPJ is a usage error");

    // Read in e-CAC since: the next day's sync marks it read and nothing is new.
    c.sim.definir_caixa_postal(
        Documento::parse(CLIENTE).unwrap(),
        vec![MensagemSimulada {
            isn: "101".into(),
            assunto: "Termo de Intimação Fiscal".into(),
            enviada_em: data("2026-11-15"),
            lida: true,
        }],
    );
    let mut amanha = env.clone();
    amanha.push(("GUICHE_HOJE", "23/11/2026"));
    let (_, v) = c.guiche(&["ecac", "sync"], &amanha).await;
    assert_eq!(
        v["empresas"][0]["caixaPostal"], "0 mensagem(ns) nova(s)",
        "{v}"
    );
    let (_, v) = c.guiche(&["ecac", "caixa-postal"], &env).await;
    assert_eq!(v["empresas"][0]["naoLidas"], 0, "{v}");
    assert_eq!(v["empresas"][0]["cienciaTacita"], 1, "{v}");

    // Over HTTP: the companies' JSON and the mailbox route (role leitura).
    let mut ambiente = c.ambiente();
    ambiente.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let srv = Servidor::iniciar_com(&c.dir, ambiente);
    let leitura = servidor::token(&c.dir, "leitura", "leitura");
    let auth = bearer(&leitura);
    let cab = [("authorization", auth.as_str())];
    let v = srv
        .pedir_async("GET", "/api/v1/ecac/empresas", &cab, b"")
        .await
        .ok(200);
    assert_eq!(v["empresas"][0]["cnd"]["situacao"], "negativa", "{v}");
    let v = srv
        .pedir_async(
            "GET",
            &format!("/api/v1/ecac/caixa-postal?empresa={CLIENTE}"),
            &cab,
            b"",
        )
        .await
        .ok(200);
    assert_eq!(v["empresas"][0]["cienciaTacita"], 1, "{v}");
    let p = srv
        .pedir_async("GET", "/api/v1/ecac/caixa-postal?empresa=123", &cab, b"")
        .await
        .problema(422);
    assert!(p.to_string().contains("empresa"), "{p}");
}

/// The CND lookups and mailbox reads the simulators served: `(cnd, caixa postal)`.
fn servidas(c: &Cenario, loja: &SimuladorLoja) -> (usize, usize) {
    let cnd = loja
        .chamadas()
        .into_iter()
        .filter(|ch| ch.caminho.contains("consulta-cnd"))
        .count();
    (cnd, c.sim.atendidas("MSGCONTRIBUINTE61").len())
}

/// Decision 0017, "Once a day": two syncs on one day make one CND lookup and one mailbox read
/// per company (as the simulators themselves counted them), the second saying it reused
/// them; a sync on the next day reads both again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_syncs_on_one_day_read_the_cnd_and_the_mailbox_once_and_the_next_day_again() {
    let c = Cenario::novo("ecac-cnd-uma-vez");
    let (loja, env) = loja();
    loja.definir_cnd(
        &Documento::parse(CLIENTE).unwrap(),
        SituacaoCnd::Negativa,
        Some(data("2026-12-10")),
    );
    let env = refs(&env);
    cliente(&c, &env).await;

    let (codigo, v) = c.guiche(&["ecac", "sync"], &env).await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["empresas"][0]["cnd"], "Negativa", "{v}");
    assert_eq!(servidas(&c, &loja), (1, 1), "{v}");
    let pagamentos = c.sim.atendidas("PAGAMENTOS71").len();

    let (codigo, v) = c.guiche(&["ecac", "sync"], &env).await;
    assert_eq!(codigo, 0, "{v}");
    let e = &v["empresas"][0];
    assert_eq!(e["cnd"], "já consultada hoje (Negativa)", "{e}");
    assert_eq!(e["caixaPostal"], "já lida hoje", "{e}");
    assert_eq!(servidas(&c, &loja), (1, 1), "nothing asked again today");
    assert!(
        c.sim.atendidas("PAGAMENTOS71").len() > pagamentos,
        "the payments are still fetched every sync"
    );

    let mut amanha = env.clone();
    amanha.push(("GUICHE_HOJE", "23/11/2026"));
    let (codigo, v) = c.guiche(&["ecac", "sync"], &amanha).await;
    assert_eq!(codigo, 0, "{v}");
    let e = &v["empresas"][0];
    assert_eq!(e["cnd"], "Negativa", "{e}");
    assert_eq!(e["caixaPostal"], "0 mensagem(ns) nova(s)", "{e}");
    assert_eq!(servidas(&c, &loja), (2, 2), "the next day reads both again");
    let (_, v) = c.guiche(&["ecac", "company", "list"], &amanha).await;
    assert_eq!(v["empresas"][0]["cnd"]["consultadaEm"], "2026-11-23", "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_cnd_lookup_leaves_the_payments_settled() {
    let c = Cenario::novo("ecac-cnd-falha");
    let (loja, env) = loja();
    let env = refs(&env);
    cliente(&c, &env).await;
    loja.injetar(FalhaLoja::Status(504));

    let (codigo, v) = c.guiche(&["ecac", "sync"], &env).await;
    assert_eq!(codigo, 0, "the company's sync did not fail: {v}");
    let e = &v["empresas"][0];
    assert_eq!(e["guiasBaixadas"], 1, "{e}");
    let cnd = e["cnd"].as_str().unwrap();
    assert!(cnd.starts_with("não consultada: "), "{e}");
    let (_, v) = c.guiche(&["ecac", "guides", "list"], &env).await;
    assert_eq!(v["guias"][0]["baixadaEm"], "2026-11-22", "{v}");
    let (_, v) = c.guiche(&["ecac", "company", "list"], &env).await;
    let cnd = &v["empresas"][0]["cnd"];
    assert_eq!(cnd["situacao"], "nao-consultada", "{v}");
    assert_eq!(cnd["consultadaEm"], "2026-11-22", "{v}");

    // Through Conecta gov.br (a public body's path, the scenario's default) the CND is not
    // asked: it is kept as not checked, saying it is SERPRO's.
    let (codigo, v) = c.guiche(&["ecac", "sync"], &[]).await;
    assert_eq!(codigo, 0, "{v}");
    let texto = v["empresas"][0]["cnd"].as_str().unwrap().to_owned();
    assert!(texto.starts_with("não consultada: "), "{v}");
    assert!(texto.contains("SERPRO"), "{v}");

    // A failure is not a reading: the same day's next sync asks SERPRO again, and reads it.
    loja.definir_cnd(
        &Documento::parse(CLIENTE).unwrap(),
        SituacaoCnd::Negativa,
        Some(data("2026-12-10")),
    );
    let antes = servidas(&c, &loja).0;
    let (codigo, v) = c.guiche(&["ecac", "sync"], &env).await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["empresas"][0]["cnd"], "Negativa", "{v}");
    assert_eq!(servidas(&c, &loja).0, antes + 1, "{v}");
}
