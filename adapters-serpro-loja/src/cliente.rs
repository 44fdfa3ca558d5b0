//! The client of SERPRO's commercial APIs (Consulta CPF v2, Consulta CNPJ v2, Consulta CND) on
//! `guiche-http`, and the port [`ConsultaCadastral`]'s implementation.
//!
//! - Token: `POST {base}/token`, `Authorization: Basic base64(key:secret)`, form
//!   `grant_type=client_credentials` (no client certificate); one token shared by every caller
//!   ([`CacheToken`]: one request in flight), renewed once on a 401.
//! - Trial ([`Credenciais::Trial`]): no token call; the public bearer [`BEARER_TRIAL`] on the
//!   `-trial` paths.
//! - Every call carries `X-Request-Tag` (the [`Etiqueta`] of the call, validated at most 32
//!   characters).
//! - Metering: with a [`Medicao`], every call is reserved in the ledger (per contratante and
//!   month, under the shared monthly ceiling) **before** it leaves; given back for the
//!   statuses documented as unbilled and for a request that never left; kept for billed ones
//!   and for an unknown outcome ([`crate::bilhetagem`]).

use crate::bilhetagem::{
    NAO_BILHETADOS_CNPJ, NAO_BILHETADOS_CPF, SERVICO_CND, SERVICO_CPF, servico_cnpj,
};
use crate::erro::{ErroLoja, erro_consulta};
use crate::wire::{self, BEARER_TRIAL, caminhos};
use async_trait::async_trait;
use base64::Engine;
use guiche_domain::{Cnpj, Competencia, Cpf, Data, Documento};
use guiche_http::mensagem as canal;
use guiche_http::{CacheToken, ConfigHttp, ErroConstrucao};
use guiche_ports::bilhetagem::{
    Bilhete, ChamadaRegistrada, Cobranca, ErroBilhetagem, Janela, MedidorBilhetagem,
};
use guiche_ports::consulta::{
    Certidao, ConsultaCadastral, DadosCnpj, DadosCpf, DataInformada, ErroConsultaCadastral,
    Etiqueta, NivelCnpj, Situacao, SituacaoCnd, Socio, descricao_situacao_cnpj,
    descricao_situacao_cpf,
};
use guiche_ports::{Relogio, Segredo};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Token lifetime assumed when the answer has no `expires_in`.
const VALIDADE_PADRAO: Duration = Duration::from_secs(3600);

/// The most bytes of a reply read (one record is a few KiB; a CND with its PDF, some hundreds).
pub const MAX_RESPOSTA: usize = 4 * 1024 * 1024;

/// How the client authenticates.
pub enum Credenciais {
    /// A contract's consumer key and secret (`GUICHE_SERPRO_LOJA_CONSUMER_KEY`,
    /// `GUICHE_SERPRO_LOJA_CONSUMER_SECRET`).
    Contrato {
        /// Consumer key.
        consumer_key: String,
        /// Consumer secret.
        consumer_secret: Segredo,
    },
    /// The public trial (`GUICHE_SERPRO_LOJA_TRIAL=1`): the fixed bearer, the `-trial` paths.
    Trial,
}

/// How to reach the APIs.
pub struct ConfigLoja {
    /// Gateway base (`GUICHE_SERPRO_LOJA_URL`, default [`wire::URL_PRODUCAO`]): https, or http
    /// to a loopback address (the simulator).
    pub url_base: String,
    /// Contract or trial.
    pub credenciais: Credenciais,
    /// Extra CA trusted besides the system's. Verification is never disabled.
    pub ca_extra_pem: Option<String>,
    /// Timeout of one request.
    pub timeout: Duration,
}

impl fmt::Debug for ConfigLoja {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let modo = match &self.credenciais {
            Credenciais::Contrato { consumer_key, .. } => format!("contrato {consumer_key}"),
            Credenciais::Trial => "trial".to_owned(),
        };
        f.debug_struct("ConfigLoja")
            .field("url_base", &self.url_base)
            .field("credenciais", &modo)
            .finish_non_exhaustive()
    }
}

