//! `SICALC/CONSOLIDARGERARDARF51`: a DARF calculated (fine and interest consolidated to a
//! date) and issued, with its PDF.

use super::{ErroServico, Id, base64, campo, chamar, dados, malformado, texto, valor};
use crate::ClienteIntegra;
use guiche_domain::guia::NumeroDocumento;
use guiche_domain::{Data, Documento};
pub use guiche_ports::receita::{Darf, PedidoDarf, PeriodoDarf};
use serde_json::{Value, json};

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
    let mut entrada = json!({
        "uf": pedido.uf,
        "municipio": pedido.municipio,
        "codigoReceita": format!("{:04}", pedido.receita.codigo()),
        "tipoPA": tipo_pa,
        "dataPA": data_pa,
        "vencimento": format!("{}T00:00:00", pedido.vencimento.iso()),
        "valorImposto": pedido.valor_imposto.decimal().round_dp(2).to_string(),
        "dataConsolidacao": format!("{}T00:00:00", pedido.data_consolidacao.unwrap_or(hoje).iso()),
    });
    if let Some(ext) = pedido.receita.extensao() {
        entrada["codigoReceitaExtensao"] = json!(format!("{ext:02}"));
    }
    if let Some(obs) = &pedido.observacao {
        entrada["observacao"] = json!(obs);
    }
    let r = chamar(
        cliente,
        *contribuinte,
        CONSOLIDARGERARDARF51,
        entrada.to_string(),
        hoje,
    )
    .await?;
    let d = dados(&r, CONSOLIDARGERARDARF51)?;
    darf(&d)
}

fn darf(d: &Value) -> Result<Darf, ErroServico> {
    let c = campo(d, "dados", "consolidado")?;
    let cc = "dados.consolidado";
    let numero = texto(d, "dados", "numeroDocumento")?;
    let valido_ate = match c.get("dataValidadeCalculo") {
        None | Some(Value::Null) => None,
        Some(_) => {
            let t = texto(c, cc, "dataValidadeCalculo")?;
            Some(
                Data::parse_iso(t.get(..10).unwrap_or(&t))
                    .map_err(|e| malformado("dados.consolidado.dataValidadeCalculo", e))?,
            )
        }
    };
    Ok(Darf {
        numero: NumeroDocumento::parse(&numero)
            .map_err(|e| malformado("dados.numeroDocumento", e))?,
        principal: valor(c, cc, "valorPrincipalMoedaCorrente")?,
        multa: valor(c, cc, "valorMultaMora")?,
        juros: valor(c, cc, "valorJuros")?,
        total: valor(c, cc, "valorTotalConsolidado")?,
        valido_ate,
        pdf: base64(d, "dados", "darf")?,
    })
}
