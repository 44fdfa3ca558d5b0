//! The billing meter ([`MedidorBilhetagem`]): counts per contratante, service and window; the
//! ceiling is never passed, even by processes reserving at once, and every reservation that
//! succeeded is counted; a call given back is not.

use guiche_domain::Competencia;
use guiche_ports::LivroCompleto;
use guiche_ports::bilhetagem::{
    Bilhete, ChamadaRegistrada, ErroBilhetagem, Janela, MedidorBilhetagem,
};

use crate::corrida::{ao_mesmo_tempo, processos};
use crate::{Caso, Motor};

/// The cases of this module.
pub const CASOS: &[Caso] = &[
    (
        "conta_por_contratante_servico_e_mes",
        conta_por_contratante_servico_e_mes,
    ),
    (
        "o_teto_recusa_e_uma_devolucao_libera",
        o_teto_recusa_e_uma_devolucao_libera,
    ),
    (
        "processos_concorrentes_nunca_passam_o_teto",
        processos_concorrentes_nunca_passam_o_teto,
    ),
    (
        "devolucoes_concorrentes_sao_exatas",
        devolucoes_concorrentes_sao_exatas,
    ),
    (
        "cada_chamada_fica_registrada_com_etiqueta_e_status",
        cada_chamada_fica_registrada_com_etiqueta_e_status,
    ),
];

/// The ledger as a meter (its `reservar` is not the notas').
fn medidor(livro: &dyn LivroCompleto) -> &dyn MedidorBilhetagem {
    livro
}

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

/// Every call is counted per contratante, service and month; the count returned is the
/// contratante's month, all services together; listings are filtered and ordered.
pub fn conta_por_contratante_servico_e_mes(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = medidor(&*a.livro);
    let nov = mes(2026, 11);
    let reservar = |c, s, j| l.reservar(bilhete(c, s, j, None)).unwrap();
    assert_eq!(reservar("111", "PGDASD/GERARDAS12", nov), 1);
    assert_eq!(reservar("111", "PGDASD/GERARDAS12", nov), 2);
    assert_eq!(
        reservar("111", "PAGTOWEB/PAGAMENTOS71", nov),
        3,
        "o total do mês soma os serviços"
    );
    assert_eq!(reservar("222", "PGDASD/GERARDAS12", nov), 1);
    assert_eq!(
        reservar("111", "PGDASD/GERARDAS12", mes(2026, 12)),
        1,
        "mês novo, contagem nova"
    );
    assert_eq!(reservar("111", "conecta/cpf", Janela::Total), 1);
    let c = l.consumo(Some("111"), Some(nov)).unwrap();
    let resumo: Vec<(&str, u64)> = c.iter().map(|x| (x.servico.as_str(), x.chamadas)).collect();
    assert_eq!(
        resumo,
        [("PAGTOWEB/PAGAMENTOS71", 1), ("PGDASD/GERARDAS12", 2)]
    );
    let todos = l.consumo(None, None).unwrap();
    let ordem: Vec<(String, &str, &str)> = todos
        .iter()
        .map(|c| {
            (
                c.janela.to_string(),
                c.contratante.as_str(),
                c.servico.as_str(),
            )
        })
        .collect();
    let esperada = [
        ("202611", "111", "PAGTOWEB/PAGAMENTOS71"),
        ("202611", "111", "PGDASD/GERARDAS12"),
        ("202611", "222", "PGDASD/GERARDAS12"),
        ("202612", "111", "PGDASD/GERARDAS12"),
        ("total", "111", "conecta/cpf"),
    ]
    .map(|(j, c, s)| (j.to_owned(), c, s));
    assert_eq!(
        ordem, esperada,
        "ordered by window, contratante and service"
    );
    assert_eq!(
        l.consumo(Some("111"), Some(Janela::Total)).unwrap()[0].janela,
        Janela::Total
    );
}

