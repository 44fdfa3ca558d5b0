//! The Central e-CAC's screens (the seed's words): the home with the occurrences, the syncs and
//! the deadlines; *Configurar empresas*; *Gerenciar guias* (filters, *Agrupar*, *Detalhes*,
//! *Comprovante de pag. e-CAC*, *Exportar para Excel*); *Localizar guia* (and a new DAS);
//! *Importar pelo certificado A3*; *Sincronizar agora* with its progress.
//!
//! Every screen calls the use cases the CLI and the API call (`CentralEcac`, `Baixa`,
//! `ServicoComprovante`, `ServicoLocalizar`); nothing here reads the ledger or decides a rule.
//! Roles as in the API: `leitura` sees, `operador` acts (sync, import, proof, new DAS),
//! `admin` configures companies — checked on the server for every POST, which also carries the
//! session's CSRF token.

mod telas;

use super::{
    ComSessao, Formulario, Tela, conferir_csrf, exigir_post, exigir_sessao, falha, html, ir_para,
    permitir,
};
use crate::http::Estado;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use guiche_aplicacao::acesso::Permissao;
use guiche_aplicacao::ecac::agenda::{HoraDoDia, proxima_execucao};
use guiche_aplicacao::ecac::baixa::SincronizacaoEmpresa;
use guiche_aplicacao::ecac::central::{AlteracaoEmpresa, ConsultaOcorrencias, ErroEcac};
use guiche_aplicacao::usuarios::Sessao;
use guiche_domain::conciliacao::Agrupamento;
use guiche_domain::guia::NumeroDocumento;
use guiche_domain::{Cnpj, Competencia, Data, Documento};
use guiche_ports::ecac::{Acesso, Empresa, FormatoPlanilha};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// How many days ahead the home looks for guides due, unless `?dias=` says otherwise.
pub(crate) const DIAS_PADRAO: u32 = 7;
/// The most days `?dias=` may ask for.
const DIAS_MAXIMO: u32 = 366;
/// Occurrences per page of *Gerenciar guias*.
pub(crate) const POR_PAGINA: usize = 50;
/// The media type of a workbook.
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The pages' own state, shared by every request of the server.
#[derive(Clone, Default)]
pub(crate) struct EstadoWeb {
    /// The daily sync's hour (`GUICHE_ECAC_SYNC_HORA`), for "next sync" on the home.
    pub(crate) hora_sync: Option<HoraDoDia>,
    /// The round *Sincronizar agora* started last (one at a time per server).
    rodada: Arc<Mutex<Option<Rodada>>>,
}

/// Where one company of a round is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Andamento {
    /// Not finished yet.
    Pendente,
    /// Synced: what it did.
    Feita(String),
    /// Skipped: another process has it now.
    Pulada(String),
    /// Failed: why.
    Falhou(String),
}

/// A round started by *Sincronizar agora*.
#[derive(Clone, Debug)]
pub(crate) struct Rodada {
    /// Who pressed the button.
    pub(crate) por: String,
    /// When (Brasília, `DD/MM/AAAA hh:mm:ss`).
    pub(crate) inicio: String,
    /// Each company (masked CNPJ and name) and where it is.
    pub(crate) empresas: Vec<(String, String, Andamento)>,
    /// Whether the round ended.
    pub(crate) terminada: bool,
    /// A failure of the round as a whole (the companies could not be read).
    pub(crate) erro: Option<String>,
}

/// The routes of this file (merged by `web::rotas`). An upload may be as large as the API's
/// (`GUICHE_API_LIMITE_CORPO`); the other forms keep axum's 2 MB.
pub(super) fn rotas(estado: &Estado) -> Router<Estado> {
    Router::new()
        .route("/", get(inicio))
        .route("/empresas", get(empresas).post(cadastrar))
        .route("/empresas/{cnpj}", get(empresa).post(alterar))
        .route("/guias", get(guias))
        .route("/guias/exportar", get(exportar))
        .route("/guias/{numero}", get(detalhes))
        .route("/guias/{numero}/comprovante", post(comprovante))
        .route("/localizar", get(localizar).post(emitir))
        .route(
            "/importar",
            get(importar)
                .post(importar_arquivo)
                .layer(DefaultBodyLimit::max(estado.limite_corpo)),
        )
        .route("/sincronizar", post(sincronizar))
        .route("/sincronizacao", get(progresso))
}

// ── Helpers ───────────────────────────────────────────────────────────────────────────────

/// Runs a ledger call off the async threads; its error as a server failure page.
async fn no_livro<T: Send + 'static>(
    o_que: &'static str,
    f: impl FnOnce() -> Result<T, ErroEcac> + Send + 'static,
) -> Result<T, Result<ErroEcac, Response>> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(e)) => Err(Ok(e)),
        Err(e) => Err(Err(falha(o_que, &e))),
    }
}

/// A ledger call whose every error is a server failure page.
async fn ler<T: Send + 'static>(
    o_que: &'static str,
    f: impl FnOnce() -> Result<T, ErroEcac> + Send + 'static,
) -> Result<T, Response> {
    match no_livro(o_que, f).await {
        Ok(t) => Ok(t),
        Err(Ok(e)) => Err(falha(o_que, &e)),
        Err(Err(r)) => Err(r),
    }
}

