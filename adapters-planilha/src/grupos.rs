//! Occurrences grouped for a report ([`agrupar`]): by kind or by company. Each group becomes a
//! sheet in XLSX and a value of the `grupo` column in CSV. The order is the domain's
//! ([`guiche_domain::conciliacao::agrupar`]); this module adds the titles.

use std::collections::HashMap;

use guiche_domain::Documento;
use guiche_domain::conciliacao::{self, Agrupamento};
use guiche_ports::ecac::{Grupo, LinhaGrupo, Ocorrencia};

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
    conciliacao::agrupar(ocorrencias, por)
        .into_iter()
        .map(|os| {
            let titulo = match (por, os.first()) {
                (Agrupamento::Ocorrencia, Some(o)) => o.achado.descricao.clone(),
                (Agrupamento::Empresa, Some(o)) => rotulo_empresa(&o.achado.contribuinte, nomes),
                (_, None) => String::new(),
            };
            Grupo {
                titulo,
                linhas: os
                    .into_iter()
                    .map(|o| LinhaGrupo {
                        empresa: rotulo_empresa(&o.achado.contribuinte, nomes),
                        ocorrencia: o.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}
