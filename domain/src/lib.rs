//! # guiche-domain
//!
//! The pure rules of guichê, for teams that want only the rules: Brazilian documents and
//! money, the NFD municipal service invoice, the CONAM accounting package, the SERPRO Integra
//! Contador envelope, DARF/DAS guides and their reconciliation. No I/O, no async, no clock:
//! everything a rule needs from the outside world ("today", the provider's last nota) is a
//! parameter.
//!
//! Validation returns **every** violation, each naming the field (the official tag or JSON
//! key), a stable rule code, a message in Brazilian Portuguese and the offending value.
//!
//! ## Validate a nota (NFD)
//!
//! ```
//! use guiche_domain::nfd::{ContextoNfd, NotaBruta, Prefeitura};
//! use guiche_domain::Data;
//!
//! let xml = include_str!("../tests/vetores/nfd-manual.xml"); // the manual's example
//! let ctx = ContextoNfd { prefeitura: Prefeitura::buscar("3150"), ..ContextoNfd::new(Data::new(2026, 11, 22)?) };
//! let violacoes = NotaBruta::de_xml(xml)?.validar(&ctx).unwrap_err();
//! assert_eq!(violacoes.len(), 1); // only its all-zero TOMADOR_DOCUMENTO
//! assert_eq!(violacoes.iter().next().unwrap().campo, "TOMADOR_DOCUMENTO");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Validate a pacote (CONAM)
//!
//! ```
//! use guiche_domain::conam::{PacoteBruto, Tabela2};
//!
//! let json = include_str!("../tests/vetores/conam-manual-1.json"); // the manual's example
//! let pacote = PacoteBruto::de_json(json)?.validar(Tabela2::oficial())?;
//! assert_eq!(pacote.movimentos().len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Modules
//!
//! | module | what it holds |
//! |---|---|
//! | [`documento`] | [`Cpf`], [`Cnpj`] (numeric and alphanumeric), [`Documento`] |
//! | [`valor`] | [`Valor`] (money, exact) and [`Percentual`] |
//! | [`data`] | [`Data`] (`DD/MM/AAAA`) and [`Competencia`] (`AAAAMM`) |
//! | [`municipio`] | [`CodigoIbge`], checked against the official list shipped as data |
//! | [`nfd`] | the `<NOTA>`, municipal profiles as data, every NFD rule |
//! | [`nfse`] | NFS-e Nacional: the DPS v1.01, its Id, the access key, every rule checked offline |
//! | [`conam`] | the pacote, Tables 1 and 2 (as data), every CONAM rule |
//! | [`serpro`] | the Integra Contador envelope, service types, procurações |
//! | [`guia`] | DARF/DAS, document numbers, the arrecadação barcode |
//! | [`conciliacao`] | guides × payments → occurrences |
//! | [`violacao`] | [`Violacao`], [`Violacoes`], [`Regra`] |
//!
//! ## Features
//!
//! | feature | what it adds | default |
//! |---|---|---|
//! | `formatos` | reading/writing the `<NOTA>` XML, its JSON form and the pacote JSON (quick-xml, serde_json) | yes |
//! | `proptest` | `estrategias`: proptest strategies that generate valid documents | no |

pub mod conam;
pub mod conciliacao;
pub mod data;
pub mod documento;
pub mod guia;
pub mod municipio;
pub mod nfd;
pub mod nfse;
pub mod serpro;
mod texto;
pub mod valor;
pub mod violacao;

#[cfg(feature = "formatos")]
mod formatos;

#[cfg(any(test, feature = "proptest"))]
pub mod estrategias;

#[cfg(test)]
mod propriedades;

pub use data::{Competencia, Data};
pub use documento::{Cnpj, Cpf, Documento};
pub use municipio::CodigoIbge;
pub use valor::{Percentual, Valor};
pub use violacao::{Regra, Violacao, Violacoes};
