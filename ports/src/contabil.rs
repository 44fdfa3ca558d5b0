//! The accounting integration (CONAM today): revenue catalogues, the open-period check, and
//! movement packages sent and followed to approval or rejection, in domain terms.

use async_trait::async_trait;
use guiche_domain::conam::Pacote;

pub mod regras;

/// A revenue account of the accounting system (budget or extra-budget).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receita {
    /// Internal code of the revenue (`codigo`).
    pub codigo: String,
    /// Exercise year.
    pub exercicio: u16,
    /// Accounting account (`codigoConta`).
    pub codigo_conta: String,
    /// Description.
    pub descricao: String,
    /// For a renounced-revenue account: the related account and its description.
    pub conta_renunciada: Option<(String, String)>,
}

/// Where a sent package stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SituacaoPacote {
    /// Received and validated, waiting for the accounting team (`AGUARDANDO`): sending the
    /// same `idPacote` again replaces it.
    Aguardando,
    /// Approved and booked (`SUCESSO`).
    Aprovado,
    /// Rejected by the accounting team, with its code and message.
    Rejeitado {
        /// `codigo`.
        codigo: String,
        /// `mensagem`.
        mensagem: String,
    },
}

impl SituacaoPacote {
    /// Whether the accounting team evaluated it (approved or rejected): the service refuses
    /// any resend of its `idPacote` from then on.
    pub fn avaliado(&self) -> bool {
        !matches!(self, SituacaoPacote::Aguardando)
    }
}

/// Why a call did not give an answer in domain terms.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroContabil {
    /// The package was refused on receipt (first validation) or after evaluation, with the
    /// system's code and message.
    #[error("pacote rejeitado ({codigo}): {mensagem}")]
    Rejeitado {
        /// `codigo`.
        codigo: String,
        /// `mensagem`.
        mensagem: String,
    },
    /// No package with this id (HTTP 404).
    #[error("pacote não encontrado")]
    NaoEncontrado,
    /// The credentials or the token were refused (401 with a text, or the token endpoint).
    #[error("autenticação recusada: {0}")]
    Autenticacao(String),
    /// The token is valid but the user has no access to the entity (403 `Acesso Negado`).
    #[error("acesso negado à entidade: {0}")]
    AcessoNegado(String),
    /// Entity or period refused by the service (401 `Parametros inválidos`).
    #[error("parâmetros recusados pelo serviço: {0}")]
    ParametrosInvalidos(String),
    /// Nothing left (connection refused, bad address): safe to try again.
    #[error("não foi possível conectar ao serviço: {0}")]
    NaoEnviado(String),
    /// The request left but no usable answer came back (timeout, reset, 5xx after retries).
    #[error("resultado desconhecido: {0}")]
    Desconhecido(String),
    /// The service answered something that does not follow the manual (names the JSON path).
    #[error("resposta fora do protocolo: {0}")]
    Protocolo(String),
}

/// The accounting system.
#[async_trait]
pub trait IntegracaoContabil: Send + Sync {
    /// Budget revenues available to `entidade` in `ano`.
    ///
    /// # Errors
    /// [`ErroContabil`].
    async fn receitas_orcamentarias(
        &self,
        entidade: &str,
        ano: u16,
    ) -> Result<Vec<Receita>, ErroContabil>;

    /// Extra-budget revenues available to `entidade` in `ano`.
    ///
    /// # Errors
    /// [`ErroContabil`].
    async fn receitas_extraorcamentarias(
        &self,
        entidade: &str,
        ano: u16,
    ) -> Result<Vec<Receita>, ErroContabil>;

    /// Whether the month is still open for movements.
    ///
    /// # Errors
    /// [`ErroContabil`] (`ParametrosInvalidos` for an unknown entity or period).
    async fn periodo_aberto(&self, entidade: &str, ano: u16, mes: u8)
    -> Result<bool, ErroContabil>;

    /// Sends a package and returns where it stands: [`SituacaoPacote::Aguardando`] once
    /// received. Retried by the adapter only while resending the same `idPacote` is safe (not
    /// yet evaluated); when a reply was lost and the status then shows the package evaluated,
    /// that evaluation is returned (the service refuses a resend of it).
    ///
    /// # Errors
    /// [`ErroContabil::Rejeitado`] when the send is refused with `{codigo, mensagem}`: on the
    /// first validation, or because the package was evaluated before (the manual's replies do
    /// not tell which; ask [`IntegracaoContabil::situacao`]); transport errors otherwise.
    async fn enviar_pacote(&self, pacote: &Pacote) -> Result<SituacaoPacote, ErroContabil>;

