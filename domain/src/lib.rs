//! # guiche-domain
//!
//! The pure rules of guichê. (Crate documentation is completed below.)

pub mod conciliacao;
pub mod data;
pub mod documento;
pub mod guia;
pub mod municipio;
pub mod serpro;
pub mod valor;
pub mod violacao;

#[cfg(any(test, feature = "proptest"))]
pub mod estrategias;

pub use data::{Competencia, Data};
pub use documento::{Cnpj, Cpf, Documento};
pub use municipio::CodigoIbge;
pub use valor::{Percentual, Valor};
pub use violacao::{Regra, Violacao, Violacoes};
