//! Configuration (DESIGN.md's variables): the environment, over an optional `guiche.toml`
//! (path from `--config` or `GUICHE_CONFIG`). Secrets come only from the environment or from
//! files, never from the command line — and never from `guiche.toml` itself, which may only
//! name the file that holds one (`senha_arquivo = "…"`).
//!
//! In `guiche.toml` a key's path names the variable: `db` is `GUICHE_DB`, `url` under `[nfd]`
//! is `GUICHE_NFD_URL`, `consumer_secret_arquivo` under `[serpro]` is
//! `GUICHE_SERPRO_CONSUMER_SECRET_ARQUIVO`. An unknown key is an error, not a silent no-op.

use crate::erro::ErroApp;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// Every variable guichê reads (a secret's `…_ARQUIVO` form is accepted for the secrets).
const VARIAVEIS: [&str; 55] = [
    "GUICHE_DB",
    "GUICHE_DB_SENHA",
    "GUICHE_DB_CA",
    "GUICHE_DB_CONEXOES",
    "GUICHE_HOJE",
    "GUICHE_NFD_URL",
    "GUICHE_NFD_SENHA",
    "GUICHE_NFD_TIMEOUT",
    "GUICHE_NFD_HTTP_INSEGURO",
    "GUICHE_NFSE_CERT",
    "GUICHE_NFSE_CERT_SENHA",
    "GUICHE_NFSE_URL",
    "GUICHE_NFSE_CA",
    "GUICHE_NFSE_TIMEOUT",
    "GUICHE_NFSE_ADN_URL",
    "GUICHE_CONAM_URL",
    "GUICHE_CONAM_TOKEN_URL",
    "GUICHE_CONAM_CLIENT_ID",
    "GUICHE_CONAM_CLIENT_SECRET",
    "GUICHE_CONAM_INTERVALO",
    "GUICHE_CONAM_ESPERA_MAX",
    "GUICHE_CONAM_TABELA2",
    "GUICHE_SERPRO_AUTH_URL",
    "GUICHE_SERPRO_URL",
    "GUICHE_SERPRO_CONSUMER_KEY",
    "GUICHE_SERPRO_CONSUMER_SECRET",
    "GUICHE_SERPRO_CERT",
    "GUICHE_SERPRO_CERT_PASSWORD",
    "GUICHE_SERPRO_CA",
    "GUICHE_SERPRO_PROCURADOR_CERT",
    "GUICHE_SERPRO_PROCURADOR_CERT_PASSWORD",
    "GUICHE_SERPRO_TETO_MENSAL",
    "GUICHE_CONECTA_URL",
    "GUICHE_CONECTA_CLIENT_ID",
    "GUICHE_CONECTA_CLIENT_SECRET",
    "GUICHE_CONECTA_CPF_USUARIO",
    "GUICHE_CONECTA_QUOTA",
    "GUICHE_SERPRO_LOJA_URL",
    "GUICHE_SERPRO_LOJA_CONSUMER_KEY",
    "GUICHE_SERPRO_LOJA_CONSUMER_SECRET",
    "GUICHE_SERPRO_LOJA_TRIAL",
    "GUICHE_CONSULTA",
    "GUICHE_CONFIG",
    "GUICHE_API_LIMITE_CORPO",
    "GUICHE_API_TIMEOUT",
    "GUICHE_API_ENCERRAMENTO",
    "GUICHE_API_IDEMPOTENCIA_ABANDONO",
    "GUICHE_IDEMPOTENCIA_HORAS",
    "GUICHE_RODADAS_DIAS",
    "GUICHE_LOG",
    "GUICHE_LOG_FORMATO",
    "GUICHE_ECAC_SYNC_HORA",
    "GUICHE_ECAC_TRABALHADORES",
    "GUICHE_ECAC_PRAZO",
    "GUICHE_WEB_COOKIE_SEGURO",
];

/// Whether `nome` holds a secret (a password or client secret), which `guiche.toml` may not.
fn e_segredo(nome: &str) -> bool {
    ["SENHA", "SECRET", "PASSWORD"]
        .iter()
        .any(|s| nome.contains(s))
        && !nome.ends_with("_ARQUIVO")
}

