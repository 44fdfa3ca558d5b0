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

    /// The meter this report reads.
    pub(crate) fn medidor(&self) -> &dyn MedidorBilhetagem {
        self.medidor.as_ref()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::erro::{Classificar, Natureza};
    use guiche_ports::bilhetagem::Bilhete;
    use guiche_store::Livro;

    #[test]
    fn a_month_must_be_aaaamm() {
        let s = ServicoUso::new(Arc::new(Livro::em_memoria().unwrap()));
        for mes in ["total", "2026-11", "202613"] {
            let e = s.consumo(None, Some(mes)).unwrap_err();
            assert_eq!(e.natureza(), Natureza::Pedido, "{mes}: {e}");
            assert!(e.to_string().contains("AAAAMM"), "{e}");
        }
    }

    #[test]
    fn billed_calls_are_listed_and_totalled() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mes = guiche_domain::Competencia::new(2026, 11).unwrap();
        for servico in [
            "PGDASD/GERARDAS12",
            "PGDASD/GERARDAS12",
            "PAGTOWEB/PAGAMENTOS71",
        ] {
            livro
                .reservar(Bilhete {
                    contratante: "11222333000181",
                    servico,
                    janela: Janela::Mes(mes),
                    teto: None,
                })
                .unwrap();
        }
        let s = ServicoUso::new(livro);
        let c = s.consumo(None, Some("202611")).unwrap();
        assert_eq!(c.total(), 3);
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["consumo"][0]["janela"], "202611");
        assert!(s.consumo(None, Some("202610")).unwrap().consumo.is_empty());
    }
}
