//! A simulator of the CONAM accounting-integration REST API on loopback, for tests,
//! `guiche demo` and `guiche sandbox`.
//!
//! It answers as the manual (and DESIGN.md's decisions on it) says, including the parts that
//! hurt a client: tokens expire (`403 Token Expirado`), an entity may be out of reach
//! (`403 Acesso Negado`), a package waits for an operator ([`SimuladorConam::aprovar`],
//! [`SimuladorConam::rejeitar`]) and injected faults ([`Falha`]) can record a package while the
//! client never learns it. Every reply is written with [`crate::wire`].
//!
//! # The service
//!
//! One server answers both hosts of the manual: the token endpoint
//! ([`SimuladorConam::url_token`], `POST /token`) and the API under the city's path segment
//! ([`SimuladorConam::base`], `/{cidade}/v1_0/…`). A path that is not one of these is HTTP 404,
//! a known path with another method HTTP 405 (queries are `GET` only, as DESIGN.md decides:
//! the manual's `curl -X POST` on queries is a slip). Path segments are percent-decoded.
//!
//! - `POST /token`, `Content-Type: application/x-www-form-urlencoded`, fields `grant_type`,
//!   `client_id`, `client_secret` (as the manual's curl). `grant_type` other than
//!   `client_credentials`: 400 `{"error":true,"data":"grant_type deve ser client_credentials"}`;
//!   another media type, an unreadable form or a repeated field: 400 with its own text; unknown
//!   client or wrong secret: 401 `Não Autorizado`. Success: 200 with a
//!   [`TokenDto`](crate::wire::TokenDto) whose token is JWT-shaped (three base64url parts; the
//!   signature is random bytes and nothing checks it) and `expires_in` from
//!   [`ConfigSimulador::validade_token`].
//! - Every API call needs `Authorization: Bearer <token>`. Missing, malformed or unknown:
//!   401 `{"error":true,"data":"Não Autorizado"}`; expired: 403
//!   `{"error":false,"data":"Token Expirado"}`.
//! - `GET …/v1_0/receitaorcamentaria/{entidade}/{ano}` and
//!   `GET …/v1_0/contaextraorcamentaria/{entidade}/{ano}` (also under the manual example's
//!   `receitaextraorcamentaria`): 200 with the list set by [`SimuladorConam::definir_receitas`]
//!   (an empty list for a year without data).
//! - `GET …/v1_0/contabilidadeaberta/{entidade}/{ano}/{mes}` (`07` or `7`): `ABERTO` unless
//!   [`SimuladorConam::fechar_periodo`], then `FECHADO`.
//! - `POST …/v1_0/enviotributos` with the package JSON (any `Content-Type`: the manual's curl
//!   sends none but curl's form default): 201 `{"error":false,"data":"SUCESSO"}`, recorded as
//!   `AGUARDANDO` with its exact body. Bodies above 1 MiB: HTTP 413.
//! - `GET …/v1_0/enviotributos/{idPacote}`: 200 `AGUARDANDO`, `SUCESSO` or the rejection
//!   `{"error":true,"data":{"codigo":…,"mensagem":…}}`; 404
//!   `{"error":true,"data":"Pacote não encontrado"}` when unknown.
//!
//! In every API call the order is: token (401, 403 expired); parameters (401
//! `Parametros inválidos` for a year that is not four digits, a month outside 1–12 or an
//! entity the simulator does not know); access (403 `Acesso Negado` for an entity the client
//! was not registered with). An entity exists once [`SimuladorConam::cadastrar_entidade`],
//! [`SimuladorConam::cadastrar_cliente`], [`SimuladorConam::definir_receitas`] or
//! [`SimuladorConam::fechar_periodo`] names it; entity `1` exists from the start with the
//! manual's revenue examples for 2022.
//!
//! # Judging a package, in order
//!
//! 1. The manual's first validation is the domain's:
//!    [`PacoteBruto::de_json`](guiche_domain::conam::PacoteBruto::de_json), then
//!    [`PacoteBruto::validar`](guiche_domain::conam::PacoteBruto::validar) with
//!    [`Tabela2::oficial`](guiche_domain::conam::Tabela2::oficial). The manual's Table 3 (the
//!    codes of this validation) is not in the document, so the simulator answers the **first**
//!    violation as 401 `{"codigo": "<rule code>", "mensagem": "<campo>: <mensagem>"}`, the
//!    rule code being the domain's stable [`Regra::codigo`](guiche_domain::Regra::codigo)
//!    (`conam.sinal`…). A body that is not UTF-8 is `formato.json`.
//! 2. The package's `codEntidade` must be one the client may access: 403 `Acesso Negado`.
//! 3. A known `idPacote` (ids are global to the city, as the status path has no entity)
//!    belonging to an entity the client may not access: 403 `Acesso Negado`. One already
//!    evaluated (approved or rejected): 401 with codigo [`CODIGO_JA_AVALIADO`] (`99`) and
//!    `pacote <id> já avaliado pela contabilidade`. One still `AGUARDANDO` is replaced.
//! 4. A `dataMovimento` in a period closed for the entity: 401 with codigo
//!    [`CODIGO_PERIODO_FECHADO`] (`98`) and `período <mm/aaaa> fechado na contabilidade`.
//!
//! Codes `98` and `99` and their texts are the simulator's own: the manual only says such a
//! resend is refused. A refused send never changes what was recorded; [`PacoteRecebido::envios`]
//! counts the accepted sends of an id.
//!
//! # The accounting team
//!
//! [`SimuladorConam::aprovar`] and [`SimuladorConam::rejeitar`] evaluate a waiting package.
//! With [`ConfigSimulador::aprovar_apos_consultas`] set to `Some(n)`, a waiting package is
//! approved by itself once it has been answered `AGUARDANDO` `n` times: the `n + 1`-th status
//! query already answers `SUCESSO` (so `Some(0)` approves on the first query).
//!
//! # Faults
//!
//! [`SimuladorConam::injetar`] queues [`Falha`]s; each is consumed by the next request that is
//! not an admin endpoint (token requests included). [`Falha::Lenta`] and [`Falha::Reset`] let
//! the request be processed as usual and then delay or drop its reply; [`Falha::Indisponivel`]
//! answers 503 with an empty body without processing anything.
//!
//! # By hand
//!
//! Under `http://127.0.0.1:PORT/_simulador/` ([`SimuladorConam::raiz`]), none counted as a
//! request nor consuming a fault:
//!
//! - `POST falhas`, text body `indisponivel`, `lenta:<ms>` or `reset`: queues a [`Falha`]
//!   (204; 400 for anything else).
//! - `POST aprovar/{id}`; `POST rejeitar/{id}` with the text body `codigo;mensagem`: 204; 404
//!   for an unknown package, 409 for one already evaluated, 400 for a body without `;`.
//! - `POST fechar/{entidade}/{ano}/{mes}`: closes the period (204; 400 for a bad year or month).
//! - `GET pacotes`: `id;entidade;situacao` lines by id, `situacao` being `AGUARDANDO`,
//!   `SUCESSO` or `REJEITADO`.

