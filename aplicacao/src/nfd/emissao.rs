//! Issuing a nota exactly once, through lost replies, killed processes and several processes
//! working on one sequence.
//!
//! For a sequence (provider × municipality), holding the sequence's turn
//! ([`LivroNotas::fila`]) for the whole span, so that no other process reserves, sends or
//! records a nota of it meanwhile:
//! 1. **Refuse locally** a nota the ledger knows as issued (see 3), without calling the service.
//! 2. **Settle** every pending nota first, by sending its recorded document again: after an
//!    unknown outcome a "já consta" reply means it was issued (code to be confirmed). Only a
//!    success or "já consta" settles a nota that may have left: any other refusal of a resend
//!    keeps it unknown (the first send may have issued it) and blocks the sequence until the
//!    service answers, or a person decides ([`Emissao::resolver`]).
//! 3. **Refuse locally** again what settling made known. A nota's identity is its explicit
//!    `NUMERO_NOTA`; with a blank number (the ledger assigns it), its content
//!    ([`guiche_domain::nfd::impressao_digital`]),
//!    unless the caller asks for a new nota on purpose.
//! 4. **Validate** with the last nota (sequence and date rules).
//! 5. **Reserve** number and exact document in one transaction, mark it sent, send, record.
//!    Every state change is a compare-and-set on the state read; a known outcome whose
//!    recording fails is retried, and still handed to the caller if it never lands.

use crate::nfd::EmissorNfd;
use guiche_domain::nfd::{ContextoNfd, Nota, NotaBruta, Prefeitura, UltimaNota, impressao_digital};
use guiche_domain::{Regra, Violacoes};
use guiche_ports::Relogio;
use guiche_ports::emissor::{Envio, ErroEnvio, Resposta};
use guiche_ports::livro::{
    Decisao as DecisaoLivro, ErroLivro, Estado, LivroNotas, Pedido, Registro, Sequencia, Vez,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// What happened to a nota, for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Desfecho {
    /// Issued now (or found issued when settling an unknown outcome: `codigo` is `None`).
    Emitida {
        /// `NUMERO_NOTA`.
        numero: u64,
        /// The authenticity code (or print URL) the service returned.
        codigo: Option<String>,
        /// Whether this was a pending nota sent again (its first send's outcome was unknown).
        retomada: bool,
    },
    /// The ledger already knows it as issued: nothing was sent.
    JaEmitida {
        /// `NUMERO_NOTA`.
        numero: u64,
        /// The code recorded, if the service gave one.
        codigo: Option<String>,
    },
    /// Refused by the service on its first send; its number is free again.
    Recusada {
        /// `NUMERO_NOTA`.
        numero: u64,
        /// The service's message.
        mensagem: String,
    },
    /// The service already had this number, issued outside guichê: the number is recorded as
    /// used and this nota was not issued (send it again for the next number).
    NumeroOcupado {
        /// `NUMERO_NOTA`.
        numero: u64,
        /// The service's message.
        mensagem: String,
    },
    /// Sent, outcome unknown: the next send settles it.
    Desconhecida {
        /// `NUMERO_NOTA`.
        numero: u64,
        /// What happened (timeout, reset…).
        motivo: String,
    },
    /// Sent again after an unknown outcome and refused: the first send may still have issued
    /// it, so it stays unknown and the sequence waits for the service or a person.
    ReenvioRecusado {
        /// `NUMERO_NOTA`.
        numero: u64,
        /// The service's message.
        mensagem: String,
    },
    /// Nothing left (connection refused…): safe to try again.
    NaoEnviada {
        /// `NUMERO_NOTA`.
        numero: u64,
        /// Why nothing left.
        motivo: String,
    },
}

impl Desfecho {
    /// Whether trying the same nota again later may settle it (the outcome is not final).
    pub fn pendente(&self) -> bool {
        matches!(
            self,
            Desfecho::Desconhecida { .. } | Desfecho::NaoEnviada { .. }
        )
    }
}

/// Why a nota could not even be tried, or its outcome not recorded.
#[derive(Debug, thiserror::Error)]
pub enum ErroEmissao {
    /// The nota breaks rules (reported like validation).
    #[error("nota inválida")]
    Invalida(
        /// Every violation.
        Violacoes,
    ),
    /// An earlier nota of the sequence is still unsettled after trying again.
    #[error("a nota nº {numero} ainda está pendente ({motivo}); nada novo foi enviado")]
    Bloqueada {
        /// The pending nota's number.
        numero: u64,
        /// Why it is still pending.
        motivo: String,
    },
    /// Another process held the sequence for longer than the wait allowed.
    #[error(
        "outro processo do guichê está emitindo notas deste prestador nesta prefeitura há mais de \
         {} s; nada foi enviado: tente de novo quando ele terminar",
        espera.as_secs()
    )]
    Ocupada {
        /// How long it waited.
        espera: Duration,
    },
    /// The outcome is known but the ledger did not record it (after retrying): the caller
    /// must still show it.
    #[error("o resultado não foi registrado no livro: {erro}")]
    NaoRegistrado {
        /// The outcome, to show anyway.
        desfecho: Box<Desfecho>,
        /// Why the ledger did not record it.
        erro: ErroLivro,
    },
    /// No nota holds this number in the ledger (for a person's decision).
    #[error("o livro não tem a nota nº {0} deste prestador nesta prefeitura")]
    SemNota(
        /// The number asked for.
        u64,
    ),
    /// The ledger refused or failed.
    #[error(transparent)]
    Livro(
        /// The ledger's error.
        #[from]
        ErroLivro,
    ),
}

