//! `/api/v1/conam/…`: a pacote validated offline, sent exactly once and followed, its status,
//! the open period and the revenues — over the CONAM service of `guiche-aplicacao`
//! (`conam::envio`), as `guiche conam validate|send|status|period|revenues`. The handlers' doc
//! comments are the OpenAPI document's text: Portuguese.

use super::nfd::{Consulta, ErroPedido};
use super::problema::ViolacaoProblema;
use super::{Autenticado, CabecalhoIdempotencia, Estado, Problema, exigir, idempotente};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guiche_aplicacao::acesso::Permissao;
use guiche_aplicacao::conam::envio::{Conam, ErroConam, Periodo, Receitas, RelatoPacote, Situacao};
use guiche_aplicacao::conam::validacao::{self, ResumoValidado};
use guiche_aplicacao::nfd::validacao::formato;
use guiche_aplicacao::{Classificar, Natureza};
use guiche_domain::conam::{Pacote, PacoteBruto, Tabela2};
use guiche_domain::{Regra, Violacoes};
use guiche_ports::contabil::ErroContabil;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file.
pub(crate) fn rotas() -> OpenApiRouter<Estado> {
    OpenApiRouter::new()
        .routes(routes!(validar))
        .routes(idempotente(routes!(enviar)))
        .routes(routes!(situacao))
        .routes(routes!(periodo))
        .routes(routes!(receitas))
}

/// The CONAM service, or 503 naming what is missing.
#[allow(clippy::result_large_err)] // the handlers' error type, returned as is
fn servico(estado: &Estado) -> Result<&Conam, Problema> {
    estado
        .conam
        .as_ref()
        .map_err(|m| Problema::from(ErroConam::Configuracao(m.clone())))
}

/// A pacote valid, as `guiche conam validate --json` prints it.
#[derive(Serialize, ToSchema)]
struct PacoteValido {
    /// `pacote`.
    #[schema(example = "pacote")]
    documento: &'static str,
    /// Always `true` here (an invalid pacote is a 422 problem with every violation).
    valido: bool,
    /// No violation.
    violacoes: Vec<ViolacaoProblema>,
    /// The pacote's summary.
    resumo: ResumoValidado,
}

/// A pacote as the CONAM manual writes it (Table 1), for the document only: the body is read
/// by the domain's streaming reader, which reports every problem as a violation.
#[derive(ToSchema)]
#[schema(as = PacoteConam, rename_all = "camelCase", example = json!(exemplo_pacote()))]
#[allow(dead_code)] // only its schema is used
pub(crate) struct PacoteJson {
    /// Código da entidade (`codEntidade`).
    #[schema(example = "1")]
    cod_entidade: String,
    /// Ano do exercício, quatro dígitos (número ou texto).
    #[schema(example = 2022)]
    ano_exercicio: u16,
    /// Identificador do pacote, único por entidade: reenviar o mesmo `idPacote` substitui um
    /// pacote que aguarda avaliação; um pacote avaliado nunca é reenviado.
    #[schema(example = 1)]
    id_pacote: u64,
    /// Quem envia.
    #[schema(example = "CONAM")]
    empresa_envio: String,
    /// Data do movimento, `DD/MM/AAAA`.
    #[schema(example = "01/07/2022")]
    data_movimento: String,
    /// Data da exportação, `DD/MM/AAAA`.
    #[schema(example = "01/07/2022")]
    data_exportacao: String,
    /// Quem exportou (e-mail).
    #[schema(example = "conam@conam.com.br")]
    usuario_exportacao: String,
    /// Os movimentos.
    movimentos: Vec<MovimentoJson>,
}

/// A movement of a pacote (Table 1), for the document only.
#[derive(ToSchema)]
#[schema(as = MovimentoConam, rename_all = "camelCase")]
#[allow(dead_code)] // only its schema is used
pub(crate) struct MovimentoJson {
    /// `R` receita, `E` estorno (Tabela 1).
    #[schema(example = "R")]
    tipo_movimento: String,
    /// A conta da receita (`1.1.1.2.50.0.1.0001`).
    #[schema(example = "1.1.1.2.50.0.1.0001")]
    codigo_conta: String,
    /// Data do movimento original (estornos), `DD/MM/AAAA`, ou vazio.
    #[schema(example = "")]
    data_movimento_original: String,
    /// O código de lançamento da Tabela 2 (`11-01-001`).
    #[schema(example = "11-01-001")]
    tipo_lancamento: String,
    /// A conta de crédito; para lançamentos bancários, a conta do banco (regra bancária).
    #[schema(example = "03349")]
    conta_credito: String,
    /// O valor, número com ponto decimal (lido exatamente, sem arredondamento).
    #[schema(value_type = f64, example = 2500.5)]
    valor: String,
    /// Data do lançamento, `DD/MM/AAAA`.
    #[schema(example = "01/07/2022")]
    data_lancamento: String,
    /// O histórico.
    #[schema(example = "recebimento de iptu")]
    historico_lancamento: String,
}

