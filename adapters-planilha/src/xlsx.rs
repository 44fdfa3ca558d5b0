//! Writing a report as an Excel workbook ([`escrever`]), one sheet per group.

use std::collections::HashSet;
use std::io::Write;

use guiche_domain::Valor;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::Grupo;
use crate::erro::ErroExportacao;
use crate::relatorio::{self, CABECALHO, Celula};

/// Excel's limit on a sheet name, in characters.
const MAX_NOME: usize = 31;
/// The sheet written when there is no group, so the workbook is never empty.
const SEM_GRUPOS: &str = "Ocorrências";
/// The last sheet: one line per group with its count and totals.
const RESUMO: &str = "Resumo";
/// The summary sheet's header.
const CABECALHO_RESUMO: [&str; 4] = ["Grupo", "Ocorrências", "Valor das guias", "Valor pago"];
/// Column widths are clamped to this range (in Excel's character units).
const LARGURA: (usize, usize) = (10, 60);

/// Writes `grupos` as an `.xlsx` workbook to `destino` (the caller writes the file: guichê's one
/// private, atomic writer does it for every file it produces).
///
/// One sheet per group, named after its title made acceptable to Excel (see
/// [`nomes_de_planilhas`]), then a `Resumo` sheet with each group's count, the sum of its
/// guides' values and of what was paid, and a total line; with no group, a single sheet
/// `Ocorrências` with only the header.
/// Each sheet has a bold, frozen header row with a filter, then one row per occurrence:
/// money as number cells formatted `#,##0.00`, dates as date cells formatted `dd/mm/yyyy`,
/// days late as whole numbers, the document number as text of its 17 bare digits (never a
/// number, which would lose digits). Column widths follow the content.
///
/// # Errors
/// [`ErroExportacao::Xlsx`] when the library refuses the workbook (more than 1 048 575 rows in
/// a group); [`ErroExportacao::Escrita`] when `destino` fails.
pub fn escrever(mut destino: impl Write, grupos: &[Grupo]) -> Result<(), ErroExportacao> {
    let bytes = montar(grupos).map_err(|e| ErroExportacao::Xlsx {
        detalhe: e.to_string(),
    })?;
    destino.write_all(&bytes).map_err(ErroExportacao::Escrita)
}

/// The workbook's bytes.
fn montar(grupos: &[Grupo]) -> Result<Vec<u8>, XlsxError> {
    let formatos = Formatos::new();
    let mut livro = Workbook::new();
    if grupos.is_empty() {
        let folha = livro.add_worksheet();
        folha.set_name(SEM_GRUPOS)?;
        preencher(
            folha,
            &formatos,
            &Grupo {
                titulo: String::new(),
                linhas: Vec::new(),
            },
        )?;
    }
    let titulos = grupos.iter().map(|g| g.titulo.as_str());
    let nomes = nomes_de_planilhas(titulos.chain((!grupos.is_empty()).then_some(RESUMO)));
    for (grupo, nome) in grupos.iter().zip(&nomes) {
        let folha = livro.add_worksheet();
        folha.set_name(nome)?;
        preencher(folha, &formatos, grupo)?;
    }
    if let Some(nome) = nomes.get(grupos.len()) {
        let folha = livro.add_worksheet();
        folha.set_name(nome)?;
        resumir(folha, &formatos, grupos)?;
    }
    livro.save_to_buffer()
}

/// The summary sheet: per group, how many occurrences and the sums of the guides' values and
/// of what was paid (money as number cells), and a total line.
fn resumir(folha: &mut Worksheet, f: &Formatos, grupos: &[Grupo]) -> Result<(), XlsxError> {
    for (col, titulo) in (0u16..).zip(CABECALHO_RESUMO) {
        folha.write_string_with_format(0, col, titulo, &f.cabecalho)?;
    }
    let soma = |g: &Grupo, campo: fn(&crate::LinhaGrupo) -> Option<Valor>| {
        g.linhas
            .iter()
            .filter_map(campo)
            .try_fold(Valor::default(), somar)
    };
    let guia = |l: &crate::LinhaGrupo| l.ocorrencia.achado.valor_guia;
    let pago = |l: &crate::LinhaGrupo| l.ocorrencia.achado.valor_pago;
    let mut total = (0usize, Some(Valor::default()), Some(Valor::default()));
    let mut linha = 1u32;
    for g in grupos {
        let (n, v, p) = (g.linhas.len(), soma(g, guia), soma(g, pago));
        escrever_resumo(folha, f, linha, &g.titulo, (n, v, p), false)?;
        total = (
            total.0 + n,
            total.1.zip(v).and_then(|(a, b)| somar(a, b)),
            total.2.zip(p).and_then(|(a, b)| somar(a, b)),
        );
        linha += 1;
    }
    escrever_resumo(folha, f, linha, "Total", total, true)?;
    let largura = grupos
        .iter()
        .map(|g| g.titulo.chars().count())
        .max()
        .unwrap_or(0);
    folha.set_column_width(0, (largura + 2).clamp(LARGURA.0, LARGURA.1) as f64)?;
    folha.set_column_width(1, 12)?;
    folha.set_column_width(2, 18)?;
    folha.set_column_width(3, 18)?;
    folha.set_freeze_panes(1, 0)?;
    Ok(())
}