/// What a person decided about a nota whose outcome the service never told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decisao {
    /// Issued, with the authenticity code read in the municipality's portal.
    Emitida {
        /// The code read in the portal.
        codigo: String,
    },
    /// Not issued: its number is free again.
    NaoEmitida,
}

/// The issuing use case, over the ports: cheap to clone, shared across tasks and requests.
#[derive(Clone)]
pub struct Emissao {
    /// The ledger of notas.
    pub livro: Arc<dyn LivroNotas>,
    /// The municipal service (one provider's client, with its password).
    pub emissor: Arc<dyn EmissorNfd>,
    /// Today in Brasília, for the date rules.
    pub relogio: Arc<dyn Relogio>,
    /// Ask for the print URL instead of the authenticity code.
    pub url_impressao: bool,
    /// How long to wait for the sequence's turn while another process holds it.
    pub espera_vez: Duration,
}

/// The waits between attempts to record a known outcome when the ledger fails (busy past its
/// own wait, disk full): after the last one the outcome is handed back unrecorded.
const REGISTRO_ESPERAS: [Duration; 3] = [
    Duration::from_millis(500),
    Duration::from_secs(2),
    Duration::from_secs(5),
];

/// What settling the pending notas of a sequence found.
enum Acerto {
    /// None was pending.
    Nenhuma,
    /// Some were, and all are settled now; none was this nota.
    Outras,
    /// This nota was pending: its outcome.
    DestaNota(Desfecho),
}

/// What identifies a nota in its sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Identidade {
    /// An explicit `NUMERO_NOTA`: the nota with that number (and this content).
    Numero { numero: u64, conteudo: String },
    /// A blank number: the nota with this content.
    Conteudo(String),
    /// A blank number, and a new nota on purpose even if one with this content was issued.
    Nova(String),
}

impl Identidade {
    fn de(nota: &Nota, nova: bool) -> Identidade {
        let digital = impressao_digital(nota);
        match (nota.numero(), nova) {
            (Some(numero), _) => Identidade::Numero {
                numero,
                conteudo: digital,
            },
            (None, false) => Identidade::Conteudo(digital),
            (None, true) => Identidade::Nova(digital),
        }
    }

    fn conteudo(&self) -> &str {
        match self {
            Identidade::Numero { conteudo, .. }
            | Identidade::Conteudo(conteudo)
            | Identidade::Nova(conteudo) => conteudo,
        }
    }

    /// Whether the ledger's row is this nota.
    fn e(&self, r: &Registro) -> bool {
        match self {
            Identidade::Numero { numero, conteudo } => {
                r.numero == *numero && r.conteudo == *conteudo
            }
            Identidade::Conteudo(c) | Identidade::Nova(c) => r.conteudo == *c,
        }
    }
}

/// Runs a ledger write, which waits for the disk (shared with the other writers of the
/// process: group commit), without holding up the runtime: on a multi-thread runtime the
/// worker hands its other tasks over first, so the sequences of a batch all reach the ledger
/// and share one flush.
fn em_espera<T>(escrita: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(escrita),
        _ => escrita(),
    }
}

/// The state and the outcome of one attempt of nota `numero`, from the service's answer;
/// `anterior` is where the nota stood before this attempt (`Reservada` for its first).
fn desfecho(
    numero: u64,
    anterior: &Estado,
    resposta: Result<Resposta, ErroEnvio>,
    retomada: bool,
) -> (Estado, Desfecho) {
    let ja_saiu = matches!(anterior, Estado::Enviada | Estado::Desconhecida { .. });
    match resposta {
        Ok(Resposta::Aceita { codigo }) => (
            Estado::Aceita {
                codigo: Some(codigo.clone()),
            },
            Desfecho::Emitida {
                numero,
                codigo: Some(codigo),
                retomada,
            },
        ),
        Ok(Resposta::JaEmitida { .. }) if ja_saiu => (
            Estado::Aceita { codigo: None },
            Desfecho::Emitida {
                numero,
                codigo: None,
                retomada,
            },
        ),
        Ok(Resposta::JaEmitida { mensagem }) => (
            Estado::Externa {
                mensagem: mensagem.clone(),
            },
            Desfecho::NumeroOcupado { numero, mensagem },
        ),
        Ok(Resposta::Recusada { mensagem }) if ja_saiu => (
            Estado::Desconhecida {
                motivo: format!(
                    "o serviço recusou o reenvio (\"{mensagem}\"), mas um envio anterior pode \
                     ter emitido a nota"
                ),
            },
            Desfecho::ReenvioRecusado { numero, mensagem },
        ),
        Ok(Resposta::Recusada { mensagem }) => (
            Estado::Recusada {
                mensagem: mensagem.clone(),
            },
            Desfecho::Recusada { numero, mensagem },
        ),
        Err(ErroEnvio::NaoEnviado(motivo)) => {
            // Nothing left this time; a nota that had left before may still have been received.
            let estado = match anterior {
                Estado::Desconhecida { motivo } => Estado::Desconhecida {
                    motivo: motivo.clone(),
                },
                _ => Estado::Reservada,
            };
            (estado, Desfecho::NaoEnviada { numero, motivo })
        }
        Err(e) => {
            let motivo = match e {
                ErroEnvio::Desconhecido(m) => m,
                outro => outro.to_string(),
            };
            (
                Estado::Desconhecida {
                    motivo: motivo.clone(),
                },
                Desfecho::Desconhecida { numero, motivo },
            )
        }
    }
}

