//! The HTTP side: routing, faults and the `.asmx` replies (serving and shutdown are
//! [`guiche_simulador::Servico`]'s).

use super::estado::{Desfecho, Estado};
use super::{CAMINHO_SERVICO, Caos, Falha, wsdl};
use crate::wire::{self, Operacao, PedidoSoap};
use guiche_simulador::{ConexaoDerrubada, MAX_CORPO, Resposta, falha};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, StatusCode};
use std::sync::Arc;

/// The print page of `EnviarNotaRetornaurlNota`.
pub(super) const CAMINHO_IMPRESSAO: &str =
    "/nfd2010/WebPages/Nfd/Usuarios/NotaFiscalImpressao.aspx";
const CAMINHO_FALHAS: &str = "/_simulador/falhas";
const CAMINHO_CAOS: &str = "/_simulador/caos";
const CAMINHO_NOTAS: &str = "/_simulador/notas";
const TIPO_XML: &str = "text/xml; charset=utf-8";
const TIPO_TEXTO: &str = "text/plain; charset=utf-8";

/// Routes a request. An `Err` closes the connection without a reply.
pub(super) async fn atender(
    estado: Arc<Estado>,
    req: Request<Incoming>,
) -> Result<Resposta, ConexaoDerrubada> {
    let caminho = req.uri().path().to_owned();
    let metodo = req.method().clone();
    if caminho.eq_ignore_ascii_case(CAMINHO_SERVICO) {
        return servico(&estado, req).await;
    }
    Ok(match (metodo, caminho.as_str()) {
        (Method::POST, CAMINHO_FALHAS) => injetar(&estado, req).await,
        (Method::POST, CAMINHO_CAOS) => caos(&estado, req).await,
        (Method::GET, CAMINHO_NOTAS) => texto(StatusCode::OK, estado.listagem()),
        (Method::GET, c) if c.eq_ignore_ascii_case(CAMINHO_IMPRESSAO) => impressao(&estado, &req),
        _ => texto(
            StatusCode::NOT_FOUND,
            "recurso não encontrado no simulador NFD\n".into(),
        ),
    })
}

/// The `.asmx` endpoint: WSDL and other methods, then faults, then the SOAP request itself.
async fn servico(estado: &Estado, req: Request<Incoming>) -> Result<Resposta, ConexaoDerrubada> {
    if req.method() != Method::POST {
        return Ok(sem_post(estado, &req));
    }
    let falha = estado.chegada();
    if let Some(r) = falha.and_then(antes_de_ler) {
        return Ok(r);
    }
    falha::entregar(falha, soap_post(estado, req).await).await
}

/// `GET ?WSDL` serves the WSDL; anything else but `POST` is 405.
fn sem_post(estado: &Estado, req: &Request<Incoming>) -> Resposta {
    if req.method() == Method::GET && pede_wsdl(req.uri().query()) {
        let endereco = format!("{}{CAMINHO_SERVICO}", estado.base);
        return resposta(
            StatusCode::OK,
            TIPO_XML,
            wsdl::documento(&estado.namespace, &endereco),
        );
    }
    let mut r = texto(
        StatusCode::METHOD_NOT_ALLOWED,
        "use POST (ou GET ?WSDL)\n".into(),
    );
    r.headers_mut()
        .insert(ALLOW, HeaderValue::from_static("POST"));
    r
}

/// The reply of a fault that answers without reading the request.
fn antes_de_ler(falha: Falha) -> Option<Resposta> {
    match falha {
        Falha::Indisponivel => Some(resposta(
            StatusCode::SERVICE_UNAVAILABLE,
            TIPO_TEXTO,
            String::new(),
        )),
        Falha::Http500 => Some(fault(
            "soap:Server",
            "Server was unable to process request. ---> Falha simulada (http500).",
        )),
        Falha::Lenta(_) | Falha::Reset => None,
    }
}

