//! The composition root: the one place that reads configuration ([`crate::config`]) and builds
//! the adapters, the ledger and the clock, and hands them as ports to the application services
//! of `guiche-aplicacao`. The CLI commands, the demo, the sandbox and `guiche serve` get their
//! services from here and nowhere else.

/// The ledger every service shares, whatever its engine (SQLite or PostgreSQL, by `GUICHE_DB`):
/// each service takes the ports it needs from it.
pub(crate) type Livros = std::sync::Arc<dyn guiche_ports::LivroCompleto>;

// ── NFD ────────────────────────────────────────────────────────────────────────────────────

/// How long a command waits for a sequence another guichê process is working on: long enough
/// for that process to settle a pending nota and send one more, each up to the NFD timeout.
fn espera_vez() -> Result<std::time::Duration, crate::erro::ErroApp> {
    Ok(crate::config::timeout_nfd()?.saturating_mul(4) + std::time::Duration::from_secs(60))
}

/// The NFD service with the ledger at `GUICHE_DB` and the NFD clients of the configuration.
pub(crate) fn nfd() -> Result<guiche_aplicacao::nfd::servico::Nfd, crate::erro::ErroApp> {
    Ok(guiche_aplicacao::nfd::servico::Nfd {
        livro: crate::config::abrir_livro()?,
        emissores: std::sync::Arc::new(EmissoresNfd),
        relogio: std::sync::Arc::new(crate::relogio::RelogioSistema),
        espera_vez: espera_vez()?,
    })
}

/// The NFD service over a ledger already open (`guiche serve`'s) and the NFD clients of the
/// configuration, each built when a nota of its provider is first sent.
pub(crate) fn nfd_sobre(
    livro: Livros,
) -> Result<guiche_aplicacao::nfd::servico::Nfd, crate::erro::ErroApp> {
    Ok(guiche_aplicacao::nfd::servico::Nfd {
        livro,
        emissores: std::sync::Arc::new(EmissoresNfd),
        relogio: std::sync::Arc::new(crate::relogio::RelogioSistema),
        espera_vez: espera_vez()?,
    })
}

/// The NFD service over `livro` with one issuer for every provider: the demo's, against its
/// simulator and a ledger in memory.
#[cfg(feature = "simuladores")]
pub(crate) fn nfd_com(
    livro: Livros,
    emissor: std::sync::Arc<dyn guiche_aplicacao::nfd::EmissorNfd>,
) -> guiche_aplicacao::nfd::servico::Nfd {
    guiche_aplicacao::nfd::servico::Nfd {
        livro,
        emissores: std::sync::Arc::new(UmEmissor(emissor)),
        relogio: std::sync::Arc::new(crate::relogio::RelogioSistema),
        espera_vez: std::time::Duration::from_secs(30),
    }
}

/// One issuer for every provider.
#[cfg(feature = "simuladores")]
struct UmEmissor(std::sync::Arc<dyn guiche_aplicacao::nfd::EmissorNfd>);

#[cfg(feature = "simuladores")]
impl guiche_aplicacao::nfd::servico::Emissores for UmEmissor {
    fn emissor(
        &self,
        _prefeitura: &guiche_domain::nfd::Prefeitura,
        _prestador: &guiche_domain::Documento,
    ) -> Result<std::sync::Arc<dyn guiche_aplicacao::nfd::EmissorNfd>, String> {
        Ok(self.0.clone())
    }
}

/// The NFD client of each provider, built from configuration when first needed.
struct EmissoresNfd;

