//! # guiche-simulador
//!
//! What the plain-HTTP simulators of guichê (NFD, CONAM) share: serving HTTP/1.1 on a
//! loopback listener until a stop signal, then letting the requests in flight finish
//! ([`Servico`] holds a simulator's state and its server), a way for a handler to drop a
//! connection without a reply (a simulated reset), the replies' plumbing ([`resposta`],
//! [`json`]), injected faults ([`falha`]: read, queued, applied), a generator for values that
//! only need to look random ([`sorteio`]) and the benchmarks' arguments ([`bancada`]). Each simulator keeps its
//! own routes, state and fault names; this crate knows nothing of any remote system. The
//! adapters' transport tests share [`bruto`], a raw server that answers whatever bytes a test
//! gives. The HTTPS simulators (Integra Contador, Conecta gov.br) share `tls` (feature `tls`).
//!
//! ```no_run
//! use bytes::Bytes;
//! use guiche_simulador::{ConexaoDerrubada, servir};
//! use http_body_util::Full;
//! use hyper::{Request, Response, body::Incoming};
//! use std::time::Duration;
//!
//! async fn ola(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, ConexaoDerrubada> {
//!     Ok(Response::new(Full::new(Bytes::from_static(b"ola"))))
//! }
//!
//! # async fn exemplo() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let (parar, parada) = tokio::sync::watch::channel(false);
//! let servidor = tokio::spawn(servir(listener, parada, Duration::from_secs(10), ola));
//! // or, owning start and stop: guiche_simulador::Servidor::servir(listener, ola)
//! // … requests …
//! let _ = parar.send(true);
//! let _ = servidor.await;
//! # Ok(())
//! # }
//! ```

pub mod bancada;
pub mod bruto;
pub mod falha;
pub mod sorteio;
#[cfg(feature = "tls")]
pub mod tls;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// Largest request body a simulator reads.
pub const MAX_CORPO: usize = 1024 * 1024;

/// How long [`Servidor::parar`] waits for requests in flight before aborting them.
pub const PRAZO_PARADA: Duration = Duration::from_secs(10);

/// Returned by a handler to make hyper drop the connection without writing a reply.
#[derive(Debug, thiserror::Error)]
#[error("conexão encerrada sem resposta (falha simulada)")]
pub struct ConexaoDerrubada;

/// The reply type of the simulators' handlers.
pub type Resposta = Response<Full<Bytes>>;

/// The running Tokio runtime, or an error naming the simulator that needs one.
///
/// # Errors
/// No Tokio runtime is running.
pub fn runtime(nome: &str) -> std::io::Result<tokio::runtime::Handle> {
    tokio::runtime::Handle::try_current().map_err(|e| {
        std::io::Error::other(format!("simulador {nome} fora de um runtime Tokio: {e}"))
    })
}

/// A listener on `127.0.0.1:porta` (0: any free port), registered with the current Tokio
/// runtime; its address is known before serving starts, so a simulator's state can use it.
///
/// # Errors
/// The port cannot be bound, or there is no Tokio runtime (the message names `nome`).
pub fn escutar(porta: u16, nome: &str) -> std::io::Result<TcpListener> {
    let _contexto = runtime(nome)?.enter();
    let std_listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, porta))?;
    std_listener.set_nonblocking(true)?;
    TcpListener::from_std(std_listener)
}

/// The port a simulator's example program was given as its first argument; `0` (any free
/// port) when there is none or it is not a port number.
pub fn porta_do_argumento() -> u16 {
    std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

/// A reply with this status, `Content-Type` (none when `None`) and body.
pub fn resposta(
    status: StatusCode,
    tipo: Option<&'static str>,
    corpo: impl Into<Bytes>,
) -> Resposta {
    let mut r = Response::new(Full::new(corpo.into()));
    *r.status_mut() = status;
    if let Some(t) = tipo {
        r.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(t));
    }
    r
}

/// A JSON reply (`Content-Type: application/json`) of `corpo`, written with serde (a `json!`
/// value or the DTO the client reads); one serde cannot write is HTTP 500 with the reason as
/// text.
pub fn json<T: serde::Serialize>(status: StatusCode, corpo: T) -> Resposta {
    match serde_json::to_string(&corpo) {
        Ok(texto) => resposta(status, Some("application/json"), texto),
        Err(e) => resposta(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some("text/plain; charset=utf-8"),
            format!("o simulador não conseguiu escrever a resposta: {e}\n"),
        ),
    }
}

/// A simulator's state served over plain HTTP on loopback: what every such simulator's handle
/// holds ([`Servico::iniciar`]); stopped gracefully with [`Servico::parar`], or at once when
/// dropped.
#[derive(Debug)]
pub struct Servico<E> {
    estado: Arc<E>,
    servidor: Servidor,
}

