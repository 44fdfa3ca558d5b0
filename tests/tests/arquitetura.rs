//! The architecture invariants of ARCHITECTURE.md, enforced on the real dependency graph
//! (`cargo metadata`): the domain pulls in no I/O or async crate, and arrows point inward.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::process::Command;

/// Crates that mean I/O, networking, a database or an async runtime.
const PROIBIDOS_NO_DOMINIO: [&str; 16] = [
    "tokio",
    "mio",
    "socket2",
    "hyper",
    "h2",
    "reqwest",
    "rustls",
    "native-tls",
    "openssl",
    "rusqlite",
    "libsqlite3-sys",
    "sqlx",
    "futures",
    "futures-util",
    "async-trait",
    "axum",
];

struct Grafo {
    nomes: HashMap<String, String>,
    deps: HashMap<String, Vec<String>>,
}

fn grafo() -> &'static Grafo {
    static GRAFO: std::sync::OnceLock<Grafo> = std::sync::OnceLock::new();
    GRAFO.get_or_init(ler_grafo)
}

fn ler_grafo() -> Grafo {
    let manifesto = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let saida = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--manifest-path",
            manifesto,
        ])
        .output()
        .expect("cargo metadata");
    assert!(
        saida.status.success(),
        "{}",
        String::from_utf8_lossy(&saida.stderr)
    );
    let meta: Value = serde_json::from_slice(&saida.stdout).unwrap();
    let nomes = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let deps = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let normais = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|k| k["kind"].is_null())
                })
                .map(|d| d["pkg"].as_str().unwrap().to_owned())
                .collect();
            (n["id"].as_str().unwrap().to_owned(), normais)
        })
        .collect();
    Grafo { nomes, deps }
}

impl Grafo {
    fn id(&self, nome: &str) -> String {
        self.nomes
            .iter()
            .find(|(_, n)| *n == nome)
            .map(|(id, _)| id.clone())
            .unwrap()
    }

    /// Names of every crate `nome` depends on at run time, directly or not.
    fn fecho(&self, nome: &str) -> BTreeSet<String> {
        let mut vistos = BTreeSet::new();
        let mut pilha = vec![self.id(nome)];
        while let Some(id) = pilha.pop() {
            for d in self.deps.get(&id).into_iter().flatten() {
                if vistos.insert(self.nomes[d].clone()) {
                    pilha.push(d.clone());
                }
            }
        }
        vistos
    }

    /// The guichê crates `nome` depends on directly.
    fn nossas(&self, nome: &str) -> BTreeSet<String> {
        self.deps[&self.id(nome)]
            .iter()
            .map(|d| self.nomes[d].clone())
            .filter(|n| n.starts_with("guiche"))
            .collect()
    }
}

/// Fails when `crate_` depends, directly or not, on one of `proibidos`; returns its closure.
fn sem_dependencias(crate_: &str, proibidos: &[&str]) -> BTreeSet<String> {
    let fecho = grafo().fecho(crate_);
    let achados: Vec<_> = proibidos.iter().filter(|c| fecho.contains(**c)).collect();
    assert!(achados.is_empty(), "{crate_} depende de {achados:?}");
    fecho
}

#[test]
fn domain_does_no_io_and_no_async() {
    let fecho = sem_dependencias("guiche-domain", &PROIBIDOS_NO_DOMINIO);
    assert!(
        fecho.contains("rust_decimal"),
        "o grafo foi lido: {fecho:?}"
    );
}

