//! CONAM accounting integration: movement packages (`pacote`) and their rules.
//!
//! A package arrives as a [`PacoteBruto`] (the manual's JSON fields as text) and becomes a
//! [`Pacote`] through [`PacoteBruto::validar`], which checks every rule against Table 1
//! ([`TipoMovimento`]) and Table 2 ([`Tabela2`], data that a client can replace with its own
//! updated table) and reports **all** violations.

mod regras;
mod tabela;

pub use tabela::{ErroTabela2, Estorno, Sinal, Tabela2, TipoLancamento};

use crate::{Data, Valor};
use std::fmt;
use std::str::FromStr;

/// Table 1 — `tipoMovimento`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TipoMovimento {
    /// `B` — Banco: the bank receipt, the sum of the cash received in the package.
    Banco,
    /// `R` — Receita Orçamentária.
    ReceitaOrcamentaria,
    /// `E` — Receita Extraorçamentária.
    ReceitaExtraorcamentaria,
    /// `D` — Dívida Ativa.
    DividaAtiva,
}

impl TipoMovimento {
    /// The letter written in the package.
    pub fn codigo(self) -> char {
        match self {
            TipoMovimento::Banco => 'B',
            TipoMovimento::ReceitaOrcamentaria => 'R',
            TipoMovimento::ReceitaExtraorcamentaria => 'E',
            TipoMovimento::DividaAtiva => 'D',
        }
    }

    /// The type with this letter (exact, upper case).
    pub fn from_codigo(codigo: &str) -> Option<TipoMovimento> {
        match codigo {
            "B" => Some(TipoMovimento::Banco),
            "R" => Some(TipoMovimento::ReceitaOrcamentaria),
            "E" => Some(TipoMovimento::ReceitaExtraorcamentaria),
            "D" => Some(TipoMovimento::DividaAtiva),
            _ => None,
        }
    }

    /// Table 1's description.
    pub fn descricao(self) -> &'static str {
        match self {
            TipoMovimento::Banco => "Banco",
            TipoMovimento::ReceitaOrcamentaria => "Receita Orçamentária",
            TipoMovimento::ReceitaExtraorcamentaria => "Receita Extraorçamentária",
            TipoMovimento::DividaAtiva => "Dívida Ativa",
        }
    }
}

/// A `tipoLancamento` code of the shape `NN-NN-NNN` (e.g. `11-01-001`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CodigoLancamento(u32);

/// A `tipoLancamento` text that is not of the shape `NN-NN-NNN`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("o código de lançamento tem a forma NN-NN-NNN (ex.: 11-01-001)")]
pub struct ErroCodigoLancamento;

impl CodigoLancamento {
    /// Parses `NN-NN-NNN`.
    ///
    /// # Errors
    /// [`ErroCodigoLancamento`].
    pub fn parse(texto: &str) -> Result<CodigoLancamento, ErroCodigoLancamento> {
        let b = texto.as_bytes();
        if b.len() != 9 || b[2] != b'-' || b[5] != b'-' {
            return Err(ErroCodigoLancamento);
        }
        let mut n = 0u32;
        for &c in b[0..2].iter().chain(&b[3..5]).chain(&b[6..9]) {
            if !c.is_ascii_digit() {
                return Err(ErroCodigoLancamento);
            }
            n = n * 10 + u32::from(c - b'0');
        }
        Ok(CodigoLancamento(n))
    }

    /// The group: the first two digits (`11` in `11-01-001`).
    pub fn grupo(&self) -> u32 {
        self.0 / 100_000
    }
}

impl FromStr for CodigoLancamento {
    type Err = ErroCodigoLancamento;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CodigoLancamento::parse(s)
    }
}

impl fmt::Display for CodigoLancamento {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        write!(
            f,
            "{:02}-{:02}-{:03}",
            n / 100_000,
            n / 1000 % 100,
            n % 1000
        )
    }
}

impl fmt::Debug for CodigoLancamento {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CodigoLancamento({self})")
    }
}

/// A package exactly as read: each field's text (`None` when absent or `null`). Numbers keep
/// their exact JSON text.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PacoteBruto {
    /// `codEntidade`.
    pub cod_entidade: Option<String>,
    /// `anoExercicio` (string or number in the JSON).
    pub ano_exercicio: Option<String>,
    /// `idPacote`.
    pub id_pacote: Option<String>,
    /// `empresaEnvio`.
    pub empresa_envio: Option<String>,
    /// `dataMovimento`.
    pub data_movimento: Option<String>,
    /// `dataExportacao`.
    pub data_exportacao: Option<String>,
    /// `usuarioExportacao`.
    pub usuario_exportacao: Option<String>,
    /// `movimentos`.
    pub movimentos: Vec<MovimentoBruto>,
}

/// A movement exactly as read.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MovimentoBruto {
    /// `tipoMovimento`.
    pub tipo_movimento: Option<String>,
    /// `codigoConta`.
    pub codigo_conta: Option<String>,
    /// `dataMovimentoOriginal`.
    pub data_movimento_original: Option<String>,
    /// `tipoLancamento`.
    pub tipo_lancamento: Option<String>,
    /// `contaCredito`.
    pub conta_credito: Option<String>,
    /// `valor` (exact JSON number text).
    pub valor: Option<String>,
    /// `dataLancamento`.
    pub data_lancamento: Option<String>,
    /// `historicoLancamento`.
    pub historico_lancamento: Option<String>,
}

