//! The web pages in a real browser: `guiche serve` on a ledger with a user (made with
//! `guiche usuario add`) and a company, and `node app/tests/navegador/entrar.mjs URL` driving
//! Debian's headless Chromium through playwright-core — keyboard login, the Central e-CAC with
//! the company, logout, axe-core on both pages (no serious or critical violation), no console
//! error; and `ecac.mjs`, the Central e-CAC's workflow against the SERPRO simulator (a company
//! added, guides imported, a sync, grouping, details, the XLSX opened here and the proof's PDF
//! downloaded, a company's guides located, axe-core on every screen); and `balcoes.mjs`, the NFD and
//! CONAM desks and the users' page. Skipped with a warning
//! where `/usr/bin/chromium` or the npm packages (`npm ci --prefix app/tests/navegador`) are
//! missing, except under CI (`CI` set), where they must run.

use crate::comum::servidor::{Servidor, guiche, guiche_com, pasta};
use std::path::Path;
use std::process::Command;

const SENHA: &str = "cavalo-correto-bateria";

/// The Chromium to drive, or `None` (with a warning) where it or the npm packages or node are
/// missing — never under CI, where the test must run.
fn navegador_pronto() -> Option<String> {
    let raiz = Path::new(env!("CARGO_MANIFEST_DIR"));
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
        return None;
    }
    Some(chromium)
}

#[test]
fn login_home_and_logout_in_headless_chromium_with_no_serious_accessibility_violation() {
    let Some(chromium) = navegador_pronto() else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/navegador/entrar.mjs");

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
    script_passou(&o, &srv);
    telas_gravadas(&telas, &["entrar.png", "central-ecac.png"]);
}

/// The Central e-CAC's workflow (`ecac.mjs`) against the SERPRO simulator: a company added,
/// guides imported, a sync, grouping, details, the XLSX (opened here: a cell checked) and the
/// proof's PDF downloaded, a company's guides located; axe-core on every screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_central_ecac_workflow_in_headless_chromium() {
    use calamine::{Data as Celula, Reader, Xlsx, open_workbook};
    let Some(chromium) = navegador_pronto() else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/navegador/ecac.mjs");
    let c = crate::comum::Cenario::novo("web-navegador-ecac");
    c.procuracao_do_cliente();
    c.sim.definir_pagamentos(
        guiche_domain::Documento::parse(crate::comum::CLIENTE).unwrap(),
        serde_json::json!([
            { "numeroDocumento": "07202611444777106", "dataArrecadacao": "2026-11-20T00:00:00-03:00", "valorTotal": 1030.00 }
        ]),
    );
    let (codigo, s) = guiche_com(
        &c.dir,
        &["usuario", "add", "ana", "--papel", "admin"],
        &[("GUICHE_USUARIO_SENHA", SENHA)],
    );
    assert_eq!(codigo, 0, "{s}");
    let guias = c.dir.join("guias.csv");
    std::fs::write(
        &guias,
        "tipo;numero_documento;contribuinte;periodo;vencimento;valor\n\
         DAS;07202611444777106;11444777000161;10/2026;20/11/2026;1.030,00\n\
         DARF;07202600000000555;11444777000161;09/2026;20/10/2026;480,00\n",
    )
    .unwrap();
    // The CND through SERPRO's commercial APIs: positive, so the home's Certidões panel
    // lists the company; the mailbox is the simulator's default (one unread message).
    let loja = guiche_loja::simulador::SimuladorLoja::iniciar(
        guiche_loja::simulador::ConfigSimuladorLoja::default(),
    )
    .unwrap();
    loja.cadastrar_consumidor("chave-loja", "segredo-loja");
    loja.definir_cnd(
        &guiche_domain::Documento::parse(crate::comum::CLIENTE).unwrap(),
        guiche_ports::consulta::SituacaoCnd::Positiva,
        None,
    );
    let mut ambiente = c.ambiente();
    ambiente.extend(
        [
            ("GUICHE_CONSULTA", "serpro".to_owned()),
            ("GUICHE_SERPRO_LOJA_URL", loja.url_base()),
            ("GUICHE_SERPRO_LOJA_CONSUMER_KEY", "chave-loja".to_owned()),
            (
                "GUICHE_SERPRO_LOJA_CONSUMER_SECRET",
                "segredo-loja".to_owned(),
            ),
        ]
        .map(|(k, v)| (k.to_owned(), v)),
    );
    let srv = Servidor::iniciar_com(&c.dir, ambiente);
    let telas = c.dir.join("telas");
    let baixados = c.dir.join("baixados");
    let mut node = Command::new("node");
    node.arg(&script)
        .arg(format!("http://{}", srv.endereco))
        .env("GUICHE_TESTE_LOGIN", "ana")
        .env("GUICHE_TESTE_SENHA", SENHA)
        .env("GUICHE_TESTE_CNPJ", crate::comum::CLIENTE)
        .env("GUICHE_TESTE_GUIAS", &guias)
        .env("DOWNLOADS", &baixados)
        .env("CHROMIUM", &chromium)
        .env("TELAS", &telas);
    let o = tokio::task::spawn_blocking(move || node.output().unwrap())
        .await
        .unwrap();
    script_passou(&o, &srv);
    // The workbook the browser downloaded, opened: the overdue DARF in the Vencida sheet.
    let mut livro: Xlsx<_> = open_workbook(baixados.join("ocorrencias.xlsx")).unwrap();
    let abas = livro.sheet_names();
    let aba = abas
        .iter()
        .find(|n| n.starts_with("Vencida"))
        .unwrap_or_else(|| panic!("{abas:?}"));
    let celulas = livro.worksheet_range(aba).unwrap();
    assert!(
        celulas
            .rows()
            .any(|l| l.contains(&Celula::String("07202600000000555".into()))),
        "{celulas:?}"
    );
    telas_gravadas(
        &telas,
        &[
            "configurar-empresas-erro.png",
            "configurar-empresas.png",
            "importar.png",
            "sincronizar-agora.png",
            "inicio.png",
            "gerenciar-guias-empresa.png",
            "gerenciar-guias.png",
            "detalhes.png",
            "localizar-guia.png",
        ],
    );
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
    script_passou(&o, &srv);
    telas_gravadas(
        &telas,
        &[
            "nfd-violacao.png",
            "nfd-livro.png",
            "conam.png",
            "usuarios.png",
        ],
    );
}

/// The script ended well and said so; otherwise its output and the server's log.
fn script_passou(o: &std::process::Output, srv: &Servidor) {
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
}

/// Each screenshot the script was to take is a real PNG in `telas`.
fn telas_gravadas(telas: &Path, nomes: &[&str]) {
    for tela in nomes {
        let bytes = std::fs::read(telas.join(tela)).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 5_000,
            "{tela}"
        );
    }
}
