//! A throwaway PostgreSQL server for tests (feature `servidor-teste`): a new, empty database
//! per test on one server per test process.
//!
//! The server is the one `GUICHE_TESTE_POSTGRES` names (a URL whose user may create databases;
//! `.ci/run` starts one and sets it), or else one started here from the machine's PostgreSQL
//! binaries (`initdb` and `postgres` on the `PATH` or under `/usr/lib/postgresql/*/bin`): its
//! own data folder in the temporary folder, loopback only, a free port, run as the `postgres`
//! user when the tests run as root (PostgreSQL refuses root), `fsync` off (these tests kill
//! processes, not machines). A watchdog stops it and removes its folder when the test process
//! ends, however it ends.
//!
//! Without either, [`banco_novo`] says so: under CI (`CI` set) the test must fail, elsewhere it
//! may skip with a warning, as the `xmlsec1` checks do.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::conexao::Ponte;

/// The server of this test process: the URL of its administrative database.
fn servidor() -> &'static Result<String, String> {
    static SERVIDOR: OnceLock<Result<String, String>> = OnceLock::new();
    SERVIDOR.get_or_init(|| match std::env::var("GUICHE_TESTE_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => Ok(url),
        _ => iniciar(),
    })
}

/// The bridge every call of this module waits on (one runtime for the test process, not one
/// per database created).
fn ponte() -> Result<&'static Ponte, String> {
    static PONTE: OnceLock<Result<Ponte, String>> = OnceLock::new();
    PONTE
        .get_or_init(|| Ponte::nova().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

/// Whether PostgreSQL tests must run here (`CI` set): a missing server is then a failure.
pub fn obrigatorio() -> bool {
    std::env::var_os("CI").is_some()
}

/// A new, empty database on the test server: its URL (`postgres://…/guiche_t<pid>_<n>`).
///
/// # Errors
/// Why no server could be had (no binaries, `initdb` failed, …) or the database not created.
pub fn banco_novo() -> Result<String, String> {
    static CONTADOR: AtomicU32 = AtomicU32::new(0);
    let admin = servidor().clone()?;
    let nome = format!(
        "guiche_t{}_{}",
        std::process::id(),
        CONTADOR.fetch_add(1, Ordering::Relaxed)
    );
    let ponte = ponte()?;
    ponte.esperar(async {
        let (cliente, conexao) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("conectar ao PostgreSQL de teste: {e}"))?;
        tokio::spawn(conexao);
        cliente
            .batch_execute(&format!("CREATE DATABASE {nome}"))
            .await
            .map_err(|e| format!("CREATE DATABASE {nome}: {e}"))
    })?;
    Ok(trocar_banco(&admin, &nome))
}

/// The integer in the first column of the first row `sql` gives on the test database `url`
/// (one of [`banco_novo`]'s): for a test that asserts what a table holds while processes
/// under test write to it.
///
/// # Errors
/// The connection's or the query's failure.
pub fn inteiro(url: &str, sql: &str) -> Result<i64, String> {
    ponte()?.esperar(async {
        let (cliente, conexao) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("conectar ao PostgreSQL de teste: {e}"))?;
        tokio::spawn(conexao);
        let linha = cliente
            .query_one(sql, &[])
            .await
            .map_err(|e| format!("{sql}: {e}"))?;
        linha
            .try_get::<_, i64>(0)
            .map_err(|e| format!("{sql}: {e}"))
    })
}

/// [`banco_novo`], or `None` with a warning when no PostgreSQL is to be had and none is
/// required here ([`obrigatorio`]).
///
/// # Panics
/// When no database could be created and PostgreSQL tests are required (under CI).
#[allow(clippy::panic)]
pub fn banco_novo_ou_pular(teste: &str) -> Option<String> {
    match banco_novo() {
        Ok(url) => Some(url),
        Err(e) if !obrigatorio() => {
            eprintln!("aviso: {teste} pulado, sem PostgreSQL: {e}");
            None
        }
        Err(e) => panic!("{teste}: PostgreSQL é obrigatório na CI: {e}"),
    }
}

/// `url` with its database replaced by `banco`.
fn trocar_banco(url: &str, banco: &str) -> String {
    let (base, consulta) = match url.split_once('?') {
        Some((b, c)) => (b, Some(c)),
        None => (url, None),
    };
    let inicio = base.find("://").map_or(0, |i| i + 3);
    let base = match base[inicio..].find('/') {
        Some(i) => &base[..inicio + i],
        None => base,
    };
    match consulta {
        Some(c) => format!("{base}/{banco}?{c}"),
        None => format!("{base}/{banco}"),
    }
}

