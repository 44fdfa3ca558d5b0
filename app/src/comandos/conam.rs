//! `guiche conam …`

use crate::entrada;
use crate::erro::{Codigo, ErroApp};
use crate::saida::{self, Documento, InvalidoEmFluxo};
use guiche_aplicacao::conam::validacao;
use guiche_domain::conam::{PacoteBruto, Parte, Tabela2};
use guiche_domain::{Violacao, Violacoes};
use std::io::{BufWriter, StdoutLock};
use std::path::Path;

/// How many violations `conam validate` holds to print them in order (the pacote's own
/// first); past that it prints them as they are found, so memory stays constant.
const EM_ORDEM: usize = 10_000;

/// `guiche conam validate FILE [--tabela2 FILE]`: the file is read in order and each movement
/// validated as it is read (`guiche_aplicacao::conam::validacao::validar_em_fluxo`), so memory
/// does not grow with it; this module only decides how the violations are printed.
pub(crate) fn validar(
    arquivo: &Path,
    tabela2: Option<&Path>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let tabela = tabela_2(tabela2)?;
    let leitor = entrada::abrir(arquivo)?;
    let nome = arquivo.display().to_string();
    let doc = Documento {
        arquivo: &nome,
        tipo: "pacote",
        feminino: false,
    };
    let mut relato = Relato::EmOrdem(Vec::new());
    let mut falha_de_escrita = None;
    let resumo = validacao::validar_em_fluxo(leitor, &tabela, |parte, v| {
        if let Err(e) = relato.violacao(&doc, json, parte, v) {
            falha_de_escrita.get_or_insert(e);
        }
    });
    if let Some(e) = falha_de_escrita {
        return Err(saida_interrompida(e));
    }
    match (resumo, relato) {
        (Some(r), Relato::EmOrdem(v)) if v.is_empty() => {
            let resumo = serde_json::to_value(&r).unwrap_or_default();
            saida::valido(&doc, &r.frase, resumo, json);
            Ok(Codigo::Ok)
        }
        (_, Relato::EmOrdem(v)) => {
            saida::invalido(&doc, &validacao::em_ordem(v), json);
            Ok(Codigo::Rejeitado)
        }
        (_, Relato::Fluindo(f)) => {
            f.concluir().map_err(saida_interrompida)?;
            Ok(Codigo::Rejeitado)
        }
    }
}

/// The violations of `conam validate` as they come: held in order up to [`EM_ORDEM`], then
/// printed as found.
enum Relato<'a> {
    EmOrdem(Vec<(Parte, Violacao)>),
    Fluindo(InvalidoEmFluxo<'a, BufWriter<StdoutLock<'static>>>),
}

impl<'a> Relato<'a> {
    fn violacao(
        &mut self,
        doc: &'a Documento<'a>,
        json: bool,
        parte: Parte,
        v: Violacao,
    ) -> std::io::Result<()> {
        match self {
            Relato::EmOrdem(lista) if lista.len() < EM_ORDEM => {
                lista.push((parte, v));
                Ok(())
            }
            Relato::EmOrdem(lista) => {
                let saida = BufWriter::new(std::io::stdout().lock());
                let mut f = InvalidoEmFluxo::iniciar(doc, lista.len(), json, saida)?;
                lista.sort_by_key(|(parte, _)| *parte);
                for (_, x) in lista.drain(..) {
                    f.violacao(&x)?;
                }
                f.violacao(&v)?;
                *self = Relato::Fluindo(f);
                Ok(())
            }
            Relato::Fluindo(f) => f.violacao(&v),
        }
    }
}

fn saida_interrompida(e: std::io::Error) -> ErroApp {
    ErroApp::Arquivo {
        caminho: "a saída padrão".into(),
        motivo: e.to_string(),
    }
}

/// Table 2: the file of `--tabela2`, else that of `GUICHE_CONAM_TABELA2`, else the manual's.
pub(crate) fn tabela_2(arquivo: Option<&Path>) -> Result<Tabela2, ErroApp> {
    match arquivo {
        Some(p) => validacao::tabela_2(Some(&entrada::ler(p)?))
            .map_err(|e| ErroApp::Uso(format!("{}: {e}", p.display()))),
        None => crate::composicao::tabela_2_conam(),
    }
}

/// Reads a pacote (JSON only).
pub(crate) fn ler_pacote(texto: &str) -> Result<PacoteBruto, Violacoes> {
    entrada::formato(texto)?;
    PacoteBruto::de_json(texto)
}
