//! Printing results: Portuguese for people, JSON (`--json`) for scripts, both on stdout;
//! usage errors on stderr (or as JSON on stdout with `--json`).

use crate::erro::ErroApp;
use guiche_domain::Violacoes;
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
