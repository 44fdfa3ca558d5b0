//! Reading guides and payments from the golden CSV files in `tests/dados/`, and round trips of
//! generated guides through the documented layout.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

use guiche_domain::conciliacao::Pagamento;
use guiche_domain::estrategias::guia::{guia, pagamento_de};
use guiche_domain::guia::{CodigoBarras, CodigoReceita, Guia, NumeroDocumento, TipoGuia};
use guiche_domain::{Competencia, Data, Documento, Valor};
use guiche_planilha::{ErroImportacao, guias, pagamentos};
use proptest::prelude::*;

const DARF_A: &str = "85650000025-7 00000064105-0 30642754910-1 33029041059-7";

fn dados(nome: &str) -> Vec<u8> {
    let caminho = format!("{}/tests/dados/{nome}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&caminho).unwrap_or_else(|e| panic!("{caminho}: {e}"))
}

fn d(texto: &str) -> Data {
    Data::parse_br(texto).unwrap()
}

fn doc(texto: &str) -> Documento {
    Documento::parse(texto).unwrap()
}

fn num(texto: &str) -> NumeroDocumento {
    NumeroDocumento::parse(texto).unwrap()
}

/// `(linha, coluna)` of every problem, in order.
fn onde(e: &ErroImportacao) -> Vec<(usize, &str)> {
    e.problemas
        .iter()
        .map(|p| (p.linha, p.coluna.as_str()))
        .collect()
}

#[test]
fn reads_the_utf8_file() {
    let bytes = dados("guias-utf8.csv");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF") && bytes.windows(2).any(|w| w == b"\r\n"));
    let lidas = guias::ler(&bytes).unwrap();
    assert_eq!(
        lidas,
        [
            Guia {
                tipo: TipoGuia::Das,
                numero: num("07202614593079936"),
                contribuinte: doc("11222333000181"),
                codigo_receita: None,
                periodo: Competencia::new(2026, 1).unwrap(),
                vencimento: d("20/02/2026"),
                valor: Valor::from_centavos(123_456),
                codigo_barras: None,
            },
            Guia {
                tipo: TipoGuia::Darf,
                numero: num("07162619444412336"),
                contribuinte: doc("52998224725"),
                codigo_receita: Some(CodigoReceita::parse("0190").unwrap()),
                periodo: Competencia::new(2021, 1).unwrap(),
                vencimento: d("22/02/2021"),
                valor: Valor::from_centavos(250_000),
                codigo_barras: Some(CodigoBarras::parse(DARF_A).unwrap()),
            },
            Guia {
                tipo: TipoGuia::Darf,
                numero: num("07202504580937145"),
                contribuinte: doc("11222333000181"),
                codigo_receita: Some(CodigoReceita::parse("1708-01").unwrap()),
                periodo: Competencia::new(2025, 12).unwrap(),
                vencimento: d("20/01/2026"),
                valor: Valor::from_centavos(1050),
                codigo_barras: None,
            },
        ]
    );
}

#[test]
fn reads_the_windows_1252_file_with_accents_in_the_header() {
    let bytes = dados("guias-cp1252.csv");
    assert!(std::str::from_utf8(&bytes).is_err(), "must not be UTF-8");
    assert!(bytes.windows(7).any(|w| w == b"Per\xEDodo"), "í as 0xED");
    assert!(
        bytes.contains(&0x93) && bytes.contains(&0x96),
        "bytes 0x80–0x9F"
    );
    let lidas = guias::ler(&bytes).unwrap();
    assert_eq!(lidas.len(), 2);
    assert_eq!(lidas[0].tipo, TipoGuia::Das);
    assert_eq!(lidas[0].periodo, Competencia::new(2026, 1).unwrap());
    assert_eq!(lidas[0].valor, Valor::from_centavos(9990));
    assert_eq!(lidas[1].numero, num("07202408201918950"));
    assert_eq!(lidas[1].contribuinte, doc("529.982.247-25"));
    assert_eq!(lidas[1].periodo, Competencia::new(2026, 2).unwrap());
    assert_eq!(lidas[1].vencimento, d("31/03/2026"));
    assert_eq!(lidas[1].valor, Valor::from_centavos(100_000_001));
    // Excel dropped the leading zero of 0190.
    assert_eq!(lidas[1].codigo_receita.unwrap().to_string(), "0190");
}

#[test]
fn reports_every_problem_of_the_file_with_errors() {
    let e = guias::ler(&dados("guias-com-erros.csv")).unwrap_err();
    assert_eq!(
        onde(&e),
        [
            (3, "tipo"),
            (3, "contribuinte"),
            (3, "periodo"),
            (3, "vencimento"),
            (3, "valor"),
            (4, "numero_documento"),
            (4, "contribuinte"),
            (5, "numero_documento"),
            (5, "codigo_receita"),
            (6, "codigo_barras"),
            (6, "vencimento"),
            (8, "valor"),
            (9, "contribuinte"),
            (9, "periodo"),
            (9, "vencimento"),
            (9, "valor"),
            (10, ""),
            (11, "valor"),
            (11, "codigo_barras"),
        ],
        "{e}"
    );
    let p = |linha: usize, coluna: &str| {
        e.problemas
            .iter()
            .find(|p| p.linha == linha && p.coluna == coluna)
            .unwrap()
    };
    assert_eq!(p(3, "tipo").valor, "GPS");
    assert_eq!(p(3, "contribuinte").valor, "11.222.333/0001-82");
    assert!(
        p(3, "contribuinte")
            .motivo
            .contains("dígitos verificadores")
    );
    assert_eq!(p(3, "valor").valor, "12,345");
    assert!(p(3, "valor").motivo.contains("duas casas decimais"));
    assert!(p(3, "vencimento").motivo.contains("inexistente"));
    assert_eq!(
        p(4, "numero_documento").motivo,
        "número do documento repetido: já aparece na linha 2"
    );
    assert!(p(4, "contribuinte").motivo.contains("CNPJ"));
    assert!(p(5, "numero_documento").motivo.contains("17 dígitos"));
    assert_eq!(p(5, "codigo_receita").valor, "190x");
    assert!(p(6, "codigo_barras").motivo.contains("R$ 2.500,00"));
    assert_eq!(p(6, "codigo_barras").valor, DARF_A);
    assert!(p(6, "vencimento").motivo.contains("anterior ao período"));
    assert!(p(8, "valor").motivo.contains("maior que zero"));
    assert_eq!(p(9, "valor").motivo, "campo obrigatório vazio");
    assert!(
        p(10, "").motivo.contains("9 campos"),
        "{}",
        p(10, "").motivo
    );
    assert!(p(11, "valor").motivo.contains("vírgula"));
    let texto = e.to_string();
    assert!(
        texto.starts_with("19 problemas no arquivo; nada foi importado:"),
        "{texto}"
    );
    assert!(
        texto.contains("\n  linha 3, coluna tipo (\"GPS\"): tipo de guia deve ser DARF ou DAS")
    );
}

#[test]
fn header_problems_are_reported_once_on_line_1() {
    let e = guias::ler(b"tipo;Tipo;contribuinte;periodo;valor\nDAS;DAS;x;y;z\n").unwrap_err();
    assert_eq!(
        onde(&e),
        [(1, "tipo"), (1, "numero_documento"), (1, "vencimento")]
    );
    assert!(e.problemas[0].motivo.contains("repetida"));
    assert_eq!(
        e.problemas[1].motivo,
        "coluna obrigatória ausente no cabeçalho"
    );

    let e = guias::ler(b"tipo,numero_documento,contribuinte\n").unwrap_err();
    assert!(e.problemas[0].motivo.contains("vírgula"), "{e}");

    let e = guias::ler(b"").unwrap_err();
    assert!(e.problemas[0].motivo.contains("vazio"));
    let e = pagamentos::ler(b"\r\n;;\r\n").unwrap_err();
    assert!(e.problemas[0].motivo.contains("cabeçalho"));

    let e = guias::ler(b"tipo;numero_documento;contribuinte;periodo;vencimento;valor\nDAS;\"07\n")
        .unwrap_err();
    assert_eq!(onde(&e), [(2, "")]);
    assert!(e.problemas[0].motivo.contains("aspas"));
}

#[test]
fn a_header_alone_is_an_empty_list() {
    let cabecalho = b"tipo;numero_documento;contribuinte;periodo;vencimento;valor\r\n";
    assert_eq!(guias::ler(cabecalho), Ok(vec![]));
}

#[test]
fn reads_payments() {
    let lidos = pagamentos::ler(&dados("pagamentos.csv")).unwrap();
    let receita = Some(CodigoReceita::parse("0190").unwrap());
    assert_eq!(
        lidos,
        [
            Pagamento {
                numero: num("07202614593079936"),
                data_arrecadacao: d("20/02/2026"),
                valor_total: Valor::from_centavos(123_456),
                codigo_receita: None,
                contribuinte: doc("11222333000181"),
            },
            Pagamento {
                numero: num("07162619444412336"),
                data_arrecadacao: d("22/02/2021"),
                valor_total: Valor::from_centavos(150_000),
                codigo_receita: receita,
                contribuinte: doc("52998224725"),
            },
            Pagamento {
                numero: num("07162619444412336"),
                data_arrecadacao: d("23/02/2021"),
                valor_total: Valor::from_centavos(100_000),
                codigo_receita: receita,
                contribuinte: doc("52998224725"),
            },
        ]
    );
}

#[test]
fn reports_every_problem_of_the_payments_with_errors() {
    let e = pagamentos::ler(&dados("pagamentos-com-erros.csv")).unwrap_err();
    // Line 3 repeats line 2 (1.234,56 is 1234,56): a double payment, not a problem.
    assert_eq!(
        onde(&e),
        [
            (4, "data_arrecadacao"),
            (4, "valor"),
            (5, "numero_documento"),
            (5, "contribuinte"),
        ],
        "{e}"
    );
    assert!(e.problemas[1].motivo.contains("maior que zero"));
    assert_eq!(e.problemas[3].motivo, "campo obrigatório vazio");
}

/// Two identical lines are two payments (the same guide paid twice on one day): the ledger
/// keeps them apart by their order in the file.
#[test]
fn two_identical_lines_are_two_payments() {
    let csv = "numero_documento;contribuinte;data_arrecadacao;valor\n\
               07202614593079936;11222333000181;20/02/2026;1.234,56\n\
               07202614593079936;11222333000181;20/02/2026;1234,56\n";
    let lidos = pagamentos::ler(csv.as_bytes()).unwrap();
    assert_eq!(lidos.len(), 2);
    assert_eq!(lidos[0], lidos[1]);
}

// ---------------------------------------------------------------------------------------------
// Round trips through the documented layout
// ---------------------------------------------------------------------------------------------

/// How one generated file is written: each choice is a way the layout allows.
#[derive(Clone, Debug)]
struct Estilo {
    /// Column order: a permutation of 0..8.
    ordem: Vec<usize>,
    /// Use the accented, spaced header names instead of the documented ones.
    nomes_longos: bool,
    bom: bool,
    crlf: bool,
    windows_1252: bool,
    mascaras: bool,
    milhar: bool,
    aspas: bool,
    periodo_compacto: bool,
    linha_digitavel: bool,
}

fn estilo() -> impl Strategy<Value = Estilo> {
    (
        Just((0..8).collect::<Vec<usize>>()).prop_shuffle(),
        proptest::array::uniform9(any::<bool>()),
    )
        .prop_map(|(ordem, b)| Estilo {
            ordem,
            nomes_longos: b[0],
            bom: b[1] && !b[3],
            crlf: b[2],
            windows_1252: b[3],
            mascaras: b[4],
            milhar: b[5],
            aspas: b[6],
            periodo_compacto: b[7],
            linha_digitavel: b[8],
        })
}

const NOMES: [&str; 8] = [
    "tipo",
    "numero_documento",
    "contribuinte",
    "codigo_receita",
    "periodo",
    "vencimento",
    "valor",
    "codigo_barras",
];
const NOMES_LONGOS: [&str; 8] = [
    "Tipo",
    "Número do Documento",
    "CPF/CNPJ",
    "Código da Receita",
    "Período de Apuração",
    "Data de Vencimento",
    "Valor",
    "Código de Barras",
];

/// Money as written by hand: `1.234,56` or `1234,56`.
fn dinheiro(v: Valor, milhar: bool) -> String {
    if milhar {
        v.to_string().trim_start_matches("R$ ").to_owned()
    } else {
        v.formatar_nfd()
    }
}

/// The cells of a guide in [`NOMES`] order.
fn celulas(g: &Guia, e: &Estilo) -> [String; 8] {
    [
        g.tipo.sigla().to_owned(),
        if e.mascaras {
            g.numero.to_string()
        } else {
            g.numero.as_digitos()
        },
        if e.mascaras {
            g.contribuinte.to_string()
        } else {
            g.contribuinte.as_str().to_owned()
        },
        g.codigo_receita.map(|c| c.to_string()).unwrap_or_default(),
        if e.periodo_compacto {
            g.periodo.compacta()
        } else {
            g.periodo.to_string()
        },
        g.vencimento.to_string(),
        dinheiro(g.valor, e.milhar),
        g.codigo_barras
            .map(|c| {
                if e.linha_digitavel {
                    c.linha_digitavel()
                } else {
                    c.as_str().to_owned()
                }
            })
            .unwrap_or_default(),
    ]
}

/// A CSV file of `guias` in the documented layout, written in style `e`.
fn arquivo(guias: &[Guia], e: &Estilo) -> Vec<u8> {
    let fim = if e.crlf { "\r\n" } else { "\n" };
    let nomes = if e.nomes_longos { NOMES_LONGOS } else { NOMES };
    let linha = |cells: [&str; 8]| {
        let campos: Vec<String> = e
            .ordem
            .iter()
            .map(|&i| {
                if e.aspas {
                    format!("\"{}\"", cells[i])
                } else {
                    cells[i].to_owned()
                }
            })
            .collect();
        campos.join(";") + fim
    };
    let mut texto = linha(nomes);
    for g in guias {
        let c = celulas(g, e);
        texto += &linha(c.each_ref().map(String::as_str));
    }
    if e.windows_1252 {
        // Every character used is ASCII or Latin-1.
        texto
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap())
            .collect()
    } else if e.bom {
        [b"\xEF\xBB\xBF".as_slice(), texto.as_bytes()].concat()
    } else {
        texto.into_bytes()
    }
}

