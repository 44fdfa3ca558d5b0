//! The CONAM wire: paths, the `{"error": …, "data": …}` envelope, revenue and token DTOs.
//!
//! Client and simulator both use this module, and both are tested against the manual's examples
//! in `tests/vetores/`. Wire DTOs live here; the domain never sees a serde shape. Decoding
//! errors name the JSON path that failed (`data[2].exercicio`).

use guiche_ports::contabil::Receita;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `GET {base}/v1_0/receitaorcamentaria/{entidade}/{ano}`.
pub fn caminho_receitas(entidade: &str, ano: u16) -> String {
    format!("/v1_0/receitaorcamentaria/{}/{ano}", segmento(entidade))
}

/// `GET {base}/v1_0/contaextraorcamentaria/{entidade}/{ano}` (the normative path; the manual's
/// example says `receitaextraorcamentaria`, which the simulator also answers).
pub fn caminho_receitas_extra(entidade: &str, ano: u16) -> String {
    format!("/v1_0/contaextraorcamentaria/{}/{ano}", segmento(entidade))
}

/// `GET {base}/v1_0/contabilidadeaberta/{entidade}/{ano}/{mes}` (month with two digits, as the
/// manual's example `…/1/2022/07`).
pub fn caminho_periodo(entidade: &str, ano: u16, mes: u8) -> String {
    format!(
        "/v1_0/contabilidadeaberta/{}/{ano}/{mes:02}",
        segmento(entidade)
    )
}

/// `POST {base}/v1_0/enviotributos`.
pub const CAMINHO_ENVIO: &str = "/v1_0/enviotributos";

/// `GET {base}/v1_0/enviotributos/{idPacote}`.
pub fn caminho_situacao(id_pacote: u64) -> String {
    format!("{CAMINHO_ENVIO}/{id_pacote}")
}

/// Percent-encodes a path segment (entity codes are user data).
fn segmento(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The texts the manual puts in `data`.
pub mod textos {
    /// Package received (201) or approved (status 200).
    pub const SUCESSO: &str = "SUCESSO";
    /// Package waiting for evaluation.
    pub const AGUARDANDO: &str = "AGUARDANDO";
    /// Period open.
    pub const ABERTO: &str = "ABERTO";
    /// Period closed.
    pub const FECHADO: &str = "FECHADO";
    /// 401 without a valid token.
    pub const NAO_AUTORIZADO: &str = "Não Autorizado";
    /// 403, token expired: renew and retry once.
    pub const TOKEN_EXPIRADO: &str = "Token Expirado";
    /// 403, no access to the entity: final.
    pub const ACESSO_NEGADO: &str = "Acesso Negado";
    /// 401 on the open-period check.
    pub const PARAMETROS_INVALIDOS: &str = "Parametros inválidos";
}

/// What `data` holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Dados {
    /// A text (`"SUCESSO"`, `"Token Expirado"`…).
    Texto(String),
    /// A rejection `{codigo, mensagem}`.
    Erro {
        /// `codigo`.
        codigo: String,
        /// `mensagem`.
        mensagem: String,
    },
    /// Anything else (a revenue list, read with [`receitas`]).
    Outro(Value),
}

/// The envelope of every reply.
#[derive(Clone, Debug, PartialEq)]
pub struct Resposta {
    /// `error`.
    pub erro: bool,
    /// `data`.
    pub dados: Dados,
}

#[derive(Deserialize)]
struct EnvelopeDto {
    error: bool,
    data: Value,
}

#[derive(Deserialize, Serialize)]
struct ErroDto {
    codigo: Value,
    mensagem: String,
}

/// Reads a reply envelope.
///
/// # Errors
/// A message naming the JSON path that failed.
pub fn ler_resposta(corpo: &str) -> Result<Resposta, String> {
    let env: EnvelopeDto = guiche_http::json::ler(corpo)?;
    let dados = match env.data {
        Value::String(s) => Dados::Texto(s),
        Value::Object(ref o) if o.contains_key("codigo") && o.contains_key("mensagem") => {
            let e: ErroDto = serde_path_to_error::deserialize(env.data.clone())
                .map_err(|e| format!("data.{}: {}", e.path(), e.inner()))?;
            let codigo = match e.codigo {
                Value::String(s) => s,
                outro => outro.to_string(),
            };
            Dados::Erro {
                codigo,
                mensagem: e.mensagem,
            }
        }
        outro => Dados::Outro(outro),
    };
    Ok(Resposta {
        erro: env.error,
        dados,
    })
}

