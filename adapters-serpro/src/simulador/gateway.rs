//! The simulator's gateway: `POST /integra-contador/v1/{Tipo}`, judged in the order the
//! documentation's messages suggest (§2.4 and §2.6 of the reference).

use super::{Compartilhado, FalhaGateway};
use crate::wire::dados::TextoOuNada;
use crate::wire::procurador::DadosTokenProcurador;
use crate::wire::{FaultCorpoDto, FaultDto};
use bytes::Bytes;
use guiche_domain::Documento;
use guiche_domain::serpro::{TipoServico, procuracao_exigida, servico};
use guiche_simulador::{Resposta, json as resposta_json};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};

fn fault(status: StatusCode, codigo: u64, mensagem: &str) -> Resposta {
    let fault = FaultDto {
        fault: FaultCorpoDto {
            code: Value::from(codigo),
            message: mensagem.to_owned(),
            description: mensagem.to_owned(),
        },
    };
    resposta_json(status, fault)
}

fn integra(status: StatusCode, eco: &Value, dados: &str, codigo: &str, texto: &str) -> Resposta {
    let mut v = json!({
        "status": status.as_u16(),
        "dados": dados,
        "mensagens": [ { "codigo": codigo, "texto": texto } ],
    });
    for chave in [
        "contratante",
        "autorPedidoDados",
        "contribuinte",
        "pedidoDados",
    ] {
        if let (Some(o), Some(e)) = (v.as_object_mut(), eco.get(chave)) {
            o.insert(chave.to_owned(), e.clone());
        }
    }
    resposta_json(status, v)
}

fn cabecalho<'a>(req: &'a Request<Incoming>, nome: &str) -> &'a str {
    req.headers()
        .get(nome)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Serves one gateway call: counts it, and counts it as billed when its answer is (before a
/// [`FalhaGateway::Atrasada`] delay or a [`FalhaGateway::Cortada`] reset, so a client that
/// never reads the answer still leaves it billed). `None`: drop the connection unanswered.
pub(super) async fn atender(
    req: Request<Incoming>,
    c: &Compartilhado,
    tipo: TipoServico,
) -> Option<Resposta> {
    c.contar_recebida();
    let instante = std::time::SystemTime::now();
    let etiqueta = req
        .headers()
        .get("x-request-tag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Ok(mut e) = c.estado.lock() {
        e.etiquetas.push(etiqueta.clone());
    }
    let bearer = cabecalho(&req, "authorization")
        .strip_prefix("Bearer ")
        .unwrap_or_default()
        .to_owned();
    let documento = c
        .token(&bearer)
        .map(|(contratante, _, _)| contratante.as_str().to_owned())
        .unwrap_or_default();
    let (resposta, depois) = responder(req, c, tipo).await;
    let status = resposta.status().as_u16();
    let bilhetada = crate::bilhetagem::integra_bilhetado(tipo, status);
    if bilhetada {
        c.contar_bilhetada();
    }
    // SERPRO's own record for the consumption report: made once the answer is ready,
    // whether or not the client is still there to read it.
    if let Ok(mut e) = c.estado.lock() {
        e.consumo
            .push(guiche_domain::serpro::consumo::LinhaConsumo {
                instante,
                documento,
                url: tipo.caminho().to_owned(),
                status,
                ip: "127.0.0.1".to_owned(),
                etiqueta,
                bilhetada,
            });
    }
    match depois {
        Some(FalhaGateway::Atrasada(d)) => tokio::time::sleep(d).await,
        Some(FalhaGateway::Cortada) => return None,
        _ => {}
    }
    Some(resposta)
}

/// The answer to one gateway call, and the fault to apply once it is ready (a delay, a reset).
async fn responder(
    req: Request<Incoming>,
    c: &Compartilhado,
    tipo: TipoServico,
) -> (Resposta, Option<FalhaGateway>) {
    let bearer = cabecalho(&req, "authorization")
        .strip_prefix("Bearer ")
        .unwrap_or_default()
        .to_owned();
    let jwt = cabecalho(&req, "jwt_token").to_owned();
    let procurador = cabecalho(&req, "autenticar_procurador_token").to_owned();
    let Some((contratante, jwt_emitido, valido)) = c.token(&bearer) else {
        return (
            fault(StatusCode::UNAUTHORIZED, 900_901, "Invalid Credentials"),
            None,
        );
    };
    if !valido {
        return (
            fault(StatusCode::UNAUTHORIZED, 900_903, "Access Token Expired"),
            None,
        );
    }
    let nada = Value::Null;
    if jwt != jwt_emitido {
        return (
            integra(
                StatusCode::FORBIDDEN,
                &nada,
                "",
                "[AcessoNegado-ICGERENCIADOR-003]",
                "jwt_token ausente ou inválido.",
            ),
            None,
        );
    }
    let atraso = match c.proxima_falha() {
        Some(f @ (FalhaGateway::Atrasada(_) | FalhaGateway::Cortada)) => Some(f),
        Some(f) => return (aplicar(f).await, None),
        None => None,
    };
    let corpo = match Limited::new(req.into_body(), 1 << 20).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let r = integra(
                StatusCode::BAD_REQUEST,
                &nada,
                "",
                "[EntradaIncorreta-ICGERENCIADOR-006]",
                "Corpo inválido.",
            );
            return (r, atraso);
        }
    };
    let Ok(eco) = serde_json::from_slice::<Value>(&corpo) else {
        let r = integra(
            StatusCode::BAD_REQUEST,
            &nada,
            "",
            "[EntradaIncorreta-ICGERENCIADOR-006]",
            "JSON inválido.",
        );
        return (r, atraso);
    };
    (julgar(c, tipo, &eco, &contratante, &procurador), atraso)
}

