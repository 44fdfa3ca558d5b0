//! Enveloped XMLDSig over documents written in canonical form: RSA-SHA256, SHA-256, inclusive
//! C14N 1.0 — the profile of SERPRO's procurador term and of NFS-e Nacional's DPS.
//!
//! There is no mature C14N crate, so documents are *written* directly in their canonical form
//! ([`XmlCanonico`]): attributes sorted, empty elements as start and end tags, values escaped as
//! C14N does, no XML declaration, no comments, and (by choice) no whitespace between elements.
//! The signer ([`Assinante::assinar`]) reads such a document, digests either all of it
//! ([`Alvo::Documento`], `URI=""`) or the element carrying `Id="…"` ([`Alvo::Id`], `URI="#…"`,
//! the ancestors' namespace declarations rendered on it, as C14N of a subset demands), and
//! appends `Signature` as the root's last child. [`verificar`] checks a document signed that
//! way (and refuses one written otherwise, e.g. indented, as not matching its digest).
//!
//! ```
//! use guiche_certificados::xmldsig::{ALG_RSA_SHA256, Alvo};
//! assert_eq!(Alvo::Documento.uri(), "");
//! assert_eq!(ALG_RSA_SHA256, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
//! ```

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePublicKey as _, PrivateKeyInfo};
use rsa::signature::{SignatureEncoding as _, Signer as _, Verifier as _};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest as _, Sha256};

use crate::certificado::Certificado;

/// XMLDSig namespace, declared on `Signature`.
pub const NS_XMLDSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Inclusive C14N 1.0 without comments (canonicalization method and second transform).
pub const ALG_C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
/// RSA PKCS#1 v1.5 with SHA-256.
pub const ALG_RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
/// The enveloped-signature transform.
pub const ALG_ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
/// SHA-256 digest.
pub const ALG_SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// The attribute that names a signed element ([`Alvo::Id`]), as NF-e and NFS-e use it.
pub const ATRIBUTO_ID: &str = "Id";

/// What a signature covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Alvo {
    /// The whole document (`Reference URI=""`), the signature itself excluded.
    Documento,
    /// The element whose `Id` attribute has this value (`Reference URI="#…"`).
    Id(String),
}

impl Alvo {
    /// The `Reference/@URI` value.
    pub fn uri(&self) -> String {
        match self {
            Alvo::Documento => String::new(),
            Alvo::Id(id) => format!("#{id}"),
        }
    }
}

/// Why a document could not be signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroAssinatura {
    /// The private key is not valid PKCS#8 DER.
    #[error("chave privada PKCS#8 inválida: {0}")]
    ChaveInvalida(String),
    /// The private key is not RSA (the profile demands RSA-SHA256).
    #[error("a chave privada não é RSA (a assinatura exige RSA-SHA256)")]
    ChaveNaoRsa,
    /// The certificate is not valid X.509 DER.
    #[error("certificado X.509 inválido: {0}")]
    CertificadoInvalido(String),
    /// The certificate's public key is not the one of the private key (or not RSA).
    #[error("o certificado não corresponde à chave privada")]
    CertificadoNaoConfere,
    /// The document is not in the canonical form the signer reads, or the target is missing.
    #[error("documento a assinar: {0}")]
    Documento(String),
    /// The RSA signature itself failed (key too small for SHA-256, for instance).
    #[error("falha ao assinar: {0}")]
    Assinatura(String),
}

/// Why a signed document does not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroVerificacao {
    /// Not a document this verifier reads (a tag, an attribute or the signature missing).
    #[error("documento malformado: {0}")]
    Forma(String),
    /// An algorithm other than the profile's.
    #[error("algoritmo fora do perfil: {0}")]
    Algoritmo(String),
    /// The digest does not match the signed content.
    #[error("o resumo (DigestValue) não confere com o documento")]
    Resumo,
    /// The signature does not verify with the embedded certificate.
    #[error("a assinatura não confere com o certificado")]
    Assinatura,
    /// The embedded certificate is unreadable or not RSA.
    #[error(transparent)]
    Certificado(ErroAssinatura),
}

