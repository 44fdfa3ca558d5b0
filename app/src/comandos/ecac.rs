//! `guiche ecac company|guides|import|occurrences`: the e-CAC reconciliation's ledger side —
//! companies and their access, guides imported, payments imported (A3), occurrences shown,
//! grouped and exported. Presentation only: the Central e-CAC service
//! ([`guiche_aplicacao::ecac::central::CentralEcac`], from [`crate::composicao`]) does the
//! work; this module reads the options and files, writes the export and prints.

use crate::composicao;
use crate::entrada::documento;
use crate::erro::{Codigo, ErroApp};
use guiche_aplicacao::ecac::acompanhamento::CndEmpresa;
use guiche_aplicacao::ecac::baixa::ResumoBaixa;
use guiche_aplicacao::ecac::central::{
    AlteracaoEmpresa as Alteracao, ConsultaOcorrencias as Consulta, EmpresaVista, GrupoOcorrencias,
};
use guiche_aplicacao::{Classificar, Natureza};
use guiche_domain::conciliacao::Agrupamento;
use guiche_domain::guia::NumeroDocumento;
use guiche_domain::{Cnpj, Data};
use guiche_ports::ecac::{Acesso, Empresa, FormatoPlanilha};
use serde::Serialize;
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
    Data::parse_iso(texto)
        .or_else(|_| Data::parse_br(texto))
        .map_err(|e| ErroApp::Uso(format!("{opcao} \"{texto}\": {e} (use AAAA-MM-DD)")))
}

/// An application failure that reaches the command line as an error (usage, not found, a
/// setting or the ledger: exit 2); its message as the service wrote it.
pub(crate) fn falha(e: &impl Classificar) -> ErroApp {
    match e.natureza() {
        Natureza::Livro | Natureza::Configuracao => ErroApp::Configuracao(e.to_string()),
        _ => ErroApp::Uso(e.to_string()),
    }
}

/// Prints a result as JSON.
pub(crate) fn imprimir(v: &impl Serialize) {
    let texto = serde_json::to_value(v)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_default();
    println!("{texto}");
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
    let salva = composicao::central_ecac()?
        .cadastrar_empresa(&empresa)
        .map_err(|e| falha(&e))?;
    mostrar_empresa(&salva.empresa, "cadastrada", json);
    Ok(Codigo::Ok)
}

fn mostrar_empresa(e: &EmpresaVista, acao: &str, json: bool) {
    if json {
        imprimir(&serde_json::json!({ "empresa": e }));
    } else {
        println!("empresa {} {acao}: {}", mascara(&e.cnpj), e.situacao);
    }
}

/// The CNPJ masked (`11.444.777/0001-61`), as the user typed it if it does not read back.
fn mascara(cnpj: &str) -> String {
    Cnpj::parse(cnpj).map_or_else(|_| cnpj.to_owned(), |c| c.to_string())
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
    let mut ecac_desde = a
        .ecac_desde
        .map(|d| data("--ecac-desde", d).map(Some))
        .transpose()?;
    if a.sem_ecac {
        ecac_desde = Some(None);
    }
    let certificado_procurador = a
        .procurador
        .map(|p| match p.trim().to_ascii_lowercase().as_str() {
            "sim" | "s" | "true" => Ok(true),
            "nao" | "não" | "n" | "false" => Ok(false),
            _ => Err(ErroApp::Uso(format!(
                "--procurador \"{p}\": use sim ou nao"
            ))),
        })
        .transpose()?;
    let alteracao = Alteracao {
        nome: a.nome.map(str::to_owned),
        ecac_desde,
        acesso: a.acesso.map(acesso).transpose()?,
        certificado_procurador,
    };
    let salva = composicao::central_ecac()?
        .alterar_empresa(&cnpj, alteracao)
        .map_err(|e| falha(&e))?;
    mostrar_empresa(&salva.empresa, "alterada", json);
    Ok(Codigo::Ok)
}

/// `guiche ecac company list`.
pub(crate) fn empresa_list(json: bool) -> Result<Codigo, ErroApp> {
    let lista = composicao::central_ecac()?
        .empresas()
        .map_err(|e| falha(&e))?;
    if json {
        imprimir(&lista);
        return Ok(Codigo::Ok);
    }
    if lista.empresas.is_empty() {
        println!("nenhuma empresa cadastrada (guiche ecac company add CNPJ --acesso a1)");
    }
    for e in &lista.empresas {
        let sync = e
            .sincronizado_ate
            .as_deref()
            .and_then(|d| Data::parse_iso(d).ok())
            .map(|d| format!("; pagamentos buscados até {d}"))
            .unwrap_or_default();
        let nome = if e.nome.is_empty() {
            String::new()
        } else {
            format!(" {}", e.nome)
        };
        let cnd = e
            .cnd
            .as_ref()
            .map_or_else(|| "não consultada".to_owned(), CndEmpresa::celula);
        println!(
            "{}{nome}: {}{sync}; CND: {cnd}",
            mascara(&e.cnpj),
            e.situacao
        );
    }
    Ok(Codigo::Ok)
}