/// Whether guichê reads `nome`: one of [`VARIAVEIS`], a secret's `…_ARQUIVO`, or a provider's
/// own NFD password `GUICHE_NFD_SENHA_<CNPJ>[_ARQUIVO]`.
fn conhecida(nome: &str) -> bool {
    let base = nome.strip_suffix("_ARQUIVO").unwrap_or(nome);
    let por_prestador = base
        .strip_prefix("GUICHE_NFD_SENHA_")
        .is_some_and(|cnpj| guiche_domain::Cnpj::parse(cnpj).is_ok());
    (VARIAVEIS.contains(&base) && (base == nome || e_segredo(base))) || por_prestador
}

/// The settings read from `guiche.toml`, by variable name.
static ARQUIVO: OnceLock<HashMap<String, String>> = OnceLock::new();

/// Reads `guiche.toml` from `caminho` (the `--config` option), else from `GUICHE_CONFIG`;
/// without either there is no file. Call once, before any command.
///
/// # Errors
/// [`ErroApp::Configuracao`] for a file that cannot be read or parsed, an unknown key, a
/// value that is not text, a number or a boolean, or a secret written in it.
pub(crate) fn carregar(caminho: Option<&Path>) -> Result<(), ErroApp> {
    let caminho = match caminho {
        Some(c) => Some(c.to_path_buf()),
        None => std::env::var_os("GUICHE_CONFIG").map(PathBuf::from),
    };
    let valores = match caminho {
        Some(c) => ler_arquivo(&c)?,
        None => HashMap::new(),
    };
    let _ = ARQUIVO.set(valores);
    Ok(())
}

fn ler_arquivo(caminho: &Path) -> Result<HashMap<String, String>, ErroApp> {
    let nome = caminho.display().to_string();
    let erro = |m: String| ErroApp::Configuracao(format!("{nome}: {m}"));
    let texto = std::fs::read_to_string(caminho).map_err(|e| erro(e.to_string()))?;
    let tabela: toml::Table = texto
        .parse()
        .map_err(|e: toml::de::Error| erro(e.to_string()))?;
    let mut valores = HashMap::new();
    achatar(&tabela, "GUICHE", &mut valores).map_err(erro)?;
    Ok(valores)
}

/// `[secao] chave = v` → `GUICHE_SECAO_CHAVE = v`, checking each name.
fn achatar(
    tabela: &toml::Table,
    prefixo: &str,
    saida: &mut HashMap<String, String>,
) -> Result<(), String> {
    for (chave, valor) in tabela {
        let variavel = format!("{prefixo}_{}", chave.to_ascii_uppercase().replace('-', "_"));
        let texto = match valor {
            toml::Value::Table(t) => {
                achatar(t, &variavel, saida)?;
                continue;
            }
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Float(x) => x.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => return Err(format!("{chave}: use texto, número ou booleano")),
        };
        let caminho = variavel.trim_start_matches("GUICHE_").to_ascii_lowercase();
        if e_segredo(&variavel) {
            return Err(format!(
                "{caminho} é um segredo e não pode ficar no arquivo de configuração; \
                 use {caminho}_arquivo com o caminho de um arquivo que o contém, ou a variável {variavel}"
            ));
        }
        if !conhecida(&variavel) {
            return Err(format!(
                "chave desconhecida: {caminho} ({variavel}); veja a tabela de configuração do README"
            ));
        }
        saida.insert(variavel, texto);
    }
    Ok(())
}

/// A setting: the environment variable `nome`, else `guiche.toml`'s value for it.
pub(crate) fn var(nome: &str) -> Option<String> {
    std::env::var(nome)
        .ok()
        .or_else(|| ARQUIVO.get().and_then(|a| a.get(nome).cloned()))
}

