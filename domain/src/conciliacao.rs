//! Reconciliation of issued guides ([`Guia`]) against payments found by Integra Contador
//! (PAGTOWEB `PAGAMENTOS71`), as a pure function: [`conciliar`].
//!
//! No I/O and no clock: "today" is a parameter. The result is one [`Ocorrencia`] per guide, in
//! guide order, followed by one per payment that matches no guide, in payment order. Occurrences
//! refer to guides and payments by their index in the input slices; a single payment index is
//! stored inline ([`IndicesPagamentos`]), so the usual item costs no heap allocation.
//!
//! How kept occurrences are shown (grouped for a report, the delay of an open guide as of the
//! day shown) is in [`relatorio`].

pub mod relatorio;

pub use relatorio::{Agrupamento, Agrupavel, agrupar, atraso_ate, posicao_no_relatorio};

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::data::Data;
use crate::documento::Documento;
use crate::guia::{CodigoReceita, Guia, NumeroDocumento};
use crate::valor::Valor;

/// A payment as PAGTOWEB `PAGAMENTOS71` reports it, in domain terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pagamento {
    /// `numeroDocumento`: the guide's 17-digit number.
    pub numero: NumeroDocumento,
    /// `dataArrecadacao`: the accounting date of the payment.
    pub data_arrecadacao: Data,
    /// `valorTotal`: the amount paid.
    pub valor_total: Valor,
    /// `receitaPrincipal.codigo` (with `extensaoReceita`), when reported.
    pub codigo_receita: Option<CodigoReceita>,
    /// The taxpayer the query was scoped to.
    pub contribuinte: Documento,
}

/// The ordinal of each payment among the identical ones up to it in one fetch, from 1.
///
/// Two payments are identical when contribuinte, number, `dataArrecadacao` and value are equal:
/// PAGTOWEB gives a payment no identifier of its own, and a real double payment (the same
/// guide paid twice on one day) looks exactly like one payment read twice. Within one fetch
/// (one answer of the source, or one imported file) each line is a payment, so identical ones
/// are told apart by their ordinal: the first is 1, the second 2… A payment's identity is then
/// (contribuinte, number, date, value, ordinal), and it survives being fetched again: a later
/// fetch whose window covers that day returns the same identical payments, which get the same
/// ordinals whatever their order, so they map onto the same identities and nothing is counted
/// twice; a fetch that finds one more identical payment than before adds exactly that one.
///
/// The result has one ordinal per payment, in input order.
pub fn ordinais(pagamentos: &[Pagamento]) -> Vec<u32> {
    let mut vistos: HashMap<(Documento, NumeroDocumento, Data, Valor), u32> =
        HashMap::with_capacity(pagamentos.len());
    pagamentos
        .iter()
        .map(|p| {
            let chave = (p.contribuinte, p.numero, p.data_arrecadacao, p.valor_total);
            let n = vistos.entry(chave).or_insert(0);
            // A fetch holds far fewer than u32::MAX payments.
            *n = n.saturating_add(1);
            *n
        })
        .collect()
}

/// What reconciliation found for one guide or one unmatched payment.
///
/// Precedence for a guide with payments: a total below the guide's value is
/// [`TipoOcorrencia::PagaParcialmente`] (the guide stays open for the difference); a total
/// above it is [`TipoOcorrencia::PagaValorDivergente`] even when also late (then `em_atraso` is
/// true); otherwise a late payment is [`TipoOcorrencia::PagaEmAtraso`]; otherwise
/// [`TipoOcorrencia::Paga`]. A guide is paid late when its *last* payment's
/// `data_arrecadacao` is after `vencimento`. Only a total of at least the guide's value settles
/// it ([`TipoOcorrencia::paga`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TipoOcorrencia {
    /// Paid in full (the sum of its payments equals the guide's value), on or before the due
    /// date.
    Paga,
    /// Paid in full, but the last payment came after the due date.
    PagaEmAtraso {
        /// Days between the due date and the last payment (at least 1).
        dias_atraso: i64,
    },
    /// Paid in full and more: the sum of its payments is above the guide's value (a double
    /// payment, say). The guide is settled; the excess is for a person to claim back.
    PagaValorDivergente {
        /// The guide's value.
        valor_guia: Valor,
        /// The sum of the payments (more than `valor_guia`).
        valor_pago: Valor,
        /// Whether the last payment came after the due date too.
        em_atraso: bool,
    },
    /// Paid in part: the sum of its payments is above zero but below the guide's value. The
    /// guide stays open for the difference ([`TipoOcorrencia::falta`]); later payments that
    /// add up to its value settle it.
    PagaParcialmente {
        /// The guide's value.
        valor_guia: Valor,
        /// The sum of the payments so far (less than `valor_guia`).
        valor_pago: Valor,
    },
    /// A payment whose number matches no guide (one occurrence per payment).
    PagamentoSemGuia,
    /// Unpaid and not yet due (`vencimento` is today or later).
    EmAberto,
    /// Unpaid and past due (`vencimento` before today).
    Vencida {
        /// Days from the due date to today (at least 1).
        dias_atraso: i64,
    },
    /// A guide whose number already appeared in an earlier guide of the input. Payments of that
    /// number go to the first guide only; this one receives none.
    GuiaDuplicada {
        /// Index of the first guide with the same number.
        primeira: usize,
    },
}