/// A file to download.
fn anexo(tipo: &'static str, nome: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(tipo)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{nome}\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// An empty field as `None`, trimmed otherwise.
fn preenchido(t: Option<&str>) -> Option<&str> {
    t.map(str::trim).filter(|t| !t.is_empty())
}

/// Now, in Brasília: `DD/MM/AAAA hh:mm:ss`.
fn agora_brasilia() -> String {
    let (d, h) = Data::em_brasilia(std::time::SystemTime::now());
    format!("{d} {h}")
}

// ── Home ──────────────────────────────────────────────────────────────────────────────────

/// The home's query.
#[derive(Deserialize)]
struct FiltroInicio {
    #[serde(default)]
    dias: Option<String>,
}

/// `GET /`: the count per occurrence, each company's last and next sync, and the guides due
/// in the next `dias` days (default [`DIAS_PADRAO`]) and overdue, per company.
async fn inicio(
    State(estado): State<Estado>,
    ComSessao(s): ComSessao,
    Query(f): Query<FiltroInicio>,
) -> Result<Response, Response> {
    let (dias, erro_dias) = match preenchido(f.dias.as_deref()) {
        None => (DIAS_PADRAO, None),
        Some(t) => match t.parse::<u32>() {
            Ok(n) if n <= DIAS_MAXIMO => (n, None),
            _ => (
                DIAS_PADRAO,
                Some(format!(
                    "dias \"{t}\": use um número inteiro de 0 a {DIAS_MAXIMO}; mostrando {DIAS_PADRAO}"
                )),
            ),
        },
    };
    let central = estado.ecac.central.clone();
    let dados = ler("a Central e-CAC não pôde ser lida do livro", move || {
        let ocorrencias = central.ocorrencias(&ConsultaOcorrencias {
            empresa: None,
            historico: None,
            agrupar: Agrupamento::Ocorrencia,
            ocorrencia: None,
            periodo: None,
        })?;
        Ok((
            central.empresas()?,
            ocorrencias,
            central.prazos(dias)?,
            central.caixa_postal(None)?,
        ))
    })
    .await;
    let (empresas, ocorrencias, prazos, caixa_postal) = dados?;
    let agora = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let proxima = estado.web_ecac.hora_sync.map(|h| {
        let instante = proxima_execucao(agora, h);
        let t = std::time::UNIX_EPOCH
            + std::time::Duration::from_secs(u64::try_from(instante).unwrap_or(0));
        let (d, hora) = Data::em_brasilia(t);
        format!("{d} às {hora}")
    });
    let rodando = estado
        .web_ecac
        .rodada
        .lock()
        .map(|r| r.as_ref().is_some_and(|r| !r.terminada))
        .unwrap_or(false);
    Ok(html(
        StatusCode::OK,
        telas::inicio(&telas::Inicio {
            sessao: &s,
            empresas: &empresas.empresas,
            ocorrencias: &ocorrencias,
            prazos: &prazos,
            caixa_postal: &caixa_postal,
            dias,
            erro_dias: erro_dias.as_deref(),
            proxima: proxima.as_deref(),
            rodando,
        }),
    ))
}

// ── Configurar empresas ───────────────────────────────────────────────────────────────────

/// The company form's fields, as typed.
#[derive(Deserialize, Default, Clone, Debug)]
pub(crate) struct FormEmpresa {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) cnpj: String,
    #[serde(default)]
    pub(crate) nome: String,
    /// `sim` when *Utiliza e-CAC* is checked.
    #[serde(default)]
    pub(crate) utiliza: Option<String>,
    #[serde(default)]
    pub(crate) ecac_desde: String,
    /// `a1`, `a3` or `codigo`.
    #[serde(default)]
    pub(crate) acesso: String,
    /// `sim` when *Certificado é procuração digital* is checked.
    #[serde(default)]
    pub(crate) procurador: Option<String>,
}

/// What the form says, once read: the company, or each field's problem.
fn ler_empresa(
    f: &FormEmpresa,
    cnpj_fixo: Option<Cnpj>,
) -> Result<Empresa, BTreeMap<&'static str, String>> {
    let mut erros = BTreeMap::new();
    let cnpj = match cnpj_fixo {
        Some(c) => Some(c),
        None => match Cnpj::parse(f.cnpj.trim()) {
            Ok(c) => Some(c),
            Err(e) => {
                erros.insert("cnpj", format!("CNPJ \"{}\": {e}", f.cnpj.trim()));
                None
            }
        },
    };
    let utiliza = f.utiliza.is_some();
    let desde = if utiliza {
        match Data::parse_iso(f.ecac_desde.trim()) {
            Ok(d) => Some(d),
            Err(_) if f.ecac_desde.trim().is_empty() => {
                erros.insert(
                    "ecac_desde",
                    "informe a data de início de utilização (as guias pagas a partir dela \
                     são buscadas)"
                        .to_owned(),
                );
                None
            }
            Err(e) => {
                erros.insert(
                    "ecac_desde",
                    format!(
                        "data de início \"{}\": {e} (use AAAA-MM-DD)",
                        f.ecac_desde.trim()
                    ),
                );
                None
            }
        }
    } else {
        None
    };
    let acesso = match Acesso::parse(&f.acesso) {
        Some(a) => Some(a),
        None if f.acesso.trim().is_empty() => {
            erros.insert(
                "acesso",
                "escolha o tipo de acesso: Certificado A1, Certificado A3 ou Código de Acesso"
                    .to_owned(),
            );
            None
        }
        None => {
            erros.insert(
                "acesso",
                format!(
                    "tipo de acesso \"{}\": use Certificado A1, Certificado A3 ou Código de Acesso",
                    f.acesso.trim()
                ),
            );
            None
        }
    };
    match (cnpj, acesso) {
        (Some(cnpj), Some(acesso)) if erros.is_empty() => Ok(Empresa {
            cnpj,
            nome: f.nome.trim().to_owned(),
            ecac_desde: desde,
            acesso,
            certificado_procurador: f.procurador.is_some(),
        }),
        _ => Err(erros),
    }
}

