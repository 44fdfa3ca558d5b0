//! NFS-e Nacional: the DPS validated offline (the XML or its JSON form), and issued exactly
//! once over the ledger through the issuing port. Signing happens where certificates are
//! (`guiche-certificados`), before [`emissao::EmissaoNfse::emitir`]; the transport is the
//! adapter's (`guiche-nfse`).

pub mod emissao;
pub mod validacao;
