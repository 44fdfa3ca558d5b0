//! A simulator of SERPRO Integra Contador on loopback, over TLS that **requires a client
//! certificate** issued by the simulator's own test CA (made at run time, never committed).
//!
//! Today it answers the token endpoint as the documentation describes:
//! `POST /authenticate` with `Content-Type: application/x-www-form-urlencoded` (else 415),
//! `Role-Type: TERCEIROS` (else 400), `Authorization: Basic base64(key:secret)` of a registered
//! consumer (else 401), body `grant_type=client_credentials` (else 400), and a client
//! certificate whose holder is a CNPJ (else 403; a certificate from another CA never gets past
//! the TLS handshake). The reply is `{access_token, jwt_token, expires_in, scope, token_type}`;
//! the JWT carries the contratante's CNPJ read from the certificate, as SERPRO's does.
//!
//! The gateway, `POST /integra-contador/v1/{Apoiar|Consultar|Declarar|Emitir|Monitorar}`,
//! checks in this order: `Bearer` (unknown: 401 fault 900901; expired: 401 fault 900903),
//! `jwt_token` (403 `ICGERENCIADOR-003`), injected faults ([`FalhaGateway`]), the JSON body
//! (400 `-006`), `contratante` = the certificate's CNPJ (403 `-016`), the service in the
//! catalogue (400 `-052`) and on this path (403 `-017`), a procurador token when the author is
//! not the contratante (403 `-019` missing, `-020` unknown), the e-CAC procuração when the
//! author is not the contribuinte and the catalogue names one (403 `-022`, the documented
//! text). Then the service answers with the request echoed, `dados` and its message, as its
//! documentation says: realistic data for the typed services, their waits (SITFIS 202), their
//! own errors (`EntradaIncorreta-PAGTOWEB-00002`, the daily limit of EVENTOSATUALIZACAO…), and
//! empty `dados` for the rest of the catalogue (the table is in the `servicos` module's source).
//! Other statuses, slow and late answers and dropped connections can be forced with
//! [`SimuladorIntegra::injetar`], and
//! PAGTOWEB can be made to ignore its page offset ([`SimuladorIntegra::ignorar_deslocamento`]).
//! Calls received and billed calls (as the documentation bills them) are counted.

mod gateway;
mod servicos;

use base64::Engine;
use guiche_certificados::pki_teste::{AcTeste, ErroPkiTeste};
use guiche_certificados::titular_de_der;
use guiche_domain::Documento;
use guiche_simulador::tls::{self, ServidorTls};
use guiche_simulador::{Resposta, json};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The gateway path prefix, as production's `/integra-contador/v1`.
pub const CAMINHO_GATEWAY: &str = "/integra-contador/v1";

/// How the simulator starts.
#[derive(Clone, Debug)]
pub struct ConfigSimulador {
    /// Port on 127.0.0.1 (0: any free port).
    pub porta: u16,
    /// `expires_in` of the tokens handed out (the documentation shows values up to 3600 s).
    pub validade_token: Duration,
    /// Asks a day EVENTOSATUALIZACAO allows per kind (PF, PJ): 1,000 as documented.
    pub limite_eventos_dia: u32,
    /// The simulator's "today" in Brasília (`None`: the system clock), for runs that fix the
    /// date (`GUICHE_HOJE`).
    pub hoje: Option<guiche_domain::Data>,
}

impl Default for ConfigSimulador {
    fn default() -> ConfigSimulador {
        ConfigSimulador {
            porta: 0,
            validade_token: Duration::from_secs(2008),
            limite_eventos_dia: servicos::LIMITE_EVENTOS_DIA,
            hoje: None,
        }
    }
}

/// A fault the gateway answers the next call with (one per call, in order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FalhaGateway {
    /// Answer with this HTTP status (429, 500, 503…) without processing.
    Status(u16),
    /// Wait this long, then answer 500 (for client timeouts).
    Lenta(Duration),
    /// Process the call as usual (billing it when its answer is billed), then wait this long
    /// before answering: a client timeout after the request was processed.
    Atrasada(Duration),
    /// Process the call as usual (billing it when its answer is billed), then drop the
    /// connection without answering: a reset after the request was processed.
    Cortada,
}

