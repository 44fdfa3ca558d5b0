//! The CONAM REST client: an [`IntegracaoContabil`].
//!
//! - **Token** by `client_credentials` (form body, as the manual's curl), cached until shortly
//!   before it expires; one token request in flight however many callers wait (the cache is
//!   an async mutex held across the request). A `403 Token Expirado` renews it once and retries.
//! - **Queries** (`GET`) are retried on timeouts, connection errors and 5xx with exponential
//!   backoff and jitter, a bounded number of times.
//! - **The package `POST`** is retried only while resending the same `idPacote` is safe: after a
//!   failure the package's status is asked; not found or still `AGUARDANDO` → resend (the
//!   service replaces it); evaluated → stop, returning the evaluation.

use crate::erro::{ErroConfigCliente, transporte};
use crate::wire::{self, Dados, Resposta, textos};
use async_trait::async_trait;
use guiche_domain::conam::Pacote;
use guiche_http::repeticao::Politica;
use guiche_http::{CacheToken, ConfigHttp, FalhaCorpo, Redirecionamento, redirecionamento};
use guiche_ports::contabil::{ErroContabil, IntegracaoContabil, Receita, SituacaoPacote};
use std::fmt;
use std::time::Duration;

pub use guiche_ports::Segredo;

/// How to reach the API.
#[derive(Clone, Debug)]
pub struct ConfigCliente {
    /// Base URL including the city (`GUICHE_CONAM_URL`, e.g.
    /// `https://integracao-h.conam.com.br/{cidade}`).
    pub base: String,
    /// Token endpoint (`GUICHE_CONAM_TOKEN_URL`).
    pub url_token: String,
    /// `client_id` (`GUICHE_CONAM_CLIENT_ID`).
    pub client_id: String,
    /// `client_secret` (`GUICHE_CONAM_CLIENT_SECRET`).
    pub client_secret: Segredo,
    /// Timeout of one request.
    pub timeout: Duration,
    /// Attempts for a retryable call (at least 1).
    pub tentativas: u32,
    /// First backoff; doubles at each retry, plus jitter.
    pub espera_inicial: Duration,
}

impl ConfigCliente {
    /// The defaults for everything but the address and credentials: 30 s timeout, 4 attempts,
    /// 200 ms first backoff.
    pub fn new(
        base: &str,
        url_token: &str,
        client_id: &str,
        client_secret: Segredo,
    ) -> ConfigCliente {
        ConfigCliente {
            base: base.trim_end_matches('/').to_owned(),
            url_token: url_token.to_owned(),
            client_id: client_id.to_owned(),
            client_secret,
            timeout: Duration::from_secs(30),
            tentativas: 4,
            espera_inicial: Duration::from_millis(200),
        }
    }
}

/// The most bytes of a reply read: a year of an entity's revenues is far less; a bigger reply is
/// not read (an unknown outcome, never an unbounded read).
pub const MAX_RESPOSTA: usize = 8 * 1024 * 1024;

/// The longest a token is kept, whatever `expires_in` says (the manual's tokens last one hour).
pub use guiche_http::MAX_VALIDADE_TOKEN;

/// Talks to the CONAM API.
pub struct ClienteConam {
    http: reqwest::Client,
    config: ConfigCliente,
    token: CacheToken<String>,
}

impl fmt::Debug for ClienteConam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClienteConam")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What one HTTP exchange gave.
struct Troca {
    status: u16,
    resposta: Option<Resposta>,
    corpo: String,
}

/// How a failed attempt may be retried.
enum Falha {
    /// Worth another attempt (transport, 5xx).
    Transitoria(ErroContabil),
    /// Final.
    Definitiva(ErroContabil),
}

impl ClienteConam {
    /// Builds a client. Redirects are never followed: the `client_secret`, the token and the
    /// packages go only to the addresses configured.
    ///
    /// # Errors
    /// [`ErroConfigCliente`] when an address is not http(s) or the HTTP stack cannot start.
    pub fn new(config: ConfigCliente) -> Result<ClienteConam, ErroConfigCliente> {
        for (nome, url) in [
            ("GUICHE_CONAM_URL", &config.base),
            ("GUICHE_CONAM_TOKEN_URL", &config.url_token),
        ] {
            let u = reqwest::Url::parse(url)
                .map_err(|e| ErroConfigCliente(format!("{nome}=\"{url}\": {e}")))?;
            if !matches!(u.scheme(), "http" | "https") {
                return Err(ErroConfigCliente(format!(
                    "{nome}=\"{url}\" deve ser http ou https"
                )));
            }
        }
        let http = guiche_http::construir(&ConfigHttp::new(config.timeout))
            .map_err(|e| ErroConfigCliente(e.to_string()))?;
        Ok(ClienteConam {
            http,
            config: ConfigCliente {
                tentativas: config.tentativas.max(1),
                ..config
            },
            token: CacheToken::new(),
        })
    }

