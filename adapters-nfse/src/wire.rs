//! SEFIN Nacional's wire format for `POST /nfse`: the request body and the replies.
//!
//! Requests carry the signed XML gzipped and base64'd in a JSON member (the national system
//! refuses bad base64 with E1225 and bad gzip with E1226). Replies: 201 with the NFS-e (itself
//! gzip + base64), 400 with a business body; the body's errors come as `erros: [...]` or as
//! one `erro: {...}`, with `codigo`/`Codigo`-style keys in either casing (anchors §3.1).

use std::io::{Read as _, Write as _};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use guiche_domain::nfse::{ChaveAcesso, ErroId};
use serde_json::{Map, Value};

/// The largest decompressed document read from a reply (a guard against a gzip bomb).
pub const MAX_XML: u64 = 8 * 1024 * 1024;

/// Why a request could not be written or a reply read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErroWire {
    /// The reply body is not JSON, or not the shape the status promises.
    #[error("resposta do SEFIN Nacional ilegível: {0}")]
    Resposta(String),
    /// A document inside the reply is not base64, not gzip, too large or not UTF-8.
    #[error("documento da resposta ilegível: {0}")]
    Documento(String),
    /// The access key in the reply is malformed.
    #[error("chave de acesso da resposta inválida: {0}")]
    Chave(#[from] ErroId),
}

/// gzip, then base64 (standard alphabet, padded).
pub fn compactar(xml: &str) -> String {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    // Writing into a Vec cannot fail.
    let _ = gz.write_all(xml.as_bytes());
    STANDARD.encode(gz.finish().unwrap_or_default())
}

/// base64, then gunzip, at most [`MAX_XML`] bytes, UTF-8.
///
/// # Errors
/// [`ErroWire::Documento`] naming which step failed.
pub fn descompactar(b64: &str) -> Result<String, ErroWire> {
    let gz = STANDARD
        .decode(b64.trim())
        .map_err(|e| ErroWire::Documento(format!("base64: {e}")))?;
    let mut xml = Vec::new();
    GzDecoder::new(gz.as_slice())
        .take(MAX_XML + 1)
        .read_to_end(&mut xml)
        .map_err(|e| ErroWire::Documento(format!("gzip: {e}")))?;
    if xml.len() as u64 > MAX_XML {
        return Err(ErroWire::Documento(format!(
            "mais de {MAX_XML} bytes descompactados"
        )));
    }
    String::from_utf8(xml).map_err(|e| ErroWire::Documento(format!("UTF-8: {e}")))
}

/// The body of `POST /nfse`: `{"dpsXmlGZipB64": "<signed DPS, gzip, base64>"}`.
pub fn corpo_envio(dps_assinada: &str) -> String {
    serde_json::json!({ "dpsXmlGZipB64": compactar(dps_assinada) }).to_string()
}

/// One business error of a rejection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErroSefin {
    /// `codigo` (`E0004`, `RNG9999`, …); empty when the body gave none.
    pub codigo: String,
    /// `descricao`.
    pub descricao: String,
    /// `complemento`, when given (often the field the schema failed on).
    pub complemento: Option<String>,
}

/// What a reply to `POST /nfse` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RespostaEnvio {
    /// 201: the NFS-e was issued.
    Emitida {
        /// `chaveAcesso`, checked.
        chave: ChaveAcesso,
        /// `idDps`, as sent back.
        id_dps: String,
        /// The NFS-e XML (`nfseXmlGZipB64`, decoded).
        nfse_xml: String,
        /// `alertas`, as their descriptions.
        alertas: Vec<ErroSefin>,
    },
    /// 400 (or another 4xx with a business body, e.g. 403 for the transmitter's certificate):
    /// refused, nothing issued.
    Recusada {
        /// Every error the body lists.
        erros: Vec<ErroSefin>,
    },
}

/// The member `nome` of `o`, whatever the casing of its first letter (`codigo`, `Codigo`).
fn membro<'a>(o: &'a Map<String, Value>, nome: &str) -> Option<&'a Value> {
    o.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(nome))
        .map(|(_, v)| v)
}

fn texto(o: &Map<String, Value>, nome: &str) -> Option<String> {
    membro(o, nome).and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        outro => Some(outro.to_string()),
    })
}

