//! The HTTPS client of SEFIN Nacional (and the ADN's municipal parameters), over `guiche-http`
//! with the prestador's certificate (mTLS), HTTP/1.1 only.

use crate::erro::{ErroNfse, juntar};
use crate::wire::{
    self, AliquotaAdn, MensagemSefin, PedidoEmissao, PedidoEvento, RespostaAliquotas, RespostaDps,
    RespostaEmissao, RespostaEvento, RespostaNfse, caminhos,
};
use guiche_certificados::Certificado;
use guiche_domain::Data;
use guiche_domain::municipio::CodigoIbge;
use guiche_domain::nfse::{ChaveAcesso, IdDps};
use guiche_http::{ConfigHttp, ErroConstrucao, FalhaCorpo};
use guiche_ports::emissor::{ConsultaEmissao, EmissorNotas, Envio, ErroEnvio, Resposta};
use reqwest::{Method, StatusCode};
use std::time::Duration;

/// Largest reply read (an NFS-e XML packed is a few kB).
pub const MAX_RESPOSTA: usize = 4 * 1024 * 1024;

/// The codes SEFIN uses for "this DPS was already issued" (the Id or the key exists).
pub const CODIGOS_DUPLICIDADE: [&str; 2] = ["E1268", "E0014"];

/// The codes of an event already registered for the note (a retry of the same request).
pub const CODIGOS_EVENTO_DUPLICADO: [&str; 2] = ["E0802", "E1805"];

/// The event types that cancel an NFS-e and that [`ClienteNfse::cancelamento`] asks for, in
/// order: the contribuinte's cancellation, then the cancellation by substitution.
pub const TIPOS_CANCELAMENTO: [&str; 2] = ["101101", "105102"];

/// A cancellation SEFIN Nacional holds for an NFS-e.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancelamento {
    /// The event type (`101101`, `105102`).
    pub tipo: String,
    /// When SEFIN registered it (`dhProc` of the event, else `dhEvento` of the request), as written.
    pub data_hora: Option<String>,
    /// The event XML as registered.
    pub xml: String,
}

/// Where and how to reach the national system.
#[derive(Clone)]
pub struct ConfigNfse {
    /// SEFIN Nacional's base, **with** `/SefinNacional`
    /// (`https://sefin.producaorestrita.nfse.gov.br/SefinNacional`).
    pub url_sefin: String,
    /// The ADN's municipal parameters base (`https://adn.producaorestrita.nfse.gov.br/parametrizacao`).
    pub url_parametros: String,
    /// The prestador's ICP-Brasil certificate, presented in the TLS handshake.
    pub certificado: Certificado,
    /// Extra CAs (PEM) to trust besides the system's: the simulator's.
    pub ca_extra_pem: Option<String>,
    /// Timeout of one request.
    pub timeout: Duration,
}

impl std::fmt::Debug for ConfigNfse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigNfse")
            .field("url_sefin", &self.url_sefin)
            .field("url_parametros", &self.url_parametros)
            .field("certificado", &self.certificado)
            .field("ca_extra", &self.ca_extra_pem.is_some())
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// An NFS-e issued (the `201` of `POST /nfse`, or a key found by the DPS Id then read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nfse {
    /// The access key.
    pub chave: ChaveAcesso,
    /// The NFS-e XML as the service signed it.
    pub xml: String,
    /// The DPS Id it was issued for, when the answer says.
    pub id_dps: Option<String>,
    /// Warnings the service returned with it.
    pub alertas: Vec<MensagemSefin>,
}

/// What `POST /nfse` settled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Emissao {
    /// Issued now.
    Emitida(Nfse),
    /// The service says this DPS was issued before (a repeat after an unknown outcome): the
    /// key, when it was found by the DPS Id.
    JaEmitida {
        /// The access key of the earlier NFS-e, when found.
        chave: Option<ChaveAcesso>,
        /// The service's messages.
        mensagens: Vec<MensagemSefin>,
    },
}

/// The NFS-e Nacional client. One connection pool, reused.
#[derive(Clone, Debug)]
pub struct ClienteNfse {
    http: reqwest::Client,
    sefin: String,
    parametros: String,
}

/// A reply read: status and body.
struct Lida {
    status: StatusCode,
    corpo: String,
}

