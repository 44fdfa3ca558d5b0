//! `guiche livro migrar --para postgres://…` through the binary: a SQLite ledger with notas,
//! tokens, a CONAM package, billed calls and e-CAC rows is copied into a new PostgreSQL
//! database, which guichê then uses as its ledger (numbering goes on where it stopped).

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use guiche_domain::guia::{Guia, NumeroDocumento, TipoGuia};
use guiche_domain::{Competencia, Data, Documento, Valor};
use guiche_ports::LivroCompleto;
use guiche_ports::acesso::LivroAcesso;
use guiche_ports::acesso::Papel;
use guiche_ports::contabil::LivroPacotes;
use guiche_ports::contabil::{ChavePacote, SituacaoPacote};
use guiche_ports::ecac::LivroEcac;
use guiche_ports::ecac::OrigemGuia;
use guiche_ports::livro::{Estado, LivroNotas, Pedido, Sequencia};
use guiche_ports::usuarios::LivroUsuarios;
use serde_json::Value;

fn guiche(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guiche"))
        .args(args)
        .env("GUICHE_DB", db)
        .env_remove("GUICHE_DB_SENHA")
        .output()
        .unwrap()
}

fn sequencia() -> Sequencia {
    Sequencia {
        prestador: Documento::parse("21118045000135").unwrap(),
        prefeitura: "3150".into(),
    }
}

