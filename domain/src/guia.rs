//! Federal tax guides: DARF and DAS ([`Guia`]), their 17-digit document number
//! ([`NumeroDocumento`]), revenue code ([`CodigoReceita`]) and the FEBRABAN arrecadação barcode
//! ([`CodigoBarras`]).
//!
//! The barcode rules follow `reference/domain.md` §2.2: 44 digits, first digit `8`, segment in
//! position 2, value type and check-digit module in position 3 (`6`/`7` mod 10, `8`/`9` mod 11),
//! general check digit in position 4. The linha digitável (48 digits) is the barcode cut into four
//! blocks of 11 digits, each followed by its own check digit computed with the same module.
//!
//! Facts marked *inferred* in the reference are exposed as soft checks or optional readings
//! ([`NumeroDocumento::dv_confere`], [`CodigoBarras::vencimento_darf`]), never as parse errors.

use std::fmt;
use std::str::FromStr;

use crate::data::{Competencia, Data};
use crate::documento::Documento;
use crate::valor::Valor;
use crate::violacao::{Regra, Violacao, Violacoes};

/// Mod-10 check digit (FEBRABAN): weights 2,1,2,1… from the rightmost digit, the *digits* of
/// each product are summed, `dv = (10 - soma % 10) % 10`.
fn dv_mod10(digitos: impl DoubleEndedIterator<Item = u8>) -> u8 {
    let soma: u32 = digitos
        .rev()
        .zip([2u32, 1].into_iter().cycle())
        .map(|(d, p)| {
            let x = u32::from(d) * p;
            x / 10 + x % 10
        })
        .sum();
    ((10 - soma % 10) % 10) as u8
}

/// Mod-11 check digit: weights 2..=9 cycling from the rightmost digit, `r = soma % 11`,
/// `dv = 0` when `r < 2`, otherwise `11 - r`.
fn dv_mod11(digitos: impl DoubleEndedIterator<Item = u8>) -> u8 {
    let soma: u32 = digitos
        .rev()
        .zip((2u32..=9).cycle())
        .map(|(d, p)| u32::from(d) * p)
        .sum();
    let r = soma % 11;
    if r < 2 { 0 } else { (11 - r) as u8 }
}

/// Keeps the ASCII digits of `texto` (as values 0–9) in `buf`, skipping blanks and the mask
/// characters in `mascara`. Returns how many digits were seen (possibly more than `N`).
fn digitos_em<const N: usize>(
    texto: &str,
    mascara: &[char],
    buf: &mut [u8; N],
) -> Result<usize, char> {
    let mut n = 0;
    for c in texto.trim().chars() {
        if c.is_ascii_digit() {
            if n < N {
                buf[n] = c as u8 - b'0';
            }
            n += 1;
        } else if !(c.is_whitespace() || mascara.contains(&c)) {
            return Err(c);
        }
    }
    Ok(n)
}

// ---------------------------------------------------------------------------------------------
// Número do documento
// ---------------------------------------------------------------------------------------------

/// Why a document number was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroNumeroDocumento {
    /// Nothing was given.
    #[error("número do documento vazio")]
    Vazio,
    /// A character other than a digit, `.`, `-` or a blank.
    #[error("caractere inválido '{0}' no número do documento")]
    Caractere(char),
    /// Not 17 digits once the mask is removed.
    #[error("o número do documento deve ter 17 dígitos, encontrou {0}")]
    Tamanho(usize),
}

impl ErroNumeroDocumento {
    /// This error as a [`Violacao`] of [`Regra::GuiaNumeroDocumento`] on `campo`.
    pub fn violacao(&self, campo: &str, valor: &str) -> Violacao {
        Violacao::new(campo, Regra::GuiaNumeroDocumento, self.to_string(), valor)
    }
}

/// The largest 17-digit number.
const MAX_NUMERO: u64 = 99_999_999_999_999_999;

/// The 17-digit número do documento of a DAS or a DARF numerado (printed
/// `07.20.26145.9307993-6`).
///
/// Stored as a `u64` so that reconciliation can key hash maps on it without allocating.
/// Display is masked (`NN.NN.NNNNN.NNNNNNN-N`); [`NumeroDocumento::as_digitos`] gives the bare
/// 17 digits that APIs want (PAGTOWEB answers HTTP 500 to a masked number).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NumeroDocumento(u64);

impl NumeroDocumento {
    /// Parses the masked or bare form: 17 digits; `.`, `-` and blanks are ignored.
    ///
    /// # Errors
    /// [`ErroNumeroDocumento`] naming what is wrong.
    pub fn parse(texto: &str) -> Result<NumeroDocumento, ErroNumeroDocumento> {
        let mut buf = [0u8; 17];
        let n = digitos_em(texto, &['.', '-'], &mut buf).map_err(ErroNumeroDocumento::Caractere)?;
        match n {
            0 => Err(ErroNumeroDocumento::Vazio),
            17 => Ok(NumeroDocumento(
                buf.iter().fold(0, |acc, &d| acc * 10 + u64::from(d)),
            )),
            n => Err(ErroNumeroDocumento::Tamanho(n)),
        }
    }

    /// From the numeric value (leading zeros implied); `None` above 17 digits.
    pub fn from_u64(numero: u64) -> Option<NumeroDocumento> {
        (numero <= MAX_NUMERO).then_some(NumeroDocumento(numero))
    }

    /// The numeric value (a cheap hash key).
    pub fn as_u64(&self) -> u64 {
        self.0
    }

