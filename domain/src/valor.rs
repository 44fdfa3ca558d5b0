//! Money ([`Valor`]) and percentages ([`Percentual`]) as exact decimals, never `f64`.
//!
//! Two textual formats exist in the manuals:
//! - NFD: comma decimal separator, no thousands separator, at most two decimals (`1000,00`);
//!   written with exactly two decimals. A whole number (`1000`) is read as `1000,00`.
//! - JSON (CONAM): a JSON number with a point (`2500.5`), read from its exact text.

use crate::texto::aparar;
use rust_decimal::Decimal;
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub};

/// Why a money or percentage text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroValor {
    /// Nothing was given.
    #[error("valor vazio")]
    Vazio,
    /// A point where the NFD format wants a comma, or a thousands separator.
    #[error("use vírgula como separador decimal e nenhum separador de milhar (ex.: 1000,00)")]
    Separador,
    /// More than two decimal places.
    #[error("no máximo duas casas decimais")]
    CasasDecimais,
    /// Anything else that is not a number.
    #[error("não é um número")]
    NaoNumerico,
    /// Too many digits to be an amount of money.
    #[error("valor grande demais (máximo de 15 dígitos inteiros)")]
    GrandeDemais,
}

const MAX_DIGITOS_INTEIROS: usize = 15;

/// The common shape, `-?D{1,15}([sep]D{1,2})?`, read in one pass into cents; `None` for any
/// other text, which [`parse_centavos`] then reads in full (naming what is wrong). When it
/// answers, it answers what `parse_centavos` would (property-tested).
#[inline]
fn centavos_simples(t: &[u8], sep: u8) -> Option<i64> {
    let (neg, b) = match t {
        [b'-', resto @ ..] => (true, resto),
        _ => (false, t),
    };
    let inteiros = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if inteiros == 0 || inteiros > MAX_DIGITOS_INTEIROS {
        return None;
    }
    let (inteiro, resto) = b.split_at(inteiros);
    let digito = |c: u8| c.is_ascii_digit().then(|| i64::from(c - b'0'));
    let frac = match *resto {
        [] => 0,
        [s, d] if s == sep => digito(d)? * 10,
        [s, d, u] if s == sep => digito(d)? * 10 + digito(u)?,
        _ => return None,
    };
    let reais = inteiro
        .iter()
        .fold(0i64, |n, &c| n * 10 + i64::from(c - b'0'));
    let centavos = reais * 100 + frac;
    Some(if neg { -centavos } else { centavos })
}

/// Parses `-?D+([sep]D{1,2})?` into cents, then into a scale-2 decimal.
fn parse_centavos(texto: &str, sep: u8, outro: u8) -> Result<Decimal, ErroValor> {
    let t = aparar(texto);
    if let Some(centavos) = centavos_simples(t.as_bytes(), sep) {
        return Ok(Decimal::new(centavos, 2));
    }
    if t.is_empty() {
        return Err(ErroValor::Vazio);
    }
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let b = t.as_bytes();
    let (inteiro, frac) = match b.iter().position(|&c| c == sep) {
        Some(p) => (&b[..p], &b[p + 1..]),
        None => (b, &b[b.len()..]),
    };
    if inteiro.is_empty() || (frac.is_empty() && b.len() != inteiro.len()) {
        return Err(ErroValor::NaoNumerico);
    }
    if b.contains(&outro) {
        return Err(ErroValor::Separador);
    }
    if !inteiro.iter().chain(frac).all(u8::is_ascii_digit) {
        return Err(ErroValor::NaoNumerico);
    }
    if frac.len() > 2 {
        return Err(ErroValor::CasasDecimais);
    }
    if inteiro.len() > MAX_DIGITOS_INTEIROS {
        return Err(ErroValor::GrandeDemais);
    }
    let mut cents: i64 = 0;
    for &c in inteiro {
        cents = cents * 10 + i64::from(c - b'0');
    }
    for i in 0..2 {
        cents = cents * 10 + frac.get(i).map_or(0, |&c| i64::from(c - b'0'));
    }
    Ok(Decimal::new(if neg { -cents } else { cents }, 2))
}

/// Writes a scale-2 decimal as `1234,56` (comma, no thousands separator).
fn escrever_virgula(d: Decimal) -> String {
    let mut d = d;
    d.rescale(2);
    d.to_string().replace('.', ",")
}

/// An amount of money in reais, exact, with at most two decimal places. May be negative (CONAM
/// reversals carry negative values); rules that forbid negatives check [`Valor::is_negative`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Valor(Decimal);

impl Valor {
    /// Zero reais.
    pub const ZERO: Valor = Valor(Decimal::ZERO);

    /// From a whole number of centavos.
    pub fn from_centavos(centavos: i64) -> Valor {
        Valor(Decimal::new(centavos, 2))
    }

    /// From a decimal; `None` when it has more than two significant decimal places.
    pub fn from_decimal(d: Decimal) -> Option<Valor> {
        let n = d.normalize();
        (n.scale() <= 2).then(|| {
            let mut d = n;
            d.rescale(2);
            Valor(d)
        })
    }

