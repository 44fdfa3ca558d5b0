//! A simulator of Conecta gov.br on loopback, over TLS with server authentication only (Conecta
//! uses no client certificates), its certificate issued by the simulator's own test CA.
//!
//! - `POST /oauth2/jwt-token`: `Content-Type: application/x-www-form-urlencoded` (else 415),
//!   `Authorization: Basic base64(id:secret)` of a registered client (else 401
//!   `invalid_client`), body `grant_type=client_credentials` (else 400); answers
//!   `{access_token, token_type, expires_in, scope}`.
//! - Queries need `Authorization: Bearer` of a token issued here and not expired (else 401).
//! - `POST /api-cpf-light/v2/consulta/cpf`: `x-cpf-usuario` must be a valid CPF and the body
//!   `{"listaCpf": [...]}` must hold 1 to 50 valid CPFs (else 400). The answer is an array with
//!   one object per **known** CPF (`CPF`, `Nome`, `SituacaoCadastral` numeric,
//!   `DescSituacaoCadastral`, `DataNascimento`); unknown CPFs are left out, and when none is
//!   known the answer is 404. (The public sources only confirm `SituacaoCadastral`, and its
//!   code table has no "not found" code, hence this choice.)
//! - `GET /api-cnpj-basica/v2/basica/{cnpj}`: 400 for an invalid CNPJ, 404 for an unknown one,
//!   else `{ni, nomeEmpresarial, nomeFantasia, situacaoCadastral{codigo, data, motivo},
//!   dataAbertura, endereco{municipio{codigo, descricao}, uf}}` (shaped after SERPRO's CNPJ v2).
//!
//! Every request is recorded ([`SimuladorConecta::requisicoes`]), so a test can tell that a
//! call refused by the client never reached the service. Faults (a status, a late answer) can be
//! injected before a query with [`SimuladorConecta::injetar`].

use crate::MAXIMO_CPFS;
use crate::wire::{PedidoCpf, caminhos, descricao_situacao};
use base64::Engine;
use guiche_certificados::pki_teste::AcTeste;
use guiche_domain::{Cnpj, Cpf};
use guiche_simulador::tls::{self, ServidorTls};
use guiche_simulador::{Resposta, json};
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use serde_json::json as j;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use guiche_simulador::tls::ErroSimulador;

/// How the Conecta simulator starts.
#[derive(Clone, Debug)]
pub struct ConfigSimuladorConecta {
    /// Port on 127.0.0.1 (0: any free port).
    pub porta: u16,
    /// `expires_in` of the tokens handed out (Conecta's last 2 h).
    pub validade_token: Duration,
}

impl Default for ConfigSimuladorConecta {
    fn default() -> ConfigSimuladorConecta {
        ConfigSimuladorConecta {
            porta: 0,
            validade_token: Duration::from_secs(7200),
        }
    }
}

/// Canned CPF Light data of one CPF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpfSimulado {
    /// The holder's name.
    pub nome: String,
    /// `SituacaoCadastral` code (0 Regular, 3 Titular falecido, …).
    pub situacao: u8,
    /// `DataNascimento` as sent (`DDMMAAAA` here), when any.
    pub nascimento: Option<String>,
}

/// Canned CNPJ Básica data of one CNPJ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CnpjSimulado {
    /// `nomeEmpresarial`.
    pub razao_social: String,
    /// `nomeFantasia` (empty: none).
    pub nome_fantasia: String,
    /// `situacaoCadastral.codigo` (`2`: ativa).
    pub situacao: String,
    /// `dataAbertura` (`AAAA-MM-DD`).
    pub abertura: String,
    /// `endereco.municipio.descricao`.
    pub municipio: String,
    /// `endereco.uf`.
    pub uf: String,
}

/// One request the simulator received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequisicaoConecta {
    /// HTTP method.
    pub metodo: String,
    /// Path.
    pub caminho: String,
    /// The `x-cpf-usuario` header, when sent.
    pub cpf_usuario: Option<String>,
}

/// A fault the next authorized query (CPF or CNPJ) is answered with, one per query, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FalhaConecta {
    /// Answer with this HTTP status without processing.
    Status(u16),
    /// Process the query as usual, then wait this long before answering: a client timeout
    /// after the query was answered (and counted) by the service.
    Atrasada(Duration),
}

