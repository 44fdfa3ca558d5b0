//! The ledger's contract (`guiche-livro-contrato`) on PostgreSQL: a new database per case.

use std::sync::Arc;

use guiche_livro_contrato::{Aberto, Motor, rodar};
use guiche_ports::LivroCompleto;
use guiche_postgres::{Livro, Opcoes, teste};

/// PostgreSQL: a new database on the test server per ledger.
pub(crate) struct MotorPostgres;

impl Motor for MotorPostgres {
    fn novo(&self) -> Option<Aberto> {
        let url = teste::banco_novo_ou_pular("contrato do livro")?;
        let abrir = move || -> Arc<dyn LivroCompleto> {
            Arc::new(Livro::abrir(&url, &Opcoes::default()).unwrap())
        };
        Some(Aberto {
            livro: abrir(),
            reabrir: Box::new(abrir),
        })
    }
}

#[test]
fn basico() {
    rodar(&MotorPostgres, guiche_livro_contrato::basico::CASOS);
}

#[test]
fn notas() {
    rodar(&MotorPostgres, guiche_livro_contrato::notas::CASOS);
}

#[test]
fn fila() {
    rodar(&MotorPostgres, guiche_livro_contrato::fila::CASOS);
}

#[test]
fn pacotes() {
    rodar(&MotorPostgres, guiche_livro_contrato::pacotes::CASOS);
}

#[test]
fn bilhetagem() {
    rodar(&MotorPostgres, guiche_livro_contrato::bilhetagem::CASOS);
}

#[test]
fn acesso() {
    rodar(&MotorPostgres, guiche_livro_contrato::acesso::CASOS);
}

#[test]
fn idempotencia() {
    rodar(&MotorPostgres, guiche_livro_contrato::idempotencia::CASOS);
}

#[test]
fn ecac() {
    rodar(&MotorPostgres, guiche_livro_contrato::ecac::CASOS);
}

#[test]
fn trabalhos() {
    rodar(&MotorPostgres, guiche_livro_contrato::trabalhos::CASOS);
}

#[test]
fn usuarios() {
    rodar(&MotorPostgres, guiche_livro_contrato::usuarios::CASOS);
}

#[test]
fn retencao() {
    rodar(&MotorPostgres, guiche_livro_contrato::retencao::CASOS);
}
