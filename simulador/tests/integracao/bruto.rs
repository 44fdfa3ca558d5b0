//! `bruto::Servidor` over a real socket: it records each request (path, headers, body) and
//! writes back exactly the bytes its responder gives; a wrapped connection is closed through
//! [`Conexao::encerrar`].

#![allow(clippy::unwrap_used, clippy::expect_used)]

use guiche_simulador::bruto::{Conexao, Recebido, Servidor, resposta};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn pedir(servidor: &Servidor, pedido: &str) -> String {
    let mut s = TcpStream::connect(servidor.endereco()).unwrap();
    s.write_all(pedido.as_bytes()).unwrap();
    let mut r = String::new();
    s.read_to_string(&mut r).unwrap();
    r
}

#[test]
fn records_the_request_and_answers_the_responders_bytes() {
    let s = Servidor::iniciar(|p, endereco| {
        let local = format!("Location: http://{endereco}/outro\r\n");
        resposta("307 Temporary Redirect", &local, p.corpo.as_bytes())
    })
    .unwrap();
    let r = pedir(
        &s,
        "POST /token HTTP/1.1\r\nHost: x\r\ncontent-length: 5\r\n\r\nabcde",
    );
    assert_eq!(
        r,
        format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://{}/outro\r\n\
             Content-Length: 5\r\nConnection: close\r\n\r\nabcde",
            s.endereco()
        )
    );
    assert_eq!(
        s.recebidos(),
        [Recebido {
            caminho: "/token".into(),
            cabecalhos: "Host: x\r\ncontent-length: 5\r\n".into(),
            corpo: "abcde".into(),
        }]
    );
    assert_eq!(s.url("/a"), format!("http://{}/a", s.endereco()));
}

#[test]
fn a_request_that_is_not_http_is_neither_recorded_nor_answered() {
    let s = Servidor::iniciar(|_, _| resposta("200 OK", "", b"")).unwrap();
    assert_eq!(pedir(&s, "lixo\r\n\r\n"), "");
    assert_eq!(
        pedir(&s, "GET / HTTP/1.1\r\n\r\n").into_bytes(),
        resposta("200 OK", "", b"")
    );
    assert_eq!(s.caminhos(), ["/"]);
}

/// A TCP stream that counts how often it was closed through [`Conexao::encerrar`].
struct Contada(TcpStream, Arc<AtomicUsize>);

impl Read for Contada {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for Contada {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl Conexao for Contada {
    fn encerrar(&mut self) -> std::io::Result<()> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.flush()
    }
}

#[test]
fn a_wrapped_connection_is_answered_then_closed_through_encerrar() {
    let encerradas = Arc::new(AtomicUsize::new(0));
    let contador = encerradas.clone();
    let s = Servidor::iniciar_com(
        move |stream| Ok(Contada(stream, contador.clone())),
        |_, _| resposta("200 OK", "", b"ola"),
    )
    .unwrap();
    let r = pedir(&s, "GET /x HTTP/1.1\r\n\r\n");
    assert!(
        r.starts_with("HTTP/1.1 200 OK\r\n") && r.ends_with("ola"),
        "{r}"
    );
    assert_eq!(encerradas.load(Ordering::SeqCst), 1);
    assert_eq!(s.caminhos(), ["/x"]);
}
