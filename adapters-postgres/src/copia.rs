//! A whole ledger copied in (`guiche livro migrar --para postgres://…`): into an empty
//! database, in one transaction, verified before it commits.

use std::pin::pin;
use std::sync::mpsc;

use guiche_ports::copia::{Celula, Conferencia, LinhaCopiada, OrigemCopia, TABELAS};
use guiche_ports::livro::ErroLivro;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use crate::falha::Falha;
use crate::livro::Livro;

/// The identity columns whose sequence must continue after the copied rows.
const IDENTIDADES: &[(&str, &str)] = &[
    ("notas", "id"),
    ("guias", "ordem"),
    ("pagamentos", "id"),
    ("ocorrencias", "id"),
    ("tokens", "id"),
    ("rodadas", "id"),
    ("chamadas_serpro", "id"),
];

/// Rows in flight between the reading thread and the copy.
const FOLGA: usize = 1024;

/// A cell as the column's type wants it.
fn valor(
    tabela: &str,
    coluna: &str,
    tipo: &Type,
    c: Celula,
) -> Result<Box<dyn ToSql + Sync + Send>, Falha> {
    let recusa = |o_que: &str| {
        Falha::Recusa(format!(
            "a coluna {tabela}.{coluna} ({tipo}) não aceita {o_que} vindo da origem; nada foi \
             copiado"
        ))
    };
    Ok(match (c, tipo) {
        (Celula::Nulo, t) if *t == Type::BOOL => Box::new(None::<bool>),
        (Celula::Nulo, t) if *t == Type::INT8 => Box::new(None::<i64>),
        (Celula::Nulo, t) if *t == Type::INT4 => Box::new(None::<i32>),
        (Celula::Nulo, t) if *t == Type::TEXT => Box::new(None::<String>),
        (Celula::Nulo, t) if *t == Type::BYTEA => Box::new(None::<Vec<u8>>),
        (Celula::Inteiro(i), t) if *t == Type::INT8 => Box::new(i),
        (Celula::Inteiro(i), t) if *t == Type::INT4 => {
            Box::new(i32::try_from(i).map_err(|_| recusa(&format!("o inteiro {i}")))?)
        }
        (Celula::Inteiro(i @ (0 | 1)), t) if *t == Type::BOOL => Box::new(i == 1),
        (Celula::Texto(s), t) if *t == Type::TEXT => Box::new(s),
        (Celula::Bytes(b), t) if *t == Type::BYTEA => Box::new(b),
        (Celula::Nulo, _) => return Err(recusa("NULL")),
        (Celula::Inteiro(i), _) => return Err(recusa(&format!("o inteiro {i}"))),
        (Celula::Texto(_), _) => return Err(recusa("texto")),
        (Celula::Bytes(_), _) => return Err(recusa("bytes")),
    })
}

impl guiche_ports::copia::DestinoCopia for Livro {
    fn importar(&self, origem: &dyn OrigemCopia) -> Result<Conferencia, ErroLivro> {
        Livro::importar(self, |enviar| origem.exportar(enviar))
    }

    fn local(&self) -> &str {
        Livro::local(self)
    }
}

impl Livro {
    /// Copies a whole ledger into this one, which must be empty: `fonte` reads the source
    /// and hands each row (tables in the order of [`TABELAS`]) to the function it is given,
    /// returning what it read. In one transaction, with every table locked against other
    /// processes: the copy is compared with the source (rows per table, every nota's number and
    /// state) and commits only if they match; any failure leaves this database as it was.
    ///
    /// `fonte` runs on a thread of its own, while this one writes.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`] naming the table that already has rows, a cell this engine
    /// cannot hold, the differences found, or the database's failure; `fonte`'s error as is.
    pub fn importar(
        &self,
        fonte: impl FnOnce(
            &mut dyn FnMut(LinhaCopiada) -> Result<(), ErroLivro>,
        ) -> Result<Conferencia, ErroLivro>
        + Send,
    ) -> Result<Conferencia, ErroLivro> {
        let (envio, recebimento) = mpsc::sync_channel::<LinhaCopiada>(FOLGA);
        std::thread::scope(|s| {
            let leitor = s.spawn(move || {
                fonte(&mut |linha| {
                    envio.send(linha).map_err(|_| ErroLivro::Armazenamento {
                        local: String::new(),
                        motivo: "a cópia no PostgreSQL parou".into(),
                    })
                })
            });
            let escrito = self.c.ponte.esperar(self.gravar_copia(&recebimento));
            // The reader ends once the channel closes (it was dropped with `gravar_copia`'s
            // receiver loop ending, or the copy failed and stopped reading).
            drop(recebimento);
            let lido = leitor.join().map_err(|_| ErroLivro::Armazenamento {
                local: self.c.local.clone(),
                motivo: "a leitura da origem parou com um erro interno".into(),
            });
            // The copy's failure first: it is the cause when the reader stopped for want of a
            // receiver. An open copy dropped on an error closes its connection (rolled back).
            let (tx_pronta, destino) = escrito.map_err(|f| f.no(&self.c.local))?;
            let conferencia = lido??;
            let diferencas = conferencia.diferencas(&destino);
            self.c
                .ponte
                .esperar(tx_pronta.concluir(diferencas.is_empty()))
                .map_err(|f| f.no(&self.c.local))?;
            if diferencas.is_empty() {
                Ok(destino)
            } else {
                Err(ErroLivro::Armazenamento {
                    local: self.c.local.clone(),
                    motivo: format!(
                        "a cópia não confere com a origem, nada foi gravado: {}",
                        diferencas.join("; ")
                    ),
                })
            }
        })
    }

