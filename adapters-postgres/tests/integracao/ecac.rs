//! The e-CAC ledger on PostgreSQL, what only PostgreSQL has: money as bigint centavos in the
//! database, cells that do not read back (corrupted by hand, or a column of another type)
//! named by table, column and value, the schema's constraints, and a company's turn released
//! by the server when the process holding it is killed. The engine-agnostic contract is
//! `guiche_livro_contrato::ecac`, run by `contrato.rs`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::comum::sql;
use guiche_domain::guia::{Guia, NumeroDocumento};
use guiche_domain::{Cnpj, Valor};
use guiche_livro_contrato::ecac::{self as contrato, CNPJ, guia, motivo};
use guiche_ports::ecac::{LivroEcac, OrigemGuia};
use guiche_postgres::{Livro, Opcoes, teste};

/// A ledger with one of everything ([`contrato::gravar_um_de_cada`]), its guide worth
/// R$ 123.456.789.012.345,67, and its URL; `None` without PostgreSQL here.
fn livro_com_tudo(nome: &str) -> Option<(Livro, String)> {
    let url = teste::banco_novo_ou_pular(nome)?;
    let livro = Livro::abrir(&url, &Opcoes::default()).unwrap();
    contrato::gravar_um_de_cada(&livro);
    livro
        .registrar_guia(&guia_grande(), OrigemGuia::Serpro)
        .unwrap();
    Some((livro, url))
}

fn guia_grande() -> Guia {
    Guia {
        numero: NumeroDocumento::from_u64(1).unwrap(),
        valor: Valor::parse_nfd("123456789012345,67").unwrap(),
        ..guia()
    }
}

/// The first cell of the first row `consulta` returns.
fn valor(url: &str, consulta: &str) -> Option<String> {
    sql(url, consulta)
        .unwrap()
        .into_iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
            _ => None,
        })
}

#[test]
fn money_is_stored_as_exact_bigint_centavos() {
    let Some((livro, url)) = livro_com_tudo("centavos") else {
        return;
    };
    assert_eq!(
        valor(
            &url,
            "SELECT valor FROM guias WHERE numero = '00000000000000001'"
        )
        .as_deref(),
        Some("12345678901234567")
    );
    assert_eq!(
        valor(&url, "SELECT pg_typeof(valor)::text FROM guias").as_deref(),
        Some("bigint")
    );
    assert_eq!(livro.guias(None).unwrap()[1].guia, guia_grande());
    assert_eq!(
        valor(&url, "SELECT pg_typeof(paga)::text FROM ocorrencias").as_deref(),
        Some("boolean"),
        "flags are boolean"
    );
}

#[test]
fn a_corrupt_cell_is_reported_by_table_column_and_value() {
    let Some((livro, url)) = livro_com_tudo("corrompido") else {
        return;
    };
    // Each passes the schema's checks but not the domain's.
    for (tabela, coluna, valor) in contrato::CELULAS_CORROMPIDAS {
        sql(&url, &format!("UPDATE {tabela} SET {coluna} = '{valor}'")).unwrap();
    }
    contrato::conferir_celulas_corrompidas(&livro);
    assert_eq!(
        valor(&url, "SELECT count(*) FROM ocorrencias").as_deref(),
        Some("1"),
        "nothing was appended"
    );
    assert_eq!(
        valor(&url, "SELECT count(*) FROM guias WHERE baixada_em IS NULL").as_deref(),
        Some("2"),
        "nothing was settled"
    );
}

#[test]
fn a_stored_value_of_another_kind_is_reported_not_panicked() {
    let Some((livro, url)) = livro_com_tudo("tipos") else {
        return;
    };
    sql(
        &url,
        "ALTER TABLE guias DROP CONSTRAINT guias_tipo_check;
         ALTER TABLE guias DROP CONSTRAINT guias_baixada_em_check;
         UPDATE guias SET baixada_em = '16/07/2026', tipo = 'GPS'",
    )
    .unwrap();
    let m = motivo(livro.guias(None).unwrap_err());
    assert!(m.contains("coluna tipo") && m.contains("'GPS'"), "{m}");
    sql(&url, "UPDATE guias SET tipo = 'DAS'").unwrap();
    let m = motivo(livro.guias(None).unwrap_err());
    assert!(
        m.contains("coluna baixada_em") && m.contains("'16/07/2026'"),
        "{m}"
    );
    sql(
        &url,
        "UPDATE guias SET baixada_em = NULL;
         ALTER TABLE guias ALTER COLUMN valor TYPE numeric",
    )
    .unwrap();
    // A new handle: the old one's prepared statements were planned for the old type.
    let livro = Livro::abrir(&url, &Opcoes::default()).unwrap();
    let m = motivo(livro.guias(None).unwrap_err());
    assert!(
        m.contains("coluna valor") && m.contains("numeric") && m.contains("esperava um inteiro"),
        "{m}"
    );
}

