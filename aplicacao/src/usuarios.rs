//! The people who log in to the web pages: users with a password, and their sessions.
//!
//! A password has at least [`MINIMO_SENHA`] characters and is kept only as an argon2id hash
//! (PHC string, random 128-bit salt). [`LIMITE_FALHAS`] failed logins in a row lock the login
//! for [`BLOQUEIO_SEGUNDOS`]; the count and the lock are in the ledger, so every `guiche serve`
//! on it shares them. An unknown login, a disabled one and a wrong password get the same error
//! ([`ErroUsuarios::Credenciais`]) after the same work (an argon2id check against a stand-in
//! hash), so the answer does not tell which logins exist.
//!
//! A session is a 256-bit random secret (the cookie), kept in the ledger only as its SHA-256,
//! with a CSRF token of its own; it ends after [`OCIOSIDADE_SEGUNDOS`] without use, at logout,
//! or when its user is disabled. Randomness and the clock come from the composition root: this
//! crate reads no OS.

use crate::acesso::{Aleatorio, hash_do_segredo, hex};
use crate::erro::{Classificar, Natureza};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use guiche_ports::acesso::Papel;
use guiche_ports::livro::ErroLivro;
use guiche_ports::usuarios::{LivroUsuarios, RegistroSessao, RegistroUsuario, RegraBloqueio};
use serde::Serialize;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// The fewest characters a password may have.
pub const MINIMO_SENHA: usize = 12;
/// The most characters a password may have (argon2 would take more; nobody types more).
pub const MAXIMO_SENHA: usize = 1024;
/// Failed logins in a row that lock the login.
pub const LIMITE_FALHAS: u32 = 5;
/// How long a lock lasts, in seconds (15 minutes).
pub const BLOQUEIO_SEGUNDOS: i64 = 15 * 60;
/// How long a session lasts without use, in seconds (12 hours).
pub const OCIOSIDADE_SEGUNDOS: i64 = 12 * 60 * 60;
/// A session used again within this many seconds is not written again (one write a minute at
/// most per session, not one per request).
const RENOVAR_APOS: i64 = 60;

/// The clock: unix seconds now.
pub type Agora = Arc<dyn Fn() -> i64 + Send + Sync>;

/// A user as listed (never their hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usuario {
    /// The login.
    pub login: String,
    /// `leitura`, `operador` or `admin`.
    pub papel: String,
    /// When the user was created (unix seconds).
    pub criado_em: i64,
    /// Until when (unix seconds) logins are refused, while they are.
    pub bloqueado_ate: Option<i64>,
    /// When the user was disabled (unix seconds), if they were.
    pub desativado_em: Option<i64>,
}

impl Usuario {
    fn de(r: RegistroUsuario, agora: i64) -> Usuario {
        Usuario {
            login: r.login,
            papel: r.papel.nome().to_owned(),
            criado_em: r.criado_em,
            bloqueado_ate: r.bloqueado_ate.filter(|t| *t > agora),
            desativado_em: r.desativado_em,
        }
    }
}

/// A session just opened: the secret for the cookie (shown once, never stored) and the CSRF
/// token of its forms.
#[derive(Clone, PartialEq, Eq)]
pub struct SessaoAberta {
    /// The cookie's value: 64 hex digits.
    pub segredo: String,
    /// The session, as every later request sees it.
    pub sessao: Sessao,
}

impl fmt::Debug for SessaoAberta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessaoAberta")
            .field("segredo", &"***")
            .field("sessao", &self.sessao)
            .finish()
    }
}

/// Who is logged in, once their cookie is checked.
#[derive(Clone, PartialEq, Eq)]
pub struct Sessao {
    /// The login.
    pub login: String,
    /// Their role.
    pub papel: Papel,
    /// The token every form of the session carries.
    pub csrf: String,
}

impl fmt::Debug for Sessao {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sessao")
            .field("login", &self.login)
            .field("papel", &self.papel)
            .finish_non_exhaustive()
    }
}

