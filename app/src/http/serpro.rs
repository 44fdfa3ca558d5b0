//! `/api/v1/serpro/…`, `/api/v1/conecta/…` and the e-CAC proof and guides
//! (`/api/v1/ecac/comprovantes/…`, `/api/v1/ecac/empresas/{cnpj}/guias…`): SERPRO Integra
//! Contador, Conecta gov.br and what the e-CAC asks of them, over the same services as
//! `guiche serpro|conecta|ecac proof|ecac locate`.
//!
//! Every call that reaches SERPRO or Conecta is billed: role `operador` (`Enviar`); a POST is
//! idempotent (a replay answers from the key, nothing billed twice) and every one of them runs
//! in its own task, so a client that goes away never cancels a billed call half-way. Reading
//! the ledger (billing report, a company's guides) is `leitura`. SERPRO not configured on the
//! server is a 503 naming the setting; the monthly ceiling is a 429. The handlers' doc
//! comments are the OpenAPI document's text: Portuguese.

use super::{Autenticado, CabecalhoIdempotencia, Corpo, Estado, Problema, exigir, idempotente};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use guiche_aplicacao::acesso::Permissao;
use guiche_aplicacao::ecac::comprovante::ServicoComprovante;
use guiche_aplicacao::ecac::localizar::{Localizacao, ServicoLocalizar};
use guiche_aplicacao::serpro::conecta::{CnpjConsultado, Cpfs};
use guiche_aplicacao::serpro::conferencia::ConferenciaConsumo;
use guiche_aplicacao::serpro::integra::{
    CaixaPostal, ContagemPagamentos, DarfEmitido, DasEmitido, Declaracoes, Eventos, Pagamentos,
    PedidoChamada, Procuracoes, ProcuradorAceito, RespostaChamada,
};
use guiche_aplicacao::serpro::uso::Consumo;
use guiche_aplicacao::serpro::{ServicoConecta, ServicoIntegra, ServicoUso};
use guiche_aplicacao::{Classificar, Natureza};
use guiche_domain::guia::{CodigoReceita, NumeroDocumento};
use guiche_domain::serpro::TipoServico;
use guiche_domain::{Cnpj, Competencia, Cpf, Data, Documento, Valor};
use guiche_ports::receita::{ConsultaDeclaracoes, Evento, PedidoDarf, PeriodoDarf};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file.
pub(crate) fn rotas() -> OpenApiRouter<Estado> {
    OpenApiRouter::new()
        .routes(idempotente(routes!(chamar)))
        .routes(idempotente(routes!(das)))
        .routes(idempotente(routes!(darf)))
        .routes(idempotente(routes!(eventos)))
        .routes(idempotente(routes!(procurador)))
        .routes(routes!(pagamentos))
        .routes(routes!(contar_pagamentos))
        .routes(routes!(declaracoes))
        .routes(routes!(caixa_postal))
        .routes(routes!(sitfis))
        .routes(routes!(procuracoes))
        .routes(routes!(uso))
        .routes(routes!(conferir_uso))
        .routes(idempotente(routes!(conecta_cpf)))
        .routes(routes!(conecta_cnpj))
        .routes(idempotente(routes!(consulta_cpf)))
        .routes(routes!(consulta_cnpj))
        .routes(routes!(consulta_cnd))
        .routes(routes!(comprovante))
        .routes(routes!(guias))
        .routes(idempotente(routes!(emitir_guias)))
}

// ── The services, as the server was configured ─────────────────────────────────────────────

/// A service, or why the server has none (a setting missing or wrong: 503 naming it).
#[derive(Clone)]
pub(crate) struct Disponivel<T>(Result<T, Arc<str>>);

impl<T> Default for Disponivel<T> {
    fn default() -> Self {
        Disponivel(Err(
            "SERPRO e Conecta não configurados neste servidor".into()
        ))
    }
}

impl<T: Clone> Disponivel<T> {
    /// The service, or why not.
    pub(crate) fn new(r: Result<T, String>) -> Disponivel<T> {
        Disponivel(r.map_err(Arc::from))
    }

    /// The service, or the sentence saying why the server has none (for the web pages).
    pub(crate) fn obter(&self) -> Result<T, String> {
        self.0.as_ref().cloned().map_err(|m| m.to_string())
    }

    fn servico(&self) -> Result<T, ErroHttp> {
        self.0
            .as_ref()
            .cloned()
            .map_err(|m| ErroHttp::Indisponivel(m.to_string()))
    }
}

/// The SERPRO, Conecta and e-CAC guide services of the server.
#[derive(Clone, Default)]
pub(crate) struct ServicosSerpro {
    /// Integra Contador.
    pub(crate) integra: Disponivel<ServicoIntegra>,
    /// Conecta gov.br.
    pub(crate) conecta: Disponivel<ServicoConecta>,
    /// CPF, CNPJ and CND lookups over the configured path (SERPRO's commercial APIs or
    /// Conecta).
    pub(crate) consulta: Disponivel<guiche_aplicacao::consulta::ServicoConsulta>,
    /// The billing report.
    pub(crate) uso: Disponivel<ServicoUso>,
    /// Proofs of payment.
    pub(crate) comprovante: Disponivel<ServicoComprovante>,
    /// A company's guides (issuing a DAS first needs Integra Contador).
    pub(crate) localizar: Disponivel<ServicoLocalizar>,
}

