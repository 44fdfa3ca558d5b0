//! API tokens on a real SQLite file: what only this engine can show. The ports' contract
//! (tokens by hash, revocation, idempotency keys, across processes) is run on every engine by
//! `contrato.rs` (`guiche_livro_contrato::acesso`, `::idempotencia`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::comum::arquivo;
use guiche_ports::acesso::{LivroAcesso, Papel};
use guiche_store::Livro;

const H1: &str = "1111111111111111111111111111111111111111111111111111111111111111";

#[test]
fn the_file_holds_the_hash_and_no_secret() {
    let caminho = arquivo("tokens");
    let l = Livro::abrir(&caminho).unwrap();
    l.criar_token("ana", Papel::Admin, H1).unwrap();
    drop(l);
    let texto = std::fs::read(&caminho).unwrap();
    let texto = String::from_utf8_lossy(&texto);
    assert!(texto.contains(H1), "the hash is stored");
    assert!(!texto.contains("gch_"), "no secret in the file");
}
