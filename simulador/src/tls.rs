//! TLS for the simulators served over HTTPS: an acceptor presenting a server certificate chain,
//! optionally demanding a client certificate issued by a given root (mTLS), an accept loop
//! that hands each completed handshake to the simulator, [`ServidorTls`] (a simulator's
//! start-up and serving on top of them, and [`ErroSimulador`], why it could not start); and
//! [`bruto()`], the transport tests' raw server over HTTPS. Where the certificates come from (a test CA) is the caller's business;
//! this module knows no remote system.

use crate::Resposta;
use crate::bruto::{self, Conexao, Recebido};
use hyper::Request;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use std::future::Future;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
pub use tokio_rustls::TlsAcceptor;
pub use tokio_rustls::server::TlsStream;

/// TLS could not be configured (the message says why).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ErroTls(pub String);

/// Whether the server demands a client certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cliente<'a> {
    /// mTLS: a certificate issued by this root (DER), or no handshake.
    Exigido(&'a [u8]),
    /// Server authentication only.
    Dispensado,
}

/// An acceptor presenting `cadeia` (DER, the server's certificate first) with its PKCS#8 key
/// `chave`, over the `ring` provider and its safe default protocol versions.
///
/// # Errors
/// [`ErroTls`]: a root, chain or key rustls refuses.
pub fn acceptor(
    cadeia: Vec<Vec<u8>>,
    chave: Vec<u8>,
    cliente: Cliente<'_>,
) -> Result<TlsAcceptor, ErroTls> {
    Ok(TlsAcceptor::from(Arc::new(config(cadeia, chave, cliente)?)))
}

/// The server configuration of [`acceptor`].
fn config(
    cadeia: Vec<Vec<u8>>,
    chave: Vec<u8>,
    cliente: Cliente<'_>,
) -> Result<rustls::ServerConfig, ErroTls> {
    let tls = |e: &dyn std::fmt::Display| ErroTls(e.to_string());
    let provedor = Arc::new(rustls::crypto::ring::default_provider());
    let cadeia = cadeia.into_iter().map(CertificateDer::from).collect();
    let chave = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(chave));
    let base = rustls::ServerConfig::builder_with_provider(provedor.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(&e))?;
    let config = match cliente {
        Cliente::Exigido(raiz) => {
            let mut raizes = rustls::RootCertStore::empty();
            raizes
                .add(CertificateDer::from(raiz.to_vec()))
                .map_err(|e| tls(&e))?;
            let verificador =
                WebPkiClientVerifier::builder_with_provider(Arc::new(raizes), provedor)
                    .build()
                    .map_err(|e| tls(&e))?;
            base.with_client_cert_verifier(verificador)
                .with_single_cert(cadeia, chave)
        }
        Cliente::Dispensado => base.with_no_client_auth().with_single_cert(cadeia, chave),
    }
    .map_err(|e| tls(&e))?;
    Ok(config)
}

