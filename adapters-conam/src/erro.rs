//! What goes wrong in the CONAM adapter: the client that cannot be built, and the transport
//! failures as the port [`IntegracaoContabil`](guiche_ports::contabil::IntegracaoContabil) sees
//! them (not sent, or an unknown outcome). The service's own answers (rejection, invalid
//! parameters, access denied) are read in `cliente` from the wire.

use guiche_http::{Desfecho, Motivo, classificar};
use guiche_ports::contabil::ErroContabil;

/// The client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("configuração do cliente CONAM: {0}")]
pub struct ErroConfigCliente(pub(crate) String);

/// A transport error: not sent (connection refused) or an unknown outcome.
pub(crate) fn transporte(e: &reqwest::Error) -> ErroContabil {
    let falha = classificar(e);
    let causa = &falha.causa;
    if falha.desfecho == Desfecho::NaoEnviado {
        ErroContabil::NaoEnviado(format!(
            "não foi possível conectar ao serviço; detalhe: {causa}"
        ))
    } else if falha.motivo == Motivo::Prazo {
        ErroContabil::Desconhecido(format!(
            "o serviço não respondeu dentro do prazo; detalhe: {causa}"
        ))
    } else {
        ErroContabil::Desconhecido(format!(
            "falha de comunicação com o serviço; detalhe: {causa}"
        ))
    }
}
