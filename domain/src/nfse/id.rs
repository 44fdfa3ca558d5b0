//! The DPS identifier (`infDPS/@Id`, 45 characters) and the NFS-e access key (chave de acesso,
//! 50 digits): built from their parts and parsed back, every part checked.

use std::fmt;

use crate::documento::{Cnpj, Cpf, Documento};
use crate::municipio::CodigoIbge;

/// The highest DPS series the current layout accepts (`[0-9]{1,4}|[0-8][0-9]{4}`: 90000–99999
/// are refused since the bundle of 2026-07-27).
pub const SERIE_MAXIMA: u32 = 89_999;
/// The highest DPS number (`[1-9][0-9]{0,14}`).
pub const NUMERO_MAXIMO: u64 = 999_999_999_999_999;

/// Why an identifier or access key was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroId {
    /// Wrong length.
    #[error("deve ter {esperado} caracteres (tem {encontrado})")]
    Tamanho {
        /// The required length.
        esperado: usize,
        /// The length found.
        encontrado: usize,
    },
    /// Does not start with the literal the layout fixes.
    #[error("deve começar com \"{0}\"")]
    Prefixo(&'static str),
    /// A part is not what the layout allows.
    #[error("{0}")]
    Parte(String),
}

/// `infDPS/@Id`: `"DPS"` + município emissor (7) + tipo de inscrição (1: CPF, 2: CNPJ) +
/// inscrição federal (14, a CPF left-padded with zeros) + série (5, zero-padded) + número (15,
/// zero-padded). The padding exists only here: inside the DPS, `serie` and `nDPS` are unpadded.
///
/// Its parts are private: an `IdDps` comes from [`IdDps::novo`] or [`IdDps::parse`], both
/// checked, or from a valid DPS ([`super::Dps::id`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IdDps {
    municipio: CodigoIbge,
    inscricao: Documento,
    serie: u32,
    numero: u64,
}

/// The digit the layout gives a CPF (1) or a CNPJ (2) in identifiers.
pub fn tipo_inscricao(doc: &Documento) -> u8 {
    match doc {
        Documento::Cpf(_) => 1,
        Documento::Cnpj(_) => 2,
    }
}

/// The 14 characters of an inscription in an identifier (a CPF left-padded with zeros).
fn inscricao_14(doc: &Documento) -> String {
    format!("{:0>14}", doc.as_str())
}

