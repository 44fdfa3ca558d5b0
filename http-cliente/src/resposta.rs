//! Reading a reply: a redirect is refused, the body is read up to a cap.

/// A redirect the client did not follow (clients are built with redirects off, see
/// [`crate::construir`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirecionamento {
    /// The 3xx status.
    pub status: u16,
    /// The `Location` header, or `(sem Location)`.
    pub destino: String,
}

/// The redirect `r` is, if any: a 3xx status, except `304 Not Modified` when `exceto_304` (a
/// service that uses it for a cached answer).
pub fn redirecionamento(r: &reqwest::Response, exceto_304: bool) -> Option<Redirecionamento> {
    let status = r.status();
    if !status.is_redirection() || (exceto_304 && status == reqwest::StatusCode::NOT_MODIFIED) {
        return None;
    }
    let destino = r
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(sem Location)");
    Some(Redirecionamento {
        status: status.as_u16(),
        destino: destino.to_owned(),
    })
}

/// Why a reply's body was not read.
#[derive(Debug)]
pub enum FalhaCorpo {
    /// The connection failed while reading (classify it with [`crate::classificar`]).
    Http(reqwest::Error),
    /// The body is bigger than the cap: not read.
    Grande {
        /// The cap, in bytes.
        limite: usize,
    },
}

/// The body of `r`, at most `limite` bytes, as text (UTF-8, invalid bytes replaced): a bigger
/// one is refused from its `Content-Length`, or as soon as the bytes read pass the cap — never
/// an unbounded read.
///
/// # Errors
/// [`FalhaCorpo`].
pub async fn ler_corpo(mut r: reqwest::Response, limite: usize) -> Result<String, FalhaCorpo> {
    let grande = FalhaCorpo::Grande { limite };
    if r.content_length().is_some_and(|n| n > limite as u64) {
        return Err(grande);
    }
    // Within the cap, checked above.
    let previsto = r
        .content_length()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    let mut corpo = Vec::with_capacity(previsto);
    while let Some(pedaco) = r.chunk().await.map_err(FalhaCorpo::Http)? {
        if corpo.len() + pedaco.len() > limite {
            return Err(grande);
        }
        corpo.extend_from_slice(&pedaco);
    }
    Ok(String::from_utf8(corpo)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}
