//! The CONAM pacote JSON, exactly as the manual shows it.
//!
//! Reading is tolerant where the manual is loose (`anoExercicio` and `idPacote` as string or
//! number, `valor` as number or numeric string) and strict about shape: unknown keys, wrong
//! types and missing lists are violations naming the JSON path. Numbers are read from their
//! exact text (serde_json `arbitrary_precision`): money never passes through `f64`.

use crate::conam::{MovimentoBruto, Pacote, PacoteBruto};
use crate::{Regra, Violacoes};
use serde_json::{Map, Number, Value};

const CHAVES_PACOTE: [&str; 8] = [
    "codEntidade",
    "anoExercicio",
    "idPacote",
    "empresaEnvio",
    "dataMovimento",
    "dataExportacao",
    "usuarioExportacao",
    "movimentos",
];

const CHAVES_MOVIMENTO: [&str; 8] = [
    "tipoMovimento",
    "codigoConta",
    "dataMovimentoOriginal",
    "tipoLancamento",
    "contaCredito",
    "valor",
    "dataLancamento",
    "historicoLancamento",
];

impl PacoteBruto {
    /// Reads the manual's pacote JSON.
    ///
    /// # Errors
    /// [`Violacoes`] for malformed JSON, a non-object, unknown keys and mistyped values, each
    /// naming its JSON path (`movimentos[2].valor`).
    pub fn de_json(json: &str) -> Result<PacoteBruto, Violacoes> {
        let mut e = Violacoes::default();
        let raiz: Value = match serde_json::from_str(json) {
            Ok(v) => v,
            Err(err) => {
                e.add(
                    "$",
                    Regra::JsonInvalido,
                    format!("JSON malformado: {err}"),
                    "",
                );
                return Err(e);
            }
        };
        let Value::Object(mut obj) = raiz else {
            e.add("$", Regra::RaizInvalida, "o pacote é um objeto JSON", "");
            return Err(e);
        };
        desconhecidas(&mut e, "", &obj, &CHAVES_PACOTE);
        let mut p = PacoteBruto {
            cod_entidade: campo(&mut e, "codEntidade", obj.remove("codEntidade")),
            ano_exercicio: campo(&mut e, "anoExercicio", obj.remove("anoExercicio")),
            id_pacote: campo(&mut e, "idPacote", obj.remove("idPacote")),
            empresa_envio: campo(&mut e, "empresaEnvio", obj.remove("empresaEnvio")),
            data_movimento: campo(&mut e, "dataMovimento", obj.remove("dataMovimento")),
            data_exportacao: campo(&mut e, "dataExportacao", obj.remove("dataExportacao")),
            usuario_exportacao: campo(&mut e, "usuarioExportacao", obj.remove("usuarioExportacao")),
            movimentos: Vec::new(),
        };
        match obj.remove("movimentos") {
            Some(Value::Array(lista)) => {
                p.movimentos.reserve(lista.len());
                for (i, m) in lista.into_iter().enumerate() {
                    if let Some(m) = movimento(&mut e, i, m) {
                        p.movimentos.push(m);
                    }
                }
            }
            None | Some(Value::Null) => {
                e.add(
                    "movimentos",
                    Regra::CampoAusente,
                    "a lista de movimentos é obrigatória",
                    "",
                );
            }
            Some(outro) => e.add(
                "movimentos",
                Regra::TipoInvalido,
                "esperava uma lista",
                resumo(&outro),
            ),
        }
        e.ou(p)
    }
}

fn movimento(e: &mut Violacoes, i: usize, v: Value) -> Option<MovimentoBruto> {
    let Value::Object(mut m) = v else {
        e.add(
            format!("movimentos[{i}]"),
            Regra::TipoInvalido,
            "cada movimento é um objeto",
            resumo(&v),
        );
        return None;
    };
    desconhecidas(e, &format!("movimentos[{i}]."), &m, &CHAVES_MOVIMENTO);
    let mut c = |chave: &str| campo(e, &format!("movimentos[{i}].{chave}"), m.remove(chave));
    Some(MovimentoBruto {
        tipo_movimento: c("tipoMovimento"),
        codigo_conta: c("codigoConta"),
        data_movimento_original: c("dataMovimentoOriginal"),
        tipo_lancamento: c("tipoLancamento"),
        conta_credito: c("contaCredito"),
        valor: c("valor"),
        data_lancamento: c("dataLancamento"),
        historico_lancamento: c("historicoLancamento"),
    })
}

fn desconhecidas(e: &mut Violacoes, prefixo: &str, obj: &Map<String, Value>, conhecidas: &[&str]) {
    for chave in obj.keys().filter(|k| !conhecidas.contains(&k.as_str())) {
        e.add(
            format!("{prefixo}{chave}"),
            Regra::CampoDesconhecido,
            "chave que não existe no leiaute do pacote",
            "",
        );
    }
}

/// A scalar as text: strings verbatim, numbers by their exact JSON text, `null` as absent.
fn campo(e: &mut Violacoes, caminho: &str, v: Option<Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => None,
        outro => {
            e.add(
                caminho,
                Regra::TipoInvalido,
                "esperava texto ou número",
                resumo(&outro),
            );
            None
        }
    }
}

fn resumo(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

impl Pacote {
    /// Writes the pacote JSON as the manual's example shows it: `anoExercicio`, `idPacote` and
    /// `valor` as JSON numbers (exact), dates `DD/MM/AAAA`, a blank `dataMovimentoOriginal` as
    /// `""`.
    pub fn para_json(&self) -> String {
        let movimentos: Vec<Value> = self.movimentos().iter().map(movimento_json).collect();
        let mut o = Map::new();
        o.insert("codEntidade".into(), self.cod_entidade().into());
        o.insert("anoExercicio".into(), self.ano_exercicio().into());
        o.insert("idPacote".into(), self.id_pacote().into());
        o.insert("empresaEnvio".into(), self.empresa_envio().into());
        o.insert(
            "dataMovimento".into(),
            self.data_movimento().to_string().into(),
        );
        o.insert(
            "dataExportacao".into(),
            self.data_exportacao().to_string().into(),
        );
        o.insert("usuarioExportacao".into(), self.usuario_exportacao().into());
        o.insert("movimentos".into(), Value::Array(movimentos));
        Value::Object(o).to_string()
    }
}

fn movimento_json(m: &crate::conam::Movimento) -> Value {
    let valor = m.valor().decimal().normalize().to_string();
    let numero = valor
        .parse::<Number>()
        .map_or(Value::String(valor), Value::Number);
    let mut o = Map::new();
    o.insert(
        "tipoMovimento".into(),
        m.tipo_movimento().codigo().to_string().into(),
    );
    o.insert("codigoConta".into(), m.codigo_conta().into());
    let original = m
        .data_movimento_original()
        .map(|d| d.to_string())
        .unwrap_or_default();
    o.insert("dataMovimentoOriginal".into(), original.into());
    o.insert(
        "tipoLancamento".into(),
        m.tipo_lancamento().to_string().into(),
    );
    o.insert("contaCredito".into(), m.conta_credito().into());
    o.insert("valor".into(), numero);
    o.insert(
        "dataLancamento".into(),
        m.data_lancamento().to_string().into(),
    );
    o.insert(
        "historicoLancamento".into(),
        m.historico_lancamento().into(),
    );
    Value::Object(o)
}
