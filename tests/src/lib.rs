//! # guiche-tests
//!
//! End-to-end tests that cross crates: the architecture invariants (`tests/arquitetura.rs`)
//! today, and the whole flows against the simulators as the adapters arrive. Tests that drive
//! the `guiche` binary alone live beside it in `app/tests/`.
