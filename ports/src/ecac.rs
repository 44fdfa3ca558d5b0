//! The e-CAC reconciliation ledger (baixa automática of DARF and DAS): the companies an office
//! looks after and how each reaches e-CAC, the guides it issued, the payments Integra Contador
//! reported, and the occurrences reconciliation found, with their history.
//!
//! Nothing here is ever deleted or rewritten: a guide, once recorded, keeps its content (the
//! same number with other content is a conflict, not an update); a payment is recorded once; an
//! occurrence that changes gets a new row and the old one stays as history; a settled guide
//! (baixada) stays settled, whatever a later reconciliation says.

pub mod regras;

use crate::livro::{ErroLivro, Vez};
use async_trait::async_trait;
use guiche_domain::conciliacao::{Agrupavel, Pagamento};
use guiche_domain::guia::{Guia, NumeroDocumento};
use guiche_domain::{Cnpj, Data, Documento, Valor};

pub use crate::consulta::SituacaoCnd;

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

impl Agrupavel for Ocorrencia {
    fn contribuinte(&self) -> Documento {
        self.achado.contribuinte
    }

    fn numero(&self) -> NumeroDocumento {
        self.achado.numero
    }

    fn codigo(&self) -> &str {
        &self.achado.codigo
    }

    fn chave(&self) -> &str {
        &self.achado.chave
    }
}

/// A titled group of occurrences, in report order
/// ([`guiche_domain::conciliacao::agrupar`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grupo {
    /// The title: the kind's description (`Vencida`) or the company (`11.222.333/0001-81 —
    /// Padaria Pão Quente`).
    pub titulo: String,
    /// The rows, in report order.
    pub linhas: Vec<LinhaGrupo>,
}

/// One row of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinhaGrupo {
    /// The contribuinte, masked, followed by its name when known.
    pub empresa: String,
    /// The occurrence, its delay counted up to the day shown
    /// ([`guiche_domain::conciliacao::atraso_ate`]).
    pub ocorrencia: Ocorrencia,
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

/// A company's last CND check (the joint RFB/PGFN debt certificate), as the sync left it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsultaCnd {
    /// The company.
    pub cnpj: Cnpj,
    /// What the certificate attests; `None` when it was not checked (no consulta path
    /// configured, or the lookup failed: [`ConsultaCnd::motivo`] says why).
    pub situacao: Option<SituacaoCnd>,
    /// Why it was not checked, or the service's message when it was; in Portuguese.
    pub motivo: Option<String>,
    /// The certificate's validity, when the service gave a real date.
    pub validade: Option<Data>,
    /// The day of the sync that checked it.
    pub consultada_em: Data,
}

/// One message of a company's e-CAC mailbox (DTE), as the ledger keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MensagemDte {
    /// The company.
    pub cnpj: Cnpj,
    /// `isn`: the message's id in the mailbox.
    pub isn: String,
    /// The subject.
    pub assunto: String,
    /// The day it was made available, when the service said.
    pub enviada_em: Option<Data>,
    /// Whether it was read (in e-CAC, or by ciência tácita: see [`MensagemDte::prazo`]).
    pub lida: bool,
    /// The day an unread message counts as read (ciência tácita), when known.
    pub prazo: Option<Data>,
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

    /// Replaces the last CND check of a company (only the last one is kept).
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`] naming the CNPJ for a company not in the ledger;
    /// [`ErroLivro`].
    fn registrar_cnd(&self, cnd: &ConsultaCnd) -> Result<(), ErroLivro>;

    /// The last CND check of every company checked at least once, by CNPJ.
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn cnds(&self) -> Result<Vec<ConsultaCnd>, ErroLivro>;

    /// The last CND check of `cnpj`, if it was ever checked (the sync reads it to check a
    /// company's CND at most once a day).
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn cnd(&self, cnpj: &Cnpj) -> Result<Option<ConsultaCnd>, ErroLivro>;

    /// Records the mailbox messages of one read: a new message (company and `isn`) is added;
    /// one already kept keeps its subject and dates, and becomes read when it is read now (a
    /// read message never becomes unread). Returns how many were new. One transaction.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`] naming the CNPJ for a company not in the ledger (nothing
    /// recorded); [`ErroLivro`].
    fn registrar_mensagens(&self, mensagens: &[MensagemDte]) -> Result<usize, ErroLivro>;

    /// The mailbox messages of `cnpj` (all when `None`), by CNPJ, then by the day made
    /// available (unknown last), then by `isn`.
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn mensagens(&self, cnpj: Option<&Cnpj>) -> Result<Vec<MensagemDte>, ErroLivro>;

    /// Records one successful read of `cnpj`'s mailbox on `dia`: its messages as
    /// [`LivroEcac::registrar_mensagens`] does, and `dia` as the day the mailbox was last read,
    /// in one transaction (both or neither). Returns how many messages were new.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`] naming the CNPJ for a company not in the ledger, or for a
    /// message of another company (nothing recorded); [`ErroLivro`].
    fn registrar_leitura_caixa_postal(
        &self,
        cnpj: &Cnpj,
        dia: Data,
        mensagens: &[MensagemDte],
    ) -> Result<usize, ErroLivro>;

    /// The day `cnpj`'s mailbox was last read successfully, if ever.
    ///
    /// # Errors
    /// [`ErroLivro`].
    fn caixa_postal_lida_em(&self, cnpj: &Cnpj) -> Result<Option<Data>, ErroLivro>;

    /// Takes the turn to sync `cnpj` if no one holds it now (any process or thread using this
    /// ledger), without waiting: `None` when another sync of that company is under way. The
    /// turn is held until the [`Vez`] is dropped; a process that dies holding it (even killed
    /// with `SIGKILL`) releases it.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`] when the lock cannot be asked for.
    fn vez_da_empresa(&self, cnpj: &Cnpj) -> Result<Option<Vez>, ErroLivro>;
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
    /// The source is not set up (a missing certificate or key): nothing was asked.
    #[error("configuração: {0}")]
    Configuracao(String),
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

/// Where a company's e-CAC mailbox (DTE) is read from: `CAIXAPOSTAL/MSGCONTRIBUINTE61`
/// through Integra Contador, read by the sync beside the payments.
#[async_trait]
pub trait FonteCaixaPostal: Send + Sync {
    /// Every message of `contribuinte`'s mailbox, read or not, all pages; `hoje` gives the
    /// billing month of the calls.
    ///
    /// # Errors
    /// [`ErroFonte`].
    async fn mensagens(
        &self,
        contribuinte: &Documento,
        hoje: Data,
    ) -> Result<Vec<crate::receita::MensagemCaixaPostal>, ErroFonte>;
}

/// The spreadsheet formats a report is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FormatoPlanilha {
    /// CSV for Excel pt-BR (`;`, decimal comma, UTF-8 with BOM).
    Csv,
    /// An Excel workbook, one sheet per group and a summary.
    Xlsx,
}

