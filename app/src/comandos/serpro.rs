//! `guiche serpro …`

use crate::config;
use crate::entrada;
use crate::erro::{Codigo, ErroApp};
use crate::relogio::RelogioSistema;
use crate::saida;
use guiche_domain::Documento;
use guiche_domain::serpro::{Pedido, PedidoDados, TipoServico, servico};
use guiche_ports::Relogio;
use guiche_ports::bilhetagem::{Janela, MedidorBilhetagem};
use guiche_serpro::certificado::{Certificado, Senha};
use guiche_serpro::termo::TermoAutorizacao;
use guiche_serpro::{
    Chamada, ClienteIntegra, ConfigIntegra, ErroIntegra, Politica, Retorno, Segredo,
};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// `guiche serpro usage [--contratante CNPJ] [--mes AAAAMM]`: billed calls recorded in the ledger.
pub(crate) fn uso(
    contratante: Option<&str>,
    mes: Option<&str>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let contratante = contratante
        .map(|c| entrada::documento("--contratante", c).map(|d| d.as_str().to_owned()))
        .transpose()?;
    let janela = mes
        .map(|m| match Janela::ler(m) {
            Some(j @ Janela::Mes(_)) => Ok(j),
            _ => Err(ErroApp::Uso(format!(
                "--mes \"{m}\": use AAAAMM, por exemplo 202611"
            ))),
        })
        .transpose()?;
    let consumo = config::abrir_livro()?
        .consumo(contratante.as_deref(), janela)
        .map_err(|e| ErroApp::Configuracao(e.to_string()))?;
    if json {
        let v: Vec<_> = consumo
            .iter()
            .map(|c| json!({ "contratante": c.contratante, "servico": c.servico, "janela": c.janela.to_string(), "chamadas": c.chamadas }))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "consumo": v })).unwrap_or_default()
        );
        return Ok(Codigo::Ok);
    }
    if consumo.is_empty() {
        println!("nenhuma chamada bilhetada registrada");
        return Ok(Codigo::Ok);
    }
    println!(
        "{:<8} {:<16} {:<34} {:>9}",
        "mês", "contratante", "serviço", "chamadas"
    );
    for c in &consumo {
        println!(
            "{:<8} {:<16} {:<34} {:>9}",
            c.janela.to_string(),
            c.contratante,
            c.servico,
            c.chamadas
        );
    }
    let total: u64 = consumo.iter().map(|c| c.chamadas).sum();
    println!("total: {total} chamada(s) bilhetada(s)");
    Ok(Codigo::Ok)
}

/// The arguments of `guiche serpro call`.
pub(crate) struct PedidoCli {
    pub(crate) tipo: String,
    pub(crate) sistema: String,
    pub(crate) servico: String,
    pub(crate) versao: Option<String>,
    pub(crate) contribuinte: String,
    pub(crate) dados: Option<String>,
    pub(crate) autor: Option<String>,
}

/// Reads a PKCS#12 certificate from `{var}` (path) and `{var}_PASSWORD` (or its `_ARQUIVO`).
pub(crate) fn certificado(var: &str) -> Result<Certificado, ErroApp> {
    let caminho = config::var(var).ok_or_else(|| {
        ErroApp::Configuracao(format!(
            "{var} não está definida (o caminho do certificado .pfx/.p12)"
        ))
    })?;
    let senha = config::obrigatorio(&format!("{var}_PASSWORD"), "abrir o certificado")?;
    let c = Certificado::ler_arquivo(std::path::Path::new(&caminho), &Senha::new(senha))
        .map_err(|e| ErroApp::Configuracao(format!("{var}={caminho}: {e}")))?;
    c.validar_em(std::time::SystemTime::now())
        .map_err(|e| ErroApp::Configuracao(format!("{var}={caminho}: {e}")))?;
    Ok(c)
}

