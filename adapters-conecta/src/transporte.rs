//! What the Conecta gov.br client says of its transport, over the HTTP core (`guiche_http`):
//! how a refused redirect, an oversized reply and a transport failure are told to the user.

use guiche_http::{Desfecho, Falha, FalhaCorpo, Motivo, Redirecionamento};

/// The clients are built with redirects off: a redirect (any 3xx but `304 Not Modified`, which
/// the services use for a cached answer) comes back as the answer. Its description (status and
/// `Location`) when `r` is one.
pub(crate) fn redirecionamento(r: &reqwest::Response) -> Option<String> {
    let Redirecionamento { status, destino } = guiche_http::redirecionamento(r, true)?;
    Some(format!(
        "HTTP {status} redirecionando para {destino}; o guichê não segue redirecionamentos (as \
         credenciais e o pedido iriam a outro endereço): confira o endereço configurado"
    ))
}

/// Why a reply's body was not read: the transport failure, or the message for a body past
/// `limite`.
pub(crate) fn falha_corpo(f: FalhaCorpo) -> Result<reqwest::Error, String> {
    match f {
        FalhaCorpo::Http(e) => Ok(e),
        FalhaCorpo::Grande { limite } => Err(format!(
            "a resposta passa de {} MiB e não foi lida",
            limite / (1024 * 1024)
        )),
    }
}

/// A transport failure in Portuguese (`servico` names who did not answer in time), and
/// whether the request provably never left.
pub(crate) fn descrever(e: &reqwest::Error, servico: &str, conexao: &str) -> (bool, String) {
    let Falha {
        desfecho,
        motivo,
        causa,
    } = guiche_http::classificar(e);
    let resumo = match (desfecho, motivo) {
        (Desfecho::NaoEnviado, Motivo::Montagem) => "o pedido não pôde ser montado".to_owned(),
        (Desfecho::NaoEnviado, _) => conexao.to_owned(),
        (Desfecho::Desconhecido, Motivo::Prazo) => {
            format!("{servico} não respondeu dentro do prazo")
        }
        (Desfecho::Desconhecido, _) => "falha de comunicação".to_owned(),
    };
    (
        desfecho == Desfecho::NaoEnviado,
        format!("{resumo}; detalhe: {causa}"),
    )
}
