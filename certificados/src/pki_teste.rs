//! A throw-away ICP-Brasil-like PKI generated at run time (rcgen), for tests and simulators.
//!
//! Keys are created in memory on every run; nothing here is ever committed. Leaf keys are
//! ECDSA P-256 (rcgen with `ring` cannot generate RSA keys). The ICP-Brasil otherNames are
//! written as UTF8String (rcgen's only otherName form; real certificates use OCTET STRING, and
//! [`crate::certificado`] reads both).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::time::{Duration, SystemTime};

use guiche_domain::documento::{Cnpj, Cpf};
use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKey,
    PrivateKeyChain,
};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};

/// ICP-Brasil otherName OID for the CNPJ (e-CNPJ).
const OID_CNPJ: [u64; 6] = [2, 16, 76, 1, 3, 3];
/// ICP-Brasil otherName OID for birth date + CPF (e-CPF).
const OID_DADOS_PF: [u64; 6] = [2, 16, 76, 1, 3, 1];
/// Birth date written in test e-CPFs (`ddmmaaaa`).
const NASCIMENTO_TESTE: &str = "01011990";

/// Failure while generating test certificates or files, or running `xmlsec1`.
#[derive(Debug, thiserror::Error)]
pub enum ErroPkiTeste {
    /// rcgen refused the parameters or the key.
    #[error("falha ao gerar certificado de teste: {0}")]
    Geracao(String),
    /// p12-keystore could not write the PKCS#12 file.
    #[error("falha ao gerar PKCS#12 de teste: {0}")]
    Pkcs12(String),
    /// `xmlsec1` is missing under CI, or its files could not be written or it not run.
    #[error("xmlsec1: {0}")]
    Xmlsec1(String),
    /// `xmllint` or the official NFS-e XSDs (PyPI `nfelib`) are missing under CI, or the files
    /// could not be written or it not run.
    #[error("xmllint/XSD da NFS-e: {0}")]
    Xmllint(String),
}

/// A certificate and its private key, both DER (`(certificate, PKCS#8 key)`).
pub type Emitido = (Vec<u8>, Vec<u8>);

/// Encryption of a generated PKCS#12 file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CifraPkcs12 {
    /// PBES2 + AES-256, HMAC-SHA256 MAC (what current tools write).
    Moderna,
    /// PBE-SHA1-3DES, HMAC-SHA1 MAC (legacy, common in A1 files).
    TresDes,
    /// PBE-SHA1-RC2-40, HMAC-SHA1 MAC (legacy, common in older A1 files).
    Rc2_40,
}

/// A test certification authority (self-signed root, ECDSA P-256).
pub struct AcTeste {
    emissor: CertifiedIssuer<'static, KeyPair>,
}

impl std::fmt::Debug for AcTeste {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcTeste").finish_non_exhaustive()
    }
}

impl AcTeste {
    /// Creates a root CA named `nome`, valid from yesterday for ten years.
    ///
    /// # Errors
    /// [`ErroPkiTeste::Geracao`].
    pub fn nova(nome: &str) -> Result<AcTeste, ErroPkiTeste> {
        let mut params = params_icp(nome);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        definir_validade(&mut params, &validade_padrao(3650));
        let chave = KeyPair::generate().map_err(geracao)?;
        let emissor = CertifiedIssuer::self_signed(params, chave).map_err(geracao)?;
        Ok(AcTeste { emissor })
    }

    /// The CA certificate, DER.
    pub fn certificado_der(&self) -> Vec<u8> {
        self.emissor.der().to_vec()
    }

    /// The CA certificate, PEM (a trust anchor for TLS clients).
    pub fn certificado_pem(&self) -> String {
        self.emissor.pem()
    }

    /// An e-CNPJ: CN `RAZAO:CNPJ`, otherName 2.16.76.1.3.3 = CNPJ, client-auth usage.
    ///
    /// # Errors
    /// [`ErroPkiTeste::Geracao`].
    pub fn emitir_ecnpj(
        &self,
        razao: &str,
        cnpj: &Cnpj,
        validade: Range<SystemTime>,
    ) -> Result<Emitido, ErroPkiTeste> {
        let mut params = params_pessoa(&format!("{razao}:{cnpj}", cnpj = cnpj.as_str()), &validade);
        params.subject_alt_names.push(SanType::OtherName((
            OID_CNPJ.to_vec(),
            cnpj.as_str().into(),
        )));
        self.assinar(params)
    }