/// The Integra Contador client from the environment, metering billed calls in the ledger.
pub(crate) fn cliente_integra() -> Result<ClienteIntegra, ErroApp> {
    let livro = Arc::new(config::abrir_livro()?);
    let var = |nome: &str, para: &str| config::obrigatorio(nome, para);
    let ca = config::ca_extra()?;
    let cliente = ClienteIntegra::new(ConfigIntegra {
        url_autenticacao: config::var("GUICHE_SERPRO_AUTH_URL")
            .unwrap_or_else(|| "https://autenticacao.sapi.serpro.gov.br/authenticate".into()),
        url_gateway: config::var("GUICHE_SERPRO_URL").unwrap_or_else(|| {
            "https://gateway.apiserpro.serpro.gov.br/integra-contador/v1".into()
        }),
        consumer_key: var("GUICHE_SERPRO_CONSUMER_KEY", "autenticar no SERPRO")?,
        consumer_secret: Segredo::new(var(
            "GUICHE_SERPRO_CONSUMER_SECRET",
            "autenticar no SERPRO",
        )?),
        certificado: certificado("GUICHE_SERPRO_CERT")?,
        ca_extra_pem: ca,
        timeout: Duration::from_secs(60),
    })
    .map_err(|e| ErroApp::Configuracao(e.to_string()))?;
    let politica = Politica {
        medidor: Some(livro as Arc<dyn MedidorBilhetagem>),
        teto_mensal: config::numero("GUICHE_SERPRO_TETO_MENSAL", "chamadas")?,
        ..Politica::default()
    };
    Ok(cliente.com_politica(politica))
}

fn codigo_erro(e: &ErroIntegra) -> Codigo {
    match e {
        ErroIntegra::Configuracao(_) | ErroIntegra::Autenticacao { .. } => Codigo::Uso,
        ErroIntegra::NaoEnviado(_)
        | ErroIntegra::Desconhecido(_)
        | ErroIntegra::Protocolo(_)
        | ErroIntegra::ErroServidor { .. } => Codigo::Transporte,
        _ => Codigo::Rejeitado,
    }
}

/// `guiche serpro call TIPO --sistema --servico [--versao] --contribuinte [--dados] [--autor]`.
pub(crate) async fn chamar(p: PedidoCli, json: bool) -> Result<Codigo, ErroApp> {
    let tipo: TipoServico = p.tipo.parse().map_err(|e| ErroApp::Uso(format!("{e}")))?;
    let contribuinte = entrada::documento("--contribuinte", &p.contribuinte)?;
    let dados = p.dados.unwrap_or_default();
    if !dados.trim().is_empty() && serde_json::from_str::<serde_json::Value>(&dados).is_err() {
        return Err(ErroApp::Uso(
            "--dados deve ser um documento JSON (ex.: '{\"periodoApuracao\":\"202510\"}')".into(),
        ));
    }
    let cliente = cliente_integra()?;
    let contratante = cliente.contratante();
    let autor = match &p.autor {
        Some(a) => entrada::documento("--autor", a)?,
        None => Documento::Cnpj(contratante),
    };
    let versao = p.versao.unwrap_or_else(|| {
        servico(&p.sistema, &p.servico)
            .map_or("1.0", |s| s.versao_sistema)
            .to_owned()
    });
    let pedido = Pedido {
        contratante,
        autor_pedido_dados: autor,
        contribuinte,
        pedido_dados: PedidoDados {
            id_sistema: p.sistema,
            id_servico: p.servico,
            versao_sistema: versao,
            dados,
        },
    };
    let hoje = RelogioSistema.hoje();
    let token = match autor {
        Documento::Cnpj(c) if c == contratante => None,
        _ => match token_procurador(&cliente, autor, hoje).await {
            Ok(t) => Some(t),
            Err(e) => return Ok(mostrar_erro(&e, json)),
        },
    };
    let chamada = Chamada {
        tipo,
        pedido: &pedido,
        token_procurador: token.as_deref(),
        hoje,
    };
    match cliente.chamar(chamada).await {
        Ok(r) => {
            mostrar(&r, json);
            Ok(Codigo::Ok)
        }
        Err(e) => Ok(mostrar_erro(&e, json)),
    }
}

