//! The CONAM client's transport over real loopback sockets, against a tiny server that answers
//! what each test needs: redirects are refused as "not sent" (the `client_secret` and the
//! package never reach the new location), replies are read up to a cap, any `expires_in` is
//! taken without a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use guiche_conam::{ClienteConam, ConfigCliente, MAX_RESPOSTA, Segredo};
use guiche_domain::conam::{PacoteBruto, Tabela2};
use guiche_ports::contabil::{ErroContabil, IntegracaoContabil};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PACOTE: &str = include_str!("vetores/pacote-manual.json");
const SEGREDO: &str = "segredo-conam-123";

/// One request the server received.
#[derive(Clone, Debug)]
struct Recebido {
    caminho: String,
    corpo: String,
}

/// A loopback HTTP/1.1 server: one thread per connection, one request per connection; every
/// request is recorded and answered with the bytes `responder` gives for it.
struct Servidor {
    endereco: SocketAddr,
    recebidos: Arc<Mutex<Vec<Recebido>>>,
}

impl Servidor {
    fn iniciar(
        responder: impl Fn(&Recebido, SocketAddr) -> Vec<u8> + Send + Sync + 'static,
    ) -> Servidor {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endereco = listener.local_addr().unwrap();
        let recebidos = Arc::new(Mutex::new(Vec::new()));
        let (lista, responder) = (recebidos.clone(), Arc::new(responder));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (lista, responder) = (lista.clone(), responder.clone());
                std::thread::spawn(move || {
                    let mut leitor = BufReader::new(stream.try_clone().unwrap());
                    let Some(pedido) = ler(&mut leitor) else {
                        return;
                    };
                    lista.lock().unwrap().push(pedido.clone());
                    let mut stream = stream;
                    let _ = stream.write_all(&responder(&pedido, endereco));
                });
            }
        });
        Servidor {
            endereco,
            recebidos,
        }
    }

    fn url(&self, caminho: &str) -> String {
        format!("http://{}{caminho}", self.endereco)
    }

    fn recebidos(&self) -> Vec<Recebido> {
        self.recebidos.lock().unwrap().clone()
    }
}

fn ler(leitor: &mut impl BufRead) -> Option<Recebido> {
    let mut linha = String::new();
    leitor.read_line(&mut linha).ok()?;
    let caminho = linha.split(' ').nth(1)?.to_owned();
    let mut tamanho = 0;
    loop {
        let mut cabecalho = String::new();
        leitor.read_line(&mut cabecalho).ok()?;
        if cabecalho.trim().is_empty() {
            break;
        }
        if let Some((nome, valor)) = cabecalho.split_once(':')
            && nome.eq_ignore_ascii_case("content-length")
        {
            tamanho = valor.trim().parse().ok()?;
        }
    }
    let mut corpo = vec![0; tamanho];
    leitor.read_exact(&mut corpo).ok()?;
    Some(Recebido {
        caminho,
        corpo: String::from_utf8_lossy(&corpo).into_owned(),
    })
}

fn resposta(status: &str, cabecalhos: &str, corpo: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {status}\r\n{cabecalhos}Content-Length: {}\r\nConnection: close\r\n\r\n",
        corpo.len()
    )
    .into_bytes();
    r.extend_from_slice(corpo);
    r
}

fn json(status: &str, corpo: &str) -> Vec<u8> {
    resposta(
        status,
        "Content-Type: application/json\r\n",
        corpo.as_bytes(),
    )
}

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

fn redirecionar(status: &'static str, endereco: SocketAddr) -> Vec<u8> {
    let destino = format!("Location: http://{endereco}/capturado\r\n");
    resposta(status, &destino, b"")
}

#[tokio::test]
async fn a_redirected_token_request_is_not_sent_and_the_secret_stays() {
    for status in ["307 Temporary Redirect", "308 Permanent Redirect"] {
        let s = Servidor::iniciar(move |p, endereco| match p.caminho.as_str() {
            "/capturado" => token("3600"),
            _ => redirecionar(status, endereco),
        });
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
        _ => redirecionar("307 Temporary Redirect", endereco),
    });
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
        });
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
    });
    let r = cliente(&s).periodo_aberto("1", 2022, 7).await;
    let Err(ErroContabil::Desconhecido(m)) = &r else {
        panic!("esperava resultado desconhecido, veio {}", resumo(&r));
    };
    assert!(m.contains("passa de 8 MiB"), "{m}");
}

/// The start of a result's description (a wrongly accepted huge reply would flood the output).
fn resumo(r: &impl std::fmt::Debug) -> String {
    format!("{r:?}").chars().take(300).collect()
}
