//! Retention through the binary: `guiche livro limpar` on a SQLite ledger with old and new rows
//! of every kind it cleans (the old ones go, the new ones and what is still in use stay, read
//! back from the file), its settings refused with a clear message, and `guiche serve` cleaning
//! at start.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use serde_json::Value;

use crate::comum;
use crate::comum::servidor::Servidor;

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";

fn agora() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// A ledger at `dir/livro.db` (created by the binary, so migrated) with, for each table, rows
/// that are due and rows that are not:
/// - sessions `a…` expired an hour ago, `b…` expiring in an hour;
/// - keys `velha` concluded 25 h ago, `nova` concluded an hour ago, `rodando` in progress for
///   2 days (under the 7-day window), `esquecida` in progress for 8 days;
/// - rounds: 40 days old and done (2 jobs), 40 days old with a job waiting (open), 40 days old
///   closed by a worker (its job abandoned), 10 days old and done.
fn livro_com_linhas_velhas_e_novas(dir: &Path) -> Connection {
    let (codigo, saida) = comum::servidor::guiche(dir, &["token", "list"]);
    assert_eq!(codigo, 0, "{saida}");
    let c = Connection::open(dir.join("livro.db")).unwrap();
    let t = agora();
    c.execute(
        "INSERT INTO usuarios (login, papel, hash, criado_em) VALUES ('bia', 'admin', ?1, ?2)",
        rusqlite::params![HASH, t],
    )
    .unwrap();
    for (n, expira) in [('a', t - 3_600), ('b', t + 3_600)] {
        c.execute(
            "INSERT INTO sessoes (hash, login, csrf, criada_em, expira_em, visto_em) \
             VALUES (?1, 'bia', 'x', ?2, ?3, ?2)",
            rusqlite::params![n.to_string().repeat(64), t - 7_200, expira],
        )
        .unwrap();
    }
    for (chave, estado, idade) in [
        ("velha", "concluida", 25 * 3_600),
        ("nova", "concluida", 3_600),
        ("rodando", "andamento", 2 * 86_400),
        ("esquecida", "andamento", 8 * 86_400),
    ] {
        let concluida = estado == "concluida";
        c.execute(
            "INSERT INTO idempotencia (escopo, chave, impressao, estado, status, tipo, corpo, \
             criado_em, atualizado_em) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            rusqlite::params![
                chave,
                "0".repeat(64),
                estado,
                concluida.then_some(201),
                concluida.then_some("application/json"),
                concluida.then_some(b"{}".to_vec()),
                t - idade,
            ],
        )
        .unwrap();
    }
    for (id, idade, encerrada, estados) in [
        (1, 40, false, &["feito", "feito"][..]),
        (2, 40, false, &["feito", "pendente"][..]),
        (3, 40, true, &["abandonado"][..]),
        (4, 10, false, &["feito"][..]),
    ] {
        let criada = t - idade * 86_400;
        c.execute(
            "INSERT INTO rodadas (id, tipo, criada_em, encerrada_em) VALUES (?1, 'ecac', ?2, ?3)",
            rusqlite::params![id, criada, encerrada.then_some(criada + 72_000)],
        )
        .unwrap();
        for (i, estado) in estados.iter().enumerate() {
            c.execute(
                "INSERT INTO trabalhos (rodada, chave, estado) VALUES (?1, ?2, ?3)",
                rusqlite::params![id, format!("{i:014}"), estado],
            )
            .unwrap();
        }
    }
    c
}

fn coluna(c: &Connection, sql: &str) -> Vec<String> {
    let mut s = c.prepare(sql).unwrap();
    s.query_map([], |r| r.get::<_, rusqlite::types::Value>(0))
        .unwrap()
        .map(|v| match v.unwrap() {
            rusqlite::types::Value::Integer(n) => n.to_string(),
            rusqlite::types::Value::Text(t) => t,
            outro => panic!("{outro:?}"),
        })
        .collect()
}

