//! The ledger's rules for CONAM packages ([`LivroPacotes`](super::LivroPacotes)), the same for
//! every engine (`guiche-store` on SQLite, `guiche-postgres` on PostgreSQL): how a situation is
//! stored and read back, which `idPacote` a ledger holds, and which change a recorded package
//! admits. Each engine keeps only its SQL around these functions.
//!
//! The stored columns are `situacao` (`aguardando`, `aprovado`, `rejeitado`, or NULL while the
//! outcome of a send is unknown), `codigo` and `mensagem` (a rejection's, both required).

use crate::contabil::{RegistroPacote, SituacaoPacote};
use crate::livro::ErroLivro;

/// The name [`ErroLivro::JaResolvida`] gives a send.
pub const ENVIO: &str = "enviada";

/// The stored name of a situation: `aguardando`, `aprovado`, `rejeitado`.
pub fn nome(situacao: &SituacaoPacote) -> &'static str {
    match situacao {
        SituacaoPacote::Aguardando => "aguardando",
        SituacaoPacote::Aprovado => "aprovado",
        SituacaoPacote::Rejeitado { .. } => "rejeitado",
    }
}

/// The columns a situation is stored in: (`situacao`, `codigo`, `mensagem`).
pub fn colunas(situacao: &SituacaoPacote) -> (&'static str, Option<&str>, Option<&str>) {
    match situacao {
        SituacaoPacote::Rejeitado { codigo, mensagem } => (
            nome(situacao),
            Some(codigo.as_str()),
            Some(mensagem.as_str()),
        ),
        SituacaoPacote::Aguardando | SituacaoPacote::Aprovado => (nome(situacao), None, None),
    }
}

/// The situation read back from its columns; `None` while the outcome is unknown (`situacao`
/// NULL).
///
/// # Errors
/// What is wrong with the columns (an unknown name, a rejection without its code or message),
/// for the engine's corrupt-row error.
pub fn ler_situacao(
    situacao: Option<&str>,
    codigo: Option<String>,
    mensagem: Option<String>,
) -> Result<Option<SituacaoPacote>, String> {
    Ok(Some(match situacao {
        None => return Ok(None),
        Some("aguardando") => SituacaoPacote::Aguardando,
        Some("aprovado") => SituacaoPacote::Aprovado,
        Some("rejeitado") => match (codigo, mensagem) {
            (Some(codigo), Some(mensagem)) => SituacaoPacote::Rejeitado { codigo, mensagem },
            _ => return Err("rejeitado sem código ou mensagem".to_owned()),
        },
        Some(outro) => return Err(format!("situação desconhecida '{outro}'")),
    }))
}

/// The columns of a row of `pacotes` a record is read from, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinhaPacote {
    /// `servico` (empty for a row kept from before the ledger knew URLs).
    pub servico: String,
    /// `entidade`.
    pub entidade: String,
    /// `documento`.
    pub documento: String,
    /// `situacao`.
    pub situacao: Option<String>,
    /// `codigo`.
    pub codigo: Option<String>,
    /// `mensagem`.
    pub mensagem: Option<String>,
}

/// The record of package `id` (at least 1, as [`id_guardado`] gives it) read back from its row.
///
/// # Errors
/// As [`ler_situacao`], the motivo given by [`corrompido`].
pub fn registro(id: i64, linha: LinhaPacote) -> Result<RegistroPacote, String> {
    let situacao = ler_situacao(linha.situacao.as_deref(), linha.codigo, linha.mensagem)
        .map_err(|m| corrompido(id, m))?;
    Ok(RegistroPacote {
        servico: linha.servico,
        id_pacote: id.unsigned_abs(),
        entidade: linha.entidade,
        documento: linha.documento,
        situacao,
    })
}

/// The motivo of a corrupt row of `pacotes`: `pacote {id}: {motivo}`.
pub fn corrompido(id: i64, motivo: impl std::fmt::Display) -> String {
    format!("pacote {id}: {motivo}")
}

