//! ICP-Brasil A1 certificates (e-CNPJ / e-CPF) loaded from PKCS#12 (`.pfx` / `.p12`) files.
//!
//! Parsing is pure Rust ([`p12_keystore`]), so the legacy encryptions many A1 files still use
//! (RC2-40-CBC, 3DES) work without OpenSSL's legacy provider. The result gives what the rest of
//! the adapters need: the private key as PKCS#8 DER (the XML signer, [`crate::xmldsig`]), a PEM identity (key + chain, as
//! `reqwest::Identity::from_pem` takes with rustls) and the holder's CNPJ/CPF.
//!
//! [`Certificado::abrir`] does not refuse an expired certificate: call
//! [`Certificado::validar_em`] so the caller can report the exact dates.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use guiche_domain::documento::{Cnpj, Cpf, Documento};
use p12_keystore::error::Error as ErroP12;
use p12_keystore::{CertificateBag, Pkcs12Archive};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;

/// ICP-Brasil otherName OID holding the company's CNPJ (e-CNPJ).
const OID_CNPJ: &str = "2.16.76.1.3.3";
/// ICP-Brasil otherName OID holding birth date (8) + CPF (11) + … of the holder (e-CPF) or of
/// the person responsible for an e-CNPJ.
const OID_DADOS_PF: &str = "2.16.76.1.3.1";
/// Longest issuer chain followed inside one file (guards against cycles).
const MAX_CADEIA: usize = 10;

/// The password of a PKCS#12 file: a [`guiche_ports::Segredo`].
pub type Senha = guiche_ports::Segredo;

/// Why a certificate could not be loaded or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErroCertificado {
    /// The bytes are not a PKCS#12 file (a PEM file, random bytes, …).
    #[error("o arquivo não é um certificado PKCS#12 (.pfx/.p12)")]
    NaoEPkcs12,
    /// The integrity check (MAC) failed or the contents could not be decrypted: almost always a
    /// wrong password (a damaged file cannot be told apart when the MAC fails).
    #[error("senha do certificado incorreta")]
    SenhaIncorreta,
    /// The file holds no private key (only certificates).
    #[error("o arquivo PKCS#12 não contém chave privada")]
    SemChavePrivada,
    /// The certificate expired.
    #[error("certificado expirado em {}", data_utc(*ate))]
    Expirado {
        /// End of validity (`notAfter`).
        ate: SystemTime,
    },
    /// The certificate is not valid yet.
    #[error("certificado ainda não é válido (válido a partir de {})", data_utc(*desde))]
    AindaNaoValido {
        /// Start of validity (`notBefore`).
        desde: SystemTime,
    },
    /// The file could not be read.
    #[error("não foi possível ler o arquivo {}: {motivo}", caminho.display())]
    Arquivo {
        /// The path given.
        caminho: PathBuf,
        /// The I/O error, as text.
        motivo: String,
    },
    /// A PKCS#12 file whose contents are not usable (damaged structure, unreadable certificate).
    #[error("certificado inválido: {0}")]
    CertificadoInvalido(String),
}

/// A loaded A1 certificate: private key plus certificate chain (leaf first).
///
/// `Debug` shows the holder and validity, never the key.
#[derive(Clone)]
pub struct Certificado {
    chave_pkcs8: Vec<u8>,
    cadeia: Vec<Vec<u8>>,
    nome: Option<String>,
    titular: Option<Documento>,
    validade: (SystemTime, SystemTime),
}

impl Drop for Certificado {
    /// Overwrites the secret in memory before it is freed.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.chave_pkcs8);
    }
}

