//! API tokens and their roles: who may call `guiche serve`. The ledger keeps only the SHA-256
//! of each token (a 256-bit random secret needs no slow hash), never the token itself.

use crate::livro::ErroLivro;
use std::fmt;

pub mod regras;

/// What a token's holder may do. Each role includes the one below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Papel {
    /// Reads: validations, listings, statuses.
    Leitura,
    /// Also sends: issues notas, sends pacotes, calls billed services.
    Operador,
    /// Also manages tokens, companies and settings.
    Admin,
}

impl Papel {
    /// Every role, from the least to the most allowed.
    pub const TODOS: [Papel; 3] = [Papel::Leitura, Papel::Operador, Papel::Admin];

    /// The role's name as stored and typed: `leitura`, `operador`, `admin`.
    pub fn nome(self) -> &'static str {
        match self {
            Papel::Leitura => "leitura",
            Papel::Operador => "operador",
            Papel::Admin => "admin",
        }
    }

    /// Reads a role's name (exactly as [`Papel::nome`] writes it).
    pub fn ler(texto: &str) -> Option<Papel> {
        Papel::TODOS.into_iter().find(|p| p.nome() == texto)
    }
}

impl fmt::Display for Papel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.nome())
    }
}

/// A token as the ledger keeps it (without the secret, which is never stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistroToken {
    /// The ledger's id.
    pub id: i64,
    /// Who or what holds it (a person, a system).
    pub nome: String,
    /// Its role.
    pub papel: Papel,
    /// When it was created (UTC, `AAAA-MM-DDTHH:MM:SSZ`).
    pub criado_em: String,
    /// When it was revoked, if it was (UTC, same form).
    pub revogado_em: Option<String>,
}

/// The ledger of API tokens. Every method is one transaction.
pub trait LivroAcesso: Send + Sync {
    /// Records a new token by the SHA-256 (hex) of its secret.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`] (also when the hash is already recorded).
    fn criar_token(&self, nome: &str, papel: Papel, hash: &str)
    -> Result<RegistroToken, ErroLivro>;

    /// The token whose secret hashes to `hash`, revoked or not.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn token_por_hash(&self, hash: &str) -> Result<Option<RegistroToken>, ErroLivro>;

    /// Every token, revoked ones included, by id.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn tokens(&self) -> Result<Vec<RegistroToken>, ErroLivro>;

    /// Revokes the token `id` (revoking it again changes nothing) and returns it.
    ///
    /// # Errors
    /// [`ErroLivro::NaoEncontrado`], [`ErroLivro::Armazenamento`].
    fn revogar_token(&self, id: i64) -> Result<RegistroToken, ErroLivro>;
}
