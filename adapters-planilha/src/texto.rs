//! The bytes of a spreadsheet file as text, and that text as `;`-separated records.
//!
//! Decoding: a UTF-8 byte order mark is dropped; bytes that are valid UTF-8 are read as UTF-8,
//! anything else as Windows-1252 (what Excel pt-BR writes for "CSV (separado por vírgulas)").
//! Splitting: RFC 4180 with `;` as the separator: fields may be quoted with `"`, a `""` inside
//! quotes is one `"`, and a quoted field may hold `;` and line breaks. Lines end in CRLF or LF.

use std::borrow::Cow;

use crate::erro::Problema;

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Windows-1252 code points for bytes 0x80–0x9F (the only range where it differs from
/// Latin-1). The five bytes Windows-1252 leaves undefined map to the C1 control of the same
/// number, as the WHATWG Encoding Standard does.
const CP1252_80_9F: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

/// Decodes a file: UTF-8 (with or without BOM) when valid, otherwise Windows-1252.
pub(crate) fn decodificar(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(texto) => Cow::Borrowed(texto),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| de_cp1252(b)).collect()),
    }
}

/// One Windows-1252 byte as a character.
fn de_cp1252(b: u8) -> char {
    match b {
        0x80..=0x9F => CP1252_80_9F[usize::from(b - 0x80)],
        // ASCII and 0xA0–0xFF are the Unicode code points of the same number (Latin-1).
        _ => char::from(b),
    }
}

/// One record of the file: its fields and the (1-based) line it starts on.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Registro {
    /// The line the record starts on (a quoted field may span lines).
    pub(crate) linha: usize,
    /// The fields, unquoted, as written (not trimmed).
    pub(crate) campos: Vec<String>,
}

impl Registro {
    /// True when every field is blank (Excel writes `;;;;` for an empty row).
    pub(crate) fn em_branco(&self) -> bool {
        self.campos.iter().all(|c| c.trim().is_empty())
    }
}

/// Splits `texto` into records. A quote left open is reported on the line it was opened and
/// ends the file.
pub(crate) fn registros(texto: &str) -> Result<Vec<Registro>, Problema> {
    registros_com(texto, ';')
}

/// [`registros`] with `separador` between fields (`,` in SERPRO's consumption report).
pub(crate) fn registros_com(texto: &str, separador: char) -> Result<Vec<Registro>, Problema> {
    let mut saida = Vec::new();
    let mut campos = Vec::new();
    let mut campo = String::new();
    let mut linha = 1;
    let mut inicio = 1;
    let mut aspas_desde: Option<usize> = None;
    let mut chars = texto.chars().peekable();
    while let Some(c) = chars.next() {
        if aspas_desde.is_some() {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    campo.push('"');
                }
                '"' => aspas_desde = None,
                '\n' => {
                    linha += 1;
                    campo.push('\n');
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                _ => campo.push(c),
            }
            continue;
        }
        match c {
            '"' if campo.trim().is_empty() => {
                campo.clear();
                aspas_desde = Some(linha);
            }
            c if c == separador => campos.push(std::mem::take(&mut campo)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                campos.push(std::mem::take(&mut campo));
                saida.push(Registro {
                    linha: inicio,
                    campos: std::mem::take(&mut campos),
                });
                linha += 1;
                inicio = linha;
            }
            _ => campo.push(c),
        }
    }
    if let Some(aberta) = aspas_desde {
        return Err(Problema::linha(
            aberta,
            "aspas abertas e nunca fechadas: o restante do arquivo ficou dentro de um campo",
        ));
    }
    if !campo.is_empty() || !campos.is_empty() {
        campos.push(campo);
        saida.push(Registro {
            linha: inicio,
            campos,
        });
    }
    Ok(saida)
}

/// Words that join others in a Portuguese column name and are ignored when comparing names.
const LIGACOES: [&str; 6] = ["de", "da", "do", "das", "dos", "e"];

/// A column name reduced to compare names: accents removed, lower case, words split on every
/// other character (blanks, `_`, `-`, `/`, `.`), the joining words `de da do das dos e`
/// dropped, the rest joined by `_`. `Número do Documento`, `numero-documento` and
/// `NUMERO_DOCUMENTO` all become `numero_documento`.
pub(crate) fn normalizar_nome(nome: &str) -> String {
    let simples: String = nome
        .chars()
        .flat_map(char::to_lowercase)
        .map(sem_acento)
        .collect();
    simples
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty() && !LIGACOES.contains(p))
        .collect::<Vec<_>>()
        .join("_")
}

/// The unaccented letter of a lower-case Portuguese (and Latin-1) accented letter.
fn sem_acento(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ã' | 'ä' | 'å' | 'ª' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'õ' | 'ö' | 'º' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        'ý' | 'ÿ' => 'y',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campos(texto: &str) -> Vec<(usize, Vec<&str>)> {
        let regs = registros(texto).unwrap();
        regs.iter()
            .map(|r| (r.linha, r.campos.iter().map(|c| leak(c)).collect()))
            .collect()
    }

    fn leak(s: &str) -> &'static str {
        Box::leak(s.to_owned().into_boxed_str())
    }

    #[test]
    fn windows_1252_is_decoded_when_not_utf8() {
        let bytes = b"n\xFAmero;per\xEDodo;\x80 5;\x93x\x94";
        assert_eq!(decodificar(bytes), "número;período;€ 5;“x”");
        assert_eq!(decodificar("número".as_bytes()), "número");
        assert_eq!(decodificar(b"\xEF\xBB\xBFtipo"), "tipo");
        assert_eq!(de_cp1252(0x81), '\u{81}');
        assert_eq!(de_cp1252(0x9F), 'Ÿ');
        assert_eq!(de_cp1252(0xE7), 'ç');
    }

    #[test]
    fn quotes_separators_and_line_ends() {
        let texto = "a;b;c\r\n\"x;y\";\"di\"\"z\";\"um\r\ndois\"\n;;\nfim";
        assert_eq!(
            campos(texto),
            [
                (1, vec!["a", "b", "c"]),
                (2, vec!["x;y", "di\"z", "um\ndois"]),
                (4, vec!["", "", ""]),
                (5, vec!["fim"]),
            ]
        );
        assert!(
            registros(texto).unwrap()[2].em_branco(),
            "a row of separators is blank"
        );
        assert_eq!(campos("a;b\n"), [(1, vec!["a", "b"])]);
        assert_eq!(campos(""), Vec::<(usize, Vec<&str>)>::new());
    }

    #[test]
    fn an_open_quote_names_its_line() {
        let e = registros("a\nb;\"c\nd\n").unwrap_err();
        assert_eq!(e.linha, 2);
        assert!(e.motivo.contains("aspas"), "{}", e.motivo);
    }

    #[test]
    fn names_are_compared_without_case_accents_or_punctuation() {
        assert_eq!(normalizar_nome(" Número do Documento "), "numero_documento");
        assert_eq!(normalizar_nome("NUMERO_DOCUMENTO"), "numero_documento");
        assert_eq!(normalizar_nome("PERÍODO"), "periodo");
        assert_eq!(normalizar_nome("código-de barras"), "codigo_barras");
        assert_eq!(normalizar_nome("Data de Arrecadação"), "data_arrecadacao");
        assert_eq!(normalizar_nome("Código da Receita"), "codigo_receita");
        assert_eq!(normalizar_nome("CPF/CNPJ"), "cpf_cnpj");
    }
}
