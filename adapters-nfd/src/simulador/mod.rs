//! A simulator of the NFD web service (an ASP.NET `.asmx`, SOAP 1.1) on loopback, for tests,
//! `guiche demo` and `guiche sandbox`.
//!
//! It behaves as the manual says, including the parts that hurt a client: a nota number is
//! strictly sequential per provider and municipality, a number already issued is answered
//! `0-Esta nota já consta no sistema.`, and injected faults ([`Falha`]) can issue a nota while
//! the client never learns it.
//!
//! # The service
//!
//! - `POST /wsnfd/ServicoNfd.asmx` (path compared case-insensitively) with `Content-Type:
//!   text/xml` (any other type: HTTP 415). The body is read with [`crate::wire::ler_pedido`] and
//!   the reply written with [`crate::wire::escrever_resposta`].
//! - `SOAPAction` (quoted or not; missing counts as empty) must equal the configured namespace
//!   followed by the operation of the body; otherwise HTTP 500 with the `.asmx` Fault
//!   `Server did not recognize the value of HTTP Header SOAPAction: …`. A body that cannot be
//!   read (not UTF-8, not XML, not the SOAP shape, an operation namespace other than the
//!   configured one, a `codPrefeitura` that is not an `int`) is HTTP 500 with a `soap:Client`
//!   Fault `Server was unable to read request. ---> …`, as an `.asmx` answers a deserialisation
//!   error. Bodies above 1 MiB are refused with HTTP 413.
//! - `GET /wsnfd/ServicoNfd.asmx?WSDL` returns a minimal WSDL 1.1 (document/literal, both
//!   operations, the configured namespace, the simulator's own address), enough for SoapUI and
//!   similar tools. Any other method on the service path is HTTP 405.
//! - `GET` on the print URL handed out by `EnviarNotaRetornaurlNota` returns the recorded
//!   `<NOTA>` as plain text (404 when unknown).
//!
//! # Judging a request, in order
//!
//! 1. `codPrefeitura` is an integer (as the manual types it) compared numerically with the
//!    shipped municipality table (`44` and `0044` are both Piracaia); unknown:
//!    `0-Prefeitura não encontrada.`
//! 2. Unknown `cnpjPrestador` or wrong `senhaNFD`: `0-CNPJ/CPF do prestador ou senha inválidos.`
//! 3. Provider not enabled there: `0-Prestador não liberado para envio de notas nesta prefeitura.`
//!    The manual lists none of these three texts: they are the simulator's own.
//! 4. The nota is read with [`NotaBruta::de_xml`](guiche_domain::nfd::NotaBruta::de_xml). If its
//!    `NUMERO_NOTA` (digits) was already issued for this provider and municipality, the reply is
//!    `0-Esta nota já consta no sistema.` ([`crate::wire::JA_CONSTA`]) before any other rule, so
//!    that re-sending the same payload after an unknown outcome always meets the duplicate.
//! 5. [`NotaBruta::validar`](guiche_domain::nfd::NotaBruta::validar) with the municipality's
//!    profile, today (see [`ConfigSimulador::hoje`]) and the provider's last nota there. The
//!    domain reports every violation; the service replies with the first one only, as
//!    `0-<TAG>: <mensagem>`. A blank `NUMERO_NOTA` (which the domain accepts, for the ledger to
//!    assign) is refused as `0-NUMERO_NOTA: campo obrigatório não preenchido`. The first nota of
//!    a provider in a municipality may carry any number; from then on the sequence is strict.
//! 6. The nota is recorded (number, date, a fresh unique authenticity code shaped like the
//!    manual's `MOPD33J.POA234J.OI5WR465.098KJDDW`, the exact `notaFiscal` text) and the reply is
//!    `1-<code>`, or for `EnviarNotaRetornaurlNota` `1-http://127.0.0.1:PORT/nfd2010/WebPages/Nfd/
//!    Usuarios/NotaFiscalImpressao.aspx?p=<código>&a=<code without dots>&n=<número>`, where
//!    `<código>` is the municipality's code as the table writes it (`0044`).
//!
//! # Faults
//!
//! [`SimuladorNfd::injetar`] queues [`Falha`]s; each is consumed by the next `POST` to the
//! service path, whatever it carries. [`SimuladorNfd::caos`] draws them at random instead
//! ([`Caos`]), for requests that find the queue empty. [`Falha::Lenta`] and [`Falha::Reset`] let the request be
//! processed as usual and then delay or drop whatever reply it got; [`Falha::Http500`] and
//! [`Falha::Indisponivel`] answer before reading the body.
//!
//! # By hand
//!
//! - `POST /_simulador/falhas` with a text body `lenta:<ms>`, `reset`, `http500` or
//!   `indisponivel` queues a [`Falha`] (HTTP 204; 400 for anything else).
//! - `POST /_simulador/caos` with a text body `perdidas=0.1 atrasadas=0.05 atraso=1500` draws,
//!   for every later request without a queued fault, a lost reply (10 %) or one held back
//!   1.5 s (5 %), after the nota is processed ([`Caos`]; HTTP 204, 400 for anything else).
//! - `GET /_simulador/notas` lists the issued notas as `prestador;prefeitura;numero;codigo`
//!   lines (text/plain), ordered by provider, municipality and number.