impl guiche_aplicacao::nfd::servico::Emissores for EmissoresNfd {
    /// The client for a provider: endpoint from `GUICHE_NFD_URL` or the provider profile;
    /// password from `GUICHE_NFD_SENHA_<CNPJ>` or `GUICHE_NFD_SENHA` (or their `_ARQUIVO`
    /// forms); `GUICHE_NFD_TIMEOUT`, `GUICHE_NFD_HTTP_INSEGURO`.
    fn emissor(
        &self,
        prefeitura: &guiche_domain::nfd::Prefeitura,
        prestador: &guiche_domain::Documento,
    ) -> Result<std::sync::Arc<dyn guiche_aplicacao::nfd::EmissorNfd>, String> {
        use crate::config;
        use crate::erro::ErroApp;
        let texto = |e: ErroApp| match e {
            ErroApp::Configuracao(m) => m,
            outro => outro.to_string(),
        };
        let provedor =
            guiche_nfd::Provedor::da_prefeitura(&prefeitura.codigo).ok_or_else(|| {
                format!(
                    "nenhum provedor NFD atende a {} ({})",
                    prefeitura.nome, prefeitura.codigo
                )
            })?;
        let proprio = format!("GUICHE_NFD_SENHA_{}", prestador.as_str());
        let senha = match config::segredo(&proprio).map_err(texto)? {
            Some(s) => s,
            None => config::obrigatorio("GUICHE_NFD_SENHA", "enviar notas NFD").map_err(texto)?,
        };
        let cliente = guiche_nfd::ClienteNfd::new(guiche_nfd::ConfigCliente {
            provedor: provedor.clone(),
            endpoint: config::var("GUICHE_NFD_URL").filter(|u| !u.trim().is_empty()),
            senha: guiche_nfd::Senha::new(senha),
            timeout: config::timeout_nfd().map_err(texto)?,
            http_inseguro: config::nfd_http_inseguro().map_err(texto)?,
        })
        .map_err(|e| e.to_string())?;
        if let Some(aviso) = cliente.aviso_texto_claro() {
            eprintln!("aviso: {aviso}");
        }
        Ok(std::sync::Arc::new(cliente))
    }

    /// Each call builds a client of its own, with its own connections.
    fn um_por_chamada(&self) -> bool {
        true
    }
}

// ── CONAM ──────────────────────────────────────────────────────────────────────────────────

/// Where CONAM issues tokens when `GUICHE_CONAM_TOKEN_URL` is not set.
const CONAM_TOKEN_PADRAO: &str = "https://login.conam.com.br/token";

/// The CONAM client from `GUICHE_CONAM_URL`, `GUICHE_CONAM_TOKEN_URL`,
/// `GUICHE_CONAM_CLIENT_ID` and `GUICHE_CONAM_CLIENT_SECRET` (or its `_ARQUIVO` form), and the
/// base URL it talks to.
fn cliente_conam() -> Result<(guiche_conam::ClienteConam, String), crate::erro::ErroApp> {
    use crate::config;
    let base = config::obrigatorio("GUICHE_CONAM_URL", "falar com a CONAM")?;
    let url_token =
        config::var("GUICHE_CONAM_TOKEN_URL").unwrap_or_else(|| CONAM_TOKEN_PADRAO.to_owned());
    let id = config::obrigatorio("GUICHE_CONAM_CLIENT_ID", "obter o token da CONAM")?;
    let segredo = config::obrigatorio("GUICHE_CONAM_CLIENT_SECRET", "obter o token da CONAM")?;
    let cliente = guiche_conam::ClienteConam::new(guiche_conam::ConfigCliente::new(
        &base,
        &url_token,
        &id,
        guiche_conam::Segredo::new(segredo),
    ))
    .map_err(|e| crate::erro::ErroApp::Configuracao(e.to_string()))?;
    Ok((cliente, base))
}

/// A number of seconds from setting `nome` (`padrao` when absent): positive, at most a day.
fn segundos(nome: &str, padrao: f64) -> Result<std::time::Duration, crate::erro::ErroApp> {
    match crate::config::var(nome) {
        None => Ok(std::time::Duration::from_secs_f64(padrao)),
        Some(v) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
            .map(std::time::Duration::from_secs_f64)
            .ok_or_else(|| {
                crate::erro::ErroApp::Configuracao(format!(
                    "{nome}=\"{v}\" deve ser um número de segundos"
                ))
            }),
    }
}

/// Table 2 of the CONAM rules: the client's own (`GUICHE_CONAM_TABELA2`, a TSV in the format
/// of `domain/data/conam-tabela2.tsv`), else the manual's. The server validates with it; the
/// CLI too, unless `--tabela2` names another file.
pub(crate) fn tabela_2_conam() -> Result<guiche_domain::conam::Tabela2, crate::erro::ErroApp> {
    let Some(caminho) = crate::config::var("GUICHE_CONAM_TABELA2") else {
        return Ok(guiche_domain::conam::Tabela2::oficial().clone());
    };
    let texto = crate::entrada::ler(std::path::Path::new(&caminho))?;
    guiche_aplicacao::conam::validacao::tabela_2(Some(&texto)).map_err(|e| {
        crate::erro::ErroApp::Configuracao(format!("GUICHE_CONAM_TABELA2 ({caminho}): {e}"))
    })
}

