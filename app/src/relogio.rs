//! The system clock, in Brasília.

use guiche_domain::Data;
use guiche_ports::Relogio;
use std::time::{SystemTime, UNIX_EPOCH};

/// Brasília is UTC−3 all year (no daylight saving time since 2019).
const FUSO_BRASILIA_SEGUNDOS: i64 = -3 * 3600;

/// Today's date from the system clock, in Brasília. `GUICHE_HOJE=DD/MM/AAAA` fixes it (for
/// tests and for validating "as of" a date).
pub(crate) struct RelogioSistema;

impl Relogio for RelogioSistema {
    fn hoje(&self) -> Data {
        hoje_fixo().unwrap_or_else(hoje_do_sistema)
    }
}

/// Today in Brasília by the system clock, whatever `GUICHE_HOJE` says: the bound of every date
/// written to the ledger (`GUICHE_HOJE` may move "today" for what is validated and shown, never
/// past the real day into what is kept).
pub(crate) fn hoje_do_sistema() -> Data {
    em_brasilia(SystemTime::now()).0
}

/// The date `GUICHE_HOJE` fixes, if any.
pub(crate) fn hoje_fixo() -> Option<Data> {
    crate::config::var("GUICHE_HOJE").and_then(|s| Data::parse_br(&s).ok())
}

/// An instant in Brasília: the date and the time of day (`hh:mm:ss`).
pub(crate) fn em_brasilia(instante: SystemTime) -> (Data, String) {
    let segundos = instante
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let local = segundos.saturating_add(FUSO_BRASILIA_SEGUNDOS);
    let resto = local.rem_euclid(86_400);
    let data = Data::from_dias_desde_epoca(local.div_euclid(86_400))
        .or_else(|| Data::new(1970, 1, 1).ok())
        .unwrap_or_else(|| unreachable!("01/01/1970 é uma data válida"));
    let hora = format!(
        "{:02}:{:02}:{:02}",
        resto / 3600,
        resto % 3600 / 60,
        resto % 60
    );
    (data, hora)
}
