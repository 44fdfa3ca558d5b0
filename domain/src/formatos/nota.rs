//! The `<NOTA>` document of the NFD manual, as XML or as JSON with the same keys.
//!
//! Reading checks the *shape* (every tag present once, nothing unknown, no nested elements) and
//! reports problems as [`Violacoes`] like any other rule; values are kept exactly as written.
//! Writing uses a real XML writer: every value is escaped, and a carriage return is written as
//! `&#13;` so that an XML parser on the other side keeps it.

use crate::nfd::{NotaBruta, Tag};
use crate::{Regra, Violacoes};
use quick_xml::Reader;
use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesRef, BytesStart, BytesText, Event};
use serde_json::Value;

const RAIZ: &str = "NOTA";

impl NotaBruta {
    /// Reads the manual's `<NOTA>` XML.
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

    /// Reads a JSON object with the tags as keys. Values are text; numbers are accepted (a
    /// decimal point becomes the NFD comma) and `null` is blank.
    ///
    /// # Errors
    /// [`Violacoes`] for malformed JSON, a non-object, and each missing, unknown or mistyped key.
    pub fn de_json(json: &str) -> Result<NotaBruta, Violacoes> {
        let mut erros = Violacoes::default();
        let valor: Value = serde_json::from_str(json).map_err(|e| {
            let mut v = Violacoes::default();
            v.add(
                RAIZ,
                Regra::JsonInvalido,
                format!("JSON malformado: {e}"),
                "",
            );
            v
        })?;
        let Value::Object(mapa) = valor else {
            erros.add(
                RAIZ,
                Regra::RaizInvalida,
                "esperava um objeto JSON com as tags da nota",
                "",
            );
            return Err(erros);
        };
        let mut nota = NotaBruta::default();
        for (chave, v) in &mapa {
            let Some(tag) = Tag::from_nome(chave) else {
                erros.add(
                    chave,
                    Regra::CampoDesconhecido,
                    "chave que não existe no leiaute da nota",
                    "",
                );
                continue;
            };
            match v {
                Value::String(s) => nota.set(tag, s.as_str()),
                Value::Number(n) => nota.set(tag, n.to_string().replace('.', ",")),
                Value::Null => {}
                outro => erros.add(
                    chave,
                    Regra::TipoInvalido,
                    "esperava texto ou número",
                    outro.to_string(),
                ),
            }
        }
        for tag in Tag::TODAS {
            if !mapa.contains_key(tag.nome()) {
                erros.add(
                    tag.nome(),
                    Regra::CampoAusente,
                    "chave obrigatória no leiaute (pode ter valor vazio)",
                    "",
                );
            }
        }
        erros.ou(nota)
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
        let nome = e.local_name().as_ref().to_owned();
        match self.profundidade {
            0 if nome == RAIZ => self.raiz_vista = true,
            0 => self.erros.add(
                nome,
                Regra::RaizInvalida,
                "o elemento raiz da nota é <NOTA>",
                "",
            ),
            1 => self.abrir_tag(&nome),
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
