//! [`LivroPacotes`] on PostgreSQL: `pacotes`, keyed by the CONAM service's base URL and
//! `idPacote`. What a row means and which change it admits are `guiche_ports::contabil::regras`,
//! shared with the SQLite ledger; this module holds the SQL and its serialization.
//!
//! Every change reads the row `FOR UPDATE` before deciding and writes it in the same
//! transaction: under READ COMMITTED the row lock holds off any other process's change of that
//! package until the commit, and the read returns the newest committed version, so a decision
//! is never taken on a situation another process changed meanwhile (a send can never clear an
//! evaluation recorded a moment before). A new package is inserted with `ON CONFLICT DO
//! NOTHING`: when another process inserted it first, the insert waits for that commit and the
//! row is then read and locked like any other. Rows are never deleted.
//!
//! Rows copied from a SQLite ledger older than its migration 0006 keep the empty URL; such a
//! row answers for its id at any service until one writes to it, which adopts it (the crate
//! documentation of `guiche-store`, "Packages"). Adoption is one `UPDATE … WHERE servico = ''`:
//! of two services adopting at once, the second waits for the first's row lock and then finds
//! the row no longer empty, so one row is adopted once.

use deadpool_postgres::Transaction;
use guiche_ports::contabil::regras::{self, LinhaPacote};
use guiche_ports::contabil::{ChavePacote, LivroPacotes, RegistroPacote, SituacaoPacote};
use guiche_ports::livro::ErroLivro;
use tokio_postgres::Row;

use crate::Livro;
use crate::falha::Falha;

/// A corrupt row of `pacotes`.
fn corrompido(id: i64, motivo: impl std::fmt::Display) -> Falha {
    Falha::Linha {
        id,
        motivo: regras::corrompido(id, motivo),
    }
}

/// Hands a row kept from before the ledger knew URLs to `servico`, unless that service already
/// has its own record of the id.
async fn adotar(tx: &Transaction<'_>, servico: &str, id: i64) -> Result<(), Falha> {
    let sql = tx
        .prepare_cached(
            "UPDATE pacotes SET servico = $1 WHERE servico = '' AND id_pacote = $2 \
             AND NOT EXISTS (SELECT 1 FROM pacotes WHERE servico = $1 AND id_pacote = $2)",
        )
        .await?;
    tx.execute(&sql, &[&servico, &id]).await?;
    Ok(())
}

/// The situation of package `id` at `servico`, its row locked until the commit: `None` when
/// there is no such package, `Some(None)` while its outcome is unknown.
async fn atual(
    tx: &Transaction<'_>,
    servico: &str,
    id: i64,
) -> Result<Option<Option<SituacaoPacote>>, Falha> {
    let sql = tx
        .prepare_cached(
            "SELECT situacao, codigo, mensagem FROM pacotes \
             WHERE servico = $1 AND id_pacote = $2 FOR UPDATE",
        )
        .await?;
    tx.query_opt(&sql, &[&servico, &id])
        .await?
        .map(|r| ler_situacao(id, &r, 0))
        .transpose()
}

/// The situation from columns `primeira`.. (`situacao`, `codigo`, `mensagem`).
fn ler_situacao(id: i64, row: &Row, primeira: usize) -> Result<Option<SituacaoPacote>, Falha> {
    let texto = |i: usize| -> Result<Option<String>, Falha> {
        row.try_get(primeira + i)
            .map_err(|e| corrompido(id, format!("coluna {}: {e}", primeira + i)))
    };
    regras::ler_situacao(texto(0)?.as_deref(), texto(1)?, texto(2)?).map_err(|m| corrompido(id, m))
}

/// Writes `nova` into the (locked) row of package `id` at `servico`.
async fn gravar(
    tx: &Transaction<'_>,
    servico: &str,
    id: i64,
    nova: &SituacaoPacote,
) -> Result<(), Falha> {
    let (situacao, codigo, mensagem) = regras::colunas(nova);
    let sql = tx
        .prepare_cached(
            "UPDATE pacotes SET situacao = $3, codigo = $4, mensagem = $5, \
             atualizado_em = extract(epoch FROM now())::bigint \
             WHERE servico = $1 AND id_pacote = $2",
        )
        .await?;
    tx.execute(&sql, &[&servico, &id, &situacao, &codigo, &mensagem])
        .await?;
    Ok(())
}

