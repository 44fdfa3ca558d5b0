//! The "Central e-CAC" over the ledger: companies and how each reaches e-CAC, guides imported
//! and listed, payments imported (A3 companies) and reconciled, occurrences listed with their
//! history, grouped and exported as a spreadsheet.
//!
//! Spreadsheets are read and written behind the port [`Planilhas`] (bytes in, bytes out): the
//! caller reads and writes the files. Occurrences are grouped by the domain
//! ([`guiche_domain::conciliacao::agrupar`]) and shown with the delay of a guide still open
//! counted up to today ([`guiche_domain::conciliacao::atraso_ate`]).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use guiche_domain::conciliacao::{Agrupamento, agrupar, atraso_ate};
use guiche_domain::guia::NumeroDocumento;
use guiche_domain::{Cnpj, Competencia, Data, Documento, Regra, Valor, Violacao};
use guiche_ports::Relogio;
use guiche_ports::ecac::{
    Acesso, Achado, Empresa, ErroPlanilha, FormatoPlanilha, Grupo, GuiaGravada, GuiaRegistrada,
    LinhaGrupo, LivroEcac, Ocorrencia, OrigemGuia, Planilhas,
};
use guiche_ports::livro::ErroLivro;
use serde::Serialize;
use utoipa::ToSchema;

use crate::ecac::acompanhamento::{self, CaixaPostalEmpresa, CndEmpresa};
use crate::ecac::baixa::{ResumoBaixa, ResumoSync, conciliar_no_livro};
use crate::erro::{Classificar, Natureza};

/// Why a request to the Central e-CAC failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErroEcac {
    /// `cadastrar_empresa` for a company already there.
    #[error("a empresa {0} já está cadastrada; use `guiche ecac company set`")]
    EmpresaJaCadastrada(String),
    /// The company named is not in the ledger.
    #[error("a empresa {0} não está cadastrada; use `guiche ecac company add`")]
    EmpresaNaoCadastrada(String),
    /// A spreadsheet could not be read (every problem, by line and column); nothing was kept.
    #[error("não foi possível ler {origem}: {erro}")]
    Leitura {
        /// The file (or upload) read.
        origem: String,
        /// What was wrong with it.
        erro: ErroPlanilha,
        /// Each problem as a violation (field `linha N, coluna C`, rule `planilha.linha`).
        violacoes: Vec<Violacao>,
    },
    /// The report could not be written.
    #[error("não foi possível montar a planilha: {0}")]
    Exportacao(ErroPlanilha),
    /// The ledger failed.
    #[error(transparent)]
    Livro(#[from] ErroLivro),
}

impl Classificar for ErroEcac {
    fn natureza(&self) -> Natureza {
        match self {
            ErroEcac::EmpresaJaCadastrada(_) => Natureza::Conflito,
            ErroEcac::Leitura { .. } => Natureza::Invalido,
            ErroEcac::Exportacao(_) => Natureza::Pedido,
            ErroEcac::EmpresaNaoCadastrada(_) => Natureza::NaoEncontrado,
            ErroEcac::Livro(_) => Natureza::Livro,
        }
    }

    fn violacoes(&self) -> &[Violacao] {
        match self {
            ErroEcac::Leitura { violacoes, .. } => violacoes,
            _ => &[],
        }
    }
}

