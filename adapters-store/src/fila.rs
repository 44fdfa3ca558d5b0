//! The queue for a sequence's turn ([`LivroNotas::fila`](guiche_ports::livro::LivroNotas::fila)):
//! one process (or thread) at a time reserves, sends and records the notas of a sequence.
//!
//! Two locks per sequence, taken without blocking and asked for again by the caller:
//!
//! - the **door** (`porta`): whoever holds it is next;
//! - the **turn** (`vez`): whoever holds it works on the sequence.
//!
//! A waiter takes the door first and keeps it while it waits for the turn; once it has the
//! turn it lets the door go. The holder of a turn that wants another one must therefore wait
//! for the door, which the next waiter holds until it has had its turn: two processes working
//! on one sequence alternate instead of the faster one taking every turn.
//!
//! For a ledger file, the locks are advisory file locks (`flock` on Unix, `LockFileEx` on
//! Windows) on two small files per sequence in the folder `<ledger>.travas/`, next to the
//! ledger. The operating system releases them when the process ends, however it ends (a
//! `SIGKILL` included), so a crashed process never leaves a sequence stuck. The files are never
//! removed (removing a lock file others may hold open races with them). For a ledger in memory,
//! the same two locks live in the process.

use guiche_ports::livro::{ErroLivro, Fila, Sequencia, Vez};
use std::collections::HashSet;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Where a ledger's sequence locks live.
#[derive(Debug)]
pub(crate) enum Travas {
    /// Lock files in this folder; the flag says it was created already (once per ledger, not
    /// once per nota).
    Arquivos(PathBuf, AtomicBool),
    /// In this process only (a ledger in memory).
    Memoria(Arc<Mutex<Ocupadas>>),
}

/// The locks held in a process, for a ledger in memory.
#[derive(Debug, Default)]
pub(crate) struct Ocupadas {
    portas: HashSet<String>,
    vezes: HashSet<String>,
}

/// The name of a sequence's locks: only letters and digits reach the file system.
fn chave(s: &Sequencia) -> String {
    let limpo = |t: &str| -> String {
        t.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect()
    };
    format!(
        "nfd-{}-{}",
        limpo(s.prestador.as_str()),
        limpo(&s.prefeitura)
    )
}

impl Travas {
    /// The lock folder of the ledger file at `livro`: `<livro>.travas`.
    pub(crate) fn do_arquivo(livro: &Path) -> Travas {
        let mut nome = livro.as_os_str().to_owned();
        nome.push(".travas");
        Travas::Arquivos(PathBuf::from(nome), AtomicBool::new(false))
    }

    /// Locks in this process only.
    pub(crate) fn em_memoria() -> Travas {
        Travas::Memoria(Arc::default())
    }

    /// A place in the queue of `s`.
    pub(crate) fn fila(&self, s: &Sequencia, local: &str) -> Result<Box<dyn Fila>, ErroLivro> {
        let chave = chave(s);
        match self {
            Travas::Memoria(ocupadas) => Ok(Box::new(FilaMemoria {
                chave,
                ocupadas: Arc::clone(ocupadas),
                com_porta: false,
                entregue: false,
            })),
            Travas::Arquivos(pasta, criada) => {
                let falha = |e: std::io::Error| ErroLivro::Armazenamento {
                    local: local.to_owned(),
                    motivo: format!(
                        "não foi possível preparar as travas das sequências em {}: {e}",
                        pasta.display()
                    ),
                };
                if !criada.load(Ordering::Relaxed) {
                    criar_pasta(pasta).map_err(falha)?;
                    criada.store(true, Ordering::Relaxed);
                }
                let porta = abrir(&pasta.join(format!("{chave}.porta"))).map_err(falha)?;
                let vez = abrir(&pasta.join(format!("{chave}.vez"))).map_err(falha)?;
                Ok(Box::new(FilaArquivo {
                    porta,
                    vez: Some(vez),
                    com_porta: false,
                    local: local.to_owned(),
                }))
            }
        }
    }
}

