//! The e-CAC ledger on SQLite, what only SQLite has: money as INTEGER centavos in the file,
//! corrupt cells and schema constraints, a ledger from before migration 0007, a company's turn
//! on a ledger in memory and held by a killed process. The engine-agnostic contract (companies,
//! guides, payments, occurrences, settlement, turns and several processes at once) is
//! `guiche_livro_contrato::ecac`, run by `contrato.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::comum::arquivo;
use std::path::Path;

use guiche_domain::guia::Guia;
use guiche_domain::{Cnpj, Data, Valor};
use guiche_livro_contrato::ecac::{self as contrato, CNPJ, guia, motivo};
use guiche_ports::ecac::{LivroEcac, OrigemGuia};
use guiche_store::Livro;
use rusqlite::Connection;

fn data(ano: u16, mes: u8, dia: u8) -> Data {
    Data::new(ano, mes, dia).unwrap()
}

fn cnpj(texto: &str) -> Cnpj {
    Cnpj::parse(texto).unwrap()
}

#[test]
fn money_is_stored_as_exact_centavos() {
    let caminho = arquivo("centavos");
    let livro = Livro::abrir(&caminho).unwrap();
    let g = Guia {
        valor: Valor::parse_nfd("123456789012345,67").unwrap(),
        codigo_barras: None,
        ..guia()
    };
    livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap();
    let bruto: i64 = Connection::open(&caminho)
        .unwrap()
        .query_row("SELECT valor FROM guias", [], |r| r.get(0))
        .unwrap();
    assert_eq!(bruto, 12_345_678_901_234_567);
    assert_eq!(livro.guias(None).unwrap()[0].guia.valor, g.valor);
}

// ---------------------------------------------------------------------------------------------
// What only SQLite has: the file, its cells and constraints, old schemas
// ---------------------------------------------------------------------------------------------

#[test]
fn a_corrupt_cell_is_reported_by_table_column_and_value() {
    let caminho = arquivo("corrompido");
    let livro = Livro::abrir(&caminho).unwrap();
    contrato::gravar_um_de_cada(&livro);
    let c = Connection::open(&caminho).unwrap();
    c.pragma_update(None, "ignore_check_constraints", true)
        .unwrap();
    for (tabela, coluna, valor) in contrato::CELULAS_CORROMPIDAS {
        c.execute(&format!("UPDATE {tabela} SET {coluna} = ?1"), [valor])
            .unwrap();
    }
    contrato::conferir_celulas_corrompidas(&livro);
}

#[test]
fn a_stored_value_of_the_wrong_kind_is_reported_not_panicked() {
    let caminho = arquivo("tipos");
    let livro = Livro::abrir(&caminho).unwrap();
    livro.registrar_guia(&guia(), OrigemGuia::Serpro).unwrap();
    let c = Connection::open(&caminho).unwrap();
    c.pragma_update(None, "ignore_check_constraints", true)
        .unwrap();
    c.execute_batch("UPDATE guias SET baixada_em = '16/07/2026', tipo = 'GPS'")
        .unwrap();
    let m = motivo(livro.guias(None).unwrap_err());
    assert!(m.contains("coluna tipo") && m.contains("'GPS'"), "{m}");
    c.execute_batch("UPDATE guias SET tipo = 'DAS'").unwrap();
    let m = motivo(livro.guias(None).unwrap_err());
    assert!(
        m.contains("coluna baixada_em") && m.contains("'16/07/2026'"),
        "{m}"
    );
}

#[test]
fn the_schema_refuses_what_the_port_cannot_express() {
    let caminho = arquivo("restricoes");
    contrato::gravar_um_de_cada(&Livro::abrir(&caminho).unwrap());
    let c = Connection::open(&caminho).unwrap();
    for sql in [
        "UPDATE empresas SET acesso = 'a2'",
        "UPDATE empresas SET certificado_procurador = 2",
        "UPDATE empresas SET sincronizado_ate = '31/07/2026'",
        "UPDATE guias SET numero = '0720261459307993'",
        "UPDATE guias SET numero = '0720261459307993X'",
        "UPDATE guias SET tipo = 'GPS'",
        "UPDATE guias SET origem = 'manual'",
        "UPDATE guias SET valor = 12.5",
        "UPDATE guias SET valor = '12,50'",
        "UPDATE guias SET codigo_receita = '17'",
        "UPDATE guias SET periodo = '2026-06'",
        "UPDATE guias SET codigo_barras = '123'",
        "UPDATE pagamentos SET valor = NULL",
        "INSERT INTO pagamentos (contribuinte, numero, data_arrecadacao, valor) \
         SELECT contribuinte, numero, data_arrecadacao, valor FROM pagamentos",
        "UPDATE ocorrencias SET paga = 2",
        "UPDATE ocorrencias SET chave = ''",
        "UPDATE ocorrencias SET registrada_em = NULL",
        "UPDATE ocorrencias SET dias_atraso = 'dois'",
    ] {
        assert!(c.execute_batch(sql).is_err(), "{sql}");
    }
}

