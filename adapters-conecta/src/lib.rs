//! # guiche-conecta
//!
//! The Conecta gov.br adapter: CPF Light and CNPJ Básica queries for public bodies (OAuth 2
//! client credentials, no client certificate), metered against the homologation quota, as the
//! port [`guiche_ports::conecta::ConectaGovBr`]; its simulator behind the `simulator` feature.
//! The same layout as the other remote adapters:
//!
//! | module | what |
//! |---|---|
//! | [`ClienteConecta`] (`cliente`) | the port's implementation over `guiche-http`: token cached with one request in flight, renewal on 401, the quota reserved before each call and kept unless provably unbilled |
//! | [`wire`] | the paths, the request body and the answers as serde DTOs, the `SituacaoCadastral` table |
//! | [`ErroConecta`] (`erro`) | what goes wrong, and its kind for the port |
//! | [`bilhetagem`] | which answers count against the quota, and the safe side when unknown |
//! | `simulador` (feature `simulator`) | Conecta gov.br on loopback over TLS |
//!
//! ```no_run
//! use guiche_conecta::{ClienteConecta, ConfigConecta, QUOTA_HOMOLOGACAO};
//! use guiche_domain::Cnpj;
//! use guiche_ports::Segredo;
//! use std::time::Duration;
//!
//! # async fn exemplo() -> Result<(), Box<dyn std::error::Error>> {
//! let cliente = ClienteConecta::new(
//!     ConfigConecta {
//!         url_base: "https://h-apigateway.conectagov.estaleiro.serpro.gov.br".into(),
//!         client_id: "orgao".into(),
//!         client_secret: Segredo::new("segredo"),
//!         cpf_usuario: guiche_domain::Cpf::parse("529.982.247-25")?,
//!         ca_extra_pem: None,
//!         timeout: Duration::from_secs(30),
//!         quota: None, // Some(QUOTA_HOMOLOGACAO) in homologation, with a meter
//!     },
//!     None,
//! )?;
//! let empresa = cliente.consultar_cnpj(&Cnpj::parse("11.222.333/0001-81")?).await?;
//! println!("{} ({QUOTA_HOMOLOGACAO} chamadas de teste)", empresa.razao_social);
//! # Ok(())
//! # }
//! ```

pub mod bilhetagem;
mod cliente;
mod erro;
pub mod wire;

#[cfg(feature = "simulator")]
pub mod simulador;

pub use cliente::{
    ClienteConecta, ConfigConecta, MAX_RESPOSTA, MAXIMO_CPFS, QUOTA_HOMOLOGACAO, SERVICO_CNPJ,
    SERVICO_CPF,
};
pub use erro::{ErroConecta, erro_conecta};
pub use guiche_ports::Segredo;
pub use guiche_ports::conecta::{DadosCnpj, SituacaoCadastral, SituacaoCnpj, SituacaoCpf};
pub use wire::{caminhos, descricao_situacao};
