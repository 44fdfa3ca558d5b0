//! The client on the golden vectors of `tests/vetores`, served byte for byte by a raw server
//! (`guiche_simulador::bruto`): what it reads from each of the manual's answers. The simulator
//! is held to the same bytes in `simulador.rs`, so the two cannot drift together.

use guiche_conam::{ClienteConam, ConfigCliente, Segredo};
use guiche_domain::conam::{PacoteBruto, Tabela2};
use guiche_ports::contabil::{ErroContabil, IntegracaoContabil, Receita, SituacaoPacote};
use guiche_simulador::bruto::{Servidor, resposta};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const PACOTE: &str = include_str!("../vetores/pacote-manual.json");
const ENVIO_SUCESSO: &str = include_str!("../vetores/envio-sucesso.json");
const REJEICAO: &str = include_str!("../vetores/rejeicao.json");
const SITUACAO_AGUARDANDO: &str = include_str!("../vetores/situacao-aguardando.json");
const SITUACAO_SUCESSO: &str = include_str!("../vetores/situacao-sucesso.json");
const PERIODO_ABERTO: &str = include_str!("../vetores/periodo-aberto.json");
const PERIODO_FECHADO: &str = include_str!("../vetores/periodo-fechado.json");
const PARAMETROS_INVALIDOS: &str = include_str!("../vetores/parametros-invalidos.json");
const NAO_AUTORIZADO: &str = include_str!("../vetores/nao-autorizado.json");
const TOKEN_EXPIRADO: &str = include_str!("../vetores/token-expirado.json");
const ACESSO_NEGADO: &str = include_str!("../vetores/acesso-negado.json");
const RECEITAS: &str = include_str!("../vetores/receitas-orcamentarias.json");
const RECEITAS_EXTRA: &str = include_str!("../vetores/receitas-extraorcamentarias.json");
const RECEITAS_EXTRA_MANUAL: &str =
    include_str!("../vetores/receitas-extraorcamentarias-manual.txt");

/// The token reply (the manual's shape; not a vector of its own: the manual prints none).
const TOKEN: &str = r#"{"access_token":"tk","token_type":"bearer","expires_in":3600}"#;

fn json(status: &str, corpo: &str) -> Vec<u8> {
    resposta(
        status,
        "Content-Type: application/json\r\n",
        corpo.as_bytes(),
    )
}

/// A server answering the token, then `status` and `corpo` to every other request.
fn servidor(status: &'static str, corpo: &'static str) -> Servidor {
    Servidor::iniciar(move |p, _| {
        if p.caminho == "/token" {
            json("200 OK", TOKEN)
        } else {
            json(status, corpo)
        }
    })
    .unwrap()
}

fn cliente(s: &Servidor) -> ClienteConam {
    let mut c = ConfigCliente::new(
        &s.url("/cidade"),
        &s.url("/token"),
        "USUARIO",
        Segredo::new("SENHA"),
    );
    c.espera_inicial = Duration::from_millis(1);
    c.timeout = Duration::from_secs(10);
    ClienteConam::new(c).unwrap()
}

fn pacote() -> guiche_domain::conam::Pacote {
    PacoteBruto::de_json(PACOTE)
        .unwrap()
        .validar(Tabela2::oficial())
        .unwrap()
}

#[tokio::test]
async fn the_budget_revenues_of_the_manual_are_read_whole() {
    let s = servidor("200 OK", RECEITAS);
    let receitas = cliente(&s).receitas_orcamentarias("1", 2022).await.unwrap();
    assert_eq!(receitas.len(), 3);
    assert_eq!(
        receitas[0],
        Receita {
            codigo: "00001".into(),
            exercicio: 2022,
            codigo_conta: "1.1.1.2.50.0.1.0001".into(),
            descricao: "IMP. PROP. PREDIAL E TERRITORIAL URBANA".into(),
            conta_renunciada: None,
        }
    );
    assert_eq!(
        receitas[2].conta_renunciada,
        Some((
            "1.1.1.2.50.0.1.0001".into(),
            "IMP. PROP. PREDIAL E TERRITORIAL URBANA".into()
        ))
    );
    assert!(
        s.caminhos()
            .contains(&"/cidade/v1_0/receitaorcamentaria/1/2022".to_owned()),
        "{:?}",
        s.caminhos()
    );
}

#[tokio::test]
async fn the_extra_budget_revenues_are_read_and_the_printed_example_is_refused() {
    let s = servidor("200 OK", RECEITAS_EXTRA);
    let receitas = cliente(&s)
        .receitas_extraorcamentarias("1", 2022)
        .await
        .unwrap();
    assert_eq!(receitas[0].codigo, "00227");
    assert_eq!(receitas[0].codigo_conta, "6.1.03");
    assert_eq!(receitas[0].descricao, "OUTROS CREDITOS FINANCEIROS");

    // As printed in the manual, the example is not JSON (a comma before each `}`).
    let s = servidor("200 OK", RECEITAS_EXTRA_MANUAL);
    let r = cliente(&s).receitas_extraorcamentarias("1", 2022).await;
    let Err(ErroContabil::Protocolo(m)) = &r else {
        panic!("esperava resposta fora do protocolo, veio {r:?}");
    };
    assert!(
        m.starts_with("HTTP 200: resposta que não é o envelope JSON do manual: {"),
        "{m}"
    );
}

