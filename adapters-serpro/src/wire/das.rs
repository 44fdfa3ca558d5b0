//! `PGDASD/GERARDAS12` and `PGMEI/GERARDASPDF21` (`/Emitir`): the DAS issued, as `dados`
//! holds them — a list (or one object) of guides, each with its PDF and its `detalhamento`.

use super::dados::{Lista, Texto, como_numero};
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
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct GuiaDas {
    /// `cnpjCompleto`, the contribuinte (informative; not read).
    #[serde(
        default,
        rename = "cnpjCompleto",
        skip_serializing_if = "Option::is_none"
    )]
    pub cnpj_completo: Option<Texto>,
    /// `pdf`, base64.
    pub pdf: Texto,
    /// `detalhamento`: one or more DAS in this guide.
    pub detalhamento: Lista<DetalhamentoDas>,
}

/// One `detalhamento`: a DAS.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DetalhamentoDas {
    /// `numeroDocumento`.
    pub numero_documento: Texto,
    /// `periodoApuracao`, `AAAAMM`.
    pub periodo_apuracao: Texto,
    /// `dataVencimento`, `AAAAMMDD`.
    pub data_vencimento: Texto,
    /// `dataLimiteAcolhimento`, `AAAAMMDD`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_limite_acolhimento: Option<Texto>,
    /// `valores`.
    pub valores: ValoresDas,
    /// `codigoDeBarras`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codigo_de_barras: Option<CodigoDeBarras>,
}

/// `valores` of a DAS, each the exact text of a number (or a string holding one).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ValoresDas {
    /// `principal`.
    #[serde(serialize_with = "como_numero")]
    pub principal: Texto,
    /// `multa`.
    #[serde(serialize_with = "como_numero")]
    pub multa: Texto,
    /// `juros`.
    #[serde(serialize_with = "como_numero")]
    pub juros: Texto,
    /// `total`.
    #[serde(serialize_with = "como_numero")]
    pub total: Texto,
}

/// `codigoDeBarras`: the four linha-digitável blocks, or one string of 44/48 digits, read as
/// the blocks joined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodigoDeBarras(pub String);

impl Serialize for CodigoDeBarras {
    /// A linha digitável of 48 digits as its four blocks of 12, as SERPRO writes it; anything
    /// else as the one string.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let digitos = self.0.len() == 48 && self.0.bytes().all(|b| b.is_ascii_digit());
        if !digitos {
            return self.0.serialize(s);
        }
        let blocos: Vec<&str> = (0..4)
            .filter_map(|k| self.0.get(k * 12..k * 12 + 12))
            .collect();
        blocos.serialize(s)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_barcode_is_written_as_the_blocks_it_is_read_from() {
        let blocos = r#"["858200000015","669802701162","300012800189","672220251130"]"#;
        let lido: CodigoDeBarras = serde_json::from_str(blocos).unwrap();
        assert_eq!(lido.0.len(), 48);
        assert_eq!(serde_json::to_string(&lido).unwrap(), blocos);
        let curto = CodigoDeBarras("8582000000166980270113000128001867222025113".into());
        assert_eq!(
            serde_json::to_string(&curto).unwrap(),
            r#""8582000000166980270113000128001867222025113""#
        );
    }
}
