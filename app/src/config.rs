//! Configuration from the environment (DESIGN.md's variables). Secrets come only from the
//! environment or from files, never from the command line.

use crate::erro::ErroApp;
use std::path::PathBuf;
use std::time::Duration;

/// A variable's value, or the content of the file named by `{NOME}_ARQUIVO` (trailing newline
/// removed), or `None`.
pub(crate) fn segredo(nome: &str) -> Result<Option<String>, ErroApp> {
    if let Ok(v) = std::env::var(nome) {
        return Ok(Some(v));
    }
    let arquivo = format!("{nome}_ARQUIVO");
    let Ok(caminho) = std::env::var(&arquivo) else {
        return Ok(None);
    };
    std::fs::read_to_string(&caminho)
        .map(|s| Some(s.trim_end_matches(['\r', '\n']).to_owned()))
        .map_err(|e| ErroApp::Configuracao(format!("{arquivo}={caminho}: {e}")))
}

/// A variable that must be present.
pub(crate) fn obrigatorio(nome: &str, para: &str) -> Result<String, ErroApp> {
    segredo(nome)?.ok_or_else(|| {
        ErroApp::Configuracao(format!("{nome} não está definida (necessária para {para}); defina a variável ou {nome}_ARQUIVO com o caminho de um arquivo que a contém"))
    })
}

/// Where the ledger lives: `GUICHE_DB`, or the platform data directory.
pub(crate) fn caminho_livro() -> Result<PathBuf, ErroApp> {
    if let Some(p) = std::env::var_os("GUICHE_DB") {
        return Ok(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .ok_or_else(|| {
            ErroApp::Configuracao("defina GUICHE_DB com o caminho do livro (SQLite)".into())
        })?;
    Ok(base.join("guiche").join("livro.db"))
}

/// Opens (creating and migrating if needed) the ledger at [`caminho_livro`].
pub(crate) fn abrir_livro() -> Result<guiche_store::Livro, ErroApp> {
    guiche_store::Livro::abrir(&caminho_livro()?).map_err(|e| ErroApp::Configuracao(e.to_string()))
}

/// `GUICHE_NFD_TIMEOUT`: seconds to wait for the NFD service's reply (default 60).
pub(crate) fn timeout_nfd() -> Result<Duration, ErroApp> {
    match std::env::var("GUICHE_NFD_TIMEOUT") {
        Err(_) => Ok(Duration::from_secs(60)),
        Ok(v) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0 && *s <= 3600.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                ErroApp::Configuracao(format!(
                    "GUICHE_NFD_TIMEOUT=\"{v}\" deve ser um número de segundos entre 0 e 3600"
                ))
            }),
    }
}
