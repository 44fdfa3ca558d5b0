//! The queries on `pacotes` (CONAM movement packages, keyed by service URL and `idPacote`),
//! each run inside the transaction its caller opened, and a row to and from the port's types.
//! A row that does not read back is a [`Falha::Linha`] naming its `idPacote`, never a panic.

use guiche_ports::contabil::{RegistroPacote, SituacaoPacote};
use guiche_ports::livro::ErroLivro;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::falha::Falha;

/// The name [`ErroLivro::JaResolvida`] gives a send.
const ENVIO: &str = "enviada";

/// The stored name of a situation: `aguardando`, `aprovado`, `rejeitado`.
fn nome(situacao: &SituacaoPacote) -> &'static str {
    match situacao {
        SituacaoPacote::Aguardando => "aguardando",
        SituacaoPacote::Aprovado => "aprovado",
        SituacaoPacote::Rejeitado { .. } => "rejeitado",
    }
}

/// A corrupt row of `pacotes`.
fn corrompido(id: i64, motivo: impl std::fmt::Display) -> Falha {
    Falha::Linha {
        id,
        motivo: format!("pacote {id}: {motivo}"),
    }
}

/// The situation from its columns (`situacao`, `codigo`, `mensagem`); `None` while unknown.
fn situacao(
    nome: Option<String>,
    codigo: Option<String>,
    mensagem: Option<String>,
) -> Result<Option<SituacaoPacote>, String> {
    Ok(Some(match nome.as_deref() {
        None => return Ok(None),
        Some("aguardando") => SituacaoPacote::Aguardando,
        Some("aprovado") => SituacaoPacote::Aprovado,
        Some("rejeitado") => match (codigo, mensagem) {
            (Some(codigo), Some(mensagem)) => SituacaoPacote::Rejeitado { codigo, mensagem },
            _ => return Err("rejeitado sem código ou mensagem".to_owned()),
        },
        Some(outro) => return Err(format!("situação desconhecida '{outro}'")),
    }))
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
    situacao(texto(0)?, texto(1)?, texto(2)?).map_err(|m| corrompido(id, m))
}

/// Refuses to change an approved or rejected package into `para`.
fn aberto(id: i64, atual: Option<&SituacaoPacote>, para: &'static str) -> Result<(), Falha> {
    match atual {
        Some(de) if de.avaliado() => Err(ErroLivro::JaResolvida {
            id,
            de: nome(de),
            para,
        }
        .into()),
        _ => Ok(()),
    }
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
        aberto(id, situacao.as_ref(), ENVIO)?;
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
    let (codigo, mensagem) = match nova {
        SituacaoPacote::Rejeitado { codigo, mensagem } => (Some(codigo), Some(mensagem)),
        SituacaoPacote::Aguardando | SituacaoPacote::Aprovado => (None, None),
    };
    c.prepare_cached(
        "UPDATE pacotes SET situacao = ?3, codigo = ?4, mensagem = ?5, \
         atualizado_em = unixepoch() WHERE servico = ?1 AND id_pacote = ?2",
    )?
    .execute(params![servico, id, nome(nova), codigo, mensagem])?;
    Ok(())
}

/// Records the situation of package `id` at `servico`, learned from a send. An approved or
/// rejected package keeps its situation: recording the very same one again is a no-op, any
/// other is refused.
pub(crate) fn atualizar(
    c: &Connection,
    servico: &str,
    id: i64,
    nova: &SituacaoPacote,
) -> Result<(), Falha> {
    adotar(c, servico, id)?;
    let Some(situacao) = atual(c, servico, id)? else {
        return Err(ErroLivro::NaoEncontrado(id).into());
    };
    if situacao.as_ref() == Some(nova) && nova.avaliado() {
        return Ok(()); // the same evaluation read again
    }
    aberto(id, situacao.as_ref(), nome(nova))?;
    gravar(c, servico, id, nova)
}

/// Records what the service's status query says of package `id` at `servico`, whatever the
/// row held (the service's word governs); returns what it held.
pub(crate) fn conciliar(
    c: &Connection,
    servico: &str,
    id: i64,
    nova: &SituacaoPacote,
) -> Result<Option<SituacaoPacote>, Falha> {
    adotar(c, servico, id)?;
    let Some(antes) = atual(c, servico, id)? else {
        return Err(ErroLivro::NaoEncontrado(id).into());
    };
    if antes.as_ref() != Some(nova) {
        gravar(c, servico, id, nova)?;
    }
    Ok(antes)
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
    let texto = |i: usize, nome: &str| -> Result<String, Falha> {
        row.get(i)
            .map_err(|e| corrompido(id, format!("{nome}: {e}")))
    };
    Ok(RegistroPacote {
        servico: texto(0, "servico")?,
        id_pacote: id.unsigned_abs(), // the id asked for, at least 1
        entidade: texto(1, "entidade")?,
        documento: texto(2, "documento")?,
        situacao: ler_situacao(id, row, 3)?,
    })
}
