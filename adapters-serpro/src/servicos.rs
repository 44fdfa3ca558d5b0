//! Typed services of Integra Contador on top of [`ClienteIntegra::chamar`]:
//!
//! | service | function |
//! |---|---|
//! | `PGDASD/GERARDAS12`, `PGMEI/GERARDASPDF21` | [`gerar_das`], [`gerar_das_mei`] |
//! | `PGDASD/CONSDECLARACAO13` | [`declaracoes_pgdasd`] |
//! | `PAGTOWEB/PAGAMENTOS71`, `CONTACONSDOCARRPG73`, `COMPARRECADACAO72` | [`pagamentos`], [`contar_pagamentos`], [`comprovante`] |
//! | `SICALC/CONSOLIDARGERARDARF51` | [`gerar_darf`] |
//! | `SITFIS/SOLICITARPROTOCOLO91` + `RELATORIOSITFIS92` (202/204 waits) | [`situacao_fiscal`] |
//! | `PROCURACOES/OBTERPROCURACAO41` | [`procuracoes`] |
//! | `CAIXAPOSTAL/MSGCONTRIBUINTE61`, `INNOVAMSG63` | [`caixa_postal`], [`tem_mensagens_novas`] |
//! | `EVENTOSATUALIZACAO` (Monitorar, batches of up to 1,000) | [`solicitar_eventos`], [`obter_eventos`] |
//!
//! Any other service of the catalogue is reached through [`ClienteIntegra::chamar`].
//!
//! Every call is made with the contratante as author (`autorPedidoDados`): the contratante
//! needs the contribuinte's e-CAC procuração where the catalogue asks for one. Money is read
//! from the exact text of the JSON numbers ([`Valor::parse_json`]), never through `f64`.

pub use crate::erro::ErroServico;
use crate::wire::dados::{ErroDados, SeObjeto, Texto};
use crate::wire::das::{DadosDas, DetalhamentoDas, PedidoDas};
use crate::wire::pagtoweb::{
    Intervalo, ItemPagamento, PaginaPagamentos, Pdf, PedidoComprovante, PedidoPagamentos,
};
use crate::wire::procuracoes::{DadosProcuracoes, PedidoProcuracoes, ProcuracaoDto};
use crate::wire::sitfis::{EsperaSitfis, PedidoRelatorio, ProtocoloSitfis};
use crate::{Chamada, ClienteIntegra, ErroIntegra, Retorno, wire};
use base64::Engine;
use guiche_domain::conciliacao::Pagamento;
use guiche_domain::guia::{CodigoBarras, CodigoReceita, NumeroDocumento};
use guiche_domain::serpro::{Pedido, PedidoDados, TipoServico, procuracao_por_nome, servico};
use guiche_domain::{Cnpj, Competencia, Data, Documento, Valor};
pub use guiche_ports::receita::{Das, Procuracao};
use std::time::Duration;

/// Page size asked of `PAGTOWEB/PAGAMENTOS71`.
pub const TAMANHO_PAGINA: usize = 100;

/// The most pages [`pagamentos`] asks when PAGTOWEB's count (`CONTACONSDOCARRPG73`) cannot be
/// read: 5,000 payments in one window, far more than a company pays in the windows `ecac sync`
/// asks for, and a bound on the billed calls a misbehaving server can cost.
pub const MAXIMO_PAGINAS_SEM_CONTAGEM: usize = 50;

/// The shortest wait between two asks for the SITFIS report (a `tempoEspera` of 0 must not
/// turn into a busy loop).
const ESPERA_MINIMA: Duration = Duration::from_millis(10);

/// A service of the catalogue (`idSistema`, `idServico`); its path and `versaoSistema` come
/// from [`guiche_domain::serpro::SERVICOS`].
type Id = (&'static str, &'static str);

const GERARDAS12: Id = ("PGDASD", "GERARDAS12");
const GERARDASPDF21: Id = ("PGMEI", "GERARDASPDF21");
const CONTACONSDOCARRPG73: Id = ("PAGTOWEB", "CONTACONSDOCARRPG73");
const PAGAMENTOS71: Id = ("PAGTOWEB", "PAGAMENTOS71");
const COMPARRECADACAO72: Id = ("PAGTOWEB", "COMPARRECADACAO72");
const SOLICITARPROTOCOLO91: Id = ("SITFIS", "SOLICITARPROTOCOLO91");
const RELATORIOSITFIS92: Id = ("SITFIS", "RELATORIOSITFIS92");
const OBTERPROCURACAO41: Id = ("PROCURACOES", "OBTERPROCURACAO41");

