//! Verifying an AUTENTICAPROCURADOR term: the digest of the document without its signature,
//! the RSA-SHA256 signature over the canonical `SignedInfo`, the algorithms of the profile, and
//! the fields the service checks (who signed, for whom, dates).
//!
//! It reads the term in the canonical form [`crate::termo`] writes (and SERPRO's own samples
//! write): the document without the `Signature` element and the XML declaration is already its
//! C14N form. A term written otherwise (indented, attributes in another order) is refused as not
//! verifying — what the simulator needs, not a general XMLDSig verifier (CI checks our terms with
//! `xmlsec1` for that).

use crate::termo::{
    ALG_C14N, ALG_ENVELOPED, ALG_RSA_SHA256, ALG_SHA256, ErroTermo, NS_XMLDSIG,
    chave_do_certificado,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use guiche_domain::Data;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use sha2::{Digest, Sha256};

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

/// Why a term does not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroVerificacao {
    /// Not the term's shape (root, a tag or an attribute missing).
    #[error("termo malformado: {0}")]
    Forma(String),
    /// An algorithm other than the profile's.
    #[error("algoritmo fora do perfil: {0}")]
    Algoritmo(String),
    /// The digest does not match the document.
    #[error("o resumo (DigestValue) não confere com o documento")]
    Resumo,
    /// The signature does not verify with the embedded certificate.
    #[error("a assinatura não confere com o certificado")]
    Assinatura,
    /// The certificate is unreadable or not RSA.
    #[error(transparent)]
    Certificado(#[from] ErroTermo),
}

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
    Ok(valor
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&"))
}

fn data(doc: &str, elemento: &str) -> Result<Data, ErroVerificacao> {
    let t = atributo(doc, elemento, "data")?;
    Data::parse_compacta(&t)
        .map_err(|e| ErroVerificacao::Forma(format!("{elemento}/@data \"{t}\": {e}")))
}

/// Verifies a signed term (the XML, not its base64).
///
/// # Errors
/// [`ErroVerificacao`] naming what does not hold.
pub fn verificar(xml: &str) -> Result<TermoVerificado, ErroVerificacao> {
    let corpo = xml.trim_start_matches('\u{feff}');
    let corpo = match corpo.strip_prefix("<?xml") {
        Some(r) => r
            .split_once("?>")
            .map_or("", |(_, d)| d)
            .trim_start_matches(['\r', '\n']),
        None => corpo,
    };
    if !corpo.starts_with("<termoDeAutorizacao>") {
        return Err(ErroVerificacao::Forma(
            "a raiz deve ser termoDeAutorizacao".into(),
        ));
    }
    let inicio = corpo
        .find("<Signature")
        .ok_or_else(|| ErroVerificacao::Forma("falta Signature".into()))?;
    let fim = corpo
        .find("</Signature>")
        .map(|j| j + "</Signature>".len())
        .ok_or_else(|| ErroVerificacao::Forma("Signature sem fim".into()))?;
    let assinatura = &corpo[inicio..fim];
    let documento = format!("{}{}", &corpo[..inicio], &corpo[fim..]);
    conferir_algoritmos(assinatura)?;
    let resumo = entre(assinatura, "<DigestValue>", "</DigestValue>")
        .ok_or_else(|| ErroVerificacao::Forma("falta DigestValue".into()))?;
    if STANDARD.encode(Sha256::digest(documento.as_bytes())) != resumo {
        return Err(ErroVerificacao::Resumo);
    }
    let certificado_der = decodificar(
        entre(assinatura, "<X509Certificate>", "</X509Certificate>"),
        "X509Certificate",
    )?;
    conferir_assinatura(assinatura, &certificado_der)?;
    Ok(TermoVerificado {
        destinatario: atributo(&documento, "destinatario", "numero")?,
        assinado_por: atributo(&documento, "assinadoPor", "numero")?,
        data_assinatura: data(&documento, "dataAssinatura")?,
        vigencia: data(&documento, "vigencia")?,
        certificado_der,
    })
}

fn decodificar(b64: Option<&str>, nome: &str) -> Result<Vec<u8>, ErroVerificacao> {
    let limpo: String = b64
        .ok_or_else(|| ErroVerificacao::Forma(format!("falta {nome}")))?
        .split_whitespace()
        .collect();
    STANDARD
        .decode(limpo)
        .map_err(|e| ErroVerificacao::Forma(format!("{nome} não é base64: {e}")))
}

fn conferir_algoritmos(assinatura: &str) -> Result<(), ErroVerificacao> {
    for (o_que, uri) in [
        ("C14N", ALG_C14N),
        ("RSA-SHA256", ALG_RSA_SHA256),
        ("enveloped", ALG_ENVELOPED),
        ("SHA-256", ALG_SHA256),
    ] {
        if !assinatura.contains(&format!("Algorithm=\"{uri}\"")) {
            return Err(ErroVerificacao::Algoritmo(format!(
                "esperava {o_que} ({uri})"
            )));
        }
    }
    if assinatura.matches("<Reference ").count() != 1
        || !assinatura.contains("<Reference URI=\"\">")
    {
        return Err(ErroVerificacao::Algoritmo(
            "exatamente uma Reference com URI=\"\"".into(),
        ));
    }
    Ok(())
}

fn conferir_assinatura(assinatura: &str, certificado_der: &[u8]) -> Result<(), ErroVerificacao> {
    let signed = entre(assinatura, "<SignedInfo>", "</SignedInfo>")
        .ok_or_else(|| ErroVerificacao::Forma("falta SignedInfo".into()))?;
    let canonico = format!("<SignedInfo xmlns=\"{NS_XMLDSIG}\">{signed}</SignedInfo>");
    let valor = decodificar(
        entre(assinatura, "<SignatureValue>", "</SignatureValue>"),
        "SignatureValue",
    )?;
    let chave = chave_do_certificado(certificado_der)?;
    let assinatura =
        Signature::try_from(valor.as_slice()).map_err(|_| ErroVerificacao::Assinatura)?;
    VerifyingKey::<Sha256>::new(chave)
        .verify(canonico.as_bytes(), &assinatura)
        .map_err(|_| ErroVerificacao::Assinatura)
}
