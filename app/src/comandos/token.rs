//! `guiche token create|list|revoke`: the API's tokens. `create` prints the secret once, on the
//! last line of stdout; the ledger keeps only its SHA-256.

use crate::erro::{Codigo, ErroApp};
use guiche_aplicacao::acesso::{ErroAcesso, Token};
use guiche_aplicacao::{Classificar, Natureza};

fn erro(e: ErroAcesso) -> ErroApp {
    match e.natureza() {
        Natureza::Pedido | Natureza::NaoEncontrado => ErroApp::Uso(e.to_string()),
        _ => ErroApp::Configuracao(e.to_string()),
    }
}

fn json(v: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

fn linha(t: &Token) -> String {
    let situacao = t
        .revogado_em
        .as_deref()
        .map_or_else(|| "ativo".to_owned(), |r| format!("revogado em {r}"));
    format!(
        "{:>4}  {:<8}  {}  {}  ({situacao})",
        t.id, t.papel, t.criado_em, t.nome
    )
}

/// `guiche token create --nome N --papel P`.
pub(crate) fn criar(nome: &str, papel: &str, como_json: bool) -> Result<Codigo, ErroApp> {
    let criado = crate::composicao::acesso()?
        .criar(nome, papel)
        .map_err(erro)?;
    if como_json {
        json(&criado);
    } else {
        println!(
            "token {} criado para \"{}\", papel {}; guarde-o agora, ele não será mostrado de novo:",
            criado.token.id, criado.token.nome, criado.token.papel
        );
        println!("{}", criado.segredo);
    }
    Ok(Codigo::Ok)
}

/// `guiche token list`.
pub(crate) fn listar(como_json: bool) -> Result<Codigo, ErroApp> {
    let tokens = crate::composicao::acesso()?.listar().map_err(erro)?;
    if como_json {
        json(&tokens);
    } else if tokens.is_empty() {
        println!("nenhum token; crie um com guiche token create --nome NOME --papel admin");
    } else {
        for t in &tokens {
            println!("{}", linha(t));
        }
    }
    Ok(Codigo::Ok)
}

/// `guiche token revoke ID`.
pub(crate) fn revogar(id: i64, como_json: bool) -> Result<Codigo, ErroApp> {
    let t = crate::composicao::acesso()?.revogar(id).map_err(erro)?;
    if como_json {
        json(&t);
    } else {
        println!("{}", linha(&t));
    }
    Ok(Codigo::Ok)
}
