//! `guiche ecac …` through the binary, against the SERPRO simulator over mTLS and a ledger
//! file: companies, guides imported from CSV, payments synced (A1) or imported (A3),
//! occurrences shown and exported, proof of payment, locating and issuing a guide.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

mod comum;

use comum::{CLIENTE, Cenario};
use guiche_domain::Documento;
use serde_json::{Value, json};

/// A second client, reaching e-CAC with an A3 certificate.
const CLIENTE_A3: &str = "11222333000181";
const DAS: &str = "07202611444777106";
const DARF: &str = "07202600000000555";

/// The guides the office issued: the simulator's DAS for CLIENTE (due 20/11/2026) and an
/// overdue DARF.
const GUIAS: &str = "\u{feff}tipo;numero_documento;contribuinte;periodo;vencimento;valor\r\n\
DAS;07.20.26114.4477710-6;11.444.777/0001-61;10/2026;20/11/2026;1.030,00\r\n\
DARF;07202600000000555;11444777000161;09/2026;20/10/2026;480,00\r\n";

fn escrever(c: &Cenario, nome: &str, texto: &str) -> String {
    let p = c.dir.join(nome);
    std::fs::write(&p, texto).unwrap();
    p.display().to_string()
}

/// CLIENTE paid its DAS on the due date, and something guichê never issued.
fn pagamentos_do_cliente(c: &Cenario) {
    c.sim.definir_pagamentos(
        Documento::parse(CLIENTE).unwrap(),
        json!([
            { "numeroDocumento": DAS, "dataArrecadacao": "2026-11-20T00:00:00-03:00", "valorTotal": 1030.00 },
            { "numeroDocumento": "07202600000000777", "dataArrecadacao": "2026-11-10T00:00:00-03:00", "valorTotal": 250.00 }
        ]),
    );
}