/// The ceiling refuses the next call, naming the window; a call given back frees a place;
/// giving back a call never reserved counts nothing negative.
pub fn o_teto_recusa_e_uma_devolucao_libera(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = medidor(&*a.livro);
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
    assert!(
        l.consumo(None, None)
            .unwrap()
            .iter()
            .all(|c| c.servico != "PGDASD/GERARDAS12"),
        "a refused call is not counted"
    );
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

/// Processes (each its own handle) reserving at once under one ceiling: exactly the ceiling
/// is accepted, each accepted reservation got its own count (1 to the ceiling), and the
/// ledger's own record says the ceiling.
pub fn processos_concorrentes_nunca_passam_o_teto(motor: &dyn Motor) {
    const PROCESSOS: usize = 8;
    const TENTATIVAS: usize = 20;
    const TETO: u64 = 50;
    let Some(a) = motor.novo() else { return };
    let servicos = ["PGDASD/GERARDAS12", "SITFIS/SOLICITARPROTOCOLO91"];
    let mut contagens: Vec<u64> = ao_mesmo_tempo(&processos(&a, PROCESSOS), |i, l| {
        (0..TENTATIVAS)
            .filter_map(|_| {
                let b = bilhete("111", servicos[i % 2], Janela::Total, Some(TETO));
                match medidor(l).reservar(b) {
                    Ok(n) => Some(n),
                    Err(ErroBilhetagem::TetoAtingido { .. }) => None,
                    Err(e) => panic!("{e:?}"),
                }
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    contagens.sort_unstable();
    assert_eq!(
        contagens,
        (1..=TETO).collect::<Vec<_>>(),
        "exatamente o teto, cada reserva com sua contagem"
    );
    let total: u64 = a
        .livro
        .consumo(Some("111"), Some(Janela::Total))
        .unwrap()
        .iter()
        .map(|c| c.chamadas)
        .sum();
    assert_eq!(total, TETO);
}

/// Processes each reserving and giving back, at once, under a ceiling as high as their number:
/// no one is ever refused, and in the end nothing is counted.
pub fn devolucoes_concorrentes_sao_exatas(motor: &dyn Motor) {
    const PROCESSOS: usize = 4;
    let Some(a) = motor.novo() else { return };
    let nov = mes(2026, 11);
    ao_mesmo_tempo(&processos(&a, PROCESSOS), |_, l| {
        for _ in 0..10 {
            let b = bilhete("111", "PGDASD/GERARDAS12", nov, Some(PROCESSOS as u64));
            let n = medidor(l).reservar(b).unwrap();
            assert!((1..=PROCESSOS as u64).contains(&n), "{n}");
            l.devolver(b).unwrap();
        }
    });
    assert!(a.livro.consumo(None, None).unwrap().is_empty());
}

fn chamada(
    instante_ms: i64,
    contratante: &str,
    janela: Janela,
    etiqueta: &str,
    status: Option<u16>,
    bilhetada: bool,
) -> ChamadaRegistrada {
    ChamadaRegistrada {
        instante_ms,
        contratante: contratante.to_owned(),
        servico: "PGDASD/GERARDAS12".to_owned(),
        janela,
        etiqueta: etiqueta.to_owned(),
        status,
        bilhetada,
    }
}

/// Every request sent is kept as sent (instant, tag, status or an unknown outcome, billed or
/// not), apart from the counts (recording never counts), listed in the order sent and
/// filtered by contratante and window.
pub fn cada_chamada_fica_registrada_com_etiqueta_e_status(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = medidor(&*a.livro);
    let nov = mes(2026, 11);
    let dez = mes(2026, 12);
    let tag = "11222333000181-GERARDAS12";
    let feitas = [
        chamada(1_795_000_000_300, "111", nov, tag, Some(200), true),
        chamada(1_795_000_000_100, "111", nov, tag, Some(400), false),
        chamada(1_795_000_000_200, "111", nov, "emprego-x", None, true),
        chamada(1_797_000_000_000, "111", dez, tag, Some(200), true),
        chamada(1_795_000_000_150, "222", nov, tag, Some(204), false),
    ];
    for c in &feitas {
        l.registrar_chamada(c).unwrap();
    }
    assert_eq!(
        l.chamadas(Some("111"), Some(nov)).unwrap(),
        [feitas[1].clone(), feitas[2].clone(), feitas[0].clone()],
        "na ordem do envio, o desfecho desconhecido como None"
    );
    assert_eq!(l.chamadas(None, None).unwrap().len(), 5);
    assert_eq!(l.chamadas(None, Some(dez)).unwrap(), [feitas[3].clone()]);
    assert!(l.chamadas(Some("333"), None).unwrap().is_empty());
    assert!(
        l.consumo(None, None).unwrap().is_empty(),
        "registrar não conta: a contagem é a da reserva"
    );
}
