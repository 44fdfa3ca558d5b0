//! Validating a pacote offline against Tables 1 and 2, while it is read
//! ([`PacoteBruto::validar_em_fluxo`]): memory does not grow with the number of movements.

use crate::nfd::validacao::{Formato, formato};

use guiche_domain::conam::{PacoteBruto, Parte, ResumoPacote, Tabela2};
use guiche_domain::{Regra, Violacao, Violacoes};
use serde::Serialize;
use std::io::BufRead;
use utoipa::ToSchema;

/// A valid pacote's summary, as `guiche conam validate --json` prints it in `resumo`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResumoValidado {
    /// `idPacote`.
    pub id_pacote: u64,
    /// `codEntidade`.
    pub cod_entidade: String,
    /// `anoExercicio`.
    pub ano_exercicio: u16,
    /// How many movements.
    pub movimentos: usize,
    /// The sum of the bank (`B`) movements, with a decimal point (`"100.5"`).
    pub recebido_em_banco: String,
    /// One sentence for people.
    #[serde(skip)]
    pub frase: String,
}

impl From<&ResumoPacote> for ResumoValidado {
    fn from(p: &ResumoPacote) -> ResumoValidado {
        ResumoValidado {
            id_pacote: p.id_pacote,
            cod_entidade: p.cod_entidade.clone(),
            ano_exercicio: p.ano_exercicio,
            movimentos: p.movimentos,
            recebido_em_banco: p.recebido_em_banco.decimal().normalize().to_string(),
            frase: format!(
                "idPacote {}, entidade {}, exercício {}, {} movimento(s), recebido em banco {}",
                p.id_pacote, p.cod_entidade, p.ano_exercicio, p.movimentos, p.recebido_em_banco
            ),
        }
    }
}

/// Table 2: the client's (a TSV text), or the manual's.
///
/// # Errors
/// What is wrong with the client's table.
pub fn tabela_2(tsv: Option<&str>) -> Result<Tabela2, String> {
    match tsv {
        Some(t) => Tabela2::de_tsv(t).map_err(|e| e.to_string()),
        None => Ok(Tabela2::oficial().clone()),
    }
}

/// Validates a pacote read from `leitor` movement by movement, handing every violation to
/// `violacao` as it is found (with the [`Parte`] it belongs to, see [`em_ordem`]); a document
/// that is not JSON is one shape violation. Returns the summary when no violation was found.
pub fn validar_em_fluxo<R: BufRead>(
    mut leitor: R,
    tabela: &Tabela2,
    mut violacao: impl FnMut(Parte, Violacao),
) -> Option<ResumoValidado> {
    // XML goes on to the JSON reader, which reports where it stopped.
    if let Err(v) = formato_de(&mut leitor) {
        v.into_iter().for_each(|x| violacao(Parte::Pacote, x));
        return None;
    }
    PacoteBruto::validar_em_fluxo(leitor, tabela, violacao).map(|r| ResumoValidado::from(&r))
}

/// [`formato`] of a document read in order: looks at its first significant character (after
/// a UTF-8 BOM and blanks, which it consumes) without consuming it.
fn formato_de(leitor: &mut impl BufRead) -> Result<Formato, Violacoes> {
    let mut inicio = true;
    loop {
        let Ok(buf) = leitor.fill_buf() else {
            return formato(b"");
        };
        let bom = if inicio && buf.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        inicio = false;
        let brancos = buf[bom..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        let lidos = buf.len();
        if buf.is_empty() || lidos > bom + brancos {
            let amostra = buf[bom + brancos..lidos.min(bom + brancos + 80)].to_vec();
            leitor.consume(bom + brancos);
            return formato(&amostra);
        }
        leitor.consume(lidos);
    }
}

/// Every violation of a whole pacote in its report's order: the pacote's own first, as
/// [`PacoteBruto::validar`] orders them; a malformed JSON alone.
pub fn em_ordem(mut v: Vec<(Parte, Violacao)>) -> Violacoes {
    if let Some(m) = v.iter().position(|(_, x)| x.regra == Regra::JsonInvalido) {
        v = vec![v.swap_remove(m)];
    }
    v.sort_by_key(|(parte, _)| *parte);
    Violacoes(v.into_iter().map(|(_, x)| x).collect())
}

/// Validates a whole pacote, every violation in order (for a request whose size is bounded).
///
/// # Errors
/// Every violation.
pub fn validar(leitor: impl BufRead, tabela: &Tabela2) -> Result<ResumoValidado, Violacoes> {
    let mut achadas = Vec::new();
    let resumo = validar_em_fluxo(leitor, tabela, |p, v| achadas.push((p, v)));
    match resumo {
        Some(r) if achadas.is_empty() => Ok(r),
        _ => Err(em_ordem(achadas)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACOTE: &str = include_str!("../../../domain/tests/vetores/conam-manual-1.json");

    #[test]
    fn the_manuals_pacote_is_valid_and_a_broken_one_reports_in_order() {
        let r = validar(PACOTE.as_bytes(), Tabela2::oficial()).unwrap();
        assert_eq!((r.id_pacote, r.cod_entidade.as_str()), (1, "1"));
        let v = serde_json::to_value(&r).unwrap();
        assert!(
            v.get("idPacote").is_some() && v.get("frase").is_none(),
            "{v}"
        );
        let quebrado = PACOTE.replacen("\"idPacote\"", "\"idPacoteX\"", 1);
        let v = validar(quebrado.as_bytes(), Tabela2::oficial()).unwrap_err();
        assert!(!v.is_empty());
        let v = validar(&b"{\"idPacote\": "[..], Tabela2::oficial()).unwrap_err();
        assert_eq!(v.len(), 1, "{v}");
        assert!(v.contem("$", Regra::JsonInvalido), "{v}");
    }

    #[test]
    fn anything_but_json_is_one_shape_violation() {
        for texto in ["", "  \n ", "\u{FEFF}olá"] {
            let v = validar(texto.as_bytes(), Tabela2::oficial()).unwrap_err();
            assert_eq!(v.len(), 1, "{texto}: {v}");
            assert!(v.contem("$", Regra::RaizInvalida), "{v}");
        }
        let v = validar(&b"<pacote/>"[..], Tabela2::oficial()).unwrap_err();
        assert!(v.contem("$", Regra::JsonInvalido), "{v}");
        // Blanks longer than the reader's buffer are skipped, not taken for an empty file.
        let longo = format!("{}{PACOTE}", " ".repeat(20_000));
        let leitor = std::io::BufReader::with_capacity(64, longo.as_bytes());
        assert!(validar(leitor, Tabela2::oficial()).is_ok());
        assert!(tabela_2(Some("isto não é uma tabela")).is_err());
    }
}
