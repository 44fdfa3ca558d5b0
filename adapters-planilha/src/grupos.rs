//! Occurrences grouped for a report ([`agrupar`]): by kind or by company. Each group becomes a
//! sheet in XLSX and a value of the `grupo` column in CSV.

use std::collections::{BTreeMap, HashMap};

use guiche_domain::conciliacao::TipoOcorrencia;
use guiche_domain::{Documento, Valor};
use guiche_ports::ecac::Ocorrencia;

/// How to group occurrences.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Agrupamento {
    /// One group per kind of occurrence (vencida, paga…), most urgent first.
    Ocorrencia,
    /// One group per company (contribuinte), by CNPJ.
    Empresa,
}

/// A titled group of occurrences, in report order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grupo {
    /// The title: the kind's description (`Vencida`) or the company (`11.222.333/0001-81 —
    /// Padaria Pão Quente`).
    pub titulo: String,
    /// The rows, in report order.
    pub linhas: Vec<LinhaGrupo>,
}

/// One row of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinhaGrupo {
    /// The contribuinte, masked, followed by its name when known.
    pub empresa: String,
    /// The occurrence.
    pub ocorrencia: Ocorrencia,
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

/// The position of an occurrence code in [`ORDEM`]; unknown codes go after every known one.
fn posicao(codigo: &str) -> usize {
    ORDEM
        .iter()
        .position(|t| t.codigo() == codigo)
        .unwrap_or(ORDEM.len())
}

/// `11.222.333/0001-81 — Nome`, or the masked document alone when the name is unknown or
/// blank.
pub fn rotulo_empresa(documento: &Documento, nomes: &HashMap<Documento, String>) -> String {
    match nomes.get(documento).map(|n| n.trim()) {
        Some(nome) if !nome.is_empty() => format!("{documento} — {nome}"),
        _ => documento.to_string(),
    }
}

/// Groups `ocorrencias` for a report.
///
/// - [`Agrupamento::Ocorrencia`]: one group per kind, titled with the kind's description, in
///   this order: vencida, paga com valor divergente, paga em atraso, pagamento sem guia, em
///   aberto, paga, guia duplicada (a code this crate does not know comes last, by code); rows
///   by contribuinte, then document number.
/// - [`Agrupamento::Empresa`]: one group per contribuinte, titled with [`rotulo_empresa`],
///   ordered by document (CPFs, then CNPJs, each by number); rows in the kind order above,
///   then by document number.
///
/// `nomes` gives the company names to show (from [`guiche_ports::ecac::Empresa`]); a missing
/// name shows the document alone. Empty groups are never returned.
pub fn agrupar(
    ocorrencias: &[Ocorrencia],
    por: Agrupamento,
    nomes: &HashMap<Documento, String>,
) -> Vec<Grupo> {
    let linha = |o: &Ocorrencia| LinhaGrupo {
        empresa: rotulo_empresa(&o.achado.contribuinte, nomes),
        ocorrencia: o.clone(),
    };
    match por {
        Agrupamento::Ocorrencia => {
            let mut grupos: BTreeMap<(usize, &str), Vec<&Ocorrencia>> = BTreeMap::new();
            for o in ocorrencias {
                let codigo = o.achado.codigo.as_str();
                grupos.entry((posicao(codigo), codigo)).or_default().push(o);
            }
            grupos
                .into_values()
                .map(|mut os| {
                    os.sort_by(|a, b| {
                        let (x, y) = (&a.achado, &b.achado);
                        (x.contribuinte, x.numero, &x.chave).cmp(&(
                            y.contribuinte,
                            y.numero,
                            &y.chave,
                        ))
                    });
                    Grupo {
                        titulo: os
                            .first()
                            .map(|o| o.achado.descricao.clone())
                            .unwrap_or_default(),
                        linhas: os.into_iter().map(linha).collect(),
                    }
                })
                .collect()
        }
        Agrupamento::Empresa => {
            let mut grupos: BTreeMap<Documento, Vec<&Ocorrencia>> = BTreeMap::new();
            for o in ocorrencias {
                grupos.entry(o.achado.contribuinte).or_default().push(o);
            }
            grupos
                .into_iter()
                .map(|(documento, mut os)| {
                    os.sort_by(|a, b| {
                        let (x, y) = (&a.achado, &b.achado);
                        (posicao(&x.codigo), x.numero, &x.chave).cmp(&(
                            posicao(&y.codigo),
                            y.numero,
                            &y.chave,
                        ))
                    });
                    Grupo {
                        titulo: rotulo_empresa(&documento, nomes),
                        linhas: os.into_iter().map(linha).collect(),
                    }
                })
                .collect()
        }
    }
}
