//! NFD over plain http to another machine: refused without `GUICHE_NFD_HTTP_INSEGURO=1`
//! (from the environment or `guiche.toml`), accepted with it and a warning on stderr.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NOTA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../exemplos/nota.xml");

fn pasta(nome: &str) -> PathBuf {
    crate::comum::pasta(&format!("transporte-{nome}"))
}

/// `guiche nfd send` of the example nota to an http endpoint on another machine (a name that
/// never resolves: nothing leaves this machine).
fn enviar(dir: &Path, extra: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_guiche"));
    c.args([
        "nfd",
        "send",
        NOTA,
        "--prefeitura",
        "3150",
        "--prestador",
        "21118045000135",
    ])
    .env("GUICHE_DB", dir.join("livro.db"))
    .env("GUICHE_NFD_URL", "http://nfd.invalid/wsnfd/ServicoNfd.asmx")
    .env("GUICHE_NFD_SENHA", "fiscalb")
    .env("GUICHE_NFD_TIMEOUT", "5")
    .env("GUICHE_HOJE", "22/11/2026")
    .env_remove("GUICHE_NFD_HTTP_INSEGURO")
    .env_remove("GUICHE_CONFIG");
    for (k, v) in extra {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn cleartext_to_another_machine_needs_the_opt_in_and_warns() {
    let dir = pasta("http");
    let o = enviar(&dir, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("GUICHE_NFD_HTTP_INSEGURO=1") && stderr(&o).contains("texto claro"),
        "{}",
        stderr(&o)
    );

    // With the opt-in (environment or guiche.toml) the send is tried, with a warning.
    let toml = dir.join("guiche.toml");
    std::fs::write(&toml, "[nfd]\nhttp_inseguro = true\n").unwrap();
    for extra in [
        [("GUICHE_NFD_HTTP_INSEGURO", "1")],
        [("GUICHE_CONFIG", toml.to_str().unwrap())],
    ] {
        let o = enviar(&dir, &extra);
        assert_eq!(o.status.code(), Some(3), "{extra:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("aviso: o serviço NFD em http://nfd.invalid"),
            "{extra:?}: {}",
            stderr(&o)
        );
    }

    let o = enviar(&dir, &[("GUICHE_NFD_HTTP_INSEGURO", "talvez")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("GUICHE_NFD_HTTP_INSEGURO=\"talvez\""),
        "{}",
        stderr(&o)
    );
}
