//! `EVENTOSATUALIZACAO` (on `/Monitorar`, not billed): which of up to 1,000 contribuintes had
//! updates of a kind in the last 60 days — ask a protocol for the batch
//! (`SOLICEVENTOSPF131`/`PJ132`), wait, then read the matrix (`OBTEREVENTOSPF133`/`PJ134`).
//! The service allows 1,000 asks a day per kind (PF, PJ) and answers 429 past it.

use super::{ErroServico, envelope, ler, malformado};
use crate::wire::dados::Texto;
use crate::wire::eventos::{LinhaMatriz, MatrizEventos, PedidoEventos, ProtocoloEventosDto};
use crate::{Chamada, ClienteIntegra, ErroIntegra};
use guiche_domain::{Data, Documento};
pub use guiche_ports::receita::{Atualizacao, Evento, ProtocoloEventos};
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

/// Calls `id` for `lote` and reads its `dados` (required) as `T`.
async fn chamar_lote<T: serde::de::DeserializeOwned>(
    cliente: &ClienteIntegra,
    lote: &[Documento],
    id: (&'static str, &'static str),
    dados: String,
    hoje: Data,
) -> Result<T, ErroServico> {
    let primeiro = lote.first().ok_or_else(|| {
        ErroServico::Integra(ErroIntegra::Invalido("lote de contribuintes vazio".into()))
    })?;
    let (pedido, tipo) = envelope(cliente, *primeiro, id, dados)?;
    let chamada = Chamada {
        etiqueta: None,
        tipo,
        pedido: &pedido,
        token_procurador: None,
        hoje,
    };
    let r = cliente.chamar_lote(chamada, lote).await?;
    ler(&r, id)
}

/// `PedidoEventos` as the body's `dados`.
fn entrada(protocolo: Option<String>, evento: Evento) -> Result<String, ErroServico> {
    serde_json::to_string(&PedidoEventos {
        protocolo,
        evento: evento.codigo().to_string(),
    })
    .map_err(|e| ErroIntegra::Invalido(e.to_string()).into())
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
    let entrada = entrada(None, evento)?;
    let d: ProtocoloEventosDto = chamar_lote(cliente, lote, ids(lote, true), entrada, hoje).await?;
    let ms = |t: &Texto, k: &str| -> Result<Duration, ErroServico> {
        t.as_str()
            .trim()
            .parse::<u64>()
            .map_err(|e| malformado(&format!("dados.{k}"), e))
            .map(Duration::from_millis)
    };
    let espera = ms(&d.tempo_espera_medio_em_ms, "TempoEsperaMedioEmMs")?;
    let validade = ms(&d.tempo_limite_em_min, "TempoLimiteEmMin")? * 60_000;
    Ok(ProtocoloEventos {
        protocolo: d.protocolo.0,
        espera,
        validade,
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
    let entrada = entrada(Some(protocolo.protocolo.clone()), protocolo.evento)?;
    let d: MatrizEventos = chamar_lote(
        cliente,
        &protocolo.lote,
        ids(&protocolo.lote, false),
        entrada,
        hoje,
    )
    .await?;
    d.into_iter()
        .enumerate()
        .map(|(i, linha)| linha_matriz(&linha, &format!("dados[{i}]")))
        .collect()
}

/// One line of the matrix in domain terms.
fn linha_matriz(
    linha: &LinhaMatriz,
    caminho: &str,
) -> Result<(Documento, Atualizacao), ErroServico> {
    let (ni, quando) = (&linha.ni, &linha.quando);
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
