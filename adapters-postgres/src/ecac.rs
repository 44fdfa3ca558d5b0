//! The e-CAC reconciliation ledger ([`LivroEcac`]) on PostgreSQL: `empresas`, `guias`,
//! `pagamentos` and `ocorrencias`, the same tables, columns and stored forms as SQLite's
//! (flags are `boolean` here). What is stored and how a row reads back is
//! [`guiche_ports::ecac::regras`], shared with the SQLite ledger; this module keeps only the
//! SQL and what makes it exact when several processes write at once.
//!
//! Every method is one transaction (READ COMMITTED, PostgreSQL's default). Where SQLite's
//! single writer makes a read and the write that depends on it one step, here:
//!
//! - a guide is inserted first (`ON CONFLICT (numero) DO NOTHING`) and only a guide that was
//!   already there is read back and compared: a concurrent insert of the same number waits for
//!   the first to commit, then does nothing, and the next statement sees the committed row;
//! - payments are inserted with `ON CONFLICT … DO NOTHING` on their identity (ordinal
//!   included), in one statement, after a transaction advisory lock per contribuinte so that
//!   two processes recording overlapping fetches never wait for each other in a cycle;
//! - a reconciliation first takes a transaction advisory lock per `chave` it records
//!   (`pg_advisory_xact_lock`, in the order of the locks' keys), so that reading the newest
//!   row of a key and appending after it is one step for that key, whoever else records it;
//!   other keys (other companies) do not wait;
//! - a guide is settled by `UPDATE … WHERE baixada_em IS NULL`: a second process settling it
//!   at once waits for the first, re-reads the row and settles nothing.
//!
//! A company's turn ([`LivroEcac::vez_da_empresa`]) is a session advisory lock on a connection
//! of the locks' pool, held as long as the [`Vez`]; the server releases it when that
//! connection ends, however the process ends.

use std::collections::HashMap;

use deadpool_postgres::Transaction;
use guiche_domain::conciliacao::Pagamento;
use guiche_domain::guia::{Guia, NumeroDocumento};
use guiche_domain::{Cnpj, Data, Documento};
use guiche_ports::ecac::regras::{
    self, COLUNAS_CND, COLUNAS_EMPRESA, COLUNAS_GUIA, COLUNAS_MENSAGEM, COLUNAS_OCORRENCIA,
    COLUNAS_PAGAMENTO, Celula, CelulaInvalida,
};
use guiche_ports::ecac::{
    Achado, ConsultaCnd, Empresa, GuiaGravada, GuiaRegistrada, LivroEcac, MensagemDte, Ocorrencia,
    OrigemGuia, ResumoConciliacao,
};
use guiche_ports::livro::{ErroLivro, Vez};
use tokio_postgres::Row;
use tokio_postgres::types::{ToSql, Type};

use crate::Livro;
use crate::falha::Falha;

// ---------------------------------------------------------------------------------------------
// Reading rows back: the cells as PostgreSQL holds them, validated by `regras`
// ---------------------------------------------------------------------------------------------

/// A row as [`regras`] reads it.
struct LinhaPg<'a>(&'a Row);

impl regras::Linha for LinhaPg<'_> {
    fn celula(&self, coluna: &'static str) -> Result<Celula, String> {
        let colunas = self.0.columns();
        let Some(i) = colunas.iter().position(|c| c.name() == coluna) else {
            return Err(format!("a consulta não trouxe a coluna {coluna}"));
        };
        let tipo = colunas[i].type_();
        let celula = if *tipo == Type::TEXT || *tipo == Type::VARCHAR {
            self.0
                .try_get::<_, Option<String>>(i)
                .map(|v| v.map_or(Celula::Nula, Celula::Texto))
        } else if *tipo == Type::INT8 {
            self.0
                .try_get::<_, Option<i64>>(i)
                .map(|v| v.map_or(Celula::Nula, Celula::Inteiro))
        } else if *tipo == Type::INT4 {
            self.0
                .try_get::<_, Option<i32>>(i)
                .map(|v| v.map_or(Celula::Nula, |n| Celula::Inteiro(n.into())))
        } else if *tipo == Type::BOOL {
            self.0
                .try_get::<_, Option<bool>>(i)
                .map(|v| v.map_or(Celula::Nula, Celula::Booleano))
        } else {
            return Ok(Celula::Outra(format!("<um valor do tipo {tipo}>")));
        };
        celula.map_err(|e| e.to_string())
    }
}