    /// The 17 digits, no mask, leading zeros kept.
    pub fn as_digitos(&self) -> String {
        format!("{:017}", self.0)
    }

    /// The 17 digits as values 0–9, most significant first.
    fn digitos(&self) -> [u8; 17] {
        let mut d = [0u8; 17];
        let mut n = self.0;
        for slot in d.iter_mut().rev() {
            *slot = (n % 10) as u8;
            n /= 10;
        }
        d
    }

    /// Soft check of the last digit: mod 11 over the first 16 digits, weights 2..9 from the
    /// right, `r < 2 → 0`.
    ///
    /// **Inferred** (`reference/domain.md` §2.5): it holds for 4 of 6 public samples, so use it
    /// only for a warning, never to refuse a number.
    pub fn dv_confere(&self) -> bool {
        let d = self.digitos();
        dv_mod11(d[..16].iter().copied()) == d[16]
    }
}

impl FromStr for NumeroDocumento {
    type Err = ErroNumeroDocumento;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NumeroDocumento::parse(s)
    }
}

impl fmt::Display for NumeroDocumento {
    /// `NN.NN.NNNNN.NNNNNNN-N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.as_digitos();
        write!(
            f,
            "{}.{}.{}.{}-{}",
            &s[0..2],
            &s[2..4],
            &s[4..9],
            &s[9..16],
            &s[16..17]
        )
    }
}

impl fmt::Debug for NumeroDocumento {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NumeroDocumento({self})")
    }
}

// ---------------------------------------------------------------------------------------------
// Código de receita
// ---------------------------------------------------------------------------------------------

/// Why a revenue code was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroCodigoReceita {
    /// Nothing was given.
    #[error("código de receita vazio")]
    Vazio,
    /// Not `NNNN` or `NNNN-NN`.
    #[error(
        "código de receita deve ter 4 dígitos, opcionalmente seguidos de '-' e 2 dígitos de \
         extensão (ex.: 0190 ou 0190-01)"
    )]
    Formato,
}

impl ErroCodigoReceita {
    /// This error as a [`Violacao`] of [`Regra::GuiaCodigoReceita`] on `campo`.
    pub fn violacao(&self, campo: &str, valor: &str) -> Violacao {
        Violacao::new(campo, Regra::GuiaCodigoReceita, self.to_string(), valor)
    }
}

/// An RFB revenue code (código de receita, 4 digits, e.g. `1708`) with the optional 2-digit
/// extension Sicalc uses (`0190-01`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodigoReceita {
    codigo: u16,
    extensao: Option<u8>,
}

impl CodigoReceita {
    /// From numbers: `codigo` ≤ 9999, `extensao` ≤ 99. Use it for sources that send the code
    /// as a number without leading zeros (PAGTOWEB answers `"481"` for `0481`).
    pub fn new(codigo: u16, extensao: Option<u8>) -> Option<CodigoReceita> {
        (codigo <= 9999 && extensao.is_none_or(|e| e <= 99))
            .then_some(CodigoReceita { codigo, extensao })
    }

    /// Parses `NNNN` or `NNNN-NN` (exactly four digits: leading zeros are significant).
    ///
    /// # Errors
    /// [`ErroCodigoReceita`].
    pub fn parse(texto: &str) -> Result<CodigoReceita, ErroCodigoReceita> {
        let t = texto.trim();
        if t.is_empty() {
            return Err(ErroCodigoReceita::Vazio);
        }
        let (cod, ext) = match t.split_once('-') {
            Some((c, e)) => (c, Some(e)),
            None => (t, None),
        };
        let numero = |s: &str, len: usize| {
            (s.len() == len && s.bytes().all(|c| c.is_ascii_digit()))
                .then(|| s.bytes().fold(0u16, |n, c| n * 10 + u16::from(c - b'0')))
        };
        let codigo = numero(cod, 4).ok_or(ErroCodigoReceita::Formato)?;
        let extensao = match ext {
            Some(e) => Some(numero(e, 2).ok_or(ErroCodigoReceita::Formato)? as u8),
            None => None,
        };
        Ok(CodigoReceita { codigo, extensao })
    }

    /// The 4-digit code as a number (`190` for `0190`).
    pub fn codigo(&self) -> u16 {
        self.codigo
    }

    /// The 2-digit extension, when given.
    pub fn extensao(&self) -> Option<u8> {
        self.extensao
    }
}

impl FromStr for CodigoReceita {
    type Err = ErroCodigoReceita;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CodigoReceita::parse(s)
    }
}

