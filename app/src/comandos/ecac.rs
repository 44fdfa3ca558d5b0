//! `guiche ecac company|guides|import|occurrences`: the e-CAC reconciliation's ledger side —
//! companies and their access, guides imported, payments imported (A3), occurrences shown,
//! grouped and exported.

use super::serpro_servicos::{gravar, imprimir};
use crate::config;
use crate::entrada::documento;
use crate::erro::{Codigo, ErroApp};
use crate::relogio::RelogioSistema;
use guiche_aplicacao::ecac::baixa::{ResumoSync, conciliar_no_livro};
use guiche_domain::guia::NumeroDocumento;
use guiche_domain::{Cnpj, Data, Documento};
use guiche_planilha::{Agrupamento, Grupo};
use guiche_ports::Relogio;
use guiche_ports::ecac::{Acesso, Empresa, GuiaGravada, LivroEcac, Ocorrencia, OrigemGuia};
use guiche_ports::livro::ErroLivro;
use guiche_store::Livro;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// A CNPJ given in option `opcao`; a usage error naming the option and the value.
pub(crate) fn cnpj(opcao: &str, texto: &str) -> Result<Cnpj, ErroApp> {
    Cnpj::parse(texto).map_err(|e| ErroApp::Uso(format!("{opcao} \"{texto}\": {e}")))
}

fn acesso(texto: &str) -> Result<Acesso, ErroApp> {
    Acesso::parse(texto).ok_or_else(|| {
        ErroApp::Uso(format!(
            "--acesso \"{texto}\": use a1 (certificado A1), a3 (certificado A3) ou codigo (código de acesso)"
        ))
    })
}

fn data(opcao: &str, texto: &str) -> Result<Data, ErroApp> {
    super::serpro_servicos::data(opcao, texto)
}

/// A ledger failure, as the configuration error it usually is (path, permissions, a file
/// written by a newer guichê).
pub(crate) fn livro_erro(e: ErroLivro) -> ErroApp {
    ErroApp::Configuracao(e.to_string())
}

fn empresa_json(e: &Empresa) -> Value {
    json!({
        "cnpj": e.cnpj.as_str(),
        "nome": e.nome,
        "ecacDesde": e.ecac_desde.map(|d| d.iso()),
        "acesso": e.acesso.codigo(),
        "certificadoProcurador": e.certificado_procurador,
    })
}

/// `guiche ecac company add CNPJ --acesso a1|a3|codigo [--nome] [--ecac-desde] [--procurador]`.
pub(crate) fn empresa_add(
    texto: &str,
    nome: &str,
    ecac_desde: Option<&str>,
    acesso_texto: &str,
    procurador: bool,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let empresa = Empresa {
        cnpj: cnpj("CNPJ", texto)?,
        nome: nome.trim().to_owned(),
        ecac_desde: ecac_desde.map(|d| data("--ecac-desde", d)).transpose()?,
        acesso: acesso(acesso_texto)?,
        certificado_procurador: procurador,
    };
    let livro = config::abrir_livro()?;
    if livro.empresa(&empresa.cnpj).map_err(livro_erro)?.is_some() {
        return Err(ErroApp::Uso(format!(
            "a empresa {} já está cadastrada; use `guiche ecac company set`",
            empresa.cnpj
        )));
    }
    livro.salvar_empresa(&empresa).map_err(livro_erro)?;
    mostrar_empresa(&empresa, "cadastrada", json);
    Ok(Codigo::Ok)
}

fn mostrar_empresa(e: &Empresa, acao: &str, json: bool) {
    if json {
        imprimir(&json!({ "empresa": empresa_json(e) }));
    } else {
        println!("empresa {} {acao}: {}", e.cnpj, descrever(e));
    }
}

fn descrever(e: &Empresa) -> String {
    let ecac = match e.ecac_desde {
        Some(d) => format!("usa o e-CAC desde {d}"),
        None => "não usa o e-CAC".to_owned(),
    };
    let procurador = if e.certificado_procurador {
        " de procurador"
    } else {
        ""
    };
    let sync = if e.ecac_desde.is_none() {
        "fora da baixa automática"
    } else if e.acesso.sincroniza_sozinho() {
        "baixa automática"
    } else {
        "baixa por importação"
    };
    format!("{ecac}, {}{procurador}, {sync}", e.acesso.descricao())
}

