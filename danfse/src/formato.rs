//! pt-BR formatting of the values a DANFSe prints.

use rust_decimal::{Decimal, RoundingStrategy};

/// Money as Brazilians write it: `R$ 1.234,56` (two places, half away from zero; a minus
/// before the symbol).
pub fn moeda(valor: Decimal) -> String {
    let arredondado = valor.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let negativo = arredondado.is_sign_negative() && !arredondado.is_zero();
    let texto = format!("{:.2}", arredondado.abs());
    let (inteiro, centavos) = texto.split_once('.').unwrap_or((texto.as_str(), "00"));
    let mut agrupado = String::with_capacity(inteiro.len() + inteiro.len() / 3);
    for (i, c) in inteiro.chars().enumerate() {
        if i > 0 && (inteiro.len() - i) % 3 == 0 {
            agrupado.push('.');
        }
        agrupado.push(c);
    }
    format!(
        "{}R$ {agrupado},{centavos}",
        if negativo { "-" } else { "" }
    )
}

/// A percentage as `2,00%`.
pub(crate) fn percentual(valor: Decimal) -> String {
    let texto = format!(
        "{:.2}",
        valor.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    );
    format!("{}%", texto.replace('.', ","))
}

/// A CNPJ (14 characters, numeric or alphanumeric) or a CPF (11 digits) with its punctuation;
/// anything else as it is.
pub fn documento(texto: &str) -> String {
    let c: Vec<char> = texto.chars().collect();
    let s = |a: usize, b: usize| c[a..b].iter().collect::<String>();
    match c.len() {
        14 => format!(
            "{}.{}.{}/{}-{}",
            s(0, 2),
            s(2, 5),
            s(5, 8),
            s(8, 12),
            s(12, 14)
        ),
        11 => format!("{}.{}.{}-{}", s(0, 3), s(3, 6), s(6, 9), s(9, 11)),
        _ => texto.to_string(),
    }
}

/// The access key in groups of four characters, as printed under the QR code.
pub fn chave_agrupada(chave: &str) -> String {
    let c: Vec<char> = chave.chars().collect();
    c.chunks(4)
        .map(|g| g.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A layout date `AAAA-MM-DD` as `DD/MM/AAAA`; anything else as it is.
pub fn data(texto: &str) -> String {
    let b = texto.as_bytes();
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' && texto.is_char_boundary(10) {
        format!("{}/{}/{}", &texto[8..10], &texto[5..7], &texto[0..4])
    } else {
        texto.to_string()
    }
}

/// A layout date-time `AAAA-MM-DDThh:mm:ss±hh:mm` as `DD/MM/AAAA hh:mm:ss` (the local time
/// the document carries, its offset dropped); anything else as it is.
pub fn data_hora(texto: &str) -> String {
    let b = texto.as_bytes();
    if b.len() >= 19 && b[10] == b'T' && texto.is_char_boundary(19) {
        format!("{} {}", data(&texto[..10]), &texto[11..19])
    } else {
        texto.to_string()
    }
}
