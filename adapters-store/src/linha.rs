//! A row of `notas` to the port's types: the columns are read here, checked by the rules both
//! engines share ([`guiche_ports::livro::regras::registro`]). A row that does not read back
//! (bad document, date, state or number) is a [`Falha::Linha`] naming its id, never a panic.

use guiche_ports::livro::Registro;
use guiche_ports::livro::regras::{self, Linha};
use rusqlite::Row;

use crate::falha::Falha;

/// The columns [`registro`] reads, in order.
pub(crate) const COLUNAS: &str = "id, prestador, prefeitura, numero, data, conteudo, documento, \
     estado, codigo, mensagem, decidido_por, decidido_em";

/// Reads a row selected with [`COLUNAS`].
pub(crate) fn registro(row: &Row<'_>) -> Result<Registro, Falha> {
    let id: i64 = row.get(0)?;
    let corrompido = |motivo: String| Falha::Linha { id, motivo };
    let coluna = |e: rusqlite::Error| corrompido(format!("{e}"));
    let linha = Linha {
        id,
        prestador: row.get(1).map_err(coluna)?,
        prefeitura: row.get(2).map_err(coluna)?,
        numero: row.get(3).map_err(coluna)?,
        data: row.get(4).map_err(coluna)?,
        conteudo: row.get(5).map_err(coluna)?,
        documento: row.get(6).map_err(coluna)?,
        estado: row.get(7).map_err(coluna)?,
        codigo: row.get(8).map_err(coluna)?,
        mensagem: row.get(9).map_err(coluna)?,
        decidido_por: row.get(10).map_err(coluna)?,
        decidido_em: row.get(11).map_err(coluna)?,
    };
    regras::registro(linha).map_err(corrompido)
}
