//! Races between processes: several handles on one ledger (each with its own connections and
//! locks) doing something at the same instant.

use std::sync::{Arc, Barrier};

use guiche_ports::LivroCompleto;

use crate::Aberto;

/// `n` more handles on `a`'s ledger: `n` processes.
pub(crate) fn processos(a: &Aberto, n: usize) -> Vec<Arc<dyn LivroCompleto>> {
    (0..n).map(|_| (a.reabrir)()).collect()
}

/// Runs `f(i, livro)` for every handle `i` on a thread of its own, all released at once; the
/// results in handle order. A panic in any thread fails the caller.
pub(crate) fn ao_mesmo_tempo<T: Send>(
    livros: &[Arc<dyn LivroCompleto>],
    f: impl Fn(usize, &dyn LivroCompleto) -> T + Sync,
) -> Vec<T> {
    let barreira = Barrier::new(livros.len());
    std::thread::scope(|s| {
        let h: Vec<_> = livros
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let (barreira, f) = (&barreira, &f);
                s.spawn(move || {
                    barreira.wait();
                    f(i, &**l)
                })
            })
            .collect();
        h.into_iter().map(|h| h.join().unwrap()).collect()
    })
}
