//! ONE classification of transport errors: was the request sent?

use std::fmt;

/// What a failed exchange means for the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Desfecho {
    /// Provably never left this machine (no connection, TLS refused, request not built):
    /// repeating it is always safe.
    NaoEnviado,
    /// May have been received and processed (timeout, reset, a broken reply): repeating it is
    /// safe only for an idempotent request.
    Desconhecido,
}

/// What went wrong, for the adapter's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Motivo {
    /// No answer within the timeout.
    Prazo,
    /// The connection (TCP or TLS handshake) failed.
    Conexao,
    /// The request could not be built (an invalid URL or header).
    Montagem,
    /// The connection was closed or reset before the answer.
    Encerrada,
    /// The answer arrived incomplete or could not be decoded.
    Incompleta,
    /// Any other failure.
    Outro,
}

/// A classified transport error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Falha {
    /// Whether the request may have been received.
    pub desfecho: Desfecho,
    /// What went wrong.
    pub motivo: Motivo,
    /// The innermost technical cause's message (no secret: reqwest strips URLs' credentials
    /// and never shows headers or bodies).
    pub causa: String,
}

impl Falha {
    /// Whether the request provably never left.
    pub fn nao_enviado(&self) -> bool {
        self.desfecho == Desfecho::NaoEnviado
    }
}

impl fmt::Display for Falha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let resumo = match self.motivo {
            Motivo::Prazo => "sem resposta dentro do prazo",
            Motivo::Conexao => "conexão ou TLS recusados",
            Motivo::Montagem => "o pedido não pôde ser montado",
            Motivo::Encerrada => "a conexão foi encerrada antes da resposta",
            Motivo::Incompleta => "a resposta chegou incompleta",
            Motivo::Outro => "falha de comunicação",
        };
        write!(f, "{resumo}; detalhe: {}", self.causa)
    }
}

/// Classifies `e`: a request that failed to connect or to be built never left ("não
/// enviado"); anything else may have been received ("resultado desconhecido").
pub fn classificar(e: &reqwest::Error) -> Falha {
    let causa = causa_raiz(e);
    let motivo = if e.is_timeout() {
        Motivo::Prazo
    } else if e.is_connect() {
        Motivo::Conexao
    } else if e.is_builder() {
        Motivo::Montagem
    } else if causa.contains("closed") || causa.contains("reset") || causa.contains("EOF") {
        Motivo::Encerrada
    } else if e.is_body() || e.is_decode() {
        Motivo::Incompleta
    } else {
        Motivo::Outro
    };
    let desfecho = if e.is_connect() || e.is_builder() {
        Desfecho::NaoEnviado
    } else {
        Desfecho::Desconhecido
    };
    Falha {
        desfecho,
        motivo,
        causa,
    }
}

/// The innermost cause's message.
pub fn causa_raiz(e: &(dyn std::error::Error + 'static)) -> String {
    let mut atual = e;
    while let Some(proxima) = atual.source() {
        atual = proxima;
    }
    atual.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refused_connection_was_not_sent() {
        // A port nobody listens on: bind, read the port, close.
        let porta = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let http =
            crate::construir(&crate::ConfigHttp::new(std::time::Duration::from_secs(2))).unwrap();
        let e = http
            .post(format!("http://127.0.0.1:{porta}/"))
            .body("x")
            .send()
            .await
            .unwrap_err();
        let f = classificar(&e);
        assert!(f.nao_enviado(), "{f:?}");
        assert_eq!(f.motivo, Motivo::Conexao);
        assert!(f.to_string().contains("detalhe:"), "{f}");
    }

    #[tokio::test]
    async fn a_request_that_cannot_be_built_was_not_sent() {
        let http =
            crate::construir(&crate::ConfigHttp::new(std::time::Duration::from_secs(2))).unwrap();
        let e = http
            .post("http://127.0.0.1:1/")
            .header("x-valor", "a\r\nb")
            .send()
            .await
            .unwrap_err();
        let f = classificar(&e);
        assert_eq!(
            (f.desfecho, f.motivo),
            (Desfecho::NaoEnviado, Motivo::Montagem)
        );
    }

    #[test]
    fn the_innermost_cause_is_reported() {
        let interno = std::io::Error::other("raiz");
        let externo = std::io::Error::other(interno);
        assert_eq!(causa_raiz(&externo), "raiz");
    }
}
