//! `/api/v1/ecac/…`: the Central e-CAC over HTTP — companies (admin writes), guides and
//! payments uploaded as CSV, the sync (idempotent, operador), occurrences and their export —
//! and the daily sync of `GUICHE_ECAC_SYNC_HORA` ([`agendar`]). The handlers' doc comments are
//! the OpenAPI document's text: Portuguese. `ecac proof` and `ecac locate` are the SERPRO
//! area's.

use super::{
    Autenticado, CabecalhoIdempotencia, Corpo, Estado, Problema, exigir, idempotente, no_livro,
};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use guiche_aplicacao::acesso::Permissao;
use guiche_aplicacao::ecac::agenda::{AgendaEcac, Execucao};
use guiche_aplicacao::ecac::baixa::{Baixa, ResumoBaixa, Sincronizacao, SincronizacaoEmpresa};
use guiche_aplicacao::ecac::central::{
    AlteracaoEmpresa, CentralEcac, ConsultaOcorrencias, EmpresaSalva, ImportacaoGuias,
    ListaEmpresas, ListaGuias, ListaOcorrencias,
};
use guiche_aplicacao::{Classificar, Natureza};
use guiche_domain::conciliacao::Agrupamento;
use guiche_domain::guia::NumeroDocumento;
use guiche_domain::{Cnpj, Data, Documento, Regra, Violacao};
use guiche_ports::ecac::{Acesso, Empresa, FormatoPlanilha};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The e-CAC services every request shares.
#[derive(Clone)]
pub(crate) struct ServicosEcac {
    /// Companies, guides, imports, occurrences.
    pub(crate) central: CentralEcac,
    /// The baixa automática (also the daily sync's).
    pub(crate) baixa: Baixa,
}

/// The routes of this file.
pub(crate) fn rotas() -> OpenApiRouter<Estado> {
    OpenApiRouter::new()
        .routes(routes!(listar_empresas, cadastrar_empresa))
        .routes(routes!(empresa, alterar_empresa))
        .routes(routes!(listar_guias, importar_guias))
        .routes(routes!(importar_pagamentos))
        .routes(idempotente(routes!(sincronizar)))
        .routes(routes!(ocorrencias))
        .routes(routes!(caixa_postal))
        .routes(routes!(exportar_ocorrencias))
}

// ── Input ─────────────────────────────────────────────────────────────────────────────────

/// Fields or parameters that break a rule: 422 with every violation.
#[derive(Debug, thiserror::Error)]
#[error("pedido inválido: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub(super) struct PedidoInvalido(pub(super) Vec<Violacao>);

impl Classificar for PedidoInvalido {
    fn natureza(&self) -> Natureza {
        Natureza::Invalido
    }

    fn violacoes(&self) -> &[Violacao] {
        &self.0
    }
}

/// Collects the violations of a request's fields.
#[derive(Default)]
struct Verificacao(Vec<Violacao>);

impl Verificacao {
    /// `texto` read by `ler`, or a violation of `regra` on `campo` (with `dica` after the
    /// reason, when given).
    fn campo<T, E: std::fmt::Display>(
        &mut self,
        campo: &str,
        texto: &str,
        regra: Regra,
        dica: &str,
        ler: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        ler(texto)
            .map_err(|e| {
                self.0
                    .push(Violacao::new(campo, regra, format!("{e}{dica}"), texto));
            })
            .ok()
    }

    fn cnpj(&mut self, campo: &str, texto: &str) -> Option<Cnpj> {
        self.campo(campo, texto, Regra::DocumentoInvalido, "", Cnpj::parse)
    }

    fn documento(&mut self, campo: &str, texto: &str) -> Option<Documento> {
        self.campo(campo, texto, Regra::DocumentoInvalido, "", Documento::parse)
    }

    fn data(&mut self, campo: &str, texto: &str) -> Option<Data> {
        self.campo(
            campo,
            texto,
            Regra::DataInvalida,
            " (use AAAA-MM-DD)",
            Data::parse_iso,
        )
    }

    fn numero(&mut self, campo: &str, texto: &str) -> Option<NumeroDocumento> {
        let regra = Regra::GuiaNumeroDocumento;
        self.campo(campo, texto, regra, "", NumeroDocumento::parse)
    }

