//! The NFD simulator over a real socket, driven with `reqwest` and the golden request of the
//! manual (`tests/vetores/pedido-manual.xml`) and its variations.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use guiche_domain::Data;
use guiche_domain::nfd::{NotaBruta, Tag};
use guiche_nfd::ErroSoap;
use guiche_nfd::Senha;
use guiche_nfd::simulador::{ConfigSimulador, Falha, SimuladorNfd};
use guiche_nfd::wire::{self, JA_CONSTA, Operacao, PedidoSoap, Retorno};
use reqwest::StatusCode;
use std::collections::HashSet;
use std::time::Duration;

const PEDIDO_MANUAL: &str = include_str!("../vetores/pedido-manual.xml");
const NS: &str = "http://brgov.com.br/";
const CNPJ: &str = "21118045000135";
const SENHA: &str = "fiscalb";
const CPF_VALIDO: &str = "52998224725";
const RIO_DAS_PEDRAS: &str = "3150";

/// Starts a simulator whose "today" is 31/05/2016, with the manual's provider enabled in Rio
/// das Pedras and Piracaia (registered as `44`).
fn simulador() -> SimuladorNfd {
    let config = ConfigSimulador {
        hoje: Some(Data::new(2016, 5, 31).unwrap()),
        ..ConfigSimulador::default()
    };
    let sim = SimuladorNfd::iniciar(config).unwrap();
    sim.cadastrar_prestador(CNPJ, SENHA, &[RIO_DAS_PEDRAS, "44"]);
    sim
}

