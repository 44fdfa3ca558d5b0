//! The billing meter: counts per contratante, service and window; the ceiling is never passed,
//! even by concurrent callers; a call given back is not counted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use guiche_domain::Competencia;
use guiche_ports::bilhetagem::{Bilhete, ErroBilhetagem, Janela, MedidorBilhetagem};
use guiche_store::Livro;
use std::sync::Arc;

fn mes(ano: u16, m: u8) -> Janela {
    Janela::Mes(Competencia::new(ano, m).unwrap())
}

fn bilhete<'a>(
    contratante: &'a str,
    servico: &'a str,
    janela: Janela,
    teto: Option<u64>,
) -> Bilhete<'a> {
    Bilhete {
        contratante,
        servico,
        janela,
        teto,
    }
}

#[test]
fn counts_per_contratante_service_and_month() {
    let l = Livro::em_memoria().unwrap();
    let nov = mes(2026, 11);
    assert_eq!(
        l.reservar(bilhete("111", "PGDASD/GERARDAS12", nov, None))
            .unwrap(),
        1
    );
    assert_eq!(
        l.reservar(bilhete("111", "PGDASD/GERARDAS12", nov, None))
            .unwrap(),
        2
    );
    assert_eq!(
        l.reservar(bilhete("111", "PAGTOWEB/PAGAMENTOS71", nov, None))
            .unwrap(),
        3,
        "o total do mês soma os serviços"
    );
    assert_eq!(
        l.reservar(bilhete("222", "PGDASD/GERARDAS12", nov, None))
            .unwrap(),
        1
    );
    assert_eq!(
        l.reservar(bilhete("111", "PGDASD/GERARDAS12", mes(2026, 12), None))
            .unwrap(),
        1,
        "mês novo, contagem nova"
    );
    let c = l.consumo(Some("111"), Some(nov)).unwrap();
    let resumo: Vec<(&str, u64)> = c.iter().map(|x| (x.servico.as_str(), x.chamadas)).collect();
    assert_eq!(
        resumo,
        [("PAGTOWEB/PAGAMENTOS71", 1), ("PGDASD/GERARDAS12", 2)]
    );
    assert_eq!(l.consumo(None, None).unwrap().len(), 4);
}

#[test]
fn the_ceiling_refuses_the_next_call_and_a_returned_call_frees_a_place() {
    let l = Livro::em_memoria().unwrap();
    let nov = mes(2026, 11);
    for _ in 0..3 {
        l.reservar(bilhete("111", "SITFIS/RELATORIOSITFIS92", nov, Some(3)))
            .unwrap();
    }
    let e = l
        .reservar(bilhete("111", "PGDASD/GERARDAS12", nov, Some(3)))
        .unwrap_err();
    assert!(
        matches!(e, ErroBilhetagem::TetoAtingido { teto: 3, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("202611"), "{e}");
    l.devolver(bilhete("111", "SITFIS/RELATORIOSITFIS92", nov, Some(3)))
        .unwrap();
    assert_eq!(
        l.reservar(bilhete("111", "PGDASD/GERARDAS12", nov, Some(3)))
            .unwrap(),
        3
    );
    l.devolver(bilhete("999", "x", nov, None)).unwrap();
    assert!(
        l.consumo(Some("999"), None).unwrap().is_empty(),
        "devolver sem reserva não conta negativo"
    );
}

#[test]
fn concurrent_callers_never_pass_the_ceiling() {
    let caminho = crate::comum::arquivo("bilhetagem");
    let livros = [
        Arc::new(Livro::abrir(&caminho).unwrap()),
        Arc::new(Livro::abrir(&caminho).unwrap()),
    ];
    let teto = 50;
    let aceitas: usize = std::thread::scope(|s| {
        let tarefas: Vec<_> = (0..8)
            .map(|i| {
                let l = livros[i % 2].clone();
                s.spawn(move || {
                    (0..20)
                        .filter(|_| {
                            l.reservar(bilhete(
                                "111",
                                "PGDASD/GERARDAS12",
                                Janela::Total,
                                Some(teto),
                            ))
                            .is_ok()
                        })
                        .count()
                })
            })
            .collect();
        tarefas.into_iter().map(|t| t.join().unwrap()).sum()
    });
    assert_eq!(aceitas as u64, teto, "exatamente o teto, nunca mais");
    assert_eq!(
        livros[0].consumo(None, Some(Janela::Total)).unwrap()[0].chamadas,
        teto
    );
}

#[test]
fn windows_read_back() {
    assert_eq!(Janela::ler("202611"), Some(mes(2026, 11)));
    assert_eq!(Janela::ler("total"), Some(Janela::Total));
    assert_eq!(Janela::ler("202613"), None);
    assert_eq!(mes(2026, 1).to_string(), "202601");
}