    /// The attempts and backoff of retryable calls.
    fn politica(&self) -> Politica {
        Politica {
            tentativas: self.config.tentativas,
            espera_inicial: self.config.espera_inicial,
        }
    }

    /// A valid token: the cached one, or a new one (one request in flight at a time).
    async fn token(&self) -> Result<String, ErroContabil> {
        self.token
            .obter(|| self.com_tentativas(|| self.pedir_token()))
            .await
    }

    /// Runs `f` again while it fails transiently, with backoff, a bounded number of times.
    async fn com_tentativas<T, F, Fut>(&self, mut f: F) -> Result<T, ErroContabil>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Falha>>,
    {
        let mut tentativa = 0;
        loop {
            match f().await {
                Ok(t) => return Ok(t),
                Err(Falha::Definitiva(e)) => return Err(e),
                Err(Falha::Transitoria(e)) => {
                    let Some(espera) = self.politica().espera_apos(tentativa) else {
                        return Err(e);
                    };
                    tokio::time::sleep(espera).await;
                    tentativa += 1;
                }
            }
        }
    }

    /// Renews the token unless another caller already did since `antigo` was handed out.
    async fn renovar(&self, antigo: &str) -> Result<String, ErroContabil> {
        self.token
            .renovar(&antigo.to_owned(), || {
                self.com_tentativas(|| self.pedir_token())
            })
            .await
    }

    /// One token request (the token and its lifetime): transport errors and 5xx are transient,
    /// a refusal is final.
    async fn pedir_token(&self) -> Result<(String, Duration), Falha> {
        let segredo = &self.config.client_secret.expor();
        let corpo = serde_urlencoded::to_string([
            ("grant_type", "client_credentials"),
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", segredo),
        ])
        .map_err(|e| Falha::Definitiva(ErroContabil::Protocolo(e.to_string())))?;
        let pedido = self
            .http
            .post(&self.config.url_token)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(corpo);
        let (status, texto) = trocar(pedido).await?;
        if status >= 500 {
            return Err(Falha::Transitoria(ErroContabil::Desconhecido(format!(
                "HTTP {status} do serviço de token"
            ))));
        }
        if status != 200 {
            let motivo = wire::ler_resposta(&texto)
                .ok()
                .and_then(|r| match r.dados {
                    Dados::Texto(t) => Some(t),
                    _ => None,
                })
                .unwrap_or_else(|| format!("HTTP {status}"));
            return Err(Falha::Definitiva(ErroContabil::Autenticacao(format!(
                "o serviço de token recusou as credenciais: {motivo}"
            ))));
        }
        let t = wire::ler_token(&texto)
            .map_err(|e| Falha::Definitiva(ErroContabil::Protocolo(format!("token: {e}"))))?;
        Ok((t.access_token, Duration::from_secs(t.expires_in)))
    }

    /// One call with the token; a `403 Token Expirado` renews it and retries once.
    async fn chamar(
        &self,
        metodo: reqwest::Method,
        caminho: &str,
        corpo: Option<&str>,
    ) -> Result<Troca, Falha> {
        let token = self.token().await.map_err(Falha::Definitiva)?;
        let troca = self.enviar(metodo.clone(), caminho, corpo, &token).await?;
        if !token_expirado(&troca) {
            return Ok(troca);
        }
        let novo = self.renovar(&token).await.map_err(Falha::Definitiva)?;
        self.enviar(metodo, caminho, corpo, &novo).await
    }

    async fn enviar(
        &self,
        metodo: reqwest::Method,
        caminho: &str,
        corpo: Option<&str>,
        token: &str,
    ) -> Result<Troca, Falha> {
        let url = format!("{}{caminho}", self.config.base);
        let mut pedido = self
            .http
            .request(metodo, &url)
            .bearer_auth(token)
            .header("Accept", "application/json");
        if let Some(c) = corpo {
            pedido = pedido
                .header("Content-Type", "application/json")
                .body(c.to_owned());
        }
        let (status, corpo) = trocar(pedido).await?;
        if status >= 500 {
            return Err(Falha::Transitoria(ErroContabil::Desconhecido(format!(
                "HTTP {status} do serviço"
            ))));
        }
        Ok(Troca {
            status,
            resposta: wire::ler_resposta(&corpo).ok(),
            corpo,
        })
    }

