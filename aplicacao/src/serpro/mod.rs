//! SERPRO Integra Contador's typed services (with billing and the e-CAC registration of what
//! they return), the procurador sign-in, and Conecta gov.br.

pub mod conecta;
pub mod conferencia;
pub mod erro;
pub mod integra;
pub mod uso;

pub use conecta::ServicoConecta;
pub use erro::ErroSerpro;
pub use integra::ServicoIntegra;
pub use uso::ServicoUso;

#[cfg(test)]
pub(crate) mod teste;
