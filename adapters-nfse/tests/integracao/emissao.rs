//! Issuing over mTLS: 201 with the NFS-e, a duplicate DPS, a lost reply settled by the DPS Id,
//! the service unavailable, business refusals in both error shapes, the port's answers.

use crate::{Cenario, dps, prestador};
use guiche_certificados::nfse::DECLARACAO;
use guiche_certificados::xmldsig::{Alvo, Assinante};
use guiche_domain::nfse::IdDps;
use guiche_http::ConfigHttp;
use guiche_nfse::simulador::FalhaNfse;
use guiche_nfse::{ClienteNfse, ConfigNfse, Emissao, ErroNfse};
use guiche_ports::emissor::{EmissorNotas, Envio, ErroEnvio, Resposta};
use std::sync::Arc;
use std::time::Duration;

fn envio(documento: String) -> Envio {
    Envio {
        prefeitura: "3550308".into(),
        prestador: prestador(),
        documento,
        url_impressao: false,
    }
}

#[tokio::test]
async fn a_dps_is_issued_over_mtls_and_read_back_by_its_key() {
    let c = Cenario::novo();
    let Emissao::Emitida(nfse) = c.cliente.emitir(&c.assinada(42)).await.unwrap() else {
        panic!("não emitida");
    };
    let id = dps(42).id().to_string();
    assert_eq!(nfse.id_dps.as_deref(), Some(id.as_str()));
    assert_eq!(nfse.chave.inscricao(), prestador());
    assert_eq!(nfse.chave.municipio(), dps(42).municipio_emissor());
    assert!(
        nfse.xml
            .contains(&format!("<infNFSe Id=\"NFS{}\">", nfse.chave)),
        "{}",
        nfse.xml
    );
    assert!(nfse.xml.contains(&format!("<infDPS Id=\"{id}\">")));
    let emitidas = c.sim.emitidas();
    assert_eq!(emitidas.len(), 1);
    assert_eq!(emitidas[0].chave, nfse.chave.to_string());
    assert_eq!(
        c.cliente.consultar(&nfse.chave).await.unwrap().xml,
        nfse.xml
    );
    // Every call came with the prestador's certificate in the handshake, over HTTP/1.1 paths
    // under /SefinNacional.
    let chamadas = c.sim.chamadas();
    assert!(
        chamadas.iter().all(|ch| ch.titular == Some(prestador())),
        "{chamadas:?}"
    );
    assert_eq!(chamadas[0].metodo, "POST");
    assert_eq!(chamadas[0].caminho, "/SefinNacional/nfse");
}

#[tokio::test]
async fn a_duplicate_dps_is_already_issued_with_the_existing_key() {
    let c = Cenario::novo();
    let Emissao::Emitida(primeira) = c.cliente.emitir(&c.assinada(7)).await.unwrap() else {
        panic!("não emitida");
    };
    match c.cliente.emitir(&c.assinada(7)).await.unwrap() {
        Emissao::JaEmitida { chave, mensagens } => {
            assert_eq!(chave, Some(primeira.chave));
            assert_eq!(mensagens[0].codigo, "E1268");
        }
        outra => panic!("{outra:?}"),
    }
    // Through the port, as the application holds it: the same DPS again is accepted with the
    // first key, nothing new issued.
    let porta: Arc<dyn EmissorNotas> = Arc::new(c.cliente.clone());
    let r = porta.enviar(&envio(c.assinada(7))).await.unwrap();
    assert_eq!(
        r,
        Resposta::Aceita {
            codigo: primeira.chave.to_string()
        }
    );
    assert_eq!(c.sim.emitidas().len(), 1);
}

