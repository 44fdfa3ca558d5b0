//! `guiche nfd validate`: reads the file and prints what `guiche_aplicacao::nfd::validacao`
//! says of it.

use crate::entrada;
use crate::erro::{Codigo, ErroApp};
use crate::relogio::RelogioSistema;
use crate::saida::{self, Documento};
use guiche_aplicacao::nfd::validacao;
use guiche_domain::nfd::Prefeitura;
use guiche_ports::Relogio;
use std::path::Path;

/// `guiche nfd validate FILE [--prefeitura COD]`.
pub(crate) fn validar(
    arquivo: &Path,
    prefeitura: Option<&str>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let prefeitura = prefeitura.map(buscar_prefeitura).transpose()?;
    let bytes = entrada::bytes(arquivo)?;
    let nome = arquivo.display().to_string();
    let doc = Documento {
        arquivo: &nome,
        tipo: "nota",
        feminino: true,
    };
    match validacao::validar(&bytes, prefeitura, RelogioSistema.hoje()) {
        Ok(resumo) => {
            let v = serde_json::to_value(&resumo).unwrap_or_default();
            saida::valido(&doc, &resumo.frase, v, json);
            Ok(Codigo::Ok)
        }
        Err(v) => {
            saida::invalido(&doc, &v, json);
            Ok(Codigo::Rejeitado)
        }
    }
}

/// The municipality of `--prefeitura`; a usage error naming the ones known.
pub(crate) fn buscar_prefeitura(codigo: &str) -> Result<&'static Prefeitura, ErroApp> {
    validacao::prefeitura(codigo).map_err(ErroApp::Uso)
}
