//! `guiche sandbox [--port N]`: the four simulators on 127.0.0.1 until Ctrl-C, and the
//! environment that points `guiche` at them, so every command can be tried by hand.
//!
//! Secrets are never printed: they are written to files in a private folder and the printed
//! variables name the files (`…_ARQUIVO`), as in production. The folder holds the office's test
//! e-CNPJ (PKCS#12), the simulators' CAs (one bundle), and the ledger; it is removed on exit.

use crate::arquivo::gravar_privado;
use crate::erro::{Codigo, ErroApp};
use guiche_conam::simulador::{ConfigSimulador as ConfigConam, SimuladorConam};
use guiche_conecta::simulador::{ConfigSimuladorConecta, SimuladorConecta};
use guiche_domain::{Cnpj, Competencia, Data, Documento};
use guiche_loja::simulador::{ConfigSimuladorLoja, SimuladorLoja};
use guiche_nfd::simulador::{ConfigSimulador as ConfigNfd, SimuladorNfd};
use guiche_nfse::simulador::{ConfigSimuladorNfse, SimuladorNfse};
use guiche_serpro::simulador::{ConfigSimulador as ConfigIntegra, SimuladorIntegra};
use serde_json::json;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The office (contratante) whose e-CNPJ the sandbox issues.
const ESCRITORIO: &str = "11222333000181";
/// A client company that gave the office an e-CAC procuração and has payments: its DAS of
/// 10/2026, paid on 18/11/2026, and a payment of a guide guichê does not know.
const CLIENTE: &str = "11444777000161";
/// The NFD provider registered, and the municipalities it is enabled for.
const PRESTADOR: &str = "21118045000135";
const PREFEITURAS: [&str; 3] = ["3150", "0044", "4400"];

fn falha(e: &dyn std::fmt::Display) -> ErroApp {
    ErroApp::Configuracao(format!("sandbox: {e}"))
}

/// Port `base + i`, or any free port.
fn porta(base: Option<u16>, i: u16) -> Result<u16, ErroApp> {
    match base {
        None => Ok(0),
        Some(b) => b
            .checked_add(i)
            .ok_or_else(|| falha(&format!("--port {b}: as portas seguintes passam de 65535"))),
    }
}

struct Pasta(PathBuf);