    /// Parses the NFD format: `1000,00`, `1000,5` or `1000`.
    ///
    /// # Errors
    /// [`ErroValor`] naming what is wrong.
    pub fn parse_nfd(texto: &str) -> Result<Valor, ErroValor> {
        parse_centavos(texto, b',', b'.').map(Valor)
    }

    /// Writes the NFD format with exactly two decimals: `1000,00`.
    pub fn formatar_nfd(&self) -> String {
        escrever_virgula(self.0)
    }

    /// Parses the text of a JSON number (`2500.5`, `-10`, `1.5e2`), exactly.
    ///
    /// # Errors
    /// [`ErroValor`] naming what is wrong, including more than two decimal places.
    pub fn parse_json(texto: &str) -> Result<Valor, ErroValor> {
        let t = aparar(texto);
        if let Some(centavos) = centavos_simples(t.as_bytes(), b'.') {
            return Ok(Valor(Decimal::new(centavos, 2)));
        }
        if t.bytes().any(|b| b == b'e' || b == b'E') {
            let d = Decimal::from_scientific(t).map_err(|_| ErroValor::NaoNumerico)?;
            return Valor::from_decimal(d).ok_or(ErroValor::CasasDecimais);
        }
        parse_centavos(t, b'.', b',').map(Valor)
    }

    /// The exact decimal, scale 2.
    pub fn decimal(&self) -> Decimal {
        self.0
    }

    /// The amount in centavos.
    pub fn centavos(&self) -> i64 {
        let mut d = self.0;
        d.rescale(2);
        i64::try_from(d.mantissa()).unwrap_or(i64::MAX)
    }

    /// True below zero.
    pub fn is_negative(&self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// True when exactly zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// True above zero.
    pub fn is_positive(&self) -> bool {
        !self.is_zero() && !self.is_negative()
    }
}

impl fmt::Display for Valor {
    /// Brazilian display: `R$ 1.234,56`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = escrever_virgula(self.0.abs());
        let (int, frac) = s.split_at(s.len() - 3);
        let mut agrupado = String::with_capacity(int.len() + int.len() / 3);
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                agrupado.push('.');
            }
            agrupado.push(c);
        }
        let sinal = if self.is_negative() { "-" } else { "" };
        write!(f, "{sinal}R$ {agrupado}{frac}")
    }
}

impl fmt::Debug for Valor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Valor({})", self.0)
    }
}

impl Add for Valor {
    type Output = Valor;
    fn add(self, o: Valor) -> Valor {
        Valor(self.0 + o.0)
    }
}

impl AddAssign for Valor {
    fn add_assign(&mut self, o: Valor) {
        self.0 += o.0;
    }
}

impl Sub for Valor {
    type Output = Valor;
    fn sub(self, o: Valor) -> Valor {
        Valor(self.0 - o.0)
    }
}

impl Neg for Valor {
    type Output = Valor;
    fn neg(self) -> Valor {
        Valor(-self.0)
    }
}

impl Sum for Valor {
    fn sum<I: Iterator<Item = Valor>>(iter: I) -> Valor {
        iter.fold(Valor::ZERO, Add::add)
    }
}

/// A percentage between 0 and 100 with at most two decimals (NFD `ALIQUOTA`,
/// `PORCENTAGEM_REGIME_ESPECIAL`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Percentual(Decimal);

/// Why a percentage was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroPercentual {
    /// Malformed text.
    #[error(transparent)]
    Formato(#[from] ErroValor),
    /// Below 0 or above 100.
    #[error("deve estar entre 0 e 100")]
    Faixa,
}

impl Percentual {
    /// Parses the NFD format (`3,00`, `0`) and checks 0 ≤ p ≤ 100.
    ///
    /// # Errors
    /// [`ErroPercentual`].
    pub fn parse_nfd(texto: &str) -> Result<Percentual, ErroPercentual> {
        let d = parse_centavos(texto, b',', b'.')?;
        Percentual::from_decimal(d).ok_or(ErroPercentual::Faixa)
    }

    /// From a decimal in 0..=100 with at most two decimals.
    pub fn from_decimal(d: Decimal) -> Option<Percentual> {
        let v = Valor::from_decimal(d)?;
        (v.0 >= Decimal::ZERO && v.0 <= Decimal::ONE_HUNDRED).then_some(Percentual(v.0))
    }

    /// Writes `3,00`.
    pub fn formatar_nfd(&self) -> String {
        escrever_virgula(self.0)
    }

    /// The exact decimal.
    pub fn decimal(&self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Percentual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.formatar_nfd())
    }
}

