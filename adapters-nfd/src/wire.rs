//! The NFD wire: SOAP 1.1 requests and replies of `EnviarNota` and `EnviarNotaRetornaurlNota`.
//!
//! The client and the simulator both use this module, and both are tested against the golden
//! vectors in `tests/vetores/` (the manual's request verbatim, replies in the `.asmx` shape) so
//! that they cannot drift together. Reading is namespace-aware: any envelope prefix, the
//! operation's namespace taken from the document.

use crate::Senha;
use crate::erro::ErroSoap;
use quick_xml::NsReader;
use quick_xml::events::{BytesRef, Event};
use quick_xml::name::ResolveResult;
use std::fmt;

/// The SOAP 1.1 envelope namespace.
pub const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// The two operations of the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operacao {
    /// Returns the authenticity code.
    EnviarNota,
    /// Returns the print URL.
    EnviarNotaRetornaurlNota,
}

impl Operacao {
    /// The operation's element name, also the end of its `SOAPAction`.
    pub fn nome(self) -> &'static str {
        match self {
            Operacao::EnviarNota => "EnviarNota",
            Operacao::EnviarNotaRetornaurlNota => "EnviarNotaRetornaurlNota",
        }
    }

    fn de_nome(nome: &str) -> Option<Operacao> {
        [Operacao::EnviarNota, Operacao::EnviarNotaRetornaurlNota]
            .into_iter()
            .find(|o| o.nome() == nome)
    }

    /// The `SOAPAction` header value: the namespace followed by the operation
    /// (`http://brgov.com.br/EnviarNota`).
    pub fn soap_action(self, namespace: &str) -> String {
        format!("{namespace}{}", self.nome())
    }
}

/// The four parameters of both operations.
#[derive(Clone, PartialEq, Eq)]
pub struct PedidoSoap {
    /// Which operation.
    pub operacao: Operacao,
    /// The operation's namespace (`http://brgov.com.br/`).
    pub namespace: String,
    /// `codPrefeitura`, leading zeros kept.
    pub cod_prefeitura: String,
    /// `notaFiscal`: the `<NOTA>` XML as a string.
    pub nota_fiscal: String,
    /// `cnpjPrestador`: digits.
    pub cnpj_prestador: String,
    /// `senhaNFD`.
    pub senha: Senha,
}

impl fmt::Debug for PedidoSoap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PedidoSoap")
            .field("operacao", &self.operacao)
            .field("namespace", &self.namespace)
            .field("cod_prefeitura", &self.cod_prefeitura)
            .field("cnpj_prestador", &self.cnpj_prestador)
            .field("senha", &self.senha)
            .finish_non_exhaustive()
    }
}

/// A result string split on its first dash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Retorno {
    /// `1-<code or URL>`.
    Sucesso(String),
    /// `0-<message>`.
    Erro(String),
}

/// The message of the duplicate reply.
pub const JA_CONSTA: &str = "Esta nota já consta no sistema.";

impl Retorno {
    /// Splits `1-…` / `0-…` on the first dash only (a message may contain dashes).
    ///
    /// # Errors
    /// [`ErroSoap::Retorno`] for anything else.
    pub fn ler(resultado: &str) -> Result<Retorno, ErroSoap> {
        match resultado.trim().split_once('-') {
            Some(("1", resto)) if !resto.trim().is_empty() => {
                Ok(Retorno::Sucesso(resto.to_owned()))
            }
            Some(("0", resto)) => Ok(Retorno::Erro(resto.to_owned())),
            _ => Err(ErroSoap::Retorno(resultado.to_owned())),
        }
    }

    /// The string on the wire.
    pub fn escrever(&self) -> String {
        match self {
            Retorno::Sucesso(s) => format!("1-{s}"),
            Retorno::Erro(s) => format!("0-{s}"),
        }
    }

    /// Whether this is the "already issued" refusal.
    pub fn ja_consta(&self) -> bool {
        matches!(self, Retorno::Erro(m) if m.trim() == JA_CONSTA)
    }
}

/// Escapes text content for XML.
fn texto(valor: &str) -> String {
    quick_xml::escape::escape(valor).into_owned()
}

