//! The README stays true: every `$ guiche …` command in its console blocks runs, in order,
//! against `guiche sandbox` (with the README's date, 22/11/2026), exits as shown, and prints
//! the lines the README shows (volatile parts — NFD authenticity codes, the repository's path
//! — masked; a line with `…` stands for lines left out).
//!
//! Commands that need what the sandbox does not give (a procurador's RSA e-CPF, a prestador's
//! RSA e-CNPJ, a dropped connection, files of the reader's own) are skipped by name below.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads
#![cfg(unix)]

use crate::comum;

use comum::sandbox::Sandbox;
use std::path::Path;
use std::process::Command;

const RAIZ: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// Commands of the README the sandbox cannot run (`nfse dps` of a valid DPS needs the
/// prestador's own RSA certificate; `nfse::dps_signs_offline_with_the_certificate_from_the_environment`
/// runs it; `nfse send|batch|status|cancel|event` print access keys with the simulator's random
/// code, and `nfse aliquota` needs the certificate too: `nfse_envio` runs them, and `sandbox` runs `send` and `cancel` against the sandbox).
const PULADOS: [&str; 13] = [
    "guiche sandbox",
    "nota3.xml",
    "notas/*.xml",
    "roteiro.tsv",
    "--autor",
    "serpro procurador",
    "nfse dps exemplos/nfse/dps.json",
    "nfse send",
    "nfse batch",
    "nfse status",
    "nfse cancel",
    "nfse event",
    "nfse aliquota",
];

struct Exemplo {
    linha: usize,
    comando: String,
    saida: Vec<String>,
}

/// The `$ guiche …` commands of the README's console blocks, with the lines shown after each.
fn exemplos(readme: &str) -> Vec<Exemplo> {
    let mut lista: Vec<Exemplo> = Vec::new();
    let (mut em_bloco, mut atual) = (false, false);
    for (n, linha) in readme.lines().enumerate() {
        if linha.starts_with("```") {
            em_bloco = linha == "```console";
            atual = false;
            continue;
        }
        if !em_bloco {
            continue;
        }
        if let Some(c) = linha.strip_prefix("$ ") {
            atual = c.starts_with("guiche ") && !PULADOS.iter().any(|p| c.contains(p));
            if atual {
                lista.push(Exemplo {
                    linha: n + 1,
                    comando: sem_comentario(c).to_owned(),
                    saida: Vec::new(),
                });
            }
        } else if atual && let Some(e) = lista.last_mut() {
            e.saida.push(linha.to_owned());
        }
    }
    lista
}

/// The command without a trailing `# comment`.
fn sem_comentario(c: &str) -> &str {
    c.find("  #")
        .or_else(|| c.find(" # "))
        .map_or(c, |i| &c[..i])
        .trim_end()
}

/// Splits a command line as a shell would for these examples (single and double quotes).
fn palavras(c: &str) -> Vec<String> {
    let (mut saida, mut atual, mut aspa, mut tem) = (Vec::new(), String::new(), None, false);
    for ch in c.chars() {
        match (aspa, ch) {
            (None, '\'' | '"') => {
                aspa = Some(ch);
                tem = true;
            }
            (Some(a), _) if ch == a => aspa = None,
            (None, ' ') => {
                if tem {
                    saida.push(std::mem::take(&mut atual));
                }
                tem = false;
            }
            _ => {
                atual.push(ch);
                tem = true;
            }
        }
    }
    if tem {
        saida.push(atual);
    }
    saida
}

/// NFD authenticity codes (`5UE4JU8.WUEKFII.DL0USC5B.FSCW9O5T`) become `CODIGO`; trailing
/// blanks go.
fn normalizar(linha: &str, raiz: &str) -> String {
    let linha = linha.replace(&format!("{raiz}/"), "");
    let mut saida = Vec::new();
    for palavra in linha.split(' ') {
        let (nucleo, resto) = palavra.split_at(palavra.trim_end_matches([')', ':', ',']).len());
        let partes: Vec<&str> = nucleo.split('.').collect();
        let codigo = partes.len() == 4
            && partes.iter().all(|p| {
                p.len() >= 7
                    && p.bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            });
        saida.push(if codigo {
            format!("CODIGO{resto}")
        } else {
            palavra.to_owned()
        });
    }
    saida.join(" ").trim_end().to_owned()
}

#[test]
fn every_readme_command_runs_as_shown() {
    let raiz = Path::new(RAIZ).canonicalize().unwrap();
    let raiz_texto = raiz.display().to_string();
    let readme = std::fs::read_to_string(raiz.join("README.md")).unwrap();
    let lista = exemplos(&readme);
    assert!(
        lista.len() > 30,
        "os exemplos do README foram encontrados: {}",
        lista.len()
    );
    let sandbox = Sandbox::iniciar(Some("22/11/2026"));
    let mut env = sandbox.env.clone();
    env.push(("GUICHE_HOJE".to_owned(), "22/11/2026".to_owned()));
    let pasta = comum::pasta("readme");
    for e in &lista {
        let args: Vec<String> = palavras(&e.comando)
            .into_iter()
            .skip(1)
            .map(|a| {
                if a.starts_with("exemplos/") || a.starts_with("domain/") {
                    format!("{raiz_texto}/{a}")
                } else {
                    a
                }
            })
            .collect();
        let o = Command::new(env!("CARGO_BIN_EXE_guiche"))
            .args(&args)
            .current_dir(&pasta)
            .env_clear()
            .envs(env.iter().cloned())
            .output()
            .unwrap();
        let texto = String::from_utf8_lossy(&o.stdout).to_string();
        let reais: Vec<String> = texto.lines().map(|l| normalizar(l, &raiz_texto)).collect();
        let recusa = e
            .saida
            .iter()
            .any(|l| l.contains('✗') || l.contains("nada foi enviado"));
        let esperado = if recusa { 1 } else { 0 };
        assert_eq!(
            o.status.code(),
            Some(esperado),
            "README.md:{} `{}`\n{texto}{}",
            e.linha,
            e.comando,
            String::from_utf8_lossy(&o.stderr)
        );
        let mut resto = reais.iter();
        for linha in e
            .saida
            .iter()
            .filter(|l| !l.contains('…') && !l.starts_with('#'))
        {
            let procurada = normalizar(linha, &raiz_texto);
            assert!(
                resto.any(|r| *r == procurada),
                "README.md:{} `{}`: a linha\n  {procurada}\nnão aparece (nesta ordem) na saída:\n{}",
                e.linha,
                e.comando,
                reais.join("\n")
            );
        }
    }
}