impl TipoOcorrencia {
    /// A short label in Brazilian Portuguese, for the user.
    pub fn descricao(&self) -> &'static str {
        match self {
            TipoOcorrencia::Paga => "Paga",
            TipoOcorrencia::PagaEmAtraso { .. } => "Paga em atraso",
            TipoOcorrencia::PagaValorDivergente { .. } => "Paga com valor divergente",
            TipoOcorrencia::PagaParcialmente { .. } => "Paga parcialmente",
            TipoOcorrencia::PagamentoSemGuia => "Pagamento sem guia correspondente",
            TipoOcorrencia::EmAberto => "Em aberto",
            TipoOcorrencia::Vencida { .. } => "Vencida",
            TipoOcorrencia::GuiaDuplicada { .. } => "Guia duplicada",
        }
    }

    /// A stable machine code (`paga`, `paga_em_atraso`…) for `--json` output and the ledger.
    pub fn codigo(&self) -> &'static str {
        match self {
            TipoOcorrencia::Paga => "paga",
            TipoOcorrencia::PagaEmAtraso { .. } => "paga_em_atraso",
            TipoOcorrencia::PagaValorDivergente { .. } => "paga_valor_divergente",
            TipoOcorrencia::PagaParcialmente { .. } => "paga_parcialmente",
            TipoOcorrencia::PagamentoSemGuia => "pagamento_sem_guia",
            TipoOcorrencia::EmAberto => "em_aberto",
            TipoOcorrencia::Vencida { .. } => "vencida",
            TipoOcorrencia::GuiaDuplicada { .. } => "guia_duplicada",
        }
    }

    /// True when the guide is paid in full (on time, late or with more than its value): it is
    /// to be settled (baixa). A partial payment ([`TipoOcorrencia::PagaParcialmente`]) is not.
    pub fn paga(&self) -> bool {
        matches!(
            self,
            TipoOcorrencia::Paga
                | TipoOcorrencia::PagaEmAtraso { .. }
                | TipoOcorrencia::PagaValorDivergente { .. }
        )
    }

    /// What is still missing of a partially paid guide (its value minus the sum paid); `None`
    /// for every other kind.
    pub fn falta(&self) -> Option<Valor> {
        match *self {
            TipoOcorrencia::PagaParcialmente {
                valor_guia,
                valor_pago,
            } => Some(valor_guia - valor_pago),
            _ => None,
        }
    }
}

/// The payment indices of an occurrence; derefs to `[usize]`.
///
/// None or one index is stored inline, so the usual occurrence costs no heap allocation; two or
/// more are boxed.
#[derive(Clone, Default)]
pub struct IndicesPagamentos(Repr);

#[derive(Clone, Default)]
enum Repr {
    #[default]
    Nenhum,
    Um(usize),
    Varios(Box<[usize]>),
}

impl IndicesPagamentos {
    /// No index.
    pub fn new() -> IndicesPagamentos {
        IndicesPagamentos::default()
    }

    /// The indices, in input order.
    pub fn as_slice(&self) -> &[usize] {
        match &self.0 {
            Repr::Nenhum => &[],
            Repr::Um(i) => std::slice::from_ref(i),
            Repr::Varios(v) => v,
        }
    }

    /// The indices of grouped payments.
    fn de_entradas(entradas: &[Entrada]) -> IndicesPagamentos {
        IndicesPagamentos(match entradas {
            [] => Repr::Nenhum,
            [e] => Repr::Um(e.indice),
            _ => Repr::Varios(entradas.iter().map(|e| e.indice).collect()),
        })
    }
}

