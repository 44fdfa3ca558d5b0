//! The e-CAC reconciliation ledger ([`LivroEcac`]) on SQLite: `empresas`, `guias`,
//! `pagamentos` and `ocorrencias` (migration 0004; payments keyed with their ordinal by 0007). Every method is one transaction; the
//! queries run inside the transaction [`Livro`] opened.
//!
//! Nothing is deleted or rewritten: a guide keeps its content, a payment is inserted once, an
//! occurrence that changes gets a new row, and `guias.baixada_em` only ever goes from `NULL` to
//! a date. Every row read back is validated into the domain's types; a cell that does not
//! validate is a [`Falha::Celula`] naming its table, row, column and value, never a panic.
//!
//! Money is stored as INTEGER centavos, dates as ISO text (`AAAA-MM-DD`, as `notas.data`),
//! periods as `AAAAMM`, documents bare (no mask), document numbers as their 17 digits.
//!
//! One sync of a company at a time, across processes: [`LivroEcac::vez_da_empresa`] is an
//! advisory lock on `<ledger>.travas/ecac-<cnpj>.vez` (in this process for a ledger in memory),
//! taken without waiting.

use std::fmt::Display;

use guiche_domain::conciliacao::{Pagamento, ordinais};
use guiche_domain::guia::{CodigoBarras, CodigoReceita, Guia, NumeroDocumento, TipoGuia};
use guiche_domain::{Cnpj, Competencia, Data, Documento, Valor};
use guiche_ports::ecac::{
    Acesso, Achado, Empresa, GuiaGravada, GuiaRegistrada, LivroEcac, Ocorrencia, OrigemGuia,
    ResumoConciliacao,
};
use guiche_ports::livro::{ErroLivro, Vez};
use rusqlite::types::Value;
use rusqlite::{Connection, Params, Row, params};

use crate::falha::Falha;
use crate::livro::Livro;

/// The columns [`empresa`] reads.
const COLUNAS_EMPRESA: &str = "cnpj, nome, ecac_desde, acesso, certificado_procurador";

/// The columns [`guia_registrada`] reads.
const COLUNAS_GUIA: &str = "numero, tipo, contribuinte, codigo_receita, periodo, vencimento, \
     valor, codigo_barras, origem, baixada_em";

/// The columns [`pagamento`] reads.
const COLUNAS_PAGAMENTO: &str = "id, contribuinte, numero, data_arrecadacao, valor, codigo_receita";

/// The columns [`ocorrencia`] reads.
const COLUNAS_OCORRENCIA: &str = "id, chave, contribuinte, numero, codigo, descricao, \
     valor_guia, valor_pago, vencimento, pago_em, dias_atraso, paga, registrada_em";

// ---------------------------------------------------------------------------------------------
// Reading cells back
// ---------------------------------------------------------------------------------------------

