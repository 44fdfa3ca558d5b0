//! `guiche consulta cpf|cnpj|cnd`: one command for both paths (SERPRO's commercial APIs or
//! Conecta gov.br), the same output whichever answers.

use crate::cli::Consulta;
use crate::erro::{Codigo, ErroApp};
use guiche_aplicacao::consulta::{
    CndEncontrada, CnpjEncontrado, CpfEncontrado, ErroConsultas, ResultadoCpf,
};
use guiche_aplicacao::{Classificar, Natureza};
use guiche_ports::consulta::NivelCnpj;

fn json(v: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// A failed lookup: a bad number is a usage error, a path that cannot answer a configuration
/// one; the service's answer (not found, refused, ceiling, transport) is shown as its answer
/// with the exit code of its nature.
fn falha(e: &ErroConsultas, caminho: &str, como_json: bool) -> Result<Codigo, ErroApp> {
    match e.natureza() {
        Natureza::Pedido => Err(ErroApp::Uso(e.to_string())),
        Natureza::Configuracao => Err(ErroApp::Configuracao(e.to_string())),
        n => {
            crate::saida::erro_remoto(caminho, e, como_json);
            Ok(Codigo::from(n))
        }
    }
}

fn texto_cpf(c: &CpfEncontrado) -> String {
    let mut t = format!(
        "{}: {} — {}",
        guiche_domain::Cpf::parse(&c.cpf).map_or_else(|_| c.cpf.clone(), |d| d.to_string()),
        c.nome,
        c.situacao
            .descricao
            .as_deref()
            .unwrap_or(&c.situacao.codigo)
    );
    if let Some(n) = &c.nascimento {
        t.push_str(&format!(", nascimento {n}"));
    }
    if let Some(a) = c.ano_obito {
        t.push_str(&format!(", óbito em {a}"));
    }
    if c.parcial {
        t.push_str(" (resposta parcial)");
    }
    t
}

fn texto_cnpj(c: &CnpjEncontrado) {
    let cnpj =
        guiche_domain::Cnpj::parse(&c.cnpj).map_or_else(|_| c.cnpj.clone(), |d| d.to_string());
    println!(
        "{cnpj}: {} — {}",
        c.razao_social,
        c.situacao
            .descricao
            .as_deref()
            .unwrap_or(&c.situacao.codigo)
    );
    if let Some(f) = &c.nome_fantasia {
        println!("  nome fantasia: {f}");
    }
    if let (Some(m), Some(uf)) = (&c.municipio, &c.uf) {
        println!("  {m}/{uf}");
    }
    if let Some(a) = &c.abertura {
        println!("  aberta em {a}");
    }
    for s in &c.socios {
        println!(
            "  sócio: {} {} {}",
            s.nome,
            s.documento.as_deref().unwrap_or(""),
            s.qualificacao.as_deref().unwrap_or("")
        );
    }
}

fn texto_cnd(c: &CndEncontrada) {
    let mut t = format!("{}: CND {}", c.documento, c.situacao);
    if let Some(v) = &c.validade {
        t.push_str(&format!(", válida até {v}"));
    }
    if let Some(k) = &c.codigo_controle {
        t.push_str(&format!(" (código de controle {k})"));
    }
    println!("{t}");
}

/// `guiche consulta …`.
pub(crate) async fn executar(c: Consulta, como_json: bool) -> Result<Codigo, ErroApp> {
    let servico = crate::composicao::consulta()?;
    match c {
        Consulta::Cpf { cpfs, etiqueta } => {
            let feito = servico.cpfs(&cpfs, etiqueta.as_deref()).await;
            if como_json {
                json(&feito);
            } else {
                for r in &feito.cpfs {
                    match r {
                        ResultadoCpf::Consultado(c) => println!("{}", texto_cpf(c)),
                        ResultadoCpf::Falhou { cpf, erro, .. } => {
                            println!("{cpf}: {}", erro.mensagem);
                        }
                    }
                }
            }
            Ok(feito.natureza().map_or(Codigo::Ok, Codigo::from))
        }
        Consulta::Cnpj {
            cnpj,
            qsa,
            empresa,
            etiqueta,
        } => {
            let nivel = match (qsa, empresa) {
                (_, true) => NivelCnpj::Empresa,
                (true, _) => NivelCnpj::Qsa,
                _ => NivelCnpj::Basica,
            };
            let c = match servico.cnpj(&cnpj, nivel, etiqueta.as_deref()).await {
                Ok(c) => c,
                Err(e) => return falha(&e, servico.caminho().nome(), como_json),
            };
            if como_json {
                json(&c);
            } else {
                texto_cnpj(&c);
            }
            Ok(Codigo::Ok)
        }
        Consulta::Cnd {
            documento,
            etiqueta,
        } => {
            let c = match servico.cnd(&documento, etiqueta.as_deref()).await {
                Ok(c) => c,
                Err(e) => return falha(&e, servico.caminho().nome(), como_json),
            };
            if como_json {
                json(&c);
            } else {
                texto_cnd(&c);
            }
            Ok(Codigo::Ok)
        }
    }
}
