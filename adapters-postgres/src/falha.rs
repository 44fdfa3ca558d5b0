//! What can go wrong inside the PostgreSQL ledger, and how it reaches the caller: every failure
//! becomes an [`ErroLivro`], storage failures with a Portuguese, actionable `motivo`.

use guiche_ports::livro::{ErroLivro, regras};
use tokio_postgres::error::SqlState;

/// A failure inside the ledger, before it is told where the ledger is.
#[derive(Debug)]
pub(crate) enum Falha {
    /// A refusal of the contract (sequence, pending nota, unknown id): passed through as is.
    Regra(ErroLivro),
    /// The server (or the connection to it) failed.
    Sql(tokio_postgres::Error),
    /// No connection could be had from the pool.
    Pool(deadpool_postgres::PoolError),
    /// The URL does not parse or says something unusable.
    Url(String),
    /// The CA file (`GUICHE_DB_CA`) could not be used.
    Ca(String),
    /// The bridge's runtime could not start.
    Runtime(std::io::Error),
    /// A row could not be read back.
    Linha {
        /// The row's id.
        id: i64,
        /// What is wrong with it.
        motivo: String,
    },
    /// A cell of a row (e-CAC tables) does not read back into its domain type.
    Celula(guiche_ports::ecac::regras::CelulaInvalida),
    /// A request the ledger refuses for a reason no [`ErroLivro`] variant names: the
    /// Portuguese motivo, as is.
    Recusa(String),
    /// The database's schema version is not one this code knows.
    Versao {
        /// The version recorded in the database.
        banco: i64,
        /// The newest version this code knows.
        codigo: i64,
    },
    /// The sequence reached the largest number the ledger holds (`i64::MAX`).
    Esgotada,
}

impl From<tokio_postgres::Error> for Falha {
    fn from(e: tokio_postgres::Error) -> Falha {
        Falha::Sql(e)
    }
}

impl From<deadpool_postgres::PoolError> for Falha {
    fn from(e: deadpool_postgres::PoolError) -> Falha {
        Falha::Pool(e)
    }
}

impl From<ErroLivro> for Falha {
    fn from(e: ErroLivro) -> Falha {
        Falha::Regra(e)
    }
}

impl Falha {
    /// The caller's error, naming where the ledger is (never its password).
    pub(crate) fn no(self, local: &str) -> ErroLivro {
        let motivo = match self {
            Falha::Regra(e) => return e,
            Falha::Sql(e) => motivo_sql(&e),
            Falha::Pool(e) => motivo_pool(&e),
            Falha::Url(e) => format!(
                "a URL do PostgreSQL em GUICHE_DB não serve ({e}); o formato é \
                 postgres://usuario@servidor:5432/banco"
            ),
            Falha::Ca(e) => format!(
                "o certificado da autoridade do servidor (GUICHE_DB_CA) não pôde ser usado: {e}"
            ),
            Falha::Runtime(e) => format!("não foi possível iniciar o cliente PostgreSQL: {e}"),
            Falha::Linha { id, motivo } => regras::motivo_linha(id, &motivo),
            Falha::Celula(c) => c.to_string(),
            Falha::Recusa(motivo) => motivo,
            Falha::Versao { banco, codigo } => regras::motivo_versao(banco, codigo),
            Falha::Esgotada => "a sequência chegou ao maior número que o livro guarda".to_owned(),
        };
        ErroLivro::Armazenamento {
            local: local.to_owned(),
            motivo,
        }
    }
}

