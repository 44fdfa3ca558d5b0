//! # guiche-store
//!
//! The ledger: an embedded SQLite database (file from `GUICHE_DB`) that remembers every nota
//! number reserved and the exact payload sent, every package and its status, billed calls,
//! companies, guides, payments and occurrences, with versioned migrations and transactional
//! writes so that a crash loses nothing and nothing is sent twice.
//!
//! It is filled by the NFD issue onward; today it holds nothing else.
