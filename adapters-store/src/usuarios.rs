//! [`LivroUsuarios`] on SQLite: `usuarios` and `sessoes` (migration 0012). A row reads back
//! through `guiche_ports::usuarios::registro_usuario`, shared with the PostgreSQL ledger; a
//! failed login is counted by one `UPDATE` inside `BEGIN IMMEDIATE`, so processes failing at
//! once wait for each other and never lose a count.

use crate::falha::Falha;
use crate::livro::Livro;
use guiche_ports::acesso::Papel;
use guiche_ports::livro::ErroLivro;
use guiche_ports::usuarios::{
    COLUNAS_SESSAO, COLUNAS_USUARIO, LinhaUsuario, LivroUsuarios, RegistroSessao, RegistroUsuario,
    RegraBloqueio, registro_usuario,
};
use rusqlite::{OptionalExtension, Row, params};

fn linha(r: &Row<'_>) -> rusqlite::Result<LinhaUsuario> {
    Ok(LinhaUsuario {
        login: r.get(0)?,
        papel: r.get(1)?,
        hash: r.get(2)?,
        falhas: r.get(3)?,
        bloqueado_ate: r.get(4)?,
        criado_em: r.get(5)?,
        desativado_em: r.get(6)?,
    })
}

fn validar(l: LinhaUsuario) -> Result<RegistroUsuario, Falha> {
    registro_usuario(l).map_err(Falha::Recusa)
}

fn sessao(r: &Row<'_>) -> rusqlite::Result<RegistroSessao> {
    Ok(RegistroSessao {
        hash: r.get(0)?,
        login: r.get(1)?,
        csrf: r.get(2)?,
        criada_em: r.get(3)?,
        expira_em: r.get(4)?,
        visto_em: r.get(5)?,
    })
}

impl LivroUsuarios for Livro {
    fn criar_usuario(
        &self,
        login: &str,
        papel: Papel,
        hash: &str,
        agora: i64,
    ) -> Result<Option<RegistroUsuario>, ErroLivro> {
        self.escrever(|tx| {
            tx.prepare_cached(&format!(
                "INSERT INTO usuarios (login, papel, hash, criado_em) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (login) DO NOTHING RETURNING {COLUNAS_USUARIO}"
            ))?
            .query_row(params![login, papel.nome(), hash, agora], linha)
            .optional()?
            .map(validar)
            .transpose()
        })
    }

    fn usuario(&self, login: &str) -> Result<Option<RegistroUsuario>, ErroLivro> {
        self.ler(|tx| {
            tx.prepare_cached(&format!(
                "SELECT {COLUNAS_USUARIO} FROM usuarios WHERE login = ?1"
            ))?
            .query_row(params![login], linha)
            .optional()?
            .map(validar)
            .transpose()
        })
    }

    fn usuarios(&self) -> Result<Vec<RegistroUsuario>, ErroLivro> {
        self.ler(|tx| {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {COLUNAS_USUARIO} FROM usuarios ORDER BY login"
            ))?;
            let linhas = stmt.query_map([], linha)?;
            let mut v = Vec::new();
            for l in linhas {
                v.push(validar(l?)?);
            }
            Ok(v)
        })
    }

    fn desativar_usuario(
        &self,
        login: &str,
        agora: i64,
    ) -> Result<Option<RegistroUsuario>, ErroLivro> {
        self.escrever(|tx| {
            tx.prepare_cached("DELETE FROM sessoes WHERE login = ?1")?
                .execute(params![login])?;
            tx.prepare_cached(&format!(
                "UPDATE usuarios SET desativado_em = coalesce(desativado_em, ?2) \
                 WHERE login = ?1 RETURNING {COLUNAS_USUARIO}"
            ))?
            .query_row(params![login, agora], linha)
            .optional()?
            .map(validar)
            .transpose()
        })
    }

    fn registrar_falha(
        &self,
        login: &str,
        regra: RegraBloqueio,
        agora: i64,
    ) -> Result<Option<RegistroUsuario>, ErroLivro> {
        self.escrever(|tx| {
            tx.prepare_cached(&format!(
                "UPDATE usuarios SET \
                   falhas = CASE WHEN falhas + 1 >= ?2 THEN 0 ELSE falhas + 1 END, \
                   bloqueado_ate = CASE WHEN falhas + 1 >= ?2 THEN ?3 + ?4 ELSE bloqueado_ate END \
                 WHERE login = ?1 RETURNING {COLUNAS_USUARIO}"
            ))?
            .query_row(
                params![login, i64::from(regra.limite), agora, regra.segundos],
                linha,
            )
            .optional()?
            .map(validar)
            .transpose()
        })
    }

    fn registrar_acerto(&self, login: &str) -> Result<(), ErroLivro> {
        self.escrever(|tx| {
            tx.prepare_cached(
                "UPDATE usuarios SET falhas = 0, bloqueado_ate = NULL \
                 WHERE login = ?1 AND (falhas <> 0 OR bloqueado_ate IS NOT NULL)",
            )?
            .execute(params![login])?;
            Ok(())
        })
    }

    fn criar_sessao(&self, s: &RegistroSessao) -> Result<(), ErroLivro> {
        self.escrever(|tx| {
            tx.prepare_cached(&format!(
                "INSERT INTO sessoes ({COLUNAS_SESSAO}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            ))?
            .execute(params![
                s.hash,
                s.login,
                s.csrf,
                s.criada_em,
                s.expira_em,
                s.visto_em
            ])?;
            Ok(())
        })
    }

    fn sessao(&self, hash: &str) -> Result<Option<RegistroSessao>, ErroLivro> {
        self.ler(|tx| {
            Ok(tx
                .prepare_cached(&format!(
                    "SELECT {COLUNAS_SESSAO} FROM sessoes WHERE hash = ?1"
                ))?
                .query_row(params![hash], sessao)
                .optional()?)
        })
    }

    fn renovar_sessao(&self, hash: &str, visto_em: i64, expira_em: i64) -> Result<(), ErroLivro> {
        self.escrever(|tx| {
            tx.prepare_cached("UPDATE sessoes SET visto_em = ?2, expira_em = ?3 WHERE hash = ?1")?
                .execute(params![hash, visto_em, expira_em])?;
            Ok(())
        })
    }

    fn encerrar_sessao(&self, hash: &str) -> Result<bool, ErroLivro> {
        self.escrever(|tx| {
            Ok(tx
                .prepare_cached("DELETE FROM sessoes WHERE hash = ?1")?
                .execute(params![hash])?
                > 0)
        })
    }

    fn apagar_sessoes_vencidas(&self, agora: i64) -> Result<u64, ErroLivro> {
        self.escrever(|tx| {
            let n = tx
                .prepare_cached("DELETE FROM sessoes WHERE expira_em < ?1")?
                .execute(params![agora])?;
            Ok(u64::try_from(n).unwrap_or(u64::MAX))
        })
    }
}
