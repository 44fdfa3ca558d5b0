//! What travels to and from SERPRO's commercial APIs: the paths (production and trial), the
//! trial's public bearer, the token answer, and each API's answers as serde DTOs in
//! `wire/<api>.rs`. The client reads replies only through these types and the simulator writes
//! them; the golden vectors in `tests/vetores` are read by both.
//!
//! Replies are read **tolerantly**: a scalar that may come as a number or a string is text
//! ([`texto_opcional`]); a part that is not the object expected is absent ([`objeto`]); a list
//! that is not an array is empty and its items that do not fit are skipped ([`lista`]); unknown
//! fields are ignored. What the client must have (the number, the name) it checks itself, with a
//! message naming the field.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub mod cnd;
pub mod cnpj;
pub mod cpf;

pub use cnd::{CertidaoDto, CndDto, PedidoCnd};
pub use cnpj::{CnpjDto, EnderecoDto, SocioDto};
pub use cpf::CpfDto;

/// The production gateway (default of `GUICHE_SERPRO_LOJA_URL`).
pub const URL_PRODUCAO: &str = "https://gateway.apiserpro.serpro.gov.br";

/// The trial's fixed public bearer (no token call; only the `-trial` paths accept it). Public:
/// printed in SERPRO's own documentation, not a secret.
pub const BEARER_TRIAL: &str = "06aef429-a981-3ec5-a1f8-71d38d86481e";

/// The paths under `GUICHE_SERPRO_LOJA_URL`, in one place.
pub mod caminhos {
    use guiche_ports::consulta::NivelCnpj;

    /// Token endpoint (`POST`, Basic, form `grant_type=client_credentials`).
    pub const TOKEN: &str = "/token";

    fn trial(api: &str, trial: bool) -> String {
        if trial {
            format!("/{api}-trial")
        } else {
            format!("/{api}")
        }
    }

    /// `GET /consulta-cpf-df[-trial]/v2/cpf/{ni}`.
    pub fn cpf(ni: &str, e_trial: bool) -> String {
        format!("{}/v2/cpf/{ni}", trial("consulta-cpf-df", e_trial))
    }

    /// `GET /consulta-cnpj-df[-trial]/v2/{basica|qsa|empresa}/{ni}`.
    pub fn cnpj(ni: &str, nivel: NivelCnpj, e_trial: bool) -> String {
        format!(
            "{}/v2/{}/{ni}",
            trial("consulta-cnpj-df", e_trial),
            nivel.nome()
        )
    }

    /// `POST /consulta-cnd[-trial]/v1/certidao`.
    pub fn cnd(e_trial: bool) -> String {
        format!("{}/v1/certidao", trial("consulta-cnd", e_trial))
    }
}

/// The token answer (`{"scope", "token_type", "expires_in", "access_token"}`).
#[derive(Clone, Deserialize, Serialize)]
pub struct TokenDto {
    /// Scope granted (informative; not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// `Bearer` (informative; not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Remaining lifetime in seconds (WSO2 counts it down); absent: 1 h assumed.
    #[serde(
        default,
        deserialize_with = "guiche_http::token::expires_in_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_in: Option<u64>,
    /// The bearer token.
    pub access_token: String,
}

/// A code with its description (`situacao`, `naturezaJuridica`, `cnaePrincipal`, `municipio`,
/// `pais`); also read from a bare scalar (the code alone).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct CodigoDto {
    /// The code.
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub codigo: Option<String>,
    /// The description.
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub descricao: Option<String>,
}

/// The text of a JSON string or number (its exact digits); anything else is `None`.
pub fn texto(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `deserialize_with`: a string or a number as text; any other value is `None` (never an error).
///
/// # Errors
/// Only when the input is not JSON at all.
pub fn texto_opcional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(texto(&Value::deserialize(d)?))
}

/// `deserialize_with`: an object read as `T` when it fits; anything else is `None`.
///
/// # Errors
/// Only when the input is not JSON at all.
pub fn objeto<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(v.is_object()
        .then(|| serde_json::from_value(v).ok())
        .flatten())
}

/// `deserialize_with`: a [`CodigoDto`] from an object, or from a scalar taken as the code.
///
/// # Errors
/// Only when the input is not JSON at all.
pub fn codigo<'de, D: Deserializer<'de>>(d: D) -> Result<Option<CodigoDto>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(match texto(&v) {
        Some(c) => Some(CodigoDto {
            codigo: Some(c),
            descricao: None,
        }),
        None if v.is_object() => serde_json::from_value(v).ok(),
        None => None,
    })
}

/// `deserialize_with`: the items of an array that read as `T` (one object is a list of one);
/// anything else is an empty list.
///
/// # Errors
/// Only when the input is not JSON at all.
pub fn lista<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(itens) => itens
            .into_iter()
            .filter_map(|i| serde_json::from_value(i).ok())
            .collect(),
        v @ Value::Object(_) => serde_json::from_value(v).ok().into_iter().collect(),
        _ => Vec::new(),
    })
}

/// The message of an error body: JSON `message`, `mensagem`, `Mensagem`, `error_description`,
/// `error` or a WSO2 `fault.message`; else the body's first 200 characters as text (the gateway
/// answers a 404 in plain text).
pub fn motivo(corpo: &str) -> String {
    let v: Option<Value> = serde_json::from_str(corpo).ok();
    let de_json = v.as_ref().and_then(|v| {
        [
            "message",
            "mensagem",
            "Mensagem",
            "error_description",
            "error",
        ]
        .iter()
        .find_map(|k| v.get(k).and_then(Value::as_str))
        .or_else(|| v.get("fault")?.get("message")?.as_str())
        .map(str::to_owned)
    });
    de_json.unwrap_or_else(|| corpo.trim().chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_is_read_as_json_or_as_plain_text() {
        assert_eq!(
            motivo("Nenhum registro encontrado."),
            "Nenhum registro encontrado."
        );
        assert_eq!(motivo(r#"{"message":"CPF inválido"}"#), "CPF inválido");
        assert_eq!(
            motivo(r#"{"fault":{"code":900901,"message":"Invalid Credentials"}}"#),
            "Invalid Credentials"
        );
    }

    #[test]
    fn trial_paths_carry_the_suffix_and_production_paths_do_not() {
        use guiche_ports::consulta::NivelCnpj;
        assert_eq!(caminhos::cpf("1", false), "/consulta-cpf-df/v2/cpf/1");
        assert_eq!(caminhos::cpf("1", true), "/consulta-cpf-df-trial/v2/cpf/1");
        assert_eq!(
            caminhos::cnpj("2", NivelCnpj::Qsa, true),
            "/consulta-cnpj-df-trial/v2/qsa/2"
        );
        assert_eq!(caminhos::cnd(false), "/consulta-cnd/v1/certidao");
    }
}
