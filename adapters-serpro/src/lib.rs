//! # guiche-serpro
//!
//! The SERPRO adapter: Integra Contador (OAuth over mTLS with an e-CNPJ certificate, the five
//! service types, typed services, the signed AUTENTICAPROCURADOR term, billing) and Conecta
//! gov.br, with simulators behind the `simulator` feature.
//!
//! The request envelope and catalogue facts live in `guiche_domain::serpro`. This crate is
//! filled by the SERPRO issue; today it holds nothing else.
