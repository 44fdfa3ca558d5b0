//! The `<NOTA>` document of the NFD manual, as XML or as JSON with the same keys.
//!
//! Reading checks the *shape* (every tag present once, nothing unknown, no nested elements) and
//! reports problems as [`Violacoes`] like any other rule; values are kept exactly as written.
//! Writing uses a real XML writer: every value is escaped, and a carriage return is written as
//! `&#13;` so that an XML parser on the other side keeps it.

use super::codificacao;
use crate::nfd::{NotaBruta, Tag};
use crate::{Regra, Violacoes};
use quick_xml::Reader;
use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesRef, BytesStart, BytesText, Event};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

const RAIZ: &str = "NOTA";

impl NotaBruta {
    /// Reads the manual's `<NOTA>` XML from text already decoded (a declared `encoding` is
    /// not looked at: see [`NotaBruta::de_xml_bytes`] for a file's bytes).
    ///
    /// # Errors
    /// [`Violacoes`] for malformed XML, a root other than `<NOTA>`, and each missing, unknown,
    /// repeated or nested tag.
    pub fn de_xml(xml: &str) -> Result<NotaBruta, Violacoes> {
        let mut leitor = LeitorNota::default();
        let mut reader = Reader::from_str(xml);
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(ev) => leitor.evento(ev),
                Err(e) => {
                    let pos = reader.error_position();
                    leitor.erros.add(
                        RAIZ,
                        Regra::XmlInvalido,
                        format!("XML malformado perto do byte {pos}: {e}"),
                        "",
                    );
                    return Err(leitor.erros);
                }
            }
            if leitor.fim {
                break;
            }
        }
        leitor.concluir()
    }

    /// Reads a `<NOTA>` XML file's bytes, decoded by its declaration: UTF-8 (the default, a BOM
    /// accepted), ISO-8859-1 or windows-1252. The text is borrowed from `bytes` when it is
    /// UTF-8 (or ASCII); other encodings are decoded once, then read as [`NotaBruta::de_xml`].
    ///
    /// # Errors
    /// [`Violacoes`] with [`Regra::CodificacaoInvalida`] naming the encoding, the byte and
    /// its line when the bytes are not in the declared encoding or the encoding is one we do not
    /// read; otherwise as [`NotaBruta::de_xml`].
    pub fn de_xml_bytes(bytes: &[u8]) -> Result<NotaBruta, Violacoes> {
        NotaBruta::de_xml(&codificacao::texto_xml(bytes, RAIZ)?)
    }

    /// Reads a JSON nota file's bytes: UTF-8, a BOM accepted.
    ///
    /// # Errors
    /// [`Violacoes`] with [`Regra::CodificacaoInvalida`] when the bytes are not UTF-8;
    /// otherwise as [`NotaBruta::de_json`].
    pub fn de_json_bytes(bytes: &[u8]) -> Result<NotaBruta, Violacoes> {
        NotaBruta::de_json(codificacao::texto_json(bytes, RAIZ)?)
    }

    /// Writes the `<NOTA>` XML as the manual shows it: one tag per line, blank tags as `<TAG/>`.
    pub fn para_xml(&self) -> String {
        let mut w = Writer::new(Vec::with_capacity(2048));
        let nl = || Event::Text(BytesText::from_escaped("\n"));
        // Writing into a Vec cannot fail; errors are impossible here.
        let _ = w.write_event(Event::Start(BytesStart::new(RAIZ)));
        let _ = w.write_event(nl());
        for (tag, valor) in self.iter() {
            if valor.is_empty() {
                let _ = w.write_event(Event::Empty(BytesStart::new(tag.nome())));
            } else {
                let _ = w.write_event(Event::Start(BytesStart::new(tag.nome())));
                let _ = w.write_event(Event::Text(BytesText::from_escaped(escapar(valor))));
                let _ = w.write_event(Event::End(BytesEnd::new(tag.nome())));
            }
            let _ = w.write_event(nl());
        }
        let _ = w.write_event(Event::End(BytesEnd::new(RAIZ)));
        String::from_utf8(w.into_inner()).unwrap_or_default()
    }

    /// Reads a JSON object with the tags as keys, in one typed pass (no intermediate tree).
    /// Values are text; numbers are accepted as written (a decimal point becomes the NFD comma)
    /// and `null` is blank.
    ///
    /// # Errors
    /// [`Violacoes`] for malformed JSON, a non-object, and each missing, unknown, repeated or
    /// mistyped key.
    pub fn de_json(json: &str) -> Result<NotaBruta, Violacoes> {
        let mut de = serde_json::Deserializer::from_str(json);
        let lida = (&mut de)
            .deserialize_map(LeitorJson)
            .and_then(|l| de.end().map(|()| l));
        match lida {
            Ok((nota, erros)) => erros.ou(nota),
            Err(e) => {
                let mut v = Violacoes::default();
                // Only the root's type is checked as data: inside, every value is taken raw.
                if e.is_data() {
                    v.add(
                        RAIZ,
                        Regra::RaizInvalida,
                        "esperava um objeto JSON com as tags da nota",
                        "",
                    );
                } else {
                    v.add(
                        RAIZ,
                        Regra::JsonInvalido,
                        format!("JSON malformado: {e}"),
                        "",
                    );
                }
                Err(v)
            }
        }
    }
}

