//! Building the [`reqwest::Client`] of an adapter: the same TLS stack, timeouts and redirect
//! policy for every remote system.

use std::fmt;
use std::time::Duration;

/// How long to wait for a connection (TCP and TLS handshake) by default.
pub const CONEXAO: Duration = Duration::from_secs(10);

/// The `User-Agent` every adapter sends.
pub const USER_AGENT: &str = concat!("guiche/", env!("CARGO_PKG_VERSION"));

/// What a client needs. Secrets are borrowed, never copied or shown by `Debug`.
#[derive(Clone, Copy)]
pub struct ConfigHttp<'a> {
    /// Timeout of one whole request, connection included.
    pub timeout: Duration,
    /// Timeout of the connection alone ([`CONEXAO`] by default).
    pub conexao: Duration,
    /// Refuse plain `http://` URLs at request time (the remote system requires TLS).
    pub somente_https: bool,
    /// Extra CAs (PEM bundle) trusted besides the system's: simulators, homologation.
    /// Verification is never disabled.
    pub ca_extra_pem: Option<&'a [u8]>,
    /// The client certificate for mTLS: its private key and certificate chain in PEM.
    pub identidade_pem: Option<&'a [u8]>,
    /// Speak HTTP/1.1 only, never negotiate HTTP/2 (SEFIN Nacional refuses HTTP/2 on its
    /// authenticated paths).
    pub somente_http1: bool,
}

impl ConfigHttp<'_> {
    /// A client without extra CA or client certificate, accepting http and https.
    pub fn new(timeout: Duration) -> ConfigHttp<'static> {
        ConfigHttp {
            timeout,
            conexao: CONEXAO,
            somente_https: false,
            ca_extra_pem: None,
            identidade_pem: None,
            somente_http1: false,
        }
    }
}

impl fmt::Debug for ConfigHttp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigHttp")
            .field("timeout", &self.timeout)
            .field("conexao", &self.conexao)
            .field("somente_https", &self.somente_https)
            .field("ca_extra", &self.ca_extra_pem.is_some())
            .field("identidade", &self.identidade_pem.is_some())
            .field("somente_http1", &self.somente_http1)
            .finish()
    }
}

/// The client could not be built. The messages are the TLS stack's own (no secret in them); the
/// adapter says which setting was wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ErroConstrucao {
    /// The client certificate (key and chain) could not be read.
    #[error("{0}")]
    Identidade(String),
    /// The extra CA bundle could not be read.
    #[error("{0}")]
    Ca(String),
    /// The HTTP stack could not start.
    #[error("{0}")]
    Http(String),
}

/// Builds a client (one connection pool, reused for every request): rustls with the ring
/// provider, [`ConfigHttp::conexao`] and [`ConfigHttp::timeout`], the [`USER_AGENT`], and
/// redirects never followed — credentials and requests (a POST above all) go only to the
/// address configured; a redirect comes back as the answer (see
/// [`crate::resposta::redirecionamento`]).
///
/// # Errors
/// [`ErroConstrucao`].
pub fn construir(config: &ConfigHttp<'_>) -> Result<reqwest::Client, ErroConstrucao> {
    // One TLS stack for the whole program: rustls with the ring provider (installed once; a
    // second call finds it there).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = reqwest::Client::builder();
    if let Some(pem) = config.identidade_pem {
        let identidade = reqwest::Identity::from_pem(pem)
            .map_err(|e| ErroConstrucao::Identidade(e.to_string()))?;
        b = b.identity(identidade);
    }
    if config.somente_https {
        b = b.https_only(true);
    }
    if config.somente_http1 {
        b = b.http1_only();
    }
    b = b
        .connect_timeout(config.conexao)
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT);
    if let Some(pem) = config.ca_extra_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| ErroConstrucao::Ca(e.to_string()))?;
        for c in certs {
            b = b.add_root_certificate(c);
        }
    }
    b.build().map_err(|e| ErroConstrucao::Http(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_client_builds_and_debug_shows_no_secret() {
        let mut c = ConfigHttp::new(Duration::from_secs(1));
        assert!(construir(&c).is_ok());
        c.identidade_pem = Some(b"-----BEGIN PRIVATE KEY-----\nsegredo\n");
        let d = format!("{c:?}");
        assert!(
            !d.contains("segredo") && d.contains("identidade: true"),
            "{d}"
        );
    }

    #[test]
    fn unreadable_identity_or_ca_is_an_error_not_a_panic() {
        let mut c = ConfigHttp::new(Duration::from_secs(1));
        c.identidade_pem = Some(b"not a pem");
        assert!(matches!(construir(&c), Err(ErroConstrucao::Identidade(_))));
        let mut c = ConfigHttp::new(Duration::from_secs(1));
        c.ca_extra_pem = Some(b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n");
        assert!(matches!(construir(&c), Err(ErroConstrucao::Ca(_))));
    }
}