impl Emissao {
    /// Issues one nota of `sequencia`; with `nova`, a nota of blank number is issued even if
    /// the ledger knows one with the same content as issued.
    pub async fn emitir(
        &self,
        sequencia: &Sequencia,
        prefeitura: &Prefeitura,
        bruta: NotaBruta,
        nova: bool,
    ) -> Result<Desfecho, ErroEmissao> {
        let hoje = self.relogio.hoje();
        let sem_historico = ContextoNfd {
            prefeitura: Some(prefeitura),
            ..ContextoNfd::new(hoje)
        };
        let nota = bruta
            .clone()
            .validar(&sem_historico)
            .map_err(ErroEmissao::Invalida)?;
        let identidade = Identidade::de(&nota, nova);
        let _vez = self.ocupar(sequencia).await?;
        // Known before settling: a nota already issued is reported even while another is
        // pending; and again after, as settling may have issued what this nota's number is.
        if let Some(d) = self.ja_conhecida(sequencia, &identidade)? {
            return Ok(d);
        }
        match self.acertar_pendentes(sequencia, &identidade).await? {
            Acerto::DestaNota(d) => return Ok(d),
            Acerto::Outras => {
                if let Some(d) = self.ja_conhecida(sequencia, &identidade)? {
                    return Ok(d);
                }
            }
            Acerto::Nenhuma => {}
        }
        let ultima = self.livro.ultima(sequencia)?;
        self.exigir_numero_inicial(&nota, ultima.as_ref())?;
        let ctx = ContextoNfd {
            ultima_nota: ultima.map(|u| UltimaNota {
                numero: u.numero,
                data: u.data,
            }),
            ..sem_historico
        };
        let nota = bruta.validar(&ctx).map_err(ErroEmissao::Invalida)?;
        let pedido = Pedido {
            sequencia,
            numero: nota.numero(),
            data: nota.data_emissao(),
            conteudo: identidade.conteudo(),
        };
        let documento = |n: u64| {
            self.emissor
                .documento(&sequencia.prefeitura, &nota.clone().com_numero(n))
        };
        // Reserved already marked sent (one flush): this is its first attempt.
        let registro = em_espera(|| self.livro.reservar(pedido, &documento))?;
        self.transmitir(&registro, &Estado::Reservada, false).await
    }

    /// Records a person's decision on nota `numero` of `sequencia`, whose outcome the service
    /// never told (or, for an issued nota settled without its code, the code). Holds the
    /// sequence's turn, so no send races it.
    pub async fn resolver(
        &self,
        sequencia: &Sequencia,
        numero: u64,
        decisao: &Decisao,
        por: &str,
    ) -> Result<Registro, ErroEmissao> {
        let _vez = self.ocupar(sequencia).await?;
        let r = self
            .livro
            .por_numero(sequencia, numero)?
            .ok_or(ErroEmissao::SemNota(numero))?;
        let para = match decisao {
            Decisao::Emitida { codigo } => Estado::Aceita {
                codigo: Some(codigo.clone()),
            },
            Decisao::NaoEmitida => Estado::Recusada {
                mensagem: format!("não emitida, segundo {por} (decisão registrada no guichê)"),
            },
        };
        em_espera(|| self.livro.decidir(r.id, &para, por))?;
        // A nota declared not issued no longer holds its number: report what was recorded.
        let lido = self.livro.por_numero(sequencia, numero)?;
        Ok(lido.filter(|l| l.id == r.id).unwrap_or_else(|| {
            let em = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            Registro {
                estado: para,
                decisao: Some(DecisaoLivro {
                    por: por.to_owned(),
                    em,
                }),
                ..r
            }
        }))
    }

    /// Waits for the sequence's turn, at most [`Emissao::espera_vez`].
    async fn ocupar(&self, sequencia: &Sequencia) -> Result<Vez, ErroEmissao> {
        let mut fila = self.livro.fila(sequencia)?;
        let inicio = Instant::now();
        let mut pausa = Duration::from_millis(1);
        loop {
            if let Some(vez) = fila.tentar()? {
                return Ok(vez);
            }
            if inicio.elapsed() >= self.espera_vez {
                return Err(ErroEmissao::Ocupada {
                    espera: self.espera_vez,
                });
            }
            tokio::time::sleep(pausa).await;
            pausa = (pausa * 2).min(Duration::from_millis(25));
        }
    }

    /// The ledger does not know where the sequence stands: the first nota carries its number.
    fn exigir_numero_inicial(
        &self,
        nota: &Nota,
        ultima: Option<&Registro>,
    ) -> Result<(), ErroEmissao> {
        if ultima.is_some() || nota.numero().is_some() {
            return Ok(());
        }
        let mut v = Violacoes::default();
        v.add(
            "NUMERO_NOTA",
            Regra::Obrigatorio,
            "é a primeira nota deste prestador nesta prefeitura no livro do guichê: informe \
             NUMERO_NOTA (o próximo número do serviço); as seguintes podem vir em branco",
            "",
        );
        Err(ErroEmissao::Invalida(v))
    }