impl From<&[usize]> for IndicesPagamentos {
    fn from(indices: &[usize]) -> Self {
        IndicesPagamentos(match indices {
            [] => Repr::Nenhum,
            [i] => Repr::Um(*i),
            _ => Repr::Varios(indices.into()),
        })
    }
}

impl FromIterator<usize> for IndicesPagamentos {
    fn from_iter<I: IntoIterator<Item = usize>>(iter: I) -> Self {
        let v: Vec<usize> = iter.into_iter().collect();
        IndicesPagamentos::from(v.as_slice())
    }
}

impl std::ops::Deref for IndicesPagamentos {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        self.as_slice()
    }
}

impl PartialEq for IndicesPagamentos {
    fn eq(&self, outro: &Self) -> bool {
        self.as_slice() == outro.as_slice()
    }
}

impl Eq for IndicesPagamentos {}

impl std::fmt::Debug for IndicesPagamentos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_slice().fmt(f)
    }
}

/// One finding of [`conciliar`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ocorrencia {
    /// What was found.
    pub tipo: TipoOcorrencia,
    /// Index of the guide in the `guias` slice; `None` for [`TipoOcorrencia::PagamentoSemGuia`].
    pub guia: Option<usize>,
    /// Indices of the payments in the `pagamentos` slice, in input order: all the payments of
    /// the guide's number, or the single unmatched payment. Empty for unpaid guides.
    pub pagamentos: IndicesPagamentos,
}

/// A fast hasher for `u64` keys (document numbers): a multiply–xorshift mixer spreading every
/// input bit over the whole word. Not DoS-resistant; the keys come from the tax authority.
#[derive(Default)]
struct Misturador(u64);

impl Hasher for Misturador {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b) ^ self.0.rotate_left(8));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let mut x = n ^ self.0;
        x = (x ^ (x >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        self.0 = x ^ (x >> 32);
    }
}

type Indice = HashMap<u64, usize, BuildHasherDefault<Misturador>>;

/// Maps each document number to the index of the first guide that carries it; also lists the
/// later guides repeating a number, as `(guide, first guide)` in guide order.
fn indexar(guias: &[Guia]) -> (Indice, Vec<(usize, usize)>) {
    let mut indice = Indice::with_capacity_and_hasher(guias.len(), Default::default());
    let mut duplicadas = Vec::new();
    for (i, g) in guias.iter().enumerate() {
        let primeira = *indice.entry(g.numero.as_u64()).or_insert(i);
        if primeira != i {
            duplicadas.push((i, primeira));
        }
    }
    (indice, duplicadas)
}

/// Marks a payment that matches no guide in [`Grupos`] construction.
const SEM_GUIA: usize = usize::MAX;

/// What classification needs of one payment, copied next to its index.
#[derive(Clone, Copy, Default)]
struct Entrada {
    indice: usize,
    valor: Valor,
    data: Option<Data>,
}

/// Payments grouped by guide (a counting sort): the payments of guide `g` are
/// `ordem[inicio[g]..inicio[g + 1]]`, in input order. Copying value and date into the groups
/// keeps the classification pass sequential in memory.
struct Grupos {
    inicio: Vec<usize>,
    ordem: Vec<Entrada>,
}

impl Grupos {
    /// Groups payments given each one's guide index (`dono`, [`SEM_GUIA`] when none).
    fn de(n_guias: usize, dono: &[usize], pagamentos: &[Pagamento]) -> Grupos {
        let mut inicio = vec![0usize; n_guias + 1];
        for &g in dono.iter().filter(|&&g| g != SEM_GUIA) {
            inicio[g + 1] += 1;
        }
        for g in 1..inicio.len() {
            inicio[g] += inicio[g - 1];
        }
        let mut cursor = inicio.clone();
        let mut ordem = vec![Entrada::default(); inicio[n_guias]];
        for (indice, (&g, p)) in dono.iter().zip(pagamentos).enumerate() {
            if g != SEM_GUIA {
                ordem[cursor[g]] = Entrada {
                    indice,
                    valor: p.valor_total,
                    data: Some(p.data_arrecadacao),
                };
                cursor[g] += 1;
            }
        }
        Grupos { inicio, ordem }
    }

    /// The payments of guide `g`.
    fn de_guia(&self, g: usize) -> &[Entrada] {
        let (de, ate) = (self.inicio[g], self.inicio[g + 1]);
        &self.ordem[de..ate]
    }
}

