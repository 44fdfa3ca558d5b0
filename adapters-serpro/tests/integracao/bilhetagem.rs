//! Billing on the safe side, against the Integra Contador simulator over mTLS, counted by the
//! real ledger (`guiche_store::Livro`, SQLite in memory) and checked against the simulator's
//! own count of the calls it received and billed: a reservation is kept whenever the call may
//! have been billed (timeout after it left, 403, 200 without data, any status the
//! documentation does not exempt), every attempt that left is counted, and the ceiling is
//! enforced before each attempt.

#![cfg(feature = "simulator")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use guiche_domain::Data;
use guiche_domain::serpro::{Pedido, TipoServico};
use guiche_ports::bilhetagem::MedidorBilhetagem;
use guiche_serpro::simulador::{ConfigSimulador, FalhaGateway, SimuladorIntegra};
use guiche_serpro::{Chamada, ClienteIntegra, ConfigIntegra, ErroIntegra, Politica};
use guiche_store::Livro;
use proptest::prelude::*;
use std::sync::Arc;
use std::time::Duration;

use crate::comum;

use comum::{CONTRATANTE, pedido};
const CLIENTE: &str = "11444777000161";

/// The client's timeout in these tests; a late answer comes well after it.
const PRAZO: Duration = Duration::from_millis(400);
const ATRASO: Duration = Duration::from_millis(1500);

struct Cenario {
    sim: SimuladorIntegra,
    livro: Arc<Livro>,
    cliente: ClienteIntegra,
}

fn cenario(teto: Option<u64>, ajustar: impl FnOnce(&mut ConfigIntegra)) -> Cenario {
    let sim = SimuladorIntegra::iniciar(ConfigSimulador {
        hoje: Some(hoje()),
        ..ConfigSimulador::default()
    })
    .unwrap();
    let livro = Arc::new(Livro::em_memoria().unwrap());
    let mut config = comum::config_do_contratante(&sim);
    config.timeout = PRAZO;
    ajustar(&mut config);
    let cliente = ClienteIntegra::new(config).unwrap().com_politica(Politica {
        tentativas: 3,
        espera_inicial: Duration::from_millis(5),
        medidor: Some(livro.clone() as Arc<dyn MedidorBilhetagem>),
        teto_mensal: teto,
    });
    Cenario {
        sim,
        livro,
        cliente,
    }
}

impl Cenario {
    /// The calls the ledger counts for `servico` (`SISTEMA/SERVICO`), all months.
    fn no_livro(&self, servico: &str) -> u64 {
        self.livro
            .consumo(None, None)
            .unwrap()
            .iter()
            .filter(|c| c.servico == servico)
            .map(|c| c.chamadas)
            .sum()
    }

    /// Every call the ledger counts.
    fn total_no_livro(&self) -> u64 {
        self.livro
            .consumo(None, None)
            .unwrap()
            .iter()
            .map(|c| c.chamadas)
            .sum()
    }

    async fn chamar(&self, tipo: TipoServico, p: &Pedido) -> Result<bool, ErroIntegra> {
        self.cliente
            .chamar(Chamada {
                etiqueta: None,
                tipo,
                pedido: p,
                token_procurador: None,
                hoje: hoje(),
            })
            .await
            .map(|r| r.bilhetado)
    }
}

fn hoje() -> Data {
    Data::new(2026, 11, 22).unwrap()
}

fn emitir_das() -> Pedido {
    pedido(
        CONTRATANTE,
        CONTRATANTE,
        "PGDASD",
        "GERARDAS12",
        r#"{"periodoApuracao":"202610"}"#,
    )
}

fn consultar_declaracoes() -> Pedido {
    pedido(
        CONTRATANTE,
        CONTRATANTE,
        "PGDASD",
        "CONSDECLARACAO13",
        r#"{"anoCalendario":"2025"}"#,
    )
}

#[tokio::test]
async fn a_timeout_after_the_request_left_keeps_the_reservation() {
    let c = cenario(None, |_| {});
    c.sim.injetar(FalhaGateway::Atrasada(ATRASO));
    let e = c
        .chamar(TipoServico::Emitir, &emitir_das())
        .await
        .unwrap_err();
    assert!(matches!(e, ErroIntegra::Desconhecido(_)), "{e:?}");
    assert_eq!(c.sim.bilhetadas(), 1, "o SERPRO processou e bilhetou");
    assert_eq!(
        c.no_livro("PGDASD/GERARDAS12"),
        1,
        "o resultado é desconhecido: a reserva fica"
    );
}