#[derive(Default)]
struct Estado {
    clientes: HashMap<String, String>,
    tokens: HashMap<String, Instant>,
    cpfs: HashMap<String, CpfSimulado>,
    cnpjs: HashMap<String, CnpjSimulado>,
    requisicoes: Vec<RequisicaoConecta>,
    falhas: std::collections::VecDeque<FalhaConecta>,
}

struct Compartilhado {
    estado: Mutex<Estado>,
    validade: Duration,
    tokens_emitidos: AtomicUsize,
}

impl Compartilhado {
    /// Runs `f` on the state (`None` if a panicking thread poisoned it).
    fn com<T>(&self, f: impl FnOnce(&mut Estado) -> T) -> Option<T> {
        self.estado.lock().ok().map(|mut e| f(&mut e))
    }
}

/// The running Conecta gov.br simulator.
pub struct SimuladorConecta {
    servidor: ServidorTls,
    ac: AcTeste,
    compartilhado: Arc<Compartilhado>,
}

impl std::fmt::Debug for SimuladorConecta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimuladorConecta")
            .field("endereco", &self.servidor.endereco())
            .finish_non_exhaustive()
    }
}

/// The CPFs known from the start: `123.456.789-09` (regular) and `987.654.321-00` (titular
/// falecido).
pub const CPFS_PADRAO: [&str; 2] = ["12345678909", "98765432100"];

/// The CNPJ known from the start: `11.222.333/0001-81` (ativa).
pub const CNPJ_PADRAO: &str = "11222333000181";

impl SimuladorConecta {
    /// Starts the simulator (inside a Tokio runtime): makes its CA and server certificate,
    /// binds 127.0.0.1 and serves until dropped. Knows [`CPFS_PADRAO`] and [`CNPJ_PADRAO`].
    ///
    /// # Errors
    /// [`ErroSimulador`].
    pub fn iniciar(config: ConfigSimuladorConecta) -> Result<SimuladorConecta, ErroSimulador> {
        let ac = AcTeste::nova("AC Simulador Conecta (teste)").map_err(ErroSimulador::pki)?;
        let (cadeia, chave) = ac
            .cadeia_servidor("localhost")
            .map_err(ErroSimulador::pki)?;
        let compartilhado = Arc::new(Compartilhado {
            estado: Mutex::new(estado_inicial()),
            validade: config.validade_token,
            tokens_emitidos: AtomicUsize::new(0),
        });
        let c = compartilhado.clone();
        let servidor = ServidorTls::iniciar(
            "Conecta gov.br",
            config.porta,
            cadeia,
            chave,
            tls::Cliente::Dispensado,
            move |_| {
                let c = c.clone();
                move |req| atender(req, c.clone())
            },
        )?;
        Ok(SimuladorConecta {
            servidor,
            ac,
            compartilhado,
        })
    }

    /// `https://127.0.0.1:PORT` (what `GUICHE_CONECTA_URL` points to).
    pub fn url_base(&self) -> String {
        self.servidor.raiz()
    }

    /// The test CA (PEM) clients must trust.
    pub fn ca_pem(&self) -> String {
        self.ac.certificado_pem()
    }

    /// Registers client credentials.
    pub fn cadastrar_cliente(&self, id: &str, secret: &str) {
        self.compartilhado.com(|e| {
            e.clientes.insert(id.to_owned(), secret.to_owned());
        });
    }

    /// Sets (or replaces) the data answered for `cpf`.
    pub fn definir_cpf(&self, cpf: &Cpf, dados: CpfSimulado) {
        self.compartilhado.com(|e| {
            e.cpfs.insert(cpf.as_str().to_owned(), dados);
        });
    }

    /// Sets (or replaces) the data answered for `cnpj`.
    pub fn definir_cnpj(&self, cnpj: &Cnpj, dados: CnpjSimulado) {
        self.compartilhado.com(|e| {
            e.cnpjs.insert(cnpj.as_str().to_owned(), dados);
        });
    }

    /// Queues a fault for the next authorized query.
    pub fn injetar(&self, falha: FalhaConecta) {
        self.compartilhado.com(|e| e.falhas.push_back(falha));
    }

    /// Every request received so far, token requests included, in order.
    pub fn requisicoes(&self) -> Vec<RequisicaoConecta> {
        self.compartilhado
            .com(|e| e.requisicoes.clone())
            .unwrap_or_default()
    }

    /// How many tokens were issued.
    pub fn tokens_emitidos(&self) -> usize {
        self.compartilhado.tokens_emitidos.load(Ordering::SeqCst)
    }

