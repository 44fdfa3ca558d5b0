//! The SOAP client of the NFD service: an [`EmissorNotas`].

use crate::Senha;
use crate::erro::{ErroConfigCliente, ErroSoap, descrever, transporte};
use crate::provedor::Provedor;
use crate::wire::{self, Operacao, ParametrosPedido, Retorno};
use async_trait::async_trait;
use guiche_domain::nfd::Nota;
use guiche_http::{ConfigHttp, FalhaCorpo, Redirecionamento, classificar, redirecionamento};
use guiche_ports::emissor::{DocumentoNfd, EmissorNotas, Envio, ErroEnvio, Resposta};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue};
use std::time::Duration;

/// How to reach the service.
#[derive(Clone, Debug)]
pub struct ConfigCliente {
    /// The provider: namespace, text conventions and default endpoint.
    pub provedor: Provedor,
    /// Overrides the provider's endpoint (`GUICHE_NFD_URL`: homologation, simulator).
    pub endpoint: Option<String>,
    /// The provider's `senhaNFD` (`GUICHE_NFD_SENHA`).
    pub senha: Senha,
    /// How long to wait for a whole reply once connected.
    pub timeout: Duration,
    /// Accept a plain `http://` endpoint on a host other than this machine
    /// (`GUICHE_NFD_HTTP_INSEGURO=1`): the `senhaNFD` and the notas then cross the network in
    /// clear text. Loopback (simulators, sandbox) needs no opt-in.
    pub http_inseguro: bool,
}

/// Sends notas to an NFD service over SOAP 1.1.
///
/// What is the same for every nota is prepared once, when the client is built: the endpoint's
/// URL is parsed and the `SOAPAction` values of both operations are checked as header values,
/// so sending a nota only writes its envelope.
#[derive(Debug)]
pub struct ClienteNfd {
    http: reqwest::Client,
    endpoint: String,
    url: reqwest::Url,
    acao_enviar_nota: HeaderValue,
    acao_retorna_url: HeaderValue,
    provedor: Provedor,
    senha: Senha,
}

/// The `SOAPAction` request header.
const SOAP_ACTION: HeaderName = HeaderName::from_static("soapaction");
/// The request's `Content-Type` (SOAP 1.1).
const TIPO_XML: HeaderValue = HeaderValue::from_static("text/xml; charset=utf-8");
/// The request's `Accept`.
const ACEITA_XML: HeaderValue = HeaderValue::from_static("text/xml");

/// The most bytes of a reply read: the service answers one short string in a SOAP envelope
/// (a code, an error message or a print URL), so 1 MiB is far more than any real answer and a
/// bigger one is not the service's.
pub const MAX_RESPOSTA: usize = 1024 * 1024;

impl ClienteNfd {
    /// Builds a client (one connection pool, reused for every nota).
    ///
    /// Redirects are never followed: the `senhaNFD` goes only to the endpoint configured.
    ///
    /// # Errors
    /// [`ErroConfigCliente`] when the endpoint is not an http(s) URL, is plain `http://` on a
    /// host other than this machine without [`ConfigCliente::http_inseguro`], or the HTTP stack
    /// cannot start.
    pub fn new(config: ConfigCliente) -> Result<ClienteNfd, ErroConfigCliente> {
        let endpoint = config
            .endpoint
            .unwrap_or_else(|| config.provedor.endpoint.clone());
        let url = reqwest::Url::parse(&endpoint)
            .map_err(|e| ErroConfigCliente(format!("endpoint \"{endpoint}\" inválido: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ErroConfigCliente(format!(
                "endpoint \"{endpoint}\" deve ser http ou https"
            )));
        }
        if texto_claro(&url) && !config.http_inseguro {
            return Err(ErroConfigCliente(format!(
                "o endpoint \"{endpoint}\" é http sem criptografia: a senhaNFD e as notas \
                 passariam pela rede em texto claro; use um endereço https (GUICHE_NFD_URL) ou, \
                 se o provedor só oferece http, aceite o risco com GUICHE_NFD_HTTP_INSEGURO=1"
            )));
        }
        let acao = |operacao: Operacao| {
            let valor = operacao.soap_action(&config.provedor.namespace);
            HeaderValue::from_str(&valor).map_err(|_| {
                ErroConfigCliente(format!(
                    "o namespace {:?} do provedor {} não forma um cabeçalho SOAPAction válido",
                    config.provedor.namespace, config.provedor.nome
                ))
            })
        };
        let acao_enviar_nota = acao(Operacao::EnviarNota)?;
        let acao_retorna_url = acao(Operacao::EnviarNotaRetornaurlNota)?;
        let http = guiche_http::construir(&ConfigHttp::new(config.timeout))
            .map_err(|e| ErroConfigCliente(e.to_string()))?;
        Ok(ClienteNfd {
            http,
            endpoint,
            url,
            acao_enviar_nota,
            acao_retorna_url,
            provedor: config.provedor,
            senha: config.senha,
        })
    }

    /// The endpoint in use.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The warning to show when the endpoint is plain `http://` on another machine (accepted
    /// with [`ConfigCliente::http_inseguro`]); `None` for https and loopback.
    pub fn aviso_texto_claro(&self) -> Option<String> {
        let url = reqwest::Url::parse(&self.endpoint).ok()?;
        texto_claro(&url).then(|| {
            format!(
                "o serviço NFD em {} é http sem criptografia (GUICHE_NFD_HTTP_INSEGURO): a \
                 senhaNFD e as notas passam pela rede em texto claro",
                self.endpoint
            )
        })
    }

    async fn postar(&self, operacao: Operacao, corpo: String) -> Result<(u16, String), ErroEnvio> {
        let acao = match operacao {
            Operacao::EnviarNota => &self.acao_enviar_nota,
            Operacao::EnviarNotaRetornaurlNota => &self.acao_retorna_url,
        };
        let resposta = self
            .http
            .post(self.url.clone())
            .header(CONTENT_TYPE, TIPO_XML)
            .header(ACCEPT, ACEITA_XML)
            .header(SOAP_ACTION, acao.clone())
            .body(corpo)
            .send()
            .await
            .map_err(|e| transporte(&e))?;
        let status = resposta.status().as_u16();
        if let Some(Redirecionamento { destino, .. }) = redirecionamento(&resposta, false) {
            return Err(ErroEnvio::Desconhecido(format!(
                "o serviço respondeu HTTP {status} redirecionando para {destino}; o guichê não \
                 segue redirecionamentos (a senhaNFD iria a outro endereço) e a nota pode ter \
                 sido processada; confira o endereço do serviço (GUICHE_NFD_URL)"
            )));
        }
        Ok((status, ler_corpo(resposta).await?))
    }
}