/// The folder with `initdb` and `postgres`.
fn binarios() -> Option<PathBuf> {
    let no_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .find(|d| d.join("initdb").is_file() && d.join("postgres").is_file())
    });
    no_path.or_else(|| {
        let mut versoes: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|d| d.join("initdb").is_file())
            .collect();
        versoes.sort_by_key(|d| {
            d.parent()
                .and_then(|v| v.file_name())
                .and_then(|v| v.to_str())
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0)
        });
        versoes.pop()
    })
}

/// The `postgres` user's uid and gid when this process runs as root (PostgreSQL refuses to run
/// as root); `None` otherwise.
fn como_postgres() -> Result<Option<(u32, u32)>, String> {
    let id = |args: &[&str]| -> Option<u32> {
        let saida = Command::new("id").args(args).output().ok()?;
        String::from_utf8_lossy(&saida.stdout).trim().parse().ok()
    };
    if id(&["-u"]) != Some(0) {
        return Ok(None);
    }
    match (id(&["-u", "postgres"]), id(&["-g", "postgres"])) {
        (Some(u), Some(g)) => Ok(Some((u, g))),
        _ => Err("rodando como root sem o usuário postgres (pacote Debian postgresql)".into()),
    }
}

/// `programa`, run as `usuario` (uid, gid) when given.
fn comando(programa: &Path, usuario: Option<(u32, u32)>) -> Command {
    let mut c = Command::new(programa);
    if let Some((uid, gid)) = usuario {
        std::os::unix::process::CommandExt::uid(&mut c, uid);
        std::os::unix::process::CommandExt::gid(&mut c, gid);
    }
    c
}

fn porta_livre() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Starts a server of this process (see the module's documentation).
fn iniciar() -> Result<String, String> {
    let bin = binarios().ok_or(
        "nem GUICHE_TESTE_POSTGRES nem os binários do PostgreSQL (initdb, postgres; pacote \
         Debian postgresql)",
    )?;
    let usuario = como_postgres()?;
    let pasta = std::env::temp_dir().join(format!("guiche-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&pasta);
    std::fs::create_dir_all(&pasta).map_err(|e| format!("{}: {e}", pasta.display()))?;
    if let Some((uid, gid)) = usuario {
        std::os::unix::fs::chown(&pasta, Some(uid), Some(gid))
            .map_err(|e| format!("chown {}: {e}", pasta.display()))?;
    }
    let dados = pasta.join("dados");
    let saida = comando(&bin.join("initdb"), usuario)
        .args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
            "-D",
        ])
        .arg(&dados)
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !saida.status.success() {
        return Err(format!(
            "initdb falhou: {}",
            String::from_utf8_lossy(&saida.stderr)
        ));
    }
    let porta = porta_livre()?;
    let servidor = comando(&bin.join("postgres"), usuario)
        .arg("-D")
        .arg(&dados)
        .args(["-p", &porta.to_string(), "-k"])
        .arg(&pasta)
        .args([
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=400",
            "-c",
            "shared_buffers=64MB",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(pasta.join("servidor.log")).map_err(|e| e.to_string())?,
        ))
        .spawn()
        .map_err(|e| format!("postgres: {e}"))?;
    vigiar(servidor.id(), &pasta);
    let limite = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", porta)).is_err() {
        if Instant::now() > limite {
            return Err(format!(
                "o PostgreSQL de teste não abriu a porta {porta} em 60 s (veja {})",
                pasta.join("servidor.log").display()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // The port opens a little before the server accepts sessions.
    let url = format!("postgres://postgres@127.0.0.1:{porta}/postgres");
    let ponte = ponte()?;
    loop {
        let pronto = ponte.esperar(async {
            let (cliente, conexao) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
            tokio::spawn(conexao);
            cliente.simple_query("SELECT 1").await
        });
        match pronto {
            Ok(_) => return Ok(url),
            Err(e) if Instant::now() > limite => {
                return Err(format!("o PostgreSQL de teste não respondeu: {e}"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// A shell that waits for this process to end, then stops the server (fast shutdown) and
/// removes its folder.
fn vigiar(servidor: u32, pasta: &Path) {
    let script = format!(
        "while kill -0 {teste} 2>/dev/null; do sleep 0.5; done; kill -INT {servidor} \
         2>/dev/null; for i in $(seq 1 100); do kill -0 {servidor} 2>/dev/null || break; \
         sleep 0.1; done; kill -KILL {servidor} 2>/dev/null; rm -rf '{pasta}'",
        teste = std::process::id(),
        pasta = pasta.display()
    );
    let _ = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_replaced_in_the_url() {
        assert_eq!(
            trocar_banco("postgres://postgres@127.0.0.1:5/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5/t1"
        );
        assert_eq!(
            trocar_banco("postgres://u@h/x?sslmode=disable", "t2"),
            "postgres://u@h/t2?sslmode=disable"
        );
        assert_eq!(trocar_banco("postgres://u@h", "t3"), "postgres://u@h/t3");
    }
}