    /// An e-CNPJ as [`AcTeste::emitir_ecnpj`], for the key given (PKCS#8 DER): an RSA key, as
    /// the DPS of NFS-e Nacional is signed with RSA-SHA256 and rcgen cannot generate one.
    ///
    /// # Errors
    /// [`ErroPkiTeste::Geracao`], also for a key rcgen cannot read.
    pub fn emitir_ecnpj_com_chave(
        &self,
        razao: &str,
        cnpj: &Cnpj,
        validade: Range<SystemTime>,
        chave_pkcs8: &[u8],
    ) -> Result<Emitido, ErroPkiTeste> {
        let chave = KeyPair::try_from(chave_pkcs8).map_err(geracao)?;
        let mut params = params_pessoa(&format!("{razao}:{cnpj}", cnpj = cnpj.as_str()), &validade);
        params.subject_alt_names.push(SanType::OtherName((
            OID_CNPJ.to_vec(),
            cnpj.as_str().into(),
        )));
        let cert = params.signed_by(&chave, &self.emissor).map_err(geracao)?;
        Ok((cert.der().to_vec(), chave_pkcs8.to_vec()))
    }

    /// An e-CPF: CN `NOME:CPF`, otherName 2.16.76.1.3.1 = birth date + CPF + zeros.
    ///
    /// # Errors
    /// [`ErroPkiTeste::Geracao`].
    pub fn emitir_ecpf(
        &self,
        nome: &str,
        cpf: &Cpf,
        validade: Range<SystemTime>,
    ) -> Result<Emitido, ErroPkiTeste> {
        self.assinar(params_ecpf(nome, cpf, &validade))
    }

    /// An e-CPF as [`AcTeste::emitir_ecpf`], for the key given (PKCS#8 DER): an RSA key, as
    /// the procurador's term must be signed with RSA-SHA256 and rcgen cannot generate one.
    ///
    /// # Errors
    /// [`ErroPkiTeste::Geracao`], also for a key rcgen cannot read.
    pub fn emitir_ecpf_com_chave(
        &self,
        nome: &str,
        cpf: &Cpf,
        validade: Range<SystemTime>,
        chave_pkcs8: &[u8],
    ) -> Result<Emitido, ErroPkiTeste> {
        let chave = KeyPair::try_from(chave_pkcs8).map_err(geracao)?;
        let cert = params_ecpf(nome, cpf, &validade)
            .signed_by(&chave, &self.emissor)
            .map_err(geracao)?;
        Ok((cert.der().to_vec(), chave_pkcs8.to_vec()))
    }

    /// A TLS server certificate for `nome_dns`, 127.0.0.1 and ::1, valid for a year.
    ///
    /// # Errors
    /// [`ErroPkiTeste::Geracao`].
    pub fn emitir_servidor(&self, nome_dns: &str) -> Result<Emitido, ErroPkiTeste> {
        let mut params = CertificateParams::new(vec![nome_dns.to_owned()]).map_err(geracao)?;
        params.distinguished_name.push(DnType::CommonName, nome_dns);
        params.subject_alt_names.extend([
            SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        ]);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        definir_validade(&mut params, &validade_padrao(365));
        self.assinar(params)
    }

    /// [`AcTeste::emitir_servidor`] with its chain, as a TLS server presents it: the server's
    /// certificate then this CA's (DER), and the server's PKCS#8 key.
    ///
    /// # Errors
    /// [`ErroPkiTeste::Geracao`].
    pub fn cadeia_servidor(&self, nome_dns: &str) -> Result<(Vec<Vec<u8>>, Vec<u8>), ErroPkiTeste> {
        let (cert, chave) = self.emitir_servidor(nome_dns)?;
        Ok((vec![cert, self.certificado_der()], chave))
    }

    fn assinar(&self, params: CertificateParams) -> Result<Emitido, ErroPkiTeste> {
        let chave = KeyPair::generate().map_err(geracao)?;
        let cert = params.signed_by(&chave, &self.emissor).map_err(geracao)?;
        Ok((cert.der().to_vec(), chave.serialize_der()))
    }
}

/// A PKCS#12 file with `cert` + `chave` + `cadeia` (intermediates/root), modern encryption.
///
/// # Errors
/// [`ErroPkiTeste::Pkcs12`].
pub fn pkcs12(
    cert: &[u8],
    chave: &[u8],
    cadeia: &[Vec<u8>],
    senha: &str,
) -> Result<Vec<u8>, ErroPkiTeste> {
    pkcs12_com(cert, chave, cadeia, senha, CifraPkcs12::Moderna)
}

