//! `servir` over a real socket: it answers, drops a connection when the handler says so, and
//! ends on the stop signal.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use guiche_simulador::{ConexaoDerrubada, Resposta, servir};
use http_body_util::Full;
use hyper::Request;
use hyper::body::Incoming;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn atender(req: Request<Incoming>) -> Result<Resposta, ConexaoDerrubada> {
    if req.uri().path() == "/derrubar" {
        return Err(ConexaoDerrubada);
    }
    Ok(hyper::Response::new(Full::new(Bytes::from_static(b"ola"))))
}

async fn pedir(porta: u16, caminho: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", porta)).await.unwrap();
    let pedido = format!("GET {caminho} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(pedido.as_bytes()).await.unwrap();
    let mut resposta = String::new();
    let _ = s.read_to_string(&mut resposta).await;
    resposta
}

#[tokio::test]
async fn answers_drops_on_request_and_stops_on_the_signal() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let porta = listener.local_addr().unwrap().port();
    let (parar, parada) = tokio::sync::watch::channel(false);
    let servidor = tokio::spawn(servir(listener, parada, Duration::from_secs(1), atender));
    let r = pedir(porta, "/").await;
    assert!(r.starts_with("HTTP/1.1 200") && r.ends_with("ola"), "{r}");
    assert_eq!(
        pedir(porta, "/derrubar").await,
        "",
        "nenhuma resposta escrita"
    );
    parar.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), servidor)
        .await
        .expect("servir termina com o sinal")
        .unwrap();
    assert!(
        TcpStream::connect(("127.0.0.1", porta)).await.is_err(),
        "a porta foi fechada"
    );
}
