//! The ledger on real SQLite files: numbering, refusals, pending notas, exact documents,
//! independent sequences, migrations, crash safety and concurrency.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::comum::arquivo;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use guiche_domain::{Data, Documento};
use guiche_ports::livro::{ErroLivro, Estado, LivroNotas, Pedido, Registro, Sequencia};
use guiche_store::{Livro, VERSAO_ESQUEMA};
use rusqlite::Connection;

const CNPJ: &str = "11.222.333/0001-81";
const CPF: &str = "529.982.247-25";

fn seq(prestador: &str, prefeitura: &str) -> Sequencia {
    Sequencia {
        prestador: Documento::parse(prestador).unwrap(),
        prefeitura: prefeitura.to_owned(),
    }
}

fn hoje() -> Data {
    Data::new(2026, 7, 20).unwrap()
}

fn pedido<'a>(s: &'a Sequencia, numero: Option<u64>, conteudo: &'a str) -> Pedido<'a> {
    Pedido {
        sequencia: s,
        numero,
        data: hoje(),
        conteudo,
    }
}

fn doc(n: u64) -> String {
    format!("<NOTA><NUMERO_NOTA>{n}</NUMERO_NOTA></NOTA>")
}

fn aceita(n: u64) -> Estado {
    Estado::Aceita {
        codigo: Some(format!("COD{n}")),
    }
}

/// Moves the nota `r` to `para` along the transitions of the sending flow, from wherever it
/// stands now (through `enviada` when `para` is an outcome).
fn passar(livro: &Livro, r: &Registro, para: &Estado) {
    let atual = livro
        .por_numero(&r.sequencia, r.numero)
        .unwrap()
        .filter(|a| a.id == r.id)
        .map_or(Estado::Reservada, |a| a.estado);
    if atual == *para {
        return;
    }
    let atual = if atual.pode_passar_a(para) {
        atual
    } else {
        livro.registrar(r.id, &atual, &Estado::Enviada).unwrap();
        Estado::Enviada
    };
    livro.registrar(r.id, &atual, para).unwrap();
}

/// Reserves the next number and settles it as accepted.
fn emitir(livro: &Livro, s: &Sequencia) -> Registro {
    let r = livro.reservar(pedido(s, None, "c"), &doc).unwrap();
    passar(livro, &r, &aceita(r.numero));
    r
}

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

#[test]
fn numbers_come_one_two_three_in_order() {
    let livro = Livro::abrir(&arquivo("ordem")).unwrap();
    let s = seq(CNPJ, "3150");
    let numeros: Vec<u64> = (0..3).map(|_| emitir(&livro, &s).numero).collect();
    assert_eq!(numeros, [1, 2, 3]);
    assert_eq!(livro.ultima(&s).unwrap().unwrap().numero, 3);
}

#[test]
fn an_explicit_number_must_be_the_next_one() {
    let livro = Livro::em_memoria().unwrap();
    let s = seq(CNPJ, "3150");
    let r = livro.reservar(pedido(&s, Some(1), "c"), &doc).unwrap();
    passar(&livro, &r, &aceita(1));
    for pedido_n in [1, 3, 1000] {
        let e = livro
            .reservar(pedido(&s, Some(pedido_n), "c"), &doc)
            .unwrap_err();
        assert!(
            matches!(e, ErroLivro::ForaDeSequencia { pedido, proximo: 2 } if pedido == pedido_n),
            "{e:?}"
        );
    }
    let r = livro.reservar(pedido(&s, Some(2), "c"), &doc).unwrap();
    assert_eq!((r.numero, r.documento), (2, doc(2)));
}

