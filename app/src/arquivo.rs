//! The one writer of every file guichê produces (PDFs of DAS, SITFIS and proofs, CSV and XLSX
//! exports, the sandbox's secrets and CA): they hold CPFs, CNPJs, invoices and tax guides
//! (LGPD), so each is private to its owner and never seen half written.
//!
//! The bytes go to a temporary file created in the destination's folder with mode `0600`
//! (`.{nome}.{pid}.{n}.tmp`, created exclusively), are flushed to disk, and the temporary file
//! is renamed over the destination; then the folder is synced so the rename survives a power
//! loss. A crash leaves at most the temporary file; the destination holds the old content or
//! the new, never part of it. A file replaced this way takes the new file's mode (`0600`), so
//! an export that was world-readable stops being so.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Tells apart the temporary files of one process.
static SEQUENCIA: AtomicU64 = AtomicU64::new(0);

/// A file could not be written; names the file the failing step touched.
#[derive(Debug, thiserror::Error)]
#[error("não foi possível gravar {}: {origem}", caminho.display())]
pub(crate) struct ErroGravacao {
    /// The destination, or the temporary file when writing it failed.
    pub(crate) caminho: PathBuf,
    /// The system's reason.
    #[source]
    pub(crate) origem: std::io::Error,
}

/// Writes `bytes` to `caminho` atomically, readable and writable by its owner only (`0600` on
/// Unix). See the module's documentation.
///
/// # Errors
/// [`ErroGravacao`] naming the temporary file (folder missing or not writable, disk full) or
/// the destination (the rename failed: a folder in the way, another file system); the
/// temporary file is removed on any failure.
pub(crate) fn gravar_privado(caminho: &Path, bytes: &[u8]) -> Result<(), ErroGravacao> {
    let erro = |caminho: &Path| {
        let caminho = caminho.to_path_buf();
        move |origem| ErroGravacao { caminho, origem }
    };
    let nome = caminho.file_name().ok_or_else(|| {
        erro(caminho)(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "o caminho não termina em um nome de arquivo",
        ))
    })?;
    let pasta = caminho
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let n = SEQUENCIA.fetch_add(1, Ordering::Relaxed);
    let temporario = pasta.join(format!(
        ".{}.{}.{n}.tmp",
        nome.to_string_lossy(),
        std::process::id()
    ));
    let resultado = escrever_e_sincronizar(&temporario, bytes)
        .map_err(erro(&temporario))
        .and_then(|()| fs::rename(&temporario, caminho).map_err(erro(caminho)));
    if resultado.is_err() {
        // Best effort: the error reported is the one that made us stop.
        let _ = fs::remove_file(&temporario);
        return resultado;
    }
    // Make the rename itself durable where a folder can be opened (not on Windows).
    if let Ok(d) = File::open(pasta) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn escrever_e_sincronizar(caminho: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut opcoes = OpenOptions::new();
    opcoes.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opcoes, 0o600);
    let mut f = opcoes.open(caminho)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pasta(nome: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("guiche-arquivo-{nome}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        p
    }

    fn nomes(p: &Path) -> Vec<std::ffi::OsString> {
        fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect()
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_and_a_replaced_one_are_private_to_their_owner() {
        use std::os::unix::fs::PermissionsExt;
        let p = pasta("modo");
        let novo = p.join("das.pdf");
        gravar_privado(&novo, b"%PDF").unwrap();
        let modo = |c: &Path| fs::metadata(c).unwrap().permissions().mode() & 0o777;
        assert_eq!(modo(&novo), 0o600);
        // An export left world-readable by an older version becomes private when replaced.
        let antigo = p.join("ocorrencias.csv");
        fs::write(&antigo, b"velho").unwrap();
        fs::set_permissions(&antigo, fs::Permissions::from_mode(0o644)).unwrap();
        gravar_privado(&antigo, b"novo").unwrap();
        assert_eq!(modo(&antigo), 0o600);
        assert_eq!(fs::read(&antigo).unwrap(), b"novo");
        fs::remove_dir_all(&p).unwrap();
    }

    #[test]
    fn replaces_whole_and_leaves_no_temporary() {
        let p = pasta("substitui");
        let destino = p.join("a.xlsx");
        fs::write(&destino, b"velho").unwrap();
        gravar_privado(&destino, b"novo").unwrap();
        assert_eq!(fs::read(&destino).unwrap(), b"novo");
        assert_eq!(nomes(&p), ["a.xlsx"]);
        fs::remove_dir_all(&p).unwrap();
    }

    #[test]
    fn a_failed_rename_keeps_the_old_file_and_cleans_up() {
        let p = pasta("falha");
        // A folder in the way: the rename fails after the temporary file was written.
        let destino = p.join("ocupado");
        fs::create_dir(&destino).unwrap();
        fs::write(destino.join("dentro"), b"x").unwrap();
        let e = gravar_privado(&destino, b"novo").unwrap_err();
        assert_eq!(e.caminho, destino);
        assert!(e.to_string().starts_with("não foi possível gravar"), "{e}");
        assert_eq!(nomes(&p), ["ocupado"]);
        fs::remove_dir_all(&p).unwrap();
    }

    #[test]
    fn a_missing_folder_names_the_temporary_file() {
        let destino = std::env::temp_dir().join("guiche-arquivo-nao-existe/x/a.pdf");
        let e = gravar_privado(&destino, b"x").unwrap_err();
        assert!(e.to_string().contains("guiche-arquivo-nao-existe"), "{e}");
        assert!(gravar_privado(Path::new("/"), b"x").is_err());
    }
}
