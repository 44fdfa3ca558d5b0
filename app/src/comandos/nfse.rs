//! `guiche nfse validate|dps`: the NFS-e Nacional DPS offline. Reads the file, prints what
//! `guiche_aplicacao::nfse::validacao` says of it, and for `dps` signs it with the prestador's
//! certificate (`GUICHE_NFSE_CERT`, its password from `GUICHE_NFSE_CERT_SENHA` or
//! `_SENHA_ARQUIVO`, never argv) and writes it readable by its owner only.

use std::path::Path;
use std::time::SystemTime;

use guiche_aplicacao::nfse::validacao::{resumo, validar_dps};
use guiche_certificados::nfse::assinar_dps;

use crate::composicao;
use crate::entrada;
use crate::erro::{Codigo, ErroApp};
use crate::saida::{self, Documento};

fn documento(nome: &str) -> Documento<'_> {
    Documento {
        arquivo: nome,
        tipo: "DPS",
        feminino: true,
    }
}

/// `guiche nfse validate FILE`.
pub(crate) fn validar(arquivo: &Path, json: bool) -> Result<Codigo, ErroApp> {
    let bytes = entrada::bytes(arquivo)?;
    let nome = arquivo.display().to_string();
    match validar_dps(&bytes) {
        Ok(dps) => {
            let r = resumo(&dps);
            let v = serde_json::to_value(&r).unwrap_or_default();
            saida::valido(&documento(&nome), &r.frase, v, json);
            Ok(Codigo::Ok)
        }
        Err(v) => {
            saida::invalido(&documento(&nome), &v, json);
            Ok(Codigo::Rejeitado)
        }
    }
}

/// `guiche nfse dps FILE --saida DPS.xml`: validate, sign, write (0600). A DPS with violations
/// is reported as by `validate` (exit 1) and nothing is written.
pub(crate) fn dps(arquivo: &Path, destino: &Path, json: bool) -> Result<Codigo, ErroApp> {
    let bytes = entrada::bytes(arquivo)?;
    let nome = arquivo.display().to_string();
    let dps = match validar_dps(&bytes) {
        Ok(d) => d,
        Err(v) => {
            saida::invalido(&documento(&nome), &v, json);
            return Ok(Codigo::Rejeitado);
        }
    };
    let certificado =
        composicao::certificado_com_senha("GUICHE_NFSE_CERT", "GUICHE_NFSE_CERT_SENHA")?;
    let xml = assinar_dps(&certificado, &dps, SystemTime::now())
        .map_err(|e| ErroApp::Configuracao(format!("GUICHE_NFSE_CERT: {e}")))?;
    crate::arquivo::gravar_privado(destino, xml.as_bytes())?;
    let r = resumo(&dps);
    let gravada = destino.display().to_string();
    let frase = format!("assinada e gravada em {gravada} — {}", r.frase);
    let mut v = serde_json::to_value(&r).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("saida".into(), serde_json::json!(gravada));
    }
    saida::valido(&documento(&nome), &frase, v, json);
    Ok(Codigo::Ok)
}
