//! Every rule of the CONAM manual and of DESIGN.md's decisions, applied by
//! [`PacoteBruto::validar`].

use super::{
    CodigoLancamento, Movimento, MovimentoBruto, Pacote, PacoteBruto, Tabela2, TipoLancamento,
    TipoMovimento,
};
use crate::{Data, Regra, Valor, Violacoes};
use std::collections::HashMap;

const ANO_MINIMO: u16 = 2000;
const ANO_MAXIMO: u16 = 2100;

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
        let mut movimentos = Vec::with_capacity(total);
        for (i, m) in self.movimentos.into_iter().enumerate() {
            if let Some(m) = movimento(&mut e, tabela, i, m) {
                banco.registrar(i, &m, tabela);
                movimentos.push(m);
            }
        }
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
        Some(v) if !v.trim().is_empty() => Some(v),
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
    match valor.map(str::trim) {
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
    let campo = |chave: &'static str| move || format!("movimentos[{i}].{chave}");
    let antes = e.len();
    let tipo = tipo_movimento(e, i, m.tipo_movimento.as_deref());
    let conta = codigo_conta(e, i, m.codigo_conta.as_deref()).is_some();
    let lancamento = tipo_lancamento(e, tabela, i, tipo, m.tipo_lancamento.as_deref());
    obrigatorio(e, campo("contaCredito"), m.conta_credito.as_deref());
    let valor = valor(e, i, m.valor.as_deref());
    let data_lancamento = data_em(e, campo("dataLancamento"), m.data_lancamento.as_deref());
    // `Some(None)`: blank; `None`: present but not a date (already reported).
    let original = match m.data_movimento_original.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => data_em(e, campo("dataMovimentoOriginal"), Some(t)).map(Some),
        _ => Some(None),
    };
    conta.then_some(())?;
    let mov = Movimento {
        tipo_movimento: tipo?,
        data_movimento_original: original?,
        tipo_lancamento: lancamento?,
        valor: valor?,
        data_lancamento: data_lancamento?,
        bruto: m,
    };
    sinal_e_estorno(e, tabela.buscar(mov.tipo_lancamento), i, &mov);
    (e.len() == antes).then_some(mov)
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
    let ok = t
        .split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
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

fn tipo_lancamento(
    e: &mut Violacoes,
    tabela: &Tabela2,
    i: usize,
    tipo: Option<TipoMovimento>,
    valor: Option<&str>,
) -> Option<CodigoLancamento> {
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
        return Some(codigo);
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
    Some(codigo)
}

fn valor(e: &mut Violacoes, i: usize, valor: Option<&str>) -> Option<Valor> {
    let campo = || format!("movimentos[{i}].valor");
    let t = obrigatorio(e, campo, valor)?;
    Valor::parse_json(t)
        .map_err(|err| e.add(campo(), Regra::ValorInvalido, err.to_string(), t))
        .ok()
}

fn sinal_e_estorno(e: &mut Violacoes, linha: Option<&TipoLancamento>, i: usize, m: &Movimento) {
    let original = m.bruto.data_movimento_original.as_deref();
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
    if !linha.sinal.aceita(m.valor, m.codigo_conta()) {
        let msg = format!(
            "{} ({}): {}",
            m.tipo_lancamento,
            linha.descricao,
            linha.sinal.descricao(m.codigo_conta())
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
#[derive(Default)]
pub(super) struct Banco {
    contas: HashMap<String, Conta>,
    ordem: Vec<String>,
}

#[derive(Default)]
struct Conta {
    banco: Valor,
    caixa: Valor,
    primeiro_b: Option<usize>,
    primeiro_caixa: Option<usize>,
}

impl Banco {
    pub(super) fn registrar(&mut self, i: usize, m: &Movimento, tabela: &Tabela2) {
        let eh_banco = m.tipo_movimento == TipoMovimento::Banco;
        let eh_caixa = !eh_banco && tabela.buscar(m.tipo_lancamento).is_some_and(|l| l.caixa);
        if !eh_banco && !eh_caixa {
            return;
        }
        let nome = m.conta_credito();
        let conta = match self.contas.get_mut(nome) {
            Some(c) => c,
            None => {
                self.ordem.push(nome.to_owned());
                self.contas.entry(nome.to_owned()).or_default()
            }
        };
        if eh_banco {
            conta.banco += m.valor;
            conta.primeiro_b.get_or_insert(i);
        } else {
            conta.caixa += m.valor;
            conta.primeiro_caixa.get_or_insert(i);
        }
    }

    pub(super) fn conferir(&self, e: &mut Violacoes) {
        for nome in &self.ordem {
            let Some(c) = self.contas.get(nome) else {
                continue;
            };
            if c.banco == c.caixa {
                continue;
            }
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
