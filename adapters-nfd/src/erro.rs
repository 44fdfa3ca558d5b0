//! What goes wrong in the NFD adapter: the client that cannot be built, the wire that cannot be
//! read, and the transport failures as the port [`EmissorNotas`](guiche_ports::emissor::EmissorNotas)
//! sees them (not sent, or an unknown outcome).

use guiche_http::{Desfecho, Falha, Motivo, classificar};
use guiche_ports::emissor::ErroEnvio;

/// The client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("configuração do cliente NFD: {0}")]
pub struct ErroConfigCliente(pub(crate) String);

/// What cannot be read on the wire.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroSoap {
    /// Not well-formed XML.
    #[error("XML malformado: {0}")]
    Xml(String),
    /// Well-formed, but not the expected SOAP shape.
    #[error("mensagem SOAP inesperada: {0}")]
    Forma(String),
    /// A SOAP Fault.
    #[error("SOAP Fault {codigo}: {mensagem}")]
    Fault {
        /// `faultcode`.
        codigo: String,
        /// `faultstring`.
        mensagem: String,
    },
    /// The result string is neither `1-…` nor `0-…`.
    #[error("retorno fora do protocolo (esperava \"1-…\" ou \"0-…\"): {0:?}")]
    Retorno(String),
}

/// A request that failed to connect never left; anything else may have been received.
pub(crate) fn transporte(e: &reqwest::Error) -> ErroEnvio {
    let falha = classificar(e);
    match falha.desfecho {
        Desfecho::NaoEnviado => ErroEnvio::NaoEnviado(descrever(&falha)),
        Desfecho::Desconhecido => ErroEnvio::Desconhecido(descrever(&falha)),
    }
}

/// What went wrong, in Portuguese, followed by the innermost technical cause.
pub(crate) fn descrever(falha: &Falha) -> String {
    let resumo = match falha.motivo {
        Motivo::Prazo => "o serviço não respondeu dentro do prazo (GUICHE_NFD_TIMEOUT)",
        Motivo::Conexao => "não foi possível conectar ao endereço do serviço (GUICHE_NFD_URL)",
        Motivo::Montagem => "o pedido não pôde ser montado (endereço inválido?)",
        Motivo::Encerrada => "a conexão foi encerrada antes da resposta",
        Motivo::Incompleta => "a resposta do serviço chegou incompleta",
        Motivo::Outro => "falha de comunicação com o serviço",
    };
    format!("{resumo}; detalhe: {}", falha.causa)
}
