//! The composition root: the one place that reads configuration ([`crate::config`]) and builds
//! the adapters, the ledger and the clock, and hands them as ports to the application services
//! of `guiche-aplicacao`. The CLI commands, the demo, the sandbox and `guiche serve` get their
//! services from here and nowhere else.

// ── NFD ────────────────────────────────────────────────────────────────────────────────────

// ── CONAM ──────────────────────────────────────────────────────────────────────────────────

// ── SERPRO Integra Contador, procurador, Conecta gov.br ───────────────────────────────────

/// Reads a PKCS#12 certificate from `{var}` (path) and `{var}_PASSWORD` (or its `_ARQUIVO`),
/// valid today.
pub(crate) fn certificado(
    var: &str,
) -> Result<guiche_serpro::certificado::Certificado, crate::erro::ErroApp> {
    use crate::erro::ErroApp;
    use guiche_serpro::certificado::{Certificado, Senha};
    let caminho = crate::config::var(var).ok_or_else(|| {
        ErroApp::Configuracao(format!(
            "{var} não está definida (o caminho do certificado .pfx/.p12)"
        ))
    })?;
    let senha = crate::config::obrigatorio(&format!("{var}_PASSWORD"), "abrir o certificado")?;
    let c = Certificado::ler_arquivo(std::path::Path::new(&caminho), &Senha::new(senha))
        .map_err(|e| ErroApp::Configuracao(format!("{var}={caminho}: {e}")))?;
    c.validar_em(std::time::SystemTime::now())
        .map_err(|e| ErroApp::Configuracao(format!("{var}={caminho}: {e}")))?;
    Ok(c)
}

/// The Integra Contador client from the environment (`GUICHE_SERPRO_*`), metering billed calls
/// in `livro` under the monthly ceiling `GUICHE_SERPRO_TETO_MENSAL`.
fn cliente_integra_com(
    livro: std::sync::Arc<guiche_store::Livro>,
) -> Result<guiche_serpro::ClienteIntegra, crate::erro::ErroApp> {
    use crate::config;
    use crate::erro::ErroApp;
    use guiche_ports::bilhetagem::MedidorBilhetagem;
    use guiche_serpro::{ClienteIntegra, ConfigIntegra, Politica, Segredo};
    let var = |nome: &str, para: &str| config::obrigatorio(nome, para);
    let ca = config::ca_extra()?;
    let cliente = ClienteIntegra::new(ConfigIntegra {
        url_autenticacao: config::var("GUICHE_SERPRO_AUTH_URL")
            .unwrap_or_else(|| "https://autenticacao.sapi.serpro.gov.br/authenticate".into()),
        url_gateway: config::var("GUICHE_SERPRO_URL").unwrap_or_else(|| {
            "https://gateway.apiserpro.serpro.gov.br/integra-contador/v1".into()
        }),
        consumer_key: var("GUICHE_SERPRO_CONSUMER_KEY", "autenticar no SERPRO")?,
        consumer_secret: Segredo::new(var(
            "GUICHE_SERPRO_CONSUMER_SECRET",
            "autenticar no SERPRO",
        )?),
        certificado: certificado("GUICHE_SERPRO_CERT")?,
        ca_extra_pem: ca,
        timeout: std::time::Duration::from_secs(60),
    })
    .map_err(|e| ErroApp::Configuracao(e.to_string()))?;
    let politica = Politica {
        medidor: Some(livro as std::sync::Arc<dyn MedidorBilhetagem>),
        teto_mensal: config::numero("GUICHE_SERPRO_TETO_MENSAL", "chamadas")?,
        ..Politica::default()
    };
    Ok(cliente.com_politica(politica))
}

/// The Integra Contador client from the environment, metering billed calls in the ledger.
pub(crate) fn cliente_integra() -> Result<guiche_serpro::ClienteIntegra, crate::erro::ErroApp> {
    cliente_integra_com(std::sync::Arc::new(crate::config::abrir_livro()?))
}

/// The Integra Contador service: the client from the environment, the procurador's
/// certificate (`GUICHE_SERPRO_PROCURADOR_CERT`, read now; only a procurador's sign-in fails
/// without it), and the ledger both for billing and for the e-CAC registration of the guides
/// issued.
pub(crate) fn servico_integra()
-> Result<guiche_aplicacao::serpro::ServicoIntegra, crate::erro::ErroApp> {
    integra_sobre(std::sync::Arc::new(crate::config::abrir_livro()?))
}