/// Reads a row selected by [`LivroPacotes::pacote`].
fn registro(id: i64, row: &Row) -> Result<RegistroPacote, Falha> {
    let celula = |e: tokio_postgres::Error| corrompido(id, e);
    let linha = LinhaPacote {
        servico: row.try_get(0).map_err(celula)?,
        entidade: row.try_get(1).map_err(celula)?,
        documento: row.try_get(2).map_err(celula)?,
        situacao: row.try_get(3).map_err(celula)?,
        codigo: row.try_get(4).map_err(celula)?,
        mensagem: row.try_get(5).map_err(celula)?,
    };
    regras::registro(id, linha).map_err(|motivo| Falha::Linha { id, motivo })
}

impl Livro {
    /// `id_pacote` as the ledger stores it; any other is refused by name.
    fn id_do_pacote(&self, id_pacote: u64) -> Result<i64, ErroLivro> {
        regras::id_guardado(id_pacote).map_err(|motivo| ErroLivro::Armazenamento {
            local: self.local().to_owned(),
            motivo,
        })
    }
}

impl LivroPacotes for Livro {
    fn registrar_envio(
        &self,
        chave: &ChavePacote,
        entidade: &str,
        documento: &str,
    ) -> Result<(), ErroLivro> {
        let id = self.id_do_pacote(chave.id_pacote())?;
        let servico = chave.servico();
        self.escrever(async |tx| {
            adotar(tx, servico, id).await?;
            let inserir = tx
                .prepare_cached(
                    "INSERT INTO pacotes (servico, id_pacote, entidade, documento) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (servico, id_pacote) DO NOTHING \
                     RETURNING id_pacote",
                )
                .await?;
            let novo = tx
                .query_opt(&inserir, &[&servico, &id, &entidade, &documento])
                .await?;
            if novo.is_some() {
                return Ok(());
            }
            let Some(situacao) = atual(tx, servico, id).await? else {
                // Rows are never deleted: the conflict's row is there.
                return Err(Falha::Recusa(format!(
                    "o pacote {id} não foi encontrado logo após existir; nada foi gravado, \
                     tente de novo"
                )));
            };
            regras::envio(id, situacao.as_ref())?;
            let reenviar = tx
                .prepare_cached(
                    "UPDATE pacotes SET entidade = $3, documento = $4, situacao = NULL, \
                     codigo = NULL, mensagem = NULL, envios = envios + 1, \
                     atualizado_em = extract(epoch FROM now())::bigint \
                     WHERE servico = $1 AND id_pacote = $2",
                )
                .await?;
            tx.execute(&reenviar, &[&servico, &id, &entidade, &documento])
                .await?;
            Ok(())
        })
    }

    fn atualizar(&self, chave: &ChavePacote, situacao: &SituacaoPacote) -> Result<(), ErroLivro> {
        let id = self.id_do_pacote(chave.id_pacote())?;
        let servico = chave.servico();
        self.escrever(async |tx| {
            adotar(tx, servico, id).await?;
            if regras::atualizacao(id, atual(tx, servico, id).await?, situacao)? {
                gravar(tx, servico, id, situacao).await?;
            }
            Ok(())
        })
    }

    fn conciliar(
        &self,
        chave: &ChavePacote,
        situacao: &SituacaoPacote,
    ) -> Result<Option<SituacaoPacote>, ErroLivro> {
        let id = self.id_do_pacote(chave.id_pacote())?;
        let servico = chave.servico();
        self.escrever(async |tx| {
            adotar(tx, servico, id).await?;
            let conciliacao = regras::conciliacao(id, atual(tx, servico, id).await?, situacao)?;
            if conciliacao.gravar {
                gravar(tx, servico, id, situacao).await?;
            }
            Ok(conciliacao.antes)
        })
    }

    fn pacote(&self, chave: &ChavePacote) -> Result<Option<RegistroPacote>, ErroLivro> {
        let Ok(id) = self.id_do_pacote(chave.id_pacote()) else {
            return Ok(None); // never recorded: no such id can be stored
        };
        let servico = chave.servico();
        self.ler(async |tx| {
            let sql = tx
                .prepare_cached(
                    "SELECT servico, entidade, documento, situacao, codigo, mensagem \
                     FROM pacotes WHERE id_pacote = $2 AND servico IN ($1, '') \
                     ORDER BY servico = '' LIMIT 1",
                )
                .await?;
            tx.query_opt(&sql, &[&servico, &id])
                .await?
                .map(|r| registro(id, &r))
                .transpose()
        })
    }
}