mod estado;
mod http;
mod wsdl;

use estado::Estado;
use guiche_domain::Data;
use guiche_simulador::Servico;
use guiche_simulador::falha::{self, Depois, Injetavel};
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

/// The path of the service, as the manual writes it.
pub const CAMINHO_SERVICO: &str = "/wsnfd/ServicoNfd.asmx";

/// How the simulator is started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigSimulador {
    /// TCP port on 127.0.0.1; `0` picks a free one (see [`SimuladorNfd::url`]).
    pub porta: u16,
    /// The operations' namespace, also the `SOAPAction` prefix (default `http://brgov.com.br/`).
    pub namespace: String,
    /// Today's date for the date rules; `None` reads the system clock at each request and takes
    /// the date in Brasília (UTC−3).
    pub hoje: Option<Data>,
}

impl Default for ConfigSimulador {
    fn default() -> ConfigSimulador {
        ConfigSimulador {
            porta: 0,
            namespace: "http://brgov.com.br/".to_owned(),
            hoje: None,
        }
    }
}

/// A fault injected into the next request to the service (one request each, in order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Falha {
    /// Process and record the nota normally, then hold the reply for this long: a client with
    /// a shorter timeout sees an unknown outcome although the nota was issued.
    Lenta(Duration),
    /// Process and record the nota normally, then close the connection without any reply.
    Reset,
    /// HTTP 500 with a SOAP Fault, without processing or recording anything.
    Http500,
    /// HTTP 503 with an empty body, without processing anything.
    Indisponivel,
}

/// Faults drawn at random for every request to the service that finds no queued [`Falha`]: the
/// request is processed and recorded as usual, then its reply is lost (the connection closes
/// without one) or held back. This is what a chaos test needs: notas issued while the client
/// never learns it, at a steady rate, whoever sends them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Caos {
    /// Share of replies dropped, from 0 to 1.
    pub perdidas: f64,
    /// Share of replies held back by [`Caos::atraso`], from 0 to 1.
    pub atrasadas: f64,
    /// How long a held-back reply waits: longer than the client's timeout makes it late.
    pub atraso: Duration,
}

/// A chaos description that [`Caos::from_str`] cannot read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "caos inválido {0:?}: use perdidas=<0 a 1> atrasadas=<0 a 1> atraso=<ms>, com perdidas + \
     atrasadas até 1"
)]
pub struct ErroCaos(pub String);

impl FromStr for Caos {
    type Err = ErroCaos;

