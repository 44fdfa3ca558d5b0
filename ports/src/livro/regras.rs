//! The ledger of notas' rules that do not depend on the engine: how a state is stored and read
//! back, which number a reservation takes, and which state changes are allowed. Every engine
//! (SQLite in `guiche-store`, PostgreSQL in `guiche-postgres`) reads what it needs with its own
//! SQL and asks these functions, so the two cannot drift.
//!
//! A row's columns are the same in every engine: `estado` (the state's name), `codigo` (an
//! accepted nota's code) and `mensagem` (a refusal's message, an unknown outcome's reason, a
//! number used outside's message).

use guiche_domain::{Data, Documento};

use super::{Decisao, ErroLivro, Estado, Pedido, Registro, Sequencia};

/// Every state's stored name, as [`Estado::nome`] gives it.
const NOMES: [&str; 6] = [
    "reservada",
    "enviada",
    "aceita",
    "recusada",
    "desconhecida",
    "externa",
];

/// The state's columns: (`estado`, `codigo`, `mensagem`).
pub fn colunas_do_estado(estado: &Estado) -> (&'static str, Option<&str>, Option<&str>) {
    let (codigo, mensagem) = match estado {
        Estado::Reservada | Estado::Enviada => (None, None),
        Estado::Aceita { codigo } => (codigo.as_deref(), None),
        Estado::Recusada { mensagem } => (None, Some(mensagem.as_str())),
        Estado::Desconhecida { motivo } => (None, Some(motivo.as_str())),
        Estado::Externa { mensagem } => (None, Some(mensagem.as_str())),
    };
    (estado.nome(), codigo, mensagem)
}

/// The stable name of a stored state, as [`Estado::nome`] gives it; `None` for a name no
/// state has.
pub fn nome_do_estado(texto: &str) -> Option<&'static str> {
    NOMES.into_iter().find(|n| *n == texto)
}

/// The stored name of a row's state, or why it is not one (for the engine's error naming the
/// row).
///
/// # Errors
/// `estado desconhecido "…"` when no state has that name.
pub fn estado_guardado(texto: &str) -> Result<&'static str, String> {
    nome_do_estado(texto).ok_or_else(|| format!("estado desconhecido {texto:?}"))
}

/// The state stored in the columns (`estado`, `codigo`, `mensagem`): the inverse of
/// [`colunas_do_estado`].
///
/// # Errors
/// What is wrong (an unknown name, a state that needs a message without one), for the
/// engine's error naming the row.
pub fn estado_das_colunas(
    nome: Option<&str>,
    codigo: Option<String>,
    mensagem: Option<String>,
) -> Result<Estado, String> {
    let exige = |m: Option<String>| m.ok_or_else(|| "estado sem mensagem".to_owned());
    Ok(match nome {
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
        Some(outro) => return Err(format!("estado desconhecido {outro:?}")),
        None => return Err("estado ausente (NULL)".to_owned()),
    })
}

/// A row of `notas` as the engine read it, before it is checked into a [`Registro`].
#[derive(Clone, Debug, Default)]
pub struct Linha {
    /// `id`.
    pub id: i64,
    /// `prestador` (the document, bare).
    pub prestador: String,
    /// `prefeitura`.
    pub prefeitura: String,
    /// `numero`.
    pub numero: i64,
    /// `data` (`AAAA-MM-DD`).
    pub data: String,
    /// `conteudo`.
    pub conteudo: String,
    /// `documento`.
    pub documento: String,
    /// `estado`.
    pub estado: Option<String>,
    /// `codigo`.
    pub codigo: Option<String>,
    /// `mensagem`.
    pub mensagem: Option<String>,
    /// `decidido_por`.
    pub decidido_por: Option<String>,
    /// `decidido_em` (unix seconds).
    pub decidido_em: Option<i64>,
}

