//! # guiche-nfse
//!
//! The NFS-e Nacional adapter, first piece: [`wire`], what goes to SEFIN Nacional and what
//! comes back — the signed DPS gzipped and base64'd inside JSON (`{"dpsXmlGZipB64": …}`), the
//! 201 with the NFS-e, and the business rejections in every shape production was seen to
//! answer (`erro` or `erros`, camelCase or PascalCase keys). The mTLS client behind
//! `EmissorNotas`, the ledger's settling by `HEAD /dps/{id}` and the simulator come next
//! (`docs/decisions/0018-nfse-nacional.md`).
//!
//! The DPS itself (rules, Id, XML) lives in `guiche_domain::nfse`, its signature in
//! `guiche_certificados::nfse`; this crate only knows the transport.

pub mod wire;
