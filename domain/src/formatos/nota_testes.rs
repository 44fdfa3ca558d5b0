//! Reading a nota from what Brazilian systems write: encodings, BOM, the JSON form's shape.

use crate::nfd::{ContextoNfd, NotaBruta, Prefeitura, Tag};
use crate::{Data, Regra, Violacoes};
use proptest::prelude::*;

const MANUAL: &str = include_str!("../../tests/vetores/nfd-manual.xml");
const MANUAL_LATIN1: &[u8] = include_bytes!("../../tests/vetores/nfd-manual-iso-8859-1.xml");
const MANUAL_CP1252: &[u8] = include_bytes!("../../tests/vetores/nfd-manual-windows-1252.xml");
const ASPAS_CP1252: &[u8] = include_bytes!("../../tests/vetores/nfd-aspas-windows-1252.xml");
const ASPAS_UTF8: &[u8] = include_bytes!("../../tests/vetores/nfd-aspas-utf-8.xml");

/// The nota as a JSON object, written by serde_json (every escape it makes).
fn json(nota: &NotaBruta) -> String {
    let mapa: serde_json::Map<String, serde_json::Value> = nota
        .iter()
        .map(|(t, v)| (t.nome().to_owned(), serde_json::Value::from(v)))
        .collect();
    serde_json::to_string_pretty(&mapa).unwrap()
}

fn violacoes(r: Result<NotaBruta, Violacoes>) -> Violacoes {
    r.unwrap_err()
}

#[test]
fn golden_vectors_in_latin_1_and_windows_1252_read_to_the_utf8_nota() {
    let manual = NotaBruta::de_xml(MANUAL).unwrap();
    assert_eq!(
        NotaBruta::de_xml_bytes(MANUAL.as_bytes()),
        Ok(manual.clone())
    );
    assert_eq!(NotaBruta::de_xml_bytes(MANUAL_LATIN1), Ok(manual.clone()));
    assert_eq!(NotaBruta::de_xml_bytes(MANUAL_CP1252), Ok(manual.clone()));
    assert_eq!(
        manual.get(Tag::OutrasInformacoes),
        "NOTA FISCAL DE PRESTAÇÃO DE SERVIÇOS"
    );

    // windows-1252 is not ISO-8859-1 between 0x80 and 0x9F: curly quotes, dash, ellipsis, euro.
    let aspas = NotaBruta::de_xml_bytes(ASPAS_UTF8).unwrap();
    assert_eq!(NotaBruta::de_xml_bytes(ASPAS_CP1252), Ok(aspas.clone()));
    assert_eq!(
        aspas.get(Tag::DescricaoServicos),
        "MANUTENÇÃO “PREMIUM” – PARCELA 1/3… (€ 80,00 em peças)"
    );
    let ctx = ContextoNfd {
        prefeitura: Prefeitura::buscar("3150"),
        ..ContextoNfd::new(Data::new(2026, 11, 22).unwrap())
    };
    let valida = aspas
        .com(Tag::TomadorDocumento, "52998224725")
        .validar(&ctx);
    assert!(valida.is_ok(), "{:?}", valida.err());
}

#[test]
fn a_windows_1252_nota_declared_latin_1_is_refused_naming_the_encoding() {
    // Only the declaration changes: the body stays windows-1252, its “ is 0x93.
    let mut bytes = ASPAS_CP1252.to_vec();
    let i = bytes
        .windows(12)
        .position(|w| w == b"windows-1252")
        .unwrap();
    bytes.splice(i..i + 12, b"ISO-8859-1".iter().copied());
    let v = violacoes(NotaBruta::de_xml_bytes(&bytes));
    assert!(v.contem("NOTA", Regra::CodificacaoInvalida), "{v}");
    let texto = v.to_string();
    assert!(
        texto.contains("0x93") && texto.contains("linha 8"),
        "{texto}"
    );
}

#[test]
fn json_duplicate_keys_are_refused() {
    let manual = NotaBruta::de_xml(MANUAL).unwrap();
    let j = json(&manual).replacen('{', "{\n  \"IRRF\": \"9,99\",", 1);
    let v = violacoes(NotaBruta::de_json(&j));
    assert!(v.contem("IRRF", Regra::CampoRepetido), "{v}");
    assert_eq!(v.len(), 1, "{v}");
}