/// The parameters of a request, borrowed: what the client writes for each nota without
/// copying the `<NOTA>` or the password first ([`PedidoSoap::parametros`] for an owned one).
#[derive(Clone, Copy)]
pub struct ParametrosPedido<'a> {
    /// Which operation.
    pub operacao: Operacao,
    /// The operation's namespace (`http://brgov.com.br/`).
    pub namespace: &'a str,
    /// `codPrefeitura`, leading zeros kept.
    pub cod_prefeitura: &'a str,
    /// `notaFiscal`: the `<NOTA>` XML as a string.
    pub nota_fiscal: &'a str,
    /// `cnpjPrestador`: digits.
    pub cnpj_prestador: &'a str,
    /// `senhaNFD`.
    pub senha: &'a Senha,
}

impl fmt::Debug for ParametrosPedido<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParametrosPedido")
            .field("operacao", &self.operacao)
            .field("namespace", &self.namespace)
            .field("cod_prefeitura", &self.cod_prefeitura)
            .field("cnpj_prestador", &self.cnpj_prestador)
            .field("senha", self.senha)
            .finish_non_exhaustive()
    }
}

/// The fixed text of a request envelope, without the operation's name, namespace and
/// parameters (an upper bound, for the buffer's capacity).
const MOLDURA_PEDIDO: usize = 400;

impl ParametrosPedido<'_> {
    /// Writes the request envelope in the manual's layout, the `<NOTA>` as CDATA (a `]]>`
    /// inside is split across two sections), into one buffer sized up front.
    pub fn escrever(&self) -> String {
        let op = self.operacao.nome();
        let mut s = String::with_capacity(
            MOLDURA_PEDIDO
                + 2 * op.len()
                + self.namespace.len()
                + self.cod_prefeitura.len()
                + self.nota_fiscal.len()
                + self.cnpj_prestador.len()
                + self.senha.expor().len(),
        );
        for parte in [
            "<soap:Envelope xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n\
             xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"\n\
             xmlns:soap=\"",
            SOAP_ENV,
            "\">\n<soap:Body>\n<",
            op,
            " xmlns=\"",
        ] {
            s.push_str(parte);
        }
        s.push_str(&quick_xml::escape::escape(self.namespace));
        s.push_str("\">\n<codPrefeitura>");
        s.push_str(&quick_xml::escape::escape(self.cod_prefeitura));
        s.push_str("</codPrefeitura>\n<notaFiscal><![CDATA[\n");
        if self.nota_fiscal.contains("]]>") {
            s.push_str(&self.nota_fiscal.replace("]]>", "]]]]><![CDATA[>"));
        } else {
            s.push_str(self.nota_fiscal);
        }
        s.push_str("\n]]></notaFiscal>\n<cnpjPrestador>");
        s.push_str(&quick_xml::escape::escape(self.cnpj_prestador));
        s.push_str("</cnpjPrestador>\n<senhaNFD>");
        s.push_str(&quick_xml::escape::escape(self.senha.expor()));
        for parte in ["</senhaNFD>\n</", op, ">\n</soap:Body>\n</soap:Envelope>\n"] {
            s.push_str(parte);
        }
        s
    }
}

impl PedidoSoap {
    /// The same request, borrowed.
    pub fn parametros(&self) -> ParametrosPedido<'_> {
        ParametrosPedido {
            operacao: self.operacao,
            namespace: &self.namespace,
            cod_prefeitura: &self.cod_prefeitura,
            nota_fiscal: &self.nota_fiscal,
            cnpj_prestador: &self.cnpj_prestador,
            senha: &self.senha,
        }
    }
}

/// Writes the request envelope in the manual's layout: the `<NOTA>` travels as CDATA
/// ([`ParametrosPedido::escrever`]).
pub fn escrever_pedido(p: &PedidoSoap) -> String {
    p.parametros().escrever()
}

/// Writes a reply envelope (`{Operação}Response` / `{Operação}Result`).
pub fn escrever_resposta(operacao: Operacao, namespace: &str, resultado: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <soap:Envelope xmlns:soap=\"{SOAP_ENV}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><soap:Body><{op}Response xmlns=\"{ns}\">\
         <{op}Result>{r}</{op}Result></{op}Response></soap:Body></soap:Envelope>\n",
        op = operacao.nome(),
        ns = texto(namespace),
        r = texto(resultado),
    )
}