    /// Refuses locally a nota the ledger knows as issued, or whose explicit number another
    /// nota holds.
    fn ja_conhecida(
        &self,
        seq: &Sequencia,
        identidade: &Identidade,
    ) -> Result<Option<Desfecho>, ErroEmissao> {
        match identidade {
            Identidade::Conteudo(digital) => match self.livro.por_conteudo(seq, digital)? {
                Some(Registro {
                    numero,
                    estado: Estado::Aceita { codigo },
                    ..
                }) => Ok(Some(Desfecho::JaEmitida { numero, codigo })),
                _ => Ok(None),
            },
            Identidade::Nova(_) => Ok(None),
            Identidade::Numero { numero, conteudo } => {
                let Some(r) = self.livro.por_numero(seq, *numero)? else {
                    return Ok(None);
                };
                let quem = match &r.estado {
                    Estado::Aceita { codigo } if r.conteudo == *conteudo => {
                        return Ok(Some(Desfecho::JaEmitida {
                            numero: *numero,
                            codigo: codigo.clone(),
                        }));
                    }
                    Estado::Aceita { .. } => "por outra nota (veja o livro)",
                    Estado::Externa { .. } => "fora do guichê",
                    _ => return Ok(None),
                };
                let mut v = Violacoes::default();
                let msg = format!("o número {numero} já foi usado {quem}; nada foi enviado");
                v.add("NUMERO_NOTA", Regra::NfdSequencia, msg, numero.to_string());
                Err(ErroEmissao::Invalida(v))
            }
        }
    }

    /// Sends every pending nota again. Returns the outcome when the pending nota is the one
    /// being issued.
    async fn acertar_pendentes(
        &self,
        seq: &Sequencia,
        identidade: &Identidade,
    ) -> Result<Acerto, ErroEmissao> {
        let pendentes = self.livro.pendentes(seq)?;
        if pendentes.is_empty() {
            return Ok(Acerto::Nenhuma);
        }
        for registro in pendentes {
            let registro = self.interrompida(registro)?;
            let desfecho = self.enviar(&registro, true).await?;
            if identidade.e(&registro) {
                return Ok(Acerto::DestaNota(desfecho));
            }
            match desfecho {
                Desfecho::Desconhecida { numero, motivo }
                | Desfecho::NaoEnviada { numero, motivo } => {
                    return Err(ErroEmissao::Bloqueada { numero, motivo });
                }
                Desfecho::ReenvioRecusado { numero, mensagem } => {
                    return Err(ErroEmissao::Bloqueada {
                        numero,
                        motivo: format!("o serviço recusou o reenvio: {mensagem}"),
                    });
                }
                _ => {}
            }
        }
        Ok(Acerto::Outras)
    }

    /// A nota found `enviada` by the holder of the sequence's turn was being sent by a process
    /// that ended before recording the answer: its outcome is unknown.
    fn interrompida(&self, r: Registro) -> Result<Registro, ErroEmissao> {
        if r.estado != Estado::Enviada {
            return Ok(r);
        }
        let estado = Estado::Desconhecida {
            motivo: "envio anterior interrompido antes da resposta".into(),
        };
        em_espera(|| self.livro.registrar(r.id, &Estado::Enviada, &estado))?;
        Ok(Registro { estado, ..r })
    }

    /// Marks a pending row sent again, then sends it ([`Emissao::transmitir`]).
    async fn enviar(&self, r: &Registro, retomada: bool) -> Result<Desfecho, ErroEmissao> {
        em_espera(|| self.livro.registrar(r.id, &r.estado, &Estado::Enviada))?;
        self.transmitir(r, &r.estado, retomada).await
    }

    /// Sends the recorded document of a row marked sent, and records the outcome; `anterior`
    /// is where it stood before this attempt.
    async fn transmitir(
        &self,
        r: &Registro,
        anterior: &Estado,
        retomada: bool,
    ) -> Result<Desfecho, ErroEmissao> {
        let envio = Envio {
            prefeitura: r.sequencia.prefeitura.clone(),
            prestador: r.sequencia.prestador,
            documento: r.documento.clone(),
            url_impressao: self.url_impressao,
        };
        let resposta = self.emissor.enviar(&envio).await;
        let (estado, desfecho) = desfecho(r.numero, anterior, resposta, retomada);
        match self.gravar(r.id, &estado).await {
            Ok(()) => Ok(desfecho),
            Err(erro) => Err(ErroEmissao::NaoRegistrado {
                desfecho: Box::new(desfecho),
                erro,
            }),
        }
    }

