//! The people who log in to the web pages of `guiche serve`, and their sessions. The ledger keeps
//! each password only as an argon2id PHC string, and each session only by the SHA-256 (hex) of
//! its secret; failed logins and the lock they lead to are in the ledger too, so every process
//! serving the same ledger counts them together.
//!
//! Instants are unix seconds given by the caller (the application's clock), so the rules that
//! read them can be tested with a fixed clock.

use crate::acesso::Papel;
use crate::livro::ErroLivro;
use std::fmt;

/// A person who may log in, as the ledger keeps them.
#[derive(Clone, PartialEq, Eq)]
pub struct RegistroUsuario {
    /// The login (unique).
    pub login: String,
    /// What they may do (the same roles as the API's tokens).
    pub papel: Papel,
    /// The password's argon2id hash, as a PHC string (`$argon2id$v=19$…`).
    pub hash: String,
    /// Failed logins since the last success or lock.
    pub falhas: u32,
    /// Until when (unix seconds) logins are refused, if they are or were.
    pub bloqueado_ate: Option<i64>,
    /// When the user was created (unix seconds).
    pub criado_em: i64,
    /// When the user was disabled (unix seconds), if they were.
    pub desativado_em: Option<i64>,
}

impl fmt::Debug for RegistroUsuario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistroUsuario")
            .field("login", &self.login)
            .field("papel", &self.papel)
            .field("hash", &"***")
            .field("falhas", &self.falhas)
            .field("bloqueado_ate", &self.bloqueado_ate)
            .field("criado_em", &self.criado_em)
            .field("desativado_em", &self.desativado_em)
            .finish()
    }
}

/// A session as the ledger keeps it (never its secret).
#[derive(Clone, PartialEq, Eq)]
pub struct RegistroSessao {
    /// The SHA-256 (hex) of the session's secret.
    pub hash: String,
    /// Whose session it is.
    pub login: String,
    /// The token every form of the session carries (checked on every POST).
    pub csrf: String,
    /// When it was opened (unix seconds).
    pub criada_em: i64,
    /// When it ends unless used again (unix seconds).
    pub expira_em: i64,
    /// When it was last used (unix seconds).
    pub visto_em: i64,
}

impl fmt::Debug for RegistroSessao {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistroSessao")
            .field("login", &self.login)
            .field("criada_em", &self.criada_em)
            .field("expira_em", &self.expira_em)
            .field("visto_em", &self.visto_em)
            .finish_non_exhaustive()
    }
}

/// When failed logins lock a login.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegraBloqueio {
    /// This many failures in a row lock it (and start the count again).
    pub limite: u32,
    /// For this many seconds.
    pub segundos: i64,
}

/// The ledger of users and sessions. Every method is one transaction; a failed login is counted
/// by one atomic statement, so processes failing logins at once never lose a count.
pub trait LivroUsuarios: Send + Sync {
    /// Records a new user; `None` when the login is already taken (nothing written).
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn criar_usuario(
        &self,
        login: &str,
        papel: Papel,
        hash: &str,
        agora: i64,
    ) -> Result<Option<RegistroUsuario>, ErroLivro>;

    /// The user `login`, disabled or not.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn usuario(&self, login: &str) -> Result<Option<RegistroUsuario>, ErroLivro>;

    /// Every user, by login.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn usuarios(&self) -> Result<Vec<RegistroUsuario>, ErroLivro>;

