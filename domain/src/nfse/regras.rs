//! Every rule of the DPS checked offline: the XSD's types (patterns, lengths, enumerations,
//! choices) and the national manual's rules this version implements, each violation named by its
//! XML path.

use rust_decimal::Decimal;

use super::*;
use crate::documento::{Cnpj, Cpf};
use crate::violacao::{Regra, Violacao, Violacoes};

/// Collects violations while reading one DPS.
struct Checagem {
    v: Violacoes,
    /// `toma` is present (a withholding by the tomador needs it).
    tem_tomador: bool,
    /// `interm` is present.
    tem_intermediario: bool,
}

fn juntar(base: &str, campo: &str) -> String {
    format!("{base}/{campo}")
}

/// The layout's `TSString`: printable Latin-1 (`!`–`ÿ` plus inner spaces), no leading or
/// trailing blank; with `quebras`, line breaks are also allowed (`TSStringComQuebraDeLinha`).
fn caractere_invalido(texto: &str, quebras: bool) -> Option<char> {
    texto.chars().find(|&c| {
        let quebra = quebras && matches!(c, '\n' | '\r' | '\t');
        !(quebra || c == ' ' || ('!'..='~').contains(&c) || ('\u{a0}'..='\u{ff}').contains(&c))
    })
}

impl Checagem {
    fn add(&mut self, campo: &str, regra: Regra, msg: impl Into<String>, valor: &str) {
        self.v.push(Violacao::new(campo, regra, msg, valor));
    }

