//! What the PostgreSQL tests share: SQL run on a database outside the ledger (as a person, a
//! copy or another program would).

/// Runs `sql` on the database at `url` on a connection of its own; the error's text if it
/// fails.
pub(crate) fn sql(url: &str, sql: &str) -> Result<Vec<tokio_postgres::SimpleQueryMessage>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let (cliente, conexao) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .map_err(|e| e.to_string())?;
        let conexao = tokio::spawn(conexao);
        let feito = cliente.simple_query(sql).await.map_err(|e| e.to_string());
        drop(cliente);
        let _ = conexao.await;
        feito
    })
}

/// [`sql`], which must succeed.
pub(crate) fn executar(url: &str, comando: &str) {
    if let Err(e) = sql(url, comando) {
        panic!("{comando}: {e}");
    }
}
