//! Table 2 (`tipoLancamento`) as data: `data/conam-tabela2.tsv`, replaceable by a client's
//! updated table of the same shape through [`Tabela2::de_tsv`].

use super::{CodigoLancamento, TipoMovimento, conta_dedutora};
use crate::Valor;
use std::sync::LazyLock;

const TABELA: &str = include_str!("../../data/conam-tabela2.tsv");

/// The sign a movement's value must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sinal {
    /// Always above zero ("Valor sempre positivo").
    Positivo,
    /// Always below zero ("Valor sempre negativo").
    Negativo,
    /// Either sign, never zero.
    Qualquer,
    /// Positive, or negative for a deductive revenue account (group 9 except 9.3).
    PositivoOuNegativoSeDedutora,
    /// Negative, or positive for a deductive revenue account (group 9 except 9.3).
    NegativoOuPositivoSeDedutora,
}

impl Sinal {
    /// Whether `valor` has the sign this rule requires for an account `codigo_conta`.
    pub fn aceita(self, valor: Valor, codigo_conta: &str) -> bool {
        match self {
            Sinal::Positivo => valor.is_positive(),
            Sinal::Negativo => valor.is_negative(),
            Sinal::Qualquer => !valor.is_zero(),
            Sinal::PositivoOuNegativoSeDedutora if conta_dedutora(codigo_conta) => {
                valor.is_negative()
            }
            Sinal::PositivoOuNegativoSeDedutora => valor.is_positive(),
            Sinal::NegativoOuPositivoSeDedutora if conta_dedutora(codigo_conta) => {
                valor.is_positive()
            }
            Sinal::NegativoOuPositivoSeDedutora => valor.is_negative(),
        }
    }

    /// What the rule says, in Portuguese, for an account `codigo_conta`.
    pub fn descricao(self, codigo_conta: &str) -> &'static str {
        let dedutora = conta_dedutora(codigo_conta);
        match self {
            Sinal::Positivo => "valor sempre positivo",
            Sinal::Negativo => "valor sempre negativo",
            Sinal::Qualquer => "valor diferente de zero",
            Sinal::PositivoOuNegativoSeDedutora if dedutora => {
                "valor negativo para receita dedutora (grupo 9, exceto 9.3)"
            }
            Sinal::PositivoOuNegativoSeDedutora => {
                "valor positivo (negativo só para receita dedutora)"
            }
            Sinal::NegativoOuPositivoSeDedutora if dedutora => {
                "valor positivo para receita dedutora (grupo 9, exceto 9.3)"
            }
            Sinal::NegativoOuPositivoSeDedutora => {
                "valor negativo (positivo só para receita dedutora)"
            }
        }
    }
}

/// Whether a movement is a reversal (estorno), which requires `dataMovimentoOriginal`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Estorno {
    /// Never a reversal.
    Nao,
    /// Always a reversal.
    Sim,
    /// A reversal when the value is negative (`10-01-001`).
    SeNegativo,
}

impl Estorno {
    /// Whether a movement of this kind with `valor` is a reversal.
    pub fn eh_estorno(self, valor: Valor) -> bool {
        match self {
            Estorno::Nao => false,
            Estorno::Sim => true,
            Estorno::SeNegativo => valor.is_negative(),
        }
    }
}

/// A row of Table 2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TipoLancamento {
    /// The code.
    pub codigo: CodigoLancamento,
    /// The only `tipoMovimento` it may be used with.
    pub tipo_movimento: TipoMovimento,
    /// The sign rule.
    pub sinal: Sinal,
    /// Whether it is a reversal.
    pub estorno: Estorno,
    /// Whether it is cash received (counted by the bank rule).
    pub caixa: bool,
    /// The table's group title.
    pub grupo: String,
    /// The movement's description.
    pub descricao: String,
}

/// A line of a Table 2 file that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("tabela 2 (tipoLancamento), linha {linha}: {motivo}")]
pub struct ErroTabela2 {
    /// 1-based line number.
    pub linha: usize,
    /// What is wrong with it.
    pub motivo: String,
}

/// Table 2, sorted by code, with a hash index for lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tabela2 {
    linhas: Vec<TipoLancamento>,
    /// Open addressing over `linhas` by code (linear probing): each slot holds 1 + a row's
    /// position, 0 when empty. Its length is a power of two, at least four times the rows, so
    /// a lookup ends at the first or second slot and an absent code meets an empty slot soon.
    indice: Vec<u32>,
}

static OFICIAL: LazyLock<Tabela2> =
    LazyLock::new(|| Tabela2::de_tsv(TABELA).unwrap_or(Tabela2::com_linhas(Vec::new())));

