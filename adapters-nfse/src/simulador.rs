//! A simulator of SEFIN Nacional and of the ADN's municipal parameters on loopback, over TLS
//! demanding a client certificate issued by the simulator's own test CA (mTLS), which also
//! issues the prestadores' RSA e-CNPJ/e-CPF ([`SimuladorNfse::certificado_prestador`]).
//!
//! Under `/SefinNacional` (any casing, as ACBr writes it lowercase):
//! - `POST /nfse` `{"dpsXmlGZipB64"}`: base64 (else 400 `E1225`), gzip (`E1226`), UTF-8 with
//!   the XML declaration (`E1229`) — these three in the PascalCase `erros` shape seen in
//!   production; then the XMLDSig over `infDPS` made with the prestador's own certificate
//!   (`E0714`), the DPS read and every rule of `guiche_domain::nfse` (`E1235` with the rules
//!   broken as `complemento`), the Id against the DPS's fields (`E0004`), a DPS Id already
//!   issued (`E1268`, the existing key as `complemento`) — these in the OpenAPI camelCase shape
//!   `{idDPS, erros[{codigo, descricao, complemento}]}`. Else `201` with the NFS-e: `infNFSe`
//!   around the DPS as received, its access key computed by the domain's [`ChaveAcesso`].
//! - `GET /nfse/{chave}`, `HEAD`/`GET /dps/{id}` (GET only for the prestador's certificate,
//!   else 403), errors as a single `erro` object (the GET shape seen in production).
//! - `POST /nfse/{chave}/eventos` `{"pedidoRegistroEventoXmlGZipB64"}`: the groups a
//!   contribuinte signs (cancellation 101101, análise fiscal 101103, confirmations and
//!   rejections by prestador, tomador or intermediário; 105102 refused, `SIM422`: the system
//!   registers it); the author the NFS-e's actor of that role (`E0812`); after a cancellation
//!   no other event (`SIM409`); the `PRE` Id (`"PRE"` + chave + tipo, `E1827`), no `nPedRegEvento` (removed on
//!   27/12/2025, `E1235`), `xDesc` the enumeration's (`E1235`), the author the signer
//!   (`E0812`), the same (chave, tipo) again (`E0802`: a repeat is deduplicated).
//! - `GET /nfse/{chave}/eventos/{tipo}/{nSeq}`: an event registered (`nSeq` 1), from the
//!   simulator's record; 404 `erro` when none, a malformed type or sequence 400 `erros`.
//! - `GET /DANFSe…` and `GET /ParametrosMunicipais…`: `501 Este serviço foi movido`.
//!
//! Under `/parametrizacao`: `GET /{cMun}/{cServ}/{competencia}/aliquota` (PascalCase).
//!
//! Codes the references do not give are the simulator's own, `SIM…`. `POST
//! /_simulador/falhas` (text body, or [`SimuladorNfse::injetar`]) queues a fault for the next
//! SEFIN/ADN request: `perder` (processed, then the connection closed without a reply — the
//! lost reply after issuing), `indisponivel` (503 without processing), `lenta:<ms>`.
//! [`SimuladorNfse::chamadas`] and [`SimuladorNfse::emitidas`] let tests assert from the
//! remote side.

use crate::wire::{self, PedidoEmissao, PedidoEvento};
use guiche_certificados::pki_teste::{AcTeste, chave_rsa_teste, pkcs12};
use guiche_certificados::xmldsig::{self, Alvo};
use guiche_certificados::{Certificado, Senha, titular_de_der};
use guiche_domain::documento::Documento;
use guiche_domain::nfse::evento::{GRUPOS_CONTRIBUINTE, Papel, TIPO_CANCELAMENTO};
use guiche_domain::nfse::{CODIGO_CHAVE_MAXIMO, ChaveAcesso, DpsBruta, NAMESPACE};
use guiche_domain::{CodigoIbge, Data};
use guiche_simulador::falha::{self, Depois, Fila, Injetavel};
use guiche_simulador::sorteio::Gerador;
use guiche_simulador::tls::{self, ServidorTls};
use guiche_simulador::{ConexaoDerrubada, MAX_CORPO, Resposta, json, resposta};
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use serde_json::{Value, json as j};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

pub use guiche_simulador::tls::ErroSimulador;

/// `versaoAplicativo` the simulator answers with (the one seen in production, 2026-02).
pub const VERSAO_APLICATIVO: &str = "SefinNacional_1.6.0";

