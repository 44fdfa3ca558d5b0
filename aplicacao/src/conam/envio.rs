//! Talking to CONAM with the ledger of packages: send a pacote exactly once and follow it to
//! its evaluation, its status (the service's word recorded), the open period, revenues.
//!
//! Sending (`docs/decisions/0007`):
//! 1. A package the ledger knows is first checked against the service's status: evaluated
//!    (approved or rejected) is reported and never sent again; waiting is replaced by the
//!    resend; unknown to the service is sent again only if the ledger never saw it evaluated;
//!    a status that cannot be learned sends nothing.
//! 2. A closed period sends nothing.
//! 3. The exact document is recorded before it leaves; an evaluated package is refused by
//!    the ledger itself.
//! 4. A refusal of the send is checked against the status too: a refusal of a resend is never
//!    taken for the package's evaluation, and when the status cannot be learned the outcome is
//!    unknown, never a rejection.
//! 5. A package received whose reception the ledger cannot record is still reported (with the
//!    ledger's failure in [`RelatoPacote::livro`]).

use crate::erro::{Classificar, Natureza};
use guiche_domain::conam::Pacote;
use guiche_ports::contabil::{
    ChavePacote, ErroContabil, IntegracaoContabil, LivroPacotes, Receita, RegistroPacote,
    SituacaoPacote,
};
use guiche_ports::livro::ErroLivro;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use utoipa::ToSchema;

/// The CONAM use cases, over the accounting integration and the ledger of packages: cheap to
/// clone, shared across tasks and requests.
#[derive(Clone)]
pub struct Conam {
    /// The accounting system (CONAM's REST API).
    pub contabil: Arc<dyn IntegracaoContabil>,
    /// The ledger of packages sent.
    pub livro: Arc<dyn LivroPacotes>,
    /// The CONAM base URL in use: the ledger keeps each package under it.
    pub servico: String,
    /// Between two status queries while following a package (`GUICHE_CONAM_INTERVALO`).
    pub intervalo: Duration,
    /// How long a package is followed before giving up (`GUICHE_CONAM_ESPERA_MAX`).
    pub espera_max: Duration,
}

/// The CONAM queries that need no ledger: the open period and revenues.
#[derive(Clone)]
pub struct ConsultasConam {
    /// The accounting system (CONAM's REST API).
    pub contabil: Arc<dyn IntegracaoContabil>,
}

impl ConsultasConam {
    /// Whether month `mes` of `ano` is open for `entidade`'s movements.
    ///
    /// # Errors
    /// [`ErroConam::Contabil`].
    pub async fn periodo(&self, entidade: &str, ano: u16, mes: u8) -> Result<Periodo, ErroConam> {
        let aberto = self
            .contabil
            .periodo_aberto(entidade, ano, mes)
            .await
            .map_err(ErroConam::Contabil)?;
        Ok(Periodo {
            entidade: entidade.to_owned(),
            ano,
            mes,
            aberto,
        })
    }

    /// The budget (or, with `extra`, extra-budget) revenues of `entidade` in `ano`.
    ///
    /// # Errors
    /// [`ErroConam::Contabil`].
    pub async fn receitas(
        &self,
        entidade: &str,
        ano: u16,
        extra: bool,
    ) -> Result<Receitas, ErroConam> {
        let lista = if extra {
            self.contabil
                .receitas_extraorcamentarias(entidade, ano)
                .await
        } else {
            self.contabil.receitas_orcamentarias(entidade, ano).await
        }
        .map_err(ErroConam::Contabil)?;
        Ok(Receitas {
            entidade: entidade.to_owned(),
            ano,
            extraorcamentarias: extra,
            receitas: lista.iter().map(receita).collect(),
        })
    }
}

/// Where a package stands, as reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Situacao {
    /// Received, waiting for the accounting team.
    Aguardando,
    /// Approved and booked.
    Aprovado,
    /// Rejected by the accounting team.
    Rejeitado,
}

/// A failure told inside a report (`erro`): its kind and message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErroRelatado {
    /// `ja_avaliado`, `periodo_fechado`, `rejeitado`, `desconhecido`, `autenticacao`, …
    pub tipo: String,
    /// The service's code of a refusal, when it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codigo: Option<String>,
    /// What happened, in Portuguese.
    pub mensagem: String,
}

/// A package's situation as the ledger held it (in a disagreement with the service).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SituacaoRelatada {
    /// `idPacote`.
    pub id_pacote: u64,
    /// Where it stood.
    pub situacao: Situacao,
    /// The rejection's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codigo: Option<String>,
    /// The rejection's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mensagem: Option<String>,
}

/// What a report says of the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LivroRelatado {
    /// The ledger held another evaluation, now corrected by the service's word.
    Anterior(SituacaoRelatada),
    /// The outcome could not be recorded (`registrado` is `false`).
    Registro {
        /// Whether the outcome was recorded.
        registrado: bool,
        /// Why not.
        erro: String,
    },
}