/// `guiche serpro procurador --autor DOC`: signs the authorization term with the
/// procurador's certificate, sends it, and shows until when the token holds — never the token
/// itself (docs/decisions/0009).
pub(crate) async fn procurador(autor: &str, json: bool) -> Result<Codigo, ErroApp> {
    let autor = entrada::documento("--autor", autor)?;
    let cliente = cliente_integra()?;
    let hoje = RelogioSistema.hoje();
    let token = match autenticar_procurador(&cliente, autor, hoje).await {
        Ok(t) => t,
        Err(e) => return Ok(mostrar_erro(&e, json)),
    };
    let expira = token.expira_em.map(crate::relogio::em_brasilia);
    if json {
        let iso = expira
            .as_ref()
            .map(|(d, h)| format!("{}T{h}-03:00", d.iso()));
        let v = json!({ "autor": autor.as_str(), "contratante": cliente.contratante().as_str(), "aceito": true, "expiraEm": iso });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!(
            "termo de autorização de {autor} para {} aceito pelo SERPRO",
            cliente.contratante()
        );
        match expira {
            Some((d, h)) => {
                println!("  o token de procurador vale até {d} {h} (horário de Brasília)")
            }
            None => println!("  o SERPRO não informou a validade do token"),
        }
    }
    Ok(Codigo::Ok)
}

/// Signs the authorization term with the procurador's certificate and sends it.
async fn token_procurador(
    cliente: &ClienteIntegra,
    autor: Documento,
    hoje: guiche_domain::Data,
) -> Result<String, ErroIntegra> {
    Ok(autenticar_procurador(cliente, autor, hoje).await?.token)
}

/// Signs and sends the term; the token and its expiry.
async fn autenticar_procurador(
    cliente: &ClienteIntegra,
    autor: Documento,
    hoje: guiche_domain::Data,
) -> Result<guiche_serpro::TokenProcurador, ErroIntegra> {
    let cert = certificado("GUICHE_SERPRO_PROCURADOR_CERT")
        .map_err(|e| ErroIntegra::Configuracao(e.to_string()))?;
    if cert.titular() != Some(autor) {
        return Err(ErroIntegra::Configuracao(format!(
            "o certificado do procurador não é de {autor} (--autor)"
        )));
    }
    let nome = cert.nome().unwrap_or("PROCURADOR").to_owned();
    let termo = TermoAutorizacao::novo(
        (cliente.contratante(), "CONTRATANTE".into()),
        (autor, nome),
        hoje,
    )
    .and_then(|t| t.assinar(cert.chave_pkcs8_der(), cert.certificado_der()))
    .map_err(|e| ErroIntegra::Configuracao(format!("termo de autorização: {e}")))?;
    cliente.autenticar_procurador(&termo, autor, hoje).await
}

fn mostrar(r: &Retorno, json: bool) {
    let resposta = r.resposta.as_ref();
    let dados = resposta
        .and_then(|x| x.dados_json())
        .unwrap_or_else(|| json!(resposta.map(|x| x.dados.clone()).unwrap_or_default()));
    let mensagens: Vec<_> = resposta
        .map(|x| {
            x.mensagens
                .iter()
                .map(|m| json!({ "codigo": m.codigo, "texto": m.texto }))
                .collect()
        })
        .unwrap_or_default();
    if json {
        let v = json!({ "status": r.status, "bilhetado": r.bilhetado, "mensagens": mensagens, "dados": dados, "etag": r.etag });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return;
    }
    let bilhetado = if r.bilhetado { " (bilhetada)" } else { "" };
    println!("HTTP {}{bilhetado}", r.status);
    for m in resposta.map(|x| x.mensagens.as_slice()).unwrap_or_default() {
        println!("  {}: {}", m.codigo, m.texto);
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&dados).unwrap_or_default()
    );
}

/// Shows a failed call and returns its exit code.
pub(crate) fn mostrar_erro(e: &ErroIntegra, json: bool) -> Codigo {
    imprimir_erro(e, json);
    codigo_erro(e)
}

/// Prints what went wrong talking to SERPRO (see [`saida::erro_remoto`]).
pub(crate) fn imprimir_erro(e: &dyn std::fmt::Display, json: bool) {
    saida::erro_remoto("SERPRO", e, json);
}
