//! The NFS-e Nacional DPS as guichê writes it (from the example in `exemplos/nfse`), signed
//! with an e-CNPJ of the prestador held in a PKCS#12 file: checked by our verifier and by an
//! independent one (`xmlsec1`), read back to the same DPS; another holder's certificate, or an
//! expired one, refused; every DPS written valid against the official XSD; the cancellation
//! request signed by its author and valid against its XSD.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use guiche_certificados::nfse::{DECLARACAO, ErroDps, assinar_dps, assinar_pedido_evento};
use guiche_certificados::pki_teste::{
    AcTeste, Xmllint, Xmlsec1, chave_rsa_teste, pkcs12, xmllint_dps, xmllint_nfse,
    xmlsec1_verificar,
};
use guiche_certificados::xmldsig::{Alvo, verificar};
use guiche_certificados::{Certificado, ErroCertificado, Senha};
use guiche_domain::documento::{Cnpj, Documento};
use guiche_domain::estrategias::nfse::dps_valida;
use guiche_domain::nfse::evento::{MotivoCancelamento, PedidoEvento};
use guiche_domain::nfse::{Ambiente, ChaveAcesso, Dps, DpsBruta};

const NS_NFSE: &str = "http://www.sped.fazenda.gov.br/nfse";
const DIA: Duration = Duration::from_secs(86_400);

fn dps() -> Dps {
    DpsBruta::de_json(include_str!("../../../exemplos/nfse/dps.json"))
        .unwrap()
        .validar()
        .unwrap()
}

/// The test CA (PEM) and an RSA e-CNPJ of `cnpj`, valid over `validade`, loaded from a PFX.
fn ecnpj(cnpj: &str, validade: std::ops::Range<SystemTime>) -> (String, Certificado) {
    certificado_de(&Documento::Cnpj(Cnpj::parse(cnpj).unwrap()), validade)
}

/// The test CA (PEM) and an RSA e-CNPJ or e-CPF of `titular`, loaded from a PFX.
fn certificado_de(
    titular: &Documento,
    validade: std::ops::Range<SystemTime>,
) -> (String, Certificado) {
    static CHAVE: OnceLock<Vec<u8>> = OnceLock::new();
    let chave = CHAVE.get_or_init(|| chave_rsa_teste("guiche-nfse-prestador").unwrap());
    let ac = AcTeste::nova("AC TESTE NFSE").unwrap();
    let (cert, chave) = match titular {
        Documento::Cnpj(c) => ac.emitir_ecnpj_com_chave("PRESTADOR TESTE LTDA", c, validade, chave),
        Documento::Cpf(c) => ac.emitir_ecpf_com_chave("PRESTADORA TESTE", c, validade, chave),
    }
    .unwrap();
    let pfx = pkcs12(&cert, &chave, &[ac.certificado_der()], "senha-teste").unwrap();
    let certificado = Certificado::abrir(&pfx, &Senha::from("senha-teste")).unwrap();
    (ac.certificado_pem(), certificado)
}

fn valido() -> std::ops::Range<SystemTime> {
    let agora = SystemTime::now();
    agora - DIA..agora + 365 * DIA
}

fn xmlsec1(nome: &str, xml: &str, confiavel_pem: &str) -> Xmlsec1 {
    let pasta = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("nfse-{nome}"));
    let id_attr = format!("{NS_NFSE}:infDPS");
    xmlsec1_verificar(xml, confiavel_pem, &pasta, Some(("Id", &id_attr))).unwrap()
}

#[test]
fn the_dps_signed_with_the_prestadors_ecnpj_verifies_here_and_in_xmlsec1() {
    let (ac_pem, certificado) = ecnpj("11222333000181", valido());
    let dps = dps();
    let xml = assinar_dps(&certificado, &dps, SystemTime::now()).unwrap();
    assert!(xml.starts_with(DECLARACAO));
    assert!(!xml.contains("ds:"), "sem prefixo ds: (E6155)");
    let id = dps.id().to_string();
    assert!(xml.contains(&format!("<Reference URI=\"#{id}\">")));

    let v = verificar(&xml).unwrap();
    assert_eq!(v.alvo, Alvo::Id(id));
    assert_eq!(v.certificado_der, certificado.certificado_der());
    assert_eq!(v.documento, dps.para_xml());

    // The signed file reads back to the same DPS.
    let lida = DpsBruta::de_xml_bytes(xml.as_bytes())
        .unwrap()
        .validar()
        .unwrap();
    assert_eq!(lida, dps);

    if let Some((ok, saida)) = xmlsec1("valida", &xml, &ac_pem).saida() {
        assert!(ok && saida.lines().any(|l| l.trim() == "OK"), "{saida}");
        let adulterado = xml.replacen("<vServ>1500.00</vServ>", "<vServ>15000.00</vServ>", 1);
        assert_ne!(adulterado, xml);
        let resultado = xmlsec1("adulterada", &adulterado, &ac_pem);
        let (ok, saida) = resultado.saida().unwrap();
        assert!(
            !ok && saida.contains("FAIL"),
            "xmlsec1 aceitou uma DPS adulterada: {saida}"
        );
    }
}

