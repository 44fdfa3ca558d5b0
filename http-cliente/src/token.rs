//! The OAuth2 client-credentials token cache: one token request in flight however many callers
//! wait, the token renewed shortly before it expires. Generic over how a token is fetched (each
//! remote system asks for it its own way) and over what a token is.

use std::fmt;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// The longest a token is kept, whatever `expires_in` says (the services' tokens last one or
/// two hours): a server that sends a huge value is not believed past a day.
pub const MAX_VALIDADE_TOKEN: Duration = Duration::from_secs(24 * 3600);

/// When to renew a token of `validade` obtained at `agora`: a tenth of its life (at most 60 s)
/// before it ends, the life clamped to [`MAX_VALIDADE_TOKEN`]. Never overflows.
pub fn renovar_em(agora: Instant, validade: Duration) -> Instant {
    let validade = validade.min(MAX_VALIDADE_TOKEN);
    let margem = (validade / 10).min(Duration::from_secs(60));
    agora.checked_add(validade - margem).unwrap_or(agora)
}

/// A token reply's `expires_in` as any JSON number, saturated into `0..=u64::MAX` (a fraction is
/// cut): a negative one is 0, one too big for `u64` (or `f64`: `1e400`) is `u64::MAX`. The cache
/// clamps the lifetime it uses ([`renovar_em`]).
pub fn segundos(n: &serde_json::Number) -> u64 {
    // `as` from a float saturates; beyond f64 the sign decides.
    n.as_u64()
        .or_else(|| n.as_f64().map(|x| x as u64))
        .unwrap_or(if n.to_string().starts_with('-') {
            0
        } else {
            u64::MAX
        })
}

/// `#[serde(deserialize_with = "guiche_http::token::expires_in")]`: [`segundos`] of a required
/// (or defaulted) `expires_in`.
///
/// # Errors
/// When the value is not a JSON number.
pub fn expires_in<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    <serde_json::Number as serde::Deserialize>::deserialize(d).map(|n| segundos(&n))
}

/// `#[serde(default, deserialize_with = "guiche_http::token::expires_in_opcional")]`:
/// [`segundos`] of an optional `expires_in` (`null` is `None`).
///
/// # Errors
/// When the value is neither a JSON number nor `null`.
pub fn expires_in_opcional<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<u64>, D::Error> {
    <Option<serde_json::Number> as serde::Deserialize>::deserialize(d)
        .map(|n| n.as_ref().map(segundos))
}

struct Guardado<T> {
    valor: T,
    renovar_em: Instant,
}

/// A cached token of type `T` (a bearer string, or several values the calls need).
///
/// The cache is an async mutex held across the token request: callers that find no valid token
/// wait for the one request in flight instead of sending their own.
pub struct CacheToken<T> {
    atual: Mutex<Option<Guardado<T>>>,
}

impl<T> Default for CacheToken<T> {
    fn default() -> Self {
        CacheToken {
            atual: Mutex::new(None),
        }
    }
}

impl<T> fmt::Debug for CacheToken<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CacheToken(***)")
    }
}

impl<T: Clone> CacheToken<T> {
    /// An empty cache.
    pub fn new() -> CacheToken<T> {
        CacheToken::default()
    }