/// A reader of `regras` (`regras::empresa`…).
type Leitor<T> = fn(&dyn regras::Linha) -> Result<T, CelulaInvalida>;

/// Parameters of a statement.
type Parametros<'a> = [&'a (dyn ToSql + Sync)];

/// Every row `sql` selects, each read by `ler`.
async fn todas<T>(
    tx: &Transaction<'_>,
    sql: &str,
    parametros: &Parametros<'_>,
    ler: Leitor<T>,
) -> Result<Vec<T>, Falha> {
    let stmt = tx.prepare_cached(sql).await?;
    let linhas = tx.query(&stmt, parametros).await?;
    linhas
        .iter()
        .map(|l| ler(&LinhaPg(l)).map_err(Falha::Celula))
        .collect()
}

/// The first row `sql` selects, if any, read by `ler`.
async fn primeira<T>(
    tx: &Transaction<'_>,
    sql: &str,
    parametros: &Parametros<'_>,
    ler: Leitor<T>,
) -> Result<Option<T>, Falha> {
    Ok(todas(tx, sql, parametros, ler).await?.into_iter().next())
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Adds a company or replaces its settings; `sincronizado_ate` is kept. One statement: two
/// processes saving one company at once leave the last one's settings.
async fn salvar_empresa(tx: &Transaction<'_>, e: &Empresa) -> Result<(), Falha> {
    let l = regras::linha_empresa(e);
    let stmt = tx
        .prepare_cached(
            "INSERT INTO empresas (cnpj, nome, ecac_desde, acesso, certificado_procurador) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (cnpj) DO UPDATE SET nome = excluded.nome, \
             ecac_desde = excluded.ecac_desde, acesso = excluded.acesso, \
             certificado_procurador = excluded.certificado_procurador, \
             atualizado_em = extract(epoch FROM now())::bigint",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &l.cnpj,
            &l.nome,
            &l.ecac_desde,
            &l.acesso,
            &l.certificado_procurador,
        ],
    )
    .await?;
    Ok(())
}

/// The guide recorded under `numero`, if any.
async fn guia_por_numero(
    tx: &Transaction<'_>,
    numero: &NumeroDocumento,
) -> Result<Option<GuiaRegistrada>, Falha> {
    let sql = format!("SELECT {COLUNAS_GUIA} FROM guias WHERE numero = $1");
    primeira(tx, &sql, &[&numero.as_digitos()], regras::guia_registrada).await
}

/// Records `guia` unless its number is taken: by the same guide (nothing written) or by
/// another (refused, the recorded one kept).
///
/// Inserting first is what makes this exact across processes: under READ COMMITTED, an
/// insert that meets another transaction's uncommitted row with the same number waits for it;
/// if it commits, this one does nothing and the next statement (a new snapshot) reads it.
async fn registrar_guia(
    tx: &Transaction<'_>,
    guia: &Guia,
    origem: OrigemGuia,
) -> Result<GuiaGravada, Falha> {
    let l = regras::linha_guia(guia, origem).map_err(Falha::Recusa)?;
    let stmt = tx
        .prepare_cached(
            "INSERT INTO guias (numero, tipo, contribuinte, codigo_receita, periodo, \
             vencimento, valor, codigo_barras, origem) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (numero) DO NOTHING",
        )
        .await?;
    let inseridas = tx
        .execute(
            &stmt,
            &[
                &l.numero,
                &l.tipo,
                &l.contribuinte,
                &l.codigo_receita,
                &l.periodo,
                &l.vencimento,
                &l.valor,
                &l.codigo_barras,
                &l.origem,
            ],
        )
        .await?;
    if inseridas == 1 {
        return Ok(GuiaGravada::Nova);
    }
    match guia_por_numero(tx, &guia.numero).await? {
        Some(registrada) => Ok(regras::conferir_guia(&registrada.guia, guia)?),
        // Nothing deletes a guide: only a server that lost a committed row gets here.
        None => Err(Falha::Recusa(format!(
            "a guia {} estava no livro e sumiu durante a gravação; verifique o banco",
            guia.numero
        ))),
    }
}

