//! Checking SERPRO's monthly consumption report against the ledger's record of calls
//! (`guiche serpro usage --conferir RELATORIO.csv`).
//!
//! The period is the months (Brasília) the report's lines fall in, or the month asked. Within
//! it, each tag's requests are paired with the report's lines of the same tag: the same status
//! (any status for a call whose outcome the ledger does not know) within
//! [`TOLERANCIA_MS`] of each other, the nearest first. What is left over on either side, and a
//! pair whose `QUANTIDADE` is not what the ledger counted (1 billed, 0 not), is a difference.
//! A request the ledger did not count (an unbilled status) and the report does not list is
//! not one: SERPRO may leave unbilled requests out, and nothing was charged either way.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, UNIX_EPOCH};

use guiche_domain::{Competencia, Data};
use guiche_ports::bilhetagem::{ChamadaRegistrada, Janela, LinhaRelatorio};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::serpro::erro::ErroSerpro;
use crate::serpro::uso::ServicoUso;

/// How far apart the ledger's instant (this machine's clock when the request left) and
/// SERPRO's may be for the same request.
pub const TOLERANCIA_MS: i64 = 120_000;

/// What one difference is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TipoDiferenca {
    /// A line of the report with no request in the ledger (made by another system with the
    /// same contract, or lost from the ledger).
    SoNoRelatorio,
    /// A counted request of the ledger missing from the report.
    SoNoLivro,
    /// Paired, but SERPRO counted another quantity than the ledger did.
    Quantidade,
}

/// One request found on one side only, or counted differently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Diferenca {
    /// The tag (`X-Request-Tag`).
    pub etiqueta: String,
    /// What differs.
    pub tipo: TipoDiferenca,
    /// When, in Brasília (`DD/MM/AAAA hh:mm:ss.mmm`): the report's instant when it has the
    /// line, else the ledger's.
    pub instante: String,
    /// The report's line, when it has one.
    pub linha: Option<usize>,
    /// The ledger's billing service, when it has the request.
    pub servico: Option<String>,
    /// The report's URL, when it has the line.
    pub url: Option<String>,
    /// The status: the report's when it has the line, else the ledger's (`None`: unknown
    /// outcome).
    pub status: Option<u16>,
    /// The report's `QUANTIDADE`, when it has the line.
    pub quantidade_relatorio: Option<String>,
    /// What the ledger counted (`1` or `0`), when it has the request.
    pub quantidade_livro: Option<String>,
}

/// A request whose outcome the ledger did not know (no answer read), as the report settles it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DesfechoConhecido {
    /// The tag.
    pub etiqueta: String,
    /// The ledger's billing service.
    pub servico: String,
    /// The report's instant, in Brasília.
    pub instante: String,
    /// The report's line.
    pub linha: usize,
    /// The status SERPRO answered.
    pub status: u16,
    /// What SERPRO counted.
    pub quantidade: String,
}

/// The comparison of a consumption report with the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ConferenciaConsumo {
    /// The months compared (`AAAAMM`).
    pub meses: Vec<String>,
    /// Lines of the report in the period.
    pub linhas_relatorio: usize,
    /// Requests of the ledger in the period.
    pub chamadas_livro: usize,
    /// The sum of the report's `QUANTIDADE`.
    pub quantidade_relatorio: String,
    /// Requests the ledger counted.
    pub bilhetadas_livro: u64,
    /// Pairs found.
    pub conferidas: usize,
    /// Unbilled requests of the ledger the report leaves out (not differences).
    pub nao_bilhetadas_fora_do_relatorio: usize,
    /// The differences, by tag then instant.
    pub diferencas: Vec<Diferenca>,
    /// Unknown outcomes of the ledger the report settles (shown, not differences unless the
    /// quantity differs, which is then also in `diferencas`).
    pub desfechos: Vec<DesfechoConhecido>,
}

impl ConferenciaConsumo {
    /// True when the report and the ledger agree.
    pub fn confere(&self) -> bool {
        self.diferencas.is_empty()
    }
}

/// `DD/MM/AAAA hh:mm:ss.mmm` in Brasília.
fn instante(ms: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    let (data, hora) = Data::em_brasilia(t);
    format!("{data} {hora}.{:03}", ms.rem_euclid(1000))
}

/// The month (Brasília) of an instant.
fn mes(ms: i64) -> Competencia {
    let t = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    Competencia::de(Data::em_brasilia(t).0)
}