    /// `Ok` when nothing was wrong.
    #[allow(clippy::result_large_err)] // the handlers' error type
    fn fim(self) -> Result<(), Problema> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Problema::from(PedidoInvalido(self.0)))
        }
    }
}

/// The bytes of a CSV upload: `Content-Type: text/csv` (any parameters), else 415.
#[allow(clippy::result_large_err)] // the handlers' error type
pub(super) fn csv(cabecalhos: &HeaderMap, corpo: Bytes) -> Result<Vec<u8>, Problema> {
    let tipo = cabecalhos
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .unwrap_or_default();
    let essencia = tipo.split(';').next().unwrap_or_default().trim();
    if !essencia.eq_ignore_ascii_case("text/csv") {
        return Err(Problema::novo(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "envie o arquivo CSV com Content-Type: text/csv (recebido: \"{}\")",
                tipo.chars().take(100).collect::<String>()
            ),
        ));
    }
    if corpo.is_empty() {
        return Err(Problema::from(PedidoInvalido(vec![Violacao::new(
            "corpo",
            Regra::Obrigatorio,
            "o corpo está vazio: envie o arquivo CSV",
            "",
        )])));
    }
    Ok(corpo.to_vec())
}

// ── Companies ─────────────────────────────────────────────────────────────────────────────

/// How a company reaches e-CAC.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum AcessoPedido {
    /// Certificado A1: a baixa automática.
    A1,
    /// Certificado A3: pagamentos só por importação (POST /api/v1/ecac/pagamentos).
    A3,
    /// Código de acesso: a baixa automática.
    Codigo,
}

impl From<AcessoPedido> for Acesso {
    fn from(a: AcessoPedido) -> Acesso {
        match a {
            AcessoPedido::A1 => Acesso::CertificadoA1,
            AcessoPedido::A3 => Acesso::CertificadoA3,
            AcessoPedido::Codigo => Acesso::CodigoAcesso,
        }
    }
}

/// A company to add.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NovaEmpresa {
    /// The CNPJ, with or without the mask.
    #[schema(example = "11444777000161")]
    cnpj: String,
    /// Its name for the user.
    #[serde(default)]
    #[schema(example = "Padaria Pão de Ló")]
    nome: String,
    /// Since when it uses e-CAC (`AAAA-MM-DD`); absent when it does not (then it is never
    /// synced).
    #[serde(default)]
    #[schema(example = "2026-01-01")]
    ecac_desde: Option<String>,
    /// How it reaches e-CAC.
    acesso: AcessoPedido,
    /// Whether the certificate is a procurador's (the office's).
    #[serde(default)]
    certificado_procurador: bool,
}

/// What to change of a company; an absent field stays as it is.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct MudancaEmpresa {
    /// A new name.
    #[serde(default)]
    nome: Option<String>,
    /// Since when it uses e-CAC (`AAAA-MM-DD`); `null` when it no longer does.
    #[serde(default, deserialize_with = "presente")]
    #[schema(value_type = Option<String>, example = "2026-01-01")]
    ecac_desde: Option<Option<String>>,
    /// How it reaches e-CAC.
    #[serde(default)]
    acesso: Option<AcessoPedido>,
    /// Whether the certificate is a procurador's.
    #[serde(default)]
    certificado_procurador: Option<bool>,
}

/// A field present (even `null`) is `Some`; absent is `None` (by `default`).
fn presente<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Lista as empresas do e-CAC, por CNPJ, com o dia até o qual os pagamentos foram buscados.
/// Papel leitura.
#[utoipa::path(get, path = "/api/v1/ecac/empresas", tag = "ecac",
    responses((status = 200, description = "As empresas", body = ListaEmpresas)))]
async fn listar_empresas(
    State(e): State<Estado>,
    Autenticado(quem): Autenticado,
) -> Result<Json<ListaEmpresas>, Problema> {
    exigir(&quem, Permissao::Ler)?;
    let central = e.ecac.central.clone();
    Ok(Json(no_livro(move || central.empresas()).await?))
}

/// Cadastra uma empresa e o seu acesso ao e-CAC (A1 e código de acesso: baixa automática; A3:
/// pagamentos por importação). Papel admin. Já cadastrada: 409 (altere com PATCH).
#[utoipa::path(post, path = "/api/v1/ecac/empresas", tag = "ecac", request_body = NovaEmpresa,
    responses(
        (status = 201, description = "Cadastrada", body = EmpresaSalva),
        (status = 409, description = "Já cadastrada", body = Problema, content_type = "application/problem+json"),
        (status = 422, description = "CNPJ ou data inválidos (violacoes)", body = Problema, content_type = "application/problem+json")))]