/// The CONAM service with the ledger at `GUICHE_DB`, following a package every
/// `GUICHE_CONAM_INTERVALO` seconds (5) for at most `GUICHE_CONAM_ESPERA_MAX` (600).
pub(crate) fn conam() -> Result<guiche_aplicacao::conam::envio::Conam, crate::erro::ErroApp> {
    let (cliente, base) = cliente_conam()?;
    let livro = crate::config::abrir_livro()?;
    conam_com(cliente, livro, &base)
}

/// The CONAM service over `cliente` (at `base`) and `livro`: the demo's, against its
/// simulator and a ledger in memory.
pub(crate) fn conam_com(
    cliente: guiche_conam::ClienteConam,
    livro: Livros,
    base: &str,
) -> Result<guiche_aplicacao::conam::envio::Conam, crate::erro::ErroApp> {
    Ok(guiche_aplicacao::conam::envio::Conam {
        contabil: std::sync::Arc::new(cliente),
        livro,
        servico: base.to_owned(),
        intervalo: segundos("GUICHE_CONAM_INTERVALO", 5.0)?,
        espera_max: segundos("GUICHE_CONAM_ESPERA_MAX", 600.0)?,
    })
}

/// The CONAM service over a ledger already open (`guiche serve`'s), or why CONAM is not set
/// up (the server runs without it and answers 503 naming the setting).
pub(crate) fn conam_sobre(livro: Livros) -> Result<guiche_aplicacao::conam::envio::Conam, String> {
    let (cliente, base) = cliente_conam().map_err(|e| e.to_string())?;
    conam_com(cliente, livro, &base).map_err(|e| e.to_string())
}

/// The CONAM queries (period, revenues): no ledger needed.
pub(crate) fn consultas_conam()
-> Result<guiche_aplicacao::conam::envio::ConsultasConam, crate::erro::ErroApp> {
    let (cliente, _) = cliente_conam()?;
    Ok(guiche_aplicacao::conam::envio::ConsultasConam {
        contabil: std::sync::Arc::new(cliente),
    })
}

// ── SERPRO Integra Contador, procurador, Conecta gov.br ───────────────────────────────────

/// Reads a PKCS#12 certificate from `{var}` (path) and `{var}_PASSWORD` (or its `_ARQUIVO`),
/// valid today.
pub(crate) fn certificado(
    var: &str,
) -> Result<guiche_serpro::certificado::Certificado, crate::erro::ErroApp> {
    certificado_com_senha(var, &format!("{var}_PASSWORD"))
}

/// Reads a PKCS#12 certificate from `{var}` (path) and the password variable `senha` (or its
/// `_ARQUIVO`), valid today.
pub(crate) fn certificado_com_senha(
    var: &str,
    senha: &str,
) -> Result<guiche_serpro::certificado::Certificado, crate::erro::ErroApp> {
    use crate::erro::ErroApp;
    use guiche_serpro::certificado::{Certificado, Senha};
    let caminho = crate::config::var(var).ok_or_else(|| {
        ErroApp::Configuracao(format!(
            "{var} não está definida (o caminho do certificado .pfx/.p12)"
        ))
    })?;
    let senha = crate::config::obrigatorio(senha, "abrir o certificado")?;
    let c = Certificado::ler_arquivo(std::path::Path::new(&caminho), &Senha::new(senha))
        .map_err(|e| ErroApp::Configuracao(format!("{var}={caminho}: {e}")))?;
    c.validar_em(std::time::SystemTime::now())
        .map_err(|e| ErroApp::Configuracao(format!("{var}={caminho}: {e}")))?;
    Ok(c)
}

/// The Integra Contador client from the environment (`GUICHE_SERPRO_*`), metering billed calls
/// in `livro` under the monthly ceiling `GUICHE_SERPRO_TETO_MENSAL`.
fn cliente_integra_com(
    livro: Livros,
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
    cliente_integra_com(crate::config::abrir_livro()?)
}

/// The Integra Contador service: the client from the environment, the procurador's
/// certificate (`GUICHE_SERPRO_PROCURADOR_CERT`, read now; only a procurador's sign-in fails
/// without it), and the ledger both for billing and for the e-CAC registration of the guides
/// issued.
pub(crate) fn servico_integra()
-> Result<guiche_aplicacao::serpro::ServicoIntegra, crate::erro::ErroApp> {
    integra_sobre(crate::config::abrir_livro()?)
}