impl<E: Send + Sync + 'static> Servico<E> {
    /// Binds `127.0.0.1:porta` ([`escutar`]; `nome` names the simulator in the error), makes the
    /// state from the bound address and serves each request with `atender(estado, request)`.
    ///
    /// # Errors
    /// The port cannot be bound, or there is no Tokio runtime.
    pub fn iniciar<F, Fut>(
        porta: u16,
        nome: &str,
        estado: impl FnOnce(SocketAddr) -> E,
        atender: F,
    ) -> std::io::Result<Servico<E>>
    where
        F: Fn(Arc<E>, Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<Resposta, ConexaoDerrubada>> + Send + 'static,
    {
        let listener = escutar(porta, nome)?;
        let estado = Arc::new(estado(listener.local_addr()?));
        let servido = Arc::clone(&estado);
        let servidor = Servidor::servir(listener, move |req| atender(Arc::clone(&servido), req))?;
        Ok(Servico { estado, servidor })
    }

    /// The state the requests see.
    pub fn estado(&self) -> &E {
        &self.estado
    }

    /// The bound address.
    pub fn endereco(&self) -> SocketAddr {
        self.servidor.endereco()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn raiz(&self) -> String {
        format!("http://{}", self.endereco())
    }

    /// Stops accepting, lets requests in flight finish (at most [`PRAZO_PARADA`], then they
    /// are aborted) and closes idle connections.
    pub async fn parar(self) {
        self.servidor.parar().await;
    }
}

/// A simulator being served on the current Tokio runtime ([`Servidor::servir`]): stopped
/// gracefully with [`Servidor::parar`], or at once when dropped.
#[derive(Debug)]
pub struct Servidor {
    endereco: SocketAddr,
    parada: watch::Sender<bool>,
    tarefa: Option<JoinHandle<()>>,
}

impl Servidor {
    /// Serves `listener` with `atender` ([`servir`]) on the current Tokio runtime; stopping
    /// waits at most [`PRAZO_PARADA`] for requests in flight.
    ///
    /// # Errors
    /// There is no Tokio runtime, or the listener has no address.
    pub fn servir<F, Fut>(listener: TcpListener, atender: F) -> std::io::Result<Servidor>
    where
        F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<Resposta, ConexaoDerrubada>> + Send + 'static,
    {
        let endereco = listener.local_addr()?;
        let (parada, recebe_parada) = watch::channel(false);
        let tarefa = runtime("HTTP")?.spawn(servir(listener, recebe_parada, PRAZO_PARADA, atender));
        Ok(Servidor {
            endereco,
            parada,
            tarefa: Some(tarefa),
        })
    }

    /// The bound address.
    pub fn endereco(&self) -> SocketAddr {
        self.endereco
    }

    /// Stops accepting, lets requests in flight finish (at most [`PRAZO_PARADA`], then they
    /// are aborted) and closes idle connections.
    pub async fn parar(mut self) {
        let _ = self.parada.send(true);
        if let Some(tarefa) = self.tarefa.take() {
            let _ = tarefa.await;
        }
    }
}

impl Drop for Servidor {
    /// Aborts serving and every connection at once.
    fn drop(&mut self) {
        if let Some(tarefa) = self.tarefa.take() {
            tarefa.abort();
        }
    }
}

/// Accepts connections on `listener` and serves each with `atender`, until `parada` turns
/// `true` (or its sender is gone); then stops accepting and waits up to `prazo` for the
/// requests in flight. Connections live in a [`JoinSet`], so aborting this task aborts them
/// all. A failed accept (out of descriptors and the like) waits 20 ms instead of spinning.
pub async fn servir<F, Fut>(
    listener: TcpListener,
    mut parada: watch::Receiver<bool>,
    prazo: Duration,
    atender: F,
) where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Resposta, ConexaoDerrubada>> + Send + 'static,
{
    let mut conexoes = JoinSet::new();
    let aviso = parada.clone();
    loop {
        tokio::select! {
            aceita = listener.accept() => match aceita {
                Ok((stream, _)) => {
                    conexoes.spawn(conexao(stream, atender.clone(), aviso.clone()));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            () = sinal(&mut parada) => break,
            Some(_) = conexoes.join_next(), if !conexoes.is_empty() => {}
        }
    }
    drop(listener);
    let drenar = async { while conexoes.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(prazo, drenar).await;
}

/// Resolves once the stop signal is given (or the simulator is gone).
async fn sinal(parada: &mut watch::Receiver<bool>) {
    let _ = parada.wait_for(|p| *p).await;
}

/// Serves one HTTP/1.1 connection; on the stop signal, finishes the request in flight and
/// closes.
async fn conexao<F, Fut>(stream: TcpStream, atender: F, mut parada: watch::Receiver<bool>)
where
    F: Fn(Request<Incoming>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Resposta, ConexaoDerrubada>> + Send + 'static,
{
    let servico = service_fn(atender);
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), servico);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        () = sinal(&mut parada) => conn.as_mut().graceful_shutdown(),
    }
    let _ = conn.await;
}

/// The value of header `nome`, or `""` when absent or not text.
pub fn cabecalho<'a>(req: &'a Request<Incoming>, nome: &str) -> &'a str {
    req.headers()
        .get(nome)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// A request body, up to `limite` bytes (`None` past it or on a broken connection).
pub async fn corpo(req: Request<Incoming>, limite: usize) -> Option<Bytes> {
    use http_body_util::BodyExt as _;
    http_body_util::Limited::new(req.into_body(), limite)
        .collect()
        .await
        .ok()
        .map(|b| b.to_bytes())
}

/// An OAuth 2 client-credentials token request, as a gateway reads it.
#[derive(Debug, Default)]
pub struct PedidoToken {
    /// What follows `Basic ` in `Authorization`, when present.
    pub basic: Option<String>,
    /// The form fields (`grant_type`, …); empty when the body is not a form.
    pub formulario: std::collections::HashMap<String, String>,
}

/// Reads a token request. `None` when its `Content-Type` is not
/// `application/x-www-form-urlencoded`: the gateways then answer 415 (each simulator in its own
/// body).
pub async fn pedido_de_token(req: Request<Incoming>) -> Option<PedidoToken> {
    if !cabecalho(&req, "content-type").starts_with("application/x-www-form-urlencoded") {
        return None;
    }
    let basic = cabecalho(&req, "authorization")
        .strip_prefix("Basic ")
        .map(str::to_owned);
    let formulario = corpo(req, 64 * 1024)
        .await
        .and_then(|b| serde_urlencoded::from_bytes(&b).ok())
        .unwrap_or_default();
    Some(PedidoToken { basic, formulario })
}