async fn cadastrar_empresa(
    State(e): State<Estado>,
    Autenticado(quem): Autenticado,
    Corpo(nova): Corpo<NovaEmpresa>,
) -> Result<(StatusCode, Json<EmpresaSalva>), Problema> {
    exigir(&quem, Permissao::Administrar)?;
    let mut v = Verificacao::default();
    let cnpj = v.cnpj("cnpj", &nova.cnpj);
    let desde = nova
        .ecac_desde
        .as_deref()
        .and_then(|d| v.data("ecacDesde", d));
    v.fim()?;
    let Some(cnpj) = cnpj else {
        return Err(Problema::novo(StatusCode::BAD_REQUEST, "CNPJ inválido"));
    };
    let empresa = Empresa {
        cnpj,
        nome: nova.nome.trim().to_owned(),
        ecac_desde: desde,
        acesso: nova.acesso.into(),
        certificado_procurador: nova.certificado_procurador,
    };
    let central = e.ecac.central.clone();
    let salva = no_livro(move || central.cadastrar_empresa(&empresa)).await?;
    tracing::info!(empresa = %salva.empresa.cnpj, "empresa do e-CAC cadastrada");
    Ok((StatusCode::CREATED, Json(salva)))
}

/// The CNPJ of a path.
#[allow(clippy::result_large_err)] // the handlers' error type
fn cnpj_do_caminho(texto: &str) -> Result<Cnpj, Problema> {
    let mut v = Verificacao::default();
    let cnpj = v.cnpj("cnpj", texto);
    v.fim()?;
    cnpj.ok_or_else(|| Problema::novo(StatusCode::BAD_REQUEST, "CNPJ inválido"))
}

/// Uma empresa do e-CAC. Papel leitura.
#[utoipa::path(get, path = "/api/v1/ecac/empresas/{cnpj}", tag = "ecac",
    params(("cnpj" = String, Path, description = "O CNPJ, só dígitos", example = "11444777000161")),
    responses(
        (status = 200, description = "A empresa", body = EmpresaSalva),
        (status = 404, description = "Não cadastrada", body = Problema, content_type = "application/problem+json")))]
async fn empresa(
    State(e): State<Estado>,
    Autenticado(quem): Autenticado,
    Path(texto): Path<String>,
) -> Result<Json<EmpresaSalva>, Problema> {
    exigir(&quem, Permissao::Ler)?;
    let cnpj = cnpj_do_caminho(&texto)?;
    let central = e.ecac.central.clone();
    Ok(Json(no_livro(move || central.empresa(&cnpj)).await?))
}

/// Altera o que o corpo traz de uma empresa (o resto fica). `ecacDesde: null`: deixa de usar o
/// e-CAC. Papel admin.
#[utoipa::path(patch, path = "/api/v1/ecac/empresas/{cnpj}", tag = "ecac",
    request_body = MudancaEmpresa,
    params(("cnpj" = String, Path, description = "O CNPJ, só dígitos", example = "11444777000161")),
    responses(
        (status = 200, description = "Alterada", body = EmpresaSalva),
        (status = 404, description = "Não cadastrada", body = Problema, content_type = "application/problem+json"),
        (status = 422, description = "Data inválida (violacoes)", body = Problema, content_type = "application/problem+json")))]
async fn alterar_empresa(
    State(e): State<Estado>,
    Autenticado(quem): Autenticado,
    Path(texto): Path<String>,
    Corpo(m): Corpo<MudancaEmpresa>,
) -> Result<Json<EmpresaSalva>, Problema> {
    exigir(&quem, Permissao::Administrar)?;
    let cnpj = cnpj_do_caminho(&texto)?;
    let mut v = Verificacao::default();
    let ecac_desde = match m.ecac_desde {
        None => None,
        Some(None) => Some(None),
        Some(Some(d)) => Some(v.data("ecacDesde", &d)),
    };
    v.fim()?;
    let alteracao = AlteracaoEmpresa {
        nome: m.nome,
        ecac_desde,
        acesso: m.acesso.map(Acesso::from),
        certificado_procurador: m.certificado_procurador,
    };
    let central = e.ecac.central.clone();
    let salva = no_livro(move || central.alterar_empresa(&cnpj, alteracao)).await?;
    tracing::info!(empresa = %salva.empresa.cnpj, "empresa do e-CAC alterada");
    Ok(Json(salva))
}

