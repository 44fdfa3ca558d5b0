//! The Integra Contador client's transport over real loopback TLS sockets, against a raw server
//! (`guiche_simulador::bruto` over TLS) that answers what each test needs: a redirect is refused
//! as "not sent" (the consumer secret, the tokens and the request never reach the new location),
//! replies are read up to a cap, any `expires_in` is taken without a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use guiche_domain::serpro::{Pedido, PedidoDados, TipoServico};
use guiche_domain::{Cnpj, Data, Documento};
use guiche_serpro::certificado::{Certificado, Senha};
use guiche_serpro::pki_teste::{AcTeste, pkcs12};
use guiche_serpro::{Chamada, ClienteIntegra, ConfigIntegra, ErroIntegra, MAX_RESPOSTA, Segredo};
use guiche_simulador::bruto::{REDIRECIONAMENTOS, Recebido, Servidor, json, redirecionar, resumo};
use guiche_simulador::tls;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

const SEGREDO: &str = "segredo-do-consumidor-42";
const CONTRATANTE: &str = "11222333000181";

/// The raw loopback server of `guiche_simulador::bruto` over HTTPS, its certificate from a
/// fresh test CA.
fn servidor(
    responder: impl Fn(&Recebido, SocketAddr) -> Vec<u8> + Send + Sync + 'static,
) -> Servidor {
    let ac = AcTeste::nova("AC TESTE TRANSPORTE").unwrap();
    let (cadeia, chave) = ac.cadeia_servidor("localhost").unwrap();
    tls::bruto(cadeia, chave, responder).unwrap()
}

/// A token answer in Integra Contador's shape (with its `jwt_token`).
fn token(expires_in: &str) -> Vec<u8> {
    let corpo = format!(
        r#"{{"access_token":"acesso","jwt_token":"jwt","expires_in":{expires_in},"scope":"default","token_type":"Bearer"}}"#
    );
    json("200 OK", &corpo)
}

/// The client, its e-CNPJ from a test CA of its own (the raw server asks for no certificate).
fn integra(s: &Servidor) -> ClienteIntegra {
    let agora = SystemTime::now();
    let ac = AcTeste::nova("AC TESTE CLIENTE").unwrap();
    let (cert, chave) = ac
        .emitir_ecnpj(
            "ESCRITORIO",
            &Cnpj::parse(CONTRATANTE).unwrap(),
            agora - Duration::from_secs(60)..agora + Duration::from_secs(86_400),
        )
        .unwrap();
    let p12 = pkcs12(&cert, &chave, &[ac.certificado_der()], "1").unwrap();
    ClienteIntegra::new(ConfigIntegra {
        url_autenticacao: s.url("/authenticate"),
        url_gateway: s.url("/integra-contador/v1"),
        consumer_key: "chave".into(),
        consumer_secret: Segredo::new(SEGREDO),
        certificado: Certificado::abrir(&p12, &Senha::new("1")).unwrap(),
        ca_extra_pem: s.ca_pem(),
        timeout: Duration::from_secs(10),
    })
    .unwrap()
}

fn pedido() -> Pedido {
    Pedido {
        contratante: Cnpj::parse(CONTRATANTE).unwrap(),
        autor_pedido_dados: Documento::parse(CONTRATANTE).unwrap(),
        contribuinte: Documento::parse("11444777000161").unwrap(),
        pedido_dados: PedidoDados {
            id_sistema: "PGDASD".into(),
            id_servico: "CONSDECLARACAO13".into(),
            versao_sistema: "1.0".into(),
            dados: r#"{"anoCalendario":"2026"}"#.into(),
        },
    }
}

async fn consultar(c: &ClienteIntegra) -> Result<guiche_serpro::Retorno, ErroIntegra> {
    c.chamar(Chamada {
        etiqueta: None,
        tipo: TipoServico::Consultar,
        pedido: &pedido(),
        token_procurador: None,
        hoje: Data::new(2026, 11, 22).unwrap(),
    })
    .await
}

#[tokio::test]
async fn integra_a_redirected_token_request_is_not_sent_and_the_secret_stays() {
    for status in REDIRECIONAMENTOS {
        let s = servidor(move |p, endereco| match p.caminho.as_str() {
            "/capturado" => token("3600"),
            _ => redirecionar(status, "https", endereco),
        });
        let r = integra(&s).credencial().await;
        let Err(ErroIntegra::NaoEnviado(m)) = &r else {
            panic!("{status}: esperava não enviado, veio {r:?}");
        };
        assert!(m.contains("redirecionando para"), "{m}");
        let recebidos = s.recebidos();
        assert!(recebidos[0].cabecalhos.contains("Basic "), "{recebidos:?}");
        assert_eq!(
            s.caminhos(),
            ["/authenticate"],
            "{status}: o segredo do consumidor chegou ao endereço do redirecionamento"
        );
    }
}

#[tokio::test]
async fn integra_a_redirected_call_is_not_sent_nor_retried_nor_followed() {
    for status in REDIRECIONAMENTOS {
        let s = servidor(move |p, endereco| match p.caminho.as_str() {
            "/authenticate" => token("3600"),
            "/capturado" => json("200 OK", r#"{"status":200,"dados":"{}","mensagens":[]}"#),
            _ => redirecionar(status, "https", endereco),
        });
        let r = consultar(&integra(&s)).await;
        assert!(
            matches!(&r, Err(ErroIntegra::NaoEnviado(_))),
            "{status}: {r:?}"
        );
        assert_eq!(
            s.caminhos(),
            ["/authenticate", "/integra-contador/v1/Consultar"],
            "{status}: os tokens chegaram ao endereço do redirecionamento"
        );
    }
}

#[tokio::test]
async fn integra_any_token_lifetime_is_taken_without_a_panic() {
    for expires_in in [
        "18446744073709551615",
        "99999999999999999999999",
        "1e400",
        "-1",
        "0",
    ] {
        let s = servidor(move |_, _| token(expires_in));
        let c = integra(&s);
        assert!(c.credencial().await.is_ok(), "{expires_in}");
        assert!(c.credencial().await.is_ok(), "{expires_in}");
    }
}

#[tokio::test]
async fn integra_a_reply_bigger_than_the_cap_is_not_read() {
    let grande = format!(
        r#"{{"status":200,"dados":"{}","mensagens":[]}}"#,
        "x".repeat(MAX_RESPOSTA)
    );
    let s = servidor(move |p, _| match p.caminho.as_str() {
        "/authenticate" => token("3600"),
        _ => json("200 OK", &grande),
    });
    let r = consultar(&integra(&s)).await;
    let Err(ErroIntegra::Desconhecido(m)) = &r else {
        panic!("esperava resultado desconhecido, veio {}", resumo(&r));
    };
    assert!(m.contains("passa de 32 MiB"), "{m}");
    assert_eq!(
        s.caminhos().len(),
        2,
        "sem nova tentativa: {:?}",
        s.caminhos()
    );
}
