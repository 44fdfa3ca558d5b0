//! `guiche ecac sync` against a PAGTOWEB that ignores the page offset: the paging stops with a
//! clear error after a bounded number of billed calls (it used to loop forever), and the ledger
//! counts exactly the calls the simulated SERPRO billed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

mod comum;

use comum::{CLIENTE, Cenario};
use guiche_domain::Documento;
use serde_json::{Value, json};

/// `n` payments of CLIENTE, one a day from 2026-01-01.
fn pagamentos(n: u64) -> Value {
    let itens: Vec<Value> = (1..=n)
        .map(|i| {
            let dia = guiche_domain::Data::new(2026, 1, 1)
                .unwrap()
                .mais_dias(i as i64 - 1)
                .unwrap();
            json!({
                "numeroDocumento": format!("{:017}", 7_202_600_000_000_000 + i),
                "dataArrecadacao": format!("{}T00:00:00-03:00", dia.iso()),
                "valorTotal": 10.5,
            })
        })
        .collect();
    Value::Array(itens)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_stops_when_pagtoweb_ignores_the_page_offset() {
    let c = Cenario::novo("ecac-paginacao");
    c.procuracao_do_cliente();
    c.sim
        .definir_pagamentos(Documento::parse(CLIENTE).unwrap(), pagamentos(150));
    c.sim.ignorar_deslocamento(true);
    let add = [
        "ecac",
        "company",
        "add",
        CLIENTE,
        "--acesso",
        "a1",
        "--ecac-desde",
        "2026-01-01",
    ];
    let (codigo, v) = c.guiche(&add, &[]).await;
    assert_eq!(codigo, 0, "{v}");
    let (codigo, v) = c.guiche(&["ecac", "sync"], &[]).await;
    assert_eq!(codigo, 3, "o servidor falhou; tentar mais tarde: {v}");
    let mensagem = v["empresas"][0]["erro"]["mensagem"].as_str().unwrap();
    assert!(
        mensagem.contains("paginação do PAGTOWEB interrompida")
            && mensagem.contains("repete a anterior"),
        "{v}"
    );
    assert_eq!(
        c.sim.chamadas_recebidas(),
        3,
        "primeira página, contagem, a página repetida"
    );
    let (codigo, v) = c.guiche(&["serpro", "usage"], &[]).await;
    assert_eq!(codigo, 0, "{v}");
    let no_livro: u64 = v["consumo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["chamadas"].as_u64().unwrap())
        .sum();
    assert_eq!(
        no_livro,
        c.sim.bilhetadas() as u64,
        "o livro concorda com o SERPRO: {v}"
    );
    assert_eq!(no_livro, 3, "{v}");
}
