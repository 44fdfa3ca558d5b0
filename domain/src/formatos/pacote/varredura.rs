//! A movement read in one pass of its own when it is written plainly, as every exporting
//! system writes it: an object of the layout's keys, each at most once, whose values are texts
//! without escapes, JSON numbers or `null`.
//!
//! serde_json is exact and general, but for this shape it scans each text twice (once to find
//! where the movement ends, once to parse it) and tries every key against a visitor; this
//! scanner finds the movement's end, its keys and its values in the same pass. It decides
//! nothing on its own: anything it does not recognise — an escape, a control character, a
//! number with an exponent, an unknown or repeated key, a value of another type, malformed
//! JSON, bytes that are not UTF-8, a movement cut by the end of the window — makes it answer
//! `None`, and the caller reads that movement with serde_json, which gives the violations and
//! the error messages. For every movement it reads, it gives exactly what serde_json gives (a
//! property test below holds it to that), so the verdict never depends on which of the two
//! read a movement.

use super::{CHAVES_MOVIMENTO, campo};
use crate::conam::MovimentoBruto;

/// The length of the layout's key `k` with its closing quote when `resto` begins with them.
/// Each arm compares a constant of known length, which the compiler turns into a few loads
/// (a table of keys would call `bcmp` for every key of every movement).
fn chave_na_frente(resto: &[u8], k: usize) -> Option<usize> {
    fn com(resto: &[u8], chave: &[u8]) -> Option<usize> {
        resto.starts_with(chave).then_some(chave.len())
    }
    match k {
        0 => com(resto, b"tipoMovimento\""),
        1 => com(resto, b"codigoConta\""),
        2 => com(resto, b"dataMovimentoOriginal\""),
        3 => com(resto, b"tipoLancamento\""),
        4 => com(resto, b"contaCredito\""),
        5 => com(resto, b"valor\""),
        6 => com(resto, b"dataLancamento\""),
        7 => com(resto, b"historicoLancamento\""),
        _ => None,
    }
}

