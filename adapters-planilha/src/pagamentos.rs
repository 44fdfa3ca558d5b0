//! Reading payments from a CSV file ([`ler`]), for companies whose payments cannot be fetched
//! automatically (A3 certificate); the layout is in the crate documentation.

use guiche_domain::conciliacao::Pagamento;

use crate::campos;
use crate::erro::ErroImportacao;
use crate::tabela::{Coletor, Coluna, Linha, Tabela};

const NUMERO: usize = 0;
const CONTRIBUINTE: usize = 1;
const DATA: usize = 2;
const VALOR: usize = 3;
const RECEITA: usize = 4;

/// The payment layout, in the order of the constants above.
const COLUNAS: [Coluna; 5] = [
    Coluna {
        nome: "numero_documento",
        apelidos: &["numero"],
        obrigatoria: true,
    },
    Coluna {
        nome: "contribuinte",
        apelidos: &["cpf_cnpj", "cnpj_cpf", "cnpj", "cpf"],
        obrigatoria: true,
    },
    Coluna {
        nome: "data_arrecadacao",
        apelidos: &["data_pagamento"],
        obrigatoria: true,
    },
    Coluna {
        nome: "valor",
        apelidos: &["valor_total", "valor_pago"],
        obrigatoria: true,
    },
    Coluna {
        nome: "codigo_receita",
        apelidos: &["receita"],
        obrigatoria: false,
    },
];

/// Reads the payments of a CSV file (see the crate documentation for the layout).
///
/// All or nothing: any problem anywhere returns them all and no payment. Several payments of
/// one number (installments) are accepted, and so are two identical lines (same number,
/// contribuinte, date and value): each line is a payment, so they are a real double payment,
/// which the ledger keeps apart by their order in the file
/// ([`guiche_domain::conciliacao::ordinais`]).
///
/// # Errors
/// [`ErroImportacao`] with every problem, each naming line, column, value and reason.
pub fn ler(bytes: &[u8]) -> Result<Vec<Pagamento>, ErroImportacao> {
    let mut coletor = Coletor::default();
    let Some(tabela) = Tabela::ler(bytes, &COLUNAS, coletor.problemas()) else {
        return coletor.concluir(Vec::new());
    };
    let mut pagamentos = Vec::new();
    for linha in tabela.linhas() {
        if let Some(p) = ler_linha(&linha, &mut coletor) {
            pagamentos.push(p);
        }
    }
    coletor.concluir(pagamentos)
}

/// Parses every cell of one row; `None` when any cell was refused (problems recorded).
fn ler_linha(linha: &Linha<'_>, c: &mut Coletor) -> Option<Pagamento> {
    let numero = c.obrigatorio(linha, &COLUNAS, NUMERO, campos::numero);
    let contribuinte = c.obrigatorio(linha, &COLUNAS, CONTRIBUINTE, campos::documento);
    let data = c.obrigatorio(linha, &COLUNAS, DATA, campos::data);
    let valor = c.obrigatorio(linha, &COLUNAS, VALOR, |t| {
        campos::valor(t).and_then(|v| {
            if v.is_positive() {
                Ok(v)
            } else {
                Err("o valor pago deve ser maior que zero".into())
            }
        })
    });
    let receita = c.opcional(linha, &COLUNAS, RECEITA, campos::receita);
    Some(Pagamento {
        numero: numero?,
        data_arrecadacao: data?,
        valor_total: valor?,
        codigo_receita: receita?,
        contribuinte: contribuinte?,
    })
}