#[tokio::test]
async fn a_reply_lost_after_issuing_is_settled_by_the_dps_id() {
    let c = Cenario::novo();
    let id: IdDps = dps(9).id();
    c.sim.injetar(FalhaNfse::PerderResposta);
    let e = c.cliente.emitir(&c.assinada(9)).await.unwrap_err();
    assert!(matches!(e, ErroNfse::Desconhecido(_)), "{e:?}");
    assert_eq!(c.sim.emitidas().len(), 1, "the service issued it");
    assert!(c.cliente.dps_existe(&id).await.unwrap());
    let achada = c.cliente.conciliar(&id).await.unwrap().unwrap();
    assert_eq!(achada.chave.to_string(), c.sim.emitidas()[0].chave);
    // Through the port, the settling happens inside the send: HEAD then GET /dps/{id}.
    c.sim.injetar(FalhaNfse::PerderResposta);
    let r = c.cliente.enviar(&envio(c.assinada(10))).await.unwrap();
    let emitidas = c.sim.emitidas();
    assert_eq!(emitidas.len(), 2);
    assert_eq!(
        r,
        Resposta::Aceita {
            codigo: emitidas[1].chave.clone()
        }
    );
    let caminhos: Vec<String> = c
        .sim
        .chamadas()
        .iter()
        .map(|ch| format!("{} {}", ch.metodo, ch.caminho))
        .collect();
    let id10 = dps(10).id();
    assert!(
        caminhos.contains(&format!("HEAD /SefinNacional/dps/{id10}")),
        "{caminhos:?}"
    );
    assert!(
        caminhos.contains(&format!("GET /SefinNacional/dps/{id10}")),
        "{caminhos:?}"
    );
}

#[tokio::test]
async fn unavailable_or_slow_is_an_unknown_outcome_and_a_missing_dps_stays_unknown() {
    let c = Cenario::com_prazo(Duration::from_millis(1500));
    c.sim.injetar(FalhaNfse::Indisponivel);
    let e = c.cliente.emitir(&c.assinada(11)).await.unwrap_err();
    assert!(
        matches!(&e, ErroNfse::Desconhecido(m) if m.contains("503")),
        "{e:?}"
    );
    assert!(c.sim.emitidas().is_empty());
    assert!(c.cliente.conciliar(&dps(11).id()).await.unwrap().is_none());
    // The port: 503 then HEAD 404: still unknown (a request in flight may yet issue it).
    c.sim.injetar(FalhaNfse::Indisponivel);
    let r = c.cliente.enviar(&envio(c.assinada(11))).await;
    assert!(matches!(r, Err(ErroEnvio::Desconhecido(_))), "{r:?}");
    // Slow: the client gives up, the service issued it.
    c.sim.injetar(FalhaNfse::Lenta(Duration::from_secs(3)));
    let e = c.cliente.emitir(&c.assinada(12)).await.unwrap_err();
    assert!(matches!(e, ErroNfse::Desconhecido(_)), "{e:?}");
    assert_eq!(c.sim.emitidas().len(), 1);
}

#[tokio::test]
async fn business_refusals_are_read_in_both_shapes_and_name_the_rule() {
    let c = Cenario::novo();
    // No XML declaration: refused (E1229) in the production shape, PascalCase `erros`.
    let sem_declaracao = c.assinada(20).replacen(DECLARACAO, "", 1);
    match c.cliente.emitir(&sem_declaracao).await.unwrap_err() {
        ErroNfse::Recusada {
            status, mensagens, ..
        } => {
            assert_eq!(status, 400);
            assert_eq!(mensagens[0].codigo, "E1229");
        }
        e => panic!("{e:?}"),
    }
    // An Id that does not match the DPS's fields, correctly signed: E0004 in the OpenAPI shape,
    // the computed Id in the complement.
    let d = dps(21);
    let certo = d.id().to_string();
    let errado = dps(22).id().to_string();
    let xml = d.para_xml().replace(&certo, &errado);
    let assinante = Assinante::do_certificado(&c.certificado).unwrap();
    let assinado = format!(
        "{DECLARACAO}{}",
        assinante.assinar(&xml, &Alvo::Id(errado.clone())).unwrap()
    );
    match c.cliente.emitir(&assinado).await.unwrap_err() {
        ErroNfse::Recusada {
            id_dps, mensagens, ..
        } => {
            assert_eq!(id_dps.as_deref(), Some(errado.as_str()));
            assert_eq!(mensagens[0].codigo, "E0004");
            assert!(
                mensagens[0]
                    .complemento
                    .as_deref()
                    .unwrap()
                    .contains(&certo)
            );
        }
        e => panic!("{e:?}"),
    }
    // Signed with another holder's certificate: E0714, and the port reports the refusal.
    let outro = c
        .sim
        .certificado_prestador(&guiche_domain::Documento::Cnpj(
            guiche_domain::Cnpj::parse("11444777000161").unwrap(),
        ))
        .unwrap();
    let xml = dps(23).para_xml();
    let assinado = format!(
        "{DECLARACAO}{}",
        Assinante::do_certificado(&outro)
            .unwrap()
            .assinar(&xml, &Alvo::Id(dps(23).id().to_string()))
            .unwrap()
    );
    let r = c.cliente.enviar(&envio(assinado)).await.unwrap();
    assert!(
        matches!(&r, Resposta::Recusada { mensagem } if mensagem.contains("E0714")),
        "{r:?}"
    );
    assert!(c.sim.emitidas().is_empty());
    // A GET refusal: one `erro` object.
    let chave = guiche_domain::nfse::ChaveAcesso::parse(
        "35503082211222333000181000000000000126111234567890",
    )
    .unwrap();
    let e = c.cliente.consultar(&chave).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "NFS-e Nacional: não encontrado: SIM404: NFS-e não encontrada."
    );
}