mod caixa_postal;
mod declaracoes;
mod eventos;
mod sicalc;

pub use caixa_postal::{MensagemCaixaPostal, caixa_postal, tem_mensagens_novas};
pub use declaracoes::{ConsultaDeclaracoes, DeclaracaoPgdasd, declaracoes_pgdasd};
pub use eventos::{Atualizacao, Evento, ProtocoloEventos, obter_eventos, solicitar_eventos};
pub use sicalc::{Darf, PedidoDarf, PeriodoDarf, gerar_darf};

/// The envelope of a call of `id` for `contribuinte`, the contratante as author, and the
/// service's type (its path).
fn envelope(
    cliente: &ClienteIntegra,
    contribuinte: Documento,
    id: Id,
    dados: String,
) -> Result<(Pedido, TipoServico), ErroServico> {
    let s = servico(id.0, id.1)
        .ok_or_else(|| ErroIntegra::Invalido(format!("{}/{} fora do catálogo", id.0, id.1)))?;
    let pedido = Pedido {
        contratante: cliente.contratante(),
        autor_pedido_dados: Documento::Cnpj(cliente.contratante()),
        contribuinte,
        pedido_dados: PedidoDados {
            id_sistema: s.id_sistema.into(),
            id_servico: s.id_servico.into(),
            versao_sistema: s.versao_sistema.into(),
            dados,
        },
    };
    Ok((pedido, s.tipo))
}

/// Calls `id` for `contribuinte`, the contratante as author.
async fn chamar(
    cliente: &ClienteIntegra,
    contribuinte: Documento,
    id: Id,
    dados: String,
    hoje: Data,
) -> Result<Retorno, ErroServico> {
    let (pedido, tipo) = envelope(cliente, contribuinte, id, dados)?;
    let chamada = Chamada {
        etiqueta: None,
        tipo,
        pedido: &pedido,
        token_procurador: None,
        hoje,
    };
    Ok(cliente.chamar(chamada).await?)
}

/// The answer's `dados` read once as the service's DTO `T`; `None` when empty.
fn ler_opcional<T: serde::de::DeserializeOwned>(
    r: &Retorno,
    id: Id,
) -> Result<Option<T>, ErroServico> {
    let Some(resposta) = &r.resposta else {
        return Ok(None);
    };
    if resposta.dados.trim().is_empty() {
        return Ok(None);
    }
    wire::dados::ler_dados(&resposta.dados)
        .map(Some)
        .map_err(|e| match e {
            ErroDados::NaoJson => {
                ErroServico::Resposta(format!("{}/{}: dados não é JSON", id.0, id.1))
            }
            ErroDados::Forma(m) => ErroServico::Resposta(m),
        })
}

/// The answer's `dados` read once as the service's DTO `T`, required (the error carries the
/// service's messages).
fn ler<T: serde::de::DeserializeOwned>(r: &Retorno, id: Id) -> Result<T, ErroServico> {
    ler_opcional(r, id)?.ok_or_else(|| vazio(r, id))
}

/// `dados` came empty where the service must answer something.
fn vazio(r: &Retorno, id: Id) -> ErroServico {
    let mensagens = r
        .resposta
        .as_ref()
        .map(crate::wire::Resposta::mensagens_em_linha)
        .unwrap_or_default();
    ErroServico::Resposta(format!(
        "{}/{}: dados vazio (HTTP {}; {mensagens})",
        id.0, id.1, r.status
    ))
}

/// Money from [`Texto`]: the exact text of a JSON number, or a string holding one.
fn valor_de(t: &Texto, caminho: &str) -> Result<Valor, ErroServico> {
    Valor::parse_json(t.as_str()).map_err(|e| malformado(caminho, e))
}

