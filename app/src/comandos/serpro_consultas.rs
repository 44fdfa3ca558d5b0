//! `guiche serpro darf|declaracoes|caixa-postal|eventos`: more typed services of Integra
//! Contador, with the contratante as author. A DARF issued here is recorded in the e-CAC
//! ledger for reconciliation (by the service).

use super::serpro::{falha, imprimir};
use super::serpro_servicos::{avisar, data, gravar, pasta_gravavel};
use crate::composicao;
use crate::entrada::documento;
use crate::erro::{Codigo, ErroApp};
use guiche_domain::guia::CodigoReceita;
use guiche_domain::{Cnpj, Competencia};
use guiche_ports::receita::{ConsultaDeclaracoes, Evento, PedidoDarf, PeriodoDarf};
use std::path::Path;

/// The options of `guiche serpro darf`.
pub(crate) struct DarfCli {
    pub(crate) contribuinte: String,
    pub(crate) receita: String,
    pub(crate) periodo: String,
    pub(crate) vencimento: String,
    pub(crate) valor: String,
    pub(crate) uf: String,
    pub(crate) municipio: String,
    pub(crate) consolidacao: Option<String>,
}

fn uso(opcao: &str, texto: &str, e: impl std::fmt::Display) -> ErroApp {
    ErroApp::Uso(format!("{opcao} \"{texto}\": {e}"))
}

fn competencia(opcao: &str, texto: &str) -> Result<Competencia, ErroApp> {
    Competencia::parse(texto).map_err(|e| uso(opcao, texto, e))
}

impl DarfCli {
    /// The options read into the request (the service checks `uf` and `municipio`).
    fn pedido(&self) -> Result<PedidoDarf, ErroApp> {
        Ok(PedidoDarf {
            uf: self.uf.clone(),
            municipio: self.municipio.clone(),
            receita: CodigoReceita::parse(&self.receita)
                .map_err(|e| uso("--receita", &self.receita, e))?,
            periodo: PeriodoDarf::Mensal(competencia("--periodo", &self.periodo)?),
            vencimento: data("--vencimento", &self.vencimento)?,
            valor_imposto: crate::entrada::valor("--valor", &self.valor)?,
            data_consolidacao: self
                .consolidacao
                .as_deref()
                .map(|c| data("--consolidacao", c))
                .transpose()?,
            observacao: None,
        })
    }
}

/// `guiche serpro darf …`: calculates and issues a DARF, records it in the e-CAC ledger.
pub(crate) async fn darf(p: DarfCli, pdf: Option<&Path>, json: bool) -> Result<Codigo, ErroApp> {
    let pedido = p.pedido()?;
    let contribuinte = documento("--contribuinte", &p.contribuinte)?;
    if let Some(dir) = pdf {
        pasta_gravavel("--pdf", dir)?;
    }
    let mut d = match composicao::servico_integra()?
        .darf(contribuinte, pedido)
        .await
    {
        Ok(d) => d,
        Err(e) => return falha(e, json),
    };
    avisar(d.aviso_livro.as_ref());
    if let Some(dir) = pdf {
        let caminho = dir.join(format!("DARF-{}.pdf", d.numero_documento));
        gravar(&caminho, &d.darf.pdf)?;
        d.pdf = Some(caminho.display().to_string());
    }
    if json {
        imprimir(&d);
        return Ok(Codigo::Ok);
    }
    let g = &d.darf;
    println!(
        "DARF {} ({}): principal {} + multa {} + juros {} = {}",
        g.numero, d.receita, g.principal, g.multa, g.juros, g.total
    );
    if let Some(v) = g.valido_ate {
        println!("  pague até {v}");
    }
    if d.registrado_no_livro {
        println!("  registrado no livro do e-CAC para a baixa automática");
    }
    if let Some(a) = &d.pdf {
        println!("  PDF: {a}");
    }
    Ok(Codigo::Ok)
}