/// The rate known from the start: São Paulo (3550308), `cTribNac` 010101, 2 %.
pub const ALIQUOTA_PADRAO: (&str, &str, &str) = ("3550308", "010101", "2.00");

/// How the simulator starts.
#[derive(Clone, Debug, Default)]
pub struct ConfigSimuladorNfse {
    /// Port on 127.0.0.1 (0: any free port).
    pub porta: u16,
}

/// A fault for the next SEFIN/ADN request, one per request, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FalhaNfse {
    /// Processed (an NFS-e issued), then the connection closed without a reply.
    PerderResposta,
    /// `503` without processing.
    Indisponivel,
    /// Processed, then the reply held this long.
    Lenta(Duration),
}

impl Injetavel for FalhaNfse {
    const NOMES: &'static [(&'static str, FalhaNfse)] = &[
        ("perder", FalhaNfse::PerderResposta),
        ("indisponivel", FalhaNfse::Indisponivel),
    ];
    const ACEITAS: &'static str = "perder, indisponivel ou lenta:<ms>";

    fn lenta(atraso: Duration) -> FalhaNfse {
        FalhaNfse::Lenta(atraso)
    }

    fn depois(self) -> Depois {
        match self {
            FalhaNfse::PerderResposta => Depois::Derrubar,
            FalhaNfse::Indisponivel => Depois::Responder,
            FalhaNfse::Lenta(d) => Depois::Atrasar(d),
        }
    }
}

/// One request received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chamada {
    /// HTTP method.
    pub metodo: String,
    /// Path, base included.
    pub caminho: String,
    /// The holder of the TLS client certificate.
    pub titular: Option<Documento>,
}

/// An NFS-e the simulator issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NfseSimulada {
    /// The access key.
    pub chave: String,
    /// The DPS Id.
    pub id_dps: String,
    /// The prestador.
    pub prestador: Documento,
    /// The NFS-e XML.
    pub xml: String,
    /// The cancellation event registered, if any.
    pub cancelamento: Option<String>,
    /// The tomador, who may confirm or reject it.
    pub tomador: Option<Documento>,
    /// The intermediário, who may confirm or reject it.
    pub intermediario: Option<Documento>,
    /// The other events registered, as (event type, event XML), in order.
    pub eventos: Vec<(String, String)>,
}

#[derive(Default)]
struct Estado {
    chamadas: Vec<Chamada>,
    emitidas: Vec<NfseSimulada>,
    falhas: Fila<FalhaNfse>,
    numero: u64,
    gerador: Gerador,
    aliquotas: HashMap<(String, String), Value>,
}

struct Compartilhado {
    estado: Mutex<Estado>,
}

impl Compartilhado {
    /// Runs `f` on the state (`None` if a panicking thread poisoned it).
    fn com<T>(&self, f: impl FnOnce(&mut Estado) -> T) -> Option<T> {
        self.estado.lock().ok().map(|mut e| f(&mut e))
    }
}

/// The running SEFIN Nacional + ADN simulator; stops when dropped.
pub struct SimuladorNfse {
    servidor: ServidorTls,
    ac: AcTeste,
    compartilhado: Arc<Compartilhado>,
}

impl std::fmt::Debug for SimuladorNfse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimuladorNfse")
            .field("endereco", &self.servidor.endereco())
            .finish_non_exhaustive()
    }
}

/// The prestadores' RSA key, made once per process (RSA generation is slow).
fn chave_prestador() -> Result<&'static Vec<u8>, ErroSimulador> {
    static CHAVE: OnceLock<Vec<u8>> = OnceLock::new();
    if let Some(c) = CHAVE.get() {
        return Ok(c);
    }
    let c = chave_rsa_teste("guiche-nfse-simulador-prestador").map_err(ErroSimulador::pki)?;
    Ok(CHAVE.get_or_init(|| c))
}