/// `GET /empresas`: the companies and, for an admin, the form to add one.
async fn empresas(State(estado): State<Estado>, ComSessao(s): ComSessao) -> Response {
    pagina_empresas(
        &estado,
        &s,
        StatusCode::OK,
        &FormEmpresa::default(),
        &BTreeMap::new(),
        None,
    )
    .await
}

async fn pagina_empresas(
    estado: &Estado,
    s: &Sessao,
    status: StatusCode,
    form: &FormEmpresa,
    erros: &BTreeMap<&'static str, String>,
    salva: Option<&str>,
) -> Response {
    let central = estado.ecac.central.clone();
    match ler("as empresas não puderam ser lidas do livro", move || {
        central.empresas()
    })
    .await
    {
        Ok(lista) => html(
            status,
            telas::empresas(s, &lista.empresas, form, erros, salva),
        ),
        Err(r) => r,
    }
}

/// `POST /empresas`: adds a company (admin), as `guiche ecac company add`.
async fn cadastrar(
    State(estado): State<Estado>,
    headers: HeaderMap,
    corpo: Bytes,
) -> Result<Response, Response> {
    let form = serde_urlencoded::from_bytes::<FormEmpresa>(&corpo).unwrap_or_default();
    let s = exigir_post(
        &estado,
        &headers,
        &form.csrf,
        Permissao::Administrar,
        Tela::Empresas,
    )
    .await?;
    let empresa = match ler_empresa(&form, None) {
        Ok(e) => e,
        Err(erros) => {
            return Ok(pagina_empresas(
                &estado,
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &erros,
                None,
            )
            .await);
        }
    };
    let central = estado.ecac.central.clone();
    match no_livro("o cadastro da empresa parou", move || {
        central.cadastrar_empresa(&empresa)
    })
    .await
    {
        Ok(salva) => {
            tracing::info!(empresa = %salva.empresa.cnpj, login = %s.login, "empresa do e-CAC cadastrada pela página");
            let nome = super::paginas::cnpj(&salva.empresa.cnpj);
            Ok(pagina_empresas(
                &estado,
                &s,
                StatusCode::OK,
                &FormEmpresa::default(),
                &BTreeMap::new(),
                Some(&format!("Empresa {nome} cadastrada.")),
            )
            .await)
        }
        Err(Ok(ErroEcac::EmpresaJaCadastrada(c))) => {
            let erros = BTreeMap::from([(
                "cnpj",
                format!("a empresa {c} já está cadastrada; altere-a na lista acima"),
            )]);
            Ok(pagina_empresas(&estado, &s, StatusCode::CONFLICT, &form, &erros, None).await)
        }
        Err(Ok(e)) => Err(falha("a empresa não pôde ser cadastrada", &e)),
        Err(Err(r)) => Err(r),
    }
}

/// A value read from a path segment by `ler`, or the 404 page of `tela` saying which `campo` was
/// not understood and why.
#[allow(clippy::result_large_err)] // the answer is the page the handler returns
fn do_caminho<T, E: std::fmt::Display>(
    s: &Sessao,
    texto: &str,
    ler: impl FnOnce(&str) -> Result<T, E>,
    tela: Tela,
    titulo: &str,
    campo: &str,
) -> Result<T, Response> {
    ler(texto).map_err(|e| {
        html(
            StatusCode::NOT_FOUND,
            super::paginas::aviso(
                Some((s, tela)),
                titulo,
                &format!("{campo} \"{texto}\": {e}."),
            ),
        )
    })
}

/// The CNPJ of a path, or the 404 page.
#[allow(clippy::result_large_err)] // the answer is the page the handler returns
fn cnpj_do_caminho(s: &Sessao, texto: &str) -> Result<Cnpj, Response> {
    do_caminho(
        s,
        texto,
        Cnpj::parse,
        Tela::Empresas,
        "Empresa não encontrada",
        "CNPJ",
    )
}

/// `GET /empresas/{cnpj}`: a company's settings, editable by an admin.
async fn empresa(
    State(estado): State<Estado>,
    ComSessao(s): ComSessao,
    Path(texto): Path<String>,
) -> Result<Response, Response> {
    let cnpj = cnpj_do_caminho(&s, &texto)?;
    let central = estado.ecac.central.clone();
    match no_livro("a empresa não pôde ser lida", move || {
        central.empresa(&cnpj)
    })
    .await
    {
        Ok(salva) => {
            let e = &salva.empresa;
            let form = FormEmpresa {
                csrf: String::new(),
                cnpj: e.cnpj.clone(),
                nome: e.nome.clone(),
                utiliza: e.ecac_desde.as_ref().map(|_| "sim".to_owned()),
                ecac_desde: e.ecac_desde.clone().unwrap_or_default(),
                acesso: e.acesso.clone(),
                procurador: e.certificado_procurador.then(|| "sim".to_owned()),
            };
            Ok(html(
                StatusCode::OK,
                telas::empresa(&s, e, &form, &BTreeMap::new(), None),
            ))
        }
        Err(Ok(e @ ErroEcac::EmpresaNaoCadastrada(_))) => Ok(html(
            StatusCode::NOT_FOUND,
            super::paginas::aviso(
                Some((&s, Tela::Empresas)),
                "Empresa não encontrada",
                &format!("{e}."),
            ),
        )),
        Err(Ok(e)) => Err(falha("a empresa não pôde ser lida", &e)),
        Err(Err(r)) => Err(r),
    }
}

