//! The Integra Contador wire: the request body, the tolerant reading of replies, the WSO2
//! gateway fault, and the token reply.
//!
//! Replies are read as the documentation's own examples vary: `status` as a number or a
//! string, `mensagens` null or a list of `{codigo, texto}`, `dados` a string holding JSON (or
//! empty). A gateway fault `{"fault": {...}}` is its own shape. Decoding errors name the JSON
//! path that failed.
//!
//! Each service's `dados` has its DTOs in a submodule ([`das`], …), built on the shared
//! tolerant pieces of [`dados`] and read once with [`dados::ler_dados`].

pub mod caixa_postal;
pub mod dados;
pub mod das;
pub mod declaracoes;
pub mod eventos;
pub mod pagtoweb;
pub mod procuracoes;
pub mod procurador;
pub mod sicalc;
pub mod sitfis;

use dados::{SeObjeto, TextoOuNada};
use guiche_domain::Documento;
use guiche_domain::serpro::{Parte, Pedido};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Writes the request body of a call (`contratante`, `autorPedidoDados`, `contribuinte`,
/// `pedidoDados`), numbers as bare digits and `dados` as a JSON string.
pub fn escrever_pedido(p: &Pedido) -> String {
    let parte = |x: Parte| json!({ "numero": x.numero.as_str(), "tipo": x.tipo() });
    json!({
        "contratante": parte(p.contratante.into()),
        "autorPedidoDados": parte(p.autor_pedido_dados.into()),
        "contribuinte": parte(p.contribuinte.into()),
        "pedidoDados": {
            "idSistema": p.pedido_dados.id_sistema,
            "idServico": p.pedido_dados.id_servico,
            "versaoSistema": p.pedido_dados.versao_sistema,
            "dados": p.pedido_dados.dados,
        }
    })
    .to_string()
}

/// The most documents a batch call takes.
pub const LOTE_MAXIMO: usize = 1_000;

/// Writes the request body of a batch call: as [`escrever_pedido`], with `contribuinte`
/// `{numero: "n1,n2,…", tipo: 3}` for CPFs or `tipo: 4` for CNPJs.
///
/// # Errors
/// A message (Portuguese) for an empty batch, more than [`LOTE_MAXIMO`] documents, CPFs and
/// CNPJs mixed, or a `pedido.contribuinte` that is not the batch's first.
pub fn escrever_pedido_lote(p: &Pedido, lote: &[Documento]) -> Result<String, &'static str> {
    let Some(primeiro) = lote.first() else {
        return Err("lote de contribuintes vazio");
    };
    if lote.len() > LOTE_MAXIMO {
        return Err("lote com mais de 1000 contribuintes");
    }
    let pj = matches!(primeiro, Documento::Cnpj(_));
    if lote.iter().any(|d| matches!(d, Documento::Cnpj(_)) != pj) {
        return Err("lote mistura CPF e CNPJ");
    }
    if *primeiro != p.contribuinte {
        return Err("o contribuinte do pedido deve ser o primeiro do lote");
    }
    let numeros: Vec<&str> = lote.iter().map(Documento::as_str).collect();
    let mut v: Value = serde_json::from_str(&escrever_pedido(p)).map_err(|_| "pedido")?;
    v["contribuinte"] = json!({ "numero": numeros.join(","), "tipo": if pj { 4 } else { 3 } });
    Ok(v.to_string())
}

/// One message of a reply.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Mensagem {
    /// `codigo`, e.g. `Sucesso-PGDASD`, `[AcessoNegado-ICGERENCIADOR-022]`.
    #[serde(default)]
    pub codigo: String,
    /// `texto`.
    #[serde(default)]
    pub texto: String,
}

/// A reply in the Integra envelope.
#[derive(Clone, Debug, PartialEq)]
pub struct Resposta {
    /// `status`, read from a number or a string; `None` when absent.
    pub status: Option<u16>,
    /// `dados`: the service's output, a JSON document as a string (`""` when none).
    pub dados: String,
    /// `mensagens` (`null` reads as none).
    pub mensagens: Vec<Mensagem>,
}

impl Resposta {
    /// `dados` parsed as JSON; `None` when empty or not JSON (some services put plain text).
    pub fn dados_json(&self) -> Option<Value> {
        (!self.dados.trim().is_empty())
            .then(|| serde_json::from_str(&self.dados).ok())
            .flatten()
    }

    /// The messages as one line: `codigo: texto; …`.
    pub fn mensagens_em_linha(&self) -> String {
        self.mensagens
            .iter()
            .map(|m| format!("{}: {}", m.codigo, m.texto))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A WSO2 gateway fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// `code`, e.g. 900903.
    pub codigo: u64,
    /// `message`.
    pub mensagem: String,
    /// `description`.
    pub descricao: String,
}

/// What a reply body holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Corpo {
    /// The Integra envelope.
    Integra(Resposta),
    /// A gateway fault.
    Fault(Fault),
    /// Nothing (204, 304).
    Vazio,
}