/// The options of `guiche ecac company set`.
pub(crate) struct AlteracaoEmpresa<'a> {
    pub(crate) cnpj: &'a str,
    pub(crate) nome: Option<&'a str>,
    pub(crate) ecac_desde: Option<&'a str>,
    pub(crate) sem_ecac: bool,
    pub(crate) acesso: Option<&'a str>,
    pub(crate) procurador: Option<&'a str>,
}

/// `guiche ecac company set CNPJ [--nome] [--ecac-desde|--sem-ecac] [--acesso] [--procurador sim|nao]`.
pub(crate) fn empresa_set(a: AlteracaoEmpresa<'_>, json: bool) -> Result<Codigo, ErroApp> {
    let cnpj = cnpj("CNPJ", a.cnpj)?;
    let livro = config::abrir_livro()?;
    let Some(mut e) = livro.empresa(&cnpj).map_err(livro_erro)? else {
        return Err(ErroApp::Uso(format!(
            "a empresa {cnpj} não está cadastrada; use `guiche ecac company add`"
        )));
    };
    if let Some(n) = a.nome {
        e.nome = n.trim().to_owned();
    }
    if let Some(d) = a.ecac_desde {
        e.ecac_desde = Some(data("--ecac-desde", d)?);
    }
    if a.sem_ecac {
        e.ecac_desde = None;
    }
    if let Some(x) = a.acesso {
        e.acesso = acesso(x)?;
    }
    if let Some(p) = a.procurador {
        e.certificado_procurador = match p.trim().to_ascii_lowercase().as_str() {
            "sim" | "s" | "true" => true,
            "nao" | "não" | "n" | "false" => false,
            _ => {
                return Err(ErroApp::Uso(format!(
                    "--procurador \"{p}\": use sim ou nao"
                )));
            }
        };
    }
    livro.salvar_empresa(&e).map_err(livro_erro)?;
    mostrar_empresa(&e, "alterada", json);
    Ok(Codigo::Ok)
}

/// `guiche ecac company list`.
pub(crate) fn empresa_list(json: bool) -> Result<Codigo, ErroApp> {
    let livro = config::abrir_livro()?;
    let empresas = livro.empresas().map_err(livro_erro)?;
    if json {
        let v: Vec<Value> = empresas.iter().map(empresa_json).collect();
        imprimir(&json!({ "empresas": v }));
        return Ok(Codigo::Ok);
    }
    if empresas.is_empty() {
        println!("nenhuma empresa cadastrada (guiche ecac company add CNPJ --acesso a1)");
    }
    for e in &empresas {
        let sync = livro
            .sincronizado_ate(&e.cnpj)
            .map_err(livro_erro)?
            .map(|d| format!("; pagamentos buscados até {d}"))
            .unwrap_or_default();
        let nome = if e.nome.is_empty() {
            String::new()
        } else {
            format!(" {}", e.nome)
        };
        println!("{}{nome}: {}{sync}", e.cnpj, descrever(e));
    }
    Ok(Codigo::Ok)
}

/// `guiche ecac guides import ARQUIVO.csv`: all or nothing.
pub(crate) fn guias_import(arquivo: &Path, json: bool) -> Result<Codigo, ErroApp> {
    let bytes = ler_bytes(arquivo)?;
    let guias = guiche_planilha::guias::ler(&bytes).map_err(|e| ErroApp::Arquivo {
        caminho: arquivo.display().to_string(),
        motivo: e.to_string(),
    })?;
    let livro = config::abrir_livro()?;
    let (mut novas, mut repetidas, mut conflitos) = (0, 0, Vec::new());
    for g in &guias {
        match livro.registrar_guia(g, OrigemGuia::Importacao) {
            Ok(GuiaGravada::Nova) => novas += 1,
            Ok(GuiaGravada::JaExistia) => repetidas += 1,
            Err(ErroLivro::GuiaConflitante { numero }) => conflitos.push(numero),
            Err(e) => return Err(livro_erro(e)),
        }
    }
    if json {
        imprimir(
            &json!({ "lidas": guias.len(), "novas": novas, "jaExistiam": repetidas, "conflitos": conflitos }),
        );
    } else {
        println!(
            "{} guia(s) lida(s): {novas} nova(s), {repetidas} já estavam no livro",
            guias.len()
        );
        for n in &conflitos {
            println!(
                "  recusada: já existe outra guia com o número {n} (a registrada foi mantida)"
            );
        }
    }
    Ok(if conflitos.is_empty() {
        Codigo::Ok
    } else {
        Codigo::Rejeitado
    })
}