/// What the HTTP layer refuses itself: a field it cannot read, or a service the server lacks.
#[derive(Debug, thiserror::Error)]
enum ErroHttp {
    /// A field of the request that is not what it should be.
    #[error("{campo} \"{valor}\": {motivo}")]
    Campo {
        campo: &'static str,
        valor: String,
        motivo: String,
    },
    /// The server lacks this service's settings.
    #[error("{0}")]
    Indisponivel(String),
    /// The task running the call failed.
    #[error("a chamada falhou dentro do servidor: {0}")]
    Tarefa(String),
}

impl Classificar for ErroHttp {
    fn natureza(&self) -> Natureza {
        match self {
            ErroHttp::Campo { .. } => Natureza::Pedido,
            ErroHttp::Indisponivel(_) => Natureza::Configuracao,
            ErroHttp::Tarefa(_) => Natureza::Livro,
        }
    }
}

fn campo(campo: &'static str, valor: &str, motivo: impl std::fmt::Display) -> ErroHttp {
    ErroHttp::Campo {
        campo,
        valor: valor.to_owned(),
        motivo: motivo.to_string(),
    }
}

fn documento(nome: &'static str, texto: &str) -> Result<Documento, ErroHttp> {
    Documento::parse(texto).map_err(|e| campo(nome, texto, e))
}

fn cnpj(nome: &'static str, texto: &str) -> Result<Cnpj, ErroHttp> {
    Cnpj::parse(texto).map_err(|e| campo(nome, texto, e))
}

fn competencia(nome: &'static str, texto: &str) -> Result<Competencia, ErroHttp> {
    Competencia::parse(texto).map_err(|e| campo(nome, texto, e))
}

fn data(nome: &'static str, texto: &str) -> Result<Data, ErroHttp> {
    Data::parse_iso(texto).map_err(|e| campo(nome, texto, format!("{e} (use AAAA-MM-DD)")))
}

/// Runs a service's call in its own task, counted as in flight: a client that goes away does
/// not cancel a billed call, and a graceful shutdown waits for it.
async fn em_tarefa<T, E>(
    estado: &Estado,
    f: impl Future<Output = Result<T, E>> + Send + 'static,
) -> Result<T, Problema>
where
    T: Send + 'static,
    E: Classificar + Send + 'static,
{
    let em_voo = estado.andamento.entrar();
    let tarefa = tokio::spawn(async move {
        let r = f.await;
        drop(em_voo);
        r
    });
    match tarefa.await {
        Ok(r) => r.map_err(Problema::from),
        Err(e) => Err(Problema::from(ErroHttp::Tarefa(e.to_string()))),
    }
}

/// A PDF answer, with the name it should be saved under.
fn pdf(nome: &str, bytes: Vec<u8>) -> Response {
    let disposicao = HeaderValue::from_str(&format!("attachment; filename=\"{nome}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (header::CONTENT_DISPOSITION, disposicao),
        ],
        bytes,
    )
        .into_response()
}

/// A PDF document (the answer's bytes).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // only its documentation is used
pub(crate) struct Pdf(Vec<u8>);

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The error answers of a call that reaches SERPRO or Conecta (besides 401, 403).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only its documentation is used
enum ErrosRemotos {
    /// Um campo do pedido inválido: `detail` nomeia o campo, o valor e a regra.
    #[response(status = 400, content_type = "application/problem+json")]
    Pedido(Problema),
    /// Nada no livro com esse número (comprovante).
    #[response(status = 404, content_type = "application/problem+json")]
    NaoEncontrado(Problema),
    /// O SERPRO ou o Conecta recusou: `detail` traz a mensagem dele.
    #[response(status = 422, content_type = "application/problem+json")]
    Recusado(Problema),
    /// O teto mensal de chamadas bilhetadas ou a quota do Conecta foi atingido; nada foi enviado.
    #[response(status = 429, content_type = "application/problem+json")]
    Limite(Problema),
    /// Falha de rede ou do gateway, ou resultado desconhecido (pode ter sido cobrado).
    #[response(status = 502, content_type = "application/problem+json")]
    Transporte(Problema),
    /// O servidor não tem o SERPRO ou o Conecta configurado (`detail` nomeia a variável).
    #[response(status = 503, content_type = "application/problem+json")]
    Configuracao(Problema),
}

/// The error answers of a read of the ledger (besides 401, 403).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only its documentation is used
enum ErrosLeitura {
    /// Um campo do pedido inválido: `detail` nomeia o campo, o valor e a regra.
    #[response(status = 400, content_type = "application/problem+json")]
    Pedido(Problema),
}

// ── Integra Contador ───────────────────────────────────────────────────────────────────────

/// Any service of the Integra Contador catalogue.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PedidoChamadaApi {
    /// `Apoiar`, `Consultar`, `Declarar`, `Emitir` ou `Monitorar`.
    #[schema(example = "Emitir")]
    tipo: String,
    /// `idSistema`.
    #[schema(example = "PGDASD")]
    sistema: String,
    /// `idServico`.
    #[schema(example = "GERARDAS12")]
    servico: String,
    /// `versaoSistema` (padrão: a do catálogo, ou 1.0).
    #[serde(default)]
    versao: Option<String>,
    /// CPF ou CNPJ do contribuinte, com ou sem máscara.
    #[schema(example = "11222333000181")]
    contribuinte: String,
    /// `dados`: o JSON de entrada do serviço (um objeto, ou o texto do JSON).
    #[serde(default)]
    #[schema(value_type = Value, example = json!({"periodoApuracao": "201801"}))]
    dados: Option<serde_json::Value>,
    /// Autor do pedido quando não é o contratante: um procurador (assina o termo antes).
    #[serde(default)]
    autor: Option<String>,
    /// Etiqueta da chamada no relatório de consumo do SERPRO (X-Request-Tag, até 32
    /// caracteres ASCII, ex.: o nome do trabalho); padrão: CONTRIBUINTE-idServico.
    #[serde(default)]
    #[schema(example = "fechamento-202611")]
    etiqueta: Option<String>,
}