/// An `AAAAMMDD` date from [`Texto`].
fn data_compacta_de(t: &Texto, caminho: &str) -> Result<Data, ErroServico> {
    Data::parse_compacta(t.as_str()).map_err(|e| malformado(caminho, e))
}

/// A base64 document from [`Texto`].
fn base64_de(t: &Texto, caminho: &str) -> Result<Vec<u8>, ErroServico> {
    base64::engine::general_purpose::STANDARD
        .decode(t.as_str().trim())
        .map_err(|e| malformado(caminho, e))
}

fn malformado(caminho: &str, motivo: impl std::fmt::Display) -> ErroServico {
    ErroServico::Resposta(format!("{caminho}: {motivo}"))
}

/// Issues the DAS of `periodo` (`PGDASD/GERARDAS12` on `/Emitir`, `{"periodoApuracao":
/// "AAAAMM"}`): one [`Das`] per `detalhamento` of each guide returned.
///
/// # Errors
/// [`ErroServico::Integra`] for the call; [`ErroServico::Resposta`] naming the field missing or
/// malformed.
pub async fn gerar_das(
    cliente: &ClienteIntegra,
    contribuinte: &Cnpj,
    periodo: Competencia,
    hoje: Data,
) -> Result<Vec<Das>, ErroServico> {
    emitir_das(cliente, contribuinte, periodo, hoje, GERARDAS12).await
}

/// Issues the DAS of `periodo` through `id` (`GERARDAS12` or PGMEI's `GERARDASPDF21`, which
/// answer alike).
async fn emitir_das(
    cliente: &ClienteIntegra,
    contribuinte: &Cnpj,
    periodo: Competencia,
    hoje: Data,
    id: Id,
) -> Result<Vec<Das>, ErroServico> {
    let entrada = serde_json::to_string(&PedidoDas {
        periodo_apuracao: periodo.compacta(),
    })
    .map_err(|e| ErroIntegra::Invalido(e.to_string()))?;
    let r = chamar(cliente, (*contribuinte).into(), id, entrada, hoje).await?;
    let guias: DadosDas = ler(&r, id)?;
    let mut saida = Vec::new();
    for (i, guia) in guias.into_iter().enumerate() {
        let pdf = base64_de(&guia.pdf, &format!("dados[{i}].pdf"))?;
        for (j, det) in guia.detalhamento.into_iter().enumerate() {
            saida.push(das(
                det,
                &format!("dados[{i}].detalhamento[{j}]"),
                pdf.clone(),
            )?);
        }
    }
    Ok(saida)
}

/// Issues the DAS of a MEI for `periodo` (`PGMEI/GERARDASPDF21` on `/Emitir`), read as
/// [`gerar_das`] reads its answer.
///
/// # Errors
/// As [`gerar_das`].
pub async fn gerar_das_mei(
    cliente: &ClienteIntegra,
    contribuinte: &Cnpj,
    periodo: Competencia,
    hoje: Data,
) -> Result<Vec<Das>, ErroServico> {
    emitir_das(cliente, contribuinte, periodo, hoje, GERARDASPDF21).await
}

/// One `detalhamento` of GERARDAS12, in domain terms.
fn das(det: DetalhamentoDas, caminho: &str, pdf: Vec<u8>) -> Result<Das, ErroServico> {
    let em = |chave: &str| format!("{caminho}.{chave}");
    let v = &det.valores;
    Ok(Das {
        numero: NumeroDocumento::parse(det.numero_documento.as_str())
            .map_err(|e| malformado(&em("numeroDocumento"), e))?,
        periodo: Competencia::parse(det.periodo_apuracao.as_str())
            .map_err(|e| malformado(&em("periodoApuracao"), e))?,
        vencimento: data_compacta_de(&det.data_vencimento, &em("dataVencimento"))?,
        limite_acolhimento: det
            .data_limite_acolhimento
            .as_ref()
            .map(|t| data_compacta_de(t, &em("dataLimiteAcolhimento")))
            .transpose()?,
        valor_total: valor_de(&v.total, &em("valores.total"))?,
        principal: valor_de(&v.principal, &em("valores.principal"))?,
        multa: valor_de(&v.multa, &em("valores.multa"))?,
        juros: valor_de(&v.juros, &em("valores.juros"))?,
        codigo_barras: det
            .codigo_de_barras
            .map(|c| CodigoBarras::parse(&c.0).map_err(|e| malformado(&em("codigoDeBarras"), e)))
            .transpose()?,
        pdf,
    })
}

