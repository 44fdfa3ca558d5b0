//! `guiche ecac …` through the binary, against the SERPRO simulator over mTLS and a ledger
//! file: companies, guides imported from CSV, payments synced (A1) or imported (A3),
//! occurrences shown and exported, proof of payment, locating and issuing a guide, and a
//! PAGTOWEB whose paging never ends.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

use crate::comum;

use comum::{CLIENTE, Cenario, empresa_ecac};
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
    let add = [&empresa_ecac(CLIENTE, "a1")[..], &["--nome", "Padaria"]].concat();
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
    ok(&c, &empresa_ecac(CLIENTE_A3, "a3")).await;
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
    pagamentos_do_cliente(&c);
    cliente_a1_com_guias(&c).await;
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
    assert_eq!(
        c.sim.bilhetadas(),
        cobradas + 1,
        "uma página de pagamentos; a caixa postal já foi lida hoje: {v}"
    );
    assert_eq!(v["caixaPostal"], "já lida hoje", "{v}");
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
    cliente_com_guias(&c, "a3").await;
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
    ok(&c, &empresa_ecac(CLIENTE, "codigo")).await;
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
    ok(&c, &empresa_ecac(CLIENTE_A3, "a3")).await;
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

/// Adds CLIENTE as a company reaching e-CAC as `acesso` says, and imports the guides of
/// [`GUIAS`].
async fn cliente_com_guias(c: &Cenario, acesso: &str) {
    ok(c, &empresa_ecac(CLIENTE, acesso)).await;
    ok(
        c,
        &["ecac", "guides", "import", &escrever(c, "guias.csv", GUIAS)],
    )
    .await;
}

/// CLIENTE grants the office a procuração and is added as an A1 company with the guides of
/// [`GUIAS`].
async fn cliente_a1_com_guias(c: &Cenario) {
    c.procuracao_do_cliente();
    cliente_com_guias(c, "a1").await;
}

/// The occurrence of document `numero` in `ecac occurrences`.
async fn ocorrencia_de(c: &Cenario, numero: &str) -> Value {
    let v = ok(c, &["ecac", "occurrences"]).await;
    v["grupos"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["ocorrencias"].as_array().unwrap().iter())
        .find(|o| o["numeroDocumento"] == numero)
        .cloned()
        .unwrap_or_else(|| panic!("{numero} não está em {v}"))
}

/// R$ 10 against a DAS of R$ 1.030 does not settle it: it is partially paid, with what is
/// missing; the rest paid later settles it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_payment_leaves_the_guide_open_until_the_rest_is_paid() {
    let c = Cenario::novo("ecac-parcial");
    cliente_a1_com_guias(&c).await;
    let cliente = Documento::parse(CLIENTE).unwrap();
    c.sim.definir_pagamentos(
        cliente,
        json!([{ "numeroDocumento": DAS, "dataArrecadacao": "2026-11-18T00:00:00-03:00", "valorTotal": 10.00 }]),
    );
    let v = ok(&c, &["ecac", "sync"]).await;
    assert_eq!(v["empresas"][0]["guiasBaixadas"], 0, "{v}");
    let o = ocorrencia_de(&c, DAS).await;
    assert_eq!(o["ocorrencia"], "paga_parcialmente", "{o}");
    assert_eq!(o["descricao"], "Paga parcialmente", "{o}");
    assert_eq!(
        (&o["valorPago"], &o["falta"]),
        (&json!("10.00"), &json!("1020.00")),
        "{o}"
    );
    assert_eq!(o["diasAtraso"], 2, "a diferença venceu em 20/11: {o}");
    let v = ok(&c, &["ecac", "guides", "list"]).await;
    assert_eq!(v["guias"][0]["baixadaEm"], Value::Null, "{v}");

    c.sim.definir_pagamentos(
        cliente,
        json!([
            { "numeroDocumento": DAS, "dataArrecadacao": "2026-11-18T00:00:00-03:00", "valorTotal": 10.00 },
            { "numeroDocumento": DAS, "dataArrecadacao": "2026-11-20T00:00:00-03:00", "valorTotal": 1020.00 }
        ]),
    );
    let v = ok(&c, &["ecac", "sync"]).await;
    assert_eq!(v["empresas"][0]["pagamentosNovos"], 1, "{v}");
    assert_eq!(v["empresas"][0]["guiasBaixadas"], 1, "{v}");
    let o = ocorrencia_de(&c, DAS).await;
    assert_eq!(
        (&o["ocorrencia"], &o["valorPago"]),
        (&json!("paga"), &json!("1030.00")),
        "{o}"
    );
    assert_eq!(o["falta"], Value::Null, "{o}");
}

