//! [`LivroNotas`] on PostgreSQL: the SQL only; what a row means and which changes are allowed
//! are the rules both engines share ([`guiche_ports::livro::regras`]).
//!
//! Every method is one transaction at READ COMMITTED (the server's default), where each
//! statement sees what was committed before it began. What must be serial is made so
//! explicitly:
//!
//! - a reservation first takes a transaction advisory lock on its sequence
//!   (`pg_advisory_xact_lock`), held until it commits: the next reservation of the sequence,
//!   from any process, waits for it and then reads (in statements begun after that commit) the
//!   row it inserted. The checks (pending nota, date, number) and the insert are therefore one
//!   step per sequence, as SQLite's write lock makes them; the partial unique index
//!   `notas_numero_vivo` refuses a second live nota with one number whatever happens;
//! - a state change locks its row (`SELECT … FOR UPDATE`: a concurrent change waits, and the
//!   row read is the latest committed version), checks it, and writes with a compare-and-set on
//!   the state it read.

use deadpool_postgres::Transaction;
use guiche_ports::livro::regras::{self, Linha, Mudanca};
use guiche_ports::livro::{ErroLivro, Estado, Fila, LivroNotas, Pedido, Registro, Sequencia};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::Livro;
use crate::falha::Falha;
use crate::travas::FilaPg;

/// The columns [`registro`] reads, in order.
const COLUNAS: &str = "id, prestador, prefeitura, numero, data, conteudo, documento, estado, \
     codigo, mensagem, decidido_por, decidido_em";

/// The unsettled states, written exactly as the partial index `notas_pendentes` writes them,
/// so that the planner uses it.
const PENDENTE: &str = "estado IN ('reservada', 'enviada', 'desconhecida')";

/// Reads a row selected with [`COLUNAS`].
fn registro(row: &Row) -> Result<Registro, Falha> {
    let id: i64 = row.try_get(0)?;
    let corrompido = |motivo: String| Falha::Linha { id, motivo };
    let coluna = |e: tokio_postgres::Error| corrompido(e.to_string());
    let linha = Linha {
        id,
        prestador: row.try_get(1).map_err(coluna)?,
        prefeitura: row.try_get(2).map_err(coluna)?,
        numero: row.try_get(3).map_err(coluna)?,
        data: row.try_get(4).map_err(coluna)?,
        conteudo: row.try_get(5).map_err(coluna)?,
        documento: row.try_get(6).map_err(coluna)?,
        estado: row.try_get(7).map_err(coluna)?,
        codigo: row.try_get(8).map_err(coluna)?,
        mensagem: row.try_get(9).map_err(coluna)?,
        decidido_por: row.try_get(10).map_err(coluna)?,
        decidido_em: row.try_get(11).map_err(coluna)?,
    };
    regras::registro(linha).map_err(corrompido)
}

/// The rows of one sequence matching `filtro` (SQL over `$1` prestador, `$2` prefeitura and
/// `extra` from `$3`), in `ordem`.
async fn selecionar(
    tx: &Transaction<'_>,
    s: &Sequencia,
    filtro: &str,
    ordem: &str,
    extra: Option<&(dyn ToSql + Sync)>,
) -> Result<Vec<Registro>, Falha> {
    let sql = format!(
        "SELECT {COLUNAS} FROM notas \
         WHERE prestador = $1 AND prefeitura = $2 AND {filtro} ORDER BY {ordem}"
    );
    let stmt = tx.prepare_cached(&sql).await?;
    let prestador = s.prestador.as_str();
    let mut parametros: Vec<&(dyn ToSql + Sync)> = vec![&prestador, &s.prefeitura];
    parametros.extend(extra);
    tx.query(&stmt, &parametros)
        .await?
        .iter()
        .map(registro)
        .collect()
}

async fn ultima(tx: &Transaction<'_>, s: &Sequencia) -> Result<Option<Registro>, Falha> {
    let v = selecionar(tx, s, "estado <> 'recusada'", "numero DESC LIMIT 1", None).await?;
    Ok(v.into_iter().next())
}

