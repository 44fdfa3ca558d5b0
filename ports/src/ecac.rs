//! The e-CAC reconciliation ledger (baixa automática of DARF and DAS): the companies an office
//! looks after and how each reaches e-CAC, the guides it issued, the payments Integra Contador
//! reported, and the occurrences reconciliation found, with their history.
//!
//! Nothing here is ever deleted or rewritten: a guide, once recorded, keeps its content (the
//! same number with other content is a conflict, not an update); a payment is recorded once; an
//! occurrence that changes gets a new row and the old one stays as history; a settled guide
//! (baixada) stays settled, whatever a later reconciliation says.

use crate::livro::ErroLivro;
use async_trait::async_trait;
use guiche_domain::conciliacao::Pagamento;
use guiche_domain::guia::{Guia, NumeroDocumento};
use guiche_domain::{Cnpj, Data, Documento, Valor};

/// How a company reaches e-CAC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Acesso {
    /// An A1 certificate (a file): payments are fetched automatically.
    CertificadoA1,
    /// An A3 certificate (token or smart card): never fetched automatically, only imported by
    /// hand (`guiche ecac import`), and never in a server deployment.
    CertificadoA3,
    /// An e-CAC access code: payments are fetched automatically.
    CodigoAcesso,
}

impl Acesso {
    /// Every access kind, in the order the user sees them.
    pub const TODOS: [Acesso; 3] = [
        Acesso::CertificadoA1,
        Acesso::CertificadoA3,
        Acesso::CodigoAcesso,
    ];

    /// The code used on the command line and in the ledger: `a1`, `a3`, `codigo`.
    pub fn codigo(self) -> &'static str {
        match self {
            Acesso::CertificadoA1 => "a1",
            Acesso::CertificadoA3 => "a3",
            Acesso::CodigoAcesso => "codigo",
        }
    }

    /// Reads [`Acesso::codigo`] back (case-insensitive).
    pub fn parse(texto: &str) -> Option<Acesso> {
        let t = texto.trim().to_ascii_lowercase();
        Acesso::TODOS.into_iter().find(|a| a.codigo() == t)
    }

    /// A label in Brazilian Portuguese.
    pub fn descricao(self) -> &'static str {
        match self {
            Acesso::CertificadoA1 => "certificado A1",
            Acesso::CertificadoA3 => "certificado A3",
            Acesso::CodigoAcesso => "código de acesso",
        }
    }

    /// Whether `guiche ecac sync` fetches this company's payments by itself (A1 and access
    /// code); an A3 company is only reconciled from an import.
    pub fn sincroniza_sozinho(self) -> bool {
        !matches!(self, Acesso::CertificadoA3)
    }
}

/// A company the office reconciles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Empresa {
    /// The company (the contribuinte of its guides).
    pub cnpj: Cnpj,
    /// A name for the user (razão social or nickname); may be empty.
    pub nome: String,
    /// Since when the company uses e-CAC; `None` when it does not. Payments are fetched from
    /// this date on.
    pub ecac_desde: Option<Data>,
    /// How it reaches e-CAC.
    pub acesso: Acesso,
    /// Whether the certificate used is a procurador's (the office's) rather than the company's.
    pub certificado_procurador: bool,
}

/// Where a recorded guide came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrigemGuia {
    /// Issued through Integra Contador by guichê (`PGDASD/GERARDAS12`, `PGMEI`, `SICALC`).
    Serpro,
    /// Imported from a file.
    Importacao,
}

impl OrigemGuia {
    /// `serpro` or `importacao`.
    pub fn codigo(self) -> &'static str {
        match self {
            OrigemGuia::Serpro => "serpro",
            OrigemGuia::Importacao => "importacao",
        }
    }
}

/// A guide as the ledger holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuiaRegistrada {
    /// The guide.
    pub guia: Guia,
    /// Where it came from.
    pub origem: OrigemGuia,
    /// The day it was settled (baixada) by a reconciliation; `None` while open.
    pub baixada_em: Option<Data>,
}

/// What recording a guide did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuiaGravada {
    /// A new guide.
    Nova,
    /// The same guide (same number, same content) was already there: nothing changed.
    JaExistia,
}

/// One finding of a reconciliation, flattened for keeping and showing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Achado {
    /// The guide's or payment's contribuinte.
    pub contribuinte: Documento,
    /// The document number.
    pub numero: NumeroDocumento,
    /// The identity of the finding across reconciliations: `guia:{numero}` for a guide,
    /// `pagamento:{numero}:{AAAAMMDD}:{valor}` for a payment without a guide, followed by
    /// `:{ordinal}` from the second of identical payments on.
    pub chave: String,
    /// [`guiche_domain::conciliacao::TipoOcorrencia::codigo`] (`paga`, `vencida`…).
    pub codigo: String,
    /// [`guiche_domain::conciliacao::TipoOcorrencia::descricao`].
    pub descricao: String,
    /// The guide's value, when there is a guide.
    pub valor_guia: Option<Valor>,
    /// The sum paid, when paid.
    pub valor_pago: Option<Valor>,
    /// The guide's due date, when there is a guide.
    pub vencimento: Option<Data>,
    /// The last payment's date, when paid.
    pub pago_em: Option<Data>,
    /// Days a paid guide was paid late. `None` for an overdue guide still open (unpaid or
    /// paid in part): its delay grows every day and is computed when shown (from
    /// `vencimento`), so an unchanged overdue guide does not make a new occurrence each day.
    pub dias_atraso: Option<i64>,
    /// Whether the guide was paid and is to be settled.
    pub paga: bool,
}

