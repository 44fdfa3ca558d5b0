//! What the sync reads beside a company's payments: its CND (through [`ServicoConsulta`], when
//! a consulta path is configured) and its e-CAC mailbox (DTE, `CAIXAPOSTAL` through Integra
//! Contador). Neither ever fails the company's payments sync: a failure is kept with its reason
//! (the CND as "não consultada: …") and told in the sync's result. Each is read at most once
//! a day per company (decision 0017, "Once a day"): a later sync that day reuses the ledger's
//! and says so; a failure is not a reading and is asked again.
//!
//! **Ciência tácita** (decision 0017): an unread message counts as read
//! [`DIAS_CIENCIA_TACITA`] days after the day it was made available (Decreto 70.235/1972,
//! art. 23, § 2º, III, "a"); its [`prazo`] is that day. The mailbox listing
//! ([`caixa_postal`]) shows the unread ones with the days left until then, nearest first.

use std::sync::Arc;

use guiche_domain::{Cnpj, Data, Documento};
use guiche_ports::consulta::DataInformada;
use guiche_ports::ecac::{ConsultaCnd, Empresa, FonteCaixaPostal, LivroEcac, MensagemDte};
use guiche_ports::livro::ErroLivro;
use serde::Serialize;
use utoipa::ToSchema;

use crate::consulta::ServicoConsulta;

/// Days after a DTE message is made available when an unread one counts as read (ciência
/// tácita: Decreto 70.235/1972, art. 23, § 2º, III, "a").
pub const DIAS_CIENCIA_TACITA: i64 = 15;

/// The day an unread message made available on `enviada_em` counts as read; `None` when the
/// day it was made available is not known.
pub fn prazo(enviada_em: Option<Data>) -> Option<Data> {
    enviada_em.and_then(|d| d.mais_dias(DIAS_CIENCIA_TACITA))
}

/// Makes the lookups, or says why there are none (no consulta path configured: the CND is
/// then kept as not checked, with this reason).
pub type CriarConsulta = Arc<dyn Fn() -> Result<ServicoConsulta, String> + Send + Sync>;

/// The CND and mailbox readers of the sync.
#[derive(Clone)]
pub struct Acompanhamento {
    criar: CriarConsulta,
    consulta: Arc<std::sync::OnceLock<Result<ServicoConsulta, String>>>,
    caixa_postal: Arc<dyn FonteCaixaPostal>,
}

impl std::fmt::Debug for Acompanhamento {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acompanhamento").finish_non_exhaustive()
    }
}

/// What reading a company's CND and mailbox did, for the sync's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Acompanhado {
    /// The CND's situation (`Negativa`…), `já consultada hoje (Negativa)` when today's check
    /// was reused, or `não consultada: …` with why.
    pub cnd: String,
    /// `N mensagem(ns) nova(s)`, `já lida hoje` when it was read today already, or
    /// `não lida: …` with why.
    pub caixa_postal: String,
}

/// The tag of the sync's CND lookup: `ecac-cnd-<cnpj>` (23 characters).
fn etiqueta_cnd(cnpj: &Cnpj) -> String {
    format!("ecac-cnd-{}", cnpj.as_str())
}

impl Acompanhamento {
    /// The readers: the lookups made by `consulta` on the first CND asked (once: a sync with
    /// nothing to check needs no consulta setting, and starts as fast as before), the mailbox
    /// read from `caixa_postal`.
    pub fn new(consulta: CriarConsulta, caixa_postal: Arc<dyn FonteCaixaPostal>) -> Acompanhamento {
        Acompanhamento {
            criar: consulta,
            consulta: Arc::new(std::sync::OnceLock::new()),
            caixa_postal,
        }
    }

    /// Reads `empresa`'s CND and mailbox on `dia` and keeps them in `livro`; never fails: each
    /// failure is in the result (and the CND's in the ledger).
    ///
    /// **At most once a day** (decision 0017, "Once a day"): a CND checked on `dia` (a reading,
    /// not a failure) and a mailbox read on `dia` are not asked again; the result says they
    /// were reused. A failure of the day is not a reading: the next sync asks again. When the
    /// ledger cannot say (it fails to read), the service is asked.
    pub async fn acompanhar(
        &self,
        livro: &dyn LivroEcac,
        empresa: &Empresa,
        dia: Data,
    ) -> Acompanhado {
        let cnd_texto = match livro.cnd(&empresa.cnpj) {
            Ok(Some(ConsultaCnd {
                situacao: Some(s),
                consultada_em,
                ..
            })) if consultada_em == dia => {
                format!("já consultada hoje ({})", s.descricao())
            }
            _ => self.cnd_do_dia(livro, empresa, dia).await,
        };
        let caixa = match livro.caixa_postal_lida_em(&empresa.cnpj) {
            Ok(Some(lida_em)) if lida_em == dia => "já lida hoje".to_owned(),
            _ => self.caixa_postal_do_dia(livro, empresa, dia).await,
        };
        Acompanhado {
            cnd: cnd_texto,
            caixa_postal: caixa,
        }
    }

