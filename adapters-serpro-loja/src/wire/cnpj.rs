//! Consulta CNPJ v2 (camelCase): `GET /consulta-cnpj-df/v2/{basica|qsa|empresa}/{ni}`. Only
//! the fields the client reads are typed; the rest of the record (phones, e-mail, capital…)
//! is ignored.

use super::{CodigoDto, codigo, lista, objeto, texto_opcional};
use serde::{Deserialize, Serialize};

/// The situation of a CNPJ: `{codigo, data (AAAA-MM-DD), motivo}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct SituacaoCnpjDto {
    /// The code (`2` ativa).
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub codigo: Option<String>,
    /// Since when.
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub data: Option<String>,
    /// Why (often empty).
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub motivo: Option<String>,
}

/// The address; only the municipality and state are read (`municipio.codigo` is the RFB/TOM
/// code, not IBGE's).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct EnderecoDto {
    /// Municipality.
    #[serde(
        default,
        deserialize_with = "codigo",
        skip_serializing_if = "Option::is_none"
    )]
    pub municipio: Option<CodigoDto>,
    /// State.
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub uf: Option<String>,
}

/// A partner (`/qsa` without `cpf`, `/empresa` with it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SocioDto {
    /// `1` company, `2` person, `3` foreigner.
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub tipo_socio: Option<String>,
    /// The partner's CPF (`/empresa` only).
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub cpf: Option<String>,
    /// Name.
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub nome: Option<String>,
    /// Qualification code.
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub qualificacao: Option<String>,
    /// Since when (`AAAA-MM-DD`).
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub data_inclusao: Option<String>,
}

/// The record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CnpjDto {
    /// The CNPJ.
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub ni: Option<String>,
    /// Razão social (letter-substituted on the trial).
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub nome_empresarial: Option<String>,
    /// Nome fantasia.
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub nome_fantasia: Option<String>,
    /// The situation (an object; a bare code is read as the code).
    #[serde(
        default,
        deserialize_with = "situacao",
        skip_serializing_if = "Option::is_none"
    )]
    pub situacao_cadastral: Option<SituacaoCnpjDto>,
    /// Legal nature.
    #[serde(
        default,
        deserialize_with = "codigo",
        skip_serializing_if = "Option::is_none"
    )]
    pub natureza_juridica: Option<CodigoDto>,
    /// Opening date (`AAAA-MM-DD`).
    #[serde(
        default,
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub data_abertura: Option<String>,
    /// Main CNAE.
    #[serde(
        default,
        deserialize_with = "codigo",
        skip_serializing_if = "Option::is_none"
    )]
    pub cnae_principal: Option<CodigoDto>,
    /// Address.
    #[serde(
        default,
        deserialize_with = "objeto",
        skip_serializing_if = "Option::is_none"
    )]
    pub endereco: Option<EnderecoDto>,
    /// Partners (`/qsa`, `/empresa`).
    #[serde(
        default,
        deserialize_with = "lista",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub socios: Vec<SocioDto>,
}

fn situacao<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<SituacaoCnpjDto>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match super::texto(&v) {
        Some(c) => Some(SituacaoCnpjDto {
            codigo: Some(c),
            ..SituacaoCnpjDto::default()
        }),
        None if v.is_object() => serde_json::from_value(v).ok(),
        None => None,
    })
}