impl Certificado {
    /// Parses a PKCS#12 file (modern PBES2 or legacy RC2-40 / 3DES encryption).
    ///
    /// An expired certificate is accepted here; see [`Certificado::validar_em`].
    ///
    /// # Errors
    /// [`ErroCertificado::NaoEPkcs12`], [`ErroCertificado::SenhaIncorreta`],
    /// [`ErroCertificado::SemChavePrivada`] or [`ErroCertificado::CertificadoInvalido`].
    pub fn abrir(der: &[u8], senha: &Senha) -> Result<Certificado, ErroCertificado> {
        if !parece_pkcs12(der) {
            return Err(ErroCertificado::NaoEPkcs12);
        }
        let arquivo = Pkcs12Archive::from_pkcs12(der, senha.expor()).map_err(traduzir_erro)?;
        let chave = arquivo
            .keys
            .first()
            .ok_or(ErroCertificado::SemChavePrivada)?;
        let folha = escolher_folha(
            &arquivo.certs,
            chave.local_key_id.as_ref().map(|k| k.as_ref()),
        )?;
        let cadeia = montar_cadeia(folha, &arquivo.certs)?;
        Certificado::de_partes(chave.key.as_der().to_vec(), cadeia)
    }

    /// Reads and parses a PKCS#12 file from disk.
    ///
    /// # Errors
    /// [`ErroCertificado::Arquivo`] when the file cannot be read, else as [`Certificado::abrir`].
    pub fn ler_arquivo(caminho: &Path, senha: &Senha) -> Result<Certificado, ErroCertificado> {
        let bytes = std::fs::read(caminho).map_err(|e| ErroCertificado::Arquivo {
            caminho: caminho.to_path_buf(),
            motivo: e.to_string(),
        })?;
        Certificado::abrir(&bytes, senha)
    }

    /// Builds from a PKCS#8 key and a chain (leaf first), reading the leaf's fields.
    fn de_partes(
        chave_pkcs8: Vec<u8>,
        cadeia: Vec<Vec<u8>>,
    ) -> Result<Certificado, ErroCertificado> {
        let folha_der = cadeia
            .first()
            .ok_or_else(|| invalido("o arquivo não contém o certificado"))?;
        let folha = analisar(folha_der)?;
        let validade = (
            instante(folha.validity().not_before.timestamp()),
            instante(folha.validity().not_after.timestamp()),
        );
        Ok(Certificado {
            nome: nome_comum(&folha).map(|cn| nome_do_cn(&cn).to_owned()),
            titular: titular_do_certificado(&folha),
            validade,
            chave_pkcs8,
            cadeia,
        })
    }

    /// Checks the validity period against `agora`.
    ///
    /// # Errors
    /// [`ErroCertificado::AindaNaoValido`] before `notBefore`, [`ErroCertificado::Expirado`]
    /// after `notAfter`.
    pub fn validar_em(&self, agora: SystemTime) -> Result<(), ErroCertificado> {
        let (desde, ate) = self.validade;
        if agora < desde {
            return Err(ErroCertificado::AindaNaoValido { desde });
        }
        if agora > ate {
            return Err(ErroCertificado::Expirado { ate });
        }
        Ok(())
    }

    /// The holder's CNPJ (e-CNPJ) or CPF (e-CPF): from the ICP-Brasil subjectAltName otherNames,
    /// else from the `NOME:DOCUMENTO` common name.
    pub fn titular(&self) -> Option<Documento> {
        self.titular
    }

    /// The holder's name: the common name before `:`.
    pub fn nome(&self) -> Option<&str> {
        self.nome.as_deref()
    }

    /// `(notBefore, notAfter)` of the leaf certificate.
    pub fn validade(&self) -> (SystemTime, SystemTime) {
        self.validade
    }

    /// The leaf certificate, DER.
    pub fn certificado_der(&self) -> &[u8] {
        self.cadeia.first().map_or(&[], Vec::as_slice)
    }

    /// The chain found in the file, DER, leaf first (the leaf included).
    pub fn cadeia_der(&self) -> &[Vec<u8>] {
        &self.cadeia
    }

    /// The private key as PKCS#8 DER (for the XML signer). Handle with care.
    pub fn chave_pkcs8_der(&self) -> &[u8] {
        &self.chave_pkcs8
    }

