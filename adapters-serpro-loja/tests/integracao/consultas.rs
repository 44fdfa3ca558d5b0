//! The client against the simulator over real sockets: the trial's documented numbers as
//! recorded, every documented status, the token shared by concurrent callers and renewed after
//! expiry, and the request tag on every call.

use crate::comum::{cliente, config, contrato, etiqueta, simulador, trial};
use guiche_domain::{Cnpj, Cpf, Documento};
use guiche_loja::simulador::{
    CNDS_TRIAL, CNPJS_TRIAL, CPFS_SEM_RESPOSTA, CPFS_TRIAL, CpfSimulado, FalhaLoja, nome_trial,
};
use guiche_loja::wire::{CodigoDto, CpfDto, caminhos};
use guiche_loja::{ClienteLoja, ErroLoja, erro_consulta};
use guiche_ports::consulta::{
    ConsultaCadastral, DataInformada, Etiqueta, NivelCnpj, SituacaoCnd, TipoErroConsulta,
};
use std::sync::Arc;

fn cpf(t: &str) -> Cpf {
    Cpf::parse(t).unwrap()
}

fn cnpj(t: &str) -> Cnpj {
    Cnpj::parse(t).unwrap()
}

#[tokio::test]
async fn every_documented_trial_cpf_answers_as_recorded_without_a_token_call() {
    let sim = simulador();
    let c = trial(&sim);
    for (ni, codigo, descricao, nascimento, obito) in CPFS_TRIAL {
        let d = c
            .consultar_cpf(&cpf(ni), &etiqueta("trial-cpf"))
            .await
            .unwrap();
        assert_eq!(d.nome, nome_trial(ni));
        assert_eq!(d.situacao.codigo, codigo, "{ni}");
        assert_eq!(d.situacao.descricao.as_deref(), Some(descricao), "{ni}");
        assert_eq!(d.ano_obito, obito.map(|a| a.parse().unwrap()), "{ni}");
        match d.nascimento {
            Some(DataInformada::Data(data)) => {
                assert_eq!(data.to_string().replace('/', ""), nascimento)
            }
            Some(DataInformada::Texto(t)) => {
                assert_eq!((ni, t.as_str()), ("18025346790", "140712001"))
            }
            None => panic!("{ni}: sem nascimento"),
        }
    }
    // The casing quirk is kept as sent, not normalised away.
    let regular = c
        .consultar_cpf(&cpf("58136053391"), &etiqueta("t"))
        .await
        .unwrap();
    assert_eq!(regular.situacao.descricao.as_deref(), Some("REGULAR"));
    for ni in CPFS_SEM_RESPOSTA {
        let e = c.consultar_cpf(&cpf(ni), &etiqueta("t")).await.unwrap_err();
        assert!(matches!(e, ErroLoja::NaoEncontrado { .. }), "{ni}: {e}");
    }
    assert_eq!(sim.tokens_emitidos(), 0);
    assert!(
        sim.chamadas()
            .iter()
            .all(|c| c.caminho.starts_with("/consulta-cpf-df-trial/v2/cpf/"))
    );
}

#[tokio::test]
async fn trial_cnpjs_answer_their_situations_and_partners_by_level() {
    let sim = simulador();
    let c = trial(&sim);
    let ni = cnpj("34238864000168");
    let basica = c
        .consultar_cnpj(&ni, NivelCnpj::Basica, &etiqueta("t"))
        .await
        .unwrap();
    assert!(basica.socios.is_empty());
    let qsa = c
        .consultar_cnpj(&ni, NivelCnpj::Qsa, &etiqueta("t"))
        .await
        .unwrap();
    assert_eq!(qsa.socios.len(), 1);
    assert_eq!(qsa.socios[0].documento, None, "/qsa has no partner CPF");
    let empresa = c
        .consultar_cnpj(&ni, NivelCnpj::Empresa, &etiqueta("t"))
        .await
        .unwrap();
    assert_eq!(empresa.socios[0].documento.as_deref(), Some("07119488449"));
    for (n, codigo) in CNPJS_TRIAL {
        let d = c
            .consultar_cnpj(&cnpj(n), NivelCnpj::Basica, &etiqueta("t"))
            .await
            .unwrap();
        assert_eq!((d.cnpj.as_str(), d.situacao.codigo.as_str()), (n, codigo));
        assert!(d.situacao.descricao.is_some());
    }
}

