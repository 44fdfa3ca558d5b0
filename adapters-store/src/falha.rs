//! What can go wrong inside the ledger, and how it reaches the caller: every failure becomes an
//! [`ErroLivro`], storage failures with a Portuguese, actionable `motivo`.

use guiche_ports::livro::{ErroLivro, regras};
use rusqlite::ErrorCode;

/// A failure inside the ledger, before it is told where the ledger is.
#[derive(Debug)]
pub(crate) enum Falha {
    /// A refusal of the contract (sequence, pending nota, unknown id): passed through as is.
    Regra(ErroLivro),
    /// SQLite failed.
    Sql(rusqlite::Error),
    /// The folder of the database could not be created.
    Pasta(std::io::Error),
    /// The ledger file could not be created.
    Arquivo(std::io::Error),
    /// The ledger's folder is on a network (or FUSE) file system.
    Rede(crate::local::Montagem),
    /// Flushing the committed writes to disk failed (disk full, I/O error).
    Descarga(std::io::Error),
    /// A row could not be read back.
    Linha {
        /// The row's id.
        id: i64,
        /// What is wrong with it.
        motivo: String,
    },
    /// A cell of a row (e-CAC tables) does not read back into its domain type.
    Celula(guiche_ports::ecac::regras::CelulaInvalida),
    /// A request the ledger refuses for a reason no [`ErroLivro`] variant names (an e-CAC
    /// company not recorded, a value too large to hold): the Portuguese motivo, as is.
    Recusa(String),
    /// The database's schema version is not one this code knows.
    Versao {
        /// `PRAGMA user_version` of the file.
        banco: i64,
        /// The newest version this code knows.
        codigo: i64,
    },
    /// The file is not in WAL mode after asking for it.
    SemWal(String),
    /// The file can only be read.
    SomenteLeitura,
    /// The sequence reached the largest number SQLite holds (`i64::MAX`).
    Esgotada,
}

impl From<rusqlite::Error> for Falha {
    fn from(e: rusqlite::Error) -> Falha {
        Falha::Sql(e)
    }
}

impl From<ErroLivro> for Falha {
    fn from(e: ErroLivro) -> Falha {
        Falha::Regra(e)
    }
}

const SEM_ESCRITA: &str = "sem permissão de escrita no arquivo do livro ou na sua pasta; \
     corrija as permissões ou aponte GUICHE_DB para um local gravável";

impl Falha {
    /// The caller's error, naming where the ledger is.
    pub(crate) fn no(self, local: &str) -> ErroLivro {
        let motivo = match self {
            Falha::Regra(e) => return e,
            Falha::Sql(e) => motivo_sql(&e),
            Falha::Pasta(e) => format!(
                "não foi possível criar a pasta do livro ({e}); \
                 verifique as permissões ou aponte GUICHE_DB para outro local"
            ),
            Falha::Arquivo(e) => format!(
                "não foi possível criar o arquivo do livro ({e}); \
                 verifique as permissões ou aponte GUICHE_DB para outro local"
            ),
            Falha::Rede(m) => format!(
                "a pasta do livro está num sistema de arquivos de rede ({} montado em {}); \
                 o livro só funciona num disco local (o modo WAL do SQLite não é seguro em \
                 pasta de rede, e um número poderia ser emitido duas vezes): aponte GUICHE_DB \
                 para um disco local",
                m.tipo,
                m.ponto.display()
            ),
            Falha::Descarga(e) => format!(
                "o disco recusou gravar de vez a última alteração do livro ({e}); ela pode não \
                 sobreviver a uma queda de energia: verifique o disco e o espaço livre"
            ),
            Falha::Linha { id, motivo } => regras::motivo_linha(id, &motivo),
            Falha::Celula(c) => c.to_string(),
            Falha::Recusa(motivo) => motivo,
            Falha::Versao { banco, codigo } => regras::motivo_versao(banco, codigo),
            Falha::SemWal(modo) => format!(
                "o sistema de arquivos não aceitou o modo WAL (ficou em '{modo}'); \
                 guarde o livro num disco local (não em pasta de rede)"
            ),
            Falha::SomenteLeitura => SEM_ESCRITA.to_owned(),
            Falha::Esgotada => "a sequência chegou ao maior número que o livro guarda".to_owned(),
        };
        ErroLivro::Armazenamento {
            local: local.to_owned(),
            motivo,
        }
    }
}

