//! [`LivroRetencao`] on SQLite: each batch one write transaction (`BEGIN IMMEDIATE`), rows
//! picked by `rowid` from an indexed range (`sessoes_expira`, `idempotencia_idade`) and at most
//! `lote` of them, so the file's write lock is held for one batch only. Ages of keys and rounds
//! by SQLite's clock (`unixepoch()`), as they are written.

use std::time::Duration;

use guiche_ports::livro::ErroLivro;
use guiche_ports::retencao::{LivroRetencao, RodadasRemovidas, idade_segundos, tamanho_lote};
use guiche_ports::trabalhos::TENTATIVAS_MAX;
use rusqlite::params;

use crate::livro::Livro;

/// Rounds older than `?1` seconds that no worker can take a job of: closed, or with no job
/// waiting that is under its tries or still leased.
const RODADAS_ENCERRADAS: &str = "SELECT r.id FROM rodadas r \
     WHERE r.criada_em < unixepoch() - ?1 \
       AND (r.encerrada_em IS NOT NULL OR NOT EXISTS (SELECT 1 FROM trabalhos t \
            WHERE t.rodada = r.id AND t.estado = 'pendente' \
              AND (t.tentativas < ?2 OR t.prazo >= unixepoch())))";

fn contagem(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl LivroRetencao for Livro {
    fn remover_sessoes_vencidas(&self, agora: i64, lote: u32) -> Result<u64, ErroLivro> {
        self.escrever(|tx| {
            let n = tx
                .prepare_cached(
                    "DELETE FROM sessoes WHERE rowid IN (SELECT rowid FROM sessoes \
                     WHERE expira_em < ?1 ORDER BY expira_em LIMIT ?2)",
                )?
                .execute(params![agora, tamanho_lote(lote)])?;
            Ok(contagem(n))
        })
    }

    fn remover_chaves_antigas(
        &self,
        concluidas: Duration,
        em_andamento: Duration,
        lote: u32,
    ) -> Result<u64, ErroLivro> {
        self.escrever(|tx| {
            let mut apagar = tx.prepare_cached(
                "DELETE FROM idempotencia WHERE rowid IN (SELECT rowid FROM idempotencia \
                 WHERE estado = ?1 AND atualizado_em < unixepoch() - ?2 \
                 ORDER BY atualizado_em LIMIT ?3)",
            )?;
            let lote = tamanho_lote(lote);
            let a = apagar.execute(params!["concluida", idade_segundos(concluidas), lote])?;
            let b = apagar.execute(params!["andamento", idade_segundos(em_andamento), lote])?;
            Ok(contagem(a).saturating_add(contagem(b)))
        })
    }

    fn remover_rodadas_encerradas(
        &self,
        idade: Duration,
        lote: u32,
    ) -> Result<RodadasRemovidas, ErroLivro> {
        let (idade, lote) = (idade_segundos(idade), tamanho_lote(lote));
        self.escrever(|tx| {
            let trabalhos = tx
                .prepare_cached(&format!(
                    "DELETE FROM trabalhos WHERE rowid IN (SELECT rowid FROM trabalhos \
                     WHERE rodada IN ({RODADAS_ENCERRADAS}) LIMIT ?3)"
                ))?
                .execute(params![idade, TENTATIVAS_MAX, lote])?;
            let rodadas = tx
                .prepare_cached(&format!(
                    "DELETE FROM rodadas WHERE id IN ({RODADAS_ENCERRADAS} \
                     AND NOT EXISTS (SELECT 1 FROM trabalhos t2 WHERE t2.rodada = r.id) \
                     LIMIT ?3)"
                ))?
                .execute(params![idade, TENTATIVAS_MAX, lote])?;
            Ok(RodadasRemovidas {
                rodadas: contagem(rodadas),
                trabalhos: contagem(trabalhos),
            })
        })
    }
}