/// The motivo for a failure of the server or the connection: what to do for the common cases,
/// the detail always.
fn motivo_sql(e: &tokio_postgres::Error) -> String {
    let Some(codigo) = e.code() else {
        let detalhe = com_causas(e);
        return if e.is_closed() {
            format!("a conexão com o PostgreSQL caiu; tente de novo (detalhe: {detalhe})")
        } else if detalhe.contains("password missing") {
            format!(
                "o servidor PostgreSQL pediu uma senha e não há nenhuma: defina GUICHE_DB_SENHA \
                 (ou GUICHE_DB_SENHA_ARQUIVO, o caminho de um arquivo com ela) (detalhe: {detalhe})"
            )
        } else {
            format!(
                "não foi possível falar com o PostgreSQL; verifique se o servidor está no ar e \
                 se GUICHE_DB aponta para ele (detalhe: {detalhe})"
            )
        };
    };
    let detalhe = e
        .as_db_error()
        .map_or_else(|| e.to_string(), |d| d.message().to_owned());
    let dica = if *codigo == SqlState::UNIQUE_VIOLATION
        || *codigo == SqlState::CHECK_VIOLATION
        || *codigo == SqlState::NOT_NULL_VIOLATION
    {
        "a gravação violaria a integridade do livro (por exemplo, um número já ocupado por outra \
         nota); nada foi gravado"
    } else if *codigo == SqlState::INVALID_PASSWORD
        || *codigo == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
    {
        "o PostgreSQL recusou o usuário ou a senha de GUICHE_DB"
    } else if *codigo == SqlState::INVALID_CATALOG_NAME {
        "o banco nomeado em GUICHE_DB não existe no servidor; crie-o (createdb) ou corrija a URL"
    } else if *codigo == SqlState::INSUFFICIENT_PRIVILEGE {
        "o usuário de GUICHE_DB não tem permissão para isso no banco; conceda-a ou use outro \
         usuário"
    } else if *codigo == SqlState::DISK_FULL {
        "o disco do servidor PostgreSQL está cheio; libere espaço e tente de novo"
    } else if *codigo == SqlState::TOO_MANY_CONNECTIONS {
        "o servidor PostgreSQL não aceita mais conexões (max_connections); reduza \
         GUICHE_DB_CONEXOES ou aumente o limite do servidor"
    } else if *codigo == SqlState::T_R_SERIALIZATION_FAILURE
        || *codigo == SqlState::T_R_DEADLOCK_DETECTED
    {
        "a transação colidiu com a de outro processo e foi desfeita; nada foi gravado, tente de \
         novo"
    } else if *codigo == SqlState::ADMIN_SHUTDOWN || *codigo == SqlState::CRASH_SHUTDOWN {
        "o servidor PostgreSQL está sendo desligado; tente de novo quando voltar"
    } else if *codigo == SqlState::UNDEFINED_TABLE {
        "o banco não tem as tabelas do livro (outro banco em GUICHE_DB?)"
    } else {
        return format!("erro do PostgreSQL ({}): {detalhe}", codigo.code());
    };
    format!("{dica} (detalhe: {detalhe})")
}

/// `e` and the errors under it, `: `-separated (tokio-postgres says "invalid configuration" and
/// keeps the "password missing" below it).
fn com_causas(e: &dyn std::error::Error) -> String {
    let mut texto = e.to_string();
    let mut causa = e.source();
    while let Some(c) = causa {
        let parte = c.to_string();
        if !texto.contains(&parte) {
            texto.push_str(": ");
            texto.push_str(&parte);
        }
        causa = c.source();
    }
    texto
}

fn motivo_pool(e: &deadpool_postgres::PoolError) -> String {
    match e {
        deadpool_postgres::PoolError::Backend(e) => motivo_sql(e),
        deadpool_postgres::PoolError::Timeout(_) => format!(
            "nenhuma conexão com o PostgreSQL ficou livre (ou pôde ser aberta) em {} s; \
             verifique o servidor e a rede",
            super::conexao::ESPERA_CONEXAO_S
        ),
        outro => format!("não foi possível obter uma conexão com o PostgreSQL: {outro}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_refusals_pass_through() {
        let e = Falha::Regra(ErroLivro::NaoEncontrado(9)).no("postgres://u@h/x");
        assert!(matches!(e, ErroLivro::NaoEncontrado(9)));
    }

    #[test]
    fn version_too_new_names_both_versions() {
        let e = Falha::Versao {
            banco: 12,
            codigo: 10,
        }
        .no("postgres://u@h/x");
        let texto = e.to_string();
        assert!(
            texto.contains("versão 12") && texto.contains("versão 10"),
            "{texto}"
        );
        assert!(texto.contains("postgres://u@h/x"), "{texto}");
    }
}
