//! API tokens: who may call `guiche serve`, with which role.
//!
//! A token is 256 random bits, written `gch_` and 64 hex digits. It is shown once, when
//! created; the ledger keeps only its SHA-256 (a secret that long needs no slow hash: nobody
//! can guess it, so nobody needs to be slowed down). The randomness comes from the composition
//! root (a closure over the operating system's generator): this crate reads no OS.

use crate::erro::{Classificar, Natureza};
use guiche_ports::acesso::{LivroAcesso, Papel, RegistroToken};
use guiche_ports::livro::ErroLivro;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;

/// What a request may need to be allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permissao {
    /// Read: validate, list, query.
    Ler,
    /// Send to a remote system (issue a nota, send a pacote, call a billed service).
    Enviar,
    /// Manage tokens, companies and settings.
    Administrar,
}

/// Whether `papel` allows `permissao`: `leitura` reads, `operador` also sends, `admin` also
/// manages.
pub fn permite(papel: Papel, permissao: Permissao) -> bool {
    match permissao {
        Permissao::Ler => true,
        Permissao::Enviar => papel >= Papel::Operador,
        Permissao::Administrar => papel == Papel::Admin,
    }
}

/// The prefix of every token (tells a guichê token in a log or a leak scan).
pub const PREFIXO: &str = "gch_";

/// Where the 32 random bytes of a new token come from.
pub type Aleatorio = Arc<dyn Fn() -> Result<[u8; 32], String> + Send + Sync>;

/// A token as listed (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    /// The ledger's id (what `token revoke` and `DELETE /tokens/{id}` take).
    pub id: i64,
    /// Who or what holds it.
    pub nome: String,
    /// `leitura`, `operador` or `admin`.
    #[schema(example = "operador")]
    pub papel: String,
    /// When it was created (UTC).
    #[schema(example = "2026-11-22T13:45:00Z")]
    pub criado_em: String,
    /// When it was revoked (UTC), if it was.
    pub revogado_em: Option<String>,
}

impl From<RegistroToken> for Token {
    fn from(r: RegistroToken) -> Token {
        Token {
            id: r.id,
            nome: r.nome,
            papel: r.papel.nome().to_owned(),
            criado_em: r.criado_em,
            revogado_em: r.revogado_em,
        }
    }
}

/// A token just created, with its secret: the only time it is shown.
#[derive(Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenCriado {
    /// The token as listed from now on.
    #[serde(flatten)]
    pub token: Token,
    /// The secret, for `Authorization: Bearer …`. Not kept anywhere: store it now.
    #[schema(example = "gch_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    pub segredo: String,
}

impl fmt::Debug for TokenCriado {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCriado")
            .field("token", &self.token)
            .field("segredo", &"***")
            .finish()
    }
}

/// Who is calling, once their token is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chamador {
    /// The token's id (the scope of its idempotency keys).
    pub id: i64,
    /// The token's name (for the logs).
    pub nome: String,
    /// Its role.
    pub papel: Papel,
}

impl Chamador {
    /// Whether this caller may do what `permissao` names.
    pub fn pode(&self, permissao: Permissao) -> bool {
        permite(self.papel, permissao)
    }
}

/// What can go wrong managing tokens.
#[derive(Debug, thiserror::Error)]
pub enum ErroAcesso {
    /// The name is empty, too long, or has control characters.
    #[error("nome \"{valor}\": informe de 1 a 100 caracteres, sem caracteres de controle")]
    NomeInvalido {
        /// The name given.
        valor: String,
    },
    /// Not a role.
    #[error("papel \"{valor}\": use admin, operador ou leitura")]
    PapelInvalido {
        /// The role given.
        valor: String,
    },
    /// No token with this id.
    #[error("token {id} não encontrado")]
    NaoEncontrado {
        /// The id asked for.
        id: i64,
    },
    /// The random generator failed.
    #[error("não foi possível gerar um token aleatório: {0}")]
    Aleatoriedade(String),
    /// The ledger failed.
    #[error(transparent)]
    Livro(ErroLivro),
}

impl From<ErroLivro> for ErroAcesso {
    fn from(e: ErroLivro) -> ErroAcesso {
        match e {
            ErroLivro::NaoEncontrado(id) => ErroAcesso::NaoEncontrado { id },
            e => ErroAcesso::Livro(e),
        }
    }
}

impl Classificar for ErroAcesso {
    fn natureza(&self) -> Natureza {
        match self {
            ErroAcesso::NomeInvalido { .. } | ErroAcesso::PapelInvalido { .. } => Natureza::Pedido,
            ErroAcesso::NaoEncontrado { .. } => Natureza::NaoEncontrado,
            ErroAcesso::Aleatoriedade(_) => Natureza::Configuracao,
            ErroAcesso::Livro(_) => Natureza::Livro,
        }
    }
}

