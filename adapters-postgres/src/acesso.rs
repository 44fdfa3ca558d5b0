//! [`LivroAcesso`] on PostgreSQL: `tokens`, only the SHA-256 of each secret. A row reads back
//! through `guiche_ports::acesso::regras`, shared with the SQLite ledger.
//!
//! Each method is one statement: the unique index on `hash` lets one of several processes
//! creating a token with the same hash win (the others fail and write nothing), and a
//! revocation is one `UPDATE … SET revogado_em = coalesce(revogado_em, …)`: of several at once,
//! the later ones wait for the first's row lock and then keep its instant (revoked once).

use guiche_ports::acesso::regras::{self, LinhaToken};
use guiche_ports::acesso::{LivroAcesso, Papel, RegistroToken};
use guiche_ports::livro::ErroLivro;
use tokio_postgres::Row;

use crate::Livro;
use crate::falha::Falha;

/// The columns [`validar`] reads, in order.
const COLUNAS: &str = "id, nome, papel, criado_em, revogado_em";

/// A row selected with [`COLUNAS`], read back.
fn validar(r: &Row) -> Result<RegistroToken, Falha> {
    let id: i64 = r.try_get(0)?;
    let linha = LinhaToken {
        id,
        nome: r.try_get(1)?,
        papel: r.try_get(2)?,
        criado_em: r.try_get(3)?,
        revogado_em: r.try_get(4)?,
    };
    regras::registro(linha).map_err(|motivo| Falha::Linha { id, motivo })
}

impl LivroAcesso for Livro {
    fn criar_token(
        &self,
        nome: &str,
        papel: Papel,
        hash: &str,
    ) -> Result<RegistroToken, ErroLivro> {
        self.escrever(async |tx| {
            let sql = tx
                .prepare_cached(&format!(
                    "INSERT INTO tokens (nome, papel, hash) VALUES ($1, $2, $3) RETURNING {COLUNAS}"
                ))
                .await?;
            validar(&tx.query_one(&sql, &[&nome, &papel.nome(), &hash]).await?)
        })
    }

    fn token_por_hash(&self, hash: &str) -> Result<Option<RegistroToken>, ErroLivro> {
        self.ler(async |tx| {
            let sql = tx
                .prepare_cached(&format!("SELECT {COLUNAS} FROM tokens WHERE hash = $1"))
                .await?;
            tx.query_opt(&sql, &[&hash])
                .await?
                .as_ref()
                .map(validar)
                .transpose()
        })
    }

    fn tokens(&self) -> Result<Vec<RegistroToken>, ErroLivro> {
        self.ler(async |tx| {
            let sql = tx
                .prepare_cached(&format!("SELECT {COLUNAS} FROM tokens ORDER BY id"))
                .await?;
            tx.query(&sql, &[]).await?.iter().map(validar).collect()
        })
    }

    fn revogar_token(&self, id: i64) -> Result<RegistroToken, ErroLivro> {
        self.escrever(async |tx| {
            let sql = tx
                .prepare_cached(&format!(
                    "UPDATE tokens SET revogado_em = coalesce(revogado_em, \
                     to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) \
                     WHERE id = $1 RETURNING {COLUNAS}"
                ))
                .await?;
            tx.query_opt(&sql, &[&id])
                .await?
                .as_ref()
                .map(validar)
                .transpose()?
                .ok_or(Falha::Regra(ErroLivro::NaoEncontrado(id)))
        })
    }
}