impl ErroEcac {
    /// A spreadsheet `origem` refused: its problems, and each as a violation.
    fn leitura(origem: &str, erro: ErroPlanilha) -> ErroEcac {
        let violacoes = match &erro {
            ErroPlanilha::Leitura(problemas) => problemas
                .iter()
                .map(|p| {
                    let campo = if p.coluna.is_empty() {
                        format!("linha {}", p.linha)
                    } else {
                        format!("linha {}, coluna {}", p.linha, p.coluna)
                    };
                    Violacao::new(
                        campo,
                        Regra::PlanilhaLinha,
                        p.motivo.clone(),
                        p.valor.clone(),
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
        ErroEcac::Leitura {
            origem: origem.to_owned(),
            erro,
            violacoes,
        }
    }
}

/// A company as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmpresaVista {
    /// The CNPJ, bare (`11444777000161`).
    pub cnpj: String,
    /// Its name for the user; may be empty.
    pub nome: String,
    /// Since when it uses e-CAC (`AAAA-MM-DD`); `null` when it does not.
    pub ecac_desde: Option<String>,
    /// How it reaches e-CAC: `a1`, `a3` or `codigo`.
    pub acesso: String,
    /// Whether the certificate is a procurador's (the office's).
    pub certificado_procurador: bool,
    /// The last day its payments were fetched up to (`AAAA-MM-DD`), if ever.
    pub sincronizado_ate: Option<String>,
    /// A sentence for the user: e-CAC use, access, and how its guides are settled.
    #[serde(skip)]
    pub situacao: String,
    /// Its last CND check, when the sync checked it.
    pub cnd: Option<CndEmpresa>,
}

impl EmpresaVista {
    fn de(e: &Empresa, sincronizado_ate: Option<Data>) -> EmpresaVista {
        EmpresaVista {
            cnpj: e.cnpj.as_str().to_owned(),
            nome: e.nome.clone(),
            ecac_desde: e.ecac_desde.map(|d| d.iso()),
            acesso: e.acesso.codigo().to_owned(),
            certificado_procurador: e.certificado_procurador,
            sincronizado_ate: sincronizado_ate.map(|d| d.iso()),
            situacao: situacao(e),
            cnd: None,
        }
    }
}

/// `usa o e-CAC desde 01/01/2026, certificado A1 de procurador, baixa automática`.
fn situacao(e: &Empresa) -> String {
    let ecac = match e.ecac_desde {
        Some(d) => format!("usa o e-CAC desde {d}"),
        None => "não usa o e-CAC".to_owned(),
    };
    let procurador = if e.certificado_procurador {
        " de procurador"
    } else {
        ""
    };
    let baixa = if e.ecac_desde.is_none() {
        "fora da baixa automática"
    } else if e.acesso.sincroniza_sozinho() {
        "baixa automática"
    } else {
        "baixa por importação"
    };
    format!("{ecac}, {}{procurador}, {baixa}", e.acesso.descricao())
}

/// A company added or changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct EmpresaSalva {
    /// The company as now recorded.
    pub empresa: EmpresaVista,
}

/// Every company, by CNPJ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ListaEmpresas {
    /// The companies.
    pub empresas: Vec<EmpresaVista>,
}

/// What to change of a company; `None` keeps what is there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlteracaoEmpresa {
    /// A new name.
    pub nome: Option<String>,
    /// `Some(Some(d))`: uses e-CAC since `d`; `Some(None)`: no longer uses e-CAC.
    pub ecac_desde: Option<Option<Data>>,
    /// A new access.
    pub acesso: Option<Acesso>,
    /// Whether the certificate is a procurador's.
    pub certificado_procurador: Option<bool>,
}

/// What importing a guides file did. Guides already recorded with other content are refused
/// one by one (the recorded guide stays); the others are kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportacaoGuias {
    /// Guides read from the file.
    pub lidas: usize,
    /// Of those, new to the ledger.
    pub novas: usize,
    /// Of those, already recorded with the same content.
    pub ja_existiam: usize,
    /// The numbers refused (masked): another guide is recorded under each.
    pub conflitos: Vec<String>,
}

/// A guide as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GuiaVista {
    /// `DARF` or `DAS`.
    pub tipo: String,
    /// The 17 digits.
    pub numero_documento: String,
    /// CPF or CNPJ, bare.
    pub contribuinte: String,
    /// `AAAAMM`.
    pub periodo: String,
    /// `AAAA-MM-DD`.
    pub vencimento: String,
    /// Decimal with a point (`1234.56`).
    pub valor: String,
    /// `serpro` or `importacao`.
    pub origem: String,
    /// The day it was settled (`AAAA-MM-DD`); `null` while open.
    pub baixada_em: Option<String>,
    /// The guide, for a presentation that formats it itself.
    #[serde(skip)]
    pub registrada: GuiaRegistrada,
}

impl GuiaVista {
    fn de(g: GuiaRegistrada) -> GuiaVista {
        GuiaVista {
            tipo: g.guia.tipo.sigla().to_owned(),
            numero_documento: g.guia.numero.as_digitos(),
            contribuinte: g.guia.contribuinte.as_str().to_owned(),
            periodo: g.guia.periodo.compacta(),
            vencimento: g.guia.vencimento.iso(),
            valor: g.guia.valor.decimal().to_string(),
            origem: g.origem.codigo().to_owned(),
            baixada_em: g.baixada_em.map(|d| d.iso()),
            registrada: g,
        }
    }
}

/// A company's open guides that need attention: overdue, and due within the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrazosEmpresa {
    /// The contribuinte, masked, and its name when known.
    pub empresa: String,
    /// The contribuinte, bare.
    pub contribuinte: String,
    /// Open guides whose due date has passed, oldest first.
    pub vencidas: Vec<GuiaVista>,
    /// Open guides due from today to the end of the window, soonest first.
    pub a_vencer: Vec<GuiaVista>,
}

/// The open guides due soon or overdue, per contribuinte ([`CentralEcac::prazos`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Prazos {
    /// Today, as the user sees it (`AAAA-MM-DD`).
    pub hoje: String,
    /// The last day of the window (`AAAA-MM-DD`).
    pub ate: String,
    /// One entry per contribuinte with something to show, by document.
    pub empresas: Vec<PrazosEmpresa>,
}

/// Guides, in the order they were recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ListaGuias {
    /// The guides.
    pub guias: Vec<GuiaVista>,
}