/// Metering of the calls in the ledger.
#[derive(Clone)]
pub struct Medicao {
    /// The ledger's meter.
    pub medidor: Arc<dyn MedidorBilhetagem>,
    /// Whose calls (the contract holder's CNPJ, digits): the ceiling is per contratante and
    /// month, shared with Integra Contador's calls of the same contratante.
    pub contratante: String,
    /// The most billed calls per contratante and month (`None`: no ceiling).
    pub teto_mensal: Option<u64>,
    /// Today in Brasília (the billing month).
    pub relogio: Arc<dyn Relogio>,
}

impl fmt::Debug for Medicao {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Medicao")
            .field("contratante", &self.contratante)
            .field("teto_mensal", &self.teto_mensal)
            .finish_non_exhaustive()
    }
}

/// Talks to SERPRO's commercial APIs.
pub struct ClienteLoja {
    http: reqwest::Client,
    url_base: String,
    /// `Basic …` of the contract; `None` on the trial.
    basic: Option<Segredo>,
    medicao: Option<Medicao>,
    token: CacheToken<Segredo>,
}

impl fmt::Debug for ClienteLoja {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClienteLoja")
            .field("url_base", &self.url_base)
            .field("trial", &self.basic.is_none())
            .finish_non_exhaustive()
    }
}

/// One status and body.
struct Resposta {
    status: u16,
    corpo: String,
}

impl ClienteLoja {
    /// Builds the client. Redirects are never followed: the secret and the token go only to
    /// the address configured.
    ///
    /// # Errors
    /// [`ErroLoja::Configuracao`]: a URL that is neither https nor http to loopback, an
    /// unreadable CA, an empty consumer key or secret.
    pub fn new(config: ConfigLoja, medicao: Option<Medicao>) -> Result<ClienteLoja, ErroLoja> {
        let (url_base, somente_https) = validar_url(&config.url_base)?;
        let basic = match config.credenciais {
            Credenciais::Trial => None,
            Credenciais::Contrato {
                consumer_key,
                consumer_secret,
            } => {
                if consumer_key.trim().is_empty() || consumer_secret.expor().trim().is_empty() {
                    return Err(ErroLoja::Configuracao(
                        "GUICHE_SERPRO_LOJA_CONSUMER_KEY e GUICHE_SERPRO_LOJA_CONSUMER_SECRET são obrigatórios fora do trial (ou GUICHE_SERPRO_LOJA_TRIAL=1)".into(),
                    ));
                }
                Some(Segredo::new(
                    base64::engine::general_purpose::STANDARD
                        .encode(format!("{consumer_key}:{}", consumer_secret.expor())),
                ))
            }
        };
        let http = guiche_http::construir(&ConfigHttp {
            somente_https,
            ca_extra_pem: config.ca_extra_pem.as_deref().map(str::as_bytes),
            ..ConfigHttp::new(config.timeout)
        })
        .map_err(|e| match e {
            ErroConstrucao::Ca(e) => ErroLoja::Configuracao(format!("CA extra: {e}")),
            e => ErroLoja::Configuracao(e.to_string()),
        })?;
        Ok(ClienteLoja {
            http,
            url_base,
            basic,
            medicao,
            token: CacheToken::new(),
        })
    }

    /// Whether the client speaks to the public trial.
    pub fn trial(&self) -> bool {
        self.basic.is_none()
    }

    /// Consulta CPF.
    ///
    /// # Errors
    /// [`ErroLoja`]; [`ErroLoja::NaoEncontrado`] (404) and [`ErroLoja::DadosDeMenor`] (422)
    /// are billed.
    pub async fn consultar_cpf(
        &self,
        cpf: &Cpf,
        etiqueta: &Etiqueta,
    ) -> Result<DadosCpf, ErroLoja> {
        let url = format!(
            "{}{}",
            self.url_base,
            caminhos::cpf(cpf.as_str(), self.trial())
        );
        let r = self
            .medido(
                SERVICO_CPF,
                &NAO_BILHETADOS_CPF,
                cpf.as_str(),
                &url,
                |token| self.http.get(&url).bearer_auth(token),
                etiqueta,
            )
            .await?;
        ler_cpf(&r.corpo, r.status == 206)
    }

