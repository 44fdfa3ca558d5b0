//! Cell parsers for the Brazilian formats, built on the domain's own parsers. Each returns the
//! reason for a refusal in Brazilian Portuguese.

use guiche_domain::guia::{CodigoBarras, CodigoReceita, NumeroDocumento, TipoGuia};
use guiche_domain::{Competencia, Data, Documento, Valor};

/// `DARF` or `DAS`, any case.
pub(crate) fn tipo(texto: &str) -> Result<TipoGuia, String> {
    match texto.to_uppercase().as_str() {
        "DARF" => Ok(TipoGuia::Darf),
        "DAS" => Ok(TipoGuia::Das),
        _ => Err("tipo de guia deve ser DARF ou DAS".into()),
    }
}

/// The 17-digit document number, bare or masked.
pub(crate) fn numero(texto: &str) -> Result<NumeroDocumento, String> {
    NumeroDocumento::parse(texto).map_err(|e| e.to_string())
}

/// A CPF or CNPJ, bare or masked.
pub(crate) fn documento(texto: &str) -> Result<Documento, String> {
    Documento::parse(texto).map_err(|e| format!("CPF/CNPJ inválido: {e}"))
}

/// A revenue code `NNNN` or `NNNN-NN`. One to three digits alone are padded with zeros on the
/// left (`190` is `0190`): Excel drops the leading zeros of a cell it takes for a number.
pub(crate) fn receita(texto: &str) -> Result<CodigoReceita, String> {
    if texto.len() < 4 && texto.bytes().all(|b| b.is_ascii_digit()) {
        let preenchido = format!("{texto:0>4}");
        return CodigoReceita::parse(&preenchido).map_err(|e| e.to_string());
    }
    CodigoReceita::parse(texto).map_err(|e| e.to_string())
}

/// A barcode (44 digits) or linha digitável (48 digits), blanks, dots and dashes allowed.
pub(crate) fn barras(texto: &str) -> Result<CodigoBarras, String> {
    CodigoBarras::parse(texto).map_err(|e| format!("código de barras inválido: {e}"))
}

/// A date `DD/MM/AAAA`.
pub(crate) fn data(texto: &str) -> Result<Data, String> {
    Data::parse_br(texto).map_err(|e| format!("data inválida: {e}"))
}

/// A tax period: `MM/AAAA` or `AAAAMM`; a full date `DD/MM/AAAA` gives its month (Excel turns
/// `01/2026` into `01/01/2026` when the cell is edited).
pub(crate) fn periodo(texto: &str) -> Result<Competencia, String> {
    const FORMATO: &str = "período de apuração deve ser MM/AAAA ou AAAAMM (ex.: 01/2026 ou 202601)";
    let b = texto.as_bytes();
    let resultado = match b.len() {
        6 => Competencia::parse(texto),
        7 if b[2] == b'/' => Competencia::parse(&format!("{}{}", &texto[3..], &texto[..2])),
        10 => Data::parse_br(texto).map(Competencia::de),
        _ => return Err(FORMATO.into()),
    };
    resultado.map_err(|_| FORMATO.into())
}

/// Money with a decimal comma: `1234,56`, `1.234,56` (thousands dots in groups of three),
/// `1234` or `1234,5`; an `R$` in front is ignored. At most two decimals.
pub(crate) fn valor(texto: &str) -> Result<Valor, String> {
    let t = texto
        .strip_prefix("R$")
        .map_or(texto, |r| r.trim_start_matches(|c: char| c.is_whitespace()));
    let (inteiro, resto) = t.split_once(',').map_or((t, ""), |(i, r)| (i, r));
    let sem_milhar;
    let inteiro = if inteiro.contains('.') {
        let (sinal, digitos) = inteiro
            .strip_prefix('-')
            .map_or(("", inteiro), |d| ("-", d));
        let grupos: Vec<&str> = digitos.split('.').collect();
        let bem_agrupado = grupos.first().is_some_and(|g| (1..=3).contains(&g.len()))
            && grupos[1..].iter().all(|g| g.len() == 3);
        if !bem_agrupado || resto.contains('.') {
            return Err(
                "valor mal escrito: use vírgula para os centavos e, se quiser, ponto a \
                        cada três dígitos (ex.: 1.234,56 ou 1234,56)"
                    .into(),
            );
        }
        sem_milhar = format!("{sinal}{}", grupos.concat());
        sem_milhar.as_str()
    } else {
        inteiro
    };
    let normalizado = if t.contains(',') {
        format!("{inteiro},{resto}")
    } else {
        inteiro.to_owned()
    };
    Valor::parse_nfd(&normalizado).map_err(|e| format!("valor inválido: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_with_comma_and_thousands_dots() {
        let c = |t: &str| valor(t).map(|v| v.centavos());
        assert_eq!(c("1.234,56"), Ok(123_456));
        assert_eq!(c("1234,56"), Ok(123_456));
        assert_eq!(c("1.234.567,8"), Ok(123_456_780));
        assert_eq!(c("12"), Ok(1200));
        assert_eq!(c("1.234"), Ok(123_400));
        assert_eq!(c("R$ 1.234,56"), Ok(123_456));
        assert_eq!(c("R$\u{a0}0,01"), Ok(1));
        assert_eq!(c("-1.000,00"), Ok(-100_000));
        for ruim in [
            "1234.56",
            "12.34,5",
            "1.2345,00",
            ".123,00",
            "1,234.56",
            "1,2,3",
        ] {
            assert!(valor(ruim).is_err(), "{ruim}");
        }
        assert!(valor("12,345").unwrap_err().contains("duas casas"));
        assert!(valor("abc").is_err());
    }

    #[test]
    fn periods_in_both_forms() {
        let p = Competencia::new(2026, 1).unwrap();
        assert_eq!(periodo("01/2026"), Ok(p));
        assert_eq!(periodo("202601"), Ok(p));
        assert_eq!(periodo("15/01/2026"), Ok(p));
        for ruim in ["13/2026", "2026-01", "1/2026", "202613", "jan/26"] {
            assert!(periodo(ruim).is_err(), "{ruim}");
        }
    }

    #[test]
    fn revenue_code_padding_and_kind() {
        assert_eq!(receita("190").unwrap().to_string(), "0190");
        assert_eq!(receita("0190-01").unwrap().to_string(), "0190-01");
        assert!(receita("19x").is_err());
        assert_eq!(tipo("das"), Ok(TipoGuia::Das));
        assert_eq!(tipo("Darf"), Ok(TipoGuia::Darf));
        assert!(tipo("GPS").is_err());
    }
}