async fn pendentes(tx: &Transaction<'_>, s: &Sequencia) -> Result<Vec<Registro>, Falha> {
    selecionar(tx, s, PENDENTE, "numero, id", None).await
}

async fn por_numero(
    tx: &Transaction<'_>,
    s: &Sequencia,
    numero: u64,
) -> Result<Option<Registro>, Falha> {
    let Ok(numero) = i64::try_from(numero) else {
        return Ok(None); // beyond what the ledger can hold, so held by no nota
    };
    let filtro = "numero = $3 AND estado <> 'recusada'";
    let v = selecionar(tx, s, filtro, "id DESC LIMIT 1", Some(&numero)).await?;
    Ok(v.into_iter().next())
}

async fn por_conteudo(
    tx: &Transaction<'_>,
    s: &Sequencia,
    conteudo: &str,
) -> Result<Option<Registro>, Falha> {
    let filtro = "conteudo = $3 AND estado <> 'recusada'";
    let v = selecionar(tx, s, filtro, "id DESC LIMIT 1", Some(&conteudo)).await?;
    Ok(v.into_iter().next())
}

/// The name of a sequence's reservation lock (`pg_advisory_xact_lock`).
fn trava_da_reserva(s: &Sequencia) -> String {
    format!(
        "guiche:nfd:reserva:{}:{}",
        s.prestador.as_str(),
        s.prefeitura
    )
}

