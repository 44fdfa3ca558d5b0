//! The general enveloped signer on a second, different document: an NFS-e-like DPS signed by
//! the `Id` of its `infDPS` (the namespace of the root inherited by the signed element), checked
//! by our verifier and by an independent one (`xmlsec1`); and a whole document whose root
//! declares a prefixed namespace.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use guiche_certificados::pki_teste::{
    AcTeste, AssinanteTeste, Xmlsec1, assinante_rsa_teste, chave_rsa_teste, pkcs12,
    xmlsec1_verificar,
};
use guiche_certificados::xmldsig::{
    Alvo, Assinante, ErroAssinatura, ErroVerificacao, XmlCanonico, verificar,
};
use guiche_certificados::{Certificado, Senha};
use guiche_domain::documento::Cpf;

const NS_NFSE: &str = "http://www.sped.fazenda.gov.br/nfse";
const ID_DPS: &str = "DPS431490221122233300018100900000000000000001";

/// The signer: an RSA-2048 key from a seed and a self-signed certificate.
/// One for the whole binary: RSA generation is slow in debug builds.
fn credencial() -> &'static AssinanteTeste {
    static C: OnceLock<AssinanteTeste> = OnceLock::new();
    C.get_or_init(|| assinante_rsa_teste("guiche-dps", "prestador.example").unwrap())
}

fn assinante() -> Assinante {
    let c = credencial();
    Assinante::novo(&c.chave_pkcs8, &c.certificado_der).unwrap()
}

/// An NFS-e Nacional-like DPS, written in canonical form.
fn dps(descricao: &str) -> String {
    let mut x = XmlCanonico::default();
    x.abre("DPS", &[("versao", "1.00"), ("xmlns", NS_NFSE)]);
    x.abre("infDPS", &[("Id", ID_DPS)]);
    x.elemento_texto("tpAmb", "2");
    x.elemento_texto("dhEmi", "2026-03-10T10:00:00-03:00");
    x.elemento_texto("serie", "900");
    x.elemento_texto("nDPS", "1");
    x.abre("prest", &[]);
    x.elemento_texto("CNPJ", "11222333000181");
    x.fecha("prest");
    x.abre("serv", &[]);
    x.abre("cServ", &[]);
    x.elemento_texto("cTribNac", "171901");
    x.elemento_texto("xDescServ", descricao);
    x.fecha("cServ");
    x.fecha("serv");
    x.abre("valores", &[]);
    x.abre("vServPrest", &[]);
    x.elemento_texto("vServ", "1234.56");
    x.fecha("vServPrest");
    x.fecha("valores");
    x.fecha("infDPS");
    x.fecha("DPS");
    x.into_string()
}

fn dps_assinada() -> String {
    assinante()
        .assinar(
            &dps("Consultoria & contabilidade <mensal>"),
            &Alvo::Id(ID_DPS.into()),
        )
        .unwrap()
}

/// `xmlsec1 --verify` of `xml` trusting the test certificate, `Id` being the ID attribute of
/// `infDPS`, in a directory of its own.
fn xmlsec1(nome: &str, xml: &str) -> Xmlsec1 {
    let pasta = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("xmldsig-{nome}"));
    let id_attr = format!("{NS_NFSE}:infDPS");
    let pem = &credencial().certificado_pem;
    xmlsec1_verificar(xml, pem, &pasta, Some(("Id", &id_attr))).unwrap()
}

#[test]
fn the_dps_is_signed_by_the_id_of_infdps_after_it_as_the_roots_last_child() {
    let xml = dps_assinada();
    let original = dps("Consultoria & contabilidade <mensal>");
    let sem_fim = original.strip_suffix("</DPS>").unwrap();
    let assinatura = xml.strip_prefix(sem_fim).unwrap();
    assert!(assinatura.starts_with(
        r#"<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod"#
    ));
    assert!(assinatura.contains(&format!("<Reference URI=\"#{ID_DPS}\">")));
    assert!(assinatura.ends_with("</X509Data></KeyInfo></Signature></DPS>"));
    assert_eq!(xml, dps_assinada(), "deterministic");

    let v = verificar(&xml).unwrap();
    assert_eq!(v.alvo, Alvo::Id(ID_DPS.into()));
    assert_eq!(v.documento, original);
    assert!(
        v.assinado.starts_with(&format!(
            "<infDPS xmlns=\"{NS_NFSE}\" Id=\"{ID_DPS}\"><tpAmb>"
        )),
        "{}",
        v.assinado
    );
    assert!(v.assinado.ends_with("</valores></infDPS>"));
    assert_eq!(v.certificado_der, credencial().certificado_der);
    // With an XML declaration, as it is sent.
    let com_declaracao = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}\n");
    assert_eq!(verificar(&com_declaracao).unwrap(), v);
}

#[test]
fn xmlsec1_verifies_the_signed_dps_and_rejects_a_tampered_one() {
    let xml = dps_assinada();
    let resultado = xmlsec1("dps", &xml);
    let Some((ok, saida)) = resultado.saida() else {
        return;
    };
    assert!(ok && saida.lines().any(|l| l.trim() == "OK"), "{saida}");

    let adulterado = xml.replacen("<vServ>1234.56</vServ>", "<vServ>1234.57</vServ>", 1);
    assert_ne!(xml, adulterado);
    let resultado = xmlsec1("dps-adulterada", &adulterado);
    let (ok, saida) = resultado.saida().unwrap();
    assert!(
        !ok && saida.contains("FAIL"),
        "xmlsec1 aceitou uma DPS adulterada: {saida}"
    );
}

