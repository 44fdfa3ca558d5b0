//! `guiche consulta` through the binary: SERPRO's commercial APIs (the public trial's numbers,
//! against the SERPRO Loja simulator) and Conecta gov.br give the same output; every SERPRO
//! call tagged and metered, asserted from the simulator's record and the ledger.

use guiche_conecta::simulador::{CNPJ_PADRAO, CPFS_PADRAO};
use guiche_loja::simulador::{ConfigSimuladorLoja, SimuladorLoja};
use serde_json::Value;

use crate::comum::Cenario;

/// `guiche ARGS --json` with `env`, a fresh ledger in `pasta`, no Conecta nor SERPRO Loja
/// settings but those given.
async fn guiche(pasta: &std::path::Path, args: &[&str], env: &[(&str, String)]) -> (i32, Value) {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_guiche"));
    c.args(args)
        .arg("--json")
        .env("GUICHE_DB", pasta.join("livro.db"))
        .env("GUICHE_HOJE", "22/11/2026");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    let v = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (o.status.code().unwrap(), v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_serpro_trial_answers_cpfs_tagged_and_metered() {
    let sim = SimuladorLoja::iniciar(ConfigSimuladorLoja::default()).unwrap();
    let pasta = crate::comum::pasta("consulta-trial");
    let env = [
        ("GUICHE_SERPRO_LOJA_TRIAL", "1".to_owned()),
        ("GUICHE_SERPRO_LOJA_URL", sim.url_base()),
    ];
    let (codigo, v) = guiche(
        &pasta,
        &[
            "consulta",
            "cpf",
            "404.428.201-35",
            "05137518743",
            "47856021985",
        ],
        &env,
    )
    .await;
    assert_eq!(codigo, 2, "one CPF without a record: not found: {v}");
    let cpfs = v["cpfs"].as_array().unwrap();
    assert_eq!(cpfs[0]["cpf"], "40442820135");
    assert_eq!(cpfs[0]["situacao"]["descricao"], "Regular");
    assert_eq!(cpfs[0]["caminho"], "serpro-loja");
    assert_eq!(cpfs[1]["anoObito"], 2019);
    assert!(cpfs[2]["erro"]["mensagem"].is_string(), "{v}");
    let etiquetas: Vec<Option<String>> = sim.chamadas().into_iter().map(|c| c.etiqueta).collect();
    assert_eq!(
        etiquetas,
        [
            Some("consulta-cpf-40442820135".to_owned()),
            Some("consulta-cpf-05137518743".to_owned()),
            Some("consulta-cpf-47856021985".to_owned())
        ]
    );
    // The three are billed (200, 200, 404), each counted once in the ledger.
    let (codigo, uso) = guiche(&pasta, &["serpro", "usage"], &[]).await;
    assert_eq!(codigo, 0, "{uso}");
    let texto = uso.to_string();
    assert!(texto.contains("loja/cpf"), "{uso}");
    let chamadas: u64 = uso["consumo"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter(|c| c["servico"] == "loja/cpf")
                .map(|c| c["chamadas"].as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or_default();
    assert_eq!(chamadas, 3, "{uso}");
    // SERPRO's consumption report of those calls agrees with the ledger's record, tag by tag.
    let relatorio = pasta.join("relatorio.csv");
    std::fs::write(&relatorio, sim.relatorio_consumo()).unwrap();
    let caminho = relatorio.display().to_string();
    let (codigo, v) = guiche(&pasta, &["serpro", "usage", "--conferir", &caminho], &[]).await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(
        (v["linhas_relatorio"].as_u64(), v["conferidas"].as_u64()),
        (Some(3), Some(3)),
        "{v}"
    );
    assert_eq!(v["quantidade_relatorio"], "3", "{v}");
    // Without the last line: that call is found in the ledger only.
    let sem_a_ultima: String = sim
        .relatorio_consumo()
        .lines()
        .take(3)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&relatorio, sem_a_ultima).unwrap();
    let (codigo, v) = guiche(&pasta, &["serpro", "usage", "--conferir", &caminho], &[]).await;
    assert_eq!(codigo, 1, "{v}");
    let d = v["diferencas"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{v}");
    assert_eq!(
        (
            d[0]["etiqueta"].as_str(),
            d[0]["tipo"].as_str(),
            d[0]["status"].as_u64()
        ),
        (
            Some("consulta-cpf-47856021985"),
            Some("so_no_livro"),
            Some(404)
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contract_gets_the_partners_and_the_cnd() {
    let sim = SimuladorLoja::iniciar(ConfigSimuladorLoja::default()).unwrap();
    sim.cadastrar_consumidor("chave", "segredo");
    let pasta = crate::comum::pasta("consulta-contrato");
    let env = [
        ("GUICHE_SERPRO_LOJA_CONSUMER_KEY", "chave".to_owned()),
        ("GUICHE_SERPRO_LOJA_CONSUMER_SECRET", "segredo".to_owned()),
        ("GUICHE_SERPRO_LOJA_URL", sim.url_base()),
    ];
    let (codigo, v) = guiche(
        &pasta,
        &["consulta", "cnpj", "34.238.864/0001-68", "--qsa"],
        &env,
    )
    .await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["nivel"], "qsa");
    assert!(!v["socios"].as_array().unwrap().is_empty(), "{v}");
    let (codigo, v) = guiche(&pasta, &["consulta", "cnd", "34238864000168"], &env).await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(
        (v["situacao"].as_str(), v["validade"].as_str()),
        (Some("Negativa"), Some("01/05/2027")),
        "{v}"
    );
    let (codigo, v) = guiche(&pasta, &["consulta", "cnd", "46.768.703/0001-65"], &env).await;
    assert_eq!(
        (codigo, v["situacao"].as_str()),
        (0, Some("Positiva")),
        "{v}"
    );
    // WSO2 hands a consumer's live token out again: the second and third processes get the
    // first one's, and no token request is billed.
    assert_eq!(sim.tokens_emitidos(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conecta_answers_the_same_command_for_a_public_body() {
    let c = Cenario::novo("consulta-conecta");
    let mut env: Vec<(&str, String)> = Vec::new();
    let ambiente = c.ambiente();
    for (k, v) in &ambiente {
        if k.starts_with("GUICHE_CONECTA") {
            env.push((k.as_str(), v.clone()));
        }
    }
    let ca = c.dir.join("ca-conecta.pem").display().to_string();
    env.push(("GUICHE_SERPRO_CA", ca));
    let (codigo, v) = guiche(&c.dir, &["consulta", "cpf", CPFS_PADRAO[0]], &env).await;
    assert_eq!(codigo, 0, "{v}");
    let cpf = &v["cpfs"][0];
    assert_eq!(
        (cpf["cpf"].as_str(), cpf["caminho"].as_str()),
        (Some(CPFS_PADRAO[0]), Some("conecta-gov-br"))
    );
    for chave in ["nome", "situacao", "parcial"] {
        assert!(
            cpf.get(chave).is_some(),
            "the same shape as SERPRO's: {chave} in {v}"
        );
    }
    let (codigo, v) = guiche(&c.dir, &["consulta", "cnpj", CNPJ_PADRAO], &env).await;
    assert_eq!((codigo, v["cnpj"].as_str()), (0, Some(CNPJ_PADRAO)), "{v}");
    // What only SERPRO gives is refused by name, before any call.
    let (codigo, _) = guiche(&c.dir, &["consulta", "cnd", CNPJ_PADRAO], &env).await;
    assert_eq!(codigo, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_path_the_error_names_both() {
    let pasta = crate::comum::pasta("consulta-nada");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_guiche"))
        .args(["consulta", "cpf", "40442820135"])
        .env("GUICHE_DB", pasta.join("livro.db"))
        .env_remove("GUICHE_CONECTA_URL")
        .env_remove("GUICHE_SERPRO_LOJA_TRIAL")
        .env_remove("GUICHE_SERPRO_LOJA_CONSUMER_KEY")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let erro = String::from_utf8_lossy(&o.stderr);
    assert!(
        erro.contains("GUICHE_SERPRO_LOJA") && erro.contains("GUICHE_CONECTA"),
        "{erro}"
    );
}

/// The same lookups over HTTP (`/api/v1/consultas/…`), on the SERPRO trial: the shapes of the
/// command line, problem+json for a bad number, and the role an operator needs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_the_same_lookups() {
    use crate::comum::servidor::{Servidor, token};
    let sim = SimuladorLoja::iniciar(ConfigSimuladorLoja::default()).unwrap();
    let pasta = crate::comum::pasta("consulta-api");
    let operador = token(&pasta, "ana", "operador");
    let leitura = token(&pasta, "bia", "leitura");
    let url = sim.url_base();
    let srv = Servidor::iniciar(
        &pasta,
        &[
            ("GUICHE_SERPRO_LOJA_TRIAL", "1"),
            ("GUICHE_SERPRO_LOJA_URL", url.as_str()),
        ],
    );
    let json = [("Content-Type", "application/json")];
    let r = srv.chamar(
        "POST",
        "/api/v1/consultas/cpf",
        &operador,
        &json,
        br#"{"cpfs": ["404.428.201-35"], "etiqueta": "cliente-x"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.corpo);
    let v: Value = serde_json::from_str(&r.corpo).unwrap();
    assert_eq!(v["cpfs"][0]["situacao"]["codigo"], "0", "{v}");
    assert_eq!(
        sim.chamadas().last().unwrap().etiqueta.as_deref(),
        Some("cliente-x")
    );
    let r = srv.chamar(
        "GET",
        "/api/v1/consultas/cnpj/34238864000168?nivel=empresa",
        &operador,
        &[],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.corpo);
    let v: Value = serde_json::from_str(&r.corpo).unwrap();
    assert_eq!(v["nivel"], "empresa");
    let r = srv.chamar("GET", "/api/v1/consultas/cnd/123", &operador, &[], b"");
    assert_eq!(r.status, 400, "{}", r.corpo);
    assert!(r.corpo.contains("documento"), "{}", r.corpo);
    let r = srv.chamar(
        "GET",
        "/api/v1/consultas/cnd/34238864000168",
        &leitura,
        &[],
        b"",
    );
    assert_eq!(
        r.status, 403,
        "a billed lookup needs the operator role: {}",
        r.corpo
    );
}