fn pede_wsdl(query: Option<&str>) -> bool {
    query.is_some_and(|q| q.split('&').any(|p| p.eq_ignore_ascii_case("wsdl")))
}

/// Reads, checks and judges a SOAP POST; every failure becomes the reply an `.asmx` gives.
async fn soap_post(estado: &Estado, req: Request<Incoming>) -> Resposta {
    if !e_texto_xml(req.headers().get(CONTENT_TYPE)) {
        return texto(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "o serviço aceita apenas Content-Type: text/xml (SOAP 1.1)\n".into(),
        );
    }
    let acao = soap_action(req.headers().get("SOAPAction"));
    let corpo = match ler_corpo(req.into_body()).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let pedido = match wire::ler_pedido(&corpo) {
        Ok(p) => p,
        Err(e) => return ilegivel(&e.to_string()),
    };
    if acao != pedido.operacao.soap_action(&estado.namespace) {
        let msg = format!("Server did not recognize the value of HTTP Header SOAPAction: {acao}.");
        return fault("soap:Client", &msg);
    }
    if pedido.namespace != estado.namespace {
        return ilegivel(&format!(
            "<{} xmlns='{}'> was not expected.",
            pedido.operacao.nome(),
            pedido.namespace
        ));
    }
    julgar(estado, &pedido)
}

fn julgar(estado: &Estado, pedido: &PedidoSoap) -> Resposta {
    let Some(hoje) = estado.hoje() else {
        return fault(
            "soap:Server",
            "Server was unable to process request. ---> relógio do sistema fora do intervalo de datas.",
        );
    };
    let resultado = match estado.julgar(pedido, hoje) {
        Desfecho::Ilegivel(m) => return ilegivel(&m),
        Desfecho::Recusada(m) => format!("0-{m}"),
        Desfecho::Emitida {
            codigo,
            numero,
            prefeitura,
        } => match pedido.operacao {
            Operacao::EnviarNota => format!("1-{codigo}"),
            Operacao::EnviarNotaRetornaurlNota => format!(
                "1-{}{CAMINHO_IMPRESSAO}?p={prefeitura}&a={}&n={numero}",
                estado.base,
                codigo.replace('.', "")
            ),
        },
    };
    let corpo = wire::escrever_resposta(pedido.operacao, &estado.namespace, &resultado);
    resposta(StatusCode::OK, TIPO_XML, corpo)
}

/// Whether the media type is `text/xml` (parameters such as charset ignored).
fn e_texto_xml(valor: Option<&HeaderValue>) -> bool {
    valor
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/xml"))
}

/// The `SOAPAction` header without its optional quotes; missing or unreadable is empty.
fn soap_action(valor: Option<&HeaderValue>) -> String {
    let v = valor
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .trim();
    let v = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(v);
    v.to_owned()
}

/// The body as UTF-8 text, at most [`MAX_CORPO`] bytes.
async fn ler_corpo(corpo: Incoming) -> Result<String, Resposta> {
    let bytes = match Limited::new(corpo, MAX_CORPO).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return Err(texto(
                StatusCode::PAYLOAD_TOO_LARGE,
                "corpo acima de 1 MiB\n".into(),
            ));
        }
        Err(e) => return Err(ilegivel(&format!("corpo incompleto: {e}"))),
    };
    String::from_utf8(bytes.to_vec()).map_err(|_| ilegivel("o corpo não é UTF-8 válido"))
}

/// `POST /_simulador/falhas`.
async fn injetar(estado: &Estado, req: Request<Incoming>) -> Resposta {
    let corpo = match ler_corpo(req.into_body()).await {
        Ok(c) => c,
        Err(_) => return texto(StatusCode::BAD_REQUEST, "corpo ilegível\n".into()),
    };
    match corpo.parse::<Falha>() {
        Ok(f) => {
            estado.injetar(f);
            resposta(StatusCode::NO_CONTENT, TIPO_TEXTO, String::new())
        }
        Err(e) => texto(StatusCode::BAD_REQUEST, format!("{e}\n")),
    }
}

