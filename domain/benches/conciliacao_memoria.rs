//! Peak memory and time of reconciling 1,000,000 guides against 1,000,000 payments (the input
//! of `benches/conciliacao.rs`), measured once in a fresh process: the resident set's high-water
//! mark (`VmHWM` of `/proc/self/status`, Linux) after building the input and after
//! reconciling.
//!
//! Run: `cargo bench -p guiche-domain --bench conciliacao_memoria`

#[path = "comum/mod.rs"]
mod comum;
#[path = "comum/conciliacao.rs"]
mod entrada;

use guiche_domain::conciliacao::conciliar;
use std::hint::black_box;
use std::time::Instant;

/// `VmHWM` in MiB, or `None` off Linux.
fn pico_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let linha = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = linha.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` asks every bench binary for its benchmarks
    }
    let Some((guias, pagamentos, hoje)) = entrada::dados() else {
        eprintln!("dados do benchmark inválidos");
        std::process::exit(1);
    };
    let antes = pico_mib();
    let inicio = Instant::now();
    let ocorrencias = conciliar(black_box(&guias), black_box(&pagamentos), hoje);
    let tempo = inicio.elapsed();
    let depois = pico_mib();
    println!(
        "conciliar {} guias x {} pagamentos: {} ocorrências em {:.1} ms",
        guias.len(),
        pagamentos.len(),
        ocorrencias.len(),
        tempo.as_secs_f64() * 1000.0
    );
    match (antes, depois) {
        (Some(a), Some(d)) => println!(
            "pico de memória residente: {d:.1} MiB no total ({a:.1} MiB da entrada, {:.1} MiB a mais na conciliação)",
            d - a
        ),
        _ => println!("pico de memória: só medido no Linux (/proc/self/status)"),
    }
    drop(black_box(ocorrencias));
}