    /// Consulta CNPJ at `nivel`.
    ///
    /// # Errors
    /// [`ErroLoja`]; [`ErroLoja::NaoEncontrado`] (404) is billed.
    pub async fn consultar_cnpj(
        &self,
        cnpj: &Cnpj,
        nivel: NivelCnpj,
        etiqueta: &Etiqueta,
    ) -> Result<DadosCnpj, ErroLoja> {
        let url = format!(
            "{}{}",
            self.url_base,
            caminhos::cnpj(cnpj.as_str(), nivel, self.trial())
        );
        let r = self
            .medido(
                servico_cnpj(nivel),
                &NAO_BILHETADOS_CNPJ,
                cnpj.as_str(),
                &url,
                |token| self.http.get(&url).bearer_auth(token),
                etiqueta,
            )
            .await?;
        ler_cnpj(&r.corpo, nivel, r.status == 206)
    }

    /// Consulta CND of a CPF or CNPJ (the PDF is not asked for).
    ///
    /// # Errors
    /// [`ErroLoja`].
    pub async fn consultar_cnd(
        &self,
        documento: &Documento,
        etiqueta: &Etiqueta,
    ) -> Result<Certidao, ErroLoja> {
        let (tipo, codigo) = match documento {
            Documento::Cnpj(_) => (1, "9001"),
            Documento::Cpf(_) => (2, "9002"),
        };
        let pedido = wire::PedidoCnd {
            tipo_contribuinte: tipo,
            contribuinte_consulta: documento.as_str().to_owned(),
            codigo_identificacao: codigo.to_owned(),
            gerar_certidao_pdf: false,
        };
        let corpo = serde_json::to_string(&pedido)
            .map_err(|e| ErroLoja::Protocolo(format!("corpo do pedido da CND: {e}")))?;
        let url = format!("{}{}", self.url_base, caminhos::cnd(self.trial()));
        let r = self
            .medido(
                SERVICO_CND,
                &NAO_BILHETADOS_CPF,
                documento.as_str(),
                &url,
                |token| {
                    self.http
                        .post(&url)
                        .bearer_auth(token)
                        .header("Content-Type", "application/json")
                        .body(corpo.clone())
                },
                etiqueta,
            )
            .await?;
        ler_cnd(&r.corpo, documento)
    }

    /// Forgets the cached token: the next call authenticates again.
    pub async fn esquecer_token(&self) {
        self.token.esquecer().await;
    }

    /// One call under one reservation of `servico` (when metered), given back only when the
    /// call was provably not billed. A 200 or 206 comes back as `Ok`; every other status is
    /// the error it means.
    async fn medido(
        &self,
        servico: &str,
        nao_bilhetados: &[u16],
        numero: &str,
        url: &str,
        pedido: impl Fn(&str) -> reqwest::RequestBuilder,
        etiqueta: &Etiqueta,
    ) -> Result<Resposta, ErroLoja> {
        let reserva = match &self.medicao {
            None => None,
            Some(m) => {
                let janela = Janela::Mes(Competencia::de(m.relogio.hoje()));
                let bilhete = Bilhete {
                    contratante: &m.contratante,
                    servico,
                    janela,
                    teto: m.teto_mensal,
                };
                m.medidor.reservar(bilhete).map_err(erro_bilhetagem)?;
                Some((m.medidor.as_ref(), bilhete))
            }
        };
        let mut enviados = Vec::new();
        let (r, cobranca) = self
            .trocar(&pedido, nao_bilhetados, etiqueta, &mut enviados)
            .await;
        if let (Some((medidor, bilhete)), Cobranca::Nao) = (reserva, cobranca) {
            // A ledger failure here must not hide the call's own outcome; the count then errs
            // on the safe side (one call too many).
            let _ = medidor.devolver(bilhete);
        }
        if let Some((medidor, bilhete)) = reserva {
            // Every request that left (a 401 before the token's renewal too) is recorded for
            // SERPRO's consumption report; likewise never at the cost of the answer.
            for (instante_ms, status) in enviados {
                let _ = medidor.registrar_chamada(&ChamadaRegistrada {
                    instante_ms,
                    contratante: bilhete.contratante.to_owned(),
                    servico: bilhete.servico.to_owned(),
                    janela: bilhete.janela,
                    etiqueta: etiqueta.as_str().to_owned(),
                    status,
                    bilhetada: status
                        .is_none_or(|s| Cobranca::do_status(s, nao_bilhetados) == Cobranca::Talvez),
                });
            }
        }
        let r = r?;
        let caminho = url.strip_prefix(self.url_base.as_str()).unwrap_or(url);
        classificar(r, numero, caminho)
    }

