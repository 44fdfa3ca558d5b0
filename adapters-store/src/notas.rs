//! The queries on `notas`, each run inside the transaction its caller opened.

use guiche_domain::Data;
use guiche_ports::livro::regras::{self, Mudanca};
use guiche_ports::livro::{ErroLivro, Estado, Pedido, Registro, Sequencia};
use rusqlite::{Connection, OptionalExtension, Params, params};

use crate::falha::Falha;
use crate::linha::{COLUNAS, registro};

/// The rows of one sequence matching `filtro` (SQL over `?1` prestador, `?2` prefeitura and
/// the extra parameters from `?3`), in `ordem`.
fn selecionar(
    c: &Connection,
    filtro: &str,
    ordem: &str,
    parametros: impl Params,
) -> Result<Vec<Registro>, Falha> {
    let sql = format!(
        "SELECT {COLUNAS} FROM notas \
         WHERE prestador = ?1 AND prefeitura = ?2 AND {filtro} ORDER BY {ordem}"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let mut linhas = stmt.query(parametros)?;
    let mut registros = Vec::new();
    while let Some(linha) = linhas.next()? {
        registros.push(registro(linha)?);
    }
    Ok(registros)
}

/// The live nota with the highest number.
pub(crate) fn ultima(c: &Connection, s: &Sequencia) -> Result<Option<Registro>, Falha> {
    let chave = (s.prestador.as_str(), &s.prefeitura);
    let v = selecionar(c, "estado <> 'recusada'", "numero DESC LIMIT 1", chave)?;
    Ok(v.into_iter().next())
}

/// The unsettled states, written exactly as the partial index `notas_pendentes` (migration
/// 0008) writes them, so that SQLite uses it.
const PENDENTE: &str = "estado IN ('reservada', 'enviada', 'desconhecida')";

/// Notas not settled, by number.
pub(crate) fn pendentes(c: &Connection, s: &Sequencia) -> Result<Vec<Registro>, Falha> {
    let filtro = PENDENTE;
    selecionar(
        c,
        filtro,
        "numero, id",
        (s.prestador.as_str(), &s.prefeitura),
    )
}

/// The live nota holding `numero`.
pub(crate) fn por_numero(
    c: &Connection,
    s: &Sequencia,
    numero: u64,
) -> Result<Option<Registro>, Falha> {
    let Ok(numero) = i64::try_from(numero) else {
        return Ok(None); // beyond what the ledger can hold, so held by no nota
    };
    let chave = (s.prestador.as_str(), &s.prefeitura, numero);
    let v = selecionar(c, "numero = ?3 AND estado <> 'recusada'", "id DESC", chave)?;
    Ok(v.into_iter().next())
}

/// The latest live nota with this content fingerprint.
pub(crate) fn por_conteudo(
    c: &Connection,
    s: &Sequencia,
    conteudo: &str,
) -> Result<Option<Registro>, Falha> {
    let chave = (s.prestador.as_str(), &s.prefeitura, conteudo);
    let filtro = "conteudo = ?3 AND estado <> 'recusada'";
    let v = selecionar(c, filtro, "id DESC LIMIT 1", chave)?;
    Ok(v.into_iter().next())
}

fn sql_primeira_pendente() -> String {
    format!(
        "SELECT numero, estado FROM notas WHERE prestador = ?1 AND prefeitura = ?2 \
         AND {PENDENTE} ORDER BY numero LIMIT 1"
    )
}

/// Refuses while a nota of the sequence is unsettled, naming the lowest.
fn sem_pendentes(c: &Connection, s: &Sequencia) -> Result<(), Falha> {
    let pendente: Option<(i64, String)> = c
        .prepare_cached(&sql_primeira_pendente())?
        .query_row((s.prestador.as_str(), &s.prefeitura), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(regras::sem_pendentes(
        pendente.as_ref().map(|(n, e)| (*n, e.as_str())),
    )?)
}

/// The highest number held by a live nota of the sequence.
fn maior_vivo(c: &Connection, s: &Sequencia) -> Result<Option<i64>, Falha> {
    let maior = c
        .prepare_cached(
            "SELECT max(numero) FROM notas WHERE prestador = ?1 AND prefeitura = ?2 \
             AND estado <> 'recusada'",
        )?
        .query_row((s.prestador.as_str(), &s.prefeitura), |r| r.get(0))?;
    Ok(maior)
}

/// Refuses a date before the last live nota's ([`regras::data_em_ordem`]).
fn data_em_ordem(c: &Connection, s: &Sequencia, data: Data) -> Result<(), Falha> {
    let ultima: Option<String> = c
        .prepare_cached(
            "SELECT data FROM notas WHERE prestador = ?1 AND prefeitura = ?2 \
             AND estado <> 'recusada' ORDER BY numero DESC LIMIT 1",
        )?
        .query_row((s.prestador.as_str(), &s.prefeitura), |r| r.get(0))
        .optional()?;
    Ok(regras::data_em_ordem(ultima.as_deref(), data)?)
}

/// Reserves the number ([`regras::numero_a_reservar`]) with the document built for it. SQLite's
/// write lock (`BEGIN IMMEDIATE`, taken by the caller) makes the checks and the insert one step
/// for every process sharing the file.
pub(crate) fn reservar(
    c: &Connection,
    pedido: Pedido<'_>,
    documento: &dyn Fn(u64) -> String,
) -> Result<Registro, Falha> {
    let s = pedido.sequencia;
    sem_pendentes(c, s)?;
    data_em_ordem(c, s, pedido.data)?;
    let numero = regras::numero_a_reservar(maior_vivo(c, s)?, pedido.numero, Falha::Esgotada)?;
    let numero_u = numero.unsigned_abs(); // at least 1
    let documento = documento(numero_u);
    c.prepare_cached(
        "INSERT INTO notas (prestador, prefeitura, numero, data, conteudo, documento, estado) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'enviada')",
    )?
    .execute(params![
        s.prestador.as_str(),
        &s.prefeitura,
        numero,
        pedido.data.iso(),
        pedido.conteudo,
        &documento,
    ])?;
    Ok(regras::reservado(
        c.last_insert_rowid(),
        pedido,
        numero_u,
        documento,
    ))
}

/// Writes `para` over row `id` if `mudanca` may ([`Mudanca::permitida`], on the state stored
/// now), with a compare-and-set on that state; a person's decision keeps who and when.
pub(crate) fn mudar(
    c: &Connection,
    id: i64,
    para: &Estado,
    mudanca: Mudanca<'_>,
) -> Result<(), Falha> {
    let atual: Option<(String, Option<String>)> = c
        .prepare_cached("SELECT estado, codigo FROM notas WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((atual, codigo)) = atual else {
        return Err(ErroLivro::NaoEncontrado(id).into());
    };
    let atual = regras::estado_guardado(&atual).map_err(|motivo| Falha::Linha { id, motivo })?;
    mudanca.permitida(id, atual, codigo.is_some(), para)?;
    let (nome, codigo, mensagem) = regras::colunas_do_estado(para);
    let alteradas = c
        .prepare_cached(
            "UPDATE notas SET estado = ?2, codigo = ?3, mensagem = ?4, \
             decidido_por = coalesce(?6, decidido_por), \
             decidido_em = CASE WHEN ?6 IS NULL THEN decidido_em ELSE unixepoch() END, \
             atualizado_em = unixepoch() WHERE id = ?1 AND estado = ?5",
        )?
        .execute(params![id, nome, codigo, mensagem, atual, mudanca.por()])?;
    // Inside the write lock nothing changed it since the read; the condition says what the
    // write assumes.
    if alteradas == 0 {
        return Err(ErroLivro::NaoEncontrado(id).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The unsettled notas are found through their partial index, not by walking the whole
    /// sequence (which made every send of a long batch slower than the one before).
    #[test]
    fn pending_notas_are_found_through_their_index() {
        let mut c = Connection::open_in_memory().unwrap();
        crate::esquema::migrar(&mut c).unwrap();
        let pendentes = format!(
            "SELECT {COLUNAS} FROM notas WHERE prestador = ?1 AND prefeitura = ?2 AND {PENDENTE} \
             ORDER BY numero, id"
        );
        for sql in [pendentes, sql_primeira_pendente()] {
            let plano: Vec<String> = c
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(("a", "b"), |r| r.get::<_, String>(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert!(
                plano
                    .iter()
                    .any(|p| p.contains("USING INDEX notas_pendentes")),
                "{sql}: {plano:?}"
            );
            assert!(
                !plano.iter().any(|p| p.contains("TEMP B-TREE")),
                "{plano:?}"
            );
        }
    }
}