impl ClienteNfse {
    /// Builds the client with the prestador's certificate for mTLS.
    ///
    /// # Errors
    /// [`ErroNfse::Configuracao`] naming the setting at fault.
    pub fn new(config: ConfigNfse) -> Result<ClienteNfse, ErroNfse> {
        let sefin = config.url_sefin.trim_end_matches('/').to_owned();
        if !sefin.to_ascii_lowercase().ends_with("/sefinnacional") {
            return Err(ErroNfse::Configuracao(format!(
                "GUICHE_NFSE_URL {sefin:?} deve terminar em /SefinNacional (sem ele a SEFIN responde 404 com uma página HTML)"
            )));
        }
        let identidade = config.certificado.identidade_pem();
        let http = guiche_http::construir(&ConfigHttp {
            identidade_pem: Some(identidade.as_bytes()),
            ca_extra_pem: config.ca_extra_pem.as_deref().map(str::as_bytes),
            somente_https: true,
            somente_http1: true,
            ..ConfigHttp::new(config.timeout)
        })
        .map_err(|e| match e {
            ErroConstrucao::Identidade(e) => {
                ErroNfse::Configuracao(format!("certificado do prestador (GUICHE_NFSE_CERT): {e}"))
            }
            ErroConstrucao::Ca(e) => ErroNfse::Configuracao(format!("CA extra: {e}")),
            ErroConstrucao::Http(e) => ErroNfse::Configuracao(e),
        })?;
        Ok(ClienteNfse {
            http,
            sefin,
            parametros: config.url_parametros.trim_end_matches('/').to_owned(),
        })
    }

    async fn pedir(
        &self,
        metodo: Method,
        url: String,
        corpo: Option<String>,
    ) -> Result<Lida, ErroNfse> {
        let mut pedido = self.http.request(metodo, &url);
        if let Some(c) = corpo {
            pedido = pedido
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(c);
        }
        let falha = |e: &reqwest::Error| {
            let f = guiche_http::classificar(e);
            if f.nao_enviado() {
                ErroNfse::NaoEnviado(f.to_string())
            } else {
                ErroNfse::Desconhecido(f.to_string())
            }
        };
        let r = pedido.send().await.map_err(|e| falha(&e))?;
        if let Some(red) = guiche_http::redirecionamento(&r, false) {
            return Err(ErroNfse::Resposta(format!(
                "redirecionamento HTTP {} para {} recusado",
                red.status, red.destino
            )));
        }
        let status = r.status();
        let corpo = guiche_http::ler_corpo(r, MAX_RESPOSTA)
            .await
            .map_err(|e| match e {
                FalhaCorpo::Http(e) => falha(&e),
                FalhaCorpo::Grande { limite } => {
                    ErroNfse::Desconhecido(format!("resposta maior que {limite} bytes"))
                }
            })?;
        Ok(Lida { status, corpo })
    }

    /// An answer other than success, as an error: a 4xx whose body lists errors is a refusal
    /// with its messages; 404 not found; 501 moved; a 4xx that lists none (a proxy's page, an
    /// empty body) is an unreadable reply and a 5xx an unknown outcome — never a refusal, whatever
    /// a 5xx body lists, since the DPS may have gone in.
    fn erro(caminho: &str, status: u16, corpo: &str) -> ErroNfse {
        let (id_dps, mensagens) = wire::ler_erros(corpo, status);
        match status {
            404 => ErroNfse::NaoEncontrado(juntar(&mensagens)),
            501 => ErroNfse::Movido {
                caminho: caminho.to_owned(),
            },
            400..=499 if !wire::erros_do_corpo(corpo).1.is_empty() => ErroNfse::Recusada {
                status,
                id_dps,
                mensagens,
            },
            400..=499 => ErroNfse::Resposta(format!(
                "HTTP {status} sem erros no corpo: {}",
                juntar(&mensagens)
            )),
            _ => ErroNfse::Desconhecido(format!("HTTP {status}: {}", juntar(&mensagens))),
        }
    }