/// [`servico_integra`] over a ledger already open.
fn integra_sobre(
    livro: Livros,
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

/// The Integra Contador service over `cliente` (the demo's, against its simulator) and
/// `livro`, which receives the guides issued; no procurador.
#[cfg(feature = "simuladores")]
pub(crate) fn integra_com(
    cliente: std::sync::Arc<guiche_serpro::ClienteIntegra>,
    livro: Livros,
) -> guiche_aplicacao::serpro::ServicoIntegra {
    use guiche_ports::ecac::LivroEcac;
    use std::sync::Arc;
    let integra = guiche_serpro::receita::IntegraSerpro::new(
        cliente,
        Err("a demonstração não tem procurador".to_owned()),
    );
    guiche_aplicacao::serpro::ServicoIntegra::new(
        Arc::new(integra),
        Some(livro as Arc<dyn LivroEcac>),
        Arc::new(crate::relogio::RelogioSistema),
    )
}

/// The billing report over the ledger.
pub(crate) fn servico_uso() -> Result<guiche_aplicacao::serpro::ServicoUso, crate::erro::ErroApp> {
    Ok(guiche_aplicacao::serpro::ServicoUso::new(
        crate::config::abrir_livro()?,
    ))
}

/// The Conecta gov.br service from the environment (`GUICHE_CONECTA_*`), metered in the ledger
/// against the quota `GUICHE_CONECTA_QUOTA`.
pub(crate) fn servico_conecta()
-> Result<guiche_aplicacao::serpro::ServicoConecta, crate::erro::ErroApp> {
    conecta_sobre(crate::config::abrir_livro)
}

/// [`servico_conecta`] metered in the ledger `livro` gives (opened once the settings are read).
fn conecta_sobre(
    livro: impl FnOnce() -> Result<Livros, crate::erro::ErroApp>,
) -> Result<guiche_aplicacao::serpro::ServicoConecta, crate::erro::ErroApp> {
    Ok(guiche_aplicacao::serpro::ServicoConecta::new(
        std::sync::Arc::new(conecta_cliente(livro)?),
    ))
}

/// The Conecta gov.br client from the environment (`GUICHE_CONECTA_*`), metering its quota in
/// the ledger `livro` gives (opened once the settings are read).
fn conecta_cliente(
    livro: impl FnOnce() -> Result<Livros, crate::erro::ErroApp>,
) -> Result<guiche_conecta::ClienteConecta, crate::erro::ErroApp> {
    use crate::config;
    use crate::erro::ErroApp;
    use guiche_conecta::{ClienteConecta, ConfigConecta, Segredo};
    use guiche_ports::bilhetagem::MedidorBilhetagem;
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
    let livro = livro()?;
    let config = ConfigConecta {
        url_base,
        client_id,
        client_secret: Segredo::new(segredo),
        cpf_usuario,
        ca_extra_pem: ca,
        timeout: std::time::Duration::from_secs(30),
        quota,
    };
    ClienteConecta::new(config, Some(livro as Arc<dyn MedidorBilhetagem>))
        .map_err(|e| ErroApp::Configuracao(e.to_string()))
}

/// The proof of payment of the e-CAC ledger's documents (`guiche ecac proof`).
pub(crate) fn servico_comprovante()
-> Result<guiche_aplicacao::ecac::comprovante::ServicoComprovante, crate::erro::ErroApp> {
    let livro = crate::config::abrir_livro()?;
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
    let livro = crate::config::abrir_livro()?;
    let integra = emitir
        .then(|| integra_sobre(std::sync::Arc::clone(&livro)))
        .transpose()?;
    Ok(guiche_aplicacao::ecac::localizar::ServicoLocalizar::new(
        integra, livro,
    ))
}

/// The SERPRO, Conecta and e-CAC guide services of `guiche serve`, over its ledger: each one
/// the server lacks a setting for answers 503 with the message naming it (the server starts
/// without SERPRO configured).
pub(crate) fn serpro_api(livro: &Livros) -> crate::http::ServicosSerpro {
    use crate::http::Disponivel;
    use guiche_ports::ecac::LivroEcac;
    use std::sync::Arc;
    let texto = |e: crate::erro::ErroApp| e.to_string();
    let integra = integra_sobre(Arc::clone(livro)).map_err(texto);
    let ecac = Arc::clone(livro) as Arc<dyn LivroEcac>;
    crate::http::ServicosSerpro {
        conecta: Disponivel::new(conecta_sobre(|| Ok(Arc::clone(livro))).map_err(texto)),
        consulta: Disponivel::new(consulta_sobre(|| Ok(Arc::clone(livro))).map_err(texto)),
        uso: Disponivel::new(Ok(guiche_aplicacao::serpro::ServicoUso::new(
            Arc::clone(livro) as Arc<dyn guiche_ports::bilhetagem::MedidorBilhetagem>,
        ))),
        comprovante: Disponivel::new(integra.clone().map(|i| {
            guiche_aplicacao::ecac::comprovante::ServicoComprovante::new(i, Arc::clone(&ecac))
        })),
        localizar: Disponivel::new(Ok(
            guiche_aplicacao::ecac::localizar::ServicoLocalizar::new(integra.clone().ok(), ecac),
        )),
        integra: Disponivel::new(integra),
    }
}

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
    Ok(central_ecac_em(crate::config::abrir_livro()?))
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
pub(crate) fn baixa_ecac(
    cliente: CriarClienteIntegra,
    trabalhadores: Option<usize>,
) -> Result<Baixa, crate::erro::ErroApp> {
    baixa_ecac_sobre(crate::config::abrir_livro()?, cliente, trabalhadores)
}

/// [`baixa_ecac`] over a ledger already open (the server's): every company's sync a job of the
/// round shared with the other workers on the ledger, `trabalhadores` (or
/// `GUICHE_ECAC_TRABALHADORES`) at a time in this process.
fn baixa_ecac_sobre(
    livro: Livros,
    cliente: CriarClienteIntegra,
    trabalhadores: Option<usize>,
) -> Result<Baixa, crate::erro::ErroApp> {
    let distribuicao = guiche_aplicacao::ecac::baixa::Distribuicao {
        fila: livro.clone(),
        trabalhador: nome_do_trabalhador(),
        trabalhadores: match trabalhadores {
            Some(n) => n,
            None => crate::config::ecac_trabalhadores()?,
        },
        prazo: crate::config::ecac_prazo()?,
    };
    let fonte = std::sync::Arc::new(FonteSobDemanda {
        criar: cliente,
        pronta: std::sync::Mutex::new(None),
    });
    let medidor = livro.clone();
    let consulta: guiche_aplicacao::ecac::acompanhamento::CriarConsulta =
        std::sync::Arc::new(move || {
            let medidor = medidor.clone();
            consulta_sobre(move || Ok(medidor)).map_err(|e| match e {
                crate::erro::ErroApp::Configuracao(m) => m,
                outro => outro.to_string(),
            })
        });
    Ok(Baixa::new(
        livro,
        fonte.clone(),
        std::sync::Arc::new(crate::relogio::RelogioSistema),
        std::sync::Arc::new(RelogioReal),
    )
    .distribuida(distribuicao)
    .acompanhando(guiche_aplicacao::ecac::acompanhamento::Acompanhamento::new(
        consulta, fonte,
    )))
}

/// This process among the ledger's workers: the machine's name and the process id.
fn nome_do_trabalhador() -> String {
    let maquina = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "guiche".to_owned());
    format!("{maquina}:{}", std::process::id())
}

