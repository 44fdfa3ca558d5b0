//! `guiche serve [--addr HOST:PORT]`: the HTTP API until SIGTERM or Ctrl-C. The first line on
//! stdout holds the base URL; logs go to stderr. On a stop signal it stops accepting, lets the
//! requests in flight finish and record their outcome, and exits 0. If some are still running
//! after `GUICHE_API_ENCERRAMENTO` (one deadline for all), it logs an error and exits 3 (an
//! outcome may be unknown), leaving those sends pending in the ledger.

use crate::erro::{Codigo, ErroApp};
use std::io::Write as _;

/// Runs the server.
pub(crate) async fn executar(addr: &str) -> Result<Codigo, ErroApp> {
    let config = crate::config::api()?;
    crate::http::iniciar_registro(&config)?;
    // Listening for the stop signals before anything starts (the cleaning, the URL line).
    let sinal_de_parada = crate::http::sinal_de_parada();
    let (estado, retencao) = crate::composicao::estado_api(&config)?;
    let andamento = estado.andamento.clone();
    let (parar_agenda, parada_agenda) = tokio::sync::watch::channel(false);
    let limpeza = super::livro::agendar_limpeza(retencao, parada_agenda.clone());
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
        sinal_de_parada.await;
        tracing::info!("sinal de parada: não aceito novos pedidos; espero os em andamento");
        let _ = parar_agenda.send(true);
        aviso.notify_one();
    };
    let servidor = axum::serve(ouvinte, crate::http::aplicacao(estado))
        .with_graceful_shutdown(sinal)
        .into_future();
    tokio::pin!(servidor);
    // Until the stop signal (the server ends by itself only on an accept error).
    let antes = tokio::select! {
        r = &mut servidor => Some(r),
        () = parada.notified() => None,
    };
    let limite = config.encerramento;
    let prazo = tokio::time::Instant::now() + limite;
    // One deadline for all: connections in flight, then the sends whose clients went away.
    let conexoes_fechadas = match antes {
        Some(r) => {
            r.map_err(|e| ErroApp::Configuracao(format!("servidor: {e}")))?;
            true
        }
        None => match tokio::time::timeout_at(prazo, &mut servidor).await {
            Ok(r) => {
                r.map_err(|e| ErroApp::Configuracao(format!("servidor: {e}")))?;
                true
            }
            Err(_) => false,
        },
    };
    let tarefas_terminadas = tokio::time::timeout_at(prazo, andamento.esperar())
        .await
        .is_ok();
    // The daily e-CAC sync stops; one in flight finishes first, within the same deadline. A
    // sync cut short wrote nothing (it fetches everything before writing), so it is a warning,
    // not an unknown outcome.
    if let Some(agenda) = agenda_ecac
        && tokio::time::timeout_at(prazo, agenda).await.is_err()
    {
        tracing::warn!(
            "a sincronização diária do e-CAC não terminou a tempo (GUICHE_API_ENCERRAMENTO); \
             nada dela foi gravado e a próxima a refaz"
        );
    }
    // The cleaning stops before its next batch; each batch is its own transaction.
    if tokio::time::timeout_at(prazo, limpeza).await.is_err() {
        tracing::warn!("a limpeza do livro não parou a tempo; o que ela apagou fica apagado");
    }
    if conexoes_fechadas && tarefas_terminadas {
        tracing::info!("servidor encerrado");
        return Ok(Codigo::Ok);
    }
    // What is still running is dropped with the runtime. Every send reserved its nota or
    // pacote in the ledger before the call, so its outcome is unknown, not lost: the next send
    // on that sequence (or `guiche nfd resolve`, `guiche conam status`) settles it, and its
    // Idempotency-Key stays "in progress" until GUICHE_API_IDEMPOTENCIA_ABANDONO.
    tracing::error!(
        conexoes_abertas = !conexoes_fechadas,
        tarefas_em_andamento = andamento.quantos(),
        segundos = limite.as_secs(),
        "tempo de encerramento esgotado (GUICHE_API_ENCERRAMENTO): pedidos interrompidos; \
         o resultado de um envio interrompido fica pendente no livro e é apurado no próximo \
         envio ou com guiche nfd resolve"
    );
    Ok(Codigo::Transporte)
}
