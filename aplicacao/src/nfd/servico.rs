//! The NFD service: issue one nota, a batch of notas, and record a person's decision — over
//! the ledger, the clock and one issuer per provider ([`Emissores`]).
//!
//! A batch groups its notas by sequence (provider × municipality) and issues each sequence in
//! order, several sequences at a time; a nota whose outcome stays unknown (or that did not
//! leave, or whose sequence another process held too long) is tried again after each wait of
//! [`ESPERAS_NO_LOTE`], each attempt first settling the pending nota; a sequence that cannot
//! go on stops, and its later notas are reported not tried.

use crate::erro::{Classificar, Natureza};
use crate::nfd::EmissorNfd;
use crate::nfd::emissao::{Decisao, Desfecho, Emissao, ErroEmissao};
use crate::nfd::validacao::ler_nota;
use guiche_domain::nfd::Prefeitura;
use guiche_domain::{Documento, Violacoes};
use guiche_ports::Relogio;
use guiche_ports::livro::{ErroLivro, LivroNotas, Sequencia};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use utoipa::ToSchema;

/// How many times a batch sends a nota whose outcome stays unknown (or that did not leave, or
/// whose sequence another process held too long) before it stops that sequence, and the waits
/// in between: each new attempt first settles the pending nota by sending it again.
pub const ESPERAS_NO_LOTE: [Duration; 4] = [
    Duration::from_millis(250),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];

/// The issuer of each provider (its client holds the provider's password): built by the
/// composition root from configuration.
pub trait Emissores: Send + Sync {
    /// The issuer for `prestador`'s notas in `prefeitura`.
    ///
    /// # Errors
    /// A sentence saying what setting is missing or wrong (no provider serves the
    /// municipality, no password).
    fn emissor(
        &self,
        prefeitura: &Prefeitura,
        prestador: &Documento,
    ) -> Result<Arc<dyn EmissorNfd>, String>;

    /// Whether every call of [`Emissores::emissor`] builds an issuer of its own, sharing no
    /// connection with another: then a batch runs each sequence on a thread of its own, with a
    /// current-thread runtime that drives both the sequence and its issuer's connection (no
    /// hand-off between threads per request). `false` (the default) when an issuer may be
    /// shared, and so tied to the caller's runtime: the sequences run as tasks there.
    fn um_por_chamada(&self) -> bool {
        false
    }
}

/// The NFD use cases that talk to the service or the ledger: cheap to clone, shared across
/// tasks and requests.
#[derive(Clone)]
pub struct Nfd {
    /// The ledger of notas.
    pub livro: Arc<dyn LivroNotas>,
    /// The issuer of each provider.
    pub emissores: Arc<dyn Emissores>,
    /// Today in Brasília.
    pub relogio: Arc<dyn Relogio>,
    /// How long to wait for a sequence another process is working on.
    pub espera_vez: Duration,
}

/// One nota to issue.
#[derive(Clone, Debug)]
pub struct PedidoNota {
    /// Where it came from (the file name as given), for the report.
    pub arquivo: String,
    /// The municipality.
    pub prefeitura: &'static Prefeitura,
    /// The provider.
    pub prestador: Documento,
    /// The file's bytes, or why it could not be read (reported for this nota alone).
    pub conteudo: Result<Arc<[u8]>, String>,
}

/// The options of an issuing request.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpcoesEmissao {
    /// Ask for the print URL instead of the authenticity code.
    pub url_impressao: bool,
    /// Issue a new nota even if one with the same content was issued (`--nova`).
    pub nova: bool,
}

/// What happened to one nota.
#[derive(Clone, Debug)]
pub enum Resultado {
    /// The service's outcome (or the ledger's knowledge), recorded.
    Desfecho(Desfecho),
    /// The outcome is known but the ledger did not record it: shown anyway.
    NaoRegistrado {
        /// The outcome.
        desfecho: Desfecho,
        /// Why the ledger did not record it.
        erro: String,
    },
    /// The nota breaks rules; nothing was sent.
    Invalida(Violacoes),
    /// It could not be tried (file unreadable, ledger refused, sequence busy or blocked).
    Erro {
        /// What happened.
        mensagem: String,
        /// What kind of failure.
        natureza: Natureza,
        /// A healthy race or a passing failure: trying again may succeed.
        repetir: bool,
    },
    /// Not tried: an earlier nota of its sequence stopped the sequence.
    NaoTentada(String),
}

impl Resultado {
    /// The failure this outcome is for the nota alone (`nfd send`), `None` when issued: a nota
    /// already issued is refused locally.
    pub fn falha(&self) -> Option<Natureza> {
        match self {
            Resultado::Desfecho(Desfecho::Emitida { .. }) => None,
            Resultado::Desfecho(
                Desfecho::JaEmitida { .. }
                | Desfecho::Recusada { .. }
                | Desfecho::NumeroOcupado { .. },
            ) => Some(Natureza::Recusado),
            Resultado::Invalida(_) => Some(Natureza::Invalido),
            Resultado::Desfecho(
                Desfecho::Desconhecida { .. }
                | Desfecho::NaoEnviada { .. }
                | Desfecho::ReenvioRecusado { .. },
            )
            | Resultado::NaoTentada(_) => Some(Natureza::Transporte),
            Resultado::NaoRegistrado { .. } => Some(Natureza::Livro),
            Resultado::Erro { natureza, .. } => Some(*natureza),
        }
    }

    /// The failure within a batch: a nota found already issued is what resuming a batch is
    /// for, so it counts as done.
    pub fn falha_no_lote(&self) -> Option<Natureza> {
        match self {
            Resultado::Desfecho(Desfecho::JaEmitida { .. }) => None,
            outro => outro.falha(),
        }
    }