/// [`servico_integra`] over a ledger already open.
fn integra_sobre(
    livro: std::sync::Arc<guiche_store::Livro>,
) -> Result<guiche_aplicacao::serpro::ServicoIntegra, crate::erro::ErroApp> {
    use guiche_ports::ecac::LivroEcac;
    use std::sync::Arc;
    let cliente = cliente_integra_com(Arc::clone(&livro))?;
    let procurador = certificado("GUICHE_SERPRO_PROCURADOR_CERT").map_err(|e| e.to_string());
    let integra = guiche_serpro::receita::IntegraSerpro::new(Arc::new(cliente), procurador);
    Ok(guiche_aplicacao::serpro::ServicoIntegra::new(
        Arc::new(integra),
        Some(livro as Arc<dyn LivroEcac>),
        Arc::new(crate::relogio::RelogioSistema),
    ))
}

/// The billing report over the ledger.
pub(crate) fn servico_uso() -> Result<guiche_aplicacao::serpro::ServicoUso, crate::erro::ErroApp> {
    Ok(guiche_aplicacao::serpro::ServicoUso::new(
        std::sync::Arc::new(crate::config::abrir_livro()?),
    ))
}

/// The Conecta gov.br service from the environment (`GUICHE_CONECTA_*`), metered in the ledger
/// against the quota `GUICHE_CONECTA_QUOTA`.
pub(crate) fn servico_conecta()
-> Result<guiche_aplicacao::serpro::ServicoConecta, crate::erro::ErroApp> {
    use crate::config;
    use crate::erro::ErroApp;
    use guiche_ports::bilhetagem::MedidorBilhetagem;
    use guiche_serpro::Segredo;
    use guiche_serpro::conecta::{ClienteConecta, ConfigConecta};
    use std::sync::Arc;
    let url_base = config::obrigatorio("GUICHE_CONECTA_URL", "consultar o Conecta gov.br")?;
    let client_id = config::obrigatorio("GUICHE_CONECTA_CLIENT_ID", "consultar o Conecta gov.br")?;
    let segredo =
        config::obrigatorio("GUICHE_CONECTA_CLIENT_SECRET", "consultar o Conecta gov.br")?;
    let usuario = config::obrigatorio(
        "GUICHE_CONECTA_CPF_USUARIO",
        "consultar CPFs (x-cpf-usuario)",
    )?;
    let cpf_usuario = guiche_domain::Cpf::parse(&usuario)
        .map_err(|e| ErroApp::Configuracao(format!("GUICHE_CONECTA_CPF_USUARIO: {e}")))?;
    let ca = config::ca_extra()?;
    let quota = config::numero("GUICHE_CONECTA_QUOTA", "chamadas")?;
    let livro = config::abrir_livro()?;
    let config = ConfigConecta {
        url_base,
        client_id,
        client_secret: Segredo::new(segredo),
        cpf_usuario,
        ca_extra_pem: ca,
        timeout: std::time::Duration::from_secs(30),
        quota,
    };
    let cliente = ClienteConecta::new(config, Some(Arc::new(livro) as Arc<dyn MedidorBilhetagem>))
        .map_err(|e| ErroApp::Configuracao(e.to_string()))?;
    Ok(guiche_aplicacao::serpro::ServicoConecta::new(Arc::new(
        cliente,
    )))
}

/// The proof of payment of the e-CAC ledger's documents (`guiche ecac proof`).
pub(crate) fn servico_comprovante()
-> Result<guiche_aplicacao::ecac::comprovante::ServicoComprovante, crate::erro::ErroApp> {
    let livro = std::sync::Arc::new(crate::config::abrir_livro()?);
    Ok(
        guiche_aplicacao::ecac::comprovante::ServicoComprovante::new(
            integra_sobre(std::sync::Arc::clone(&livro))?,
            livro,
        ),
    )
}

/// A company's guides and their state (`guiche ecac locate`); Integra Contador only when a
/// DAS is to be issued first (`emitir`).
pub(crate) fn servico_localizar(
    emitir: bool,
) -> Result<guiche_aplicacao::ecac::localizar::ServicoLocalizar, crate::erro::ErroApp> {
    let livro = std::sync::Arc::new(crate::config::abrir_livro()?);
    let integra = emitir
        .then(|| integra_sobre(std::sync::Arc::clone(&livro)))
        .transpose()?;
    Ok(guiche_aplicacao::ecac::localizar::ServicoLocalizar::new(
        integra, livro,
    ))
}

// ── e-CAC ──────────────────────────────────────────────────────────────────────────────────

// ── API access and idempotency ────────────────────────────────────────────────────────────