/// What can go wrong with users and logins.
#[derive(Debug, thiserror::Error)]
pub enum ErroUsuarios {
    /// The login is empty, too long, or has characters other than letters, digits, `.`, `_`,
    /// `-` and `@`.
    #[error(
        "login \"{valor}\": use de 1 a 64 caracteres entre letras sem acento, dígitos, '.', '_', '-' e '@'"
    )]
    LoginInvalido {
        /// The login given (cut to 64 characters).
        valor: String,
    },
    /// The password is too short or too long.
    #[error("senha: use de {MINIMO_SENHA} a {MAXIMO_SENHA} caracteres (a informada tem {tamanho})")]
    SenhaInvalida {
        /// How many characters it has.
        tamanho: usize,
    },
    /// Not a role.
    #[error("papel \"{valor}\": use admin, operador ou leitura")]
    PapelInvalido {
        /// The role given.
        valor: String,
    },
    /// The login is taken.
    #[error("o login \"{login}\" já existe")]
    JaExiste {
        /// The login.
        login: String,
    },
    /// No such user.
    #[error("usuário \"{login}\" não encontrado")]
    NaoEncontrado {
        /// The login.
        login: String,
    },
    /// Unknown login, disabled user or wrong password: the same answer for all three.
    #[error("login ou senha incorretos")]
    Credenciais,
    /// Too many failed logins: refused until `ate`.
    #[error("login bloqueado por excesso de tentativas; tente de novo em {minutos} minuto(s)")]
    Bloqueado {
        /// Until when (unix seconds).
        ate: i64,
        /// Minutes left, rounded up.
        minutos: i64,
    },
    /// The random generator failed.
    #[error("não foi possível gerar dados aleatórios: {0}")]
    Aleatoriedade(String),
    /// The password could not be hashed, or a stored hash could not be read.
    #[error("falha no hash da senha: {0}")]
    Hash(String),
    /// The ledger failed.
    #[error(transparent)]
    Livro(#[from] ErroLivro),
}

impl Classificar for ErroUsuarios {
    fn natureza(&self) -> Natureza {
        match self {
            ErroUsuarios::LoginInvalido { .. }
            | ErroUsuarios::SenhaInvalida { .. }
            | ErroUsuarios::PapelInvalido { .. } => Natureza::Pedido,
            ErroUsuarios::JaExiste { .. } => Natureza::Conflito,
            ErroUsuarios::NaoEncontrado { .. } => Natureza::NaoEncontrado,
            ErroUsuarios::Credenciais => Natureza::Recusado,
            ErroUsuarios::Bloqueado { .. } => Natureza::Limite,
            ErroUsuarios::Aleatoriedade(_) | ErroUsuarios::Hash(_) => Natureza::Configuracao,
            ErroUsuarios::Livro(_) => Natureza::Livro,
        }
    }
}

/// Checks a login's form.
fn validar_login(login: &str) -> Result<&str, ErroUsuarios> {
    let login = login.trim();
    let ok = !login.is_empty()
        && login.len() <= 64
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(login)
    } else {
        Err(ErroUsuarios::LoginInvalido {
            valor: login.chars().take(64).collect(),
        })
    }
}

/// The users service: create, list, disable; log in, check a session, log out.
#[derive(Clone)]
pub struct ServicoUsuarios {
    livro: Arc<dyn LivroUsuarios>,
    aleatorio: Aleatorio,
    agora: Agora,
}

impl ServicoUsuarios {
    /// The service over the users ledger, a source of randomness and a clock.
    pub fn new(livro: Arc<dyn LivroUsuarios>, aleatorio: Aleatorio, agora: Agora) -> Self {
        ServicoUsuarios {
            livro,
            aleatorio,
            agora,
        }
    }

    fn aleatorios(&self) -> Result<[u8; 32], ErroUsuarios> {
        (self.aleatorio)().map_err(ErroUsuarios::Aleatoriedade)
    }

    /// The argon2id PHC string of `senha`, with a new random salt.
    fn hash(&self, senha: &str) -> Result<String, ErroUsuarios> {
        let bytes = self.aleatorios()?;
        let sal =
            SaltString::encode_b64(&bytes[..16]).map_err(|e| ErroUsuarios::Hash(e.to_string()))?;
        Argon2::default()
            .hash_password(senha.as_bytes(), &sal)
            .map(|h| h.to_string())
            .map_err(|e| ErroUsuarios::Hash(e.to_string()))
    }

