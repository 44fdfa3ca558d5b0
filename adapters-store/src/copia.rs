//! The whole ledger, row by row, for a copy to another engine (`guiche livro migrar`).

use guiche_ports::copia::{Celula, Conferencia, LinhaCopiada, TABELAS};
use guiche_ports::livro::ErroLivro;
use rusqlite::types::ValueRef;

use crate::falha::Falha;
use crate::livro::Livro;

/// The column as SQLite holds it: a guide's recording order is its `rowid`.
fn coluna_sqlite(tabela: &str, coluna: &'static str) -> &'static str {
    match (tabela, coluna) {
        ("guias", "ordem") => "rowid",
        _ => coluna,
    }
}

fn celula(tabela: &str, coluna: &str, v: ValueRef<'_>) -> Result<Celula, Falha> {
    Ok(match v {
        ValueRef::Null => Celula::Nulo,
        ValueRef::Integer(i) => Celula::Inteiro(i),
        ValueRef::Text(t) => Celula::Texto(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Celula::Bytes(b.to_vec()),
        ValueRef::Real(r) => {
            return Err(Falha::Recusa(format!(
                "a coluna {tabela}.{coluna} tem um número de ponto flutuante ({r}), que o livro \
                 nunca grava; o arquivo não é um livro do guichê íntegro"
            )));
        }
    })
}

impl guiche_ports::copia::OrigemCopia for Livro {
    fn exportar(
        &self,
        enviar: &mut guiche_ports::copia::Enviar<'_>,
    ) -> Result<Conferencia, ErroLivro> {
        Livro::exportar(self, enviar)
    }

    fn local(&self) -> &str {
        Livro::local(self)
    }
}

impl Livro {
    /// Hands every row of every table of [`TABELAS`] to `enviar`, in that order, inside one
    /// write transaction: other processes wait until the copy ends, so it is one consistent
    /// picture and nothing written meanwhile is missed. Returns what it read, to compare with
    /// the copy.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`] when the file cannot be read, or `enviar`'s error as is.
    pub fn exportar(
        &self,
        enviar: &mut dyn FnMut(LinhaCopiada) -> Result<(), ErroLivro>,
    ) -> Result<Conferencia, ErroLivro> {
        self.escrever(|tx| {
            let mut conferencia = Conferencia::default();
            for (i, (tabela, colunas)) in TABELAS.iter().enumerate() {
                let lista: Vec<&str> = colunas.iter().map(|c| coluna_sqlite(tabela, c)).collect();
                let sql = format!("SELECT {} FROM {tabela} ORDER BY rowid", lista.join(", "));
                let mut stmt = tx.prepare(&sql)?;
                let mut linhas = stmt.query([])?;
                let mut n = 0u64;
                while let Some(linha) = linhas.next()? {
                    let mut celulas = Vec::with_capacity(colunas.len());
                    for (j, coluna) in colunas.iter().enumerate() {
                        celulas.push(celula(tabela, coluna, linha.get_ref(j)?)?);
                    }
                    enviar(LinhaCopiada { tabela: i, celulas })?;
                    n += 1;
                }
                conferencia.linhas.push(n);
            }
            let mut stmt = tx.prepare("SELECT id, numero, estado FROM notas ORDER BY id")?;
            let mut linhas = stmt.query([])?;
            while let Some(l) = linhas.next()? {
                conferencia.notas.push((l.get(0)?, l.get(1)?, l.get(2)?));
            }
            Ok(conferencia)
        })
    }
}
