//! What every engine does before any port: open, reopen, say where it is.

use crate::{Caso, Motor};
use guiche_ports::livro::Sequencia;

/// The cases of this module.
pub const CASOS: &[Caso] = &[
    ("um_livro_novo_esta_vazio", um_livro_novo_esta_vazio),
    ("reabrir_ve_o_mesmo_livro", reabrir_ve_o_mesmo_livro),
];

fn sequencia() -> Sequencia {
    Sequencia {
        prestador: guiche_domain::Documento::parse("11.222.333/0001-81").unwrap(),
        prefeitura: "0044".to_owned(),
    }
}

/// A new ledger holds nothing.
pub fn um_livro_novo_esta_vazio(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = &a.livro;
    assert_eq!(l.ultima(&sequencia()).unwrap(), None);
    assert!(l.empresas().unwrap().is_empty());
    assert!(l.tokens().unwrap().is_empty());
    assert!(!l.local().is_empty());
}

/// A second handle (another process) sees what the first wrote, and both may open the ledger
/// at once (the schema is migrated once).
pub fn reabrir_ve_o_mesmo_livro(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let outros: Vec<_> = std::thread::scope(|s| {
        let h: Vec<_> = (0..3).map(|_| s.spawn(|| (a.reabrir)())).collect();
        h.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let hash = "a".repeat(64);
    let criado = a
        .livro
        .criar_token("ana", guiche_ports::acesso::Papel::Leitura, &hash)
        .unwrap();
    for outro in outros {
        let visto = outro
            .token_por_hash(&hash)
            .unwrap()
            .expect("visto pelo outro");
        assert_eq!(visto.id, criado.id);
    }
}
