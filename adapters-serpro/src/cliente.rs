//! The Integra Contador client.
//!
//! - **Token**: `POST {auth}/authenticate` over mTLS with the contratante's e-CNPJ,
//!   `Authorization: Basic`, `Role-Type: TERCEIROS`, form `grant_type=client_credentials`;
//!   cached until shortly before `expires_in`, one request in flight however many callers wait;
//!   a `401` from the gateway forgets it and the call is made once more.
//! - **Calls**: `POST {gateway}/{Apoiar|Consultar|Declarar|Emitir|Monitorar}` with `Bearer`,
//!   `jwt_token` and, for a procurador, `autenticar_procurador_token`. The envelope is validated
//!   offline first. `429` backs off and retries for every type (the request was not processed);
//!   `5xx` and transport failures are retried only for `Apoiar`, `Consultar` and `Monitorar`:
//!   a `Declarar` or `Emitir` is never retried blindly.
//! - **Billing**: a billed type (`Consultar`, `Declarar`, `Emitir`) reserves one call on the meter
//!   before **each attempt** (refused past the monthly ceiling, so a retry never passes it) and
//!   gives it back only when the attempt provably never left or its status is documented as not
//!   billed (see [`crate::bilhetagem`]); a timeout, a reset or an unreadable reply keep it.

use crate::bilhetagem::{NAO_BILHETADOS_INTEGRA, integra_bilhetado};
use crate::erro::ErroIntegra;
use crate::wire::{self, Corpo, Mensagem, Resposta, TokenDto};
use base64::Engine;
use guiche_certificados::Certificado;
use guiche_domain::serpro::{Pedido, TipoServico, procuracao_exigida};
use guiche_domain::{Competencia, Data};
use guiche_http::mensagem as canal;
use guiche_http::{CacheToken, ConfigHttp, ErroConstrucao};
use guiche_ports::bilhetagem::{Bilhete, ChamadaRegistrada, Cobranca, Janela, MedidorBilhetagem};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

pub use guiche_ports::Segredo;

/// The most bytes of a reply read: the largest answers carry a PDF in base64 (SITFIS report,
/// DAS, proof of payment), a few MiB at most; a bigger reply is not read (an unknown outcome,
/// never an unbounded read).
pub const MAX_RESPOSTA: usize = 32 * 1024 * 1024;

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

/// Retries and billing of the calls.
#[derive(Clone)]
pub struct Politica {
    /// Attempts for a retryable call (at least 1).
    pub tentativas: u32,
    /// First backoff; doubles at each retry, plus jitter.
    pub espera_inicial: Duration,
    /// The billing meter (`None`: calls are not counted).
    pub medidor: Option<Arc<dyn MedidorBilhetagem>>,
    /// The most billed calls per contratante and month (`None`: no ceiling).
    pub teto_mensal: Option<u64>,
}

impl Default for Politica {
    fn default() -> Politica {
        Politica {
            tentativas: 4,
            espera_inicial: Duration::from_millis(200),
            medidor: None,
            teto_mensal: None,
        }
    }
}

impl fmt::Debug for Politica {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Politica")
            .field("tentativas", &self.tentativas)
            .field("teto_mensal", &self.teto_mensal)
            .finish_non_exhaustive()
    }
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

