//! Every rule of the CONAM manual and of DESIGN.md's decisions, applied by
//! [`PacoteBruto::validar`].

use super::{
    CodigoLancamento, Movimento, MovimentoBruto, Pacote, PacoteBruto, Tabela2, TipoLancamento,
    TipoMovimento,
};
use crate::texto::aparar;
use crate::{Data, Regra, Valor, Violacoes};
use std::collections::HashMap;

const ANO_MINIMO: u16 = 2000;
const ANO_MAXIMO: u16 = 2100;

// Validating a package's movements in place (std reusing the input vector's allocation for the
// output) needs a `Movimento` aligned as a `MovimentoBruto` and no larger; exactly as large, or
// std shrinks the buffer afterwards with a `realloc` that costs more than the copy it avoided
// (glibc consolidates every small chunk freed so far). A field added to `Movimento` takes its
// room from `Movimento::_folga` (`FOLGA`).
const _: () = assert!(
    size_of::<Movimento>() == size_of::<MovimentoBruto>()
        && align_of::<Movimento>() == align_of::<MovimentoBruto>(),
    "Movimento e MovimentoBruto devem ter o mesmo tamanho: ajuste FOLGA"
);

impl PacoteBruto {
    /// Checks every rule against `tabela` and returns the typed [`Pacote`], or **all**
    /// violations found. Fields are named by their JSON key; a movement's fields by
    /// `movimentos[i].chave`.
    ///
    /// # Errors
    /// [`Violacoes`] naming, for each broken rule, the key, the rule, why and the value.
    pub fn validar(self, tabela: &Tabela2) -> Result<Pacote, Violacoes> {
        let mut e = Violacoes::default();
        let cod_entidade = texto(&mut e, "codEntidade", self.cod_entidade);
        let ano = ano_exercicio(&mut e, self.ano_exercicio.as_deref());
        let id_pacote = id_pacote(&mut e, self.id_pacote.as_deref());
        let empresa_envio = texto(&mut e, "empresaEnvio", self.empresa_envio);
        let data_movimento = data(&mut e, "dataMovimento", self.data_movimento.as_deref());
        let data_exportacao = data(&mut e, "dataExportacao", self.data_exportacao.as_deref());
        let usuario_exportacao = texto(&mut e, "usuarioExportacao", self.usuario_exportacao);
        datas_do_pacote(&mut e, ano, data_movimento, data_exportacao);
        if self.movimentos.is_empty() {
            e.add(
                "movimentos",
                Regra::ConamSemMovimentos,
                "o pacote deve ter um ou mais movimentos",
                "",
            );
        }
        let mut banco = Banco::default();
        let total = self.movimentos.len();
        // `into_iter` + `filter_map` + `collect` validates in place: a `Movimento` is as large
        // as a `MovimentoBruto`, so std reuses the input's allocation for the output (no
        // second vector, no fresh pages to fault in; see the size check above).
        let movimentos: Vec<Movimento> = self
            .movimentos
            .into_iter()
            .enumerate()
            .filter_map(|(i, m)| {
                let m = movimento(&mut e, tabela, i, m)?;
                banco.registrar(i, &m, tabela);
                Some(m)
            })
            .collect();
        // The bank rule compares sums: with a movement already refused it would only repeat
        // that error, so it is checked once every movement is valid.
        if movimentos.len() == total {
            banco.conferir(&mut e);
        }
        let (Some(cod_entidade), Some(ano_exercicio), Some(id_pacote), Some(empresa_envio)) =
            (cod_entidade, ano, id_pacote, empresa_envio)
        else {
            return Err(e);
        };
        let (Some(data_movimento), Some(data_exportacao), Some(usuario_exportacao), true) = (
            data_movimento,
            data_exportacao,
            usuario_exportacao,
            e.is_empty(),
        ) else {
            return Err(e);
        };
        Ok(Pacote {
            cod_entidade,
            ano_exercicio,
            id_pacote,
            empresa_envio,
            data_movimento,
            data_exportacao,
            usuario_exportacao,
            movimentos,
        })
    }
}

pub(super) fn texto(e: &mut Violacoes, campo: &str, valor: Option<String>) -> Option<String> {
    match valor {
        Some(v) if !aparar(&v).is_empty() => Some(v),
        v => {
            e.add(
                campo,
                Regra::Obrigatorio,
                "campo obrigatório não preenchido",
                v.unwrap_or_default(),
            );
            None
        }
    }
}