/// `POST /empresas/{cnpj}`: changes every setting of the form (admin), as
/// `guiche ecac company set`.
async fn alterar(
    State(estado): State<Estado>,
    headers: HeaderMap,
    Path(texto): Path<String>,
    corpo: Bytes,
) -> Result<Response, Response> {
    let form = serde_urlencoded::from_bytes::<FormEmpresa>(&corpo).unwrap_or_default();
    let s = exigir_post(
        &estado,
        &headers,
        &form.csrf,
        Permissao::Administrar,
        Tela::Empresas,
    )
    .await?;
    let cnpj = cnpj_do_caminho(&s, &texto)?;
    let central = estado.ecac.central.clone();
    let nova = ler_empresa(&form, Some(cnpj));
    let atual = {
        let central = central.clone();
        match no_livro("a empresa não pôde ser lida", move || {
            central.empresa(&cnpj)
        })
        .await
        {
            Ok(a) => a,
            Err(Ok(e @ ErroEcac::EmpresaNaoCadastrada(_))) => {
                return Ok(html(
                    StatusCode::NOT_FOUND,
                    super::paginas::aviso(
                        Some((&s, Tela::Empresas)),
                        "Empresa não encontrada",
                        &format!("{e}."),
                    ),
                ));
            }
            Err(Ok(e)) => return Err(falha("a empresa não pôde ser lida", &e)),
            Err(Err(r)) => return Err(r),
        }
    };
    let nova = match nova {
        Ok(n) => n,
        Err(erros) => {
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                telas::empresa(&s, &atual.empresa, &form, &erros, None),
            ));
        }
    };
    let alteracao = AlteracaoEmpresa {
        nome: Some(nova.nome),
        ecac_desde: Some(nova.ecac_desde),
        acesso: Some(nova.acesso),
        certificado_procurador: Some(nova.certificado_procurador),
    };
    match no_livro("a alteração da empresa parou", move || {
        central.alterar_empresa(&cnpj, alteracao)
    })
    .await
    {
        Ok(salva) => {
            tracing::info!(empresa = %salva.empresa.cnpj, login = %s.login, "empresa do e-CAC alterada pela página");
            let mut form = form;
            form.csrf.clear();
            Ok(html(
                StatusCode::OK,
                telas::empresa(
                    &s,
                    &salva.empresa,
                    &form,
                    &BTreeMap::new(),
                    Some("Alterações salvas."),
                ),
            ))
        }
        Err(Ok(e)) => Err(falha("a empresa não pôde ser alterada", &e)),
        Err(Err(r)) => Err(r),
    }
}

// ── Gerenciar guias ───────────────────────────────────────────────────────────────────────

/// The filters of *Gerenciar guias*, as typed.
#[derive(Deserialize, Default, Clone, Debug)]
pub(crate) struct FiltroGuias {
    #[serde(default)]
    pub(crate) empresa: Option<String>,
    #[serde(default)]
    pub(crate) ocorrencia: Option<String>,
    #[serde(default)]
    pub(crate) periodo: Option<String>,
    /// `ocorrencia` (default) or `empresa`.
    #[serde(default)]
    pub(crate) agrupar: Option<String>,
    #[serde(default)]
    pub(crate) pagina: Option<String>,
}

impl FiltroGuias {
    /// The query of the use case, or each field's problem.
    fn consulta(&self) -> Result<ConsultaOcorrencias, BTreeMap<&'static str, String>> {
        let mut erros = BTreeMap::new();
        let empresa = preenchido(self.empresa.as_deref()).and_then(|t| {
            Documento::parse(t)
                .map_err(|e| erros.insert("empresa", format!("empresa \"{t}\": {e}")))
                .ok()
        });
        let periodo = preenchido(self.periodo.as_deref()).and_then(|t| {
            Competencia::parse(t)
                .map_err(|e| erros.insert("periodo", format!("período \"{t}\": {e} (use AAAAMM)")))
                .ok()
        });
        let ocorrencia = preenchido(self.ocorrencia.as_deref()).and_then(|t| {
            if telas::TIPOS.iter().any(|(c, _)| *c == t) {
                Some(t.to_owned())
            } else {
                erros.insert("ocorrencia", format!("ocorrência \"{t}\" desconhecida"));
                None
            }
        });
        let agrupar = match preenchido(self.agrupar.as_deref()) {
            None | Some("ocorrencia") => Agrupamento::Ocorrencia,
            Some("empresa") => Agrupamento::Empresa,
            Some(t) => {
                erros.insert(
                    "agrupar",
                    format!("agrupar \"{t}\": use ocorrência ou empresa"),
                );
                Agrupamento::Ocorrencia
            }
        };
        if erros.is_empty() {
            Ok(ConsultaOcorrencias {
                empresa,
                historico: None,
                agrupar,
                ocorrencia,
                periodo,
            })
        } else {
            Err(erros)
        }
    }

    /// The page asked for (1 when absent or unreadable).
    fn pagina(&self) -> usize {
        preenchido(self.pagina.as_deref())
            .and_then(|p| p.parse::<usize>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }

    /// The query string of these filters (page left out).
    pub(crate) fn query(&self) -> String {
        let pares: Vec<(&str, &str)> = [
            ("empresa", self.empresa.as_deref()),
            ("ocorrencia", self.ocorrencia.as_deref()),
            ("periodo", self.periodo.as_deref()),
            ("agrupar", self.agrupar.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| preenchido(v).map(|v| (k, v)))
        .collect();
        serde_urlencoded::to_string(pares).unwrap_or_default()
    }
}

/// `GET /guias`: the occurrences, filtered, grouped and paged.
async fn guias(
    State(estado): State<Estado>,
    ComSessao(s): ComSessao,
    Query(f): Query<FiltroGuias>,
) -> Response {
    let central = estado.ecac.central.clone();
    let consulta = f.consulta();
    let (status, erros, c) = match consulta {
        Ok(c) => (StatusCode::OK, BTreeMap::new(), Some(c)),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, e, None),
    };
    let dados = ler("as guias não puderam ser lidas do livro", move || {
        let lista = match c {
            Some(c) => Some(central.ocorrencias(&c)?),
            None => None,
        };
        Ok((central.empresas()?, lista))
    })
    .await;
    match dados {
        Ok((empresas, lista)) => html(
            status,
            telas::guias(&telas::Guias {
                sessao: &s,
                empresas: &empresas.empresas,
                filtro: &f,
                erros: &erros,
                lista: lista.as_ref(),
                pagina: f.pagina(),
            }),
        ),
        Err(r) => r,
    }
}

