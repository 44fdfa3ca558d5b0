//! Grouping occurrences and writing them as CSV and XLSX; the XLSX is read back with calamine.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

use std::collections::HashMap;
use std::path::PathBuf;

use calamine::{Data as Celula, Reader, Xlsx, open_workbook};
use guiche_domain::guia::NumeroDocumento;
use guiche_domain::{Data, Documento, Valor};
use guiche_planilha::{Agrupamento, ErroExportacao, Grupo, agrupar, csv, xlsx};
use guiche_ports::ecac::{Achado, Ocorrencia};
use proptest::prelude::*;

const PADARIA: &str = "11222333000181";
const JOAO: &str = "52998224725";

fn d(texto: &str) -> Data {
    Data::parse_br(texto).unwrap()
}

struct Caso {
    contribuinte: &'static str,
    numero: &'static str,
    codigo: &'static str,
    descricao: &'static str,
    valor_guia: Option<i64>,
    valor_pago: Option<i64>,
    vencimento: Option<&'static str>,
    pago_em: Option<&'static str>,
    dias_atraso: Option<i64>,
}

fn ocorrencia(id: i64, c: Caso) -> Ocorrencia {
    let numero = NumeroDocumento::parse(c.numero).unwrap();
    Ocorrencia {
        id,
        achado: Achado {
            contribuinte: Documento::parse(c.contribuinte).unwrap(),
            numero,
            chave: format!("guia:{}", numero.as_digitos()),
            codigo: c.codigo.into(),
            descricao: c.descricao.into(),
            valor_guia: c.valor_guia.map(Valor::from_centavos),
            valor_pago: c.valor_pago.map(Valor::from_centavos),
            vencimento: c.vencimento.map(d),
            pago_em: c.pago_em.map(d),
            dias_atraso: c.dias_atraso,
            paga: c.valor_pago.is_some(),
        },
        registrada_em: d("01/03/2026"),
    }
}

/// Occurrences of two companies, in no useful order.
fn ocorrencias() -> Vec<Ocorrencia> {
    vec![
        ocorrencia(
            1,
            Caso {
                contribuinte: PADARIA,
                numero: "07202614593079936",
                codigo: "paga",
                descricao: "Paga",
                valor_guia: Some(123_456_789),
                valor_pago: Some(123_456_789),
                vencimento: Some("20/02/2026"),
                pago_em: Some("19/02/2026"),
                dias_atraso: None,
            },
        ),
        ocorrencia(
            2,
            Caso {
                contribuinte: JOAO,
                numero: "07162619444412336",
                codigo: "vencida",
                descricao: "Vencida",
                valor_guia: Some(250_000),
                valor_pago: None,
                vencimento: Some("20/02/2026"),
                pago_em: None,
                dias_atraso: Some(9),
            },
        ),
        ocorrencia(
            3,
            Caso {
                contribuinte: PADARIA,
                numero: "00000000000000007",
                codigo: "pagamento_sem_guia",
                descricao: "Pagamento sem guia correspondente",
                valor_guia: None,
                valor_pago: Some(1),
                vencimento: None,
                pago_em: Some("10/02/2026"),
                dias_atraso: None,
            },
        ),
        ocorrencia(
            4,
            Caso {
                contribuinte: PADARIA,
                numero: "07202504580937145",
                codigo: "vencida",
                descricao: "Vencida",
                valor_guia: Some(1050),
                valor_pago: None,
                vencimento: Some("20/01/2026"),
                pago_em: None,
                dias_atraso: Some(40),
            },
        ),
        ocorrencia(
            5,
            Caso {
                contribuinte: PADARIA,
                numero: "07202408201918950",
                codigo: "paga_valor_divergente",
                descricao: "Paga com valor divergente",
                valor_guia: Some(10_000),
                valor_pago: Some(9_999),
                vencimento: Some("20/02/2026"),
                pago_em: Some("25/02/2026"),
                dias_atraso: Some(5),
            },
        ),
    ]
}

fn nomes() -> HashMap<Documento, String> {
    HashMap::from([(
        Documento::parse(PADARIA).unwrap(),
        "Padaria \"Pão Quente\"; Centro".to_owned(),
    )])
}