    /// Issues one signed DPS (`POST /nfse`, the XML with its declaration, gzip + base64).
    /// A refusal that says the DPS exists is [`Emissao::JaEmitida`], its key looked up by the
    /// DPS Id when it can be.
    ///
    /// # Errors
    /// [`ErroNfse`]: refused ([`ErroNfse::Recusada`]), not sent, unknown outcome.
    pub async fn emitir(&self, dps_assinada: &str) -> Result<Emissao, ErroNfse> {
        let pedido = PedidoEmissao {
            dps_xml_gzip_b64: wire::compactar(dps_assinada),
        };
        let corpo =
            serde_json::to_string(&pedido).map_err(|e| ErroNfse::Documento(e.to_string()))?;
        let lida = self
            .pedir(
                Method::POST,
                format!("{}{}", self.sefin, caminhos::NFSE),
                Some(corpo),
            )
            .await?;
        if lida.status == StatusCode::CREATED || lida.status == StatusCode::OK {
            let r: RespostaEmissao = ler_json(&lida.corpo)?;
            let nfse = nfse_de(&r.chave_acesso, &r.nfse_xml_gzip_b64, r.id_dps)?;
            let alertas = r
                .alertas
                .as_ref()
                .map(wire::mensagens_de_valor)
                .unwrap_or_default();
            return Ok(Emissao::Emitida(Nfse { alertas, ..nfse }));
        }
        match Self::erro(caminhos::NFSE, lida.status.as_u16(), &lida.corpo) {
            ErroNfse::Recusada { mensagens, .. }
                if mensagens
                    .iter()
                    .any(|m| CODIGOS_DUPLICIDADE.contains(&m.codigo.as_str())) =>
            {
                let chave = match id_do_documento(dps_assinada) {
                    Some(id) => self.chave_da_dps(&id).await.ok().flatten(),
                    None => None,
                };
                Ok(Emissao::JaEmitida { chave, mensagens })
            }
            e => Err(e),
        }
    }