fn ler_bytes(arquivo: &Path) -> Result<Vec<u8>, ErroApp> {
    std::fs::read(arquivo).map_err(|e| ErroApp::Arquivo {
        caminho: arquivo.display().to_string(),
        motivo: e.to_string(),
    })
}

/// `guiche ecac guides list [--empresa DOC]`.
pub(crate) fn guias_list(empresa: Option<&str>, json: bool) -> Result<Codigo, ErroApp> {
    let filtro = empresa.map(|e| documento("--empresa", e)).transpose()?;
    let livro = config::abrir_livro()?;
    let guias = livro.guias(filtro.as_ref()).map_err(livro_erro)?;
    if json {
        let v: Vec<Value> = guias
            .iter()
            .map(|g| {
                json!({
                    "tipo": g.guia.tipo.sigla(),
                    "numeroDocumento": g.guia.numero.as_digitos(),
                    "contribuinte": g.guia.contribuinte.as_str(),
                    "periodo": g.guia.periodo.compacta(),
                    "vencimento": g.guia.vencimento.iso(),
                    "valor": g.guia.valor.decimal().to_string(),
                    "origem": g.origem.codigo(),
                    "baixadaEm": g.baixada_em.map(|d| d.iso()),
                })
            })
            .collect();
        imprimir(&json!({ "guias": v }));
        return Ok(Codigo::Ok);
    }
    for g in &guias {
        let baixa = g
            .baixada_em
            .map_or_else(|| "em aberto".to_owned(), |d| format!("baixada em {d}"));
        println!(
            "{} {} {} {} vence {} {} ({})",
            g.guia.tipo,
            g.guia.numero,
            g.guia.contribuinte,
            g.guia.periodo,
            g.guia.vencimento,
            g.guia.valor,
            baixa
        );
    }
    println!("{} guia(s)", guias.len());
    Ok(Codigo::Ok)
}

/// `guiche ecac import ARQUIVO.csv`: payments of A3 companies (all or nothing), then the
/// reconciliation of every contribuinte in the file.
pub(crate) fn importar_pagamentos(arquivo: &Path, json: bool) -> Result<Codigo, ErroApp> {
    let bytes = ler_bytes(arquivo)?;
    let pagos = guiche_planilha::pagamentos::ler(&bytes).map_err(|e| ErroApp::Arquivo {
        caminho: arquivo.display().to_string(),
        motivo: e.to_string(),
    })?;
    let livro = config::abrir_livro()?;
    let novos = livro.registrar_pagamentos(&pagos).map_err(livro_erro)?;
    // Written to the ledger (occurrences, settlements): never after the system clock's day.
    let hoje = RelogioSistema.hoje().min(crate::relogio::hoje_do_sistema());
    let contribuintes: BTreeSet<Documento> = pagos.iter().map(|p| p.contribuinte).collect();
    let mut resumo = ResumoSync {
        recebidos: pagos.len(),
        novos,
        ..ResumoSync::default()
    };
    for c in &contribuintes {
        let r = conciliar_no_livro(&livro, c, hoje).map_err(livro_erro)?;
        resumo.conciliacao.ocorrencias_novas += r.ocorrencias_novas;
        resumo.conciliacao.guias_baixadas += r.guias_baixadas;
        resumo.conciliacao.inalteradas += r.inalteradas;
    }
    let origem = arquivo.display().to_string();
    if json {
        imprimir(&resumo_json(&origem, &resumo));
    } else {
        println!("{}", resumo_texto(&origem, &resumo));
    }
    Ok(Codigo::Ok)
}

/// What a sync or an import did, as JSON.
pub(crate) fn resumo_json(origem: &str, r: &ResumoSync) -> Value {
    json!({
        "origem": origem,
        "desde": r.desde.map(|d| d.iso()),
        "pagamentosRecebidos": r.recebidos,
        "pagamentosNovos": r.novos,
        "ocorrenciasNovas": r.conciliacao.ocorrencias_novas,
        "inalteradas": r.conciliacao.inalteradas,
        "guiasBaixadas": r.conciliacao.guias_baixadas,
    })
}

