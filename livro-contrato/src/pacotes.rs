//! CONAM packages ([`LivroPacotes`](guiche_ports::contabil::LivroPacotes)): records, resends,
//! refusals once evaluated, exact documents, keys per service, the service's word, and sends
//! racing an evaluation across processes.

use std::cell::Cell;
use std::collections::HashMap;

use guiche_ports::LivroCompleto;
use guiche_ports::contabil::{ChavePacote, RegistroPacote, SituacaoPacote};
use guiche_ports::livro::ErroLivro;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::corrida::{ao_mesmo_tempo, processos};
use crate::{Aberto, Caso, Motor};

/// The cases of this module.
pub const CASOS: &[Caso] = &[
    (
        "um_envio_fica_registrado_sem_desfecho",
        um_envio_fica_registrado_sem_desfecho,
    ),
    (
        "toda_situacao_e_lida_de_volta",
        toda_situacao_e_lida_de_volta,
    ),
    (
        "um_pacote_nao_avaliado_e_substituido",
        um_pacote_nao_avaliado_e_substituido,
    ),
    (
        "um_pacote_avaliado_nunca_e_reenviado",
        um_pacote_avaliado_nunca_e_reenviado,
    ),
    (
        "um_pacote_avaliado_mantem_sua_situacao",
        um_pacote_avaliado_mantem_sua_situacao,
    ),
    (
        "um_pacote_aguardando_ainda_e_avaliado",
        um_pacote_aguardando_ainda_e_avaliado,
    ),
    (
        "um_pacote_desconhecido_nao_e_encontrado",
        um_pacote_desconhecido_nao_e_encontrado,
    ),
    (
        "ids_fora_do_livro_sao_recusados_pelo_nome",
        ids_fora_do_livro_sao_recusados_pelo_nome,
    ),
    ("o_documento_exato_e_guardado", o_documento_exato_e_guardado),
    (
        "os_registros_valem_para_outro_processo",
        os_registros_valem_para_outro_processo,
    ),
    (
        "um_id_em_dois_servicos_sao_dois_pacotes",
        um_id_em_dois_servicos_sao_dois_pacotes,
    ),
    (
        "a_palavra_do_servico_e_registrada",
        a_palavra_do_servico_e_registrada,
    ),
    (
        "pacotes_sao_chaveados_por_servico_e_id",
        pacotes_sao_chaveados_por_servico_e_id,
    ),
    (
        "envios_concorrentes_nunca_desfazem_uma_avaliacao",
        envios_concorrentes_nunca_desfazem_uma_avaliacao,
    ),
];

/// The service every case but the multi-city ones sends to.
pub const SERVICO: &str = "https://integracao-h.conam.com.br/cidade";

/// Package `id` at [`SERVICO`].
fn k(id: u64) -> ChavePacote {
    ChavePacote::new(SERVICO, id).unwrap()
}