/// A signer: an RSA private key and its certificate (embedded in `KeyInfo`).
///
/// `Debug` shows the certificate's size, never the key.
#[derive(Clone)]
pub struct Assinante {
    chave: RsaPrivateKey,
    certificado_der: Vec<u8>,
}

impl fmt::Debug for Assinante {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Assinante")
            .field("certificado_der", &self.certificado_der.len())
            .field("chave", &"***")
            .finish()
    }
}

impl Assinante {
    /// A signer from an RSA private key (unencrypted PKCS#8 DER) and its X.509 certificate (DER).
    ///
    /// # Errors
    /// [`ErroAssinatura::ChaveInvalida`], [`ErroAssinatura::ChaveNaoRsa`],
    /// [`ErroAssinatura::CertificadoInvalido`] or [`ErroAssinatura::CertificadoNaoConfere`].
    pub fn novo(
        chave_pkcs8_der: &[u8],
        certificado_der: &[u8],
    ) -> Result<Assinante, ErroAssinatura> {
        let chave = chave_rsa(chave_pkcs8_der)?;
        if chave_do_certificado(certificado_der)? != RsaPublicKey::from(&chave) {
            return Err(ErroAssinatura::CertificadoNaoConfere);
        }
        Ok(Assinante {
            chave,
            certificado_der: certificado_der.to_vec(),
        })
    }

    /// A signer from a loaded A1 certificate (its key and leaf certificate).
    ///
    /// # Errors
    /// As [`Assinante::novo`] (an e-CNPJ with an ECDSA key is [`ErroAssinatura::ChaveNaoRsa`]).
    pub fn do_certificado(certificado: &Certificado) -> Result<Assinante, ErroAssinatura> {
        Assinante::novo(certificado.chave_pkcs8_der(), certificado.certificado_der())
    }

    /// Signs `documento` (canonical form, see the module) over `alvo` and returns it with the
    /// `Signature` element as the root's last child (no XML declaration added). Deterministic:
    /// the same document and key give the same bytes.
    ///
    /// # Errors
    /// [`ErroAssinatura::Documento`] when the document is not in the supported canonical form,
    /// already holds a `Signature`, or has no (or more than one) element with the `Id`;
    /// [`ErroAssinatura::Assinatura`] when RSA fails.
    pub fn assinar(&self, documento: &str, alvo: &Alvo) -> Result<String, ErroAssinatura> {
        let erro = |e: String| ErroAssinatura::Documento(e);
        let arvore = Arvore::ler(documento).map_err(erro)?;
        if arvore.assinaturas().next().is_some() {
            return Err(erro(
                "o documento já contém uma assinatura (Signature)".into(),
            ));
        }
        let conteudo = arvore.conteudo(alvo).map_err(erro)?;
        let digest = STANDARD.encode(Sha256::digest(conteudo.as_bytes()));
        let certificado = STANDARD.encode(&self.certificado_der);
        let fim_raiz = arvore.raiz().inicio_fechamento;
        let com_assinatura = |valor: &str| {
            let elemento = elemento_signature(&alvo.uri(), &digest, valor, &certificado);
            format!(
                "{}{elemento}{}",
                &documento[..fim_raiz],
                &documento[fim_raiz..]
            )
        };
        // SignedInfo is signed in its canonical form inside the signed document (the namespaces
        // in scope where it sits rendered on it): the same computation the verifier makes.
        let provisorio = com_assinatura("");
        let signed_info = Arvore::ler(&provisorio)
            .and_then(|a| a.signed_info_canonico())
            .map_err(erro)?;
        let assinatura = SigningKey::<Sha256>::new(self.chave.clone())
            .try_sign(signed_info.as_bytes())
            .map_err(|e| ErroAssinatura::Assinatura(e.to_string()))?;
        Ok(com_assinatura(&STANDARD.encode(assinatura.to_bytes())))
    }
}

/// What a verified document says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentoVerificado {
    /// The document without its `Signature` element and XML declaration (canonical form).
    /// With [`Alvo::Id`] only [`DocumentoVerificado::assinado`] is signed: read the fields from
    /// there, never from elsewhere in the document (signature wrapping).
    pub documento: String,
    /// What the signature covers.
    pub alvo: Alvo,
    /// The signed content as digested: the whole [`DocumentoVerificado::documento`], or the
    /// element with the `Id` with the namespaces in scope declared on it.
    pub assinado: String,
    /// The signer's certificate (DER), from `KeyInfo`.
    pub certificado_der: Vec<u8>,
}

