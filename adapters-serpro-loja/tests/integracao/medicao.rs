//! Metering against the real ledger (SQLite in memory): each call reserved before it leaves,
//! given back for the unbilled statuses, kept for the billed ones and for an unknown outcome;
//! the shared monthly ceiling refuses before any request leaves.

use crate::comum::{Fixo, SECRET, config, contrato, etiqueta, simulador};
use guiche_domain::Competencia;
use guiche_domain::{Cpf, Data};
use guiche_loja::bilhetagem::{SERVICO_CPF, servico_cnpj};
use guiche_loja::simulador::{CpfSimulado, FalhaLoja};
use guiche_loja::wire::{CpfDto, caminhos};
use guiche_loja::{ClienteLoja, ErroLoja, Medicao};
use guiche_ports::bilhetagem::{Janela, MedidorBilhetagem};
use guiche_ports::consulta::NivelCnpj;
use guiche_store::Livro;
use std::sync::Arc;
use std::time::Duration;

const CONTRATANTE: &str = "34238864000168";

fn medicao(livro: &Arc<Livro>, teto: Option<u64>) -> Medicao {
    Medicao {
        medidor: livro.clone() as Arc<dyn MedidorBilhetagem>,
        contratante: CONTRATANTE.into(),
        teto_mensal: teto,
        relogio: Arc::new(Fixo(Data::new(2026, 11, 26).unwrap())),
    }
}

fn no_livro(livro: &Livro, servico: &str) -> u64 {
    livro
        .consumo(Some(CONTRATANTE), None)
        .unwrap()
        .iter()
        .filter(|c| c.servico == servico)
        .map(|c| c.chamadas)
        .sum()
}

fn consultas(sim: &guiche_loja::simulador::SimuladorLoja) -> usize {
    sim.chamadas()
        .iter()
        .filter(|c| c.caminho != caminhos::TOKEN)
        .count()
}

#[tokio::test]
async fn billed_statuses_are_kept_and_unbilled_ones_given_back() {
    let sim = simulador();
    let livro = Arc::new(Livro::em_memoria().unwrap());
    let c = ClienteLoja::new(config(&sim, contrato(SECRET)), Some(medicao(&livro, None))).unwrap();
    let menor = Cpf::parse("52998224725").unwrap();
    sim.definir_cpf(
        &menor,
        CpfSimulado {
            status: 422,
            dados: CpfDto::default(),
        },
    );
    let regular = Cpf::parse("40442820135").unwrap();
    let t = etiqueta("medicao");
    c.consultar_cpf(&regular, &t).await.unwrap(); // 200: billed
    c.consultar_cpf(&Cpf::parse("47856021985").unwrap(), &t)
        .await
        .unwrap_err(); // 404: billed
    c.consultar_cpf(&menor, &t).await.unwrap_err(); // 422: billed
    assert_eq!(no_livro(&livro, SERVICO_CPF), 3);
    for s in [400, 403, 500, 504] {
        sim.injetar(FalhaLoja::Status(s));
        c.consultar_cpf(&regular, &t).await.unwrap_err();
        assert_eq!(no_livro(&livro, SERVICO_CPF), 3, "HTTP {s} is not billed");
    }
    // A 401 then a 200 with a new token: one billed call.
    sim.expirar_tokens();
    c.consultar_cpf(&regular, &t).await.unwrap();
    assert_eq!(no_livro(&livro, SERVICO_CPF), 4);
    // 429 is undocumented: kept, on the safe side.
    sim.injetar(FalhaLoja::Status(429));
    c.consultar_cpf(&regular, &t).await.unwrap_err();
    assert_eq!(no_livro(&livro, SERVICO_CPF), 5);
    // CNPJ levels are counted apart, in the month of the clock.
    c.consultar_cnpj(
        &guiche_domain::Cnpj::parse(CONTRATANTE).unwrap(),
        NivelCnpj::Empresa,
        &t,
    )
    .await
    .unwrap();
    assert_eq!(no_livro(&livro, servico_cnpj(NivelCnpj::Empresa)), 1);
    let mes = livro
        .consumo(
            Some(CONTRATANTE),
            Some(Janela::Mes(Competencia::new(2026, 11).unwrap())),
        )
        .unwrap();
    assert_eq!(mes.iter().map(|c| c.chamadas).sum::<u64>(), 6);
    // Every request that left is in the record, the 401 before the new token too, with the
    // tag sent, its status and whether it was billed.
    let registro: Vec<(Option<u16>, bool)> = livro
        .chamadas(Some(CONTRATANTE), None)
        .unwrap()
        .iter()
        .map(|c| (c.status, c.bilhetada))
        .collect();
    assert_eq!(
        registro,
        [
            (Some(200), true),
            (Some(404), true),
            (Some(422), true),
            (Some(400), false),
            (Some(403), false),
            (Some(500), false),
            (Some(504), false),
            (Some(401), false),
            (Some(200), true),
            (Some(429), true),
            (Some(200), true),
        ]
    );
    let gravadas = livro.chamadas(None, None).unwrap();
    assert!(gravadas.iter().all(|c| c.etiqueta == t.as_str()));
    assert_eq!(gravadas[10].servico, servico_cnpj(NivelCnpj::Empresa));
    assert_eq!(
        gravadas.len(),
        consultas(&sim),
        "o registro do livro e o do simulador contam as mesmas requisições"
    );
}

