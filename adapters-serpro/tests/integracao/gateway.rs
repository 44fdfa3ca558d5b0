//! Integra Contador calls against the simulator, over mTLS: the documented answers, billing
//! with a ceiling, retries only where safe, re-authentication on an expired token.

#![cfg(feature = "simulator")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use guiche_domain::serpro::{Pedido, TipoServico};
use guiche_domain::{Competencia, Data, Documento};
use guiche_ports::bilhetagem::{
    Bilhete, ChamadaRegistrada, Consumo, ErroBilhetagem, Janela, MedidorBilhetagem,
};
use guiche_serpro::simulador::{ConfigSimulador, FalhaGateway, SimuladorIntegra};
use guiche_serpro::{Chamada, ClienteIntegra, ErroIntegra, Politica};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::comum;

use comum::{CONTRATANTE, pedido};
const CLIENTE: &str = "11444777000161";

/// An in-memory meter: a fake of the port, for this caller's test.
#[derive(Default)]
struct Medidor(
    Mutex<HashMap<(String, String), u64>>,
    Mutex<Vec<ChamadaRegistrada>>,
);

impl MedidorBilhetagem for Medidor {
    fn reservar(&self, b: Bilhete<'_>) -> Result<u64, ErroBilhetagem> {
        let mut m = self.0.lock().unwrap();
        let total: u64 = m
            .iter()
            .filter(|((c, _), _)| c == b.contratante)
            .map(|(_, n)| n)
            .sum();
        if b.teto.is_some_and(|t| total >= t) {
            return Err(ErroBilhetagem::TetoAtingido {
                contratante: b.contratante.into(),
                janela: b.janela,
                teto: b.teto.unwrap(),
            });
        }
        *m.entry((b.contratante.into(), b.servico.into()))
            .or_default() += 1;
        Ok(total + 1)
    }
    fn devolver(&self, b: Bilhete<'_>) -> Result<(), ErroBilhetagem> {
        let mut m = self.0.lock().unwrap();
        if let Some(n) = m.get_mut(&(b.contratante.into(), b.servico.into())) {
            *n = n.saturating_sub(1);
        }
        Ok(())
    }
    fn consumo(&self, _: Option<&str>, _: Option<Janela>) -> Result<Vec<Consumo>, ErroBilhetagem> {
        Ok(Vec::new())
    }
    fn registrar_chamada(&self, c: &ChamadaRegistrada) -> Result<(), ErroBilhetagem> {
        self.1.lock().unwrap().push(c.clone());
        Ok(())
    }
    fn chamadas(
        &self,
        _: Option<&str>,
        _: Option<Janela>,
    ) -> Result<Vec<ChamadaRegistrada>, ErroBilhetagem> {
        Ok(self.1.lock().unwrap().clone())
    }
}

impl Medidor {
    fn total(&self) -> u64 {
        self.0.lock().unwrap().values().sum()
    }
}

fn montar(politica: Politica) -> (SimuladorIntegra, ClienteIntegra) {
    let sim = SimuladorIntegra::iniciar(ConfigSimulador::default()).unwrap();
    let cliente = comum::cliente_do_contratante(&sim).com_politica(politica);
    (sim, cliente)
}

fn hoje() -> Data {
    Data::new(2026, 11, 22).unwrap()
}

fn chamada<'a>(tipo: TipoServico, p: &'a Pedido) -> Chamada<'a> {
    Chamada {
        etiqueta: None,
        tipo,
        pedido: p,
        token_procurador: None,
        hoje: hoje(),
    }
}

fn rapido(medidor: Option<Arc<Medidor>>, teto: Option<u64>) -> Politica {
    Politica {
        tentativas: 3,
        espera_inicial: Duration::from_millis(5),
        medidor: medidor.map(|m| m as Arc<dyn MedidorBilhetagem>),
        teto_mensal: teto,
    }
}

