//! `guiche consulta`: CPF, CNPJ and CND lookups through whichever path the configuration gives
//! — SERPRO's commercial APIs for a private company (`guiche-loja`), Conecta gov.br for a
//! public body — with one output. Conecta answers CPFs and a CNPJ's basic record only; the
//! partners (`qsa`, `empresa`) and the CND are SERPRO's, and asking Conecta for them is refused
//! by name before any call.

use std::sync::Arc;

use async_trait::async_trait;
use guiche_domain::{Cnpj, Cpf, Documento};
use guiche_ports::conecta::{ConectaGovBr, ErroConsulta};
use guiche_ports::consulta::{
    Certidao, ConsultaCadastral, DadosCnpj, DadosCpf, DataInformada, ErroConsultaCadastral,
    Etiqueta, NivelCnpj, Situacao, TipoErroConsulta,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::erro::{Classificar, Natureza};

/// Which service answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Caminho {
    /// SERPRO's commercial APIs (private companies).
    SerproLoja,
    /// Conecta gov.br (public bodies).
    ConectaGovBr,
}

impl Caminho {
    /// The path's name for people.
    pub fn nome(self) -> &'static str {
        match self {
            Caminho::SerproLoja => "SERPRO (APIs comerciais)",
            Caminho::ConectaGovBr => "Conecta gov.br",
        }
    }
}

/// The lookups, over the configured path.
#[derive(Clone)]
pub struct ServicoConsulta {
    fonte: Arc<dyn ConsultaCadastral>,
    caminho: Caminho,
}

impl std::fmt::Debug for ServicoConsulta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServicoConsulta")
            .field("caminho", &self.caminho)
            .finish_non_exhaustive()
    }
}

/// A registration status, as the service gave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SituacaoEncontrada {
    /// The code.
    pub codigo: String,
    /// Its description, when known.
    pub descricao: Option<String>,
}

/// A CPF looked up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CpfEncontrado {
    /// Digits.
    pub cpf: String,
    /// The holder's name.
    pub nome: String,
    /// The social name, when registered.
    pub nome_social: Option<String>,
    /// The registration status.
    pub situacao: SituacaoEncontrada,
    /// The birth date (DD/MM/AAAA, or the text the service sent when it is not a date).
    pub nascimento: Option<String>,
    /// The year of death, when registered.
    pub ano_obito: Option<u16>,
    /// The service left fields out (206).
    pub parcial: bool,
    /// Who answered.
    pub caminho: Caminho,
}

/// A partner (sócio) of a company.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SocioEncontrado {
    /// Name.
    pub nome: String,
    /// CPF or CNPJ, as sent (masked on `qsa`).
    pub documento: Option<String>,
    /// Qualification.
    pub qualificacao: Option<String>,
}

/// A CNPJ looked up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CnpjEncontrado {
    /// Digits.
    pub cnpj: String,
    /// `basica`, `qsa` or `empresa`.
    pub nivel: String,
    /// Razão social.
    pub razao_social: String,
    /// Nome fantasia.
    pub nome_fantasia: Option<String>,
    /// The registration status.
    pub situacao: SituacaoEncontrada,
    /// Opening date.
    pub abertura: Option<String>,
    /// Municipality.
    pub municipio: Option<String>,
    /// State.
    pub uf: Option<String>,
    /// Partners (`qsa`, `empresa`).
    pub socios: Vec<SocioEncontrado>,
    /// The service left fields out (206).
    pub parcial: bool,
    /// Who answered.
    pub caminho: Caminho,
}

/// A CND looked up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CndEncontrada {
    /// The CPF or CNPJ, digits.
    pub documento: String,
    /// `Negativa`, `Positiva com efeitos de negativa` or `Positiva`.
    pub situacao: String,
    /// Issue date.
    pub emissao: Option<String>,
    /// Valid until.
    pub validade: Option<String>,
    /// Control code.
    pub codigo_controle: Option<String>,
    /// Who answered.
    pub caminho: Caminho,
}