#[test]
fn a_new_sequence_starts_at_the_number_asked_for() {
    let livro = Livro::em_memoria().unwrap();
    let s = seq(CNPJ, "3150");
    let e = livro.reservar(pedido(&s, Some(0), "c"), &doc).unwrap_err();
    assert!(
        matches!(
            e,
            ErroLivro::ForaDeSequencia {
                pedido: 0,
                proximo: 1
            }
        ),
        "{e:?}"
    );
    // The service's sequence began elsewhere: the first nota carries its number.
    let r = livro.reservar(pedido(&s, Some(500), "c"), &doc).unwrap();
    assert_eq!((r.numero, r.documento.as_str()), (500, doc(500).as_str()));
    // Refused (say, 500 was already used outside the guichê): nothing holds a number, so the
    // sequence may start again where the user says.
    let recusa = Estado::Recusada {
        mensagem: "0-Esta nota já consta no sistema.".to_owned(),
    };
    passar(&livro, &r, &recusa);
    let r = livro.reservar(pedido(&s, Some(501), "c"), &doc).unwrap();
    passar(&livro, &r, &aceita(501));
    assert_eq!(emitir(&livro, &s).numero, 502);
    let e = livro.reservar(pedido(&s, Some(1), "c"), &doc).unwrap_err();
    assert!(
        matches!(
            e,
            ErroLivro::ForaDeSequencia {
                pedido: 1,
                proximo: 503
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_refused_number_is_given_back_and_kept_in_history() {
    let caminho = arquivo("recusada");
    let livro = Livro::abrir(&caminho).unwrap();
    let s = seq(CNPJ, "3150");
    emitir(&livro, &s);
    let r = livro.reservar(pedido(&s, None, "x"), &doc).unwrap();
    let recusa = Estado::Recusada {
        mensagem: "0-CNPJ do tomador inválido - verifique".to_owned(),
    };
    passar(&livro, &r, &recusa);
    assert_eq!(livro.ultima(&s).unwrap().unwrap().numero, 1);
    assert_eq!(livro.por_numero(&s, 2).unwrap(), None);
    let de_novo = livro.reservar(pedido(&s, None, "y"), &doc).unwrap();
    assert_eq!(de_novo.numero, 2);
    assert_eq!(livro.por_numero(&s, 2).unwrap().unwrap().id, de_novo.id);
    let historico = linhas(&caminho);
    assert_eq!(
        historico[1..],
        [(2, "recusada".to_owned()), (2, "enviada".to_owned())]
    );
}

#[test]
fn an_unsettled_nota_blocks_the_next_until_settled() {
    let livro = Livro::em_memoria().unwrap();
    let s = seq(CNPJ, "3150");
    let r = livro.reservar(pedido(&s, None, "c"), &doc).unwrap();
    let estados = [
        (Estado::Reservada, "reservada"),
        (Estado::Enviada, "enviada"),
        (
            Estado::Desconhecida {
                motivo: "tempo esgotado".to_owned(),
            },
            "desconhecida",
        ),
    ];
    for (estado, nome) in estados {
        passar(&livro, &r, &estado);
        let e = livro.reservar(pedido(&s, None, "d"), &doc).unwrap_err();
        assert!(
            matches!(e, ErroLivro::Pendente { numero: 1, estado } if estado == nome),
            "{e:?}"
        );
        assert!(e.to_string().contains("resolva-a"), "{e}");
        let pendentes = livro.pendentes(&s).unwrap();
        assert_eq!(pendentes.len(), 1);
        assert_eq!(pendentes[0].estado, estado);
    }
    passar(&livro, &r, &aceita(1));
    assert!(livro.pendentes(&s).unwrap().is_empty());
    assert_eq!(emitir(&livro, &s).numero, 2);
}

#[test]
fn accepted_and_unknown_notas_keep_their_number() {
    let livro = Livro::em_memoria().unwrap();
    let s = seq(CNPJ, "3150");
    let r = livro.reservar(pedido(&s, None, "c"), &doc).unwrap();
    let duvida = Estado::Desconhecida {
        motivo: "conexão reiniciada".to_owned(),
    };
    passar(&livro, &r, &duvida);
    assert_eq!(livro.ultima(&s).unwrap().unwrap().estado, duvida);
    // Settled by a "já consta" reply: accepted, code to be confirmed.
    let ja_consta = Estado::Aceita { codigo: None };
    passar(&livro, &r, &ja_consta);
    let segunda = emitir(&livro, &s);
    assert_eq!(segunda.numero, 2);
    assert_eq!(livro.por_numero(&s, 1).unwrap().unwrap().estado, ja_consta);
    assert_eq!(livro.por_numero(&s, 2).unwrap().unwrap().estado, aceita(2));
}

#[test]
fn the_exact_document_is_stored_byte_for_byte() {
    let caminho = arquivo("documento");
    let s = seq(CNPJ, "0044");
    let texto = "<NOTA><DESCRICAO_SERVICOS><![CDATA[Manutenção\r\nelétrica ]]]]><![CDATA[> \
                 &nbsp;&nbsp;ok]]></DESCRICAO_SERVICOS>\r\n\t<OBS>ç ã é — 💡 \0 fim  </OBS></NOTA>";
    let id = {
        let livro = Livro::abrir(&caminho).unwrap();
        let r = livro
            .reservar(pedido(&s, None, "impressão ]]>"), &|_| texto.to_owned())
            .unwrap();
        assert_eq!(r.documento, texto);
        r.id
    };
    let livro = Livro::abrir(&caminho).unwrap();
    let lido = livro.por_numero(&s, 1).unwrap().unwrap();
    assert_eq!(lido.id, id);
    assert_eq!(lido.documento.as_bytes(), texto.as_bytes());
    assert_eq!(lido.conteudo, "impressão ]]>");
    assert_eq!(lido.data, hoje());
    assert_eq!(lido.sequencia, s);
}

#[test]
fn the_reserved_record_is_what_reads_back() {
    let livro = Livro::em_memoria().unwrap();
    let s = seq(CPF, "3039");
    let r = livro.reservar(pedido(&s, None, "c"), &doc).unwrap();
    assert_eq!(livro.por_numero(&s, 1).unwrap().unwrap(), r);
    assert_eq!(livro.pendentes(&s).unwrap(), std::slice::from_ref(&r));
    assert_eq!(livro.por_conteudo(&s, "c").unwrap().unwrap(), r);
    assert_eq!(livro.ultima(&s).unwrap().unwrap(), r);
}

#[test]
fn sequences_are_independent() {
    let livro = Livro::em_memoria().unwrap();
    let piracaia = seq(CNPJ, "0044");
    let sem_zeros = seq(CNPJ, "44");
    let outro_prestador = seq(CPF, "0044");
    let parada = livro.reservar(pedido(&piracaia, None, "c"), &doc).unwrap();
    for s in [&sem_zeros, &outro_prestador] {
        assert_eq!(emitir(&livro, s).numero, 1, "{s:?}");
        assert_eq!(emitir(&livro, s).numero, 2, "{s:?}");
    }
    assert_eq!(livro.ultima(&piracaia).unwrap().unwrap().id, parada.id);
    assert_eq!(livro.pendentes(&sem_zeros).unwrap(), []);
    assert_eq!(
        livro.ultima(&sem_zeros).unwrap().unwrap().sequencia,
        sem_zeros
    );
    assert_eq!(livro.por_numero(&piracaia, 2).unwrap(), None);
}

#[test]
fn por_conteudo_finds_the_latest_live_nota() {
    let livro = Livro::em_memoria().unwrap();
    let s = seq(CNPJ, "3150");
    let recusa = Estado::Recusada {
        mensagem: "0-Data inválida".to_owned(),
    };
    let r = livro.reservar(pedido(&s, None, "lote-7"), &doc).unwrap();
    passar(&livro, &r, &recusa);
    assert_eq!(livro.por_conteudo(&s, "lote-7").unwrap(), None);
    let r = livro.reservar(pedido(&s, None, "lote-7"), &doc).unwrap();
    passar(&livro, &r, &aceita(r.numero));
    let achada = livro.por_conteudo(&s, "lote-7").unwrap().unwrap();
    assert_eq!((achada.id, achada.estado), (r.id, aceita(1)));
    assert_eq!(livro.por_conteudo(&s, "lote-8").unwrap(), None);
    assert_eq!(
        livro.por_conteudo(&seq(CPF, "3150"), "lote-7").unwrap(),
        None
    );
}

#[test]
fn an_unknown_id_is_not_found() {
    let livro = Livro::em_memoria().unwrap();
    let e = livro
        .registrar(42, &Estado::Reservada, &Estado::Enviada)
        .unwrap_err();
    assert!(matches!(e, ErroLivro::NaoEncontrado(42)), "{e:?}");
}

#[test]
fn a_panic_while_building_the_document_records_nothing() {
    let livro = Livro::em_memoria().unwrap();
    let s = seq(CNPJ, "3150");
    let quebra = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        livro.reservar(pedido(&s, None, "c"), &|_| panic!("modelo inválido"))
    }));
    assert!(quebra.is_err());
    assert_eq!(livro.ultima(&s).unwrap(), None);
    assert_eq!(emitir(&livro, &s).numero, 1);
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

/// Reserves and accepts one nota, retrying while another thread's nota is pending.
fn emitir_na_vez(livro: &Livro, s: &Sequencia) -> u64 {
    loop {
        match livro.reservar(pedido(s, None, "c"), &doc) {
            Ok(r) => {
                passar(livro, &r, &aceita(r.numero));
                return r.numero;
            }
            Err(ErroLivro::Pendente { .. }) => thread::sleep(Duration::from_micros(500)),
            Err(e) => panic!("{e}"),
        }
    }
}

/// Four threads, each on one of `livros` in turn, issue `cada` notas; returns every number.
fn emitir_em_paralelo(livros: &[Arc<Livro>], s: &Sequencia, cada: usize) -> Vec<u64> {
    let tarefas: Vec<_> = (0..4)
        .map(|i| {
            let (livro, s) = (Arc::clone(&livros[i % livros.len()]), s.clone());
            thread::spawn(move || {
                (0..cada)
                    .map(|_| emitir_na_vez(&livro, &s))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut numeros: Vec<u64> = tarefas
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    numeros.sort_unstable();
    numeros
}

fn assert_contiguous(caminho: &Path, total: u64) {
    let mut numeros: Vec<u64> = linhas(caminho).into_iter().map(|(n, _)| n).collect();
    numeros.sort_unstable();
    assert_eq!(numeros, (1..=total).collect::<Vec<_>>());
}

#[test]
fn four_threads_on_one_ledger_never_skip_or_repeat() {
    let caminho = arquivo("threads");
    let livro = Arc::new(Livro::abrir(&caminho).unwrap());
    let s = seq(CNPJ, "3150");
    let numeros = emitir_em_paralelo(&[Arc::clone(&livro)], &s, 25);
    assert_eq!(numeros, (1..=100).collect::<Vec<_>>());
    assert_contiguous(&caminho, 100);
    assert!(livro.pendentes(&s).unwrap().is_empty());
}

#[test]
fn two_ledgers_on_one_file_never_skip_or_repeat() {
    let caminho = arquivo("dois-livros");
    let livros = [
        Arc::new(Livro::abrir(&caminho).unwrap()),
        Arc::new(Livro::abrir(&caminho).unwrap()),
    ];
    let s = seq(CNPJ, "0044");
    let numeros = emitir_em_paralelo(&livros, &s, 20);
    assert_eq!(numeros, (1..=80).collect::<Vec<_>>());
    assert_contiguous(&caminho, 80);
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

#[test]
fn a_settled_nota_never_changes_state() {
    let livro = Livro::em_memoria().unwrap();
    let s = seq(CNPJ, "3150");
    let r = emitir(&livro, &s);
    let e = livro
        .registrar(
            r.id,
            &aceita(r.numero),
            &Estado::Recusada {
                mensagem: "x".into(),
            },
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            ErroLivro::JaResolvida {
                de: "aceita",
                para: "recusada",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        livro.por_numero(&s, r.numero).unwrap().unwrap().estado,
        aceita(r.numero)
    );
}

#[test]
fn a_number_used_outside_keeps_its_place_and_the_sequence_moves_on() {
    let livro = Livro::em_memoria().unwrap();
    let s = seq(CNPJ, "3150");
    emitir(&livro, &s);
    let r = livro.reservar(pedido(&s, None, "b"), &doc).unwrap();
    let externa = Estado::Externa {
        mensagem: "Esta nota já consta no sistema.".into(),
    };
    passar(&livro, &r, &externa);
    assert!(
        livro.pendentes(&s).unwrap().is_empty(),
        "externa está resolvida"
    );
    let seguinte = livro.reservar(pedido(&s, None, "b"), &doc).unwrap();
    assert_eq!(seguinte.numero, r.numero + 1);
    assert_eq!(
        livro.por_numero(&s, r.numero).unwrap().unwrap().estado,
        externa
    );
}

#[test]
fn a_date_before_the_last_nota_is_refused_inside_the_reservation() {
    let livro = Livro::em_memoria().unwrap();
    let s = seq(CNPJ, "3150");
    emitir(&livro, &s);
    let ontem = hoje().mais_dias(-1).unwrap();
    let e = livro
        .reservar(
            Pedido {
                data: ontem,
                ..pedido(&s, None, "d")
            },
            &doc,
        )
        .unwrap_err();
    assert!(matches!(e, ErroLivro::DataAnterior { .. }), "{e:?}");
    assert!(
        livro.reservar(pedido(&s, None, "d"), &doc).is_ok(),
        "a mesma data serve"
    );
}

#[test]
fn a_change_from_a_state_read_before_another_writer_is_refused() {
    let livro = Livro::em_memoria().unwrap();
    let s = seq(CNPJ, "3150");
    let r = livro.reservar(pedido(&s, None, "c"), &doc).unwrap();
    assert_eq!(
        r.estado,
        Estado::Enviada,
        "reserved marked sent: sent right after"
    );
    // Its first attempt never left (connection refused): back to reserved, then sent again.
    livro
        .registrar(r.id, &Estado::Enviada, &Estado::Reservada)
        .unwrap();
    livro
        .registrar(r.id, &Estado::Reservada, &Estado::Enviada)
        .unwrap();
    // A second process that read the row as reserved may not send it too.
    let e = livro
        .registrar(r.id, &Estado::Reservada, &Estado::Enviada)
        .unwrap_err();
    assert!(
        matches!(
            e,
            ErroLivro::EstadoMudou {
                esperado: "reservada",
                encontrado: "enviada",
                para: "enviada",
                ..
            }
        ),
        "{e:?}"
    );
    // Nor record an outcome over a nota whose outcome another process already recorded.
    let duvida = Estado::Desconhecida {
        motivo: "tempo esgotado".into(),
    };
    livro.registrar(r.id, &Estado::Enviada, &duvida).unwrap();
    let e = livro
        .registrar(r.id, &Estado::Enviada, &Estado::Reservada)
        .unwrap_err();
    assert!(matches!(e, ErroLivro::EstadoMudou { .. }), "{e:?}");
    assert_eq!(
        livro.por_numero(&s, 1).unwrap().unwrap().estado,
        duvida,
        "nada mudou"
    );
}

#[test]
fn only_the_transitions_of_a_nota_are_recorded() {
    let livro = Livro::em_memoria().unwrap();
    let s = seq(CNPJ, "3150");
    let r = livro.reservar(pedido(&s, None, "c"), &doc).unwrap();
    let aceita = aceita(1);
    for para in [
        &aceita,
        &Estado::Recusada {
            mensagem: "x".into(),
        },
    ] {
        let e = livro.registrar(r.id, &Estado::Reservada, para).unwrap_err();
        assert!(matches!(e, ErroLivro::EstadoMudou { .. }), "{e:?}");
    }
    let duvida = Estado::Desconhecida {
        motivo: "reset".into(),
    };
    passar(&livro, &r, &duvida);
    // A nota that may have left never goes back to "reserved" (its number must stay held).
    let e = livro
        .registrar(r.id, &duvida, &Estado::Reservada)
        .unwrap_err();
    assert!(matches!(e, ErroLivro::EstadoMudou { .. }), "{e:?}");
    assert_eq!(livro.pendentes(&s).unwrap()[0].estado, duvida);
}

#[test]
fn a_person_settles_an_unknown_outcome_and_the_ledger_keeps_who_and_when() {
    let livro = Livro::em_memoria().unwrap();
    let s = seq(CNPJ, "3150");
    let r = livro.reservar(pedido(&s, None, "c"), &doc).unwrap();
    passar(&livro, &r, &Estado::Reservada); // its request never left
    let e = livro.decidir(r.id, &aceita(1), "maria").unwrap_err();
    assert!(
        matches!(
            e,
            ErroLivro::SemDecisao {
                estado: "reservada",
                ..
            }
        ),
        "uma nota que nunca saiu não pede decisão: {e:?}"
    );
    passar(
        &livro,
        &r,
        &Estado::Desconhecida {
            motivo: "o serviço recusou o reenvio".into(),
        },
    );
    let antes = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    livro.decidir(r.id, &aceita(1), "maria").unwrap();
    let lida = livro.por_numero(&s, 1).unwrap().unwrap();
    assert_eq!(lida.estado, aceita(1));
    let decisao = lida.decisao.expect("quem decidiu");
    assert_eq!(decisao.por, "maria");
    assert!(u64::try_from(decisao.em).unwrap() >= antes);
    // Settled now: no second decision, and the flow cannot change it either.
    let e = livro
        .decidir(
            r.id,
            &Estado::Recusada {
                mensagem: "x".into(),
            },
            "joão",
        )
        .unwrap_err();
    assert!(matches!(e, ErroLivro::SemDecisao { .. }), "{e:?}");
    assert!(livro.pendentes(&s).unwrap().is_empty());
}

#[test]
fn a_person_declares_a_nota_not_issued_and_its_number_is_free_again() {
    let livro = Livro::em_memoria().unwrap();
    let s = seq(CNPJ, "3150");
    emitir(&livro, &s);
    let r = livro.reservar(pedido(&s, None, "c"), &doc).unwrap();
    passar(&livro, &r, &Estado::Enviada);
    let nao = Estado::Recusada {
        mensagem: "não emitida, conferido no portal".into(),
    };
    livro.decidir(r.id, &nao, "joão").unwrap();
    assert_eq!(livro.por_numero(&s, 2).unwrap(), None);
    assert_eq!(
        livro.reservar(pedido(&s, None, "d"), &doc).unwrap().numero,
        2
    );
}

#[test]
fn an_accepted_nota_without_code_receives_it_once() {
    let livro = Livro::em_memoria().unwrap();
    let s = seq(CNPJ, "3150");
    let r = livro.reservar(pedido(&s, None, "c"), &doc).unwrap();
    let sem_codigo = Estado::Aceita { codigo: None };
    passar(&livro, &r, &sem_codigo);
    livro.decidir(r.id, &aceita(1), "maria").unwrap();
    assert_eq!(livro.por_numero(&s, 1).unwrap().unwrap().estado, aceita(1));
    let outro = Estado::Aceita {
        codigo: Some("OUTRO".into()),
    };
    assert!(livro.decidir(r.id, &outro, "maria").is_err());
    assert!(livro.registrar(r.id, &aceita(1), &outro).is_err());
}

/// Two ledgers on one file (two processes, as far as SQLite and the lock files can tell) issue
/// on one sequence, each taking the sequence's turn for the whole reserve → send → record span:
/// neither ever meets the other's nota pending, and the numbers are contiguous.
#[test]
fn two_ledgers_on_one_file_take_turns_on_a_sequence() {
    let caminho = arquivo("vez");
    let s = seq(CNPJ, "3150");
    let n_cada = 150;
    let largada = Arc::new(std::sync::Barrier::new(2));
    let trabalhar = |caminho: PathBuf, s: Sequencia| {
        let livro = Livro::abrir(&caminho).unwrap();
        let largada = Arc::clone(&largada);
        thread::spawn(move || {
            largada.wait(); // both begin together, whatever the machine's load
            let mut numeros = Vec::new();
            for _ in 0..n_cada {
                let mut fila = livro.fila(&s).unwrap();
                let _vez = loop {
                    if let Some(v) = fila.tentar().unwrap() {
                        break v;
                    }
                    thread::sleep(Duration::from_micros(200));
                };
                assert!(livro.pendentes(&s).unwrap().is_empty(), "pendente de outro");
                let r = livro.reservar(pedido(&s, None, "c"), &doc).unwrap();
                livro
                    .registrar(r.id, &Estado::Enviada, &aceita(r.numero))
                    .unwrap();
                numeros.push(r.numero);
            }
            numeros
        })
    };
    let a = trabalhar(caminho.clone(), s.clone());
    let b = trabalhar(caminho.clone(), s.clone());
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    let mut todos: Vec<u64> = a.iter().chain(&b).copied().collect();
    todos.sort_unstable();
    assert_eq!(todos, (1..=2 * n_cada).collect::<Vec<_>>());
    // Turns alternate: neither ledger issued all of its notas before the other began.
    assert!(a.iter().max() > b.iter().min() && b.iter().max() > a.iter().min());
    assert_contiguous(&caminho, 2 * n_cada);
}
