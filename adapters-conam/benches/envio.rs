//! 1,000 packages of 1,000 movements each: validated offline, sent and polled to approval
//! against the CONAM simulator on loopback.
//!
//! `cargo bench -p guiche-conam --features simulator --bench envio [-- PACOTES MOVIMENTOS EM_VOO]`
//!
//! Prints packages/s (send + poll, end to end), movements validated/s (offline validation
//! alone, before sending), and the process's peak memory. The simulator validates every
//! package again on receipt, as the manual's first validation does.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use guiche_conam::simulador::{ConfigSimulador, SimuladorConam};
use guiche_conam::{ClienteConam, ConfigCliente, Segredo};
use guiche_domain::Valor;
use guiche_domain::conam::{MovimentoBruto, PacoteBruto, Tabela2};
use guiche_ports::contabil::{IntegracaoContabil, SituacaoPacote};
use guiche_simulador::bancada::{argumento, memoria_pico_mib};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MANUAL: &str = include_str!("../tests/vetores/pacote-manual.json");

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

/// A package of `n` movements: receipts on four bank accounts and their `B` movements.
fn pacote(id: u64, n: usize) -> PacoteBruto {
    let contas = ["03349", "1234-5", "00001", "77777"];
    let mut caixa = [0i64; 4];
    let mut movimentos = Vec::with_capacity(n);
    for i in 0..n - contas.len() {
        let c = i % contas.len();
        let centavos = 100 + (i as i64 * 7919) % 100_000;
        caixa[c] += centavos;
        movimentos.push(movimento("R", "12-01-000", contas[c], centavos));
    }
    for (conta, total) in contas.iter().zip(caixa) {
        movimentos.push(movimento("B", "12-01-000", conta, total));
    }
    PacoteBruto {
        id_pacote: Some(id.to_string()),
        movimentos,
        ..PacoteBruto::de_json(MANUAL).unwrap()
    }
}

#[tokio::main]
async fn main() {
    let (total, n, em_voo) = (
        argumento(0, 1_000),
        argumento(1, 1_000),
        argumento(2, 8).max(1),
    );
    let sim = SimuladorConam::iniciar(ConfigSimulador {
        aprovar_apos_consultas: Some(0),
        ..ConfigSimulador::default()
    })
    .unwrap();
    sim.cadastrar_cliente("USUARIO", "SENHA", &["1"]);
    let cliente = Arc::new(
        ClienteConam::new(ConfigCliente::new(
            &sim.base(),
            &sim.url_token(),
            "USUARIO",
            Segredo::new("SENHA"),
        ))
        .unwrap(),
    );
    let validacao = Arc::new(std::sync::Mutex::new(Duration::ZERO));
    let inicio = Instant::now();
    let mut tarefas = Vec::new();
    for fluxo in 0..em_voo {
        let (cliente, validacao) = (cliente.clone(), validacao.clone());
        tarefas.push(tokio::spawn(async move {
            for id in (fluxo..total).step_by(em_voo) {
                let bruto = pacote(id as u64 + 1, n);
                let t = Instant::now();
                let p = bruto.validar(Tabela2::oficial()).unwrap();
                *validacao.lock().unwrap() += t.elapsed();
                cliente.enviar_pacote(&p).await.unwrap();
                assert_eq!(
                    cliente.situacao(p.id_pacote()).await.unwrap(),
                    SituacaoPacote::Aprovado
                );
            }
        }));
    }
    for t in tarefas {
        t.await.unwrap();
    }
    let tempo = inicio.elapsed();
    let validar = *validacao.lock().unwrap();
    println!(
        "CONAM: {total} pacotes × {n} movimentos, {em_voo} em voo: {:.1} pacotes/s enviados e consultados ({:.0} movimentos/s de ponta a ponta); validação offline {:.2} M movimentos/s; memória de pico {} MiB (cliente e simulador no mesmo processo)",
        total as f64 / tempo.as_secs_f64(),
        (total * n) as f64 / tempo.as_secs_f64(),
        (total * n) as f64 / validar.as_secs_f64() / 1e6,
        memoria_pico_mib()
    );
    sim.parar().await;
}