/// The answer of a fault applied without processing the call (`Atrasada` and `Cortada`
/// process it first: [`atender`] applies them, and they never come here).
async fn aplicar(f: FalhaGateway) -> Resposta {
    match f {
        FalhaGateway::Status(s) => {
            let status = StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let codigo = if s == 429 {
                "[Aviso-ICGERENCIADOR-429]"
            } else {
                "[Erro-ICGERENCIADOR-500]"
            };
            integra(
                status,
                &Value::Null,
                "",
                codigo,
                "Falha injetada no simulador.",
            )
        }
        FalhaGateway::Lenta(d) | FalhaGateway::Atrasada(d) => {
            tokio::time::sleep(d).await;
            integra(
                StatusCode::INTERNAL_SERVER_ERROR,
                &Value::Null,
                "",
                "[Erro-ICGERENCIADOR-500]",
                "Lenta demais.",
            )
        }
        FalhaGateway::Cortada => integra(
            StatusCode::INTERNAL_SERVER_ERROR,
            &Value::Null,
            "",
            "[Erro-ICGERENCIADOR-500]",
            "Conexão derrubada.",
        ),
    }
}

fn numero(eco: &Value, parte: &str) -> Option<Documento> {
    eco.get(parte)?
        .get("numero")?
        .as_str()
        .and_then(|n| Documento::parse(n).ok())
}

/// `contribuinte`: one document (`tipo` 1/2), or a comma-separated list (`tipo` 3 for CPFs,
/// 4 for CNPJs) that only the batch services take.
fn contribuintes(eco: &Value, lote: bool) -> Option<Vec<Documento>> {
    let parte = eco.get("contribuinte")?;
    let tipo = parte.get("tipo").and_then(|t| {
        t.as_u64()
            .or_else(|| t.as_str().and_then(|s| s.parse().ok()))
    })?;
    let texto = parte.get("numero")?.as_str()?;
    match (tipo, lote) {
        (1 | 2, _) => Documento::parse(texto).ok().map(|d| vec![d]),
        (3 | 4, true) => texto
            .split(',')
            .map(|n| {
                Documento::parse(n.trim())
                    .ok()
                    .filter(|d| matches!(d, Documento::Cnpj(_)) == (tipo == 4))
            })
            .collect(),
        _ => None,
    }
}

