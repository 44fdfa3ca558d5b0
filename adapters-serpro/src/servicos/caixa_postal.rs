//! `CAIXAPOSTAL`: the messages the Receita Federal left in the contribuinte's e-CAC mailbox
//! (`MSGCONTRIBUINTE61`, paged by a pointer) and the new-messages indicator (`INNOVAMSG63`,
//! on `/Monitorar`, not billed).

use super::{ErroServico, Id, chamar, ler, ler_opcional, malformado};
use crate::wire::caixa_postal::{
    DadosCaixaPostal, DadosMensagensNovas, MensagemDto, PedidoCaixaPostal,
};
use crate::wire::dados::SeObjeto;
use crate::{ClienteIntegra, ErroIntegra};
use guiche_domain::{Data, Documento};
pub use guiche_ports::receita::MensagemCaixaPostal;

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
        let entrada = serde_json::to_string(&PedidoCaixaPostal {
            status_leitura: "0".into(),
            indicador_pagina: if ponteiro.is_some() { "1" } else { "0" }.into(),
            ponteiro_pagina: ponteiro.as_deref().unwrap_or("00000000000").into(),
        })
        .map_err(|e| ErroIntegra::Invalido(e.to_string()))?;
        let r = chamar(cliente, *contribuinte, MSGCONTRIBUINTE61, entrada, hoje).await?;
        let Some(SeObjeto(d)) = ler_opcional::<SeObjeto<DadosCaixaPostal>>(&r, MSGCONTRIBUINTE61)?
        else {
            return Ok(saida);
        };
        let Some(conteudo) = d.conteudo else {
            return Ok(saida);
        };
        let mut ultima = true;
        for (i, SeObjeto(pagina)) in conteudo.into_iter().enumerate() {
            let caminho = format!("dados.conteudo[{i}]");
            for (j, item) in pagina.lista_mensagens.into_iter().flatten().enumerate() {
                saida.push(mensagem(item, &format!("{caminho}.listaMensagens[{j}]"))?);
            }
            ultima = pagina.indicador_ultima_pagina.0.as_deref() != Some("N");
            ponteiro = pagina.ponteiro_proxima_pagina.0;
        }
        if ultima || ponteiro.is_none() {
            return Ok(saida);
        }
    }
    Err(ErroServico::Resposta(format!(
        "CAIXAPOSTAL/MSGCONTRIBUINTE61: mais de {PAGINAS_MAXIMAS} páginas"
    )))
}

/// One message in domain terms.
fn mensagem(m: MensagemDto, caminho: &str) -> Result<MensagemCaixaPostal, ErroServico> {
    let enviada = match m.data_envio.0.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => Some(
            Data::parse_compacta(t).map_err(|e| malformado(&format!("{caminho}.dataEnvio"), e))?,
        ),
        _ => None,
    };
    Ok(MensagemCaixaPostal {
        isn: m.isn.0,
        assunto: m
            .assunto_modelo
            .ou_vazio()
            .replace("++VARIAVEL++", m.valor_parametro_assunto.ou_vazio()),
        enviada_em: enviada,
        lida: m.indicador_leitura.ou_vazio() == "1",
        relevante: m.relevancia.ou_vazio() == "2",
        origem: m.descricao_origem.0.unwrap_or_default(),
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
    let d: DadosMensagensNovas = ler(&r, INNOVAMSG63)?;
    let primeiro = d
        .conteudo
        .into_iter()
        .next()
        .ok_or_else(|| malformado("dados.conteudo", "vazio"))?;
    Ok(primeiro.indicador_mensagens_novas.as_str().trim() != "0")
}