/// Talks to Integra Contador.
pub struct ClienteIntegra {
    http: reqwest::Client,
    url_autenticacao: String,
    url_gateway: String,
    politica: Politica,
    contratante: guiche_domain::Cnpj,
    procuradores: Mutex<std::collections::HashMap<String, TokenProcurador>>,
    basic: Segredo,
    token: CacheToken<Credencial>,
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
    /// Builds the client with the e-CNPJ as TLS client identity. Redirects are never
    /// followed: the consumer secret and the tokens go only to the addresses configured.
    ///
    /// # Errors
    /// [`ErroIntegra::Configuracao`].
    pub fn new(config: ConfigIntegra) -> Result<ClienteIntegra, ErroIntegra> {
        let erro = |e: &dyn fmt::Display| ErroIntegra::Configuracao(e.to_string());
        for url in [&config.url_autenticacao, &config.url_gateway] {
            let u = reqwest::Url::parse(url).map_err(|e| erro(&format!("\"{url}\": {e}")))?;
            if u.scheme() != "https" {
                return Err(erro(&format!(
                    "\"{url}\" deve ser https (o SERPRO exige TLS)"
                )));
            }
        }
        let contratante = match config.certificado.titular() {
            Some(guiche_domain::Documento::Cnpj(c)) => c,
            _ => {
                return Err(erro(
                    &"o certificado do contratante deve ser um e-CNPJ (o titular não é um CNPJ)",
                ));
            }
        };
        let identidade = config.certificado.identidade_pem();
        let http = guiche_http::construir(&ConfigHttp {
            identidade_pem: Some(identidade.as_bytes()),
            ca_extra_pem: config.ca_extra_pem.as_deref().map(str::as_bytes),
            ..ConfigHttp::new(config.timeout)
        })
        .map_err(|e| match e {
            ErroConstrucao::Identidade(e) => erro(&format!("certificado do contratante: {e}")),
            ErroConstrucao::Ca(e) => erro(&format!("GUICHE_SERPRO_CA: {e}")),
            ErroConstrucao::Http(e) => erro(&e),
        })?;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            config.consumer_key,
            config.consumer_secret.expor()
        ));
        Ok(ClienteIntegra {
            http,
            url_autenticacao: config.url_autenticacao,
            url_gateway: config.url_gateway.trim_end_matches('/').to_owned(),
            politica: Politica::default(),
            contratante,
            procuradores: Mutex::new(std::collections::HashMap::new()),
            basic: Segredo::new(basic),
            token: CacheToken::new(),
        })
    }

    /// The same client with these retries and billing.
    #[must_use]
    pub fn com_politica(mut self, politica: Politica) -> ClienteIntegra {
        self.politica = Politica {
            tentativas: politica.tentativas.max(1),
            ..politica
        };
        self
    }

    /// A valid token: the cached one, or a new one (one request in flight at a time).
    ///
    /// # Errors
    /// [`ErroIntegra`].
    pub async fn credencial(&self) -> Result<Credencial, ErroIntegra> {
        self.token
            .obter(|| async {
                let dto = self.autenticar().await?;
                Ok((credencial(&dto), Duration::from_secs(dto.expires_in)))
            })
            .await
    }

    /// Forgets the cached token (after a 401 from the gateway: the next call re-authenticates).
    pub async fn esquecer_token(&self) {
        self.token.esquecer().await;
    }

    async fn autenticar(&self) -> Result<TokenDto, ErroIntegra> {
        let r = self
            .http
            .post(&self.url_autenticacao)
            .header("Authorization", format!("Basic {}", self.basic.expor()))
            .header("Role-Type", "TERCEIROS")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .map_err(|e| transporte(&e))?;
        if let Some(m) = canal::redirecionamento(&r) {
            return Err(ErroIntegra::NaoEnviado(m));
        }
        let status = r.status().as_u16();
        let corpo = ler_corpo(r).await?;
        if status != 200 {
            return Err(ErroIntegra::Autenticacao {
                status,
                motivo: motivo(&corpo),
            });
        }
        wire::ler_token(&corpo).map_err(|e| ErroIntegra::Protocolo(format!("token: {e}")))
    }
}

/// The call's `X-Request-Tag` (at most 32 characters; SERPRO groups its monthly consumption
/// report by it): the contribuinte and the service, `11222333000181-PAGAMENTOS71`, cut at 32.
pub fn etiqueta(p: &Pedido) -> String {
    format!("{}-{}", p.contribuinte.as_str(), p.pedido_dados.id_servico)
        .chars()
        .filter(char::is_ascii_graphic)
        .take(32)
        .collect()
}

