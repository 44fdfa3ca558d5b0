//! The e-CAC sync of many companies by several processes on one ledger (issue 13): four
//! `guiche ecac sync --trabalhadores 2` share one round instead of each fetching every company,
//! a process killed with SIGKILL while it holds jobs (seen in the ledger) leaves its companies to
//! the others once their lease runs out, and nothing is lost. Asserted from the SERPRO simulator's own record of the
//! PAGTOWEB calls it served, on PostgreSQL and on SQLite.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use guiche_domain::Data;
use guiche_ports::LivroCompleto;

use crate::comum::Cenario;

const EMPRESAS: usize = 24;
const PAGAMENTOS: &str = "PAGAMENTOS71";

/// The calls PAGTOWEB served, per company.
fn chamadas(c: &Cenario) -> BTreeMap<String, usize> {
    let mut n = BTreeMap::new();
    for d in c.sim.atendidas(PAGAMENTOS) {
        *n.entry(d.as_str().to_owned()).or_default() += 1;
    }
    n
}

/// `guiche ecac sync --trabalhadores 2 --json` on `db`, not yet waited for.
fn sync(c: &Cenario, db: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_guiche"))
        .args(["ecac", "sync", "--trabalhadores", "2", "--json"])
        .env("GUICHE_DB", db)
        .env("GUICHE_ECAC_PRAZO", "3")
        .envs(c.ambiente())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// How many jobs process `pid` holds on `db`, leased and not done (its workers are named
/// `machine:pid/n`).
fn seguradas(db: &str, pid: u32) -> i64 {
    let sql = format!(
        "SELECT count(*) FROM trabalhos WHERE estado = 'pendente' AND trabalhador LIKE '%:{pid}/%'"
    );
    if guiche_postgres::e_url_postgres(db) {
        guiche_postgres::teste::inteiro(db, &sql).unwrap_or(0)
    } else {
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
            .and_then(|c| c.query_row(&sql, [], |r| r.get(0)))
            .unwrap_or(0)
    }
}

fn esperar(filho: std::process::Child) {
    let o = filho.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

async fn rodada_dividida(nome: &str, db: String, livro: Arc<dyn LivroCompleto>) {
    let c = Cenario::novo(nome);
    let todas = crate::comum::cnpjs(40_000_000, EMPRESAS);
    crate::comum::empresas_ecac(&c, livro.as_ref(), &todas);
    let c = Arc::new(c);

    // 1. Four processes, one killed with SIGKILL while it holds jobs: it starts first, and is
    //    killed as soon as the ledger shows a job leased to it (however long the machine took
    //    to start it), the other three started just before.
    let (c1, db1) = (Arc::clone(&c), db.clone());
    tokio::task::spawn_blocking(move || {
        let mut morto = sync(&c1, &db1);
        let limite = std::time::Instant::now() + Duration::from_secs(60);
        while seguradas(&db1, morto.id()) == 0 {
            assert!(
                std::time::Instant::now() < limite,
                "the first process took no job in 60 s"
            );
            assert!(
                matches!(morto.try_wait(), Ok(None)),
                "the first process ended before a job of it was seen"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let filhos: Vec<_> = (0..3).map(|_| sync(&c1, &db1)).collect();
        let _ = morto.kill();
        let _ = morto.wait();
        filhos.into_iter().for_each(esperar);
        // The killed process's companies are leased for 3 s after its last heartbeat, on the
        // database's clock in whole seconds (a lease ends when `prazo < now`, so up to 4 s);
        // a later sync then joins the same round and takes them over. Sooner, it would find
        // them still leased, leave, and the round would stay open for the next step's syncs.
        std::thread::sleep(Duration::from_millis(4_500));
        esperar(sync(&c1, &db1));
    })
    .await
    .unwrap();
    let primeira = chamadas(&c);
    let todas_txt: Vec<String> = todas.iter().map(|c| c.as_str().to_owned()).collect();
    assert_eq!(
        primeira.keys().cloned().collect::<Vec<_>>(),
        todas_txt,
        "every company fetched"
    );
    let repetidas = primeira.values().filter(|n| **n > 1).count();
    assert!(
        repetidas <= 2,
        "only the killed process's companies (two workers) may be fetched twice: {primeira:?}"
    );
    let hoje = Data::new(2026, 11, 22).unwrap();
    for cnpj in &todas {
        assert_eq!(livro.sincronizado_ate(cnpj).unwrap(), Some(hoje), "{cnpj}");
    }

    // 2. The next round, four processes at once and none killed: each company exactly once.
    let (c2, db2) = (Arc::clone(&c), db.clone());
    tokio::task::spawn_blocking(move || {
        let filhos: Vec<_> = (0..4).map(|_| sync(&c2, &db2)).collect();
        filhos.into_iter().for_each(esperar);
    })
    .await
    .unwrap();
    let segunda = chamadas(&c);
    for (cnpj, n) in &segunda {
        assert_eq!(
            n - primeira[cnpj],
            1,
            "{cnpj} fetched once in the second round"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_share_the_sync_round_on_postgres() {
    let Some(url) = guiche_postgres::teste::banco_novo_ou_pular("rodada e-CAC") else {
        return;
    };
    let livro =
        Arc::new(guiche_postgres::Livro::abrir(&url, &guiche_postgres::Opcoes::default()).unwrap());
    rodada_dividida("rodada-pg", url, livro).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_share_the_sync_round_on_sqlite() {
    let arquivo = crate::comum::pasta("rodada-sqlite").join("livro.db");
    let livro = Arc::new(guiche_store::Livro::abrir(&arquivo).unwrap());
    rodada_dividida("rodada-sqlite", arquivo.display().to_string(), livro).await;
}