/// Which occurrences to list and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsultaOcorrencias {
    /// Only this contribuinte's current occurrences (all when `None`).
    pub empresa: Option<Documento>,
    /// Instead of the current occurrences, every one ever kept for this document number,
    /// oldest first.
    pub historico: Option<NumeroDocumento>,
    /// How to group them.
    pub agrupar: Agrupamento,
    /// Only occurrences of this kind (its code: `vencida`, `paga`…).
    pub ocorrencia: Option<String>,
    /// Only occurrences of guides of this period of assessment (payments without a guide
    /// have none, so they are left out).
    pub periodo: Option<Competencia>,
}

/// One occurrence as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinhaOcorrencia {
    /// The contribuinte, masked, and its name when known.
    pub empresa: String,
    /// The contribuinte, bare.
    pub contribuinte: String,
    /// The 17 digits.
    pub numero_documento: String,
    /// The kind's code (`vencida`, `paga`…).
    pub ocorrencia: String,
    /// The kind, for the user (`Vencida`).
    pub descricao: String,
    /// The guide's due date (`AAAA-MM-DD`), when there is a guide.
    pub vencimento: Option<String>,
    /// The guide's value (`1234.56`), when there is a guide.
    pub valor_guia: Option<String>,
    /// The sum paid, when paid.
    pub valor_pago: Option<String>,
    /// What is still missing of a partially paid guide.
    pub falta: Option<String>,
    /// The last payment's date, when paid.
    pub pago_em: Option<String>,
    /// Days late: of the payment, or, for a guide still open, up to today.
    pub dias_atraso: Option<i64>,
    /// The day the reconciliation that found it ran.
    pub registrada_em: String,
    /// The occurrence, for a presentation that formats it itself.
    #[serde(skip)]
    pub registro: Ocorrencia,
}

impl LinhaOcorrencia {
    fn de(l: &LinhaGrupo) -> LinhaOcorrencia {
        let a = &l.ocorrencia.achado;
        let texto = |v: Option<Valor>| v.map(|v| v.decimal().to_string());
        LinhaOcorrencia {
            empresa: l.empresa.clone(),
            contribuinte: a.contribuinte.as_str().to_owned(),
            numero_documento: a.numero.as_digitos(),
            ocorrencia: a.codigo.clone(),
            descricao: a.descricao.clone(),
            vencimento: a.vencimento.map(|d| d.iso()),
            valor_guia: texto(a.valor_guia),
            valor_pago: texto(a.valor_pago),
            falta: texto(falta(a)),
            pago_em: a.pago_em.map(|d| d.iso()),
            dias_atraso: a.dias_atraso,
            registrada_em: l.ocorrencia.registrada_em.iso(),
            registro: l.ocorrencia.clone(),
        }
    }
}

/// What is still missing of a partially paid guide: its value minus what was paid.
fn falta(a: &Achado) -> Option<Valor> {
    match (a.codigo.as_str(), a.valor_guia, a.valor_pago) {
        ("paga_parcialmente", Some(guia), Some(pago)) if pago < guia => Some(guia - pago),
        _ => None,
    }
}

/// A titled group of occurrences.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct GrupoOcorrencias {
    /// The kind (`Vencida`) or the company (`11.222.333/0001-81 — Padaria`).
    pub grupo: String,
    /// The rows, in report order.
    pub ocorrencias: Vec<LinhaOcorrencia>,
}

/// Occurrences grouped, in report order (what needs action first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ListaOcorrencias {
    /// The groups; never an empty one.
    pub grupos: Vec<GrupoOcorrencias>,
}

/// Occurrences grouped and their report as a spreadsheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcorrenciasExportadas {
    /// What the report holds.
    pub lista: ListaOcorrencias,
    /// The spreadsheet's bytes, for the caller to write.
    pub bytes: Vec<u8>,
}

/// The Central e-CAC service, over the ledger, the spreadsheets and the clocks. Cheap to
/// clone; shared by every request of the server.
#[derive(Clone)]
pub struct CentralEcac {
    livro: Arc<dyn LivroEcac>,
    planilhas: Arc<dyn Planilhas>,
    relogio: Arc<dyn Relogio>,
    sistema: Arc<dyn Relogio>,
}

impl std::fmt::Debug for CentralEcac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CentralEcac")
    }
}

impl CentralEcac {
    /// The service. `relogio` is today as the user sees it (`GUICHE_HOJE` may fix it; what is
    /// shown is counted up to it); `sistema` the system clock's day, the bound of every date
    /// written to the ledger.
    pub fn new(
        livro: Arc<dyn LivroEcac>,
        planilhas: Arc<dyn Planilhas>,
        relogio: Arc<dyn Relogio>,
        sistema: Arc<dyn Relogio>,
    ) -> CentralEcac {
        CentralEcac {
            livro,
            planilhas,
            relogio,
            sistema,
        }
    }

