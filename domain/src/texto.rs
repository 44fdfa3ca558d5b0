//! Text helpers shared by the validators' hot paths.

/// `texto.trim()`, without decoding a character when the text already starts and ends with a
/// printable ASCII byte (what every field of a well-formed document does).
///
/// Equal to [`str::trim`] on every input (property-tested): only when either end is ASCII
/// whitespace or a non-ASCII byte does it fall back to the Unicode-aware trim.
#[inline]
pub(crate) fn aparar(texto: &str) -> &str {
    let b = texto.as_bytes();
    match (b.first(), b.last()) {
        (Some(&a), Some(&z)) if borda_limpa(a) && borda_limpa(z) => texto,
        (None, _) => texto,
        _ => texto.trim(),
    }
}

/// An ASCII byte that is not whitespace in the sense of [`char::is_whitespace`] (which, below
/// 0x80, is exactly `\t`, `\n`, `\x0B`, `\x0C`, `\r` and the space).
#[inline]
fn borda_limpa(b: u8) -> bool {
    b.is_ascii() && !matches!(b, b'\t'..=b'\r' | b' ')
}

#[cfg(test)]
mod tests {
    use super::aparar;
    use proptest::prelude::*;

    #[test]
    fn trims_what_str_trim_trims() {
        for t in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{a0}a",
            "a\u{2003}",
            "\u{b}x\u{c}",
            "\u{1f}x",
            "é",
        ] {
            assert_eq!(aparar(t), t.trim(), "{t:?}");
        }
    }

    proptest! {
        #[test]
        fn equals_str_trim_on_any_text(t in any::<String>()) {
            prop_assert_eq!(aparar(&t), t.trim());
        }

        #[test]
        fn equals_str_trim_on_padded_ascii(t in "[ \t\r\n\u{b}\u{c}\u{1c}-\u{1f}\u{85}\u{a0}\u{3000}]{0,3}[ -~]{0,6}[ \t\r\n\u{b}\u{c}\u{1c}-\u{1f}\u{85}\u{a0}\u{3000}]{0,3}") {
            prop_assert_eq!(aparar(&t), t.trim());
        }
    }
}
