//! Calendar dates ([`Data`], `DD/MM/AAAA`) and tax periods ([`Competencia`], month and year).
//!
//! A small, dependency-free civil date: validity (leap years included), ordering, day counts.
//! The domain never reads the clock; callers pass "today" in.

use std::fmt;
use std::str::FromStr;

/// Why a date text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroData {
    /// Nothing was given.
    #[error("data vazia")]
    Vazia,
    /// Not in the expected shape.
    #[error("formato esperado {0}")]
    Formato(&'static str),
    /// Shape is right but the day does not exist (31/02, 29/02 of a common year, month 13…).
    #[error("data inexistente no calendário")]
    Inexistente,
    /// Year outside 1900–2999.
    #[error("ano fora da faixa 1900–2999")]
    Ano,
}

/// Brasília's offset from UTC, in seconds: UTC−3 all year (no daylight saving time since 2019).
pub const FUSO_BRASILIA_SEGUNDOS: i64 = -3 * 3600;

/// 01/01/1970, the date of the Unix epoch.
const EPOCA: Data = Data {
    ano: 1970,
    mes: 1,
    dia: 1,
};

/// A real calendar date.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Data {
    ano: u16,
    mes: u8,
    dia: u8,
}

fn bissexto(ano: u16) -> bool {
    (ano.is_multiple_of(4) && !ano.is_multiple_of(100)) || ano.is_multiple_of(400)
}

fn dias_no_mes(ano: u16, mes: u8) -> u8 {
    match mes {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if bissexto(ano) => 29,
        2 => 28,
        _ => 0,
    }
}

fn digitos(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, &c| n * 10 + u32::from(c - b'0')))
}

impl Data {
    /// Builds a date, checking it exists.
    ///
    /// # Errors
    /// [`ErroData::Inexistente`] or [`ErroData::Ano`].
    pub fn new(ano: u16, mes: u8, dia: u8) -> Result<Data, ErroData> {
        if !(1900..=2999).contains(&ano) {
            return Err(ErroData::Ano);
        }
        if dia == 0 || dia > dias_no_mes(ano, mes) {
            return Err(ErroData::Inexistente);
        }
        Ok(Data { ano, mes, dia })
    }

    /// Parses `DD/MM/AAAA` (exactly ten characters, as the manuals write it).
    ///
    /// # Errors
    /// [`ErroData`] naming what is wrong.
    pub fn parse_br(texto: &str) -> Result<Data, ErroData> {
        let b = crate::texto::aparar(texto).as_bytes();
        if b.is_empty() {
            return Err(ErroData::Vazia);
        }
        if b.len() != 10 || b[2] != b'/' || b[5] != b'/' {
            return Err(ErroData::Formato("DD/MM/AAAA"));
        }
        let campos = (digitos(&b[0..2]), digitos(&b[3..5]), digitos(&b[6..10]));
        let (Some(d), Some(m), Some(a)) = campos else {
            return Err(ErroData::Formato("DD/MM/AAAA"));
        };
        Data::new(a as u16, m as u8, d as u8)
    }