/// What is left is exactly what was not due.
fn so_ficou_o_que_serve(c: &Connection) {
    assert_eq!(
        coluna(c, "SELECT substr(hash, 1, 1) FROM sessoes ORDER BY hash"),
        ["b"],
        "the unexpired session stays"
    );
    assert_eq!(
        coluna(c, "SELECT chave FROM idempotencia ORDER BY chave"),
        ["nova", "rodando"],
        "a key inside its window and one in progress for less than 7 days stay"
    );
    assert_eq!(
        coluna(c, "SELECT id FROM rodadas ORDER BY id"),
        ["2", "4"],
        "the open round and the young one stay"
    );
    assert_eq!(
        coluna(c, "SELECT rodada || '/' || chave FROM trabalhos ORDER BY 1"),
        ["2/00000000000000", "2/00000000000001", "4/00000000000000"],
        "with their jobs"
    );
}

#[test]
fn livro_limpar_apaga_o_que_venceu_e_guarda_o_resto() {
    let dir = comum::servidor::pasta("livro-limpar");
    let c = livro_com_linhas_velhas_e_novas(&dir);

    let (codigo, saida) = comum::servidor::guiche(&dir, &["livro", "limpar", "--json"]);
    assert_eq!(codigo, 0, "{saida}");
    let feito: Value = serde_json::from_str(&saida).unwrap();
    assert_eq!(
        feito,
        serde_json::json!({
            "sessoes": 1,
            "chaves_idempotencia": 2,
            "rodadas": 2,
            "trabalhos": 3
        })
    );
    so_ficou_o_que_serve(&c);

    let (codigo, saida) = comum::servidor::guiche(&dir, &["livro", "limpar"]);
    assert_eq!(codigo, 0, "{saida}");
    assert!(
        saida.contains("livro limpo: 0 linha(s) apagada(s)"),
        "nothing left to clean: {saida}"
    );
    so_ficou_o_que_serve(&c);
}

#[test]
fn janelas_da_limpeza_sao_lidas_do_ambiente_e_recusadas_com_clareza() {
    let dir = comum::servidor::pasta("livro-limpar-janelas");
    let c = livro_com_linhas_velhas_e_novas(&dir);
    for (var, valor) in [
        ("GUICHE_IDEMPOTENCIA_HORAS", "0"),
        ("GUICHE_IDEMPOTENCIA_HORAS", "um dia"),
        ("GUICHE_RODADAS_DIAS", "3651"),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_guiche"))
            .args(["livro", "limpar"])
            .env("GUICHE_DB", dir.join("livro.db"))
            .env(var, valor)
            .output()
            .unwrap();
        let erro = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{var}={valor}: {erro}");
        assert!(
            erro.contains(&format!("{var}=\"{valor}\"")),
            "names the variable and the value: {erro}"
        );
    }
    assert_eq!(
        coluna(&c, "SELECT count(*) FROM idempotencia"),
        ["4"],
        "a refused setting removes nothing"
    );

    // A window of 48 hours keeps the key concluded 25 hours ago; 5 days removes the round of 10.
    let (codigo, saida) = comum::servidor::guiche_com(
        &dir,
        &["livro", "limpar", "--json"],
        &[
            ("GUICHE_IDEMPOTENCIA_HORAS", "48"),
            ("GUICHE_RODADAS_DIAS", "5"),
        ],
    );
    assert_eq!(codigo, 0, "{saida}");
    let feito: Value = serde_json::from_str(&saida).unwrap();
    assert_eq!(
        feito["chaves_idempotencia"], 1,
        "only the 8-day-old key in progress"
    );
    assert_eq!(feito["rodadas"], 3, "{feito}");
    assert_eq!(
        coluna(&c, "SELECT chave FROM idempotencia ORDER BY chave"),
        ["nova", "rodando", "velha"]
    );
    assert_eq!(
        coluna(&c, "SELECT id FROM rodadas"),
        ["2"],
        "the open round never goes"
    );
}

#[test]
fn serve_limpa_o_livro_ao_subir() {
    let dir = comum::servidor::pasta("serve-limpa");
    let c = livro_com_linhas_velhas_e_novas(&dir);
    let mut srv = Servidor::iniciar(&dir, &[]);
    let prazo = Instant::now() + Duration::from_secs(30);
    while !srv.log().contains("limpeza do livro feita") {
        assert!(Instant::now() < prazo, "no cleaning logged: {}", srv.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    so_ficou_o_que_serve(&c);
    let log = srv.log();
    assert!(
        log.contains("sessoes=1") || log.contains("\"sessoes\":1"),
        "{log}"
    );
    assert_eq!(srv.terminar(), 0, "{}", srv.log());
}