fn julgar(
    c: &Compartilhado,
    tipo: TipoServico,
    eco: &Value,
    contratante: &Documento,
    procurador: &str,
) -> Resposta {
    let proibido =
        |codigo: &str, texto: &str| integra(StatusCode::FORBIDDEN, eco, "", codigo, texto);
    let sistema = eco
        .get("pedidoDados")
        .and_then(|d| d.get("idSistema"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let lista = contribuintes(eco, sistema == "EVENTOSATUALIZACAO");
    let (Some(cont), Some(autor), Some(contribuinte)) = (
        numero(eco, "contratante"),
        numero(eco, "autorPedidoDados"),
        lista.as_ref().and_then(|l| l.first().copied()),
    ) else {
        return integra(
            StatusCode::BAD_REQUEST,
            eco,
            "",
            "[EntradaIncorreta-ICGERENCIADOR-006]",
            "NI inválido no pedido.",
        );
    };
    if cont != *contratante {
        return proibido(
            "[AcessoNegado-ICGERENCIADOR-016]",
            "Contratante diferente do CNPJ do certificado.",
        );
    }
    let dados = eco.get("pedidoDados");
    let campo = |k: &str| {
        dados
            .and_then(|d| d.get(k))
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let (sistema, id_servico) = (campo("idSistema"), campo("idServico"));
    let Some(s) = servico(sistema, id_servico) else {
        return integra(
            StatusCode::BAD_REQUEST,
            eco,
            "",
            "[EntradaIncorreta-ICGERENCIADOR-052]",
            "Sistema ou serviço desconhecido.",
        );
    };
    if s.tipo != tipo {
        return proibido(
            "[AcessoNegado-ICGERENCIADOR-017]",
            "Serviço não é do tipo do caminho chamado.",
        );
    }
    if (sistema, id_servico) == ("AUTENTICAPROCURADOR", "ENVIOXMLASSINADO81") {
        return procurador_autenticar(c, eco, &cont, &autor, campo("dados"));
    }
    if autor != cont && sistema != "AUTENTICAPROCURADOR" {
        if procurador.is_empty() {
            return proibido(
                "[AcessoNegado-ICGERENCIADOR-019]",
                "Autor do pedido de dados não é o contratante da solução. É necessário enviar o termo de autorização.",
            );
        }
        if !c.token_procurador_valido(procurador, &autor, &cont) {
            return proibido(
                "[AcessoNegado-ICGERENCIADOR-020]",
                "Token de procurador não encontrado ou expirado.",
            );
        }
    }
    if autor != contribuinte
        && procuracao_exigida(sistema, id_servico).is_some()
        && !c.tem_procuracao(&autor, &contribuinte)
    {
        let texto = format!(
            "O autor do pedido de dados de número:{} não tem procuração autorizada no Portal eCAC para o Contribuinte de número {}",
            autor.as_str(),
            contribuinte.as_str()
        );
        return proibido("[AcessoNegado-ICGERENCIADOR-022]", &texto);
    }
    let lista = lista.unwrap_or_default();
    if let Ok(mut e) = c.estado.lock() {
        e.atendidas.push((id_servico.to_owned(), contribuinte));
    }
    let saida = super::servicos::responder(c, sistema, id_servico, &lista, campo("dados"));
    if saida.status == 204 {
        return sem_conteudo(&saida.texto);
    }
    let status = StatusCode::from_u16(saida.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    integra(status, eco, &saida.dados, &saida.codigo, &saida.texto)
}

/// 204, empty body, `ETag: "{etag}"` (SITFIS's "not ready yet, wait this long").
fn sem_conteudo(etag: &str) -> Resposta {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = StatusCode::NO_CONTENT;
    if let Ok(v) = hyper::header::HeaderValue::from_str(&format!("\"{etag}\"")) {
        r.headers_mut().insert("etag", v);
    }
    r
}

/// `AUTENTICAPROCURADOR/ENVIOXMLASSINADO81`: verifies the term (signature, algorithms, who and
/// for whom, dates) and hands out `autenticar_procurador_token`; the same term again, while its
/// token holds, is a 304 with the token in `ETag`.
fn procurador_autenticar(
    c: &Compartilhado,
    eco: &Value,
    contratante: &Documento,
    autor: &Documento,
    dados: &str,
) -> Resposta {
    let recusa = |codigo: &str, texto: &str| integra(StatusCode::FORBIDDEN, eco, "", codigo, texto);
    let xml = serde_json::from_str::<Value>(dados)
        .ok()
        .and_then(|v| v.get("xml").and_then(Value::as_str).map(str::to_owned))
        .and_then(|b| {
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b.trim()).ok()
        })
        .and_then(|b| String::from_utf8(b).ok());
    let Some(xml) = xml else {
        return integra(
            StatusCode::BAD_REQUEST,
            eco,
            "",
            "[EntradaIncorreta-AUTENTICAPROCURADOR-020]",
            "Base64 do XML inválido.",
        );
    };
    let termo = match crate::verificacao::verificar(&xml) {
        Ok(t) => t,
        Err(e) => {
            return recusa(
                "[AcessoNegado-AUTENTICAPROCURADOR-033]",
                &format!("Assinatura inválida: {e}"),
            );
        }
    };
    if termo.destinatario != contratante.as_str() {
        return recusa(
            "[AcessoNegado-ICGERENCIADOR-053]",
            "Contratante diferente do destinatário do termo.",
        );
    }
    if termo.assinado_por != autor.as_str() {
        return recusa(
            "[AcessoNegado-ICGERENCIADOR-054]",
            "Autor do pedido diferente do signatário do termo.",
        );
    }
    let hoje = c.hoje();
    if termo.vigencia < hoje {
        return recusa(
            "[EntradaIncorreta-AUTENTICAPROCURADOR-017]",
            "Vigência do termo expirada.",
        );
    }
    if termo.data_assinatura > hoje {
        return recusa(
            "[EntradaIncorreta-AUTENTICAPROCURADOR-018]",
            "Data de assinatura posterior à data atual.",
        );
    }
    let (token, novo, expira) = c.token_do_termo(&xml, *autor, *contratante);
    if !novo {
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        let h = r.headers_mut();
        for (nome, valor) in [
            ("cache-control", "termo_autorizacao".to_owned()),
            ("etag", format!("\"autenticar_procurador_token:{token}\"")),
            ("expires", expira.1),
        ] {
            if let Ok(v) = hyper::header::HeaderValue::from_str(&valor) {
                h.insert(nome, v);
            }
        }
        return r;
    }
    let dados = DadosTokenProcurador {
        autenticar_procurador_token: TextoOuNada(Some(token)),
        data_hora_expiracao: TextoOuNada(Some(expira.0)),
    };
    let Ok(saida) = serde_json::to_string(&dados) else {
        return fault(
            StatusCode::INTERNAL_SERVER_ERROR,
            900_999,
            "token do procurador",
        );
    };
    integra(
        StatusCode::OK,
        eco,
        &saida,
        "[Sucesso-AUTENTICAPROCURADOR]",
        "Requisição efetuada com sucesso.",
    )
}
