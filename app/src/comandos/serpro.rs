//! `guiche serpro call|procurador|usage`, and how every SERPRO command shows a failure.

use crate::composicao;
use crate::entrada;
use crate::erro::{Codigo, ErroApp};
use crate::saida;
use guiche_aplicacao::Classificar;
use guiche_aplicacao::serpro::ErroSerpro;
use guiche_aplicacao::serpro::integra::{PedidoChamada, RespostaChamada};
use guiche_domain::Documento;
use guiche_domain::serpro::TipoServico;

pub(crate) use crate::composicao::cliente_integra;

/// `guiche serpro usage [--contratante CNPJ] [--mes AAAAMM]`: billed calls recorded in the ledger.
pub(crate) fn uso(
    contratante: Option<&str>,
    mes: Option<&str>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let contratante = contratante
        .map(|c| entrada::documento("--contratante", c))
        .transpose()?;
    let consumo = match composicao::servico_uso()?.consumo(contratante, mes) {
        Ok(c) => c,
        Err(e) => return falha(e, json),
    };
    if json {
        imprimir(&consumo);
        return Ok(Codigo::Ok);
    }
    if consumo.consumo.is_empty() {
        println!("nenhuma chamada bilhetada registrada");
        return Ok(Codigo::Ok);
    }
    println!(
        "{:<8} {:<16} {:<34} {:>9}",
        "mês", "contratante", "serviço", "chamadas"
    );
    for c in &consumo.consumo {
        println!(
            "{:<8} {:<16} {:<34} {:>9}",
            c.janela, c.contratante, c.servico, c.chamadas
        );
    }
    println!("total: {} chamada(s) bilhetada(s)", consumo.total());
    Ok(Codigo::Ok)
}

/// `guiche serpro usage --conferir RELATORIO.csv [--contratante C] [--mes AAAAMM]`: SERPRO's
/// consumption report against the ledger's record of calls. Exit 0 when they agree, 1 when
/// something differs (as `guiche ecac` does for conflicts), 2 for a report that does not read.
pub(crate) fn conferir(
    relatorio: &std::path::Path,
    contratante: Option<&str>,
    mes: Option<&str>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let bytes = std::fs::read(relatorio).map_err(|e| ErroApp::Arquivo {
        caminho: relatorio.display().to_string(),
        motivo: e.to_string(),
    })?;
    let linhas = guiche_planilha::consumo_serpro::ler(&bytes).map_err(|e| ErroApp::Arquivo {
        caminho: relatorio.display().to_string(),
        motivo: e.to_string(),
    })?;
    // The ledger keys Integra Contador's calls by the contratante's digits.
    let contratante = contratante
        .map(|c| entrada::documento("--contratante", c).map(|d| d.as_str().to_owned()))
        .transpose()?;
    let c = match composicao::servico_uso()?.conferir(&linhas, contratante.as_deref(), mes) {
        Ok(c) => c,
        Err(e) => return falha(e, json),
    };
    let codigo = if c.confere() {
        Codigo::Ok
    } else {
        Codigo::Rejeitado
    };
    if json {
        imprimir(&c);
        return Ok(codigo);
    }
    println!(
        "período {}: {} linha(s) no relatório (quantidade {}), {} chamada(s) no livro ({} bilhetada(s)), {} conferida(s)",
        c.meses.join(", "),
        c.linhas_relatorio,
        c.quantidade_relatorio,
        c.chamadas_livro,
        c.bilhetadas_livro,
        c.conferidas
    );
    if c.nao_bilhetadas_fora_do_relatorio > 0 {
        println!(
            "{} chamada(s) não bilhetada(s) do livro fora do relatório (nada cobrado: não é diferença)",
            c.nao_bilhetadas_fora_do_relatorio
        );
    }
    for d in &c.desfechos {
        println!(
            "desfecho desconhecido no livro, o relatório diz: etiqueta {} {} {} status {} quantidade {} (linha {})",
            d.etiqueta, d.instante, d.servico, d.status, d.quantidade, d.linha
        );
    }
    if c.confere() {
        println!("relatório e livro conferem: nenhuma diferença");
        return Ok(codigo);
    }
    println!("{} diferença(s):", c.diferencas.len());
    let mut etiqueta_atual: Option<&str> = None;
    for d in &c.diferencas {
        if etiqueta_atual != Some(d.etiqueta.as_str()) {
            let nome = if d.etiqueta.is_empty() {
                "(sem etiqueta)"
            } else {
                d.etiqueta.as_str()
            };
            println!("etiqueta {nome}:");
            etiqueta_atual = Some(d.etiqueta.as_str());
        }
        let status = d
            .status
            .map_or_else(|| "desconhecido".to_owned(), |s| s.to_string());
        let linha = d.linha.map(|l| format!(" (linha {l})")).unwrap_or_default();
        let onde = d
            .servico
            .as_deref()
            .or(d.url.as_deref())
            .unwrap_or_default();
        let o_que = match d.tipo {
            guiche_aplicacao::serpro::conferencia::TipoDiferenca::SoNoRelatorio => format!(
                "só no relatório: {} {onde} status {status} quantidade {}{linha}",
                d.instante,
                d.quantidade_relatorio.as_deref().unwrap_or_default()
            ),
            guiche_aplicacao::serpro::conferencia::TipoDiferenca::SoNoLivro => format!(
                "só no livro: {} {onde} status {status} bilhetada",
                d.instante
            ),
            guiche_aplicacao::serpro::conferencia::TipoDiferenca::Quantidade => format!(
                "quantidade difere: {} {onde} status {status}: relatório {}, livro {}{linha}",
                d.instante,
                d.quantidade_relatorio.as_deref().unwrap_or_default(),
                d.quantidade_livro.as_deref().unwrap_or_default()
            ),
        };
        println!("  ✗ {o_que}");
    }
    Ok(codigo)
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
    pub(crate) etiqueta: Option<String>,
}