    /// Whether trying the same nota again soon may settle it.
    fn vale_tentar_de_novo(&self) -> bool {
        match self {
            Resultado::Desfecho(d) => d.pendente(),
            Resultado::Erro { repetir, .. } => *repetir,
            _ => false,
        }
    }

    /// Whether the sequence cannot go on after this nota: its outcome is unknown, or the
    /// ledger or the setup failed.
    fn bloqueia(&self) -> bool {
        !matches!(self, Resultado::Invalida(_))
            && matches!(
                self.falha(),
                Some(
                    Natureza::Transporte
                        | Natureza::Conflito
                        | Natureza::Livro
                        | Natureza::Pedido
                        | Natureza::Configuracao
                        | Natureza::NaoEncontrado
                )
            )
    }
}

/// One violation, as reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ViolacaoRelatada {
    /// The field (tag or JSON path).
    pub campo: String,
    /// The rule's stable code.
    pub regra: String,
    /// What is wrong, in Portuguese.
    pub mensagem: String,
    /// The offending value.
    pub valor: String,
}

/// What the ledger says of a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct LivroNota {
    /// Whether the outcome was recorded.
    pub registrado: bool,
    /// Why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erro: Option<String>,
}

/// The report of one nota: what `guiche nfd send --json` prints (and each of `notas` in a
/// batch).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RelatoNota {
    /// The file, as given.
    pub arquivo: String,
    /// The municipality's code.
    pub prefeitura: String,
    /// The provider, bare digits.
    pub prestador: String,
    /// `emitida`, `ja_emitida`, `recusada`, `numero_ocupado`, `desconhecida`,
    /// `reenvio_recusado`, `nao_enviada`, `invalida`, `erro`, `nao_tentada`.
    pub estado: &'static str,
    /// `NUMERO_NOTA`, when one was reserved.
    pub numero: Option<u64>,
    /// The authenticity code (or print URL).
    pub codigo: Option<String>,
    /// The outcome in one sentence.
    pub mensagem: String,
    /// Whether the ledger recorded the outcome (`null` when nothing was sent).
    pub livro: Option<LivroNota>,
    /// Every violation, for an invalid nota.
    pub violacoes: Vec<ViolacaoRelatada>,
    /// The outcome, typed.
    #[serde(skip)]
    pub resultado: Resultado,
}

/// The report of a batch: `{"notas": […]}`, in the order given.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RelatoLote {
    /// One report per nota.
    pub notas: Vec<RelatoNota>,
}

/// The report of a person's decision: what `guiche nfd resolve --json` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RelatoDecisao {
    /// The municipality's code.
    pub prefeitura: String,
    /// The provider, bare digits.
    pub prestador: String,
    /// `NUMERO_NOTA`.
    pub numero: u64,
    /// The state recorded (`aceita`, `recusada`), `null` when nothing was.
    pub estado: Option<&'static str>,
    /// Who decided, when recorded.
    pub decidido_por: Option<String>,
    /// What was recorded, or why not.
    pub mensagem: String,
}

/// A nota as the ledger holds it, for a person reading the ledger (the web desk).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct NotaNoLivro {
    /// `NUMERO_NOTA`.
    pub numero: u64,
    /// `DATA_EMISSAO`, `DD/MM/AAAA`.
    pub data: String,
    /// `reservada`, `enviada`, `aceita`, `desconhecida`, `externa`.
    pub estado: &'static str,
    /// The authenticity code (or print URL) of an accepted nota; the service's message or the
    /// reason of any other state.
    pub detalhe: Option<String>,
    /// Who settled it by hand, if a person did.
    pub decidido_por: Option<String>,
    /// Only a person can settle it now (`guiche nfd resolve`): it may have left and the service
    /// never told its outcome.
    pub espera_decisao: bool,
}

impl NotaNoLivro {
    fn de(r: guiche_ports::livro::Registro) -> NotaNoLivro {
        use guiche_ports::livro::Estado;
        let detalhe = match &r.estado {
            Estado::Aceita { codigo } => codigo.clone(),
            Estado::Recusada { mensagem } | Estado::Externa { mensagem } => Some(mensagem.clone()),
            Estado::Desconhecida { motivo } => Some(motivo.clone()),
            Estado::Reservada | Estado::Enviada => None,
        };
        NotaNoLivro {
            numero: r.numero,
            data: r.data.to_string(),
            estado: r.estado.nome(),
            detalhe,
            decidido_por: r.decisao.map(|d| d.por),
            espera_decisao: matches!(r.estado, Estado::Enviada | Estado::Desconhecida { .. }),
        }
    }
}

/// The most notas [`Nfd::notas`] reads at once.
pub const MAXIMO_NOTAS_LIDAS: u64 = 200;

/// Why a batch could not start.
#[derive(Debug, thiserror::Error)]
pub enum ErroNfd {
    /// A provider's issuer cannot be built (no provider for the municipality, no password).
    #[error("{0}")]
    Configuracao(
        /// What is missing or wrong.
        String,
    ),
}

impl Classificar for ErroNfd {
    fn natureza(&self) -> Natureza {
        Natureza::Configuracao
    }
}

impl Classificar for ErroEmissao {
    fn natureza(&self) -> Natureza {
        match self {
            ErroEmissao::Invalida(_) => Natureza::Invalido,
            ErroEmissao::Bloqueada { .. } | ErroEmissao::Ocupada { .. } => Natureza::Conflito,
            // Refused as the command line always refused them (exit 1): no nota with that
            // number, no decision to take, a number or date the sequence does not allow.
            ErroEmissao::SemNota(_)
            | ErroEmissao::Livro(
                ErroLivro::SemDecisao { .. }
                | ErroLivro::ForaDeSequencia { .. }
                | ErroLivro::Pendente { .. }
                | ErroLivro::DataAnterior { .. },
            ) => Natureza::Recusado,
            ErroEmissao::NaoRegistrado { .. } | ErroEmissao::Livro(_) => Natureza::Livro,
        }
    }

