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
use guiche_simulador::bruto::{self, Recebido, resposta};
use guiche_simulador::tls;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

const SEGREDO: &str = "segredo-do-consumidor-42";
const CONTRATANTE: &str = "11222333000181";

/// The raw loopback server of `guiche_simulador::bruto` over HTTPS (certificate from a test CA).
struct Servidor {
    bruto: bruto::Servidor,
    ac: AcTeste,
}

impl Servidor {
    fn iniciar(
        responder: impl Fn(&Recebido, SocketAddr) -> Vec<u8> + Send + Sync + 'static,
    ) -> Servidor {
        let ac = AcTeste::nova("AC TESTE TRANSPORTE").unwrap();
        let (cert, chave) = ac.emitir_servidor("localhost").unwrap();
        let bruto = tls::bruto(vec![cert, ac.certificado_der()], chave, responder).unwrap();
        Servidor { bruto, ac }
    }

    fn url(&self, caminho: &str) -> String {
        format!("https://{}{caminho}", self.bruto.endereco())
    }

    fn caminhos(&self) -> Vec<String> {
        self.bruto.caminhos()
    }

    fn recebidos(&self) -> Vec<Recebido> {
        self.bruto.recebidos()
    }
}

fn json(corpo: &str) -> Vec<u8> {
    resposta(
        "200 OK",
        "Content-Type: application/json\r\n",
        corpo.as_bytes(),
    )
}

fn token(expires_in: &str) -> Vec<u8> {
    json(&format!(
        r#"{{"access_token":"acesso","jwt_token":"jwt","expires_in":{expires_in},"scope":"default","token_type":"Bearer"}}"#
    ))
}

fn redirecionar(status: &str, endereco: SocketAddr) -> Vec<u8> {
    let destino = format!(
        "Location: https://127.0.0.1:{}/capturado\r\n",
        endereco.port()
    );
    resposta(status, &destino, b"")
}

const REDIRECIONAMENTOS: [&str; 4] = [
    "301 Moved Permanently",
    "302 Found",
    "307 Temporary Redirect",
    "308 Permanent Redirect",
];

fn integra(s: &Servidor) -> ClienteIntegra {
    let agora = SystemTime::now();
    let (cert, chave) =
        s.ac.emitir_ecnpj(
            "ESCRITORIO",
            &Cnpj::parse(CONTRATANTE).unwrap(),
            agora - Duration::from_secs(60)..agora + Duration::from_secs(86_400),
        )
        .unwrap();
    let p12 = pkcs12(&cert, &chave, &[s.ac.certificado_der()], "1").unwrap();
    ClienteIntegra::new(ConfigIntegra {
        url_autenticacao: s.url("/authenticate"),
        url_gateway: s.url("/integra-contador/v1"),
        consumer_key: "chave".into(),
        consumer_secret: Segredo::new(SEGREDO),
        certificado: Certificado::abrir(&p12, &Senha::new("1")).unwrap(),
        ca_extra_pem: Some(s.ac.certificado_pem()),
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
        let s = Servidor::iniciar(move |p, endereco| match p.caminho.as_str() {
            "/capturado" => token("3600"),
            _ => redirecionar(status, endereco),
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
        let s = Servidor::iniciar(move |p, endereco| match p.caminho.as_str() {
            "/authenticate" => token("3600"),
            "/capturado" => json(r#"{"status":200,"dados":"{}","mensagens":[]}"#),
            _ => redirecionar(status, endereco),
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
        let s = Servidor::iniciar(move |_, _| token(expires_in));
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
    let s = Servidor::iniciar(move |p, _| match p.caminho.as_str() {
        "/authenticate" => token("3600"),
        _ => json(&grande),
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

/// The start of a result's description (a wrongly accepted huge reply would flood the output).
fn resumo(r: &impl std::fmt::Debug) -> String {
    format!("{r:?}").chars().take(300).collect()
}
