//! # guiche-domain
//!
//! The pure rules of guichê. (Crate documentation is completed below.)

pub mod data;
pub mod documento;
pub mod municipio;
pub mod valor;
pub mod violacao;

pub use data::{Competencia, Data};
pub use documento::{Cnpj, Cpf, Documento};
pub use municipio::CodigoIbge;
pub use valor::{Percentual, Valor};
pub use violacao::{Regra, Violacao, Violacoes};