    fn violacoes(&self) -> &[guiche_domain::Violacao] {
        match self {
            ErroEmissao::Invalida(v) => &v.0,
            _ => &[],
        }
    }
}

impl Nfd {
    /// The issuing use case for one provider's issuer.
    fn emissao(&self, emissor: Arc<dyn EmissorNfd>, opcoes: OpcoesEmissao) -> Emissao {
        Emissao {
            livro: self.livro.clone(),
            emissor,
            relogio: self.relogio.clone(),
            url_impressao: opcoes.url_impressao,
            espera_vez: self.espera_vez,
        }
    }

    /// Issues one nota exactly once ([`Emissao::emitir`]).
    ///
    /// # Errors
    /// [`ErroNfd::Configuracao`] when the provider's issuer cannot be built; every other
    /// failure is the nota's report.
    pub async fn enviar(
        &self,
        pedido: PedidoNota,
        opcoes: OpcoesEmissao,
    ) -> Result<RelatoNota, ErroNfd> {
        let emissor = self
            .emissores
            .emissor(pedido.prefeitura, &pedido.prestador)
            .map_err(ErroNfd::Configuracao)?;
        let emissao = self.emissao(emissor, opcoes);
        let resultado = emitir(&emissao, &pedido, opcoes.nova).await;
        Ok(relato(&pedido, resultado))
    }

    /// Issues a batch: each sequence in order, up to `concorrencia` sequences at a time;
    /// `progresso` is called once per nota done. The reports come back in the order given.
    ///
    /// # Errors
    /// [`ErroNfd::Configuracao`] when a provider's issuer cannot be built (nothing is sent).
    pub async fn lote(
        &self,
        pedidos: Vec<PedidoNota>,
        concorrencia: u16,
        opcoes: OpcoesEmissao,
        progresso: Arc<dyn Fn() + Send + Sync>,
    ) -> Result<RelatoLote, ErroNfd> {
        let total = pedidos.len();
        let grupos = agrupar(&pedidos);
        let mut pedidos: Vec<Option<PedidoNota>> = pedidos.into_iter().map(Some).collect();
        let semaforo = Arc::new(tokio::sync::Semaphore::new(usize::from(
            concorrencia.max(1),
        )));
        let mut trabalhos = Vec::with_capacity(grupos.len());
        for grupo in grupos {
            let grupo: Vec<(usize, PedidoNota)> = grupo
                .into_iter()
                .filter_map(|i| pedidos[i].take().map(|p| (i, p)))
                .collect();
            let Some((_, primeiro)) = grupo.first() else {
                continue;
            };
            let emissor = self
                .emissores
                .emissor(primeiro.prefeitura, &primeiro.prestador)
                .map_err(ErroNfd::Configuracao)?;
            trabalhos.push((grupo, self.emissao(emissor, opcoes)));
        }
        if self.emissores.um_por_chamada() && !trabalhos.is_empty() {
            let mut relatos = em_fios(trabalhos, concorrencia, progresso).await?;
            relatos.sort_by_key(|(i, _)| *i);
            return Ok(RelatoLote {
                notas: relatos.into_iter().map(|(_, r)| r).collect(),
            });
        }
        let mut tarefas = tokio::task::JoinSet::new();
        for (grupo, emissao) in trabalhos {
            let (semaforo, progresso) = (semaforo.clone(), progresso.clone());
            tarefas.spawn(async move {
                let _vez = semaforo.acquire_owned().await;
                sequencia(grupo, &emissao, &*progresso).await
            });
        }
        let mut relatos: Vec<(usize, RelatoNota)> = Vec::with_capacity(total);
        while let Some(r) = tarefas.join_next().await {
            match r {
                Ok(v) => relatos.extend(v),
                // A task that panicked: the batch stops here; the ledger holds what was sent.
                Err(e) => return Err(ErroNfd::Configuracao(format!("tarefa interrompida: {e}"))),
            }
        }
        relatos.sort_by_key(|(i, _)| *i);
        Ok(RelatoLote {
            notas: relatos.into_iter().map(|(_, r)| r).collect(),
        })
    }

    /// The last `limite` numbers (at most [`MAXIMO_NOTAS_LIDAS`]) of `prestador`'s sequence in
    /// `prefeitura`, newest first, as the ledger holds them: each number read through
    /// [`LivroNotas::por_numero`] from the sequence's last one down (a number given back by a
    /// refusal and not used again has no nota). Reads only; never calls the service.
    ///
    /// # Errors
    /// [`ErroLivro`] when the ledger cannot be read.
    pub fn notas(
        &self,
        prefeitura: &Prefeitura,
        prestador: Documento,
        limite: u64,
    ) -> Result<Vec<NotaNoLivro>, ErroLivro> {
        let sequencia = Sequencia {
            prestador,
            prefeitura: prefeitura.codigo.clone(),
        };
        let Some(ultima) = self.livro.ultima(&sequencia)? else {
            return Ok(Vec::new());
        };
        let limite = limite.clamp(1, MAXIMO_NOTAS_LIDAS);
        let primeiro = ultima.numero.saturating_sub(limite - 1).max(1);
        let mut notas = vec![NotaNoLivro::de(ultima.clone())];
        for numero in (primeiro..ultima.numero).rev() {
            if let Some(r) = self.livro.por_numero(&sequencia, numero)? {
                notas.push(NotaNoLivro::de(r));
            }
        }
        Ok(notas)
    }