/// What a sync or an import did, in a sentence.
pub(crate) fn resumo_texto(origem: &str, r: &ResumoSync) -> String {
    let desde = r.desde.map(|d| format!(" desde {d}")).unwrap_or_default();
    format!(
        "{origem}: {} pagamento(s){desde} ({} novo(s)); {} guia(s) baixada(s); {} ocorrência(s) nova(s) ou alterada(s), {} sem mudança",
        r.recebidos,
        r.novos,
        r.conciliacao.guias_baixadas,
        r.conciliacao.ocorrencias_novas,
        r.conciliacao.inalteradas
    )
}

/// The occurrences as shown: the delay of a guide still open past its due date (unpaid, or
/// paid in part) counted up to `hoje`.
fn com_atraso_de_hoje(mut lista: Vec<Ocorrencia>, hoje: Data) -> Vec<Ocorrencia> {
    for o in &mut lista {
        let dias = o
            .achado
            .vencimento
            .map(|v| hoje.dias_desde_epoca() - v.dias_desde_epoca());
        match (o.achado.codigo.as_str(), dias) {
            ("vencida", Some(d)) => o.achado.dias_atraso = Some(d),
            ("paga_parcialmente", Some(d)) if d > 0 => o.achado.dias_atraso = Some(d),
            _ => {}
        }
    }
    lista
}

/// The options of `guiche ecac occurrences`.
pub(crate) struct ConsultaOcorrencias<'a> {
    pub(crate) empresa: Option<&'a str>,
    pub(crate) agrupar: &'a str,
    pub(crate) exportar: Option<&'a Path>,
    pub(crate) historico: Option<&'a str>,
}

/// `guiche ecac occurrences [--empresa] [--group-by ocorrencia|empresa] [--export F] [--historico N]`.
pub(crate) fn ocorrencias(c: ConsultaOcorrencias<'_>, json: bool) -> Result<Codigo, ErroApp> {
    let por = match c.agrupar.trim().to_ascii_lowercase().as_str() {
        "ocorrencia" | "ocorrência" => Agrupamento::Ocorrencia,
        "empresa" => Agrupamento::Empresa,
        outro => {
            return Err(ErroApp::Uso(format!(
                "--group-by \"{outro}\": use ocorrencia ou empresa"
            )));
        }
    };
    let filtro = c.empresa.map(|e| documento("--empresa", e)).transpose()?;
    // The destination is checked before anything is read.
    let exportacao = c
        .exportar
        .map(|d| formato_exportacao(d).map(|f| (d, f)))
        .transpose()?;
    let livro = config::abrir_livro()?;
    let lista = match c.historico {
        Some(n) => {
            let numero = NumeroDocumento::parse(n)
                .map_err(|e| ErroApp::Uso(format!("--historico \"{n}\": {e}")))?;
            livro.historico(&numero).map_err(livro_erro)?
        }
        None => livro.ocorrencias(filtro.as_ref()).map_err(livro_erro)?,
    };
    let lista = com_atraso_de_hoje(lista, RelogioSistema.hoje());
    let grupos = guiche_planilha::agrupar(&lista, por, &nomes(&livro)?);
    if let Some((destino, formato)) = exportacao {
        exportar(destino, formato, &grupos)?;
    }
    if json {
        imprimir(
            &json!({ "grupos": grupos.iter().map(grupo_json).collect::<Vec<_>>(), "exportado": c.exportar.map(|p| p.display().to_string()) }),
        );
        return Ok(Codigo::Ok);
    }
    imprimir_grupos(&grupos);
    if let Some(d) = c.exportar {
        println!("exportado para {}", d.display());
    }
    Ok(Codigo::Ok)
}

fn nomes(livro: &Livro) -> Result<HashMap<Documento, String>, ErroApp> {
    Ok(livro
        .empresas()
        .map_err(livro_erro)?
        .into_iter()
        .filter(|e| !e.nome.is_empty())
        .map(|e| (Documento::Cnpj(e.cnpj), e.nome))
        .collect())
}

enum Formato {
    Xlsx,
    Csv,
}

