//! The e-CAC reconciliation ("Central e-CAC"): companies, guides, payments fetched or
//! imported, occurrences with their history, grouping and export, proof of payment.

pub mod baixa;
pub mod comprovante;
pub mod localizar;
