//! The golden vectors of `tests/vetores`: the request as the client writes it, the replies as
//! the references show them.

use crate::dps;
use guiche_certificados::nfse::DECLARACAO;
use guiche_domain::nfse::ChaveAcesso;
use guiche_nfse::wire::{self, PedidoEmissao, RespostaEmissao};

const PEDIDO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vetores/pedido-emissao.json"
);

#[test]
fn the_request_body_is_byte_for_byte_the_vector() {
    let xml = format!("{DECLARACAO}{}", dps(42).para_xml());
    let corpo = serde_json::to_string(&PedidoEmissao {
        dps_xml_gzip_b64: wire::compactar(&xml),
    })
    .unwrap();
    if std::env::var_os("GUICHE_GRAVAR_VETORES").is_some() {
        std::fs::write(PEDIDO, format!("{corpo}\n")).unwrap();
    }
    let vetor = std::fs::read_to_string(PEDIDO).unwrap();
    assert_eq!(vetor.trim_end(), corpo);
    assert!(vetor.starts_with("{\"dpsXmlGZipB64\":\"H4sI"));
    let lido: PedidoEmissao = serde_json::from_str(&vetor).unwrap();
    assert_eq!(wire::descompactar(&lido.dps_xml_gzip_b64).unwrap(), xml);
}

#[test]
fn the_201_reply_is_read_with_its_key_and_nfse() {
    let r: RespostaEmissao =
        serde_json::from_str(include_str!("../vetores/resposta-201.json")).unwrap();
    let chave = ChaveAcesso::parse(&r.chave_acesso).unwrap();
    assert_eq!(chave.numero(), 1);
    assert_eq!(r.versao_aplicativo.as_deref(), Some("SefinNacional_1.6.0"));
    assert_eq!(
        wire::descompactar(&r.nfse_xml_gzip_b64).unwrap(),
        include_str!("../vetores/nfse-201.xml")
    );
}

#[test]
fn every_error_shape_seen_is_read() {
    let casos = [
        (
            include_str!("../vetores/erro-post-producao.json"),
            None,
            "E1226: Estrutura descompactada mal formada.",
        ),
        (
            include_str!("../vetores/erro-post-antigo.json"),
            None,
            "RNG9999: Erro não catalogado. (Object reference not set to an instance of an object.)",
        ),
        (
            include_str!("../vetores/erro-post-openapi.json"),
            Some("DPS355030821122233300018100001000000000000042"),
            "E0004: Id da DPS não corresponde aos seus campos.",
        ),
        (
            include_str!("../vetores/erro-get.json"),
            None,
            "E2220: NFS-e não encontrada.",
        ),
    ];
    for (corpo, id, esperado) in casos {
        let (lido, mensagens) = wire::ler_erros(corpo, 400);
        assert_eq!(lido.as_deref(), id, "{corpo}");
        assert_eq!(mensagens.len(), 1, "{corpo}");
        assert_eq!(mensagens[0].to_string(), esperado);
    }
}
