//! Brazilian taxpayer documents: [`Cpf`], [`Cnpj`] (numeric and the alphanumeric format assigned
//! from July 2026) and [`Documento`] (either).
//!
//! Parsing accepts the masked (`529.982.247-25`, `12.ABC.345/01DE-35`) or bare form, and lower
//! case letters (normalised to upper case). Display is always masked; [`Cnpj::as_str`] and
//! [`Cpf::as_str`] give the bare form that APIs want.

use std::fmt;
use std::str::FromStr;

/// Why a CPF or CNPJ was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroDocumento {
    /// Nothing was given.
    #[error("documento vazio")]
    Vazio,
    /// A character other than a digit, a letter where allowed, or a mask character.
    #[error("caractere inválido '{0}'")]
    Caractere(char),
    /// Wrong number of characters once the mask is removed.
    #[error("{esperado} esperava {esperado_len} caracteres, encontrou {encontrado}")]
    Tamanho {
        /// `CPF`, `CNPJ` or `CPF ou CNPJ`.
        esperado: &'static str,
        /// Expected length (11 or 14; 0 when either would do).
        esperado_len: usize,
        /// Length found.
        encontrado: usize,
    },
    /// The check digits do not match.
    #[error("dígitos verificadores não conferem")]
    DigitoVerificador,
    /// Every character is the same (`111.111.111-11`), or the CNPJ base is all zeros.
    #[error("número com todos os dígitos iguais não é válido")]
    Repetido,
    /// Letters in a CNPJ's last two positions (the check digits are always numeric).
    #[error("os dígitos verificadores do CNPJ devem ser numéricos")]
    DvNaoNumerico,
}

/// Removes the mask characters `.`, `/`, `-` and surrounding blanks, upper-cases letters.
/// Writes into a fixed buffer; returns the length or an error on a stray character or overflow.
fn limpar<const N: usize>(texto: &str, buf: &mut [u8; N]) -> Result<usize, ErroDocumento> {
    let mut n = 0;
    for c in texto.trim().chars() {
        match c {
            '.' | '/' | '-' => continue,
            c if c.is_ascii_alphanumeric() => {
                if n < N {
                    buf[n] = c.to_ascii_uppercase() as u8;
                }
                n += 1;
            }
            c => return Err(ErroDocumento::Caractere(c)),
        }
    }
    if n == 0 {
        return Err(ErroDocumento::Vazio);
    }
    Ok(n)
}

/// Mod-11 check digit over `vals` with weights 2..=`peso_max` cycling from the right
/// (`peso_max` is 9 for CNPJ; 11 for CPF, where the weights never wrap); `r < 2` gives 0.
fn dv_mod11(vals: impl DoubleEndedIterator<Item = u32>, peso_max: u32) -> u8 {
    let soma: u32 = vals
        .rev()
        .zip((2..=peso_max).cycle())
        .map(|(v, p)| v * p)
        .sum();
    let r = soma % 11;
    if r < 2 { 0 } else { (11 - r) as u8 }
}

/// A CPF (individual taxpayer number): 11 digits with two check digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cpf([u8; 11]);

impl Cpf {
    /// Parses a masked or bare CPF and checks its digits.
    ///
    /// # Errors
    /// [`ErroDocumento`] naming what is wrong.
    pub fn parse(texto: &str) -> Result<Cpf, ErroDocumento> {
        let mut b = [0u8; 11];
        let n = limpar(texto, &mut b)?;
        if n != 11 {
            return Err(ErroDocumento::Tamanho {
                esperado: "CPF",
                esperado_len: 11,
                encontrado: n,
            });
        }
        if let Some(c) = b.iter().find(|c| !c.is_ascii_digit()) {
            return Err(ErroDocumento::Caractere(*c as char));
        }
        Cpf::checar(b)
    }

    fn checar(b: [u8; 11]) -> Result<Cpf, ErroDocumento> {
        if b.iter().all(|&c| c == b[0]) {
            return Err(ErroDocumento::Repetido);
        }
        let v = |i: usize| u32::from(b[i] - b'0');
        let dv1 = dv_mod11((0..9).map(v), 11);
        let dv2 = dv_mod11((0..10).map(v), 11);
        if b[9] - b'0' != dv1 || b[10] - b'0' != dv2 {
            return Err(ErroDocumento::DigitoVerificador);
        }
        Ok(Cpf(b))
    }

    /// Builds a valid CPF from its first nine digits, computing the check digits.
    /// Returns `None` when a digit is out of range or all nine digits are equal.
    pub fn from_base(base: [u8; 9]) -> Option<Cpf> {
        let mut b = [0u8; 11];
        for (i, d) in base.iter().enumerate() {
            if *d > 9 {
                return None;
            }
            b[i] = b'0' + d;
        }
        b[9] = b'0' + dv_mod11(base.iter().map(|&d| u32::from(d)), 11);
        b[10] = b'0' + dv_mod11(b[..10].iter().map(|&c| u32::from(c - b'0')), 11);
        Cpf::checar(b).ok()
    }

