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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serpro::integra::guia_do_das;
    use crate::serpro::teste::{Fixo, MockIntegra, cliente, das, integra};
    use guiche_ports::ecac::{Achado, OrigemGuia};
    use guiche_store::Livro;
    use mockall::predicate::{always, eq};

    fn servico(m: MockIntegra, livro: &Arc<Livro>) -> ServicoComprovante {
        let integra = ServicoIntegra::new(Arc::new(m), None, Arc::new(Fixo));
        ServicoComprovante::new(integra, Arc::clone(livro) as Arc<dyn LivroEcac>)
    }

    #[tokio::test]
    async fn the_proof_is_asked_for_the_guides_contribuinte() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let g = guia_do_das(cliente(), &das(7, 100));
        livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap();
        let mut m = integra();
        m.expect_comprovante()
            .with(eq(Documento::Cnpj(cliente())), eq(g.numero), always())
            .times(1)
            .returning(|_, _, _| Ok(b"%PDF-1.4".to_vec()));
        let c = servico(m, &livro).comprovante(g.numero).await.unwrap();
        assert_eq!(c.bytes, 8);
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["numeroDocumento"], g.numero.as_digitos());
        assert_eq!(v.as_object().unwrap().len(), 3, "{v}");
    }

    #[tokio::test]
    async fn a_payment_without_a_guide_gives_its_contribuinte() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let numero = NumeroDocumento::from_u64(42).unwrap();
        let cpf = Documento::parse("52998224725").unwrap();
        let achado = Achado {
            contribuinte: cpf,
            numero,
            chave: format!("pagamento:{}:20261101:10.00", numero.as_digitos()),
            codigo: "pagamento_sem_guia".into(),
            descricao: "pagamento sem guia".into(),
            valor_guia: None,
            valor_pago: None,
            vencimento: None,
            pago_em: None,
            dias_atraso: None,
            paga: true,
        };
        livro
            .registrar_conciliacao(&[achado], guiche_domain::Data::new(2026, 11, 2).unwrap())
            .unwrap();
        let mut m = integra();
        m.expect_comprovante()
            .with(eq(cpf), eq(numero), always())
            .times(1)
            .returning(|_, _, _| Ok(vec![1]));
        let c = servico(m, &livro).comprovante(numero).await.unwrap();
        assert_eq!(c.contribuinte, Some(cpf));
    }

    #[tokio::test]
    async fn an_unknown_number_is_not_found_and_nothing_is_called() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let e = servico(integra(), &livro)
            .comprovante(NumeroDocumento::from_u64(5).unwrap())
            .await
            .unwrap_err();
        assert_eq!(e.natureza(), Natureza::NaoEncontrado);
        assert!(e.to_string().contains("não está no livro"), "{e}");
    }
}