/// The document after an optional BOM and XML declaration (and the line break after it), and
/// without trailing whitespace (outside the root, which C14N drops).
pub fn sem_declaracao(xml: &str) -> &str {
    let corpo = xml.trim_start_matches('\u{feff}');
    let corpo = match corpo.strip_prefix("<?xml") {
        Some(r) => r
            .split_once("?>")
            .map_or("", |(_, d)| d)
            .trim_start_matches(['\r', '\n']),
        None => corpo,
    };
    corpo.trim_end()
}

/// Verifies a document signed as [`Assinante::assinar`] signs (the XML, optionally with its
/// declaration): exactly one `Signature`, the profile's algorithms, the digest of the target,
/// and the RSA-SHA256 signature of the canonical `SignedInfo` with the embedded certificate.
/// It says nothing of whom to trust: the caller checks [`DocumentoVerificado::certificado_der`].
///
/// # Errors
/// [`ErroVerificacao`] naming what does not hold.
pub fn verificar(xml: &str) -> Result<DocumentoVerificado, ErroVerificacao> {
    let corpo = sem_declaracao(xml);
    let arvore = Arvore::ler(corpo).map_err(ErroVerificacao::Forma)?;
    let mut assinaturas = arvore.assinaturas();
    let sig = assinaturas
        .next()
        .ok_or_else(|| ErroVerificacao::Forma("falta Signature".into()))?;
    if assinaturas.next().is_some() {
        return Err(ErroVerificacao::Forma("mais de uma Signature".into()));
    }
    let alvo = conferir_algoritmos(&arvore, sig)?;
    let e = &arvore.elementos[sig];
    let documento = format!("{}{}", &corpo[..e.inicio], &corpo[e.fim..]);
    let sem_assinatura = Arvore::ler(&documento).map_err(ErroVerificacao::Forma)?;
    let conteudo = sem_assinatura
        .conteudo(&alvo)
        .map_err(ErroVerificacao::Forma)?;
    let resumo = arvore.texto_de(sig, "DigestValue")?;
    if STANDARD.encode(Sha256::digest(conteudo.as_bytes())) != resumo {
        return Err(ErroVerificacao::Resumo);
    }
    let certificado_der = base64(arvore.texto_de(sig, "X509Certificate")?, "X509Certificate")?;
    let valor = base64(arvore.texto_de(sig, "SignatureValue")?, "SignatureValue")?;
    let signed_info = arvore
        .signed_info_canonico()
        .map_err(ErroVerificacao::Forma)?;
    let chave = chave_do_certificado(&certificado_der).map_err(ErroVerificacao::Certificado)?;
    let assinatura =
        Signature::try_from(valor.as_slice()).map_err(|_| ErroVerificacao::Assinatura)?;
    VerifyingKey::<Sha256>::new(chave)
        .verify(signed_info.as_bytes(), &assinatura)
        .map_err(|_| ErroVerificacao::Assinatura)?;
    Ok(DocumentoVerificado {
        documento,
        alvo,
        assinado: conteudo,
        certificado_der,
    })
}