/// Takes a transaction advisory lock (held to commit) on each of `nomes` under `prefixo`, in
/// one statement and in the order of the locks' 64-bit keys, so that two transactions asking
/// for overlapping sets never wait for each other in a cycle.
async fn travar(tx: &Transaction<'_>, prefixo: &str, nomes: &[&str]) -> Result<(), Falha> {
    let stmt = tx
        .prepare_cached(
            "SELECT pg_advisory_xact_lock(k) FROM \
             (SELECT DISTINCT hashtextextended($1 || n, 0) AS k \
              FROM unnest($2::text[]) AS n ORDER BY k) AS travas",
        )
        .await?;
    tx.execute(&stmt, &[&prefixo, &nomes]).await?;
    Ok(())
}

/// Inserts the payments of one fetch not recorded yet, in one statement and in the fetch's
/// order; how many were new. A payment's identity is (contribuinte, number, date, value,
/// ordinal among the identical ones of the fetch).
///
/// `ON CONFLICT DO NOTHING` alone is exact (a row another transaction is inserting is waited
/// for, then skipped), but two processes inserting overlapping fetches in different orders
/// could wait for each other's rows in a cycle; a transaction advisory lock per contribuinte
/// (a fetch is of one) makes the second wait for the first's commit instead.
async fn registrar_pagamentos(
    tx: &Transaction<'_>,
    pagamentos: &[Pagamento],
) -> Result<usize, Falha> {
    let linhas = regras::linhas_pagamentos(pagamentos).map_err(Falha::Recusa)?;
    if linhas.is_empty() {
        return Ok(0);
    }
    let contribuintes: Vec<&str> = linhas.iter().map(|l| l.contribuinte).collect();
    travar(tx, "guiche:ecac:pagamentos:", &contribuintes).await?;
    let numeros: Vec<&str> = linhas.iter().map(|l| l.numero.as_str()).collect();
    let datas: Vec<&str> = linhas.iter().map(|l| l.data_arrecadacao.as_str()).collect();
    let valores: Vec<i64> = linhas.iter().map(|l| l.valor).collect();
    let receitas: Vec<Option<&str>> = linhas.iter().map(|l| l.codigo_receita.as_deref()).collect();
    let ordinais: Vec<i64> = linhas.iter().map(|l| l.ordinal).collect();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO pagamentos (contribuinte, numero, data_arrecadacao, valor, \
             codigo_receita, ordinal) \
             SELECT c, n, d, v, r, o FROM unnest($1::text[], $2::text[], $3::text[], \
             $4::bigint[], $5::text[], $6::bigint[]) WITH ORDINALITY AS t(c, n, d, v, r, o, i) \
             ORDER BY i \
             ON CONFLICT (contribuinte, numero, data_arrecadacao, valor, ordinal) DO NOTHING",
        )
        .await?;
    let novos = tx
        .execute(
            &stmt,
            &[
                &contribuintes,
                &numeros,
                &datas,
                &valores,
                &receitas,
                &ordinais,
            ],
        )
        .await?;
    // A row count always fits (at most the fetch's length).
    Ok(usize::try_from(novos).unwrap_or(usize::MAX))
}