fn guias_distintas() -> impl Strategy<Value = Vec<Guia>> {
    proptest::collection::vec(guia(), 0..12).prop_map(|mut gs| {
        let mut vistos = std::collections::HashSet::new();
        gs.retain(|g| vistos.insert(g.numero));
        gs
    })
}

proptest! {
    #[test]
    fn generated_guides_round_trip_through_csv(gs in guias_distintas(), e in estilo()) {
        let bytes = arquivo(&gs, &e);
        prop_assert_eq!(guias::ler(&bytes), Ok(gs));
    }

    /// Generated payments (masked or bare, LF or CRLF, columns in another order) come back equal.
    #[test]
    fn generated_payments_round_trip_through_csv(
        ps in proptest::collection::vec(guia().prop_flat_map(|g| pagamento_de(&g)), 0..12),
        crlf in any::<bool>(),
        mascaras in any::<bool>(),
    ) {
        let fim = if crlf { "\r\n" } else { "\n" };
        let mut texto = format!("Valor pago;Data de Arrecadação;CPF/CNPJ;Número do documento;Código da receita{fim}");
        for p in &ps {
            let (numero, contribuinte) = if mascaras {
                (p.numero.to_string(), p.contribuinte.to_string())
            } else {
                (p.numero.as_digitos(), p.contribuinte.as_str().to_owned())
            };
            texto += &format!(
                "{};{};{contribuinte};{numero};{}{fim}",
                dinheiro(p.valor_total, mascaras),
                p.data_arrecadacao,
                p.codigo_receita.map(|c| c.to_string()).unwrap_or_default(),
            );
        }
        let mut vistos = std::collections::HashSet::new();
        let unicos = ps.iter().all(|p| vistos.insert((p.numero, p.contribuinte, p.data_arrecadacao, p.valor_total)));
        prop_assume!(unicos);
        prop_assert_eq!(pagamentos::ler(texto.as_bytes()), Ok(ps));
    }

    /// Every amount a payment file can carry comes back to the cent, in each written form.
    #[test]
    fn money_never_loses_a_cent(centavos in 1i64..100_000_000_000_000_000, forma in 0usize..4) {
        let v = Valor::from_centavos(centavos);
        let texto = match forma {
            0 => v.formatar_nfd(),
            1 => dinheiro(v, true),
            2 => v.to_string(),
            _ => format!("\"{}\"", dinheiro(v, true)),
        };
        let csv = format!(
            "numero_documento;contribuinte;data_arrecadacao;valor\n\
             07202614593079936;11222333000181;20/02/2026;{texto}\n"
        );
        let lidos = pagamentos::ler(csv.as_bytes()).unwrap();
        prop_assert_eq!(lidos[0].valor_total.centavos(), centavos);
    }
}
