//! # guiche-serpro
//!
//! The SERPRO Integra Contador adapter (OAuth over mTLS with an e-CNPJ certificate, the five
//! service types, typed services, the signed AUTENTICAPROCURADOR term, billing), with its
//! simulator behind the `simulator` feature. Conecta gov.br has its own crate, `guiche-conecta`.
//!
//! | module | what |
//! |---|---|
//! | [`bilhetagem`] | which Integra Contador answers SERPRO bills, and the safe side when unknown |
//! | [`certificado`] | ICP-Brasil PKCS#12 files (legacy RC2-40/3DES included), from `guiche-certificados` |
//! | [`ClienteIntegra`] | token over mTLS (cached, one request in flight), calls and batch calls, retries only where safe, billing reserved before each billed attempt and kept unless provably unbilled |
//! | [`ErroIntegra`], [`ErroServico`] (`erro`) | what goes wrong in a call and in reading a typed service, and its kind for the port |
//! | [`servicos`] | one typed function per service: DAS, declarations, payments, proof, DARF, SITFIS, procurações, mailbox, update events |
//! | [`termo`], [`verificacao`] | the procurador's authorization term, signed and verified with `guiche-certificados`' enveloped XMLDSig |
//! | [`receita`] | the port `IntegraContador` (typed services, procurador sign-in) over this client |
//! | [`fonte`] | payments as the `guiche_ports::ecac::FontePagamentos` port, for the e-CAC reconciliation |
//! | [`wire`] | the envelope and the tolerant reading of replies; each service's input and `dados` as serde DTOs (`wire::das`, `wire::pagtoweb`, …) |
//! | `simulador`, `pki_teste` (feature `simulator`) | Integra Contador on loopback, and the throw-away PKI of `guiche-certificados` for it |
//!
//! The request envelope and catalogue facts live in `guiche_domain::serpro`.
//!
//! ```no_run
//! use guiche_domain::{Cnpj, Competencia, Data};
//! use guiche_serpro::certificado::{Certificado, Senha};
//! use guiche_serpro::{ClienteIntegra, ConfigIntegra, Segredo, servicos};
//! use std::time::Duration;
//!
//! # async fn exemplo() -> Result<(), Box<dyn std::error::Error>> {
//! // The office's e-CNPJ (A1) authenticates it as contratante.
//! let certificado = Certificado::ler_arquivo("ecnpj.pfx".as_ref(), &Senha::new("senha"))?;
//! let cliente = ClienteIntegra::new(ConfigIntegra {
//!     url_autenticacao: "https://autenticacao.sapi.serpro.gov.br/authenticate".into(),
//!     url_gateway: "https://gateway.apiserpro.serpro.gov.br/integra-contador/v1".into(),
//!     consumer_key: "chave".into(),
//!     consumer_secret: Segredo::new("segredo"),
//!     certificado,
//!     ca_extra_pem: None,
//!     timeout: Duration::from_secs(60),
//! })?;
//! // A client's DAS (the client gave the office an e-CAC procuração).
//! let cliente_do_escritorio = Cnpj::parse("11.444.777/0001-61")?;
//! let hoje = Data::new(2026, 11, 22)?;
//! for das in servicos::gerar_das(&cliente, &cliente_do_escritorio, Competencia::parse("202610")?, hoje).await? {
//!     println!("DAS {} de {}: {}", das.numero, das.periodo, das.valor_total);
//! }
//! # Ok(())
//! # }
//! ```

pub mod bilhetagem;
/// ICP-Brasil PKCS#12 certificates: [`guiche_certificados::certificado`], re-exported because
/// [`ConfigIntegra`] takes one.
pub use guiche_certificados::certificado;
mod cliente;
mod erro;
pub use erro::{ErroIntegra, ErroServico};
pub mod fonte;
/// The test PKI of [`guiche_certificados`], which the simulators use.
#[cfg(feature = "simulator")]
pub use guiche_certificados::pki_teste;
pub mod receita;
pub mod servicos;
pub mod termo;
pub mod verificacao;
pub mod wire;

#[cfg(feature = "simulator")]
pub mod simulador;

pub use cliente::{
    Chamada, ClienteIntegra, ConfigIntegra, Credencial, MAX_RESPOSTA, Politica, Retorno, Segredo,
    TokenProcurador, codigos, etiqueta,
};
pub use guiche_http::MAX_VALIDADE_TOKEN;
