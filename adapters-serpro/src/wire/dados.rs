//! What every service's `dados` shares: text SERPRO sends as a string or a number
//! ([`Texto`]), a list SERPRO sends as an array or a single object ([`Lista`]), and the one
//! decoding of `dados` into a service's DTO ([`ler_dados`]), its errors naming the JSON path.

use serde::Serializer;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::marker::PhantomData;

/// A field SERPRO sends as a JSON string or a number, read as text: the string itself, or the
/// exact text of the number (never through `f64`, so money keeps every digit). `null` reads
/// as absent where the field is optional and as `ausente` where it is required; anything else
/// is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Texto(pub String);

impl Texto {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Texto {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(Self(s)),
            Value::Number(n) => Ok(Self(n.to_string())),
            Value::Null => Err(de::Error::custom("ausente")),
            _ => Err(de::Error::custom("nem texto nem número")),
        }
    }
}

/// A field read only when it is a JSON string: anything else (absent, `null`, a number, an
/// object) reads as no text. For the fields SERPRO documents as text and that only inform.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextoOuNada(pub Option<String>);

impl TextoOuNada {
    /// The text, `""` when none.
    pub fn ou_vazio(&self) -> &str {
        self.0.as_deref().unwrap_or_default()
    }
}

impl Serialize for TextoOuNada {
    /// The text, or `null`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for TextoOuNada {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self(match Value::deserialize(d)? {
            Value::String(s) => Some(s),
            _ => None,
        }))
    }
}

/// Writes a [`Texto`] holding a number as a JSON number (its exact text, arbitrary precision),
/// anything else as a string: how SERPRO writes amounts, counts and waits. For the simulator,
/// which answers with the DTOs the client reads.
///
/// # Errors
/// The serializer's.
pub fn como_numero<S: Serializer>(t: &Texto, s: S) -> Result<S::Ok, S::Error> {
    match t.0.parse::<serde_json::Number>() {
        Ok(n) => n.serialize(s),
        Err(_) => t.0.serialize(s),
    }
}

/// [`como_numero`] of an optional field (`None` is `null`).
///
/// # Errors
/// The serializer's.
pub fn como_numero_opcional<S: Serializer>(t: &Option<Texto>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => como_numero(t, s),
        None => s.serialize_none(),
    }
}

/// A list SERPRO sends as a JSON array, or as a single object meaning a list of one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lista<T>(pub Vec<T>);

impl<T> IntoIterator for Lista<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<T: Serialize> Serialize for Lista<T> {
    /// Always as an array.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lista<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitante<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Visitante<T> {
            type Value = Lista<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("uma lista ou um objeto")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut itens = Vec::new();
                while let Some(item) = seq.next_element()? {
                    itens.push(item);
                }
                Ok(Lista(itens))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Lista(vec![t]))
            }
        }
        d.deserialize_any(Visitante(PhantomData))
    }
}

/// A part SERPRO may send as an object or as anything else: an object is read as `T`, any
/// other value (a string, a number, a list) as `T::default()` — as a field looked up in
/// something that is not an object is simply absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeObjeto<T>(pub T);

impl<T: Serialize> Serialize for SeObjeto<T> {
    /// As the `T` it holds.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: DeserializeOwned + Default> Deserialize<'de> for SeObjeto<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            v @ Value::Object(_) => serde_path_to_error::deserialize(v)
                .map(SeObjeto)
                .map_err(|e| de::Error::custom(format!("{}: {}", e.path(), e.inner()))),
            _ => Ok(Self(T::default())),
        }
    }
}

/// Why `dados` could not be read as a service's DTO.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErroDados {
    /// `dados` is not JSON at all.
    NaoJson,
    /// `dados` is JSON of another shape: the path (from `dados`) and what is wrong there.
    Forma(String),
}