mod estado;
mod http;
mod manual;
mod rotas;
mod token;

use crate::wire::ReceitaDto;
use estado::{Avaliacao, Estado};
use guiche_simulador::Servico;
use guiche_simulador::falha::{self, Depois, Injetavel};
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

/// The city path segment when none is configured, as in the manual's examples
/// (`https://local/teste/v1_0/…`).
pub const CIDADE_PADRAO: &str = "teste";

/// The token endpoint's path (the manual's `https://login.conam.com.br/token`).
pub const CAMINHO_TOKEN: &str = "/token";

/// Token validity when none is configured: one hour, as the manual says.
pub const VALIDADE_TOKEN_PADRAO: Duration = Duration::from_secs(3600);

/// Rejection code of a resend of a package already evaluated (the simulator's own).
pub const CODIGO_JA_AVALIADO: &str = "99";

/// Rejection code of a package dated in a closed period (the simulator's own).
pub const CODIGO_PERIODO_FECHADO: &str = "98";

/// How the simulator is started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigSimulador {
    /// TCP port on 127.0.0.1; `0` picks a free one.
    pub porta: u16,
    /// The city path segment (`{cidade}` in the manual's URLs); letters, digits, `-`, `.`,
    /// `_` and `~` only. Default [`CIDADE_PADRAO`].
    pub cidade: String,
    /// How long a token lasts (`expires_in` in whole seconds). Default one hour.
    pub validade_token: Duration,
    /// Approve a waiting package by itself after this many status queries (see the module
    /// documentation); `None` (the default) waits for [`SimuladorConam::aprovar`].
    pub aprovar_apos_consultas: Option<u32>,
}

