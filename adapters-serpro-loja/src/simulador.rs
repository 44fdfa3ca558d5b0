//! A simulator of SERPRO's commercial APIs on loopback (plain HTTP), faithful to the public
//! trial (`reference/anchors-2026.md` §1):
//!
//! - `POST /token`: `Content-Type: application/x-www-form-urlencoded` (else 415), `Basic` of a
//!   registered consumer (else 401 `invalid_client`), `grant_type=client_credentials` (else
//!   400); answers [`TokenDto`] (`expires_in` counts down, as WSO2's does).
//! - The production paths need a live token issued here; the `-trial` paths need the public
//!   bearer [`BEARER_TRIAL`] (else 401 with a WSO2 `fault`). A path that is neither is 403, as
//!   the gateway answers a wrong path.
//! - `GET …/consulta-cpf-df[-trial]/v2/cpf/{ni}`: the 16 trial CPFs with a documented answer
//!   ([`CPFS_TRIAL`]: situations, names, dates, the "REGULAR" in upper case, the 9-digit birth
//!   date, the deaths); an invalid number 400; any other valid CPF — the four listed by SERPRO
//!   without an answer included — 404 `Nenhum registro encontrado.` in plain text.
//! - `GET …/consulta-cnpj-df[-trial]/v2/{basica|qsa|empresa}/{ni}`: the five trial CNPJs
//!   ([`CNPJS_TRIAL`]); 34.238.864/0001-68 answers the recorded vectors byte for byte (`/qsa`
//!   is `/empresa` without the partners' `cpf`); the others the same record with their number
//!   and situation code. Others 404 in plain text.
//! - `POST …/consulta-cnd[-trial]/v1/certidao`: the CND of a few trial numbers
//!   ([`CNDS_TRIAL`]; invented, no trial answer is published) and of the numbers set with
//!   [`SimuladorLoja::definir_cnd`], others 404.
//!
//! Every request is recorded with its path, `X-Request-Tag` and status
//! ([`SimuladorLoja::chamadas`]). Faults (a status before processing, a late answer) are queued
//! with [`SimuladorLoja::injetar`] and met one per authorized query.

use crate::wire::{self, BEARER_TRIAL, CodigoDto, CpfDto, PedidoCnd, TokenDto, caminhos};
use base64::Engine;
use guiche_domain::{Cnpj, Cpf};
use guiche_simulador::falha::Fila;
use guiche_simulador::{ConexaoDerrubada, Resposta, Servico, json, resposta};
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The recorded `/basica` answer of 34.238.864/0001-68 (golden vector).
pub const VETOR_CNPJ_BASICA: &str =
    include_str!("../tests/vetores/cnpj-basica-34238864000168.json");
/// The recorded `/empresa` answer of 34.238.864/0001-68 (golden vector).
pub const VETOR_CNPJ_EMPRESA: &str =
    include_str!("../tests/vetores/cnpj-empresa-34238864000168.json");
/// The gateway's 404 body, plain text (golden vector).
pub const VETOR_404: &str = include_str!("../tests/vetores/erro-404.txt");

/// The trial CPFs with a documented answer: (CPF, situation code, description as the trial
/// writes it, birth date as sent, year of death).
pub const CPFS_TRIAL: [(&str, &str, &str, &str, Option<&str>); 16] = [
    ("40442820135", "0", "Regular", "14111970", None),
    ("63017285995", "0", "Regular", "26121964", None),
    ("91708635203", "0", "Regular", "03011943", None),
    ("58136053391", "0", "REGULAR", "20111972", None),
    ("40532176871", "2", "Suspensa", "22031982", None),
    ("47123586964", "2", "Suspensa", "29051940", None),
    (
        "07691852312",
        "4",
        "Pendente de Regularização",
        "13082000",
        None,
    ),
    (
        "10975384600",
        "4",
        "Pendente de Regularização",
        "01091975",
        None,
    ),
    (
        "01648527949",
        "5",
        "Cancelada por Multiplicidade",
        "18021996",
        None,
    ),
    (
        "47893062592",
        "5",
        "Cancelada por Multiplicidade",
        "21031986",
        None,
    ),
    ("98302514705", "8", "Nula", "05101999", None),
    ("18025346790", "8", "Nula", "140712001", None),
    ("64913872591", "9", "Cancelada de Oficio", "22041956", None),
    ("52389071686", "9", "Cancelada de Oficio", "27051942", None),
    (
        "05137518743",
        "3",
        "TITULAR FALECIDO",
        "05071965",
        Some("2019"),
    ),
    (
        "08849979878",
        "3",
        "TITULAR FALECIDO",
        "23031980",
        Some("2020"),
    ),
];