    /// Records a person's decision on nota `numero` of `prestador` in `prefeitura`, whose
    /// outcome the service never told. Never calls the service.
    ///
    /// # Errors
    /// [`ErroEmissao`]: no such nota, no decision to take, the sequence busy, the ledger.
    pub async fn resolver(
        &self,
        prefeitura: &Prefeitura,
        prestador: Documento,
        numero: u64,
        decisao: &Decisao,
        por: &str,
    ) -> Result<RelatoDecisao, ErroEmissao> {
        let sequencia = Sequencia {
            prestador,
            prefeitura: prefeitura.codigo.clone(),
        };
        let emissao = self.emissao(Arc::new(SemServico), OpcoesEmissao::default());
        let r = emissao.resolver(&sequencia, numero, decisao, por).await?;
        let mensagem = match decisao {
            Decisao::Emitida { codigo } => {
                format!("nota nº {numero} registrada como emitida (código {codigo}) por {por}")
            }
            Decisao::NaoEmitida => format!(
                "nota nº {numero} registrada como não emitida por {por}: o número volta a \
                 ficar livre e o próximo envio deste prestador nesta prefeitura o usa"
            ),
        };
        Ok(RelatoDecisao {
            prefeitura: sequencia.prefeitura,
            prestador: sequencia.prestador.as_str().to_owned(),
            numero,
            estado: Some(r.estado.nome()),
            decidido_por: r.decisao.map(|d| d.por),
            mensagem,
        })
    }
}

/// Issues the sequences of a batch on up to `concorrencia` threads, each with a current-thread
/// runtime of its own that takes the next sequence when it is done with one: a sequence's
/// requests, its issuer's connection and its ledger writes all run on one thread, as `wrk`
/// runs a connection (BENCHMARKS.md, "The client and wrk"). Every sequence is still issued
/// in order by [`sequencia`], with the same ledger and the same exactly-once steps; the ledger
/// writes of the threads still share their flushes. Waits for every thread, even after one
/// failed, so that nothing is still being sent when the batch reports.
async fn em_fios(
    trabalhos: Vec<(Vec<(usize, PedidoNota)>, Emissao)>,
    concorrencia: u16,
    progresso: Arc<dyn Fn() + Send + Sync>,
) -> Result<Vec<(usize, RelatoNota)>, ErroNfd> {
    use std::collections::VecDeque;
    use std::sync::Mutex;
    let total: usize = trabalhos.iter().map(|(g, _)| g.len()).sum();
    let fios = usize::from(concorrencia.max(1)).min(trabalhos.len());
    let fila = Arc::new(Mutex::new(VecDeque::from(trabalhos)));
    let mut linhas = Vec::with_capacity(fios);
    let mut falha = None;
    for n in 0..fios {
        let (fim, resultado) = tokio::sync::oneshot::channel::<Result<_, String>>();
        let (fila, progresso) = (fila.clone(), progresso.clone());
        let linha = std::thread::Builder::new()
            .name(format!("guiche-lote-{n}"))
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = fim.send(Err(format!("runtime da linha do lote: {e}")));
                        return;
                    }
                };
                let mut feitos = Vec::new();
                loop {
                    let proximo = match fila.lock() {
                        Ok(mut f) => f.pop_front(),
                        Err(envenenada) => envenenada.into_inner().pop_front(),
                    };
                    let Some((grupo, emissao)) = proximo else {
                        break;
                    };
                    feitos.extend(rt.block_on(sequencia(grupo, &emissao, &*progresso)));
                }
                let _ = fim.send(Ok(feitos));
            });
        match linha {
            Ok(_) => linhas.push(resultado),
            // The threads already started take every sequence from the queue.
            Err(e) => {
                falha.get_or_insert(format!("não foi possível iniciar uma linha do lote: {e}"));
                break;
            }
        }
    }
    if linhas.is_empty() {
        return Err(ErroNfd::Configuracao(falha.unwrap_or_default()));
    }
    let mut relatos = Vec::with_capacity(total);
    let mut interrompida = None;
    for linha in linhas {
        match linha.await {
            Ok(Ok(feitos)) => relatos.extend(feitos),
            Ok(Err(e)) => {
                interrompida.get_or_insert(e);
            }
            // A thread that panicked: the ledger holds what was sent.
            Err(_) => {
                interrompida.get_or_insert_with(|| "uma linha do lote parou".to_owned());
            }
        }
    }
    match interrompida {
        Some(e) => Err(ErroNfd::Configuracao(format!("tarefa interrompida: {e}"))),
        None => Ok(relatos),
    }
}

/// Issues the notas of one sequence in order, each tried again a few times while its outcome
/// stays unknown; stops when the sequence is blocked.
async fn sequencia(
    grupo: Vec<(usize, PedidoNota)>,
    emissao: &Emissao,
    progresso: &(dyn Fn() + Send + Sync),
) -> Vec<(usize, RelatoNota)> {
    let mut saida = Vec::with_capacity(grupo.len());
    let mut bloqueio: Option<String> = None;
    for (i, pedido) in grupo {
        let r = match &bloqueio {
            Some(motivo) => Resultado::NaoTentada(motivo.clone()),
            None => {
                let mut r = emitir(emissao, &pedido, false).await;
                for espera in ESPERAS_NO_LOTE {
                    if !r.vale_tentar_de_novo() {
                        break;
                    }
                    tokio::time::sleep(espera).await;
                    r = emitir(emissao, &pedido, false).await;
                }
                r
            }
        };
        if bloqueio.is_none() && r.bloqueia() {
            bloqueio = Some(format!(
                "não tentada: a sequência parou em {}",
                pedido.arquivo
            ));
        }
        progresso();
        saida.push((i, relato(&pedido, r)));
    }
    saida
}

