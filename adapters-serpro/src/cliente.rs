//! The Integra Contador client. Today: the token (`POST {auth}/authenticate` over mTLS with the
//! contratante's e-CNPJ, `Authorization: Basic`, `Role-Type: TERCEIROS`, form
//! `grant_type=client_credentials`), cached until shortly before `expires_in`, one request in
//! flight however many callers wait. The service calls come next (see the crate doc).

use crate::certificado::Certificado;
use crate::wire::{self, TokenDto};
use base64::Engine;
use std::fmt;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// A consumer secret: never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Segredo(String);

impl Segredo {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Segredo {
        Segredo(s.into())
    }
}

impl fmt::Debug for Segredo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Segredo(***)")
    }
}

/// How to reach Integra Contador.
pub struct ConfigIntegra {
    /// Token endpoint (`GUICHE_SERPRO_AUTH_URL`), e.g.
    /// `https://autenticacao.sapi.serpro.gov.br/authenticate`.
    pub url_autenticacao: String,
    /// Gateway base (`GUICHE_SERPRO_URL`), e.g.
    /// `https://gateway.apiserpro.serpro.gov.br/integra-contador/v1`.
    pub url_gateway: String,
    /// `GUICHE_SERPRO_CONSUMER_KEY`.
    pub consumer_key: String,
    /// `GUICHE_SERPRO_CONSUMER_SECRET`.
    pub consumer_secret: Segredo,
    /// The contratante's e-CNPJ (`GUICHE_SERPRO_CERT`, `GUICHE_SERPRO_CERT_PASSWORD`).
    pub certificado: Certificado,
    /// Extra CA trusted besides the system's (`GUICHE_SERPRO_CA`: simulators, homologation).
    /// Verification is never disabled.
    pub ca_extra_pem: Option<String>,
    /// Timeout of one request.
    pub timeout: Duration,
}

impl fmt::Debug for ConfigIntegra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigIntegra")
            .field("url_autenticacao", &self.url_autenticacao)
            .field("url_gateway", &self.url_gateway)
            .field("consumer_key", &self.consumer_key)
            .finish_non_exhaustive()
    }
}

/// What went wrong talking to Integra Contador.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroIntegra {
    /// The client could not be built (bad URL, unreadable certificate or CA).
    #[error("configuração do Integra Contador: {0}")]
    Configuracao(String),
    /// The token endpoint refused the consumer credentials, the certificate or the request.
    #[error("autenticação recusada pelo SERPRO (HTTP {status}): {motivo}")]
    Autenticacao {
        /// HTTP status.
        status: u16,
        /// What the service said.
        motivo: String,
    },
    /// The TLS handshake or connection failed before anything was sent (for mTLS, often a
    /// certificate the server does not accept).
    #[error("não foi possível conectar ao SERPRO: {0}")]
    NaoEnviado(String),
    /// Sent, but no usable answer.
    #[error("resultado desconhecido: {0}")]
    Desconhecido(String),
    /// An answer that does not follow the documentation (names the JSON path).
    #[error("resposta fora do protocolo: {0}")]
    Protocolo(String),
}

struct Token {
    dto: TokenDto,
    renovar_em: Instant,
}

/// Talks to Integra Contador.
pub struct ClienteIntegra {
    http: reqwest::Client,
    url_autenticacao: String,
    basic: Segredo,
    token: Mutex<Option<Token>>,
}

impl fmt::Debug for ClienteIntegra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClienteIntegra")
            .field("url_autenticacao", &self.url_autenticacao)
            .finish_non_exhaustive()
    }
}

/// The access token and the JWT to send on each call.
#[derive(Clone, PartialEq, Eq)]
pub struct Credencial {
    /// `Authorization: Bearer` value.
    pub access_token: String,
    /// `jwt_token` header value.
    pub jwt_token: String,
}

impl fmt::Debug for Credencial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credencial(***)")
    }
}

