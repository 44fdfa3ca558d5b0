//! `guiche serpro das|pagamentos|sitfis|procuracoes`: the typed services of Integra Contador,
//! always with the contratante (the e-CNPJ in `GUICHE_SERPRO_CERT`) as author. A DAS issued
//! here is recorded in the e-CAC ledger for reconciliation.

use super::serpro::{cliente_integra, imprimir_erro, mostrar_erro};
use crate::config;
use crate::entrada::documento;
use crate::erro::{Codigo, ErroApp};
use crate::relogio::RelogioSistema;
use guiche_domain::guia::{Guia, TipoGuia};
use guiche_domain::{Cnpj, Competencia, Data, Documento};
use guiche_ports::Relogio;
use guiche_ports::ecac::{LivroEcac, OrigemGuia};
use guiche_serpro::servicos::{self, ErroServico};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// How long `guiche serpro sitfis` waits for the report before giving up.
const ESPERA_SITFIS: Duration = Duration::from_secs(120);

pub(crate) fn data(opcao: &str, texto: &str) -> Result<Data, ErroApp> {
    Data::parse_iso(texto)
        .or_else(|_| Data::parse_br(texto))
        .map_err(|e| ErroApp::Uso(format!("{opcao} \"{texto}\": {e} (use AAAA-MM-DD)")))
}