/// `id_pacote` as a ledger stores it: `1..=i64::MAX`.
///
/// # Errors
/// Any other id, named, with the range (the motivo of an [`ErroLivro::Armazenamento`]).
pub fn id_guardado(id_pacote: u64) -> Result<i64, String> {
    i64::try_from(id_pacote)
        .ok()
        .filter(|id| *id >= 1)
        .ok_or_else(|| {
            format!(
                "o idPacote {id_pacote} está fora do intervalo que o livro guarda (1 a {})",
                i64::MAX
            )
        })
}

/// Whether package `id`, as recorded (`atual`: its situation, `None` while unknown), may be
/// sent again: only while not evaluated.
///
/// # Errors
/// [`ErroLivro::JaResolvida`] for an approved or rejected package.
pub fn envio(id: i64, atual: Option<&SituacaoPacote>) -> Result<(), ErroLivro> {
    aberto(id, atual, ENVIO)
}

/// What recording `nova`, learned from a send, does to package `id` recorded as `atual`
/// (`None`: no such package; `Some(None)`: outcome unknown): `true` when the row must be
/// written, `false` for the very same evaluation read again (a no-op).
///
/// # Errors
/// [`ErroLivro::NaoEncontrado`], and [`ErroLivro::JaResolvida`] for any other situation over
/// an evaluated package.
pub fn atualizacao(
    id: i64,
    atual: Option<Option<SituacaoPacote>>,
    nova: &SituacaoPacote,
) -> Result<bool, ErroLivro> {
    let Some(atual) = atual else {
        return Err(ErroLivro::NaoEncontrado(id));
    };
    if atual.as_ref() == Some(nova) && nova.avaliado() {
        return Ok(false);
    }
    aberto(id, atual.as_ref(), nome(nova))?;
    Ok(true)
}

/// What the service's status query changes in package `id`, recorded as `atual`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conciliacao {
    /// The situation the ledger held (`None`: unknown), returned to the caller.
    pub antes: Option<SituacaoPacote>,
    /// Whether the row must be written (the service says something else).
    pub gravar: bool,
}

/// Recording what the service's status query says (`nova`) of package `id`, recorded as
/// `atual` (`None`: no such package): the service's word governs, even over an evaluation.
///
/// # Errors
/// [`ErroLivro::NaoEncontrado`].
pub fn conciliacao(
    id: i64,
    atual: Option<Option<SituacaoPacote>>,
    nova: &SituacaoPacote,
) -> Result<Conciliacao, ErroLivro> {
    let Some(antes) = atual else {
        return Err(ErroLivro::NaoEncontrado(id));
    };
    let gravar = antes.as_ref() != Some(nova);
    Ok(Conciliacao { antes, gravar })
}