/// Chama um serviço do catálogo do Integra Contador.
///
/// Devolve os dados decodificados e as mensagens do SERPRO. Bilhetado conforme o serviço:
/// papel operador. Com Idempotency-Key, repetir o pedido devolve a primeira resposta sem
/// chamar (nem cobrar) de novo. O teto mensal de chamadas bilhetadas
/// (GUICHE_SERPRO_TETO_MENSAL) responde 429; uma recusa do SERPRO, 422 com a mensagem dele;
/// uma falha de rede ou do gateway, 502.
#[utoipa::path(post, path = "/api/v1/serpro/chamadas", tag = "serpro",
    request_body = PedidoChamadaApi, params(CabecalhoIdempotencia),
    responses((status = 200, description = "A resposta do serviço", body = RespostaChamada), ErrosRemotos))]
async fn chamar(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Corpo(p): Corpo<PedidoChamadaApi>,
) -> Result<Json<RespostaChamada>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let tipo: TipoServico = p
        .tipo
        .parse()
        .map_err(|e| Problema::from(campo("tipo", &p.tipo, e)))?;
    let contribuinte = documento("contribuinte", &p.contribuinte)?;
    let autor = p
        .autor
        .as_deref()
        .map(|a| documento("autor", a))
        .transpose()?;
    let dados = match p.dados {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s,
        Some(v) => v.to_string(),
    };
    let pedido = PedidoChamada {
        tipo,
        sistema: p.sistema,
        servico: p.servico,
        versao: p.versao,
        contribuinte,
        dados,
        autor,
        etiqueta: p.etiqueta,
    };
    let s = estado.serpro.integra.servico()?;
    Ok(Json(
        em_tarefa(&estado, async move { s.chamar(pedido).await }).await?,
    ))
}

/// The DAS of a period.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PedidoDas {
    /// CNPJ do contribuinte.
    #[schema(example = "11222333000181")]
    contribuinte: String,
    /// Período de apuração (AAAAMM).
    #[schema(example = "202510")]
    periodo: String,
    /// DAS do MEI (PGMEI) em vez do Simples Nacional (PGDASD).
    #[serde(default)]
    mei: bool,
}

/// A DAS issued, with its PDF.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DasComPdf {
    #[serde(flatten)]
    das: DasEmitido,
    /// O PDF da guia, em base64.
    pdf_base64: String,
}

/// The DAS issued for a period, with their PDFs.
#[derive(Serialize, ToSchema)]
pub(crate) struct DasEmitidosApi {
    /// Um por guia (nenhum quando nada é devido).
    das: Vec<DasComPdf>,
}

/// Gera o DAS de um período.
///
/// Simples Nacional (PGDASD/GERARDAS12) ou, com `mei`, PGMEI/GERARDASPDF21. Cada guia é
/// registrada no livro do e-CAC para a baixa automática e vem com o PDF em base64
/// (`pdfBase64`). Bilhetado: papel operador; use Idempotency-Key.
#[utoipa::path(post, path = "/api/v1/serpro/das", tag = "serpro",
    request_body = PedidoDas, params(CabecalhoIdempotencia),
    responses((status = 200, description = "As guias emitidas", body = DasEmitidosApi), ErrosRemotos))]
async fn das(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Corpo(p): Corpo<PedidoDas>,
) -> Result<Json<DasEmitidosApi>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let contribuinte = cnpj("contribuinte", &p.contribuinte)?;
    let periodo = competencia("periodo", &p.periodo)?;
    let s = estado.serpro.integra.servico()?;
    let emitidos = em_tarefa(
        &estado,
        async move { s.das(contribuinte, periodo, p.mei).await },
    )
    .await?;
    for d in &emitidos.das {
        if let Some(a) = &d.aviso_livro {
            tracing::warn!(aviso = %a, "DAS não registrado no livro do e-CAC");
        }
    }
    Ok(Json(DasEmitidosApi {
        das: emitidos
            .das
            .into_iter()
            .map(|d| DasComPdf {
                pdf_base64: base64(&d.das.pdf),
                das: d,
            })
            .collect(),
    }))
}

/// A DARF to calculate and issue.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PedidoDarfApi {
    /// CPF ou CNPJ do contribuinte.
    #[schema(example = "11222333000181")]
    contribuinte: String,
    /// Código de receita, com a extensão se houver.
    #[schema(example = "0190")]
    receita: String,
    /// Período de apuração mensal (AAAAMM ou MM/AAAA).
    #[schema(example = "202510")]
    periodo: String,
    /// Vencimento original do tributo (AAAA-MM-DD).
    #[schema(example = "2025-11-28")]
    vencimento: String,
    /// Valor do imposto (principal), decimal com ponto.
    #[schema(example = "1000.00")]
    valor: String,
    /// UF do contribuinte.
    #[schema(example = "SP")]
    uf: String,
    /// Código SIAFI do município.
    #[schema(example = "7107")]
    municipio: String,
    /// Data do pagamento, até a qual multa e juros são calculados (padrão: hoje).
    #[serde(default)]
    consolidacao: Option<String>,
}

/// A DARF issued, with its PDF.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DarfComPdf {
    #[serde(flatten)]
    darf: DarfEmitido,
    /// O PDF do DARF, em base64.
    pdf_base64: String,
}