/// The report of a send or a status query: what `guiche conam send|status --json` prints and
/// the API answers. The outcome is a result even when it is a refusal (see [`Self::falha`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RelatoPacote {
    /// `idPacote`.
    pub id_pacote: u64,
    /// Where the package stands, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub situacao: Option<Situacao>,
    /// The rejection's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codigo: Option<String>,
    /// The rejection's message, or the sentence of the outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mensagem: Option<String>,
    /// `false` when the package was already evaluated and nothing was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reenviado: Option<bool>,
    /// Why nothing (more) was done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erro: Option<ErroRelatado>,
    /// The ledger: what it held before (a disagreement), or that it did not record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub livro: Option<LivroRelatado>,
    /// The disagreement between the ledger and the service, in Portuguese.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub divergencia: Option<String>,
    /// The outcome in one sentence (Portuguese), for people.
    #[serde(skip)]
    pub frase: String,
    /// Warnings that do not change the outcome (the ledger could not record the service's
    /// word), for people.
    #[serde(skip)]
    pub avisos: Vec<String>,
    /// `None` when done; otherwise what kind of failure the outcome is: `Recusado` (evaluated
    /// or refused, closed period), `Transporte` (unknown, still waiting), `Livro` (not
    /// recorded), `Configuracao` (credentials refused while learning the status).
    #[serde(skip)]
    pub falha: Option<Natureza>,
}

/// Whether a month is open for movements.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Periodo {
    /// `codEntidade`.
    pub entidade: String,
    /// Year.
    pub ano: u16,
    /// Month.
    pub mes: u8,
    /// Whether movements may still be sent.
    pub aberto: bool,
}

/// One revenue account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceitaRelatada {
    /// Internal code.
    pub codigo: String,
    /// Exercise year.
    pub exercicio: u16,
    /// Accounting account.
    pub codigo_conta: String,
    /// Description.
    pub descricao: String,
    /// The renounced account, for a renounced-revenue account.
    pub codigo_conta_renunciada: Option<String>,
    /// Its description.
    pub descricao_conta_renunciada: Option<String>,
}

/// The revenues of an entity in a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Receitas {
    /// `codEntidade`.
    pub entidade: String,
    /// Year.
    pub ano: u16,
    /// Extra-budget (`true`) or budget revenues.
    pub extraorcamentarias: bool,
    /// The accounts.
    pub receitas: Vec<ReceitaRelatada>,
}

/// Why a CONAM use case gave no report.
#[derive(Debug, thiserror::Error)]
pub enum ErroConam {
    /// The service failed or refused the call (transport, credentials, parameters).
    #[error("{0}")]
    Contabil(
        /// The port's error.
        ErroContabil,
    ),
    /// The ledger failed.
    #[error("{0}")]
    Livro(
        /// The ledger's error.
        ErroLivro,
    ),
    /// The service's base URL is not set.
    #[error("{0}")]
    Configuracao(
        /// What is wrong.
        String,
    ),
}

impl ErroConam {
    /// A stable name of the failure, as `--json` prints it in `erro.tipo`.
    pub fn tipo(&self) -> &'static str {
        match self {
            ErroConam::Contabil(e) => tipo_contabil(e),
            ErroConam::Livro(_) => "livro",
            ErroConam::Configuracao(_) => "configuracao",
        }
    }
}

impl Classificar for ErroConam {
    fn natureza(&self) -> Natureza {
        match self {
            ErroConam::Contabil(e) => natureza_contabil(e),
            ErroConam::Livro(_) => Natureza::Livro,
            ErroConam::Configuracao(_) => Natureza::Configuracao,
        }
    }
}

/// The kind of failure of a call: a refusal is final (exit 1; a package not found included,
/// as the command line always said), refused credentials are the setup's, anything else is
/// transport (the outcome unknown).
fn natureza_contabil(e: &ErroContabil) -> Natureza {
    match e {
        ErroContabil::Rejeitado { .. }
        | ErroContabil::NaoEncontrado
        | ErroContabil::ParametrosInvalidos(_) => Natureza::Recusado,
        ErroContabil::Autenticacao(_) | ErroContabil::AcessoNegado(_) => Natureza::Configuracao,
        _ => Natureza::Transporte,
    }
}

fn tipo_contabil(e: &ErroContabil) -> &'static str {
    match e {
        ErroContabil::Rejeitado { .. } => "rejeitado",
        ErroContabil::NaoEncontrado => "nao_encontrado",
        ErroContabil::Autenticacao(_) => "autenticacao",
        ErroContabil::AcessoNegado(_) => "acesso_negado",
        ErroContabil::ParametrosInvalidos(_) => "parametros_invalidos",
        ErroContabil::NaoEnviado(_) => "nao_enviado",
        ErroContabil::Desconhecido(_) => "desconhecido",
        _ => "protocolo",
    }
}

impl RelatoPacote {
    /// The report of a situation, without anything else.
    fn da_situacao(id: u64, s: &SituacaoPacote) -> RelatoPacote {
        let r = relatada(id, s);
        RelatoPacote {
            id_pacote: id,
            situacao: Some(r.situacao),
            codigo: r.codigo,
            mensagem: r.mensagem,
            reenviado: None,
            erro: None,
            livro: None,
            divergencia: None,
            frase: situacao_frase(id, s),
            avisos: Vec::new(),
            falha: matches!(s, SituacaoPacote::Rejeitado { .. }).then_some(Natureza::Recusado),
        }
    }

    /// A report of nothing done: `erro` of kind `tipo`.
    fn de_erro(id: u64, tipo: &str, mensagem: String, falha: Natureza) -> RelatoPacote {
        RelatoPacote {
            id_pacote: id,
            situacao: None,
            codigo: None,
            mensagem: None,
            reenviado: None,
            erro: Some(ErroRelatado {
                tipo: tipo.to_owned(),
                codigo: None,
                mensagem: mensagem.clone(),
            }),
            livro: None,
            divergencia: None,
            frase: mensagem,
            avisos: Vec::new(),
            falha: Some(falha),
        }
    }
}

