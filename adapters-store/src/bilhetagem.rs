//! The billing meter on SQLite: `bilhetagem` (migration 0003). The ceiling and a row's reading
//! are `guiche_ports::bilhetagem::regras`, shared with the PostgreSQL ledger; the reservation's
//! read and write are one `BEGIN IMMEDIATE` transaction, serialized with every other writer by
//! SQLite's write lock.

use crate::falha::Falha;
use guiche_ports::bilhetagem::{
    Bilhete, ChamadaRegistrada, Consumo, ErroBilhetagem, Janela, regras,
};
use rusqlite::{Connection, params};

/// A count that does not read back.
fn corrompida(motivo: String) -> Falha {
    Falha::Linha { id: 0, motivo }
}

/// Calls of the contratante in the window, all services together.
fn total(c: &Connection, contratante: &str, janela: Janela) -> Result<u64, Falha> {
    let n: i64 = c
        .prepare_cached("SELECT coalesce(sum(chamadas), 0) FROM bilhetagem WHERE contratante = ?1 AND janela = ?2")?
        .query_row(params![contratante, janela.to_string()], |r| r.get(0))?;
    regras::chamadas(n).map_err(corrompida)
}

/// What the reservation decided: the new count, or the ceiling it hit.
pub(crate) enum Reserva {
    /// Counted; the contratante's total in the window.
    Feita(u64),
    /// Not counted: the ceiling is reached.
    Teto(ErroBilhetagem),
}

/// Counts one call unless the ceiling is reached.
pub(crate) fn reservar(c: &Connection, b: Bilhete<'_>) -> Result<Reserva, Falha> {
    let depois = match regras::reservar(&b, total(c, b.contratante, b.janela)?) {
        Ok(n) => n,
        Err(teto) => return Ok(Reserva::Teto(teto)),
    };
    c.prepare_cached(
        "INSERT INTO bilhetagem (contratante, servico, janela, chamadas) VALUES (?1, ?2, ?3, 1) \
         ON CONFLICT (contratante, servico, janela) DO UPDATE SET chamadas = chamadas + 1, atualizado_em = unixepoch()",
    )?
    .execute(params![b.contratante, b.servico, b.janela.to_string()])?;
    Ok(Reserva::Feita(depois))
}

/// Gives back one call (never below zero).
pub(crate) fn devolver(c: &Connection, b: Bilhete<'_>) -> Result<(), Falha> {
    c.prepare_cached(
        "UPDATE bilhetagem SET chamadas = max(chamadas - 1, 0), atualizado_em = unixepoch() \
         WHERE contratante = ?1 AND servico = ?2 AND janela = ?3",
    )?
    .execute(params![b.contratante, b.servico, b.janela.to_string()])?;
    Ok(())
}

/// The counts, filtered.
pub(crate) fn consumo(
    c: &Connection,
    contratante: Option<&str>,
    janela: Option<Janela>,
) -> Result<Vec<Consumo>, Falha> {
    let mut stmt = c.prepare_cached(
        "SELECT contratante, servico, janela, chamadas FROM bilhetagem \
         WHERE (?1 IS NULL OR contratante = ?1) AND (?2 IS NULL OR janela = ?2) AND chamadas > 0 \
         ORDER BY janela, contratante, servico",
    )?;
    let linhas = stmt.query_map(params![contratante, janela.map(|j| j.to_string())], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut v = Vec::new();
    for l in linhas {
        let (contratante, servico, janela, chamadas) = l?;
        v.push(regras::consumo(contratante, servico, &janela, chamadas).map_err(corrompida)?);
    }
    Ok(v)
}

/// Records one request sent.
pub(crate) fn registrar(c: &Connection, ch: &ChamadaRegistrada) -> Result<(), Falha> {
    c.prepare_cached(
        "INSERT INTO chamadas_serpro (instante, contratante, servico, janela, etiqueta, status, bilhetada) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        ch.instante_ms,
        ch.contratante,
        ch.servico,
        ch.janela.to_string(),
        ch.etiqueta,
        ch.status,
        ch.bilhetada,
    ])?;
    Ok(())
}

/// The recorded requests, filtered, in the order they were sent.
pub(crate) fn chamadas(
    c: &Connection,
    contratante: Option<&str>,
    janela: Option<Janela>,
) -> Result<Vec<ChamadaRegistrada>, Falha> {
    let mut stmt = c.prepare_cached(
        "SELECT id, instante, contratante, servico, janela, etiqueta, status, bilhetada \
         FROM chamadas_serpro WHERE (?1 IS NULL OR contratante = ?1) AND (?2 IS NULL OR janela = ?2) \
         ORDER BY instante, id",
    )?;
    let linhas = stmt.query_map(params![contratante, janela.map(|j| j.to_string())], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Option<i64>>(6)?,
            r.get::<_, bool>(7)?,
        ))
    })?;
    let mut v = Vec::new();
    for l in linhas {
        let (id, instante_ms, contratante, servico, janela, etiqueta, status, bilhetada) = l?;
        let (janela, status) =
            regras::chamada(id, &janela, status).map_err(|motivo| Falha::Linha { id, motivo })?;
        v.push(ChamadaRegistrada {
            instante_ms,
            contratante,
            servico,
            janela,
            etiqueta,
            status,
            bilhetada,
        });
    }
    Ok(v)
}