struct TokenEmitido {
    contratante: Documento,
    jwt: String,
    valido: bool,
}

#[derive(Default)]
struct Estado {
    consumidores: HashMap<String, String>,
    tokens: HashMap<String, TokenEmitido>,
    tokens_procurador: HashMap<String, (Documento, Documento)>,
    procuracoes: std::collections::HashSet<(Documento, Documento)>,
    pagamentos: HashMap<Documento, serde_json::Value>,
    /// The mailbox `CAIXAPOSTAL/MSGCONTRIBUINTE61` answers per contribuinte (else two default
    /// messages).
    caixas_postais: HashMap<Documento, Vec<MensagemSimulada>>,
    termos: HashMap<String, String>,
    falhas: std::collections::VecDeque<FalhaGateway>,
    servicos: servicos::EstadoServicos,
    /// PAGTOWEB misbehaving: `PAGAMENTOS71` ignores `primeiroDaPagina`.
    ignorar_deslocamento: bool,
    /// PAGTOWEB misbehaving: `CONTACONSDOCARRPG73` answers this `dados` instead of the count.
    contagem_forcada: Option<String>,
    /// Every call served past the gateway's checks: its `idServico` and first contribuinte.
    atendidas: Vec<(String, Documento)>,
    /// The `X-Request-Tag` of every gateway call, in the order they came.
    etiquetas: Vec<Option<String>>,
    /// Every gateway call as SERPRO's consumption report lists it.
    consumo: Vec<guiche_domain::serpro::consumo::LinhaConsumo>,
}

struct Compartilhado {
    estado: Mutex<Estado>,
    validade: Duration,
    limite_eventos_dia: u32,
    hoje: Option<guiche_domain::Data>,
    tokens_emitidos: AtomicUsize,
    bilhetadas: AtomicUsize,
    recebidas: AtomicUsize,
}

impl Compartilhado {
    /// The issued token's contratante, JWT and whether it is still valid.
    fn token(&self, bearer: &str) -> Option<(Documento, String, bool)> {
        let e = self.estado.lock().ok()?;
        e.tokens
            .get(bearer)
            .map(|t| (t.contratante, t.jwt.clone(), t.valido))
    }

    fn proxima_falha(&self) -> Option<FalhaGateway> {
        self.estado.lock().ok()?.falhas.pop_front()
    }

    fn token_procurador_valido(
        &self,
        token: &str,
        autor: &Documento,
        contratante: &Documento,
    ) -> bool {
        self.estado.lock().is_ok_and(|e| {
            e.tokens_procurador
                .get(token)
                .is_some_and(|(a, c)| a == autor && c == contratante)
        })
    }

    fn tem_procuracao(&self, autor: &Documento, contribuinte: &Documento) -> bool {
        self.estado
            .lock()
            .is_ok_and(|e| e.procuracoes.contains(&(*autor, *contribuinte)))
    }

    /// Today in Brasília (UTC−3).
    fn hoje(&self) -> guiche_domain::Data {
        if let Some(d) = self.hoje {
            return d;
        }
        let segundos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        guiche_domain::Data::from_dias_desde_epoca((segundos - 3 * 3600).div_euclid(86_400))
            .or_else(|| guiche_domain::Data::new(2000, 1, 1).ok())
            .unwrap_or_else(|| unreachable!("01/01/2000 é uma data válida"))
    }

    /// The token for a verified term: the same one (`false`) while the same term is resent,
    /// a new one (`true`) otherwise. Valid until midnight of the next day in Brasília; returns
    /// the expiry as `data_hora_expiracao` and as an HTTP date.
    fn token_do_termo(
        &self,
        xml: &str,
        autor: Documento,
        contratante: Documento,
    ) -> (String, bool, (String, String)) {
        let amanha = self.hoje().mais_dias(1).unwrap_or_else(|| self.hoje());
        let expira = (
            format!("{}T23:59:59", amanha.iso()),
            format!(
                "{} 02:59:59 GMT",
                data_http(amanha.mais_dias(1).unwrap_or(amanha))
            ),
        );
        let Ok(mut e) = self.estado.lock() else {
            return (String::new(), true, expira);
        };
        if let Some(t) = e.termos.get(xml) {
            return (t.clone(), false, expira);
        }
        let n = e.termos.len() + 1;
        let token = format!("{n:08x}-proc-4000-8000-{:012x}", std::process::id());
        e.termos.insert(xml.to_owned(), token.clone());
        e.tokens_procurador
            .insert(token.clone(), (autor, contratante));
        (token, true, expira)
    }

