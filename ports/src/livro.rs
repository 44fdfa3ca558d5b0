//! The ledger of notas: what was reserved, sent and settled, so that a number is never skipped
//! or reused and a nota is never issued twice, through timeouts, resets and crashes.
//!
//! One sequence per provider and municipality ([`Sequencia`]). A number is reserved together
//! with the exact document to send, in one transaction; the document is never rebuilt. A
//! refused nota gives its number back (the service did not use it); every other state keeps it.

use guiche_domain::{Data, Documento};

/// The key of a number sequence: one provider in one municipality.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sequencia {
    /// The provider (prestador).
    pub prestador: Documento,
    /// The municipality's code in the service (leading zeros kept).
    pub prefeitura: String,
}

/// Where a nota stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Estado {
    /// Number and document recorded; not sent yet (or the request never left).
    Reservada,
    /// The request is leaving or left; no answer recorded yet. After a crash this means the
    /// outcome is unknown.
    Enviada,
    /// Issued.
    Aceita {
        /// Authenticity code or print URL; `None` when settled by a "já consta" reply, to be
        /// confirmed by the user.
        codigo: Option<String>,
    },
    /// Refused by the service; its number is free again.
    Recusada {
        /// The service's message.
        mensagem: String,
    },
    /// Sent, outcome unknown (timeout, reset, unreadable reply): must be settled by sending the
    /// same document again before any later number is sent.
    Desconhecida {
        /// What happened.
        motivo: String,
    },
    /// The service already holds this number although guichê never sent it (issued outside
    /// guichê): the number is used, this nota was **not** issued and may be sent again under
    /// the next number.
    Externa {
        /// The service's message.
        mensagem: String,
    },
}

impl Estado {
    /// Settled: accepted, refused, or its number found used outside guichê. A settled nota
    /// never changes state again.
    pub fn resolvido(&self) -> bool {
        matches!(
            self,
            Estado::Aceita { .. } | Estado::Recusada { .. } | Estado::Externa { .. }
        )
    }

    /// A short stable name: `reservada`, `enviada`, `aceita`, `recusada`, `desconhecida`,
    /// `externa`.
    pub fn nome(&self) -> &'static str {
        match self {
            Estado::Reservada => "reservada",
            Estado::Enviada => "enviada",
            Estado::Aceita { .. } => "aceita",
            Estado::Recusada { .. } => "recusada",
            Estado::Desconhecida { .. } => "desconhecida",
            Estado::Externa { .. } => "externa",
        }
    }
}

/// A nota in the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registro {
    /// The ledger's id of this row.
    pub id: i64,
    /// Its sequence.
    pub sequencia: Sequencia,
    /// `NUMERO_NOTA`.
    pub numero: u64,
    /// `DATA_EMISSAO`.
    pub data: Data,
    /// A fingerprint of the nota's content without its number (to recognise the same nota
    /// submitted again, e.g. a batch restarted).
    pub conteudo: String,
    /// The exact document sent (or to send).
    pub documento: String,
    /// Where it stands.
    pub estado: Estado,
}

/// What to reserve.
#[derive(Clone, Copy, Debug)]
pub struct Pedido<'a> {
    /// The sequence.
    pub sequencia: &'a Sequencia,
    /// The number the nota asks for; `None` for the next one.
    pub numero: Option<u64>,
    /// `DATA_EMISSAO`.
    pub data: Data,
    /// Content fingerprint (see [`Registro::conteudo`]).
    pub conteudo: &'a str,
}

/// Why the ledger refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErroLivro {
    /// The number asked for is not the next one of the sequence.
    #[error("o número {pedido} não é o próximo da sequência; o próximo é {proximo}")]
    ForaDeSequencia {
        /// Asked for.
        pedido: u64,
        /// The next free number.
        proximo: u64,
    },
    /// A nota of this sequence is not settled yet: it must be settled first (sent again).
    #[error(
        "a nota nº {numero} ainda não foi resolvida ({estado}); resolva-a antes de emitir outra"
    )]
    Pendente {
        /// Its number.
        numero: u64,
        /// Its state's name.
        estado: &'static str,
    },
    /// The date is before the last nota's of the sequence (checked again inside the
    /// reservation, against another process reserving at the same time).
    #[error("a data {data} é anterior à da última nota da sequência ({ultima})")]
    DataAnterior {
        /// The nota's date.
        data: Data,
        /// The last nota's date.
        ultima: Data,
    },
    /// A settled nota cannot change state.
    #[error("a nota do registro {id} já está resolvida ({de}) e não pode passar a {para}")]
    JaResolvida {
        /// The row.
        id: i64,
        /// Its settled state's name.
        de: &'static str,
        /// The state asked for.
        para: &'static str,
    },
    /// Another guide with this document number is already recorded (a number identifies one
    /// guide nationwide; the recorded one is kept).
    #[error("já existe no livro outra guia com o número {numero}; a registrada foi mantida")]
    GuiaConflitante {
        /// The document number.
        numero: String,
    },
    /// No such row.
    #[error("registro {0} não encontrado no livro")]
    NaoEncontrado(i64),
    /// The database failed (path, permissions, disk, corruption).
    #[error("falha no livro ({local}): {motivo}")]
    Armazenamento {
        /// Where the ledger is.
        local: String,
        /// What failed.
        motivo: String,
    },
}

/// The ledger of notas. Every method is one transaction.
pub trait LivroNotas: Send + Sync {
    /// The last nota that holds a number (any state but refused), for the sequence and date
    /// rules.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn ultima(&self, sequencia: &Sequencia) -> Result<Option<Registro>, ErroLivro>;

    /// Notas not settled yet (reserved, sent or unknown), in number order.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn pendentes(&self, sequencia: &Sequencia) -> Result<Vec<Registro>, ErroLivro>;

    /// The nota holding `numero` (not refused), if any.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn por_numero(&self, sequencia: &Sequencia, numero: u64)
    -> Result<Option<Registro>, ErroLivro>;

    /// The latest nota (not refused) with this content fingerprint, if any.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn por_conteudo(
        &self,
        sequencia: &Sequencia,
        conteudo: &str,
    ) -> Result<Option<Registro>, ErroLivro>;

    /// Reserves the requested number (or the next one) and records the document built for it,
    /// atomically. Refuses while a nota of the sequence is unsettled, and a date before the
    /// last nota's. A sequence with no nota yet starts at the number asked for (the service's
    /// sequence may have begun elsewhere), or at 1.
    ///
    /// # Errors
    /// [`ErroLivro::ForaDeSequencia`], [`ErroLivro::Pendente`], [`ErroLivro::DataAnterior`],
    /// [`ErroLivro::Armazenamento`].
    fn reservar(
        &self,
        pedido: Pedido<'_>,
        documento: &dyn Fn(u64) -> String,
    ) -> Result<Registro, ErroLivro>;

    /// Records a new state for a row (the caller marks `Enviada` before the request leaves).
    /// A settled row ([`Estado::resolvido`]) never changes again.
    ///
    /// # Errors
    /// [`ErroLivro::JaResolvida`], [`ErroLivro::NaoEncontrado`], [`ErroLivro::Armazenamento`].
    fn registrar(&self, id: i64, estado: &Estado) -> Result<(), ErroLivro>;
}
