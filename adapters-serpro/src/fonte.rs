//! [`FontePagamentos`] over Integra Contador: the payments PAGTOWEB reports
//! ([`crate::servicos::pagamentos`]), for the e-CAC reconciliation, and [`FonteCaixaPostal`]:
//! the e-CAC mailbox ([`crate::servicos::caixa_postal`]), read by the same sync.

use crate::servicos::{self, ErroServico};
use crate::{ClienteIntegra, ErroIntegra};
use async_trait::async_trait;
use guiche_domain::conciliacao::Pagamento;
use guiche_domain::{Data, Documento};
use guiche_ports::Relogio;
use guiche_ports::ecac::{ErroFonte, FonteCaixaPostal, FontePagamentos};
use guiche_ports::receita::MensagemCaixaPostal;
use std::sync::Arc;

/// Payments fetched through `PAGTOWEB/PAGAMENTOS71`, with the contratante as author (it needs
/// the contribuinte's e-CAC procuração for PAGTOWEB).
pub struct PagamentosIntegra {
    cliente: Arc<ClienteIntegra>,
    relogio: Arc<dyn Relogio>,
}

impl PagamentosIntegra {
    /// The source over `cliente`; `relogio` gives the billing month of each call.
    pub fn new(cliente: Arc<ClienteIntegra>, relogio: Arc<dyn Relogio>) -> PagamentosIntegra {
        PagamentosIntegra { cliente, relogio }
    }
}

impl std::fmt::Debug for PagamentosIntegra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PagamentosIntegra").finish_non_exhaustive()
    }
}

/// Whether asking again later may work.
fn passageiro(e: &ErroIntegra) -> bool {
    matches!(
        e,
        ErroIntegra::NaoEnviado(_)
            | ErroIntegra::Desconhecido(_)
            | ErroIntegra::ErroServidor { .. }
            | ErroIntegra::LimiteRequisicoes(_)
            | ErroIntegra::Protocolo(_)
    )
}

/// A failure of a service as the sync sees it: passing (asking later may work) or a refusal.
fn erro_fonte(e: ErroServico) -> ErroFonte {
    match &e {
        ErroServico::Integra(i) if passageiro(i) => ErroFonte::Indisponivel(e.to_string()),
        // A malformed answer or pages that do not add up: the server's fault, which may be
        // gone when asked later.
        ErroServico::Resposta(_) | ErroServico::Paginacao(_) => {
            ErroFonte::Indisponivel(e.to_string())
        }
        _ => ErroFonte::Recusa(e.to_string()),
    }
}

/// The mailbox through the same client (`CAIXAPOSTAL/MSGCONTRIBUINTE61`, every page), metered
/// and tagged as every Integra Contador call.
#[async_trait]
impl FonteCaixaPostal for PagamentosIntegra {
    async fn mensagens(
        &self,
        contribuinte: &Documento,
        hoje: Data,
    ) -> Result<Vec<MensagemCaixaPostal>, ErroFonte> {
        servicos::caixa_postal(&self.cliente, contribuinte, hoje)
            .await
            .map_err(erro_fonte)
    }
}

#[async_trait]
impl FontePagamentos for PagamentosIntegra {
    async fn pagamentos(
        &self,
        contribuinte: &Documento,
        desde: Data,
        ate: Data,
    ) -> Result<Vec<Pagamento>, ErroFonte> {
        let hoje = self.relogio.hoje();
        servicos::pagamentos(&self.cliente, contribuinte, desde, ate, hoje)
            .await
            .map_err(erro_fonte)
    }
}
