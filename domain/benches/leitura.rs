//! Reading a nota: the file's bytes → `NotaBruta` → validated `Nota`, in XML and JSON.
//!
//! `cargo bench -p guiche-domain --bench leitura`. Each iteration reads the same bytes, as
//! `guiche nfd validate` does with a file it has loaded (no I/O is timed): decoding by the
//! declaration (`NotaBruta::de_xml_bytes`, `de_json_bytes`), reading, validating.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use guiche_domain::Data;
use guiche_domain::nfd::{ContextoNfd, NotaBruta, Prefeitura, Tag};
use std::hint::black_box;

const NOTA: &str = include_str!("../tests/vetores/nfd-manual.xml");

/// The manual's nota with a valid customer document, as UTF-8 XML.
fn xml() -> String {
    NOTA.replace(
        "<TOMADOR_DOCUMENTO>00000000000<",
        "<TOMADOR_DOCUMENTO>52998224725<",
    )
}

/// The same nota in its JSON form.
fn json(xml: &str) -> String {
    let nota = NotaBruta::de_xml(xml).unwrap();
    let mapa: serde_json::Map<String, serde_json::Value> = nota
        .iter()
        .map(|(t, v)| (t.nome().to_owned(), serde_json::Value::from(v)))
        .collect();
    serde_json::to_string_pretty(&mapa).unwrap()
}

/// The nota in windows-1252 with the characters where it differs from ISO-8859-1.
const ASPAS_CP1252: &[u8] = include_bytes!("../tests/vetores/nfd-aspas-windows-1252.xml");
/// The same nota in UTF-8 with a BOM: the two differ only in their decoding.
const ASPAS_UTF8: &[u8] = include_bytes!("../tests/vetores/nfd-aspas-utf-8.xml");

fn ler_xml(bytes: &[u8]) -> Result<NotaBruta, guiche_domain::Violacoes> {
    NotaBruta::de_xml_bytes(bytes)
}

fn ler_json(bytes: &[u8]) -> Result<NotaBruta, guiche_domain::Violacoes> {
    NotaBruta::de_json_bytes(bytes)
}

fn bench(c: &mut Criterion) {
    let ctx = ContextoNfd {
        prefeitura: Prefeitura::buscar("3150"),
        ..ContextoNfd::new(Data::new(2026, 11, 22).unwrap())
    };
    let xml = xml();
    let json = json(&xml);
    let bruta = NotaBruta::de_xml(&xml).unwrap();
    assert_eq!(ler_json(json.as_bytes()).unwrap(), bruta);
    assert!(
        bruta.clone().validar(&ctx).is_ok(),
        "a nota deve ser válida"
    );
    assert_eq!(bruta.get(Tag::NumeroNota), "6053");

    let mut g = c.benchmark_group("nfd-leitura");
    g.throughput(Throughput::Elements(1));
    g.bench_function("xml utf-8: bytes → nota validada", |b| {
        b.iter(|| ler_xml(black_box(xml.as_bytes())).map(|n| n.validar(&ctx).is_ok()))
    });
    g.bench_function("json: bytes → nota validada", |b| {
        b.iter(|| ler_json(black_box(json.as_bytes())).map(|n| n.validar(&ctx).is_ok()))
    });
    g.bench_function("xml utf-8: bytes → NotaBruta", |b| {
        b.iter(|| ler_xml(black_box(xml.as_bytes())))
    });
    g.bench_function("json: bytes → NotaBruta", |b| {
        b.iter(|| ler_json(black_box(json.as_bytes())))
    });
    let tomador = |bytes: &[u8]| {
        let i = bytes.windows(11).position(|w| w == b"00000000000").unwrap();
        let mut b = bytes.to_vec();
        b.splice(i..i + 11, b"52998224725".iter().copied());
        b
    };
    let (cp1252, utf8) = (tomador(ASPAS_CP1252), tomador(ASPAS_UTF8));
    assert_eq!(ler_xml(&cp1252), ler_xml(&utf8));
    assert!(ler_xml(&cp1252).unwrap().validar(&ctx).is_ok());
    g.bench_function("xml windows-1252: bytes → nota validada", |b| {
        b.iter(|| ler_xml(black_box(&cp1252)).map(|n| n.validar(&ctx).is_ok()))
    });
    g.bench_function(
        "xml utf-8 com BOM, a mesma nota: bytes → nota validada",
        |b| b.iter(|| ler_xml(black_box(&utf8)).map(|n| n.validar(&ctx).is_ok())),
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