/// A secret: the variable `nome`, or the content of the file named by `{NOME}_ARQUIVO` (from
/// the environment or `guiche.toml`; trailing newline removed), or `None`.
pub(crate) fn segredo(nome: &str) -> Result<Option<String>, ErroApp> {
    if let Ok(v) = std::env::var(nome) {
        return Ok(Some(v));
    }
    let arquivo = format!("{nome}_ARQUIVO");
    let Some(caminho) = var(&arquivo) else {
        return Ok(None);
    };
    std::fs::read_to_string(&caminho)
        .map(|s| Some(s.trim_end_matches(['\r', '\n']).to_owned()))
        .map_err(|e| ErroApp::Configuracao(format!("{arquivo}={caminho}: {e}")))
}

/// A variable that must be present.
pub(crate) fn obrigatorio(nome: &str, para: &str) -> Result<String, ErroApp> {
    segredo(nome)?.ok_or_else(|| {
        ErroApp::Configuracao(format!("{nome} não está definida (necessária para {para}); defina a variável ou {nome}_ARQUIVO com o caminho de um arquivo que a contém"))
    })
}

/// A whole number setting (`GUICHE_CONECTA_QUOTA`, `GUICHE_SERPRO_TETO_MENSAL`): `None` when
/// absent; `o_que` says what it counts, for the error.
pub(crate) fn numero(nome: &str, o_que: &str) -> Result<Option<u64>, ErroApp> {
    var(nome)
        .map(|v| {
            v.trim().parse().map_err(|_| {
                ErroApp::Configuracao(format!("{nome}=\"{v}\" deve ser um número de {o_que}"))
            })
        })
        .transpose()
}

/// The extra CA bundle (`GUICHE_SERPRO_CA`, PEM) the SERPRO and Conecta clients trust.
pub(crate) fn ca_extra() -> Result<Option<String>, ErroApp> {
    var("GUICHE_SERPRO_CA")
        .map(|p| {
            std::fs::read_to_string(&p)
                .map_err(|e| ErroApp::Configuracao(format!("GUICHE_SERPRO_CA={p}: {e}")))
        })
        .transpose()
}

/// Where the ledger lives: `GUICHE_DB`, or the platform data directory.
pub(crate) fn caminho_livro() -> Result<PathBuf, ErroApp> {
    if let Some(p) = var("GUICHE_DB") {
        return Ok(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .ok_or_else(|| {
            ErroApp::Configuracao("defina GUICHE_DB com o caminho do livro (SQLite)".into())
        })?;
    Ok(base.join("guiche").join("livro.db"))
}

/// Opens (creating and migrating if needed) the ledger `GUICHE_DB` names: a PostgreSQL database
/// for a `postgres://` URL (with `GUICHE_DB_CA` and `GUICHE_DB_CONEXOES`), else the SQLite file
/// at [`caminho_livro`].
pub(crate) fn abrir_livro() -> Result<std::sync::Arc<dyn guiche_ports::LivroCompleto>, ErroApp> {
    let erro = |e: guiche_ports::livro::ErroLivro| ErroApp::Configuracao(e.to_string());
    if let Some(url) = var("GUICHE_DB").filter(|u| guiche_postgres::e_url_postgres(u)) {
        let opcoes = opcoes_postgres()?;
        return Ok(std::sync::Arc::new(
            guiche_postgres::Livro::abrir(&url, &opcoes).map_err(erro)?,
        ));
    }
    Ok(std::sync::Arc::new(
        guiche_store::Livro::abrir(&caminho_livro()?).map_err(erro)?,
    ))
}

/// `GUICHE_DB_SENHA` (the PostgreSQL user's password, if the URL has none; or
/// `GUICHE_DB_SENHA_ARQUIVO`), `GUICHE_DB_CA` (a PEM file: the CA of the server's certificate,
/// besides the system's) and `GUICHE_DB_CONEXOES` (connections per pool, default 8).
pub(crate) fn opcoes_postgres() -> Result<guiche_postgres::Opcoes, ErroApp> {
    let ca_pem = var("GUICHE_DB_CA")
        .map(|p| {
            std::fs::read(&p).map_err(|e| ErroApp::Configuracao(format!("GUICHE_DB_CA={p}: {e}")))
        })
        .transpose()?;
    let conexoes = var("GUICHE_DB_CONEXOES")
        .map(|v| {
            v.trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| {
                    ErroApp::Configuracao(format!(
                        "GUICHE_DB_CONEXOES deve ser um número de 1 a 1000, não '{v}'"
                    ))
                })
        })
        .transpose()?;
    let senha = segredo("GUICHE_DB_SENHA")?.map(guiche_ports::Segredo::new);
    Ok(guiche_postgres::Opcoes {
        ca_pem,
        conexoes,
        senha,
    })
}

/// `GUICHE_ECAC_TRABALHADORES`: how many companies this process syncs at once in the round
/// it shares with the other workers on the ledger (1 to 64; default 1).
pub(crate) fn ecac_trabalhadores() -> Result<usize, ErroApp> {
    match var("GUICHE_ECAC_TRABALHADORES") {
        None => Ok(1),
        Some(v) => trabalhadores(&v)
            .map_err(|m| ErroApp::Configuracao(format!("GUICHE_ECAC_TRABALHADORES: {m}"))),
    }
}

/// A number of workers, 1 to 64 (`--trabalhadores`, `GUICHE_ECAC_TRABALHADORES`).
pub(crate) fn trabalhadores(texto: &str) -> Result<usize, String> {
    texto
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=64).contains(n))
        .ok_or_else(|| format!("deve ser um número de 1 a 64, não '{texto}'"))
}

