//! Reading SERPRO's monthly consumption report ([`ler`]): the CSV the client area's
//! "Consultar Consumo → Relatório" gives, one line per request,
//!
//! ```text
//! DATA,CNPJ/CPF,URL,RESPONSE_CODE,IP,OBSERVAÇÃO,TAG,QUANTIDADE
//! "20/08/2022 09:05:32.694-0300","33683111000985","/Consultar","200","200.220.180.71","","2336…501","1.0000"
//! ```
//!
//! Read tolerantly where the file may vary: a UTF-8 BOM, `,` or `;` between fields (the
//! separator of the header line), CRLF or LF, quoted or bare fields, columns in any order and
//! named in any case or accent (`OBSERVAÇÃO`, `observacao`); fractions of a second of any
//! length, an offset `-0300` or `-03:00`, or none (Brasília); `QUANTIDADE` with `.` or `,`.
//! Strictly where a wrong value would mislead the comparison: every problem is reported with
//! its line, column and value, and nothing is read when there is any.

use guiche_domain::Data;
use guiche_ports::bilhetagem::LinhaRelatorio;
use rust_decimal::Decimal;

use crate::erro::{ErroImportacao, Problema};
use crate::texto::{decodificar, normalizar_nome, registros_com};

/// The columns, as [`normalizar_nome`] leaves the report's names, and whether each is required.
const COLUNAS: [(&str, bool); 8] = [
    ("data", true),
    ("cnpj_cpf", false),
    ("url", true),
    ("response_code", true),
    ("ip", false),
    ("observacao", false),
    ("tag", true),
    ("quantidade", true),
];

/// Brasília's offset when a date carries none, in seconds.
const FUSO_BRASILIA: i64 = -3 * 3600;

/// Reads a consumption report: its lines in file order (blank lines skipped).
///
/// # Errors
/// [`ErroImportacao`] with every problem: a required column missing from the header, a date,
/// status or quantity that does not read, each naming its line and column.
pub fn ler(bytes: &[u8]) -> Result<Vec<LinhaRelatorio>, ErroImportacao> {
    let texto = decodificar(bytes);
    let primeira = texto.lines().next().unwrap_or_default();
    let separador = if primeira.contains(';') { ';' } else { ',' };
    let registros =
        registros_com(&texto, separador).map_err(|p| ErroImportacao { problemas: vec![p] })?;
    let mut registros = registros.into_iter().filter(|r| !r.em_branco());
    let Some(cabecalho) = registros.next() else {
        return Err(ErroImportacao {
            problemas: vec![Problema::linha(
                1,
                "arquivo vazio: esperado o cabeçalho DATA,CNPJ/CPF,URL,RESPONSE_CODE,IP,OBSERVAÇÃO,TAG,QUANTIDADE",
            )],
        });
    };
    let nomes: Vec<String> = cabecalho
        .campos
        .iter()
        .map(|c| normalizar_nome(c))
        .collect();
    let mut problemas = Vec::new();
    let posicao: Vec<Option<usize>> = COLUNAS
        .iter()
        .map(|(nome, obrigatoria)| {
            let i = nomes.iter().position(|n| n == nome);
            if i.is_none() && *obrigatoria {
                problemas.push(Problema::linha(
                    cabecalho.linha,
                    format!(
                        "coluna {} ausente do cabeçalho (o relatório de consumo do SERPRO traz DATA,CNPJ/CPF,URL,RESPONSE_CODE,IP,OBSERVAÇÃO,TAG,QUANTIDADE)",
                        nome.to_uppercase()
                    ),
                ));
            }
            i
        })
        .collect();
    if !problemas.is_empty() {
        return Err(ErroImportacao { problemas });
    }
    let mut linhas = Vec::new();
    for r in registros {
        let celula = |coluna: usize| -> &str {
            posicao[coluna]
                .and_then(|i| r.campos.get(i))
                .map_or("", |c| c.trim())
        };
        let antes = problemas.len();
        let instante_ms = ler_data(celula(0)).map_err(|motivo| {
            problemas.push(Problema::celula(r.linha, "DATA", celula(0), motivo));
        });
        let status = celula(3)
            .parse::<u16>()
            .ok()
            .filter(|s| (100..=599).contains(s))
            .ok_or_else(|| {
                problemas.push(Problema::celula(
                    r.linha,
                    "RESPONSE_CODE",
                    celula(3),
                    "esperado um status HTTP de três dígitos (100 a 599)",
                ));
            });
        let quantidade = ler_quantidade(celula(7)).map_err(|motivo| {
            problemas.push(Problema::celula(r.linha, "QUANTIDADE", celula(7), motivo));
        });
        if problemas.len() > antes {
            continue;
        }
        if let (Ok(instante_ms), Ok(status), Ok(quantidade)) = (instante_ms, status, quantidade) {
            linhas.push(LinhaRelatorio {
                linha: r.linha,
                instante_ms,
                documento: celula(1).to_owned(),
                url: celula(2).to_owned(),
                status,
                etiqueta: celula(6).to_owned(),
                quantidade,
            });
        }
    }
    if problemas.is_empty() {
        Ok(linhas)
    } else {
        Err(ErroImportacao { problemas })
    }
}