/// Plain `http://` to a host other than this machine.
fn texto_claro(url: &reqwest::Url) -> bool {
    url.scheme() == "http" && !url.host_str().is_some_and(loopback)
}

/// This machine: `localhost` (and its subdomains), `127.0.0.0/8`, `::1`.
fn loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            let host = host.to_ascii_lowercase();
            host == "localhost" || host.ends_with(".localhost")
        }
    }
}

/// The reply's body, at most [`MAX_RESPOSTA`] bytes (UTF-8, invalid bytes replaced).
async fn ler_corpo(resposta: reqwest::Response) -> Result<String, ErroEnvio> {
    guiche_http::ler_corpo(resposta, MAX_RESPOSTA)
        .await
        .map_err(|f| match f {
            FalhaCorpo::Http(e) => ErroEnvio::Desconhecido(descrever(&classificar(&e))),
            FalhaCorpo::Grande { limite } => ErroEnvio::Desconhecido(format!(
                "a resposta do serviço passa de {} KiB e não foi lida (não é uma resposta do \
                 serviço NFD); a nota pode ter sido processada",
                limite / 1024
            )),
        })
}

/// Turns an HTTP reply into the service's answer, or an unknown outcome.
fn interpretar(status: u16, corpo: &str, operacao: Operacao) -> Result<Resposta, ErroEnvio> {
    let resultado = match wire::ler_resposta(corpo, operacao) {
        Ok(r) if status == 200 => r,
        Ok(_) => {
            return Err(ErroEnvio::Desconhecido(format!(
                "HTTP {status} com resposta SOAP"
            )));
        }
        Err(ErroSoap::Fault { codigo, mensagem }) => {
            return Err(ErroEnvio::Desconhecido(format!(
                "HTTP {status}, SOAP Fault {codigo}: {mensagem}"
            )));
        }
        Err(e) if (400..500).contains(&status) && status != 408 => {
            return Err(ErroEnvio::NaoEnviado(format!("HTTP {status}: {e}")));
        }
        Err(e) => return Err(ErroEnvio::Desconhecido(format!("HTTP {status}: {e}"))),
    };
    match Retorno::ler(&resultado).map_err(|e| ErroEnvio::Desconhecido(e.to_string()))? {
        Retorno::Sucesso(codigo) => Ok(Resposta::Aceita { codigo }),
        r @ Retorno::Erro(_) if r.ja_consta() => Ok(Resposta::JaEmitida {
            mensagem: r.escrever()[2..].to_owned(),
        }),
        Retorno::Erro(mensagem) => Ok(Resposta::Recusada { mensagem }),
    }
}

impl DocumentoNfd for ClienteNfd {
    fn documento(&self, _prefeitura: &str, nota: &Nota) -> String {
        self.provedor.documento(nota)
    }
}

