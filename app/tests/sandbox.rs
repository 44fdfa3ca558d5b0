//! `guiche sandbox` through the binary: the printed environment alone lets every system be used
//! by hand (CONAM, SERPRO, e-CAC and Conecta here), no secret is printed, and Ctrl-C stops it
//! and removes its folder.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads
#![cfg(unix)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const CLIENTE: &str = "11444777000161";

fn guiche(env: &[(String, String)], args: &[&str]) -> (i32, Value) {
    let o = Command::new(env!("CARGO_BIN_EXE_guiche"))
        .args(args)
        .arg("--json")
        .env_clear()
        .envs(env.iter().cloned())
        .env("GUICHE_HOJE", "22/11/2026")
        .output()
        .unwrap();
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap(), v)
}

#[test]
fn the_printed_environment_is_enough_and_ctrl_c_cleans_up() {
    let mut sandbox = Command::new(env!("CARGO_BIN_EXE_guiche"))
        .arg("sandbox")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut linhas = BufReader::new(sandbox.stdout.take().unwrap()).lines();
    let mut env = Vec::new();
    let mut impresso = String::new();
    for linha in linhas.by_ref() {
        let linha = linha.unwrap();
        impresso.push_str(&linha);
        if let Some((k, v)) = linha
            .strip_prefix("export ")
            .and_then(|l| l.split_once('='))
        {
            env.push((k.to_owned(), v.trim_matches('\'').to_owned()));
        }
        if linha.starts_with("# e experimente") {
            break;
        }
    }
    for segredo in [
        "senha-nfd",
        "segredo-conam",
        "segredo-serpro",
        "senha-do-pfx",
        "segredo-conecta",
    ] {
        assert!(
            !impresso.contains(segredo),
            "nenhum segredo impresso: {segredo}"
        );
    }
    let pasta = env
        .iter()
        .find(|(k, _)| k == "GUICHE_SERPRO_CERT")
        .map(|(_, v)| v.clone())
        .unwrap();
    let pasta = std::path::Path::new(&pasta).parent().unwrap().to_path_buf();

    let (codigo, v) = guiche(&env, &["conam", "period", "1", "2022", "7"]);
    assert_eq!(codigo, 0, "{v}");
    let (codigo, v) = guiche(
        &env,
        &[
            "ecac",
            "company",
            "add",
            CLIENTE,
            "--acesso",
            "a1",
            "--ecac-desde",
            "2026-01-01",
        ],
    );
    assert_eq!(codigo, 0, "{v}");
    let (codigo, v) = guiche(
        &env,
        &[
            "serpro",
            "das",
            "--contribuinte",
            CLIENTE,
            "--periodo",
            "202610",
        ],
    );
    assert_eq!(codigo, 0, "{v}");
    let (codigo, v) = guiche(&env, &["ecac", "sync"]);
    assert_eq!((codigo, &v["guiasBaixadas"]), (0, &Value::from(1)), "{v}");
    let (codigo, v) = guiche(&env, &["conecta", "cnpj", "11222333000181"]);
    assert_eq!(codigo, 0, "{v}");

    let ok = Command::new("kill")
        .args(["-INT", &sandbox.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let saida = sandbox.wait().unwrap();
    assert!(saida.success(), "{saida:?}");
    assert!(!pasta.exists(), "a pasta {} foi removida", pasta.display());
}
