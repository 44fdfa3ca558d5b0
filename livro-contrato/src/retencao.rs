//! Retention ([`guiche_ports::retencao::LivroRetencao`]): what expired or is old and finished
//! goes, in batches of at most `lote` rows; what may still be used stays — an unexpired
//! session, a key inside its window or still running, a round a worker could still work on.
//!
//! Keys and rounds age by the database's clock in whole seconds, so these cases wait a little
//! over three seconds and remove with a one-second window: a stored instant may be rounded up
//! by half a second (PostgreSQL's idempotency writes round, its defaults floor), and what is
//! then at least two whole seconds older is surely past the window.

use std::time::Duration;

use guiche_ports::acesso::Papel;
use guiche_ports::idempotencia::{Reserva, RespostaGuardada};
use guiche_ports::retencao::RodadasRemovidas;
use guiche_ports::trabalhos::Andamento;
use guiche_ports::usuarios::RegistroSessao;

use crate::{Caso, Motor};

/// The cases of this module.
pub const CASOS: &[Caso] = &[
    (
        "sessoes_vencidas_saem_em_lotes_e_as_validas_ficam",
        sessoes_vencidas_saem_em_lotes_e_as_validas_ficam,
    ),
    (
        "processos_limpando_juntos_apagam_cada_sessao_uma_vez",
        processos_limpando_juntos_apagam_cada_sessao_uma_vez,
    ),
    (
        "chaves_velhas_saem_as_recentes_e_em_andamento_ficam",
        chaves_velhas_saem_as_recentes_e_em_andamento_ficam,
    ),
    (
        "rodadas_velhas_e_encerradas_saem_com_os_trabalhos_e_as_abertas_ficam",
        rodadas_velhas_e_encerradas_saem_com_os_trabalhos_e_as_abertas_ficam,
    ),
];

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
const AGORA: i64 = 1_795_000_000;
const SEGUNDO: Duration = Duration::from_secs(1);
const HORA: Duration = Duration::from_secs(3_600);
/// Long enough that what was written before it is surely past [`SEGUNDO`] (see the module).
const ESPERA: Duration = Duration::from_millis(3_100);

fn sessao(n: char, expira_em: i64) -> RegistroSessao {
    RegistroSessao {
        hash: n.to_string().repeat(64),
        login: "bia".into(),
        csrf: format!("csrf-{n}"),
        criada_em: AGORA,
        expira_em,
        visto_em: AGORA,
    }
}

fn impressao(n: char) -> String {
    n.to_string().repeat(64)
}

fn resposta(corpo: &str) -> RespostaGuardada {
    RespostaGuardada {
        status: 201,
        tipo: "application/json".into(),
        corpo: corpo.as_bytes().to_vec(),
    }
}

/// Sessions expired before `agora` go one batch at a time (another process's handle sees them
/// gone); one expiring later stays and is still found.
pub fn sessoes_vencidas_saem_em_lotes_e_as_validas_ficam(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = &a.livro;
    l.criar_usuario("bia", Papel::Operador, HASH, AGORA)
        .unwrap()
        .unwrap();
    for n in ['1', '2'] {
        l.criar_sessao(&sessao(n, AGORA + 10)).unwrap();
    }
    let valida = sessao('3', AGORA + 100);
    l.criar_sessao(&valida).unwrap();

    let l2 = (a.reabrir)();
    assert_eq!(
        l.remover_sessoes_vencidas(AGORA + 11, 1).unwrap(),
        1,
        "one batch of one"
    );
    assert_eq!(l2.remover_sessoes_vencidas(AGORA + 11, 1).unwrap(), 1);
    assert_eq!(
        l.remover_sessoes_vencidas(AGORA + 11, 1_000).unwrap(),
        0,
        "none left"
    );
    assert_eq!(l2.sessao(&"1".repeat(64)).unwrap(), None);
    assert_eq!(l2.sessao(&"2".repeat(64)).unwrap(), None);
    assert_eq!(
        l2.sessao(&valida.hash).unwrap(),
        Some(valida.clone()),
        "unexpired stays"
    );
    assert_eq!(
        l.remover_sessoes_vencidas(AGORA + 100, 1_000).unwrap(),
        0,
        "a session expiring at the instant is not yet expired"
    );
    assert_eq!(l.remover_sessoes_vencidas(AGORA + 101, 1_000).unwrap(), 1);
}

/// Several processes cleaning one ledger at once (each `guiche serve` does, at start) remove
/// every expired session exactly once between them, in small batches, and nothing else.
pub fn processos_limpando_juntos_apagam_cada_sessao_uma_vez(motor: &dyn Motor) {
    const SESSOES: u64 = 120;
    let Some(a) = motor.novo() else { return };
    a.livro
        .criar_usuario("bia", Papel::Operador, HASH, AGORA)
        .unwrap()
        .unwrap();
    for i in 0..SESSOES {
        a.livro
            .criar_sessao(&RegistroSessao {
                hash: format!("{i:064}"),
                ..sessao('x', AGORA + 10)
            })
            .unwrap();
    }
    let valida = sessao('v', AGORA + 100);
    a.livro.criar_sessao(&valida).unwrap();
    let livros: Vec<_> = (0..4).map(|_| (a.reabrir)()).collect();
    let apagadas: u64 = std::thread::scope(|s| {
        let tarefas: Vec<_> = livros
            .iter()
            .map(|l| {
                s.spawn(move || {
                    let mut minhas = 0;
                    loop {
                        let n = l.remover_sessoes_vencidas(AGORA + 11, 7).unwrap();
                        minhas += n;
                        if n == 0 {
                            return minhas;
                        }
                    }
                })
            })
            .collect();
        tarefas.into_iter().map(|t| t.join().unwrap()).sum()
    });
    assert_eq!(apagadas, SESSOES, "each expired session counted once");
    assert_eq!(
        a.livro.remover_sessoes_vencidas(AGORA + 11, 1_000).unwrap(),
        0
    );
    assert_eq!(a.livro.sessao(&valida.hash).unwrap(), Some(valida));
}