fn so_digitos(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

/// Reads tipo de inscrição (1 char) + inscrição (14 chars).
fn ler_inscricao(tipo: &str, inscricao: &str) -> Result<Documento, ErroId> {
    match tipo {
        "1" => {
            let (zeros, cpf) = inscricao.split_at(3);
            if zeros != "000" {
                return Err(ErroId::Parte(format!(
                    "CPF {inscricao}: com tipo de inscrição 1 as 3 primeiras posições são zeros"
                )));
            }
            Cpf::parse(cpf)
                .map(Documento::Cpf)
                .map_err(|e| ErroId::Parte(format!("CPF {cpf}: {e}")))
        }
        "2" => Cnpj::parse(inscricao)
            .map(Documento::Cnpj)
            .map_err(|e| ErroId::Parte(format!("CNPJ {inscricao}: {e}"))),
        t => Err(ErroId::Parte(format!(
            "tipo de inscrição \"{t}\": deve ser 1 (CPF) ou 2 (CNPJ)"
        ))),
    }
}

fn ler_municipio(t: &str) -> Result<CodigoIbge, ErroId> {
    CodigoIbge::parse(t).map_err(|e| ErroId::Parte(format!("município {t}: {e}")))
}

impl IdDps {
    /// The Id of the DPS `numero` of series `serie` issued in `municipio` by `inscricao`.
    ///
    /// # Errors
    /// [`ErroId::Parte`] when `serie` is above [`SERIE_MAXIMA`] or `numero` is not 1 to
    /// [`NUMERO_MAXIMO`].
    pub fn novo(
        municipio: CodigoIbge,
        inscricao: Documento,
        serie: u32,
        numero: u64,
    ) -> Result<IdDps, ErroId> {
        if serie > SERIE_MAXIMA {
            return Err(ErroId::Parte(format!(
                "série {serie}: as séries 90000 a 99999 não são aceitas"
            )));
        }
        if !(1..=NUMERO_MAXIMO).contains(&numero) {
            return Err(ErroId::Parte(format!(
                "número da DPS {numero}: deve ser de 1 a {NUMERO_MAXIMO}"
            )));
        }
        Ok(IdDps::de_partes_validas(
            municipio, inscricao, serie, numero,
        ))
    }

    /// From parts the caller has already checked (a valid DPS's, or the validator's).
    pub(super) fn de_partes_validas(
        municipio: CodigoIbge,
        inscricao: Documento,
        serie: u32,
        numero: u64,
    ) -> IdDps {
        IdDps {
            municipio,
            inscricao,
            serie,
            numero,
        }
    }

    /// `cLocEmi`, the municipality the emitter is registered in.
    pub fn municipio(&self) -> CodigoIbge {
        self.municipio
    }

    /// The emitter's CPF or CNPJ.
    pub fn inscricao(&self) -> Documento {
        self.inscricao
    }

    /// `serie`, 0 to [`SERIE_MAXIMA`].
    pub fn serie(&self) -> u32 {
        self.serie
    }

    /// `nDPS`, 1 to [`NUMERO_MAXIMO`].
    pub fn numero(&self) -> u64 {
        self.numero
    }

    /// Parses and checks a 45-character Id.
    ///
    /// # Errors
    /// [`ErroId`] naming the part that is wrong.
    pub fn parse(texto: &str) -> Result<IdDps, ErroId> {
        if !texto.is_ascii() || texto.len() != 45 {
            return Err(ErroId::Tamanho {
                esperado: 45,
                encontrado: texto.chars().count(),
            });
        }
        let Some(resto) = texto.strip_prefix("DPS") else {
            return Err(ErroId::Prefixo("DPS"));
        };
        let (mun, resto) = resto.split_at(7);
        let (tipo, resto) = resto.split_at(1);
        let (insc, resto) = resto.split_at(14);
        let (serie, numero) = resto.split_at(5);
        let municipio = ler_municipio(mun)?;
        let inscricao = ler_inscricao(tipo, insc)?;
        if !so_digitos(serie) || !so_digitos(numero) {
            return Err(ErroId::Parte(format!(
                "série {serie} e número {numero} devem ser só dígitos"
            )));
        }
        let serie: u32 = serie
            .parse()
            .map_err(|_| ErroId::Parte(format!("série {serie}")))?;
        if serie > SERIE_MAXIMA {
            return Err(ErroId::Parte(format!(
                "série {serie}: as séries 90000 a 99999 não são aceitas"
            )));
        }
        let numero: u64 = numero
            .parse()
            .map_err(|_| ErroId::Parte(format!("número {numero}")))?;
        if numero == 0 {
            return Err(ErroId::Parte("número da DPS zero".into()));
        }
        Ok(IdDps {
            municipio,
            inscricao,
            serie,
            numero,
        })
    }
}

impl fmt::Display for IdDps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DPS{:07}{}{}{:05}{:015}",
            self.municipio.numero(),
            tipo_inscricao(&self.inscricao),
            inscricao_14(&self.inscricao),
            self.serie,
            self.numero
        )
    }
}

/// The NFS-e access key (50 characters), as the layout forms the NFS-e identifier without its
/// `"NFS"` literal: município emissor (7) + ambiente gerador (1) + tipo de inscrição (1) +
/// inscrição federal (14) + número da NFS-e (13) + ano e mês de emissão (`AAMM`, 4) + código
/// numérico (9) + DV (1, módulo 11 over the 49 digits before it).
///
/// Its parts are private: a `ChaveAcesso` comes from [`ChaveAcesso::nova`] or
/// [`ChaveAcesso::parse`], both checked, so its text always has 50 digits and a right DV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChaveAcesso {
    municipio: CodigoIbge,
    ambiente_gerador: u8,
    inscricao: Documento,
    numero: u64,
    ano: u8,
    mes: u8,
    codigo: u32,
}

