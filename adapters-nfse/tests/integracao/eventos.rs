//! Cancellation (event 101101): signed with the PRE Id, registered once, a repeat deduplicated,
//! the old layout and a wrong Id refused by the simulator's rules; the manifestações by the
//! actor of their role, none after a cancellation; the substitution left to the system.

use crate::{Cenario, cliente, prestador};
use guiche_certificados::nfse::{DECLARACAO, assinar_pedido_evento};
use guiche_certificados::pki_teste::xmlsec1_verificar;
use guiche_certificados::xmldsig::{Alvo, Assinante};
use guiche_domain::Data;
use guiche_domain::documento::Documento;
use guiche_domain::nfse::evento::{
    Evento, MotivoCancelamento, MotivoRejeicao, MotivoSubstituicao, Papel, PedidoEvento,
};
use guiche_domain::nfse::{Ambiente, ChaveAcesso, DataHora};
use guiche_nfse::{Emissao, ErroNfse};
use std::time::{Duration, SystemTime};

async fn emitida(c: &Cenario, numero: u64) -> ChaveAcesso {
    match c.cliente.emitir(&c.assinada(numero)).await.unwrap() {
        Emissao::Emitida(n) => n.chave,
        outra => panic!("{outra:?}"),
    }
}

/// The domain's request (the one cancellation builder), signed by `guiche-certificados`.
fn cancelamento(chave: ChaveAcesso) -> PedidoEvento {
    PedidoEvento::cancelamento(
        Ambiente::Homologacao,
        "guiche-0.1.0",
        DataHora::nova(Data::new(2026, 11, 26).unwrap(), 10, 0, 0, -3).unwrap(),
        prestador(),
        chave,
        MotivoCancelamento::ServicoNaoPrestado,
        "Serviço não foi prestado ao tomador",
    )
    .unwrap()
}

