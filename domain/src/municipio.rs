//! IBGE municipality codes, checked against the official list shipped with the crate
//! (`data/municipios.tsv`: 5 571 municipalities, with their RFB/SIAFI "TOM" code where known).
//!
//! A code is accepted only when it is in the list. The check digit is also verified so the
//! error says *why* a code is wrong; the nine official codes whose check digit does not follow
//! the rule (NF-e NT 2008.004) are in the list and therefore accepted.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

const TABELA: &str = include_str!("../data/municipios.tsv");

/// The nine official IBGE codes whose check digit does not follow the mod-10 rule.
pub const EXCECOES_DV: [u32; 9] = [
    2_201_919, 2_201_988, 2_202_251, 2_611_533, 3_117_836, 3_152_131, 4_305_871, 5_203_939,
    5_203_962,
];

const UFS: [(u32, &str); 27] = [
    (11, "RO"),
    (12, "AC"),
    (13, "AM"),
    (14, "RR"),
    (15, "PA"),
    (16, "AP"),
    (17, "TO"),
    (21, "MA"),
    (22, "PI"),
    (23, "CE"),
    (24, "RN"),
    (25, "PB"),
    (26, "PE"),
    (27, "AL"),
    (28, "SE"),
    (29, "BA"),
    (31, "MG"),
    (32, "ES"),
    (33, "RJ"),
    (35, "SP"),
    (41, "PR"),
    (42, "SC"),
    (43, "RS"),
    (50, "MS"),
    (51, "MT"),
    (52, "GO"),
    (53, "DF"),
];

/// A municipality of the official list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Municipio {
    /// The IBGE code.
    pub ibge: CodigoIbge,
    /// The 4-digit RFB/SIAFI code (TOM) used by Sicalc and DARF, when known.
    pub tom: Option<&'static str>,
    /// The state (UF), e.g. `SP`.
    pub uf: &'static str,
    /// The official name.
    pub nome: &'static str,
}

static MUNICIPIOS: LazyLock<Vec<Municipio>> = LazyLock::new(|| {
    let mut v: Vec<Municipio> = TABELA.lines().filter_map(linha).collect();
    v.sort_by_key(|m| m.ibge);
    v
});

fn linha(l: &'static str) -> Option<Municipio> {
    if l.starts_with('#') {
        return None;
    }
    let mut c = l.split('\t');
    let ibge = c.next()?.parse().ok()?;
    let tom = c.next().filter(|t| !t.is_empty());
    Some(Municipio {
        ibge: CodigoIbge(ibge),
        tom,
        uf: c.next()?,
        nome: c.next()?,
    })
}

/// Every municipality of the shipped list, ordered by IBGE code.
pub fn municipios() -> &'static [Municipio] {
    &MUNICIPIOS
}

/// Why an IBGE code was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroMunicipio {
    /// Not seven digits.
    #[error("o código IBGE do município tem 7 dígitos")]
    Formato,
    /// The first two digits are not a state code.
    #[error("os dois primeiros dígitos não são o código de uma UF")]
    Uf,
    /// The check digit does not match (and the code is not one of the nine exceptions).
    #[error("dígito verificador do código IBGE não confere")]
    DigitoVerificador,
    /// Well-formed, but not in the official list.
    #[error("código não consta da lista oficial de municípios do IBGE")]
    NaoEncontrado,
}

/// A seven-digit IBGE municipality code present in the official list.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CodigoIbge(u32);

impl CodigoIbge {
    /// Parses and checks a code: shape, state, check digit, presence in the list.
    ///
    /// # Errors
    /// [`ErroMunicipio`] naming what is wrong.
    pub fn parse(texto: &str) -> Result<CodigoIbge, ErroMunicipio> {
        let t = texto.trim();
        if t.len() != 7 || !t.bytes().all(|c| c.is_ascii_digit()) {
            return Err(ErroMunicipio::Formato);
        }
        let n: u32 = t.parse().map_err(|_| ErroMunicipio::Formato)?;
        if !UFS.iter().any(|(c, _)| *c == n / 100_000) {
            return Err(ErroMunicipio::Uf);
        }
        if digito_verificador(n / 10) != n % 10 && !EXCECOES_DV.contains(&n) {
            return Err(ErroMunicipio::DigitoVerificador);
        }
        let codigo = CodigoIbge(n);
        if MUNICIPIOS
            .binary_search_by_key(&codigo, |m| m.ibge)
            .is_err()
        {
            return Err(ErroMunicipio::NaoEncontrado);
        }
        Ok(codigo)
    }

    /// The numeric code.
    pub fn numero(&self) -> u32 {
        self.0
    }

    /// The municipality's entry in the official list.
    pub fn municipio(&self) -> Option<&'static Municipio> {
        MUNICIPIOS
            .binary_search_by_key(self, |m| m.ibge)
            .ok()
            .map(|i| &MUNICIPIOS[i])
    }
}

/// Mod-10 with weights 1,2,1,2,1,2 from the left over the six-digit prefix; products above 9
/// have their digits added.
fn digito_verificador(prefixo: u32) -> u32 {
    let soma: u32 = (0..6)
        .map(|i| {
            let digito = prefixo / 10u32.pow(5 - i) % 10;
            let v = digito * if i % 2 == 0 { 1 } else { 2 };
            v / 10 + v % 10
        })
        .sum();
    (10 - soma % 10) % 10
}

impl FromStr for CodigoIbge {
    type Err = ErroMunicipio;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CodigoIbge::parse(s)
    }
}

impl fmt::Display for CodigoIbge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:07}", self.0)
    }
}

impl fmt::Debug for CodigoIbge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CodigoIbge({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_complete() {
        assert_eq!(municipios().len(), 5571);
        assert!(municipios().windows(2).all(|w| w[0].ibge < w[1].ibge));
        let com_tom = municipios().iter().filter(|m| m.tom.is_some()).count();
        assert_eq!(com_tom, 5570, "só 5101837 não tem TOM conhecido");
    }

    #[test]
    fn known_codes() {
        let rp = CodigoIbge::parse("3544004").unwrap().municipio().unwrap();
        assert_eq!(
            (rp.nome, rp.uf, rp.tom),
            ("Rio das Pedras", "SP", Some("6981"))
        );
        for ok in ["3550308", "3509502", "3538600", "3521101", "5101837"] {
            assert!(CodigoIbge::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn nine_exceptions_are_accepted_and_are_exactly_the_dv_failures() {
        for c in EXCECOES_DV {
            assert!(CodigoIbge::parse(&c.to_string()).is_ok(), "{c}");
        }
        let falhas: Vec<u32> = municipios()
            .iter()
            .map(|m| m.ibge.numero())
            .filter(|n| digito_verificador(n / 10) != n % 10)
            .collect();
        assert_eq!(falhas, EXCECOES_DV.to_vec());
    }

    #[test]
    fn errors_say_why() {
        assert_eq!(CodigoIbge::parse("355030"), Err(ErroMunicipio::Formato));
        assert_eq!(CodigoIbge::parse("9950308"), Err(ErroMunicipio::Uf));
        assert_eq!(
            CodigoIbge::parse("3550309"),
            Err(ErroMunicipio::DigitoVerificador)
        );
        // 3599996: SP prefix and a correct check digit, but no such municipality.
        let n = 359_999 * 10 + digito_verificador(359_999);
        assert_eq!(
            CodigoIbge::parse(&n.to_string()),
            Err(ErroMunicipio::NaoEncontrado)
        );
    }
}
