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

pub use cliente::{ClienteNfd, ConfigCliente, ErroConfigCliente};
pub use provedor::{ConvencaoTexto, ErroTabelaProvedores, Provedor};

use std::fmt;

/// A password (`senhaNFD`). Its `Debug` never shows it; it is read from the environment or a
/// file, never from the command line.
#[derive(Clone, PartialEq, Eq)]
pub struct Senha(String);

impl Drop for Senha {
    /// Overwrites the secret in memory before it is freed.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl Senha {
    /// Wraps a password.
    pub fn new(senha: impl Into<String>) -> Senha {
        Senha(senha.into())
    }

    /// The password itself, for the one place that must write it on the wire.
    pub fn expor(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Senha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Senha(***)")
    }
}