// ── Guides and payments ───────────────────────────────────────────────────────────────────

/// Which guides.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FiltroGuias {
    /// Só as guias deste contribuinte (CPF ou CNPJ); todas quando ausente.
    #[param(example = "11444777000161")]
    empresa: Option<String>,
}

/// The unread DTE messages per company (`GET /api/v1/ecac/caixa-postal`).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CaixaPostalDasEmpresas {
    /// Per company with an unread message, the nearest deadline first.
    empresas: Vec<guiche_aplicacao::ecac::acompanhamento::CaixaPostalEmpresa>,
}

/// Filter of the mailbox.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FiltroCaixaPostal {
    /// Só as mensagens desta empresa (CNPJ); todas quando ausente.
    #[param(example = "11444777000161")]
    empresa: Option<String>,
}

/// Caixa postal do e-CAC (DTE): as mensagens não lidas por empresa, lidas pela sincronização,
/// com os dias até a ciência tácita (15 dias após a disponibilização; `diasRestantes` ≤ 0: já
/// conta como lida); a empresa de prazo mais próximo primeiro. Papel leitura.
#[utoipa::path(get, path = "/api/v1/ecac/caixa-postal", tag = "ecac", params(FiltroCaixaPostal),
    responses(
        (status = 200, description = "Mensagens não lidas por empresa", body = CaixaPostalDasEmpresas),
        (status = 422, description = "CNPJ inválido (violacoes)", body = Problema, content_type = "application/problem+json")))]
async fn caixa_postal(
    State(e): State<Estado>,
    Autenticado(quem): Autenticado,
    Query(f): Query<FiltroCaixaPostal>,
) -> Result<Json<CaixaPostalDasEmpresas>, Problema> {
    exigir(&quem, Permissao::Ler)?;
    let mut v = Verificacao::default();
    let filtro = f.empresa.as_deref().and_then(|t| v.cnpj("empresa", t));
    v.fim()?;
    let central = e.ecac.central.clone();
    let empresas = no_livro(move || central.caixa_postal(filtro.as_ref())).await?;
    Ok(Json(CaixaPostalDasEmpresas { empresas }))
}

/// Lista as guias do livro, na ordem em que foram registradas. Papel leitura.
#[utoipa::path(get, path = "/api/v1/ecac/guias", tag = "ecac", params(FiltroGuias),
    responses(
        (status = 200, description = "As guias", body = ListaGuias),
        (status = 422, description = "Documento inválido (violacoes)", body = Problema, content_type = "application/problem+json")))]
async fn listar_guias(
    State(e): State<Estado>,
    Autenticado(quem): Autenticado,
    Query(f): Query<FiltroGuias>,
) -> Result<Json<ListaGuias>, Problema> {
    exigir(&quem, Permissao::Ler)?;
    let mut v = Verificacao::default();
    let filtro = f.empresa.as_deref().and_then(|t| v.documento("empresa", t));
    v.fim()?;
    let central = e.ecac.central.clone();
    Ok(Json(
        no_livro(move || central.guias(filtro.as_ref())).await?,
    ))
}

/// Importa as guias emitidas de um CSV (`tipo;numero_documento;contribuinte;periodo;vencimento;valor`,
/// como `guiche ecac guides import`): o arquivo inteiro ou nada (uma linha ruim → 422 com cada
/// problema, por linha e coluna); depois guia a guia — a mesma guia de novo não muda nada, um
/// número já registrado com outro conteúdo fica em `conflitos` (a registrada é mantida). Papel
/// operador.
#[utoipa::path(post, path = "/api/v1/ecac/guias", tag = "ecac",
    request_body(content = String, content_type = "text/csv",
        description = "O CSV das guias (`;`, vírgula decimal, UTF-8)",
        example = "tipo;numero_documento;contribuinte;periodo;vencimento;valor\nDARF;07202600000000555;11444777000161;09/2026;20/10/2026;480,00\n"),
    responses(
        (status = 200, description = "Importadas; números em conflito listados", body = ImportacaoGuias),
        (status = 415, description = "Sem Content-Type: text/csv", body = Problema, content_type = "application/problem+json"),
        (status = 422, description = "O arquivo foi recusado: violacoes por linha e coluna", body = Problema, content_type = "application/problem+json")))]