#[tokio::test]
async fn a_cancellation_is_registered_once_and_a_repeat_is_deduplicated() {
    let c = Cenario::novo();
    let chave = emitida(&c, 30).await;
    let pedido =
        assinar_pedido_evento(&c.certificado, &cancelamento(chave), SystemTime::now()).unwrap();
    // Not cancelled yet: SEFIN has no cancellation event for it.
    assert_eq!(c.cliente.cancelamento(&chave).await.unwrap(), None);
    let evento = c
        .cliente
        .registrar_evento(&chave, &pedido)
        .await
        .unwrap()
        .unwrap();
    assert!(evento.contains("<infEvento Id=\"EVT"), "{evento}");
    // Read back by `GET /nfse/{chave}/eventos/101101/1`, with when SEFIN registered it.
    let lido = c.cliente.cancelamento(&chave).await.unwrap().unwrap();
    assert_eq!((lido.tipo.as_str(), &lido.xml), ("101101", &evento));
    let quando = lido.data_hora.unwrap();
    assert!(
        evento.contains(&format!("<dhProc>{quando}</dhProc>")),
        "{quando}"
    );
    assert!(c.sim.chamadas().iter().any(|ch| ch.metodo == "GET"
        && ch.caminho == format!("/SefinNacional/nfse/{chave}/eventos/101101/1")));
    // A malformed type is refused before anything is asked.
    assert!(matches!(
        c.cliente.evento(&chave, "1011", 1).await,
        Err(ErroNfse::Documento(_))
    ));
    // Another sequence of it is no event.
    assert_eq!(c.cliente.evento(&chave, "101101", 2).await.unwrap(), None);
    assert!(evento.contains(&format!("<infPedReg Id=\"PRE{chave}101101\">")));
    let registrado = c.sim.emitidas()[0].cancelamento.clone().unwrap();
    assert_eq!(registrado, evento);
    // The same request again (after an unknown outcome): already registered, not an error.
    assert_eq!(
        c.cliente.registrar_evento(&chave, &pedido).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn the_old_layout_and_a_wrong_pre_id_are_refused() {
    let c = Cenario::novo();
    let chave = emitida(&c, 31).await;
    let pedido = cancelamento(chave);
    let assinante = Assinante::do_certificado(&c.certificado).unwrap();
    // nPedRegEvento, removed on 27/12/2025.
    let antigo = pedido
        .para_xml()
        .replace("<chNFSe>", "<nPedRegEvento>1</nPedRegEvento><chNFSe>");
    let assinado = format!(
        "{DECLARACAO}{}",
        assinante.assinar(&antigo, &Alvo::Id(pedido.id())).unwrap()
    );
    match c
        .cliente
        .registrar_evento(&chave, &assinado)
        .await
        .unwrap_err()
    {
        ErroNfse::Recusada { mensagens, .. } => {
            assert_eq!(mensagens[0].codigo, "E1235");
            assert!(
                mensagens[0]
                    .complemento
                    .as_deref()
                    .unwrap()
                    .contains("nPedRegEvento")
            );
        }
        e => panic!("{e:?}"),
    }
    // An Id with another event type than the one sent.
    let errado = pedido.id().replace("101101", "101103");
    let xml = pedido.para_xml().replace(&pedido.id(), &errado);
    let assinado = format!(
        "{DECLARACAO}{}",
        assinante.assinar(&xml, &Alvo::Id(errado)).unwrap()
    );
    match c
        .cliente
        .registrar_evento(&chave, &assinado)
        .await
        .unwrap_err()
    {
        ErroNfse::Recusada { mensagens, .. } => assert_eq!(mensagens[0].codigo, "E1827"),
        e => panic!("{e:?}"),
    }
    assert!(c.sim.emitidas()[0].cancelamento.is_none());
}

#[tokio::test]
async fn the_signed_cancellation_verifies_in_xmlsec1() {
    let c = Cenario::novo();
    let chave = emitida(&c, 32).await;
    let pedido =
        assinar_pedido_evento(&c.certificado, &cancelamento(chave), SystemTime::now()).unwrap();
    let pasta = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("nfse-cancelamento");
    let ns = format!("{}:infPedReg", guiche_domain::nfse::NAMESPACE);
    let r = xmlsec1_verificar(&pedido, &c.sim.ca_pem(), &pasta, Some(("Id", &ns))).unwrap();
    if let Some((ok, saida)) = r.saida() {
        assert!(ok, "{saida}");
    }
    // Tampered after signing: xmlsec1 refuses it too.
    let adulterado = pedido.replace("<cMotivo>2</cMotivo>", "<cMotivo>9</cMotivo>");
    let r = xmlsec1_verificar(&adulterado, &c.sim.ca_pem(), &pasta, Some(("Id", &ns))).unwrap();
    if let Some((ok, saida)) = r.saida() {
        assert!(!ok, "{saida}");
    }
}

/// An event `evento` about `chave` by `autor`.
fn pedido(chave: ChaveAcesso, autor: Documento, evento: Evento) -> PedidoEvento {
    PedidoEvento::novo(
        Ambiente::Homologacao,
        "guiche-0.1.0",
        DataHora::nova(Data::new(2026, 11, 26).unwrap(), 11, 0, 0, -3).unwrap(),
        autor,
        chave,
        evento,
    )
    .unwrap()
}

#[tokio::test]
async fn the_tomador_confirms_or_rejects_with_its_own_certificate_and_nobody_after_a_cancellation()
{
    let c = Cenario::novo();
    let chave = emitida(&c, 33).await;
    let tomador = Documento::parse("52998224725").unwrap();
    let cert_tomador = c.sim.certificado_prestador(&tomador).unwrap();
    let cliente_tomador = cliente(
        &c.sim,
        &cert_tomador,
        c.sim.url_sefin(),
        Duration::from_secs(20),
    );
    let rejeicao = Evento::Rejeicao {
        papel: Papel::Tomador,
        motivo: MotivoRejeicao::de_codigo("3").unwrap(),
        justificativa: Some("O serviço não foi prestado no período".into()),
    };
    // The prestador cannot sign the tomador's rejection (its author must be the tomador).
    let pelo_prestador = assinar_pedido_evento(
        &c.certificado,
        &pedido(chave, prestador(), rejeicao.clone()),
        SystemTime::now(),
    )
    .unwrap();
    match c
        .cliente
        .registrar_evento(&chave, &pelo_prestador)
        .await
        .unwrap_err()
    {
        ErroNfse::Recusada { mensagens, .. } => {
            assert_eq!(mensagens[0].codigo, "E0812");
            // The role as the manual writes it, not the Rust variant's name.
            assert_eq!(
                mensagens[0].complemento.as_deref(),
                Some("o autor deve ser o tomador da NFS-e"),
                "{mensagens:?}"
            );
        }
        e => panic!("{e:?}"),
    }
    // An intermediário's confirmation on an NFS-e that has none.
    let do_intermediario = assinar_pedido_evento(
        &c.certificado,
        &pedido(
            chave,
            prestador(),
            Evento::Confirmacao(Papel::Intermediario),
        ),
        SystemTime::now(),
    )
    .unwrap();
    match c
        .cliente
        .registrar_evento(&chave, &do_intermediario)
        .await
        .unwrap_err()
    {
        ErroNfse::Recusada { mensagens, .. } => {
            assert_eq!(mensagens[0].codigo, "E0812");
            assert_eq!(
                mensagens[0].complemento.as_deref(),
                Some("a NFS-e não tem intermediário"),
                "{mensagens:?}"
            );
        }
        e => panic!("{e:?}"),
    }
    // The tomador's own: registered once, a repeat deduplicated.
    let assinado = assinar_pedido_evento(
        &cert_tomador,
        &pedido(chave, tomador, rejeicao),
        SystemTime::now(),
    )
    .unwrap();
    let evento = cliente_tomador
        .registrar_evento(&chave, &assinado)
        .await
        .unwrap()
        .unwrap();
    assert!(evento.contains(&format!("<infPedReg Id=\"PRE{chave}203206\">")));
    assert!(evento.contains("<CPFAutor>52998224725</CPFAutor>"));
    assert_eq!(
        cliente_tomador
            .registrar_evento(&chave, &assinado)
            .await
            .unwrap(),
        None
    );
    let registrados = &c.sim.emitidas()[0].eventos;
    assert_eq!(registrados.len(), 1);
    assert_eq!(registrados[0].0, "203206");
    // The prestador's confirmation is its own group.
    let confirmacao = assinar_pedido_evento(
        &c.certificado,
        &pedido(chave, prestador(), Evento::Confirmacao(Papel::Prestador)),
        SystemTime::now(),
    )
    .unwrap();
    assert!(
        c.cliente
            .registrar_evento(&chave, &confirmacao)
            .await
            .unwrap()
            .is_some()
    );
    // After the cancellation the NFS-e is terminal.
    let cancelar =
        assinar_pedido_evento(&c.certificado, &cancelamento(chave), SystemTime::now()).unwrap();
    assert!(
        c.cliente
            .registrar_evento(&chave, &cancelar)
            .await
            .unwrap()
            .is_some()
    );
    let confirmacao = assinar_pedido_evento(
        &cert_tomador,
        &pedido(chave, tomador, Evento::Confirmacao(Papel::Tomador)),
        SystemTime::now(),
    )
    .unwrap();
    match cliente_tomador
        .registrar_evento(&chave, &confirmacao)
        .await
        .unwrap_err()
    {
        ErroNfse::Recusada { mensagens, .. } => assert_eq!(mensagens[0].codigo, "SIM409"),
        e => panic!("{e:?}"),
    }
    assert_eq!(c.sim.emitidas()[0].eventos.len(), 2);
}

#[tokio::test]
async fn a_substitution_is_the_systems_and_is_refused() {
    let c = Cenario::novo();
    let chave = emitida(&c, 34).await;
    let substituta = emitida(&c, 35).await;
    let assinado = assinar_pedido_evento(
        &c.certificado,
        &pedido(
            chave,
            prestador(),
            Evento::Substituicao {
                motivo: MotivoSubstituicao::de_codigo("99").unwrap(),
                justificativa: None,
                substituta,
            },
        ),
        SystemTime::now(),
    )
    .unwrap();
    match c
        .cliente
        .registrar_evento(&chave, &assinado)
        .await
        .unwrap_err()
    {
        ErroNfse::Recusada { mensagens, .. } => assert_eq!(mensagens[0].codigo, "SIM422"),
        e => panic!("{e:?}"),
    }
}