#[tokio::test]
async fn the_base_path_moved_endpoints_and_a_client_without_certificate() {
    let c = Cenario::novo();
    // Without /SefinNacional the real service answers an HTML 404: refused before sending.
    let e = ClienteNfse::new(ConfigNfse {
        url_sefin: c.sim.raiz(),
        url_parametros: c.sim.url_parametros(),
        certificado: c.certificado.clone(),
        ca_extra_pem: Some(c.sim.ca_pem()),
        timeout: Duration::from_secs(5),
    })
    .unwrap_err();
    assert!(e.to_string().contains("/SefinNacional"), "{e}");
    // The municipal parameters asked of SEFIN, where they used to be: 501 moved.
    let antigo = ClienteNfse::new(ConfigNfse {
        url_sefin: c.sim.url_sefin(),
        url_parametros: format!("{}/ParametrosMunicipais", c.sim.url_sefin()),
        certificado: c.certificado.clone(),
        ca_extra_pem: Some(c.sim.ca_pem()),
        timeout: Duration::from_secs(5),
    })
    .unwrap();
    let data = guiche_domain::Data::new(2026, 11, 1).unwrap();
    let e = antigo
        .aliquotas(dps(1).municipio_emissor(), "010101", data)
        .await
        .unwrap_err();
    assert!(matches!(e, ErroNfse::Movido { .. }), "{e:?}");
    // No client certificate: the handshake fails, nothing reaches the service.
    let ca = c.sim.ca_pem();
    let http = guiche_http::construir(&ConfigHttp {
        ca_extra_pem: Some(ca.as_bytes()),
        ..ConfigHttp::new(Duration::from_secs(5))
    })
    .unwrap();
    let antes = c.sim.chamadas().len();
    assert!(
        http.get(format!("{}/nfse/x", c.sim.url_sefin()))
            .send()
            .await
            .is_err()
    );
    assert_eq!(c.sim.chamadas().len(), antes);
}

#[tokio::test]
async fn the_port_settles_by_the_dps_id_without_sending() {
    use guiche_ports::emissor::ConsultaEmissao;
    let c = Cenario::novo();
    let assinada = c.assinada(40);
    assert_eq!(c.cliente.emitido(&assinada).await.unwrap(), None);
    let porta: Arc<dyn EmissorNotas> = Arc::new(c.cliente.clone());
    let Resposta::Aceita { codigo } = porta.enviar(&envio(assinada.clone())).await.unwrap() else {
        panic!("não emitida");
    };
    assert_eq!(c.cliente.emitido(&assinada).await.unwrap(), Some(codigo));
    // Asked twice, sent once: HEAD and GET only.
    assert_eq!(c.sim.emitidas().len(), 1);
    let posts = c
        .sim
        .chamadas()
        .iter()
        .filter(|x| x.metodo == "POST")
        .count();
    assert_eq!(posts, 1);
    assert!(matches!(
        c.cliente.emitido("<DPS/>").await,
        Err(ErroEnvio::Desconhecido(_))
    ));
}
