//! `/api/v1/nfd/…`: a nota validated offline, issued exactly once, a batch, and a person's
//! decision on a nota whose outcome the service never told — over the NFD service of
//! `guiche-aplicacao` (`nfd::servico`), as `guiche nfd validate|send|batch|resolve`. The
//! handlers' doc comments are the OpenAPI document's text: Portuguese.
//!
//! A nota's report is the answer of a success (201) and, as the problem's `resultado`, of
//! every failure of the nota: refused by the service (422), blocked or busy sequence (409),
//! outcome unknown (504) or not sent (502) — the nota stays pending in the ledger, and the same
//! request again settles it without issuing twice.

use super::problema::ViolacaoProblema;
use super::{Autenticado, CabecalhoIdempotencia, Corpo, Estado, Problema, exigir, idempotente};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use guiche_aplicacao::acesso::Permissao;
use guiche_aplicacao::nfd::emissao::Decisao;
use guiche_aplicacao::nfd::servico::{
    Nfd, OpcoesEmissao, PedidoNota, RelatoDecisao, RelatoLote, RelatoNota, Resultado,
};
use guiche_aplicacao::nfd::validacao::{self, ResumoNota};
use guiche_aplicacao::{Classificar, Natureza};
use guiche_domain::nfd::{Prefeitura, Tag};
use guiche_domain::{Documento, Violacao, Violacoes};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file.
pub(crate) fn rotas() -> OpenApiRouter<Estado> {
    OpenApiRouter::new()
        .routes(routes!(validar))
        .routes(idempotente(routes!(emitir)))
        .routes(idempotente(routes!(lote)))
        .routes(routes!(decidir))
}

// ── What the NFD and CONAM endpoints share ─────────────────────────────────────────────────

/// A request the API refuses before any service runs: a parameter, a document that breaks the
/// manual's rules, a service not set up on this server.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ErroPedido {
    /// A parameter or the body is wrong (400).
    #[error("{0}")]
    Parametro(String),
    /// The document breaks the manual's rules (422, with every violation).
    #[error("{documento} tem {} violação(ões) das regras do manual; veja violacoes", violacoes.len())]
    Invalido {
        /// `a nota`, `o pacote`.
        documento: &'static str,
        /// Every violation.
        violacoes: Violacoes,
    },
    /// The service is not set up on this server (503).
    #[error("{0}")]
    Configuracao(String),
}

impl Classificar for ErroPedido {
    fn natureza(&self) -> Natureza {
        match self {
            ErroPedido::Parametro(_) => Natureza::Pedido,
            ErroPedido::Invalido { .. } => Natureza::Invalido,
            ErroPedido::Configuracao(_) => Natureza::Configuracao,
        }
    }

    fn violacoes(&self) -> &[Violacao] {
        match self {
            ErroPedido::Invalido { violacoes, .. } => &violacoes.0,
            _ => &[],
        }
    }
}

/// The URL's query, whose rejection is a 400 problem naming the parameter.
pub(crate) struct Consulta<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Consulta<T> {
    type Rejection = Problema;

    async fn from_request_parts(partes: &mut Parts, estado: &S) -> Result<Self, Problema> {
        match Query::<T>::from_request_parts(partes, estado).await {
            Ok(Query(v)) => Ok(Consulta(v)),
            Err(e) => {
                let texto = e.body_text();
                let motivo = texto
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&texto)
                    .replace("missing field", "falta o parâmetro")
                    .replace("unknown field", "parâmetro desconhecido")
                    .replace(
                        "provided string was not `true` or `false`",
                        "use true ou false",
                    );
                Err(Problema::novo(
                    StatusCode::BAD_REQUEST,
                    format!("parâmetros da URL: {motivo}"),
                ))
            }
        }
    }
}

// ── Parameters, bodies and answers ─────────────────────────────────────────────────────────

/// The NFD service, or 503 when this server has none.
#[allow(clippy::result_large_err)] // the handlers' error type, returned as is
fn servico(estado: &Estado) -> Result<&Nfd, Problema> {
    estado.nfd.as_ref().ok_or_else(|| {
        Problema::from(ErroPedido::Configuracao(
            "o serviço NFD não está disponível neste servidor".to_owned(),
        ))
    })
}

/// The municipality of NFD code `codigo`; 400 naming the ones known.
fn prefeitura(codigo: &str) -> Result<&'static Prefeitura, ErroPedido> {
    validacao::prefeitura(codigo.trim())
        .map_err(|e| ErroPedido::Parametro(format!("prefeitura: {e}")))
}