impl SimuladorNfse {
    /// Starts the simulator (inside a Tokio runtime): makes its CA and server certificate,
    /// binds 127.0.0.1, demands client certificates from its CA, and serves until dropped.
    ///
    /// # Errors
    /// [`ErroSimulador`].
    pub fn iniciar(config: ConfigSimuladorNfse) -> Result<SimuladorNfse, ErroSimulador> {
        let ac =
            AcTeste::nova("AC Simulador NFS-e Nacional (teste)").map_err(ErroSimulador::pki)?;
        let (cadeia, chave) = ac
            .cadeia_servidor("localhost")
            .map_err(ErroSimulador::pki)?;
        let mut estado = Estado::default();
        let (mun, serv, aliq) = ALIQUOTA_PADRAO;
        estado.aliquotas.insert(
            (mun.into(), serv.into()),
            j!([{ "Incidencia": "Município do prestador", "Aliq": aliq.parse::<f64>().unwrap_or(2.0), "DtIni": "2026-01-01", "DtFim": null }]),
        );
        let compartilhado = Arc::new(Compartilhado {
            estado: Mutex::new(estado),
        });
        let c = compartilhado.clone();
        let raiz = ac.certificado_der();
        let servidor = ServidorTls::iniciar(
            "NFS-e Nacional",
            config.porta,
            cadeia,
            chave,
            tls::Cliente::Exigido(&raiz),
            move |cert| {
                let c = c.clone();
                let titular = cert.and_then(titular_de_der);
                move |req| atender(req, c.clone(), titular)
            },
        )?;
        Ok(SimuladorNfse {
            servidor,
            ac,
            compartilhado,
        })
    }

    /// SEFIN's base, `https://127.0.0.1:PORT/SefinNacional` (what `GUICHE_NFSE_URL` points to).
    pub fn url_sefin(&self) -> String {
        format!("{}/SefinNacional", self.servidor.raiz())
    }

    /// The ADN parameters' base, `https://127.0.0.1:PORT/parametrizacao`.
    pub fn url_parametros(&self) -> String {
        format!("{}/parametrizacao", self.servidor.raiz())
    }

    /// `https://127.0.0.1:PORT`.
    pub fn raiz(&self) -> String {
        self.servidor.raiz()
    }

    /// The test CA (PEM) clients must trust.
    pub fn ca_pem(&self) -> String {
        self.ac.certificado_pem()
    }

    /// An RSA e-CNPJ or e-CPF of `titular` from the simulator's CA, valid from yesterday for a
    /// year: what a prestador presents in the handshake and signs with.
    ///
    /// # Errors
    /// [`ErroSimulador::Pki`].
    pub fn certificado_prestador(&self, titular: &Documento) -> Result<Certificado, ErroSimulador> {
        let pfx = self.pfx_prestador(titular, "simulador")?;
        Certificado::abrir(&pfx, &Senha::from("simulador")).map_err(ErroSimulador::pki)
    }

    /// The same certificate as [`SimuladorNfse::certificado_prestador`] as a PKCS#12 file's
    /// bytes under `senha`: what `GUICHE_NFSE_CERT` points to in the sandbox and the tests.
    ///
    /// # Errors
    /// [`ErroSimulador::Pki`].
    pub fn pfx_prestador(
        &self,
        titular: &Documento,
        senha: &str,
    ) -> Result<Vec<u8>, ErroSimulador> {
        let agora = SystemTime::now();
        let dia = Duration::from_secs(86_400);
        let validade = agora - dia..agora + 365 * dia;
        let chave = chave_prestador()?;
        let (cert, chave) = match titular {
            Documento::Cnpj(c) => {
                self.ac
                    .emitir_ecnpj_com_chave("PRESTADOR SIMULADO LTDA", c, validade, chave)
            }
            Documento::Cpf(c) => {
                self.ac
                    .emitir_ecpf_com_chave("PRESTADORA SIMULADA", c, validade, chave)
            }
        }
        .map_err(ErroSimulador::pki)?;
        pkcs12(&cert, &chave, &[self.ac.certificado_der()], senha).map_err(ErroSimulador::pki)
    }

    /// Queues a fault for the next SEFIN/ADN request.
    pub fn injetar(&self, falha: FalhaNfse) {
        self.compartilhado.com(|e| e.falhas.injetar(falha));
    }

    /// Every request received so far, in order.
    pub fn chamadas(&self) -> Vec<Chamada> {
        self.compartilhado
            .com(|e| e.chamadas.clone())
            .unwrap_or_default()
    }

    /// Every NFS-e issued so far, in order.
    pub fn emitidas(&self) -> Vec<NfseSimulada> {
        self.compartilhado
            .com(|e| e.emitidas.clone())
            .unwrap_or_default()
    }

    /// Sets the rates answered for a municipality and `cTribNac` (the `Aliquotas` items).
    pub fn definir_aliquotas(&self, municipio: &str, servico: &str, itens: Value) {
        self.compartilhado.com(|e| {
            e.aliquotas
                .insert((municipio.to_owned(), servico.to_owned()), itens);
        });
    }
}

