//! How occurrences are shown: grouped for a report ([`agrupar`], by kind or by company, in the
//! order that puts what needs action first) and the delay of a guide still open counted up to
//! the day it is shown ([`atraso_ate`]).
//!
//! Pure rules over what a kept occurrence says (its code, contribuinte, number, key and due
//! date), whatever type holds it: the ledger's occurrence implements [`Agrupavel`].

use std::collections::BTreeMap;

use crate::conciliacao::TipoOcorrencia;
use crate::data::Data;
use crate::documento::Documento;
use crate::guia::NumeroDocumento;
use crate::valor::Valor;

/// How to group occurrences for a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Agrupamento {
    /// One group per kind of occurrence (vencida, paga…), most urgent first.
    Ocorrencia,
    /// One group per company (contribuinte), by document.
    Empresa,
}

impl Agrupamento {
    /// Reads `ocorrencia` (or `ocorrência`) and `empresa`, ignoring case and blanks around.
    pub fn parse(texto: &str) -> Option<Agrupamento> {
        match texto.trim().to_lowercase().as_str() {
            "ocorrencia" | "ocorrência" => Some(Agrupamento::Ocorrencia),
            "empresa" => Some(Agrupamento::Empresa),
            _ => None,
        }
    }
}

/// What grouping needs to know of a kept occurrence.
pub trait Agrupavel {
    /// The guide's or payment's contribuinte.
    fn contribuinte(&self) -> Documento;
    /// The document number.
    fn numero(&self) -> NumeroDocumento;
    /// The kind's code ([`TipoOcorrencia::codigo`]).
    fn codigo(&self) -> &str;
    /// The occurrence's identity across reconciliations (ties between equal numbers).
    fn chave(&self) -> &str;
}

/// The kinds in report order: what needs action first.
const ORDEM: [TipoOcorrencia; 8] = [
    TipoOcorrencia::Vencida { dias_atraso: 0 },
    TipoOcorrencia::PagaParcialmente {
        valor_guia: Valor::ZERO,
        valor_pago: Valor::ZERO,
    },
    TipoOcorrencia::PagaValorDivergente {
        valor_guia: Valor::ZERO,
        valor_pago: Valor::ZERO,
        em_atraso: false,
    },
    TipoOcorrencia::PagaEmAtraso { dias_atraso: 0 },
    TipoOcorrencia::PagamentoSemGuia,
    TipoOcorrencia::EmAberto,
    TipoOcorrencia::Paga,
    TipoOcorrencia::GuiaDuplicada { primeira: 0 },
];

/// The position of a kind's code in report order (vencida first, guia duplicada last); a code
/// this crate does not know comes after every known one.
pub fn posicao_no_relatorio(codigo: &str) -> usize {
    ORDEM
        .iter()
        .position(|t| t.codigo() == codigo)
        .unwrap_or(ORDEM.len())
}

/// Groups `itens` for a report; each group is non-empty and holds references into `itens`.
///
/// - [`Agrupamento::Ocorrencia`]: one group per kind, in report order
///   ([`posicao_no_relatorio`]; unknown codes last, by code); rows by contribuinte, then
///   document number, then key.
/// - [`Agrupamento::Empresa`]: one group per contribuinte, by document (CPFs, then CNPJs, each
///   by number); rows in report order of their kind, then by document number, then key.
pub fn agrupar<T: Agrupavel>(itens: &[T], por: Agrupamento) -> Vec<Vec<&T>> {
    match por {
        Agrupamento::Ocorrencia => {
            let mut grupos: BTreeMap<(usize, &str), Vec<&T>> = BTreeMap::new();
            for o in itens {
                let codigo = o.codigo();
                grupos
                    .entry((posicao_no_relatorio(codigo), codigo))
                    .or_default()
                    .push(o);
            }
            grupos
                .into_values()
                .map(|mut os| {
                    os.sort_by(|a, b| {
                        (a.contribuinte(), a.numero(), a.chave()).cmp(&(
                            b.contribuinte(),
                            b.numero(),
                            b.chave(),
                        ))
                    });
                    os
                })
                .collect()
        }
        Agrupamento::Empresa => {
            let mut grupos: BTreeMap<Documento, Vec<&T>> = BTreeMap::new();
            for o in itens {
                grupos.entry(o.contribuinte()).or_default().push(o);
            }
            grupos
                .into_values()
                .map(|mut os| {
                    os.sort_by(|a, b| {
                        (posicao_no_relatorio(a.codigo()), a.numero(), a.chave()).cmp(&(
                            posicao_no_relatorio(b.codigo()),
                            b.numero(),
                            b.chave(),
                        ))
                    });
                    os
                })
                .collect()
        }
    }
}