/// The manual's example pacote.
fn exemplo_pacote() -> serde_json::Value {
    serde_json::from_str(include_str!(
        "../../../domain/tests/vetores/conam-manual-1.json"
    ))
    .unwrap_or_default()
}

/// The body's text: a pacote is UTF-8 JSON.
fn texto(corpo: &[u8]) -> Result<&str, ErroPedido> {
    std::str::from_utf8(corpo).map_err(|e| {
        let mut v = Violacoes::default();
        v.add(
            "$",
            Regra::JsonInvalido,
            format!("o pacote não está em UTF-8 (byte {})", e.valid_up_to()),
            String::new(),
        );
        ErroPedido::Invalido {
            documento: "o pacote",
            violacoes: v,
        }
    })
}

/// Validates a whole pacote (bounded by the body limit), every violation in order.
pub(crate) async fn validado(corpo: Bytes, tabela: Arc<Tabela2>) -> Result<Pacote, ErroPedido> {
    tokio::task::spawn_blocking(move || {
        let t = texto(&corpo)?;
        formato(&corpo)
            .and_then(|_| PacoteBruto::de_json(t))
            .and_then(|b| b.validar(&tabela))
            .map_err(|violacoes| ErroPedido::Invalido {
                documento: "o pacote",
                violacoes,
            })
    })
    .await
    .map_err(|e| ErroPedido::Parametro(format!("a validação foi interrompida: {e}")))?
}

/// Valida um pacote sem enviá-lo.
///
/// O corpo é o pacote JSON do manual CONAM. Todas as regras das Tabelas 1 e 2 (a Tabela 2 de
/// `GUICHE_CONAM_TABELA2`, senão a do manual) são verificadas, inclusive a regra bancária de cada `contaCredito`; um pacote
/// inválido é um 422 com **todas** as violações (campo, regra, mensagem, valor), as mesmas de
/// `guiche conam validate --json`. Papel leitura.
#[utoipa::path(post, path = "/api/v1/conam/validacao", tag = "conam",
    request_body(description = "O pacote JSON do manual",
        content((PacoteJson = "application/json"))),
    responses(
        (status = 200, description = "Pacote válido, com o seu resumo", body = PacoteValido),
        (status = 422, description = "Pacote inválido: `violacoes` lista todas", body = Problema,
            content_type = "application/problem+json")))]
async fn validar(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    corpo: Bytes,
) -> Result<Json<PacoteValido>, Problema> {
    exigir(&quem, Permissao::Ler)?;
    let tabela = estado.tabela2.clone();
    let resumo = tokio::task::spawn_blocking(move || validacao::validar(&corpo[..], &tabela))
        .await
        .map_err(|e| ErroPedido::Parametro(format!("a validação foi interrompida: {e}")))?
        .map_err(|violacoes| ErroPedido::Invalido {
            documento: "o pacote",
            violacoes,
        })?;
    Ok(Json(PacoteValido {
        documento: "pacote",
        valido: true,
        violacoes: Vec::new(),
        resumo,
    }))
}

/// `?esperar=` of a send.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ParametrosEnvio {
    /// Acompanha o pacote até a contabilidade avaliá-lo (aprovado ou rejeitado), consultando a
    /// situação a cada `GUICHE_CONAM_INTERVALO` segundos por até `GUICHE_CONAM_ESPERA_MAX`.
    /// Sem ele, responde assim que a CONAM o recebe (`aguardando`).
    #[serde(default)]
    esperar: bool,
}

/// A report that is a failure, as a problem carrying it (`resultado`).
#[derive(Debug, thiserror::Error)]
#[error("{frase}")]
struct FalhaDoPacote {
    frase: String,
    natureza: Natureza,
}

impl Classificar for FalhaDoPacote {
    fn natureza(&self) -> Natureza {
        self.natureza
    }
}