fn titulos(grupos: &[Grupo]) -> Vec<&str> {
    grupos.iter().map(|g| g.titulo.as_str()).collect()
}

fn ids(g: &Grupo) -> Vec<i64> {
    g.linhas.iter().map(|l| l.ocorrencia.id).collect()
}

#[test]
fn groups_by_kind_in_the_fixed_order() {
    let grupos = agrupar(&ocorrencias(), Agrupamento::Ocorrencia, &nomes());
    assert_eq!(
        titulos(&grupos),
        [
            "Vencida",
            "Paga com valor divergente",
            "Pagamento sem guia correspondente",
            "Paga"
        ]
    );
    // By contribuinte (the CPF first), then number.
    assert_eq!(ids(&grupos[0]), [2, 4]);
    assert_eq!(
        grupos[0].linhas[1].empresa,
        "11.222.333/0001-81 — Padaria \"Pão Quente\"; Centro"
    );
    assert_eq!(grupos[0].linhas[0].empresa, "529.982.247-25");
}

#[test]
fn groups_by_company_ordered_by_document() {
    let grupos = agrupar(&ocorrencias(), Agrupamento::Empresa, &nomes());
    assert_eq!(
        titulos(&grupos),
        [
            "529.982.247-25",
            "11.222.333/0001-81 — Padaria \"Pão Quente\"; Centro"
        ]
    );
    // Most urgent first.
    assert_eq!(ids(&grupos[1]), [4, 5, 3, 1]);
    assert!(agrupar(&[], Agrupamento::Empresa, &nomes()).is_empty());
}