    /// Creates user `login` with `senha` and role `papel` (`admin`, `operador`, `leitura`).
    ///
    /// # Errors
    /// [`ErroUsuarios::LoginInvalido`], [`ErroUsuarios::SenhaInvalida`],
    /// [`ErroUsuarios::PapelInvalido`], [`ErroUsuarios::JaExiste`], and failures of the
    /// generator, the hash or the ledger.
    pub fn criar(&self, login: &str, senha: &str, papel: &str) -> Result<Usuario, ErroUsuarios> {
        let login = validar_login(login)?;
        let papel = Papel::ler(papel.trim()).ok_or_else(|| ErroUsuarios::PapelInvalido {
            valor: papel.chars().take(64).collect(),
        })?;
        let tamanho = senha.chars().count();
        if !(MINIMO_SENHA..=MAXIMO_SENHA).contains(&tamanho) {
            return Err(ErroUsuarios::SenhaInvalida { tamanho });
        }
        let hash = self.hash(senha)?;
        let agora = (self.agora)();
        let registro = self
            .livro
            .criar_usuario(login, papel, &hash, agora)?
            .ok_or_else(|| ErroUsuarios::JaExiste {
                login: login.to_owned(),
            })?;
        Ok(Usuario::de(registro, agora))
    }

    /// Every user, by login.
    ///
    /// # Errors
    /// [`ErroUsuarios::Livro`].
    pub fn listar(&self) -> Result<Vec<Usuario>, ErroUsuarios> {
        let agora = (self.agora)();
        Ok(self
            .livro
            .usuarios()?
            .into_iter()
            .map(|r| Usuario::de(r, agora))
            .collect())
    }

    /// Disables `login` (they can no longer log in; their sessions end).
    ///
    /// # Errors
    /// [`ErroUsuarios::NaoEncontrado`], [`ErroUsuarios::Livro`].
    pub fn desativar(&self, login: &str) -> Result<Usuario, ErroUsuarios> {
        let agora = (self.agora)();
        let login = login.trim();
        self.livro
            .desativar_usuario(login, agora)?
            .map(|r| Usuario::de(r, agora))
            .ok_or_else(|| ErroUsuarios::NaoEncontrado {
                login: login.chars().take(64).collect(),
            })
    }

    /// Logs `login` in with `senha`: a new session.
    ///
    /// # Errors
    /// [`ErroUsuarios::Credenciais`] (unknown login, disabled user, wrong password),
    /// [`ErroUsuarios::Bloqueado`] (locked now, or by this failure), and failures of the
    /// generator, the hash or the ledger.
    pub fn entrar(&self, login: &str, senha: &str) -> Result<SessaoAberta, ErroUsuarios> {
        let agora = (self.agora)();
        let usuario = match validar_login(login) {
            Ok(l) if senha.len() <= MAXIMO_SENHA * 4 => {
                self.livro.usuario(l)?.filter(|u| u.desativado_em.is_none())
            }
            _ => None,
        };
        let Some(usuario) = usuario else {
            // The same work as a wrong password: the time does not tell the login is unknown.
            let _ = verificar(substituto(), senha);
            return Err(ErroUsuarios::Credenciais);
        };
        if let Some(ate) = usuario.bloqueado_ate.filter(|t| *t > agora) {
            return Err(bloqueado(ate, agora));
        }
        if !verificar(&usuario.hash, senha)? {
            let regra = RegraBloqueio {
                limite: LIMITE_FALHAS,
                segundos: BLOQUEIO_SEGUNDOS,
            };
            let depois = self.livro.registrar_falha(&usuario.login, regra, agora)?;
            return match depois.and_then(|u| u.bloqueado_ate).filter(|t| *t > agora) {
                Some(ate) => Err(bloqueado(ate, agora)),
                None => Err(ErroUsuarios::Credenciais),
            };
        }
        if usuario.falhas > 0 || usuario.bloqueado_ate.is_some() {
            self.livro.registrar_acerto(&usuario.login)?;
        }
        self.livro.apagar_sessoes_vencidas(agora)?;
        let segredo = hex(&self.aleatorios()?);
        let csrf = hex(&self.aleatorios()?);
        self.livro.criar_sessao(&RegistroSessao {
            hash: hash_do_segredo(&segredo),
            login: usuario.login.clone(),
            csrf: csrf.clone(),
            criada_em: agora,
            expira_em: agora + OCIOSIDADE_SEGUNDOS,
            visto_em: agora,
        })?;
        Ok(SessaoAberta {
            segredo,
            sessao: Sessao {
                login: usuario.login,
                papel: usuario.papel,
                csrf,
            },
        })
    }

