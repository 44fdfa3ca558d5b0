//! What the user reads, in Portuguese, of a refused redirect, a reply past its cap and a
//! transport failure: the wording the SERPRO-family clients (Integra Contador, Conecta gov.br)
//! share. The adapter names the service and what "not sent" means for it; no setting is named
//! here.

use crate::{Desfecho, Falha, FalhaCorpo, Motivo, Redirecionamento};

/// The clients are built with redirects off: a redirect (any 3xx but `304 Not Modified`, which
/// the services use for a cached answer) comes back as the answer. Its description (status and
/// `Location`) when `r` is one.
pub fn redirecionamento(r: &reqwest::Response) -> Option<String> {
    let Redirecionamento { status, destino } = crate::redirecionamento(r, true)?;
    Some(format!(
        "HTTP {status} redirecionando para {destino}; o guichê não segue redirecionamentos (as \
         credenciais e o pedido iriam a outro endereço): confira o endereço configurado"
    ))
}

/// Why a reply's body was not read: the transport failure, or the message for a body past
/// `limite`.
pub fn falha_corpo(f: FalhaCorpo) -> Result<reqwest::Error, String> {
    match f {
        FalhaCorpo::Http(e) => Ok(e),
        FalhaCorpo::Grande { limite } => Err(format!(
            "a resposta passa de {} MiB e não foi lida",
            limite / (1024 * 1024)
        )),
    }
}

/// Why a reply was not read ([`ler_resposta`]).
#[derive(Debug)]
pub enum LeituraRecusada {
    /// A redirect, refused: its description ([`redirecionamento`]).
    Redirecionamento(String),
    /// The connection failed while the body came.
    Transporte(reqwest::Error),
    /// The body passed its cap: the message.
    Grande(String),
}

/// A reply read: its status and body (up to `limite` bytes), or why not — a redirect is
/// refused as not followed, a body past the cap is not read.
///
/// # Errors
/// [`LeituraRecusada`].
pub async fn ler_resposta(
    r: reqwest::Response,
    limite: usize,
) -> Result<(u16, String), LeituraRecusada> {
    if let Some(m) = redirecionamento(&r) {
        return Err(LeituraRecusada::Redirecionamento(m));
    }
    let status = r.status().as_u16();
    let corpo = crate::ler_corpo(r, limite)
        .await
        .map_err(|f| match falha_corpo(f) {
            Ok(e) => LeituraRecusada::Transporte(e),
            Err(m) => LeituraRecusada::Grande(m),
        })?;
    Ok((status, corpo))
}

/// A transport failure in Portuguese (`servico` names who did not answer in time), and
/// whether the request provably never left.
pub fn descrever(e: &reqwest::Error, servico: &str, conexao: &str) -> (bool, String) {
    let Falha {
        desfecho,
        motivo,
        causa,
    } = crate::classificar(e);
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

#[cfg(test)]
mod testes {
    use super::*;

    #[test]
    fn a_reply_past_its_cap_names_the_cap_in_mib() {
        let m = falha_corpo(FalhaCorpo::Grande {
            limite: 32 * 1024 * 1024,
        });
        assert_eq!(
            m.err().as_deref(),
            Some("a resposta passa de 32 MiB e não foi lida")
        );
    }
}