impl fmt::Display for CodigoReceita {
    /// `0190` or `0190-01`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.codigo)?;
        match self.extensao {
            Some(e) => write!(f, "-{e:02}"),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for CodigoReceita {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CodigoReceita({self})")
    }
}

// ---------------------------------------------------------------------------------------------
// Código de barras de arrecadação
// ---------------------------------------------------------------------------------------------

/// Why a barcode or linha digitável was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroCodigoBarras {
    /// Nothing was given.
    #[error("código de barras vazio")]
    Vazio,
    /// A character other than a digit, a blank, `-` or `.`.
    #[error("caractere inválido '{0}' no código de barras")]
    Caractere(char),
    /// Wrong number of digits.
    #[error("esperava {esperado}, encontrou {encontrado} dígitos")]
    Tamanho {
        /// What was expected, in words.
        esperado: &'static str,
        /// Digits found.
        encontrado: usize,
    },
    /// The first digit is not `8`: not an arrecadação barcode (perhaps a bank boleto).
    #[error(
        "o primeiro dígito deve ser 8 (arrecadação), encontrou {0}; boletos bancários não são \
         guias de arrecadação"
    )]
    Produto(u8),
    /// Position 2 is not a FEBRABAN segment (1–7 or 9).
    #[error("segmento {0} inválido na posição 2 (esperado de 1 a 7 ou 9)")]
    Segmento(u8),
    /// Position 3 is not 6, 7, 8 or 9.
    #[error("identificação de valor {0} inválida na posição 3 (esperado 6, 7, 8 ou 9)")]
    IdentificacaoValor(u8),
    /// A block check digit of the linha digitável does not match.
    #[error(
        "dígito verificador do bloco {bloco} da linha digitável não confere: esperado \
         {esperado}, encontrado {encontrado}"
    )]
    DvBloco {
        /// Block number, 1–4.
        bloco: u8,
        /// The digit computed.
        esperado: u8,
        /// The digit printed.
        encontrado: u8,
    },
    /// The general check digit (position 4) does not match.
    #[error(
        "dígito verificador geral (posição 4) não confere: esperado {esperado}, encontrado \
         {encontrado}"
    )]
    DvGeral {
        /// The digit computed.
        esperado: u8,
        /// The digit printed.
        encontrado: u8,
    },
}

impl ErroCodigoBarras {
    /// This error as a [`Violacao`] of [`Regra::GuiaCodigoBarras`] on `campo`.
    pub fn violacao(&self, campo: &str, valor: &str) -> Violacao {
        Violacao::new(campo, Regra::GuiaCodigoBarras, self.to_string(), valor)
    }
}

/// FEBRABAN segment (position 2 of an arrecadação barcode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Segmento {
    /// 1 — Prefeituras.
    Prefeituras,
    /// 2 — Saneamento.
    Saneamento,
    /// 3 — Energia elétrica e gás.
    EnergiaEletricaGas,
    /// 4 — Telecomunicações.
    Telecomunicacoes,
    /// 5 — Órgãos governamentais (DARF, DAS, GPS).
    OrgaosGovernamentais,
    /// 6 — Carnês e assemelhados / demais empresas identificadas por CNPJ.
    Carnes,
    /// 7 — Multas de trânsito.
    MultasTransito,
    /// 9 — Uso exclusivo do banco.
    UsoExclusivoBanco,
}

impl Segmento {
    /// The segment of a digit; `None` for 0 and 8.
    pub fn from_digito(d: u8) -> Option<Segmento> {
        Some(match d {
            1 => Segmento::Prefeituras,
            2 => Segmento::Saneamento,
            3 => Segmento::EnergiaEletricaGas,
            4 => Segmento::Telecomunicacoes,
            5 => Segmento::OrgaosGovernamentais,
            6 => Segmento::Carnes,
            7 => Segmento::MultasTransito,
            9 => Segmento::UsoExclusivoBanco,
            _ => return None,
        })
    }

    /// The digit written in position 2.
    pub fn digito(self) -> u8 {
        match self {
            Segmento::Prefeituras => 1,
            Segmento::Saneamento => 2,
            Segmento::EnergiaEletricaGas => 3,
            Segmento::Telecomunicacoes => 4,
            Segmento::OrgaosGovernamentais => 5,
            Segmento::Carnes => 6,
            Segmento::MultasTransito => 7,
            Segmento::UsoExclusivoBanco => 9,
        }
    }
}

/// The check-digit module chosen by position 3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Modulo {
    /// Positions 3 = 6 or 7.
    Dez,
    /// Positions 3 = 8 or 9.
    Onze,
}

impl Modulo {
    fn de(identificacao: u8) -> Option<Modulo> {
        match identificacao {
            6 | 7 => Some(Modulo::Dez),
            8 | 9 => Some(Modulo::Onze),
            _ => None,
        }
    }

    fn dv(self, digitos: impl DoubleEndedIterator<Item = u8>) -> u8 {
        match self {
            Modulo::Dez => dv_mod10(digitos),
            Modulo::Onze => dv_mod11(digitos),
        }
    }
}

/// A valid 44-digit FEBRABAN arrecadação barcode (product `8`): segment, value type and every
/// check digit verified.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CodigoBarras([u8; 44]);

impl CodigoBarras {
    /// Parses 44 barcode digits or the 48-digit linha digitável; blanks, `-` and `.` are
    /// ignored. For 48 digits, each block check digit is verified before the general one.
    ///
    /// # Errors
    /// [`ErroCodigoBarras`] naming the first problem found (which block's check digit, etc.).
    pub fn parse(texto: &str) -> Result<CodigoBarras, ErroCodigoBarras> {
        let mut buf = [0u8; 48];
        let n = digitos_em(texto, &['-', '.'], &mut buf).map_err(ErroCodigoBarras::Caractere)?;
        match n {
            0 => Err(ErroCodigoBarras::Vazio),
            44 => {
                let mut d = [0u8; 44];
                d.copy_from_slice(&buf[..44]);
                CodigoBarras::de_digitos(d)
            }
            48 => CodigoBarras::de_linha(&buf),
            n => Err(ErroCodigoBarras::Tamanho {
                esperado: "44 dígitos (código de barras) ou 48 (linha digitável)",
                encontrado: n,
            }),
        }
    }

