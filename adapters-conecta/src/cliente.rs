//! The Conecta gov.br client: CPF Light and CNPJ Básica queries for public bodies.
//!
//! - Token: `POST {base}/oauth2/jwt-token` with `Authorization: Basic base64(id:secret)` and the
//!   form `grant_type=client_credentials` (no mTLS); about 2 h of life, cached until a tenth of
//!   it (at most 60 s) before expiry, one request in flight however many callers wait.
//! - CPF: `POST {base}/api-cpf-light/v2/consulta/cpf`, `x-cpf-usuario: <operator's CPF>`, body
//!   `{"listaCpf": [...]}` (1 to 50 CPFs); the answer is an array, one object per CPF found.
//! - CNPJ: `GET {base}/api-cnpj-basica/v2/basica/{cnpj}` (also sends `x-cpf-usuario`).
//!
//! The paths and DTOs are in [`crate::wire`]; this client implements the port
//! [`ConectaGovBr`].
//!
//! Quota: with a [`MedidorBilhetagem`], each query reserves one call (`conecta/cpf` or
//! `conecta/cnpj`, [`Janela::Total`], ceiling [`ConfigConecta::quota`]) before anything is sent.
//! The call stays counted for every billed answer (a 404 "no record" included) and whenever the
//! outcome is unknown (timeout, reset, unreadable reply, an undocumented status); it goes back
//! only when nothing reached the API or its status is documented as not billed (see
//! [`crate::bilhetagem`]).

use crate::bilhetagem::{NAO_BILHETADOS_CNPJ, NAO_BILHETADOS_CPF};
use crate::erro::{ErroConecta, erro_conecta};
use crate::wire::{self, caminhos, descricao_situacao, texto};
use async_trait::async_trait;
use base64::Engine;
use guiche_domain::{Cnpj, Cpf};
use guiche_http::mensagem as canal;
use guiche_http::{CacheToken, ConfigHttp, ErroConstrucao};
use guiche_ports::Segredo;
use guiche_ports::bilhetagem::{Bilhete, Cobranca, ErroBilhetagem, Janela, MedidorBilhetagem};
use guiche_ports::conecta::{
    ConectaGovBr, DadosCnpj, ErroConsulta, SituacaoCadastral, SituacaoCnpj, SituacaoCpf,
};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The most CPFs in one CPF Light query.
pub const MAXIMO_CPFS: usize = 50;

/// The homologation quota: test calls per API.
pub const QUOTA_HOMOLOGACAO: u64 = 1000;

/// Billing service name of the CPF query.
pub const SERVICO_CPF: &str = "conecta/cpf";

/// Billing service name of the CNPJ query.
pub const SERVICO_CNPJ: &str = "conecta/cnpj";

/// Token lifetime assumed when the answer has no `expires_in` (Conecta's tokens last 2 h).
const VALIDADE_PADRAO: Duration = Duration::from_secs(7200);

/// The most bytes of a reply read: 50 CPFs or one CNPJ record are a few KiB; a bigger reply is
/// not read (an unknown outcome, never an unbounded read).
pub const MAX_RESPOSTA: usize = 1024 * 1024;

/// How to reach Conecta gov.br.
pub struct ConfigConecta {
    /// API gateway base (`GUICHE_CONECTA_URL`), https only, e.g.
    /// `https://h-apigateway.conectagov.estaleiro.serpro.gov.br`.
    pub url_base: String,
    /// `GUICHE_CONECTA_CLIENT_ID`.
    pub client_id: String,
    /// `GUICHE_CONECTA_CLIENT_SECRET`.
    pub client_secret: Segredo,
    /// The operator on whose behalf queries are made (`GUICHE_CONECTA_CPF_USUARIO`).
    pub cpf_usuario: Cpf,
    /// Extra CA trusted besides the system's (`GUICHE_SERPRO_CA`). Verification is never
    /// disabled.
    pub ca_extra_pem: Option<String>,
    /// Timeout of one request.
    pub timeout: Duration,
    /// Calls allowed per client id, all time ([`QUOTA_HOMOLOGACAO`] in homologation; `None` in
    /// production). Needs a meter.
    pub quota: Option<u64>,
}

