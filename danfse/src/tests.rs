use rust_decimal::Decimal;
use std::str::FromStr;

use super::*;
use crate::pdf::{quebrar, winansi};

const CHAVE: &str = "35503082211222333000181000000000000142611123456789";

fn xml(tp_amb: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><NFSe xmlns=\"http://www.sped.fazenda.gov.br/nfse\" versao=\"1.01\"><infNFSe Id=\"NFS{CHAVE}\"><xLocEmi>3550308</xLocEmi><ambGer>2</ambGer><tpEmis>1</tpEmis><cStat>100</cStat><dhProc>2026-11-26T10:16:00-03:00</dhProc><nDFSe>1</nDFSe><nNFSe>1</nNFSe><DPS versao=\"1.01\"><infDPS Id=\"DPS355030821122233300018100001000000000000042\"><tpAmb>{tp_amb}</tpAmb><dhEmi>2026-11-26T10:15:00-03:00</dhEmi><serie>1</serie><nDPS>42</nDPS><dCompet>2026-11-26</dCompet><prest><CNPJ>11222333000181</CNPJ><IM>12345678</IM><regTrib><opSimpNac>1</opSimpNac></regTrib></prest><toma><CPF>52998224725</CPF><xNome>Maria da Silva &amp; Filhos</xNome></toma><serv><cServ><cTribNac>010101</cTribNac><xDescServ>Análise &lt;módulo fiscal&gt;\nHoras</xDescServ></cServ></serv><valores><vServPrest><vServ>1500.00</vServ></vServPrest><trib><tribMun><tribISSQN>1</tribISSQN><tpRetISSQN>1</tpRetISSQN><pAliq>2.00</pAliq></tribMun></trib></valores></infDPS><Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo><Reference URI=\"#x\"/></SignedInfo><SignatureValue>AAAA</SignatureValue></Signature></DPS></infNFSe></NFSe>"
    )
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

#[test]
fn moeda_em_pt_br() {
    assert_eq!(moeda(d("0")), "R$ 0,00");
    assert_eq!(moeda(d("1500.00")), "R$ 1.500,00");
    assert_eq!(moeda(d("999.995")), "R$ 1.000,00");
    assert_eq!(moeda(d("1234567.891")), "R$ 1.234.567,89");
    assert_eq!(moeda(d("-22.5")), "-R$ 22,50");
    assert_eq!(moeda(d("-0.001")), "R$ 0,00");
}

#[test]
fn documentos_datas_e_chave() {
    assert_eq!(documento("11222333000181"), "11.222.333/0001-81");
    assert_eq!(documento("52998224725"), "529.982.247-25");
    assert_eq!(documento("12ABC34501DE35"), "12.ABC.345/01DE-35");
    assert_eq!(data("2026-11-26"), "26/11/2026");
    assert_eq!(
        data_hora("2026-11-26T10:15:00-03:00"),
        "26/11/2026 10:15:00"
    );
    assert_eq!(data_hora("ontem"), "ontem");
    assert_eq!(
        chave_agrupada(CHAVE),
        "3550 3082 2112 2233 3000 1810 0000 0000 0001 4261 1123 4567 89"
    );
}

#[test]
fn marca_dagua_conforme_ambiente_e_situacao() {
    assert!(marcas_dagua(1, Situacao::Normal).is_empty());
    assert_eq!(marcas_dagua(2, Situacao::Normal), ["SEM VALOR FISCAL"]);
    assert_eq!(marcas_dagua(1, Situacao::Cancelada), ["CANCELADA"]);
    assert_eq!(
        marcas_dagua(2, Situacao::Cancelada),
        ["CANCELADA", "SEM VALOR FISCAL"]
    );
}