#[test]
fn another_holders_or_an_expired_certificate_is_refused() {
    let (_, outro) = ecnpj("11444777000161", valido());
    let erro = assinar_dps(&outro, &dps(), SystemTime::now()).unwrap_err();
    assert!(
        matches!(&erro, ErroDps::OutroTitular { certificado, prestador }
            if certificado == "11444777000161" && prestador == "11222333000181"),
        "{erro}"
    );
    assert!(erro.to_string().contains("próprio prestador"));

    let agora = SystemTime::now();
    let (_, vencido) = ecnpj("11222333000181", agora - 30 * DIA..agora - DIA);
    assert!(matches!(
        assinar_dps(&vencido, &dps(), agora),
        Err(ErroDps::Certificado(ErroCertificado::Expirado { .. }))
    ));
}

/// Writes `xml` to a file of its own for `xmllint`.
fn arquivo(nome: &str, xml: &str) -> PathBuf {
    let pasta = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("nfse-xsd");
    std::fs::create_dir_all(&pasta).unwrap();
    let caminho = pasta.join(format!("{nome}.xml"));
    std::fs::write(&caminho, xml).unwrap();
    caminho
}

#[test]
fn every_dps_guiche_writes_is_valid_against_the_official_xsd() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;

    let (_, certificado) = ecnpj("11222333000181", valido());
    let exemplo = dps();
    let mut arquivos = vec![
        arquivo("exemplo", &exemplo.para_xml()),
        arquivo(
            "exemplo-assinado",
            &assinar_dps(&certificado, &exemplo, SystemTime::now()).unwrap(),
        ),
    ];
    // Generated DPS (every optional group present or not), each signed with a certificate of
    // its own prestador.
    let mut runner = TestRunner::deterministic();
    let estrategia = dps_valida();
    for i in 0..30 {
        let dps = estrategia
            .new_tree(&mut runner)
            .unwrap()
            .current()
            .validar()
            .unwrap();
        let (_, cert) = certificado_de(&dps.prestador().inscricao, valido());
        let xml = assinar_dps(&cert, &dps, SystemTime::now()).unwrap();
        arquivos.push(arquivo(&format!("gerada-{i}"), &xml));
    }
    match xmllint_dps(&arquivos).unwrap() {
        Xmllint::Ausente => return,
        Xmllint::Aceitou => {}
        Xmllint::Recusou(saida) => panic!("o XSD oficial recusou uma DPS do guichê:\n{saida}"),
    }
    // The oracle is not vacuous: elements out of the XSD's order are refused.
    let fora_de_ordem = exemplo
        .para_xml()
        .replacen("<tpAmb>2</tpAmb><dhEmi>", "<dhEmi>", 1)
        .replacen("</dhEmi>", "</dhEmi><tpAmb>2</tpAmb>", 1);
    let recusado = xmllint_dps(&[arquivo("fora-de-ordem", &fora_de_ordem)]).unwrap();
    assert!(
        matches!(&recusado, Xmllint::Recusou(s) if s.contains("tpAmb")),
        "{recusado:?}"
    );
}

/// The example's access key, as SEFIN would give it (the prestador's municipality and CNPJ).
fn pedido_cancelamento(autor: &str) -> PedidoEvento {
    let dps = dps();
    let chave = ChaveAcesso::nova(
        dps.municipio_emissor(),
        2,
        dps.prestador().inscricao,
        1,
        26,
        11,
        123_456_789,
    )
    .unwrap();
    PedidoEvento::cancelamento(
        Ambiente::Homologacao,
        "guiche-0.1",
        dps.emissao(),
        Documento::parse(autor).unwrap(),
        chave,
        MotivoCancelamento::ServicoNaoPrestado,
        "Serviço não prestado: contrato desfeito pelo tomador",
    )
    .unwrap()
}

#[test]
fn the_cancellation_request_is_signed_by_its_author_and_valid_against_the_xsd() {
    let (ac_pem, certificado) = ecnpj("11222333000181", valido());
    let pedido = pedido_cancelamento("11222333000181");
    let xml = assinar_pedido_evento(&certificado, &pedido, SystemTime::now()).unwrap();
    assert!(xml.starts_with(DECLARACAO));
    let v = verificar(&xml).unwrap();
    assert_eq!(v.alvo, Alvo::Id(pedido.id()));
    assert_eq!(v.documento, pedido.para_xml());

    let pasta = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("nfse-cancelamento");
    let id_attr = format!("{NS_NFSE}:infPedReg");
    if let Some((ok, saida)) = xmlsec1_verificar(&xml, &ac_pem, &pasta, Some(("Id", &id_attr)))
        .unwrap()
        .saida()
    {
        assert!(ok, "xmlsec1 recusou: {saida}");
    }
    let esquema = "pedRegEvento_v1.01.xsd";
    match xmllint_nfse(esquema, &[arquivo("cancelamento", &xml)]).unwrap() {
        Xmllint::Ausente => {}
        Xmllint::Aceitou => {
            // Not vacuous: another xDesc is refused (the XSD's enumeration).
            let outro = xml.replacen("Cancelamento de NFS-e", "Cancelamento", 1);
            let r = xmllint_nfse(esquema, &[arquivo("cancelamento-xdesc", &outro)]).unwrap();
            assert!(matches!(r, Xmllint::Recusou(_)), "{r:?}");
        }
        Xmllint::Recusou(s) => panic!("o XSD oficial recusou o pedido de cancelamento: {s}"),
    }

    let outro = pedido_cancelamento("11444777000161");
    assert!(matches!(
        assinar_pedido_evento(&certificado, &outro, SystemTime::now()),
        Err(ErroDps::OutroTitular { .. })
    ));
}