#[test]
fn a_whole_document_whose_root_declares_a_prefix_verifies_with_xmlsec1() {
    let mut x = XmlCanonico::default();
    x.abre(
        "lote",
        &[
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ("xmlns", "urn:lote"),
        ],
    );
    x.elemento_texto("item", "a \"b\" & c");
    x.fecha("lote");
    let xml = assinante().assinar(x.como_str(), &Alvo::Documento).unwrap();
    assert!(xml.contains("<Reference URI=\"\">"));
    assert_eq!(verificar(&xml).unwrap().alvo, Alvo::Documento);
    if let Some((ok, saida)) = xmlsec1("prefixo", &xml).saida() {
        assert!(ok, "xmlsec1 recusou: {saida}");
    }
}

#[test]
fn tampering_and_off_profile_signatures_are_refused_by_the_verifier() {
    let xml = dps_assinada();
    assert_eq!(
        verificar(&xml.replacen("1234.56", "1234.57", 1)),
        Err(ErroVerificacao::Resumo)
    );
    let digest = xml.split_once("<DigestValue>").unwrap().1;
    let outro_digest = xml.replacen(digest, &format!("A{}", &digest[1..]), 1);
    assert!(verificar(&outro_digest).is_err());
    let sha1 = xml.replacen(
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        1,
    );
    assert!(matches!(
        verificar(&sha1),
        Err(ErroVerificacao::Algoritmo(_))
    ));
    let outro_id = xml.replacen(&format!("URI=\"#{ID_DPS}\""), "URI=\"#OUTRO\"", 1);
    assert!(matches!(verificar(&outro_id), Err(ErroVerificacao::Forma(m)) if m.contains("OUTRO")));
    let externo = xml.replacen(&format!("URI=\"#{ID_DPS}\""), "URI=\"http://x\"", 1);
    assert!(matches!(
        verificar(&externo),
        Err(ErroVerificacao::Algoritmo(_))
    ));
    assert!(
        matches!(verificar(&dps("x")), Err(ErroVerificacao::Forma(m)) if m.contains("Signature"))
    );
    let indentado = xml.replacen("<tpAmb>", "\n  <tpAmb>", 1);
    assert_eq!(verificar(&indentado), Err(ErroVerificacao::Resumo));
    assert!(matches!(verificar("lixo"), Err(ErroVerificacao::Forma(_))));
}

#[test]
fn documents_off_the_canonical_form_or_without_the_target_are_errors() {
    let a = assinante();
    let sem_alvo = a.assinar(&dps("x"), &Alvo::Id("NAO-EXISTE".into()));
    assert!(matches!(sem_alvo, Err(ErroAssinatura::Documento(m)) if m.contains("NAO-EXISTE")));
    assert!(matches!(
        a.assinar("<a/>", &Alvo::Documento),
        Err(ErroAssinatura::Documento(_))
    ));
    assert!(matches!(
        a.assinar("<?xml version=\"1.0\"?><a></a>", &Alvo::Documento),
        Err(ErroAssinatura::Documento(_))
    ));
    let duas_vezes = a.assinar(&dps_assinada(), &Alvo::Id(ID_DPS.into()));
    assert!(matches!(duas_vezes, Err(ErroAssinatura::Documento(m)) if m.contains("Signature")));
    assert!(matches!(
        Assinante::novo(b"lixo", b"lixo"),
        Err(ErroAssinatura::ChaveInvalida(_))
    ));
    let ec = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    assert_eq!(
        Assinante::novo(&ec.serialize_der(), &credencial().certificado_der).unwrap_err(),
        ErroAssinatura::ChaveNaoRsa
    );
}

#[test]
fn an_a1_certificate_signs_and_its_key_never_shows() {
    let ac = AcTeste::nova("AC TESTE DPS").unwrap();
    let agora = SystemTime::now();
    let validade = agora - Duration::from_secs(60)..agora + Duration::from_secs(86_400);
    let chave = chave_rsa_teste("guiche-dps").unwrap();
    let cpf = Cpf::parse("52998224725").unwrap();
    let (cert, chave) = ac
        .emitir_ecpf_com_chave("MARIA DA SILVA", &cpf, validade, &chave)
        .unwrap();
    let p12 = pkcs12(&cert, &chave, &[ac.certificado_der()], "s3nh@").unwrap();
    let certificado = Certificado::abrir(&p12, &Senha::new("s3nh@")).unwrap();
    let a = Assinante::do_certificado(&certificado).unwrap();
    let xml = a.assinar(&dps("x"), &Alvo::Id(ID_DPS.into())).unwrap();
    assert_eq!(verificar(&xml).unwrap().certificado_der, cert);
    let debug = format!("{a:?}");
    assert!(debug.contains("***") && !debug.contains("MII"), "{debug}");
    // An e-CNPJ from the test PKI has an ECDSA key: not for this profile.
    let (cert, chave) = ac
        .emitir_ecnpj(
            "EMPRESA",
            &guiche_domain::documento::Cnpj::parse("11222333000181").unwrap(),
            validade_de_um_dia(),
        )
        .unwrap();
    assert_eq!(
        Assinante::novo(&chave, &cert).unwrap_err(),
        ErroAssinatura::ChaveNaoRsa
    );
}

fn validade_de_um_dia() -> std::ops::Range<SystemTime> {
    let agora = SystemTime::now();
    agora - Duration::from_secs(60)..agora + Duration::from_secs(86_400)
}
