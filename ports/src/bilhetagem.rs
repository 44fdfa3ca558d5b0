//! The billing meter: SERPRO Integra Contador bills `Consultar`, `Declarar` and `Emitir` calls
//! (except the statuses its documentation exempts); Conecta gov.br's homologation allows 1,000 test calls per API. Every
//! such call is counted per contratante, service and window, and a ceiling refuses calls past
//! it.
//!
//! A call is **reserved before it is made** (each attempt of a retried call, so concurrent
//! callers and retries can never pass the ceiling) and given back only when it provably was not
//! billed (a status documented as not billed, or a request that never left); when billing is
//! unknown (a timeout after the request left) the reservation stays: the count errs on the safe
//! side.

use guiche_domain::Competencia;
use std::fmt;

pub mod regras;

/// The window a count belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Janela {
    /// A calendar month (SERPRO bills monthly).
    Mes(Competencia),
    /// All time (Conecta gov.br's homologation quota).
    Total,
}

impl fmt::Display for Janela {
    /// `AAAAMM`, or `total`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Janela::Mes(c) => f.write_str(&c.compacta()),
            Janela::Total => f.write_str("total"),
        }
    }
}

impl Janela {
    /// Reads `AAAAMM` or `total`.
    pub fn ler(texto: &str) -> Option<Janela> {
        match texto {
            "total" => Some(Janela::Total),
            t => Competencia::parse(t).ok().map(Janela::Mes),
        }
    }
}

/// Billed calls of one contratante, service and window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consumo {
    /// The contratante's document (digits), or the Conecta client id.
    pub contratante: String,
    /// The service, e.g. `PGDASD/GERARDAS12` or `conecta/cpf`.
    pub servico: String,
    /// The window.
    pub janela: Janela,
    /// Calls counted.
    pub chamadas: u64,
}

/// What to reserve.
#[derive(Clone, Copy, Debug)]
pub struct Bilhete<'a> {
    /// The contratante (digits) or client id.
    pub contratante: &'a str,
    /// The service.
    pub servico: &'a str,
    /// The window.
    pub janela: Janela,
    /// The most calls allowed for the contratante in the window, all services together
    /// (`None`: no ceiling).
    pub teto: Option<u64>,
}

/// The meter refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErroBilhetagem {
    /// The ceiling is reached: the call must not be made.
    #[error(
        "teto de {teto} chamadas bilhetadas atingido para {contratante} em {janela}; nada foi chamado"
    )]
    TetoAtingido {
        /// Who.
        contratante: String,
        /// When.
        janela: Janela,
        /// The ceiling.
        teto: u64,
    },
    /// The ledger failed.
    #[error(transparent)]
    Livro(#[from] crate::livro::ErroLivro),
}

/// Whether one attempt may have been billed: what decides if its reservation is kept (the
/// adapters of Integra Contador and Conecta gov.br tell it from the statuses their
/// documentation exempts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cobranca {
    /// Documented as not billed, or it never left: the reservation goes back.
    Nao,
    /// Billed, or it may have been (the request left and no documented unbilled status came
    /// back): the reservation stays.
    Talvez,
}

impl Cobranca {
    /// From the status of an answer and the statuses documented as not billed.
    pub fn do_status(status: u16, nao_bilhetados: &[u16]) -> Cobranca {
        if nao_bilhetados.contains(&status) {
            Cobranca::Nao
        } else {
            Cobranca::Talvez
        }
    }
}

/// One request sent to a SERPRO gateway (Integra Contador or the commercial APIs), as the
/// ledger keeps it so SERPRO's monthly consumption report can be checked call by call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChamadaRegistrada {
    /// When it was sent, unix milliseconds.
    pub instante_ms: i64,
    /// The contratante (digits) or the contract's consumer key, as in [`Bilhete`].
    pub contratante: String,
    /// The billing service (`PGDASD/GERARDAS12`, `loja/cpf`).
    pub servico: String,
    /// The billing window it was counted in.
    pub janela: Janela,
    /// The `X-Request-Tag` sent.
    pub etiqueta: String,
    /// The HTTP status of the answer; `None` when the request left and no answer was read
    /// (timeout, reset): the outcome is unknown.
    pub status: Option<u16>,
    /// Whether the meter counted it (billed, or possibly billed: an unknown outcome counts).
    pub bilhetada: bool,
}

/// One line of SERPRO's monthly consumption report ("Consultar Consumo → Relatório", a CSV
/// `DATA,CNPJ/CPF,URL,RESPONSE_CODE,IP,OBSERVAÇÃO,TAG,QUANTIDADE`), as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinhaRelatorio {
    /// The line of the file (the header is line 1).
    pub linha: usize,
    /// `DATA`, unix milliseconds.
    pub instante_ms: i64,
    /// `CNPJ/CPF` as written (digits).
    pub documento: String,
    /// `URL` (`/Consultar`, `/consulta-cpf-df/v2/cpf/…`).
    pub url: String,
    /// `RESPONSE_CODE`.
    pub status: u16,
    /// `TAG`: the `X-Request-Tag` SERPRO received (empty when none was sent).
    pub etiqueta: String,
    /// `QUANTIDADE`: what SERPRO counted for the request (`1.0000`).
    pub quantidade: rust_decimal::Decimal,
}

/// The billing meter.
pub trait MedidorBilhetagem: Send + Sync {
    /// Counts one call if the contratante stays within the ceiling; returns its count of the
    /// window after this call, all services together. One transaction.
    ///
    /// # Errors
    /// [`ErroBilhetagem::TetoAtingido`], [`ErroBilhetagem::Livro`].
    fn reservar(&self, bilhete: Bilhete<'_>) -> Result<u64, ErroBilhetagem>;

    /// Gives back a call reserved with [`MedidorBilhetagem::reservar`] that turned out not billed.
    ///
    /// # Errors
    /// [`ErroBilhetagem::Livro`].
    fn devolver(&self, bilhete: Bilhete<'_>) -> Result<(), ErroBilhetagem>;

    /// The counts, filtered by contratante and window when given, ordered by window, contratante
    /// and service.
    ///
    /// # Errors
    /// [`ErroBilhetagem::Livro`].
    fn consumo(
        &self,
        contratante: Option<&str>,
        janela: Option<Janela>,
    ) -> Result<Vec<Consumo>, ErroBilhetagem>;

    /// Records one request sent (every attempt that left, billed or not), apart from the
    /// counts: the counts decide the ceiling, this record answers SERPRO's report.
    ///
    /// # Errors
    /// [`ErroBilhetagem::Livro`].
    fn registrar_chamada(&self, chamada: &ChamadaRegistrada) -> Result<(), ErroBilhetagem>;

    /// The recorded requests, filtered by contratante and window when given, in the order
    /// they were sent.
    ///
    /// # Errors
    /// [`ErroBilhetagem::Livro`].
    fn chamadas(
        &self,
        contratante: Option<&str>,
        janela: Option<Janela>,
    ) -> Result<Vec<ChamadaRegistrada>, ErroBilhetagem>;
}