/// Writes a SOAP 1.1 Fault (what an `.asmx` service answers, with HTTP 500, on an exception).
pub fn escrever_fault(codigo: &str, mensagem: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Body><soap:Fault>\
         <faultcode>{c}</faultcode><faultstring>{m}</faultstring>\
         </soap:Fault></soap:Body></soap:Envelope>\n",
        c = texto(codigo),
        m = texto(mensagem),
    )
}

/// One element of a parsed SOAP document: namespace, local name, depth and text.
#[derive(Debug)]
struct Elemento {
    namespace: Option<String>,
    nome: String,
    profundidade: usize,
    texto: String,
}

/// Flattens a document into its elements in document order, with their direct text (text,
/// CDATA and resolved references concatenated).
fn elementos(xml: &str) -> Result<Vec<Elemento>, ErroSoap> {
    let mut r = NsReader::from_str(xml);
    let mut pilha: Vec<usize> = Vec::new();
    let mut v: Vec<Elemento> = Vec::new();
    loop {
        let (ns, ev) = r
            .read_resolved_event()
            .map_err(|e| ErroSoap::Xml(e.to_string()))?;
        let namespace = match ns {
            ResolveResult::Bound(n) => Some(n.into_inner().to_owned()),
            _ => None,
        };
        match ev {
            Event::Start(e) => {
                pilha.push(v.len());
                v.push(Elemento {
                    namespace,
                    nome: e.local_name().as_ref().to_owned(),
                    profundidade: pilha.len(),
                    texto: String::new(),
                });
            }
            Event::Empty(e) => {
                v.push(Elemento {
                    namespace,
                    nome: e.local_name().as_ref().to_owned(),
                    profundidade: pilha.len() + 1,
                    texto: String::new(),
                });
            }
            Event::End(_) => {
                pilha.pop();
            }
            Event::Text(t) => anexar(&mut v, &pilha, &t.xml10_content()),
            Event::CData(c) => anexar(&mut v, &pilha, &c.xml10_content()),
            Event::GeneralRef(g) => anexar(&mut v, &pilha, &referencia(&g)?),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(v)
}

fn anexar(v: &mut [Elemento], pilha: &[usize], texto: &str) {
    if let Some(e) = pilha.last().and_then(|&i| v.get_mut(i)) {
        e.texto.push_str(texto);
    }
}

fn referencia(r: &BytesRef<'_>) -> Result<String, ErroSoap> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Ok(c.to_string());
    }
    match &**r {
        "amp" => Ok("&".into()),
        "lt" => Ok("<".into()),
        "gt" => Ok(">".into()),
        "quot" => Ok("\"".into()),
        "apos" => Ok("'".into()),
        outro => Err(ErroSoap::Xml(format!("entidade desconhecida &{outro};"))),
    }
}

/// The first child of `soap:Body` and its descendants, checking the envelope.
fn corpo(v: &[Elemento]) -> Result<&[Elemento], ErroSoap> {
    let raiz = v
        .first()
        .ok_or_else(|| ErroSoap::Forma("documento vazio".into()))?;
    if raiz.nome != "Envelope" || raiz.namespace.as_deref() != Some(SOAP_ENV) {
        return Err(ErroSoap::Forma(format!(
            "a raiz é <{}>, não soap:Envelope",
            raiz.nome
        )));
    }
    let body = v
        .iter()
        .position(|e| {
            e.profundidade == 2 && e.nome == "Body" && e.namespace.as_deref() == Some(SOAP_ENV)
        })
        .ok_or_else(|| ErroSoap::Forma("falta soap:Body".into()))?;
    let inicio = body + 1;
    if v.get(inicio).is_none_or(|e| e.profundidade != 3) {
        return Err(ErroSoap::Forma("soap:Body vazio".into()));
    }
    let fim = v[inicio + 1..]
        .iter()
        .position(|e| e.profundidade <= 3)
        .map_or(v.len(), |p| inicio + 1 + p);
    Ok(&v[inicio..fim])
}

/// A direct child (depth 4) of the Body's first child, by local name. `op` is what [`corpo`]
/// returns, so nothing outside the operation (a `soap:Header`, say) can answer.
fn filho<'a>(op: &'a [Elemento], nome: &str) -> Option<&'a Elemento> {
    op.iter().find(|e| e.profundidade == 4 && e.nome == nome)
}

