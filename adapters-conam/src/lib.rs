//! # guiche-conam
//!
//! The CONAM adapter: the REST client (token by `client_credentials`, budget and extra-budget
//! revenues, open-period check, package send and status), an
//! [`IntegracaoContabil`](guiche_ports::contabil::IntegracaoContabil), with its wire DTOs
//! ([`wire`]), and, behind the `simulator` feature, a simulator of the API on loopback.
//!
//! The same layout as the other remote adapters (ARCHITECTURE.md, "Adapters: one shape"):
//!
//! | module | what |
//! |---|---|
//! | [`ClienteConam`] (`cliente`) | the port's implementation over `guiche-http`: token cache, retried queries, the package sent again only while safe |
//! | [`wire`] | the paths, the `{erro, dados}` envelope and the DTOs, the manual's fixed texts |
//! | [`ErroConfigCliente`] (`erro`) | what goes wrong, and the transport failures as the port sees them |
//! | `simulador` (feature `simulator`) | the CONAM API on loopback |
//!
//! CONAM has one service and no provider profiles: there is no profile-data module.
//!
//! The pacote's rules live in `guiche_domain::conam`; this crate only knows the wire.

mod cliente;
mod erro;
pub mod wire;

#[cfg(feature = "simulator")]
pub mod simulador;

pub use cliente::{ClienteConam, ConfigCliente, MAX_RESPOSTA, MAX_VALIDADE_TOKEN, Segredo};
pub use erro::ErroConfigCliente;
