//! NFD (Nota Fiscal Digital): the municipal service invoice of the NFD web service.
//!
//! A nota arrives as a [`NotaBruta`] (the 30 tags of the manual as text, exactly as read) and is
//! turned into a [`Nota`] (typed, every rule checked) by [`NotaBruta::validar`], which reports
//! **all** violations. [`Nota::bruta`] writes it back in the canonical text form the service
//! expects (two decimals, bare digits).
//!
//! The manual's table lists 30 tags inside the `<NOTA>` root element (31 elements with the root).

mod estado;
mod prefeitura;
mod regras;

pub use estado::Estado;
pub use prefeitura::{ErroTabelaPrefeituras, Prefeitura, RegraAtividade, prefeituras};
pub use regras::{ContextoNfd, UltimaNota};

use crate::{CodigoIbge, Data, Documento, Percentual, Valor};
use std::fmt;
use std::ops::Index;

macro_rules! tags {
    ($($variante:ident => $nome:literal, $doc:literal;)+) => {
        /// A tag of the `<NOTA>` layout, in the manual's order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Tag {
            $(#[doc = $doc] $variante,)+
        }

        impl Tag {
            /// Every tag, in the manual's order (the order they are written in).
            pub const TODAS: [Tag; 30] = [$(Tag::$variante,)+];

            /// The official tag name, e.g. `NUMERO_NOTA`.
            pub fn nome(self) -> &'static str {
                match self {
                    $(Tag::$variante => $nome,)+
                }
            }

            /// The tag with this official name.
            pub fn from_nome(nome: &str) -> Option<Tag> {
                match nome {
                    $($nome => Some(Tag::$variante),)+
                    _ => None,
                }
            }
        }
    };
}

tags! {
    NumeroNota => "NUMERO_NOTA", "Sequential nota number per provider and municipality.";
    DataEmissao => "DATA_EMISSAO", "Emission date, `DD/MM/AAAA`.";
    CodigoGeralAtividade => "CODIGO_GERAL_ATIVIDADE", "General activity code (municipalities that use it).";
    CodigoAtividade => "CODIGO_ATIVIDADE", "The provider's municipal activity code (Piracaia, Ipeúna).";
    OutrasInformacoes => "OUTRAS_INFORMACOES", "Other information: at most 10 lines of 85 characters.";
    DescricaoServicos => "DESCRICAO_SERVICOS", "Description of the services.";
    ValorTotalNota => "VALOR_TOTAL_NOTA", "Total value of the nota.";
    StatusIssNota => "STATUS_ISS_NOTA", "ISS status: 1, 3, 4, 6 or 7.";
    Irrf => "IRRF", "Income tax withheld.";
    Inss => "INSS", "Social security withheld.";
    Pis => "PIS", "PIS withheld.";
    Cofins => "COFINS", "COFINS withheld.";
    ContribuicaoSocial => "CONTRIBUICAO_SOCIAL", "CSLL withheld.";
    ValorLiquido => "VALOR_LIQUIDO", "Net value.";
    ValorDeducaoMateriais => "VALOR_DEDUCAO_MATERIAIS", "Deduction for materials.";
    CodMunicipioExecucaoServico => "COD_MUNICIPIO_EXECUCAO_SERVICO", "IBGE code where the service was performed, when elsewhere.";
    LocalExecucaoServico => "LOCAL_EXECUCAO_SERVICO", "Place where the service was performed, when elsewhere.";
    TomadorEstrangeiro => "TOMADOR_ESTRANGEIRO", "`S` when the customer is foreign, otherwise `N`.";
    TomadorDocumento => "TOMADOR_DOCUMENTO", "Customer's CPF or CNPJ (any identification when foreign).";
    TomadorRazao => "TOMADOR_RAZAO", "Customer's name.";
    TomadorLogradouro => "TOMADOR_LOGRADOURO", "Customer's street address.";
    TomadorBairro => "TOMADOR_BAIRRO", "Customer's district.";
    TomadorCep => "TOMADOR_CEP", "Customer's postal code.";
    TomadorInscricaoEstadual => "TOMADOR_INSCRICAO_ESTADUAL", "Customer's state registration (may be blank or ISENTO).";
    TomadorInscricaoMunicipal => "TOMADOR_INSCRICAO_MUNICIPAL", "Customer's municipal registration (may be blank or ISENTO).";
    TomadorEmail => "TOMADOR_EMAIL", "Customer's e-mail (may be blank).";
    TomadorTelefone => "TOMADOR_TELEFONE", "Customer's telephone (may be blank).";
    TomadorMunicipio => "TOMADOR_MUNICIPIO", "Customer's IBGE municipality code.";
    Aliquota => "ALIQUOTA", "ISS rate, percent.";
    PorcentagemRegimeEspecial => "PORCENTAGEM_REGIME_ESPECIAL", "Special-regime percentage (0 when not applicable).";
}

