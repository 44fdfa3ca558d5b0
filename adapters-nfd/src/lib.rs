//! # guiche-nfd
//!
//! The NFD adapter: the SOAP 1.1 client for `EnviarNota` / `EnviarNotaRetornaurlNota`, the
//! municipal provider profiles (endpoint, namespace, SOAPAction prefix, text conventions) as
//! data, and, behind the `simulator` feature, a simulator of the service on loopback.
//!
//! The rules of the `<NOTA>` itself live in `guiche_domain::nfd`; this crate only knows the
//! transport. It is filled by the NFD end-to-end issue; today it holds nothing else.