/// `POST /_simulador/caos`.
async fn caos(estado: &Estado, req: Request<Incoming>) -> Resposta {
    let corpo = match ler_corpo(req.into_body()).await {
        Ok(c) => c,
        Err(_) => return texto(StatusCode::BAD_REQUEST, "corpo ilegível\n".into()),
    };
    match corpo.parse::<Caos>() {
        Ok(c) => {
            estado.caos(c);
            resposta(StatusCode::NO_CONTENT, TIPO_TEXTO, String::new())
        }
        Err(e) => texto(StatusCode::BAD_REQUEST, format!("{e}\n")),
    }
}

/// `GET …/NotaFiscalImpressao.aspx?p=&a=&n=`: the recorded `<NOTA>` as text.
fn impressao(estado: &Estado, req: &Request<Incoming>) -> Resposta {
    let parametro = |nome: &str| {
        req.uri()
            .query()
            .unwrap_or_default()
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.eq_ignore_ascii_case(nome))
            .map(|(_, v)| v.to_owned())
    };
    let achada = match (parametro("p"), parametro("a"), parametro("n")) {
        (Some(p), Some(a), Some(n)) => n
            .parse::<u64>()
            .ok()
            .and_then(|n| estado.documento(&p, &a, n)),
        _ => None,
    };
    match achada {
        Some(nota) => texto(StatusCode::OK, nota),
        None => texto(StatusCode::NOT_FOUND, "nota não encontrada\n".into()),
    }
}

/// A Fault for a request the `.asmx` could not deserialise.
fn ilegivel(detalhe: &str) -> Resposta {
    fault(
        "soap:Client",
        &format!("Server was unable to read request. ---> {detalhe}"),
    )
}

/// HTTP 500 with a SOAP 1.1 Fault, as an `.asmx` answers an exception.
fn fault(codigo: &str, mensagem: &str) -> Resposta {
    resposta(
        StatusCode::INTERNAL_SERVER_ERROR,
        TIPO_XML,
        wire::escrever_fault(codigo, mensagem),
    )
}

fn texto(status: StatusCode, corpo: String) -> Resposta {
    resposta(status, TIPO_TEXTO, corpo)
}

fn resposta(status: StatusCode, tipo: &'static str, corpo: String) -> Resposta {
    guiche_simulador::resposta(status, Some(tipo), corpo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soap_action_loses_its_quotes() {
        let v = HeaderValue::from_static("\"http://brgov.com.br/EnviarNota\"");
        assert_eq!(soap_action(Some(&v)), "http://brgov.com.br/EnviarNota");
        let v = HeaderValue::from_static(" http://brgov.com.br/EnviarNota ");
        assert_eq!(soap_action(Some(&v)), "http://brgov.com.br/EnviarNota");
        assert_eq!(soap_action(None), "");
        assert_eq!(soap_action(Some(&HeaderValue::from_static("\""))), "\"");
    }

    #[test]
    fn content_type_is_text_xml_with_any_parameters() {
        for ok in [
            "text/xml",
            "text/xml;charset=\"utf-8\"",
            "Text/XML ; charset=utf-8",
        ] {
            assert!(e_texto_xml(Some(&HeaderValue::from_static(ok))), "{ok}");
        }
        for ruim in ["application/soap+xml", "application/xml", "text/xmlx"] {
            assert!(
                !e_texto_xml(Some(&HeaderValue::from_static(ruim))),
                "{ruim}"
            );
        }
        assert!(!e_texto_xml(None));
    }

    #[test]
    fn wsdl_query_is_recognised() {
        assert!(pede_wsdl(Some("WSDL")));
        assert!(pede_wsdl(Some("wsdl")));
        assert!(!pede_wsdl(Some("op=EnviarNota")));
        assert!(!pede_wsdl(None));
    }
}