/// The profile's algorithms, exactly one `Reference`; returns its target.
fn conferir_algoritmos(arvore: &Arvore<'_>, sig: usize) -> Result<Alvo, ErroVerificacao> {
    let algoritmo = |nome: &str| -> Result<Vec<String>, ErroVerificacao> {
        arvore
            .descendentes(sig, nome)
            .map(|i| {
                arvore
                    .atributo(i, "Algorithm")
                    .ok_or_else(|| ErroVerificacao::Forma(format!("falta {nome}/@Algorithm")))
            })
            .collect()
    };
    for (nome, esperado) in [
        ("CanonicalizationMethod", ALG_C14N),
        ("SignatureMethod", ALG_RSA_SHA256),
        ("DigestMethod", ALG_SHA256),
    ] {
        if algoritmo(nome)? != [esperado] {
            return Err(ErroVerificacao::Algoritmo(format!(
                "{nome} deve ser {esperado}"
            )));
        }
    }
    if algoritmo("Transform")? != [ALG_ENVELOPED, ALG_C14N] {
        return Err(ErroVerificacao::Algoritmo(format!(
            "Transforms devem ser {ALG_ENVELOPED} e {ALG_C14N}"
        )));
    }
    let referencias: Vec<usize> = arvore.descendentes(sig, "Reference").collect();
    let [referencia] = referencias.as_slice() else {
        return Err(ErroVerificacao::Algoritmo(
            "exatamente uma Reference".into(),
        ));
    };
    match arvore.atributo(*referencia, "URI").as_deref() {
        Some("") => Ok(Alvo::Documento),
        Some(uri) => match uri.strip_prefix('#') {
            Some(id) if !id.is_empty() => Ok(Alvo::Id(id.to_owned())),
            _ => Err(ErroVerificacao::Algoritmo(format!(
                "Reference/@URI \"{uri}\": só o documento (\"\") ou \"#Id\""
            ))),
        },
        None => Err(ErroVerificacao::Forma("falta Reference/@URI".into())),
    }
}

fn base64(texto: &str, nome: &str) -> Result<Vec<u8>, ErroVerificacao> {
    let limpo: String = texto.split_whitespace().collect();
    STANDARD
        .decode(limpo)
        .map_err(|e| ErroVerificacao::Forma(format!("{nome} não é base64: {e}")))
}

/// The `Signature` element, namespace declared on it; `SignedInfo` without declarations.
fn elemento_signature(uri: &str, digest_b64: &str, valor_b64: &str, cert_b64: &str) -> String {
    let mut x = XmlCanonico::default();
    x.abre("Signature", &[("xmlns", NS_XMLDSIG)]);
    x.abre("SignedInfo", &[]);
    x.vazio("CanonicalizationMethod", &[("Algorithm", ALG_C14N)]);
    x.vazio("SignatureMethod", &[("Algorithm", ALG_RSA_SHA256)]);
    x.abre("Reference", &[("URI", uri)]);
    x.abre("Transforms", &[]);
    x.vazio("Transform", &[("Algorithm", ALG_ENVELOPED)]);
    x.vazio("Transform", &[("Algorithm", ALG_C14N)]);
    x.fecha("Transforms");
    x.vazio("DigestMethod", &[("Algorithm", ALG_SHA256)]);
    x.elemento_texto("DigestValue", digest_b64);
    x.fecha("Reference");
    x.fecha("SignedInfo");
    x.elemento_texto("SignatureValue", valor_b64);
    x.abre("KeyInfo", &[]);
    x.abre("X509Data", &[]);
    x.elemento_texto("X509Certificate", cert_b64);
    x.fecha("X509Data");
    x.fecha("KeyInfo");
    x.fecha("Signature");
    x.0
}

/// Loads an RSA private key from PKCS#8 DER, telling a non-RSA key apart.
fn chave_rsa(der: &[u8]) -> Result<RsaPrivateKey, ErroAssinatura> {
    let info =
        PrivateKeyInfo::try_from(der).map_err(|e| ErroAssinatura::ChaveInvalida(e.to_string()))?;
    if info.algorithm.oid != rsa::pkcs1::ALGORITHM_OID {
        return Err(ErroAssinatura::ChaveNaoRsa);
    }
    RsaPrivateKey::try_from(info).map_err(|e| ErroAssinatura::ChaveInvalida(e.to_string()))
}

/// The RSA public key of a DER certificate (`CertificadoNaoConfere` when not RSA).
fn chave_do_certificado(der: &[u8]) -> Result<RsaPublicKey, ErroAssinatura> {
    let (resto, certificado) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| ErroAssinatura::CertificadoInvalido(e.to_string()))?;
    if !resto.is_empty() {
        return Err(ErroAssinatura::CertificadoInvalido(format!(
            "{} bytes após o certificado",
            resto.len()
        )));
    }
    RsaPublicKey::from_public_key_der(certificado.public_key().raw)
        .map_err(|_| ErroAssinatura::CertificadoNaoConfere)
}