#[tokio::test]
async fn a_billed_call_is_counted_with_or_without_data() {
    let medidor = Arc::new(Medidor::default());
    let (sim, c) = montar(rapido(Some(medidor.clone()), None));
    let p = pedido(
        CONTRATANTE,
        CONTRATANTE,
        "PGDASD",
        "GERARDAS12",
        r#"{"periodoApuracao":"201801"}"#,
    );
    let r = c.chamar(chamada(TipoServico::Emitir, &p)).await.unwrap();
    assert!(r.bilhetado);
    let das = r.resposta.unwrap().dados_json().unwrap();
    let numero = SimuladorIntegra::numero_das(
        &Documento::parse(CONTRATANTE).unwrap(),
        guiche_domain::Competencia::new(2018, 1).unwrap(),
    );
    assert_eq!(
        das[0]["detalhamento"][0]["numeroDocumento"],
        numero.as_digitos()
    );
    assert!(numero.dv_confere(), "{numero}");
    let p = pedido(
        CONTRATANTE,
        CONTRATANTE,
        "DTE",
        "CONSULTASITUACAODTE111",
        "",
    );
    let r = c.chamar(chamada(TipoServico::Consultar, &p)).await.unwrap();
    assert!(
        r.bilhetado,
        "Consultar respondido 200 sem dados também é bilhetado (só 204, 304, 400, 401, 404, 429, 500 e 503 não são)"
    );
    assert_eq!(
        (medidor.total(), sim.bilhetadas()),
        (2, 2),
        "o medidor concorda com o SERPRO"
    );
    // Each call tagged with the contribuinte and the service, for SERPRO's consumption report.
    assert_eq!(
        sim.etiquetas(),
        [
            Some(format!("{CONTRATANTE}-GERARDAS12")),
            // 14 + 1 + 21 characters, cut at the 32 SERPRO allows.
            Some(format!("{CONTRATANTE}-CONSULTASITUACAOD")),
        ]
    );
    // And each kept in the ledger's record with the same tag, its status and billing.
    let registro: Vec<(String, String, Option<u16>, bool)> = medidor
        .1
        .lock()
        .unwrap()
        .iter()
        .map(|c| (c.servico.clone(), c.etiqueta.clone(), c.status, c.bilhetada))
        .collect();
    assert_eq!(
        registro,
        [
            (
                "PGDASD/GERARDAS12".to_owned(),
                format!("{CONTRATANTE}-GERARDAS12"),
                Some(200),
                true
            ),
            (
                "DTE/CONSULTASITUACAODTE111".to_owned(),
                format!("{CONTRATANTE}-CONSULTASITUACAOD"),
                Some(200),
                true
            ),
        ]
    );
}

#[tokio::test]
async fn the_ceiling_refuses_before_calling() {
    let medidor = Arc::new(Medidor::default());
    let (sim, c) = montar(rapido(Some(medidor.clone()), Some(1)));
    let p = pedido(CONTRATANTE, CONTRATANTE, "PGDASD", "GERARDAS12", "{}");
    c.chamar(chamada(TipoServico::Emitir, &p)).await.unwrap();
    let e = c
        .chamar(chamada(TipoServico::Emitir, &p))
        .await
        .unwrap_err();
    assert!(matches!(e, ErroIntegra::Teto(_)), "{e:?}");
    assert_eq!(sim.bilhetadas(), 1, "a segunda chamada não saiu");
    let apoiar = pedido(
        CONTRATANTE,
        CONTRATANTE,
        "SICALC",
        "CONSULTAAPOIORECEITAS52",
        r#"{"codigoReceita":"0190"}"#,
    );
    c.chamar(chamada(TipoServico::Apoiar, &apoiar))
        .await
        .unwrap();
    let registro = medidor.1.lock().unwrap().clone();
    assert_eq!(
        registro.iter().map(|c| c.bilhetada).collect::<Vec<_>>(),
        [true, false],
        "a chamada recusada pelo teto não saiu nem ficou registrada; Apoiar sai e não é bilhetada"
    );
}

#[tokio::test]
async fn without_power_of_attorney_the_procuracao_is_named() {
    let (sim, c) = montar(rapido(None, None));
    let p = pedido(CONTRATANTE, CLIENTE, "PAGTOWEB", "PAGAMENTOS71", "{}");
    let e = c
        .chamar(chamada(TipoServico::Consultar, &p))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            ErroIntegra::SemProcuracao {
                procuracao: Some("00004"),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("00004"), "{e}");
    sim.conceder_procuracao(
        Documento::parse(CONTRATANTE).unwrap(),
        Documento::parse(CLIENTE).unwrap(),
    );
    sim.definir_pagamentos(
        Documento::parse(CLIENTE).unwrap(),
        serde_json::json!([{ "numeroDocumento": "07202614593079936", "valorTotal": 55.90 }]),
    );
    let r = c.chamar(chamada(TipoServico::Consultar, &p)).await.unwrap();
    assert_eq!(
        r.resposta.unwrap().dados_json().unwrap()[0]["valorTotal"],
        serde_json::json!(55.90)
    );
}