    /// Builds a barcode from its 43 digits without the general check digit (position 4
    /// omitted), computing that digit. Handy to issue or to test.
    ///
    /// # Errors
    /// [`ErroCodigoBarras`] for a wrong length, character, product, segment or value type.
    pub fn com_dv_calculado(sem_dv: &str) -> Result<CodigoBarras, ErroCodigoBarras> {
        let mut buf = [0u8; 43];
        let n = digitos_em(sem_dv, &[], &mut buf).map_err(ErroCodigoBarras::Caractere)?;
        if n != 43 {
            return Err(ErroCodigoBarras::Tamanho {
                esperado: "43 dígitos (código de barras sem o DV geral)",
                encontrado: n,
            });
        }
        let mut d = [0u8; 44];
        d[..3].copy_from_slice(&buf[..3]);
        d[4..].copy_from_slice(&buf[3..]);
        let modulo = cabecalho(&d)?;
        d[3] = modulo.dv(sem_dv_geral(&d));
        CodigoBarras::de_digitos(d)
    }

    /// Rebuilds the 44 digits from a linha digitável, verifying the four block check digits.
    fn de_linha(b: &[u8; 48]) -> Result<CodigoBarras, ErroCodigoBarras> {
        let mut d = [0u8; 44];
        for k in 0..4 {
            d[k * 11..k * 11 + 11].copy_from_slice(&b[k * 12..k * 12 + 11]);
        }
        let modulo = cabecalho(&d)?;
        for k in 0..4 {
            let esperado = modulo.dv(d[k * 11..k * 11 + 11].iter().copied());
            let encontrado = b[k * 12 + 11];
            if esperado != encontrado {
                return Err(ErroCodigoBarras::DvBloco {
                    bloco: k as u8 + 1,
                    esperado,
                    encontrado,
                });
            }
        }
        CodigoBarras::de_digitos(d)
    }

    /// Checks the header and the general check digit of 44 digit values.
    fn de_digitos(d: [u8; 44]) -> Result<CodigoBarras, ErroCodigoBarras> {
        let modulo = cabecalho(&d)?;
        let esperado = modulo.dv(sem_dv_geral(&d));
        if esperado != d[3] {
            return Err(ErroCodigoBarras::DvGeral {
                esperado,
                encontrado: d[3],
            });
        }
        Ok(CodigoBarras(d.map(|v| v + b'0')))
    }

    /// The 44 digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    fn digito(&self, i: usize) -> u8 {
        self.0[i] - b'0'
    }

    fn numero(&self, de: usize, ate: usize) -> u64 {
        self.0[de..ate]
            .iter()
            .fold(0, |n, &c| n * 10 + u64::from(c - b'0'))
    }

    /// The segment (position 2).
    pub fn segmento(&self) -> Segmento {
        // Verified on construction: the fallback is never used.
        Segmento::from_digito(self.digito(1)).unwrap_or(Segmento::OrgaosGovernamentais)
    }

    /// The check-digit module (position 3).
    pub fn modulo(&self) -> Modulo {
        // Verified on construction: the fallback is never used.
        Modulo::de(self.digito(2)).unwrap_or(Modulo::Dez)
    }

    /// The value in reais (positions 5–15, centavos) when position 3 is 6 or 8 (valor
    /// efetivo); `None` when the field is a reference quantity (7 or 9).
    pub fn valor(&self) -> Option<Valor> {
        matches!(self.digito(2), 6 | 8).then(|| Valor::from_centavos(self.numero(4, 15) as i64))
    }

    /// The reference quantity (positions 5–15) when position 3 is 7 or 9.
    pub fn referencia(&self) -> Option<u64> {
        matches!(self.digito(2), 7 | 9).then(|| self.numero(4, 15))
    }

    /// The 4-digit company/agency code (positions 16–19): `0064` DARF, `0328` Simples
    /// Nacional. In segment 6 these are the first digits of a CNPJ instead.
    pub fn codigo_orgao(&self) -> &str {
        &self.as_str()[15..19]
    }

    /// The campo livre (positions 20–44), opaque except for known issuers.
    pub fn campo_livre(&self) -> &str {
        &self.as_str()[19..44]
    }

    /// The guide kind told by segment 5 and the agency code: `0064` DARF, `0328` DAS.
    pub fn tipo_guia(&self) -> Option<TipoGuia> {
        if self.segmento() != Segmento::OrgaosGovernamentais {
            return None;
        }
        match self.codigo_orgao() {
            "0064" => Some(TipoGuia::Darf),
            "0328" => Some(TipoGuia::Das),
            _ => None,
        }
    }

    /// The due date of a DARF barcode (agency `0064`), read from positions 20–23 as Julian
    /// `YDDD` (last digit of the year, day of the year). The decade is the one that puts the
    /// date nearest to `referencia` (e.g. the payment date or today).
    ///
    /// **Inferred** layout (`reference/domain.md` §2.4): use only as a hint; the guide's own
    /// `dataVencimento` is authoritative. `None` for other barcodes or an impossible day.
    pub fn vencimento_darf(&self, referencia: Data) -> Option<Data> {
        if self.tipo_guia() != Some(TipoGuia::Darf) {
            return None;
        }
        let ultimo_digito = self.numero(19, 20) as i32;
        let dia = self.numero(20, 23) as u16;
        let base = i32::from(referencia.ano());
        let ano_proximo = base - (base - ultimo_digito).rem_euclid(10);
        [ano_proximo - 10, ano_proximo, ano_proximo + 10]
            .into_iter()
            .filter_map(|a| Data::from_dia_do_ano(u16::try_from(a).ok()?, dia))
            .min_by_key(|d| d.dias_ate(referencia).abs())
    }

    /// The four linha-digitável blocks of 12 digits each (11 digits and their check digit), as
    /// Integra Contador's `codigoDeBarras` arrays carry them.
    pub fn blocos(&self) -> [String; 4] {
        let modulo = self.modulo();
        std::array::from_fn(|k| {
            let bloco = &self.0[k * 11..k * 11 + 11];
            let dv = modulo.dv(bloco.iter().map(|c| c - b'0'));
            let mut s = String::with_capacity(12);
            s.extend(bloco.iter().map(|&c| c as char));
            s.push(char::from(b'0' + dv));
            s
        })
    }

    /// The 48-digit linha digitável in four groups, as printed on the guide:
    /// `85820000001-5 66980270116-2 30001280018-9 67222025113-0`.
    pub fn linha_digitavel(&self) -> String {
        let blocos = self.blocos();
        let grupos: Vec<String> = blocos
            .iter()
            .map(|b| format!("{}-{}", &b[..11], &b[11..]))
            .collect();
        grupos.join(" ")
    }
}

