//! The queries on `notas`, each run inside the transaction its caller opened.

use guiche_domain::Data;
use guiche_ports::livro::{ErroLivro, Estado, Pedido, Registro, Sequencia};
use rusqlite::{Connection, OptionalExtension, Params, params};

use crate::falha::Falha;
use crate::linha::{COLUNAS, colunas_do_estado, nome_do_estado, registro};

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

/// Notas not settled, by number.
pub(crate) fn pendentes(c: &Connection, s: &Sequencia) -> Result<Vec<Registro>, Falha> {
    let filtro = "estado IN ('reservada', 'enviada', 'desconhecida')";
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

/// Refuses while a nota of the sequence is unsettled, naming the lowest.
fn sem_pendentes(c: &Connection, s: &Sequencia) -> Result<(), Falha> {
    let pendente: Option<(i64, String)> = c
        .prepare_cached(
            "SELECT numero, estado FROM notas WHERE prestador = ?1 AND prefeitura = ?2 \
             AND estado IN ('reservada', 'enviada', 'desconhecida') ORDER BY numero LIMIT 1",
        )?
        .query_row((s.prestador.as_str(), &s.prefeitura), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((numero, estado)) = pendente else {
        return Ok(());
    };
    Err(ErroLivro::Pendente {
        numero: u64::try_from(numero).unwrap_or_default(),
        estado: nome_do_estado(&estado).unwrap_or("desconhecida"),
    }
    .into())
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

/// The number to reserve: the one after the highest live one, which `pedido` must match if
/// given; for a sequence with no live nota, the one asked for (the service's sequence may have
/// begun elsewhere) or 1.
fn numero_a_reservar(c: &Connection, s: &Sequencia, pedido: Option<u64>) -> Result<i64, Falha> {
    let proximo = match maior_vivo(c, s)? {
        Some(maior) => maior.checked_add(1).ok_or(Falha::Esgotada)?,
        None => match pedido {
            Some(n) => i64::try_from(n).ok().filter(|n| *n >= 1).unwrap_or(1),
            None => 1,
        },
    };
    match pedido {
        Some(n) if i64::try_from(n).ok() != Some(proximo) => Err(ErroLivro::ForaDeSequencia {
            pedido: n,
            proximo: proximo.unsigned_abs(),
        }
        .into()),
        _ => Ok(proximo),
    }
}

/// Refuses a date before the last live nota's (the domain checks it too; this closes the gap
/// against another process reserving between that check and this transaction).
fn data_em_ordem(c: &Connection, s: &Sequencia, data: Data) -> Result<(), Falha> {
    let ultima: Option<String> = c
        .prepare_cached(
            "SELECT data FROM notas WHERE prestador = ?1 AND prefeitura = ?2 \
             AND estado <> 'recusada' ORDER BY numero DESC LIMIT 1",
        )?
        .query_row((s.prestador.as_str(), &s.prefeitura), |r| r.get(0))
        .optional()?;
    match ultima.and_then(|u| Data::parse_iso(&u).ok()) {
        Some(ultima) if data < ultima => Err(ErroLivro::DataAnterior { data, ultima }.into()),
        _ => Ok(()),
    }
}

/// Reserves the number (see [`numero_a_reservar`]) with the document built for it.
pub(crate) fn reservar(
    c: &Connection,
    pedido: Pedido<'_>,
    documento: &dyn Fn(u64) -> String,
) -> Result<Registro, Falha> {
    let s = pedido.sequencia;
    sem_pendentes(c, s)?;
    data_em_ordem(c, s, pedido.data)?;
    let numero = numero_a_reservar(c, s, pedido.numero)?;
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
    Ok(Registro {
        id: c.last_insert_rowid(),
        sequencia: s.clone(),
        numero: numero_u,
        data: pedido.data,
        conteudo: pedido.conteudo.to_owned(),
        documento,
        estado: Estado::Enviada,
        decisao: None,
    })
}

/// The stored state of row `id`: its name and whether it carries a code.
fn estado_atual(c: &Connection, id: i64) -> Result<(&'static str, bool), Falha> {
    let atual: Option<(String, Option<String>)> = c
        .prepare_cached("SELECT estado, codigo FROM notas WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((nome, codigo)) = atual else {
        return Err(ErroLivro::NaoEncontrado(id).into());
    };
    let nome = nome_do_estado(&nome).ok_or_else(|| Falha::Linha {
        id,
        motivo: format!("estado desconhecido {nome:?}"),
    })?;
    Ok((nome, codigo.is_some()))
}

/// Whether a stored state (by name, and whether it has a code) is `estado` as far as the
/// transitions go: the same name, and for an accepted nota the same presence of a code.
fn e_o_estado(nome: &str, tem_codigo: bool, estado: &Estado) -> bool {
    match estado {
        Estado::Aceita { codigo } => nome == "aceita" && tem_codigo == codigo.is_some(),
        outro => nome == outro.nome(),
    }
}

/// Writes `estado` (and, for a person's decision, who) over row `id` if it is still `atual`.
fn gravar(
    c: &Connection,
    id: i64,
    atual: &str,
    estado: &Estado,
    por: Option<&str>,
) -> Result<(), Falha> {
    let (nome, codigo, mensagem) = colunas_do_estado(estado);
    let alteradas = c
        .prepare_cached(
            "UPDATE notas SET estado = ?2, codigo = ?3, mensagem = ?4, \
             decidido_por = coalesce(?6, decidido_por), \
             decidido_em = CASE WHEN ?6 IS NULL THEN decidido_em ELSE unixepoch() END, \
             atualizado_em = unixepoch() WHERE id = ?1 AND estado = ?5",
        )?
        .execute(params![id, nome, codigo, mensagem, atual, por])?;
    if alteradas == 0 {
        return Err(ErroLivro::NaoEncontrado(id).into());
    }
    Ok(())
}

/// Records `para` over row `id`, read by the caller in state `de`: compare-and-set on the
/// state, and only along the transitions of [`Estado::pode_passar_a`].
pub(crate) fn registrar(c: &Connection, id: i64, de: &Estado, para: &Estado) -> Result<(), Falha> {
    let (atual, tem_codigo) = estado_atual(c, id)?;
    let livre_de_codigo = atual == "aceita" && !tem_codigo;
    if matches!(atual, "aceita" | "recusada" | "externa") && !livre_de_codigo {
        return Err(ErroLivro::JaResolvida {
            id,
            de: atual,
            para: para.nome(),
        }
        .into());
    }
    if !e_o_estado(atual, tem_codigo, de) || !de.pode_passar_a(para) {
        return Err(ErroLivro::EstadoMudou {
            id,
            esperado: de.nome(),
            encontrado: atual,
            para: para.nome(),
        }
        .into());
    }
    gravar(c, id, atual, para, None)
}

/// Records a person's decision on row `id` (see `LivroNotas::decidir`).
pub(crate) fn decidir(c: &Connection, id: i64, para: &Estado, por: &str) -> Result<(), Falha> {
    let (atual, tem_codigo) = estado_atual(c, id)?;
    let pode = match (atual, para) {
        ("enviada" | "desconhecida", Estado::Aceita { .. } | Estado::Recusada { .. }) => true,
        ("aceita", Estado::Aceita { codigo: Some(_) }) => !tem_codigo,
        _ => false,
    };
    if !pode {
        return Err(ErroLivro::SemDecisao { id, estado: atual }.into());
    }
    gravar(c, id, atual, para, Some(por))
}
