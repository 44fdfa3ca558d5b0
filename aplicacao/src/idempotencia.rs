//! `Idempotency-Key`: the first answer to a key is kept in the ledger and replayed.
//!
//! A key belongs to the token that sent it. The first request with a key is recorded "in
//! progress" with its fingerprint (SHA-256 of method, path and body); when it ends, its answer
//! is kept. The same key and fingerprint again gets that answer back without running anything;
//! another fingerprint is refused (422); a key still in progress is refused (409). A key left in
//! progress by a process that died is taken over after a grace period (`docs/decisions/0013`):
//! the use cases are exactly-once on their own, so running one again is safe.

use crate::erro::{Classificar, Natureza};
use guiche_ports::idempotencia::{LivroIdempotencia, Reserva, RespostaGuardada};
use guiche_ports::livro::ErroLivro;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// How long a key may stay in progress before it is presumed abandoned.
pub const ABANDONO_PADRAO: Duration = Duration::from_secs(15 * 60);

/// The longest key accepted.
pub const TAMANHO_MAXIMO: usize = 255;

/// What to do with a request that carries a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inicio {
    /// Run it; then [`ServicoIdempotencia::concluir`] or [`ServicoIdempotencia::liberar`] with
    /// this ticket.
    Executar(Bilhete),
    /// Do not run it: answer this, the first request's answer.
    Repetir(RespostaGuardada),
}

/// A key held by a running request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bilhete {
    escopo: i64,
    chave: String,
    impressao: String,
}

/// Why a request with a key is not run.
#[derive(Debug, thiserror::Error)]
pub enum ErroIdempotencia {
    /// The key is empty, too long or not printable ASCII.
    #[error("cabeçalho Idempotency-Key \"{valor}\": use de 1 a 255 caracteres ASCII visíveis")]
    ChaveInvalida {
        /// The key (cut to its limit).
        valor: String,
    },
    /// A request with this key is still running.
    #[error(
        "Idempotency-Key \"{chave}\": um pedido com esta chave ainda está em andamento; tente de novo quando ele terminar"
    )]
    EmAndamento {
        /// The key.
        chave: String,
    },
    /// The key was used with another request (another method, path or body).
    #[error(
        "Idempotency-Key \"{chave}\" já foi usada com outro pedido (outro corpo, método ou caminho); use uma chave nova para um pedido novo"
    )]
    OutroPedido {
        /// The key.
        chave: String,
    },
    /// The ledger failed.
    #[error(transparent)]
    Livro(#[from] ErroLivro),
}

impl Classificar for ErroIdempotencia {
    fn natureza(&self) -> Natureza {
        match self {
            ErroIdempotencia::ChaveInvalida { .. } => Natureza::Pedido,
            ErroIdempotencia::EmAndamento { .. } => Natureza::Conflito,
            ErroIdempotencia::OutroPedido { .. } => Natureza::Invalido,
            ErroIdempotencia::Livro(_) => Natureza::Livro,
        }
    }
}

/// The idempotency service.
#[derive(Clone)]
pub struct ServicoIdempotencia {
    livro: Arc<dyn LivroIdempotencia>,
    abandono: Duration,
}

/// The fingerprint of a request: SHA-256 (hex) of its method, path and body.
pub fn impressao(metodo: &str, caminho: &str, corpo: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(metodo.as_bytes());
    h.update(b"\n");
    h.update(caminho.as_bytes());
    h.update(b"\n");
    h.update(corpo);
    crate::acesso::hex(&h.finalize())
}

impl ServicoIdempotencia {
    /// The service over the keys ledger; a key in progress for longer than `abandono` is
    /// taken over.
    pub fn new(livro: Arc<dyn LivroIdempotencia>, abandono: Duration) -> ServicoIdempotencia {
        ServicoIdempotencia { livro, abandono }
    }

