//! Conecta gov.br as the application sees it: CPF and CNPJ queries, metered against the
//! homologation quota by the implementation (`guiche-serpro`).

use async_trait::async_trait;
use guiche_domain::{Cnpj, Cpf};

/// Why a Conecta gov.br query failed. Each variant carries the adapter's full message
/// (Portuguese; never a secret).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroConsulta {
    /// The client cannot work as set up, or the token endpoint refused the credentials.
    #[error("{0}")]
    Configuracao(String),
    /// The query itself is invalid (no CPF, too many); nothing was sent.
    #[error("{0}")]
    Entrada(String),
    /// The quota of test calls is used up; nothing was sent.
    #[error("{0}")]
    Quota(String),
    /// No record for the CPF(s) or CNPJ.
    #[error("{0}")]
    NaoEncontrado(String),
    /// The service refused the query.
    #[error("{0}")]
    Recusado(String),
    /// Nothing was sent, or no usable answer came (connection, timeout, protocol).
    #[error("{0}")]
    Transporte(String),
}

/// A CPF's registration status (`SituacaoCadastral`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SituacaoCadastral {
    /// The code: 0 Regular, 2 Suspensa, 3 Titular falecido, 4 Pendente de regularização,
    /// 5 Cancelada por multiplicidade, 8 Nula, 9 Cancelada de ofício.
    pub codigo: u8,
    /// The description sent by the service, or the one of the code.
    pub descricao: String,
}

/// One CPF of a CPF Light answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SituacaoCpf {
    /// The CPF.
    pub cpf: Cpf,
    /// The holder's name, when sent.
    pub nome: Option<String>,
    /// The registration status.
    pub situacao: SituacaoCadastral,
    /// The birth date as sent (format unverified), when present.
    pub nascimento: Option<String>,
}

/// A CNPJ's registration status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SituacaoCnpj {
    /// The code as sent (e.g. `2`, active).
    pub codigo: String,
    /// The description or reason, when sent.
    pub descricao: Option<String>,
    /// Since when, as sent.
    pub data: Option<String>,
}

/// The basic record of a CNPJ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DadosCnpj {
    /// The CNPJ.
    pub cnpj: Cnpj,
    /// Razão social (`nomeEmpresarial`).
    pub razao_social: String,
    /// Nome fantasia, when any.
    pub nome_fantasia: Option<String>,
    /// Registration status, when sent.
    pub situacao: Option<SituacaoCnpj>,
    /// Opening date as sent (`dataAbertura`).
    pub abertura: Option<String>,
    /// Municipality name (`endereco.municipio.descricao`).
    pub municipio: Option<String>,
    /// State (`endereco.uf`).
    pub uf: Option<String>,
}

/// Conecta gov.br's registry queries.
#[async_trait]
pub trait ConectaGovBr: Send + Sync {
    /// The registration status of each CPF (CPF Light), in one billed call.
    ///
    /// # Errors
    /// [`ErroConsulta`].
    async fn consultar_cpf(&self, cpfs: &[Cpf]) -> Result<Vec<SituacaoCpf>, ErroConsulta>;

    /// The basic record of a CNPJ, in one billed call.
    ///
    /// # Errors
    /// [`ErroConsulta`].
    async fn consultar_cnpj(&self, cnpj: &Cnpj) -> Result<DadosCnpj, ErroConsulta>;
}