    /// A query, retried with backoff while the failure is transient.
    async fn consultar(&self, caminho: &str) -> Result<Troca, ErroContabil> {
        self.com_tentativas(|| self.chamar(reqwest::Method::GET, caminho, None))
            .await
    }

    async fn lista(&self, caminho: &str) -> Result<Vec<Receita>, ErroContabil> {
        let t = self.consultar(caminho).await?;
        let r = sucesso(&t)?;
        wire::receitas(&r.dados).map_err(ErroContabil::Protocolo)
    }
}

/// Sends a request and reads the reply: a redirect is refused (nothing was processed where the
/// request was sent; it is never repeated elsewhere), a body past [`MAX_RESPOSTA`] is not read.
async fn trocar(pedido: reqwest::RequestBuilder) -> Result<(u16, String), Falha> {
    let r = pedido
        .send()
        .await
        .map_err(|e| Falha::Transitoria(transporte(&e)))?;
    let status = r.status().as_u16();
    if let Some(Redirecionamento { destino, .. }) = redirecionamento(&r, false) {
        return Err(Falha::Definitiva(ErroContabil::NaoEnviado(format!(
            "o serviço respondeu HTTP {status} redirecionando para {destino}; o guichê não segue \
             redirecionamentos (as credenciais e o pedido iriam a outro endereço): confira \
             GUICHE_CONAM_URL e GUICHE_CONAM_TOKEN_URL"
        ))));
    }
    let corpo = guiche_http::ler_corpo(r, MAX_RESPOSTA)
        .await
        .map_err(|f| match f {
            FalhaCorpo::Http(e) => Falha::Transitoria(transporte(&e)),
            FalhaCorpo::Grande { limite } => {
                Falha::Transitoria(ErroContabil::Desconhecido(format!(
                    "a resposta do serviço passa de {} MiB e não foi lida",
                    limite / (1024 * 1024)
                )))
            }
        })?;
    Ok((status, corpo))
}

fn token_expirado(t: &Troca) -> bool {
    t.status == 403
        && matches!(&t.resposta, Some(Resposta { dados: Dados::Texto(s), .. }) if s == textos::TOKEN_EXPIRADO)
}

/// The reply of a successful call, or the error the manual's status codes mean.
fn sucesso(t: &Troca) -> Result<&Resposta, ErroContabil> {
    let Some(r) = &t.resposta else {
        return Err(ErroContabil::Protocolo(format!(
            "HTTP {}: resposta que não é o envelope JSON do manual: {}",
            t.status,
            resumo(&t.corpo)
        )));
    };
    match (t.status, &r.dados) {
        (200 | 201, _) if !r.erro => Ok(r),
        (401 | 200, Dados::Erro { codigo, mensagem }) => Err(ErroContabil::Rejeitado {
            codigo: codigo.clone(),
            mensagem: mensagem.clone(),
        }),
        (401, Dados::Texto(s)) if s == textos::PARAMETROS_INVALIDOS => {
            Err(ErroContabil::ParametrosInvalidos(s.clone()))
        }
        (401, Dados::Texto(s)) => Err(ErroContabil::Autenticacao(s.clone())),
        (403, Dados::Texto(s)) => Err(ErroContabil::AcessoNegado(s.clone())),
        (404, _) => Err(ErroContabil::NaoEncontrado),
        (s, d) => Err(ErroContabil::Protocolo(format!(
            "HTTP {s} inesperado: {d:?}"
        ))),
    }
}

fn resumo(s: &str) -> String {
    s.chars().take(80).collect()
}

#[async_trait]
impl IntegracaoContabil for ClienteConam {
    async fn receitas_orcamentarias(
        &self,
        entidade: &str,
        ano: u16,
    ) -> Result<Vec<Receita>, ErroContabil> {
        self.lista(&wire::caminho_receitas(entidade, ano)).await
    }

    async fn receitas_extraorcamentarias(
        &self,
        entidade: &str,
        ano: u16,
    ) -> Result<Vec<Receita>, ErroContabil> {
        self.lista(&wire::caminho_receitas_extra(entidade, ano))
            .await
    }

    async fn periodo_aberto(
        &self,
        entidade: &str,
        ano: u16,
        mes: u8,
    ) -> Result<bool, ErroContabil> {
        let t = self
            .consultar(&wire::caminho_periodo(entidade, ano, mes))
            .await?;
        match &sucesso(&t)?.dados {
            Dados::Texto(s) if s == textos::ABERTO => Ok(true),
            Dados::Texto(s) if s == textos::FECHADO => Ok(false),
            outro => Err(ErroContabil::Protocolo(format!(
                "data: esperava ABERTO ou FECHADO, veio {outro:?}"
            ))),
        }
    }

