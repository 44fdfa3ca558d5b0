//! [`LivroIdempotencia`] on PostgreSQL: `idempotencia`, shared by every `guiche serve` on the
//! database. What a key's row means is `guiche_ports::idempotencia::regras`, shared with the
//! SQLite ledger.
//!
//! A reservation first tries to insert the key (`ON CONFLICT DO NOTHING`): of several processes
//! inserting one key at once, one inserts it and the others wait for its commit and find it
//! taken. A key already there is read `FOR UPDATE` and decided on: under READ COMMITTED the
//! read waits for any other process changing the row and returns its newest version, and the
//! lock holds until the commit, so of several processes finding one key abandoned exactly one
//! takes it over (the others then read it fresh, in progress). A key freed between the insert
//! and the read is tried again. Concluding and freeing are one conditional statement each,
//! serialized with a reservation by the same row lock.
//!
//! Ages are measured by the server's clock (`now()`, the transaction's start), never the
//! caller's: processes on several machines agree on when a key was abandoned.

use std::time::Duration;

use guiche_ports::idempotencia::regras::{self, Decisao, LinhaChave};
use guiche_ports::idempotencia::{LivroIdempotencia, Reserva, RespostaGuardada};
use guiche_ports::livro::ErroLivro;

use crate::Livro;
use crate::falha::Falha;

/// How many times a reservation inserts and reads again a key freed under it before giving up.
const TENTATIVAS: usize = 3;

impl LivroIdempotencia for Livro {
    fn reservar_chave(
        &self,
        escopo: i64,
        chave: &str,
        impressao: &str,
        abandono: Duration,
    ) -> Result<Reserva, ErroLivro> {
        self.escrever(async |tx| {
            let inserir = tx
                .prepare_cached(
                    "INSERT INTO idempotencia (escopo, chave, impressao, estado) \
                     VALUES ($1, $2, $3, 'andamento') ON CONFLICT (escopo, chave) DO NOTHING \
                     RETURNING escopo",
                )
                .await?;
            let ler = tx
                .prepare_cached(
                    "SELECT impressao, estado, status, tipo, corpo, \
                     extract(epoch FROM now())::bigint - atualizado_em \
                     FROM idempotencia WHERE escopo = $1 AND chave = $2 FOR UPDATE",
                )
                .await?;
            for _ in 0..TENTATIVAS {
                let inserida = tx
                    .query_opt(&inserir, &[&escopo, &chave, &impressao])
                    .await?;
                if inserida.is_some() {
                    return Ok(Reserva::Nova);
                }
                let Some(r) = tx.query_opt(&ler, &[&escopo, &chave]).await? else {
                    continue; // freed meanwhile: insert it again
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
                return match decisao {
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
                };
            }
            Err(Falha::Recusa(format!(
                "a chave de idempotência {chave} foi tomada e liberada {TENTATIVAS} vezes \
                 enquanto esta requisição a pedia; tente de novo"
            )))
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