    /// A required leaf: present and not blank.
    fn obrigatorio<'a>(&mut self, campo: &str, valor: &'a Option<String>) -> Option<&'a str> {
        match valor.as_deref() {
            None => {
                self.add(campo, Regra::CampoAusente, "campo obrigatório ausente", "");
                None
            }
            Some("") => {
                self.add(campo, Regra::Obrigatorio, "campo obrigatório vazio", "");
                None
            }
            Some(t) => Some(t),
        }
    }

    /// A required group.
    fn grupo<'a, T>(&mut self, campo: &str, g: &'a Option<T>) -> Option<&'a T> {
        if g.is_none() {
            self.add(campo, Regra::CampoAusente, "grupo obrigatório ausente", "");
        }
        g.as_ref()
    }

    /// A group or field guichê does not issue yet.
    fn nao_suportado(&mut self, campo: &str, presente: bool, o_que: &str) {
        if presente {
            self.add(
                campo,
                Regra::NfseNaoSuportado,
                format!("{o_que}: o guichê ainda não emite DPS com este grupo"),
                "",
            );
        }
    }

    /// Free text of `min..=max` characters as `TSString` (or with line breaks).
    fn texto(&mut self, campo: &str, t: &str, max: usize, quebras: bool) -> Option<String> {
        let n = t.chars().count();
        let mut ok = true;
        if n > max {
            self.add(
                campo,
                Regra::TextoTamanho,
                format!("no máximo {max} caracteres (tem {n})"),
                t,
            );
            ok = false;
        }
        if t.trim() != t {
            self.add(
                campo,
                Regra::CaractereInvalido,
                "sem espaços ou quebras de linha no início ou no fim",
                t,
            );
            ok = false;
        }
        if let Some(c) = caractere_invalido(t, quebras) {
            self.add(
                campo,
                Regra::CaractereInvalido,
                format!(
                    "caractere {c:?} (U+{:04X}) fora do permitido pelo leiaute (Latin-1 imprimível{})",
                    c as u32,
                    if quebras { " e quebras de linha" } else { "" }
                ),
                t,
            );
            ok = false;
        }
        ok.then(|| t.to_string())
    }

    fn texto_obrig(
        &mut self,
        campo: &str,
        v: &Option<String>,
        max: usize,
        quebras: bool,
    ) -> Option<String> {
        let t = self.obrigatorio(campo, v)?;
        self.texto(campo, t, max, quebras)
    }

    /// An optional text: `None` when absent; `Err` when present and wrong.
    fn texto_opc(
        &mut self,
        campo: &str,
        v: &Option<String>,
        max: usize,
    ) -> Result<Option<String>, ()> {
        match v {
            None => Ok(None),
            Some(_) => self.texto_obrig(campo, v, max, false).map(Some).ok_or(()),
        }
    }

    /// `n` digits exactly (`[0-9]{n}`).
    fn digitos(&mut self, campo: &str, t: &str, n: usize, regra: Regra) -> Option<String> {
        if t.len() == n && t.bytes().all(|b| b.is_ascii_digit()) {
            Some(t.to_string())
        } else {
            self.add(campo, regra, format!("deve ter exatamente {n} dígitos"), t);
            None
        }
    }

    fn digitos_opc(
        &mut self,
        campo: &str,
        v: &Option<String>,
        n: usize,
    ) -> Result<Option<String>, ()> {
        match v {
            None => Ok(None),
            Some(t) => self
                .digitos(campo, t, n, Regra::NumeroInvalido)
                .map(Some)
                .ok_or(()),
        }
    }

    /// One code of an enumeration.
    fn codigo(&mut self, campo: &str, t: &str, validos: &[&str]) -> Option<usize> {
        let i = validos.iter().position(|v| *v == t);
        if i.is_none() {
            self.add(
                campo,
                Regra::NfseCodigo,
                format!(
                    "valor fora da tabela do leiaute (válidos: {})",
                    validos.join(", ")
                ),
                t,
            );
        }
        i
    }

    fn municipio(&mut self, campo: &str, t: &str) -> Option<CodigoIbge> {
        CodigoIbge::parse(t)
            .map_err(|e| self.add(campo, Regra::MunicipioInvalido, e.to_string(), t))
            .ok()
    }

    /// A decimal as the layout writes it: `0`, `0.dd` or up to `inteiros` digits without a
    /// leading zero, optionally `.dd` (exactly two decimals when there is a point).
    fn decimal(&mut self, campo: &str, t: &str, inteiros: usize) -> Option<Decimal> {
        let (int, frac) = match t.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (t, None),
        };
        let int_ok = !int.is_empty()
            && int.len() <= inteiros
            && int.bytes().all(|b| b.is_ascii_digit())
            && (int == "0" || !int.starts_with('0'));
        let frac_ok = frac.is_none_or(|f| f.len() == 2 && f.bytes().all(|b| b.is_ascii_digit()));
        if int_ok
            && frac_ok
            && let Ok(d) = t.parse::<Decimal>()
        {
            return Some(d);
        }
        let exemplo = if inteiros == 1 { "5.00" } else { "1500.00" };
        self.add(
            campo,
            Regra::ValorInvalido,
            format!(
                "use ponto e duas casas decimais, até {inteiros} dígito(s) inteiro(s), sem zero à esquerda (ex.: {exemplo})"
            ),
            t,
        );
        None
    }

    fn valor(&mut self, campo: &str, t: &str) -> Option<Valor> {
        self.decimal(campo, t, 15).and_then(Valor::from_decimal)
    }

    fn valor_obrig(&mut self, campo: &str, v: &Option<String>) -> Option<Valor> {
        let t = self.obrigatorio(campo, v)?;
        self.valor(campo, t)
    }

    fn valor_opc(&mut self, campo: &str, v: &Option<String>) -> Result<Option<Valor>, ()> {
        match v {
            None => Ok(None),
            Some(_) => self.valor_obrig(campo, v).map(Some).ok_or(()),
        }
    }

    fn percentual_obrig(
        &mut self,
        campo: &str,
        v: &Option<String>,
        inteiros: usize,
    ) -> Option<Decimal> {
        let t = self.obrigatorio(campo, v)?;
        self.decimal(campo, t, inteiros)
    }

    /// `CNPJ` xor `CPF` (NIF and cNaoNIF refused as not supported).
    fn inscricao(
        &mut self,
        base: &str,
        cnpj: &Option<String>,
        cpf: &Option<String>,
        nif: bool,
        nao_nif: bool,
        caepf: bool,
    ) -> Option<Documento> {
        self.nao_suportado(
            &juntar(base, "NIF"),
            nif,
            "prestador/tomador estrangeiro (NIF)",
        );
        self.nao_suportado(
            &juntar(base, "cNaoNIF"),
            nao_nif,
            "motivo de ausência do NIF",
        );
        self.nao_suportado(&juntar(base, "CAEPF"), caepf, "CAEPF");
        match (cnpj, cpf) {
            (Some(c), None) => {
                let campo = juntar(base, "CNPJ");
                if c.len() != 14 || !c.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    self.add(
                        &campo,
                        Regra::DocumentoInvalido,
                        "CNPJ com 14 caracteres, sem máscara",
                        c,
                    );
                    return None;
                }
                Cnpj::parse(c)
                    .map(Documento::Cnpj)
                    .map_err(|e| self.add(&campo, Regra::DocumentoInvalido, e.to_string(), c))
                    .ok()
            }
            (None, Some(c)) => {
                let campo = juntar(base, "CPF");
                if c.len() != 11 || !c.bytes().all(|b| b.is_ascii_digit()) {
                    self.add(
                        &campo,
                        Regra::DocumentoInvalido,
                        "CPF com 11 dígitos, sem máscara",
                        c,
                    );
                    return None;
                }
                Cpf::parse(c)
                    .map(Documento::Cpf)
                    .map_err(|e| self.add(&campo, Regra::DocumentoInvalido, e.to_string(), c))
                    .ok()
            }
            (Some(a), Some(b)) => {
                self.add(
                    &juntar(base, "CNPJ"),
                    Regra::NfseEscolha,
                    "informe CNPJ ou CPF, não os dois",
                    &format!("{a} / {b}"),
                );
                None
            }
            (None, None) if nif || nao_nif => None,
            (None, None) => {
                self.add(
                    &juntar(base, "CNPJ"),
                    Regra::CampoAusente,
                    "informe o CNPJ ou o CPF",
                    "",
                );
                None
            }
        }
    }

    fn fone(&mut self, campo: &str, v: &Option<String>) -> Result<Option<String>, ()> {
        match v.as_deref() {
            None => Ok(None),
            Some(t) if (6..=20).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Some(t.to_string()))
            }
            Some(t) => {
                self.add(
                    campo,
                    Regra::TelefoneInvalido,
                    "telefone com 6 a 20 dígitos, sem máscara",
                    t,
                );
                Err(())
            }
        }
    }

    fn email(&mut self, campo: &str, v: &Option<String>) -> Result<Option<String>, ()> {
        let Some(t) = v.as_deref() else {
            return Ok(None);
        };
        let e = self.texto_obrig(campo, v, 80, false).ok_or(())?;
        let forma = t.split_once('@').is_some_and(|(u, d)| {
            !u.is_empty()
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !d.contains('@')
        }) && !t.contains(' ');
        if !forma {
            self.add(campo, Regra::EmailInvalido, "e-mail malformado", t);
            return Err(());
        }
        Ok(Some(e))
    }

    fn endereco(&mut self, base: &str, e: &EnderecoBruto) -> Option<Endereco> {
        self.nao_suportado(
            &juntar(base, "endExt"),
            e.endExt.is_some(),
            "endereço no exterior",
        );
        let nac = if e.endExt.is_some() {
            None
        } else {
            self.grupo(&juntar(base, "endNac"), &e.endNac)
        };
        let (municipio, cep) = match nac {
            Some(n) => {
                let bn = juntar(base, "endNac");
                let m = self
                    .obrigatorio(&juntar(&bn, "cMun"), &n.cMun)
                    .and_then(|t| self.municipio(&juntar(&bn, "cMun"), t));
                let c = self
                    .obrigatorio(&juntar(&bn, "CEP"), &n.CEP)
                    .and_then(|t| self.digitos(&juntar(&bn, "CEP"), t, 8, Regra::CepInvalido));
                (m, c)
            }
            None => (None, None),
        };
        let logradouro = self.texto_obrig(&juntar(base, "xLgr"), &e.xLgr, 255, false);
        let numero = self.texto_obrig(&juntar(base, "nro"), &e.nro, 60, false);
        let complemento = self.texto_opc(&juntar(base, "xCpl"), &e.xCpl, 156);
        let bairro = self.texto_obrig(&juntar(base, "xBairro"), &e.xBairro, 60, false);
        Some(Endereco {
            municipio: municipio?,
            cep: cep?,
            logradouro: logradouro?,
            numero: numero?,
            complemento: complemento.ok()?,
            bairro: bairro?,
        })
    }

    fn endereco_opc(
        &mut self,
        base: &str,
        e: &Option<EnderecoBruto>,
    ) -> Result<Option<Endereco>, ()> {
        match e {
            None => Ok(None),
            Some(e) => self.endereco(&juntar(base, "end"), e).map(Some).ok_or(()),
        }
    }

    fn prestador(&mut self, p: &PrestadorBruto) -> Option<Prestador> {
        let b = "infDPS/prest";
        let inscricao = self.inscricao(
            b,
            &p.CNPJ,
            &p.CPF,
            p.NIF.is_some(),
            p.cNaoNIF.is_some(),
            p.CAEPF.is_some(),
        );
        let im = self.texto_opc(&juntar(b, "IM"), &p.IM, 15);
        let nome = self.texto_opc(&juntar(b, "xNome"), &p.xNome, 300);
        let endereco = self.endereco_opc(b, &p.end);
        let fone = self.fone(&juntar(b, "fone"), &p.fone);
        let email = self.email(&juntar(b, "email"), &p.email);
        let regime = self
            .grupo(&juntar(b, "regTrib"), &p.regTrib)
            .and_then(|r| self.regime(r));
        Some(Prestador {
            inscricao: inscricao?,
            inscricao_municipal: im.ok()?,
            nome: nome.ok()?,
            endereco: endereco.ok()?,
            fone: fone.ok()?,
            email: email.ok()?,
            regime: regime?,
        })
    }

    fn regime(&mut self, r: &RegTribBruto) -> Option<RegimeTributario> {
        let b = "infDPS/prest/regTrib";
        let simples = self
            .obrigatorio(&juntar(b, "opSimpNac"), &r.opSimpNac)
            .and_then(|t| self.codigo(&juntar(b, "opSimpNac"), t, &["1", "2", "3"]))
            .map(|i| {
                [
                    OpcaoSimples::NaoOptante,
                    OpcaoSimples::Mei,
                    OpcaoSimples::MeEpp,
                ][i]
            });
        let apuracao = match r.regApTribSN.as_deref() {
            None => Ok(None),
            Some(t) => self
                .codigo(&juntar(b, "regApTribSN"), t, &["1", "2", "3"])
                .map(|i| Some(i as u8 + 1))
                .ok_or(()),
        };
        if let (Some(s), Ok(Some(_))) = (simples, apuracao)
            && s != OpcaoSimples::MeEpp
        {
            self.add(
                &juntar(b, "regApTribSN"),
                Regra::NfseTributacao,
                "regime de apuração do Simples Nacional só para optante ME/EPP (opSimpNac 3)",
                r.regApTribSN.as_deref().unwrap_or_default(),
            );
        }
        const ESPECIAIS: [&str; 8] = ["0", "1", "2", "3", "4", "5", "6", "9"];
        let especial = self
            .obrigatorio(&juntar(b, "regEspTrib"), &r.regEspTrib)
            .and_then(|t| self.codigo(&juntar(b, "regEspTrib"), t, &ESPECIAIS))
            .and_then(|i| ESPECIAIS[i].parse::<u8>().ok());
        Some(RegimeTributario {
            simples: simples?,
            apuracao_simples: apuracao.ok()?,
            regime_especial: especial?,
        })
    }

    fn pessoa(&mut self, b: &str, p: &PessoaBruta) -> Option<Pessoa> {
        let inscricao = self.inscricao(
            b,
            &p.CNPJ,
            &p.CPF,
            p.NIF.is_some(),
            p.cNaoNIF.is_some(),
            p.CAEPF.is_some(),
        );
        let im = self.texto_opc(&juntar(b, "IM"), &p.IM, 15);
        let nome = self.texto_obrig(&juntar(b, "xNome"), &p.xNome, 300, false);
        let endereco = self.endereco_opc(b, &p.end);
        let fone = self.fone(&juntar(b, "fone"), &p.fone);
        let email = self.email(&juntar(b, "email"), &p.email);
        Some(Pessoa {
            inscricao: inscricao?,
            inscricao_municipal: im.ok()?,
            nome: nome?,
            endereco: endereco.ok()?,
            fone: fone.ok()?,
            email: email.ok()?,
        })
    }

    fn servico(&mut self, s: &ServicoBruto) -> Option<Servico> {
        let b = "infDPS/serv";
        self.nao_suportado(
            &juntar(b, "comExt"),
            s.comExt.is_some(),
            "comércio exterior",
        );
        self.nao_suportado(
            &juntar(b, "obra"),
            s.obra.is_some(),
            "obra de construção civil",
        );
        self.nao_suportado(
            &juntar(b, "atvEvento"),
            s.atvEvento.is_some(),
            "atividade de evento",
        );
        let local = self
            .grupo(&juntar(b, "locPrest"), &s.locPrest)
            .and_then(|l| {
                let bl = "infDPS/serv/locPrest";
                self.nao_suportado(
                    &juntar(bl, "cPaisPrestacao"),
                    l.cPaisPrestacao.is_some(),
                    "serviço prestado no exterior",
                );
                if l.cPaisPrestacao.is_some() && l.cLocPrestacao.is_none() {
                    return None;
                }
                self.obrigatorio(&juntar(bl, "cLocPrestacao"), &l.cLocPrestacao)
                    .and_then(|t| self.municipio(&juntar(bl, "cLocPrestacao"), t))
            });
        let bc = "infDPS/serv/cServ";
        let cserv = self.grupo(bc, &s.cServ);
        let (trib_nac, trib_mun, desc, nbs, interno) = match cserv {
            Some(c) => {
                let tn = self
                    .obrigatorio(&juntar(bc, "cTribNac"), &c.cTribNac)
                    .and_then(|t| {
                        self.digitos(&juntar(bc, "cTribNac"), t, 6, Regra::NumeroInvalido)
                    });
                let tm = self.digitos_opc(&juntar(bc, "cTribMun"), &c.cTribMun, 3);
                let d = self.texto_obrig(&juntar(bc, "xDescServ"), &c.xDescServ, 2000, true);
                let n = self.digitos_opc(&juntar(bc, "cNBS"), &c.cNBS, 9);
                let i = match c.cIntContrib.as_deref() {
                    None => Ok(None),
                    Some(t)
                        if (1..=20).contains(&t.len())
                            && t.bytes().all(|b| b.is_ascii_alphanumeric()) =>
                    {
                        Ok(Some(t.to_string()))
                    }
                    Some(t) => {
                        self.add(
                            &juntar(bc, "cIntContrib"),
                            Regra::NfseCodigo,
                            "de 1 a 20 letras ou dígitos",
                            t,
                        );
                        Err(())
                    }
                };
                (tn, tm, d, n, i)
            }
            None => (None, Ok(None), None, Ok(None), Ok(None)),
        };
        let info = match &s.infoCompl {
            None => Ok(None),
            Some(i) => {
                let bi = "infDPS/serv/infoCompl";
                self.nao_suportado(
                    &juntar(bi, "idDocTec"),
                    i.idDocTec.is_some(),
                    "documento técnico (ART/RRT)",
                );
                self.nao_suportado(
                    &juntar(bi, "docRef"),
                    i.docRef.is_some(),
                    "documento de referência",
                );
                self.nao_suportado(&juntar(bi, "xPed"), i.xPed.is_some(), "número do pedido");
                self.nao_suportado(
                    &juntar(bi, "gItemPed"),
                    i.gItemPed.is_some(),
                    "itens do pedido",
                );
                match &i.xInfComp {
                    None => Ok(None),
                    Some(_) => self
                        .texto_obrig(&juntar(bi, "xInfComp"), &i.xInfComp, 2000, false)
                        .map(Some)
                        .ok_or(()),
                }
            }
        };
        Some(Servico {
            local: local?,
            codigo_tributacao_nacional: trib_nac?,
            codigo_tributacao_municipal: trib_mun.ok()?,
            descricao: desc?,
            codigo_nbs: nbs.ok()?,
            codigo_interno: interno.ok()?,
            informacoes_complementares: info.ok()?,
        })
    }

    fn valores(&mut self, v: &ValoresBruto) -> Option<Valores> {
        let b = "infDPS/valores";
        self.nao_suportado(
            &juntar(b, "vDedRed"),
            v.vDedRed.is_some(),
            "deduções e reduções",
        );
        let bs = "infDPS/valores/vServPrest";
        let (recebido, servico) = match self.grupo(bs, &v.vServPrest) {
            Some(s) => {
                let r = self.valor_opc(&juntar(bs, "vReceb"), &s.vReceb);
                if s.vReceb.is_some() && !self.tem_intermediario {
                    self.add(
                        &juntar(bs, "vReceb"),
                        Regra::NfseValores,
                        "valor recebido pelo intermediário só com o grupo interm",
                        s.vReceb.as_deref().unwrap_or_default(),
                    );
                }
                let campo = juntar(bs, "vServ");
                let serv = self.valor_obrig(&campo, &s.vServ);
                if let Some(x) = serv.filter(|x| !x.is_positive()) {
                    self.add(
                        &campo,
                        Regra::NfseValores,
                        "o valor do serviço deve ser maior que zero",
                        &x.decimal().to_string(),
                    );
                }
                (r, serv.filter(Valor::is_positive))
            }
            None => (Ok(None), None),
        };
        let (incond, cond) = match &v.vDescCondIncond {
            None => (Ok(None), Ok(None)),
            Some(d) => {
                let bd = "infDPS/valores/vDescCondIncond";
                (
                    self.valor_opc(&juntar(bd, "vDescIncond"), &d.vDescIncond),
                    self.valor_opc(&juntar(bd, "vDescCond"), &d.vDescCond),
                )
            }
        };
        if let (Some(s), Ok(i), Ok(c)) = (servico, incond, cond) {
            let descontos = i.unwrap_or(Valor::ZERO) + c.unwrap_or(Valor::ZERO);
            if descontos > s {
                self.add(
                    "infDPS/valores/vDescCondIncond",
                    Regra::NfseValores,
                    format!(
                        "os descontos somam {} e excedem o valor do serviço ({})",
                        descontos.decimal(),
                        s.decimal()
                    ),
                    &descontos.decimal().to_string(),
                );
            }
        }
        let bt = "infDPS/valores/trib";
        let trib = self.grupo(bt, &v.trib);
        let municipal = trib
            .and_then(|t| self.grupo("infDPS/valores/trib/tribMun", &t.tribMun))
            .and_then(|m| self.tributacao_municipal(m));
        let federal = match trib.and_then(|t| t.tribFed.as_ref()) {
            None => Ok(None),
            Some(f) => {
                let bf = "infDPS/valores/trib/tribFed";
                self.nao_suportado(
                    &juntar(bf, "piscofins"),
                    f.piscofins.is_some(),
                    "PIS/COFINS",
                );
                let cp = self.valor_opc(&juntar(bf, "vRetCP"), &f.vRetCP);
                let ir = self.valor_opc(&juntar(bf, "vRetIRRF"), &f.vRetIRRF);
                let cs = self.valor_opc(&juntar(bf, "vRetCSLL"), &f.vRetCSLL);
                match (cp, ir, cs) {
                    (Ok(cp), Ok(ir), Ok(cs)) => Ok(Some(TributacaoFederal {
                        retencao_cp: cp,
                        retencao_irrf: ir,
                        retencao_csll: cs,
                    })),
                    _ => Err(()),
                }
            }
        };
        let total = trib
            .and_then(|t| self.grupo("infDPS/valores/trib/totTrib", &t.totTrib))
            .and_then(|t| self.total_tributos(t));
        Some(Valores {
            valor_recebido: recebido.ok()?,
            valor_servico: servico?,
            desconto_incondicionado: incond.ok()?,
            desconto_condicionado: cond.ok()?,
            municipal: municipal?,
            federal: federal.ok()?,
            total_tributos: total?,
        })
    }

    fn ibs_cbs(&mut self, g: &IbsCbsBruto) -> Option<IbsCbs> {
        let b = "infDPS/IBSCBS";
        self.nao_suportado(
            &juntar(b, "gRefNFSe"),
            g.gRefNFSe.is_some(),
            "NFS-e referenciadas",
        );
        self.nao_suportado(
            &juntar(b, "dest"),
            g.dest.is_some(),
            "destinatário diferente do tomador",
        );
        self.nao_suportado(&juntar(b, "imovel"), g.imovel.is_some(), "imóvel");
        let fin = self
            .obrigatorio(&juntar(b, "finNFSe"), &g.finNFSe)
            .and_then(|t| self.codigo(&juntar(b, "finNFSe"), t, &["0"]));
        let final_ = match g.indFinal.as_deref() {
            None => Ok(None),
            Some(t) => self
                .codigo(&juntar(b, "indFinal"), t, &["0", "1"])
                .map(|i| Some(i == 1))
                .ok_or(()),
        };
        let ind_op = self
            .obrigatorio(&juntar(b, "cIndOp"), &g.cIndOp)
            .and_then(|t| self.digitos(&juntar(b, "cIndOp"), t, 6, Regra::NfseCodigo));
        let opcional = |c: &mut Checagem, campo: &str, v: &Option<String>, validos: &[&str]| match v
            .as_deref()
        {
            None => Ok(None),
            Some(t) => c
                .codigo(&juntar(b, campo), t, validos)
                .map(|i| Some(i as u8 + 1))
                .ok_or(()),
        };
        let tp_oper = opcional(self, "tpOper", &g.tpOper, &["1", "2", "3", "4", "5"]);
        let ente = opcional(self, "tpEnteGov", &g.tpEnteGov, &["1", "2", "3", "4"]);
        let dest = self
            .obrigatorio(&juntar(b, "indDest"), &g.indDest)
            .and_then(|t| self.codigo(&juntar(b, "indDest"), t, &["0", "1"]));
        if dest == Some(1) && g.dest.is_none() {
            self.nao_suportado(
                &juntar(b, "indDest"),
                true,
                "destinatário diferente do tomador (indDest 1 exige o grupo dest)",
            );
        }
        let bv = "infDPS/IBSCBS/valores";
        let valores = self.grupo(bv, &g.valores);
        if let Some(v) = valores {
            self.nao_suportado(
                &juntar(bv, "gReeRepRes"),
                v.gReeRepRes.is_some(),
                "reembolso, repasse ou ressarcimento",
            );
        }
        let bg = "infDPS/IBSCBS/valores/trib/gIBSCBS";
        let grupo = valores
            .and_then(|v| self.grupo("infDPS/IBSCBS/valores/trib", &v.trib))
            .and_then(|t| self.grupo(bg, &t.gIBSCBS));
        let (cst, class, cred, regular) = match grupo {
            None => (None, None, Ok(None), Ok(None)),
            Some(x) => {
                self.nao_suportado(&juntar(bg, "gDif"), x.gDif.is_some(), "diferimento");
                let cst = self
                    .obrigatorio(&juntar(bg, "CST"), &x.CST)
                    .and_then(|t| self.digitos(&juntar(bg, "CST"), t, 3, Regra::NfseCodigo));
                let class = self
                    .obrigatorio(&juntar(bg, "cClassTrib"), &x.cClassTrib)
                    .and_then(|t| self.digitos(&juntar(bg, "cClassTrib"), t, 6, Regra::NfseCodigo));
                let cred = match x.cCredPres.as_deref() {
                    None => Ok(None),
                    Some(t) => self
                        .digitos(&juntar(bg, "cCredPres"), t, 2, Regra::NfseCodigo)
                        .map(Some)
                        .ok_or(()),
                };
                let regular = match &x.gTribRegular {
                    None => Ok(None),
                    Some(r) => {
                        let br = "infDPS/IBSCBS/valores/trib/gIBSCBS/gTribRegular";
                        let c1 = self
                            .obrigatorio(&juntar(br, "CSTReg"), &r.CSTReg)
                            .and_then(|t| {
                                self.digitos(&juntar(br, "CSTReg"), t, 3, Regra::NfseCodigo)
                            });
                        let c2 = self
                            .obrigatorio(&juntar(br, "cClassTribReg"), &r.cClassTribReg)
                            .and_then(|t| {
                                self.digitos(&juntar(br, "cClassTribReg"), t, 6, Regra::NfseCodigo)
                            });
                        match (c1, c2) {
                            (Some(a), Some(b)) => Ok(Some((a, b))),
                            _ => Err(()),
                        }
                    }
                };
                (cst, class, cred, regular)
            }
        };
        fin?;
        if dest? != 0 {
            return None;
        }
        Some(IbsCbs {
            consumo_pessoal: final_.ok()?,
            indicador_operacao: ind_op?,
            tipo_operacao: tp_oper.ok()?,
            ente_governamental: ente.ok()?,
            cst: cst?,
            classificacao: class?,
            credito_presumido: cred.ok()?,
            tributacao_regular: regular.ok()?,
        })
    }

    fn tributacao_municipal(&mut self, m: &TribMunBruto) -> Option<TributacaoMunicipal> {
        let b = "infDPS/valores/trib/tribMun";
        self.nao_suportado(
            &juntar(b, "cPaisResult"),
            m.cPaisResult.is_some(),
            "país do resultado (exportação)",
        );
        self.nao_suportado(
            &juntar(b, "exigSusp"),
            m.exigSusp.is_some(),
            "exigibilidade suspensa",
        );
        self.nao_suportado(&juntar(b, "BM"), m.BM.is_some(), "benefício municipal");
        let trib = self
            .obrigatorio(&juntar(b, "tribISSQN"), &m.tribISSQN)
            .and_then(|t| self.codigo(&juntar(b, "tribISSQN"), t, &["1", "2", "3", "4"]))
            .map(|i| {
                [
                    TributacaoIssqn::Tributavel,
                    TributacaoIssqn::Imunidade,
                    TributacaoIssqn::Exportacao,
                    TributacaoIssqn::NaoIncidencia,
                ][i]
            });
        if trib == Some(TributacaoIssqn::Exportacao) {
            self.nao_suportado(
                &juntar(b, "tribISSQN"),
                true,
                "exportação de serviço (exige o grupo comExt)",
            );
        }
        let imunidade = match m.tpImunidade.as_deref() {
            None => Ok(None),
            Some(t) => self
                .codigo(
                    &juntar(b, "tpImunidade"),
                    t,
                    &["0", "1", "2", "3", "4", "5"],
                )
                .map(|i| Some(i as u8))
                .ok_or(()),
        };
        match (trib, &imunidade) {
            (Some(TributacaoIssqn::Imunidade), Ok(None)) => self.add(
                &juntar(b, "tpImunidade"),
                Regra::NfseTributacao,
                "informe o tipo de imunidade quando tribISSQN é 2 (imunidade)",
                "",
            ),
            (Some(t), Ok(Some(_))) if t != TributacaoIssqn::Imunidade => self.add(
                &juntar(b, "tpImunidade"),
                Regra::NfseTributacao,
                "tipo de imunidade só quando tribISSQN é 2 (imunidade)",
                m.tpImunidade.as_deref().unwrap_or_default(),
            ),
            _ => {}
        }
        let retencao = self
            .obrigatorio(&juntar(b, "tpRetISSQN"), &m.tpRetISSQN)
            .and_then(|t| self.codigo(&juntar(b, "tpRetISSQN"), t, &["1", "2", "3"]))
            .map(|i| {
                [
                    RetencaoIssqn::NaoRetido,
                    RetencaoIssqn::RetidoTomador,
                    RetencaoIssqn::RetidoIntermediario,
                ][i]
            });
        let campo = juntar(b, "tpRetISSQN");
        match retencao {
            Some(RetencaoIssqn::RetidoTomador) if !self.tem_tomador => self.add(
                &campo,
                Regra::NfseTributacao,
                "ISSQN retido pelo tomador exige o grupo toma",
                "2",
            ),
            Some(RetencaoIssqn::RetidoIntermediario) if !self.tem_intermediario => self.add(
                &campo,
                Regra::NfseTributacao,
                "ISSQN retido pelo intermediário exige o grupo interm",
                "3",
            ),
            _ => {}
        }
        let aliquota = match m.pAliq.as_deref() {
            None => Ok(None),
            Some(t) => self.decimal(&juntar(b, "pAliq"), t, 1).map(Some).ok_or(()),
        };
        if let (Some(t), Ok(Some(a))) = (trib, aliquota) {
            let campo = juntar(b, "pAliq");
            let texto = m.pAliq.as_deref().unwrap_or_default();
            if t != TributacaoIssqn::Tributavel {
                self.add(
                    &campo,
                    Regra::NfseTributacao,
                    "alíquota só para operação tributável (tribISSQN 1)",
                    texto,
                );
            } else if a < Decimal::new(2, 0) || a > Decimal::new(5, 0) {
                self.add(
                    &campo,
                    Regra::PercentualForaDaFaixa,
                    "a alíquota do ISSQN vai de 2% a 5% (LC 116/2003, arts. 8º e 8º-A)",
                    texto,
                );
            }
        }
        Some(TributacaoMunicipal {
            tributacao: trib?,
            tipo_imunidade: imunidade.ok()?,
            retencao: retencao?,
            aliquota: aliquota.ok()?,
        })
    }

    fn total_tributos(&mut self, t: &TotTribBruto) -> Option<TotalTributos> {
        let b = "infDPS/valores/trib/totTrib";
        let n = [
            t.vTotTrib.is_some(),
            t.pTotTrib.is_some(),
            t.indTotTrib.is_some(),
            t.pTotTribSN.is_some(),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if n != 1 {
            self.add(
                b,
                if n == 0 {
                    Regra::CampoAusente
                } else {
                    Regra::NfseEscolha
                },
                "informe exatamente um de vTotTrib, pTotTrib, indTotTrib ou pTotTribSN",
                "",
            );
            return None;
        }
        if let Some(v) = &t.vTotTrib {
            let bv = "infDPS/valores/trib/totTrib/vTotTrib";
            let f = self.valor_obrig(&juntar(bv, "vTotTribFed"), &v.vTotTribFed);
            let e = self.valor_obrig(&juntar(bv, "vTotTribEst"), &v.vTotTribEst);
            let m = self.valor_obrig(&juntar(bv, "vTotTribMun"), &v.vTotTribMun);
            return Some(TotalTributos::Valores {
                federal: f?,
                estadual: e?,
                municipal: m?,
            });
        }
        if let Some(p) = &t.pTotTrib {
            let bp = "infDPS/valores/trib/totTrib/pTotTrib";
            let f = self.percentual_obrig(&juntar(bp, "pTotTribFed"), &p.pTotTribFed, 3);
            let e = self.percentual_obrig(&juntar(bp, "pTotTribEst"), &p.pTotTribEst, 3);
            let m = self.percentual_obrig(&juntar(bp, "pTotTribMun"), &p.pTotTribMun, 3);
            return Some(TotalTributos::Percentuais {
                federal: f?,
                estadual: e?,
                municipal: m?,
            });
        }
        if let Some(i) = t.indTotTrib.as_deref() {
            return self
                .codigo(&juntar(b, "indTotTrib"), i, &["0"])
                .map(|_| TotalTributos::NaoInformado);
        }
        self.percentual_obrig(&juntar(b, "pTotTribSN"), &t.pTotTribSN, 2)
            .map(TotalTributos::Simples)
    }
}

