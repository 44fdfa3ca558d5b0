//! Cadastral lookups in domain terms: a CPF, a CNPJ (basic record, partners, or both) and the
//! joint federal debt certificate (CND) of a document. One port, so that one command can use
//! SERPRO's commercial APIs (private companies, `guiche-loja`) or, later, Conecta gov.br (public
//! bodies) with the same answers.
//!
//! Every call carries an [`Etiqueta`] (`X-Request-Tag`, at most 32 characters), so SERPRO's
//! monthly consumption report can be matched with the ledger.

use async_trait::async_trait;
use guiche_domain::{Cnpj, Cpf, Data, Documento};
use std::fmt;

/// The most characters of an [`Etiqueta`] (SERPRO's limit for `X-Request-Tag`).
pub const MAX_ETIQUETA: usize = 32;

/// A request tag (`X-Request-Tag`): 1 to [`MAX_ETIQUETA`] printable ASCII characters (the company
/// and the job), validated when built so that no call can carry one the gateway would cut.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Etiqueta(String);

/// A tag that cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroEtiqueta {
    /// Empty or blank.
    #[error("etiqueta (X-Request-Tag) vazia")]
    Vazia,
    /// Longer than [`MAX_ETIQUETA`].
    #[error("etiqueta (X-Request-Tag) {texto:?} tem {tamanho} caracteres; o máximo é 32")]
    Longa {
        /// The tag given.
        texto: String,
        /// Its length in characters.
        tamanho: usize,
    },
    /// A character that is not printable ASCII (a header value must be plain text).
    #[error(
        "etiqueta (X-Request-Tag) {texto:?}: caractere {caractere:?} não permitido (use letras, dígitos e sinais ASCII)"
    )]
    Caractere {
        /// The tag given.
        texto: String,
        /// The first character refused.
        caractere: char,
    },
}

impl Etiqueta {
    /// Validates `texto` (surrounding blanks removed).
    ///
    /// # Errors
    /// [`ErroEtiqueta`] naming the rule broken.
    pub fn nova(texto: &str) -> Result<Etiqueta, ErroEtiqueta> {
        let t = texto.trim();
        if t.is_empty() {
            return Err(ErroEtiqueta::Vazia);
        }
        if let Some(c) = t.chars().find(|c| !(c.is_ascii_graphic() || *c == ' ')) {
            return Err(ErroEtiqueta::Caractere {
                texto: t.to_owned(),
                caractere: c,
            });
        }
        let tamanho = t.chars().count();
        if tamanho > MAX_ETIQUETA {
            return Err(ErroEtiqueta::Longa {
                texto: t.to_owned(),
                tamanho,
            });
        }
        Ok(Etiqueta(t.to_owned()))
    }

    /// The tag as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Etiqueta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How much of a CNPJ's record to fetch (SERPRO's `/basica`, `/qsa`, `/empresa`; each priced
/// differently).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NivelCnpj {
    /// The basic record.
    Basica,
    /// The record and its partners without their CPF.
    Qsa,
    /// The record and its partners with their CPF.
    Empresa,
}

impl NivelCnpj {
    /// `basica`, `qsa` or `empresa` (the path segment and the billing name).
    pub fn nome(self) -> &'static str {
        match self {
            NivelCnpj::Basica => "basica",
            NivelCnpj::Qsa => "qsa",
            NivelCnpj::Empresa => "empresa",
        }
    }
}

/// A date as the service gave it: read when it is a real date, else the text kept as sent (the
/// trial answers a 9-digit birth date; refusing the whole record for it would hide the rest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataInformada {
    /// A date that parses.
    Data(Data),
    /// The text sent, which is not a date.
    Texto(String),
}

impl fmt::Display for DataInformada {
    /// `DD/MM/AAAA`, or the text as sent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataInformada::Data(d) => write!(f, "{d}"),
            DataInformada::Texto(t) => f.write_str(t),
        }
    }
}