/// Verifies product, segment and value type; returns the module.
fn cabecalho(d: &[u8; 44]) -> Result<Modulo, ErroCodigoBarras> {
    if d[0] != 8 {
        return Err(ErroCodigoBarras::Produto(d[0]));
    }
    if Segmento::from_digito(d[1]).is_none() {
        return Err(ErroCodigoBarras::Segmento(d[1]));
    }
    Modulo::de(d[2]).ok_or(ErroCodigoBarras::IdentificacaoValor(d[2]))
}

/// The 43 digits the general check digit covers (all but position 4).
fn sem_dv_geral(d: &[u8; 44]) -> impl DoubleEndedIterator<Item = u8> + '_ {
    d[..3].iter().chain(&d[4..]).copied()
}

impl FromStr for CodigoBarras {
    type Err = ErroCodigoBarras;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CodigoBarras::parse(s)
    }
}

impl fmt::Display for CodigoBarras {
    /// The 44 digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CodigoBarras {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CodigoBarras({})", self.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// Guia
// ---------------------------------------------------------------------------------------------

/// The kind of federal guide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TipoGuia {
    /// Documento de Arrecadação de Receitas Federais.
    Darf,
    /// Documento de Arrecadação do Simples Nacional (PGDAS-D or PGMEI).
    Das,
}

impl TipoGuia {
    /// The barcode agency code: `0064` (DARF) or `0328` (Simples Nacional).
    pub fn codigo_orgao(self) -> &'static str {
        match self {
            TipoGuia::Darf => "0064",
            TipoGuia::Das => "0328",
        }
    }

    /// The PAGTOWEB `codigoTipoDocumentoLista` value: `04` DARF, `09` DAS.
    pub fn codigo_pagtoweb(self) -> &'static str {
        match self {
            TipoGuia::Darf => "04",
            TipoGuia::Das => "09",
        }
    }

    /// `DARF` or `DAS`.
    pub fn sigla(self) -> &'static str {
        match self {
            TipoGuia::Darf => "DARF",
            TipoGuia::Das => "DAS",
        }
    }
}

impl fmt::Display for TipoGuia {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sigla())
    }
}

/// A DARF or DAS issued for a taxpayer, as Integra Contador returns it (`GERARDAS12`
/// `detalhamento`, SICALC `numeroDocumento`…). Campo names in violations are those JSON keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guia {
    /// DARF or DAS.
    pub tipo: TipoGuia,
    /// The 17-digit número do documento: the key that matches payments.
    pub numero: NumeroDocumento,
    /// Whoever owes the tax (a DAS is always issued to a CNPJ).
    pub contribuinte: Documento,
    /// The revenue code, when the guide has a single one (a DAS or a DCTFWeb DARF may have many
    /// in its composição).
    pub codigo_receita: Option<CodigoReceita>,
    /// Período de apuração (`AAAAMM`).
    pub periodo: Competencia,
    /// Due date (`dataVencimento`), as issued: already moved to a business day if needed.
    pub vencimento: Data,
    /// Total to pay (principal + multa + juros).
    pub valor: Valor,
    /// The barcode, when known.
    pub codigo_barras: Option<CodigoBarras>,
}

impl Guia {
    /// Checks the guide's internal consistency, collecting every problem:
    /// - `valor` is positive ([`Regra::ValorNegativo`] below zero, [`Regra::ValorInvalido`] at
    ///   zero);
    /// - the barcode's value, when it carries one, equals `valor` ([`Regra::GuiaValorDivergente`]);
    /// - `dataVencimento` is not before the first day of `periodoApuracao`
    ///   ([`Regra::DataInvalida`]);
    /// - a DAS's `contribuinte` is a CNPJ ([`Regra::DocumentoInvalido`]).
    ///
    /// The inferred check digit of the número ([`NumeroDocumento::dv_confere`]) and the barcode's
    /// agency code are *not* checked here: they are not reliable enough to refuse a guide.
    ///
    /// # Errors
    /// [`Violacoes`] with every rule broken.
    pub fn validar(&self) -> Result<(), Violacoes> {
        let mut v = Violacoes::default();
        self.validar_valor(&mut v);
        self.validar_vencimento(&mut v);
        if self.tipo == TipoGuia::Das && matches!(self.contribuinte, Documento::Cpf(_)) {
            v.add(
                "contribuinte",
                Regra::DocumentoInvalido,
                "o DAS é emitido para um CNPJ, não para um CPF",
                self.contribuinte.as_str(),
            );
        }
        v.ou(())
    }