async fn ok(c: &Cenario, args: &[&str]) -> Value {
    let (codigo, v) = c.guiche(args, &[]).await;
    assert_eq!(codigo, 0, "{args:?}: {v}");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn companies_are_added_listed_and_changed_with_clear_usage_errors() {
    let c = Cenario::novo("ecac-empresas");
    let add = [
        "ecac",
        "company",
        "add",
        CLIENTE,
        "--acesso",
        "a1",
        "--ecac-desde",
        "2026-01-01",
        "--nome",
        "Padaria",
    ];
    ok(&c, &add).await;
    let (codigo, v) = c.guiche(&add, &[]).await;
    assert_eq!(codigo, 2, "já cadastrada: {v}");
    let (codigo, v) = c
        .guiche(
            &["ecac", "company", "add", CLIENTE_A3, "--acesso", "token"],
            &[],
        )
        .await;
    assert_eq!(codigo, 2, "{v}");
    assert!(
        v["erro"]["mensagem"].as_str().unwrap().contains("a1"),
        "{v}"
    );
    ok(
        &c,
        &[
            "ecac",
            "company",
            "add",
            CLIENTE_A3,
            "--acesso",
            "a3",
            "--ecac-desde",
            "2026-01-01",
        ],
    )
    .await;
    ok(
        &c,
        &[
            "ecac",
            "company",
            "set",
            CLIENTE,
            "--procurador",
            "sim",
            "--nome",
            "Padaria Pão de Ló",
        ],
    )
    .await;
    let v = ok(&c, &["ecac", "company", "list"]).await;
    let empresas = v["empresas"].as_array().unwrap();
    assert_eq!(empresas.len(), 2, "{v}");
    assert_eq!(empresas[0]["cnpj"], CLIENTE_A3, "por CNPJ: {v}");
    assert_eq!(empresas[1]["nome"], "Padaria Pão de Ló", "{v}");
    assert_eq!(empresas[1]["certificadoProcurador"], true, "{v}");
    assert_eq!(
        empresas[1]["ecacDesde"], "2026-01-01",
        "o que não foi alterado fica: {v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guides_import_is_idempotent_and_a_conflicting_number_is_refused() {
    let c = Cenario::novo("ecac-guias");
    let arquivo = escrever(&c, "guias.csv", GUIAS);
    let v = ok(&c, &["ecac", "guides", "import", &arquivo]).await;
    assert_eq!(
        (&v["novas"], &v["jaExistiam"]),
        (&json!(2), &json!(0)),
        "{v}"
    );
    let v = ok(&c, &["ecac", "guides", "import", &arquivo]).await;
    assert_eq!(
        (&v["novas"], &v["jaExistiam"]),
        (&json!(0), &json!(2)),
        "{v}"
    );
    let outra = escrever(
        &c,
        "outra.csv",
        "tipo;numero_documento;contribuinte;periodo;vencimento;valor\nDARF;07202600000000555;11444777000161;09/2026;20/10/2026;999,00\n",
    );
    let (codigo, v) = c.guiche(&["ecac", "guides", "import", &outra], &[]).await;
    assert_eq!(codigo, 1, "{v}");
    assert_eq!(v["conflitos"].as_array().unwrap().len(), 1, "{v}");
    let v = ok(&c, &["ecac", "guides", "list"]).await;
    assert_eq!(
        v["guias"][1]["valor"], "480.00",
        "a guia registrada foi mantida: {v}"
    );
    let errado = escrever(
        &c,
        "errado.csv",
        "tipo;numero_documento;contribuinte;periodo;vencimento;valor\nDAS;123;11444777000161;13/2026;20/10/2026;abc\n",
    );
    let (codigo, v) = c.guiche(&["ecac", "guides", "import", &errado], &[]).await;
    assert_eq!(codigo, 2, "{v}");
    let m = v["erro"]["mensagem"].as_str().unwrap();
    assert!(
        m.contains("linha 2") && m.contains("valor"),
        "cada problema, com linha e coluna: {m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_settles_paid_guides_once_and_occurrences_are_exported() {
    let c = Cenario::novo("ecac-sync");
    c.procuracao_do_cliente();
    pagamentos_do_cliente(&c);
    ok(
        &c,
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
    )
    .await;
    ok(
        &c,
        &[
            "ecac",
            "guides",
            "import",
            &escrever(&c, "guias.csv", GUIAS),
        ],
    )
    .await;
    let todas = ok(&c, &["ecac", "sync"]).await;
    let v = &todas["empresas"][0];
    assert_eq!(v["pagamentosRecebidos"], 2, "{v}");
    assert_eq!(v["guiasBaixadas"], 1, "{v}");
    assert_eq!(
        v["ocorrenciasNovas"], 3,
        "paga, vencida, pagamento sem guia: {v}"
    );
    let cobradas = c.sim.bilhetadas();
    let todas = ok(&c, &["ecac", "sync"]).await;
    let v = &todas["empresas"][0];
    assert_eq!(
        (
            &v["pagamentosNovos"],
            &v["ocorrenciasNovas"],
            &v["guiasBaixadas"]
        ),
        (&json!(0), &json!(0), &json!(0)),
        "{v}"
    );
    assert_eq!(
        v["desde"], "2026-11-12",
        "a segunda busca só revê os últimos 10 dias: {v}"
    );
    assert_eq!(c.sim.bilhetadas(), cobradas + 1, "uma página: {v}");
    let v = ok(&c, &["ecac", "occurrences"]).await;
    let grupos: Vec<&str> = v["grupos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["grupo"].as_str().unwrap())
        .collect();
    assert_eq!(
        grupos,
        ["Vencida", "Pagamento sem guia correspondente", "Paga"],
        "{v}"
    );
    assert_eq!(
        v["grupos"][0]["ocorrencias"][0]["diasAtraso"], 33,
        "vencida desde 20/10: {v}"
    );
    let xlsx = c.dir.join("ocorrencias.xlsx");
    let v = ok(
        &c,
        &[
            "ecac",
            "occurrences",
            "--group-by",
            "empresa",
            "--export",
            xlsx.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(v["grupos"].as_array().unwrap().len(), 1, "{v}");
    assert!(
        std::fs::read(&xlsx).unwrap().starts_with(b"PK"),
        "um arquivo XLSX (zip)"
    );
    let csv = c.dir.join("ocorrencias.csv");
    ok(
        &c,
        &["ecac", "occurrences", "--export", csv.to_str().unwrap()],
    )
    .await;
    let texto = std::fs::read_to_string(&csv).unwrap();
    assert!(
        texto.starts_with('\u{feff}') && texto.contains(";1030,00;1030,00;"),
        "{texto}"
    );
    let (codigo, _) = c
        .guiche(&["ecac", "occurrences", "--export", "x.txt"], &[])
        .await;
    assert_eq!(codigo, 2);
    let v = ok(&c, &["ecac", "guides", "list"]).await;
    assert_eq!(v["guias"][0]["baixadaEm"], "2026-11-22", "{v}");
    assert_eq!(v["guias"][1]["baixadaEm"], Value::Null, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_a3_company_is_never_fetched_and_is_settled_from_an_import() {
    let c = Cenario::novo("ecac-a3");
    c.procuracao_do_cliente();
    pagamentos_do_cliente(&c);
    ok(
        &c,
        &[
            "ecac",
            "company",
            "add",
            CLIENTE,
            "--acesso",
            "a3",
            "--ecac-desde",
            "2026-01-01",
        ],
    )
    .await;
    ok(
        &c,
        &[
            "ecac",
            "guides",
            "import",
            &escrever(&c, "guias.csv", GUIAS),
        ],
    )
    .await;
    let (codigo, v) = c.guiche(&["ecac", "sync", "--empresa", CLIENTE], &[]).await;
    assert_eq!(codigo, 1, "{v}");
    let m = v["empresas"][0]["erro"]["mensagem"].as_str().unwrap();
    assert!(m.contains("A3"), "{v}");
    assert_eq!(c.sim.tokens_emitidos(), 0, "o SERPRO não foi chamado");
    let pagos = escrever(
        &c,
        "pagos.csv",
        "numero_documento;contribuinte;data_arrecadacao;valor\n07202600000000555;11444777000161;25/10/2026;480,00\n",
    );
    let v = ok(&c, &["ecac", "import", &pagos]).await;
    assert_eq!(v["guiasBaixadas"], 1, "{v}");
    let v = ok(&c, &["ecac", "occurrences", "--historico", DARF]).await;
    let linhas = &v["grupos"][0]["ocorrencias"];
    assert_eq!(linhas[0]["ocorrencia"], "paga_em_atraso", "{v}");
    assert_eq!(linhas[0]["diasAtraso"], 5, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proof_of_payment_and_locate_with_a_new_das() {
    let c = Cenario::novo("ecac-comprovante");
    c.procuracao_do_cliente();
    pagamentos_do_cliente(&c);
    let (codigo, v) = c.guiche(&["ecac", "proof", DAS], &[]).await;
    assert_eq!(codigo, 2, "número fora do livro: {v}");
    ok(
        &c,
        &[
            "ecac",
            "company",
            "add",
            CLIENTE,
            "--acesso",
            "codigo",
            "--ecac-desde",
            "2026-01-01",
        ],
    )
    .await;
    let v = ok(
        &c,
        &[
            "ecac",
            "locate",
            "--empresa",
            CLIENTE,
            "--periodo",
            "202610",
            "--emitir",
        ],
    )
    .await;
    assert_eq!(v["guias"][0]["numeroDocumento"], DAS, "{v}");
    assert_eq!(v["guias"][0]["situacao"], "não conciliada", "{v}");
    ok(&c, &["ecac", "sync"]).await;
    let v = ok(&c, &["ecac", "locate", "--empresa", CLIENTE]).await;
    assert_eq!(v["guias"][0]["situacao"], "Paga", "{v}");
    let pdf = c.dir.join("comprovante.pdf");
    ok(
        &c,
        &["ecac", "proof", DAS, "--saida", pdf.to_str().unwrap()],
    )
    .await;
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
}

/// The README's example files stay importable and mean what the README says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_example_files_import_and_settle_the_a3_guide() {
    let c = Cenario::novo("ecac-exemplos");
    let exemplos = concat!(env!("CARGO_MANIFEST_DIR"), "/../exemplos");
    ok(
        &c,
        &[
            "ecac",
            "company",
            "add",
            CLIENTE_A3,
            "--acesso",
            "a3",
            "--ecac-desde",
            "2026-01-01",
        ],
    )
    .await;
    let v = ok(
        &c,
        &["ecac", "guides", "import", &format!("{exemplos}/guias.csv")],
    )
    .await;
    assert_eq!(v["novas"], 3, "{v}");
    let v = ok(
        &c,
        &["ecac", "import", &format!("{exemplos}/pagamentos-a3.csv")],
    )
    .await;
    assert_eq!(v["guiasBaixadas"], 1, "{v}");
    let v = ok(&c, &["ecac", "locate", "--empresa", CLIENTE_A3]).await;
    assert_eq!(v["guias"][0]["situacao"], "Paga", "{v}");
}
