//! The NFS-e Nacional DPS: read from its XML or from its JSON form (the same tag names as keys,
//! every value a string), and written as the XML the layout orders, in canonical form (C14N 1.0:
//! no declaration, no whitespace between elements) so that it can be signed as written.

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use crate::nfse::{
    Dps, DpsBruta, Endereco, NAMESPACE, Pessoa, RetencaoIssqn, TotalTributos, TributacaoIssqn,
    VERSAO,
};
use crate::valor::Valor;
use crate::violacao::{Regra, Violacoes};

const RAIZ: &str = "DPS";

/// The serde path (`infDPS.prest.CNPJ`) as an XML path (`infDPS/prest/CNPJ`).
fn caminho(p: &serde_path_to_error::Path) -> String {
    let t = p.to_string();
    if t == "." || t.is_empty() {
        RAIZ.to_string()
    } else {
        t.replace('.', "/")
    }
}

/// Text between the first pair of backquotes of a serde message.
fn entre_crases(msg: &str) -> &str {
    msg.split('`').nth(1).unwrap_or_default()
}

/// One violation for a document serde could not read, by its path, in Portuguese.
fn violacao_leitura(campo: String, msg: &str, sintaxe: Regra) -> Violacoes {
    let mut v = Violacoes::default();
    if msg.starts_with("unknown field") {
        let nome = entre_crases(msg);
        let campo = if campo.ends_with(nome) {
            campo
        } else {
            format!("{campo}/{nome}")
        };
        v.add(
            campo,
            Regra::CampoDesconhecido,
            "campo que não existe no leiaute da DPS (ou fora do seu grupo)",
            nome,
        );
    } else if msg.starts_with("duplicate field") {
        let nome = entre_crases(msg);
        let campo = if campo.ends_with(nome) {
            campo
        } else {
            format!("{campo}/{nome}")
        };
        v.add(campo, Regra::CampoRepetido, "campo repetido", nome);
    } else if msg.starts_with("invalid type") {
        v.add(
            campo,
            Regra::TipoInvalido,
            "tipo inválido: cada valor é texto entre aspas (\"1500.00\", \"1\") e cada grupo um objeto",
            msg,
        );
    } else {
        v.add(campo, sintaxe, format!("documento ilegível: {msg}"), "");
    }
    v
}

impl DpsBruta {
    /// Reads the JSON form: an object with `versao` and `infDPS`, keys named as the XML tags,
    /// every value a string (`"vServ": "1500.00"`). Unknown and repeated keys are refused by
    /// path.
    ///
    /// # Errors
    /// [`Violacoes`] with the one reason the document could not be read.
    pub fn de_json(json: &str) -> Result<DpsBruta, Violacoes> {
        let mut de = serde_json::Deserializer::from_str(json);
        let lida: Result<DpsBruta, _> = serde_path_to_error::deserialize(&mut de);
        match lida {
            Ok(d) => match de.end() {
                Ok(()) => Ok(d),
                Err(e) => Err(violacao_leitura(
                    RAIZ.into(),
                    &e.to_string(),
                    Regra::JsonInvalido,
                )),
            },
            Err(e) => {
                let campo = caminho(e.path());
                let regra = if e.inner().is_data() {
                    Regra::TipoInvalido
                } else {
                    Regra::JsonInvalido
                };
                Err(violacao_leitura(campo, &e.inner().to_string(), regra))
            }
        }
    }

    /// Reads JSON bytes (UTF-8, an optional BOM).
    ///
    /// # Errors
    /// As [`DpsBruta::de_json`], or [`Regra::CodificacaoInvalida`].
    pub fn de_json_bytes(bytes: &[u8]) -> Result<DpsBruta, Violacoes> {
        DpsBruta::de_json(utf8(bytes)?)
    }

    /// Reads the DPS XML (root `DPS` in the national namespace, no prefix). A `Signature`
    /// present is accepted and not checked here.
    ///
    /// # Errors
    /// [`Violacoes`] with the one reason the document could not be read.
    pub fn de_xml(xml: &str) -> Result<DpsBruta, Violacoes> {
        let mut leitor = quick_xml::Reader::from_str(xml);
        loop {
            match leitor.read_event() {
                Ok(Event::Start(e) | Event::Empty(e)) => {
                    let nome = e.name().as_ref().to_string();
                    if nome != RAIZ {
                        let mut v = Violacoes::default();
                        v.add(
                            RAIZ,
                            Regra::RaizInvalida,
                            "o elemento raiz deve ser DPS, sem prefixo de namespace (E1228)",
                            nome,
                        );
                        return Err(v);
                    }
                    break;
                }
                Ok(Event::Eof) => {
                    let mut v = Violacoes::default();
                    v.add(RAIZ, Regra::RaizInvalida, "documento vazio", "");
                    return Err(v);
                }
                Ok(_) => {}
                Err(e) => {
                    return Err(violacao_leitura(
                        RAIZ.into(),
                        &e.to_string(),
                        Regra::XmlInvalido,
                    ));
                }
            }
        }
        let mut de = quick_xml::de::Deserializer::from_str(xml);
        let lida: Result<DpsBruta, _> = serde_path_to_error::deserialize(&mut de);
        lida.map_err(|e| {
            let campo = caminho(e.path());
            violacao_leitura(campo, &e.inner().to_string(), Regra::XmlInvalido)
        })
    }

