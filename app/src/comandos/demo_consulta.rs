//! The demo's lookups: a client company's record with its partners and its CND through
//! SERPRO's commercial APIs (what a private office contracts), against their simulator, each
//! call tagged and metered in a ledger in memory — the same service as `guiche consulta`.

use std::sync::Arc;

use super::demo::Passo;
use crate::composicao;
use crate::erro::ErroApp;
use guiche_loja::simulador::{ConfigSimuladorLoja, SimuladorLoja};
use guiche_ports::consulta::NivelCnpj;

/// A company of the public trial's records.
const EMPRESA: &str = "34238864000168";

fn falha(e: &dyn std::fmt::Display) -> ErroApp {
    ErroApp::Configuracao(format!("demo: {e}"))
}

/// The lookup steps.
pub(crate) async fn passos() -> Result<Vec<Passo>, ErroApp> {
    let sim = SimuladorLoja::iniciar(ConfigSimuladorLoja::default()).map_err(|e| falha(&e))?;
    sim.cadastrar_consumidor("chave-demo", "segredo-demo");
    let livro: composicao::Livros =
        Arc::new(guiche_store::Livro::em_memoria().map_err(|e| falha(&e))?);
    let consulta = composicao::consulta_no_simulador(&sim.url_base(), Arc::clone(&livro))?;
    let cnpj = consulta
        .cnpj(EMPRESA, NivelCnpj::Qsa, Some("demo-escritorio-cadastro"))
        .await
        .map_err(|e| falha(&e))?;
    let cnd = consulta
        .cnd(EMPRESA, Some("demo-escritorio-cnd"))
        .await
        .map_err(|e| falha(&e))?;
    let bilhetadas: u64 = livro
        .consumo(None, None)
        .map_err(|e| falha(&e))?
        .iter()
        .filter(|c| c.janela.to_string() != "total")
        .map(|c| c.chamadas)
        .sum();
    Ok(vec![Passo {
        sistema: "SERPRO",
        descricao: "Consulta CNPJ com sócios e CND pelas APIs comerciais do SERPRO (empresas privadas)",
        resultado: Ok(format!(
            "{} — {}; {} sócio(s); CND {}; {bilhetadas} chamada(s) etiquetada(s) e bilhetada(s) no livro",
            cnpj.razao_social,
            cnpj.situacao
                .descricao
                .as_deref()
                .unwrap_or(&cnpj.situacao.codigo),
            cnpj.socios.len(),
            cnd.situacao
        )),
    }])
}
