//! Issuing throughput and latency of the NFD client against the simulator on loopback.
//!
//! `cargo bench -p guiche-nfd --features simulator --bench envio [-- TOTAL CONCORRENCIA THREADS]`
//!
//! Sends TOTAL notas (default 10,000) with CONCORRENCIA requests in flight (default 8), each
//! in-flight stream being one provider's strictly sequential numbers, and prints notas/s,
//! p50/p99 latency, the client's CPU time per nota and the process's peak memory. The
//! simulator validates and records every nota, as the service would. The notas are validated
//! and written before the clock starts (a batch sends what the ledger already holds): what is
//! timed is sending.
//!
//! How the client runs:
//! - by default, one client shared by the streams, on a Tokio runtime of THREADS threads
//!   (default 1: the current-thread runtime; more: the multi-thread runtime, as `guiche nfd
//!   batch` ran its sequences before issue 17's round 6);
//! - with `--thread-por-fluxo`, each stream on its own OS thread, a current-thread runtime and
//!   a client of its own: the model of `wrk -tN -cN`, one event loop per connection (THREADS
//!   is then ignored), and how `guiche nfd batch` runs its sequences now
//!   (`guiche_aplicacao::nfd::servico`, a thread per sequence, each with its own client).
//!
//! With `GUICHE_BENCH_URL` set, the notas go to that simulator instead of one started in this
//! process (start it with the `simulador_nfd` example and `GUICHE_SIM_PRESTADORES` listing the
//! providers this bench prints with `--prestadores`), so that a load tool can be measured
//! against the same server.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use guiche_domain::Cnpj;
use guiche_domain::Data;
use guiche_domain::nfd::{ContextoNfd, NotaBruta, Prefeitura, Tag};
use guiche_nfd::simulador::{ConfigSimulador, SimuladorNfd};
use guiche_nfd::{ClienteNfd, ConfigCliente, Provedor, Senha};
use guiche_ports::emissor::{DocumentoNfd, EmissorNotas, Envio, Resposta};
use guiche_simulador::bancada::{argumento, memoria_pico_mib};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NOTA: &str = include_str!("../../domain/tests/vetores/nfd-manual.xml");

/// CPU time this process used so far (user + system), from `/proc/self/stat` (clock ticks of
/// 10 ms).
fn cpu_processo() -> Duration {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // The fields after the command name (in parentheses, it may hold blanks): the
            // state is field 3 of the line, so utime and stime (14 and 15) are the 12th and
            // 13th after it.
            let mut campos = s.rsplit_once(')')?.1.split_whitespace().skip(11);
            let utime: u64 = campos.next()?.parse().ok()?;
            let stime: u64 = campos.next()?.parse().ok()?;
            Some(utime + stime)
        })
        .map_or(Duration::ZERO, |ticks| Duration::from_millis(ticks * 10))
}

fn prestador(fluxo: usize) -> Cnpj {
    Cnpj::from_base(&format!("{:012}", 10_000_000 + fluxo)).unwrap()
}

/// Sends one provider's notas in order, one at a time; their latencies.
async fn fluxo(cliente: Arc<ClienteNfd>, prestador: Cnpj, notas: Vec<String>) -> Vec<Duration> {
    let mut latencias = Vec::with_capacity(notas.len());
    for documento in notas {
        let envio = Envio {
            prefeitura: "3150".into(),
            prestador: prestador.into(),
            documento,
            url_impressao: false,
        };
        let t = Instant::now();
        let r = cliente.enviar(&envio).await.unwrap();
        latencias.push(t.elapsed());
        assert!(matches!(r, Resposta::Aceita { .. }), "{r:?}");
    }
    latencias
}

fn main() {
    let total = argumento(0, 10_000);
    let concorrencia = argumento(1, 8).max(1);
    let por_fluxo = std::env::args().any(|a| a == "--thread-por-fluxo");
    let threads = if por_fluxo {
        concorrencia
    } else {
        argumento(2, 1).max(1)
    };
    let runtime = if threads == 1 || por_fluxo {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(threads);
        b
    }
    .enable_all()
    .build()
    .unwrap();
    runtime.block_on(medir(total, concorrencia, threads, por_fluxo));
}