    /// Reads XML bytes: UTF-8 only (the national system refuses anything else, E1229).
    ///
    /// # Errors
    /// As [`DpsBruta::de_xml`], or [`Regra::CodificacaoInvalida`].
    pub fn de_xml_bytes(bytes: &[u8]) -> Result<DpsBruta, Violacoes> {
        let texto = utf8(bytes)?;
        if let Some(decl) = texto.strip_prefix("<?xml").and_then(|r| r.split_once("?>")) {
            let d = decl.0.to_ascii_lowercase();
            if d.contains("encoding") && !d.contains("utf-8") {
                let mut v = Violacoes::default();
                v.add(
                    RAIZ,
                    Regra::CodificacaoInvalida,
                    "a DPS deve estar em UTF-8 (E1229)",
                    decl.0.trim(),
                );
                return Err(v);
            }
        }
        DpsBruta::de_xml(texto)
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, Violacoes> {
    let sem_bom = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(sem_bom).map_err(|e| {
        let mut v = Violacoes::default();
        let linha = sem_bom[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        v.add(
            RAIZ,
            Regra::CodificacaoInvalida,
            format!(
                "o arquivo deve estar em UTF-8: byte inválido na linha {linha} (posição {})",
                e.valid_up_to()
            ),
            "",
        );
        v
    })
}

/// C14N text escaping: `& < >` and the carriage return.
fn escapar(t: &str) -> String {
    let mut s = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '\r' => s.push_str("&#xD;"),
            c => s.push(c),
        }
    }
    s
}

/// Writes elements in order; writing into a `Vec` cannot fail.
struct Escritor(Writer<Vec<u8>>);

impl Escritor {
    fn abre(&mut self, nome: &str, atributos: &[(&str, &str)]) {
        let mut e = BytesStart::new(nome);
        for a in atributos {
            e.push_attribute(*a);
        }
        let _ = self.0.write_event(Event::Start(e));
    }

    fn fecha(&mut self, nome: &str) {
        let _ = self.0.write_event(Event::End(BytesEnd::new(nome)));
    }

    fn texto(&mut self, nome: &str, valor: &str) {
        self.abre(nome, &[]);
        let _ = self
            .0
            .write_event(Event::Text(BytesText::from_escaped(escapar(valor))));
        self.fecha(nome);
    }

    fn opcional(&mut self, nome: &str, valor: Option<&str>) {
        if let Some(v) = valor {
            self.texto(nome, v);
        }
    }

    fn valor(&mut self, nome: &str, v: Valor) {
        self.texto(nome, &formatar(v.decimal()));
    }

    fn valor_opc(&mut self, nome: &str, v: Option<Valor>) {
        if let Some(v) = v {
            self.valor(nome, v);
        }
    }

    fn endereco(&mut self, e: &Endereco) {
        self.abre("end", &[]);
        self.abre("endNac", &[]);
        self.texto("cMun", &e.municipio.numero().to_string());
        self.texto("CEP", &e.cep);
        self.fecha("endNac");
        self.texto("xLgr", &e.logradouro);
        self.texto("nro", &e.numero);
        self.opcional("xCpl", e.complemento.as_deref());
        self.texto("xBairro", &e.bairro);
        self.fecha("end");
    }

    fn inscricao(&mut self, d: &crate::documento::Documento) {
        let tag = match d {
            crate::documento::Documento::Cpf(_) => "CPF",
            crate::documento::Documento::Cnpj(_) => "CNPJ",
        };
        self.texto(tag, d.as_str());
    }

