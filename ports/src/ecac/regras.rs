//! The rules every engine of the e-CAC ledger applies, once: how a company, a guide, a payment
//! and an occurrence are stored (the columns and their stored forms), how a stored row is read
//! back into the domain's types (a cell that does not read back is a [`CelulaInvalida`]
//! naming its table, row, column and value), when a guide recorded again is the same guide,
//! and when a finding makes a new occurrence. Each engine keeps only its SQL.
//!
//! Stored forms (both engines): money in whole centavos (an integer, never floating point),
//! dates `AAAA-MM-DD`, periods `AAAAMM`, documents bare (no mask), document numbers as their 17
//! digits. A flag is a boolean where the engine has one (PostgreSQL) and the integer 0 or 1
//! where it does not (SQLite); both read back.

use std::collections::HashMap;
use std::fmt::Display;

use guiche_domain::conciliacao::{Pagamento, ordinais};
use guiche_domain::guia::{CodigoBarras, CodigoReceita, Guia, NumeroDocumento, TipoGuia};
use guiche_domain::{Cnpj, Competencia, Data, Documento, Valor};

use super::{
    Acesso, Achado, ConsultaCnd, Empresa, GuiaGravada, GuiaRegistrada, MensagemDte, Ocorrencia,
    OrigemGuia, ResumoConciliacao, SituacaoCnd,
};
use crate::livro::ErroLivro;

/// The columns of `empresas` that [`empresa`] reads.
pub const COLUNAS_EMPRESA: &str = "cnpj, nome, ecac_desde, acesso, certificado_procurador";

/// The columns of `guias` that [`guia_registrada`] reads.
pub const COLUNAS_GUIA: &str = "numero, tipo, contribuinte, codigo_receita, periodo, \
     vencimento, valor, codigo_barras, origem, baixada_em";

/// The columns of `pagamentos` that [`pagamento`] reads.
pub const COLUNAS_PAGAMENTO: &str =
    "id, contribuinte, numero, data_arrecadacao, valor, codigo_receita";

/// The columns of `ocorrencias` that [`ocorrencia`] reads.
pub const COLUNAS_OCORRENCIA: &str = "id, chave, contribuinte, numero, codigo, descricao, \
     valor_guia, valor_pago, vencimento, pago_em, dias_atraso, paga, registrada_em";

/// The columns of `cnds` that [`consulta_cnd`] reads.
pub const COLUNAS_CND: &str = "cnpj, situacao, motivo, validade, consultada_em";

/// The columns of `caixa_postal` that [`mensagem_dte`] reads.
pub const COLUNAS_MENSAGEM: &str = "cnpj, isn, assunto, enviada_em, lida, prazo";

// ---------------------------------------------------------------------------------------------
// Reading rows back
// ---------------------------------------------------------------------------------------------

/// One cell of a stored row, as the engine holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Celula {
    /// `NULL`.
    Nula,
    /// An integer.
    Inteiro(i64),
    /// Text.
    Texto(String),
    /// A boolean (PostgreSQL's flags).
    Booleano(bool),
    /// A value of another kind (a floating-point number, bytes…), described for the error.
    Outra(String),
}

impl Celula {
    /// The value as an error message shows it.
    fn descrever(&self) -> String {
        match self {
            Celula::Nula => "NULL".to_owned(),
            Celula::Inteiro(i) => i.to_string(),
            Celula::Texto(t) | Celula::Outra(t) => t.clone(),
            Celula::Booleano(b) => b.to_string(),
        }
    }
}

/// A stored row, as an engine gives its cells by column name.
pub trait Linha {
    /// The cell of `coluna`; `Err` (why) when the row has no such column or the engine cannot
    /// read it.
    ///
    /// # Errors
    /// Why the cell could not be had, in the engine's words.
    fn celula(&self, coluna: &'static str) -> Result<Celula, String>;
}

/// A cell that does not read back into its domain type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CelulaInvalida {
    /// The table.
    pub tabela: &'static str,
    /// Which row: its key column and value (`numero 07202614593079936`, `id 3`).
    pub linha: String,
    /// The column.
    pub coluna: &'static str,
    /// The value found, as text.
    pub valor: String,
    /// What is wrong with it, in Portuguese.
    pub motivo: String,
}

