//! Loading PKCS#12 A1 certificates: modern and legacy encryptions, errors, holder, PEM identity.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use guiche_certificados::certificado::{Certificado, ErroCertificado, Senha};
use guiche_certificados::pki_teste::{AcTeste, CifraPkcs12, pkcs12, pkcs12_com};
use guiche_domain::documento::{Cnpj, Cpf, Documento};

const SENHA: &str = "s3nh@-teste";
const CNPJ: &str = "11222333000181";
const CPF: &str = "52998224725";
const DIA: Duration = Duration::from_secs(86_400);

fn vigente() -> std::ops::Range<SystemTime> {
    let agora = SystemTime::now();
    agora - DIA..agora + 365 * DIA
}

fn senha() -> Senha {
    Senha::from(SENHA)
}

/// CA + e-CNPJ leaf: (ca DER, leaf DER, key PKCS#8 DER).
fn ecnpj(validade: std::ops::Range<SystemTime>) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let ac = AcTeste::nova("AC TESTE GUICHE").unwrap();
    let cnpj = Cnpj::parse(CNPJ).unwrap();
    let (cert, chave) = ac
        .emitir_ecnpj("EMPRESA TESTE LTDA", &cnpj, validade)
        .unwrap();
    (ac.certificado_der(), cert, chave)
}

fn pfx_ecnpj(cifra: CifraPkcs12) -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let (ac, cert, chave) = ecnpj(vigente());
    let pfx = pkcs12_com(&cert, &chave, std::slice::from_ref(&ac), SENHA, cifra).unwrap();
    (pfx, ac, cert, chave)
}

fn confere_ecnpj(c: &Certificado, ac: &[u8], cert: &[u8], chave: &[u8]) {
    assert_eq!(c.titular(), Some(Documento::parse(CNPJ).unwrap()));
    assert_eq!(c.nome(), Some("EMPRESA TESTE LTDA"));
    assert_eq!(c.certificado_der(), cert);
    assert_eq!(c.cadeia_der(), &[cert.to_vec(), ac.to_vec()]);
    assert_eq!(c.chave_pkcs8_der(), chave);
    c.validar_em(SystemTime::now()).unwrap();
}

#[test]
fn abre_pkcs12_moderno() {
    let (pfx, ac, cert, chave) = pfx_ecnpj(CifraPkcs12::Moderna);
    let c = Certificado::abrir(&pfx, &senha()).unwrap();
    confere_ecnpj(&c, &ac, &cert, &chave);
}

#[test]
fn abre_pkcs12_legado_3des_e_rc2_40() {
    for cifra in [CifraPkcs12::TresDes, CifraPkcs12::Rc2_40] {
        let (pfx, ac, cert, chave) = pfx_ecnpj(cifra);
        let c = Certificado::abrir(&pfx, &senha()).unwrap();
        confere_ecnpj(&c, &ac, &cert, &chave);
    }
}

#[test]
fn senha_incorreta() {
    for cifra in [
        CifraPkcs12::Moderna,
        CifraPkcs12::TresDes,
        CifraPkcs12::Rc2_40,
    ] {
        let (pfx, ..) = pfx_ecnpj(cifra);
        let erro = Certificado::abrir(&pfx, &Senha::from("errada")).unwrap_err();
        assert_eq!(erro, ErroCertificado::SenhaIncorreta, "{cifra:?}");
    }
}

#[test]
fn nao_e_pkcs12() {
    let ac = AcTeste::nova("AC PEM").unwrap();
    let pem = ac.certificado_pem();
    let aleatorio: Vec<u8> = (0u32..512)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for entrada in [
        pem.as_bytes(),
        &aleatorio,
        &[],
        &[0x30],
        &ac.certificado_der(),
    ] {
        let erro = Certificado::abrir(entrada, &senha()).unwrap_err();
        assert_eq!(erro, ErroCertificado::NaoEPkcs12);
    }
}

#[test]
fn pkcs12_truncado_nao_entra_em_panico() {
    let (pfx, ..) = pfx_ecnpj(CifraPkcs12::Moderna);
    for n in [8, pfx.len() / 2, pfx.len() - 1] {
        assert!(Certificado::abrir(&pfx[..n], &senha()).is_err());
    }
}