impl FormatoPlanilha {
    /// The format a file name asks for by its extension (`.csv`, `.xlsx`, any case).
    pub fn da_extensao(nome: &str) -> Option<FormatoPlanilha> {
        let (_, ext) = nome.rsplit_once('.')?;
        match ext.to_ascii_lowercase().as_str() {
            "csv" => Some(FormatoPlanilha::Csv),
            "xlsx" => Some(FormatoPlanilha::Xlsx),
            _ => None,
        }
    }
}

/// One problem of a spreadsheet read: where (line and column), what was there and why it was
/// refused, in Brazilian Portuguese.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProblemaPlanilha {
    /// The line of the file, from 1 (the header is line 1).
    pub linha: usize,
    /// The column as the layout names it (`valor`…); empty for a whole line or file.
    pub coluna: String,
    /// The value found (empty when blank or absent).
    pub valor: String,
    /// Why it was refused.
    pub motivo: String,
}

impl std::fmt::Display for ProblemaPlanilha {
    /// `linha 3, coluna valor ("12,345"): no máximo duas casas decimais`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "linha {}", self.linha)?;
        if !self.coluna.is_empty() {
            write!(f, ", coluna {}", self.coluna)?;
            if !self.valor.is_empty() {
                write!(f, " (\"{}\")", self.valor)?;
            }
        }
        write!(f, ": {}", self.motivo)
    }
}

/// Why a spreadsheet could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErroPlanilha {
    /// The file was refused, with every problem found (nothing was read).
    #[error("{}", descrever_problemas(.0))]
    Leitura(Vec<ProblemaPlanilha>),
    /// The report could not be written.
    #[error("{0}")]
    Escrita(String),
}

/// A summary line, then one line per problem.
fn descrever_problemas(problemas: &[ProblemaPlanilha]) -> String {
    let mut s = match problemas.len() {
        1 => "1 problema no arquivo; nada foi importado:".to_owned(),
        n => format!("{n} problemas no arquivo; nada foi importado:"),
    };
    for p in problemas {
        s.push_str(&format!("\n  {p}"));
    }
    s
}

/// Spreadsheets in and out of the e-CAC reconciliation: guides and payments read from the
/// files offices keep, occurrences written as a report. Bytes in, bytes out: no file is read
/// or written here.
pub trait Planilhas: Send + Sync {
    /// The guides of a file, all or nothing.
    ///
    /// # Errors
    /// [`ErroPlanilha::Leitura`] with every problem.
    fn ler_guias(&self, bytes: &[u8]) -> Result<Vec<Guia>, ErroPlanilha>;

    /// The payments of a file, all or nothing (two identical lines are two payments).
    ///
    /// # Errors
    /// [`ErroPlanilha::Leitura`] with every problem.
    fn ler_pagamentos(&self, bytes: &[u8]) -> Result<Vec<Pagamento>, ErroPlanilha>;

    /// The report of `grupos` in `formato`.
    ///
    /// # Errors
    /// [`ErroPlanilha::Escrita`].
    fn escrever(&self, grupos: &[Grupo], formato: FormatoPlanilha)
    -> Result<Vec<u8>, ErroPlanilha>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_format_is_the_file_s_extension() {
        assert_eq!(
            FormatoPlanilha::da_extensao("ocorrencias.XLSX"),
            Some(FormatoPlanilha::Xlsx)
        );
        assert_eq!(
            FormatoPlanilha::da_extensao("a.b/relatorio.csv"),
            Some(FormatoPlanilha::Csv)
        );
        assert_eq!(FormatoPlanilha::da_extensao("x.txt"), None);
        assert_eq!(FormatoPlanilha::da_extensao("csv"), None);
    }

    #[test]
    fn a_refused_spreadsheet_lists_every_problem_in_portuguese() {
        let problema = |linha, coluna: &str, valor: &str, motivo: &str| ProblemaPlanilha {
            linha,
            coluna: coluna.into(),
            valor: valor.into(),
            motivo: motivo.into(),
        };
        let e = ErroPlanilha::Leitura(vec![
            problema(3, "valor", "12,345", "no máximo duas casas decimais"),
            problema(5, "", "", "aspas nunca fechadas"),
        ]);
        assert_eq!(
            e.to_string(),
            "2 problemas no arquivo; nada foi importado:\n  \
             linha 3, coluna valor (\"12,345\"): no máximo duas casas decimais\n  \
             linha 5: aspas nunca fechadas"
        );
    }
}