/// The highest NFS-e number an access key holds (13 digits).
pub const NUMERO_NFSE_MAXIMO: u64 = 9_999_999_999_999;
/// The highest numeric code of an access key (9 digits).
pub const CODIGO_CHAVE_MAXIMO: u32 = 999_999_999;

/// Mod-11 check digit with weights 2..9 from the right; 0 when the result is 10 or 11.
fn dv_mod11(digitos: &str) -> u8 {
    let soma: u32 = digitos
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b.wrapping_sub(b'0')) * (2 + (i as u32 % 8)))
        .sum();
    let dv = 11 - soma % 11;
    if dv >= 10 { 0 } else { dv as u8 }
}

impl ChaveAcesso {
    /// The key of NFS-e `numero`, generated in `ambiente_gerador` (1 or 2) by the municipality
    /// `municipio` for the emitter `inscricao` in month `mes` (1–12) of year `ano` (two digits),
    /// with the random `codigo`; the DV is computed.
    ///
    /// # Errors
    /// [`ErroId::Parte`] naming the part out of its range: `ambiente_gerador` not 1 or 2,
    /// `numero` above 13 digits, `ano` above 99, `mes` not 1–12, `codigo` above 9 digits.
    pub fn nova(
        municipio: CodigoIbge,
        ambiente_gerador: u8,
        inscricao: Documento,
        numero: u64,
        ano: u8,
        mes: u8,
        codigo: u32,
    ) -> Result<ChaveAcesso, ErroId> {
        if !(1..=2).contains(&ambiente_gerador) {
            return Err(ErroId::Parte(format!(
                "ambiente gerador \"{ambiente_gerador}\": deve ser 1 ou 2"
            )));
        }
        if numero > NUMERO_NFSE_MAXIMO {
            return Err(ErroId::Parte(format!(
                "número da NFS-e {numero}: até 13 dígitos"
            )));
        }
        if ano > 99 {
            return Err(ErroId::Parte(format!("ano de emissão {ano}: dois dígitos")));
        }
        if !(1..=12).contains(&mes) {
            return Err(ErroId::Parte(format!("mês de emissão {mes} inexistente")));
        }
        if codigo > CODIGO_CHAVE_MAXIMO {
            return Err(ErroId::Parte(format!(
                "código numérico {codigo}: até 9 dígitos"
            )));
        }
        Ok(ChaveAcesso {
            municipio,
            ambiente_gerador,
            inscricao,
            numero,
            ano,
            mes,
            codigo,
        })
    }

    /// The municipality that issued the NFS-e.
    pub fn municipio(&self) -> CodigoIbge {
        self.municipio
    }

    /// The generating environment (`ambGer`, 1 or 2).
    pub fn ambiente_gerador(&self) -> u8 {
        self.ambiente_gerador
    }

    /// The emitter's CPF or CNPJ.
    pub fn inscricao(&self) -> Documento {
        self.inscricao
    }

    /// `nNFSe`, up to 13 digits.
    pub fn numero(&self) -> u64 {
        self.numero
    }

    /// Two-digit year of issue.
    pub fn ano(&self) -> u8 {
        self.ano
    }

    /// Month of issue, 1–12.
    pub fn mes(&self) -> u8 {
        self.mes
    }

    /// The random numeric code (9 digits).
    pub fn codigo(&self) -> u32 {
        self.codigo
    }

    /// The 49 characters before the check digit.
    fn sem_dv(&self) -> String {
        format!(
            "{:07}{}{}{}{:013}{:02}{:02}{:09}",
            self.municipio.numero(),
            self.ambiente_gerador,
            tipo_inscricao(&self.inscricao),
            inscricao_14(&self.inscricao),
            self.numero,
            self.ano,
            self.mes,
            self.codigo
        )
    }

    /// The check digit.
    pub fn dv(&self) -> u8 {
        dv_mod11(&self.sem_dv())
    }