/// `guiche serpro call TIPO --sistema --servico [--versao] --contribuinte [--dados] [--autor]
/// [--etiqueta]`.
pub(crate) async fn chamar(p: PedidoCli, json: bool) -> Result<Codigo, ErroApp> {
    let tipo: TipoServico = p.tipo.parse().map_err(|e| ErroApp::Uso(format!("{e}")))?;
    let contribuinte = entrada::documento("--contribuinte", &p.contribuinte)?;
    let autor = p
        .autor
        .as_deref()
        .map(|a| entrada::documento("--autor", a))
        .transpose()?;
    let pedido = PedidoChamada {
        tipo,
        sistema: p.sistema,
        servico: p.servico,
        versao: p.versao,
        contribuinte,
        dados: p.dados.unwrap_or_default(),
        autor,
        etiqueta: p.etiqueta,
    };
    match composicao::servico_integra()?.chamar(pedido).await {
        Ok(r) => {
            mostrar(&r, json);
            Ok(Codigo::Ok)
        }
        Err(e) => falha(e, json),
    }
}

/// `guiche serpro procurador --autor DOC`: signs the authorization term with the
/// procurador's certificate, sends it, and shows until when the token holds — never the token
/// itself (docs/decisions/0009).
pub(crate) async fn procurador(autor: &str, json: bool) -> Result<Codigo, ErroApp> {
    let autor: Documento = entrada::documento("--autor", autor)?;
    let aceito = match composicao::servico_integra()?.procurador(autor).await {
        Ok(a) => a,
        Err(e) => return falha(e, json),
    };
    if json {
        imprimir(&aceito);
        return Ok(Codigo::Ok);
    }
    println!(
        "termo de autorização de {autor} para {} aceito pelo SERPRO",
        aceito.contratante
    );
    match &aceito.expira_brasilia {
        Some((d, h)) => {
            println!("  o token de procurador vale até {d} {h} (horário de Brasília)")
        }
        None => println!("  o SERPRO não informou a validade do token"),
    }
    Ok(Codigo::Ok)
}

fn mostrar(r: &RespostaChamada, json: bool) {
    if json {
        imprimir(r);
        return;
    }
    let bilhetado = if r.bilhetado { " (bilhetada)" } else { "" };
    println!("HTTP {}{bilhetado}", r.status);
    for m in &r.mensagens {
        println!("  {}: {}", m.codigo, m.texto);
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&r.dados).unwrap_or_default()
    );
}

/// Prints a result of an application service as the `--json` document.
pub(crate) fn imprimir<T: serde::Serialize>(resultado: &T) {
    let v = serde_json::to_value(resultado).unwrap_or_default();
    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
}

/// How a SERPRO or Conecta command ends on a failure: the remote system's failures are shown
/// as its answer (stdout, text or `--json`) with the exit code of their nature; a bad option
/// is a usage error naming it; the ledger's failure a configuration error.
pub(crate) fn falha(e: ErroSerpro, json: bool) -> Result<Codigo, ErroApp> {
    match e {
        ErroSerpro::Campo {
            campo,
            valor,
            regra,
        } => Err(ErroApp::Uso(format!("--{campo} \"{valor}\": {regra}"))),
        ErroSerpro::Bilhetagem(b) => Err(ErroApp::Configuracao(b.to_string())),
        ErroSerpro::Conecta(_) => {
            saida::erro_remoto("Conecta gov.br", &e, json);
            Ok(Codigo::from(e.natureza()))
        }
        _ => {
            saida::erro_remoto("SERPRO", &e, json);
            Ok(Codigo::from(e.natureza()))
        }
    }
}