/// Records a reconciliation run on `hoje`: a new row for each finding that differs from the
/// newest of its `chave` ([`regras::novos`]), and `baixada_em = hoje` for each open guide found
/// paid.
///
/// Under READ COMMITTED two processes could both read "no row" for one key and both append:
/// the transaction advisory lock per key (held to commit, [`travar`]) makes the other wait,
/// and its read after the wait, a new snapshot, sees the row the first appended.
async fn registrar_conciliacao(
    tx: &Transaction<'_>,
    achados: &[Achado],
    hoje: Data,
) -> Result<ResumoConciliacao, Falha> {
    let linhas = achados
        .iter()
        .map(|a| regras::linha_ocorrencia(a, hoje))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Falha::Recusa)?;
    let chaves = regras::chaves(achados);
    if chaves.is_empty() {
        return Ok(regras::resumo(&[], 0));
    }
    travar(tx, "guiche:ecac:ocorrencia:", &chaves).await?;

    let sql = format!(
        "SELECT DISTINCT ON (chave) {COLUNAS_OCORRENCIA} FROM ocorrencias \
         WHERE chave = ANY($1::text[]) ORDER BY chave, id DESC"
    );
    let ultimas: HashMap<String, Achado> = todas(tx, &sql, &[&chaves], regras::ocorrencia)
        .await?
        .into_iter()
        .map(|o| (o.achado.chave.clone(), o.achado))
        .collect();
    let novos = regras::novos(ultimas, achados);
    let novas: Vec<_> = linhas
        .iter()
        .zip(&novos)
        .filter(|(_, novo)| **novo)
        .map(|(l, _)| l)
        .collect();
    if !novas.is_empty() {
        inserir_ocorrencias(tx, &novas).await?;
    }

    let a_baixar = regras::a_baixar(achados);
    let baixadas = if a_baixar.is_empty() {
        0
    } else {
        let stmt = tx
            .prepare_cached(
                "UPDATE guias SET baixada_em = $2 \
                 WHERE numero = ANY($1::text[]) AND baixada_em IS NULL",
            )
            .await?;
        tx.execute(&stmt, &[&a_baixar, &hoje.iso()]).await?
    };
    let baixadas = usize::try_from(baixadas).unwrap_or(usize::MAX);
    Ok(regras::resumo(&novos, baixadas))
}

/// Appends `linhas` to `ocorrencias` in one statement, in their order (their ids grow in it).
async fn inserir_ocorrencias(
    tx: &Transaction<'_>,
    linhas: &[&regras::LinhaOcorrencia<'_>],
) -> Result<(), Falha> {
    let chaves: Vec<&str> = linhas.iter().map(|l| l.chave).collect();
    let contribuintes: Vec<&str> = linhas.iter().map(|l| l.contribuinte).collect();
    let numeros: Vec<&str> = linhas.iter().map(|l| l.numero.as_str()).collect();
    let codigos: Vec<&str> = linhas.iter().map(|l| l.codigo).collect();
    let descricoes: Vec<&str> = linhas.iter().map(|l| l.descricao).collect();
    let valores_guia: Vec<Option<i64>> = linhas.iter().map(|l| l.valor_guia).collect();
    let valores_pagos: Vec<Option<i64>> = linhas.iter().map(|l| l.valor_pago).collect();
    let vencimentos: Vec<Option<&str>> = linhas.iter().map(|l| l.vencimento.as_deref()).collect();
    let pagos_em: Vec<Option<&str>> = linhas.iter().map(|l| l.pago_em.as_deref()).collect();
    let dias: Vec<Option<i64>> = linhas.iter().map(|l| l.dias_atraso).collect();
    let pagas: Vec<bool> = linhas.iter().map(|l| l.paga).collect();
    let registradas: Vec<&str> = linhas.iter().map(|l| l.registrada_em.as_str()).collect();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO ocorrencias (chave, contribuinte, numero, codigo, descricao, \
             valor_guia, valor_pago, vencimento, pago_em, dias_atraso, paga, registrada_em) \
             SELECT chave, contribuinte, numero, codigo, descricao, valor_guia, valor_pago, \
             vencimento, pago_em, dias_atraso, paga, registrada_em \
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
             $6::bigint[], $7::bigint[], $8::text[], $9::text[], $10::bigint[], $11::boolean[], \
             $12::text[]) WITH ORDINALITY AS t(chave, contribuinte, numero, codigo, descricao, \
             valor_guia, valor_pago, vencimento, pago_em, dias_atraso, paga, registrada_em, n) \
             ORDER BY n",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &chaves,
            &contribuintes,
            &numeros,
            &codigos,
            &descricoes,
            &valores_guia,
            &valores_pagos,
            &vencimentos,
            &pagos_em,
            &dias,
            &pagas,
            &registradas,
        ],
    )
    .await?;
    Ok(())
}

