//! `guiche conam …`

use crate::entrada;
use crate::erro::{Codigo, ErroApp};
use crate::saida::{self, Documento};
use guiche_domain::conam::{Pacote, PacoteBruto, Tabela2, TipoMovimento};
use guiche_domain::{Valor, Violacoes};
use serde_json::json;
use std::path::Path;

/// `guiche conam validate FILE [--tabela2 FILE]`.
pub(crate) fn validar(
    arquivo: &Path,
    tabela2: Option<&Path>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let tabela = tabela_2(tabela2)?;
    let texto = entrada::ler(arquivo)?;
    let nome = arquivo.display().to_string();
    let doc = Documento {
        arquivo: &nome,
        tipo: "pacote",
        feminino: false,
    };
    match ler_pacote(&texto).and_then(|b| b.validar(&tabela)) {
        Ok(p) => {
            saida::valido(&doc, &frase(&p), resumo(&p), json);
            Ok(Codigo::Ok)
        }
        Err(v) => {
            saida::invalido(&doc, &v, json);
            Ok(Codigo::Rejeitado)
        }
    }
}

/// Table 2: the client's file, or the manual's.
pub(crate) fn tabela_2(arquivo: Option<&Path>) -> Result<Tabela2, ErroApp> {
    match arquivo {
        Some(p) => Tabela2::de_tsv(&entrada::ler(p)?)
            .map_err(|e| ErroApp::Uso(format!("{}: {e}", p.display()))),
        None => Ok(Tabela2::oficial().clone()),
    }
}

/// Reads a pacote (JSON only).
pub(crate) fn ler_pacote(texto: &str) -> Result<PacoteBruto, Violacoes> {
    entrada::formato(texto)?;
    PacoteBruto::de_json(texto)
}

fn banco(p: &Pacote) -> Valor {
    p.movimentos()
        .iter()
        .filter(|m| m.tipo_movimento() == TipoMovimento::Banco)
        .map(|m| m.valor())
        .sum()
}

fn frase(p: &Pacote) -> String {
    format!(
        "idPacote {}, entidade {}, exercício {}, {} movimento(s), recebido em banco {}",
        p.id_pacote(),
        p.cod_entidade(),
        p.ano_exercicio(),
        p.movimentos().len(),
        banco(p)
    )
}

fn resumo(p: &Pacote) -> serde_json::Value {
    json!({
        "idPacote": p.id_pacote(),
        "codEntidade": p.cod_entidade(),
        "anoExercicio": p.ano_exercicio(),
        "movimentos": p.movimentos().len(),
        "recebidoEmBanco": banco(p).decimal().normalize().to_string(),
    })
}