impl Tag {
    fn indice(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.nome())
    }
}

/// A nota exactly as read: the text of each of the 30 tags (empty when blank).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NotaBruta {
    valores: [String; 30],
}

impl NotaBruta {
    /// The text of `tag`.
    pub fn get(&self, tag: Tag) -> &str {
        &self.valores[tag.indice()]
    }

    /// Sets the text of `tag`.
    pub fn set(&mut self, tag: Tag, valor: impl Into<String>) {
        self.valores[tag.indice()] = valor.into();
    }

    /// Builder form of [`NotaBruta::set`].
    #[must_use]
    pub fn com(mut self, tag: Tag, valor: impl Into<String>) -> NotaBruta {
        self.set(tag, valor);
        self
    }

    /// Each tag with its text, in the manual's order.
    pub fn iter(&self) -> impl Iterator<Item = (Tag, &str)> {
        Tag::TODAS.iter().map(|&t| (t, self.get(t)))
    }

    /// Appends text to `tag` (readers build a value from several XML events).
    #[cfg(feature = "formatos")]
    pub(crate) fn anexar(&mut self, tag: Tag, texto: &str) {
        self.valores[tag.indice()].push_str(texto);
    }
}

impl Index<Tag> for NotaBruta {
    type Output = str;
    fn index(&self, tag: Tag) -> &str {
        self.get(tag)
    }
}

/// `STATUS_ISS_NOTA`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusIss {
    /// 1 = Normal.
    Normal,
    /// 3 = Retida (withheld by the customer).
    Retida,
    /// 4 = Simples Nacional.
    SimplesNacional,
    /// 6 = MEI.
    Mei,
    /// 7 = ISS due outside the municipality.
    DevidoForaDoMunicipio,
}

impl StatusIss {
    /// Every status, in code order.
    pub const TODOS: [StatusIss; 5] = [
        StatusIss::Normal,
        StatusIss::Retida,
        StatusIss::SimplesNacional,
        StatusIss::Mei,
        StatusIss::DevidoForaDoMunicipio,
    ];

    /// The code written in the nota.
    pub fn codigo(self) -> u8 {
        match self {
            StatusIss::Normal => 1,
            StatusIss::Retida => 3,
            StatusIss::SimplesNacional => 4,
            StatusIss::Mei => 6,
            StatusIss::DevidoForaDoMunicipio => 7,
        }
    }

    /// The status with this code.
    pub fn from_codigo(codigo: &str) -> Option<StatusIss> {
        match codigo.trim().as_bytes() {
            [d] => StatusIss::TODOS
                .into_iter()
                .find(|s| s.codigo() == d.wrapping_sub(b'0')),
            _ => None,
        }
    }

    /// Whether ISS is levied by the municipality at the nota's rate (1 and 3), so the
    /// 2%–5% range of LC 116/2003 applies to `ALIQUOTA`.
    pub fn tributado_no_municipio(self) -> bool {
        matches!(self, StatusIss::Normal | StatusIss::Retida)
    }
}

/// Which activity code the nota carries (the municipality decides which one), and its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Atividade<'a> {
    /// `CODIGO_GERAL_ATIVIDADE` filled, `CODIGO_ATIVIDADE` blank.
    Geral(&'a str),
    /// `CODIGO_ATIVIDADE` filled, `CODIGO_GERAL_ATIVIDADE` blank.
    Municipal(&'a str),
}

/// The money fields of a nota.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Valores {
    /// `VALOR_TOTAL_NOTA`, above zero.
    pub total: Valor,
    /// `IRRF`.
    pub irrf: Valor,
    /// `INSS`.
    pub inss: Valor,
    /// `PIS`.
    pub pis: Valor,
    /// `COFINS`.
    pub cofins: Valor,
    /// `CONTRIBUICAO_SOCIAL`.
    pub contribuicao_social: Valor,
    /// `VALOR_LIQUIDO`.
    pub liquido: Valor,
    /// `VALOR_DEDUCAO_MATERIAIS`.
    pub deducao_materiais: Valor,
}

