//! Issue 13's promise with four guichê processes on one PostgreSQL database, asserted from the
//! remote side's own record: billed SERPRO calls never pass the monthly ceiling (replies lost
//! after billing included), and a CONAM package sent by four processes at once is booked once.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use guiche_ports::bilhetagem::MedidorBilhetagem;
use guiche_serpro::simulador::FalhaGateway;

use crate::comum::{CONTRATANTE, Cenario};

/// Four processes make six billed calls each under a ceiling of ten, while replies are lost
/// after the call was billed: SERPRO bills at most ten, and the shared meter counts every call
/// that may have been billed (never fewer than SERPRO billed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_never_pass_the_billing_ceiling_on_postgres() {
    let Some(url) = guiche_postgres::teste::banco_novo_ou_pular("teto em quatro processos") else {
        return;
    };
    let c = Arc::new(Cenario::novo("teto-pg"));
    for _ in 0..3 {
        c.sim.injetar(FalhaGateway::Cortada);
    }
    let tarefas: Vec<_> = (0..4)
        .map(|_| {
            let (c, url) = (Arc::clone(&c), url.clone());
            tokio::task::spawn_blocking(move || {
                (0..6)
                    .map(|_| {
                        Command::new(env!("CARGO_BIN_EXE_guiche"))
                            .args(["serpro", "call", "Emitir", "--sistema", "PGDASD"])
                            .args(["--servico", "GERARDAS12", "--contribuinte", CONTRATANTE])
                            .args(["--dados", "{}", "--json"])
                            .env("GUICHE_DB", &url)
                            .env("GUICHE_SERPRO_TETO_MENSAL", "10")
                            .envs(c.ambiente())
                            .output()
                            .unwrap()
                            .status
                            .code()
                            .unwrap()
                    })
                    .collect::<Vec<i32>>()
            })
        })
        .collect();
    let mut codigos = Vec::new();
    for t in tarefas {
        codigos.extend(t.await.unwrap());
    }
    let ok = codigos.iter().filter(|c| **c == 0).count();
    let perdidas = codigos.iter().filter(|c| **c == 3).count();
    let recusadas = codigos.iter().filter(|c| **c == 1).count();
    assert_eq!(ok + perdidas + recusadas, 24, "{codigos:?}");
    assert!(
        c.sim.bilhetadas() <= 10,
        "SERPRO billed {}",
        c.sim.bilhetadas()
    );
    assert_eq!(
        c.sim.bilhetadas(),
        ok + perdidas,
        "every billed call is an ok or a lost reply"
    );
    let livro = guiche_postgres::Livro::abrir(&url, &guiche_postgres::Opcoes::default()).unwrap();
    let contados: u64 = livro
        .consumo(Some(CONTRATANTE), None)
        .unwrap()
        .iter()
        .filter(|c| c.janela.to_string() != "total")
        .map(|c| c.chamadas)
        .sum();
    assert_eq!(
        contados, 10,
        "the ceiling was reached and counted once per call"
    );
    assert!(contados >= c.sim.bilhetadas() as u64);
    assert_eq!(recusadas, 24 - 10, "{codigos:?}");
}

/// Four processes send the same CONAM package at once and wait for its evaluation, which the
/// accounting team gives while they wait; replies are lost on the way (connections reset after
/// the request was read) and one process is killed with SIGKILL in its first run. Each process
/// is run again until it exits 0, as a user would: every one reports it approved, the shared
/// ledger says approved, and CONAM holds one package, approved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_send_one_package_and_it_is_booked_once_on_postgres() {
    use guiche_conam::simulador::{ConfigSimulador, Falha, SimuladorConam, Situacao};
    let Some(url) = guiche_postgres::teste::banco_novo_ou_pular("pacote em quatro processos")
    else {
        return;
    };
    let sim = Arc::new(SimuladorConam::iniciar(ConfigSimulador::default()).unwrap());
    sim.cadastrar_cliente("USUARIO", "SENHA", &["1"]);
    let pasta = crate::comum::pasta("pacote-pg");
    let arquivo = pasta.join("p.json");
    let pacote = include_str!("../../../domain/tests/vetores/conam-manual-1.json")
        .replace("\"idPacote\": 1", "\"idPacote\": 41");
    std::fs::write(&arquivo, pacote).unwrap();
    for _ in 0..3 {
        sim.injetar(Falha::Lenta(Duration::ZERO));
        sim.injetar(Falha::Reset);
    }
    let processos: Vec<_> = (0..4)
        .map(|p| {
            let (sim, url, arquivo) = (Arc::clone(&sim), url.clone(), arquivo.clone());
            tokio::task::spawn_blocking(move || {
                let mut rodadas = 0;
                loop {
                    rodadas += 1;
                    assert!(rodadas <= 10, "o processo {p} não terminou em 10 rodadas");
                    let mut comando = Command::new(env!("CARGO_BIN_EXE_guiche"));
                    comando
                        .args([
                            "conam",
                            "send",
                            arquivo.to_str().unwrap(),
                            "--wait",
                            "--json",
                        ])
                        .env("GUICHE_DB", &url)
                        .env("GUICHE_CONAM_URL", sim.base())
                        .env("GUICHE_CONAM_TOKEN_URL", sim.url_token())
                        .env("GUICHE_CONAM_CLIENT_ID", "USUARIO")
                        .env("GUICHE_CONAM_CLIENT_SECRET", "SENHA")
                        .env("GUICHE_CONAM_INTERVALO", "0.05")
                        .env("GUICHE_CONAM_ESPERA_MAX", "30")
                        .stdout(std::process::Stdio::piped())
                        .stderr(std::process::Stdio::piped());
                    let mut filho = comando.spawn().unwrap();
                    if p == 0 && rodadas == 1 {
                        std::thread::sleep(Duration::from_millis(150));
                        let _ = filho.kill();
                        let _ = filho.wait();
                        continue;
                    }
                    let o = filho.wait_with_output().unwrap();
                    if o.status.code() == Some(3) {
                        continue; // a lost reply the run could not settle: run it again
                    }
                    return o;
                }
            })
        })
        .collect();
    // The accounting team approves once the package has arrived.
    let mut tentativas = 0;
    while sim.pacote(41).is_none() {
        tentativas += 1;
        assert!(tentativas < 200, "the package never arrived");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(sim.aprovar(41));
    for p in processos {
        let o = p.await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
            panic!("{e}: {}", String::from_utf8_lossy(&o.stderr));
        });
        assert_eq!(
            (o.status.code(), v["situacao"].as_str()),
            (Some(0), Some("aprovado")),
            "{v}"
        );
    }
    let recebido = sim.pacote(41).unwrap();
    assert_eq!(recebido.situacao, Situacao::Aprovado);
    assert!(
        (1..=8).contains(&recebido.envios),
        "one send per run, each before the approval, a lost reply's resend the only extra: {}",
        recebido.envios
    );
    let livro = guiche_postgres::Livro::abrir(&url, &guiche_postgres::Opcoes::default()).unwrap();
    let chave =
        guiche_ports::contabil::ChavePacote::new(sim.base().trim_end_matches('/'), 41).unwrap();
    let registro = guiche_ports::contabil::LivroPacotes::pacote(&livro, &chave)
        .unwrap()
        .expect("no livro");
    assert_eq!(
        registro.situacao,
        Some(guiche_ports::contabil::SituacaoPacote::Aprovado)
    );
}
