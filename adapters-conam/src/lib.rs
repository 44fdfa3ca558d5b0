//! # guiche-conam
//!
//! The CONAM adapter: the REST client (token by `client_credentials`, budget and extra-budget
//! revenues, open-period check, package send and status), an
//! [`IntegracaoContabil`](guiche_ports::contabil::IntegracaoContabil), with its wire DTOs
//! ([`wire`]), and, behind the `simulator` feature, a simulator of the API on loopback.
//!
//! The pacote's rules live in `guiche_domain::conam`; this crate only knows the wire.

mod cliente;
pub mod wire;

#[cfg(feature = "simulator")]
pub mod simulador;

pub use cliente::{
    ClienteConam, ConfigCliente, ErroConfigCliente, MAX_RESPOSTA, MAX_VALIDADE_TOKEN, Segredo,
};
