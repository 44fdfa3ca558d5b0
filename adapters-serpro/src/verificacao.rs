//! Verifying an AUTENTICAPROCURADOR term: the enveloped signature over the whole document
//! ([`guiche_certificados::xmldsig::verificar`]: the profile's algorithms, the digest, the
//! RSA-SHA256 signature over the canonical `SignedInfo`), then the fields the service checks
//! (who signed, for whom, dates).
//!
//! It reads the term in the canonical form [`crate::termo`] writes (and SERPRO's own samples
//! write). A term written otherwise (indented, attributes in another order) is refused as not
//! verifying — what the simulator needs (CI also checks our terms with `xmlsec1`).

use guiche_certificados::xmldsig::{self, Alvo, desescapar, sem_declaracao};
use guiche_domain::Data;

/// What a verified term says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermoVerificado {
    /// `destinatario/@numero`: the contratante (digits).
    pub destinatario: String,
    /// `assinadoPor/@numero`: the signer (digits).
    pub assinado_por: String,
    /// `dataAssinatura/@data`.
    pub data_assinatura: Data,
    /// `vigencia/@data`.
    pub vigencia: Data,
    /// The signer's certificate (DER), from `KeyInfo`.
    pub certificado_der: Vec<u8>,
}

/// Why a term does not verify: the signature's errors, and a term-shaped `Forma` (root, a field
/// missing or unreadable).
pub use guiche_certificados::xmldsig::ErroVerificacao;

fn entre<'a>(texto: &'a str, abre: &str, fecha: &str) -> Option<&'a str> {
    let i = texto.find(abre)? + abre.len();
    let j = texto[i..].find(fecha)? + i;
    Some(&texto[i..j])
}

fn atributo(doc: &str, elemento: &str, nome: &str) -> Result<String, ErroVerificacao> {
    let tag = entre(doc, &format!("<{elemento} "), ">")
        .ok_or_else(|| ErroVerificacao::Forma(format!("falta <{elemento}>")))?;
    let valor = entre(tag, &format!(" {nome}=\""), "\"")
        .or_else(|| {
            tag.strip_prefix(&format!("{nome}=\""))
                .and_then(|r| r.split('"').next())
        })
        .ok_or_else(|| ErroVerificacao::Forma(format!("falta {elemento}/@{nome}")))?;
    Ok(desescapar(valor))
}

fn data(doc: &str, elemento: &str) -> Result<Data, ErroVerificacao> {
    let t = atributo(doc, elemento, "data")?;
    Data::parse_compacta(&t)
        .map_err(|e| ErroVerificacao::Forma(format!("{elemento}/@data \"{t}\": {e}")))
}

/// Verifies a signed term (the XML, not its base64): the signature over the whole document
/// ([`guiche_certificados::xmldsig::verificar`]), then the term's fields.
///
/// # Errors
/// [`ErroVerificacao`] naming what does not hold.
pub fn verificar(xml: &str) -> Result<TermoVerificado, ErroVerificacao> {
    if !sem_declaracao(xml).starts_with("<termoDeAutorizacao>") {
        return Err(ErroVerificacao::Forma(
            "a raiz deve ser termoDeAutorizacao".into(),
        ));
    }
    let verificado = xmldsig::verificar(xml)?;
    if verificado.alvo != Alvo::Documento {
        return Err(ErroVerificacao::Algoritmo(
            "exatamente uma Reference com URI=\"\"".into(),
        ));
    }
    let documento = &verificado.documento;
    Ok(TermoVerificado {
        destinatario: atributo(documento, "destinatario", "numero")?,
        assinado_por: atributo(documento, "assinadoPor", "numero")?,
        data_assinatura: data(documento, "dataAssinatura")?,
        vigencia: data(documento, "vigencia")?,
        certificado_der: verificado.certificado_der,
    })
}
