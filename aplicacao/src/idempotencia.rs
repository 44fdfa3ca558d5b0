//! `Idempotency-Key`: the first answer to a key is kept in the ledger and replayed.
