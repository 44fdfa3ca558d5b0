//! # guiche-ports
//!
//! The traits (ports) the guichê application needs from the outside world, in domain terms.
//! Adapters implement them (`guiche-nfd`, `guiche-conam`, `guiche-serpro`, `guiche-store`, `guiche-postgres`); the
//! application depends on the traits, so each adapter can be replaced, and a port's caller can
//! be unit-tested with a mock.
//!
//! Arrows point inward: this crate depends only on `guiche-domain`.
//!
//! | port | what for | adapter |
//! |---|---|---|
//! | [`Relogio`] | today's date in Brasília | the app's system clock |
//! | [`emissor::EmissorNotas`] | issuing a municipal service invoice | `guiche-nfd`, `guiche-nfse` |
//! | [`emissor::DocumentoNfd`] | the NFD document of a nota | `guiche-nfd` |
//! | [`emissor::ConsultaEmissao`] | whether a recorded document was issued, without sending it | `guiche-nfse` |
//! | [`livro::LivroNotas`] | the ledger of notas: numbers, documents, outcomes | `guiche-store`, `guiche-postgres` |
//! | [`contabil::IntegracaoContabil`] | revenues, open period, movement packages | `guiche-conam` |
//! | [`contabil::LivroPacotes`] | the ledger of packages sent | `guiche-store`, `guiche-postgres` |
//! | [`bilhetagem::MedidorBilhetagem`] | billed calls per contratante, service and month; ceiling | `guiche-store`, `guiche-postgres` |
//! | [`ecac::LivroEcac`] | companies, guides, payments and occurrences of the e-CAC reconciliation | `guiche-store`, `guiche-postgres` |
//! | [`ecac::FontePagamentos`] | paid DARF/DAS of a contribuinte in a period | `guiche-serpro` |
//! | [`ecac::Planilhas`] | guides and payments read from spreadsheets, occurrences written as one | `guiche-planilha` |
//! | [`acesso::LivroAcesso`] | API tokens (only their hashes) and roles | `guiche-store`, `guiche-postgres` |
//! | [`idempotencia::LivroIdempotencia`] | `Idempotency-Key`s and their first answers | `guiche-store`, `guiche-postgres` |
//! | [`receita::IntegraContador`] | SERPRO Integra Contador's typed services, procurador sign-in | `guiche-serpro` |
//! | [`conecta::ConectaGovBr`] | Conecta gov.br CPF and CNPJ queries | `guiche-conecta` |
//! | [`consulta::ConsultaCadastral`] | CPF, CNPJ (with partners) and CND lookups, tagged | `guiche-loja` (SERPRO's commercial APIs) |
//! | [`trabalhos::FilaTrabalhos`] | rounds of jobs shared by workers on many machines (leases, heartbeats) | `guiche-store`, `guiche-postgres` |
//! | [`usuarios::LivroUsuarios`] | people who log in to the web pages (argon2id hashes), their sessions and failed logins | `guiche-store`, `guiche-postgres` |
//! | [`retencao::LivroRetencao`] | expired sessions, old idempotency keys and finished job rounds removed in batches | `guiche-store`, `guiche-postgres` |
//! | [`LivroCompleto`] | every ledger port in one handle | `guiche-store` (SQLite), `guiche-postgres` |
//!
//! ```
//! use guiche_ports::Relogio;
//! use guiche_domain::Data;
//!
//! struct Fixo(Data);
//! impl Relogio for Fixo {
//!     fn hoje(&self) -> Data { self.0 }
//! }
//! let r = Fixo(Data::new(2026, 11, 22)?);
//! assert_eq!(r.hoje().to_string(), "22/11/2026");
//! # Ok::<(), guiche_domain::data::ErroData>(())
//! ```

pub mod acesso;
pub mod bilhetagem;
pub mod conecta;
pub mod consulta;
pub mod contabil;
pub mod copia;
pub mod ecac;
pub mod emissor;
pub mod idempotencia;
pub mod livro;
pub mod receita;
pub mod retencao;
mod segredo;
pub mod trabalhos;
pub mod usuarios;

pub use segredo::Segredo;

use guiche_domain::Data;

/// Today's date as the tax authorities see it (Brasília). The domain never reads a clock;
/// whoever needs "today" asks this port, so tests can fix the date.
pub trait Relogio: Send + Sync {
    /// Today's date in Brasília.
    fn hoje(&self) -> Data;
}

/// Every ledger port in one handle: what a ledger engine (`guiche-store` on SQLite,
/// `guiche-postgres` on PostgreSQL) implements, and what the composition root picks by
/// `GUICHE_DB`. Upcast to one port with `Arc<dyn LivroCompleto> as Arc<dyn livro::LivroNotas>`.
pub trait LivroCompleto:
    livro::LivroNotas
    + contabil::LivroPacotes
    + bilhetagem::MedidorBilhetagem
    + ecac::LivroEcac
    + acesso::LivroAcesso
    + idempotencia::LivroIdempotencia
    + trabalhos::FilaTrabalhos
    + usuarios::LivroUsuarios
    + retencao::LivroRetencao
    + std::fmt::Debug
{
    /// Where the ledger is, for messages: a file's path, `:memória:`, or
    /// `postgres://user@host:port/db` (never a password).
    fn local(&self) -> &str;
}