impl Tabela2 {
    /// The table as printed in the CONAM manual.
    pub fn oficial() -> &'static Tabela2 {
        &OFICIAL
    }

    /// Reads a table of the shape of `data/conam-tabela2.tsv` (tab-separated: codigo,
    /// tipoMovimento, sinal, estorno, caixa, grupo, descricao; `#` comments).
    ///
    /// # Errors
    /// The first line that cannot be read, or a code listed twice.
    pub fn de_tsv(texto: &str) -> Result<Tabela2, ErroTabela2> {
        let mut linhas = Vec::new();
        for (i, l) in texto.lines().enumerate() {
            if l.trim().is_empty() || l.starts_with('#') {
                continue;
            }
            let erro = |motivo: String| ErroTabela2 {
                linha: i + 1,
                motivo,
            };
            let row = linha(l).map_err(erro)?;
            if linhas
                .iter()
                .any(|r: &TipoLancamento| r.codigo == row.codigo)
            {
                return Err(erro(format!("código {} repetido", row.codigo)));
            }
            linhas.push(row);
        }
        Ok(Tabela2::com_linhas(linhas))
    }

    /// The table of `linhas` (codes distinct), sorted and indexed.
    fn com_linhas(mut linhas: Vec<TipoLancamento>) -> Tabela2 {
        linhas.sort_by_key(|r| r.codigo);
        let tamanho = (linhas.len() * 4).next_power_of_two().max(16);
        let mut indice = vec![0u32; tamanho];
        for (posicao, r) in (1u32..).zip(&linhas) {
            let mut h = espalhar(r.codigo, tamanho);
            while let Some(slot) = indice.get_mut(h) {
                if *slot == 0 {
                    *slot = posicao;
                    break;
                }
                h = (h + 1) & (tamanho - 1);
            }
        }
        Tabela2 { linhas, indice }
    }

    /// The row of `codigo`.
    pub fn buscar(&self, codigo: CodigoLancamento) -> Option<&TipoLancamento> {
        let mascara = self.indice.len().wrapping_sub(1);
        let mut h = espalhar(codigo, self.indice.len());
        loop {
            // An empty slot (0) ends the probe: `checked_sub` gives `None`.
            let posicao = self.indice.get(h)?.checked_sub(1)?;
            let linha = self.linhas.get(usize::try_from(posicao).ok()?)?;
            if linha.codigo == codigo {
                return Some(linha);
            }
            h = (h + 1) & mascara;
        }
    }

    /// Every row, by code.
    pub fn linhas(&self) -> &[TipoLancamento] {
        &self.linhas
    }
}

/// The first slot of `codigo` in an index of `tamanho` slots (a power of two): Fibonacci
/// hashing, the top bits of the code times 2³²/φ.
fn espalhar(codigo: CodigoLancamento, tamanho: usize) -> usize {
    let bits = tamanho.trailing_zeros();
    let h = codigo.0.wrapping_mul(0x9E37_79B9);
    h.checked_shr(32u32.saturating_sub(bits))
        .map_or(0, |h| h as usize)
}

fn linha(l: &str) -> Result<TipoLancamento, String> {
    let c: Vec<&str> = l.split('\t').collect();
    let [codigo, tipo, sinal, estorno, caixa, grupo, descricao] = c[..] else {
        return Err(format!(
            "esperava 7 colunas separadas por TAB, encontrou {}",
            c.len()
        ));
    };
    let codigo = CodigoLancamento::parse(codigo).map_err(|e| format!("\"{codigo}\": {e}"))?;
    let tipo_movimento = TipoMovimento::from_codigo(tipo)
        .ok_or_else(|| format!("tipoMovimento \"{tipo}\" não está na Tabela 1 (B, R, E, D)"))?;
    let sinal = match sinal {
        "positivo" => Sinal::Positivo,
        "negativo" => Sinal::Negativo,
        "qualquer" => Sinal::Qualquer,
        "positivo_ou_negativo_se_dedutora" => Sinal::PositivoOuNegativoSeDedutora,
        "negativo_ou_positivo_se_dedutora" => Sinal::NegativoOuPositivoSeDedutora,
        outro => return Err(format!("sinal \"{outro}\" desconhecido")),
    };
    let estorno = match estorno {
        "sim" => Estorno::Sim,
        "nao" => Estorno::Nao,
        "se_negativo" => Estorno::SeNegativo,
        outro => {
            return Err(format!(
                "estorno \"{outro}\" deve ser sim, nao ou se_negativo"
            ));
        }
    };
    let caixa = match caixa {
        "sim" => true,
        "nao" => false,
        outro => return Err(format!("caixa \"{outro}\" deve ser sim ou nao")),
    };
    Ok(TipoLancamento {
        codigo,
        tipo_movimento,
        sinal,
        estorno,
        caixa,
        grupo: grupo.to_owned(),
        descricao: descricao.to_owned(),
    })
}