/// The e-CAC services of `guiche serve` over its ledger: the Central e-CAC and the baixa
/// (Integra Contador from the environment, made on the first fetch).
pub(crate) fn ecac_api_sobre(
    livro: Livros,
) -> Result<crate::http::ecac::ServicosEcac, crate::erro::ErroApp> {
    Ok(crate::http::ecac::ServicosEcac {
        central: central_ecac_em(livro.clone()),
        baixa: baixa_ecac_sobre(livro, cliente_integra, None)?,
    })
}

/// The daily sync of `baixa` at `hora` (Brasília) by the system clock.
pub(crate) fn agenda_ecac(
    baixa: Baixa,
    hora: guiche_aplicacao::ecac::agenda::HoraDoDia,
) -> guiche_aplicacao::ecac::agenda::AgendaEcac {
    guiche_aplicacao::ecac::agenda::AgendaEcac::new(
        baixa,
        hora,
        std::sync::Arc::new(std::time::SystemTime::now),
    )
}

/// The baixa over `livro` and an Integra Contador client already made (the demo's, against
/// the simulator), today being the clock's (`GUICHE_HOJE` or the system's) for both what is
/// shown and what is written: the demo's ledger lives in memory.
#[cfg(feature = "simuladores")]
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
impl guiche_ports::ecac::FonteCaixaPostal for FonteSobDemanda {
    async fn mensagens(
        &self,
        contribuinte: &guiche_domain::Documento,
        hoje: guiche_domain::Data,
    ) -> Result<Vec<guiche_ports::receita::MensagemCaixaPostal>, ErroFonte> {
        let fonte = self.fonte()?;
        fonte.mensagens(contribuinte, hoje).await
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

/// 32 bytes from the operating system's generator, for new API tokens.
fn aleatorio() -> guiche_aplicacao::acesso::Aleatorio {
    std::sync::Arc::new(|| {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|e| e.to_string())?;
        Ok(b)
    })
}

/// The tokens service over `livro`.
pub(crate) fn acesso_sobre(livro: Livros) -> guiche_aplicacao::acesso::ServicoAcesso {
    guiche_aplicacao::acesso::ServicoAcesso::new(livro, aleatorio())
}

/// The tokens service over the configured ledger (`guiche token …`).
pub(crate) fn acesso() -> Result<guiche_aplicacao::acesso::ServicoAcesso, crate::erro::ErroApp> {
    Ok(acesso_sobre(crate::config::abrir_livro()?))
}

/// The clock of users and sessions: unix seconds now.
fn agora() -> guiche_aplicacao::usuarios::Agora {
    std::sync::Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    })
}

