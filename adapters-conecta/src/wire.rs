//! What travels to and from Conecta gov.br: the paths, the request body and the answers as
//! serde DTOs, and the table of `SituacaoCadastral` codes. The client reads replies only
//! through these types; the simulator answers with the same names (its own tests of the
//! protocol use them too).
//!
//! Public sources confirm the token and CPF paths only; every path lives in [`caminhos`]. Only
//! `SituacaoCadastral` is confirmed in the CPF answer, so the other field names are read under
//! several spellings and unknown fields are ignored.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The paths under `GUICHE_CONECTA_URL`, in one place so they can change.
pub mod caminhos {
    /// Token endpoint (`POST`, Basic, form).
    pub const TOKEN: &str = "/oauth2/jwt-token";
    /// CPF Light query (`POST`, JSON `{"listaCpf": [...]}`).
    pub const CPF: &str = "/api-cpf-light/v2/consulta/cpf";
    /// CNPJ Básica query prefix (`GET {CNPJ_BASICA}{cnpj}`).
    pub const CNPJ_BASICA: &str = "/api-cnpj-basica/v2/basica/";
}

/// The description of a `SituacaoCadastral` code (`None` for codes outside the table).
pub fn descricao_situacao(codigo: u8) -> Option<&'static str> {
    Some(match codigo {
        0 => "Regular",
        2 => "Suspensa",
        3 => "Titular falecido",
        4 => "Pendente de regularização",
        5 => "Cancelada por multiplicidade",
        8 => "Nula",
        9 => "Cancelada de ofício",
        _ => return None,
    })
}

/// The token answer.
#[derive(Clone, Deserialize)]
pub struct TokenDto {
    /// The bearer token.
    pub access_token: String,
    /// Lifetime in seconds (absent: 2 h assumed). Any JSON number is read, saturated into
    /// `0..=u64::MAX`; the client clamps the lifetime it uses.
    #[serde(default, deserialize_with = "guiche_http::token::expires_in_opcional")]
    pub expires_in: Option<u64>,
}

/// The CPF Light request body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PedidoCpf {
    /// The CPFs, digits only.
    #[serde(rename = "listaCpf")]
    pub lista_cpf: Vec<String>,
}

/// One object of the CPF Light answer; numbers and strings are both accepted.
#[derive(Clone, Debug, Deserialize)]
pub struct CpfDto {
    /// The CPF.
    #[serde(alias = "CPF", alias = "NumCPF", alias = "ni", default)]
    pub cpf: Option<Value>,
    /// The name.
    #[serde(alias = "Nome", default)]
    pub nome: Option<String>,
    /// The status code (the one confirmed field).
    #[serde(rename = "SituacaoCadastral", alias = "situacaoCadastral")]
    pub situacao_cadastral: Value,
    /// The status description.
    #[serde(
        alias = "DescSituacaoCadastral",
        alias = "descricaoSituacaoCadastral",
        default
    )]
    pub desc_situacao_cadastral: Option<String>,
    /// The birth date.
    #[serde(
        alias = "DataNascimento",
        alias = "dataNascimento",
        alias = "nascimento",
        default
    )]
    pub data_nascimento: Option<Value>,
}

/// The CNPJ Básica answer.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CnpjDto {
    /// The CNPJ.
    #[serde(alias = "cnpj", default)]
    pub ni: Option<Value>,
    /// Razão social.
    #[serde(alias = "razaoSocial")]
    pub nome_empresarial: String,
    /// Nome fantasia.
    #[serde(default)]
    pub nome_fantasia: Option<String>,
    /// Status: an object `{codigo, descricao|motivo, data}` or a bare code.
    #[serde(default)]
    pub situacao_cadastral: Option<Value>,
    /// Opening date.
    #[serde(default)]
    pub data_abertura: Option<Value>,
    /// Address.
    #[serde(default)]
    pub endereco: Option<EnderecoDto>,
}

/// The address of a CNPJ.
#[derive(Clone, Debug, Deserialize)]
pub struct EnderecoDto {
    /// Municipality: an object `{codigo, descricao}` or a name.
    #[serde(default)]
    pub municipio: Option<Value>,
    /// State.
    #[serde(default)]
    pub uf: Option<String>,
}

/// The object form of a CNPJ's `situacaoCadastral` (it may also come as a bare code).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SituacaoCnpjDto {
    /// The code.
    #[serde(default)]
    pub codigo: Option<Value>,
    /// The description.
    #[serde(default)]
    pub descricao: Option<Value>,
    /// The reason (read when there is no description).
    #[serde(default)]
    pub motivo: Option<Value>,
    /// Since when.
    #[serde(default)]
    pub data: Option<Value>,
}

/// The object form of a municipality (it may also come as a bare name).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct MunicipioDto {
    /// The name.
    #[serde(default)]
    pub descricao: Option<Value>,
}

/// An error body: the first of these that is a string is the message.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ErroDto {
    /// The gateway's message.
    #[serde(default)]
    pub message: Option<Value>,
    /// The message in Portuguese.
    #[serde(default)]
    pub mensagem: Option<Value>,
    /// OAuth 2's description.
    #[serde(default)]
    pub error_description: Option<Value>,
    /// OAuth 2's code.
    #[serde(default)]
    pub error: Option<Value>,
}

impl ErroDto {
    /// The first field present as a string, in the order of the fields.
    pub fn mensagem(&self) -> Option<&str> {
        [
            &self.message,
            &self.mensagem,
            &self.error_description,
            &self.error,
        ]
        .into_iter()
        .find_map(|c| c.as_ref().and_then(Value::as_str))
    }
}

/// `v` read as `T` when it is a JSON object (`None` otherwise: a scalar, an array, null).
pub fn objeto<T: serde::de::DeserializeOwned>(v: &Value) -> Option<T> {
    match v {
        Value::Object(_) => serde_json::from_value(v.clone()).ok(),
        _ => None,
    }
}

/// A non-empty string (trimmed) or a number, as text; anything else is absent.
pub fn texto(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
