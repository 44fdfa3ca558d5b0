//! `guiche serpro das|pagamentos|sitfis|procuracoes`: the typed services of Integra Contador,
//! always with the contratante (the e-CNPJ in `GUICHE_SERPRO_CERT`) as author. A DAS issued
//! here is recorded in the e-CAC ledger for reconciliation (by the service).

use super::serpro::falha;
use crate::composicao;
use crate::entrada::documento;
use crate::erro::{Codigo, ErroApp};
use guiche_domain::{Cnpj, Competencia, Data};
use std::path::Path;

pub(crate) use super::serpro::imprimir;

pub(crate) fn data(opcao: &str, texto: &str) -> Result<Data, ErroApp> {
    Data::parse_iso(texto)
        .or_else(|_| Data::parse_br(texto))
        .map_err(|e| ErroApp::Uso(format!("{opcao} \"{texto}\": {e} (use AAAA-MM-DD)")))
}

/// Writes a produced file (PDF, export) through the one private, atomic writer
/// ([`crate::arquivo::gravar_privado`]).
pub(crate) fn gravar(caminho: &Path, bytes: &[u8]) -> Result<(), ErroApp> {
    Ok(crate::arquivo::gravar_privado(caminho, bytes)?)
}

/// Refuses, before any (billed) call, a folder where the PDF could not be written.
pub(crate) fn pasta_gravavel(opcao: &str, pasta: &Path) -> Result<(), ErroApp> {
    let pasta = if pasta.as_os_str().is_empty() {
        Path::new(".")
    } else {
        pasta
    };
    if pasta.is_dir() {
        Ok(())
    } else {
        Err(ErroApp::Uso(format!(
            "{opcao}: a pasta {} não existe",
            pasta.display()
        )))
    }
}

/// Prints, on stderr, that a guide was issued but not recorded in the e-CAC ledger.
pub(crate) fn avisar(aviso: Option<&String>) {
    if let Some(a) = aviso {
        eprintln!("aviso: {a}");
    }
}

/// `guiche serpro das --contribuinte CNPJ --periodo AAAAMM [--pdf DIR] [--mei]`.
pub(crate) async fn das(
    contribuinte: &str,
    periodo: &str,
    pdf: Option<&Path>,
    mei: bool,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let contribuinte = Cnpj::parse(contribuinte)
        .map_err(|e| ErroApp::Uso(format!("--contribuinte \"{contribuinte}\": {e}")))?;
    let periodo = Competencia::parse(periodo)
        .map_err(|e| ErroApp::Uso(format!("--periodo \"{periodo}\": {e}")))?;
    if let Some(dir) = pdf {
        pasta_gravavel("--pdf", dir)?;
    }
    let servico = composicao::servico_integra()?;
    let mut emitidos = match servico.das(contribuinte, periodo, mei).await {
        Ok(d) => d,
        Err(e) => return falha(e, json),
    };
    for d in &mut emitidos.das {
        avisar(d.aviso_livro.as_ref());
        if let Some(dir) = pdf {
            let caminho = dir.join(format!("DAS-{}.pdf", d.numero_documento));
            gravar(&caminho, &d.das.pdf)?;
            d.pdf = Some(caminho.display().to_string());
        }
        if !json {
            let g = &d.das;
            println!(
                "DAS {} de {}: {} com vencimento em {}",
                g.numero, g.periodo, g.valor_total, g.vencimento
            );
            if let Some(l) = &d.linha_digitavel {
                println!("  linha digitável: {l}");
            }
            if d.registrado_no_livro {
                println!("  registrado no livro do e-CAC para a baixa automática");
            }
        }
    }
    if json {
        imprimir(&emitidos);
    } else if emitidos.das.is_empty() {
        println!("nenhum DAS emitido para {periodo}");
    }
    Ok(Codigo::Ok)
}

/// `guiche serpro pagamentos --contribuinte DOC --de DATA --ate DATA [--contar]`.
pub(crate) async fn pagamentos(
    contribuinte: &str,
    de: &str,
    ate: &str,
    contar: bool,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let contribuinte = documento("--contribuinte", contribuinte)?;
    let (de, ate) = (data("--de", de)?, data("--ate", ate)?);
    let servico = composicao::servico_integra()?;
    if contar {
        return match servico.contar_pagamentos(contribuinte, de, ate).await {
            Ok(n) if json => {
                imprimir(&n);
                Ok(Codigo::Ok)
            }
            Ok(n) => {
                println!("{} pagamento(s) de {de} a {ate}", n.quantidade);
                Ok(Codigo::Ok)
            }
            Err(e) => falha(e, json),
        };
    }
    let pagos = match servico.pagamentos(contribuinte, de, ate).await {
        Ok(p) => p,
        Err(e) => return falha(e, json),
    };
    if json {
        imprimir(&pagos);
        return Ok(Codigo::Ok);
    }
    for p in &pagos.pagamentos {
        let p = &p.pagamento;
        println!(
            "{} pago em {}: {}",
            p.numero, p.data_arrecadacao, p.valor_total
        );
    }
    println!("{} pagamento(s) de {de} a {ate}", pagos.pagamentos.len());
    Ok(Codigo::Ok)
}

/// `guiche serpro sitfis --contribuinte DOC --saida ARQUIVO.pdf`.
pub(crate) async fn sitfis(
    contribuinte: &str,
    saida: &Path,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let contribuinte = documento("--contribuinte", contribuinte)?;
    pasta_gravavel("--saida", saida.parent().unwrap_or(Path::new(".")))?;
    let mut relatorio = match composicao::servico_integra()?.sitfis(contribuinte).await {
        Ok(r) => r,
        Err(e) => return falha(e, json),
    };
    gravar(saida, &relatorio.pdf)?;
    relatorio.arquivo = Some(saida.display().to_string());
    if json {
        imprimir(&relatorio);
    } else {
        println!(
            "relatório de situação fiscal de {contribuinte} gravado em {} ({} bytes)",
            saida.display(),
            relatorio.bytes
        );
    }
    Ok(Codigo::Ok)
}

/// `guiche serpro procuracoes --outorgante DOC [--outorgado DOC]`.
pub(crate) async fn procuracoes(
    outorgante: &str,
    outorgado: Option<&str>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let outorgante = documento("--outorgante", outorgante)?;
    let outorgado = outorgado.map(|o| documento("--outorgado", o)).transpose()?;
    let lista = match composicao::servico_integra()?
        .procuracoes(outorgante, outorgado)
        .await
    {
        Ok(l) => l,
        Err(e) => return falha(e, json),
    };
    if json {
        imprimir(&lista);
        return Ok(Codigo::Ok);
    }
    let para = lista.outorgado.map(|d| d.to_string()).unwrap_or_default();
    if lista.procuracoes.is_empty() {
        println!("nenhuma procuração de {outorgante} para {para}");
    }
    for p in &lista.procuracoes {
        println!(
            "procuração de {outorgante} para {para}, válida até {}: {} serviço(s)",
            p.procuracao.expira,
            p.sistemas.len()
        );
        for s in &p.sistemas {
            println!("  {s}");
        }
    }
    Ok(Codigo::Ok)
}
