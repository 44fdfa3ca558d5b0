//! `SICALC/CONSOLIDARGERARDARF51`: a DARF calculated (fine and interest consolidated to a
//! date) and issued, with its PDF.

use super::{ErroServico, Id, base64_de, chamar, ler, malformado, valor_de};
use crate::wire::sicalc::{DadosDarf, PedidoSicalc};
use crate::{ClienteIntegra, ErroIntegra};
use guiche_domain::guia::NumeroDocumento;
use guiche_domain::{Data, Documento};
pub use guiche_ports::receita::{Darf, PedidoDarf, PeriodoDarf};

const CONSOLIDARGERARDARF51: Id = ("SICALC", "CONSOLIDARGERARDARF51");

/// `tipoPA` and `dataPA` of a período de apuração.
fn campos(periodo: &PeriodoDarf) -> (String, String) {
    match periodo {
        PeriodoDarf::Mensal(c) => ("ME".into(), format!("{:02}/{:04}", c.mes(), c.ano())),
        PeriodoDarf::Anual(a) => ("AN".into(), format!("{a:04}")),
        PeriodoDarf::Diario(d) => ("DI".into(), d.to_string()),
        PeriodoDarf::Outro { tipo, data } => (tipo.clone(), data.clone()),
    }
}

/// Calculates and issues a DARF (`SICALC/CONSOLIDARGERARDARF51` on `/Emitir`, version 2.9).
///
/// # Errors
/// [`ErroServico::Integra`] for the call (SICALC's refusals come as its messages);
/// [`ErroServico::Resposta`] naming the field missing or malformed.
pub async fn gerar_darf(
    cliente: &ClienteIntegra,
    contribuinte: &Documento,
    pedido: &PedidoDarf,
    hoje: Data,
) -> Result<Darf, ErroServico> {
    let (tipo_pa, data_pa) = campos(&pedido.periodo);
    let entrada = serde_json::to_string(&PedidoSicalc {
        uf: pedido.uf.clone(),
        municipio: pedido.municipio.clone(),
        codigo_receita: format!("{:04}", pedido.receita.codigo()),
        tipo_pa,
        data_pa,
        vencimento: format!("{}T00:00:00", pedido.vencimento.iso()),
        valor_imposto: pedido.valor_imposto.decimal().round_dp(2).to_string(),
        data_consolidacao: format!(
            "{}T00:00:00",
            pedido.data_consolidacao.unwrap_or(hoje).iso()
        ),
        codigo_receita_extensao: pedido.receita.extensao().map(|e| format!("{e:02}")),
        observacao: pedido.observacao.clone(),
    })
    .map_err(|e| ErroIntegra::Invalido(e.to_string()))?;
    let r = chamar(cliente, *contribuinte, CONSOLIDARGERARDARF51, entrada, hoje).await?;
    darf(ler(&r, CONSOLIDARGERARDARF51)?)
}

/// The DARF in domain terms.
fn darf(d: DadosDarf) -> Result<Darf, ErroServico> {
    let c = &d.consolidado;
    let cc = |k: &str| format!("dados.consolidado.{k}");
    let valido_ate = c
        .data_validade_calculo
        .as_ref()
        .map(|t| {
            let t = t.as_str();
            Data::parse_iso(t.get(..10).unwrap_or(t))
                .map_err(|e| malformado(&cc("dataValidadeCalculo"), e))
        })
        .transpose()?;
    Ok(Darf {
        numero: NumeroDocumento::parse(d.numero_documento.as_str())
            .map_err(|e| malformado("dados.numeroDocumento", e))?,
        principal: valor_de(
            &c.valor_principal_moeda_corrente,
            &cc("valorPrincipalMoedaCorrente"),
        )?,
        multa: valor_de(&c.valor_multa_mora, &cc("valorMultaMora"))?,
        juros: valor_de(&c.valor_juros, &cc("valorJuros"))?,
        total: valor_de(&c.valor_total_consolidado, &cc("valorTotalConsolidado"))?,
        valido_ate,
        pdf: base64_de(&d.darf, "dados.darf")?,
    })
}