/// The production shape of POST errors: `erros` with PascalCase keys.
fn erro_producao(codigo: &str, descricao: &str) -> Resposta {
    json(
        StatusCode::BAD_REQUEST,
        j!({ "erros": [{ "Parametros": null, "Codigo": codigo, "Descricao": descricao, "Complemento": null }] }),
    )
}

/// The OpenAPI shape: `{idDPS, erros[{codigo, descricao, complemento}]}`.
fn erro_openapi(id: Option<&str>, codigo: &str, descricao: &str, complemento: &str) -> Resposta {
    json(
        StatusCode::BAD_REQUEST,
        j!({ "idDPS": id, "erros": [{ "codigo": codigo, "descricao": descricao, "complemento": complemento }] }),
    )
}

/// The GET shape: one `erro` object.
fn erro_objeto(status: StatusCode, codigo: &str, descricao: &str) -> Resposta {
    json(
        status,
        j!({ "erro": { "codigo": codigo, "descricao": descricao } }),
    )
}

fn agora_texto() -> (Data, String) {
    let (data, hora) = Data::em_brasilia(SystemTime::now());
    (data, format!("{}T{hora}-03:00", data.iso()))
}

async fn atender(
    req: Request<Incoming>,
    c: Arc<Compartilhado>,
    titular: Option<Documento>,
) -> Result<Resposta, ConexaoDerrubada> {
    let caminho = req.uri().path().to_owned();
    let metodo = req.method().clone();
    if caminho == "/_simulador/falhas" && metodo == Method::POST {
        let corpo = guiche_simulador::corpo(req, 1024).await.unwrap_or_default();
        return Ok(
            match falha::ler::<FalhaNfse>(&String::from_utf8_lossy(&corpo)) {
                Ok(f) => {
                    c.com(|e| e.falhas.injetar(f));
                    resposta(StatusCode::NO_CONTENT, None, "")
                }
                Err(e) => resposta(
                    StatusCode::BAD_REQUEST,
                    Some("text/plain; charset=utf-8"),
                    e.to_string(),
                ),
            },
        );
    }
    let falha = c
        .com(|e| {
            e.chamadas.push(Chamada {
                metodo: metodo.to_string(),
                caminho: caminho.clone(),
                titular,
            });
            e.falhas.chegada()
        })
        .flatten();
    if falha == Some(FalhaNfse::Indisponivel) {
        return Ok(resposta(
            StatusCode::SERVICE_UNAVAILABLE,
            Some("text/html"),
            "<html><body>503 Service Unavailable</body></html>",
        ));
    }
    let minusculo = caminho.to_ascii_lowercase();
    let r = if let Some(resto) = minusculo
        .strip_prefix("/sefinnacional")
        .map(|_| &caminho["/sefinnacional".len()..])
    {
        sefin(req, &c, titular, metodo, resto.to_owned()).await
    } else if let Some(resto) = caminho.strip_prefix("/parametrizacao/") {
        parametros(&c, &metodo, resto)
    } else {
        resposta(
            StatusCode::NOT_FOUND,
            Some("text/html"),
            "<html><body><h1>404 - Not Found</h1></body></html>",
        )
    };
    falha::entregar(falha, r).await
}