/// Refuses to change an approved or rejected package into `para`.
fn aberto(id: i64, atual: Option<&SituacaoPacote>, para: &'static str) -> Result<(), ErroLivro> {
    match atual {
        Some(de) if de.avaliado() => Err(ErroLivro::JaResolvida {
            id,
            de: nome(de),
            para,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejeitado() -> SituacaoPacote {
        SituacaoPacote::Rejeitado {
            codigo: "0".to_owned(),
            mensagem: "Conta inválida".to_owned(),
        }
    }

    fn todas() -> [SituacaoPacote; 3] {
        [
            SituacaoPacote::Aguardando,
            SituacaoPacote::Aprovado,
            rejeitado(),
        ]
    }

    #[test]
    fn every_situation_reads_back_from_its_columns() {
        for s in todas() {
            let (n, c, m) = colunas(&s);
            let lida = ler_situacao(Some(n), c.map(str::to_owned), m.map(str::to_owned));
            assert_eq!(lida, Ok(Some(s)));
        }
        assert_eq!(ler_situacao(None, None, None), Ok(None));
    }

    #[test]
    fn a_row_reads_back_as_a_record() {
        let linha = LinhaPacote {
            servico: "https://conam.test/a".into(),
            entidade: "0044".into(),
            documento: "{}".into(),
            situacao: Some("rejeitado".into()),
            codigo: Some("0".into()),
            mensagem: Some("Conta inválida".into()),
        };
        let r = registro(9, linha.clone()).unwrap();
        assert_eq!(
            (
                r.servico.as_str(),
                r.id_pacote,
                r.entidade.as_str(),
                r.situacao
            ),
            ("https://conam.test/a", 9, "0044", Some(rejeitado()))
        );
        let sem_codigo = LinhaPacote {
            codigo: None,
            ..linha
        };
        assert_eq!(
            registro(9, sem_codigo).unwrap_err(),
            "pacote 9: rejeitado sem código ou mensagem"
        );
    }

    #[test]
    fn corrupt_columns_are_named() {
        let e = ler_situacao(Some("perdido"), None, None).unwrap_err();
        assert!(e.contains("'perdido'"), "{e}");
        for (c, m) in [(None, Some("m")), (Some("0"), None), (None, None)] {
            let e = ler_situacao(
                Some("rejeitado"),
                c.map(str::to_owned),
                m.map(str::to_owned),
            )
            .unwrap_err();
            assert!(e.contains("sem código ou mensagem"), "{e}");
        }
        assert_eq!(corrompido(7, "x"), "pacote 7: x");
    }

    #[test]
    fn ids_outside_the_stored_range_are_refused_by_name() {
        assert_eq!(id_guardado(1), Ok(1));
        assert_eq!(id_guardado(i64::MAX.unsigned_abs()), Ok(i64::MAX));
        for id in [0, i64::MAX.unsigned_abs() + 1, u64::MAX] {
            let e = id_guardado(id).unwrap_err();
            assert!(e.contains(&format!("idPacote {id} ")), "{e}");
        }
    }

    #[test]
    fn only_an_unevaluated_package_is_sent_again() {
        assert!(envio(1, None).is_ok());
        assert!(envio(1, Some(&SituacaoPacote::Aguardando)).is_ok());
        for (s, de) in [
            (SituacaoPacote::Aprovado, "aprovado"),
            (rejeitado(), "rejeitado"),
        ] {
            let e = envio(3, Some(&s)).unwrap_err();
            assert!(
                matches!(e, ErroLivro::JaResolvida { id: 3, de: d, para: "enviada" } if d == de),
                "{e:?}"
            );
        }
    }

    #[test]
    fn an_evaluation_stays_and_reading_it_again_writes_nothing() {
        assert!(matches!(
            atualizacao(4, None, &SituacaoPacote::Aprovado),
            Err(ErroLivro::NaoEncontrado(4))
        ));
        for nova in todas() {
            assert_eq!(atualizacao(1, Some(None), &nova).ok(), Some(true));
            assert_eq!(
                atualizacao(1, Some(Some(SituacaoPacote::Aguardando)), &nova).ok(),
                Some(true)
            );
        }
        for avaliada in [SituacaoPacote::Aprovado, rejeitado()] {
            for nova in todas() {
                let r = atualizacao(2, Some(Some(avaliada.clone())), &nova);
                if nova == avaliada {
                    assert_eq!(r.ok(), Some(false), "{nova:?}");
                } else {
                    assert!(
                        matches!(r, Err(ErroLivro::JaResolvida { id: 2, para, .. }) if para == nome(&nova)),
                        "{nova:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_services_word_governs_and_the_old_situation_is_returned() {
        assert!(matches!(
            conciliacao(5, None, &SituacaoPacote::Aprovado),
            Err(ErroLivro::NaoEncontrado(5))
        ));
        let c = conciliacao(5, Some(Some(rejeitado())), &SituacaoPacote::Aprovado).unwrap();
        assert_eq!(
            c,
            Conciliacao {
                antes: Some(rejeitado()),
                gravar: true
            }
        );
        let c = conciliacao(5, Some(Some(rejeitado())), &rejeitado()).unwrap();
        assert!(!c.gravar);
        assert!(
            conciliacao(5, Some(None), &SituacaoPacote::Aguardando)
                .unwrap()
                .gravar
        );
    }
}