fn relatada(id: u64, s: &SituacaoPacote) -> SituacaoRelatada {
    let (situacao, codigo, mensagem) = match s {
        SituacaoPacote::Aguardando => (Situacao::Aguardando, None, None),
        SituacaoPacote::Aprovado => (Situacao::Aprovado, None, None),
        SituacaoPacote::Rejeitado { codigo, mensagem } => (
            Situacao::Rejeitado,
            Some(codigo.clone()),
            Some(mensagem.clone()),
        ),
    };
    SituacaoRelatada {
        id_pacote: id,
        situacao,
        codigo,
        mensagem,
    }
}

/// `pacote N: aguardando…`, `…aprovado…`, `…rejeitado… (código C): M`.
pub fn situacao_frase(id: u64, s: &SituacaoPacote) -> String {
    match s {
        SituacaoPacote::Aguardando => format!("pacote {id}: aguardando avaliação da contabilidade"),
        SituacaoPacote::Aprovado => format!("pacote {id}: aprovado pela contabilidade"),
        SituacaoPacote::Rejeitado { codigo, mensagem } => {
            format!("pacote {id}: rejeitado pela contabilidade (código {codigo}): {mensagem}")
        }
    }
}

/// `aprovado`, `rejeitado (código C: M)`, `aguardando avaliação`.
fn situacao_curta(s: &SituacaoPacote) -> String {
    match s {
        SituacaoPacote::Aguardando => "aguardando avaliação".to_owned(),
        SituacaoPacote::Aprovado => "aprovado".to_owned(),
        SituacaoPacote::Rejeitado { codigo, mensagem } => {
            format!("rejeitado (código {codigo}: {mensagem})")
        }
    }
}

impl Conam {
    /// The queries (period, revenues) over the same service.
    pub fn consultas(&self) -> ConsultasConam {
        ConsultasConam {
            contabil: self.contabil.clone(),
        }
    }

    /// The ledger's key for package `id`.
    fn chave(&self, id: u64) -> Result<ChavePacote, ErroConam> {
        ChavePacote::new(&self.servico, id).map_err(|e| ErroConam::Configuracao(e.to_string()))
    }

    /// Sends a validated pacote exactly once (see the module's steps); with `esperar`, follows
    /// it until evaluated (polling every [`Conam::intervalo`], at most [`Conam::espera_max`]),
    /// calling `a_cada_consulta` before each status query (a progress indicator).
    ///
    /// # Errors
    /// [`ErroConam`] when the ledger fails before anything is sent, or a call fails where no
    /// outcome is at stake (the period check, a status query while following).
    pub async fn enviar(
        &self,
        pacote: &Pacote,
        esperar: bool,
        a_cada_consulta: &(dyn Fn() + Send + Sync),
    ) -> Result<RelatoPacote, ErroConam> {
        let chave = self.chave(pacote.id_pacote())?;
        let id = chave.id_pacote();
        let documento = pacote.para_json();
        if let Some(registro) = self.livro.pacote(&chave).map_err(ErroConam::Livro)?
            && let Some(r) = self
                .antes_de_reenviar(&chave, &registro, &documento)
                .await?
        {
            return Ok(r);
        }
        if let Some(r) = self.periodo_fechado(pacote).await? {
            return Ok(r);
        }
        if let Err(e) = self
            .livro
            .registrar_envio(&chave, pacote.cod_entidade(), &documento)
        {
            return match e {
                // Another process recorded the evaluation between this run's read and this
                // write (several guichês on one database): answer as for a pacote the ledger
                // already saw evaluated — nothing was sent.
                ErroLivro::JaResolvida { .. }
                    if let Some(registro) =
                        self.livro.pacote(&chave).map_err(ErroConam::Livro)?
                        && let Some(s) = registro.situacao.filter(SituacaoPacote::avaliado) =>
                {
                    Ok(self.ja_avaliado(&chave, &s, registro.documento == documento))
                }
                ErroLivro::JaResolvida { de, .. } => Ok(RelatoPacote::de_erro(
                    id,
                    "ja_avaliado",
                    format!(
                        "o pacote {id} já foi {de} pela contabilidade: um pacote avaliado não é reenviado; use outro idPacote"
                    ),
                    Natureza::Recusado,
                )),
                outro => Err(ErroConam::Livro(outro)),
            };
        }
        match self.contabil.enviar_pacote(pacote).await {
            Ok(SituacaoPacote::Aguardando) => {}
            // A reply was lost and the status shows it evaluated: the service refused the resend.
            Ok(avaliado) => return Ok(self.ja_avaliado(&chave, &avaliado, true)),
            Err(ErroContabil::Rejeitado { codigo, mensagem }) => {
                return self.recusado(&chave, codigo, mensagem).await;
            }
            Err(e) => return Err(ErroConam::Contabil(e)),
        }
        let aguardando = SituacaoPacote::Aguardando;
        let recebido =
            format!("pacote {id} recebido pela CONAM; aguardando avaliação da contabilidade");
        if let Err(e) = self.livro.atualizar(&chave, &aguardando) {
            // The service has it: say so anyway. The ledger still holds the send as unknown,
            // and the next send or status query asks the service first.
            let mut r = RelatoPacote::da_situacao(id, &aguardando);
            r.frase = format!(
                "{recebido} — ATENÇÃO: o livro não registrou este resultado ({e}); \
                 `guiche conam status {id}` o registra"
            );
            r.livro = Some(LivroRelatado::Registro {
                registrado: false,
                erro: e.to_string(),
            });
            r.falha = Some(Natureza::Livro);
            return Ok(r);
        }
        if !esperar {
            let mut r = RelatoPacote::da_situacao(id, &aguardando);
            r.frase = recebido;
            return Ok(r);
        }
        self.acompanhar(&chave, a_cada_consulta).await
    }