/// Every event group a contribuinte signs, signed by the same signer as the cancellation,
/// verified by `xmlsec1` and valid against `pedRegEvento_v1.01.xsd`.
#[test]
fn every_contribuinte_event_is_signed_and_valid_against_the_xsd() {
    use guiche_domain::nfse::evento::{Evento, MotivoRejeicao, MotivoSubstituicao, Papel};
    let (ac_pem, certificado) = ecnpj("11222333000181", valido());
    let base = pedido_cancelamento("11222333000181");
    let c = base.chave();
    let substituta = ChaveAcesso::nova(
        c.municipio(),
        c.ambiente_gerador(),
        c.inscricao(),
        2,
        c.ano(),
        c.mes(),
        c.codigo(),
    )
    .unwrap();
    let justificativa = || Some("Valor do serviço divergente do contrato".to_string());
    let eventos = [
        Evento::AnaliseFiscal {
            motivo: MotivoCancelamento::Outros,
            justificativa: "Cancelamento pedido fora do prazo".into(),
        },
        Evento::Substituicao {
            motivo: MotivoSubstituicao::de_codigo("99").unwrap(),
            justificativa: justificativa(),
            substituta,
        },
        Evento::Substituicao {
            motivo: MotivoSubstituicao::de_codigo("02").unwrap(),
            justificativa: None,
            substituta,
        },
        Evento::Confirmacao(Papel::Prestador),
        Evento::Confirmacao(Papel::Tomador),
        Evento::Confirmacao(Papel::Intermediario),
        Evento::Rejeicao {
            papel: Papel::Prestador,
            motivo: MotivoRejeicao::de_codigo("1").unwrap(),
            justificativa: None,
        },
        Evento::Rejeicao {
            papel: Papel::Tomador,
            motivo: MotivoRejeicao::de_codigo("5").unwrap(),
            justificativa: justificativa(),
        },
        Evento::Rejeicao {
            papel: Papel::Intermediario,
            motivo: MotivoRejeicao::de_codigo("9").unwrap(),
            justificativa: justificativa(),
        },
    ];
    let pasta = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("nfse-eventos");
    let id_attr = format!("{NS_NFSE}:infPedReg");
    let mut arquivos = Vec::new();
    for (i, evento) in eventos.into_iter().enumerate() {
        let tipo = evento.tipo();
        let pedido = PedidoEvento::novo(
            Ambiente::Homologacao,
            "guiche-0.1",
            base.momento(),
            base.autor(),
            base.chave(),
            evento,
        )
        .unwrap();
        let xml = assinar_pedido_evento(&certificado, &pedido, SystemTime::now()).unwrap();
        let v = verificar(&xml).unwrap();
        assert_eq!(v.alvo, Alvo::Id(pedido.id()));
        assert!(pedido.id().ends_with(tipo));
        if let Some((ok, saida)) = xmlsec1_verificar(
            &xml,
            &ac_pem,
            &pasta.join(i.to_string()),
            Some(("Id", &id_attr)),
        )
        .unwrap()
        .saida()
        {
            assert!(ok, "xmlsec1 recusou o evento {tipo}: {saida}");
        }
        arquivos.push(arquivo(&format!("evento-{i}-{tipo}"), &xml));
    }
    let esquema = "pedRegEvento_v1.01.xsd";
    match xmllint_nfse(esquema, &arquivos).unwrap() {
        Xmllint::Ausente => {}
        Xmllint::Aceitou => {
            // Not vacuous: a rejection's motive outside the XSD's codes is refused.
            let um = std::fs::read_to_string(&arquivos[6]).unwrap();
            let outro = um.replacen("<cMotivo>1</cMotivo>", "<cMotivo>6</cMotivo>", 1);
            let r = xmllint_nfse(esquema, &[arquivo("evento-motivo-6", &outro)]).unwrap();
            assert!(matches!(r, Xmllint::Recusou(_)), "{r:?}");
        }
        Xmllint::Recusou(s) => panic!("o XSD oficial recusou um pedido de evento: {s}"),
    }
}
