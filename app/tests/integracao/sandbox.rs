//! `guiche sandbox` through the binary: the printed environment alone lets every system be used
//! by hand (CONAM, SERPRO, e-CAC, Conecta and NFS-e Nacional here), no secret is printed, and Ctrl-C stops it
//! and removes its folder.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads
#![cfg(unix)]

use crate::comum;

use comum::sandbox::Sandbox;
use comum::{CLIENTE, empresa_ecac};
use serde_json::Value;
use std::process::Command;

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
    let sandbox = Sandbox::iniciar(None);
    let (env, impresso) = (sandbox.env.clone(), sandbox.impresso.clone());
    for segredo in [
        "senha-nfd",
        "segredo-conam",
        "segredo-serpro",
        "senha-do-pfx",
        "segredo-conecta",
        "senha-nfse",
    ] {
        assert!(
            !impresso.contains(segredo),
            "nenhum segredo impresso: {segredo}"
        );
    }
    let pasta = std::path::Path::new(sandbox.var("GUICHE_SERPRO_CERT"))
        .parent()
        .unwrap()
        .to_path_buf();

    let (codigo, v) = guiche(&env, &["conam", "period", "1", "2022", "7"]);
    assert_eq!(codigo, 0, "{v}");
    let (codigo, v) = guiche(&env, &empresa_ecac(CLIENTE, "a1"));
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
    let baixadas = &v["empresas"][0]["guiasBaixadas"];
    assert_eq!((codigo, baixadas), (0, &Value::from(1)), "{v}");
    let (codigo, v) = guiche(&env, &["conecta", "cnpj", "11222333000181"]);
    assert_eq!(codigo, 0, "{v}");
    // NFS-e Nacional: the example DPS issued and cancelled with the printed environment alone.
    let dps = concat!(env!("CARGO_MANIFEST_DIR"), "/../exemplos/nfse/dps.json");
    let (codigo, v) = guiche(&env, &["nfse", "send", dps]);
    assert_eq!(
        (codigo, &v["situacao"]),
        (0, &Value::from("emitida")),
        "{v}"
    );
    let chave = v["chave"].as_str().unwrap().to_owned();
    let cancelar = [
        "nfse",
        "cancel",
        &chave,
        "--codigo",
        "1",
        "--motivo",
        "Valor do serviço digitado errado",
    ];
    let (codigo, v) = guiche(&env, &cancelar);
    assert_eq!(
        (codigo, &v["situacao"]),
        (0, &Value::from("cancelada")),
        "{v}"
    );

    let saida = sandbox.parar();
    assert!(saida.success(), "{saida:?}");
    assert!(!pasta.exists(), "a pasta {} foi removida", pasta.display());
}
