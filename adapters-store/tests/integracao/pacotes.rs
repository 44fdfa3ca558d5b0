//! The ledger of CONAM packages on real SQLite files: what only this engine can show (send
//! counting read from the file, corrupt rows, the schema's constraints, the upgrades from
//! versions 1 and 4). The port's contract is run on every engine by `contrato.rs`
//! (`guiche_livro_contrato::pacotes`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::comum::arquivo;
use std::path::Path;

use guiche_domain::{Data, Documento};
use std::sync::Arc;

use guiche_livro_contrato::Aberto;
use guiche_ports::LivroCompleto;
use guiche_ports::contabil::{ChavePacote, LivroPacotes, SituacaoPacote};
use guiche_ports::livro::{ErroLivro, Estado, LivroNotas, Pedido, Sequencia};
use guiche_store::{Livro, VERSAO_ESQUEMA};
use rusqlite::Connection;

/// The service every test but the multi-city ones sends to.
const SERVICO: &str = guiche_livro_contrato::pacotes::SERVICO;

/// Package `id` at [`SERVICO`].
fn k(id: u64) -> ChavePacote {
    ChavePacote::new(SERVICO, id).unwrap()
}

fn doc(id: u64) -> String {
    format!(r#"{{"codEntidade":"1","idPacote":{id},"movimentos":[]}}"#)
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
fn every_send_is_counted_and_an_evaluation_is_not() {
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
    livro.atualizar(&k(10), &SituacaoPacote::Aprovado).unwrap();
    assert_eq!(envios(&caminho, 10), 3, "an evaluation is not a send");
    assert!(livro.registrar_envio(&k(10), "3", "quarto").is_err());
    assert_eq!(envios(&caminho, 10), 3, "a refused send is not counted");
    // Counted across reopening the file.
    livro.registrar_envio(&k(11), "1", &doc(11)).unwrap();
    drop(livro);
    Livro::abrir(&caminho)
        .unwrap()
        .registrar_envio(&k(11), "1", &doc(11))
        .unwrap();
    assert_eq!(envios(&caminho, 11), 2);
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
             DROP TABLE IF EXISTS trabalhos; DROP TABLE IF EXISTS rodadas; \
             DROP TABLE IF EXISTS sessoes; DROP TABLE IF EXISTS usuarios; \
             DROP TABLE IF EXISTS chamadas_serpro; DROP TABLE IF EXISTS cnds; \
             DROP TABLE IF EXISTS caixa_postal; DROP TABLE IF EXISTS caixa_postal_leituras; \
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
fn a_service_url_is_required() {
    for vazio in ["", "  ", "/", " // "] {
        assert!(ChavePacote::new(vazio, 1).is_err(), "{vazio:?}");
    }
    let c = ChavePacote::new(" https://conam.test/x// ", 3).unwrap();
    assert_eq!((c.servico(), c.id_pacote()), ("https://conam.test/x", 3));
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
    let abrir = {
        let caminho = caminho.clone();
        move || -> Arc<dyn LivroCompleto> { Arc::new(Livro::abrir(&caminho).unwrap()) }
    };
    let a = Aberto {
        livro: abrir(),
        reabrir: Box::new(abrir),
    };
    assert_eq!(versao(&caminho), i64::from(VERSAO_ESQUEMA));
    let (criado, envios): (i64, i64) = Connection::open(&caminho)
        .unwrap()
        .query_row(
            "SELECT criado_em, envios FROM pacotes WHERE id_pacote = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((criado, envios), (1000, 2), "moved as it was");
    guiche_livro_contrato::pacotes::pacotes_antigos_sao_adotados(&a);
}
