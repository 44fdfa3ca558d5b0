//! # guiche-loja
//!
//! SERPRO's commercial APIs for private companies — **Consulta CPF** v2, **Consulta CNPJ** v2
//! (`basica`, `qsa`, `empresa`) and **Consulta CND** — as the port
//! [`guiche_ports::consulta::ConsultaCadastral`]: OAuth 2 client credentials (no client
//! certificate), every call tagged (`X-Request-Tag`) and metered in the ledger under the shared
//! monthly ceiling; the public trial; its simulator behind the `simulator` feature. The same
//! layout as the other remote adapters:
//!
//! | module | what |
//! |---|---|
//! | [`ClienteLoja`] (`cliente`) | the port's implementation over `guiche-http`: one token for all callers, renewal on 401, trial bearer, tags, metering |
//! | [`wire`] | the paths (production and `-trial`), the token, and each API's DTOs in `wire/<api>.rs`, read tolerantly |
//! | [`ErroLoja`] (`erro`) | every documented status as an error, and its kind for the port |
//! | [`bilhetagem`] | which statuses are billed, the billing service names |
//! | `simulador` (feature `simulator`) | the three APIs and the token endpoint as the public trial answers |
//!
//! ## Settings (read by the application; the wiring is not in this crate)
//!
//! | variable | meaning |
//! |---|---|
//! | `GUICHE_SERPRO_LOJA_URL` | the gateway ([`wire::URL_PRODUCAO`] when unset); https, or http to loopback only |
//! | `GUICHE_SERPRO_LOJA_CONSUMER_KEY` | the contract's consumer key |
//! | `GUICHE_SERPRO_LOJA_CONSUMER_SECRET` | its secret (never in argv, logs or messages) |
//! | `GUICHE_SERPRO_LOJA_CONSUMER_SECRET_ARQUIVO` | or a file holding it (0600), as the issue asks |
//! | `GUICHE_SERPRO_LOJA_TRIAL=1` | the public trial: fixed bearer, `-trial` paths, no key or secret |
//!
//! ```no_run
//! use guiche_loja::{ClienteLoja, ConfigLoja, Credenciais};
//! use guiche_domain::Cpf;
//! use guiche_ports::consulta::Etiqueta;
//! use std::time::Duration;
//!
//! # async fn exemplo() -> Result<(), Box<dyn std::error::Error>> {
//! let cliente = ClienteLoja::new(
//!     ConfigLoja {
//!         url_base: guiche_loja::wire::URL_PRODUCAO.into(),
//!         credenciais: Credenciais::Trial,
//!         ca_extra_pem: None,
//!         timeout: Duration::from_secs(30),
//!     },
//!     None, // Some(Medicao { .. }) to meter the calls in the ledger
//! )?;
//! let etiqueta = Etiqueta::nova("34238864000168-cadastro")?;
//! let dados = cliente.consultar_cpf(&Cpf::parse("404.428.201-35")?, &etiqueta).await?;
//! println!("{}: {:?}", dados.nome, dados.situacao.descricao);
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
    ClienteLoja, ConfigLoja, Credenciais, MAX_RESPOSTA, Medicao, data_informada, ler_cnd, ler_cnpj,
    ler_cpf, situacao_cnd,
};
pub use erro::{ErroLoja, erro_consulta};
pub use guiche_ports::Segredo;