#[test]
fn arrows_point_inward() {
    let g = grafo();
    let permitido: [(&str, &[&str]); 17] = [
        ("guiche-domain", &[]),
        ("guiche-ports", &["guiche-domain"]),
        (
            "guiche-nfd",
            &[
                "guiche-domain",
                "guiche-ports",
                "guiche-http",
                "guiche-simulador",
            ],
        ),
        (
            "guiche-conam",
            &[
                "guiche-domain",
                "guiche-ports",
                "guiche-http",
                "guiche-simulador",
            ],
        ),
        (
            "guiche-serpro",
            &[
                "guiche-domain",
                "guiche-ports",
                "guiche-http",
                "guiche-certificados",
                "guiche-simulador",
            ],
        ),
        // Conecta gov.br: the certificates crate only for its simulator's test CA (feature
        // `simulator`), never Integra Contador's adapter.
        (
            "guiche-conecta",
            &[
                "guiche-domain",
                "guiche-ports",
                "guiche-http",
                "guiche-simulador",
                "guiche-certificados",
            ],
        ),
        // NFS-e Nacional: the certificates crate for mTLS and the signed DPS and events; never
        // another adapter (the NFD one included).
        (
            "guiche-nfse",
            &[
                "guiche-domain",
                "guiche-ports",
                "guiche-http",
                "guiche-certificados",
                "guiche-simulador",
            ],
        ),
        // SERPRO's commercial APIs (Consulta CPF, CNPJ, CND): OAuth without a client
        // certificate, a plain-HTTP simulator, so no certificates crate; never another adapter.
        (
            "guiche-loja",
            &[
                "guiche-domain",
                "guiche-ports",
                "guiche-http",
                "guiche-simulador",
            ],
        ),
        ("guiche-store", &["guiche-domain", "guiche-ports"]),
        // The same ledger on PostgreSQL: the same ports, no other crate of ours.
        ("guiche-postgres", &["guiche-domain", "guiche-ports"]),
        // The ledger's contract as tests: over the ports only, so that it cannot lean on one
        // engine's insides.
        ("guiche-livro-contrato", &["guiche-domain", "guiche-ports"]),
        ("guiche-planilha", &["guiche-domain", "guiche-ports"]),
        // The DANFSe renderer: pure (XML bytes in, PDF bytes out), none of our crates, so any
        // presentation can use it.
        ("guiche-danfse", &[]),
        // Support for the simulators: knows no remote system and none of our crates.
        ("guiche-simulador", &[]),
        // Certificates and XML signatures, for any adapter: the documents and the password
        // type only (`Segredo`), never an adapter.
        ("guiche-certificados", &["guiche-domain", "guiche-ports"]),
        // The remote adapters' HTTP core: knows no remote system and none of our crates.
        ("guiche-http", &[]),
        // The use cases: over the ports only, never an adapter.
        ("guiche-aplicacao", &["guiche-domain", "guiche-ports"]),
    ];
    let listados: BTreeSet<&str> = permitido.iter().map(|(c, _)| *c).collect();
    let esquecidos: Vec<&String> = g
        .nomes
        .values()
        .filter(|n| n.starts_with("guiche") && !["guiche", "guiche-tests"].contains(&n.as_str()))
        .filter(|n| !listados.contains(n.as_str()))
        .collect();
    assert!(
        esquecidos.is_empty(),
        "crates sem regra de dependência neste teste: {esquecidos:?}"
    );
    for (crate_, pode) in permitido {
        let extras: Vec<_> = g
            .nossas(crate_)
            .into_iter()
            .filter(|d| !pode.contains(&d.as_str()))
            .collect();
        assert!(
            extras.is_empty(),
            "{crate_} não pode depender de {extras:?}"
        );
    }
}

/// The certificates crate signs and reads files; it talks to no one and runs nothing async, so
/// an adapter of any transport (SOAP, REST, mTLS) can use it.
#[test]
fn the_certificates_crate_has_no_network_and_no_async() {
    let proibidos = ["tokio", "hyper", "reqwest", "rustls", "openssl", "mio"];
    let fecho = sem_dependencias("guiche-certificados", &proibidos);
    assert!(fecho.contains("rsa"), "o grafo foi lido: {fecho:?}");
}

/// The DANFSe renderer is bytes in, bytes out: no network, no async, no database, no image or
/// font loading from disk (the standard Helvetica needs no file).
#[test]
fn the_danfse_renderer_is_pure() {
    let proibidos = [
        "tokio", "hyper", "reqwest", "rustls", "rusqlite", "image", "mio",
    ];
    let fecho = sem_dependencias("guiche-danfse", &proibidos);
    assert!(fecho.contains("pdf-writer"), "o grafo foi lido: {fecho:?}");
}

/// Crates that mean talking to the outside world directly, or presenting: the application
/// layer reaches the outside only through the ports.
const PROIBIDOS_NA_APLICACAO: [&str; 12] = [
    "hyper",
    "reqwest",
    "rustls",
    "native-tls",
    "openssl",
    "rusqlite",
    "libsqlite3-sys",
    "axum",
    "clap",
    "indicatif",
    "tracing-subscriber",
    "rust_xlsxwriter",
];

/// What in the application layer's source would read the environment, the file system or a
/// process, or print (its presentations do that).
const PROIBIDOS_NO_CODIGO_DA_APLICACAO: [&str; 8] = [
    "std::env",
    "std::fs",
    "tokio::fs",
    "std::process",
    "println!",
    "eprintln!",
    "print!(",
    "dbg!(",
];

#[test]
fn the_application_layer_reads_no_outside_world_and_prints_nothing() {
    sem_dependencias("guiche-aplicacao", &PROIBIDOS_NA_APLICACAO);

    let raiz = concat!(env!("CARGO_MANIFEST_DIR"), "/../aplicacao/src");
    let mut pendentes = vec![std::path::PathBuf::from(raiz)];
    let (mut lidos, mut achados) = (0, Vec::new());
    while let Some(p) = pendentes.pop() {
        for e in std::fs::read_dir(&p).unwrap() {
            let caminho = e.unwrap().path();
            if caminho.is_dir() {
                pendentes.push(caminho);
                continue;
            }
            if caminho.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            lidos += 1;
            let texto = std::fs::read_to_string(&caminho).unwrap();
            // Only the code: tests may build files and read what they need.
            let codigo = texto.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, linha) in codigo.lines().enumerate() {
                let linha = linha.split("//").next().unwrap_or_default();
                for proibido in PROIBIDOS_NO_CODIGO_DA_APLICACAO {
                    if linha.contains(proibido) {
                        achados.push(format!("{}:{}: {proibido}", caminho.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(lidos > 10, "the sources were read: {lidos} files");
    assert!(achados.is_empty(), "{achados:#?}");
}
