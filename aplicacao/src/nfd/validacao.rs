//! Reading and validating a nota offline: the file's bytes in either format (the `<NOTA>` XML
//! by its declared encoding, or its JSON form in UTF-8), every rule checked.

use guiche_domain::nfd::{
    ContextoNfd, IdentificacaoTomador, Nota, NotaBruta, Prefeitura, prefeituras,
};
use guiche_domain::{Data, Regra, Violacoes};
use serde::Serialize;
use utoipa::ToSchema;

/// What a document file holds, judged by its first significant character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Formato {
    /// Starts with `<`.
    Xml,
    /// Starts with `{` or `[`.
    Json,
}

/// XML or JSON, from a file's bytes before they are decoded: a UTF-8 BOM and blanks are
/// skipped (the markup's first character is ASCII in every encoding the readers accept), and
/// a UTF-16 BOM goes to the XML reader, which names the encoding it refuses.
///
/// # Errors
/// A shape violation (`$`, [`Regra::RaizInvalida`]) for an empty file or one that is neither.
pub fn formato(bytes: &[u8]) -> Result<Formato, Violacoes> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Ok(Formato::Xml);
    }
    let corpo = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let corpo = corpo.trim_ascii_start();
    let motivo = match corpo.first() {
        Some(b'<') => return Ok(Formato::Xml),
        Some(b'{' | b'[') => return Ok(Formato::Json),
        Some(_) => "o arquivo não é XML nem JSON (deve começar com < ou {)",
        None => "o arquivo está vazio",
    };
    let inicio: String = String::from_utf8_lossy(&corpo[..corpo.len().min(80)])
        .chars()
        .take(20)
        .collect();
    let mut v = Violacoes::default();
    v.add("$", Regra::RaizInvalida, motivo, inicio);
    Err(v)
}

/// Reads a nota file's bytes in either format (`validate`, `send` and `batch` all read
/// through here).
///
/// # Errors
/// Every violation of the document's shape.
pub fn ler_nota(bytes: &[u8]) -> Result<NotaBruta, Violacoes> {
    match formato(bytes)? {
        Formato::Xml => NotaBruta::de_xml_bytes(bytes),
        Formato::Json => NotaBruta::de_json_bytes(bytes),
    }
}

/// The municipality of NFD code `codigo`.
///
/// # Errors
/// A sentence naming the code and the municipalities known.
pub fn prefeitura(codigo: &str) -> Result<&'static Prefeitura, String> {
    Prefeitura::buscar(codigo).ok_or_else(|| {
        let conhecidas: Vec<String> = prefeituras()
            .iter()
            .map(|p| format!("{} ({})", p.codigo, p.nome))
            .collect();
        format!(
            "prefeitura \"{codigo}\" desconhecida no serviço NFD; conhecidas: {}",
            conhecidas.join(", ")
        )
    })
}

/// A valid nota's summary, as `guiche nfd validate --json` prints it in `resumo`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResumoNota {
    /// `NUMERO_NOTA`; `None` when blank (the ledger assigns it).
    pub numero: Option<u64>,
    /// `DATA_EMISSAO`, `DD/MM/AAAA`.
    pub data_emissao: String,
    /// `VALOR_TOTAL_NOTA`, with a decimal point (`"1234.56"`).
    pub valor_total: String,
    /// The customer: a CPF or CNPJ formatted, or `estrangeiro ID`.
    pub tomador: String,
    /// One sentence for people.
    #[serde(skip)]
    pub frase: String,
}

/// Validates a nota file's bytes as of `hoje`, with the rules of `prefeitura` when given.
///
/// # Errors
/// Every violation, the document's shape included.
pub fn validar(
    bytes: &[u8],
    prefeitura: Option<&Prefeitura>,
    hoje: Data,
) -> Result<ResumoNota, Violacoes> {
    let ctx = ContextoNfd {
        prefeitura,
        ..ContextoNfd::new(hoje)
    };
    let nota = ler_nota(bytes).and_then(|b| b.validar(&ctx))?;
    Ok(resumo(&nota, prefeitura))
}

fn tomador(nota: &Nota) -> String {
    match nota.tomador().identificacao {
        IdentificacaoTomador::Nacional(d) => d.to_string(),
        IdentificacaoTomador::Estrangeiro(id) => format!("estrangeiro {id}"),
    }
}

fn resumo(nota: &Nota, prefeitura: Option<&Prefeitura>) -> ResumoNota {
    let numero = nota
        .numero()
        .map_or("sem número (o livro atribui)".into(), |n| {
            format!("nº {n}")
        });
    let onde = prefeitura.map_or_else(
        || {
            " (sem --prefeitura: a regra do código de atividade do município não foi aplicada)"
                .into()
        },
        |p| format!(", {}", p.nome),
    );
    ResumoNota {
        numero: nota.numero(),
        data_emissao: nota.data_emissao().to_string(),
        valor_total: nota.valores().total.formatar_nfd(),
        tomador: tomador(nota),
        frase: format!(
            "{numero} de {}, {}, tomador {}{onde}",
            nota.data_emissao(),
            nota.valores().total,
            tomador(nota)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTA: &[u8] = include_bytes!("../../../domain/tests/vetores/nfd-manual.xml");

    #[test]
    fn neither_xml_nor_json_is_a_shape_violation() {
        for (bytes, motivo) in [(&b"  "[..], "vazio"), (&b"\xEF\xBB\xBFola"[..], "nem JSON")] {
            let v = ler_nota(bytes).unwrap_err();
            assert!(v.contem("$", Regra::RaizInvalida), "{v}");
            assert!(v.to_string().contains(motivo), "{v}");
        }
        assert_eq!(formato(b"\n {\"a\":1}").unwrap(), Formato::Json);
        assert_eq!(formato(b"\xFF\xFE<").unwrap(), Formato::Xml);
    }

    #[test]
    fn the_manuals_nota_is_reported_with_every_violation_then_valid_once_fixed() {
        let hoje = Data::new(2026, 11, 22).unwrap();
        let v = validar(NOTA, Some(prefeitura("3150").unwrap()), hoje).unwrap_err();
        assert!(
            v.contem("TOMADOR_DOCUMENTO", Regra::DocumentoInvalido),
            "{v}"
        );
        let corrigida = String::from_utf8_lossy(NOTA).replace("00000000000", "52998224725");
        let r = validar(corrigida.as_bytes(), None, hoje).unwrap();
        assert_eq!(r.tomador.replace(['.', '-'], ""), "52998224725");
        assert!(r.frase.contains("sem --prefeitura"), "{}", r.frase);
        assert!(prefeitura("9999").unwrap_err().contains("3150"));
    }
}