#[tokio::test]
async fn cnd_situations_are_read_and_an_unknown_number_is_not_found() {
    let sim = simulador();
    let c = trial(&sim);
    let esperado = [
        SituacaoCnd::Negativa,
        SituacaoCnd::PositivaComEfeitosDeNegativa,
        SituacaoCnd::Positiva,
        SituacaoCnd::Negativa,
    ];
    for ((ni, _), situacao) in CNDS_TRIAL.iter().zip(esperado) {
        let doc = Documento::parse(ni).unwrap();
        let cert = c.consultar_cnd(&doc, &etiqueta("cnd")).await.unwrap();
        assert_eq!((cert.documento, cert.situacao), (doc, situacao));
        assert_eq!(cert.validade.is_some(), situacao != SituacaoCnd::Positiva);
    }
    let e = c
        .consultar_cnd(
            &Documento::parse("31151791000184").unwrap(),
            &etiqueta("cnd"),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ErroLoja::NaoEncontrado { .. }), "{e}");
}

#[tokio::test]
async fn every_documented_status_becomes_its_error_kind() {
    let sim = simulador();
    let c = cliente(&sim, None);
    let menor = cpf("52998224725");
    sim.definir_cpf(
        &menor,
        CpfSimulado {
            status: 422,
            dados: CpfDto::default(),
        },
    );
    let parcial = cpf("11144477735");
    sim.definir_cpf(
        &parcial,
        CpfSimulado {
            status: 206,
            dados: CpfDto {
                ni: Some(parcial.as_str().into()),
                nome: Some("PARCIAL".into()),
                situacao: Some(CodigoDto {
                    codigo: Some("0".into()),
                    descricao: None,
                }),
                ..CpfDto::default()
            },
        },
    );
    let p = c.consultar_cpf(&parcial, &etiqueta("t")).await.unwrap();
    assert!(p.parcial);
    assert_eq!(
        p.situacao.descricao.as_deref(),
        Some("Regular"),
        "from the code table"
    );
    let e = c.consultar_cpf(&menor, &etiqueta("t")).await.unwrap_err();
    assert_eq!(
        erro_consulta(&e).tipo,
        TipoErroConsulta::DadosDeMenor,
        "{e}"
    );
    let casos = [
        (400, TipoErroConsulta::Recusado),
        (403, TipoErroConsulta::Configuracao),
        (429, TipoErroConsulta::Recusado),
        (500, TipoErroConsulta::Transporte),
        (502, TipoErroConsulta::Transporte),
        (504, TipoErroConsulta::Transporte),
    ];
    for (status, tipo) in casos {
        sim.injetar(FalhaLoja::Status(status));
        let e = ConsultaCadastral::cpf(&c, &cpf("40442820135"), &etiqueta("t"))
            .await
            .unwrap_err();
        assert_eq!(e.tipo, tipo, "{status}: {e}");
        assert!(e.mensagem.contains(&status.to_string()), "{status}: {e}");
    }
    // A path the credentials may not call: 403 from the gateway itself.
    let r = reqwest::Client::new()
        .get(format!(
            "{}/consulta-datavalid/v4/pf-basica",
            sim.url_base()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
}

#[tokio::test]
async fn concurrent_callers_share_one_token_and_an_expired_one_is_renewed_once() {
    let sim = simulador();
    let c = Arc::new(cliente(&sim, None));
    let mut tarefas = Vec::new();
    for _ in 0..8 {
        let c = c.clone();
        tarefas.push(tokio::spawn(async move {
            c.consultar_cpf(&cpf("40442820135"), &etiqueta("t")).await
        }));
    }
    for t in tarefas {
        t.await.unwrap().unwrap();
    }
    assert_eq!(sim.tokens_emitidos(), 1);
    sim.expirar_tokens();
    let d = c
        .consultar_cnpj(&cnpj("54447820000155"), NivelCnpj::Basica, &etiqueta("t"))
        .await;
    assert_eq!(d.unwrap().situacao.codigo, "3");
    assert_eq!(sim.tokens_emitidos(), 2);
    let statuses: Vec<u16> = sim
        .chamadas()
        .iter()
        .filter(|c| c.caminho.starts_with("/consulta-cnpj-df/"))
        .map(|c| c.status)
        .collect();
    assert_eq!(statuses, [401, 200]);
}

#[tokio::test]
async fn refused_credentials_and_the_trial_bearer_on_production_paths_are_configuration() {
    let sim = simulador();
    let c = ClienteLoja::new(config(&sim, contrato("errado")), None).unwrap();
    let e = ConsultaCadastral::cpf(&c, &cpf("40442820135"), &etiqueta("t"))
        .await
        .unwrap_err();
    assert_eq!(e.tipo, TipoErroConsulta::Configuracao, "{e}");
    assert!(
        e.mensagem.contains("GUICHE_SERPRO_LOJA_CONSUMER_SECRET"),
        "{e}"
    );
    assert!(
        !e.mensagem.contains("errado"),
        "the secret never in a message: {e}"
    );
    // The public bearer opens only the -trial paths.
    let r = reqwest::Client::new()
        .get(format!(
            "{}{}",
            sim.url_base(),
            caminhos::cpf("40442820135", false)
        ))
        .bearer_auth(guiche_loja::wire::BEARER_TRIAL)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let sem_chave = ClienteLoja::new(config(&sim, contrato(" ")), None).unwrap_err();
    assert!(matches!(sem_chave, ErroLoja::Configuracao(_)));
}

#[tokio::test]
async fn every_call_carries_its_tag_and_a_long_tag_never_becomes_a_call() {
    let sim = simulador();
    let c = cliente(&sim, None);
    let tag = "34238864000168-cadastro-nov2026";
    c.consultar_cpf(&cpf("40442820135"), &etiqueta(tag))
        .await
        .unwrap();
    c.consultar_cnpj(&cnpj("34238864000168"), NivelCnpj::Qsa, &etiqueta("qsa-1"))
        .await
        .unwrap();
    c.consultar_cnd(
        &Documento::parse("34238864000168").unwrap(),
        &etiqueta("cnd-1"),
    )
    .await
    .unwrap();
    let consultas: Vec<_> = sim
        .chamadas()
        .into_iter()
        .filter(|c| c.caminho != caminhos::TOKEN)
        .map(|c| (c.etiqueta, c.status))
        .collect();
    assert_eq!(
        consultas,
        [
            (Some(tag.to_owned()), 200),
            (Some("qsa-1".to_owned()), 200),
            (Some("cnd-1".to_owned()), 200)
        ]
    );
    let antes = sim.chamadas().len();
    let longa = Etiqueta::nova(&"x".repeat(33)).unwrap_err();
    assert!(longa.to_string().contains("33 caracteres"), "{longa}");
    assert_eq!(sim.chamadas().len(), antes);
}

#[tokio::test]
async fn the_token_endpoint_hands_the_live_token_out_again_and_wants_a_form() {
    let sim = simulador();
    let http = reqwest::Client::new();
    let url = format!("{}{}", sim.url_base(), caminhos::TOKEN);
    let basic = |k: &str, s: &str| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("{k}:{s}"))
    };
    let pedir = |tipo: Option<&'static str>| {
        let mut r = http
            .post(&url)
            .header(
                "Authorization",
                format!("Basic {}", basic(crate::comum::KEY, crate::comum::SECRET)),
            )
            .body("grant_type=client_credentials");
        if let Some(t) = tipo {
            r = r.header("Content-Type", t);
        }
        r.send()
    };
    let sem_tipo = pedir(None).await.unwrap();
    assert_eq!(sem_tipo.status().as_u16(), 415);
    let forma = Some("application/x-www-form-urlencoded");
    let a: guiche_loja::wire::TokenDto =
        guiche_http::json::ler(&pedir(forma).await.unwrap().text().await.unwrap()).unwrap();
    let b: guiche_loja::wire::TokenDto =
        guiche_http::json::ler(&pedir(forma).await.unwrap().text().await.unwrap()).unwrap();
    assert_eq!(a.access_token, b.access_token);
    assert!(b.expires_in <= a.expires_in && a.expires_in <= Some(3295));
    assert_eq!(sim.tokens_emitidos(), 1);
}