impl fmt::Debug for ConfigConecta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigConecta")
            .field("url_base", &self.url_base)
            .field("client_id", &self.client_id)
            .field("cpf_usuario", &self.cpf_usuario)
            .field("quota", &self.quota)
            .finish_non_exhaustive()
    }
}

/// Talks to Conecta gov.br.
pub struct ClienteConecta {
    http: reqwest::Client,
    url_base: String,
    client_id: String,
    basic: Segredo,
    cpf_usuario: Cpf,
    quota: Option<u64>,
    medidor: Option<Arc<dyn MedidorBilhetagem>>,
    token: CacheToken<Segredo>,
}

impl fmt::Debug for ClienteConecta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClienteConecta")
            .field("url_base", &self.url_base)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The outcome of one authenticated exchange: the status and body.
struct Resposta {
    status: u16,
    corpo: String,
}

impl ClienteConecta {
    /// Builds the client (server authentication only: no client certificate). Redirects are
    /// never followed: the client secret and the token go only to the address configured.
    ///
    /// # Errors
    /// [`ErroConecta::Configuracao`]: a URL that is not https, an unreadable CA, or a quota
    /// without a meter to enforce it.
    pub fn new(
        config: ConfigConecta,
        medidor: Option<Arc<dyn MedidorBilhetagem>>,
    ) -> Result<ClienteConecta, ErroConecta> {
        let url_base = validar_url(&config.url_base)?;
        if config.quota.is_some() && medidor.is_none() {
            return Err(ErroConecta::Configuracao(
                "uma cota exige um medidor de bilhetagem".into(),
            ));
        }
        let http = construir_http(config.ca_extra_pem.as_deref(), config.timeout)?;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            config.client_id,
            config.client_secret.expor()
        ));
        Ok(ClienteConecta {
            http,
            url_base,
            client_id: config.client_id,
            basic: Segredo::new(basic),
            cpf_usuario: config.cpf_usuario,
            quota: config.quota,
            medidor,
            token: CacheToken::new(),
        })
    }

    /// Queries 1 to [`MAXIMO_CPFS`] CPFs in one call. CPFs the service does not know are absent
    /// from the result; when it knows none, [`ErroConecta::NaoEncontrado`].
    ///
    /// # Errors
    /// [`ErroConecta`].
    pub async fn consultar_cpf(&self, cpfs: &[Cpf]) -> Result<Vec<SituacaoCpf>, ErroConecta> {
        if cpfs.is_empty() || cpfs.len() > MAXIMO_CPFS {
            return Err(ErroConecta::Entrada(format!(
                "informe de 1 a {MAXIMO_CPFS} CPFs (recebidos {})",
                cpfs.len()
            )));
        }
        let pedido = wire::PedidoCpf {
            lista_cpf: cpfs.iter().map(|c| c.as_str().to_owned()).collect(),
        };
        let corpo = serde_json::to_string(&pedido)
            .map_err(|e| ErroConecta::Entrada(format!("corpo do pedido: {e}")))?;
        let url = format!("{}{}", self.url_base, caminhos::CPF);
        self.medido(SERVICO_CPF, async {
            let (r, cobranca) = self
                .trocar(
                    |token| self.http.post(&url).bearer_auth(token).body(corpo.clone()),
                    &NAO_BILHETADOS_CPF,
                )
                .await;
            (r.and_then(|r| ler_cpfs(&r.corpo)), cobranca)
        })
        .await
    }

    /// Queries the basic record of a CNPJ.
    ///
    /// # Errors
    /// [`ErroConecta`]; [`ErroConecta::NaoEncontrado`] for an unknown CNPJ.
    pub async fn consultar_cnpj(&self, cnpj: &Cnpj) -> Result<DadosCnpj, ErroConecta> {
        let url = format!(
            "{}{}{}",
            self.url_base,
            caminhos::CNPJ_BASICA,
            cnpj.as_str()
        );
        self.medido(SERVICO_CNPJ, async {
            let (r, cobranca) = self
                .trocar(
                    |token| self.http.get(&url).bearer_auth(token),
                    &NAO_BILHETADOS_CNPJ,
                )
                .await;
            (r.and_then(|r| ler_cnpj(&r.corpo)), cobranca)
        })
        .await
    }

    /// Forgets the cached token: the next query authenticates again.
    pub async fn esquecer_token(&self) {
        self.token.esquecer().await;
    }

    /// Runs `consulta` under one reserved call of `servico`, given back only when the query
    /// says it was not billed ([`Cobranca::Nao`]).
    async fn medido<T>(
        &self,
        servico: &str,
        consulta: impl Future<Output = (Result<T, ErroConecta>, Cobranca)>,
    ) -> Result<T, ErroConecta> {
        let Some(medidor) = &self.medidor else {
            return consulta.await.0;
        };
        // The homologation quota is 1,000 calls per API: the count key is the client and the
        // API, so CPF and CNPJ calls do not share one limit.
        let chave = format!("{}/{servico}", self.client_id);
        let bilhete = Bilhete {
            contratante: &chave,
            servico,
            janela: Janela::Total,
            teto: self.quota,
        };
        medidor.reservar(bilhete).map_err(erro_bilhetagem)?;
        let (resultado, cobranca) = consulta.await;
        if cobranca == Cobranca::Nao {
            // Not billed: the place goes back. A ledger failure here must not hide the
            // query's own outcome; the count then errs on the safe side.
            let _ = medidor.devolver(bilhete);
        }
        resultado
    }

    /// Sends the request built by `pedido` with a token; on 401 forgets that token and tries
    /// once more with a new one. Only a 200 comes back as `Ok`. Also says whether the query
    /// may have been billed: not when no request reached the API (no token, connection
    /// refused) or its last status is among `nao_bilhetados` (a 401 before the retry is not
    /// billed either); yes for any other status and for an unknown outcome.
    async fn trocar(
        &self,
        pedido: impl Fn(&str) -> reqwest::RequestBuilder,
        nao_bilhetados: &[u16],
    ) -> (Result<Resposta, ErroConecta>, Cobranca) {
        let token = match self.token().await {
            Ok(t) => t,
            Err(e) => return (Err(e), Cobranca::Nao),
        };
        let r = match self.enviar(pedido(token.expor())).await {
            Ok(r) if r.status == 401 => {
                self.esquecer(&token).await;
                let novo = match self.token().await {
                    Ok(t) => t,
                    Err(e) => return (Err(e), Cobranca::Nao),
                };
                self.enviar(pedido(novo.expor())).await
            }
            outro => outro,
        };
        match r {
            Ok(r) => {
                let cobranca = Cobranca::do_status(r.status, nao_bilhetados);
                (classificar(r), cobranca)
            }
            Err(e @ ErroConecta::NaoEnviado(_)) => (Err(e), Cobranca::Nao),
            Err(e) => (Err(e), Cobranca::Talvez),
        }
    }

    async fn enviar(&self, pedido: reqwest::RequestBuilder) -> Result<Resposta, ErroConecta> {
        let r = pedido
            .header("x-cpf-usuario", self.cpf_usuario.as_str())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| transporte(&e))?;
        ler(r).await
    }

    /// A valid token: the cached one, or a new one (one request in flight at a time).
    async fn token(&self) -> Result<Segredo, ErroConecta> {
        self.token
            .obter(|| async {
                let dto = self.autenticar().await?;
                let validade = dto.expires_in.map_or(VALIDADE_PADRAO, Duration::from_secs);
                Ok((Segredo::new(dto.access_token), validade))
            })
            .await
    }

    /// Forgets `usado` unless a concurrent caller already replaced it.
    async fn esquecer(&self, usado: &Segredo) {
        self.token.esquecer_se(usado).await;
    }

    async fn autenticar(&self) -> Result<wire::TokenDto, ErroConecta> {
        let r = self
            .http
            .post(format!("{}{}", self.url_base, caminhos::TOKEN))
            .header("Authorization", format!("Basic {}", self.basic.expor()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .map_err(|e| transporte(&e))?;
        let Resposta { status, corpo } = ler(r).await?;
        if status != 200 {
            return Err(ErroConecta::Autenticacao {
                status,
                motivo: motivo(&corpo),
            });
        }
        guiche_http::json::ler::<wire::TokenDto>(&corpo)
            .map_err(|e| ErroConecta::Protocolo(format!("token: {e}")))
    }
}

/// A reply: a redirect is refused as not sent (nothing was processed here, and the request is
/// never repeated elsewhere); the body is read up to [`MAX_RESPOSTA`].
async fn ler(r: reqwest::Response) -> Result<Resposta, ErroConecta> {
    let (status, corpo) = canal::ler_resposta(r, MAX_RESPOSTA)
        .await
        .map_err(|f| match f {
            canal::LeituraRecusada::Redirecionamento(m) => ErroConecta::NaoEnviado(m),
            canal::LeituraRecusada::Transporte(e) => transporte(&e),
            canal::LeituraRecusada::Grande(m) => ErroConecta::Desconhecido(m),
        })?;
    Ok(Resposta { status, corpo })
}

fn validar_url(url: &str) -> Result<String, ErroConecta> {
    let erro = |m: String| ErroConecta::Configuracao(m);
    let u = reqwest::Url::parse(url).map_err(|e| erro(format!("\"{url}\": {e}")))?;
    if u.scheme() != "https" {
        return Err(erro(format!(
            "\"{url}\" deve ser https (o Conecta gov.br exige TLS)"
        )));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

fn construir_http(
    ca_extra_pem: Option<&str>,
    timeout: Duration,
) -> Result<reqwest::Client, ErroConecta> {
    guiche_http::construir(&ConfigHttp {
        somente_https: true,
        ca_extra_pem: ca_extra_pem.map(str::as_bytes),
        ..ConfigHttp::new(timeout)
    })
    .map_err(|e| match e {
        ErroConstrucao::Ca(e) => ErroConecta::Configuracao(format!("GUICHE_SERPRO_CA: {e}")),
        e => ErroConecta::Configuracao(e.to_string()),
    })
}

/// A final answer: 200 passes; the others become the error they mean.
fn classificar(r: Resposta) -> Result<Resposta, ErroConecta> {
    match r.status {
        200 => Ok(r),
        401 => Err(ErroConecta::Autenticacao {
            status: r.status,
            motivo: motivo(&r.corpo),
        }),
        404 => Err(ErroConecta::NaoEncontrado(motivo(&r.corpo))),
        s @ 500.. => Err(ErroConecta::Desconhecido(format!(
            "HTTP {s}: {}",
            motivo(&r.corpo)
        ))),
        status => Err(ErroConecta::Recusado {
            status,
            mensagem: motivo(&r.corpo),
        }),
    }
}

fn erro_bilhetagem(e: ErroBilhetagem) -> ErroConecta {
    match e {
        e @ ErroBilhetagem::TetoAtingido { .. } => ErroConecta::QuotaEsgotada(e.to_string()),
        e => ErroConecta::NaoEnviado(format!("livro de bilhetagem: {e}")),
    }
}

fn ler_cpfs(corpo: &str) -> Result<Vec<SituacaoCpf>, ErroConecta> {
    let dtos: Vec<wire::CpfDto> = guiche_http::json::ler(corpo)
        .map_err(|e| ErroConecta::Protocolo(format!("consulta CPF: {e}")))?;
    dtos.into_iter()
        .enumerate()
        .map(|(i, dto)| situacao_cpf(dto).map_err(|e| ErroConecta::Protocolo(format!("[{i}].{e}"))))
        .collect()
}

fn situacao_cpf(dto: wire::CpfDto) -> Result<SituacaoCpf, String> {
    let cpf = dto.cpf.as_ref().and_then(texto).ok_or("CPF: ausente")?;
    let cpf = Cpf::parse(&cpf).map_err(|e| format!("CPF: {e}"))?;
    let codigo = texto(&dto.situacao_cadastral)
        .and_then(|t| t.parse::<u8>().ok())
        .ok_or("SituacaoCadastral: código não numérico")?;
    let descricao = dto
        .desc_situacao_cadastral
        .filter(|d| !d.trim().is_empty())
        .or_else(|| descricao_situacao(codigo).map(str::to_owned))
        .unwrap_or_else(|| format!("código {codigo}"));
    Ok(SituacaoCpf {
        cpf,
        nome: dto.nome.filter(|n| !n.trim().is_empty()),
        situacao: SituacaoCadastral { codigo, descricao },
        nascimento: dto.data_nascimento.as_ref().and_then(texto),
    })
}

fn ler_cnpj(corpo: &str) -> Result<DadosCnpj, ErroConecta> {
    let protocolo = |e: String| ErroConecta::Protocolo(format!("consulta CNPJ: {e}"));
    let dto: wire::CnpjDto = guiche_http::json::ler(corpo).map_err(protocolo)?;
    let cnpj = dto
        .ni
        .as_ref()
        .and_then(texto)
        .ok_or("ni: ausente".to_owned());
    let cnpj = cnpj
        .and_then(|t| Cnpj::parse(&t).map_err(|e| format!("ni: {e}")))
        .map_err(protocolo)?;
    let (municipio, uf) = dto
        .endereco
        .map(|e| (e.municipio.as_ref().and_then(municipio), e.uf))
        .unwrap_or_default();
    Ok(DadosCnpj {
        cnpj,
        razao_social: dto.nome_empresarial,
        nome_fantasia: dto.nome_fantasia.filter(|n| !n.trim().is_empty()),
        situacao: dto.situacao_cadastral.as_ref().and_then(situacao_cnpj),
        abertura: dto.data_abertura.as_ref().and_then(texto),
        municipio,
        uf: uf.filter(|u| !u.trim().is_empty()),
    })
}

fn situacao_cnpj(v: &Value) -> Option<SituacaoCnpj> {
    if let Some(codigo) = texto(v) {
        return Some(SituacaoCnpj {
            codigo,
            descricao: None,
            data: None,
        });
    }
    let dto: wire::SituacaoCnpjDto = wire::objeto(v)?;
    let campo = |c: &Option<Value>| c.as_ref().and_then(texto);
    Some(SituacaoCnpj {
        codigo: campo(&dto.codigo)?,
        descricao: campo(&dto.descricao).or_else(|| campo(&dto.motivo)),
        data: campo(&dto.data),
    })
}

fn municipio(v: &Value) -> Option<String> {
    texto(v).or_else(|| {
        wire::objeto::<wire::MunicipioDto>(v)
            .and_then(|m| m.descricao)
            .as_ref()
            .and_then(texto)
    })
}

/// The message of an error body (`message`, `mensagem`, `error_description` or `error`), or
/// the body's start.
fn motivo(corpo: &str) -> String {
    serde_json::from_str::<Value>(corpo)
        .ok()
        .and_then(|v| wire::objeto::<wire::ErroDto>(&v))
        .and_then(|e| e.mensagem().map(str::to_owned))
        .unwrap_or_else(|| corpo.chars().take(120).collect())
}

/// A transport failure: not sent (connection or TLS refused) or an unknown outcome.
fn transporte(e: &reqwest::Error) -> ErroConecta {
    let (nao_enviado, m) = canal::descrever(e, "o Conecta gov.br", "conexão ou TLS recusados");
    if nao_enviado {
        ErroConecta::NaoEnviado(m)
    } else {
        ErroConecta::Desconhecido(m)
    }
}

#[async_trait]
impl ConectaGovBr for ClienteConecta {
    async fn consultar_cpf(&self, cpfs: &[Cpf]) -> Result<Vec<SituacaoCpf>, ErroConsulta> {
        ClienteConecta::consultar_cpf(self, cpfs)
            .await
            .map_err(|e| erro_conecta(&e))
    }

    async fn consultar_cnpj(&self, cnpj: &Cnpj) -> Result<DadosCnpj, ErroConsulta> {
        ClienteConecta::consultar_cnpj(self, cnpj)
            .await
            .map_err(|e| erro_conecta(&e))
    }
}
