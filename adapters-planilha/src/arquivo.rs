//! Writing a file whole or not at all.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::erro::ErroExportacao;

/// Tells apart the temporary files of one process.
static SEQUENCIA: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `caminho` atomically: a temporary file in the same folder
/// (`.{nome}.{pid}.{n}.tmp`) is written and flushed to disk, then renamed over `caminho`.
/// A crash leaves at most that temporary file; `caminho` holds the old content or the new,
/// never half of it. The temporary file is removed when anything fails.
pub(crate) fn gravar_atomico(caminho: &Path, bytes: &[u8]) -> Result<(), ErroExportacao> {
    let erro = |caminho: &Path| {
        let caminho = caminho.to_path_buf();
        move |origem| ErroExportacao::Arquivo { caminho, origem }
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
    let temporario: PathBuf = pasta.join(format!(
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
    // Make the rename itself durable where directories can be opened (not on Windows).
    if let Ok(d) = File::open(pasta) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn escrever_e_sincronizar(caminho: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(caminho)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pasta(nome: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!(
            "guiche-planilha-arquivo-{nome}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        p
    }

    #[test]
    fn replaces_whole_and_leaves_no_temporary() {
        let p = pasta("substitui");
        let destino = p.join("a.xlsx");
        fs::write(&destino, b"velho").unwrap();
        gravar_atomico(&destino, b"novo").unwrap();
        assert_eq!(fs::read(&destino).unwrap(), b"novo");
        let nomes: Vec<_> = fs::read_dir(&p)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(nomes, ["a.xlsx"]);
        fs::remove_dir_all(&p).unwrap();
    }

    #[test]
    fn a_failed_rename_keeps_the_old_file_and_cleans_up() {
        let p = pasta("falha");
        // A directory in the way: the rename fails after the temporary file was written.
        let destino = p.join("ocupado");
        fs::create_dir(&destino).unwrap();
        fs::write(destino.join("dentro"), b"x").unwrap();
        let e = gravar_atomico(&destino, b"novo").unwrap_err();
        assert!(
            matches!(&e, ErroExportacao::Arquivo { caminho, .. } if caminho == &destino),
            "{e:?}"
        );
        let nomes: Vec<_> = fs::read_dir(&p)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(nomes, ["ocupado"]);
        fs::remove_dir_all(&p).unwrap();
    }

    #[test]
    fn a_missing_folder_names_the_temporary_file() {
        let destino = std::env::temp_dir().join("guiche-planilha-nao-existe/x/a.xlsx");
        let e = gravar_atomico(&destino, b"x").unwrap_err();
        assert!(e.to_string().contains("guiche-planilha-nao-existe"), "{e}");
        assert!(matches!(
            gravar_atomico(Path::new("/"), b"x"),
            Err(ErroExportacao::Arquivo { .. })
        ));
    }
}