impl Display for CelulaInvalida {
    /// What is wrong and what to do, in Portuguese: `a tabela guias tem um valor inválido na
    /// linha de numero 07202614593079936: coluna periodo = '202613' (…); corrija-o ou restaure
    /// uma cópia de segurança do livro`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a tabela {} tem um valor inválido na linha de {}: coluna {} = '{}' ({}); \
             corrija-o ou restaure uma cópia de segurança do livro",
            self.tabela, self.linha, self.coluna, self.valor, self.motivo
        )
    }
}

/// The cells of one row of a table, read by column name and validated.
struct Celulas<'a, L: Linha + ?Sized> {
    linha: &'a L,
    tabela: &'static str,
    chave: String,
}

impl<'a, L: Linha + ?Sized> Celulas<'a, L> {
    /// The cells of `linha`, a row of `tabela` whose key column is `chave`.
    fn new(linha: &'a L, tabela: &'static str, chave: &'static str) -> Celulas<'a, L> {
        let valor = linha
            .celula(chave)
            .map_or_else(|e| format!("? ({e})"), |c| c.descrever());
        Celulas {
            linha,
            tabela,
            chave: format!("{chave} {valor}"),
        }
    }

    fn falha(&self, coluna: &'static str, valor: String, motivo: impl Display) -> CelulaInvalida {
        CelulaInvalida {
            tabela: self.tabela,
            linha: self.chave.clone(),
            coluna,
            valor,
            motivo: motivo.to_string(),
        }
    }

    fn bruto(&self, coluna: &'static str) -> Result<Celula, CelulaInvalida> {
        self.linha
            .celula(coluna)
            .map_err(|e| self.falha(coluna, "?".to_owned(), e))
    }

    fn texto_opcional(&self, coluna: &'static str) -> Result<Option<String>, CelulaInvalida> {
        match self.bruto(coluna)? {
            Celula::Nula => Ok(None),
            Celula::Texto(t) => Ok(Some(t)),
            outra => Err(self.falha(coluna, outra.descrever(), "esperava texto")),
        }
    }

    fn texto(&self, coluna: &'static str) -> Result<String, CelulaInvalida> {
        self.texto_opcional(coluna)?
            .ok_or_else(|| self.falha(coluna, "NULL".to_owned(), "valor ausente"))
    }

    fn inteiro_opcional(&self, coluna: &'static str) -> Result<Option<i64>, CelulaInvalida> {
        match self.bruto(coluna)? {
            Celula::Nula => Ok(None),
            Celula::Inteiro(i) => Ok(Some(i)),
            outra => Err(self.falha(coluna, outra.descrever(), "esperava um inteiro")),
        }
    }

    fn inteiro(&self, coluna: &'static str) -> Result<i64, CelulaInvalida> {
        self.inteiro_opcional(coluna)?
            .ok_or_else(|| self.falha(coluna, "NULL".to_owned(), "valor ausente"))
    }

    /// A text cell read into `T` by `ler`, `None` when NULL.
    fn campo_opcional<T, E: Display>(
        &self,
        coluna: &'static str,
        ler: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, CelulaInvalida> {
        self.texto_opcional(coluna)?
            .map(|t| ler(&t).map_err(|e| self.falha(coluna, t.clone(), e)))
            .transpose()
    }

    /// A text cell read into `T` by `ler`.
    fn campo<T, E: Display>(
        &self,
        coluna: &'static str,
        ler: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, CelulaInvalida> {
        let t = self.texto(coluna)?;
        ler(&t).map_err(|e| self.falha(coluna, t.clone(), e))
    }

    fn valor_opcional(&self, coluna: &'static str) -> Result<Option<Valor>, CelulaInvalida> {
        Ok(self.inteiro_opcional(coluna)?.map(Valor::from_centavos))
    }

    fn valor(&self, coluna: &'static str) -> Result<Valor, CelulaInvalida> {
        Ok(Valor::from_centavos(self.inteiro(coluna)?))
    }

    /// A flag: a boolean, or the integer 0 or 1.
    fn booleano(&self, coluna: &'static str) -> Result<bool, CelulaInvalida> {
        match self.bruto(coluna)? {
            Celula::Booleano(b) => Ok(b),
            Celula::Inteiro(0) => Ok(false),
            Celula::Inteiro(1) => Ok(true),
            Celula::Nula => Err(self.falha(coluna, "NULL".to_owned(), "valor ausente")),
            outra => Err(self.falha(coluna, outra.descrever(), "esperava 0 ou 1")),
        }
    }
}

/// A stored ISO date: exactly what [`Data::iso`] writes, no time part.
fn data(texto: &str) -> Result<Data, String> {
    Data::parse_iso(texto)
        .map_err(|e| e.to_string())
        .and_then(|d| {
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
///
/// # Errors
/// [`CelulaInvalida`] for the first cell that does not read back.
pub fn empresa(linha: &dyn Linha) -> Result<Empresa, CelulaInvalida> {
    let c = Celulas::new(linha, "empresas", "cnpj");
    Ok(Empresa {
        cnpj: c.campo("cnpj", Cnpj::parse)?,
        nome: c.texto("nome")?,
        ecac_desde: c.campo_opcional("ecac_desde", data)?,
        acesso: c.campo("acesso", acesso)?,
        certificado_procurador: c.booleano("certificado_procurador")?,
    })
}

/// Reads `sincronizado_ate` of a row of `empresas` selected with `cnpj, sincronizado_ate`.
///
/// # Errors
/// [`CelulaInvalida`] when it is not a stored date.
pub fn sincronizado_ate(linha: &dyn Linha) -> Result<Option<Data>, CelulaInvalida> {
    Celulas::new(linha, "empresas", "cnpj").campo_opcional("sincronizado_ate", data)
}

/// Reads a row of `guias` selected with [`COLUNAS_GUIA`].
///
/// # Errors
/// [`CelulaInvalida`] for the first cell that does not read back.
pub fn guia_registrada(linha: &dyn Linha) -> Result<GuiaRegistrada, CelulaInvalida> {
    let c = Celulas::new(linha, "guias", "numero");
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
///
/// # Errors
/// [`CelulaInvalida`] for the first cell that does not read back.
pub fn pagamento(linha: &dyn Linha) -> Result<Pagamento, CelulaInvalida> {
    let c = Celulas::new(linha, "pagamentos", "id");
    Ok(Pagamento {
        numero: c.campo("numero", numero_documento)?,
        data_arrecadacao: c.campo("data_arrecadacao", data)?,
        valor_total: c.valor("valor")?,
        codigo_receita: c.campo_opcional("codigo_receita", CodigoReceita::parse)?,
        contribuinte: c.campo("contribuinte", Documento::parse)?,
    })
}

/// Reads a row of `ocorrencias` selected with [`COLUNAS_OCORRENCIA`].
///
/// # Errors
/// [`CelulaInvalida`] for the first cell that does not read back.
pub fn ocorrencia(linha: &dyn Linha) -> Result<Ocorrencia, CelulaInvalida> {
    let c = Celulas::new(linha, "ocorrencias", "id");
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

/// How a CND situation is stored: `negativa`, `positiva-efeitos-negativa`, `positiva`.
pub fn codigo_situacao_cnd(s: SituacaoCnd) -> &'static str {
    match s {
        SituacaoCnd::Negativa => "negativa",
        SituacaoCnd::PositivaComEfeitosDeNegativa => "positiva-efeitos-negativa",
        SituacaoCnd::Positiva => "positiva",
    }
}

/// A stored CND situation ([`codigo_situacao_cnd`]).
fn situacao_cnd(texto: &str) -> Result<SituacaoCnd, String> {
    [
        SituacaoCnd::Negativa,
        SituacaoCnd::PositivaComEfeitosDeNegativa,
        SituacaoCnd::Positiva,
    ]
    .into_iter()
    .find(|s| codigo_situacao_cnd(*s) == texto)
    .ok_or_else(|| {
        "situação desconhecida (esperava negativa, positiva-efeitos-negativa ou positiva)"
            .to_owned()
    })
}

/// Reads a row of `cnds` selected with [`COLUNAS_CND`].
///
/// # Errors
/// [`CelulaInvalida`] for the first cell that does not read back.
pub fn consulta_cnd(linha: &dyn Linha) -> Result<ConsultaCnd, CelulaInvalida> {
    let c = Celulas::new(linha, "cnds", "cnpj");
    Ok(ConsultaCnd {
        cnpj: c.campo("cnpj", Cnpj::parse)?,
        situacao: c.campo_opcional("situacao", situacao_cnd)?,
        motivo: c.texto_opcional("motivo")?,
        validade: c.campo_opcional("validade", data)?,
        consultada_em: c.campo("consultada_em", data)?,
    })
}

/// Reads `lida_em` of a row of `caixa_postal_leituras` selected with `cnpj, lida_em`.
///
/// # Errors
/// [`CelulaInvalida`] when it is not a stored date.
pub fn caixa_postal_lida_em(linha: &dyn Linha) -> Result<Data, CelulaInvalida> {
    Celulas::new(linha, "caixa_postal_leituras", "cnpj").campo("lida_em", data)
}

/// The refusal of a mailbox read of `cnpj` carrying a message of `outra` (a caller's mistake:
/// nothing is recorded).
pub fn mensagem_de_outra_empresa(cnpj: &Cnpj, outra: &Cnpj) -> String {
    format!("a leitura da caixa postal de {cnpj} trouxe uma mensagem de {outra}; nada foi gravado")
}

/// Reads a row of `caixa_postal` selected with [`COLUNAS_MENSAGEM`].
///
/// # Errors
/// [`CelulaInvalida`] for the first cell that does not read back.
pub fn mensagem_dte(linha: &dyn Linha) -> Result<MensagemDte, CelulaInvalida> {
    let c = Celulas::new(linha, "caixa_postal", "isn");
    Ok(MensagemDte {
        cnpj: c.campo("cnpj", Cnpj::parse)?,
        isn: c.texto("isn")?,
        assunto: c.texto("assunto")?,
        enviada_em: c.campo_opcional("enviada_em", data)?,
        lida: c.booleano("lida")?,
        prazo: c.campo_opcional("prazo", data)?,
    })
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// `valor` in whole centavos, exactly; a value with more than 2 decimals or beyond `i64`
/// centavos (neither comes from the domain's parsers) is refused by name, never rounded.
///
/// # Errors
/// The refusal's motivo, in Portuguese.
pub fn centavos(valor: Valor) -> Result<i64, String> {
    let c = valor.centavos();
    if Valor::from_centavos(c) == valor {
        Ok(c)
    } else {
        Err(format!(
            "o valor {} não cabe no livro (centavos inteiros de até 19 dígitos)",
            valor.decimal()
        ))
    }
}

/// An optional amount in centavos ([`centavos`]).
fn centavos_opcional(valor: Option<Valor>) -> Result<Option<i64>, String> {
    valor.map(centavos).transpose()
}

/// A company's row of `empresas`, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinhaEmpresa<'a> {
    /// `cnpj`: 14 digits.
    pub cnpj: &'a str,
    /// `nome`.
    pub nome: &'a str,
    /// `ecac_desde`: `AAAA-MM-DD`.
    pub ecac_desde: Option<String>,
    /// `acesso`: `a1`, `a3`, `codigo`.
    pub acesso: &'static str,
    /// `certificado_procurador`.
    pub certificado_procurador: bool,
}

/// The row `e` is stored as.
pub fn linha_empresa(e: &Empresa) -> LinhaEmpresa<'_> {
    LinhaEmpresa {
        cnpj: e.cnpj.as_str(),
        nome: &e.nome,
        ecac_desde: e.ecac_desde.map(|d| d.iso()),
        acesso: e.acesso.codigo(),
        certificado_procurador: e.certificado_procurador,
    }
}

/// A guide's row of `guias`, as stored (`baixada_em` starts `NULL`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinhaGuia<'a> {
    /// `numero`: 17 digits.
    pub numero: String,
    /// `tipo`: `DARF`, `DAS`.
    pub tipo: &'static str,
    /// `contribuinte`: bare.
    pub contribuinte: &'a str,
    /// `codigo_receita`.
    pub codigo_receita: Option<String>,
    /// `periodo`: `AAAAMM`.
    pub periodo: String,
    /// `vencimento`: `AAAA-MM-DD`.
    pub vencimento: String,
    /// `valor`: centavos.
    pub valor: i64,
    /// `codigo_barras`: 44 digits.
    pub codigo_barras: Option<&'a str>,
    /// `origem`: `serpro`, `importacao`.
    pub origem: &'static str,
}

/// The row `guia` from `origem` is stored as.
///
/// # Errors
/// The refusal's motivo when its value is not whole centavos within `i64` ([`centavos`]).
pub fn linha_guia(guia: &Guia, origem: OrigemGuia) -> Result<LinhaGuia<'_>, String> {
    Ok(LinhaGuia {
        numero: guia.numero.as_digitos(),
        tipo: guia.tipo.sigla(),
        contribuinte: guia.contribuinte.as_str(),
        codigo_receita: guia.codigo_receita.map(|r| r.to_string()),
        periodo: guia.periodo.compacta(),
        vencimento: guia.vencimento.iso(),
        valor: centavos(guia.valor)?,
        codigo_barras: guia.codigo_barras.as_ref().map(CodigoBarras::as_str),
        origem: origem.codigo(),
    })
}

/// A payment's row of `pagamentos`, as stored; its identity is (contribuinte, numero,
/// data_arrecadacao, valor, ordinal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinhaPagamento<'a> {
    /// `contribuinte`: bare.
    pub contribuinte: &'a str,
    /// `numero`: 17 digits.
    pub numero: String,
    /// `data_arrecadacao`: `AAAA-MM-DD`.
    pub data_arrecadacao: String,
    /// `valor`: centavos.
    pub valor: i64,
    /// `codigo_receita`.
    pub codigo_receita: Option<String>,
    /// `ordinal`: 1 for the first of identical payments of one fetch, 2 for the second…
    /// ([`ordinais`]).
    pub ordinal: i64,
}

/// The rows the payments of one fetch are stored as, in order, each with its ordinal among
/// the identical ones of the fetch.
///
/// # Errors
/// The refusal's motivo for the first value that is not whole centavos within `i64`.
pub fn linhas_pagamentos(pagamentos: &[Pagamento]) -> Result<Vec<LinhaPagamento<'_>>, String> {
    pagamentos
        .iter()
        .zip(ordinais(pagamentos))
        .map(|(p, ordinal)| {
            Ok(LinhaPagamento {
                contribuinte: p.contribuinte.as_str(),
                numero: p.numero.as_digitos(),
                data_arrecadacao: p.data_arrecadacao.iso(),
                valor: centavos(p.valor_total)?,
                codigo_receita: p.codigo_receita.map(|r| r.to_string()),
                ordinal: i64::from(ordinal),
            })
        })
        .collect()
}

/// A finding's row of `ocorrencias`, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinhaOcorrencia<'a> {
    /// `chave`.
    pub chave: &'a str,
    /// `contribuinte`: bare.
    pub contribuinte: &'a str,
    /// `numero`: 17 digits.
    pub numero: String,
    /// `codigo`.
    pub codigo: &'a str,
    /// `descricao`.
    pub descricao: &'a str,
    /// `valor_guia`: centavos.
    pub valor_guia: Option<i64>,
    /// `valor_pago`: centavos.
    pub valor_pago: Option<i64>,
    /// `vencimento`: `AAAA-MM-DD`.
    pub vencimento: Option<String>,
    /// `pago_em`: `AAAA-MM-DD`.
    pub pago_em: Option<String>,
    /// `dias_atraso`.
    pub dias_atraso: Option<i64>,
    /// `paga`.
    pub paga: bool,
    /// `registrada_em`: the reconciliation's day, `AAAA-MM-DD`.
    pub registrada_em: String,
}

/// The row `a`, found by a reconciliation run on `hoje`, is stored as.
///
/// # Errors
/// The refusal's motivo when one of its values is not whole centavos within `i64`.
pub fn linha_ocorrencia(a: &Achado, hoje: Data) -> Result<LinhaOcorrencia<'_>, String> {
    Ok(LinhaOcorrencia {
        chave: &a.chave,
        contribuinte: a.contribuinte.as_str(),
        numero: a.numero.as_digitos(),
        codigo: &a.codigo,
        descricao: &a.descricao,
        valor_guia: centavos_opcional(a.valor_guia)?,
        valor_pago: centavos_opcional(a.valor_pago)?,
        vencimento: a.vencimento.map(|d| d.iso()),
        pago_em: a.pago_em.map(|d| d.iso()),
        dias_atraso: a.dias_atraso,
        paga: a.paga,
        registrada_em: hoje.iso(),
    })
}