/// The motivo for a SQLite failure: what to do for the common cases, the detail always.
fn motivo_sql(e: &rusqlite::Error) -> String {
    let dica = match e.sqlite_error_code() {
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => SEM_ESCRITA,
        Some(ErrorCode::CannotOpen) => {
            "não foi possível abrir o arquivo do livro; verifique se o caminho (GUICHE_DB) aponta \
             para um arquivo, não uma pasta, e se há permissão de acesso"
        }
        Some(ErrorCode::NotADatabase) => {
            "o arquivo não é um banco SQLite (ou está cifrado); confira GUICHE_DB"
        }
        Some(ErrorCode::DatabaseCorrupt) => {
            "o banco está corrompido; restaure uma cópia de segurança do livro"
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "o livro ficou bloqueado por outro processo por mais de 5 s; tente de novo e, se \
             persistir, verifique se outro guichê está travado"
        }
        Some(ErrorCode::DiskFull) => "disco cheio; libere espaço e tente de novo",
        Some(ErrorCode::SystemIoFailure) => {
            "erro de leitura ou escrita no disco; verifique o disco e o espaço livre"
        }
        Some(ErrorCode::ConstraintViolation) => {
            "a gravação violaria a integridade do livro (por exemplo, um número já ocupado por \
             outra nota); nada foi gravado"
        }
        _ => return format!("erro do SQLite: {e}"),
    };
    format!("{dica} (detalhe: {e})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn motivo(f: Falha) -> String {
        match f.no("x.db") {
            ErroLivro::Armazenamento { local, motivo } => {
                assert_eq!(local, "x.db");
                motivo
            }
            outro => panic!("esperava Armazenamento, veio {outro:?}"),
        }
    }

    fn sqlite(codigo: i32) -> Falha {
        Falha::Sql(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(codigo),
            None,
        ))
    }

    #[test]
    fn common_failures_say_what_to_do() {
        assert!(motivo(sqlite(rusqlite::ffi::SQLITE_READONLY)).contains("permissão de escrita"));
        assert!(motivo(sqlite(rusqlite::ffi::SQLITE_NOTADB)).contains("não é um banco SQLite"));
        assert!(motivo(sqlite(rusqlite::ffi::SQLITE_BUSY)).contains("bloqueado"));
        assert!(motivo(sqlite(rusqlite::ffi::SQLITE_FULL)).contains("disco cheio"));
        assert!(motivo(Falha::SomenteLeitura).contains("GUICHE_DB"));
    }

    #[test]
    fn a_network_folder_names_its_file_system() {
        let m = motivo(Falha::Rede(crate::local::Montagem {
            ponto: "/home/ana/nas".into(),
            tipo: "cifs".into(),
        }));
        assert!(m.contains("cifs montado em /home/ana/nas"), "{m}");
        assert!(m.contains("disco local") && m.contains("GUICHE_DB"), "{m}");
    }

    #[test]
    fn version_too_new_names_both_versions() {
        let m = motivo(Falha::Versao {
            banco: 7,
            codigo: 1,
        });
        assert!(m.contains("versão 7") && m.contains("versão 1"), "{m}");
        assert!(m.contains("atualize o guichê"), "{m}");
    }

    #[test]
    fn contract_refusals_pass_through() {
        let e = Falha::Regra(ErroLivro::NaoEncontrado(9)).no("x.db");
        assert!(matches!(e, ErroLivro::NaoEncontrado(9)));
    }
}