/// The payments of `contribuinte` with `dataArrecadacao` in `desde..=ate`
/// (`PAGTOWEB/PAGAMENTOS71` on `/Consultar`), page after page of [`TAMANHO_PAGINA`]
/// (`primeiroDaPagina` is the offset of the page's first item), every page a billed call.
///
/// The paging is bounded. A short first page is the whole answer (one call). After a full
/// first page the count is asked ([`contar_pagamentos`], one more call) and the pages stop
/// once they hold that many; a page that brings them past the count, or that repeats the
/// previous one (a server ignoring the offset), stops the paging with
/// [`ErroServico::Paginacao`]. When the count cannot be read (not a number, or the service
/// refuses it) at most [`MAXIMO_PAGINAS_SEM_CONTAGEM`] pages are asked.
///
/// # Errors
/// [`ErroServico::Integra`] for a call; [`ErroServico::Resposta`] naming the field missing or
/// malformed; [`ErroServico::Paginacao`] when the pages do not add up.
pub async fn pagamentos(
    cliente: &ClienteIntegra,
    contribuinte: &Documento,
    desde: Data,
    ate: Data,
    hoje: Data,
) -> Result<Vec<Pagamento>, ErroServico> {
    let mut saida = Vec::new();
    let mut limite: Option<Limite> = None;
    let mut anterior: Option<PaginaPagamentos> = None;
    let mut paginas = 0_usize;
    loop {
        paginas += 1;
        let primeiro = saida.len();
        let entrada = pedido_pagamentos(desde, ate, Some(primeiro))?;
        let r = chamar(cliente, *contribuinte, PAGAMENTOS71, entrada, hoje).await?;
        let pagina: PaginaPagamentos = ler_opcional(&r, PAGAMENTOS71)?.unwrap_or_default();
        if !pagina.is_empty() && anterior.as_ref() == Some(&pagina) {
            return Err(ErroServico::Paginacao(format!(
                "a página de primeiroDaPagina {primeiro} repete a anterior (o serviço ignora o \
                 deslocamento?); {paginas} página(s) pedida(s), nenhuma outra será"
            )));
        }
        let n = pagina.len();
        for (i, item) in pagina.iter().enumerate() {
            let caminho = format!("dados[{i}] (primeiroDaPagina {primeiro})");
            saida.push(pagamento(item, &caminho, *contribuinte)?);
        }
        if n < TAMANHO_PAGINA && limite.is_none() {
            return Ok(saida);
        }
        let limite = match limite {
            Some(l) => l,
            None => {
                *limite.insert(limite_de_paginas(cliente, contribuinte, desde, ate, hoje).await?)
            }
        };
        match limite {
            Limite::Contagem(total) if saida.len() > total => {
                return Err(ErroServico::Paginacao(format!(
                    "as páginas já trazem {} pagamentos, mas a contagem (CONTACONSDOCARRPG73) \
                     é {total}; nenhuma outra página será pedida",
                    saida.len()
                )));
            }
            Limite::Contagem(total) if saida.len() == total || n < TAMANHO_PAGINA => {
                return Ok(saida);
            }
            Limite::Maximo(_) if n < TAMANHO_PAGINA => return Ok(saida),
            Limite::Maximo(maximo) if paginas >= maximo => {
                return Err(ErroServico::Paginacao(format!(
                    "sem contagem legível, {maximo} páginas cheias foram pedidas e ainda há \
                     mais; nenhuma outra será"
                )));
            }
            Limite::Contagem(_) | Limite::Maximo(_) => {}
        }
        anterior = Some(pagina);
    }
}

/// What bounds the pages of [`pagamentos`].
#[derive(Clone, Copy, Debug)]
enum Limite {
    /// The count PAGTOWEB gave: the pages stop once they hold that many.
    Contagem(usize),
    /// The count could not be read: at most this many pages.
    Maximo(usize),
}