/// Calcula e emite um DARF.
///
/// SICALC/CONSOLIDARGERARDARF51: multa e juros até `consolidacao` (padrão: hoje). O DARF é
/// registrado no livro do e-CAC e vem com o PDF em base64 (`pdfBase64`). `uf` com duas
/// letras e `municipio` com o código SIAFI são conferidos antes de qualquer chamada.
/// Bilhetado: papel operador; use Idempotency-Key.
#[utoipa::path(post, path = "/api/v1/serpro/darf", tag = "serpro",
    request_body = PedidoDarfApi, params(CabecalhoIdempotencia),
    responses((status = 200, description = "O DARF emitido", body = DarfComPdf), ErrosRemotos))]
async fn darf(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Corpo(p): Corpo<PedidoDarfApi>,
) -> Result<Json<DarfComPdf>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let contribuinte = documento("contribuinte", &p.contribuinte)?;
    let pedido = PedidoDarf {
        uf: p.uf,
        municipio: p.municipio,
        receita: CodigoReceita::parse(&p.receita).map_err(|e| campo("receita", &p.receita, e))?,
        periodo: PeriodoDarf::Mensal(competencia("periodo", &p.periodo)?),
        vencimento: data("vencimento", &p.vencimento)?,
        valor_imposto: Valor::parse_json(&p.valor)
            .map_err(|e| campo("valor", &p.valor, format!("{e} (ex.: 1000.00)")))?,
        data_consolidacao: p
            .consolidacao
            .as_deref()
            .map(|c| data("consolidacao", c))
            .transpose()?,
        observacao: None,
    };
    let s = estado.serpro.integra.servico()?;
    let d = em_tarefa(&estado, async move { s.darf(contribuinte, pedido).await }).await?;
    if let Some(a) = &d.aviso_livro {
        tracing::warn!(aviso = %a, "DARF não registrado no livro do e-CAC");
    }
    Ok(Json(DarfComPdf {
        pdf_base64: base64(&d.darf.pdf),
        darf: d,
    }))
}

/// A window of payments.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct JanelaPagamentos {
    /// CPF ou CNPJ do contribuinte.
    #[serde(default)]
    #[param(example = "11444777000161")]
    contribuinte: String,
    /// Primeira data de arrecadação (AAAA-MM-DD).
    #[serde(default)]
    #[param(example = "2026-11-01")]
    de: String,
    /// Última data de arrecadação (AAAA-MM-DD).
    #[serde(default)]
    #[param(example = "2026-11-30")]
    ate: String,
}

impl JanelaPagamentos {
    fn ler(&self) -> Result<(Documento, Data, Data), ErroHttp> {
        Ok((
            documento("contribuinte", &self.contribuinte)?,
            data("de", &self.de)?,
            data("ate", &self.ate)?,
        ))
    }
}

/// Pagamentos do contribuinte num intervalo.
///
/// PAGTOWEB/PAGAMENTOS71, todas as páginas, por data de arrecadação (`de` e `ate`
/// inclusive, AAAA-MM-DD). Bilhetado: papel operador.
#[utoipa::path(get, path = "/api/v1/serpro/pagamentos", tag = "serpro",
    params(JanelaPagamentos),
    responses((status = 200, description = "Os pagamentos", body = Pagamentos), ErrosRemotos))]
async fn pagamentos(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Query(j): Query<JanelaPagamentos>,
) -> Result<Json<Pagamentos>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let (c, de, ate) = j.ler()?;
    let s = estado.serpro.integra.servico()?;
    Ok(Json(
        em_tarefa(&estado, async move { s.pagamentos(c, de, ate).await }).await?,
    ))
}

/// Quantos pagamentos o contribuinte tem num intervalo.
///
/// Uma só chamada (PAGTOWEB/CONTACONSDOCARRPG73). Bilhetado: papel operador.
#[utoipa::path(get, path = "/api/v1/serpro/pagamentos/quantidade", tag = "serpro",
    params(JanelaPagamentos),
    responses((status = 200, description = "A contagem", body = ContagemPagamentos), ErrosRemotos))]
async fn contar_pagamentos(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Query(j): Query<JanelaPagamentos>,
) -> Result<Json<ContagemPagamentos>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let (c, de, ate) = j.ler()?;
    let s = estado.serpro.integra.servico()?;
    Ok(Json(
        em_tarefa(
            &estado,
            async move { s.contar_pagamentos(c, de, ate).await },
        )
        .await?,
    ))
}

/// Which PGDAS-D declarations.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ConsultaDeclaracoesApi {
    /// CNPJ do contribuinte.
    #[serde(default)]
    #[param(example = "11222333000181")]
    contribuinte: String,
    /// Ano-calendário (AAAA); ou `periodo`.
    #[param(example = 2026)]
    ano: Option<u16>,
    /// Período de apuração (AAAAMM); ou `ano`.
    #[param(example = "202610")]
    periodo: Option<String>,
}

/// Declarações do PGDAS-D de um ano ou de um mês.
///
/// Com o DAS de cada uma e se foi pago (PGDASD/CONSDECLARACAO13). Informe `ano` ou
/// `periodo`, um dos dois. Bilhetado: papel operador.
#[utoipa::path(get, path = "/api/v1/serpro/declaracoes", tag = "serpro",
    params(ConsultaDeclaracoesApi),
    responses((status = 200, description = "As declarações", body = Declaracoes), ErrosRemotos))]