/// The provider's CPF or CNPJ; 400 naming the value.
fn prestador(texto: &str) -> Result<Documento, ErroPedido> {
    Documento::parse(texto)
        .map_err(|e| ErroPedido::Parametro(format!("prestador \"{texto}\": {e}")))
}

/// `?prefeitura=` of the validation.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ParametrosValidacao {
    /// O código NFD da prefeitura: aplica também a regra do código de atividade do município.
    /// Sem ele, essa regra não é aplicada.
    #[param(example = "3150")]
    prefeitura: Option<String>,
}

/// A valid nota, as `guiche nfd validate --json` prints it.
#[derive(Serialize, ToSchema)]
struct NotaValida {
    /// `nota`.
    #[schema(example = "nota")]
    documento: &'static str,
    /// Always `true` here (an invalid nota is a 422 problem with every violation).
    valido: bool,
    /// No violation.
    violacoes: Vec<ViolacaoProblema>,
    /// The nota's summary.
    resumo: ResumoNota,
}

/// `?prefeitura=&prestador=&nova=&urlImpressao=` of issuing one nota.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ParametrosEmissao {
    /// O código NFD da prefeitura.
    #[param(example = "3150")]
    prefeitura: String,
    /// O CNPJ (ou CPF) do prestador, com ou sem pontuação.
    #[param(example = "21118045000135")]
    prestador: String,
    /// Emite uma nota nova mesmo que uma de mesmo conteúdo já tenha sido emitida (sem ele, a
    /// mesma nota enviada de novo é recusada localmente: 422 com estado `ja_emitida`).
    #[serde(default)]
    nova: bool,
    /// Pede a URL de impressão em vez do código de autenticidade.
    #[serde(default)]
    url_impressao: bool,
}

/// A nota in its JSON form, for the document: one key per tag of the manual's `<NOTA>`
/// ([`Tag::TODAS`]), each value its text (a number is read from its text too).
#[derive(Deserialize)]
#[serde(transparent)]
pub(crate) struct NotaJson(serde_json::Map<String, serde_json::Value>);

impl utoipa::PartialSchema for NotaJson {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        let mut o = ObjectBuilder::new().description(Some(
            "A nota na forma JSON: as mesmas chaves das tags do XML <NOTA> do manual, cada valor \
             o texto da tag (valores como 440,00 ou 440.00; datas DD/MM/AAAA). Uma chave que \
             falta ou sobra é uma violação (422).",
        ));
        for tag in Tag::TODAS {
            o = o.property(
                tag.nome(),
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Number]))
                    .description(Some(format!("A tag <{}> do manual.", tag.nome()))),
            );
        }
        o.examples([exemplo_json()]).into()
    }
}

impl ToSchema for NotaJson {
    fn name() -> std::borrow::Cow<'static, str> {
        "NotaJson".into()
    }
}

