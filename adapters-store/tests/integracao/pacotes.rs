//! The ledger of CONAM packages on real SQLite files: records, resends, refusals once
//! evaluated, exact documents, send counting, corrupt rows, persistence and the v1→v2 upgrade.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::comum::arquivo;
use std::path::Path;

use guiche_domain::{Data, Documento};
use guiche_ports::contabil::{ChavePacote, LivroPacotes, RegistroPacote, SituacaoPacote};
use guiche_ports::livro::{ErroLivro, Estado, LivroNotas, Pedido, Sequencia};
use guiche_store::{Livro, VERSAO_ESQUEMA};
use rusqlite::Connection;

/// The service every test but the multi-city ones sends to.
const SERVICO: &str = "https://integracao-h.conam.com.br/cidade";

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

/// How many times package `id` was sent, read straight from the file.
fn envios(caminho: &Path, id: i64) -> i64 {
    Connection::open(caminho)
        .unwrap()
        .query_row(
            "SELECT envios FROM pacotes WHERE id_pacote = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap()
}

fn versao(caminho: &Path) -> i64 {
    Connection::open(caminho)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

fn tem_tabela_pacotes(caminho: &Path) -> bool {
    Connection::open(caminho)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'pacotes'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
        == 1
}

#[test]
fn a_send_is_recorded_with_its_outcome_unknown() {
    let livro = Livro::em_memoria().unwrap();
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

#[test]
fn every_situation_reads_back() {
    let livro = Livro::em_memoria().unwrap();
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

#[test]
fn a_package_not_yet_evaluated_is_replaced_and_its_sends_counted() {
    let caminho = arquivo("reenvio");
    let livro = Livro::abrir(&caminho).unwrap();
    livro.registrar_envio(&k(10), "1", "primeiro").unwrap();
    assert_eq!(envios(&caminho, 10), 1);
    // Outcome unknown (timeout): sent again, same id.
    livro.registrar_envio(&k(10), "1", "segundo").unwrap();
    assert_eq!(envios(&caminho, 10), 2);
    // Waiting for the accounting team: CONAM replaces it, and so does the ledger.
    livro
        .atualizar(&k(10), &SituacaoPacote::Aguardando)
        .unwrap();
    livro.registrar_envio(&k(10), "3", "terceiro").unwrap();
    assert_eq!(envios(&caminho, 10), 3);
    let r = livro.pacote(&k(10)).unwrap().unwrap();
    assert_eq!(
        (r.entidade.as_str(), r.documento.as_str(), r.situacao),
        ("3", "terceiro", None),
        "document and entity replaced, situation cleared"
    );
    livro.atualizar(&k(10), &SituacaoPacote::Aprovado).unwrap();
    assert_eq!(envios(&caminho, 10), 3, "an evaluation is not a send");
}

#[test]
fn an_evaluated_package_is_never_sent_again() {
    let livro = Livro::em_memoria().unwrap();
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
                ErroLivro::JaResolvida { id: i, de, para: "enviada" } if i == id as i64 && de == nome
            ),
            "{e:?}"
        );
        let r = livro.pacote(&k(id)).unwrap().unwrap();
        assert_eq!((r.documento, r.situacao), (doc(id), Some(s)), "untouched");
    }
}

#[test]
fn an_evaluated_package_keeps_its_situation() {
    let livro = Livro::em_memoria().unwrap();
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

#[test]
fn a_waiting_package_may_still_be_evaluated_either_way() {
    let livro = Livro::em_memoria().unwrap();
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

#[test]
fn an_unknown_package_is_not_found() {
    let livro = Livro::em_memoria().unwrap();
    let e = livro
        .atualizar(&k(42), &SituacaoPacote::Aprovado)
        .unwrap_err();
    assert!(matches!(e, ErroLivro::NaoEncontrado(42)), "{e:?}");
    assert_eq!(livro.pacote(&k(42)).unwrap(), None);
}

#[test]
fn ids_the_ledger_cannot_hold_are_refused_by_name() {
    let livro = Livro::em_memoria().unwrap();
    let grande = u64::MAX;
    for id in [0, grande, i64::MAX.unsigned_abs() + 1] {
        let m = motivo(livro.registrar_envio(&k(id), "1", "{}").unwrap_err());
        assert!(m.contains(&format!("idPacote {id}")), "{m}");
        let m = motivo(
            livro
                .atualizar(&k(id), &SituacaoPacote::Aprovado)
                .unwrap_err(),
        );
        assert!(m.contains(&format!("idPacote {id}")), "{m}");
        assert_eq!(livro.pacote(&k(id)).unwrap(), None);
    }
    let maior = i64::MAX.unsigned_abs();
    livro.registrar_envio(&k(maior), "1", "{}").unwrap();
    assert_eq!(livro.pacote(&k(maior)).unwrap().unwrap().id_pacote, maior);
}

#[test]
fn the_exact_document_is_stored_byte_for_byte() {
    let caminho = arquivo("exato");
    let documento = "{\"historicoLancamento\":\"Recolhimento de ISS — São João\u{2028}linha 2\",\
                     \"valor\":\"1234.50\",\"obs\":\"ação \\\"citada\\\" \\u00e7\\n\"}\n  ";
    Livro::abrir(&caminho)
        .unwrap()
        .registrar_envio(&k(5), "0044", documento)
        .unwrap();
    let r = Livro::abrir(&caminho)
        .unwrap()
        .pacote(&k(5))
        .unwrap()
        .unwrap();
    assert_eq!(r.documento.as_bytes(), documento.as_bytes());
    assert_eq!(r.entidade, "0044", "leading zeros kept");
}

#[test]
fn records_persist_across_reopening_the_file() {
    let caminho = arquivo("persiste");
    {
        let livro = Livro::abrir(&caminho).unwrap();
        for id in 1..=3 {
            livro.registrar_envio(&k(id), "1", &doc(id)).unwrap();
        }
        livro.atualizar(&k(1), &SituacaoPacote::Aprovado).unwrap();
        livro.atualizar(&k(2), &rejeitado()).unwrap();
    }
    let livro = Livro::abrir(&caminho).unwrap();
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
    livro.registrar_envio(&k(3), "1", &doc(3)).unwrap();
    assert_eq!(envios(&caminho, 3), 2);
}

#[test]
fn a_corrupt_row_is_reported_with_its_id() {
    let caminho = arquivo("corrompido");
    let livro = Livro::abrir(&caminho).unwrap();
    livro.registrar_envio(&k(77), "1", &doc(77)).unwrap();
    livro.registrar_envio(&k(78), "1", &doc(78)).unwrap();
    let c = Connection::open(&caminho).unwrap();
    c.pragma_update(None, "ignore_check_constraints", true)
        .unwrap();
    c.execute_batch(
        "UPDATE pacotes SET situacao = 'perdido' WHERE id_pacote = 77;
         UPDATE pacotes SET situacao = 'rejeitado' WHERE id_pacote = 78;",
    )
    .unwrap();
    for (id, detalhe) in [(77, "perdido"), (78, "sem código ou mensagem")] {
        let m = motivo(livro.pacote(&k(id)).unwrap_err());
        assert!(m.contains(&format!("registro {id}")), "{m}");
        assert!(m.contains(detalhe), "{m}");
        // Writes refuse to build on it too, naming it the same way.
        let m = motivo(livro.registrar_envio(&k(id), "1", "{}").unwrap_err());
        assert!(m.contains(&format!("registro {id}")), "{m}");
        let m = motivo(
            livro
                .atualizar(&k(id), &SituacaoPacote::Aprovado)
                .unwrap_err(),
        );
        assert!(m.contains(&format!("registro {id}")), "{m}");
    }
}

#[test]
fn the_schema_refuses_what_the_port_cannot_express() {
    let caminho = arquivo("restricoes");
    Livro::abrir(&caminho)
        .unwrap()
        .registrar_envio(&k(1), "1", "{}")
        .unwrap();
    let c = Connection::open(&caminho).unwrap();
    for sql in [
        "UPDATE pacotes SET situacao = 'perdido'",
        "UPDATE pacotes SET situacao = 'rejeitado', codigo = '0'",
        "UPDATE pacotes SET situacao = 'rejeitado', mensagem = 'm'",
        "UPDATE pacotes SET envios = 0",
        "UPDATE pacotes SET documento = NULL",
        "UPDATE pacotes SET envios = 'muitos'",
        "INSERT INTO pacotes (servico, id_pacote, entidade, documento) VALUES ('s', 0, '1', '{}')",
        "INSERT INTO pacotes (id_pacote, entidade, documento) VALUES (2, '1', '{}')",
    ] {
        assert!(c.execute_batch(sql).is_err(), "{sql}");
    }
    c.execute_batch("UPDATE pacotes SET situacao = 'rejeitado', codigo = '0', mensagem = 'm'")
        .unwrap();
}

#[test]
fn a_version_1_ledger_is_upgraded_keeping_its_notas() {
    let caminho = arquivo("v1");
    let s = Sequencia {
        prestador: Documento::parse("11.222.333/0001-81").unwrap(),
        prefeitura: "3150".to_owned(),
    };
    {
        let livro = Livro::abrir(&caminho).unwrap();
        let pedido = Pedido {
            sequencia: &s,
            numero: None,
            data: Data::new(2026, 7, 20).unwrap(),
            conteudo: "c",
        };
        let r = livro.reservar(pedido, &|n| format!("<N>{n}</N>")).unwrap();
        livro
            .registrar(r.id, &Estado::Enviada, &Estado::Aceita { codigo: None })
            .unwrap();
    }
    // Back to what migration 1 alone leaves: a ledger written by the previous guichê.
    Connection::open(&caminho)
        .unwrap()
        .execute_batch(
            "DROP TABLE pacotes; DROP TABLE IF EXISTS bilhetagem; \
             DROP TABLE IF EXISTS empresas; DROP TABLE IF EXISTS guias; \
             DROP TABLE IF EXISTS pagamentos; DROP TABLE IF EXISTS ocorrencias; \
             DROP TABLE IF EXISTS tokens; DROP TABLE IF EXISTS idempotencia; \
             ALTER TABLE notas DROP COLUMN decidido_por; \
             ALTER TABLE notas DROP COLUMN decidido_em; \
             DROP INDEX notas_pendentes; \
             PRAGMA user_version = 1;",
        )
        .unwrap();
    assert_eq!(versao(&caminho), 1);
    assert!(!tem_tabela_pacotes(&caminho));

    let livro = Livro::abrir(&caminho).unwrap();
    const { assert!(VERSAO_ESQUEMA >= 2) };
    assert_eq!(versao(&caminho), i64::from(VERSAO_ESQUEMA));
    assert!(tem_tabela_pacotes(&caminho));
    let ultima = livro.ultima(&s).unwrap().unwrap();
    assert_eq!((ultima.numero, ultima.documento.as_str()), (1, "<N>1</N>"));
    livro.registrar_envio(&k(1), "1", &doc(1)).unwrap();
    assert_eq!(livro.pacote(&k(1)).unwrap().unwrap().documento, doc(1));
    drop(livro);
    assert_eq!(
        versao(&caminho),
        i64::from(VERSAO_ESQUEMA),
        "reopening does not migrate again"
    );
    Livro::abrir(&caminho).unwrap();
    assert_eq!(versao(&caminho), i64::from(VERSAO_ESQUEMA));
}

#[test]
fn one_id_at_two_services_is_two_packages() {
    let livro = Livro::em_memoria().unwrap();
    let a = ChavePacote::new("https://conam.test/cidade-a", 1).unwrap();
    let b = ChavePacote::new("https://conam.test/cidade-b/", 1).unwrap();
    livro.registrar_envio(&a, "1", "de A").unwrap();
    livro.atualizar(&a, &SituacaoPacote::Aprovado).unwrap();
    assert_eq!(livro.pacote(&b).unwrap(), None, "B never sent its 1");
    livro.registrar_envio(&b, "7", "de B").unwrap();
    livro.atualizar(&b, &rejeitado()).unwrap();
    let (ra, rb) = (
        livro.pacote(&a).unwrap().unwrap(),
        livro.pacote(&b).unwrap().unwrap(),
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

#[test]
fn a_service_url_is_required() {
    for vazio in ["", "  ", "/", " // "] {
        assert!(ChavePacote::new(vazio, 1).is_err(), "{vazio:?}");
    }
    let c = ChavePacote::new(" https://conam.test/x// ", 3).unwrap();
    assert_eq!((c.servico(), c.id_pacote()), ("https://conam.test/x", 3));
}

#[test]
fn the_services_word_is_recorded_and_what_the_ledger_held_returned() {
    let livro = Livro::em_memoria().unwrap();
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
    // What the old defect left: the refused resend recorded as a rejection.
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

/// A ledger as guichê left it before migration 0006: migrations 0001 to 0004 only.
fn livro_versao_4(caminho: &Path) {
    let c = Connection::open(caminho).unwrap();
    for sql in [
        include_str!("../../migrations/0001_notas.sql"),
        include_str!("../../migrations/0002_pacotes.sql"),
        include_str!("../../migrations/0003_bilhetagem.sql"),
        include_str!("../../migrations/0004_ecac.sql"),
    ] {
        c.execute_batch(sql).unwrap();
    }
    c.execute_batch(
        "INSERT INTO pacotes (id_pacote, entidade, documento, situacao, envios, criado_em) \
         VALUES (1, '1', 'um', 'aprovado', 2, 1000), (2, '1', 'dois', NULL, 1, 1001); \
         PRAGMA user_version = 4;",
    )
    .unwrap();
}

#[test]
fn packages_recorded_before_urls_are_kept_and_adopted_by_the_first_service_to_write() {
    let caminho = arquivo("v4");
    livro_versao_4(&caminho);
    let livro = Livro::abrir(&caminho).unwrap();
    assert_eq!(versao(&caminho), i64::from(VERSAO_ESQUEMA));
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
    let (criado, envios): (i64, i64) = Connection::open(&caminho)
        .unwrap()
        .query_row(
            "SELECT criado_em, envios FROM pacotes WHERE id_pacote = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((criado, envios), (1000, 2), "moved as it was");
    // Still evaluated: refused as before the upgrade (and a refused write adopts nothing).
    assert!(livro.registrar_envio(&k(1), "1", "outro").is_err());
    assert_eq!(livro.pacote(&k(1)).unwrap().unwrap().servico, "");
    // The first service to write adopts it; another no longer sees it.
    livro.conciliar(&k(1), &SituacaoPacote::Aprovado).unwrap();
    let outro = ChavePacote::new("https://conam.test/outra", 1).unwrap();
    assert_eq!(livro.pacote(&k(1)).unwrap().unwrap().servico, SERVICO);
    assert_eq!(livro.pacote(&outro).unwrap(), None);
    livro.registrar_envio(&outro, "1", "da outra").unwrap();
    assert_eq!(
        livro.pacote(&k(1)).unwrap().unwrap().documento,
        "um",
        "untouched by the other city"
    );
    livro.atualizar(&k(2), &SituacaoPacote::Aguardando).unwrap();
    assert_eq!(livro.pacote(&k(2)).unwrap().unwrap().servico, SERVICO);
}

/// One operation of the property below: on service `0` or `1`, package `id`.
#[derive(Clone, Debug)]
enum Op {
    Envio(usize, u64, u8),
    Atualizar(usize, u64, SituacaoPacote),
    Conciliar(usize, u64, SituacaoPacote),
}

fn situacao_qualquer() -> impl proptest::strategy::Strategy<Value = SituacaoPacote> {
    use proptest::prelude::*;
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

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    let (s, id) = (0..2usize, 1..=3u64);
    prop_oneof![
        (s.clone(), id.clone(), 0..3u8).prop_map(|(s, i, d)| Op::Envio(s, i, d)),
        (s.clone(), id.clone(), situacao_qualquer()).prop_map(|(s, i, x)| Op::Atualizar(s, i, x)),
        (s, id, situacao_qualquer()).prop_map(|(s, i, x)| Op::Conciliar(s, i, x)),
    ]
}

proptest::proptest! {
    /// The ledger of packages behaves as a map keyed by (service, idPacote): whatever is done
    /// to one key never touches another, an evaluation is never changed by a send or its
    /// outcome, and the service's word (conciliar) always is recorded.
    #[test]
    fn packages_are_keyed_by_service_and_id(ops in proptest::collection::vec(op(), 1..40)) {
        use std::collections::HashMap;
        const SERVICOS: [&str; 2] = ["https://conam.test/a", "https://conam.test/b"];
        let chave = |s: usize, id: u64| ChavePacote::new(SERVICOS[s], id).unwrap();
        let livro = Livro::em_memoria().unwrap();
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
                    proptest::prop_assert_eq!(r.is_err(), avaliado, "{:?}", r);
                    if !avaliado {
                        modelo.insert((s, id), (doc, None));
                    }
                }
                Op::Atualizar(s, id, x) => {
                    let r = livro.atualizar(&chave(s, id), &x);
                    match modelo.get_mut(&(s, id)) {
                        None => proptest::prop_assert!(
                            matches!(r, Err(ErroLivro::NaoEncontrado(i)) if i == id as i64)
                        ),
                        Some(m) => match &m.1 {
                            Some(a) if a.avaliado() => {
                                proptest::prop_assert_eq!(r.is_ok(), *a == x, "{:?}", r);
                            }
                            _ => {
                                proptest::prop_assert!(r.is_ok(), "{:?}", r);
                                m.1 = Some(x);
                            }
                        },
                    }
                }
                Op::Conciliar(s, id, x) => {
                    let r = livro.conciliar(&chave(s, id), &x);
                    match modelo.get_mut(&(s, id)) {
                        None => proptest::prop_assert!(r.is_err()),
                        Some(m) => {
                            proptest::prop_assert_eq!(r.unwrap(), m.1.clone());
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
                    proptest::prop_assert_eq!(lido, modelo.get(&(s, id)).cloned());
                }
            }
        }
    }
}