    /// Records the outcome of a send, retrying while the ledger fails for storage reasons.
    async fn gravar(&self, id: i64, estado: &Estado) -> Result<(), ErroLivro> {
        let mut esperas = REGISTRO_ESPERAS.iter();
        loop {
            match em_espera(|| self.livro.registrar(id, &Estado::Enviada, estado)) {
                Err(ErroLivro::Armazenamento { .. }) if let Some(espera) = esperas.next() => {
                    tokio::time::sleep(*espera).await;
                }
                outro => return outro,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guiche_domain::Data;
    use guiche_domain::nfd::Tag;
    use guiche_store::Livro;
    use mockall::{Sequence, mock, predicate::always};

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

    const NOTA: &str = include_str!("../../../domain/tests/vetores/nfd-manual.xml");

    fn nota(descricao: &str, numero: Option<u64>) -> NotaBruta {
        NotaBruta::de_xml(NOTA)
            .unwrap()
            .com(Tag::TomadorDocumento, "52998224725")
            .com(Tag::DescricaoServicos, descricao)
            .com(
                Tag::NumeroNota,
                numero.map(|n| n.to_string()).unwrap_or_default(),
            )
    }

    fn sequencia() -> Sequencia {
        Sequencia {
            prestador: guiche_domain::Documento::parse("21118045000135").unwrap(),
            prefeitura: "3150".into(),
        }
    }

    fn emissor() -> MockEmissor {
        let mut m = MockEmissor::new();
        m.expect_documento()
            .returning(|_, n| format!("<NOTA nº {:?}>", n.numero()));
        m
    }

    fn aceita(codigo: &str) -> Result<Resposta, ErroEnvio> {
        Ok(Resposta::Aceita {
            codigo: codigo.into(),
        })
    }

    fn ja_consta() -> Result<Resposta, ErroEnvio> {
        Ok(Resposta::JaEmitida {
            mensagem: "Esta nota já consta no sistema.".into(),
        })
    }

    /// Expects exactly these replies, one per send, in this order.
    fn em_ordem(m: &mut MockEmissor, respostas: Vec<Result<Resposta, ErroEnvio>>) {
        let mut ordem = Sequence::new();
        for r in respostas {
            m.expect_enviar()
                .times(1)
                .in_sequence(&mut ordem)
                .return_once(move |_| r);
        }
    }

    fn emissao<L: LivroNotas + 'static>(livro: &Arc<L>, m: &Arc<MockEmissor>) -> Emissao {
        Emissao {
            livro: livro.clone(),
            emissor: m.clone(),
            relogio: Arc::new(Hoje),
            url_impressao: false,
            espera_vez: Duration::from_secs(5),
        }
    }

    async fn emitir(
        livro: &Arc<Livro>,
        m: &Arc<MockEmissor>,
        b: NotaBruta,
    ) -> Result<Desfecho, ErroEmissao> {
        emissao(livro, m)
            .emitir(&sequencia(), Prefeitura::buscar("3150").unwrap(), b, false)
            .await
    }

    async fn emitir_nova(
        livro: &Arc<Livro>,
        m: &Arc<MockEmissor>,
        b: NotaBruta,
    ) -> Result<Desfecho, ErroEmissao> {
        emissao(livro, m)
            .emitir(&sequencia(), Prefeitura::buscar("3150").unwrap(), b, true)
            .await
    }

    fn recusa(mensagem: &str) -> Result<Resposta, ErroEnvio> {
        Ok(Resposta::Recusada {
            mensagem: mensagem.into(),
        })
    }

    fn estado(livro: &Livro, numero: u64) -> Estado {
        livro
            .por_numero(&sequencia(), numero)
            .unwrap()
            .unwrap()
            .estado
    }

    #[tokio::test]
    async fn the_recorded_document_is_what_is_sent() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = emissor();
        m.expect_enviar()
            .withf(|e| e.documento == "<NOTA nº Some(7)>" && e.prefeitura == "3150")
            .times(1)
            .returning(|_| aceita("ABC"));
        let m = Arc::new(m);
        let d = emitir(&livro, &m, nota("a", Some(7))).await.unwrap();
        assert_eq!(
            d,
            Desfecho::Emitida {
                numero: 7,
                codigo: Some("ABC".into()),
                retomada: false
            }
        );
        assert_eq!(
            livro.por_numero(&sequencia(), 7).unwrap().unwrap().estado,
            Estado::Aceita {
                codigo: Some("ABC".into())
            }
        );
    }

    #[tokio::test]
    async fn a_known_nota_is_refused_without_calling_the_service() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = emissor();
        m.expect_enviar().times(1).returning(|_| aceita("ABC"));
        let m = Arc::new(m);
        emitir(&livro, &m, nota("a", Some(7))).await.unwrap();
        let d = emitir(&livro, &m, nota("a", None)).await.unwrap();
        assert_eq!(
            d,
            Desfecho::JaEmitida {
                numero: 7,
                codigo: Some("ABC".into())
            }
        );
        let Err(ErroEmissao::Invalida(v)) = emitir(&livro, &m, nota("outra", Some(7))).await else {
            panic!("número já emitido deveria ser recusado localmente");
        };
        assert!(v.contem("NUMERO_NOTA", Regra::NfdSequencia), "{v}");
    }