/// One CPF of several: looked up, or why not (the others go on).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ResultadoCpf {
    /// Looked up.
    Consultado(CpfEncontrado),
    /// Not looked up, or not found.
    Falhou {
        /// The CPF as given.
        cpf: String,
        /// Why, in Portuguese.
        erro: crate::ecac::baixa::MensagemErro,
        /// What kind of failure.
        #[serde(skip)]
        natureza: Natureza,
    },
}

/// Several CPFs, each with its outcome, in the order given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct CpfsEncontrados {
    /// Each CPF's outcome.
    pub cpfs: Vec<ResultadoCpf>,
}

impl CpfsEncontrados {
    /// The most serious failure, if any (a transport failure first: worth trying again).
    pub fn natureza(&self) -> Option<Natureza> {
        let gravidade = |n: Natureza| match n {
            Natureza::Transporte => 0,
            Natureza::Configuracao => 1,
            Natureza::Limite => 2,
            _ => 3,
        };
        self.cpfs
            .iter()
            .filter_map(|r| match r {
                ResultadoCpf::Consultado(_) => None,
                ResultadoCpf::Falhou { natureza, .. } => Some(*natureza),
            })
            .min_by_key(|n| gravidade(*n))
    }
}

/// Why a lookup did not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErroConsultas {
    /// The number is not a CPF or CNPJ (check digits included).
    #[error("{campo}: {mensagem}")]
    Entrada {
        /// What was given (`cpf`, `cnpj`, `documento`, `etiqueta`).
        campo: &'static str,
        /// Why.
        mensagem: String,
    },
    /// The service's answer, or the path's refusal.
    #[error(transparent)]
    Servico(#[from] ErroConsultaCadastral),
}

impl Classificar for ErroConsultas {
    fn natureza(&self) -> Natureza {
        match self {
            ErroConsultas::Entrada { .. } => Natureza::Pedido,
            ErroConsultas::Servico(e) => match e.tipo {
                TipoErroConsulta::NaoEncontrado => Natureza::NaoEncontrado,
                TipoErroConsulta::TetoAtingido => Natureza::Limite,
                TipoErroConsulta::Transporte => Natureza::Transporte,
                TipoErroConsulta::Configuracao => Natureza::Configuracao,
                _ => Natureza::Recusado,
            },
        }
    }
}

fn data(d: Option<DataInformada>) -> Option<String> {
    d.map(|d| d.to_string())
}

fn situacao(s: Situacao) -> SituacaoEncontrada {
    SituacaoEncontrada {
        codigo: s.codigo,
        descricao: s.descricao,
    }
}

impl ServicoConsulta {
    /// Lookups through `fonte`, which answers as `caminho`.
    pub fn new(fonte: Arc<dyn ConsultaCadastral>, caminho: Caminho) -> ServicoConsulta {
        ServicoConsulta { fonte, caminho }
    }

    /// Lookups through Conecta gov.br (CPF and a CNPJ's basic record).
    pub fn pelo_conecta(conecta: Arc<dyn ConectaGovBr>) -> ServicoConsulta {
        ServicoConsulta::new(
            Arc::new(ConectaComoConsulta(conecta)),
            Caminho::ConectaGovBr,
        )
    }

    /// Which service answers.
    pub fn caminho(&self) -> Caminho {
        self.caminho
    }

    /// The tag of a lookup: `etiqueta` as given, or `consulta-<tipo>-<número>`.
    fn etiqueta(
        etiqueta: Option<&str>,
        tipo: &str,
        numero: &str,
    ) -> Result<Etiqueta, ErroConsultas> {
        let texto = etiqueta.map_or_else(|| format!("consulta-{tipo}-{numero}"), str::to_owned);
        Etiqueta::nova(&texto).map_err(|e| ErroConsultas::Entrada {
            campo: "etiqueta",
            mensagem: e.to_string(),
        })
    }