/// Unix seconds now, by the clock sessions are written with.
pub(crate) fn agora_unix() -> i64 {
    agora()()
}

/// The retention service over `livro`, with the windows of `GUICHE_IDEMPOTENCIA_HORAS` and
/// `GUICHE_RODADAS_DIAS`.
pub(crate) fn retencao_sobre(
    livro: Livros,
) -> Result<guiche_aplicacao::retencao::ServicoRetencao, crate::erro::ErroApp> {
    Ok(guiche_aplicacao::retencao::ServicoRetencao::new(
        livro,
        crate::config::janelas_retencao()?,
    ))
}

/// The retention service over the configured ledger (`guiche livro limpar`).
pub(crate) fn retencao() -> Result<guiche_aplicacao::retencao::ServicoRetencao, crate::erro::ErroApp>
{
    let janelas = crate::config::janelas_retencao()?;
    Ok(guiche_aplicacao::retencao::ServicoRetencao::new(
        crate::config::abrir_livro()?,
        janelas,
    ))
}

/// The users service over `livro`.
pub(crate) fn usuarios_sobre(livro: Livros) -> guiche_aplicacao::usuarios::ServicoUsuarios {
    guiche_aplicacao::usuarios::ServicoUsuarios::new(livro, aleatorio(), agora())
}

/// The users service over the configured ledger (`guiche usuario …`).
pub(crate) fn usuarios() -> Result<guiche_aplicacao::usuarios::ServicoUsuarios, crate::erro::ErroApp>
{
    Ok(usuarios_sobre(crate::config::abrir_livro()?))
}

/// What `guiche serve` runs on: its settings, the tokens and idempotency services over one
/// ledger, and the retention that cleans that ledger.
pub(crate) fn estado_api(
    config: &crate::config::ConfigApi,
) -> Result<
    (
        crate::http::Estado,
        guiche_aplicacao::retencao::ServicoRetencao,
    ),
    crate::erro::ErroApp,
> {
    let livro = crate::config::abrir_livro()?;
    let retencao = retencao_sobre(livro.clone())?;
    let idempotencia =
        guiche_aplicacao::idempotencia::ServicoIdempotencia::new(livro.clone(), config.abandono);
    let ecac = ecac_api_sobre(livro.clone())?;
    let mut estado = crate::http::Estado::new(
        acesso_sobre(livro.clone()),
        idempotencia,
        ecac,
        usuarios_sobre(livro.clone()),
        config,
    );
    estado.cookie_seguro =
        crate::config::var("GUICHE_WEB_COOKIE_SEGURO").is_some_and(|v| v.trim() == "1");
    estado.nfd = Some(nfd_sobre(livro.clone())?);
    estado.conam = conam_sobre(livro.clone());
    estado.tabela2 = std::sync::Arc::new(tabela_2_conam()?);
    estado.serpro = serpro_api(&livro);
    estado.web_ecac.hora_sync = config.hora_sync_ecac;
    Ok((estado, retencao))
}

