//! [`FilaTrabalhos`] on PostgreSQL: workers on many machines take jobs with
//! `SELECT … FOR UPDATE SKIP LOCKED` (none waits for another's row, none takes a row another
//! is taking), leases timed by the server's clock.

use std::time::Duration;

use guiche_ports::livro::ErroLivro;
use guiche_ports::trabalhos::{
    Andamento, FilaTrabalhos, TENTATIVAS_MAX, Trabalho, VALIDADE_RODADA, segundos,
};

use crate::livro::Livro;

/// The server's clock, in unix seconds.
const AGORA: &str = "floor(extract(epoch FROM now()))::bigint";

impl FilaTrabalhos for Livro {
    fn rodada(&self, tipo: &str, chaves: &[String]) -> Result<i64, ErroLivro> {
        let validade = segundos(VALIDADE_RODADA);
        let maximo = i64::from(TENTATIVAS_MAX);
        self.escrever(async |tx| {
            // One worker at a time looks for (or opens) the round of `tipo`: two starting
            // together must not open two rounds.
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                &[&format!("guiche:rodada:{tipo}")],
            )
            .await?;
            let velhas = format!(
                "UPDATE rodadas SET encerrada_em = {AGORA} \
                 WHERE tipo = $1 AND encerrada_em IS NULL AND criada_em < {AGORA} - $2 \
                 RETURNING id"
            );
            for velha in tx.query(&velhas, &[&tipo, &validade]).await? {
                let id: i64 = velha.get(0);
                tx.execute(
                    &format!(
                        "UPDATE trabalhos SET estado = 'abandonado', atualizado_em = {AGORA} \
                         WHERE rodada = $1 AND estado = 'pendente'"
                    ),
                    &[&id],
                )
                .await?;
            }
            let aberta = tx
                .query_opt(
                    "SELECT r.id FROM rodadas r WHERE r.tipo = $1 AND r.encerrada_em IS NULL \
                     AND EXISTS (SELECT 1 FROM trabalhos t WHERE t.rodada = r.id \
                                 AND t.estado = 'pendente' AND t.tentativas < $2) \
                     ORDER BY r.id DESC LIMIT 1",
                    &[&tipo, &maximo],
                )
                .await?;
            if let Some(linha) = aberta {
                return Ok(linha.get(0));
            }
            let id: i64 = tx
                .query_one(
                    "INSERT INTO rodadas (tipo) VALUES ($1) RETURNING id",
                    &[&tipo],
                )
                .await?
                .get(0);
            tx.execute(
                "INSERT INTO trabalhos (rodada, chave, estado) \
                 SELECT $1, c, 'pendente' FROM unnest($2::text[]) AS c ON CONFLICT DO NOTHING",
                &[&id, &chaves],
            )
            .await?;
            Ok(id)
        })
    }

    fn pegar(
        &self,
        rodada: i64,
        trabalhador: &str,
        prazo: Duration,
    ) -> Result<Option<Trabalho>, ErroLivro> {
        let prazo = segundos(prazo);
        let maximo = i64::from(TENTATIVAS_MAX);
        self.escrever(async |tx| {
            let sql = format!(
                "UPDATE trabalhos SET trabalhador = $2, prazo = {AGORA} + $3, \
                     tentativas = tentativas + 1, atualizado_em = {AGORA} \
                 WHERE (rodada, chave) = ( \
                     SELECT rodada, chave FROM trabalhos \
                     WHERE rodada = $1 AND estado = 'pendente' AND tentativas < $4 \
                       AND (prazo IS NULL OR prazo < {AGORA}) \
                     ORDER BY chave LIMIT 1 FOR UPDATE SKIP LOCKED) \
                 RETURNING chave, tentativas"
            );
            let linha = tx
                .query_opt(&sql, &[&rodada, &trabalhador, &prazo, &maximo])
                .await?;
            Ok(linha.map(|l| Trabalho {
                rodada,
                chave: l.get(0),
                trabalhador: trabalhador.to_owned(),
                tentativa: u32::try_from(l.get::<_, i64>(1)).unwrap_or(u32::MAX),
            }))
        })
    }

    fn renovar(&self, trabalho: &Trabalho, prazo: Duration) -> Result<bool, ErroLivro> {
        let prazo = segundos(prazo);
        self.escrever(async |tx| {
            let sql = format!(
                "UPDATE trabalhos SET prazo = {AGORA} + $4, atualizado_em = {AGORA} \
                 WHERE rodada = $1 AND chave = $2 AND trabalhador = $3 AND estado = 'pendente'"
            );
            let n = tx
                .execute(
                    &sql,
                    &[
                        &trabalho.rodada,
                        &trabalho.chave,
                        &trabalho.trabalhador,
                        &prazo,
                    ],
                )
                .await?;
            Ok(n == 1)
        })
    }

    fn concluir(&self, trabalho: &Trabalho, resultado: &str) -> Result<bool, ErroLivro> {
        self.escrever(async |tx| {
            let sql = format!(
                "UPDATE trabalhos SET estado = 'feito', resultado = $4, prazo = NULL, \
                     atualizado_em = {AGORA} \
                 WHERE rodada = $1 AND chave = $2 AND trabalhador = $3 AND estado = 'pendente'"
            );
            let n = tx
                .execute(
                    &sql,
                    &[
                        &trabalho.rodada,
                        &trabalho.chave,
                        &trabalho.trabalhador,
                        &resultado,
                    ],
                )
                .await?;
            Ok(n == 1)
        })
    }

    fn andamento(&self, rodada: i64) -> Result<Andamento, ErroLivro> {
        self.ler(async |tx| {
            let l = tx
                .query_one(
                    "SELECT count(*) FILTER (WHERE estado = 'feito'), \
                            count(*) FILTER (WHERE estado = 'pendente') \
                     FROM trabalhos WHERE rodada = $1",
                    &[&rodada],
                )
                .await?;
            Ok(Andamento {
                feitos: l.get::<_, i64>(0).unsigned_abs(),
                pendentes: l.get::<_, i64>(1).unsigned_abs(),
            })
        })
    }
}