    /// Makes every token issued so far expired: the next query with one gets 401.
    pub fn expirar_tokens(&self) {
        let agora = Instant::now();
        self.compartilhado.com(|e| {
            e.tokens.values_mut().for_each(|t| *t = agora);
        });
    }
}

fn estado_inicial() -> Estado {
    let cpf = |nome: &str, situacao, nascimento: &str| CpfSimulado {
        nome: nome.to_owned(),
        situacao,
        nascimento: Some(nascimento.to_owned()),
    };
    let mut e = Estado::default();
    e.cpfs
        .insert(CPFS_PADRAO[0].into(), cpf("FULANO DE TAL", 0, "01011980"));
    e.cpfs.insert(
        CPFS_PADRAO[1].into(),
        cpf("BELTRANO DA SILVA", 3, "15061940"),
    );
    e.cnpjs.insert(
        CNPJ_PADRAO.into(),
        CnpjSimulado {
            razao_social: "EMPRESA TESTE LTDA".into(),
            nome_fantasia: "TESTE".into(),
            situacao: "2".into(),
            abertura: "2005-11-03".into(),
            municipio: "BRASILIA".into(),
            uf: "DF".into(),
        },
    );
    e
}

fn mensagem(status: StatusCode, texto: &str) -> Resposta {
    json(status, j!({ "status": status.as_u16(), "message": texto }))
}

async fn atender(
    req: Request<Incoming>,
    c: Arc<Compartilhado>,
) -> Result<Resposta, std::convert::Infallible> {
    let caminho = req.uri().path().to_owned();
    let cpf_usuario = req
        .headers()
        .get("x-cpf-usuario")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    c.com(|e| {
        e.requisicoes.push(RequisicaoConecta {
            metodo: req.method().to_string(),
            caminho: caminho.clone(),
            cpf_usuario,
        });
    });
    let metodo = req.method().clone();
    let consulta = (metodo == Method::POST && caminho == caminhos::CPF)
        || (metodo == Method::GET && caminho.starts_with(caminhos::CNPJ_BASICA));
    let falha = if consulta && autorizado(&req, &c) {
        c.com(|e| e.falhas.pop_front()).flatten()
    } else {
        None
    };
    let atraso = match falha {
        Some(FalhaConecta::Status(s)) => {
            let status = StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return Ok(mensagem(status, "falha injetada no simulador"));
        }
        Some(FalhaConecta::Atrasada(d)) => Some(d),
        None => None,
    };
    let resposta = match (metodo, caminho.as_str()) {
        (Method::POST, caminhos::TOKEN) => emitir_token(req, &c).await,
        (Method::POST | Method::GET, _) if !autorizado(&req, &c) => nao_autorizado(),
        (Method::POST, caminhos::CPF) => consultar_cpf(req, &c).await,
        (Method::GET, p) if p.starts_with(caminhos::CNPJ_BASICA) => {
            consultar_cnpj(&p[caminhos::CNPJ_BASICA.len()..], &c)
        }
        (_, caminhos::TOKEN | caminhos::CPF) => {
            mensagem(StatusCode::METHOD_NOT_ALLOWED, "método não permitido")
        }
        _ => mensagem(StatusCode::NOT_FOUND, "recurso não encontrado no simulador"),
    };
    if let Some(d) = atraso {
        tokio::time::sleep(d).await;
    }
    Ok(resposta)
}

/// An OAuth 2 error body (`{error, error_description}`).
fn erro_oauth(status: StatusCode, erro: &str, descricao: &str) -> Resposta {
    json(
        status,
        j!({ "error": erro, "error_description": descricao }),
    )
}

async fn emitir_token(req: Request<Incoming>, c: &Compartilhado) -> Resposta {
    let Some(guiche_simulador::PedidoToken {
        basic,
        formulario: form,
    }) = guiche_simulador::pedido_de_token(req).await
    else {
        return mensagem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type deve ser application/x-www-form-urlencoded",
        );
    };
    if !cliente_valido(c, basic.as_deref()) {
        return erro_oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client_id ou client_secret inválidos",
        );
    }
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return erro_oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type deve ser client_credentials",
        );
    }
    let n = c.tokens_emitidos.fetch_add(1, Ordering::SeqCst) + 1;
    let token = format!("conecta-sim-{n:06}-{:x}", std::process::id());
    let expira = Instant::now() + c.validade;
    c.com(|e| e.tokens.insert(token.clone(), expira));
    json(
        StatusCode::OK,
        j!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": c.validade.as_secs(),
            "scope": "default",
        }),
    )
}

