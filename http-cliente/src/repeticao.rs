//! The retry policy, as pure functions: what may be retried, how long to wait (exponential
//! backoff with jitter, a server's `Retry-After` hint), and when to stop.
//!
//! The adapters decide what a failure is ([`Repetivel`]: from [`crate::falha::Desfecho`] or
//! from the remote system's documented statuses) and whether their request is idempotent; this
//! module decides whether and when to try again.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest `Retry-After` hint honoured: a service that asks for more is not waited for (the
/// caller reports the failure instead of holding a request that long).
pub const MAX_DICA: Duration = Duration::from_secs(60);

/// How safe it is to send a failed request again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repetivel {
    /// It was not processed: never sent (connection refused), or the service said so (a
    /// documented "too many requests"). Any request may go again.
    Sempre,
    /// It may have been processed (timeout, reset, a 5xx): only an idempotent request may go
    /// again.
    SeIdempotente,
    /// Final: a refusal, a protocol error, a reply too big to read (the same would come again).
    Nunca,
}

impl From<crate::falha::Desfecho> for Repetivel {
    fn from(d: crate::falha::Desfecho) -> Repetivel {
        match d {
            crate::falha::Desfecho::NaoEnviado => Repetivel::Sempre,
            crate::falha::Desfecho::Desconhecido => Repetivel::SeIdempotente,
        }
    }
}

/// Whether a failure of kind `r` may be retried for a request that is (or not) `idempotente`.
pub fn pode_repetir(r: Repetivel, idempotente: bool) -> bool {
    match r {
        Repetivel::Sempre => true,
        Repetivel::SeIdempotente => idempotente,
        Repetivel::Nunca => false,
    }
}

/// The backoff before retry number `tentativa + 1`: `inicial × 2^tentativa` (the exponent capped
/// at 10), plus `sorteio`‰ of half of it (`sorteio` in `0..1000`, larger values wrap) so that
/// many clients retrying at once do not hit the service together. Never overflows.
pub fn espera(inicial: Duration, tentativa: u32, sorteio: u32) -> Duration {
    let base = inicial.saturating_mul(1 << tentativa.min(10));
    base.saturating_add(base.mul_f64(f64::from(sorteio % 1000) / 2000.0))
}

/// A jitter draw in `0..1000` from the clock's nanoseconds (no random generator needed: only
/// spread matters, not unpredictability).
pub fn sorteio() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
        % 1000
}

/// Attempts and backoff of one adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Politica {
    /// Attempts in all, the first included (0 is read as 1).
    pub tentativas: u32,
    /// First backoff; doubles at each retry, plus jitter.
    pub espera_inicial: Duration,
}

impl Default for Politica {
    /// 4 attempts, 200 ms first backoff.
    fn default() -> Politica {
        Politica {
            tentativas: 4,
            espera_inicial: Duration::from_millis(200),
        }
    }
}

impl Politica {
    /// Whether attempt number `tentativa` (0-based) was the last one allowed.
    pub fn esgotada(&self, tentativa: u32) -> bool {
        tentativa.saturating_add(1) >= self.tentativas.max(1)
    }

    /// After attempt number `tentativa` (0-based) failed with `r`: how long to wait before the
    /// next one, or `None` to stop (the failure is final, the request is not idempotent and may
    /// have been processed, no attempt is left, or the hint is past [`MAX_DICA`]). A `dica` (the
    /// server's `Retry-After`) is waited for when longer than the backoff.
    pub fn proxima(
        &self,
        tentativa: u32,
        r: Repetivel,
        idempotente: bool,
        dica: Option<Duration>,
        sorteio: u32,
    ) -> Option<Duration> {
        if !pode_repetir(r, idempotente) || self.esgotada(tentativa) {
            return None;
        }
        let recuo = espera(self.espera_inicial, tentativa, sorteio);
        match dica {
            Some(d) if d > MAX_DICA => None,
            Some(d) => Some(recuo.max(d)),
            None => Some(recuo),
        }
    }

    /// The backoff after attempt `tentativa` when another is allowed (the caller already
    /// decided the failure may be retried), with a fresh [`sorteio`].
    pub fn espera_apos(&self, tentativa: u32) -> Option<Duration> {
        self.proxima(tentativa, Repetivel::Sempre, true, None, sorteio())
    }
}

/// A `Retry-After` value (RFC 9110 §10.2.3): delay-seconds, or an IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`) read against `agora` (a date past is no wait).
/// `None` when it is neither.
pub fn retry_after(valor: &str, agora: SystemTime) -> Option<Duration> {
    let valor = valor.trim();
    if !valor.is_empty() && valor.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for u64: as long as it gets, which no policy waits for.
        return Some(Duration::from_secs(valor.parse().unwrap_or(u64::MAX)));
    }
    let quando = instante_http(valor)?;
    Some(quando.duration_since(agora).unwrap_or(Duration::ZERO))
}

