//! What the ledger's tests share: a fresh ledger file per test.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A ledger path `NOME.db` in a new, empty folder under the target's tmp dir: one counter for
/// the whole test binary, so two tests (of any module) never share a file.
pub(crate) fn arquivo(nome: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let pasta = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "guiche-store-{nome}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&pasta);
    std::fs::create_dir_all(&pasta).unwrap();
    pasta.join(format!("{nome}.db"))
}

/// The name the test harness gives the test `funcao` of the module `modulo` (its
/// `module_path!()`), to re-run this binary on that one test (`--exact`) as a child process.
pub(crate) fn nome_do_teste(modulo: &str, funcao: &str) -> String {
    match modulo.split_once("::") {
        Some((_, caminho)) => format!("{caminho}::{funcao}"),
        None => funcao.to_owned(),
    }
}