#[test]
fn leitura_pula_a_assinatura_e_resolve_entidades() {
    let n = NfseLida::ler(xml("2").as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n.chave, CHAVE);
    assert_eq!(n.tp_amb, 2);
    assert_eq!(n.dps("toma/xNome"), Some("Maria da Silva & Filhos"));
    assert_eq!(
        n.dps("serv/cServ/xDescServ"),
        Some("Análise <módulo fiscal>\nHoras")
    );
    assert_eq!(n.texto("infNFSe/DPS/SignatureValue"), None);
    assert_eq!(n.texto("infNFSe/DPS/Signature/SignatureValue"), None);
    assert_eq!(
        n.valor("infNFSe/DPS/infDPS/valores/vServPrest/vServ"),
        Ok(Some(d("1500.00")))
    );
}

#[test]
fn erros_nomeiam_o_campo() {
    let sem_chave = xml("2").replace(&format!("Id=\"NFS{CHAVE}\""), "Id=\"NFS123\"");
    match renderizar(sem_chave.as_bytes(), Situacao::Normal) {
        Err(ErroDanfse::Campo { campo, valor, .. }) => {
            assert_eq!(campo, "infNFSe/@Id");
            assert_eq!(valor, "NFS123");
        }
        outro => panic!("esperava erro de campo, veio {outro:?}"),
    }
    let ambiente = xml("3");
    match renderizar(ambiente.as_bytes(), Situacao::Normal) {
        Err(ErroDanfse::Campo { campo, .. }) => assert_eq!(campo, "infNFSe/DPS/infDPS/tpAmb"),
        outro => panic!("esperava erro de campo, veio {outro:?}"),
    }
    let valor = xml("1").replace("<vServ>1500.00</vServ>", "<vServ>mil</vServ>");
    match renderizar(valor.as_bytes(), Situacao::Normal) {
        Err(ErroDanfse::Campo { campo, valor, .. }) => {
            assert_eq!(campo, "infNFSe/DPS/infDPS/valores/vServPrest/vServ");
            assert_eq!(valor, "mil");
        }
        outro => panic!("esperava erro de campo, veio {outro:?}"),
    }
    assert!(matches!(
        renderizar(b"<DPS/>", Situacao::Normal),
        Err(ErroDanfse::Campo { .. })
    ));
    assert!(matches!(
        renderizar(b"<NFSe><infNFSe>", Situacao::Normal),
        Err(ErroDanfse::Xml(_)) | Err(ErroDanfse::Campo { .. })
    ));
    assert!(matches!(
        renderizar(b"", Situacao::Normal),
        Err(ErroDanfse::Xml(_))
    ));
    match renderizar(
        br#"{"versao": "1.01", "infDPS": {"a": "&"}}"#,
        Situacao::Normal,
    ) {
        Err(ErroDanfse::Xml(m)) => assert!(m.contains("não é XML"), "{m}"),
        outro => panic!("esperava erro de XML, veio {outro:?}"),
    }
}

/// The PDF's objects and its (only) content stream inflated, as text.
fn legivel(pdf: &[u8]) -> String {
    let texto = String::from_utf8_lossy(pdf).into_owned();
    let inicio = pdf
        .windows(7)
        .position(|w| w == b"stream\n")
        .map(|i| i + 7)
        .unwrap_or(0);
    let fim = pdf
        .windows(10)
        .position(|w| w == b"\nendstream")
        .unwrap_or(pdf.len());
    let mut conteudo = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::ZlibDecoder::new(&pdf[inicio..fim]),
        &mut conteudo,
    )
    .unwrap_or_else(|e| panic!("conteúdo comprimido inválido: {e}"));
    assert!(texto.contains("/FlateDecode"));
    format!("{texto}\n{}", String::from_utf8_lossy(&conteudo))
}

