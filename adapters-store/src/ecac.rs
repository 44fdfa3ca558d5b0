//! The e-CAC reconciliation ledger ([`LivroEcac`]) on SQLite: `empresas`, `guias`,
//! `pagamentos` and `ocorrencias` (migration 0004; payments keyed with their ordinal by 0007).
//! Every method is one transaction; the queries run inside the transaction [`Livro`] opened.
//!
//! Nothing is deleted or rewritten: a guide keeps its content, a payment is inserted once, an
//! occurrence that changes gets a new row, and `guias.baixada_em` only ever goes from `NULL` to
//! a date. What is stored and how a row reads back is [`guiche_ports::ecac::regras`], shared
//! with the PostgreSQL ledger: a cell that does not validate is a [`Falha::Celula`] naming its
//! table, row, column and value, never a panic. This module keeps only the SQL.
//!
//! Money is stored as INTEGER centavos, dates as ISO text (`AAAA-MM-DD`, as `notas.data`),
//! periods as `AAAAMM`, documents bare (no mask), document numbers as their 17 digits, flags
//! as INTEGER 0 or 1.
//!
//! One sync of a company at a time, across processes: [`LivroEcac::vez_da_empresa`] is an
//! advisory lock on `<ledger>.travas/ecac-<cnpj>.vez` (in this process for a ledger in memory),
//! taken without waiting.

use std::collections::HashMap;

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
use rusqlite::types::Value;
use rusqlite::{Connection, Params, Row, params};

use crate::falha::Falha;
use crate::livro::Livro;

// ---------------------------------------------------------------------------------------------
// Reading rows back: the cells as SQLite holds them, validated by `regras`
// ---------------------------------------------------------------------------------------------

/// A row as [`regras`] reads it.
struct LinhaSqlite<'a, 'r>(&'a Row<'r>);

impl regras::Linha for LinhaSqlite<'_, '_> {
    fn celula(&self, coluna: &'static str) -> Result<Celula, String> {
        Ok(
            match self.0.get::<_, Value>(coluna).map_err(|e| e.to_string())? {
                Value::Null => Celula::Nula,
                Value::Integer(i) => Celula::Inteiro(i),
                Value::Text(t) => Celula::Texto(t),
                Value::Real(r) => Celula::Outra(r.to_string()),
                Value::Blob(b) => Celula::Outra(format!("<{} bytes>", b.len())),
            },
        )
    }
}

/// A reader of `regras` (`regras::empresa`…).
type Leitor<T> = fn(&dyn regras::Linha) -> Result<T, CelulaInvalida>;

/// Every row `sql` selects, each read by `ler`.
fn todas<T>(
    c: &Connection,
    sql: &str,
    parametros: impl Params,
    ler: Leitor<T>,
) -> Result<Vec<T>, Falha> {
    let mut stmt = c.prepare_cached(sql)?;
    let mut linhas = stmt.query(parametros)?;
    let mut v = Vec::new();
    while let Some(linha) = linhas.next()? {
        v.push(ler(&LinhaSqlite(linha)).map_err(Falha::Celula)?);
    }
    Ok(v)
}

