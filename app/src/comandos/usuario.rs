//! `guiche usuario add|list|disable`: the people who log in to the web pages. `add` reads the
//! password from `GUICHE_USUARIO_SENHA` or one line of stdin, never from the command line.

use crate::erro::{Codigo, ErroApp};
use guiche_aplicacao::usuarios::{ErroUsuarios, Usuario};
use guiche_aplicacao::{Classificar, Natureza};
use std::io::BufRead as _;

fn erro(e: ErroUsuarios) -> ErroApp {
    match e.natureza() {
        Natureza::Pedido | Natureza::NaoEncontrado | Natureza::Conflito => {
            ErroApp::Uso(e.to_string())
        }
        _ => ErroApp::Configuracao(e.to_string()),
    }
}

fn json(v: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// An instant as UTC text (`AAAA-MM-DD HH:MM UTC`).
fn instante(unix: i64) -> String {
    let dias = unix.div_euclid(86_400);
    let segundos = unix.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = dias + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let dia = doy - (153 * mp + 2) / 5 + 1;
    let mes = if mp < 10 { mp + 3 } else { mp - 9 };
    let ano = yoe + era * 400 + i64::from(mes <= 2);
    format!(
        "{ano:04}-{mes:02}-{dia:02} {:02}:{:02} UTC",
        segundos / 3600,
        segundos % 3600 / 60
    )
}

fn linha(u: &Usuario) -> String {
    let situacao = match (u.desativado_em, u.bloqueado_ate) {
        (Some(d), _) => format!("desativado em {}", instante(d)),
        (None, Some(b)) => format!("bloqueado até {}", instante(b)),
        (None, None) => "ativo".to_owned(),
    };
    format!(
        "{:<24}  {:<8}  criado em {}  ({situacao})",
        u.login,
        u.papel,
        instante(u.criado_em)
    )
}

/// The password: `GUICHE_USUARIO_SENHA`, else one line of stdin (its line break dropped).
fn senha() -> Result<String, ErroApp> {
    if let Ok(s) = std::env::var("GUICHE_USUARIO_SENHA")
        && !s.is_empty()
    {
        return Ok(s);
    }
    let mut linha = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut linha)
        .map_err(|e| ErroApp::Uso(format!("não foi possível ler a senha da entrada: {e}")))?;
    let senha = linha.trim_end_matches(['\r', '\n']).to_owned();
    if senha.is_empty() {
        return Err(ErroApp::Uso(
            "informe a senha numa linha da entrada padrão ou em GUICHE_USUARIO_SENHA \
             (nunca na linha de comando)"
                .into(),
        ));
    }
    Ok(senha)
}

/// `guiche usuario add LOGIN --papel P`.
pub(crate) fn criar(login: &str, papel: &str, como_json: bool) -> Result<Codigo, ErroApp> {
    let servico = crate::composicao::usuarios()?;
    let senha = senha()?;
    let u = servico.criar(login, &senha, papel).map_err(erro)?;
    if como_json {
        json(&u);
    } else {
        println!("usuário \"{}\" criado, papel {}", u.login, u.papel);
    }
    Ok(Codigo::Ok)
}

/// `guiche usuario list`.
pub(crate) fn listar(como_json: bool) -> Result<Codigo, ErroApp> {
    let usuarios = crate::composicao::usuarios()?.listar().map_err(erro)?;
    if como_json {
        json(&usuarios);
    } else if usuarios.is_empty() {
        println!("nenhum usuário; crie um com guiche usuario add LOGIN --papel admin");
    } else {
        for u in &usuarios {
            println!("{}", linha(u));
        }
    }
    Ok(Codigo::Ok)
}

/// `guiche usuario disable LOGIN`.
pub(crate) fn desativar(login: &str, como_json: bool) -> Result<Codigo, ErroApp> {
    let u = crate::composicao::usuarios()?
        .desativar(login)
        .map_err(erro)?;
    if como_json {
        json(&u);
    } else {
        println!("{}", linha(&u));
    }
    Ok(Codigo::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_written_as_utc_dates() {
        assert_eq!(instante(0), "1970-01-01 00:00 UTC");
        assert_eq!(instante(1_795_000_000), "2026-11-18 11:06 UTC");
        assert_eq!(instante(951_782_400), "2000-02-29 00:00 UTC");
    }
}