/// A valid nota: the manual's, with a valid customer.
const EXEMPLO_XML: &str = "<NOTA>
<NUMERO_NOTA>6053</NUMERO_NOTA>
<DATA_EMISSAO>21/05/2016</DATA_EMISSAO>
<CODIGO_GERAL_ATIVIDADE>09.00</CODIGO_GERAL_ATIVIDADE>
<CODIGO_ATIVIDADE/>
<OUTRAS_INFORMACOES>NOTA FISCAL DE PRESTAÇÃO DE SERVIÇOS</OUTRAS_INFORMACOES>
<DESCRICAO_SERVICOS>DESCRIÇÃO DO SERVIÇO</DESCRICAO_SERVICOS>
<VALOR_TOTAL_NOTA>440,00</VALOR_TOTAL_NOTA>
<STATUS_ISS_NOTA>1</STATUS_ISS_NOTA>
<IRRF>0,00</IRRF>
<INSS>0,00</INSS>
<PIS>0,00</PIS>
<COFINS>0,00</COFINS>
<CONTRIBUICAO_SOCIAL>0,00</CONTRIBUICAO_SOCIAL>
<VALOR_LIQUIDO>440,00</VALOR_LIQUIDO>
<VALOR_DEDUCAO_MATERIAIS>0,00</VALOR_DEDUCAO_MATERIAIS>
<COD_MUNICIPIO_EXECUCAO_SERVICO>3550407</COD_MUNICIPIO_EXECUCAO_SERVICO>
<LOCAL_EXECUCAO_SERVICO>LOCAL EXECUÇÃO</LOCAL_EXECUCAO_SERVICO>
<TOMADOR_ESTRANGEIRO>N</TOMADOR_ESTRANGEIRO>
<TOMADOR_DOCUMENTO>52998224725</TOMADOR_DOCUMENTO>
<TOMADOR_RAZAO>TOMADOR RAZAO/NOME</TOMADOR_RAZAO>
<TOMADOR_LOGRADOURO>LOGRADOURO</TOMADOR_LOGRADOURO>
<TOMADOR_BAIRRO>BAIRRO</TOMADOR_BAIRRO>
<TOMADOR_CEP>13400000</TOMADOR_CEP>
<TOMADOR_INSCRICAO_ESTADUAL>ISENTO</TOMADOR_INSCRICAO_ESTADUAL>
<TOMADOR_INSCRICAO_MUNICIPAL>ISENTO</TOMADOR_INSCRICAO_MUNICIPAL>
<TOMADOR_EMAIL>email@email.com</TOMADOR_EMAIL>
<TOMADOR_TELEFONE>1912345678</TOMADOR_TELEFONE>
<TOMADOR_MUNICIPIO>3506003</TOMADOR_MUNICIPIO>
<ALIQUOTA>3,00</ALIQUOTA>
<PORCENTAGEM_REGIME_ESPECIAL>0</PORCENTAGEM_REGIME_ESPECIAL>
</NOTA>
";

/// [`EXEMPLO_XML`] in its JSON form.
fn exemplo_json() -> serde_json::Value {
    validacao::ler_nota(EXEMPLO_XML.as_bytes())
        .map(|n| {
            n.iter()
                .map(|(tag, valor)| (tag.nome().to_owned(), serde_json::Value::from(valor)))
                .collect::<serde_json::Map<_, _>>()
                .into()
        })
        .unwrap_or_default()
}

/// A nota of a batch: its text (the `<NOTA>` XML or its JSON form), or its JSON form as an
/// object.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
enum DocumentoNota {
    /// The document's text, XML or JSON.
    Texto(String),
    /// The JSON form of the manual's `<NOTA>` (the same keys as its tags).
    Json(NotaJson),
}

/// One nota of a batch.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NotaDoLote {
    /// O nome da nota no relatório (`arquivo`); sem ele, `notas[i]`.
    #[schema(example = "nota-6053.xml")]
    nome: Option<String>,
    /// O código NFD da prefeitura desta nota; sem ele, o do lote.
    prefeitura: Option<String>,
    /// O prestador desta nota; sem ele, o do lote.
    prestador: Option<String>,
    /// A nota: o texto do XML `<NOTA>` do manual (ou da sua forma JSON), ou a forma JSON como
    /// objeto.
    nota: DocumentoNota,
}

/// A batch of notas.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PedidoLote {
    /// O código NFD da prefeitura das notas que não trazem a sua.
    #[schema(example = "3150")]
    prefeitura: Option<String>,
    /// O prestador das notas que não trazem o seu.
    #[schema(example = "21118045000135")]
    prestador: Option<String>,
    /// Quantas sequências (prestador × prefeitura) são emitidas ao mesmo tempo, de 1 a 64;
    /// as notas de uma sequência vão sempre em ordem.
    #[serde(default = "uma")]
    #[schema(minimum = 1, maximum = 64, default = 1)]
    concorrencia: u16,
    /// Pede a URL de impressão em vez do código de autenticidade.
    #[serde(default)]
    url_impressao: bool,
    /// As notas, de 1 a 1000, emitidas na ordem dada dentro de cada sequência.
    #[schema(min_items = 1, max_items = 1000)]
    notas: Vec<NotaDoLote>,
}

fn uma() -> u16 {
    1
}

/// The most notas of one batch request.
const MAXIMO_DO_LOTE: usize = 1000;

/// `?prefeitura=&prestador=` of a decision.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ParametrosDecisao {
    /// O código NFD da prefeitura.
    #[param(example = "3150")]
    prefeitura: String,
    /// O CNPJ (ou CPF) do prestador.
    #[param(example = "21118045000135")]
    prestador: String,
}