#[test]
fn the_schema_refuses_what_the_port_cannot_express() {
    let Some((_livro, url)) = livro_com_tudo("restricoes") else {
        return;
    };
    for comando in [
        "UPDATE empresas SET acesso = 'a2'",
        "UPDATE empresas SET certificado_procurador = NULL",
        "UPDATE empresas SET sincronizado_ate = '31/07/2026'",
        "UPDATE empresas SET cnpj = '1122233300018'",
        "UPDATE guias SET numero = '0720261459307993'",
        "UPDATE guias SET numero = '0720261459307993X'",
        "UPDATE guias SET tipo = 'GPS'",
        "UPDATE guias SET origem = 'manual'",
        "UPDATE guias SET valor = '12,50'",
        "UPDATE guias SET codigo_receita = '17'",
        "UPDATE guias SET periodo = '2026-06'",
        "UPDATE guias SET codigo_barras = '123'",
        "UPDATE pagamentos SET valor = NULL",
        "UPDATE pagamentos SET ordinal = 0",
        "INSERT INTO pagamentos (contribuinte, numero, data_arrecadacao, valor, ordinal) \
         SELECT contribuinte, numero, data_arrecadacao, valor, ordinal FROM pagamentos",
        "UPDATE ocorrencias SET paga = 2",
        "UPDATE ocorrencias SET chave = ''",
        "UPDATE ocorrencias SET registrada_em = NULL",
        "UPDATE ocorrencias SET dias_atraso = 'dois'",
    ] {
        assert!(sql(&url, comando).is_err(), "{comando}");
    }
}

/// The variable that makes [`holds_a_company_s_turn_for_another_process`] the child process.
const FILHO: &str = "GUICHE_TESTE_VEZ_ECAC_PG";

/// The child process of [`a_killed_process_s_turn_is_released_by_the_server`]: takes the turn
/// on the ledger at the URL [`FILHO`] names, says so, and holds it until killed.
#[test]
fn holds_a_company_s_turn_for_another_process() {
    let Ok(url) = std::env::var(FILHO) else {
        return; // run by the parent only
    };
    let livro = Livro::abrir(&url, &Opcoes::default()).unwrap();
    let _vez = livro
        .vez_da_empresa(&Cnpj::parse(CNPJ).unwrap())
        .unwrap()
        .expect("livre");
    println!("vez tomada");
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn a_killed_process_s_turn_is_released_by_the_server() {
    let Some(url) = teste::banco_novo_ou_pular("vez de processo morto") else {
        return;
    };
    let livro = Livro::abrir(&url, &Opcoes::default()).unwrap();
    let cnpj = Cnpj::parse(CNPJ).unwrap();
    let mut filho = Command::new(std::env::current_exe().unwrap())
        .arg("ecac::holds_a_company_s_turn_for_another_process")
        .args(["--exact", "--nocapture", "--test-threads=1"])
        .env(FILHO, &url)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut linhas = BufReader::new(filho.stdout.take().unwrap()).lines();
    assert!(
        linhas.any(|l| l.is_ok_and(|l| l.contains("vez tomada"))),
        "o outro processo tomou a vez"
    );
    assert!(
        livro.vez_da_empresa(&cnpj).unwrap().is_none(),
        "em sincronização por outro processo"
    );
    filho.kill().unwrap(); // SIGKILL: no destructor runs
    filho.wait().unwrap();
    // The server ends the session when it sees the socket closed: soon, not necessarily now.
    let prazo = Instant::now() + Duration::from_secs(20);
    loop {
        if livro.vez_da_empresa(&cnpj).unwrap().is_some() {
            break;
        }
        assert!(
            Instant::now() < prazo,
            "o servidor devolve a vez do processo morto"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