#[tokio::test]
async fn a_reset_after_the_request_left_keeps_the_reservation() {
    let c = cenario(None, |_| {});
    c.sim.injetar(FalhaGateway::Cortada);
    let e = c
        .chamar(TipoServico::Emitir, &emitir_das())
        .await
        .unwrap_err();
    assert!(matches!(e, ErroIntegra::Desconhecido(_)), "{e:?}");
    assert_eq!(
        c.sim.chamadas_recebidas(),
        1,
        "Emitir não é repetido às cegas"
    );
    assert_eq!(c.sim.bilhetadas(), 1, "o SERPRO processou e bilhetou");
    assert_eq!(c.no_livro("PGDASD/GERARDAS12"), 1);
}

#[tokio::test]
async fn a_403_is_billed_as_documented() {
    let c = cenario(None, |_| {});
    let sem_procuracao = pedido(CONTRATANTE, CLIENTE, "PAGTOWEB", "PAGAMENTOS71", "{}");
    let e = c
        .chamar(TipoServico::Consultar, &sem_procuracao)
        .await
        .unwrap_err();
    assert!(matches!(e, ErroIntegra::SemProcuracao { .. }), "{e:?}");
    assert_eq!(
        c.sim.bilhetadas(),
        1,
        "403 não está entre os não bilhetados"
    );
    assert_eq!(c.no_livro("PAGTOWEB/PAGAMENTOS71"), 1);
}

#[tokio::test]
async fn a_200_without_data_is_billed_as_documented() {
    let c = cenario(None, |_| {});
    let sem_dados = pedido(
        CONTRATANTE,
        CONTRATANTE,
        "DTE",
        "CONSULTASITUACAODTE111",
        "",
    );
    assert!(
        c.chamar(TipoServico::Consultar, &sem_dados).await.unwrap(),
        "200 é bilhetado, com ou sem dados"
    );
    assert_eq!(c.sim.bilhetadas(), 1);
    assert_eq!(c.no_livro("DTE/CONSULTASITUACAODTE111"), 1);
}

#[tokio::test]
async fn a_retried_consultar_counts_every_attempt_that_left() {
    let c = cenario(None, |_| {});
    c.sim.injetar(FalhaGateway::Atrasada(ATRASO));
    assert!(
        c.chamar(TipoServico::Consultar, &consultar_declaracoes())
            .await
            .unwrap()
    );
    assert_eq!(c.sim.chamadas_recebidas(), 2, "repetida uma vez");
    assert_eq!(c.sim.bilhetadas(), 2, "as duas foram processadas");
    assert_eq!(c.no_livro("PGDASD/CONSDECLARACAO13"), 2);
}

#[tokio::test]
async fn documented_unbilled_answers_give_the_reservation_back() {
    let c = cenario(None, |_| {});
    for s in [503, 500] {
        c.sim.injetar(FalhaGateway::Status(s));
    }
    assert!(
        c.chamar(TipoServico::Consultar, &consultar_declaracoes())
            .await
            .unwrap()
    );
    c.sim.injetar(FalhaGateway::Status(429));
    assert!(c.chamar(TipoServico::Emitir, &emitir_das()).await.unwrap());
    c.sim.expirar_tokens();
    assert!(c.chamar(TipoServico::Emitir, &emitir_das()).await.unwrap());
    let inexistente = pedido(CONTRATANTE, CONTRATANTE, "NAOEXISTE", "NADA1", "{}");
    let e = c
        .chamar(TipoServico::Consultar, &inexistente)
        .await
        .unwrap_err();
    assert!(
        matches!(e, ErroIntegra::Recusado { status: 400, .. }),
        "{e:?}"
    );
    assert_eq!(
        c.sim.chamadas_recebidas(),
        8,
        "3 + 2 + 2 (401 e de novo) + 1"
    );
    assert_eq!(c.sim.bilhetadas(), 3);
    assert_eq!(c.no_livro("PGDASD/CONSDECLARACAO13"), 1);
    assert_eq!(c.no_livro("PGDASD/GERARDAS12"), 2);
    assert_eq!(c.total_no_livro(), 3, "o livro concorda com o SERPRO");
}

