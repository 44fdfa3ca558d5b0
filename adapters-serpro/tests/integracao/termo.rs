#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The signed AUTENTICAPROCURADOR term checked by an independent XMLDSig verifier
//! (`xmlsec1`), with a throw-away RSA key and self-signed certificate made at run time.

use std::path::PathBuf;
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use guiche_domain::{Cnpj, Data, Documento};
use guiche_serpro::pki_teste::{AssinanteTeste, Xmlsec1, assinante_rsa_teste, xmlsec1_verificar};
use guiche_serpro::termo::{ErroTermo, TermoAutorizacao, base64_para_envio};
use sha2::{Digest as _, Sha256};

/// The signer: an RSA-2048 key from a seed and a self-signed certificate.
/// One for the whole binary: RSA generation is slow in debug builds.
fn credencial() -> &'static AssinanteTeste {
    static C: OnceLock<AssinanteTeste> = OnceLock::new();
    C.get_or_init(|| assinante_rsa_teste("guiche-termo", "maria.example").unwrap())
}

fn termo() -> TermoAutorizacao {
    TermoAutorizacao::novo(
        (
            Cnpj::parse("11.222.333/0001-81").unwrap(),
            "GUICHÊ & FILHOS \"SISTEMAS\" LTDA".into(),
        ),
        (
            Documento::parse("529.982.247-25").unwrap(),
            "MARIA DA SILVA".into(),
        ),
        Data::new(2026, 3, 10).unwrap(),
    )
    .unwrap()
}

fn assinado() -> String {
    let c = credencial();
    termo().assinar(&c.chave_pkcs8, &c.certificado_der).unwrap()
}

/// `xmlsec1 --verify` of `xml` trusting the test certificate, in a directory of its own.
fn xmlsec1(nome: &str, xml: &str) -> Xmlsec1 {
    let pasta = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("termo-{nome}"));
    xmlsec1_verificar(xml, &credencial().certificado_pem, &pasta, None).unwrap()
}

#[test]
fn xmlsec1_verifies_the_signed_term() {
    let resultado = xmlsec1("valido", &assinado());
    let Some((ok, saida)) = resultado.saida() else {
        return;
    };
    assert!(ok, "xmlsec1 recusou: {saida}");
    assert!(saida.lines().any(|l| l.trim() == "OK"), "{saida}");
}

#[test]
fn xmlsec1_rejects_a_tampered_attribute() {
    let xml = assinado();
    let adulterado = xml.replacen("numero=\"52998224725\"", "numero=\"52998224726\"", 1);
    assert_ne!(xml, adulterado);
    let resultado = xmlsec1("adulterado", &adulterado);
    let Some((ok, saida)) = resultado.saida() else {
        return;
    };
    assert!(!ok, "xmlsec1 aceitou um termo adulterado: {saida}");
    assert!(saida.contains("FAIL"), "{saida}");
}

