//! [`ServicoUso`]: the billed calls recorded in the ledger (`guiche serpro usage`).

use crate::serpro::erro::ErroSerpro;
use guiche_domain::Documento;
use guiche_ports::bilhetagem::{Janela, MedidorBilhetagem};
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// The billing report over the meter.
#[derive(Clone)]
pub struct ServicoUso {
    medidor: Arc<dyn MedidorBilhetagem>,
}

impl std::fmt::Debug for ServicoUso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServicoUso").finish_non_exhaustive()
    }
}

/// Billed calls of one contratante, service and window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct LinhaConsumo {
    /// The contratante's document (digits), or the Conecta client id.
    pub contratante: String,
    /// The service, e.g. `PGDASD/GERARDAS12` or `conecta/cpf`.
    pub servico: String,
    /// `AAAAMM`, or `total`.
    pub janela: String,
    /// Calls counted.
    pub chamadas: u64,
}

/// The billed calls asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Consumo {
    /// By window, contratante and service.
    pub consumo: Vec<LinhaConsumo>,
}

impl Consumo {
    /// All calls counted.
    pub fn total(&self) -> u64 {
        self.consumo.iter().map(|c| c.chamadas).sum()
    }
}

impl ServicoUso {
    /// The report over `medidor`.
    pub fn new(medidor: Arc<dyn MedidorBilhetagem>) -> ServicoUso {
        ServicoUso { medidor }
    }

    /// The billed calls, of `contratante` and of month `mes` (`AAAAMM`) when given.
    ///
    /// # Errors
    /// [`ErroSerpro::Campo`] for a month that is not `AAAAMM`; [`ErroSerpro::Bilhetagem`].
    pub fn consumo(
        &self,
        contratante: Option<Documento>,
        mes: Option<&str>,
    ) -> Result<Consumo, ErroSerpro> {
        let janela = mes
            .map(|m| match Janela::ler(m) {
                Some(j @ Janela::Mes(_)) => Ok(j),
                _ => Err(ErroSerpro::campo(
                    "mes",
                    m,
                    "use AAAAMM, por exemplo 202611",
                )),
            })
            .transpose()?;
        let linhas = self
            .medidor
            .consumo(contratante.as_ref().map(Documento::as_str), janela)?;
        Ok(Consumo {
            consumo: linhas
                .into_iter()
                .map(|c| LinhaConsumo {
                    contratante: c.contratante,
                    servico: c.servico,
                    janela: c.janela.to_string(),
                    chamadas: c.chamadas,
                })
                .collect(),
        })
    }
}
