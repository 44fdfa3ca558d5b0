//! The idempotency keys on SQLite: `idempotencia` (migration 0010). A key is reserved in the
//! same transaction that reads it (`BEGIN IMMEDIATE`: SQLite's write lock), so two requests
//! with one key never both run; what a row means is `guiche_ports::idempotencia::regras`,
//! shared with the PostgreSQL ledger.

use crate::falha::Falha;
use guiche_ports::idempotencia::regras::{self, Decisao, LinhaChave};
use guiche_ports::idempotencia::{Reserva, RespostaGuardada};
use rusqlite::{Connection, OptionalExtension, params};
use std::time::Duration;

/// Reserves the key, takes over an abandoned one, or says what holds it.
pub(crate) fn reservar(
    c: &Connection,
    escopo: i64,
    chave: &str,
    impressao: &str,
    abandono: Duration,
) -> Result<Reserva, Falha> {
    let linha: Option<LinhaChave> = c
        .prepare_cached(
            "SELECT impressao, estado, status, tipo, corpo, unixepoch() - atualizado_em \
             FROM idempotencia WHERE escopo = ?1 AND chave = ?2",
        )?
        .query_row(params![escopo, chave], |r| {
            Ok(LinhaChave {
                impressao: r.get(0)?,
                estado: r.get(1)?,
                status: r.get(2)?,
                tipo: r.get(3)?,
                corpo: r.get(4)?,
                idade: r.get(5)?,
            })
        })
        .optional()?;
    let Some(linha) = linha else {
        c.prepare_cached(
            "INSERT INTO idempotencia (escopo, chave, impressao, estado) \
             VALUES (?1, ?2, ?3, 'andamento')",
        )?
        .execute(params![escopo, chave, impressao])?;
        return Ok(Reserva::Nova);
    };
    match regras::decidir(chave, linha, abandono)
        .map_err(|motivo| Falha::Linha { id: 0, motivo })?
    {
        Decisao::Responder(reserva) => Ok(reserva),
        Decisao::Retomar => {
            c.prepare_cached(
                "UPDATE idempotencia SET impressao = ?3, atualizado_em = unixepoch() \
                 WHERE escopo = ?1 AND chave = ?2",
            )?
            .execute(params![escopo, chave, impressao])?;
            Ok(Reserva::Nova)
        }
    }
}

/// Keeps the answer of the request holding the key.
pub(crate) fn concluir(
    c: &Connection,
    escopo: i64,
    chave: &str,
    impressao: &str,
    r: &RespostaGuardada,
) -> Result<(), Falha> {
    c.prepare_cached(
        "UPDATE idempotencia SET estado = 'concluida', status = ?4, tipo = ?5, corpo = ?6, \
         atualizado_em = unixepoch() \
         WHERE escopo = ?1 AND chave = ?2 AND impressao = ?3 AND estado = 'andamento'",
    )?
    .execute(params![escopo, chave, impressao, r.status, r.tipo, r.corpo])?;
    Ok(())
}

/// Frees a key still in progress with this fingerprint.
pub(crate) fn liberar(
    c: &Connection,
    escopo: i64,
    chave: &str,
    impressao: &str,
) -> Result<(), Falha> {
    c.prepare_cached(
        "DELETE FROM idempotencia \
         WHERE escopo = ?1 AND chave = ?2 AND impressao = ?3 AND estado = 'andamento'",
    )?
    .execute(params![escopo, chave, impressao])?;
    Ok(())
}