    fn contar_bilhetada(&self) {
        self.bilhetadas.fetch_add(1, Ordering::SeqCst);
    }

    fn contar_recebida(&self) {
        self.recebidas.fetch_add(1, Ordering::SeqCst);
    }
}

/// The running simulator.
pub struct SimuladorIntegra {
    servidor: ServidorTls,
    ac: AcTeste,
    compartilhado: Arc<Compartilhado>,
}

impl std::fmt::Debug for SimuladorIntegra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimuladorIntegra")
            .field("endereco", &self.servidor.endereco())
            .finish_non_exhaustive()
    }
}

pub use guiche_simulador::tls::ErroSimulador;

impl SimuladorIntegra {
    /// Starts the simulator (inside a Tokio runtime): makes its CA and server certificate,
    /// binds 127.0.0.1 and serves until dropped.
    ///
    /// # Errors
    /// [`ErroSimulador`].
    pub fn iniciar(config: ConfigSimulador) -> Result<SimuladorIntegra, ErroSimulador> {
        let ac = AcTeste::nova("AC Simulador SERPRO (teste)").map_err(ErroSimulador::pki)?;
        let (cadeia, chave) = ac
            .cadeia_servidor("localhost")
            .map_err(ErroSimulador::pki)?;
        let raiz = ac.certificado_der();
        let compartilhado = Arc::new(Compartilhado {
            estado: Mutex::new(Estado::default()),
            validade: config.validade_token,
            limite_eventos_dia: config.limite_eventos_dia,
            hoje: config.hoje,
            tokens_emitidos: AtomicUsize::new(0),
            bilhetadas: AtomicUsize::new(0),
            recebidas: AtomicUsize::new(0),
        });
        let c = compartilhado.clone();
        let servidor = ServidorTls::iniciar(
            "Integra Contador",
            config.porta,
            cadeia,
            chave,
            tls::Cliente::Exigido(&raiz),
            move |certificado| {
                let titular = certificado.and_then(titular_de_der);
                let c = c.clone();
                move |req| atender(req, c.clone(), titular)
            },
        )?;
        Ok(SimuladorIntegra {
            servidor,
            ac,
            compartilhado,
        })
    }

    /// `https://127.0.0.1:PORT/authenticate`.
    pub fn url_autenticacao(&self) -> String {
        format!("{}/authenticate", self.servidor.raiz())
    }

    /// `https://127.0.0.1:PORT/integra-contador/v1`.
    pub fn url_gateway(&self) -> String {
        format!("{}{CAMINHO_GATEWAY}", self.servidor.raiz())
    }

    /// The test CA (PEM): what clients must trust (`GUICHE_SERPRO_CA`), and the issuer of the
    /// client certificates the simulator accepts.
    pub fn ca_pem(&self) -> String {
        self.ac.certificado_pem()
    }

    /// A client configuration pointed at this simulator (its URLs, its CA trusted) for the
    /// consumer `consumer_key`/`consumer_secret` presenting `certificado`.
    pub fn config_cliente(
        &self,
        consumer_key: &str,
        consumer_secret: &str,
        certificado: guiche_certificados::Certificado,
        timeout: Duration,
    ) -> crate::ConfigIntegra {
        crate::ConfigIntegra {
            url_autenticacao: self.url_autenticacao(),
            url_gateway: self.url_gateway(),
            consumer_key: consumer_key.to_owned(),
            consumer_secret: crate::Segredo::new(consumer_secret),
            certificado,
            ca_extra_pem: Some(self.ca_pem()),
            timeout,
        }
    }

    /// The test CA, to issue e-CNPJ/e-CPF certificates the simulator accepts.
    pub fn ac(&self) -> &AcTeste {
        &self.ac
    }

