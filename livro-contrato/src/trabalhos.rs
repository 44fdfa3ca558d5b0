//! Rounds of jobs shared by workers ([`guiche_ports::trabalhos::FilaTrabalhos`]): each job taken by one worker at a
//! time, across handles (processes); a lease that runs out lets another worker take the job
//! over; workers that start together share one round.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use guiche_ports::trabalhos::TENTATIVAS_MAX;

use crate::{Caso, Motor};

/// The cases of this module.
pub const CASOS: &[Caso] = &[
    (
        "cada_trabalho_e_pego_uma_vez_por_varios_processos",
        cada_trabalho_e_pego_uma_vez_por_varios_processos,
    ),
    (
        "quem_comeca_junto_divide_a_mesma_rodada",
        quem_comeca_junto_divide_a_mesma_rodada,
    ),
    (
        "um_prazo_vencido_passa_o_trabalho_adiante",
        um_prazo_vencido_passa_o_trabalho_adiante,
    ),
    (
        "o_batimento_segura_o_trabalho",
        o_batimento_segura_o_trabalho,
    ),
    (
        "um_trabalho_que_derruba_todos_fica_de_lado",
        um_trabalho_que_derruba_todos_fica_de_lado,
    ),
];

const LONGO: Duration = Duration::from_secs(60);

fn chaves(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{i:014}")).collect()
}

/// Four handles with two workers each take 40 jobs: every job taken and done exactly once;
/// the round is then closed and the next call opens a new one.
pub fn cada_trabalho_e_pego_uma_vez_por_varios_processos(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let todas = chaves(40);
    let rodada = a.livro.rodada("teste", &todas).unwrap();
    let feitos: Mutex<BTreeMap<String, usize>> = Mutex::default();
    let handles: Vec<_> = (0..4).map(|_| (a.reabrir)()).collect();
    std::thread::scope(|s| {
        for (h, livro) in handles.iter().enumerate() {
            for w in 0..2 {
                let feitos = &feitos;
                s.spawn(move || {
                    let eu = format!("p{h}t{w}");
                    while let Some(t) = livro.pegar(rodada, &eu, LONGO).unwrap() {
                        assert_eq!(t.tentativa, 1);
                        *feitos.lock().unwrap().entry(t.chave.clone()).or_default() += 1;
                        assert!(livro.concluir(&t, "feito").unwrap());
                    }
                });
            }
        }
    });
    let feitos = feitos.into_inner().unwrap();
    assert_eq!(feitos.keys().cloned().collect::<Vec<_>>(), todas);
    assert!(feitos.values().all(|n| *n == 1), "{feitos:?}");
    let andamento = a.livro.andamento(rodada).unwrap();
    assert_eq!((andamento.feitos, andamento.pendentes), (40, 0));
    assert_ne!(
        a.livro.rodada("teste", &todas).unwrap(),
        rodada,
        "nova rodada"
    );
}

/// Eight handles asking for the round at once get one round, with each key once.
pub fn quem_comeca_junto_divide_a_mesma_rodada(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let todas = chaves(5);
    let handles: Vec<_> = (0..8).map(|_| (a.reabrir)()).collect();
    let rodadas: Vec<i64> = std::thread::scope(|s| {
        let h: Vec<_> = handles
            .iter()
            .map(|l| s.spawn(|| l.rodada("teste", &todas).unwrap()))
            .collect();
        h.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(rodadas.windows(2).all(|w| w[0] == w[1]), "{rodadas:?}");
    let andamento = a.livro.andamento(rodadas[0]).unwrap();
    assert_eq!((andamento.feitos, andamento.pendentes), (0, 5));
    // Another type of work has its own round.
    assert_ne!(a.livro.rodada("outro", &todas).unwrap(), rodadas[0]);
}

/// A worker that stops renewing loses its job once the lease runs out: another takes it over
/// (second try), and the first can neither renew nor conclude it.
pub fn um_prazo_vencido_passa_o_trabalho_adiante(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let outro = (a.reabrir)();
    let rodada = a.livro.rodada("teste", &chaves(1)).unwrap();
    let primeiro = a
        .livro
        .pegar(rodada, "morto", Duration::from_secs(1))
        .unwrap()
        .unwrap();
    assert_eq!(
        outro.pegar(rodada, "vivo", LONGO).unwrap(),
        None,
        "ainda no prazo"
    );
    std::thread::sleep(Duration::from_millis(2_100));
    let segundo = outro
        .pegar(rodada, "vivo", LONGO)
        .unwrap()
        .expect("prazo vencido");
    assert_eq!(
        (segundo.chave.as_str(), segundo.tentativa),
        (primeiro.chave.as_str(), 2)
    );
    assert!(!a.livro.renovar(&primeiro, LONGO).unwrap());
    assert!(!a.livro.concluir(&primeiro, "feito").unwrap());
    assert!(outro.concluir(&segundo, "feito").unwrap());
    assert_eq!(a.livro.andamento(rodada).unwrap().feitos, 1);
}

/// A worker that renews its lease keeps the job past the first lease's end.
pub fn o_batimento_segura_o_trabalho(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let outro = (a.reabrir)();
    let rodada = a.livro.rodada("teste", &chaves(1)).unwrap();
    let t = a
        .livro
        .pegar(rodada, "vivo", Duration::from_secs(1))
        .unwrap()
        .unwrap();
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(700));
        assert!(a.livro.renovar(&t, Duration::from_secs(2)).unwrap());
        assert_eq!(outro.pegar(rodada, "outro", LONGO).unwrap(), None);
    }
    assert!(a.livro.concluir(&t, "feito").unwrap());
}

/// A job taken [`TENTATIVAS_MAX`] times (its worker died every time) is not taken again, and
/// the round no longer counts as open: the next call opens a new one.
pub fn um_trabalho_que_derruba_todos_fica_de_lado(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let rodada = a.livro.rodada("teste", &chaves(1)).unwrap();
    for tentativa in 1..=TENTATIVAS_MAX {
        let t = a
            .livro
            .pegar(rodada, "morre", Duration::from_secs(1))
            .unwrap();
        assert_eq!(t.map(|t| t.tentativa), Some(tentativa));
        // Leases are whole seconds of the database's clock: past it for sure.
        std::thread::sleep(Duration::from_millis(2_100));
    }
    assert_eq!(a.livro.pegar(rodada, "outro", LONGO).unwrap(), None);
    assert_ne!(a.livro.rodada("teste", &chaves(1)).unwrap(), rodada);
}