#[test]
fn signed_document_has_the_required_shape() {
    let xml = assinado();
    let (declaracao, corpo) = xml.split_once('\n').unwrap();
    assert_eq!(declaracao, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let sem_assinatura = termo().xml_sem_assinatura();
    let raiz = sem_assinatura
        .strip_suffix("</termoDeAutorizacao>")
        .unwrap();
    let assinatura = corpo.strip_prefix(raiz).unwrap();
    assert!(assinatura.starts_with(
        r#"<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod"#
    ));
    assert!(assinatura.ends_with("</X509Data></KeyInfo></Signature></termoDeAutorizacao>"));
    assert_eq!(assinatura.matches("<Reference URI=\"\">").count(), 1);
    assert_eq!(assinatura.matches("<X509Certificate>").count(), 1);
    let cert = STANDARD.encode(&credencial().certificado_der);
    assert!(assinatura.contains(&format!("<X509Certificate>{cert}</X509Certificate>")));
}

#[test]
fn signature_value_verifies_over_the_canonical_signed_info() {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier as _;
    let xml = assinado();
    let entre = |a: &str, b: &str| {
        xml.split_once(a)
            .unwrap()
            .1
            .split_once(b)
            .unwrap()
            .0
            .to_owned()
    };
    let digest = entre("<DigestValue>", "</DigestValue>");
    let esperado = Sha256::digest(termo().xml_sem_assinatura().as_bytes());
    assert_eq!(STANDARD.decode(&digest).unwrap(), esperado.as_slice());
    let signed_info = entre("<SignedInfo>", "</SignedInfo>");
    let canonico = format!(
        "<SignedInfo xmlns=\"http://www.w3.org/2000/09/xmldsig#\">{signed_info}</SignedInfo>"
    );
    let valor = STANDARD
        .decode(entre("<SignatureValue>", "</SignatureValue>"))
        .unwrap();
    let chave = rsa::RsaPrivateKey::try_from(
        rsa::pkcs8::PrivateKeyInfo::try_from(credencial().chave_pkcs8.as_slice()).unwrap(),
    )
    .unwrap();
    let verificador = VerifyingKey::<Sha256>::new(chave.to_public_key());
    let assinatura = Signature::try_from(valor.as_slice()).unwrap();
    assert!(verificador.verify(canonico.as_bytes(), &assinatura).is_ok());
    assert!(verificador.verify(b"outra coisa", &assinatura).is_err());
}

#[test]
fn signing_is_deterministic_and_base64_round_trips() {
    let xml = assinado();
    assert_eq!(xml, assinado());
    let enviado = base64_para_envio(&xml);
    assert_eq!(STANDARD.decode(enviado).unwrap(), xml.as_bytes());
}

/// The whole signed term, byte for byte: the golden file was signed with the seed's key and the
/// committed certificate (`termo-assinante.der`, no private key) before the signer moved to
/// `guiche-certificados`; RSA PKCS#1 v1.5 is deterministic, so any change to the canonical
/// form, the `Signature` element or the signed `SignedInfo` shows here.
#[test]
fn the_signed_term_matches_the_golden_file_byte_for_byte() {
    const ASSINANTE: &[u8] = include_bytes!("../vetores/termo-assinante.der");
    const DOURADO: &str = include_str!("../vetores/termo-assinado.xml");
    let c = credencial();
    assert_eq!(termo().assinar(&c.chave_pkcs8, ASSINANTE).unwrap(), DOURADO);
    let v = guiche_serpro::verificacao::verificar(DOURADO).unwrap();
    assert_eq!(v.assinado_por, "52998224725");
    assert_eq!(v.certificado_der, ASSINANTE);
}

#[test]
fn wrong_keys_and_certificates_are_reported() {
    let c = credencial();
    let t = termo();
    let ec = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert_ec = rcgen::CertificateParams::new(vec!["ec.example".to_owned()])
        .unwrap()
        .self_signed(&ec)
        .unwrap();
    assert_eq!(
        t.assinar(&ec.serialize_der(), &c.certificado_der),
        Err(ErroTermo::ChaveNaoRsa)
    );
    assert_eq!(
        t.assinar(&c.chave_pkcs8, cert_ec.der()),
        Err(ErroTermo::CertificadoNaoConfere)
    );
    assert!(matches!(
        t.assinar(&c.chave_pkcs8, b"nao e um certificado"),
        Err(ErroTermo::CertificadoInvalido(_))
    ));
    let mut com_sobra = c.certificado_der.clone();
    com_sobra.push(0);
    assert!(matches!(
        t.assinar(&c.chave_pkcs8, &com_sobra),
        Err(ErroTermo::CertificadoInvalido(_))
    ));
    let mut truncada = c.chave_pkcs8.clone();
    truncada.truncate(100);
    assert!(matches!(
        t.assinar(&truncada, &c.certificado_der),
        Err(ErroTermo::ChaveInvalida(_))
    ));
}

mod fluxo_procurador {
    //! The procurador flow against the simulator: the signed term gives a token, the same term
    //! again is a 304 carrying it in `ETag`, and the token lets the contratante call with the
    //! procurador as author.

    use super::credencial;
    use guiche_domain::serpro::{Pedido, PedidoDados, TipoServico};
    use guiche_domain::{Cnpj, Data, Documento};
    use guiche_serpro::simulador::{ConfigSimulador, SimuladorIntegra};
    use guiche_serpro::termo::TermoAutorizacao;
    use guiche_serpro::{Chamada, ClienteIntegra, ErroIntegra};
    use std::time::{SystemTime, UNIX_EPOCH};

    const CONTRATANTE: &str = "11222333000181";
    const PROCURADOR: &str = "52998224725";

    fn hoje() -> Data {
        let s = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        Data::from_dias_desde_epoca((s - 3 * 3600).div_euclid(86_400)).unwrap()
    }

    fn cliente(sim: &SimuladorIntegra) -> ClienteIntegra {
        crate::comum::cliente_do_contratante(sim)
    }

    fn termo_assinado(destinatario: &str) -> String {
        let c = credencial();
        TermoAutorizacao::novo(
            (Cnpj::parse(destinatario).unwrap(), "ESCRITORIO".into()),
            (
                Documento::parse(PROCURADOR).unwrap(),
                "MARIA DA SILVA".into(),
            ),
            hoje(),
        )
        .unwrap()
        .assinar(&c.chave_pkcs8, &c.certificado_der)
        .unwrap()
    }

    #[tokio::test]
    async fn the_signed_term_gives_a_token_the_same_term_a_304_and_the_token_opens_the_calls() {
        let sim = SimuladorIntegra::iniciar(ConfigSimulador::default()).unwrap();
        sim.cadastrar_consumidor("chave", "segredo");
        let procurador = Documento::parse(PROCURADOR).unwrap();
        let xml = termo_assinado(CONTRATANTE);
        let c = cliente(&sim);
        let t = c
            .autenticar_procurador(&xml, procurador, hoje())
            .await
            .unwrap();
        assert_eq!(t.token.len(), 36);
        assert!(
            t.expira_em.is_some_and(|e| e > SystemTime::now()),
            "a validade dada pelo servidor"
        );
        assert_eq!(
            c.autenticar_procurador(&xml, procurador, hoje())
                .await
                .unwrap(),
            t,
            "do cache, sem chamar"
        );
        let outro = cliente(&sim);
        let t304 = outro
            .autenticar_procurador(&xml, procurador, hoje())
            .await
            .unwrap();
        assert_eq!(
            t304.token, t.token,
            "o mesmo termo: 304 com o token no ETag"
        );
        let p = Pedido {
            contratante: Cnpj::parse(CONTRATANTE).unwrap(),
            autor_pedido_dados: procurador,
            contribuinte: procurador,
            pedido_dados: PedidoDados {
                id_sistema: "PGDASD".into(),
                id_servico: "CONSDECLARACAO13".into(),
                versao_sistema: "1.0".into(),
                dados: r#"{"anoCalendario":"2025"}"#.into(),
            },
        };
        let chamada = Chamada {
            etiqueta: None,
            tipo: TipoServico::Consultar,
            pedido: &p,
            token_procurador: Some(&t.token),
            hoje: hoje(),
        };
        assert_eq!(c.chamar(chamada).await.unwrap().status, 200);
    }

    #[tokio::test]
    async fn a_tampered_term_or_one_for_another_contratante_is_refused() {
        let sim = SimuladorIntegra::iniciar(ConfigSimulador::default()).unwrap();
        sim.cadastrar_consumidor("chave", "segredo");
        let procurador = Documento::parse(PROCURADOR).unwrap();
        let c = cliente(&sim);
        let adulterado = termo_assinado(CONTRATANTE).replace("MARIA DA SILVA", "MARIA DA SILVB");
        let e = c
            .autenticar_procurador(&adulterado, procurador, hoje())
            .await
            .unwrap_err();
        assert!(
            matches!(e, ErroIntegra::AcessoNegado(ref m) if m.contains("033")),
            "{e:?}"
        );
        let outro = termo_assinado("11444777000161");
        let e = c
            .autenticar_procurador(&outro, procurador, hoje())
            .await
            .unwrap_err();
        assert!(
            matches!(e, ErroIntegra::AcessoNegado(ref m) if m.contains("ICGERENCIADOR-053")),
            "{e:?}"
        );
    }
}
