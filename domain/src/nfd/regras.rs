//! Every rule of the NFD manual and of DESIGN.md's decisions, applied by [`NotaBruta::validar`].
//!
//! Rules that need facts from outside the nota (today's date, the provider's last nota, the
//! municipality) take them from [`ContextoNfd`]; the domain never reads a clock or a database.

use super::{Nota, NotaBruta, Prefeitura, RegraAtividade, StatusIss, Tag, Valores};
use crate::valor::{ErroPercentual, ErroValor};
use crate::{CodigoIbge, Data, Documento, Percentual, Regra, Valor, Violacoes};
use rust_decimal::Decimal;

/// The provider's last nota in the municipality, as the ledger knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UltimaNota {
    /// Its `NUMERO_NOTA`.
    pub numero: u64,
    /// Its `DATA_EMISSAO`.
    pub data: Data,
}

/// Facts from outside the nota that some rules need.
#[derive(Clone, Copy, Debug)]
pub struct ContextoNfd<'a> {
    /// The municipality, when known: decides which activity code is required. Without it the
    /// nota must carry exactly one of the two activity codes.
    pub prefeitura: Option<&'a Prefeitura>,
    /// Today's date in Brasília: `DATA_EMISSAO` may not be after it.
    pub hoje: Data,
    /// The provider's last nota in this municipality, when there is one: the number must be
    /// the next one and the date not earlier.
    pub ultima_nota: Option<UltimaNota>,
}

impl<'a> ContextoNfd<'a> {
    /// A context with only today's date.
    pub fn new(hoje: Data) -> ContextoNfd<'a> {
        ContextoNfd {
            prefeitura: None,
            hoje,
            ultima_nota: None,
        }
    }
}

/// Tags whose value is parsed by a strict format (digits, dates, money, `S`/`N`).
const FORMATADAS: [Tag; 16] = [
    Tag::NumeroNota,
    Tag::DataEmissao,
    Tag::ValorTotalNota,
    Tag::StatusIssNota,
    Tag::Irrf,
    Tag::Inss,
    Tag::Pis,
    Tag::Cofins,
    Tag::ContribuicaoSocial,
    Tag::ValorLiquido,
    Tag::ValorDeducaoMateriais,
    Tag::CodMunicipioExecucaoServico,
    Tag::TomadorEstrangeiro,
    Tag::TomadorMunicipio,
    Tag::Aliquota,
    Tag::PorcentagemRegimeEspecial,
];

const LINHAS_OUTRAS: usize = 10;
const LARGURA_OUTRAS: usize = 85;
const MAX_DIGITOS_NUMERO: usize = 15;

impl NotaBruta {
    /// Checks every rule and returns the typed [`Nota`], or **all** violations found.
    ///
    /// # Errors
    /// [`Violacoes`] naming, for each broken rule, the tag, the rule, why and the value.
    pub fn validar(mut self, ctx: &ContextoNfd<'_>) -> Result<Nota, Violacoes> {
        let mut v = Validador {
            b: &self,
            erros: Violacoes::default(),
        };
        v.caracteres();
        let numero = v.numero(ctx);
        let data_emissao = v.data_emissao(ctx);
        let atividade = v.atividade(ctx.prefeitura);
        v.outras_informacoes();
        v.obrigatorio(Tag::DescricaoServicos);
        let status_iss = v.status_iss();
        let valores = v.valores(ctx.prefeitura);
        let execucao = v.execucao();
        let tomador = v.tomador();
        let aliquota = v.percentual(Tag::Aliquota);
        let porcentagem = v.percentual(Tag::PorcentagemRegimeEspecial);
        v.faixa_iss(status_iss, aliquota);
        let erros = v.erros;
        let (
            Some(data_emissao),
            Some(atividade),
            Some(status_iss),
            Some(valores),
            Some(execucao),
            Some((identificacao, municipio)),
            Some(aliquota),
            Some(porcentagem_regime_especial),
            true,
        ) = (
            data_emissao,
            atividade,
            status_iss,
            valores,
            execucao,
            tomador,
            aliquota,
            porcentagem,
            erros.is_empty(),
        )
        else {
            return Err(erros);
        };
        if self.get(Tag::TomadorCep).contains('-') {
            let digitos: String = self
                .get(Tag::TomadorCep)
                .chars()
                .filter(|c| *c != '-')
                .collect();
            self.set(Tag::TomadorCep, digitos);
        }
        Ok(Nota {
            texto: self,
            numero,
            data_emissao,
            atividade,
            valores,
            status_iss,
            execucao,
            documento_tomador: identificacao,
            municipio_tomador: municipio,
            aliquota,
            porcentagem_regime_especial,
        })
    }
}

