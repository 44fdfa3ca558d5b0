//! `Idempotency-Key`s
//! ([`LivroIdempotencia`](guiche_ports::idempotencia::LivroIdempotencia)): a key is held by one
//! request at a time, even when several processes ask for it at once; it keeps its first answer
//! and replays it to any process; it is freed on demand, and taken over once abandoned by
//! exactly one process.

use std::time::Duration;

use guiche_ports::idempotencia::{Reserva, RespostaGuardada};

use crate::corrida::{ao_mesmo_tempo, processos};
use crate::{Caso, Motor};

/// The cases of this module.
pub const CASOS: &[Caso] = &[
    (
        "uma_chave_roda_uma_vez_e_repete_a_resposta",
        uma_chave_roda_uma_vez_e_repete_a_resposta,
    ),
    (
        "uma_chave_liberada_ou_abandonada_roda_de_novo",
        uma_chave_liberada_ou_abandonada_roda_de_novo,
    ),
    (
        "processos_pedindo_uma_chave_so_um_roda",
        processos_pedindo_uma_chave_so_um_roda,
    ),
    (
        "uma_chave_concluida_repete_a_resposta_a_outro_processo",
        uma_chave_concluida_repete_a_resposta_a_outro_processo,
    ),
    (
        "so_um_processo_retoma_uma_chave_abandonada",
        so_um_processo_retoma_uma_chave_abandonada,
    ),
    (
        "uma_chave_tomada_e_liberada_sem_parar_tem_um_dono_por_vez",
        uma_chave_tomada_e_liberada_sem_parar_tem_um_dono_por_vez,
    ),
];

const H1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const H2: &str = "2222222222222222222222222222222222222222222222222222222222222222";
const HORA: Duration = Duration::from_secs(3600);

/// Processes racing in these cases.
const PROCESSOS: usize = 6;

fn resposta(status: u16, corpo: &str) -> RespostaGuardada {
    RespostaGuardada {
        status,
        tipo: "application/json".into(),
        corpo: corpo.as_bytes().to_vec(),
    }
}

/// The fingerprint of process `i`'s request.
fn impressao(i: usize) -> String {
    format!("{i:064}")
}

/// Every handle asks for key `chave` of scope 1 at once, each with its own fingerprint; the
/// reservations in handle order.
fn todos_pedem(
    livros: &[std::sync::Arc<dyn guiche_ports::LivroCompleto>],
    chave: &str,
    abandono: Duration,
) -> Vec<Reserva> {
    ao_mesmo_tempo(livros, |i, l| {
        l.reservar_chave(1, chave, &impressao(i), abandono).unwrap()
    })
}

/// Exactly one [`Reserva::Nova`] among `reservas`, every other one in progress under the
/// winner's fingerprint; returns the winner's index.
fn um_so_roda(reservas: &[Reserva]) -> usize {
    let novas: Vec<usize> = (0..reservas.len())
        .filter(|i| reservas[*i] == Reserva::Nova)
        .collect();
    assert_eq!(novas.len(), 1, "{reservas:?}");
    let vencedor = novas[0];
    for (i, r) in reservas.iter().enumerate().filter(|(i, _)| *i != vencedor) {
        assert_eq!(
            *r,
            Reserva::EmAndamento {
                impressao: impressao(vencedor)
            },
            "processo {i}"
        );
    }
    vencedor
}

/// A key runs once; while in progress any body waits and only the holder's fingerprint
/// concludes it; once concluded its first answer is replayed and kept (a later conclusion or
/// release changes nothing). Another scope (token) has its own keys.
pub fn uma_chave_roda_uma_vez_e_repete_a_resposta(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = &a.livro;
    assert_eq!(l.reservar_chave(1, "k", H1, HORA).unwrap(), Reserva::Nova);
    assert_eq!(
        l.reservar_chave(1, "k", H1, HORA).unwrap(),
        Reserva::EmAndamento {
            impressao: H1.into()
        }
    );
    assert_eq!(
        l.reservar_chave(1, "k", H2, HORA).unwrap(),
        Reserva::EmAndamento {
            impressao: H1.into()
        }
    );
    assert_eq!(l.reservar_chave(2, "k", H2, HORA).unwrap(), Reserva::Nova);
    l.concluir_chave(1, "k", H2, &resposta(500, "x")).unwrap();
    assert!(matches!(
        l.reservar_chave(1, "k", H1, HORA).unwrap(),
        Reserva::EmAndamento { .. }
    ));
    l.concluir_chave(1, "k", H1, &resposta(201, "{\"n\":1}"))
        .unwrap();
    let esperado = Reserva::Concluida {
        impressao: H1.into(),
        resposta: resposta(201, "{\"n\":1}"),
    };
    assert_eq!(l.reservar_chave(1, "k", H1, HORA).unwrap(), esperado);
    l.concluir_chave(1, "k", H1, &resposta(200, "outro"))
        .unwrap();
    l.liberar_chave(1, "k", H1).unwrap();
    assert_eq!(l.reservar_chave(1, "k", H2, HORA).unwrap(), esperado);
}

/// A key freed by its holder runs again (freeing by another fingerprint does nothing); a key
/// held longer than the grace period is taken over; a concluded key never is.
pub fn uma_chave_liberada_ou_abandonada_roda_de_novo(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = &a.livro;
    assert_eq!(l.reservar_chave(1, "k", H1, HORA).unwrap(), Reserva::Nova);
    l.liberar_chave(1, "k", H2).unwrap(); // not the holder: nothing happens
    assert!(matches!(
        l.reservar_chave(1, "k", H1, HORA).unwrap(),
        Reserva::EmAndamento { .. }
    ));
    l.liberar_chave(1, "k", H1).unwrap();
    assert_eq!(l.reservar_chave(1, "k", H2, HORA).unwrap(), Reserva::Nova);
    // Held since less than a second: with a grace period of zero it counts as abandoned only
    // once a second has passed.
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(
        l.reservar_chave(1, "k", H1, Duration::ZERO).unwrap(),
        Reserva::Nova
    );
    l.concluir_chave(1, "k", H1, &resposta(200, "{}")).unwrap();
    assert!(matches!(
        l.reservar_chave(1, "k", H1, Duration::ZERO).unwrap(),
        Reserva::Concluida { .. }
    ));
}