/// Accepts connections on `listener` until this task is aborted (the simulator dropped),
/// completes each TLS handshake with `acceptor` (a client without an accepted certificate
/// fails there) and serves the stream with `servir`, each connection in its own task. The tasks
/// live in a `JoinSet`, so aborting this one closes them too; a failed accept (out of
/// descriptors and the like) waits 20 ms instead of spinning.
pub async fn aceitar<F, Fut>(listener: TcpListener, acceptor: TlsAcceptor, servir: F)
where
    F: Fn(TlsStream<TcpStream>) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut conexoes = JoinSet::new();
    loop {
        tokio::select! {
            aceita = listener.accept() => match aceita {
                Ok((tcp, _)) => {
                    let (acceptor, servir) = (acceptor.clone(), servir.clone());
                    conexoes.spawn(async move {
                        if let Ok(tls) = acceptor.accept(tcp).await {
                            servir(tls).await;
                        }
                    });
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = conexoes.join_next(), if !conexoes.is_empty() => {}
        }
    }
}

/// Why an HTTPS simulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErroSimulador {
    /// Its certificates could not be made (the test PKI's error, as it words it).
    #[error(transparent)]
    Pki(Box<dyn std::error::Error + Send + Sync>),
    /// TLS could not be configured.
    #[error("TLS do simulador: {0}")]
    Tls(String),
    /// The port could not be bound, or no Tokio runtime is running.
    #[error("simulador: {0}")]
    Io(#[from] std::io::Error),
}

impl ErroSimulador {
    /// The test PKI's error `e` ([`ErroSimulador::Pki`]).
    pub fn pki(e: impl std::error::Error + Send + Sync + 'static) -> ErroSimulador {
        ErroSimulador::Pki(Box::new(e))
    }
}

impl From<ErroTls> for ErroSimulador {
    fn from(e: ErroTls) -> ErroSimulador {
        ErroSimulador::Tls(e.0)
    }
}

/// An HTTPS simulator served on `127.0.0.1` until dropped, which aborts it and every
/// connection at once ([`ServidorTls::iniciar`]).
#[derive(Debug)]
pub struct ServidorTls {
    endereco: SocketAddr,
    tarefa: tokio::task::JoinHandle<()>,
}

impl ServidorTls {
    /// Binds `127.0.0.1:porta` ([`crate::escutar`]; `nome` names the simulator in the error),
    /// presents `cadeia` (DER, the server's certificate first) with its PKCS#8 key `chave`,
    /// demands a client certificate or not ([`Cliente`]), and serves each connection over
    /// HTTP/1.1 with the handler `conexao` makes from the client's certificate (DER, the leaf),
    /// if it presented one.
    ///
    /// # Errors
    /// [`ErroSimulador`]: no Tokio runtime, a chain or key rustls refuses, a port that cannot
    /// be bound.
    pub fn iniciar<F, G, Fut, E>(
        nome: &str,
        porta: u16,
        cadeia: Vec<Vec<u8>>,
        chave: Vec<u8>,
        cliente: Cliente<'_>,
        conexao: F,
    ) -> Result<ServidorTls, ErroSimulador>
    where
        F: Fn(Option<&[u8]>) -> G + Clone + Send + Sync + 'static,
        G: Fn(Request<Incoming>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Resposta, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let runtime = crate::runtime(nome)?;
        let acceptor = acceptor(cadeia, chave, cliente)?;
        let listener = crate::escutar(porta, nome)?;
        let endereco = listener.local_addr()?;
        let tarefa = runtime.spawn(aceitar(listener, acceptor, move |tls| {
            let atender = conexao(
                tls.get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|cs| cs.first())
                    .map(AsRef::as_ref),
            );
            async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service_fn(atender))
                    .await;
            }
        }));
        Ok(ServidorTls { endereco, tarefa })
    }

    /// The bound address.
    pub fn endereco(&self) -> SocketAddr {
        self.endereco
    }

    /// `https://127.0.0.1:PORT`.
    pub fn raiz(&self) -> String {
        format!("https://127.0.0.1:{}", self.endereco.port())
    }
}

impl Drop for ServidorTls {
    /// Aborts serving and every connection at once.
    fn drop(&mut self) {
        self.tarefa.abort();
    }
}

/// A TLS session over one of [`bruto::Servidor`]'s connections; once answered, it says
/// `close_notify` (a reply without `Content-Length` ends cleanly).
#[derive(Debug)]
pub struct SessaoBruta(rustls::StreamOwned<rustls::ServerConnection, std::net::TcpStream>);

impl Read for SessaoBruta {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for SessaoBruta {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl Conexao for SessaoBruta {
    fn encerrar(&mut self) -> std::io::Result<()> {
        self.0.conn.send_close_notify();
        self.0.flush()
    }
}

/// [`bruto::Servidor`] over HTTPS: presents `cadeia` (DER, the server's certificate first, its
/// root last: [`bruto::Servidor::ca_pem`]) with its PKCS#8 key `chave`, asks no client
/// certificate, and answers with `responder`.
///
/// # Errors
/// A chain or key rustls refuses, or no loopback port could be bound.
pub fn bruto(
    cadeia: Vec<Vec<u8>>,
    chave: Vec<u8>,
    responder: impl Fn(&Recebido, SocketAddr) -> Vec<u8> + Send + Sync + 'static,
) -> std::io::Result<bruto::Servidor> {
    let ca_pem = cadeia.last().map(|der| pem_certificado(der));
    let config =
        Arc::new(config(cadeia, chave, Cliente::Dispensado).map_err(std::io::Error::other)?);
    let embrulhar = move |stream| {
        let conexao =
            rustls::ServerConnection::new(config.clone()).map_err(std::io::Error::other)?;
        Ok(SessaoBruta(rustls::StreamOwned::new(conexao, stream)))
    };
    let mut servidor = bruto::Servidor::iniciar_com(embrulhar, responder)?;
    servidor.esquema = "https";
    servidor.ca_pem = ca_pem;
    Ok(servidor)
}

/// A certificate (DER) as PEM: base64 in lines of 64 between the `CERTIFICATE` markers.
fn pem_certificado(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for linha in b64.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(linha));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}