#[tokio::test]
async fn after_expiry_concurrent_callers_fetch_one_new_token() {
    let sim = simulador();
    let c = Arc::new(cliente(&sim, None));
    c.consultar_cpf(&cpf("40442820135"), &etiqueta("t"))
        .await
        .unwrap();
    sim.expirar_tokens();
    let mut tarefas = Vec::new();
    for ni in [
        "63017285995",
        "91708635203",
        "40532176871",
        "47123586964",
        "07691852312",
    ] {
        let c = c.clone();
        tarefas.push(tokio::spawn(async move {
            c.consultar_cpf(&cpf(ni), &etiqueta("t")).await
        }));
    }
    for t in tarefas {
        t.await.unwrap().unwrap();
    }
    assert_eq!(sim.tokens_emitidos(), 2);
}

#[tokio::test]
async fn a_401_after_the_renewal_is_a_refusal_of_the_credentials() {
    let sim = simulador();
    let c = cliente(&sim, None);
    sim.injetar(FalhaLoja::Status(401));
    sim.injetar(FalhaLoja::Status(401));
    let e = c
        .consultar_cpf(&cpf("40442820135"), &etiqueta("t"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, ErroLoja::Autenticacao { status: 401, .. }),
        "{e}"
    );
    let consultas = sim
        .chamadas()
        .iter()
        .filter(|c| c.caminho != caminhos::TOKEN)
        .count();
    assert_eq!(consultas, 2, "one renewal, not a loop");
}
