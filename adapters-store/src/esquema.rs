//! Versioned migrations: SQL files in `migrations/`, applied in order in one transaction and
//! tracked with `PRAGMA user_version` (the number of migrations applied).

use rusqlite::{Connection, TransactionBehavior};

use crate::falha::Falha;

/// The migrations, in order; migration `i` (from 0) takes the schema to version `i + 1`.
/// Never edit one that has shipped: add the next file.
const MIGRACOES: &[&str] = &[
    include_str!("../migrations/0001_notas.sql"),
    include_str!("../migrations/0002_pacotes.sql"),
    include_str!("../migrations/0003_bilhetagem.sql"),
    include_str!("../migrations/0004_ecac.sql"),
    include_str!("../migrations/0005_notas_decisao.sql"),
    include_str!("../migrations/0006_pacotes_por_servico.sql"),
    include_str!("../migrations/0007_ecac_pagamentos.sql"),
    include_str!("../migrations/0008_notas_pendentes.sql"),
    include_str!("../migrations/0009_tokens.sql"),
    include_str!("../migrations/0010_idempotencia.sql"),
    include_str!("../migrations/0011_trabalhos.sql"),
    include_str!("../migrations/0012_usuarios.sql"),
    include_str!("../migrations/0013_chamadas_serpro.sql"),
    include_str!("../migrations/0014_retencao.sql"),
    include_str!("../migrations/0015_caixa_postal_leituras.sql"),
];

/// The schema version this code writes and reads (`PRAGMA user_version` once migrated).
pub const VERSAO_ESQUEMA: u32 = MIGRACOES.len() as u32;

/// Brings the database to [`VERSAO_ESQUEMA`]; refuses a database newer than the code.
pub(crate) fn migrar(conexao: &mut Connection) -> Result<(), Falha> {
    aplicar(conexao, MIGRACOES)
}

/// Applies the migrations the database lacks, all or none.
fn aplicar(conexao: &mut Connection, migracoes: &[&str]) -> Result<(), Falha> {
    let tx = conexao.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let banco: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let codigo = i64::try_from(migracoes.len()).unwrap_or(i64::MAX);
    let Some(aplicadas) = usize::try_from(banco).ok().filter(|_| banco <= codigo) else {
        return Err(Falha::Versao { banco, codigo });
    };
    for (i, sql) in migracoes.iter().enumerate().skip(aplicadas) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versao(c: &Connection) -> i64 {
        c.query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn applies_in_order_and_only_once() {
        let mut c = Connection::open_in_memory().unwrap();
        let m = ["CREATE TABLE a (x INTEGER);", "INSERT INTO a VALUES (1);"];
        aplicar(&mut c, &m[..1]).unwrap();
        assert_eq!(versao(&c), 1);
        aplicar(&mut c, &m).unwrap();
        aplicar(&mut c, &m).unwrap();
        assert_eq!(versao(&c), 2);
        let linhas: i64 = c
            .query_row("SELECT count(*) FROM a", [], |r| r.get(0))
            .unwrap();
        assert_eq!(linhas, 1, "the second migration ran once");
    }

    #[test]
    fn a_failing_migration_leaves_the_database_untouched() {
        let mut c = Connection::open_in_memory().unwrap();
        let m = ["CREATE TABLE a (x INTEGER);", "ISTO NÃO É SQL;"];
        assert!(matches!(aplicar(&mut c, &m), Err(Falha::Sql(_))));
        assert_eq!(versao(&c), 0);
        let tabelas: i64 = c
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tabelas, 0, "the first migration was rolled back too");
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut c = Connection::open_in_memory().unwrap();
        let futura = i64::from(VERSAO_ESQUEMA) + 1;
        c.pragma_update(None, "user_version", futura).unwrap();
        assert!(matches!(
            migrar(&mut c),
            Err(Falha::Versao { banco, codigo })
                if banco == futura && codigo == i64::from(VERSAO_ESQUEMA)
        ));
        assert_eq!(versao(&c), futura);
    }
}