/// Shows a failed service and returns its exit code.
pub(crate) fn falha(e: &ErroServico, json: bool) -> Codigo {
    match e {
        ErroServico::Integra(e) => mostrar_erro(e, json),
        outro => {
            imprimir_erro(outro, json);
            Codigo::Transporte
        }
    }
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

pub(crate) fn imprimir(v: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// Records a guide just issued in the e-CAC ledger, so reconciliation finds it. The guide was
/// issued (and billed) whatever happens here: a failure is a warning on stderr, never an error
/// that would hide the guide printed next. Whether it is in the ledger now.
pub(crate) fn registrar_guia(livro: &dyn LivroEcac, guia: &Guia) -> bool {
    let gravada = livro.registrar_guia(guia, OrigemGuia::Serpro);
    if let Err(e) = &gravada {
        eprintln!(
            "aviso: a guia {} foi emitida, mas não foi registrada no livro do e-CAC: {e}",
            guia.numero
        );
    }
    gravada.is_ok()
}

/// The DAS as a guide of the e-CAC ledger.
pub(crate) fn guia_do_das(contribuinte: Cnpj, d: &servicos::Das) -> Guia {
    Guia {
        tipo: TipoGuia::Das,
        numero: d.numero,
        contribuinte: Documento::Cnpj(contribuinte),
        codigo_receita: None,
        periodo: d.periodo,
        vencimento: d.vencimento,
        valor: d.valor_total,
        codigo_barras: d.codigo_barras,
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
    let livro = config::abrir_livro()?;
    let cliente = cliente_integra()?;
    let hoje = RelogioSistema.hoje();
    let emitidas = if mei {
        servicos::gerar_das_mei(&cliente, &contribuinte, periodo, hoje).await
    } else {
        servicos::gerar_das(&cliente, &contribuinte, periodo, hoje).await
    };
    let guias = match emitidas {
        Ok(g) => g,
        Err(e) => return Ok(falha(&e, json)),
    };
    let mut saida = Vec::new();
    for g in &guias {
        let registrada = registrar_guia(&livro, &guia_do_das(contribuinte, g));
        let arquivo = match pdf {
            Some(dir) => {
                let caminho = dir.join(format!("DAS-{}.pdf", g.numero.as_digitos()));
                gravar(&caminho, &g.pdf)?;
                Some(caminho.display().to_string())
            }
            None => None,
        };
        saida.push(json!({
            "numeroDocumento": g.numero.as_digitos(),
            "periodoApuracao": g.periodo.to_string(),
            "dataVencimento": g.vencimento.iso(),
            "dataLimiteAcolhimento": g.limite_acolhimento.map(|d| d.iso()),
            "total": g.valor_total.decimal().to_string(),
            "principal": g.principal.decimal().to_string(),
            "multa": g.multa.decimal().to_string(),
            "juros": g.juros.decimal().to_string(),
            "linhaDigitavel": g.codigo_barras.as_ref().map(|c| c.linha_digitavel()),
            "pdf": arquivo,
            "registradoNoLivro": registrada,
        }));
        if !json {
            println!(
                "DAS {} de {}: {} com vencimento em {}",
                g.numero, g.periodo, g.valor_total, g.vencimento
            );
            if let Some(c) = &g.codigo_barras {
                println!("  linha digitável: {}", c.linha_digitavel());
            }
            if registrada {
                println!("  registrado no livro do e-CAC para a baixa automática");
            }
        }
    }
    if json {
        imprimir(&json!({ "das": saida }));
    } else if guias.is_empty() {
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
    if de > ate {
        return Err(ErroApp::Uso(format!("--de {de} é depois de --ate {ate}")));
    }
    let cliente = cliente_integra()?;
    let hoje = RelogioSistema.hoje();
    if contar {
        return match servicos::contar_pagamentos(&cliente, &contribuinte, de, ate, hoje).await {
            Ok(n) if json => {
                imprimir(&json!({ "quantidade": n }));
                Ok(Codigo::Ok)
            }
            Ok(n) => {
                println!("{n} pagamento(s) de {de} a {ate}");
                Ok(Codigo::Ok)
            }
            Err(e) => Ok(falha(&e, json)),
        };
    }
    let pagos = match servicos::pagamentos(&cliente, &contribuinte, de, ate, hoje).await {
        Ok(p) => p,
        Err(e) => return Ok(falha(&e, json)),
    };
    if json {
        let v: Vec<_> = pagos
            .iter()
            .map(|p| {
                json!({
                    "numeroDocumento": p.numero.as_digitos(),
                    "dataArrecadacao": p.data_arrecadacao.iso(),
                    "valorTotal": p.valor_total.decimal().to_string(),
                    "codigoReceita": p.codigo_receita.map(|c| c.to_string()),
                })
            })
            .collect();
        imprimir(&json!({ "pagamentos": v }));
        return Ok(Codigo::Ok);
    }
    for p in &pagos {
        println!(
            "{} pago em {}: {}",
            p.numero, p.data_arrecadacao, p.valor_total
        );
    }
    println!("{} pagamento(s) de {de} a {ate}", pagos.len());
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
    let cliente = cliente_integra()?;
    let hoje = RelogioSistema.hoje();
    let pdf = match servicos::situacao_fiscal(&cliente, &contribuinte, hoje, ESPERA_SITFIS).await {
        Ok(p) => p,
        Err(e) => return Ok(falha(&e, json)),
    };
    gravar(saida, &pdf)?;
    if json {
        imprimir(&json!({ "arquivo": saida.display().to_string(), "bytes": pdf.len() }));
    } else {
        println!(
            "relatório de situação fiscal de {contribuinte} gravado em {} ({} bytes)",
            saida.display(),
            pdf.len()
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
    let cliente = cliente_integra()?;
    let outorgado = match outorgado {
        Some(o) => documento("--outorgado", o)?,
        None => Documento::Cnpj(cliente.contratante()),
    };
    let hoje = RelogioSistema.hoje();
    let lista = match servicos::procuracoes(&cliente, &outorgante, &outorgado, hoje).await {
        Ok(l) => l,
        Err(e) => return Ok(falha(&e, json)),
    };
    if json {
        let v: Vec<_> = lista
            .iter()
            .map(|p| json!({ "dataExpiracao": p.expira.iso(), "sistemas": p.sistemas, "codigos": p.codigos }))
            .collect();
        imprimir(&json!({ "procuracoes": v }));
        return Ok(Codigo::Ok);
    }
    if lista.is_empty() {
        println!("nenhuma procuração de {outorgante} para {outorgado}");
    }
    for p in &lista {
        println!(
            "procuração de {outorgante} para {outorgado}, válida até {}: {} serviço(s)",
            p.expira,
            p.sistemas.len()
        );
        for s in &p.sistemas {
            println!("  {s}");
        }
    }
    Ok(Codigo::Ok)
}
