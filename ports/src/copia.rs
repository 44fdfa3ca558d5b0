//! Copying a whole ledger from one engine to another (`guiche livro migrar`): the tables and
//! columns every engine holds at the same schema version, and a cell as it travels.
//!
//! The engines keep the same representation (money in centavos, dates as ISO text, instants as
//! unix seconds), so a row copies cell by cell; only a few types differ by engine (a flag is a
//! SQLite `INTEGER` 0/1 and a PostgreSQL `boolean`; a guide's recording order is SQLite's
//! `rowid` and PostgreSQL's `ordem`), which each engine maps on its side.

/// One cell of a row, as it travels between engines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Celula {
    /// `NULL`.
    Nulo,
    /// An integer (also a flag: 0 or 1).
    Inteiro(i64),
    /// Text.
    Texto(String),
    /// Bytes (a stored HTTP answer's body).
    Bytes(Vec<u8>),
}

/// A row of [`TABELAS`]`[tabela]`, its cells in the order of the table's columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinhaCopiada {
    /// The index of its table in [`TABELAS`].
    pub tabela: usize,
    /// Its cells.
    pub celulas: Vec<Celula>,
}

/// The tables of a ledger at schema version 15 and the columns a copy carries, in the order
/// they are copied (a table before the ones that may refer to it). `guias.ordem` is the order
/// the guides were recorded in (SQLite's `rowid`).
pub const TABELAS: &[(&str, &[&str])] = &[
    (
        "notas",
        &[
            "id",
            "prestador",
            "prefeitura",
            "numero",
            "data",
            "conteudo",
            "documento",
            "estado",
            "codigo",
            "mensagem",
            "criado_em",
            "atualizado_em",
            "decidido_por",
            "decidido_em",
        ],
    ),
    (
        "pacotes",
        &[
            "servico",
            "id_pacote",
            "entidade",
            "documento",
            "situacao",
            "codigo",
            "mensagem",
            "envios",
            "criado_em",
            "atualizado_em",
        ],
    ),
    (
        "bilhetagem",
        &[
            "contratante",
            "servico",
            "janela",
            "chamadas",
            "atualizado_em",
        ],
    ),
    (
        "empresas",
        &[
            "cnpj",
            "nome",
            "ecac_desde",
            "acesso",
            "certificado_procurador",
            "sincronizado_ate",
            "criado_em",
            "atualizado_em",
        ],
    ),
    (
        "guias",
        &[
            "ordem",
            "numero",
            "tipo",
            "contribuinte",
            "codigo_receita",
            "periodo",
            "vencimento",
            "valor",
            "codigo_barras",
            "origem",
            "registrada_em",
            "baixada_em",
        ],
    ),
    (
        "pagamentos",
        &[
            "id",
            "contribuinte",
            "numero",
            "data_arrecadacao",
            "valor",
            "codigo_receita",
            "ordinal",
            "registrado_em",
        ],
    ),
    (
        "ocorrencias",
        &[
            "id",
            "chave",
            "contribuinte",
            "numero",
            "codigo",
            "descricao",
            "valor_guia",
            "valor_pago",
            "vencimento",
            "pago_em",
            "dias_atraso",
            "paga",
            "registrada_em",
            "criado_em",
        ],
    ),
    (
        "tokens",
        &["id", "nome", "papel", "hash", "criado_em", "revogado_em"],
    ),
    ("rodadas", &["id", "tipo", "criada_em", "encerrada_em"]),
    (
        "trabalhos",
        &[
            "rodada",
            "chave",
            "estado",
            "trabalhador",
            "prazo",
            "tentativas",
            "resultado",
            "atualizado_em",
        ],
    ),
    (
        "idempotencia",
        &[
            "escopo",
            "chave",
            "impressao",
            "estado",
            "status",
            "tipo",
            "corpo",
            "criado_em",
            "atualizado_em",
        ],
    ),
    (
        "usuarios",
        &[
            "login",
            "papel",
            "hash",
            "falhas",
            "bloqueado_ate",
            "criado_em",
            "desativado_em",
        ],
    ),
    (
        "sessoes",
        &[
            "hash",
            "login",
            "csrf",
            "criada_em",
            "expira_em",
            "visto_em",
        ],
    ),
    (
        "chamadas_serpro",
        &[
            "id",
            "instante",
            "contratante",
            "servico",
            "janela",
            "etiqueta",
            "status",
            "bilhetada",
        ],
    ),
    (
        "cnds",
        &[
            "cnpj",
            "situacao",
            "motivo",
            "validade",
            "consultada_em",
            "atualizado_em",
        ],
    ),
    (
        "caixa_postal",
        &[
            "cnpj",
            "isn",
            "assunto",
            "enviada_em",
            "lida",
            "prazo",
            "registrada_em",
        ],
    ),
    (
        "caixa_postal_leituras",
        &["cnpj", "lida_em", "atualizado_em"],
    ),
];