impl Travas {
    /// The turn named `chave` (letters, digits and `-` only), taken now or not at all: `None`
    /// while another holder has it. No queue: whoever finds it busy is told so and does not
    /// wait (the e-CAC sync of a company, [`guiche_ports::ecac::LivroEcac::vez_da_empresa`]).
    /// A lock file `<chave>.vez` in the ledger's lock folder, or a lock in this process for a
    /// ledger in memory.
    pub(crate) fn vez_avulsa(&self, chave: &str, local: &str) -> Result<Option<Vez>, ErroLivro> {
        match self {
            Travas::Memoria(ocupadas) => {
                let mut o = ocupadas.lock().unwrap_or_else(PoisonError::into_inner);
                if !o.vezes.insert(chave.to_owned()) {
                    return Ok(None);
                }
                Ok(Some(Vez::new(Box::new(VezMemoria {
                    chave: chave.to_owned(),
                    ocupadas: Arc::clone(ocupadas),
                }))))
            }
            Travas::Arquivos(pasta, criada) => {
                let falha = |e: std::io::Error| ErroLivro::Armazenamento {
                    local: local.to_owned(),
                    motivo: format!(
                        "não foi possível preparar a trava {chave} em {}: {e}",
                        pasta.display()
                    ),
                };
                if !criada.load(Ordering::Relaxed) {
                    criar_pasta(pasta).map_err(falha)?;
                    criada.store(true, Ordering::Relaxed);
                }
                let vez = abrir(&pasta.join(format!("{chave}.vez"))).map_err(falha)?;
                Ok(tentar_trava(&vez, local)?.then(|| Vez::new(Box::new(vez))))
            }
        }
    }
}

/// The lock folder, private to its owner (the names in it are the providers' documents).
fn criar_pasta(pasta: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(pasta)
}

/// A lock file, created empty and private if missing.
fn abrir(caminho: &Path) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(caminho)
}

/// Whether the lock on `f` was taken now.
fn tentar_trava(f: &File, local: &str) -> Result<bool, ErroLivro> {
    match f.try_lock() {
        Ok(()) => Ok(true),
        Err(TryLockError::WouldBlock) => Ok(false),
        Err(TryLockError::Error(e)) => Err(ErroLivro::Armazenamento {
            local: local.to_owned(),
            motivo: format!("o sistema de arquivos recusou a trava de uma sequência: {e}"),
        }),
    }
}

/// A place in the queue, with lock files.
struct FilaArquivo {
    porta: File,
    vez: Option<File>,
    com_porta: bool,
    local: String,
}

impl Fila for FilaArquivo {
    fn tentar(&mut self) -> Result<Option<Vez>, ErroLivro> {
        if self.vez.is_none() {
            return Ok(None); // the turn was handed out already: this place is spent
        }
        if !self.com_porta {
            self.com_porta = tentar_trava(&self.porta, &self.local)?;
            if !self.com_porta {
                return Ok(None);
            }
        }
        let Some(vez) = self.vez.take() else {
            return Ok(None);
        };
        if !tentar_trava(&vez, &self.local)? {
            self.vez = Some(vez);
            return Ok(None);
        }
        // The next one in the queue may take the door now.
        let _ = self.porta.unlock();
        self.com_porta = false;
        Ok(Some(Vez::new(Box::new(vez))))
    }
}

/// A place in the queue, in this process.
struct FilaMemoria {
    chave: String,
    ocupadas: Arc<Mutex<Ocupadas>>,
    com_porta: bool,
    /// The turn was handed out already: this place is spent.
    entregue: bool,
}

impl Fila for FilaMemoria {
    fn tentar(&mut self) -> Result<Option<Vez>, ErroLivro> {
        if self.entregue {
            return Ok(None);
        }
        let mut o = self.ocupadas.lock().unwrap_or_else(PoisonError::into_inner);
        if !self.com_porta {
            self.com_porta = o.portas.insert(self.chave.clone());
            if !self.com_porta {
                return Ok(None);
            }
        }
        if !o.vezes.insert(self.chave.clone()) {
            return Ok(None);
        }
        o.portas.remove(&self.chave);
        self.com_porta = false;
        self.entregue = true;
        Ok(Some(Vez::new(Box::new(VezMemoria {
            chave: self.chave.clone(),
            ocupadas: Arc::clone(&self.ocupadas),
        }))))
    }
}