/// Where the service was performed, when in another municipality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Execucao<'a> {
    /// `COD_MUNICIPIO_EXECUCAO_SERVICO`.
    pub municipio: CodigoIbge,
    /// `LOCAL_EXECUCAO_SERVICO`.
    pub local: &'a str,
}

/// How the customer is identified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentificacaoTomador<'a> {
    /// A Brazilian customer with a valid CPF or CNPJ.
    Nacional(Documento),
    /// A foreign customer (`TOMADOR_ESTRANGEIRO` = `S`) with any identification, not validated.
    Estrangeiro(&'a str),
}

/// The customer (tomador), borrowed from the nota.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tomador<'a> {
    /// Document or foreign identification.
    pub identificacao: IdentificacaoTomador<'a>,
    /// `TOMADOR_RAZAO`.
    pub razao: &'a str,
    /// `TOMADOR_LOGRADOURO`.
    pub logradouro: &'a str,
    /// `TOMADOR_BAIRRO`.
    pub bairro: &'a str,
    /// `TOMADOR_CEP`: eight digits for a Brazilian customer.
    pub cep: &'a str,
    /// `TOMADOR_INSCRICAO_ESTADUAL`.
    pub inscricao_estadual: &'a str,
    /// `TOMADOR_INSCRICAO_MUNICIPAL`.
    pub inscricao_municipal: &'a str,
    /// `TOMADOR_EMAIL`.
    pub email: &'a str,
    /// `TOMADOR_TELEFONE`.
    pub telefone: &'a str,
    /// `TOMADOR_MUNICIPIO`: present for a Brazilian customer.
    pub municipio: Option<CodigoIbge>,
}

/// A nota that passed every rule. Built only by [`NotaBruta::validar`]: it keeps the text it
/// was read from (free texts exactly as written) beside the typed values, so validating copies
/// nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nota {
    pub(crate) texto: NotaBruta,
    pub(crate) numero: Option<u64>,
    pub(crate) data_emissao: Data,
    pub(crate) atividade: RegraAtividade,
    pub(crate) valores: Valores,
    pub(crate) status_iss: StatusIss,
    pub(crate) execucao: Option<CodigoIbge>,
    pub(crate) documento_tomador: Option<Documento>,
    pub(crate) municipio_tomador: Option<CodigoIbge>,
    pub(crate) aliquota: Percentual,
    pub(crate) porcentagem_regime_especial: Percentual,
}

impl Nota {
    /// `NUMERO_NOTA`; `None` when left blank for the ledger to assign.
    pub fn numero(&self) -> Option<u64> {
        self.numero
    }

    /// The same nota with `NUMERO_NOTA` set (the ledger's assignment).
    #[must_use]
    pub fn com_numero(mut self, numero: u64) -> Nota {
        self.numero = Some(numero);
        self
    }

    /// `DATA_EMISSAO`.
    pub fn data_emissao(&self) -> Data {
        self.data_emissao
    }

