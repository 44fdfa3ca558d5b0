//! The CONAM reading path: the pacote file's bytes → the verdict, as `guiche conam validate`
//! runs it (`PacoteBruto::validar_em_fluxo`), and the two steps of the in-memory path
//! (`PacoteBruto::de_json`, then `validar`).
//!
//! `cargo bench -p guiche-domain --bench leitura_pacote`. The 100,000-movement pacote is
//! written before timing in the layout of `benches/peer/gerar_pacote.py` (the manual's
//! example, indented), valid, with B movements matching the cash received per account.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "comum/mod.rs"]
mod comum;

use comum::Lcg;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use guiche_domain::Valor;
use guiche_domain::conam::{PacoteBruto, Tabela2};
use std::fmt::Write;
use std::hint::black_box;

const N: usize = 100_000;

fn movimento(s: &mut String, tipo: &str, lancamento: &str, conta: &str, centavos: i64, i: usize) {
    let valor = Valor::from_centavos(centavos).decimal().normalize();
    write!(
        s,
        "    {{\n      \"tipoMovimento\": \"{tipo}\",\n      \"codigoConta\": \"1.1.1.2.50.0.1.0001\",\n      \
         \"dataMovimentoOriginal\": \"\",\n      \"tipoLancamento\": \"{lancamento}\",\n      \
         \"contaCredito\": \"{conta}\",\n      \"valor\": {valor},\n      \
         \"dataLancamento\": \"01/07/2022\",\n      \"historicoLancamento\": \"movimento {i}\"\n    }}"
    )
    .unwrap();
}

fn pacote(n: usize) -> String {
    let mut s = String::from(
        "{\n  \"codEntidade\": \"1\",\n  \"anoExercicio\": 2022,\n  \"idPacote\": 1,\n  \
         \"empresaEnvio\": \"CONAM\",\n  \"dataMovimento\": \"01/07/2022\",\n  \
         \"dataExportacao\": \"02/07/2022\",\n  \"usuarioExportacao\": \"conam@conam.com.br\",\n  \
         \"movimentos\": [\n",
    );
    let mut r = Lcg(17);
    let contas = ["03349", "00417", "11230", "08765", "45001"];
    let mut caixa = [0i64; 5];
    for i in 0..n - contas.len() {
        let conta = i % contas.len();
        let centavos = 1 + (r.proximo() % 50_000) as i64;
        let lancamento = if i % 3 == 0 { "11-01-001" } else { "12-01-000" };
        if lancamento == "12-01-000" {
            caixa[conta] += centavos;
        }
        movimento(&mut s, "R", lancamento, contas[conta], centavos, i);
        s.push_str(",\n");
    }
    for (k, (conta, total)) in contas.iter().zip(caixa).enumerate() {
        movimento(&mut s, "B", "01-01-001", conta, total, n - contas.len() + k);
        s.push_str(if k + 1 == contas.len() { "\n" } else { ",\n" });
    }
    s.push_str("  ]\n}\n");
    s
}

fn bench(c: &mut Criterion) {
    let tabela = Tabela2::oficial();
    let texto = pacote(N);
    let em_fluxo = || {
        PacoteBruto::validar_em_fluxo(texto.as_bytes(), tabela, |_, v| {
            panic!("o pacote gerado deve ser válido: {v}")
        })
    };
    assert_eq!(em_fluxo().map(|r| r.movimentos), Some(N));
    let mut g = c.benchmark_group("conam");
    g.sample_size(20).throughput(Throughput::Elements(N as u64));
    g.bench_function(
        "ler e validar em fluxo 100.000 movimentos (bytes → veredito)",
        |b| b.iter(|| black_box(em_fluxo())),
    );
    g.bench_function("ler 100.000 movimentos (de_json)", |b| {
        b.iter(|| black_box(PacoteBruto::de_json(&texto)))
    });
    g.bench_function(
        "ler e validar 100.000 movimentos (de_json + validar)",
        |b| b.iter(|| black_box(PacoteBruto::de_json(&texto).map(|p| p.validar(tabela)))),
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