    /// The 11 digits, no mask.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl FromStr for Cpf {
    type Err = ErroDocumento;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cpf::parse(s)
    }
}

impl fmt::Display for Cpf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.as_str();
        write!(f, "{}.{}.{}-{}", &s[0..3], &s[3..6], &s[6..9], &s[9..11])
    }
}

impl fmt::Debug for Cpf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cpf({self})")
    }
}

/// Whether a CNPJ uses only digits or the alphanumeric format of IN RFB 2.229/2024.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TipoCnpj {
    /// Fourteen digits (every CNPJ issued before July 2026).
    Numerico,
    /// Letters in the first twelve positions.
    Alfanumerico,
}

/// A CNPJ (company taxpayer number): 12 alphanumeric characters and two numeric check digits.
///
/// Each character's value is its ASCII code minus 48 (`'A'` = 17), so numeric CNPJs keep their
/// historical check digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cnpj([u8; 14]);

impl Cnpj {
    /// Parses a masked or bare CNPJ, numeric or alphanumeric, and checks its digits.
    ///
    /// # Errors
    /// [`ErroDocumento`] naming what is wrong.
    pub fn parse(texto: &str) -> Result<Cnpj, ErroDocumento> {
        let mut b = [0u8; 14];
        let n = limpar(texto, &mut b)?;
        if n != 14 {
            return Err(ErroDocumento::Tamanho {
                esperado: "CNPJ",
                esperado_len: 14,
                encontrado: n,
            });
        }
        Cnpj::checar(b)
    }

    fn checar(b: [u8; 14]) -> Result<Cnpj, ErroDocumento> {
        if !b[12].is_ascii_digit() || !b[13].is_ascii_digit() {
            return Err(ErroDocumento::DvNaoNumerico);
        }
        if b.iter().all(|&c| c == b[0]) || b[..12].iter().all(|&c| c == b'0') {
            return Err(ErroDocumento::Repetido);
        }
        let (dv1, dv2) = Cnpj::dvs(&b[..12]);
        if b[12] - b'0' != dv1 || b[13] - b'0' != dv2 {
            return Err(ErroDocumento::DigitoVerificador);
        }
        Ok(Cnpj(b))
    }

    fn dvs(base: &[u8]) -> (u8, u8) {
        let v = |c: &u8| u32::from(*c - b'0');
        let dv1 = dv_mod11(base.iter().map(v), 9);
        let dv2 = dv_mod11(base.iter().map(v).chain(std::iter::once(u32::from(dv1))), 9);
        (dv1, dv2)
    }

    /// Builds a valid CNPJ from its twelve-character base (`[0-9A-Z]`), computing the check
    /// digits. Returns `None` for other characters or a base that would be refused as repeated.
    pub fn from_base(base: &str) -> Option<Cnpj> {
        let bytes = base.as_bytes();
        if bytes.len() != 12
            || !bytes
                .iter()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        {
            return None;
        }
        let mut b = [0u8; 14];
        b[..12].copy_from_slice(bytes);
        let (dv1, dv2) = Cnpj::dvs(bytes);
        b[12] = b'0' + dv1;
        b[13] = b'0' + dv2;
        Cnpj::checar(b).ok()
    }

    /// The 14 characters, no mask.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The first eight characters (raiz), shared by the head office and its branches.
    pub fn raiz(&self) -> &str {
        &self.as_str()[..8]
    }

    /// Characters 9 to 12 (ordem): `0001` is usually the head office.
    pub fn ordem(&self) -> &str {
        &self.as_str()[8..12]
    }

    /// Numeric or alphanumeric.
    pub fn tipo(&self) -> TipoCnpj {
        if self.0.iter().all(u8::is_ascii_digit) {
            TipoCnpj::Numerico
        } else {
            TipoCnpj::Alfanumerico
        }
    }
}

impl FromStr for Cnpj {
    type Err = ErroDocumento;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cnpj::parse(s)
    }
}

impl fmt::Display for Cnpj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.as_str();
        write!(
            f,
            "{}.{}.{}/{}-{}",
            &s[0..2],
            &s[2..5],
            &s[5..8],
            &s[8..12],
            &s[12..14]
        )
    }
}

impl fmt::Debug for Cnpj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cnpj({self})")
    }
}

/// A CPF or a CNPJ, told apart by length once the mask is removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Documento {
    /// An individual.
    Cpf(Cpf),
    /// A company.
    Cnpj(Cnpj),
}

