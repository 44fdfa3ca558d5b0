//! Reading DARF and DAS guides from a CSV file ([`ler`]); the layout is in the crate
//! documentation.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use guiche_domain::guia::{Guia, NumeroDocumento};

use crate::campos;
use crate::erro::ErroImportacao;
use crate::tabela::{Coletor, Coluna, Linha, Tabela};

const TIPO: usize = 0;
const NUMERO: usize = 1;
const CONTRIBUINTE: usize = 2;
const RECEITA: usize = 3;
const PERIODO: usize = 4;
const VENCIMENTO: usize = 5;
const VALOR: usize = 6;
const BARRAS: usize = 7;

/// The guide layout, in the order of the constants above.
const COLUNAS: [Coluna; 8] = [
    Coluna {
        nome: "tipo",
        apelidos: &["tipo_guia"],
        obrigatoria: true,
    },
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
        nome: "codigo_receita",
        apelidos: &["receita"],
        obrigatoria: false,
    },
    Coluna {
        nome: "periodo",
        apelidos: &["periodo_apuracao", "competencia"],
        obrigatoria: true,
    },
    Coluna {
        nome: "vencimento",
        apelidos: &["data_vencimento"],
        obrigatoria: true,
    },
    Coluna {
        nome: "valor",
        apelidos: &["valor_total"],
        obrigatoria: true,
    },
    Coluna {
        nome: "codigo_barras",
        apelidos: &["linha_digitavel"],
        obrigatoria: false,
    },
];

/// Reads the guides of a CSV file (see the crate documentation for the layout).
///
/// All or nothing: every cell is parsed, every guide is checked with [`Guia::validar`] and
/// numbers are checked to be unique in the file; any problem anywhere returns them all and no
/// guide.
///
/// # Errors
/// [`ErroImportacao`] with every problem, each naming line, column, value and reason.
pub fn ler(bytes: &[u8]) -> Result<Vec<Guia>, ErroImportacao> {
    let mut coletor = Coletor::default();
    let Some(tabela) = Tabela::ler(bytes, &COLUNAS, coletor.problemas()) else {
        return coletor.concluir(Vec::new());
    };
    let mut guias = Vec::new();
    let mut vistos: HashMap<NumeroDocumento, usize> = HashMap::new();
    for linha in tabela.linhas() {
        let Some(guia) = ler_linha(&linha, &mut coletor) else {
            continue;
        };
        match vistos.entry(guia.numero) {
            Entry::Occupied(primeira) => coletor.anotar(
                linha.numero(),
                COLUNAS[NUMERO].nome,
                linha.valor(NUMERO),
                format!(
                    "número do documento repetido: já aparece na linha {}",
                    primeira.get()
                ),
            ),
            Entry::Vacant(v) => {
                v.insert(linha.numero());
            }
        }
        if let Err(violacoes) = guia.validar() {
            for v in violacoes {
                let coluna = coluna_da_violacao(&v.campo);
                let valor = COLUNAS
                    .iter()
                    .position(|c| c.nome == coluna)
                    .map_or(v.valor.as_str(), |i| linha.valor(i));
                coletor.anotar(linha.numero(), coluna, valor, v.mensagem);
            }
        }
        guias.push(guia);
    }
    coletor.concluir(guias)
}

/// The layout column a [`Guia::validar`] field name (Integra Contador's JSON keys) refers to.
fn coluna_da_violacao(campo: &str) -> &str {
    match campo {
        "codigoBarras" => COLUNAS[BARRAS].nome,
        "dataVencimento" => COLUNAS[VENCIMENTO].nome,
        "periodoApuracao" => COLUNAS[PERIODO].nome,
        "numeroDocumento" => COLUNAS[NUMERO].nome,
        "codigoReceita" => COLUNAS[RECEITA].nome,
        outro => outro,
    }
}

/// Parses every cell of one row; `None` when any cell was refused (problems recorded).
fn ler_linha(linha: &Linha<'_>, c: &mut Coletor) -> Option<Guia> {
    let tipo = c.obrigatorio(linha, &COLUNAS, TIPO, campos::tipo);
    let numero = c.obrigatorio(linha, &COLUNAS, NUMERO, campos::numero);
    let contribuinte = c.obrigatorio(linha, &COLUNAS, CONTRIBUINTE, campos::documento);
    let codigo_receita = c.opcional(linha, &COLUNAS, RECEITA, campos::receita);
    let periodo = c.obrigatorio(linha, &COLUNAS, PERIODO, campos::periodo);
    let vencimento = c.obrigatorio(linha, &COLUNAS, VENCIMENTO, campos::data);
    let valor = c.obrigatorio(linha, &COLUNAS, VALOR, campos::valor);
    let codigo_barras = c.opcional(linha, &COLUNAS, BARRAS, campos::barras);
    Some(Guia {
        tipo: tipo?,
        numero: numero?,
        contribuinte: contribuinte?,
        codigo_receita: codigo_receita?,
        periodo: periodo?,
        vencimento: vencimento?,
        valor: valor?,
        codigo_barras: codigo_barras?,
    })
}
