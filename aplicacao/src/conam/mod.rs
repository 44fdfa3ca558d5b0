//! CONAM public accounting: validate a pacote against Tables 1 and 2, send it exactly once,
//! follow it to approval or rejection, its status, the open period and revenues.

pub mod envio;
pub mod validacao;
