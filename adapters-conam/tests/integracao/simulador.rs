//! The CONAM simulator over a real socket, driven with `reqwest` and compared with the manual's
//! examples (`tests/vetores/`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use guiche_conam::simulador::{
    CODIGO_JA_AVALIADO, CODIGO_PERIODO_FECHADO, ConfigSimulador, Falha, PacoteRecebido,
    SimuladorConam, Situacao,
};
use guiche_conam::wire::{self, ReceitaDto};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const PACOTE_MANUAL: &str = include_str!("../vetores/pacote-manual.json");
const USUARIO: &str = "USUARIO";
const SENHA: &str = "SENHA";

/// A simulator with the manual's client (`USUARIO`/`SENHA`) allowed into entity `1`.
fn simulador() -> SimuladorConam {
    simulador_com(ConfigSimulador::default())
}

fn simulador_com(config: ConfigSimulador) -> SimuladorConam {
    let sim = SimuladorConam::iniciar(config).unwrap();
    sim.cadastrar_cliente(USUARIO, SENHA, &["1"]);
    sim
}

fn cliente() -> reqwest::Client {
    // reqwest is built with `rustls-no-provider`: a provider must exist even for plain http.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A golden vector as a JSON value (`receitas-extraorcamentarias-manual.txt` is not JSON).
fn vetor(nome: &str) -> Value {
    let caminho = format!("{}/tests/vetores/{nome}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(caminho).unwrap()).unwrap()
}

/// The manual's package with a change.
fn pacote(muda: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(PACOTE_MANUAL).unwrap();
    muda(&mut v);
    serde_json::to_string_pretty(&v).unwrap()
}

fn form(grant: &str, id: &str, segredo: &str) -> String {
    serde_urlencoded::to_string([
        ("grant_type", grant),
        ("client_id", id),
        ("client_secret", segredo),
    ])
    .unwrap()
}

/// `POST /token` with a form body, as the manual's curl.
async fn pedir_token(
    c: &reqwest::Client,
    sim: &SimuladorConam,
    corpo: String,
) -> (StatusCode, String) {
    let r = c
        .post(sim.url_token())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(corpo)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// A fresh token for the manual's client.
async fn token(c: &reqwest::Client, sim: &SimuladorConam) -> String {
    let (status, corpo) = pedir_token(c, sim, form("client_credentials", USUARIO, SENHA)).await;
    assert_eq!(status, StatusCode::OK, "{corpo}");
    wire::ler_token(&corpo).unwrap().access_token
}

async fn resposta(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let texto = r.text().await.unwrap();
    let v = serde_json::from_str(&texto).unwrap_or_else(|e| panic!("{status} {texto:?}: {e}"));
    (status, v)
}

/// `GET {base}{caminho}` with this bearer token (none: no `Authorization`).
async fn get(
    c: &reqwest::Client,
    sim: &SimuladorConam,
    caminho: &str,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = c
        .get(format!("{}{caminho}", sim.base()))
        .header("Accept", "application/json");
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    resposta(req.send().await.unwrap()).await
}

/// `POST {base}/v1_0/enviotributos`, as the manual's curl (no `Content-Type` of JSON).
async fn enviar(
    c: &reqwest::Client,
    sim: &SimuladorConam,
    token: Option<&str>,
    corpo: &str,
) -> (StatusCode, Value) {
    let mut req = c
        .post(format!("{}{}", sim.base(), wire::CAMINHO_ENVIO))
        .header("Accept", "application/json")
        .body(corpo.to_owned());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    resposta(req.send().await.unwrap()).await
}

async fn situacao(
    c: &reqwest::Client,
    sim: &SimuladorConam,
    token: &str,
    id: u64,
) -> (StatusCode, Value) {
    get(c, sim, &wire::caminho_situacao(id), Some(token)).await
}

fn rejeicao(codigo: &str, mensagem: &str) -> Value {
    json!({ "error": true, "data": { "codigo": codigo, "mensagem": mensagem } })
}

/// Every GET endpoint, for entity `1` in 2022 (package `1` for the status).
fn consultas() -> Vec<String> {
    vec![
        wire::caminho_receitas("1", 2022),
        wire::caminho_receitas_extra("1", 2022),
        "/v1_0/receitaextraorcamentaria/1/2022".to_owned(),
        wire::caminho_periodo("1", 2022, 7),
        wire::caminho_situacao(1),
    ]
}

#[tokio::test]
async fn token_is_issued_only_for_client_credentials_and_the_right_secret() {
    let sim = simulador();
    let c = cliente();
    let (status, corpo) = pedir_token(&c, &sim, form("client_credentials", USUARIO, SENHA)).await;
    assert_eq!(status, StatusCode::OK);
    let t = wire::ler_token(&corpo).unwrap();
    assert_eq!(t.token_type, "bearer");
    assert_eq!(t.expires_in, 3600);
    assert_eq!(t.access_token.split('.').count(), 3, "JWT-shaped");

    for corpo in [
        form("client_credentials", USUARIO, "errada"),
        form("client_credentials", "OUTRO", SENHA),
        "grant_type=client_credentials&client_id=USUARIO".to_owned(),
    ] {
        let (status, texto) = pedir_token(&c, &sim, corpo).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let v: Value = serde_json::from_str(&texto).unwrap();
        assert_eq!(v, vetor("nao-autorizado.json"));
    }
    let esperado = json!({"error": true, "data": "grant_type deve ser client_credentials"});
    for corpo in [
        form("password", USUARIO, SENHA),
        format!("client_id={USUARIO}&client_secret={SENHA}"),
    ] {
        let (status, texto) = pedir_token(&c, &sim, corpo).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(serde_json::from_str::<Value>(&texto).unwrap(), esperado);
    }
    // The form is what the manual sends; JSON is refused before looking at credentials.
    let r = c
        .post(sim.url_token())
        .header("Content-Type", "application/json")
        .body(json!({"grant_type": "client_credentials"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c.get(sim.url_token()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(sim.tokens_emitidos(), 1);
    assert_eq!(sim.requisicoes(), 8);
}

#[tokio::test]
async fn every_endpoint_refuses_a_missing_unknown_or_expired_token() {
    let sim = simulador();
    let c = cliente();
    let t = token(&c, &sim).await;
    assert_eq!(
        enviar(&c, &sim, Some(&t), PACOTE_MANUAL).await.0,
        StatusCode::CREATED
    );
    for caminho in consultas() {
        let (status, _) = get(&c, &sim, &caminho, Some(&t)).await;
        assert_eq!(status, StatusCode::OK, "{caminho}");
        for sem in [None, Some("nao.e.um.token")] {
            let (status, v) = get(&c, &sim, &caminho, sem).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{caminho}");
            assert_eq!(v, vetor("nao-autorizado.json"));
        }
    }
    for sem in [None, Some("nao.e.um.token")] {
        let (status, v) = enviar(&c, &sim, sem, PACOTE_MANUAL).await;
        assert_eq!(
            (status, v),
            (StatusCode::UNAUTHORIZED, vetor("nao-autorizado.json"))
        );
    }

    sim.expirar_tokens();
    for caminho in consultas() {
        let (status, v) = get(&c, &sim, &caminho, Some(&t)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{caminho}");
        assert_eq!(v, vetor("token-expirado.json"));
    }
    let (status, v) = enviar(&c, &sim, Some(&t), PACOTE_MANUAL).await;
    assert_eq!(
        (status, v),
        (StatusCode::FORBIDDEN, vetor("token-expirado.json"))
    );
    assert_eq!(
        sim.pacote(1).unwrap().envios,
        1,
        "nothing recorded with an expired token"
    );

    // Renewing is the way out.
    let novo = token(&c, &sim).await;
    assert_eq!(
        get(&c, &sim, &wire::caminho_situacao(1), Some(&novo))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(sim.tokens_emitidos(), 2);
}

#[tokio::test]
async fn tokens_last_as_configured() {
    let sim = simulador_com(ConfigSimulador {
        validade_token: Duration::ZERO,
        ..ConfigSimulador::default()
    });
    let c = cliente();
    let (_, corpo) = pedir_token(&c, &sim, form("client_credentials", USUARIO, SENHA)).await;
    let t = wire::ler_token(&corpo).unwrap();
    assert_eq!(t.expires_in, 0);
    let (status, v) = get(
        &c,
        &sim,
        &wire::caminho_periodo("1", 2022, 7),
        Some(&t.access_token),
    )
    .await;
    assert_eq!(
        (status, v),
        (StatusCode::FORBIDDEN, vetor("token-expirado.json"))
    );
}

#[tokio::test]
async fn an_entity_outside_the_clients_list_is_access_denied() {
    let sim = simulador();
    sim.cadastrar_cliente("OUTRO", "segredo", &["2"]);
    let c = cliente();
    let dono = token(&c, &sim).await;
    assert_eq!(
        enviar(&c, &sim, Some(&dono), PACOTE_MANUAL).await.0,
        StatusCode::CREATED
    );

    let (_, corpo) = pedir_token(&c, &sim, form("client_credentials", "OUTRO", "segredo")).await;
    let outro = wire::ler_token(&corpo).unwrap().access_token;
    for caminho in consultas() {
        let (status, v) = get(&c, &sim, &caminho, Some(&outro)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{caminho}");
        assert_eq!(v, vetor("acesso-negado.json"));
    }
    let (status, v) = enviar(&c, &sim, Some(&outro), PACOTE_MANUAL).await;
    assert_eq!(
        (status, v),
        (StatusCode::FORBIDDEN, vetor("acesso-negado.json"))
    );
    // The same id for its own entity: the package there belongs to entity 1.
    let do_outro = pacote(|p| p["codEntidade"] = json!("2"));
    let (status, v) = enviar(&c, &sim, Some(&outro), &do_outro).await;
    assert_eq!(
        (status, v),
        (StatusCode::FORBIDDEN, vetor("acesso-negado.json"))
    );
    assert_eq!(sim.pacote(1).unwrap().documento, PACOTE_MANUAL);
    // Its own entity works (entity 2 exists, with no revenues for 2022).
    let (status, v) = get(&c, &sim, &wire::caminho_receitas("2", 2022), Some(&outro)).await;
    assert_eq!(
        (status, v),
        (StatusCode::OK, json!({"error": false, "data": []}))
    );
}

#[tokio::test]
async fn the_manual_package_is_received_waits_and_is_approved() {
    let sim = simulador();
    let c = cliente();
    let t = token(&c, &sim).await;
    let (status, v) = enviar(&c, &sim, Some(&t), PACOTE_MANUAL).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(v, vetor("envio-sucesso.json"));
    assert_eq!(
        sim.pacote(1),
        Some(PacoteRecebido {
            documento: PACOTE_MANUAL.to_owned(),
            situacao: Situacao::Aguardando,
            envios: 1,
        })
    );
    assert_eq!(
        situacao(&c, &sim, &t, 1).await,
        (StatusCode::OK, vetor("situacao-aguardando.json"))
    );
    assert!(sim.aprovar(1));
    assert!(!sim.aprovar(1), "only a waiting package is evaluated");
    assert!(!sim.rejeitar(1, "00", "tarde demais"));
    assert!(!sim.aprovar(2));
    assert_eq!(
        situacao(&c, &sim, &t, 1).await,
        (StatusCode::OK, vetor("situacao-sucesso.json"))
    );
    assert_eq!(sim.pacote(1).unwrap().situacao, Situacao::Aprovado);
}

#[tokio::test]
async fn a_rejected_package_answers_codigo_and_mensagem() {
    let sim = simulador();
    let c = cliente();
    let t = token(&c, &sim).await;
    enviar(&c, &sim, Some(&t), PACOTE_MANUAL).await;
    assert!(sim.rejeitar(1, "00", "Uma mensagem de erro"));
    let (status, v) = situacao(&c, &sim, &t, 1).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v, vetor("rejeicao.json"));
    let r = wire::ler_resposta(&v.to_string()).unwrap();
    assert!(matches!(r.dados, wire::Dados::Erro { .. }));
}

#[tokio::test]
async fn a_resend_while_waiting_replaces_the_package() {
    let sim = simulador();
    let c = cliente();
    let t = token(&c, &sim).await;
    enviar(&c, &sim, Some(&t), PACOTE_MANUAL).await;
    let corrigido = pacote(|p| p["movimentos"][0]["historicoLancamento"] = json!("corrigido"));
    let (status, v) = enviar(&c, &sim, Some(&t), &corrigido).await;
    assert_eq!(
        (status, v),
        (StatusCode::CREATED, vetor("envio-sucesso.json"))
    );
    let p = sim.pacote(1).unwrap();
    assert_eq!(p.documento, corrigido);
    assert_eq!(p.envios, 2);
    assert_eq!(p.situacao, Situacao::Aguardando);
}

#[tokio::test]
async fn a_resend_after_evaluation_is_refused() {
    let sim = simulador();
    let c = cliente();
    let t = token(&c, &sim).await;
    let segundo = pacote(|p| p["idPacote"] = json!(2));
    enviar(&c, &sim, Some(&t), PACOTE_MANUAL).await;
    enviar(&c, &sim, Some(&t), &segundo).await;
    assert!(sim.aprovar(1));
    assert!(sim.rejeitar(2, "07", "conta inexistente"));
    for (id, corpo) in [(1, PACOTE_MANUAL.to_owned()), (2, segundo)] {
        let (status, v) = enviar(&c, &sim, Some(&t), &corpo).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let msg = format!("pacote {id} já avaliado pela contabilidade");
        assert_eq!(v, rejeicao(CODIGO_JA_AVALIADO, &msg));
        assert_eq!(sim.pacote(id).unwrap().envios, 1);
    }
    assert_eq!(
        situacao(&c, &sim, &t, 2).await.1,
        rejeicao("07", "conta inexistente")
    );
}

#[tokio::test]
async fn an_invalid_package_is_refused_with_its_first_rule() {
    let sim = simulador();
    let c = cliente();
    let t = token(&c, &sim).await;
    // 11-01-001 Lançamento Principal: "Valor sempre positivo".
    let negativo = pacote(|p| p["movimentos"][0]["valor"] = json!(-2500.5));
    let (status, v) = enviar(&c, &sim, Some(&t), &negativo).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"], json!(true));
    assert_eq!(v["data"]["codigo"], json!("conam.sinal"));
    let msg = v["data"]["mensagem"].as_str().unwrap();
    assert!(msg.starts_with("movimentos[0].valor: 11-01-001"), "{msg}");

    let sem_tipo = pacote(|p| p["movimentos"][0]["tipoLancamento"] = json!("99-99-999"));
    let (_, v) = enviar(&c, &sim, Some(&t), &sem_tipo).await;
    assert_eq!(
        v["data"]["codigo"],
        json!("conam.tipo_lancamento_desconhecido")
    );
    for (corpo, codigo) in [("{", "formato.json"), ("[]", "formato.raiz")] {
        let (status, v) = enviar(&c, &sim, Some(&t), corpo).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(v["data"]["codigo"], json!(codigo), "{v}");
    }
    let r = c
        .post(format!("{}{}", sim.base(), wire::CAMINHO_ENVIO))
        .bearer_auth(&t)
        .body(vec![0xFF, 0xFE])
        .send()
        .await
        .unwrap();
    let (status, v) = resposta(r).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["data"]["codigo"], json!("formato.json"));
    assert_eq!(sim.pacote(1), None);
}

#[tokio::test]
async fn a_closed_period_is_reported_and_refuses_packages() {
    let sim = simulador();
    let c = cliente();
    let t = token(&c, &sim).await;
    let julho = wire::caminho_periodo("1", 2022, 7);
    assert_eq!(
        get(&c, &sim, &julho, Some(&t)).await,
        (StatusCode::OK, vetor("periodo-aberto.json"))
    );
    enviar(&c, &sim, Some(&t), PACOTE_MANUAL).await;
    sim.fechar_periodo("1", 2022, 7);
    assert_eq!(
        get(&c, &sim, &julho, Some(&t)).await,
        (StatusCode::OK, vetor("periodo-fechado.json"))
    );
    assert_eq!(
        get(&c, &sim, "/v1_0/contabilidadeaberta/1/2022/7", Some(&t))
            .await
            .1,
        vetor("periodo-fechado.json")
    );
    assert_eq!(
        get(&c, &sim, &wire::caminho_periodo("1", 2022, 8), Some(&t))
            .await
            .1,
        vetor("periodo-aberto.json")
    );
    // Even a waiting package cannot be replaced once its month is closed.
    let (status, v) = enviar(&c, &sim, Some(&t), &pacote(|_| {})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let esperado = rejeicao(
        CODIGO_PERIODO_FECHADO,
        "período 07/2022 fechado na contabilidade",
    );
    assert_eq!(v, esperado);
    assert_eq!(sim.pacote(1).unwrap().documento, PACOTE_MANUAL);
    let agosto = pacote(|p| {
        p["idPacote"] = json!(2);
        p["dataMovimento"] = json!("01/08/2022");
        p["dataExportacao"] = json!("01/08/2022");
    });
    assert_eq!(
        enviar(&c, &sim, Some(&t), &agosto).await.0,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn bad_period_parameters_and_unknown_entities_are_invalid() {
    let sim = simulador();
    let c = cliente();
    let t = token(&c, &sim).await;
    for caminho in [
        "/v1_0/contabilidadeaberta/1/2022/13",
        "/v1_0/contabilidadeaberta/1/2022/0",
        "/v1_0/contabilidadeaberta/1/2022/julho",
        "/v1_0/contabilidadeaberta/1/22/07",
        "/v1_0/contabilidadeaberta/9/2022/07",
        "/v1_0/receitaorcamentaria/9/2022",
        "/v1_0/contaextraorcamentaria/9/2022",
        "/v1_0/receitaorcamentaria/1/dois-mil",
    ] {
        let (status, v) = get(&c, &sim, caminho, Some(&t)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{caminho}");
        assert_eq!(v, vetor("parametros-invalidos.json"), "{caminho}");
    }
}

#[tokio::test]
async fn revenues_are_the_manuals_examples_on_every_path() {
    let sim = simulador();
    let c = cliente();
    let t = token(&c, &sim).await;
    let orc = get(&c, &sim, &wire::caminho_receitas("1", 2022), Some(&t)).await;
    assert_eq!(orc, (StatusCode::OK, vetor("receitas-orcamentarias.json")));
    let extra = vetor("receitas-extraorcamentarias.json");
    for caminho in [
        wire::caminho_receitas_extra("1", 2022),
        "/v1_0/receitaextraorcamentaria/1/2022".to_owned(),
    ] {
        assert_eq!(
            get(&c, &sim, &caminho, Some(&t)).await,
            (StatusCode::OK, extra.clone())
        );
    }
    let vazio = json!({"error": false, "data": []});
    assert_eq!(
        get(&c, &sim, &wire::caminho_receitas("1", 2023), Some(&t))
            .await
            .1,
        vazio
    );

    let receita = ReceitaDto {
        codigo: "00042".into(),
        exercicio: 2023,
        codigo_conta: "1.1.1.2.50.0.1.0001".into(),
        descricao: "IPTU 2023".into(),
        codigo_conta_renunciada: Some(String::new()),
        descricao_conta_renunciada: Some(String::new()),
    };
    sim.definir_receitas("1", 2023, vec![receita.clone()], Vec::new());
    let (_, v) = get(&c, &sim, &wire::caminho_receitas("1", 2023), Some(&t)).await;
    let lida = wire::receitas(&wire::ler_resposta(&v.to_string()).unwrap().dados).unwrap();
    assert_eq!(lida, vec![guiche_ports::contabil::Receita::from(receita)]);
    assert_eq!(
        get(&c, &sim, &wire::caminho_receitas_extra("1", 2023), Some(&t))
            .await
            .1,
        vazio
    );
}

#[tokio::test]
async fn an_unknown_package_is_404() {
    let sim = simulador();
    let c = cliente();
    let t = token(&c, &sim).await;
    let esperado = json!({"error": true, "data": "Pacote não encontrado"});
    for caminho in [
        wire::caminho_situacao(999),
        "/v1_0/enviotributos/abc".to_owned(),
    ] {
        let (status, v) = get(&c, &sim, &caminho, Some(&t)).await;
        assert_eq!(
            (status, v),
            (StatusCode::NOT_FOUND, esperado.clone()),
            "{caminho}"
        );
    }
}

#[tokio::test]
async fn waiting_packages_can_approve_themselves_after_n_queries() {
    let sim = simulador_com(ConfigSimulador {
        aprovar_apos_consultas: Some(2),
        ..ConfigSimulador::default()
    });
    let c = cliente();
    let t = token(&c, &sim).await;
    enviar(&c, &sim, Some(&t), PACOTE_MANUAL).await;
    for esperado in [
        "situacao-aguardando.json",
        "situacao-aguardando.json",
        "situacao-sucesso.json",
    ] {
        assert_eq!(situacao(&c, &sim, &t, 1).await.1, vetor(esperado));
    }
    assert_eq!(sim.pacote(1).unwrap().situacao, Situacao::Aprovado);
}

#[tokio::test]
async fn unavailable_is_a_503_that_processes_nothing() {
    let sim = simulador();
    let c = cliente();
    sim.injetar(Falha::Indisponivel);
    sim.injetar(Falha::Indisponivel);
    let (status, corpo) = pedir_token(&c, &sim, form("client_credentials", USUARIO, SENHA)).await;
    assert_eq!(
        (status, corpo.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "")
    );
    assert_eq!(sim.tokens_emitidos(), 0);
    let r = c
        .post(format!("{}{}", sim.base(), wire::CAMINHO_ENVIO))
        .body(PACOTE_MANUAL)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().await.unwrap().is_empty());
    // Consumed: the next requests are served.
    let t = token(&c, &sim).await;
    assert_eq!(
        enviar(&c, &sim, Some(&t), PACOTE_MANUAL).await.0,
        StatusCode::CREATED
    );
    assert_eq!(sim.requisicoes(), 4);
}

#[tokio::test]
async fn a_slow_reply_times_out_although_the_package_was_recorded() {
    let sim = simulador();
    let c = cliente();
    let t = token(&c, &sim).await;
    sim.injetar(Falha::Lenta(Duration::from_millis(1500)));
    let e = c
        .post(format!("{}{}", sim.base(), wire::CAMINHO_ENVIO))
        .timeout(Duration::from_millis(300))
        .bearer_auth(&t)
        .body(PACOTE_MANUAL)
        .send()
        .await
        .unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert_eq!(sim.pacote(1).unwrap().situacao, Situacao::Aguardando);
    // Within its patience, a slow reply is a normal reply.
    sim.injetar(Falha::Lenta(Duration::from_millis(100)));
    assert_eq!(
        situacao(&c, &sim, &t, 1).await.1,
        vetor("situacao-aguardando.json")
    );
}

#[tokio::test]
async fn a_reset_drops_the_reply_and_a_resend_replaces_the_package() {
    let sim = simulador();
    let c = cliente();
    sim.injetar(Falha::Reset);
    let e = c
        .post(sim.url_token())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form("client_credentials", USUARIO, SENHA))
        .send()
        .await
        .unwrap_err();
    assert!(!e.is_timeout() && !e.is_status(), "{e:?}");
    assert_eq!(
        sim.tokens_emitidos(),
        1,
        "the token was issued, the reply lost"
    );

    let t = token(&c, &sim).await;
    sim.injetar(Falha::Reset);
    let e = c
        .post(format!("{}{}", sim.base(), wire::CAMINHO_ENVIO))
        .bearer_auth(&t)
        .body(PACOTE_MANUAL)
        .send()
        .await
        .unwrap_err();
    assert!(!e.is_timeout() && !e.is_status(), "{e:?}");
    assert_eq!(sim.pacote(1).unwrap().envios, 1);
    // The client's recovery: the same package again, safely, while it waits.
    let (status, _) = enviar(&c, &sim, Some(&t), PACOTE_MANUAL).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(sim.pacote(1).unwrap().envios, 2);
    assert_eq!(sim.requisicoes(), 4);
}

#[tokio::test]
async fn admin_endpoints_drive_the_simulator_by_hand() {
    let sim = simulador();
    let c = cliente();
    let t = token(&c, &sim).await;
    let admin = |caminho: &str| format!("{}/_simulador/{caminho}", sim.raiz());
    enviar(&c, &sim, Some(&t), PACOTE_MANUAL).await;
    enviar(&c, &sim, Some(&t), &pacote(|p| p["idPacote"] = json!(2))).await;
    enviar(&c, &sim, Some(&t), &pacote(|p| p["idPacote"] = json!(3))).await;

    let post = |caminho: &str, corpo: &'static str| c.post(admin(caminho)).body(corpo).send();
    assert_eq!(
        post("aprovar/1", "").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        post("aprovar/1", "").await.unwrap().status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        post("aprovar/9", "").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let r = post("rejeitar/2", "07;conta inexistente; ver plano")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        post("rejeitar/3", "sem separador").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        situacao(&c, &sim, &t, 2).await.1,
        rejeicao("07", "conta inexistente; ver plano")
    );

    let lista = c
        .get(admin("pacotes"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(lista, "1;1;SUCESSO\n2;1;REJEITADO\n3;1;AGUARDANDO\n");

    assert_eq!(
        post("fechar/1/2022/07", "").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        post("fechar/1/2022/13", "").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    let julho = wire::caminho_periodo("1", 2022, 7);
    assert_eq!(
        get(&c, &sim, &julho, Some(&t)).await.1,
        vetor("periodo-fechado.json")
    );

    assert_eq!(
        post("falhas", "indisponivel").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let r = post("falhas", "devagar").await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("lenta:<ms>"));
    let r = c
        .get(format!("{}{julho}", sim.base()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);

    assert_eq!(
        c.get(admin("falhas")).send().await.unwrap().status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        c.get(admin("nada")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // Token, three sends, two queries, the 503: admin calls are not counted.
    assert_eq!(sim.requisicoes(), 7);
}

#[tokio::test]
async fn queries_are_get_and_unknown_paths_are_404() {
    let sim = simulador();
    let c = cliente();
    let t = token(&c, &sim).await;
    // The manual's curl examples say POST for queries; DESIGN.md makes them GET.
    let r = c
        .post(format!(
            "{}{}",
            sim.base(),
            wire::caminho_periodo("1", 2022, 7)
        ))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()["allow"], "GET");
    let r = c
        .get(format!("{}{}", sim.base(), wire::CAMINHO_ENVIO))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["allow"], "POST");
    for url in [
        format!(
            "{}/outra{}",
            sim.raiz(),
            wire::caminho_periodo("1", 2022, 7)
        ),
        format!("{}/v1_0/naoexiste/1/2022", sim.base()),
        format!("{}/v1_0/enviotributos/1/2022", sim.base()),
        sim.raiz(),
    ] {
        let r = c.get(&url).bearer_auth(&t).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{url}");
        assert_eq!(resposta(r).await.1["error"], json!(true));
    }
}

#[tokio::test]
async fn the_city_and_port_are_configurable() {
    let sim = simulador_com(ConfigSimulador {
        cidade: "piracaia".into(),
        ..ConfigSimulador::default()
    });
    assert!(sim.base().ends_with("/piracaia"), "{}", sim.base());
    assert_eq!(sim.url_token(), format!("http://{}/token", sim.endereco()));
    let c = cliente();
    let t = token(&c, &sim).await;
    let (status, _) = get(&c, &sim, &wire::caminho_periodo("1", 2022, 7), Some(&t)).await;
    assert_eq!(status, StatusCode::OK);
    let ocupada = ConfigSimulador {
        porta: sim.endereco().port(),
        ..ConfigSimulador::default()
    };
    assert!(SimuladorConam::iniciar(ocupada).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_packages_are_all_recorded() {
    let sim = std::sync::Arc::new(simulador());
    let c = cliente();
    let t = token(&c, &sim).await;
    let mut tarefas = tokio::task::JoinSet::new();
    for id in 1..=40u64 {
        let (sim, c, t) = (sim.clone(), c.clone(), t.clone());
        tarefas.spawn(async move {
            let corpo = pacote(|p| p["idPacote"] = json!(id));
            enviar(&c, &sim, Some(&t), &corpo).await.0
        });
    }
    while let Some(status) = tarefas.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::CREATED);
    }
    assert!((1..=40).all(|id| sim.pacote(id).is_some_and(|p| p.envios == 1)));
}

#[tokio::test]
async fn stopping_closes_the_port() {
    let sim = simulador();
    let c = cliente();
    let url = sim.url_token();
    token(&c, &sim).await;
    tokio::time::timeout(Duration::from_secs(5), sim.parar())
        .await
        .expect("parar não deve esperar por conexões ociosas");
    let e = cliente().post(url).body("x").send().await.unwrap_err();
    assert!(e.is_connect(), "{e:?}");
}
