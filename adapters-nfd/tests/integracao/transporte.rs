//! The NFD client's transport over real loopback sockets, against a raw server
//! (`guiche_simulador::bruto`) answering what each test needs: redirects are not followed (the
//! `senhaNFD` never reaches the new location, the outcome is unknown), replies are read up to a
//! cap.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use guiche_domain::Documento;
use guiche_nfd::wire::{self, Operacao};
use guiche_nfd::{ClienteNfd, ConfigCliente, MAX_RESPOSTA, Provedor, Senha};
use guiche_ports::emissor::{EmissorNotas, Envio, ErroEnvio, Resposta};
use guiche_simulador::bruto::{REDIRECIONAMENTOS, Servidor, redirecionar, resposta, resumo};
use std::time::Duration;

const SENHA: &str = "senha-secreta-nfd";

/// The service's success answer.
fn aceita() -> Vec<u8> {
    wire::escrever_resposta(
        Operacao::EnviarNota,
        "http://brgov.com.br/",
        "1-MOPD33J.POA234J",
    )
    .into_bytes()
}

fn cliente(url: String) -> ClienteNfd {
    ClienteNfd::new(ConfigCliente {
        provedor: Provedor::da_prefeitura("3150").unwrap().clone(),
        endpoint: Some(url),
        senha: Senha::new(SENHA),
        timeout: Duration::from_secs(5),
        http_inseguro: false,
    })
    .unwrap()
}

fn envio() -> Envio {
    Envio {
        prefeitura: "3150".into(),
        prestador: Documento::parse("21118045000135").unwrap(),
        documento: "<NOTA><NUMERO_NOTA>1</NUMERO_NOTA></NOTA>".into(),
        url_impressao: false,
    }
}

#[tokio::test]
async fn a_redirect_is_not_followed_the_password_stays_and_the_outcome_is_unknown() {
    for status in REDIRECIONAMENTOS {
        let servidor = Servidor::iniciar(move |pedido, endereco| {
            if pedido.caminho == "/capturado" {
                return resposta("200 OK", "", &aceita());
            }
            redirecionar(status, "http", endereco)
        })
        .unwrap();
        let r = cliente(servidor.url("/ServicoNfd.asmx"))
            .enviar(&envio())
            .await;
        let Err(ErroEnvio::Desconhecido(m)) = &r else {
            panic!("{status}: esperava resultado desconhecido, veio {r:?}");
        };
        assert!(
            m.contains("redirecionando para") && m.contains("/capturado"),
            "{m}"
        );
        let recebidos = servidor.recebidos();
        assert_eq!(recebidos.len(), 1, "{status}: {recebidos:?}");
        assert!(
            recebidos[0].corpo.contains(SENHA),
            "o primeiro pedido leva a senha"
        );
        assert!(
            recebidos.iter().all(|p| p.caminho != "/capturado"),
            "{status}: a senhaNFD chegou ao endereço do redirecionamento"
        );
    }
}

#[tokio::test]
async fn a_reply_bigger_than_the_cap_is_an_unknown_outcome_not_read_whole() {
    // A valid success answer, padded past the cap: read whole, it would issue the nota.
    let mut grande = aceita();
    grande.extend(std::iter::repeat_n(b' ', MAX_RESPOSTA));
    let copia = grande.clone();
    let servidor = Servidor::iniciar(move |_, _| resposta("200 OK", "", &grande)).unwrap();
    let r = cliente(servidor.url("/ServicoNfd.asmx"))
        .enviar(&envio())
        .await;
    let Err(ErroEnvio::Desconhecido(m)) = &r else {
        panic!("esperava resultado desconhecido, veio {}", resumo(&r));
    };
    assert!(m.contains("passa de 1024 KiB"), "{m}");

    // Without Content-Length (read until the connection closes) the cap holds while reading.
    let servidor = Servidor::iniciar(move |_, _| {
        let mut r = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
        r.extend_from_slice(&copia);
        r
    })
    .unwrap();
    let r = cliente(servidor.url("/ServicoNfd.asmx"))
        .enviar(&envio())
        .await;
    assert!(
        matches!(&r, Err(ErroEnvio::Desconhecido(m)) if m.contains("passa de 1024 KiB")),
        "{r:?}"
    );

    // An answer within the cap is read as before.
    let servidor = Servidor::iniciar(|_, _| resposta("200 OK", "", &aceita())).unwrap();
    let r = cliente(servidor.url("/ServicoNfd.asmx"))
        .enviar(&envio())
        .await;
    assert_eq!(
        r,
        Ok(Resposta::Aceita {
            codigo: "MOPD33J.POA234J".into()
        })
    );
}

#[tokio::test]
async fn the_request_on_the_wire_is_the_envelope_and_headers_of_its_operation() {
    let servidor = Servidor::iniciar(|pedido, _| {
        let op = if pedido.corpo.contains("<EnviarNotaRetornaurlNota ") {
            Operacao::EnviarNotaRetornaurlNota
        } else {
            Operacao::EnviarNota
        };
        let corpo = wire::escrever_resposta(op, "http://brgov.com.br/", "1-MOPD33J.POA234J");
        resposta("200 OK", "", corpo.as_bytes())
    })
    .unwrap();
    let c = cliente(servidor.url("/wsnfd/ServicoNfd.asmx"));
    for (url_impressao, operacao) in [
        (false, Operacao::EnviarNota),
        (true, Operacao::EnviarNotaRetornaurlNota),
        (false, Operacao::EnviarNota),
    ] {
        let e = Envio {
            url_impressao,
            ..envio()
        };
        assert!(c.enviar(&e).await.is_ok());
        let recebido = servidor.recebidos().pop().unwrap();
        assert_eq!(recebido.caminho, "/wsnfd/ServicoNfd.asmx");
        let esperado = wire::escrever_pedido(&wire::PedidoSoap {
            operacao,
            namespace: "http://brgov.com.br/".into(),
            cod_prefeitura: "3150".into(),
            nota_fiscal: e.documento.clone(),
            cnpj_prestador: "21118045000135".into(),
            senha: Senha::new(SENHA),
        });
        assert_eq!(recebido.corpo, esperado);
        let cabecalhos = recebido.cabecalhos.to_ascii_lowercase();
        for linha in [
            "content-type: text/xml; charset=utf-8\r\n".to_owned(),
            "accept: text/xml\r\n".to_owned(),
            format!(
                "soapaction: http://brgov.com.br/{}\r\n",
                operacao.nome().to_ascii_lowercase()
            ),
            format!("content-length: {}\r\n", esperado.len()),
        ] {
            assert!(cabecalhos.contains(&linha), "{linha:?} em {cabecalhos:?}");
        }
    }
}