#[derive(Deserialize)]
struct RespostaDto {
    #[serde(default)]
    status: Option<Value>,
    #[serde(default)]
    dados: Option<Value>,
    #[serde(default)]
    mensagens: Option<Vec<Mensagem>>,
}

/// The gateway's fault body, `{"fault": {code, message, description}}` (the simulator writes
/// its own with it).
#[derive(Deserialize, Serialize)]
pub(crate) struct FaultDto {
    pub(crate) fault: FaultCorpoDto,
}

/// The inside of [`FaultDto`].
#[derive(Deserialize, Serialize)]
pub(crate) struct FaultCorpoDto {
    #[serde(default)]
    pub(crate) code: Value,
    #[serde(default)]
    pub(crate) message: String,
    #[serde(default)]
    pub(crate) description: String,
}

fn numero(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.to_string().parse().ok(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads a reply body.
///
/// # Errors
/// A message naming the JSON path that failed.
pub fn ler_resposta(corpo: &str) -> Result<Corpo, String> {
    if corpo.trim().is_empty() {
        return Ok(Corpo::Vazio);
    }
    let valor: Value = guiche_http::json::ler(corpo)?;
    if valor.get("fault").is_some() {
        let f: FaultDto = guiche_http::json::ler(corpo)?;
        return Ok(Corpo::Fault(Fault {
            codigo: numero(&f.fault.code).unwrap_or_default(),
            mensagem: f.fault.message,
            descricao: f.fault.description,
        }));
    }
    let r: RespostaDto = guiche_http::json::ler(corpo)?;
    let status = match r.status {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            numero(&v)
                .and_then(|n| u16::try_from(n).ok())
                .ok_or_else(|| format!("status: não é um código HTTP: {v}"))?,
        ),
    };
    let dados = match r.dados {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s,
        Some(outro) => outro.to_string(),
    };
    Ok(Corpo::Integra(Resposta {
        status,
        dados,
        mensagens: r.mensagens.unwrap_or_default(),
    }))
}

/// The token reply of `/authenticate`.
#[derive(Clone, Deserialize, Serialize)]
pub struct TokenDto {
    /// `access_token`: sent as `Authorization: Bearer`.
    pub access_token: String,
    /// `jwt_token`: sent as header `jwt_token` (mandatory in production).
    #[serde(default)]
    pub jwt_token: String,
    /// Seconds of validity (the gateway hands out the remaining life of a still-valid token).
    /// Any JSON number is read, saturated into `0..=u64::MAX`; the client clamps the lifetime
    /// it uses.
    #[serde(deserialize_with = "guiche_http::token::expires_in")]
    pub expires_in: u64,
    /// `scope`.
    #[serde(default)]
    pub scope: String,
    /// `token_type`.
    #[serde(default)]
    pub token_type: String,
}

impl std::fmt::Debug for TokenDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenDto")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// Reads the token reply.
///
/// # Errors
/// A message naming the JSON path that failed.
pub fn ler_token(corpo: &str) -> Result<TokenDto, String> {
    guiche_http::json::ler(corpo)
}

/// The token endpoint's refusal: the gateway's `{status, error, message, path}` or OAuth's
/// `{error, error_description}`. Each field is `Some` when present, its text when a string.
#[derive(Debug, Default, Deserialize)]
pub struct ErroTokenDto {
    /// `message`, the gateway's explanation.
    #[serde(default, deserialize_with = "presente")]
    pub message: Option<TextoOuNada>,
    /// `error`, OAuth's code (or the gateway's reason phrase).
    #[serde(default, deserialize_with = "presente")]
    pub error: Option<TextoOuNada>,
}

impl ErroTokenDto {
    /// What to report: `message` when present, else `error`; none when the one present is not
    /// a string.
    pub fn texto(&self) -> Option<&str> {
        let campo = self.message.as_ref().or(self.error.as_ref())?;
        campo.0.as_deref()
    }
}

/// A field present in the body, whatever its value (`null` included).
fn presente<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<TextoOuNada>, D::Error> {
    TextoOuNada::deserialize(d).map(Some)
}

/// Reads a token refusal's body: `None` when it is not JSON; anything but an object has no
/// fields.
pub fn ler_erro_token(corpo: &str) -> Option<ErroTokenDto> {
    let lido: SeObjeto<ErroTokenDto> = serde_json::from_str(corpo).ok()?;
    Some(lido.0)
}

/// The procuração code a 403 names (`ICGERENCIADOR-022`: no power of attorney in e-CAC), read
/// from the messages.
pub fn sem_procuracao(r: &Resposta) -> bool {
    r.mensagens
        .iter()
        .any(|m| m.codigo.contains("ICGERENCIADOR-022"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use guiche_domain::serpro::PedidoDados;
    use guiche_domain::{Cnpj, Documento};

    #[test]
    fn a_token_refusal_reports_its_message_or_else_its_error() {
        let texto = |c: &str| ler_erro_token(c).and_then(|e| e.texto().map(str::to_owned));
        let gateway = r#"{"status":401,"error":"Unauthorized","message":"credenciais inválidas"}"#;
        assert_eq!(texto(gateway).as_deref(), Some("credenciais inválidas"));
        assert_eq!(
            texto(r#"{"error":"invalid_client"}"#).as_deref(),
            Some("invalid_client")
        );
        // A `message` present but not text leaves nothing to report (the client shows the
        // body), as looking it up in the JSON did.
        assert_eq!(texto(r#"{"message":null,"error":"x"}"#), None);
        assert_eq!(texto(r#"{"message":7}"#), None);
        assert_eq!(texto(r#"["message", "error"]"#), None);
        assert!(ler_erro_token("<html>").is_none());
    }

    #[test]
    fn the_documented_request_is_written() {
        let p = Pedido {
            contratante: Cnpj::parse("11222333000181").unwrap(),
            autor_pedido_dados: Documento::parse("11222333000181").unwrap(),
            contribuinte: Documento::parse("11444777000161").unwrap(),
            pedido_dados: PedidoDados {
                id_sistema: "PGDASD".into(),
                id_servico: "GERARDAS12".into(),
                versao_sistema: "1.0".into(),
                dados: r#"{"periodoApuracao":"201801","dataConsolidacao":"20220831"}"#.into(),
            },
        };
        let escrito: Value = serde_json::from_str(&escrever_pedido(&p)).unwrap();
        let documentado: Value =
            serde_json::from_str(include_str!("../tests/vetores/pedido-gerardas12.json")).unwrap();
        assert_eq!(escrito, documentado);
    }

    #[test]
    fn every_documented_reply_variant_is_read() {
        let Corpo::Integra(r) =
            ler_resposta(include_str!("../tests/vetores/resposta-sucesso.json")).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (r.status, r.dados_json()),
            (Some(200), Some(json!({"exemplo": 1})))
        );
        assert_eq!(r.mensagens[0].codigo, "Sucesso-PGDASD");
        let Corpo::Integra(r) =
            ler_resposta(include_str!("../tests/vetores/resposta-status-texto.json")).unwrap()
        else {
            panic!()
        };
        assert_eq!((r.status, r.dados.as_str()), (Some(200), ""));
        let Corpo::Integra(r) = ler_resposta(include_str!(
            "../tests/vetores/resposta-mensagens-null.json"
        ))
        .unwrap() else {
            panic!()
        };
        assert!(r.mensagens.is_empty());
        let Corpo::Integra(r) = ler_resposta(include_str!(
            "../tests/vetores/resposta-sem-procuracao.json"
        ))
        .unwrap() else {
            panic!()
        };
        assert!(sem_procuracao(&r));
        assert_eq!(
            ler_resposta(include_str!("../tests/vetores/fault-token-expirado.json")).unwrap(),
            Corpo::Fault(Fault {
                codigo: 900_903,
                mensagem: "Access Token Expired".into(),
                descricao: "Access Token Expired. Renew the token and try again.".into()
            })
        );
        assert_eq!(ler_resposta("").unwrap(), Corpo::Vazio);
    }

    #[test]
    fn malformed_replies_name_the_path() {
        let e = ler_resposta(r#"{"status": {"x": 1}}"#).unwrap_err();
        assert!(e.starts_with("status"), "{e}");
        let e = ler_resposta(r#"{"mensagens": [{"codigo": 5}]}"#).unwrap_err();
        assert!(e.contains("mensagens[0].codigo"), "{e}");
        assert!(ler_resposta("<html>").is_err());
    }

    #[test]
    fn the_token_is_read_and_never_shown() {
        let t = ler_token(include_str!("../tests/vetores/token.json")).unwrap();
        assert_eq!(
            (t.expires_in, t.access_token.as_str()),
            (2008, "af012866-daae-3aef-8b40-bd14e8cfac99")
        );
        let d = format!("{t:?}");
        assert!(!d.contains("af012866") && !d.contains("eyJ"), "{d}");
        assert!(
            ler_token(r#"{"access_token":"x"}"#)
                .unwrap_err()
                .contains("expires_in")
        );
    }
}
