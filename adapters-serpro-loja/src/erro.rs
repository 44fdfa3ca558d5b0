//! What goes wrong talking to SERPRO's commercial APIs, and its kind as the port
//! `ConsultaCadastral` sees it.

use guiche_ports::consulta::{ErroConsultaCadastral, TipoErroConsulta};

/// What went wrong talking to SERPRO's commercial APIs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroLoja {
    /// The client could not be built (bad URL, unreadable CA, missing credentials).
    #[error("configuração das APIs do SERPRO: {0}")]
    Configuracao(String),
    /// The token endpoint refused the credentials, or a fresh token was refused again.
    #[error(
        "autenticação recusada pelo SERPRO (HTTP {status}): {motivo}; confira GUICHE_SERPRO_LOJA_CONSUMER_KEY e GUICHE_SERPRO_LOJA_CONSUMER_SECRET"
    )]
    Autenticacao {
        /// HTTP status.
        status: u16,
        /// What the gateway said.
        motivo: String,
    },
    /// HTTP 403: the path is not one the credentials may call (API not contracted, or a trial
    /// path with production credentials).
    #[error("acesso negado pelo SERPRO (HTTP 403) a {caminho}: {motivo}; a API está contratada?")]
    Proibido {
        /// The path called.
        caminho: String,
        /// What the gateway said.
        motivo: String,
    },
    /// The monthly ceiling of billed calls is reached; nothing was sent.
    #[error("{0}")]
    Teto(String),
    /// No record for the number (HTTP 404, billed).
    #[error("{numero} não encontrado no SERPRO: {motivo}")]
    NaoEncontrado {
        /// The number asked for.
        numero: String,
        /// The gateway's text.
        motivo: String,
    },
    /// HTTP 422: the CPF is of a minor, whose data the LGPD keeps from the API (billed).
    #[error("{numero}: dados de menor de idade não são fornecidos (LGPD, HTTP 422): {motivo}")]
    DadosDeMenor {
        /// The number asked for.
        numero: String,
        /// The gateway's text.
        motivo: String,
    },
    /// The service refused the query (HTTP 400 invalid number, 429 too many requests, …).
    #[error("consulta recusada pelo SERPRO (HTTP {status}): {mensagem}")]
    Recusado {
        /// HTTP status.
        status: u16,
        /// What the service said.
        mensagem: String,
    },
    /// The service failed (HTTP 500, 502, 504): the query may be repeated later.
    #[error("falha no SERPRO (HTTP {status}): {mensagem}")]
    Servidor {
        /// HTTP status.
        status: u16,
        /// What the service said.
        mensagem: String,
    },
    /// Nothing was sent (connection or TLS refused, billing ledger unavailable).
    #[error("não foi possível consultar o SERPRO: {0}")]
    NaoEnviado(String),
    /// Sent, but no usable answer (timeout, reset, an undocumented status).
    #[error("resultado desconhecido da consulta ao SERPRO: {0}")]
    Desconhecido(String),
    /// An answer that does not follow the protocol (names the field).
    #[error("resposta do SERPRO fora do protocolo: {0}")]
    Protocolo(String),
}

/// The port's kind of an error of this client (the message kept whole).
pub fn erro_consulta(e: &ErroLoja) -> ErroConsultaCadastral {
    let tipo = match e {
        ErroLoja::Configuracao(_) | ErroLoja::Autenticacao { .. } | ErroLoja::Proibido { .. } => {
            TipoErroConsulta::Configuracao
        }
        ErroLoja::Teto(_) => TipoErroConsulta::TetoAtingido,
        ErroLoja::NaoEncontrado { .. } => TipoErroConsulta::NaoEncontrado,
        ErroLoja::DadosDeMenor { .. } => TipoErroConsulta::DadosDeMenor,
        ErroLoja::Recusado { .. } => TipoErroConsulta::Recusado,
        ErroLoja::Servidor { .. }
        | ErroLoja::NaoEnviado(_)
        | ErroLoja::Desconhecido(_)
        | ErroLoja::Protocolo(_) => TipoErroConsulta::Transporte,
    };
    ErroConsultaCadastral {
        tipo,
        mensagem: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_its_kind_for_the_port() {
        let casos = [
            (
                ErroLoja::DadosDeMenor {
                    numero: "1".into(),
                    motivo: "m".into(),
                },
                TipoErroConsulta::DadosDeMenor,
            ),
            (
                ErroLoja::NaoEncontrado {
                    numero: "1".into(),
                    motivo: "m".into(),
                },
                TipoErroConsulta::NaoEncontrado,
            ),
            (ErroLoja::Teto("t".into()), TipoErroConsulta::TetoAtingido),
            (
                ErroLoja::Recusado {
                    status: 429,
                    mensagem: "r".into(),
                },
                TipoErroConsulta::Recusado,
            ),
            (
                ErroLoja::Servidor {
                    status: 504,
                    mensagem: "s".into(),
                },
                TipoErroConsulta::Transporte,
            ),
            (
                ErroLoja::Proibido {
                    caminho: "/x".into(),
                    motivo: "p".into(),
                },
                TipoErroConsulta::Configuracao,
            ),
        ];
        for (e, tipo) in casos {
            let p = erro_consulta(&e);
            assert_eq!(p.tipo, tipo, "{e:?}");
            assert_eq!(p.mensagem, e.to_string());
        }
    }
}