/// The bound of [`pagamentos`]: the count, or [`MAXIMO_PAGINAS_SEM_CONTAGEM`] when the count
/// is not a number or the service refuses it. Other failures (transport, ceiling) are the
/// caller's: asking pages would meet them too.
async fn limite_de_paginas(
    cliente: &ClienteIntegra,
    contribuinte: &Documento,
    desde: Data,
    ate: Data,
    hoje: Data,
) -> Result<Limite, ErroServico> {
    match contar_pagamentos(cliente, contribuinte, desde, ate, hoje).await {
        Ok(n) => Ok(Limite::Contagem(usize::try_from(n).unwrap_or(usize::MAX))),
        Err(ErroServico::Resposta(_) | ErroServico::Integra(ErroIntegra::Recusado { .. })) => {
            Ok(Limite::Maximo(MAXIMO_PAGINAS_SEM_CONTAGEM))
        }
        Err(e) => Err(e),
    }
}

/// How many payments of `contribuinte` have `dataArrecadacao` in `desde..=ate`
/// (`PAGTOWEB/CONTACONSDOCARRPG73` on `/Consultar`, the filters of [`pagamentos`] without
/// paging; the answer is the count as a string). One billed call; [`pagamentos`] asks it after
/// a full first page, to bound the pages.
///
/// # Errors
/// [`ErroServico::Integra`] for the call; [`ErroServico::Resposta`] when `dados` is not a count.
pub async fn contar_pagamentos(
    cliente: &ClienteIntegra,
    contribuinte: &Documento,
    desde: Data,
    ate: Data,
    hoje: Data,
) -> Result<u64, ErroServico> {
    let entrada = pedido_pagamentos(desde, ate, None)?;
    let r = chamar(cliente, *contribuinte, CONTACONSDOCARRPG73, entrada, hoje).await?;
    let Some(resposta) = &r.resposta else {
        return Ok(0);
    };
    let bruto = resposta.dados.trim();
    let t = match serde_json::from_str::<Texto>(bruto) {
        Ok(Texto(t)) => t,
        Err(_) => bruto.to_owned(),
    };
    if t.is_empty() {
        return Ok(0);
    }
    t.trim()
        .parse()
        .map_err(|e| malformado("dados (CONTACONSDOCARRPG73)", e))
}

/// The input of PAGAMENTOS71 (`primeiro`: the page's offset, with [`TAMANHO_PAGINA`]) or of
/// CONTACONSDOCARRPG73 (`None`).
fn pedido_pagamentos(
    desde: Data,
    ate: Data,
    primeiro: Option<usize>,
) -> Result<String, ErroServico> {
    serde_json::to_string(&PedidoPagamentos {
        intervalo_data_arrecadacao: Intervalo {
            data_inicial: desde.iso(),
            data_final: ate.iso(),
        },
        primeiro_da_pagina: primeiro,
        tamanho_da_pagina: primeiro.map(|_| TAMANHO_PAGINA),
    })
    .map_err(|e| ErroIntegra::Invalido(e.to_string()).into())
}

/// One item of PAGAMENTOS71, in domain terms.
fn pagamento(
    item: &ItemPagamento,
    caminho: &str,
    contribuinte: Documento,
) -> Result<Pagamento, ErroServico> {
    Ok(Pagamento {
        numero: NumeroDocumento::parse(item.numero_documento.as_str())
            .map_err(|e| malformado(&format!("{caminho}.numeroDocumento"), e))?,
        data_arrecadacao: Data::parse_iso(item.data_arrecadacao.as_str())
            .map_err(|e| malformado(&format!("{caminho}.dataArrecadacao"), e))?,
        valor_total: valor_de(&item.valor_total, &format!("{caminho}.valorTotal"))?,
        codigo_receita: receita(item, caminho)?,
        contribuinte,
    })
}

