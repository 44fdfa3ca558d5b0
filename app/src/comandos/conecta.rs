//! `guiche conecta cpf|cnpj`: Conecta gov.br queries, metered against the homologation quota.

use crate::config;
use crate::erro::{Codigo, ErroApp};
use guiche_domain::{Cnpj, Cpf};
use guiche_ports::bilhetagem::MedidorBilhetagem;
use guiche_serpro::Segredo;
use guiche_serpro::conecta::{ClienteConecta, ConfigConecta, ErroConecta};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn cliente() -> Result<ClienteConecta, ErroApp> {
    let url_base = config::obrigatorio("GUICHE_CONECTA_URL", "consultar o Conecta gov.br")?;
    let client_id = config::obrigatorio("GUICHE_CONECTA_CLIENT_ID", "consultar o Conecta gov.br")?;
    let segredo =
        config::obrigatorio("GUICHE_CONECTA_CLIENT_SECRET", "consultar o Conecta gov.br")?;
    let usuario = config::obrigatorio(
        "GUICHE_CONECTA_CPF_USUARIO",
        "consultar CPFs (x-cpf-usuario)",
    )?;
    let cpf_usuario = Cpf::parse(&usuario)
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
        timeout: Duration::from_secs(30),
        quota,
    };
    ClienteConecta::new(config, Some(Arc::new(livro) as Arc<dyn MedidorBilhetagem>))
        .map_err(|e| ErroApp::Configuracao(e.to_string()))
}

fn falha(e: &ErroConecta, json: bool) -> Codigo {
    crate::saida::erro_remoto("Conecta gov.br", e, json);
    match e {
        ErroConecta::Configuracao(_) | ErroConecta::Autenticacao { .. } => Codigo::Uso,
        ErroConecta::NaoEnviado(_) | ErroConecta::Desconhecido(_) | ErroConecta::Protocolo(_) => {
            Codigo::Transporte
        }
        _ => Codigo::Rejeitado,
    }
}

/// `guiche conecta cpf CPF...`.
pub(crate) async fn cpf(cpfs: &[String], json: bool) -> Result<Codigo, ErroApp> {
    let lista = cpfs
        .iter()
        .map(|c| Cpf::parse(c).map_err(|e| ErroApp::Uso(format!("CPF \"{c}\": {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    match cliente()?.consultar_cpf(&lista).await {
        Ok(v) => {
            if json {
                let itens: Vec<_> = v
                    .iter()
                    .map(|s| json!({ "cpf": s.cpf.as_str(), "nome": s.nome, "situacao": { "codigo": s.situacao.codigo, "descricao": s.situacao.descricao }, "nascimento": s.nascimento }))
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({ "cpfs": itens })).unwrap_or_default()
                );
            } else {
                for s in &v {
                    println!(
                        "{}  {}  {}",
                        s.cpf,
                        s.situacao.descricao,
                        s.nome.as_deref().unwrap_or("")
                    );
                }
            }
            Ok(Codigo::Ok)
        }
        Err(e) => Ok(falha(&e, json)),
    }
}

/// `guiche conecta cnpj CNPJ`.
pub(crate) async fn cnpj(cnpj: &str, json: bool) -> Result<Codigo, ErroApp> {
    let c = Cnpj::parse(cnpj).map_err(|e| ErroApp::Uso(format!("CNPJ \"{cnpj}\": {e}")))?;
    match cliente()?.consultar_cnpj(&c).await {
        Ok(d) => {
            let situacao = d
                .situacao
                .as_ref()
                .map(|s| s.descricao.clone().unwrap_or_else(|| s.codigo.clone()));
            if json {
                let v = json!({ "cnpj": d.cnpj.as_str(), "razaoSocial": d.razao_social, "nomeFantasia": d.nome_fantasia, "situacao": situacao, "abertura": d.abertura, "municipio": d.municipio, "uf": d.uf });
                println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                println!(
                    "{}  {}  {}",
                    d.cnpj,
                    d.razao_social,
                    situacao.unwrap_or_default()
                );
                if let (Some(m), Some(uf)) = (&d.municipio, &d.uf) {
                    println!("  {m}/{uf}");
                }
            }
            Ok(Codigo::Ok)
        }
        Err(e) => Ok(falha(&e, json)),
    }
}
