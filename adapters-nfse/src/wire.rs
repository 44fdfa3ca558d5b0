//! The wire of SEFIN Nacional and of the ADN's municipal parameters: paths, the JSON bodies as
//! serde DTOs (SEFIN in camelCase, the ADN in PascalCase, kept apart), the gzip + base64
//! packing of the XML documents, and the error bodies read whatever their shape.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::{Read, Write};

/// Paths, relative to the SEFIN Nacional base (`…/SefinNacional`) or the ADN parametrização
/// base (`…/parametrizacao`).
pub mod caminhos {
    /// `POST`: issues one DPS.
    pub const NFSE: &str = "/nfse";
    /// `HEAD`/`GET /dps/{id}`.
    pub const DPS: &str = "/dps/";
    /// `GET /nfse/{chave}` and `POST /nfse/{chave}/eventos`.
    pub const NFSE_CHAVE: &str = "/nfse/";
    /// Suffix of the events path.
    pub const EVENTOS: &str = "/eventos";
    /// Suffix of the ADN's rate query (`/{cMun}/{cServ}/{competencia}/aliquota`).
    pub const ALIQUOTA: &str = "/aliquota";
}

/// Largest decompressed document accepted (the NFS-e XML is a few kB; a "gzip bomb" is refused).
pub const MAX_XML: u64 = 2 * 1024 * 1024;

/// `POST /nfse` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PedidoEmissao {
    /// The signed DPS, gzip, base64.
    #[serde(rename = "dpsXmlGZipB64")]
    pub dps_xml_gzip_b64: String,
}

/// `POST /nfse/{chave}/eventos` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PedidoEvento {
    /// The signed `pedRegEvento`, gzip, base64.
    #[serde(rename = "pedidoRegistroEventoXmlGZipB64")]
    pub pedido_xml_gzip_b64: String,
}

/// `201` of `POST /nfse` (`NFSePostResponseSucesso`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RespostaEmissao {
    /// `tipoAmbiente`: 1 production, 2 homologation.
    #[serde(default)]
    pub tipo_ambiente: Option<u8>,
    /// `versaoAplicativo` (e.g. `SefinNacional_1.6.0`).
    #[serde(default)]
    pub versao_aplicativo: Option<String>,
    /// `dataHoraProcessamento`.
    #[serde(default)]
    pub data_hora_processamento: Option<String>,
    /// `idDps`: the DPS Id the NFS-e was issued for.
    #[serde(default)]
    pub id_dps: Option<String>,
    /// `chaveAcesso`: the NFS-e access key (50 characters).
    pub chave_acesso: String,
    /// The NFS-e XML, gzip, base64.
    #[serde(rename = "nfseXmlGZipB64")]
    pub nfse_xml_gzip_b64: String,
    /// `alertas`: warnings, in either error shape.
    #[serde(default)]
    pub alertas: Option<Value>,
}

/// `200` of `GET /nfse/{chave}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RespostaNfse {
    /// `tipoAmbiente`.
    #[serde(default)]
    pub tipo_ambiente: Option<u8>,
    /// `versaoAplicativo`.
    #[serde(default)]
    pub versao_aplicativo: Option<String>,
    /// `dataHoraProcessamento`.
    #[serde(default)]
    pub data_hora_processamento: Option<String>,
    /// `chaveAcesso`.
    pub chave_acesso: String,
    /// The NFS-e XML, gzip, base64.
    #[serde(rename = "nfseXmlGZipB64")]
    pub nfse_xml_gzip_b64: String,
}

/// `200` of `GET /dps/{id}` (only for an actor of the note).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RespostaDps {
    /// `tipoAmbiente`.
    #[serde(default)]
    pub tipo_ambiente: Option<u8>,
    /// `idDps`.
    #[serde(default)]
    pub id_dps: Option<String>,
    /// `chaveAcesso` of the NFS-e issued for that DPS.
    pub chave_acesso: String,
}

/// `201` of `POST /nfse/{chave}/eventos`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RespostaEvento {
    /// `tipoAmbiente`.
    #[serde(default)]
    pub tipo_ambiente: Option<u8>,
    /// `versaoAplicativo`.
    #[serde(default)]
    pub versao_aplicativo: Option<String>,
    /// `dataHoraProcessamento`.
    #[serde(default)]
    pub data_hora_processamento: Option<String>,
    /// The registered event XML, gzip, base64.
    #[serde(rename = "eventoXmlGZipB64")]
    pub evento_xml_gzip_b64: String,
}