/// `receitaPrincipal.codigo` (without leading zeros, e.g. `"481"`) and `extensaoReceita`.
fn receita(item: &ItemPagamento, caminho: &str) -> Result<Option<CodigoReceita>, ErroServico> {
    let Some(SeObjeto(rp)) = &item.receita_principal else {
        return Ok(None);
    };
    let caminho = format!("{caminho}.receitaPrincipal");
    let numero = |t: &Option<Texto>, chave: &str| -> Result<Option<u16>, ErroServico> {
        t.as_ref()
            .map(|t| {
                t.as_str()
                    .trim()
                    .parse::<u16>()
                    .map_err(|e| malformado(&format!("{caminho}.{chave}"), e))
            })
            .transpose()
    };
    let Some(codigo) = numero(&rp.codigo, "codigo")? else {
        return Ok(None);
    };
    let extensao = numero(&rp.extensao_receita, "extensaoReceita")?
        .map(|e| u8::try_from(e).map_err(|e| malformado(&caminho, e)))
        .transpose()?;
    CodigoReceita::new(codigo, extensao)
        .map(Some)
        .ok_or_else(|| malformado(&format!("{caminho}.codigo"), "fora da faixa"))
}

/// The proof of payment of `numero` (`PAGTOWEB/COMPARRECADACAO72` on `/Emitir`): the PDF.
///
/// # Errors
/// [`ErroServico::Integra`] for the call; [`ErroServico::Resposta`] when no PDF comes back
/// (e.g. a document the contribuinte did not pay; the service's messages are quoted).
pub async fn comprovante(
    cliente: &ClienteIntegra,
    contribuinte: &Documento,
    numero: &NumeroDocumento,
    hoje: Data,
) -> Result<Vec<u8>, ErroServico> {
    let entrada = serde_json::to_string(&PedidoComprovante {
        numero_documento: numero.as_digitos().to_owned(),
    })
    .map_err(|e| ErroIntegra::Invalido(e.to_string()))?;
    let r = chamar(cliente, *contribuinte, COMPARRECADACAO72, entrada, hoje).await?;
    let d: Pdf = ler(&r, COMPARRECADACAO72)?;
    base64_de(&d.pdf, "dados.pdf")
}

/// The fiscal situation report (SITFIS): asks a protocol (`SOLICITARPROTOCOLO91` on
/// `/Apoiar`), waits its `tempoEspera` (ms), then asks the report (`RELATORIOSITFIS92` on
/// `/Emitir`) until it is ready: a 202 brings a new `tempoEspera` in `dados`, a 204 in `ETag`
/// (`tempoEspera:4000`); without one the last wait is kept. Gives up with
/// [`ErroServico::Espera`] rather than wait past `espera_maxima` in all.
///
/// # Errors
/// [`ErroServico`].
pub async fn situacao_fiscal(
    cliente: &ClienteIntegra,
    contribuinte: &Documento,
    hoje: Data,
    espera_maxima: Duration,
) -> Result<Vec<u8>, ErroServico> {
    let (protocolo, espera) = protocolo_sitfis(cliente, contribuinte, hoje).await?;
    relatorio_sitfis(
        cliente,
        contribuinte,
        &protocolo,
        espera,
        hoje,
        espera_maxima,
    )
    .await
}

/// `SITFIS/SOLICITARPROTOCOLO91`: the `protocoloRelatorio` and the wait before asking the
/// report (`tempoEspera`, 0 when absent).
///
/// # Errors
/// [`ErroServico`].
pub async fn protocolo_sitfis(
    cliente: &ClienteIntegra,
    contribuinte: &Documento,
    hoje: Data,
) -> Result<(String, Duration), ErroServico> {
    let r = chamar(
        cliente,
        *contribuinte,
        SOLICITARPROTOCOLO91,
        String::new(),
        hoje,
    )
    .await?;
    let d: ProtocoloSitfis = ler(&r, SOLICITARPROTOCOLO91)?;
    Ok((
        d.protocolo_relatorio.0,
        tempo_espera(d.tempo_espera.as_ref())?.unwrap_or_default(),
    ))
}

