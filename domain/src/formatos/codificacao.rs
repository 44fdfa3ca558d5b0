//! From a document's bytes to its text: what Brazilian systems actually write.
//!
//! An XML document is decoded by its declaration (`<?xml … encoding="…"?>`): UTF-8 (the default
//! when nothing is declared), ISO-8859-1 and windows-1252, the default of many legacy invoicing
//! systems. A UTF-8 BOM is accepted. A JSON document is UTF-8 (RFC 8259), BOM accepted. Bytes
//! the declared encoding cannot hold, an encoding we do not read, and a BOM that contradicts the
//! declaration are violations naming the encoding, the byte and where it is; see
//! `docs/decisions/0011-nfd-leitura.md`.

use crate::{Regra, Violacoes};
use std::borrow::Cow;

const BOM_UTF8: &[u8] = b"\xEF\xBB\xBF";

/// The encodings a document may declare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Codificacao {
    Utf8,
    Ascii,
    /// ISO-8859-1 read strictly: each byte is the code point of the same number.
    Latin1,
    /// windows-1252: ISO-8859-1 but for 0x80–0x9F, where it has €, “ ”, –, … (five undefined).
    Windows1252,
}

impl Codificacao {
    /// The encoding a declaration's label names (case-insensitive), when we read it.
    fn do_rotulo(rotulo: &str) -> Option<Codificacao> {
        let r = rotulo.trim().to_ascii_lowercase();
        Some(match r.as_str() {
            "utf-8" | "utf8" => Codificacao::Utf8,
            "us-ascii" | "ascii" => Codificacao::Ascii,
            "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "latin1" | "latin-1" | "l1" => {
                Codificacao::Latin1
            }
            "windows-1252" | "cp1252" | "x-cp1252" => Codificacao::Windows1252,
            _ => return None,
        })
    }

    fn nome(self) -> &'static str {
        match self {
            Codificacao::Utf8 => "UTF-8",
            Codificacao::Ascii => "US-ASCII",
            Codificacao::Latin1 => "ISO-8859-1",
            Codificacao::Windows1252 => "windows-1252",
        }
    }

    /// The text of `bytes`, or the position of the first byte this encoding does not define
    /// (or defines as a control character no nota holds). UTF-8 and ASCII are borrowed.
    fn decodificar(self, bytes: &[u8]) -> Result<Cow<'_, str>, usize> {
        let invalido = |i: Option<usize>| i.map_or(Ok(()), Err);
        match self {
            Codificacao::Utf8 => std::str::from_utf8(bytes)
                .map(Cow::Borrowed)
                .map_err(|e| e.valid_up_to()),
            Codificacao::Ascii => {
                invalido(bytes.iter().position(|b| !b.is_ascii()))?;
                std::str::from_utf8(bytes)
                    .map(Cow::Borrowed)
                    .map_err(|e| e.valid_up_to())
            }
            Codificacao::Latin1 => {
                invalido(bytes.iter().position(|b| (0x80..=0x9F).contains(b)))?;
                Ok(encoding_rs::mem::decode_latin1(bytes))
            }
            Codificacao::Windows1252 => {
                invalido(
                    bytes
                        .iter()
                        .position(|b| matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D)),
                )?;
                Ok(encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(bytes)
                    .0)
            }
        }
    }
}