/// The same guide paid twice on one day (same value) is two payments: the guide is settled
/// and flagged as paid with another value, and the daily sync over the 10-day overlap never
/// adds them again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_payment_on_one_day_is_two_payments_and_a_resync_adds_nothing() {
    let c = Cenario::novo("ecac-duplo");
    cliente_a1_com_guias(&c).await;
    let dobro = json!({ "numeroDocumento": DAS, "dataArrecadacao": "2026-11-18T00:00:00-03:00", "valorTotal": 1030.00 });
    let orfao = json!({ "numeroDocumento": "07202600000000777", "dataArrecadacao": "2026-11-19T00:00:00-03:00", "valorTotal": 250.00 });
    c.sim.definir_pagamentos(
        Documento::parse(CLIENTE).unwrap(),
        json!([dobro, orfao, dobro, orfao]),
    );
    let v = ok(&c, &["ecac", "sync"]).await;
    let e = &v["empresas"][0];
    assert_eq!(
        (&e["pagamentosRecebidos"], &e["pagamentosNovos"]),
        (&json!(4), &json!(4)),
        "{v}"
    );
    assert_eq!(e["guiasBaixadas"], 1, "{v}");
    let o = ocorrencia_de(&c, DAS).await;
    assert_eq!(
        (&o["ocorrencia"], &o["valorPago"]),
        (&json!("paga_valor_divergente"), &json!("2060.00")),
        "{o}"
    );
    let v = ok(&c, &["ecac", "occurrences"]).await;
    let sem_guia = v["grupos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["grupo"] == "Pagamento sem guia correspondente")
        .unwrap();
    assert_eq!(sem_guia["ocorrencias"].as_array().unwrap().len(), 2, "{v}");
    for _ in 0..2 {
        let v = ok(&c, &["ecac", "sync"]).await;
        let e = &v["empresas"][0];
        assert_eq!(e["desde"], "2026-11-12", "{v}");
        assert_eq!(
            (
                &e["pagamentosRecebidos"],
                &e["pagamentosNovos"],
                &e["ocorrenciasNovas"]
            ),
            (&json!(4), &json!(0), &json!(0)),
            "{v}"
        );
    }
}

/// Two identical lines of an A3 import are two payments; importing the same file again adds
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_identical_lines_of_an_import_are_two_payments_and_a_reimport_adds_nothing() {
    let c = Cenario::novo("ecac-import-duplo");
    cliente_com_guias(&c, "a3").await;
    let pagos = escrever(
        &c,
        "pagos.csv",
        "numero_documento;contribuinte;data_arrecadacao;valor\n\
         07202600000000555;11444777000161;20/10/2026;240,00\n\
         07202600000000555;11444777000161;20/10/2026;240,00\n",
    );
    let v = ok(&c, &["ecac", "import", &pagos]).await;
    assert_eq!(
        (&v["pagamentosNovos"], &v["guiasBaixadas"]),
        (&json!(2), &json!(1)),
        "duas parcelas de R$ 240 quitam R$ 480: {v}"
    );
    let v = ok(&c, &["ecac", "import", &pagos]).await;
    assert_eq!(
        (&v["pagamentosNovos"], &v["ocorrenciasNovas"]),
        (&json!(0), &json!(0)),
        "{v}"
    );
    let o = ocorrencia_de(&c, DARF).await;
    assert_eq!(
        (&o["ocorrencia"], &o["valorPago"]),
        (&json!("paga"), &json!("480.00")),
        "{o}"
    );
}

/// Today in Brasília by the system clock, as `AAAA-MM-DD`.
fn hoje_real() -> String {
    let segundos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - 3 * 3600;
    guiche_domain::Data::from_dias_desde_epoca(segundos.div_euclid(86_400))
        .unwrap()
        .iso()
}