/// `GET /guias/exportar`: the XLSX of the current filter, the CLI's and the API's report.
async fn exportar(
    State(estado): State<Estado>,
    ComSessao(s): ComSessao,
    Query(f): Query<FiltroGuias>,
) -> Response {
    let c = match f.consulta() {
        Ok(c) => c,
        Err(erros) => {
            let texto: Vec<String> = erros.into_values().collect();
            return html(
                StatusCode::UNPROCESSABLE_ENTITY,
                super::paginas::aviso(
                    Some((&s, Tela::Guias)),
                    "Filtro inválido",
                    &format!("{}.", texto.join("; ")),
                ),
            );
        }
    };
    let central = estado.ecac.central.clone();
    match ler("a exportação das ocorrências parou", move || {
        central.exportar_ocorrencias(&c, FormatoPlanilha::Xlsx)
    })
    .await
    {
        Ok(feita) => {
            tracing::info!(login = %s.login, "ocorrências exportadas para Excel pela página");
            anexo(XLSX, "ocorrencias.xlsx", feita.bytes)
        }
        Err(r) => r,
    }
}

/// The document number of a path, or the 404 page.
#[allow(clippy::result_large_err)] // the answer is the page the handler returns
fn numero_do_caminho(s: &Sessao, texto: &str) -> Result<NumeroDocumento, Response> {
    do_caminho(
        s,
        texto,
        NumeroDocumento::parse,
        Tela::Guias,
        "Guia não encontrada",
        "Número do documento",
    )
}

/// `GET /guias/{numero}`: *Detalhes*, the document's occurrence history.
async fn detalhes(
    State(estado): State<Estado>,
    ComSessao(s): ComSessao,
    Path(texto): Path<String>,
) -> Result<Response, Response> {
    let numero = numero_do_caminho(&s, &texto)?;
    let central = estado.ecac.central.clone();
    let consulta = ConsultaOcorrencias {
        empresa: None,
        historico: Some(numero),
        agrupar: Agrupamento::Ocorrencia,
        ocorrencia: None,
        periodo: None,
    };
    match ler("o histórico da guia não pôde ser lido", move || {
        central.ocorrencias(&consulta)
    })
    .await
    {
        Ok(lista) => Ok(html(
            StatusCode::OK,
            telas::detalhes(&s, &numero.as_digitos(), &lista),
        )),
        Err(r) => Err(r),
    }
}

/// The CSRF field of a form.
#[derive(Deserialize, Default)]
struct FormCsrf {
    #[serde(default)]
    csrf: String,
}

/// `POST /guias/{numero}/comprovante`: *Comprovante de pag. e-CAC*, the proof's PDF from
/// SERPRO (a billed call: operador, and a POST), as `guiche ecac proof`.
async fn comprovante(
    State(estado): State<Estado>,
    headers: HeaderMap,
    Path(texto): Path<String>,
    corpo: Bytes,
) -> Result<Response, Response> {
    let form = serde_urlencoded::from_bytes::<FormCsrf>(&corpo).unwrap_or_default();
    let s = exigir_post(
        &estado,
        &headers,
        &form.csrf,
        Permissao::Enviar,
        Tela::Guias,
    )
    .await?;
    let numero = numero_do_caminho(&s, &texto)?;
    let servico = match estado.serpro.comprovante.obter() {
        Ok(sv) => sv,
        Err(m) => {
            return Ok(html(
                StatusCode::SERVICE_UNAVAILABLE,
                super::paginas::aviso(
                    Some((&s, Tela::Guias)),
                    "Comprovante indisponível",
                    &format!("{m}."),
                ),
            ));
        }
    };
    match servico.comprovante(numero).await {
        Ok(c) => {
            tracing::info!(login = %s.login, numero = %c.numero_documento, "comprovante baixado pela página");
            Ok(anexo(
                "application/pdf",
                &format!("comprovante-{}.pdf", numero.as_digitos()),
                c.pdf,
            ))
        }
        Err(e) => {
            tracing::warn!(erro = %e, "o comprovante não pôde ser obtido");
            Ok(html(
                StatusCode::BAD_GATEWAY,
                super::paginas::aviso(
                    Some((&s, Tela::Guias)),
                    "Comprovante não obtido",
                    &format!("{}.", super::capitalizar(&e.to_string())),
                ),
            ))
        }
    }
}