/// A SQLite ledger with something in every kind of table: three notas (one accepted, one
/// refused — its number given back and reused — one sent and unsettled), a token, a package,
/// a billed call, a company, a guide and the day its mailbox was read.
fn livro_cheio(arquivo: &Path) {
    let l = guiche_store::Livro::abrir(arquivo).unwrap();
    let s = sequencia();
    let data = Data::new(2026, 11, 22).unwrap();
    let reservar = |conteudo: &str, numero: Option<u64>| {
        let pedido = Pedido {
            sequencia: &s,
            numero,
            data,
            conteudo,
        };
        LivroNotas::reservar(&l, pedido, &|n| format!("<NOTA>{n}</NOTA>")).unwrap()
    };
    let um = reservar("a", Some(1));
    let aceita = Estado::Aceita {
        codigo: Some("ABC".into()),
    };
    LivroNotas::registrar(&l, um.id, &Estado::Enviada, &aceita).unwrap();
    let dois = reservar("b", None);
    let recusada = Estado::Recusada {
        mensagem: "E42".into(),
    };
    LivroNotas::registrar(&l, dois.id, &Estado::Enviada, &recusada).unwrap();
    let de_novo = reservar("c", None);
    assert_eq!(de_novo.numero, 2, "o número recusado volta");
    l.criar_token("ana", Papel::Admin, &"a".repeat(64)).unwrap();
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
    l.criar_usuario("bia", Papel::Operador, hash, 1_795_000_000)
        .unwrap()
        .unwrap();
    l.criar_sessao(&guiche_ports::usuarios::RegistroSessao {
        hash: "b".repeat(64),
        login: "bia".into(),
        csrf: "c".repeat(64),
        criada_em: 1_795_000_000,
        expira_em: 1_795_043_200,
        visto_em: 1_795_000_000,
    })
    .unwrap();
    let pacote = ChavePacote::new("https://integracao-h.conam.com.br/cidade", 7).unwrap();
    l.registrar_envio(&pacote, "1", r#"{"idPacote":7}"#)
        .unwrap();
    l.atualizar(&pacote, &SituacaoPacote::Aprovado).unwrap();
    let guia = Guia {
        tipo: TipoGuia::Das,
        numero: NumeroDocumento::parse("07.20.26145.9307993-6").unwrap(),
        contribuinte: Documento::parse("11.222.333/0001-81").unwrap(),
        codigo_receita: None,
        periodo: Competencia::parse("202606").unwrap(),
        vencimento: Data::new(2026, 7, 20).unwrap(),
        valor: Valor::parse_nfd("1234,56").unwrap(),
        codigo_barras: None,
    };
    l.registrar_guia(&guia, OrigemGuia::Serpro).unwrap();
    let empresa = guiche_ports::ecac::Empresa {
        cnpj: guiche_domain::Cnpj::parse("11.222.333/0001-81").unwrap(),
        nome: "Alfa".into(),
        ecac_desde: Some(Data::new(2026, 1, 1).unwrap()),
        acesso: guiche_ports::ecac::Acesso::CertificadoA1,
        certificado_procurador: false,
    };
    l.salvar_empresa(&empresa).unwrap();
    l.registrar_leitura_caixa_postal(&empresa.cnpj, data, &[])
        .unwrap();
}

#[test]
fn a_sqlite_ledger_moves_to_postgres_verified_and_numbering_goes_on() {
    let Some(url) = guiche_postgres::teste::banco_novo_ou_pular("livro migrar") else {
        return;
    };
    let arquivo = crate::comum::pasta("migrar").join("livro.db");
    livro_cheio(&arquivo);
    let sqlite = arquivo.to_str().unwrap();

    let o = guiche(sqlite, &["livro", "migrar", "--para", &url, "--json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let linhas = |t: &str| {
        v["tabelas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["tabela"] == t)
            .unwrap()["linhas"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(
        (
            linhas("notas"),
            linhas("tokens"),
            linhas("pacotes"),
            linhas("guias"),
            linhas("usuarios"),
            linhas("sessoes"),
            linhas("caixa_postal_leituras")
        ),
        (3, 1, 1, 1, 1, 1, 1)
    );
    assert_eq!(
        v["notasConferidas"]
            .as_u64()
            .or(v["notas_conferidas"].as_u64()),
        Some(3)
    );
    assert!(!v["destino"].as_str().unwrap().contains("senha"));

    // The ledger now on PostgreSQL: the same notas, the unsettled one still pending, and the
    // next reservation takes the next number (identity continued past the copied ids).
    let pg: Arc<dyn LivroCompleto> =
        Arc::new(guiche_postgres::Livro::abrir(&url, &guiche_postgres::Opcoes::default()).unwrap());
    let s = sequencia();
    let pendentes = pg.pendentes(&s).unwrap();
    assert_eq!(pendentes.len(), 1);
    assert_eq!(
        (pendentes[0].numero, &pendentes[0].documento[..]),
        (2, "<NOTA>2</NOTA>")
    );
    assert!(matches!(
        pg.por_numero(&s, 1).unwrap().unwrap().estado,
        Estado::Aceita { .. }
    ));
    pg.registrar(
        pendentes[0].id,
        &Estado::Enviada,
        &Estado::Aceita { codigo: None },
    )
    .unwrap();
    let pedido = Pedido {
        sequencia: &s,
        numero: None,
        data: Data::new(2026, 11, 23).unwrap(),
        conteudo: "d",
    };
    let tres = LivroNotas::reservar(pg.as_ref(), pedido, &|n| format!("<NOTA>{n}</NOTA>")).unwrap();
    assert_eq!(tres.numero, 3);
    assert!(tres.id > pendentes[0].id, "novos ids depois dos copiados");

    // Through the binary too: the token is there.
    let o = guiche(&url, &["token", "list", "--json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let tokens: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(tokens[0]["nome"], "ana");
    // And the web pages' user and session, by the same hashes.
    let bia = pg.usuario("bia").unwrap().unwrap();
    assert_eq!((bia.papel, bia.criado_em), (Papel::Operador, 1_795_000_000));
    assert_eq!(pg.sessao(&"b".repeat(64)).unwrap().unwrap().login, "bia");
    // And the day the company's mailbox was last read (the next sync that day skips it).
    let alfa = guiche_domain::Cnpj::parse("11.222.333/0001-81").unwrap();
    assert_eq!(
        pg.caixa_postal_lida_em(&alfa).unwrap(),
        Some(Data::new(2026, 11, 22).unwrap())
    );

    // A second migration into the same (no longer empty) database is refused; nothing changes.
    let o = guiche(sqlite, &["livro", "migrar", "--para", &url]);
    assert_ne!(o.status.code(), Some(0));
    let erro = String::from_utf8_lossy(&o.stderr);
    assert!(erro.contains("já tem dados"), "{erro}");
    assert_eq!(pg.ultima(&s).unwrap().unwrap().numero, 3);
}

#[test]
fn a_password_on_the_command_line_is_refused_before_anything_is_read() {
    let arquivo = crate::comum::pasta("migrar-senha").join("livro.db");
    let o = guiche(
        arquivo.to_str().unwrap(),
        &[
            "livro",
            "migrar",
            "--para",
            "postgres://ana:segredo@127.0.0.1:1/x",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let erro = String::from_utf8_lossy(&o.stderr);
    assert!(
        erro.contains("GUICHE_DB_SENHA") && !erro.contains("segredo"),
        "{erro}"
    );
    assert!(!arquivo.exists(), "nothing was created");
}

#[test]
fn a_missing_source_is_named() {
    let arquivo = crate::comum::pasta("migrar-falta").join("nao-existe.db");
    let o = guiche(
        arquivo.to_str().unwrap(),
        &["livro", "migrar", "--para", "postgres://ana@127.0.0.1:1/x"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("não existe"));
}