#[test]
fn sem_chave_privada() {
    use p12_keystore::{Certificate, KeyStore, KeyStoreEntry};
    let (_, ac, _, _) = pfx_ecnpj(CifraPkcs12::Moderna);
    let mut loja = KeyStore::new();
    let entrada = KeyStoreEntry::Certificate(Certificate::from_der(&ac).unwrap());
    loja.add_entry("ac", entrada);
    let pfx = loja.writer(SENHA).write().unwrap();
    let erro = Certificado::abrir(&pfx, &senha()).unwrap_err();
    assert_eq!(erro, ErroCertificado::SemChavePrivada);
}

#[test]
fn expirado_e_ainda_nao_valido() {
    let agora = SystemTime::now();
    let (ac, cert, chave) = ecnpj(agora - 400 * DIA..agora - 30 * DIA);
    let pfx = pkcs12(&cert, &chave, &[ac], SENHA).unwrap();
    // Opening succeeds; validation names the end date.
    let c = Certificado::abrir(&pfx, &senha()).unwrap();
    let (_, ate) = c.validade();
    assert_eq!(c.validar_em(agora), Err(ErroCertificado::Expirado { ate }));
    assert!(c.validar_em(ate - DIA).is_ok());
    let mensagem = c.validar_em(agora).unwrap_err().to_string();
    assert!(
        mensagem.starts_with("certificado expirado em "),
        "{mensagem}"
    );

    let (ac, cert, chave) = ecnpj(agora + 30 * DIA..agora + 400 * DIA);
    let pfx = pkcs12(&cert, &chave, &[ac], SENHA).unwrap();
    let c = Certificado::abrir(&pfx, &senha()).unwrap();
    let (desde, _) = c.validade();
    assert_eq!(
        c.validar_em(agora),
        Err(ErroCertificado::AindaNaoValido { desde })
    );
    assert!(c.validar_em(desde + DIA).is_ok());
}

#[test]
fn titular_de_ecpf() {
    let ac = AcTeste::nova("AC TESTE GUICHE").unwrap();
    let cpf = Cpf::parse(CPF).unwrap();
    let (cert, chave) = ac.emitir_ecpf("FULANA DE TAL", &cpf, vigente()).unwrap();
    let pfx = pkcs12(&cert, &chave, &[], SENHA).unwrap();
    let c = Certificado::abrir(&pfx, &senha()).unwrap();
    assert_eq!(c.titular(), Some(Documento::Cpf(cpf)));
    assert_eq!(c.nome(), Some("FULANA DE TAL"));
    assert_eq!(c.cadeia_der().len(), 1);
}

/// Splits a PEM buffer into (label, DER) blocks.
fn blocos_pem(pem: &str) -> Vec<(String, Vec<u8>)> {
    let mut blocos = Vec::new();
    let mut atual: Option<(String, String)> = None;
    for linha in pem.lines() {
        if let Some(rotulo) = linha.strip_prefix("-----BEGIN ") {
            atual = Some((rotulo.trim_end_matches("-----").to_owned(), String::new()));
        } else if linha.starts_with("-----END ") {
            let (rotulo, b64) = atual.take().unwrap();
            blocos.push((rotulo, STANDARD.decode(b64).unwrap()));
        } else if let Some((_, b64)) = atual.as_mut() {
            assert!(linha.len() <= 64);
            b64.push_str(linha);
        }
    }
    blocos
}

#[test]
fn identidade_pem_chave_e_cadeia_folha_primeiro() {
    let (pfx, ac, cert, chave) = pfx_ecnpj(CifraPkcs12::Moderna);
    let c = Certificado::abrir(&pfx, &senha()).unwrap();
    let pem = c.identidade_pem();
    assert_eq!(
        pem.matches("PRIVATE KEY-----").count(),
        2,
        "one BEGIN + one END"
    );
    let blocos = blocos_pem(&pem);
    let esperado = vec![
        ("PRIVATE KEY".to_owned(), chave),
        ("CERTIFICATE".to_owned(), cert),
        ("CERTIFICATE".to_owned(), ac),
    ];
    assert_eq!(blocos, esperado);
}