    async fn enviar_pacote(&self, pacote: &Pacote) -> Result<SituacaoPacote, ErroContabil> {
        let corpo = pacote.para_json();
        let mut tentativa = 0;
        loop {
            let erro = match self
                .chamar(reqwest::Method::POST, wire::CAMINHO_ENVIO, Some(&corpo))
                .await
            {
                Ok(t) => return sucesso(&t).map(|_| SituacaoPacote::Aguardando),
                Err(Falha::Definitiva(e)) => return Err(e),
                Err(Falha::Transitoria(e)) => e,
            };
            let Some(espera) = self.politica().espera_apos(tentativa) else {
                return Err(erro);
            };
            tokio::time::sleep(espera).await;
            tentativa += 1;
            match self.situacao(pacote.id_pacote()).await {
                Err(ErroContabil::NaoEncontrado) | Ok(SituacaoPacote::Aguardando) => continue,
                Ok(avaliado) => return Ok(avaliado),
                Err(_) => return Err(erro),
            }
        }
    }

    async fn situacao(&self, id_pacote: u64) -> Result<SituacaoPacote, ErroContabil> {
        let t = self.consultar(&wire::caminho_situacao(id_pacote)).await?;
        if t.status == 404 {
            return Err(ErroContabil::NaoEncontrado);
        }
        match (t.status, t.resposta.as_ref().map(|r| &r.dados)) {
            (200, Some(Dados::Texto(s))) if s == textos::AGUARDANDO => {
                Ok(SituacaoPacote::Aguardando)
            }
            (200, Some(Dados::Texto(s))) if s == textos::SUCESSO => Ok(SituacaoPacote::Aprovado),
            (200, Some(Dados::Erro { codigo, mensagem })) => Ok(SituacaoPacote::Rejeitado {
                codigo: codigo.clone(),
                mensagem: mensagem.clone(),
            }),
            _ => sucesso(&t).and_then(|r| {
                Err(ErroContabil::Protocolo(format!(
                    "data: situação desconhecida {:?}",
                    r.dados
                )))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lifetimes_are_read_saturated() {
        let lido = |j: &str| wire::ler_token(j).map(|t| t.expires_in);
        assert_eq!(lido(r#"{"access_token":"t","expires_in":-5}"#), Ok(0));
        assert_eq!(
            lido(r#"{"access_token":"t","expires_in":1e400}"#),
            Ok(u64::MAX)
        );
        assert_eq!(
            lido(r#"{"access_token":"t","expires_in":99999999999999999999999}"#),
            Ok(u64::MAX)
        );
        assert_eq!(
            lido(r#"{"access_token":"t","expires_in":3600.5}"#),
            Ok(3600)
        );
        assert_eq!(lido(r#"{"access_token":"t"}"#), Ok(3600));
    }

    #[test]
    fn status_codes_follow_the_manual() {
        let troca = |status: u16, corpo: &str| Troca {
            status,
            resposta: wire::ler_resposta(corpo).ok(),
            corpo: corpo.into(),
        };
        let rej = troca(
            401,
            r#"{"error":true,"data":{"codigo":"00","mensagem":"m"}}"#,
        );
        assert_eq!(
            sucesso(&rej).unwrap_err(),
            ErroContabil::Rejeitado {
                codigo: "00".into(),
                mensagem: "m".into()
            }
        );
        let auth = troca(401, r#"{"error":true,"data":"Não Autorizado"}"#);
        assert!(matches!(sucesso(&auth), Err(ErroContabil::Autenticacao(_))));
        let param = troca(401, r#"{"error":true,"data":"Parametros inválidos"}"#);
        assert!(matches!(
            sucesso(&param),
            Err(ErroContabil::ParametrosInvalidos(_))
        ));
        let negado = troca(403, r#"{"error":false,"data":"Acesso Negado"}"#);
        assert!(matches!(
            sucesso(&negado),
            Err(ErroContabil::AcessoNegado(_))
        ));
        assert!(token_expirado(&troca(
            403,
            r#"{"error":false,"data":"Token Expirado"}"#
        )));
        assert!(!token_expirado(&negado));
        assert!(matches!(
            sucesso(&troca(200, "<html>")),
            Err(ErroContabil::Protocolo(_))
        ));
        assert!(sucesso(&troca(201, r#"{"error":false,"data":"SUCESSO"}"#)).is_ok());
    }
}
