//! proptest strategies for the domain's types (feature `proptest`).

pub mod guia;
pub mod conam;
pub mod nfd;