    /// One CPF.
    ///
    /// # Errors
    /// [`ErroConsultas`]: a number that is not a CPF, or the service's answer.
    pub async fn cpf(
        &self,
        texto: &str,
        etiqueta: Option<&str>,
    ) -> Result<CpfEncontrado, ErroConsultas> {
        let cpf = Cpf::parse(texto).map_err(|e| ErroConsultas::Entrada {
            campo: "cpf",
            mensagem: e.to_string(),
        })?;
        let etiqueta = Self::etiqueta(etiqueta, "cpf", cpf.as_str())?;
        let d: DadosCpf = self.fonte.cpf(&cpf, &etiqueta).await?;
        Ok(CpfEncontrado {
            cpf: d.cpf.as_str().to_owned(),
            nome: d.nome,
            nome_social: d.nome_social,
            situacao: situacao(d.situacao),
            nascimento: data(d.nascimento),
            ano_obito: d.ano_obito,
            parcial: d.parcial,
            caminho: self.caminho,
        })
    }

    /// Several CPFs, one after the other; one that fails does not stop the others.
    pub async fn cpfs(&self, textos: &[String], etiqueta: Option<&str>) -> CpfsEncontrados {
        let mut feito = CpfsEncontrados::default();
        for texto in textos {
            feito.cpfs.push(match self.cpf(texto, etiqueta).await {
                Ok(c) => ResultadoCpf::Consultado(c),
                Err(e) => ResultadoCpf::Falhou {
                    cpf: texto.clone(),
                    natureza: e.natureza(),
                    erro: crate::ecac::baixa::MensagemErro {
                        mensagem: e.to_string(),
                    },
                },
            });
        }
        feito
    }

    /// One CNPJ at `nivel`.
    ///
    /// # Errors
    /// [`ErroConsultas`]: a number that is not a CNPJ, a level the path does not give, or the
    /// service's answer.
    pub async fn cnpj(
        &self,
        texto: &str,
        nivel: NivelCnpj,
        etiqueta: Option<&str>,
    ) -> Result<CnpjEncontrado, ErroConsultas> {
        let cnpj = Cnpj::parse(texto).map_err(|e| ErroConsultas::Entrada {
            campo: "cnpj",
            mensagem: e.to_string(),
        })?;
        let etiqueta = Self::etiqueta(etiqueta, "cnpj", cnpj.as_str())?;
        let d: DadosCnpj = self.fonte.cnpj(&cnpj, nivel, &etiqueta).await?;
        Ok(CnpjEncontrado {
            cnpj: d.cnpj.as_str().to_owned(),
            nivel: d.nivel.nome().to_owned(),
            razao_social: d.razao_social,
            nome_fantasia: d.nome_fantasia,
            situacao: situacao(d.situacao),
            abertura: data(d.abertura),
            municipio: d.municipio,
            uf: d.uf,
            socios: d
                .socios
                .into_iter()
                .map(|s| SocioEncontrado {
                    nome: s.nome,
                    documento: s.documento,
                    qualificacao: s.qualificacao,
                })
                .collect(),
            parcial: d.parcial,
            caminho: self.caminho,
        })
    }

    /// The CND of a company, as the domain has it (for the e-CAC sync), under `etiqueta`.
    ///
    /// # Errors
    /// [`ErroConsultas`]: a tag that is not one, a path without CNDs, or the service's answer.
    pub async fn certidao(&self, cnpj: &Cnpj, etiqueta: &str) -> Result<Certidao, ErroConsultas> {
        let documento = Documento::Cnpj(*cnpj);
        let etiqueta = Self::etiqueta(Some(etiqueta), "cnd", documento.as_str())?;
        Ok(self.fonte.cnd(&documento, &etiqueta).await?)
    }