/// The CPFs SERPRO lists for the trial without a documented answer: 404, as any other number.
pub const CPFS_SEM_RESPOSTA: [&str; 4] =
    ["47856021985", "23479805647", "49852036700", "28769150494"];

/// The trial CNPJs and their `situacaoCadastral.codigo`.
pub const CNPJS_TRIAL: [(&str, &str); 5] = [
    ("34238864000168", "2"),
    ("54447820000155", "3"),
    ("46768703000165", "4"),
    ("31151791000184", "8"),
    ("34428654000132", "1"),
];

/// The CND each simulated number answers (`TipoCertidao`); any other number is 404.
pub const CNDS_TRIAL: [(&str, &str); 4] = [
    ("34238864000168", "Negativa"),
    ("54447820000155", "Positiva com Efeitos de Negativa"),
    ("46768703000165", "Positiva"),
    ("40442820135", "Negativa"),
];

/// How the simulator starts.
#[derive(Clone, Debug)]
pub struct ConfigSimuladorLoja {
    /// Port on 127.0.0.1 (0: any free port).
    pub porta: u16,
    /// `expires_in` of the tokens handed out (the gateway's are about 55 min).
    pub validade_token: Duration,
}

impl Default for ConfigSimuladorLoja {
    fn default() -> ConfigSimuladorLoja {
        ConfigSimuladorLoja {
            porta: 0,
            validade_token: Duration::from_secs(3295),
        }
    }
}

/// A fault met by the next authorized query, one per query, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FalhaLoja {
    /// Answer this status without processing (429, 500, 502, 504…), body in plain text.
    Status(u16),
    /// Process as usual, then hold the answer this long (a client timeout after the query was
    /// answered, and billed).
    Atrasada(Duration),
}

/// One request the simulator received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChamadaLoja {
    /// HTTP method.
    pub metodo: String,
    /// Path.
    pub caminho: String,
    /// The `X-Request-Tag` header, when sent.
    pub etiqueta: Option<String>,
    /// The status answered.
    pub status: u16,
    /// When it arrived.
    pub instante: std::time::SystemTime,
}

/// What a simulated CPF answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpfSimulado {
    /// The status: 200, 206 (partial) or 422 (a minor's data).
    pub status: u16,
    /// The body of a 200 or 206.
    pub dados: CpfDto,
}

#[derive(Default)]
struct Interno {
    consumidores: HashMap<String, String>,
    tokens: HashMap<String, Instant>,
    /// The live token of each consumer key: WSO2 hands the same one out again, with its
    /// remaining life, until it expires.
    por_consumidor: HashMap<String, String>,
    cpfs: HashMap<String, CpfSimulado>,
    /// The CND of each number (digits): `TipoCertidao` and the validity of a certificate.
    cnds: HashMap<String, (String, Option<guiche_domain::Data>)>,
    falhas: Fila<FalhaLoja>,
    chamadas: Vec<ChamadaLoja>,
}

struct Estado {
    interno: Mutex<Interno>,
    validade: Duration,
    tokens_emitidos: AtomicUsize,
}

impl Estado {
    fn com<T>(&self, f: impl FnOnce(&mut Interno) -> T) -> Option<T> {
        self.interno.lock().ok().map(|mut e| f(&mut e))
    }
}

/// The running simulator; stops when dropped.
pub struct SimuladorLoja {
    servico: Servico<Estado>,
}

impl std::fmt::Debug for SimuladorLoja {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimuladorLoja")
            .field("endereco", &self.servico.endereco())
            .finish_non_exhaustive()
    }
}