/// A `GUICHE_HOJE` in the future fixes what is shown, but the sync date written is never after
/// the system clock: the next ordinary sync still fetches a payment made in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_future_guiche_hoje_never_makes_a_later_sync_skip_payments() {
    let c = Cenario::novo("ecac-futuro");
    cliente_a1_com_guias(&c).await;
    let (codigo, v) = c
        .guiche(&["ecac", "sync"], &[("GUICHE_HOJE", "31/12/2099")])
        .await;
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["empresas"][0]["pagamentosRecebidos"], 0, "{v}");
    // The DAS is paid today, after that sync.
    let hoje = hoje_real();
    c.sim.definir_pagamentos(
        Documento::parse(CLIENTE).unwrap(),
        json!([{ "numeroDocumento": DAS, "dataArrecadacao": format!("{hoje}T00:00:00-03:00"), "valorTotal": 1030.00 }]),
    );
    // An empty GUICHE_HOJE is no date: the system clock's day.
    let (codigo, v) = c.guiche(&["ecac", "sync"], &[("GUICHE_HOJE", "")]).await;
    assert_eq!(codigo, 0, "{v}");
    let e = &v["empresas"][0];
    assert_eq!(
        (&e["pagamentosNovos"], &e["guiasBaixadas"]),
        (&json!(1), &json!(1)),
        "a busca seguinte não começa em 2099: {v}"
    );
    let (_, v) = c
        .guiche(&["ecac", "guides", "list"], &[("GUICHE_HOJE", "")])
        .await;
    assert_eq!(v["guias"][0]["baixadaEm"], json!(hoje), "{v}");
    // An import under a future GUICHE_HOJE writes its findings on the system clock's day too.
    let pagos = escrever(
        &c,
        "pagos.csv",
        "numero_documento;contribuinte;data_arrecadacao;valor\n\
         07202600000000555;11444777000161;25/10/2026;480,00\n",
    );
    let (codigo, v) = c
        .guiche(
            &["ecac", "import", &pagos],
            &[("GUICHE_HOJE", "31/12/2099")],
        )
        .await;
    assert_eq!((codigo, &v["guiasBaixadas"]), (0, &json!(1)), "{v}");
    let (_, v) = c
        .guiche(
            &["ecac", "occurrences", "--historico", DARF],
            &[("GUICHE_HOJE", "31/12/2099")],
        )
        .await;
    let linhas = v["grupos"][0]["ocorrencias"].as_array().unwrap();
    assert!(
        linhas
            .iter()
            .all(|o| o["registradaEm"].as_str() <= Some(hoje.as_str())),
        "{v}"
    );
    let (_, v) = c
        .guiche(&["ecac", "guides", "list"], &[("GUICHE_HOJE", "")])
        .await;
    assert_eq!(v["guias"][1]["baixadaEm"], json!(hoje), "{v}");
}

/// `n` payments of CLIENTE, one a day from 2026-01-01.
fn pagamentos(n: u64) -> Value {
    let itens: Vec<Value> = (1..=n)
        .map(|i| {
            let dia = guiche_domain::Data::new(2026, 1, 1)
                .unwrap()
                .mais_dias(i as i64 - 1)
                .unwrap();
            json!({
                "numeroDocumento": format!("{:017}", 7_202_600_000_000_000 + i),
                "dataArrecadacao": format!("{}T00:00:00-03:00", dia.iso()),
                "valorTotal": 10.5,
            })
        })
        .collect();
    Value::Array(itens)
}

/// A PAGTOWEB that ignores the page offset: the paging stops with a clear error after a
/// bounded number of billed calls (it used to loop forever), and the ledger counts exactly the
/// calls the simulated SERPRO billed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_stops_when_pagtoweb_ignores_the_page_offset() {
    let c = Cenario::novo("ecac-paginacao");
    c.procuracao_do_cliente();
    c.sim
        .definir_pagamentos(Documento::parse(CLIENTE).unwrap(), pagamentos(150));
    c.sim.ignorar_deslocamento(true);
    ok(&c, &empresa_ecac(CLIENTE, "a1")).await;
    let (codigo, v) = c.guiche(&["ecac", "sync"], &[]).await;
    assert_eq!(codigo, 3, "o servidor falhou; tentar mais tarde: {v}");
    let mensagem = v["empresas"][0]["erro"]["mensagem"].as_str().unwrap();
    assert!(
        mensagem.contains("paginação do PAGTOWEB interrompida")
            && mensagem.contains("repete a anterior"),
        "{v}"
    );
    assert_eq!(
        c.sim.chamadas_recebidas(),
        3,
        "primeira página, contagem, a página repetida"
    );
    let v = ok(&c, &["serpro", "usage"]).await;
    let no_livro: u64 = v["consumo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["chamadas"].as_u64().unwrap())
        .sum();
    assert_eq!(
        no_livro,
        c.sim.bilhetadas() as u64,
        "o livro concorda com o SERPRO: {v}"
    );
    assert_eq!(no_livro, 3, "{v}");
}

/// Another process syncing CLIENTE holds its turn (the lock file beside the ledger): `ecac
/// sync` skips it, says so, asks SERPRO nothing and exits 3 (try again later); once the turn is
/// free the same command syncs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_another_process_is_syncing_is_skipped_and_reported() {
    let c = Cenario::novo("ecac-ocupada");
    pagamentos_do_cliente(&c);
    cliente_a1_com_guias(&c).await;
    let pasta = c.dir.join("livro.db.travas");
    std::fs::create_dir_all(&pasta).unwrap();
    let trava = pasta.join(format!("ecac-{CLIENTE}.vez"));
    let arquivo = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&trava)
        .unwrap();
    arquivo.try_lock().unwrap();
    let (codigo, v) = c.guiche(&["ecac", "sync"], &[]).await;
    assert_eq!(codigo, 3, "{v}");
    assert_eq!(
        v["empresas"][0],
        json!({ "origem": "11.444.777/0001-61", "pulada": "em sincronização por outro processo" }),
        "{v}"
    );
    assert_eq!(c.sim.tokens_emitidos(), 0, "o SERPRO não foi chamado");
    drop(arquivo);
    let v = ok(&c, &["ecac", "sync"]).await;
    assert_eq!(v["empresas"][0]["guiasBaixadas"], 1, "{v}");
}