fn formato_exportacao(destino: &Path) -> Result<Formato, ErroApp> {
    let ext = destino
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let formato = match ext.as_deref() {
        Some("xlsx") => Formato::Xlsx,
        Some("csv") => Formato::Csv,
        _ => {
            return Err(ErroApp::Uso(format!(
                "--export {}: use um arquivo .xlsx ou .csv",
                destino.display()
            )));
        }
    };
    let pasta = destino.parent().filter(|p| !p.as_os_str().is_empty());
    if pasta.is_some_and(|p| !p.is_dir()) {
        return Err(ErroApp::Uso(format!(
            "--export: a pasta de {} não existe",
            destino.display()
        )));
    }
    Ok(formato)
}

fn exportar(destino: &Path, formato: Formato, grupos: &[Grupo]) -> Result<(), ErroApp> {
    let erro = |e: guiche_planilha::ErroExportacao| ErroApp::Arquivo {
        caminho: destino.display().to_string(),
        motivo: e.to_string(),
    };
    let mut bytes = Vec::new();
    match formato {
        Formato::Xlsx => guiche_planilha::xlsx::escrever(&mut bytes, grupos),
        Formato::Csv => guiche_planilha::csv::escrever(&mut bytes, grupos),
    }
    .map_err(erro)?;
    gravar(destino, &bytes)
}

fn texto_valor(v: Option<guiche_domain::Valor>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn texto_data(d: Option<Data>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// What is still missing of a partially paid guide: its value minus what was paid.
fn falta(a: &guiche_ports::ecac::Achado) -> Option<guiche_domain::Valor> {
    match (a.codigo.as_str(), a.valor_guia, a.valor_pago) {
        ("paga_parcialmente", Some(guia), Some(pago)) if pago < guia => Some(guia - pago),
        _ => None,
    }
}

fn grupo_json(g: &Grupo) -> Value {
    let linhas: Vec<Value> = g
        .linhas
        .iter()
        .map(|l| {
            let a = &l.ocorrencia.achado;
            json!({
                "empresa": l.empresa,
                "contribuinte": a.contribuinte.as_str(),
                "numeroDocumento": a.numero.as_digitos(),
                "ocorrencia": a.codigo,
                "descricao": a.descricao,
                "vencimento": a.vencimento.map(|d| d.iso()),
                "valorGuia": a.valor_guia.map(|v| v.decimal().to_string()),
                "valorPago": a.valor_pago.map(|v| v.decimal().to_string()),
                "falta": falta(a).map(|v| v.decimal().to_string()),
                "pagoEm": a.pago_em.map(|d| d.iso()),
                "diasAtraso": a.dias_atraso,
                "registradaEm": l.ocorrencia.registrada_em.iso(),
            })
        })
        .collect();
    json!({ "grupo": g.titulo, "ocorrencias": linhas })
}

fn imprimir_grupos(grupos: &[Grupo]) {
    if grupos.is_empty() {
        println!("nenhuma ocorrência (rode `guiche ecac sync` ou `guiche ecac import`)");
        return;
    }
    for g in grupos {
        println!("== {} ({})", g.titulo, g.linhas.len());
        println!(
            "  {:<32} {:<22} {:<34} {:>10} {:>14} {:>14} {:>10} {:>6}",
            "empresa",
            "documento",
            "ocorrência",
            "vencimento",
            "valor guia",
            "valor pago",
            "pago em",
            "atraso"
        );
        for l in &g.linhas {
            let a = &l.ocorrencia.achado;
            let empresa: String = l.empresa.chars().take(32).collect();
            println!(
                "  {:<32} {:<22} {:<34} {:>10} {:>14} {:>14} {:>10} {:>6}",
                empresa,
                a.numero.to_string(),
                a.descricao,
                texto_data(a.vencimento),
                texto_valor(a.valor_guia),
                texto_valor(a.valor_pago),
                texto_data(a.pago_em),
                a.dias_atraso.map(|d| d.to_string()).unwrap_or_default()
            );
        }
    }
}

/// Reads an optional company option into a document.
pub(crate) fn empresa_opcional(texto: Option<&str>) -> Result<Option<Cnpj>, ErroApp> {
    texto.map(|t| cnpj("--empresa", t)).transpose()
}