/// Now, unix milliseconds (a clock before 1970 reads 0).
fn agora_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The tag a call sends: the caller's, else [`etiqueta`].
fn etiqueta_da(c: &Chamada<'_>) -> String {
    c.etiqueta.map_or_else(|| etiqueta(c.pedido), str::to_owned)
}

/// A call to make.
#[derive(Clone, Copy, Debug)]
pub struct Chamada<'a> {
    /// The service type (the path).
    pub tipo: TipoServico,
    /// The envelope.
    pub pedido: &'a Pedido,
    /// `autenticar_procurador_token`, when the author is a procurador other than the
    /// contratante.
    pub token_procurador: Option<&'a str>,
    /// Today in Brasília (the billing month).
    pub hoje: Data,
    /// The `X-Request-Tag` to send (at most 32 printable ASCII characters, e.g. the job);
    /// `None`: the contribuinte and the service ([`etiqueta`]).
    pub etiqueta: Option<&'a str>,
}

/// A call's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Retorno {
    /// HTTP status (200, 202, 204, 304).
    pub status: u16,
    /// The reply envelope (`None` for an empty body).
    pub resposta: Option<Resposta>,
    /// The `ETag` header (`tempoEspera:…`, `autenticar_procurador_token:…`).
    pub etag: Option<String>,
    /// Whether the call counts as billed: a billed type answered with a status the
    /// documentation does not exempt ([`crate::bilhetagem::integra_bilhetado`]).
    pub bilhetado: bool,
    /// The `Expires` header (a 304's cache limit).
    pub expira: Option<String>,
}

/// The `autenticar_procurador_token` a signed term gives, and until when it holds.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenProcurador {
    /// The token, sent as header `autenticar_procurador_token`.
    pub token: String,
    /// When it stops holding, as the server said (`data_hora_expiracao` or `Expires`).
    pub expira_em: Option<std::time::SystemTime>,
}

impl fmt::Debug for TokenProcurador {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProcurador")
            .field("expira_em", &self.expira_em)
            .finish_non_exhaustive()
    }
}

impl TokenProcurador {
    fn vale(&self) -> bool {
        self.expira_em
            .is_some_and(|t| std::time::SystemTime::now() < t)
    }
}

/// What one attempt gave.
enum Tentativa {
    Pronta(Result<Retorno, ErroIntegra>),
    /// Worth retrying (429, or 5xx/transport for a safe type); carries the error to report if
    /// no attempt is left.
    Repetir(ErroIntegra),
    /// The token was refused: forget it and try once more.
    Reautenticar(ErroIntegra),
}

impl ClienteIntegra {
    /// Makes a call: validates the envelope, reserves billing, retries as the type allows,
    /// reads the answer.
    ///
    /// # Errors
    /// [`ErroIntegra`], one variant per kind of refusal of the documentation.
    pub async fn chamar(&self, c: Chamada<'_>) -> Result<Retorno, ErroIntegra> {
        let corpo = wire::escrever_pedido(c.pedido);
        self.chamar_com(c, corpo).await
    }

    /// A batch call (the `EVENTOSATUALIZACAO` services): `contribuinte` goes as the
    /// comma-separated `lote` with `tipo` 3 (CPFs) or 4 (CNPJs); `c.pedido.contribuinte` must
    /// be the first of the batch. Otherwise as [`ClienteIntegra::chamar`].
    ///
    /// # Errors
    /// [`ErroIntegra::Invalido`] for an empty batch, more than 1,000 documents, or CPFs and
    /// CNPJs mixed; else as [`ClienteIntegra::chamar`].
    pub async fn chamar_lote(
        &self,
        c: Chamada<'_>,
        lote: &[guiche_domain::Documento],
    ) -> Result<Retorno, ErroIntegra> {
        let corpo = wire::escrever_pedido_lote(c.pedido, lote)
            .map_err(|e| ErroIntegra::Invalido(e.to_owned()))?;
        self.chamar_com(c, corpo).await
    }