    /// Adds a company.
    ///
    /// # Errors
    /// [`ErroEcac::EmpresaJaCadastrada`]; [`ErroEcac::Livro`].
    pub fn cadastrar_empresa(&self, empresa: &Empresa) -> Result<EmpresaSalva, ErroEcac> {
        if self.livro.empresa(&empresa.cnpj)?.is_some() {
            return Err(ErroEcac::EmpresaJaCadastrada(empresa.cnpj.to_string()));
        }
        self.livro.salvar_empresa(empresa)?;
        Ok(EmpresaSalva {
            empresa: EmpresaVista::de(empresa, None),
        })
    }

    /// Changes what `alteracao` names of company `cnpj`; the rest stays.
    ///
    /// # Errors
    /// [`ErroEcac::EmpresaNaoCadastrada`]; [`ErroEcac::Livro`].
    pub fn alterar_empresa(
        &self,
        cnpj: &Cnpj,
        alteracao: AlteracaoEmpresa,
    ) -> Result<EmpresaSalva, ErroEcac> {
        let Some(mut e) = self.livro.empresa(cnpj)? else {
            return Err(ErroEcac::EmpresaNaoCadastrada(cnpj.to_string()));
        };
        if let Some(n) = alteracao.nome {
            e.nome = n.trim().to_owned();
        }
        if let Some(d) = alteracao.ecac_desde {
            e.ecac_desde = d;
        }
        if let Some(a) = alteracao.acesso {
            e.acesso = a;
        }
        if let Some(p) = alteracao.certificado_procurador {
            e.certificado_procurador = p;
        }
        self.livro.salvar_empresa(&e)?;
        let ate = self.livro.sincronizado_ate(cnpj)?;
        Ok(EmpresaSalva {
            empresa: EmpresaVista::de(&e, ate),
        })
    }

    /// The company `cnpj`, with the day its payments were last fetched up to.
    ///
    /// # Errors
    /// [`ErroEcac::EmpresaNaoCadastrada`]; [`ErroEcac::Livro`].
    pub fn empresa(&self, cnpj: &Cnpj) -> Result<EmpresaSalva, ErroEcac> {
        let Some(e) = self.livro.empresa(cnpj)? else {
            return Err(ErroEcac::EmpresaNaoCadastrada(cnpj.to_string()));
        };
        let ate = self.livro.sincronizado_ate(cnpj)?;
        Ok(EmpresaSalva {
            empresa: EmpresaVista::de(&e, ate),
        })
    }

    /// Every company, by CNPJ, with the day its payments were last fetched up to.
    ///
    /// # Errors
    /// [`ErroEcac::Livro`].
    pub fn empresas(&self) -> Result<ListaEmpresas, ErroEcac> {
        let hoje = self.relogio.hoje();
        let cnds = self.livro.cnds()?;
        let empresas = self
            .livro
            .empresas()?
            .iter()
            .map(|e| {
                let mut v = EmpresaVista::de(e, self.livro.sincronizado_ate(&e.cnpj)?);
                v.cnd = cnds
                    .iter()
                    .find(|c| c.cnpj == e.cnpj)
                    .map(|c| CndEmpresa::de(c, hoje));
                Ok(v)
            })
            .collect::<Result<_, ErroLivro>>()?;
        Ok(ListaEmpresas { empresas })
    }

    /// The unread DTE mailbox messages of `cnpj` (every company when `None`) with the days
    /// left until ciência tácita, as of today ([`acompanhamento::caixa_postal`]).
    ///
    /// # Errors
    /// [`ErroEcac::Livro`].
    pub fn caixa_postal(&self, cnpj: Option<&Cnpj>) -> Result<Vec<CaixaPostalEmpresa>, ErroEcac> {
        Ok(acompanhamento::caixa_postal(
            self.livro.as_ref(),
            cnpj,
            self.relogio.hoje(),
        )?)
    }