    /// Takes key `chave` of token `escopo` for this request, or says why not.
    ///
    /// # Errors
    /// [`ErroIdempotencia::ChaveInvalida`], [`ErroIdempotencia::EmAndamento`],
    /// [`ErroIdempotencia::OutroPedido`], [`ErroIdempotencia::Livro`].
    pub fn iniciar(
        &self,
        escopo: i64,
        chave: &str,
        metodo: &str,
        caminho: &str,
        corpo: &[u8],
    ) -> Result<Inicio, ErroIdempotencia> {
        if chave.is_empty()
            || chave.len() > TAMANHO_MAXIMO
            || !chave.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
        {
            return Err(ErroIdempotencia::ChaveInvalida {
                valor: chave.chars().take(TAMANHO_MAXIMO).collect(),
            });
        }
        let impressao = impressao(metodo, caminho, corpo);
        match self
            .livro
            .reservar_chave(escopo, chave, &impressao, self.abandono)?
        {
            Reserva::Nova => Ok(Inicio::Executar(Bilhete {
                escopo,
                chave: chave.to_owned(),
                impressao,
            })),
            Reserva::EmAndamento { impressao: outra } if outra != impressao => {
                Err(ErroIdempotencia::OutroPedido {
                    chave: chave.to_owned(),
                })
            }
            Reserva::EmAndamento { .. } => Err(ErroIdempotencia::EmAndamento {
                chave: chave.to_owned(),
            }),
            Reserva::Concluida {
                impressao: outra, ..
            } if outra != impressao => Err(ErroIdempotencia::OutroPedido {
                chave: chave.to_owned(),
            }),
            Reserva::Concluida { resposta, .. } => Ok(Inicio::Repetir(resposta)),
        }
    }

    /// Keeps `resposta` as the key's answer.
    ///
    /// # Errors
    /// [`ErroIdempotencia::Livro`].
    pub fn concluir(
        &self,
        bilhete: &Bilhete,
        resposta: &RespostaGuardada,
    ) -> Result<(), ErroIdempotencia> {
        Ok(self.livro.concluir_chave(
            bilhete.escopo,
            &bilhete.chave,
            &bilhete.impressao,
            resposta,
        )?)
    }

    /// Frees the key without an answer: the next request with it runs.
    ///
    /// # Errors
    /// [`ErroIdempotencia::Livro`].
    pub fn liberar(&self, bilhete: &Bilhete) -> Result<(), ErroIdempotencia> {
        Ok(self
            .livro
            .liberar_chave(bilhete.escopo, &bilhete.chave, &bilhete.impressao)?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn servico() -> ServicoIdempotencia {
        let livro = Arc::new(guiche_store::Livro::em_memoria().unwrap());
        ServicoIdempotencia::new(livro, ABANDONO_PADRAO)
    }

    fn resposta() -> RespostaGuardada {
        RespostaGuardada {
            status: 201,
            tipo: "application/json".into(),
            corpo: b"{\"numero\":7}".to_vec(),
        }
    }

    #[test]
    fn first_runs_same_replays_other_is_refused() {
        let s = servico();
        let Inicio::Executar(b) = s.iniciar(1, "k1", "POST", "/x", b"{}").unwrap() else {
            panic!("the first request runs");
        };
        let e = s.iniciar(1, "k1", "POST", "/x", b"{}").unwrap_err();
        assert!(matches!(e, ErroIdempotencia::EmAndamento { .. }));
        assert_eq!(e.natureza(), Natureza::Conflito);
        let e = s.iniciar(1, "k1", "POST", "/x", b"{ }").unwrap_err();
        assert_eq!(
            e.natureza(),
            Natureza::Invalido,
            "another body while running"
        );
        s.concluir(&b, &resposta()).unwrap();
        assert_eq!(
            s.iniciar(1, "k1", "POST", "/x", b"{}").unwrap(),
            Inicio::Repetir(resposta())
        );
        for (metodo, caminho, corpo) in [
            ("POST", "/y", &b"{}"[..]),
            ("PUT", "/x", b"{}"),
            ("POST", "/x", b"[]"),
        ] {
            let e = s.iniciar(1, "k1", metodo, caminho, corpo).unwrap_err();
            assert!(
                matches!(e, ErroIdempotencia::OutroPedido { .. }),
                "{metodo} {caminho}"
            );
        }
        assert!(
            matches!(
                s.iniciar(2, "k1", "POST", "/y", b"[]").unwrap(),
                Inicio::Executar(_)
            ),
            "another token's key"
        );
    }

    #[test]
    fn a_freed_key_runs_again_and_bad_keys_are_named() {
        let s = servico();
        let Inicio::Executar(b) = s.iniciar(1, "k", "POST", "/x", b"").unwrap() else {
            panic!()
        };
        s.liberar(&b).unwrap();
        assert!(matches!(
            s.iniciar(1, "k", "POST", "/x", b"").unwrap(),
            Inicio::Executar(_)
        ));
        for chave in ["", "com\nquebra", "ação", &"x".repeat(256)] {
            let e = s.iniciar(1, chave, "POST", "/x", b"").unwrap_err();
            assert_eq!(e.natureza(), Natureza::Pedido, "{chave:?}");
            assert!(e.to_string().contains("Idempotency-Key"));
        }
    }
}