/// A writer of canonical XML (C14N 1.0) for elements and attributes without a prefix, plus
/// namespace declarations (`xmlns`, `xmlns:p`).
#[derive(Clone, Debug, Default)]
pub struct XmlCanonico(String);

impl XmlCanonico {
    /// A start tag. Namespace declarations come first (the default one, then by prefix), then
    /// the other attributes sorted by name, as C14N orders unprefixed attributes.
    pub fn abre(&mut self, nome: &str, atributos: &[(&str, &str)]) {
        let mut ordenados = atributos.to_vec();
        ordenados.sort_by_key(|(n, _)| {
            let classe = match *n {
                "xmlns" => 0,
                n if n.starts_with("xmlns:") => 1,
                _ => 2,
            };
            (classe, *n)
        });
        self.0.push('<');
        self.0.push_str(nome);
        for (n, v) in ordenados {
            self.0.push(' ');
            self.0.push_str(n);
            self.0.push_str("=\"");
            escapar(&mut self.0, v, true);
            self.0.push('"');
        }
        self.0.push('>');
    }

    /// An end tag.
    pub fn fecha(&mut self, nome: &str) {
        self.0.push_str("</");
        self.0.push_str(nome);
        self.0.push('>');
    }

    /// An empty element, written as start and end tags.
    pub fn vazio(&mut self, nome: &str, atributos: &[(&str, &str)]) {
        self.abre(nome, atributos);
        self.fecha(nome);
    }

    /// Text content, escaped.
    pub fn texto(&mut self, texto: &str) {
        escapar(&mut self.0, texto, false);
    }

    /// An element holding only text.
    pub fn elemento_texto(&mut self, nome: &str, texto: &str) {
        self.abre(nome, &[]);
        self.texto(texto);
        self.fecha(nome);
    }

    /// Appends XML already in canonical form (e.g. an element written by another writer).
    pub fn bruto(&mut self, xml: &str) {
        self.0.push_str(xml);
    }

    /// What was written so far.
    pub fn como_str(&self) -> &str {
        &self.0
    }

    /// The written document.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// C14N escaping: in attributes `& < "` and TAB/LF/CR; in text `& < >` and CR.
pub fn escapar(saida: &mut String, valor: &str, atributo: bool) {
    for c in valor.chars() {
        match (c, atributo) {
            ('&', _) => saida.push_str("&amp;"),
            ('<', _) => saida.push_str("&lt;"),
            ('"', true) => saida.push_str("&quot;"),
            ('>', false) => saida.push_str("&gt;"),
            ('\t', true) => saida.push_str("&#x9;"),
            ('\n', true) => saida.push_str("&#xA;"),
            ('\r', _) => saida.push_str("&#xD;"),
            (c, _) => saida.push(c),
        }
    }
}

/// Undoes [`escapar`] on an attribute value (the entities C14N writes).
pub fn desescapar(valor: &str) -> String {
    valor
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x9;", "\t")
        .replace("&#xA;", "\n")
        .replace("&#xD;", "\r")
        .replace("&amp;", "&")
}

/// One element of a canonical document: byte offsets and its attributes (raw values).
#[derive(Debug)]
struct Elemento<'a> {
    nome: &'a str,
    atributos: Vec<(&'a str, &'a str)>,
    pai: Option<usize>,
    inicio: usize,
    fim_abertura: usize,
    inicio_fechamento: usize,
    fim: usize,
}

/// The elements of a document in canonical form, in document order (the root first).
#[derive(Debug)]
struct Arvore<'a> {
    texto: &'a str,
    elementos: Vec<Elemento<'a>>,
}

