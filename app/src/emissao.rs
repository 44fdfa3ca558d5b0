//! Issuing a nota without ever skipping, reusing or double-sending a number.
//!
//! For a sequence (provider × municipality):
//! 1. **Settle** every pending nota first, by sending its recorded document again: after an
//!    unknown outcome a "já consta" reply means it was issued (code to be confirmed). A nota
//!    still unknown blocks the sequence (the service enforces strict order).
//! 2. **Refuse locally** a nota the ledger knows as issued (same content, or its number taken),
//!    without calling the service.
//! 3. **Validate** with the last nota (sequence and date rules).
//! 4. **Reserve** number and exact document in one transaction, mark it sent, send, record.

use guiche_domain::nfd::{ContextoNfd, Nota, NotaBruta, Prefeitura, Tag, UltimaNota};
use guiche_domain::{Regra, Violacoes};
use guiche_ports::Relogio;
use guiche_ports::emissor::{EmissorNotas, Envio, ErroEnvio, Resposta};
use guiche_ports::livro::{ErroLivro, Estado, LivroNotas, Pedido, Registro, Sequencia};
use sha2::{Digest, Sha256};

/// What happened to a nota, for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Desfecho {
    /// Issued now (or found issued when settling an unknown outcome: `codigo` is `None`).
    Emitida {
        numero: u64,
        codigo: Option<String>,
        retomada: bool,
    },
    /// The ledger already knows it as issued: nothing was sent.
    JaEmitida { numero: u64, codigo: Option<String> },
    /// Refused by the service; its number is free again.
    Recusada { numero: u64, mensagem: String },
    /// The service already had this number, issued outside guichê: the number is recorded as
    /// used and this nota was not issued (send it again for the next number).
    NumeroOcupado { numero: u64, mensagem: String },
    /// Sent, outcome unknown: the next send settles it.
    Desconhecida { numero: u64, motivo: String },
    /// Nothing left (connection refused…): safe to try again.
    NaoEnviada { numero: u64, motivo: String },
}

/// Why a nota could not even be tried.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ErroEmissao {
    /// The nota breaks rules (reported like validation).
    #[error("nota inválida")]
    Invalida(Violacoes),
    /// An earlier nota of the sequence is still unsettled after trying again.
    #[error("a nota nº {numero} ainda está pendente ({motivo}); nada novo foi enviado")]
    Bloqueada { numero: u64, motivo: String },
    /// The ledger refused or failed.
    #[error(transparent)]
    Livro(#[from] ErroLivro),
}

/// The issuing use case, over the ports.
pub(crate) struct Emissao<'a> {
    pub(crate) livro: &'a dyn LivroNotas,
    pub(crate) emissor: &'a dyn EmissorNotas,
    pub(crate) relogio: &'a dyn Relogio,
    pub(crate) url_impressao: bool,
}

/// The state to go back to when a new attempt did not leave: a nota that had left before may
/// still have been received, so it stays unknown.
fn anterior(estado: &Estado) -> Estado {
    match estado {
        Estado::Enviada => Estado::Desconhecida {
            motivo: "envio anterior interrompido".into(),
        },
        Estado::Desconhecida { motivo } => Estado::Desconhecida {
            motivo: motivo.clone(),
        },
        _ => Estado::Reservada,
    }
}

