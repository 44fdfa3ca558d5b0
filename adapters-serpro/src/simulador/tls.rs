//! TLS for the simulators: a server certificate for 127.0.0.1/localhost issued by the test CA,
//! and, for Integra Contador, a mandatory client certificate issued by the same CA.

use super::ErroSimulador;
use guiche_certificados::pki_teste::AcTeste;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// Whether the server demands a client certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cliente {
    /// mTLS: a certificate issued by the test CA, or no handshake (Integra Contador).
    Exigido,
    /// Server authentication only (Conecta gov.br).
    Dispensado,
}

/// The acceptor for a simulator whose certificates come from `ac`.
pub(crate) fn acceptor(ac: &AcTeste, cliente: Cliente) -> Result<TlsAcceptor, ErroSimulador> {
    let tls = |e: &dyn std::fmt::Display| ErroSimulador::Tls(e.to_string());
    let provedor = Arc::new(rustls::crypto::ring::default_provider());
    let (cert, chave) = ac.emitir_servidor("localhost")?;
    let cadeia = vec![
        CertificateDer::from(cert),
        CertificateDer::from(ac.certificado_der()),
    ];
    let chave = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(chave));
    let base = rustls::ServerConfig::builder_with_provider(provedor.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(&e))?;
    let config = match cliente {
        Cliente::Exigido => {
            let mut raizes = rustls::RootCertStore::empty();
            raizes
                .add(CertificateDer::from(ac.certificado_der()))
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
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The running Tokio runtime (a simulator serves on it).
///
/// # Errors
/// None is running.
pub(crate) fn runtime() -> Result<tokio::runtime::Handle, std::io::Error> {
    tokio::runtime::Handle::try_current()
        .map_err(|e| std::io::Error::other(format!("sem runtime Tokio: {e}")))
}

/// A listener on `127.0.0.1:porta` (0: any free port) registered with `runtime`, and the
/// address it got.
///
/// # Errors
/// The port cannot be bound.
pub(crate) fn escutar(
    runtime: &tokio::runtime::Handle,
    porta: u16,
) -> Result<(tokio::net::TcpListener, std::net::SocketAddr), std::io::Error> {
    let std_listener = std::net::TcpListener::bind(("127.0.0.1", porta))?;
    std_listener.set_nonblocking(true)?;
    let endereco = std_listener.local_addr()?;
    let _g = runtime.enter();
    Ok((tokio::net::TcpListener::from_std(std_listener)?, endereco))
}

/// Accepts connections on `listener` until this task is aborted (the simulator dropped),
/// completes each TLS handshake with `acceptor` (a client without an accepted certificate
/// fails there) and serves the stream with `servir`, each connection in its own task. The tasks
/// live in a `JoinSet`, so aborting this one closes them too; a failed accept (out of
/// descriptors and the like) waits 20 ms instead of spinning.
pub(crate) async fn aceitar<F, Fut>(
    listener: tokio::net::TcpListener,
    acceptor: TlsAcceptor,
    servir: F,
) where
    F: Fn(tokio_rustls::server::TlsStream<tokio::net::TcpStream>) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let mut conexoes = tokio::task::JoinSet::new();
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
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            },
            Some(_) = conexoes.join_next(), if !conexoes.is_empty() => {}
        }
    }
}
