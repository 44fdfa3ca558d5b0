//! The blocking ports called from inside a task of another tokio runtime (as `guiche serve` and
//! the async commands call them): many calls in one task, each finishing.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use guiche_ports::acesso::LivroAcesso;
use guiche_ports::livro::{LivroNotas, Sequencia};
use guiche_postgres::{Livro, Opcoes, teste};

/// One task of the caller's runtime makes 300 calls that each take a pooled connection. Tokio
/// gives a task a budget of operations per poll; a call that waited inside the caller's task
/// spent that budget, which never came back while the thread waited, and the pool's semaphore
/// then answered "not now" forever: a busy loop (seen in the chaos test). Fails after 60 s
/// instead of hanging.
#[test]
fn calls_from_inside_a_tokio_task_never_spin() {
    let Some(url) = teste::banco_novo_ou_pular("ponte") else {
        return;
    };
    let livro = Arc::new(Livro::abrir(&url, &Opcoes::default()).unwrap());
    let seq = Sequencia {
        prestador: guiche_domain::Documento::parse("11.222.333/0001-81").unwrap(),
        prefeitura: "0044".into(),
    };
    let (feito, esperado) = mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            tokio::spawn(async move {
                for _ in 0..300 {
                    assert!(livro.tokens().unwrap().is_empty());
                    let mut fila = livro.fila(&seq).unwrap();
                    assert!(fila.tentar().unwrap().is_some());
                }
            })
            .await
            .unwrap();
        });
        feito.send(()).unwrap();
    });
    esperado
        .recv_timeout(Duration::from_secs(60))
        .expect("300 calls from one tokio task within 60 s");
}
