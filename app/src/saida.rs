//! Printing results: Portuguese for people, JSON (`--json`) for scripts, both on stdout;
//! usage errors on stderr (or as JSON on stdout with `--json`).

use crate::erro::ErroApp;
use guiche_domain::{Violacao, Violacoes};
use serde::Serialize;
use serde_json::Value;

/// One violation as `--json` prints it.
#[derive(Serialize)]
struct ViolacaoJson<'a> {
    campo: &'a str,
    regra: &'a str,
    mensagem: &'a str,
    valor: &'a str,
}

/// The result of validating one document, as `--json` prints it.
#[derive(Serialize)]
struct Relatorio<'a> {
    arquivo: &'a str,
    documento: &'a str,
    valido: bool,
    violacoes: Vec<ViolacaoJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resumo: Option<Value>,
}

/// What was validated, for the report.
pub(crate) struct Documento<'a> {
    /// The file name as given.
    pub(crate) arquivo: &'a str,
    /// `nota` or `pacote`.
    pub(crate) tipo: &'a str,
    /// Whether the noun is feminine (`nota válida`) or masculine (`pacote válido`).
    pub(crate) feminino: bool,
}

impl Documento<'_> {
    fn adjetivo(&self, valido: bool) -> &'static str {
        match (valido, self.feminino) {
            (true, true) => "válida",
            (true, false) => "válido",
            (false, true) => "inválida",
            (false, false) => "inválido",
        }
    }
}

/// Prints a valid document's summary: a sentence for people, an object for `--json`.
pub(crate) fn valido(doc: &Documento<'_>, frase: &str, resumo: Value, json: bool) {
    if json {
        imprimir_json(&Relatorio {
            arquivo: doc.arquivo,
            documento: doc.tipo,
            valido: true,
            violacoes: Vec::new(),
            resumo: Some(resumo),
        });
    } else {
        println!(
            "{}: {} {} — {frase}",
            doc.arquivo,
            doc.tipo,
            doc.adjetivo(true)
        );
    }
}

/// Prints every violation.
pub(crate) fn invalido(doc: &Documento<'_>, v: &Violacoes, json: bool) {
    if json {
        let violacoes = v
            .iter()
            .map(|x| ViolacaoJson {
                campo: &x.campo,
                regra: x.regra.codigo(),
                mensagem: &x.mensagem,
                valor: &x.valor,
            })
            .collect();
        imprimir_json(&Relatorio {
            arquivo: doc.arquivo,
            documento: doc.tipo,
            valido: false,
            violacoes,
            resumo: None,
        });
        return;
    }
    let n = v.len();
    let plural = if n == 1 { "violação" } else { "violações" };
    println!(
        "{}: {} {} — {n} {plural}",
        doc.arquivo,
        doc.tipo,
        doc.adjetivo(false)
    );
    for x in v {
        println!("  ✗ {}: {}", x.campo, x.mensagem);
        println!("      valor: {:?}   regra: {}", x.valor, x.regra);
    }
}

/// Prints an error that stopped the command.
pub(crate) fn erro(e: &ErroApp, json: bool) {
    if json {
        imprimir_json(&serde_json::json!({ "erro": { "tipo": "uso", "mensagem": e.to_string() } }));
    } else {
        eprintln!("guiche: erro: {e}");
    }
}

fn imprimir_json(v: &impl Serialize) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("guiche: erro ao gerar JSON: {e}"),
    }
}

/// What went wrong talking to a remote `sistema`: `SISTEMA: message`, or with `--json`
/// `{"erro": {"mensagem": …}}`, on stdout.
pub(crate) fn erro_remoto(sistema: &str, e: &dyn std::fmt::Display, json: bool) {
    if json {
        let v = serde_json::json!({ "erro": { "mensagem": e.to_string() } });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!("{sistema}: {e}");
    }
}

/// Violations printed as they are found, for a document that may have very many (a pacote of a
/// million movements): memory stays constant. `--json` prints exactly what [`invalido`] would
/// for the same violations; the text form cannot start with the count, so it says so and ends
/// with it.
pub(crate) struct InvalidoEmFluxo<'a, W: std::io::Write> {
    doc: &'a Documento<'a>,
    json: bool,
    saida: W,
    n: usize,
}

