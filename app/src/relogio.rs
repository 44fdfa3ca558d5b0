//! The system clock, in Brasília.

use guiche_domain::Data;
use guiche_ports::Relogio;
use std::time::SystemTime;

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
    Data::em_brasilia(SystemTime::now()).0
}

/// The date `GUICHE_HOJE` fixes, if any.
pub(crate) fn hoje_fixo() -> Option<Data> {
    crate::config::var("GUICHE_HOJE").and_then(|s| Data::parse_br(&s).ok())
}