/// One line of the summary: title, count, and the two sums (bold for the total).
fn escrever_resumo(
    folha: &mut Worksheet,
    f: &Formatos,
    linha: u32,
    titulo: &str,
    (n, guias, pago): (usize, Option<Valor>, Option<Valor>),
    total: bool,
) -> Result<(), XlsxError> {
    if total {
        folha.write_string_with_format(linha, 0, titulo, &f.cabecalho)?;
    } else {
        folha.write_string(linha, 0, titulo)?;
    }
    // A count of rows: far below 2^53, exact as a double.
    folha.write_number_with_format(linha, 1, n as f64, &f.inteiro)?;
    for (col, v) in [(2u16, guias), (3, pago)] {
        match v.map(|v| (v, para_f64(v))) {
            Some((_, Some(x))) => folha.write_number_with_format(linha, col, x, &f.dinheiro)?,
            Some((v, None)) => folha.write_string(linha, col, v.formatar_nfd())?,
            None => folha.write_string(linha, col, "soma fora da faixa")?,
        };
    }
    Ok(())
}

/// `a + b`, or `None` past what a decimal holds.
fn somar(a: Valor, b: Valor) -> Option<Valor> {
    a.decimal()
        .checked_add(b.decimal())
        .and_then(Valor::from_decimal)
}

struct Formatos {
    cabecalho: Format,
    dinheiro: Format,
    data: Format,
    inteiro: Format,
}

impl Formatos {
    fn new() -> Formatos {
        Formatos {
            cabecalho: Format::new().set_bold(),
            dinheiro: Format::new().set_num_format("#,##0.00"),
            data: Format::new().set_num_format("dd/mm/yyyy"),
            inteiro: Format::new().set_num_format("0"),
        }
    }
}

/// Writes one group's sheet.
fn preencher(folha: &mut Worksheet, f: &Formatos, grupo: &Grupo) -> Result<(), XlsxError> {
    let mut larguras = CABECALHO.map(|t| t.chars().count());
    for (col, titulo) in (0u16..).zip(CABECALHO) {
        folha.write_string_with_format(0, col, titulo, &f.cabecalho)?;
    }
    let mut ultima = 0u32;
    for (linha, l) in (1u32..).zip(&grupo.linhas) {
        ultima = linha;
        for ((col, c), largura) in (0u16..).zip(relatorio::celulas(l)).zip(&mut larguras) {
            let texto_largura = match c {
                Celula::Texto(t) => {
                    folha.write_string(linha, col, t)?;
                    t.chars().count()
                }
                Celula::Numero(n) => {
                    folha.write_string(linha, col, n.as_digitos())?;
                    17
                }
                Celula::Valor(v) => {
                    match para_f64(v) {
                        Some(x) => folha.write_number_with_format(linha, col, x, &f.dinheiro)?,
                        None => folha.write_string(linha, col, v.formatar_nfd())?,
                    };
                    v.to_string().chars().count()
                }
                Celula::Data(d) => {
                    let dt = ExcelDateTime::from_ymd(d.ano(), d.mes(), d.dia())?;
                    folha.write_datetime_with_format(linha, col, dt, &f.data)?;
                    10
                }
                Celula::Inteiro(i) => {
                    // Days late: far below 2^53, exact as a double.
                    folha.write_number_with_format(linha, col, i as f64, &f.inteiro)?;
                    i.to_string().len()
                }
                Celula::Vazia => 0,
            };
            *largura = (*largura).max(texto_largura);
        }
    }
    for (col, largura) in (0u16..).zip(larguras) {
        let largura = (largura + 2).clamp(LARGURA.0, LARGURA.1);
        folha.set_column_width(col, largura as f64)?;
    }
    folha.set_freeze_panes(1, 0)?;
    folha.autofilter(0, 0, ultima, (CABECALHO.len() - 1) as u16)?;
    Ok(())
}

/// Money as the `f64` an Excel number cell needs: the one place money leaves `Valor`.
///
/// The amount is taken as whole centavos (an `i64`; exact as a double below 2^53) and divided
/// by 100. IEEE-754 division is correctly rounded, so the result is *the* double nearest to the
/// two-decimal amount — the same double Excel stores when someone types that amount. That
/// double is not the decimal itself (0,10 has no exact binary form), but any decimal of at most
/// 15 significant digits survives the trip to the nearest double and back (15 is what `f64`
/// guarantees and what Excel displays). Below 10^15 centavos (R$ 10 trilhões) an amount has at
/// most 15 digits, so Excel shows it to the cent and `(x * 100).round()` gives the centavos
/// back; 2^53 centavos alone would not be enough, since near 2^53 neighbouring amounts share
/// one double. Larger amounts return `None` and are written as text.
pub(crate) fn para_f64(valor: Valor) -> Option<f64> {
    const LIMITE: u64 = 1_000_000_000_000_000;
    let centavos = valor.centavos();
    (centavos.unsigned_abs() < LIMITE).then(|| centavos as f64 / 100.0)
}