    /// `HEAD /dps/{id}`: whether an NFS-e exists for the DPS (any valid certificate may ask).
    ///
    /// # Errors
    /// [`ErroNfse`] for any answer other than 200 or 404.
    pub async fn dps_existe(&self, id: &IdDps) -> Result<bool, ErroNfse> {
        let caminho = format!("{}{id}", caminhos::DPS);
        let lida = self
            .pedir(Method::HEAD, format!("{}{caminho}", self.sefin), None)
            .await?;
        match lida.status.as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(Self::erro(&caminho, lida.status.as_u16(), &lida.corpo)),
        }
    }

    /// `GET /dps/{id}`: the access key of the NFS-e issued for the DPS (only an actor of the
    /// note may ask); `None` when there is none.
    ///
    /// # Errors
    /// [`ErroNfse`].
    pub async fn chave_da_dps(&self, id: &IdDps) -> Result<Option<ChaveAcesso>, ErroNfse> {
        let caminho = format!("{}{id}", caminhos::DPS);
        let lida = self
            .pedir(Method::GET, format!("{}{caminho}", self.sefin), None)
            .await?;
        match lida.status.as_u16() {
            200 => {
                let r: RespostaDps = ler_json(&lida.corpo)?;
                chave(&r.chave_acesso).map(Some)
            }
            404 => Ok(None),
            _ => Err(Self::erro(&caminho, lida.status.as_u16(), &lida.corpo)),
        }
    }

    /// Settles an unknown outcome by the DPS Id: `HEAD /dps/{id}`; when it exists, its key by
    /// `GET /dps/{id}` and the NFS-e by `GET /nfse/{chave}`. `None`: not issued (yet — a request
    /// still in flight may issue it; sending the same DPS again is safe, SEFIN deduplicates on
    /// the Id).
    ///
    /// # Errors
    /// [`ErroNfse`].
    pub async fn conciliar(&self, id: &IdDps) -> Result<Option<Nfse>, ErroNfse> {
        if !self.dps_existe(id).await? {
            return Ok(None);
        }
        let Some(chave) = self.chave_da_dps(id).await? else {
            return Err(ErroNfse::Resposta(format!(
                "HEAD /dps/{id} diz que existe, GET /dps/{id} não encontrou"
            )));
        };
        self.consultar(&chave).await.map(Some)
    }

    /// `GET /nfse/{chave}`: the NFS-e.
    ///
    /// # Errors
    /// [`ErroNfse::NaoEncontrado`] and the others.
    pub async fn consultar(&self, chave_acesso: &ChaveAcesso) -> Result<Nfse, ErroNfse> {
        let caminho = format!("{}{chave_acesso}", caminhos::NFSE_CHAVE);
        let lida = self
            .pedir(Method::GET, format!("{}{caminho}", self.sefin), None)
            .await?;
        if lida.status != StatusCode::OK {
            return Err(Self::erro(&caminho, lida.status.as_u16(), &lida.corpo));
        }
        let r: RespostaNfse = ler_json(&lida.corpo)?;
        nfse_de(&r.chave_acesso, &r.nfse_xml_gzip_b64, None)
    }

    /// Registers a signed event (`POST /nfse/{chave}/eventos`, `guiche_certificados::nfse::assinar_pedido_evento`) and
    /// returns the event XML the service registered; `None` when the service says the same event
    /// was registered before (a repeat after an unknown outcome).
    ///
    /// # Errors
    /// [`ErroNfse`]: refused (deadline, already cancelled…), unknown outcome.
    pub async fn registrar_evento(
        &self,
        chave_acesso: &ChaveAcesso,
        pedido_assinado: &str,
    ) -> Result<Option<String>, ErroNfse> {
        let caminho = format!(
            "{}{chave_acesso}{}",
            caminhos::NFSE_CHAVE,
            caminhos::EVENTOS
        );
        let corpo = serde_json::to_string(&PedidoEvento {
            pedido_xml_gzip_b64: wire::compactar(pedido_assinado),
        })
        .map_err(|e| ErroNfse::Documento(e.to_string()))?;
        let lida = self
            .pedir(
                Method::POST,
                format!("{}{caminho}", self.sefin),
                Some(corpo),
            )
            .await?;
        if lida.status == StatusCode::CREATED || lida.status == StatusCode::OK {
            let r: RespostaEvento = ler_json(&lida.corpo)?;
            return wire::descompactar(&r.evento_xml_gzip_b64)
                .map(Some)
                .map_err(|e| ErroNfse::Resposta(format!("eventoXmlGZipB64: {e}")));
        }
        match Self::erro(&caminho, lida.status.as_u16(), &lida.corpo) {
            ErroNfse::Recusada { mensagens, .. }
                if mensagens
                    .iter()
                    .any(|m| CODIGOS_EVENTO_DUPLICADO.contains(&m.codigo.as_str())) =>
            {
                Ok(None)
            }
            e => Err(e),
        }
    }

    /// `GET /nfse/{chave}/eventos/{tipoEvento}/{nSeq}` (the event query form the OpenAPI
    /// lists): the registered event XML, `None` when SEFIN has no such event (404).
    ///
    /// # Errors
    /// [`ErroNfse`]: a type that is not 6 digits is [`ErroNfse::Documento`]; refusals, unknown
    /// outcome, a reply that cannot be read.
    pub async fn evento(
        &self,
        chave_acesso: &ChaveAcesso,
        tipo: &str,
        sequencia: u16,
    ) -> Result<Option<String>, ErroNfse> {
        if tipo.len() != 6 || !tipo.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ErroNfse::Documento(format!(
                "tipo de evento {tipo:?}: deve ter 6 dígitos (101101 cancelamento)"
            )));
        }
        let caminho = format!(
            "{}{chave_acesso}{}/{tipo}/{sequencia}",
            caminhos::NFSE_CHAVE,
            caminhos::EVENTOS
        );
        let lida = self
            .pedir(Method::GET, format!("{}{caminho}", self.sefin), None)
            .await?;
        match lida.status.as_u16() {
            200 => {
                let r: RespostaEvento = ler_json(&lida.corpo)?;
                wire::descompactar(&r.evento_xml_gzip_b64)
                    .map(Some)
                    .map_err(|e| ErroNfse::Resposta(format!("eventoXmlGZipB64: {e}")))
            }
            404 => Ok(None),
            s => Err(Self::erro(&caminho, s, &lida.corpo)),
        }
    }

    /// Whether the NFS-e is cancelled: the first event of [`TIPOS_CANCELAMENTO`] SEFIN holds
    /// for it (sequence 1: after a cancellation no further event is accepted).
    ///
    /// # Errors
    /// [`ErroNfse`], as [`ClienteNfse::evento`].
    pub async fn cancelamento(
        &self,
        chave_acesso: &ChaveAcesso,
    ) -> Result<Option<Cancelamento>, ErroNfse> {
        for tipo in TIPOS_CANCELAMENTO {
            if let Some(xml) = self.evento(chave_acesso, tipo, 1).await? {
                let data_hora = texto_de(&xml, "dhProc").or_else(|| texto_de(&xml, "dhEvento"));
                return Ok(Some(Cancelamento {
                    tipo: tipo.to_owned(),
                    data_hora,
                    xml,
                }));
            }
        }
        Ok(None)
    }

    /// The ADN's municipal rates for a service and competência
    /// (`GET /{cMun}/{cServ}/{competencia}/aliquota`): by service code, the rates in force.
    ///
    /// # Errors
    /// [`ErroNfse`]: [`ErroNfse::NaoEncontrado`] when the municipality has none for it.
    pub async fn aliquotas(
        &self,
        municipio: CodigoIbge,
        codigo_servico: &str,
        competencia: Data,
    ) -> Result<RespostaAliquotas, ErroNfse> {
        if codigo_servico.is_empty()
            || !codigo_servico
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.')
        {
            return Err(ErroNfse::Documento(format!(
                "código de serviço {codigo_servico:?}: só dígitos e pontos (cTribNac)"
            )));
        }
        let caminho = format!(
            "/{:07}/{codigo_servico}/{}{}",
            municipio.numero(),
            competencia.iso(),
            caminhos::ALIQUOTA
        );
        let lida = self
            .pedir(Method::GET, format!("{}{caminho}", self.parametros), None)
            .await?;
        if lida.status != StatusCode::OK {
            return Err(Self::erro(&caminho, lida.status.as_u16(), &lida.corpo));
        }
        ler_json(&lida.corpo)
    }
}

