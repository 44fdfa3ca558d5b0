//! The composition root: the one place that reads configuration ([`crate::config`]) and builds
//! the adapters, the ledger and the clock, and hands them as ports to the application services
//! of `guiche-aplicacao`. The CLI commands, the demo, the sandbox and `guiche serve` get their
//! services from here and nowhere else.

// ── NFD ────────────────────────────────────────────────────────────────────────────────────

// ── CONAM ──────────────────────────────────────────────────────────────────────────────────

// ── SERPRO Integra Contador, procurador, Conecta gov.br ───────────────────────────────────

// ── e-CAC ──────────────────────────────────────────────────────────────────────────────────

// ── API access and idempotency ────────────────────────────────────────────────────────────

/// 32 bytes from the operating system's generator, for new API tokens.
fn aleatorio() -> guiche_aplicacao::acesso::Aleatorio {
    std::sync::Arc::new(|| {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|e| e.to_string())?;
        Ok(b)
    })
}

/// The tokens service over `livro`.
pub(crate) fn acesso_sobre(
    livro: std::sync::Arc<guiche_store::Livro>,
) -> guiche_aplicacao::acesso::ServicoAcesso {
    guiche_aplicacao::acesso::ServicoAcesso::new(livro, aleatorio())
}

/// The tokens service over the configured ledger (`guiche token …`).
pub(crate) fn acesso() -> Result<guiche_aplicacao::acesso::ServicoAcesso, crate::erro::ErroApp> {
    Ok(acesso_sobre(std::sync::Arc::new(
        crate::config::abrir_livro()?,
    )))
}

/// What `guiche serve` runs on: its settings, the tokens and idempotency services over one
/// ledger.
pub(crate) fn estado_api(
    config: &crate::config::ConfigApi,
) -> Result<crate::http::Estado, crate::erro::ErroApp> {
    let livro = std::sync::Arc::new(crate::config::abrir_livro()?);
    let idempotencia =
        guiche_aplicacao::idempotencia::ServicoIdempotencia::new(livro.clone(), config.abandono);
    Ok(crate::http::Estado::new(
        acesso_sobre(livro),
        idempotencia,
        config,
    ))
}
