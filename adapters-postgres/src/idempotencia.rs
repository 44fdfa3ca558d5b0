//! [`LivroIdempotencia`] on PostgreSQL: `idempotencia`, shared by every `guiche serve` on the
//! database. What a key's row means is `guiche_ports::idempotencia::regras`, shared with the
//! SQLite ledger.
//!
//! A reservation first takes a transaction advisory lock on its key (`pg_advisory_xact_lock`):
//! the reservations of one key are serial across processes, so of several asking for a new key
//! one inserts it, and of several finding it abandoned one takes it over; under READ COMMITTED
//! each statement after the lock reads a new snapshot, and the lock is released only once the
//! holder's commit is visible, so each sees what the one before it did. The key's row is then
//! read `FOR UPDATE`: concluding and freeing are one conditional statement each, without the
//! advisory lock, and the row lock keeps them from changing the row between the read and the
//! takeover's write (a key concluded meanwhile is never taken over). Keys whose hashes collide
//! merely wait for each other.
//!
//! Ages are measured by the server's clock (`now()`, the transaction's start), never the
//! caller's: processes on several machines agree on when a key was abandoned.

use std::time::Duration;

use guiche_ports::idempotencia::regras::{self, Decisao, LinhaChave};
use guiche_ports::idempotencia::{LivroIdempotencia, Reserva, RespostaGuardada};
use guiche_ports::livro::ErroLivro;

use crate::Livro;
use crate::falha::Falha;

impl LivroIdempotencia for Livro {
    fn reservar_chave(
        &self,
        escopo: i64,
        chave: &str,
        impressao: &str,
        abandono: Duration,
    ) -> Result<Reserva, ErroLivro> {
        let trava = format!("guiche:idempotencia:{escopo}:{chave}");
        self.escrever(async |tx| {
            let vez = tx
                .prepare_cached("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .await?;
            tx.execute(&vez, &[&trava]).await?;
            let ler = tx
                .prepare_cached(
                    "SELECT impressao, estado, status, tipo, corpo, \
                     extract(epoch FROM now())::bigint - atualizado_em \
                     FROM idempotencia WHERE escopo = $1 AND chave = $2 FOR UPDATE",
                )
                .await?;
            let Some(r) = tx.query_opt(&ler, &[&escopo, &chave]).await? else {
                let inserir = tx
                    .prepare_cached(
                        "INSERT INTO idempotencia (escopo, chave, impressao, estado) \
                         VALUES ($1, $2, $3, 'andamento')",
                    )
                    .await?;
                tx.execute(&inserir, &[&escopo, &chave, &impressao]).await?;
                return Ok(Reserva::Nova);
            };
            let linha = LinhaChave {
                impressao: r.try_get(0)?,
                estado: r.try_get(1)?,
                status: r.try_get::<_, Option<i32>>(2)?.map(i64::from),
                tipo: r.try_get(3)?,
                corpo: r.try_get(4)?,
                idade: r.try_get(5)?,
            };
            let decisao = regras::decidir(chave, linha, abandono)
                .map_err(|motivo| Falha::Linha { id: 0, motivo })?;
            match decisao {
                Decisao::Responder(reserva) => Ok(reserva),
                Decisao::Retomar => {
                    let retomar = tx
                        .prepare_cached(
                            "UPDATE idempotencia SET impressao = $3, \
                             atualizado_em = extract(epoch FROM now())::bigint \
                             WHERE escopo = $1 AND chave = $2",
                        )
                        .await?;
                    tx.execute(&retomar, &[&escopo, &chave, &impressao]).await?;
                    Ok(Reserva::Nova)
                }
            }
        })
    }

    fn concluir_chave(
        &self,
        escopo: i64,
        chave: &str,
        impressao: &str,
        resposta: &RespostaGuardada,
    ) -> Result<(), ErroLivro> {
        let status = i32::from(resposta.status);
        self.escrever(async |tx| {
            let sql = tx
                .prepare_cached(
                    "UPDATE idempotencia SET estado = 'concluida', status = $4, tipo = $5, \
                     corpo = $6, atualizado_em = extract(epoch FROM now())::bigint \
                     WHERE escopo = $1 AND chave = $2 AND impressao = $3 \
                     AND estado = 'andamento'",
                )
                .await?;
            tx.execute(
                &sql,
                &[
                    &escopo,
                    &chave,
                    &impressao,
                    &status,
                    &resposta.tipo,
                    &resposta.corpo,
                ],
            )
            .await?;
            Ok(())
        })
    }

    fn liberar_chave(&self, escopo: i64, chave: &str, impressao: &str) -> Result<(), ErroLivro> {
        self.escrever(async |tx| {
            let sql = tx
                .prepare_cached(
                    "DELETE FROM idempotencia \
                     WHERE escopo = $1 AND chave = $2 AND impressao = $3 \
                     AND estado = 'andamento'",
                )
                .await?;
            tx.execute(&sql, &[&escopo, &chave, &impressao]).await?;
            Ok(())
        })
    }
}
