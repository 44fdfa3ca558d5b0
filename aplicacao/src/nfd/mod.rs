//! NFD municipal service invoices: validate offline, issue exactly once, batches, and a
//! person's decision on a nota whose outcome is unknown.

pub mod emissao;
pub mod servico;
pub mod validacao;
