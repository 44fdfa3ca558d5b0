//! What goes wrong talking to Conecta gov.br, and its kind as the port `ConectaGovBr` sees it.

use guiche_ports::conecta::ErroConsulta;

/// What went wrong talking to Conecta gov.br.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroConecta {
    /// The client could not be built (bad or non-https URL, unreadable CA, quota without meter).
    #[error("configuração do Conecta gov.br: {0}")]
    Configuracao(String),
    /// The query itself is invalid (no CPF, more than [`crate::MAXIMO_CPFS`]); nothing was sent.
    #[error("consulta inválida: {0}")]
    Entrada(String),
    /// The token endpoint refused the credentials, or a fresh token was refused again.
    #[error("autenticação recusada pelo Conecta gov.br (HTTP {status}): {motivo}")]
    Autenticacao {
        /// HTTP status.
        status: u16,
        /// What the service said.
        motivo: String,
    },
    /// The quota of test calls is used up; nothing was sent.
    #[error("cota de chamadas do Conecta gov.br esgotada ({0}); nada foi chamado")]
    QuotaEsgotada(String),
    /// No record for the CPF(s) or CNPJ (HTTP 404).
    #[error("não encontrado no Conecta gov.br: {0}")]
    NaoEncontrado(String),
    /// The service refused the query.
    #[error("consulta recusada pelo Conecta gov.br (HTTP {status}): {mensagem}")]
    Recusado {
        /// HTTP status.
        status: u16,
        /// What the service said.
        mensagem: String,
    },
    /// Nothing was sent (connection or TLS refused, billing ledger unavailable).
    #[error("não foi possível consultar o Conecta gov.br: {0}")]
    NaoEnviado(String),
    /// Sent, but no usable answer (timeout, server error).
    #[error("resultado desconhecido: {0}")]
    Desconhecido(String),
    /// An answer that does not follow the protocol (names the JSON path).
    #[error("resposta fora do protocolo: {0}")]
    Protocolo(String),
}

/// The port's kind of a Conecta client error (the message kept whole).
pub fn erro_conecta(e: &ErroConecta) -> ErroConsulta {
    let m = e.to_string();
    match e {
        ErroConecta::Configuracao(_) | ErroConecta::Autenticacao { .. } => {
            ErroConsulta::Configuracao(m)
        }
        ErroConecta::Entrada(_) => ErroConsulta::Entrada(m),
        ErroConecta::QuotaEsgotada(_) => ErroConsulta::Quota(m),
        ErroConecta::NaoEncontrado(_) => ErroConsulta::NaoEncontrado(m),
        ErroConecta::Recusado { .. } => ErroConsulta::Recusado(m),
        ErroConecta::NaoEnviado(_) | ErroConecta::Desconhecido(_) | ErroConecta::Protocolo(_) => {
            ErroConsulta::Transporte(m)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conecta_errors_map_to_the_ports_kinds() {
        let casos = [
            (
                ErroConecta::Autenticacao {
                    status: 401,
                    motivo: "m".into(),
                },
                "Configuracao",
            ),
            (ErroConecta::Entrada("e".into()), "Entrada"),
            (ErroConecta::QuotaEsgotada("q".into()), "Quota"),
            (ErroConecta::NaoEncontrado("n".into()), "NaoEncontrado"),
            (
                ErroConecta::Recusado {
                    status: 400,
                    mensagem: "r".into(),
                },
                "Recusado",
            ),
            (ErroConecta::Protocolo("p".into()), "Transporte"),
        ];
        for (e, tipo) in casos {
            let p = erro_conecta(&e);
            assert!(format!("{p:?}").starts_with(tipo), "{e:?} → {p:?}");
            assert_eq!(p.to_string(), e.to_string());
        }
    }
}
