//! Users and sessions ([`LivroUsuarios`](guiche_ports::usuarios::LivroUsuarios)): a login is
//! one user, failed logins lock it and a success clears them, a disabled user loses their
//! sessions; failed logins of several processes at once are all counted, and exactly one of
//! them locks the login.

use guiche_ports::acesso::Papel;
use guiche_ports::usuarios::{RegistroSessao, RegraBloqueio};

use crate::corrida::{ao_mesmo_tempo, processos};
use crate::{Caso, Motor};

/// The cases of this module.
pub const CASOS: &[Caso] = &[
    (
        "um_login_e_um_usuario_listado_e_desativado_uma_vez",
        um_login_e_um_usuario_listado_e_desativado_uma_vez,
    ),
    (
        "falhas_bloqueiam_e_um_acerto_as_limpa",
        falhas_bloqueiam_e_um_acerto_as_limpa,
    ),
    (
        "sessoes_sao_achadas_renovadas_e_encerradas",
        sessoes_sao_achadas_renovadas_e_encerradas,
    ),
    (
        "falhas_de_varios_processos_ao_mesmo_tempo_sao_todas_contadas",
        falhas_de_varios_processos_ao_mesmo_tempo_sao_todas_contadas,
    ),
    (
        "um_so_processo_bloqueia_o_login_na_corrida",
        um_so_processo_bloqueia_o_login_na_corrida,
    ),
];

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
const AGORA: i64 = 1_795_000_000;

/// Processes racing in these cases.
const PROCESSOS: usize = 4;

fn sessao(n: char, login: &str, expira_em: i64) -> RegistroSessao {
    RegistroSessao {
        hash: n.to_string().repeat(64),
        login: login.into(),
        csrf: format!("csrf-{n}"),
        criada_em: AGORA,
        expira_em,
        visto_em: AGORA,
    }
}

/// A user is created once per login (a second create of the login writes nothing), found from
/// another process, listed by login, and disabled once (again: the first instant stays).
pub fn um_login_e_um_usuario_listado_e_desativado_uma_vez(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = &a.livro;
    let bia = l
        .criar_usuario("bia", Papel::Operador, HASH, AGORA)
        .unwrap()
        .unwrap();
    assert_eq!(
        (bia.login.as_str(), bia.papel, bia.falhas, bia.bloqueado_ate),
        ("bia", Papel::Operador, 0, None)
    );
    assert_eq!(
        (bia.criado_em, bia.desativado_em, bia.hash.as_str()),
        (AGORA, None, HASH)
    );
    assert!(
        l.criar_usuario("bia", Papel::Admin, HASH, AGORA)
            .unwrap()
            .is_none(),
        "one login, one user"
    );
    l.criar_usuario("ana", Papel::Admin, HASH, AGORA)
        .unwrap()
        .unwrap();

    let l = (a.reabrir)();
    assert_eq!(l.usuario("bia").unwrap(), Some(bia.clone()));
    assert_eq!(l.usuario("carla").unwrap(), None);
    let logins: Vec<String> = l.usuarios().unwrap().into_iter().map(|u| u.login).collect();
    assert_eq!(logins, ["ana", "bia"]);

    l.criar_sessao(&sessao('a', "bia", AGORA + 100)).unwrap();
    let d = l.desativar_usuario("bia", AGORA + 5).unwrap().unwrap();
    assert_eq!(d.desativado_em, Some(AGORA + 5));
    assert_eq!(
        l.desativar_usuario("bia", AGORA + 9)
            .unwrap()
            .unwrap()
            .desativado_em,
        Some(AGORA + 5),
        "disabled once"
    );
    assert_eq!(
        l.sessao(&"a".repeat(64)).unwrap(),
        None,
        "a disabled user's sessions end"
    );
    assert_eq!(l.desativar_usuario("carla", AGORA).unwrap(), None);
}