// ── Localizar guia ────────────────────────────────────────────────────────────────────────

/// The fields of *Localizar guia*.
#[derive(Deserialize, Default, Clone, Debug)]
pub(crate) struct FormLocalizar {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) empresa: Option<String>,
    #[serde(default)]
    pub(crate) periodo: Option<String>,
}

impl FormLocalizar {
    /// The company and period, or each field's problem.
    fn ler(
        &self,
        exigir_periodo: bool,
    ) -> Result<(Cnpj, Option<Competencia>), BTreeMap<&'static str, String>> {
        let mut erros = BTreeMap::new();
        let empresa = match preenchido(self.empresa.as_deref()) {
            None => {
                erros.insert("empresa", "escolha a empresa".to_owned());
                None
            }
            Some(t) => Cnpj::parse(t)
                .map_err(|e| erros.insert("empresa", format!("empresa \"{t}\": {e}")))
                .ok(),
        };
        let periodo = match preenchido(self.periodo.as_deref()) {
            None if exigir_periodo => {
                erros.insert(
                    "periodo",
                    "gerar uma nova guia pede o período de apuração (AAAAMM)".to_owned(),
                );
                None
            }
            None => None,
            Some(t) => Competencia::parse(t)
                .map_err(|e| erros.insert("periodo", format!("período \"{t}\": {e} (use AAAAMM)")))
                .ok(),
        };
        match empresa {
            Some(e) if erros.is_empty() => Ok((e, periodo)),
            _ => Err(erros),
        }
    }
}

/// `GET /localizar`: the form, and with `empresa` the company's guides.
async fn localizar(
    State(estado): State<Estado>,
    ComSessao(s): ComSessao,
    Query(f): Query<FormLocalizar>,
) -> Response {
    let pedido = preenchido(f.empresa.as_deref()).is_some();
    localizar_e_mostrar(&estado, &s, &f, pedido, false).await
}

/// `POST /localizar`: generates the period's DAS through SERPRO (operador), then lists the
/// company's guides, as `guiche ecac locate --emitir`.
async fn emitir(
    State(estado): State<Estado>,
    headers: HeaderMap,
    corpo: Bytes,
) -> Result<Response, Response> {
    let f = serde_urlencoded::from_bytes::<FormLocalizar>(&corpo).unwrap_or_default();
    let s = exigir_post(
        &estado,
        &headers,
        &f.csrf,
        Permissao::Enviar,
        Tela::Localizar,
    )
    .await?;
    Ok(localizar_e_mostrar(&estado, &s, &f, true, true).await)
}

async fn localizar_e_mostrar(
    estado: &Estado,
    s: &Sessao,
    f: &FormLocalizar,
    pedido: bool,
    gerar: bool,
) -> Response {
    let central = estado.ecac.central.clone();
    let empresas = match ler("as empresas não puderam ser lidas do livro", move || {
        central.empresas()
    })
    .await
    {
        Ok(l) => l.empresas,
        Err(r) => return r,
    };
    let mut tela = telas::Localizar {
        sessao: s,
        empresas: &empresas,
        form: f,
        erros: BTreeMap::new(),
        resultado: None,
        falha: None,
        gerada: false,
    };
    if !pedido {
        return html(StatusCode::OK, telas::localizar(&tela));
    }
    let (cnpj, periodo) = match f.ler(gerar) {
        Ok(x) => x,
        Err(erros) => {
            tela.erros = erros;
            return html(StatusCode::UNPROCESSABLE_ENTITY, telas::localizar(&tela));
        }
    };
    let servico = match estado.serpro.localizar.obter() {
        Ok(sv) => sv,
        Err(m) => {
            tela.falha = Some(format!("{m}."));
            return html(StatusCode::SERVICE_UNAVAILABLE, telas::localizar(&tela));
        }
    };
    match servico.localizar(cnpj, periodo, gerar).await {
        Ok(l) => {
            if gerar {
                tracing::info!(login = %s.login, empresa = %cnpj, "DAS gerado pela página");
            }
            tela.gerada = gerar;
            tela.resultado = Some(l);
            html(StatusCode::OK, telas::localizar(&tela))
        }
        Err(e) => {
            tracing::warn!(erro = %e, "localizar guia falhou");
            tela.falha = Some(format!("{}.", super::capitalizar(&e.to_string())));
            html(StatusCode::BAD_GATEWAY, telas::localizar(&tela))
        }
    }
}

// ── Importar pelo certificado A3 ──────────────────────────────────────────────────────────

/// `GET /importar`: the upload forms (payments of A3 companies; guides).
async fn importar(State(estado): State<Estado>, headers: HeaderMap) -> Response {
    match exigir_sessao(&estado, &headers).await {
        Ok(s) => html(StatusCode::OK, telas::importar(&s, None)),
        Err(r) => r,
    }
}

/// What an import did, for the page.
pub(crate) enum Importado {
    /// Payments imported and reconciled.
    Pagamentos(guiche_aplicacao::ecac::baixa::ResumoBaixa),
    /// Guides imported.
    Guias(guiche_aplicacao::ecac::central::ImportacaoGuias),
    /// The file was refused: the sentence and each line's problem.
    Recusado(String, Vec<guiche_domain::Violacao>),
}

