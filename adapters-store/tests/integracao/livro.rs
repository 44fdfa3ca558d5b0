//! The ledger of notas on real SQLite files, what only SQLite has: the file's history rows,
//! migrations, file modes, folders, a corrupt row, waiting for another process's write lock,
//! and crash safety under `SIGKILL`. What every engine promises is in the contract
//! (`guiche-livro-contrato`'s `notas` and `fila`, run from `contrato.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::comum::arquivo;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use guiche_livro_contrato::notas::{CNPJ, aceita, doc, emitir, passar, pedido, seq};
use guiche_ports::livro::{ErroLivro, Estado, LivroNotas};
use guiche_store::{Livro, VERSAO_ESQUEMA};
use rusqlite::Connection;

fn motivo(e: ErroLivro) -> String {
    match e {
        ErroLivro::Armazenamento { motivo, .. } => motivo,
        outro => panic!("esperava Armazenamento, veio {outro:?}"),
    }
}

/// (numero, estado) of every row of the file, in insertion order.
fn linhas(caminho: &Path) -> Vec<(u64, String)> {
    let c = Connection::open(caminho).unwrap();
    let mut st = c
        .prepare("SELECT numero, estado FROM notas ORDER BY id")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn versao(caminho: &Path) -> i64 {
    let c = Connection::open(caminho).unwrap();
    c.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

/// A refused nota's row stays in the file as history beside the one that took its number back
/// (the contract's `numero_recusado_volta` checks the number through the port).
#[test]
fn a_refused_nota_stays_in_the_files_history() {
    let caminho = arquivo("recusada");
    let livro = Livro::abrir(&caminho).unwrap();
    let s = seq(CNPJ, "3150");
    emitir(&livro, &s);
    let r = livro.reservar(pedido(&s, None, "x"), &doc).unwrap();
    let recusa = Estado::Recusada {
        mensagem: "0-CNPJ do tomador inválido - verifique".to_owned(),
    };
    passar(&livro, &r, &recusa);
    assert_eq!(
        livro.reservar(pedido(&s, None, "y"), &doc).unwrap().numero,
        2
    );
    let historico = linhas(&caminho);
    assert_eq!(
        historico[1..],
        [(2, "recusada".to_owned()), (2, "enviada".to_owned())]
    );
}

/// SQLite keeps even a NUL character of a document, byte for byte (the contract's
/// `documento_exato` checks the rest on every engine; PostgreSQL's text cannot hold NUL, and a
/// nota's XML never has one).
#[test]
fn a_nul_character_of_a_document_is_kept() {
    let caminho = arquivo("documento");
    let s = seq(CNPJ, "0044");
    let texto = "<NOTA><OBS>ç \0 fim  </OBS></NOTA>";
    drop(
        Livro::abrir(&caminho)
            .unwrap()
            .reservar(pedido(&s, None, "c"), &|_| texto.to_owned())
            .unwrap(),
    );
    let lido = Livro::abrir(&caminho)
        .unwrap()
        .por_numero(&s, 1)
        .unwrap()
        .unwrap();
    assert_eq!(lido.documento.as_bytes(), texto.as_bytes());
}

#[test]
fn opening_twice_is_idempotent() {
    let caminho = arquivo("reabrir");
    let s = seq(CNPJ, "3150");
    emitir(&Livro::abrir(&caminho).unwrap(), &s);
    let livro = Livro::abrir(&caminho).unwrap();
    assert_eq!(livro.local(), caminho.display().to_string());
    assert_eq!(versao(&caminho), i64::from(VERSAO_ESQUEMA));
    assert_eq!(livro.ultima(&s).unwrap().unwrap().numero, 1);
    assert_eq!(emitir(&livro, &s).numero, 2);
}

#[test]
fn a_version_0_database_is_upgraded() {
    let caminho = arquivo("v0");
    Connection::open(&caminho)
        .unwrap()
        .execute_batch(
            "CREATE TABLE de_outro_tempo (x TEXT); INSERT INTO de_outro_tempo VALUES ('a');",
        )
        .unwrap();
    assert_eq!(versao(&caminho), 0);
    let livro = Livro::abrir(&caminho).unwrap();
    assert_eq!(versao(&caminho), i64::from(VERSAO_ESQUEMA));
    assert_eq!(emitir(&livro, &seq(CNPJ, "3150")).numero, 1);
    let c = Connection::open(&caminho).unwrap();
    let antigo: String = c
        .query_row("SELECT x FROM de_outro_tempo", [], |r| r.get(0))
        .unwrap();
    assert_eq!(antigo, "a", "existing data is kept");
}

#[test]
fn a_database_from_a_newer_guiche_is_refused_naming_both_versions() {
    let caminho = arquivo("futuro");
    Connection::open(&caminho)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let m = motivo(Livro::abrir(&caminho).unwrap_err());
    assert!(m.contains("versão 99"), "{m}");
    assert!(m.contains(&format!("versão {VERSAO_ESQUEMA}")), "{m}");
    assert_eq!(versao(&caminho), 99, "the file is left as it was");
}

#[test]
fn a_file_that_is_not_a_database_is_refused_with_advice() {
    let caminho = arquivo("lixo");
    std::fs::write(&caminho, "isto é uma planilha, não um livro\n".repeat(200)).unwrap();
    let e = Livro::abrir(&caminho).unwrap_err();
    assert!(
        e.to_string().contains(&caminho.display().to_string()),
        "{e}"
    );
    let m = motivo(e);
    assert!(m.contains("não é um banco SQLite"), "{m}");
}

#[test]
fn missing_folders_are_created_and_impossible_ones_reported() {
    let base = arquivo("pastas");
    let fundo = base.with_extension("d").join("a/b/livro.db");
    let _ = std::fs::remove_dir_all(base.with_extension("d"));
    Livro::abrir(&fundo).unwrap();
    assert!(fundo.is_file());
    std::fs::write(&base, "um arquivo, não uma pasta").unwrap();
    let m = motivo(Livro::abrir(&base.join("livro.db")).unwrap_err());
    assert!(m.contains("não foi possível criar a pasta"), "{m}");
}

/// The ledger holds CPFs, invoices and guides (LGPD): what it creates is its owner's only.
#[cfg(unix)]
#[test]
fn created_folders_are_0700_and_the_file_and_its_wal_and_shm_0600() {
    use std::os::unix::fs::PermissionsExt;
    let modo = |c: &Path| std::fs::metadata(c).unwrap().permissions().mode() & 0o777;
    let base = arquivo("privado").with_extension("d");
    let _ = std::fs::remove_dir_all(&base);
    let caminho = base.join("guiche/livro.db");
    let livro = Livro::abrir(&caminho).unwrap();
    emitir(&livro, &seq(CNPJ, "3150")); // a write: the -wal and -shm exist while it is open
    assert_eq!(modo(&base), 0o700, "{}", base.display());
    assert_eq!(modo(&base.join("guiche")), 0o700);
    for sufixo in ["", "-wal", "-shm"] {
        let f = PathBuf::from(format!("{}{sufixo}", caminho.display()));
        assert!(f.is_file(), "{}", f.display());
        assert_eq!(modo(&f), 0o600, "{}", f.display());
    }
}

#[test]
fn a_corrupt_row_is_reported_with_its_id() {
    let caminho = arquivo("corrompida");
    let s = seq(CNPJ, "3150");
    let r = emitir(&Livro::abrir(&caminho).unwrap(), &s);
    Connection::open(&caminho)
        .unwrap()
        .execute("UPDATE notas SET data = '31/02/2026' WHERE id = ?1", [r.id])
        .unwrap();
    let livro = Livro::abrir(&caminho).unwrap();
    let m = motivo(livro.ultima(&s).unwrap_err());
    assert!(m.contains(&format!("registro {}", r.id)), "{m}");
    assert!(m.contains("31/02/2026"), "{m}");
}

#[test]
fn a_write_waits_for_another_process_holding_the_file() {
    let caminho = arquivo("espera");
    let livro = Livro::abrir(&caminho).unwrap();
    let outro = Connection::open(&caminho).unwrap();
    outro.execute_batch("BEGIN IMMEDIATE").unwrap();
    let inicio = Instant::now();
    let liberar = thread::spawn(move || {
        thread::sleep(Duration::from_millis(300));
        outro.execute_batch("COMMIT").unwrap();
    });
    assert_eq!(emitir(&livro, &seq(CNPJ, "3150")).numero, 1);
    assert!(inicio.elapsed() >= Duration::from_millis(250));
    liberar.join().unwrap();
}

fn assert_contiguous(caminho: &Path, total: u64) {
    let mut numeros: Vec<u64> = linhas(caminho).into_iter().map(|(n, _)| n).collect();
    numeros.sort_unstable();
    assert_eq!(numeros, (1..=total).collect::<Vec<_>>());
}

/// Set (to the ledger's path) in the child process of the crash test.
const FILHO: &str = "GUICHE_STORE_TESTE_FILHO";

/// This module's path, to name its child test.
const MODULO: &str = module_path!();

/// The child of `a_killed_process_loses_no_committed_reservation`: reserves, sends and
/// accepts notas until killed, printing each number once its reservation is committed. Does
/// nothing in a normal test run.
#[test]
fn filho_reserva_sem_parar() {
    let Some(caminho) = std::env::var_os(FILHO) else {
        return;
    };
    let livro = Livro::abrir(Path::new(&caminho)).unwrap();
    let s = seq(CNPJ, "3150");
    for _ in 0..1_000_000 {
        let r = livro.reservar(pedido(&s, None, "c"), &doc).unwrap();
        println!("reservada {}", r.numero);
        passar(&livro, &r, &Estado::Enviada);
        passar(&livro, &r, &aceita(r.numero));
    }
}

#[cfg(unix)]
mod queda {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Child, Command, Stdio};
    use std::sync::mpsc;

    /// Re-runs this test binary as the child, on the ledger at `caminho`.
    fn filho(caminho: &Path) -> Child {
        Command::new(std::env::current_exe().unwrap())
            .arg(crate::comum::nome_do_teste(
                MODULO,
                "filho_reserva_sem_parar",
            ))
            .args(["--exact", "--nocapture"])
            .args(["--test-threads=1"])
            .env(FILHO, caminho)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Kills the child with SIGKILL once it has reported `quantos` reservations; returns all it
    /// reported.
    fn matar_depois_de(mut filho: Child, quantos: usize) -> Vec<u64> {
        let saida = BufReader::new(filho.stdout.take().unwrap());
        let (tx, rx) = mpsc::channel();
        let leitor = thread::spawn(move || {
            for linha in saida.lines().map_while(Result::ok) {
                if let Some(n) = linha.strip_prefix("reservada ") {
                    let _ = tx.send(n.parse::<u64>().unwrap());
                }
            }
        });
        let mut vistos = Vec::new();
        while vistos.len() < quantos {
            vistos.push(
                rx.recv_timeout(Duration::from_secs(60))
                    .expect("the child reserves"),
            );
        }
        filho.kill().unwrap();
        let status = filho.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(9),
            "killed mid-way, not finished: {status}"
        );
        leitor.join().unwrap();
        vistos.extend(rx.try_iter());
        vistos
    }

    #[test]
    fn a_killed_process_loses_no_committed_reservation() {
        let caminho = arquivo("sigkill");
        drop(Livro::abrir(&caminho).unwrap());
        let vistos = matar_depois_de(filho(&caminho), 150);

        let livro = Livro::abrir(&caminho).unwrap();
        let s = seq(CNPJ, "3150");
        let c = Connection::open(&caminho).unwrap();
        let saude: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(saude, "ok");
        let ultima = livro.ultima(&s).unwrap().unwrap();
        assert!(
            vistos.iter().all(|n| *n <= ultima.numero),
            "a committed row was lost"
        );
        assert_contiguous(&caminho, ultima.numero);
        for n in 1..=ultima.numero {
            let r = livro.por_numero(&s, n).unwrap().unwrap();
            assert_eq!(r.documento, doc(n));
            if n < ultima.numero {
                assert_eq!(r.estado, aceita(n));
            }
        }
        // The one cut short is pending; once settled the sequence goes on.
        for p in livro.pendentes(&s).unwrap() {
            passar(&livro, &p, &aceita(p.numero));
        }
        assert_eq!(emitir(&livro, &s).numero, ultima.numero + 1);
    }
}