/// `guiche serpro declaracoes --contribuinte CNPJ (--ano AAAA | --periodo AAAAMM)`.
pub(crate) async fn declaracoes(
    contribuinte: &str,
    ano: Option<u16>,
    periodo: Option<&str>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let cnpj = Cnpj::parse(contribuinte).map_err(|e| uso("--contribuinte", contribuinte, e))?;
    let consulta = match (ano, periodo) {
        (_, Some(p)) => ConsultaDeclaracoes::Periodo(competencia("--periodo", p)?),
        (Some(a), None) => ConsultaDeclaracoes::Ano(a),
        (None, None) => return Err(ErroApp::Uso("informe --ano ou --periodo".into())),
    };
    let lista = match composicao::servico_integra()?
        .declaracoes(cnpj, consulta)
        .await
    {
        Ok(l) => l,
        Err(e) => return falha(e, json),
    };
    if json {
        imprimir(&lista);
        return Ok(Codigo::Ok);
    }
    for d in &lista.declaracoes {
        let d = &d.declaracao;
        let das = match (d.das, d.das_pago) {
            (Some(n), Some(true)) => format!("DAS {n} pago"),
            (Some(n), _) => format!("DAS {n} em aberto"),
            (None, _) => "sem DAS".to_owned(),
        };
        println!("{} {}: {das}", d.periodo, d.tipo_operacao);
    }
    println!("{} declaração(ões)", lista.declaracoes.len());
    Ok(Codigo::Ok)
}

/// `guiche serpro caixa-postal --contribuinte DOC`.
pub(crate) async fn caixa_postal(contribuinte: &str, json: bool) -> Result<Codigo, ErroApp> {
    let contribuinte = documento("--contribuinte", contribuinte)?;
    let caixa = match composicao::servico_integra()?
        .caixa_postal(contribuinte)
        .await
    {
        Ok(l) => l,
        Err(e) => return falha(e, json),
    };
    if json {
        imprimir(&caixa);
        return Ok(Codigo::Ok);
    }
    for m in &caixa.mensagens {
        let quando = m
            .mensagem
            .enviada_em
            .map(|d| d.to_string())
            .unwrap_or_default();
        let marca = if m.lida { " " } else { "*" };
        let relevante = if m.relevante { " [relevante]" } else { "" };
        println!("{marca} {quando} {}{relevante}", m.assunto);
    }
    let novas = caixa.mensagens.iter().filter(|m| !m.lida).count();
    println!(
        "{} mensagem(ns), {novas} não lida(s) (*)",
        caixa.mensagens.len()
    );
    Ok(Codigo::Ok)
}

fn evento(texto: &str) -> Result<Evento, ErroApp> {
    match texto.trim().to_ascii_lowercase().as_str() {
        "pagamentos" | "e0701" => Ok(Evento::Pagamentos),
        "caixa-postal" | "e0601" => Ok(Evento::CaixaPostal),
        "dctfweb" | "e0301" => Ok(Evento::Dctfweb),
        _ => Err(uso(
            "--evento",
            texto,
            "use pagamentos, caixa-postal ou dctfweb",
        )),
    }
}

/// `guiche serpro eventos --evento E --contribuintes A,B,…`: asks the protocol, waits the
/// time the service says, and shows who had updates.
pub(crate) async fn eventos(
    nome: &str,
    contribuintes: &[String],
    json: bool,
) -> Result<Codigo, ErroApp> {
    let evento = evento(nome)?;
    let lote = contribuintes
        .iter()
        .map(|c| documento("--contribuintes", c))
        .collect::<Result<Vec<_>, _>>()?;
    let matriz = match composicao::servico_integra()?.eventos(evento, &lote).await {
        Ok(m) => m,
        Err(e) => return falha(e, json),
    };
    if json {
        imprimir(&matriz);
        return Ok(Codigo::Ok);
    }
    for c in &matriz.contribuintes {
        let d = c
            .documento
            .map_or_else(|| c.contribuinte.clone(), |d| d.to_string());
        match &c.atualizado_em {
            Some(t) => println!("{d}: atualizado ({t})"),
            None => println!("{d}: sem atualização"),
        }
    }
    Ok(Codigo::Ok)
}
