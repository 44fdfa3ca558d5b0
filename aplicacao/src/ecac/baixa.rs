//! The baixa automática: fetch a company's payments, keep them, reconcile its guides against
//! them, keep what was found and settle what was paid.
//!
//! For one company ([`Baixa::sincronizar`]):
//! 1. **Window**: from its e-CAC start date on the first sync; afterwards from the last day
//!    synced minus [`SOBREPOSICAO_DIAS`] (payments can be posted days after their
//!    `dataArrecadacao`), never before the start date; up to today, never after the system
//!    clock's day (`GUICHE_HOJE` does not move what is fetched and written into the future).
//! 2. **Fetch** every page ([`FontePagamentos`]); nothing is written until all came back, so a
//!    failure half-way leaves the ledger and the sync date as they were.
//! 3. **Keep** the payments (duplicates skipped), then move the sync date.
//! 4. **Reconcile** ([`Baixa::conciliar`]): every guide and payment of the company through the
//!    pure domain ([`guiche_domain::conciliacao::conciliar`]); a changed finding gets a new
//!    occurrence, an unchanged one writes nothing, a paid guide is settled once and for all.
//!
//! Companies that reach e-CAC with an A3 certificate are never fetched: their payments come
//! from `guiche ecac import` (docs/decisions/0009).

use guiche_domain::conciliacao::{
    Ocorrencia as Achada, Pagamento, TipoOcorrencia, conciliar, ordinais,
};
use guiche_domain::guia::Guia;
use guiche_domain::{Data, Documento, Valor};
use guiche_ports::ecac::{
    Achado, Empresa, ErroFonte, FontePagamentos, LivroEcac, ResumoConciliacao,
};
use guiche_ports::livro::ErroLivro;

/// Days re-read before the last sync date, for payments posted late.
pub const SOBREPOSICAO_DIAS: i64 = 10;

/// Why a company could not be synced.
#[derive(Debug, thiserror::Error)]
pub enum ErroBaixa {
    /// The company is not set to use e-CAC (no start date).
    #[error("a empresa {0} não está marcada como usuária do e-CAC (defina --ecac-desde)")]
    SemEcac(String),
    /// A3 certificate: only imported payments.
    #[error(
        "a empresa {0} acessa o e-CAC com certificado A3: os pagamentos dela entram só por \
         `guiche ecac import ARQUIVO`"
    )]
    A3(String),
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
}

/// What one sync did.
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

/// The settlement service, over the ledger and the payment source.
pub struct Baixa<'a> {
    pub livro: &'a dyn LivroEcac,
    pub fonte: &'a dyn FontePagamentos,
    /// Today as the user sees it: `GUICHE_HOJE` when set, else the system clock.
    pub hoje: Data,
    /// Today by the system clock, whatever `GUICHE_HOJE` says: no date the sync uses or
    /// writes is later than this one (see [`Baixa::dia`]).
    pub sistema: Data,
}

impl Baixa<'_> {
    /// The day the sync runs on: `hoje`, but never after the system clock's day. Payments are
    /// asked up to it, and the sync date, settlements and occurrences are written with it, so
    /// a future `GUICHE_HOJE` never makes a later sync skip the days in between.
    fn dia(&self) -> Data {
        self.hoje.min(self.sistema)
    }

    /// The first day to ask for `empresa` (see the module doc); `None` when it does not use
    /// e-CAC or its start date is after today. A recorded sync date after the system clock's
    /// day says nothing true about what was fetched: the window starts at the start date again.
    fn janela(&self, empresa: &Empresa) -> Result<Option<Data>, ErroLivro> {
        let Some(inicio) = empresa.ecac_desde else {
            return Ok(None);
        };
        let desde = match self.livro.sincronizado_ate(&empresa.cnpj)? {
            Some(ate) if ate <= self.sistema => ate
                .mais_dias(-SOBREPOSICAO_DIAS)
                .map_or(inicio, |d| d.max(inicio)),
            Some(_) | None => inicio,
        };
        Ok((desde <= self.dia()).then_some(desde))
    }

    /// Fetches, keeps and reconciles the payments of `empresa` (see the module doc).
    ///
    /// # Errors
    /// [`ErroBaixa`]; on [`ErroBaixa::Fonte`] nothing was written.
    pub async fn sincronizar(&self, empresa: &Empresa) -> Result<ResumoSync, ErroBaixa> {
        let nome = empresa.cnpj.to_string();
        if !empresa.acesso.sincroniza_sozinho() {
            return Err(ErroBaixa::A3(nome));
        }
        if empresa.ecac_desde.is_none() {
            return Err(ErroBaixa::SemEcac(nome));
        }
        let contribuinte = Documento::Cnpj(empresa.cnpj);
        let Some(desde) = self.janela(empresa)? else {
            let conciliacao = self.conciliar(&contribuinte)?;
            return Ok(ResumoSync {
                conciliacao,
                ..ResumoSync::default()
            });
        };
        let pagos = self
            .fonte
            .pagamentos(&contribuinte, desde, self.dia())
            .await
            .map_err(|erro| ErroBaixa::Fonte {
                empresa: nome,
                erro,
            })?;
        let novos = self.livro.registrar_pagamentos(&pagos)?;
        self.livro.marcar_sincronizacao(&empresa.cnpj, self.dia())?;
        Ok(ResumoSync {
            desde: Some(desde),
            recebidos: pagos.len(),
            novos,
            conciliacao: self.conciliar(&contribuinte)?,
        })
    }

    /// Reconciles `contribuinte` (see [`conciliar_no_livro`]) as of [`Baixa::dia`].
    ///
    /// # Errors
    /// [`ErroLivro`].
    pub fn conciliar(&self, contribuinte: &Documento) -> Result<ResumoConciliacao, ErroLivro> {
        conciliar_no_livro(self.livro, contribuinte, self.dia())
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

    fn livro_com_guias() -> Livro {
        let livro = Livro::em_memoria().unwrap();
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
        let baixa = Baixa {
            livro: &livro,
            fonte: &fonte,
            hoje,
            sistema: hoje,
        };
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
        let fonte = MockFonte::new();
        for dia in ["2026-11-22", "2026-11-23"] {
            let baixa = Baixa {
                livro: &livro,
                fonte: &fonte,
                hoje: data(dia),
                sistema: data(dia),
            };
            baixa.conciliar(&Documento::Cnpj(cnpj())).unwrap();
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
        let baixa = Baixa {
            livro: &livro,
            fonte: &fonte,
            hoje: data("2026-11-22"),
            sistema: data("2026-11-22"),
        };
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
        let baixa = Baixa {
            livro: &livro,
            fonte: &fonte,
            hoje: data("2026-11-22"),
            sistema: data("2026-11-22"),
        };
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
        let baixa = Baixa {
            livro: &livro,
            fonte: &fonte,
            hoje: data("2099-12-31"),
            sistema,
        };
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
        let baixa = Baixa {
            livro: &livro,
            fonte: &fonte,
            hoje,
            sistema: hoje,
        };
        let r = baixa
            .sincronizar(&empresa(Acesso::CertificadoA1))
            .await
            .unwrap();
        assert_eq!(r.desde, Some(data("2026-01-01")));
        assert_eq!((r.recebidos, r.novos), (1, 1));
        assert_eq!(livro.sincronizado_ate(&cnpj()).unwrap(), Some(hoje));
    }
}
