//! The composition root: the one place that reads configuration ([`crate::config`]) and builds
//! the adapters, the ledger and the clock, and hands them as ports to the application services
//! of `guiche-aplicacao`. The CLI commands, the demo, the sandbox and `guiche serve` get their
//! services from here and nowhere else.

// ── NFD ────────────────────────────────────────────────────────────────────────────────────

// ── CONAM ──────────────────────────────────────────────────────────────────────────────────

// ── SERPRO Integra Contador, procurador, Conecta gov.br ───────────────────────────────────

// ── e-CAC ──────────────────────────────────────────────────────────────────────────────────

// ── API access and idempotency ────────────────────────────────────────────────────────────
