//! Consulta CND (joint RFB/PGFN certificate): `POST /consulta-cnd/v1/certidao`. The request
//! body is documented by several clients; the answer's field names are **not confirmed**
//! (anchors §1.4), so they are read in PascalCase (what the request uses) or camelCase.

use super::{objeto, texto_opcional};
use serde::{Deserialize, Serialize};

/// The request: `{"TipoContribuinte": 1 (PJ) | 2 (PF), "ContribuinteConsulta": digits,
/// "CodigoIdentificacao": "9001" (PJ) | "9002" (PF), "GerarCertidaoPdf": bool}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PedidoCnd {
    /// 1 company, 2 person (the mapping of one client; see the decision 0017).
    pub tipo_contribuinte: u8,
    /// The document, digits.
    pub contribuinte_consulta: String,
    /// `9001` (company) or `9002` (person).
    pub codigo_identificacao: String,
    /// Whether to return the PDF (never asked: guichê shows the situation).
    pub gerar_certidao_pdf: bool,
}

/// The certificate part.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CertidaoDto {
    /// `Negativa`, `Positiva com Efeitos de Negativa`, `Positiva` (any case).
    #[serde(
        default,
        alias = "tipoCertidao",
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub tipo_certidao: Option<String>,
    /// Issue date.
    #[serde(
        default,
        alias = "dataEmissao",
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub data_emissao: Option<String>,
    /// Valid until.
    #[serde(
        default,
        alias = "dataValidade",
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub data_validade: Option<String>,
    /// Control code.
    #[serde(
        default,
        alias = "codigoControle",
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub codigo_controle: Option<String>,
}

/// The answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CndDto {
    /// The service's status code (informative; not read).
    #[serde(
        default,
        alias = "status",
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<String>,
    /// The service's message.
    #[serde(
        default,
        alias = "mensagem",
        deserialize_with = "texto_opcional",
        skip_serializing_if = "Option::is_none"
    )]
    pub mensagem: Option<String>,
    /// The certificate, when one exists or was issued.
    #[serde(
        default,
        alias = "certidao",
        deserialize_with = "objeto",
        skip_serializing_if = "Option::is_none"
    )]
    pub certidao: Option<CertidaoDto>,
}
