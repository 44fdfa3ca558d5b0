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

/// Where a violation reported by `PacoteBruto::validar_em_fluxo` belongs, so that a caller
/// can print the pacote's own violations before the movements' ones, as
/// [`PacoteBruto::validar`] orders them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Parte {
    /// The pacote itself: its shape (root keys, `movimentos`) and its header fields.
    Pacote,
    /// One movement, or the bank rule across them.
    Movimentos,
}

/// What a valid pacote holds, as `PacoteBruto::validar_em_fluxo` reports it without keeping
/// the movements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResumoPacote {
    /// `idPacote`.
    pub id_pacote: u64,
    /// `codEntidade`.
    pub cod_entidade: String,
    /// `anoExercicio`.
    pub ano_exercicio: u16,
    /// How many movements the pacote has (at least one).
    pub movimentos: usize,
    /// The sum of the `B` (bank) movements: the cash received.
    pub recebido_em_banco: Valor,
}

impl Pacote {
    /// This pacote's summary, the same `PacoteBruto::validar_em_fluxo` gives.
    pub fn resumo(&self) -> ResumoPacote {
        ResumoPacote {
            id_pacote: self.id_pacote,
            cod_entidade: self.cod_entidade.clone(),
            ano_exercicio: self.ano_exercicio,
            movimentos: self.movimentos.len(),
            recebido_em_banco: self
                .movimentos
                .iter()
                .filter(|m| m.tipo_movimento == TipoMovimento::Banco)
                .map(|m| m.valor)
                .sum(),
        }
    }
}

/// Validates a pacote movement by movement as a reader hands them over, keeping only the sums
/// the bank rule needs; every violation goes to `violacao` as soon as it is known. The same
/// rules as [`PacoteBruto::validar`], applied object by object (see
/// `PacoteBruto::validar_em_fluxo`, which drives it).
#[cfg_attr(not(feature = "formatos"), allow(dead_code))]
pub(crate) struct ValidacaoEmFluxo<'t, F> {
    tabela: &'t Tabela2,
    violacao: F,
    banco: regras::Banco,
    validos: usize,
    recebido: Valor,
    reportadas: bool,
    /// The last valid movement's text, to read the next one into.
    reserva: MovimentoBruto,
}

#[cfg_attr(not(feature = "formatos"), allow(dead_code))]
impl<'t, F: FnMut(Parte, crate::Violacao)> ValidacaoEmFluxo<'t, F> {
    /// Ready for the first movement.
    pub(crate) fn new(tabela: &'t Tabela2, violacao: F) -> Self {
        ValidacaoEmFluxo {
            tabela,
            violacao,
            banco: regras::Banco::default(),
            validos: 0,
            recebido: Valor::default(),
            reportadas: false,
            reserva: MovimentoBruto::default(),
        }
    }

    fn reportar(&mut self, parte: Parte, e: crate::Violacoes) {
        for v in e {
            self.reportadas = true;
            (self.violacao)(parte, v);
        }
    }

    /// A movement to read the next one into: the last valid one's, whose strings are reused.
    pub(crate) fn rascunho(&mut self) -> MovimentoBruto {
        std::mem::take(&mut self.reserva)
    }

    /// Takes back a [`ValidacaoEmFluxo::rascunho`] that was not read into after all.
    pub(crate) fn devolver(&mut self, m: MovimentoBruto) {
        self.reserva = m;
    }

    /// Movement `i` as read: `None` when it was not an object; `forma` holds its shape
    /// violations. A well-formed movement is checked against every rule, then dropped.
    pub(crate) fn movimento(
        &mut self,
        i: usize,
        m: Option<MovimentoBruto>,
        forma: crate::Violacoes,
    ) {
        if !forma.is_empty() {
            self.reportar(Parte::Movimentos, forma);
            return;
        }
        let Some(m) = m else {
            return;
        };
        let mut e = crate::Violacoes::default();
        // The rules borrow its texts: a valid movement is kept whole, all eight strings, to
        // read the next one into (nothing allocated or freed per movement).
        if let Some(v) = regras::conferir(&mut e, self.tabela, i, &m) {
            let credito = crate::texto::aparar(m.conta_credito.as_deref().unwrap_or_default());
            self.banco.registrar_valores(
                i,
                v.tipo_movimento,
                v.tipo_lancamento,
                v.valor,
                credito,
                self.tabela,
            );
            if v.tipo_movimento == TipoMovimento::Banco {
                self.recebido += v.valor;
            }
            self.validos += 1;
            self.reserva = m;
        }
        self.reportar(Parte::Movimentos, e);
    }