/// A report's answer: `sucesso` when it is no failure, else the problem of its nature
/// (422 rejected, 500 not recorded…) with the report as `resultado`.
fn resposta(r: RelatoPacote, sucesso: StatusCode) -> Response {
    match r.falha {
        None => (sucesso, Json(r)).into_response(),
        Some(natureza) => {
            let mut p = Problema::from(FalhaDoPacote {
                frase: r.frase.clone(),
                natureza,
            });
            p.resultado = serde_json::to_value(&r).ok();
            p.into_response()
        }
    }
}

/// Envia um pacote, exatamente uma vez.
///
/// O corpo é o pacote JSON do manual, validado antes de tudo (422 com todas as violações). O
/// pacote é registrado no livro do guichê antes de sair; um pacote que a CONAM já tem não é
/// reenviado sem antes perguntar a sua situação, e um pacote já avaliado nunca é reenviado.
/// Com `esperar=true`, acompanha até a avaliação. Use `Idempotency-Key`.
///
/// Respostas: 201 recebido (`situacao` `aguardando`) ou aprovado; 202 com `esperar=true`,
/// recebido e ainda aguardando quando a espera (`GUICHE_CONAM_ESPERA_MAX`) acabou — consulte
/// depois em `GET /api/v1/conam/pacotes/{idPacote}`; 200 já aprovado antes (nada
/// foi reenviado, `reenviado` é `false`); 422 rejeitado pela
/// contabilidade ou já avaliado (`resultado` traz o relatório: código e mensagem da CONAM);
/// 502 falha ao falar com a CONAM (a situação pode ser consultada em
/// `GET /api/v1/conam/pacotes/{idPacote}`, e repetir o pedido não o envia duas vezes).
/// Papel operador.
#[utoipa::path(post, path = "/api/v1/conam/pacotes", tag = "conam",
    params(ParametrosEnvio, CabecalhoIdempotencia),
    request_body(description = "O pacote JSON do manual",
        content((PacoteJson = "application/json"))),
    responses(
        (status = 201, description = "Recebido pela CONAM (ou aprovado, com esperar)",
            body = RelatoPacote),
        (status = 202, description = "Com esperar: recebido e ainda aguardando quando a espera \
            acabou", body = RelatoPacote),
        (status = 200, description = "Já aprovado antes: nada foi reenviado", body = RelatoPacote),
        (status = 422, description = "Pacote inválido (`violacoes`), rejeitado pela \
            contabilidade ou já avaliado (`resultado`)", body = Problema,
            content_type = "application/problem+json"),
        (status = 502, description = "Falha ao falar com a CONAM", body = Problema,
            content_type = "application/problem+json"),
        (status = 503, description = "A CONAM não está configurada neste servidor",
            body = Problema, content_type = "application/problem+json")))]
async fn enviar(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Consulta(p): Consulta<ParametrosEnvio>,
    corpo: Bytes,
) -> Result<Response, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let conam = servico(&estado)?;
    let pacote = validado(corpo, estado.tabela2.clone()).await?;
    let r = conam.enviar(&pacote, p.esperar, &|| {}).await?;
    // Received and still waiting when the wait ran out: CONAM has it, nothing failed (202); the
    // CLI says the same with exit 3 ("not settled yet"), an API with "accepted, ask later".
    if p.esperar
        && r.situacao == Some(Situacao::Aguardando)
        && r.falha == Some(Natureza::Transporte)
    {
        return Ok((StatusCode::ACCEPTED, Json(r)).into_response());
    }
    // Already approved before: nothing was sent, the answer is the situation (200).
    let sucesso = if r.reenviado == Some(false) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(resposta(r, sucesso))
}

/// Consulta a situação de um pacote.
///
/// Pergunta à CONAM e registra no livro do guichê o que ela disse (a palavra da CONAM vale);
/// uma divergência com o livro vem em `divergencia`, e avisos em `avisos`. Um pacote rejeitado é
/// uma resposta 200 com `situacao` `rejeitado`, o código e a mensagem. Papel leitura.
#[utoipa::path(get, path = "/api/v1/conam/pacotes/{idPacote}", tag = "conam",
    params(("idPacote" = u64, Path, description = "O idPacote", example = 1)),
    responses(
        (status = 200, description = "A situação do pacote", body = RelatoPacote),
        (status = 404, description = "Nem a CONAM nem o livro conhecem o pacote", body = Problema,
            content_type = "application/problem+json"),
        (status = 502, description = "Falha ao falar com a CONAM", body = Problema,
            content_type = "application/problem+json")))]
