//! Measurement, not a test (ignored; BENCHMARKS.md "e-CAC sync over N workers"): the e-CAC sync
//! of many companies against the SERPRO simulator, with 1, 2 and 4 workers, on SQLite and on
//! PostgreSQL, through the release binary:
//!
//! ```sh
//! GUICHE_MEDICAO_EMPRESAS=10000 cargo test --release -p guiche --test integracao \
//!     medicao_ecac -- --ignored --nocapture
//! ```
//!
//! Each configuration gets a fresh ledger with the companies and a fresh simulator; the figure
//! is the wall time of one `guiche ecac sync --trabalhadores N`, and the simulator's own record
//! confirms every company was fetched exactly once.

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use guiche_ports::LivroCompleto;

use crate::comum::Cenario;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "medição: GUICHE_MEDICAO_EMPRESAS=10000 cargo test --release … medicao_ecac -- --ignored --nocapture"]
async fn medicao_ecac_sync_com_1_2_e_4_trabalhadores() {
    let n: usize = std::env::var("GUICHE_MEDICAO_EMPRESAS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let todas = crate::comum::cnpjs(50_000_000, n);
    for motor in ["sqlite", "postgres"] {
        for trabalhadores in [1, 2, 4] {
            let c = Cenario::novo(&format!("medicao-{motor}-{trabalhadores}"));
            let (db, livro): (String, Arc<dyn LivroCompleto>) = if motor == "sqlite" {
                let arquivo = c.dir.join("livro.db");
                let livro = Arc::new(guiche_store::Livro::abrir(&arquivo).unwrap());
                (arquivo.display().to_string(), livro)
            } else {
                let Some(url) = guiche_postgres::teste::banco_novo_ou_pular("medição") else {
                    continue;
                };
                let opcoes = guiche_postgres::Opcoes::default();
                let livro = Arc::new(guiche_postgres::Livro::abrir(&url, &opcoes).unwrap());
                (url, livro)
            };
            crate::comum::empresas_ecac(&c, livro.as_ref(), &todas);
            let inicio = Instant::now();
            let o = Command::new(env!("CARGO_BIN_EXE_guiche"))
                .args([
                    "ecac",
                    "sync",
                    "--trabalhadores",
                    &trabalhadores.to_string(),
                ])
                .env("GUICHE_DB", &db)
                .envs(c.ambiente())
                .output()
                .unwrap();
            let segundos = inicio.elapsed().as_secs_f64();
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
            let buscadas = c.sim.atendidas("PAGAMENTOS71").len();
            assert_eq!(buscadas, n, "cada empresa buscada uma vez");
            println!(
                "{motor:<8} {trabalhadores} trabalhador(es): {n} empresas em {segundos:.1} s, \
                 {:.0} empresas/s",
                n as f64 / segundos
            );
        }
    }
}
