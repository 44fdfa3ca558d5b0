//! [`MedidorBilhetagem`] on PostgreSQL: `bilhetagem`, one count per contratante, service and
//! window. The ceiling and a row's reading are `guiche_ports::bilhetagem::regras`, shared with
//! the SQLite ledger.
//!
//! The ceiling is on the sum of a contratante's services in a window, which no single row
//! holds, so a row lock cannot guard it: a reservation first takes a transaction advisory lock
//! on (contratante, window) (`pg_advisory_xact_lock`), then reads the sum and counts. Under READ
//! COMMITTED each statement reads a new snapshot, and the lock is released only after the
//! holder's commit is visible, so the sum read after the lock includes every reservation that
//! held it before: reservations of one contratante and window are serial across processes and
//! never count past the ceiling. A call given back takes the same lock, so the count a
//! reservation returns is exact. Two different contratantes whose keys collide in the hash
//! merely wait for each other.
//!
//! Listings order text byte by byte (`COLLATE "C"`), as SQLite does, whatever the database's
//! collation.

use deadpool_postgres::Transaction;
use guiche_ports::bilhetagem::{
    Bilhete, ChamadaRegistrada, Consumo, ErroBilhetagem, Janela, MedidorBilhetagem, regras,
};

use crate::Livro;
use crate::falha::Falha;

/// A count that does not read back.
fn corrompida(motivo: String) -> Falha {
    Falha::Linha { id: 0, motivo }
}

/// Takes the turn of the bilhete's contratante and window until the transaction ends.
async fn vez(tx: &Transaction<'_>, b: &Bilhete<'_>) -> Result<(), Falha> {
    let nome = format!("guiche:bilhetagem:{}:{}", b.contratante, b.janela);
    let sql = tx
        .prepare_cached("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .await?;
    tx.execute(&sql, &[&nome]).await?;
    Ok(())
}

impl MedidorBilhetagem for Livro {
    fn reservar(&self, b: Bilhete<'_>) -> Result<u64, ErroBilhetagem> {
        let janela = b.janela.to_string();
        self.escrever(async |tx| {
            vez(tx, &b).await?;
            let soma = tx
                .prepare_cached(
                    "SELECT coalesce(sum(chamadas), 0)::bigint FROM bilhetagem \
                     WHERE contratante = $1 AND janela = $2",
                )
                .await?;
            let total: i64 = tx
                .query_one(&soma, &[&b.contratante, &janela])
                .await?
                .try_get(0)?;
            let depois = match regras::reservar(&b, regras::chamadas(total).map_err(corrompida)?) {
                Ok(n) => n,
                Err(teto) => return Ok(Err(teto)),
            };
            let contar = tx
                .prepare_cached(
                    "INSERT INTO bilhetagem (contratante, servico, janela, chamadas) \
                     VALUES ($1, $2, $3, 1) ON CONFLICT (contratante, servico, janela) \
                     DO UPDATE SET chamadas = bilhetagem.chamadas + 1, \
                     atualizado_em = extract(epoch FROM now())::bigint",
                )
                .await?;
            tx.execute(&contar, &[&b.contratante, &b.servico, &janela])
                .await?;
            Ok(Ok(depois))
        })?
    }

    fn devolver(&self, b: Bilhete<'_>) -> Result<(), ErroBilhetagem> {
        let janela = b.janela.to_string();
        Ok(self.escrever(async |tx| {
            vez(tx, &b).await?;
            let sql = tx
                .prepare_cached(
                    "UPDATE bilhetagem SET chamadas = greatest(chamadas - 1, 0), \
                     atualizado_em = extract(epoch FROM now())::bigint \
                     WHERE contratante = $1 AND servico = $2 AND janela = $3",
                )
                .await?;
            tx.execute(&sql, &[&b.contratante, &b.servico, &janela])
                .await?;
            Ok(())
        })?)
    }

    fn consumo(
        &self,
        contratante: Option<&str>,
        janela: Option<Janela>,
    ) -> Result<Vec<Consumo>, ErroBilhetagem> {
        let janela = janela.map(|j| j.to_string());
        Ok(self.ler(async |tx| {
            let sql = tx
                .prepare_cached(
                    "SELECT contratante, servico, janela, chamadas FROM bilhetagem \
                     WHERE ($1::text IS NULL OR contratante = $1) \
                     AND ($2::text IS NULL OR janela = $2) AND chamadas > 0 \
                     ORDER BY janela COLLATE \"C\", contratante COLLATE \"C\", \
                     servico COLLATE \"C\"",
                )
                .await?;
            let mut v = Vec::new();
            for r in tx.query(&sql, &[&contratante, &janela]).await? {
                let consumo =
                    regras::consumo(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
                v.push(consumo.map_err(corrompida)?);
            }
            Ok(v)
        })?)
    }

    fn registrar_chamada(&self, ch: &ChamadaRegistrada) -> Result<(), ErroBilhetagem> {
        let janela = ch.janela.to_string();
        let status = ch.status.map(i32::from);
        Ok(self.escrever(async |tx| {
            let sql = tx
                .prepare_cached(
                    "INSERT INTO chamadas_serpro \
                     (instante, contratante, servico, janela, etiqueta, status, bilhetada) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .await?;
            tx.execute(
                &sql,
                &[
                    &ch.instante_ms,
                    &ch.contratante,
                    &ch.servico,
                    &janela,
                    &ch.etiqueta,
                    &status,
                    &ch.bilhetada,
                ],
            )
            .await?;
            Ok(())
        })?)
    }

    fn chamadas(
        &self,
        contratante: Option<&str>,
        janela: Option<Janela>,
    ) -> Result<Vec<ChamadaRegistrada>, ErroBilhetagem> {
        let janela = janela.map(|j| j.to_string());
        Ok(self.ler(async |tx| {
            let sql = tx
                .prepare_cached(
                    "SELECT id, instante, contratante, servico, janela, etiqueta, status, \
                     bilhetada FROM chamadas_serpro \
                     WHERE ($1::text IS NULL OR contratante = $1) \
                     AND ($2::text IS NULL OR janela = $2) ORDER BY instante, id",
                )
                .await?;
            let mut v = Vec::new();
            for r in tx.query(&sql, &[&contratante, &janela]).await? {
                let id: i64 = r.try_get(0)?;
                let lida: String = r.try_get(4)?;
                let status: Option<i32> = r.try_get(6)?;
                let (janela, status) = regras::chamada(id, &lida, status.map(i64::from))
                    .map_err(|motivo| Falha::Linha { id, motivo })?;
                v.push(ChamadaRegistrada {
                    instante_ms: r.try_get(1)?,
                    contratante: r.try_get(2)?,
                    servico: r.try_get(3)?,
                    janela,
                    etiqueta: r.try_get(5)?,
                    status,
                    bilhetada: r.try_get(7)?,
                });
            }
            Ok(v)
        })?)
    }
}
