//! The daily e-CAC sync (`GUICHE_ECAC_SYNC_HORA`): once a day, at a time of day in Brasília,
//! the baixa of every company set to sync by itself ([`Baixa::sincronizar_empresas`] with no
//! company: an e-CAC start date and an A1 certificate or access code — never an A3 one, whose
//! payments arrive as an uploaded file). A company busy in another process or task is skipped
//! (its turn is in the ledger), a failed one does not stop the others.
//!
//! The timing is a pure function ([`proxima_execucao`]) over the clock ([`Agora`]), so it is
//! tested around midnight without waiting for one.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::ecac::baixa::{Baixa, ErroBaixa, Sincronizacao};

use guiche_domain::data::FUSO_BRASILIA_SEGUNDOS;

const DIA: i64 = 86_400;

/// The wall clock: now.
pub type Agora = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// A time of day in Brasília, to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HoraDoDia {
    segundos: u32,
}

impl HoraDoDia {
    /// `hora:minuto:segundo`, `None` outside 00:00:00–23:59:59.
    pub fn new(hora: u8, minuto: u8, segundo: u8) -> Option<HoraDoDia> {
        (hora < 24 && minuto < 60 && segundo < 60).then(|| HoraDoDia {
            segundos: u32::from(hora) * 3600 + u32::from(minuto) * 60 + u32::from(segundo),
        })
    }

    /// `HH:MM` or `HH:MM:SS` (two digits each), surrounding blanks ignored.
    pub fn parse(texto: &str) -> Option<HoraDoDia> {
        let partes: Vec<&str> = texto.trim().split(':').collect();
        if !(2..=3).contains(&partes.len())
            || partes
                .iter()
                .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        let n = |i: usize| partes.get(i).map_or(Some(0), |p| p.parse::<u8>().ok());
        HoraDoDia::new(n(0)?, n(1)?, n(2)?)
    }

    /// Seconds since midnight.
    pub fn segundos(self) -> u32 {
        self.segundos
    }
}

impl std::fmt::Display for HoraDoDia {
    /// `06:30`, or `06:30:15` when the seconds are not zero.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (h, m, s) = (
            self.segundos / 3600,
            self.segundos % 3600 / 60,
            self.segundos % 60,
        );
        if s == 0 {
            write!(f, "{h:02}:{m:02}")
        } else {
            write!(f, "{h:02}:{m:02}:{s:02}")
        }
    }
}

/// The first instant (Unix seconds) strictly after `depois_de` (Unix seconds) that is `hora`
/// in Brasília.
pub fn proxima_execucao(depois_de: i64, hora: HoraDoDia) -> i64 {
    let local = depois_de.saturating_add(FUSO_BRASILIA_SEGUNDOS);
    let meia_noite = local.div_euclid(DIA) * DIA;
    let mut alvo = meia_noite + i64::from(hora.segundos);
    if alvo <= local {
        alvo += DIA;
    }
    alvo - FUSO_BRASILIA_SEGUNDOS
}

/// Unix seconds of `t` (0 before the epoch).
fn segundos_unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// One scheduled run: when (Unix seconds) and how it went.
#[derive(Debug)]
pub struct Execucao {
    /// The instant it was scheduled for (Unix seconds).
    pub agendada_para: i64,
    /// Each company's outcome, or why the companies could not be read.
    pub resultado: Result<Sincronizacao, ErroBaixa>,
}

/// The daily sync: the baixa, the time of day and the clock. Cheap to clone.
#[derive(Clone)]
pub struct AgendaEcac {
    baixa: Baixa,
    hora: HoraDoDia,
    agora: Agora,
}

impl std::fmt::Debug for AgendaEcac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AgendaEcac({})", self.hora)
    }
}

impl AgendaEcac {
    /// The schedule of `baixa` at `hora` (Brasília), by the clock `agora`.
    pub fn new(baixa: Baixa, hora: HoraDoDia, agora: Agora) -> AgendaEcac {
        AgendaEcac { baixa, hora, agora }
    }

    /// The time of day it runs at.
    pub fn hora(&self) -> HoraDoDia {
        self.hora
    }

    /// The next run (Unix seconds) from now: now itself when this very second is `hora`.
    pub fn proxima(&self) -> i64 {
        proxima_execucao(segundos_unix((self.agora)()) - 1, self.hora)
    }