async fn sefin(
    req: Request<Incoming>,
    c: &Compartilhado,
    titular: Option<Documento>,
    metodo: Method,
    resto: String,
) -> Resposta {
    let baixo = resto.to_ascii_lowercase();
    if baixo.starts_with("/danfse") || baixo.starts_with("/parametrosmunicipais") {
        return resposta(
            StatusCode::NOT_IMPLEMENTED,
            Some("text/plain; charset=utf-8"),
            "Este serviço foi movido",
        );
    }
    let partes: Vec<&str> = resto.trim_start_matches('/').split('/').collect();
    match (&metodo, partes.as_slice()) {
        (&Method::POST, ["nfse"]) => {
            let corpo = guiche_simulador::corpo(req, MAX_CORPO)
                .await
                .unwrap_or_default();
            emitir(c, &corpo)
        }
        (&Method::GET, ["nfse", chave]) => consultar(c, chave),
        (&Method::POST, ["nfse", chave, "eventos"]) => {
            let corpo = guiche_simulador::corpo(req, MAX_CORPO)
                .await
                .unwrap_or_default();
            evento(c, chave, &corpo)
        }
        (&Method::GET, ["nfse", chave, "eventos", tipo, sequencia]) => {
            consultar_evento(c, chave, tipo, sequencia)
        }
        (&Method::HEAD, ["dps", id]) => {
            let existe = c
                .com(|e| e.emitidas.iter().any(|n| n.id_dps == *id))
                .unwrap_or(false);
            let status = if existe {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            resposta(status, None, "")
        }
        (&Method::GET, ["dps", id]) => {
            let achada = c
                .com(|e| e.emitidas.iter().find(|n| n.id_dps == *id).cloned())
                .flatten();
            match achada {
                None => erro_objeto(StatusCode::NOT_FOUND, "SIM404", "DPS não encontrada."),
                Some(n) if Some(n.prestador) != titular => erro_objeto(
                    StatusCode::FORBIDDEN,
                    "SIM403",
                    "O certificado não é de um ator da NFS-e.",
                ),
                Some(n) => json(
                    StatusCode::OK,
                    j!({ "tipoAmbiente": 2, "versaoAplicativo": VERSAO_APLICATIVO, "dataHoraProcessamento": agora_texto().1, "idDps": n.id_dps, "chaveAcesso": n.chave }),
                ),
            }
        }
        _ => erro_objeto(StatusCode::NOT_FOUND, "SIM404", "Recurso não encontrado."),
    }
}

fn emitir(c: &Compartilhado, corpo: &[u8]) -> Resposta {
    let pedido: PedidoEmissao = match serde_json::from_slice(corpo) {
        Ok(p) => p,
        Err(e) => {
            return json(
                StatusCode::BAD_REQUEST,
                j!({ "erros": [{ "Parametros": null, "Codigo": "RNG9999", "Descricao": "Erro não catalogado.", "Complemento": e.to_string() }] }),
            );
        }
    };
    let xml = match wire::descompactar(&pedido.dps_xml_gzip_b64) {
        Ok(x) => x,
        Err(wire::ErroPacote::Base64(_)) => return erro_producao("E1225", "Base64 mal formado."),
        Err(wire::ErroPacote::Utf8) => {
            return erro_producao("E1229", "Documento não está em UTF-8.");
        }
        Err(_) => return erro_producao("E1226", "Estrutura descompactada mal formada."),
    };
    if !xml.starts_with("<?xml") {
        return erro_producao("E1229", "Documento sem declaração XML UTF-8.");
    }
    let id_declarado = crate::id_do_documento(&xml).map(|i| i.to_string());
    let id = id_declarado.as_deref();
    let verificado = match xmldsig::verificar(&xml) {
        Ok(v) => v,
        Err(e) => return erro_openapi(id, "E0714", "Assinatura inválida.", &e.to_string()),
    };
    let bruta = match DpsBruta::de_xml(xmldsig::sem_declaracao(&xml)) {
        Ok(b) => b,
        Err(v) => return erro_openapi(id, "E1235", "Falha no esquema XML.", &v.to_string()),
    };
    let dps = match bruta.validar() {
        Ok(d) => d,
        Err(v) => {
            let (codigo, descricao) = if v.iter().any(|x| x.campo == "infDPS/@Id") {
                ("E0004", "Id da DPS não corresponde aos seus campos.")
            } else {
                ("E1235", "Falha no esquema XML.")
            };
            return erro_openapi(id, codigo, descricao, &v.to_string());
        }
    };
    let id_dps = dps.id().to_string();
    if verificado.alvo != Alvo::Id(id_dps.clone()) {
        return erro_openapi(id, "E0714", "A assinatura não cobre infDPS.", "");
    }
    if titular_de_der(&verificado.certificado_der) != Some(dps.prestador().inscricao) {
        return erro_openapi(
            id,
            "E0714",
            "A DPS deve ser assinada com o certificado do próprio emitente.",
            "",
        );
    }
    let (data, dh) = agora_texto();
    let resultado = c.com(|e| {
        if let Some(n) = e.emitidas.iter().find(|n| n.id_dps == id_dps) {
            return Err(Box::new(erro_openapi(
                Some(&id_dps),
                "E1268",
                "Já existe NFS-e para esta DPS.",
                &format!("chave de acesso {}", n.chave),
            )));
        }
        let chave = match ChaveAcesso::nova(
            dps.municipio_emissor(),
            2,
            dps.prestador().inscricao,
            e.numero + 1,
            (data.ano() % 100) as u8,
            data.mes(),
            (e.gerador.proximo() % (u64::from(CODIGO_CHAVE_MAXIMO) + 1)) as u32,
        ) {
            Ok(c) => c.to_string(),
            Err(erro) => {
                return Err(Box::new(erro_objeto(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "SIM500",
                    &format!("chave de acesso: {erro}"),
                )));
            }
        };
        e.numero += 1;
        let nfse = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><NFSe xmlns=\"{NAMESPACE}\" versao=\"1.01\"><infNFSe Id=\"NFS{chave}\"><xLocEmi>{mun}</xLocEmi><ambGer>2</ambGer><tpEmis>1</tpEmis><cStat>100</cStat><dhProc>{dh}</dhProc><nDFSe>{n}</nDFSe><nNFSe>{n}</nNFSe>{dps}</infNFSe></NFSe>",
            mun = dps.municipio_emissor().numero(),
            n = e.numero,
            dps = xmldsig::sem_declaracao(&xml),
        );
        e.emitidas.push(NfseSimulada {
            chave: chave.clone(),
            id_dps: id_dps.clone(),
            prestador: dps.prestador().inscricao,
            xml: nfse.clone(),
            cancelamento: None,
            tomador: dps.tomador().map(|p| p.inscricao),
            intermediario: dps.intermediario().map(|p| p.inscricao),
            eventos: Vec::new(),
        });
        Ok((chave, nfse))
    });
    match resultado {
        Some(Ok((chave, nfse))) => json(
            StatusCode::CREATED,
            j!({ "tipoAmbiente": 2, "versaoAplicativo": VERSAO_APLICATIVO, "dataHoraProcessamento": dh, "idDps": id_dps, "chaveAcesso": chave, "nfseXmlGZipB64": wire::compactar(&nfse), "alertas": [] }),
        ),
        Some(Err(resposta)) => *resposta,
        None => erro_objeto(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SIM500",
            "estado perdido",
        ),
    }
}