/// The rates of one service code as decimals (percent), skipping none.
///
/// # Errors
/// [`ErroNfse::Resposta`] for a rate that is not a decimal number.
pub fn aliquotas_decimais(itens: &[AliquotaAdn]) -> Result<Vec<rust_decimal::Decimal>, ErroNfse> {
    itens
        .iter()
        .filter_map(|a| a.aliquota.as_ref())
        .map(|n| {
            n.to_string()
                .parse::<rust_decimal::Decimal>()
                .map_err(|e| ErroNfse::Resposta(format!("Aliq {n}: {e}")))
        })
        .collect()
}

fn ler_json<T: serde::de::DeserializeOwned>(corpo: &str) -> Result<T, ErroNfse> {
    guiche_http::json::ler(corpo).map_err(|e| ErroNfse::Resposta(e.to_string()))
}

fn chave(texto: &str) -> Result<ChaveAcesso, ErroNfse> {
    ChaveAcesso::parse(texto).map_err(|e| ErroNfse::Resposta(format!("chaveAcesso {texto:?}: {e}")))
}

fn nfse_de(chave_acesso: &str, b64: &str, id_dps: Option<String>) -> Result<Nfse, ErroNfse> {
    let chave = chave(chave_acesso)?;
    let xml =
        wire::descompactar(b64).map_err(|e| ErroNfse::Resposta(format!("nfseXmlGZipB64: {e}")))?;
    Ok(Nfse {
        chave,
        xml,
        id_dps,
        alertas: Vec::new(),
    })
}

/// The text of the first `<nome>` element (no prefix, no attributes), trimmed; `None` when absent
/// or empty.
fn texto_de(xml: &str, nome: &str) -> Option<String> {
    let abre = format!("<{nome}>");
    let fecha = format!("</{nome}>");
    let depois = xml.split_once(abre.as_str())?.1;
    let texto = depois.split_once(fecha.as_str())?.0.trim();
    (!texto.is_empty()).then(|| texto.to_owned())
}

/// `infDPS/@Id` of a DPS document, when it has a valid one.
pub fn id_do_documento(xml: &str) -> Option<IdDps> {
    let depois = xml.split_once("<infDPS")?.1;
    let atributos = depois.split_once('>')?.0;
    let valor = atributos.split_once("Id=\"")?.1.split_once('"')?.0;
    IdDps::parse(valor).ok()
}

/// Settles by the DPS Id without sending: `HEAD /dps/{id}`, then the key by `GET /dps/{id}`.
#[async_trait::async_trait]
impl ConsultaEmissao for ClienteNfse {
    async fn emitido(&self, documento: &str) -> Result<Option<String>, ErroEnvio> {
        let Some(id) = id_do_documento(documento) else {
            return Err(ErroEnvio::Desconhecido(
                "o documento do livro não é uma DPS com infDPS/@Id válido".into(),
            ));
        };
        let porta = |e: ErroNfse| {
            e.para_porta()
                .unwrap_or_else(|| ErroEnvio::Desconhecido(e.to_string()))
        };
        if !self.dps_existe(&id).await.map_err(porta)? {
            return Ok(None);
        }
        match self.chave_da_dps(&id).await.map_err(porta)? {
            Some(chave) => Ok(Some(chave.to_string())),
            None => Err(ErroEnvio::Desconhecido(format!(
                "HEAD /dps/{id} diz que existe, GET /dps/{id} não encontrou"
            ))),
        }
    }
}