/// What the person saw in the municipality's portal.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum TipoDecisao {
    /// The nota is in the portal: `codigo` is its authenticity code.
    Emitida,
    /// The nota is not in the portal: its number is free again.
    NaoEmitida,
}

/// A person's decision on a nota whose outcome the service never told.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PedidoDecisao {
    /// `emitida` (com `codigo`) ou `nao_emitida`.
    decisao: TipoDecisao,
    /// O código de autenticidade lido no portal NFD (só com `emitida`).
    #[schema(example = "AB12-CD34")]
    codigo: Option<String>,
    /// Quem decide; sem ele, o nome do token.
    #[schema(example = "ana")]
    por: Option<String>,
}

// ── Handlers ───────────────────────────────────────────────────────────────────────────────

/// Valida uma nota sem enviá-la.
///
/// O corpo é a nota como no manual: o XML `<NOTA>` (`application/xml`, na codificação que a
/// declaração XML diz: UTF-8, ISO-8859-1 ou windows-1252) ou a sua forma JSON
/// (`application/json`, as mesmas chaves). Todas as regras são verificadas, a de cada campo e
/// as do município quando `prefeitura` é dado; uma nota inválida é um 422 com **todas** as
/// violações (campo, regra, mensagem, valor), as mesmas de `guiche nfd validate --json`. Papel
/// leitura.
#[utoipa::path(post, path = "/api/v1/nfd/validacao", tag = "nfd",
    params(ParametrosValidacao),
    request_body(description = "A nota: XML <NOTA> ou a sua forma JSON",
        content((String = "application/xml", example = json!(EXEMPLO_XML)),
            (NotaJson = "application/json"))),
    responses(
        (status = 200, description = "Nota válida, com o seu resumo", body = NotaValida),
        (status = 400, description = "Parâmetro inválido (prefeitura desconhecida)",
            body = Problema, content_type = "application/problem+json"),
        (status = 422, description = "Nota inválida: `violacoes` lista todas",
            body = Problema, content_type = "application/problem+json")))]
async fn validar(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Consulta(p): Consulta<ParametrosValidacao>,
    corpo: Bytes,
) -> Result<Json<NotaValida>, Problema> {
    exigir(&quem, Permissao::Ler)?;
    let nfd = servico(&estado)?;
    let prefeitura = p.prefeitura.as_deref().map(prefeitura).transpose()?;
    let hoje = nfd.relogio.hoje();
    // Decoding and every rule: CPU work, off the async workers for a large nota.
    let resumo = tokio::task::spawn_blocking(move || validacao::validar(&corpo, prefeitura, hoje))
        .await
        .map_err(|e| ErroPedido::Parametro(format!("a validação foi interrompida: {e}")))?
        .map_err(|violacoes| ErroPedido::Invalido {
            documento: "a nota",
            violacoes,
        })?;
    Ok(Json(NotaValida {
        documento: "nota",
        valido: true,
        violacoes: Vec::new(),
        resumo,
    }))
}

/// Emite uma nota, exatamente uma vez.
///
/// O corpo é a nota (XML `<NOTA>` ou a forma JSON); sem `NUMERO_NOTA`, o livro do guichê
/// atribui o próximo número da sequência (prestador × prefeitura). Antes de enviar, a nota é
/// validada (422 com todas as violações), registrada no livro com o seu número, e toda nota
/// pendente da sequência é resolvida. Use `Idempotency-Key`: repetir o pedido com a mesma chave
/// devolve a primeira resposta sem nova emissão.
///
/// Respostas: 201 emitida (número, código de autenticidade); 422 recusada pelo serviço NFD ou
/// já emitida antes (`resultado` traz o relatório da nota); 409 sequência ocupada por outro
/// envio ou bloqueada por uma nota que só uma pessoa pode decidir; 504 resultado desconhecido e
/// 502 não enviada — nos dois casos a nota **continua pendente** no livro: repita o mesmo pedido
/// (ela é conferida sem ser emitida duas vezes) ou registre o que o portal mostra em
/// `POST /api/v1/nfd/notas/{numero}/decisao`. Papel operador.
#[utoipa::path(post, path = "/api/v1/nfd/notas", tag = "nfd",
    params(ParametrosEmissao, CabecalhoIdempotencia),
    request_body(description = "A nota: XML <NOTA> ou a sua forma JSON",
        content((String = "application/xml", example = json!(EXEMPLO_XML)),
            (NotaJson = "application/json"))),
    responses(
        (status = 201, description = "Emitida", body = RelatoNota),
        (status = 400, description = "Parâmetro inválido", body = Problema,
            content_type = "application/problem+json"),
        (status = 409, description = "Sequência ocupada ou bloqueada; ou a mesma \
            Idempotency-Key ainda em andamento", body = Problema,
            content_type = "application/problem+json"),
        (status = 422, description = "Nota inválida (`violacoes`), recusada pelo serviço ou já \
            emitida (`resultado`)", body = Problema, content_type = "application/problem+json"),
        (status = 502, description = "Não enviada; a nota continua reservada (`resultado`)",
            body = Problema, content_type = "application/problem+json"),
        (status = 503, description = "O serviço NFD não está configurado (senha, provedor)",
            body = Problema, content_type = "application/problem+json"),
        (status = 504, description = "Resultado desconhecido; a nota fica pendente \
            (`resultado`): repita o pedido", body = Problema,
            content_type = "application/problem+json")))]