async fn declaracoes(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Query(q): Query<ConsultaDeclaracoesApi>,
) -> Result<Json<Declaracoes>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let c = cnpj("contribuinte", &q.contribuinte)?;
    let consulta = match (q.ano, q.periodo.as_deref()) {
        (None, Some(p)) => ConsultaDeclaracoes::Periodo(competencia("periodo", p)?),
        (Some(a), None) => ConsultaDeclaracoes::Ano(a),
        _ => {
            return Err(campo(
                "ano",
                "",
                "informe ano (AAAA) ou periodo (AAAAMM), um dos dois",
            )
            .into());
        }
    };
    let s = estado.serpro.integra.servico()?;
    Ok(Json(
        em_tarefa(&estado, async move { s.declaracoes(c, consulta).await }).await?,
    ))
}

/// Mensagens da caixa postal do e-CAC.
///
/// CAIXAPOSTAL/MSGCONTRIBUINTE61: todas as mensagens, lidas ou não. Bilhetado: papel
/// operador.
#[utoipa::path(get, path = "/api/v1/serpro/caixa-postal/{contribuinte}", tag = "serpro",
    params(("contribuinte" = String, Path, description = "CPF ou CNPJ do contribuinte", example = "11444777000161")),
    responses((status = 200, description = "As mensagens", body = CaixaPostal), ErrosRemotos))]
async fn caixa_postal(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Path(contribuinte): Path<String>,
) -> Result<Json<CaixaPostal>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let c = documento("contribuinte", &contribuinte)?;
    let s = estado.serpro.integra.servico()?;
    Ok(Json(
        em_tarefa(&estado, async move { s.caixa_postal(c).await }).await?,
    ))
}

/// Who of a batch had updates.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PedidoEventos {
    /// `pagamentos` (E0701), `caixa-postal` (E0601) ou `dctfweb` (E0301).
    #[schema(example = "pagamentos")]
    evento: String,
    /// CPFs ou CNPJs (todos CPF ou todos CNPJ; até 1000).
    #[schema(example = json!(["11222333000181"]))]
    contribuintes: Vec<String>,
}

/// Quem do lote teve atualizações nos últimos 60 dias.
///
/// EVENTOSATUALIZACAO: pede o protocolo, espera o tempo que o serviço indica e lê o
/// resultado. Todos CPF ou todos CNPJ, até 1000. Bilhetado: papel operador; use
/// Idempotency-Key.
#[utoipa::path(post, path = "/api/v1/serpro/eventos", tag = "serpro",
    request_body = PedidoEventos, params(CabecalhoIdempotencia),
    responses((status = 200, description = "Quem teve atualização", body = Eventos), ErrosRemotos))]
async fn eventos(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Corpo(p): Corpo<PedidoEventos>,
) -> Result<Json<Eventos>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let evento = match p.evento.trim().to_ascii_lowercase().as_str() {
        "pagamentos" | "e0701" => Evento::Pagamentos,
        "caixa-postal" | "e0601" => Evento::CaixaPostal,
        "dctfweb" | "e0301" => Evento::Dctfweb,
        _ => {
            return Err(campo(
                "evento",
                &p.evento,
                "use pagamentos, caixa-postal ou dctfweb",
            )
            .into());
        }
    };
    let lote = p
        .contribuintes
        .iter()
        .map(|c| documento("contribuintes", c))
        .collect::<Result<Vec<_>, _>>()?;
    let s = estado.serpro.integra.servico()?;
    Ok(Json(
        em_tarefa(&estado, async move { s.eventos(evento, &lote).await }).await?,
    ))
}

/// A procurador's sign-in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PedidoProcurador {
    /// CPF ou CNPJ do procurador (o titular de GUICHE_SERPRO_PROCURADOR_CERT).
    #[schema(example = "52998224725")]
    autor: String,
}

/// Autentica o procurador do servidor.
///
/// Assina o termo de autorização com o certificado do procurador
/// (GUICHE_SERPRO_PROCURADOR_CERT no servidor), envia-o e diz até quando vale; o token
/// nunca sai do servidor. Sem o certificado configurado: 503. Papel operador; use
/// Idempotency-Key.
#[utoipa::path(post, path = "/api/v1/serpro/procurador", tag = "serpro",
    request_body = PedidoProcurador, params(CabecalhoIdempotencia),
    responses((status = 200, description = "Termo aceito", body = ProcuradorAceito), ErrosRemotos))]
async fn procurador(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Corpo(p): Corpo<PedidoProcurador>,
) -> Result<Json<ProcuradorAceito>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let autor = documento("autor", &p.autor)?;
    let s = estado.serpro.integra.servico()?;
    Ok(Json(
        em_tarefa(&estado, async move { s.procurador(autor).await }).await?,
    ))
}

/// Relatório de situação fiscal (SITFIS) em PDF.
///
/// Pede o relatório e espera ficar pronto (até 2 minutos). Responde application/pdf.
/// Bilhetado: papel operador.
#[utoipa::path(get, path = "/api/v1/serpro/sitfis/{contribuinte}", tag = "serpro",
    params(("contribuinte" = String, Path, description = "CPF ou CNPJ do contribuinte", example = "11444777000161")),
    responses((status = 200, description = "O relatório", body = Pdf,
        content_type = "application/pdf"), ErrosRemotos))]
async fn sitfis(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Path(contribuinte): Path<String>,
) -> Result<Response, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let c = documento("contribuinte", &contribuinte)?;
    let s = estado.serpro.integra.servico()?;
    let r = em_tarefa(&estado, async move { s.sitfis(c).await }).await?;
    Ok(pdf(&format!("sitfis-{}.pdf", c.as_str()), r.pdf))
}