/// A registration situation: its code as sent and its description (the service's, or the code
/// table's when the service sent none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Situacao {
    /// The code (`0` regular CPF, `2` active CNPJ, …).
    pub codigo: String,
    /// The description, when known.
    pub descricao: Option<String>,
}

/// A CPF's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DadosCpf {
    /// The CPF.
    pub cpf: Cpf,
    /// The holder's name.
    pub nome: String,
    /// The social name, when registered.
    pub nome_social: Option<String>,
    /// The registration situation (`3` titular falecido…).
    pub situacao: Situacao,
    /// The birth date, when sent.
    pub nascimento: Option<DataInformada>,
    /// The registration date, when sent.
    pub inscricao: Option<DataInformada>,
    /// The year of death, when registered.
    pub ano_obito: Option<u16>,
    /// The service answered part of the record (HTTP 206).
    pub parcial: bool,
}

/// A partner or manager of a company (QSA).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Socio {
    /// The name.
    pub nome: String,
    /// The partner's CPF or CNPJ as sent (`/empresa` only; absent on `/qsa`).
    pub documento: Option<String>,
    /// Partner type code (`1` company, `2` person, `3` foreigner).
    pub tipo: Option<String>,
    /// Qualification code (`49` sócio-administrador…).
    pub qualificacao: Option<String>,
    /// Since when.
    pub entrada: Option<DataInformada>,
}

/// A CNPJ's record at the level asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DadosCnpj {
    /// The CNPJ.
    pub cnpj: Cnpj,
    /// The level fetched.
    pub nivel: NivelCnpj,
    /// Razão social.
    pub razao_social: String,
    /// Nome fantasia, when any.
    pub nome_fantasia: Option<String>,
    /// The registration situation (`2` ativa, `8` baixada…).
    pub situacao: Situacao,
    /// Since when the situation holds.
    pub data_situacao: Option<DataInformada>,
    /// Opening date.
    pub abertura: Option<DataInformada>,
    /// Legal nature (`2011 Empresa Pública`).
    pub natureza_juridica: Option<Situacao>,
    /// Main activity (CNAE code and description).
    pub cnae_principal: Option<Situacao>,
    /// Municipality name.
    pub municipio: Option<String>,
    /// State.
    pub uf: Option<String>,
    /// Partners (empty for [`NivelCnpj::Basica`], and for sole proprietors).
    pub socios: Vec<Socio>,
    /// The service answered part of the record (HTTP 206).
    pub parcial: bool,
}

/// The situation a debt certificate attests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SituacaoCnd {
    /// Negative: no debts.
    Negativa,
    /// Positive with effects of negative: debts suspended or guaranteed; valid as a negative.
    PositivaComEfeitosDeNegativa,
    /// Positive: the document has debts and cannot get a certificate.
    Positiva,
}

impl SituacaoCnd {
    /// In Portuguese, for people.
    pub fn descricao(self) -> &'static str {
        match self {
            SituacaoCnd::Negativa => "Negativa",
            SituacaoCnd::PositivaComEfeitosDeNegativa => "Positiva com efeitos de negativa",
            SituacaoCnd::Positiva => "Positiva",
        }
    }
}

/// A joint RFB/PGFN debt certificate, or the positive situation that prevents one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certidao {
    /// Whose.
    pub documento: Documento,
    /// What it attests.
    pub situacao: SituacaoCnd,
    /// Issued on.
    pub emissao: Option<DataInformada>,
    /// Valid until.
    pub validade: Option<DataInformada>,
    /// Its control code (to check it at the Receita).
    pub codigo_controle: Option<String>,
    /// The service's message, when any.
    pub mensagem: Option<String>,
}

/// The kind of a failed lookup, for what the caller does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TipoErroConsulta {
    /// No record for the number (billed).
    NaoEncontrado,
    /// The record is of a minor and the LGPD forbids showing it (HTTP 422; billed).
    DadosDeMenor,
    /// The service refused the query (invalid number, wrong path, too many requests).
    Recusado,
    /// The monthly ceiling of billed calls is reached; nothing was sent.
    TetoAtingido,
    /// Nothing was sent, or no usable answer came (connection, timeout, server error, protocol).
    Transporte,
    /// The client cannot work as set up, or the credentials were refused.
    Configuracao,
}

