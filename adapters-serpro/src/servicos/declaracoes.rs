//! `PGDASD/CONSDECLARACAO13`: the PGDAS-D declarations of a year or a month, each with the
//! DAS it generated and whether that DAS is paid (a cheap paid/unpaid flag for reconciliation).

use super::{ErroServico, Id, chamar, ler, malformado};
use crate::wire::dados::{SeObjeto, Texto};
use crate::wire::declaracoes::{DadosDeclaracoes, Operacao, PedidoDeclaracoes};
use crate::{ClienteIntegra, ErroIntegra};
use guiche_domain::guia::NumeroDocumento;
use guiche_domain::{Cnpj, Competencia, Data};
pub use guiche_ports::receita::{ConsultaDeclaracoes, DeclaracaoPgdasd};

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
        ConsultaDeclaracoes::Ano(ano) => PedidoDeclaracoes {
            ano_calendario: Some(format!("{ano:04}")),
            ..PedidoDeclaracoes::default()
        },
        ConsultaDeclaracoes::Periodo(p) => PedidoDeclaracoes {
            periodo_apuracao: Some(p.compacta()),
            ..PedidoDeclaracoes::default()
        },
    };
    let entrada =
        serde_json::to_string(&entrada).map_err(|e| ErroIntegra::Invalido(e.to_string()))?;
    let r = chamar(
        cliente,
        (*contribuinte).into(),
        CONSDECLARACAO13,
        entrada,
        hoje,
    )
    .await?;
    let SeObjeto(d): SeObjeto<DadosDeclaracoes> = ler(&r, CONSDECLARACAO13)?;
    let mut saida = Vec::new();
    for (i, p) in d.periodos.into_iter().flatten().enumerate() {
        let caminho = format!("dados.periodos[{i}]");
        let periodo = Competencia::parse(p.periodo_apuracao.as_str())
            .map_err(|e| malformado(&format!("{caminho}.periodoApuracao"), e))?;
        for (j, SeObjeto(op)) in p.operacoes.into_iter().enumerate() {
            saida.push(operacao(op, &format!("{caminho}.operacoes[{j}]"), periodo)?);
        }
    }
    Ok(saida)
}

/// One operation in domain terms.
fn operacao(
    op: Operacao,
    caminho: &str,
    periodo: Competencia,
) -> Result<DeclaracaoPgdasd, ErroServico> {
    let texto = |t: Option<Texto>| t.map(|t| t.0);
    let decl = op.indice_declaracao.map(|d| d.0).unwrap_or_default();
    let das = op.indice_das.map(|d| d.0).unwrap_or_default();
    let numero_das = das
        .numero_das
        .map(|n| {
            NumeroDocumento::parse(n.as_str())
                .map_err(|e| malformado(&format!("{caminho}.indiceDas.numeroDas"), e))
        })
        .transpose()?;
    Ok(DeclaracaoPgdasd {
        periodo,
        tipo_operacao: texto(op.tipo_operacao).unwrap_or_default(),
        numero_declaracao: texto(decl.numero_declaracao),
        transmitida_em: texto(decl.data_hora_transmissao),
        malha: texto(decl.malha),
        das: numero_das,
        das_pago: das.das_pago,
    })
}
