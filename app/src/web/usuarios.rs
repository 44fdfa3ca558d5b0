//! `/usuarios`: the users of the web pages, for an admin — the list with roles, adding one
//! (the password typed twice; the rules of `guiche usuario add`), disabling one. Through the
//! same use cases as the command line (`guiche_aplicacao::usuarios`). Any other role gets a
//! 403 page on every request, GET or POST (and no link in the navigation).

use super::paginas::moldura;
use super::{Tela, exigir_permissao, exigir_post, falha, html, ir_para_caminho, paginas, proibido};
use crate::http::Estado;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use guiche_aplicacao::acesso::Permissao;
use guiche_aplicacao::usuarios::{ErroUsuarios, Sessao, Usuario};
use maud::{Markup, html};
use serde::Deserialize;

/// The routes of this screen.
pub(super) fn rotas() -> Router<Estado> {
    Router::new()
        .route("/usuarios", get(lista).post(adicionar))
        .route("/usuarios/desativar", post(desativar))
}

/// `?criado=LOGIN` or `?desativado=LOGIN` after a redirect. The message is built from the
/// ledger's list, never from the URL: a link cannot make the page say what did not happen.
#[derive(Deserialize, Default)]
struct Feito {
    #[serde(default)]
    criado: Option<String>,
    #[serde(default)]
    desativado: Option<String>,
}

impl Feito {
    /// What was done, if the list says so.
    fn mensagem(&self, lista: &[Usuario]) -> Option<String> {
        let achar = |login: &Option<String>| {
            login
                .as_deref()
                .and_then(|l| lista.iter().find(|u| u.login == l))
        };
        if let Some(u) = achar(&self.criado) {
            return Some(format!("Pronto: usuário {} criado ({}).", u.login, u.papel));
        }
        achar(&self.desativado)
            .filter(|u| u.desativado_em.is_some())
            .map(|u| format!("Pronto: usuário {} desativado.", u.login))
    }
}

/// The fields typed into the form, kept when it comes back with an error.
#[derive(Deserialize, Default)]
struct FormUsuario {
    #[serde(default)]
    login: String,
    #[serde(default)]
    papel: String,
    #[serde(default)]
    senha: String,
    #[serde(default)]
    senha2: String,
    #[serde(default)]
    csrf: String,
}

/// An error of the form, next to its field.
struct ErroCampo {
    campo: &'static str,
    mensagem: String,
}

/// The users, or the failure page.
async fn usuarios(estado: &Estado) -> Result<Vec<Usuario>, Response> {
    let u = estado.usuarios.clone();
    match tokio::task::spawn_blocking(move || u.listar()).await {
        Ok(Ok(l)) => Ok(l),
        Ok(Err(e)) => Err(falha("os usuários não puderam ser lidos do livro", &e)),
        Err(e) => Err(falha("a leitura dos usuários parou", &e)),
    }
}

/// `GET /usuarios`.
async fn lista(
    State(estado): State<Estado>,
    headers: HeaderMap,
    Query(f): Query<Feito>,
) -> Result<Response, Response> {
    let s = exigir_permissao(&estado, &headers, Permissao::Administrar, Tela::Usuarios).await?;
    let lista = usuarios(&estado).await?;
    let feito = f.mensagem(&lista);
    Ok(html(
        StatusCode::OK,
        pagina(&s, &lista, &FormUsuario::default(), None, feito.as_deref()),
    ))
}

