//! Request paths: the token endpoint, the API under the city and the admin endpoints. Pure
//! functions over the path text; segments are percent-decoded.

use super::CAMINHO_TOKEN;
use hyper::Method;

/// The admin endpoints live under this prefix.
pub(super) const PREFIXO_ADMIN: &str = "/_simulador/";

/// A path of the service, with its segments decoded (not yet checked as values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Rota {
    /// `POST /token`.
    Token,
    /// `GET /{cidade}/v1_0/receitaorcamentaria/{entidade}/{ano}` (`extra: false`) or
    /// `…/contaextraorcamentaria/…` and `…/receitaextraorcamentaria/…` (`extra: true`).
    Receitas {
        extra: bool,
        entidade: String,
        ano: String,
    },
    /// `GET /{cidade}/v1_0/contabilidadeaberta/{entidade}/{ano}/{mes}`.
    Periodo {
        entidade: String,
        ano: String,
        mes: String,
    },
    /// `POST /{cidade}/v1_0/enviotributos`.
    Envio,
    /// `GET /{cidade}/v1_0/enviotributos/{idPacote}`.
    Situacao(String),
    /// Anything else.
    Desconhecida,
}

impl Rota {
    /// The one method the path answers.
    pub(super) fn metodo(&self) -> Method {
        match self {
            Rota::Token | Rota::Envio => Method::POST,
            _ => Method::GET,
        }
    }
}

/// An admin path (after [`PREFIXO_ADMIN`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Admin {
    /// `POST falhas`.
    Falhas,
    /// `POST aprovar/{id}`.
    Aprovar(String),
    /// `POST rejeitar/{id}`.
    Rejeitar(String),
    /// `POST fechar/{entidade}/{ano}/{mes}`.
    Fechar {
        entidade: String,
        ano: String,
        mes: String,
    },
    /// `GET pacotes`.
    Pacotes,
    /// Anything else.
    Desconhecida,
}

impl Admin {
    /// The one method the path answers.
    pub(super) fn metodo(&self) -> Method {
        match self {
            Admin::Pacotes | Admin::Desconhecida => Method::GET,
            _ => Method::POST,
        }
    }
}

/// Reads a service path; `cidade` is the configured city segment.
pub(super) fn rota(caminho: &str, cidade: &str) -> Rota {
    if caminho == CAMINHO_TOKEN {
        return Rota::Token;
    }
    let Some(partes) = segmentos(caminho) else {
        return Rota::Desconhecida;
    };
    let partes: Vec<&str> = partes.iter().map(String::as_str).collect();
    let [c, "v1_0", resto @ ..] = partes.as_slice() else {
        return Rota::Desconhecida;
    };
    if *c != cidade {
        return Rota::Desconhecida;
    }
    let dono = |s: &str| s.to_owned();
    match resto {
        ["receitaorcamentaria", e, a] => Rota::Receitas {
            extra: false,
            entidade: dono(e),
            ano: dono(a),
        },
        ["contaextraorcamentaria" | "receitaextraorcamentaria", e, a] => Rota::Receitas {
            extra: true,
            entidade: dono(e),
            ano: dono(a),
        },
        ["contabilidadeaberta", e, a, m] => Rota::Periodo {
            entidade: dono(e),
            ano: dono(a),
            mes: dono(m),
        },
        ["enviotributos"] => Rota::Envio,
        ["enviotributos", id] => Rota::Situacao(dono(id)),
        _ => Rota::Desconhecida,
    }
}

/// Reads what follows [`PREFIXO_ADMIN`].
pub(super) fn admin(resto: &str) -> Admin {
    let Some(partes) = segmentos(&format!("/{resto}")) else {
        return Admin::Desconhecida;
    };
    let partes: Vec<&str> = partes.iter().map(String::as_str).collect();
    match partes.as_slice() {
        ["falhas"] => Admin::Falhas,
        ["pacotes"] => Admin::Pacotes,
        ["aprovar", id] => Admin::Aprovar((*id).to_owned()),
        ["rejeitar", id] => Admin::Rejeitar((*id).to_owned()),
        ["fechar", e, a, m] => Admin::Fechar {
            entidade: (*e).to_owned(),
            ano: (*a).to_owned(),
            mes: (*m).to_owned(),
        },
        _ => Admin::Desconhecida,
    }
}

/// The decoded segments of an absolute path; `None` when it is not absolute, or a segment is
/// empty or not valid percent-encoded UTF-8.
fn segmentos(caminho: &str) -> Option<Vec<String>> {
    caminho
        .strip_prefix('/')?
        .split('/')
        .map(|s| decodificar(s).filter(|d| !d.is_empty()))
        .collect()
}