    fn validar_valor(&self, v: &mut Violacoes) {
        if self.valor.is_negative() {
            v.add(
                "valor",
                Regra::ValorNegativo,
                "o valor da guia não pode ser negativo",
                self.valor.formatar_nfd(),
            );
        } else if self.valor.is_zero() {
            v.add(
                "valor",
                Regra::ValorInvalido,
                "o valor da guia deve ser maior que zero",
                self.valor.formatar_nfd(),
            );
        }
        let lido = self.codigo_barras.as_ref().and_then(CodigoBarras::valor);
        if let Some(lido) = lido.filter(|l| *l != self.valor) {
            v.add(
                "codigoBarras",
                Regra::GuiaValorDivergente,
                format!(
                    "o código de barras traz {lido}, mas o valor da guia é {}",
                    self.valor
                ),
                lido.formatar_nfd(),
            );
        }
    }

    fn validar_vencimento(&self, v: &mut Violacoes) {
        let inicio = Data::new(self.periodo.ano(), self.periodo.mes(), 1);
        if inicio.is_ok_and(|i| self.vencimento < i) {
            v.add(
                "dataVencimento",
                Regra::DataInvalida,
                format!(
                    "o vencimento é anterior ao período de apuração {}",
                    self.periodo
                ),
                self.vencimento.to_string(),
            );
        }
    }
}

/// Why SICALC's place of a DARF was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroLocalDarf {
    /// `uf` is not a two-letter abbreviation.
    #[error("use a sigla de duas letras (ex.: SP)")]
    Uf,
    /// `municipio` is not a SIAFI code.
    #[error("use o código SIAFI (só dígitos)")]
    Municipio,
}

/// The `uf` of a DARF as SICALC takes it: two letters, in capitals (`" sp "` → `"SP"`).
///
/// # Errors
/// [`ErroLocalDarf::Uf`].
pub fn uf_darf(texto: &str) -> Result<String, ErroLocalDarf> {
    let uf = texto.trim().to_ascii_uppercase();
    if uf.len() == 2 && uf.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(uf)
    } else {
        Err(ErroLocalDarf::Uf)
    }
}