#[tokio::test]
async fn a_procurador_needs_the_authorization_token() {
    let (sim, c) = montar(rapido(None, None));
    let p = pedido(
        CLIENTE,
        CLIENTE,
        "PGDASD",
        "CONSDECLARACAO13",
        r#"{"anoCalendario":"2025"}"#,
    );
    let e = c
        .chamar(chamada(TipoServico::Consultar, &p))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("ICGERENCIADOR-019"), "{e}");
    sim.registrar_token_procurador(
        "tok-123",
        Documento::parse(CLIENTE).unwrap(),
        Documento::parse(CONTRATANTE).unwrap(),
    );
    let com_token = Chamada {
        etiqueta: None,
        token_procurador: Some("tok-123"),
        ..chamada(TipoServico::Consultar, &p)
    };
    assert_eq!(c.chamar(com_token).await.unwrap().status, 200);
}

#[tokio::test]
async fn wrong_path_and_unknown_service_are_refused() {
    let (_sim, c) = montar(rapido(None, None));
    let p = pedido(CONTRATANTE, CONTRATANTE, "PGDASD", "GERARDAS12", "{}");
    let e = c
        .chamar(chamada(TipoServico::Consultar, &p))
        .await
        .unwrap_err();
    assert!(
        matches!(e, ErroIntegra::AcessoNegado(ref m) if m.contains("ICGERENCIADOR-017")),
        "{e:?}"
    );
    let p = pedido(CONTRATANTE, CONTRATANTE, "NAOEXISTE", "NADA1", "{}");
    let e = c
        .chamar(chamada(TipoServico::Consultar, &p))
        .await
        .unwrap_err();
    assert!(
        matches!(e, ErroIntegra::Recusado { status: 400, .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn retries_only_where_safe() {
    let (sim, c) = montar(rapido(None, None));
    let consultar = pedido(
        CONTRATANTE,
        CONTRATANTE,
        "PGDASD",
        "CONSDECLARACAO13",
        r#"{"anoCalendario":"2025"}"#,
    );
    sim.injetar(FalhaGateway::Status(503));
    sim.injetar(FalhaGateway::Status(500));
    assert_eq!(
        c.chamar(chamada(TipoServico::Consultar, &consultar))
            .await
            .unwrap()
            .status,
        200,
        "Consultar repete 5xx"
    );
    let emitir = pedido(CONTRATANTE, CONTRATANTE, "PGDASD", "GERARDAS12", "{}");
    sim.injetar(FalhaGateway::Status(500));
    let e = c
        .chamar(chamada(TipoServico::Emitir, &emitir))
        .await
        .unwrap_err();
    assert!(
        matches!(e, ErroIntegra::ErroServidor { status: 500, .. }),
        "Emitir nunca repete às cegas: {e:?}"
    );
    sim.injetar(FalhaGateway::Status(429));
    assert!(
        c.chamar(chamada(TipoServico::Emitir, &emitir))
            .await
            .unwrap()
            .bilhetado,
        "429 não foi processado: repete"
    );
    for _ in 0..3 {
        sim.injetar(FalhaGateway::Status(429));
    }
    assert!(matches!(
        c.chamar(chamada(TipoServico::Consultar, &consultar))
            .await
            .unwrap_err(),
        ErroIntegra::LimiteRequisicoes(_)
    ));
}

#[tokio::test]
async fn an_expired_token_is_renewed_and_the_call_made_once_more() {
    let (sim, c) = montar(rapido(None, None));
    let p = pedido(
        CONTRATANTE,
        CONTRATANTE,
        "PGDASD",
        "CONSDECLARACAO13",
        r#"{"anoCalendario":"2025"}"#,
    );
    c.chamar(chamada(TipoServico::Consultar, &p)).await.unwrap();
    sim.expirar_tokens();
    c.chamar(chamada(TipoServico::Consultar, &p)).await.unwrap();
    assert_eq!(sim.tokens_emitidos(), 2);
}

#[tokio::test]
async fn an_invalid_envelope_is_refused_offline() {
    let (sim, c) = montar(rapido(None, None));
    let mut p = pedido(CONTRATANTE, CONTRATANTE, "PGDASD", "CONSDECLARACAO13", "{}");
    p.pedido_dados.id_servico = "gerar das".into();
    let e = c
        .chamar(chamada(TipoServico::Consultar, &p))
        .await
        .unwrap_err();
    assert!(matches!(e, ErroIntegra::Invalido(_)), "{e:?}");
    assert_eq!(sim.tokens_emitidos(), 0, "nada saiu");
    let _ = Competencia::de(hoje());
}