impl Default for ConfigSimulador {
    fn default() -> ConfigSimulador {
        ConfigSimulador {
            porta: 0,
            cidade: CIDADE_PADRAO.to_owned(),
            validade_token: VALIDADE_TOKEN_PADRAO,
            aprovar_apos_consultas: None,
        }
    }
}

/// A fault injected into the next request (one request each, in order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Falha {
    /// HTTP 503 with an empty body, without processing anything.
    Indisponivel,
    /// Process the request normally, then hold the reply for this long: a client with a
    /// shorter timeout sees an unknown outcome although the package was recorded.
    Lenta(Duration),
    /// Process the request normally, then close the connection without any reply.
    Reset,
}

pub use guiche_simulador::falha::ErroFalha;

impl Injetavel for Falha {
    const NOMES: &'static [(&'static str, Falha)] = &[
        ("indisponivel", Falha::Indisponivel),
        ("reset", Falha::Reset),
    ];
    const ACEITAS: &'static str = "indisponivel, lenta:<ms> ou reset";

    fn lenta(atraso: Duration) -> Falha {
        Falha::Lenta(atraso)
    }

    fn depois(self) -> Depois {
        match self {
            Falha::Indisponivel => Depois::Responder,
            Falha::Lenta(atraso) => Depois::Atrasar(atraso),
            Falha::Reset => Depois::Derrubar,
        }
    }
}

impl FromStr for Falha {
    type Err = ErroFalha;

    /// Reads `indisponivel`, `lenta:<ms>` or `reset` (case and surrounding blanks ignored), the
    /// body of `POST /_simulador/falhas`.
    fn from_str(texto: &str) -> Result<Falha, ErroFalha> {
        falha::ler(texto)
    }
}

/// Where a received package stands with the accounting team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Situacao {
    /// Waiting for evaluation (`AGUARDANDO`); a resend replaces it.
    Aguardando,
    /// Approved (`SUCESSO`).
    Aprovado,
    /// Rejected by the operator with this `{codigo, mensagem}`.
    Rejeitado {
        /// `codigo`.
        codigo: String,
        /// `mensagem`.
        mensagem: String,
    },
}

/// A package the simulator accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacoteRecebido {
    /// The body of the last accepted send, exactly as received.
    pub documento: String,
    /// Where it stands.
    pub situacao: Situacao,
    /// How many sends of this `idPacote` were accepted (a replacement counts, a refusal not).
    pub envios: u32,
}

/// The running simulator. Serves until [`SimuladorConam::parar`] or until dropped (which
/// aborts the server and its connections at once).
#[derive(Debug)]
pub struct SimuladorConam {
    servico: Servico<Estado>,
}