/// One rate of the ADN's `…/aliquota` answer (PascalCase, as the ADN writes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AliquotaAdn {
    /// `Incidencia`: where the tax is due, as the ADN words it.
    #[serde(rename = "Incidencia", default)]
    pub incidencia: Option<String>,
    /// `Aliq`: the rate, percent.
    #[serde(rename = "Aliq", default)]
    pub aliquota: Option<serde_json::Number>,
    /// `DtIni`: first day it applies.
    #[serde(rename = "DtIni", default)]
    pub inicio: Option<String>,
    /// `DtFim`: last day it applies, if any.
    #[serde(rename = "DtFim", default)]
    pub fim: Option<String>,
}

/// The ADN's `GET /{cMun}/{cServ}/{competencia}/aliquota` answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RespostaAliquotas {
    /// `Mensagem`.
    #[serde(rename = "Mensagem", alias = "mensagem", default)]
    pub mensagem: Option<String>,
    /// `Aliquotas`: by service code, the rates in force.
    #[serde(rename = "Aliquotas", alias = "aliquotas", default)]
    pub aliquotas: std::collections::BTreeMap<String, Vec<AliquotaAdn>>,
}

/// One message of an error or warning body, whatever its casing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MensagemSefin {
    /// `codigo`/`Codigo` (`E0004`, `RNG9999`…), empty when the body had none.
    pub codigo: String,
    /// `descricao`/`Descricao`.
    pub descricao: String,
    /// `complemento`/`Complemento`: the detail (often the field at fault).
    pub complemento: Option<String>,
}

impl std::fmt::Display for MensagemSefin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.codigo.is_empty() {
            write!(f, "{}", self.descricao)?;
        } else {
            write!(f, "{}: {}", self.codigo, self.descricao)?;
        }
        match &self.complemento {
            Some(c) if !c.is_empty() => write!(f, " ({c})"),
            _ => Ok(()),
        }
    }
}

/// A field of `objeto` by name, in any casing (`Codigo`, `codigo`, `CODIGO`).
fn campo<'a>(objeto: &'a serde_json::Map<String, Value>, nome: &str) -> Option<&'a Value> {
    objeto
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(nome))
        .map(|(_, v)| v)
}

fn texto(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        outro => Some(outro.to_string()),
    }
}

/// The messages of one error object.
fn mensagem_de(v: &Value) -> Option<MensagemSefin> {
    let o = v.as_object()?;
    let codigo = texto(campo(o, "codigo")).unwrap_or_default();
    let descricao = texto(campo(o, "descricao"))
        .or_else(|| texto(campo(o, "mensagem")))
        .unwrap_or_default();
    if codigo.is_empty() && descricao.is_empty() {
        return None;
    }
    Some(MensagemSefin {
        codigo,
        descricao,
        complemento: texto(campo(o, "complemento")),
    })
}

/// Reads the messages of a JSON value in any of the shapes seen: an array of objects, one
/// object, or an object holding `erros` (array) or `erro` (object) in either casing.
pub fn mensagens_de_valor(v: &Value) -> Vec<MensagemSefin> {
    match v {
        Value::Array(itens) => itens.iter().filter_map(mensagem_de).collect(),
        Value::Object(o) => {
            for chave in ["erros", "erro", "alertas"] {
                if let Some(dentro) = campo(o, chave) {
                    let m = mensagens_de_valor(dentro);
                    if !m.is_empty() {
                        return m;
                    }
                }
            }
            mensagem_de(v).into_iter().collect()
        }
        _ => Vec::new(),
    }
}

/// The DPS Id and the messages an error body names, in any of its shapes; none when the body
/// is not JSON or lists no message (such a body is never read as a refusal: the DPS may have
/// gone in).
pub fn erros_do_corpo(corpo: &str) -> (Option<String>, Vec<MensagemSefin>) {
    let valor: Option<Value> = serde_json::from_str(corpo).ok();
    let id = valor
        .as_ref()
        .and_then(Value::as_object)
        .and_then(|o| texto(campo(o, "idDPS")));
    let mensagens = valor.as_ref().map(mensagens_de_valor).unwrap_or_default();
    (id, mensagens)
}

