//! proptest strategies for the domain's types (feature `proptest`).

pub mod conam;
pub mod guia;
pub mod nfd;
pub mod nfse;
