//! [`Livro`]: the SQLite connection, its pragmas, and the [`LivroNotas`] methods, each one
//! transaction.

use crate::bilhetagem;
use guiche_ports::bilhetagem::{Bilhete, Consumo, ErroBilhetagem, Janela, MedidorBilhetagem};
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use guiche_ports::contabil::{LivroPacotes, RegistroPacote, SituacaoPacote};
use guiche_ports::livro::regras::Mudanca;
use guiche_ports::livro::{ErroLivro, Estado, Fila, LivroNotas, Pedido, Registro, Sequencia};
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::duravel::Durabilidade;
use crate::esquema;
use crate::falha::Falha;
use crate::fila::Travas;
use crate::local;
use crate::notas;
use crate::pacotes;

/// How long a write waits for another process holding the file before it fails: long enough
/// that several processes committing at once (each commit an fsync) never fail for a healthy
/// race.
const ESPERA: Duration = Duration::from_secs(30);

/// The name [`Livro::local`] gives an in-memory ledger.
const MEMORIA: &str = ":memória:";

/// The ledger of notas (and of CONAM packages, billed calls and the e-CAC reconciliation) on
/// SQLite.
///
/// One connection behind a mutex: calls from the threads of one process take turns, and
/// processes sharing the file take turns through SQLite's write lock (`BEGIN IMMEDIATE`,
/// waiting up to 30 s). A write returns once it is on disk, sharing the flush with the
/// writers that committed meanwhile (group commit). Every [`LivroNotas`], [`LivroPacotes`], [`MedidorBilhetagem`] and
/// [`LivroEcac`](guiche_ports::ecac::LivroEcac) method is one transaction.
///
/// The `documento` closure given to [`LivroNotas::reservar`] runs inside the write
/// transaction, with the ledger locked: keep it short and never call the ledger from it (it
/// would wait for itself). If it panics nothing is recorded and the number stays free.
#[derive(Debug)]
pub struct Livro {
    conexao: Mutex<Connection>,
    local: String,
    travas: Travas,
    /// Group commit for a ledger file (see [`crate::duravel`]); `None` in memory.
    duravel: Option<Durabilidade>,
}

impl Livro {
    /// Opens (or creates, with its folders) the ledger at `caminho` and brings its schema up
    /// to date.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`] when the folder cannot be created, the file is not
    /// writable or not a SQLite database, the filesystem refuses WAL, or the file was written
    /// by a newer guichê (its schema version is named).
    pub fn abrir(caminho: &Path) -> Result<Livro, ErroLivro> {
        let local = caminho.display().to_string();
        abrir_arquivo(caminho)
            .map(|conexao| Livro {
                duravel: Some(Durabilidade::de(caminho)),
                ..Livro::com(conexao, local.clone(), Travas::do_arquivo(caminho))
            })
            .map_err(|f| f.no(&local))
    }

    /// A ledger in memory, gone when dropped: for tests and demonstrations.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`] if SQLite cannot start.
    pub fn em_memoria() -> Result<Livro, ErroLivro> {
        let preparar = || -> Result<Connection, Falha> {
            let mut c = Connection::open_in_memory()?;
            c.pragma_update(None, "foreign_keys", "ON")?;
            esquema::migrar(&mut c)?;
            Ok(c)
        };
        preparar()
            .map(|c| Livro::com(c, MEMORIA.to_owned(), Travas::em_memoria()))
            .map_err(|f| f.no(MEMORIA))
    }

    /// The ledger's locks (the sequences' queues, the e-CAC companies' turns).
    pub(crate) fn travas(&self) -> &Travas {
        &self.travas
    }

    /// Where the ledger is: the file's path, or `:memória:`.
    pub fn local(&self) -> &str {
        &self.local
    }

    fn com(conexao: Connection, local: String, travas: Travas) -> Livro {
        Livro {
            conexao: Mutex::new(conexao),
            local,
            travas,
            duravel: None,
        }
    }