    /// Parses and checks a 50-character key, check digit included.
    ///
    /// # Errors
    /// [`ErroId`] naming the part that is wrong.
    pub fn parse(texto: &str) -> Result<ChaveAcesso, ErroId> {
        if !texto.is_ascii() || texto.len() != 50 {
            return Err(ErroId::Tamanho {
                esperado: 50,
                encontrado: texto.chars().count(),
            });
        }
        let (mun, resto) = texto.split_at(7);
        let (amb, resto) = resto.split_at(1);
        let (tipo, resto) = resto.split_at(1);
        let (insc, resto) = resto.split_at(14);
        let (numero, resto) = resto.split_at(13);
        let (ano, resto) = resto.split_at(2);
        let (mes, resto) = resto.split_at(2);
        let (codigo, dv) = resto.split_at(9);
        let municipio = ler_municipio(mun)?;
        let ambiente_gerador = match amb {
            "1" => 1,
            "2" => 2,
            a => {
                return Err(ErroId::Parte(format!(
                    "ambiente gerador \"{a}\": deve ser 1 ou 2"
                )));
            }
        };
        let inscricao = ler_inscricao(tipo, insc)?;
        let numeros = [numero, ano, mes, codigo, dv];
        if !numeros.iter().all(|n| so_digitos(n)) {
            return Err(ErroId::Parte(
                "número, ano/mês, código numérico e DV devem ser só dígitos".into(),
            ));
        }
        let n = |t: &str| t.parse::<u64>().unwrap_or_default();
        let mes_n = n(mes) as u8;
        if !(1..=12).contains(&mes_n) {
            return Err(ErroId::Parte(format!("mês de emissão {mes} inexistente")));
        }
        let chave = ChaveAcesso {
            municipio,
            ambiente_gerador,
            inscricao,
            numero: n(numero),
            ano: n(ano) as u8,
            mes: mes_n,
            codigo: n(codigo) as u32,
        };
        if n(dv) as u8 != chave.dv() {
            return Err(ErroId::Parte(format!(
                "dígito verificador {dv} não confere (esperado {})",
                chave.dv()
            )));
        }
        Ok(chave)
    }
}