/// A revenue as the API writes it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceitaDto {
    /// `codigo`.
    pub codigo: String,
    /// `exercicio`.
    pub exercicio: u16,
    /// `codigoConta`.
    pub codigo_conta: String,
    /// `descricao`.
    pub descricao: String,
    /// `codigoContaRenunciada` (budget revenues only; `""` when not a renounced revenue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codigo_conta_renunciada: Option<String>,
    /// `descricaoContaRenunciada`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub descricao_conta_renunciada: Option<String>,
}

impl From<ReceitaDto> for Receita {
    fn from(d: ReceitaDto) -> Receita {
        let renunciada = match (d.codigo_conta_renunciada, d.descricao_conta_renunciada) {
            (Some(c), Some(desc)) if !c.is_empty() => Some((c, desc)),
            (Some(c), None) if !c.is_empty() => Some((c, String::new())),
            _ => None,
        };
        Receita {
            codigo: d.codigo,
            exercicio: d.exercicio,
            codigo_conta: d.codigo_conta,
            descricao: d.descricao,
            conta_renunciada: renunciada,
        }
    }
}

/// Reads the revenue list in `data`.
///
/// # Errors
/// A message naming the JSON path that failed.
pub fn receitas(dados: &Dados) -> Result<Vec<Receita>, String> {
    let Dados::Outro(v) = dados else {
        return Err("data: esperava uma lista de receitas".into());
    };
    let lista: Vec<ReceitaDto> = serde_path_to_error::deserialize(v.clone()).map_err(|e| {
        format!(
            "data{}: {}",
            caminho_lista(&e.path().to_string()),
            e.inner()
        )
    })?;
    Ok(lista.into_iter().map(Receita::from).collect())
}

fn caminho_lista(p: &str) -> String {
    if p.starts_with('[') || p == "." {
        p.trim_start_matches('.').to_owned()
    } else {
        format!(".{p}")
    }
}

/// Writes an envelope with a text.
pub fn escrever_texto(erro: bool, texto: &str) -> String {
    serde_json::json!({ "error": erro, "data": texto }).to_string()
}

/// Writes a rejection `{"error":true,"data":{"codigo":…,"mensagem":…}}`.
pub fn escrever_erro(codigo: &str, mensagem: &str) -> String {
    serde_json::json!({ "error": true, "data": { "codigo": codigo, "mensagem": mensagem } })
        .to_string()
}

/// Writes a revenue list.
pub fn escrever_receitas(receitas: &[ReceitaDto]) -> String {
    serde_json::json!({ "error": false, "data": receitas }).to_string()
}

/// The token endpoint's reply (OAuth 2.0 client credentials; the manual says only "a JSON with
/// a JWT token valid for one hour").
#[derive(Clone, Deserialize, Serialize)]
pub struct TokenDto {
    /// The bearer token.
    pub access_token: String,
    /// `bearer`.
    #[serde(default)]
    pub token_type: String,
    /// Seconds of validity (3600 in the manual). Any JSON number is read: a negative one as 0,
    /// one beyond `u64` as `u64::MAX`, a fraction cut (the client clamps the lifetime it uses).
    #[serde(
        default = "uma_hora",
        deserialize_with = "guiche_http::token::expires_in"
    )]
    pub expires_in: u64,
}

fn uma_hora() -> u64 {
    3600
}

impl std::fmt::Debug for TokenDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenDto")
            .field("access_token", &"***")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Reads the token reply.