/// Whose powers of attorney.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ConsultaProcuracoes {
    /// CPF ou CNPJ de quem outorgou.
    #[serde(default)]
    #[param(example = "11444777000161")]
    outorgante: String,
    /// CPF ou CNPJ de quem recebeu (padrão: o contratante).
    outorgado: Option<String>,
}

/// Procurações do e-CAC de um outorgante.
///
/// PROCURACOES/OBTERPROCURACAO41, para o `outorgado` (padrão: o contratante). Bilhetado:
/// papel operador.
#[utoipa::path(get, path = "/api/v1/serpro/procuracoes", tag = "serpro",
    params(ConsultaProcuracoes),
    responses((status = 200, description = "As procurações", body = Procuracoes), ErrosRemotos))]
async fn procuracoes(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Query(q): Query<ConsultaProcuracoes>,
) -> Result<Json<Procuracoes>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let de = documento("outorgante", &q.outorgante)?;
    let para = q
        .outorgado
        .as_deref()
        .map(|o| documento("outorgado", o))
        .transpose()?;
    let s = estado.serpro.integra.servico()?;
    Ok(Json(
        em_tarefa(&estado, async move { s.procuracoes(de, para).await }).await?,
    ))
}

/// Which billing lines.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ConsultaUso {
    /// Só deste contratante (CNPJ).
    #[param(example = "11222333000181")]
    contratante: Option<String>,
    /// Só deste mês (AAAAMM).
    #[param(example = "202611")]
    mes: Option<String>,
}

/// Chamadas bilhetadas registradas no livro.
///
/// Por contratante, serviço e mês (`mes` AAAAMM). Só lê o livro: papel leitura.
#[utoipa::path(get, path = "/api/v1/serpro/uso", tag = "serpro",
    params(ConsultaUso),
    responses((status = 200, description = "O consumo", body = Consumo), ErrosLeitura))]
async fn uso(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Query(q): Query<ConsultaUso>,
) -> Result<Json<Consumo>, Problema> {
    exigir(&quem, Permissao::Ler)?;
    let contratante = q
        .contratante
        .as_deref()
        .map(|c| documento("contratante", c))
        .transpose()?;
    let s = estado.serpro.uso.servico()?;
    let r = tokio::task::spawn_blocking(move || s.consumo(contratante, q.mes.as_deref())).await;
    match r {
        Ok(c) => Ok(Json(c?)),
        Err(e) => Err(ErroHttp::Tarefa(e.to_string()).into()),
    }
}

/// Confere o relatório de consumo do SERPRO com o livro.
///
/// O corpo é o CSV da Área do Cliente ("Consultar Consumo → Relatório",
/// `DATA,CNPJ/CPF,URL,RESPONSE_CODE,IP,OBSERVAÇÃO,TAG,QUANTIDADE`), como em `guiche serpro
/// usage --conferir`: compara com as chamadas registradas no livro no(s) mês(es) do relatório
/// (ou `mes`), por etiqueta. 200 com as diferenças (lista vazia quando conferem); um arquivo
/// que não se lê → 422 com cada problema por linha e coluna. Só lê o livro: papel leitura.
#[utoipa::path(post, path = "/api/v1/serpro/uso/conferencia", tag = "serpro",
    params(ConsultaUso),
    request_body(content = String, content_type = "text/csv",
        description = "O relatório de consumo do SERPRO (`,` ou `;`, UTF-8)",
        example = "DATA,CNPJ/CPF,URL,RESPONSE_CODE,IP,OBSERVAÇÃO,TAG,QUANTIDADE\n\"20/11/2026 09:05:32.694-0300\",\"11222333000181\",\"/Emitir\",\"200\",\"200.220.180.71\",\"\",\"11222333000181-GERARDAS12\",\"1.0000\"\n"),
    responses(
        (status = 200, description = "A conferência", body = ConferenciaConsumo),
        (status = 415, description = "Sem Content-Type: text/csv", body = Problema, content_type = "application/problem+json"),
        (status = 422, description = "O relatório foi recusado: violacoes por linha e coluna", body = Problema, content_type = "application/problem+json"),
        ErrosLeitura))]
async fn conferir_uso(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Query(q): Query<ConsultaUso>,
    cabecalhos: axum::http::HeaderMap,
    corpo: axum::body::Bytes,
) -> Result<Json<ConferenciaConsumo>, Problema> {
    exigir(&quem, Permissao::Ler)?;
    let contratante = q
        .contratante
        .as_deref()
        .map(|c| documento("contratante", c))
        .transpose()?
        .map(|d| d.as_str().to_owned());
    let bytes = super::ecac::csv(&cabecalhos, corpo)?;
    let linhas = guiche_planilha::consumo_serpro::ler(&bytes).map_err(|e| {
        let violacoes = e
            .problemas
            .iter()
            .map(|p| {
                let campo = if p.coluna.is_empty() {
                    format!("linha {}", p.linha)
                } else {
                    format!("linha {}, coluna {}", p.linha, p.coluna)
                };
                guiche_domain::Violacao::new(
                    campo,
                    guiche_domain::Regra::PlanilhaLinha,
                    p.motivo.clone(),
                    p.valor.clone(),
                )
            })
            .collect();
        Problema::from(super::ecac::PedidoInvalido(violacoes))
    })?;
    let s = estado.serpro.uso.servico()?;
    let r = tokio::task::spawn_blocking(move || {
        s.conferir(&linhas, contratante.as_deref(), q.mes.as_deref())
    })
    .await;
    match r {
        Ok(c) => Ok(Json(c?)),
        Err(e) => Err(ErroHttp::Tarefa(e.to_string()).into()),
    }
}