async fn emitir(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Consulta(p): Consulta<ParametrosEmissao>,
    corpo: Bytes,
) -> Result<Response, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let nfd = servico(&estado)?;
    let pedido = PedidoNota {
        arquivo: "pedido".to_owned(),
        prefeitura: prefeitura(&p.prefeitura)?,
        prestador: prestador(&p.prestador)?,
        conteudo: Ok(Arc::from(corpo.to_vec())),
    };
    let opcoes = OpcoesEmissao {
        url_impressao: p.url_impressao,
        nova: p.nova,
    };
    let relato = nfd.enviar(pedido, opcoes).await?;
    Ok(match falha_da_nota(&relato, relato.resultado.falha()) {
        None => (StatusCode::CREATED, Json(relato)).into_response(),
        Some(problema) => problema.into_response(),
    })
}

/// Emite um lote de notas.
///
/// Cada sequência (prestador × prefeitura) é emitida em ordem, até `concorrencia` sequências
/// ao mesmo tempo; uma nota de resultado desconhecido é tentada de novo algumas vezes, e uma
/// sequência que não pode continuar para (as notas seguintes vêm `nao_tentada`). A resposta é
/// 200 com o relatório de cada nota, na ordem dada (`estado`: `emitida`, `ja_emitida`,
/// `recusada`, `invalida`, `desconhecida`, `nao_enviada`, `nao_tentada`, …), como
/// `guiche nfd batch --json`. Use `Idempotency-Key`. Papel operador.
#[utoipa::path(post, path = "/api/v1/nfd/lotes", tag = "nfd",
    params(CabecalhoIdempotencia),
    request_body = PedidoLote,
    responses(
        (status = 200, description = "O relatório de cada nota, na ordem dada", body = RelatoLote),
        (status = 400, description = "Pedido inválido (prefeitura, prestador, concorrência, \
            nenhuma nota)", body = Problema, content_type = "application/problem+json"),
        (status = 503, description = "O serviço NFD não está configurado (senha, provedor); \
            nada foi enviado", body = Problema, content_type = "application/problem+json")))]
async fn lote(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Corpo(lote): Corpo<PedidoLote>,
) -> Result<Json<RelatoLote>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let nfd = servico(&estado)?;
    if lote.notas.is_empty() || lote.notas.len() > MAXIMO_DO_LOTE {
        return Err(ErroPedido::Parametro(format!(
            "notas: envie de 1 a {MAXIMO_DO_LOTE} notas (vieram {})",
            lote.notas.len()
        ))
        .into());
    }
    if !(1..=64).contains(&lote.concorrencia) {
        return Err(ErroPedido::Parametro(format!(
            "concorrencia: de 1 a 64 (veio {})",
            lote.concorrencia
        ))
        .into());
    }
    let mut pedidos = Vec::with_capacity(lote.notas.len());
    for (i, n) in lote.notas.into_iter().enumerate() {
        let falta = |o_que: &str| {
            ErroPedido::Parametro(format!("notas[{i}]: informe {o_que} na nota ou no lote"))
        };
        let cod = n
            .prefeitura
            .as_deref()
            .or(lote.prefeitura.as_deref())
            .ok_or_else(|| falta("prefeitura"))?;
        let doc = n
            .prestador
            .as_deref()
            .or(lote.prestador.as_deref())
            .ok_or_else(|| falta("prestador"))?;
        let em = |e: ErroPedido| ErroPedido::Parametro(format!("notas[{i}]: {e}"));
        let bytes = match n.nota {
            DocumentoNota::Texto(t) => t.into_bytes(),
            DocumentoNota::Json(NotaJson(m)) => serde_json::to_vec(&m)
                .map_err(|e| ErroPedido::Parametro(format!("notas[{i}].nota: {e}")))?,
        };
        pedidos.push(PedidoNota {
            arquivo: n.nome.unwrap_or_else(|| format!("notas[{i}]")),
            prefeitura: prefeitura(cod).map_err(em)?,
            prestador: prestador(doc).map_err(em)?,
            conteudo: Ok(Arc::from(bytes)),
        });
    }
    let opcoes = OpcoesEmissao {
        url_impressao: lote.url_impressao,
        nova: false,
    };
    let relato = nfd
        .lote(pedidos, lote.concorrencia, opcoes, Arc::new(|| {}))
        .await?;
    Ok(Json(relato))
}