    /// Parses ISO `AAAA-MM-DD`; a time part after it (`T00:00:00-03:00`) is ignored.
    ///
    /// # Errors
    /// [`ErroData`] naming what is wrong.
    pub fn parse_iso(texto: &str) -> Result<Data, ErroData> {
        let b = texto.trim().as_bytes();
        if b.is_empty() {
            return Err(ErroData::Vazia);
        }
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' || (b.len() > 10 && b[10] != b'T') {
            return Err(ErroData::Formato("AAAA-MM-DD"));
        }
        let campos = (digitos(&b[0..4]), digitos(&b[5..7]), digitos(&b[8..10]));
        let (Some(a), Some(m), Some(d)) = campos else {
            return Err(ErroData::Formato("AAAA-MM-DD"));
        };
        Data::new(a as u16, m as u8, d as u8)
    }

    /// Parses compact `AAAAMMDD` (SERPRO's format).
    ///
    /// # Errors
    /// [`ErroData`] naming what is wrong.
    pub fn parse_compacta(texto: &str) -> Result<Data, ErroData> {
        let b = texto.trim().as_bytes();
        if b.is_empty() {
            return Err(ErroData::Vazia);
        }
        if b.len() != 8 {
            return Err(ErroData::Formato("AAAAMMDD"));
        }
        let campos = (digitos(&b[0..4]), digitos(&b[4..6]), digitos(&b[6..8]));
        let (Some(a), Some(m), Some(d)) = campos else {
            return Err(ErroData::Formato("AAAAMMDD"));
        };
        Data::new(a as u16, m as u8, d as u8)
    }

    /// The year.
    pub fn ano(&self) -> u16 {
        self.ano
    }

    /// The month, 1–12.
    pub fn mes(&self) -> u8 {
        self.mes
    }

    /// The day of the month.
    pub fn dia(&self) -> u8 {
        self.dia
    }

    /// ISO form `AAAA-MM-DD`.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.ano, self.mes, self.dia)
    }

    /// Compact form `AAAAMMDD`.
    pub fn compacta(&self) -> String {
        format!("{:04}{:02}{:02}", self.ano, self.mes, self.dia)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn dias_desde_epoca(&self) -> i64 {
        // Count from 1 March so that the leap day is the last of the shifted year.
        let (a, m) = if self.mes <= 2 {
            (i64::from(self.ano) - 1, i64::from(self.mes) + 9)
        } else {
            (i64::from(self.ano), i64::from(self.mes) - 3)
        };
        let era = a.div_euclid(400);
        let ano_da_era = a - era * 400;
        let dia_do_ano = (153 * m + 2) / 5 + i64::from(self.dia) - 1;
        let dia_da_era = ano_da_era * 365 + ano_da_era / 4 - ano_da_era / 100 + dia_do_ano;
        era * 146_097 + dia_da_era - 719_468
    }

    /// The date and the time of day (`hh:mm:ss`) in Brasília of `instante`; an instant before
    /// 1970 counts as its start, a date outside 1900–2999 as 01/01/1970 (no clock gives either).
    pub fn em_brasilia(instante: std::time::SystemTime) -> (Data, String) {
        let segundos = instante
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let local = segundos.saturating_add(FUSO_BRASILIA_SEGUNDOS);
        let resto = local.rem_euclid(86_400);
        let data = Data::from_dias_desde_epoca(local.div_euclid(86_400)).unwrap_or(EPOCA);
        let hora = format!(
            "{:02}:{:02}:{:02}",
            resto / 3600,
            resto % 3600 / 60,
            resto % 60
        );
        (data, hora)
    }

    /// The date `dias` days after 1970-01-01; `None` outside 1900–2999.
    pub fn from_dias_desde_epoca(dias: i64) -> Option<Data> {
        let z = dias + 719_468;
        let era = z.div_euclid(146_097);
        let dia_da_era = z - era * 146_097;
        let ano_da_era =
            (dia_da_era - dia_da_era / 1460 + dia_da_era / 36_524 - dia_da_era / 146_096) / 365;
        let dia_do_ano = dia_da_era - (365 * ano_da_era + ano_da_era / 4 - ano_da_era / 100);
        let mp = (5 * dia_do_ano + 2) / 153;
        let dia = dia_do_ano - (153 * mp + 2) / 5 + 1;
        let mes = if mp < 10 { mp + 3 } else { mp - 9 };
        let ano = ano_da_era + era * 400 + i64::from(mes <= 2);
        Data::new(u16::try_from(ano).ok()?, mes as u8, dia as u8).ok()
    }

    /// This date plus `dias` days (negative goes back); `None` outside 1900–2999.
    pub fn mais_dias(&self, dias: i64) -> Option<Data> {
        Data::from_dias_desde_epoca(self.dias_desde_epoca() + dias)
    }

    /// Days from `self` to `outra` (positive when `outra` is later).
    pub fn dias_ate(&self, outra: Data) -> i64 {
        outra.dias_desde_epoca() - self.dias_desde_epoca()
    }

    /// Day of the year, 1–366.
    pub fn dia_do_ano(&self) -> u16 {
        let primeiro = Data {
            ano: self.ano,
            mes: 1,
            dia: 1,
        };
        (primeiro.dias_ate(*self) + 1) as u16
    }

    /// The date that is day `dia` (1–366) of `ano`.
    pub fn from_dia_do_ano(ano: u16, dia: u16) -> Option<Data> {
        let primeiro = Data::new(ano, 1, 1).ok()?;
        let d = primeiro.mais_dias(i64::from(dia) - 1)?;
        (dia >= 1 && d.ano == ano).then_some(d)
    }
}

impl FromStr for Data {
    type Err = ErroData;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Data::parse_br(s)
    }
}

impl fmt::Display for Data {
    /// `DD/MM/AAAA`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:02}/{:04}", self.dia, self.mes, self.ano)
    }
}

impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Data({self})")
    }
}

/// A tax period: month and year (período de apuração, `AAAAMM`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Competencia {
    ano: u16,
    mes: u8,
}

impl Competencia {
    /// Builds a period; `None` for a month outside 1–12 or a year outside 1900–2999.
    pub fn new(ano: u16, mes: u8) -> Option<Competencia> {
        ((1..=12).contains(&mes) && (1900..=2999).contains(&ano))
            .then_some(Competencia { ano, mes })
    }

    /// Parses `AAAAMM`.
    ///
    /// # Errors
    /// [`ErroData::Formato`] or [`ErroData::Inexistente`].
    pub fn parse(texto: &str) -> Result<Competencia, ErroData> {
        let b = texto.trim().as_bytes();
        if b.len() != 6 {
            return Err(ErroData::Formato("AAAAMM"));
        }
        let (Some(a), Some(m)) = (digitos(&b[0..4]), digitos(&b[4..6])) else {
            return Err(ErroData::Formato("AAAAMM"));
        };
        Competencia::new(a as u16, m as u8).ok_or(ErroData::Inexistente)
    }

