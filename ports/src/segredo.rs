//! [`Segredo`]: the one type for every secret guichê holds (passwords, client secrets).

use std::fmt;

/// A secret (a password, a client secret). `Debug` shows `Segredo(***)`, there is no
/// `Display`, and the text is overwritten in memory when dropped. Read it only where it is
/// sent, with [`Segredo::expor`].
///
/// ```
/// use guiche_ports::Segredo;
///
/// let s = Segredo::new("fiscalb");
/// assert_eq!(format!("{s:?}"), "Segredo(***)");
/// assert_eq!(s.expor(), "fiscalb");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Segredo(String);

impl Segredo {
    /// Wraps a secret.
    pub fn new(segredo: impl Into<String>) -> Segredo {
        Segredo(segredo.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expor(&self) -> &str {
        &self.0
    }
}

impl Drop for Segredo {
    /// Overwrites the secret in memory before it is freed.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl fmt::Debug for Segredo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Segredo(***)")
    }
}

impl From<&str> for Segredo {
    fn from(s: &str) -> Segredo {
        Segredo::new(s)
    }
}

impl From<String> for Segredo {
    fn from(s: String) -> Segredo {
        Segredo::new(s)
    }
}
