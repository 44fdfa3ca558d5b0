//! `guiche serpro usage` through the binary: what the billing meter recorded in the ledger.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

use guiche_domain::Competencia;
use guiche_ports::bilhetagem::{Bilhete, Janela, MedidorBilhetagem};
use guiche_store::Livro;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn livro() -> PathBuf {
    let p = crate::comum::pasta("uso").join("livro.db");
    let l = Livro::abrir(&p).unwrap();
    let nov = Janela::Mes(Competencia::new(2026, 11).unwrap());
    let dez = Janela::Mes(Competencia::new(2026, 12).unwrap());
    for (servico, janela) in [
        ("PGDASD/GERARDAS12", nov),
        ("PGDASD/GERARDAS12", nov),
        ("PAGTOWEB/PAGAMENTOS71", dez),
    ] {
        l.reservar(Bilhete {
            contratante: "11222333000181",
            servico,
            janela,
            teto: None,
        })
        .unwrap();
    }
    p
}

fn guiche(db: &PathBuf, args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_guiche"))
        .args(args)
        .env("GUICHE_DB", db)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout).unwrap() + &String::from_utf8_lossy(&o.stderr),
    )
}

#[test]
fn usage_lists_billed_calls_per_month_and_service() {
    let db = livro();
    let (codigo, saida) = guiche(
        &db,
        &[
            "serpro",
            "usage",
            "--json",
            "--mes",
            "202611",
            "--contratante",
            "11.222.333/0001-81",
        ],
    );
    assert_eq!(codigo, 0, "{saida}");
    let v: Value = serde_json::from_str(&saida).unwrap();
    assert_eq!(v["consumo"].as_array().unwrap().len(), 1);
    assert_eq!(
        (
            v["consumo"][0]["servico"].as_str(),
            v["consumo"][0]["chamadas"].as_u64()
        ),
        (Some("PGDASD/GERARDAS12"), Some(2))
    );
    let (codigo, saida) = guiche(&db, &["serpro", "usage"]);
    assert_eq!(codigo, 0);
    assert!(
        saida.contains("total: 3 chamada(s) bilhetada(s)"),
        "{saida}"
    );
    let (codigo, saida) = guiche(&db, &["serpro", "usage", "--mes", "2026-11"]);
    assert_eq!(codigo, 2, "{saida}");
    assert!(saida.contains("AAAAMM"), "{saida}");
}
