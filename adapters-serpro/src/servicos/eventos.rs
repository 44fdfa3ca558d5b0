//! `EVENTOSATUALIZACAO` (on `/Monitorar`, not billed): which of up to 1,000 contribuintes had
//! updates of a kind in the last 60 days — ask a protocol for the batch
//! (`SOLICEVENTOSPF131`/`PJ132`), wait, then read the matrix (`OBTEREVENTOSPF133`/`PJ134`).
//! The service allows 1,000 asks a day per kind (PF, PJ) and answers 429 past it.

use super::{ErroServico, envelope, lista, malformado, texto};
use crate::{Chamada, ClienteIntegra, ErroIntegra};
use guiche_domain::{Data, Documento};
pub use guiche_ports::receita::{Atualizacao, Evento, ProtocoloEventos};
use serde_json::{Value, json};
use std::time::Duration;

fn ids(lote: &[Documento], pedir: bool) -> (&'static str, &'static str) {
    let pj = matches!(lote.first(), Some(Documento::Cnpj(_)));
    match (pj, pedir) {
        (false, true) => ("EVENTOSATUALIZACAO", "SOLICEVENTOSPF131"),
        (true, true) => ("EVENTOSATUALIZACAO", "SOLICEVENTOSPJ132"),
        (false, false) => ("EVENTOSATUALIZACAO", "OBTEREVENTOSPF133"),
        (true, false) => ("EVENTOSATUALIZACAO", "OBTEREVENTOSPJ134"),
    }
}

async fn chamar_lote(
    cliente: &ClienteIntegra,
    lote: &[Documento],
    id: (&'static str, &'static str),
    dados: String,
    hoje: Data,
) -> Result<Value, ErroServico> {
    let primeiro = lote.first().ok_or_else(|| {
        ErroServico::Integra(ErroIntegra::Invalido("lote de contribuintes vazio".into()))
    })?;
    let (pedido, tipo) = envelope(cliente, *primeiro, id, dados)?;
    let chamada = Chamada {
        tipo,
        pedido: &pedido,
        token_procurador: None,
        hoje,
    };
    let r = cliente.chamar_lote(chamada, lote).await?;
    super::dados(&r, id)
}

/// Asks a protocol for `evento` over `lote` (1–1,000 documents, all CPFs or all CNPJs).
///
/// # Errors
/// [`ErroServico::Integra`] (an invalid batch is refused before any call; the daily limit is
/// a 429); [`ErroServico::Resposta`] naming the field malformed.
pub async fn solicitar_eventos(
    cliente: &ClienteIntegra,
    lote: &[Documento],
    evento: Evento,
    hoje: Data,
) -> Result<ProtocoloEventos, ErroServico> {
    let entrada = json!({ "evento": evento.codigo() }).to_string();
    let d = chamar_lote(cliente, lote, ids(lote, true), entrada, hoje).await?;
    let ms = |k: &str| -> Result<Duration, ErroServico> {
        let t = texto(&d, "dados", k)?;
        t.trim()
            .parse::<u64>()
            .map_err(|e| malformado(&format!("dados.{k}"), e))
            .map(Duration::from_millis)
    };
    Ok(ProtocoloEventos {
        protocolo: texto(&d, "dados", "protocolo")?,
        espera: ms("TempoEsperaMedioEmMs")?,
        validade: ms("TempoLimiteEmMin")? * 60_000,
        evento,
        lote: lote.to_vec(),
    })
}

/// Reads a protocol's matrix: one [`Atualizacao`] per document of the batch, in the order
/// the service lists them.
///
/// # Errors
/// [`ErroServico::Integra`]; [`ErroServico::Resposta`] naming the line malformed.
pub async fn obter_eventos(
    cliente: &ClienteIntegra,
    protocolo: &ProtocoloEventos,
    hoje: Data,
) -> Result<Vec<(Documento, Atualizacao)>, ErroServico> {
    let entrada = json!({ "protocolo": protocolo.protocolo, "evento": protocolo.evento.codigo() })
        .to_string();
    let d = chamar_lote(
        cliente,
        &protocolo.lote,
        ids(&protocolo.lote, false),
        entrada,
        hoje,
    )
    .await?;
    lista(&d, "dados")?
        .into_iter()
        .enumerate()
        .map(|(i, linha)| linha_matriz(linha, &format!("dados[{i}]")))
        .collect()
}

fn linha_matriz(linha: &Value, caminho: &str) -> Result<(Documento, Atualizacao), ErroServico> {
    let par = linha
        .as_array()
        .filter(|a| a.len() == 2)
        .ok_or_else(|| malformado(caminho, "não é um par [NI, data]"))?;
    let (Some(ni), Some(quando)) = (par[0].as_str(), par[1].as_str()) else {
        return Err(malformado(caminho, "NI e data devem ser texto"));
    };
    let ni = Documento::parse(ni).map_err(|e| malformado(&format!("{caminho}[0]"), e))?;
    let q = quando.trim();
    let atualizacao = match q {
        "" => Atualizacao::Nenhuma,
        "x" | "X" => Atualizacao::SemData,
        _ => Atualizacao::Em(
            Data::parse_compacta(&format!("20{q}"))
                .map_err(|e| malformado(&format!("{caminho}[1]"), e))?,
        ),
    };
    Ok((ni, atualizacao))
}