/// The name the trial gives a CPF: `Nome do CPF 404.428.201-35`.
pub fn nome_trial(cpf: &str) -> String {
    let p = |i: usize, j: usize| cpf.get(i..j).unwrap_or_default();
    format!(
        "Nome do CPF {}.{}.{}-{}",
        p(0, 3),
        p(3, 6),
        p(6, 9),
        p(9, 11)
    )
}

impl SimuladorLoja {
    /// Starts the simulator inside a Tokio runtime, with the trial's CPFs.
    ///
    /// # Errors
    /// The port cannot be bound, or there is no Tokio runtime.
    pub fn iniciar(config: ConfigSimuladorLoja) -> std::io::Result<SimuladorLoja> {
        let mut interno = Interno::default();
        for (cpf, codigo, descricao, nascimento, obito) in CPFS_TRIAL {
            let dados = CpfDto {
                ni: Some(cpf.to_owned()),
                nome: Some(nome_trial(cpf)),
                situacao: Some(CodigoDto {
                    codigo: Some(codigo.to_owned()),
                    descricao: Some(descricao.to_owned()),
                }),
                nascimento: Some(nascimento.to_owned()),
                obito: obito.map(str::to_owned),
                ..CpfDto::default()
            };
            interno
                .cpfs
                .insert(cpf.to_owned(), CpfSimulado { status: 200, dados });
        }
        for (ni, tipo) in CNDS_TRIAL {
            let validade = guiche_domain::Data::new(2027, 5, 1).ok();
            interno
                .cnds
                .insert(ni.to_owned(), (tipo.to_owned(), validade));
        }
        let estado = Estado {
            interno: Mutex::new(interno),
            validade: config.validade_token,
            tokens_emitidos: AtomicUsize::new(0),
        };
        let servico = Servico::iniciar(config.porta, "SERPRO Loja", |_| estado, atender)?;
        Ok(SimuladorLoja { servico })
    }

    /// `http://127.0.0.1:PORT` (what `GUICHE_SERPRO_LOJA_URL` points to).
    pub fn url_base(&self) -> String {
        self.servico.raiz()
    }

    /// Registers a contract's consumer key and secret.
    pub fn cadastrar_consumidor(&self, key: &str, secret: &str) {
        self.servico.estado().com(|e| {
            e.consumidores.insert(key.to_owned(), secret.to_owned());
        });
    }

    /// Sets (or replaces) what `cpf` answers (a 422 for a minor, a 206…).
    pub fn definir_cpf(&self, cpf: &Cpf, simulado: CpfSimulado) {
        self.servico.estado().com(|e| {
            e.cpfs.insert(cpf.as_str().to_owned(), simulado);
        });
    }

    /// Sets (or replaces) the CND `documento` answers: its situation and, for a certificate
    /// (not positive), its validity (`None`: the service sends none).
    pub fn definir_cnd(
        &self,
        documento: &guiche_domain::Documento,
        situacao: guiche_ports::consulta::SituacaoCnd,
        validade: Option<guiche_domain::Data>,
    ) {
        let tipo = match situacao {
            guiche_ports::consulta::SituacaoCnd::Negativa => "Negativa",
            guiche_ports::consulta::SituacaoCnd::PositivaComEfeitosDeNegativa => {
                "Positiva com Efeitos de Negativa"
            }
            guiche_ports::consulta::SituacaoCnd::Positiva => "Positiva",
        };
        self.servico.estado().com(|e| {
            e.cnds
                .insert(documento.as_str().to_owned(), (tipo.to_owned(), validade));
        });
    }

    /// Queues a fault for the next authorized query.
    pub fn injetar(&self, falha: FalhaLoja) {
        self.servico.estado().com(|e| e.falhas.injetar(falha));
    }

    /// Every request received so far, token requests included, in order.
    pub fn chamadas(&self) -> Vec<ChamadaLoja> {
        self.servico
            .estado()
            .com(|e| e.chamadas.clone())
            .unwrap_or_default()
    }

