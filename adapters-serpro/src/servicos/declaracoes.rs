//! `PGDASD/CONSDECLARACAO13`: the PGDAS-D declarations of a year or a month, each with the
//! DAS it generated and whether that DAS is paid (a cheap paid/unpaid flag for reconciliation).

use super::{ErroServico, Id, campo, chamar, dados, lista, malformado, texto};
use crate::ClienteIntegra;
use guiche_domain::guia::NumeroDocumento;
use guiche_domain::{Cnpj, Competencia, Data};
pub use guiche_ports::receita::{ConsultaDeclaracoes, DeclaracaoPgdasd};
use serde_json::{Value, json};

const CONSDECLARACAO13: Id = ("PGDASD", "CONSDECLARACAO13");

/// The declarations asked in `consulta` (`PGDASD/CONSDECLARACAO13` on `/Consultar`), in the
/// order the service lists them. An empty answer is an empty list.
///
/// # Errors
/// [`ErroServico::Integra`] for the call; [`ErroServico::Resposta`] naming the field missing
/// or malformed.
pub async fn declaracoes_pgdasd(
    cliente: &ClienteIntegra,
    contribuinte: &Cnpj,
    consulta: ConsultaDeclaracoes,
    hoje: Data,
) -> Result<Vec<DeclaracaoPgdasd>, ErroServico> {
    let entrada = match consulta {
        ConsultaDeclaracoes::Ano(ano) => json!({ "anoCalendario": format!("{ano:04}") }),
        ConsultaDeclaracoes::Periodo(p) => json!({ "periodoApuracao": p.compacta() }),
    };
    let r = chamar(
        cliente,
        (*contribuinte).into(),
        CONSDECLARACAO13,
        entrada.to_string(),
        hoje,
    )
    .await?;
    let d = dados(&r, CONSDECLARACAO13)?;
    let mut saida = Vec::new();
    let Some(periodos) = d.get("periodos").filter(|v| !v.is_null()) else {
        return Ok(saida);
    };
    for (i, p) in lista(periodos, "dados.periodos")?.into_iter().enumerate() {
        let caminho = format!("dados.periodos[{i}]");
        let t = texto(p, &caminho, "periodoApuracao")?;
        let periodo = Competencia::parse(&t)
            .map_err(|e| malformado(&format!("{caminho}.periodoApuracao"), e))?;
        let operacoes = campo(p, &caminho, "operacoes")?;
        for (j, op) in lista(operacoes, &caminho)?.into_iter().enumerate() {
            saida.push(operacao(op, &format!("{caminho}.operacoes[{j}]"), periodo)?);
        }
    }
    Ok(saida)
}

/// `v[chave]` as text when present and not null.
fn opcional(v: Option<&Value>, caminho: &str, chave: &str) -> Result<Option<String>, ErroServico> {
    match v.and_then(|v| v.get(chave)) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => v.map(|v| texto(v, caminho, chave)).transpose(),
    }
}

fn operacao(
    op: &Value,
    caminho: &str,
    periodo: Competencia,
) -> Result<DeclaracaoPgdasd, ErroServico> {
    let decl = op.get("indiceDeclaracao").filter(|v| !v.is_null());
    let das = op.get("indiceDas").filter(|v| !v.is_null());
    let cd = format!("{caminho}.indiceDeclaracao");
    let cdas = format!("{caminho}.indiceDas");
    let numero_das = opcional(das, &cdas, "numeroDas")?
        .map(|n| {
            NumeroDocumento::parse(&n).map_err(|e| malformado(&format!("{cdas}.numeroDas"), e))
        })
        .transpose()?;
    let das_pago = match das.and_then(|d| d.get("dasPago")) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(malformado(&format!("{cdas}.dasPago"), "não é booleano")),
    };
    Ok(DeclaracaoPgdasd {
        periodo,
        tipo_operacao: opcional(Some(op), caminho, "tipoOperacao")?.unwrap_or_default(),
        numero_declaracao: opcional(decl, &cd, "numeroDeclaracao")?,
        transmitida_em: opcional(decl, &cd, "dataHoraTransmissao")?,
        malha: opcional(decl, &cd, "malha")?,
        das: numero_das,
        das_pago,
    })
}
