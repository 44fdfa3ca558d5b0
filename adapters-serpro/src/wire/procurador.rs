//! `AUTENTICAPROCURADOR/ENVIOXMLASSINADO81` (`/Apoiar`): the procurador's token in `dados`
//! of a 200 (a 304 carries it in `ETag` instead).

use super::dados::{SeObjeto, TextoOuNada};
use serde::{Deserialize, Serialize};

/// `dados` of a 200, read leniently as before: `dados` that is not JSON or not an object, and
/// fields that are not strings, read as absent (the client then says the token is missing).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct DadosTokenProcurador {
    /// `autenticar_procurador_token`.
    #[serde(default)]
    pub autenticar_procurador_token: TextoOuNada,
    /// `data_hora_expiracao`, `yyyy-MM-ddTHH:mm:ss` in Brasília.
    #[serde(default)]
    pub data_hora_expiracao: TextoOuNada,
}

impl DadosTokenProcurador {
    /// Reads `dados` (the envelope's text); anything unreadable is the empty answer.
    pub fn ler(dados: &str) -> Self {
        serde_json::from_str::<SeObjeto<Self>>(dados)
            .map(|SeObjeto(d)| d)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_and_anything_else_is_absent() {
        let d = DadosTokenProcurador::ler(
            r#"{"autenticar_procurador_token": "abc", "data_hora_expiracao": "2026-11-26T18:00:00"}"#,
        );
        assert_eq!(d.autenticar_procurador_token.0.as_deref(), Some("abc"));
        assert_eq!(
            d.data_hora_expiracao.0.as_deref(),
            Some("2026-11-26T18:00:00")
        );
        for bruto in ["", "<xml/>", "[1]", r#"{"autenticar_procurador_token": 5}"#] {
            assert_eq!(
                DadosTokenProcurador::ler(bruto)
                    .autenticar_procurador_token
                    .0,
                None
            );
        }
    }
}