/// Percent-decodes one segment (`+` stays a plus: this is a path, not a form).
fn decodificar(segmento: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(segmento.len());
    let mut it = segmento.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            let alto = hex(it.next()?)?;
            let baixo = hex(it.next()?)?;
            bytes.push(alto << 4 | baixo);
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).ok()
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Whether a text can be a path segment as is: not empty, RFC 3986 unreserved characters only.
pub(super) fn segmento_simples(texto: &str) -> bool {
    !texto.is_empty()
        && texto
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// A year: exactly four ASCII digits.
pub(super) fn ano(texto: &str) -> Option<u16> {
    (texto.len() == 4 && texto.bytes().all(|b| b.is_ascii_digit()))
        .then(|| texto.parse().ok())
        .flatten()
}

/// A month: one or two ASCII digits, 1 to 12 (`7` and `07` alike).
pub(super) fn mes(texto: &str) -> Option<u8> {
    let digitos = (1..=2).contains(&texto.len()) && texto.bytes().all(|b| b.is_ascii_digit());
    digitos
        .then(|| texto.parse::<u8>().ok())
        .flatten()
        .filter(|m| (1..=12).contains(m))
}

/// An `idPacote`: ASCII digits only, as a `u64`.
pub(super) fn id_pacote(texto: &str) -> Option<u64> {
    (!texto.is_empty() && texto.bytes().all(|b| b.is_ascii_digit()))
        .then(|| texto.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire;

    fn na_cidade(caminho: &str) -> Rota {
        rota(&format!("/teste{caminho}"), "teste")
    }

    #[test]
    fn the_wire_paths_are_routed() {
        assert_eq!(
            na_cidade(&wire::caminho_receitas("a b/c", 2022)),
            Rota::Receitas {
                extra: false,
                entidade: "a b/c".into(),
                ano: "2022".into()
            }
        );
        assert_eq!(
            na_cidade(&wire::caminho_receitas_extra("1", 2022)),
            Rota::Receitas {
                extra: true,
                entidade: "1".into(),
                ano: "2022".into()
            }
        );
        assert_eq!(
            na_cidade("/v1_0/receitaextraorcamentaria/1/2022"),
            na_cidade(&wire::caminho_receitas_extra("1", 2022))
        );
        assert_eq!(
            na_cidade(&wire::caminho_periodo("1", 2022, 7)),
            Rota::Periodo {
                entidade: "1".into(),
                ano: "2022".into(),
                mes: "07".into()
            }
        );
        assert_eq!(na_cidade(wire::CAMINHO_ENVIO), Rota::Envio);
        assert_eq!(
            na_cidade(&wire::caminho_situacao(42)),
            Rota::Situacao("42".into())
        );
        assert_eq!(rota("/token", "teste"), Rota::Token);
    }

    #[test]
    fn other_paths_are_unknown() {
        for c in [
            "",
            "/",
            "/teste",
            "/teste/v1_0",
            "/outra/v1_0/enviotributos",
            "/teste/v2_0/enviotributos",
            "/teste/v1_0/enviotributos/",
            "/teste/v1_0/enviotributos/1/2",
            "/teste/v1_0/receitaorcamentaria/1",
            "/teste/v1_0/receitaorcamentaria//2022",
            "/teste//v1_0/enviotributos",
            "/teste/v1_0/receitaorcamentaria/%ZZ/2022",
            "/teste/v1_0/receitaorcamentaria/%FF/2022",
            "/teste/v1_0/receitaorcamentaria/%4/2022",
            "/token/",
        ] {
            assert_eq!(rota(c, "teste"), Rota::Desconhecida, "{c}");
        }
    }

    #[test]
    fn admin_paths() {
        assert_eq!(admin("falhas"), Admin::Falhas);
        assert_eq!(admin("aprovar/7"), Admin::Aprovar("7".into()));
        assert_eq!(admin("rejeitar/7"), Admin::Rejeitar("7".into()));
        assert_eq!(
            admin("fechar/1/2022/07"),
            Admin::Fechar {
                entidade: "1".into(),
                ano: "2022".into(),
                mes: "07".into()
            }
        );
        assert_eq!(admin("pacotes"), Admin::Pacotes);
        assert_eq!(admin("pacotes/"), Admin::Desconhecida);
        assert_eq!(admin(""), Admin::Desconhecida);
    }

    #[test]
    fn years_months_and_ids() {
        assert_eq!(ano("2022"), Some(2022));
        for ruim in ["22", "20220", "+202", "２０２２", ""] {
            assert_eq!(ano(ruim), None, "{ruim}");
        }
        assert_eq!(mes("7"), Some(7));
        assert_eq!(mes("07"), Some(7));
        assert_eq!(mes("12"), Some(12));
        for ruim in ["0", "00", "13", "007", "+7", "", "x"] {
            assert_eq!(mes(ruim), None, "{ruim}");
        }
        assert_eq!(id_pacote("1"), Some(1));
        for ruim in ["", "-1", "+1", "1a", "99999999999999999999999"] {
            assert_eq!(id_pacote(ruim), None, "{ruim}");
        }
    }

    #[test]
    fn plain_segments() {
        assert!(segmento_simples("teste"));
        assert!(segmento_simples("sao-paulo_2.x~"));
        for ruim in ["", "a/b", "a b", "ç", "%20"] {
            assert!(!segmento_simples(ruim), "{ruim}");
        }
    }
}