/// The first row `sql` selects, if any, read by `ler`.
fn primeira<T>(
    c: &Connection,
    sql: &str,
    parametros: impl Params,
    ler: Leitor<T>,
) -> Result<Option<T>, Falha> {
    let mut stmt = c.prepare_cached(sql)?;
    let mut linhas = stmt.query(parametros)?;
    linhas
        .next()?
        .map(|l| ler(&LinhaSqlite(l)).map_err(Falha::Celula))
        .transpose()
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// A value the ledger cannot hold (not whole centavos within `i64`): refused by name.
fn recusa(motivo: String) -> Falha {
    Falha::Recusa(motivo)
}

/// Adds a company or replaces its settings; `sincronizado_ate` is kept.
fn salvar_empresa(c: &Connection, e: &Empresa) -> Result<(), Falha> {
    let l = regras::linha_empresa(e);
    c.prepare_cached(
        "INSERT INTO empresas (cnpj, nome, ecac_desde, acesso, certificado_procurador) \
         VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (cnpj) DO UPDATE SET nome = excluded.nome, \
         ecac_desde = excluded.ecac_desde, acesso = excluded.acesso, \
         certificado_procurador = excluded.certificado_procurador, \
         atualizado_em = unixepoch()",
    )?
    .execute(params![
        l.cnpj,
        l.nome,
        l.ecac_desde,
        l.acesso,
        i64::from(l.certificado_procurador),
    ])?;
    Ok(())
}

/// The guide recorded under `numero`, if any.
fn guia_por_numero(
    c: &Connection,
    numero: &NumeroDocumento,
) -> Result<Option<GuiaRegistrada>, Falha> {
    let sql = format!("SELECT {COLUNAS_GUIA} FROM guias WHERE numero = ?1");
    primeira(c, &sql, [numero.as_digitos()], regras::guia_registrada)
}

/// Records `guia` unless its number is taken: by the same guide (nothing written) or by
/// another (refused, the recorded one kept). The writer's lock (`BEGIN IMMEDIATE`) makes the
/// read and the insert one step.
fn registrar_guia(c: &Connection, guia: &Guia, origem: OrigemGuia) -> Result<GuiaGravada, Falha> {
    if let Some(registrada) = guia_por_numero(c, &guia.numero)? {
        return Ok(regras::conferir_guia(&registrada.guia, guia)?);
    }
    let l = regras::linha_guia(guia, origem).map_err(recusa)?;
    c.prepare_cached(
        "INSERT INTO guias (numero, tipo, contribuinte, codigo_receita, periodo, vencimento, \
         valor, codigo_barras, origem) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        l.numero,
        l.tipo,
        l.contribuinte,
        l.codigo_receita,
        l.periodo,
        l.vencimento,
        l.valor,
        l.codigo_barras,
        l.origem,
    ])?;
    Ok(GuiaGravada::Nova)
}

/// Inserts the payments of one fetch not recorded yet; how many were new. A payment's identity
/// is (contribuinte, number, date, value, ordinal among the identical ones of the fetch).
fn registrar_pagamentos(c: &Connection, pagamentos: &[Pagamento]) -> Result<usize, Falha> {
    let linhas = regras::linhas_pagamentos(pagamentos).map_err(recusa)?;
    let mut stmt = c.prepare_cached(
        "INSERT INTO pagamentos (contribuinte, numero, data_arrecadacao, valor, codigo_receita, \
         ordinal) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (contribuinte, numero, data_arrecadacao, valor, ordinal) DO NOTHING",
    )?;
    let mut novos = 0;
    for l in linhas {
        novos += stmt.execute(params![
            l.contribuinte,
            l.numero,
            l.data_arrecadacao,
            l.valor,
            l.codigo_receita,
            l.ordinal,
        ])?;
    }
    Ok(novos)
}

/// Appends `achado` as a new occurrence row found on `hoje`.
fn inserir_ocorrencia(c: &Connection, a: &Achado, hoje: Data) -> Result<(), Falha> {
    let l = regras::linha_ocorrencia(a, hoje).map_err(recusa)?;
    c.prepare_cached(
        "INSERT INTO ocorrencias (chave, contribuinte, numero, codigo, descricao, valor_guia, \
         valor_pago, vencimento, pago_em, dias_atraso, paga, registrada_em) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        l.chave,
        l.contribuinte,
        l.numero,
        l.codigo,
        l.descricao,
        l.valor_guia,
        l.valor_pago,
        l.vencimento,
        l.pago_em,
        l.dias_atraso,
        i64::from(l.paga),
        l.registrada_em,
    ])?;
    Ok(())
}

/// Records a reconciliation run on `hoje`: a new row for each finding that differs from the
/// newest of its `chave` ([`regras::novos`]), and `baixada_em = hoje` for each open guide found
/// paid. The writer's lock (`BEGIN IMMEDIATE`) makes the reads and the writes one step.
fn registrar_conciliacao(
    c: &Connection,
    achados: &[Achado],
    hoje: Data,
) -> Result<ResumoConciliacao, Falha> {
    let ultima = format!(
        "SELECT {COLUNAS_OCORRENCIA} FROM ocorrencias WHERE chave = ?1 ORDER BY id DESC LIMIT 1"
    );
    let mut ultimas = HashMap::new();
    for chave in regras::chaves(achados) {
        if let Some(o) = primeira(c, &ultima, [chave], regras::ocorrencia)? {
            ultimas.insert(o.achado.chave.clone(), o.achado);
        }
    }
    let novos = regras::novos(ultimas, achados);
    for (a, _) in achados.iter().zip(&novos).filter(|(_, novo)| **novo) {
        inserir_ocorrencia(c, a, hoje)?;
    }
    let mut baixadas = 0;
    for numero in regras::a_baixar(achados) {
        baixadas += c
            .prepare_cached(
                "UPDATE guias SET baixada_em = ?2 WHERE numero = ?1 AND baixada_em IS NULL",
            )?
            .execute(params![numero, hoje.iso()])?;
    }
    Ok(regras::resumo(&novos, baixadas))
}

