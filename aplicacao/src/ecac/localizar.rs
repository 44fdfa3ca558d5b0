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
                return Err(ErroGuias::Pedido(
                    "emitir um DAS pede o período de apuração (periodo)".into(),
                ));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::erro::{Classificar, Natureza};
    use crate::serpro::integra::guia_do_das;
    use crate::serpro::teste::{Fixo, cliente, das, integra};
    use guiche_ports::ecac::{Achado, OrigemGuia};
    use guiche_store::Livro;

    fn outubro() -> Competencia {
        Competencia::new(2026, 10).unwrap()
    }

    #[tokio::test]
    async fn guides_show_their_latest_occurrence_or_none() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let paga = guia_do_das(cliente(), &das(7, 100));
        let aberta = guia_do_das(cliente(), &das(8, 200));
        let mut de_setembro = guia_do_das(cliente(), &das(9, 300));
        de_setembro.periodo = Competencia::new(2026, 9).unwrap();
        for g in [&paga, &aberta, &de_setembro] {
            livro.registrar_guia(g, OrigemGuia::Serpro).unwrap();
        }
        let achado = Achado {
            contribuinte: paga.contribuinte,
            numero: paga.numero,
            chave: format!("guia:{}", paga.numero.as_digitos()),
            codigo: "paga".into(),
            descricao: "paga em dia".into(),
            valor_guia: Some(paga.valor),
            valor_pago: Some(paga.valor),
            vencimento: Some(paga.vencimento),
            pago_em: Some(paga.vencimento),
            dias_atraso: None,
            paga: true,
        };
        livro
            .registrar_conciliacao(&[achado], guiche_domain::Data::new(2026, 11, 21).unwrap())
            .unwrap();
        let s = ServicoLocalizar::new(None, livro);
        let l = s
            .localizar(cliente(), Some(outubro()), false)
            .await
            .unwrap();
        let situacoes: Vec<_> = l
            .guias
            .iter()
            .map(|g| (g.valor.as_str(), g.situacao.as_str()))
            .collect();
        assert_eq!(
            situacoes,
            [("1.00", "paga em dia"), ("2.00", NAO_CONCILIADA)]
        );
        let todas = s.localizar(cliente(), None, false).await.unwrap();
        assert_eq!(todas.guias.len(), 3);
    }

    #[tokio::test]
    async fn emitir_issues_and_records_the_das_first() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = integra();
        m.expect_gerar_das()
            .times(1)
            .returning(|_, _, _, _| Ok(vec![das(11, 500)]));
        let integra = ServicoIntegra::new(
            Arc::new(m),
            Some(Arc::clone(&livro) as Arc<dyn LivroEcac>),
            Arc::new(Fixo),
        );
        let l = ServicoLocalizar::new(Some(integra), livro)
            .localizar(cliente(), Some(outubro()), true)
            .await
            .unwrap();
        assert_eq!(l.guias.len(), 1);
        assert_eq!(l.guias[0].situacao, NAO_CONCILIADA);
        assert!(l.avisos.is_empty());
    }

    #[tokio::test]
    async fn emitir_needs_a_period_and_integra_contador() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let s = ServicoLocalizar::new(None, livro);
        let e = s.localizar(cliente(), None, true).await.unwrap_err();
        assert_eq!(e.natureza(), Natureza::Pedido);
        let e = s
            .localizar(cliente(), Some(outubro()), true)
            .await
            .unwrap_err();
        assert_eq!(e.natureza(), Natureza::Configuracao);
    }

    fn envia<F: std::future::Future + Send>(_: F) {}

    #[test]
    fn proof_and_locate_can_be_shared_by_a_server() {
        fn compartilhavel<T: Clone + Send + Sync + 'static>(_: &T) {}
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let integra = ServicoIntegra::new(Arc::new(integra()), None, Arc::new(Fixo));
        let l = ServicoLocalizar::new(
            Some(integra.clone()),
            Arc::clone(&livro) as Arc<dyn LivroEcac>,
        );
        let c = crate::ecac::comprovante::ServicoComprovante::new(integra, livro);
        compartilhavel(&l);
        compartilhavel(&c);
        envia(l.localizar(cliente(), None, false));
        envia(c.comprovante(guiche_domain::guia::NumeroDocumento::from_u64(1).unwrap()));
    }
}