/// Remembers that the payments of `cnpj` were fetched up to `ate`; refuses a company not in
/// the ledger.
async fn marcar_sincronizacao(tx: &Transaction<'_>, cnpj: &Cnpj, ate: Data) -> Result<(), Falha> {
    let stmt = tx
        .prepare_cached(
            "UPDATE empresas SET sincronizado_ate = $2, \
             atualizado_em = extract(epoch FROM now())::bigint WHERE cnpj = $1",
        )
        .await?;
    if tx.execute(&stmt, &[&cnpj.as_str(), &ate.iso()]).await? == 0 {
        return Err(Falha::Recusa(regras::empresa_desconhecida(cnpj)));
    }
    Ok(())
}

/// Refuses `cnpj` when it is not a company of the ledger.
async fn exigir_empresa(tx: &Transaction<'_>, cnpj: &Cnpj) -> Result<(), Falha> {
    let stmt = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM empresas WHERE cnpj = $1)")
        .await?;
    let existe: bool = tx.query_one(&stmt, &[&cnpj.as_str()]).await?.try_get(0)?;
    if existe {
        Ok(())
    } else {
        Err(Falha::Recusa(regras::empresa_desconhecida(cnpj)))
    }
}

/// Replaces the company's last CND check (one statement: the last writer's check stays).
async fn registrar_cnd(tx: &Transaction<'_>, cnd: &ConsultaCnd) -> Result<(), Falha> {
    exigir_empresa(tx, &cnd.cnpj).await?;
    let stmt = tx
        .prepare_cached(
            "INSERT INTO cnds (cnpj, situacao, motivo, validade, consultada_em) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (cnpj) DO UPDATE SET situacao = excluded.situacao, \
             motivo = excluded.motivo, validade = excluded.validade, \
             consultada_em = excluded.consultada_em, \
             atualizado_em = extract(epoch FROM now())::bigint",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &cnd.cnpj.as_str(),
            &cnd.situacao.map(regras::codigo_situacao_cnd),
            &cnd.motivo,
            &cnd.validade.map(|d| d.iso()),
            &cnd.consultada_em.iso(),
        ],
    )
    .await?;
    Ok(())
}

/// Adds the new messages and marks the ones read now; how many were new. Each message is
/// inserted with `ON CONFLICT DO NOTHING`, so two processes recording one read at once add it
/// once.
async fn registrar_mensagens(
    tx: &Transaction<'_>,
    mensagens: &[MensagemDte],
) -> Result<usize, Falha> {
    let inserir = tx
        .prepare_cached(
            "INSERT INTO caixa_postal (cnpj, isn, assunto, enviada_em, lida, prazo) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (cnpj, isn) DO NOTHING",
        )
        .await?;
    let ler = tx
        .prepare_cached("UPDATE caixa_postal SET lida = true WHERE cnpj = $1 AND isn = $2")
        .await?;
    let mut novas = 0;
    for m in mensagens {
        exigir_empresa(tx, &m.cnpj).await?;
        let n = tx
            .execute(
                &inserir,
                &[
                    &m.cnpj.as_str(),
                    &m.isn,
                    &m.assunto,
                    &m.enviada_em.map(|d| d.iso()),
                    &m.lida,
                    &m.prazo.map(|d| d.iso()),
                ],
            )
            .await?;
        novas += usize::try_from(n).unwrap_or(0);
        if n == 0 && m.lida {
            tx.execute(&ler, &[&m.cnpj.as_str(), &m.isn]).await?;
        }
    }
    Ok(novas)
}

/// Records a successful mailbox read of `cnpj` on `dia`: its messages and the day (the later
/// of two processes recording the same day at once writes the same day).
async fn registrar_leitura_caixa_postal(
    tx: &Transaction<'_>,
    cnpj: &Cnpj,
    dia: Data,
    mensagens: &[MensagemDte],
) -> Result<usize, Falha> {
    exigir_empresa(tx, cnpj).await?;
    if let Some(m) = mensagens.iter().find(|m| m.cnpj != *cnpj) {
        return Err(Falha::Recusa(regras::mensagem_de_outra_empresa(
            cnpj, &m.cnpj,
        )));
    }
    let novas = registrar_mensagens(tx, mensagens).await?;
    let stmt = tx
        .prepare_cached(
            "INSERT INTO caixa_postal_leituras (cnpj, lida_em) VALUES ($1, $2) \
             ON CONFLICT (cnpj) DO UPDATE SET lida_em = excluded.lida_em, \
             atualizado_em = extract(epoch FROM now())::bigint",
        )
        .await?;
    tx.execute(&stmt, &[&cnpj.as_str(), &dia.iso()]).await?;
    Ok(novas)
}

