//! `guiche serve [--addr HOST:PORT]`: the HTTP API until SIGTERM or Ctrl-C. The first line on
//! stdout holds the base URL; logs go to stderr. On a stop signal it stops accepting, lets the
//! requests in flight finish and record their outcome (up to `GUICHE_API_ENCERRAMENTO`), and
//! exits 0.

use crate::erro::{Codigo, ErroApp};
use std::io::Write as _;

/// Runs the server.
pub(crate) async fn executar(addr: &str) -> Result<Codigo, ErroApp> {
    let config = crate::config::api()?;
    crate::http::iniciar_registro(&config)?;
    let estado = crate::composicao::estado_api(&config)?;
    let andamento = estado.andamento.clone();
    let (parar_agenda, parada_agenda) = tokio::sync::watch::channel(false);
    let agenda_ecac = config.hora_sync_ecac.map(|hora| {
        let agenda = crate::composicao::agenda_ecac(estado.ecac.baixa.clone(), hora);
        crate::http::ecac::agendar(agenda, parada_agenda)
    });
    let ouvinte = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| ErroApp::Uso(format!("--addr {addr}: não foi possível escutar: {e}")))?;
    let local = ouvinte
        .local_addr()
        .map_err(|e| ErroApp::Uso(format!("--addr {addr}: {e}")))?;
    {
        let mut saida = std::io::stdout();
        let _ = writeln!(saida, "guiche servindo em http://{local}");
        let _ = saida.flush();
    }
    tracing::info!(
        endereco = %local,
        limite_corpo = config.limite_corpo,
        sync_ecac = ?config.hora_sync_ecac.map(|h| h.to_string()),
        "servidor no ar"
    );
    let parada = std::sync::Arc::new(tokio::sync::Notify::new());
    let aviso = parada.clone();
    let sinal = async move {
        crate::http::sinal_de_parada().await;
        tracing::info!("sinal de parada: não aceito novos pedidos; espero os em andamento");
        let _ = parar_agenda.send(true);
        aviso.notify_one();
    };
    let servidor = axum::serve(ouvinte, crate::http::aplicacao(estado))
        .with_graceful_shutdown(sinal)
        .into_future();
    let limite = config.encerramento;
    let prazo = async {
        parada.notified().await;
        tokio::time::sleep(limite).await;
    };
    let inicio_espera = tokio::select! {
        r = servidor => {
            r.map_err(|e| ErroApp::Configuracao(format!("servidor: {e}")))?;
            Some(tokio::time::Instant::now())
        }
        () = prazo => None,
    };
    // Connections are closed; sends whose clients went away may still be running.
    if inicio_espera.is_some() && andamento.quantos() > 0 {
        let _ = tokio::time::timeout(limite, andamento.esperar()).await;
    }
    // The daily e-CAC sync stops; one in flight finishes first.
    if let Some(agenda) = agenda_ecac
        && tokio::time::timeout(limite, agenda).await.is_err()
    {
        tracing::warn!("a sincronização diária do e-CAC não terminou a tempo");
    }
    if andamento.quantos() > 0 || inicio_espera.is_none() {
        tracing::warn!(
            em_andamento = andamento.quantos(),
            segundos = limite.as_secs(),
            "tempo de encerramento esgotado (GUICHE_API_ENCERRAMENTO)"
        );
    }
    tracing::info!("servidor encerrado");
    Ok(Codigo::Ok)
}