#[async_trait]
impl EmissorNotas for ClienteNfd {
    async fn enviar(&self, envio: &Envio) -> Result<Resposta, ErroEnvio> {
        let operacao = if envio.url_impressao {
            Operacao::EnviarNotaRetornaurlNota
        } else {
            Operacao::EnviarNota
        };
        let pedido = ParametrosPedido {
            operacao,
            namespace: &self.provedor.namespace,
            cod_prefeitura: &envio.prefeitura,
            nota_fiscal: &envio.documento,
            cnpj_prestador: envio.prestador.as_str(),
            senha: &self.senha,
        };
        let (status, corpo) = self.postar(operacao, pedido.escrever()).await?;
        interpretar(status, &corpo, operacao)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = include_str!("../tests/vetores/resposta-enviar-nota.xml");
    const DUP: &str = include_str!("../tests/vetores/resposta-duplicada.xml");

    #[test]
    fn replies_become_answers() {
        assert_eq!(
            interpretar(200, OK, Operacao::EnviarNota),
            Ok(Resposta::Aceita {
                codigo: "MOPD33J.POA234J.OI5WR465.098KJDDW".into()
            })
        );
        assert_eq!(
            interpretar(200, DUP, Operacao::EnviarNota),
            Ok(Resposta::JaEmitida {
                mensagem: wire::JA_CONSTA.into()
            })
        );
        let recusa = wire::escrever_resposta(
            Operacao::EnviarNota,
            "http://brgov.com.br/",
            "0-Senha inválida - tente",
        );
        assert_eq!(
            interpretar(200, &recusa, Operacao::EnviarNota),
            Ok(Resposta::Recusada {
                mensagem: "Senha inválida - tente".into()
            })
        );
    }

    fn config(endpoint: Option<&str>, http_inseguro: bool) -> ConfigCliente {
        ConfigCliente {
            provedor: Provedor::da_prefeitura("3150").cloned().unwrap(),
            endpoint: endpoint.map(str::to_owned),
            senha: Senha::new("x"),
            timeout: Duration::from_secs(1),
            http_inseguro,
        }
    }

    #[test]
    fn cleartext_to_another_machine_needs_the_opt_in_and_is_warned_about() {
        // The provider's production endpoint is plain http (the only one any source shows).
        let e = ClienteNfd::new(config(None, false))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("http://www.brgov.com.br") && e.contains("GUICHE_NFD_HTTP_INSEGURO=1"),
            "{e}"
        );
        assert!(ClienteNfd::new(config(Some("http://10.0.0.5/ServicoNfd.asmx"), false)).is_err());
        let aceito = ClienteNfd::new(config(None, true)).unwrap();
        let aviso = aceito.aviso_texto_claro().unwrap();
        assert!(
            aviso.contains("texto claro") && aviso.contains("brgov"),
            "{aviso}"
        );
        for seguro in [
            "https://www.brgov.com.br/wsnfd/ServicoNfd.asmx",
            "http://127.0.0.1:8080/ServicoNfd.asmx",
            "http://127.8.9.10/ServicoNfd.asmx",
            "http://localhost:8080/ServicoNfd.asmx",
            "http://LOCALHOST/x",
            "http://sandbox.localhost/x",
            "http://[::1]:8080/ServicoNfd.asmx",
        ] {
            let c = ClienteNfd::new(config(Some(seguro), false)).unwrap();
            assert_eq!(c.aviso_texto_claro(), None, "{seguro}");
        }
        assert!(ClienteNfd::new(config(Some("http://localhost.example.com/x"), false)).is_err());
    }

    #[test]
    fn a_namespace_that_cannot_be_a_soapaction_is_refused_when_building() {
        let mut c = config(Some("http://127.0.0.1:8080/ServicoNfd.asmx"), false);
        c.provedor.namespace = "http://brgov.com.br/\r\nX-Injetado: 1/".into();
        let e = ClienteNfd::new(c).unwrap_err().to_string();
        assert!(e.contains("SOAPAction") && e.contains("namespace"), "{e}");
    }

    #[test]
    fn anything_else_after_sending_is_an_unknown_outcome() {
        let fault = wire::escrever_fault("soap:Server", "boom");
        assert!(matches!(
            interpretar(500, &fault, Operacao::EnviarNota),
            Err(ErroEnvio::Desconhecido(_))
        ));
        assert!(matches!(
            interpretar(503, "", Operacao::EnviarNota),
            Err(ErroEnvio::Desconhecido(_))
        ));
        assert!(matches!(
            interpretar(200, "<html/>", Operacao::EnviarNota),
            Err(ErroEnvio::Desconhecido(_))
        ));
        let fora = wire::escrever_resposta(Operacao::EnviarNota, "http://brgov.com.br/", "OK");
        assert!(matches!(
            interpretar(200, &fora, Operacao::EnviarNota),
            Err(ErroEnvio::Desconhecido(_))
        ));
        assert!(matches!(
            interpretar(404, "Not Found", Operacao::EnviarNota),
            Err(ErroEnvio::NaoEnviado(_))
        ));
    }
}