/// `guiche ecac caixa-postal [--empresa CNPJ]`: the unread DTE messages per company, the
/// nearest deadline first, with the days left until ciência tácita.
pub(crate) fn caixa_postal(empresa: Option<&str>, json: bool) -> Result<Codigo, ErroApp> {
    let cnpj = empresa.map(|t| cnpj("--empresa", t)).transpose()?;
    let lista = composicao::central_ecac()?
        .caixa_postal(cnpj.as_ref())
        .map_err(|e| falha(&e))?;
    if json {
        imprimir(&serde_json::json!({ "empresas": lista }));
        return Ok(Codigo::Ok);
    }
    if lista.is_empty() {
        println!(
            "nenhuma mensagem não lida na caixa postal (a sincronização lê a caixa postal: guiche ecac sync)"
        );
    }
    for e in &lista {
        let nome = if e.nome.is_empty() {
            String::new()
        } else {
            format!(" {}", e.nome)
        };
        let tacita = if e.ciencia_tacita > 0 {
            format!(", {} já com ciência tácita", e.ciencia_tacita)
        } else {
            String::new()
        };
        println!("{}{nome}: {} não lida(s){tacita}", e.cnpj, e.nao_lidas);
        for m in &e.mensagens {
            let enviada = m
                .enviada_em
                .as_deref()
                .and_then(|d| Data::parse_iso(d).ok())
                .map(|d| format!("enviada em {d}"))
                .unwrap_or_else(|| "data de envio desconhecida".to_owned());
            let prazo = match m.dias_restantes {
                Some(d) if d <= 0 => "ciência tácita: conta como lida".to_owned(),
                Some(1) => "1 dia até a ciência tácita".to_owned(),
                Some(d) => format!("{d} dias até a ciência tácita"),
                None => "prazo desconhecido".to_owned(),
            };
            println!("  {} ({enviada}; {prazo})", m.assunto);
        }
    }
    Ok(Codigo::Ok)
}