    async fn chamar_com(&self, c: Chamada<'_>, corpo: String) -> Result<Retorno, ErroIntegra> {
        c.pedido
            .validar()
            .map_err(|v| ErroIntegra::Invalido(v.to_string()))?;
        let servico = format!(
            "{}/{}",
            c.pedido.pedido_dados.id_sistema, c.pedido.pedido_dados.id_servico
        );
        let contratante = c.pedido.contratante.as_str().to_owned();
        let bilhete = Bilhete {
            contratante: &contratante,
            servico: &servico,
            janela: Janela::Mes(Competencia::de(c.hoje)),
            teto: self.politica.teto_mensal,
        };
        self.com_repeticoes(&c, &corpo, bilhete).await
    }

    /// The attempts of one call, each under its own reservation when the type is billed and a
    /// meter is set (made before the attempt, so the ceiling holds per attempt; given back only
    /// when the attempt was not billed, see [`Cobranca`]); every attempt that left is recorded
    /// with its tag and status, billed type or not, for SERPRO's consumption report.
    async fn com_repeticoes(
        &self,
        c: &Chamada<'_>,
        corpo: &str,
        bilhete: Bilhete<'_>,
    ) -> Result<Retorno, ErroIntegra> {
        let medidor = self.politica.medidor.as_deref();
        let medido = medidor.filter(|_| c.tipo.bilhetado());
        let mut reautenticou = false;
        let mut tentativa = 0;
        let mut anterior: Option<ErroIntegra> = None;
        loop {
            if let Some(m) = medido {
                m.reservar(bilhete).map_err(|e| match &anterior {
                    None => ErroIntegra::Teto(e.to_string()),
                    Some(a) => ErroIntegra::Teto(format!("{a}; nova tentativa não feita: {e}")),
                })?;
            }
            let instante_ms = agora_ms();
            let (resultado, cobranca, desfecho) = self.tentar(c, corpo).await;
            if let (Some(m), Cobranca::Nao) = (medido, cobranca) {
                // Not billed: the place goes back. A ledger failure here must not hide the
                // call's own outcome; the count then errs on the safe side.
                let _ = m.devolver(bilhete);
            }
            if let (Some(m), Some(status)) = (medidor, desfecho) {
                // Likewise: the record is for checking SERPRO's report, never a reason to
                // lose the answer.
                let _ = m.registrar_chamada(&ChamadaRegistrada {
                    instante_ms,
                    contratante: bilhete.contratante.to_owned(),
                    servico: bilhete.servico.to_owned(),
                    janela: bilhete.janela,
                    etiqueta: etiqueta_da(c),
                    status,
                    bilhetada: medido.is_some() && cobranca == Cobranca::Talvez,
                });
            }
            match resultado {
                Tentativa::Pronta(r) => return r,
                Tentativa::Reautenticar(e) if reautenticou => return Err(e),
                Tentativa::Reautenticar(e) => {
                    self.esquecer_token().await;
                    reautenticou = true;
                    anterior = Some(e);
                }
                Tentativa::Repetir(e) => {
                    let repeticao = guiche_http::Politica {
                        tentativas: self.politica.tentativas,
                        espera_inicial: self.politica.espera_inicial,
                    };
                    let Some(espera) = repeticao.espera_apos(tentativa) else {
                        return Err(e);
                    };
                    tokio::time::sleep(espera).await;
                    tentativa += 1;
                    anterior = Some(e);
                }
            }
        }
    }

