//! The helpers of the binary's tests: a simulator, clients pointed at it, a fixed clock.

use guiche_domain::Data;
use guiche_loja::simulador::{ConfigSimuladorLoja, SimuladorLoja};
use guiche_loja::{ClienteLoja, ConfigLoja, Credenciais, Medicao, Segredo};
use guiche_ports::Relogio;
use guiche_ports::consulta::Etiqueta;
use std::time::Duration;

pub(crate) const KEY: &str = "escritorio-key";
pub(crate) const SECRET: &str = "escritorio-secret";

pub(crate) struct Fixo(pub Data);

impl Relogio for Fixo {
    fn hoje(&self) -> Data {
        self.0
    }
}

pub(crate) fn simulador() -> SimuladorLoja {
    let sim = SimuladorLoja::iniciar(ConfigSimuladorLoja::default()).unwrap();
    sim.cadastrar_consumidor(KEY, SECRET);
    sim
}

pub(crate) fn config(sim: &SimuladorLoja, credenciais: Credenciais) -> ConfigLoja {
    ConfigLoja {
        url_base: sim.url_base(),
        credenciais,
        ca_extra_pem: None,
        timeout: Duration::from_secs(5),
    }
}

pub(crate) fn contrato(secret: &str) -> Credenciais {
    Credenciais::Contrato {
        consumer_key: KEY.into(),
        consumer_secret: Segredo::new(secret),
    }
}

pub(crate) fn trial(sim: &SimuladorLoja) -> ClienteLoja {
    ClienteLoja::new(config(sim, Credenciais::Trial), None).unwrap()
}

pub(crate) fn cliente(sim: &SimuladorLoja, medicao: Option<Medicao>) -> ClienteLoja {
    ClienteLoja::new(config(sim, contrato(SECRET)), medicao).unwrap()
}

pub(crate) fn etiqueta(t: &str) -> Etiqueta {
    Etiqueta::nova(t).unwrap()
}