    /// Sends with a token (renewed once on a 401 outside the trial) and says whether the
    /// exchange may have been billed; each request that left goes into `enviados` with its
    /// instant (unix ms) and status (`None`: no answer read).
    async fn trocar(
        &self,
        pedido: &impl Fn(&str) -> reqwest::RequestBuilder,
        nao_bilhetados: &[u16],
        etiqueta: &Etiqueta,
        enviados: &mut Vec<(i64, Option<u16>)>,
    ) -> (Result<Resposta, ErroLoja>, Cobranca) {
        let token = match self.token().await {
            Ok(t) => t,
            Err(e) => return (Err(e), Cobranca::Nao),
        };
        let mut r = self.enviar(pedido(token.expor()), etiqueta, enviados).await;
        if matches!(&r, Ok(r) if r.status == 401) && !self.trial() {
            self.token.esquecer_se(&token).await;
            let novo = match self.token().await {
                Ok(t) => t,
                Err(e) => return (Err(e), Cobranca::Nao),
            };
            r = self.enviar(pedido(novo.expor()), etiqueta, enviados).await;
        }
        match r {
            Ok(r) => {
                let cobranca = Cobranca::do_status(r.status, nao_bilhetados);
                (Ok(r), cobranca)
            }
            Err(e @ ErroLoja::NaoEnviado(_)) => (Err(e), Cobranca::Nao),
            Err(e) => (Err(e), Cobranca::Talvez),
        }
    }

    async fn enviar(
        &self,
        pedido: reqwest::RequestBuilder,
        etiqueta: &Etiqueta,
        enviados: &mut Vec<(i64, Option<u16>)>,
    ) -> Result<Resposta, ErroLoja> {
        let instante = agora_ms();
        let enviado = pedido
            .header("Accept", "application/json")
            .header("X-Request-Tag", etiqueta.as_str())
            .send()
            .await;
        let r = match enviado {
            Ok(r) => r,
            Err(e) => {
                let erro = transporte(&e);
                if !matches!(erro, ErroLoja::NaoEnviado(_)) {
                    enviados.push((instante, None));
                }
                return Err(erro);
            }
        };
        let status = r.status().as_u16();
        let lida = ler(r).await;
        if !matches!(lida, Err(ErroLoja::NaoEnviado(_))) {
            enviados.push((instante, Some(status)));
        }
        lida
    }

    /// A valid bearer: the trial's, the cached one, or a new one (one request in flight).
    async fn token(&self) -> Result<Segredo, ErroLoja> {
        let Some(basic) = &self.basic else {
            return Ok(Segredo::new(BEARER_TRIAL));
        };
        self.token
            .obter(|| async {
                let dto = self.autenticar(basic).await?;
                let validade = dto.expires_in.map_or(VALIDADE_PADRAO, Duration::from_secs);
                Ok((Segredo::new(dto.access_token), validade))
            })
            .await
    }