/// Sheet names for `titulos`, in order, acceptable to Excel: the characters `[ ] : * ? / \`
/// (and control characters) become `-`, apostrophes and blanks at the ends are dropped, at most
/// 31 characters, `Planilha` for an empty title, and names unique regardless of case (a repeat
/// gets ` (2)`, ` (3)`… within the 31 characters).
pub fn nomes_de_planilhas<'a>(titulos: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut usados: HashSet<String> = HashSet::new();
    let mut nomes = Vec::new();
    for titulo in titulos {
        let limpo: String = titulo
            .chars()
            .map(|c| {
                if "[]:*?/\\".contains(c) || c.is_control() {
                    '-'
                } else {
                    c
                }
            })
            .collect();
        let mut base = aparar(&limpo, MAX_NOME);
        if base.is_empty() || base.eq_ignore_ascii_case("history") {
            // Excel reserves "History".
            base = if base.is_empty() {
                "Planilha".into()
            } else {
                format!("{base} (1)")
            };
        }
        let mut nome = base.clone();
        let mut n = 2;
        while usados.contains(&nome.to_lowercase()) {
            let sufixo = format!(" ({n})");
            nome = format!(
                "{}{sufixo}",
                aparar(&base, MAX_NOME - sufixo.chars().count())
            );
            n += 1;
        }
        usados.insert(nome.to_lowercase());
        nomes.push(nome);
    }
    nomes
}

/// `texto` cut to `max` characters, without blanks or apostrophes at the ends.
fn aparar(texto: &str, max: usize) -> String {
    let aparado = |s: &str| {
        s.trim_matches(|c: char| c.is_whitespace() || c == '\'')
            .to_owned()
    };
    let cortado: String = aparado(texto).chars().take(max).collect();
    aparado(&cortado)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every amount below the limit becomes the double nearest to it, which shows it to the
        /// cent and gives its centavos back.
        #[test]
        fn money_to_double_never_loses_a_cent(centavos in -999_999_999_999_999i64..1_000_000_000_000_000) {
            let v = Valor::from_centavos(centavos);
            let x = para_f64(v).unwrap();
            prop_assert_eq!((x * 100.0).round() as i64, centavos);
            prop_assert_eq!(format!("{x:.2}"), v.decimal().to_string());
            prop_assert_eq!(Some(x), v.decimal().to_string().parse::<f64>().ok());
        }
    }

    #[test]
    fn sheet_names_follow_excel_rules() {
        let longo = "x".repeat(40);
        let nomes = nomes_de_planilhas([
            "11.222.333/0001-81 — Padaria [Centro]: filial?",
            "Vencida",
            "VENCIDA",
            "",
            "'aspas'",
            longo.as_str(),
            longo.as_str(),
            "History",
        ]);
        assert_eq!(
            nomes,
            [
                "11.222.333-0001-81 — Padaria -C",
                "Vencida",
                "VENCIDA (2)",
                "Planilha",
                "aspas",
                "x".repeat(31).as_str(),
                format!("{} (2)", "x".repeat(27)).as_str(),
                "History (1)",
            ]
        );
        for n in &nomes {
            assert!(n.chars().count() <= 31, "{n}");
            assert!(!n.contains(['[', ']', ':', '*', '?', '/', '\\']), "{n}");
        }
    }

    #[test]
    fn money_to_double_is_the_nearest_and_comes_back_exact() {
        let limite = 1_000_000_000_000_000;
        for centavos in [
            1,
            10,
            99,
            123_456,
            99_999_999_999,
            limite - 1,
            -5,
            1 - limite,
        ] {
            let x = para_f64(Valor::from_centavos(centavos)).unwrap();
            assert_eq!((x * 100.0).round() as i64, centavos);
            // What Excel shows (15 significant digits) is the amount to the cent.
            let mostrado: f64 = format!("{x:.14e}").parse().unwrap();
            assert_eq!(mostrado, x);
            assert_eq!(
                format!("{x:.2}"),
                Valor::from_centavos(centavos).decimal().to_string()
            );
        }
        // The same double as parsing the decimal text.
        assert_eq!(para_f64(Valor::from_centavos(123_456)), Some(1234.56));
        assert_eq!(para_f64(Valor::from_centavos(limite)), None);
        // Why 2^53 centavos is not the bound: there, neighbouring amounts share a double.
        let perto = (1i64 << 53) - 1;
        assert_eq!(perto as f64 / 100.0, (perto - 1) as f64 / 100.0);
    }
}
