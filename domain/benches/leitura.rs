//! Reading a nota: the file's bytes → `NotaBruta` → validated `Nota`, in XML and JSON.
//!
//! `cargo bench -p guiche-domain --bench leitura`. Each iteration reads the same bytes, as
//! `guiche nfd validate` does with a file it has loaded (no I/O is timed).

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

/// Bytes to a nota as the command did before it decoded by the declaration: UTF-8 only.
fn ler_xml(bytes: &[u8]) -> Result<NotaBruta, guiche_domain::Violacoes> {
    let texto = std::str::from_utf8(bytes).unwrap();
    NotaBruta::de_xml(texto.strip_prefix('\u{FEFF}').unwrap_or(texto))
}

fn ler_json(bytes: &[u8]) -> Result<NotaBruta, guiche_domain::Violacoes> {
    let texto = std::str::from_utf8(bytes).unwrap();
    NotaBruta::de_json(texto.strip_prefix('\u{FEFF}').unwrap_or(texto))
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
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
