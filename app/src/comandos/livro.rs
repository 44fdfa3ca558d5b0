//! `guiche livro migrar --para postgres://…`: the SQLite ledger copied into PostgreSQL.
//! `guiche livro limpar`: retention, what the ledger no longer needs removed (also run by
//! `guiche serve`, at start and hourly: [`agendar_limpeza`]).

use std::path::Path;

use crate::erro::{Codigo, ErroApp};
use guiche_aplicacao::livro::ErroMigracao;
use guiche_aplicacao::{Classificar, Natureza};

/// `guiche livro migrar --para URL [--de ARQUIVO]`.
pub(crate) fn migrar(para: &str, de: Option<&Path>, como_json: bool) -> Result<Codigo, ErroApp> {
    let migracao = crate::composicao::migracao(para, de)?;
    eprintln!(
        "copiando {} para {}; os outros guichês neste livro esperam até o fim…",
        migracao.origem.local(),
        migracao.destino.local()
    );
    let feito = migracao
        .migrar()
        .map_err(|e: ErroMigracao| match e.natureza() {
            Natureza::Pedido => ErroApp::Uso(e.to_string()),
            _ => ErroApp::Configuracao(e.to_string()),
        })?;
    if como_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&feito).unwrap_or_default()
        );
        return Ok(Codigo::Ok);
    }
    for t in &feito.tabelas {
        println!("{:<14} {:>9} linha(s)", t.tabela, t.linhas);
    }
    println!(
        "livro copiado para {} e conferido ({} nota(s) uma a uma); aponte GUICHE_DB para lá",
        feito.destino, feito.notas_conferidas
    );
    Ok(Codigo::Ok)
}

/// `guiche livro limpar`: removes what is due and says how many rows of each kind went.
pub(crate) fn limpar(como_json: bool) -> Result<Codigo, ErroApp> {
    let servico = crate::composicao::retencao()?;
    let feito = servico
        .limpar(crate::composicao::agora_unix())
        .map_err(|e| ErroApp::Configuracao(e.to_string()))?;
    if como_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&feito).unwrap_or_default()
        );
        return Ok(Codigo::Ok);
    }
    let janelas = servico.janelas();
    println!("{:<32} {:>7}", "sessões vencidas", feito.sessoes);
    println!(
        "{:<32} {:>7}",
        format!(
            "chaves de idempotência (> {} h)",
            janelas.chaves.as_secs() / 3_600
        ),
        feito.chaves_idempotencia
    );
    println!(
        "{:<32} {:>7}",
        format!("rodadas (> {} dias)", janelas.rodadas.as_secs() / 86_400),
        feito.rodadas
    );
    println!("{:<32} {:>7}", "trabalhos dessas rodadas", feito.trabalhos);
    println!("livro limpo: {} linha(s) apagada(s)", feito.total());
    Ok(Codigo::Ok)
}

/// How often `guiche serve` cleans the ledger after the first time, at start.
pub(crate) const INTERVALO_LIMPEZA: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// `guiche serve`'s cleaning: once now, then every [`INTERVALO_LIMPEZA`] (never two at once: the
/// next waits for the one running), until `parada` turns true (a cleaning in progress stops
/// before its next batch). A failure is logged and the next round tries again.
pub(crate) fn agendar_limpeza(
    servico: guiche_aplicacao::retencao::ServicoRetencao,
    mut parada: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut relogio = tokio::time::interval(INTERVALO_LIMPEZA);
        relogio.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = relogio.tick() => {}
                _ = parada.wait_for(|p| *p) => break,
            }
            let s = servico.clone();
            let olhar = parada.clone();
            let rodada = tokio::task::spawn_blocking(move || {
                s.limpar_ate(crate::composicao::agora_unix(), &|| *olhar.borrow())
            })
            .await;
            match rodada {
                Ok(Ok(feito)) => tracing::info!(
                    sessoes = feito.sessoes,
                    chaves_idempotencia = feito.chaves_idempotencia,
                    rodadas = feito.rodadas,
                    trabalhos = feito.trabalhos,
                    "limpeza do livro feita"
                ),
                Ok(Err(e)) => {
                    tracing::error!(erro = %e, "limpeza do livro falhou; tento de novo na próxima hora")
                }
                Err(e) => tracing::error!(erro = %e, "limpeza do livro interrompida"),
            }
        }
    })
}
