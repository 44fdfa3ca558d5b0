//! The ledger of notas on PostgreSQL, what only this engine has (the rest is the contract's):
//! a sequence's turn held by a process killed with `SIGKILL` is free again within seconds (the
//! server ends the dead process's session and its advisory locks with it: what the chaos suite
//! relies on), a corrupt row is reported naming its id and value, and a document with a NUL
//! character is refused cleanly.

use std::time::{Duration, Instant};

use crate::comum::executar;
use guiche_livro_contrato::notas as contrato;
use guiche_ports::livro::{ErroLivro, LivroNotas, Pedido, Sequencia};
use guiche_postgres::{Livro, Opcoes, teste};

/// Set (to the ledger's URL) in the child process of the `SIGKILL` test.
const FILHO: &str = "GUICHE_POSTGRES_TESTE_FILHO";

/// This module's path, to name its child test.
const MODULO: &str = module_path!();

fn seq() -> Sequencia {
    contrato::seq(contrato::CNPJ, "3150")
}

fn pedido(s: &Sequencia) -> Pedido<'_> {
    contrato::pedido(s, None, "c")
}

/// The child of `a_turn_held_by_a_killed_process_is_free_again`: takes the sequence's turn,
/// says so, and holds it until killed. Does nothing in a normal test run.
#[test]
fn filho_segura_a_vez() {
    let Ok(url) = std::env::var(FILHO) else {
        return;
    };
    let livro = Livro::abrir(&url, &Opcoes::default()).unwrap();
    let mut fila = livro.fila(&seq()).unwrap();
    let _vez = loop {
        if let Some(v) = fila.tentar().unwrap() {
            break v;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    println!("vez tomada");
    std::thread::sleep(Duration::from_secs(600));
}

#[cfg(unix)]
#[test]
fn a_turn_held_by_a_killed_process_is_free_again() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};

    let Some(url) = teste::banco_novo_ou_pular("vez de um processo morto") else {
        return;
    };
    let livro = Livro::abrir(&url, &Opcoes::default()).unwrap();
    let nome = match MODULO.split_once("::") {
        Some((_, caminho)) => format!("{caminho}::filho_segura_a_vez"),
        None => "filho_segura_a_vez".to_owned(),
    };
    let mut filho = Command::new(std::env::current_exe().unwrap())
        .args([nome.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(FILHO, &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut saida = BufReader::new(filho.stdout.take().unwrap());
    let mut linha = String::new();
    while !linha.contains("vez tomada") {
        linha.clear();
        assert!(
            saida.read_line(&mut linha).unwrap() > 0,
            "the child ended before taking the turn"
        );
    }
    let mut fila = livro.fila(&seq()).unwrap();
    assert!(fila.tentar().unwrap().is_none(), "held by the child");

    filho.kill().unwrap(); // SIGKILL: no destructor, no unlock, the socket just closes
    let status = filho.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{status}");
    let inicio = Instant::now();
    let vez = loop {
        if let Some(v) = fila.tentar().unwrap() {
            break v;
        }
        assert!(
            inicio.elapsed() < Duration::from_secs(5),
            "the dead process's turn is still held after 5 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    eprintln!("turn free again {:?} after SIGKILL", inicio.elapsed());
    // And the sequence works: the turn's holder reserves.
    assert_eq!(
        livro
            .reservar(pedido(&seq()), &|n| n.to_string())
            .unwrap()
            .numero,
        1
    );
    drop(vez);
}

#[test]
fn a_corrupt_row_is_reported_with_its_id_and_value() {
    let Some(url) = teste::banco_novo_ou_pular("registro corrompido") else {
        return;
    };
    let livro = Livro::abrir(&url, &Opcoes::default()).unwrap();
    let s = seq();
    let r = livro.reservar(pedido(&s), &|n| n.to_string()).unwrap();
    // Passes the schema's shape check, but is no date.
    executar(
        &url,
        &format!("UPDATE notas SET data = '2026-02-31' WHERE id = {}", r.id),
    );
    let e = livro.ultima(&s).unwrap_err();
    let ErroLivro::Armazenamento { motivo, .. } = e else {
        panic!("esperava Armazenamento, veio {e:?}");
    };
    assert!(motivo.contains(&format!("registro {}", r.id)), "{motivo}");
    assert!(motivo.contains("2026-02-31"), "{motivo}");
}

#[test]
fn a_document_with_a_nul_character_is_refused_and_nothing_recorded() {
    let Some(url) = teste::banco_novo_ou_pular("documento com NUL") else {
        return;
    };
    let livro = Livro::abrir(&url, &Opcoes::default()).unwrap();
    let s = seq();
    let e = livro
        .reservar(pedido(&s), &|_| "<NOTA>\0</NOTA>".to_owned())
        .unwrap_err();
    let ErroLivro::Armazenamento { motivo, .. } = e else {
        panic!("esperava Armazenamento, veio {e:?}");
    };
    assert!(
        motivo.contains("NUL") && motivo.contains("nº 1"),
        "{motivo}"
    );
    assert_eq!(livro.ultima(&s).unwrap(), None);
    assert_eq!(
        livro
            .reservar(pedido(&s), &|n| n.to_string())
            .unwrap()
            .numero,
        1
    );
}