async fn importar_guias(
    State(e): State<Estado>,
    Autenticado(quem): Autenticado,
    cabecalhos: HeaderMap,
    corpo: Bytes,
) -> Result<Json<ImportacaoGuias>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let bytes = csv(&cabecalhos, corpo)?;
    let central = e.ecac.central.clone();
    let r = no_livro(move || central.importar_guias(&bytes, "o CSV enviado")).await?;
    tracing::info!(
        lidas = r.lidas,
        novas = r.novas,
        conflitos = r.conflitos.len(),
        "guias importadas"
    );
    Ok(Json(r))
}

/// Importa pagamentos de um CSV (`numero_documento;contribuinte;data_arrecadacao;valor`), para
/// empresas com certificado A3, que o servidor nunca sincroniza: o arquivo inteiro ou nada
/// (uma linha ruim → 422 por linha e coluna), depois a conciliação de cada contribuinte do
/// arquivo. Papel operador.
#[utoipa::path(post, path = "/api/v1/ecac/pagamentos", tag = "ecac",
    request_body(content = String, content_type = "text/csv",
        description = "O CSV dos pagamentos (`;`, vírgula decimal, UTF-8)"),
    responses(
        (status = 200, description = "Importados e conciliados", body = ResumoBaixa),
        (status = 415, description = "Sem Content-Type: text/csv", body = Problema, content_type = "application/problem+json"),
        (status = 422, description = "O arquivo foi recusado: violacoes por linha e coluna", body = Problema, content_type = "application/problem+json")))]
async fn importar_pagamentos(
    State(e): State<Estado>,
    Autenticado(quem): Autenticado,
    cabecalhos: HeaderMap,
    corpo: Bytes,
) -> Result<Json<ResumoBaixa>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let bytes = csv(&cabecalhos, corpo)?;
    let central = e.ecac.central.clone();
    let r = no_livro(move || central.importar_pagamentos(&bytes, "o CSV enviado")).await?;
    tracing::info!(
        pagamentos = r.pagamentos_recebidos,
        novos = r.pagamentos_novos,
        baixadas = r.guias_baixadas,
        "pagamentos importados"
    );
    Ok(Json(r))
}

// ── Sync ──────────────────────────────────────────────────────────────────────────────────

/// Which company to sync.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FiltroSincronizacao {
    /// O CNPJ da empresa; sem ele, todas as de baixa automática (A1 ou código de acesso, com
    /// `ecacDesde`).
    #[param(example = "11444777000161")]
    empresa: Option<String>,
}

/// A company's failed sync, as an application error.
#[derive(Debug, thiserror::Error)]
#[error("{mensagem}")]
struct FalhaSincronizacao {
    mensagem: String,
    natureza: Natureza,
}

impl Classificar for FalhaSincronizacao {
    fn natureza(&self) -> Natureza {
        self.natureza
    }
}

/// Busca no SERPRO (PAGTOWEB) os pagamentos de uma empresa (`empresa`) ou de todas as de baixa
/// automática, guarda-os, concilia as guias e dá baixa nas pagas, como `guiche ecac sync`.
/// Chamadas cobradas: use `Idempotency-Key`. Com `empresa`: sincronizada → 200; em
/// sincronização por outro processo → 409 (nada foi feito; tente depois); A3 ou sem e-CAC →
/// 422; falha do SERPRO → 502. Sem `empresa`: 200 com o desfecho de cada uma (feita, pulada ou
/// falhou). Papel operador.
#[utoipa::path(post, path = "/api/v1/ecac/sincronizacoes", tag = "ecac",
    params(FiltroSincronizacao, CabecalhoIdempotencia),
    responses(
        (status = 200, description = "O desfecho de cada empresa", body = Sincronizacao),
        (status = 404, description = "Empresa não cadastrada", body = Problema, content_type = "application/problem+json"),
        (status = 409, description = "A empresa já está em sincronização", body = Problema, content_type = "application/problem+json"),
        (status = 422, description = "A3, sem e-CAC, ou recusado pelo SERPRO", body = Problema, content_type = "application/problem+json"),
        (status = 502, description = "O SERPRO não respondeu; nada foi gravado", body = Problema, content_type = "application/problem+json")))]
