//! A CSV file read against a layout: the header row located, its columns matched to the
//! layout's (by normalised name, any order, extra columns ignored), and each data row made
//! available by layout column. Cell values are then parsed by [`crate::guias`] and
//! [`crate::pagamentos`], which collect every problem through [`Coletor`].

use crate::erro::{ErroImportacao, Problema};
use crate::texto::{self, Registro};

/// A column of a layout.
pub(crate) struct Coluna {
    /// The documented name (`numero_documento`), as problems name it.
    pub(crate) nome: &'static str,
    /// Other accepted names, already normalised (see [`texto::normalizar_nome`]).
    pub(crate) apelidos: &'static [&'static str],
    /// Whether the header must have it (an optional column may be absent or blank).
    pub(crate) obrigatoria: bool,
}

/// The data rows of a file, with the position of each layout column in them.
pub(crate) struct Tabela {
    /// For each layout column, its position in the file (`None` when an optional column is
    /// absent).
    posicoes: Vec<Option<usize>>,
    /// The data rows (blank rows dropped).
    registros: Vec<Registro>,
}

/// One data row seen through the layout.
pub(crate) struct Linha<'a> {
    registro: &'a Registro,
    posicoes: &'a [Option<usize>],
}

impl Linha<'_> {
    /// The line of the file.
    pub(crate) fn numero(&self) -> usize {
        self.registro.linha
    }

    /// The trimmed value of layout column `coluna`; empty when absent or blank.
    pub(crate) fn valor(&self, coluna: usize) -> &str {
        self.posicoes
            .get(coluna)
            .copied()
            .flatten()
            .and_then(|p| self.registro.campos.get(p))
            .map_or("", |c| c.trim())
    }
}

impl Tabela {
    /// Decodes `bytes`, finds the header (the first non-blank row) and matches it to
    /// `colunas`. Rows with more non-blank fields than the header are reported, as are
    /// missing or repeated columns; a file whose header cannot be used yields only the
    /// header's problems.
    pub(crate) fn ler(
        bytes: &[u8],
        colunas: &[Coluna],
        problemas: &mut Vec<Problema>,
    ) -> Option<Tabela> {
        let texto = texto::decodificar(bytes);
        let mut registros = match texto::registros(&texto) {
            Ok(r) => r,
            Err(p) => {
                problemas.push(p);
                return None;
            }
        };
        registros.retain(|r| !r.em_branco());
        if registros.is_empty() {
            problemas.push(Problema::linha(
                1,
                "arquivo vazio: falta a linha de cabeçalho com os nomes das colunas",
            ));
            return None;
        }
        let cabecalho = registros.remove(0);
        let posicoes = casar_cabecalho(&cabecalho, colunas, problemas)?;
        let largura = cabecalho.campos.len();
        for r in &registros {
            let sobra = r.campos.iter().skip(largura).any(|c| !c.trim().is_empty());
            if sobra {
                problemas.push(Problema::linha(
                    r.linha,
                    format!(
                        "a linha tem {} campos, mas o cabeçalho tem {largura} colunas; um valor \
                         com ';' precisa estar entre aspas",
                        r.campos.len()
                    ),
                ));
            }
        }
        Some(Tabela {
            posicoes,
            registros,
        })
    }

    /// The data rows.
    pub(crate) fn linhas(&self) -> impl Iterator<Item = Linha<'_>> {
        self.registros.iter().map(|registro| Linha {
            registro,
            posicoes: &self.posicoes,
        })
    }
}

/// Finds each layout column in the header; reports missing required columns and repeated
/// ones. `None` when the header cannot be used.
fn casar_cabecalho(
    cabecalho: &Registro,
    colunas: &[Coluna],
    problemas: &mut Vec<Problema>,
) -> Option<Vec<Option<usize>>> {
    let linha = cabecalho.linha;
    if let [unico] = cabecalho.campos.as_slice()
        && let Some(sep) = [',', '\t'].into_iter().find(|s| unico.contains(*s))
    {
        let nome = if sep == ',' {
            "vírgula"
        } else {
            "tabulação"
        };
        problemas.push(Problema::linha(
            linha,
            format!(
                "o separador de colunas deve ser ';' (ponto e vírgula), mas o cabeçalho parece \
                 usar {nome}"
            ),
        ));
        return None;
    }
    let nomes: Vec<String> = cabecalho
        .campos
        .iter()
        .map(|c| texto::normalizar_nome(c))
        .collect();
    let antes = problemas.len();
    let mut posicoes = Vec::with_capacity(colunas.len());
    for coluna in colunas {
        let aceita = |n: &String| n == coluna.nome || coluna.apelidos.contains(&n.as_str());
        let achadas: Vec<usize> = nomes
            .iter()
            .enumerate()
            .filter(|(_, n)| aceita(n))
            .map(|(i, _)| i)
            .collect();
        match achadas.as_slice() {
            [] if coluna.obrigatoria => problemas.push(Problema::celula(
                linha,
                coluna.nome,
                "",
                "coluna obrigatória ausente no cabeçalho",
            )),
            [] => {}
            [_] => {}
            [primeira, outras @ ..] => {
                for &i in outras {
                    problemas.push(Problema::celula(
                        linha,
                        coluna.nome,
                        &cabecalho.campos[i],
                        format!(
                            "coluna repetida no cabeçalho (posições {} e {})",
                            primeira + 1,
                            i + 1
                        ),
                    ));
                }
            }
        }
        posicoes.push(achadas.first().copied());
    }
    (problemas.len() == antes).then_some(posicoes)
}

/// Collects the problems of a file while its cells are parsed.
#[derive(Default)]
pub(crate) struct Coletor {
    problemas: Vec<Problema>,
}

impl Coletor {
    /// The problems collected so far, for [`Tabela::ler`].
    pub(crate) fn problemas(&mut self) -> &mut Vec<Problema> {
        &mut self.problemas
    }

    /// Records a problem in one cell.
    pub(crate) fn anotar(&mut self, linha: usize, coluna: &str, valor: &str, motivo: String) {
        self.problemas
            .push(Problema::celula(linha, coluna, valor, motivo));
    }

    /// Parses a required cell; a blank one is a problem.
    pub(crate) fn obrigatorio<T>(
        &mut self,
        linha: &Linha<'_>,
        colunas: &[Coluna],
        coluna: usize,
        ler: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let valor = linha.valor(coluna);
        let nome = colunas[coluna].nome;
        if valor.is_empty() {
            self.anotar(linha.numero(), nome, "", "campo obrigatório vazio".into());
            return None;
        }
        ler(valor)
            .map_err(|motivo| self.anotar(linha.numero(), nome, valor, motivo))
            .ok()
    }

    /// Parses an optional cell: blank is `Some(None)`, a problem is `None`.
    pub(crate) fn opcional<T>(
        &mut self,
        linha: &Linha<'_>,
        colunas: &[Coluna],
        coluna: usize,
        ler: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        let valor = linha.valor(coluna);
        if valor.is_empty() {
            return Some(None);
        }
        match ler(valor) {
            Ok(v) => Some(Some(v)),
            Err(motivo) => {
                self.anotar(linha.numero(), colunas[coluna].nome, valor, motivo);
                None
            }
        }
    }

    /// `Ok(valor)` when nothing was collected; otherwise every problem, by line (in the order
    /// found within a line).
    pub(crate) fn concluir<T>(self, valor: T) -> Result<T, ErroImportacao> {
        let mut problemas = self.problemas;
        if problemas.is_empty() {
            return Ok(valor);
        }
        problemas.sort_by_key(|p| p.linha);
        Err(ErroImportacao { problemas })
    }
}