// ── Livro ──────────────────────────────────────────────────────────────────────────────────

/// The migration of the SQLite ledger at `de` (or `GUICHE_DB`'s) to the PostgreSQL database at
/// `para` (its password from `GUICHE_DB_SENHA`, never from the command line).
pub(crate) fn migracao(
    para: &str,
    de: Option<&std::path::Path>,
) -> Result<guiche_aplicacao::livro::Migracao, crate::erro::ErroApp> {
    use crate::erro::ErroApp;
    if !guiche_postgres::e_url_postgres(para) {
        return Err(ErroApp::Uso(format!(
            "--para deve ser uma URL postgres://usuario@servidor:5432/banco, não '{para}'"
        )));
    }
    if guiche_postgres::tem_senha(para) {
        return Err(ErroApp::Uso(
            "a URL de --para tem senha: não ponha senhas na linha de comando (elas ficam no \
             histórico e na lista de processos); use GUICHE_DB_SENHA ou GUICHE_DB_SENHA_ARQUIVO"
                .into(),
        ));
    }
    let origem = match de {
        Some(p) => p.to_path_buf(),
        None if crate::config::var("GUICHE_DB")
            .is_some_and(|u| guiche_postgres::e_url_postgres(&u)) =>
        {
            return Err(ErroApp::Uso(
                "GUICHE_DB já é um PostgreSQL; a origem da migração é um livro SQLite: informe \
                 --de ARQUIVO"
                    .into(),
            ));
        }
        None => crate::config::caminho_livro()?,
    };
    if !origem.is_file() {
        return Err(ErroApp::Uso(format!(
            "o livro de origem {} não existe",
            origem.display()
        )));
    }
    let erro = |e: guiche_ports::livro::ErroLivro| ErroApp::Configuracao(e.to_string());
    let origem = guiche_store::Livro::abrir(&origem).map_err(erro)?;
    let destino =
        guiche_postgres::Livro::abrir(para, &crate::config::opcoes_postgres()?).map_err(erro)?;
    Ok(guiche_aplicacao::livro::Migracao {
        origem: std::sync::Arc::new(origem),
        destino: std::sync::Arc::new(destino),
    })
}

// ── Consultas (CPF, CNPJ, CND) ─────────────────────────────────────────────────────────────

/// The lookups over the configured path: SERPRO's commercial APIs when
/// `GUICHE_SERPRO_LOJA_TRIAL=1` or `GUICHE_SERPRO_LOJA_CONSUMER_KEY` is set (calls metered in
/// the ledger under `GUICHE_SERPRO_TETO_MENSAL`), else Conecta gov.br when `GUICHE_CONECTA_URL`
/// is; `GUICHE_CONSULTA=serpro|conecta` chooses when both are.
pub(crate) fn consulta() -> Result<guiche_aplicacao::consulta::ServicoConsulta, crate::erro::ErroApp>
{
    consulta_sobre(crate::config::abrir_livro)
}

/// [`consulta`] metered in the ledger `livro` gives (opened once the path is chosen).
fn consulta_sobre(
    livro: impl FnOnce() -> Result<Livros, crate::erro::ErroApp>,
) -> Result<guiche_aplicacao::consulta::ServicoConsulta, crate::erro::ErroApp> {
    use crate::config;
    use crate::erro::ErroApp;
    let loja = config::var("GUICHE_SERPRO_LOJA_TRIAL").is_some_and(|v| v.trim() == "1")
        || config::var("GUICHE_SERPRO_LOJA_CONSUMER_KEY").is_some();
    let conecta = config::var("GUICHE_CONECTA_URL").is_some();
    let escolha = config::var("GUICHE_CONSULTA");
    match (escolha.as_deref().map(str::trim), loja, conecta) {
        (Some("serpro"), _, _) | (None, true, _) => consulta_serpro(livro),
        (Some("conecta"), _, _) | (None, false, true) => {
            Ok(guiche_aplicacao::consulta::ServicoConsulta::pelo_conecta(
                std::sync::Arc::new(conecta_cliente(livro)?),
            ))
        }
        (Some(outro), _, _) => Err(ErroApp::Configuracao(format!(
            "GUICHE_CONSULTA deve ser serpro ou conecta, não '{outro}'"
        ))),
        (None, false, false) => Err(ErroApp::Configuracao(
            "nenhum caminho de consulta configurado: empresas privadas usam as APIs comerciais \
             do SERPRO (GUICHE_SERPRO_LOJA_CONSUMER_KEY e …_SECRET, ou GUICHE_SERPRO_LOJA_TRIAL=1 \
             para o ambiente de demonstração); órgãos públicos, o Conecta gov.br \
             (GUICHE_CONECTA_URL, …)"
                .into(),
        )),
    }
}