#[tokio::test]
async fn open_and_closed_periods_are_read() {
    let s = servidor("200 OK", PERIODO_ABERTO);
    assert_eq!(cliente(&s).periodo_aberto("1", 2022, 7).await, Ok(true));
    let s = servidor("200 OK", PERIODO_FECHADO);
    assert_eq!(cliente(&s).periodo_aberto("1", 2022, 7).await, Ok(false));
}

#[tokio::test]
async fn the_send_and_the_status_replies_are_read() {
    let s = servidor("201 Created", ENVIO_SUCESSO);
    assert_eq!(
        cliente(&s).enviar_pacote(&pacote()).await,
        Ok(SituacaoPacote::Aguardando)
    );
    let enviado = s
        .recebidos()
        .into_iter()
        .find(|p| p.caminho == "/cidade/v1_0/enviotributos")
        .unwrap();
    let enviado: serde_json::Value = serde_json::from_str(&enviado.corpo).unwrap();
    let manual: serde_json::Value = serde_json::from_str(PACOTE).unwrap();
    assert_eq!(enviado, manual, "o pacote enviado é o do manual");

    let casos = [
        (SITUACAO_AGUARDANDO, SituacaoPacote::Aguardando),
        (SITUACAO_SUCESSO, SituacaoPacote::Aprovado),
        (
            REJEICAO,
            SituacaoPacote::Rejeitado {
                codigo: "00".into(),
                mensagem: "Uma mensagem de erro".into(),
            },
        ),
    ];
    for (corpo, esperado) in casos {
        let s = servidor("200 OK", corpo);
        assert_eq!(cliente(&s).situacao(1).await, Ok(esperado), "{corpo}");
    }
}

#[tokio::test]
async fn a_package_refused_on_receipt_gives_the_code_and_message() {
    let s = servidor("401 Unauthorized", REJEICAO);
    assert_eq!(
        cliente(&s).enviar_pacote(&pacote()).await,
        Err(ErroContabil::Rejeitado {
            codigo: "00".into(),
            mensagem: "Uma mensagem de erro".into(),
        })
    );
}

#[tokio::test]
async fn the_refusals_of_the_manual_are_told_apart() {
    let s = servidor("401 Unauthorized", PARAMETROS_INVALIDOS);
    assert_eq!(
        cliente(&s).periodo_aberto("1", 2022, 7).await,
        Err(ErroContabil::ParametrosInvalidos(
            "Parametros inválidos".into()
        ))
    );
    let s = servidor("403 Forbidden", ACESSO_NEGADO);
    assert_eq!(
        cliente(&s).periodo_aberto("1", 2022, 7).await,
        Err(ErroContabil::AcessoNegado("Acesso Negado".into()))
    );
    let s = servidor("401 Unauthorized", NAO_AUTORIZADO);
    assert_eq!(
        cliente(&s).periodo_aberto("1", 2022, 7).await,
        Err(ErroContabil::Autenticacao("Não Autorizado".into()))
    );
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_and_the_call_repeated() {
    let consultas = AtomicUsize::new(0);
    let s = Servidor::iniciar(move |p, _| {
        if p.caminho == "/token" {
            json("200 OK", TOKEN)
        } else if consultas.fetch_add(1, Ordering::SeqCst) == 0 {
            json("403 Forbidden", TOKEN_EXPIRADO)
        } else {
            json("200 OK", PERIODO_ABERTO)
        }
    })
    .unwrap();
    assert_eq!(cliente(&s).periodo_aberto("1", 2022, 7).await, Ok(true));
    let tokens = s.caminhos().iter().filter(|c| *c == "/token").count();
    assert_eq!(tokens, 2, "{:?}", s.caminhos());
}

/// Every file in `tests/vetores` is named by a test (here, `simulador.rs`, or the wire's unit
/// tests): a vector nobody reads tests nothing.
#[test]
fn every_golden_vector_is_read_by_a_test() {
    let raiz = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let fontes: String = ["src/wire.rs", "tests/integracao"]
        .iter()
        .flat_map(|p| {
            let p = raiz.join(p);
            if p.is_dir() {
                std::fs::read_dir(&p)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect()
            } else {
                vec![p]
            }
        })
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let mut orfaos = Vec::new();
    for e in std::fs::read_dir(raiz.join("tests/vetores")).unwrap() {
        let nome = e.unwrap().file_name().into_string().unwrap();
        if nome != "README.md"
            && !fontes.contains(&format!("vetores/{nome}"))
            && !fontes.contains(&format!("\"{nome}\""))
        {
            orfaos.push(nome);
        }
    }
    assert!(orfaos.is_empty(), "vetores que nenhum teste lê: {orfaos:?}");
}