    /// Disables `login` (again: keeps the first instant) and ends every session of theirs;
    /// `None` for an unknown login.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn desativar_usuario(
        &self,
        login: &str,
        agora: i64,
    ) -> Result<Option<RegistroUsuario>, ErroLivro>;

    /// Counts one failed login of `login`; the failure that reaches `regra.limite` locks the
    /// login until `agora + regra.segundos` and starts the count again. `None` for an unknown
    /// login.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn registrar_falha(
        &self,
        login: &str,
        regra: RegraBloqueio,
        agora: i64,
    ) -> Result<Option<RegistroUsuario>, ErroLivro>;

    /// A successful login: the count of failures and the lock are cleared.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn registrar_acerto(&self, login: &str) -> Result<(), ErroLivro>;

    /// Records a new session (its hash must be new).
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`] (also for a hash already recorded or an unknown login).
    fn criar_sessao(&self, sessao: &RegistroSessao) -> Result<(), ErroLivro>;

    /// The session whose secret hashes to `hash`, expired or not.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn sessao(&self, hash: &str) -> Result<Option<RegistroSessao>, ErroLivro>;

    /// Marks the session used at `visto_em`, to end at `expira_em` unless used again.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn renovar_sessao(&self, hash: &str, visto_em: i64, expira_em: i64) -> Result<(), ErroLivro>;

    /// Ends the session (logout); whether there was one.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn encerrar_sessao(&self, hash: &str) -> Result<bool, ErroLivro>;

    /// Deletes the sessions that ended before `agora`; how many.
    ///
    /// # Errors
    /// [`ErroLivro::Armazenamento`].
    fn apagar_sessoes_vencidas(&self, agora: i64) -> Result<u64, ErroLivro>;
}

/// The columns of a row of `usuarios`, as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct LinhaUsuario {
    /// `login`.
    pub login: String,
    /// `papel`, as stored.
    pub papel: String,
    /// `hash`.
    pub hash: String,
    /// `falhas`.
    pub falhas: i64,
    /// `bloqueado_ate`.
    pub bloqueado_ate: Option<i64>,
    /// `criado_em`.
    pub criado_em: i64,
    /// `desativado_em`.
    pub desativado_em: Option<i64>,
}

/// The columns every engine selects for [`LinhaUsuario`], in order.
pub const COLUNAS_USUARIO: &str =
    "login, papel, hash, falhas, bloqueado_ate, criado_em, desativado_em";

/// The columns every engine selects for a [`RegistroSessao`], in order.
pub const COLUNAS_SESSAO: &str = "hash, login, csrf, criada_em, expira_em, visto_em";

/// A row of `usuarios` read back, the same for every engine.
///
/// # Errors
/// A role this code does not know or a negative count, naming the login and the value (for the
/// engine's corrupt-row error).
pub fn registro_usuario(linha: LinhaUsuario) -> Result<RegistroUsuario, String> {
    let LinhaUsuario {
        login,
        papel,
        hash,
        falhas,
        bloqueado_ate,
        criado_em,
        desativado_em,
    } = linha;
    let papel = Papel::ler(&papel)
        .ok_or_else(|| format!("usuário {login}: papel \"{papel}\" desconhecido"))?;
    let falhas = u32::try_from(falhas)
        .map_err(|_| format!("usuário {login}: contagem de falhas {falhas} inválida"))?;
    Ok(RegistroUsuario {
        login,
        papel,
        hash,
        falhas,
        bloqueado_ate,
        criado_em,
        desativado_em,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn linha(papel: &str, falhas: i64) -> LinhaUsuario {
        LinhaUsuario {
            login: "ana".into(),
            papel: papel.into(),
            hash: "$argon2id$v=19$x".into(),
            falhas,
            bloqueado_ate: None,
            criado_em: 1,
            desativado_em: None,
        }
    }

    #[test]
    fn a_row_reads_back_or_names_what_is_wrong() {
        assert_eq!(
            registro_usuario(linha("operador", 2)).unwrap().papel,
            Papel::Operador
        );
        assert_eq!(
            registro_usuario(linha("dono", 0)).unwrap_err(),
            "usuário ana: papel \"dono\" desconhecido"
        );
        assert!(registro_usuario(linha("admin", -1)).is_err());
    }

    #[test]
    fn debug_never_shows_the_hash() {
        let u = registro_usuario(linha("admin", 0)).unwrap();
        assert!(!format!("{u:?}").contains("argon2"));
    }
}
