//! Benchmark: reconciling 1,000,000 guides against 1,000,000 payments.
//!
//! Data is generated deterministically with a linear congruential generator: about 90% of the
//! payments hit a random guide (so some guides get several payments and many get none), 1 in 17
//! with another value, some late; 10% carry a number that matches no guide.
//!
//! Run: `cargo bench -p guiche-domain --bench conciliacao`

#[path = "comum/mod.rs"]
mod comum;
#[path = "comum/conciliacao.rs"]
mod entrada;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use entrada::dados;
use guiche_domain::conciliacao::conciliar;

fn bench(c: &mut Criterion) {
    let Some((guias, pagamentos, hoje)) = dados() else {
        panic!("dados do benchmark inválidos");
    };
    c.bench_function("conciliar 1M guias x 1M pagamentos", |b| {
        b.iter(|| conciliar(black_box(&guias), black_box(&pagamentos), hoje));
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
