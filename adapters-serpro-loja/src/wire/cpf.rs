//! Consulta CPF v2: `GET /consulta-cpf-df/v2/cpf/{ni}`.

use super::{CodigoDto, codigo, texto_opcional};
use serde::{Deserialize, Serialize};

/// The answer: `{ni, nome, nomeSocial?, situacao{codigo, descricao}, nascimento (DDMMAAAA),
/// dataInscricao? (DDMMAAAA), obito? (AAAA)}`. The trial writes `descricao` in either case
/// ("Regular", "REGULAR") and one 9-digit `nascimento`: both are kept as sent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CpfDto {
    /// The CPF, digits.
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub ni: Option<String>,
    /// The holder's name.
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub nome: Option<String>,
    /// The social name (v2).
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub nome_social: Option<String>,
    /// The situation.
    #[serde(
        default,
        deserialize_with = "codigo",
        skip_serializing_if = "Option::is_none"
    )]
    pub situacao: Option<CodigoDto>,
    /// Birth date, `DDMMAAAA` (as sent).
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub nascimento: Option<String>,
    /// Registration date, `DDMMAAAA` (v2).
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub data_inscricao: Option<String>,
    /// Year of death, `AAAA`.
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub obito: Option<String>,
}
