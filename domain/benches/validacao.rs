//! Validation throughput: 100,000-movement pacote, 100,000 notas, 1,000,000 CNPJs.
//!
//! `cargo bench -p guiche-domain --bench validacao`. Inputs are built deterministically
//! before timing; validation consumes its input, so each iteration gets a fresh clone made
//! outside the measured time (`iter_batched`).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "comum/mod.rs"]
mod comum;

use comum::Lcg;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use guiche_domain::conam::{MovimentoBruto, PacoteBruto, Tabela2};
use guiche_domain::nfd::{ContextoNfd, NotaBruta, Prefeitura, Tag};
use guiche_domain::{Cnpj, Data, Valor};
use std::hint::black_box;

const NOTA: &str = include_str!("../tests/vetores/nfd-manual.xml");
const PACOTE: &str = include_str!("../tests/vetores/conam-manual-1.json");

fn notas(n: usize) -> Vec<NotaBruta> {
    let base = NotaBruta::de_xml(NOTA)
        .unwrap()
        .com(Tag::TomadorDocumento, "11222333000181");
    let mut r = Lcg(7);
    (0..n)
        .map(|i| {
            let total = 1 + r.proximo() % 10_000_000;
            let irrf = total / 100;
            base.clone()
                .com(Tag::NumeroNota, (i + 1).to_string())
                .com(
                    Tag::ValorTotalNota,
                    Valor::from_centavos(total as i64).formatar_nfd(),
                )
                .com(Tag::Irrf, Valor::from_centavos(irrf as i64).formatar_nfd())
                .com(
                    Tag::ValorLiquido,
                    Valor::from_centavos((total - irrf) as i64).formatar_nfd(),
                )
        })
        .collect()
}

fn pacote(n: usize) -> PacoteBruto {
    let base = PacoteBruto::de_json(PACOTE).unwrap();
    let mut r = Lcg(11);
    let contas = ["03349", "1234-5", "00001", "77777"];
    let mut caixa = [0i64; 4];
    let mut movimentos = Vec::with_capacity(n);
    for i in 0..n - contas.len() {
        let conta = i % contas.len();
        let centavos = 1 + (r.proximo() % 100_000) as i64;
        let (tipo, lancamento) = if i % 3 == 0 {
            ("R", "11-01-001")
        } else {
            ("R", "12-01-000")
        };
        if lancamento == "12-01-000" {
            caixa[conta] += centavos;
        }
        movimentos.push(movimento(tipo, lancamento, contas[conta], centavos));
    }
    for (conta, total) in contas.iter().zip(caixa) {
        movimentos.push(movimento("B", "12-01-000", conta, total));
    }
    PacoteBruto { movimentos, ..base }
}

fn movimento(tipo: &str, lancamento: &str, conta: &str, centavos: i64) -> MovimentoBruto {
    MovimentoBruto {
        tipo_movimento: Some(tipo.into()),
        codigo_conta: Some("1.1.1.2.50.0.1.0001".into()),
        data_movimento_original: Some(String::new()),
        tipo_lancamento: Some(lancamento.into()),
        conta_credito: Some(conta.into()),
        valor: Some(
            Valor::from_centavos(centavos)
                .decimal()
                .normalize()
                .to_string(),
        ),
        data_lancamento: Some("01/07/2022".into()),
        historico_lancamento: Some("recebimento de iptu".into()),
    }
}

fn cnpjs(n: usize) -> Vec<String> {
    const ALFABETO: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut r = Lcg(3);
    let mut v = Vec::with_capacity(n);
    while v.len() < n {
        let alfanumerico = v.len() % 2 == 0;
        let base: String = (0..12)
            .map(|_| {
                let k = if alfanumerico { ALFABETO.len() } else { 10 };
                ALFABETO[(r.proximo() % k as u64) as usize] as char
            })
            .collect();
        if let Some(c) = Cnpj::from_base(&base) {
            v.push(c.to_string());
        }
    }
    v
}

fn bench(c: &mut Criterion) {
    let tabela = Tabela2::oficial();
    let p = pacote(100_000);
    assert!(
        p.clone().validar(tabela).is_ok(),
        "o pacote gerado deve ser válido"
    );
    let mut g = c.benchmark_group("conam");
    g.sample_size(20).throughput(Throughput::Elements(100_000));
    g.bench_function("validar pacote de 100.000 movimentos", |b| {
        b.iter_batched(
            || p.clone(),
            |p| black_box(p.validar(tabela)),
            BatchSize::LargeInput,
        )
    });
    g.finish();

    let hoje = Data::new(2026, 11, 22).unwrap();
    let ctx = ContextoNfd {
        prefeitura: Prefeitura::buscar("3150"),
        ..ContextoNfd::new(hoje)
    };
    let ns = notas(100_000);
    assert!(
        ns.iter().all(|n| n.clone().validar(&ctx).is_ok()),
        "as notas geradas devem ser válidas"
    );
    let mut g = c.benchmark_group("nfd");
    g.sample_size(20).throughput(Throughput::Elements(100_000));
    g.bench_function("validar 100.000 notas", |b| {
        b.iter_batched(
            || ns.clone(),
            |ns| {
                ns.into_iter()
                    .map(|n| n.validar(&ctx).is_ok() as usize)
                    .sum::<usize>()
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("nfd");
    g.throughput(Throughput::Elements(1));
    let mut proxima = ns.iter().cycle();
    g.bench_function("validar uma nota", |b| {
        b.iter_batched(
            || proxima.next().cloned().unwrap_or_default(),
            |n| n.validar(&ctx),
            BatchSize::SmallInput,
        )
    });
    g.finish();

    let cs = cnpjs(1_000_000);
    let mut g = c.benchmark_group("documentos");
    g.sample_size(20)
        .throughput(Throughput::Elements(1_000_000));
    g.bench_function("validar 1.000.000 CNPJs mascarados", |b| {
        b.iter(|| cs.iter().filter(|s| Cnpj::parse(s).is_ok()).count())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