fn obrigatorio<'a>(
    e: &mut Violacoes,
    campo: impl FnOnce() -> String,
    valor: Option<&'a str>,
) -> Option<&'a str> {
    match valor.map(aparar) {
        Some(v) if !v.is_empty() => Some(v),
        _ => {
            e.add(
                campo(),
                Regra::Obrigatorio,
                "campo obrigatório não preenchido",
                valor.unwrap_or_default(),
            );
            None
        }
    }
}

pub(super) fn data(e: &mut Violacoes, campo: &str, valor: Option<&str>) -> Option<Data> {
    data_em(e, || campo.to_owned(), valor)
}

fn data_em(e: &mut Violacoes, campo: impl Fn() -> String, valor: Option<&str>) -> Option<Data> {
    let t = obrigatorio(e, &campo, valor)?;
    Data::parse_br(t)
        .map_err(|err| e.add(campo(), Regra::DataInvalida, format!("{err}"), t))
        .ok()
}

pub(super) fn ano_exercicio(e: &mut Violacoes, valor: Option<&str>) -> Option<u16> {
    let t = obrigatorio(e, || "anoExercicio".into(), valor)?;
    match t.parse::<u16>() {
        Ok(a) if t.len() == 4 && (ANO_MINIMO..=ANO_MAXIMO).contains(&a) => Some(a),
        _ => {
            let msg = format!("ano do exercício com 4 dígitos, entre {ANO_MINIMO} e {ANO_MAXIMO}");
            e.add("anoExercicio", Regra::ConamAnoExercicio, msg, t);
            None
        }
    }
}

pub(super) fn id_pacote(e: &mut Violacoes, valor: Option<&str>) -> Option<u64> {
    let t = obrigatorio(e, || "idPacote".into(), valor)?;
    match t.parse::<u64>() {
        Ok(n) if n > 0 && t.bytes().all(|b| b.is_ascii_digit()) => Some(n),
        _ => {
            e.add(
                "idPacote",
                Regra::ConamIdPacote,
                "sequencial inteiro positivo que identifica o pacote",
                t,
            );
            None
        }
    }
}

pub(super) fn datas_do_pacote(
    e: &mut Violacoes,
    ano: Option<u16>,
    movimento: Option<Data>,
    exportacao: Option<Data>,
) {
    if let (Some(a), Some(d)) = (ano, movimento)
        && d.ano() != a
    {
        let msg = format!("a data do movimento deve cair no exercício {a}");
        e.add(
            "dataMovimento",
            Regra::ConamForaDoExercicio,
            msg,
            d.to_string(),
        );
    }
    if let (Some(m), Some(x)) = (movimento, exportacao)
        && x < m
    {
        let msg = format!("a exportação não pode ser anterior à data do movimento ({m})");
        e.add(
            "dataExportacao",
            Regra::ConamExportacaoAnterior,
            msg,
            x.to_string(),
        );
    }
}

pub(super) fn movimento(
    e: &mut Violacoes,
    tabela: &Tabela2,
    i: usize,
    m: MovimentoBruto,
) -> Option<Movimento> {
    let v = conferir(e, tabela, i, &m)?;
    // `conferir` refuses a movement without either account, so both are here.
    Some(Movimento {
        valor: v.valor,
        tipo_lancamento: v.tipo_lancamento,
        data_lancamento: v.data_lancamento,
        data_movimento_original: v.data_movimento_original,
        tipo_movimento: v.tipo_movimento,
        codigo_conta: m.codigo_conta?,
        conta_credito: m.conta_credito?,
        historico_lancamento: m.historico_lancamento,
        _folga: [0; super::FOLGA],
    })
}