/// `guiche ecac guides import ARQUIVO.csv`: the file all or nothing; a number already holding
/// another guide is refused (exit 1), the others kept.
pub(crate) fn guias_import(arquivo: &Path, json: bool) -> Result<Codigo, ErroApp> {
    let bytes = ler_bytes(arquivo)?;
    let r = composicao::central_ecac()?
        .importar_guias(&bytes, &arquivo.display().to_string())
        .map_err(|e| falha(&e))?;
    if json {
        imprimir(&r);
    } else {
        println!(
            "{} guia(s) lida(s): {} nova(s), {} já estavam no livro",
            r.lidas, r.novas, r.ja_existiam
        );
        for n in &r.conflitos {
            println!(
                "  recusada: já existe outra guia com o número {n} (a registrada foi mantida)"
            );
        }
    }
    Ok(if r.conflitos.is_empty() {
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
    let lista = composicao::central_ecac()?
        .guias(filtro.as_ref())
        .map_err(|e| falha(&e))?;
    if json {
        imprimir(&lista);
        return Ok(Codigo::Ok);
    }
    for g in &lista.guias {
        let (guia, baixada) = (&g.registrada.guia, g.registrada.baixada_em);
        let baixa = baixada.map_or_else(|| "em aberto".to_owned(), |d| format!("baixada em {d}"));
        println!(
            "{} {} {} {} vence {} {} ({})",
            guia.tipo,
            guia.numero,
            guia.contribuinte,
            guia.periodo,
            guia.vencimento,
            guia.valor,
            baixa
        );
    }
    println!("{} guia(s)", lista.guias.len());
    Ok(Codigo::Ok)
}

/// `guiche ecac import ARQUIVO.csv`: payments of A3 companies (all or nothing), then the
/// reconciliation of every contribuinte in the file.
pub(crate) fn importar_pagamentos(arquivo: &Path, json: bool) -> Result<Codigo, ErroApp> {
    let bytes = ler_bytes(arquivo)?;
    let resumo = composicao::central_ecac()?
        .importar_pagamentos(&bytes, &arquivo.display().to_string())
        .map_err(|e| falha(&e))?;
    if json {
        imprimir(&resumo);
    } else {
        println!("{}", resumo_texto(&resumo));
    }
    Ok(Codigo::Ok)
}

/// What a sync or an import did, in a sentence.
pub(crate) fn resumo_texto(r: &ResumoBaixa) -> String {
    let desde = r
        .desde
        .as_deref()
        .and_then(|d| Data::parse_iso(d).ok())
        .map(|d| format!(" desde {d}"))
        .unwrap_or_default();
    format!(
        "{}: {} pagamento(s){desde} ({} novo(s)); {} guia(s) baixada(s); {} ocorrência(s) nova(s) ou alterada(s), {} sem mudança",
        r.origem,
        r.pagamentos_recebidos,
        r.pagamentos_novos,
        r.guias_baixadas,
        r.ocorrencias_novas,
        r.inalteradas
    ) + &match (&r.cnd, &r.caixa_postal) {
        (None, None) => String::new(),
        (cnd, caixa) => format!(
            "\n  CND: {}; caixa postal: {}",
            cnd.as_deref().unwrap_or("não consultada"),
            caixa.as_deref().unwrap_or("não lida")
        ),
    }
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
    let agrupar = Agrupamento::parse(c.agrupar).ok_or_else(|| {
        ErroApp::Uso(format!(
            "--group-by \"{}\": use ocorrencia ou empresa",
            c.agrupar.trim().to_lowercase()
        ))
    })?;
    let consulta = Consulta {
        empresa: c.empresa.map(|e| documento("--empresa", e)).transpose()?,
        historico: c
            .historico
            .map(|n| {
                NumeroDocumento::parse(n)
                    .map_err(|e| ErroApp::Uso(format!("--historico \"{n}\": {e}")))
            })
            .transpose()?,
        agrupar,
        ocorrencia: None,
        periodo: None,
    };
    // The destination is checked before anything is read.
    let exportacao = c
        .exportar
        .map(|d| formato_exportacao(d).map(|f| (d, f)))
        .transpose()?;
    let central = composicao::central_ecac()?;
    let lista = match exportacao {
        Some((destino, formato)) => {
            let feita = central
                .exportar_ocorrencias(&consulta, formato)
                .map_err(|e| falha(&e))?;
            crate::arquivo::gravar_privado(destino, &feita.bytes)?;
            feita.lista
        }
        None => central.ocorrencias(&consulta).map_err(|e| falha(&e))?,
    };
    if json {
        let mut v = serde_json::to_value(&lista).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            let exportado = c.exportar.map(|p| p.display().to_string());
            o.insert("exportado".into(), serde_json::json!(exportado));
        }
        imprimir(&v);
        return Ok(Codigo::Ok);
    }
    imprimir_grupos(&lista.grupos);
    if let Some(d) = c.exportar {
        println!("exportado para {}", d.display());
    }
    Ok(Codigo::Ok)
}

/// The spreadsheet format of `--export`, by the file's extension, and its folder must exist.
fn formato_exportacao(destino: &Path) -> Result<FormatoPlanilha, ErroApp> {
    let nome = destino
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let formato = FormatoPlanilha::da_extensao(nome).ok_or_else(|| {
        ErroApp::Uso(format!(
            "--export {}: use um arquivo .xlsx ou .csv",
            destino.display()
        ))
    })?;
    let pasta = destino.parent().filter(|p| !p.as_os_str().is_empty());
    if pasta.is_some_and(|p| !p.is_dir()) {
        return Err(ErroApp::Uso(format!(
            "--export: a pasta de {} não existe",
            destino.display()
        )));
    }
    Ok(formato)
}

fn texto_valor(v: Option<guiche_domain::Valor>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn texto_data(d: Option<Data>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn imprimir_grupos(grupos: &[GrupoOcorrencias]) {
    if grupos.is_empty() {
        println!("nenhuma ocorrência (rode `guiche ecac sync` ou `guiche ecac import`)");
        return;
    }
    for g in grupos {
        println!("== {} ({})", g.grupo, g.ocorrencias.len());
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
        for l in &g.ocorrencias {
            let a = &l.registro.achado;
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
                l.dias_atraso.map(|d| d.to_string()).unwrap_or_default()
            );
        }
    }
}

/// Reads an optional company option into a document.
pub(crate) fn empresa_opcional(texto: Option<&str>) -> Result<Option<Cnpj>, ErroApp> {
    texto.map(|t| cnpj("--empresa", t)).transpose()
}