// ── Conecta gov.br ─────────────────────────────────────────────────────────────────────────

/// The CPFs to ask.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PedidoCpfs {
    /// De 1 a 50 CPFs, com ou sem máscara.
    #[schema(example = json!(["529.982.247-25"]))]
    cpfs: Vec<String>,
}

/// Situação cadastral de CPFs (Conecta gov.br).
///
/// De 1 a 50 CPFs numa chamada. Um CPF sem registro é a resposta final do Conecta: 422. A
/// quota (GUICHE_CONECTA_QUOTA) responde 429. Bilhetado: papel operador; use
/// Idempotency-Key.
#[utoipa::path(post, path = "/api/v1/conecta/cpf", tag = "conecta",
    request_body = PedidoCpfs, params(CabecalhoIdempotencia),
    responses((status = 200, description = "A situação de cada CPF", body = Cpfs), ErrosRemotos))]
async fn conecta_cpf(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Corpo(p): Corpo<PedidoCpfs>,
) -> Result<Json<Cpfs>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let cpfs = p
        .cpfs
        .iter()
        .map(|c| Cpf::parse(c).map_err(|e| campo("cpfs", c, e)))
        .collect::<Result<Vec<_>, _>>()?;
    let s = estado.serpro.conecta.servico()?;
    Ok(Json(
        em_tarefa(&estado, async move { s.cpf(&cpfs).await }).await?,
    ))
}

/// Dados básicos de um CNPJ (Conecta gov.br).
///
/// Razão social, nome fantasia, situação, abertura, município e UF. Bilhetado: papel
/// operador.
#[utoipa::path(get, path = "/api/v1/conecta/cnpj/{cnpj}", tag = "conecta",
    params(("cnpj" = String, Path, description = "O CNPJ, com ou sem máscara", example = "11222333000181")),
    responses((status = 200, description = "O cadastro", body = CnpjConsultado), ErrosRemotos))]
async fn conecta_cnpj(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Path(texto): Path<String>,
) -> Result<Json<CnpjConsultado>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let c = cnpj("cnpj", &texto)?;
    let s = estado.serpro.conecta.servico()?;
    Ok(Json(
        em_tarefa(&estado, async move { s.cnpj(&c).await }).await?,
    ))
}

// ── Consultas: one path or the other ───────────────────────────────────────────────────────

/// The CPFs of a lookup.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PedidoConsultaCpf {
    /// De 1 a 50 CPFs, com ou sem máscara.
    #[schema(example = json!(["404.428.201-35"]), min_items = 1, max_items = 50)]
    cpfs: Vec<String>,
    /// Etiqueta no relatório de consumo do SERPRO (X-Request-Tag, até 32 caracteres).
    #[schema(max_length = 32)]
    etiqueta: Option<String>,
}

/// Parâmetros de uma consulta de CNPJ.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ParametrosCnpj {
    /// basica (padrão), qsa (sócios) ou empresa (sócios com CPF): os dois últimos só pelo SERPRO.
    nivel: Option<String>,
    /// Etiqueta no relatório de consumo do SERPRO (até 32 caracteres).
    etiqueta: Option<String>,
}

/// A etiqueta de uma consulta.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ParametrosEtiqueta {
    /// Etiqueta no relatório de consumo do SERPRO (até 32 caracteres).
    etiqueta: Option<String>,
}

/// Situação de CPFs (APIs do SERPRO ou Conecta gov.br, conforme o servidor).
///
/// Cada CPF com sua resposta ou seu erro, na ordem pedida. Bilhetado: papel operador; use
/// Idempotency-Key.
#[utoipa::path(post, path = "/api/v1/consultas/cpf", tag = "consultas",
    request_body = PedidoConsultaCpf, params(CabecalhoIdempotencia),
    responses((status = 200, description = "Cada CPF", body = guiche_aplicacao::consulta::CpfsEncontrados), ErrosRemotos))]
async fn consulta_cpf(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Corpo(p): Corpo<PedidoConsultaCpf>,
) -> Result<Json<guiche_aplicacao::consulta::CpfsEncontrados>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    if p.cpfs.is_empty() || p.cpfs.len() > 50 {
        return Err(campo("cpfs", &p.cpfs.len().to_string(), "de 1 a 50 CPFs").into());
    }
    let s = estado.serpro.consulta.servico()?;
    Ok(Json(
        em_tarefa(&estado, async move {
            Ok::<_, ErroHttp>(s.cpfs(&p.cpfs, p.etiqueta.as_deref()).await)
        })
        .await?,
    ))
}

/// Dados de um CNPJ (APIs do SERPRO ou Conecta gov.br).
///
/// Bilhetado: papel operador.
#[utoipa::path(get, path = "/api/v1/consultas/cnpj/{cnpj}", tag = "consultas",
    params(("cnpj" = String, Path, description = "O CNPJ, com ou sem máscara", example = "34238864000168"), ParametrosCnpj),
    responses((status = 200, description = "O cadastro", body = guiche_aplicacao::consulta::CnpjEncontrado), ErrosRemotos))]
async fn consulta_cnpj(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Path(texto): Path<String>,
    Query(q): Query<ParametrosCnpj>,
) -> Result<Json<guiche_aplicacao::consulta::CnpjEncontrado>, Problema> {
    use guiche_ports::consulta::NivelCnpj;
    exigir(&quem, Permissao::Enviar)?;
    let nivel = match q.nivel.as_deref() {
        None | Some("basica") => NivelCnpj::Basica,
        Some("qsa") => NivelCnpj::Qsa,
        Some("empresa") => NivelCnpj::Empresa,
        Some(outro) => return Err(campo("nivel", outro, "basica, qsa ou empresa").into()),
    };
    let s = estado.serpro.consulta.servico()?;
    Ok(Json(
        em_tarefa(&estado, async move {
            s.cnpj(&texto, nivel, q.etiqueta.as_deref()).await
        })
        .await?,
    ))
}