/// The `municipio` of a DARF as SICALC takes it: the municipality's SIAFI code, digits only.
///
/// # Errors
/// [`ErroLocalDarf::Municipio`].
pub fn municipio_darf(texto: &str) -> Result<&str, ErroLocalDarf> {
    if !texto.is_empty() && texto.bytes().all(|b| b.is_ascii_digit()) {
        Ok(texto)
    } else {
        Err(ErroLocalDarf::Municipio)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estrategias::guia::{codigo_barras, codigo_barras_darf, guia};
    use proptest::prelude::*;

    const GPS_166: &str = "85820000001-5 66980270116-2 30001280018-9 67222025113-0";
    const GPS_303: &str = "85810000003-0 03600270100-7 70001280018-4 67222025113-0";
    const REJEITADO: &str = "85800000003-8 03600270100-7 70001731762-7 19552025113-2";
    const DARF_A: &str = "85650000025-7 00000064105-0 30642754910-1 33029041059-7";
    const DARF_B: &str = "85610000025-1 00000064105-0 70642754910-2 33029041059-7";

    #[test]
    fn gps_vectors_mod11() {
        let c = CodigoBarras::parse(GPS_166).unwrap();
        assert_eq!(c.as_str(), "85820000001669802701163000128001867222025113");
        assert_eq!(c.modulo(), Modulo::Onze);
        assert_eq!(c.segmento(), Segmento::OrgaosGovernamentais);
        assert_eq!(c.codigo_orgao(), "0270");
        assert_eq!(c.valor(), Some(Valor::from_centavos(16_698)));
        assert_eq!(c.tipo_guia(), None);
        assert_eq!(c.linha_digitavel(), GPS_166);
        let c = CodigoBarras::parse(GPS_303).unwrap();
        assert_eq!(c.valor(), Some(Valor::from_centavos(30_360)));
        assert_eq!(c.linha_digitavel(), GPS_303);
    }

    #[test]
    fn block_dvs_alone_are_not_enough() {
        assert_eq!(
            CodigoBarras::parse(REJEITADO),
            Err(ErroCodigoBarras::DvGeral {
                esperado: 4,
                encontrado: 0
            })
        );
    }

    #[test]
    fn darf_vectors_mod10() {
        for (linha, dv) in [(DARF_A, b'5'), (DARF_B, b'1')] {
            let c = CodigoBarras::parse(linha).unwrap();
            assert_eq!(c.0[3], dv);
            assert_eq!(c.modulo(), Modulo::Dez);
            assert_eq!(c.codigo_orgao(), "0064");
            assert_eq!(c.tipo_guia(), Some(TipoGuia::Darf));
            assert_eq!(c.valor(), Some(Valor::from_centavos(250_000)));
            assert_eq!(c.referencia(), None);
            assert_eq!(c.linha_digitavel(), linha);
            // The 44 digits parse to the same barcode.
            assert_eq!(CodigoBarras::parse(c.as_str()), Ok(c));
        }
    }

    #[test]
    fn darf_julian_due_date() {
        let c = CodigoBarras::parse(DARF_A).unwrap();
        let hoje = Data::new(2021, 3, 10).unwrap();
        assert_eq!(c.vencimento_darf(hoje).unwrap().to_string(), "22/02/2021");
        // Decade resolved by the reference date.
        let depois = Data::new(2029, 6, 1).unwrap();
        assert_eq!(c.vencimento_darf(depois).unwrap().to_string(), "22/02/2031");
        let gps = CodigoBarras::parse(GPS_166).unwrap();
        assert_eq!(gps.vencimento_darf(hoje), None);
    }

    #[test]
    fn block_dv_error_names_the_block() {
        let errado = GPS_166.replace("30001280018-9", "30001280018-7");
        assert_eq!(
            CodigoBarras::parse(&errado),
            Err(ErroCodigoBarras::DvBloco {
                bloco: 3,
                esperado: 9,
                encontrado: 7
            })
        );
        let msg = CodigoBarras::parse(&errado).unwrap_err().to_string();
        assert!(msg.contains("bloco 3"), "{msg}");
    }

    #[test]
    fn header_errors() {
        let boleto = "23790000000000000000000000000000000000000000";
        assert_eq!(
            CodigoBarras::parse(boleto),
            Err(ErroCodigoBarras::Produto(2))
        );
        let seg8 = "88650000025000000641053064275491033029041059";
        assert_eq!(
            CodigoBarras::parse(seg8),
            Err(ErroCodigoBarras::Segmento(8))
        );
        let id5 = "85550000025000000641053064275491033029041059";
        assert_eq!(
            CodigoBarras::parse(id5),
            Err(ErroCodigoBarras::IdentificacaoValor(5))
        );
        assert_eq!(CodigoBarras::parse("  "), Err(ErroCodigoBarras::Vazio));
        assert_eq!(
            CodigoBarras::parse("8565x"),
            Err(ErroCodigoBarras::Caractere('x'))
        );
        assert!(matches!(
            CodigoBarras::parse("856500000257"),
            Err(ErroCodigoBarras::Tamanho { encontrado: 12, .. })
        ));
    }

    #[test]
    fn builds_with_computed_dv() {
        let c =
            CodigoBarras::com_dv_calculado("8560000025000000641053064275491033029041059").unwrap();
        assert_eq!(c.linha_digitavel(), DARF_A);
        assert!(matches!(
            CodigoBarras::com_dv_calculado("856"),
            Err(ErroCodigoBarras::Tamanho { encontrado: 3, .. })
        ));
        assert_eq!(c.blocos()[0], "856500000257");
    }

    #[test]
    fn numero_documento_parse_and_mask() {
        let n = NumeroDocumento::parse("07.20.26145.9307993-6").unwrap();
        assert_eq!(n.as_digitos(), "07202614593079936");
        assert_eq!(n.to_string(), "07.20.26145.9307993-6");
        assert_eq!(NumeroDocumento::parse("07202614593079936"), Ok(n));
        assert_eq!(
            NumeroDocumento::parse("0720261459307993"),
            Err(ErroNumeroDocumento::Tamanho(16))
        );
        assert_eq!(
            NumeroDocumento::parse("07/20"),
            Err(ErroNumeroDocumento::Caractere('/'))
        );
        assert_eq!(NumeroDocumento::parse(""), Err(ErroNumeroDocumento::Vazio));
        assert_eq!(NumeroDocumento::from_u64(MAX_NUMERO + 1), None);
        assert_eq!(
            NumeroDocumento::from_u64(7).unwrap().as_digitos(),
            "00000000000000007"
        );
    }

    #[test]
    fn numero_documento_soft_dv() {
        for ok in [
            "07202614593079936",
            "07162619444412336",
            "07202504580937145",
            "07202408201918950",
        ] {
            assert!(NumeroDocumento::parse(ok).unwrap().dv_confere(), "{ok}");
        }
        // Documentation examples that do not follow the inferred rule still parse.
        for doc in ["07202219799007800", "07202136999997159"] {
            assert!(!NumeroDocumento::parse(doc).unwrap().dv_confere(), "{doc}");
        }
    }

    #[test]
    fn codigo_receita() {
        let c = CodigoReceita::parse("0190-01").unwrap();
        assert_eq!((c.codigo(), c.extensao()), (190, Some(1)));
        assert_eq!(c.to_string(), "0190-01");
        assert_eq!(CodigoReceita::parse("1708").unwrap().to_string(), "1708");
        assert_eq!(CodigoReceita::new(481, None).unwrap().to_string(), "0481");
        assert_eq!(CodigoReceita::new(10_000, None), None);
        for bad in ["190", "01900", "0190-1", "01a0", "0190-"] {
            assert_eq!(
                CodigoReceita::parse(bad),
                Err(ErroCodigoReceita::Formato),
                "{bad}"
            );
        }
        assert_eq!(CodigoReceita::parse(" "), Err(ErroCodigoReceita::Vazio));
    }

    fn guia_darf() -> Guia {
        Guia {
            tipo: TipoGuia::Darf,
            numero: NumeroDocumento::parse("07162619444412336").unwrap(),
            contribuinte: Documento::parse("52998224725").unwrap(),
            codigo_receita: Some(CodigoReceita::parse("0190").unwrap()),
            periodo: Competencia::new(2021, 1).unwrap(),
            vencimento: Data::new(2021, 2, 22).unwrap(),
            valor: Valor::from_centavos(250_000),
            codigo_barras: Some(CodigoBarras::parse(DARF_A).unwrap()),
        }
    }

    #[test]
    fn valid_guide_passes() {
        assert_eq!(guia_darf().validar(), Ok(()));
    }

    #[test]
    fn guide_violations_are_collected() {
        let mut g = guia_darf();
        g.valor = Valor::from_centavos(249_999);
        g.vencimento = Data::new(2020, 12, 31).unwrap();
        let v = g.validar().unwrap_err();
        assert_eq!(v.len(), 2);
        assert!(v.contem("codigoBarras", Regra::GuiaValorDivergente));
        assert!(v.contem("dataVencimento", Regra::DataInvalida));

        g.valor = Valor::ZERO;
        g.codigo_barras = None;
        g.tipo = TipoGuia::Das;
        let v = g.validar().unwrap_err();
        assert!(v.contem("valor", Regra::ValorInvalido));
        assert!(v.contem("contribuinte", Regra::DocumentoInvalido));
        g.valor = Valor::from_centavos(-1);
        assert!(
            g.validar()
                .unwrap_err()
                .contem("valor", Regra::ValorNegativo)
        );
    }

    #[test]
    fn errors_become_violations() {
        let e = CodigoBarras::parse(REJEITADO).unwrap_err();
        let v = e.violacao("codigoBarras", REJEITADO);
        assert_eq!(v.regra, Regra::GuiaCodigoBarras);
        assert!(v.mensagem.contains("posição 4"), "{}", v.mensagem);
    }

    /// The 48-digit linha of `c` with digit `pos` shifted by `delta` (mod 10).
    fn trocar_digito(c: &CodigoBarras, pos: usize, delta: u8) -> String {
        let mut d: Vec<u8> = c.blocos().concat().into_bytes();
        d[pos] = b'0' + (d[pos] - b'0' + delta) % 10;
        String::from_utf8(d).unwrap()
    }

    #[test]
    fn every_single_digit_flip_of_the_vectors_is_detected() {
        for linha in [GPS_166, GPS_303, DARF_A, DARF_B] {
            let c = CodigoBarras::parse(linha).unwrap();
            for pos in 0..48 {
                for delta in 1..10 {
                    let alterada = trocar_digito(&c, pos, delta);
                    assert!(CodigoBarras::parse(&alterada).is_err(), "{alterada}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn linha_round_trip(c in codigo_barras()) {
            let linha = c.linha_digitavel();
            prop_assert_eq!(CodigoBarras::parse(&linha), Ok(c));
            prop_assert_eq!(CodigoBarras::parse(&c.blocos().concat()), Ok(c));
            prop_assert_eq!(CodigoBarras::parse(c.as_str()), Ok(c));
        }

        #[test]
        fn any_single_digit_flip_is_detected_mod10(
            c in codigo_barras().prop_filter("mod 10", |c| c.modulo() == Modulo::Dez),
            pos in 0usize..48,
            delta in 1u8..10,
        ) {
            let alterada = trocar_digito(&c, pos, delta);
            prop_assert!(CodigoBarras::parse(&alterada).is_err(), "{}", alterada);
        }

        /// Mod 11 maps remainders 0 and 1 to the same digit 0, so a flip can escape a block DV
        /// (and, rarely, the general DV too). Any escape must show that signature.
        #[test]
        fn single_digit_flip_mod11_escapes_only_through_dv_zero(
            c in codigo_barras().prop_filter("mod 11", |c| c.modulo() == Modulo::Onze),
            pos in 0usize..48,
            delta in 1u8..10,
        ) {
            let alterada = trocar_digito(&c, pos, delta);
            if let Ok(outra) = CodigoBarras::parse(&alterada) {
                let bloco = pos / 12;
                prop_assert_eq!(&c.blocos()[bloco][11..], "0");
                prop_assert_eq!(c.0[3], b'0');
                prop_assert_ne!(outra, c);
            }
        }

        #[test]
        fn darf_barcode_carries_its_value(
            (valor, c) in (1i64..=99_999_999_999).prop_flat_map(|centavos| {
                let valor = Valor::from_centavos(centavos);
                (Just(valor), codigo_barras_darf(valor))
            })
        ) {
            prop_assert_eq!(c.valor(), Some(valor));
            prop_assert_eq!(c.tipo_guia(), Some(TipoGuia::Darf));
        }

        #[test]
        fn generated_guides_are_valid(g in guia()) {
            prop_assert_eq!(g.validar(), Ok(()));
        }

        #[test]
        fn numero_round_trip(n in crate::estrategias::guia::numero_documento()) {
            prop_assert_eq!(NumeroDocumento::parse(&n.to_string()), Ok(n));
            prop_assert_eq!(NumeroDocumento::parse(&n.as_digitos()), Ok(n));
        }
    }

    #[test]
    fn a_darf_place_is_two_letters_and_a_siafi_code() {
        assert_eq!(uf_darf(" sp "), Ok("SP".to_owned()));
        for uf in ["S", "SPX", "1P", "", "ç1"] {
            assert_eq!(uf_darf(uf), Err(ErroLocalDarf::Uf), "{uf:?}");
        }
        assert_eq!(municipio_darf("7107"), Ok("7107"));
        for m in ["", "71A7", " 7107", "-1"] {
            assert_eq!(municipio_darf(m), Err(ErroLocalDarf::Municipio), "{m:?}");
        }
    }
}
