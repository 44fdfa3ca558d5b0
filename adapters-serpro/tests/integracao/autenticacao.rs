//! The Integra Contador token over mTLS, against the simulator: the e-CNPJ is the TLS client
//! identity, the token is cached and requested once however many callers wait, and every
//! refusal of the documentation is told apart.

#![cfg(feature = "simulator")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use guiche_domain::Cnpj;
use guiche_serpro::certificado::{Certificado, Senha};
use guiche_serpro::pki_teste::{AcTeste, pkcs12};
use guiche_serpro::simulador::{ConfigSimulador, SimuladorIntegra};
use guiche_serpro::{ClienteIntegra, ConfigIntegra, ErroIntegra, Segredo};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const CNPJ: &str = "11222333000181";

fn validade() -> std::ops::Range<SystemTime> {
    let agora = SystemTime::now();
    agora - Duration::from_secs(3600)..agora + Duration::from_secs(86_400)
}

fn ecnpj(ac: &AcTeste) -> Certificado {
    let (cert, chave) = ac
        .emitir_ecnpj(
            "EMPRESA TESTE LTDA",
            &Cnpj::parse(CNPJ).unwrap(),
            validade(),
        )
        .unwrap();
    let p12 = pkcs12(&cert, &chave, &[ac.certificado_der()], "1234").unwrap();
    Certificado::abrir(&p12, &Senha::new("1234")).unwrap()
}

fn cliente(sim: &SimuladorIntegra, certificado: Certificado, secret: &str) -> ClienteIntegra {
    let config = sim.config_cliente("chave", secret, certificado, Duration::from_secs(10));
    ClienteIntegra::new(config).unwrap()
}

fn simulador() -> SimuladorIntegra {
    let sim = SimuladorIntegra::iniciar(ConfigSimulador::default()).unwrap();
    sim.cadastrar_consumidor("chave", "segredo");
    sim
}

#[tokio::test]
async fn the_token_comes_over_mtls_with_the_contratante_in_the_jwt() {
    let sim = simulador();
    let c = cliente(&sim, ecnpj(sim.ac()), "segredo");
    let credencial = c.credencial().await.unwrap();
    assert_eq!(
        credencial.access_token.len(),
        36,
        "um UUID como o do SERPRO"
    );
    let carga = credencial.jwt_token.split('.').nth(1).unwrap();
    let json = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, carga).unwrap(),
    )
    .unwrap();
    assert!(json.contains(CNPJ), "{json}");
    assert!(
        !format!("{credencial:?}").contains(&credencial.access_token),
        "Debug não mostra o token"
    );
}

#[tokio::test]
async fn one_token_for_many_concurrent_callers_then_renewed_when_forgotten() {
    let sim = simulador();
    let c = Arc::new(cliente(&sim, ecnpj(sim.ac()), "segredo"));
    let tarefas: Vec<_> = (0..16)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.credencial().await })
        })
        .collect();
    let mut tokens = std::collections::HashSet::new();
    for t in tarefas {
        tokens.insert(t.await.unwrap().unwrap().access_token);
    }
    assert_eq!((tokens.len(), sim.tokens_emitidos()), (1, 1));
    c.esquecer_token().await;
    c.credencial().await.unwrap();
    assert_eq!(sim.tokens_emitidos(), 2);
}

#[tokio::test]
async fn wrong_consumer_secret_is_an_authentication_error() {
    let sim = simulador();
    let c = cliente(&sim, ecnpj(sim.ac()), "errado");
    let e = c.credencial().await.unwrap_err();
    assert!(
        matches!(e, ErroIntegra::Autenticacao { status: 401, .. }),
        "{e:?}"
    );
    assert_eq!(sim.tokens_emitidos(), 0);
}

#[tokio::test]
async fn a_certificate_from_another_ca_never_gets_past_the_handshake() {
    let sim = simulador();
    let outra = AcTeste::nova("AC desconhecida").unwrap();
    let c = cliente(&sim, ecnpj(&outra), "segredo");
    let e = c.credencial().await.unwrap_err();
    assert!(
        matches!(e, ErroIntegra::NaoEnviado(_) | ErroIntegra::Desconhecido(_)),
        "{e:?}"
    );
    assert_eq!(sim.tokens_emitidos(), 0);
}

#[tokio::test]
async fn an_ecpf_is_not_a_contratante() {
    let sim = simulador();
    let (cert, chave) = sim
        .ac()
        .emitir_ecpf(
            "FULANO",
            &guiche_domain::Cpf::parse("52998224725").unwrap(),
            validade(),
        )
        .unwrap();
    let p12 = pkcs12(&cert, &chave, &[sim.ac().certificado_der()], "1").unwrap();
    let ecpf = Certificado::abrir(&p12, &Senha::new("1")).unwrap();
    // The client refuses it before anything leaves…
    let config = sim.config_cliente("chave", "segredo", ecpf.clone(), Duration::from_secs(10));
    let e = ClienteIntegra::new(config).unwrap_err();
    assert!(
        matches!(e, ErroIntegra::Configuracao(ref m) if m.contains("e-CNPJ")),
        "{e:?}"
    );
    // …and the simulator, asked directly with it, answers 403 as the service does.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .identity(reqwest::Identity::from_pem(ecpf.identidade_pem().as_bytes()).unwrap())
        .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let basic = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "chave:segredo");
    let r = http
        .post(sim.url_autenticacao())
        .header("Authorization", format!("Basic {basic}"))
        .header("Role-Type", "TERCEIROS")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(sim.tokens_emitidos(), 0);
}

#[tokio::test]
async fn the_gateway_must_be_https() {
    let sim = simulador();
    let e = ClienteIntegra::new(ConfigIntegra {
        url_autenticacao: "http://127.0.0.1:1/authenticate".into(),
        url_gateway: sim.url_gateway(),
        consumer_key: "k".into(),
        consumer_secret: Segredo::new("s"),
        certificado: ecnpj(sim.ac()),
        ca_extra_pem: None,
        timeout: Duration::from_secs(1),
    })
    .unwrap_err();
    assert!(e.to_string().contains("https"), "{e}");
}
