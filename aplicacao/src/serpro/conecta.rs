//! [`ServicoConecta`]: Conecta gov.br's CPF and CNPJ queries (metered against the
//! homologation quota by the port).

use crate::serpro::erro::ErroSerpro;
use guiche_domain::{Cnpj, Cpf};
use guiche_ports::conecta::ConectaGovBr;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// Conecta gov.br's queries.
#[derive(Clone)]
pub struct ServicoConecta {
    conecta: Arc<dyn ConectaGovBr>,
}

impl std::fmt::Debug for ServicoConecta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServicoConecta").finish_non_exhaustive()
    }
}

/// A registration status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Situacao {
    /// The code (0 Regular, 2 Suspensa, …).
    pub codigo: u8,
    /// Its description.
    pub descricao: String,
}

/// One CPF's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CpfConsultado {
    /// Digits.
    pub cpf: String,
    /// The holder's name, when sent.
    pub nome: Option<String>,
    /// The registration status.
    pub situacao: Situacao,
    /// The birth date as sent, when present.
    pub nascimento: Option<String>,
}

/// The CPFs asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Cpfs {
    /// One per CPF the service answered.
    pub cpfs: Vec<CpfConsultado>,
}

/// A CNPJ's basic record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CnpjConsultado {
    /// Digits (or letters and digits).
    pub cnpj: String,
    /// Razão social.
    pub razao_social: String,
    /// Nome fantasia, when any.
    pub nome_fantasia: Option<String>,
    /// The status's description (its code when there is none), when sent.
    pub situacao: Option<String>,
    /// Opening date as sent.
    pub abertura: Option<String>,
    /// Municipality name.
    pub municipio: Option<String>,
    /// State.
    pub uf: Option<String>,
}

impl ServicoConecta {
    /// The queries over `conecta`.
    pub fn new(conecta: Arc<dyn ConectaGovBr>) -> ServicoConecta {
        ServicoConecta { conecta }
    }

    /// The registration status of each CPF (one billed call).
    ///
    /// # Errors
    /// [`ErroSerpro::Campo`] for no CPF; [`ErroSerpro::Conecta`].
    pub async fn cpf(&self, cpfs: &[Cpf]) -> Result<Cpfs, ErroSerpro> {
        if cpfs.is_empty() {
            return Err(ErroSerpro::campo("cpf", "", "informe ao menos um CPF"));
        }
        let lista = self.conecta.consultar_cpf(cpfs).await?;
        Ok(Cpfs {
            cpfs: lista
                .into_iter()
                .map(|s| CpfConsultado {
                    cpf: s.cpf.as_str().to_owned(),
                    nome: s.nome,
                    situacao: Situacao {
                        codigo: s.situacao.codigo,
                        descricao: s.situacao.descricao,
                    },
                    nascimento: s.nascimento,
                })
                .collect(),
        })
    }

    /// The basic record of a CNPJ (one billed call).
    ///
    /// # Errors
    /// [`ErroSerpro::Conecta`].
    pub async fn cnpj(&self, cnpj: &Cnpj) -> Result<CnpjConsultado, ErroSerpro> {
        let d = self.conecta.consultar_cnpj(cnpj).await?;
        Ok(CnpjConsultado {
            cnpj: d.cnpj.as_str().to_owned(),
            razao_social: d.razao_social,
            nome_fantasia: d.nome_fantasia,
            situacao: d.situacao.map(|s| s.descricao.unwrap_or(s.codigo)),
            abertura: d.abertura,
            municipio: d.municipio,
            uf: d.uf,
        })
    }
}
