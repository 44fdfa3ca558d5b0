//! Municipal profiles of the NFD service, as data (`data/prefeituras-nfd.tsv`).
//!
//! Adding a municipality is a new line in that table (or in a table of the same shape that the
//! application loads with [`Prefeitura::tabela`]), never a new `if`.

use crate::{CodigoIbge, Percentual};
use std::sync::LazyLock;

const TABELA: &str = include_str!("../../data/prefeituras-nfd.tsv");

/// Which activity-code tag a municipality requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegraAtividade {
    /// `CODIGO_GERAL_ATIVIDADE` filled and `CODIGO_ATIVIDADE` blank (e.g. Rio das Pedras).
    CodigoGeral,
    /// `CODIGO_ATIVIDADE` filled and `CODIGO_GERAL_ATIVIDADE` blank (Piracaia, Ipeúna).
    CodigoAtividade,
}

/// A municipality served by the NFD service and its own rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefeitura {
    /// `codPrefeitura` in the service (leading zeros kept: `0044`).
    pub codigo: String,
    /// The municipality's IBGE code.
    pub ibge: CodigoIbge,
    /// Which activity code the nota must carry.
    pub atividade: RegraAtividade,
    /// Maximum `VALOR_DEDUCAO_MATERIAIS` as a percentage of the total, when the municipality
    /// sets one (the manual says the limit varies per municipality).
    pub limite_deducao: Option<Percentual>,
    /// Name for messages, e.g. `Prefeitura de Piracaia/SP`.
    pub nome: String,
}

/// A line of a municipality table that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("tabela de prefeituras, linha {linha}: {motivo}")]
pub struct ErroTabelaPrefeituras {
    /// 1-based line number.
    pub linha: usize,
    /// What is wrong with it.
    pub motivo: String,
}

static EMBUTIDAS: LazyLock<Vec<Prefeitura>> =
    LazyLock::new(|| Prefeitura::tabela(TABELA).unwrap_or_default());

/// The municipalities shipped with the crate (Rio das Pedras, Piracaia, Ipeúna).
pub fn prefeituras() -> &'static [Prefeitura] {
    &EMBUTIDAS
}

impl Prefeitura {
    /// The shipped municipality with this `codPrefeitura`. The service reads the code as an
    /// integer, so `44` finds `0044`; the profile's `codigo` (leading zeros kept) is the one to
    /// store and send.
    pub fn buscar(codigo: &str) -> Option<&'static Prefeitura> {
        prefeituras().iter().find(|p| p.mesmo_codigo(codigo))
    }

    /// Whether `codigo` names this municipality: equal text, or equal as integers.
    pub fn mesmo_codigo(&self, codigo: &str) -> bool {
        let codigo = codigo.trim();
        let numero = |s: &str| s.parse::<u32>().ok();
        self.codigo == codigo
            || (numero(codigo).is_some() && numero(codigo) == numero(&self.codigo))
    }

    /// Reads a table of the shape of `data/prefeituras-nfd.tsv` (tab-separated: codPrefeitura,
    /// IBGE, `codigo_geral`|`codigo_atividade`, deduction limit or blank, name; `#` comments).
    ///
    /// # Errors
    /// The first line that cannot be read, with why.
    pub fn tabela(texto: &str) -> Result<Vec<Prefeitura>, ErroTabelaPrefeituras> {
        texto
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|(i, l)| {
                Prefeitura::linha(l).map_err(|motivo| ErroTabelaPrefeituras {
                    linha: i + 1,
                    motivo,
                })
            })
            .collect()
    }

    fn linha(l: &str) -> Result<Prefeitura, String> {
        let c: Vec<&str> = l.split('\t').collect();
        let [codigo, ibge, atividade, limite, nome] = c[..] else {
            return Err(format!(
                "esperava 5 colunas separadas por TAB, encontrou {}",
                c.len()
            ));
        };
        if codigo.is_empty() || !codigo.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("codPrefeitura \"{codigo}\" deve ter só dígitos"));
        }
        let ibge = CodigoIbge::parse(ibge).map_err(|e| format!("IBGE \"{ibge}\": {e}"))?;
        let atividade = match atividade {
            "codigo_geral" => RegraAtividade::CodigoGeral,
            "codigo_atividade" => RegraAtividade::CodigoAtividade,
            outro => {
                return Err(format!(
                    "regra de atividade \"{outro}\" deve ser codigo_geral ou codigo_atividade"
                ));
            }
        };
        let limite_deducao = if limite.is_empty() {
            None
        } else {
            Some(Percentual::parse_nfd(limite).map_err(|e| format!("limite \"{limite}\": {e}"))?)
        };
        Ok(Prefeitura {
            codigo: codigo.to_owned(),
            ibge,
            atividade,
            limite_deducao,
            nome: nome.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_profiles_follow_the_manual() {
        assert_eq!(prefeituras().len(), 3);
        let rp = Prefeitura::buscar("3150").unwrap();
        assert_eq!(rp.atividade, RegraAtividade::CodigoGeral);
        assert_eq!(rp.ibge.to_string(), "3544004");
        assert_eq!(
            Prefeitura::buscar("0044").unwrap().atividade,
            RegraAtividade::CodigoAtividade
        );
        assert_eq!(
            Prefeitura::buscar("3039").unwrap().atividade,
            RegraAtividade::CodigoAtividade
        );
        let piracaia = Prefeitura::buscar("44").unwrap();
        assert_eq!(piracaia.codigo, "0044", "o código canônico mantém os zeros");
        assert!(Prefeitura::buscar("x44").is_none());
        assert!(Prefeitura::buscar("45").is_none());
    }

    #[test]
    fn bad_table_lines_are_named() {
        let e = Prefeitura::tabela("# c\n9999\t3550308\tqualquer\t\tX\n").unwrap_err();
        assert_eq!(e.linha, 2);
        assert!(e.motivo.contains("qualquer"), "{}", e.motivo);
        let e = Prefeitura::tabela("9999\t3550309\tcodigo_geral\t\tX").unwrap_err();
        assert!(e.motivo.contains("3550309"), "{}", e.motivo);
        let ok = Prefeitura::tabela("9999\t3550308\tcodigo_geral\t30\tSão Paulo").unwrap();
        assert_eq!(ok[0].limite_deducao.unwrap().formatar_nfd(), "30,00");
    }
}
