//! The CONAM client against the simulator, over a real socket: token caching and single
//! flight, renewal on `403 Token Expirado`, bounded retries, safe resend of a package.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use guiche_conam::simulador::{ConfigSimulador, Falha, SimuladorConam, Situacao};
use guiche_conam::{ClienteConam, ConfigCliente, Segredo};
use guiche_domain::conam::{PacoteBruto, Tabela2};
use guiche_ports::contabil::{ErroContabil, IntegracaoContabil, SituacaoPacote};
use std::sync::Arc;
use std::time::Duration;

const PACOTE: &str = include_str!("../vetores/pacote-manual.json");

fn montar(config: ConfigSimulador) -> (SimuladorConam, Arc<ClienteConam>) {
    let sim = SimuladorConam::iniciar(config).unwrap();
    sim.cadastrar_cliente("USUARIO", "SENHA", &["1"]);
    let mut c = ConfigCliente::new(
        &sim.base(),
        &sim.url_token(),
        "USUARIO",
        Segredo::new("SENHA"),
    );
    c.espera_inicial = Duration::from_millis(10);
    (sim, Arc::new(ClienteConam::new(c).unwrap()))
}

#[tokio::test]
async fn one_token_serves_many_concurrent_calls() {
    let (sim, cliente) = montar(ConfigSimulador::default());
    let tarefas: Vec<_> = (0..32)
        .map(|_| {
            let c = cliente.clone();
            tokio::spawn(async move { c.periodo_aberto("1", 2022, 7).await })
        })
        .collect();
    for t in tarefas {
        assert_eq!(t.await.unwrap(), Ok(true));
    }
    assert_eq!(
        sim.tokens_emitidos(),
        1,
        "um só pedido de token, por mais que esperem"
    );
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_and_the_call_retried() {
    let (sim, cliente) = montar(ConfigSimulador::default());
    assert_eq!(cliente.periodo_aberto("1", 2022, 7).await, Ok(true));
    sim.expirar_tokens();
    let antes = sim.requisicoes();
    assert_eq!(
        cliente
            .receitas_orcamentarias("1", 2022)
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(sim.tokens_emitidos(), 2);
    assert_eq!(sim.requisicoes() - antes, 3, "403, token novo, repetição");
}

#[tokio::test]
async fn a_token_near_its_end_is_renewed_before_use() {
    let (sim, cliente) = montar(ConfigSimulador {
        validade_token: Duration::from_millis(300),
        ..ConfigSimulador::default()
    });
    assert_eq!(cliente.periodo_aberto("1", 2022, 7).await, Ok(true));
    tokio::time::sleep(Duration::from_millis(320)).await;
    assert_eq!(cliente.periodo_aberto("1", 2022, 7).await, Ok(true));
    assert_eq!(sim.tokens_emitidos(), 2);
}

#[tokio::test]
async fn queries_retry_on_503_a_bounded_number_of_times() {
    let (sim, cliente) = montar(ConfigSimulador::default());
    assert_eq!(cliente.periodo_aberto("1", 2022, 7).await, Ok(true));
    for _ in 0..3 {
        sim.injetar(Falha::Indisponivel);
    }
    assert_eq!(
        cliente.periodo_aberto("1", 2022, 7).await,
        Ok(true),
        "3 falhas, 4 tentativas"
    );
    for _ in 0..4 {
        sim.injetar(Falha::Indisponivel);
    }
    assert!(matches!(
        cliente.periodo_aberto("1", 2022, 7).await,
        Err(ErroContabil::Desconhecido(_))
    ));
}

#[tokio::test]
async fn answers_follow_the_manual() {
    let (sim, cliente) = montar(ConfigSimulador::default());
    sim.fechar_periodo("1", 2022, 8);
    assert_eq!(cliente.periodo_aberto("1", 2022, 8).await, Ok(false));
    assert!(matches!(
        cliente.periodo_aberto("2", 2022, 8).await,
        Err(ErroContabil::ParametrosInvalidos(_))
    ));
    sim.cadastrar_entidade("3");
    assert!(matches!(
        cliente.periodo_aberto("3", 2022, 8).await,
        Err(ErroContabil::AcessoNegado(_))
    ));
    assert_eq!(
        cliente.situacao(404).await,
        Err(ErroContabil::NaoEncontrado)
    );
    let extra = cliente
        .receitas_extraorcamentarias("1", 2022)
        .await
        .unwrap();
    assert_eq!(extra[0].codigo_conta, "6.1.03");
}

#[tokio::test]
async fn a_package_is_resent_only_while_it_is_safe() {
    let (sim, cliente) = montar(ConfigSimulador::default());
    let pacote = PacoteBruto::de_json(PACOTE)
        .unwrap()
        .validar(Tabela2::oficial())
        .unwrap();
    cliente.periodo_aberto("1", 2022, 7).await.unwrap();
    sim.injetar(Falha::Reset);
    cliente.enviar_pacote(&pacote).await.unwrap();
    assert_eq!(
        sim.pacote(1).unwrap().envios,
        2,
        "reenviado enquanto aguardava"
    );
    assert_eq!(cliente.situacao(1).await, Ok(SituacaoPacote::Aguardando));
    assert!(sim.aprovar(1));
    let erro = cliente.enviar_pacote(&pacote).await.unwrap_err();
    assert!(
        matches!(erro, ErroContabil::Rejeitado { ref codigo, .. } if codigo == "99"),
        "{erro:?}"
    );
    assert_eq!(sim.pacote(1).unwrap().situacao, Situacao::Aprovado);
}

#[tokio::test]
async fn wrong_credentials_and_unreachable_service() {
    let sim = SimuladorConam::iniciar(ConfigSimulador::default()).unwrap();
    sim.cadastrar_cliente("USUARIO", "SENHA", &["1"]);
    let errado = ClienteConam::new(ConfigCliente::new(
        &sim.base(),
        &sim.url_token(),
        "USUARIO",
        Segredo::new("X"),
    ))
    .unwrap();
    assert!(matches!(
        errado.periodo_aberto("1", 2022, 7).await,
        Err(ErroContabil::Autenticacao(_))
    ));
    let porta = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{porta}/teste");
    let mut c = ConfigCliente::new(
        &url,
        &format!("http://127.0.0.1:{porta}/token"),
        "U",
        Segredo::new("S"),
    );
    c.espera_inicial = Duration::from_millis(5);
    let fora = ClienteConam::new(c).unwrap();
    assert!(matches!(
        fora.periodo_aberto("1", 2022, 7).await,
        Err(ErroContabil::NaoEnviado(_))
    ));
}

#[tokio::test]
async fn a_lost_reply_to_a_refused_resend_gives_the_evaluation() {
    let (sim, cliente) = montar(ConfigSimulador::default());
    let pacote = PacoteBruto::de_json(PACOTE)
        .unwrap()
        .validar(Tabela2::oficial())
        .unwrap();
    assert_eq!(
        cliente.enviar_pacote(&pacote).await,
        Ok(SituacaoPacote::Aguardando)
    );
    assert!(sim.rejeitar(1, "07", "conta contábil sem saldo"));
    sim.injetar(Falha::Reset); // the refusal of the resend never arrives
    assert_eq!(
        cliente.enviar_pacote(&pacote).await,
        Ok(SituacaoPacote::Rejeitado {
            codigo: "07".into(),
            mensagem: "conta contábil sem saldo".into()
        }),
        "the accounting team's evaluation, learned from the status"
    );
    assert_eq!(sim.pacote(1).unwrap().envios, 1);
}