    fn pessoa(&mut self, tag: &str, p: &Pessoa) {
        self.abre(tag, &[]);
        self.inscricao(&p.inscricao);
        self.opcional("IM", p.inscricao_municipal.as_deref());
        self.texto("xNome", &p.nome);
        if let Some(e) = &p.endereco {
            self.endereco(e);
        }
        self.opcional("fone", p.fone.as_deref());
        self.opcional("email", p.email.as_deref());
        self.fecha(tag);
    }
}

/// A decimal with exactly two places (`1500.00`, `0.00`), as the layout's `TSDec*V2` types.
fn formatar(d: rust_decimal::Decimal) -> String {
    let mut d = d;
    d.rescale(2);
    d.to_string()
}

impl Dps {
    /// The DPS XML in the layout's element order, canonical (C14N 1.0) and unsigned: no XML
    /// declaration, no whitespace between elements, `infDPS/@Id` computed. Sign it as written.
    pub fn para_xml(&self) -> String {
        let mut w = Escritor(Writer::new(Vec::with_capacity(4096)));
        let id = self.id().to_string();
        w.abre(RAIZ, &[("xmlns", NAMESPACE), ("versao", VERSAO)]);
        w.abre("infDPS", &[("Id", &id)]);
        w.texto("tpAmb", self.ambiente().codigo());
        w.texto("dhEmi", &self.emissao().texto());
        w.texto("verAplic", self.versao_aplicativo());
        w.texto("serie", &self.serie().to_string());
        w.texto("nDPS", &self.numero().to_string());
        w.texto("dCompet", &self.competencia().iso());
        w.texto("tpEmit", "1");
        w.texto("cLocEmi", &self.municipio_emissor().numero().to_string());

        let p = self.prestador();
        w.abre("prest", &[]);
        w.inscricao(&p.inscricao);
        w.opcional("IM", p.inscricao_municipal.as_deref());
        w.opcional("xNome", p.nome.as_deref());
        if let Some(e) = &p.endereco {
            w.endereco(e);
        }
        w.opcional("fone", p.fone.as_deref());
        w.opcional("email", p.email.as_deref());
        w.abre("regTrib", &[]);
        w.texto(
            "opSimpNac",
            match p.regime.simples {
                crate::nfse::OpcaoSimples::NaoOptante => "1",
                crate::nfse::OpcaoSimples::Mei => "2",
                crate::nfse::OpcaoSimples::MeEpp => "3",
            },
        );
        if let Some(a) = p.regime.apuracao_simples {
            w.texto("regApTribSN", &a.to_string());
        }
        w.texto("regEspTrib", &p.regime.regime_especial.to_string());
        w.fecha("regTrib");
        w.fecha("prest");
        if let Some(t) = self.tomador() {
            w.pessoa("toma", t);
        }
        if let Some(i) = self.intermediario() {
            w.pessoa("interm", i);
        }

        let s = self.servico();
        w.abre("serv", &[]);
        w.abre("locPrest", &[]);
        w.texto("cLocPrestacao", &s.local.numero().to_string());
        w.fecha("locPrest");
        w.abre("cServ", &[]);
        w.texto("cTribNac", &s.codigo_tributacao_nacional);
        w.opcional("cTribMun", s.codigo_tributacao_municipal.as_deref());
        w.texto("xDescServ", &s.descricao);
        w.opcional("cNBS", s.codigo_nbs.as_deref());
        w.opcional("cIntContrib", s.codigo_interno.as_deref());
        w.fecha("cServ");
        if let Some(i) = &s.informacoes_complementares {
            w.abre("infoCompl", &[]);
            w.texto("xInfComp", i);
            w.fecha("infoCompl");
        }
        w.fecha("serv");

        let v = self.valores();
        w.abre("valores", &[]);
        w.abre("vServPrest", &[]);
        w.valor_opc("vReceb", v.valor_recebido);
        w.valor("vServ", v.valor_servico);
        w.fecha("vServPrest");
        if v.desconto_incondicionado.is_some() || v.desconto_condicionado.is_some() {
            w.abre("vDescCondIncond", &[]);
            w.valor_opc("vDescIncond", v.desconto_incondicionado);
            w.valor_opc("vDescCond", v.desconto_condicionado);
            w.fecha("vDescCondIncond");
        }
        w.abre("trib", &[]);
        let m = &v.municipal;
        w.abre("tribMun", &[]);
        w.texto(
            "tribISSQN",
            match m.tributacao {
                TributacaoIssqn::Tributavel => "1",
                TributacaoIssqn::Imunidade => "2",
                TributacaoIssqn::Exportacao => "3",
                TributacaoIssqn::NaoIncidencia => "4",
            },
        );
        if let Some(t) = m.tipo_imunidade {
            w.texto("tpImunidade", &t.to_string());
        }
        w.texto(
            "tpRetISSQN",
            match m.retencao {
                RetencaoIssqn::NaoRetido => "1",
                RetencaoIssqn::RetidoTomador => "2",
                RetencaoIssqn::RetidoIntermediario => "3",
            },
        );
        if let Some(a) = m.aliquota {
            w.texto("pAliq", &formatar(a));
        }
        w.fecha("tribMun");
        if let Some(f) = &v.federal {
            w.abre("tribFed", &[]);
            w.valor_opc("vRetCP", f.retencao_cp);
            w.valor_opc("vRetIRRF", f.retencao_irrf);
            w.valor_opc("vRetCSLL", f.retencao_csll);
            w.fecha("tribFed");
        }
        w.abre("totTrib", &[]);
        match v.total_tributos {
            TotalTributos::Valores {
                federal,
                estadual,
                municipal,
            } => {
                w.abre("vTotTrib", &[]);
                w.valor("vTotTribFed", federal);
                w.valor("vTotTribEst", estadual);
                w.valor("vTotTribMun", municipal);
                w.fecha("vTotTrib");
            }
            TotalTributos::Percentuais {
                federal,
                estadual,
                municipal,
            } => {
                w.abre("pTotTrib", &[]);
                w.texto("pTotTribFed", &formatar(federal));
                w.texto("pTotTribEst", &formatar(estadual));
                w.texto("pTotTribMun", &formatar(municipal));
                w.fecha("pTotTrib");
            }
            TotalTributos::NaoInformado => w.texto("indTotTrib", "0"),
            TotalTributos::Simples(p) => w.texto("pTotTribSN", &formatar(p)),
        }
        w.fecha("totTrib");
        w.fecha("trib");
        w.fecha("valores");
        if let Some(g) = self.ibs_cbs() {
            w.abre("IBSCBS", &[]);
            w.texto("finNFSe", "0");
            if let Some(f) = g.consumo_pessoal {
                w.texto("indFinal", if f { "1" } else { "0" });
            }
            w.texto("cIndOp", &g.indicador_operacao);
            if let Some(t) = g.tipo_operacao {
                w.texto("tpOper", &t.to_string());
            }
            if let Some(e) = g.ente_governamental {
                w.texto("tpEnteGov", &e.to_string());
            }
            w.texto("indDest", "0");
            w.abre("valores", &[]);
            w.abre("trib", &[]);
            w.abre("gIBSCBS", &[]);
            w.texto("CST", &g.cst);
            w.texto("cClassTrib", &g.classificacao);
            w.opcional("cCredPres", g.credito_presumido.as_deref());
            if let Some((cst, class)) = &g.tributacao_regular {
                w.abre("gTribRegular", &[]);
                w.texto("CSTReg", cst);
                w.texto("cClassTribReg", class);
                w.fecha("gTribRegular");
            }
            w.fecha("gIBSCBS");
            w.fecha("trib");
            w.fecha("valores");
            w.fecha("IBSCBS");
        }
        w.fecha("infDPS");
        w.fecha(RAIZ);
        String::from_utf8(w.0.into_inner()).unwrap_or_default()
    }
}

impl crate::nfse::evento::PedidoEvento {
    /// The `pedRegEvento` XML in the layout's order (`tpAmb → verAplic → dhEvento →
    /// CNPJAutor|CPFAutor → chNFSe → eNNNNNN`, and each group's fields in its XSD order),
    /// canonical (C14N 1.0) and unsigned; sign `infPedReg` as written.
    pub fn para_xml(&self) -> String {
        use crate::documento::Documento;
        use crate::nfse::evento::Evento;
        let mut w = Escritor(Writer::new(Vec::with_capacity(1024)));
        let id = self.id();
        w.abre("pedRegEvento", &[("xmlns", NAMESPACE), ("versao", VERSAO)]);
        w.abre("infPedReg", &[("Id", &id)]);
        w.texto("tpAmb", self.ambiente().codigo());
        w.texto("verAplic", self.versao_aplicativo());
        w.texto("dhEvento", &self.momento().texto());
        let autor = self.autor();
        let tag = match autor {
            Documento::Cnpj(_) => "CNPJAutor",
            Documento::Cpf(_) => "CPFAutor",
        };
        w.texto(tag, autor.as_str());
        w.texto("chNFSe", &self.chave().to_string());
        let e = self.evento();
        let grupo = format!("e{}", e.tipo());
        w.abre(&grupo, &[]);
        w.texto("xDesc", e.descricao());
        if let Some(m) = e.motivo() {
            w.texto("cMotivo", m);
        }
        if let Some(j) = e.justificativa() {
            w.texto("xMotivo", j);
        }
        if let Evento::Substituicao { substituta, .. } = e {
            w.texto("chSubstituta", &substituta.to_string());
        }
        w.fecha(&grupo);
        w.fecha("infPedReg");
        w.fecha("pedRegEvento");
        String::from_utf8(w.0.into_inner()).unwrap_or_default()
    }
}
