//! proptest strategies for the domain's types (feature `proptest`).

pub mod guia;
