//! (em construção)