/// Reconciles `guias` against `pagamentos` as of `hoje`.
///
/// Payments match guides by document number only ([`NumeroDocumento`]); the payment's
/// `codigo_receita` and `contribuinte` are not compared (the number is unique nationwide).
/// Several payments of one number are summed and all listed in the guide's occurrence. Every
/// guide yields exactly one occurrence and every payment appears in exactly one.
///
/// Classification of a guide (see [`TipoOcorrencia`] for precedence):
/// - no payment: [`TipoOcorrencia::Vencida`] when `vencimento < hoje`, else
///   [`TipoOcorrencia::EmAberto`];
/// - payments summing to less than its value: [`TipoOcorrencia::PagaParcialmente`] (not
///   settled);
/// - payments summing to more: [`TipoOcorrencia::PagaValorDivergente`];
/// - last payment after `vencimento`: [`TipoOcorrencia::PagaEmAtraso`];
/// - otherwise [`TipoOcorrencia::Paga`].
///
/// Runs in linear time: one hash map keyed by the numeric document number, sized up front,
/// then a counting sort of the payments by guide.
pub fn conciliar(guias: &[Guia], pagamentos: &[Pagamento], hoje: Data) -> Vec<Ocorrencia> {
    let (indice, duplicadas) = indexar(guias);
    let dono: Vec<usize> = pagamentos
        .iter()
        .map(|p| indice.get(&p.numero.as_u64()).copied().unwrap_or(SEM_GUIA))
        .collect();
    drop(indice);
    let grupos = Grupos::de(guias.len(), &dono, pagamentos);
    let sem_guia = dono.iter().filter(|&&g| g == SEM_GUIA).count();
    let mut saida = Vec::with_capacity(guias.len() + sem_guia);
    let mut duplicadas = duplicadas.into_iter().peekable();
    for (g, guia) in guias.iter().enumerate() {
        let pagos = grupos.de_guia(g);
        let tipo = match duplicadas.next_if(|&(d, _)| d == g) {
            Some((_, primeira)) => TipoOcorrencia::GuiaDuplicada { primeira },
            None => classificar(guia, pagos, hoje),
        };
        saida.push(Ocorrencia {
            tipo,
            guia: Some(g),
            pagamentos: IndicesPagamentos::de_entradas(pagos),
        });
    }
    let orfaos = dono.iter().enumerate().filter(|&(_, &g)| g == SEM_GUIA);
    saida.extend(orfaos.map(|(p, _)| Ocorrencia {
        tipo: TipoOcorrencia::PagamentoSemGuia,
        guia: None,
        pagamentos: IndicesPagamentos(Repr::Um(p)),
    }));
    saida
}