    /// Writes what arrives on `linhas` with `COPY … FROM STDIN (FORMAT binary)`, table by
    /// table, and reads back what it wrote; the transaction stays open for
    /// [`CopiaAberta::concluir`].
    async fn gravar_copia(
        &self,
        linhas: &mpsc::Receiver<LinhaCopiada>,
    ) -> Result<(CopiaAberta, Conferencia), Falha> {
        let cliente = self.c.transacoes.get().await?;
        cliente.batch_execute("BEGIN").await?;
        let aberta = CopiaAberta {
            cliente: Some(cliente),
        };
        let c = aberta.cliente()?;
        let nomes: Vec<&str> = TABELAS.iter().map(|(t, _)| *t).collect();
        c.batch_execute(&format!(
            "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
            nomes.join(", ")
        ))
        .await?;
        for tabela in &nomes {
            let tem: bool = c
                .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {tabela})"), &[])
                .await?
                .get(0);
            if tem {
                return Err(Falha::Recusa(format!(
                    "o banco de destino já tem dados (tabela {tabela}); a migração só copia \
                     para um livro vazio"
                )));
            }
        }
        let mut proxima = linhas.recv().ok();
        for (i, (tabela, colunas)) in TABELAS.iter().enumerate() {
            let tipos = tipos(c, tabela, colunas).await?;
            let sink = c
                .copy_in(&format!(
                    "COPY {tabela} ({}) FROM STDIN (FORMAT binary)",
                    colunas.join(", ")
                ))
                .await?;
            let mut escritor = pin!(BinaryCopyInWriter::new(sink, &tipos));
            while let Some(linha) = proxima.take_if(|l| l.tabela == i) {
                if linha.celulas.len() != colunas.len() {
                    return Err(Falha::Recusa(format!(
                        "uma linha da tabela {tabela} veio com {} colunas, não {}",
                        linha.celulas.len(),
                        colunas.len()
                    )));
                }
                let valores = linha
                    .celulas
                    .into_iter()
                    .zip(colunas.iter().zip(&tipos))
                    .map(|(cel, (coluna, tipo))| valor(tabela, coluna, tipo, cel))
                    .collect::<Result<Vec<_>, _>>()?;
                let refs: Vec<&(dyn ToSql + Sync)> = valores
                    .iter()
                    .map(|v| v.as_ref() as &(dyn ToSql + Sync))
                    .collect();
                escritor.as_mut().write(&refs).await?;
                proxima = linhas.recv().ok();
            }
            escritor.finish().await?;
        }
        if let Some(fora) = proxima {
            return Err(Falha::Recusa(format!(
                "a origem mandou linhas fora de ordem (tabela nº {})",
                fora.tabela
            )));
        }
        for (tabela, coluna) in IDENTIDADES {
            c.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{tabela}', '{coluna}'), \
                 coalesce(max({coluna}), 0) + 1, false) FROM {tabela}"
            ))
            .await?;
        }
        let destino = conferir(c).await?;
        Ok((aberta, destino))
    }
}

/// The copy's transaction, open until it is committed or rolled back; dropped open (an error
/// on the way), its connection is closed instead of going back to the pool, and the server
/// rolls the transaction back.
struct CopiaAberta {
    cliente: Option<deadpool_postgres::Object>,
}

impl CopiaAberta {
    fn cliente(&self) -> Result<&deadpool_postgres::Object, Falha> {
        self.cliente
            .as_ref()
            .ok_or_else(|| Falha::Recusa("a cópia já terminou".into()))
    }

    async fn concluir(mut self, gravar: bool) -> Result<(), Falha> {
        let fim = if gravar { "COMMIT" } else { "ROLLBACK" };
        self.cliente()?.batch_execute(fim).await?;
        // Concluded: the connection may serve again.
        drop(self.cliente.take());
        Ok(())
    }
}

impl Drop for CopiaAberta {
    fn drop(&mut self) {
        if let Some(cliente) = self.cliente.take() {
            drop(deadpool_postgres::Object::take(cliente));
        }
    }
}

/// The types of `colunas` of `tabela`, in order.
async fn tipos(
    c: &tokio_postgres::Client,
    tabela: &str,
    colunas: &[&str],
) -> Result<Vec<Type>, Falha> {
    let sql = format!("SELECT {} FROM {tabela} LIMIT 0", colunas.join(", "));
    let stmt = c.prepare(&sql).await?;
    Ok(stmt.columns().iter().map(|c| c.type_().clone()).collect())
}

/// What this database holds, to compare with the source.
async fn conferir(c: &tokio_postgres::Client) -> Result<Conferencia, Falha> {
    let mut conferencia = Conferencia::default();
    for (tabela, _) in TABELAS {
        let n: i64 = c
            .query_one(&format!("SELECT count(*) FROM {tabela}"), &[])
            .await?
            .get(0);
        conferencia.linhas.push(n.unsigned_abs());
    }
    for l in c
        .query("SELECT id, numero, estado FROM notas ORDER BY id", &[])
        .await?
    {
        conferencia.notas.push((l.get(0), l.get(1), l.get(2)));
    }
    Ok(conferencia)
}
