//! Provider profiles of the NFD service, as data (`data/provedores.tsv`): the SOAP namespace
//! (and so the `SOAPAction` prefix), the production endpoint, the text conventions of the free
//! text fields, and the municipalities each provider serves.

use guiche_domain::nfd::{Nota, Tag};
use std::sync::LazyLock;

const TABELA: &str = include_str!("../data/provedores.tsv");

/// How a provider wants line breaks and repeated spaces written in free text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvencaoTexto {
    /// The manual's convention: line breaks as `\r\n` in `OUTRAS_INFORMACOES` and
    /// `DESCRICAO_SERVICOS`; in `DESCRICAO_SERVICOS`, each extra space of a run as `&nbsp;`.
    Brgov,
}

impl ConvencaoTexto {
    /// Converts the value of a free-text tag to the provider's convention. The one place that
    /// decides it, so a homologation round that shows otherwise changes only this function.
    pub fn converter(self, tag: Tag, valor: &str) -> String {
        match (self, tag) {
            (ConvencaoTexto::Brgov, Tag::OutrasInformacoes) => crlf(valor),
            (ConvencaoTexto::Brgov, Tag::DescricaoServicos) => nbsp(&crlf(valor)),
            _ => valor.to_owned(),
        }
    }
}

/// Every line break (`\n`, `\r\n` or a lone `\r`) as `\r\n`.
fn crlf(valor: &str) -> String {
    valor
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "\r\n")
}

/// The first space of a run stays a space; each following one becomes `&nbsp;`.
fn nbsp(valor: &str) -> String {
    let mut s = String::with_capacity(valor.len());
    let mut anterior_espaco = false;
    for c in valor.chars() {
        if c == ' ' && anterior_espaco {
            s.push_str("&nbsp;");
        } else {
            s.push(c);
        }
        anterior_espaco = c == ' ';
    }
    s
}

/// A provider of the NFD service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provedor {
    /// Its name (`brgov`).
    pub nome: String,
    /// SOAP namespace of the operations, ending in `/`.
    pub namespace: String,
    /// Production endpoint (the `.asmx` URL).
    pub endpoint: String,
    /// Text conventions.
    pub texto: ConvencaoTexto,
    /// `codPrefeitura` codes it serves.
    pub prefeituras: Vec<String>,
}

/// A line of a provider table that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("tabela de provedores NFD, linha {linha}: {motivo}")]
pub struct ErroTabelaProvedores {
    /// 1-based line number.
    pub linha: usize,
    /// What is wrong.
    pub motivo: String,
}

static EMBUTIDOS: LazyLock<Vec<Provedor>> =
    LazyLock::new(|| Provedor::tabela(TABELA).unwrap_or_default());

impl Provedor {
    /// The shipped providers.
    pub fn embutidos() -> &'static [Provedor] {
        &EMBUTIDOS
    }

    /// The shipped provider that serves `prefeitura`.
    pub fn da_prefeitura(prefeitura: &str) -> Option<&'static Provedor> {
        Provedor::embutidos().iter().find(|p| p.atende(prefeitura))
    }

    /// Whether it serves `prefeitura` (compared as the service does, as integers: `44` is
    /// `0044`).
    pub fn atende(&self, prefeitura: &str) -> bool {
        let numero = |s: &str| s.trim().parse::<u32>().ok();
        self.prefeituras.iter().any(|p| {
            p == prefeitura.trim() || (numero(p).is_some() && numero(p) == numero(prefeitura))
        })
    }

    /// The `<NOTA>` document for `nota`: canonical values, free texts in the provider's
    /// convention, written with a real XML writer.
    pub fn documento(&self, nota: &Nota) -> String {
        let mut b = nota.bruta();
        for tag in [Tag::OutrasInformacoes, Tag::DescricaoServicos] {
            let convertido = self.texto.converter(tag, b.get(tag));
            b.set(tag, convertido);
        }
        b.para_xml()
    }

    /// Reads a table of the shape of `data/provedores.tsv`.
    ///
    /// # Errors
    /// The first line that cannot be read.
    pub fn tabela(texto: &str) -> Result<Vec<Provedor>, ErroTabelaProvedores> {
        texto
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|(i, l)| {
                linha(l).map_err(|motivo| ErroTabelaProvedores {
                    linha: i + 1,
                    motivo,
                })
            })
            .collect()
    }
}

fn linha(l: &str) -> Result<Provedor, String> {
    let c: Vec<&str> = l.split('\t').collect();
    let [nome, namespace, endpoint, texto, prefeituras] = c[..] else {
        return Err(format!(
            "esperava 5 colunas separadas por TAB, encontrou {}",
            c.len()
        ));
    };
    if !namespace.ends_with('/') {
        return Err(format!("o namespace \"{namespace}\" deve terminar em /"));
    }
    if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
        return Err(format!("endpoint \"{endpoint}\" deve ser uma URL http(s)"));
    }
    let texto = match texto {
        "brgov" => ConvencaoTexto::Brgov,
        outro => {
            return Err(format!(
                "convenção de texto \"{outro}\" desconhecida (use brgov)"
            ));
        }
    };
    Ok(Provedor {
        nome: nome.to_owned(),
        namespace: namespace.to_owned(),
        endpoint: endpoint.to_owned(),
        texto,
        prefeituras: prefeituras
            .split(',')
            .map(|p| p.trim().to_owned())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_provider_serves_the_three_municipalities() {
        let p = Provedor::da_prefeitura("0044").unwrap();
        assert_eq!(p.namespace, "http://brgov.com.br/");
        assert!(p.atende("3150") && p.atende("3039"));
        assert!(
            Provedor::da_prefeitura("44").is_some(),
            "o serviço lê o código como inteiro"
        );
        assert!(Provedor::da_prefeitura("45").is_none());
    }

    #[test]
    fn text_conventions() {
        let c = ConvencaoTexto::Brgov;
        assert_eq!(
            c.converter(Tag::OutrasInformacoes, "a\nb\r\nc\rd"),
            "a\r\nb\r\nc\r\nd"
        );
        assert_eq!(
            c.converter(Tag::DescricaoServicos, "a   b c"),
            "a &nbsp;&nbsp;b c"
        );
        assert_eq!(c.converter(Tag::TomadorRazao, "a   b"), "a   b");
    }

    #[test]
    fn bad_rows_are_named() {
        let e = Provedor::tabela("x\thttp://a\thttp://b\tbrgov\t1").unwrap_err();
        assert!(e.motivo.contains("terminar em /"));
        let e = Provedor::tabela("x\thttp://a/\tftp://b\tbrgov\t1").unwrap_err();
        assert!(e.motivo.contains("URL"));
    }
}