/// The delay to show on `hoje` for an occurrence of kind `codigo` whose guide fell due on
/// `vencimento`, when it differs from the one kept: a guide still open past its due date grows
/// late every day, so its delay is counted when shown, never kept (an unchanged overdue guide
/// must not make a new occurrence each day).
///
/// - `vencida`: the days from the due date to `hoje`;
/// - `paga_parcialmente`: the same, once the due date has passed (before, `None`);
/// - any other kind, or no due date: `None` (the kept delay stands: a paid guide's delay was
///   fixed by its payment).
pub fn atraso_ate(codigo: &str, vencimento: Option<Data>, hoje: Data) -> Option<i64> {
    let dias = hoje.dias_desde_epoca() - vencimento?.dias_desde_epoca();
    let vencida = TipoOcorrencia::Vencida { dias_atraso: 0 }.codigo();
    let parcial = TipoOcorrencia::PagaParcialmente {
        valor_guia: Valor::ZERO,
        valor_pago: Valor::ZERO,
    }
    .codigo();
    if codigo == vencida || (codigo == parcial && dias > 0) {
        Some(dias)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Item {
        contribuinte: Documento,
        numero: NumeroDocumento,
        codigo: &'static str,
        chave: String,
    }

    impl Agrupavel for Item {
        fn contribuinte(&self) -> Documento {
            self.contribuinte
        }
        fn numero(&self) -> NumeroDocumento {
            self.numero
        }
        fn codigo(&self) -> &str {
            self.codigo
        }
        fn chave(&self) -> &str {
            &self.chave
        }
    }

    const DOCUMENTOS: [&str; 3] = ["11444777000161", "11222333000181", "52998224725"];
    const CODIGOS: [&str; 9] = [
        "paga",
        "paga_em_atraso",
        "paga_valor_divergente",
        "paga_parcialmente",
        "pagamento_sem_guia",
        "em_aberto",
        "vencida",
        "guia_duplicada",
        "codigo_futuro",
    ];

    fn item(doc: usize, numero: u64, codigo: usize) -> Item {
        Item {
            contribuinte: Documento::parse(DOCUMENTOS[doc]).unwrap(),
            numero: NumeroDocumento::from_u64(numero).unwrap(),
            codigo: CODIGOS[codigo],
            chave: format!("guia:{numero}"),
        }
    }

    fn d(texto: &str) -> Data {
        Data::parse_iso(texto).unwrap()
    }

    #[test]
    fn by_kind_puts_what_needs_action_first_and_unknown_codes_last() {
        let itens = [
            item(0, 3, 0), // paga
            item(0, 2, 8), // codigo_futuro
            item(1, 1, 6), // vencida
            item(0, 1, 6), // vencida
            item(0, 4, 3), // paga_parcialmente
        ];
        let grupos = agrupar(&itens, Agrupamento::Ocorrencia);
        let codigos: Vec<&str> = grupos.iter().map(|g| g[0].codigo).collect();
        assert_eq!(
            codigos,
            ["vencida", "paga_parcialmente", "paga", "codigo_futuro"]
        );
        // The CNPJ 11.222… sorts before 11.444…
        assert_eq!(grupos[0][0].contribuinte.as_str(), "11222333000181");
    }

    #[test]
    fn by_company_orders_documents_then_kinds() {
        let itens = [item(0, 1, 0), item(2, 1, 5), item(0, 2, 6), item(1, 1, 0)];
        let grupos = agrupar(&itens, Agrupamento::Empresa);
        let titulos: Vec<&str> = grupos.iter().map(|g| g[0].contribuinte.as_str()).collect();
        assert_eq!(
            titulos,
            ["52998224725", "11222333000181", "11444777000161"],
            "CPFs, then CNPJs"
        );
        let dentro: Vec<&str> = grupos[2].iter().map(|i| i.codigo).collect();
        assert_eq!(dentro, ["vencida", "paga"]);
    }

    #[test]
    fn the_grouping_words_are_read() {
        assert_eq!(
            Agrupamento::parse(" Ocorrência "),
            Some(Agrupamento::Ocorrencia)
        );
        assert_eq!(Agrupamento::parse("EMPRESA"), Some(Agrupamento::Empresa));
        assert_eq!(Agrupamento::parse("mes"), None);
    }

    #[test]
    fn an_open_guide_is_late_as_of_the_day_shown() {
        let venc = Some(d("2026-10-20"));
        assert_eq!(atraso_ate("vencida", venc, d("2026-11-22")), Some(33));
        assert_eq!(
            atraso_ate("paga_parcialmente", venc, d("2026-10-22")),
            Some(2)
        );
        assert_eq!(
            atraso_ate("paga_parcialmente", venc, d("2026-10-20")),
            None,
            "não venceu ainda"
        );
        assert_eq!(atraso_ate("paga_em_atraso", venc, d("2026-11-22")), None);
        assert_eq!(
            atraso_ate("pagamento_sem_guia", None, d("2026-11-22")),
            None
        );
    }

    proptest! {
        /// Grouping loses nothing and adds nothing, every group is non-empty and of one kind
        /// (or one company), and no group is repeated.
        #[test]
        fn grouping_is_a_partition(
            cru in proptest::collection::vec((0usize..3, 1u64..50, 0usize..9), 0..40),
            por_empresa in any::<bool>(),
        ) {
            let itens: Vec<Item> = cru.iter().map(|&(d, n, c)| item(d, n, c)).collect();
            let por = if por_empresa { Agrupamento::Empresa } else { Agrupamento::Ocorrencia };
            let grupos = agrupar(&itens, por);
            prop_assert_eq!(grupos.iter().map(Vec::len).sum::<usize>(), itens.len());
            let mut vistos = std::collections::HashSet::new();
            for g in &grupos {
                prop_assert!(!g.is_empty());
                let rotulo = |i: &Item| if por_empresa {
                    i.contribuinte.as_str().to_owned()
                } else {
                    i.codigo.to_owned()
                };
                let primeiro = rotulo(g[0]);
                prop_assert!(g.iter().all(|i| rotulo(i) == primeiro));
                prop_assert!(vistos.insert(primeiro));
            }
            // Kinds come in report order.
            if !por_empresa {
                let posicoes: Vec<usize> =
                    grupos.iter().map(|g| posicao_no_relatorio(g[0].codigo)).collect();
                prop_assert!(posicoes.windows(2).all(|w| w[0] <= w[1]));
            }
        }

        /// The delay shown grows one day a day for an overdue guide and is never negative for
        /// a partly paid one.
        #[test]
        fn the_delay_shown_follows_the_calendar(dias in 0i64..2_000, mais in 1i64..400) {
            let venc = d("2026-01-01");
            let hoje = venc.mais_dias(dias).unwrap();
            let depois = hoje.mais_dias(mais).unwrap();
            prop_assert_eq!(atraso_ate("vencida", Some(venc), hoje), Some(dias));
            prop_assert_eq!(
                atraso_ate("vencida", Some(venc), depois),
                Some(dias + mais)
            );
            let parcial = atraso_ate("paga_parcialmente", Some(venc), hoje);
            prop_assert_eq!(parcial, (dias > 0).then_some(dias));
            prop_assert_eq!(atraso_ate("paga", Some(venc), depois), None);
        }
    }
}