/// As [`pkcs12`], choosing the encryption (legacy ones included, written in pure Rust).
///
/// # Errors
/// [`ErroPkiTeste::Pkcs12`].
pub fn pkcs12_com(
    cert: &[u8],
    chave: &[u8],
    cadeia: &[Vec<u8>],
    senha: &str,
    cifra: CifraPkcs12,
) -> Result<Vec<u8>, ErroPkiTeste> {
    let certs = std::iter::once(cert)
        .chain(cadeia.iter().map(Vec::as_slice))
        .map(Certificate::from_der)
        .collect::<Result<Vec<_>, _>>()
        .map_err(pkcs12_erro)?;
    let chave = PrivateKey::from_der(chave).map_err(pkcs12_erro)?;
    let mut loja = KeyStore::new();
    let entrada = PrivateKeyChain::new(b"guiche-teste".as_slice(), chave, certs);
    loja.add_entry("guiche-teste", KeyStoreEntry::PrivateKeyChain(entrada));
    let escritor = loja.writer(senha);
    let escritor = match cifra {
        CifraPkcs12::Moderna => escritor,
        CifraPkcs12::TresDes => escritor
            .encryption_algorithm(EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc)
            .mac_algorithm(MacAlgorithm::HmacSha1),
        // The crate names the RC2-40 variant `…Rc4…`; it writes the RC2-40-CBC OID.
        CifraPkcs12::Rc2_40 => escritor
            .encryption_algorithm(EncryptionAlgorithm::PbeWithShaAnd40BitRc4Cbc)
            .mac_algorithm(MacAlgorithm::HmacSha1),
    };
    escritor.write().map_err(pkcs12_erro)
}

/// From one day ago to `dias` days ahead.
fn validade_padrao(dias: u32) -> Range<SystemTime> {
    let agora = SystemTime::now();
    let dia = Duration::from_secs(86_400);
    let inicio = agora.checked_sub(dia).unwrap_or(agora);
    let fim = agora.checked_add(dia * dias).unwrap_or(agora);
    inicio..fim
}

fn definir_validade(params: &mut CertificateParams, validade: &Range<SystemTime>) {
    params.not_before = validade.start.into();
    params.not_after = validade.end.into();
}

/// A subject `CN=cn, O=ICP-Brasil (teste), C=BR`, as the CA and the people's certificates have.
fn params_icp(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, cn);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "ICP-Brasil (teste)");
    params.distinguished_name.push(DnType::CountryName, "BR");
    params
}

/// Parameters shared by e-CNPJ and e-CPF leaves.
fn params_pessoa(cn: &str, validade: &Range<SystemTime>) -> CertificateParams {
    let mut params = params_icp(cn);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::EmailProtection,
    ];
    definir_validade(&mut params, validade);
    params
}

/// An e-CPF's parameters: CN `NOME:CPF`, otherName 2.16.76.1.3.1 = birth date + CPF + zeros.
fn params_ecpf(nome: &str, cpf: &Cpf, validade: &Range<SystemTime>) -> CertificateParams {
    let mut params = params_pessoa(&format!("{nome}:{cpf}", cpf = cpf.as_str()), validade);
    let dados = format!("{NASCIMENTO_TESTE}{}{}", cpf.as_str(), "0".repeat(18));
    params
        .subject_alt_names
        .push(SanType::OtherName((OID_DADOS_PF.to_vec(), dados.into())));
    params
}

fn geracao(e: rcgen::Error) -> ErroPkiTeste {
    ErroPkiTeste::Geracao(e.to_string())
}

fn pkcs12_erro(e: p12_keystore::error::Error) -> ErroPkiTeste {
    ErroPkiTeste::Pkcs12(e.to_string())
}

/// A deterministic SHA-256 counter-mode generator: test keys only, never for real keys.
struct GeradorTeste {
    semente: [u8; 32],
    contador: u64,
}

impl rsa::rand_core::RngCore for GeradorTeste {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, destino: &mut [u8]) {
        use sha2::Digest as _;
        for pedaco in destino.chunks_mut(32) {
            self.contador += 1;
            let mut h = sha2::Sha256::new();
            h.update(self.semente);
            h.update(self.contador.to_le_bytes());
            let bloco = h.finalize();
            pedaco.copy_from_slice(&bloco[..pedaco.len()]);
        }
    }
    fn try_fill_bytes(&mut self, destino: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
        self.fill_bytes(destino);
        Ok(())
    }
}

impl rsa::rand_core::CryptoRng for GeradorTeste {}