/// `SITFIS/RELATORIOSITFIS92` for `protocolo`, waiting `espera` first and as the answers say
/// (see [`situacao_fiscal`]), never past `espera_maxima` in all.
///
/// # Errors
/// [`ErroServico`]; [`ErroServico::Espera`] when the report is not ready in time.
pub async fn relatorio_sitfis(
    cliente: &ClienteIntegra,
    contribuinte: &Documento,
    protocolo: &str,
    espera: Duration,
    hoje: Data,
    espera_maxima: Duration,
) -> Result<Vec<u8>, ErroServico> {
    let inicio = tokio::time::Instant::now();
    let entrada = serde_json::to_string(&PedidoRelatorio {
        protocolo_relatorio: protocolo.to_owned(),
    })
    .map_err(|e| ErroIntegra::Invalido(e.to_string()))?;
    let mut espera = espera;
    loop {
        if inicio.elapsed() + espera > espera_maxima {
            return Err(ErroServico::Espera(espera_maxima));
        }
        tokio::time::sleep(espera).await;
        let r = chamar(
            cliente,
            *contribuinte,
            RELATORIOSITFIS92,
            entrada.clone(),
            hoje,
        )
        .await?;
        if r.status == 200 {
            let d: Pdf = ler(&r, RELATORIOSITFIS92)?;
            return base64_de(&d.pdf, "dados.pdf");
        }
        espera = nova_espera(&r)?.unwrap_or(espera).max(ESPERA_MINIMA);
    }
}

/// The wait a 202 (`dados.tempoEspera`) or a 204 (`ETag: "tempoEspera:N"`) asks for.
fn nova_espera(r: &Retorno) -> Result<Option<Duration>, ErroServico> {
    match r.status {
        202 => match ler_opcional::<SeObjeto<EsperaSitfis>>(r, RELATORIOSITFIS92)? {
            Some(SeObjeto(d)) => tempo_espera(d.tempo_espera.as_ref()),
            None => Ok(None),
        },
        204 => Ok(r
            .etag
            .as_deref()
            .and_then(|e| e.strip_prefix("tempoEspera:"))
            .and_then(|ms| ms.trim().parse().ok())
            .map(Duration::from_millis)),
        s => Err(ErroServico::Resposta(format!(
            "SITFIS/RELATORIOSITFIS92: HTTP {s} inesperado"
        ))),
    }
}

/// `dados.tempoEspera` in milliseconds (number or string), when present.
fn tempo_espera(t: Option<&Texto>) -> Result<Option<Duration>, ErroServico> {
    t.map(|t| {
        t.as_str()
            .trim()
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|e| malformado("dados.tempoEspera", e))
    })
    .transpose()
}

/// The powers of attorney `outorgante` gave `outorgado` in e-CAC
/// (`PROCURACOES/OBTERPROCURACAO41` on `/Consultar`, version `1`), each with its expiry, the
/// e-CAC names of the services and their codes. An empty answer is an empty list.
///
/// # Errors
/// [`ErroServico::Integra`] for the call; [`ErroServico::Resposta`] naming the field missing or
/// malformed.
pub async fn procuracoes(
    cliente: &ClienteIntegra,
    outorgante: &Documento,
    outorgado: &Documento,
    hoje: Data,
) -> Result<Vec<Procuracao>, ErroServico> {
    let entrada = serde_json::to_string(&PedidoProcuracoes {
        outorgante: outorgante.as_str().to_owned(),
        tipo_outorgante: outorgante.tipo_serpro().to_string(),
        outorgado: outorgado.as_str().to_owned(),
        tipo_outorgado: outorgado.tipo_serpro().to_string(),
    })
    .map_err(|e| ErroIntegra::Invalido(e.to_string()))?;
    let r = chamar(cliente, *outorgante, OBTERPROCURACAO41, entrada, hoje).await?;
    let Some(d) = ler_opcional::<DadosProcuracoes>(&r, OBTERPROCURACAO41)? else {
        return Ok(Vec::new());
    };
    d.into_iter()
        .enumerate()
        .map(|(i, p)| procuracao(p, &format!("dados[{i}]")))
        .collect()
}

/// One item of OBTERPROCURACAO41, in domain terms.
fn procuracao(p: ProcuracaoDto, caminho: &str) -> Result<Procuracao, ErroServico> {
    let sistemas: Vec<String> = p.sistemas.iter().map(|s| s.trim().to_owned()).collect();
    let codigos = sistemas
        .iter()
        .filter_map(|s| procuracao_por_nome(s).map(|p| p.codigo))
        .collect();
    Ok(Procuracao {
        expira: data_compacta_de(&p.dtexpiracao, &format!("{caminho}.dtexpiracao"))?,
        sistemas,
        codigos,
    })
}
