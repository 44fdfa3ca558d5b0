//! Turns across processes and machines: session advisory locks (`pg_try_advisory_lock`), each
//! on a connection of the locks' pool held as long as the turn. The server releases a session's
//! locks when its connection ends, so a process killed (`SIGKILL` included) never leaves a
//! sequence or a company stuck: its socket closes and the server ends the session.
//!
//! A sequence's queue is the SQLite ledger's, with two locks (see guiche-store's `fila`): the
//! **door**, held while waiting, and the **turn**; a waiter holds the door until it has the
//! turn, so two processes on one sequence alternate. Lock keys are
//! `hashtextextended(name, 0)` of the lock's name: a collision of two names (one in 2⁶⁴) only
//! makes their holders take turns.

use std::sync::{Arc, Mutex, PoisonError};

use deadpool_postgres::{Object, Pool};
use guiche_ports::livro::{ErroLivro, Fila, Sequencia, Vez};

use crate::conexao::Ponte;
use crate::falha::Falha;

/// A connection of the locks' pool and the locks its session holds. When the last holder lets
/// go, every lock of the session is released and the connection goes back to the pool (or,
/// if the release fails, is closed: the server then releases them itself).
struct Sessao {
    objeto: Mutex<Option<Object>>,
    ponte: Arc<Ponte>,
}

impl Sessao {
    fn abrir(pool: &Pool, ponte: &Arc<Ponte>, local: &str) -> Result<Arc<Sessao>, ErroLivro> {
        let objeto = ponte
            .esperar(pool.get())
            .map_err(|e| Falha::from(e).no(local))?;
        Ok(Arc::new(Sessao {
            objeto: Mutex::new(Some(objeto)),
            ponte: Arc::clone(ponte),
        }))
    }

    /// `pg_try_advisory_lock` (`true`: taken now) or `pg_advisory_unlock` of `nome`.
    fn trava(&self, funcao: Funcao, nome: &str) -> Result<bool, Falha> {
        let guarda = self.objeto.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(objeto) = guarda.as_ref() else {
            return Ok(false);
        };
        let sql = match funcao {
            Funcao::Tentar => "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
            Funcao::Soltar => "SELECT pg_advisory_unlock(hashtextextended($1, 0))",
        };
        let linha = self.ponte.esperar(objeto.query_one(sql, &[&nome]))?;
        Ok(linha.get(0))
    }

    /// Releases `nome`; on failure closes the connection, which releases it too.
    fn soltar(&self, nome: &str) {
        if self.trava(Funcao::Soltar, nome).is_err() {
            let mut guarda = self.objeto.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(objeto) = guarda.take() {
                drop(Object::take(objeto));
            }
        }
    }
}

impl Drop for Sessao {
    fn drop(&mut self) {
        let objeto = self
            .objeto
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(objeto) = objeto {
            let solto = self
                .ponte
                .esperar(objeto.simple_query("SELECT pg_advisory_unlock_all()"));
            if solto.is_err() {
                // Closing the connection releases whatever the session held.
                drop(Object::take(objeto));
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Funcao {
    Tentar,
    Soltar,
}

/// A turn held: released (and its session given back) when dropped.
struct VezPg {
    sessao: Arc<Sessao>,
    nome: String,
}

impl Drop for VezPg {
    fn drop(&mut self) {
        self.sessao.soltar(&self.nome);
    }
}

/// The name of a sequence's locks.
fn nome(s: &Sequencia, qual: &str) -> String {
    format!(
        "guiche:nfd:{qual}:{}:{}",
        s.prestador.as_str(),
        s.prefeitura
    )
}

/// A place in a sequence's queue.
pub(crate) struct FilaPg {
    sessao: Arc<Sessao>,
    porta: String,
    vez: String,
    com_porta: bool,
    entregue: bool,
    local: String,
}

impl FilaPg {
    pub(crate) fn nova(
        pool: &Pool,
        ponte: &Arc<Ponte>,
        s: &Sequencia,
        local: &str,
    ) -> Result<FilaPg, ErroLivro> {
        Ok(FilaPg {
            sessao: Sessao::abrir(pool, ponte, local)?,
            porta: nome(s, "porta"),
            vez: nome(s, "vez"),
            com_porta: false,
            entregue: false,
            local: local.to_owned(),
        })
    }
}

impl Fila for FilaPg {
    fn tentar(&mut self) -> Result<Option<Vez>, ErroLivro> {
        if self.entregue {
            return Ok(None); // the turn was handed out already: this place is spent
        }
        let falha = |f: Falha| f.no(&self.local);
        if !self.com_porta {
            self.com_porta = self
                .sessao
                .trava(Funcao::Tentar, &self.porta)
                .map_err(falha)?;
            if !self.com_porta {
                return Ok(None);
            }
        }
        if !self
            .sessao
            .trava(Funcao::Tentar, &self.vez)
            .map_err(falha)?
        {
            return Ok(None);
        }
        // The next one in the queue may take the door now.
        self.sessao.soltar(&self.porta);
        self.com_porta = false;
        self.entregue = true;
        Ok(Some(Vez::new(Box::new(VezPg {
            sessao: Arc::clone(&self.sessao),
            nome: self.vez.clone(),
        }))))
    }
}

impl Drop for FilaPg {
    fn drop(&mut self) {
        if self.com_porta {
            self.sessao.soltar(&self.porta);
        }
    }
}

/// The turn named `nome`, taken now or not at all (`None`: another holder has it).
pub(crate) fn vez_avulsa(
    pool: &Pool,
    ponte: &Arc<Ponte>,
    nome: &str,
    local: &str,
) -> Result<Option<Vez>, ErroLivro> {
    let sessao = Sessao::abrir(pool, ponte, local)?;
    let nome = format!("guiche:{nome}");
    if !sessao
        .trava(Funcao::Tentar, &nome)
        .map_err(|f| f.no(local))?
    {
        return Ok(None);
    }
    Ok(Some(Vez::new(Box::new(VezPg { sessao, nome }))))
}