/// Reads and issues one nota.
async fn emitir(emissao: &Emissao, pedido: &PedidoNota, nova: bool) -> Resultado {
    let bytes = match &pedido.conteudo {
        Ok(b) => b,
        Err(motivo) => {
            return Resultado::Erro {
                mensagem: motivo.clone(),
                natureza: Natureza::Pedido,
                repetir: false,
            };
        }
    };
    let bruta = match ler_nota(bytes) {
        Ok(b) => b,
        Err(v) => return Resultado::Invalida(v),
    };
    let sequencia = Sequencia {
        prestador: pedido.prestador,
        prefeitura: pedido.prefeitura.codigo.clone(),
    };
    match emissao
        .emitir(&sequencia, pedido.prefeitura, bruta, nova)
        .await
    {
        Ok(d) => Resultado::Desfecho(d),
        Err(ErroEmissao::Invalida(v)) => Resultado::Invalida(v),
        Err(ErroEmissao::NaoRegistrado { desfecho, erro }) => Resultado::NaoRegistrado {
            desfecho: *desfecho,
            erro: erro.to_string(),
        },
        Err(e) => {
            let natureza = e.natureza();
            Resultado::Erro {
                mensagem: e.to_string(),
                natureza,
                repetir: natureza == Natureza::Conflito,
            }
        }
    }
}

/// Request indices grouped by sequence, groups in order of first appearance, items in order.
fn agrupar(pedidos: &[PedidoNota]) -> Vec<Vec<usize>> {
    let mut grupos: Vec<(Sequencia, Vec<usize>)> = Vec::new();
    for (i, p) in pedidos.iter().enumerate() {
        let s = Sequencia {
            prestador: p.prestador,
            prefeitura: p.prefeitura.codigo.clone(),
        };
        match grupos.iter_mut().find(|(g, _)| *g == s) {
            Some((_, v)) => v.push(i),
            None => grupos.push((s, vec![i])),
        }
    }
    grupos.into_iter().map(|(_, v)| v).collect()
}

/// The report of one nota.
fn relato(pedido: &PedidoNota, r: Resultado) -> RelatoNota {
    let (estado, numero, codigo) = match &r {
        Resultado::Desfecho(d) | Resultado::NaoRegistrado { desfecho: d, .. } => {
            let (e, n, c) = campos_do_desfecho(d);
            (e, Some(n), c)
        }
        Resultado::Invalida(_) => ("invalida", None, None),
        Resultado::Erro { .. } => ("erro", None, None),
        Resultado::NaoTentada(_) => ("nao_tentada", None, None),
    };
    let livro = match &r {
        Resultado::NaoRegistrado { erro, .. } => Some(LivroNota {
            registrado: false,
            erro: Some(erro.clone()),
        }),
        Resultado::Desfecho(_) => Some(LivroNota {
            registrado: true,
            erro: None,
        }),
        _ => None,
    };
    let violacoes = match &r {
        Resultado::Invalida(v) => v
            .iter()
            .map(|x| ViolacaoRelatada {
                campo: x.campo.clone(),
                regra: x.regra.codigo().to_owned(),
                mensagem: x.mensagem.clone(),
                valor: x.valor.clone(),
            })
            .collect(),
        _ => Vec::new(),
    };
    RelatoNota {
        arquivo: pedido.arquivo.clone(),
        prefeitura: pedido.prefeitura.codigo.clone(),
        prestador: pedido.prestador.as_str().to_owned(),
        estado,
        numero,
        codigo,
        mensagem: frase(&r),
        livro,
        violacoes,
        resultado: r,
    }
}

/// The outcome in one sentence (Portuguese).
fn frase(r: &Resultado) -> String {
    match r {
        Resultado::Desfecho(d) => frase_do_desfecho(d),
        Resultado::NaoRegistrado { desfecho, erro } => format!(
            "{} — ATENÇÃO: o livro não registrou este resultado ({erro}); guarde esta linha. \
             O próximo envio para este prestador e prefeitura reenvia a nota e o serviço \
             confirma, sem emitir duas vezes",
            frase_do_desfecho(desfecho)
        ),
        Resultado::Invalida(v) => {
            let lista: Vec<String> = v.iter().map(ToString::to_string).collect();
            format!("nota inválida: {}", lista.join("; "))
        }
        Resultado::Erro { mensagem, .. } | Resultado::NaoTentada(mensagem) => mensagem.clone(),
    }
}