/// The JSON nota's object, read key by key into a [`NotaBruta`], collecting every violation.
struct LeitorJson;

impl<'de> Visitor<'de> for LeitorJson {
    type Value = (NotaBruta, Violacoes);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("um objeto JSON com as tags da nota")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut mapa: A) -> Result<Self::Value, A::Error> {
        let mut nota = NotaBruta::default();
        let mut vistas = [false; 30];
        let mut erros = Violacoes::default();
        while let Some(chave) = mapa.next_key::<Chave<'de>>()? {
            let valor: &'de RawValue = mapa.next_value()?;
            let tag = match chave {
                Chave::Tag(tag) => tag,
                Chave::Outra(nome) => {
                    erros.add(
                        nome,
                        Regra::CampoDesconhecido,
                        "chave que não existe no leiaute da nota",
                        "",
                    );
                    continue;
                }
            };
            if std::mem::replace(&mut vistas[tag as usize], true) {
                erros.add(
                    tag.nome(),
                    Regra::CampoRepetido,
                    "a chave aparece mais de uma vez no objeto",
                    valor.get(),
                );
                continue;
            }
            match texto_json(valor.get()) {
                Some(texto) => nota.set(tag, texto),
                None => erros.add(
                    tag.nome(),
                    Regra::TipoInvalido,
                    "esperava texto ou número",
                    valor.get(),
                ),
            }
        }
        for tag in Tag::TODAS {
            if !vistas[tag as usize] {
                erros.add(
                    tag.nome(),
                    Regra::CampoAusente,
                    "chave obrigatória no leiaute (pode ter valor vazio)",
                    "",
                );
            }
        }
        Ok((nota, erros))
    }
}

/// The text of a JSON value as the nota keeps it: a string's content, a number's exact text
/// with the NFD decimal comma, `null` blank; `None` for the other types.
fn texto_json(bruto: &str) -> Option<Cow<'_, str>> {
    match bruto.as_bytes().first()? {
        // serde_json validated the string: without escapes its content is what lies between
        // the quotes.
        b'"' if !bruto.contains('\\') => bruto.get(1..bruto.len() - 1).map(Cow::Borrowed),
        b'"' => serde_json::from_str::<String>(bruto).ok().map(Cow::Owned),
        b'-' | b'0'..=b'9' if bruto.contains('.') => Some(Cow::Owned(bruto.replace('.', ","))),
        b'-' | b'0'..=b'9' => Some(Cow::Borrowed(bruto)),
        b'n' => Some(Cow::Borrowed("")),
        _ => None,
    }
}

/// A key of the JSON nota: one of the 30 tags, or another name (kept for the violation).
enum Chave<'de> {
    Tag(Tag),
    Outra(Cow<'de, str>),
}

impl<'de> Deserialize<'de> for Chave<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Chave<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("o nome de uma tag da nota")
            }
            fn visit_borrowed_str<E>(self, nome: &'de str) -> Result<Chave<'de>, E> {
                Ok(Tag::from_nome(nome).map_or(Chave::Outra(Cow::Borrowed(nome)), Chave::Tag))
            }
            fn visit_str<E>(self, nome: &str) -> Result<Chave<'de>, E> {
                Ok(Tag::from_nome(nome)
                    .map_or_else(|| Chave::Outra(nome.to_owned().into()), Chave::Tag))
            }
        }
        d.deserialize_str(V)
    }
}

/// Escapes text content: `&`, `<`, `>` and quotes as entities, carriage return as `&#13;`.
fn escapar(valor: &str) -> String {
    quick_xml::escape::escape(valor).replace('\r', "&#13;")
}