    /// What the service says of package `id`, recorded in the ledger when the ledger knows
    /// the package (the service's word governs), with any disagreement reported.
    ///
    /// # Errors
    /// [`ErroConam::Contabil`] when the service gives no status (not found, when the ledger
    /// does not know the package either; transport).
    pub async fn situacao(&self, id: u64) -> Result<RelatoPacote, ErroConam> {
        let chave = self.chave(id)?;
        let resposta = self.contabil.situacao(id).await;
        let mut avisos = Vec::new();
        let registro = self.livro.pacote(&chave).unwrap_or_else(|e| {
            avisos.push(format!("o livro não pôde ser lido: {e}"));
            None
        });
        let mut r = match resposta {
            Ok(s) => {
                let antes = match registro {
                    Some(_) => self.conciliar(&chave, &s, &mut avisos).flatten(),
                    None => None,
                };
                conciliado(RelatoPacote::da_situacao(id, &s), antes.as_ref(), &s)
            }
            Err(ErroContabil::NaoEncontrado) if registro.is_some() => {
                let e = ErroContabil::NaoEncontrado;
                let antes = registro.and_then(|r| r.situacao);
                let d = format!(
                    "o livro registra o pacote {id} como {}, mas a CONAM não o encontra",
                    antes.as_ref().map_or(
                        "enviado (resultado desconhecido)".to_owned(),
                        situacao_curta
                    )
                );
                let mut r = RelatoPacote::de_erro(
                    id,
                    tipo_contabil(&e),
                    e.to_string(),
                    natureza_contabil(&e),
                );
                r.frase = format!("CONAM: {e}\natenção: {d}");
                r.livro = antes
                    .as_ref()
                    .map(|a| LivroRelatado::Anterior(relatada(id, a)));
                r.divergencia = Some(d);
                r
            }
            Err(e) => return Err(ErroConam::Contabil(e)),
        };
        r.avisos = avisos;
        Ok(r)
    }

    /// Records what the service's status query said; returns what the ledger held before
    /// (`None` when it could not be recorded: a warning is added, the outcome stands).
    fn conciliar(
        &self,
        chave: &ChavePacote,
        s: &SituacaoPacote,
        avisos: &mut Vec<String>,
    ) -> Option<Option<SituacaoPacote>> {
        match self.livro.conciliar(chave, s) {
            Ok(antes) => Some(antes),
            Err(e) => {
                avisos.push(format!(
                    "a situação do pacote {} não foi registrada no livro: {e}",
                    chave.id_pacote()
                ));
                None
            }
        }
    }

    /// Before sending again a package the ledger knows, asks the service where it stands.
    /// `Some(report)` when nothing must be sent: evaluated, or its status unknown.
    async fn antes_de_reenviar(
        &self,
        chave: &ChavePacote,
        registro: &RegistroPacote,
        documento: &str,
    ) -> Result<Option<RelatoPacote>, ErroConam> {
        let id = chave.id_pacote();
        match self.contabil.situacao(id).await {
            Ok(s) if s.avaliado() => {
                let mesmo = registro.documento == documento;
                Ok(Some(self.ja_avaliado(chave, &s, mesmo)))
            }
            Ok(s) => {
                // Waiting: the resend replaces it. The ledger takes the service's word first.
                // A failure to record it is harmless: the send records it again.
                let _ = self.conciliar(chave, &s, &mut Vec::new());
                Ok(None)
            }
            Err(ErroContabil::NaoEncontrado) => match &registro.situacao {
                Some(s) if s.avaliado() => Ok(Some(RelatoPacote::de_erro(
                    id,
                    "ja_avaliado",
                    format!(
                        "o pacote {id} consta no livro como {} e a CONAM não o encontra: um pacote avaliado não é reenviado; use outro idPacote",
                        situacao_curta(s)
                    ),
                    Natureza::Recusado,
                ))),
                _ => Ok(None), // the earlier send never arrived
            },
            Err(e) => {
                let msg = format!(
                    "não foi possível saber a situação do pacote {id}, já enviado antes, para decidir se pode ser reenviado: {e}; nada foi reenviado"
                );
                Ok(Some(desconhecido(id, &e, msg)))
            }
        }
    }

