//! Set-up shared by the tests that talk to the Integra Contador simulator: the contratante's
//! e-CNPJ issued by the simulator's test CA, a client pointed at the simulator, and requests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use guiche_domain::serpro::{Pedido, PedidoDados};
use guiche_domain::{Cnpj, Documento};
use guiche_serpro::certificado::{Certificado, Senha};
use guiche_serpro::simulador::SimuladorIntegra;
use guiche_serpro::{ClienteIntegra, ConfigIntegra};
use std::time::Duration;

/// The office (contratante) whose e-CNPJ the client presents.
pub(crate) const CONTRATANTE: &str = "11222333000181";

/// A client of [`CONTRATANTE`] for `sim`, with the consumer `chave`/`segredo` registered and an
/// e-CNPJ valid from a minute ago to a day from now.
pub(crate) fn cliente_do_contratante(sim: &SimuladorIntegra) -> ClienteIntegra {
    ClienteIntegra::new(config_do_contratante(sim)).unwrap()
}

/// The configuration of [`cliente_do_contratante`] (timeout 5 s), to change before building.
pub(crate) fn config_do_contratante(sim: &SimuladorIntegra) -> ConfigIntegra {
    sim.cadastrar_consumidor("chave", "segredo");
    let cnpj = Cnpj::parse(CONTRATANTE).unwrap();
    let um_dia = Duration::from_secs(86_400);
    let p12 = sim.emitir_pkcs12("ESCRITORIO", &cnpj, um_dia, "1").unwrap();
    let certificado = Certificado::abrir(&p12, &Senha::new("1")).unwrap();
    sim.config_cliente("chave", "segredo", certificado, Duration::from_secs(5))
}

/// A request of [`CONTRATANTE`] made by `autor` for `contribuinte`: service
/// `sistema`/`servico`, version 1.0, with `dados` as given.
pub(crate) fn pedido(
    autor: &str,
    contribuinte: &str,
    sistema: &str,
    servico: &str,
    dados: &str,
) -> Pedido {
    Pedido {
        contratante: Cnpj::parse(CONTRATANTE).unwrap(),
        autor_pedido_dados: Documento::parse(autor).unwrap(),
        contribuinte: Documento::parse(contribuinte).unwrap(),
        pedido_dados: PedidoDados {
            id_sistema: sistema.into(),
            id_servico: servico.into(),
            versao_sistema: "1.0".into(),
            dados: dados.into(),
        },
    }
}