    /// Where package `id_pacote` stands.
    ///
    /// # Errors
    /// [`ErroContabil::NaoEncontrado`] and transport errors.
    async fn situacao(&self, id_pacote: u64) -> Result<SituacaoPacote, ErroContabil>;
}

/// Which package: the CONAM service it goes to (its base URL, the city included) and its
/// `idPacote`, which is unique only within that service.
///
/// The URL is compared as configured, after trimming blanks and trailing `/`: two spellings of
/// one service are two services to the ledger (harmless: a send the ledger does not know is
/// still checked against the service's status when refused).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChavePacote {
    servico: String,
    id_pacote: u64,
}

/// A [`ChavePacote`] without a service URL.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a URL base da CONAM está vazia: o livro guarda cada pacote sob a URL a que foi enviado")]
pub struct ErroChavePacote;

impl ChavePacote {
    /// The key of package `id_pacote` at the service whose base URL is `servico`.
    ///
    /// # Errors
    /// [`ErroChavePacote`] when `servico` is empty once trimmed (the empty URL is the ledger's
    /// mark for packages recorded before it knew URLs).
    pub fn new(servico: &str, id_pacote: u64) -> Result<ChavePacote, ErroChavePacote> {
        let servico = servico.trim().trim_end_matches('/');
        if servico.is_empty() {
            return Err(ErroChavePacote);
        }
        Ok(ChavePacote {
            servico: servico.to_owned(),
            id_pacote,
        })
    }

    /// The service's base URL, normalized.
    pub fn servico(&self) -> &str {
        &self.servico
    }

    /// `idPacote`.
    pub fn id_pacote(&self) -> u64 {
        self.id_pacote
    }
}

/// A package as the ledger remembers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistroPacote {
    /// The base URL it was sent to; empty for a package recorded before the ledger kept URLs
    /// (ledger schema before migration 0006) and not written to since.
    pub servico: String,
    /// `idPacote`.
    pub id_pacote: u64,
    /// `codEntidade`.
    pub entidade: String,
    /// The exact JSON sent.
    pub documento: String,
    /// Last known situation; `None` while the send's outcome is unknown.
    pub situacao: Option<SituacaoPacote>,
}

/// The ledger of packages sent, each under its [`ChavePacote`].
///
/// A package recorded before the ledger kept URLs answers for its `idPacote` at any service
/// until one writes to it; that service adopts it (before, one ledger served one URL).
pub trait LivroPacotes: Send + Sync {
    /// Records that `documento` is about to be sent as `chave` (outcome unknown until
    /// [`LivroPacotes::atualizar`]); replaces an earlier record of the same key unless it is
    /// evaluated.
    ///
    /// # Errors
    /// [`crate::livro::ErroLivro::JaResolvida`] for an approved or rejected package,
    /// [`crate::livro::ErroLivro::Armazenamento`].
    fn registrar_envio(
        &self,
        chave: &ChavePacote,
        entidade: &str,
        documento: &str,
    ) -> Result<(), crate::livro::ErroLivro>;

    /// Records the package's situation as learned from a send. An approved or rejected
    /// package keeps its situation (the same one again is a no-op).
    ///
    /// # Errors
    /// [`crate::livro::ErroLivro::NaoEncontrado`], [`crate::livro::ErroLivro::JaResolvida`],
    /// [`crate::livro::ErroLivro::Armazenamento`].
    fn atualizar(
        &self,
        chave: &ChavePacote,
        situacao: &SituacaoPacote,
    ) -> Result<(), crate::livro::ErroLivro>;

    /// Records what the service's status query says of the package, whatever the ledger held:
    /// the service's word governs. Returns the situation the ledger held before (`None`:
    /// unknown), so the caller can report a disagreement.
    ///
    /// # Errors
    /// [`crate::livro::ErroLivro::NaoEncontrado`], [`crate::livro::ErroLivro::Armazenamento`].
    fn conciliar(
        &self,
        chave: &ChavePacote,
        situacao: &SituacaoPacote,
    ) -> Result<Option<SituacaoPacote>, crate::livro::ErroLivro>;

    /// The package's record, if any.
    ///
    /// # Errors
    /// [`crate::livro::ErroLivro::Armazenamento`].
    fn pacote(
        &self,
        chave: &ChavePacote,
    ) -> Result<Option<RegistroPacote>, crate::livro::ErroLivro>;
}