    /// A package the service already evaluated: the service's word recorded and reported;
    /// nothing was sent. `mesmo`: the pacote is the document the ledger recorded for it (when
    /// not, an approval is of other movements, and these were not sent: a refusal).
    fn ja_avaliado(&self, chave: &ChavePacote, s: &SituacaoPacote, mesmo: bool) -> RelatoPacote {
        let id = chave.id_pacote();
        let mut avisos = Vec::new();
        let antes = self.conciliar(chave, s, &mut avisos).flatten();
        let mut r = RelatoPacote::da_situacao(id, s);
        r.reenviado = Some(false);
        let (frase, falha) = match s {
            SituacaoPacote::Aprovado if mesmo => (
                format!("pacote {id}: já aprovado pela contabilidade antes; nada foi reenviado"),
                None,
            ),
            SituacaoPacote::Aprovado => {
                let frase = format!(
                    "pacote {id}: já aprovado pela contabilidade com outro conteúdo; nada foi reenviado: para estes movimentos use outro idPacote"
                );
                r.erro = Some(ErroRelatado {
                    tipo: "ja_avaliado".into(),
                    codigo: None,
                    mensagem: frase.clone(),
                });
                (frase, Some(Natureza::Recusado))
            }
            SituacaoPacote::Rejeitado { codigo, mensagem } => (
                format!(
                    "pacote {id}: já rejeitado pela contabilidade antes (código {codigo}): {mensagem}; nada foi reenviado: corrija o pacote e envie-o com outro idPacote"
                ),
                Some(Natureza::Recusado),
            ),
            SituacaoPacote::Aguardando => (situacao_frase(id, s), None), // not evaluated
        };
        r.mensagem = Some(frase.clone());
        r.frase = frase;
        r.falha = falha;
        r.avisos = avisos;
        conciliado(r, antes.as_ref(), s)
    }

    /// A send refused with `{codigo, mensagem}`: a rejection on receipt, or the refusal of a
    /// resend of a package evaluated before. The status tells which; when it cannot be
    /// learned, the outcome is unknown, never a rejection.
    async fn recusado(
        &self,
        chave: &ChavePacote,
        codigo: String,
        mensagem: String,
    ) -> Result<RelatoPacote, ErroConam> {
        let id = chave.id_pacote();
        match self.contabil.situacao(id).await {
            Ok(s) if s.avaliado() => Ok(self.ja_avaliado(chave, &s, true)),
            Err(ErroContabil::NaoEncontrado) => {
                let s = SituacaoPacote::Rejeitado { codigo, mensagem };
                self.livro.atualizar(chave, &s).map_err(ErroConam::Livro)?;
                let mut r = RelatoPacote::da_situacao(id, &s);
                r.frase = format!(
                    "pacote {id} recusado no recebimento: {}",
                    situacao_frase(id, &s)
                );
                Ok(r)
            }
            Ok(s) => {
                let mut avisos = Vec::new();
                let _ = self.conciliar(chave, &s, &mut avisos);
                let mut r = RelatoPacote::da_situacao(id, &s);
                r.frase = format!(
                    "o reenvio do pacote {id} foi recusado no recebimento (código {codigo}): {mensagem}; a versão recebida antes continua aguardando avaliação"
                );
                r.erro = Some(ErroRelatado {
                    tipo: "rejeitado".into(),
                    codigo: Some(codigo),
                    mensagem,
                });
                r.avisos = avisos;
                r.falha = Some(Natureza::Recusado);
                Ok(r)
            }
            Err(e) => {
                let msg = format!(
                    "a CONAM recusou o envio do pacote {id} (código {codigo}: {mensagem}), mas a consulta da sua situação falhou ({e}): não se sabe se é a avaliação de um envio anterior ou a recusa deste; consulte com `guiche conam status {id}`"
                );
                Ok(desconhecido(id, &e, msg))
            }
        }
    }

    /// Checks the period of `dataMovimento`; `Some(report)` when nothing must be sent.
    async fn periodo_fechado(&self, p: &Pacote) -> Result<Option<RelatoPacote>, ErroConam> {
        let d = p.data_movimento();
        let aberto = self
            .contabil
            .periodo_aberto(p.cod_entidade(), d.ano(), d.mes())
            .await
            .map_err(ErroConam::Contabil)?;
        if aberto {
            return Ok(None);
        }
        let msg = format!(
            "o período {:02}/{} está fechado na contabilidade da entidade {}: nada foi enviado",
            d.mes(),
            d.ano(),
            p.cod_entidade()
        );
        Ok(Some(RelatoPacote::de_erro(
            p.id_pacote(),
            "periodo_fechado",
            msg,
            Natureza::Recusado,
        )))
    }

    /// Follows the status until evaluated, at most [`Conam::espera_max`].
    async fn acompanhar(
        &self,
        chave: &ChavePacote,
        a_cada_consulta: &(dyn Fn() + Send + Sync),
    ) -> Result<RelatoPacote, ErroConam> {
        let id = chave.id_pacote();
        let inicio = Instant::now();
        loop {
            a_cada_consulta();
            let s = self
                .contabil
                .situacao(id)
                .await
                .map_err(ErroConam::Contabil)?;
            if s != SituacaoPacote::Aguardando {
                let mut avisos = Vec::new();
                let _ = self.conciliar(chave, &s, &mut avisos);
                let mut r = RelatoPacote::da_situacao(id, &s);
                r.avisos = avisos;
                return Ok(r);
            }
            if inicio.elapsed() >= self.espera_max {
                let msg = format!(
                    "pacote {id} ainda aguardando avaliação após {} s; consulte depois com `guiche conam status {id}`",
                    self.espera_max.as_secs()
                );
                let mut r = RelatoPacote::da_situacao(id, &s);
                r.mensagem = Some(msg.clone());
                r.frase = msg;
                r.falha = Some(Natureza::Transporte);
                return Ok(r);
            }
            tokio::time::sleep(self.intervalo).await;
        }
    }
}

