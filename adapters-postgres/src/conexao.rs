//! Where the ledger is and how it is reached: the URL (`GUICHE_DB=postgres://…`), TLS, the two
//! pools and the bridge from the ports' blocking methods to the async client.
//!
//! The ports are blocking (SQLite is), the client is async (`tokio-postgres`, pooled by
//! `deadpool-postgres`, TLS by rustls). [`Ponte`] owns a small runtime of its own, one worker,
//! that drives the connections' sockets; a port's method builds its future on the caller's
//! thread and waits for it there ([`Ponte::esperar`]), so it never nests a runtime inside the
//! caller's (which `tokio` refuses) and borrows what the caller lent it.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use rustls::pki_types::pem::PemObject;
use tokio_postgres::Config;
use tokio_postgres::config::{Host, SslMode};

use crate::falha::Falha;

/// How long a port's call waits for a free connection (or a new one) before it fails.
pub(crate) const ESPERA_CONEXAO_S: u64 = 30;
const ESPERA_CONEXAO: Duration = Duration::from_secs(ESPERA_CONEXAO_S);

/// Settings of a PostgreSQL ledger beyond its URL.
#[derive(Clone, Default)]
pub struct Opcoes {
    /// PEM certificates (a CA) to trust for the server's certificate besides the system's
    /// (`GUICHE_DB_CA`).
    pub ca_pem: Option<Vec<u8>>,
    /// Connections for transactions (default 8); the locks (a sequence's turn, an e-CAC
    /// company's) use a pool of the same size of their own, so that waiting for a turn never
    /// starves a transaction.
    pub conexoes: Option<usize>,
    /// The user's password when the URL has none (`GUICHE_DB_SENHA`), kept out of the URL so
    /// that it never shows where a URL may.
    pub senha: Option<guiche_ports::Segredo>,
}

impl fmt::Debug for Opcoes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opcoes")
            .field("ca_pem", &self.ca_pem.as_ref().map(|c| c.len()))
            .field("conexoes", &self.conexoes)
            .field("senha", &self.senha.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Whether `texto` names a PostgreSQL ledger (`postgres://` or `postgresql://`).
pub fn e_url_postgres(texto: &str) -> bool {
    let minusculo = texto.trim_start().to_ascii_lowercase();
    minusculo.starts_with("postgres://") || minusculo.starts_with("postgresql://")
}

/// Whether the URL carries a password (`postgres://user:password@…` or `password=`): such a URL
/// must never be given on a command line.
pub fn tem_senha(url: &str) -> bool {
    url.parse::<Config>()
        .map(|c| c.get_password().is_some())
        .unwrap_or_else(|_| sem_senha(url) != url)
}

/// The bridge from blocking calls to the async client: a runtime of one worker that drives the
/// sockets, and a wait on the caller's thread.
pub(crate) struct Ponte {
    runtime: Option<tokio::runtime::Runtime>,
}

impl Ponte {
    pub(crate) fn nova() -> std::io::Result<Ponte> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("guiche-postgres")
            .enable_all()
            .build()?;
        Ok(Ponte {
            runtime: Some(runtime),
        })
    }

    /// Runs `f` to completion on this thread, inside the bridge's runtime (its sockets and
    /// timers belong to it; the connection tasks run on its worker).
    ///
    /// `f` is polled outside tokio's cooperative budget: called from a task of the caller's
    /// runtime (the server, an async command), that task's budget would otherwise run out and
    /// never be renewed while this thread waits, and every tokio primitive inside `f` (the
    /// pool's semaphore) would answer "not now" forever — a busy loop, seen in the chaos test.
    pub(crate) fn esperar<F: Future>(&self, f: F) -> F::Output {
        let _dentro = self.runtime.as_ref().map(|r| r.enter());
        futures_executor::block_on(tokio::task::unconstrained(f))
    }
}

impl Drop for Ponte {
    fn drop(&mut self) {
        // Never blocks (a ledger may be dropped inside an async task).
        if let Some(r) = self.runtime.take() {
            r.shutdown_background();
        }
    }
}

/// The connections of one ledger.
pub(crate) struct Conexoes {
    /// For transactions.
    pub(crate) transacoes: Pool,
    /// For session locks, each held as long as its turn.
    pub(crate) travas: Pool,
    /// Where the ledger is, without its password.
    pub(crate) local: String,
    /// Shared with every held turn (which may outlive the ledger's handle).
    pub(crate) ponte: Arc<Ponte>,
}

