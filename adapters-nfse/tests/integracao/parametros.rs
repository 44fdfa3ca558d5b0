//! The ADN's municipal rates over the same mTLS client.

use crate::{Cenario, dps};
use guiche_domain::Data;
use guiche_nfse::{ErroNfse, aliquotas_decimais};
use rust_decimal::Decimal;

#[tokio::test]
async fn municipal_rates_are_read_and_an_unknown_service_is_not_found() {
    let c = Cenario::novo();
    let municipio = dps(1).municipio_emissor();
    let data = Data::new(2026, 11, 1).unwrap();
    let r = c
        .cliente
        .aliquotas(municipio, "010101", data)
        .await
        .unwrap();
    let itens = &r.aliquotas["010101"];
    assert_eq!(aliquotas_decimais(itens).unwrap(), vec![Decimal::new(2, 0)]);
    assert_eq!(itens[0].inicio.as_deref(), Some("2026-01-01"));
    let e = c
        .cliente
        .aliquotas(municipio, "990101", data)
        .await
        .unwrap_err();
    assert!(matches!(e, ErroNfse::NaoEncontrado(_)), "{e:?}");
    let e = c
        .cliente
        .aliquotas(municipio, "01/01", data)
        .await
        .unwrap_err();
    assert!(matches!(e, ErroNfse::Documento(_)), "{e:?}");
    let ultimo = c.sim.chamadas().last().cloned().unwrap();
    assert_eq!(
        ultimo.caminho,
        "/parametrizacao/3550308/990101/2026-11-01/aliquota"
    );
}