#[derive(Default)]
struct LeitorNota {
    nota: NotaBruta,
    vistas: [bool; 30],
    erros: Violacoes,
    profundidade: usize,
    raiz_vista: bool,
    atual: Option<Tag>,
    fim: bool,
}

impl LeitorNota {
    fn evento(&mut self, ev: Event<'_>) {
        match ev {
            Event::Start(e) => self.abrir(&e, false),
            Event::Empty(e) => self.abrir(&e, true),
            Event::End(_) => self.fechar(),
            Event::Text(t) => self.texto(&t.xml10_content()),
            Event::CData(c) => self.texto(&c.xml10_content()),
            Event::GeneralRef(r) => self.referencia(&r),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) | Event::Eof => {}
        }
    }

    fn abrir(&mut self, e: &BytesStart<'_>, vazio: bool) {
        let nome = e.local_name();
        let nome: &str = nome.as_ref();
        match self.profundidade {
            0 if nome == RAIZ => self.raiz_vista = true,
            0 => self.erros.add(
                nome,
                Regra::RaizInvalida,
                "o elemento raiz da nota é <NOTA>",
                "",
            ),
            1 => self.abrir_tag(nome),
            _ => {
                let pai = self.atual.map_or(RAIZ, Tag::nome);
                self.erros.add(
                    pai,
                    Regra::TipoInvalido,
                    format!("a tag não pode conter outras tags (<{nome}>)"),
                    "",
                );
            }
        }
        if vazio {
            self.fechar_vazio();
        } else {
            self.profundidade += 1;
        }
    }

    fn fechar_vazio(&mut self) {
        if self.profundidade == 0 && self.raiz_vista {
            self.fim = true;
        }
        if self.profundidade == 1 {
            self.atual = None;
        }
    }

    fn abrir_tag(&mut self, nome: &str) {
        self.atual = None;
        let Some(tag) = Tag::from_nome(nome) else {
            self.erros.add(
                nome,
                Regra::CampoDesconhecido,
                "tag que não existe no leiaute da nota",
                "",
            );
            return;
        };
        if std::mem::replace(&mut self.vistas[tag as usize], true) {
            self.erros.add(
                nome,
                Regra::CampoRepetido,
                "a tag aparece mais de uma vez",
                "",
            );
            return;
        }
        self.atual = Some(tag);
    }

    fn fechar(&mut self) {
        self.profundidade = self.profundidade.saturating_sub(1);
        match self.profundidade {
            0 => self.fim = self.raiz_vista,
            1 => self.atual = None,
            _ => {}
        }
    }

    fn texto(&mut self, t: &str) {
        match (self.profundidade, self.atual) {
            (2, Some(tag)) => self.nota.anexar(tag, t),
            (0 | 1, _) if t.trim().is_empty() => {}
            (1, _) => self.erros.add(
                RAIZ,
                Regra::TipoInvalido,
                "texto solto dentro de <NOTA>, fora de uma tag",
                t.trim(),
            ),
            _ => {}
        }
    }

    fn referencia(&mut self, r: &BytesRef<'_>) {
        let c = match r.resolve_char_ref() {
            Ok(Some(c)) => Some(c),
            _ => match &**r {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => None,
            },
        };
        match c {
            Some(c) => self.texto(c.encode_utf8(&mut [0; 4])),
            None => {
                let campo = self.atual.map_or(RAIZ, Tag::nome);
                self.erros.add(
                    campo,
                    Regra::XmlInvalido,
                    "entidade XML desconhecida",
                    format!("&{};", &**r),
                );
            }
        }
    }

    fn concluir(mut self) -> Result<NotaBruta, Violacoes> {
        if !self.raiz_vista {
            if self.erros.is_empty() {
                self.erros.add(
                    RAIZ,
                    Regra::RaizInvalida,
                    "o documento não tem o elemento <NOTA>",
                    "",
                );
            }
            return Err(self.erros);
        }
        for tag in Tag::TODAS {
            if !self.vistas[tag as usize] {
                self.erros.add(
                    tag.nome(),
                    Regra::CampoAusente,
                    "tag obrigatória no leiaute (pode ficar vazia, mas deve estar presente)",
                    "",
                );
            }
        }
        self.erros.ou(self.nota)
    }
}

#[cfg(test)]
#[path = "nota_testes.rs"]
mod testes;