/// `DD/MM/AAAA hh:mm:ss[.fff][±hhmm|±hh:mm]` as unix milliseconds.
fn ler_data(texto: &str) -> Result<i64, String> {
    const FORMATO: &str = "esperado DD/MM/AAAA hh:mm:ss.mmm-0300";
    let (dia, resto) = texto.split_once(' ').ok_or_else(|| FORMATO.to_owned())?;
    let data = Data::parse_br(dia.trim()).map_err(|e| format!("{e} ({FORMATO})"))?;
    let resto = resto.trim();
    // The offset starts at the last sign after the time's seconds.
    let (hora, fuso) = match resto.rfind(['+', '-']) {
        Some(i) if i >= 8 => {
            let (h, f) = resto.split_at(i);
            (h.trim(), Some(f))
        }
        _ => (resto, None),
    };
    let fuso = match fuso {
        None => FUSO_BRASILIA,
        Some(f) => ler_fuso(f).ok_or_else(|| format!("fuso \"{f}\" inválido ({FORMATO})"))?,
    };
    let (hms, fracao) = hora.split_once('.').unwrap_or((hora, ""));
    let partes: Vec<&str> = hms.split(':').collect();
    let numero = |s: &str, max: i64| {
        s.parse::<i64>()
            .ok()
            .filter(|n| s.len() == 2 && (0..=max).contains(n))
    };
    let (Some(h), Some(m), Some(s)) = (
        partes.first().and_then(|p| numero(p, 23)),
        partes.get(1).and_then(|p| numero(p, 59)),
        partes.get(2).and_then(|p| numero(p, 59)),
    ) else {
        return Err(format!("hora \"{hora}\" inválida ({FORMATO})"));
    };
    if partes.len() != 3 {
        return Err(format!("hora \"{hora}\" inválida ({FORMATO})"));
    }
    if !fracao.chars().all(|c| c.is_ascii_digit()) || fracao.len() > 9 {
        return Err(format!(
            "fração de segundo \"{fracao}\" inválida ({FORMATO})"
        ));
    }
    let ms = format!("{fracao:0<3}")
        .get(..3)
        .and_then(|f| f.parse::<i64>().ok())
        .unwrap_or(0);
    let local = data.dias_desde_epoca() * 86_400 + h * 3600 + m * 60 + s;
    Ok((local - fuso) * 1000 + ms)
}

/// `-0300`, `-03:00`, `+0000` as seconds east of UTC.
fn ler_fuso(f: &str) -> Option<i64> {
    let sinal = match f.get(..1)? {
        "+" => 1,
        "-" => -1,
        _ => return None,
    };
    let digitos: String = f[1..].chars().filter(|c| *c != ':').collect();
    if digitos.len() != 4 || !digitos.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let h: i64 = digitos[..2].parse().ok()?;
    let m: i64 = digitos[2..].parse().ok()?;
    (h <= 14 && m < 60).then_some(sinal * (h * 3600 + m * 60))
}