    /// The connection, recovered if a caller's closure panicked while holding it (its
    /// transaction was rolled back when it unwound; any left open is rolled back here).
    fn conexao(&self) -> MutexGuard<'_, Connection> {
        let guarda = self.conexao.lock().unwrap_or_else(PoisonError::into_inner);
        if !guarda.is_autocommit() {
            // Best effort: a failure here resurfaces on the next statement.
            let _ = guarda.execute_batch("ROLLBACK");
        }
        guarda
    }

    /// Runs `f` in one transaction of the given kind, committing on success. A write returns
    /// once its commit is on disk (group commit, [`crate::duravel`]).
    fn transacao<T>(
        &self,
        tipo: TransactionBehavior,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, Falha>,
    ) -> Result<T, ErroLivro> {
        let escreve = !matches!(tipo, TransactionBehavior::Deferred);
        let feito = || -> Result<(T, u64), Falha> {
            let mut c = self.conexao();
            let tx = c.transaction_with_behavior(tipo)?;
            let valor = f(&tx)?;
            tx.commit()?;
            let numero = match (&self.duravel, escreve) {
                (Some(d), true) => d.commit_feito(),
                _ => 0,
            };
            Ok((valor, numero))
        };
        let (valor, numero) = feito().map_err(|f| f.no(&self.local))?;
        if let (Some(d), true) = (&self.duravel, escreve) {
            // Outside the connection's lock: other writers commit meanwhile and share the flush.
            d.garantir(numero)
                .map_err(|e| Falha::Descarga(e).no(&self.local))?;
        }
        Ok(valor)
    }

    /// Runs `f` in one read transaction (`BEGIN DEFERRED`).
    pub(crate) fn ler<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, Falha>,
    ) -> Result<T, ErroLivro> {
        self.transacao(TransactionBehavior::Deferred, f)
    }

    /// Runs `f` in one write transaction (`BEGIN IMMEDIATE`: SQLite's write lock first).
    pub(crate) fn escrever<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, Falha>,
    ) -> Result<T, ErroLivro> {
        self.transacao(TransactionBehavior::Immediate, f)
    }
}

/// Creates the folders (`0700`) and the file (`0600`), refuses a network file system, opens the
/// file, sets the pragmas and migrates (see [`local`]).
fn abrir_arquivo(caminho: &Path) -> Result<Connection, Falha> {
    let pasta = caminho
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    local::criar_pastas(pasta).map_err(Falha::Pasta)?;
    if let Some(m) = local::montagem_de_rede(pasta) {
        return Err(Falha::Rede(m));
    }
    local::criar_arquivo(caminho).map_err(Falha::Arquivo)?;
    let mut c = Connection::open(caminho)?;
    c.busy_timeout(ESPERA)?;
    if c.is_readonly(rusqlite::MAIN_DB)? {
        return Err(Falha::SomenteLeitura);
    }
    let modo: String = c.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !modo.eq_ignore_ascii_case("wal") {
        return Err(Falha::SemWal(modo));
    }
    c.pragma_update(None, "synchronous", "FULL")?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    // The rows a batch reads again and again (the last nota, the pending ones, a content
    // fingerprint) stay in memory instead of being read from the file at each transaction:
    // 32 MiB of page cache, and the file mapped rather than copied in.
    c.pragma_update(None, "cache_size", -32_768)?;
    c.pragma_update(None, "mmap_size", 256 * 1024 * 1024)?;
    esquema::migrar(&mut c)?;
    // From here on a commit writes the WAL without flushing it, and `Livro::transacao` waits
    // for a shared flush before answering (group commit): the same durability as FULL.
    c.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(c)
}

impl LivroNotas for Livro {
    fn ultima(&self, sequencia: &Sequencia) -> Result<Option<Registro>, ErroLivro> {
        self.ler(|tx| notas::ultima(tx, sequencia))
    }

    fn pendentes(&self, sequencia: &Sequencia) -> Result<Vec<Registro>, ErroLivro> {
        self.ler(|tx| notas::pendentes(tx, sequencia))
    }

    fn por_numero(
        &self,
        sequencia: &Sequencia,
        numero: u64,
    ) -> Result<Option<Registro>, ErroLivro> {
        self.ler(|tx| notas::por_numero(tx, sequencia, numero))
    }

    fn por_conteudo(
        &self,
        sequencia: &Sequencia,
        conteudo: &str,
    ) -> Result<Option<Registro>, ErroLivro> {
        self.ler(|tx| notas::por_conteudo(tx, sequencia, conteudo))
    }

    fn reservar(
        &self,
        pedido: Pedido<'_>,
        documento: &dyn Fn(u64) -> String,
    ) -> Result<Registro, ErroLivro> {
        self.escrever(|tx| notas::reservar(tx, pedido, documento))
    }

    fn registrar(&self, id: i64, de: &Estado, para: &Estado) -> Result<(), ErroLivro> {
        self.escrever(|tx| notas::mudar(tx, id, para, Mudanca::Fluxo { de }))
    }

    fn decidir(&self, id: i64, para: &Estado, por: &str) -> Result<(), ErroLivro> {
        self.escrever(|tx| notas::mudar(tx, id, para, Mudanca::Decisao { por }))
    }

    fn fila(&self, sequencia: &Sequencia) -> Result<Box<dyn Fila>, ErroLivro> {
        self.travas.fila(sequencia, &self.local)
    }
}

impl Livro {
    /// `id_pacote` as the ledger stores it (`1..=i64::MAX`); any other is refused by name.
    fn chave_do_pacote(&self, id_pacote: u64) -> Result<i64, ErroLivro> {
        guiche_ports::contabil::regras::id_guardado(id_pacote).map_err(|motivo| {
            ErroLivro::Armazenamento {
                local: self.local.clone(),
                motivo,
            }
        })
    }
}

