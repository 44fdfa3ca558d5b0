//! Issuing an NFS-e Nacional exactly once, over the NFD ledger (`ports::livro`): the signed DPS
//! is recorded keyed by its Id *before* it leaves, its outcome after; a DPS whose outcome is
//! unknown is settled by its Id (`HEAD /dps/{id}`, [`ConsultaEmissao`]) before anything else of
//! its sequence is sent, and sent again only when the service holds nothing for it (SEFIN
//! refuses a second NFS-e for one DPS Id anyway).
//!
//! The DPS Id is `cLocEmi` + the prestador's inscription + `serie` + `nDPS`, so the ledger's
//! sequence is the prestador with `nfse-<cLocEmi>-<serie>` in place of NFD's municipality code,
//! and the row's number is `nDPS` ([`sequencia`]). One process at a time works on a sequence
//! (the ledger's turn, [`LivroNotas::fila`]); the ledger's rules hold as for NFD: `nDPS` follows
//! the sequence, a refused DPS frees its number, a pending one blocks the next.

use std::sync::Arc;
use std::time::{Duration, Instant};

use guiche_domain::nfse::{Dps, IdDps};
use guiche_ports::emissor::{ConsultaEmissao, EmissorNotas, Envio, ErroEnvio, Resposta};
use guiche_ports::livro::{ErroLivro, Estado, LivroNotas, Pedido, Registro, Sequencia, Vez};
use serde::Serialize;

/// The NFS-e Nacional issuer: the port's send, and the settling by the DPS Id.
pub trait EmissorNfse: EmissorNotas + ConsultaEmissao {}

impl<T: EmissorNotas + ConsultaEmissao + ?Sized> EmissorNfse for T {}

/// The ledger sequence of a DPS Id: the prestador, and `nfse-<cLocEmi>-<serie>` as its
/// "municipality" (no NFD code has that form); the row's number is `nDPS`.
pub fn sequencia(id: &IdDps) -> Sequencia {
    Sequencia {
        prestador: id.inscricao(),
        prefeitura: format!("nfse-{:07}-{}", id.municipio().numero(), id.serie()),
    }
}