#[test]
fn debug_esconde_chave_e_senha() {
    let (pfx, ..) = pfx_ecnpj(CifraPkcs12::Moderna);
    let s = senha();
    let c = Certificado::abrir(&pfx, &s).unwrap();
    let chave_b64 = STANDARD.encode(c.chave_pkcs8_der());
    let debug = format!("{c:?} {s:?} {:?}", ErroCertificado::SenhaIncorreta);
    assert!(!debug.contains(&chave_b64[..40]));
    assert!(!debug.contains(SENHA));
    assert!(!debug.contains("PRIVATE KEY"));
    assert!(debug.contains("***"));
    assert!(debug.contains("EMPRESA TESTE LTDA"));
}

static CONTADOR: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory under the target's temporary directory.
fn dir_temporario() -> PathBuf {
    let n = CONTADOR.fetch_add(1, Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certificado-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn ler_arquivo_e_arquivo_ausente() {
    let dir = dir_temporario();
    let (pfx, ac, cert, chave) = pfx_ecnpj(CifraPkcs12::TresDes);
    let caminho = dir.join("empresa.pfx");
    std::fs::write(&caminho, &pfx).unwrap();
    let c = Certificado::ler_arquivo(&caminho, &senha()).unwrap();
    confere_ecnpj(&c, &ac, &cert, &chave);

    let ausente = dir.join("nao-existe.pfx");
    let erro = Certificado::ler_arquivo(&ausente, &senha()).unwrap_err();
    assert!(matches!(&erro, ErroCertificado::Arquivo { caminho, .. } if *caminho == ausente));
    assert!(erro.to_string().contains("nao-existe.pfx"));
}

/// Runs the `openssl` CLI; `None` when it is not installed.
fn openssl(args: &[&str], dir: &Path) -> Option<()> {
    let saida = match Command::new("openssl").args(args).current_dir(dir).output() {
        Ok(saida) => saida,
        Err(e) => {
            eprintln!("openssl indisponível ({e}); teste ignorado");
            return None;
        }
    };
    assert!(
        saida.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&saida.stderr)
    );
    Some(())
}

/// A legacy .pfx written by OpenSSL (RSA key, CN `NOME:CNPJ`, no otherName), as many real A1
/// files are. `pbe` is an OpenSSL PBE name; `legado` adds `-legacy` (legacy provider).
fn pfx_openssl(pbe: &str, legado: bool) -> Option<Vec<u8>> {
    let dir = dir_temporario();
    let cn = format!("/CN=EMPRESA OPENSSL LTDA:{CNPJ}/O=ICP-Brasil/C=BR");
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "chave.pem",
            "-out",
            "cert.pem",
            "-days",
            "30",
            "-subj",
            &cn,
        ],
        &dir,
    )?;
    let senha = format!("pass:{SENHA}");
    let mut args = vec![
        "pkcs12",
        "-export",
        "-inkey",
        "chave.pem",
        "-in",
        "cert.pem",
    ];
    args.extend(["-keypbe", pbe, "-certpbe", pbe, "-macalg", "sha1"]);
    args.extend(["-passout", &senha, "-out", "a1.pfx"]);
    if legado {
        args.push("-legacy");
    }
    openssl(&args, &dir)?;
    Some(std::fs::read(dir.join("a1.pfx")).unwrap())
}

#[test]
fn abre_pfx_legado_gerado_pelo_openssl() {
    for (pbe, legado) in [("PBE-SHA1-RC2-40", true), ("PBE-SHA1-3DES", false)] {
        let Some(pfx) = pfx_openssl(pbe, legado) else {
            return;
        };
        let c = Certificado::abrir(&pfx, &senha()).unwrap();
        // No otherName: the holder comes from the CN convention.
        assert_eq!(c.titular(), Some(Documento::parse(CNPJ).unwrap()), "{pbe}");
        assert_eq!(c.nome(), Some("EMPRESA OPENSSL LTDA"));
        assert_eq!(c.cadeia_der().len(), 1);
        assert!(
            rsa_pkcs8(c.chave_pkcs8_der()),
            "{pbe}: the key must be PKCS#8 RSA"
        );
        let erro = Certificado::abrir(&pfx, &Senha::from("errada")).unwrap_err();
        assert_eq!(erro, ErroCertificado::SenhaIncorreta, "{pbe}");
    }
}

/// Whether `der` is a PKCS#8 RSA private key.
fn rsa_pkcs8(der: &[u8]) -> bool {
    use rsa::pkcs8::DecodePrivateKey;
    rsa::RsaPrivateKey::from_pkcs8_der(der).is_ok()
}