    /// One attempt, whether it may have been billed, and whether it left: `None` never sent,
    /// `Some(None)` sent with no status read (unknown outcome), `Some(Some(status))` answered.
    async fn tentar(
        &self,
        c: &Chamada<'_>,
        corpo: &str,
    ) -> (Tentativa, Cobranca, Option<Option<u16>>) {
        // Without a token nothing reaches the gateway: not billed.
        let credencial = match self.credencial().await {
            Ok(cr) => cr,
            Err(e @ (ErroIntegra::NaoEnviado(_) | ErroIntegra::Desconhecido(_))) => {
                return (Tentativa::Repetir(e), Cobranca::Nao, None);
            }
            Err(e) => return (Tentativa::Pronta(Err(e)), Cobranca::Nao, None),
        };
        let mut pedido = self
            .http
            .post(format!("{}{}", self.url_gateway, c.tipo.caminho()))
            .bearer_auth(&credencial.access_token)
            .header("jwt_token", &credencial.jwt_token)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .header("X-Request-Tag", etiqueta_da(c))
            .body(corpo.to_owned());
        if let Some(t) = c.token_procurador {
            pedido = pedido.header("autenticar_procurador_token", t);
        }
        let seguro = !matches!(c.tipo, TipoServico::Declarar | TipoServico::Emitir);
        let resposta = match pedido.send().await {
            Ok(r) => r,
            Err(e) => {
                let erro = transporte(&e);
                // Connection or TLS refused: provably never left. Anything else (timeout,
                // reset) may have been processed and billed.
                let nada_saiu = matches!(erro, ErroIntegra::NaoEnviado(_));
                let cobranca = if nada_saiu {
                    Cobranca::Nao
                } else {
                    Cobranca::Talvez
                };
                let t = if seguro || nada_saiu {
                    Tentativa::Repetir(erro)
                } else {
                    Tentativa::Pronta(Err(erro))
                };
                return (t, cobranca, (!nada_saiu).then_some(None));
            }
        };
        if let Some(m) = canal::redirecionamento(&resposta) {
            // Nothing was processed here (so nothing billed), and the request is never
            // repeated elsewhere.
            return (
                Tentativa::Pronta(Err(ErroIntegra::NaoEnviado(m))),
                Cobranca::Nao,
                None,
            );
        }
        let status = resposta.status().as_u16();
        let expira = resposta
            .headers()
            .get("expires")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let etag = resposta
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim_matches('"').to_owned());
        let texto = match guiche_http::ler_corpo(resposta, MAX_RESPOSTA)
            .await
            .map_err(canal::falha_corpo)
        {
            Ok(t) => t,
            Err(Ok(e)) => {
                // An unreadable reply: whatever the status said, billing is not known.
                let t = if seguro {
                    Tentativa::Repetir(transporte(&e))
                } else {
                    Tentativa::Pronta(Err(transporte(&e)))
                };
                return (t, Cobranca::Talvez, Some(Some(status)));
            }
            // The same reply would come again: not retried; billing is not known.
            Err(Err(m)) => {
                return (
                    Tentativa::Pronta(Err(ErroIntegra::Desconhecido(m))),
                    Cobranca::Talvez,
                    Some(Some(status)),
                );
            }
        };
        let cobranca = Cobranca::do_status(status, &NAO_BILHETADOS_INTEGRA);
        let t = match interpretar(c, status, etag, &texto, seguro) {
            Tentativa::Pronta(Ok(r)) => Tentativa::Pronta(Ok(Retorno { expira, ..r })),
            outra => outra,
        };
        (t, cobranca, Some(Some(status)))
    }
}

impl ClienteIntegra {
    /// The contratante: the holder of the e-CNPJ.
    pub fn contratante(&self) -> guiche_domain::Cnpj {
        self.contratante
    }