#[tokio::test]
async fn an_unknown_outcome_stays_counted() {
    let sim = simulador();
    let livro = Arc::new(Livro::em_memoria().unwrap());
    let mut cfg = config(&sim, contrato(SECRET));
    cfg.timeout = Duration::from_millis(300);
    let c = ClienteLoja::new(cfg, Some(medicao(&livro, None))).unwrap();
    sim.injetar(FalhaLoja::Atrasada(Duration::from_millis(1500)));
    let e = c
        .consultar_cpf(&Cpf::parse("40442820135").unwrap(), &etiqueta("t"))
        .await
        .unwrap_err();
    assert!(matches!(e, ErroLoja::Desconhecido(_)), "{e}");
    assert_eq!(no_livro(&livro, SERVICO_CPF), 1);
    let registro = livro.chamadas(None, None).unwrap();
    assert_eq!(
        registro
            .iter()
            .map(|c| (c.status, c.bilhetada))
            .collect::<Vec<_>>(),
        [(None, true)],
        "desfecho desconhecido: sem status, contado"
    );
}

#[tokio::test]
async fn the_ceiling_refuses_before_any_request_leaves() {
    let sim = simulador();
    let livro = Arc::new(Livro::em_memoria().unwrap());
    let c = ClienteLoja::new(
        config(&sim, contrato(SECRET)),
        Some(medicao(&livro, Some(2))),
    )
    .unwrap();
    let cpf = Cpf::parse("40442820135").unwrap();
    c.consultar_cpf(&cpf, &etiqueta("t")).await.unwrap();
    c.consultar_cnpj(
        &guiche_domain::Cnpj::parse(CONTRATANTE).unwrap(),
        NivelCnpj::Basica,
        &etiqueta("t"),
    )
    .await
    .unwrap();
    assert_eq!(consultas(&sim), 2);
    let e = c.consultar_cpf(&cpf, &etiqueta("t")).await.unwrap_err();
    assert!(matches!(e, ErroLoja::Teto(_)), "{e}");
    assert!(e.to_string().contains("nada foi chamado"), "{e}");
    assert_eq!(
        consultas(&sim),
        2,
        "the refused call never reached the gateway"
    );
    assert_eq!(
        guiche_loja::erro_consulta(&e).tipo,
        guiche_ports::consulta::TipoErroConsulta::TetoAtingido
    );
    // A connection refused never left either: given back.
    let fechado = ClienteLoja::new(
        guiche_loja::ConfigLoja {
            url_base: "http://127.0.0.1:9".into(),
            ..config(&sim, guiche_loja::Credenciais::Trial)
        },
        Some(medicao(&Arc::new(Livro::em_memoria().unwrap()), Some(1))),
    )
    .unwrap();
    for _ in 0..2 {
        let e = fechado
            .consultar_cpf(&cpf, &etiqueta("t"))
            .await
            .unwrap_err();
        assert!(matches!(e, ErroLoja::NaoEnviado(_)), "{e}");
    }
    assert_eq!(
        livro.chamadas(None, None).unwrap().len(),
        2,
        "a chamada recusada pelo teto não saiu: fora do registro"
    );
}
