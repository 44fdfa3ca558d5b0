//! CONAM packages copied from an old SQLite ledger (rows with an empty `servico`, from before
//! its migration 0006): adopted on PostgreSQL as on SQLite
//! (`guiche_livro_contrato::pacotes::pacotes_antigos_sao_adotados`).

use std::sync::Arc;

use crate::comum::executar;
use guiche_livro_contrato::Aberto;
use guiche_ports::LivroCompleto;
use guiche_postgres::{Livro, Opcoes, teste};

#[test]
fn packages_copied_from_before_urls_are_adopted_by_the_first_service_to_write() {
    let Some(url) = teste::banco_novo_ou_pular("pacotes antigos") else {
        return;
    };
    let abrir = {
        let url = url.clone();
        move || -> Arc<dyn LivroCompleto> {
            Arc::new(Livro::abrir(&url, &Opcoes::default()).unwrap())
        }
    };
    let a = Aberto {
        livro: abrir(),
        reabrir: Box::new(abrir),
    };
    executar(
        &url,
        "INSERT INTO pacotes (servico, id_pacote, entidade, documento, situacao, envios, criado_em) \
         VALUES ('', 1, '1', 'um', 'aprovado', 2, 1000), ('', 2, '1', 'dois', NULL, 1, 1001);",
    );
    guiche_livro_contrato::pacotes::pacotes_antigos_sao_adotados(&a);
}