fn consultar(c: &Compartilhado, chave: &str) -> Resposta {
    if ChaveAcesso::parse(chave).is_err() {
        return erro_objeto(
            StatusCode::BAD_REQUEST,
            "SIM400",
            "Chave de acesso inválida.",
        );
    }
    let achada = c
        .com(|e| e.emitidas.iter().find(|n| n.chave == chave).cloned())
        .flatten();
    match achada {
        None => erro_objeto(StatusCode::NOT_FOUND, "SIM404", "NFS-e não encontrada."),
        Some(n) => json(
            StatusCode::OK,
            j!({ "tipoAmbiente": 2, "versaoAplicativo": VERSAO_APLICATIVO, "dataHoraProcessamento": agora_texto().1, "chaveAcesso": n.chave, "nfseXmlGZipB64": wire::compactar(&n.xml) }),
        ),
    }
}

/// `GET /nfse/{chave}/eventos/{tipo}/{nSeq}`: the event from the simulator's own record. A
/// malformed type or sequence is refused in the production `erros` shape, a bad key or a
/// missing note or event in the single `erro` object shape.
fn consultar_evento(c: &Compartilhado, chave: &str, tipo: &str, sequencia: &str) -> Resposta {
    if tipo.len() != 6 || !tipo.bytes().all(|b| b.is_ascii_digit()) {
        return erro_producao("RNG6110", "Tipo de evento inválido.");
    }
    let Ok(sequencia) = sequencia.parse::<u16>() else {
        return erro_producao("RNG6110", "Número de sequência do evento inválido.");
    };
    if ChaveAcesso::parse(chave).is_err() {
        return erro_objeto(
            StatusCode::BAD_REQUEST,
            "SIM400",
            "Chave de acesso inválida.",
        );
    }
    let achado = c
        .com(|e| {
            e.emitidas.iter().find(|n| n.chave == chave).map(|n| {
                if sequencia != 1 {
                    None
                } else if tipo == TIPO_CANCELAMENTO {
                    n.cancelamento.clone()
                } else {
                    n.eventos
                        .iter()
                        .find(|(t, _)| t == tipo)
                        .map(|(_, x)| x.clone())
                }
            })
        })
        .flatten();
    match achado {
        None => erro_objeto(StatusCode::NOT_FOUND, "SIM404", "NFS-e não encontrada."),
        Some(None) => erro_objeto(StatusCode::NOT_FOUND, "SIM404", "Evento não encontrado."),
        Some(Some(xml)) => json(
            StatusCode::OK,
            j!({ "tipoAmbiente": 2, "versaoAplicativo": VERSAO_APLICATIVO, "dataHoraProcessamento": agora_texto().1, "eventoXmlGZipB64": wire::compactar(&xml) }),
        ),
    }
}

