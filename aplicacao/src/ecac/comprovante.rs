//! [`ServicoComprovante`]: the proof of payment of a document the e-CAC ledger knows
//! (`guiche ecac proof`), asked of PAGTOWEB for the contribuinte the ledger holds for it.

use crate::erro::{Classificar, Natureza};
use crate::serpro::{ErroSerpro, ServicoIntegra};
use guiche_domain::Documento;
use guiche_domain::guia::NumeroDocumento;
use guiche_ports::ecac::LivroEcac;
use guiche_ports::livro::ErroLivro;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// What went wrong finding or locating a guide's documents.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErroGuias {
    /// The document is neither a guide nor a payment of the ledger.
    #[error(
        "o documento {0} não está no livro (nem guia nem pagamento); rode `guiche ecac sync` antes"
    )]
    Desconhecido(NumeroDocumento),
    /// An option needs another (names both).
    #[error("{0}")]
    Pedido(String),
    /// A DAS was asked of a service built without Integra Contador.
    #[error("emitir um DAS pede o Integra Contador configurado")]
    SemIntegra,
    /// The e-CAC ledger failed.
    #[error("livro do e-CAC: {0}")]
    Livro(#[from] ErroLivro),
    /// Integra Contador failed or refused.
    #[error(transparent)]
    Serpro(#[from] ErroSerpro),
}

impl Classificar for ErroGuias {
    fn natureza(&self) -> Natureza {
        match self {
            ErroGuias::Desconhecido(_) => Natureza::NaoEncontrado,
            ErroGuias::Pedido(_) => Natureza::Pedido,
            ErroGuias::SemIntegra => Natureza::Configuracao,
            ErroGuias::Livro(_) => Natureza::Livro,
            ErroGuias::Serpro(e) => e.natureza(),
        }
    }
}

/// A proof of payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comprovante {
    /// 17 digits.
    pub numero_documento: String,
    /// Where the presentation stored the PDF (the service leaves `None`).
    pub arquivo: Option<String>,
    /// The PDF's size.
    pub bytes: usize,
    /// The PDF.
    #[serde(skip)]
    pub pdf: Vec<u8>,
    /// Whose payment it is.
    #[serde(skip)]
    pub contribuinte: Option<Documento>,
}

/// The proof of payment of the ledger's documents.
#[derive(Clone)]
pub struct ServicoComprovante {
    integra: ServicoIntegra,
    livro: Arc<dyn LivroEcac>,
}

impl std::fmt::Debug for ServicoComprovante {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServicoComprovante")
            .field("integra", &self.integra)
            .finish_non_exhaustive()
    }
}

impl ServicoComprovante {
    /// The service over Integra Contador and the e-CAC ledger.
    pub fn new(integra: ServicoIntegra, livro: Arc<dyn LivroEcac>) -> ServicoComprovante {
        ServicoComprovante { integra, livro }
    }

    /// The proof of payment of `numero`: the contribuinte is its guide's, else that of the
    /// payment the last reconciliation found under it.
    ///
    /// # Errors
    /// [`ErroGuias::Desconhecido`] for a number the ledger does not know; [`ErroGuias::Livro`];
    /// [`ErroGuias::Serpro`].
    pub async fn comprovante(&self, numero: NumeroDocumento) -> Result<Comprovante, ErroGuias> {
        let contribuinte = self.contribuinte_de(&numero)?;
        let pdf = self.integra.comprovante(contribuinte, numero).await?;
        Ok(Comprovante {
            numero_documento: numero.as_digitos().to_owned(),
            arquivo: None,
            bytes: pdf.len(),
            pdf,
            contribuinte: Some(contribuinte),
        })
    }

    /// Whose document `numero` is.
    fn contribuinte_de(&self, numero: &NumeroDocumento) -> Result<Documento, ErroGuias> {
        if let Some(g) = self.livro.guia(numero)? {
            return Ok(g.guia.contribuinte);
        }
        self.livro
            .historico(numero)?
            .last()
            .map(|o| o.achado.contribuinte)
            .ok_or(ErroGuias::Desconhecido(*numero))
    }
}
