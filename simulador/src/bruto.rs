//! A raw HTTP/1.1 server on loopback for transport tests: it answers whatever bytes a test
//! gives, however wrong (a redirect to anywhere, a reply without `Content-Length`, one bigger
//! than any cap), which a well-behaved HTTP library would not write. Each connection carries one
//! request, read on its own thread, recorded, answered and closed. The bytes travel over the
//! plain TCP stream or over anything a test wraps it in (TLS, [`Servidor::iniciar_com`]).
//!
//! ```no_run
//! use guiche_simulador::bruto::{Servidor, resposta};
//!
//! # fn exemplo() -> std::io::Result<()> {
//! let servidor = Servidor::iniciar(|pedido, _endereco| match pedido.caminho.as_str() {
//!     "/ok" => resposta("200 OK", "Content-Type: text/plain\r\n", b"ok"),
//!     _ => resposta("307 Temporary Redirect", "Location: http://exemplo/\r\n", b""),
//! })?;
//! let url = servidor.url("/ok"); // http://127.0.0.1:<porta>/ok
//! // … the client under test calls `url` …
//! assert!(servidor.caminhos().iter().all(|c| c != "/capturado"));
//! # Ok(())
//! # }
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};

/// One request a [`Servidor`] received, as it came.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recebido {
    /// The request target of the request line (`/token`, `/ServicoNfd.asmx`).
    pub caminho: String,
    /// The header lines as received, each ending in `\r\n`.
    pub cabecalhos: String,
    /// The body (`Content-Length` bytes), decoded as UTF-8 with replacement characters.
    pub corpo: String,
}

/// A connection a [`Servidor`] reads a request from and writes its answer to.
pub trait Conexao: Read + Write {
    /// Called once the answer is written, before the connection is dropped: flushes it (a TLS
    /// connection also says `close_notify` here, so that a reply without `Content-Length` ends
    /// cleanly).
    ///
    /// # Errors
    /// The connection failed (the server ignores it: the peer sees what it sees).
    fn encerrar(&mut self) -> std::io::Result<()> {
        self.flush()
    }
}

impl Conexao for TcpStream {}

/// What a [`Servidor`] answers: the request and the server's own address (for a `Location`
/// that points back at it) give the raw bytes written back.
type Responder = dyn Fn(&Recebido, SocketAddr) -> Vec<u8> + Send + Sync;

/// A raw loopback HTTP/1.1 server: one thread per connection, one request per connection;
/// every request is recorded and answered with the bytes the responder gives for it. It runs
/// until the test process ends.
#[derive(Debug)]
pub struct Servidor {
    endereco: SocketAddr,
    recebidos: Arc<Mutex<Vec<Recebido>>>,
    /// `http`, or `https` for [`crate::tls::bruto()`]'s.
    pub(crate) esquema: &'static str,
    /// Over TLS, the root of the server's chain (PEM), which the client must trust.
    pub(crate) ca_pem: Option<String>,
}

impl Servidor {
    /// Starts a plain-TCP server on `127.0.0.1` (any free port).
    ///
    /// # Errors
    /// No loopback port could be bound.
    pub fn iniciar(
        responder: impl Fn(&Recebido, SocketAddr) -> Vec<u8> + Send + Sync + 'static,
    ) -> std::io::Result<Servidor> {
        Servidor::iniciar_com(Ok, responder)
    }