/// A fingerprint of the nota's content without its number.
pub(crate) fn conteudo(nota: &Nota) -> String {
    let texto = nota.bruta().com(Tag::NumeroNota, "").para_xml();
    let hash = Sha256::digest(texto.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

impl Emissao<'_> {
    /// Issues one nota of `sequencia`.
    pub(crate) async fn emitir(
        &self,
        sequencia: &Sequencia,
        prefeitura: &Prefeitura,
        bruta: NotaBruta,
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
        let digital = conteudo(&nota);
        if let Some(d) = self.acertar_pendentes(sequencia, &digital).await? {
            return Ok(d);
        }
        if let Some(d) = self.ja_conhecida(sequencia, &nota, &digital)? {
            return Ok(d);
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
            conteudo: &digital,
        };
        let documento = |n: u64| {
            self.emissor
                .documento(&sequencia.prefeitura, &nota.clone().com_numero(n))
        };
        let registro = self.livro.reservar(pedido, &documento)?;
        self.enviar(&registro, false).await
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

    /// Refuses locally a nota already issued (same content) or whose number is taken.
    fn ja_conhecida(
        &self,
        seq: &Sequencia,
        nota: &Nota,
        digital: &str,
    ) -> Result<Option<Desfecho>, ErroEmissao> {
        if let Some(r) = self.livro.por_conteudo(seq, digital)?
            && let Estado::Aceita { codigo } = r.estado
        {
            return Ok(Some(Desfecho::JaEmitida {
                numero: r.numero,
                codigo,
            }));
        }
        let Some(numero) = nota.numero() else {
            return Ok(None);
        };
        match self.livro.por_numero(seq, numero)? {
            Some(r) if matches!(r.estado, Estado::Aceita { .. }) => {
                let mut v = Violacoes::default();
                let msg = format!(
                    "o número {numero} já foi emitido para outra nota (veja o livro); nada foi enviado"
                );
                v.add("NUMERO_NOTA", Regra::NfdSequencia, msg, numero.to_string());
                Err(ErroEmissao::Invalida(v))
            }
            _ => Ok(None),
        }
    }

    /// Sends every pending nota again. Returns the outcome when the pending nota is the one
    /// being issued (same content).
    async fn acertar_pendentes(
        &self,
        seq: &Sequencia,
        digital: &str,
    ) -> Result<Option<Desfecho>, ErroEmissao> {
        for registro in self.livro.pendentes(seq)? {
            let desfecho = self.enviar(&registro, true).await?;
            if registro.conteudo == digital {
                return Ok(Some(desfecho));
            }
            match desfecho {
                Desfecho::Desconhecida { numero, motivo }
                | Desfecho::NaoEnviada { numero, motivo } => {
                    return Err(ErroEmissao::Bloqueada { numero, motivo });
                }
                _ => {}
            }
        }
        Ok(None)
    }

    /// Marks the row sent, sends its recorded document, records the outcome.
    async fn enviar(&self, r: &Registro, retomada: bool) -> Result<Desfecho, ErroEmissao> {
        let ja_saiu = matches!(r.estado, Estado::Enviada | Estado::Desconhecida { .. });
        self.livro.registrar(r.id, &Estado::Enviada)?;
        let envio = Envio {
            prefeitura: r.sequencia.prefeitura.clone(),
            prestador: r.sequencia.prestador,
            documento: r.documento.clone(),
            url_impressao: self.url_impressao,
        };
        let numero = r.numero;
        let (estado, desfecho) = match self.emissor.enviar(&envio).await {
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
            Ok(Resposta::Recusada { mensagem }) => (
                Estado::Recusada {
                    mensagem: mensagem.clone(),
                },
                Desfecho::Recusada { numero, mensagem },
            ),
            Err(ErroEnvio::NaoEnviado(motivo)) => {
                (anterior(&r.estado), Desfecho::NaoEnviada { numero, motivo })
            }
            Err(ErroEnvio::Desconhecido(motivo)) => (
                Estado::Desconhecida {
                    motivo: motivo.clone(),
                },
                Desfecho::Desconhecida { numero, motivo },
            ),
            Err(e) => (
                Estado::Desconhecida {
                    motivo: e.to_string(),
                },
                Desfecho::Desconhecida {
                    numero,
                    motivo: e.to_string(),
                },
            ),
        };
        self.livro.registrar(r.id, &estado)?;
        Ok(desfecho)
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
        #[async_trait::async_trait]
        impl EmissorNotas for Emissor {
            fn documento(&self, prefeitura: &str, nota: &Nota) -> String;
            async fn enviar(&self, envio: &Envio) -> Result<Resposta, ErroEnvio>;
        }
    }

    struct Hoje;
    impl Relogio for Hoje {
        fn hoje(&self) -> Data {
            Data::new(2026, 11, 22).unwrap()
        }
    }

    const NOTA: &str = include_str!("../../domain/tests/vetores/nfd-manual.xml");

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

    async fn emitir(livro: &Livro, m: &MockEmissor, b: NotaBruta) -> Result<Desfecho, ErroEmissao> {
        let e = Emissao {
            livro,
            emissor: m,
            relogio: &Hoje,
            url_impressao: false,
        };
        e.emitir(&sequencia(), Prefeitura::buscar("3150").unwrap(), b)
            .await
    }

    #[tokio::test]
    async fn the_recorded_document_is_what_is_sent() {
        let livro = Livro::em_memoria().unwrap();
        let mut m = emissor();
        m.expect_enviar()
            .withf(|e| e.documento == "<NOTA nº Some(7)>" && e.prefeitura == "3150")
            .times(1)
            .returning(|_| aceita("ABC"));
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
        let livro = Livro::em_memoria().unwrap();
        let mut m = emissor();
        m.expect_enviar().times(1).returning(|_| aceita("ABC"));
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
        let livro = Livro::em_memoria().unwrap();
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
        let livro = Livro::em_memoria().unwrap();
        let mut m = emissor();
        em_ordem(&mut m, vec![aceita("A"), ja_consta(), aceita("B")]);
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
        let livro = Livro::em_memoria().unwrap();
        let mut m = emissor();
        em_ordem(
            &mut m,
            vec![
                Err(ErroEnvio::Desconhecido("reset".into())),
                Err(ErroEnvio::NaoEnviado("recusada".into())),
            ],
        );
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
        let livro = Livro::em_memoria().unwrap();
        let mut m = emissor();
        m.expect_enviar()
            .with(always())
            .times(2)
            .returning(|_| Err(ErroEnvio::Desconhecido("timeout".into())));
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
        let livro = Livro::em_memoria().unwrap();
        let mut m = emissor();
        m.expect_enviar().times(0);
        let Err(ErroEmissao::Invalida(v)) = emitir(&livro, &m, nota("a", None)).await else {
            panic!("a primeira nota sem número deveria ser recusada");
        };
        assert!(v.contem("NUMERO_NOTA", Regra::Obrigatorio));
    }
}
