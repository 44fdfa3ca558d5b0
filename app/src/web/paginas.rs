//! The pages, as `maud` markup: every value interpolated with `(…)` is HTML-escaped.

use super::Tela;
use guiche_aplicacao::usuarios::Sessao;
use guiche_ports::acesso::Papel;
use maud::{DOCTYPE, Markup, html};

/// The frame of every page: the skip link, the header with the navigation and the logout form
/// (when logged in), and `conteudo`.
pub(super) fn moldura(titulo: &str, sessao: Option<(&Sessao, Tela)>, conteudo: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="pt-BR" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (titulo) " — guichê" }
                link rel="stylesheet" href="/estatico/guiche.css";
                link rel="stylesheet" href="/estatico/balcoes.css";
            }
            body {
                a.pular href="#conteudo" { "Pular para o conteúdo" }
                header.topo {
                    span.marca { "guichê" }
                    @if let Some((s, ativa)) = sessao {
                        nav aria-label="Central e-CAC" {
                            ul {
                                @for tela in Tela::TODAS {
                                    li {
                                        a href=(tela.caminho())
                                            aria-current=[(tela == ativa).then_some("page")] {
                                            (tela.nome())
                                        }
                                    }
                                }
                            }
                        }
                        nav aria-label="Balcões" {
                            ul {
                                @for tela in Tela::BALCOES {
                                    @if tela != Tela::Usuarios || s.papel == Papel::Admin {
                                        li {
                                            a href=(tela.caminho())
                                                aria-current=[(tela == ativa).then_some("page")] {
                                                (tela.nome())
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        form.sair method="post" action="/sair" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            span.quem { (s.login) " · " (s.papel.nome()) }
                            button type="submit" { "Sair" }
                        }
                    }
                }
                main #conteudo tabindex="-1" { (conteudo) }
            }
        }
    }
}

/// `/entrar`: the login form, with the form's token, the login typed before and an error.
pub(super) fn entrar(ficha: &str, login: &str, erro: Option<&str>) -> Markup {
    moldura(
        "Entrar",
        None,
        html! {
            section.cartao.entrada aria-labelledby="titulo-entrar" {
                h1 #titulo-entrar { "Entrar na Central e-CAC" }
                @if let Some(erro) = erro {
                    p.erro role="alert" #erro-entrada { (erro) }
                }
                form method="post" action="/entrar" {
                    input type="hidden" name="csrf" value=(ficha);
                    div.campo {
                        label for="login" { "Login" }
                        input #login type="text" name="login" value=(login) required
                            autocomplete="username" autocapitalize="none" spellcheck="false"
                            autofocus[login.is_empty()]
                            aria-describedby=[erro.map(|_| "erro-entrada")];
                    }
                    div.campo {
                        label for="senha" { "Senha" }
                        input #senha type="password" name="senha" required
                            autocomplete="current-password" autofocus[!login.is_empty()];
                    }
                    button type="submit" { "Entrar" }
                }
                p.nota {
                    "Sem login? Peça a quem administra o guichê "
                    "(" code { "guiche usuario add" } ")."
                }
            }
        },
    )
}

/// `12.345.678/0001-95` from the bare 14 characters (the alphanumeric CNPJ too); anything else
/// as is.
pub(super) fn cnpj(bruto: &str) -> String {
    let c: Vec<char> = bruto.chars().collect();
    if c.len() != 14 {
        return bruto.to_owned();
    }
    let p = |a: usize, b: usize| c[a..b].iter().collect::<String>();
    format!(
        "{}.{}.{}/{}-{}",
        p(0, 2),
        p(2, 5),
        p(5, 8),
        p(8, 12),
        p(12, 14)
    )
}

/// `AAAA-MM-DD` as `DD/MM/AAAA`.
pub(super) fn data(iso: &str) -> String {
    match (iso.get(0..4), iso.get(5..7), iso.get(8..10)) {
        (Some(a), Some(m), Some(d)) if iso.len() == 10 => format!("{d}/{m}/{a}"),
        _ => iso.to_owned(),
    }
}

/// The seed's name of a way into e-CAC.
pub(super) fn acesso(codigo: &str) -> &str {
    match codigo {
        "a1" => "Certificado A1",
        "a3" => "Certificado A3",
        "codigo" => "Código de Acesso",
        outro => outro,
    }
}

/// A message page (a refused form, a server failure).
pub(super) fn aviso(s: Option<(&Sessao, Tela)>, titulo: &str, texto: &str) -> Markup {
    moldura(
        titulo,
        s,
        html! {
            section.cartao {
                h1 { (titulo) }
                p { (texto) }
                p { a href="/" { "Voltar à Central e-CAC" } }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        let entrada = entrar("f", "\"><b>", Some("erro")).into_string();
        assert!(
            entrada.contains(r#"value="&quot;&gt;&lt;b&gt;""#),
            "{entrada}"
        );
        assert!(!entrada.contains("<b>"));
    }

    #[test]
    fn masks_and_dates_are_shown_the_brazilian_way() {
        assert_eq!(cnpj("11444777000161"), "11.444.777/0001-61");
        assert_eq!(cnpj("123"), "123");
        assert_eq!(data("2026-01-01"), "01/01/2026");
        assert_eq!(acesso("codigo"), "Código de Acesso");
    }
}