    /// Sends a procurador's signed term (`AUTENTICAPROCURADOR/ENVIOXMLASSINADO81` on `/Apoiar`)
    /// and returns the `autenticar_procurador_token`, cached per author until the expiry the
    /// server gives (a 200's `data_hora_expiracao`, a 304's `Expires`; the token of a 304 comes
    /// in its `ETag`).
    ///
    /// # Errors
    /// [`ErroIntegra`]; [`ErroIntegra::Protocolo`] when the answer carries no token.
    pub async fn autenticar_procurador(
        &self,
        xml_assinado: &str,
        autor: guiche_domain::Documento,
        hoje: Data,
    ) -> Result<TokenProcurador, ErroIntegra> {
        if let Some(t) = self
            .procuradores
            .lock()
            .await
            .get(autor.as_str())
            .filter(|t| t.vale())
        {
            return Ok(t.clone());
        }
        let xml = base64::engine::general_purpose::STANDARD.encode(xml_assinado.as_bytes());
        let pedido = Pedido {
            contratante: self.contratante,
            autor_pedido_dados: autor,
            contribuinte: autor,
            pedido_dados: guiche_domain::serpro::PedidoDados {
                id_sistema: "AUTENTICAPROCURADOR".into(),
                id_servico: "ENVIOXMLASSINADO81".into(),
                versao_sistema: "1.0".into(),
                dados: serde_json::json!({ "xml": xml }).to_string(),
            },
        };
        let r = self
            .chamar(Chamada {
                etiqueta: None,
                tipo: TipoServico::Apoiar,
                pedido: &pedido,
                token_procurador: None,
                hoje,
            })
            .await?;
        let token = token_procurador(&r)?;
        self.procuradores
            .lock()
            .await
            .insert(autor.as_str().to_owned(), token.clone());
        Ok(token)
    }
}

/// The token of a 200 (`dados`) or a 304 (`ETag: "autenticar_procurador_token:…"`).
fn token_procurador(r: &Retorno) -> Result<TokenProcurador, ErroIntegra> {
    if r.status == 304 {
        let token = r
            .etag
            .as_deref()
            .and_then(|e| e.strip_prefix("autenticar_procurador_token:"))
            .ok_or_else(|| {
                ErroIntegra::Protocolo("304 sem ETag autenticar_procurador_token".into())
            })?;
        return Ok(TokenProcurador {
            token: token.to_owned(),
            expira_em: r
                .expira
                .as_deref()
                .and_then(guiche_http::repeticao::instante_http),
        });
    }
    let dados = wire::procurador::DadosTokenProcurador::ler(
        r.resposta.as_ref().map_or("", |r| r.dados.as_str()),
    );
    let token = dados.autenticar_procurador_token.0.ok_or_else(|| {
        ErroIntegra::Protocolo("dados.autenticar_procurador_token ausente".into())
    })?;
    let expira = dados
        .data_hora_expiracao
        .0
        .as_deref()
        .and_then(instante_brasilia);
    Ok(TokenProcurador {
        token,
        expira_em: expira,
    })
}

/// `yyyy-MM-ddTHH:mm:ss` in Brasília (UTC−3).
fn instante_brasilia(t: &str) -> Option<std::time::SystemTime> {
    let (data, hora) = t.split_once('T')?;
    let segundos = segundos_do_dia(hora)? + 3 * 3600;
    instante(Data::parse_iso(data).ok()?, segundos)
}

fn segundos_do_dia(hora: &str) -> Option<i64> {
    let mut p = hora.split(':').map(|x| x.parse::<i64>().ok());
    let (h, m, s) = (p.next()??, p.next()??, p.next().flatten().unwrap_or(0));
    ((0..24).contains(&h) && (0..60).contains(&m) && (0..61).contains(&s))
        .then_some(h * 3600 + m * 60 + s)
}

fn instante(d: Data, segundos: i64) -> Option<std::time::SystemTime> {
    let total = u64::try_from(d.dias_desde_epoca() * 86_400 + segundos).ok()?;
    std::time::UNIX_EPOCH.checked_add(Duration::from_secs(total))
}