/// Remembers that the payments of `cnpj` were fetched up to `ate`; refuses a company not in
/// the ledger.
fn marcar_sincronizacao(c: &Connection, cnpj: &Cnpj, ate: Data) -> Result<(), Falha> {
    let n = c
        .prepare_cached(
            "UPDATE empresas SET sincronizado_ate = ?2, atualizado_em = unixepoch() \
             WHERE cnpj = ?1",
        )?
        .execute(params![cnpj.as_str(), ate.iso()])?;
    if n == 0 {
        return Err(Falha::Recusa(regras::empresa_desconhecida(cnpj)));
    }
    Ok(())
}

/// The last day payments of `cnpj` were fetched up to.
fn sincronizado_ate(c: &Connection, cnpj: &Cnpj) -> Result<Option<Data>, Falha> {
    let sql = "SELECT cnpj, sincronizado_ate FROM empresas WHERE cnpj = ?1";
    Ok(primeira(c, sql, [cnpj.as_str()], regras::sincronizado_ate)?.flatten())
}

/// Refuses `cnpj` when it is not a company of the ledger.
fn exigir_empresa(c: &Connection, cnpj: &Cnpj) -> Result<(), Falha> {
    let existe: bool = c
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM empresas WHERE cnpj = ?1)")?
        .query_row([cnpj.as_str()], |r| r.get(0))?;
    if existe {
        Ok(())
    } else {
        Err(Falha::Recusa(regras::empresa_desconhecida(cnpj)))
    }
}

/// Replaces the company's last CND check.
fn registrar_cnd(c: &Connection, cnd: &ConsultaCnd) -> Result<(), Falha> {
    exigir_empresa(c, &cnd.cnpj)?;
    c.prepare_cached(
        "INSERT INTO cnds (cnpj, situacao, motivo, validade, consultada_em) \
         VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (cnpj) DO UPDATE SET situacao = excluded.situacao, \
         motivo = excluded.motivo, validade = excluded.validade, \
         consultada_em = excluded.consultada_em, atualizado_em = unixepoch()",
    )?
    .execute(params![
        cnd.cnpj.as_str(),
        cnd.situacao.map(regras::codigo_situacao_cnd),
        cnd.motivo,
        cnd.validade.map(|d| d.iso()),
        cnd.consultada_em.iso(),
    ])?;
    Ok(())
}

/// Adds the new messages and marks the ones read now; how many were new.
fn registrar_mensagens(c: &Connection, mensagens: &[MensagemDte]) -> Result<usize, Falha> {
    let mut novas = 0;
    for m in mensagens {
        exigir_empresa(c, &m.cnpj)?;
        let n = c
            .prepare_cached(
                "INSERT INTO caixa_postal (cnpj, isn, assunto, enviada_em, lida, prazo) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (cnpj, isn) DO NOTHING",
            )?
            .execute(params![
                m.cnpj.as_str(),
                m.isn,
                m.assunto,
                m.enviada_em.map(|d| d.iso()),
                i64::from(m.lida),
                m.prazo.map(|d| d.iso()),
            ])?;
        novas += n;
        if n == 0 && m.lida {
            c.prepare_cached("UPDATE caixa_postal SET lida = 1 WHERE cnpj = ?1 AND isn = ?2")?
                .execute(params![m.cnpj.as_str(), m.isn])?;
        }
    }
    Ok(novas)
}

/// Records a successful mailbox read of `cnpj` on `dia`: its messages and the day.
fn registrar_leitura_caixa_postal(
    c: &Connection,
    cnpj: &Cnpj,
    dia: Data,
    mensagens: &[MensagemDte],
) -> Result<usize, Falha> {
    exigir_empresa(c, cnpj)?;
    if let Some(m) = mensagens.iter().find(|m| m.cnpj != *cnpj) {
        return Err(Falha::Recusa(regras::mensagem_de_outra_empresa(
            cnpj, &m.cnpj,
        )));
    }
    let novas = registrar_mensagens(c, mensagens)?;
    c.prepare_cached(
        "INSERT INTO caixa_postal_leituras (cnpj, lida_em) VALUES (?1, ?2) \
         ON CONFLICT (cnpj) DO UPDATE SET lida_em = excluded.lida_em, \
         atualizado_em = unixepoch()",
    )?
    .execute(params![cnpj.as_str(), dia.iso()])?;
    Ok(novas)
}