struct Validador<'b> {
    b: &'b NotaBruta,
    erros: Violacoes,
}

impl<'b> Validador<'b> {
    fn erro(&mut self, tag: Tag, regra: Regra, mensagem: impl Into<String>) {
        let valor = self.b.get(tag).to_owned();
        self.erros.add(tag.nome(), regra, mensagem, valor);
    }

    /// The trimmed text of a tag, `None` when blank.
    fn preenchido(&self, tag: Tag) -> Option<&'b str> {
        let t = self.b.get(tag).trim();
        (!t.is_empty()).then_some(t)
    }

    fn obrigatorio(&mut self, tag: Tag) -> Option<&'b str> {
        let t = self.preenchido(tag);
        if t.is_none() {
            self.erro(tag, Regra::Obrigatorio, "campo obrigatório não preenchido");
        }
        t
    }

    /// No tag may hold a character that XML 1.0 cannot carry. Tags with a numeric or coded
    /// format are skipped: their own format check already refuses any such character.
    fn caracteres(&mut self) {
        for (tag, texto) in self.b.iter() {
            if FORMATADAS.contains(&tag) || !talvez_proibido(texto) {
                continue;
            }
            if let Some(c) = texto.chars().find(|&c| caractere_proibido(c)) {
                self.erro(
                    tag,
                    Regra::CaractereInvalido,
                    format!(
                        "caractere de controle U+{:04X} não é permitido",
                        u32::from(c)
                    ),
                );
            }
        }
    }

    fn numero(&mut self, ctx: &ContextoNfd<'_>) -> Option<u64> {
        let t = self.preenchido(Tag::NumeroNota)?;
        let n = match parse_inteiro(t) {
            Some(n) if n > 0 => n,
            _ => {
                self.erro(
                    Tag::NumeroNota,
                    Regra::NumeroInvalido,
                    "deve ser um número inteiro positivo, só dígitos",
                );
                return None;
            }
        };
        if let Some(ultima) = ctx.ultima_nota {
            self.sequencia(n, ultima.numero);
        }
        Some(n)
    }

    fn sequencia(&mut self, n: u64, ultima: u64) {
        let proxima = ultima.saturating_add(1);
        if n == proxima {
            return;
        }
        let msg = if n <= ultima {
            format!("número já usado: a última nota emitida é {ultima}; a próxima é {proxima}")
        } else {
            format!(
                "pula os números {proxima} a {}: a última nota emitida é {ultima}",
                n - 1
            )
        };
        self.erro(Tag::NumeroNota, Regra::NfdSequencia, msg);
    }

    fn data_emissao(&mut self, ctx: &ContextoNfd<'_>) -> Option<Data> {
        let t = self.obrigatorio(Tag::DataEmissao)?;
        let data = match Data::parse_br(t) {
            Ok(d) => d,
            Err(e) => {
                self.erro(Tag::DataEmissao, Regra::DataInvalida, e.to_string());
                return None;
            }
        };
        if data > ctx.hoje {
            let msg = format!("não pode ser posterior a hoje ({})", ctx.hoje);
            self.erro(Tag::DataEmissao, Regra::NfdDataFutura, msg);
        }
        if let Some(u) = ctx.ultima_nota.filter(|u| data < u.data) {
            let msg = format!(
                "não pode ser anterior à data da última nota ({}, nº {})",
                u.data, u.numero
            );
            self.erro(Tag::DataEmissao, Regra::NfdDataAnteriorUltimaNota, msg);
        }
        Some(data)
    }

    fn atividade(&mut self, prefeitura: Option<&Prefeitura>) -> Option<RegraAtividade> {
        let geral = self.preenchido(Tag::CodigoGeralAtividade);
        let municipal = self.preenchido(Tag::CodigoAtividade);
        let regra = match prefeitura {
            Some(p) => self.atividade_da_prefeitura(p),
            None => match (geral, municipal) {
                (Some(_), None) => Some(RegraAtividade::CodigoGeral),
                (None, Some(_)) => Some(RegraAtividade::CodigoAtividade),
                _ => {
                    self.erro(
                        Tag::CodigoGeralAtividade,
                        Regra::NfdAtividade,
                        "preencha exatamente um entre CODIGO_GERAL_ATIVIDADE e CODIGO_ATIVIDADE \
                         (informe --prefeitura para saber qual)",
                    );
                    None
                }
            },
        };
        for tag in [Tag::CodigoGeralAtividade, Tag::CodigoAtividade] {
            if self
                .preenchido(tag)
                .is_some_and(|c| !codigo_atividade_valido(c))
            {
                self.erro(
                    tag,
                    Regra::NfdAtividade,
                    "código de atividade aceita só letras, dígitos, ponto, barra e hífen (até 20)",
                );
            }
        }
        regra
    }

    fn atividade_da_prefeitura(&mut self, p: &Prefeitura) -> Option<RegraAtividade> {
        let (exigida, vazia) = match p.atividade {
            RegraAtividade::CodigoGeral => (Tag::CodigoGeralAtividade, Tag::CodigoAtividade),
            RegraAtividade::CodigoAtividade => (Tag::CodigoAtividade, Tag::CodigoGeralAtividade),
        };
        let motivo = || format!("a {} exige {exigida}", p.nome);
        if self.preenchido(vazia).is_some() {
            self.erro(
                vazia,
                Regra::DeveSerVazio,
                format!("deve ficar em branco: {}", motivo()),
            );
        }
        if self.preenchido(exigida).is_none() {
            self.erro(
                exigida,
                Regra::Obrigatorio,
                format!("campo obrigatório: {}", motivo()),
            );
            return None;
        }
        Some(p.atividade)
    }

    fn outras_informacoes(&mut self) {
        let texto = self.b.get(Tag::OutrasInformacoes);
        if texto.is_empty() {
            return;
        }
        let linhas: Vec<&str> = texto
            .split('\n')
            .map(|l| l.trim_end_matches('\r'))
            .collect();
        if linhas.len() > LINHAS_OUTRAS {
            let msg = format!("no máximo {LINHAS_OUTRAS} linhas; tem {}", linhas.len());
            self.erro(Tag::OutrasInformacoes, Regra::NfdOutrasInformacoes, msg);
        }
        for (i, l) in linhas.iter().enumerate() {
            let n = l.chars().count();
            if n > LARGURA_OUTRAS {
                let msg = format!(
                    "a linha {} tem {n} caracteres; o máximo é {LARGURA_OUTRAS}",
                    i + 1
                );
                self.erro(Tag::OutrasInformacoes, Regra::NfdOutrasInformacoes, msg);
            }
        }
    }

    fn status_iss(&mut self) -> Option<StatusIss> {
        let t = self.obrigatorio(Tag::StatusIssNota)?;
        let s = StatusIss::from_codigo(t);
        if s.is_none() {
            self.erro(
                Tag::StatusIssNota,
                Regra::NfdStatusIss,
                "deve ser 1 (Normal), 3 (Retida), 4 (Simples Nacional), 6 (MEI) ou \
                 7 (ISS devido fora do município)",
            );
        }
        s
    }

    fn valor(&mut self, tag: Tag) -> Option<Valor> {
        match Valor::parse_nfd(self.b.get(tag)) {
            Ok(v) if v.is_negative() => {
                self.erro(tag, Regra::ValorNegativo, "não pode ser negativo");
                None
            }
            Ok(v) => Some(v),
            Err(ErroValor::Vazio) => {
                self.erro(
                    tag,
                    Regra::Obrigatorio,
                    "sempre deve ter um valor (ex.: 0,00)",
                );
                None
            }
            Err(e) => {
                self.erro(tag, Regra::ValorInvalido, e.to_string());
                None
            }
        }
    }

    fn percentual(&mut self, tag: Tag) -> Option<Percentual> {
        match Percentual::parse_nfd(self.b.get(tag)) {
            Ok(p) => Some(p),
            Err(ErroPercentual::Formato(ErroValor::Vazio)) => {
                self.erro(tag, Regra::Obrigatorio, "sempre deve ter um valor (ex.: 0)");
                None
            }
            Err(ErroPercentual::Faixa) => {
                self.erro(
                    tag,
                    Regra::PercentualForaDaFaixa,
                    "deve estar entre 0 e 100",
                );
                None
            }
            Err(ErroPercentual::Formato(e)) => {
                self.erro(tag, Regra::ValorInvalido, e.to_string());
                None
            }
        }
    }

    fn valores(&mut self, prefeitura: Option<&Prefeitura>) -> Option<Valores> {
        let total = self.valor(Tag::ValorTotalNota);
        if total.is_some_and(|t| t.is_zero()) {
            self.erro(
                Tag::ValorTotalNota,
                Regra::NfdValorTotalZero,
                "deve ser maior que zero",
            );
        }
        let campos = [
            Tag::Irrf,
            Tag::Inss,
            Tag::Pis,
            Tag::Cofins,
            Tag::ContribuicaoSocial,
            Tag::ValorLiquido,
            Tag::ValorDeducaoMateriais,
        ];
        let [irrf, inss, pis, cofins, csll, liquido, deducao] = campos.map(|t| self.valor(t));
        let valores = Valores {
            total: total?,
            irrf: irrf?,
            inss: inss?,
            pis: pis?,
            cofins: cofins?,
            contribuicao_social: csll?,
            liquido: liquido?,
            deducao_materiais: deducao?,
        };
        self.limites(&valores, prefeitura);
        Some(valores)
    }

    fn limites(&mut self, v: &Valores, prefeitura: Option<&Prefeitura>) {
        let retencoes = v.irrf + v.inss + v.pis + v.cofins + v.contribuicao_social;
        if retencoes > v.total {
            let msg = format!(
                "a soma das retenções (IRRF, INSS, PIS, COFINS, CONTRIBUICAO_SOCIAL = {retencoes}) \
                 excede o valor total ({})",
                v.total
            );
            self.erro(Tag::ValorTotalNota, Regra::NfdExcedeTotal, msg);
        }
        if v.liquido > v.total {
            let msg = format!("não pode exceder o valor total ({})", v.total);
            self.erro(Tag::ValorLiquido, Regra::NfdExcedeTotal, msg);
        }
        let limite = prefeitura.and_then(|p| p.limite_deducao.map(|l| (l, &p.nome)));
        let maximo = limite.map_or(v.total.decimal(), |(l, _)| {
            v.total.decimal() * l.decimal() / Decimal::ONE_HUNDRED
        });
        if v.deducao_materiais.decimal() > maximo {
            let msg = match limite {
                Some((l, nome)) => {
                    format!("excede o limite de {l} do valor total fixado pela {nome}")
                }
                None => format!("não pode exceder o valor total ({})", v.total),
            };
            self.erro(Tag::ValorDeducaoMateriais, Regra::NfdExcedeTotal, msg);
        }
    }

    /// `Some(None)` when both execution tags are blank, `Some(Some(code))` when both are
    /// filled and the code is valid, `None` on a violation.
    fn execucao(&mut self) -> Option<Option<CodigoIbge>> {
        let codigo = self.preenchido(Tag::CodMunicipioExecucaoServico);
        let local = self.preenchido(Tag::LocalExecucaoServico);
        match (codigo, local) {
            (None, None) => Some(None),
            (Some(c), Some(_)) => self
                .municipio(Tag::CodMunicipioExecucaoServico, c)
                .map(Some),
            (Some(_), None) | (None, Some(_)) => {
                let vazio = if codigo.is_none() {
                    Tag::CodMunicipioExecucaoServico
                } else {
                    Tag::LocalExecucaoServico
                };
                self.erro(
                    vazio,
                    Regra::NfdExecucaoServico,
                    "COD_MUNICIPIO_EXECUCAO_SERVICO e LOCAL_EXECUCAO_SERVICO vão os dois \
                     preenchidos (serviço executado em outro município) ou os dois em branco",
                );
                None
            }
        }
    }

    fn municipio(&mut self, tag: Tag, texto: &str) -> Option<CodigoIbge> {
        match CodigoIbge::parse(texto) {
            Ok(c) => Some(c),
            Err(e) => {
                self.erro(tag, Regra::MunicipioInvalido, e.to_string());
                None
            }
        }
    }

    fn tomador(&mut self) -> Option<(Option<Documento>, Option<CodigoIbge>)> {
        let estrangeiro = match self.obrigatorio(Tag::TomadorEstrangeiro) {
            Some("S") => Some(true),
            Some("N") => Some(false),
            Some(_) => {
                self.erro(
                    Tag::TomadorEstrangeiro,
                    Regra::NfdTomadorEstrangeiro,
                    "deve ser S (estrangeiro) ou N",
                );
                None
            }
            None => None,
        };
        self.obrigatorio(Tag::TomadorRazao);
        self.contato();
        match estrangeiro? {
            true => self.tomador_estrangeiro(),
            false => self.tomador_nacional(),
        }
    }

    fn tomador_nacional(&mut self) -> Option<(Option<Documento>, Option<CodigoIbge>)> {
        let documento = self.obrigatorio(Tag::TomadorDocumento).and_then(|t| {
            Documento::parse(t)
                .map_err(|e| {
                    let msg = format!("CPF ou CNPJ do tomador inválido: {e}");
                    self.erro(Tag::TomadorDocumento, Regra::DocumentoInvalido, msg);
                })
                .ok()
        });
        self.obrigatorio(Tag::TomadorLogradouro);
        self.obrigatorio(Tag::TomadorBairro);
        if let Some(cep) = self.obrigatorio(Tag::TomadorCep)
            && !cep_valido(cep)
        {
            self.erro(
                Tag::TomadorCep,
                Regra::CepInvalido,
                "CEP tem 8 dígitos (ex.: 13400000)",
            );
        }
        let municipio = self
            .obrigatorio(Tag::TomadorMunicipio)
            .and_then(|t| self.municipio(Tag::TomadorMunicipio, t));
        Some((Some(documento?), Some(municipio?)))
    }

    fn tomador_estrangeiro(&mut self) -> Option<(Option<Documento>, Option<CodigoIbge>)> {
        let municipio = match self.preenchido(Tag::TomadorMunicipio) {
            Some(t) => Some(self.municipio(Tag::TomadorMunicipio, t)?),
            None => None,
        };
        Some((None, municipio))
    }

    fn contato(&mut self) {
        if let Some(email) = self.preenchido(Tag::TomadorEmail)
            && !email_valido(email)
        {
            self.erro(Tag::TomadorEmail, Regra::EmailInvalido, "e-mail malformado");
        }
        if let Some(tel) = self.preenchido(Tag::TomadorTelefone)
            && !telefone_valido(tel)
        {
            self.erro(
                Tag::TomadorTelefone,
                Regra::TelefoneInvalido,
                "telefone deve ter de 8 a 15 dígitos (aceita parênteses, espaços, + e -)",
            );
        }
    }

    fn faixa_iss(&mut self, status: Option<StatusIss>, aliquota: Option<Percentual>) {
        let (Some(s), Some(a)) = (status, aliquota) else {
            return;
        };
        let a = a.decimal();
        if s.tributado_no_municipio() && (a < Decimal::TWO || a > Decimal::new(5, 0)) {
            self.erro(
                Tag::Aliquota,
                Regra::NfdAliquotaIss,
                "com STATUS_ISS_NOTA 1 ou 3 a alíquota do ISS fica entre 2,00 e 5,00 \
                 (LC 116/2003, arts. 8º e 8º-A)",
            );
        }
    }
}