/// The text of an XML document, decoded by its BOM and declaration; violations name `campo`.
pub(crate) fn texto_xml<'a>(bytes: &'a [u8], campo: &str) -> Result<Cow<'a, str>, Violacoes> {
    let mut erros = Violacoes::default();
    if let Some(utf16) = utf16(bytes) {
        erros.add(
            campo,
            Regra::CodificacaoInvalida,
            "o arquivo está em UTF-16; salve-o em UTF-8, ISO-8859-1 ou windows-1252",
            utf16,
        );
        return Err(erros);
    }
    let (bom, corpo) = match bytes.strip_prefix(BOM_UTF8) {
        Some(corpo) => (true, corpo),
        None => (false, bytes),
    };
    let declarada = rotulo_declarado(corpo).map(|r| String::from_utf8_lossy(r));
    let codificacao = match declarada.as_deref() {
        None => Codificacao::Utf8,
        Some(rotulo) => match Codificacao::do_rotulo(rotulo) {
            Some(c) => c,
            None => {
                erros.add(
                    campo,
                    Regra::CodificacaoInvalida,
                    format!(
                        "codificação declarada desconhecida: \"{rotulo}\" (aceitas: UTF-8, \
                         ISO-8859-1, windows-1252)"
                    ),
                    rotulo,
                );
                return Err(erros);
            }
        },
    };
    if bom && codificacao != Codificacao::Utf8 {
        erros.add(
            campo,
            Regra::CodificacaoInvalida,
            format!(
                "o arquivo começa com a marca de UTF-8 (BOM), mas declara encoding=\"{}\"",
                declarada.as_deref().unwrap_or_default()
            ),
            declarada.as_deref().unwrap_or_default(),
        );
        return Err(erros);
    }
    codificacao.decodificar(corpo).map_err(|i| {
        let byte = corpo.get(i).copied().unwrap_or_default();
        let onde = posicao(corpo, i, bom);
        let mensagem = match (declarada.is_some(), codificacao) {
            (false, _) => format!(
                "sem declaração de codificação o XML é UTF-8, mas o byte 0x{byte:02X} \
                 ({onde}) não é UTF-8; declare a codificação real, por exemplo \
                 <?xml version=\"1.0\" encoding=\"windows-1252\"?>"
            ),
            (true, Codificacao::Latin1) => format!(
                "em ISO-8859-1 o byte 0x{byte:02X} ({onde}) é um caractere de controle; o \
                 arquivo parece estar em windows-1252 (€, aspas curvas, travessão): corrija a \
                 declaração"
            ),
            (true, c) => format!(
                "a declaração diz {}, mas o byte 0x{byte:02X} ({onde}) não existe nessa \
                 codificação; corrija a declaração",
                c.nome()
            ),
        };
        erros.add(
            campo,
            Regra::CodificacaoInvalida,
            mensagem,
            codificacao.nome(),
        );
        erros
    })
}

/// The text of a JSON document: UTF-8, a BOM accepted; violations name `campo`.
pub(crate) fn texto_json<'a>(bytes: &'a [u8], campo: &str) -> Result<&'a str, Violacoes> {
    let mut erros = Violacoes::default();
    if let Some(utf16) = utf16(bytes) {
        erros.add(
            campo,
            Regra::CodificacaoInvalida,
            "o arquivo está em UTF-16; JSON deve estar em UTF-8",
            utf16,
        );
        return Err(erros);
    }
    let (bom, corpo) = match bytes.strip_prefix(BOM_UTF8) {
        Some(corpo) => (true, corpo),
        None => (false, bytes),
    };
    std::str::from_utf8(corpo).map_err(|e| {
        let i = e.valid_up_to();
        let byte = corpo.get(i).copied().unwrap_or_default();
        erros.add(
            campo,
            Regra::CodificacaoInvalida,
            format!(
                "JSON deve estar em UTF-8, mas o byte 0x{byte:02X} ({}) não é UTF-8; converta \
                 o arquivo, por exemplo com iconv -f windows-1252 -t UTF-8",
                posicao(corpo, i, bom)
            ),
            "UTF-8",
        );
        erros
    })
}

/// `UTF-16LE`/`UTF-16BE` when the bytes start with that BOM.
fn utf16(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, ..] => Some("UTF-16LE"),
        [0xFE, 0xFF, ..] => Some("UTF-16BE"),
        _ => None,
    }
}

/// "linha L, byte N" of byte `i` of `corpo` (N counted in the file, BOM included), for users.
fn posicao(corpo: &[u8], i: usize, bom: bool) -> String {
    let linha = 1 + corpo.iter().take(i).filter(|&&b| b == b'\n').count();
    let byte = i + 1 + if bom { BOM_UTF8.len() } else { 0 };
    format!("linha {linha}, byte {byte}")
}

/// The `encoding` of the XML declaration that opens `corpo`, as written; `None` without a
/// declaration or without that attribute (a malformed declaration is left to the XML reader).
fn rotulo_declarado(corpo: &[u8]) -> Option<&[u8]> {
    let resto = corpo.strip_prefix(b"<?xml")?;
    if !resto.first().is_some_and(u8::is_ascii_whitespace) {
        return None;
    }
    // A declaration is short; a document without its end is malformed anyway.
    let decl = &resto[..resto.len().min(1024)];
    let decl = &decl[..decl.windows(2).position(|w| w == b"?>")?];
    let inicio = decl
        .windows(9)
        .position(|w| w[0].is_ascii_whitespace() && &w[1..] == b"encoding")?;
    let depois = aparar(&decl[inicio + 9..]);
    let depois = aparar(depois.strip_prefix(b"=")?);
    let (&aspa, valor) = depois.split_first()?;
    if aspa != b'"' && aspa != b'\'' {
        return None;
    }
    let fim = valor.iter().position(|&b| b == aspa)?;
    Some(&valor[..fim])
}

