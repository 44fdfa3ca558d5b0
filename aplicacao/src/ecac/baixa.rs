//! The baixa automática: fetch a company's payments, keep them, reconcile its guides against
//! them, keep what was found and settle what was paid.
//!
//! For one company ([`Baixa::sincronizar`]), holding its turn (one sync of a company at a
//! time, across processes; a company busy elsewhere is reported, not waited for):
//! 1. **Window**: from its e-CAC start date on the first sync; afterwards from the last day
//!    synced minus [`SOBREPOSICAO_DIAS`] (payments can be posted days after their
//!    `dataArrecadacao`), never before the start date; up to today, never after the system
//!    clock's day (`GUICHE_HOJE` does not move what is fetched and written into the future).
//! 2. **Fetch** every page ([`FontePagamentos`]); nothing is written until all came back, so a
//!    failure half-way leaves the ledger and the sync date as they were.
//! 3. **Keep** the payments (duplicates skipped), then move the sync date.
//! 4. **Reconcile** ([`conciliar_no_livro`]): every guide and payment of the company through the
//!    pure domain ([`guiche_domain::conciliacao::conciliar`]); a changed finding gets a new
//!    occurrence, an unchanged one writes nothing, a paid guide is settled once and for all.
//!
//! 5. **CND and mailbox** (when the service is [`Baixa::acompanhando`]): after the payments,
//!    the company's CND and its DTE mailbox are read and kept
//!    ([`crate::ecac::acompanhamento`]), at most once a day each, still holding the company's
//!    turn; their failures are told in the result, never the company's.
//!
//! Companies that reach e-CAC with an A3 certificate are never fetched: their payments come
//! from `guiche ecac import` (docs/decisions/0009).

use std::sync::Arc;

use guiche_domain::conciliacao::{
    Ocorrencia as Achada, Pagamento, TipoOcorrencia, conciliar, ordinais,
};
use guiche_domain::guia::Guia;
use guiche_domain::{Cnpj, Data, Documento, Valor};
use guiche_ports::Relogio;
use guiche_ports::ecac::{
    Achado, Empresa, ErroFonte, FontePagamentos, LivroEcac, ResumoConciliacao,
};
use guiche_ports::livro::{ErroLivro, Vez};
use serde::Serialize;
use utoipa::ToSchema;

use crate::ecac::acompanhamento::Acompanhamento;
use crate::erro::{Classificar, Natureza};

mod rodada;

pub use rodada::{Distribuicao, TIPO_SYNC};

/// Days re-read before the last sync date, for payments posted late.
pub const SOBREPOSICAO_DIAS: i64 = 10;

/// Why a company could not be synced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErroBaixa {
    /// The company asked for is not in the ledger.
    #[error("a empresa {0} não está cadastrada (guiche ecac company add)")]
    NaoCadastrada(String),
    /// The company is not set to use e-CAC (no start date).
    #[error("a empresa {0} não está marcada como usuária do e-CAC (defina --ecac-desde)")]
    SemEcac(String),
    /// A3 certificate: only imported payments.
    #[error(
        "a empresa {0} acessa o e-CAC com certificado A3: os pagamentos dela entram só por \
         `guiche ecac import ARQUIVO`"
    )]
    A3(String),
    /// Another process (or task) is syncing this company now; nothing was done.
    #[error("a empresa {0} está em sincronização por outro processo; nada foi feito agora")]
    Ocupada(String),
    /// The payment source failed; nothing was written.
    #[error("pagamentos de {empresa}: {erro}; nada foi gravado")]
    Fonte {
        /// The company.
        empresa: String,
        /// What failed.
        erro: ErroFonte,
    },
    /// The ledger failed.
    #[error(transparent)]
    Livro(#[from] ErroLivro),
    /// A worker of a distributed sync stopped unexpectedly (its company goes back to the
    /// round when its lease runs out).
    #[error("um trabalhador da sincronização parou de forma inesperada: {0}")]
    Tarefa(String),
}

impl Classificar for ErroBaixa {
    fn natureza(&self) -> Natureza {
        match self {
            ErroBaixa::NaoCadastrada(_) => Natureza::NaoEncontrado,
            // guichê itself refuses to fetch: exit 1, as the source's own refusal.
            ErroBaixa::SemEcac(_) | ErroBaixa::A3(_) => Natureza::Recusado,
            ErroBaixa::Ocupada(_) => Natureza::Conflito,
            ErroBaixa::Fonte { erro, .. } => match erro {
                ErroFonte::Recusa(_) => Natureza::Recusado,
                ErroFonte::Configuracao(_) => Natureza::Configuracao,
                _ => Natureza::Transporte,
            },
            ErroBaixa::Livro(_) | ErroBaixa::Tarefa(_) => Natureza::Livro,
        }
    }
}

/// What one sync did, in domain types (see [`ResumoBaixa`] for its JSON form).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResumoSync {
    /// First day asked.
    pub desde: Option<Data>,
    /// Payments returned by the source.
    pub recebidos: usize,
    /// Of those, new to the ledger.
    pub novos: usize,
    /// The reconciliation that followed.
    pub conciliacao: ResumoConciliacao,
}