#[test]
fn csv_for_excel_pt_br() {
    let grupos = agrupar(&ocorrencias(), Agrupamento::Ocorrencia, &nomes());
    let mut saida = Vec::new();
    csv::escrever(&mut saida, &grupos).unwrap();
    assert!(saida.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let texto = std::str::from_utf8(&saida[3..]).unwrap();
    assert!(texto.ends_with("\r\n"));
    assert_eq!(texto.matches('\n').count(), texto.matches("\r\n").count());
    let linhas: Vec<&str> = texto.split_terminator("\r\n").collect();
    assert_eq!(
        linhas,
        [
            "Grupo;Empresa/contribuinte;Número do documento;Ocorrência;Vencimento;Valor da guia;\
             Valor pago;Pago em;Dias de atraso;Registrada em",
            "Vencida;529.982.247-25;07.16.26194.4441233-6;Vencida;20/02/2026;2500,00;;;9;01/03/2026",
            "Vencida;\"11.222.333/0001-81 — Padaria \"\"Pão Quente\"\"; Centro\";\
             07.20.25045.8093714-5;Vencida;20/01/2026;10,50;;;40;01/03/2026",
            "Paga com valor divergente;\"11.222.333/0001-81 — Padaria \"\"Pão Quente\"\"; Centro\";\
             07.20.24082.0191895-0;Paga com valor divergente;20/02/2026;100,00;99,99;25/02/2026;5;\
             01/03/2026",
            "Pagamento sem guia correspondente;\"11.222.333/0001-81 — Padaria \"\"Pão Quente\"\"; \
             Centro\";00.00.00000.0000000-7;Pagamento sem guia correspondente;;;0,01;10/02/2026;;\
             01/03/2026",
            "Paga;\"11.222.333/0001-81 — Padaria \"\"Pão Quente\"\"; Centro\";\
             07.20.26145.9307993-6;Paga;20/02/2026;1234567,89;1234567,89;19/02/2026;;01/03/2026",
        ]
    );
}

#[test]
fn csv_with_no_group_is_the_header_alone() {
    let mut saida = Vec::new();
    csv::escrever(&mut saida, &[]).unwrap();
    assert_eq!(saida.iter().filter(|&&b| b == b'\n').count(), 1);
}

#[test]
fn csv_reports_a_failing_destination() {
    let grupos = agrupar(&ocorrencias(), Agrupamento::Ocorrencia, &nomes());
    let e = csv::escrever(Quebrado, &grupos).unwrap_err();
    assert!(matches!(e, ErroExportacao::Escrita(_)));
    assert!(e.to_string().contains("disco cheio"), "{e}");
}

/// A destination that always fails, as a full disk does.
struct Quebrado;
impl std::io::Write for Quebrado {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("disco cheio"))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A fresh folder under cargo's temporary directory for integration tests.
fn pasta(nome: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("planilha-{nome}"));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// Writes the workbook of `grupos` to `caminho` (the app's writer does it atomically).
fn gravar_xlsx(caminho: &std::path::Path, grupos: &[Grupo]) {
    let mut bytes = Vec::new();
    xlsx::escrever(&mut bytes, grupos).unwrap();
    std::fs::write(caminho, bytes).unwrap();
}

/// The Excel serial number of a date (days since 1899-12-30).
fn serial(data: &str) -> f64 {
    (d(data).dias_desde_epoca() + 25_569) as f64
}

#[test]
fn xlsx_has_typed_cells_one_sheet_per_group() {
    let dir = pasta("tipos");
    let caminho = dir.join("ocorrencias.xlsx");
    std::fs::write(&caminho, b"conteudo antigo").unwrap();
    let grupos = agrupar(&ocorrencias(), Agrupamento::Empresa, &nomes());
    gravar_xlsx(&caminho, &grupos);

    let mut livro: Xlsx<_> = open_workbook(&caminho).unwrap();
    assert_eq!(
        livro.sheet_names(),
        [
            "529.982.247-25",
            "11.222.333-0001-81 — Padaria \"P",
            "Resumo"
        ]
    );
    let folha = livro
        .worksheet_range("11.222.333-0001-81 — Padaria \"P")
        .unwrap();
    let cabecalho: Vec<String> = folha
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        cabecalho,
        [
            "Empresa/contribuinte",
            "Número do documento",
            "Ocorrência",
            "Vencimento",
            "Valor da guia",
            "Valor pago",
            "Pago em",
            "Dias de atraso",
            "Registrada em"
        ]
    );
    let linhas: Vec<&[Celula]> = folha.rows().skip(1).collect();
    assert_eq!(linhas.len(), 4);

    // Row of occurrence 1 (paga): the last one.
    let paga = linhas[3];
    assert_eq!(
        paga[0],
        Celula::String("11.222.333/0001-81 — Padaria \"Pão Quente\"; Centro".into())
    );
    assert_eq!(
        paga[1],
        Celula::String("07202614593079936".into()),
        "17 digits as text"
    );
    assert_eq!(paga[2], Celula::String("Paga".into()));
    assert_eq!(paga[4], Celula::Float(1_234_567.89), "money is a number");
    assert_eq!(paga[5], Celula::Float(1_234_567.89));
    for (col, data) in [(3, "20/02/2026"), (6, "19/02/2026"), (8, "01/03/2026")] {
        let Celula::DateTime(dt) = &paga[col] else {
            panic!("column {col} is not a date: {:?}", paga[col]);
        };
        assert!(dt.is_datetime());
        assert_eq!(dt.as_f64(), serial(data), "column {col}");
        let (a, m, dia, ..) = dt.to_ymd_hms_milli();
        assert_eq!(Data::new(a, m, dia).unwrap(), d(data));
    }
    assert_eq!(paga[7], Celula::Empty);

    // Pagamento sem guia: leading zeros kept, absent values empty, one centavo exact.
    let sem_guia = linhas[2];
    assert_eq!(sem_guia[1], Celula::String("00000000000000007".into()));
    assert_eq!(sem_guia[3], Celula::Empty);
    assert_eq!(sem_guia[4], Celula::Empty);
    assert_eq!(sem_guia[5], Celula::Float(0.01));

    // Divergent value and days late.
    let divergente = linhas[1];
    assert_eq!(divergente[4], Celula::Float(100.0));
    assert_eq!(divergente[5], Celula::Float(99.99));
    assert_eq!(divergente[7], Celula::Float(5.0));

    // Every money cell equals its Valor to the cent.
    for (linha, o) in linhas.iter().zip(&grupos[1].linhas) {
        for (col, v) in [
            (4, o.ocorrencia.achado.valor_guia),
            (5, o.ocorrencia.achado.valor_pago),
        ] {
            match (v, &linha[col]) {
                (Some(v), Celula::Float(x)) => {
                    assert_eq!((x * 100.0).round() as i64, v.centavos());
                }
                (None, Celula::Empty) => {}
                outro => panic!("{outro:?}"),
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// One part of the package (the `.xlsx` is a zip of XML parts).
fn parte(caminho: &std::path::Path, nome: &str) -> String {
    use std::io::Read;
    let mut pacote = zip::ZipArchive::new(std::fs::File::open(caminho).unwrap()).unwrap();
    let mut texto = String::new();
    pacote
        .by_name(nome)
        .unwrap()
        .read_to_string(&mut texto)
        .unwrap();
    texto
}

#[test]
fn xlsx_formats_and_layout() {
    let dir = pasta("formatos");
    let caminho = dir.join("r.xlsx");
    let grupos = agrupar(&ocorrencias(), Agrupamento::Ocorrencia, &nomes());
    gravar_xlsx(&caminho, &grupos);
    let mut livro: Xlsx<_> = open_workbook(&caminho).unwrap();
    assert_eq!(
        livro.sheet_names(),
        [
            "Vencida",
            "Paga com valor divergente",
            "Pagamento sem guia corresponden",
            "Paga",
            "Resumo"
        ]
    );
    let vencida = livro.worksheet_range("Vencida").unwrap();
    assert_eq!(vencida.get_size(), (3, 9));
    assert_eq!(vencida.get((1, 7)), Some(&Celula::Float(9.0)));

    // calamine does not expose formats: read the package's parts themselves.
    let estilos = parte(&caminho, "xl/styles.xml");
    assert!(estilos.contains(r##"formatCode="#,##0.00""##), "{estilos}");
    assert!(estilos.contains(r#"formatCode="dd/mm/yyyy""#), "{estilos}");
    assert!(estilos.contains("<b/>"), "bold header: {estilos}");
    let folha = parte(&caminho, "xl/worksheets/sheet1.xml");
    assert!(
        folha.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ),
        "frozen header: {folha}"
    );
    // Widths follow the content: the company label (49 characters) plus a margin.
    assert!(
        folha.contains(r#"<col min="1" max="1" width="51.7109375" customWidth="1"/>"#),
        "{folha}"
    );
    assert!(folha.contains(r#"<autoFilter ref="A1:I3"/>"#), "{folha}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn xlsx_with_no_group_has_one_sheet_with_the_header() {
    let dir = pasta("vazio");
    let caminho = dir.join("vazio.xlsx");
    gravar_xlsx(&caminho, &[]);
    let mut livro: Xlsx<_> = open_workbook(&caminho).unwrap();
    assert_eq!(livro.sheet_names(), ["Ocorrências"]);
    let folha = livro.worksheet_range("Ocorrências").unwrap();
    assert_eq!(folha.get_size(), (1, 9));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn xlsx_into_a_failing_destination_is_a_write_error() {
    let e = xlsx::escrever(Quebrado, &[]).unwrap_err();
    assert!(matches!(e, ErroExportacao::Escrita(_)), "{e:?}");
    assert!(e.to_string().contains("disco cheio"), "{e}");
}

/// Occurrences with the given guide and paid values (in centavos), one per pair.
fn com_valores(valores: &[(i64, Option<i64>)]) -> Vec<Ocorrencia> {
    valores
        .iter()
        .enumerate()
        .map(|(i, &(guia, pago))| {
            let mut o = ocorrencia(
                i as i64,
                Caso {
                    contribuinte: PADARIA,
                    numero: "07202614593079936",
                    codigo: "paga",
                    descricao: "Paga",
                    valor_guia: Some(guia),
                    valor_pago: pago,
                    vencimento: Some("20/02/2026"),
                    pago_em: pago.map(|_| "19/02/2026"),
                    dias_atraso: None,
                },
            );
            o.achado.numero = NumeroDocumento::from_u64(i as u64).unwrap();
            o
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Money written to either export comes back to the cent.
    #[test]
    fn exported_money_never_loses_a_cent(
        valores in proptest::collection::vec(
            (1i64..100_000_000_000_000, proptest::option::of(1i64..100_000_000_000_000)),
            1..20,
        )
    ) {
        let grupos = agrupar(&com_valores(&valores), Agrupamento::Ocorrencia, &HashMap::new());
        let esperado: Vec<(i64, Option<i64>)> = grupos[0]
            .linhas
            .iter()
            .map(|l| {
                let a = &l.ocorrencia.achado;
                (a.valor_guia.unwrap().centavos(), a.valor_pago.map(|v| v.centavos()))
            })
            .collect();

        let mut saida = Vec::new();
        csv::escrever(&mut saida, &grupos).unwrap();
        let texto = String::from_utf8(saida).unwrap();
        let lidos: Vec<(i64, Option<i64>)> = texto
            .split_terminator("\r\n")
            .skip(1)
            .map(|linha| {
                let campos: Vec<&str> = linha.split(';').collect();
                let valor = |t: &str| Valor::parse_nfd(t).unwrap().centavos();
                (valor(campos[5]), (!campos[6].is_empty()).then(|| valor(campos[6])))
            })
            .collect();
        prop_assert_eq!(&lidos, &esperado);

        let dir = pasta("dinheiro");
        let caminho = dir.join("d.xlsx");
        gravar_xlsx(&caminho, &grupos);
        let mut livro: Xlsx<_> = open_workbook(&caminho).unwrap();
        let folha = livro.worksheet_range("Paga").unwrap();
        let centavos = |c: &Celula| match c {
            Celula::Float(x) => Some((x * 100.0).round() as i64),
            _ => None,
        };
        let lidos: Vec<(i64, Option<i64>)> = folha
            .rows()
            .skip(1)
            .map(|r| (centavos(&r[4]).unwrap(), centavos(&r[5])))
            .collect();
        prop_assert_eq!(&lidos, &esperado);
    }
}

#[test]
fn xlsx_summary_counts_and_sums_each_group_and_the_total() {
    let dir = pasta("resumo");
    let caminho = dir.join("r.xlsx");
    let grupos = agrupar(&ocorrencias(), Agrupamento::Ocorrencia, &nomes());
    gravar_xlsx(&caminho, &grupos);
    let mut livro: Xlsx<_> = open_workbook(&caminho).unwrap();
    let resumo = livro.worksheet_range("Resumo").unwrap();
    assert_eq!(
        resumo.get_size(),
        (grupos.len() + 2, 4),
        "cabeçalho, um por grupo, total"
    );
    let centavos = |c: Option<&Celula>| match c {
        Some(Celula::Float(x)) => (x * 100.0).round() as i64,
        outro => panic!("esperava número: {outro:?}"),
    };
    let soma = |g: &guiche_planilha::Grupo, pago: bool| -> i64 {
        g.linhas
            .iter()
            .filter_map(|l| {
                let a = &l.ocorrencia.achado;
                if pago { a.valor_pago } else { a.valor_guia }
            })
            .map(|v| v.centavos())
            .sum()
    };
    for (i, g) in grupos.iter().enumerate() {
        let linha = (i + 1) as u32;
        assert_eq!(
            resumo.get((linha as usize, 0)),
            Some(&Celula::String(g.titulo.clone()))
        );
        assert_eq!(
            resumo.get((linha as usize, 1)),
            Some(&Celula::Float(g.linhas.len() as f64))
        );
        assert_eq!(centavos(resumo.get((linha as usize, 2))), soma(g, false));
        assert_eq!(centavos(resumo.get((linha as usize, 3))), soma(g, true));
    }
    let total = grupos.len() + 1;
    assert_eq!(
        resumo.get((total, 0)),
        Some(&Celula::String("Total".into()))
    );
    let n: usize = grupos.iter().map(|g| g.linhas.len()).sum();
    assert_eq!(resumo.get((total, 1)), Some(&Celula::Float(n as f64)));
    let pago: i64 = grupos.iter().map(|g| soma(g, true)).sum();
    assert_eq!(centavos(resumo.get((total, 3))), pago);
    std::fs::remove_dir_all(&dir).unwrap();
}