fn quantidade(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Compares `relatorio` with `livro` (both already limited to the period).
pub fn comparar(
    meses: &BTreeSet<Competencia>,
    relatorio: &[LinhaRelatorio],
    livro: &[ChamadaRegistrada],
) -> ConferenciaConsumo {
    let mut por_etiqueta: BTreeMap<&str, (Vec<&LinhaRelatorio>, Vec<&ChamadaRegistrada>)> =
        BTreeMap::new();
    for l in relatorio {
        por_etiqueta.entry(&l.etiqueta).or_default().0.push(l);
    }
    for c in livro {
        por_etiqueta.entry(&c.etiqueta).or_default().1.push(c);
    }
    let mut diferencas = Vec::new();
    let mut desfechos = Vec::new();
    let mut conferidas = 0;
    let mut fora = 0;
    for (etiqueta, (mut linhas, mut chamadas)) in por_etiqueta {
        linhas.sort_by_key(|l| (l.instante_ms, l.linha));
        chamadas.sort_by_key(|c| c.instante_ms);
        let mut usada = vec![false; linhas.len()];
        // Calls with a known status first: an unknown outcome takes what they leave.
        let mut ordem: Vec<&ChamadaRegistrada> = chamadas.clone();
        ordem.sort_by_key(|c| (c.status.is_none(), c.instante_ms));
        for c in ordem {
            let par = linhas
                .iter()
                .enumerate()
                .filter(|(i, l)| {
                    !usada[*i]
                        && (l.instante_ms - c.instante_ms).abs() <= TOLERANCIA_MS
                        && c.status.is_none_or(|s| s == l.status)
                })
                .min_by_key(|(_, l)| (l.instante_ms - c.instante_ms).abs())
                .map(|(i, _)| i);
            let contado = if c.bilhetada {
                Decimal::ONE
            } else {
                Decimal::ZERO
            };
            let Some(i) = par else {
                if c.bilhetada {
                    diferencas.push(Diferenca {
                        etiqueta: etiqueta.to_owned(),
                        tipo: TipoDiferenca::SoNoLivro,
                        instante: instante(c.instante_ms),
                        linha: None,
                        servico: Some(c.servico.clone()),
                        url: None,
                        status: c.status,
                        quantidade_relatorio: None,
                        quantidade_livro: Some(quantidade(contado)),
                    });
                } else {
                    fora += 1;
                }
                continue;
            };
            usada[i] = true;
            conferidas += 1;
            let l = linhas[i];
            if c.status.is_none() {
                desfechos.push(DesfechoConhecido {
                    etiqueta: etiqueta.to_owned(),
                    servico: c.servico.clone(),
                    instante: instante(l.instante_ms),
                    linha: l.linha,
                    status: l.status,
                    quantidade: quantidade(l.quantidade),
                });
            }
            if l.quantidade != contado {
                diferencas.push(Diferenca {
                    etiqueta: etiqueta.to_owned(),
                    tipo: TipoDiferenca::Quantidade,
                    instante: instante(l.instante_ms),
                    linha: Some(l.linha),
                    servico: Some(c.servico.clone()),
                    url: Some(l.url.clone()),
                    status: Some(l.status),
                    quantidade_relatorio: Some(quantidade(l.quantidade)),
                    quantidade_livro: Some(quantidade(contado)),
                });
            }
        }
        for (i, l) in linhas.iter().enumerate() {
            if !usada[i] {
                diferencas.push(Diferenca {
                    etiqueta: etiqueta.to_owned(),
                    tipo: TipoDiferenca::SoNoRelatorio,
                    instante: instante(l.instante_ms),
                    linha: Some(l.linha),
                    servico: None,
                    url: Some(l.url.clone()),
                    status: Some(l.status),
                    quantidade_relatorio: Some(quantidade(l.quantidade)),
                    quantidade_livro: None,
                });
            }
        }
    }
    diferencas.sort_by(|a, b| {
        (&a.etiqueta, a.linha.is_none(), a.linha, &a.instante).cmp(&(
            &b.etiqueta,
            b.linha.is_none(),
            b.linha,
            &b.instante,
        ))
    });
    ConferenciaConsumo {
        meses: meses.iter().map(Competencia::compacta).collect(),
        linhas_relatorio: relatorio.len(),
        chamadas_livro: livro.len(),
        quantidade_relatorio: quantidade(relatorio.iter().map(|l| l.quantidade).sum()),
        bilhetadas_livro: livro.iter().filter(|c| c.bilhetada).count() as u64,
        conferidas,
        nao_bilhetadas_fora_do_relatorio: fora,
        diferencas,
        desfechos,
    }
}

impl ServicoUso {
    /// Compares SERPRO's consumption report (read with `guiche_planilha::consumo_serpro`) with
    /// the ledger's record of calls: of `contratante` when given (the ledger's key: the CNPJ
    /// for Integra Contador, the consumer key for the commercial APIs), in the month `mes`
    /// (`AAAAMM`) when given, else in the months the report's lines fall in.
    ///
    /// # Errors
    /// [`ErroSerpro::Campo`] for a month that is not `AAAAMM`, or a report without lines and
    /// no month; [`ErroSerpro::Bilhetagem`].
    pub fn conferir(
        &self,
        relatorio: &[LinhaRelatorio],
        contratante: Option<&str>,
        mes_pedido: Option<&str>,
    ) -> Result<ConferenciaConsumo, ErroSerpro> {
        let meses: BTreeSet<Competencia> = match mes_pedido {
            Some(m) => BTreeSet::from([Competencia::parse(m)
                .map_err(|_| ErroSerpro::campo("mes", m, "use AAAAMM, por exemplo 202611"))?]),
            None => relatorio.iter().map(|l| mes(l.instante_ms)).collect(),
        };
        if meses.is_empty() {
            return Err(ErroSerpro::campo(
                "relatorio",
                "",
                "o relatório não tem linhas: informe o mês com --mes AAAAMM",
            ));
        }
        let relatorio: Vec<LinhaRelatorio> = relatorio
            .iter()
            .filter(|l| meses.contains(&mes(l.instante_ms)))
            .cloned()
            .collect();
        // Only the billing windows these months' calls can be counted in (the ledger's index),
        // not every call ever recorded: a call's window is the month it was reserved in, its
        // own or, across a month's last instant, the one before.
        let janelas: BTreeSet<Competencia> = meses
            .iter()
            .flat_map(|m| [Some(*m), m.anterior()])
            .flatten()
            .collect();
        let mut livro: Vec<ChamadaRegistrada> = Vec::new();
        for j in janelas {
            livro.extend(
                self.medidor()
                    .chamadas(contratante, Some(Janela::Mes(j)))?
                    .into_iter()
                    .filter(|c| meses.contains(&mes(c.instante_ms))),
            );
        }
        livro.sort_by_key(|c| c.instante_ms);
        Ok(comparar(&meses, &relatorio, &livro))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guiche_ports::bilhetagem::Janela;

    const T0: i64 = 1_795_000_000_000;

    fn chamada(dt: i64, etiqueta: &str, status: Option<u16>, bilhetada: bool) -> ChamadaRegistrada {
        ChamadaRegistrada {
            instante_ms: T0 + dt,
            contratante: "11222333000181".into(),
            servico: "PGDASD/GERARDAS12".into(),
            janela: Janela::Mes(mes(T0)),
            etiqueta: etiqueta.into(),
            status,
            bilhetada,
        }
    }

    fn linha(n: usize, dt: i64, etiqueta: &str, status: u16, q: i64) -> LinhaRelatorio {
        LinhaRelatorio {
            linha: n,
            instante_ms: T0 + dt,
            documento: "11222333000181".into(),
            url: "/Emitir".into(),
            status,
            etiqueta: etiqueta.into(),
            quantidade: Decimal::new(q, 0),
        }
    }

    fn meses() -> BTreeSet<Competencia> {
        BTreeSet::from([mes(T0)])
    }

    #[test]
    fn the_same_calls_agree() {
        let livro = [
            chamada(0, "a", Some(200), true),
            chamada(10, "a", Some(400), false),
            chamada(20, "b", Some(200), true),
        ];
        let rel = [
            linha(2, 350, "a", 200, 1),
            linha(3, 360, "a", 400, 0),
            linha(4, 370, "b", 200, 1),
        ];
        let c = comparar(&meses(), &rel, &livro);
        assert!(c.confere(), "{:?}", c.diferencas);
        assert_eq!((c.conferidas, c.bilhetadas_livro), (3, 2));
        assert_eq!(c.quantidade_relatorio, "2");
    }

    #[test]
    fn each_kind_of_difference_is_found_once() {
        let livro = [
            chamada(0, "a", Some(200), true),
            chamada(1_000, "a", Some(200), true), // missing from the report
            chamada(2_000, "b", None, true),      // lost reply: SERPRO answered 200
            chamada(3_000, "c", Some(404), false), // unbilled, left out: fine
            chamada(4_000, "d", Some(200), true), // SERPRO counted 2
        ];
        let rel = [
            linha(2, 50, "a", 200, 1),
            linha(3, 2_100, "b", 200, 1),
            linha(4, 4_100, "d", 200, 2),
            linha(5, 9_000, "e", 200, 1),                     // not ours
            linha(6, 4_000 + TOLERANCIA_MS + 1, "a", 200, 1), // too far to pair
        ];
        let c = comparar(&meses(), &rel, &livro);
        let tipos: Vec<(&str, TipoDiferenca, Option<usize>)> = c
            .diferencas
            .iter()
            .map(|d| (d.etiqueta.as_str(), d.tipo, d.linha))
            .collect();
        assert_eq!(
            tipos,
            [
                ("a", TipoDiferenca::SoNoRelatorio, Some(6)),
                ("a", TipoDiferenca::SoNoLivro, None),
                ("d", TipoDiferenca::Quantidade, Some(4)),
                ("e", TipoDiferenca::SoNoRelatorio, Some(5)),
            ]
        );
        assert_eq!(c.desfechos.len(), 1);
        assert_eq!((c.desfechos[0].linha, c.desfechos[0].status), (3, 200));
        assert_eq!(c.nao_bilhetadas_fora_do_relatorio, 1);
        let d = &c.diferencas[2];
        assert_eq!(
            (
                d.quantidade_relatorio.as_deref(),
                d.quantidade_livro.as_deref()
            ),
            (Some("2"), Some("1"))
        );
    }

    #[test]
    fn a_report_without_lines_needs_a_month() {
        let s = ServicoUso::new(std::sync::Arc::new(
            guiche_store::Livro::em_memoria().unwrap(),
        ));
        let e = s.conferir(&[], None, None).unwrap_err();
        assert!(e.to_string().contains("--mes"), "{e}");
        let c = s.conferir(&[], None, Some("202611")).unwrap();
        assert!(c.confere());
        assert_eq!(c.meses, ["202611"]);
        assert!(s.conferir(&[], None, Some("2026-11")).is_err());
    }

    #[test]
    fn a_month_reads_its_calls_and_those_reserved_in_the_month_before() {
        use guiche_ports::bilhetagem::MedidorBilhetagem;
        let livro = guiche_store::Livro::em_memoria().unwrap();
        // 01/12/2026 00:00:00.000 in Brasília (UTC−3).
        let dezembro: i64 = 1_796_094_000_000;
        let nov = Competencia::new(2026, 11).unwrap();
        let dez = Competencia::new(2026, 12).unwrap();
        assert_eq!((mes(dezembro - 1), mes(dezembro)), (nov, dez));
        let gravar = |dt: i64, janela: Competencia, etiqueta: &str| {
            livro
                .registrar_chamada(&ChamadaRegistrada {
                    instante_ms: dezembro + dt,
                    contratante: "11222333000181".into(),
                    servico: "PGDASD/GERARDAS12".into(),
                    janela: Janela::Mes(janela),
                    etiqueta: etiqueta.into(),
                    status: Some(200),
                    bilhetada: true,
                })
                .unwrap();
        };
        gravar(-86_400_000, nov, "novembro");
        gravar(-1, nov, "ultimo-de-novembro");
        gravar(2, nov, "reservada-em-novembro");
        gravar(3_600_000, dez, "dezembro");
        gravar(
            31 * 86_400_000 + 1,
            Competencia::new(2027, 1).unwrap(),
            "janeiro",
        );
        let s = ServicoUso::new(std::sync::Arc::new(livro));
        let c = s.conferir(&[], None, Some("202612")).unwrap();
        assert_eq!(c.chamadas_livro, 2, "{c:?}");
        let etiquetas: BTreeSet<_> = c.diferencas.iter().map(|d| d.etiqueta.as_str()).collect();
        assert_eq!(
            etiquetas,
            BTreeSet::from(["dezembro", "reservada-em-novembro"]),
            "{c:?}"
        );
    }
}