    /// Checks the CND now and keeps the check (or its failure); what the result says.
    async fn cnd_do_dia(&self, livro: &dyn LivroEcac, empresa: &Empresa, dia: Data) -> String {
        let cnd = self.cnd(empresa, dia).await;
        let texto_cnd = match (&cnd.situacao, &cnd.motivo) {
            (Some(s), _) => s.descricao().to_owned(),
            (None, Some(m)) => m.clone(),
            (None, None) => "não consultada".to_owned(),
        };
        match livro.registrar_cnd(&cnd) {
            Ok(()) => texto_cnd,
            Err(e) => format!("{texto_cnd} (não gravada no livro: {e})"),
        }
    }

    /// Reads the mailbox now and keeps its messages and the day; what the result says.
    async fn caixa_postal_do_dia(
        &self,
        livro: &dyn LivroEcac,
        empresa: &Empresa,
        dia: Data,
    ) -> String {
        match self
            .caixa_postal
            .mensagens(&Documento::Cnpj(empresa.cnpj), dia)
            .await
        {
            Err(e) => format!("não lida: {e}"),
            Ok(lista) => {
                let mensagens: Vec<MensagemDte> = lista
                    .into_iter()
                    .map(|m| MensagemDte {
                        cnpj: empresa.cnpj,
                        prazo: prazo(m.enviada_em),
                        isn: m.isn,
                        assunto: m.assunto,
                        enviada_em: m.enviada_em,
                        lida: m.lida,
                    })
                    .collect();
                match livro.registrar_leitura_caixa_postal(&empresa.cnpj, dia, &mensagens) {
                    Ok(novas) => format!("{novas} mensagem(ns) nova(s)"),
                    Err(e) => format!("não gravada no livro: {e}"),
                }
            }
        }
    }

