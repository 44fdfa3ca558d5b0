//! `guiche nfse validate|dps` through the binary: the examples of `exemplos/nfse`, violations by
//! XML path and the exit codes of the contract; a DPS signed offline with the prestador's
//! certificate from the environment (password never in argv), written 0600, verified by our
//! verifier, by `xmlsec1` and against the official XSD.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use guiche_certificados::xmldsig::verificar;
use guiche_domain::documento::Cnpj;
use guiche_serpro::pki_teste::{AcTeste, Xmllint, pkcs12, xmllint_dps, xmlsec1_verificar};
use serde_json::Value;

const SENHA: &str = "s3nh@-do-pfx";

fn exemplo(nome: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../exemplos/nfse")
        .join(nome)
}

fn guiche(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guiche"))
        .args(args)
        .env_remove("GUICHE_NFSE_CERT")
        .env_remove("GUICHE_NFSE_CERT_SENHA")
        .env_remove("GUICHE_NFSE_CERT_SENHA_ARQUIVO")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn texto(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A PKCS#12 e-CNPJ (RSA) of `cnpj` in `pasta`, and the test CA's PEM.
fn pfx(pasta: &Path, cnpj: &str) -> (PathBuf, String) {
    let ac = AcTeste::nova("AC TESTE NFSE APP").unwrap();
    let agora = SystemTime::now();
    let (cert, chave) = ac
        .emitir_ecnpj_com_chave(
            "PRESTADOR TESTE LTDA",
            &Cnpj::parse(cnpj).unwrap(),
            agora - Duration::from_secs(86_400)..agora + Duration::from_secs(86_400 * 365),
            &crate::comum::chave_rsa(),
        )
        .unwrap();
    let caminho = pasta.join(format!("{cnpj}.pfx"));
    std::fs::write(
        &caminho,
        pkcs12(&cert, &chave, &[ac.certificado_der()], SENHA).unwrap(),
    )
    .unwrap();
    (caminho, ac.certificado_pem())
}

#[test]
fn validate_the_examples_with_the_exit_codes_of_nfd_validate() {
    let ok = guiche(
        &["nfse", "validate", exemplo("dps.json").to_str().unwrap()],
        &[],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", texto(&ok));
    assert!(texto(&ok).contains("DPS válida — Id DPS355030821122233300018100001000000000000042"));

    let json = guiche(
        &[
            "nfse",
            "validate",
            "--json",
            exemplo("dps.json").to_str().unwrap(),
        ],
        &[],
    );
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["valido"], true);
    assert_eq!(v["resumo"]["valorServico"], "1500.00");

    let ruim = guiche(
        &[
            "nfse",
            "validate",
            "--json",
            exemplo("dps-com-erros.json").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(ruim.status.code(), Some(1), "{}", texto(&ruim));
    let v: Value = serde_json::from_slice(&ruim.stdout).unwrap();
    let campos: Vec<&str> = v["violacoes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["campo"].as_str().unwrap())
        .collect();
    assert!(
        campos.contains(&"infDPS/valores/vServPrest/vServ"),
        "{campos:?}"
    );
    assert!(campos.contains(&"infDPS/prest/CNPJ"), "{campos:?}");
    assert_eq!(campos.len(), 14, "{campos:?}");

    let sem = guiche(&["nfse", "validate", "/nao/existe.json"], &[]);
    assert_eq!(sem.status.code(), Some(2), "{}", texto(&sem));
}

#[test]
fn dps_signs_offline_with_the_certificate_from_the_environment() {
    let pasta = crate::comum::pasta("nfse-dps");
    let (cert, ac_pem) = pfx(&pasta, "11222333000181");
    let senha_arquivo = pasta.join("senha");
    std::fs::write(&senha_arquivo, format!("{SENHA}\n")).unwrap();
    let saida = pasta.join("DPS.xml");
    let o = guiche(
        &[
            "nfse",
            "dps",
            exemplo("dps.json").to_str().unwrap(),
            "--saida",
            saida.to_str().unwrap(),
        ],
        &[
            ("GUICHE_NFSE_CERT", cert.to_str().unwrap()),
            (
                "GUICHE_NFSE_CERT_SENHA_ARQUIVO",
                senha_arquivo.to_str().unwrap(),
            ),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", texto(&o));
    assert!(texto(&o).contains("assinada e gravada em"), "{}", texto(&o));
    assert!(!texto(&o).contains(SENHA));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let modo = std::fs::metadata(&saida).unwrap().permissions().mode() & 0o777;
        assert_eq!(modo, 0o600);
    }
    let xml = std::fs::read_to_string(&saida).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><DPS xmlns="));
    let v = verificar(&xml).unwrap();
    assert!(
        v.assinado
            .starts_with("<infDPS xmlns=\"http://www.sped.fazenda.gov.br/nfse\" Id=\"DPS3550308")
    );

    let pasta_xmlsec = pasta.join("xmlsec1");
    let id_attr = "http://www.sped.fazenda.gov.br/nfse:infDPS";
    if let Some((ok, s)) = xmlsec1_verificar(&xml, &ac_pem, &pasta_xmlsec, Some(("Id", id_attr)))
        .unwrap()
        .saida()
    {
        assert!(ok, "xmlsec1 recusou: {s}");
    }
    match xmllint_dps(std::slice::from_ref(&saida)).unwrap() {
        Xmllint::Recusou(s) => panic!("o XSD oficial recusou: {s}"),
        Xmllint::Aceitou | Xmllint::Ausente => {}
    }

    // The signed file validates again (a Signature is accepted on reading).
    let de_novo = guiche(&["nfse", "validate", saida.to_str().unwrap()], &[]);
    assert_eq!(de_novo.status.code(), Some(0), "{}", texto(&de_novo));
}

#[test]
fn dps_refuses_what_cannot_be_signed_and_writes_nothing() {
    let pasta = crate::comum::pasta("nfse-dps-recusas");
    let (cert, _) = pfx(&pasta, "11222333000181");
    let (outro, _) = pfx(&pasta, "11444777000161");
    let saida = pasta.join("DPS.xml");
    let dps = |arquivo: &Path, env: &[(&str, &str)]| {
        guiche(
            &[
                "nfse",
                "dps",
                arquivo.to_str().unwrap(),
                "--saida",
                saida.to_str().unwrap(),
            ],
            env,
        )
    };
    // An invalid DPS: the violations, exit 1.
    let o = dps(&exemplo("dps-com-erros.json"), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", texto(&o));
    // No certificate, a wrong password, another holder's certificate: configuration, exit 2.
    let o = dps(&exemplo("dps.json"), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", texto(&o));
    assert!(texto(&o).contains("GUICHE_NFSE_CERT"), "{}", texto(&o));
    let cert = cert.to_str().unwrap();
    let o = dps(&exemplo("dps.json"), &[("GUICHE_NFSE_CERT", cert)]);
    assert_eq!(o.status.code(), Some(2), "{}", texto(&o));
    assert!(
        texto(&o).contains("GUICHE_NFSE_CERT_SENHA"),
        "{}",
        texto(&o)
    );
    let o = dps(
        &exemplo("dps.json"),
        &[
            ("GUICHE_NFSE_CERT", cert),
            ("GUICHE_NFSE_CERT_SENHA", "errada"),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", texto(&o));
    assert!(
        texto(&o).contains("senha do certificado incorreta"),
        "{}",
        texto(&o)
    );
    assert!(!texto(&o).contains("errada"));
    let o = dps(
        &exemplo("dps.json"),
        &[
            ("GUICHE_NFSE_CERT", outro.to_str().unwrap()),
            ("GUICHE_NFSE_CERT_SENHA", SENHA),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", texto(&o));
    assert!(texto(&o).contains("próprio prestador"), "{}", texto(&o));
    assert!(!saida.exists(), "nada deve ser gravado");
}