/// The [`Registro`] a row holds.
///
/// # Errors
/// What is wrong with the row (its document, number, date or state, naming the column and the
/// value found), for the engine's error naming the row's id.
pub fn registro(linha: Linha) -> Result<Registro, String> {
    let Linha {
        id,
        prestador,
        prefeitura,
        numero,
        data,
        conteudo,
        documento,
        estado,
        codigo,
        mensagem,
        decidido_por,
        decidido_em,
    } = linha;
    let estado = estado_das_colunas(estado.as_deref(), codigo, mensagem)?;
    Ok(Registro {
        id,
        sequencia: Sequencia {
            prestador: Documento::parse(&prestador)
                .map_err(|e| format!("prestador '{prestador}': {e}"))?,
            prefeitura,
        },
        numero: u64::try_from(numero)
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("numero {numero}"))?,
        data: Data::parse_iso(&data).map_err(|e| format!("data '{data}': {e}"))?,
        conteudo,
        documento,
        estado,
        decisao: decidido_por.map(|por| Decisao {
            por,
            em: decidido_em.unwrap_or_default(),
        }),
    })
}

/// The record a reservation made: row `id`, number `numero`, the document built for it, marked
/// [`Estado::Enviada`] (see [`LivroNotas::reservar`](super::LivroNotas::reservar)).
pub fn reservado(id: i64, pedido: Pedido<'_>, numero: u64, documento: String) -> Registro {
    Registro {
        id,
        sequencia: pedido.sequencia.clone(),
        numero,
        data: pedido.data,
        conteudo: pedido.conteudo.to_owned(),
        documento,
        estado: Estado::Enviada,
        decisao: None,
    }
}

/// Refuses a reservation while a nota of the sequence is unsettled: `primeira` is the
/// unsettled one with the lowest number (its number and stored state), if any.
///
/// # Errors
/// [`ErroLivro::Pendente`] naming it.
pub fn sem_pendentes(primeira: Option<(i64, &str)>) -> Result<(), ErroLivro> {
    let Some((numero, estado)) = primeira else {
        return Ok(());
    };
    Err(ErroLivro::Pendente {
        numero: u64::try_from(numero).unwrap_or_default(),
        estado: nome_do_estado(estado).unwrap_or("desconhecida"),
    })
}

/// Refuses a date before the last live nota's (`ultima`, as stored). The domain checks it
/// before the reservation too; checked again inside it, this closes the gap against another
/// process reserving in between. A stored date that does not read is left to the row's reader
/// to report.
///
/// # Errors
/// [`ErroLivro::DataAnterior`].
pub fn data_em_ordem(ultima: Option<&str>, data: Data) -> Result<(), ErroLivro> {
    match ultima.and_then(|u| Data::parse_iso(u).ok()) {
        Some(ultima) if data < ultima => Err(ErroLivro::DataAnterior { data, ultima }),
        _ => Ok(()),
    }
}

/// The number to reserve, from the highest number a live nota of the sequence holds and the
/// number asked for: the one after the highest, which `pedido` must match if given; for a
/// sequence with no live nota, the one asked for (the service's sequence may have begun
/// elsewhere) or 1. Always at least 1.
///
/// # Errors
/// [`ErroLivro::ForaDeSequencia`] (as `E`) when `pedido` is not that number; `esgotada` when the
/// sequence reached the largest number a ledger holds (`i64::MAX`).
pub fn numero_a_reservar<E: From<ErroLivro>>(
    maior_vivo: Option<i64>,
    pedido: Option<u64>,
    esgotada: E,
) -> Result<i64, E> {
    let proximo = match maior_vivo {
        Some(maior) => match maior.max(0).checked_add(1) {
            Some(p) => p,
            None => return Err(esgotada),
        },
        None => pedido
            .and_then(|n| i64::try_from(n).ok())
            .filter(|n| *n >= 1)
            .unwrap_or(1),
    };
    match pedido {
        Some(n) if i64::try_from(n).ok() != Some(proximo) => Err(ErroLivro::ForaDeSequencia {
            pedido: n,
            proximo: proximo.unsigned_abs(),
        }
        .into()),
        _ => Ok(proximo),
    }
}

