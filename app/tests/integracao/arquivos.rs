//! The files guichê writes hold CPFs, CNPJs, invoices and tax guides (LGPD): the ledger, the
//! PDFs and the exports are their owner's only (`0600`), and each is written whole or not at
//! all (no temporary file left beside it).
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::comum;

use comum::{CLIENTE, Cenario};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn modo(caminho: &Path) -> u32 {
    std::fs::metadata(caminho)
        .unwrap_or_else(|e| panic!("{}: {e}", caminho.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_pdfs_and_exports_are_private_and_written_whole() {
    let c = Cenario::novo("arquivos");
    c.procuracao_do_cliente();
    let saidas = c.dir.join("saidas");
    std::fs::create_dir(&saidas).unwrap();
    let sitfis = saidas.join("sitfis.pdf");
    let (codigo, v) = c
        .guiche(
            &[
                "serpro",
                "sitfis",
                "--contribuinte",
                CLIENTE,
                "--saida",
                sitfis.to_str().unwrap(),
            ],
            &[],
        )
        .await;
    assert_eq!(codigo, 0, "{v}");
    let csv = saidas.join("ocorrencias.csv");
    let xlsx = saidas.join("ocorrencias.xlsx");
    // An export an older guichê left world-readable becomes private when written again.
    std::fs::write(&xlsx, b"antigo").unwrap();
    std::fs::set_permissions(&xlsx, std::fs::Permissions::from_mode(0o644)).unwrap();
    for destino in [&csv, &xlsx] {
        let (codigo, v) = c
            .guiche(
                &["ecac", "occurrences", "--export", destino.to_str().unwrap()],
                &[],
            )
            .await;
        assert_eq!(codigo, 0, "{v}");
    }
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    for f in [&sitfis, &csv, &xlsx, &c.dir.join("livro.db")] {
        assert_eq!(modo(f), 0o600, "{}", f.display());
    }
    let mut nomes: Vec<_> = std::fs::read_dir(&saidas)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    nomes.sort();
    assert_eq!(
        nomes,
        ["ocorrencias.csv", "ocorrencias.xlsx", "sitfis.pdf"],
        "nenhum arquivo temporário deixado para trás"
    );
}