/// The e-CAC ledger on PostgreSQL, with the SQLite ledger's contract (its decisions are listed
/// on `guiche_store::Livro`'s implementation, and the same contract cases run against both).
/// Lists are in the same order as SQLite's: companies by CNPJ and occurrences by contribuinte,
/// number and key, in byte order (`COLLATE "C"`, whatever the database's collation); guides
/// in the order they were recorded (`ordem`), payments and history by id.
impl LivroEcac for Livro {
    fn salvar_empresa(&self, empresa: &Empresa) -> Result<(), ErroLivro> {
        self.escrever(async |tx| salvar_empresa(tx, empresa).await)
    }

    fn empresa(&self, cnpj: &Cnpj) -> Result<Option<Empresa>, ErroLivro> {
        let sql = format!("SELECT {COLUNAS_EMPRESA} FROM empresas WHERE cnpj = $1");
        self.ler(async |tx| primeira(tx, &sql, &[&cnpj.as_str()], regras::empresa).await)
    }

    fn empresas(&self) -> Result<Vec<Empresa>, ErroLivro> {
        let sql = format!("SELECT {COLUNAS_EMPRESA} FROM empresas ORDER BY cnpj COLLATE \"C\"");
        self.ler(async |tx| todas(tx, &sql, &[], regras::empresa).await)
    }

    fn registrar_guia(&self, guia: &Guia, origem: OrigemGuia) -> Result<GuiaGravada, ErroLivro> {
        self.escrever(async |tx| registrar_guia(tx, guia, origem).await)
    }

    fn guia(&self, numero: &NumeroDocumento) -> Result<Option<GuiaRegistrada>, ErroLivro> {
        self.ler(async |tx| guia_por_numero(tx, numero).await)
    }

    fn guias(&self, contribuinte: Option<&Documento>) -> Result<Vec<GuiaRegistrada>, ErroLivro> {
        let sql = format!(
            "SELECT {COLUNAS_GUIA} FROM guias WHERE ($1::text IS NULL OR contribuinte = $1) \
             ORDER BY ordem"
        );
        let filtro = contribuinte.map(Documento::as_str);
        self.ler(async |tx| todas(tx, &sql, &[&filtro], regras::guia_registrada).await)
    }

    fn registrar_pagamentos(&self, pagamentos: &[Pagamento]) -> Result<usize, ErroLivro> {
        self.escrever(async |tx| registrar_pagamentos(tx, pagamentos).await)
    }

    fn pagamentos(&self, contribuinte: Option<&Documento>) -> Result<Vec<Pagamento>, ErroLivro> {
        let sql = format!(
            "SELECT {COLUNAS_PAGAMENTO} FROM pagamentos \
             WHERE ($1::text IS NULL OR contribuinte = $1) ORDER BY id"
        );
        let filtro = contribuinte.map(Documento::as_str);
        self.ler(async |tx| todas(tx, &sql, &[&filtro], regras::pagamento).await)
    }

    fn registrar_conciliacao(
        &self,
        achados: &[Achado],
        hoje: Data,
    ) -> Result<ResumoConciliacao, ErroLivro> {
        self.escrever(async |tx| registrar_conciliacao(tx, achados, hoje).await)
    }

    fn ocorrencias(&self, contribuinte: Option<&Documento>) -> Result<Vec<Ocorrencia>, ErroLivro> {
        let sql = format!(
            "SELECT {COLUNAS_OCORRENCIA} FROM ocorrencias \
             WHERE id IN (SELECT max(id) FROM ocorrencias GROUP BY chave) \
             AND ($1::text IS NULL OR contribuinte = $1) \
             ORDER BY contribuinte COLLATE \"C\", numero COLLATE \"C\", chave COLLATE \"C\""
        );
        let filtro = contribuinte.map(Documento::as_str);
        self.ler(async |tx| todas(tx, &sql, &[&filtro], regras::ocorrencia).await)
    }