/// An HTTP date (RFC 9110 §5.6.7's IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`, as in
/// `Retry-After`, `Expires`, `Date`); the seconds may be left out. `None` for anything else,
/// an impossible date (31 Feb) included.
pub fn instante_http(t: &str) -> Option<SystemTime> {
    const MESES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let p: Vec<&str> = t.split_whitespace().collect();
    let [_, dia, mes, ano, hora, "GMT"] = p[..] else {
        return None;
    };
    let mes = i64::try_from(MESES.iter().position(|m| *m == mes)? + 1).ok()?;
    let (dia, ano): (i64, i64) = (dia.parse().ok()?, ano.parse().ok()?);
    let mut h = hora.split(':').map(|x| x.parse::<i64>().ok());
    let (hh, mm) = (h.next()??, h.next()??);
    let ss = match h.next() {
        None => 0,
        Some(s) => s?,
    };
    if h.next().is_some()
        || !(1970..=9999).contains(&ano)
        || !(1..=dias_no_mes(ano, mes)).contains(&dia)
        || !(0..24).contains(&hh)
        || !(0..60).contains(&mm)
        || !(0..61).contains(&ss)
    {
        return None;
    }
    let segundos = dias_desde_epoca(ano, mes, dia) * 86_400 + hh * 3600 + mm * 60 + ss;
    UNIX_EPOCH.checked_add(Duration::from_secs(u64::try_from(segundos).ok()?))
}