/// Whether a stored state (by name, and whether it has a code) is `estado` as far as the
/// transitions go: the same name, and for an accepted nota the same presence of a code.
fn e_o_estado(nome: &str, tem_codigo: bool, estado: &Estado) -> bool {
    match estado {
        Estado::Aceita { codigo } => nome == "aceita" && tem_codigo == codigo.is_some(),
        outro => nome == outro.nome(),
    }
}

/// Whether [`LivroNotas::registrar`](super::LivroNotas::registrar) may record `para` over row
/// `id`, read by the caller in state `de` and stored now as `atual` (a name from
/// [`nome_do_estado`]) with or without a code: only a row still in `de`, along the transitions
/// of [`Estado::pode_passar_a`]; a settled row never changes, except that an accepted nota
/// without a code may receive its code.
///
/// # Errors
/// [`ErroLivro::JaResolvida`] for a settled row, [`ErroLivro::EstadoMudou`] for a row no
/// longer in `de` or a change that is not a transition.
pub fn pode_registrar(
    id: i64,
    atual: &'static str,
    tem_codigo: bool,
    de: &Estado,
    para: &Estado,
) -> Result<(), ErroLivro> {
    let livre_de_codigo = atual == "aceita" && !tem_codigo;
    if matches!(atual, "aceita" | "recusada" | "externa") && !livre_de_codigo {
        return Err(ErroLivro::JaResolvida {
            id,
            de: atual,
            para: para.nome(),
        });
    }
    if !e_o_estado(atual, tem_codigo, de) || !de.pode_passar_a(para) {
        return Err(ErroLivro::EstadoMudou {
            id,
            esperado: de.nome(),
            encontrado: atual,
            para: para.nome(),
        });
    }
    Ok(())
}

/// Whether [`LivroNotas::decidir`](super::LivroNotas::decidir) may record a person's decision
/// `para` over row `id`, stored now as `atual` with or without a code: a nota that may have
/// left and whose outcome is unknown (`enviada`, `desconhecida`) becomes accepted or refused;
/// an accepted nota without a code receives one.
///
/// # Errors
/// [`ErroLivro::SemDecisao`] for anything else.
pub fn pode_decidir(
    id: i64,
    atual: &'static str,
    tem_codigo: bool,
    para: &Estado,
) -> Result<(), ErroLivro> {
    let pode = match (atual, para) {
        ("enviada" | "desconhecida", Estado::Aceita { .. } | Estado::Recusada { .. }) => true,
        ("aceita", Estado::Aceita { codigo: Some(_) }) => !tem_codigo,
        _ => false,
    };
    if pode {
        Ok(())
    } else {
        Err(ErroLivro::SemDecisao { id, estado: atual })
    }
}

/// A state change asked of the ledger: by the sending flow, from the state the caller read
/// ([`LivroNotas::registrar`](super::LivroNotas::registrar)), or by a person
/// ([`LivroNotas::decidir`](super::LivroNotas::decidir)).
#[derive(Clone, Copy, Debug)]
pub enum Mudanca<'a> {
    /// The flow, from the state the caller read.
    Fluxo {
        /// The state read.
        de: &'a Estado,
    },
    /// A person's decision.
    Decisao {
        /// Who decided.
        por: &'a str,
    },
}