/// Reads an answer into a result or a retry decision.
fn interpretar(
    c: &Chamada<'_>,
    status: u16,
    etag: Option<String>,
    texto: &str,
    seguro: bool,
) -> Tentativa {
    let corpo = match wire::ler_resposta(texto) {
        Ok(corpo) => corpo,
        Err(e) if status >= 500 => return falha_servidor(status, e, seguro),
        Err(e) => {
            return Tentativa::Pronta(Err(ErroIntegra::Protocolo(format!("HTTP {status}: {e}"))));
        }
    };
    let resposta = match corpo {
        Corpo::Fault(f) if status == 401 || f.codigo == 900_903 => {
            return Tentativa::Reautenticar(ErroIntegra::Fault(f));
        }
        Corpo::Fault(f) if status == 429 || f.codigo == 900_800 => {
            return Tentativa::Repetir(ErroIntegra::Fault(f));
        }
        Corpo::Fault(f) => return Tentativa::Pronta(Err(ErroIntegra::Fault(f))),
        Corpo::Integra(r) => Some(r),
        Corpo::Vazio => None,
    };
    let mensagens = resposta
        .as_ref()
        .map(Resposta::mensagens_em_linha)
        .unwrap_or_default();
    match status {
        200 | 202 | 204 | 304 => Tentativa::Pronta(Ok(Retorno {
            status,
            resposta,
            etag,
            bilhetado: integra_bilhetado(c.tipo, status),
            expira: None,
        })),
        401 => Tentativa::Reautenticar(ErroIntegra::Autenticacao {
            status,
            motivo: mensagens,
        }),
        403 => Tentativa::Pronta(Err(acesso_negado(c, resposta.as_ref(), mensagens))),
        429 => Tentativa::Repetir(ErroIntegra::LimiteRequisicoes(mensagens)),
        s if s >= 500 => falha_servidor(s, mensagens, seguro),
        _ => Tentativa::Pronta(Err(ErroIntegra::Recusado { status, mensagens })),
    }
}

fn falha_servidor(status: u16, mensagens: String, seguro: bool) -> Tentativa {
    let e = ErroIntegra::ErroServidor { status, mensagens };
    if seguro {
        Tentativa::Repetir(e)
    } else {
        Tentativa::Pronta(Err(e))
    }
}

/// A 403: without power of attorney (`ICGERENCIADOR-022`, naming the procuração the catalogue
/// asks for), or another denial.
fn acesso_negado(c: &Chamada<'_>, r: Option<&Resposta>, mensagens: String) -> ErroIntegra {
    if r.is_some_and(wire::sem_procuracao) {
        let d = &c.pedido.pedido_dados;
        let procuracao = procuracao_exigida(&d.id_sistema, &d.id_servico).map(|p| p.codigo);
        return ErroIntegra::SemProcuracao {
            procuracao,
            mensagem: mensagens,
        };
    }
    ErroIntegra::AcessoNegado(mensagens)
}

/// The messages' codes, for tests and logs.
pub fn codigos(r: &Resposta) -> Vec<&str> {
    r.mensagens
        .iter()
        .map(|m: &Mensagem| m.codigo.as_str())
        .collect()
}

fn credencial(t: &TokenDto) -> Credencial {
    Credencial {
        access_token: t.access_token.clone(),
        jwt_token: t.jwt_token.clone(),
    }
}

/// The message of an authentication error body (`message` or `error`), or the body's start.
fn motivo(corpo: &str) -> String {
    let erro = wire::ler_erro_token(corpo);
    erro.as_ref()
        .and_then(wire::ErroTokenDto::texto)
        .map_or_else(|| corpo.chars().take(120).collect(), str::to_owned)
}

/// A reply's body up to [`MAX_RESPOSTA`].
async fn ler_corpo(r: reqwest::Response) -> Result<String, ErroIntegra> {
    guiche_http::ler_corpo(r, MAX_RESPOSTA)
        .await
        .map_err(|f| match canal::falha_corpo(f) {
            Ok(e) => transporte(&e),
            Err(m) => ErroIntegra::Desconhecido(m),
        })
}

/// A transport failure: not sent (connection or TLS refused) or an unknown outcome.
fn transporte(e: &reqwest::Error) -> ErroIntegra {
    let (nao_enviado, m) = canal::descrever(
        e,
        "o SERPRO",
        "conexão ou TLS recusados (o certificado é aceito pelo servidor?)",
    );
    if nao_enviado {
        ErroIntegra::NaoEnviado(m)
    } else {
        ErroIntegra::Desconhecido(m)
    }
}
