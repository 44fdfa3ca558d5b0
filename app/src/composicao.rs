//! The composition root: the one place that reads configuration ([`crate::config`]) and builds
//! the adapters, the ledger and the clock, and hands them as ports to the application services
//! of `guiche-aplicacao`. The CLI commands, the demo, the sandbox and `guiche serve` get their
//! services from here and nowhere else.

// ── NFD ────────────────────────────────────────────────────────────────────────────────────

// ── CONAM ──────────────────────────────────────────────────────────────────────────────────

// ── SERPRO Integra Contador, procurador, Conecta gov.br ───────────────────────────────────

// ── e-CAC ──────────────────────────────────────────────────────────────────────────────────

use guiche_aplicacao::ecac::{baixa::Baixa, central::CentralEcac};
use guiche_ports::ecac::{ErroFonte, FontePagamentos, LivroEcac};

/// The system clock's day in Brasília, whatever `GUICHE_HOJE` says: the bound of every date
/// the e-CAC services write to the ledger.
struct RelogioReal;

impl guiche_ports::Relogio for RelogioReal {
    fn hoje(&self) -> guiche_domain::Data {
        crate::relogio::hoje_do_sistema()
    }
}

/// The Central e-CAC (companies, guides, imports, occurrences) over the configured ledger.
pub(crate) fn central_ecac() -> Result<CentralEcac, crate::erro::ErroApp> {
    Ok(central_ecac_em(std::sync::Arc::new(
        crate::config::abrir_livro()?,
    )))
}

/// The Central e-CAC over `livro` (the demo's ledger in memory).
pub(crate) fn central_ecac_em(livro: std::sync::Arc<dyn LivroEcac>) -> CentralEcac {
    CentralEcac::new(
        livro,
        std::sync::Arc::new(guiche_planilha::PlanilhasEcac),
        std::sync::Arc::new(crate::relogio::RelogioSistema),
        std::sync::Arc::new(RelogioReal),
    )
}

/// How the Integra Contador client is made from configuration.
pub(crate) type CriarClienteIntegra =
    fn() -> Result<guiche_serpro::ClienteIntegra, crate::erro::ErroApp>;

/// The baixa automática over the configured ledger, fetching payments through Integra
/// Contador (PAGTOWEB). The client is made by `cliente` on the first fetch: a sync with
/// nothing to fetch needs no SERPRO setting, and a missing one is reported per company.
pub(crate) fn baixa_ecac(cliente: CriarClienteIntegra) -> Result<Baixa, crate::erro::ErroApp> {
    let livro: std::sync::Arc<dyn LivroEcac> = std::sync::Arc::new(crate::config::abrir_livro()?);
    Ok(Baixa::new(
        livro,
        std::sync::Arc::new(FonteSobDemanda {
            criar: cliente,
            pronta: std::sync::Mutex::new(None),
        }),
        std::sync::Arc::new(crate::relogio::RelogioSistema),
        std::sync::Arc::new(RelogioReal),
    ))
}

/// The baixa over `livro` and an Integra Contador client already made (the demo's, against
/// the simulator), today being the clock's (`GUICHE_HOJE` or the system's) for both what is
/// shown and what is written: the demo's ledger lives in memory.
pub(crate) fn baixa_ecac_em(
    livro: std::sync::Arc<dyn LivroEcac>,
    cliente: std::sync::Arc<guiche_serpro::ClienteIntegra>,
) -> Baixa {
    let relogio = std::sync::Arc::new(crate::relogio::RelogioSistema);
    Baixa::new(
        livro,
        std::sync::Arc::new(guiche_serpro::fonte::PagamentosIntegra::new(
            cliente,
            relogio.clone(),
        )),
        relogio.clone(),
        relogio,
    )
}

/// PAGTOWEB through an Integra Contador client made on the first fetch.
struct FonteSobDemanda {
    criar: CriarClienteIntegra,
    pronta: std::sync::Mutex<Option<std::sync::Arc<guiche_serpro::fonte::PagamentosIntegra>>>,
}

impl FonteSobDemanda {
    fn fonte(&self) -> Result<std::sync::Arc<guiche_serpro::fonte::PagamentosIntegra>, ErroFonte> {
        let mut pronta = self
            .pronta
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(f) = pronta.as_ref() {
            return Ok(std::sync::Arc::clone(f));
        }
        let cliente = (self.criar)().map_err(|e| match e {
            crate::erro::ErroApp::Configuracao(m) => ErroFonte::Configuracao(m),
            outro => ErroFonte::Configuracao(outro.to_string()),
        })?;
        let f = std::sync::Arc::new(guiche_serpro::fonte::PagamentosIntegra::new(
            std::sync::Arc::new(cliente),
            std::sync::Arc::new(crate::relogio::RelogioSistema),
        ));
        *pronta = Some(std::sync::Arc::clone(&f));
        Ok(f)
    }
}

#[async_trait::async_trait]
impl FontePagamentos for FonteSobDemanda {
    async fn pagamentos(
        &self,
        contribuinte: &guiche_domain::Documento,
        desde: guiche_domain::Data,
        ate: guiche_domain::Data,
    ) -> Result<Vec<guiche_domain::conciliacao::Pagamento>, ErroFonte> {
        let fonte = self.fonte()?;
        fonte.pagamentos(contribuinte, desde, ate).await
    }
}

// ── API access and idempotency ────────────────────────────────────────────────────────────