/// `GUICHE_ECAC_PRAZO`: seconds a company stays leased to a worker that stopped renewing it
/// (a heartbeat renews it every third; default 60, at least 3).
pub(crate) fn ecac_prazo() -> Result<Duration, ErroApp> {
    match var("GUICHE_ECAC_PRAZO") {
        None => Ok(Duration::from_secs(60)),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|s| (3..=86_400).contains(s))
            .map(Duration::from_secs)
            .ok_or_else(|| {
                ErroApp::Configuracao(format!(
                    "GUICHE_ECAC_PRAZO deve ser um número de segundos de 3 a 86400, não '{v}'"
                ))
            }),
    }
}

/// `GUICHE_NFD_TIMEOUT`: seconds to wait for the NFD service's reply (default 60).
pub(crate) fn timeout_nfd() -> Result<Duration, ErroApp> {
    match var("GUICHE_NFD_TIMEOUT") {
        None => Ok(Duration::from_secs(60)),
        Some(v) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0 && *s <= 3600.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                ErroApp::Configuracao(format!(
                    "GUICHE_NFD_TIMEOUT=\"{v}\" deve ser um número de segundos entre 0 e 3600"
                ))
            }),
    }
}

/// `GUICHE_NFSE_TIMEOUT`: seconds to wait for SEFIN Nacional's reply (default 60).
pub(crate) fn timeout_nfse() -> Result<Duration, ErroApp> {
    match var("GUICHE_NFSE_TIMEOUT") {
        None => Ok(Duration::from_secs(60)),
        Some(v) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0 && *s <= 3600.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                ErroApp::Configuracao(format!(
                    "GUICHE_NFSE_TIMEOUT=\"{v}\" deve ser um número de segundos entre 0 e 3600"
                ))
            }),
    }
}

/// `GUICHE_NFSE_CA`: a PEM file of CAs SEFIN Nacional's client trusts besides the system's
/// (the simulator's, in tests and the sandbox).
pub(crate) fn ca_nfse() -> Result<Option<String>, ErroApp> {
    var("GUICHE_NFSE_CA")
        .map(|p| {
            std::fs::read_to_string(&p)
                .map_err(|e| ErroApp::Configuracao(format!("GUICHE_NFSE_CA={p}: {e}")))
        })
        .transpose()
}

/// `GUICHE_NFD_HTTP_INSEGURO`: whether a plain `http://` NFD endpoint on another machine is
/// accepted (`1`/`true`; absent, `0`/`false`: refused). See `docs/decisions/0010`.
pub(crate) fn nfd_http_inseguro() -> Result<bool, ErroApp> {
    match var("GUICHE_NFD_HTTP_INSEGURO").as_deref().map(str::trim) {
        None | Some("" | "0" | "false") => Ok(false),
        Some("1" | "true") => Ok(true),
        Some(v) => Err(ErroApp::Configuracao(format!(
            "GUICHE_NFD_HTTP_INSEGURO=\"{v}\" deve ser 1 (aceitar http sem criptografia) ou 0"
        ))),
    }
}