    /// The CND of a CPF or CNPJ.
    ///
    /// # Errors
    /// [`ErroConsultas`]: a number that is neither, a path without CNDs, or the service's
    /// answer.
    pub async fn cnd(
        &self,
        texto: &str,
        etiqueta: Option<&str>,
    ) -> Result<CndEncontrada, ErroConsultas> {
        let documento = Documento::parse(texto).map_err(|e| ErroConsultas::Entrada {
            campo: "documento",
            mensagem: e.to_string(),
        })?;
        let etiqueta = Self::etiqueta(etiqueta, "cnd", documento.as_str())?;
        let c: Certidao = self.fonte.cnd(&documento, &etiqueta).await?;
        Ok(CndEncontrada {
            documento: c.documento.as_str().to_owned(),
            situacao: c.situacao.descricao().to_owned(),
            emissao: data(c.emissao),
            validade: data(c.validade),
            codigo_controle: c.codigo_controle,
            caminho: self.caminho,
        })
    }
}

/// Conecta gov.br as a [`ConsultaCadastral`]: CPFs and a CNPJ's basic record; the rest refused
/// before any call. Conecta's own quota metering stays in its adapter; tags are SERPRO's and
/// Conecta ignores them.
struct ConectaComoConsulta(Arc<dyn ConectaGovBr>);

fn do_conecta(e: ErroConsulta) -> ErroConsultaCadastral {
    let tipo = match &e {
        ErroConsulta::NaoEncontrado(_) => TipoErroConsulta::NaoEncontrado,
        ErroConsulta::Quota(_) => TipoErroConsulta::TetoAtingido,
        ErroConsulta::Transporte(_) => TipoErroConsulta::Transporte,
        ErroConsulta::Configuracao(_) => TipoErroConsulta::Configuracao,
        _ => TipoErroConsulta::Recusado,
    };
    ErroConsultaCadastral {
        tipo,
        mensagem: e.to_string(),
    }
}

fn so_serpro(o_que: &str) -> ErroConsultaCadastral {
    ErroConsultaCadastral {
        tipo: TipoErroConsulta::Configuracao,
        mensagem: format!(
            "o Conecta gov.br não oferece {o_que}; só as APIs comerciais do SERPRO \
             (GUICHE_SERPRO_LOJA_…)"
        ),
    }
}

fn informada(texto: Option<String>) -> Option<DataInformada> {
    texto.map(|t| {
        guiche_domain::Data::parse_iso(&t)
            .or_else(|_| guiche_domain::Data::parse_br(&t))
            .map_or(DataInformada::Texto(t), DataInformada::Data)
    })
}

#[async_trait]
impl ConsultaCadastral for ConectaComoConsulta {
    async fn cpf(&self, cpf: &Cpf, _: &Etiqueta) -> Result<DadosCpf, ErroConsultaCadastral> {
        let mut achados = self
            .0
            .consultar_cpf(std::slice::from_ref(cpf))
            .await
            .map_err(do_conecta)?;
        let Some(s) = achados.pop() else {
            return Err(do_conecta(ErroConsulta::NaoEncontrado(format!(
                "o CPF {cpf} não foi encontrado"
            ))));
        };
        Ok(DadosCpf {
            cpf: s.cpf,
            nome: s.nome.unwrap_or_default(),
            nome_social: None,
            situacao: Situacao {
                codigo: s.situacao.codigo.to_string(),
                descricao: Some(s.situacao.descricao),
            },
            nascimento: informada(s.nascimento),
            inscricao: None,
            ano_obito: None,
            parcial: false,
        })
    }

    async fn cnpj(
        &self,
        cnpj: &Cnpj,
        nivel: NivelCnpj,
        _: &Etiqueta,
    ) -> Result<DadosCnpj, ErroConsultaCadastral> {
        if nivel != NivelCnpj::Basica {
            return Err(so_serpro("o quadro de sócios (--qsa, --empresa)"));
        }
        let d = self.0.consultar_cnpj(cnpj).await.map_err(do_conecta)?;
        let (situacao, data_situacao) = match d.situacao {
            Some(s) => (
                Situacao {
                    codigo: s.codigo,
                    descricao: s.descricao,
                },
                informada(s.data),
            ),
            None => (
                Situacao {
                    codigo: String::new(),
                    descricao: None,
                },
                None,
            ),
        };
        Ok(DadosCnpj {
            cnpj: d.cnpj,
            nivel,
            razao_social: d.razao_social,
            nome_fantasia: d.nome_fantasia,
            situacao,
            data_situacao,
            abertura: informada(d.abertura),
            natureza_juridica: None,
            cnae_principal: None,
            municipio: d.municipio,
            uf: d.uf,
            socios: Vec::new(),
            parcial: false,
        })
    }