    /// Runs the sync every day at `hora` until `parada` completes, handing each run to
    /// `relatar`. `parada` is only awaited between runs: a run in flight always finishes (and
    /// is reported) before this returns.
    pub async fn rodar<P, R>(&self, parada: P, mut relatar: R)
    where
        P: Future<Output = ()> + Send,
        R: FnMut(Execucao) + Send,
    {
        let mut parada = std::pin::pin!(parada);
        let mut alvo = self.proxima();
        loop {
            let agora = (self.agora)();
            let falta = alvo - segundos_unix(agora);
            if falta > 0 {
                // Sleeps at most a minute at a time: a clock that jumps is noticed soon.
                let espera = Duration::from_secs(u64::try_from(falta.min(60)).unwrap_or(60));
                if tokio::time::timeout(espera, &mut parada).await.is_ok() {
                    return;
                }
                continue;
            }
            let resultado = self.baixa.sincronizar_empresas(None).await;
            relatar(Execucao {
                agendada_para: alvo,
                resultado,
            });
            alvo = proxima_execucao(alvo.max(segundos_unix((self.agora)())), self.hora);
            if tokio::time::timeout(Duration::ZERO, &mut parada)
                .await
                .is_ok()
            {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// Unix seconds of `AAAA-MM-DD hh:mm:ss` in Brasília.
    fn brasilia(data: &str, hora: &str) -> i64 {
        let d = guiche_domain::Data::parse_iso(data).unwrap();
        let h = HoraDoDia::parse(hora).unwrap();
        d.dias_desde_epoca() * DIA + i64::from(h.segundos()) - FUSO_BRASILIA_SEGUNDOS
    }

    #[test]
    fn the_time_of_day_is_hh_mm_or_hh_mm_ss() {
        assert_eq!(HoraDoDia::parse("06:30"), HoraDoDia::new(6, 30, 0));
        assert_eq!(HoraDoDia::parse(" 23:59:59 "), HoraDoDia::new(23, 59, 59));
        assert_eq!(HoraDoDia::parse("00:00").unwrap().segundos(), 0);
        for ruim in [
            "24:00", "6:30", "06:60", "06:30:60", "0630", "06:30:", "aa:bb", "", "+6:30", "06:3a",
        ] {
            assert_eq!(HoraDoDia::parse(ruim), None, "{ruim}");
        }
        assert_eq!(HoraDoDia::parse("06:30").unwrap().to_string(), "06:30");
        assert_eq!(
            HoraDoDia::parse("06:30:05").unwrap().to_string(),
            "06:30:05"
        );
    }

    #[test]
    fn the_next_run_is_today_s_if_still_ahead_otherwise_tomorrow_s() {
        let seis = HoraDoDia::parse("06:00").unwrap();
        let hoje = brasilia("2026-11-22", "06:00");
        assert_eq!(
            proxima_execucao(brasilia("2026-11-22", "05:59:59"), seis),
            hoje
        );
        assert_eq!(
            proxima_execucao(hoje, seis),
            brasilia("2026-11-23", "06:00"),
            "strictly after: the run just made is not made again"
        );
        assert_eq!(
            proxima_execucao(brasilia("2026-11-22", "18:00"), seis),
            brasilia("2026-11-23", "06:00")
        );
        // 06:00 in Brasília is 09:00 UTC.
        assert_eq!(hoje.rem_euclid(DIA), 9 * 3600);
    }

    #[test]
    fn around_midnight_in_brasilia_not_utc() {
        let meia_noite = HoraDoDia::parse("00:00").unwrap();
        // 23:30 in Brasília is already 02:30 UTC of the next day: midnight is 30 minutes away.
        assert_eq!(
            proxima_execucao(brasilia("2026-12-31", "23:30"), meia_noite),
            brasilia("2027-01-01", "00:00")
        );
        let tarde = HoraDoDia::parse("23:59:59").unwrap();
        assert_eq!(
            proxima_execucao(brasilia("2026-12-31", "23:59:59"), tarde),
            brasilia("2027-01-01", "23:59:59")
        );
        // 22:00 in Brasília (01:00 UTC next day), asked at 21:00 UTC: an hour later, same
        // Brasília day, though the UTC day changes in between.
        let dez = HoraDoDia::parse("22:00").unwrap();
        assert_eq!(
            proxima_execucao(brasilia("2026-02-28", "18:00"), dez),
            brasilia("2026-02-28", "22:00")
        );
        // No daylight saving time: the same UTC hour all year.
        let janeiro = proxima_execucao(brasilia("2026-01-10", "00:00"), dez);
        let julho = proxima_execucao(brasilia("2026-07-10", "00:00"), dez);
        assert_eq!(janeiro.rem_euclid(DIA), julho.rem_euclid(DIA));
        assert_eq!(janeiro.rem_euclid(DIA), 3600);
    }

    mod laco {
        use super::*;
        use crate::ecac::baixa::SincronizacaoEmpresa;
        use guiche_domain::conciliacao::Pagamento;
        use guiche_domain::{Cnpj, Data, Documento};
        use guiche_ports::Relogio;
        use guiche_ports::ecac::{Acesso, Empresa, ErroFonte, FontePagamentos, LivroEcac};
        use guiche_store::Livro;
        use std::sync::Mutex;
        use std::sync::atomic::{AtomicUsize, Ordering};

        /// A payment source that takes `espera` and counts who it was asked for.
        struct Fonte {
            espera: Duration,
            pedidos: Mutex<Vec<Documento>>,
        }

        #[async_trait::async_trait]
        impl FontePagamentos for Fonte {
            async fn pagamentos(
                &self,
                contribuinte: &Documento,
                _desde: Data,
                _ate: Data,
            ) -> Result<Vec<Pagamento>, ErroFonte> {
                self.pedidos.lock().unwrap().push(*contribuinte);
                tokio::time::sleep(self.espera).await;
                Ok(Vec::new())
            }
        }

        struct Fixo(Data);

        impl Relogio for Fixo {
            fn hoje(&self) -> Data {
                self.0
            }
        }

        const A1: &str = "11444777000161";

        /// The schedule at 06:00 over a ledger with an A1 and an A3 company, its clock starting
        /// at 2026-11-22 `inicio` (Brasília) and moving with tokio's (paused) time.
        fn agenda(inicio: &str, espera: Duration) -> (AgendaEcac, Arc<Fonte>) {
            let livro = Arc::new(Livro::em_memoria().unwrap());
            for (cnpj, acesso) in [
                (A1, Acesso::CertificadoA1),
                ("11222333000181", Acesso::CertificadoA3),
            ] {
                livro
                    .salvar_empresa(&Empresa {
                        cnpj: Cnpj::parse(cnpj).unwrap(),
                        nome: String::new(),
                        ecac_desde: Data::parse_iso("2026-01-01").ok(),
                        acesso,
                        certificado_procurador: false,
                    })
                    .unwrap();
            }
            let fonte = Arc::new(Fonte {
                espera,
                pedidos: Mutex::new(Vec::new()),
            });
            let dia = Data::parse_iso("2026-11-22").unwrap();
            let baixa = Baixa::new(
                livro as Arc<dyn LivroEcac>,
                fonte.clone(),
                Arc::new(Fixo(dia)),
                Arc::new(Fixo(dia)),
            );
            let base = brasilia("2026-11-22", inicio);
            let comeco = tokio::time::Instant::now();
            let agora: Agora = Arc::new(move || {
                UNIX_EPOCH + Duration::from_secs(u64::try_from(base).unwrap()) + comeco.elapsed()
            });
            (
                AgendaEcac::new(baixa, HoraDoDia::parse("06:00").unwrap(), agora),
                fonte,
            )
        }

        #[tokio::test(start_paused = true)]
        async fn it_runs_daily_at_its_time_and_never_fetches_an_a3_company() {
            let (agenda, fonte) = agenda("05:59:50", Duration::ZERO);
            let execucoes = Arc::new(AtomicUsize::new(0));
            let (parar, parada) = tokio::sync::oneshot::channel::<()>();
            let tarefa = tokio::spawn({
                let execucoes = execucoes.clone();
                async move {
                    agenda
                        .rodar(
                            async move {
                                let _ = parada.await;
                            },
                            move |x| {
                                let s = x.resultado.unwrap();
                                assert_eq!(s.empresas.len(), 1, "{s:?}");
                                assert!(matches!(s.empresas[0], SincronizacaoEmpresa::Feita(_)));
                                execucoes.fetch_add(1, Ordering::SeqCst);
                            },
                        )
                        .await;
                }
            });
            tokio::time::sleep(Duration::from_secs(5)).await;
            assert_eq!(execucoes.load(Ordering::SeqCst), 0, "not before 06:00");
            tokio::time::sleep(Duration::from_secs(10)).await;
            assert_eq!(execucoes.load(Ordering::SeqCst), 1, "at 06:00");
            tokio::time::sleep(Duration::from_secs(86_000)).await;
            assert_eq!(execucoes.load(Ordering::SeqCst), 1, "once a day");
            tokio::time::sleep(Duration::from_secs(400)).await;
            assert_eq!(execucoes.load(Ordering::SeqCst), 2, "the next day");
            let pedidos = fonte.pedidos.lock().unwrap().clone();
            assert_eq!(pedidos, [Documento::parse(A1).unwrap(); 2], "A3 never");
            parar.send(()).unwrap();
            tokio::time::timeout(Duration::from_secs(1), tarefa)
                .await
                .unwrap()
                .unwrap();
        }

        #[tokio::test(start_paused = true)]
        async fn a_stop_during_a_run_lets_it_finish_and_report() {
            let (agenda, fonte) = agenda("05:59:59", Duration::from_secs(30));
            let relatados = Arc::new(AtomicUsize::new(0));
            let (parar, parada) = tokio::sync::oneshot::channel::<()>();
            let tarefa = tokio::spawn({
                let relatados = relatados.clone();
                async move {
                    agenda
                        .rodar(
                            async move {
                                let _ = parada.await;
                            },
                            move |x| {
                                assert!(x.resultado.is_ok());
                                relatados.fetch_add(1, Ordering::SeqCst);
                            },
                        )
                        .await;
                }
            });
            tokio::time::sleep(Duration::from_secs(5)).await;
            assert_eq!(fonte.pedidos.lock().unwrap().len(), 1, "running");
            parar.send(()).unwrap();
            tokio::time::sleep(Duration::from_secs(1)).await;
            assert!(!tarefa.is_finished(), "the run in flight is not cut");
            tarefa.await.unwrap();
            assert_eq!(
                relatados.load(Ordering::SeqCst),
                1,
                "it finished and reported"
            );
            assert_eq!(fonte.pedidos.lock().unwrap().len(), 1);
        }
    }
}