// ---------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------

/// Whether `a` and `b` are the same guide: every field equal, except that the optional revenue
/// code and barcode may be missing on one side (a spreadsheet rarely carries the barcode the
/// issuing service gave).
pub fn mesma_guia(a: &Guia, b: &Guia) -> bool {
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

/// What recording `nova` does when `registrada` already holds its number: nothing
/// ([`GuiaGravada::JaExistia`]) for the same guide, and the recorded one is kept as it was.
///
/// # Errors
/// [`ErroLivro::GuiaConflitante`], naming the number masked, for another guide.
pub fn conferir_guia(registrada: &Guia, nova: &Guia) -> Result<GuiaGravada, ErroLivro> {
    if mesma_guia(registrada, nova) {
        Ok(GuiaGravada::JaExistia)
    } else {
        Err(ErroLivro::GuiaConflitante {
            numero: nova.numero.to_string(),
        })
    }
}

/// Which of `achados` (one reconciliation's findings, in order) make a new occurrence row,
/// given the newest stored finding of each of their keys (`ultimas`, by `chave`): one that is
/// not equal in every field to the newest of its key, counting the rows the earlier findings
/// of the same call make.
pub fn novos(mut ultimas: HashMap<String, Achado>, achados: &[Achado]) -> Vec<bool> {
    achados
        .iter()
        .map(|a| {
            let novo = ultimas.get(&a.chave) != Some(a);
            if novo {
                ultimas.insert(a.chave.clone(), a.clone());
            }
            novo
        })
        .collect()
}

/// The distinct keys of `achados`, sorted (byte order): the order an engine that locks per key
/// takes its locks in.
pub fn chaves(achados: &[Achado]) -> Vec<&str> {
    let mut v: Vec<&str> = achados.iter().map(|a| a.chave.as_str()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The document numbers (17 digits) of the guides `achados` found paid, distinct and sorted:
/// each is settled now if still open, and a settled guide stays settled.
pub fn a_baixar(achados: &[Achado]) -> Vec<String> {
    let mut v: Vec<String> = achados
        .iter()
        .filter(|a| a.paga)
        .map(|a| a.numero.as_digitos())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// What recording a reconciliation did: `novos` as [`novos`] gave it, and how many guides were
/// settled.
pub fn resumo(novos: &[bool], guias_baixadas: usize) -> ResumoConciliacao {
    let ocorrencias_novas = novos.iter().filter(|&&n| n).count();
    ResumoConciliacao {
        ocorrencias_novas,
        inalteradas: novos.len() - ocorrencias_novas,
        guias_baixadas,
    }
}

/// The motivo of marking the synchronisation of a company the ledger does not hold.
pub fn empresa_desconhecida(cnpj: &Cnpj) -> String {
    format!(
        "a empresa {cnpj} não está cadastrada no livro do e-CAC; cadastre-a antes de \
         registrar a sincronização dos seus pagamentos"
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A row as a map of column to cell.
    struct Mapa(HashMap<&'static str, Celula>);

    impl Linha for Mapa {
        fn celula(&self, coluna: &'static str) -> Result<Celula, String> {
            self.0
                .get(coluna)
                .cloned()
                .ok_or_else(|| format!("sem a coluna {coluna}"))
        }
    }

    fn texto(t: &str) -> Celula {
        Celula::Texto(t.to_owned())
    }

    fn guia() -> Guia {
        Guia {
            tipo: TipoGuia::Das,
            numero: NumeroDocumento::parse("07.20.26145.9307993-6").unwrap(),
            contribuinte: Documento::parse("11.222.333/0001-81").unwrap(),
            codigo_receita: Some(CodigoReceita::parse("1708").unwrap()),
            periodo: Competencia::new(2026, 6).unwrap(),
            vencimento: Data::new(2026, 7, 20).unwrap(),
            valor: Valor::from_centavos(123_456),
            codigo_barras: None,
        }
    }

    /// The row [`linha_guia`] writes, as an engine reads it back.
    fn linha_de(g: &Guia, origem: OrigemGuia) -> Mapa {
        let l = linha_guia(g, origem).unwrap();
        let opcional = |t: Option<&str>| t.map_or(Celula::Nula, texto);
        Mapa(HashMap::from([
            ("numero", texto(&l.numero)),
            ("tipo", texto(l.tipo)),
            ("contribuinte", texto(l.contribuinte)),
            ("codigo_receita", opcional(l.codigo_receita.as_deref())),
            ("periodo", texto(&l.periodo)),
            ("vencimento", texto(&l.vencimento)),
            ("valor", Celula::Inteiro(l.valor)),
            ("codigo_barras", opcional(l.codigo_barras)),
            ("origem", texto(l.origem)),
            ("baixada_em", Celula::Nula),
        ]))
    }

    #[test]
    fn a_guide_reads_back_as_it_was_stored() {
        let g = guia();
        let lida = guia_registrada(&linha_de(&g, OrigemGuia::Importacao)).unwrap();
        assert_eq!(lida.guia, g);
        assert_eq!(lida.origem, OrigemGuia::Importacao);
        assert_eq!(lida.baixada_em, None);
    }

    #[test]
    fn a_bad_cell_is_named_by_table_row_column_and_value() {
        let mut l = linha_de(&guia(), OrigemGuia::Serpro);
        l.0.insert("periodo", texto("202613"));
        let e = guia_registrada(&l).unwrap_err();
        assert_eq!(
            (e.tabela, e.linha.as_str(), e.coluna, e.valor.as_str()),
            ("guias", "numero 07202614593079936", "periodo", "202613")
        );
        let mensagem = e.to_string();
        assert!(
            mensagem.starts_with(
                "a tabela guias tem um valor inválido na linha de numero 07202614593079936: \
                 coluna periodo = '202613' ("
            ) && mensagem.ends_with("corrija-o ou restaure uma cópia de segurança do livro"),
            "{mensagem}"
        );
        l.0.insert("periodo", texto("202606"));
        l.0.insert("baixada_em", texto("2026-07-16T00:00:00"));
        let e = guia_registrada(&l).unwrap_err();
        assert_eq!(
            (e.coluna, e.motivo.as_str()),
            ("baixada_em", "esperava AAAA-MM-DD")
        );
        l.0.insert("baixada_em", Celula::Nula);
        l.0.insert("numero", texto("07.20.26145.9307993-6"));
        let e = guia_registrada(&l).unwrap_err();
        assert_eq!(e.motivo, "esperava os 17 dígitos, sem máscara");
        l.0.insert("numero", texto("07202614593079936"));
        l.0.insert("valor", Celula::Outra("12.5".to_owned()));
        let e = guia_registrada(&l).unwrap_err();
        assert_eq!((e.coluna, e.valor.as_str()), ("valor", "12.5"));
        l.0.remove("tipo");
        let e = guia_registrada(&l).unwrap_err();
        assert_eq!((e.coluna, e.valor.as_str()), ("tipo", "?"));
        assert!(e.motivo.contains("sem a coluna tipo"), "{}", e.motivo);
    }

    #[test]
    fn a_flag_is_a_boolean_or_0_or_1_and_nothing_else() {
        let linha = |paga: Celula| {
            Mapa(HashMap::from([
                ("cnpj", texto("11222333000181")),
                ("nome", texto("Alfa")),
                ("ecac_desde", Celula::Nula),
                ("acesso", texto("a1")),
                ("certificado_procurador", paga),
            ]))
        };
        for (celula, esperado) in [
            (Celula::Booleano(true), true),
            (Celula::Booleano(false), false),
            (Celula::Inteiro(1), true),
            (Celula::Inteiro(0), false),
        ] {
            let e = empresa(&linha(celula)).unwrap();
            assert_eq!(e.certificado_procurador, esperado);
        }
        let e = empresa(&linha(Celula::Inteiro(2))).unwrap_err();
        assert_eq!(
            (e.valor.as_str(), e.motivo.as_str()),
            ("2", "esperava 0 ou 1")
        );
        let e = empresa(&linha(Celula::Nula)).unwrap_err();
        assert_eq!(e.motivo, "valor ausente");
        let mut l = linha(Celula::Booleano(true));
        l.0.insert("acesso", texto("A1"));
        assert_eq!(
            empresa(&l).unwrap_err().coluna,
            "acesso",
            "exactly as stored"
        );
    }

    #[test]
    fn money_beyond_whole_i64_centavos_is_refused_not_rounded() {
        assert_eq!(centavos(Valor::from_centavos(i64::MAX)), Ok(i64::MAX));
        let grande = Valor::from_centavos(i64::MAX) + Valor::from_centavos(1);
        assert!(centavos(grande).unwrap_err().contains("não cabe no livro"));
    }

    #[test]
    fn identical_payments_of_one_fetch_get_growing_ordinals() {
        let g = guia();
        let p = Pagamento {
            numero: g.numero,
            data_arrecadacao: Data::new(2026, 7, 10).unwrap(),
            valor_total: g.valor,
            codigo_receita: None,
            contribuinte: g.contribuinte,
        };
        let outro = Pagamento {
            valor_total: Valor::from_centavos(1),
            ..p.clone()
        };
        let pagamentos = [p.clone(), outro, p];
        let linhas = linhas_pagamentos(&pagamentos).unwrap();
        let ordinais: Vec<i64> = linhas.iter().map(|l| l.ordinal).collect();
        assert_eq!(ordinais, [1, 1, 2]);
        assert_eq!(linhas[0].data_arrecadacao, "2026-07-10");
        assert_eq!(linhas[1].valor, 1);
    }

    #[test]
    fn a_guide_again_is_the_same_unless_a_field_differs() {
        let g = guia();
        let sem_opcionais = Guia {
            codigo_receita: None,
            codigo_barras: None,
            ..g.clone()
        };
        assert!(matches!(
            conferir_guia(&g, &sem_opcionais),
            Ok(GuiaGravada::JaExistia)
        ));
        assert!(matches!(
            conferir_guia(&sem_opcionais, &g),
            Ok(GuiaGravada::JaExistia)
        ));
        let outra_receita = Guia {
            codigo_receita: Some(CodigoReceita::parse("0190").unwrap()),
            ..g.clone()
        };
        let outro_valor = Guia {
            valor: Valor::from_centavos(1),
            ..g.clone()
        };
        for outra in [outra_receita, outro_valor] {
            match conferir_guia(&g, &outra) {
                Err(ErroLivro::GuiaConflitante { numero }) => {
                    assert_eq!(numero, "07.20.26145.9307993-6");
                }
                outro => panic!("esperava GuiaConflitante, veio {outro:?}"),
            }
        }
    }

    fn achado_pago(g: &Guia) -> Achado {
        Achado {
            contribuinte: g.contribuinte,
            numero: g.numero,
            chave: format!("guia:{}", g.numero.as_digitos()),
            codigo: "paga".to_owned(),
            descricao: "Paga".to_owned(),
            valor_guia: Some(g.valor),
            valor_pago: Some(g.valor),
            vencimento: Some(g.vencimento),
            pago_em: Some(g.vencimento),
            dias_atraso: None,
            paga: true,
        }
    }

    #[test]
    fn a_finding_equal_to_the_newest_of_its_key_is_not_new() {
        let g = guia();
        let a = achado_pago(&g);
        let mudou = Achado {
            dias_atraso: Some(1),
            ..a.clone()
        };
        assert_eq!(novos(HashMap::new(), std::slice::from_ref(&a)), [true]);
        let ultimas = HashMap::from([(a.chave.clone(), a.clone())]);
        assert_eq!(novos(ultimas.clone(), std::slice::from_ref(&a)), [false]);
        // Within one call, each finding is compared with the row the one before it made.
        assert_eq!(
            novos(
                ultimas,
                &[mudou.clone(), mudou.clone(), a.clone(), a.clone()]
            ),
            [true, false, true, false]
        );
        assert_eq!(
            resumo(&[true, false, true, false], 1),
            ResumoConciliacao {
                ocorrencias_novas: 2,
                inalteradas: 2,
                guias_baixadas: 1
            }
        );
        let linha = linha_ocorrencia(&a, g.vencimento).unwrap();
        assert_eq!(
            (linha.registrada_em.as_str(), linha.paga, linha.valor_pago),
            ("2026-07-20", true, Some(123_456))
        );
    }

    #[test]
    fn keys_and_guides_to_settle_are_distinct_and_sorted() {
        let g = guia();
        let pago = achado_pago(&g);
        let aberto = Achado {
            numero: NumeroDocumento::from_u64(5).unwrap(),
            chave: "guia:00000000000000005".to_owned(),
            paga: false,
            ..pago.clone()
        };
        let sem_guia = Achado {
            chave: format!("pagamento:{}:20260720:1234.56", g.numero.as_digitos()),
            ..pago.clone()
        };
        let achados = [sem_guia, pago.clone(), aberto, pago];
        assert_eq!(
            chaves(&achados),
            [
                "guia:00000000000000005",
                "guia:07202614593079936",
                "pagamento:07202614593079936:20260720:1234.56"
            ]
        );
        assert_eq!(a_baixar(&achados), ["07202614593079936"]);
    }

    #[test]
    fn an_unknown_company_is_named_masked() {
        let cnpj = Cnpj::parse("45723174000110").unwrap();
        let m = empresa_desconhecida(&cnpj);
        assert!(
            m.contains("45.723.174/0001-10") && m.contains("não está cadastrada"),
            "{m}"
        );
    }
}