    /// SERPRO's monthly consumption report of the queries served so far (token requests
    /// excluded, in the order they came), as the client area gives it: the CSV
    /// `guiche serpro usage --conferir` reads. `QUANTIDADE` follows the published tables
    /// ([`crate::bilhetagem`]); `CNPJ/CPF` is blank (the simulator does not know the
    /// contract's holder).
    pub fn relatorio_consumo(&self) -> String {
        use crate::bilhetagem::{NAO_BILHETADOS_CNPJ, NAO_BILHETADOS_CPF};
        let linhas: Vec<_> = self
            .chamadas()
            .into_iter()
            .filter(|c| c.caminho != caminhos::TOKEN)
            .map(|c| {
                let isentos: &[u16] = if c.caminho.starts_with("/consulta-cnpj") {
                    &NAO_BILHETADOS_CNPJ
                } else {
                    &NAO_BILHETADOS_CPF
                };
                guiche_domain::serpro::consumo::LinhaConsumo {
                    instante: c.instante,
                    documento: String::new(),
                    url: c.caminho,
                    status: c.status,
                    ip: "127.0.0.1".to_owned(),
                    etiqueta: c.etiqueta,
                    bilhetada: !isentos.contains(&c.status),
                }
            })
            .collect();
        guiche_domain::serpro::consumo::escrever(&linhas)
    }

    /// How many distinct tokens were issued (a live token handed out again is not counted).
    pub fn tokens_emitidos(&self) -> usize {
        self.servico.estado().tokens_emitidos.load(Ordering::SeqCst)
    }

    /// Makes every token issued so far expired: the next query with one gets 401.
    pub fn expirar_tokens(&self) {
        let agora = Instant::now();
        self.servico.estado().com(|e| {
            e.tokens.values_mut().for_each(|t| *t = agora);
        });
    }
}

fn texto(status: StatusCode, corpo: &str) -> Resposta {
    resposta(status, Some("text/html; charset=utf-8"), corpo.to_owned())
}

fn nao_encontrado() -> Resposta {
    texto(StatusCode::NOT_FOUND, VETOR_404)
}

/// The API a path names, and whether it is a trial path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Api {
    Cpf,
    Cnpj,
    Cnd,
}

fn rota(caminho: &str) -> Option<(Api, bool, &str)> {
    let (api, resto) = [
        ("/consulta-cpf-df-trial/v2/cpf/", (Api::Cpf, true)),
        ("/consulta-cpf-df/v2/cpf/", (Api::Cpf, false)),
        ("/consulta-cnpj-df-trial/v2/", (Api::Cnpj, true)),
        ("/consulta-cnpj-df/v2/", (Api::Cnpj, false)),
        ("/consulta-cnd-trial/v1/certidao", (Api::Cnd, true)),
        ("/consulta-cnd/v1/certidao", (Api::Cnd, false)),
    ]
    .into_iter()
    .find_map(|(p, a)| caminho.strip_prefix(p).map(|r| (a, r)))?;
    Some((api.0, api.1, resto))
}

