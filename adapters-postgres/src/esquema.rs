//! Versioned migrations: SQL files in `migrations/`, applied in order in one transaction under
//! an advisory lock (several processes may start at once), tracked in `guiche_esquema`.
//!
//! A PostgreSQL ledger starts at version 10 (`0010_esquema.sql`: what SQLite's ten migrations
//! made); from 11 on each migration has one file per engine with the same number, so that one
//! number says what a ledger holds whatever its engine.

use deadpool_postgres::Client;

use crate::falha::Falha;

/// The migrations: (the version a file takes the schema to, its SQL), in order. Never edit one
/// that has shipped: add the next file.
const MIGRACOES: &[(i64, &str)] = &[
    (10, include_str!("../migrations/0010_esquema.sql")),
    (11, include_str!("../migrations/0011_trabalhos.sql")),
    (12, include_str!("../migrations/0012_usuarios.sql")),
    (13, include_str!("../migrations/0013_chamadas_serpro.sql")),
    (14, include_str!("../migrations/0014_retencao.sql")),
    (
        15,
        include_str!("../migrations/0015_caixa_postal_leituras.sql"),
    ),
];

/// The schema version this code writes and reads; the same number as
/// `guiche_store::VERSAO_ESQUEMA` (a test holds them together).
pub const VERSAO_ESQUEMA: u32 = 15;

/// Serializes the migrations of every process on the database (`pg_advisory_xact_lock`).
const TRAVA_ESQUEMA: &str = "guiche:esquema";

/// Brings the database to [`VERSAO_ESQUEMA`]; refuses a database newer than the code.
pub(crate) async fn migrar(cliente: &mut Client) -> Result<(), Falha> {
    aplicar(cliente, MIGRACOES).await
}

async fn aplicar(cliente: &mut Client, migracoes: &[(i64, &str)]) -> Result<(), Falha> {
    let tx = cliente.transaction().await?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        &[&TRAVA_ESQUEMA],
    )
    .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS guiche_esquema (
             unica  boolean PRIMARY KEY DEFAULT true CHECK (unica),
             versao bigint  NOT NULL CHECK (versao >= 0)
         );
         INSERT INTO guiche_esquema (versao) VALUES (0) ON CONFLICT DO NOTHING;",
    )
    .await?;
    let banco: i64 = tx
        .query_one("SELECT versao FROM guiche_esquema", &[])
        .await?
        .get(0);
    let codigo = migracoes.last().map_or(0, |(v, _)| *v);
    if banco > codigo {
        return Err(Falha::Versao { banco, codigo });
    }
    for (versao, sql) in migracoes.iter().filter(|(v, _)| *v > banco) {
        tx.batch_execute(sql).await?;
        tx.execute("UPDATE guiche_esquema SET versao = $1", &[versao])
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The numbers of the migration files in `pasta`.
    fn numeros(pasta: &str) -> Vec<u32> {
        let raiz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(pasta);
        let mut v: Vec<u32> = std::fs::read_dir(&raiz)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.get(..4)?.parse().ok())
            .collect();
        v.sort_unstable();
        v
    }

    /// Both engines are at the same schema version, and from 0011 on every migration has a
    /// file for each engine with the same number.
    #[test]
    fn both_engines_share_one_version_number() {
        let sqlite = numeros("../adapters-store/migrations");
        let postgres = numeros("migrations");
        assert_eq!(sqlite.last().copied(), Some(VERSAO_ESQUEMA));
        assert_eq!(postgres.last().copied(), Some(VERSAO_ESQUEMA));
        let depois: Vec<u32> = sqlite.into_iter().filter(|n| *n > 10).collect();
        let pg_depois: Vec<u32> = postgres.into_iter().filter(|n| *n > 10).collect();
        assert_eq!(depois, pg_depois);
    }

    #[test]
    fn the_migrations_end_at_the_version_the_code_names() {
        assert_eq!(
            MIGRACOES.last().map(|(v, _)| *v),
            Some(i64::from(VERSAO_ESQUEMA))
        );
        assert!(MIGRACOES.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