/// Registra a decisão de uma pessoa sobre uma nota de resultado desconhecido.
///
/// Quando o serviço NFD nunca disse o que houve com uma nota (e repetir o envio não resolve),
/// alguém confere o portal NFD e registra o que viu: `emitida` com o código de autenticidade,
/// ou `nao_emitida` (o número volta a ficar livre e o próximo envio o usa). Nada é enviado ao
/// serviço. `por` é, sem ele, o nome do token. Papel operador.
#[utoipa::path(post, path = "/api/v1/nfd/notas/{numero}/decisao", tag = "nfd",
    params(("numero" = u64, Path, description = "NUMERO_NOTA", example = 6053), ParametrosDecisao),
    request_body = PedidoDecisao,
    responses(
        (status = 200, description = "Registrada", body = RelatoDecisao),
        (status = 400, description = "Pedido inválido", body = Problema,
            content_type = "application/problem+json"),
        (status = 409, description = "A sequência está ocupada por um envio", body = Problema,
            content_type = "application/problem+json"),
        (status = 422, description = "Não há essa nota, ou ela não espera decisão", body = Problema,
            content_type = "application/problem+json")))]
async fn decidir(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Path(numero): Path<u64>,
    Consulta(p): Consulta<ParametrosDecisao>,
    Corpo(pedido): Corpo<PedidoDecisao>,
) -> Result<Json<RelatoDecisao>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let nfd = servico(&estado)?;
    let prefeitura = prefeitura(&p.prefeitura)?;
    let prestador = prestador(&p.prestador)?;
    let decisao = match (pedido.decisao, pedido.codigo) {
        (TipoDecisao::Emitida, Some(c)) if !c.trim().is_empty() => Decisao::Emitida {
            codigo: c.trim().to_owned(),
        },
        (TipoDecisao::Emitida, _) => {
            return Err(ErroPedido::Parametro(
                "codigo: com a decisão emitida, informe o código de autenticidade lido no portal NFD"
                    .to_owned(),
            )
            .into());
        }
        (TipoDecisao::NaoEmitida, None) => Decisao::NaoEmitida,
        (TipoDecisao::NaoEmitida, Some(_)) => {
            return Err(
                ErroPedido::Parametro("codigo: só com a decisão emitida".to_owned()).into(),
            );
        }
    };
    let por = pedido
        .por
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| quem.nome.clone());
    Ok(Json(
        nfd.resolver(prefeitura, prestador, numero, &decisao, &por)
            .await?,
    ))
}

// ── A nota's failure as a problem ──────────────────────────────────────────────────────────

/// A nota's outcome that is a failure, with its report's sentence.
#[derive(Debug, thiserror::Error)]
#[error("{mensagem}")]
struct FalhaDaNota {
    mensagem: String,
    natureza: Natureza,
    violacoes: Vec<Violacao>,
}

impl Classificar for FalhaDaNota {
    fn natureza(&self) -> Natureza {
        self.natureza
    }

    fn violacoes(&self) -> &[Violacao] {
        &self.violacoes
    }
}