    /// Imports the guides of a spreadsheet (`origem` names it in messages): the file is read
    /// all or nothing; then each guide is recorded, a number already holding another guide
    /// being refused (listed in the result) while the others are kept.
    ///
    /// # Errors
    /// [`ErroEcac::Leitura`] (nothing kept); [`ErroEcac::Livro`].
    pub fn importar_guias(&self, bytes: &[u8], origem: &str) -> Result<ImportacaoGuias, ErroEcac> {
        let guias = self
            .planilhas
            .ler_guias(bytes)
            .map_err(|erro| ErroEcac::leitura(origem, erro))?;
        let mut r = ImportacaoGuias {
            lidas: guias.len(),
            novas: 0,
            ja_existiam: 0,
            conflitos: Vec::new(),
        };
        for g in &guias {
            match self.livro.registrar_guia(g, OrigemGuia::Importacao) {
                Ok(GuiaGravada::Nova) => r.novas += 1,
                Ok(GuiaGravada::JaExistia) => r.ja_existiam += 1,
                Err(ErroLivro::GuiaConflitante { numero }) => r.conflitos.push(numero),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(r)
    }

    /// The guides of `contribuinte` (all when `None`), in the order they were recorded.
    ///
    /// # Errors
    /// [`ErroEcac::Livro`].
    pub fn guias(&self, contribuinte: Option<&Documento>) -> Result<ListaGuias, ErroEcac> {
        let guias = self.livro.guias(contribuinte)?;
        Ok(ListaGuias {
            guias: guias.into_iter().map(GuiaVista::de).collect(),
        })
    }

    /// The open guides (not settled) that are overdue or due within `dias` days from today
    /// (today included), per contribuinte, each list by due date.
    ///
    /// # Errors
    /// [`ErroEcac::Livro`].
    pub fn prazos(&self, dias: u32) -> Result<Prazos, ErroEcac> {
        let hoje = self.relogio.hoje();
        let ate = hoje.mais_dias(i64::from(dias)).unwrap_or(hoje);
        let nomes: HashMap<Documento, String> = self
            .livro
            .empresas()?
            .into_iter()
            .filter(|e| !e.nome.trim().is_empty())
            .map(|e| (Documento::Cnpj(e.cnpj), e.nome))
            .collect();
        let mut por: std::collections::BTreeMap<Documento, PrazosEmpresa> =
            std::collections::BTreeMap::new();
        let mut abertas: Vec<GuiaRegistrada> = self
            .livro
            .guias(None)?
            .into_iter()
            .filter(|g| g.baixada_em.is_none() && g.guia.vencimento <= ate)
            .collect();
        abertas.sort_by_key(|g| g.guia.vencimento);
        for g in abertas {
            let c = g.guia.contribuinte;
            let e = por.entry(c).or_insert_with(|| PrazosEmpresa {
                empresa: rotulo(&c, &nomes),
                contribuinte: c.as_str().to_owned(),
                vencidas: Vec::new(),
                a_vencer: Vec::new(),
            });
            if g.guia.vencimento < hoje {
                e.vencidas.push(GuiaVista::de(g));
            } else {
                e.a_vencer.push(GuiaVista::de(g));
            }
        }
        Ok(Prazos {
            hoje: hoje.iso(),
            ate: ate.iso(),
            empresas: por.into_values().collect(),
        })
    }

    /// Imports the payments of a spreadsheet (for companies whose payments are not fetched:
    /// A3 certificate), all or nothing, then reconciles every contribuinte of the file. The
    /// findings are written with today's date, never after the system clock's.
    ///
    /// # Errors
    /// [`ErroEcac::Leitura`] (nothing kept); [`ErroEcac::Livro`].
    pub fn importar_pagamentos(&self, bytes: &[u8], origem: &str) -> Result<ResumoBaixa, ErroEcac> {
        let pagos = self
            .planilhas
            .ler_pagamentos(bytes)
            .map_err(|erro| ErroEcac::leitura(origem, erro))?;
        let novos = self.livro.registrar_pagamentos(&pagos)?;
        let dia = self.relogio.hoje().min(self.sistema.hoje());
        let contribuintes: BTreeSet<Documento> = pagos.iter().map(|p| p.contribuinte).collect();
        let mut resumo = ResumoSync {
            recebidos: pagos.len(),
            novos,
            ..ResumoSync::default()
        };
        for c in &contribuintes {
            let r = conciliar_no_livro(self.livro.as_ref(), c, dia)?;
            resumo.conciliacao.ocorrencias_novas += r.ocorrencias_novas;
            resumo.conciliacao.guias_baixadas += r.guias_baixadas;
            resumo.conciliacao.inalteradas += r.inalteradas;
        }
        Ok(ResumoBaixa::de(origem, &resumo))
    }

    /// The occurrences asked for, their delays counted up to today, grouped.
    ///
    /// # Errors
    /// [`ErroEcac::Livro`].
    pub fn ocorrencias(
        &self,
        consulta: &ConsultaOcorrencias,
    ) -> Result<ListaOcorrencias, ErroEcac> {
        let grupos = self.grupos(consulta)?;
        Ok(lista(&grupos))
    }

    /// [`CentralEcac::ocorrencias`] and their report as a spreadsheet in `formato`.
    ///
    /// # Errors
    /// [`ErroEcac::Exportacao`]; [`ErroEcac::Livro`].
    pub fn exportar_ocorrencias(
        &self,
        consulta: &ConsultaOcorrencias,
        formato: FormatoPlanilha,
    ) -> Result<OcorrenciasExportadas, ErroEcac> {
        let grupos = self.grupos(consulta)?;
        let bytes = self
            .planilhas
            .escrever(&grupos, formato)
            .map_err(ErroEcac::Exportacao)?;
        Ok(OcorrenciasExportadas {
            lista: lista(&grupos),
            bytes,
        })
    }

    fn grupos(&self, consulta: &ConsultaOcorrencias) -> Result<Vec<Grupo>, ErroEcac> {
        let mut ocorrencias = match &consulta.historico {
            Some(n) => self.livro.historico(n)?,
            None => self.livro.ocorrencias(consulta.empresa.as_ref())?,
        };
        if let Some(codigo) = &consulta.ocorrencia {
            ocorrencias.retain(|o| &o.achado.codigo == codigo);
        }
        if let Some(p) = consulta.periodo {
            let do_periodo: BTreeSet<String> = self
                .livro
                .guias(consulta.empresa.as_ref())?
                .into_iter()
                .filter(|g| g.guia.periodo == p)
                .map(|g| g.guia.numero.as_digitos())
                .collect();
            ocorrencias.retain(|o| {
                o.achado.chave.starts_with("guia:")
                    && do_periodo.contains(&o.achado.numero.as_digitos())
            });
        }
        let hoje = self.relogio.hoje();
        for o in &mut ocorrencias {
            if let Some(d) = atraso_ate(&o.achado.codigo, o.achado.vencimento, hoje) {
                o.achado.dias_atraso = Some(d);
            }
        }
        let nomes: HashMap<Documento, String> = self
            .livro
            .empresas()?
            .into_iter()
            .filter(|e| !e.nome.trim().is_empty())
            .map(|e| (Documento::Cnpj(e.cnpj), e.nome))
            .collect();
        Ok(agrupar(&ocorrencias, consulta.agrupar)
            .into_iter()
            .map(|os| {
                let titulo = match (consulta.agrupar, os.first()) {
                    (Agrupamento::Ocorrencia, Some(o)) => o.achado.descricao.clone(),
                    (Agrupamento::Empresa, Some(o)) => rotulo(&o.achado.contribuinte, &nomes),
                    (_, None) => String::new(),
                };
                Grupo {
                    titulo,
                    linhas: os
                        .into_iter()
                        .map(|o| LinhaGrupo {
                            empresa: rotulo(&o.achado.contribuinte, &nomes),
                            ocorrencia: o.clone(),
                        })
                        .collect(),
                }
            })
            .collect())
    }
}

/// `11.222.333/0001-81 — Nome`, or the masked document alone when the name is unknown.
fn rotulo(documento: &Documento, nomes: &HashMap<Documento, String>) -> String {
    match nomes.get(documento) {
        Some(nome) => format!("{documento} — {}", nome.trim()),
        None => documento.to_string(),
    }
}

fn lista(grupos: &[Grupo]) -> ListaOcorrencias {
    ListaOcorrencias {
        grupos: grupos
            .iter()
            .map(|g| GrupoOcorrencias {
                grupo: g.titulo.clone(),
                ocorrencias: g.linhas.iter().map(LinhaOcorrencia::de).collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guiche_domain::conciliacao::Pagamento;
    use guiche_domain::guia::{Guia, TipoGuia};
    use guiche_domain::{Competencia, Valor};
    use guiche_ports::ecac::ProblemaPlanilha;
    use guiche_store::Livro;
    use mockall::mock;
    use mockall::predicate::eq;

    mock! {
        Planilhas {}
        impl Planilhas for Planilhas {
            fn ler_guias(&self, bytes: &[u8]) -> Result<Vec<Guia>, ErroPlanilha>;
            fn ler_pagamentos(&self, bytes: &[u8]) -> Result<Vec<Pagamento>, ErroPlanilha>;
            fn escrever(&self, grupos: &[Grupo], formato: FormatoPlanilha)
                -> Result<Vec<u8>, ErroPlanilha>;
        }
    }

    struct Fixo(Data);

    impl Relogio for Fixo {
        fn hoje(&self) -> Data {
            self.0
        }
    }

    fn data(t: &str) -> Data {
        Data::parse_iso(t).unwrap()
    }

    fn cnpj() -> Cnpj {
        Cnpj::parse("11444777000161").unwrap()
    }

    fn empresa() -> Empresa {
        Empresa {
            cnpj: cnpj(),
            nome: "Padaria".into(),
            ecac_desde: Some(data("2026-01-01")),
            acesso: Acesso::CertificadoA3,
            certificado_procurador: false,
        }
    }

    fn guia(numero: u64, valor: i64) -> Guia {
        Guia {
            tipo: TipoGuia::Darf,
            numero: NumeroDocumento::from_u64(numero).unwrap(),
            contribuinte: Documento::Cnpj(cnpj()),
            codigo_receita: None,
            periodo: Competencia::new(2026, 9).unwrap(),
            vencimento: data("2026-10-20"),
            valor: Valor::from_centavos(valor),
            codigo_barras: None,
        }
    }

    /// The service over a ledger in memory, today being `hoje` by `GUICHE_HOJE` and
    /// `sistema` by the system clock.
    fn central(
        livro: &Arc<Livro>,
        planilhas: MockPlanilhas,
        hoje: &str,
        sistema: &str,
    ) -> CentralEcac {
        CentralEcac::new(
            Arc::clone(livro) as Arc<dyn LivroEcac>,
            Arc::new(planilhas),
            Arc::new(Fixo(data(hoje))),
            Arc::new(Fixo(data(sistema))),
        )
    }

    #[test]
    fn deadlines_split_open_guides_into_overdue_and_due_within_the_window() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let c = central(&livro, MockPlanilhas::new(), "2026-10-18", "2026-10-18");
        c.cadastrar_empresa(&empresa()).unwrap();
        let mut vencida = guia(1, 100);
        vencida.vencimento = data("2026-10-17");
        let mut hoje = guia(2, 200);
        hoje.vencimento = data("2026-10-18");
        let mut no_limite = guia(3, 300);
        no_limite.vencimento = data("2026-10-25");
        let mut depois = guia(4, 400);
        depois.vencimento = data("2026-10-26");
        for g in [&depois, &no_limite, &hoje, &vencida] {
            livro.registrar_guia(g, OrigemGuia::Importacao).unwrap();
        }
        let p = c.prazos(7).unwrap();
        assert_eq!(
            (p.hoje.as_str(), p.ate.as_str()),
            ("2026-10-18", "2026-10-25")
        );
        assert_eq!(p.empresas.len(), 1);
        let e = &p.empresas[0];
        assert_eq!(e.empresa, "11.444.777/0001-61 — Padaria");
        let numeros =
            |v: &[GuiaVista]| -> Vec<String> { v.iter().map(|g| g.valor.clone()).collect() };
        assert_eq!(numeros(&e.vencidas), ["1.00"]);
        assert_eq!(numeros(&e.a_vencer), ["2.00", "3.00"]);
        assert!(c.prazos(0).unwrap().empresas[0].a_vencer.len() == 1);
    }

    #[test]
    fn a_company_is_added_once_and_changed_only_where_asked() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let c = central(&livro, MockPlanilhas::new(), "2026-11-22", "2026-11-22");
        let salva = c.cadastrar_empresa(&empresa()).unwrap();
        assert_eq!(salva.empresa.acesso, "a3");
        assert!(salva.empresa.situacao.contains("baixa por importação"));
        let e = c.cadastrar_empresa(&empresa()).unwrap_err();
        assert_eq!(e.natureza(), Natureza::Conflito, "{e}");
        assert_eq!(c.empresa(&cnpj()).unwrap(), salva);
        let outra = Cnpj::parse("11222333000181").unwrap();
        let e = c.empresa(&outra).unwrap_err();
        assert_eq!(e.natureza(), Natureza::NaoEncontrado, "{e}");
        let alterada = c
            .alterar_empresa(
                &cnpj(),
                AlteracaoEmpresa {
                    certificado_procurador: Some(true),
                    ..AlteracaoEmpresa::default()
                },
            )
            .unwrap();
        assert_eq!(
            (
                alterada.empresa.nome.as_str(),
                alterada.empresa.ecac_desde.as_deref(),
                alterada.empresa.certificado_procurador
            ),
            ("Padaria", Some("2026-01-01"), true)
        );
        let outra = Cnpj::parse("11222333000181").unwrap();
        let e = c
            .alterar_empresa(&outra, AlteracaoEmpresa::default())
            .unwrap_err();
        assert_eq!(e.natureza(), Natureza::NaoEncontrado, "{e}");
        assert_eq!(c.empresas().unwrap().empresas.len(), 1);
    }

    #[test]
    fn a_guides_file_keeps_the_new_lists_the_conflicts_and_a_bad_one_keeps_nothing() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        livro
            .registrar_guia(&guia(7_202_600_000_000_555, 48_000), OrigemGuia::Serpro)
            .unwrap();
        let mut planilhas = MockPlanilhas::new();
        planilhas
            .expect_ler_guias()
            .with(eq(&b"boa"[..]))
            .returning(|_| {
                Ok(vec![
                    guia(7_202_600_000_000_555, 99_900),
                    guia(7_202_600_000_000_556, 100),
                ])
            });
        planilhas
            .expect_ler_guias()
            .with(eq(&b"ruim"[..]))
            .returning(|_| {
                Err(ErroPlanilha::Leitura(vec![ProblemaPlanilha {
                    linha: 2,
                    coluna: "valor".into(),
                    valor: "abc".into(),
                    motivo: "não é um valor".into(),
                }]))
            });
        let c = central(&livro, planilhas, "2026-11-22", "2026-11-22");
        let r = c.importar_guias(b"boa", "guias.csv").unwrap();
        assert_eq!((r.lidas, r.novas, r.ja_existiam), (2, 1, 0));
        assert_eq!(r.conflitos, ["07.20.26000.0000055-5"]);
        let e = c.importar_guias(b"ruim", "errado.csv").unwrap_err();
        assert_eq!(e.natureza(), Natureza::Invalido);
        let v = &e.violacoes()[0];
        assert_eq!(
            (v.campo.as_str(), v.regra.codigo(), v.valor.as_str()),
            ("linha 2, coluna valor", "planilha.linha", "abc")
        );
        assert_eq!(v.mensagem, "não é um valor");
        let m = e.to_string();
        assert!(
            m.contains("errado.csv") && m.contains("linha 2, coluna valor (\"abc\")"),
            "{m}"
        );
        let guias = c.guias(None).unwrap().guias;
        assert_eq!(guias.len(), 2);
        assert_eq!(guias[0].valor, "480.00", "a registrada foi mantida");
    }

    #[test]
    fn an_import_settles_on_the_system_day_and_occurrences_count_delays_up_to_today() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        livro.salvar_empresa(&empresa()).unwrap();
        for g in [
            guia(7_202_600_000_000_555, 48_000),
            guia(7_202_600_000_000_556, 100),
        ] {
            livro.registrar_guia(&g, OrigemGuia::Importacao).unwrap();
        }
        let mut planilhas = MockPlanilhas::new();
        planilhas.expect_ler_pagamentos().returning(|_| {
            Ok(vec![Pagamento {
                numero: NumeroDocumento::from_u64(7_202_600_000_000_555).unwrap(),
                data_arrecadacao: data("2026-10-25"),
                valor_total: Valor::from_centavos(48_000),
                codigo_receita: None,
                contribuinte: Documento::Cnpj(cnpj()),
            }])
        });
        planilhas
            .expect_escrever()
            .withf(|grupos, formato| grupos.len() == 1 && *formato == FormatoPlanilha::Xlsx)
            .returning(|_, _| Ok(b"PK".to_vec()));
        // GUICHE_HOJE in the future: shown as of it, written as of the system clock.
        let c = central(&livro, planilhas, "2026-12-20", "2026-11-22");
        let r = c.importar_pagamentos(b"x", "pagos.csv").unwrap();
        assert_eq!(
            (r.origem.as_str(), r.pagamentos_novos, r.guias_baixadas),
            ("pagos.csv", 1, 1)
        );
        assert_eq!(
            livro.guias(None).unwrap()[0].baixada_em,
            Some(data("2026-11-22"))
        );
        let consulta = ConsultaOcorrencias {
            empresa: None,
            historico: None,
            agrupar: Agrupamento::Ocorrencia,
            ocorrencia: None,
            periodo: None,
        };
        let lista = c.ocorrencias(&consulta).unwrap();
        let titulos: Vec<&str> = lista.grupos.iter().map(|g| g.grupo.as_str()).collect();
        assert_eq!(titulos, ["Vencida", "Paga em atraso"]);
        // Filtered by kind and by the guides' period (the use case, not the presentation).
        let titulos_de = |c2: ConsultaOcorrencias| -> Vec<String> {
            c.ocorrencias(&c2)
                .unwrap()
                .grupos
                .into_iter()
                .map(|g| g.grupo)
                .collect()
        };
        let so = |o: &str| ConsultaOcorrencias {
            ocorrencia: Some(o.into()),
            ..consulta.clone()
        };
        assert_eq!(titulos_de(so("vencida")), ["Vencida"]);
        assert!(titulos_de(so("paga")).is_empty());
        let periodo = |p| ConsultaOcorrencias {
            periodo: Competencia::new(2026, p),
            ..consulta.clone()
        };
        assert_eq!(titulos_de(periodo(9)), ["Vencida", "Paga em atraso"]);
        assert!(titulos_de(periodo(8)).is_empty());
        let vencida = &lista.grupos[0].ocorrencias[0];
        assert_eq!(vencida.dias_atraso, Some(61), "de 20/10 a 20/12");
        assert_eq!(vencida.empresa, "11.444.777/0001-61 — Padaria");
        assert_eq!(
            lista.grupos[1].ocorrencias[0].dias_atraso,
            Some(5),
            "pago em 25/10"
        );
        let exportadas = c
            .exportar_ocorrencias(
                &ConsultaOcorrencias {
                    agrupar: Agrupamento::Empresa,
                    ..consulta
                },
                FormatoPlanilha::Xlsx,
            )
            .unwrap();
        assert_eq!(exportadas.bytes, b"PK");
        assert_eq!(
            exportadas.lista.grupos[0].grupo,
            "11.444.777/0001-61 — Padaria"
        );
    }

    /// The OpenAPI schemas the server will publish: the fields the JSON skips (kept for the
    /// text presentation) are not in them.
    #[test]
    fn the_schemas_leave_out_what_the_json_skips() {
        use utoipa::PartialSchema;
        let empresa = serde_json::to_value(EmpresaVista::schema()).unwrap();
        let campos = empresa["properties"].as_object().unwrap();
        assert!(campos.contains_key("certificadoProcurador"), "{empresa}");
        assert!(!campos.contains_key("situacao"), "{empresa}");
        let linha = serde_json::to_value(LinhaOcorrencia::schema()).unwrap();
        assert!(linha["properties"].get("diasAtraso").is_some(), "{linha}");
        assert!(linha["properties"].get("registro").is_none(), "{linha}");
    }
}
