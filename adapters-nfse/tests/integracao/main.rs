//! Every integration test of `guiche-nfse` in one test binary: one link of the crate graph
//! instead of one per file. `cargo test -p guiche-nfse --test integracao [FILTER]`; the filter
//! `emissao::` runs one file's tests. The client talks to the simulator over real mTLS.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

mod emissao;
mod eventos;
mod parametros;
mod vetores;

use guiche_certificados::Certificado;
use guiche_certificados::nfse::assinar_dps;
use guiche_domain::Cnpj;
use guiche_domain::documento::Documento;
use guiche_domain::nfse::{Dps, DpsBruta};
use guiche_nfse::simulador::{ConfigSimuladorNfse, SimuladorNfse};
use guiche_nfse::{ClienteNfse, ConfigNfse};
use std::time::{Duration, SystemTime};

/// The example's prestador.
pub(crate) const CNPJ_PRESTADOR: &str = "11222333000181";

/// The example DPS (`exemplos/nfse/dps.json`) with number `numero`.
pub(crate) fn dps(numero: u64) -> Dps {
    DpsBruta::de_json(include_str!("../../../exemplos/nfse/dps.json"))
        .unwrap()
        .validar()
        .unwrap()
        .com_numero(numero)
        .unwrap()
}

pub(crate) fn prestador() -> Documento {
    Documento::Cnpj(Cnpj::parse(CNPJ_PRESTADOR).unwrap())
}

/// A simulator, the prestador's certificate from its CA and a client presenting it.
pub(crate) struct Cenario {
    pub(crate) sim: SimuladorNfse,
    pub(crate) certificado: Certificado,
    pub(crate) cliente: ClienteNfse,
}

impl Cenario {
    pub(crate) fn novo() -> Cenario {
        Cenario::com_prazo(Duration::from_secs(20))
    }

    pub(crate) fn com_prazo(timeout: Duration) -> Cenario {
        let sim = SimuladorNfse::iniciar(ConfigSimuladorNfse::default()).unwrap();
        let certificado = sim.certificado_prestador(&prestador()).unwrap();
        let cliente = cliente(&sim, &certificado, sim.url_sefin(), timeout);
        Cenario {
            sim,
            certificado,
            cliente,
        }
    }

    /// The DPS number `numero`, signed by the prestador.
    pub(crate) fn assinada(&self, numero: u64) -> String {
        assinar_dps(&self.certificado, &dps(numero), SystemTime::now()).unwrap()
    }
}

pub(crate) fn cliente(
    sim: &SimuladorNfse,
    certificado: &Certificado,
    url_sefin: String,
    timeout: Duration,
) -> ClienteNfse {
    ClienteNfse::new(ConfigNfse {
        url_sefin,
        url_parametros: sim.url_parametros(),
        certificado: certificado.clone(),
        ca_extra_pem: Some(sim.ca_pem()),
        timeout,
    })
    .unwrap()
}