/// A ledger written before migration 0007 (version 4): its payments keep their rows and are
/// recognised when fetched again; a guide the old code settled on a partial payment is open
/// again, one paid in full stays settled.
#[test]
fn a_ledger_from_before_0007_is_migrated_and_a_partial_settlement_undone() {
    let caminho = arquivo("versao-4");
    {
        let c = Connection::open(&caminho).unwrap();
        for sql in [
            include_str!("../../migrations/0001_notas.sql"),
            include_str!("../../migrations/0002_pacotes.sql"),
            include_str!("../../migrations/0003_bilhetagem.sql"),
            include_str!("../../migrations/0004_ecac.sql"),
        ] {
            c.execute_batch(sql).unwrap();
        }
        c.pragma_update(None, "user_version", 4).unwrap();
        c.execute_batch(
            "INSERT INTO guias (numero, tipo, contribuinte, periodo, vencimento, valor, origem, \
             baixada_em) VALUES \
             ('07202600000000001', 'DAS', '11222333000181', '202609', '2026-10-20', 1000000, \
              'serpro', '2026-10-25'), \
             ('07202600000000002', 'DAS', '11222333000181', '202609', '2026-10-20', 5000, \
              'serpro', '2026-10-25'); \
             INSERT INTO pagamentos (contribuinte, numero, data_arrecadacao, valor) VALUES \
             ('11222333000181', '07202600000000001', '2026-10-20', 1000), \
             ('11222333000181', '07202600000000002', '2026-10-19', 2000), \
             ('11222333000181', '07202600000000002', '2026-10-20', 3000);",
        )
        .unwrap();
    }
    let livro = Livro::abrir(&caminho).unwrap();
    let guias = livro.guias(None).unwrap();
    assert_eq!(guias[0].baixada_em, None, "R$ 10 não quita R$ 10.000");
    assert_eq!(guias[1].baixada_em, Some(data(2026, 10, 25)));
    let antes = livro.pagamentos(None).unwrap();
    assert_eq!(antes.len(), 3);
    assert_eq!(antes[0].valor_total, Valor::from_centavos(1000));
    assert_eq!(livro.registrar_pagamentos(&antes).unwrap(), 0);
    assert_eq!(
        livro
            .registrar_pagamentos(&[antes[0].clone(), antes[0].clone()])
            .unwrap(),
        1,
        "the second identical payment of a fetch is new"
    );
}

// ---------------------------------------------------------------------------------------------
// One sync of a company at a time, across processes
// ---------------------------------------------------------------------------------------------

/// A ledger in memory, for a contract case that needs no second handle (its turns are the
/// process's own, not files').
struct EmMemoria;

impl guiche_livro_contrato::Motor for EmMemoria {
    fn novo(&self) -> Option<guiche_livro_contrato::Aberto> {
        Some(guiche_livro_contrato::Aberto {
            livro: std::sync::Arc::new(Livro::em_memoria().unwrap()),
            reabrir: Box::new(|| panic!("um livro em memória não se reabre")),
        })
    }
}

#[test]
fn a_company_s_turn_is_one_at_a_time_in_memory_and_others_are_free() {
    contrato::vez_da_empresa_uma_de_cada_vez(&EmMemoria);
}

/// The variable that makes [`holds_a_company_s_turn_for_another_process`] the child process.
const FILHO: &str = "GUICHE_TESTE_VEZ_ECAC";

/// The child process of [`another_process_holding_the_turn_is_seen_and_a_killed_one_releases_it`]:
/// takes the turn on the ledger file named by [`FILHO`], says so, and holds it until killed.
#[test]
fn holds_a_company_s_turn_for_another_process() {
    let Ok(caminho) = std::env::var(FILHO) else {
        return; // run by the parent only
    };
    let livro = Livro::abrir(Path::new(&caminho)).unwrap();
    let _vez = livro.vez_da_empresa(&cnpj(CNPJ)).unwrap().expect("livre");
    println!("vez tomada");
    std::thread::sleep(std::time::Duration::from_secs(60));
}

#[cfg(unix)]
#[test]
fn another_process_holding_the_turn_is_seen_and_a_killed_one_releases_it() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let caminho = arquivo("vez-outro-processo");
    let livro = Livro::abrir(&caminho).unwrap();
    let mut filho = Command::new(std::env::current_exe().unwrap())
        .arg(crate::comum::nome_do_teste(
            module_path!(),
            "holds_a_company_s_turn_for_another_process",
        ))
        .args(["--exact", "--nocapture", "--test-threads=1"])
        .env(FILHO, &caminho)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut linhas = BufReader::new(filho.stdout.take().unwrap()).lines();
    assert!(
        linhas.any(|l| l.is_ok_and(|l| l.contains("vez tomada"))),
        "o outro processo tomou a vez"
    );
    assert!(
        livro.vez_da_empresa(&cnpj(CNPJ)).unwrap().is_none(),
        "em sincronização por outro processo"
    );
    filho.kill().unwrap(); // SIGKILL: no destructor runs
    filho.wait().unwrap();
    assert!(
        livro.vez_da_empresa(&cnpj(CNPJ)).unwrap().is_some(),
        "o sistema devolve a vez do processo morto"
    );
}