async fn sincronizar(
    State(e): State<Estado>,
    Autenticado(quem): Autenticado,
    Query(f): Query<FiltroSincronizacao>,
) -> Result<Json<Sincronizacao>, Problema> {
    exigir(&quem, Permissao::Enviar)?;
    let mut v = Verificacao::default();
    let cnpj = f.empresa.as_deref().and_then(|t| v.cnpj("empresa", t));
    v.fim()?;
    let feita = e.ecac.baixa.sincronizar_empresas(cnpj.as_ref()).await?;
    relatar_sincronizacao(&feita, "sincronização pedida");
    if cnpj.is_some() {
        match feita.empresas.first() {
            Some(SincronizacaoEmpresa::Pulada { origem, pulada }) => {
                return Err(Problema::novo(
                    StatusCode::CONFLICT,
                    format!(
                        "a empresa {origem} está {pulada}; nada foi feito agora, tente de novo mais tarde"
                    ),
                ));
            }
            Some(SincronizacaoEmpresa::Falhou { erro, natureza, .. }) => {
                return Err(Problema::from(FalhaSincronizacao {
                    mensagem: erro.mensagem.clone(),
                    natureza: *natureza,
                }));
            }
            _ => {}
        }
    }
    Ok(Json(feita))
}

/// Logs a sync's summary and each company's outcome.
fn relatar_sincronizacao(s: &Sincronizacao, o_que: &str) {
    let (mut feitas, mut puladas, mut falharam) = (0, 0, 0);
    for e in &s.empresas {
        match e {
            SincronizacaoEmpresa::Feita(r) => {
                feitas += 1;
                tracing::info!(
                    empresa = %r.origem,
                    pagamentos = r.pagamentos_recebidos,
                    novos = r.pagamentos_novos,
                    baixadas = r.guias_baixadas,
                    ocorrencias = r.ocorrencias_novas,
                    "empresa sincronizada"
                );
            }
            SincronizacaoEmpresa::Pulada { origem, pulada } => {
                puladas += 1;
                tracing::warn!(empresa = %origem, "empresa pulada: {pulada}");
            }
            SincronizacaoEmpresa::Falhou { origem, erro, .. } => {
                falharam += 1;
                tracing::warn!(empresa = %origem, erro = %erro.mensagem, "a sincronização da empresa falhou");
            }
        }
    }
    tracing::info!(feitas, puladas, falharam, "{o_que} do e-CAC concluída");
}

// ── Occurrences ───────────────────────────────────────────────────────────────────────────

/// How to group.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum AgruparPor {
    /// Um grupo por tipo de ocorrência, as mais urgentes primeiro.
    #[default]
    Ocorrencia,
    /// Um grupo por empresa.
    Empresa,
}

impl From<AgruparPor> for Agrupamento {
    fn from(a: AgruparPor) -> Agrupamento {
        match a {
            AgruparPor::Ocorrencia => Agrupamento::Ocorrencia,
            AgruparPor::Empresa => Agrupamento::Empresa,
        }
    }
}

/// Which occurrences.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FiltroOcorrencias {
    /// Só as ocorrências atuais deste contribuinte (CPF ou CNPJ).
    #[param(example = "11444777000161")]
    empresa: Option<String>,
    /// `ocorrencia` (padrão) ou `empresa`.
    #[serde(default)]
    #[param(inline)]
    agrupar: AgruparPor,
    /// Em vez das atuais, todas as já registradas deste número de documento (17 dígitos), da
    /// mais antiga à mais nova.
    #[param(example = "07202600000000555")]
    historico: Option<String>,
}

/// The report's format.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FormatoExportacao {
    /// CSV para o Excel pt-BR (`;`, vírgula decimal, UTF-8 com BOM).
    Csv,
    /// Pasta de trabalho do Excel: uma aba por grupo e um resumo.
    Xlsx,
}

/// Which occurrences to export, and how.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FiltroExportacao {
    /// `csv` ou `xlsx`.
    #[param(inline)]
    formato: FormatoExportacao,
    /// Só as ocorrências atuais deste contribuinte (CPF ou CNPJ).
    #[param(example = "11444777000161")]
    empresa: Option<String>,
    /// `ocorrencia` (padrão) ou `empresa`.
    #[serde(default)]
    #[param(inline)]
    agrupar: AgruparPor,
    /// Em vez das atuais, todas as já registradas deste número de documento (17 dígitos).
    #[param(example = "07202600000000555")]
    historico: Option<String>,
}