/// Classifies one guide given its payments.
fn classificar(guia: &Guia, pagos: &[Entrada], hoje: Data) -> TipoOcorrencia {
    let mut soma = Valor::ZERO;
    let mut ultima: Option<Data> = None;
    for p in pagos {
        soma += p.valor;
        ultima = ultima.max(p.data);
    }
    let Some(ultima) = ultima else {
        let dias = guia.vencimento.dias_ate(hoje);
        return if dias > 0 {
            TipoOcorrencia::Vencida { dias_atraso: dias }
        } else {
            TipoOcorrencia::EmAberto
        };
    };
    let dias_atraso = guia.vencimento.dias_ate(ultima);
    if soma < guia.valor {
        TipoOcorrencia::PagaParcialmente {
            valor_guia: guia.valor,
            valor_pago: soma,
        }
    } else if soma > guia.valor {
        TipoOcorrencia::PagaValorDivergente {
            valor_guia: guia.valor,
            valor_pago: soma,
            em_atraso: dias_atraso > 0,
        }
    } else if dias_atraso > 0 {
        TipoOcorrencia::PagaEmAtraso { dias_atraso }
    } else {
        TipoOcorrencia::Paga
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Competencia;
    use crate::estrategias::guia::{guia, pagamento_de};
    use crate::guia::TipoGuia;
    use proptest::prelude::*;

    fn d(ano: u16, mes: u8, dia: u8) -> Data {
        Data::new(ano, mes, dia).unwrap()
    }

    fn g(numero: u64, centavos: i64, vencimento: Data) -> Guia {
        Guia {
            tipo: TipoGuia::Das,
            numero: NumeroDocumento::from_u64(numero).unwrap(),
            contribuinte: Documento::parse("11222333000181").unwrap(),
            codigo_receita: None,
            periodo: Competencia::new(2026, 1).unwrap(),
            vencimento,
            valor: Valor::from_centavos(centavos),
            codigo_barras: None,
        }
    }

    fn p(numero: u64, centavos: i64, data: Data) -> Pagamento {
        Pagamento {
            numero: NumeroDocumento::from_u64(numero).unwrap(),
            data_arrecadacao: data,
            valor_total: Valor::from_centavos(centavos),
            codigo_receita: None,
            contribuinte: Documento::parse("11222333000181").unwrap(),
        }
    }

    #[test]
    fn every_kind_of_occurrence() {
        let venc = d(2026, 2, 20);
        let hoje = d(2026, 3, 1);
        let guias = [
            g(1, 1000, venc),           // paga
            g(2, 1000, venc),           // paga em atraso
            g(3, 1000, venc),           // valor divergente e em atraso
            g(4, 1000, d(2026, 3, 1)),  // em aberto (vence hoje)
            g(5, 1000, d(2026, 2, 27)), // vencida
            g(1, 1000, venc),           // duplicada
            g(6, 1000, venc),           // paga em duas parcelas
            g(7, 1000, venc),           // paga parcialmente
        ];
        let pagamentos = [
            p(1, 1000, venc),
            p(2, 1000, d(2026, 2, 23)),
            p(9, 500, venc),
            p(3, 1100, d(2026, 2, 21)),
            p(6, 400, d(2026, 2, 10)),
            p(6, 600, d(2026, 2, 19)),
            p(7, 10, venc),
        ];
        let o = conciliar(&guias, &pagamentos, hoje);
        let tipos: Vec<_> = o.iter().map(|o| o.tipo).collect();
        assert_eq!(
            tipos,
            [
                TipoOcorrencia::Paga,
                TipoOcorrencia::PagaEmAtraso { dias_atraso: 3 },
                TipoOcorrencia::PagaValorDivergente {
                    valor_guia: Valor::from_centavos(1000),
                    valor_pago: Valor::from_centavos(1100),
                    em_atraso: true
                },
                TipoOcorrencia::EmAberto,
                TipoOcorrencia::Vencida { dias_atraso: 2 },
                TipoOcorrencia::GuiaDuplicada { primeira: 0 },
                TipoOcorrencia::Paga,
                TipoOcorrencia::PagaParcialmente {
                    valor_guia: Valor::from_centavos(1000),
                    valor_pago: Valor::from_centavos(10),
                },
                TipoOcorrencia::PagamentoSemGuia,
            ]
        );
        assert_eq!(*o[6].pagamentos, [4, 5]);
        assert_eq!(o[8].guia, None);
        assert_eq!(*o[8].pagamentos, [2]);
        assert_eq!(o[7].tipo.falta(), Some(Valor::from_centavos(990)));
        assert_eq!(o[7].tipo.codigo(), "paga_parcialmente");
        assert!(!o[7].tipo.paga(), "a parcial não baixa a guia");
        assert!(o[2].tipo.paga(), "paga a maior baixa a guia");
        assert_eq!(o[2].tipo.falta(), None);
        assert!(o[5].pagamentos.is_empty());
        assert_eq!(o[2].tipo.descricao(), "Paga com valor divergente");
        assert_eq!(o[2].tipo.codigo(), "paga_valor_divergente");
        assert!(o[2].tipo.paga() && !o[3].tipo.paga());
    }

    #[test]
    fn overpayment_on_time_is_divergent_not_late() {
        let venc = d(2026, 2, 20);
        let o = conciliar(&[g(1, 1000, venc)], &[p(1, 1500, venc)], venc);
        assert_eq!(
            o[0].tipo,
            TipoOcorrencia::PagaValorDivergente {
                valor_guia: Valor::from_centavos(1000),
                valor_pago: Valor::from_centavos(1500),
                em_atraso: false
            }
        );
    }

    #[test]
    fn many_installments_are_all_listed() {
        let venc = d(2026, 2, 20);
        let pagamentos: Vec<_> = (0..5).map(|_| p(1, 200, venc)).collect();
        let o = conciliar(&[g(1, 1000, venc)], &pagamentos, venc);
        assert_eq!(o[0].tipo, TipoOcorrencia::Paga);
        assert_eq!(*o[0].pagamentos, [0, 1, 2, 3, 4]);
        let um: IndicesPagamentos = [7].into_iter().collect();
        let dois = IndicesPagamentos::from(&[7, 8][..]);
        assert_eq!(format!("{um:?} {dois:?}"), "[7] [7, 8]");
        assert_ne!(um, dois);
        assert!(IndicesPagamentos::new().is_empty());
    }

    #[test]
    fn an_underpaid_guide_is_not_settled() {
        let venc = d(2026, 2, 20);
        let o = conciliar(&[g(1, 1_000_000, venc)], &[p(1, 1000, venc)], venc);
        assert!(!o[0].tipo.paga(), "R$ 10 contra R$ 10.000: {:?}", o[0].tipo);
        assert_eq!(o[0].tipo.falta(), Some(Valor::from_centavos(999_000)));
    }

    #[test]
    fn partial_payments_that_add_up_settle_the_guide() {
        let venc = d(2026, 2, 20);
        let guias = [g(1, 1000, venc)];
        let mut pagos = vec![p(1, 300, d(2026, 2, 10))];
        let o = conciliar(&guias, &pagos, venc);
        assert_eq!(
            o[0].tipo,
            TipoOcorrencia::PagaParcialmente {
                valor_guia: Valor::from_centavos(1000),
                valor_pago: Valor::from_centavos(300),
            }
        );
        pagos.push(p(1, 700, d(2026, 2, 25)));
        let o = conciliar(&guias, &pagos, d(2026, 3, 1));
        assert_eq!(o[0].tipo, TipoOcorrencia::PagaEmAtraso { dias_atraso: 5 });
        assert!(o[0].tipo.paga());
    }

    #[test]
    fn identical_payments_of_one_fetch_get_their_own_ordinals() {
        let venc = d(2026, 2, 20);
        let um = p(1, 1000, venc);
        let fetch = [
            um.clone(),
            p(1, 1000, d(2026, 2, 21)),
            um.clone(),
            p(1, 999, venc),
            um,
        ];
        assert_eq!(ordinais(&fetch), [1, 1, 2, 1, 3]);
        assert!(ordinais(&[]).is_empty());
    }

    #[test]
    fn empty_inputs() {
        assert!(conciliar(&[], &[], d(2026, 1, 1)).is_empty());
    }

    fn guias_e_pagamentos() -> impl Strategy<Value = (Vec<Guia>, Vec<Pagamento>)> {
        proptest::collection::vec(guia(), 0..20)
            .prop_flat_map(|guias| {
                let pags: Vec<_> = guias
                    .iter()
                    .map(|g| proptest::option::of(pagamento_de(g)))
                    .collect();
                let extras = proptest::collection::vec(
                    (crate::estrategias::guia::numero_documento(), 1i64..100_000),
                    0..5,
                );
                (Just(guias), pags, extras)
            })
            .prop_map(|(guias, pags, extras)| {
                let mut pagamentos: Vec<Pagamento> = pags.into_iter().flatten().collect();
                for (numero, centavos) in extras {
                    pagamentos.push(Pagamento {
                        numero,
                        data_arrecadacao: Data::new(2024, 10, 3).unwrap(),
                        valor_total: Valor::from_centavos(centavos),
                        codigo_receita: None,
                        contribuinte: Documento::parse("11222333000181").unwrap(),
                    });
                }
                (guias, pagamentos)
            })
    }

    proptest! {
        #[test]
        fn exact_on_time_payment_is_paga(
            pares in proptest::collection::vec(
                guia().prop_flat_map(|g| {
                    let p = pagamento_de(&g);
                    (Just(g), p)
                }),
                1..20,
            ),
            dias in 0i64..40_000,
        ) {
            // One guide per number, as the ledger keeps them.
            let mut vistos = std::collections::HashSet::new();
            let (gs, ps): (Vec<Guia>, Vec<Pagamento>) =
                pares.into_iter().filter(|(g, _)| vistos.insert(g.numero)).unzip();
            let hoje = Data::from_dias_desde_epoca(dias).unwrap();
            let o = conciliar(&gs, &ps, hoje);
            prop_assert_eq!(o.len(), gs.len());
            for (i, oc) in o.iter().enumerate() {
                prop_assert_eq!(oc.tipo, TipoOcorrencia::Paga);
                prop_assert_eq!(oc.pagamentos.as_slice(), &[i]);
            }
        }

        /// A guide is settled exactly when what was paid for it reaches its value; below
        /// that it is partially paid with the difference missing.
        #[test]
        fn settled_iff_the_sum_paid_reaches_the_value(
            g in guia(),
            parcelas in proptest::collection::vec((1i64..2_000_000, 0i64..60), 1..6),
            dias in 0i64..40_000,
        ) {
            let pagos: Vec<Pagamento> = parcelas
                .iter()
                .filter_map(|&(centavos, antes)| Some(Pagamento {
                    numero: g.numero,
                    data_arrecadacao: g.vencimento.mais_dias(antes - 30)?,
                    valor_total: Valor::from_centavos(centavos),
                    codigo_receita: None,
                    contribuinte: g.contribuinte,
                }))
                .collect();
            prop_assume!(!pagos.is_empty());
            let soma = pagos.iter().fold(Valor::ZERO, |s, p| s + p.valor_total);
            let hoje = Data::from_dias_desde_epoca(dias).unwrap();
            let o = conciliar(std::slice::from_ref(&g), &pagos, hoje);
            prop_assert_eq!(o[0].tipo.paga(), soma >= g.valor, "{:?}", o[0].tipo);
            prop_assert_eq!(o[0].tipo.falta(), (soma < g.valor).then(|| g.valor - soma));
            prop_assert_eq!(
                matches!(o[0].tipo, TipoOcorrencia::PagaValorDivergente { .. }),
                soma > g.valor
            );
        }

        /// Within one fetch every payment has its own identity; a re-fetch of any window,
        /// in any order, maps each payment it returns onto an identity of the first fetch.
        #[test]
        fn a_refetch_maps_onto_the_same_identities(
            base in proptest::collection::vec((0u64..3, 0i64..4, 1i64..3), 0..24),
            de in 0i64..4,
            ate in 0i64..4,
            ordem in proptest::collection::vec(any::<proptest::sample::Index>(), 24),
        ) {
            let dia = |n: i64| d(2026, 2, 1).mais_dias(n).unwrap();
            let fetch: Vec<Pagamento> =
                base.iter().map(|&(n, dias, v)| p(n + 1, v, dia(dias))).collect();
            let identidades = |ps: &[Pagamento]| -> Vec<_> {
                ps.iter()
                    .zip(ordinais(ps))
                    .map(|(p, o)| (p.numero, p.data_arrecadacao, p.valor_total, o))
                    .collect()
            };
            let primeira = identidades(&fetch);
            let unicas: std::collections::HashSet<_> = primeira.iter().copied().collect();
            prop_assert_eq!(unicas.len(), fetch.len(), "nenhum pagamento se funde com outro");
            // The window [de, ate] again, shuffled.
            let mut janela: Vec<Pagamento> = fetch
                .iter()
                .filter(|p| (dia(de)..=dia(ate)).contains(&p.data_arrecadacao))
                .cloned()
                .collect();
            for (i, idx) in ordem.iter().enumerate().take(janela.len()) {
                let j = idx.index(janela.len());
                janela.swap(i, j);
            }
            let segunda = identidades(&janela);
            prop_assert!(segunda.iter().all(|i| unicas.contains(i)), "{:?}", segunda);
            let mut esperadas: Vec<_> = primeira
                .iter()
                .filter(|i| (dia(de)..=dia(ate)).contains(&i.1))
                .copied()
                .collect();
            let mut vistas = segunda.clone();
            esperadas.sort();
            vistas.sort();
            prop_assert_eq!(vistas, esperadas);
        }

        #[test]
        fn conserves_guides_and_payments((gs, ps) in guias_e_pagamentos(), dias in 0i64..40_000) {
            let hoje = Data::from_dias_desde_epoca(dias).unwrap();
            let o = conciliar(&gs, &ps, hoje);
            let guias: Vec<usize> = o.iter().filter_map(|o| o.guia).collect();
            prop_assert_eq!(guias, (0..gs.len()).collect::<Vec<_>>());
            let mut vistos: Vec<usize> = o.iter().flat_map(|o| o.pagamentos.iter().copied()).collect();
            vistos.sort_unstable();
            prop_assert_eq!(vistos, (0..ps.len()).collect::<Vec<_>>());
            for oc in &o {
                match oc.guia {
                    Some(i) => prop_assert!(oc.pagamentos.iter().all(|&p| ps[p].numero == gs[i].numero)),
                    None => prop_assert_eq!(oc.pagamentos.len(), 1),
                }
            }
        }
    }
}