/// A stored value as text, for an error message.
fn descrever(valor: &Value) -> String {
    match valor {
        Value::Null => "NULL".to_owned(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(t) => t.clone(),
        Value::Blob(b) => format!("<{} bytes>", b.len()),
    }
}

/// The cells of one row of `tabela`, read by column name and validated; a cell that does not
/// read back is a [`Falha::Celula`] naming the table, the row (by its key), the column and the
/// value.
struct Celulas<'a, 'r> {
    row: &'a Row<'r>,
    tabela: &'static str,
    linha: String,
}

impl<'a, 'r> Celulas<'a, 'r> {
    /// The cells of `row`, a row of `tabela` whose key column is `chave`.
    fn new(row: &'a Row<'r>, tabela: &'static str, chave: &'static str) -> Celulas<'a, 'r> {
        let valor = row
            .get::<_, Value>(chave)
            .map_or_else(|e| format!("? ({e})"), |v| descrever(&v));
        Celulas {
            row,
            tabela,
            linha: format!("{chave} {valor}"),
        }
    }

    fn falha(&self, coluna: &'static str, valor: String, motivo: impl Display) -> Falha {
        Falha::Celula {
            tabela: self.tabela,
            linha: self.linha.clone(),
            coluna,
            valor,
            motivo: motivo.to_string(),
        }
    }

    /// The raw value of `coluna`.
    fn bruto(&self, coluna: &'static str) -> Result<Value, Falha> {
        self.row
            .get::<_, Value>(coluna)
            .map_err(|e| self.falha(coluna, "?".to_owned(), e))
    }

    /// A text cell, `None` when NULL.
    fn texto_opcional(&self, coluna: &'static str) -> Result<Option<String>, Falha> {
        match self.bruto(coluna)? {
            Value::Null => Ok(None),
            Value::Text(t) => Ok(Some(t)),
            outro => Err(self.falha(coluna, descrever(&outro), "esperava texto")),
        }
    }

    /// A text cell that may not be NULL.
    fn texto(&self, coluna: &'static str) -> Result<String, Falha> {
        self.texto_opcional(coluna)?
            .ok_or_else(|| self.falha(coluna, "NULL".to_owned(), "valor ausente"))
    }

    /// An integer cell, `None` when NULL.
    fn inteiro_opcional(&self, coluna: &'static str) -> Result<Option<i64>, Falha> {
        match self.bruto(coluna)? {
            Value::Null => Ok(None),
            Value::Integer(i) => Ok(Some(i)),
            outro => Err(self.falha(coluna, descrever(&outro), "esperava um inteiro")),
        }
    }

    /// An integer cell that may not be NULL.
    fn inteiro(&self, coluna: &'static str) -> Result<i64, Falha> {
        self.inteiro_opcional(coluna)?
            .ok_or_else(|| self.falha(coluna, "NULL".to_owned(), "valor ausente"))
    }

    /// A text cell read into `T` by `ler`, `None` when NULL.
    fn campo_opcional<T, E: Display>(
        &self,
        coluna: &'static str,
        ler: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, Falha> {
        self.texto_opcional(coluna)?
            .map(|t| ler(&t).map_err(|e| self.falha(coluna, t.clone(), e)))
            .transpose()
    }

    /// A text cell read into `T` by `ler`.
    fn campo<T, E: Display>(
        &self,
        coluna: &'static str,
        ler: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, Falha> {
        let t = self.texto(coluna)?;
        ler(&t).map_err(|e| self.falha(coluna, t.clone(), e))
    }

    /// An amount of money stored in centavos, `None` when NULL.
    fn valor_opcional(&self, coluna: &'static str) -> Result<Option<Valor>, Falha> {
        Ok(self.inteiro_opcional(coluna)?.map(Valor::from_centavos))
    }

    /// An amount of money stored in centavos.
    fn valor(&self, coluna: &'static str) -> Result<Valor, Falha> {
        Ok(Valor::from_centavos(self.inteiro(coluna)?))
    }

    /// A flag stored as 0 or 1.
    fn booleano(&self, coluna: &'static str) -> Result<bool, Falha> {
        match self.inteiro(coluna)? {
            0 => Ok(false),
            1 => Ok(true),
            outro => Err(self.falha(coluna, outro.to_string(), "esperava 0 ou 1")),
        }
    }
}

/// A stored ISO date.
fn data(texto: &str) -> Result<Data, String> {
    Data::parse_iso(texto)
        .map_err(|e| e.to_string())
        .and_then(|d| {
            // Exactly what `Data::iso` writes, no time part.
            (d.iso() == texto)
                .then_some(d)
                .ok_or_else(|| "esperava AAAA-MM-DD".to_owned())
        })
}

/// A stored 17-digit document number (no mask).
fn numero_documento(texto: &str) -> Result<NumeroDocumento, String> {
    let n = NumeroDocumento::parse(texto).map_err(|e| e.to_string())?;
    (n.as_digitos() == texto)
        .then_some(n)
        .ok_or_else(|| "esperava os 17 dígitos, sem máscara".to_owned())
}

/// A stored guide kind: `DARF` or `DAS`.
fn tipo_guia(texto: &str) -> Result<TipoGuia, String> {
    [TipoGuia::Darf, TipoGuia::Das]
        .into_iter()
        .find(|t| t.sigla() == texto)
        .ok_or_else(|| "tipo de guia desconhecido (esperava DARF ou DAS)".to_owned())
}

/// A stored origin: `serpro` or `importacao`.
fn origem(texto: &str) -> Result<OrigemGuia, String> {
    [OrigemGuia::Serpro, OrigemGuia::Importacao]
        .into_iter()
        .find(|o| o.codigo() == texto)
        .ok_or_else(|| "origem desconhecida (esperava serpro ou importacao)".to_owned())
}

/// A stored access kind: `a1`, `a3` or `codigo` (exactly).
fn acesso(texto: &str) -> Result<Acesso, String> {
    Acesso::TODOS
        .into_iter()
        .find(|a| a.codigo() == texto)
        .ok_or_else(|| "acesso desconhecido (esperava a1, a3 ou codigo)".to_owned())
}

/// Reads a row of `empresas` selected with [`COLUNAS_EMPRESA`].
fn empresa(row: &Row<'_>) -> Result<Empresa, Falha> {
    let c = Celulas::new(row, "empresas", "cnpj");
    Ok(Empresa {
        cnpj: c.campo("cnpj", Cnpj::parse)?,
        nome: c.texto("nome")?,
        ecac_desde: c.campo_opcional("ecac_desde", data)?,
        acesso: c.campo("acesso", acesso)?,
        certificado_procurador: c.booleano("certificado_procurador")?,
    })
}

/// Reads a row of `guias` selected with [`COLUNAS_GUIA`].
fn guia_registrada(row: &Row<'_>) -> Result<GuiaRegistrada, Falha> {
    let c = Celulas::new(row, "guias", "numero");
    let guia = Guia {
        tipo: c.campo("tipo", tipo_guia)?,
        numero: c.campo("numero", numero_documento)?,
        contribuinte: c.campo("contribuinte", Documento::parse)?,
        codigo_receita: c.campo_opcional("codigo_receita", CodigoReceita::parse)?,
        periodo: c.campo("periodo", Competencia::parse)?,
        vencimento: c.campo("vencimento", data)?,
        valor: c.valor("valor")?,
        codigo_barras: c.campo_opcional("codigo_barras", CodigoBarras::parse)?,
    };
    Ok(GuiaRegistrada {
        guia,
        origem: c.campo("origem", origem)?,
        baixada_em: c.campo_opcional("baixada_em", data)?,
    })
}

/// Reads a row of `pagamentos` selected with [`COLUNAS_PAGAMENTO`].
fn pagamento(row: &Row<'_>) -> Result<Pagamento, Falha> {
    let c = Celulas::new(row, "pagamentos", "id");
    Ok(Pagamento {
        numero: c.campo("numero", numero_documento)?,
        data_arrecadacao: c.campo("data_arrecadacao", data)?,
        valor_total: c.valor("valor")?,
        codigo_receita: c.campo_opcional("codigo_receita", CodigoReceita::parse)?,
        contribuinte: c.campo("contribuinte", Documento::parse)?,
    })
}

/// Reads a row of `ocorrencias` selected with [`COLUNAS_OCORRENCIA`].
fn ocorrencia(row: &Row<'_>) -> Result<Ocorrencia, Falha> {
    let c = Celulas::new(row, "ocorrencias", "id");
    let achado = Achado {
        contribuinte: c.campo("contribuinte", Documento::parse)?,
        numero: c.campo("numero", numero_documento)?,
        chave: c.texto("chave")?,
        codigo: c.texto("codigo")?,
        descricao: c.texto("descricao")?,
        valor_guia: c.valor_opcional("valor_guia")?,
        valor_pago: c.valor_opcional("valor_pago")?,
        vencimento: c.campo_opcional("vencimento", data)?,
        pago_em: c.campo_opcional("pago_em", data)?,
        dias_atraso: c.inteiro_opcional("dias_atraso")?,
        paga: c.booleano("paga")?,
    };
    Ok(Ocorrencia {
        id: c.inteiro("id")?,
        achado,
        registrada_em: c.campo("registrada_em", data)?,
    })
}

/// Every row `sql` selects, each read by `ler`.
fn todas<T>(
    c: &Connection,
    sql: &str,
    parametros: impl Params,
    ler: fn(&Row<'_>) -> Result<T, Falha>,
) -> Result<Vec<T>, Falha> {
    let mut stmt = c.prepare_cached(sql)?;
    let mut linhas = stmt.query(parametros)?;
    let mut v = Vec::new();
    while let Some(linha) = linhas.next()? {
        v.push(ler(linha)?);
    }
    Ok(v)
}

/// The first row `sql` selects, if any, read by `ler`.
fn primeira<T>(
    c: &Connection,
    sql: &str,
    parametros: impl Params,
    ler: fn(&Row<'_>) -> Result<T, Falha>,
) -> Result<Option<T>, Falha> {
    let mut stmt = c.prepare_cached(sql)?;
    let mut linhas = stmt.query(parametros)?;
    linhas.next()?.map(ler).transpose()
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// `valor` in centavos, exactly; a value with more than 2 decimals or beyond `i64` centavos
/// (neither can come from the domain's parsers) is refused by name rather than rounded.
fn centavos(valor: Valor) -> Result<i64, Falha> {
    let c = valor.centavos();
    if Valor::from_centavos(c) == valor {
        Ok(c)
    } else {
        Err(Falha::Recusa(format!(
            "o valor {} não cabe no livro (centavos inteiros de até 19 dígitos)",
            valor.decimal()
        )))
    }
}

/// An optional amount in centavos.
fn centavos_opcional(valor: Option<Valor>) -> Result<Option<i64>, Falha> {
    valor.map(centavos).transpose()
}

/// Adds a company or replaces its settings; `sincronizado_ate` is kept.
fn salvar_empresa(c: &Connection, e: &Empresa) -> Result<(), Falha> {
    c.prepare_cached(
        "INSERT INTO empresas (cnpj, nome, ecac_desde, acesso, certificado_procurador) \
         VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (cnpj) DO UPDATE SET nome = excluded.nome, \
         ecac_desde = excluded.ecac_desde, acesso = excluded.acesso, \
         certificado_procurador = excluded.certificado_procurador, \
         atualizado_em = unixepoch()",
    )?
    .execute(params![
        e.cnpj.as_str(),
        e.nome,
        e.ecac_desde.map(|d| d.iso()),
        e.acesso.codigo(),
        i64::from(e.certificado_procurador),
    ])?;
    Ok(())
}

/// The guide recorded under `numero`, if any.
fn guia_por_numero(
    c: &Connection,
    numero: &NumeroDocumento,
) -> Result<Option<GuiaRegistrada>, Falha> {
    let sql = format!("SELECT {COLUNAS_GUIA} FROM guias WHERE numero = ?1");
    primeira(c, &sql, [numero.as_digitos()], guia_registrada)
}

/// Whether `a` and `b` are the same guide: every field equal, except that the optional revenue
/// code and barcode may be missing on one side (a spreadsheet rarely carries the barcode the
/// issuing service gave).
fn mesma_guia(a: &Guia, b: &Guia) -> bool {
    fn compativel<T: PartialEq>(x: &Option<T>, y: &Option<T>) -> bool {
        x.is_none() || y.is_none() || x == y
    }
    (
        a.tipo,
        a.numero,
        a.contribuinte,
        a.periodo,
        a.vencimento,
        a.valor,
    ) == (
        b.tipo,
        b.numero,
        b.contribuinte,
        b.periodo,
        b.vencimento,
        b.valor,
    ) && compativel(&a.codigo_receita, &b.codigo_receita)
        && compativel(&a.codigo_barras, &b.codigo_barras)
}

/// Records `guia` unless its number is taken: by the same guide (nothing written) or by
/// another (refused, the recorded one kept).
fn registrar_guia(c: &Connection, guia: &Guia, origem: OrigemGuia) -> Result<GuiaGravada, Falha> {
    if let Some(registrada) = guia_por_numero(c, &guia.numero)? {
        return if mesma_guia(&registrada.guia, guia) {
            Ok(GuiaGravada::JaExistia)
        } else {
            Err(ErroLivro::GuiaConflitante {
                numero: guia.numero.to_string(),
            }
            .into())
        };
    }
    c.prepare_cached(
        "INSERT INTO guias (numero, tipo, contribuinte, codigo_receita, periodo, vencimento, \
         valor, codigo_barras, origem) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        guia.numero.as_digitos(),
        guia.tipo.sigla(),
        guia.contribuinte.as_str(),
        guia.codigo_receita.map(|r| r.to_string()),
        guia.periodo.compacta(),
        guia.vencimento.iso(),
        centavos(guia.valor)?,
        guia.codigo_barras.as_ref().map(CodigoBarras::as_str),
        origem.codigo(),
    ])?;
    Ok(GuiaGravada::Nova)
}

/// Inserts the payments of one fetch not recorded yet; how many were new. A payment's identity
/// is (contribuinte, number, date, value, ordinal among the identical ones of the fetch):
/// see [`ordinais`].
fn registrar_pagamentos(c: &Connection, pagamentos: &[Pagamento]) -> Result<usize, Falha> {
    let mut stmt = c.prepare_cached(
        "INSERT INTO pagamentos (contribuinte, numero, data_arrecadacao, valor, codigo_receita, \
         ordinal) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (contribuinte, numero, data_arrecadacao, valor, ordinal) DO NOTHING",
    )?;
    let mut novos = 0;
    for (p, ordinal) in pagamentos.iter().zip(ordinais(pagamentos)) {
        novos += stmt.execute(params![
            p.contribuinte.as_str(),
            p.numero.as_digitos(),
            p.data_arrecadacao.iso(),
            centavos(p.valor_total)?,
            p.codigo_receita.map(|r| r.to_string()),
            ordinal,
        ])?;
    }
    Ok(novos)
}

/// Appends `achado` as a new occurrence row found on `hoje`.
fn inserir_ocorrencia(c: &Connection, a: &Achado, hoje: Data) -> Result<(), Falha> {
    c.prepare_cached(
        "INSERT INTO ocorrencias (chave, contribuinte, numero, codigo, descricao, valor_guia, \
         valor_pago, vencimento, pago_em, dias_atraso, paga, registrada_em) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        a.chave,
        a.contribuinte.as_str(),
        a.numero.as_digitos(),
        a.codigo,
        a.descricao,
        centavos_opcional(a.valor_guia)?,
        centavos_opcional(a.valor_pago)?,
        a.vencimento.map(|d| d.iso()),
        a.pago_em.map(|d| d.iso()),
        a.dias_atraso,
        i64::from(a.paga),
        hoje.iso(),
    ])?;
    Ok(())
}

/// Records a reconciliation run on `hoje`: a new row for each finding that differs from the
/// latest of its `chave`, and `baixada_em = hoje` for each open guide found paid.
fn registrar_conciliacao(
    c: &Connection,
    achados: &[Achado],
    hoje: Data,
) -> Result<ResumoConciliacao, Falha> {
    let ultima = format!(
        "SELECT {COLUNAS_OCORRENCIA} FROM ocorrencias WHERE chave = ?1 ORDER BY id DESC LIMIT 1"
    );
    let mut resumo = ResumoConciliacao::default();
    for a in achados {
        let anterior = primeira(c, &ultima, [&a.chave], ocorrencia)?;
        if anterior.is_some_and(|o| o.achado == *a) {
            resumo.inalteradas += 1;
        } else {
            inserir_ocorrencia(c, a, hoje)?;
            resumo.ocorrencias_novas += 1;
        }
        if a.paga {
            resumo.guias_baixadas += c
                .prepare_cached(
                    "UPDATE guias SET baixada_em = ?2 WHERE numero = ?1 AND baixada_em IS NULL",
                )?
                .execute(params![a.numero.as_digitos(), hoje.iso()])?;
        }
    }
    Ok(resumo)
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
        return Err(Falha::Recusa(format!(
            "a empresa {cnpj} não está cadastrada no livro do e-CAC; cadastre-a antes de \
             registrar a sincronização dos seus pagamentos"
        )));
    }
    Ok(())
}

/// The last day payments of `cnpj` were fetched up to.
fn sincronizado_ate(c: &Connection, cnpj: &Cnpj) -> Result<Option<Data>, Falha> {
    fn ler(row: &Row<'_>) -> Result<Option<Data>, Falha> {
        Celulas::new(row, "empresas", "cnpj").campo_opcional("sincronizado_ate", data)
    }
    let sql = "SELECT cnpj, sincronizado_ate FROM empresas WHERE cnpj = ?1";
    Ok(primeira(c, sql, [cnpj.as_str()], ler)?.flatten())
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
        self.ler(|tx| primeira(tx, &sql, [cnpj.as_str()], empresa))
    }

    fn empresas(&self) -> Result<Vec<Empresa>, ErroLivro> {
        let sql = format!("SELECT {COLUNAS_EMPRESA} FROM empresas ORDER BY cnpj");
        self.ler(|tx| todas(tx, &sql, [], empresa))
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
        self.ler(|tx| todas(tx, &sql, [filtro], guia_registrada))
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
        self.ler(|tx| todas(tx, &sql, [filtro], pagamento))
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
        self.ler(|tx| todas(tx, &sql, [filtro], ocorrencia))
    }

    fn guia(&self, numero: &NumeroDocumento) -> Result<Option<GuiaRegistrada>, ErroLivro> {
        self.ler(|tx| guia_por_numero(tx, numero))
    }

    fn historico(&self, numero: &NumeroDocumento) -> Result<Vec<Ocorrencia>, ErroLivro> {
        let sql =
            format!("SELECT {COLUNAS_OCORRENCIA} FROM ocorrencias WHERE numero = ?1 ORDER BY id");
        self.ler(|tx| todas(tx, &sql, [numero.as_digitos()], ocorrencia))
    }

    fn sincronizado_ate(&self, cnpj: &Cnpj) -> Result<Option<Data>, ErroLivro> {
        self.ler(|tx| sincronizado_ate(tx, cnpj))
    }

    fn marcar_sincronizacao(&self, cnpj: &Cnpj, ate: Data) -> Result<(), ErroLivro> {
        self.escrever(|tx| marcar_sincronizacao(tx, cnpj, ate))
    }

    fn vez_da_empresa(&self, cnpj: &Cnpj) -> Result<Option<Vez>, ErroLivro> {
        // A CNPJ is letters and digits only: the name is safe on any file system.
        self.travas()
            .vez_avulsa(&format!("ecac-{}", cnpj.as_str()), self.local())
    }
}