/// Processes asking for one new key at once: exactly one runs, the others see it in progress
/// under its fingerprint; then the holder's answer reaches them all.
pub fn processos_pedindo_uma_chave_so_um_roda(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livros = processos(&a, PROCESSOS);
    let vencedor = um_so_roda(&todos_pedem(&livros, "k", HORA));
    livros[vencedor]
        .concluir_chave(1, "k", &impressao(vencedor), &resposta(201, "ok"))
        .unwrap();
    let esperado = Reserva::Concluida {
        impressao: impressao(vencedor),
        resposta: resposta(201, "ok"),
    };
    assert!(
        todos_pedem(&livros, "k", HORA)
            .iter()
            .all(|r| *r == esperado)
    );
}

/// A key concluded by one process replays its stored answer, byte for byte, to another; a
/// conclusion by the other changes nothing.
pub fn uma_chave_concluida_repete_a_resposta_a_outro_processo(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let outro = (a.reabrir)();
    let corpo: Vec<u8> = (0..=255u8).chain(*b"{\"n\":1}").collect();
    let guardada = RespostaGuardada {
        status: 201,
        tipo: "application/json; charset=utf-8".into(),
        corpo,
    };
    assert_eq!(
        a.livro.reservar_chave(7, "pedido-1", H1, HORA).unwrap(),
        Reserva::Nova
    );
    assert!(matches!(
        outro.reservar_chave(7, "pedido-1", H1, HORA).unwrap(),
        Reserva::EmAndamento { .. }
    ));
    a.livro
        .concluir_chave(7, "pedido-1", H1, &guardada)
        .unwrap();
    outro
        .concluir_chave(7, "pedido-1", H1, &resposta(500, "depois"))
        .unwrap();
    let esperado = Reserva::Concluida {
        impressao: H1.into(),
        resposta: guardada,
    };
    assert_eq!(
        outro.reservar_chave(7, "pedido-1", H2, HORA).unwrap(),
        esperado
    );
    assert_eq!(
        outro
            .reservar_chave(7, "pedido-1", H1, Duration::ZERO)
            .unwrap(),
        esperado
    );
}

/// Keys abandoned by their holder (held for longer than the grace period), each asked for by
/// several processes at once: exactly one takes it over and runs, the others see it in progress
/// under the new holder's fingerprint; the old holder can no longer conclude it.
pub fn so_um_processo_retoma_uma_chave_abandonada(motor: &dyn Motor) {
    const CHAVES: [&str; 4] = ["k1", "k2", "k3", "k4"];
    let Some(a) = motor.novo() else { return };
    let antigo = "f".repeat(64);
    for chave in CHAVES {
        assert_eq!(
            a.livro.reservar_chave(1, chave, &antigo, HORA).unwrap(),
            Reserva::Nova
        );
    }
    let livros = processos(&a, PROCESSOS);
    // Three whole seconds old with a grace period of two: abandoned. Once taken over a key is
    // new again for at least two seconds: far longer than its race lasts, even on a loaded
    // machine.
    std::thread::sleep(Duration::from_millis(3100));
    for chave in CHAVES {
        let vencedor = um_so_roda(&todos_pedem(&livros, chave, Duration::from_secs(2)));
        a.livro
            .concluir_chave(1, chave, &antigo, &resposta(500, "tarde"))
            .unwrap();
        livros[vencedor]
            .concluir_chave(1, chave, &impressao(vencedor), &resposta(200, "novo"))
            .unwrap();
        assert_eq!(
            a.livro.reservar_chave(1, chave, H1, HORA).unwrap(),
            Reserva::Concluida {
                impressao: impressao(vencedor),
                resposta: resposta(200, "novo"),
            }
        );
    }
}

/// Processes taking one key and freeing it again, over and over, at once: whoever is told
/// [`Reserva::Nova`] holds the key alone until it frees it, no request fails, and the key ends
/// free.
pub fn uma_chave_tomada_e_liberada_sem_parar_tem_um_dono_por_vez(motor: &dyn Motor) {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let Some(a) = motor.novo() else { return };
    let ocupada = AtomicBool::new(false);
    let vezes = AtomicUsize::new(0);
    ao_mesmo_tempo(&processos(&a, PROCESSOS), |i, l| {
        for _ in 0..15 {
            match l.reservar_chave(1, "k", &impressao(i), HORA).unwrap() {
                Reserva::Nova => {
                    let antes = ocupada.swap(true, Ordering::SeqCst);
                    assert!(!antes, "dois donos da chave ao mesmo tempo");
                    vezes.fetch_add(1, Ordering::SeqCst);
                    ocupada.store(false, Ordering::SeqCst);
                    l.liberar_chave(1, "k", &impressao(i)).unwrap();
                }
                Reserva::EmAndamento { impressao: outra } => {
                    assert_ne!(outra, impressao(i), "its own key seen held by it");
                }
                Reserva::Concluida { .. } => panic!("ninguém concluiu a chave"),
            }
        }
    });
    assert!(vezes.load(Ordering::SeqCst) >= 1);
    assert_eq!(
        a.livro.reservar_chave(1, "k", H1, HORA).unwrap(),
        Reserva::Nova,
        "free in the end"
    );
}
