//! `guiche serpro call`, `guiche serpro usage` and `guiche conecta` through the binary, against
//! the SERPRO and Conecta simulators over TLS (mTLS with the contratante's e-CNPJ file).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

use guiche_conecta::simulador::{CNPJ_PADRAO, CPFS_PADRAO};
use guiche_domain::Documento;
use guiche_serpro::pki_teste::pkcs12;
use guiche_serpro::simulador::FalhaGateway;
use serde_json::Value;
use std::time::{Duration, SystemTime};

use crate::comum;

use comum::{CLIENTE, CONTRATANTE, Cenario, chave_rsa};

/// `guiche serpro call` of a billed Emitir of `PGDASD/GERARDAS12` (the DAS) with `dados`.
fn emitir_das(dados: &str) -> [&str; 11] {
    [
        "serpro",
        "call",
        "Emitir",
        "--sistema",
        "PGDASD",
        "--servico",
        "GERARDAS12",
        "--contribuinte",
        CONTRATANTE,
        "--dados",
        dados,
    ]
}

/// The `dados` of the DAS of 01/2018.
const DAS_201801: &str = r#"{"periodoApuracao":"201801"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_billed_call_prints_the_decoded_data_and_is_counted() {
    let c = Cenario::novo("chamada");
    let (codigo, v) = c.guiche(&emitir_das(DAS_201801), &[]).await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["bilhetado"], true);
    assert_eq!(
        v["dados"][0]["detalhamento"][0]["numeroDocumento"], "07201811222333012",
        "dados decodificados: {v}"
    );
    assert_eq!(v["mensagens"][0]["codigo"], "Sucesso-PGDASD");
    let (codigo, v) = c.guiche(&["serpro", "usage"], &[]).await;
    assert_eq!(codigo, 0);
    assert_eq!(v["consumo"][0]["servico"], "PGDASD/GERARDAS12");
    assert_eq!(
        (
            v["consumo"][0]["chamadas"].as_u64(),
            v["consumo"][0]["janela"].as_str()
        ),
        (Some(1), Some("202611")),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monthly_ceiling_refuses_the_next_billed_call() {
    let c = Cenario::novo("teto");
    let args = emitir_das("{}");
    assert_eq!(
        c.guiche(&args, &[("GUICHE_SERPRO_TETO_MENSAL", "1")])
            .await
            .0,
        0
    );
    let (codigo, v) = c.guiche(&args, &[("GUICHE_SERPRO_TETO_MENSAL", "1")]).await;
    assert_eq!(codigo, 1, "{v}");
    assert!(
        v["erro"]["mensagem"]
            .as_str()
            .unwrap()
            .contains("teto de 1"),
        "{v}"
    );
    assert_eq!(c.sim.bilhetadas(), 1, "a segunda chamada não saiu");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_map_to_the_contract() {
    let c = Cenario::novo("erros");
    let pagamentos71 = [
        "serpro",
        "call",
        "Consultar",
        "--sistema",
        "PAGTOWEB",
        "--servico",
        "PAGAMENTOS71",
        "--contribuinte",
        CLIENTE,
        "--dados",
        "{}",
    ];
    let (codigo, v) = c.guiche(&pagamentos71, &[]).await;
    assert_eq!(codigo, 1, "{v}");
    assert!(
        v["erro"]["mensagem"].as_str().unwrap().contains("00004"),
        "a procuração que falta: {v}"
    );
    c.procuracao_do_cliente();
    let (codigo, _) = c.guiche(&pagamentos71, &[]).await;
    assert_eq!(codigo, 0);
    c.sim.injetar(FalhaGateway::Status(500));
    let (codigo, v) = c.guiche(&emitir_das("{}"), &[]).await;
    assert_eq!(codigo, 3, "Emitir com 500 não é repetido: {v}");
    let (codigo, v) = c
        .guiche(
            &[
                "serpro",
                "call",
                "Consultar",
                "--sistema",
                "PGDASD",
                "--servico",
                "CONSDECLARACAO13",
                "--contribuinte",
                CONTRATANTE,
            ],
            &[("GUICHE_SERPRO_CERT_PASSWORD", "errada")],
        )
        .await;
    assert_eq!(codigo, 2, "{v}");
    assert!(
        v["erro"]["mensagem"].as_str().unwrap().contains("senha"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conecta_cpf_and_cnpj() {
    let c = Cenario::novo("conecta");
    let ca = c.dir.join("ca-conecta.pem");
    let ca = ca.to_str().unwrap();
    let (codigo, v) = c
        .guiche(
            &["conecta", "cpf", CPFS_PADRAO[0], CPFS_PADRAO[1]],
            &[("GUICHE_SERPRO_CA", ca)],
        )
        .await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["cpfs"].as_array().unwrap().len(), 2);
    let (codigo, v) = c
        .guiche(
            &["conecta", "cnpj", CNPJ_PADRAO],
            &[("GUICHE_SERPRO_CA", ca)],
        )
        .await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["cnpj"], CNPJ_PADRAO);
    let (codigo, v) = c
        .guiche(
            &["conecta", "cnpj", CNPJ_PADRAO],
            &[("GUICHE_SERPRO_CA", ca), ("GUICHE_CONECTA_QUOTA", "1")],
        )
        .await;
    assert_eq!(
        codigo, 1,
        "a quota de homologação de 1 chamada já foi usada: {v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn das_of_a_client_with_procuracao_saves_the_pdf_and_shows_the_barcode() {
    let c = Cenario::novo("das");
    let dir = c.dir.join("guias");
    let args = [
        "serpro",
        "das",
        "--contribuinte",
        CLIENTE,
        "--periodo",
        "202610",
        "--pdf",
        dir.to_str().unwrap(),
    ];
    let (codigo, v) = c.guiche(&args, &[]).await;
    assert_eq!(codigo, 2, "pasta inexistente: {v}");
    assert!(
        v["erro"]["mensagem"].as_str().unwrap().contains("--pdf"),
        "{v}"
    );
    assert_eq!(
        c.sim.bilhetadas(),
        0,
        "nada foi chamado antes de conferir a pasta"
    );
    std::fs::create_dir_all(&dir).unwrap();
    let (codigo, v) = c.guiche(&args, &[]).await;
    assert_eq!(codigo, 1, "sem procuração o SERPRO recusa: {v}");
    assert!(
        v["erro"]["mensagem"]
            .as_str()
            .unwrap()
            .contains("procuração"),
        "{v}"
    );
    c.procuracao_do_cliente();
    let (codigo, v) = c.guiche(&args, &[]).await;
    assert_eq!(codigo, 0, "{v}");
    let das = &v["das"][0];
    assert_eq!(das["periodoApuracao"], "10/2026", "{v}");
    assert_eq!(das["total"], "1030.00", "{v}");
    assert_eq!(das["numeroDocumento"], "07202611444777106", "{v}");
    let linha = das["linhaDigitavel"].as_str().unwrap();
    assert_eq!(
        linha.chars().filter(char::is_ascii_digit).count(),
        48,
        "4 blocos de 12 dígitos: {v}"
    );
    assert!(
        das["pdf"]
            .as_str()
            .unwrap()
            .ends_with("DAS-07202611444777106.pdf")
    );
    let pdf = std::fs::read(das["pdf"].as_str().unwrap()).unwrap();
    assert!(
        pdf.starts_with(b"%PDF-"),
        "o arquivo gravado é o PDF da guia"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_are_filtered_by_date_and_bad_dates_are_usage_errors() {
    let c = Cenario::novo("pagamentos");
    let cliente = Documento::parse(CLIENTE).unwrap();
    c.procuracao_do_cliente();
    let pagamentos = serde_json::json!([
        {"numeroDocumento":"07202600000000001","dataArrecadacao":"2026-01-05T00:00:00-03:00","valorTotal":1234.56,"receitaPrincipal":{"codigo":"1708","extensaoReceita":null}},
        {"numeroDocumento":"07202600000000002","dataArrecadacao":"2026-03-05T00:00:00-03:00","valorTotal":10.00,"receitaPrincipal":{"codigo":"481","extensaoReceita":null}}
    ]);
    c.sim.definir_pagamentos(cliente, pagamentos);
    let (codigo, v) = c
        .guiche(
            &[
                "serpro",
                "pagamentos",
                "--contribuinte",
                CLIENTE,
                "--de",
                "2026-01-01",
                "--ate",
                "2026-01-31",
            ],
            &[],
        )
        .await;
    assert_eq!(codigo, 0, "{v}");
    let lista = v["pagamentos"].as_array().unwrap();
    assert_eq!(lista.len(), 1, "só o pagamento de janeiro: {v}");
    assert_eq!(lista[0]["valorTotal"], "1234.56", "valor exato: {v}");
    assert_eq!(lista[0]["numeroDocumento"], "07202600000000001", "{v}");
    let (codigo, v) = c
        .guiche(
            &[
                "serpro",
                "pagamentos",
                "--contribuinte",
                CLIENTE,
                "--de",
                "2026-02-30",
                "--ate",
                "2026-03-31",
            ],
            &[],
        )
        .await;
    assert_eq!(codigo, 2, "{v}");
    assert!(
        v["erro"]["mensagem"].as_str().unwrap().contains("--de"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sitfis_waits_for_the_report_and_writes_the_pdf() {
    let c = Cenario::novo("sitfis");
    c.procuracao_do_cliente();
    let saida = c.dir.join("sitfis.pdf");
    let (codigo, v) = c
        .guiche(
            &[
                "serpro",
                "sitfis",
                "--contribuinte",
                CLIENTE,
                "--saida",
                saida.to_str().unwrap(),
            ],
            &[],
        )
        .await;
    assert_eq!(codigo, 0, "{v}");
    let pdf = std::fs::read(&saida).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(v["bytes"], pdf.len());
    assert!(
        !c.dir.join("sitfis.pdf.parcial").exists(),
        "nenhum arquivo parcial fica para trás"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn procuracoes_lists_what_the_client_granted_the_office() {
    let c = Cenario::novo("procuracoes");
    let args = ["serpro", "procuracoes", "--outorgante", CLIENTE];
    let (codigo, v) = c.guiche(&args, &[]).await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["procuracoes"].as_array().unwrap().len(), 0, "{v}");
    c.procuracao_do_cliente();
    let (codigo, v) = c.guiche(&args, &[]).await;
    assert_eq!(codigo, 0, "{v}");
    let p = &v["procuracoes"][0];
    assert_eq!(
        p["dataExpiracao"], "2027-11-22",
        "um ano a partir de hoje: {v}"
    );
    assert!(!p["sistemas"].as_array().unwrap().is_empty(), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issued_das_and_darf_are_recorded_in_the_ecac_ledger() {
    use guiche_ports::ecac::{LivroEcac, OrigemGuia};
    let c = Cenario::novo("guias-livro");
    c.procuracao_do_cliente();
    let (codigo, v) = c
        .guiche(
            &[
                "serpro",
                "das",
                "--contribuinte",
                CLIENTE,
                "--periodo",
                "202610",
                "--mei",
            ],
            &[],
        )
        .await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["das"][0]["total"], "75.60", "DAS do MEI: {v}");
    let darf = [
        "serpro",
        "darf",
        "--contribuinte",
        CLIENTE,
        "--receita",
        "0190-01",
        "--periodo",
        "202609",
        "--vencimento",
        "2026-10-30",
        "--valor",
        "1.000,00",
        "--uf",
        "SP",
        "--municipio",
        "7107",
        "--consolidacao",
        "2026-11-22",
    ];
    let (codigo, v) = c.guiche(&darf, &[]).await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["total"], "1085.90", "23 dias de atraso: {v}");
    let livro = guiche_store::Livro::abrir(&c.dir.join("livro.db")).unwrap();
    let guias = livro.guias(None).unwrap();
    assert_eq!(guias.len(), 2, "{guias:?}");
    assert!(guias.iter().all(|g| g.origem == OrigemGuia::Serpro));
    assert_eq!(guias[1].guia.valor.to_string(), "R$ 1.085,90");
    let mut errado = darf;
    errado[11] = "1000.00";
    let (codigo, v) = c.guiche(&errado, &[]).await;
    assert_eq!(codigo, 2, "ponto sem vírgula é ambíguo: {v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declarations_mailbox_events_and_payment_count() {
    let c = Cenario::novo("consultas");
    c.procuracao_do_cliente();
    c.sim.definir_pagamentos(
        Documento::parse(CLIENTE).unwrap(),
        serde_json::json!([{ "numeroDocumento": "07202611444777017", "dataArrecadacao": "2026-11-10", "valorTotal": 1030.00 }]),
    );
    let (codigo, v) = c
        .guiche(
            &[
                "serpro",
                "declaracoes",
                "--contribuinte",
                CLIENTE,
                "--ano",
                "2026",
            ],
            &[],
        )
        .await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["declaracoes"].as_array().unwrap().len(), 10, "{v}");
    assert_eq!(v["declaracoes"][0]["dasPago"], true, "{v}");
    let (codigo, v) = c
        .guiche(&["serpro", "caixa-postal", "--contribuinte", CLIENTE], &[])
        .await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["mensagens"][0]["lida"], false, "{v}");
    let (codigo, v) = c
        .guiche(
            &[
                "serpro",
                "eventos",
                "--evento",
                "pagamentos",
                "--contribuintes",
                &format!("{CLIENTE},{CONTRATANTE}"),
            ],
            &[],
        )
        .await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["contribuintes"][0]["atualizadoEm"], "2026-11-10", "{v}");
    assert_eq!(v["contribuintes"][1]["atualizadoEm"], Value::Null, "{v}");
    let (codigo, v) = c
        .guiche(
            &[
                "serpro",
                "pagamentos",
                "--contribuinte",
                CLIENTE,
                "--de",
                "2026-11-01",
                "--ate",
                "2026-11-30",
                "--contar",
            ],
            &[],
        )
        .await;
    assert_eq!(
        (codigo, &v["quantidade"]),
        (0, &serde_json::json!(1)),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_procurador_command_signs_the_term_and_never_prints_the_token() {
    let c = Cenario::novo("procurador");
    let cpf = "52998224725";
    let agora = SystemTime::now();
    let validade = agora - Duration::from_secs(60)..agora + Duration::from_secs(86_400);
    let (cert, chave) = c
        .sim
        .ac()
        .emitir_ecpf_com_chave(
            "PROCURADOR TESTE",
            &guiche_domain::Cpf::parse(cpf).unwrap(),
            validade,
            &chave_rsa(),
        )
        .unwrap();
    let arquivo = c.dir.join("procurador.p12");
    std::fs::write(
        &arquivo,
        pkcs12(&cert, &chave, &[c.sim.ac().certificado_der()], "senha-proc").unwrap(),
    )
    .unwrap();
    let env = [
        ("GUICHE_SERPRO_PROCURADOR_CERT", arquivo.to_str().unwrap()),
        ("GUICHE_SERPRO_PROCURADOR_CERT_PASSWORD", "senha-proc"),
    ];
    let (codigo, v) = c
        .guiche(&["serpro", "procurador", "--autor", cpf], &env)
        .await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["aceito"], true, "{v}");
    assert!(v["expiraEm"].as_str().unwrap().starts_with("2026-"), "{v}");
    assert!(
        !v.to_string().contains("proc-4000"),
        "o token nunca aparece: {v}"
    );
    let (codigo, v) = c
        .guiche(&["serpro", "procurador", "--autor", CLIENTE], &env)
        .await;
    assert_eq!(codigo, 2, "certificado de outro titular: {v}");
    assert!(
        v["erro"]["mensagem"].as_str().unwrap().contains("--autor"),
        "{v}"
    );
}

/// `guiche serpro usage --conferir`: real calls through the binary, the simulated SERPRO's own
/// consumption report of them, and the ledger's record agree; a lost reply is shown settled
/// by the report; an extra line and a changed quantity are found, and nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumption_report_is_checked_against_the_ledger() {
    let c = Cenario::novo("conferir");
    let emitir = emitir_das(DAS_201801);
    assert_eq!(c.guiche(&emitir, &[]).await.0, 0);
    // Not billed (400 is exempt): in the report with quantity 0.
    c.sim.injetar(FalhaGateway::Status(400));
    assert_ne!(c.guiche(&emitir, &[]).await.0, 0);
    // The reply lost: SERPRO answered and billed, guichê never read it.
    c.sim.injetar(FalhaGateway::Cortada);
    let (codigo, v) = c.guiche(&emitir, &[]).await;
    assert_eq!(codigo, 3, "{v}");
    let relatorio = c.dir.join("relatorio.csv");
    std::fs::write(&relatorio, c.sim.relatorio_consumo()).unwrap();
    let caminho = relatorio.display().to_string();
    let (codigo, v) = c
        .guiche(&["serpro", "usage", "--conferir", &caminho], &[])
        .await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["diferencas"].as_array().unwrap().len(), 0, "{v}");
    assert_eq!(v["linhas_relatorio"], 3, "{v}");
    assert_eq!(v["conferidas"], 3, "{v}");
    assert_eq!(v["quantidade_relatorio"], "2", "{v}");
    let etiqueta = format!("{CONTRATANTE}-GERARDAS12");
    assert_eq!(v["desfechos"][0]["etiqueta"], etiqueta.as_str(), "{v}");
    assert_eq!(v["desfechos"][0]["status"], 200, "{v}");

    // The same report with one line more (another system on the contract) and the first
    // line's quantity changed, saved as Excel would: BOM, `;`, CRLF.
    let original = c.sim.relatorio_consumo();
    let mut linhas: Vec<String> = original.lines().map(str::to_owned).collect();
    linhas[1] = linhas[1].replace("\"1.0000\"", "\"2.0000\"");
    let extra = linhas[1]
        .replace(&etiqueta, "outro-sistema")
        .replace("\"2.0000\"", "\"1.0000\"");
    linhas.push(extra);
    linhas[0] = linhas[0].replace(',', ";");
    let alterado = format!("\u{feff}{}\r\n", linhas.join("\r\n")).replace("\",\"", "\";\"");
    std::fs::write(&relatorio, alterado).unwrap();
    let (codigo, v) = c
        .guiche(&["serpro", "usage", "--conferir", &caminho], &[])
        .await;
    assert_eq!(codigo, 1, "{v}");
    let achadas: Vec<(String, String, u64)> = v["diferencas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["etiqueta"].as_str().unwrap().to_owned(),
                d["tipo"].as_str().unwrap().to_owned(),
                d["linha"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        achadas,
        [
            (etiqueta.clone(), "quantidade".to_owned(), 2),
            ("outro-sistema".to_owned(), "so_no_relatorio".to_owned(), 5),
        ],
        "{v}"
    );
    assert_eq!(v["diferencas"][0]["quantidade_relatorio"], "2");
    assert_eq!(v["diferencas"][0]["quantidade_livro"], "1");

    // A line that does not read names its line and column; nothing is compared.
    std::fs::write(
        &relatorio,
        format!(
            "{}\"ontem\",\"\",\"/Emitir\",\"200\",\"\",\"\",\"x\",\"1.0000\"\n",
            original
        ),
    )
    .unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_guiche"))
        .args(["serpro", "usage", "--conferir", &caminho])
        .env("GUICHE_DB", c.dir.join("livro.db"))
        .output()
        .unwrap();
    let erro = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{erro}");
    assert!(erro.contains("linha 5, coluna DATA (\"ontem\")"), "{erro}");
}

/// `guiche serpro call --etiqueta`: the caller's tag goes as `X-Request-Tag` (the default is
/// the contribuinte and the service); one SERPRO would cut is refused before anything leaves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_carries_the_tag_the_caller_chose() {
    let c = Cenario::novo("etiqueta");
    let mut args = emitir_das(DAS_201801).to_vec();
    assert_eq!(c.guiche(&args, &[]).await.0, 0);
    args.extend(["--etiqueta", "fechamento-202611"]);
    assert_eq!(c.guiche(&args, &[]).await.0, 0);
    let longa = "x".repeat(33);
    let n = args.len();
    args[n - 1] = &longa;
    let (codigo, v) = c.guiche(&args, &[]).await;
    assert_eq!(codigo, 2, "{v}");
    let erro = v.to_string();
    assert!(erro.contains("etiqueta") && erro.contains("32"), "{v}");
    assert_eq!(
        c.sim.etiquetas(),
        [
            Some(format!("{CONTRATANTE}-GERARDAS12")),
            Some("fechamento-202611".to_owned())
        ],
        "a recusada não saiu"
    );
}
