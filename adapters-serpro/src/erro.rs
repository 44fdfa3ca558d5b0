//! What goes wrong talking to Integra Contador ([`ErroIntegra`]) and reading its typed
//! services ([`ErroServico`]), and their kinds as the port `IntegraContador` sees them
//! ([`erro_integra`], [`erro_servico`]).

use crate::wire::Fault;
use guiche_ports::receita::ErroReceita;
use std::time::Duration;

/// What went wrong talking to Integra Contador.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroIntegra {
    /// The client could not be built (bad URL, unreadable certificate or CA).
    #[error("configuração do Integra Contador: {0}")]
    Configuracao(String),
    /// The token endpoint refused the consumer credentials, the certificate or the request.
    #[error("autenticação recusada pelo SERPRO (HTTP {status}): {motivo}")]
    Autenticacao {
        /// HTTP status.
        status: u16,
        /// What the service said.
        motivo: String,
    },
    /// The TLS handshake or connection failed before anything was sent (for mTLS, often a
    /// certificate the server does not accept).
    #[error("não foi possível conectar ao SERPRO: {0}")]
    NaoEnviado(String),
    /// Sent, but no usable answer.
    #[error("resultado desconhecido: {0}")]
    Desconhecido(String),
    /// An answer that does not follow the documentation (names the JSON path).
    #[error("resposta fora do protocolo: {0}")]
    Protocolo(String),
    /// The envelope breaks a rule, found before calling.
    #[error("pedido inválido: {0}")]
    Invalido(String),
    /// The monthly ceiling of billed calls is reached: nothing was called.
    #[error("{0}")]
    Teto(String),
    /// A WSO2 gateway fault (`{"fault": …}`).
    #[error("falha do gateway SERPRO {}: {} ({})", .0.codigo, .0.mensagem, .0.descricao)]
    Fault(Fault),
    /// 403: the author has no power of attorney in e-CAC for this contribuinte.
    #[error("sem procuração no e-CAC{}: {mensagem}", .procuracao.map(|c| format!(" (código de procuração {c})")).unwrap_or_default())]
    SemProcuracao {
        /// The e-CAC procuração code the service needs, when the catalogue names one.
        procuracao: Option<&'static str>,
        /// The service's message.
        mensagem: String,
    },
    /// 403 for another reason (contratante not the certificate's, service on the wrong path…).
    #[error("acesso negado pelo SERPRO: {0}")]
    AcessoNegado(String),
    /// 429 after the retries.
    #[error("limite de requisições do SERPRO atingido: {0}")]
    LimiteRequisicoes(String),
    /// 400/404 and other refusals, with the service's messages.
    #[error("recusado pelo SERPRO (HTTP {status}): {mensagens}")]
    Recusado {
        /// HTTP status.
        status: u16,
        /// The messages in one line.
        mensagens: String,
    },
    /// 5xx after the retries allowed for the type.
    #[error("erro do SERPRO (HTTP {status}): {mensagens}")]
    ErroServidor {
        /// HTTP status.
        status: u16,
        /// The messages in one line.
        mensagens: String,
    },
}

/// What went wrong in a typed service.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroServico {
    /// The call itself failed (authentication, refusal, gateway…).
    #[error(transparent)]
    Integra(#[from] ErroIntegra),
    /// The answer lacks a field or carries a malformed one (names the JSON path).
    #[error("resposta do serviço fora do esperado: {0}")]
    Resposta(String),
    /// The SITFIS report was not ready within the wait allowed.
    #[error("relatório de situação fiscal não ficou pronto dentro de {0:?}")]
    Espera(Duration),
    /// PAGTOWEB's pages do not add up (a page repeats the previous one, they pass the count,
    /// or there are more than the fixed maximum): the paging was stopped, so no more billed
    /// calls are made.
    #[error("paginação do PAGTOWEB interrompida: {0}")]
    Paginacao(String),
}

/// The port's kind of a client error (the message kept whole).
pub fn erro_integra(e: &ErroIntegra) -> ErroReceita {
    let m = e.to_string();
    match e {
        ErroIntegra::Configuracao(_) => ErroReceita::Configuracao(m),
        ErroIntegra::Autenticacao { .. } => ErroReceita::Autenticacao(m),
        ErroIntegra::NaoEnviado(_) => ErroReceita::NaoEnviado(m),
        ErroIntegra::Desconhecido(_)
        | ErroIntegra::Protocolo(_)
        | ErroIntegra::ErroServidor { .. } => ErroReceita::Desconhecido(m),
        ErroIntegra::Teto(_) | ErroIntegra::LimiteRequisicoes(_) => ErroReceita::Limite(m),
        _ => ErroReceita::Recusado(m),
    }
}

/// The port's kind of a typed service's error: an answer that does not add up is an unknown
/// outcome.
pub fn erro_servico(e: ErroServico) -> ErroReceita {
    match &e {
        ErroServico::Integra(i) => erro_integra(i),
        _ => ErroReceita::Desconhecido(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_map_to_the_kinds_the_cli_exit_codes_need() {
        let casos = [
            (ErroIntegra::Configuracao("c".into()), "Configuracao"),
            (
                ErroIntegra::Autenticacao {
                    status: 401,
                    motivo: "m".into(),
                },
                "Autenticacao",
            ),
            (ErroIntegra::NaoEnviado("n".into()), "NaoEnviado"),
            (ErroIntegra::Desconhecido("d".into()), "Desconhecido"),
            (ErroIntegra::Protocolo("p".into()), "Desconhecido"),
            (
                ErroIntegra::ErroServidor {
                    status: 503,
                    mensagens: "x".into(),
                },
                "Desconhecido",
            ),
            (ErroIntegra::Teto("t".into()), "Limite"),
            (ErroIntegra::LimiteRequisicoes("l".into()), "Limite"),
            (ErroIntegra::Invalido("i".into()), "Recusado"),
            (ErroIntegra::AcessoNegado("a".into()), "Recusado"),
            (
                ErroIntegra::SemProcuracao {
                    procuracao: Some("00045"),
                    mensagem: "m".into(),
                },
                "Recusado",
            ),
            (
                ErroIntegra::Recusado {
                    status: 400,
                    mensagens: "r".into(),
                },
                "Recusado",
            ),
        ];
        for (e, tipo) in casos {
            let p = erro_integra(&e);
            assert!(format!("{p:?}").starts_with(tipo), "{e:?} → {p:?}");
            assert_eq!(p.to_string(), e.to_string(), "the message is kept whole");
        }
    }

    #[test]
    fn an_answer_that_does_not_add_up_is_an_unknown_outcome() {
        for e in [
            ErroServico::Resposta("dados.pdf: ausente".into()),
            ErroServico::Paginacao("p".into()),
            ErroServico::Espera(Duration::from_secs(1)),
        ] {
            let texto = e.to_string();
            assert_eq!(erro_servico(e), ErroReceita::Desconhecido(texto));
        }
    }
}
