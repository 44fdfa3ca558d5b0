//! What the Integra Contador and Conecta clients share on the wire: no redirects, replies read
//! up to a cap, token lifetimes clamped.

use std::time::{Duration, Instant};

/// The longest a token is kept, whatever `expires_in` says (SERPRO's tokens last about an
/// hour, Conecta's two): a server that sends a huge value is not believed past a day.
pub const MAX_VALIDADE_TOKEN: Duration = Duration::from_secs(24 * 3600);

/// When to renew a token of `validade` obtained at `agora`: a tenth of its life (at most 60 s)
/// before it ends, the life clamped to [`MAX_VALIDADE_TOKEN`]. Never overflows.
pub(crate) fn renovar_em(agora: Instant, validade: Duration) -> Instant {
    let validade = validade.min(MAX_VALIDADE_TOKEN);
    let margem = (validade / 10).min(Duration::from_secs(60));
    agora.checked_add(validade - margem).unwrap_or(agora)
}

/// The clients are built with [`reqwest::redirect::Policy::none`]: a redirect (any 3xx but
/// `304 Not Modified`, which the services use for a cached answer) comes back as the answer.
/// Its description (status and `Location`) when `r` is one.
pub(crate) fn redirecionamento(r: &reqwest::Response) -> Option<String> {
    let status = r.status();
    if !status.is_redirection() || status == reqwest::StatusCode::NOT_MODIFIED {
        return None;
    }
    let destino = r
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(sem Location)");
    Some(format!(
        "HTTP {} redirecionando para {destino}; o guichê não segue redirecionamentos (as \
         credenciais e o pedido iriam a outro endereço): confira o endereço configurado",
        status.as_u16()
    ))
}

/// Why a reply's body was not read.
pub(crate) enum FalhaCorpo {
    /// The connection failed while reading.
    Http(reqwest::Error),
    /// The body is bigger than the cap (the message says so).
    Grande(String),
}

/// The body of `r`, at most `limite` bytes (UTF-8, invalid bytes replaced): a bigger one is
/// refused from its `Content-Length`, or as soon as the bytes read pass the cap.
pub(crate) async fn ler_corpo(
    mut r: reqwest::Response,
    limite: usize,
) -> Result<String, FalhaCorpo> {
    let grande = || {
        FalhaCorpo::Grande(format!(
            "a resposta passa de {} MiB e não foi lida",
            limite / (1024 * 1024)
        ))
    };
    if r.content_length().is_some_and(|n| n > limite as u64) {
        return Err(grande());
    }
    let mut corpo = Vec::new();
    while let Some(pedaco) = r.chunk().await.map_err(FalhaCorpo::Http)? {
        if corpo.len() + pedaco.len() > limite {
            return Err(grande());
        }
        corpo.extend_from_slice(&pedaco);
    }
    Ok(String::from_utf8_lossy(&corpo).into_owned())
}

/// `expires_in` as any JSON number, saturated into `0..=u64::MAX` (a fraction is cut): a
/// negative one is 0, one too big for `u64` (or `f64`) is `u64::MAX`.
pub(crate) fn segundos(n: &serde_json::Number) -> u64 {
    // `as` from a float saturates; beyond f64 (1e400) the sign decides.
    n.as_u64()
        .or_else(|| n.as_f64().map(|x| x as u64))
        .unwrap_or(if n.to_string().starts_with('-') {
            0
        } else {
            u64::MAX
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lifetimes_are_clamped_and_never_overflow() {
        let agora = Instant::now();
        let s = Duration::from_secs;
        assert_eq!(renovar_em(agora, s(3600)), agora + s(3540));
        assert_eq!(renovar_em(agora, s(100)), agora + s(90));
        assert_eq!(renovar_em(agora, Duration::ZERO), agora);
        assert_eq!(
            renovar_em(agora, Duration::MAX),
            agora + MAX_VALIDADE_TOKEN - s(60)
        );
    }

    #[test]
    fn any_json_number_is_read_as_seconds() {
        let n = |t: &str| segundos(&serde_json::from_str(t).unwrap());
        assert_eq!(n("3600"), 3600);
        assert_eq!(n("3600.9"), 3600);
        assert_eq!(n("-5"), 0);
        assert_eq!(n("-1e400"), 0);
        assert_eq!(n("18446744073709551615"), u64::MAX);
        assert_eq!(n("99999999999999999999999"), u64::MAX);
        assert_eq!(n("1e400"), u64::MAX);
    }
}