/// What a sync of one company, or an import of payments, did: the result of
/// [`Baixa::sincronizar`] and of [`crate::ecac::central::CentralEcac::importar_pagamentos`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResumoBaixa {
    /// The company synced (its CNPJ, masked) or the file imported.
    pub origem: String,
    /// First day asked (`AAAA-MM-DD`); `null` for an import, or when nothing was asked.
    pub desde: Option<String>,
    /// Payments returned by the source or read from the file.
    pub pagamentos_recebidos: usize,
    /// Of those, new to the ledger.
    pub pagamentos_novos: usize,
    /// Findings new or changed since the last reconciliation.
    pub ocorrencias_novas: usize,
    /// Findings unchanged.
    pub inalteradas: usize,
    /// Guides settled now.
    pub guias_baixadas: usize,
    /// The company's CND as the sync found it (`Negativa`…, `não consultada: …`, or
    /// `já consultada hoje (Negativa)`: checked at most once a day); absent for an import, or
    /// when the sync does not read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cnd: Option<String>,
    /// What reading the company's mailbox (DTE) did (`2 mensagem(ns) nova(s)`, `não lida:
    /// …`, or `já lida hoje`: read at most once a day); absent for an import, or when the sync
    /// does not read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caixa_postal: Option<String>,
}

impl ResumoBaixa {
    /// The JSON form of `r`, for `origem`.
    pub fn de(origem: impl Into<String>, r: &ResumoSync) -> ResumoBaixa {
        ResumoBaixa {
            origem: origem.into(),
            desde: r.desde.map(|d| d.iso()),
            pagamentos_recebidos: r.recebidos,
            pagamentos_novos: r.novos,
            ocorrencias_novas: r.conciliacao.ocorrencias_novas,
            inalteradas: r.conciliacao.inalteradas,
            guias_baixadas: r.conciliacao.guias_baixadas,
            cnd: None,
            caixa_postal: None,
        }
    }
}

/// A failure, as a sync of several companies reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct MensagemErro {
    /// What went wrong, in Brazilian Portuguese.
    pub mensagem: String,
}

/// How the sync of one company of several ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum SincronizacaoEmpresa {
    /// Synced.
    Feita(ResumoBaixa),
    /// Skipped: another process is syncing it now (`pulada` says so).
    Pulada {
        /// The company (CNPJ, masked).
        origem: String,
        /// `em sincronização por outro processo`.
        pulada: String,
    },
    /// Failed; the other companies went on.
    Falhou {
        /// The company (CNPJ, masked).
        origem: String,
        /// What failed.
        erro: MensagemErro,
        /// What kind of failure.
        #[serde(skip)]
        natureza: Natureza,
    },
}

/// Told each company's outcome of a sync of several as it is known
/// ([`Baixa::sincronizar_empresas_relatando`]).
pub type Relato = Arc<dyn Fn(&SincronizacaoEmpresa) + Send + Sync>;

/// What a sync of several companies did ([`Baixa::sincronizar_empresas`]), one entry per
/// company, by CNPJ.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Sincronizacao {
    /// Each company's outcome.
    pub empresas: Vec<SincronizacaoEmpresa>,
    /// The round this process worked on, when the companies were shared with other workers
    /// ([`Distribuicao`]): the others' companies are in their own results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rodada: Option<i64>,
}

impl Sincronizacao {
    /// The most serious failure, if any: a transport failure, then a company busy elsewhere
    /// (both worth trying again later), then a setting or the ledger, then a refusal.
    pub fn natureza(&self) -> Option<Natureza> {
        let gravidade = |n: Natureza| match n {
            Natureza::Transporte => 0,
            Natureza::Conflito => 1,
            Natureza::Configuracao => 2,
            Natureza::Livro => 3,
            _ => 4,
        };
        self.empresas
            .iter()
            .filter_map(|e| match e {
                SincronizacaoEmpresa::Feita(_) => None,
                SincronizacaoEmpresa::Pulada { .. } => Some(Natureza::Conflito),
                SincronizacaoEmpresa::Falhou { natureza, .. } => Some(*natureza),
            })
            .min_by_key(|n| gravidade(*n))
    }
}

/// The baixa automática of e-CAC companies, over the ledger, the payment source and the
/// clocks. Cheap to clone; shared by every request of the server.
#[derive(Clone)]
pub struct Baixa {
    livro: Arc<dyn LivroEcac>,
    fonte: Arc<dyn FontePagamentos>,
    relogio: Arc<dyn Relogio>,
    sistema: Arc<dyn Relogio>,
    distribuicao: Option<Distribuicao>,
    acompanhamento: Option<Acompanhamento>,
}

impl std::fmt::Debug for Baixa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Baixa")
    }
}

impl Baixa {
    /// The service. `relogio` is today as the user sees it (`GUICHE_HOJE` may fix it);
    /// `sistema` the system clock's day, the bound of every date the sync asks for or writes
    /// (see [`Baixa::sincronizar`]).
    pub fn new(
        livro: Arc<dyn LivroEcac>,
        fonte: Arc<dyn FontePagamentos>,
        relogio: Arc<dyn Relogio>,
        sistema: Arc<dyn Relogio>,
    ) -> Baixa {
        Baixa {
            livro,
            fonte,
            relogio,
            sistema,
            distribuicao: None,
            acompanhamento: None,
        }
    }

    /// The same service, reading each company's CND and mailbox (DTE) after its payments
    /// ([`Acompanhamento`]); a failure of either is told, never the company's failure.
    #[must_use]
    pub fn acompanhando(mut self, acompanhamento: Acompanhamento) -> Baixa {
        self.acompanhamento = Some(acompanhamento);
        self
    }

    /// The same service, syncing every company as a round of jobs shared with every other
    /// worker on the ledger ([`Distribuicao`]; see [`Baixa::sincronizar_empresas`]).
    #[must_use]
    pub fn distribuida(mut self, distribuicao: Distribuicao) -> Baixa {
        self.distribuicao = Some(distribuicao);
        self
    }