async fn situacao(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Path(id): Path<u64>,
) -> Result<Response, Problema> {
    exigir(&quem, Permissao::Ler)?;
    let conam = servico(&estado)?;
    match conam.situacao(id).await {
        Ok(r) if r.situacao == Some(Situacao::Rejeitado) => {
            Ok((StatusCode::OK, Json(r)).into_response())
        }
        Ok(r) => Ok(resposta(r, StatusCode::OK)),
        Err(e) => Err(nao_encontrado_404(e)),
    }
}

/// A package or entity the service does not know is a 404; every other error as its nature
/// says.
fn nao_encontrado_404(e: ErroConam) -> Problema {
    let nao_encontrado = matches!(e, ErroConam::Contabil(ErroContabil::NaoEncontrado));
    let mut p = Problema::from(e);
    if nao_encontrado {
        let detalhe = std::mem::take(&mut p.detail);
        p = Problema::novo(StatusCode::NOT_FOUND, detalhe);
    }
    p
}

/// Consulta se um período (mês) de uma entidade está aberto para lançamentos.
///
/// `aberto` é `true` ou `false` (resposta 200 nos dois casos). Papel leitura.
#[utoipa::path(get, path = "/api/v1/conam/periodos/{entidade}/{ano}/{mes}", tag = "conam",
    params(
        ("entidade" = String, Path, description = "O codEntidade", example = "1"),
        ("ano" = u16, Path, description = "O ano, quatro dígitos", example = 2022),
        ("mes" = u8, Path, description = "O mês, de 1 a 12", example = 7)),
    responses(
        (status = 200, description = "Aberto ou fechado", body = Periodo),
        (status = 400, description = "Mês ou ano inválido", body = Problema,
            content_type = "application/problem+json"),
        (status = 502, description = "Falha ao falar com a CONAM", body = Problema,
            content_type = "application/problem+json")))]
async fn periodo(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Path((entidade, ano, mes)): Path<(String, u16, u8)>,
) -> Result<Json<Periodo>, Problema> {
    exigir(&quem, Permissao::Ler)?;
    let conam = servico(&estado)?;
    if !(1..=12).contains(&mes) || !(1900..=2999).contains(&ano) {
        return Err(ErroPedido::Parametro(format!(
            "período {mes}/{ano}: o mês vai de 1 a 12 e o ano tem quatro dígitos"
        ))
        .into());
    }
    Ok(Json(
        conam
            .consultas()
            .periodo(&entidade, ano, mes)
            .await
            .map_err(nao_encontrado_404)?,
    ))
}

/// `?extra=` of the revenues.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ParametrosReceitas {
    /// As receitas extraorçamentárias em vez das orçamentárias.
    #[serde(default)]
    extra: bool,
}

/// Lista as receitas de uma entidade num exercício.
///
/// Código, conta e descrição de cada receita (e a conta renunciada, quando há), como
/// `guiche conam revenues --json`. Papel leitura.
#[utoipa::path(get, path = "/api/v1/conam/receitas/{entidade}/{ano}", tag = "conam",
    params(
        ("entidade" = String, Path, description = "O codEntidade", example = "1"),
        ("ano" = u16, Path, description = "O exercício", example = 2022),
        ParametrosReceitas),
    responses(
        (status = 200, description = "As receitas", body = Receitas),
        (status = 502, description = "Falha ao falar com a CONAM", body = Problema,
            content_type = "application/problem+json")))]
async fn receitas(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Path((entidade, ano)): Path<(String, u16)>,
    Consulta(p): Consulta<ParametrosReceitas>,
) -> Result<Json<Receitas>, Problema> {
    exigir(&quem, Permissao::Ler)?;
    let conam = servico(&estado)?;
    Ok(Json(
        conam
            .consultas()
            .receitas(&entidade, ano, p.extra)
            .await
            .map_err(nao_encontrado_404)?,
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Every key of the manual's pacote (and of its movements) is in the document's schema.
    #[test]
    fn the_documented_pacote_has_every_key_of_the_manuals() {
        let esquema = |s: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>| {
            serde_json::to_value(s).unwrap()
        };
        let pacote = esquema(<PacoteJson as utoipa::PartialSchema>::schema());
        let movimento = esquema(<MovimentoJson as utoipa::PartialSchema>::schema());
        let exemplo = exemplo_pacote();
        for (chave, valor) in exemplo.as_object().unwrap() {
            assert!(pacote["properties"][chave].is_object(), "{chave}");
            if chave == "movimentos" {
                for k in valor[0].as_object().unwrap().keys() {
                    assert!(movimento["properties"][k].is_object(), "{k}");
                }
            }
        }
        assert_eq!(pacote["example"], exemplo);
    }
}