async fn atender(c: Arc<Estado>, req: Request<Incoming>) -> Result<Resposta, ConexaoDerrubada> {
    let instante = std::time::SystemTime::now();
    let caminho = req.uri().path().to_owned();
    let metodo = req.method().to_string();
    let etiqueta = req
        .headers()
        .get("x-request-tag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (resposta, atraso) = processar(&c, req, &caminho).await;
    c.com(|e| {
        e.chamadas.push(ChamadaLoja {
            metodo,
            caminho,
            etiqueta,
            status: resposta.status().as_u16(),
            instante,
        });
    });
    if let Some(d) = atraso {
        tokio::time::sleep(d).await;
    }
    Ok(resposta)
}

async fn processar(
    c: &Estado,
    req: Request<Incoming>,
    caminho: &str,
) -> (Resposta, Option<Duration>) {
    if caminho == caminhos::TOKEN {
        if req.method() != Method::POST {
            return (texto(StatusCode::METHOD_NOT_ALLOWED, "use POST"), None);
        }
        return (emitir_token(req, c).await, None);
    }
    let Some((api, trial, resto)) = rota(caminho) else {
        return (
            json(
                StatusCode::FORBIDDEN,
                serde_json::json!({"fault": {"code": 900908, "message": "Resource forbidden", "description": "caminho não contratado"}}),
            ),
            None,
        );
    };
    if !autorizado(&req, c, trial) {
        return (
            json(
                StatusCode::UNAUTHORIZED,
                serde_json::json!({"fault": {"code": 900901, "message": "Invalid Credentials", "description": "token ausente, inválido ou expirado"}}),
            ),
            None,
        );
    }
    let atraso = match c.com(|e| e.falhas.chegada()).flatten() {
        Some(FalhaLoja::Status(s)) => {
            let status = StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (texto(status, "falha injetada no simulador"), None);
        }
        Some(FalhaLoja::Atrasada(d)) => Some(d),
        None => None,
    };
    let r = match (api, req.method()) {
        (Api::Cpf, &Method::GET) => cpf(c, resto),
        (Api::Cnpj, &Method::GET) => cnpj(resto),
        (Api::Cnd, &Method::POST) => cnd(c, req).await,
        _ => texto(StatusCode::METHOD_NOT_ALLOWED, "método não permitido"),
    };
    (r, atraso)
}

async fn emitir_token(req: Request<Incoming>, c: &Estado) -> Resposta {
    let Some(guiche_simulador::PedidoToken {
        basic,
        formulario: form,
    }) = guiche_simulador::pedido_de_token(req).await
    else {
        return texto(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type deve ser application/x-www-form-urlencoded",
        );
    };
    let Some(consumidor) = consumidor_valido(c, basic.as_deref()) else {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"error": "invalid_client", "error_description": "A client authentication failed"}),
        );
    };
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "unsupported_grant_type", "error_description": "grant_type deve ser client_credentials"}),
        );
    }
    let agora = Instant::now();
    let vigente = c
        .com(|e| {
            let token = e.por_consumidor.get(&consumidor)?;
            let expira = *e.tokens.get(token)?;
            (agora < expira).then(|| (token.clone(), expira))
        })
        .flatten();
    let (token, expira) = match vigente {
        Some(t) => t,
        None => {
            let n = c.tokens_emitidos.fetch_add(1, Ordering::SeqCst) + 1;
            let token = format!("{n:08x}{:024x}", u128::from(std::process::id()));
            let expira = agora + c.validade;
            c.com(|e| {
                e.tokens.insert(token.clone(), expira);
                e.por_consumidor.insert(consumidor, token.clone());
            });
            (token, expira)
        }
    };
    json(
        StatusCode::OK,
        TokenDto {
            scope: Some("am_application_scope default".into()),
            token_type: Some("Bearer".into()),
            expires_in: Some(expira.saturating_duration_since(agora).as_secs()),
            access_token: token,
        },
    )
}

/// The consumer key of a `Basic` registered here.
fn consumidor_valido(c: &Estado, basic: Option<&str>) -> Option<String> {
    let bytes = basic.and_then(|b| {
        base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .ok()
    })?;
    let texto = String::from_utf8_lossy(&bytes);
    let (key, secret) = texto.split_once(':')?;
    c.com(|e| e.consumidores.get(key).is_some_and(|s| s == secret))
        .unwrap_or(false)
        .then(|| key.to_owned())
}

/// The trial paths take only the public bearer; the others only a live token issued here.
fn autorizado(req: &Request<Incoming>, c: &Estado, trial: bool) -> bool {
    let Some(token) = guiche_simulador::cabecalho(req, "authorization").strip_prefix("Bearer ")
    else {
        return false;
    };
    let token = token.trim();
    if trial {
        return token == BEARER_TRIAL;
    }
    let agora = Instant::now();
    c.com(|e| e.tokens.get(token).is_some_and(|x| agora < *x))
        .unwrap_or(false)
}

fn cpf(c: &Estado, ni: &str) -> Resposta {
    if ni.len() != 11 || Cpf::parse(ni).is_err() {
        return texto(StatusCode::BAD_REQUEST, "CPF inválido");
    }
    match c.com(|e| e.cpfs.get(ni).cloned()).flatten() {
        None => nao_encontrado(),
        Some(s) if s.status == 422 => texto(
            StatusCode::UNPROCESSABLE_ENTITY,
            "LGPD: Dados de Menor de Idade",
        ),
        Some(s) => json(
            StatusCode::from_u16(s.status).unwrap_or(StatusCode::OK),
            s.dados,
        ),
    }
}