///
/// # Errors
/// A message naming the JSON path that failed.
pub fn ler_token(corpo: &str) -> Result<TokenDto, String> {
    guiche_http::json::ler(corpo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_replies_are_read() {
        let texto = |corpo: &str| ler_resposta(corpo).unwrap();
        assert_eq!(
            texto(include_str!("../tests/vetores/envio-sucesso.json")).dados,
            Dados::Texto(textos::SUCESSO.into())
        );
        assert_eq!(
            texto(include_str!("../tests/vetores/situacao-aguardando.json")).dados,
            Dados::Texto(textos::AGUARDANDO.into())
        );
        assert_eq!(
            texto(include_str!("../tests/vetores/periodo-fechado.json")).dados,
            Dados::Texto(textos::FECHADO.into())
        );
        assert_eq!(
            texto(include_str!("../tests/vetores/token-expirado.json")),
            Resposta {
                erro: false,
                dados: Dados::Texto(textos::TOKEN_EXPIRADO.into())
            }
        );
        assert_eq!(
            texto(include_str!("../tests/vetores/acesso-negado.json")).dados,
            Dados::Texto(textos::ACESSO_NEGADO.into())
        );
        assert_eq!(
            texto(include_str!("../tests/vetores/nao-autorizado.json")),
            Resposta {
                erro: true,
                dados: Dados::Texto(textos::NAO_AUTORIZADO.into())
            }
        );
        assert_eq!(
            texto(include_str!("../tests/vetores/parametros-invalidos.json")).dados,
            Dados::Texto(textos::PARAMETROS_INVALIDOS.into())
        );
        assert_eq!(
            texto(include_str!("../tests/vetores/rejeicao.json")),
            Resposta {
                erro: true,
                dados: Dados::Erro {
                    codigo: "00".into(),
                    mensagem: "Uma mensagem de erro".into()
                }
            }
        );
    }

    #[test]
    fn manual_revenues_are_read_and_written_back() {
        let r = ler_resposta(include_str!("../tests/vetores/receitas-orcamentarias.json")).unwrap();
        let lista = receitas(&r.dados).unwrap();
        assert_eq!(lista.len(), 3);
        assert_eq!(lista[0].codigo_conta, "1.1.1.2.50.0.1.0001");
        assert_eq!(lista[0].conta_renunciada, None);
        assert_eq!(
            lista[2].conta_renunciada,
            Some((
                "1.1.1.2.50.0.1.0001".into(),
                "IMP. PROP. PREDIAL E TERRITORIAL URBANA".into()
            ))
        );
        let extra = receitas(
            &ler_resposta(include_str!(
                "../tests/vetores/receitas-extraorcamentarias.json"
            ))
            .unwrap()
            .dados,
        )
        .unwrap();
        assert_eq!(extra[1].descricao, "FUNDO DE RESERVA");
        let original: Value =
            serde_json::from_str(include_str!("../tests/vetores/receitas-orcamentarias.json"))
                .unwrap();
        let dtos: Vec<ReceitaDto> = serde_json::from_value(original["data"].clone()).unwrap();
        let escrito: Value = serde_json::from_str(&escrever_receitas(&dtos)).unwrap();
        assert_eq!(escrito, original);
    }

    #[test]
    fn the_printed_extra_budget_example_is_not_json_and_says_where() {
        let e = ler_resposta(include_str!(
            "../tests/vetores/receitas-extraorcamentarias-manual.txt"
        ))
        .unwrap_err();
        assert!(e.contains("line"), "{e}");
    }

    #[test]
    fn decoding_errors_name_the_path() {
        let e = receitas(&ler_resposta(r#"{"error":false,"data":[{"codigo":"1","exercicio":"x","codigoConta":"1","descricao":"d"}]}"#).unwrap().dados).unwrap_err();
        assert!(e.starts_with("data[0].exercicio"), "{e}");
        let e = ler_resposta(r#"{"data":"SUCESSO"}"#).unwrap_err();
        assert!(e.contains("error"), "{e}");
        assert!(ler_resposta("<html>").is_err());
    }

    #[test]
    fn written_envelopes_match_the_manual() {
        let v = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        assert_eq!(
            v(&escrever_erro("00", "Uma mensagem de erro")),
            v(include_str!("../tests/vetores/rejeicao.json"))
        );
        assert_eq!(
            v(&escrever_texto(false, "Token Expirado")),
            v(include_str!("../tests/vetores/token-expirado.json"))
        );
        assert_eq!(
            caminho_periodo("1", 2022, 7),
            "/v1_0/contabilidadeaberta/1/2022/07"
        );
        assert_eq!(caminho_situacao(1), "/v1_0/enviotributos/1");
        assert_eq!(
            caminho_receitas("a b", 2022),
            "/v1_0/receitaorcamentaria/a%20b/2022"
        );
    }

    #[test]
    fn token_debug_hides_the_token() {
        let t = ler_token(r#"{"access_token":"segredo","token_type":"bearer","expires_in":3600}"#)
            .unwrap();
        assert!(!format!("{t:?}").contains("segredo"));
        assert_eq!(
            ler_token(r#"{"access_token":"x"}"#).unwrap().expires_in,
            3600
        );
    }
}
