//! The accounting integration (CONAM today): revenue catalogues, the open-period check, and
//! movement packages sent and followed to approval or rejection, in domain terms.

use async_trait::async_trait;
use guiche_domain::conam::Pacote;

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

    /// Sends a package. Retried by the adapter only while resending the same `idPacote` is
    /// safe (not yet evaluated).
    ///
    /// # Errors
    /// [`ErroContabil::Rejeitado`] on the first validation; transport errors otherwise.
    async fn enviar_pacote(&self, pacote: &Pacote) -> Result<(), ErroContabil>;

    /// Where package `id_pacote` stands.
    ///
    /// # Errors
    /// [`ErroContabil::NaoEncontrado`] and transport errors.
    async fn situacao(&self, id_pacote: u64) -> Result<SituacaoPacote, ErroContabil>;
}

/// A package as the ledger remembers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistroPacote {
    /// `idPacote`.
    pub id_pacote: u64,
    /// `codEntidade`.
    pub entidade: String,
    /// The exact JSON sent.
    pub documento: String,
    /// Last known situation; `None` while the send's outcome is unknown.
    pub situacao: Option<SituacaoPacote>,
}

/// The ledger of packages sent.
pub trait LivroPacotes: Send + Sync {
    /// Records that `documento` is about to be sent as `id_pacote` (outcome unknown until
    /// [`LivroPacotes::atualizar`]); replaces an earlier record of the same id.
    ///
    /// # Errors
    /// [`crate::livro::ErroLivro::Armazenamento`].
    fn registrar_envio(
        &self,
        id_pacote: u64,
        entidade: &str,
        documento: &str,
    ) -> Result<(), crate::livro::ErroLivro>;

    /// Records the package's situation.
    ///
    /// # Errors
    /// [`crate::livro::ErroLivro::NaoEncontrado`], [`crate::livro::ErroLivro::Armazenamento`].
    fn atualizar(
        &self,
        id_pacote: u64,
        situacao: &SituacaoPacote,
    ) -> Result<(), crate::livro::ErroLivro>;

    /// The package's record, if any.
    ///
    /// # Errors
    /// [`crate::livro::ErroLivro::Armazenamento`].
    fn pacote(&self, id_pacote: u64) -> Result<Option<RegistroPacote>, crate::livro::ErroLivro>;
}
