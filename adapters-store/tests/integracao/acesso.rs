//! API tokens and idempotency keys on a real SQLite file: only hashes are kept, a revoked
//! token stays revoked, a key is held by one request at a time, kept with its first answer,
//! freed on demand, and taken over once abandoned.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::comum::arquivo;
use guiche_ports::acesso::{LivroAcesso, Papel};
use guiche_ports::idempotencia::{LivroIdempotencia, Reserva, RespostaGuardada};
use guiche_ports::livro::ErroLivro;
use guiche_store::Livro;
use std::time::Duration;

const H1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const H2: &str = "2222222222222222222222222222222222222222222222222222222222222222";
const HORA: Duration = Duration::from_secs(3600);

#[test]
fn tokens_are_found_by_hash_listed_and_revoked_once() {
    let caminho = arquivo("tokens");
    let l = Livro::abrir(&caminho).unwrap();
    let a = l.criar_token("ana", Papel::Admin, H1).unwrap();
    let b = l.criar_token("erp", Papel::Leitura, H2).unwrap();
    assert_eq!(
        (a.nome.as_str(), a.papel, a.revogado_em),
        ("ana", Papel::Admin, None)
    );
    assert!(
        a.criado_em.ends_with('Z') && a.criado_em.len() == 20,
        "{}",
        a.criado_em
    );
    assert!(
        l.criar_token("outro", Papel::Admin, H1).is_err(),
        "one hash, one token"
    );
    drop(l);

    let l = Livro::abrir(&caminho).unwrap();
    assert_eq!(l.token_por_hash(H2).unwrap(), Some(b.clone()));
    assert_eq!(l.token_por_hash(&"3".repeat(64)).unwrap(), None);
    let revogado = l.revogar_token(b.id).unwrap();
    let quando = revogado.revogado_em.clone().unwrap();
    assert_eq!(
        l.revogar_token(b.id).unwrap().revogado_em,
        Some(quando),
        "revoked once"
    );
    assert_eq!(
        l.token_por_hash(H2).unwrap().unwrap().revogado_em,
        revogado.revogado_em
    );
    assert!(matches!(
        l.revogar_token(99),
        Err(ErroLivro::NaoEncontrado(99))
    ));
    let todos = l.tokens().unwrap();
    assert_eq!(todos.iter().map(|t| t.id).collect::<Vec<_>>(), [a.id, b.id]);
    let texto = std::fs::read(&caminho).unwrap();
    assert!(
        !String::from_utf8_lossy(&texto).contains("gch_"),
        "no secret in the file"
    );
}

fn resposta(status: u16, corpo: &str) -> RespostaGuardada {
    RespostaGuardada {
        status,
        tipo: "application/json".into(),
        corpo: corpo.as_bytes().to_vec(),
    }
}

#[test]
fn a_key_runs_once_then_replays_its_first_answer() {
    let l = Livro::abrir(&arquivo("chave")).unwrap();
    assert_eq!(l.reservar_chave(1, "k", H1, HORA).unwrap(), Reserva::Nova);
    // In progress: the same or another body waits, another token has its own key.
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
    // Only the holder's fingerprint concludes it.
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
    // Kept: a later conclusion or release changes nothing, and another body sees the first.
    l.concluir_chave(1, "k", H1, &resposta(200, "outro"))
        .unwrap();
    l.liberar_chave(1, "k", H1).unwrap();
    assert_eq!(l.reservar_chave(1, "k", H2, HORA).unwrap(), esperado);
}

#[test]
fn a_freed_or_abandoned_key_runs_again() {
    let l = Livro::abrir(&arquivo("abandono")).unwrap();
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
