//! The ledger's contract (`guiche-livro-contrato`) on SQLite: a new ledger file per case.

use std::sync::Arc;

use guiche_livro_contrato::{Aberto, Motor, rodar};
use guiche_ports::LivroCompleto;
use guiche_store::Livro;

/// SQLite: a new file per ledger (a file, not memory: another handle must see it).
pub(crate) struct MotorSqlite;

impl Motor for MotorSqlite {
    fn novo(&self) -> Option<Aberto> {
        let caminho = crate::comum::arquivo("contrato");
        let abrir = move || -> Arc<dyn LivroCompleto> { Arc::new(Livro::abrir(&caminho).unwrap()) };
        Some(Aberto {
            livro: abrir(),
            reabrir: Box::new(abrir),
        })
    }
}

#[test]
fn basico() {
    rodar(&MotorSqlite, guiche_livro_contrato::basico::CASOS);
}

#[test]
fn notas() {
    rodar(&MotorSqlite, guiche_livro_contrato::notas::CASOS);
}

#[test]
fn fila() {
    rodar(&MotorSqlite, guiche_livro_contrato::fila::CASOS);
}

#[test]
fn pacotes() {
    rodar(&MotorSqlite, guiche_livro_contrato::pacotes::CASOS);
}

#[test]
fn bilhetagem() {
    rodar(&MotorSqlite, guiche_livro_contrato::bilhetagem::CASOS);
}

#[test]
fn acesso() {
    rodar(&MotorSqlite, guiche_livro_contrato::acesso::CASOS);
}

#[test]
fn idempotencia() {
    rodar(&MotorSqlite, guiche_livro_contrato::idempotencia::CASOS);
}

#[test]
fn ecac() {
    rodar(&MotorSqlite, guiche_livro_contrato::ecac::CASOS);
}

#[test]
fn trabalhos() {
    rodar(&MotorSqlite, guiche_livro_contrato::trabalhos::CASOS);
}

#[test]
fn usuarios() {
    rodar(&MotorSqlite, guiche_livro_contrato::usuarios::CASOS);
}

#[test]
fn retencao() {
    rodar(&MotorSqlite, guiche_livro_contrato::retencao::CASOS);
}