/// The issuing port: `envio.documento` is the signed DPS recorded in the ledger (the caller
/// builds it with `guiche_certificados::nfse::assinar_dps`; `prefeitura` and `url_impressao`
/// are NFD's and unused here). Issued → `Aceita` with the access key; "already issued" →
/// `Aceita` with the first key when `GET /dps/{id}` finds it, else `JaEmitida`; a refusal →
/// `Recusada` with every message; an unknown outcome (or a reply that cannot be read) is
/// settled at once by the DPS Id ([`ClienteNfse::conciliar`]): found → `Aceita`, else the
/// unknown outcome stands (sending the same DPS again is safe).
#[async_trait::async_trait]
impl EmissorNotas for ClienteNfse {
    async fn enviar(&self, envio: &Envio) -> Result<Resposta, ErroEnvio> {
        let Some(id) = id_do_documento(&envio.documento) else {
            return Ok(Resposta::Recusada {
                mensagem: "o documento não é uma DPS com infDPS/@Id válido".into(),
            });
        };
        match self.emitir(&envio.documento).await {
            Ok(Emissao::Emitida(n)) => Ok(Resposta::Aceita {
                codigo: n.chave.to_string(),
            }),
            Ok(Emissao::JaEmitida { chave, mensagens }) => Ok(match chave {
                Some(c) => Resposta::Aceita {
                    codigo: c.to_string(),
                },
                None => Resposta::JaEmitida {
                    mensagem: juntar(&mensagens),
                },
            }),
            Err(ErroNfse::Recusada {
                mensagens, status, ..
            }) => Ok(Resposta::Recusada {
                mensagem: format!("HTTP {status}: {}", juntar(&mensagens)),
            }),
            Err(e @ (ErroNfse::Desconhecido(_) | ErroNfse::Resposta(_))) => {
                match self.conciliar(&id).await {
                    Ok(Some(n)) => Ok(Resposta::Aceita {
                        codigo: n.chave.to_string(),
                    }),
                    _ => Err(ErroEnvio::Desconhecido(e.to_string())),
                }
            }
            Err(e) => Err(e
                .para_porta()
                .unwrap_or_else(|| ErroEnvio::Desconhecido(e.to_string()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cancellation_time_is_read_from_the_event() {
        let xml = "<evento><infEvento><dhProc> 2026-03-02T10:00:00-03:00 </dhProc><pedRegEvento><dhEvento>x</dhEvento></pedRegEvento></infEvento></evento>";
        assert_eq!(
            texto_de(xml, "dhProc").as_deref(),
            Some("2026-03-02T10:00:00-03:00")
        );
        assert_eq!(texto_de(xml, "dhEvento").as_deref(), Some("x"));
        assert_eq!(texto_de("<dhProc></dhProc>", "dhProc"), None);
        assert_eq!(texto_de("<dhProc>aberto", "dhProc"), None);
    }

    #[test]
    fn only_a_4xx_listing_errors_is_a_refusal() {
        let corpo = r#"{"erros":[{"Codigo":"E0004","Descricao":"Id"}]}"#;
        assert!(matches!(
            ClienteNfse::erro("/nfse", 400, corpo),
            ErroNfse::Recusada { status: 400, .. }
        ));
        // A 5xx is never a refusal, whatever it lists: the DPS may have gone in.
        assert!(matches!(
            ClienteNfse::erro("/nfse", 503, corpo),
            ErroNfse::Desconhecido(_)
        ));
        // A 4xx naming no error (a proxy's page, an empty body) cannot be read as one either.
        for vazio in ["", "<html>Forbidden</html>", "{}", r#"{"erros":[]}"#] {
            let e = ClienteNfse::erro("/nfse", 403, vazio);
            assert!(matches!(e, ErroNfse::Resposta(_)), "{vazio:?}: {e:?}");
            assert!(matches!(e.para_porta(), Some(ErroEnvio::Desconhecido(_))));
        }
        assert!(matches!(
            ClienteNfse::erro("/x", 501, ""),
            ErroNfse::Movido { .. }
        ));
    }
}