impl LivroPacotes for Livro {
    fn registrar_envio(
        &self,
        chave: &guiche_ports::contabil::ChavePacote,
        entidade: &str,
        documento: &str,
    ) -> Result<(), ErroLivro> {
        let id = self.chave_do_pacote(chave.id_pacote())?;
        self.escrever(|tx| pacotes::registrar_envio(tx, chave.servico(), id, entidade, documento))
    }

    fn atualizar(
        &self,
        chave: &guiche_ports::contabil::ChavePacote,
        situacao: &SituacaoPacote,
    ) -> Result<(), ErroLivro> {
        let id = self.chave_do_pacote(chave.id_pacote())?;
        self.escrever(|tx| pacotes::atualizar(tx, chave.servico(), id, situacao))
    }

    fn conciliar(
        &self,
        chave: &guiche_ports::contabil::ChavePacote,
        situacao: &SituacaoPacote,
    ) -> Result<Option<SituacaoPacote>, ErroLivro> {
        let id = self.chave_do_pacote(chave.id_pacote())?;
        self.escrever(|tx| pacotes::conciliar(tx, chave.servico(), id, situacao))
    }

    fn pacote(
        &self,
        chave: &guiche_ports::contabil::ChavePacote,
    ) -> Result<Option<RegistroPacote>, ErroLivro> {
        let Ok(id) = self.chave_do_pacote(chave.id_pacote()) else {
            return Ok(None); // never recorded: no such id can be stored
        };
        self.ler(|tx| pacotes::pacote(tx, chave.servico(), id))
    }
}

impl MedidorBilhetagem for Livro {
    fn reservar(&self, bilhete: Bilhete<'_>) -> Result<u64, ErroBilhetagem> {
        match self.escrever(|tx| bilhetagem::reservar(tx, bilhete))? {
            bilhetagem::Reserva::Feita(n) => Ok(n),
            bilhetagem::Reserva::Teto(e) => Err(e),
        }
    }

    fn devolver(&self, bilhete: Bilhete<'_>) -> Result<(), ErroBilhetagem> {
        Ok(self.escrever(|tx| bilhetagem::devolver(tx, bilhete))?)
    }

    fn consumo(
        &self,
        contratante: Option<&str>,
        janela: Option<Janela>,
    ) -> Result<Vec<Consumo>, ErroBilhetagem> {
        Ok(self.ler(|tx| bilhetagem::consumo(tx, contratante, janela))?)
    }

    fn registrar_chamada(
        &self,
        chamada: &guiche_ports::bilhetagem::ChamadaRegistrada,
    ) -> Result<(), ErroBilhetagem> {
        Ok(self.escrever(|tx| bilhetagem::registrar(tx, chamada))?)
    }

    fn chamadas(
        &self,
        contratante: Option<&str>,
        janela: Option<Janela>,
    ) -> Result<Vec<guiche_ports::bilhetagem::ChamadaRegistrada>, ErroBilhetagem> {
        Ok(self.ler(|tx| bilhetagem::chamadas(tx, contratante, janela))?)
    }
}

impl guiche_ports::acesso::LivroAcesso for Livro {
    fn criar_token(
        &self,
        nome: &str,
        papel: guiche_ports::acesso::Papel,
        hash: &str,
    ) -> Result<guiche_ports::acesso::RegistroToken, ErroLivro> {
        self.escrever(|tx| crate::acesso::criar(tx, nome, papel, hash))
    }

    fn token_por_hash(
        &self,
        hash: &str,
    ) -> Result<Option<guiche_ports::acesso::RegistroToken>, ErroLivro> {
        self.ler(|tx| crate::acesso::por_hash(tx, hash))
    }

    fn tokens(&self) -> Result<Vec<guiche_ports::acesso::RegistroToken>, ErroLivro> {
        self.ler(|tx| crate::acesso::todos(tx))
    }

    fn revogar_token(&self, id: i64) -> Result<guiche_ports::acesso::RegistroToken, ErroLivro> {
        self.escrever(|tx| crate::acesso::revogar(tx, id))
    }
}

impl guiche_ports::idempotencia::LivroIdempotencia for Livro {
    fn reservar_chave(
        &self,
        escopo: i64,
        chave: &str,
        impressao: &str,
        abandono: Duration,
    ) -> Result<guiche_ports::idempotencia::Reserva, ErroLivro> {
        self.escrever(|tx| crate::idempotencia::reservar(tx, escopo, chave, impressao, abandono))
    }

    fn concluir_chave(
        &self,
        escopo: i64,
        chave: &str,
        impressao: &str,
        resposta: &guiche_ports::idempotencia::RespostaGuardada,
    ) -> Result<(), ErroLivro> {
        self.escrever(|tx| crate::idempotencia::concluir(tx, escopo, chave, impressao, resposta))
    }

    fn liberar_chave(&self, escopo: i64, chave: &str, impressao: &str) -> Result<(), ErroLivro> {
        self.escrever(|tx| crate::idempotencia::liberar(tx, escopo, chave, impressao))
    }
}

impl guiche_ports::LivroCompleto for Livro {
    fn local(&self) -> &str {
        &self.local
    }
}