    /// The session whose cookie is `segredo`, if it is alive and its user enabled; using it
    /// keeps it alive for [`OCIOSIDADE_SEGUNDOS`] more.
    ///
    /// # Errors
    /// [`ErroUsuarios::Livro`].
    pub fn sessao(&self, segredo: &str) -> Result<Option<Sessao>, ErroUsuarios> {
        if segredo.len() != 64 || !segredo.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let agora = (self.agora)();
        let hash = hash_do_segredo(segredo);
        let Some(s) = self.livro.sessao(&hash)?.filter(|s| s.expira_em > agora) else {
            return Ok(None);
        };
        let Some(u) = self
            .livro
            .usuario(&s.login)?
            .filter(|u| u.desativado_em.is_none())
        else {
            return Ok(None);
        };
        if agora - s.visto_em >= RENOVAR_APOS {
            self.livro
                .renovar_sessao(&hash, agora, agora + OCIOSIDADE_SEGUNDOS)?;
        }
        Ok(Some(Sessao {
            login: u.login,
            papel: u.papel,
            csrf: s.csrf,
        }))
    }

    /// Ends the session whose cookie is `segredo` (logout); whether there was one.
    ///
    /// # Errors
    /// [`ErroUsuarios::Livro`].
    pub fn sair(&self, segredo: &str) -> Result<bool, ErroUsuarios> {
        Ok(self.livro.encerrar_sessao(&hash_do_segredo(segredo))?)
    }
}

fn bloqueado(ate: i64, agora: i64) -> ErroUsuarios {
    ErroUsuarios::Bloqueado {
        ate,
        minutos: (ate - agora + 59) / 60,
    }
}

/// Whether `senha` matches the PHC string `hash`.
fn verificar(hash: &str, senha: &str) -> Result<bool, ErroUsuarios> {
    let hash = PasswordHash::new(hash).map_err(|e| ErroUsuarios::Hash(e.to_string()))?;
    Ok(Argon2::default()
        .verify_password(senha.as_bytes(), &hash)
        .is_ok())
}