    #[tokio::test]
    async fn an_unknown_outcome_is_settled_by_the_duplicate_reply() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = emissor();
        em_ordem(
            &mut m,
            vec![
                aceita("A"),
                Err(ErroEnvio::Desconhecido("timeout".into())),
                ja_consta(),
                aceita("C"),
            ],
        );
        let m = Arc::new(m);
        emitir(&livro, &m, nota("a", Some(1))).await.unwrap();
        let d = emitir(&livro, &m, nota("b", None)).await.unwrap();
        assert!(
            matches!(d, Desfecho::Desconhecida { numero: 2, .. }),
            "{d:?}"
        );
        let d = emitir(&livro, &m, nota("c", None)).await.unwrap();
        assert_eq!(
            d,
            Desfecho::Emitida {
                numero: 3,
                codigo: Some("C".into()),
                retomada: false
            }
        );
        assert_eq!(
            livro.por_numero(&sequencia(), 2).unwrap().unwrap().estado,
            Estado::Aceita { codigo: None }
        );
    }

    #[tokio::test]
    async fn a_duplicate_reply_on_a_first_send_means_the_number_was_used_elsewhere() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = emissor();
        em_ordem(&mut m, vec![aceita("A"), ja_consta(), aceita("B")]);
        let m = Arc::new(m);
        emitir(&livro, &m, nota("a", Some(1))).await.unwrap();
        let d = emitir(&livro, &m, nota("b", None)).await.unwrap();
        assert!(
            matches!(d, Desfecho::NumeroOcupado { numero: 2, .. }),
            "{d:?}"
        );
        let d = emitir(&livro, &m, nota("b", None)).await.unwrap();
        assert_eq!(
            d,
            Desfecho::Emitida {
                numero: 3,
                codigo: Some("B".into()),
                retomada: false
            },
            "a mesma nota recebe o próximo número"
        );
    }

    #[tokio::test]
    async fn nothing_left_keeps_the_reservation_and_an_earlier_unknown_stays_unknown() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = emissor();
        em_ordem(
            &mut m,
            vec![
                Err(ErroEnvio::Desconhecido("reset".into())),
                Err(ErroEnvio::NaoEnviado("recusada".into())),
            ],
        );
        let m = Arc::new(m);
        let d = emitir(&livro, &m, nota("a", Some(5))).await.unwrap();
        assert!(matches!(d, Desfecho::Desconhecida { .. }));
        let d = emitir(&livro, &m, nota("a", Some(5))).await.unwrap();
        assert!(matches!(d, Desfecho::NaoEnviada { numero: 5, .. }), "{d:?}");
        let estado = livro.por_numero(&sequencia(), 5).unwrap().unwrap().estado;
        assert!(
            matches!(estado, Estado::Desconhecida { .. }),
            "continua desconhecida: {estado:?}"
        );
    }

    #[tokio::test]
    async fn an_unsettled_earlier_nota_blocks_a_new_one() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = emissor();
        m.expect_enviar()
            .with(always())
            .times(2)
            .returning(|_| Err(ErroEnvio::Desconhecido("timeout".into())));
        let m = Arc::new(m);
        emitir(&livro, &m, nota("a", Some(5))).await.unwrap();
        let r = emitir(&livro, &m, nota("b", None)).await;
        assert!(
            matches!(r, Err(ErroEmissao::Bloqueada { numero: 5, .. })),
            "{r:?}"
        );
        assert!(
            livro.por_numero(&sequencia(), 6).unwrap().is_none(),
            "nenhum número novo reservado"
        );
    }

    #[tokio::test]
    async fn the_first_nota_of_a_sequence_must_carry_its_number() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = emissor();
        m.expect_enviar().times(0);
        let m = Arc::new(m);
        let Err(ErroEmissao::Invalida(v)) = emitir(&livro, &m, nota("a", None)).await else {
            panic!("a primeira nota sem número deveria ser recusada");
        };
        assert!(v.contem("NUMERO_NOTA", Regra::Obrigatorio));
    }

    /// The first scenario: nota 2's reply is lost, and the resend that settles it meets
    /// a refusal (a wrong password). The number must stay held: otherwise the next nota takes
    /// it and the first is issued twice.
    #[tokio::test]
    async fn a_refused_resend_keeps_the_nota_unknown_and_blocks_the_sequence() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = emissor();
        let senha = "CNPJ/CPF do prestador ou senha inválidos.";
        em_ordem(
            &mut m,
            vec![
                aceita("A"),
                Err(ErroEnvio::Desconhecido("resposta perdida".into())),
                recusa(senha),
                ja_consta(),
                aceita("C"),
            ],
        );
        let m = Arc::new(m);
        emitir(&livro, &m, nota("a", Some(1))).await.unwrap();
        let d = emitir(&livro, &m, nota("b", None)).await.unwrap();
        assert!(
            matches!(d, Desfecho::Desconhecida { numero: 2, .. }),
            "{d:?}"
        );
        // The password is wrong now: the pending nota is sent again and refused.
        let r = emitir(&livro, &m, nota("c", None)).await;
        assert!(
            matches!(&r, Err(ErroEmissao::Bloqueada { numero: 2, motivo }) if motivo.contains(senha)),
            "{r:?}"
        );
        assert!(matches!(estado(&livro, 2), Estado::Desconhecida { .. }));
        assert!(livro.por_numero(&sequencia(), 3).unwrap().is_none());
        // Fixed: the resend meets "já consta" and the sequence moves on.
        let d = emitir(&livro, &m, nota("c", None)).await.unwrap();
        assert_eq!(
            d,
            Desfecho::Emitida {
                numero: 3,
                codigo: Some("C".into()),
                retomada: false
            }
        );
        assert_eq!(estado(&livro, 2), Estado::Aceita { codigo: None });
    }

    #[tokio::test]
    async fn the_same_nota_sent_again_after_a_refused_resend_reports_it_without_freeing_it() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = emissor();
        em_ordem(
            &mut m,
            vec![
                Err(ErroEnvio::Desconhecido("tempo esgotado".into())),
                recusa("Prestador não liberado para envio de notas nesta prefeitura."),
            ],
        );
        let m = Arc::new(m);
        emitir(&livro, &m, nota("a", Some(9))).await.unwrap();
        let d = emitir(&livro, &m, nota("a", Some(9))).await.unwrap();
        assert!(
            matches!(d, Desfecho::ReenvioRecusado { numero: 9, .. }),
            "{d:?}"
        );
        assert!(!d.pendente());
        assert!(matches!(estado(&livro, 9), Estado::Desconhecida { .. }));
    }

    /// The third scenario: two identical invoices on one day are two notas when each
    /// carries its own number.
    #[tokio::test]
    async fn identical_content_under_an_explicit_new_number_is_a_new_nota() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = emissor();
        em_ordem(&mut m, vec![aceita("A"), aceita("B")]);
        let m = Arc::new(m);
        emitir(&livro, &m, nota("sessão", Some(1))).await.unwrap();
        let d = emitir(&livro, &m, nota("sessão", Some(2))).await.unwrap();
        assert_eq!(
            d,
            Desfecho::Emitida {
                numero: 2,
                codigo: Some("B".into()),
                retomada: false
            }
        );
        // The same nota with its number again is known, without calling the service.
        let d = emitir(&livro, &m, nota("sessão", Some(2))).await.unwrap();
        assert_eq!(
            d,
            Desfecho::JaEmitida {
                numero: 2,
                codigo: Some("B".into())
            }
        );
    }

    #[tokio::test]
    async fn an_explicit_number_held_by_another_nota_is_refused_locally() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = emissor();
        em_ordem(&mut m, vec![aceita("A")]);
        let m = Arc::new(m);
        emitir(&livro, &m, nota("a", Some(4))).await.unwrap();
        let Err(ErroEmissao::Invalida(v)) = emitir(&livro, &m, nota("b", Some(4))).await else {
            panic!("o número 4 pertence a outra nota");
        };
        assert!(v.contem("NUMERO_NOTA", Regra::NfdSequencia), "{v}");
    }

    #[tokio::test]
    async fn a_new_nota_on_purpose_gets_the_next_number_but_never_duplicates_a_pending_one() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = emissor();
        em_ordem(
            &mut m,
            vec![
                aceita("A"),
                aceita("B"),
                Err(ErroEnvio::Desconhecido("reset".into())),
                ja_consta(),
            ],
        );
        let m = Arc::new(m);
        emitir(&livro, &m, nota("x", Some(1))).await.unwrap();
        assert!(matches!(
            emitir(&livro, &m, nota("x", None)).await.unwrap(),
            Desfecho::JaEmitida { numero: 1, .. }
        ));
        let d = emitir_nova(&livro, &m, nota("x", None)).await.unwrap();
        assert!(matches!(d, Desfecho::Emitida { numero: 2, .. }), "{d:?}");
        let d = emitir_nova(&livro, &m, nota("x", None)).await.unwrap();
        assert!(
            matches!(d, Desfecho::Desconhecida { numero: 3, .. }),
            "{d:?}"
        );
        // Run again after the unknown outcome: the pending copy is the one settled and
        // reported, not a fourth nota.
        let d = emitir_nova(&livro, &m, nota("x", None)).await.unwrap();
        assert_eq!(
            d,
            Desfecho::Emitida {
                numero: 3,
                codigo: None,
                retomada: true
            }
        );
        assert!(livro.por_numero(&sequencia(), 4).unwrap().is_none());
    }

    #[tokio::test]
    async fn a_nota_left_sent_by_a_killed_process_is_settled_by_the_next() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = emissor();
        em_ordem(&mut m, vec![aceita("A"), ja_consta(), aceita("C")]);
        let m = Arc::new(m);
        emitir(&livro, &m, nota("a", Some(1))).await.unwrap();
        // A process reserved 2 (marked sent), then died before the answer.
        let pedido = Pedido {
            sequencia: &sequencia(),
            numero: None,
            data: Data::new(2016, 5, 21).unwrap(),
            conteudo: "b",
        };
        let r = livro
            .reservar(pedido, &|n| format!("<NOTA nº {n}>"))
            .unwrap();
        assert_eq!(r.estado, Estado::Enviada);
        let d = emitir(&livro, &m, nota("c", None)).await.unwrap();
        assert!(matches!(d, Desfecho::Emitida { numero: 3, .. }), "{d:?}");
        assert_eq!(estado(&livro, 2), Estado::Aceita { codigo: None });
    }

    /// A ledger whose writes of an outcome fail (disk full), to see the outcome survive.
    struct LivroSemDisco {
        livro: Livro,
        falhas: std::sync::atomic::AtomicUsize,
    }

    impl LivroNotas for LivroSemDisco {
        fn ultima(&self, s: &Sequencia) -> Result<Option<Registro>, ErroLivro> {
            self.livro.ultima(s)
        }
        fn pendentes(&self, s: &Sequencia) -> Result<Vec<Registro>, ErroLivro> {
            self.livro.pendentes(s)
        }
        fn por_numero(&self, s: &Sequencia, n: u64) -> Result<Option<Registro>, ErroLivro> {
            self.livro.por_numero(s, n)
        }
        fn por_conteudo(&self, s: &Sequencia, c: &str) -> Result<Option<Registro>, ErroLivro> {
            self.livro.por_conteudo(s, c)
        }
        fn reservar(
            &self,
            p: Pedido<'_>,
            d: &dyn Fn(u64) -> String,
        ) -> Result<Registro, ErroLivro> {
            self.livro.reservar(p, d)
        }
        fn registrar(&self, id: i64, de: &Estado, para: &Estado) -> Result<(), ErroLivro> {
            if *de == Estado::Enviada {
                self.falhas
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return Err(ErroLivro::Armazenamento {
                    local: "teste".into(),
                    motivo: "disco cheio".into(),
                });
            }
            self.livro.registrar(id, de, para)
        }
        fn decidir(&self, id: i64, para: &Estado, por: &str) -> Result<(), ErroLivro> {
            self.livro.decidir(id, para, por)
        }
        fn fila(&self, s: &Sequencia) -> Result<Box<dyn guiche_ports::livro::Fila>, ErroLivro> {
            self.livro.fila(s)
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_known_outcome_survives_a_ledger_that_cannot_record_it() {
        let livro = Arc::new(LivroSemDisco {
            livro: Livro::em_memoria().unwrap(),
            falhas: std::sync::atomic::AtomicUsize::new(0),
        });
        let mut m = emissor();
        em_ordem(&mut m, vec![aceita("CODIGO-DE-AUTENTICIDADE")]);
        let m = Arc::new(m);
        let r = emissao(&livro, &m)
            .emitir(
                &sequencia(),
                Prefeitura::buscar("3150").unwrap(),
                nota("a", Some(1)),
                false,
            )
            .await;
        let Err(ErroEmissao::NaoRegistrado { desfecho, .. }) = r else {
            panic!("esperava o resultado não registrado: {r:?}");
        };
        assert_eq!(
            *desfecho,
            Desfecho::Emitida {
                numero: 1,
                codigo: Some("CODIGO-DE-AUTENTICIDADE".into()),
                retomada: false
            }
        );
        assert_eq!(
            livro.falhas.load(std::sync::atomic::Ordering::Relaxed),
            1 + REGISTRO_ESPERAS.len(),
            "tentou registrar de novo antes de desistir"
        );
        // Still "sent" in the ledger: the next send settles it with the service's duplicate.
        assert_eq!(
            livro.livro.pendentes(&sequencia()).unwrap()[0].estado,
            Estado::Enviada
        );
    }

    #[tokio::test]
    async fn a_person_decides_a_nota_the_service_never_settled() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = emissor();
        em_ordem(
            &mut m,
            vec![
                Err(ErroEnvio::Desconhecido("tempo esgotado".into())),
                aceita("B"),
            ],
        );
        let m = Arc::new(m);
        emitir(&livro, &m, nota("a", Some(1))).await.unwrap();
        let e = emissao(&livro, &m);
        let r = e
            .resolver(
                &sequencia(),
                1,
                &Decisao::Emitida {
                    codigo: "XYZ".into(),
                },
                "maria",
            )
            .await
            .unwrap();
        assert_eq!(
            r.estado,
            Estado::Aceita {
                codigo: Some("XYZ".into())
            }
        );
        assert_eq!(r.decisao.unwrap().por, "maria");
        let d = emitir(&livro, &m, nota("b", None)).await.unwrap();
        assert!(matches!(d, Desfecho::Emitida { numero: 2, .. }), "{d:?}");
        let r = e
            .resolver(&sequencia(), 2, &Decisao::NaoEmitida, "maria")
            .await;
        assert!(
            matches!(r, Err(ErroEmissao::Livro(ErroLivro::SemDecisao { .. }))),
            "uma nota emitida com código não pede decisão: {r:?}"
        );
        let r = e
            .resolver(&sequencia(), 7, &Decisao::NaoEmitida, "maria")
            .await;
        assert!(matches!(r, Err(ErroEmissao::SemNota(7))), "{r:?}");
    }

    #[tokio::test]
    async fn a_nota_declared_not_issued_is_reported_as_recorded() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut m = emissor();
        em_ordem(&mut m, vec![Err(ErroEnvio::Desconhecido("reset".into()))]);
        let m = Arc::new(m);
        emitir(&livro, &m, nota("a", Some(1))).await.unwrap();
        let r = emissao(&livro, &m)
            .resolver(&sequencia(), 1, &Decisao::NaoEmitida, "joão")
            .await
            .unwrap();
        assert!(
            matches!(r.estado, Estado::Recusada { .. }),
            "{:?}",
            r.estado
        );
        assert_eq!(r.decisao.unwrap().por, "joão");
        assert!(
            livro.por_numero(&sequencia(), 1).unwrap().is_none(),
            "número livre"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_sequence_held_by_another_is_waited_for_then_reported_busy() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let m = Arc::new(emissor());
        let mut fila = livro.fila(&sequencia()).unwrap();
        let vez = fila.tentar().unwrap().unwrap();
        let r = emitir(&livro, &m, nota("a", Some(1))).await;
        assert!(matches!(r, Err(ErroEmissao::Ocupada { .. })), "{r:?}");
        drop(vez);
        let mut m = emissor();
        em_ordem(&mut m, vec![aceita("A")]);
        let m = Arc::new(m);
        assert!(matches!(
            emitir(&livro, &m, nota("a", Some(1))).await.unwrap(),
            Desfecho::Emitida { numero: 1, .. }
        ));
    }
}