/// The SHA-256 (hex) of a token's secret: what the ledger keeps and looks up.
pub fn hash_do_segredo(segredo: &str) -> String {
    hex(&Sha256::digest(segredo.as_bytes()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The tokens service: create (the secret shown once), list, revoke, and authenticate a
/// request's bearer token.
#[derive(Clone)]
pub struct ServicoAcesso {
    livro: Arc<dyn LivroAcesso>,
    aleatorio: Aleatorio,
}

impl ServicoAcesso {
    /// The service over the tokens ledger and a source of randomness.
    pub fn new(livro: Arc<dyn LivroAcesso>, aleatorio: Aleatorio) -> ServicoAcesso {
        ServicoAcesso { livro, aleatorio }
    }

    /// Creates a token named `nome` with role `papel` (`admin`, `operador`, `leitura`).
    ///
    /// # Errors
    /// [`ErroAcesso::NomeInvalido`], [`ErroAcesso::PapelInvalido`],
    /// [`ErroAcesso::Aleatoriedade`], [`ErroAcesso::Livro`].
    pub fn criar(&self, nome: &str, papel: &str) -> Result<TokenCriado, ErroAcesso> {
        let nome = nome.trim();
        if nome.is_empty() || nome.chars().count() > 100 || nome.chars().any(char::is_control) {
            return Err(ErroAcesso::NomeInvalido {
                valor: nome.chars().take(100).collect(),
            });
        }
        let papel = Papel::ler(papel.trim()).ok_or_else(|| ErroAcesso::PapelInvalido {
            valor: papel.chars().take(100).collect(),
        })?;
        let bytes = (self.aleatorio)().map_err(ErroAcesso::Aleatoriedade)?;
        let segredo = format!("{PREFIXO}{}", hex(&bytes));
        let registro = self
            .livro
            .criar_token(nome, papel, &hash_do_segredo(&segredo))?;
        Ok(TokenCriado {
            token: registro.into(),
            segredo,
        })
    }

    /// Every token, revoked ones included, by id.
    ///
    /// # Errors
    /// [`ErroAcesso::Livro`].
    pub fn listar(&self) -> Result<Vec<Token>, ErroAcesso> {
        Ok(self.livro.tokens()?.into_iter().map(Token::from).collect())
    }

    /// Revokes token `id` (again: no change) and returns it.
    ///
    /// # Errors
    /// [`ErroAcesso::NaoEncontrado`], [`ErroAcesso::Livro`].
    pub fn revogar(&self, id: i64) -> Result<Token, ErroAcesso> {
        Ok(self.livro.revogar_token(id)?.into())
    }

    /// Who holds `segredo`: `None` for a secret of no token, or of a revoked one.
    ///
    /// # Errors
    /// [`ErroAcesso::Livro`].
    pub fn autenticar(&self, segredo: &str) -> Result<Option<Chamador>, ErroAcesso> {
        if !segredo.starts_with(PREFIXO) || segredo.len() != PREFIXO.len() + 64 {
            return Ok(None);
        }
        Ok(self
            .livro
            .token_por_hash(&hash_do_segredo(segredo))?
            .filter(|t| t.revogado_em.is_none())
            .map(|t| Chamador {
                id: t.id,
                nome: t.nome,
                papel: t.papel,
            }))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn servico() -> ServicoAcesso {
        let livro = Arc::new(guiche_store::Livro::em_memoria().unwrap());
        let n = Arc::new(std::sync::atomic::AtomicU8::new(0));
        ServicoAcesso::new(
            livro,
            Arc::new(move || Ok([n.fetch_add(1, std::sync::atomic::Ordering::Relaxed); 32])),
        )
    }

    #[test]
    fn roles_nest() {
        use Permissao::*;
        let tabela = [
            (Papel::Leitura, [true, false, false]),
            (Papel::Operador, [true, true, false]),
            (Papel::Admin, [true, true, true]),
        ];
        for (papel, esperado) in tabela {
            assert_eq!(
                [Ler, Enviar, Administrar].map(|p| permite(papel, p)),
                esperado,
                "{papel}"
            );
        }
    }

    #[test]
    fn a_created_token_authenticates_until_revoked() {
        let s = servico();
        let criado = s.criar(" ana ", "operador").unwrap();
        assert_eq!(criado.segredo.len(), 68);
        assert!(criado.segredo.starts_with("gch_"));
        assert!(
            !format!("{criado:?}").contains(&criado.segredo),
            "Debug hides it"
        );
        assert_eq!(criado.token.nome, "ana");
        let quem = s.autenticar(&criado.segredo).unwrap().unwrap();
        assert_eq!((quem.id, quem.papel), (criado.token.id, Papel::Operador));
        assert!(quem.pode(Permissao::Enviar) && !quem.pode(Permissao::Administrar));
        let mut outro = criado.segredo.clone();
        outro.replace_range(10..11, "f");
        assert_eq!(s.autenticar(&outro).unwrap(), None);
        assert_eq!(s.autenticar("gch_curto").unwrap(), None);
        assert!(s.revogar(criado.token.id).unwrap().revogado_em.is_some());
        assert_eq!(s.autenticar(&criado.segredo).unwrap(), None);
        assert_eq!(s.listar().unwrap().len(), 1);
    }

    #[test]
    fn bad_input_is_named() {
        let s = servico();
        let e = s.criar("ana", "chefe").unwrap_err();
        assert!(matches!(&e, ErroAcesso::PapelInvalido { valor } if valor == "chefe"));
        assert_eq!(e.natureza(), Natureza::Pedido);
        assert!(e.to_string().contains("admin, operador ou leitura"));
        for nome in ["", "  ", "a\nb"] {
            assert!(matches!(
                s.criar(nome, "admin"),
                Err(ErroAcesso::NomeInvalido { .. })
            ));
        }
        let e = s.revogar(42).unwrap_err();
        assert_eq!(e.natureza(), Natureza::NaoEncontrado);
        let falha = ServicoAcesso::new(
            Arc::new(guiche_store::Livro::em_memoria().unwrap()),
            Arc::new(|| Err("sem entropia".into())),
        );
        assert_eq!(
            falha.criar("a", "admin").unwrap_err().natureza(),
            Natureza::Configuracao
        );
    }
}
