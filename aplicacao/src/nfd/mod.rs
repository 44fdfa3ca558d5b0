//! NFD municipal service invoices: validate offline, issue exactly once, batches, and a
//! person's decision on a nota whose outcome is unknown.

pub mod emissao;
pub mod servico;
pub mod validacao;

use guiche_ports::emissor::{DocumentoNfd, EmissorNotas};

/// An NFD issuer: the issuing port's send plus NFD's own document of a nota. The port itself
/// knows no NFD nota (NFS-e Nacional issues through it too); the NFD use cases need both.
pub trait EmissorNfd: EmissorNotas + DocumentoNfd {}

impl<T: EmissorNotas + DocumentoNfd + ?Sized> EmissorNfd for T {}
