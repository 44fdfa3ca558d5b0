//! API tokens ([`LivroAcesso`](guiche_ports::acesso::LivroAcesso)): found by hash, listed,
//! revoked once; one hash is one token even when several processes create it at once, and a
//! revocation racing another keeps one instant.

use guiche_ports::acesso::Papel;
use guiche_ports::livro::ErroLivro;

use crate::corrida::{ao_mesmo_tempo, processos};
use crate::{Caso, Motor};

/// The cases of this module.
pub const CASOS: &[Caso] = &[
    (
        "tokens_sao_achados_listados_e_revogados_uma_vez",
        tokens_sao_achados_listados_e_revogados_uma_vez,
    ),
    (
        "um_hash_criado_por_varios_processos_e_um_token",
        um_hash_criado_por_varios_processos_e_um_token,
    ),
    (
        "revogacoes_concorrentes_guardam_um_instante",
        revogacoes_concorrentes_guardam_um_instante,
    ),
];

const H1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const H2: &str = "2222222222222222222222222222222222222222222222222222222222222222";

/// Processes racing in these cases.
const PROCESSOS: usize = 4;

/// A token is recorded by its hash with its role and creation instant, found by hash from
/// another process, revoked once (revoking again keeps the first instant), and listed by id.
pub fn tokens_sao_achados_listados_e_revogados_uma_vez(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = &a.livro;
    let ta = l.criar_token("ana", Papel::Admin, H1).unwrap();
    let tb = l.criar_token("erp", Papel::Leitura, H2).unwrap();
    assert_eq!(
        (ta.nome.as_str(), ta.papel, ta.revogado_em.as_deref()),
        ("ana", Papel::Admin, None)
    );
    assert!(
        ta.criado_em.ends_with('Z') && ta.criado_em.len() == 20,
        "{}",
        ta.criado_em
    );
    assert!(
        l.criar_token("outro", Papel::Admin, H1).is_err(),
        "one hash, one token"
    );

    let l = (a.reabrir)();
    assert_eq!(l.token_por_hash(H2).unwrap(), Some(tb.clone()));
    assert_eq!(l.token_por_hash(&"3".repeat(64)).unwrap(), None);
    let revogado = l.revogar_token(tb.id).unwrap();
    let quando = revogado.revogado_em.clone().unwrap();
    assert!(quando.ends_with('Z') && quando.len() == 20, "{quando}");
    assert_eq!(
        l.revogar_token(tb.id).unwrap().revogado_em,
        Some(quando),
        "revoked once"
    );
    assert_eq!(
        a.livro.token_por_hash(H2).unwrap().unwrap().revogado_em,
        revogado.revogado_em
    );
    assert!(matches!(
        l.revogar_token(99),
        Err(ErroLivro::NaoEncontrado(99))
    ));
    let todos = l.tokens().unwrap();
    assert_eq!(
        todos.iter().map(|t| t.id).collect::<Vec<_>>(),
        [ta.id, tb.id]
    );
    assert_eq!(todos[0].papel, Papel::Admin);
}

/// Several processes creating a token with one hash at once: exactly one succeeds, and the
/// ledger holds that one.
pub fn um_hash_criado_por_varios_processos_e_um_token(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let criados: Vec<_> = ao_mesmo_tempo(&processos(&a, PROCESSOS), |i, l| {
        l.criar_token(&format!("p{i}"), Papel::Operador, H1).ok()
    })
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(criados.len(), 1, "{criados:?}");
    assert_eq!(a.livro.tokens().unwrap(), criados);
    assert_eq!(
        a.livro.token_por_hash(H1).unwrap().as_ref(),
        criados.first()
    );
}

/// Several processes revoking one token at once all return it revoked at the same instant,
/// the one the ledger keeps.
pub fn revogacoes_concorrentes_guardam_um_instante(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let t = a.livro.criar_token("ana", Papel::Admin, H1).unwrap();
    let vistos = ao_mesmo_tempo(&processos(&a, PROCESSOS), |_, l| {
        l.revogar_token(t.id).unwrap().revogado_em
    });
    let guardado = a.livro.token_por_hash(H1).unwrap().unwrap().revogado_em;
    assert!(guardado.is_some());
    assert!(
        vistos.iter().all(|v| *v == guardado),
        "{vistos:?} ≠ {guardado:?}"
    );
}