/// A concluded key older than its window goes (the next request with it runs again); one
/// inside the window is replayed; one in progress stays until it is older than its own,
/// longer window.
pub fn chaves_velhas_saem_as_recentes_e_em_andamento_ficam(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = &a.livro;
    for chave in ["velha-1", "velha-2"] {
        assert_eq!(
            l.reservar_chave(1, chave, &impressao('a'), HORA).unwrap(),
            Reserva::Nova
        );
        l.concluir_chave(1, chave, &impressao('a'), &resposta(chave))
            .unwrap();
    }
    assert_eq!(
        l.reservar_chave(1, "rodando", &impressao('a'), HORA)
            .unwrap(),
        Reserva::Nova
    );
    std::thread::sleep(ESPERA);
    assert_eq!(
        l.reservar_chave(1, "nova", &impressao('a'), HORA).unwrap(),
        Reserva::Nova
    );
    l.concluir_chave(1, "nova", &impressao('a'), &resposta("nova"))
        .unwrap();

    let l2 = (a.reabrir)();
    assert_eq!(
        l2.remover_chaves_antigas(SEGUNDO, HORA, 1).unwrap(),
        1,
        "one batch of one"
    );
    assert_eq!(l.remover_chaves_antigas(SEGUNDO, HORA, 1_000).unwrap(), 1);
    assert_eq!(
        l.remover_chaves_antigas(SEGUNDO, HORA, 1_000).unwrap(),
        0,
        "none left"
    );
    assert_eq!(
        l.reservar_chave(1, "nova", &impressao('b'), HORA).unwrap(),
        Reserva::Concluida {
            impressao: impressao('a'),
            resposta: resposta("nova")
        },
        "inside the window the answer is replayed"
    );
    assert_eq!(
        l.reservar_chave(1, "rodando", &impressao('b'), HORA)
            .unwrap(),
        Reserva::EmAndamento {
            impressao: impressao('a')
        },
        "a key in progress is not removed by the window of concluded ones"
    );
    assert_eq!(
        l.reservar_chave(1, "velha-1", &impressao('b'), HORA)
            .unwrap(),
        Reserva::Nova,
        "a removed key runs again"
    );
    assert_eq!(
        l.remover_chaves_antigas(HORA, SEGUNDO, 1_000).unwrap(),
        1,
        "in progress past its own window"
    );
    assert_eq!(
        l2.reservar_chave(1, "rodando", &impressao('b'), HORA)
            .unwrap(),
        Reserva::Nova
    );
    assert_eq!(
        l2.reservar_chave(1, "velha-1", &impressao('c'), HORA)
            .unwrap(),
        Reserva::EmAndamento {
            impressao: impressao('b')
        },
        "a key reserved again is young"
    );
}

fn fazer_tudo(l: &dyn guiche_ports::LivroCompleto, rodada: i64) {
    while let Some(t) = l.pegar(rodada, "w", HORA).unwrap() {
        assert!(l.concluir(&t, "feito").unwrap());
    }
}

/// An old round whose jobs are all done goes with its jobs, a batch at a time (jobs first, the
/// round once it has none); an old round with a job waiting stays whole, and so does a young
/// finished one.
pub fn rodadas_velhas_e_encerradas_saem_com_os_trabalhos_e_as_abertas_ficam(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = &a.livro;
    let chaves = |n: usize| -> Vec<String> { (0..n).map(|i| format!("{i:014}")).collect() };
    let feita = l.rodada("feita", &chaves(3)).unwrap();
    fazer_tudo(l.as_ref(), feita);
    let aberta = l.rodada("aberta", &chaves(2)).unwrap();
    let tomada = l.pegar(aberta, "w", HORA).unwrap().unwrap();
    std::thread::sleep(ESPERA);
    let nova = l.rodada("nova", &chaves(1)).unwrap();
    fazer_tudo(l.as_ref(), nova);

    let l2 = (a.reabrir)();
    assert_eq!(
        l2.remover_rodadas_encerradas(SEGUNDO, 2).unwrap(),
        RodadasRemovidas {
            rodadas: 0,
            trabalhos: 2
        },
        "a batch of two jobs; the round keeps its third"
    );
    assert_eq!(
        l.remover_rodadas_encerradas(SEGUNDO, 2).unwrap(),
        RodadasRemovidas {
            rodadas: 1,
            trabalhos: 1
        }
    );
    assert_eq!(
        l.remover_rodadas_encerradas(SEGUNDO, 1_000).unwrap(),
        RodadasRemovidas::default(),
        "none left"
    );
    assert_eq!(l.andamento(feita).unwrap(), Andamento::default());
    assert_eq!(
        l2.andamento(aberta).unwrap(),
        Andamento {
            feitos: 0,
            pendentes: 2
        },
        "an open round stays whole"
    );
    assert!(l2.concluir(&tomada, "feito").unwrap(), "its job still runs");
    assert_eq!(
        l.andamento(nova).unwrap(),
        Andamento {
            feitos: 1,
            pendentes: 0
        },
        "a young round stays"
    );
    assert_eq!(
        l.rodada("aberta", &chaves(2)).unwrap(),
        aberta,
        "the open round is still the one workers share"
    );
}