/// The problem a nota's report is when `falha` is some; its status: 422 invalid or refused,
/// 409 conflict, 504 unknown outcome, 502 not sent, 500 the ledger. The report goes along as
/// `resultado` (the number, the state).
fn falha_da_nota(relato: &RelatoNota, falha: Option<Natureza>) -> Option<Problema> {
    let natureza = falha?;
    let pendente = matches!(
        relato.estado,
        "desconhecida" | "nao_enviada" | "reenvio_recusado"
    );
    let mut mensagem = relato.mensagem.clone();
    if let (true, Some(n)) = (pendente, relato.numero) {
        mensagem.push_str(&format!(
            " — a nota nº {n} continua pendente no livro do guichê: repita este pedido (a mesma \
             Idempotency-Key, ou outra com o mesmo corpo) para que ela seja conferida sem ser \
             emitida duas vezes; ou confira o portal NFD e registre o que viu em POST \
             /api/v1/nfd/notas/{n}/decisao"
        ));
    }
    let violacoes = match &relato.resultado {
        Resultado::Invalida(v) => v.0.clone(),
        _ => Vec::new(),
    };
    let mut p = Problema::from(FalhaDaNota {
        mensagem,
        natureza,
        violacoes,
    });
    if relato.estado == "desconhecida" {
        p.status = StatusCode::GATEWAY_TIMEOUT.as_u16();
        p.title = "Resultado desconhecido".to_owned();
        p.tipo = "urn:guiche:problema:resultado-desconhecido".to_owned();
    }
    if !matches!(relato.resultado, Resultado::Invalida(_)) {
        p.resultado = serde_json::to_value(relato).ok();
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use guiche_domain::Data;

    /// The documented example is a valid nota, in both forms, and the JSON form's schema names
    /// the 30 tags.
    #[test]
    fn the_documented_examples_are_valid_notas() {
        let hoje = Data::new(2026, 11, 22).unwrap();
        let p = Some(validacao::prefeitura("3150").unwrap());
        let xml = validacao::validar(EXEMPLO_XML.as_bytes(), p, hoje).unwrap();
        let json = serde_json::to_vec(&exemplo_json()).unwrap();
        assert_eq!(validacao::validar(&json, p, hoje).unwrap(), xml);
        let esquema = serde_json::to_value(<NotaJson as utoipa::PartialSchema>::schema()).unwrap();
        let chaves = esquema["properties"].as_object().unwrap();
        assert_eq!(chaves.len(), 30);
        assert!(Tag::TODAS.iter().all(|t| chaves.contains_key(t.nome())));
    }

    fn relato(estado: &'static str, resultado: Resultado) -> RelatoNota {
        RelatoNota {
            arquivo: "pedido".into(),
            prefeitura: "3150".into(),
            prestador: "21118045000135".into(),
            estado,
            numero: Some(7),
            codigo: None,
            mensagem: "o que houve".into(),
            livro: None,
            violacoes: Vec::new(),
            resultado,
        }
    }

    /// Each failure of a nota has its status, says what to do when the nota stays pending, and
    /// carries the report; an issued nota is no problem.
    #[test]
    fn a_notas_failures_map_to_their_statuses() {
        use guiche_aplicacao::nfd::emissao::Desfecho;
        let ocupada = relato(
            "erro",
            Resultado::Erro {
                mensagem: "ocupada".into(),
                natureza: Natureza::Conflito,
                repetir: true,
            },
        );
        let p = falha_da_nota(&ocupada, ocupada.resultado.falha()).unwrap();
        assert_eq!(p.status, 409);
        assert_eq!(p.resultado.as_ref().unwrap()["estado"], "erro");

        let nao_enviada = relato(
            "nao_enviada",
            Resultado::Desfecho(Desfecho::NaoEnviada {
                numero: 7,
                motivo: "recusou a conexão".into(),
            }),
        );
        let p = falha_da_nota(&nao_enviada, nao_enviada.resultado.falha()).unwrap();
        assert_eq!(p.status, 502);
        assert!(p.detail.contains("continua pendente") && p.detail.contains("/7/decisao"));

        let desconhecida = relato(
            "desconhecida",
            Resultado::Desfecho(Desfecho::Desconhecida {
                numero: 7,
                motivo: "sem resposta".into(),
            }),
        );
        let p = falha_da_nota(&desconhecida, desconhecida.resultado.falha()).unwrap();
        assert_eq!(p.status, 504);
        assert_eq!(p.tipo, "urn:guiche:problema:resultado-desconhecido");

        let emitida = relato(
            "emitida",
            Resultado::Desfecho(Desfecho::Emitida {
                numero: 7,
                codigo: Some("X".into()),
                retomada: false,
            }),
        );
        assert!(falha_da_nota(&emitida, emitida.resultado.falha()).is_none());
    }
}