    /// The cached token while it is not due for renewal; else the one `buscar` fetches (it
    /// returns the token and its lifetime), kept until [`renovar_em`].
    ///
    /// # Errors
    /// `buscar`'s error; nothing is cached then.
    pub async fn obter<E, F, Fut>(&self, buscar: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(T, Duration), E>>,
    {
        let mut guarda = self.atual.lock().await;
        if let Some(t) = guarda.as_ref().filter(|t| Instant::now() < t.renovar_em) {
            return Ok(t.valor.clone());
        }
        Self::buscar_em(&mut guarda, buscar).await
    }

    /// Forgets the cached token: the next [`CacheToken::obter`] fetches one.
    pub async fn esquecer(&self) {
        *self.atual.lock().await = None;
    }

    async fn buscar_em<E, F, Fut>(guarda: &mut Option<Guardado<T>>, buscar: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(T, Duration), E>>,
    {
        let (valor, validade) = buscar().await?;
        *guarda = Some(Guardado {
            valor: valor.clone(),
            renovar_em: renovar_em(Instant::now(), validade),
        });
        Ok(valor)
    }
}

impl<T: Clone + PartialEq> CacheToken<T> {
    /// After the service refused `usado`: a new token — the one another caller already fetched
    /// since `usado` was handed out, or the one `buscar` fetches now.
    ///
    /// # Errors
    /// `buscar`'s error.
    pub async fn renovar<E, F, Fut>(&self, usado: &T, buscar: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(T, Duration), E>>,
    {
        let mut guarda = self.atual.lock().await;
        if let Some(t) = guarda.as_ref().filter(|t| &t.valor != usado) {
            return Ok(t.valor.clone());
        }
        Self::buscar_em(&mut guarda, buscar).await
    }

    /// Forgets `usado` unless another caller already replaced it.
    pub async fn esquecer_se(&self, usado: &T) {
        let mut guarda = self.atual.lock().await;
        if guarda.as_ref().is_some_and(|t| &t.valor == usado) {
            *guarda = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

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
        #[derive(serde::Deserialize)]
        struct Dto {
            #[serde(deserialize_with = "expires_in")]
            a: u64,
            #[serde(default, deserialize_with = "expires_in_opcional")]
            b: Option<u64>,
        }
        let d: Dto = serde_json::from_str(r#"{"a": -1, "b": 7.5}"#).unwrap();
        assert_eq!((d.a, d.b), (0, Some(7)));
        let d: Dto = serde_json::from_str(r#"{"a": 1}"#).unwrap();
        assert_eq!(d.b, None);
        assert!(serde_json::from_str::<Dto>(r#"{"a": "1"}"#).is_err());
    }

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

    /// What a test fetcher returns at once.
    type Busca = std::future::Ready<Result<(String, Duration), ()>>;

    /// A fetcher that counts its calls and hands out `t1`, `t2`, …
    fn contador() -> (Arc<AtomicU32>, impl Fn() -> Busca + Clone) {
        let n = Arc::new(AtomicU32::new(0));
        let m = Arc::clone(&n);
        let buscar = move || {
            let i = m.fetch_add(1, Ordering::SeqCst) + 1;
            std::future::ready(Ok((format!("t{i}"), Duration::from_secs(3600))))
        };
        (n, buscar)
    }

    #[tokio::test(start_paused = true)]
    async fn one_request_in_flight_however_many_callers_wait() {
        let cache = Arc::new(CacheToken::<String>::new());
        let n = Arc::new(AtomicU32::new(0));
        let mut tarefas = Vec::new();
        for _ in 0..20 {
            let (cache, n) = (Arc::clone(&cache), Arc::clone(&n));
            tarefas.push(tokio::spawn(async move {
                cache
                    .obter(|| async {
                        n.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok::<_, ()>(("t".to_owned(), Duration::from_secs(3600)))
                    })
                    .await
            }));
        }
        for t in tarefas {
            assert_eq!(t.await.unwrap(), Ok("t".to_owned()));
        }
        assert_eq!(n.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn renewed_shortly_before_it_expires() {
        let cache = CacheToken::<String>::new();
        let (n, buscar) = contador();
        assert_eq!(cache.obter(buscar.clone()).await, Ok("t1".into()));
        tokio::time::advance(Duration::from_secs(3539)).await;
        assert_eq!(cache.obter(buscar.clone()).await, Ok("t1".into()));
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(cache.obter(buscar.clone()).await, Ok("t2".into()));
        assert_eq!(n.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_fetch_caches_nothing() {
        let cache = CacheToken::<String>::new();
        let r = cache
            .obter(|| std::future::ready(Err::<(String, Duration), _>("recusado")))
            .await;
        assert_eq!(r, Err("recusado"));
        let (_, buscar) = contador();
        assert_eq!(cache.obter(buscar).await, Ok("t1".into()));
    }

    #[tokio::test]
    async fn a_refused_token_is_renewed_once_for_all_callers() {
        let cache = CacheToken::<String>::new();
        let (n, buscar) = contador();
        let velho = cache.obter(buscar.clone()).await.unwrap();
        // The first caller to see the refusal renews; the next one gets that new token.
        assert_eq!(cache.renovar(&velho, buscar.clone()).await, Ok("t2".into()));
        assert_eq!(cache.renovar(&velho, buscar.clone()).await, Ok("t2".into()));
        assert_eq!(n.load(Ordering::SeqCst), 2);
        // Forgetting a token another caller already replaced keeps the new one.
        cache.esquecer_se(&velho).await;
        assert_eq!(cache.obter(buscar.clone()).await, Ok("t2".into()));
        cache.esquecer_se(&"t2".to_owned()).await;
        assert_eq!(cache.obter(buscar.clone()).await, Ok("t3".into()));
        cache.esquecer().await;
        assert_eq!(cache.obter(buscar).await, Ok("t4".into()));
    }
}