/// How `guiche serve` writes its logs (`GUICHE_LOG_FORMATO`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FormatoLog {
    /// Lines for people (the default).
    Texto,
    /// One JSON object per line.
    Json,
}

/// The settings of `guiche serve`, read and checked together before it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConfigApi {
    /// `GUICHE_API_LIMITE_CORPO`: the largest request body, in bytes (default 32 MiB).
    pub(crate) limite_corpo: usize,
    /// `GUICHE_API_TIMEOUT`: how long a read (GET) may take (default 30 s).
    pub(crate) timeout_leitura: Duration,
    /// `GUICHE_API_ENCERRAMENTO`: how long a shutdown waits for requests in flight (default
    /// 120 s).
    pub(crate) encerramento: Duration,
    /// `GUICHE_API_IDEMPOTENCIA_ABANDONO`: after how long an `Idempotency-Key` still in
    /// progress is presumed abandoned (default 900 s).
    pub(crate) abandono: Duration,
    /// `GUICHE_LOG`: the log filter (default `info`), `tracing` `EnvFilter` syntax.
    pub(crate) filtro_log: String,
    /// `GUICHE_LOG_FORMATO`: `texto` or `json`.
    pub(crate) formato_log: FormatoLog,
    /// `GUICHE_ECAC_SYNC_HORA`: the time of day (Brasília) of the daily e-CAC sync (`HH:MM`,
    /// or `HH:MM:SS`); `None` when not set.
    pub(crate) hora_sync_ecac: Option<guiche_aplicacao::ecac::agenda::HoraDoDia>,
}

/// Reads every setting of `guiche serve`.
///
/// # Errors
/// [`ErroApp::Configuracao`] naming the variable, the value and what is expected.
pub(crate) fn api() -> Result<ConfigApi, ErroApp> {
    let limite = numero("GUICHE_API_LIMITE_CORPO", "bytes")?.unwrap_or(32 * 1024 * 1024);
    let limite_corpo = usize::try_from(limite)
        .ok()
        .filter(|n| (1024..=1 << 32).contains(n))
        .ok_or_else(|| {
            ErroApp::Configuracao(format!(
                "GUICHE_API_LIMITE_CORPO=\"{limite}\" deve ficar entre 1024 bytes e 4 GiB"
            ))
        })?;
    let formato_log = match var("GUICHE_LOG_FORMATO").as_deref().map(str::trim) {
        None | Some("" | "texto") => FormatoLog::Texto,
        Some("json") => FormatoLog::Json,
        Some(v) => {
            return Err(ErroApp::Configuracao(format!(
                "GUICHE_LOG_FORMATO=\"{v}\" deve ser texto ou json"
            )));
        }
    };
    Ok(ConfigApi {
        limite_corpo,
        timeout_leitura: segundos("GUICHE_API_TIMEOUT", 30)?,
        encerramento: segundos("GUICHE_API_ENCERRAMENTO", 120)?,
        abandono: segundos("GUICHE_API_IDEMPOTENCIA_ABANDONO", 900)?,
        filtro_log: var("GUICHE_LOG").unwrap_or_else(|| "info".to_owned()),
        formato_log,
        hora_sync_ecac: var("GUICHE_ECAC_SYNC_HORA")
            .map(|v| {
                guiche_aplicacao::ecac::agenda::HoraDoDia::parse(&v).ok_or_else(|| {
                    ErroApp::Configuracao(format!(
                        "GUICHE_ECAC_SYNC_HORA=\"{v}\" deve ser uma hora HH:MM ou HH:MM:SS (de 00:00 a 23:59:59, horário de Brasília)"
                    ))
                })
            })
            .transpose()?,
    })
}