/// An error body as SEFIN sent it: `{"idDPS", "erros": [...]}`, `{"erro": {...}}`, PascalCase or
/// camelCase keys; when it is not JSON or names no message, one message with the body's first
/// 200 characters (or the status alone when empty).
pub fn ler_erros(corpo: &str, status: u16) -> (Option<String>, Vec<MensagemSefin>) {
    let (id, mensagens) = erros_do_corpo(corpo);
    if !mensagens.is_empty() {
        return (id, mensagens);
    }
    let trecho: String = corpo.trim().chars().take(200).collect();
    let descricao = if trecho.is_empty() {
        format!("HTTP {status} sem corpo")
    } else {
        format!("HTTP {status}: {trecho}")
    };
    (
        id,
        vec![MensagemSefin {
            codigo: String::new(),
            descricao,
            complemento: None,
        }],
    )
}

/// Why a packed document could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ErroPacote {
    /// Not base64 (SEFIN's E1225).
    #[error("base64 inválido: {0}")]
    Base64(String),
    /// Not gzip, or broken (E1226).
    #[error("gzip inválido: {0}")]
    Gzip(String),
    /// Bigger than [`MAX_XML`] once decompressed.
    #[error("documento descompactado maior que {MAX_XML} bytes")]
    Grande,
    /// Not UTF-8 (E1229).
    #[error("o documento não está em UTF-8")]
    Utf8,
}

/// gzip then base64 (standard alphabet, padded), as SEFIN reads `…XmlGZipB64`.
pub fn compactar(xml: &str) -> String {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    // Writing into a Vec cannot fail.
    let _ = gz.write_all(xml.as_bytes());
    let bytes = gz.finish().unwrap_or_default();
    STANDARD.encode(bytes)
}

/// base64 then gunzip, at most [`MAX_XML`] bytes, UTF-8.
///
/// # Errors
/// [`ErroPacote`].
pub fn descompactar(b64: &str) -> Result<String, ErroPacote> {
    let gz = STANDARD
        .decode(b64.trim())
        .map_err(|e| ErroPacote::Base64(e.to_string()))?;
    let mut xml = Vec::new();
    GzDecoder::new(gz.as_slice())
        .take(MAX_XML + 1)
        .read_to_end(&mut xml)
        .map_err(|e| ErroPacote::Gzip(e.to_string()))?;
    if xml.len() as u64 > MAX_XML {
        return Err(ErroPacote::Grande);
    }
    String::from_utf8(xml).map_err(|_| ErroPacote::Utf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_and_bad_input_is_named() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DPS>ç</DPS>";
        assert_eq!(descompactar(&compactar(xml)).unwrap(), xml);
        assert!(matches!(descompactar("@@@"), Err(ErroPacote::Base64(_))));
        assert!(matches!(
            descompactar(&STANDARD.encode(b"not gzip")),
            Err(ErroPacote::Gzip(_))
        ));
    }

    #[test]
    fn both_error_shapes_and_casings_are_read() {
        let (id, m) = ler_erros(
            r#"{"erros":[{"Codigo":"E1226","Descricao":"Estrutura descompactada mal formada."}]}"#,
            400,
        );
        assert_eq!(id, None);
        assert_eq!(
            m[0].to_string(),
            "E1226: Estrutura descompactada mal formada."
        );
        let (_, m) = ler_erros(
            r#"{"erro":{"codigo":"E2220","descricao":"NFS-e não encontrada"}}"#,
            404,
        );
        assert_eq!(m[0].codigo, "E2220");
        let (id, m) = ler_erros(
            r#"{"idDPS":"DPS1","erros":[{"Parametros":null,"Codigo":"RNG9999","Descricao":"Erro não catalogado.","Complemento":"x"},{"codigo":"E0004","descricao":"Id","complemento":null}]}"#,
            400,
        );
        assert_eq!(id.as_deref(), Some("DPS1"));
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].to_string(), "RNG9999: Erro não catalogado. (x)");
        assert_eq!(m[1].complemento, None);
        let (_, m) = ler_erros("<html>404</html>", 404);
        assert_eq!(m[0].descricao, "HTTP 404: <html>404</html>");
        let (_, m) = ler_erros("", 502);
        assert_eq!(m[0].descricao, "HTTP 502 sem corpo");
    }
}