/// The DPS's fingerprint in the ledger: SHA-256 of its canonical XML (unsigned), so that the
/// same file sent again is recognised and another DPS under a used number is not.
pub fn conteudo(dps: &Dps) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(dps.para_xml().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where a DPS stands after `send` or `status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "situacao", rename_all = "camelCase")]
pub enum Desfecho {
    /// Issued: the access key, `None` when SEFIN said "already issued" and its key could not
    /// be read yet (`guiche nfse status` asks again).
    Emitida {
        /// The DPS Id.
        id: String,
        /// The NFS-e access key.
        chave: Option<String>,
    },
    /// Refused by SEFIN: nothing issued, `nDPS` free again.
    Recusada {
        /// The DPS Id.
        id: String,
        /// SEFIN's messages.
        mensagem: String,
    },
    /// It may have been issued: settled by the DPS Id on the next `send` or `status`.
    Desconhecida {
        /// The DPS Id.
        id: String,
        /// What happened.
        motivo: String,
    },
    /// Recorded, never left (SEFIN unreachable): the next `send` sends it.
    NaoEnviada {
        /// The DPS Id.
        id: String,
        /// What happened.
        motivo: String,
    },
}

/// Why a DPS could not be issued or looked up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErroEmissaoNfse {
    /// The ledger refused or failed.
    #[error(transparent)]
    Livro(#[from] ErroLivro),
    /// The ledger holds another DPS under this Id (same prestador, `cLocEmi`, série and nDPS,
    /// other content).
    #[error(
        "o livro já tem outra DPS com o Id {id} (mesmo prestador, município, série e número, outro conteúdo); use o próximo nDPS"
    )]
    OutroConteudo {
        /// The DPS Id.
        id: String,
    },
    /// An earlier DPS of the sequence is still unsettled.
    #[error(
        "a DPS {id} ainda não foi resolvida ({motivo}); rode `guiche nfse send` de novo ou `guiche nfse status {id}`"
    )]
    Pendente {
        /// The unsettled DPS's Id.
        id: String,
        /// Where it stands.
        motivo: String,
    },
    /// Another process held the sequence for too long.
    #[error("outro processo está emitindo nesta série há mais de {espera:?}; tente de novo")]
    Ocupada {
        /// How long this one waited.
        espera: Duration,
    },
}

/// The NFS-e Nacional issuing use case.
#[derive(Clone)]
pub struct EmissaoNfse {
    /// The ledger (NFD's, see the module's documentation).
    pub livro: Arc<dyn LivroNotas>,
    /// SEFIN Nacional.
    pub emissor: Arc<dyn EmissorNfse>,
    /// How long to wait for the sequence's turn.
    pub espera_vez: Duration,
}

/// A blocking ledger call inside the async flow.
fn em_espera<T>(escrita: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(escrita),
        _ => escrita(),
    }
}

/// The DPS Id of a ledger row of an NFS-e sequence.
fn id_do_registro(r: &Registro) -> String {
    guiche_nfse_id(&r.sequencia, r.numero).unwrap_or_else(|| format!("nDPS {}", r.numero))
}

fn guiche_nfse_id(s: &Sequencia, numero: u64) -> Option<String> {
    let mut partes = s.prefeitura.strip_prefix("nfse-")?.split('-');
    let municipio = guiche_domain::municipio::CodigoIbge::parse(partes.next()?).ok()?;
    let serie = partes.next()?.parse().ok()?;
    IdDps::novo(municipio, s.prestador, serie, numero)
        .ok()
        .map(|id| id.to_string())
}

/// What a settled or pending row says.
fn desfecho_do_registro(r: &Registro) -> Desfecho {
    let id = id_do_registro(r);
    match &r.estado {
        Estado::Aceita { codigo } => Desfecho::Emitida {
            id,
            chave: codigo.clone(),
        },
        Estado::Recusada { mensagem } | Estado::Externa { mensagem } => Desfecho::Recusada {
            id,
            mensagem: mensagem.clone(),
        },
        Estado::Reservada => Desfecho::NaoEnviada {
            id,
            motivo: "registrada, ainda não enviada".into(),
        },
        Estado::Enviada => Desfecho::Desconhecida {
            id,
            motivo: "enviada, sem resposta registrada".into(),
        },
        Estado::Desconhecida { motivo } => Desfecho::Desconhecida {
            id,
            motivo: motivo.clone(),
        },
    }
}

impl EmissaoNfse {
    async fn vez(&self, sequencia: &Sequencia) -> Result<Vez, ErroEmissaoNfse> {
        let mut fila = em_espera(|| self.livro.fila(sequencia))?;
        let inicio = Instant::now();
        let mut pausa = Duration::from_millis(1);
        loop {
            if let Some(vez) = em_espera(|| fila.tentar())? {
                return Ok(vez);
            }
            if inicio.elapsed() >= self.espera_vez {
                return Err(ErroEmissaoNfse::Ocupada {
                    espera: self.espera_vez,
                });
            }
            tokio::time::sleep(pausa).await;
            pausa = (pausa * 2).min(Duration::from_millis(25));
        }
    }

    fn registrar(&self, id: i64, de: &Estado, para: &Estado) -> Result<(), ErroLivro> {
        em_espera(|| self.livro.registrar(id, de, para))
    }

    /// Issues the signed DPS `assinada` (the signature of `dps`) exactly once: settles the
    /// sequence's pending DPS first (this one included: by its Id, then sent again only when
    /// SEFIN holds nothing for it); a DPS already in the ledger is reported, not sent; else
    /// recorded, then sent, then its outcome recorded.
    ///
    /// # Errors
    /// [`ErroEmissaoNfse`]: the ledger's refusals (a number out of sequence, a date before the
    /// last), another DPS under this Id, an earlier DPS unsettled, the sequence busy.
    pub async fn emitir(&self, dps: &Dps, assinada: &str) -> Result<Desfecho, ErroEmissaoNfse> {
        let id = dps.id();
        let seq = sequencia(&id);
        let impressao = conteudo(dps);
        let _vez = self.vez(&seq).await?;
        for r in em_espera(|| self.livro.pendentes(&seq))? {
            let d = self.acertar(&r, true).await?;
            let resolvida = matches!(d, Desfecho::Emitida { .. } | Desfecho::Recusada { .. });
            if r.numero == id.numero() {
                if r.conteudo != impressao {
                    return Err(ErroEmissaoNfse::OutroConteudo { id: id.to_string() });
                }
                return Ok(d);
            }
            if !resolvida {
                return Err(ErroEmissaoNfse::Pendente {
                    id: id_do_registro(&r),
                    motivo: match d {
                        Desfecho::Desconhecida { motivo, .. }
                        | Desfecho::NaoEnviada { motivo, .. } => motivo,
                        _ => String::new(),
                    },
                });
            }
        }
        if let Some(r) = em_espera(|| self.livro.por_numero(&seq, id.numero()))? {
            if r.conteudo != impressao {
                return Err(ErroEmissaoNfse::OutroConteudo { id: id.to_string() });
            }
            return Ok(desfecho_do_registro(&r));
        }
        let pedido = Pedido {
            sequencia: &seq,
            numero: Some(id.numero()),
            data: dps.emissao().data(),
            conteudo: &impressao,
        };
        let documento = |_: u64| assinada.to_owned();
        let registro = em_espera(|| self.livro.reservar(pedido, &documento))?;
        Ok(self.transmitir(&registro, &Estado::Reservada).await?)
    }

    /// Issues a batch, one DPS after another in the order of their sequence and `nDPS`
    /// (whatever order they came in), each exactly once as [`EmissaoNfse::emitir`] does. A DPS
    /// left open (unknown outcome, not sent, the sequence busy or blocked) stops its sequence:
    /// the later ones of that sequence are not sent and answer
    /// [`ErroEmissaoNfse::Pendente`] naming it; other sequences go on. Run again, the batch
    /// resumes: what was issued is answered by the ledger. The results come in the order given.
    pub async fn emitir_lote(
        &self,
        itens: &[(Dps, String)],
    ) -> Vec<Result<Desfecho, ErroEmissaoNfse>> {
        let mut ordem: Vec<usize> = (0..itens.len()).collect();
        ordem.sort_by_key(|&i| {
            let id = itens[i].0.id();
            let s = sequencia(&id);
            (s.prestador.as_str().to_owned(), s.prefeitura, id.numero())
        });
        let mut bloqueadas: std::collections::HashMap<Sequencia, (String, String)> =
            std::collections::HashMap::new();
        let mut resultados: Vec<Option<Result<Desfecho, ErroEmissaoNfse>>> =
            itens.iter().map(|_| None).collect();
        for i in ordem {
            let (dps, assinada) = &itens[i];
            let seq = sequencia(&dps.id());
            let r = match bloqueadas.get(&seq) {
                Some((id, motivo)) => Err(ErroEmissaoNfse::Pendente {
                    id: id.clone(),
                    motivo: motivo.clone(),
                }),
                None => self.emitir(dps, assinada).await,
            };
            let aberta = match &r {
                Ok(Desfecho::Desconhecida { id, motivo } | Desfecho::NaoEnviada { id, motivo }) => {
                    Some((id.clone(), motivo.clone()))
                }
                Err(ErroEmissaoNfse::Pendente { id, motivo }) => Some((id.clone(), motivo.clone())),
                Err(e @ ErroEmissaoNfse::Ocupada { .. }) => {
                    Some((dps.id().to_string(), e.to_string()))
                }
                _ => None,
            };
            if let Some(bloqueio) = aberta {
                bloqueadas.entry(seq).or_insert(bloqueio);
            }
            if let Some(lugar) = resultados.get_mut(i) {
                *lugar = Some(r);
            }
        }
        resultados.into_iter().flatten().collect()
    }

    /// Where the DPS `id` stands in the ledger (`None`: not there), settling it by its Id when
    /// it is pending or issued without its key — never sending it.
    ///
    /// # Errors
    /// [`ErroEmissaoNfse`].
    pub async fn situacao(&self, id: &IdDps) -> Result<Option<Desfecho>, ErroEmissaoNfse> {
        let seq = sequencia(id);
        let Some(r) = em_espera(|| self.livro.por_numero(&seq, id.numero()))? else {
            return Ok(None);
        };
        let aberta = !r.estado.resolvido() || matches!(r.estado, Estado::Aceita { codigo: None });
        if !aberta {
            return Ok(Some(desfecho_do_registro(&r)));
        }
        let _vez = self.vez(&seq).await?;
        // Read again under the turn: another process may have settled it meanwhile.
        let Some(r) = em_espera(|| self.livro.por_numero(&seq, id.numero()))? else {
            return Ok(None);
        };
        Ok(Some(self.acertar(&r, false).await?))
    }

    /// Settles a pending row (or an accepted one without its key) by the DPS Id; when SEFIN
    /// holds nothing for it and `reenviar`, sends the recorded document again.
    async fn acertar(&self, r: &Registro, reenviar: bool) -> Result<Desfecho, ErroEmissaoNfse> {
        if let Estado::Aceita { codigo: None } = r.estado {
            if let Ok(Some(chave)) = self.emissor.emitido(&r.documento).await {
                let para = Estado::Aceita {
                    codigo: Some(chave),
                };
                self.registrar(r.id, &r.estado, &para)?;
                return Ok(desfecho_do_registro(&Registro {
                    estado: para,
                    ..r.clone()
                }));
            }
            return Ok(desfecho_do_registro(r));
        }
        if r.estado.resolvido() {
            return Ok(desfecho_do_registro(r));
        }
        match self.emissor.emitido(&r.documento).await {
            Ok(Some(chave)) => {
                if r.estado != Estado::Enviada {
                    self.registrar(r.id, &r.estado, &Estado::Enviada)?;
                }
                let para = Estado::Aceita {
                    codigo: Some(chave),
                };
                self.registrar(r.id, &Estado::Enviada, &para)?;
                Ok(desfecho_do_registro(&Registro {
                    estado: para,
                    ..r.clone()
                }))
            }
            Ok(None) if reenviar => {
                let anterior = r.estado.clone();
                if anterior != Estado::Enviada {
                    self.registrar(r.id, &anterior, &Estado::Enviada)?;
                }
                Ok(self.transmitir(r, &anterior).await?)
            }
            Ok(None) => Ok(desfecho_do_registro(r)),
            // Never left, and SEFIN still unreachable: it stays "not sent".
            Err(ErroEnvio::NaoEnviado(_)) if r.estado == Estado::Reservada => {
                Ok(desfecho_do_registro(r))
            }
            Err(e) => Ok(Desfecho::Desconhecida {
                id: id_do_registro(r),
                motivo: format!("consulta pelo Id da DPS: {e}"),
            }),
        }
    }

    /// Sends a row recorded as `enviada` and records the outcome; `anterior` is where it stood
    /// before this attempt (a request that never left goes back there, or to `desconhecida`
    /// when an earlier attempt may have left).
    async fn transmitir(&self, r: &Registro, anterior: &Estado) -> Result<Desfecho, ErroLivro> {
        let envio = Envio {
            prefeitura: r.sequencia.prefeitura.clone(),
            prestador: r.sequencia.prestador,
            documento: r.documento.clone(),
            url_impressao: false,
        };
        let mut nao_saiu = None;
        let para = match self.emissor.enviar(&envio).await {
            Ok(Resposta::Aceita { codigo }) => Estado::Aceita {
                codigo: Some(codigo),
            },
            Ok(Resposta::JaEmitida { .. }) => Estado::Aceita { codigo: None },
            Ok(Resposta::Recusada { mensagem }) => Estado::Recusada { mensagem },
            Err(ErroEnvio::NaoEnviado(motivo)) => match anterior {
                Estado::Reservada => {
                    nao_saiu = Some(motivo);
                    Estado::Reservada
                }
                _ => Estado::Desconhecida {
                    motivo: format!("o reenvio não saiu: {motivo}"),
                },
            },
            Err(e) => Estado::Desconhecida {
                motivo: e.to_string(),
            },
        };
        self.registrar(r.id, &Estado::Enviada, &para)?;
        let id = id_do_registro(r);
        if let Some(motivo) = nao_saiu {
            return Ok(Desfecho::NaoEnviada {
                id,
                motivo: format!(
                    "{motivo}; a DPS ficou registrada e sai no próximo `guiche nfse send`"
                ),
            });
        }
        let d = desfecho_do_registro(&Registro {
            estado: para,
            ..r.clone()
        });
        Ok(d)
    }
}
