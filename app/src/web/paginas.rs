//! The pages, as `maud` markup: every value interpolated with `(…)` is HTML-escaped.

use super::Tela;
use guiche_aplicacao::ecac::central::EmpresaVista;
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
fn cnpj(bruto: &str) -> String {
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
fn data(iso: &str) -> String {
    match (iso.get(0..4), iso.get(5..7), iso.get(8..10)) {
        (Some(a), Some(m), Some(d)) if iso.len() == 10 => format!("{d}/{m}/{a}"),
        _ => iso.to_owned(),
    }
}

/// The seed's name of a way into e-CAC.
fn acesso(codigo: &str) -> &str {
    match codigo {
        "a1" => "Certificado A1",
        "a3" => "Certificado A3",
        "codigo" => "Código de Acesso",
        outro => outro,
    }
}

/// `/` and `/empresas`: the companies of the ledger.
pub(super) fn empresas(s: &Sessao, tela: Tela, empresas: &[EmpresaVista]) -> Markup {
    let titulo = tela.nome();
    moldura(
        titulo,
        Some((s, tela)),
        html! {
            h1 { (titulo) }
            @if tela == Tela::Inicio {
                p.introducao {
                    "Baixa automática de DARF e DAS: as empresas do escritório, como cada uma "
                    "chega ao e-CAC e até quando seus pagamentos foram conferidos."
                }
            }
            section aria-labelledby="titulo-empresas" {
                h2 #titulo-empresas { "Empresas (" (empresas.len()) ")" }
                @if empresas.is_empty() {
                    p.vazio {
                        "Nenhuma empresa cadastrada. Cadastre pela linha de comando "
                        "(" code { "guiche ecac company add" } ") — o cadastro por esta página "
                        "está em construção."
                    }
                } @else {
                    div.tabela {
                        table {
                            caption.invisivel { "Empresas cadastradas na Central e-CAC" }
                            thead {
                                tr {
                                    th scope="col" { "CNPJ" }
                                    th scope="col" { "Empresa" }
                                    th scope="col" { "Utiliza e-CAC" }
                                    th scope="col" { "Tipo de acesso" }
                                    th scope="col" { "Certificado é procuração digital" }
                                    th scope="col" { "Pagamentos conferidos até" }
                                }
                            }
                            tbody {
                                @for e in empresas {
                                    tr {
                                        td.numero { (cnpj(&e.cnpj)) }
                                        td { @if e.nome.is_empty() { span.fraco { "(sem nome)" } } @else { (e.nome) } }
                                        td {
                                            @match &e.ecac_desde {
                                                Some(d) => { "Sim, desde " (data(d)) }
                                                None => { "Não" }
                                            }
                                        }
                                        td { (acesso(&e.acesso)) }
                                        td { @if e.certificado_procurador { "Sim" } @else { "Não" } }
                                        td {
                                            @match &e.sincronizado_ate {
                                                Some(d) => { (data(d)) }
                                                None => { span.fraco { "nunca" } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A screen of the seed not built yet.
pub(super) fn em_construcao(s: &Sessao, tela: Tela) -> Markup {
    moldura(
        tela.nome(),
        Some((s, tela)),
        html! {
            h1 { (tela.nome()) }
            p.vazio {
                "Esta tela está em construção. Enquanto isso, a mesma função está nos "
                "comandos " code { "guiche ecac" } " e na API (" code { "/api/v1/ecac" } ")."
            }
        },
    )
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
        let s = Sessao {
            login: "ana".into(),
            papel: Papel::Admin,
            csrf: "c".into(),
        };
        let e = EmpresaVista {
            cnpj: "11444777000161".into(),
            nome: "<script>alert(1)</script> & Cia".into(),
            ecac_desde: Some("2026-01-01".into()),
            acesso: "a1".into(),
            certificado_procurador: true,
            sincronizado_ate: None,
            situacao: String::new(),
        };
        let p = empresas(&s, Tela::Inicio, &[e]).into_string();
        assert!(p.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Cia"));
        assert!(!p.contains("<script>"));
        assert!(p.contains("11.444.777/0001-61") && p.contains("desde 01/01/2026"));
        assert!(p.contains(r#"aria-current="page""#));
        let entrada = entrar("f", "\"><b>", Some("erro")).into_string();
        assert!(
            entrada.contains(r#"value="&quot;&gt;&lt;b&gt;""#),
            "{entrada}"
        );
    }
}
