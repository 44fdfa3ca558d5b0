//! Reading the authorised NFS-e XML into the texts a DANFSe prints.

use std::collections::HashMap;
use std::str::FromStr;

use quick_xml::Reader;
use quick_xml::events::Event;
use rust_decimal::Decimal;

use crate::ErroDanfse;

/// The prefix of the DPS fields inside the NFS-e.
pub(crate) const DPS: &str = "infNFSe/DPS/infDPS/";

/// The authorised NFS-e as the DANFSe reads it: every element's text by its path below the
/// root (local names joined by `/`, attributes as `/@Name`; the first occurrence wins; the
/// signatures are skipped), with the access key and the environment checked.
#[derive(Debug, Clone)]
pub struct NfseLida {
    /// The access key (50 characters), from `infNFSe/@Id` without its `NFS` prefix.
    pub chave: String,
    /// The DPS's environment: 1 production, 2 homologation.
    pub tp_amb: u8,
    campos: HashMap<String, String>,
}

impl NfseLida {
    /// Reads the XML; a document without an access key, a number or an environment is
    /// refused with the field named.
    pub fn ler(xml: &[u8]) -> Result<NfseLida, ErroDanfse> {
        let campos = campos(xml)?;
        let id = campos
            .get("infNFSe/@Id")
            .cloned()
            .ok_or_else(|| faltando("infNFSe/@Id"))?;
        let chave = id.strip_prefix("NFS").unwrap_or("").to_string();
        if chave.len() != 50 || !chave.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ErroDanfse::Campo {
                campo: "infNFSe/@Id".into(),
                regra: "deve ser \"NFS\" seguido da chave de acesso de 50 caracteres".into(),
                valor: id,
            });
        }
        if !campos.contains_key("infNFSe/nNFSe") {
            return Err(faltando("infNFSe/nNFSe"));
        }
        let caminho = format!("{DPS}tpAmb");
        let tp_amb = match campos.get(&caminho).map(String::as_str) {
            Some("1") => 1,
            Some("2") => 2,
            outro => {
                return Err(ErroDanfse::Campo {
                    campo: caminho,
                    regra: "deve ser 1 (produção) ou 2 (homologação)".into(),
                    valor: outro.unwrap_or("").into(),
                });
            }
        };
        Ok(NfseLida {
            chave,
            tp_amb,
            campos,
        })
    }

    /// The text at `caminho`, if present and not blank.
    pub fn texto(&self, caminho: &str) -> Option<&str> {
        self.campos
            .get(caminho)
            .map(String::as_str)
            .filter(|t| !t.trim().is_empty())
    }

    /// The DPS field at `caminho` below `infDPS`.
    pub fn dps(&self, caminho: &str) -> Option<&str> {
        self.texto(&format!("{DPS}{caminho}"))
    }

    /// The decimal at `caminho`; a value that is not a decimal is refused with its field.
    pub fn valor(&self, caminho: &str) -> Result<Option<Decimal>, ErroDanfse> {
        match self.texto(caminho) {
            None => Ok(None),
            Some(t) => Decimal::from_str(t.trim())
                .map(Some)
                .map_err(|_| ErroDanfse::Campo {
                    campo: caminho.to_string(),
                    regra: "deve ser um número decimal".into(),
                    valor: t.to_string(),
                }),
        }
    }
}

fn faltando(campo: &str) -> ErroDanfse {
    ErroDanfse::Campo {
        campo: campo.to_string(),
        regra: "obrigatório na NFS-e autorizada".into(),
        valor: String::new(),
    }
}

fn campos(xml: &[u8]) -> Result<HashMap<String, String>, ErroDanfse> {
    let texto = std::str::from_utf8(xml)
        .map_err(|e| ErroDanfse::Xml(format!("não está em UTF-8 ({e})")))?;
    let inicio = texto.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if !inicio.starts_with('<') {
        return Err(ErroDanfse::Xml(
            "não é XML: esperado o XML da NFS-e autorizada (<NFSe>)".into(),
        ));
    }
    let mut leitor = Reader::from_str(texto);
    // The open elements below the root, each with the text read so far.
    let mut pilha: Vec<(String, String)> = Vec::new();
    let mut campos = HashMap::new();
    let mut assinatura = 0usize;
    let mut raiz = false;
    let mut dentro_raiz = false;
    loop {
        let evento = leitor
            .read_event()
            .map_err(|e| ErroDanfse::Xml(format!("posição {}: {e}", leitor.error_position())))?;
        let (inicio, vazio) = match &evento {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = inicio {
            if assinatura > 0 {
                if !vazio {
                    assinatura += 1;
                }
                continue;
            }
            let nome = e.local_name();
            let nome: String = AsRef::<str>::as_ref(&nome).to_string();
            if !dentro_raiz {
                if raiz || nome != "NFSe" {
                    return Err(ErroDanfse::Campo {
                        campo: "/".into(),
                        regra: "a raiz deve ser NFSe".into(),
                        valor: nome,
                    });
                }
                raiz = true;
                dentro_raiz = !vazio;
                continue;
            }
            if nome == "Signature" {
                if !vazio {
                    assinatura = 1;
                }
                continue;
            }
            let mut caminho: Vec<&str> = pilha.iter().map(|(n, _)| n.as_str()).collect();
            caminho.push(&nome);
            let caminho = caminho.join("/");
            for atributo in e.attributes() {
                let atributo = atributo.map_err(|e| ErroDanfse::Xml(e.to_string()))?;
                let chave = atributo.key.local_name();
                let chave: String = AsRef::<str>::as_ref(&chave).to_string();
                let valor = atributo
                    .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                    .map_err(|e| ErroDanfse::Xml(e.to_string()))?
                    .into_owned();
                campos.entry(format!("{caminho}/@{chave}")).or_insert(valor);
            }
            if vazio {
                campos.entry(caminho).or_insert_with(String::new);
            } else {
                pilha.push((nome, String::new()));
            }
            continue;
        }
        match evento {
            Event::End(_) if assinatura > 0 => assinatura -= 1,
            Event::End(_) => match pilha.pop() {
                Some((nome, texto)) => {
                    let mut caminho: Vec<&str> = pilha.iter().map(|(n, _)| n.as_str()).collect();
                    caminho.push(&nome);
                    campos.entry(caminho.join("/")).or_insert(texto);
                }
                None => dentro_raiz = false,
            },
            Event::Text(t) if assinatura == 0 => {
                if let Some((_, atual)) = pilha.last_mut() {
                    atual.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) if assinatura == 0 => {
                if let Some((_, atual)) = pilha.last_mut() {
                    atual.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) if assinatura == 0 => {
                if let Some((_, atual)) = pilha.last_mut() {
                    let nome: String = r.to_string();
                    let c = match nome.as_str() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => r.resolve_char_ref().ok().flatten(),
                    };
                    match c {
                        Some(c) => atual.push(c),
                        None => {
                            return Err(ErroDanfse::Xml(format!("entidade desconhecida &{nome};")));
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !raiz {
        return Err(ErroDanfse::Xml("documento vazio".into()));
    }
    Ok(campos)
}