/// An RSA-2048 key (PKCS#8 DER) derived from `semente`: the same seed gives the same key, so
/// tests pay for RSA generation (slow in debug builds) once per seed and no private key is
/// ever committed. For tests only: anyone with the seed has the key. Feed it to
/// [`AcTeste::emitir_ecpf_com_chave`] for a procurador's certificate.
///
/// # Errors
/// [`ErroPkiTeste::Geracao`].
pub fn chave_rsa_teste(semente: &str) -> Result<Vec<u8>, ErroPkiTeste> {
    use rsa::pkcs8::EncodePrivateKey as _;
    use sha2::Digest as _;
    let mut gerador = GeradorTeste {
        semente: sha2::Sha256::digest(semente.as_bytes()).into(),
        contador: 0,
    };
    let erro = |e: &dyn std::fmt::Display| ErroPkiTeste::Geracao(format!("chave RSA: {e}"));
    let chave = rsa::RsaPrivateKey::new(&mut gerador, 2048).map_err(|e| erro(&e))?;
    Ok(chave
        .to_pkcs8_der()
        .map_err(|e| erro(&e))?
        .as_bytes()
        .to_vec())
}

/// A signer for XMLDSig tests: an RSA-2048 key from a seed ([`chave_rsa_teste`]) and a
/// self-signed certificate for it. `Debug` never shows the key.
#[derive(Clone)]
pub struct AssinanteTeste {
    /// The key, PKCS#8 DER.
    pub chave_pkcs8: Vec<u8>,
    /// The certificate, DER.
    pub certificado_der: Vec<u8>,
    /// The certificate, PEM (what `xmlsec1 --trusted-pem` reads).
    pub certificado_pem: String,
}

impl std::fmt::Debug for AssinanteTeste {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssinanteTeste")
            .field("certificado_der", &self.certificado_der.len())
            .finish_non_exhaustive()
    }
}

/// An [`AssinanteTeste`] whose key comes from `semente` and certificate names `nome_dns`.
///
/// # Errors
/// [`ErroPkiTeste::Geracao`].
pub fn assinante_rsa_teste(semente: &str, nome_dns: &str) -> Result<AssinanteTeste, ErroPkiTeste> {
    let chave_pkcs8 = chave_rsa_teste(semente)?;
    let par = KeyPair::try_from(chave_pkcs8.as_slice()).map_err(geracao)?;
    let certificado = CertificateParams::new(vec![nome_dns.to_owned()])
        .map_err(geracao)?
        .self_signed(&par)
        .map_err(geracao)?;
    Ok(AssinanteTeste {
        chave_pkcs8,
        certificado_der: certificado.der().to_vec(),
        certificado_pem: certificado.pem(),
    })
}

/// What `xmlsec1 --verify` said of a signed document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Xmlsec1 {
    /// `xmlsec1` is not installed (outside CI; a warning was printed).
    Ausente,
    /// It verified; its output.
    Aceitou(String),
    /// It refused; its output.
    Recusou(String),
}

impl Xmlsec1 {
    /// `(verified, output)`, or `None` when `xmlsec1` is absent (the check is skipped).
    pub fn saida(&self) -> Option<(bool, &str)> {
        match self {
            Xmlsec1::Ausente => None,
            Xmlsec1::Aceitou(s) => Some((true, s)),
            Xmlsec1::Recusou(s) => Some((false, s)),
        }
    }
}

/// Runs the independent verifier `xmlsec1 --verify` on `xml`, trusting `confiavel_pem`, with
/// its files in `pasta`. `id` names the ID attribute of a signed element when the reference is
/// `#…` (`("Id", "ns-uri:infDPS")`, as `--id-attr` takes it); without a DTD `xmlsec1` knows no
/// other.
///
/// # Errors
/// [`ErroPkiTeste::Xmlsec1`] when the files cannot be written, or `xmlsec1` is missing under
/// CI (the environment variable `CI` set: `.ci/run` installs it).
pub fn xmlsec1_verificar(
    xml: &str,
    confiavel_pem: &str,
    pasta: &std::path::Path,
    id: Option<(&str, &str)>,
) -> Result<Xmlsec1, ErroPkiTeste> {
    use std::process::Command;
    let erro = |e: &dyn std::fmt::Display| ErroPkiTeste::Xmlsec1(e.to_string());
    if Command::new("xmlsec1").arg("--version").output().is_err() {
        if std::env::var_os("CI").is_some() {
            return Err(erro(
                &"ausente: instale o pacote xmlsec1 (o .ci/run o instala)",
            ));
        }
        eprintln!("AVISO: xmlsec1 ausente, verificação independente da assinatura pulada");
        return Ok(Xmlsec1::Ausente);
    }
    std::fs::create_dir_all(pasta).map_err(|e| erro(&e))?;
    let (arquivo, confiavel) = (pasta.join("assinado.xml"), pasta.join("confiavel.pem"));
    std::fs::write(&arquivo, xml).map_err(|e| erro(&e))?;
    std::fs::write(&confiavel, confiavel_pem).map_err(|e| erro(&e))?;
    let mut comando = Command::new("xmlsec1");
    comando.arg("--verify").arg("--trusted-pem").arg(&confiavel);
    if let Some((atributo, elemento)) = id {
        comando.arg(format!("--id-attr:{atributo}")).arg(elemento);
    }
    let saida = comando.arg(&arquivo).output().map_err(|e| erro(&e))?;
    let texto = format!(
        "{}{}",
        String::from_utf8_lossy(&saida.stdout),
        String::from_utf8_lossy(&saida.stderr)
    );
    Ok(if saida.status.success() {
        Xmlsec1::Aceitou(texto)
    } else {
        Xmlsec1::Recusou(texto)
    })
}