    /// An e-CNPJ for `cnpj` from the test CA, valid from a minute ago for `validade`, packed
    /// with its chain as a PKCS#12 file protected by `senha`: what an office gets from its
    /// certificate authority, for the demo, the sandbox and tests.
    ///
    /// # Errors
    /// [`ErroPkiTeste`].
    pub fn emitir_pkcs12(
        &self,
        nome: &str,
        cnpj: &guiche_domain::Cnpj,
        validade: Duration,
        senha: &str,
    ) -> Result<Vec<u8>, ErroPkiTeste> {
        let agora = std::time::SystemTime::now();
        let (cert, chave) = self.ac.emitir_ecnpj(
            nome,
            cnpj,
            agora - Duration::from_secs(60)..agora + validade,
        )?;
        guiche_certificados::pki_teste::pkcs12(&cert, &chave, &[self.ac.certificado_der()], senha)
    }

    /// The number of the DAS the simulator issues to `contribuinte` for `periodo` (the same
    /// every time, different for each contribuinte and period), so tests and the sandbox can
    /// set its payment.
    pub fn numero_das(
        contribuinte: &Documento,
        periodo: guiche_domain::Competencia,
    ) -> guiche_domain::guia::NumeroDocumento {
        servicos::numero_das(contribuinte, periodo)
    }

    /// Registers consumer credentials (what the SERPRO store hands out at contracting).
    pub fn cadastrar_consumidor(&self, key: &str, secret: &str) {
        if let Ok(mut e) = self.compartilhado.estado.lock() {
            e.consumidores.insert(key.to_owned(), secret.to_owned());
        }
    }

    /// How many tokens were issued.
    pub fn tokens_emitidos(&self) -> usize {
        self.compartilhado.tokens_emitidos.load(Ordering::SeqCst)
    }

    /// How many billed calls were answered: a billed type (`Consultar`, `Declarar`, `Emitir`)
    /// answered with a status the documentation does not exempt (see
    /// [`crate::bilhetagem::integra_bilhetado`]), counted when the answer is ready, whether or
    /// not the client is still there to read it.
    pub fn bilhetadas(&self) -> usize {
        self.compartilhado.bilhetadas.load(Ordering::SeqCst)
    }