/// A hash no password of anyone matches, at the real cost: what an unknown login is checked
/// against.
fn substituto() -> &'static str {
    static SUBSTITUTO: OnceLock<String> = OnceLock::new();
    SUBSTITUTO.get_or_init(|| {
        SaltString::encode_b64(b"guiche-substitut")
            .ok()
            .and_then(|sal| {
                Argon2::default()
                    .hash_password(b"nenhuma senha de ninguem", &sal)
                    .ok()
                    .map(|h| h.to_string())
            })
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::sync::atomic::{AtomicI64, AtomicU8, Ordering};

    const T0: i64 = 1_795_000_000;

    struct Teste {
        s: ServicoUsuarios,
        relogio: Arc<AtomicI64>,
    }

    impl Teste {
        fn avancar(&self, segundos: i64) {
            self.relogio.fetch_add(segundos, Ordering::SeqCst);
        }
    }

    fn aleatorio() -> Aleatorio {
        let n = Arc::new(AtomicU8::new(0));
        Arc::new(move || Ok([n.fetch_add(1, Ordering::SeqCst); 32]))
    }

    fn com_livro(livro: Arc<dyn LivroUsuarios>) -> Teste {
        let relogio = Arc::new(AtomicI64::new(T0));
        let r = relogio.clone();
        Teste {
            s: ServicoUsuarios::new(
                livro,
                aleatorio(),
                Arc::new(move || r.load(Ordering::SeqCst)),
            ),
            relogio,
        }
    }

    fn teste() -> Teste {
        com_livro(Arc::new(guiche_store::Livro::em_memoria().unwrap()))
    }

    const SENHA: &str = "correta-cavalo-bateria";

    #[test]
    fn creating_checks_login_password_and_role_and_stores_an_argon2id_hash() {
        let t = teste();
        assert!(matches!(
            t.s.criar("ana maria", SENHA, "admin"),
            Err(ErroUsuarios::LoginInvalido { .. })
        ));
        assert!(matches!(
            t.s.criar("ana", "curta", "admin"),
            Err(ErroUsuarios::SenhaInvalida { tamanho: 5 })
        ));
        assert!(matches!(
            t.s.criar("ana", SENHA, "dono"),
            Err(ErroUsuarios::PapelInvalido { .. })
        ));
        let u = t.s.criar(" ana ", SENHA, "operador").unwrap();
        assert_eq!((u.login.as_str(), u.papel.as_str()), ("ana", "operador"));
        assert!(matches!(
            t.s.criar("ana", SENHA, "admin"),
            Err(ErroUsuarios::JaExiste { .. })
        ));
        let r = t.s.livro.usuario("ana").unwrap().unwrap();
        assert!(r.hash.starts_with("$argon2id$v=19$"), "{}", r.hash);
        assert!(!r.hash.contains(SENHA));
    }

    #[test]
    fn unknown_login_wrong_password_and_disabled_user_get_the_same_error() {
        let t = teste();
        t.s.criar("ana", SENHA, "admin").unwrap();
        t.s.criar("bia", SENHA, "leitura").unwrap();
        t.s.desativar("bia").unwrap();
        for (login, senha) in [
            ("ninguem", SENHA),
            ("ana", "errada-errada-errada"),
            ("bia", SENHA),
        ] {
            let e = t.s.entrar(login, senha).unwrap_err();
            assert!(matches!(e, ErroUsuarios::Credenciais), "{login}: {e}");
            assert_eq!(e.to_string(), "login ou senha incorretos");
        }
    }

    #[test]
    fn five_failures_lock_for_fifteen_minutes_even_the_right_password() {
        let t = teste();
        t.s.criar("ana", SENHA, "admin").unwrap();
        for _ in 0..4 {
            assert!(matches!(
                t.s.entrar("ana", "errada-errada-errada"),
                Err(ErroUsuarios::Credenciais)
            ));
        }
        let e = t.s.entrar("ana", "errada-errada-errada").unwrap_err();
        assert!(
            matches!(e, ErroUsuarios::Bloqueado { minutos: 15, .. }),
            "{e}"
        );
        t.avancar(14 * 60);
        assert!(matches!(
            t.s.entrar("ana", SENHA),
            Err(ErroUsuarios::Bloqueado { minutos: 1, .. })
        ));
        assert_eq!(t.s.listar().unwrap()[0].bloqueado_ate, Some(T0 + 900));
        t.avancar(60);
        t.s.entrar("ana", SENHA).unwrap();
        let r = t.s.livro.usuario("ana").unwrap().unwrap();
        assert_eq!(
            (r.falhas, r.bloqueado_ate),
            (0, None),
            "a success clears them"
        );
    }

    #[test]
    fn a_session_is_found_by_its_secret_kept_alive_by_use_and_ended() {
        let t = teste();
        t.s.criar("ana", SENHA, "operador").unwrap();
        let aberta = t.s.entrar("ana", SENHA).unwrap();
        assert_eq!(aberta.segredo.len(), 64);
        assert_ne!(aberta.segredo, aberta.sessao.csrf);
        assert!(!format!("{aberta:?}").contains(&aberta.segredo));
        let hash = hash_do_segredo(&aberta.segredo);
        assert!(
            t.s.livro.sessao(&hash).unwrap().is_some(),
            "kept by its hash"
        );
        assert!(
            t.s.livro.sessao(&aberta.segredo).unwrap().is_none(),
            "never the secret"
        );

        let s = t.s.sessao(&aberta.segredo).unwrap().unwrap();
        assert_eq!((s.login.as_str(), s.papel), ("ana", Papel::Operador));
        assert_eq!(s.csrf, aberta.sessao.csrf);
        assert_eq!(t.s.sessao("nao-e-um-segredo").unwrap(), None);

        // Used after 11 h: alive for 12 h more from then.
        t.avancar(11 * 3600);
        assert!(t.s.sessao(&aberta.segredo).unwrap().is_some());
        t.avancar(11 * 3600);
        assert!(t.s.sessao(&aberta.segredo).unwrap().is_some());
        // Idle for 12 h: gone.
        t.avancar(OCIOSIDADE_SEGUNDOS);
        assert_eq!(t.s.sessao(&aberta.segredo).unwrap(), None);

        let outra = t.s.entrar("ana", SENHA).unwrap();
        assert!(t.s.sair(&outra.segredo).unwrap());
        assert_eq!(t.s.sessao(&outra.segredo).unwrap(), None);
        assert!(!t.s.sair(&outra.segredo).unwrap());
    }

    #[test]
    fn disabling_a_user_ends_their_sessions() {
        let t = teste();
        t.s.criar("ana", SENHA, "admin").unwrap();
        let aberta = t.s.entrar("ana", SENHA).unwrap();
        t.s.desativar("ana").unwrap();
        assert_eq!(t.s.sessao(&aberta.segredo).unwrap(), None);
        assert!(matches!(
            t.s.desativar("ninguem"),
            Err(ErroUsuarios::NaoEncontrado { .. })
        ));
    }

    mockall::mock! {
        Livro {}
        impl LivroUsuarios for Livro {
            fn criar_usuario(&self, login: &str, papel: Papel, hash: &str, agora: i64)
                -> Result<Option<RegistroUsuario>, ErroLivro>;
            fn usuario(&self, login: &str) -> Result<Option<RegistroUsuario>, ErroLivro>;
            fn usuarios(&self) -> Result<Vec<RegistroUsuario>, ErroLivro>;
            fn desativar_usuario(&self, login: &str, agora: i64)
                -> Result<Option<RegistroUsuario>, ErroLivro>;
            fn registrar_falha(&self, login: &str, regra: RegraBloqueio, agora: i64)
                -> Result<Option<RegistroUsuario>, ErroLivro>;
            fn registrar_acerto(&self, login: &str) -> Result<(), ErroLivro>;
            fn criar_sessao(&self, sessao: &RegistroSessao) -> Result<(), ErroLivro>;
            fn sessao(&self, hash: &str) -> Result<Option<RegistroSessao>, ErroLivro>;
            fn renovar_sessao(&self, hash: &str, visto_em: i64, expira_em: i64)
                -> Result<(), ErroLivro>;
            fn encerrar_sessao(&self, hash: &str) -> Result<bool, ErroLivro>;
            fn apagar_sessoes_vencidas(&self, agora: i64) -> Result<u64, ErroLivro>;
        }
    }

    fn falha() -> ErroLivro {
        ErroLivro::Armazenamento {
            local: "teste".into(),
            motivo: "disco cheio".into(),
        }
    }

    #[test]
    fn a_ledger_failure_counting_a_failed_login_is_the_ledgers_error_not_a_wrong_password() {
        let hash = teste().s.hash(SENHA).unwrap();
        let mut livro = MockLivro::new();
        livro.expect_usuario().returning(move |_| {
            Ok(Some(RegistroUsuario {
                login: "ana".into(),
                papel: Papel::Admin,
                hash: hash.clone(),
                falhas: 0,
                bloqueado_ate: None,
                criado_em: T0,
                desativado_em: None,
            }))
        });
        livro
            .expect_registrar_falha()
            .returning(|_, _, _| Err(falha()));
        let t = com_livro(Arc::new(livro));
        assert!(matches!(
            t.s.entrar("ana", "errada-errada-errada"),
            Err(ErroUsuarios::Livro(_))
        ));
    }

    #[test]
    fn a_session_is_not_renewed_within_a_minute_and_a_failed_renewal_is_an_error() {
        let mut livro = MockLivro::new();
        let sessao = RegistroSessao {
            hash: "x".repeat(64),
            login: "ana".into(),
            csrf: "c".into(),
            criada_em: T0,
            expira_em: T0 + OCIOSIDADE_SEGUNDOS,
            visto_em: T0,
        };
        livro
            .expect_sessao()
            .returning(move |_| Ok(Some(sessao.clone())));
        livro.expect_usuario().returning(|_| {
            Ok(Some(RegistroUsuario {
                login: "ana".into(),
                papel: Papel::Leitura,
                hash: String::new(),
                falhas: 0,
                bloqueado_ate: None,
                criado_em: T0,
                desativado_em: None,
            }))
        });
        livro
            .expect_renovar_sessao()
            .times(1)
            .returning(|_, _, _| Err(falha()));
        let t = com_livro(Arc::new(livro));
        let segredo = "a".repeat(64);
        assert!(
            t.s.sessao(&segredo).unwrap().is_some(),
            "no write within a minute"
        );
        t.avancar(RENOVAR_APOS);
        assert!(matches!(t.s.sessao(&segredo), Err(ErroUsuarios::Livro(_))));
    }
}