/// An outcome in one sentence (Portuguese).
pub fn frase_do_desfecho(d: &Desfecho) -> String {
    match d {
        Desfecho::Emitida {
            numero,
            codigo: Some(c),
            retomada,
        } => {
            let retomada = if *retomada {
                " (nota pendente retomada)"
            } else {
                ""
            };
            format!("nota nº {numero} emitida — {c}{retomada}")
        }
        Desfecho::Emitida {
            numero,
            codigo: None,
            ..
        } => format!(
            "nota nº {numero} emitida: o serviço respondeu que ela já constava (o envio anterior \
             tinha resultado desconhecido); confirme o código de autenticidade no portal NFD"
        ),
        Desfecho::JaEmitida { numero, codigo } => format!(
            "nota nº {numero} já emitida antes{}: nada foi enviado",
            codigo
                .as_ref()
                .map(|c| format!(" (código {c})"))
                .unwrap_or_default()
        ),
        Desfecho::Recusada { numero, mensagem } => {
            format!("nota nº {numero} recusada pelo serviço: {mensagem}")
        }
        Desfecho::NumeroOcupado { numero, mensagem } => format!(
            "o serviço já tem a nota nº {numero} (\"{mensagem}\"), que o guichê nunca enviou: foi \
             emitida por fora. O número fica registrado como usado e esta nota NÃO foi emitida; \
             envie-a de novo para que receba o próximo número"
        ),
        Desfecho::Desconhecida { numero, motivo } => format!(
            "nota nº {numero} enviada, resultado desconhecido ({motivo}); o próximo envio para \
             este prestador e prefeitura resolve, sem emitir duas vezes"
        ),
        Desfecho::ReenvioRecusado { numero, mensagem } => format!(
            "nota nº {numero}: o reenvio foi recusado pelo serviço (\"{mensagem}\"), mas o envio \
             anterior pode ter emitido a nota; ela continua com resultado desconhecido e nada novo \
             é enviado para este prestador e prefeitura. Corrija a causa (senha, liberação) e envie \
             de novo, ou confira a nota no portal NFD e registre o que viu: guiche nfd resolve \
             {numero} --prefeitura COD --prestador DOC --emitida CODIGO (ou --nao-emitida)"
        ),
        Desfecho::NaoEnviada { numero, motivo } => {
            format!(
                "nota nº {numero} não enviada ({motivo}); o número continua reservado para ela: tente de novo"
            )
        }
    }
}

/// The report's `estado`, `numero` and `codigo` of an outcome.
fn campos_do_desfecho(d: &Desfecho) -> (&'static str, u64, Option<String>) {
    match d {
        Desfecho::Emitida { numero, codigo, .. } => ("emitida", *numero, codigo.clone()),
        Desfecho::JaEmitida { numero, codigo } => ("ja_emitida", *numero, codigo.clone()),
        Desfecho::Recusada { numero, .. } => ("recusada", *numero, None),
        Desfecho::NumeroOcupado { numero, .. } => ("numero_ocupado", *numero, None),
        Desfecho::Desconhecida { numero, .. } => ("desconhecida", *numero, None),
        Desfecho::ReenvioRecusado { numero, .. } => ("reenvio_recusado", *numero, None),
        Desfecho::NaoEnviada { numero, .. } => ("nao_enviada", *numero, None),
    }
}

/// The issuer of a use case that never sends (a person's decision).
struct SemServico;

impl guiche_ports::emissor::DocumentoNfd for SemServico {
    fn documento(&self, _prefeitura: &str, nota: &guiche_domain::nfd::Nota) -> String {
        nota.bruta().para_xml()
    }
}