    /// The contribuintes of the calls to `id_servico` served past the gateway's checks, in the
    /// order they came (a contribuinte once per call).
    pub fn atendidas(&self, id_servico: &str) -> Vec<Documento> {
        self.compartilhado
            .estado
            .lock()
            .map(|e| {
                e.atendidas
                    .iter()
                    .filter(|(s, _)| s == id_servico)
                    .map(|(_, d)| *d)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `X-Request-Tag` of every gateway call (token requests excluded), in the order they
    /// came; `None` for a call without one.
    pub fn etiquetas(&self) -> Vec<Option<String>> {
        self.compartilhado
            .estado
            .lock()
            .map(|e| e.etiquetas.clone())
            .unwrap_or_default()
    }

    /// SERPRO's monthly consumption report of the calls served so far (every gateway call,
    /// token requests excluded, in the order they came), as the client area gives it: the
    /// CSV `guiche serpro usage --conferir` reads.
    pub fn relatorio_consumo(&self) -> String {
        let linhas = self
            .compartilhado
            .estado
            .lock()
            .map(|e| e.consumo.clone())
            .unwrap_or_default();
        guiche_domain::serpro::consumo::escrever(&linhas)
    }

    /// How many calls reached the gateway (any type and outcome, token requests excluded).
    pub fn chamadas_recebidas(&self) -> usize {
        self.compartilhado.recebidas.load(Ordering::SeqCst)
    }

    fn com_estado(&self, f: impl FnOnce(&mut Estado)) {
        if let Ok(mut e) = self.compartilhado.estado.lock() {
            f(&mut e);
        }
    }

    /// Queues a fault for the next gateway call.
    pub fn injetar(&self, falha: FalhaGateway) {
        self.com_estado(|e| e.falhas.push_back(falha));
    }

    /// Makes every issued token expire (the next call gets 401 fault 900903).
    pub fn expirar_tokens(&self) {
        self.com_estado(|e| e.tokens.values_mut().for_each(|t| t.valido = false));
    }

    /// Records an e-CAC procuração from `contribuinte` to `autor` (all services).
    pub fn conceder_procuracao(&self, autor: Documento, contribuinte: Documento) {
        self.com_estado(|e| {
            e.procuracoes.insert((autor, contribuinte));
        });
    }

    /// Accepts `token` as `autenticar_procurador_token` of `autor` for `contratante`.
    pub fn registrar_token_procurador(
        &self,
        token: &str,
        autor: Documento,
        contratante: Documento,
    ) {
        self.com_estado(|e| {
            e.tokens_procurador
                .insert(token.to_owned(), (autor, contratante));
        });
    }

    /// Makes `PAGTOWEB/PAGAMENTOS71` ignore `primeiroDaPagina` (always the first page), as a
    /// misbehaving server would: a client that pages by offset alone would loop forever.
    pub fn ignorar_deslocamento(&self, ignorar: bool) {
        self.com_estado(|e| e.ignorar_deslocamento = ignorar);
    }

    /// Makes `PAGTOWEB/CONTACONSDOCARRPG73` answer `dados` (JSON text, e.g. `"\"10\""` or
    /// `"\"muitos\""`) instead of the true count; `None` restores the true count.
    pub fn forcar_contagem_pagamentos(&self, dados: Option<&str>) {
        self.com_estado(|e| e.contagem_forcada = dados.map(str::to_owned));
    }

    /// The messages `CAIXAPOSTAL/MSGCONTRIBUINTE61` lists for `contribuinte` (all in one page),
    /// instead of the two default ones (an unread intimation of 3 days ago and a read notice
    /// of 20 days ago); an empty list is an empty mailbox.
    pub fn definir_caixa_postal(&self, contribuinte: Documento, mensagens: Vec<MensagemSimulada>) {
        self.com_estado(|e| {
            e.caixas_postais.insert(contribuinte, mensagens);
        });
    }

    /// The payments `PAGTOWEB/PAGAMENTOS71` returns for `contribuinte` (a JSON array in the
    /// documented shape).
    pub fn definir_pagamentos(&self, contribuinte: Documento, pagamentos: serde_json::Value) {
        self.com_estado(|e| {
            e.pagamentos.insert(contribuinte, pagamentos);
        });
    }
}

/// A message of a simulated e-CAC mailbox ([`SimuladorIntegra::definir_caixa_postal`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MensagemSimulada {
    /// `isn`.
    pub isn: String,
    /// The subject (`assuntoModelo`, sent without variables).
    pub assunto: String,
    /// `dataEnvio`.
    pub enviada_em: guiche_domain::Data,
    /// `indicadorLeitura` `1`.
    pub lida: bool,
}

/// The authentication error body the gateway uses (`{status, error, message, path}`).
fn erro_auth(status: StatusCode, mensagem: &str) -> Resposta {
    json(
        status,
        serde_json::json!({
            "status": status.as_u16(),
            "error": status.canonical_reason().unwrap_or_default(),
            "message": mensagem,
            "path": "/authenticate",
        }),
    )
}

async fn atender(
    req: Request<Incoming>,
    c: Arc<Compartilhado>,
    titular: Option<Documento>,
) -> Result<Resposta, std::io::Error> {
    let gateway = req
        .uri()
        .path()
        .strip_prefix(CAMINHO_GATEWAY)
        .and_then(|r| r.strip_prefix('/'));
    if let Some(tipo) = gateway {
        let Ok(tipo) = tipo.parse::<guiche_domain::serpro::TipoServico>() else {
            let corpo = serde_json::json!({ "message": "tipo de serviço desconhecido" });
            return Ok(json(StatusCode::NOT_FOUND, corpo));
        };
        if req.method() != hyper::Method::POST {
            let corpo = serde_json::json!({ "message": "use POST" });
            return Ok(json(StatusCode::METHOD_NOT_ALLOWED, corpo));
        }
        // `None`: the connection is dropped without an answer (an injected reset).
        return gateway::atender(req, &c, tipo).await.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "falha injetada: conexão derrubada",
            )
        });
    }
    if req.uri().path() != "/authenticate" {
        return Ok(json(
            StatusCode::NOT_FOUND,
            serde_json::json!({ "message": "recurso não encontrado no simulador" }),
        ));
    }
    if req.method() != hyper::Method::POST {
        return Ok(erro_auth(StatusCode::METHOD_NOT_ALLOWED, "use POST"));
    }
    Ok(autenticar(req, &c, titular).await)
}