fn cliente_valido(c: &Compartilhado, basic: Option<&str>) -> bool {
    let Some(bytes) = basic.and_then(|b| {
        base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .ok()
    }) else {
        return false;
    };
    let texto = String::from_utf8_lossy(&bytes);
    let Some((id, secret)) = texto.split_once(':') else {
        return false;
    };
    c.com(|e| e.clientes.get(id).is_some_and(|s| s == secret))
        .unwrap_or(false)
}

/// Whether the request carries a live token issued here.
fn autorizado(req: &Request<Incoming>, c: &Compartilhado) -> bool {
    let Some(token) = guiche_simulador::cabecalho(req, "authorization").strip_prefix("Bearer ")
    else {
        return false;
    };
    let agora = Instant::now();
    c.com(|e| e.tokens.get(token.trim()).is_some_and(|x| agora < *x))
        .unwrap_or(false)
}

fn nao_autorizado() -> Resposta {
    mensagem(
        StatusCode::UNAUTHORIZED,
        "token de acesso ausente, inválido ou expirado",
    )
}

async fn consultar_cpf(req: Request<Incoming>, c: &Compartilhado) -> Resposta {
    if Cpf::parse(guiche_simulador::cabecalho(&req, "x-cpf-usuario")).is_err() {
        return mensagem(
            StatusCode::BAD_REQUEST,
            "cabeçalho x-cpf-usuario ausente ou CPF inválido",
        );
    }
    let pedido: Option<PedidoCpf> = guiche_simulador::corpo(req, 64 * 1024)
        .await
        .and_then(|b| serde_json::from_slice(&b).ok());
    let Some(pedido) = pedido else {
        return mensagem(
            StatusCode::BAD_REQUEST,
            "corpo deve ser {\"listaCpf\": [...]}",
        );
    };
    let n = pedido.lista_cpf.len();
    if n == 0 || n > MAXIMO_CPFS {
        return mensagem(
            StatusCode::BAD_REQUEST,
            &format!("listaCpf deve ter de 1 a {MAXIMO_CPFS} CPFs"),
        );
    }
    let Ok(cpfs) = pedido
        .lista_cpf
        .iter()
        .map(|t| Cpf::parse(t))
        .collect::<Result<Vec<_>, _>>()
    else {
        return mensagem(StatusCode::BAD_REQUEST, "listaCpf contém CPF inválido");
    };
    let achados: Vec<_> = c
        .com(|e| {
            cpfs.iter()
                .filter_map(|cpf| e.cpfs.get(cpf.as_str()).map(|d| objeto_cpf(cpf, d)))
                .collect()
        })
        .unwrap_or_default();
    if achados.is_empty() {
        return mensagem(StatusCode::NOT_FOUND, "CPF(s) não encontrado(s)");
    }
    json(StatusCode::OK, serde_json::Value::Array(achados))
}

fn objeto_cpf(cpf: &Cpf, d: &CpfSimulado) -> serde_json::Value {
    j!({
        "CPF": cpf.as_str(),
        "Nome": d.nome,
        "SituacaoCadastral": d.situacao,
        "DescSituacaoCadastral": descricao_situacao(d.situacao).unwrap_or_default(),
        "DataNascimento": d.nascimento,
    })
}

fn consultar_cnpj(texto: &str, c: &Compartilhado) -> Resposta {
    let Ok(cnpj) = Cnpj::parse(texto) else {
        return mensagem(StatusCode::BAD_REQUEST, "CNPJ inválido");
    };
    match c.com(|e| e.cnpjs.get(cnpj.as_str()).cloned()).flatten() {
        Some(d) => json(StatusCode::OK, objeto_cnpj(&cnpj, &d)),
        None => mensagem(StatusCode::NOT_FOUND, "CNPJ não encontrado"),
    }
}

fn objeto_cnpj(cnpj: &Cnpj, d: &CnpjSimulado) -> serde_json::Value {
    j!({
        "ni": cnpj.as_str(),
        "tipoEstabelecimento": if cnpj.ordem() == "0001" { "1" } else { "2" },
        "nomeEmpresarial": d.razao_social,
        "nomeFantasia": d.nome_fantasia,
        "situacaoCadastral": { "codigo": d.situacao, "data": d.abertura, "motivo": "" },
        "dataAbertura": d.abertura,
        "endereco": {
            "municipio": { "codigo": "9701", "descricao": d.municipio },
            "uf": d.uf,
        },
    })
}
