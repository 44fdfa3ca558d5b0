//! # guiche-nfse
//!
//! The NFS-e Nacional adapter: the signed DPS sent to SEFIN Nacional (`POST /nfse`, gzip +
//! base64 inside JSON, mTLS with the prestador's ICP-Brasil certificate, HTTP/1.1), the NFS-e
//! read by its access key, an unknown outcome settled by the DPS Id (`HEAD`/`GET /dps/{id}`),
//! cancellation (`pedRegEvento` 101101, signed) and the ADN's municipal rates; its simulator
//! behind the `simulator` feature. The same layout as the other remote adapters:
//!
//! | module | what |
//! |---|---|
//! | [`ClienteNfse`] (`cliente`) | the client over `guiche-http`, and an [`EmissorNotas`](guiche_ports::emissor::EmissorNotas) |
//! | [`wire`] | paths, the JSON bodies (SEFIN camelCase, ADN PascalCase), gzip + base64, error bodies of every shape |
//! | [`ErroNfse`] (`erro`) | what goes wrong, and its kind for the port |
//! //! | `simulador` (feature `simulator`) | SEFIN Nacional and the ADN's parameters on loopback over mTLS |
//!
//! The DPS and the cancellation request are `guiche_domain::nfse` (typed, checked, written) and
//! are signed by `guiche_certificados::nfse` (`assinar_dps`, `assinar_pedido_evento`);
//! this crate only carries them.

mod cliente;
mod erro;
pub mod wire;

#[cfg(feature = "simulator")]
pub mod simulador;

pub use cliente::{
    CODIGOS_DUPLICIDADE, CODIGOS_EVENTO_DUPLICADO, Cancelamento, ClienteNfse, ConfigNfse, Emissao,
    MAX_RESPOSTA, Nfse, TIPOS_CANCELAMENTO, aliquotas_decimais, id_do_documento,
};
pub use erro::{ErroNfse, juntar};
