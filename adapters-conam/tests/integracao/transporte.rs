//! The CONAM client's transport over real loopback sockets, against a raw server
//! (`guiche_simulador::bruto`) answering what each test needs: redirects are refused as "not sent"
//! (the `client_secret` and the package never reach the new location), replies are read up to a
//! cap, any `expires_in` is taken without a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use guiche_conam::{ClienteConam, ConfigCliente, MAX_RESPOSTA, Segredo};
use guiche_domain::conam::{PacoteBruto, Tabela2};
use guiche_ports::contabil::{ErroContabil, IntegracaoContabil};
use guiche_simulador::bruto::{REDIRECIONAMENTOS, Servidor, json, redirecionar, resumo};
use std::time::Duration;

const PACOTE: &str = include_str!("../vetores/pacote-manual.json");
const SEGREDO: &str = "segredo-conam-123";

fn token(expires_in: &str) -> Vec<u8> {
    json(
        "200 OK",
        &format!(r#"{{"access_token":"tk","token_type":"bearer","expires_in":{expires_in}}}"#),
    )
}

const ABERTO: &str = r#"{"error":false,"data":"ABERTO"}"#;

fn cliente(s: &Servidor) -> ClienteConam {
    let mut c = ConfigCliente::new(
        &s.url("/cidade"),
        &s.url("/token"),
        "USUARIO",
        Segredo::new(SEGREDO),
    );
    c.espera_inicial = Duration::from_millis(1);
    c.timeout = Duration::from_secs(10);
    ClienteConam::new(c).unwrap()
}

#[tokio::test]
async fn a_redirected_token_request_is_not_sent_and_the_secret_stays() {
    for status in REDIRECIONAMENTOS {
        let s = Servidor::iniciar(move |p, endereco| match p.caminho.as_str() {
            "/capturado" => token("3600"),
            _ => redirecionar(status, "http", endereco),
        })
        .unwrap();
        let r = cliente(&s).periodo_aberto("1", 2022, 7).await;
        let Err(ErroContabil::NaoEnviado(m)) = &r else {
            panic!("{status}: esperava não enviado, veio {r:?}");
        };
        assert!(
            m.contains("redirecionando para") && m.contains("/capturado"),
            "{m}"
        );
        let recebidos = s.recebidos();
        assert_eq!(
            recebidos.len(),
            1,
            "{status}: sem nova tentativa: {recebidos:?}"
        );
        assert!(recebidos[0].corpo.contains(SEGREDO));
        assert!(
            recebidos.iter().all(|p| p.caminho != "/capturado"),
            "{status}: o client_secret chegou ao endereço do redirecionamento"
        );
    }
}

#[tokio::test]
async fn a_redirected_package_is_not_sent_and_never_reaches_the_new_location() {
    let s = Servidor::iniciar(|p, endereco| match p.caminho.as_str() {
        "/token" => token("3600"),
        "/capturado" => json("201 Created", r#"{"error":false,"data":"SUCESSO"}"#),
        _ => redirecionar("307 Temporary Redirect", "http", endereco),
    })
    .unwrap();
    let pacote = PacoteBruto::de_json(PACOTE)
        .unwrap()
        .validar(Tabela2::oficial())
        .unwrap();
    let r = cliente(&s).enviar_pacote(&pacote).await;
    assert!(matches!(&r, Err(ErroContabil::NaoEnviado(_))), "{r:?}");
    let caminhos: Vec<String> = s.recebidos().into_iter().map(|p| p.caminho).collect();
    assert_eq!(caminhos, ["/token", "/cidade/v1_0/enviotributos"]);
}

#[tokio::test]
async fn any_token_lifetime_is_taken_without_a_panic() {
    for expires_in in [
        "18446744073709551615",
        "99999999999999999999999",
        "1e400",
        "-1",
        "0",
    ] {
        let s = Servidor::iniciar(move |p, _| match p.caminho.as_str() {
            "/token" => token(expires_in),
            _ => json("200 OK", ABERTO),
        })
        .unwrap();
        let c = cliente(&s);
        assert_eq!(
            c.periodo_aberto("1", 2022, 7).await,
            Ok(true),
            "{expires_in}"
        );
        assert_eq!(
            c.periodo_aberto("1", 2022, 7).await,
            Ok(true),
            "{expires_in}"
        );
    }
}

#[tokio::test]
async fn a_reply_bigger_than_the_cap_is_not_read() {
    let grande = format!(
        r#"{{"error":false,"data":"ABERTO","lixo":"{}"}}"#,
        "x".repeat(MAX_RESPOSTA)
    );
    let s = Servidor::iniciar(move |p, _| match p.caminho.as_str() {
        "/token" => token("3600"),
        _ => json("200 OK", &grande),
    })
    .unwrap();
    let r = cliente(&s).periodo_aberto("1", 2022, 7).await;
    let Err(ErroContabil::Desconhecido(m)) = &r else {
        panic!("esperava resultado desconhecido, veio {}", resumo(&r));
    };
    assert!(m.contains("passa de 8 MiB"), "{m}");
}