    async fn cnd(&self, _: &Documento, _: &Etiqueta) -> Result<Certidao, ErroConsultaCadastral> {
        Err(so_serpro("a CND"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guiche_ports::conecta::{DadosCnpj as CnpjConecta, SituacaoCadastral, SituacaoCpf};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A Conecta that counts its calls.
    #[derive(Default)]
    struct Conecta(AtomicUsize);

    #[async_trait]
    impl ConectaGovBr for Conecta {
        async fn consultar_cpf(&self, cpfs: &[Cpf]) -> Result<Vec<SituacaoCpf>, ErroConsulta> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(cpfs
                .iter()
                .map(|c| SituacaoCpf {
                    cpf: *c,
                    nome: Some("Fulana".into()),
                    situacao: SituacaoCadastral {
                        codigo: 0,
                        descricao: "Regular".into(),
                    },
                    nascimento: Some("14111970".into()),
                })
                .collect())
        }

        async fn consultar_cnpj(&self, cnpj: &Cnpj) -> Result<CnpjConecta, ErroConsulta> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Err(ErroConsulta::NaoEncontrado(format!("{cnpj}")))
        }
    }

    #[tokio::test]
    async fn conecta_answers_cpfs_in_the_same_shape() {
        let conecta = Arc::new(Conecta::default());
        let s = ServicoConsulta::pelo_conecta(conecta.clone());
        let c = s.cpf("404.428.201-35", None).await.unwrap();
        assert_eq!(
            (c.cpf.as_str(), c.situacao.codigo.as_str(), c.caminho),
            ("40442820135", "0", Caminho::ConectaGovBr)
        );
        // A date Conecta sends in a form no parser knows is kept as it came.
        assert_eq!(c.nascimento.as_deref(), Some("14111970"));
        assert_eq!(conecta.0.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn what_only_serpro_gives_is_refused_before_any_call() {
        let conecta = Arc::new(Conecta::default());
        let s = ServicoConsulta::pelo_conecta(conecta.clone());
        let qsa = s.cnpj("34.238.864/0001-68", NivelCnpj::Qsa, None).await;
        let cnd = s.cnd("34238864000168", None).await;
        for e in [qsa.unwrap_err(), cnd.unwrap_err()] {
            assert_eq!(e.natureza(), Natureza::Configuracao, "{e}");
            assert!(e.to_string().contains("GUICHE_SERPRO_LOJA"), "{e}");
        }
        assert_eq!(conecta.0.load(Ordering::SeqCst), 0);
        let nao = s.cnpj("34238864000168", NivelCnpj::Basica, None).await;
        assert_eq!(nao.unwrap_err().natureza(), Natureza::NaoEncontrado);
    }

    #[tokio::test]
    async fn a_bad_number_or_tag_is_named_before_any_call() {
        let conecta = Arc::new(Conecta::default());
        let s = ServicoConsulta::pelo_conecta(conecta.clone());
        let e = s.cpf("404.428.201-36", None).await.unwrap_err();
        assert!(
            matches!(e, ErroConsultas::Entrada { campo: "cpf", .. }),
            "{e}"
        );
        let longa = "x".repeat(33);
        let e = s.cpf("40442820135", Some(&longa)).await.unwrap_err();
        assert!(
            matches!(
                e,
                ErroConsultas::Entrada {
                    campo: "etiqueta",
                    ..
                }
            ),
            "{e}"
        );
        assert_eq!(conecta.0.load(Ordering::SeqCst), 0);
    }
}