/// `r`, with the ledger's earlier evaluation (`antes`, now corrected) when the service
/// contradicts it.
fn conciliado(
    mut r: RelatoPacote,
    antes: Option<&SituacaoPacote>,
    agora: &SituacaoPacote,
) -> RelatoPacote {
    let Some(antes) = antes.filter(|a| a.avaliado() && *a != agora) else {
        return r;
    };
    let id = r.id_pacote;
    let d = format!(
        "o livro registrava o pacote {id} como {}, mas a CONAM diz {}: o livro foi corrigido",
        situacao_curta(antes),
        situacao_curta(agora)
    );
    r.livro = Some(LivroRelatado::Anterior(relatada(id, antes)));
    r.frase = format!("{}\natenção: {d}", r.frase);
    r.divergencia = Some(d);
    r
}

/// An outcome left unknown because the status query failed with `e`: transport (the setup's
/// failure when the credentials or access were refused).
fn desconhecido(id: u64, e: &ErroContabil, msg: String) -> RelatoPacote {
    let (tipo, falha) = match natureza_contabil(e) {
        Natureza::Configuracao => (tipo_contabil(e), Natureza::Configuracao),
        _ => ("desconhecido", Natureza::Transporte),
    };
    let mut r = RelatoPacote::de_erro(id, tipo, msg, falha);
    r.frase = format!("CONAM: {}", r.frase);
    r
}