#[test]
fn pdf_de_uma_pagina_com_a_chave_e_as_marcas() {
    let pdf =
        renderizar(xml("2").as_bytes(), Situacao::Cancelada).unwrap_or_else(|e| panic!("{e}"));
    assert!(pdf.starts_with(b"%PDF-"));
    let texto = legivel(&pdf);
    assert_eq!(
        texto.matches("/Type /Page\n").count()
            + texto.matches("/Type /Page ").count()
            + texto.matches("/Type /Page/").count(),
        1,
        "uma página"
    );
    assert!(texto.contains("/MediaBox [0 0 595.28 841.89]"));
    assert!(texto.contains("WinAnsiEncoding"));
    assert!(texto.contains("(CANCELADA)"));
    assert!(texto.contains("(SEM VALOR FISCAL)"));
    assert!(texto.contains("11.222.333/0001-81"));
    // pt-BR money and Latin-1 text encoded as WinAnsi.
    assert!(texto.contains("R$ 1.500,00"));
    let normal =
        renderizar(xml("1").as_bytes(), Situacao::Normal).unwrap_or_else(|e| panic!("{e}"));
    let normal = legivel(&normal);
    assert!(!normal.contains("(CANCELADA)"));
    assert!(!normal.contains("SEM VALOR FISCAL"));
}

#[test]
fn texto_em_winansi_e_quebrado() {
    assert_eq!(
        winansi("Serviço — ação €"),
        b"Servi\xe7o \x97 a\xe7\xe3o \x80".to_vec()
    );
    assert_eq!(winansi("日"), b"?".to_vec());
    let linhas = quebrar("uma frase curta\nsegunda linha", 8.5, 1000.0, 5);
    assert_eq!(linhas, ["uma frase curta", "segunda linha"]);
    let longas = quebrar(&"palavra ".repeat(200), 8.5, 100.0, 3);
    assert_eq!(longas.len(), 3);
    assert!(longas[2].ends_with('…'));
    let corte = quebrar(&"x".repeat(100), 8.5, 50.0, 10);
    assert!(corte.len() > 1);
}

#[test]
fn textos_longos_cabem_na_pagina_sem_corte() {
    use crate::pdf::ajustar;
    let palavras = "Consultoria em sistemas fiscais, horas técnicas do período ";
    let descricao: String = palavras.repeat(40).chars().take(2000).collect();
    let info: String = palavras.repeat(40).chars().take(2000).collect();
    let curto = ajustar("Análise", "Consulta pública", 240.0);
    assert_eq!(curto.tamanho_descricao, 8.5);
    let longo = ajustar(&descricao, &info, 240.0);
    assert!(
        longo.tamanho_descricao < 8.5,
        "reduz a letra antes de cortar"
    );
    let todas = |l: &[String]| l.join(" ");
    assert!(!todas(&longo.descricao).contains('…'), "nada cortado");
    assert!(!todas(&longo.info).contains('…'), "nada cortado");
    assert_eq!(
        todas(&longo.descricao).split_whitespace().count(),
        descricao.split_whitespace().count()
    );
    // Past anything the layout allows: cut, both kept, within the height.
    let absurdo = "linha\n".repeat(500);
    let cortado = ajustar(&absurdo, &absurdo, 240.0);
    assert!(cortado.descricao.last().is_some_and(|l| l.ends_with('…')));
    assert!(!cortado.info.is_empty());
    let altura = cortado.descricao.len() as f32 * cortado.passo_descricao
        + cortado.info.len() as f32 * cortado.passo_info;
    assert!(altura <= 240.0 + cortado.passo_info, "{altura}");
    // A whole page with both long texts renders.
    let xml = xml("1").replace(
        "<xDescServ>Análise &lt;módulo fiscal&gt;\nHoras</xDescServ></cServ>",
        &format!("<xDescServ>{descricao}</xDescServ></cServ><infoCompl><xInfComp>{info}</xInfComp></infoCompl>"),
    );
    let pdf = renderizar(xml.as_bytes(), Situacao::Normal).unwrap_or_else(|e| panic!("{e}"));
    let texto = legivel(&pdf);
    // Lines with bytes past ASCII are written as hex strings.
    let hex: String = "Consultoria".bytes().map(|b| format!("{b:02X}")).collect();
    let vezes = texto.matches("Consultoria").count()
        + texto.matches(&hex).count()
        + texto.matches(&hex.to_lowercase()).count();
    assert_eq!(vezes, 2 * (2000 / palavras.chars().count() + 1));
    if let Ok(destino) = std::env::var("GUICHE_DANFSE_LONGO") {
        std::fs::write(destino, &pdf).unwrap_or_else(|e| panic!("{e}"));
    }
}
