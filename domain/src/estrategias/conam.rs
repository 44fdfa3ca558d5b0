//! Strategies that generate pacotes passing every CONAM rule, the bank rule included.

use crate::conam::{
    Estorno, MovimentoBruto, PacoteBruto, Sinal, Tabela2, TipoLancamento, conta_dedutora,
};
use crate::{Data, Valor};
use proptest::prelude::*;

const CONTAS_RECEITA: [&str; 3] = [
    "1.1.1.2.50.0.1.0001",
    "1.1.1.2.50.0.2.0001",
    "9.1.1.0.00.0.0.0001",
];
const CONTAS_BANCARIAS: [&str; 3] = ["03349", "1234-5", "00001"];
/// The day every generated movement happens on; reversals point one day back.
const DIA: (u16, u8, u8) = (2022, 7, 1);

fn dia() -> Data {
    Data::new(DIA.0, DIA.1, DIA.2)
        .unwrap_or_else(|_| Data::new(2000, 1, 1).unwrap_or_else(|_| unreachable!()))
}

/// A value of the sign `linha` requires on `conta`, magnitude 0,01 to `max` centavos.
fn com_sinal(linha: &TipoLancamento, conta: &str, centavos: i64, positivo_se_livre: bool) -> Valor {
    let positivo = match linha.sinal {
        Sinal::Positivo => true,
        Sinal::Negativo => false,
        Sinal::Qualquer => positivo_se_livre,
        Sinal::PositivoOuNegativoSeDedutora => !conta_dedutora(conta),
        Sinal::NegativoOuPositivoSeDedutora => conta_dedutora(conta),
    };
    Valor::from_centavos(if positivo { centavos } else { -centavos })
}

fn bruto(linha: &TipoLancamento, conta: &str, banco: &str, valor: Valor) -> MovimentoBruto {
    let original = if linha.estorno.eh_estorno(valor) || linha.estorno == Estorno::Sim {
        dia()
            .mais_dias(-1)
            .map(|d| d.to_string())
            .unwrap_or_default()
    } else {
        String::new()
    };
    let conta = match linha.tipo_movimento.codigo() {
        'E' => "6.1.03",
        _ => conta,
    };
    MovimentoBruto {
        tipo_movimento: Some(linha.tipo_movimento.codigo().to_string()),
        codigo_conta: Some(conta.to_owned()),
        data_movimento_original: Some(original),
        tipo_lancamento: Some(linha.codigo.to_string()),
        conta_credito: Some(banco.to_owned()),
        valor: Some(valor.decimal().normalize().to_string()),
        data_lancamento: Some(dia().to_string()),
        historico_lancamento: Some("gerado".into()),
    }
}

/// One movement of any Table 2 code, with its sign and reversal date right. Cash movements are
/// kept small (at most R$ 100,00) so that an account's opening receipt keeps its total positive.
fn movimento() -> impl Strategy<Value = (usize, MovimentoBruto, bool)> {
    let linhas: Vec<&'static TipoLancamento> = Tabela2::oficial().linhas().iter().collect();
    (
        prop::sample::select(linhas),
        prop::sample::select(CONTAS_RECEITA.to_vec()),
        0..CONTAS_BANCARIAS.len(),
        1i64..=10_000,
        any::<bool>(),
    )
        .prop_map(|(linha, conta, banco, centavos, livre)| {
            let valor = com_sinal(linha, conta, centavos, livre);
            (
                banco,
                bruto(linha, conta, CONTAS_BANCARIAS[banco], valor),
                linha.caixa,
            )
        })
}

/// A pacote that passes every rule: for each bank account an opening receipt (`12-01-000` on
/// IPTU, R$ 1.000,00 or more), up to `n` movements of any code, and one `B` movement per
/// account carrying exactly the cash received on it.
pub fn pacote_valido(n: usize) -> impl Strategy<Value = PacoteBruto> {
    (
        prop::collection::vec(movimento(), 0..=n),
        100_000i64..10_000_000,
    )
        .prop_map(|(movs, abertura)| {
            let mut p = PacoteBruto {
                cod_entidade: Some("1".into()),
                ano_exercicio: Some(DIA.0.to_string()),
                id_pacote: Some("1".into()),
                empresa_envio: Some("CONAM".into()),
                data_movimento: Some(dia().to_string()),
                data_exportacao: Some(dia().to_string()),
                usuario_exportacao: Some("conam@conam.com.br".into()),
                movimentos: Vec::new(),
            };
            let Some(arrecadacao) = Tabela2::oficial()
                .linhas()
                .iter()
                .find(|l| l.codigo.to_string() == "12-01-000")
            else {
                return p;
            };
            let mut caixa = [Valor::from_centavos(abertura); CONTAS_BANCARIAS.len()];
            for banco in CONTAS_BANCARIAS {
                let valor = Valor::from_centavos(abertura);
                p.movimentos
                    .push(bruto(arrecadacao, CONTAS_RECEITA[0], banco, valor));
            }
            for (banco, m, eh_caixa) in movs {
                if eh_caixa {
                    caixa[banco] += m
                        .valor
                        .as_deref()
                        .and_then(|v| Valor::parse_json(v).ok())
                        .unwrap_or_default();
                }
                p.movimentos.push(m);
            }
            for (banco, total) in CONTAS_BANCARIAS.iter().zip(caixa) {
                p.movimentos.push(MovimentoBruto {
                    tipo_movimento: Some("B".into()),
                    codigo_conta: Some("1.1.1.1.1".into()),
                    tipo_lancamento: Some("12-01-000".into()),
                    conta_credito: Some((*banco).to_owned()),
                    valor: Some(total.decimal().normalize().to_string()),
                    data_lancamento: Some(dia().to_string()),
                    ..MovimentoBruto::default()
                });
            }
            p
        })
}