/// Certidão negativa de débitos de um CPF ou CNPJ (só pelas APIs do SERPRO).
///
/// Bilhetado: papel operador.
#[utoipa::path(get, path = "/api/v1/consultas/cnd/{documento}", tag = "consultas",
    params(("documento" = String, Path, description = "O CPF ou CNPJ", example = "34238864000168"), ParametrosEtiqueta),
    responses((status = 200, description = "A certidão", body = guiche_aplicacao::consulta::CndEncontrada), ErrosRemotos))]
async fn consulta_cnd(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Path(texto): Path<String>,
    Query(q): Query<ParametrosEtiqueta>,
) -> Result<Json<guiche_aplicacao::consulta::CndEncontrada>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let s = estado.serpro.consulta.servico()?;
    Ok(Json(
        em_tarefa(&estado, async move {
            s.cnd(&texto, q.etiqueta.as_deref()).await
        })
        .await?,
    ))
}

// ── e-CAC: proof of payment and a company's guides ─────────────────────────────────────────

/// Comprovante de pagamento em PDF.
///
/// De um documento que o livro do e-CAC conhece (guia ou pagamento), pedido ao PAGTOWEB
/// para o contribuinte do livro; um número fora do livro: 404. Responde application/pdf.
/// Bilhetado: papel operador.
#[utoipa::path(get, path = "/api/v1/ecac/comprovantes/{numero}", tag = "ecac",
    params(("numero" = String, Path, description = "Número do documento (17 dígitos)", example = "07202611444777106")),
    responses((status = 200, description = "O comprovante", body = Pdf,
        content_type = "application/pdf"), ErrosRemotos))]
async fn comprovante(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Path(texto): Path<String>,
) -> Result<Response, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let numero = NumeroDocumento::parse(&texto).map_err(|e| campo("numero", &texto, e))?;
    let s = estado.serpro.comprovante.servico()?;
    let c = em_tarefa(&estado, async move { s.comprovante(numero).await }).await?;
    Ok(pdf(
        &format!("comprovante-{}.pdf", c.numero_documento),
        c.pdf,
    ))
}

/// Which period.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ConsultaGuias {
    /// Só deste período de apuração (AAAAMM).
    #[param(example = "202610")]
    periodo: Option<String>,
}

/// Guias da empresa e a situação de cada uma.
///
/// As guias do livro do e-CAC (do `periodo`, se dado), cada uma com a última ocorrência da
/// conciliação ou `não conciliada`. Só lê o livro: papel leitura.
#[utoipa::path(get, path = "/api/v1/ecac/empresas/{cnpj}/guias", tag = "ecac",
    params(("cnpj" = String, Path, description = "CNPJ da empresa", example = "11444777000161"), ConsultaGuias),
    responses((status = 200, description = "As guias", body = Localizacao), ErrosLeitura))]
async fn guias(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Path(texto): Path<String>,
    Query(q): Query<ConsultaGuias>,
) -> Result<Json<Localizacao>, Problema> {
    exigir(&quem, Permissao::Ler)?;
    let empresa = cnpj("cnpj", &texto)?;
    let periodo = q
        .periodo
        .as_deref()
        .map(|p| competencia("periodo", p))
        .transpose()?;
    let s = estado.serpro.localizar.servico()?;
    // Only the ledger is read (blocking SQLite): off the async workers.
    let tempo = tokio::runtime::Handle::current();
    let r =
        tokio::task::spawn_blocking(move || tempo.block_on(s.localizar(empresa, periodo, false)))
            .await;
    match r {
        Ok(l) => Ok(Json(l?)),
        Err(e) => Err(ErroHttp::Tarefa(e.to_string()).into()),
    }
}

/// The period whose DAS to issue.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PedidoEmissaoGuias {
    /// Período de apuração (AAAAMM).
    #[schema(example = "202510")]
    periodo: String,
}

/// Emite o DAS do período e lista as guias.
///
/// Gera o DAS do período para a empresa (registrado no livro do e-CAC) e devolve as guias
/// do período com a situação de cada uma. Bilhetado: papel operador; use Idempotency-Key.
#[utoipa::path(post, path = "/api/v1/ecac/empresas/{cnpj}/guias/emissao", tag = "ecac",
    params(("cnpj" = String, Path, description = "CNPJ da empresa", example = "11444777000161"), CabecalhoIdempotencia),
    request_body = PedidoEmissaoGuias,
    responses((status = 200, description = "As guias do período", body = Localizacao), ErrosRemotos))]
async fn emitir_guias(
    State(estado): State<Estado>,
    Autenticado(quem): Autenticado,
    Path(texto): Path<String>,
    Corpo(p): Corpo<PedidoEmissaoGuias>,
) -> Result<Json<Localizacao>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let empresa = cnpj("cnpj", &texto)?;
    let periodo = competencia("periodo", &p.periodo)?;
    let s = estado.serpro.localizar.servico()?;
    let l = em_tarefa(&estado, async move {
        s.localizar(empresa, Some(periodo), true).await
    })
    .await?;
    for a in &l.avisos {
        tracing::warn!(aviso = %a, "DAS não registrado no livro do e-CAC");
    }
    Ok(Json(l))
}