/// A package that passed every rule. Built only by [`PacoteBruto::validar`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pacote {
    cod_entidade: String,
    ano_exercicio: u16,
    id_pacote: u64,
    empresa_envio: String,
    data_movimento: Data,
    data_exportacao: Data,
    usuario_exportacao: String,
    movimentos: Vec<Movimento>,
}

impl Pacote {
    /// `codEntidade`.
    pub fn cod_entidade(&self) -> &str {
        &self.cod_entidade
    }
    /// `anoExercicio`.
    pub fn ano_exercicio(&self) -> u16 {
        self.ano_exercicio
    }
    /// `idPacote`.
    pub fn id_pacote(&self) -> u64 {
        self.id_pacote
    }
    /// `empresaEnvio`.
    pub fn empresa_envio(&self) -> &str {
        &self.empresa_envio
    }
    /// `dataMovimento`.
    pub fn data_movimento(&self) -> Data {
        self.data_movimento
    }
    /// `dataExportacao`.
    pub fn data_exportacao(&self) -> Data {
        self.data_exportacao
    }
    /// `usuarioExportacao`.
    pub fn usuario_exportacao(&self) -> &str {
        &self.usuario_exportacao
    }
    /// `movimentos`, never empty.
    pub fn movimentos(&self) -> &[Movimento] {
        &self.movimentos
    }
}

/// A movement that passed every rule: its typed values, and the texts it keeps (moved from the
/// [`MovimentoBruto`], never copied, so validating allocates nothing per movement). Two movements
/// are equal when their values are, however the text spelled them (`2500.5` or `"2500.50"`).
///
/// It is exactly as large as the [`MovimentoBruto`] it comes from, so a package's movements
/// are validated into the vector that held them as read (`docs/decisions/0003`).
#[derive(Clone)]
pub struct Movimento {
    valor: Valor,
    tipo_lancamento: CodigoLancamento,
    data_lancamento: Data,
    data_movimento_original: Option<Data>,
    tipo_movimento: TipoMovimento,
    codigo_conta: String,
    conta_credito: String,
    historico_lancamento: Option<String>,
    /// Unused room that makes a `Movimento` exactly as large as a `MovimentoBruto`: a package
    /// is then validated into the very buffer it was read into, with no shrinking `realloc`
    /// afterwards (`docs/decisions/0003`).
    _folga: [usize; FOLGA],
}

/// The words of [`Movimento`]'s unused room: a `MovimentoBruto` less its fields (11 on 64-bit
/// targets). A field added to `Movimento` is subtracted here; `regras.rs` checks the sizes.
const FOLGA: usize = (size_of::<MovimentoBruto>()
    - size_of::<Valor>()
    - size_of::<CodigoLancamento>()
    - size_of::<Data>()
    - size_of::<Option<Data>>()
    - size_of::<TipoMovimento>()
    - 2 * size_of::<String>()
    - size_of::<Option<String>>())
    / size_of::<usize>();

impl fmt::Debug for Movimento {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Movimento")
            .field("tipo_movimento", &self.tipo_movimento)
            .field("codigo_conta", &self.codigo_conta)
            .field("data_movimento_original", &self.data_movimento_original)
            .field("tipo_lancamento", &self.tipo_lancamento)
            .field("conta_credito", &self.conta_credito)
            .field("valor", &self.valor)
            .field("data_lancamento", &self.data_lancamento)
            .field("historico_lancamento", &self.historico_lancamento)
            .finish()
    }
}

impl PartialEq for Movimento {
    fn eq(&self, o: &Movimento) -> bool {
        self.tipo_movimento == o.tipo_movimento
            && self.data_movimento_original == o.data_movimento_original
            && self.tipo_lancamento == o.tipo_lancamento
            && self.valor == o.valor
            && self.data_lancamento == o.data_lancamento
            && self.codigo_conta() == o.codigo_conta()
            && self.conta_credito() == o.conta_credito()
            && self.historico_lancamento() == o.historico_lancamento()
    }
}

impl Eq for Movimento {}

impl Movimento {
    /// `tipoMovimento`.
    pub fn tipo_movimento(&self) -> TipoMovimento {
        self.tipo_movimento
    }
    /// `codigoConta`.
    pub fn codigo_conta(&self) -> &str {
        crate::texto::aparar(&self.codigo_conta)
    }
    /// `dataMovimentoOriginal` (present for every reversal).
    pub fn data_movimento_original(&self) -> Option<Data> {
        self.data_movimento_original
    }
    /// `tipoLancamento`.
    pub fn tipo_lancamento(&self) -> CodigoLancamento {
        self.tipo_lancamento
    }
    /// `contaCredito` (the bank account).
    pub fn conta_credito(&self) -> &str {
        crate::texto::aparar(&self.conta_credito)
    }
    /// `valor`, signed.
    pub fn valor(&self) -> Valor {
        self.valor
    }
    /// `dataLancamento`.
    pub fn data_lancamento(&self) -> Data {
        self.data_lancamento
    }
    /// `historicoLancamento` (may be empty), exactly as read.
    pub fn historico_lancamento(&self) -> &str {
        self.historico_lancamento.as_deref().unwrap_or_default()
    }
}

/// Whether an account code is a deductive revenue (`codigoConta` in group 9, except 9.3), for
/// which `12-01-000` and `12-02-000` flip sign.
pub fn conta_dedutora(codigo_conta: &str) -> bool {
    match codigo_conta.as_bytes() {
        [b'9'] => true,
        [b'9', b'.', resto @ ..] => !matches!(resto, [b'3'] | [b'3', b'.', ..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