/// `dhEmi` as `AAAA-MM-DDThh:mm:ss±hh:00` (offsets −11..+12, whole hours).
pub(super) fn data_hora(t: &str) -> Result<DataHora, String> {
    let erro = || {
        "use AAAA-MM-DDThh:mm:ss±hh:00 (ex.: 2026-11-26T10:15:00-03:00), fuso de −11:00 a +12:00"
            .to_string()
    };
    let b = t.as_bytes();
    if b.len() != 25
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[22] != b':'
        || &t[23..] != "00"
    {
        return Err(erro());
    }
    let data = Data::parse_iso(&t[..10]).map_err(|e| format!("{}: {e}", erro()))?;
    if !(2000..=2099).contains(&data.ano()) {
        return Err("o leiaute só aceita anos de 2000 a 2099".into());
    }
    let n = |s: &str| -> Option<u8> {
        (s.len() == 2 && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (Some(h), Some(mi), Some(s), Some(fh)) =
        (n(&t[11..13]), n(&t[14..16]), n(&t[17..19]), n(&t[20..22]))
    else {
        return Err(erro());
    };
    let fuso = match b[19] {
        b'+' if fh <= 12 => fh as i8,
        b'-' if fh <= 11 => -(fh as i8),
        _ => return Err(erro()),
    };
    if h > 23 || mi > 59 || s > 59 {
        return Err(erro());
    }
    Ok(DataHora {
        data,
        hora: h,
        minuto: mi,
        segundo: s,
        fuso_horas: fuso,
    })
}

impl DpsBruta {
    /// Checks every rule and gives the typed DPS, or **every** violation, each named by its XML
    /// path (`infDPS/prest/CNPJ`).
    ///
    /// # Errors
    /// [`Violacoes`], never empty.
    pub fn validar(&self) -> Result<Dps, Violacoes> {
        let infdps = self.infDPS.as_ref();
        let mut c = Checagem {
            v: Violacoes::default(),
            tem_tomador: infdps.is_some_and(|i| i.toma.is_some()),
            tem_intermediario: infdps.is_some_and(|i| i.interm.is_some()),
        };
        let dps = validar(&mut c, self);
        match dps {
            Some(d) if c.v.is_empty() => Ok(d),
            _ => {
                if c.v.is_empty() {
                    // Every `None` above comes with a violation; keep the contract regardless.
                    c.add("DPS", Regra::RaizInvalida, "DPS inválida", "");
                }
                Err(c.v)
            }
        }
    }
}

fn validar(c: &mut Checagem, d: &DpsBruta) -> Option<Dps> {
    match d.versao.as_deref() {
        Some(VERSAO) => {}
        Some(v) => c.add(
            "DPS/@versao",
            Regra::NfseVersao,
            format!("o guichê emite a versão {VERSAO} do leiaute"),
            v,
        ),
        None => c.add(
            "DPS/@versao",
            Regra::CampoAusente,
            format!("informe versao=\"{VERSAO}\""),
            "",
        ),
    }
    if let Some(ns) = d.xmlns.as_deref().filter(|ns| *ns != NAMESPACE) {
        c.add(
            "DPS/@xmlns",
            Regra::RaizInvalida,
            format!("o namespace da DPS é {NAMESPACE}"),
            ns,
        );
    }
    let i = c.grupo("infDPS", &d.infDPS)?;
    let ambiente = c
        .obrigatorio("infDPS/tpAmb", &i.tpAmb)
        .and_then(|t| c.codigo("infDPS/tpAmb", t, &["1", "2"]))
        .map(|i| [Ambiente::Producao, Ambiente::Homologacao][i]);
    let emissao = c.obrigatorio("infDPS/dhEmi", &i.dhEmi).and_then(|t| {
        data_hora(t)
            .map_err(|e| c.add("infDPS/dhEmi", Regra::DataInvalida, e, t))
            .ok()
    });
    let ver_aplic = c.texto_obrig("infDPS/verAplic", &i.verAplic, 20, false);
    let serie = c.obrigatorio("infDPS/serie", &i.serie).and_then(|t| {
        let n = (1..=5).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit());
        match t.parse::<u32>() {
            Ok(s) if n && s <= SERIE_MAXIMA => Some(s),
            _ => {
                c.add("infDPS/serie", Regra::NfseSerie, "série de 1 a 5 dígitos, de 0 a 89999 (as séries 90000 a 99999 não são aceitas)", t);
                None
            }
        }
    });
    let numero = c.obrigatorio("infDPS/nDPS", &i.nDPS).and_then(|t| {
        let ok = (1..=15).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) && !t.starts_with('0');
        match t.parse::<u64>() {
            Ok(n) if ok => Some(n),
            _ => {
                c.add("infDPS/nDPS", Regra::NumeroInvalido, "número da DPS de 1 a 15 dígitos, sem zeros à esquerda (o preenchimento com zeros é só do Id)", t);
                None
            }
        }
    });
    let competencia = c.obrigatorio("infDPS/dCompet", &i.dCompet).and_then(|t| {
        let forma = t.len() == 10;
        match Data::parse_iso(t) {
            Ok(d) if forma && (2000..=2099).contains(&d.ano()) => Some(d),
            Ok(_) => {
                c.add(
                    "infDPS/dCompet",
                    Regra::DataInvalida,
                    "use AAAA-MM-DD, ano de 2000 a 2099",
                    t,
                );
                None
            }
            Err(e) => {
                c.add(
                    "infDPS/dCompet",
                    Regra::DataInvalida,
                    format!("use AAAA-MM-DD: {e}"),
                    t,
                );
                None
            }
        }
    });
    if let (Some(comp), Some(em)) = (competencia, emissao)
        && comp > em.data
    {
        c.add(
            "infDPS/dCompet",
            Regra::NfseCompetencia,
            format!(
                "a competência não pode ser posterior à data de emissão ({})",
                em.data.iso()
            ),
            &comp.iso(),
        );
    }
    match c.obrigatorio("infDPS/tpEmit", &i.tpEmit) {
        Some("1") | None => {}
        Some(t @ ("2" | "3")) => c.add(
            "infDPS/tpEmit",
            Regra::NfseEmitente,
            "nesta versão do leiaute só o prestador emite a DPS (tpEmit 1); 2 e 3 são recusados (E9996)",
            t,
        ),
        Some(t) => {
            c.codigo("infDPS/tpEmit", t, &["1"]);
        }
    }
    c.nao_suportado(
        "infDPS/cMotivoEmisTI",
        i.cMotivoEmisTI.is_some(),
        "motivo de emissão pelo tomador/intermediário",
    );
    c.nao_suportado(
        "infDPS/chNFSeRej",
        i.chNFSeRej.is_some(),
        "NFS-e rejeitada pelo tomador/intermediário",
    );
    c.nao_suportado("infDPS/subst", i.subst.is_some(), "substituição de NFS-e");
    let municipio = c
        .obrigatorio("infDPS/cLocEmi", &i.cLocEmi)
        .and_then(|t| c.municipio("infDPS/cLocEmi", t));
    let prestador = c
        .grupo("infDPS/prest", &i.prest)
        .and_then(|p| c.prestador(p));
    let tomador = i.toma.as_ref().map(|t| c.pessoa("infDPS/toma", t));
    let intermediario = i.interm.as_ref().map(|t| c.pessoa("infDPS/interm", t));
    let servico = c.grupo("infDPS/serv", &i.serv).and_then(|s| c.servico(s));
    let valores = c
        .grupo("infDPS/valores", &i.valores)
        .and_then(|v| c.valores(v));
    let ibs_cbs = match &i.IBSCBS {
        None => Some(None),
        Some(g) => c.ibs_cbs(g).map(Some),
    };
    // The Id is compared with the one its four fields make when they are all valid; otherwise
    // only its own form is checked.
    if let Some(id) = i.Id.as_deref() {
        let inscricao = prestador.as_ref().map(|p| p.inscricao);
        match (municipio, inscricao, serie, numero) {
            (Some(municipio), Some(inscricao), Some(serie), Some(numero)) => {
                let calculado =
                    IdDps::de_partes_validas(municipio, inscricao, serie, numero).to_string();
                if id != calculado {
                    let msg = match IdDps::parse(id) {
                        Err(e) => {
                            format!("Id inválido ({e}); o calculado a partir da DPS é {calculado}")
                        }
                        Ok(_) => format!(
                            "o Id não corresponde a cLocEmi, inscrição do prestador, série e número (E0004); o calculado é {calculado}"
                        ),
                    };
                    c.add("infDPS/@Id", Regra::NfseId, msg, id);
                }
            }
            _ => {
                if let Err(e) = IdDps::parse(id) {
                    c.add("infDPS/@Id", Regra::NfseId, format!("Id inválido: {e}"), id);
                }
            }
        }
    }
    let dps = Dps {
        ambiente: ambiente?,
        emissao: emissao?,
        versao_aplicativo: ver_aplic?,
        serie: serie?,
        numero: numero?,
        competencia: competencia?,
        municipio_emissor: municipio?,
        prestador: prestador?,
        tomador: tomador.map_or(Some(None), |t| t.map(Some))?,
        intermediario: intermediario.map_or(Some(None), |t| t.map(Some))?,
        servico: servico?,
        valores: valores?,
        ibs_cbs: ibs_cbs?,
    };
    Some(dps)
}