/// How long the ledger keeps what retention removes (`guiche serve` and `guiche livro limpar`):
/// `GUICHE_IDEMPOTENCIA_HORAS`, a concluded `Idempotency-Key`'s answer (1 to 8760 hours,
/// default 24), and `GUICHE_RODADAS_DIAS`, a finished job round (1 to 3650 days, default 30;
/// at least a day: a round is someone's to finish for 20 hours).
///
/// # Errors
/// [`ErroApp::Configuracao`] naming the variable, the value and the range.
pub(crate) fn janelas_retencao() -> Result<guiche_aplicacao::retencao::Janelas, ErroApp> {
    let faixa = |nome: &str, unidade: &str, padrao: u64, max: u64, segundos: u64| {
        let n = numero(nome, unidade)?.unwrap_or(padrao);
        if !(1..=max).contains(&n) {
            return Err(ErroApp::Configuracao(format!(
                "{nome}=\"{n}\" deve ficar entre 1 e {max} {unidade}"
            )));
        }
        Ok(Duration::from_secs(n * segundos))
    };
    Ok(guiche_aplicacao::retencao::Janelas {
        chaves: faixa("GUICHE_IDEMPOTENCIA_HORAS", "horas", 24, 8_760, 3_600)?,
        rodadas: faixa("GUICHE_RODADAS_DIAS", "dias", 30, 3_650, 86_400)?,
        ..guiche_aplicacao::retencao::Janelas::default()
    })
}

/// A whole number of seconds from 1 to 86 400 (`padrao` when absent).
fn segundos(nome: &str, padrao: u64) -> Result<Duration, ErroApp> {
    let n = numero(nome, "segundos")?.unwrap_or(padrao);
    if !(1..=86_400).contains(&n) {
        return Err(ErroApp::Configuracao(format!(
            "{nome}=\"{n}\" deve ficar entre 1 e 86400 segundos"
        )));
    }
    Ok(Duration::from_secs(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ler(texto: &str) -> Result<HashMap<String, String>, String> {
        let tabela: toml::Table = texto.parse().map_err(|e: toml::de::Error| e.to_string())?;
        let mut saida = HashMap::new();
        achatar(&tabela, "GUICHE", &mut saida)?;
        Ok(saida)
    }

    #[test]
    fn sections_name_the_variables() {
        let v = ler(
            "db = \"/srv/livro.db\"\n[nfd]\nurl = \"https://nfd\"\ntimeout = 30\nsenha_arquivo = \"/etc/senha\"\n\
             [serpro]\nteto_mensal = 1000\nconsumer_secret_arquivo = \"/etc/s\"\n",
        )
        .unwrap();
        assert_eq!(v["GUICHE_DB"], "/srv/livro.db");
        assert_eq!(v["GUICHE_NFD_URL"], "https://nfd");
        assert_eq!(v["GUICHE_NFD_TIMEOUT"], "30");
        assert_eq!(v["GUICHE_NFD_SENHA_ARQUIVO"], "/etc/senha");
        assert_eq!(v["GUICHE_SERPRO_TETO_MENSAL"], "1000");
        assert_eq!(v["GUICHE_SERPRO_CONSUMER_SECRET_ARQUIVO"], "/etc/s");
    }

    #[test]
    fn a_secret_in_the_file_is_refused_naming_the_file_form() {
        for texto in [
            "[nfd]\nsenha = \"x\"",
            "[serpro]\ncert_password = \"x\"",
            "[conam]\nclient_secret = \"x\"",
            "[nfd]\nsenha_11222333000181 = \"x\"",
        ] {
            let e = ler(texto).unwrap_err();
            assert!(
                e.contains("segredo") && e.contains("_arquivo"),
                "{texto}: {e}"
            );
        }
        assert!(ler("[nfd]\nsenha_11222333000181_arquivo = \"/p\"").is_ok());
    }

    #[test]
    fn an_unknown_key_is_an_error_not_ignored() {
        let e = ler("[nfd]\nurll = \"x\"").unwrap_err();
        assert!(e.contains("nfd_urll"), "{e}");
        assert!(
            ler("[serpro]\nurl_arquivo = \"x\"").is_err(),
            "só segredos têm _arquivo"
        );
        assert!(ler("[nfd]\nurl = [1, 2]").is_err());
    }
}