/// `POST /importar` (`multipart/form-data`: `csrf`, `tipo` = `pagamentos`|`guias`,
/// `arquivo`): the same parsers and use cases as `guiche ecac import`/`ecac guides import`
/// (operador).
async fn importar_arquivo(
    State(estado): State<Estado>,
    ComSessao(s): ComSessao,
    m: axum::extract::Multipart,
) -> Result<Response, Response> {
    let f = Formulario::ler(m).await?;
    conferir_csrf(&s, &f.texto("csrf"))?;
    let s = permitir(s, Permissao::Enviar, Tela::Importar)?;
    let tipo = f.texto("tipo");
    let Some(dados) = f
        .bytes("arquivo")
        .filter(|b| !b.is_empty())
        .map(<[u8]>::to_vec)
    else {
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            telas::importar(
                &s,
                Some(&Importado::Recusado(
                    "Escolha o arquivo CSV a importar.".to_owned(),
                    Vec::new(),
                )),
            ),
        ));
    };
    let origem = f
        .nome_do_arquivo("arquivo")
        .filter(|n| !n.is_empty())
        .unwrap_or("arquivo enviado")
        .to_owned();
    let central = estado.ecac.central.clone();
    let r = if tipo == "guias" {
        no_livro("a importação das guias parou", move || {
            central
                .importar_guias(&dados, &origem)
                .map(Importado::Guias)
        })
        .await
    } else {
        no_livro("a importação dos pagamentos parou", move || {
            central
                .importar_pagamentos(&dados, &origem)
                .map(Importado::Pagamentos)
        })
        .await
    };
    match r {
        Ok(i) => {
            tracing::info!(login = %s.login, tipo = %tipo, "arquivo importado pela página");
            Ok(html(StatusCode::OK, telas::importar(&s, Some(&i))))
        }
        Err(Ok(e @ ErroEcac::Leitura { .. })) => {
            let violacoes = guiche_aplicacao::Classificar::violacoes(&e).to_vec();
            let texto = match &e {
                ErroEcac::Leitura { origem, .. } => {
                    format!("O arquivo {origem} não foi importado (nada foi gravado):")
                }
                _ => String::new(),
            };
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                telas::importar(&s, Some(&Importado::Recusado(texto, violacoes))),
            ))
        }
        Err(Ok(e)) => Err(falha("a importação falhou", &e)),
        Err(Err(r)) => Err(r),
    }
}

// ── Sincronizar agora ─────────────────────────────────────────────────────────────────────

/// `POST /sincronizar`: starts, in the background, the same round as `guiche ecac sync` (every
/// A1 and access-code company with an e-CAC start date), unless this server's round is still
/// running (then its progress is shown: one round, whoever presses). Operador.
async fn sincronizar(
    State(estado): State<Estado>,
    headers: HeaderMap,
    corpo: Bytes,
) -> Result<Response, Response> {
    let form = serde_urlencoded::from_bytes::<FormCsrf>(&corpo).unwrap_or_default();
    let s = exigir_post(
        &estado,
        &headers,
        &form.csrf,
        Permissao::Enviar,
        Tela::Inicio,
    )
    .await?;
    let central = estado.ecac.central.clone();
    let empresas = ler("as empresas não puderam ser lidas do livro", move || {
        central.empresas()
    })
    .await?
    .empresas;
    let lista: Vec<(String, String, Andamento)> = empresas
        .iter()
        .filter(|e| e.ecac_desde.is_some() && (e.acesso == "a1" || e.acesso == "codigo"))
        .map(|e| {
            (
                super::paginas::cnpj(&e.cnpj),
                e.nome.clone(),
                Andamento::Pendente,
            )
        })
        .collect();
    {
        let Ok(mut vez) = estado.web_ecac.rodada.lock() else {
            return Err(falha(
                "iniciar a sincronização",
                &"estado da rodada inconsistente",
            ));
        };
        if vez.as_ref().is_some_and(|r| !r.terminada) {
            return Ok(ir_para("/sincronizacao"));
        }
        *vez = Some(Rodada {
            por: s.login.clone(),
            inicio: agora_brasilia(),
            empresas: lista,
            terminada: false,
            erro: None,
        });
    }
    tracing::info!(login = %s.login, "sincronização do e-CAC pedida pela página");
    let baixa = estado.ecac.baixa.clone();
    let rodada = estado.web_ecac.rodada.clone();
    let voo = estado.andamento.entrar();
    tokio::spawn(async move {
        let _voo = voo;
        let vez = Arc::clone(&rodada);
        let relatar = Arc::new(move |e: &SincronizacaoEmpresa| {
            if let Ok(mut vez) = vez.lock()
                && let Some(r) = vez.as_mut()
            {
                registrar(r, e);
            }
        });
        let feita = baixa.sincronizar_empresas_relatando(None, relatar).await;
        let Ok(mut vez) = rodada.lock() else {
            return;
        };
        let Some(r) = vez.as_mut() else {
            return;
        };
        match feita {
            Ok(feita) => {
                for e in &feita.empresas {
                    registrar(r, e);
                }
                // A distributed round: the companies other servers took are in their results.
                for linha in &mut r.empresas {
                    if linha.2 == Andamento::Pendente {
                        linha.2 = Andamento::Pulada(
                            "sincronizada por outro servidor da mesma rodada".to_owned(),
                        );
                    }
                }
            }
            Err(e) => r.erro = Some(e.to_string()),
        }
        r.terminada = true;
        tracing::info!("sincronização do e-CAC pedida pela página concluída");
    });
    Ok(ir_para("/sincronizacao"))
}

