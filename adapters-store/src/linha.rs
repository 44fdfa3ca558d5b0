//! A row of `notas` to and from the port's types. A row that does not read back (bad
//! document, date, state or number) is a [`Falha::Linha`] naming its id, never a panic.

use guiche_domain::{Data, Documento};
use guiche_ports::livro::{Decisao, Estado, Registro, Sequencia};
use rusqlite::Row;

use crate::falha::Falha;

/// The columns [`registro`] reads, in order.
pub(crate) const COLUNAS: &str = "id, prestador, prefeitura, numero, data, conteudo, documento, \
     estado, codigo, mensagem, decidido_por, decidido_em";

/// The state's columns: (`estado`, `codigo`, `mensagem`).
pub(crate) fn colunas_do_estado(estado: &Estado) -> (&'static str, Option<&str>, Option<&str>) {
    let (codigo, mensagem) = match estado {
        Estado::Reservada | Estado::Enviada => (None, None),
        Estado::Aceita { codigo } => (codigo.as_deref(), None),
        Estado::Recusada { mensagem } => (None, Some(mensagem.as_str())),
        Estado::Desconhecida { motivo } => (None, Some(motivo.as_str())),
        Estado::Externa { mensagem } => (None, Some(mensagem.as_str())),
    };
    (estado.nome(), codigo, mensagem)
}

/// The stable name of a stored state, as [`Estado::nome`] gives it.
pub(crate) fn nome_do_estado(texto: &str) -> Option<&'static str> {
    [
        "reservada",
        "enviada",
        "aceita",
        "recusada",
        "desconhecida",
        "externa",
    ]
    .into_iter()
    .find(|n| *n == texto)
}

/// Reads a row selected with [`COLUNAS`].
pub(crate) fn registro(row: &Row<'_>) -> Result<Registro, Falha> {
    let id: i64 = row.get(0)?;
    let corrompido = |motivo: String| Falha::Linha { id, motivo };
    let campo = |i: usize| -> Result<String, Falha> {
        row.get(i)
            .map_err(|e| corrompido(format!("coluna {i}: {e}")))
    };
    let prestador = campo(1)?;
    let numero: i64 = row.get(3).map_err(|e| corrompido(format!("numero: {e}")))?;
    let data = campo(4)?;
    let estado = estado(row).map_err(corrompido)?;
    let por: Option<String> = row
        .get(10)
        .map_err(|e| corrompido(format!("decidido_por: {e}")))?;
    let em: Option<i64> = row
        .get(11)
        .map_err(|e| corrompido(format!("decidido_em: {e}")))?;
    Ok(Registro {
        id,
        sequencia: Sequencia {
            prestador: Documento::parse(&prestador)
                .map_err(|e| corrompido(format!("prestador '{prestador}': {e}")))?,
            prefeitura: campo(2)?,
        },
        numero: u64::try_from(numero).map_err(|_| corrompido(format!("numero {numero}")))?,
        data: Data::parse_iso(&data).map_err(|e| corrompido(format!("data '{data}': {e}")))?,
        conteudo: campo(5)?,
        documento: campo(6)?,
        estado,
        decisao: por.map(|por| Decisao {
            por,
            em: em.unwrap_or_default(),
        }),
    })
}

/// The state from columns 7–9.
fn estado(row: &Row<'_>) -> Result<Estado, String> {
    let texto = |i: usize| row.get::<_, Option<String>>(i).map_err(|e| e.to_string());
    let (nome, codigo, mensagem) = (texto(7)?, texto(8)?, texto(9)?);
    let exige = |m: Option<String>| m.ok_or_else(|| "estado sem mensagem".to_owned());
    Ok(match nome.as_deref() {
        Some("reservada") => Estado::Reservada,
        Some("enviada") => Estado::Enviada,
        Some("aceita") => Estado::Aceita { codigo },
        Some("recusada") => Estado::Recusada {
            mensagem: exige(mensagem)?,
        },
        Some("desconhecida") => Estado::Desconhecida {
            motivo: exige(mensagem)?,
        },
        Some("externa") => Estado::Externa {
            mensagem: exige(mensagem)?,
        },
        outro => return Err(format!("estado desconhecido {outro:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_name_is_known() {
        let todos = [
            Estado::Reservada,
            Estado::Enviada,
            Estado::Aceita { codigo: None },
            Estado::Recusada {
                mensagem: String::new(),
            },
            Estado::Desconhecida {
                motivo: String::new(),
            },
            Estado::Externa {
                mensagem: String::new(),
            },
        ];
        for e in todos {
            assert_eq!(nome_do_estado(e.nome()), Some(e.nome()));
        }
        assert_eq!(nome_do_estado("perdida"), None);
    }
}