fn receita(r: &Receita) -> ReceitaRelatada {
    ReceitaRelatada {
        codigo: r.codigo.clone(),
        exercicio: r.exercicio,
        codigo_conta: r.codigo_conta.clone(),
        descricao: r.descricao.clone(),
        codigo_conta_renunciada: r.conta_renunciada.as_ref().map(|(c, _)| c.clone()),
        descricao_conta_renunciada: r.conta_renunciada.as_ref().map(|(_, d)| d.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guiche_domain::conam::{PacoteBruto, Tabela2};
    use guiche_store::Livro;
    use mockall::mock;

    mock! {
        Contabil {}
        #[async_trait::async_trait]
        impl IntegracaoContabil for Contabil {
            async fn receitas_orcamentarias(&self, entidade: &str, ano: u16) -> Result<Vec<Receita>, ErroContabil>;
            async fn receitas_extraorcamentarias(&self, entidade: &str, ano: u16) -> Result<Vec<Receita>, ErroContabil>;
            async fn periodo_aberto(&self, entidade: &str, ano: u16, mes: u8) -> Result<bool, ErroContabil>;
            async fn enviar_pacote(&self, pacote: &Pacote) -> Result<SituacaoPacote, ErroContabil>;
            async fn situacao(&self, id_pacote: u64) -> Result<SituacaoPacote, ErroContabil>;
        }
    }

    const PACOTE: &str = include_str!("../../../domain/tests/vetores/conam-manual-1.json");
    const URL: &str = "https://conam.exemplo/cidade";

    fn pacote() -> Pacote {
        PacoteBruto::de_json(PACOTE)
            .and_then(|b| b.validar(Tabela2::oficial()))
            .unwrap()
    }

    fn conam(m: MockContabil, livro: &Arc<Livro>) -> Conam {
        Conam {
            contabil: Arc::new(m),
            livro: livro.clone(),
            servico: URL.into(),
            intervalo: Duration::from_secs(1),
            espera_max: Duration::from_secs(3),
        }
    }

    fn chave() -> ChavePacote {
        ChavePacote::new(URL, pacote().id_pacote()).unwrap()
    }

    fn aberto(m: &mut MockContabil) {
        m.expect_periodo_aberto().returning(|_, _, _| Ok(true));
    }

    fn rejeitado() -> SituacaoPacote {
        SituacaoPacote::Rejeitado {
            codigo: "7".into(),
            mensagem: "conta inexistente".into(),
        }
    }

    async fn enviar(c: &Conam, esperar: bool) -> RelatoPacote {
        c.enviar(&pacote(), esperar, &|| {}).await.unwrap()
    }

    #[tokio::test]
    async fn a_closed_period_sends_nothing() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = MockContabil::new();
        m.expect_periodo_aberto().returning(|_, _, _| Ok(false));
        m.expect_enviar_pacote().times(0);
        let r = enviar(&conam(m, &livro), false).await;
        assert_eq!(
            r.erro.as_ref().map(|e| e.tipo.as_str()),
            Some("periodo_fechado")
        );
        assert_eq!(r.falha, Some(Natureza::Recusado));
        assert!(r.frase.contains("07/2022"), "{}", r.frase);
        assert!(livro.pacote(&chave()).unwrap().is_none(), "nada registrado");
    }

    /// Another guichê process on the same database sends the pacote and records its approval
    /// between this run's ledger read and its own record of the send (seen with four processes
    /// on PostgreSQL): this run answers "already approved", as if it had read it, and sends
    /// nothing.
    #[tokio::test]
    async fn an_approval_recorded_by_another_process_meanwhile_is_reported_not_refused() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let outro = livro.clone();
        let mut m = MockContabil::new();
        // The period check runs after this run read the ledger and before it records the send:
        // the other process's whole send and approval land there.
        m.expect_periodo_aberto().returning(move |_, _, _| {
            outro
                .registrar_envio(&chave(), "1", &pacote().para_json())
                .unwrap();
            outro
                .atualizar(&chave(), &SituacaoPacote::Aprovado)
                .unwrap();
            Ok(true)
        });
        m.expect_enviar_pacote().times(0);
        m.expect_situacao().times(0);
        let r = enviar(&conam(m, &livro), false).await;
        assert_eq!(
            (r.situacao, r.reenviado, r.falha),
            (Some(Situacao::Aprovado), Some(false), None),
            "{}",
            r.frase
        );
        assert!(r.frase.contains("já aprovado"), "{}", r.frase);
    }

    #[tokio::test]
    async fn a_send_received_is_recorded_waiting() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = MockContabil::new();
        aberto(&mut m);
        m.expect_situacao().times(0);
        m.expect_enviar_pacote()
            .times(1)
            .returning(|_| Ok(SituacaoPacote::Aguardando));
        let r = enviar(&conam(m, &livro), false).await;
        assert_eq!((r.situacao, r.falha), (Some(Situacao::Aguardando), None));
        let registro = livro.pacote(&chave()).unwrap().unwrap();
        assert_eq!(registro.situacao, Some(SituacaoPacote::Aguardando));
        assert_eq!(registro.documento, pacote().para_json());
    }

    #[tokio::test]
    async fn after_an_unknown_outcome_the_service_is_asked_first_then_the_pacote_resent() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        // An earlier send whose reply never came: recorded, outcome unknown.
        livro
            .registrar_envio(&chave(), "1", &pacote().para_json())
            .unwrap();
        let mut m = MockContabil::new();
        aberto(&mut m);
        m.expect_situacao()
            .times(1)
            .returning(|_| Err(ErroContabil::NaoEncontrado));
        m.expect_enviar_pacote()
            .times(1)
            .returning(|_| Ok(SituacaoPacote::Aguardando));
        let r = enviar(&conam(m, &livro), false).await;
        assert_eq!((r.situacao, r.falha), (Some(Situacao::Aguardando), None));
        assert_eq!(
            livro.pacote(&chave()).unwrap().unwrap().situacao,
            Some(SituacaoPacote::Aguardando)
        );
    }

    #[tokio::test]
    async fn a_status_that_cannot_be_learned_resends_nothing() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        livro
            .registrar_envio(&chave(), "1", &pacote().para_json())
            .unwrap();
        let mut m = MockContabil::new();
        m.expect_situacao()
            .returning(|_| Err(ErroContabil::Desconhecido("tempo esgotado".into())));
        m.expect_periodo_aberto().times(0);
        m.expect_enviar_pacote().times(0);
        let r = enviar(&conam(m, &livro), false).await;
        assert_eq!(
            r.erro.as_ref().map(|e| e.tipo.as_str()),
            Some("desconhecido")
        );
        assert_eq!(r.falha, Some(Natureza::Transporte));
    }

    #[tokio::test]
    async fn an_evaluated_pacote_is_reported_and_never_sent_again() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        livro
            .registrar_envio(&chave(), "1", &pacote().para_json())
            .unwrap();
        let mut m = MockContabil::new();
        m.expect_situacao()
            .returning(|_| Ok(SituacaoPacote::Aprovado));
        m.expect_enviar_pacote().times(0);
        let r = enviar(&conam(m, &livro), false).await;
        assert_eq!(
            (r.situacao, r.reenviado, r.falha),
            (Some(Situacao::Aprovado), Some(false), None)
        );
        assert_eq!(
            livro.pacote(&chave()).unwrap().unwrap().situacao,
            Some(SituacaoPacote::Aprovado),
            "a palavra da CONAM registrada"
        );
        // Approved with other movements: these were not sent.
        let outro = ChavePacote::new("https://conam.exemplo/outra", 1).unwrap();
        livro.registrar_envio(&outro, "1", "{}").unwrap();
        let mut m = MockContabil::new();
        m.expect_situacao()
            .returning(|_| Ok(SituacaoPacote::Aprovado));
        m.expect_enviar_pacote().times(0);
        let mut c = conam(m, &livro);
        c.servico = "https://conam.exemplo/outra".into();
        let r = enviar(&c, false).await;
        assert_eq!(
            r.erro.as_ref().map(|e| e.tipo.as_str()),
            Some("ja_avaliado")
        );
        assert_eq!(r.falha, Some(Natureza::Recusado));
    }

    #[tokio::test]
    async fn an_evaluation_the_ledger_knows_is_kept_when_the_service_forgot_the_pacote() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        livro
            .registrar_envio(&chave(), "1", &pacote().para_json())
            .unwrap();
        livro.atualizar(&chave(), &rejeitado()).unwrap();
        let mut m = MockContabil::new();
        m.expect_situacao()
            .returning(|_| Err(ErroContabil::NaoEncontrado));
        m.expect_enviar_pacote().times(0);
        let r = enviar(&conam(m, &livro), false).await;
        assert_eq!(
            r.erro.as_ref().map(|e| e.tipo.as_str()),
            Some("ja_avaliado")
        );
        assert_eq!(r.falha, Some(Natureza::Recusado));
    }

    #[tokio::test]
    async fn a_refusal_on_receipt_is_a_rejection_recorded() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = MockContabil::new();
        aberto(&mut m);
        m.expect_enviar_pacote().times(1).returning(|_| {
            Err(ErroContabil::Rejeitado {
                codigo: "7".into(),
                mensagem: "conta inexistente".into(),
            })
        });
        m.expect_situacao()
            .returning(|_| Err(ErroContabil::NaoEncontrado));
        let r = enviar(&conam(m, &livro), false).await;
        assert_eq!(
            (r.situacao, r.codigo.as_deref(), r.falha),
            (
                Some(Situacao::Rejeitado),
                Some("7"),
                Some(Natureza::Recusado)
            )
        );
        assert_eq!(
            livro.pacote(&chave()).unwrap().unwrap().situacao,
            Some(rejeitado())
        );
    }

    #[tokio::test]
    async fn a_refused_resend_of_a_waiting_pacote_keeps_the_version_received() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = MockContabil::new();
        aberto(&mut m);
        m.expect_enviar_pacote().times(1).returning(|_| {
            Err(ErroContabil::Rejeitado {
                codigo: "9".into(),
                mensagem: "movimento repetido".into(),
            })
        });
        m.expect_situacao()
            .returning(|_| Ok(SituacaoPacote::Aguardando));
        let r = enviar(&conam(m, &livro), false).await;
        assert_eq!(r.situacao, Some(Situacao::Aguardando));
        let erro = r.erro.unwrap();
        assert_eq!(
            (erro.tipo.as_str(), erro.codigo.as_deref()),
            ("rejeitado", Some("9"))
        );
        assert_eq!(r.falha, Some(Natureza::Recusado));
    }

    #[tokio::test]
    async fn a_refusal_whose_status_cannot_be_learned_is_unknown_never_a_rejection() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = MockContabil::new();
        aberto(&mut m);
        m.expect_enviar_pacote().returning(|_| {
            Err(ErroContabil::Rejeitado {
                codigo: "7".into(),
                mensagem: "x".into(),
            })
        });
        m.expect_situacao()
            .returning(|_| Err(ErroContabil::Autenticacao("token recusado".into())));
        let r = enviar(&conam(m, &livro), false).await;
        assert_eq!(
            r.erro.as_ref().map(|e| e.tipo.as_str()),
            Some("autenticacao")
        );
        assert_eq!(r.falha, Some(Natureza::Configuracao));
        assert_eq!(
            livro.pacote(&chave()).unwrap().unwrap().situacao,
            None,
            "o livro continua sem saber"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn following_stops_at_the_evaluation_or_after_the_longest_wait() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = MockContabil::new();
        aberto(&mut m);
        m.expect_enviar_pacote()
            .returning(|_| Ok(SituacaoPacote::Aguardando));
        let mut vezes = 0;
        m.expect_situacao().returning(move |_| {
            vezes += 1;
            Ok(if vezes < 3 {
                SituacaoPacote::Aguardando
            } else {
                rejeitado()
            })
        });
        let consultas = std::sync::atomic::AtomicUsize::new(0);
        let c = conam(m, &livro);
        let r = c
            .enviar(&pacote(), true, &|| {
                consultas.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            })
            .await
            .unwrap();
        assert_eq!(
            (r.situacao, r.falha),
            (Some(Situacao::Rejeitado), Some(Natureza::Recusado))
        );
        assert_eq!(consultas.load(std::sync::atomic::Ordering::Relaxed), 3);
        assert_eq!(
            livro.pacote(&chave()).unwrap().unwrap().situacao,
            Some(rejeitado())
        );

        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = MockContabil::new();
        aberto(&mut m);
        m.expect_enviar_pacote()
            .returning(|_| Ok(SituacaoPacote::Aguardando));
        m.expect_situacao()
            .returning(|_| Ok(SituacaoPacote::Aguardando));
        let r = enviar(&conam(m, &livro), true).await;
        assert_eq!(
            (r.situacao, r.falha),
            (Some(Situacao::Aguardando), Some(Natureza::Transporte))
        );
        assert!(r.mensagem.unwrap().contains("após 3 s"));
    }

    #[tokio::test]
    async fn the_status_corrects_the_ledger_and_says_so() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        livro
            .registrar_envio(&chave(), "1", &pacote().para_json())
            .unwrap();
        livro.atualizar(&chave(), &rejeitado()).unwrap();
        let mut m = MockContabil::new();
        m.expect_situacao()
            .returning(|_| Ok(SituacaoPacote::Aprovado));
        let r = conam(m, &livro)
            .situacao(pacote().id_pacote())
            .await
            .unwrap();
        assert_eq!(r.situacao, Some(Situacao::Aprovado));
        assert!(matches!(
            r.livro,
            Some(LivroRelatado::Anterior(SituacaoRelatada {
                situacao: Situacao::Rejeitado,
                ..
            }))
        ));
        assert!(r.divergencia.is_some());
        let v = serde_json_valor(&r);
        assert_eq!(
            v,
            r#"{"idPacote":1,"situacao":"aprovado","livro":{"idPacote":1,"situacao":"rejeitado","codigo":"7","mensagem":"conta inexistente"},"divergencia":"o livro registrava o pacote 1 como rejeitado (código 7: conta inexistente), mas a CONAM diz aprovado: o livro foi corrigido"}"#
        );
    }

    /// The JSON of a report, as the CLI prints it (compact).
    fn serde_json_valor(r: &RelatoPacote) -> String {
        serde_json::to_string(r).unwrap()
    }
}
