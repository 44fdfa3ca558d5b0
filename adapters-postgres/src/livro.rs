//! [`Livro`]: the pools, the schema on open, and one transaction per port method.

use std::fmt;

use deadpool_postgres::Transaction;
use guiche_ports::livro::ErroLivro;

use crate::conexao::{Conexoes, Opcoes};
use crate::esquema;
use crate::falha::Falha;

/// The ledger of notas (and of CONAM packages, billed calls, the e-CAC reconciliation, the
/// API's tokens and idempotency keys) on PostgreSQL, shared by any number of processes on any
/// number of machines.
///
/// Every port method is one transaction on a pooled connection; a turn (a sequence's, an
/// e-CAC company's) is a session advisory lock on a connection of a second pool, held as long
/// as the turn and released by the server when the process ends, however it ends. See the
/// crate's documentation.
pub struct Livro {
    pub(crate) c: Conexoes,
}

impl fmt::Debug for Livro {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Livro")
            .field("local", &self.c.local)
            .finish_non_exhaustive()
    }
}

impl Livro {
    /// Connects to the database at `url` (`postgres://user[:password]@host[:port]/db`) and
    /// brings its schema up to date (several processes may do so at once).
    ///
    /// Without `sslmode` in the URL, TLS is required to any host but this machine's; the
    /// server's certificate is verified against the system's roots and `opcoes.ca_pem`.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`] when the URL does not parse, the server cannot be reached or
    /// refuses the user, or the database was written by a newer guichê. The message names the
    /// server and database, never the password.
    pub fn abrir(url: &str, opcoes: &Opcoes) -> Result<Livro, ErroLivro> {
        let c = Conexoes::abrir(url, opcoes)?;
        let livro = Livro { c };
        livro
            .c
            .ponte
            .esperar(async {
                let mut cliente = livro.c.transacoes.get().await?;
                esquema::migrar(&mut cliente).await
            })
            .map_err(|f| f.no(&livro.c.local))?;
        Ok(livro)
    }

    /// Where the ledger is: `postgres://user@host:port/db` (never the password).
    pub fn local(&self) -> &str {
        &self.c.local
    }

    /// Runs `f` in one transaction, committing on success (rolled back on any error).
    pub(crate) fn escrever<T>(
        &self,
        f: impl AsyncFnOnce(&Transaction<'_>) -> Result<T, Falha>,
    ) -> Result<T, ErroLivro> {
        self.transacao(false, f)
    }

    /// Runs `f` in one read-only transaction.
    pub(crate) fn ler<T>(
        &self,
        f: impl AsyncFnOnce(&Transaction<'_>) -> Result<T, Falha>,
    ) -> Result<T, ErroLivro> {
        self.transacao(true, f)
    }

    fn transacao<T>(
        &self,
        so_leitura: bool,
        f: impl AsyncFnOnce(&Transaction<'_>) -> Result<T, Falha>,
    ) -> Result<T, ErroLivro> {
        self.c
            .ponte
            .esperar(async {
                let mut cliente = self.c.transacoes.get().await?;
                let tx = cliente
                    .build_transaction()
                    .read_only(so_leitura)
                    .start()
                    .await?;
                let valor = f(&tx).await?;
                tx.commit().await?;
                Ok(valor)
            })
            .map_err(|f: Falha| f.no(&self.c.local))
    }
}

impl guiche_ports::LivroCompleto for Livro {
    fn local(&self) -> &str {
        &self.c.local
    }
}