/// Reads the movement at the start of `b` (its `{`) into `m`, reusing the strings `m` holds;
/// returns its length in bytes, up to and including its `}`.
///
/// `None` when the movement is not one this scanner reads (see the module's documentation);
/// `m` may then hold some of the movement's texts, and must be read again from its start.
pub(super) fn movimento(b: &[u8], m: &mut MovimentoBruto) -> Option<usize> {
    // First where each value lies (`None`: absent or `null`, the same to the rules), then the
    // movement checked as UTF-8 once, then the texts copied into `m`.
    let mut valores: [Option<(usize, usize)>; 8] = [None; 8];
    let mut vistas = 0u8;
    let mut c = Cursor { b, p: 0 };
    c.esperar(b'{')?;
    c.brancos();
    if c.olhar()? == b'}' {
        c.p += 1;
    } else {
        let mut proxima = 0usize;
        loop {
            c.esperar(b'"')?;
            // The key the layout puts next first, with its closing quote: in a file written in
            // the layout's order, one comparison per key and no scan.
            let k = match chave_na_frente(&b[c.p..], proxima) {
                Some(n) => {
                    c.p += n;
                    proxima
                }
                None => {
                    let (ini, fim) = c.texto()?;
                    let nome = &b[ini..fim];
                    CHAVES_MOVIMENTO.iter().position(|k| k.as_bytes() == nome)?
                }
            };
            let bit = 1u8 << k;
            if vistas & bit != 0 {
                return None;
            }
            vistas |= bit;
            proxima = k + 1;
            c.brancos();
            c.esperar(b':')?;
            c.brancos();
            valores[k] = match c.olhar()? {
                b'"' => {
                    c.p += 1;
                    Some(c.texto()?)
                }
                b'-' | b'0'..=b'9' => Some(c.numero()?),
                b'n' => {
                    c.literal(b"null")?;
                    None
                }
                _ => return None,
            };
            c.brancos();
            match c.olhar()? {
                b',' => {
                    c.p += 1;
                    c.brancos();
                }
                b'}' => {
                    c.p += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    let texto = std::str::from_utf8(&b[..c.p]).ok()?;
    for (k, valor) in valores.into_iter().enumerate() {
        let destino = campo(m, k);
        match valor {
            // Every bound is next to a quote or a number's ASCII: a character boundary.
            Some((ini, fim)) => {
                let v = texto.get(ini..fim)?;
                match destino {
                    Some(s) => {
                        s.clear();
                        s.push_str(v);
                    }
                    None => *destino = Some(v.to_owned()),
                }
            }
            // The scratch movement may hold the previous one's texts: absent is `None`.
            None => *destino = None,
        }
    }
    Some(c.p)
}

/// JSON's four blanks (not `is_ascii_whitespace`, which also takes the form feed).
pub(super) fn branco(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// A position in the movement's bytes. Every step answers `None` past the end.
struct Cursor<'b> {
    b: &'b [u8],
    p: usize,
}

impl Cursor<'_> {
    fn olhar(&self) -> Option<u8> {
        self.b.get(self.p).copied()
    }

    fn esperar(&mut self, c: u8) -> Option<()> {
        (self.olhar()? == c).then(|| self.p += 1)
    }

    fn brancos(&mut self) {
        while self.b.get(self.p).is_some_and(|&c| branco(c)) {
            self.p += 1;
        }
    }

    fn literal(&mut self, l: &[u8]) -> Option<()> {
        let fim = self.p.checked_add(l.len())?;
        (self.b.get(self.p..fim)? == l).then(|| self.p = fim)
    }

    /// Where a text's content lies, from just past its opening `"` to just before its closing
    /// one, which is consumed: `None` for an escape or a control character (serde_json's to
    /// judge).
    fn texto(&mut self) -> Option<(usize, usize)> {
        let ini = self.p;
        loop {
            match *self.b.get(self.p)? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => self.p += 1,
            }
        }
        self.p += 1;
        Some((ini, self.p - 1))
    }

    /// A JSON number's exact text, without an exponent (`-? (0 | [1-9][0-9]*) (. [0-9]+)?`):
    /// serde_json writes an exponent its own way (`1E5` as `1e+5`), so a number with one is
    /// left to it.
    fn numero(&mut self) -> Option<(usize, usize)> {
        let ini = self.p;
        if self.olhar()? == b'-' {
            self.p += 1;
        }
        match self.olhar()? {
            b'0' => self.p += 1,
            b'1'..=b'9' => self.digitos(),
            _ => return None,
        }
        if self.olhar()? == b'.' {
            self.p += 1;
            self.digito()?;
            self.digitos();
        }
        if matches!(self.olhar()?, b'e' | b'E') {
            return None;
        }
        Some((ini, self.p))
    }

    fn digito(&self) -> Option<()> {
        self.olhar()?.is_ascii_digit().then_some(())
    }

    fn digitos(&mut self) {
        while self.b.get(self.p).is_some_and(u8::is_ascii_digit) {
            self.p += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::DeserializeSeed;

    /// What serde_json's reading (the slow path) makes of `json`, when it reads it whole as
    /// one well-formed movement.
    fn pelo_serde(json: &str) -> Option<MovimentoBruto> {
        let mut receptor = super::super::Juntar::default();
        let mut de = serde_json::Deserializer::from_str(json);
        super::super::VisitaMovimento {
            i: 0,
            receptor: &mut receptor,
        }
        .deserialize(&mut de)
        .ok()?;
        de.end().ok()?;
        if !receptor.forma.is_empty() {
            return None;
        }
        receptor.movimentos.pop()
    }

    fn lido(json: &str) -> Option<(MovimentoBruto, usize)> {
        let mut m = MovimentoBruto {
            historico_lancamento: Some("texto do anterior".into()),
            ..MovimentoBruto::default()
        };
        movimento(json.as_bytes(), &mut m).map(|n| (m, n))
    }

    #[test]
    fn the_quoted_keys_are_the_layouts() {
        for (i, k) in CHAVES_MOVIMENTO.iter().enumerate() {
            let com_aspas = format!("{k}\": 1");
            assert_eq!(chave_na_frente(com_aspas.as_bytes(), i), Some(k.len() + 1));
            assert_eq!(
                chave_na_frente(k.as_bytes(), i),
                None,
                "{k} without its quote"
            );
            assert_eq!(chave_na_frente(com_aspas.as_bytes(), (i + 1) % 8), None);
        }
        assert_eq!(chave_na_frente(b"valor\"", 8), None);
    }

    #[test]
    fn the_manual_layout_is_read_and_the_rest_left_to_serde_json() {
        let json = r#"{ "tipoMovimento": "1", "codigoConta": "1112.01", "valor": 2500.50,
            "dataLancamento": "01/02/2022", "historicoLancamento": null } , {"#;
        let Some((m, n)) = lido(json) else {
            panic!("a plain movement is read: {json}");
        };
        assert_eq!(&json[n - 1..n], "}");
        assert_eq!(m.valor.as_deref(), Some("2500.50"));
        assert_eq!(m.historico_lancamento, None, "null and absent are the same");
        assert_eq!(m.conta_credito, None);
        assert_eq!(Some(m), pelo_serde(&json[..n]));
        for outro in [
            r#"{"historicoLancamento": "a\"b"}"#,
            "{\"historicoLancamento\": \"tab\tdentro\"}",
            r#"{"valor": 1, "valor": 2}"#,
            r#"{"extra": 1}"#,
            r#"{"valor": true}"#,
            r#"{"valor": [1]}"#,
            r#"{"valor": 01}"#,
            r#"{"valor": 1.}"#,
            r#"{"valor": -}"#,
            r#"{"valor": 1e5}"#,
            r#"{"valor": nul}"#,
            r#"{"valor": 1,}"#,
            r#"{"valor" 1}"#,
            r#"{"valor": 1"#,
            "{\"valor\": 1\u{c}}",
            "[]",
        ] {
            assert_eq!(lido(outro), None, "{outro}");
        }
        assert_eq!(
            movimento(
                b"{\"historicoLancamento\": \"\xff\"}",
                &mut MovimentoBruto::default()
            ),
            None,
            "not UTF-8"
        );
    }

    /// A JSON-like movement: the layout's keys and a few others, values of every kind, spelled
    /// right and wrong, with blanks of every kind (and a form feed) between the tokens.
    fn movimento_qualquer() -> impl Strategy<Value = String> {
        let chave = prop_oneof![
            8 => proptest::sample::select(CHAVES_MOVIMENTO.to_vec()).prop_map(str::to_owned),
            1 => Just("extra".to_owned()),
            1 => Just("val\\u006fr".to_owned()),
        ];
        let valor = prop_oneof![
            "\"[a-zA-Z0-9 /.,çãé€}{\\[\\]:-]{0,20}\"",
            "\"[a\\\\\"\t\u{1}]{0,4}\"",
            "-?(0|[1-9][0-9]{0,5})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?",
            "[-+0-9.eE]{1,6}",
            Just("null".to_owned()),
            Just("nul".to_owned()),
            Just("true".to_owned()),
            Just("[1]".to_owned()),
            Just("{\"a\": 1}".to_owned()),
        ];
        let branco = "[ \t\n\r\u{c}]{0,2}";
        (
            prop::collection::vec((branco, chave, branco, valor, branco), 0..10),
            branco,
            "[,}\\] ]{0,3}",
        )
            .prop_map(|(campos, b, fim)| {
                let corpo = campos
                    .iter()
                    .map(|(b1, k, b2, v, b3)| format!("{b1}\"{k}\"{b2}:{b3}{v}"))
                    .collect::<Vec<_>>()
                    .join(",");
                format!("{{{corpo}{b}}}{fim}")
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// Any bytes at all: an answer, never a panic, and a length within them.
        #[test]
        fn any_bytes_get_an_answer(b in prop::collection::vec(any::<u8>(), 0..300)) {
            let mut m = MovimentoBruto::default();
            if let Some(n) = movimento(&b, &mut m) {
                prop_assert!(n <= b.len());
                prop_assert_eq!(b[n - 1], b'}');
            }
        }

        /// Whatever the scanner reads, serde_json reads the same way: the same texts, ending at
        /// the same `}`. And whatever serde_json reads as one well-formed movement the scanner
        /// reads too, unless a text holds an escape or a control character or a number has an
        /// exponent.
        #[test]
        fn the_scanner_reads_what_serde_json_reads(json in movimento_qualquer()) {
            match lido(&json) {
                Some((m, n)) => {
                    prop_assert_eq!(json.as_bytes()[n - 1], b'}');
                    prop_assert_eq!(Some(m), pelo_serde(&json[..n]), "{}", json);
                }
                None => {
                    let expoente = json
                        .as_bytes()
                        .windows(2)
                        .any(|w| w[0].is_ascii_digit() && matches!(w[1], b'e' | b'E'));
                    let sem_escapes = !expoente
                        && !json.contains('\\')
                        && !json.chars().any(|c| c < ' ' && !"\t\n\r".contains(c));
                    if sem_escapes {
                        for (p, _) in json.match_indices('}') {
                            prop_assert_eq!(pelo_serde(&json[..=p]), None, "{}", json);
                        }
                    }
                }
            }
        }
    }
}