#[async_trait::async_trait]
impl guiche_ports::emissor::EmissorNotas for SemServico {
    async fn enviar(
        &self,
        _envio: &guiche_ports::emissor::Envio,
    ) -> Result<guiche_ports::emissor::Resposta, guiche_ports::emissor::ErroEnvio> {
        Err(guiche_ports::emissor::ErroEnvio::NaoEnviado(
            "uma decisão não chama o serviço".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guiche_domain::Data;
    use guiche_domain::nfd::{Nota, NotaBruta, Tag};
    use guiche_ports::emissor::{Envio, ErroEnvio, Resposta};
    use guiche_store::Livro;
    use mockall::mock;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    mock! {
        Emissor {}
        impl guiche_ports::emissor::DocumentoNfd for Emissor {
            fn documento(&self, prefeitura: &str, nota: &Nota) -> String;
        }
        #[async_trait::async_trait]
        impl guiche_ports::emissor::EmissorNotas for Emissor {
            async fn enviar(&self, envio: &Envio) -> Result<Resposta, ErroEnvio>;
        }
    }

    struct Hoje;
    impl Relogio for Hoje {
        fn hoje(&self) -> Data {
            Data::new(2026, 11, 22).unwrap()
        }
    }

    /// One issuer per provider, handed out as built by the test; a provider without one is a
    /// missing password.
    struct PorPrestador(Mutex<Vec<(String, Arc<MockEmissor>)>>);

    impl Emissores for PorPrestador {
        fn emissor(
            &self,
            _prefeitura: &Prefeitura,
            prestador: &Documento,
        ) -> Result<Arc<dyn EmissorNfd>, String> {
            let lista = self.0.lock().unwrap();
            lista
                .iter()
                .find(|(p, _)| p == prestador.as_str())
                .map(|(_, m)| m.clone() as Arc<dyn EmissorNfd>)
                .ok_or_else(|| format!("GUICHE_NFD_SENHA não está definida ({prestador})"))
        }
    }

    /// [`PorPrestador`], saying each issuer is its own: the batch runs on threads.
    struct EmFios(PorPrestador);

    impl Emissores for EmFios {
        fn emissor(
            &self,
            prefeitura: &Prefeitura,
            prestador: &Documento,
        ) -> Result<Arc<dyn EmissorNfd>, String> {
            self.0.emissor(prefeitura, prestador)
        }

        fn um_por_chamada(&self) -> bool {
            true
        }
    }

    const NOTA: &str = include_str!("../../../domain/tests/vetores/nfd-manual.xml");
    const A: &str = "21118045000135";
    const B: &str = "11222333000181";
    const C: &str = "11444777000161";

    fn emissor(respostas: Vec<Result<Resposta, ErroEnvio>>) -> Arc<MockEmissor> {
        let mut m = MockEmissor::new();
        m.expect_documento()
            .returning(|_, n| format!("<NOTA nº {:?}>", n.numero()));
        let mut ordem = mockall::Sequence::new();
        for r in respostas {
            m.expect_enviar()
                .times(1)
                .in_sequence(&mut ordem)
                .return_once(move |_| r);
        }
        Arc::new(m)
    }

    fn aceita(codigo: &str) -> Result<Resposta, ErroEnvio> {
        Ok(Resposta::Aceita {
            codigo: codigo.into(),
        })
    }

    fn pedido(prestador: &str, descricao: &str, numero: Option<u64>) -> PedidoNota {
        let xml = NotaBruta::de_xml(NOTA)
            .unwrap()
            .com(Tag::TomadorDocumento, "52998224725")
            .com(Tag::DescricaoServicos, descricao)
            .com(
                Tag::NumeroNota,
                numero.map(|n| n.to_string()).unwrap_or_default(),
            )
            .para_xml();
        PedidoNota {
            arquivo: format!("{prestador}-{descricao}.xml"),
            prefeitura: Prefeitura::buscar("3150").unwrap(),
            prestador: Documento::parse(prestador).unwrap(),
            conteudo: Ok(Arc::from(xml.into_bytes())),
        }
    }

    fn nfd(emissores: Vec<(&str, Arc<MockEmissor>)>) -> Nfd {
        Nfd {
            livro: Arc::new(Livro::em_memoria().unwrap()),
            emissores: Arc::new(PorPrestador(Mutex::new(
                emissores
                    .into_iter()
                    .map(|(p, m)| (p.to_owned(), m))
                    .collect(),
            ))),
            relogio: Arc::new(Hoje),
            espera_vez: Duration::from_secs(5),
        }
    }

    async fn lote(n: &Nfd, pedidos: Vec<PedidoNota>) -> (RelatoLote, usize) {
        let feitos = Arc::new(AtomicUsize::new(0));
        let contador = feitos.clone();
        let r = n
            .lote(
                pedidos,
                2,
                OpcoesEmissao::default(),
                Arc::new(move || {
                    contador.fetch_add(1, Ordering::Relaxed);
                }),
            )
            .await
            .unwrap();
        (r, feitos.load(Ordering::Relaxed))
    }

    fn estados(r: &RelatoLote) -> Vec<(&str, Option<u64>)> {
        r.notas.iter().map(|n| (n.estado, n.numero)).collect()
    }

    /// The ledger of a sequence, newest first, with each nota's state and code; a refused
    /// number reused by the next nota shows that one; an empty sequence has none.
    #[tokio::test(start_paused = true)]
    async fn the_ledger_of_a_sequence_is_read_newest_first() {
        let recusada = Ok(Resposta::Recusada {
            mensagem: "CEP inválido".into(),
        });
        let n = nfd(vec![(
            A,
            emissor(vec![aceita("A1"), recusada, aceita("A2")]),
        )]);
        let p = Prefeitura::buscar("3150").unwrap();
        let doc = || Documento::parse(A).unwrap();
        assert!(n.notas(p, doc(), 10).unwrap().is_empty());
        // The sequence's first nota carries its number; the others get the next one.
        for (d, numero) in [("um", Some(1)), ("dois", None), ("tres", None)] {
            n.enviar(pedido(A, d, numero), OpcoesEmissao::default())
                .await
                .unwrap();
        }
        let notas = n.notas(p, doc(), 10).unwrap();
        let vistas: Vec<_> = notas
            .iter()
            .map(|x| (x.numero, x.estado, x.detalhe.as_deref()))
            .collect();
        assert_eq!(
            vistas,
            [(2, "aceita", Some("A2")), (1, "aceita", Some("A1"))]
        );
        assert!(
            notas
                .iter()
                .all(|x| !x.espera_decisao && x.data == "21/05/2016")
        );
        assert_eq!(n.notas(p, doc(), 1).unwrap().len(), 1);
        assert!(
            n.notas(p, Documento::parse(B).unwrap(), 10)
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_of_issuers_of_their_own_runs_each_sequence_on_a_thread_with_the_same_report() {
        let emissores = || {
            vec![
                (A, emissor(vec![aceita("A1"), aceita("A2")])),
                (B, emissor(vec![aceita("B1"), aceita("B2")])),
                (C, emissor(vec![aceita("C1")])),
            ]
        };
        let pedidos = || {
            vec![
                pedido(A, "a", Some(10)),
                pedido(B, "b", Some(3)),
                pedido(C, "c", Some(1)),
                pedido(A, "d", None),
                pedido(B, "e", None),
            ]
        };
        let lista = emissores()
            .into_iter()
            .map(|(p, m)| (p.to_owned(), m))
            .collect();
        let n = Nfd {
            emissores: Arc::new(EmFios(PorPrestador(Mutex::new(lista)))),
            ..nfd(Vec::new())
        };
        let (em_fios, feitos) = lote(&n, pedidos()).await;
        let (em_tarefas, _) = lote(&nfd(emissores()), pedidos()).await;
        assert_eq!(feitos, 5, "o progresso conta cada nota");
        assert_eq!(
            estados(&em_fios),
            [
                ("emitida", Some(10)),
                ("emitida", Some(3)),
                ("emitida", Some(1)),
                ("emitida", Some(11)),
                ("emitida", Some(4))
            ]
        );
        assert_eq!(
            serde_json::to_value(&em_fios.notas).unwrap(),
            serde_json::to_value(&em_tarefas.notas).unwrap()
        );
        let nomes: Vec<_> = em_fios.notas.iter().map(|r| r.arquivo.as_str()).collect();
        assert_eq!(nomes[0], format!("{A}-a.xml"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_batch_reports_in_the_order_given_each_sequence_numbered_on_its_own() {
        let n = nfd(vec![
            (A, emissor(vec![aceita("A1"), aceita("A2")])),
            (B, emissor(vec![aceita("B1")])),
        ]);
        let (r, feitos) = lote(
            &n,
            vec![
                pedido(A, "a", Some(10)),
                pedido(B, "b", Some(3)),
                pedido(A, "c", None),
            ],
        )
        .await;
        assert_eq!(
            estados(&r),
            [
                ("emitida", Some(10)),
                ("emitida", Some(3)),
                ("emitida", Some(11))
            ]
        );
        assert_eq!(feitos, 3, "o progresso conta cada nota");
        assert!(
            r.notas
                .iter()
                .all(|n| n.resultado.falha_no_lote().is_none())
        );
        let v = serde_json::to_value(&r.notas[0]).unwrap();
        assert_eq!(v["livro"]["registrado"], true, "{v}");
        assert_eq!(v["codigo"], "A1");
    }

    #[tokio::test(start_paused = true)]
    async fn an_unknown_outcome_is_tried_again_and_settled_within_the_batch() {
        let n = nfd(vec![(
            A,
            emissor(vec![
                Err(ErroEnvio::Desconhecido("reset".into())),
                Ok(Resposta::JaEmitida {
                    mensagem: "Esta nota já consta no sistema.".into(),
                }),
                aceita("A2"),
            ]),
        )]);
        let (r, _) = lote(&n, vec![pedido(A, "a", Some(1)), pedido(A, "b", None)]).await;
        assert_eq!(estados(&r), [("emitida", Some(1)), ("emitida", Some(2))]);
        assert_eq!(r.notas[0].codigo, None, "confirmada pelo \"já consta\"");
    }

    #[tokio::test(start_paused = true)]
    async fn a_sequence_whose_nota_stays_unknown_stops_and_the_others_go_on() {
        let sempre_desconhecida = {
            let mut m = MockEmissor::new();
            m.expect_documento()
                .returning(|_, n| format!("<NOTA nº {:?}>", n.numero()));
            m.expect_enviar()
                .times(1 + ESPERAS_NO_LOTE.len())
                .returning(|_| Err(ErroEnvio::Desconhecido("tempo esgotado".into())));
            Arc::new(m)
        };
        let n = nfd(vec![
            (A, sempre_desconhecida),
            (B, emissor(vec![aceita("B1")])),
        ]);
        let (r, feitos) = lote(
            &n,
            vec![
                pedido(A, "a", Some(1)),
                pedido(A, "b", None),
                pedido(B, "c", Some(7)),
            ],
        )
        .await;
        assert_eq!(
            estados(&r),
            [
                ("desconhecida", Some(1)),
                ("nao_tentada", None),
                ("emitida", Some(7))
            ]
        );
        assert_eq!(feitos, 3);
        assert_eq!(
            r.notas[0].resultado.falha_no_lote(),
            Some(Natureza::Transporte)
        );
        assert!(
            r.notas[1].mensagem.contains(&format!("{A}-a.xml")),
            "{}",
            r.notas[1].mensagem
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_invalid_or_unreadable_nota_does_not_stop_its_sequence() {
        let n = nfd(vec![(A, emissor(vec![aceita("A1")]))]);
        let mut ilegivel = pedido(A, "x", None);
        ilegivel.conteudo = Err("não foi possível ler x.xml: arquivo não encontrado".into());
        let mut quebrada = pedido(A, "y", None);
        quebrada.conteudo = Ok(Arc::from(&b"<NOTA>"[..]));
        let (r, _) = lote(&n, vec![quebrada, pedido(A, "a", Some(4))]).await;
        assert_eq!(estados(&r), [("invalida", None), ("emitida", Some(4))]);
        assert!(!r.notas[0].violacoes.is_empty());
        assert_eq!(r.notas[0].resultado.falha(), Some(Natureza::Invalido));
        let r = n.enviar(ilegivel, OpcoesEmissao::default()).await.unwrap();
        assert_eq!(
            (r.estado, r.resultado.falha()),
            ("erro", Some(Natureza::Pedido))
        );
    }

    #[tokio::test]
    async fn a_provider_without_a_password_stops_the_batch_before_anything_is_sent() {
        let n = nfd(vec![(A, emissor(vec![]))]);
        let r = n
            .lote(
                vec![pedido(A, "a", Some(1)), pedido(B, "b", Some(1))],
                1,
                OpcoesEmissao::default(),
                Arc::new(|| {}),
            )
            .await;
        let Err(e) = r else {
            panic!("esperava a falta de senha");
        };
        assert_eq!(e.natureza(), Natureza::Configuracao);
        assert!(e.to_string().contains("GUICHE_NFD_SENHA"), "{e}");
    }

    #[tokio::test]
    async fn a_decision_is_reported_as_recorded_and_a_missing_nota_is_refused() {
        let n = nfd(vec![(
            A,
            emissor(vec![Err(ErroEnvio::Desconhecido("reset".into()))]),
        )]);
        let r = n
            .enviar(pedido(A, "a", Some(5)), OpcoesEmissao::default())
            .await
            .unwrap();
        assert_eq!(r.estado, "desconhecida");
        let prefeitura = Prefeitura::buscar("3150").unwrap();
        let prestador = Documento::parse(A).unwrap();
        let d = n
            .resolver(prefeitura, prestador, 5, &Decisao::NaoEmitida, "maria")
            .await
            .unwrap();
        assert_eq!(
            (d.estado, d.decidido_por.as_deref()),
            (Some("recusada"), Some("maria"))
        );
        let e = n
            .resolver(prefeitura, prestador, 5, &Decisao::NaoEmitida, "maria")
            .await
            .unwrap_err();
        assert_eq!(e.natureza(), Natureza::Recusado, "{e}");
    }
}
