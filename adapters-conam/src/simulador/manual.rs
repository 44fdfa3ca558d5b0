//! The manual's examples: the revenues entity `1` holds in 2022 when the simulator starts
//! (the same data as `tests/vetores/receitas-*.json`, which the tests compare against).

use crate::wire::ReceitaDto;

/// The entity of the manual's examples.
pub(super) const ENTIDADE: &str = "1";
/// The year of the manual's examples.
pub(super) const ANO: u16 = 2022;

const IPTU: &str = "IMP. PROP. PREDIAL E TERRITORIAL URBANA";
const CONTA_IPTU: &str = "1.1.1.2.50.0.1.0001";

/// The budget revenues example ("Obter Receitas Orçamentárias").
pub(super) fn receitas_orcamentarias() -> Vec<ReceitaDto> {
    vec![
        orcamentaria("00001", CONTA_IPTU, IPTU, ("", "")),
        orcamentaria(
            "00103",
            "1.1.1.2.50.0.2.0001",
            "MULTAS E JUROS DE MORA DO IPTU",
            ("", ""),
        ),
        orcamentaria(
            "01833",
            "9.1.1.0.00.0.0.0001",
            "DESC IPTU",
            (CONTA_IPTU, IPTU),
        ),
    ]
}

/// The extra-budget revenues example ("Obter Receitas Extraorçamentárias"), as valid JSON.
pub(super) fn receitas_extraorcamentarias() -> Vec<ReceitaDto> {
    vec![
        extra("00227", "6.1.03", "OUTROS CREDITOS FINANCEIROS"),
        extra("00300", "5.1.99", "FUNDO DE RESERVA"),
    ]
}

/// A budget revenue; `renunciada` is `("", "")` when it renounces nothing, as the manual
/// writes it.
fn orcamentaria(
    codigo: &str,
    conta: &str,
    descricao: &str,
    renunciada: (&str, &str),
) -> ReceitaDto {
    ReceitaDto {
        codigo_conta_renunciada: Some(renunciada.0.to_owned()),
        descricao_conta_renunciada: Some(renunciada.1.to_owned()),
        ..extra(codigo, conta, descricao)
    }
}

/// An extra-budget revenue (no renounced-account fields).
fn extra(codigo: &str, conta: &str, descricao: &str) -> ReceitaDto {
    ReceitaDto {
        codigo: codigo.to_owned(),
        exercicio: ANO,
        codigo_conta: conta.to_owned(),
        descricao: descricao.to_owned(),
        codigo_conta_renunciada: None,
        descricao_conta_renunciada: None,
    }
}
