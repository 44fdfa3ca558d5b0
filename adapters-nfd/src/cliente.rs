//! The SOAP client of the NFD service: an [`EmissorNotas`].

use crate::Senha;
use crate::provedor::Provedor;
use crate::soap::{self, ErroSoap, Operacao, PedidoSoap, Retorno};
use async_trait::async_trait;
use guiche_domain::nfd::Nota;
use guiche_ports::emissor::{EmissorNotas, Envio, ErroEnvio, Resposta};
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
}

/// The client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("configuração do cliente NFD: {0}")]
pub struct ErroConfigCliente(String);

/// Sends notas to an NFD service over SOAP 1.1.
#[derive(Debug)]
pub struct ClienteNfd {
    http: reqwest::Client,
    endpoint: String,
    provedor: Provedor,
    senha: Senha,
}

const CONEXAO: Duration = Duration::from_secs(10);

impl ClienteNfd {
    /// Builds a client (one connection pool, reused for every nota).
    ///
    /// # Errors
    /// [`ErroConfigCliente`] when the endpoint is not an http(s) URL or the HTTP stack cannot
    /// start.
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
        // One TLS stack for the whole program: rustls with the ring provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(CONEXAO)
            .timeout(config.timeout)
            .user_agent(concat!("guiche/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ErroConfigCliente(e.to_string()))?;
        Ok(ClienteNfd {
            http,
            endpoint,
            provedor: config.provedor,
            senha: config.senha,
        })
    }

    /// The endpoint in use.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    async fn postar(&self, operacao: Operacao, corpo: String) -> Result<(u16, String), ErroEnvio> {
        let resposta = self
            .http
            .post(&self.endpoint)
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("Accept", "text/xml")
            .header("SOAPAction", operacao.soap_action(&self.provedor.namespace))
            .body(corpo)
            .send()
            .await
            .map_err(classificar)?;
        let status = resposta.status().as_u16();
        let texto = resposta
            .text()
            .await
            .map_err(|e| ErroEnvio::Desconhecido(descrever(&e)))?;
        Ok((status, texto))
    }
}

/// A request that failed to connect never left; anything else may have been received.
fn classificar(e: reqwest::Error) -> ErroEnvio {
    if e.is_connect() || e.is_builder() {
        ErroEnvio::NaoEnviado(descrever(&e))
    } else {
        ErroEnvio::Desconhecido(descrever(&e))
    }
}

/// What went wrong, in Portuguese, followed by the innermost technical cause.
fn descrever(e: &reqwest::Error) -> String {
    let causa = causa_raiz(e);
    let resumo = if e.is_timeout() {
        "o serviço não respondeu dentro do prazo (GUICHE_NFD_TIMEOUT)"
    } else if e.is_connect() {
        "não foi possível conectar ao endereço do serviço (GUICHE_NFD_URL)"
    } else if e.is_builder() {
        "o pedido não pôde ser montado (endereço inválido?)"
    } else if causa.contains("closed") || causa.contains("reset") || causa.contains("EOF") {
        "a conexão foi encerrada antes da resposta"
    } else if e.is_body() || e.is_decode() {
        "a resposta do serviço chegou incompleta"
    } else {
        "falha de comunicação com o serviço"
    };
    format!("{resumo}; detalhe: {causa}")
}

/// The innermost cause's message.
fn causa_raiz(e: &(dyn std::error::Error + 'static)) -> String {
    let mut atual = e;
    while let Some(proxima) = atual.source() {
        atual = proxima;
    }
    atual.to_string()
}

/// Turns an HTTP reply into the service's answer, or an unknown outcome.
fn interpretar(status: u16, corpo: &str, operacao: Operacao) -> Result<Resposta, ErroEnvio> {
    let resultado = match soap::ler_resposta(corpo, operacao) {
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

#[async_trait]
impl EmissorNotas for ClienteNfd {
    fn documento(&self, _prefeitura: &str, nota: &Nota) -> String {
        self.provedor.documento(nota)
    }

    async fn enviar(&self, envio: &Envio) -> Result<Resposta, ErroEnvio> {
        let operacao = if envio.url_impressao {
            Operacao::EnviarNotaRetornaurlNota
        } else {
            Operacao::EnviarNota
        };
        let pedido = PedidoSoap {
            operacao,
            namespace: self.provedor.namespace.clone(),
            cod_prefeitura: envio.prefeitura.clone(),
            nota_fiscal: envio.documento.clone(),
            cnpj_prestador: envio.prestador.as_str().to_owned(),
            senha: self.senha.clone(),
        };
        let (status, corpo) = self
            .postar(operacao, soap::escrever_pedido(&pedido))
            .await?;
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
                mensagem: soap::JA_CONSTA.into()
            })
        );
        let recusa = soap::escrever_resposta(
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

    #[test]
    fn anything_else_after_sending_is_an_unknown_outcome() {
        let fault = soap::escrever_fault("soap:Server", "boom");
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
        let fora = soap::escrever_resposta(Operacao::EnviarNota, "http://brgov.com.br/", "OK");
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
