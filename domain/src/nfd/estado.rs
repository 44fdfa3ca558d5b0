//! The life of a nota from its reservation in the ledger to its settlement: the states and
//! the transitions the sending flow may record. Pure: the ledger (`guiche-ports`'s
//! `LivroNotas`) enforces this table on every write, by compare-and-set.

/// Where a nota stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Estado {
    /// Number and document recorded; the request never left (its first attempt failed to
    /// connect).
    Reservada,
    /// The request is leaving or left; no answer recorded yet. After a crash this means the
    /// outcome is unknown.
    Enviada,
    /// Issued.
    Aceita {
        /// Authenticity code or print URL; `None` when settled by a "já consta" reply, to be
        /// confirmed by the user.
        codigo: Option<String>,
    },
    /// Refused by the service; its number is free again.
    Recusada {
        /// The service's message.
        mensagem: String,
    },
    /// Sent, outcome unknown (timeout, reset, unreadable reply): must be settled by sending the
    /// same document again before any later number is sent.
    Desconhecida {
        /// What happened.
        motivo: String,
    },
    /// The service already holds this number although guichê never sent it (issued outside
    /// guichê): the number is used, this nota was **not** issued and may be sent again under
    /// the next number.
    Externa {
        /// The service's message.
        mensagem: String,
    },
}

impl Estado {
    /// Settled: accepted, refused, or its number found used outside guichê. A settled nota
    /// never changes state again.
    pub fn resolvido(&self) -> bool {
        matches!(
            self,
            Estado::Aceita { .. } | Estado::Recusada { .. } | Estado::Externa { .. }
        )
    }

    /// Whether the ledger may record `para` over `self`, the state the caller read. The
    /// transitions of a nota:
    ///
    /// - `reservada` → `enviada` (the request is about to leave);
    /// - `enviada` → `aceita`, `recusada`, `externa`, `desconhecida` (the outcome), or back to
    ///   `reservada` when the first attempt provably never left;
    /// - `desconhecida` → `enviada` (sent again to settle it);
    /// - `aceita` without a code → `aceita` with the code (confirmed by a person).
    ///
    /// A person's decision on a nota that may have left (`desconhecida` or `enviada` →
    /// `aceita` or `recusada`) is a person's decision (the ledger's `decidir`), not a transition of the sending flow.
    pub fn pode_passar_a(&self, para: &Estado) -> bool {
        use Estado as E;
        matches!(
            (self, para),
            (E::Reservada | E::Desconhecida { .. }, E::Enviada)
                | (
                    E::Enviada,
                    E::Reservada
                        | E::Aceita { .. }
                        | E::Recusada { .. }
                        | E::Externa { .. }
                        | E::Desconhecida { .. }
                )
                | (E::Aceita { codigo: None }, E::Aceita { codigo: Some(_) })
        )
    }

    /// A short stable name: `reservada`, `enviada`, `aceita`, `recusada`, `desconhecida`,
    /// `externa`.
    pub fn nome(&self) -> &'static str {
        match self {
            Estado::Reservada => "reservada",
            Estado::Enviada => "enviada",
            Estado::Aceita { .. } => "aceita",
            Estado::Recusada { .. } => "recusada",
            Estado::Desconhecida { .. } => "desconhecida",
            Estado::Externa { .. } => "externa",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn estado() -> impl Strategy<Value = Estado> {
        let texto = "[a-z ]{0,8}";
        prop_oneof![
            Just(Estado::Reservada),
            Just(Estado::Enviada),
            proptest::option::of(texto).prop_map(|codigo| Estado::Aceita { codigo }),
            texto.prop_map(|mensagem| Estado::Recusada { mensagem }),
            texto.prop_map(|motivo| Estado::Desconhecida { motivo }),
            texto.prop_map(|mensagem| Estado::Externa { mensagem }),
        ]
    }

    /// The table by names, written out: what the sending flow may record over what.
    fn permitida(de: &Estado, para: &Estado) -> bool {
        match (de.nome(), para.nome()) {
            ("reservada" | "desconhecida", "enviada") => true,
            ("enviada", p) => p != "enviada",
            ("aceita", "aceita") => {
                matches!(de, Estado::Aceita { codigo: None })
                    && matches!(para, Estado::Aceita { codigo: Some(_) })
            }
            _ => false,
        }
    }

    proptest! {
        #[test]
        fn the_transitions_are_the_table(de in estado(), para in estado()) {
            prop_assert_eq!(de.pode_passar_a(&para), permitida(&de, &para), "{:?} -> {:?}", de, para);
        }

        #[test]
        fn a_settled_nota_only_gains_its_code(de in estado(), para in estado()) {
            if de.resolvido() && de.pode_passar_a(&para) {
                let so_o_codigo = matches!(
                    (&de, &para),
                    (Estado::Aceita { codigo: None }, Estado::Aceita { codigo: Some(_) })
                );
                prop_assert!(so_o_codigo, "{:?} -> {:?}", de, para);
            }
        }

        #[test]
        fn nothing_moves_to_itself_but_a_code_confirmed(de in estado()) {
            prop_assert!(!de.pode_passar_a(&de.clone()));
        }
    }

    #[test]
    fn the_names_are_stable() {
        let nomes: Vec<&str> = [
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
        ]
        .iter()
        .map(Estado::nome)
        .collect();
        assert_eq!(
            nomes,
            [
                "reservada",
                "enviada",
                "aceita",
                "recusada",
                "desconhecida",
                "externa"
            ]
        );
    }
}