#[test]
fn json_wrong_types_missing_and_unknown_keys_are_violations_naming_the_key() {
    let manual = NotaBruta::de_xml(MANUAL).unwrap();
    let j = json(&manual)
        .replace("\"IRRF\": \"0,00\"", "\"IRRF\": [1, {\"a\": 2}]")
        .replace("\"PIS\": \"0,00\"", "\"PIS\": true")
        .replace("\"COFINS\": \"0,00\"", "\"COFINS\": {\"valor\": 1}")
        .replace("  \"INSS\": \"0,00\",\n", "  \"ISS\": \"1\",\n");
    let v = violacoes(NotaBruta::de_json(&j));
    for (campo, regra) in [
        ("IRRF", Regra::TipoInvalido),
        ("PIS", Regra::TipoInvalido),
        ("COFINS", Regra::TipoInvalido),
        ("INSS", Regra::CampoAusente),
        ("ISS", Regra::CampoDesconhecido),
    ] {
        assert!(v.contem(campo, regra), "{campo}: {v}");
    }
    assert_eq!(v.len(), 5, "{v}");
    assert!(v.iter().any(|x| x.valor == "true"), "{v}");
}

#[test]
fn json_numbers_null_escapes_and_shape_errors() {
    let manual = NotaBruta::de_xml(MANUAL).unwrap();
    let j = json(&manual)
        .replace(
            "\"VALOR_TOTAL_NOTA\": \"440,00\"",
            "\"VALOR_TOTAL_NOTA\": 440.00",
        )
        .replace("\"CODIGO_ATIVIDADE\": \"\"", "\"CODIGO_ATIVIDADE\": null")
        .replace(
            "\"TOMADOR_RAZAO\": \"TOMADOR RAZAO/NOME\"",
            "\"TOMADOR_RAZAO\": \"A \\\"B\\\" \\u00c7\"",
        );
    let lida = NotaBruta::de_json(&j).unwrap();
    assert_eq!(lida.get(Tag::ValorTotalNota), "440,00");
    assert_eq!(lida.get(Tag::CodigoAtividade), "");
    assert_eq!(lida.get(Tag::TomadorRazao), "A \"B\" Ç");
    for (texto, regra) in [
        ("[]", Regra::RaizInvalida),
        ("\"nota\"", Regra::RaizInvalida),
        ("12", Regra::RaizInvalida),
        ("{", Regra::JsonInvalido),
        ("{} {}", Regra::JsonInvalido),
        ("", Regra::JsonInvalido),
    ] {
        let v = violacoes(NotaBruta::de_json(texto));
        assert!(v.contem("NOTA", regra), "{texto}: {v}");
    }
}

#[test]
fn a_json_nota_may_start_with_a_bom_and_must_be_utf8() {
    let manual = NotaBruta::de_xml(MANUAL).unwrap();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(json(&manual).as_bytes());
    assert_eq!(NotaBruta::de_json_bytes(&bytes), Ok(manual.clone()));
    let cp1252 = encoding_rs::WINDOWS_1252
        .encode(&json(&manual))
        .0
        .into_owned();
    let v = violacoes(NotaBruta::de_json_bytes(&cp1252));
    assert!(v.contem("NOTA", Regra::CodificacaoInvalida), "{v}");
}

/// Text made of what windows-1252 can write (ASCII, Latin-1's letters and its 0x80–0x9F).
fn texto_cp1252() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::char::range(' ', '~'),
            prop::char::range('\u{A0}', '\u{FF}'),
            prop::sample::select(vec!['€', '“', '”', '‘', '’', '–', '—', '…', 'Š', 'œ', '™']),
        ],
        0..12,
    )
    .prop_map(|c| c.into_iter().collect::<String>())
}

fn nota_de(valores: &[String]) -> NotaBruta {
    Tag::TODAS
        .iter()
        .zip(valores)
        .fold(NotaBruta::default(), |n, (&t, v)| n.com(t, v.as_str()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_nota_written_in_windows_1252_or_utf8_reads_back(
        valores in prop::collection::vec(texto_cp1252(), 30),
    ) {
        let nota = nota_de(&valores);
        // `para_xml` trims nothing; a value of spaces only reads back as written.
        let xml = nota.para_xml();
        let cp = format!("<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n{xml}");
        let (bytes, _, perdeu) = encoding_rs::WINDOWS_1252.encode(&cp);
        prop_assert!(!perdeu);
        prop_assert_eq!(NotaBruta::de_xml_bytes(&bytes), Ok(nota.clone()));
        prop_assert_eq!(NotaBruta::de_xml_bytes(format!("\u{FEFF}{xml}").as_bytes()), Ok(nota));
    }

    #[test]
    fn any_nota_written_as_json_reads_back(valores in prop::collection::vec("\\PC{0,12}", 30)) {
        let nota = nota_de(&valores);
        prop_assert_eq!(NotaBruta::de_json(&json(&nota)), Ok(nota));
    }

    #[test]
    fn any_bytes_are_a_nota_or_violations_never_a_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        prefixo in prop::sample::select(vec![
            &b""[..],
            b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><NOTA>",
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
            b"\xEF\xBB\xBF{\"IRRF\":",
        ]),
    ) {
        let mut b = prefixo.to_vec();
        b.extend_from_slice(&bytes);
        let _ = NotaBruta::de_xml_bytes(&b);
        let _ = NotaBruta::de_json_bytes(&b);
    }
}
