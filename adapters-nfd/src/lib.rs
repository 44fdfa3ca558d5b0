//! # guiche-nfd
//!
//! The NFD adapter: the SOAP 1.1 client for `EnviarNota` / `EnviarNotaRetornaurlNota`
//! ([`ClienteNfd`], an [`EmissorNotas`](guiche_ports::emissor::EmissorNotas)), the provider
//! profiles as data ([`Provedor`]: endpoint, namespace, text conventions), the wire
//! ([`soap`]), and, behind the `simulator` feature, a simulator of the service on loopback.
//!
//! The rules of the `<NOTA>` itself live in `guiche_domain::nfd`; this crate only knows the
//! transport.

mod cliente;
mod provedor;
#[cfg(feature = "simulator")]
pub mod simulador;
pub mod soap;

pub use cliente::{ClienteNfd, ConfigCliente, ErroConfigCliente, MAX_RESPOSTA};
pub use provedor::{ConvencaoTexto, ErroTabelaProvedores, Provedor};

/// The provider's NFD password (`senhaNFD`): a [`guiche_ports::Segredo`].
pub type Senha = guiche_ports::Segredo;
