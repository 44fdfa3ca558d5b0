//! The web pages in a real browser: `guiche serve` on a ledger with a user (made with
//! `guiche usuario add`) and a company, and `node app/tests/navegador/entrar.mjs URL` driving
//! Debian's headless Chromium through playwright-core — keyboard login, the Central e-CAC with
//! the company, logout, axe-core on both pages (no serious or critical violation), no console
//! error. Skipped with a warning where `/usr/bin/chromium` or the npm packages
//! (`npm ci --prefix app/tests/navegador`) are missing, except under CI (`CI` set), where it
//! must run.

use crate::comum::servidor::{Servidor, guiche, guiche_com, pasta};
use std::path::Path;
use std::process::Command;

const SENHA: &str = "cavalo-correto-bateria";

#[test]
fn login_home_and_logout_in_headless_chromium_with_no_serious_accessibility_violation() {
    let raiz = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = raiz.join("tests/navegador/entrar.mjs");
    let modulos = raiz.join("tests/navegador/node_modules/playwright-core");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let falta = [
        (!Path::new(&chromium).exists()).then(|| format!("{chromium} (apt-get install chromium)")),
        (!modulos.exists())
            .then(|| "os pacotes npm (npm ci --prefix app/tests/navegador)".to_owned()),
        Command::new("node")
            .arg("--version")
            .output()
            .is_err()
            .then(|| "node".to_owned()),
    ];
    let falta: Vec<String> = falta.into_iter().flatten().collect();
    if !falta.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "no CI o teste do navegador deve rodar; falta: {falta:?}"
        );
        eprintln!("aviso: teste do navegador pulado; falta: {falta:?}");
        return;
    }

    let dir = pasta("web-navegador");
    let (c, s) = guiche_com(
        &dir,
        &["usuario", "add", "ana", "--papel", "operador"],
        &[("GUICHE_USUARIO_SENHA", SENHA)],
    );
    assert_eq!(c, 0, "{s}");
    let (c, s) = guiche(
        &dir,
        &[
            "ecac",
            "company",
            "add",
            "11444777000161",
            "--acesso",
            "a1",
            "--ecac-desde",
            "2026-01-01",
            "--nome",
            "Padaria Pão de Ló",
            "--procurador",
        ],
    );
    assert_eq!(c, 0, "{s}");
    let srv = Servidor::iniciar(&dir, &[]);
    let telas = dir.join("telas");
    let o = Command::new("node")
        .arg(&script)
        .arg(format!("http://{}", srv.endereco))
        .env("GUICHE_TESTE_LOGIN", "ana")
        .env("GUICHE_TESTE_SENHA", SENHA)
        .env("GUICHE_TESTE_CNPJ", "11.444.777/0001-61")
        .env("CHROMIUM", &chromium)
        .env("TELAS", &telas)
        .output()
        .unwrap();
    let saida = format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.status.success(),
        "{saida}\n--- servidor ---\n{}",
        srv.log()
    );
    assert!(
        saida.contains("navegador: todas as verificações passaram"),
        "{saida}"
    );
    for tela in ["entrar.png", "central-ecac.png"] {
        let bytes = std::fs::read(telas.join(tela)).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 5_000,
            "{tela}"
        );
    }
}

/// `/usr/bin/chromium` (or `CHROMIUM`), when it, node and the npm packages are here; `None`
/// (the test skipped with a warning) when one is missing, except under CI.
fn navegador_pronto() -> Option<String> {
    let raiz = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let falta: Vec<String> = [
        (!Path::new(&chromium).exists()).then(|| format!("{chromium} (apt-get install chromium)")),
        (!raiz
            .join("tests/navegador/node_modules/playwright-core")
            .exists())
        .then(|| "os pacotes npm (npm ci --prefix app/tests/navegador)".to_owned()),
        Command::new("node")
            .arg("--version")
            .output()
            .is_err()
            .then(|| "node".to_owned()),
    ]
    .into_iter()
    .flatten()
    .collect();
    if falta.is_empty() {
        return Some(chromium);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "no CI o teste do navegador deve rodar; falta: {falta:?}"
    );
    eprintln!("aviso: teste do navegador pulado; falta: {falta:?}");
    None
}

/// `app/tests/navegador/balcoes.mjs`: an admin issues a nota from the form (a violation next to
/// its field first) and sees it in the ledger, sends a pacote and sees it approved on a status
/// page that refreshes itself, adds a user who then logs in — against the sandbox's NFD and
/// CONAM simulators; axe-core on every page.
#[test]
fn the_desks_and_the_users_page_in_headless_chromium_with_no_serious_accessibility_violation() {
    let Some(chromium) = navegador_pronto() else {
        return;
    };
    let raiz = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sandbox = crate::comum::sandbox::Sandbox::iniciar(Some("22/11/2026"));
    let dir = pasta("web-navegador-balcoes");
    let (c, s) = guiche_com(
        &dir,
        &["usuario", "add", "ana", "--papel", "admin"],
        &[("GUICHE_USUARIO_SENHA", SENHA)],
    );
    assert_eq!(c, 0, "{s}");
    // The sandbox's services, on this test's own ledger.
    let mut env: Vec<(String, String)> = sandbox
        .env
        .iter()
        .filter(|(k, _)| k != "GUICHE_DB")
        .cloned()
        .collect();
    env.push(("GUICHE_HOJE".into(), "22/11/2026".into()));
    let srv = Servidor::iniciar_com(&dir, env);
    let telas = dir.join("telas");
    let o = Command::new("node")
        .arg(raiz.join("tests/navegador/balcoes.mjs"))
        .arg(format!("http://{}", srv.endereco))
        .env("GUICHE_TESTE_LOGIN", "ana")
        .env("GUICHE_TESTE_SENHA", SENHA)
        .env("GUICHE_TESTE_PRESTADOR", "21118045000135")
        .env("GUICHE_TESTE_PACOTE", raiz.join("../exemplos/pacote.json"))
        .env("CHROMIUM", &chromium)
        .env("TELAS", &telas)
        .output()
        .unwrap();
    let saida = format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.status.success(),
        "{saida}\n--- servidor ---\n{}",
        srv.log()
    );
    assert!(
        saida.contains("navegador: todas as verificações passaram"),
        "{saida}"
    );
    for tela in [
        "nfd-violacao.png",
        "nfd-livro.png",
        "conam.png",
        "usuarios.png",
    ] {
        let bytes = std::fs::read(telas.join(tela)).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 5_000,
            "{tela}"
        );
    }
}
