//! [`LivroRetencao`] on PostgreSQL: each batch one transaction that deletes rows by their key
//! from a `MATERIALIZED` CTE picking at most `lote` of them `FOR UPDATE SKIP LOCKED` (a
//! `DELETE … WHERE key IN (subquery LIMIT n FOR UPDATE SKIP LOCKED)` may run the subquery
//! again per row and, skipping the rows it just deleted, remove more than `n`). A row another
//! process holds — a key being taken over, a session being renewed — waits for a later batch,
//! and the batch never waits for it. The outer `DELETE` repeats the condition: under READ
//! COMMITTED a row changed meanwhile (a session renewed) is re-checked on its new version and
//! kept. Ages of keys and rounds by the server's clock, as they are written.

use std::time::Duration;

use guiche_ports::livro::ErroLivro;
use guiche_ports::retencao::{LivroRetencao, RodadasRemovidas, idade_segundos, tamanho_lote};
use guiche_ports::trabalhos::TENTATIVAS_MAX;

use crate::Livro;

/// Rounds older than `$1` seconds that no worker can take a job of: closed, or with no job
/// waiting that is under its tries (`$2`) or still leased. Jobs are picked by `rodada =
/// ANY (ARRAY(…))`: the rounds found once, then their jobs by the primary key (with `IN (…)`
/// the planner walked every job kept, checking its round).
const RODADAS_ENCERRADAS: &str = "SELECT r.id FROM rodadas r \
     WHERE r.criada_em < floor(extract(epoch FROM now()))::bigint - $1 \
       AND (r.encerrada_em IS NOT NULL OR NOT EXISTS (SELECT 1 FROM trabalhos t \
            WHERE t.rodada = r.id AND t.estado = 'pendente' \
              AND (t.tentativas < $2 OR t.prazo >= floor(extract(epoch FROM now()))::bigint)))";

impl LivroRetencao for Livro {
    fn remover_sessoes_vencidas(&self, agora: i64, lote: u32) -> Result<u64, ErroLivro> {
        let lote = tamanho_lote(lote);
        self.escrever(async |tx| {
            let sql = tx
                .prepare_cached(
                    "WITH lote AS MATERIALIZED (SELECT hash FROM sessoes \
                         WHERE expira_em < $1 ORDER BY expira_em LIMIT $2 FOR UPDATE SKIP LOCKED) \
                     DELETE FROM sessoes s USING lote \
                     WHERE s.hash = lote.hash AND s.expira_em < $1",
                )
                .await?;
            Ok(tx.execute(&sql, &[&agora, &lote]).await?)
        })
    }

    fn remover_chaves_antigas(
        &self,
        concluidas: Duration,
        em_andamento: Duration,
        lote: u32,
    ) -> Result<u64, ErroLivro> {
        let lote = tamanho_lote(lote);
        let (concluidas, em_andamento) = (idade_segundos(concluidas), idade_segundos(em_andamento));
        self.escrever(async |tx| {
            let sql = tx
                .prepare_cached(
                    "WITH lote AS MATERIALIZED (SELECT escopo, chave FROM idempotencia \
                         WHERE estado = $1 AND atualizado_em < floor(extract(epoch FROM now()))::bigint - $2 \
                         ORDER BY atualizado_em LIMIT $3 FOR UPDATE SKIP LOCKED) \
                     DELETE FROM idempotencia i USING lote \
                     WHERE i.escopo = lote.escopo AND i.chave = lote.chave AND i.estado = $1 \
                       AND i.atualizado_em < floor(extract(epoch FROM now()))::bigint - $2",
                )
                .await?;
            let a = tx.execute(&sql, &[&"concluida", &concluidas, &lote]).await?;
            let b = tx
                .execute(&sql, &[&"andamento", &em_andamento, &lote])
                .await?;
            Ok(a.saturating_add(b))
        })
    }

    fn remover_rodadas_encerradas(
        &self,
        idade: Duration,
        lote: u32,
    ) -> Result<RodadasRemovidas, ErroLivro> {
        let (idade, lote) = (idade_segundos(idade), tamanho_lote(lote));
        let tentativas = i64::from(TENTATIVAS_MAX);
        self.escrever(async |tx| {
            let trabalhos = tx
                .prepare_cached(&format!(
                    "WITH lote AS MATERIALIZED (SELECT rodada, chave FROM trabalhos \
                         WHERE rodada = ANY (ARRAY({RODADAS_ENCERRADAS})) \
                         LIMIT $3 FOR UPDATE SKIP LOCKED) \
                     DELETE FROM trabalhos t USING lote \
                     WHERE t.rodada = lote.rodada AND t.chave = lote.chave"
                ))
                .await?;
            let trabalhos = tx
                .execute(&trabalhos, &[&idade, &tentativas, &lote])
                .await?;
            let rodadas = tx
                .prepare_cached(&format!(
                    "WITH lote AS MATERIALIZED ({RODADAS_ENCERRADAS} \
                         AND NOT EXISTS (SELECT 1 FROM trabalhos t2 WHERE t2.rodada = r.id) \
                         LIMIT $3 FOR UPDATE SKIP LOCKED) \
                     DELETE FROM rodadas d USING lote WHERE d.id = lote.id"
                ))
                .await?;
            let rodadas = tx.execute(&rodadas, &[&idade, &tentativas, &lote]).await?;
            Ok(RodadasRemovidas { rodadas, trabalhos })
        })
    }
}