/// `POST /usuarios`: adds a user.
async fn adicionar(
    State(estado): State<Estado>,
    headers: HeaderMap,
    corpo: Bytes,
) -> Result<Response, Response> {
    let Ok(form) = serde_urlencoded::from_bytes::<FormUsuario>(&corpo) else {
        return Ok(proibido());
    };
    let s = exigir_post(
        &estado,
        &headers,
        &form.csrf,
        Permissao::Administrar,
        Tela::Usuarios,
    )
    .await?;
    let erro = if form.senha != form.senha2 {
        Some(ErroCampo {
            campo: "senha2",
            mensagem: "as duas senhas não são iguais; digite a mesma senha nos dois campos"
                .to_owned(),
        })
    } else {
        let u = estado.usuarios.clone();
        let (login, senha, papel) = (
            form.login.trim().to_owned(),
            form.senha.clone(),
            form.papel.clone(),
        );
        match tokio::task::spawn_blocking(move || u.criar(&login, &senha, &papel)).await {
            Ok(Ok(novo)) => {
                tracing::info!(por = %s.login, login = %novo.login, papel = %novo.papel, "usuário criado pela página");
                return Ok(ir_para_caminho(&format!(
                    "/usuarios?criado={}",
                    codificar(&novo.login)
                )));
            }
            Ok(Err(e)) => {
                let campo = match &e {
                    ErroUsuarios::LoginInvalido { .. } | ErroUsuarios::JaExiste { .. } => "login",
                    ErroUsuarios::SenhaInvalida { .. } => "senha",
                    ErroUsuarios::PapelInvalido { .. } => "papel",
                    _ => return Err(falha("o usuário não pôde ser criado", &e)),
                };
                Some(ErroCampo {
                    campo,
                    mensagem: e.to_string(),
                })
            }
            Err(e) => return Err(falha("a criação do usuário parou", &e)),
        }
    };
    let lista = usuarios(&estado).await?;
    Ok(html(
        StatusCode::UNPROCESSABLE_ENTITY,
        pagina(&s, &lista, &form, erro.as_ref(), None),
    ))
}

