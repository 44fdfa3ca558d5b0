//! `PGDASD/GERARDAS12` and `PGMEI/GERARDASPDF21` (`/Emitir`): the DAS issued, as `dados`
//! holds them — a list (or one object) of guides, each with its PDF and its `detalhamento`.

use super::dados::{Lista, Texto};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The input: `{"periodoApuracao": "AAAAMM"}`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PedidoDas {
    /// The período de apuração, `AAAAMM`.
    pub periodo_apuracao: String,
}

/// `dados`: the guides issued.
pub type DadosDas = Lista<GuiaDas>;

/// One guide: its PDF and what it collects.
#[derive(Clone, Debug, Deserialize)]
pub struct GuiaDas {
    /// `pdf`, base64.
    pub pdf: Texto,
    /// `detalhamento`: one or more DAS in this guide.
    pub detalhamento: Lista<DetalhamentoDas>,
}

/// One `detalhamento`: a DAS.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetalhamentoDas {
    /// `numeroDocumento`.
    pub numero_documento: Texto,
    /// `periodoApuracao`, `AAAAMM`.
    pub periodo_apuracao: Texto,
    /// `dataVencimento`, `AAAAMMDD`.
    pub data_vencimento: Texto,
    /// `dataLimiteAcolhimento`, `AAAAMMDD`, when given.
    #[serde(default)]
    pub data_limite_acolhimento: Option<Texto>,
    /// `valores`.
    pub valores: ValoresDas,
    /// `codigoDeBarras`, when given.
    #[serde(default)]
    pub codigo_de_barras: Option<CodigoDeBarras>,
}

/// `valores` of a DAS, each the exact text of a number (or a string holding one).
#[derive(Clone, Debug, Deserialize)]
pub struct ValoresDas {
    /// `total`.
    pub total: Texto,
    /// `principal`.
    pub principal: Texto,
    /// `multa`.
    pub multa: Texto,
    /// `juros`.
    pub juros: Texto,
}

/// `codigoDeBarras`: the four linha-digitável blocks, or one string of 44/48 digits, read as
/// the blocks joined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodigoDeBarras(pub String);

impl<'de> Deserialize<'de> for CodigoDeBarras {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match Value::deserialize(d)? {
            Value::String(s) => Ok(Self(s)),
            Value::Array(blocos) => blocos
                .iter()
                .map(|b| {
                    b.as_str()
                        .ok_or_else(|| D::Error::custom("bloco não é texto"))
                })
                .collect::<Result<String, _>>()
                .map(Self),
            _ => Err(D::Error::custom("nem lista nem texto")),
        }
    }
}