/// The e-CAC ledger on the same SQLite file as the notas. Every method is one transaction:
/// reads `BEGIN DEFERRED`, writes `BEGIN IMMEDIATE`.
///
/// Decisions the port leaves open:
/// - [`salvar_empresa`](LivroEcac::salvar_empresa) replaces the settings (name, `ecac_desde`,
///   access, procurador) and keeps the day the company was last synchronised.
/// - A guide's content is everything in [`Guia`]; its [`OrigemGuia`] is not content: the same
///   guide recorded again from another origin is [`GuiaGravada::JaExistia`] and keeps its
///   first origin. [`ErroLivro::GuiaConflitante`] names the number masked
///   (`07.20.26145.9307993-6`).
/// - A paid finding settles the guide with its number (numbers are nationwide), whether or not
///   the finding itself changed.
/// - [`ocorrencias`](LivroEcac::ocorrencias) orders by the bare text of the contribuinte, then
///   by number, then by `chave`; a `chave`'s contribuinte is that of its latest row.
/// - [`marcar_sincronizacao`](LivroEcac::marcar_sincronizacao) for a company not in the ledger
///   is [`ErroLivro::Armazenamento`] whose `motivo` names the CNPJ and says to register the
///   company first: the port has no variant for an unknown company
///   ([`ErroLivro::NaoEncontrado`] names row ids), and adding one to the port was not needed
///   for a condition the caller avoids by listing the companies first. Any date is accepted,
///   earlier ones too (fetching again from an earlier day is the caller's choice).
///   [`sincronizado_ate`](LivroEcac::sincronizado_ate) of a company not recorded is `None`.
/// - A value that is not whole centavos within `i64` (none comes from the domain's parsers)
///   is refused as [`ErroLivro::Armazenamento`], never rounded.
impl LivroEcac for Livro {
    fn salvar_empresa(&self, empresa: &Empresa) -> Result<(), ErroLivro> {
        self.escrever(|tx| salvar_empresa(tx, empresa))
    }

    fn empresa(&self, cnpj: &Cnpj) -> Result<Option<Empresa>, ErroLivro> {
        let sql = format!("SELECT {COLUNAS_EMPRESA} FROM empresas WHERE cnpj = ?1");
        self.ler(|tx| primeira(tx, &sql, [cnpj.as_str()], regras::empresa))
    }

    fn empresas(&self) -> Result<Vec<Empresa>, ErroLivro> {
        let sql = format!("SELECT {COLUNAS_EMPRESA} FROM empresas ORDER BY cnpj");
        self.ler(|tx| todas(tx, &sql, [], regras::empresa))
    }

    fn registrar_guia(&self, guia: &Guia, origem: OrigemGuia) -> Result<GuiaGravada, ErroLivro> {
        self.escrever(|tx| registrar_guia(tx, guia, origem))
    }

    fn guias(&self, contribuinte: Option<&Documento>) -> Result<Vec<GuiaRegistrada>, ErroLivro> {
        let sql = format!(
            "SELECT {COLUNAS_GUIA} FROM guias WHERE (?1 IS NULL OR contribuinte = ?1) \
             ORDER BY rowid"
        );
        let filtro = contribuinte.map(Documento::as_str);
        self.ler(|tx| todas(tx, &sql, [filtro], regras::guia_registrada))
    }

    fn registrar_pagamentos(&self, pagamentos: &[Pagamento]) -> Result<usize, ErroLivro> {
        self.escrever(|tx| registrar_pagamentos(tx, pagamentos))
    }

    fn pagamentos(&self, contribuinte: Option<&Documento>) -> Result<Vec<Pagamento>, ErroLivro> {
        let sql = format!(
            "SELECT {COLUNAS_PAGAMENTO} FROM pagamentos WHERE (?1 IS NULL OR contribuinte = ?1) \
             ORDER BY id"
        );
        let filtro = contribuinte.map(Documento::as_str);
        self.ler(|tx| todas(tx, &sql, [filtro], regras::pagamento))
    }

