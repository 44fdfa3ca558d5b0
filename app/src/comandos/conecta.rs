//! `guiche conecta cpf|cnpj`: Conecta gov.br queries, metered against the homologation quota.

use super::serpro::{falha, imprimir};
use crate::composicao;
use crate::erro::{Codigo, ErroApp};
use guiche_domain::{Cnpj, Cpf};

/// `guiche conecta cpf CPF...`.
pub(crate) async fn cpf(cpfs: &[String], json: bool) -> Result<Codigo, ErroApp> {
    let lista = cpfs
        .iter()
        .map(|c| Cpf::parse(c).map_err(|e| ErroApp::Uso(format!("CPF \"{c}\": {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let v = match composicao::servico_conecta()?.cpf(&lista).await {
        Ok(v) => v,
        Err(e) => return falha(e, json),
    };
    if json {
        imprimir(&v);
        return Ok(Codigo::Ok);
    }
    for s in &v.cpfs {
        let cpf = s.documento.map_or_else(|| s.cpf.clone(), |c| c.to_string());
        println!(
            "{cpf}  {}  {}",
            s.situacao.descricao,
            s.nome.as_deref().unwrap_or("")
        );
    }
    Ok(Codigo::Ok)
}

/// `guiche conecta cnpj CNPJ`.
pub(crate) async fn cnpj(cnpj: &str, json: bool) -> Result<Codigo, ErroApp> {
    let c = Cnpj::parse(cnpj).map_err(|e| ErroApp::Uso(format!("CNPJ \"{cnpj}\": {e}")))?;
    let d = match composicao::servico_conecta()?.cnpj(&c).await {
        Ok(d) => d,
        Err(e) => return falha(e, json),
    };
    if json {
        imprimir(&d);
        return Ok(Codigo::Ok);
    }
    let mostrado = d
        .documento
        .map_or_else(|| d.cnpj.clone(), |c| c.to_string());
    println!(
        "{mostrado}  {}  {}",
        d.razao_social,
        d.situacao.as_deref().unwrap_or_default()
    );
    if let (Some(m), Some(uf)) = (&d.municipio, &d.uf) {
        println!("  {m}/{uf}");
    }
    Ok(Codigo::Ok)
}