impl<'a, W: std::io::Write> InvalidoEmFluxo<'a, W> {
    /// Prints the report's head; `mais_de` is how many violations are already known.
    pub(crate) fn iniciar(
        doc: &'a Documento<'a>,
        mais_de: usize,
        json: bool,
        mut saida: W,
    ) -> std::io::Result<Self> {
        if json {
            let texto = |s: &str| serde_json::to_string(s).unwrap_or_default();
            write!(
                saida,
                "{{\n  \"arquivo\": {},\n  \"documento\": {},\n  \"valido\": false,\n  \"violacoes\": [",
                texto(doc.arquivo),
                texto(doc.tipo)
            )?;
        } else {
            writeln!(
                saida,
                "{}: {} {} — mais de {mais_de} violações (cada uma abaixo, o total no fim)",
                doc.arquivo,
                doc.tipo,
                doc.adjetivo(false)
            )?;
        }
        Ok(InvalidoEmFluxo {
            doc,
            json,
            saida,
            n: 0,
        })
    }

    /// Prints one violation.
    pub(crate) fn violacao(&mut self, x: &Violacao) -> std::io::Result<()> {
        if self.json {
            let v = ViolacaoJson {
                campo: &x.campo,
                regra: x.regra.codigo(),
                mensagem: &x.mensagem,
                valor: &x.valor,
            };
            let s = serde_json::to_string_pretty(&v).map_err(std::io::Error::other)?;
            self.saida
                .write_all(if self.n == 0 { b"\n" } else { b",\n" })?;
            for (i, linha) in s.lines().enumerate() {
                if i > 0 {
                    self.saida.write_all(b"\n")?;
                }
                write!(self.saida, "    {linha}")?;
            }
        } else {
            writeln!(self.saida, "  ✗ {}: {}", x.campo, x.mensagem)?;
            writeln!(
                self.saida,
                "      valor: {:?}   regra: {}",
                x.valor, x.regra
            )?;
        }
        self.n += 1;
        Ok(())
    }

    /// Prints the report's end (the total, in the text form).
    pub(crate) fn concluir(mut self) -> std::io::Result<()> {
        if self.json {
            let fecho = if self.n == 0 { "]\n}\n" } else { "\n  ]\n}\n" };
            self.saida.write_all(fecho.as_bytes())?;
        } else {
            let plural = if self.n == 1 {
                "violação"
            } else {
                "violações"
            };
            writeln!(
                self.saida,
                "{}: {} {} — {} {plural} no total",
                self.doc.arquivo,
                self.doc.tipo,
                self.doc.adjetivo(false),
                self.n
            )?;
        }
        self.saida.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guiche_domain::Regra;

    fn relatorio(doc: &Documento<'_>, v: &Violacoes) -> String {
        let violacoes = v
            .iter()
            .map(|x| ViolacaoJson {
                campo: &x.campo,
                regra: x.regra.codigo(),
                mensagem: &x.mensagem,
                valor: &x.valor,
            })
            .collect();
        let r = Relatorio {
            arquivo: doc.arquivo,
            documento: doc.tipo,
            valido: false,
            violacoes,
            resumo: None,
        };
        format!("{}\n", serde_json::to_string_pretty(&r).unwrap())
    }

    #[test]
    fn the_streamed_json_report_is_the_one_printed_at_once() {
        let doc = Documento {
            arquivo: "a \"b\"\\c.json",
            tipo: "pacote",
            feminino: false,
        };
        let mut v = Violacoes::default();
        for n in 0..3 {
            let mut saida = Vec::new();
            let mut fluxo = InvalidoEmFluxo::iniciar(&doc, 0, true, &mut saida).unwrap();
            for x in &v {
                fluxo.violacao(x).unwrap();
            }
            fluxo.concluir().unwrap();
            assert_eq!(
                String::from_utf8(saida).unwrap(),
                relatorio(&doc, &v),
                "{n}"
            );
            v.add(
                format!("movimentos[{n}].valor"),
                Regra::ValorInvalido,
                "no máximo duas casas decimais\n\"x\"",
                "1.234",
            );
        }
    }
}
