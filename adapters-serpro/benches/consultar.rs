//! 10,000 `Consultar` calls with 64 in flight against the Integra Contador simulator over mTLS:
//! calls/s, latency, and how many token requests were made (exactly one is expected: the token
//! is cached and requested once however many callers wait).
//!
//! `cargo bench -p guiche-serpro --features simulator --bench consultar [-- CHAMADAS EM_VOO]`

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use guiche_domain::serpro::{Pedido, PedidoDados, TipoServico};
use guiche_domain::{Cnpj, Data, Documento};
use guiche_serpro::certificado::{Certificado, Senha};
use guiche_serpro::simulador::{ConfigSimulador, SimuladorIntegra};
use guiche_serpro::{Chamada, ClienteIntegra};
use guiche_simulador::bancada::argumento;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CONTRATANTE: &str = "11222333000181";

#[tokio::main]
async fn main() {
    let (total, em_voo) = (argumento(0, 10_000), argumento(1, 64).max(1));
    let sim = SimuladorIntegra::iniciar(ConfigSimulador::default()).unwrap();
    sim.cadastrar_consumidor("chave", "segredo");
    let cnpj = Cnpj::parse(CONTRATANTE).unwrap();
    let p12 = sim
        .emitir_pkcs12("ESCRITORIO", &cnpj, Duration::from_secs(86_400), "1")
        .unwrap();
    let cliente = Arc::new(
        ClienteIntegra::new(sim.config_cliente(
            "chave",
            "segredo",
            Certificado::abrir(&p12, &Senha::new("1")).unwrap(),
            Duration::from_secs(30),
        ))
        .unwrap(),
    );
    let pedido = Arc::new(Pedido {
        contratante: Cnpj::parse(CONTRATANTE).unwrap(),
        autor_pedido_dados: Documento::parse(CONTRATANTE).unwrap(),
        contribuinte: Documento::parse(CONTRATANTE).unwrap(),
        pedido_dados: PedidoDados {
            id_sistema: "PGDASD".into(),
            id_servico: "CONSDECLARACAO13".into(),
            versao_sistema: "1.0".into(),
            dados: r#"{"anoCalendario":"2025"}"#.into(),
        },
    });
    let hoje = Data::new(2026, 11, 22).unwrap();
    let inicio = Instant::now();
    let tarefas: Vec<_> = (0..em_voo)
        .map(|fluxo| {
            let (cliente, pedido) = (cliente.clone(), pedido.clone());
            tokio::spawn(async move {
                let mut latencias = Vec::new();
                for _ in (fluxo..total).step_by(em_voo) {
                    let t = Instant::now();
                    let r = cliente
                        .chamar(Chamada {
                            etiqueta: None,
                            tipo: TipoServico::Consultar,
                            pedido: &pedido,
                            token_procurador: None,
                            hoje,
                        })
                        .await
                        .unwrap();
                    assert_eq!(r.status, 200);
                    latencias.push(t.elapsed());
                }
                latencias
            })
        })
        .collect();
    let mut latencias = Vec::with_capacity(total);
    for t in tarefas {
        latencias.extend(t.await.unwrap());
    }
    let tempo = inicio.elapsed();
    latencias.sort();
    let p = |q: f64| {
        latencias[((latencias.len() as f64 * q) as usize).min(latencias.len() - 1)].as_secs_f64()
            * 1e3
    };
    println!(
        "Integra Contador: {} chamadas Consultar, {em_voo} em voo, mTLS: {:.0} chamadas/s, p50 {:.2} ms, p99 {:.2} ms, pedidos de token: {} (cliente e simulador no mesmo processo)",
        latencias.len(),
        latencias.len() as f64 / tempo.as_secs_f64(),
        p(0.5),
        p(0.99),
        sim.tokens_emitidos()
    );
    assert_eq!(sim.tokens_emitidos(), 1, "exatamente um pedido de token");
}
