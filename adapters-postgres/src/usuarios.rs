//! [`LivroUsuarios`] on PostgreSQL: `usuarios` and `sessoes` (migration 0012). A row reads back
//! through `guiche_ports::usuarios::registro_usuario`, shared with the SQLite ledger.
//!
//! A failed login is counted by one `UPDATE … SET falhas = …` (READ COMMITTED): of several
//! processes failing at once, each waits for the previous one's row lock and then counts on
//! the row it left, so no count is lost and exactly one failure locks the login.

use guiche_ports::acesso::Papel;
use guiche_ports::livro::ErroLivro;
use guiche_ports::usuarios::{
    COLUNAS_SESSAO, COLUNAS_USUARIO, LinhaUsuario, LivroUsuarios, RegistroSessao, RegistroUsuario,
    RegraBloqueio, registro_usuario,
};
use tokio_postgres::Row;

use crate::Livro;
use crate::falha::Falha;

/// A row selected with [`COLUNAS_USUARIO`], read back.
fn validar(r: &Row) -> Result<RegistroUsuario, Falha> {
    let linha = LinhaUsuario {
        login: r.try_get(0)?,
        papel: r.try_get(1)?,
        hash: r.try_get(2)?,
        falhas: r.try_get(3)?,
        bloqueado_ate: r.try_get(4)?,
        criado_em: r.try_get(5)?,
        desativado_em: r.try_get(6)?,
    };
    registro_usuario(linha).map_err(Falha::Recusa)
}

/// A row selected with [`COLUNAS_SESSAO`].
fn sessao(r: &Row) -> Result<RegistroSessao, Falha> {
    Ok(RegistroSessao {
        hash: r.try_get(0)?,
        login: r.try_get(1)?,
        csrf: r.try_get(2)?,
        criada_em: r.try_get(3)?,
        expira_em: r.try_get(4)?,
        visto_em: r.try_get(5)?,
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
        self.escrever(async |tx| {
            let sql = tx
                .prepare_cached(&format!(
                    "INSERT INTO usuarios (login, papel, hash, criado_em) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (login) DO NOTHING RETURNING {COLUNAS_USUARIO}"
                ))
                .await?;
            tx.query_opt(&sql, &[&login, &papel.nome(), &hash, &agora])
                .await?
                .as_ref()
                .map(validar)
                .transpose()
        })
    }

    fn usuario(&self, login: &str) -> Result<Option<RegistroUsuario>, ErroLivro> {
        self.ler(async |tx| {
            let sql = tx
                .prepare_cached(&format!(
                    "SELECT {COLUNAS_USUARIO} FROM usuarios WHERE login = $1"
                ))
                .await?;
            tx.query_opt(&sql, &[&login])
                .await?
                .as_ref()
                .map(validar)
                .transpose()
        })
    }

    fn usuarios(&self) -> Result<Vec<RegistroUsuario>, ErroLivro> {
        self.ler(async |tx| {
            let sql = tx
                .prepare_cached(&format!(
                    "SELECT {COLUNAS_USUARIO} FROM usuarios ORDER BY login COLLATE \"C\""
                ))
                .await?;
            tx.query(&sql, &[]).await?.iter().map(validar).collect()
        })
    }

    fn desativar_usuario(
        &self,
        login: &str,
        agora: i64,
    ) -> Result<Option<RegistroUsuario>, ErroLivro> {
        self.escrever(async |tx| {
            let apagar = tx
                .prepare_cached("DELETE FROM sessoes WHERE login = $1")
                .await?;
            tx.execute(&apagar, &[&login]).await?;
            let sql = tx
                .prepare_cached(&format!(
                    "UPDATE usuarios SET desativado_em = coalesce(desativado_em, $2) \
                     WHERE login = $1 RETURNING {COLUNAS_USUARIO}"
                ))
                .await?;
            tx.query_opt(&sql, &[&login, &agora])
                .await?
                .as_ref()
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
        let limite = i64::from(regra.limite);
        self.escrever(async |tx| {
            let sql = tx
                .prepare_cached(&format!(
                    "UPDATE usuarios SET \
                       falhas = CASE WHEN falhas + 1 >= $2 THEN 0 ELSE falhas + 1 END, \
                       bloqueado_ate = CASE WHEN falhas + 1 >= $2 THEN $3::bigint + $4::bigint \
                                       ELSE bloqueado_ate END \
                     WHERE login = $1 RETURNING {COLUNAS_USUARIO}"
                ))
                .await?;
            tx.query_opt(&sql, &[&login, &limite, &agora, &regra.segundos])
                .await?
                .as_ref()
                .map(validar)
                .transpose()
        })
    }

    fn registrar_acerto(&self, login: &str) -> Result<(), ErroLivro> {
        self.escrever(async |tx| {
            let sql = tx
                .prepare_cached(
                    "UPDATE usuarios SET falhas = 0, bloqueado_ate = NULL \
                     WHERE login = $1 AND (falhas <> 0 OR bloqueado_ate IS NOT NULL)",
                )
                .await?;
            tx.execute(&sql, &[&login]).await?;
            Ok(())
        })
    }

    fn criar_sessao(&self, s: &RegistroSessao) -> Result<(), ErroLivro> {
        self.escrever(async |tx| {
            let sql = tx
                .prepare_cached(&format!(
                    "INSERT INTO sessoes ({COLUNAS_SESSAO}) VALUES ($1, $2, $3, $4, $5, $6)"
                ))
                .await?;
            tx.execute(
                &sql,
                &[
                    &s.hash,
                    &s.login,
                    &s.csrf,
                    &s.criada_em,
                    &s.expira_em,
                    &s.visto_em,
                ],
            )
            .await?;
            Ok(())
        })
    }

    fn sessao(&self, hash: &str) -> Result<Option<RegistroSessao>, ErroLivro> {
        self.ler(async |tx| {
            let sql = tx
                .prepare_cached(&format!(
                    "SELECT {COLUNAS_SESSAO} FROM sessoes WHERE hash = $1"
                ))
                .await?;
            tx.query_opt(&sql, &[&hash])
                .await?
                .as_ref()
                .map(sessao)
                .transpose()
        })
    }

    fn renovar_sessao(&self, hash: &str, visto_em: i64, expira_em: i64) -> Result<(), ErroLivro> {
        self.escrever(async |tx| {
            let sql = tx
                .prepare_cached("UPDATE sessoes SET visto_em = $2, expira_em = $3 WHERE hash = $1")
                .await?;
            tx.execute(&sql, &[&hash, &visto_em, &expira_em]).await?;
            Ok(())
        })
    }

    fn encerrar_sessao(&self, hash: &str) -> Result<bool, ErroLivro> {
        self.escrever(async |tx| {
            let sql = tx
                .prepare_cached("DELETE FROM sessoes WHERE hash = $1")
                .await?;
            Ok(tx.execute(&sql, &[&hash]).await? > 0)
        })
    }

    fn apagar_sessoes_vencidas(&self, agora: i64) -> Result<u64, ErroLivro> {
        self.escrever(async |tx| {
            let sql = tx
                .prepare_cached("DELETE FROM sessoes WHERE expira_em < $1")
                .await?;
            Ok(tx.execute(&sql, &[&agora]).await?)
        })
    }
}
