//! # guiche-http
//!
//! The HTTP core every remote adapter (NFD, CONAM, Integra Contador, Conecta gov.br) is built
//! on, so that each adapter keeps only its wire format:
//!
//! - [`cliente`]: one way to build a [`reqwest::Client`] — rustls with the ring provider,
//!   timeouts, redirects never followed, optional extra CA and client certificate (mTLS);
//! - [`resposta`]: a reply's redirect refused and its body read up to a cap;
//! - [`falha`]: ONE classification of transport errors into "not sent" (safe to retry) and
//!   "unknown outcome";
//! - [`json`]: a JSON reply read into a DTO, the message naming the path that did not fit;
//! - [`mensagem`]: how the SERPRO-family clients word a refused redirect, an oversized reply
//!   and a transport failure;
//! - [`token`]: the OAuth2 client-credentials token cache, single flight, renewed before expiry,
//!   generic over how a token is fetched;
//! - [`repeticao`]: the retry policy as pure functions (what may be retried, exponential backoff
//!   with jitter, `Retry-After` hints).
//!
//! It knows no remote system and none of the workspace's crates; messages that name a setting
//! (`GUICHE_…`) stay in the adapters.

pub mod cliente;
pub mod falha;
pub mod json;
pub mod mensagem;
pub mod repeticao;
pub mod resposta;
pub mod token;

pub use cliente::{ConfigHttp, ErroConstrucao, construir};
pub use falha::{Desfecho, Falha, Motivo, classificar};
pub use repeticao::{Politica, Repetivel};
pub use resposta::{FalhaCorpo, Redirecionamento, ler_corpo, redirecionamento};
pub use token::{CacheToken, MAX_VALIDADE_TOKEN, renovar_em};