/// The failure that reaches the limit locks the login until `agora + segundos` and starts the
/// count again; a success clears both; an unknown login counts nothing.
pub fn falhas_bloqueiam_e_um_acerto_as_limpa(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = &a.livro;
    l.criar_usuario("bia", Papel::Leitura, HASH, AGORA)
        .unwrap()
        .unwrap();
    let regra = RegraBloqueio {
        limite: 3,
        segundos: 900,
    };
    for n in 1..=2 {
        let u = l.registrar_falha("bia", regra, AGORA).unwrap().unwrap();
        assert_eq!((u.falhas, u.bloqueado_ate), (n, None));
    }
    let u = l.registrar_falha("bia", regra, AGORA + 7).unwrap().unwrap();
    assert_eq!((u.falhas, u.bloqueado_ate), (0, Some(AGORA + 907)));
    let l2 = (a.reabrir)();
    assert_eq!(
        l2.usuario("bia").unwrap().unwrap().bloqueado_ate,
        Some(AGORA + 907),
        "the lock is in the ledger, seen by every process"
    );
    l2.registrar_falha("bia", regra, AGORA + 8)
        .unwrap()
        .unwrap();
    l2.registrar_acerto("bia").unwrap();
    let u = l.usuario("bia").unwrap().unwrap();
    assert_eq!((u.falhas, u.bloqueado_ate), (0, None));
    assert_eq!(l.registrar_falha("ninguem", regra, AGORA).unwrap(), None);
}

/// A session is found by its hash from another process, renewed, ended once (logout), and
/// deleted once it expired; a session of an unknown login or a hash recorded twice is refused.
pub fn sessoes_sao_achadas_renovadas_e_encerradas(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = &a.livro;
    l.criar_usuario("bia", Papel::Admin, HASH, AGORA)
        .unwrap()
        .unwrap();
    let s1 = sessao('1', "bia", AGORA + 43_200);
    l.criar_sessao(&s1).unwrap();
    assert!(l.criar_sessao(&s1).is_err(), "one hash, one session");
    assert!(
        l.criar_sessao(&sessao('2', "ninguem", AGORA + 10)).is_err(),
        "a session belongs to a user"
    );
    l.criar_sessao(&sessao('3', "bia", AGORA + 10)).unwrap();

    let l2 = (a.reabrir)();
    assert_eq!(l2.sessao(&s1.hash).unwrap(), Some(s1.clone()));
    l2.renovar_sessao(&s1.hash, AGORA + 60, AGORA + 60 + 43_200)
        .unwrap();
    let r = l.sessao(&s1.hash).unwrap().unwrap();
    assert_eq!((r.visto_em, r.expira_em), (AGORA + 60, AGORA + 60 + 43_200));
    assert_eq!(r.csrf, "csrf-1");

    assert_eq!(l.apagar_sessoes_vencidas(AGORA + 11).unwrap(), 1);
    assert_eq!(l.sessao(&"3".repeat(64)).unwrap(), None);
    assert!(l.encerrar_sessao(&s1.hash).unwrap());
    assert!(!l2.encerrar_sessao(&s1.hash).unwrap(), "ended once");
    assert_eq!(l2.sessao(&s1.hash).unwrap(), None);
}

/// Several processes failing logins of one user at once: every failure is counted.
pub fn falhas_de_varios_processos_ao_mesmo_tempo_sao_todas_contadas(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    a.livro
        .criar_usuario("bia", Papel::Operador, HASH, AGORA)
        .unwrap()
        .unwrap();
    let regra = RegraBloqueio {
        limite: 1_000,
        segundos: 900,
    };
    const CADA: u32 = 5;
    let livros = processos(&a, PROCESSOS);
    ao_mesmo_tempo(&livros, |_, l| {
        for _ in 0..CADA {
            l.registrar_falha("bia", regra, AGORA).unwrap().unwrap();
        }
    });
    let u = a.livro.usuario("bia").unwrap().unwrap();
    assert_eq!(u.falhas, CADA * PROCESSOS as u32, "no failure lost");
    assert_eq!(u.bloqueado_ate, None);
}

/// As many processes as the limit, each failing once at the same instant: exactly one of them
/// sees the lock it set, and the count starts again.
pub fn um_so_processo_bloqueia_o_login_na_corrida(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    a.livro
        .criar_usuario("bia", Papel::Operador, HASH, AGORA)
        .unwrap()
        .unwrap();
    let regra = RegraBloqueio {
        limite: PROCESSOS as u32,
        segundos: 900,
    };
    let livros = processos(&a, PROCESSOS);
    let vistos = ao_mesmo_tempo(&livros, |_, l| {
        l.registrar_falha("bia", regra, AGORA).unwrap().unwrap()
    });
    let bloquearam = vistos.iter().filter(|u| u.bloqueado_ate.is_some()).count();
    assert_eq!(bloquearam, 1, "{vistos:?}");
    let u = a.livro.usuario("bia").unwrap().unwrap();
    assert_eq!((u.falhas, u.bloqueado_ate), (0, Some(AGORA + 900)));
}