    /// Private key PEM followed by the chain PEM, leaf first: the buffer
    /// `reqwest::Identity::from_pem` takes. Holds the key: never log it.
    pub fn identidade_pem(&self) -> String {
        let mut pem = bloco_pem("PRIVATE KEY", &self.chave_pkcs8);
        for cert in &self.cadeia {
            pem.push_str(&bloco_pem("CERTIFICATE", cert));
        }
        pem
    }
}

impl fmt::Debug for Certificado {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificado")
            .field("nome", &self.nome)
            .field("titular", &self.titular)
            .field(
                "validade",
                &(data_utc(self.validade.0), data_utc(self.validade.1)),
            )
            .field("cadeia", &self.cadeia.len())
            .field("chave", &"***")
            .finish()
    }
}

/// Cheap structural probe: a PFX is a SEQUENCE whose first element is `INTEGER 3`.
/// Accepts definite (DER) and indefinite (BER) outer lengths.
fn parece_pkcs12(der: &[u8]) -> bool {
    let Some((&0x30, resto)) = der.split_first() else {
        return false;
    };
    let Some((&primeiro, resto)) = resto.split_first() else {
        return false;
    };
    let pular = match primeiro {
        0x00..=0x80 => 0,
        0x81..=0x84 => usize::from(primeiro & 0x7f),
        _ => return false,
    };
    resto.get(pular..pular + 3) == Some(&[0x02, 0x01, 0x03])
}

/// Maps the parser's error, once the outer structure looked like a PFX.
fn traduzir_erro(erro: ErroP12) -> ErroCertificado {
    match erro {
        // MAC mismatch: the password is wrong (or the file was altered).
        ErroP12::MacError(_) => ErroCertificado::SenhaIncorreta,
        // Bad padding after decryption: a wrong password on a file without MAC.
        ErroP12::UnpadError | ErroP12::Pkcs5Error(_) => ErroCertificado::SenhaIncorreta,
        ErroP12::UnsupportedEncryptionScheme | ErroP12::UnsupportedMacAlgorithm => {
            invalido(&format!("algoritmo não suportado ({erro})"))
        }
        outro => invalido(&format!("PKCS#12 danificado ({outro})")),
    }
}

/// The certificate matching the key's localKeyId; else the first non-CA one; else the first.
fn escolher_folha<'a>(
    certs: &'a [CertificateBag],
    id_chave: Option<&[u8]>,
) -> Result<&'a CertificateBag, ErroCertificado> {
    let por_id =
        id_chave.and_then(|id| certs.iter().find(|c| c.local_key_id.as_deref() == Some(id)));
    por_id
        .or_else(|| certs.iter().find(|c| !e_ac(c.cert.as_der())))
        .or_else(|| certs.first())
        .ok_or_else(|| invalido("o arquivo não contém o certificado"))
}

/// Whether the certificate says it is a CA (basicConstraints cA = true).
fn e_ac(der: &[u8]) -> bool {
    X509Certificate::from_der(der)
        .ok()
        .and_then(|(_, c)| c.basic_constraints().ok().flatten().map(|b| b.value.ca))
        .unwrap_or(false)
}

