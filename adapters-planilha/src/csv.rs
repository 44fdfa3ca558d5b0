//! Writing a report as CSV for Excel pt-BR ([`escrever`]).

use std::io::{self, Write};

use crate::Grupo;
use crate::erro::ErroExportacao;
use crate::relatorio::{self, CABECALHO, Celula};

/// The UTF-8 byte order mark: without it Excel pt-BR reads the file as Windows-1252 and shows
/// `OcorrÃªncia`.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes `grupos` as CSV to `destino`: UTF-8 with BOM, `;` between fields, CRLF at the end of
/// every line, a header row, then one row per occurrence with its group's title in the first
/// column (`Grupo`).
///
/// Money has a decimal comma and two decimals, no thousands separator (`1234,56`); dates are
/// `DD/MM/AAAA`; the document number is masked (`07.20.26145.9307993-6`) so that Excel keeps it
/// as text instead of turning 17 digits into `7,20261E+15`; an absent value is an empty field.
/// A field is quoted only when it holds `;`, `"` or a line break (a `"` inside is doubled).
///
/// # Errors
/// [`ErroExportacao::Escrita`] when `destino` fails.
pub fn escrever(destino: impl Write, grupos: &[Grupo]) -> Result<(), ErroExportacao> {
    escrever_io(destino, grupos).map_err(ErroExportacao::Escrita)
}

fn escrever_io(destino: impl Write, grupos: &[Grupo]) -> io::Result<()> {
    let mut saida = io::BufWriter::new(destino);
    saida.write_all(BOM)?;
    let mut linha = String::new();
    campo(&mut linha, "Grupo");
    for titulo in CABECALHO {
        linha.push(';');
        campo(&mut linha, titulo);
    }
    linha.push_str("\r\n");
    saida.write_all(linha.as_bytes())?;
    for grupo in grupos {
        for l in &grupo.linhas {
            linha.clear();
            campo(&mut linha, &grupo.titulo);
            for c in relatorio::celulas(l) {
                linha.push(';');
                match c {
                    Celula::Texto(t) => campo(&mut linha, t),
                    Celula::Numero(n) => linha.push_str(&n.to_string()),
                    Celula::Valor(v) => linha.push_str(&v.formatar_nfd()),
                    Celula::Data(d) => linha.push_str(&d.to_string()),
                    Celula::Inteiro(i) => linha.push_str(&i.to_string()),
                    Celula::Vazia => {}
                }
            }
            linha.push_str("\r\n");
            saida.write_all(linha.as_bytes())?;
        }
    }
    saida.flush()
}

/// Appends a text field, quoted only when needed.
fn campo(linha: &mut String, texto: &str) {
    if texto.contains([';', '"', '\r', '\n']) {
        linha.push('"');
        linha.push_str(&texto.replace('"', "\"\""));
        linha.push('"');
    } else {
        linha.push_str(texto);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        let mut s = String::new();
        campo(&mut s, "Padaria Pão Quente");
        s.push(';');
        campo(&mut s, "A;B");
        s.push(';');
        campo(&mut s, "o \"bom\"");
        s.push(';');
        campo(&mut s, "um\r\ndois");
        assert_eq!(
            s,
            "Padaria Pão Quente;\"A;B\";\"o \"\"bom\"\"\";\"um\r\ndois\""
        );
    }
}