impl fmt::Display for ChaveAcesso {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.sem_dv(), self.dv())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_exemplo() -> IdDps {
        IdDps {
            municipio: CodigoIbge::parse("3550308").unwrap(),
            inscricao: Documento::parse("11222333000181").unwrap(),
            serie: 1,
            numero: 42,
        }
    }

    #[test]
    fn id_has_45_characters_with_padding_only_there() {
        let id = id_exemplo().to_string();
        assert_eq!(id, "DPS355030821122233300018100001000000000000042");
        assert_eq!(id.len(), 45);
        assert_eq!(IdDps::parse(&id).unwrap(), id_exemplo());
    }

    #[test]
    fn id_of_a_cpf_is_left_padded_and_type_1() {
        let id = IdDps {
            inscricao: Documento::parse("52998224725").unwrap(),
            ..id_exemplo()
        };
        let t = id.to_string();
        assert_eq!(&t[10..11], "1");
        assert_eq!(&t[11..25], "00052998224725");
        assert_eq!(IdDps::parse(&t).unwrap(), id);
    }

    #[test]
    fn id_refuses_each_broken_part() {
        let bom = id_exemplo().to_string();
        let casos = [
            (bom[..44].to_string(), "45 caracteres"),
            (format!("NFS{}", &bom[3..]), "DPS"),
            (format!("DPS3550309{}", &bom[10..]), "município"),
            (
                format!("{}3{}", &bom[..10], &bom[11..]),
                "tipo de inscrição",
            ),
            (
                format!("{}11222333000182{}", &bom[..11], &bom[25..]),
                "CNPJ",
            ),
            (format!("{}90000{}", &bom[..25], &bom[30..]), "90000"),
            (format!("{}000000000000000", &bom[..30]), "zero"),
        ];
        for (id, parte) in casos {
            let e = IdDps::parse(&id).unwrap_err().to_string();
            assert!(e.contains(parte), "{id}: {e}");
        }
    }

    #[test]
    fn access_key_round_trips_and_checks_its_digit() {
        let chave = ChaveAcesso {
            municipio: CodigoIbge::parse("3550308").unwrap(),
            ambiente_gerador: 2,
            inscricao: Documento::parse("11222333000181").unwrap(),
            numero: 123,
            ano: 26,
            mes: 11,
            codigo: 987_654_321,
        };
        let t = chave.to_string();
        assert_eq!(t.len(), 50);
        assert_eq!(&t[..7], "3550308");
        assert_eq!(ChaveAcesso::parse(&t).unwrap(), chave);
        let dv = t.as_bytes()[49] - b'0';
        let errado = format!("{}{}", &t[..49], (dv + 1) % 10);
        let e = ChaveAcesso::parse(&errado).unwrap_err().to_string();
        assert!(e.contains("dígito verificador"), "{e}");
        let mes = format!("{}13{}", &t[..38], &t[40..]);
        assert!(
            ChaveAcesso::parse(&mes)
                .unwrap_err()
                .to_string()
                .contains("mês")
        );
    }

    #[test]
    fn id_is_built_only_from_parts_in_range() {
        let e = id_exemplo();
        let novo = |serie, numero| IdDps::novo(e.municipio(), e.inscricao(), serie, numero);
        assert_eq!(novo(1, 42).unwrap(), e);
        assert_eq!(
            novo(SERIE_MAXIMA, NUMERO_MAXIMO).unwrap().serie(),
            SERIE_MAXIMA
        );
        let erro = |r: Result<IdDps, ErroId>| r.unwrap_err().to_string();
        assert!(erro(novo(SERIE_MAXIMA + 1, 1)).contains("90000"));
        assert!(erro(novo(1, 0)).contains("número da DPS 0"));
        assert!(erro(novo(1, NUMERO_MAXIMO + 1)).contains("número da DPS"));
    }

    #[test]
    fn access_key_is_built_only_from_parts_in_range() {
        let m = CodigoIbge::parse("3550308").unwrap();
        let d = Documento::parse("11222333000181").unwrap();
        let nova =
            |amb, numero, ano, mes, codigo| ChaveAcesso::nova(m, amb, d, numero, ano, mes, codigo);
        let chave = nova(1, NUMERO_NFSE_MAXIMO, 99, 12, CODIGO_CHAVE_MAXIMO).unwrap();
        assert_eq!(ChaveAcesso::parse(&chave.to_string()).unwrap(), chave);
        assert_eq!(
            (
                chave.municipio(),
                chave.ambiente_gerador(),
                chave.inscricao()
            ),
            (m, 1, d)
        );
        assert_eq!(
            (chave.numero(), chave.ano(), chave.mes(), chave.codigo()),
            (NUMERO_NFSE_MAXIMO, 99, 12, CODIGO_CHAVE_MAXIMO)
        );
        let casos = [
            (nova(3, 1, 26, 11, 1), "ambiente gerador"),
            (nova(2, NUMERO_NFSE_MAXIMO + 1, 26, 11, 1), "13 dígitos"),
            (nova(2, 1, 100, 11, 1), "ano"),
            (nova(2, 1, 26, 0, 1), "mês"),
            (nova(2, 1, 26, 13, 1), "mês"),
            (
                nova(2, 1, 26, 11, CODIGO_CHAVE_MAXIMO + 1),
                "código numérico",
            ),
        ];
        for (r, parte) in casos {
            let e = r.unwrap_err().to_string();
            assert!(e.contains(parte), "{parte}: {e}");
        }
    }

    #[test]
    fn mod11_matches_a_hand_computed_digit() {
        // 1·2 + 2·9 ... from the right: "12" → 2·2 + 1·3 = 7 → 11 − 7 = 4.
        assert_eq!(dv_mod11("12"), 4);
        // A sum that is a multiple of 11 gives 11 − 0 = 11 → 0.
        assert_eq!(dv_mod11("0"), 0);
    }
}
