//! `CAIXAPOSTAL`: the messages the Receita Federal left in the contribuinte's e-CAC mailbox
//! (`MSGCONTRIBUINTE61`, paged by a pointer) and the new-messages indicator (`INNOVAMSG63`,
//! on `/Monitorar`, not billed).

use super::{ErroServico, Id, campo, chamar, dados, dados_opcionais, lista, malformado, texto};
use crate::ClienteIntegra;
use guiche_domain::{Data, Documento};
pub use guiche_ports::receita::MensagemCaixaPostal;
use serde_json::{Value, json};

const MSGCONTRIBUINTE61: Id = ("CAIXAPOSTAL", "MSGCONTRIBUINTE61");
const INNOVAMSG63: Id = ("CAIXAPOSTAL", "INNOVAMSG63");

/// The most pages read in one listing (a guard against a pointer that never ends).
const PAGINAS_MAXIMAS: usize = 100;

/// Every message of `contribuinte`'s mailbox, read or not, page after page
/// (`CAIXAPOSTAL/MSGCONTRIBUINTE61` on `/Consultar`; `ponteiroProximaPagina` until
/// `indicadorUltimaPagina` is `S`).
///
/// # Errors
/// [`ErroServico::Integra`] for a call; [`ErroServico::Resposta`] naming the field malformed,
/// or for a mailbox that does not end within 100 pages.
pub async fn caixa_postal(
    cliente: &ClienteIntegra,
    contribuinte: &Documento,
    hoje: Data,
) -> Result<Vec<MensagemCaixaPostal>, ErroServico> {
    let mut saida = Vec::new();
    let mut ponteiro: Option<String> = None;
    for _ in 0..PAGINAS_MAXIMAS {
        let entrada = json!({
            "statusLeitura": "0",
            "indicadorPagina": if ponteiro.is_some() { "1" } else { "0" },
            "ponteiroPagina": ponteiro.as_deref().unwrap_or("00000000000"),
        });
        let r = chamar(
            cliente,
            *contribuinte,
            MSGCONTRIBUINTE61,
            entrada.to_string(),
            hoje,
        )
        .await?;
        let Some(d) = dados_opcionais(&r, MSGCONTRIBUINTE61)? else {
            return Ok(saida);
        };
        let mut ultima = true;
        let conteudo = d.get("conteudo").unwrap_or(&Value::Null);
        if conteudo.is_null() {
            return Ok(saida);
        }
        for (i, pagina) in lista(conteudo, "dados.conteudo")?.into_iter().enumerate() {
            let caminho = format!("dados.conteudo[{i}]");
            if let Some(m) = pagina.get("listaMensagens").filter(|v| !v.is_null()) {
                for (j, item) in lista(m, &caminho)?.into_iter().enumerate() {
                    saida.push(mensagem(item, &format!("{caminho}.listaMensagens[{j}]"))?);
                }
            }
            ultima = pagina.get("indicadorUltimaPagina").and_then(Value::as_str) != Some("N");
            ponteiro = pagina
                .get("ponteiroProximaPagina")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        if ultima || ponteiro.is_none() {
            return Ok(saida);
        }
    }
    Err(ErroServico::Resposta(format!(
        "CAIXAPOSTAL/MSGCONTRIBUINTE61: mais de {PAGINAS_MAXIMAS} páginas"
    )))
}

fn mensagem(v: &Value, caminho: &str) -> Result<MensagemCaixaPostal, ErroServico> {
    let opcional = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let modelo = opcional("assuntoModelo");
    let parametro = opcional("valorParametroAssunto");
    let enviada = match v.get("dataEnvio").and_then(Value::as_str) {
        Some(t) if !t.trim().is_empty() => Some(
            Data::parse_compacta(t.trim())
                .map_err(|e| malformado(&format!("{caminho}.dataEnvio"), e))?,
        ),
        _ => None,
    };
    Ok(MensagemCaixaPostal {
        isn: texto(v, caminho, "isn")?,
        assunto: modelo.replace("++VARIAVEL++", &parametro),
        enviada_em: enviada,
        lida: opcional("indicadorLeitura") == "1",
        relevante: opcional("relevancia") == "2",
        origem: opcional("descricaoOrigem"),
    })
}

/// Whether `contribuinte` has unread messages (`CAIXAPOSTAL/INNOVAMSG63` on `/Monitorar`:
/// `indicadorMensagensNovas` 1 or 2).
///
/// # Errors
/// [`ErroServico::Integra`] for the call; [`ErroServico::Resposta`] when the indicator is
/// missing.
pub async fn tem_mensagens_novas(
    cliente: &ClienteIntegra,
    contribuinte: &Documento,
    hoje: Data,
) -> Result<bool, ErroServico> {
    let r = chamar(cliente, *contribuinte, INNOVAMSG63, String::new(), hoje).await?;
    let d = dados(&r, INNOVAMSG63)?;
    let conteudo = campo(&d, "dados", "conteudo")?;
    let primeiro = lista(conteudo, "dados.conteudo")?
        .into_iter()
        .next()
        .ok_or_else(|| malformado("dados.conteudo", "vazio"))?;
    let indicador = texto(primeiro, "dados.conteudo[0]", "indicadorMensagensNovas")?;
    Ok(indicador.trim() != "0")
}