impl Conexoes {
    /// Parses `url`, prepares TLS and the pools; connects lazily (the first call).
    pub(crate) fn abrir(
        url: &str,
        opcoes: &Opcoes,
    ) -> Result<Conexoes, guiche_ports::livro::ErroLivro> {
        let mut config: Config = url
            .parse()
            .map_err(|e: tokio_postgres::Error| Falha::Url(e.to_string()).no(&sem_senha(url)))?;
        let local = descrever(&config);
        if config.get_hosts().is_empty() {
            return Err(Falha::Url("a URL não diz o servidor (host)".into()).no(&local));
        }
        let sem_modo = !url.to_ascii_lowercase().contains("sslmode=");
        if sem_modo && !so_local(&config) {
            // A password and fiscal data never cross a network in clear unless the URL says so.
            config.ssl_mode(SslMode::Require);
        }
        if let Some(senha) = &opcoes.senha
            && config.get_password().is_none()
        {
            config.password(senha.expor());
        }
        if config.get_application_name().is_none() {
            config.application_name("guiche");
        }
        let falha = |f: Falha| f.no(&local);
        let tls = tls(opcoes.ca_pem.as_deref()).map_err(falha)?;
        let ponte = Arc::new(Ponte::nova().map_err(|e| falha(Falha::Runtime(e)))?);
        let tamanho = opcoes.conexoes.unwrap_or(8).max(1);
        let pool = |config: Config| -> Result<Pool, Falha> {
            let gerente = Manager::from_config(
                config,
                tls.clone(),
                ManagerConfig {
                    recycling_method: RecyclingMethod::Fast,
                },
            );
            Pool::builder(gerente)
                .max_size(tamanho)
                .runtime(Runtime::Tokio1)
                .wait_timeout(Some(ESPERA_CONEXAO))
                .create_timeout(Some(ESPERA_CONEXAO))
                .build()
                .map_err(|e| Falha::Url(e.to_string()))
        };
        let transacoes = pool(config.clone()).map_err(falha)?;
        let travas = pool(config).map_err(falha)?;
        Ok(Conexoes {
            transacoes,
            travas,
            local,
            ponte,
        })
    }
}

/// `user@host:port/db` (a password is never shown).
fn descrever(config: &Config) -> String {
    let host = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(nome) => nome.clone(),
            #[cfg(unix)]
            Host::Unix(caminho) => caminho.display().to_string(),
        })
        .collect::<Vec<_>>()
        .join(",");
    let porta = config
        .get_ports()
        .first()
        .map_or(String::new(), |p| format!(":{p}"));
    let usuario = config.get_user().map_or(String::new(), |u| format!("{u}@"));
    let banco = config.get_dbname().unwrap_or_default();
    format!("postgres://{usuario}{host}{porta}/{banco}")
}

/// The URL up to its host, without anything between `://` and `@` (where a password goes), for
/// an error about a URL that did not parse.
fn sem_senha(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(i), Some(j)) if j > i => format!("{}://…@{}", &url[..i], &url[j + 1..]),
        _ => url.to_owned(),
    }
}

/// Whether every host is this machine (loopback or a Unix socket).
fn so_local(config: &Config) -> bool {
    config.get_hosts().iter().all(|h| match h {
        Host::Tcp(nome) => {
            nome == "localhost"
                || nome
                    .trim_matches(|c| c == '[' || c == ']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        Host::Unix(_) => true,
    })
}

/// rustls with the system's roots (and `ca_pem`'s): the server's certificate is always
/// verified, name included.
fn tls(ca_pem: Option<&[u8]>) -> Result<tokio_postgres_rustls::MakeRustlsConnect, Falha> {
    let mut raizes = rustls::RootCertStore::empty();
    let nativas = rustls_native_certs::load_native_certs();
    for c in nativas.certs {
        // A system certificate rustls cannot read is skipped, as browsers do.
        let _ = raizes.add(c);
    }
    if let Some(pem) = ca_pem {
        let mut lidos = 0;
        for c in rustls::pki_types::CertificateDer::pem_slice_iter(pem) {
            let c = c.map_err(|e| Falha::Ca(e.to_string()))?;
            raizes.add(c).map_err(|e| Falha::Ca(e.to_string()))?;
            lidos += 1;
        }
        if lidos == 0 {
            return Err(Falha::Ca("nenhum certificado PEM no arquivo".into()));
        }
    }
    let provedor = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provedor)
        .with_safe_default_protocol_versions()
        .map_err(|e| Falha::Ca(e.to_string()))?
        .with_root_certificates(raizes)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_told_from_a_path() {
        assert!(e_url_postgres("postgres://u@h/db"));
        assert!(e_url_postgres("PostgreSQL://h/db"));
        assert!(!e_url_postgres("/var/lib/guiche/livro.db"));
        assert!(!e_url_postgres("postgres.db"));
    }

    #[test]
    fn the_place_shown_never_carries_the_password() {
        let c: Config = "postgres://ana:segredo@db.escritorio:5433/guiche"
            .parse()
            .unwrap();
        let d = descrever(&c);
        assert_eq!(d, "postgres://ana@db.escritorio:5433/guiche");
        assert!(!sem_senha("postgres://ana:segredo@h/x?porta=z").contains("segredo"));
    }

    #[test]
    fn a_password_in_the_url_is_seen() {
        assert!(tem_senha("postgres://ana:segredo@h/x"));
        assert!(tem_senha("postgres://ana@h/x?password=segredo"));
        assert!(!tem_senha("postgres://ana@h/x"));
    }

    #[test]
    fn only_loopback_and_sockets_are_local() {
        let local = |u: &str| so_local(&u.parse::<Config>().unwrap());
        assert!(local("postgres://u@127.0.0.1/x"));
        assert!(local("postgres://u@localhost/x"));
        assert!(local("postgres://u@[::1]/x"));
        assert!(local("postgresql:///x?host=/run/postgresql"));
        assert!(!local("postgres://u@10.0.0.5/x"));
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        assert!(matches!(tls(Some(b"nada aqui")), Err(Falha::Ca(_))));
    }
}