    /// Reads `perdidas=0.1 atrasadas=0.05 atraso=1500` (any order, blanks or `&` between
    /// them, each optional: missing is 0), the body of `POST /_simulador/caos`.
    fn from_str(texto: &str) -> Result<Caos, ErroCaos> {
        let erro = || ErroCaos(texto.trim().to_owned());
        let mut caos = Caos::default();
        for par in texto.split(|c: char| c.is_whitespace() || c == '&') {
            if par.is_empty() {
                continue;
            }
            let (chave, valor) = par.split_once('=').ok_or_else(erro)?;
            let fracao = || {
                valor
                    .parse::<f64>()
                    .ok()
                    .filter(|f| (0.0..=1.0).contains(f))
                    .ok_or_else(erro)
            };
            match chave.to_ascii_lowercase().as_str() {
                "perdidas" => caos.perdidas = fracao()?,
                "atrasadas" => caos.atrasadas = fracao()?,
                "atraso" => {
                    caos.atraso = Duration::from_millis(valor.parse().map_err(|_| erro())?);
                }
                _ => return Err(erro()),
            }
        }
        if caos.perdidas + caos.atrasadas > 1.0 {
            return Err(erro());
        }
        Ok(caos)
    }
}

impl Caos {
    /// The fault for a draw `u` in `[0, 1)`, if any.
    fn sortear(&self, u: f64) -> Option<Falha> {
        if u < self.perdidas {
            Some(Falha::Reset)
        } else if u < self.perdidas + self.atrasadas {
            Some(Falha::Lenta(self.atraso))
        } else {
            None
        }
    }
}

pub use guiche_simulador::falha::ErroFalha;

impl Injetavel for Falha {
    const NOMES: &'static [(&'static str, Falha)] = &[
        ("reset", Falha::Reset),
        ("http500", Falha::Http500),
        ("indisponivel", Falha::Indisponivel),
    ];
    const ACEITAS: &'static str = "lenta:<ms>, reset, http500 ou indisponivel";

    fn lenta(atraso: Duration) -> Falha {
        Falha::Lenta(atraso)
    }

    fn depois(self) -> Depois {
        match self {
            Falha::Lenta(atraso) => Depois::Atrasar(atraso),
            Falha::Reset => Depois::Derrubar,
            Falha::Http500 | Falha::Indisponivel => Depois::Responder,
        }
    }
}

impl FromStr for Falha {
    type Err = ErroFalha;

    /// Reads `lenta:<ms>`, `reset`, `http500` or `indisponivel` (case and surrounding blanks
    /// ignored), the body of `POST /_simulador/falhas`.
    fn from_str(texto: &str) -> Result<Falha, ErroFalha> {
        falha::ler(texto)
    }
}

/// A nota the simulator issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotaEmitida {
    /// `NUMERO_NOTA`.
    pub numero: u64,
    /// `DATA_EMISSAO`.
    pub data: Data,
    /// The authenticity code (`XXXXXXX.XXXXXXX.XXXXXXXX.XXXXXXXX`).
    pub codigo: String,
    /// The `notaFiscal` text exactly as received.
    pub documento: String,
}

/// The running simulator. Serves until [`SimuladorNfd::parar`] or until dropped (which aborts
/// the server and its connections at once).
#[derive(Debug)]
pub struct SimuladorNfd {
    servico: Servico<Estado>,
}

impl SimuladorNfd {
    /// Binds 127.0.0.1 on the configured port and starts serving on the current Tokio runtime.
    ///
    /// # Errors
    /// When the port cannot be bound, or when called outside a Tokio runtime.
    pub fn iniciar(config: ConfigSimulador) -> std::io::Result<SimuladorNfd> {
        let porta = config.porta;
        let estado = |endereco| Estado::new(config, endereco);
        let servico = Servico::iniciar(porta, "NFD", estado, http::atender)?;
        Ok(SimuladorNfd { servico })
    }

