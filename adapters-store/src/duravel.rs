//! Group commit: every write transaction is on disk before its call returns, and the writers of
//! one process that commit while the disk is busy share the next flush.
//!
//! SQLite's `synchronous=FULL` makes each commit flush the WAL itself: one `fsync` per commit,
//! and commits serialised behind it. The ledger instead commits with `synchronous=NORMAL` (the
//! WAL frames are written, not flushed) and then waits, outside the connection's lock, until a
//! flush of the WAL *started after its commit* has finished ([`Durabilidade::garantir`]).
//! Whoever finds no flush covering its commit flushes for everyone committed so far; the others
//! find themselves covered. While one flush runs, the other writers keep committing, so the
//! next flush covers all of them: eight sequences issuing at once share one `fsync` instead of
//! queueing for eight.
//!
//! The guarantee is the one `FULL` gave: a call that wrote returns only once its transaction is
//! on disk, so a power cut after it returns loses nothing it reported. A flush that fails is an
//! error for every writer waiting on it. SQLite itself still flushes the WAL before each
//! checkpoint and the database after it (`NORMAL`), and its checksums discard frames cut short
//! by a crash in the middle of a flush (those writers had not been answered yet).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// The flush state of one ledger file.
#[derive(Debug)]
pub(crate) struct Durabilidade {
    /// The database file (flushed when SQLite has removed its WAL).
    banco: PathBuf,
    /// Its WAL (`<banco>-wal`).
    wal: PathBuf,
    /// Commits made by this process, counted after each one returns (under the connection's
    /// lock, so in commit order).
    feitas: AtomicU64,
    /// How many of them are known to be on disk. Held while flushing.
    gravadas: Mutex<u64>,
    /// Flushes made (for tests and diagnostics).
    descargas: AtomicU64,
}

impl Durabilidade {
    /// For the ledger file at `banco`.
    pub(crate) fn de(banco: &Path) -> Durabilidade {
        let mut wal = banco.as_os_str().to_owned();
        wal.push("-wal");
        Durabilidade {
            banco: banco.to_owned(),
            wal: PathBuf::from(wal),
            feitas: AtomicU64::new(0),
            gravadas: Mutex::new(0),
            descargas: AtomicU64::new(0),
        }
    }

    /// Counts a commit that just returned; its number, to [`Durabilidade::garantir`].
    pub(crate) fn commit_feito(&self) -> u64 {
        self.feitas.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Returns once commit `numero` is on disk: at once if a flush that started after it has
    /// finished, else after flushing everything committed so far.
    pub(crate) fn garantir(&self, numero: u64) -> std::io::Result<()> {
        let mut gravadas = self.gravadas.lock().unwrap_or_else(PoisonError::into_inner);
        if *gravadas >= numero {
            return Ok(());
        }
        // Every commit counted by now wrote its frames before this flush starts.
        let alvo = self.feitas.load(Ordering::SeqCst);
        self.descarregar()?;
        *gravadas = alvo;
        Ok(())
    }

    /// Flushes the WAL (or the database, if SQLite checkpointed and removed the WAL).
    fn descarregar(&self) -> std::io::Result<()> {
        let abrir = |p: &Path| OpenOptions::new().read(true).write(true).open(p);
        let arquivo: File = match abrir(&self.wal) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => abrir(&self.banco)?,
            Err(e) => return Err(e),
        };
        arquivo.sync_data()?;
        self.descargas.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flush_covers_every_commit_before_it() {
        let pasta = std::env::temp_dir().join(format!("guiche-duravel-{}", std::process::id()));
        std::fs::create_dir_all(&pasta).unwrap();
        let banco = pasta.join("livro.db");
        std::fs::write(&banco, b"x").unwrap();
        std::fs::write(pasta.join("livro.db-wal"), b"y").unwrap();
        let d = Durabilidade::de(&banco);
        let (a, b) = (d.commit_feito(), d.commit_feito());
        d.garantir(a).unwrap();
        assert_eq!(
            *d.gravadas.lock().unwrap(),
            b,
            "b was committed before the flush"
        );
        d.garantir(b).unwrap(); // covered: no second flush needed
        std::fs::remove_file(pasta.join("livro.db-wal")).unwrap();
        let c = d.commit_feito();
        d.garantir(c).unwrap(); // no WAL: the database is flushed
        assert_eq!(*d.gravadas.lock().unwrap(), c);
        std::fs::remove_dir_all(&pasta).unwrap();
    }

    /// Writers that commit while a flush runs share the next one: far fewer flushes than
    /// commits, and every writer still waits for a flush that covers it.
    #[test]
    fn concurrent_writers_share_flushes() {
        let pasta = std::env::temp_dir().join(format!("guiche-grupo-{}", std::process::id()));
        std::fs::create_dir_all(&pasta).unwrap();
        let banco = pasta.join("livro.db");
        std::fs::write(pasta.join("livro.db-wal"), b"y").unwrap();
        let d = std::sync::Arc::new(Durabilidade::de(&banco));
        let (escritores, cada) = (8, 50);
        let fios: Vec<_> = (0..escritores)
            .map(|_| {
                let d = std::sync::Arc::clone(&d);
                std::thread::spawn(move || {
                    for _ in 0..cada {
                        let n = d.commit_feito();
                        d.garantir(n).unwrap();
                        assert!(*d.gravadas.lock().unwrap() >= n);
                    }
                })
            })
            .collect();
        for f in fios {
            f.join().unwrap();
        }
        let descargas = d.descargas.load(Ordering::Relaxed);
        assert!(
            descargas < escritores * cada,
            "{descargas} descargas para {} commits",
            escritores * cada
        );
        std::fs::remove_dir_all(&pasta).unwrap();
    }
}
