//! Issuing throughput and latency of the NFD client against the simulator on loopback.
//!
//! `cargo bench -p guiche-nfd --features simulator --bench envio [-- TOTAL CONCORRENCIA]`
//!
//! Sends TOTAL notas (default 10,000) with CONCORRENCIA requests in flight (default 8), each
//! in-flight stream being one provider's strictly sequential numbers, and prints notas/s,
//! p50/p99 latency and the process's peak memory. The simulator validates and records every
//! nota, as the service would.
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
use guiche_ports::emissor::{EmissorNotas, Envio, Resposta};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NOTA: &str = include_str!("../../domain/tests/vetores/nfd-manual.xml");

fn argumento(i: usize, padrao: usize) -> usize {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(padrao)
}

fn memoria_pico_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn prestador(fluxo: usize) -> Cnpj {
    Cnpj::from_base(&format!("{:012}", 10_000_000 + fluxo)).unwrap()
}

/// One runtime thread, like the load tool it is compared with (`wrk -t1`), so that client and
/// server do not compete for the machine's two cores more than they must.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let total = argumento(0, 10_000);
    let concorrencia = argumento(1, 8).max(1);
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
    let cliente = Arc::new(
        ClienteNfd::new(ConfigCliente {
            provedor,
            endpoint: Some(url),
            senha: Senha::new("fiscalb"),
            timeout: Duration::from_secs(30),
            // A server named by the one running the benchmark, maybe on another machine.
            http_inseguro: externo.is_some(),
        })
        .unwrap(),
    );
    let base = NotaBruta::de_xml(NOTA)
        .unwrap()
        .com(Tag::TomadorDocumento, "52998224725");
    let ctx = ContextoNfd {
        prefeitura: Some(prefeitura),
        ..ContextoNfd::new(hoje)
    };
    let inicio = Instant::now();
    let mut tarefas = Vec::new();
    for fluxo in 0..concorrencia {
        let prestador = prestador(fluxo);
        sim.cadastrar_prestador(prestador.as_str(), "fiscalb", &["3150"]);
        let notas: Vec<String> = (0..total / concorrencia
            + usize::from(fluxo < total % concorrencia))
            .map(|i| {
                let b = base.clone().com(Tag::NumeroNota, (i + 1).to_string());
                cliente.documento("3150", &b.validar(&ctx).unwrap())
            })
            .collect();
        let cliente = cliente.clone();
        tarefas.push(tokio::spawn(async move {
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
        }));
    }
    let mut latencias: Vec<Duration> = Vec::with_capacity(total);
    for t in tarefas {
        latencias.extend(t.await.unwrap());
    }
    let tempo = inicio.elapsed();
    latencias.sort();
    let p = |q: f64| latencias[((latencias.len() as f64 * q) as usize).min(latencias.len() - 1)];
    println!(
        "envio NFD: {} notas, {} em voo: {:.0} notas/s, p50 {:.2} ms, p99 {:.2} ms, memória de pico {} MiB{}",
        latencias.len(),
        concorrencia,
        latencias.len() as f64 / tempo.as_secs_f64(),
        p(0.50).as_secs_f64() * 1e3,
        p(0.99).as_secs_f64() * 1e3,
        memoria_pico_kib() / 1024,
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
