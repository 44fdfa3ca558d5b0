//! What the binary's tests share: a fresh folder per test ([`pasta`]); the SERPRO and Conecta
//! simulators over TLS, the office's e-CNPJ file, and running `guiche` with the environment
//! pointing at them ([`Cenario`]); `guiche serve` and HTTP requests to it ([`servidor`]);
//! `guiche sandbox` ([`sandbox`]).

#![allow(dead_code)] // a helper may serve only the tests of one platform

#[cfg(unix)]
pub(crate) mod sandbox;
#[cfg(unix)]
pub(crate) mod servidor;

use guiche_conecta::simulador::{ConfigSimuladorConecta, SimuladorConecta};
use guiche_domain::{Cnpj, Documento};
use guiche_serpro::pki_teste::pkcs12;
use guiche_serpro::simulador::{ConfigSimulador, SimuladorIntegra};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

pub(crate) const CONTRATANTE: &str = "11222333000181";
pub(crate) const CLIENTE: &str = "11444777000161";

/// A new, empty folder under the target's tmp dir, `NOME-PID-N`: one counter for the whole
/// test binary, so two tests (of any module) never share a folder.
pub(crate) fn pasta(nome: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{nome}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The SERPRO and Conecta simulators, the office's e-CNPJ file and CAs in a fresh folder.
pub(crate) struct Cenario {
    pub(crate) sim: SimuladorIntegra,
    pub(crate) conecta: SimuladorConecta,
    pub(crate) dir: PathBuf,
}

impl Cenario {
    pub(crate) fn novo(nome: &str) -> Cenario {
        let dir = pasta(&format!("serpro-{nome}"));
        // The simulated SERPRO lives on the day the commands run (GUICHE_HOJE below).
        let sim = SimuladorIntegra::iniciar(ConfigSimulador {
            hoje: guiche_domain::Data::new(2026, 11, 22).ok(),
            ..ConfigSimulador::default()
        })
        .unwrap();
        sim.cadastrar_consumidor("chave", "segredo");
        let agora = SystemTime::now();
        let validade = agora - Duration::from_secs(60)..agora + Duration::from_secs(86_400);
        let (cert, chave) = sim
            .ac()
            .emitir_ecnpj(
                "ESCRITORIO TESTE",
                &Cnpj::parse(CONTRATANTE).unwrap(),
                validade,
            )
            .unwrap();
        std::fs::write(
            dir.join("ecnpj.p12"),
            pkcs12(&cert, &chave, &[sim.ac().certificado_der()], "senha-do-pfx").unwrap(),
        )
        .unwrap();
        std::fs::write(dir.join("ca.pem"), sim.ca_pem()).unwrap();
        let conecta = SimuladorConecta::iniciar(ConfigSimuladorConecta::default()).unwrap();
        conecta.cadastrar_cliente("orgao", "segredo-conecta");
        std::fs::write(dir.join("ca-conecta.pem"), conecta.ca_pem()).unwrap();
        Cenario { sim, conecta, dir }
    }

    /// The CLIENTE grants the office (CONTRATANTE) an e-CAC procuração.
    pub(crate) fn procuracao_do_cliente(&self) {
        self.sim.conceder_procuracao(
            Documento::parse(CONTRATANTE).unwrap(),
            Documento::parse(CLIENTE).unwrap(),
        );
    }

    /// The environment pointing `guiche` (a command or `guiche serve`) at the simulators, the
    /// e-CNPJ file and its CAs, on the simulators' day (`GUICHE_HOJE`); not the ledger.
    pub(crate) fn ambiente(&self) -> Vec<(String, String)> {
        let caminho = |nome: &str| self.dir.join(nome).display().to_string();
        [
            ("GUICHE_SERPRO_AUTH_URL", self.sim.url_autenticacao()),
            ("GUICHE_SERPRO_URL", self.sim.url_gateway()),
            ("GUICHE_SERPRO_CONSUMER_KEY", "chave".into()),
            ("GUICHE_SERPRO_CONSUMER_SECRET", "segredo".into()),
            ("GUICHE_SERPRO_CERT", caminho("ecnpj.p12")),
            ("GUICHE_SERPRO_CERT_PASSWORD", "senha-do-pfx".into()),
            ("GUICHE_SERPRO_CA", caminho("ca.pem")),
            ("GUICHE_CONECTA_URL", self.conecta.url_base()),
            ("GUICHE_CONECTA_CLIENT_ID", "orgao".into()),
            ("GUICHE_CONECTA_CLIENT_SECRET", "segredo-conecta".into()),
            ("GUICHE_CONECTA_CPF_USUARIO", "52998224725".into()),
            ("GUICHE_HOJE", "22/11/2026".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Runs `guiche ARGS --json` with the scenario's environment; exit code and JSON output.
    pub(crate) async fn guiche(&self, args: &[&str], extra: &[(&str, &str)]) -> (i32, Value) {
        let mut c = Command::new(env!("CARGO_BIN_EXE_guiche"));
        c.args(args)
            .arg("--json")
            .env("GUICHE_DB", self.dir.join("livro.db"))
            .envs(self.ambiente());
        for (k, v) in extra {
            c.env(k, v);
        }
        let o = tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap();
        let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}\n{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        });
        (o.status.code().unwrap(), v)
    }
}

/// The arguments of `guiche ecac company add CNPJ --acesso ACESSO --ecac-desde 2026-01-01`: a
/// company reconciled from the start of 2026, reaching e-CAC as `acesso` says.
pub(crate) fn empresa_ecac<'a>(cnpj: &'a str, acesso: &'a str) -> [&'a str; 8] {
    [
        "ecac",
        "company",
        "add",
        cnpj,
        "--acesso",
        acesso,
        "--ecac-desde",
        "2026-01-01",
    ]
}

/// An RSA-2048 key (PKCS#8 DER) from a fixed seed: the term is signed with RSA-SHA256, and
/// no private key is committed.
pub(crate) fn chave_rsa() -> Vec<u8> {
    guiche_serpro::pki_teste::chave_rsa_teste("guiche-app").unwrap()
}

/// Records `cnpjs` as e-CAC companies (A1, a procurador's certificate, from 2026-01-01) in
/// `livro`, each with a procuração to the office in the SERPRO simulator: companies the e-CAC
/// sync fetches.
pub(crate) fn empresas_ecac(c: &Cenario, livro: &dyn guiche_ports::LivroCompleto, cnpjs: &[Cnpj]) {
    for cnpj in cnpjs {
        livro
            .salvar_empresa(&guiche_ports::ecac::Empresa {
                cnpj: *cnpj,
                nome: String::new(),
                ecac_desde: Some(guiche_domain::Data::new(2026, 1, 1).unwrap()),
                acesso: guiche_ports::ecac::Acesso::CertificadoA1,
                certificado_procurador: true,
            })
            .unwrap();
        c.sim.conceder_procuracao(
            Documento::parse(CONTRATANTE).unwrap(),
            Documento::Cnpj(*cnpj),
        );
    }
}

/// `n` valid CNPJs (head office `0001`) from the base `raiz`, `raiz + 1`, …: companies of a
/// test that must not collide with another test's.
pub(crate) fn cnpjs(raiz: usize, n: usize) -> Vec<Cnpj> {
    (0..n)
        .map(|i| Cnpj::from_base(&format!("{:08}0001", raiz + i)).unwrap())
        .collect()
}