/// Checks movement `i` against every rule, borrowing its texts: its typed values when it
/// passes (nothing added to `e`), `None` when it does not (its violations added to `e`). The
/// streaming validation keeps the texts to read the next movement into, so a valid movement
/// costs no allocation and no free.
pub(super) fn conferir(
    e: &mut Violacoes,
    tabela: &Tabela2,
    i: usize,
    m: &MovimentoBruto,
) -> Option<Valores> {
    let campo = |chave: &'static str| move || format!("movimentos[{i}].{chave}");
    let antes = e.len();
    let MovimentoBruto {
        tipo_movimento: tipo_txt,
        codigo_conta: conta_txt,
        data_movimento_original: original_txt,
        tipo_lancamento: lancamento_txt,
        conta_credito: credito_txt,
        valor: valor_txt,
        data_lancamento: data_txt,
        historico_lancamento: _,
    } = m;
    let tipo = tipo_movimento(e, i, tipo_txt.as_deref());
    let conta = codigo_conta(e, i, conta_txt.as_deref()).is_some();
    let lancamento = tipo_lancamento(e, tabela, i, tipo, lancamento_txt.as_deref());
    obrigatorio(e, campo("contaCredito"), credito_txt.as_deref());
    let valor = valor(e, i, valor_txt.as_deref());
    let data_lancamento = data_em(e, campo("dataLancamento"), data_txt.as_deref());
    // `Some(None)`: blank; `None`: present but not a date (already reported).
    let original = match original_txt.as_deref().map(aparar) {
        Some(t) if !t.is_empty() => data_em(e, campo("dataMovimentoOriginal"), Some(t)).map(Some),
        _ => Some(None),
    };
    conta.then_some(())?;
    let (tipo_lancamento, linha) = lancamento?;
    let v = Valores {
        tipo_movimento: tipo?,
        data_movimento_original: original?,
        tipo_lancamento,
        valor: valor?,
        data_lancamento: data_lancamento?,
    };
    let codigo_conta = conta_txt.as_deref()?;
    sinal_e_estorno(
        e,
        linha,
        i,
        &v,
        aparar(codigo_conta),
        original_txt.as_deref(),
    );
    if e.len() != antes || credito_txt.is_none() {
        return None;
    }
    Some(v)
}

/// A movement's typed values, checked against each other before its texts move into the
/// [`Movimento`].
pub(super) struct Valores {
    pub(super) tipo_movimento: TipoMovimento,
    pub(super) data_movimento_original: Option<Data>,
    pub(super) tipo_lancamento: CodigoLancamento,
    pub(super) valor: Valor,
    pub(super) data_lancamento: Data,
}

fn tipo_movimento(e: &mut Violacoes, i: usize, valor: Option<&str>) -> Option<TipoMovimento> {
    let t = obrigatorio(e, || format!("movimentos[{i}].tipoMovimento"), valor)?;
    let tipo = TipoMovimento::from_codigo(t);
    if tipo.is_none() {
        let msg = "deve ser B (Banco), R (Receita Orçamentária), E (Receita Extraorçamentária) \
                   ou D (Dívida Ativa) — Tabela 1";
        e.add(
            format!("movimentos[{i}].tipoMovimento"),
            Regra::ConamTipoMovimento,
            msg,
            t,
        );
    }
    tipo
}

fn codigo_conta<'a>(e: &mut Violacoes, i: usize, valor: Option<&'a str>) -> Option<&'a str> {
    let t = obrigatorio(e, || format!("movimentos[{i}].codigoConta"), valor)?;
    if !conta_bem_formada(t) {
        let msg = "conta contábil: dígitos separados por pontos (ex.: 1.1.1.2.50.0.1.0001)";
        e.add(
            format!("movimentos[{i}].codigoConta"),
            Regra::ConamCodigoConta,
            msg,
            t,
        );
        return None;
    }
    Some(t)
}

/// Digits separated by single dots, neither first nor last (`1.1.1.2.50.0.1.0001`), in one
/// pass over the bytes.
pub(super) fn conta_bem_formada(t: &str) -> bool {
    // Starts as if after a dot: a leading dot would open an empty segment.
    let mut apos_ponto = true;
    for &b in t.as_bytes() {
        match b {
            b'0'..=b'9' => apos_ponto = false,
            b'.' if !apos_ponto => apos_ponto = true,
            _ => return false,
        }
    }
    !apos_ponto
}