/// The texts of the first elements named in `nomes` (no prefix), and the name of the
/// `eNNNNNN` child of `infPedReg`, and `infPedReg/@Id`.
#[derive(Default)]
struct PedidoLido {
    id: Option<String>,
    campos: HashMap<String, String>,
    tipo: Option<String>,
}

fn ler_pedido(xml: &str) -> Result<PedidoLido, String> {
    use quick_xml::events::Event;
    let mut leitor = quick_xml::Reader::from_str(xml);
    let mut lido = PedidoLido::default();
    let mut atual: Option<String> = None;
    loop {
        match leitor.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => {
                let nome = e.name().as_ref().to_owned();
                if nome == "infPedReg" {
                    for a in e.attributes().flatten() {
                        if a.key.as_ref() == "Id" {
                            lido.id = Some(a.value.into_owned());
                        }
                    }
                }
                if nome.len() == 7
                    && nome.starts_with('e')
                    && nome[1..].bytes().all(|b| b.is_ascii_digit())
                {
                    lido.tipo = Some(nome[1..].to_owned());
                }
                atual = Some(nome);
            }
            Event::Text(t) => {
                if let Some(n) = &atual {
                    lido.campos
                        .entry(n.clone())
                        .or_default()
                        .push_str(&t.xml10_content());
                }
            }
            Event::End(_) => atual = None,
            Event::Eof => return Ok(lido),
            _ => {}
        }
    }
}

