//! The idempotency keys on SQLite: `idempotencia` (migration 0010). A key is reserved in the
//! same transaction that reads it, so two requests with one key never both run.

use crate::falha::Falha;
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
    type Linha = (
        String,
        String,
        Option<i64>,
        Option<String>,
        Option<Vec<u8>>,
        i64,
    );
    let linha: Option<Linha> = c
        .prepare_cached(
            "SELECT impressao, estado, status, tipo, corpo, unixepoch() - atualizado_em \
             FROM idempotencia WHERE escopo = ?1 AND chave = ?2",
        )?
        .query_row(params![escopo, chave], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .optional()?;
    let abandono = i64::try_from(abandono.as_secs()).unwrap_or(i64::MAX);
    match linha {
        Some((anterior, estado, Some(status), Some(tipo), Some(corpo), _))
            if estado == "concluida" =>
        {
            let status = u16::try_from(status).map_err(|_| Falha::Linha {
                id: 0,
                motivo: format!("idempotencia {chave}: status {status}"),
            })?;
            Ok(Reserva::Concluida {
                impressao: anterior,
                resposta: RespostaGuardada {
                    status,
                    tipo,
                    corpo,
                },
            })
        }
        Some((anterior, estado, ..)) if estado != "andamento" => Err(Falha::Linha {
            id: 0,
            motivo: format!("idempotencia {chave}: estado \"{estado}\" ({anterior})"),
        }),
        Some((anterior, _, _, _, _, idade)) if idade <= abandono => Ok(Reserva::EmAndamento {
            impressao: anterior,
        }),
        Some(_) => {
            c.prepare_cached(
                "UPDATE idempotencia SET impressao = ?3, atualizado_em = unixepoch() \
                 WHERE escopo = ?1 AND chave = ?2",
            )?
            .execute(params![escopo, chave, impressao])?;
            Ok(Reserva::Nova)
        }
        None => {
            c.prepare_cached(
                "INSERT INTO idempotencia (escopo, chave, impressao, estado) \
                 VALUES (?1, ?2, ?3, 'andamento')",
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