fn doc(id: u64) -> String {
    format!(r#"{{"codEntidade":"1","idPacote":{id},"movimentos":[]}}"#)
}

fn rejeitado() -> SituacaoPacote {
    SituacaoPacote::Rejeitado {
        codigo: "0".to_owned(),
        mensagem: "Conta de receita inválida".to_owned(),
    }
}

fn motivo(e: ErroLivro) -> String {
    match e {
        ErroLivro::Armazenamento { motivo, .. } => motivo,
        outro => panic!("esperava Armazenamento, veio {outro:?}"),
    }
}

fn id_do(id: u64) -> i64 {
    i64::try_from(id).unwrap()
}

/// A send is recorded before its outcome is known; ids are independent.
pub fn um_envio_fica_registrado_sem_desfecho(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    assert_eq!(livro.pacote(&k(1)).unwrap(), None);
    livro.registrar_envio(&k(1), "2", &doc(1)).unwrap();
    assert_eq!(
        livro.pacote(&k(1)).unwrap(),
        Some(RegistroPacote {
            servico: SERVICO.to_owned(),
            id_pacote: 1,
            entidade: "2".to_owned(),
            documento: doc(1),
            situacao: None,
        })
    );
    assert_eq!(livro.pacote(&k(2)).unwrap(), None, "ids are independent");
}

/// Every situation is stored and read back as it was.
pub fn toda_situacao_e_lida_de_volta(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    for (id, s) in [
        (1, SituacaoPacote::Aguardando),
        (2, SituacaoPacote::Aprovado),
        (3, rejeitado()),
    ] {
        livro.registrar_envio(&k(id), "1", &doc(id)).unwrap();
        livro.atualizar(&k(id), &s).unwrap();
        assert_eq!(livro.pacote(&k(id)).unwrap().unwrap().situacao, Some(s));
    }
}

/// A package whose outcome is unknown, or that waits for evaluation, is sent again: its
/// document and entity replaced, its situation cleared.
pub fn um_pacote_nao_avaliado_e_substituido(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    livro.registrar_envio(&k(10), "1", "primeiro").unwrap();
    // Outcome unknown (timeout): sent again, same id.
    livro.registrar_envio(&k(10), "1", "segundo").unwrap();
    assert_eq!(livro.pacote(&k(10)).unwrap().unwrap().documento, "segundo");
    // Waiting for the accounting team: CONAM replaces it, and so does the ledger.
    livro
        .atualizar(&k(10), &SituacaoPacote::Aguardando)
        .unwrap();
    livro.registrar_envio(&k(10), "3", "terceiro").unwrap();
    let r = livro.pacote(&k(10)).unwrap().unwrap();
    assert_eq!(
        (r.entidade.as_str(), r.documento.as_str(), r.situacao),
        ("3", "terceiro", None),
        "document and entity replaced, situation cleared"
    );
}

/// An approved or rejected package is never sent again, and stays as it was.
pub fn um_pacote_avaliado_nunca_e_reenviado(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    for (id, s, nome) in [
        (1, SituacaoPacote::Aprovado, "aprovado"),
        (2, rejeitado(), "rejeitado"),
    ] {
        livro.registrar_envio(&k(id), "1", &doc(id)).unwrap();
        livro.atualizar(&k(id), &s).unwrap();
        let e = livro.registrar_envio(&k(id), "1", "outro").unwrap_err();
        assert!(
            matches!(
                e,
                ErroLivro::JaResolvida { id: i, de, para: "enviada" } if i == id_do(id) && de == nome
            ),
            "{e:?}"
        );
        let r = livro.pacote(&k(id)).unwrap().unwrap();
        assert_eq!((r.documento, r.situacao), (doc(id), Some(s)), "untouched");
    }
}

/// A send's outcome never changes an evaluation; the same evaluation read again is a no-op.
pub fn um_pacote_avaliado_mantem_sua_situacao(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    livro.registrar_envio(&k(1), "1", &doc(1)).unwrap();
    livro.atualizar(&k(1), &SituacaoPacote::Aprovado).unwrap();
    for (nova, para) in [
        (SituacaoPacote::Aguardando, "aguardando"),
        (rejeitado(), "rejeitado"),
    ] {
        let e = livro.atualizar(&k(1), &nova).unwrap_err();
        assert!(
            matches!(e, ErroLivro::JaResolvida { id: 1, de: "aprovado", para: p } if p == para),
            "{e:?}"
        );
    }
    livro.registrar_envio(&k(2), "1", &doc(2)).unwrap();
    livro.atualizar(&k(2), &rejeitado()).unwrap();
    let outra = SituacaoPacote::Rejeitado {
        codigo: "9".to_owned(),
        mensagem: "outra".to_owned(),
    };
    for nova in [SituacaoPacote::Aprovado, SituacaoPacote::Aguardando, outra] {
        let e = livro.atualizar(&k(2), &nova).unwrap_err();
        assert!(
            matches!(
                e,
                ErroLivro::JaResolvida {
                    id: 2,
                    de: "rejeitado",
                    ..
                }
            ),
            "{e:?}"
        );
    }
    // The same evaluation read again (polled twice) changes nothing.
    livro.atualizar(&k(1), &SituacaoPacote::Aprovado).unwrap();
    livro.atualizar(&k(2), &rejeitado()).unwrap();
    assert_eq!(
        livro.pacote(&k(1)).unwrap().unwrap().situacao,
        Some(SituacaoPacote::Aprovado)
    );
    assert_eq!(
        livro.pacote(&k(2)).unwrap().unwrap().situacao,
        Some(rejeitado())
    );
}

/// A waiting package may still be evaluated either way.
pub fn um_pacote_aguardando_ainda_e_avaliado(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    for (id, s) in [(1, SituacaoPacote::Aprovado), (2, rejeitado())] {
        livro.registrar_envio(&k(id), "1", &doc(id)).unwrap();
        livro
            .atualizar(&k(id), &SituacaoPacote::Aguardando)
            .unwrap();
        livro
            .atualizar(&k(id), &SituacaoPacote::Aguardando)
            .unwrap();
        livro.atualizar(&k(id), &s).unwrap();
        assert_eq!(livro.pacote(&k(id)).unwrap().unwrap().situacao, Some(s));
    }
}

/// A package never sent is not found, and nothing is recorded for it.
pub fn um_pacote_desconhecido_nao_e_encontrado(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    let e = livro
        .atualizar(&k(42), &SituacaoPacote::Aprovado)
        .unwrap_err();
    assert!(matches!(e, ErroLivro::NaoEncontrado(42)), "{e:?}");
    assert_eq!(livro.pacote(&k(42)).unwrap(), None);
}

/// Ids outside `1..=i64::MAX` are refused naming the id; the largest one is stored.
pub fn ids_fora_do_livro_sao_recusados_pelo_nome(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    for id in [0, u64::MAX, i64::MAX.unsigned_abs() + 1] {
        let m = motivo(livro.registrar_envio(&k(id), "1", "{}").unwrap_err());
        assert!(m.contains(&format!("idPacote {id}")), "{m}");
        let m = motivo(
            livro
                .atualizar(&k(id), &SituacaoPacote::Aprovado)
                .unwrap_err(),
        );
        assert!(m.contains(&format!("idPacote {id}")), "{m}");
        let m = motivo(
            livro
                .conciliar(&k(id), &SituacaoPacote::Aprovado)
                .unwrap_err(),
        );
        assert!(m.contains(&format!("idPacote {id}")), "{m}");
        assert_eq!(livro.pacote(&k(id)).unwrap(), None);
    }
    let maior = i64::MAX.unsigned_abs();
    livro.registrar_envio(&k(maior), "1", "{}").unwrap();
    assert_eq!(livro.pacote(&k(maior)).unwrap().unwrap().id_pacote, maior);
}

/// The document is stored byte for byte, and another process reads it so.
pub fn o_documento_exato_e_guardado(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let documento = "{\"historicoLancamento\":\"Recolhimento de ISS — São João\u{2028}linha 2\",\
                     \"valor\":\"1234.50\",\"obs\":\"ação \\\"citada\\\" \\u00e7\\n\"}\n  ";
    a.livro.registrar_envio(&k(5), "0044", documento).unwrap();
    let r = (a.reabrir)().pacote(&k(5)).unwrap().unwrap();
    assert_eq!(r.documento.as_bytes(), documento.as_bytes());
    assert_eq!(r.entidade, "0044", "leading zeros kept");
}

/// What one process recorded holds for another: situations, and refusals of resends.
pub fn os_registros_valem_para_outro_processo(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    {
        let livro = &a.livro;
        for id in 1..=3 {
            livro.registrar_envio(&k(id), "1", &doc(id)).unwrap();
        }
        livro.atualizar(&k(1), &SituacaoPacote::Aprovado).unwrap();
        livro.atualizar(&k(2), &rejeitado()).unwrap();
    }
    let livro = (a.reabrir)();
    let situacoes: Vec<_> = (1..=3)
        .map(|id| livro.pacote(&k(id)).unwrap().unwrap().situacao)
        .collect();
    assert_eq!(
        situacoes,
        [Some(SituacaoPacote::Aprovado), Some(rejeitado()), None]
    );
    assert!(
        livro.registrar_envio(&k(1), "1", &doc(1)).is_err(),
        "still evaluated"
    );
    livro.registrar_envio(&k(3), "1", "de novo").unwrap();
    assert_eq!(a.livro.pacote(&k(3)).unwrap().unwrap().documento, "de novo");
}

/// One `idPacote` at two services is two packages; a trailing `/` is the same service.
pub fn um_id_em_dois_servicos_sao_dois_pacotes(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    let ka = ChavePacote::new("https://conam.test/cidade-a", 1).unwrap();
    let kb = ChavePacote::new("https://conam.test/cidade-b/", 1).unwrap();
    livro.registrar_envio(&ka, "1", "de A").unwrap();
    livro.atualizar(&ka, &SituacaoPacote::Aprovado).unwrap();
    assert_eq!(livro.pacote(&kb).unwrap(), None, "B never sent its 1");
    livro.registrar_envio(&kb, "7", "de B").unwrap();
    livro.atualizar(&kb, &rejeitado()).unwrap();
    let (ra, rb) = (
        livro.pacote(&ka).unwrap().unwrap(),
        livro.pacote(&kb).unwrap().unwrap(),
    );
    assert_eq!(
        (ra.servico.as_str(), ra.documento.as_str(), ra.situacao),
        (
            "https://conam.test/cidade-a",
            "de A",
            Some(SituacaoPacote::Aprovado)
        )
    );
    assert_eq!(
        (rb.servico.as_str(), rb.documento.as_str(), rb.situacao),
        ("https://conam.test/cidade-b", "de B", Some(rejeitado())),
        "trailing / ignored"
    );
}

/// The status query's answer is recorded whatever the ledger held, and what it held returned.
pub fn a_palavra_do_servico_e_registrada(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    assert!(matches!(
        livro.conciliar(&k(1), &SituacaoPacote::Aprovado),
        Err(ErroLivro::NaoEncontrado(1))
    ));
    livro.registrar_envio(&k(1), "1", &doc(1)).unwrap();
    assert_eq!(
        livro.conciliar(&k(1), &SituacaoPacote::Aguardando).unwrap(),
        None,
        "the ledger did not know"
    );
    // What an old defect left: the refused resend recorded as a rejection.
    livro.atualizar(&k(1), &rejeitado()).unwrap();
    assert_eq!(
        livro.conciliar(&k(1), &SituacaoPacote::Aprovado).unwrap(),
        Some(rejeitado()),
        "an evaluation the service contradicts is corrected"
    );
    assert_eq!(
        livro.pacote(&k(1)).unwrap().unwrap().situacao,
        Some(SituacaoPacote::Aprovado)
    );
    assert_eq!(
        livro.conciliar(&k(1), &SituacaoPacote::Aprovado).unwrap(),
        Some(SituacaoPacote::Aprovado),
        "agreeing changes nothing"
    );
    assert!(
        livro.atualizar(&k(1), &rejeitado()).is_err(),
        "a send's outcome still cannot change an evaluation"
    );
}

/// One operation of [`pacotes_sao_chaveados_por_servico_e_id`]: on service `0` or `1`,
/// package `id`.
#[derive(Clone, Debug)]
enum Op {
    Envio(usize, u64, u8),
    Atualizar(usize, u64, SituacaoPacote),
    Conciliar(usize, u64, SituacaoPacote),
}

fn situacao_qualquer() -> impl Strategy<Value = SituacaoPacote> {
    prop_oneof![
        Just(SituacaoPacote::Aguardando),
        Just(SituacaoPacote::Aprovado),
        Just(rejeitado()),
        Just(SituacaoPacote::Rejeitado {
            codigo: "07".to_owned(),
            mensagem: "outra".to_owned(),
        }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let (s, id) = (0..2usize, 1..=3u64);
    prop_oneof![
        (s.clone(), id.clone(), 0..3u8).prop_map(|(s, i, d)| Op::Envio(s, i, d)),
        (s.clone(), id.clone(), situacao_qualquer()).prop_map(|(s, i, x)| Op::Atualizar(s, i, x)),
        (s, id, situacao_qualquer()).prop_map(|(s, i, x)| Op::Conciliar(s, i, x)),
    ]
}

/// The ledger of packages behaves as a map keyed by (service, idPacote): whatever is done to
/// one key never touches another, an evaluation is never changed by a send or its outcome, and
/// the service's word (conciliar) always is recorded. 32 sequences of operations, each on two
/// services of its own in one ledger.
pub fn pacotes_sao_chaveados_por_servico_e_id(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    let rodada = Cell::new(0u32);
    let mut runner = TestRunner::new(Config {
        cases: 32,
        failure_persistence: None,
        ..Config::default()
    });
    let resultado = runner.run(&proptest::collection::vec(op(), 1..40), |ops| {
        rodada.set(rodada.get() + 1);
        let servicos = [
            format!("https://conam.test/{}/a", rodada.get()),
            format!("https://conam.test/{}/b", rodada.get()),
        ];
        let chave = |s: usize, id: u64| ChavePacote::new(&servicos[s], id).unwrap();
        let mut modelo: HashMap<(usize, u64), (String, Option<SituacaoPacote>)> = HashMap::new();
        for op in ops {
            match op {
                Op::Envio(s, id, d) => {
                    let doc = format!("d{d}");
                    let r = livro.registrar_envio(&chave(s, id), "1", &doc);
                    let avaliado = modelo
                        .get(&(s, id))
                        .and_then(|m| m.1.as_ref())
                        .is_some_and(SituacaoPacote::avaliado);
                    prop_assert_eq!(r.is_err(), avaliado, "{:?}", r);
                    if !avaliado {
                        modelo.insert((s, id), (doc, None));
                    }
                }
                Op::Atualizar(s, id, x) => {
                    let r = livro.atualizar(&chave(s, id), &x);
                    match modelo.get_mut(&(s, id)) {
                        None => prop_assert!(
                            matches!(r, Err(ErroLivro::NaoEncontrado(i)) if i == id_do(id))
                        ),
                        Some(m) => match &m.1 {
                            Some(a) if a.avaliado() => {
                                prop_assert_eq!(r.is_ok(), *a == x, "{:?}", r);
                            }
                            _ => {
                                prop_assert!(r.is_ok(), "{:?}", r);
                                m.1 = Some(x);
                            }
                        },
                    }
                }
                Op::Conciliar(s, id, x) => {
                    let r = livro.conciliar(&chave(s, id), &x);
                    match modelo.get_mut(&(s, id)) {
                        None => prop_assert!(r.is_err()),
                        Some(m) => {
                            prop_assert_eq!(r.unwrap(), m.1.clone());
                            m.1 = Some(x);
                        }
                    }
                }
            }
            for s in 0..2 {
                for id in 1..=3 {
                    let lido = livro
                        .pacote(&chave(s, id))
                        .unwrap()
                        .map(|r| (r.documento, r.situacao));
                    prop_assert_eq!(lido, modelo.get(&(s, id)).cloned());
                }
            }
        }
        Ok(())
    });
    if let Err(e) = resultado {
        panic!("{e}");
    }
}

/// Processes sending one package while each approves it once its send is done: a send after
/// the first approval is always refused, the approval is never undone (each process reads it
/// back right after recording it), and the document kept is one a successful send recorded.
pub fn envios_concorrentes_nunca_desfazem_uma_avaliacao(motor: &dyn Motor) {
    const PROCESSOS: usize = 4;
    let Some(a) = motor.novo() else { return };
    let livros = processos(&a, PROCESSOS);
    for id in 1..=5u64 {
        let enviados = ao_mesmo_tempo(&livros, |i, l| {
            let documento = format!("p{i}");
            let enviado = match l.registrar_envio(&k(id), "1", &documento) {
                Ok(()) => Some(documento),
                Err(ErroLivro::JaResolvida {
                    de: "aprovado",
                    para: "enviada",
                    ..
                }) => None,
                Err(e) => panic!("envio {id} do processo {i}: {e:?}"),
            };
            l.atualizar(&k(id), &SituacaoPacote::Aprovado).unwrap();
            assert_eq!(
                l.pacote(&k(id)).unwrap().unwrap().situacao,
                Some(SituacaoPacote::Aprovado),
                "uma aprovação desfeita por um envio (pacote {id}, processo {i})"
            );
            enviado
        });
        let enviados: Vec<String> = enviados.into_iter().flatten().collect();
        assert!(!enviados.is_empty(), "the first send of {id} was refused");
        let r = a.livro.pacote(&k(id)).unwrap().unwrap();
        assert_eq!(r.situacao, Some(SituacaoPacote::Aprovado));
        assert!(
            enviados.contains(&r.documento),
            "{} de {enviados:?}",
            r.documento
        );
    }
}

/// Packages recorded before the ledger kept URLs (rows with an empty `servico`, copied from an
/// old SQLite ledger), as the engine's own test leaves them in `a`'s ledger before calling this:
/// package 1 (`entidade` `1`, document `um`, approved) and package 2 (`1`, `dois`, outcome
/// unknown). Each answers for its id at any service until one writes to it, which adopts it;
/// a refused write adopts nothing; of several services writing to one such row at once,
/// exactly one adopts it.
pub fn pacotes_antigos_sao_adotados(a: &Aberto) {
    let livro: &dyn LivroCompleto = &*a.livro;
    let outro = ChavePacote::new("https://conam.test/outra", 1).unwrap();
    let antigo = livro.pacote(&k(1)).unwrap().unwrap();
    assert_eq!(
        (
            antigo.servico.as_str(),
            antigo.documento.as_str(),
            antigo.situacao
        ),
        ("", "um", Some(SituacaoPacote::Aprovado)),
        "kept, its URL unknown"
    );
    assert_eq!(livro.pacote(&outro).unwrap().unwrap().documento, "um");
    // Still evaluated: refused (and a refused write adopts nothing).
    assert!(livro.registrar_envio(&k(1), "1", "outro").is_err());
    assert_eq!(livro.pacote(&k(1)).unwrap().unwrap().servico, "");
    // The first service to write adopts it; another no longer sees it.
    livro.conciliar(&k(1), &SituacaoPacote::Aprovado).unwrap();
    assert_eq!(livro.pacote(&k(1)).unwrap().unwrap().servico, SERVICO);
    assert_eq!(livro.pacote(&outro).unwrap(), None);
    livro.registrar_envio(&outro, "1", "da outra").unwrap();
    assert_eq!(
        livro.pacote(&k(1)).unwrap().unwrap().documento,
        "um",
        "untouched by the other city"
    );
    // Package 2: several services write at once, from several processes; one adopts it, the
    // others record packages of their own.
    let servicos: Vec<ChavePacote> = (0..4)
        .map(|i| ChavePacote::new(&format!("https://conam.test/corrida-{i}"), 2).unwrap())
        .collect();
    let antes: Vec<Option<SituacaoPacote>> =
        ao_mesmo_tempo(&processos(a, servicos.len()), |i, l| {
            match l.conciliar(&servicos[i], &SituacaoPacote::Aguardando) {
                Ok(antes) => Some(antes),
                Err(ErroLivro::NaoEncontrado(2)) => None,
                Err(e) => panic!("{e:?}"),
            }
        })
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(antes, [None], "exactly one service adopted package 2");
    let donos: Vec<_> = servicos
        .iter()
        .filter_map(|c| livro.pacote(c).unwrap())
        .collect();
    assert_eq!(donos.len(), 1, "{donos:?}");
    assert_eq!(
        (donos[0].documento.as_str(), &donos[0].situacao),
        ("dois", &Some(SituacaoPacote::Aguardando))
    );
}