impl<'a> Arvore<'a> {
    /// Reads a document in the canonical form [`XmlCanonico`] writes: one root, start and end
    /// tags, attributes as `nome="valor"` separated by one space, text; no declaration,
    /// comment, processing instruction, CDATA or `/>`.
    fn ler(texto: &'a str) -> Result<Arvore<'a>, String> {
        let mut elementos: Vec<Elemento<'a>> = Vec::new();
        let mut pilha: Vec<usize> = Vec::new();
        let mut pos = 0;
        while let Some(rel) = texto[pos..].find('<') {
            let inicio = pos + rel;
            if pilha.is_empty() && (inicio != 0 || !elementos.is_empty()) {
                return Err(format!("conteúdo fora do elemento raiz (byte {pos})"));
            }
            let fim = fim_da_marca(&texto[inicio..])
                .map(|j| inicio + j + 1)
                .ok_or_else(|| format!("marca sem fim (byte {inicio})"))?;
            let marca = &texto[inicio + 1..fim - 1];
            if let Some(nome) = marca.strip_prefix('/') {
                let i = pilha
                    .pop()
                    .ok_or_else(|| format!("</{nome}> sem abertura"))?;
                if elementos[i].nome != nome {
                    return Err(format!(
                        "</{nome}> fecha <{}> (byte {inicio})",
                        elementos[i].nome
                    ));
                }
                elementos[i].inicio_fechamento = inicio;
                elementos[i].fim = fim;
            } else {
                let (nome, atributos) = ler_marca(marca)
                    .ok_or_else(|| format!("marca fora da forma canônica: <{marca}>"))?;
                elementos.push(Elemento {
                    nome,
                    atributos,
                    pai: pilha.last().copied(),
                    inicio,
                    fim_abertura: fim,
                    inicio_fechamento: 0,
                    fim: 0,
                });
                pilha.push(elementos.len() - 1);
            }
            pos = fim;
        }
        if let Some(&i) = pilha.last() {
            return Err(format!("<{}> sem fechamento", elementos[i].nome));
        }
        if elementos.is_empty() || pos != texto.len() {
            return Err("conteúdo fora do elemento raiz".into());
        }
        Ok(Arvore { texto, elementos })
    }

    fn raiz(&self) -> &Elemento<'a> {
        &self.elementos[0]
    }

    /// A raw attribute value, unescaped.
    fn atributo(&self, i: usize, nome: &str) -> Option<String> {
        self.elementos[i]
            .atributos
            .iter()
            .find(|(n, _)| *n == nome)
            .map(|(_, v)| desescapar(v))
    }

