//! The queries on `pacotes` (CONAM movement packages, keyed by service URL and `idPacote`),
//! each run inside the transaction its caller opened. What a row means and which change it
//! admits are `guiche_ports::contabil::regras`, shared with the PostgreSQL ledger. A row that
//! does not read back is a [`Falha::Linha`] naming its `idPacote`, never a panic.

use guiche_ports::contabil::regras::{self, LinhaPacote};
use guiche_ports::contabil::{RegistroPacote, SituacaoPacote};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::falha::Falha;

/// A corrupt row of `pacotes`.
fn corrompido(id: i64, motivo: impl std::fmt::Display) -> Falha {
    Falha::Linha {
        id,
        motivo: regras::corrompido(id, motivo),
    }
}

/// Hands a package recorded before the ledger kept URLs (`servico` empty, migration 0006) to
/// `servico`, the first service to write to its `idPacote`, unless that service already has
/// its own record of the id.
fn adotar(c: &Connection, servico: &str, id: i64) -> Result<(), Falha> {
    c.prepare_cached(
        "UPDATE pacotes SET servico = ?1 WHERE servico = '' AND id_pacote = ?2 \
         AND NOT EXISTS (SELECT 1 FROM pacotes WHERE servico = ?1 AND id_pacote = ?2)",
    )?
    .execute(params![servico, id])?;
    Ok(())
}

/// The stored situation of package `id` at `servico`: `None` when there is no such package,
/// `Some(None)` while its outcome is unknown.
fn atual(c: &Connection, servico: &str, id: i64) -> Result<Option<Option<SituacaoPacote>>, Falha> {
    c.prepare_cached(
        "SELECT situacao, codigo, mensagem FROM pacotes WHERE servico = ?1 AND id_pacote = ?2",
    )?
    .query_row(params![servico, id], |r| Ok(ler_situacao(id, r, 0)))
    .optional()?
    .transpose()
}

/// The situation from columns `primeira`.. (`situacao`, `codigo`, `mensagem`).
fn ler_situacao(id: i64, row: &Row<'_>, primeira: usize) -> Result<Option<SituacaoPacote>, Falha> {
    let texto = |i: usize| -> Result<Option<String>, Falha> {
        row.get(primeira + i)
            .map_err(|e| corrompido(id, format!("coluna {}: {e}", primeira + i)))
    };
    regras::ler_situacao(texto(0)?.as_deref(), texto(1)?, texto(2)?).map_err(|m| corrompido(id, m))
}

/// Records that `documento` is about to be sent as package `id` to `servico`: a new row, or
/// the earlier one replaced (its situation cleared, one more send counted) unless already
/// evaluated.
pub(crate) fn registrar_envio(
    c: &Connection,
    servico: &str,
    id: i64,
    entidade: &str,
    documento: &str,
) -> Result<(), Falha> {
    adotar(c, servico, id)?;
    if let Some(situacao) = atual(c, servico, id)? {
        regras::envio(id, situacao.as_ref())?;
    }
    c.prepare_cached(
        "INSERT INTO pacotes (servico, id_pacote, entidade, documento) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (servico, id_pacote) DO UPDATE SET entidade = excluded.entidade, \
         documento = excluded.documento, situacao = NULL, codigo = NULL, mensagem = NULL, \
         envios = envios + 1, atualizado_em = unixepoch()",
    )?
    .execute(params![servico, id, entidade, documento])?;
    Ok(())
}

/// Writes `nova` into the row of package `id` at `servico`.
fn gravar(c: &Connection, servico: &str, id: i64, nova: &SituacaoPacote) -> Result<(), Falha> {
    let (situacao, codigo, mensagem) = regras::colunas(nova);
    c.prepare_cached(
        "UPDATE pacotes SET situacao = ?3, codigo = ?4, mensagem = ?5, \
         atualizado_em = unixepoch() WHERE servico = ?1 AND id_pacote = ?2",
    )?
    .execute(params![servico, id, situacao, codigo, mensagem])?;
    Ok(())
}

/// Records the situation of package `id` at `servico`, learned from a send
/// ([`regras::atualizacao`]).
pub(crate) fn atualizar(
    c: &Connection,
    servico: &str,
    id: i64,
    nova: &SituacaoPacote,
) -> Result<(), Falha> {
    adotar(c, servico, id)?;
    if regras::atualizacao(id, atual(c, servico, id)?, nova)? {
        gravar(c, servico, id, nova)?;
    }
    Ok(())
}

/// Records what the service's status query says of package `id` at `servico`
/// ([`regras::conciliacao`]); returns what the row held.
pub(crate) fn conciliar(
    c: &Connection,
    servico: &str,
    id: i64,
    nova: &SituacaoPacote,
) -> Result<Option<SituacaoPacote>, Falha> {
    adotar(c, servico, id)?;
    let conciliacao = regras::conciliacao(id, atual(c, servico, id)?, nova)?;
    if conciliacao.gravar {
        gravar(c, servico, id, nova)?;
    }
    Ok(conciliacao.antes)
}

/// Package `id`'s record at `servico`, or else the record of that id kept from before the
/// ledger knew URLs, if any.
pub(crate) fn pacote(
    c: &Connection,
    servico: &str,
    id: i64,
) -> Result<Option<RegistroPacote>, Falha> {
    c.prepare_cached(
        "SELECT servico, entidade, documento, situacao, codigo, mensagem FROM pacotes \
         WHERE id_pacote = ?2 AND servico IN (?1, '') ORDER BY servico = '' LIMIT 1",
    )?
    .query_row(params![servico, id], |r| Ok(registro(id, r)))
    .optional()?
    .transpose()
}

/// Reads a row selected by [`pacote`].
fn registro(id: i64, row: &Row<'_>) -> Result<RegistroPacote, Falha> {
    let celula = |e: rusqlite::Error| corrompido(id, e);
    let linha = LinhaPacote {
        servico: row.get(0).map_err(celula)?,
        entidade: row.get(1).map_err(celula)?,
        documento: row.get(2).map_err(celula)?,
        situacao: row.get(3).map_err(celula)?,
        codigo: row.get(4).map_err(celula)?,
        mensagem: row.get(5).map_err(celula)?,
    };
    regras::registro(id, linha).map_err(|motivo| Falha::Linha { id, motivo })
}
