//! Tokens shaped like the JWT the manual promises (header, claims, signature in base64url),
//! and the small generator behind them. Nothing ever verifies the signature: the simulator
//! looks tokens up in its own table, so they only need to be unique and look the part.

pub(super) use guiche_simulador::sorteio::Gerador;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The JOSE header every token carries.
const CABECALHO: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// A fresh JWT-shaped token for `cliente`: claims `sub`, `iat`, `exp` and a random `jti`.
pub(super) fn novo(gerador: &mut Gerador, cliente: &str, validade: Duration) -> String {
    let agora = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let jti: String = gerador
        .bytes(16)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let claims = serde_json::json!({
        "sub": cliente,
        "iat": agora,
        "exp": agora.saturating_add(validade.as_secs()),
        "jti": jti,
    });
    format!(
        "{}.{}.{}",
        base64url(CABECALHO.as_bytes()),
        base64url(claims.to_string().as_bytes()),
        base64url(&gerador.bytes(32))
    )
}

const ALFABETO: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding (RFC 4648 §5), as JWTs use.
fn base64url(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for bloco in bytes.chunks(3) {
        let byte = |i: usize| u32::from(bloco.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        // 1 byte makes 2 characters, 2 make 3, 3 make 4.
        for i in 0..=bloco.len() {
            let indice = (n >> (18 - 6 * i)) & 0x3F;
            let c = ALFABETO.get(indice as usize).copied().unwrap_or(b'A');
            s.push(char::from(c));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn base64url_follows_rfc_4648() {
        let casos = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (entrada, saida) in casos {
            assert_eq!(base64url(entrada.as_bytes()), saida);
        }
        assert_eq!(base64url(&[0xFB, 0xFF]), "-_8");
    }

    #[test]
    fn tokens_look_like_jwts_and_do_not_repeat() {
        let mut g = Gerador::novo();
        let mut vistos = HashSet::new();
        for _ in 0..500 {
            let t = novo(&mut g, "USUARIO", Duration::from_secs(3600));
            let partes: Vec<&str> = t.split('.').collect();
            assert_eq!(partes.len(), 3, "{t}");
            assert_eq!(partes[0], "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
            assert!(t.bytes().all(|b| ALFABETO.contains(&b) || b == b'.'));
            assert!(vistos.insert(t));
        }
    }
}