    /// Starts a server whose connections are first wrapped by `embrulhar` (a TLS session, say);
    /// a connection `embrulhar` refuses is dropped unanswered and unrecorded.
    ///
    /// # Errors
    /// No loopback port could be bound.
    pub fn iniciar_com<C: Conexao + 'static>(
        embrulhar: impl Fn(TcpStream) -> std::io::Result<C> + Send + Sync + 'static,
        responder: impl Fn(&Recebido, SocketAddr) -> Vec<u8> + Send + Sync + 'static,
    ) -> std::io::Result<Servidor> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let endereco = listener.local_addr()?;
        let recebidos = Arc::new(Mutex::new(Vec::new()));
        let lista = recebidos.clone();
        let embrulhar = Arc::new(embrulhar);
        let responder: Arc<Responder> = Arc::new(responder);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (lista, embrulhar, responder) =
                    (lista.clone(), embrulhar.clone(), responder.clone());
                std::thread::spawn(move || {
                    let Ok(mut conexao) = embrulhar(stream) else {
                        return;
                    };
                    let Some(pedido) = ler(&mut BufReader::new(&mut conexao)) else {
                        return;
                    };
                    travar(&lista).push(pedido.clone());
                    let _ = conexao.write_all(&responder(&pedido, endereco));
                    let _ = conexao.encerrar();
                });
            }
        });
        Ok(Servidor {
            endereco,
            recebidos,
            esquema: "http",
            ca_pem: None,
        })
    }

    /// The bound address (`127.0.0.1:<porta>`).
    pub fn endereco(&self) -> SocketAddr {
        self.endereco
    }

    /// `http://127.0.0.1:<porta>` (`https://` over TLS) followed by `caminho`.
    pub fn url(&self, caminho: &str) -> String {
        format!("{}://{}{caminho}", self.esquema, self.endereco)
    }

    /// Over TLS ([`crate::tls::bruto()`]), the root certificate of the server's chain as PEM:
    /// what the client under test must trust. `None` over plain TCP.
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// The requests received so far, in the order they were read.
    pub fn recebidos(&self) -> Vec<Recebido> {
        travar(&self.recebidos).clone()
    }

    /// The paths of the requests received so far, in the order they were read.
    pub fn caminhos(&self) -> Vec<String> {
        let recebidos = travar(&self.recebidos);
        recebidos.iter().map(|p| p.caminho.clone()).collect()
    }
}

/// The list of requests; a connection thread that panicked while holding it left it whole.
fn travar(lista: &Mutex<Vec<Recebido>>) -> std::sync::MutexGuard<'_, Vec<Recebido>> {
    lista.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Reads one request: the request line, the headers up to the blank line, and a body of
/// `Content-Length` bytes (none without it). `None` when the peer sends something else.
fn ler(leitor: &mut impl BufRead) -> Option<Recebido> {
    let mut linha = String::new();
    leitor.read_line(&mut linha).ok()?;
    let caminho = linha.split(' ').nth(1)?.to_owned();
    let (mut tamanho, mut cabecalhos) = (0, String::new());
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
        cabecalhos.push_str(&cabecalho);
    }
    let mut corpo = vec![0; tamanho];
    leitor.read_exact(&mut corpo).ok()?;
    Some(Recebido {
        caminho,
        cabecalhos,
        corpo: String::from_utf8_lossy(&corpo).into_owned(),
    })
}

/// The redirect statuses a client must refuse to follow (a token or a request sent elsewhere
/// leaks credentials just the same), for the transport tests to loop over.
pub const REDIRECIONAMENTOS: [&str; 4] = [
    "301 Moved Permanently",
    "302 Found",
    "307 Temporary Redirect",
    "308 Permanent Redirect",
];

/// A redirect (one of [`REDIRECIONAMENTOS`]) to `{esquema}://{endereco}/capturado`, the
/// responder's own server: a client that follows it leaves a `/capturado` in
/// [`Servidor::caminhos`].
pub fn redirecionar(status: &str, esquema: &str, endereco: SocketAddr) -> Vec<u8> {
    let destino = format!("Location: {esquema}://{endereco}/capturado\r\n");
    resposta(status, &destino, b"")
}

/// [`resposta`] with `Content-Type: application/json` and this body.
pub fn json(status: &str, corpo: &str) -> Vec<u8> {
    resposta(
        status,
        "Content-Type: application/json\r\n",
        corpo.as_bytes(),
    )
}

/// The start of a result's description, for assertion messages (a wrongly accepted huge reply
/// would flood the output).
pub fn resumo(r: &impl std::fmt::Debug) -> String {
    format!("{r:?}").chars().take(300).collect()
}

/// A complete answer: the status line `HTTP/1.1 {status}`, the `cabecalhos` given (each
/// ending in `\r\n`), `Content-Length` of `corpo`, `Connection: close`, then `corpo`.
pub fn resposta(status: &str, cabecalhos: &str, corpo: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {status}\r\n{cabecalhos}Content-Length: {}\r\nConnection: close\r\n\r\n",
        corpo.len()
    )
    .into_bytes();
    r.extend_from_slice(corpo);
    r
}