    /// The day the sync runs on: today, but never after the system clock's day. Payments are
    /// asked up to it, and the sync date, settlements and occurrences are written with it, so
    /// a future `GUICHE_HOJE` never makes a later sync skip the days in between.
    fn dia(&self) -> Data {
        self.relogio.hoje().min(self.sistema.hoje())
    }

    /// The first day to ask for `empresa` (see the module doc); `None` when it does not use
    /// e-CAC or its start date is after today. A recorded sync date after the system clock's
    /// day says nothing true about what was fetched: the window starts at the start date again.
    fn janela(&self, empresa: &Empresa, dia: Data) -> Result<Option<Data>, ErroLivro> {
        let Some(inicio) = empresa.ecac_desde else {
            return Ok(None);
        };
        let desde = match self.livro.sincronizado_ate(&empresa.cnpj)? {
            Some(ate) if ate <= self.sistema.hoje() => ate
                .mais_dias(-SOBREPOSICAO_DIAS)
                .map_or(inicio, |d| d.max(inicio)),
            Some(_) | None => inicio,
        };
        Ok((desde <= dia).then_some(desde))
    }

    /// Fetches, keeps and reconciles the payments of `empresa` (see the module doc), holding
    /// the company's turn ([`LivroEcac::vez_da_empresa`]) throughout: a company another
    /// process is syncing is not waited for.
    ///
    /// # Errors
    /// [`ErroBaixa`]; on [`ErroBaixa::Fonte`] and [`ErroBaixa::Ocupada`] nothing was written.
    pub async fn sincronizar(&self, empresa: &Empresa) -> Result<ResumoSync, ErroBaixa> {
        Ok(self.sincronizar_na_vez(empresa).await?.0)
    }

    /// [`Baixa::sincronizar`], giving back the company's turn still held (the CND and mailbox
    /// are read under it, so two syncs of one company never both ask for them on one day).
    async fn sincronizar_na_vez(&self, empresa: &Empresa) -> Result<(ResumoSync, Vez), ErroBaixa> {
        let nome = empresa.cnpj.to_string();
        if !empresa.acesso.sincroniza_sozinho() {
            return Err(ErroBaixa::A3(nome));
        }
        if empresa.ecac_desde.is_none() {
            return Err(ErroBaixa::SemEcac(nome));
        }
        let Some(vez) = self.livro.vez_da_empresa(&empresa.cnpj)? else {
            return Err(ErroBaixa::Ocupada(nome));
        };
        let dia = self.dia();
        let contribuinte = Documento::Cnpj(empresa.cnpj);
        let Some(desde) = self.janela(empresa, dia)? else {
            let conciliacao = conciliar_no_livro(self.livro.as_ref(), &contribuinte, dia)?;
            return Ok((
                ResumoSync {
                    conciliacao,
                    ..ResumoSync::default()
                },
                vez,
            ));
        };
        let pagos = self
            .fonte
            .pagamentos(&contribuinte, desde, dia)
            .await
            .map_err(|erro| ErroBaixa::Fonte {
                empresa: nome,
                erro,
            })?;
        let novos = self.livro.registrar_pagamentos(&pagos)?;
        self.livro.marcar_sincronizacao(&empresa.cnpj, dia)?;
        let resumo = ResumoSync {
            desde: Some(desde),
            recebidos: pagos.len(),
            novos,
            conciliacao: conciliar_no_livro(self.livro.as_ref(), &contribuinte, dia)?,
        };
        Ok((resumo, vez))
    }

    /// Syncs the company `cnpj` (whatever its access: an A3 one is reported as refused), or,
    /// with `None`, every company set to sync by itself (an e-CAC start date and an A1
    /// certificate or access code), one after the other by CNPJ — or, for a distributed
    /// service ([`Baixa::distribuida`]), as jobs of the round shared with every worker on the
    /// ledger, taken by this process's workers until none is left. A company that fails, or that
    /// another process is syncing, does not stop the others; each outcome is in the result.
    ///
    /// # Errors
    /// [`ErroBaixa::NaoCadastrada`] for a `cnpj` not in the ledger; [`ErroBaixa::Livro`] when
    /// the companies cannot be read.
    pub async fn sincronizar_empresas(
        &self,
        cnpj: Option<&Cnpj>,
    ) -> Result<Sincronizacao, ErroBaixa> {
        self.sincronizar_empresas_relatando(cnpj, Arc::new(|_: &SincronizacaoEmpresa| {}))
            .await
    }

    /// [`Baixa::sincronizar_empresas`], telling `relatar` each company's outcome as soon as it
    /// is known (for a progress display), before the whole result is returned. In a distributed
    /// round only this process's companies are told.
    ///
    /// # Errors
    /// As [`Baixa::sincronizar_empresas`].
    pub async fn sincronizar_empresas_relatando(
        &self,
        cnpj: Option<&Cnpj>,
        relatar: Relato,
    ) -> Result<Sincronizacao, ErroBaixa> {
        let empresas: Vec<Empresa> = match cnpj {
            Some(c) => vec![
                self.livro
                    .empresa(c)?
                    .ok_or_else(|| ErroBaixa::NaoCadastrada(c.to_string()))?,
            ],
            None => {
                let empresas: Vec<Empresa> = self
                    .livro
                    .empresas()?
                    .into_iter()
                    .filter(|e| e.ecac_desde.is_some() && e.acesso.sincroniza_sozinho())
                    .collect();
                if let Some(d) = &self.distribuicao {
                    return self.sincronizar_rodada(d, &empresas, relatar).await;
                }
                empresas
            }
        };
        let mut resultado = Sincronizacao::default();
        for e in &empresas {
            let desfecho = self.desfecho(e).await;
            relatar(&desfecho);
            resultado.empresas.push(desfecho);
        }
        Ok(resultado)
    }

