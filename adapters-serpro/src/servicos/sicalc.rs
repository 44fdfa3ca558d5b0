//! `SICALC/CONSOLIDARGERARDARF51`: a DARF calculated (fine and interest consolidated to a
//! date) and issued, with its PDF.

use super::{ErroServico, Id, base64, campo, chamar, dados, malformado, texto, valor};
use crate::ClienteIntegra;
use guiche_domain::guia::{CodigoReceita, NumeroDocumento};
use guiche_domain::{Competencia, Data, Documento, Valor};
use serde_json::{Value, json};

const CONSOLIDARGERARDARF51: Id = ("SICALC", "CONSOLIDARGERARDARF51");

/// The período de apuração of a DARF as SICALC takes it (`tipoPA`, `dataPA`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeriodoDarf {
    /// `ME`, `MM/AAAA`.
    Mensal(Competencia),
    /// `AN`, `AAAA`.
    Anual(u16),
    /// `DI`, `DD/MM/AAAA`.
    Diario(Data),
    /// Another kind (`TR` for quotas, …), sent as given.
    Outro {
        /// `tipoPA`.
        tipo: String,
        /// `dataPA`.
        data: String,
    },
}

impl PeriodoDarf {
    fn campos(&self) -> (String, String) {
        match self {
            PeriodoDarf::Mensal(c) => ("ME".into(), format!("{:02}/{:04}", c.mes(), c.ano())),
            PeriodoDarf::Anual(a) => ("AN".into(), format!("{a:04}")),
            PeriodoDarf::Diario(d) => ("DI".into(), d.to_string()),
            PeriodoDarf::Outro { tipo, data } => (tipo.clone(), data.clone()),
        }
    }
}

/// What to calculate (the documented fields; which are obligatory per revenue code is told by
/// `SICALC/CONSULTAAPOIORECEITAS52`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PedidoDarf {
    /// `uf`, e.g. `SP`.
    pub uf: String,
    /// `municipio`: the SIAFI code of the municipality, e.g. `7107`.
    pub municipio: String,
    /// `codigoReceita` and `codigoReceitaExtensao`.
    pub receita: CodigoReceita,
    /// `tipoPA` and `dataPA`.
    pub periodo: PeriodoDarf,
    /// `vencimento`: the tax's original due date.
    pub vencimento: Data,
    /// `valorImposto`: the principal.
    pub valor_imposto: Valor,
    /// `dataConsolidacao`: the day to pay (fine and interest up to it); today when `None`.
    pub data_consolidacao: Option<Data>,
    /// `observacao`, printed on the DARF.
    pub observacao: Option<String>,
}

/// A DARF as SICALC issues it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Darf {
    /// `numeroDocumento` (17 digits).
    pub numero: NumeroDocumento,
    /// `consolidado.valorPrincipalMoedaCorrente`.
    pub principal: Valor,
    /// `consolidado.valorMultaMora`.
    pub multa: Valor,
    /// `consolidado.valorJuros`.
    pub juros: Valor,
    /// `consolidado.valorTotalConsolidado`.
    pub total: Valor,
    /// `consolidado.dataValidadeCalculo`: the last day this DARF may be paid.
    pub valido_ate: Option<Data>,
    /// The PDF (`darf`, base64-decoded).
    pub pdf: Vec<u8>,
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
    let (tipo_pa, data_pa) = pedido.periodo.campos();
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