impl Drop for Pasta {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn criar_pasta() -> Result<Pasta, ErroApp> {
    let p = std::env::temp_dir().join(format!("guiche-sandbox-{}", std::process::id()));
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(&p)
        .map_err(|e| falha(&format!("{}: {e}", p.display())))?;
    Ok(Pasta(p))
}

/// Runs the simulators until Ctrl-C.
pub(crate) async fn executar(base: Option<u16>) -> Result<Codigo, ErroApp> {
    let pasta = criar_pasta()?;
    let dir = &pasta.0;
    // With GUICHE_HOJE the simulated services live on the same day as the commands.
    let hoje = crate::relogio::hoje_fixo();
    let nfd = SimuladorNfd::iniciar(ConfigNfd {
        porta: porta(base, 0)?,
        hoje,
        ..ConfigNfd::default()
    })
    .map_err(|e| falha(&e))?;
    nfd.cadastrar_prestador(PRESTADOR, "senha-nfd", &PREFEITURAS);
    let conam = SimuladorConam::iniciar(ConfigConam {
        porta: porta(base, 1)?,
        // The accounting office approves a package after its second status query, so
        // `guiche conam send --wait` ends by itself.
        aprovar_apos_consultas: Some(2),
        ..ConfigConam::default()
    })
    .map_err(|e| falha(&e))?;
    conam.cadastrar_cliente("USUARIO", "segredo-conam", &["1"]);
    let integra = SimuladorIntegra::iniciar(ConfigIntegra {
        porta: porta(base, 2)?,
        hoje,
        ..ConfigIntegra::default()
    })
    .map_err(|e| falha(&e))?;
    preparar_integra(&integra, dir)?;
    let conecta = SimuladorConecta::iniciar(ConfigSimuladorConecta {
        porta: porta(base, 3)?,
        ..ConfigSimuladorConecta::default()
    })
    .map_err(|e| falha(&e))?;
    conecta.cadastrar_cliente("orgao", "segredo-conecta");
    let loja = SimuladorLoja::iniciar(ConfigSimuladorLoja {
        porta: porta(base, 4)?,
        ..ConfigSimuladorLoja::default()
    })
    .map_err(|e| falha(&e))?;
    loja.cadastrar_consumidor("chave-loja", "segredo-loja");
    // The README's A1 client: a negative CND valid until 10/12/2026 (near its expiry, so the
    // Central e-CAC's Certidões panel shows it).
    loja.definir_cnd(
        &Documento::parse(CLIENTE).map_err(|e| falha(&e))?,
        guiche_ports::consulta::SituacaoCnd::Negativa,
        Data::new(2026, 12, 10).ok(),
    );
    // SEFIN Nacional, its CA issuing the office's e-CNPJ as a prestador (the example DPS's).
    let nfse = SimuladorNfse::iniciar(ConfigSimuladorNfse {
        porta: porta(base, 5)?,
    })
    .map_err(|e| falha(&e))?;
    let prestador = Documento::parse(ESCRITORIO).map_err(|e| falha(&e))?;
    let pfx = nfse
        .pfx_prestador(&prestador, "senha-nfse")
        .map_err(|e| falha(&e))?;
    gravar_privado(&dir.join("nfse.p12"), &pfx)?;
    gravar_privado(&dir.join("nfse-ca.pem"), nfse.ca_pem().as_bytes())?;
    let ca = format!("{}{}", integra.ca_pem(), conecta.ca_pem());
    gravar_privado(&dir.join("ca.pem"), ca.as_bytes())?;
    for (nome, segredo) in [
        ("nfd-senha", "senha-nfd"),
        ("conam-secret", "segredo-conam"),
        ("serpro-secret", "segredo-serpro"),
        ("serpro-cert-senha", "senha-do-pfx"),
        ("conecta-secret", "segredo-conecta"),
        ("loja-secret", "segredo-loja"),
        ("nfse-cert-senha", "senha-nfse"),
    ] {
        gravar_privado(&dir.join(nome), segredo.as_bytes())?;
    }
    let d = |f: &str| dir.join(f).display().to_string();
    let variaveis = [
        ("GUICHE_DB", d("livro.db")),
        ("GUICHE_NFD_URL", nfd.url()),
        ("GUICHE_NFD_SENHA_ARQUIVO", d("nfd-senha")),
        ("GUICHE_CONAM_URL", conam.base()),
        ("GUICHE_CONAM_TOKEN_URL", conam.url_token()),
        ("GUICHE_CONAM_CLIENT_ID", "USUARIO".into()),
        ("GUICHE_CONAM_CLIENT_SECRET_ARQUIVO", d("conam-secret")),
        ("GUICHE_SERPRO_AUTH_URL", integra.url_autenticacao()),
        ("GUICHE_SERPRO_URL", integra.url_gateway()),
        ("GUICHE_SERPRO_CONSUMER_KEY", "chave-sandbox".into()),
        ("GUICHE_SERPRO_CONSUMER_SECRET_ARQUIVO", d("serpro-secret")),
        ("GUICHE_SERPRO_CERT", d("ecnpj.p12")),
        (
            "GUICHE_SERPRO_CERT_PASSWORD_ARQUIVO",
            d("serpro-cert-senha"),
        ),
        ("GUICHE_SERPRO_CA", d("ca.pem")),
        ("GUICHE_CONECTA_URL", conecta.url_base()),
        ("GUICHE_CONECTA_CLIENT_ID", "orgao".into()),
        ("GUICHE_CONECTA_CLIENT_SECRET_ARQUIVO", d("conecta-secret")),
        ("GUICHE_CONECTA_CPF_USUARIO", "52998224725".into()),
        ("GUICHE_SERPRO_LOJA_URL", loja.url_base()),
        ("GUICHE_SERPRO_LOJA_CONSUMER_KEY", "chave-loja".into()),
        (
            "GUICHE_SERPRO_LOJA_CONSUMER_SECRET_ARQUIVO",
            d("loja-secret"),
        ),
        ("GUICHE_NFSE_URL", nfse.url_sefin()),
        ("GUICHE_NFSE_CA", d("nfse-ca.pem")),
        ("GUICHE_NFSE_CERT", d("nfse.p12")),
        ("GUICHE_NFSE_CERT_SENHA_ARQUIVO", d("nfse-cert-senha")),
    ];
    imprimir(&variaveis);
    tokio::signal::ctrl_c().await.map_err(|e| falha(&e))?;
    // Whoever read our output may be gone by now (a closed pipe): never panic for that.
    let _ = writeln!(
        std::io::stdout(),
        "\nsimuladores encerrados; {} removida",
        dir.display()
    );
    nfd.parar().await;
    conam.parar().await;
    drop((integra, conecta, loja, nfse, pasta));
    Ok(Codigo::Ok)
}

/// The office's consumer and e-CNPJ, the client's procuração and a few of its payments.
fn preparar_integra(sim: &SimuladorIntegra, dir: &Path) -> Result<(), ErroApp> {
    sim.cadastrar_consumidor("chave-sandbox", "segredo-serpro");
    let escritorio = Cnpj::parse(ESCRITORIO).map_err(|e| falha(&e))?;
    let p12 = sim
        .emitir_pkcs12(
            "ESCRITORIO SANDBOX",
            &escritorio,
            Duration::from_secs(30 * 86_400),
            "senha-do-pfx",
        )
        .map_err(|e| falha(&e))?;
    gravar_privado(&dir.join("ecnpj.p12"), &p12)?;
    let cliente = Documento::parse(CLIENTE).map_err(|e| falha(&e))?;
    sim.conceder_procuracao(Documento::Cnpj(escritorio), cliente);
    let outubro = Competencia::new(2026, 10).ok_or_else(|| falha(&"competência 10/2026"))?;
    let das = SimuladorIntegra::numero_das(&cliente, outubro);
    sim.definir_pagamentos(
        cliente,
        json!([
            { "numeroDocumento": das.as_digitos(), "dataArrecadacao": "2026-11-18T00:00:00-03:00",
              "valorTotal": 1030.00, "receitaPrincipal": { "codigo": "1001", "extensaoReceita": null } },
            { "numeroDocumento": "07202600000000777", "dataArrecadacao": "2026-11-10T00:00:00-03:00",
              "valorTotal": 250.00, "receitaPrincipal": { "codigo": "1708", "extensaoReceita": null } }
        ]),
    );
    Ok(())
}

/// Prints the environment and a few commands to try. A reader that goes away (a closed pipe)
/// does not stop the simulators: the sandbox keeps serving until Ctrl-C.
fn imprimir(variaveis: &[(&str, String)]) {
    use std::fmt::Write as _;
    let mut texto = String::from(
        "# guichê sandbox: simuladores de NFD, NFS-e Nacional (SEFIN), CONAM, SERPRO Integra\n\
         # Contador, Conecta gov.br e das APIs comerciais do SERPRO (Consulta CPF, CNPJ e CND)\n\
         # em 127.0.0.1 até Ctrl-C. Em outro terminal, cole:\n\n",
    );
    for (nome, valor) in variaveis {
        let _ = writeln!(texto, "export {nome}='{valor}'");
    }
    texto.push_str("\n# e experimente, da raiz do repositório (veja o README):\n");
    let exemplos = [
        format!("guiche nfd send exemplos/nota.xml --prefeitura 3150 --prestador {PRESTADOR}"),
        "guiche nfse send exemplos/nfse/dps.json".to_owned(),
        "guiche conam send exemplos/pacote.json --wait".to_owned(),
        format!("guiche serpro das --contribuinte {CLIENTE} --periodo 202610"),
        format!("guiche ecac company add {CLIENTE} --acesso a1 --ecac-desde 2026-01-01"),
        "guiche ecac guides import exemplos/guias.csv".to_owned(),
        "guiche ecac sync && guiche ecac occurrences --export ocorrencias.xlsx".to_owned(),
        format!("guiche conecta cnpj {ESCRITORIO}"),
        "guiche consulta cnpj 34238864000168 --qsa && guiche consulta cnd 34238864000168"
            .to_owned(),
    ];
    for e in exemplos {
        let _ = writeln!(texto, "#   {e}");
    }
    let mut saida = std::io::stdout();
    let _ = saida
        .write_all(texto.as_bytes())
        .and_then(|()| saida.flush());
}