    fn historico(&self, numero: &NumeroDocumento) -> Result<Vec<Ocorrencia>, ErroLivro> {
        let sql =
            format!("SELECT {COLUNAS_OCORRENCIA} FROM ocorrencias WHERE numero = $1 ORDER BY id");
        self.ler(async |tx| todas(tx, &sql, &[&numero.as_digitos()], regras::ocorrencia).await)
    }

    fn sincronizado_ate(&self, cnpj: &Cnpj) -> Result<Option<Data>, ErroLivro> {
        let sql = "SELECT cnpj, sincronizado_ate FROM empresas WHERE cnpj = $1";
        self.ler(async |tx| {
            Ok(
                primeira(tx, sql, &[&cnpj.as_str()], regras::sincronizado_ate)
                    .await?
                    .flatten(),
            )
        })
    }

    fn marcar_sincronizacao(&self, cnpj: &Cnpj, ate: Data) -> Result<(), ErroLivro> {
        self.escrever(async |tx| marcar_sincronizacao(tx, cnpj, ate).await)
    }

    fn registrar_cnd(&self, cnd: &ConsultaCnd) -> Result<(), ErroLivro> {
        self.escrever(async |tx| registrar_cnd(tx, cnd).await)
    }

    fn cnds(&self) -> Result<Vec<ConsultaCnd>, ErroLivro> {
        let sql = format!("SELECT {COLUNAS_CND} FROM cnds ORDER BY cnpj COLLATE \"C\"");
        self.ler(async |tx| todas(tx, &sql, &[], regras::consulta_cnd).await)
    }

    fn cnd(&self, cnpj: &Cnpj) -> Result<Option<ConsultaCnd>, ErroLivro> {
        let sql = format!("SELECT {COLUNAS_CND} FROM cnds WHERE cnpj = $1");
        self.ler(async |tx| primeira(tx, &sql, &[&cnpj.as_str()], regras::consulta_cnd).await)
    }

    fn registrar_mensagens(&self, mensagens: &[MensagemDte]) -> Result<usize, ErroLivro> {
        self.escrever(async |tx| registrar_mensagens(tx, mensagens).await)
    }

    fn registrar_leitura_caixa_postal(
        &self,
        cnpj: &Cnpj,
        dia: Data,
        mensagens: &[MensagemDte],
    ) -> Result<usize, ErroLivro> {
        self.escrever(async |tx| registrar_leitura_caixa_postal(tx, cnpj, dia, mensagens).await)
    }

    fn caixa_postal_lida_em(&self, cnpj: &Cnpj) -> Result<Option<Data>, ErroLivro> {
        let sql = "SELECT cnpj, lida_em FROM caixa_postal_leituras WHERE cnpj = $1";
        self.ler(async |tx| {
            primeira(tx, sql, &[&cnpj.as_str()], regras::caixa_postal_lida_em).await
        })
    }

    fn mensagens(&self, cnpj: Option<&Cnpj>) -> Result<Vec<MensagemDte>, ErroLivro> {
        let sql = format!(
            "SELECT {COLUNAS_MENSAGEM} FROM caixa_postal WHERE ($1::text IS NULL OR cnpj = $1) \
             ORDER BY cnpj COLLATE \"C\", enviada_em IS NULL, enviada_em, isn COLLATE \"C\""
        );
        let filtro = cnpj.map(Cnpj::as_str);
        self.ler(async |tx| todas(tx, &sql, &[&filtro], regras::mensagem_dte).await)
    }

    fn vez_da_empresa(&self, cnpj: &Cnpj) -> Result<Option<Vez>, ErroLivro> {
        crate::travas::vez_avulsa(
            &self.c.travas,
            &self.c.ponte,
            &format!("ecac:{cnpj}"),
            &self.c.local,
        )
    }
}
