//! # guiche-planilha
//!
//! Spreadsheets in and out of the e-CAC reconciliation: DARF/DAS guides ([`guias::ler`]) and
//! payments ([`pagamentos::ler`]) read from the CSV files Brazilian offices keep, and the
//! occurrences found, grouped ([`agrupar`]), written as CSV ([`csv::escrever`]) or as an Excel
//! workbook ([`xlsx::escrever`]). [`PlanilhasEcac`] is all of it as the port
//! [`guiche_ports::ecac::Planilhas`] of the e-CAC application service.
//!
//! Reading is **all or nothing** and reports **every** problem: each one names the line, the
//! column, the value found and the reason, in Brazilian Portuguese ([`ErroImportacao`]). Values
//! are parsed with the domain's own parsers and every guide must pass
//! [`Guia::validar`](guiche_domain::guia::Guia::validar). No network, no async: bytes in,
//! domain types out.
//!
//! ## Example
//!
//! ```
//! use guiche_planilha::guias;
//!
//! let csv = "tipo;numero_documento;contribuinte;periodo;vencimento;valor\r\n\
//!            DAS;07.20.26145.9307993-6;11.222.333/0001-81;01/2026;20/02/2026;1.234,56\r\n";
//! let lidas = guias::ler(csv.as_bytes())?;
//! assert_eq!(lidas.len(), 1);
//! assert_eq!(lidas[0].valor.centavos(), 123_456);
//! assert_eq!(lidas[0].vencimento.to_string(), "20/02/2026");
//!
//! // A wrong file returns every problem and no guide.
//! let ruim = "tipo;numero_documento;contribuinte;periodo;vencimento;valor\n\
//!             GPS;123;11.222.333/0001-81;13/2026;20/02/2026;12,345\n";
//! let erro = guias::ler(ruim.as_bytes()).unwrap_err();
//! let colunas: Vec<_> = erro.problemas.iter().map(|p| (p.linha, p.coluna.as_str())).collect();
//! assert_eq!(colunas, [(2, "tipo"), (2, "numero_documento"), (2, "periodo"), (2, "valor")]);
//! # Ok::<(), guiche_planilha::ErroImportacao>(())
//! ```
//!
//! ## Preparing a CSV file to import
//!
//! Both layouts follow the same rules, which are those of a CSV saved by Excel pt-BR:
//!
//! - **Separator** `;` (ponto e vírgula). A value holding `;`, `"` or a line break goes in
//!   double quotes, with `"` inside written `""`.
//! - **Encoding** UTF-8, with or without BOM, or Windows-1252 (Excel's "CSV (separado por
//!   vírgulas)"): a file that is not valid UTF-8 is read as Windows-1252. Lines end in CRLF or
//!   LF.
//! - **Header**: the first non-blank line names the columns. Names are matched ignoring case,
//!   accents, punctuation and the joining words `de`, `da`, `do`, `das`, `dos`, `e`
//!   (`Número do Documento`, `NUMERO-DOCUMENTO` and `numero_documento` are the same column),
//!   in any order; the accepted alternative names are listed below; other columns are
//!   ignored. A required column missing, or a column given twice, is a problem of the header
//!   line.
//! - **Lines**: blank lines (also `;;;;`) are skipped; line numbers in problems count every
//!   line of the file, header included.
//! - **Money**: decimal comma, at most two decimals, thousands dots optional but then every
//!   three digits: `1234,56`, `1.234,56`, `1234`, `R$ 1.234,56`. A point alone (`1234.56`) is
//!   refused, not guessed.
//! - **Dates**: `DD/MM/AAAA` (`20/02/2026`).
//! - **CPF/CNPJ**: with or without mask (`11.222.333/0001-81` or `11222333000181`), check
//!   digits verified; the alphanumeric CNPJ is accepted.
//! - **Número do documento**: 17 digits, dots, dashes and blanks ignored
//!   (`07.20.26145.9307993-6`).
//! - **Código de receita**: `NNNN` or `NNNN-NN`; one to three digits are padded with zeros
//!   (`190` is `0190`, as Excel drops leading zeros).
//!
//! ### Guides ([`guias::ler`])
//!
//! | column | required | content | also accepted as |
//! |---|---|---|---|
//! | `tipo` | yes | `DARF` or `DAS` | `tipo_guia` (`Tipo de guia`) |
//! | `numero_documento` | yes | 17 digits; unique in the file | `numero` |
//! | `contribuinte` | yes | CPF or CNPJ (a DAS needs a CNPJ) | `cpf_cnpj`, `cnpj_cpf`, `cnpj`, `cpf` |
//! | `codigo_receita` | no | `NNNN` or `NNNN-NN` | `receita` |
//! | `periodo` | yes | `MM/AAAA` or `AAAAMM` (a date `DD/MM/AAAA` gives its month) | `periodo_apuracao` (`Período de apuração`), `competencia` |
//! | `vencimento` | yes | `DD/MM/AAAA`, not before the period | `data_vencimento` (`Data de vencimento`) |
//! | `valor` | yes | money, above zero | `valor_total` |
//! | `codigo_barras` | no | 44 digits or the 48-digit linha digitável; its value must be the guide's | `linha_digitavel` |
//!
//! ### Payments ([`pagamentos::ler`])
//!
//! For companies whose payments are imported by hand (A3 certificate).
//!
//! | column | required | content | also accepted as |
//! |---|---|---|---|
//! | `numero_documento` | yes | 17 digits of the guide paid | `numero` |
//! | `contribuinte` | yes | CPF or CNPJ | `cpf_cnpj`, `cnpj_cpf`, `cnpj`, `cpf` |
//! | `data_arrecadacao` | yes | `DD/MM/AAAA` | `data_pagamento` (`Data do pagamento`) |
//! | `valor` | yes | money, above zero | `valor_total`, `valor_pago` |
//! | `codigo_receita` | no | `NNNN` or `NNNN-NN` | `receita` |
//!
//! Several payments of one number (installments) are fine, and so are two identical lines
//! (same number, contribuinte, date and value): each line is a payment, a double payment
//! then; importing the same file again adds nothing.
//!
//! ## Exported reports
//!
//! [`agrupar`] groups the occurrences by kind or by company. Both exports have these columns,
//! the CSV with `Grupo` (the group's title) first: `Empresa/contribuinte` (masked document and
//! name), `Número do documento`, `Ocorrência`, `Vencimento`, `Valor da guia`, `Valor pago`,
//! `Pago em`, `Dias de atraso`, `Registrada em`. See [`csv::escrever`] and [`xlsx::escrever`]
//! for the exact cell formats.