/// Puts a company's outcome in the round's table (a company the table did not list is added).
fn registrar(r: &mut Rodada, e: &SincronizacaoEmpresa) {
    let (origem, andamento) = match e {
        SincronizacaoEmpresa::Feita(b) => (
            &b.origem,
            Andamento::Feita(format!(
                "{} pagamento(s) recebido(s), {} novo(s); {} guia(s) baixada(s); {} ocorrência(s) nova(s)",
                b.pagamentos_recebidos, b.pagamentos_novos, b.guias_baixadas, b.ocorrencias_novas
            )),
        ),
        SincronizacaoEmpresa::Pulada { origem, pulada } => {
            (origem, Andamento::Pulada(pulada.clone()))
        }
        SincronizacaoEmpresa::Falhou { origem, erro, .. } => {
            (origem, Andamento::Falhou(erro.mensagem.clone()))
        }
    };
    match r.empresas.iter_mut().find(|(c, _, _)| c == origem) {
        Some(linha) => linha.2 = andamento,
        None => r.empresas.push((origem.clone(), String::new(), andamento)),
    }
}

/// `GET /sincronizacao`: the round's progress (the page reloads itself while it runs).
async fn progresso(State(estado): State<Estado>, ComSessao(s): ComSessao) -> Response {
    let rodada = estado
        .web_ecac
        .rodada
        .lock()
        .map(|r| r.clone())
        .unwrap_or(None);
    html(StatusCode::OK, telas::progresso(&s, rodada.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(utiliza: bool, desde: &str, acesso: &str) -> FormEmpresa {
        FormEmpresa {
            cnpj: "11.444.777/0001-61".into(),
            nome: " Padaria ".into(),
            utiliza: utiliza.then(|| "sim".to_owned()),
            ecac_desde: desde.into(),
            acesso: acesso.into(),
            procurador: Some("sim".into()),
            ..FormEmpresa::default()
        }
    }

    #[test]
    fn the_company_form_becomes_the_company_or_each_fields_problem() {
        let e = ler_empresa(&form(true, "2026-01-01", "a1"), None).unwrap();
        assert_eq!(e.cnpj.as_str(), "11444777000161");
        assert_eq!(e.nome, "Padaria");
        assert_eq!(e.ecac_desde.map(|d| d.iso()).as_deref(), Some("2026-01-01"));
        assert!(e.certificado_procurador && e.acesso == Acesso::CertificadoA1);
        // Without Utiliza e-CAC the date is ignored.
        let e = ler_empresa(&form(false, "lixo", "codigo"), None).unwrap();
        assert_eq!(e.ecac_desde, None);
        let mut ruim = form(true, "", "");
        ruim.cnpj = "11444777000100".into();
        let erros = ler_empresa(&ruim, None).unwrap_err();
        assert_eq!(
            erros.keys().copied().collect::<Vec<_>>(),
            ["acesso", "cnpj", "ecac_desde"]
        );
        assert!(erros["cnpj"].contains("11444777000100"), "{erros:?}");
        let erros = ler_empresa(&form(true, "2026-02-30", "a9"), None).unwrap_err();
        assert!(erros["ecac_desde"].contains("2026-02-30"), "{erros:?}");
        assert!(erros["acesso"].contains("a9"), "{erros:?}");
    }

    #[test]
    fn each_outcome_updates_its_company_and_an_unlisted_one_is_added() {
        let mut r = Rodada {
            por: "olga".into(),
            inicio: String::new(),
            empresas: vec![(
                "11.444.777/0001-61".into(),
                "Padaria".into(),
                Andamento::Pendente,
            )],
            terminada: false,
            erro: None,
        };
        registrar(
            &mut r,
            &SincronizacaoEmpresa::Pulada {
                origem: "11.444.777/0001-61".into(),
                pulada: "em sincronização por outro processo".into(),
            },
        );
        assert_eq!(
            r.empresas[0].2,
            Andamento::Pulada("em sincronização por outro processo".into())
        );
        registrar(
            &mut r,
            &SincronizacaoEmpresa::Falhou {
                origem: "rodada".into(),
                erro: guiche_aplicacao::ecac::baixa::MensagemErro {
                    mensagem: "o livro caiu".into(),
                },
                natureza: guiche_aplicacao::Natureza::Livro,
            },
        );
        assert_eq!(r.empresas.len(), 2);
        assert_eq!(r.empresas[1].2, Andamento::Falhou("o livro caiu".into()));
    }

    #[test]
    fn the_guides_filter_reads_its_fields_and_keeps_them_in_the_links() {
        let f = FiltroGuias {
            empresa: Some("11444777000161".into()),
            ocorrencia: Some("vencida".into()),
            periodo: Some("202609".into()),
            agrupar: Some("empresa".into()),
            pagina: Some("2".into()),
        };
        let c = f.consulta().unwrap();
        assert_eq!(c.agrupar, Agrupamento::Empresa);
        assert_eq!(c.ocorrencia.as_deref(), Some("vencida"));
        assert_eq!(c.periodo.map(|p| p.compacta()).as_deref(), Some("202609"));
        assert_eq!(f.pagina(), 2);
        assert_eq!(
            f.query(),
            "empresa=11444777000161&ocorrencia=vencida&periodo=202609&agrupar=empresa"
        );
        let ruim = FiltroGuias {
            periodo: Some("2026-13".into()),
            ocorrencia: Some("x".into()),
            pagina: Some("0".into()),
            ..FiltroGuias::default()
        };
        let erros = ruim.consulta().unwrap_err();
        assert_eq!(
            erros.keys().copied().collect::<Vec<_>>(),
            ["ocorrencia", "periodo"]
        );
        assert_eq!(ruim.pagina(), 1);
    }
}