    async fn autenticar(&self, basic: &Segredo) -> Result<wire::TokenDto, ErroLoja> {
        let r = self
            .http
            .post(format!("{}{}", self.url_base, caminhos::TOKEN))
            .header("Authorization", format!("Basic {}", basic.expor()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .map_err(|e| transporte(&e))?;
        let Resposta { status, corpo } = ler(r).await?;
        if status != 200 {
            return Err(ErroLoja::Autenticacao {
                status,
                motivo: wire::motivo(&corpo),
            });
        }
        guiche_http::json::ler::<wire::TokenDto>(&corpo)
            .map_err(|e| ErroLoja::Protocolo(format!("token: {e}")))
    }
}

/// Every documented status: 200 and 206 pass; the others become the error they mean.
fn classificar(r: Resposta, numero: &str, caminho: &str) -> Result<Resposta, ErroLoja> {
    let motivo = wire::motivo(&r.corpo);
    let numero = numero.to_owned();
    match r.status {
        200 | 206 => Ok(r),
        401 => Err(ErroLoja::Autenticacao {
            status: 401,
            motivo,
        }),
        403 => Err(ErroLoja::Proibido {
            caminho: caminho.to_owned(),
            motivo,
        }),
        404 => Err(ErroLoja::NaoEncontrado { numero, motivo }),
        422 => Err(ErroLoja::DadosDeMenor { numero, motivo }),
        400 => Err(ErroLoja::Recusado {
            status: 400,
            mensagem: format!("número {numero} inválido: {motivo}"),
        }),
        429 => Err(ErroLoja::Recusado {
            status: 429,
            mensagem: format!("limite de requisições por segundo excedido: {motivo}"),
        }),
        s @ (500 | 502 | 503 | 504) => Err(ErroLoja::Servidor {
            status: s,
            mensagem: motivo,
        }),
        s => Err(ErroLoja::Desconhecido(format!(
            "HTTP {s} não documentado: {motivo}"
        ))),
    }
}

/// A reply: a redirect is refused as not sent; the body is read up to [`MAX_RESPOSTA`].
/// Now, unix milliseconds (a clock before 1970 reads 0).
fn agora_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

async fn ler(r: reqwest::Response) -> Result<Resposta, ErroLoja> {
    let (status, corpo) = canal::ler_resposta(r, MAX_RESPOSTA)
        .await
        .map_err(|f| match f {
            canal::LeituraRecusada::Redirecionamento(m) => ErroLoja::NaoEnviado(m),
            canal::LeituraRecusada::Transporte(e) => transporte(&e),
            canal::LeituraRecusada::Grande(m) => ErroLoja::Desconhecido(m),
        })?;
    Ok(Resposta { status, corpo })
}

/// The base URL without its trailing `/`, and whether only https is allowed (http is accepted
/// only to a loopback address: the simulator on this machine).
fn validar_url(url: &str) -> Result<(String, bool), ErroLoja> {
    let erro = |m: String| ErroLoja::Configuracao(format!("GUICHE_SERPRO_LOJA_URL={m}"));
    let u = reqwest::Url::parse(url).map_err(|e| erro(format!("\"{url}\": {e}")))?;
    let loopback = u.host_str().is_some_and(|h| {
        h == "localhost"
            || h.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    });
    match u.scheme() {
        "https" => Ok((url.trim_end_matches('/').to_owned(), true)),
        "http" if loopback => Ok((url.trim_end_matches('/').to_owned(), false)),
        _ => Err(erro(format!(
            "\"{url}\" deve ser https (http só para um endereço local, o simulador)"
        ))),
    }
}

fn erro_bilhetagem(e: ErroBilhetagem) -> ErroLoja {
    match e {
        e @ ErroBilhetagem::TetoAtingido { .. } => ErroLoja::Teto(e.to_string()),
        e => ErroLoja::NaoEnviado(format!("livro de bilhetagem: {e}")),
    }
}

/// A transport failure: not sent (connection or TLS refused) or an unknown outcome.
fn transporte(e: &reqwest::Error) -> ErroLoja {
    let (nao_enviado, m) = canal::descrever(e, "o SERPRO", "conexão ou TLS recusados");
    if nao_enviado {
        ErroLoja::NaoEnviado(m)
    } else {
        ErroLoja::Desconhecido(m)
    }
}

/// A date as sent: `DDMMAAAA`, `AAAA-MM-DD` or `DD/MM/AAAA` when it is a real date; else the
/// text (never an error: the trial has a 9-digit date). Empty text is `None`.
pub fn data_informada(texto: &str) -> Option<DataInformada> {
    let t = texto.trim();
    if t.is_empty() {
        return None;
    }
    let ddmmaaaa = || {
        let b = t.as_bytes();
        if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = |i: usize, j: usize| t.get(i..j).and_then(|s| s.parse::<u16>().ok());
        let (d, m, a) = (n(0, 2)?, n(2, 4)?, n(4, 8)?);
        Data::new(a, u8::try_from(m).ok()?, u8::try_from(d).ok()?).ok()
    };
    let data = ddmmaaaa()
        .or_else(|| Data::parse_iso(t).ok())
        .or_else(|| Data::parse_br(t).ok());
    Some(data.map_or_else(|| DataInformada::Texto(t.to_owned()), DataInformada::Data))
}

fn nao_vazio(t: Option<String>) -> Option<String> {
    t.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

fn situacao(
    dto: Option<wire::CodigoDto>,
    tabela: fn(&str) -> Option<&'static str>,
) -> Option<Situacao> {
    let dto = dto?;
    let codigo = nao_vazio(dto.codigo)?;
    let descricao = nao_vazio(dto.descricao).or_else(|| tabela(&codigo).map(str::to_owned));
    Some(Situacao { codigo, descricao })
}

fn sem_tabela(_: &str) -> Option<&'static str> {
    None
}

/// Reads a Consulta CPF answer.
///
/// # Errors
/// [`ErroLoja::Protocolo`] naming the field missing or wrong (`ni`, `nome`, `situacao.codigo`).
pub fn ler_cpf(corpo: &str, parcial: bool) -> Result<DadosCpf, ErroLoja> {
    let protocolo = |e: String| ErroLoja::Protocolo(format!("consulta CPF: {e}"));
    let dto: wire::CpfDto = guiche_http::json::ler(corpo).map_err(protocolo)?;
    let ni = nao_vazio(dto.ni).ok_or_else(|| protocolo("ni: ausente".into()))?;
    let cpf = Cpf::parse(&ni).map_err(|e| protocolo(format!("ni {ni:?}: {e}")))?;
    let nome = nao_vazio(dto.nome).ok_or_else(|| protocolo("nome: ausente".into()))?;
    let situacao = situacao(dto.situacao, descricao_situacao_cpf)
        .ok_or_else(|| protocolo("situacao.codigo: ausente".into()))?;
    let ano_obito = match nao_vazio(dto.obito) {
        None => None,
        Some(a) => Some(
            a.parse::<u16>()
                .map_err(|_| protocolo(format!("obito {a:?}: ano AAAA esperado")))?,
        ),
    };
    Ok(DadosCpf {
        cpf,
        nome,
        nome_social: nao_vazio(dto.nome_social),
        situacao,
        nascimento: dto.nascimento.as_deref().and_then(data_informada),
        inscricao: dto.data_inscricao.as_deref().and_then(data_informada),
        ano_obito,
        parcial,
    })
}

/// Reads a Consulta CNPJ v2 answer.
///
/// # Errors
/// [`ErroLoja::Protocolo`] naming the field missing or wrong.
pub fn ler_cnpj(corpo: &str, nivel: NivelCnpj, parcial: bool) -> Result<DadosCnpj, ErroLoja> {
    let protocolo = |e: String| ErroLoja::Protocolo(format!("consulta CNPJ: {e}"));
    let dto: wire::CnpjDto = guiche_http::json::ler(corpo).map_err(protocolo)?;
    let ni = nao_vazio(dto.ni).ok_or_else(|| protocolo("ni: ausente".into()))?;
    let cnpj = Cnpj::parse(&ni).map_err(|e| protocolo(format!("ni {ni:?}: {e}")))?;
    let razao_social = nao_vazio(dto.nome_empresarial)
        .ok_or_else(|| protocolo("nomeEmpresarial: ausente".into()))?;
    let sit = dto
        .situacao_cadastral
        .ok_or_else(|| protocolo("situacaoCadastral: ausente".into()))?;
    let codigo = nao_vazio(sit.codigo)
        .ok_or_else(|| protocolo("situacaoCadastral.codigo: ausente".into()))?;
    let descricao = descricao_situacao_cnpj(&codigo)
        .map(str::to_owned)
        .or_else(|| nao_vazio(sit.motivo.clone()));
    let (municipio, uf) = dto
        .endereco
        .map(|e| {
            (
                e.municipio.and_then(|m| nao_vazio(m.descricao)),
                nao_vazio(e.uf),
            )
        })
        .unwrap_or_default();
    let socios = dto
        .socios
        .into_iter()
        .filter_map(|s| {
            Some(Socio {
                nome: nao_vazio(s.nome)?,
                documento: nao_vazio(s.cpf),
                tipo: nao_vazio(s.tipo_socio),
                qualificacao: nao_vazio(s.qualificacao),
                entrada: s.data_inclusao.as_deref().and_then(data_informada),
            })
        })
        .collect();
    Ok(DadosCnpj {
        cnpj,
        nivel,
        razao_social,
        nome_fantasia: nao_vazio(dto.nome_fantasia),
        situacao: Situacao { codigo, descricao },
        data_situacao: sit.data.as_deref().and_then(data_informada),
        abertura: dto.data_abertura.as_deref().and_then(data_informada),
        natureza_juridica: situacao(dto.natureza_juridica, sem_tabela),
        cnae_principal: situacao(dto.cnae_principal, sem_tabela),
        municipio,
        uf,
        socios,
        parcial,
    })
}

/// Reads a Consulta CND answer.
///
/// # Errors
/// [`ErroLoja::Protocolo`] when there is no certificate type or it is not one of the three.
pub fn ler_cnd(corpo: &str, documento: &Documento) -> Result<Certidao, ErroLoja> {
    let protocolo = |e: String| ErroLoja::Protocolo(format!("consulta CND: {e}"));
    let dto: wire::CndDto = guiche_http::json::ler(corpo).map_err(protocolo)?;
    let mensagem = nao_vazio(dto.mensagem);
    let c = dto.certidao.ok_or_else(|| {
        protocolo(format!(
            "Certidao: ausente ({})",
            mensagem.as_deref().unwrap_or("sem mensagem")
        ))
    })?;
    let tipo = nao_vazio(c.tipo_certidao)
        .ok_or_else(|| protocolo("Certidao.TipoCertidao: ausente".into()))?;
    let situacao =
        situacao_cnd(&tipo).ok_or_else(|| protocolo(format!("Certidao.TipoCertidao {tipo:?}: não é Negativa, Positiva com Efeitos de Negativa nem Positiva")))?;
    Ok(Certidao {
        documento: *documento,
        situacao,
        emissao: c.data_emissao.as_deref().and_then(data_informada),
        validade: c.data_validade.as_deref().and_then(data_informada),
        codigo_controle: nao_vazio(c.codigo_controle),
        mensagem,
    })
}

/// `Negativa`, `Positiva com Efeitos de Negativa`, `Positiva` in any case and spacing.
pub fn situacao_cnd(tipo: &str) -> Option<SituacaoCnd> {
    let t = tipo
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    if t.starts_with("positiva") && t.contains("efeito") {
        Some(SituacaoCnd::PositivaComEfeitosDeNegativa)
    } else if t == "negativa" || t.starts_with("negativa ") {
        Some(SituacaoCnd::Negativa)
    } else if t == "positiva" {
        Some(SituacaoCnd::Positiva)
    } else {
        None
    }
}

#[async_trait]
impl ConsultaCadastral for ClienteLoja {
    async fn cpf(&self, cpf: &Cpf, etiqueta: &Etiqueta) -> Result<DadosCpf, ErroConsultaCadastral> {
        self.consultar_cpf(cpf, etiqueta)
            .await
            .map_err(|e| erro_consulta(&e))
    }

    async fn cnpj(
        &self,
        cnpj: &Cnpj,
        nivel: NivelCnpj,
        etiqueta: &Etiqueta,
    ) -> Result<DadosCnpj, ErroConsultaCadastral> {
        self.consultar_cnpj(cnpj, nivel, etiqueta)
            .await
            .map_err(|e| erro_consulta(&e))
    }

    async fn cnd(
        &self,
        documento: &Documento,
        etiqueta: &Etiqueta,
    ) -> Result<Certidao, ErroConsultaCadastral> {
        self.consultar_cnd(documento, etiqueta)
            .await
            .map_err(|e| erro_consulta(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_when_real_and_kept_as_text_when_not() {
        assert_eq!(
            data_informada("14111970"),
            Data::new(1970, 11, 14).ok().map(DataInformada::Data)
        );
        assert_eq!(
            data_informada("140712001"),
            Some(DataInformada::Texto("140712001".into()))
        );
        assert_eq!(
            data_informada("2019-06-19"),
            Data::new(2019, 6, 19).ok().map(DataInformada::Data)
        );
        assert_eq!(data_informada(" "), None);
    }

    #[test]
    fn cnd_types_are_read_in_any_case() {
        assert_eq!(situacao_cnd("NEGATIVA"), Some(SituacaoCnd::Negativa));
        assert_eq!(
            situacao_cnd("Positiva com Efeitos de Negativa"),
            Some(SituacaoCnd::PositivaComEfeitosDeNegativa)
        );
        assert_eq!(situacao_cnd("positiva"), Some(SituacaoCnd::Positiva));
        assert_eq!(situacao_cnd("talvez"), None);
    }

    #[test]
    fn the_secret_is_never_in_debug() {
        let config = ConfigLoja {
            url_base: "https://gateway.apiserpro.serpro.gov.br".into(),
            credenciais: Credenciais::Contrato {
                consumer_key: "chave".into(),
                consumer_secret: Segredo::new("segredo-muito-secreto"),
            },
            ca_extra_pem: None,
            timeout: Duration::from_secs(1),
        };
        let texto = format!("{config:?}");
        assert!(
            texto.contains("chave") && !texto.contains("segredo-muito"),
            "{texto}"
        );
        let cliente = ClienteLoja::new(config, None).map(|c| format!("{c:?}"));
        assert!(cliente.is_ok_and(|t| !t.contains("segredo") && !t.contains("Basic")));
    }

    #[test]
    fn only_https_or_loopback_http_is_accepted() {
        assert!(validar_url("https://gateway.apiserpro.serpro.gov.br/").is_ok());
        assert!(validar_url("http://127.0.0.1:8080").is_ok());
        assert!(validar_url("http://gateway.apiserpro.serpro.gov.br").is_err());
    }

    #[test]
    fn a_minor_and_a_missing_record_are_their_own_errors() {
        let r = |status| Resposta {
            status,
            corpo: "Nenhum registro encontrado.".into(),
        };
        assert!(matches!(
            classificar(r(404), "1", "/p"),
            Err(ErroLoja::NaoEncontrado { motivo, .. }) if motivo == "Nenhum registro encontrado."
        ));
        assert!(matches!(
            classificar(r(422), "1", "/p"),
            Err(ErroLoja::DadosDeMenor { .. })
        ));
        assert!(classificar(r(206), "1", "/p").is_ok_and(|r| r.status == 206));
        assert!(matches!(
            classificar(r(418), "1", "/p"),
            Err(ErroLoja::Desconhecido(_))
        ));
    }
}