fn erro_sefin(v: &Value) -> Option<ErroSefin> {
    let o = v.as_object()?;
    Some(ErroSefin {
        codigo: texto(o, "codigo").unwrap_or_default(),
        descricao: texto(o, "descricao").unwrap_or_default(),
        complemento: texto(o, "complemento").filter(|c| !c.is_empty()),
    })
}

/// The errors of a body: `erros: [...]`, or one `erro: {...}` (or a list there too), any key
/// casing.
fn erros(o: &Map<String, Value>, nome_lista: &str) -> Vec<ErroSefin> {
    let mut lista = Vec::new();
    for nome in [nome_lista, nome_lista.trim_end_matches('s')] {
        match membro(o, nome) {
            Some(Value::Array(itens)) => lista.extend(itens.iter().filter_map(erro_sefin)),
            Some(v @ Value::Object(_)) => lista.extend(erro_sefin(v)),
            _ => {}
        }
        if !lista.is_empty() {
            break;
        }
    }
    lista
}

/// Reads the reply to `POST /nfse` with HTTP `status` and `corpo`.
///
/// # Errors
/// [`ErroWire`] when the body is not what the status promises (the caller treats a 5xx or an
/// unreadable 201 as an unknown outcome, to be settled by `HEAD /dps/{id}`).
pub fn ler_resposta_envio(status: u16, corpo: &str) -> Result<RespostaEnvio, ErroWire> {
    let v: Value = serde_json::from_str(corpo)
        .map_err(|e| ErroWire::Resposta(format!("HTTP {status}, corpo não é JSON: {e}")))?;
    let o = v
        .as_object()
        .ok_or_else(|| ErroWire::Resposta(format!("HTTP {status}, corpo não é um objeto")))?;
    if status == 201 {
        let campo = |nome: &str| {
            texto(o, nome).ok_or_else(|| ErroWire::Resposta(format!("HTTP 201 sem {nome}")))
        };
        let chave = ChaveAcesso::parse(&campo("chaveAcesso")?)?;
        return Ok(RespostaEnvio::Emitida {
            chave,
            id_dps: campo("idDps")?,
            nfse_xml: descompactar(&campo("nfseXmlGZipB64")?)?,
            alertas: erros(o, "alertas"),
        });
    }
    if !(400..500).contains(&status) {
        // A 5xx (or anything unexpected) says nothing certain about the DPS, whatever the body
        // lists: an unknown outcome for the caller to settle.
        return Err(ErroWire::Resposta(format!(
            "HTTP {status}: {}",
            corpo.chars().take(200).collect::<String>()
        )));
    }
    let lista = erros(o, "erros");
    if lista.is_empty() {
        return Err(ErroWire::Resposta(format!(
            "HTTP {status} sem erros no corpo: {}",
            corpo.chars().take(200).collect::<String>()
        )));
    }
    Ok(RespostaEnvio::Recusada { erros: lista })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid access key (its check digit computed).
    fn chave() -> String {
        use guiche_domain::documento::Documento;
        use guiche_domain::municipio::CodigoIbge;
        ChaveAcesso {
            municipio: CodigoIbge::parse("3550308").unwrap(),
            ambiente_gerador: 2,
            inscricao: Documento::parse("11222333000181").unwrap(),
            numero: 1,
            ano: 26,
            mes: 11,
            codigo: 123_456_789,
        }
        .to_string()
    }

    #[test]
    fn the_request_body_round_trips_through_gzip_and_base64() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DPS>ção &amp; é</DPS>";
        let corpo = corpo_envio(xml);
        let v: Value = serde_json::from_str(&corpo).unwrap();
        let b64 = v["dpsXmlGZipB64"].as_str().unwrap();
        assert!(
            STANDARD.decode(b64).unwrap().starts_with(&[0x1f, 0x8b]),
            "gzip"
        );
        assert_eq!(descompactar(b64).unwrap(), xml);
        assert_eq!(v.as_object().unwrap().len(), 1);
    }

    #[test]
    fn bad_documents_in_a_reply_are_named() {
        assert!(
            descompactar("não é base64!")
                .unwrap_err()
                .to_string()
                .contains("base64")
        );
        let nao_gzip = STANDARD.encode(b"<DPS/>");
        assert!(
            descompactar(&nao_gzip)
                .unwrap_err()
                .to_string()
                .contains("gzip")
        );
        let bomba = compactar(&"a".repeat(MAX_XML as usize + 1));
        assert!(
            descompactar(&bomba)
                .unwrap_err()
                .to_string()
                .contains("descompactados")
        );
    }

    #[test]
    fn a_201_gives_the_checked_key_and_the_nfse() {
        let corpo = serde_json::json!({
            "tipoAmbiente": 2,
            "versaoAplicativo": "SefinNacional_1.6.0",
            "dataHoraProcessamento": "2026-11-26T10:15:03-03:00",
            "idDps": "DPS355030821122233300018100001000000000000042",
            "chaveAcesso": chave(),
            "nfseXmlGZipB64": compactar("<NFSe/>"),
            "alertas": [{"codigo": "A001", "descricao": "aviso"}]
        })
        .to_string();
        let RespostaEnvio::Emitida {
            chave: c,
            id_dps,
            nfse_xml,
            alertas,
        } = ler_resposta_envio(201, &corpo).unwrap()
        else {
            panic!("esperava Emitida");
        };
        assert_eq!(c.to_string(), chave());
        assert_eq!(id_dps, "DPS355030821122233300018100001000000000000042");
        assert_eq!(nfse_xml, "<NFSe/>");
        assert_eq!(alertas[0].codigo, "A001");
        let ruim = corpo.replace(&chave(), "123");
        assert!(matches!(
            ler_resposta_envio(201, &ruim),
            Err(ErroWire::Chave(_))
        ));
    }

    #[test]
    fn rejections_are_read_in_every_shape_production_answers() {
        let formas = [
            // The documented camelCase list.
            r#"{"idDPS":"DPS1","erros":[{"codigo":"E0004","descricao":"Id inválido","complemento":"infDPS/@Id"}]}"#,
            // POST as seen in production: PascalCase keys.
            r#"{"erros":[{"Codigo":"E0004","Descricao":"Id inválido","Complemento":"infDPS/@Id"}]}"#,
            // An older capture, with Parametros and a null.
            r#"{"erros":[{"Parametros":null,"Codigo":"E0004","Descricao":"Id inválido","Complemento":"infDPS/@Id"}]}"#,
            // GET as seen in production: one object under erro.
            r#"{"erro":{"codigo":"E0004","descricao":"Id inválido","complemento":"infDPS/@Id"}}"#,
            r#"{"Erro":{"Codigo":"E0004","Descricao":"Id inválido","Complemento":"infDPS/@Id"}}"#,
        ];
        for corpo in formas {
            let r = ler_resposta_envio(400, corpo).unwrap();
            assert_eq!(
                r,
                RespostaEnvio::Recusada {
                    erros: vec![ErroSefin {
                        codigo: "E0004".into(),
                        descricao: "Id inválido".into(),
                        complemento: Some("infDPS/@Id".into()),
                    }]
                },
                "{corpo}"
            );
        }
        let sem_complemento = ler_resposta_envio(
            400,
            r#"{"erros":[{"Codigo":"E1235","Descricao":"Falha no esquema"}]}"#,
        )
        .unwrap();
        assert!(
            matches!(sem_complemento, RespostaEnvio::Recusada { erros } if erros[0].complemento.is_none())
        );
    }

    #[test]
    fn bodies_that_are_not_a_reply_are_errors_not_rejections() {
        assert!(ler_resposta_envio(500, "<html>erro</html>").is_err());
        // A 5xx is never a rejection, even with errors in its body: the DPS may have gone in.
        let com_erros = r#"{"erros":[{"Codigo":"E9999","Descricao":"Falha"}]}"#;
        assert!(ler_resposta_envio(500, com_erros).is_err());
        assert!(ler_resposta_envio(403, com_erros).is_ok());
        assert!(ler_resposta_envio(400, "[]").is_err());
        assert!(ler_resposta_envio(400, r#"{"mensagem":"?"}"#).is_err());
        assert!(ler_resposta_envio(201, r#"{"idDps":"x"}"#).is_err());
    }
}
