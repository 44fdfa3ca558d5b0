//! The columns of an exported report, shared by the CSV and XLSX writers: one typed cell per
//! column, so each writer decides only how a kind of cell is written.

use guiche_domain::guia::NumeroDocumento;
use guiche_domain::{Data, Valor};

use crate::LinhaGrupo;

/// The report's column titles (the CSV adds `Grupo` before them).
pub(crate) const CABECALHO: [&str; 9] = [
    "Empresa/contribuinte",
    "Número do documento",
    "Ocorrência",
    "Vencimento",
    "Valor da guia",
    "Valor pago",
    "Pago em",
    "Dias de atraso",
    "Registrada em",
];

/// One cell, typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Celula<'a> {
    /// Text.
    Texto(&'a str),
    /// A document number.
    Numero(NumeroDocumento),
    /// Money.
    Valor(Valor),
    /// A date.
    Data(Data),
    /// A whole number.
    Inteiro(i64),
    /// Nothing (the finding has no such value).
    Vazia,
}

/// The cells of a row, in [`CABECALHO`] order.
pub(crate) fn celulas(linha: &LinhaGrupo) -> [Celula<'_>; 9] {
    let a = &linha.ocorrencia.achado;
    [
        Celula::Texto(&linha.empresa),
        Celula::Numero(a.numero),
        Celula::Texto(&a.descricao),
        a.vencimento.map_or(Celula::Vazia, Celula::Data),
        a.valor_guia.map_or(Celula::Vazia, Celula::Valor),
        a.valor_pago.map_or(Celula::Vazia, Celula::Valor),
        a.pago_em.map_or(Celula::Vazia, Celula::Data),
        a.dias_atraso.map_or(Celula::Vazia, Celula::Inteiro),
        Celula::Data(linha.ocorrencia.registrada_em),
    ]
}