    /// What this validation found, to be added to another's ([`ValidacaoEmFluxo::juntar`]):
    /// the movements were read on another thread, after those the other one has seen.
    pub(crate) fn parcial(self) -> Parcial {
        Parcial {
            banco: self.banco,
            validos: self.validos,
            recebido: self.recebido,
        }
    }

    /// Adds the movements another validation saw ([`ValidacaoEmFluxo::parcial`]), the ones that
    /// follow those seen here, and reports their violations (`achadas`, in the order found),
    /// as if this validation had seen them itself.
    pub(crate) fn juntar(&mut self, parcial: Parcial, achadas: Vec<(Parte, crate::Violacao)>) {
        for (parte, v) in achadas {
            self.reportadas = true;
            (self.violacao)(parte, v);
        }
        self.banco.juntar(parcial.banco);
        self.validos += parcial.validos;
        self.recebido += parcial.recebido;
    }

    /// The document could not be read to its end (malformed JSON, a root that is not an
    /// object): this violation ends the validation.
    pub(crate) fn falha(mut self, v: crate::Violacao) {
        self.reportadas = true;
        (self.violacao)(Parte::Pacote, v);
    }

    /// The whole pacote was read: `cabecalho` holds its header fields, `forma` the root's
    /// shape violations and `total` the number of movements read (none without a list).
    /// Checks the header and the bank rule and returns the summary when nothing was reported.
    pub(crate) fn concluir(
        mut self,
        cabecalho: PacoteBruto,
        forma: crate::Violacoes,
        total: Option<usize>,
    ) -> Option<ResumoPacote> {
        let (Some(total), true) = (total, forma.is_empty()) else {
            self.reportar(Parte::Pacote, forma);
            return None;
        };
        let mut e = crate::Violacoes::default();
        let cod_entidade = regras::texto(&mut e, "codEntidade", cabecalho.cod_entidade);
        let ano = regras::ano_exercicio(&mut e, cabecalho.ano_exercicio.as_deref());
        let id_pacote = regras::id_pacote(&mut e, cabecalho.id_pacote.as_deref());
        regras::texto(&mut e, "empresaEnvio", cabecalho.empresa_envio);
        let movimento = regras::data(&mut e, "dataMovimento", cabecalho.data_movimento.as_deref());
        let exportacao = regras::data(
            &mut e,
            "dataExportacao",
            cabecalho.data_exportacao.as_deref(),
        );
        regras::texto(&mut e, "usuarioExportacao", cabecalho.usuario_exportacao);
        regras::datas_do_pacote(&mut e, ano, movimento, exportacao);
        if total == 0 {
            e.add(
                "movimentos",
                crate::Regra::ConamSemMovimentos,
                "o pacote deve ter um ou mais movimentos",
                "",
            );
        }
        self.reportar(Parte::Pacote, e);
        if self.validos == total {
            let mut e = crate::Violacoes::default();
            self.banco.conferir(&mut e);
            self.reportar(Parte::Movimentos, e);
        }
        let (false, Some(cod_entidade), Some(ano_exercicio), Some(id_pacote)) =
            (self.reportadas, cod_entidade, ano, id_pacote)
        else {
            return None;
        };
        Some(ResumoPacote {
            id_pacote,
            cod_entidade,
            ano_exercicio,
            movimentos: total,
            recebido_em_banco: self.recebido,
        })
    }
}

/// What a [`ValidacaoEmFluxo`] of some of a pacote's movements found, to be added to the one
/// of the movements before them.
#[cfg_attr(not(feature = "formatos"), allow(dead_code))]
pub(crate) struct Parcial {
    banco: regras::Banco,
    validos: usize,
    recebido: Valor,
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