async fn medir(total: usize, concorrencia: usize, threads: usize, por_fluxo: bool) {
    if std::env::args().any(|a| a == "--prestadores") {
        let v: Vec<String> = (0..concorrencia)
            .map(|f| prestador(f).as_str().to_owned())
            .collect();
        println!("{}", v.join(","));
        return;
    }
    let externo = std::env::var("GUICHE_BENCH_URL").ok();
    let hoje = Data::new(2026, 11, 22).unwrap();
    let sim = SimuladorNfd::iniciar(ConfigSimulador {
        hoje: Some(hoje),
        ..ConfigSimulador::default()
    })
    .unwrap();
    let url = externo.clone().unwrap_or_else(|| sim.url());
    let prefeitura = Prefeitura::buscar("3150").unwrap();
    let provedor = Provedor::da_prefeitura("3150").unwrap().clone();
    let config = ConfigCliente {
        provedor,
        endpoint: Some(url),
        senha: Senha::new("fiscalb"),
        timeout: Duration::from_secs(30),
        // A server named by the one running the benchmark, maybe on another machine.
        http_inseguro: externo.is_some(),
    };
    let cliente = Arc::new(ClienteNfd::new(config.clone()).unwrap());
    let base = NotaBruta::de_xml(NOTA)
        .unwrap()
        .com(Tag::TomadorDocumento, "52998224725");
    let ctx = ContextoNfd {
        prefeitura: Some(prefeitura),
        ..ContextoNfd::new(hoje)
    };
    // The documents are written before the clock starts, as the ledger holds them before a
    // batch sends (and as wrk builds its bodies): what is timed is sending.
    let fluxos: Vec<(Cnpj, Vec<String>)> = (0..concorrencia)
        .map(|fluxo| {
            let prestador = prestador(fluxo);
            sim.cadastrar_prestador(prestador.as_str(), "fiscalb", &["3150"]);
            let notas = (0..total / concorrencia + usize::from(fluxo < total % concorrencia))
                .map(|i| {
                    let b = base.clone().com(Tag::NumeroNota, (i + 1).to_string());
                    cliente.documento("3150", &b.validar(&ctx).unwrap())
                })
                .collect();
            (prestador, notas)
        })
        .collect();
    let cpu_inicio = cpu_processo();
    let inicio = Instant::now();
    let mut latencias: Vec<Duration> = Vec::with_capacity(total);
    if por_fluxo {
        let threads: Vec<_> = fluxos
            .into_iter()
            .map(|(prestador, notas)| {
                let config = config.clone();
                std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    let cliente = Arc::new(ClienteNfd::new(config).unwrap());
                    rt.block_on(fluxo(cliente, prestador, notas))
                })
            })
            .collect();
        for t in threads {
            latencias.extend(
                tokio::task::spawn_blocking(move || t.join().unwrap())
                    .await
                    .unwrap(),
            );
        }
    } else {
        let tarefas: Vec<_> = fluxos
            .into_iter()
            .map(|(prestador, notas)| tokio::spawn(fluxo(cliente.clone(), prestador, notas)))
            .collect();
        for t in tarefas {
            latencias.extend(t.await.unwrap());
        }
    }
    let tempo = inicio.elapsed();
    let cpu = cpu_processo().saturating_sub(cpu_inicio);
    latencias.sort();
    let p = |q: f64| latencias[((latencias.len() as f64 * q) as usize).min(latencias.len() - 1)];
    println!(
        "envio NFD: {} notas, {} em voo, {} thread(s){}: {:.0} notas/s, p50 {:.2} ms, p99 {:.2} ms, CPU {:.1} µs/nota, memória de pico {} MiB{}",
        latencias.len(),
        concorrencia,
        threads,
        if por_fluxo { " (uma por fluxo)" } else { "" },
        latencias.len() as f64 / tempo.as_secs_f64(),
        p(0.50).as_secs_f64() * 1e3,
        p(0.99).as_secs_f64() * 1e3,
        cpu.as_secs_f64() * 1e6 / latencias.len() as f64,
        memoria_pico_mib(),
        if externo.is_some() {
            ""
        } else {
            " (cliente e simulador no mesmo processo)"
        }
    );
    if externo.is_none() {
        assert_eq!(sim.requisicoes(), latencias.len());
    }
    sim.parar().await;
}