fn cabecalho<'a>(req: &'a Request<Incoming>, nome: &str) -> &'a str {
    req.headers()
        .get(nome)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

async fn autenticar(
    req: Request<Incoming>,
    c: &Compartilhado,
    titular: Option<Documento>,
) -> Resposta {
    if !cabecalho(&req, "content-type").starts_with("application/x-www-form-urlencoded") {
        return erro_auth(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type deve ser application/x-www-form-urlencoded",
        );
    }
    if !cabecalho(&req, "role-type").eq_ignore_ascii_case("TERCEIROS") {
        return erro_auth(
            StatusCode::BAD_REQUEST,
            "cabeçalho Role-Type deve ser TERCEIROS",
        );
    }
    let basic = cabecalho(&req, "authorization")
        .strip_prefix("Basic ")
        .map(str::to_owned);
    let corpo = match Limited::new(req.into_body(), 64 * 1024).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return erro_auth(StatusCode::PAYLOAD_TOO_LARGE, "corpo grande demais"),
    };
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&corpo).unwrap_or_default();
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return erro_auth(
            StatusCode::BAD_REQUEST,
            "grant_type deve ser client_credentials",
        );
    }
    if !consumidor_valido(c, basic.as_deref()) {
        return erro_auth(
            StatusCode::UNAUTHORIZED,
            "Invalid Credentials: consumer key ou secret inválidos",
        );
    }
    let Some(cnpj @ Documento::Cnpj(_)) = titular else {
        return erro_auth(
            StatusCode::FORBIDDEN,
            "Não foi possível identificar um certificado digital e-CNPJ válido.",
        );
    };
    emitir_token(c, cnpj)
}

fn consumidor_valido(c: &Compartilhado, basic: Option<&str>) -> bool {
    let Some(decodificado) = basic.and_then(|b| {
        base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .ok()
    }) else {
        return false;
    };
    let texto = String::from_utf8_lossy(&decodificado);
    let Some((key, secret)) = texto.split_once(':') else {
        return false;
    };
    c.estado
        .lock()
        .is_ok_and(|e| e.consumidores.get(key).is_some_and(|s| s == secret))
}

fn emitir_token(c: &Compartilhado, contratante: Documento) -> Resposta {
    let n = c.tokens_emitidos.fetch_add(1, Ordering::SeqCst) + 1;
    let access = format!("{:08x}-sim0-4000-8000-{:012x}", n, std::process::id());
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let jwt = format!(
        "{}.{}.{}",
        b64(serde_json::json!({ "alg": "RS256", "typ": "JWT" })),
        b64(serde_json::json!({ "aut": "APPLICATION", "contratante": contratante.as_str() })),
        b64(serde_json::json!(format!("assinatura-simulada-{n}")))
    );
    if let Ok(mut e) = c.estado.lock() {
        e.tokens.insert(
            access.clone(),
            TokenEmitido {
                contratante,
                jwt: jwt.clone(),
                valido: true,
            },
        );
    }
    let token = crate::wire::TokenDto {
        access_token: access,
        jwt_token: jwt,
        expires_in: c.validade.as_secs(),
        scope: "am_application_scope default".to_owned(),
        token_type: "Bearer".to_owned(),
    };
    json(StatusCode::OK, token)
}

/// `Sat, 15 Oct 2022` (the date part of an IMF-fixdate).
fn data_http(d: guiche_domain::Data) -> String {
    const DIAS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MESES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let semana = DIAS[usize::try_from(d.dias_desde_epoca().rem_euclid(7)).unwrap_or(0)];
    let mes = MESES[usize::from(d.mes().saturating_sub(1)).min(11)];
    format!("{semana}, {:02} {mes} {}", d.dia(), d.ano())
}
