//! The e-CAC reconciliation ("Central e-CAC"): companies, guides, payments fetched or
//! imported, occurrences with their history, grouping and export, proof of payment.
//!
//! - [`central::CentralEcac`]: companies, guides (import, list), payments imported (A3),
//!   occurrences (list, history, grouping, export as spreadsheet bytes).
//! - [`baixa::Baixa`]: the baixa automática, one company or all, one sync of a company at a
//!   time across processes.
//! - [`acompanhamento`]: each company's CND and DTE mailbox, read by the sync, and their
//!   listings (mailbox deadlines by ciência tácita).
//! - [`agenda::AgendaEcac`]: that baixa once a day at a time of day in Brasília.

pub mod acompanhamento;
pub mod agenda;
pub mod baixa;
pub mod central;
pub mod comprovante;
pub mod localizar;