impl Documento {
    /// Parses a CPF (11 characters) or a CNPJ (14) in masked or bare form.
    ///
    /// # Errors
    /// [`ErroDocumento`] naming what is wrong.
    pub fn parse(texto: &str) -> Result<Documento, ErroDocumento> {
        let mut b = [0u8; 14];
        match limpar(texto, &mut b)? {
            11 => Cpf::parse(texto).map(Documento::Cpf),
            14 => Cnpj::parse(texto).map(Documento::Cnpj),
            n => Err(ErroDocumento::Tamanho {
                esperado: "CPF ou CNPJ",
                esperado_len: 0,
                encontrado: n,
            }),
        }
    }

    /// The digits (and letters) without mask.
    pub fn as_str(&self) -> &str {
        match self {
            Documento::Cpf(c) => c.as_str(),
            Documento::Cnpj(c) => c.as_str(),
        }
    }

    /// The `tipo` code used by SERPRO: 1 for CPF, 2 for CNPJ.
    pub fn tipo_serpro(&self) -> u8 {
        match self {
            Documento::Cpf(_) => 1,
            Documento::Cnpj(_) => 2,
        }
    }
}

impl FromStr for Documento {
    type Err = ErroDocumento;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Documento::parse(s)
    }
}

impl fmt::Display for Documento {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Documento::Cpf(c) => c.fmt(f),
            Documento::Cnpj(c) => c.fmt(f),
        }
    }
}

impl From<Cpf> for Documento {
    fn from(c: Cpf) -> Self {
        Documento::Cpf(c)
    }
}

impl From<Cnpj> for Documento {
    fn from(c: Cnpj) -> Self {
        Documento::Cnpj(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_cpf_vectors() {
        for ok in ["529.982.247-25", "11144477735", "123.456.789-09"] {
            assert!(Cpf::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Cpf::parse("11111111111"), Err(ErroDocumento::Repetido));
        assert_eq!(
            Cpf::parse("529.982.247-26"),
            Err(ErroDocumento::DigitoVerificador)
        );
        assert_eq!(
            Cpf::parse("5299822472"),
            Err(ErroDocumento::Tamanho {
                esperado: "CPF",
                esperado_len: 11,
                encontrado: 10
            })
        );
    }

    #[test]
    fn numeric_cnpj_vectors() {
        for ok in [
            "11.222.333/0001-81",
            "11444777000161",
            "00000000000191",
            "44.038.188/0001-32",
        ] {
            let c = Cnpj::parse(ok).unwrap();
            assert_eq!(c.tipo(), TipoCnpj::Numerico);
        }
        assert_eq!(Cnpj::parse("00000000000000"), Err(ErroDocumento::Repetido));
        assert_eq!(Cnpj::parse("11111111111111"), Err(ErroDocumento::Repetido));
    }

    #[test]
    fn alphanumeric_cnpj_official_example() {
        let c = Cnpj::parse("12.ABC.345/01DE-35").unwrap();
        assert_eq!(c.as_str(), "12ABC34501DE35");
        assert_eq!(c.to_string(), "12.ABC.345/01DE-35");
        assert_eq!(c.tipo(), TipoCnpj::Alfanumerico);
        assert_eq!(c.raiz(), "12ABC345");
        assert_eq!(c.ordem(), "01DE");
        for ok in ["6A3EDMWP000168", "D7YDDI5H000162", "Q2GROWP7000185"] {
            assert!(Cnpj::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Cnpj::parse("12ABC34501DE00"),
            Err(ErroDocumento::DigitoVerificador)
        );
        assert_eq!(
            Cnpj::parse("12abc34501de35"),
            Ok(c),
            "minúsculas são aceitas"
        );
        assert_eq!(
            Cnpj::parse("12ABC34501DEAB"),
            Err(ErroDocumento::DvNaoNumerico)
        );
    }

    #[test]
    fn documento_picks_by_length_and_masks() {
        let d = Documento::parse("52998224725").unwrap();
        assert_eq!(d.to_string(), "529.982.247-25");
        assert_eq!(d.tipo_serpro(), 1);
        let d = Documento::parse("11222333000181").unwrap();
        assert_eq!(d.to_string(), "11.222.333/0001-81");
        assert_eq!(d.tipo_serpro(), 2);
        assert!(matches!(
            Documento::parse("123"),
            Err(ErroDocumento::Tamanho { encontrado: 3, .. })
        ));
        assert_eq!(
            Documento::parse("529 982"),
            Err(ErroDocumento::Caractere(' '))
        );
        assert_eq!(Documento::parse(""), Err(ErroDocumento::Vazio));
    }

    #[test]
    fn from_base_computes_check_digits() {
        assert_eq!(
            Cnpj::from_base("12ABC34501DE").unwrap().as_str(),
            "12ABC34501DE35"
        );
        assert_eq!(
            Cpf::from_base([5, 2, 9, 9, 8, 2, 2, 4, 7])
                .unwrap()
                .as_str(),
            "52998224725"
        );
    }
}