impl fmt::Debug for Percentual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Percentual({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfd_format_reads_manual_examples() {
        assert_eq!(Valor::parse_nfd("1000,00").unwrap().centavos(), 100_000);
        assert_eq!(Valor::parse_nfd("440,5").unwrap().formatar_nfd(), "440,50");
        assert_eq!(Valor::parse_nfd("0").unwrap().formatar_nfd(), "0,00");
        assert_eq!(Valor::parse_nfd("1.000,00"), Err(ErroValor::Separador));
        assert_eq!(Valor::parse_nfd("1000.00"), Err(ErroValor::Separador));
        assert_eq!(Valor::parse_nfd("10,001"), Err(ErroValor::CasasDecimais));
        assert_eq!(Valor::parse_nfd(""), Err(ErroValor::Vazio));
        assert_eq!(Valor::parse_nfd("abc"), Err(ErroValor::NaoNumerico));
        assert_eq!(Valor::parse_nfd("10,"), Err(ErroValor::NaoNumerico));
        assert_eq!(Valor::parse_nfd(",5"), Err(ErroValor::NaoNumerico));
        assert_eq!(
            Valor::parse_nfd("1234567890123456"),
            Err(ErroValor::GrandeDemais)
        );
    }

    #[test]
    fn json_numbers_are_exact() {
        assert_eq!(
            Valor::parse_json("2500.5").unwrap().formatar_nfd(),
            "2500,50"
        );
        assert_eq!(Valor::parse_json("-10").unwrap().centavos(), -1000);
        assert_eq!(Valor::parse_json("1.5e2").unwrap().centavos(), 15000);
        assert_eq!(Valor::parse_json("0.1").unwrap().centavos(), 10);
        assert_eq!(Valor::parse_json("2500.505"), Err(ErroValor::CasasDecimais));
        assert_eq!(Valor::parse_json("2500,5"), Err(ErroValor::Separador));
    }

    /// `parse_centavos` without the one-pass shortcut: the reference it must agree with.
    fn parse_centavos_completo(texto: &str, sep: u8, outro: u8) -> Result<Decimal, ErroValor> {
        let t = texto.trim();
        if t.is_empty() {
            return Err(ErroValor::Vazio);
        }
        let (neg, t) = match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t),
        };
        let b = t.as_bytes();
        let (inteiro, frac) = match b.iter().position(|&c| c == sep) {
            Some(p) => (&b[..p], &b[p + 1..]),
            None => (b, &b[b.len()..]),
        };
        if inteiro.is_empty() || (frac.is_empty() && b.len() != inteiro.len()) {
            return Err(ErroValor::NaoNumerico);
        }
        if b.contains(&outro) {
            return Err(ErroValor::Separador);
        }
        if !inteiro.iter().chain(frac).all(u8::is_ascii_digit) {
            return Err(ErroValor::NaoNumerico);
        }
        if frac.len() > 2 {
            return Err(ErroValor::CasasDecimais);
        }
        if inteiro.len() > MAX_DIGITOS_INTEIROS {
            return Err(ErroValor::GrandeDemais);
        }
        let mut cents: i64 = 0;
        for &c in inteiro {
            cents = cents * 10 + i64::from(c - b'0');
        }
        for i in 0..2 {
            cents = cents * 10 + frac.get(i).map_or(0, |&c| i64::from(c - b'0'));
        }
        Ok(Decimal::new(if neg { -cents } else { cents }, 2))
    }

    proptest::proptest! {
        /// The one-pass shortcut changes no answer, value or error, of either format.
        #[test]
        fn shortcut_agrees_with_the_full_parser(
            t in "[ ]?-{0,2}[0-9]{0,17}([.,][0-9]{0,3})?[.,eE+a ]?[0-9]{0,2}",
        ) {
            for (sep, outro) in [(b'.', b','), (b',', b'.')] {
                let completo = parse_centavos_completo(&t, sep, outro);
                proptest::prop_assert_eq!(parse_centavos(&t, sep, outro), completo.clone());
                if let Some(c) = centavos_simples(t.trim().as_bytes(), sep) {
                    proptest::prop_assert_eq!(Ok(Decimal::new(c, 2)), completo);
                }
            }
        }

        #[test]
        fn shortcut_agrees_on_any_text(t in proptest::prelude::any::<String>()) {
            for (sep, outro) in [(b'.', b','), (b',', b'.')] {
                proptest::prop_assert_eq!(
                    parse_centavos(&t, sep, outro),
                    parse_centavos_completo(&t, sep, outro)
                );
            }
        }
    }

    #[test]
    fn display_is_brazilian() {
        assert_eq!(
            Valor::from_centavos(123_456_789).to_string(),
            "R$ 1.234.567,89"
        );
        assert_eq!(Valor::from_centavos(-5).to_string(), "-R$ 0,05");
        assert_eq!(Valor::from_centavos(100).to_string(), "R$ 1,00");
    }

    #[test]
    fn percent_range() {
        assert_eq!(
            Percentual::parse_nfd("3,00").unwrap().formatar_nfd(),
            "3,00"
        );
        assert_eq!(
            Percentual::parse_nfd("100").unwrap().formatar_nfd(),
            "100,00"
        );
        assert_eq!(Percentual::parse_nfd("100,01"), Err(ErroPercentual::Faixa));
        assert_eq!(Percentual::parse_nfd("-1"), Err(ErroPercentual::Faixa));
    }
}