impl Mudanca<'_> {
    /// Who decided, for the row's `decidido_por` (and `decidido_em` set now); `None` for the
    /// flow, which keeps an earlier decision's.
    pub fn por(&self) -> Option<&str> {
        match self {
            Mudanca::Fluxo { .. } => None,
            Mudanca::Decisao { por } => Some(por),
        }
    }

    /// Whether this change may write `para` over row `id`, stored now as `atual` (a name from
    /// [`nome_do_estado`]) with or without a code: [`pode_registrar`] or [`pode_decidir`].
    ///
    /// # Errors
    /// Theirs.
    pub fn permitida(
        &self,
        id: i64,
        atual: &'static str,
        tem_codigo: bool,
        para: &Estado,
    ) -> Result<(), ErroLivro> {
        match self {
            Mudanca::Fluxo { de } => pode_registrar(id, atual, tem_codigo, de, para),
            Mudanca::Decisao { .. } => pode_decidir(id, atual, tem_codigo, para),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    fn estado() -> impl Strategy<Value = Estado> {
        let texto = "[a-zç ]{0,8}";
        prop_oneof![
            Just(Estado::Reservada),
            Just(Estado::Enviada),
            proptest::option::of(texto).prop_map(|codigo| Estado::Aceita { codigo }),
            texto.prop_map(|mensagem| Estado::Recusada { mensagem }),
            texto.prop_map(|motivo| Estado::Desconhecida { motivo }),
            texto.prop_map(|mensagem| Estado::Externa { mensagem }),
        ]
    }

    /// The stored name and whether a code is stored, as an engine reads them back.
    fn guardado(e: &Estado) -> (&'static str, bool) {
        let (nome, codigo, _) = colunas_do_estado(e);
        (nome_do_estado(nome).unwrap(), codigo.is_some())
    }

    fn linha() -> Linha {
        Linha {
            id: 7,
            prestador: "11222333000181".into(),
            prefeitura: "0044".into(),
            numero: 3,
            data: "2026-07-20".into(),
            conteudo: "c".into(),
            documento: "<NOTA/>".into(),
            estado: Some("enviada".into()),
            ..Linha::default()
        }
    }

    proptest! {
        #[test]
        fn a_state_reads_back_from_its_columns(e in estado()) {
            let (nome, codigo, mensagem) = colunas_do_estado(&e);
            let lido = estado_das_colunas(
                Some(nome),
                codigo.map(str::to_owned),
                mensagem.map(str::to_owned),
            );
            prop_assert_eq!(lido, Ok(e.clone()));
            prop_assert_eq!(nome_do_estado(nome), Some(e.nome()));
            prop_assert_eq!(estado_guardado(nome), Ok(e.nome()));
        }

        #[test]
        fn registrar_follows_the_transitions_from_the_state_still_stored(
            guardado_ in estado(), de in estado(), para in estado(),
        ) {
            let (atual, tem_codigo) = guardado(&guardado_);
            let r = pode_registrar(1, atual, tem_codigo, &de, &para);
            let resolvida = guardado_.resolvido()
                && guardado_ != (Estado::Aceita { codigo: None });
            let mesmo = guardado(&de) == (atual, tem_codigo);
            match r {
                Ok(()) => {
                    prop_assert!(!resolvida && mesmo && de.pode_passar_a(&para));
                }
                Err(ErroLivro::JaResolvida { de: d, para: p, .. }) => {
                    prop_assert!(resolvida);
                    prop_assert_eq!((d, p), (atual, para.nome()));
                }
                Err(ErroLivro::EstadoMudou { esperado, encontrado, para: p, .. }) => {
                    let permitida = mesmo && de.pode_passar_a(&para);
                    prop_assert!(!resolvida && !permitida);
                    prop_assert_eq!((esperado, encontrado, p), (de.nome(), atual, para.nome()));
                }
                Err(outro) => prop_assert!(false, "{outro:?}"),
            }
        }

        #[test]
        fn a_decision_only_settles_an_unknown_outcome_or_gives_a_code(
            guardado_ in estado(), para in estado(),
        ) {
            let (atual, tem_codigo) = guardado(&guardado_);
            let pode = pode_decidir(1, atual, tem_codigo, &para).is_ok();
            let incerta = matches!(guardado_, Estado::Enviada | Estado::Desconhecida { .. });
            let decisao = matches!(para, Estado::Aceita { .. } | Estado::Recusada { .. });
            let codigo = guardado_ == (Estado::Aceita { codigo: None })
                && matches!(para, Estado::Aceita { codigo: Some(_) });
            prop_assert_eq!(pode, (incerta && decisao) || codigo);
        }

        #[test]
        fn the_number_reserved_follows_the_highest_live_one(
            maior in proptest::option::of(0i64..1_000_000),
            pedido in proptest::option::of(0u64..1_000_010),
        ) {
            let r: Result<i64, ErroLivro> = numero_a_reservar(maior, pedido, ErroLivro::NaoEncontrado(0));
            let proximo = match (maior, pedido) {
                (Some(m), _) => m + 1,
                (None, Some(p)) if p >= 1 => i64::try_from(p).unwrap(),
                (None, _) => 1,
            };
            match (r, pedido) {
                (Ok(n), None) => prop_assert_eq!(n, proximo),
                (Ok(n), Some(p)) => prop_assert_eq!((n, i64::try_from(p).unwrap()), (proximo, proximo)),
                (Err(ErroLivro::ForaDeSequencia { pedido: p, proximo: q }), Some(pedido)) => {
                    prop_assert_eq!(p, pedido);
                    prop_assert_eq!(q, proximo.unsigned_abs());
                    prop_assert_ne!(i64::try_from(p).ok(), Some(proximo));
                }
                (outro, _) => prop_assert!(false, "{outro:?}"),
            }
        }
    }

    #[test]
    fn a_change_names_who_decided_and_follows_its_rule() {
        let de = Estado::Enviada;
        let fluxo = Mudanca::Fluxo { de: &de };
        let decisao = Mudanca::Decisao { por: "maria" };
        assert_eq!((fluxo.por(), decisao.por()), (None, Some("maria")));
        let reservada = Estado::Reservada;
        assert!(fluxo.permitida(1, "enviada", false, &reservada).is_ok());
        assert!(decisao.permitida(1, "enviada", false, &reservada).is_err());
        let aceita = Estado::Aceita { codigo: None };
        assert!(decisao.permitida(1, "desconhecida", false, &aceita).is_ok());
        assert!(fluxo.permitida(1, "desconhecida", false, &aceita).is_err());
    }

    #[test]
    fn every_state_name_is_known_and_no_other() {
        for nome in NOMES {
            assert_eq!(nome_do_estado(nome), Some(nome));
        }
        assert_eq!(nome_do_estado("perdida"), None);
        assert_eq!(
            estado_guardado("perdida"),
            Err("estado desconhecido \"perdida\"".to_owned())
        );
    }

    #[test]
    fn a_state_that_needs_a_message_without_one_is_named() {
        for nome in ["recusada", "desconhecida", "externa"] {
            assert_eq!(
                estado_das_colunas(Some(nome), None, None),
                Err("estado sem mensagem".to_owned())
            );
        }
        let e = estado_das_colunas(None, None, None).unwrap_err();
        assert!(e.contains("estado ausente"), "{e}");
    }

    #[test]
    fn a_sequence_exhausted_is_told_apart_from_a_number_out_of_sequence() {
        let esgotada = || ErroLivro::NaoEncontrado(-1);
        let e = numero_a_reservar(Some(i64::MAX), None, esgotada()).unwrap_err();
        assert!(matches!(e, ErroLivro::NaoEncontrado(-1)), "{e:?}");
        assert_eq!(
            numero_a_reservar::<ErroLivro>(Some(i64::MAX - 1), None, ErroLivro::NaoEncontrado(0))
                .unwrap(),
            i64::MAX
        );
        // A request beyond what a ledger holds, on a new sequence: starts at 1 and says so.
        let e = numero_a_reservar(None, Some(u64::MAX), ErroLivro::NaoEncontrado(0)).unwrap_err();
        assert!(
            matches!(
                e,
                ErroLivro::ForaDeSequencia {
                    pedido: u64::MAX,
                    proximo: 1
                }
            ),
            "{e:?}"
        );
        let e = numero_a_reservar(None, Some(0), ErroLivro::NaoEncontrado(0)).unwrap_err();
        assert!(
            matches!(
                e,
                ErroLivro::ForaDeSequencia {
                    pedido: 0,
                    proximo: 1
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn a_pending_nota_is_named_and_none_lets_the_reservation_go() {
        assert!(sem_pendentes(None).is_ok());
        let e = sem_pendentes(Some((4, "desconhecida"))).unwrap_err();
        assert!(
            matches!(
                e,
                ErroLivro::Pendente {
                    numero: 4,
                    estado: "desconhecida"
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn a_date_may_repeat_the_last_but_not_go_before_it() {
        let dia = Data::new(2026, 7, 20).unwrap();
        assert!(data_em_ordem(None, dia).is_ok());
        assert!(data_em_ordem(Some("2026-07-20"), dia).is_ok());
        assert!(data_em_ordem(Some("2026-07-19"), dia).is_ok());
        let e = data_em_ordem(Some("2026-07-21"), dia).unwrap_err();
        assert!(matches!(e, ErroLivro::DataAnterior { .. }), "{e:?}");
        // Unreadable: the row's reader reports it, not the reservation.
        assert!(data_em_ordem(Some("21/07/2026"), dia).is_ok());
    }

    #[test]
    fn a_row_reads_into_its_record() {
        let mut l = linha();
        l.estado = Some("aceita".into());
        l.codigo = Some("ABC".into());
        l.decidido_por = Some("maria".into());
        l.decidido_em = Some(1_700_000_000);
        let r = registro(l).unwrap();
        assert_eq!(r.sequencia.prestador.as_str(), "11222333000181");
        assert_eq!((r.id, r.numero, r.data.iso()), (7, 3, "2026-07-20".into()));
        assert_eq!(
            r.estado,
            Estado::Aceita {
                codigo: Some("ABC".into())
            }
        );
        assert_eq!(
            r.decisao,
            Some(Decisao {
                por: "maria".into(),
                em: 1_700_000_000
            })
        );
    }

    #[test]
    fn a_bad_row_names_the_column_and_the_value() {
        type Estrago = fn(&mut Linha);
        let casos: [(Estrago, &str); 5] = [
            (|l| l.prestador = "123".into(), "prestador '123'"),
            (|l| l.numero = 0, "numero 0"),
            (|l| l.numero = -5, "numero -5"),
            (|l| l.data = "31/02/2026".into(), "data '31/02/2026'"),
            (
                |l| l.estado = Some("perdida".into()),
                "estado desconhecido \"perdida\"",
            ),
        ];
        for (estragar, esperado) in casos {
            let mut l = linha();
            estragar(&mut l);
            let e = registro(l).unwrap_err();
            assert!(e.contains(esperado), "{e} ~ {esperado}");
        }
    }
}

/// The message for a row of `notas` that does not read back (`motivo` says what is wrong).
pub fn motivo_linha(id: i64, motivo: &str) -> String {
    format!(
        "o registro {id} está corrompido ({motivo}); \
         corrija-o ou restaure uma cópia de segurança do livro"
    )
}

/// The message for a ledger at schema version `banco` when this code knows up to `codigo`
/// (a negative version: not a guichê ledger at all).
pub fn motivo_versao(banco: i64, codigo: i64) -> String {
    if banco < 0 {
        return format!("versão de esquema inválida ({banco}); isto não é um livro do guichê");
    }
    format!(
        "o livro está na versão {banco} do esquema, mas este guichê conhece só até a versão \
         {codigo}; atualize o guichê"
    )
}

#[cfg(test)]
mod testes_de_motivo {
    use super::*;

    #[test]
    fn a_version_too_new_names_both_and_says_what_to_do() {
        let m = motivo_versao(12, 11);
        assert!(m.contains("versão 12") && m.contains("versão 11") && m.contains("atualize"));
        assert!(motivo_versao(-1, 11).contains("isto não é um livro do guichê"));
        assert!(motivo_linha(7, "numero -1").contains("registro 7 está corrompido (numero -1)"));
    }
}
