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
fn ecac() {
    rodar(&MotorPostgres, guiche_livro_contrato::ecac::CASOS);
}