impl SimuladorConam {
    /// Binds 127.0.0.1 on the configured port and starts serving on the current Tokio runtime.
    ///
    /// # Errors
    /// When the city is not a plain path segment, when the port cannot be bound, or when
    /// called outside a Tokio runtime.
    pub fn iniciar(config: ConfigSimulador) -> std::io::Result<SimuladorConam> {
        if !rotas::segmento_simples(&config.cidade) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "cidade {:?}: use letras, dígitos, '-', '.', '_' ou '~'",
                    config.cidade
                ),
            ));
        }
        let estado = |_| Estado::new(&config);
        let servico = Servico::iniciar(config.porta, "CONAM", estado, http::atender)?;
        Ok(SimuladorConam { servico })
    }

    /// The API base URL, with the city: `http://127.0.0.1:PORT/{cidade}` (every API path,
    /// such as [`crate::wire::CAMINHO_ENVIO`], goes after it).
    pub fn base(&self) -> String {
        format!("{}/{}", self.raiz(), self.servico.estado().cidade)
    }

    /// The token endpoint: `http://127.0.0.1:PORT/token`.
    pub fn url_token(&self) -> String {
        format!("{}{CAMINHO_TOKEN}", self.raiz())
    }

    /// `http://127.0.0.1:PORT`, the root of the admin endpoints (`/_simulador/…`).
    pub fn raiz(&self) -> String {
        self.servico.raiz()
    }

    /// The bound address.
    pub fn endereco(&self) -> SocketAddr {
        self.servico.endereco()
    }

    /// Registers a client (replacing its secret and entities if already known; its tokens stay
    /// valid and see the new entities) allowed to access these entities, which come to exist.
    pub fn cadastrar_cliente(&self, client_id: &str, client_secret: &str, entidades: &[&str]) {
        self.servico
            .estado()
            .cadastrar_cliente(client_id, client_secret, entidades);
    }

    /// Makes an entity exist (no client may access it until registered with it).
    pub fn cadastrar_entidade(&self, codigo: &str) {
        self.servico.estado().cadastrar_entidade(codigo);
    }

    /// Sets the budget (`receitaorcamentaria`) and extra-budget (`contaextraorcamentaria`)
    /// revenues of an entity in a year, replacing what was there; the entity comes to exist.
    pub fn definir_receitas(
        &self,
        entidade: &str,
        ano: u16,
        orcamentarias: Vec<ReceitaDto>,
        extra: Vec<ReceitaDto>,
    ) {
        self.servico
            .estado()
            .definir_receitas(entidade, ano, orcamentarias, extra);
    }

    /// Closes a month for an entity (which comes to exist): the period check answers `FECHADO`
    /// and packages whose `dataMovimento` falls in it are refused.
    pub fn fechar_periodo(&self, entidade: &str, ano: u16, mes: u8) {
        self.servico.estado().fechar_periodo(entidade, ano, mes);
    }

    /// The operator approves a waiting package. `false` when it is unknown or was already
    /// evaluated (nothing changes then).
    pub fn aprovar(&self, id_pacote: u64) -> bool {
        self.servico.estado().avaliar(id_pacote, Situacao::Aprovado) == Avaliacao::Feita
    }

    /// The operator rejects a waiting package with this `{codigo, mensagem}`. `false` when it
    /// is unknown or was already evaluated (nothing changes then).
    pub fn rejeitar(&self, id_pacote: u64, codigo: &str, mensagem: &str) -> bool {
        let situacao = Situacao::Rejeitado {
            codigo: codigo.to_owned(),
            mensagem: mensagem.to_owned(),
        };
        self.servico.estado().avaliar(id_pacote, situacao) == Avaliacao::Feita
    }

    /// Makes every token issued so far expired (`403 Token Expirado` from now on); tokens
    /// issued later are fresh.
    pub fn expirar_tokens(&self) {
        self.servico.estado().expirar_tokens();
    }

    /// Queues a fault for the next request that has none.
    pub fn injetar(&self, falha: Falha) {
        self.servico.estado().injetar(falha);
    }

    /// The package recorded under this `idPacote`.
    pub fn pacote(&self, id_pacote: u64) -> Option<PacoteRecebido> {
        self.servico.estado().pacote(id_pacote)
    }

    /// How many requests arrived, token requests and faults included (admin endpoints not
    /// counted).
    pub fn requisicoes(&self) -> usize {
        self.servico.estado().requisicoes()
    }

    /// How many tokens were issued (refused token requests not counted).
    pub fn tokens_emitidos(&self) -> usize {
        self.servico.estado().tokens_emitidos()
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
    fn the_faults_conam_serves_are_read_and_no_other() {
        // How any fault text is read (case, blanks, `lenta:<ms>`) is guiche_simulador::falha's.
        let lidas: Vec<Falha> = ["Indisponivel", "reset", "lenta:250"]
            .into_iter()
            .map(|t| t.parse().unwrap())
            .collect();
        let esperadas = [Falha::Indisponivel, Falha::Reset];
        assert_eq!(lidas[..2], esperadas);
        assert_eq!(lidas[2], Falha::Lenta(Duration::from_millis(250)));
        let e = "http500".parse::<Falha>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "falha desconhecida \"http500\": use indisponivel, lenta:<ms> ou reset"
        );
    }

    #[test]
    fn starting_outside_a_runtime_is_an_error_not_a_panic() {
        assert!(SimuladorConam::iniciar(ConfigSimulador::default()).is_err());
    }

    #[tokio::test]
    async fn a_city_that_is_not_a_plain_segment_is_refused() {
        for cidade in ["", "a/b", "são paulo", "x?y"] {
            let config = ConfigSimulador {
                cidade: cidade.into(),
                ..ConfigSimulador::default()
            };
            let e = SimuladorConam::iniciar(config).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{cidade}");
        }
    }
}