/// Reads a request (what the simulator receives).
///
/// # Errors
/// [`ErroSoap`] naming what is missing or malformed.
pub fn ler_pedido(xml: &str) -> Result<PedidoSoap, ErroSoap> {
    let v = elementos(xml)?;
    let partes = corpo(&v)?;
    let op = &partes[0];
    let operacao = Operacao::de_nome(&op.nome)
        .ok_or_else(|| ErroSoap::Forma(format!("operação desconhecida <{}>", op.nome)))?;
    let campo = |nome: &str| {
        filho(partes, nome)
            .map(|e| e.texto.clone())
            .ok_or_else(|| ErroSoap::Forma(format!("falta o parâmetro {nome}")))
    };
    Ok(PedidoSoap {
        operacao,
        namespace: op.namespace.clone().unwrap_or_default(),
        cod_prefeitura: campo("codPrefeitura")?.trim().to_owned(),
        nota_fiscal: campo("notaFiscal")?.trim().to_owned(),
        cnpj_prestador: campo("cnpjPrestador")?.trim().to_owned(),
        senha: Senha::new(campo("senhaNFD")?),
    })
}

/// Reads a reply (what the client receives): the result string of `operacao`.
///
/// # Errors
/// [`ErroSoap::Fault`] for a SOAP Fault, [`ErroSoap`] for any other shape.
pub fn ler_resposta(xml: &str, operacao: Operacao) -> Result<String, ErroSoap> {
    let v = elementos(xml)?;
    let partes = corpo(&v)?;
    let c = &partes[0];
    if c.nome == "Fault" {
        let parte = |n: &str| {
            filho(partes, n)
                .map(|e| e.texto.trim().to_owned())
                .unwrap_or_default()
        };
        return Err(ErroSoap::Fault {
            codigo: parte("faultcode"),
            mensagem: parte("faultstring"),
        });
    }
    let esperado = format!("{}Response", operacao.nome());
    if c.nome != esperado {
        return Err(ErroSoap::Forma(format!(
            "esperava <{esperado}>, veio <{}>",
            c.nome
        )));
    }
    let resultado = format!("{}Result", operacao.nome());
    filho(partes, &resultado)
        .map(|e| e.texto.clone())
        .ok_or_else(|| ErroSoap::Forma(format!("falta <{resultado}>")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEDIDO: &str = include_str!("../tests/vetores/pedido-manual.xml");
    const NOTA: &str = include_str!("../../domain/tests/vetores/nfd-manual.xml");

    fn manual() -> PedidoSoap {
        PedidoSoap {
            operacao: Operacao::EnviarNota,
            namespace: "http://brgov.com.br/".into(),
            cod_prefeitura: "3150".into(),
            nota_fiscal: NOTA.trim_end().into(),
            cnpj_prestador: "21118045000135".into(),
            senha: Senha::new("fiscalb"),
        }
    }

    #[test]
    fn manual_request_is_written_byte_for_byte() {
        assert_eq!(escrever_pedido(&manual()), PEDIDO);
    }

    #[test]
    fn borrowed_parameters_write_the_same_bytes() {
        let p = manual();
        let emprestado = ParametrosPedido {
            operacao: p.operacao,
            namespace: &p.namespace,
            cod_prefeitura: &p.cod_prefeitura,
            nota_fiscal: &p.nota_fiscal,
            cnpj_prestador: &p.cnpj_prestador,
            senha: &p.senha,
        };
        assert_eq!(emprestado.escrever(), PEDIDO);
        // What needs escaping is escaped, and a CDATA terminator in the nota split.
        let estranho = ParametrosPedido {
            operacao: Operacao::EnviarNotaRetornaurlNota,
            namespace: "http://x/",
            cod_prefeitura: "<3150>",
            nota_fiscal: "<NOTA><X>a]]>b</X></NOTA>",
            cnpj_prestador: "1&2",
            senha: &Senha::new("s<'&'>"),
        };
        let xml = estranho.escrever();
        let lido = ler_pedido(&xml).unwrap();
        assert_eq!(lido.operacao, Operacao::EnviarNotaRetornaurlNota);
        assert_eq!(lido.namespace, "http://x/");
        assert_eq!(lido.cod_prefeitura, "<3150>");
        assert_eq!(lido.nota_fiscal, "<NOTA><X>a]]>b</X></NOTA>");
        assert_eq!(lido.cnpj_prestador, "1&2");
        assert_eq!(lido.senha.expor(), "s<'&'>");
    }

    #[test]
    fn manual_request_is_read() {
        assert_eq!(ler_pedido(PEDIDO).unwrap(), manual());
        assert_eq!(
            Operacao::EnviarNota.soap_action("http://brgov.com.br/"),
            "http://brgov.com.br/EnviarNota"
        );
    }

    #[test]
    fn golden_replies_are_read_and_written() {
        for (arquivo, op, esperado) in [
            (
                include_str!("../tests/vetores/resposta-enviar-nota.xml"),
                Operacao::EnviarNota,
                "1-MOPD33J.POA234J.OI5WR465.098KJDDW",
            ),
            (
                include_str!("../tests/vetores/resposta-duplicada.xml"),
                Operacao::EnviarNota,
                "0-Esta nota já consta no sistema.",
            ),
            (
                include_str!("../tests/vetores/resposta-url.xml"),
                Operacao::EnviarNotaRetornaurlNota,
                "1-http://www.brgov.com.br/nfd2010/WebPages/Nfd/Usuarios/NotaFiscalImpressao.aspx?p=9999&a=MOO5D33JPOA2378TROI5WR465098KJDFRT&n=99",
            ),
        ] {
            assert_eq!(ler_resposta(arquivo, op).unwrap(), esperado);
            assert_eq!(
                escrever_resposta(op, "http://brgov.com.br/", esperado),
                arquivo
            );
        }
    }

    #[test]
    fn a_header_cannot_answer_for_the_body() {
        let xml = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Header><h:Sec xmlns:h=\"x\">\
                   <h:EnviarNotaResult>1-FALSO</h:EnviarNotaResult></h:Sec></s:Header><s:Body>\
                   <EnviarNotaResponse xmlns=\"http://brgov.com.br/\"/></s:Body></s:Envelope>";
        assert!(matches!(
            ler_resposta(xml, Operacao::EnviarNota),
            Err(ErroSoap::Forma(_))
        ));
    }

    #[test]
    fn any_envelope_prefix_is_read() {
        let xml = "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body>\
                   <x:EnviarNotaResponse xmlns:x=\"http://susesu.com.br/\"><x:EnviarNotaResult>0-Erro - com hífen</x:EnviarNotaResult>\
                   </x:EnviarNotaResponse></e:Body></e:Envelope>";
        let r = ler_resposta(xml, Operacao::EnviarNota).unwrap();
        assert_eq!(
            Retorno::ler(&r).unwrap(),
            Retorno::Erro("Erro - com hífen".into())
        );
    }

    #[test]
    fn faults_and_wrong_shapes_are_errors() {
        let f = escrever_fault("soap:Server", "Server was unable to process request.");
        assert!(matches!(
            ler_resposta(&f, Operacao::EnviarNota),
            Err(ErroSoap::Fault { .. })
        ));
        assert!(matches!(
            ler_resposta("<html>oops</html>", Operacao::EnviarNota),
            Err(ErroSoap::Forma(_))
        ));
        assert!(matches!(
            ler_resposta("<soap:Envelope", Operacao::EnviarNota),
            Err(ErroSoap::Xml(_))
        ));
        let url = include_str!("../tests/vetores/resposta-url.xml");
        assert!(matches!(
            ler_resposta(url, Operacao::EnviarNota),
            Err(ErroSoap::Forma(_))
        ));
    }

    #[test]
    fn result_strings_split_on_the_first_dash() {
        assert_eq!(
            Retorno::ler("1-A-B").unwrap(),
            Retorno::Sucesso("A-B".into())
        );
        assert!(
            Retorno::ler("0-Esta nota já consta no sistema.")
                .unwrap()
                .ja_consta()
        );
        assert!(Retorno::ler("2-x").is_err());
        assert!(Retorno::ler("1-").is_err(), "sucesso sem código");
        assert!(Retorno::ler("sucesso").is_err());
        assert!(Retorno::ler("").is_err());
    }

    #[test]
    fn cdata_survives_its_terminator_in_a_value() {
        let mut p = manual();
        p.nota_fiscal = "<NOTA><X>a]]>b</X></NOTA>".into();
        assert_eq!(
            ler_pedido(&escrever_pedido(&p)).unwrap().nota_fiscal,
            p.nota_fiscal
        );
    }

    #[test]
    fn debug_hides_the_password() {
        assert!(!format!("{:?}", manual()).contains("fiscalb"));
    }
}
