//! A sequence's queue and turn ([`LivroNotas::fila`]) across handles (processes): one holder
//! at a time, two waiting processes alternate, a place left gives the door back, and a turn
//! is given back when its holder goes.

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use guiche_domain::Documento;
use guiche_ports::livro::{Fila, LivroNotas, Sequencia, Vez};

use crate::{Aberto, Caso, Motor};

/// The cases of this module.
pub const CASOS: &[Caso] = &[
    ("dois_na_fila_alternam", dois_na_fila_alternam),
    (
        "lugar_deixado_devolve_a_porta",
        lugar_deixado_devolve_a_porta,
    ),
    (
        "vez_de_um_livro_descartado_fica_livre",
        vez_de_um_livro_descartado_fica_livre,
    ),
    (
        "sequencias_tem_filas_proprias",
        sequencias_tem_filas_proprias,
    ),
    ("lugar_gasto_nao_da_outra_vez", lugar_gasto_nao_da_outra_vez),
];

fn seq(prefeitura: &str) -> Sequencia {
    Sequencia {
        prestador: Documento::parse("11222333000181").unwrap(),
        prefeitura: prefeitura.to_owned(),
    }
}

fn notas(a: &Aberto) -> Arc<dyn LivroNotas> {
    Arc::clone(&a.livro) as Arc<dyn LivroNotas>
}

fn outro(a: &Aberto) -> Arc<dyn LivroNotas> {
    (a.reabrir)() as Arc<dyn LivroNotas>
}

/// Asks `fila` for the turn until it answers, for at most `prazo`.
fn esperar_vez(fila: &mut dyn Fila, prazo: Duration) -> Option<Vez> {
    let inicio = Instant::now();
    loop {
        if let Some(v) = fila.tentar().unwrap() {
            return Some(v);
        }
        if inicio.elapsed() > prazo {
            return None;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Two handles queued on one sequence alternate: the one that just had a turn and wants
/// another waits for the one at the door.
pub fn dois_na_fila_alternam(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let (x, y) = (notas(&a), outro(&a));
    let s = seq("0044");
    let mut fa = x.fila(&s).unwrap();
    let vez_a = fa.tentar().unwrap().expect("livre");
    let mut fb = y.fila(&s).unwrap();
    assert!(fb.tentar().unwrap().is_none(), "ocupada por a");
    // Not even another place of the same handle gets it.
    assert!(x.fila(&s).unwrap().tentar().unwrap().is_none());
    drop(vez_a);
    // a wants another turn, but b holds the door: b goes first.
    let mut fa2 = x.fila(&s).unwrap();
    assert!(fa2.tentar().unwrap().is_none(), "b está na porta");
    let vez_b = fb.tentar().unwrap().expect("a vez de b");
    assert!(fa2.tentar().unwrap().is_none(), "b trabalha");
    drop(vez_b);
    assert!(fa2.tentar().unwrap().is_some(), "agora a");
}

/// A waiter that gives up (drops its place while at the door) lets the next one in.
pub fn lugar_deixado_devolve_a_porta(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let (x, y) = (notas(&a), outro(&a));
    let s = seq("0044");
    let mut fa = x.fila(&s).unwrap();
    let vez = fa.tentar().unwrap().unwrap();
    let mut fb = y.fila(&s).unwrap();
    assert!(fb.tentar().unwrap().is_none());
    drop(fb); // gave up waiting, holding the door
    drop(vez);
    let mut fc = outro(&a).fila(&s).unwrap();
    assert!(fc.tentar().unwrap().is_some());
}

/// A turn outlives the handle that took it (the work under way finishes), and once it goes —
/// with its handle's connections and files — another handle takes it.
pub fn vez_de_um_livro_descartado_fica_livre(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let s = seq("0044");
    let x = notas(&a);
    let (vez, fila_y, esperando) = {
        let y = outro(&a);
        let z = outro(&a);
        let mut fy = y.fila(&s).unwrap();
        let vez = fy.tentar().unwrap().expect("livre");
        // z waits at the door, then goes away entirely.
        let mut fz = z.fila(&s).unwrap();
        assert!(fz.tentar().unwrap().is_none());
        (vez, fy, (fz, z))
    }; // y's handle is dropped here; its turn is still held
    drop(esperando);
    let mut fx = x.fila(&s).unwrap();
    assert!(fx.tentar().unwrap().is_none(), "a vez segue com quem a tem");
    drop(vez);
    drop(fila_y);
    let vez = esperar_vez(&mut *fx, Duration::from_secs(5));
    assert!(vez.is_some(), "a vez de um livro que se foi fica livre");
}

/// Each sequence has its own queue.
pub fn sequencias_tem_filas_proprias(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let (x, y) = (notas(&a), outro(&a));
    let _vez = x.fila(&seq("0044")).unwrap().tentar().unwrap().unwrap();
    let outra = y.fila(&seq("44")).unwrap().tentar().unwrap();
    assert!(outra.is_some(), "0044 e 44 são sequências diferentes");
}

/// A place gives one turn: asked again after handing it out, it answers `None`, and the turn
/// it gave is released when dropped.
pub fn lugar_gasto_nao_da_outra_vez(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let x = notas(&a);
    let s = seq("0044");
    let mut f = x.fila(&s).unwrap();
    let vez = f.tentar().unwrap().unwrap();
    drop(vez);
    assert!(
        f.tentar().unwrap().is_none(),
        "este lugar já teve a sua vez"
    );
    assert!(outro(&a).fila(&s).unwrap().tentar().unwrap().is_some());
}