/// Reads `dados` (the text of the envelope's `dados`, already known not to be blank) as `T`.
///
/// # Errors
/// [`ErroDados::NaoJson`] when it is not JSON; [`ErroDados::Forma`] naming the path from
/// `dados` (e.g. `dados[0].detalhamento[1].valores.total: nem texto nem número`).
pub fn ler_dados<T: DeserializeOwned>(dados: &str) -> Result<T, ErroDados> {
    let de = &mut serde_json::Deserializer::from_str(dados);
    let lido: Result<T, _> = serde_path_to_error::deserialize(&mut *de);
    let t = lido.map_err(|e| {
        if e.inner().is_syntax() || e.inner().is_eof() {
            return ErroDados::NaoJson;
        }
        let caminho = e.path().to_string();
        let caminho = match caminho.as_str() {
            "." => "dados".to_owned(),
            c if c.starts_with('[') => format!("dados{c}"),
            c => format!("dados.{c}"),
        };
        ErroDados::Forma(format!("{caminho}: {}", e.inner()))
    })?;
    de.end().map(|()| t).map_err(|_| ErroDados::NaoJson)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        valor: Texto,
        #[serde(default)]
        nota: Option<Texto>,
    }

    #[test]
    fn text_comes_from_a_string_or_the_exact_text_of_a_number() {
        let l: Lista<Item> =
            ler_dados(r#"[{"valor": 1234.50}, {"valor": "7", "nota": null, "extra": true}]"#)
                .unwrap();
        assert_eq!(l.0[0].valor.as_str(), "1234.50");
        assert_eq!((l.0[1].valor.as_str(), &l.0[1].nota), ("7", &None));
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    struct Talvez {
        #[serde(default)]
        nota: Option<Texto>,
    }

    #[test]
    fn what_is_not_an_object_reads_as_the_default() {
        let t: SeObjeto<Talvez> = ler_dados(r#""texto""#).unwrap();
        assert_eq!(t.0, Talvez::default());
        let t: SeObjeto<Talvez> = ler_dados(r#"{"nota": 5}"#).unwrap();
        assert_eq!(t.0.nota, Some(Texto("5".into())));
        let e = ler_dados::<SeObjeto<Talvez>>(r#"{"nota": {}}"#).unwrap_err();
        assert!(
            matches!(e, ErroDados::Forma(ref m) if m.starts_with("dados: nota: nem texto")),
            "{e:?}"
        );
    }

    #[test]
    fn the_simulator_writes_numbers_as_numbers_and_lists_as_arrays() {
        #[derive(Serialize)]
        struct Dto {
            #[serde(serialize_with = "como_numero")]
            valor: Texto,
            #[serde(serialize_with = "como_numero")]
            nome: Texto,
            #[serde(serialize_with = "como_numero_opcional")]
            espera: Option<Texto>,
            itens: Lista<Texto>,
        }
        let dto = Dto {
            valor: Texto("1030.00".into()),
            nome: Texto("ICGERENCIADOR".into()),
            espera: None,
            itens: Lista(vec![Texto("a".into())]),
        };
        assert_eq!(
            serde_json::to_string(&dto).unwrap(),
            r#"{"valor":1030.00,"nome":"ICGERENCIADOR","espera":null,"itens":["a"]}"#
        );
    }

    #[test]
    fn a_single_object_is_a_list_of_one() {
        let l: Lista<Item> = ler_dados(r#"{"valor": 3}"#).unwrap();
        assert_eq!(l.0.len(), 1);
    }

    #[test]
    fn errors_name_the_path_from_dados() {
        let e = ler_dados::<Lista<Item>>(r#"[{"valor": 1}, {"valor": true}]"#).unwrap_err();
        assert!(
            matches!(e, ErroDados::Forma(ref m) if m.starts_with("dados[1].valor: nem texto nem número")),
            "{e:?}"
        );
        let e = ler_dados::<Lista<Item>>(r#"[{"valor": null}]"#).unwrap_err();
        assert!(
            matches!(e, ErroDados::Forma(ref m) if m.starts_with("dados[0].valor: ausente")),
            "{e:?}"
        );
        let e = ler_dados::<Lista<Item>>(r#"[{"nota": 1}]"#).unwrap_err();
        assert!(
            matches!(e, ErroDados::Forma(ref m) if m.starts_with("dados[0]: missing field `valor`")),
            "{e:?}"
        );
        let e = ler_dados::<Lista<Item>>(r#""x""#).unwrap_err();
        assert!(
            matches!(e, ErroDados::Forma(ref m) if m.starts_with("dados: ")),
            "{e:?}"
        );
        assert_eq!(ler_dados::<Lista<Item>>("<html>"), Err(ErroDados::NaoJson));
    }
}