/// Why a lookup failed: its kind and the adapter's whole message (Portuguese; never a secret).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{mensagem}")]
pub struct ErroConsultaCadastral {
    /// What kind of failure.
    pub tipo: TipoErroConsulta,
    /// The message for people.
    pub mensagem: String,
}

/// Cadastral lookups of CPFs, CNPJs and debt certificates.
#[async_trait]
pub trait ConsultaCadastral: Send + Sync {
    /// A CPF's record.
    ///
    /// # Errors
    /// [`ErroConsultaCadastral`].
    async fn cpf(&self, cpf: &Cpf, etiqueta: &Etiqueta) -> Result<DadosCpf, ErroConsultaCadastral>;

    /// A CNPJ's record at `nivel`.
    ///
    /// # Errors
    /// [`ErroConsultaCadastral`].
    async fn cnpj(
        &self,
        cnpj: &Cnpj,
        nivel: NivelCnpj,
        etiqueta: &Etiqueta,
    ) -> Result<DadosCnpj, ErroConsultaCadastral>;

    /// The debt certificate of a CPF or CNPJ.
    ///
    /// # Errors
    /// [`ErroConsultaCadastral`].
    async fn cnd(
        &self,
        documento: &Documento,
        etiqueta: &Etiqueta,
    ) -> Result<Certidao, ErroConsultaCadastral>;
}

/// The description of a CNPJ situation code (1 Nula, 2 Ativa, 3 Suspensa, 4 Inapta, 5 Ativa Não
/// Regular, 8 Baixada).
pub fn descricao_situacao_cnpj(codigo: &str) -> Option<&'static str> {
    Some(match codigo.trim() {
        "1" | "01" => "Nula",
        "2" | "02" => "Ativa",
        "3" | "03" => "Suspensa",
        "4" | "04" => "Inapta",
        "5" | "05" => "Ativa Não Regular",
        "8" | "08" => "Baixada",
        _ => return None,
    })
}

/// The description of a CPF situation code (0 Regular, 2 Suspensa, 3 Titular Falecido,
/// 4 Pendente de Regularização, 5 Cancelada por Multiplicidade, 8 Nula, 9 Cancelada de Ofício).
pub fn descricao_situacao_cpf(codigo: &str) -> Option<&'static str> {
    Some(match codigo.trim() {
        "0" => "Regular",
        "2" => "Suspensa",
        "3" => "Titular Falecido",
        "4" => "Pendente de Regularização",
        "5" => "Cancelada por Multiplicidade",
        "8" => "Nula",
        "9" => "Cancelada de Ofício",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_of_32_passes_and_one_of_33_is_refused() {
        let t = "a".repeat(32);
        assert_eq!(Etiqueta::nova(&t).map(|e| e.as_str().len()), Ok(32));
        let longa = "b".repeat(33);
        assert_eq!(
            Etiqueta::nova(&longa),
            Err(ErroEtiqueta::Longa {
                texto: longa.clone(),
                tamanho: 33
            })
        );
        assert_eq!(Etiqueta::nova("  "), Err(ErroEtiqueta::Vazia));
        assert!(matches!(
            Etiqueta::nova("empresa\ntrabalho"),
            Err(ErroEtiqueta::Caractere {
                caractere: '\n',
                ..
            })
        ));
        assert!(Etiqueta::nova("ação").is_err());
    }

    #[test]
    fn situation_tables_name_the_documented_codes() {
        assert_eq!(descricao_situacao_cnpj("2"), Some("Ativa"));
        assert_eq!(descricao_situacao_cnpj("7"), None);
        assert_eq!(descricao_situacao_cpf("3"), Some("Titular Falecido"));
        assert_eq!(
            DataInformada::Texto("140712001".into()).to_string(),
            "140712001"
        );
    }
}