/// The `nfelib` release whose NFS-e Nacional XSDs (`nfelib/nfse/schemas/v1_0/`) the tests use as
/// the oracle; `.ci/run` installs exactly this one.
pub const NFELIB_VERSAO: &str = "3.2.0";

/// What `xmllint --schema` said of some NFS-e files (DPS, event requests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Xmllint {
    /// `xmllint` or the XSDs are not installed (outside CI; a warning naming which was printed).
    Ausente,
    /// Every file is valid against the schema.
    Aceitou,
    /// Some file is not; `xmllint`'s output names the file, line and element.
    Recusou(String),
}

/// The folder of the official NFS-e XSDs: `GUICHE_NFSE_XSD` when set, else the one of the
/// `nfelib` that `python3` imports. `None` when neither exists.
fn pasta_xsd_nfse() -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    if let Some(p) = std::env::var_os("GUICHE_NFSE_XSD") {
        return Some(PathBuf::from(p)).filter(|p| p.join("DPS_v1.01.xsd").is_file());
    }
    let saida = std::process::Command::new("python3")
        .args([
            "-c",
            "import nfelib, os; print(os.path.dirname(nfelib.__file__))",
        ])
        .output()
        .ok()?;
    let raiz = String::from_utf8(saida.stdout).ok()?;
    let pasta = PathBuf::from(raiz.trim()).join("nfse/schemas/v1_0");
    (saida.status.success() && pasta.join("DPS_v1.01.xsd").is_file()).then_some(pasta)
}

/// Validates DPS files against the official `DPS_v1.01.xsd` (as `nfelib` ships it) with
/// `xmllint --schema`, the independent oracle of what guichê writes. Outside CI a missing
/// `xmllint` or XSD skips the check with a printed reason ([`Xmllint::Ausente`]).
///
/// # Errors
/// [`ErroPkiTeste::Xmllint`] when either is missing under CI (the environment variable `CI`
/// set: `.ci/run` installs both), or `xmllint` cannot be run.
pub fn xmllint_dps(arquivos: &[std::path::PathBuf]) -> Result<Xmllint, ErroPkiTeste> {
    xmllint_nfse("DPS_v1.01.xsd", arquivos)
}

/// As [`xmllint_dps`], against another schema of the same folder (`pedRegEvento_v1.01.xsd`
/// for event requests).
///
/// # Errors
/// As [`xmllint_dps`].
pub fn xmllint_nfse(
    esquema: &str,
    arquivos: &[std::path::PathBuf],
) -> Result<Xmllint, ErroPkiTeste> {
    use std::process::Command;
    let ausente = |o_que: &str| {
        if std::env::var_os("CI").is_some() {
            return Err(ErroPkiTeste::Xmllint(format!(
                "{o_que} ausente (o .ci/run o instala)"
            )));
        }
        eprintln!("AVISO: {o_que} ausente, validação contra o XSD oficial da NFS-e pulada");
        Ok(Xmllint::Ausente)
    };
    if Command::new("xmllint").arg("--version").output().is_err() {
        return ausente("xmllint (pacote libxml2-utils)");
    }
    let Some(pasta) = pasta_xsd_nfse() else {
        return ausente(&format!(
            "XSD da NFS-e (pip install nfelib=={NFELIB_VERSAO}, ou GUICHE_NFSE_XSD)"
        ));
    };
    let saida = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(pasta.join(esquema))
        .args(arquivos)
        .output()
        .map_err(|e| ErroPkiTeste::Xmllint(e.to_string()))?;
    Ok(if saida.status.success() {
        Xmllint::Aceitou
    } else {
        Xmllint::Recusou(format!(
            "{}{}",
            String::from_utf8_lossy(&saida.stdout),
            String::from_utf8_lossy(&saida.stderr)
        ))
    })
}
