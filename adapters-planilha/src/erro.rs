//! What can go wrong reading or writing a spreadsheet.

use std::fmt;

/// One problem found in an imported file: where (line and column), what was there and why it
/// was refused, in Brazilian Portuguese.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problema {
    /// The line of the file, counting from 1 (the header is line 1). For a record with a line
    /// break inside quotes, the line it starts on.
    pub linha: usize,
    /// The column as the layout names it (`valor`, `numero_documento`…); empty when the problem
    /// is the whole line or the whole file.
    pub coluna: String,
    /// The value as found in the file (empty when the cell is blank or absent).
    pub valor: String,
    /// Why it was refused.
    pub motivo: String,
}

impl Problema {
    /// A problem in one cell.
    pub(crate) fn celula(
        linha: usize,
        coluna: &str,
        valor: &str,
        motivo: impl Into<String>,
    ) -> Problema {
        Problema {
            linha,
            coluna: coluna.to_owned(),
            valor: valor.trim().to_owned(),
            motivo: motivo.into(),
        }
    }

    /// A problem with a whole line.
    pub(crate) fn linha(linha: usize, motivo: impl Into<String>) -> Problema {
        Problema {
            linha,
            coluna: String::new(),
            valor: String::new(),
            motivo: motivo.into(),
        }
    }
}

impl fmt::Display for Problema {
    /// `linha 3, coluna valor ("12,345"): no máximo duas casas decimais`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "linha {}", self.linha)?;
        if !self.coluna.is_empty() {
            write!(f, ", coluna {}", self.coluna)?;
            if !self.valor.is_empty() {
                write!(f, " (\"{}\")", self.valor)?;
            }
        }
        write!(f, ": {}", self.motivo)
    }
}

/// A file that could not be imported, with **every** problem found, in file order. Nothing is
/// imported when there is any problem.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ErroImportacao {
    /// The problems, by line then column order in the layout. Never empty.
    pub problemas: Vec<Problema>,
}

impl fmt::Display for ErroImportacao {
    /// A summary line, then one line per problem.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problemas.len() {
            1 => write!(f, "1 problema no arquivo; nada foi importado:")?,
            n => write!(f, "{n} problemas no arquivo; nada foi importado:")?,
        }
        for p in &self.problemas {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErroExportacao {
    /// Writing to the destination given by the caller failed.
    #[error("falha ao escrever a planilha: {0}")]
    Escrita(#[source] std::io::Error),
    /// The spreadsheet library refused the workbook (e.g. more rows than a sheet holds).
    #[error("falha ao montar a planilha XLSX: {detalhe}")]
    Xlsx {
        /// The library's message.
        detalhe: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_problem_in_portuguese() {
        let e = ErroImportacao {
            problemas: vec![
                Problema::celula(3, "valor", " 12,345 ", "no máximo duas casas decimais"),
                Problema::celula(4, "codigo_barras", "", "obrigatório"),
                Problema::linha(5, "aspas nunca fechadas"),
            ],
        };
        assert_eq!(
            e.to_string(),
            "3 problemas no arquivo; nada foi importado:\n  \
             linha 3, coluna valor (\"12,345\"): no máximo duas casas decimais\n  \
             linha 4, coluna codigo_barras: obrigatório\n  \
             linha 5: aspas nunca fechadas"
        );
        let um = ErroImportacao {
            problemas: vec![Problema::linha(1, "arquivo vazio")],
        };
        assert!(um.to_string().starts_with("1 problema no arquivo"));
    }

    #[test]
    fn export_errors_say_what_failed() {
        let e = ErroExportacao::Escrita(std::io::Error::other("disco cheio"));
        assert_eq!(e.to_string(), "falha ao escrever a planilha: disco cheio");
    }
}