    /// [`Baixa::sincronizar`] of one company of several, its outcome whatever it is.
    async fn desfecho(&self, e: &Empresa) -> SincronizacaoEmpresa {
        let origem = e.cnpj.to_string();
        match self.sincronizar_na_vez(e).await {
            Ok((r, vez)) => {
                let mut resumo = ResumoBaixa::de(origem, &r);
                if let Some(a) = &self.acompanhamento {
                    let feito = a.acompanhar(self.livro.as_ref(), e, self.dia()).await;
                    resumo.cnd = Some(feito.cnd);
                    resumo.caixa_postal = Some(feito.caixa_postal);
                }
                drop(vez);
                SincronizacaoEmpresa::Feita(resumo)
            }
            Err(ErroBaixa::Ocupada(_)) => SincronizacaoEmpresa::Pulada {
                origem,
                pulada: "em sincronização por outro processo".to_owned(),
            },
            Err(erro) => SincronizacaoEmpresa::Falhou {
                origem,
                natureza: erro.natureza(),
                erro: MensagemErro {
                    mensagem: erro.to_string(),
                },
            },
        }
    }
}

/// Reconciles every guide and payment of `contribuinte` in the ledger as of `hoje` and keeps
/// the findings (also after an import, where nothing is fetched).
///
/// # Errors
/// [`ErroLivro`].
pub fn conciliar_no_livro(
    livro: &dyn LivroEcac,
    contribuinte: &Documento,
    hoje: Data,
) -> Result<ResumoConciliacao, ErroLivro> {
    let guias: Vec<Guia> = livro
        .guias(Some(contribuinte))?
        .into_iter()
        .map(|g| g.guia)
        .collect();
    let pagos = livro.pagamentos(Some(contribuinte))?;
    let achadas = conciliar(&guias, &pagos, hoje);
    livro.registrar_conciliacao(&achados(&guias, &pagos, &achadas), hoje)
}

/// The key of a payment without a guide: number, day, value and, from the second of identical
/// payments on, its ordinal identify it across runs. The first keeps the key it had before
/// identical payments were told apart (no ordinal), so a ledger's history goes on.
fn chave_pagamento(p: &Pagamento, ordinal: u32) -> String {
    let base = format!(
        "pagamento:{}:{}:{}",
        p.numero.as_digitos(),
        p.data_arrecadacao.compacta(),
        p.valor_total.decimal()
    );
    if ordinal > 1 {
        format!("{base}:{ordinal}")
    } else {
        base
    }
}

