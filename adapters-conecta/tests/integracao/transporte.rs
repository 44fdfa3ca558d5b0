//! The Conecta gov.br client's transport over real loopback TLS sockets, against a raw server
//! (`guiche_simulador::bruto` over TLS) that answers what each test needs: a redirect is refused
//! as "not sent" (the client secret, the token and the CPFs never reach the new location), replies
//! are read up to a cap, any `expires_in` is taken without a panic.

use guiche_certificados::pki_teste::AcTeste;
use guiche_conecta::{ClienteConecta, ConfigConecta, ErroConecta, Segredo};
use guiche_domain::{Cnpj, Cpf};
use guiche_simulador::bruto::{REDIRECIONAMENTOS, Recebido, Servidor, json, redirecionar, resumo};
use guiche_simulador::tls;
use std::net::SocketAddr;
use std::time::Duration;

const SEGREDO: &str = "segredo-do-cliente-42";
const CONTRATANTE: &str = "11222333000181";

/// The raw loopback server of `guiche_simulador::bruto` over HTTPS, its certificate from a
/// fresh test CA.
pub(crate) fn servidor(
    responder: impl Fn(&Recebido, SocketAddr) -> Vec<u8> + Send + Sync + 'static,
) -> Servidor {
    let ac = AcTeste::nova("AC TESTE TRANSPORTE").unwrap();
    let (cadeia, chave) = ac.cadeia_servidor("localhost").unwrap();
    tls::bruto(cadeia, chave, responder).unwrap()
}

/// A token answer in Conecta's shape (no `jwt_token`: that is Integra Contador's).
fn token(expires_in: &str) -> Vec<u8> {
    let corpo = format!(
        r#"{{"access_token":"acesso","token_type":"Bearer","expires_in":{expires_in},"scope":"default"}}"#
    );
    json("200 OK", &corpo)
}

pub(crate) fn conecta(s: &Servidor) -> ClienteConecta {
    ClienteConecta::new(
        ConfigConecta {
            url_base: s.url(""),
            client_id: "orgao".into(),
            client_secret: Segredo::new(SEGREDO),
            cpf_usuario: Cpf::parse("52998224725").unwrap(),
            ca_extra_pem: s.ca_pem(),
            timeout: Duration::from_secs(10),
            quota: None,
        },
        None,
    )
    .unwrap()
}

const EMPRESA: &str = r#"{"ni":"11222333000181","nomeEmpresarial":"EMPRESA TESTE LTDA"}"#;

#[tokio::test]
async fn conecta_redirects_are_not_sent_and_never_reach_the_new_location() {
    let cnpj = Cnpj::parse(CONTRATANTE).unwrap();
    let cpf = Cpf::parse("52998224725").unwrap();
    for status in REDIRECIONAMENTOS {
        // The token request redirected: the client secret stays.
        let s = servidor(move |p, endereco| match p.caminho.as_str() {
            "/capturado" => token("3600"),
            _ => redirecionar(status, "https", endereco),
        });
        let r = conecta(&s).consultar_cnpj(&cnpj).await;
        assert!(
            matches!(&r, Err(ErroConecta::NaoEnviado(_))),
            "{status}: {r:?}"
        );
        assert_eq!(s.caminhos(), ["/oauth2/jwt-token"], "{status}");

        // The CPF query (a POST) redirected: the token and the CPFs stay.
        let s = servidor(move |p, endereco| match p.caminho.as_str() {
            "/oauth2/jwt-token" => token("7200"),
            "/capturado" => json("200 OK", "[]"),
            _ => redirecionar(status, "https", endereco),
        });
        let r = conecta(&s).consultar_cpf(&[cpf]).await;
        assert!(
            matches!(&r, Err(ErroConecta::NaoEnviado(_))),
            "{status}: {r:?}"
        );
        assert_eq!(
            s.caminhos(),
            ["/oauth2/jwt-token", "/api-cpf-light/v2/consulta/cpf"],
            "{status}"
        );
    }
}

#[tokio::test]
async fn conecta_any_token_lifetime_is_taken_without_a_panic() {
    let cnpj = Cnpj::parse(CONTRATANTE).unwrap();
    for expires_in in ["18446744073709551615", "1e400", "-7200"] {
        let s = servidor(move |p, _| match p.caminho.as_str() {
            "/oauth2/jwt-token" => token(expires_in),
            _ => json("200 OK", EMPRESA),
        });
        let c = conecta(&s);
        assert!(c.consultar_cnpj(&cnpj).await.is_ok(), "{expires_in}");
        assert!(c.consultar_cnpj(&cnpj).await.is_ok(), "{expires_in}");
    }
}

#[tokio::test]
async fn conecta_a_reply_bigger_than_the_cap_is_not_read_even_without_its_length() {
    let cnpj = Cnpj::parse(CONTRATANTE).unwrap();
    let grande = EMPRESA.replace(
        "EMPRESA TESTE LTDA",
        &"X".repeat(guiche_conecta::MAX_RESPOSTA),
    );
    let s = servidor(move |p, _| match p.caminho.as_str() {
        "/oauth2/jwt-token" => token("7200"),
        // No Content-Length: read until the connection closes.
        _ => [
            b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
            grande.as_bytes(),
        ]
        .concat(),
    });
    let r = conecta(&s).consultar_cnpj(&cnpj).await;
    let Err(ErroConecta::Desconhecido(m)) = &r else {
        panic!("esperava resultado desconhecido, veio {}", resumo(&r));
    };
    assert!(m.contains("passa de 1 MiB"), "{m}");
}