fn evento(c: &Compartilhado, chave: &str, corpo: &[u8]) -> Resposta {
    let pedido: PedidoEvento = match serde_json::from_slice(corpo) {
        Ok(p) => p,
        Err(e) => return erro_openapi(None, "RNG9999", "Erro não catalogado.", &e.to_string()),
    };
    let xml = match wire::descompactar(&pedido.pedido_xml_gzip_b64) {
        Ok(x) => x,
        Err(_) => return erro_producao("E1226", "Estrutura descompactada mal formada."),
    };
    let verificado = match xmldsig::verificar(&xml) {
        Ok(v) => v,
        Err(e) => return erro_openapi(None, "E0714", "Assinatura inválida.", &e.to_string()),
    };
    let lido = match ler_pedido(xmldsig::sem_declaracao(&xml)) {
        Ok(l) => l,
        Err(e) => return erro_openapi(None, "E1235", "Falha no esquema XML.", &e),
    };
    let campo = |n: &str| lido.campos.get(n).map(String::as_str).unwrap_or_default();
    if lido.campos.contains_key("nPedRegEvento") {
        return erro_openapi(
            None,
            "E1235",
            "Falha no esquema XML.",
            "nPedRegEvento foi removido do leiaute em 27/12/2025",
        );
    }
    let tipo = lido.tipo.clone().unwrap_or_default();
    let id = lido.id.clone().unwrap_or_default();
    let esperado = format!("PRE{}{tipo}", campo("chNFSe"));
    let forma =
        id.len() == 59 && id.starts_with("PRE") && id[3..].bytes().all(|b| b.is_ascii_digit());
    if !forma || id != esperado {
        return erro_openapi(
            None,
            "E1827",
            "Id do pedido de registro de evento inválido.",
            &format!("esperado {esperado}, recebido {id}"),
        );
    }
    if verificado.alvo != Alvo::Id(id.clone()) {
        return erro_openapi(None, "E0714", "A assinatura não cobre infPedReg.", "");
    }
    if campo("chNFSe") != chave {
        return erro_openapi(
            None,
            "E1235",
            "Falha no esquema XML.",
            "chNFSe difere da chave do caminho",
        );
    }
    let Some((_, descricao, papel)) = GRUPOS_CONTRIBUINTE.iter().find(|(t, _, _)| *t == tipo)
    else {
        return erro_openapi(None, "SIM400", "Evento não simulado.", &tipo);
    };
    if campo("xDesc") != *descricao {
        return erro_openapi(
            None,
            "E1235",
            "Falha no esquema XML.",
            &format!("xDesc deve ser \"{descricao}\""),
        );
    }
    if tipo == "105102" {
        return erro_openapi(
            None,
            "SIM422",
            "Evento registrado pelo próprio sistema.",
            "o cancelamento por substituição é gerado ao emitir a DPS substituta",
        );
    }
    let autor = if lido.campos.contains_key("CNPJAutor") {
        campo("CNPJAutor")
    } else {
        campo("CPFAutor")
    };
    let signatario = titular_de_der(&verificado.certificado_der);
    if signatario.map(|d| d.as_str().to_owned()).as_deref() != Some(autor) {
        return erro_openapi(
            None,
            "E0812",
            "O autor do evento difere do certificado de assinatura.",
            "",
        );
    }
    let (_, dh) = agora_texto();
    c.com(|e| {
        let Some(n) = e.emitidas.iter_mut().find(|n| n.chave == chave) else {
            return erro_objeto(StatusCode::NOT_FOUND, "SIM404", "NFS-e não encontrada.");
        };
        let ator = match papel {
            Papel::Prestador => Some(n.prestador),
            Papel::Tomador => n.tomador,
            Papel::Intermediario => n.intermediario,
        };
        if ator.is_none() || ator != signatario {
            let complemento = match ator {
                None => format!("a NFS-e não tem {}", papel.nome()),
                Some(_) => format!("o autor deve ser o {} da NFS-e", papel.nome()),
            };
            return erro_openapi(
                None,
                "E0812",
                "O autor não é o ator da NFS-e que este evento exige.",
                &complemento,
            );
        }
        let repetido = if tipo == TIPO_CANCELAMENTO {
            n.cancelamento.is_some()
        } else {
            n.eventos.iter().any(|(t, _)| *t == tipo)
        };
        if repetido {
            return erro_openapi(
                None,
                "E0802",
                "Evento já registrado para esta NFS-e.",
                &tipo,
            );
        }
        if n.cancelamento.is_some() {
            return erro_openapi(
                None,
                "SIM409",
                "NFS-e cancelada: nenhum outro evento é aceito.",
                "",
            );
        }
        let registrado = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><evento xmlns=\"{NAMESPACE}\" versao=\"1.01\"><infEvento Id=\"EVT{}001\"><verAplic>{VERSAO_APLICATIVO}</verAplic><ambGer>2</ambGer><nSeqEvento>1</nSeqEvento><dhProc>{dh}</dhProc>{}</infEvento></evento>",
            &id[3..],
            xmldsig::sem_declaracao(&xml)
        );
        let b64 = wire::compactar(&registrado);
        if tipo == TIPO_CANCELAMENTO {
            n.cancelamento = Some(registrado);
        } else {
            n.eventos.push((tipo.clone(), registrado));
        }
        json(
            StatusCode::CREATED,
            j!({ "tipoAmbiente": 2, "versaoAplicativo": VERSAO_APLICATIVO, "dataHoraProcessamento": dh, "eventoXmlGZipB64": b64 }),
        )
    })
    .unwrap_or_else(|| erro_objeto(StatusCode::INTERNAL_SERVER_ERROR, "SIM500", "estado perdido"))
}

fn parametros(c: &Compartilhado, metodo: &Method, resto: &str) -> Resposta {
    let partes: Vec<&str> = resto.split('/').collect();
    match (metodo, partes.as_slice()) {
        (&Method::GET, [mun, serv, competencia, "aliquota"]) => {
            if CodigoIbge::parse(mun).is_err() || Data::parse_iso(competencia).is_err() {
                return json(
                    StatusCode::BAD_REQUEST,
                    j!({ "Mensagem": "Parâmetros inválidos: município ou competência." }),
                );
            }
            let itens = c
                .com(|e| {
                    e.aliquotas
                        .get(&((*mun).to_owned(), (*serv).to_owned()))
                        .cloned()
                })
                .flatten();
            match itens {
                Some(v) => json(
                    StatusCode::OK,
                    j!({ "Mensagem": "Alíquota encontrada.", "Aliquotas": { *serv: v } }),
                ),
                None => json(
                    StatusCode::NOT_FOUND,
                    j!({ "Mensagem": "Nenhuma alíquota encontrada para o município e serviço." }),
                ),
            }
        }
        _ => json(
            StatusCode::NOT_FOUND,
            j!({ "Mensagem": "Recurso não encontrado." }),
        ),
    }
}