impl ClienteIntegra {
    /// Builds the client with the e-CNPJ as TLS client identity.
    ///
    /// # Errors
    /// [`ErroIntegra::Configuracao`].
    pub fn new(config: ConfigIntegra) -> Result<ClienteIntegra, ErroIntegra> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let erro = |e: &dyn fmt::Display| ErroIntegra::Configuracao(e.to_string());
        for url in [&config.url_autenticacao, &config.url_gateway] {
            let u = reqwest::Url::parse(url).map_err(|e| erro(&format!("\"{url}\": {e}")))?;
            if u.scheme() != "https" {
                return Err(erro(&format!(
                    "\"{url}\" deve ser https (o SERPRO exige TLS)"
                )));
            }
        }
        let identidade =
            reqwest::Identity::from_pem(config.certificado.identidade_pem().as_bytes())
                .map_err(|e| erro(&format!("certificado do contratante: {e}")))?;
        let mut b = reqwest::Client::builder()
            .identity(identidade)
            .connect_timeout(Duration::from_secs(10))
            .timeout(config.timeout)
            .user_agent(concat!("guiche/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &config.ca_extra_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| erro(&format!("GUICHE_SERPRO_CA: {e}")))?;
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        let http = b.build().map_err(|e| erro(&e))?;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            config.consumer_key, config.consumer_secret.0
        ));
        Ok(ClienteIntegra {
            http,
            url_autenticacao: config.url_autenticacao,
            basic: Segredo(basic),
            token: Mutex::new(None),
        })
    }

    /// A valid token: the cached one, or a new one (one request in flight at a time).
    ///
    /// # Errors
    /// [`ErroIntegra`].
    pub async fn credencial(&self) -> Result<Credencial, ErroIntegra> {
        let mut guarda = self.token.lock().await;
        if let Some(t) = guarda.as_ref().filter(|t| Instant::now() < t.renovar_em) {
            return Ok(credencial(&t.dto));
        }
        let dto = self.autenticar().await?;
        let validade = Duration::from_secs(dto.expires_in);
        let margem = (validade / 10).min(Duration::from_secs(60));
        let c = credencial(&dto);
        *guarda = Some(Token {
            dto,
            renovar_em: Instant::now() + validade - margem,
        });
        Ok(c)
    }

    /// Forgets the cached token (after a 401 from the gateway: the next call re-authenticates).
    pub async fn esquecer_token(&self) {
        *self.token.lock().await = None;
    }

    async fn autenticar(&self) -> Result<TokenDto, ErroIntegra> {
        let r = self
            .http
            .post(&self.url_autenticacao)
            .header("Authorization", format!("Basic {}", self.basic.0))
            .header("Role-Type", "TERCEIROS")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .map_err(transporte)?;
        let status = r.status().as_u16();
        let corpo = r.text().await.map_err(transporte)?;
        if status != 200 {
            return Err(ErroIntegra::Autenticacao {
                status,
                motivo: motivo(&corpo),
            });
        }
        wire::ler_token(&corpo).map_err(|e| ErroIntegra::Protocolo(format!("token: {e}")))
    }
}

fn credencial(t: &TokenDto) -> Credencial {
    Credencial {
        access_token: t.access_token.clone(),
        jwt_token: t.jwt_token.clone(),
    }
}

/// The message of an authentication error body (`message` or `error`), or the body's start.
fn motivo(corpo: &str) -> String {
    let v: Option<serde_json::Value> = serde_json::from_str(corpo).ok();
    v.as_ref()
        .and_then(|v| v.get("message").or_else(|| v.get("error")))
        .and_then(|m| m.as_str())
        .map_or_else(|| corpo.chars().take(120).collect(), str::to_owned)
}

fn transporte(e: reqwest::Error) -> ErroIntegra {
    let mut causa: &dyn std::error::Error = &e;
    while let Some(c) = causa.source() {
        causa = c;
    }
    if e.is_connect() {
        ErroIntegra::NaoEnviado(format!(
            "conexão ou TLS recusados (o certificado é aceito pelo servidor?); detalhe: {causa}"
        ))
    } else if e.is_timeout() {
        ErroIntegra::Desconhecido(format!(
            "o SERPRO não respondeu dentro do prazo; detalhe: {causa}"
        ))
    } else {
        ErroIntegra::Desconhecido(format!("falha de comunicação; detalhe: {causa}"))
    }
}
