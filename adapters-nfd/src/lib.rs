//! # guiche-nfd
//!
//! The NFD adapter: the SOAP 1.1 client for `EnviarNota` / `EnviarNotaRetornaurlNota`
//! ([`ClienteNfd`], an [`EmissorNotas`](guiche_ports::emissor::EmissorNotas)), and, behind the
//! `simulator` feature, a simulator of the service on loopback. The same layout as the other
//! remote adapters (ARCHITECTURE.md, "Adapters: one shape"):
//!
//! | module | what |
//! |---|---|
//! | [`ClienteNfd`] (`cliente`) | the port's implementation over `guiche-http`: one POST per nota, the reply read as the service's answer or an unknown outcome |
//! | [`wire`] | the SOAP 1.1 envelopes of both operations, written and read, the `1-…`/`0-…` result strings |
//! | [`Provedor`] (`provedor`) | the provider profiles as data (`data/provedores.tsv`): endpoint, namespace, text conventions |
//! | [`ErroConfigCliente`], [`ErroSoap`] (`erro`) | what goes wrong, and the transport failures as the port sees them |
//! | `simulador` (feature `simulator`) | the NFD service on loopback |
//!
//! The rules of the `<NOTA>` itself live in `guiche_domain::nfd`; this crate only knows the
//! transport.

mod cliente;
mod erro;
mod provedor;
pub mod wire;

#[cfg(feature = "simulator")]
pub mod simulador;

pub use cliente::{ClienteNfd, ConfigCliente, MAX_RESPOSTA};
pub use erro::{ErroConfigCliente, ErroSoap};
pub use provedor::{ConvencaoTexto, ErroTabelaProvedores, Provedor};

/// The provider's NFD password (`senhaNFD`): a [`guiche_ports::Segredo`].
pub type Senha = guiche_ports::Segredo;