    /// The `Signature` elements in the XMLDSig namespace.
    fn assinaturas(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.elementos.len()).filter(|&i| {
            self.elementos[i].nome == "Signature"
                && self.namespaces(i).get("").map(String::as_str) == Some(NS_XMLDSIG)
        })
    }

    /// Whether `i` is `ancestral` or lies inside it.
    fn dentro(&self, mut i: usize, ancestral: usize) -> bool {
        loop {
            if i == ancestral {
                return true;
            }
            match self.elementos[i].pai {
                Some(p) => i = p,
                None => return false,
            }
        }
    }

    /// The elements named `nome` inside `i`, in document order.
    fn descendentes<'b>(&'b self, i: usize, nome: &'b str) -> impl Iterator<Item = usize> + 'b {
        (i..self.elementos.len())
            .filter(move |&j| self.elementos[j].nome == nome && self.dentro(j, i))
    }

    /// The text of the one element named `nome` inside `i`.
    fn texto_de(&self, i: usize, nome: &str) -> Result<&'a str, ErroVerificacao> {
        let mut achados = self.descendentes(i, nome);
        match (achados.next(), achados.next()) {
            (Some(j), None) => {
                let e = &self.elementos[j];
                Ok(&self.texto[e.fim_abertura..e.inicio_fechamento])
            }
            (None, _) => Err(ErroVerificacao::Forma(format!("falta {nome}"))),
            (Some(_), Some(_)) => Err(ErroVerificacao::Forma(format!("mais de um {nome}"))),
        }
    }

    /// The namespace declarations in scope at `i` (prefix → URI, `""` the default).
    fn namespaces(&self, i: usize) -> BTreeMap<&'a str, String> {
        let cadeia: Vec<usize> =
            std::iter::successors(Some(i), |&p| self.elementos[p].pai).collect();
        let mut ns = BTreeMap::new();
        for &j in cadeia.iter().rev() {
            for (n, v) in &self.elementos[j].atributos {
                if *n == "xmlns" {
                    ns.insert("", desescapar(v));
                } else if let Some(prefixo) = n.strip_prefix("xmlns:") {
                    ns.insert(prefixo, desescapar(v));
                }
            }
        }
        ns
    }

    /// The canonical form (inclusive C14N 1.0) of the subtree of `i` taken alone: its start
    /// tag carries every namespace in scope; the rest is already canonical.
    fn subconjunto(&self, i: usize) -> Result<String, String> {
        let e = &self.elementos[i];
        for p in std::iter::successors(e.pai, |&p| self.elementos[p].pai) {
            if let Some((n, _)) = self.elementos[p]
                .atributos
                .iter()
                .find(|(n, _)| n.starts_with("xml:"))
            {
                return Err(format!(
                    "atributo {n} herdado por <{}> não suportado",
                    e.nome
                ));
            }
        }
        let mut x = XmlCanonico::default();
        x.0.push('<');
        x.0.push_str(e.nome);
        for (prefixo, uri) in self.namespaces(i) {
            if prefixo.is_empty() && uri.is_empty() {
                continue;
            }
            x.0.push_str(if prefixo.is_empty() {
                " xmlns"
            } else {
                " xmlns:"
            });
            x.0.push_str(prefixo);
            x.0.push_str("=\"");
            escapar(&mut x.0, &uri, true);
            x.0.push('"');
        }
        for (n, v) in e.atributos.iter().filter(|(n, _)| !e_namespace(n)) {
            x.0.push_str(&format!(" {n}=\"{v}\""));
        }
        x.0.push('>');
        x.0.push_str(&self.texto[e.fim_abertura..e.fim]);
        Ok(x.0)
    }

    /// The bytes a reference to `alvo` digests in this document (already without signature).
    fn conteudo(&self, alvo: &Alvo) -> Result<String, String> {
        match alvo {
            Alvo::Documento => Ok(self.texto.to_owned()),
            Alvo::Id(id) => {
                let com_id: Vec<usize> = (0..self.elementos.len())
                    .filter(|&i| self.atributo(i, ATRIBUTO_ID).as_deref() == Some(id.as_str()))
                    .collect();
                match com_id.as_slice() {
                    [i] => self.subconjunto(*i),
                    [] => Err(format!("nenhum elemento com {ATRIBUTO_ID}=\"{id}\"")),
                    _ => Err(format!("mais de um elemento com {ATRIBUTO_ID}=\"{id}\"")),
                }
            }
        }
    }

    /// The canonical `SignedInfo` of the one signature.
    fn signed_info_canonico(&self) -> Result<String, String> {
        let sig = self
            .assinaturas()
            .next()
            .ok_or_else(|| "falta Signature".to_owned())?;
        let mut achados = self.descendentes(sig, "SignedInfo");
        match (achados.next(), achados.next()) {
            (Some(i), None) => self.subconjunto(i),
            _ => Err("exatamente um SignedInfo".into()),
        }
    }
}

/// The offset of the `>` closing the tag that starts `marca` (a `>` inside a quoted value,
/// which C14N leaves unescaped in attributes, does not close it).
fn fim_da_marca(marca: &str) -> Option<usize> {
    let mut entre_aspas = false;
    for (j, c) in marca.char_indices() {
        match c {
            '"' => entre_aspas = !entre_aspas,
            '>' if !entre_aspas => return Some(j),
            _ => {}
        }
    }
    None
}

fn e_namespace(nome: &str) -> bool {
    nome == "xmlns" || nome.starts_with("xmlns:")
}