fn cnpj(resto: &str) -> Resposta {
    let Some((nivel, ni)) = resto.split_once('/') else {
        return texto(StatusCode::FORBIDDEN, "caminho não contratado");
    };
    if !["basica", "qsa", "empresa"].contains(&nivel) {
        return texto(StatusCode::FORBIDDEN, "caminho não contratado");
    }
    if ni.len() != 14 || Cnpj::parse(ni).is_err() {
        return texto(StatusCode::BAD_REQUEST, "CNPJ inválido");
    }
    let Some((_, codigo)) = CNPJS_TRIAL.iter().find(|(n, _)| *n == ni) else {
        return nao_encontrado();
    };
    if ni == CNPJS_TRIAL[0].0 && nivel != "qsa" {
        let vetor = if nivel == "basica" {
            VETOR_CNPJ_BASICA
        } else {
            VETOR_CNPJ_EMPRESA
        };
        return resposta(
            StatusCode::OK,
            Some("application/json"),
            vetor.trim_end().to_owned(),
        );
    }
    let base = if nivel == "basica" {
        VETOR_CNPJ_BASICA
    } else {
        VETOR_CNPJ_EMPRESA
    };
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(base) else {
        return texto(
            StatusCode::INTERNAL_SERVER_ERROR,
            "vetor ilegível no simulador",
        );
    };
    v["ni"] = (*ni).into();
    v["situacaoCadastral"]["codigo"] = (*codigo).into();
    if nivel == "qsa"
        && let Some(socios) = v
            .get_mut("socios")
            .and_then(serde_json::Value::as_array_mut)
    {
        for s in socios {
            if let Some(o) = s.as_object_mut() {
                o.remove("cpf");
            }
        }
    }
    json(StatusCode::OK, v)
}

async fn cnd(c: &Estado, req: Request<Incoming>) -> Resposta {
    let pedido: Option<PedidoCnd> = guiche_simulador::corpo(req, 64 * 1024)
        .await
        .and_then(|b| serde_json::from_slice(&b).ok());
    let Some(p) = pedido else {
        return texto(
            StatusCode::BAD_REQUEST,
            "corpo deve ser {TipoContribuinte, ContribuinteConsulta, CodigoIdentificacao, GerarCertidaoPdf}",
        );
    };
    let coerente = match p.tipo_contribuinte {
        1 => Cnpj::parse(&p.contribuinte_consulta).is_ok() && p.codigo_identificacao == "9001",
        2 => Cpf::parse(&p.contribuinte_consulta).is_ok() && p.codigo_identificacao == "9002",
        _ => false,
    };
    if !coerente {
        return texto(
            StatusCode::BAD_REQUEST,
            "TipoContribuinte, ContribuinteConsulta e CodigoIdentificacao incoerentes",
        );
    }
    let Some((tipo, validade)) = c
        .com(|e| e.cnds.get(&p.contribuinte_consulta).cloned())
        .flatten()
    else {
        return nao_encontrado();
    };
    // A positive situation gets no certificate: only its type and a message.
    let positiva = tipo == "Positiva";
    let certidao = if positiva {
        wire::CertidaoDto {
            tipo_certidao: Some(tipo),
            ..wire::CertidaoDto::default()
        }
    } else {
        wire::CertidaoDto {
            tipo_certidao: Some(tipo),
            data_emissao: Some("2026-11-02".into()),
            data_validade: validade.map(|d| d.iso()),
            codigo_controle: Some("A1B2.C3D4.E5F6.0718".into()),
        }
    };
    let mensagem = if positiva {
        "Não foi possível emitir a certidão: há pendências"
    } else {
        "Certidão emitida com sucesso"
    };
    json(
        StatusCode::OK,
        wire::CndDto {
            status: Some("1".into()),
            mensagem: Some(mensagem.into()),
            certidao: Some(certidao),
        },
    )
}
