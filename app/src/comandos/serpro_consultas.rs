//! `guiche serpro darf|declaracoes|caixa-postal|eventos`: more typed services of Integra
//! Contador, with the contratante as author. A DARF issued here is recorded in the e-CAC
//! ledger for reconciliation.

use super::serpro::cliente_integra;
use super::serpro_servicos::{data, falha, gravar, imprimir, pasta_gravavel, registrar_guia};
use crate::entrada::documento;
use crate::erro::{Codigo, ErroApp};
use crate::relogio::RelogioSistema;
use guiche_domain::guia::{CodigoReceita, Guia, TipoGuia};
use guiche_domain::{Cnpj, Competencia, Documento};
use guiche_ports::Relogio;
use guiche_serpro::servicos::{
    self, Atualizacao, ConsultaDeclaracoes, Evento, PedidoDarf, PeriodoDarf,
};
use serde_json::json;
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
    fn pedido(&self) -> Result<(Documento, PedidoDarf), ErroApp> {
        let uf = self.uf.trim().to_ascii_uppercase();
        if uf.len() != 2 || !uf.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(uso(
                "--uf",
                &self.uf,
                "use a sigla de duas letras (ex.: SP)",
            ));
        }
        if self.municipio.is_empty() || !self.municipio.bytes().all(|b| b.is_ascii_digit()) {
            return Err(uso(
                "--municipio",
                &self.municipio,
                "use o código SIAFI (só dígitos)",
            ));
        }
        let valor = crate::entrada::valor("--valor", &self.valor)?;
        let pedido = PedidoDarf {
            uf,
            municipio: self.municipio.clone(),
            receita: CodigoReceita::parse(&self.receita)
                .map_err(|e| uso("--receita", &self.receita, e))?,
            periodo: PeriodoDarf::Mensal(competencia("--periodo", &self.periodo)?),
            vencimento: data("--vencimento", &self.vencimento)?,
            valor_imposto: valor,
            data_consolidacao: self
                .consolidacao
                .as_deref()
                .map(|c| data("--consolidacao", c))
                .transpose()?,
            observacao: None,
        };
        Ok((documento("--contribuinte", &self.contribuinte)?, pedido))
    }
}