fn tipo_lancamento<'t>(
    e: &mut Violacoes,
    tabela: &'t Tabela2,
    i: usize,
    tipo: Option<TipoMovimento>,
    valor: Option<&str>,
) -> Option<(CodigoLancamento, Option<&'t TipoLancamento>)> {
    let campo = || format!("movimentos[{i}].tipoLancamento");
    let t = obrigatorio(e, campo, valor)?;
    let codigo = CodigoLancamento::parse(t)
        .map_err(|err| {
            e.add(
                campo(),
                Regra::ConamTipoLancamentoFormato,
                err.to_string(),
                t,
            )
        })
        .ok()?;
    // A bank movement ("XX-XX-XXX" in Table 2) takes any well-formed code.
    if tipo == Some(TipoMovimento::Banco) {
        return Some((codigo, None));
    }
    let Some(linha) = tabela.buscar(codigo) else {
        e.add(
            campo(),
            Regra::ConamTipoLancamentoDesconhecido,
            "código não consta da Tabela 2",
            t,
        );
        return None;
    };
    if let Some(tipo) = tipo.filter(|&tp| tp != linha.tipo_movimento) {
        let msg = format!(
            "na Tabela 2 o código {codigo} ({}) é do tipoMovimento {}, não {}",
            linha.descricao,
            linha.tipo_movimento.codigo(),
            tipo.codigo()
        );
        e.add(campo(), Regra::ConamTipoLancamentoMovimento, msg, t);
        return None;
    }
    Some((codigo, Some(linha)))
}

fn valor(e: &mut Violacoes, i: usize, valor: Option<&str>) -> Option<Valor> {
    let campo = || format!("movimentos[{i}].valor");
    let t = obrigatorio(e, campo, valor)?;
    Valor::parse_json(t)
        .map_err(|err| e.add(campo(), Regra::ValorInvalido, err.to_string(), t))
        .ok()
}

/// The sign (Table 2, or always positive for `B`) and the reversal's original date;
/// `original` is the `dataMovimentoOriginal` text as read, named when it is missing.
fn sinal_e_estorno(
    e: &mut Violacoes,
    linha: Option<&TipoLancamento>,
    i: usize,
    m: &Valores,
    codigo_conta: &str,
    original: Option<&str>,
) {
    let valor_txt = || m.valor.decimal().normalize().to_string();
    if m.tipo_movimento == TipoMovimento::Banco {
        if !m.valor.is_positive() {
            let msg = "movimento bancário (B): valor sempre positivo, a soma do recebido";
            e.add(
                format!("movimentos[{i}].valor"),
                Regra::ConamSinal,
                msg,
                valor_txt(),
            );
        }
        return;
    }
    let Some(linha) = linha else {
        return;
    };
    if !linha.sinal.aceita(m.valor, codigo_conta) {
        let msg = format!(
            "{} ({}): {}",
            m.tipo_lancamento,
            linha.descricao,
            linha.sinal.descricao(codigo_conta)
        );
        e.add(
            format!("movimentos[{i}].valor"),
            Regra::ConamSinal,
            msg,
            valor_txt(),
        );
    }
    if linha.estorno.eh_estorno(m.valor) {
        match m.data_movimento_original {
            None => {
                let msg = format!(
                    "obrigatória em estorno ({} {})",
                    m.tipo_lancamento, linha.descricao
                );
                let campo = format!("movimentos[{i}].dataMovimentoOriginal");
                e.add(
                    campo,
                    Regra::ConamDataOriginalExigida,
                    msg,
                    original.unwrap_or_default(),
                );
            }
            Some(d) if d > m.data_lancamento => {
                let msg = format!(
                    "o movimento original não pode ser posterior ao lançamento ({})",
                    m.data_lancamento
                );
                let campo = format!("movimentos[{i}].dataMovimentoOriginal");
                e.add(campo, Regra::ConamDataOriginalPosterior, msg, d.to_string());
            }
            Some(_) => {}
        }
    }
}

/// Per bank account (`contaCredito`): the sum of the `B` movements and of the cash received.
///
/// A package names a handful of accounts, so they are looked up by a linear scan of a short
/// vector (no hashing); past [`Banco::LINEAR`] accounts a `HashMap` index (std's DoS-resistant
/// hasher: the names come from the file) takes over.
#[derive(Default)]
pub(super) struct Banco {
    /// In order of first appearance, which is the order the violations are reported in.
    contas: Vec<Conta>,
    /// Name → position in `contas`, filled once there are more than [`Banco::LINEAR`].
    indice: HashMap<String, usize>,
}