/// A fast byte-level pre-check: control bytes, or the lead byte of U+FFFE/U+FFFF (`EF BF`).
fn talvez_proibido(texto: &str) -> bool {
    texto
        .bytes()
        .any(|b| (b < b' ' && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF)
}

fn caractere_proibido(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}'
}

fn parse_inteiro(t: &str) -> Option<u64> {
    if t.is_empty() || t.len() > MAX_DIGITOS_NUMERO || !t.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn codigo_atividade_valido(c: &str) -> bool {
    c.len() <= 20
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'/' | b'-'))
}

fn cep_valido(cep: &str) -> bool {
    let b = cep.as_bytes();
    match b.len() {
        8 => b.iter().all(u8::is_ascii_digit),
        9 => b[5] == b'-' && b[..5].iter().chain(&b[6..]).all(u8::is_ascii_digit),
        _ => false,
    }
}

fn email_valido(e: &str) -> bool {
    let Some((local, dominio)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !dominio.contains('@')
        && dominio.contains('.')
        && !dominio.starts_with('.')
        && !dominio.ends_with('.')
        && !e.chars().any(char::is_whitespace)
}

fn telefone_valido(t: &str) -> bool {
    let digitos = t.bytes().filter(u8::is_ascii_digit).count();
    (8..=15).contains(&digitos)
        && t.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'(' | b')' | b' ' | b'+' | b'-'))
}