/// An occurrence as the ledger keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ocorrencia {
    /// Row id (grows with time).
    pub id: i64,
    /// What was found.
    pub achado: Achado,
    /// The day the reconciliation that found it ran.
    pub registrada_em: Data,
}

/// What recording a reconciliation did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResumoConciliacao {
    /// Findings new or changed since the last reconciliation (new occurrence rows).
    pub ocorrencias_novas: usize,
    /// Findings unchanged (no row written).
    pub inalteradas: usize,
    /// Guides settled now (they were open).
    pub guias_baixadas: usize,
}

/// The e-CAC ledger.
pub trait LivroEcac: Send + Sync {
    /// Adds a company or replaces its settings.
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn salvar_empresa(&self, empresa: &Empresa) -> Result<(), ErroLivro>;

    /// One company.
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn empresa(&self, cnpj: &Cnpj) -> Result<Option<Empresa>, ErroLivro>;

    /// Every company, by CNPJ.
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn empresas(&self) -> Result<Vec<Empresa>, ErroLivro>;

    /// Records a guide. The same number with the same content again is
    /// [`GuiaGravada::JaExistia`] (the revenue code and the barcode may be missing on either
    /// side: a spreadsheet rarely carries the barcode the issuing service gave; the recorded
    /// guide is kept as it was); with other content, an error naming the number.
    ///
    /// # Errors
    /// [`ErroLivro::GuiaConflitante`] for another guide with that number; [`ErroLivro`].
    fn registrar_guia(&self, guia: &Guia, origem: OrigemGuia) -> Result<GuiaGravada, ErroLivro>;

    /// The guide recorded under `numero`, if any.
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn guia(&self, numero: &NumeroDocumento) -> Result<Option<GuiaRegistrada>, ErroLivro>;

    /// The guides of `contribuinte` (all when `None`), in the order they were recorded.
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn guias(&self, contribuinte: Option<&Documento>) -> Result<Vec<GuiaRegistrada>, ErroLivro>;

    /// Records the payments of one fetch (one answer of the source, or one imported file).
    /// A payment's identity is its contribuinte, number, date and value and its ordinal among
    /// the identical ones of the fetch ([`guiche_domain::conciliacao::ordinais`]): two
    /// identical payments of one fetch are two (a double payment), and one already recorded
    /// under its identity (the same days fetched again) is skipped. Returns how many were new.
    /// One transaction.
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn registrar_pagamentos(&self, pagamentos: &[Pagamento]) -> Result<usize, ErroLivro>;

    /// The payments of `contribuinte` (all when `None`), in the order they were recorded
    /// (identical payments, then, in the order of their ordinals).
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn pagamentos(&self, contribuinte: Option<&Documento>) -> Result<Vec<Pagamento>, ErroLivro>;

    /// Records what a reconciliation run on `hoje` found: a finding whose latest occurrence
    /// (same `chave`) differs gets a new row; the same finding again writes nothing. A paid
    /// finding settles its guide if still open. One transaction.
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn registrar_conciliacao(
        &self,
        achados: &[Achado],
        hoje: Data,
    ) -> Result<ResumoConciliacao, ErroLivro>;

    /// The current occurrences (the latest row of each `chave`) of `contribuinte` (all when
    /// `None`), by contribuinte then number.
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn ocorrencias(&self, contribuinte: Option<&Documento>) -> Result<Vec<Ocorrencia>, ErroLivro>;

    /// Every occurrence row ever kept for document `numero`, oldest first.
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn historico(&self, numero: &NumeroDocumento) -> Result<Vec<Ocorrencia>, ErroLivro>;

    /// The last day payments of `cnpj` were fetched up to, if ever.
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn sincronizado_ate(&self, cnpj: &Cnpj) -> Result<Option<Data>, ErroLivro>;

    /// Remembers that the payments of `cnpj` were fetched up to `ate`. The caller never gives
    /// a day after the system clock's (a fixed "today" for tests or display must not make the
    /// next sync skip the days in between); a recorded day after it is not to be trusted.
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn marcar_sincronizacao(&self, cnpj: &Cnpj, ate: Data) -> Result<(), ErroLivro>;
}

/// Why payments could not be fetched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErroFonte {
    /// The service refused (no power of attorney, a bad filter, the billing ceiling…): asking
    /// again will not help until something changes.
    #[error("{0}")]
    Recusa(String),
    /// The service could not be reached or failed; asking later may work.
    #[error("{0}")]
    Indisponivel(String),
}

/// Where paid DARF and DAS come from: the official API (PAGTOWEB through Integra Contador).
#[async_trait]
pub trait FontePagamentos: Send + Sync {
    /// Every payment of `contribuinte` with `dataArrecadacao` in `desde..=ate`, all pages.
    ///
    /// # Errors
    /// [`ErroFonte`].
    async fn pagamentos(
        &self,
        contribuinte: &Documento,
        desde: Data,
        ate: Data,
    ) -> Result<Vec<Pagamento>, ErroFonte>;
}