/// The fields of the disable button's form.
#[derive(Deserialize)]
struct FormDesativar {
    #[serde(default)]
    login: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /usuarios/desativar`: disables a user (their sessions end at once). An admin cannot
/// disable themself from here: the office would lose the page that undoes it.
async fn desativar(
    State(estado): State<Estado>,
    headers: HeaderMap,
    corpo: Bytes,
) -> Result<Response, Response> {
    let Ok(form) = serde_urlencoded::from_bytes::<FormDesativar>(&corpo) else {
        return Ok(proibido());
    };
    let s = exigir_post(
        &estado,
        &headers,
        &form.csrf,
        Permissao::Administrar,
        Tela::Usuarios,
    )
    .await?;
    let texto = if form.login == s.login {
        Err("você não pode desativar o seu próprio login por esta página".to_owned())
    } else {
        let u = estado.usuarios.clone();
        let login = form.login.clone();
        match tokio::task::spawn_blocking(move || u.desativar(&login)).await {
            Ok(Ok(d)) => {
                tracing::info!(por = %s.login, login = %d.login, "usuário desativado pela página");
                Ok(d.login)
            }
            Ok(Err(e @ ErroUsuarios::NaoEncontrado { .. })) => Err(e.to_string()),
            Ok(Err(e)) => return Err(falha("o usuário não pôde ser desativado", &e)),
            Err(e) => return Err(falha("a desativação parou", &e)),
        }
    };
    match texto {
        Ok(login) => Ok(ir_para_caminho(&format!(
            "/usuarios?desativado={}",
            codificar(&login)
        ))),
        Err(motivo) => Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            paginas::aviso(
                Some((&s, Tela::Usuarios)),
                "Usuário não desativado",
                &super::capitalizar(&format!("{motivo}.")),
            ),
        )),
    }
}

/// `texto` for a URL's query.
fn codificar(texto: &str) -> String {
    serde_urlencoded::to_string([("", texto)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// Unix seconds as `DD/MM/AAAA` (UTC).
fn dia(segundos: i64) -> String {
    let dias = segundos.div_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = dias + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let a = yoe + era * 400 + i64::from(m <= 2);
    format!("{d:02}/{m:02}/{a:04}")
}

/// The roles, as the command line takes them, with what each may do.
const PAPEIS: [(&str, &str); 3] = [
    ("leitura", "leitura — só consulta"),
    ("operador", "operador — consulta e envia"),
    ("admin", "admin — tudo, inclusive usuários"),
];

fn pagina(
    s: &Sessao,
    lista: &[Usuario],
    form: &FormUsuario,
    erro: Option<&ErroCampo>,
    feito: Option<&str>,
) -> Markup {
    let erro_de = |campo: &str| {
        erro.filter(|e| e.campo == campo)
            .map(|e| e.mensagem.as_str())
    };
    let papel = if form.papel.is_empty() {
        "operador"
    } else {
        form.papel.as_str()
    };
    moldura(
        Tela::Usuarios.nome(),
        Some((s, Tela::Usuarios)),
        html! {
            h1 { (Tela::Usuarios.nome()) }
            @if let Some(f) = feito {
                p.sucesso role="status" { (f) }
            }
            @if let Some(e) = erro {
                p.erro role="alert" { "O usuário não foi criado: " (e.mensagem) "." }
            }
            section aria-labelledby="titulo-lista" {
                h2 #titulo-lista { "Quem entra no guichê (" (lista.len()) ")" }
                div.tabela {
                    table {
                        caption.invisivel { "Usuários, seus papéis e situação" }
                        thead { tr {
                            th scope="col" { "Login" }
                            th scope="col" { "Papel" }
                            th scope="col" { "Criado em" }
                            th scope="col" { "Situação" }
                            th scope="col" { "Ação" }
                        } }
                        tbody {
                            @for u in lista {
                                tr {
                                    td { (u.login) }
                                    td { (u.papel) }
                                    td.numero { (dia(u.criado_em)) }
                                    td {
                                        @if let Some(d) = u.desativado_em {
                                            "desativado em " (dia(d))
                                        } @else if u.bloqueado_ate.is_some() {
                                            "bloqueado (tentativas demais)"
                                        } @else {
                                            "ativo"
                                        }
                                    }
                                    td {
                                        @if u.desativado_em.is_none() && u.login != s.login {
                                            form.em-linha method="post" action="/usuarios/desativar" {
                                                input type="hidden" name="csrf" value=(s.csrf);
                                                input type="hidden" name="login" value=(u.login);
                                                button.secundario type="submit"
                                                    aria-label=(format!("Desativar {}", u.login)) {
                                                    "Desativar"
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section.formulario aria-labelledby="titulo-novo" {
                h2 #titulo-novo { "Adicionar usuário" }
                p.nota {
                    "Login: letras sem acento, dígitos, “.”, “_”, “-” e “@”. Senha: de 12 a 1024 "
                    "caracteres (o comprimento é o que conta)."
                }
                form method="post" action="/usuarios" {
                    input type="hidden" name="csrf" value=(s.csrf);
                    (campo_texto("login", "Login", "text", &form.login, "off", erro_de("login")))
                    div.campo {
                        label for="papel" { "Papel" }
                        select #papel name="papel"
                            aria-describedby=[erro_de("papel").map(|_| "erro-papel")] {
                            @for (valor, nome) in PAPEIS {
                                option value=(valor) selected[valor == papel] { (nome) }
                            }
                        }
                        @if let Some(m) = erro_de("papel") { p.erro-campo #erro-papel { (m) } }
                    }
                    (campo_texto("senha", "Senha", "password", "", "new-password", erro_de("senha")))
                    (campo_texto("senha2", "Senha de novo", "password", "", "new-password", erro_de("senha2")))
                    button type="submit" { "Adicionar" }
                }
            }
        },
    )
}

/// A labelled input, with its error below it (and tied to it for screen readers).
fn campo_texto(
    nome: &str,
    rotulo: &str,
    tipo: &str,
    valor: &str,
    autocomplete: &str,
    erro: Option<&str>,
) -> Markup {
    let id_erro = format!("erro-{nome}");
    html! {
        div.campo {
            label for=(nome) { (rotulo) }
            input id=(nome) type=(tipo) name=(nome) value=(valor) required
                autocomplete=(autocomplete) spellcheck="false"
                aria-invalid=[erro.map(|_| "true")]
                aria-describedby=[erro.map(|_| id_erro.as_str())];
            @if let Some(m) = erro { p.erro-campo id=(id_erro) { (m) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_are_a_civil_date() {
        assert_eq!(dia(0), "01/01/1970");
        assert_eq!(dia(1_795_651_200), "26/11/2026");
        assert_eq!(dia(951_782_400), "29/02/2000");
    }

    #[test]
    fn a_message_is_carried_in_the_query() {
        assert_eq!(codificar("usuário a&b"), "usu%C3%A1rio+a%26b");
    }
}