    /// The period of a date.
    pub fn de(data: Data) -> Competencia {
        Competencia {
            ano: data.ano,
            mes: data.mes,
        }
    }

    /// The year.
    pub fn ano(&self) -> u16 {
        self.ano
    }

    /// The month, 1–12.
    pub fn mes(&self) -> u8 {
        self.mes
    }

    /// The following period.
    pub fn seguinte(&self) -> Competencia {
        if self.mes == 12 {
            Competencia {
                ano: self.ano + 1,
                mes: 1,
            }
        } else {
            Competencia {
                ano: self.ano,
                mes: self.mes + 1,
            }
        }
    }

    /// The period before, `None` before 01/1900 (the first period there is).
    pub fn anterior(&self) -> Option<Competencia> {
        if self.mes == 1 {
            Competencia::new(self.ano.checked_sub(1)?, 12)
        } else {
            Competencia::new(self.ano, self.mes - 1)
        }
    }

    /// `AAAAMM`.
    pub fn compacta(&self) -> String {
        format!("{:04}{:02}", self.ano, self.mes)
    }
}

impl fmt::Display for Competencia {
    /// `MM/AAAA`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:04}", self.mes, self.ano)
    }
}

impl fmt::Debug for Competencia {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Competencia({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brasilia_is_three_hours_behind_utc_across_midnight() {
        let em =
            |s: u64| Data::em_brasilia(std::time::UNIX_EPOCH + std::time::Duration::from_secs(s));
        // 2026-11-23T02:59:59Z is still the 22nd in Brasília; 03:00:00Z is its midnight.
        assert_eq!(
            em(1_795_402_799),
            (Data::new(2026, 11, 22).unwrap(), "23:59:59".to_owned())
        );
        assert_eq!(
            em(1_795_402_800),
            (Data::new(2026, 11, 23).unwrap(), "00:00:00".to_owned())
        );
    }

    #[test]
    fn parses_and_rejects() {
        let d = Data::parse_br("21/05/2016").unwrap();
        assert_eq!((d.dia(), d.mes(), d.ano()), (21, 5, 2016));
        assert_eq!(d.to_string(), "21/05/2016");
        assert_eq!(Data::parse_br("29/02/2024").unwrap().dia(), 29);
        assert_eq!(Data::parse_br("29/02/2023"), Err(ErroData::Inexistente));
        assert_eq!(Data::parse_br("31/04/2023"), Err(ErroData::Inexistente));
        assert_eq!(Data::parse_br("00/01/2023"), Err(ErroData::Inexistente));
        assert_eq!(Data::parse_br("01/13/2023"), Err(ErroData::Inexistente));
        assert_eq!(
            Data::parse_br("2023-01-01"),
            Err(ErroData::Formato("DD/MM/AAAA"))
        );
        assert_eq!(
            Data::parse_br("1/1/2023"),
            Err(ErroData::Formato("DD/MM/AAAA"))
        );
        assert_eq!(Data::parse_br(""), Err(ErroData::Vazia));
        assert_eq!(Data::parse_br("01/01/0023"), Err(ErroData::Ano));
        assert_eq!(
            Data::parse_iso("2019-09-30T00:00:00-03:00")
                .unwrap()
                .to_string(),
            "30/09/2019"
        );
        assert_eq!(
            Data::parse_compacta("20260720").unwrap().to_string(),
            "20/07/2026"
        );
    }

    #[test]
    fn epoch_round_trip_and_known_points() {
        assert_eq!(Data::new(1970, 1, 1).unwrap().dias_desde_epoca(), 0);
        assert_eq!(Data::new(2000, 3, 1).unwrap().dias_desde_epoca(), 11_017);
        for dias in (-25_000..375_000).step_by(37) {
            let d = Data::from_dias_desde_epoca(dias).unwrap();
            assert_eq!(d.dias_desde_epoca(), dias);
        }
    }

    #[test]
    fn julian_days() {
        let d = Data::from_dia_do_ano(2021, 53).unwrap();
        assert_eq!(d.to_string(), "22/02/2021");
        assert_eq!(d.dia_do_ano(), 53);
        assert_eq!(Data::from_dia_do_ano(2023, 366), None);
        assert_eq!(
            Data::from_dia_do_ano(2024, 366).unwrap().to_string(),
            "31/12/2024"
        );
    }

    #[test]
    fn competencia() {
        let c = Competencia::parse("202412").unwrap();
        assert_eq!(c.seguinte().compacta(), "202501");
        assert_eq!(c.seguinte().anterior(), Some(c));
        assert_eq!(
            c.anterior().map(|a| a.compacta()).as_deref(),
            Some("202411")
        );
        assert_eq!(Competencia::new(1900, 1).and_then(|c| c.anterior()), None);
        assert_eq!(c.to_string(), "12/2024");
        assert!(Competencia::parse("202413").is_err());
    }
}