    /// The service URL: `http://127.0.0.1:PORT/wsnfd/ServicoNfd.asmx`.
    pub fn url(&self) -> String {
        format!("{}{CAMINHO_SERVICO}", self.base())
    }

    /// `http://127.0.0.1:PORT`, the root of the admin endpoints.
    pub fn base(&self) -> String {
        self.servico.raiz()
    }

    /// The bound address.
    pub fn endereco(&self) -> SocketAddr {
        self.servico.endereco()
    }

    /// Registers a provider (replacing its password and municipalities if already known; its
    /// notas are kept) enabled ("liberado") for these `codPrefeitura`s, compared numerically.
    /// A code that is not an integer is ignored: no request could ever match it.
    pub fn cadastrar_prestador(&self, cnpj: &str, senha: &str, prefeituras: &[&str]) {
        self.servico
            .estado()
            .cadastrar_prestador(cnpj, senha, prefeituras);
    }

    /// Queues a fault for the next request to the service that has none.
    pub fn injetar(&self, falha: Falha) {
        self.servico.estado().injetar(falha);
    }

    /// Draws faults at random for every later request that finds no queued fault
    /// (`Caos::default()` stops it).
    pub fn caos(&self, caos: Caos) {
        self.servico.estado().caos(caos);
    }

    /// The notas issued to `prestador` in `prefeitura` (compared numerically), in number order.
    pub fn emitidas(&self, prestador: &str, prefeitura: &str) -> Vec<NotaEmitida> {
        self.servico.estado().emitidas(prestador, prefeitura)
    }

    /// How many requests the service path received (every `POST`, faults included; admin
    /// endpoints, WSDL and print pages not counted).
    pub fn requisicoes(&self) -> usize {
        self.servico.estado().requisicoes()
    }

    /// Stops accepting, lets requests in flight finish (at most 10 s, then they are aborted)
    /// and closes idle connections.
    pub async fn parar(self) {
        self.servico.parar().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_nfd_faults_are_read() {
        // How any fault text is read (case, blanks, `lenta:<ms>`) is guiche_simulador::falha's.
        let lidas: Vec<Falha> = ["reset", "HTTP500", "indisponivel"]
            .iter()
            .filter_map(|t| t.parse().ok())
            .collect();
        assert_eq!(lidas, [Falha::Reset, Falha::Http500, Falha::Indisponivel]);
        assert_eq!(
            "lenta:3".parse(),
            Ok(Falha::Lenta(Duration::from_millis(3)))
        );
        assert_eq!(
            "timeout".parse::<Falha>().unwrap_err().to_string(),
            "falha desconhecida \"timeout\": use lenta:<ms>, reset, http500 ou indisponivel"
        );
    }

    #[test]
    fn chaos_is_read_from_text_and_draws_its_shares() {
        let c: Caos = "perdidas=0.1 atrasadas=0.05&atraso=1500".parse().unwrap();
        assert_eq!(
            c,
            Caos {
                perdidas: 0.1,
                atrasadas: 0.05,
                atraso: Duration::from_millis(1500)
            }
        );
        assert_eq!("".parse::<Caos>(), Ok(Caos::default()));
        for ruim in [
            "perdidas=2",
            "perdidas=0.6 atrasadas=0.6",
            "x=1",
            "atraso=-1",
            "perdidas",
        ] {
            assert!(ruim.parse::<Caos>().is_err(), "{ruim}");
        }
        assert_eq!(c.sortear(0.05), Some(Falha::Reset));
        assert_eq!(
            c.sortear(0.12),
            Some(Falha::Lenta(Duration::from_millis(1500)))
        );
        assert_eq!(c.sortear(0.16), None);
        assert_eq!(Caos::default().sortear(0.0), None);
    }

    #[test]
    fn starting_outside_a_runtime_is_an_error_not_a_panic() {
        assert!(SimuladorNfd::iniciar(ConfigSimulador::default()).is_err());
    }
}