/// The domain's findings, flattened for the ledger.
///
/// `pagos` is the ledger's list of payments in the order they were recorded, where identical
/// payments come in the order of their ordinals (the ledger records the `n`-th only after the
/// `n - 1`-th), so [`ordinais`] over it gives each its recorded ordinal.
pub fn achados(guias: &[Guia], pagos: &[Pagamento], achadas: &[Achada]) -> Vec<Achado> {
    let ordem = ordinais(pagos);
    achadas
        .iter()
        .filter_map(|a| {
            let pagamentos: Vec<&Pagamento> = a
                .pagamentos
                .as_slice()
                .iter()
                .filter_map(|&i| pagos.get(i))
                .collect();
            let pago = (!pagamentos.is_empty()).then(|| {
                pagamentos
                    .iter()
                    .map(|p| p.valor_total)
                    .fold(Valor::default(), |s, v| s + v)
            });
            let pago_em = pagamentos.iter().map(|p| p.data_arrecadacao).max();
            let dias_atraso = match a.tipo {
                TipoOcorrencia::PagaEmAtraso { dias_atraso } => Some(dias_atraso),
                TipoOcorrencia::PagaValorDivergente {
                    em_atraso: true, ..
                } => a
                    .guia
                    .and_then(|g| guias.get(g))
                    .zip(pago_em)
                    .map(|(g, p)| p.dias_desde_epoca() - g.vencimento.dias_desde_epoca()),
                _ => None,
            };
            let (contribuinte, numero, chave, guia) = match a.guia.and_then(|g| guias.get(g)) {
                Some(g) => (
                    g.contribuinte,
                    g.numero,
                    format!("guia:{}", g.numero.as_digitos()),
                    Some(g),
                ),
                None => {
                    let &i = a.pagamentos.first()?;
                    let p = pagos.get(i)?;
                    let ordinal = ordem.get(i).copied().unwrap_or(1);
                    (p.contribuinte, p.numero, chave_pagamento(p, ordinal), None)
                }
            };
            Some(Achado {
                contribuinte,
                numero,
                chave,
                codigo: a.tipo.codigo().to_owned(),
                descricao: a.tipo.descricao().to_owned(),
                valor_guia: guia.map(|g| g.valor),
                valor_pago: pago,
                vencimento: guia.map(|g| g.vencimento),
                pago_em,
                dias_atraso,
                paga: a.tipo.paga(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use guiche_domain::guia::{NumeroDocumento, TipoGuia};
    use guiche_domain::{Cnpj, Competencia};
    use guiche_ports::ecac::{Acesso, OrigemGuia};
    use guiche_store::Livro;
    use mockall::mock;
    use mockall::predicate::eq;

    mock! {
        Fonte {}
        #[async_trait::async_trait]
        impl FontePagamentos for Fonte {
            async fn pagamentos(&self, contribuinte: &Documento, desde: Data, ate: Data)
                -> Result<Vec<Pagamento>, ErroFonte>;
        }
    }

    fn data(t: &str) -> Data {
        Data::parse_iso(t).unwrap()
    }

    fn cnpj() -> Cnpj {
        Cnpj::parse("11444777000161").unwrap()
    }

    fn empresa(acesso: Acesso) -> Empresa {
        Empresa {
            cnpj: cnpj(),
            nome: "Padaria".into(),
            ecac_desde: Some(data("2026-01-01")),
            acesso,
            certificado_procurador: false,
        }
    }

    fn guia(numero: u64, vencimento: &str, valor: i64) -> Guia {
        Guia {
            tipo: TipoGuia::Das,
            numero: NumeroDocumento::from_u64(numero).unwrap(),
            contribuinte: Documento::Cnpj(cnpj()),
            codigo_receita: None,
            periodo: Competencia::new(2026, 9).unwrap(),
            vencimento: data(vencimento),
            valor: Valor::from_centavos(valor),
            codigo_barras: None,
        }
    }

    fn pagamento(numero: u64, dia: &str, valor: i64) -> Pagamento {
        Pagamento {
            numero: NumeroDocumento::from_u64(numero).unwrap(),
            data_arrecadacao: data(dia),
            valor_total: Valor::from_centavos(valor),
            codigo_receita: None,
            contribuinte: Documento::Cnpj(cnpj()),
        }
    }

    /// Expects one fetch of the company's payments from `de` to `ate`, answered `pagamentos`.
    fn espera_busca(fonte: &mut MockFonte, de: Data, ate: Data, pagamentos: Vec<Pagamento>) {
        fonte
            .expect_pagamentos()
            .with(eq(Documento::Cnpj(cnpj())), eq(de), eq(ate))
            .times(1)
            .return_once(move |_, _, _| Ok(pagamentos));
    }

    /// A clock fixed on one day.
    struct Fixo(Data);

    impl Relogio for Fixo {
        fn hoje(&self) -> Data {
            self.0
        }
    }

    /// The service over `livro` and `fonte`, today being `hoje` by `GUICHE_HOJE` and
    /// `sistema` by the system clock.
    fn servico(livro: &Arc<Livro>, fonte: MockFonte, hoje: Data, sistema: Data) -> Baixa {
        Baixa::new(
            Arc::clone(livro) as Arc<dyn LivroEcac>,
            Arc::new(fonte),
            Arc::new(Fixo(hoje)),
            Arc::new(Fixo(sistema)),
        )
    }

    fn livro_com_guias() -> Arc<Livro> {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        livro
            .salvar_empresa(&empresa(Acesso::CertificadoA1))
            .unwrap();
        for g in [
            guia(7_202_600_000_000_001, "2026-10-20", 10_000),
            guia(7_202_600_000_000_002, "2026-10-20", 5_000),
        ] {
            livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap();
        }
        livro
    }

    #[tokio::test]
    async fn first_sync_asks_from_the_start_date_settles_and_a_second_changes_nothing() {
        let livro = livro_com_guias();
        let hoje = data("2026-11-22");
        let mut fonte = MockFonte::new();
        espera_busca(
            &mut fonte,
            data("2026-01-01"),
            hoje,
            vec![pagamento(7_202_600_000_000_001, "2026-10-19", 10_000)],
        );
        espera_busca(
            &mut fonte,
            data("2026-11-12"),
            hoje,
            vec![pagamento(7_202_600_000_000_001, "2026-10-19", 10_000)],
        );
        let baixa = servico(&livro, fonte, hoje, hoje);
        let r = baixa
            .sincronizar(&empresa(Acesso::CertificadoA1))
            .await
            .unwrap();
        assert_eq!((r.recebidos, r.novos), (1, 1));
        assert_eq!(r.conciliacao.guias_baixadas, 1);
        assert_eq!(r.conciliacao.ocorrencias_novas, 2, "uma paga, uma vencida");
        let r = baixa
            .sincronizar(&empresa(Acesso::CertificadoA1))
            .await
            .unwrap();
        assert_eq!(
            r.desde,
            Some(data("2026-11-12")),
            "desde a última sincronização menos 10 dias"
        );
        assert_eq!(
            (
                r.novos,
                r.conciliacao.ocorrencias_novas,
                r.conciliacao.guias_baixadas
            ),
            (0, 0, 0)
        );
        let guias = livro.guias(None).unwrap();
        assert_eq!(guias[0].baixada_em, Some(hoje));
        assert_eq!(guias[1].baixada_em, None);
    }

    #[tokio::test]
    async fn an_overdue_guide_does_not_make_a_new_occurrence_every_day() {
        let livro = livro_com_guias();
        for dia in ["2026-11-22", "2026-11-23"] {
            conciliar_no_livro(livro.as_ref(), &Documento::Cnpj(cnpj()), data(dia)).unwrap();
        }
        let numero = NumeroDocumento::from_u64(7_202_600_000_000_002).unwrap();
        assert_eq!(livro.historico(&numero).unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_failed_fetch_writes_nothing_and_keeps_the_sync_date() {
        let livro = livro_com_guias();
        let mut fonte = MockFonte::new();
        fonte
            .expect_pagamentos()
            .returning(|_, _, _| Err(ErroFonte::Indisponivel("HTTP 503".into())));
        let baixa = servico(&livro, fonte, data("2026-11-22"), data("2026-11-22"));
        let e = baixa
            .sincronizar(&empresa(Acesso::CodigoAcesso))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("nada foi gravado"), "{e}");
        assert_eq!(livro.sincronizado_ate(&cnpj()).unwrap(), None);
        assert!(livro.ocorrencias(None).unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_a3_company_is_never_fetched() {
        let livro = livro_com_guias();
        let fonte = MockFonte::new(); // any call would panic
        let baixa = servico(&livro, fonte, data("2026-11-22"), data("2026-11-22"));
        let e = baixa
            .sincronizar(&empresa(Acesso::CertificadoA3))
            .await
            .unwrap_err();
        assert!(matches!(e, ErroBaixa::A3(_)), "{e}");
    }

    #[test]
    fn a_payment_without_a_guide_keeps_its_own_identity() {
        let guias = [guia(7_202_600_000_000_001, "2026-10-20", 10_000)];
        let pagos = [
            pagamento(7_202_600_000_000_001, "2026-10-25", 10_000),
            pagamento(7_202_600_000_000_009, "2026-10-25", 300),
        ];
        let achadas = conciliar(&guias, &pagos, data("2026-11-22"));
        let a = achados(&guias, &pagos, &achadas);
        assert_eq!(a[0].codigo, "paga_em_atraso");
        assert_eq!(a[0].dias_atraso, Some(5));
        assert_eq!(a[1].chave, "pagamento:07202600000000009:20261025:3.00");
        assert_eq!(a[1].valor_guia, None);
    }

    #[test]
    fn identical_payments_without_a_guide_are_two_occurrences() {
        let pagos = [
            pagamento(7_202_600_000_000_009, "2026-10-25", 300),
            pagamento(7_202_600_000_000_009, "2026-10-25", 300),
        ];
        let achadas = conciliar(&[], &pagos, data("2026-11-22"));
        let chaves: Vec<String> = achados(&[], &pagos, &achadas)
            .into_iter()
            .map(|a| a.chave)
            .collect();
        assert_eq!(
            chaves,
            [
                "pagamento:07202600000000009:20261025:3.00",
                "pagamento:07202600000000009:20261025:3.00:2"
            ]
        );
    }

    /// `GUICHE_HOJE` in the future fixes "today" for what is shown, but the payments are asked
    /// and the sync date, the settlement and the occurrences are written with the system
    /// clock's day: a later sync must not skip the days in between.
    #[tokio::test]
    async fn a_future_today_is_never_written() {
        let livro = livro_com_guias();
        let sistema = data("2026-11-22");
        let mut fonte = MockFonte::new();
        espera_busca(
            &mut fonte,
            data("2026-01-01"),
            sistema,
            vec![pagamento(7_202_600_000_000_001, "2026-10-19", 10_000)],
        );
        let baixa = servico(&livro, fonte, data("2099-12-31"), sistema);
        let r = baixa
            .sincronizar(&empresa(Acesso::CertificadoA1))
            .await
            .unwrap();
        assert_eq!(r.conciliacao.guias_baixadas, 1);
        assert_eq!(livro.sincronizado_ate(&cnpj()).unwrap(), Some(sistema));
        assert_eq!(livro.guias(None).unwrap()[0].baixada_em, Some(sistema));
        assert!(
            livro
                .ocorrencias(None)
                .unwrap()
                .iter()
                .all(|o| o.registrada_em == sistema)
        );
    }

    /// A ledger that already holds a sync date after the system clock's day (written by an
    /// older guichê under a future `GUICHE_HOJE`) does not know when it really synced: the
    /// next sync asks again from the e-CAC start date (what is already there is recognised)
    /// and writes today's date over it.
    #[tokio::test]
    async fn a_future_sync_date_in_the_ledger_is_repaired() {
        let livro = livro_com_guias();
        livro
            .marcar_sincronizacao(&cnpj(), data("2099-12-31"))
            .unwrap();
        let hoje = data("2026-11-22");
        let mut fonte = MockFonte::new();
        espera_busca(
            &mut fonte,
            data("2026-01-01"),
            hoje,
            vec![pagamento(7_202_600_000_000_001, "2026-10-19", 10_000)],
        );
        let baixa = servico(&livro, fonte, hoje, hoje);
        let r = baixa
            .sincronizar(&empresa(Acesso::CertificadoA1))
            .await
            .unwrap();
        assert_eq!(r.desde, Some(data("2026-01-01")));
        assert_eq!((r.recebidos, r.novos), (1, 1));
        assert_eq!(livro.sincronizado_ate(&cnpj()).unwrap(), Some(hoje));
    }

    /// A mailbox answering `mensagens`, or failing.
    struct Caixa(Result<Vec<guiche_ports::receita::MensagemCaixaPostal>, String>);

    #[async_trait::async_trait]
    impl guiche_ports::ecac::FonteCaixaPostal for Caixa {
        async fn mensagens(
            &self,
            _: &Documento,
            _: Data,
        ) -> Result<Vec<guiche_ports::receita::MensagemCaixaPostal>, ErroFonte> {
            self.0.clone().map_err(ErroFonte::Indisponivel)
        }
    }

    /// A CND lookup that always fails as a gateway timeout.
    struct CndFora;

    #[async_trait::async_trait]
    impl guiche_ports::consulta::ConsultaCadastral for CndFora {
        async fn cpf(
            &self,
            _: &guiche_domain::Cpf,
            _: &guiche_ports::consulta::Etiqueta,
        ) -> Result<guiche_ports::consulta::DadosCpf, guiche_ports::consulta::ErroConsultaCadastral>
        {
            unreachable!("a sync asks no CPF")
        }
        async fn cnpj(
            &self,
            _: &Cnpj,
            _: guiche_ports::consulta::NivelCnpj,
            _: &guiche_ports::consulta::Etiqueta,
        ) -> Result<guiche_ports::consulta::DadosCnpj, guiche_ports::consulta::ErroConsultaCadastral>
        {
            unreachable!("a sync asks no CNPJ record")
        }
        async fn cnd(
            &self,
            _: &Documento,
            etiqueta: &guiche_ports::consulta::Etiqueta,
        ) -> Result<guiche_ports::consulta::Certidao, guiche_ports::consulta::ErroConsultaCadastral>
        {
            assert_eq!(etiqueta.as_str(), "ecac-cnd-11444777000161");
            Err(guiche_ports::consulta::ErroConsultaCadastral {
                tipo: guiche_ports::consulta::TipoErroConsulta::Transporte,
                mensagem: "HTTP 504 do gateway".into(),
            })
        }
    }

    #[tokio::test]
    async fn a_failed_cnd_lookup_or_mailbox_read_never_fails_the_payments() {
        use crate::ecac::acompanhamento::Acompanhamento;
        let hoje = data("2026-11-22");
        let mensagem = guiche_ports::receita::MensagemCaixaPostal {
            isn: "77".into(),
            assunto: "Intimação".into(),
            enviada_em: Some(data("2026-11-20")),
            lida: false,
            relevante: true,
            origem: "Receita Federal".into(),
        };
        for (consulta, caixa, cnd, lida) in [
            (
                Err("nenhum caminho de consulta configurado".to_owned()),
                Err("HTTP 503".to_owned()),
                "não consultada: nenhum caminho de consulta configurado",
                "não lida: HTTP 503",
            ),
            (
                Ok(crate::consulta::ServicoConsulta::new(
                    Arc::new(CndFora),
                    crate::consulta::Caminho::SerproLoja,
                )),
                Ok(vec![mensagem.clone()]),
                "não consultada: HTTP 504 do gateway",
                "1 mensagem(ns) nova(s)",
            ),
        ] {
            let livro = livro_com_guias();
            let mut fonte = MockFonte::new();
            espera_busca(
                &mut fonte,
                data("2026-01-01"),
                hoje,
                vec![pagamento(7_202_600_000_000_001, "2026-10-19", 10_000)],
            );
            let consulta = std::sync::Mutex::new(Some(consulta));
            let criar: crate::ecac::acompanhamento::CriarConsulta = Arc::new(move || {
                consulta
                    .lock()
                    .unwrap()
                    .take()
                    .expect("the lookups are made once")
            });
            let baixa = servico(&livro, fonte, hoje, hoje)
                .acompanhando(Acompanhamento::new(criar, Arc::new(Caixa(caixa.clone()))));
            let todas = baixa.sincronizar_empresas(None).await.unwrap();
            let [SincronizacaoEmpresa::Feita(r)] = todas.empresas.as_slice() else {
                panic!("{todas:?}")
            };
            assert_eq!(r.guias_baixadas, 1, "the payment settled its guide");
            assert_eq!(r.cnd.as_deref(), Some(cnd));
            assert_eq!(r.caixa_postal.as_deref(), Some(lida));
            let [c] = livro.cnds().unwrap().try_into().unwrap();
            assert_eq!(c.situacao, None);
            assert_eq!(c.motivo.as_deref(), Some(cnd));
            assert_eq!(c.consultada_em, hoje);
            let guardadas = livro.mensagens(None).unwrap();
            if caixa.is_ok() {
                assert_eq!(guardadas.len(), 1);
                assert_eq!(guardadas[0].prazo, Some(data("2026-12-05")), "15 days on");
                assert!(!guardadas[0].lida);
            } else {
                assert!(guardadas.is_empty());
            }
        }
    }

    /// A mailbox that, when read, says whether the company's turn was free at that moment.
    struct CaixaQueOlhaAVez(Arc<Livro>, std::sync::Mutex<Option<bool>>);

    #[async_trait::async_trait]
    impl guiche_ports::ecac::FonteCaixaPostal for CaixaQueOlhaAVez {
        async fn mensagens(
            &self,
            _: &Documento,
            _: Data,
        ) -> Result<Vec<guiche_ports::receita::MensagemCaixaPostal>, ErroFonte> {
            let livre = self.0.vez_da_empresa(&cnpj()).unwrap().is_some();
            *self.1.lock().unwrap() = Some(livre);
            Ok(Vec::new())
        }
    }

    /// The CND and the mailbox are read holding the company's turn: a second sync of the same
    /// company meanwhile is skipped, so it cannot ask for them a second time that day.
    #[tokio::test]
    async fn the_cnd_and_mailbox_are_read_holding_the_company_turn() {
        use crate::ecac::acompanhamento::Acompanhamento;
        let livro = livro_com_guias();
        let hoje = data("2026-11-22");
        let mut fonte = MockFonte::new();
        espera_busca(&mut fonte, data("2026-01-01"), hoje, Vec::new());
        let caixa = Arc::new(CaixaQueOlhaAVez(
            Arc::clone(&livro),
            std::sync::Mutex::new(None),
        ));
        let criar: crate::ecac::acompanhamento::CriarConsulta =
            Arc::new(|| Err("nenhum caminho de consulta configurado".to_owned()));
        let baixa = servico(&livro, fonte, hoje, hoje)
            .acompanhando(Acompanhamento::new(criar, caixa.clone()));
        let todas = baixa.sincronizar_empresas(None).await.unwrap();
        let [SincronizacaoEmpresa::Feita(r)] = todas.empresas.as_slice() else {
            panic!("{todas:?}")
        };
        assert_eq!(r.caixa_postal.as_deref(), Some("0 mensagem(ns) nova(s)"));
        assert_eq!(
            *caixa.1.lock().unwrap(),
            Some(false),
            "the turn was held while the mailbox was read"
        );
        assert!(
            livro.vez_da_empresa(&cnpj()).unwrap().is_some(),
            "and given back after"
        );
    }

    #[tokio::test]
    async fn a_company_synced_elsewhere_is_not_waited_for_nor_fetched() {
        let livro = livro_com_guias();
        let outra = livro.vez_da_empresa(&cnpj()).unwrap().expect("livre");
        let hoje = data("2026-11-22");
        let baixa = servico(&livro, MockFonte::new(), hoje, hoje); // any fetch would panic
        let e = baixa
            .sincronizar(&empresa(Acesso::CertificadoA1))
            .await
            .unwrap_err();
        assert!(matches!(e, ErroBaixa::Ocupada(_)), "{e}");
        assert_eq!(e.natureza(), Natureza::Conflito);
        let todas = baixa.sincronizar_empresas(None).await.unwrap();
        assert_eq!(
            todas.empresas,
            [SincronizacaoEmpresa::Pulada {
                origem: "11.444.777/0001-61".into(),
                pulada: "em sincronização por outro processo".into(),
            }]
        );
        assert_eq!(todas.natureza(), Some(Natureza::Conflito));
        assert_eq!(livro.sincronizado_ate(&cnpj()).unwrap(), None);
        drop(outra);
    }

    #[tokio::test]
    async fn syncing_every_company_skips_a3_and_companies_without_e_cac_and_goes_on_after_a_failure()
     {
        let livro = livro_com_guias();
        let a3 = Cnpj::parse("11222333000181").unwrap();
        let sem_ecac = Cnpj::parse("11333444000165").unwrap();
        livro
            .salvar_empresa(&Empresa {
                cnpj: a3,
                ..empresa(Acesso::CertificadoA3)
            })
            .unwrap();
        livro
            .salvar_empresa(&Empresa {
                cnpj: sem_ecac,
                ecac_desde: None,
                ..empresa(Acesso::CodigoAcesso)
            })
            .unwrap();
        let mut fonte = MockFonte::new();
        fonte
            .expect_pagamentos()
            .times(1)
            .returning(|_, _, _| Err(ErroFonte::Indisponivel("HTTP 503".into())));
        let hoje = data("2026-11-22");
        let baixa = servico(&livro, fonte, hoje, hoje);
        let todas = baixa.sincronizar_empresas(None).await.unwrap();
        assert_eq!(todas.empresas.len(), 1, "só a empresa A1: {todas:?}");
        assert!(
            matches!(&todas.empresas[0], SincronizacaoEmpresa::Falhou { natureza: Natureza::Transporte, erro, .. } if erro.mensagem.contains("HTTP 503")),
            "{todas:?}"
        );
        assert_eq!(todas.natureza(), Some(Natureza::Transporte));
        // Asked by name, an A3 company is refused (exit 1), and an unknown one is not found.
        let uma = baixa.sincronizar_empresas(Some(&a3)).await.unwrap();
        assert_eq!(uma.natureza(), Some(Natureza::Recusado));
        let desconhecida = Cnpj::parse("11444777000242").unwrap();
        let e = baixa
            .sincronizar_empresas(Some(&desconhecida))
            .await
            .unwrap_err();
        assert_eq!(e.natureza(), Natureza::NaoEncontrado, "{e}");
    }

    #[tokio::test]
    async fn each_outcome_is_told_as_it_is_known_and_matches_the_result() {
        let livro = livro_com_guias();
        let mut fonte = MockFonte::new();
        fonte
            .expect_pagamentos()
            .times(1)
            .returning(|_, _, _| Err(ErroFonte::Indisponivel("HTTP 503".into())));
        let hoje = data("2026-11-22");
        let baixa = servico(&livro, fonte, hoje, hoje);
        let contados = Arc::new(std::sync::Mutex::new(Vec::new()));
        let c = Arc::clone(&contados);
        let todas = baixa
            .sincronizar_empresas_relatando(
                None,
                Arc::new(move |e: &SincronizacaoEmpresa| c.lock().unwrap().push(e.clone())),
            )
            .await
            .unwrap();
        assert_eq!(*contados.lock().unwrap(), todas.empresas);
        assert_eq!(todas.empresas.len(), 1);
    }

    #[test]
    fn a_sync_result_has_the_json_shape_of_the_command_line() {
        let r = ResumoSync {
            desde: Some(data("2026-11-12")),
            recebidos: 2,
            novos: 1,
            conciliacao: ResumoConciliacao {
                ocorrencias_novas: 3,
                inalteradas: 4,
                guias_baixadas: 1,
            },
        };
        let falha = SincronizacaoEmpresa::Falhou {
            origem: "x".into(),
            erro: MensagemErro {
                mensagem: "m".into(),
            },
            natureza: Natureza::Recusado,
        };
        let v = serde_json::to_value(Sincronizacao {
            empresas: vec![SincronizacaoEmpresa::Feita(ResumoBaixa::de("c", &r)), falha],
            rodada: None,
        })
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({ "empresas": [
                { "origem": "c", "desde": "2026-11-12", "pagamentosRecebidos": 2,
                  "pagamentosNovos": 1, "ocorrenciasNovas": 3, "inalteradas": 4,
                  "guiasBaixadas": 1 },
                { "origem": "x", "erro": { "mensagem": "m" } }
            ]})
        );
    }
}
