//! [`FilaTrabalhos`] on SQLite: the file's write lock (`BEGIN IMMEDIATE`) serializes the
//! workers of every process on the file, so the first job not leased is taken by one of them.

use std::time::Duration;

use guiche_ports::livro::ErroLivro;
use guiche_ports::trabalhos::{
    Andamento, FilaTrabalhos, TENTATIVAS_MAX, Trabalho, VALIDADE_RODADA, segundos,
};
use rusqlite::{OptionalExtension, params};

use crate::livro::Livro;

impl FilaTrabalhos for Livro {
    fn rodada(&self, tipo: &str, chaves: &[String]) -> Result<i64, ErroLivro> {
        let validade = segundos(VALIDADE_RODADA);
        self.escrever(|tx| {
            tx.execute(
                "UPDATE trabalhos SET estado = 'abandonado', atualizado_em = unixepoch() \
                 WHERE estado = 'pendente' AND rodada IN (SELECT id FROM rodadas \
                     WHERE tipo = ?1 AND encerrada_em IS NULL AND criada_em < unixepoch() - ?2)",
                params![tipo, validade],
            )?;
            tx.execute(
                "UPDATE rodadas SET encerrada_em = unixepoch() \
                 WHERE tipo = ?1 AND encerrada_em IS NULL AND criada_em < unixepoch() - ?2",
                params![tipo, validade],
            )?;
            let aberta: Option<i64> = tx
                .query_row(
                    "SELECT r.id FROM rodadas r WHERE r.tipo = ?1 AND r.encerrada_em IS NULL \
                     AND EXISTS (SELECT 1 FROM trabalhos t WHERE t.rodada = r.id \
                                 AND t.estado = 'pendente' AND t.tentativas < ?2) \
                     ORDER BY r.id DESC LIMIT 1",
                    params![tipo, TENTATIVAS_MAX],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = aberta {
                return Ok(id);
            }
            tx.execute("INSERT INTO rodadas (tipo) VALUES (?1)", [tipo])?;
            let id = tx.last_insert_rowid();
            let mut inserir = tx.prepare(
                "INSERT OR IGNORE INTO trabalhos (rodada, chave, estado) VALUES (?1, ?2, 'pendente')",
            )?;
            for chave in chaves {
                inserir.execute(params![id, chave])?;
            }
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
        self.escrever(|tx| {
            let tomado = tx
                .query_row(
                    "UPDATE trabalhos SET trabalhador = ?2, prazo = unixepoch() + ?3, \
                         tentativas = tentativas + 1, atualizado_em = unixepoch() \
                     WHERE rowid = (SELECT rowid FROM trabalhos \
                         WHERE rodada = ?1 AND estado = 'pendente' AND tentativas < ?4 \
                           AND (prazo IS NULL OR prazo < unixepoch()) \
                         ORDER BY chave LIMIT 1) \
                     RETURNING chave, tentativas",
                    params![rodada, trabalhador, prazo, TENTATIVAS_MAX],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()?;
            Ok(tomado.map(|(chave, tentativas)| Trabalho {
                rodada,
                chave,
                trabalhador: trabalhador.to_owned(),
                tentativa: u32::try_from(tentativas).unwrap_or(u32::MAX),
            }))
        })
    }

    fn renovar(&self, trabalho: &Trabalho, prazo: Duration) -> Result<bool, ErroLivro> {
        let prazo = segundos(prazo);
        self.escrever(|tx| {
            let n = tx.execute(
                "UPDATE trabalhos SET prazo = unixepoch() + ?4, atualizado_em = unixepoch() \
                 WHERE rodada = ?1 AND chave = ?2 AND trabalhador = ?3 AND estado = 'pendente'",
                params![trabalho.rodada, trabalho.chave, trabalho.trabalhador, prazo],
            )?;
            Ok(n == 1)
        })
    }

    fn concluir(&self, trabalho: &Trabalho, resultado: &str) -> Result<bool, ErroLivro> {
        self.escrever(|tx| {
            let n = tx.execute(
                "UPDATE trabalhos SET estado = 'feito', resultado = ?4, prazo = NULL, \
                     atualizado_em = unixepoch() \
                 WHERE rodada = ?1 AND chave = ?2 AND trabalhador = ?3 AND estado = 'pendente'",
                params![
                    trabalho.rodada,
                    trabalho.chave,
                    trabalho.trabalhador,
                    resultado
                ],
            )?;
            Ok(n == 1)
        })
    }

    fn andamento(&self, rodada: i64) -> Result<Andamento, ErroLivro> {
        self.ler(|tx| {
            let (feitos, pendentes): (i64, i64) = tx.query_row(
                "SELECT count(*) FILTER (WHERE estado = 'feito'), \
                        count(*) FILTER (WHERE estado = 'pendente') \
                 FROM trabalhos WHERE rodada = ?1",
                [rodada],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(Andamento {
                feitos: feitos.unsigned_abs(),
                pendentes: pendentes.unsigned_abs(),
            })
        })
    }
}