/// SERPRO's commercial APIs from the environment, metered in the ledger `livro` gives.
fn consulta_serpro(
    livro: impl FnOnce() -> Result<Livros, crate::erro::ErroApp>,
) -> Result<guiche_aplicacao::consulta::ServicoConsulta, crate::erro::ErroApp> {
    use crate::config;
    use crate::erro::ErroApp;
    use guiche_loja::{ClienteLoja, ConfigLoja, Credenciais, Medicao};
    use std::sync::Arc;
    let trial = config::var("GUICHE_SERPRO_LOJA_TRIAL").is_some_and(|v| v.trim() == "1");
    let credenciais = if trial {
        Credenciais::Trial
    } else {
        Credenciais::Contrato {
            consumer_key: config::obrigatorio(
                "GUICHE_SERPRO_LOJA_CONSUMER_KEY",
                "consultar as APIs comerciais do SERPRO",
            )?,
            consumer_secret: guiche_ports::Segredo::new(config::obrigatorio(
                "GUICHE_SERPRO_LOJA_CONSUMER_SECRET",
                "consultar as APIs comerciais do SERPRO",
            )?),
        }
    };
    let contratante = match &credenciais {
        Credenciais::Contrato { consumer_key, .. } => consumer_key.clone(),
        Credenciais::Trial => "trial".to_owned(),
    };
    let livro = livro()?;
    let medicao = Medicao {
        medidor: livro,
        contratante,
        teto_mensal: config::numero("GUICHE_SERPRO_TETO_MENSAL", "chamadas")?,
        relogio: Arc::new(crate::relogio::RelogioSistema),
    };
    let cliente = ClienteLoja::new(
        ConfigLoja {
            url_base: config::var("GUICHE_SERPRO_LOJA_URL")
                .unwrap_or_else(|| guiche_loja::wire::URL_PRODUCAO.into()),
            credenciais,
            ca_extra_pem: config::ca_extra()?,
            timeout: std::time::Duration::from_secs(30),
        },
        Some(medicao),
    )
    .map_err(|e| ErroApp::Configuracao(e.to_string()))?;
    Ok(guiche_aplicacao::consulta::ServicoConsulta::new(
        Arc::new(cliente),
        guiche_aplicacao::consulta::Caminho::SerproLoja,
    ))
}

/// The lookups through SERPRO's commercial APIs at `url` (the demo's simulator, its consumer
/// `chave-demo`), metered in `livro`.
#[cfg(feature = "simuladores")]
pub(crate) fn consulta_no_simulador(
    url: &str,
    livro: Livros,
) -> Result<guiche_aplicacao::consulta::ServicoConsulta, crate::erro::ErroApp> {
    use guiche_loja::{ClienteLoja, ConfigLoja, Credenciais, Medicao};
    use std::sync::Arc;
    let cliente = ClienteLoja::new(
        ConfigLoja {
            url_base: url.to_owned(),
            credenciais: Credenciais::Contrato {
                consumer_key: "chave-demo".into(),
                consumer_secret: guiche_ports::Segredo::new("segredo-demo"),
            },
            ca_extra_pem: None,
            timeout: std::time::Duration::from_secs(30),
        },
        Some(Medicao {
            medidor: livro,
            contratante: "chave-demo".into(),
            teto_mensal: None,
            relogio: Arc::new(crate::relogio::RelogioSistema),
        }),
    )
    .map_err(|e| crate::erro::ErroApp::Configuracao(e.to_string()))?;
    Ok(guiche_aplicacao::consulta::ServicoConsulta::new(
        Arc::new(cliente),
        guiche_aplicacao::consulta::Caminho::SerproLoja,
    ))
}
