//! # guiche-serpro
//!
//! The SERPRO adapter: Integra Contador (OAuth over mTLS with an e-CNPJ certificate, the five
//! service types, typed services, the signed AUTENTICAPROCURADOR term, billing) and Conecta
//! gov.br, with simulators behind the `simulator` feature.
//!
//! The request envelope and catalogue facts live in `guiche_domain::serpro`. Built so far:
//! [`certificado`] (ICP-Brasil PKCS#12 files, legacy encryptions included, in pure Rust) and
//! [`termo`] (the AUTENTICAPROCURADOR authorization term, signed with enveloped XMLDSig).
//! The HTTP clients and simulators come next (see the notes).

pub mod certificado;
mod cliente;
pub mod conecta;
pub mod fonte;
#[cfg(any(test, feature = "simulator"))]
pub mod pki_teste;
pub mod servicos;
pub mod termo;
pub mod verificacao;
pub mod wire;

#[cfg(feature = "simulator")]
pub mod simulador;

pub use cliente::{
    Chamada, ClienteIntegra, ConfigIntegra, Credencial, ErroIntegra, Politica, Retorno, Segredo,
    TokenProcurador, codigos,
};