mod campos;
pub mod consumo_serpro;
pub mod csv;
mod erro;
mod grupos;
pub mod guias;
pub mod pagamentos;
mod relatorio;
mod tabela;
mod texto;
pub mod xlsx;

pub use erro::{ErroExportacao, ErroImportacao, Problema};
pub use grupos::{agrupar, rotulo_empresa};
pub use guiche_domain::conciliacao::Agrupamento;
pub use guiche_ports::ecac::{Grupo, LinhaGrupo};

use guiche_domain::conciliacao::Pagamento;
use guiche_domain::guia::Guia;
use guiche_ports::ecac::{ErroPlanilha, FormatoPlanilha, Planilhas, ProblemaPlanilha};

/// This crate as the port [`Planilhas`] of the e-CAC application service: [`guias::ler`],
/// [`pagamentos::ler`], and [`csv::escrever`] or [`xlsx::escrever`] into bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlanilhasEcac;

impl From<ErroImportacao> for ErroPlanilha {
    fn from(e: ErroImportacao) -> ErroPlanilha {
        ErroPlanilha::Leitura(
            e.problemas
                .into_iter()
                .map(|p| ProblemaPlanilha {
                    linha: p.linha,
                    coluna: p.coluna,
                    valor: p.valor,
                    motivo: p.motivo,
                })
                .collect(),
        )
    }
}

impl Planilhas for PlanilhasEcac {
    fn ler_guias(&self, bytes: &[u8]) -> Result<Vec<Guia>, ErroPlanilha> {
        Ok(guias::ler(bytes)?)
    }

    fn ler_pagamentos(&self, bytes: &[u8]) -> Result<Vec<Pagamento>, ErroPlanilha> {
        Ok(pagamentos::ler(bytes)?)
    }

    fn escrever(
        &self,
        grupos: &[Grupo],
        formato: FormatoPlanilha,
    ) -> Result<Vec<u8>, ErroPlanilha> {
        let mut bytes = Vec::new();
        match formato {
            FormatoPlanilha::Csv => csv::escrever(&mut bytes, grupos),
            FormatoPlanilha::Xlsx => xlsx::escrever(&mut bytes, grupos),
        }
        .map_err(|e| ErroPlanilha::Escrita(e.to_string()))?;
        Ok(bytes)
    }
}