/// What a copy found on one side, to compare the two: rows per table (in [`TABELAS`]' order)
/// and every nota's `(id, numero, estado)` by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conferencia {
    /// Rows per table, in the order of [`TABELAS`].
    pub linhas: Vec<u64>,
    /// Every nota's id, number and state's name, by id.
    pub notas: Vec<(i64, i64, String)>,
}

impl Conferencia {
    /// Where `destino` differs from `self` (the source), in Portuguese, or nothing.
    pub fn diferencas(&self, destino: &Conferencia) -> Vec<String> {
        let mut d = Vec::new();
        for (i, (tabela, _)) in TABELAS.iter().enumerate() {
            let (a, b) = (self.linhas.get(i), destino.linhas.get(i));
            if a != b {
                d.push(format!(
                    "tabela {tabela}: {} linha(s) na origem, {} no destino",
                    a.copied().unwrap_or(0),
                    b.copied().unwrap_or(0)
                ));
            }
        }
        if self.notas.len() == destino.notas.len() {
            for (a, b) in self.notas.iter().zip(&destino.notas) {
                if a != b {
                    d.push(format!(
                        "nota do registro {}: nº {} {} na origem, registro {} nº {} {} no destino",
                        a.0, a.1, a.2, b.0, b.1, b.2
                    ));
                }
            }
        }
        d
    }
}

/// Where each row of a copy goes: called once per row, in order.
pub type Enviar<'a> = dyn FnMut(LinhaCopiada) -> Result<(), crate::livro::ErroLivro> + 'a;

/// A ledger a copy reads from (`guiche-store`).
pub trait OrigemCopia: Send + Sync {
    /// Hands every row of every table of [`TABELAS`] to `enviar`, in that order, as one
    /// consistent picture (no other process writes meanwhile), and returns what it read.
    ///
    /// # Errors
    /// [`crate::livro::ErroLivro::Armazenamento`], or `enviar`'s error as is.
    fn exportar(&self, enviar: &mut Enviar<'_>) -> Result<Conferencia, crate::livro::ErroLivro>;

    /// Where it is, for messages.
    fn local(&self) -> &str;
}

/// A ledger a copy writes to (`guiche-postgres`): empty, written in one transaction that
/// commits only if it matches the source.
pub trait DestinoCopia: Send + Sync {
    /// Copies everything `origem` holds into this ledger, which must be empty, and returns
    /// what it holds afterwards (equal to what `origem` read).
    ///
    /// # Errors
    /// [`crate::livro::ErroLivro::Armazenamento`] naming the table already with rows, a cell
    /// it cannot hold or the differences found (nothing written then); `origem`'s error.
    fn importar(&self, origem: &dyn OrigemCopia) -> Result<Conferencia, crate::livro::ErroLivro>;

    /// Where it is, for messages (never a password).
    fn local(&self) -> &str;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_sides_have_no_difference() {
        let c = Conferencia {
            linhas: vec![2; TABELAS.len()],
            notas: vec![(1, 1, "aceita".into()), (2, 2, "enviada".into())],
        };
        assert!(c.diferencas(&c.clone()).is_empty());
    }

    #[test]
    fn a_missing_row_and_a_changed_state_are_named() {
        let origem = Conferencia {
            linhas: vec![1; TABELAS.len()],
            notas: vec![(1, 1, "aceita".into())],
        };
        let mut destino = origem.clone();
        destino.linhas[1] = 0;
        destino.notas[0].2 = "enviada".into();
        let d = origem.diferencas(&destino);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].contains("tabela pacotes: 1 linha(s) na origem, 0 no destino"));
        assert!(d[1].contains("aceita na origem") && d[1].contains("enviada no destino"));
    }

    #[test]
    fn every_table_is_named_once() {
        let mut nomes: Vec<_> = TABELAS.iter().map(|(t, _)| *t).collect();
        nomes.sort_unstable();
        nomes.dedup();
        assert_eq!(nomes.len(), TABELAS.len());
    }
}
