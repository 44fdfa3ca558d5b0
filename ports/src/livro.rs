//! The ledger of notas: what was reserved, sent and settled, so that a number is never skipped
//! or reused and a nota is never issued twice, through timeouts, resets and crashes.
//!
//! One sequence per provider and municipality ([`Sequencia`]). A number is reserved together
//! with the exact document to send, in one transaction; the document is never rebuilt. A
//! refused nota gives its number back (the service did not use it); every other state keeps it.
//!
//! Several processes may share a ledger. One at a time works on a sequence: it holds the
//! sequence's turn ([`LivroNotas::fila`], [`Vez`]) for the whole reserve → send → record span.
//! Every state change names the state the caller read ([`LivroNotas::registrar`]) and follows
//! the nota's transitions ([`Estado::pode_passar_a`]); a nota that may have left and whose
//! outcome the service never tells leaves `desconhecida` only by a person's decision
//! ([`LivroNotas::decidir`]).

use guiche_domain::{Data, Documento};

pub mod regras;

/// The state machine of a nota lives in the domain (`guiche_domain::nfd::Estado`); it is
/// re-exported here, where the ledger records it.
pub use guiche_domain::nfd::Estado;

/// The key of a number sequence: one provider in one municipality.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sequencia {
    /// The provider (prestador).
    pub prestador: Documento,
    /// The municipality's code in the service (leading zeros kept).
    pub prefeitura: String,
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
    /// The person who settled it by hand ([`LivroNotas::decidir`]), if one did.
    pub decisao: Option<Decisao>,
}

/// A person's decision on a nota whose outcome the service never told (`guiche nfd resolve`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decisao {
    /// Who decided (a login or a name, as given).
    pub por: String,
    /// When, in seconds since the Unix epoch.
    pub em: i64,
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
    /// The row is no longer in the state the caller read (another process changed it), or the
    /// change asked for is not a transition of the nota's life ([`Estado::pode_passar_a`]).
    #[error(
        "a nota do registro {id} está {encontrado} no livro, não {esperado}: a passagem a {para} foi recusada"
    )]
    EstadoMudou {
        /// The row.
        id: i64,
        /// The state the caller read.
        esperado: &'static str,
        /// The state found.
        encontrado: &'static str,
        /// The state asked for.
        para: &'static str,
    },
    /// A person's decision asked for a nota that needs none (it is settled, or never left).
    #[error("a nota do registro {id} está {estado}: não há decisão a tomar sobre ela")]
    SemDecisao {
        /// The row.
        id: i64,
        /// Its state's name.
        estado: &'static str,
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
    /// atomically, marked [`Estado::Enviada`]: the caller sends it right after. (Marking it in
    /// the reservation's own commit saves a flush per nota and changes nothing: either way the
    /// ledger says "may have left" from a commit made before the request leaves; a first
    /// attempt that provably never left goes back to [`Estado::Reservada`].)
    ///
    /// Refuses while a nota of the sequence is unsettled, and a date before the last nota's. A
    /// sequence with no nota yet starts at the number asked for (the service's sequence may
    /// have begun elsewhere), or at 1.
    ///
    /// # Errors
    /// [`ErroLivro::ForaDeSequencia`], [`ErroLivro::Pendente`], [`ErroLivro::DataAnterior`],
    /// [`ErroLivro::Armazenamento`].
    fn reservar(
        &self,
        pedido: Pedido<'_>,
        documento: &dyn Fn(u64) -> String,
    ) -> Result<Registro, ErroLivro>;

    /// Records `para` over a row the caller read in state `de` (compare-and-set on the state's
    /// name): the caller marks `Enviada` before the request leaves, then the outcome. Refused
    /// when the row is no longer in `de`, or when `de` → `para` is not a transition
    /// ([`Estado::pode_passar_a`]); a settled row ([`Estado::resolvido`]) never changes again,
    /// except that an accepted nota without a code may receive its code.
    ///
    /// # Errors
    /// [`ErroLivro::JaResolvida`], [`ErroLivro::EstadoMudou`], [`ErroLivro::NaoEncontrado`],
    /// [`ErroLivro::Armazenamento`].
    fn registrar(&self, id: i64, de: &Estado, para: &Estado) -> Result<(), ErroLivro>;

    /// Records a person's decision on a nota that may have left and whose outcome the service
    /// never told (`enviada` or `desconhecida`): issued (`Aceita`, with the code the person
    /// read in the municipality's portal) or not issued (`Recusada`: its number is free
    /// again). An accepted nota without a code may also receive its code this way. Who and when
    /// are kept with the row ([`Registro::decisao`]).
    ///
    /// # Errors
    /// [`ErroLivro::SemDecisao`] (the nota needs no decision, or `para` is not one of those two
    /// states), [`ErroLivro::NaoEncontrado`], [`ErroLivro::Armazenamento`].
    fn decidir(&self, id: i64, para: &Estado, por: &str) -> Result<(), ErroLivro>;

    /// Joins the queue for exclusive use of a sequence, shared by every process and thread
    /// using this ledger. Whoever holds the [`Vez`] is the only one that reserves, sends and
    /// records notas of the sequence; the others wait their turn by calling [`Fila::tentar`]
    /// until it answers (one that just had a turn lets a waiting one go first). A process that
    /// dies holding the turn (even killed with `SIGKILL`) releases it.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`] when the queue cannot be joined (the lock files cannot be
    /// created).
    fn fila(&self, sequencia: &Sequencia) -> Result<Box<dyn Fila>, ErroLivro>;
}

/// A place in the queue for a sequence ([`LivroNotas::fila`]). Dropping it leaves the queue.
pub trait Fila: Send {
    /// Takes the turn if it is free now; `None` while another holds it (call again later: the
    /// place in the queue is kept between calls).
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`] when the lock cannot be asked for.
    fn tentar(&mut self) -> Result<Option<Vez>, ErroLivro>;
}

/// The exclusive use of a sequence, held until dropped.
#[must_use = "a vez é devolvida assim que é descartada"]
pub struct Vez {
    _trava: Box<dyn Send + Sync>,
}

impl Vez {
    /// A turn held for as long as `trava` lives (the adapter's lock: dropping it releases).
    pub fn new(trava: Box<dyn Send + Sync>) -> Vez {
        Vez { _trava: trava }
    }
}

impl std::fmt::Debug for Vez {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vez")
    }
}