#[tokio::test]
async fn a_502_is_not_exempt_and_is_kept() {
    let c = cenario(None, |_| {});
    c.sim.injetar(FalhaGateway::Status(502));
    let e = c
        .chamar(TipoServico::Emitir, &emitir_das())
        .await
        .unwrap_err();
    assert!(
        matches!(e, ErroIntegra::ErroServidor { status: 502, .. }),
        "{e:?}"
    );
    assert_eq!(c.sim.bilhetadas(), 1);
    assert_eq!(c.no_livro("PGDASD/GERARDAS12"), 1);
}

#[tokio::test]
async fn an_attempt_that_never_left_gives_its_reservation_back() {
    // The token comes from the simulator; the gateway's port refuses connections.
    let c = cenario(None, |cfg| {
        cfg.url_gateway = "https://127.0.0.1:9/integra-contador/v1".into();
    });
    let e = c
        .chamar(TipoServico::Consultar, &consultar_declaracoes())
        .await
        .unwrap_err();
    assert!(matches!(e, ErroIntegra::NaoEnviado(_)), "{e:?}");
    assert_eq!(c.sim.tokens_emitidos(), 1, "o token foi obtido");
    assert_eq!(c.total_no_livro(), 0, "nenhuma das 3 tentativas saiu");
}

#[tokio::test]
async fn the_ceiling_is_enforced_before_each_attempt() {
    let c = cenario(Some(1), |_| {});
    c.sim.injetar(FalhaGateway::Atrasada(ATRASO));
    let e = c
        .chamar(TipoServico::Consultar, &consultar_declaracoes())
        .await
        .unwrap_err();
    assert!(matches!(e, ErroIntegra::Teto(_)), "{e:?}");
    assert!(
        e.to_string().contains("não respondeu"),
        "diz o que houve com a tentativa feita: {e}"
    );
    assert_eq!(
        c.sim.chamadas_recebidas(),
        1,
        "a repetição passaria do teto: não saiu"
    );
    assert_eq!(c.total_no_livro(), 1);
}

/// Faults of every kind: statuses billed or not, a late answer and a reset after processing,
/// and a slow unbilled 500.
fn falha() -> impl Strategy<Value = FalhaGateway> {
    // Well past the client's timeout below, which is itself well past what a call takes on a
    // loaded machine: a call without a slow fault must never time out.
    let curto = Duration::from_millis(3_000);
    prop_oneof![
        prop::sample::select(vec![400_u16, 403, 404, 409, 429, 500, 502, 503, 504])
            .prop_map(FalhaGateway::Status),
        Just(FalhaGateway::Atrasada(curto)),
        Just(FalhaGateway::Cortada),
        Just(FalhaGateway::Lenta(curto)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// Whatever the faults, the ledger never counts less than SERPRO billed, nor more than
    /// the calls that reached it; with no unknown outcome it counts exactly what was billed.
    #[test]
    fn the_ledger_never_undercounts_nor_counts_what_never_arrived(
        falhas in prop::collection::vec(falha(), 0..5),
        emitir in prop::collection::vec(any::<bool>(), 1..4),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (livro, bilhetadas, recebidas) = rt.block_on(async {
            let c = cenario(None, |cfg| cfg.timeout = Duration::from_millis(1_200));
            for f in &falhas {
                c.sim.injetar(*f);
            }
            for e in &emitir {
                let (tipo, p) = if *e {
                    (TipoServico::Emitir, emitir_das())
                } else {
                    (TipoServico::Consultar, consultar_declaracoes())
                };
                let _ = c.chamar(tipo, &p).await;
            }
            (
                c.total_no_livro(),
                c.sim.bilhetadas() as u64,
                c.sim.chamadas_recebidas() as u64,
            )
        });
        prop_assert!(livro >= bilhetadas, "livro {livro} < SERPRO {bilhetadas}");
        prop_assert!(livro <= recebidas, "livro {livro} > recebidas {recebidas}");
        let desconhecido = falhas.iter().any(|f| {
            matches!(f, FalhaGateway::Atrasada(_) | FalhaGateway::Cortada | FalhaGateway::Lenta(_))
        });
        if !desconhecido {
            prop_assert_eq!(livro, bilhetadas);
        }
    }
}
