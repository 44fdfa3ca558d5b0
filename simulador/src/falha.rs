//! Faults injected into a simulator's requests, the same way in every simulator: read from the
//! text body of its `POST /_simulador/falhas` ([`ler`]), queued and met one per request
//! ([`Fila`]), and applied to the reply once the request was processed ([`entregar`]). Which
//! faults there are, and what a fault that answers before processing replies, is each
//! simulator's: it names them by implementing [`Injetavel`] on its own `Falha`.

use crate::{ConexaoDerrubada, Resposta};
use std::collections::VecDeque;
use std::time::Duration;

/// A simulator's fault type, as the shared reading and delivery see it.
pub trait Injetavel: Copy + 'static {
    /// The faults named by one word (lower case), in the order the simulator documents them.
    const NOMES: &'static [(&'static str, Self)];
    /// Every description the simulator accepts, for [`ErroFalha`]'s message
    /// (`indisponivel, lenta:<ms> ou reset`).
    const ACEITAS: &'static str;

    /// `lenta:<ms>`: the request is processed as usual, then its reply held this long.
    fn lenta(atraso: Duration) -> Self;

    /// What becomes of the reply of a request this fault met, once processed (a fault that
    /// answers without processing never gets there: the simulator answers it first).
    fn depois(self) -> Depois;
}

/// What a fault does to a reply that is ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depois {
    /// Nothing: the reply goes out.
    Responder,
    /// Hold it this long, then send it: a client with a shorter timeout sees an unknown
    /// outcome although the request was processed.
    Atrasar(Duration),
    /// Close the connection without any reply.
    Derrubar,
}

/// A fault description that [`ler`] cannot read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("falha desconhecida {descricao:?}: use {aceitas}")]
pub struct ErroFalha {
    /// The description, without surrounding blanks.
    pub descricao: String,
    /// What the simulator accepts ([`Injetavel::ACEITAS`]).
    pub aceitas: &'static str,
}

/// Reads one of `F`'s names or `lenta:<ms>` (case and surrounding blanks ignored), the body of
/// `POST /_simulador/falhas`.
///
/// # Errors
/// [`ErroFalha`]: any other text, or milliseconds that are not a whole non-negative number.
pub fn ler<F: Injetavel>(texto: &str) -> Result<F, ErroFalha> {
    let t = texto.trim().to_ascii_lowercase();
    let ms = |s: &str| s.trim().parse::<u64>().ok().map(Duration::from_millis);
    F::NOMES
        .iter()
        .find(|(nome, _)| *nome == t)
        .map(|(_, f)| *f)
        .or_else(|| t.strip_prefix("lenta:").and_then(ms).map(F::lenta))
        .ok_or_else(|| ErroFalha {
            descricao: texto.trim().to_owned(),
            aceitas: F::ACEITAS,
        })
}

/// The queue of injected faults and the count of requests that met it; kept inside the
/// simulator's state (under its lock).
#[derive(Clone, Debug)]
pub struct Fila<F> {
    falhas: VecDeque<F>,
    requisicoes: usize,
}

impl<F> Default for Fila<F> {
    fn default() -> Fila<F> {
        Fila {
            falhas: VecDeque::new(),
            requisicoes: 0,
        }
    }
}

impl<F> Fila<F> {
    /// Queues a fault for the next request that has none.
    pub fn injetar(&mut self, falha: F) {
        self.falhas.push_back(falha);
    }

    /// Counts a request and takes the next queued fault.
    pub fn chegada(&mut self) -> Option<F> {
        self.requisicoes = self.requisicoes.saturating_add(1);
        self.falhas.pop_front()
    }

    /// How many requests arrived ([`Fila::chegada`]).
    pub fn requisicoes(&self) -> usize {
        self.requisicoes
    }
}

/// Delivers `resposta` as the fault the request met says ([`Injetavel::depois`]): at once,
/// late, or not at all (`Err`: the connection is closed without a reply).
///
/// # Errors
/// [`ConexaoDerrubada`] for [`Depois::Derrubar`].
pub async fn entregar<F: Injetavel>(
    falha: Option<F>,
    resposta: Resposta,
) -> Result<Resposta, ConexaoDerrubada> {
    match falha.map_or(Depois::Responder, Injetavel::depois) {
        Depois::Responder => Ok(resposta),
        Depois::Atrasar(atraso) => {
            tokio::time::sleep(atraso).await;
            Ok(resposta)
        }
        Depois::Derrubar => Err(ConexaoDerrubada),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Teste {
        Reset,
        Fora,
        Lenta(Duration),
    }

    impl Injetavel for Teste {
        const NOMES: &'static [(&'static str, Teste)] =
            &[("reset", Teste::Reset), ("fora", Teste::Fora)];
        const ACEITAS: &'static str = "reset, fora ou lenta:<ms>";

        fn lenta(atraso: Duration) -> Teste {
            Teste::Lenta(atraso)
        }

        fn depois(self) -> Depois {
            match self {
                Teste::Reset => Depois::Derrubar,
                Teste::Fora => Depois::Responder,
                Teste::Lenta(d) => Depois::Atrasar(d),
            }
        }
    }

    #[test]
    fn names_and_slow_replies_are_read_case_and_blanks_ignored() {
        assert_eq!(
            ler("lenta:250"),
            Ok(Teste::Lenta(Duration::from_millis(250)))
        );
        assert_eq!(
            ler(" LENTA: 7 \n"),
            Ok(Teste::Lenta(Duration::from_millis(7)))
        );
        assert_eq!(ler(" RESET\n"), Ok(Teste::Reset));
        assert_eq!(ler("Fora"), Ok(Teste::Fora));
        for ruim in [
            "lenta:", "lenta:-1", "lenta:x", "lenta", "", "http500", "reset2",
        ] {
            assert!(ler::<Teste>(ruim).is_err(), "{ruim}");
        }
        let e = ler::<Teste>("  timeout ").unwrap_err();
        assert_eq!(
            e.to_string(),
            "falha desconhecida \"timeout\": use reset, fora ou lenta:<ms>"
        );
    }

    #[test]
    fn the_queue_is_met_in_order_and_every_arrival_counted() {
        let mut fila = Fila::default();
        fila.injetar(Teste::Reset);
        fila.injetar(Teste::Fora);
        assert_eq!(fila.chegada(), Some(Teste::Reset));
        assert_eq!(fila.chegada(), Some(Teste::Fora));
        assert_eq!(fila.chegada(), None);
        assert_eq!(fila.requisicoes(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_reply_is_delivered_held_or_dropped() {
        let r = || Resposta::new(http_body_util::Full::new(bytes::Bytes::from_static(b"ok")));
        assert!(entregar::<Teste>(None, r()).await.is_ok());
        assert!(entregar(Some(Teste::Fora), r()).await.is_ok());
        assert!(entregar(Some(Teste::Reset), r()).await.is_err());
        let antes = tokio::time::Instant::now();
        let atraso = Duration::from_secs(3);
        assert!(entregar(Some(Teste::Lenta(atraso)), r()).await.is_ok());
        assert!(antes.elapsed() >= atraso);
    }
}