    /// The activity code.
    pub fn atividade(&self) -> Atividade<'_> {
        match self.atividade {
            RegraAtividade::CodigoGeral => {
                Atividade::Geral(self.aparado(Tag::CodigoGeralAtividade))
            }
            RegraAtividade::CodigoAtividade => {
                Atividade::Municipal(self.aparado(Tag::CodigoAtividade))
            }
        }
    }

    /// `OUTRAS_INFORMACOES`, exactly as written.
    pub fn outras_informacoes(&self) -> &str {
        self.texto.get(Tag::OutrasInformacoes)
    }

    /// `DESCRICAO_SERVICOS`, exactly as written.
    pub fn descricao_servicos(&self) -> &str {
        self.texto.get(Tag::DescricaoServicos)
    }

    /// The money fields.
    pub fn valores(&self) -> &Valores {
        &self.valores
    }

    /// `STATUS_ISS_NOTA`.
    pub fn status_iss(&self) -> StatusIss {
        self.status_iss
    }

    /// Where the service was performed, when elsewhere.
    pub fn execucao(&self) -> Option<Execucao<'_>> {
        self.execucao.map(|municipio| Execucao {
            municipio,
            local: self.texto.get(Tag::LocalExecucaoServico),
        })
    }

    /// The customer.
    pub fn tomador(&self) -> Tomador<'_> {
        let t = &self.texto;
        let identificacao = match self.documento_tomador {
            Some(d) => IdentificacaoTomador::Nacional(d),
            None => IdentificacaoTomador::Estrangeiro(self.aparado(Tag::TomadorDocumento)),
        };
        Tomador {
            identificacao,
            razao: t.get(Tag::TomadorRazao),
            logradouro: t.get(Tag::TomadorLogradouro),
            bairro: t.get(Tag::TomadorBairro),
            cep: self.aparado(Tag::TomadorCep),
            inscricao_estadual: t.get(Tag::TomadorInscricaoEstadual),
            inscricao_municipal: t.get(Tag::TomadorInscricaoMunicipal),
            email: self.aparado(Tag::TomadorEmail),
            telefone: self.aparado(Tag::TomadorTelefone),
            municipio: self.municipio_tomador,
        }
    }

    /// `ALIQUOTA`.
    pub fn aliquota(&self) -> Percentual {
        self.aliquota
    }

    /// `PORCENTAGEM_REGIME_ESPECIAL`.
    pub fn porcentagem_regime_especial(&self) -> Percentual {
        self.porcentagem_regime_especial
    }

    fn aparado(&self, tag: Tag) -> &str {
        self.texto.get(tag).trim()
    }

    /// The canonical text form: free texts as written; money with two decimals, documents and
    /// CEP as bare digits, codes without surrounding blanks.
    pub fn bruta(&self) -> NotaBruta {
        let mut b = self.texto.clone();
        let v = &self.valores;
        let documento = match self.tomador().identificacao {
            IdentificacaoTomador::Nacional(d) => d.as_str().to_owned(),
            IdentificacaoTomador::Estrangeiro(s) => s.to_owned(),
        };
        let codigos: [(Tag, String); 20] = [
            (
                Tag::NumeroNota,
                self.numero.map(|n| n.to_string()).unwrap_or_default(),
            ),
            (Tag::DataEmissao, self.data_emissao.to_string()),
            (
                Tag::CodigoGeralAtividade,
                self.aparado(Tag::CodigoGeralAtividade).to_owned(),
            ),
            (
                Tag::CodigoAtividade,
                self.aparado(Tag::CodigoAtividade).to_owned(),
            ),
            (Tag::ValorTotalNota, v.total.formatar_nfd()),
            (Tag::StatusIssNota, self.status_iss.codigo().to_string()),
            (Tag::Irrf, v.irrf.formatar_nfd()),
            (Tag::Inss, v.inss.formatar_nfd()),
            (Tag::Pis, v.pis.formatar_nfd()),
            (Tag::Cofins, v.cofins.formatar_nfd()),
            (
                Tag::ContribuicaoSocial,
                v.contribuicao_social.formatar_nfd(),
            ),
            (Tag::ValorLiquido, v.liquido.formatar_nfd()),
            (
                Tag::ValorDeducaoMateriais,
                v.deducao_materiais.formatar_nfd(),
            ),
            (
                Tag::CodMunicipioExecucaoServico,
                self.execucao.map(|m| m.to_string()).unwrap_or_default(),
            ),
            (
                Tag::TomadorEstrangeiro,
                if self.documento_tomador.is_some() {
                    "N"
                } else {
                    "S"
                }
                .to_owned(),
            ),
            (Tag::TomadorDocumento, documento),
            (Tag::TomadorCep, self.aparado(Tag::TomadorCep).to_owned()),
            (
                Tag::TomadorMunicipio,
                self.municipio_tomador
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
            ),
            (Tag::Aliquota, self.aliquota.formatar_nfd()),
            (
                Tag::PorcentagemRegimeEspecial,
                regime_especial(self.porcentagem_regime_especial),
            ),
        ];
        for (tag, valor) in codigos {
            b.set(tag, valor);
        }
        b
    }
}

/// The manual writes a zero `PORCENTAGEM_REGIME_ESPECIAL` as `0` ("deve ser zero(0)"), and
/// any other value with two decimals like every percentage.
fn regime_especial(p: Percentual) -> String {
    if p.decimal().is_zero() {
        "0".to_owned()
    } else {
        p.formatar_nfd()
    }
}

/// A fingerprint of the nota's content without its number: the SHA-256, in lowercase hex, of
/// its canonical `<NOTA>` XML ([`Nota::bruta`]) with `NUMERO_NOTA` blank. Two submissions of
/// the same nota (a batch run again) have the same fingerprint whatever number they carry; the
/// ledger keeps it with each nota to recognise them. Stable: ledgers hold it.
#[cfg(feature = "formatos")]
pub fn impressao_digital(nota: &Nota) -> String {
    use sha2::{Digest, Sha256};
    let texto = nota.bruta().com(Tag::NumeroNota, "").para_xml();
    let hash = Sha256::digest(texto.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