/// `nome a="v" b="w"` → `(nome, [(a, v), (b, w)])`; `None` off the canonical form.
fn ler_marca(marca: &str) -> Option<(&str, Vec<(&str, &str)>)> {
    if marca.is_empty() || marca.starts_with(['!', '?']) || marca.ends_with('/') {
        return None;
    }
    let (nome, mut resto) = marca.split_once(' ').unwrap_or((marca, ""));
    if nome.is_empty() || nome.contains(['"', '=', '\t', '\n', '\r']) {
        return None;
    }
    let mut atributos = Vec::new();
    while !resto.is_empty() {
        let (n, depois) = resto.split_once("=\"")?;
        if n.is_empty() || n.contains([' ', '"', '<']) {
            return None;
        }
        let (v, depois) = depois.split_once('"')?;
        if v.contains('<') {
            return None;
        }
        atributos.push((n, v));
        resto = match depois.strip_prefix(' ') {
            Some(r) if !r.is_empty() => r,
            None if depois.is_empty() => "",
            _ => return None,
        };
    }
    Some((nome, atributos))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn escaping_is_c14n_and_reversible() {
        let mut s = String::new();
        escapar(&mut s, "a\tb\nc\rd>", true);
        assert_eq!(s, "a&#x9;b&#xA;c&#xD;d>");
        assert_eq!(desescapar(&s), "a\tb\nc\rd>");
        s.clear();
        escapar(&mut s, "<&>\r\"", false);
        assert_eq!(s, "&lt;&amp;&gt;&#xD;\"");
        let mut s = String::new();
        escapar(&mut s, "A & B \"C\" <D>", true);
        assert_eq!(desescapar(&s), "A & B \"C\" <D>");
    }

    #[test]
    fn writer_orders_namespace_declarations_first() {
        let mut x = XmlCanonico::default();
        x.vazio(
            "a",
            &[
                ("z", "1"),
                ("xmlns:b", "urn:b"),
                ("Id", "x"),
                ("xmlns", "urn:a"),
            ],
        );
        assert_eq!(
            x.into_string(),
            r#"<a xmlns="urn:a" xmlns:b="urn:b" Id="x" z="1"></a>"#
        );
    }

    #[test]
    fn reader_refuses_what_is_not_canonical() {
        for ruim in [
            "",
            "texto",
            "<a/>",
            "<a><b></a></b>",
            "<a></a><b></b>",
            "x<a></a>",
            "<a></a>x",
            "<a>",
            "<a  b=\"1\"></a>",
            "<a b='1'></a>",
            "<a><!-- c --></a>",
            "<a><?pi?></a>",
            "<a b=\"1\"c=\"2\"></a>",
        ] {
            assert!(Arvore::ler(ruim).is_err(), "aceitou {ruim:?}");
        }
        let a = Arvore::ler(r#"<a x="1"><b y="&quot;>">t</b></a>"#).unwrap();
        assert_eq!(a.elementos.len(), 2);
        assert_eq!(a.atributo(1, "y").unwrap(), "\">");
    }

    #[test]
    fn subset_renders_the_namespaces_in_scope_on_its_apex() {
        let doc = r#"<DPS xmlns="urn:nfse" xmlns:xsi="urn:xsi" versao="1.00"><infDPS Id="D1"><x xmlns="">1</x></infDPS></DPS>"#;
        let a = Arvore::ler(doc).unwrap();
        assert_eq!(
            a.conteudo(&Alvo::Id("D1".into())).unwrap(),
            r#"<infDPS xmlns="urn:nfse" xmlns:xsi="urn:xsi" Id="D1"><x xmlns="">1</x></infDPS>"#
        );
        assert_eq!(a.conteudo(&Alvo::Documento).unwrap(), doc);
        assert!(
            a.conteudo(&Alvo::Id("D2".into()))
                .unwrap_err()
                .contains("D2")
        );
        let duas = Arvore::ler(r#"<a><b Id="1"></b><c Id="1"></c></a>"#).unwrap();
        assert!(duas.conteudo(&Alvo::Id("1".into())).is_err());
        let xml_lang = Arvore::ler(r#"<a xml:lang="pt"><b Id="1"></b></a>"#).unwrap();
        assert!(
            xml_lang
                .conteudo(&Alvo::Id("1".into()))
                .unwrap_err()
                .contains("xml:lang")
        );
        let sem_default = Arvore::ler(r#"<a xmlns="urn:a"><b xmlns="" Id="1"></b></a>"#).unwrap();
        assert_eq!(
            sem_default.conteudo(&Alvo::Id("1".into())).unwrap(),
            r#"<b Id="1"></b>"#
        );
    }

    #[test]
    fn uri_of_each_target() {
        assert_eq!(Alvo::Documento.uri(), "");
        assert_eq!(Alvo::Id("NFS1".into()).uri(), "#NFS1");
    }
}