async fn reservar(
    tx: &Transaction<'_>,
    pedido: Pedido<'_>,
    documento: &dyn Fn(u64) -> String,
) -> Result<Registro, Falha> {
    let s = pedido.sequencia;
    let prestador = s.prestador.as_str();
    let chave: [&(dyn ToSql + Sync); 2] = [&prestador, &s.prefeitura];
    // Serial per sequence from here to the commit (see the module's documentation).
    let trava = tx
        .prepare_cached("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .await?;
    tx.execute(&trava, &[&trava_da_reserva(s)]).await?;

    let sql = format!(
        "SELECT numero, estado FROM notas WHERE prestador = $1 AND prefeitura = $2 \
         AND {PENDENTE} ORDER BY numero LIMIT 1"
    );
    let pendente = tx
        .query_opt(&tx.prepare_cached(&sql).await?, &chave)
        .await?
        .map(|r| Ok::<_, Falha>((r.try_get::<_, i64>(0)?, r.try_get::<_, String>(1)?)))
        .transpose()?;
    regras::sem_pendentes(pendente.as_ref().map(|(n, e)| (*n, e.as_str())))?;

    // The last live nota's number and date, in one read.
    let ultima = tx
        .prepare_cached(
            "SELECT numero, data FROM notas WHERE prestador = $1 AND prefeitura = $2 \
             AND estado <> 'recusada' ORDER BY numero DESC LIMIT 1",
        )
        .await?;
    let ultima = tx
        .query_opt(&ultima, &chave)
        .await?
        .map(|r| Ok::<_, Falha>((r.try_get::<_, i64>(0)?, r.try_get::<_, String>(1)?)))
        .transpose()?;
    regras::data_em_ordem(ultima.as_ref().map(|(_, d)| d.as_str()), pedido.data)?;
    let numero = regras::numero_a_reservar(ultima.map(|(n, _)| n), pedido.numero, Falha::Esgotada)?;
    let numero_u = numero.unsigned_abs(); // at least 1

    // Built inside the transaction, with the sequence locked, as SQLite does: the number is
    // the one this document carries. It runs on the caller's thread (the bridge's wait).
    let documento = documento(numero_u);
    if documento.contains('\0') || pedido.conteudo.contains('\0') {
        // PostgreSQL's text cannot hold it (SQLite's can); a nota's XML never has one.
        return Err(Falha::Recusa(format!(
            "o documento da nota nº {numero_u} contém o caractere NUL (U+0000), que o \
             PostgreSQL não guarda; nada foi gravado"
        )));
    }
    let inserir = tx
        .prepare_cached(
            "INSERT INTO notas (prestador, prefeitura, numero, data, conteudo, documento, estado) \
             VALUES ($1, $2, $3, $4, $5, $6, 'enviada') RETURNING id",
        )
        .await?;
    let id: i64 = tx
        .query_one(
            &inserir,
            &[
                &prestador,
                &s.prefeitura,
                &numero,
                &pedido.data.iso(),
                &pedido.conteudo,
                &documento,
            ],
        )
        .await?
        .try_get(0)?;
    Ok(regras::reservado(id, pedido, numero_u, documento))
}

/// Locks row `id` (a concurrent change waits for this one, and this one reads the latest
/// committed version), and writes `para` over it if `mudanca` may ([`Mudanca::permitida`]).
async fn mudar(
    tx: &Transaction<'_>,
    id: i64,
    para: &Estado,
    mudanca: Mudanca<'_>,
) -> Result<(), Falha> {
    let ler = tx
        .prepare_cached("SELECT estado, codigo IS NOT NULL FROM notas WHERE id = $1 FOR UPDATE")
        .await?;
    let Some(linha) = tx.query_opt(&ler, &[&id]).await? else {
        return Err(ErroLivro::NaoEncontrado(id).into());
    };
    let atual =
        regras::estado_guardado(linha.try_get(0)?).map_err(|motivo| Falha::Linha { id, motivo })?;
    mudanca.permitida(id, atual, linha.try_get(1)?, para)?;
    let (nome, codigo, mensagem) = regras::colunas_do_estado(para);
    // The row is locked: the compare-and-set on its state only says what the write assumes.
    let escrever = tx
        .prepare_cached(
            "UPDATE notas SET estado = $2, codigo = $3, mensagem = $4, \
             decidido_por = coalesce($5, decidido_por), \
             decidido_em = CASE WHEN $5::text IS NULL THEN decidido_em \
                 ELSE floor(extract(epoch FROM now()))::bigint END, \
             atualizado_em = floor(extract(epoch FROM now()))::bigint \
             WHERE id = $1 AND estado = $6 RETURNING id",
        )
        .await?;
    let por = mudanca.por();
    tx.query_opt(&escrever, &[&id, &nome, &codigo, &mensagem, &por, &atual])
        .await?
        .ok_or(ErroLivro::NaoEncontrado(id))?;
    Ok(())
}

impl LivroNotas for Livro {
    fn ultima(&self, sequencia: &Sequencia) -> Result<Option<Registro>, ErroLivro> {
        self.ler(async |tx| ultima(tx, sequencia).await)
    }

    fn pendentes(&self, sequencia: &Sequencia) -> Result<Vec<Registro>, ErroLivro> {
        self.ler(async |tx| pendentes(tx, sequencia).await)
    }

    fn por_numero(
        &self,
        sequencia: &Sequencia,
        numero: u64,
    ) -> Result<Option<Registro>, ErroLivro> {
        self.ler(async |tx| por_numero(tx, sequencia, numero).await)
    }

    fn por_conteudo(
        &self,
        sequencia: &Sequencia,
        conteudo: &str,
    ) -> Result<Option<Registro>, ErroLivro> {
        self.ler(async |tx| por_conteudo(tx, sequencia, conteudo).await)
    }

    fn reservar(
        &self,
        pedido: Pedido<'_>,
        documento: &dyn Fn(u64) -> String,
    ) -> Result<Registro, ErroLivro> {
        self.escrever(async |tx| reservar(tx, pedido, documento).await)
    }

    fn registrar(&self, id: i64, de: &Estado, para: &Estado) -> Result<(), ErroLivro> {
        self.escrever(async |tx| mudar(tx, id, para, Mudanca::Fluxo { de }).await)
    }

    fn decidir(&self, id: i64, para: &Estado, por: &str) -> Result<(), ErroLivro> {
        self.escrever(async |tx| mudar(tx, id, para, Mudanca::Decisao { por }).await)
    }

    fn fila(&self, sequencia: &Sequencia) -> Result<Box<dyn Fila>, ErroLivro> {
        Ok(Box::new(FilaPg::nova(
            &self.c.travas,
            &self.c.ponte,
            sequencia,
            &self.c.local,
        )?))
    }
}