fn cliente() -> reqwest::Client {
    // reqwest is built with `rustls-no-provider`: a provider must exist even for plain http.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The nota of the manual's request, as the simulator reads it.
fn nota_manual() -> NotaBruta {
    NotaBruta::de_xml(&wire::ler_pedido(PEDIDO_MANUAL).unwrap().nota_fiscal).unwrap()
}

/// The manual's nota with a valid customer CPF, this number and date.
fn nota(numero: u64, data: &str) -> NotaBruta {
    nota_manual()
        .com(Tag::TomadorDocumento, CPF_VALIDO)
        .com(Tag::NumeroNota, numero.to_string())
        .com(Tag::DataEmissao, data)
}

/// The manual's nota made for Piracaia: activity code instead of the general one.
fn nota_piracaia(numero: u64) -> NotaBruta {
    nota(numero, "21/05/2016")
        .com(Tag::CodigoGeralAtividade, "")
        .com(Tag::CodigoAtividade, "0901")
}

fn pedido(
    operacao: Operacao,
    prefeitura: &str,
    nota: &NotaBruta,
    cnpj: &str,
    senha: &str,
) -> String {
    wire::escrever_pedido(&PedidoSoap {
        operacao,
        namespace: NS.into(),
        cod_prefeitura: prefeitura.into(),
        nota_fiscal: nota.para_xml(),
        cnpj_prestador: cnpj.into(),
        senha: Senha::new(senha),
    })
}

fn enviar_nota(prefeitura: &str, nota: &NotaBruta) -> String {
    pedido(Operacao::EnviarNota, prefeitura, nota, CNPJ, SENHA)
}

/// POSTs a body with this `SOAPAction` (as the manual's C# example does) and returns status and body.
async fn postar(
    c: &reqwest::Client,
    sim: &SimuladorNfd,
    acao: Option<&str>,
    corpo: String,
) -> reqwest::Result<(StatusCode, String)> {
    let mut req = c
        .post(sim.url())
        .header("Content-Type", "text/xml;charset=\"utf-8\"")
        .header("Accept", "text/xml")
        .body(corpo);
    if let Some(a) = acao {
        req = req.header("SOAPAction", a);
    }
    let r = req.send().await?;
    let status = r.status();
    Ok((status, r.text().await?))
}

/// Sends a request of `operacao` with the right `SOAPAction` and reads the result string.
async fn resultado(
    c: &reqwest::Client,
    sim: &SimuladorNfd,
    operacao: Operacao,
    corpo: String,
) -> Retorno {
    let acao = operacao.soap_action(NS);
    let (status, texto) = postar(c, sim, Some(&acao), corpo).await.unwrap();
    assert_eq!(status, StatusCode::OK, "{texto}");
    Retorno::ler(&wire::ler_resposta(&texto, operacao).unwrap()).unwrap()
}

async fn enviar(c: &reqwest::Client, sim: &SimuladorNfd, corpo: String) -> Retorno {
    resultado(c, sim, Operacao::EnviarNota, corpo).await
}

/// Sends `EnviarNota` for the manual's nota in Rio das Pedras with this number and date.
async fn rio(c: &reqwest::Client, sim: &SimuladorNfd, numero: u64, data: &str) -> Retorno {
    enviar(c, sim, enviar_nota(RIO_DAS_PEDRAS, &nota(numero, data))).await
}

fn codigo(r: &Retorno) -> String {
    match r {
        Retorno::Sucesso(c) => c.clone(),
        Retorno::Erro(m) => panic!("esperava sucesso, veio 0-{m}"),
    }
}

fn erro(r: &Retorno) -> String {
    match r {
        Retorno::Erro(m) => m.clone(),
        Retorno::Sucesso(c) => panic!("esperava recusa, veio 1-{c}"),
    }
}

fn numeros(sim: &SimuladorNfd, prestador: &str, prefeitura: &str) -> Vec<u64> {
    sim.emitidas(prestador, prefeitura)
        .iter()
        .map(|n| n.numero)
        .collect()
}

fn codigo_no_formato_do_manual(c: &str) -> bool {
    let grupos: Vec<&str> = c.split('.').collect();
    grupos.iter().map(|g| g.len()).collect::<Vec<_>>() == [7, 7, 8, 8]
        && grupos.iter().all(|g| {
            g.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
}

#[tokio::test]
async fn manual_request_is_refused_only_for_its_all_zero_document() {
    let sim = simulador();
    let c = cliente();

    let r = enviar(&c, &sim, PEDIDO_MANUAL.to_owned()).await;
    let m = erro(&r);
    assert!(m.starts_with("TOMADOR_DOCUMENTO: "), "{m}");
    assert!(sim.emitidas(CNPJ, RIO_DAS_PEDRAS).is_empty());

    let corrigida = wire::ler_pedido(PEDIDO_MANUAL)
        .unwrap()
        .nota_fiscal
        .replace(
            "<TOMADOR_DOCUMENTO>00000000000<",
            &format!("<TOMADOR_DOCUMENTO>{CPF_VALIDO}<"),
        );
    let corpo = PEDIDO_MANUAL.replace("00000000000", CPF_VALIDO);
    let r = enviar(&c, &sim, corpo).await;
    let cod = codigo(&r);
    assert!(codigo_no_formato_do_manual(&cod), "{cod}");

    let emitidas = sim.emitidas(CNPJ, RIO_DAS_PEDRAS);
    assert_eq!(emitidas.len(), 1);
    assert_eq!(emitidas[0].numero, 6053);
    assert_eq!(emitidas[0].data, Data::new(2016, 5, 21).unwrap());
    assert_eq!(emitidas[0].codigo, cod);
    assert_eq!(emitidas[0].documento, corrigida);
    assert_eq!(sim.requisicoes(), 2);
}

#[tokio::test]
async fn the_same_nota_again_already_exists_even_after_later_ones() {
    let sim = simulador();
    let c = cliente();
    let primeira = enviar_nota(RIO_DAS_PEDRAS, &nota(6053, "21/05/2016"));
    codigo(&enviar(&c, &sim, primeira.clone()).await);

    let r = enviar(&c, &sim, primeira.clone()).await;
    assert_eq!(r, Retorno::Erro(JA_CONSTA.into()));
    assert!(r.ja_consta());

    codigo(&rio(&c, &sim, 6054, "21/05/2016").await);
    let r = enviar(&c, &sim, primeira).await;
    assert_eq!(erro(&r), "Esta nota já consta no sistema.");
    assert_eq!(numeros(&sim, CNPJ, RIO_DAS_PEDRAS), [6053, 6054]);
}

#[tokio::test]
async fn numbers_are_strictly_sequential() {
    let sim = simulador();
    let c = cliente();
    codigo(&rio(&c, &sim, 6053, "21/05/2016").await);

    let m = erro(&rio(&c, &sim, 6055, "21/05/2016").await);
    assert!(m.starts_with("NUMERO_NOTA: "), "{m}");
    assert!(m.contains("6054"), "{m}");

    codigo(&rio(&c, &sim, 6054, "22/05/2016").await);
    assert_eq!(numeros(&sim, CNPJ, RIO_DAS_PEDRAS), [6053, 6054]);
}

#[tokio::test]
async fn dates_before_the_last_nota_or_after_today_are_refused() {
    let sim = simulador();
    let c = cliente();
    codigo(&rio(&c, &sim, 6053, "21/05/2016").await);

    let m = erro(&rio(&c, &sim, 6054, "20/05/2016").await);
    assert!(m.starts_with("DATA_EMISSAO: "), "{m}");
    assert!(m.contains("21/05/2016"), "{m}");

    let m = erro(&rio(&c, &sim, 6054, "01/06/2016").await);
    assert!(m.starts_with("DATA_EMISSAO: "), "{m}");

    codigo(&rio(&c, &sim, 6054, "31/05/2016").await);
    assert_eq!(numeros(&sim, CNPJ, RIO_DAS_PEDRAS), [6053, 6054]);
}

#[tokio::test]
async fn credentials_and_municipality_are_checked() {
    let sim = simulador();
    let c = cliente();
    let n = nota(6053, "21/05/2016");
    let casos = [
        (
            RIO_DAS_PEDRAS,
            CNPJ,
            "errada",
            "CNPJ/CPF do prestador ou senha inválidos.",
        ),
        (
            RIO_DAS_PEDRAS,
            "11222333000181",
            SENHA,
            "CNPJ/CPF do prestador ou senha inválidos.",
        ),
        ("9999", CNPJ, SENHA, "Prefeitura não encontrada."),
        (
            "3039",
            CNPJ,
            SENHA,
            "Prestador não liberado para envio de notas nesta prefeitura.",
        ),
    ];
    for (prefeitura, cnpj, senha, esperado) in casos {
        let corpo = pedido(Operacao::EnviarNota, prefeitura, &n, cnpj, senha);
        assert_eq!(erro(&enviar(&c, &sim, corpo).await), esperado);
    }
    assert!(sim.emitidas(CNPJ, RIO_DAS_PEDRAS).is_empty());
    assert!(sim.emitidas(CNPJ, "3039").is_empty());
}

#[tokio::test]
async fn municipality_codes_compare_as_integers_and_profiles_apply() {
    let sim = simulador();
    let c = cliente();

    let m = erro(&enviar(&c, &sim, enviar_nota("0044", &nota(1, "21/05/2016"))).await);
    assert!(
        m.starts_with("CODIGO_GERAL_ATIVIDADE: "),
        "Piracaia usa CODIGO_ATIVIDADE: {m}"
    );

    codigo(&enviar(&c, &sim, enviar_nota("0044", &nota_piracaia(1))).await);
    codigo(&enviar(&c, &sim, enviar_nota("44", &nota_piracaia(2))).await);
    let r = enviar(&c, &sim, enviar_nota(" 044 ", &nota_piracaia(2))).await;
    assert!(r.ja_consta());

    assert_eq!(numeros(&sim, CNPJ, "44"), [1, 2]);
    assert_eq!(numeros(&sim, CNPJ, "0044"), [1, 2]);
    assert!(sim.emitidas(CNPJ, RIO_DAS_PEDRAS).is_empty());
}

#[tokio::test]
async fn soap_action_must_match_the_body() {
    let sim = simulador();
    let c = cliente();
    let corpo = enviar_nota(RIO_DAS_PEDRAS, &nota(6053, "21/05/2016"));
    let errada = Operacao::EnviarNotaRetornaurlNota.soap_action(NS);
    for acao in [
        Some(errada.as_str()),
        Some("http://susesu.com.br/EnviarNota"),
        None,
    ] {
        let (status, texto) = postar(&c, &sim, acao, corpo.clone()).await.unwrap();
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let Err(ErroSoap::Fault { codigo, mensagem }) =
            wire::ler_resposta(&texto, Operacao::EnviarNota)
        else {
            panic!("esperava Fault: {texto}");
        };
        assert_eq!(codigo, "soap:Client");
        let esperado = format!(
            "Server did not recognize the value of HTTP Header SOAPAction: {}.",
            acao.unwrap_or_default()
        );
        assert_eq!(mensagem, esperado);
    }
    assert!(sim.emitidas(CNPJ, RIO_DAS_PEDRAS).is_empty());

    let entre_aspas = format!("\"{}\"", Operacao::EnviarNota.soap_action(NS));
    let (status, texto) = postar(&c, &sim, Some(&entre_aspas), corpo).await.unwrap();
    assert_eq!(status, StatusCode::OK, "{texto}");
    assert_eq!(numeros(&sim, CNPJ, RIO_DAS_PEDRAS), [6053]);
}

#[tokio::test]
async fn unreadable_requests_are_faults_and_only_text_xml_is_served() {
    let sim = simulador();
    let c = cliente();
    let acao = Operacao::EnviarNota.soap_action(NS);
    let nao_inteiro = enviar_nota("Rio das Pedras", &nota(6053, "21/05/2016"));
    let outro_ns =
        enviar_nota(RIO_DAS_PEDRAS, &nota(6053, "21/05/2016")).replace(NS, "http://susesu.com.br/");
    for corpo in [
        "<soap:Envelope".to_owned(),
        "isto não é XML".to_owned(),
        "<a/>".to_owned(),
        nao_inteiro,
        outro_ns,
    ] {
        let (status, texto) = postar(&c, &sim, Some(&acao), corpo.clone()).await.unwrap();
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{corpo}");
        let f = wire::ler_resposta(&texto, Operacao::EnviarNota).unwrap_err();
        assert!(
            matches!(&f, ErroSoap::Fault { mensagem, .. } if mensagem.starts_with("Server was unable to read request.")),
            "{f:?}"
        );
    }
    let r = c
        .post(sim.url())
        .header("Content-Type", "application/json")
        .header("SOAPAction", &acao)
        .body(enviar_nota(RIO_DAS_PEDRAS, &nota(6053, "21/05/2016")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(sim.emitidas(CNPJ, RIO_DAS_PEDRAS).is_empty());
    assert_eq!(sim.requisicoes(), 6);
}

#[tokio::test]
async fn a_slow_reply_times_out_although_the_nota_was_issued() {
    let sim = simulador();
    let c = cliente();
    let corpo = enviar_nota(RIO_DAS_PEDRAS, &nota(6053, "21/05/2016"));
    sim.injetar(Falha::Lenta(Duration::from_millis(1500)));
    let e = c
        .post(sim.url())
        .timeout(Duration::from_millis(300))
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", Operacao::EnviarNota.soap_action(NS))
        .body(corpo.clone())
        .send()
        .await
        .unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert_eq!(numeros(&sim, CNPJ, RIO_DAS_PEDRAS), [6053]);
    // The client's recovery: the same payload again meets the duplicate.
    assert!(enviar(&c, &sim, corpo).await.ja_consta());
}

#[tokio::test]
async fn a_reset_drops_the_reply_but_the_nota_was_issued() {
    let sim = simulador();
    let c = cliente();
    let corpo = enviar_nota(RIO_DAS_PEDRAS, &nota(6053, "21/05/2016"));
    sim.injetar(Falha::Reset);
    let acao = Operacao::EnviarNota.soap_action(NS);
    let e = postar(&c, &sim, Some(&acao), corpo.clone())
        .await
        .unwrap_err();
    assert!(!e.is_timeout() && !e.is_status(), "{e:?}");
    assert_eq!(numeros(&sim, CNPJ, RIO_DAS_PEDRAS), [6053]);
    assert!(enviar(&c, &sim, corpo).await.ja_consta());
    assert_eq!(sim.requisicoes(), 2);
}

#[tokio::test]
async fn an_http_500_records_nothing_and_is_consumed_once() {
    let sim = simulador();
    let c = cliente();
    let corpo = enviar_nota(RIO_DAS_PEDRAS, &nota(6053, "21/05/2016"));
    sim.injetar(Falha::Http500);
    let acao = Operacao::EnviarNota.soap_action(NS);
    let (status, texto) = postar(&c, &sim, Some(&acao), corpo.clone()).await.unwrap();
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(matches!(
        wire::ler_resposta(&texto, Operacao::EnviarNota),
        Err(ErroSoap::Fault { .. })
    ));
    assert!(sim.emitidas(CNPJ, RIO_DAS_PEDRAS).is_empty());
    codigo(&enviar(&c, &sim, corpo).await);
    assert_eq!(numeros(&sim, CNPJ, RIO_DAS_PEDRAS), [6053]);
}

#[tokio::test]
async fn unavailable_is_a_503_with_an_empty_body() {
    let sim = simulador();
    let c = cliente();
    sim.injetar(Falha::Indisponivel);
    sim.injetar(Falha::Indisponivel);
    let acao = Operacao::EnviarNota.soap_action(NS);
    for _ in 0..2 {
        let corpo = enviar_nota(RIO_DAS_PEDRAS, &nota(6053, "21/05/2016"));
        let (status, texto) = postar(&c, &sim, Some(&acao), corpo).await.unwrap();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(texto.is_empty());
    }
    assert!(sim.emitidas(CNPJ, RIO_DAS_PEDRAS).is_empty());
    assert_eq!(sim.requisicoes(), 2);
}

#[tokio::test]
async fn the_url_operation_returns_a_print_url_that_serves_the_nota() {
    let sim = simulador();
    let c = cliente();
    let op = Operacao::EnviarNotaRetornaurlNota;
    let n = nota(6053, "21/05/2016");
    let corpo = pedido(op, RIO_DAS_PEDRAS, &n, CNPJ, SENHA);
    let (status, bruto) = postar(&c, &sim, Some(&op.soap_action(NS)), corpo)
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(
        bruto.contains("&amp;a="),
        "o & da URL vai escapado: {bruto}"
    );
    let url = codigo(&Retorno::ler(&wire::ler_resposta(&bruto, op).unwrap()).unwrap());

    let emitida = sim.emitidas(CNPJ, RIO_DAS_PEDRAS).remove(0);
    let esperada = format!(
        "{}/nfd2010/WebPages/Nfd/Usuarios/NotaFiscalImpressao.aspx?p=3150&a={}&n=6053",
        sim.base(),
        emitida.codigo.replace('.', "")
    );
    assert_eq!(url, esperada);

    let pagina = c.get(&url).send().await.unwrap();
    assert_eq!(pagina.status(), StatusCode::OK);
    assert_eq!(pagina.text().await.unwrap(), n.para_xml());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_providers_each_get_a_strict_sequence() {
    let sim = std::sync::Arc::new(simulador());
    let prestadores: Vec<String> = (0..8).map(|i| format!("prestador-{i}")).collect();
    for p in &prestadores {
        sim.cadastrar_prestador(p, "segredo", &[RIO_DAS_PEDRAS]);
    }
    let mut tarefas = tokio::task::JoinSet::new();
    for p in prestadores.clone() {
        let sim = std::sync::Arc::clone(&sim);
        tarefas.spawn(async move {
            let c = cliente();
            let mut codigos = Vec::new();
            for numero in 1..=20 {
                let corpo = pedido(
                    Operacao::EnviarNota,
                    RIO_DAS_PEDRAS,
                    &nota(numero, "21/05/2016"),
                    &p,
                    "segredo",
                );
                codigos.push(codigo(&enviar(&c, &sim, corpo).await));
            }
            codigos
        });
    }
    let mut todos = HashSet::new();
    while let Some(codigos) = tarefas.join_next().await {
        for cod in codigos.unwrap() {
            assert!(todos.insert(cod), "código repetido");
        }
    }
    assert_eq!(todos.len(), 160);
    for p in &prestadores {
        assert_eq!(
            numeros(&sim, p, RIO_DAS_PEDRAS),
            (1..=20).collect::<Vec<_>>()
        );
    }
    assert_eq!(sim.requisicoes(), 160);
}

#[tokio::test]
async fn admin_endpoints_queue_faults_and_list_notas() {
    let sim = simulador();
    let c = cliente();
    let falhas = format!("{}/_simulador/falhas", sim.base());
    let r = c.post(&falhas).body("http500").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = c.post(&falhas).body("devagar").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("lenta:<ms>"));

    let acao = Operacao::EnviarNota.soap_action(NS);
    let corpo = enviar_nota(RIO_DAS_PEDRAS, &nota(6053, "21/05/2016"));
    let (status, _) = postar(&c, &sim, Some(&acao), corpo.clone()).await.unwrap();
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let cod = codigo(&enviar(&c, &sim, corpo).await);
    codigo(&enviar(&c, &sim, enviar_nota("0044", &nota_piracaia(7))).await);

    let r = c
        .get(format!("{}/_simulador/notas", sim.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let texto = r.text().await.unwrap();
    let linhas: Vec<&str> = texto.lines().collect();
    assert_eq!(linhas.len(), 2, "{texto}");
    assert!(linhas[0].starts_with(&format!("{CNPJ};0044;7;")), "{texto}");
    assert_eq!(linhas[1], format!("{CNPJ};3150;6053;{cod}"));
}

#[tokio::test]
async fn wsdl_and_other_methods_and_paths() {
    let sim = simulador();
    let c = cliente();
    let r = c.get(format!("{}?WSDL", sim.url())).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let wsdl = r.text().await.unwrap();
    assert!(wsdl.contains("soapAction=\"http://brgov.com.br/EnviarNotaRetornaurlNota\""));
    assert!(wsdl.contains(&sim.url()));

    let r = c.get(sim.url()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let r = c
        .get(format!("{}/outra/coisa", sim.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The path is compared case-insensitively, as IIS does.
    let minusculas = sim.url().to_lowercase();
    let r = c
        .post(minusculas)
        .header("Content-Type", "text/xml")
        .header("SOAPAction", Operacao::EnviarNota.soap_action(NS))
        .body(enviar_nota(RIO_DAS_PEDRAS, &nota(6053, "21/05/2016")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(sim.requisicoes(), 1);
}

#[tokio::test]
async fn stopping_closes_the_port() {
    let sim = simulador();
    let c = cliente();
    let url = sim.url();
    codigo(&rio(&c, &sim, 6053, "21/05/2016").await);
    tokio::time::timeout(Duration::from_secs(5), sim.parar())
        .await
        .expect("parar não deve esperar por conexões ociosas");
    let e = cliente().post(url).body("x").send().await.unwrap_err();
    assert!(e.is_connect(), "{e:?}");
}