fn aparar(b: &[u8]) -> &[u8] {
    let i = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn erro(r: Result<Cow<'_, str>, Violacoes>) -> String {
        let v = r.unwrap_err();
        assert!(v.contem("NOTA", Regra::CodificacaoInvalida), "{v:?}");
        v.iter()
            .map(|x| format!("{} [{}]", x.mensagem, x.valor))
            .collect()
    }

    #[test]
    fn the_declaration_is_read_with_either_quote_and_spacing() {
        let d = |s: &'static [u8]| rotulo_declarado(s);
        assert_eq!(
            d(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>"),
            Some(&b"ISO-8859-1"[..])
        );
        assert_eq!(
            d(b"<?xml version='1.0' encoding = 'cp1252' ?>"),
            Some(&b"cp1252"[..])
        );
        assert_eq!(d(b"<?xml version=\"1.0\"?><encoding/>"), None);
        assert_eq!(d(b"<NOTA encoding=\"x\"/>"), None);
        assert_eq!(d(b"<?xml-stylesheet encoding=\"x\"?>"), None);
        assert_eq!(d(b"<?xml version=\"1.0\" encoding=\"x\""), None);
    }

    #[test]
    fn windows_1252_is_not_latin_1_between_0x80_and_0x9f() {
        let cp =
            b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><A>\x80 \x93x\x94 \x96 \x85</A>";
        assert_eq!(
            texto_xml(cp, "NOTA").unwrap(),
            "<?xml version=\"1.0\" encoding=\"windows-1252\"?><A>€ “x” – …</A>"
        );
        let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><A>\xe7\xe3o \xa9</A>";
        assert_eq!(
            texto_xml(latin, "NOTA").unwrap(),
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><A>ção ©</A>"
        );
    }

    #[test]
    fn a_lying_or_unknown_declaration_is_a_violation_naming_the_encoding() {
        let m = erro(texto_xml(
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<A>\x93</A>",
            "NOTA",
        ));
        assert!(
            m.contains("0x93") && m.contains("linha 2") && m.contains("windows-1252"),
            "{m}"
        );
        let m = erro(texto_xml(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><A>\xe7</A>",
            "NOTA",
        ));
        assert!(m.contains("UTF-8") && m.contains("0xE7"), "{m}");
        let m = erro(texto_xml(b"<A>\xe7</A>", "NOTA"));
        assert!(m.contains("sem declaração") && m.contains("byte 4"), "{m}");
        let m = erro(texto_xml(
            b"<?xml version=\"1.0\" encoding=\"EBCDIC\"?><A/>",
            "NOTA",
        ));
        assert!(m.contains("desconhecida") && m.contains("[EBCDIC]"), "{m}");
        let m = erro(texto_xml(
            b"<?xml version=\"1.0\" encoding=\"cp1252\"?><A>\x81</A>",
            "NOTA",
        ));
        assert!(m.contains("windows-1252") && m.contains("0x81"), "{m}");
        let m = erro(texto_xml(
            b"<?xml version=\"1.0\" encoding=\"us-ascii\"?><A>\xe7</A>",
            "NOTA",
        ));
        assert!(m.contains("US-ASCII"), "{m}");
        let m = erro(texto_xml(
            b"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"latin1\"?><A/>",
            "NOTA",
        ));
        assert!(m.contains("BOM") && m.contains("latin1"), "{m}");
        let m = erro(texto_xml(b"\xff\xfe<\x00", "NOTA"));
        assert!(m.contains("UTF-16"), "{m}");
    }

    #[test]
    fn a_utf8_bom_is_skipped_and_json_is_utf8() {
        assert_eq!(
            texto_xml(b"\xef\xbb\xbf<A>\xc3\xa7</A>", "NOTA").unwrap(),
            "<A>ç</A>"
        );
        assert_eq!(texto_json(b"\xef\xbb\xbf{}", "NOTA").unwrap(), "{}");
        let v = texto_json(b"\xef\xbb\xbf{\"A\": \"\xe7\"}", "NOTA").unwrap_err();
        let m = &v.iter().next().unwrap().mensagem;
        assert!(m.contains("0xE7") && m.contains("byte 11"), "{m}");
    }
}
