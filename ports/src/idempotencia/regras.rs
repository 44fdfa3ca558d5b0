//! The idempotency ledger's rules, the same for every ledger engine: what a request asking for
//! a key gets, given the key's row. Each engine keeps only its SQL and how it makes the read
//! and the write that follows one step for every process.

use std::time::Duration;

use crate::idempotencia::{Reserva, RespostaGuardada};

/// The columns of a row of `idempotencia`, as stored, and its age.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinhaChave {
    /// `impressao`: the fingerprint of the request holding (or that held) the key.
    pub impressao: String,
    /// `estado`: `andamento` or `concluida`.
    pub estado: String,
    /// `status`, once concluded.
    pub status: Option<i64>,
    /// `tipo`, once concluded.
    pub tipo: Option<String>,
    /// `corpo`, once concluded.
    pub corpo: Option<Vec<u8>>,
    /// Seconds since the row was last written (`atualizado_em`), by the database's clock.
    pub idade: i64,
}

/// What to do with a request asking for a key that has a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decisao {
    /// Answer this, writing nothing (the key is in use, or concluded).
    Responder(Reserva),
    /// The key was abandoned (in progress for longer than the grace period): the request takes
    /// it over (the row gets its fingerprint and a new age) and runs: [`Reserva::Nova`].
    Retomar,
}

/// The decision for a request asking for key `chave` whose row is `linha`, with the grace
/// period `abandono` (whole seconds count: a key written less than a second ago is never
/// abandoned, even with a zero grace period).
///
/// # Errors
/// A row this code cannot read (an unknown state, a concluded key without its answer, a status
/// that is no HTTP status), naming the key (for the engine's corrupt-row error).
pub fn decidir(chave: &str, linha: LinhaChave, abandono: Duration) -> Result<Decisao, String> {
    let abandono = i64::try_from(abandono.as_secs()).unwrap_or(i64::MAX);
    match linha {
        LinhaChave {
            impressao,
            estado,
            status: Some(status),
            tipo: Some(tipo),
            corpo: Some(corpo),
            ..
        } if estado == "concluida" => {
            let status = u16::try_from(status)
                .map_err(|_| format!("idempotencia {chave}: status {status}"))?;
            Ok(Decisao::Responder(Reserva::Concluida {
                impressao,
                resposta: RespostaGuardada {
                    status,
                    tipo,
                    corpo,
                },
            }))
        }
        LinhaChave {
            impressao, estado, ..
        } if estado != "andamento" => Err(format!(
            "idempotencia {chave}: estado \"{estado}\" ({impressao})"
        )),
        LinhaChave {
            impressao, idade, ..
        } if idade <= abandono => Ok(Decisao::Responder(Reserva::EmAndamento { impressao })),
        LinhaChave { .. } => Ok(Decisao::Retomar),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn andamento(idade: i64) -> LinhaChave {
        LinhaChave {
            impressao: "a".repeat(64),
            estado: "andamento".into(),
            status: None,
            tipo: None,
            corpo: None,
            idade,
        }
    }

    #[test]
    fn a_key_in_use_waits_until_abandoned() {
        let hora = Duration::from_secs(3600);
        let em_uso = Decisao::Responder(Reserva::EmAndamento {
            impressao: "a".repeat(64),
        });
        assert_eq!(decidir("k", andamento(0), hora), Ok(em_uso.clone()));
        assert_eq!(decidir("k", andamento(3600), hora), Ok(em_uso.clone()));
        assert_eq!(decidir("k", andamento(3601), hora), Ok(Decisao::Retomar));
        assert_eq!(
            decidir("k", andamento(-2), Duration::ZERO),
            Ok(em_uso.clone())
        );
        assert_eq!(decidir("k", andamento(0), Duration::ZERO), Ok(em_uso));
        assert_eq!(
            decidir("k", andamento(1), Duration::ZERO),
            Ok(Decisao::Retomar)
        );
        assert_eq!(
            decidir("k", andamento(i64::MAX), Duration::MAX),
            Ok(Decisao::Responder(Reserva::EmAndamento {
                impressao: "a".repeat(64)
            }))
        );
    }

    #[test]
    fn a_concluded_key_replays_its_answer_however_old() {
        let linha = LinhaChave {
            estado: "concluida".into(),
            status: Some(201),
            tipo: Some("application/json".into()),
            corpo: Some(b"{}".to_vec()),
            ..andamento(1_000_000)
        };
        assert_eq!(
            decidir("k", linha, Duration::ZERO),
            Ok(Decisao::Responder(Reserva::Concluida {
                impressao: "a".repeat(64),
                resposta: RespostaGuardada {
                    status: 201,
                    tipo: "application/json".into(),
                    corpo: b"{}".to_vec(),
                },
            }))
        );
    }

    #[test]
    fn an_unreadable_row_is_named() {
        let sem_corpo = LinhaChave {
            estado: "concluida".into(),
            status: Some(200),
            tipo: Some("t".into()),
            ..andamento(0)
        };
        let e = decidir("k1", sem_corpo, Duration::ZERO).unwrap_err();
        assert!(
            e.contains("idempotencia k1") && e.contains("concluida"),
            "{e}"
        );
        let perdida = LinhaChave {
            estado: "perdida".into(),
            ..andamento(0)
        };
        assert!(
            decidir("k", perdida, Duration::ZERO)
                .unwrap_err()
                .contains("\"perdida\"")
        );
        let status = LinhaChave {
            estado: "concluida".into(),
            status: Some(70_000),
            tipo: Some("t".into()),
            corpo: Some(Vec::new()),
            ..andamento(0)
        };
        assert!(
            decidir("k", status, Duration::ZERO)
                .unwrap_err()
                .contains("status 70000")
        );
    }
}