#[allow(clippy::result_large_err)] // the handlers' error type
fn consulta(
    empresa: Option<&str>,
    agrupar: AgruparPor,
    historico: Option<&str>,
) -> Result<ConsultaOcorrencias, Problema> {
    let mut v = Verificacao::default();
    let empresa = empresa.and_then(|t| v.documento("empresa", t));
    let historico = historico.and_then(|t| v.numero("historico", t));
    v.fim()?;
    Ok(ConsultaOcorrencias {
        empresa,
        historico,
        agrupar: agrupar.into(),
        ocorrencia: None,
        periodo: None,
    })
}

/// Lista as ocorrências da conciliação (vencidas, pagas em atraso, pagamentos sem guia…),
/// agrupadas, os atrasos contados até hoje, como `guiche ecac occurrences`. Papel leitura.
#[utoipa::path(get, path = "/api/v1/ecac/ocorrencias", tag = "ecac", params(FiltroOcorrencias),
    responses(
        (status = 200, description = "Os grupos, na ordem do relatório", body = ListaOcorrencias),
        (status = 422, description = "Documento ou número inválido (violacoes)", body = Problema, content_type = "application/problem+json")))]
async fn ocorrencias(
    State(e): State<Estado>,
    Autenticado(quem): Autenticado,
    Query(f): Query<FiltroOcorrencias>,
) -> Result<Json<ListaOcorrencias>, Problema> {
    exigir(&quem, Permissao::Ler)?;
    let c = consulta(f.empresa.as_deref(), f.agrupar, f.historico.as_deref())?;
    let central = e.ecac.central.clone();
    Ok(Json(no_livro(move || central.ocorrencias(&c)).await?))
}

/// The media type of a spreadsheet.
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Exporta as ocorrências como planilha (CSV ou XLSX), o mesmo relatório de
/// `guiche ecac occurrences --export`. Papel leitura.
#[utoipa::path(get, path = "/api/v1/ecac/ocorrencias/exportacao", tag = "ecac",
    params(FiltroExportacao),
    responses(
        (status = 200, description = "A planilha, como anexo (Content-Disposition)",
            content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, description = "Documento ou número inválido (violacoes)", body = Problema, content_type = "application/problem+json")))]
async fn exportar_ocorrencias(
    State(e): State<Estado>,
    Autenticado(quem): Autenticado,
    Query(f): Query<FiltroExportacao>,
) -> Result<Response, Problema> {
    exigir(&quem, Permissao::Ler)?;
    let c = consulta(f.empresa.as_deref(), f.agrupar, f.historico.as_deref())?;
    let (formato, tipo, nome) = match f.formato {
        FormatoExportacao::Csv => (
            FormatoPlanilha::Csv,
            "text/csv; charset=utf-8",
            "ocorrencias.csv",
        ),
        FormatoExportacao::Xlsx => (FormatoPlanilha::Xlsx, XLSX, "ocorrencias.xlsx"),
    };
    let central = e.ecac.central.clone();
    let feita = no_livro(move || central.exportar_ocorrencias(&c, formato)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(tipo)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{nome}\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        feita.bytes,
    )
        .into_response())
}

// ── The daily sync ────────────────────────────────────────────────────────────────────────

/// Starts the daily sync of `agenda` in its own task, until `parada` turns true (or its sender
/// goes): a sync in flight then finishes first. The caller awaits the task on shutdown.
pub(crate) fn agendar(
    agenda: AgendaEcac,
    mut parada: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tracing::info!(
        hora = %agenda.hora(),
        proxima_unix = agenda.proxima(),
        "sincronização diária do e-CAC agendada (horário de Brasília; A3 nunca)"
    );
    tokio::spawn(async move {
        let parar = async move {
            let _ = parada.wait_for(|p| *p).await;
        };
        agenda.rodar(parar, relatar_execucao).await;
        tracing::info!("agenda do e-CAC encerrada");
    })
}

/// Logs a scheduled run.
fn relatar_execucao(x: Execucao) {
    match x.resultado {
        Ok(s) => relatar_sincronizacao(&s, "sincronização diária"),
        Err(e) => {
            tracing::error!(erro = %e, agendada_para_unix = x.agendada_para, "a sincronização diária do e-CAC não pôde ler as empresas");
        }
    }
}
