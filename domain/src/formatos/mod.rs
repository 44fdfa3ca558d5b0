//! The manuals' document formats (feature `formatos`, on by default): the NFD `<NOTA>` XML
//! (and the same keys in JSON) and the CONAM pacote JSON.
//!
//! These are the documents users hand to guichê, so reading them belongs with the rules; the
//! transport (SOAP envelopes, HTTP) belongs to the adapters. See
//! `docs/decisions/0002-formatos-no-dominio.md`.

mod codificacao;
mod dps;
mod nota;
mod pacote;