/// Days in a month of the proleptic Gregorian calendar (0 for a month outside 1..=12).
fn dias_no_mes(ano: i64, mes: i64) -> i64 {
    match mes {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if ano % 4 == 0 && (ano % 100 != 0 || ano % 400 == 0) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn dias_desde_epoca(ano: i64, mes: i64, dia: i64) -> i64 {
    let a = if mes <= 2 { ano - 1 } else { ano };
    let era = a.div_euclid(400);
    let ano_da_era = a - era * 400;
    let m = if mes > 2 { mes - 3 } else { mes + 9 };
    let dia_do_ano = (153 * m + 2) / 5 + dia - 1;
    let dia_da_era = ano_da_era * 365 + ano_da_era / 4 - ano_da_era / 100 + dia_do_ano;
    era * 146_097 + dia_da_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MESES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];

    fn repetivel() -> impl Strategy<Value = Repetivel> {
        prop_oneof![
            Just(Repetivel::Sempre),
            Just(Repetivel::SeIdempotente),
            Just(Repetivel::Nunca)
        ]
    }

    #[test]
    fn backoff_doubles_with_bounded_jitter() {
        let b = Duration::from_millis(100);
        for n in 0..5 {
            let base = b * (1 << n);
            assert_eq!(espera(b, n, 0), base);
            assert_eq!(espera(b, n, 999), base + base.mul_f64(0.4995));
        }
        assert_eq!(espera(b, 40, 0), b * 1024);
        assert_eq!(espera(Duration::MAX, 3, 999), Duration::MAX);
    }

    #[test]
    fn what_may_be_retried() {
        assert!(pode_repetir(Repetivel::Sempre, false));
        assert!(pode_repetir(Repetivel::SeIdempotente, true));
        assert!(!pode_repetir(Repetivel::SeIdempotente, false));
        assert!(!pode_repetir(Repetivel::Nunca, true));
        assert_eq!(
            Repetivel::from(crate::falha::Desfecho::NaoEnviado),
            Repetivel::Sempre
        );
        assert_eq!(
            Repetivel::from(crate::falha::Desfecho::Desconhecido),
            Repetivel::SeIdempotente
        );
    }

    #[test]
    fn retry_after_as_seconds_or_a_date() {
        let agora = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(retry_after("120", agora), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(" 0 ", agora), Some(Duration::ZERO));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:50:07 GMT", agora),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:00:00 GMT", agora),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after("99999999999999999999999", agora),
            Some(Duration::from_secs(u64::MAX))
        );
        for ruim in [
            "",
            "-1",
            "1.5",
            "amanhã",
            "Sun, 06 Nov 1994 25:00:00 GMT",
            "Sun, 32 Nov 1994 08:00:00 GMT",
        ] {
            assert_eq!(retry_after(ruim, agora), None, "{ruim}");
        }
        assert_eq!(dias_desde_epoca(1970, 1, 1), 0);
        assert_eq!(dias_desde_epoca(2000, 3, 1), 11_017);
        let em =
            |t: &str| instante_http(t).map(|i| i.duration_since(UNIX_EPOCH).unwrap().as_secs());
        assert_eq!(em("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(em("Thu, 29 Feb 2024 00:00:00 GMT"), Some(1_709_164_800));
        assert_eq!(em("Sat, 15 Oct 2022 21:16 GMT"), Some(1_665_868_560));
        assert_eq!(em("Thu, 29 Feb 2023 00:00:00 GMT"), None);
        assert_eq!(em("Thu, 01 Jan 1970 00:00:xx GMT"), None);
    }

    #[test]
    fn a_long_hint_gives_up_a_short_one_is_waited_for() {
        let p = Politica::default();
        let d = |s| Some(Duration::from_secs(s));
        assert_eq!(p.proxima(0, Repetivel::Sempre, false, d(5), 0), d(5));
        assert_eq!(p.proxima(0, Repetivel::Sempre, false, d(61), 0), None);
        assert_eq!(
            p.proxima(0, Repetivel::Sempre, false, Some(Duration::ZERO), 0),
            Some(p.espera_inicial)
        );
    }

    proptest! {
        #[test]
        fn never_past_the_attempts_nor_blind_on_unknown_outcomes(
            tentativas in 0u32..8,
            tentativa in 0u32..12,
            r in repetivel(),
            idempotente: bool,
            inicial_ms in 0u64..10_000,
            dica_s in proptest::option::of(0u64..120),
            sorteio in any::<u32>(),
        ) {
            let p = Politica { tentativas, espera_inicial: Duration::from_millis(inicial_ms) };
            let dica = dica_s.map(Duration::from_secs);
            let proxima = p.proxima(tentativa, r, idempotente, dica, sorteio);
            if tentativa + 1 >= tentativas.max(1) || !pode_repetir(r, idempotente) {
                prop_assert_eq!(proxima, None);
            }
            if r == Repetivel::SeIdempotente && !idempotente {
                prop_assert_eq!(proxima, None);
            }
            if let Some(e) = proxima {
                let base = p.espera_inicial * (1 << tentativa.min(10));
                prop_assert!(e >= base);
                prop_assert!(e <= (base + base / 2).max(dica.unwrap_or_default()));
                if let Some(d) = dica {
                    prop_assert!(d <= MAX_DICA && e >= d);
                }
            } else if tentativa + 1 < tentativas.max(1) && pode_repetir(r, idempotente) {
                prop_assert!(dica.is_some_and(|d| d > MAX_DICA));
            }
        }

        #[test]
        fn the_backoff_grows_with_each_attempt(
            inicial_ms in 1u64..10_000,
            tentativa in 0u32..15,
            sorteio in 0u32..1000,
        ) {
            let i = Duration::from_millis(inicial_ms);
            prop_assert!(espera(i, tentativa + 1, sorteio) >= espera(i, tentativa, sorteio));
        }

        #[test]
        fn any_header_value_is_read_without_panicking(valor in ".{0,40}", agora in any::<u32>()) {
            let _ = retry_after(&valor, UNIX_EPOCH + Duration::from_secs(u64::from(agora)));
        }

        #[test]
        fn each_day_and_second_of_a_date_is_counted_once(
            ano in 1970i64..9999,
            mes in 1i64..=12,
            dia in 1i64..=31,
            hh in 0i64..24,
            mm in 0i64..60,
            ss in 0i64..60,
        ) {
            let texto = |a: i64, m: i64, d: i64| {
                format!("Xxx, {d:02} {} {a} {hh:02}:{mm:02}:{ss:02} GMT", MESES[usize::try_from(m - 1).unwrap()])
            };
            let lido = instante_http(&texto(ano, mes, dia));
            prop_assert_eq!(lido.is_some(), dia <= dias_no_mes(ano, mes));
            let Some(lido) = lido else { return Ok(()) };
            let segundos = lido.duration_since(UNIX_EPOCH).unwrap().as_secs();
            prop_assert_eq!(i64::try_from(segundos % 86_400).unwrap(), hh * 3600 + mm * 60 + ss);
            // The next day, across a month's or a year's end, is exactly one day later.
            let (a, m, d) = if dia < dias_no_mes(ano, mes) {
                (ano, mes, dia + 1)
            } else if mes < 12 {
                (ano, mes + 1, 1)
            } else {
                (ano + 1, 1, 1)
            };
            if let Some(seguinte) = instante_http(&texto(a, m, d)) {
                prop_assert_eq!(seguinte.duration_since(lido).unwrap(), Duration::from_secs(86_400));
            }
        }
    }
}