    fn registrar_conciliacao(
        &self,
        achados: &[Achado],
        hoje: Data,
    ) -> Result<ResumoConciliacao, ErroLivro> {
        self.escrever(|tx| registrar_conciliacao(tx, achados, hoje))
    }

    fn ocorrencias(&self, contribuinte: Option<&Documento>) -> Result<Vec<Ocorrencia>, ErroLivro> {
        let sql = format!(
            "SELECT {COLUNAS_OCORRENCIA} FROM ocorrencias \
             WHERE id IN (SELECT max(id) FROM ocorrencias GROUP BY chave) \
             AND (?1 IS NULL OR contribuinte = ?1) ORDER BY contribuinte, numero, chave"
        );
        let filtro = contribuinte.map(Documento::as_str);
        self.ler(|tx| todas(tx, &sql, [filtro], regras::ocorrencia))
    }

    fn guia(&self, numero: &NumeroDocumento) -> Result<Option<GuiaRegistrada>, ErroLivro> {
        self.ler(|tx| guia_por_numero(tx, numero))
    }

    fn historico(&self, numero: &NumeroDocumento) -> Result<Vec<Ocorrencia>, ErroLivro> {
        let sql =
            format!("SELECT {COLUNAS_OCORRENCIA} FROM ocorrencias WHERE numero = ?1 ORDER BY id");
        self.ler(|tx| todas(tx, &sql, [numero.as_digitos()], regras::ocorrencia))
    }

    fn sincronizado_ate(&self, cnpj: &Cnpj) -> Result<Option<Data>, ErroLivro> {
        self.ler(|tx| sincronizado_ate(tx, cnpj))
    }

    fn marcar_sincronizacao(&self, cnpj: &Cnpj, ate: Data) -> Result<(), ErroLivro> {
        self.escrever(|tx| marcar_sincronizacao(tx, cnpj, ate))
    }

    fn registrar_cnd(&self, cnd: &ConsultaCnd) -> Result<(), ErroLivro> {
        self.escrever(|tx| registrar_cnd(tx, cnd))
    }

    fn cnds(&self) -> Result<Vec<ConsultaCnd>, ErroLivro> {
        let sql = format!("SELECT {COLUNAS_CND} FROM cnds ORDER BY cnpj");
        self.ler(|tx| todas(tx, &sql, [], regras::consulta_cnd))
    }

    fn cnd(&self, cnpj: &Cnpj) -> Result<Option<ConsultaCnd>, ErroLivro> {
        let sql = format!("SELECT {COLUNAS_CND} FROM cnds WHERE cnpj = ?1");
        self.ler(|tx| primeira(tx, &sql, [cnpj.as_str()], regras::consulta_cnd))
    }

    fn registrar_mensagens(&self, mensagens: &[MensagemDte]) -> Result<usize, ErroLivro> {
        self.escrever(|tx| registrar_mensagens(tx, mensagens))
    }

    fn registrar_leitura_caixa_postal(
        &self,
        cnpj: &Cnpj,
        dia: Data,
        mensagens: &[MensagemDte],
    ) -> Result<usize, ErroLivro> {
        self.escrever(|tx| registrar_leitura_caixa_postal(tx, cnpj, dia, mensagens))
    }

    fn caixa_postal_lida_em(&self, cnpj: &Cnpj) -> Result<Option<Data>, ErroLivro> {
        let sql = "SELECT cnpj, lida_em FROM caixa_postal_leituras WHERE cnpj = ?1";
        self.ler(|tx| primeira(tx, sql, [cnpj.as_str()], regras::caixa_postal_lida_em))
    }

    fn mensagens(&self, cnpj: Option<&Cnpj>) -> Result<Vec<MensagemDte>, ErroLivro> {
        let sql = format!(
            "SELECT {COLUNAS_MENSAGEM} FROM caixa_postal WHERE (?1 IS NULL OR cnpj = ?1) \
             ORDER BY cnpj, enviada_em IS NULL, enviada_em, isn"
        );
        let filtro = cnpj.map(Cnpj::as_str);
        self.ler(|tx| todas(tx, &sql, [filtro], regras::mensagem_dte))
    }

    fn vez_da_empresa(&self, cnpj: &Cnpj) -> Result<Option<Vez>, ErroLivro> {
        // A CNPJ is letters and digits only: the name is safe on any file system.
        self.travas()
            .vez_avulsa(&format!("ecac-{}", cnpj.as_str()), self.local())
    }
}
