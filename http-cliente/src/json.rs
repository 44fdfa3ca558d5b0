//! Reading a JSON reply into an adapter's DTO, with the path of what did not fit in the message,
//! the same way in every adapter.

use serde::de::DeserializeOwned;

/// Reads `corpo` as `T`.
///
/// # Errors
/// A message `caminho: motivo`, the path from the document's root
/// (`dados[0].valores.total`), or `JSON` when the document itself is at fault (not JSON, the
/// wrong kind of value), followed by serde's reason with its line and column.
pub fn ler<T: DeserializeOwned>(corpo: &str) -> Result<T, String> {
    let de = &mut serde_json::Deserializer::from_str(corpo);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let caminho = e.path().to_string();
        let onde = if caminho == "." {
            "JSON".to_owned()
        } else {
            caminho
        };
        format!("{onde}: {}", e.inner())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Dto {
        #[allow(dead_code)]
        itens: Vec<u32>,
    }

    #[test]
    fn the_message_names_the_path_or_the_document() {
        assert!(ler::<Dto>(r#"{"itens":[1,2]}"#).is_ok());
        let e = ler::<Dto>(r#"{"itens":[1,"x"]}"#).unwrap_err();
        assert!(e.starts_with("itens[1]: invalid type: string"), "{e}");
        let e = ler::<Dto>("<html>").unwrap_err();
        assert!(e.starts_with("JSON: expected value"), "{e}");
        let e = ler::<Dto>("7").unwrap_err();
        assert!(e.starts_with("JSON: invalid type: integer"), "{e}");
    }
}
