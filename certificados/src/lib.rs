//! # guiche-certificados
//!
//! ICP-Brasil certificates and XML signatures, for every adapter that needs them (SERPRO's
//! procurador term today, NFS-e Nacional's DPS next) without one adapter depending on another.
//!
//! | module | what |
//! |---|---|
//! | [`certificado`] | A1 PKCS#12 files (legacy RC2-40/3DES included) in pure Rust; the holder's CNPJ/CPF; PEM identity for mTLS |
//! | [`xmldsig`] | enveloped XMLDSig (RSA-SHA256, SHA-256, inclusive C14N 1.0) over documents written in canonical form: a writer of that form, a signer of the whole document or of the element with a given `Id`, and its verifier |
//! | [`nfse`] | the NFS-e Nacional DPS signed over `infDPS` with the prestador's own certificate |
//! | `pki_teste` (feature `pki-teste`) | a throw-away ICP-Brasil-like PKI for tests and simulators |
//!
//! ```
//! use guiche_certificados::xmldsig::{Alvo, XmlCanonico};
//!
//! // A document is written directly in canonical form, then signed (see `Assinante`).
//! let mut x = XmlCanonico::default();
//! x.abre("DPS", &[("xmlns", "http://www.sped.fazenda.gov.br/nfse"), ("versao", "1.00")]);
//! x.abre("infDPS", &[("Id", "DPS1")]);
//! x.elemento_texto("tpAmb", "2");
//! x.fecha("infDPS");
//! x.fecha("DPS");
//! assert_eq!(
//!     x.como_str(),
//!     r#"<DPS xmlns="http://www.sped.fazenda.gov.br/nfse" versao="1.00"><infDPS Id="DPS1"><tpAmb>2</tpAmb></infDPS></DPS>"#
//! );
//! assert_eq!(Alvo::Id("DPS1".into()).uri(), "#DPS1");
//! ```

pub mod certificado;
pub mod nfse;
#[cfg(feature = "pki-teste")]
pub mod pki_teste;
pub mod xmldsig;

pub use certificado::{Certificado, ErroCertificado, Senha, titular_de_der};
