//! The API tokens on SQLite: `tokens` (migration 0009). Only the SHA-256 of a secret is
//! stored; a row whose role does not read back (`guiche_ports::acesso::regras`) is a
//! [`Falha::Linha`], never a panic.

use crate::falha::Falha;
use guiche_ports::acesso::regras::{self, LinhaToken};
use guiche_ports::acesso::{Papel, RegistroToken};
use guiche_ports::livro::ErroLivro;
use rusqlite::{Connection, OptionalExtension, Row, params};

const COLUNAS: &str = "id, nome, papel, criado_em, revogado_em";

fn registro(r: &Row<'_>) -> rusqlite::Result<LinhaToken> {
    Ok(LinhaToken {
        id: r.get(0)?,
        nome: r.get(1)?,
        papel: r.get(2)?,
        criado_em: r.get(3)?,
        revogado_em: r.get(4)?,
    })
}

/// A row read back ([`regras::registro`]).
fn validar(linha: LinhaToken) -> Result<RegistroToken, Falha> {
    let id = linha.id;
    regras::registro(linha).map_err(|motivo| Falha::Linha { id, motivo })
}

/// Records a token by its hash.
pub(crate) fn criar(
    c: &Connection,
    nome: &str,
    papel: Papel,
    hash: &str,
) -> Result<RegistroToken, Falha> {
    let linha = c
        .prepare_cached(&format!(
            "INSERT INTO tokens (nome, papel, hash) VALUES (?1, ?2, ?3) RETURNING {COLUNAS}"
        ))?
        .query_row(params![nome, papel.nome(), hash], registro)?;
    validar(linha)
}

/// The token with this hash.
pub(crate) fn por_hash(c: &Connection, hash: &str) -> Result<Option<RegistroToken>, Falha> {
    c.prepare_cached(&format!("SELECT {COLUNAS} FROM tokens WHERE hash = ?1"))?
        .query_row(params![hash], registro)
        .optional()?
        .map(validar)
        .transpose()
}

/// Every token, by id.
pub(crate) fn todos(c: &Connection) -> Result<Vec<RegistroToken>, Falha> {
    let mut stmt = c.prepare_cached(&format!("SELECT {COLUNAS} FROM tokens ORDER BY id"))?;
    let linhas = stmt.query_map([], registro)?;
    let mut v = Vec::new();
    for l in linhas {
        v.push(validar(l?)?);
    }
    Ok(v)
}

/// Revokes (once) and returns the token.
pub(crate) fn revogar(c: &Connection, id: i64) -> Result<RegistroToken, Falha> {
    c.prepare_cached(
        "UPDATE tokens SET revogado_em = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') \
         WHERE id = ?1 AND revogado_em IS NULL",
    )?
    .execute(params![id])?;
    c.prepare_cached(&format!("SELECT {COLUNAS} FROM tokens WHERE id = ?1"))?
        .query_row(params![id], registro)
        .optional()?
        .map(validar)
        .transpose()?
        .ok_or(Falha::Regra(ErroLivro::NaoEncontrado(id)))
}