/// `guiche serpro darf …`: calculates and issues a DARF, records it in the e-CAC ledger.
pub(crate) async fn darf(p: DarfCli, pdf: Option<&Path>, json: bool) -> Result<Codigo, ErroApp> {
    let (contribuinte, pedido) = p.pedido()?;
    if let Some(dir) = pdf {
        pasta_gravavel("--pdf", dir)?;
    }
    let livro = crate::config::abrir_livro()?;
    let cliente = cliente_integra()?;
    let hoje = RelogioSistema.hoje();
    let d = match servicos::gerar_darf(&cliente, &contribuinte, &pedido, hoje).await {
        Ok(d) => d,
        Err(e) => return Ok(falha(&e, json)),
    };
    let periodo = match pedido.periodo {
        PeriodoDarf::Mensal(c) => c,
        _ => Competencia::de(pedido.vencimento),
    };
    let registrada = registrar_guia(
        &livro,
        &Guia {
            tipo: TipoGuia::Darf,
            numero: d.numero,
            contribuinte,
            codigo_receita: Some(pedido.receita),
            periodo,
            vencimento: d.valido_ate.unwrap_or(pedido.vencimento),
            valor: d.total,
            codigo_barras: None,
        },
    );
    let arquivo = match pdf {
        Some(dir) => {
            let caminho = dir.join(format!("DARF-{}.pdf", d.numero.as_digitos()));
            gravar(&caminho, &d.pdf)?;
            Some(caminho.display().to_string())
        }
        None => None,
    };
    if json {
        imprimir(&json!({
            "numeroDocumento": d.numero.as_digitos(),
            "principal": d.principal.decimal().to_string(),
            "multa": d.multa.decimal().to_string(),
            "juros": d.juros.decimal().to_string(),
            "total": d.total.decimal().to_string(),
            "validoAte": d.valido_ate.map(|v| v.iso()),
            "pdf": arquivo,
            "registradoNoLivro": registrada,
        }));
    } else {
        println!(
            "DARF {} ({}): principal {} + multa {} + juros {} = {}",
            d.numero, pedido.receita, d.principal, d.multa, d.juros, d.total
        );
        if let Some(v) = d.valido_ate {
            println!("  pague até {v}");
        }
        if registrada {
            println!("  registrado no livro do e-CAC para a baixa automática");
        }
        if let Some(a) = arquivo {
            println!("  PDF: {a}");
        }
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
    let cliente = cliente_integra()?;
    let hoje = RelogioSistema.hoje();
    let lista = match servicos::declaracoes_pgdasd(&cliente, &cnpj, consulta, hoje).await {
        Ok(l) => l,
        Err(e) => return Ok(falha(&e, json)),
    };
    if json {
        let v: Vec<_> = lista
            .iter()
            .map(|d| {
                json!({
                    "periodoApuracao": d.periodo.compacta(),
                    "tipoOperacao": d.tipo_operacao,
                    "numeroDeclaracao": d.numero_declaracao,
                    "numeroDas": d.das.map(|n| n.as_digitos()),
                    "dasPago": d.das_pago,
                })
            })
            .collect();
        imprimir(&json!({ "declaracoes": v }));
        return Ok(Codigo::Ok);
    }
    for d in &lista {
        let das = match (d.das, d.das_pago) {
            (Some(n), Some(true)) => format!("DAS {n} pago"),
            (Some(n), _) => format!("DAS {n} em aberto"),
            (None, _) => "sem DAS".to_owned(),
        };
        println!("{} {}: {das}", d.periodo, d.tipo_operacao);
    }
    println!("{} declaração(ões)", lista.len());
    Ok(Codigo::Ok)
}

/// `guiche serpro caixa-postal --contribuinte DOC`.
pub(crate) async fn caixa_postal(contribuinte: &str, json: bool) -> Result<Codigo, ErroApp> {
    let contribuinte = documento("--contribuinte", contribuinte)?;
    let cliente = cliente_integra()?;
    let hoje = RelogioSistema.hoje();
    let lista = match servicos::caixa_postal(&cliente, &contribuinte, hoje).await {
        Ok(l) => l,
        Err(e) => return Ok(falha(&e, json)),
    };
    if json {
        let v: Vec<_> = lista
            .iter()
            .map(|m| json!({ "isn": m.isn, "assunto": m.assunto, "enviadaEm": m.enviada_em.map(|d| d.iso()), "lida": m.lida, "relevante": m.relevante, "origem": m.origem }))
            .collect();
        imprimir(&json!({ "mensagens": v }));
        return Ok(Codigo::Ok);
    }
    for m in &lista {
        let quando = m.enviada_em.map(|d| d.to_string()).unwrap_or_default();
        let marca = if m.lida { " " } else { "*" };
        let relevante = if m.relevante { " [relevante]" } else { "" };
        println!("{marca} {quando} {}{relevante}", m.assunto);
    }
    let novas = lista.iter().filter(|m| !m.lida).count();
    println!("{} mensagem(ns), {novas} não lida(s) (*)", lista.len());
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
    let cliente = cliente_integra()?;
    let hoje = RelogioSistema.hoje();
    let protocolo = match servicos::solicitar_eventos(&cliente, &lote, evento, hoje).await {
        Ok(p) => p,
        Err(e) => return Ok(falha(&e, json)),
    };
    tokio::time::sleep(protocolo.espera).await;
    let matriz = match servicos::obter_eventos(&cliente, &protocolo, hoje).await {
        Ok(m) => m,
        Err(e) => return Ok(falha(&e, json)),
    };
    let texto = |a: &Atualizacao| match a {
        Atualizacao::Nenhuma => None,
        Atualizacao::Em(d) => Some(d.iso()),
        Atualizacao::SemData => Some("sem data".to_owned()),
    };
    if json {
        let v: Vec<_> = matriz
            .iter()
            .map(|(d, a)| json!({ "contribuinte": d.as_str(), "atualizadoEm": texto(a) }))
            .collect();
        imprimir(
            &json!({ "evento": evento.codigo(), "protocolo": protocolo.protocolo, "contribuintes": v }),
        );
        return Ok(Codigo::Ok);
    }
    for (d, a) in &matriz {
        match texto(a) {
            Some(t) => println!("{d}: atualizado ({t})"),
            None => println!("{d}: sem atualização"),
        }
    }
    Ok(Codigo::Ok)
}