/// `1.0000` (or `1,0000`): a non-negative decimal.
fn ler_quantidade(texto: &str) -> Result<Decimal, String> {
    const REGRA: &str = "esperado um número não negativo como 1.0000";
    let normal = if texto.contains('.') {
        texto.to_owned()
    } else {
        texto.replace(',', ".")
    };
    let q: Decimal = normal.parse().map_err(|_| REGRA.to_owned())?;
    if q.is_sign_negative() {
        return Err(REGRA.to_owned());
    }
    Ok(q.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CABECALHO: &str = "DATA,CNPJ/CPF,URL,RESPONSE_CODE,IP,OBSERVAÇÃO,TAG,QUANTIDADE";

    #[test]
    fn reads_the_documented_line() {
        let csv = format!(
            "{CABECALHO}\n\"20/08/2022 09:05:32.694-0300\",\"33683111000985\",\"/Consultar\",\"200\",\"200.220.180.71\",\"\",\"23368311100010723368311100087501\",\"1.0000\"\n"
        );
        let l = ler(csv.as_bytes()).unwrap();
        assert_eq!(l.len(), 1);
        // 2022-08-20 12:05:32.694 UTC.
        assert_eq!(l[0].instante_ms, 1_660_997_132_694);
        assert_eq!(l[0].linha, 2);
        assert_eq!(l[0].status, 200);
        assert_eq!(l[0].documento, "33683111000985");
        assert_eq!(l[0].url, "/Consultar");
        assert_eq!(l[0].etiqueta, "23368311100010723368311100087501");
        assert_eq!(l[0].quantidade, Decimal::ONE);
    }

    #[test]
    fn tolerates_bom_semicolons_crlf_bare_fields_and_other_orders() {
        let csv = "\u{feff}TAG;quantidade;Data;Response_Code;URL;Observacao\r\n\
                   x-1;0,0000;20/08/2022 09:05:32-03:00;400;/Emitir;\r\n\r\n\
                   x-2;2.5;20/08/2022 09:05:32.7;200;/Emitir;\"a;b\"\r\n";
        let l = ler(csv.as_bytes()).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].instante_ms, 1_660_997_132_000);
        assert_eq!(l[0].quantidade, Decimal::ZERO);
        assert_eq!(l[1].instante_ms, 1_660_997_132_700, "sem fuso: Brasília");
        assert_eq!(l[1].quantidade, Decimal::new(25, 1));
        assert_eq!((l[1].linha, l[1].etiqueta.as_str()), (4, "x-2"));
    }

    #[test]
    fn every_bad_cell_is_named_by_line_and_column() {
        let csv = format!(
            "{CABECALHO}\n\"32/08/2022 09:05:32.694-0300\",\"1\",\"/C\",\"200\",\"\",\"\",\"t\",\"1.0000\"\n\
             \"20/08/2022 25:05:32\",\"1\",\"/C\",\"2000\",\"\",\"\",\"t\",\"-1\"\n\
             \"20/08/2022 09:05:32.694-0300\",\"1\",\"/C\",\"200\",\"\",\"\",\"t\",\"um\"\n"
        );
        let e = ler(csv.as_bytes()).unwrap_err();
        let onde: Vec<(usize, &str)> = e
            .problemas
            .iter()
            .map(|p| (p.linha, p.coluna.as_str()))
            .collect();
        assert_eq!(
            onde,
            [
                (2, "DATA"),
                (3, "DATA"),
                (3, "RESPONSE_CODE"),
                (3, "QUANTIDADE"),
                (4, "QUANTIDADE")
            ]
        );
        let texto = e.to_string();
        assert!(
            texto.contains("linha 3, coluna RESPONSE_CODE (\"2000\")"),
            "{texto}"
        );
        assert!(
            texto.contains("linha 4, coluna QUANTIDADE (\"um\")"),
            "{texto}"
        );
    }

    #[test]
    fn a_missing_column_or_an_empty_file_is_refused() {
        let e = ler(b"DATA,URL,RESPONSE_CODE,QUANTIDADE\n").unwrap_err();
        assert!(e.to_string().contains("coluna TAG ausente"), "{e}");
        let e = ler(b"").unwrap_err();
        assert!(e.to_string().contains("arquivo vazio"), "{e}");
        assert!(ler(format!("{CABECALHO}\n").as_bytes()).unwrap().is_empty());
    }
}