impl Drop for FilaMemoria {
    fn drop(&mut self) {
        if self.com_porta {
            let mut o = self.ocupadas.lock().unwrap_or_else(PoisonError::into_inner);
            o.portas.remove(&self.chave);
        }
    }
}

/// A turn held in this process.
struct VezMemoria {
    chave: String,
    ocupadas: Arc<Mutex<Ocupadas>>,
}

impl Drop for VezMemoria {
    fn drop(&mut self) {
        let mut o = self.ocupadas.lock().unwrap_or_else(PoisonError::into_inner);
        o.vezes.remove(&self.chave);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guiche_domain::Documento;

    fn seq() -> Sequencia {
        Sequencia {
            prestador: Documento::parse("11222333000181").unwrap(),
            prefeitura: "0044".into(),
        }
    }

    fn alternam(travas: &Travas) {
        let mut a = travas.fila(&seq(), "t").unwrap();
        let vez_a = a.tentar().unwrap().expect("livre");
        let mut b = travas.fila(&seq(), "t").unwrap();
        assert!(b.tentar().unwrap().is_none(), "ocupada por a");
        drop(vez_a);
        // a wants another turn, but b holds the door: b goes first.
        let mut a2 = travas.fila(&seq(), "t").unwrap();
        assert!(a2.tentar().unwrap().is_none(), "b está na porta");
        let vez_b = b.tentar().unwrap().expect("a vez de b");
        assert!(a2.tentar().unwrap().is_none(), "b trabalha");
        drop(vez_b);
        assert!(a2.tentar().unwrap().is_some(), "agora a");
    }

    #[test]
    fn two_queued_alternate_in_memory() {
        alternam(&Travas::em_memoria());
    }

    #[test]
    fn two_queued_alternate_with_lock_files() {
        let livro = std::env::temp_dir().join(format!("guiche-fila-{}.db", std::process::id()));
        let travas = Travas::do_arquivo(&livro);
        alternam(&travas);
        if let Travas::Arquivos(pasta, _) = travas {
            std::fs::remove_dir_all(pasta).unwrap();
        }
    }

    #[test]
    fn a_place_left_gives_the_door_back() {
        let travas = Travas::em_memoria();
        let mut a = travas.fila(&seq(), "t").unwrap();
        let vez = a.tentar().unwrap().unwrap();
        let mut b = travas.fila(&seq(), "t").unwrap();
        assert!(b.tentar().unwrap().is_none());
        drop(b); // gave up waiting, holding the door
        drop(vez);
        let mut c = travas.fila(&seq(), "t").unwrap();
        assert!(c.tentar().unwrap().is_some());
    }

    #[test]
    fn a_spent_place_gives_no_second_turn_and_keeps_no_door() {
        let livro = std::env::temp_dir().join(format!("guiche-gasta-{}.db", std::process::id()));
        for travas in [Travas::em_memoria(), Travas::do_arquivo(&livro)] {
            let mut a = travas.fila(&seq(), "t").unwrap();
            drop(a.tentar().unwrap().expect("livre"));
            assert!(a.tentar().unwrap().is_none(), "gasto");
            let mut b = travas.fila(&seq(), "t").unwrap();
            assert!(b.tentar().unwrap().is_some(), "a porta ficou livre");
            if let Travas::Arquivos(pasta, _) = travas {
                std::fs::remove_dir_all(pasta).unwrap();
            }
        }
    }

    #[test]
    fn lock_names_keep_only_letters_and_digits() {
        let s = Sequencia {
            prestador: Documento::parse("11222333000181").unwrap(),
            prefeitura: "../x".into(),
        };
        assert_eq!(chave(&s), "nfd-11222333000181-___x");
    }
}