struct Conta {
    nome: String,
    banco: Valor,
    caixa: Valor,
    primeiro_b: Option<usize>,
    primeiro_caixa: Option<usize>,
}

impl Banco {
    /// How many accounts are scanned linearly before the hash index is built.
    const LINEAR: usize = 16;

    pub(super) fn registrar(&mut self, i: usize, m: &Movimento, tabela: &Tabela2) {
        self.registrar_valores(
            i,
            m.tipo_movimento,
            m.tipo_lancamento,
            m.valor,
            m.conta_credito(),
            tabela,
        );
    }

    /// [`Banco::registrar`] from a movement's values and its `contaCredito` (trimmed), for a
    /// movement checked by [`conferir`] whose texts are kept elsewhere.
    pub(super) fn registrar_valores(
        &mut self,
        i: usize,
        tipo_movimento: TipoMovimento,
        tipo_lancamento: CodigoLancamento,
        valor: Valor,
        conta_credito: &str,
        tabela: &Tabela2,
    ) {
        let eh_banco = tipo_movimento == TipoMovimento::Banco;
        let eh_caixa = !eh_banco && tabela.buscar(tipo_lancamento).is_some_and(|l| l.caixa);
        if !eh_banco && !eh_caixa {
            return;
        }
        let conta = self.conta(conta_credito);
        if eh_banco {
            conta.banco += valor;
            conta.primeiro_b.get_or_insert(i);
        } else {
            conta.caixa += valor;
            conta.primeiro_caixa.get_or_insert(i);
        }
    }

    /// The account named `nome`, added if new.
    fn conta(&mut self, nome: &str) -> &mut Conta {
        let achada = if self.contas.len() <= Banco::LINEAR {
            self.contas.iter().position(|c| c.nome == nome)
        } else {
            self.indice.get(nome).copied()
        };
        let posicao = match achada {
            Some(p) => p,
            None => self.nova(nome),
        };
        &mut self.contas[posicao]
    }

    /// Adds the account `nome` (not yet known) and returns its position.
    fn nova(&mut self, nome: &str) -> usize {
        let posicao = self.contas.len();
        self.contas.push(Conta {
            nome: nome.to_owned(),
            banco: Valor::ZERO,
            caixa: Valor::ZERO,
            primeiro_b: None,
            primeiro_caixa: None,
        });
        if self.contas.len() > Banco::LINEAR {
            if self.indice.is_empty() {
                let todas = self.contas.iter().enumerate();
                self.indice = todas.map(|(k, c)| (c.nome.clone(), k)).collect();
            } else {
                self.indice.insert(nome.to_owned(), posicao);
            }
        }
        posicao
    }

    /// Adds `outro`, the accounts of the movements that follow this one's in the file, as if
    /// they had been registered here: the accounts stay in order of first appearance and the
    /// first movement of each kind is the earliest one.
    pub(super) fn juntar(&mut self, outro: Banco) {
        for c in outro.contas {
            let conta = self.conta(&c.nome);
            conta.banco += c.banco;
            conta.caixa += c.caixa;
            conta.primeiro_b = conta.primeiro_b.or(c.primeiro_b);
            conta.primeiro_caixa = conta.primeiro_caixa.or(c.primeiro_caixa);
        }
    }

    pub(super) fn conferir(&self, e: &mut Violacoes) {
        for c in &self.contas {
            if c.banco == c.caixa {
                continue;
            }
            let nome = &c.nome;
            let (campo, valor) = match (c.primeiro_b, c.primeiro_caixa) {
                (Some(i), _) => (
                    format!("movimentos[{i}].valor"),
                    c.banco.decimal().normalize().to_string(),
                ),
                (None, Some(i)) => (format!("movimentos[{i}].contaCredito"), nome.clone()),
                (None, None) => ("movimentos".to_owned(), nome.clone()),
            };
            let msg = format!(
                "na conta bancária {nome} os movimentos B somam {} mas o recebido em caixa \
                 (regime de caixa 12-xx, arrecadação de lançamento 11-03/11-04 e extraorçamentária \
                 10-01-001) soma {}",
                c.banco, c.caixa
            );
            e.add(campo, Regra::ConamBanco, msg, valor);
        }
    }
}
