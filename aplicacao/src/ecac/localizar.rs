//! [`ServicoLocalizar`]: a company's guides in the e-CAC ledger with their reconciliation
//! state, optionally after issuing the period's DAS (`guiche ecac locate`).

use crate::ecac::comprovante::ErroGuias;
use crate::serpro::ServicoIntegra;
use guiche_domain::{Cnpj, Competencia, Documento};
use guiche_ports::ecac::{GuiaRegistrada, LivroEcac};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::ToSchema;

/// What a guide without an occurrence is called.
pub const NAO_CONCILIADA: &str = "não conciliada";

/// One guide and its state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GuiaLocalizada {
    /// 17 digits.
    pub numero_documento: String,
    /// `AAAAMM`.
    pub periodo: String,
    /// `AAAA-MM-DD`.
    pub vencimento: String,
    /// A decimal string.
    pub valor: String,
    /// The latest occurrence's description, or `não conciliada`.
    pub situacao: String,
    /// `AAAA-MM-DD`, when a reconciliation settled it.
    pub baixada_em: Option<String>,
    /// The guide as the ledger holds it.
    #[serde(skip)]
    pub registrada: Option<GuiaRegistrada>,
}

/// A company's guides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Localizacao {
    /// The company's CNPJ.
    pub empresa: String,
    /// Its guides (of the period asked, when one was).
    pub guias: Vec<GuiaLocalizada>,
    /// Warnings of the DAS issued here that could not be recorded.
    #[serde(skip)]
    pub avisos: Vec<String>,
}

/// Locating a company's guides.
#[derive(Clone)]
pub struct ServicoLocalizar {
    integra: Option<ServicoIntegra>,
    livro: Arc<dyn LivroEcac>,
}

impl std::fmt::Debug for ServicoLocalizar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServicoLocalizar")
            .field("integra", &self.integra)
            .finish_non_exhaustive()
    }
}

impl ServicoLocalizar {
    /// The service over the e-CAC ledger and, to issue a DAS first, Integra Contador.
    pub fn new(integra: Option<ServicoIntegra>, livro: Arc<dyn LivroEcac>) -> ServicoLocalizar {
        ServicoLocalizar { integra, livro }
    }

    /// The guides of `empresa` (of `periodo` when given), each with its latest occurrence;
    /// with `emitir`, the period's DAS is issued (and recorded) first.
    ///
    /// # Errors
    /// [`ErroGuias::Pedido`] for `emitir` without `periodo`; [`ErroGuias::SemIntegra`] for
    /// `emitir` without Integra Contador; [`ErroGuias::Serpro`] when the DAS cannot be issued;
    /// [`ErroGuias::Livro`].
    pub async fn localizar(
        &self,
        empresa: Cnpj,
        periodo: Option<Competencia>,
        emitir: bool,
    ) -> Result<Localizacao, ErroGuias> {
        let mut avisos = Vec::new();
        if emitir {
            let Some(p) = periodo else {
                return Err(ErroGuias::Pedido("--emitir pede --periodo".into()));
            };
            let Some(integra) = &self.integra else {
                return Err(ErroGuias::SemIntegra);
            };
            let emitidos = integra.das(empresa, p, false).await?;
            avisos.extend(emitidos.das.into_iter().filter_map(|d| d.aviso_livro));
        }
        let contribuinte = Documento::Cnpj(empresa);
        let situacao: HashMap<String, String> = self
            .livro
            .ocorrencias(Some(&contribuinte))?
            .into_iter()
            .map(|o| (o.achado.chave, o.achado.descricao))
            .collect();
        let guias = self
            .livro
            .guias(Some(&contribuinte))?
            .into_iter()
            .filter(|g| periodo.is_none_or(|p| g.guia.periodo == p))
            .map(|g| GuiaLocalizada {
                numero_documento: g.guia.numero.as_digitos().to_owned(),
                periodo: g.guia.periodo.compacta(),
                vencimento: g.guia.vencimento.iso(),
                valor: g.guia.valor.decimal().to_string(),
                situacao: situacao
                    .get(&format!("guia:{}", g.guia.numero.as_digitos()))
                    .cloned()
                    .unwrap_or_else(|| NAO_CONCILIADA.to_owned()),
                baixada_em: g.baixada_em.map(|d| d.iso()),
                registrada: Some(g),
            })
            .collect();
        Ok(Localizacao {
            empresa: empresa.as_str().to_owned(),
            guias,
            avisos,
        })
    }
}