/// Follows issuer → subject links from the leaf through the certificates in the file.
fn montar_cadeia(
    folha: &CertificateBag,
    certs: &[CertificateBag],
) -> Result<Vec<Vec<u8>>, ErroCertificado> {
    let nomes = certs
        .iter()
        .map(|c| nomes_brutos(c.cert.as_der()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut cadeia = vec![folha.cert.as_der().to_vec()];
    let (_, mut emissor) = nomes_brutos(folha.cert.as_der())?;
    while cadeia.len() < MAX_CADEIA {
        let proximo = certs.iter().zip(&nomes).find(|(c, (sujeito, _))| {
            *sujeito == emissor && !cadeia.iter().any(|d| d.as_slice() == c.cert.as_der())
        });
        let Some((cert, (_, emissor_do_proximo))) = proximo else {
            break;
        };
        cadeia.push(cert.cert.as_der().to_vec());
        emissor = emissor_do_proximo.clone();
    }
    Ok(cadeia)
}

/// Raw (DER) subject and issuer names of a certificate.
fn nomes_brutos(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), ErroCertificado> {
    let cert = analisar(der)?;
    Ok((
        cert.subject().as_raw().to_vec(),
        cert.issuer().as_raw().to_vec(),
    ))
}

fn analisar(der: &[u8]) -> Result<X509Certificate<'_>, ErroCertificado> {
    X509Certificate::from_der(der)
        .map(|(_, c)| c)
        .map_err(|e| invalido(&format!("certificado X.509 ilegível ({e})")))
}

fn invalido(motivo: &str) -> ErroCertificado {
    ErroCertificado::CertificadoInvalido(motivo.to_owned())
}

/// The subject's first common name, when it is a readable string.
fn nome_comum(cert: &X509Certificate<'_>) -> Option<String> {
    let cn = cert.subject().iter_common_name().next()?;
    cn.as_str().ok().map(str::to_owned)
}

/// The name part of a `NOME:DOCUMENTO` common name (the whole CN when there is no `:`).
fn nome_do_cn(cn: &str) -> &str {
    cn.rsplit_once(':').map_or(cn, |(nome, _)| nome).trim()
}

/// The document part of a `NOME:DOCUMENTO` common name, when it is a valid CPF/CNPJ.
fn documento_do_cn(cn: &str) -> Option<Documento> {
    let (_, doc) = cn.rsplit_once(':')?;
    Documento::parse(doc.trim()).ok()
}

/// The holder (CNPJ/CPF) of one DER certificate, by the rules of [`Certificado::titular`]
/// (e.g. a TLS peer's certificate). `None` when unreadable or without a document.
pub fn titular_de_der(der: &[u8]) -> Option<Documento> {
    titular_do_certificado(&analisar(der).ok()?)
}

/// The holder: ICP-Brasil otherNames first, then the common name convention.
fn titular_do_certificado(cert: &X509Certificate<'_>) -> Option<Documento> {
    let outros = outros_nomes(cert);
    let buscar = |oid: &str| {
        outros
            .iter()
            .find(|(o, _)| o == oid)
            .map(|(_, v)| v.as_str())
    };
    buscar(OID_CNPJ)
        .and_then(cnpj_do_outro_nome)
        .or_else(|| buscar(OID_DADOS_PF).and_then(cpf_do_outro_nome))
        .or_else(|| nome_comum(cert).as_deref().and_then(documento_do_cn))
}

/// `(OID, value as text)` of every otherName in the subjectAltName.
fn outros_nomes(cert: &X509Certificate<'_>) -> Vec<(String, String)> {
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .filter_map(|nome| match nome {
            GeneralName::OtherName(oid, valor) => {
                Some((oid.to_id_string(), texto_do_outro_nome(valor)?))
            }
            _ => None,
        })
        .collect()
}

/// Decodes an otherName value: `[0] EXPLICIT` around a string (ICP-Brasil uses OCTET STRING;
/// UTF8String, PrintableString and IA5String are seen too). Returns the text.
pub(crate) fn texto_do_outro_nome(valor: &[u8]) -> Option<String> {
    let (tag, conteudo) = ler_tlv(valor)?;
    // Some parsers hand the value with the [0] wrapper, others without it.
    let (tag, conteudo) = if tag == 0xa0 {
        ler_tlv(conteudo)?
    } else {
        (tag, conteudo)
    };
    match tag {
        0x04 | 0x0c | 0x13 | 0x16 => std::str::from_utf8(conteudo).ok().map(str::to_owned),
        _ => None,
    }
}

/// Reads one DER TLV (definite length, up to 4 length bytes): `(tag, content)`.
fn ler_tlv(der: &[u8]) -> Option<(u8, &[u8])> {
    let (&tag, resto) = der.split_first()?;
    let (&primeiro, resto) = resto.split_first()?;
    let (tamanho, resto) = if primeiro < 0x80 {
        (usize::from(primeiro), resto)
    } else {
        let n = usize::from(primeiro & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = resto.get(..n)?;
        let tamanho = bytes.iter().fold(0usize, |t, &b| (t << 8) | usize::from(b));
        (tamanho, resto.get(n..)?)
    };
    Some((tag, resto.get(..tamanho)?))
}

/// CNPJ from the 2.16.76.1.3.3 value (14 characters).
pub(crate) fn cnpj_do_outro_nome(valor: &str) -> Option<Documento> {
    let cnpj = valor.trim().get(..14)?;
    Cnpj::parse(cnpj).ok().map(Documento::Cnpj)
}

/// CPF from the 2.16.76.1.3.1 value: birth date (8) + CPF (11) + ….
pub(crate) fn cpf_do_outro_nome(valor: &str) -> Option<Documento> {
    let cpf = valor.trim().get(8..19)?;
    Cpf::parse(cpf).ok().map(Documento::Cpf)
}

/// Seconds since the epoch (negative allowed) to `SystemTime`.
fn instante(segundos: i64) -> SystemTime {
    let delta = Duration::from_secs(segundos.unsigned_abs());
    if segundos >= 0 {
        UNIX_EPOCH.checked_add(delta).unwrap_or(UNIX_EPOCH)
    } else {
        UNIX_EPOCH.checked_sub(delta).unwrap_or(UNIX_EPOCH)
    }
}

/// `dd/mm/aaaa HH:MM:SS UTC`, for messages.
fn data_utc(t: SystemTime) -> String {
    let segundos = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    };
    let (dias, resto) = (segundos.div_euclid(86_400), segundos.rem_euclid(86_400));
    let (ano, mes, dia) = data_civil(dias);
    format!(
        "{dia:02}/{mes:02}/{ano:04} {:02}:{:02}:{:02} UTC",
        resto / 3600,
        resto % 3600 / 60,
        resto % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian calendar.
fn data_civil(dias: i64) -> (i64, i64, i64) {
    let z = dias + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let dia = doy - (153 * mp + 2) / 5 + 1;
    let mes = if mp < 10 { mp + 3 } else { mp - 9 };
    let ano = yoe + era * 400 + i64::from(mes <= 2);
    (ano, mes, dia)
}

/// One PEM block, base64 wrapped at 64 columns.
fn bloco_pem(rotulo: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {rotulo}-----\n");
    for linha in b64.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(linha));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {rotulo}-----\n"));
    pem
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn cn_com_documento() {
        let cn = "EMPRESA TESTE LTDA:11222333000181";
        assert_eq!(nome_do_cn(cn), "EMPRESA TESTE LTDA");
        assert_eq!(documento_do_cn(cn).unwrap().as_str(), "11222333000181");
        let cpf = documento_do_cn("FULANO DE TAL:52998224725").unwrap();
        assert!(matches!(cpf, Documento::Cpf(_)));
    }

    #[test]
    fn cn_sem_documento_ou_invalido() {
        assert_eq!(nome_do_cn("SEM DOCUMENTO"), "SEM DOCUMENTO");
        assert_eq!(documento_do_cn("SEM DOCUMENTO"), None);
        assert_eq!(documento_do_cn("EMPRESA:11222333000182"), None);
        assert_eq!(documento_do_cn("EMPRESA:"), None);
    }

    #[test]
    fn outro_nome_cnpj_e_cpf() {
        assert_eq!(
            cnpj_do_outro_nome("11222333000181").unwrap().as_str(),
            "11222333000181"
        );
        let cpf = cpf_do_outro_nome("0101199052998224725000000000000000000").unwrap();
        assert_eq!(cpf.as_str(), "52998224725");
        assert_eq!(cpf_do_outro_nome("01011990"), None);
        assert_eq!(cnpj_do_outro_nome("000"), None);
        assert_eq!(cnpj_do_outro_nome("00000000000000"), None);
    }

    #[test]
    fn valor_do_outro_nome_em_der() {
        // [0] EXPLICIT OCTET STRING "11222333000181"
        let mut der = vec![0xa0, 16, 0x04, 14];
        der.extend_from_slice(b"11222333000181");
        assert_eq!(texto_do_outro_nome(&der).unwrap(), "11222333000181");
        // Without the wrapper, as UTF8String.
        let mut der = vec![0x0c, 3];
        der.extend_from_slice(b"abc");
        assert_eq!(texto_do_outro_nome(&der).unwrap(), "abc");
        // Truncated and unknown tags never panic.
        assert_eq!(texto_do_outro_nome(&[0xa0, 16, 0x04]), None);
        assert_eq!(texto_do_outro_nome(&[0x02, 1, 5]), None);
        assert_eq!(texto_do_outro_nome(&[]), None);
    }

    /// A self-signed certificate with `cn` and the given otherNames (rcgen writes UTF8String).
    fn cert_com(cn: &str, outros: &[(&[u64], &str)]) -> Vec<u8> {
        use rcgen::{CertificateParams, DnType, KeyPair, SanType};
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, cn);
        for (oid, valor) in outros {
            let nome = SanType::OtherName((oid.to_vec(), (*valor).into()));
            params.subject_alt_names.push(nome);
        }
        let chave = KeyPair::generate().unwrap();
        params.self_signed(&chave).unwrap().der().to_vec()
    }

    #[test]
    fn titular_pelo_outro_nome_antes_do_cn() {
        const CNPJ: &[u64] = &[2, 16, 76, 1, 3, 3];
        const PF: &[u64] = &[2, 16, 76, 1, 3, 1];
        let pf = "0101199052998224725000000000000000000";
        // e-CNPJ also carries the responsible person's CPF: the CNPJ wins.
        let der = cert_com("SEM DOCUMENTO", &[(PF, pf), (CNPJ, "11222333000181")]);
        assert_eq!(titular_de_der(&der).unwrap().as_str(), "11222333000181");
        let der = cert_com("OUTRO:11444777000161", &[(CNPJ, "11222333000181")]);
        assert_eq!(titular_de_der(&der).unwrap().as_str(), "11222333000181");
        let der = cert_com("SEM DOCUMENTO", &[(PF, pf)]);
        assert_eq!(titular_de_der(&der).unwrap().as_str(), "52998224725");
        // Invalid otherName: fall back to the CN; nothing usable: None.
        let der = cert_com("EMPRESA:11444777000161", &[(CNPJ, "00000000000000")]);
        assert_eq!(titular_de_der(&der).unwrap().as_str(), "11444777000161");
        assert_eq!(titular_de_der(&cert_com("SEM DOCUMENTO", &[])), None);
        assert_eq!(titular_de_der(b"lixo"), None);
    }

    #[test]
    fn sonda_pkcs12() {
        assert!(parece_pkcs12(&[0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03]));
        assert!(parece_pkcs12(&[0x30, 0x80, 0x02, 0x01, 0x03]));
        assert!(!parece_pkcs12(b"-----BEGIN CERTIFICATE-----"));
        assert!(!parece_pkcs12(&[0x30]));
        assert!(!parece_pkcs12(&[]));
    }

    #[test]
    fn datas_em_mensagens() {
        assert_eq!(data_utc(UNIX_EPOCH), "01/01/1970 00:00:00 UTC");
        assert_eq!(data_utc(instante(951_782_400)), "29/02/2000 00:00:00 UTC");
        assert_eq!(data_utc(instante(-1)), "31/12/1969 23:59:59 UTC");
    }

    #[test]
    fn senha_oculta() {
        assert_eq!(format!("{:?}", Senha::from("segredo")), "Segredo(***)");
    }
}