    /// The company's CND check on `dia`, or why it was not checked.
    async fn cnd(&self, empresa: &Empresa, dia: Data) -> ConsultaCnd {
        let nao = |motivo: String| ConsultaCnd {
            cnpj: empresa.cnpj,
            situacao: None,
            motivo: Some(format!("não consultada: {motivo}")),
            validade: None,
            consultada_em: dia,
        };
        let consulta = match self.consulta.get_or_init(|| (self.criar)()) {
            Ok(c) => c,
            Err(motivo) => return nao(motivo.clone()),
        };
        match consulta
            .certidao(&empresa.cnpj, &etiqueta_cnd(&empresa.cnpj))
            .await
        {
            Ok(c) => ConsultaCnd {
                cnpj: empresa.cnpj,
                situacao: Some(c.situacao),
                motivo: c.mensagem,
                validade: match c.validade {
                    Some(DataInformada::Data(d)) => Some(d),
                    _ => None,
                },
                consultada_em: dia,
            },
            Err(e) => nao(e.to_string()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What is shown
// ---------------------------------------------------------------------------------------------

/// A company's CND as the listings show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CndEmpresa {
    /// `negativa`, `positiva-efeitos-negativa`, `positiva`, or `nao-consultada`.
    pub situacao: String,
    /// For people: `Negativa`…, or `não consultada: …` with why.
    pub descricao: String,
    /// Valid until (`AAAA-MM-DD`), when known.
    pub validade: Option<String>,
    /// Days from today to the validity (negative once expired), when known.
    pub dias_validade: Option<i64>,
    /// The day of the sync that checked it (`AAAA-MM-DD`).
    pub consultada_em: String,
    /// The service's message, when any.
    pub mensagem: Option<String>,
}

impl CndEmpresa {
    /// `c` as shown on `hoje`.
    pub fn de(c: &ConsultaCnd, hoje: Data) -> CndEmpresa {
        let (situacao, descricao, mensagem) = match c.situacao {
            Some(s) => (
                guiche_ports::ecac::regras::codigo_situacao_cnd(s).to_owned(),
                s.descricao().to_owned(),
                c.motivo.clone(),
            ),
            None => (
                "nao-consultada".to_owned(),
                c.motivo
                    .clone()
                    .unwrap_or_else(|| "não consultada".to_owned()),
                None,
            ),
        };
        CndEmpresa {
            situacao,
            descricao,
            validade: c.validade.map(|d| d.iso()),
            dias_validade: c.validade.map(|d| hoje.dias_ate(d)),
            consultada_em: c.consultada_em.iso(),
            mensagem,
        }
    }

    /// Whether the office must look at it: positive (no certificate), or a certificate
    /// expiring within `dias` days (or expired).
    pub fn requer_atencao(&self, dias: i64) -> bool {
        self.situacao == "positiva" || self.dias_validade.is_some_and(|d| d <= dias)
    }

    /// One short cell for a table: `Negativa até 28/12/2026`, `Positiva`, `não consultada`.
    pub fn celula(&self) -> String {
        match (&self.validade, self.situacao.as_str()) {
            (_, "nao-consultada") => "não consultada".to_owned(),
            (Some(v), _) => match Data::parse_iso(v) {
                Ok(d) => format!("{} até {d}", self.descricao),
                Err(_) => self.descricao.clone(),
            },
            (None, _) => self.descricao.clone(),
        }
    }
}

/// An unread DTE message, as the mailbox listing shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MensagemPendente {
    /// The company (CNPJ, masked).
    pub cnpj: String,
    /// Its name, when recorded.
    pub nome: String,
    /// The message's id.
    pub isn: String,
    /// The subject.
    pub assunto: String,
    /// Made available on (`AAAA-MM-DD`), when known.
    pub enviada_em: Option<String>,
    /// The day it counts as read if still unread (`AAAA-MM-DD`), when known.
    pub prazo: Option<String>,
    /// Days from today to [`MensagemPendente::prazo`]; 0 or less: ciência tácita already
    /// happened.
    pub dias_restantes: Option<i64>,
}

/// The unread messages of one company.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaixaPostalEmpresa {
    /// The company (CNPJ, masked).
    pub cnpj: String,
    /// Its name, when recorded.
    pub nome: String,
    /// Unread messages still within their deadline.
    pub nao_lidas: usize,
    /// Unread messages past their deadline (ciência tácita: they count as read).
    pub ciencia_tacita: usize,
    /// Days left on the nearest deadline among the unread ones within it.
    pub menor_prazo: Option<i64>,
    /// The unread messages: running deadlines first (the nearest first), then unknown ones,
    /// then the ones past their deadline.
    pub mensagens: Vec<MensagemPendente>,
}

/// The unread mailbox messages of `cnpj` (every company when `None`) on `hoje`, per company,
/// the company whose nearest deadline is nearest first; companies with no unread message are
/// left out.
///
/// # Errors
/// [`ErroLivro`].
pub fn caixa_postal(
    livro: &dyn LivroEcac,
    cnpj: Option<&Cnpj>,
    hoje: Data,
) -> Result<Vec<CaixaPostalEmpresa>, ErroLivro> {
    let empresas = livro.empresas()?;
    let nome = |c: &Cnpj| {
        empresas
            .iter()
            .find(|e| e.cnpj == *c)
            .map(|e| e.nome.clone())
            .unwrap_or_default()
    };
    let mut por_empresa: Vec<CaixaPostalEmpresa> = Vec::new();
    for m in livro.mensagens(cnpj)?.into_iter().filter(|m| !m.lida) {
        let mascarado = m.cnpj.to_string();
        let pendente = MensagemPendente {
            cnpj: mascarado.clone(),
            nome: nome(&m.cnpj),
            isn: m.isn,
            assunto: m.assunto,
            enviada_em: m.enviada_em.map(|d| d.iso()),
            prazo: m.prazo.map(|d| d.iso()),
            dias_restantes: m.prazo.map(|d| hoje.dias_ate(d)),
        };
        let grupo = match por_empresa.iter_mut().find(|g| g.cnpj == mascarado) {
            Some(g) => g,
            None => {
                por_empresa.push(CaixaPostalEmpresa {
                    cnpj: mascarado.clone(),
                    nome: pendente.nome.clone(),
                    nao_lidas: 0,
                    ciencia_tacita: 0,
                    menor_prazo: None,
                    mensagens: Vec::new(),
                });
                let n = por_empresa.len() - 1;
                &mut por_empresa[n]
            }
        };
        match pendente.dias_restantes {
            Some(d) if d <= 0 => grupo.ciencia_tacita += 1,
            Some(d) => {
                grupo.nao_lidas += 1;
                grupo.menor_prazo = Some(grupo.menor_prazo.map_or(d, |m| m.min(d)));
            }
            None => grupo.nao_lidas += 1,
        }
        grupo.mensagens.push(pendente);
    }
    // Deadlines still running first, the nearest first; then unknown ones; then the ones
    // already past (ciência tácita), the most recent first.
    let ordem = |m: &MensagemPendente| match m.dias_restantes {
        Some(d) if d > 0 => (0, d),
        None => (1, 0),
        Some(d) => (2, -d),
    };
    for g in &mut por_empresa {
        g.mensagens.sort_by_key(ordem);
    }
    por_empresa.sort_by_key(|g| (g.menor_prazo.is_none(), g.menor_prazo));
    Ok(por_empresa)
}

/// The CND of every company checked, by CNPJ, as shown on `hoje`.
///
/// # Errors
/// [`ErroLivro`].
pub fn cnds(livro: &dyn LivroEcac, hoje: Data) -> Result<Vec<(Cnpj, CndEmpresa)>, ErroLivro> {
    Ok(livro
        .cnds()?
        .iter()
        .map(|c| (c.cnpj, CndEmpresa::de(c, hoje)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use guiche_ports::ecac::Acesso;
    use guiche_store::Livro;

    fn data(t: &str) -> Data {
        Data::parse_iso(t).unwrap()
    }

    fn empresa(cnpj: &str, nome: &str) -> Empresa {
        Empresa {
            cnpj: Cnpj::parse(cnpj).unwrap(),
            nome: nome.into(),
            ecac_desde: Some(data("2026-01-01")),
            acesso: Acesso::CertificadoA1,
            certificado_procurador: false,
        }
    }

    fn mensagem(e: &Empresa, isn: &str, enviada: Option<&str>, lida: bool) -> MensagemDte {
        let enviada_em = enviada.map(data);
        MensagemDte {
            cnpj: e.cnpj,
            isn: isn.into(),
            assunto: format!("Assunto {isn}"),
            enviada_em,
            lida,
            prazo: prazo(enviada_em),
        }
    }

    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use guiche_ports::consulta::{
        Certidao, ConsultaCadastral, DadosCnpj, DadosCpf, ErroConsultaCadastral, Etiqueta,
        NivelCnpj, TipoErroConsulta,
    };
    use guiche_ports::ecac::{ErroFonte, SituacaoCnd};
    use guiche_ports::receita::MensagemCaixaPostal;

    /// Both services, counting the calls they served; each fails while `falhar` is set.
    #[derive(Default)]
    struct Servicos {
        cnds: AtomicUsize,
        leituras: AtomicUsize,
        falhar: AtomicBool,
    }

    struct Cnd(Arc<Servicos>);

    #[async_trait::async_trait]
    impl ConsultaCadastral for Cnd {
        async fn cpf(
            &self,
            _: &guiche_domain::Cpf,
            _: &Etiqueta,
        ) -> Result<DadosCpf, ErroConsultaCadastral> {
            unreachable!("the sync asks no CPF")
        }
        async fn cnpj(
            &self,
            _: &Cnpj,
            _: NivelCnpj,
            _: &Etiqueta,
        ) -> Result<DadosCnpj, ErroConsultaCadastral> {
            unreachable!("the sync asks no CNPJ record")
        }
        async fn cnd(
            &self,
            documento: &Documento,
            _: &Etiqueta,
        ) -> Result<Certidao, ErroConsultaCadastral> {
            self.0.cnds.fetch_add(1, Ordering::SeqCst);
            if self.0.falhar.load(Ordering::SeqCst) {
                return Err(ErroConsultaCadastral {
                    tipo: TipoErroConsulta::Transporte,
                    mensagem: "HTTP 504 do gateway".into(),
                });
            }
            Ok(Certidao {
                documento: *documento,
                situacao: SituacaoCnd::Negativa,
                emissao: None,
                validade: Some(DataInformada::Data(data("2027-05-20"))),
                codigo_controle: None,
                mensagem: None,
            })
        }
    }

    struct Caixa(Arc<Servicos>);

    #[async_trait::async_trait]
    impl FonteCaixaPostal for Caixa {
        async fn mensagens(
            &self,
            _: &Documento,
            _: Data,
        ) -> Result<Vec<MensagemCaixaPostal>, ErroFonte> {
            let n = self.0.leituras.fetch_add(1, Ordering::SeqCst);
            if self.0.falhar.load(Ordering::SeqCst) {
                return Err(ErroFonte::Indisponivel("HTTP 503".into()));
            }
            Ok(vec![MensagemCaixaPostal {
                isn: format!("{}", 100 + n),
                assunto: "Intimação".into(),
                enviada_em: Some(data("2026-11-20")),
                lida: false,
                relevante: true,
                origem: "Receita Federal".into(),
            }])
        }
    }

    fn acompanhamento(servicos: &Arc<Servicos>) -> Acompanhamento {
        let cnd = Arc::new(Cnd(servicos.clone()));
        Acompanhamento::new(
            Arc::new(move || {
                Ok(ServicoConsulta::new(
                    cnd.clone(),
                    crate::consulta::Caminho::SerproLoja,
                ))
            }),
            Arc::new(Caixa(servicos.clone())),
        )
    }

    fn chamadas(s: &Servicos) -> (usize, usize) {
        (
            s.cnds.load(Ordering::SeqCst),
            s.leituras.load(Ordering::SeqCst),
        )
    }

    #[tokio::test]
    async fn the_cnd_and_the_mailbox_are_read_once_a_day_and_again_the_next_day() {
        let livro = Livro::em_memoria().unwrap();
        let alfa = empresa("11222333000181", "Alfa");
        let beta = empresa("11444777000161", "Beta");
        livro.salvar_empresa(&alfa).unwrap();
        livro.salvar_empresa(&beta).unwrap();
        let servicos = Arc::new(Servicos::default());
        let a = acompanhamento(&servicos);
        let hoje = data("2026-11-22");

        let primeira = a.acompanhar(&livro, &alfa, hoje).await;
        assert_eq!(primeira.cnd, "Negativa");
        assert_eq!(primeira.caixa_postal, "1 mensagem(ns) nova(s)");
        assert_eq!(chamadas(&servicos), (1, 1));
        assert_eq!(livro.caixa_postal_lida_em(&alfa.cnpj).unwrap(), Some(hoje));

        for _ in 0..2 {
            let de_novo = a.acompanhar(&livro, &alfa, hoje).await;
            assert_eq!(de_novo.cnd, "já consultada hoje (Negativa)");
            assert_eq!(de_novo.caixa_postal, "já lida hoje");
        }
        assert_eq!(chamadas(&servicos), (1, 1), "nothing asked again today");
        assert_eq!(livro.mensagens(Some(&alfa.cnpj)).unwrap().len(), 1);

        // Another company is its own: read today too.
        a.acompanhar(&livro, &beta, hoje).await;
        assert_eq!(chamadas(&servicos), (2, 2));

        let amanha = data("2026-11-23");
        let seguinte = a.acompanhar(&livro, &alfa, amanha).await;
        assert_eq!(seguinte.cnd, "Negativa");
        assert_eq!(seguinte.caixa_postal, "1 mensagem(ns) nova(s)");
        assert_eq!(chamadas(&servicos), (3, 3), "the next day reads again");
        assert_eq!(
            livro.cnd(&alfa.cnpj).unwrap().map(|c| c.consultada_em),
            Some(amanha)
        );
        assert_eq!(
            livro.caixa_postal_lida_em(&alfa.cnpj).unwrap(),
            Some(amanha)
        );
    }

    #[tokio::test]
    async fn a_failed_lookup_or_read_is_not_a_reading_and_is_tried_again_the_same_day() {
        let livro = Livro::em_memoria().unwrap();
        let alfa = empresa("11222333000181", "Alfa");
        livro.salvar_empresa(&alfa).unwrap();
        let servicos = Arc::new(Servicos::default());
        servicos.falhar.store(true, Ordering::SeqCst);
        let a = acompanhamento(&servicos);
        let hoje = data("2026-11-22");

        for vez in 1..=2 {
            let falhou = a.acompanhar(&livro, &alfa, hoje).await;
            assert_eq!(falhou.cnd, "não consultada: HTTP 504 do gateway");
            assert_eq!(falhou.caixa_postal, "não lida: HTTP 503");
            assert_eq!(
                chamadas(&servicos),
                (vez, vez),
                "asked again after a failure"
            );
        }
        let c = livro.cnd(&alfa.cnpj).unwrap().unwrap();
        assert_eq!((c.situacao, c.consultada_em), (None, hoje));
        assert_eq!(livro.caixa_postal_lida_em(&alfa.cnpj).unwrap(), None);

        servicos.falhar.store(false, Ordering::SeqCst);
        let lida = a.acompanhar(&livro, &alfa, hoje).await;
        assert_eq!(lida.cnd, "Negativa");
        assert_eq!(lida.caixa_postal, "1 mensagem(ns) nova(s)");
        assert_eq!(chamadas(&servicos), (3, 3));

        // Read today: the services failing now change nothing, nothing is asked.
        servicos.falhar.store(true, Ordering::SeqCst);
        let reusada = a.acompanhar(&livro, &alfa, hoje).await;
        assert_eq!(reusada.cnd, "já consultada hoje (Negativa)");
        assert_eq!(reusada.caixa_postal, "já lida hoje");
        assert_eq!(chamadas(&servicos), (3, 3));
    }

    #[test]
    fn the_deadline_is_fifteen_days_after_the_message_was_made_available() {
        assert_eq!(prazo(Some(data("2026-12-20"))), Some(data("2027-01-04")));
        assert_eq!(prazo(None), None);
    }

    #[test]
    fn unread_messages_per_company_nearest_deadline_first_past_ones_counted_as_tacit() {
        let livro = Livro::em_memoria().unwrap();
        let alfa = empresa("11222333000181", "Alfa");
        let beta = empresa("11444777000161", "Beta");
        livro.salvar_empresa(&alfa).unwrap();
        livro.salvar_empresa(&beta).unwrap();
        livro
            .registrar_mensagens(&[
                mensagem(&alfa, "1", Some("2026-11-01"), false), // deadline 11-16: tacit
                mensagem(&alfa, "2", Some("2026-11-15"), false), // 11-30: 8 days
                mensagem(&alfa, "3", Some("2026-11-20"), true),  // read
                mensagem(&beta, "4", Some("2026-11-10"), false), // 11-25: 3 days
                mensagem(&beta, "5", None, false),               // unknown
            ])
            .unwrap();
        let hoje = data("2026-11-22");
        let lista = caixa_postal(&livro, None, hoje).unwrap();
        assert_eq!(lista.len(), 2);
        assert_eq!(lista[0].nome, "Beta", "the nearest deadline first");
        assert_eq!(lista[0].menor_prazo, Some(3));
        assert_eq!(lista[0].nao_lidas, 2);
        assert_eq!(lista[0].mensagens[0].isn, "4");
        assert_eq!(lista[0].mensagens[1].dias_restantes, None);
        assert_eq!(lista[1].cnpj, "11.222.333/0001-81");
        assert_eq!((lista[1].nao_lidas, lista[1].ciencia_tacita), (1, 1));
        assert_eq!(lista[1].menor_prazo, Some(8));
        assert_eq!(
            lista[1].mensagens[0].dias_restantes,
            Some(8),
            "running deadlines first"
        );
        assert_eq!(lista[1].mensagens[1].dias_restantes, Some(-6));
        let so_alfa = caixa_postal(&livro, Some(&alfa.cnpj), hoje).unwrap();
        assert_eq!(so_alfa.len(), 1);
        assert_eq!(so_alfa[0].nome, "Alfa");
    }

    #[test]
    fn a_cnd_needs_attention_when_positive_or_expiring() {
        let cnpj = Cnpj::parse("11222333000181").unwrap();
        let hoje = data("2026-11-22");
        let c = |situacao, validade: Option<&str>| {
            CndEmpresa::de(
                &ConsultaCnd {
                    cnpj,
                    situacao,
                    motivo: None,
                    validade: validade.map(data),
                    consultada_em: hoje,
                },
                hoje,
            )
        };
        let negativa = c(
            Some(guiche_ports::ecac::SituacaoCnd::Negativa),
            Some("2027-03-01"),
        );
        assert!(!negativa.requer_atencao(30));
        assert_eq!(negativa.celula(), "Negativa até 01/03/2027");
        let vencendo = c(
            Some(guiche_ports::ecac::SituacaoCnd::Negativa),
            Some("2026-12-01"),
        );
        assert_eq!(vencendo.dias_validade, Some(9));
        assert!(vencendo.requer_atencao(30));
        assert!(c(Some(guiche_ports::ecac::SituacaoCnd::Positiva), None).requer_atencao(30));
        let nao = c(None, None);
        assert_eq!(nao.situacao, "nao-consultada");
        assert!(!nao.requer_atencao(30));
    }
}
