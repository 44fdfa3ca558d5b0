use super::*;
use crate::{Regra, Violacoes};

const MANUAL: &str = include_str!("../../tests/vetores/nfd-manual.xml");

fn hoje() -> Data {
    Data::new(2026, 11, 22).unwrap()
}

fn ctx(prefeitura: &str) -> ContextoNfd<'static> {
    ContextoNfd {
        prefeitura: Prefeitura::buscar(prefeitura),
        ..ContextoNfd::new(hoje())
    }
}

/// The manual's example with a valid CPF for the customer: a nota that passes every rule.
fn valida() -> NotaBruta {
    NotaBruta::de_xml(MANUAL)
        .unwrap()
        .com(Tag::TomadorDocumento, "52998224725")
}

fn violacoes(b: NotaBruta, c: &ContextoNfd<'_>) -> Violacoes {
    b.validar(c).unwrap_err()
}

#[test]
fn manual_example_fails_only_for_its_all_zero_document() {
    let v = violacoes(NotaBruta::de_xml(MANUAL).unwrap(), &ctx("3150"));
    assert_eq!(v.len(), 1, "{v}");
    assert!(
        v.contem("TOMADOR_DOCUMENTO", Regra::DocumentoInvalido),
        "{v}"
    );
}

#[test]
fn corrected_example_validates_and_keeps_every_value() {
    let nota = valida().validar(&ctx("3150")).unwrap();
    assert_eq!(nota.numero(), Some(6053));
    assert_eq!(nota.valores().total, Valor::from_centavos(44_000));
    assert_eq!(nota.status_iss(), StatusIss::Normal);
    assert_eq!(nota.atividade(), Atividade::Geral("09.00"));
    assert_eq!(nota.execucao().unwrap().municipio.to_string(), "3550407");
    assert_eq!(
        nota.bruta(),
        valida(),
        "o exemplo já está na forma canônica"
    );
}

#[test]
fn activity_code_rule_is_municipal_data() {
    // Piracaia (0044) wants CODIGO_ATIVIDADE and a blank CODIGO_GERAL_ATIVIDADE.
    let v = violacoes(valida(), &ctx("0044"));
    assert!(
        v.contem("CODIGO_GERAL_ATIVIDADE", Regra::DeveSerVazio),
        "{v}"
    );
    assert!(v.contem("CODIGO_ATIVIDADE", Regra::Obrigatorio), "{v}");
    let piracaia = valida()
        .com(Tag::CodigoGeralAtividade, "")
        .com(Tag::CodigoAtividade, "0701");
    let nota = piracaia.clone().validar(&ctx("0044")).unwrap();
    assert_eq!(nota.atividade(), Atividade::Municipal("0701"));
    assert!(
        piracaia.clone().validar(&ctx("3039")).is_ok(),
        "Ipeúna igual a Piracaia"
    );
    let v = violacoes(piracaia, &ctx("3150"));
    assert!(v.contem("CODIGO_ATIVIDADE", Regra::DeveSerVazio), "{v}");
}

#[test]
fn without_municipality_exactly_one_activity_code() {
    let sem = ContextoNfd::new(hoje());
    assert!(valida().validar(&sem).is_ok());
    let ambos = valida().com(Tag::CodigoAtividade, "0701");
    assert!(violacoes(ambos, &sem).contem("CODIGO_GERAL_ATIVIDADE", Regra::NfdAtividade));
    let nenhum = valida().com(Tag::CodigoGeralAtividade, "");
    assert!(violacoes(nenhum, &sem).contem("CODIGO_GERAL_ATIVIDADE", Regra::NfdAtividade));
}

#[test]
fn date_not_in_future_nor_before_last_nota() {
    let futura = valida().com(Tag::DataEmissao, "23/11/2026");
    assert!(violacoes(futura, &ctx("3150")).contem("DATA_EMISSAO", Regra::NfdDataFutura));
    assert!(
        valida()
            .com(Tag::DataEmissao, "22/11/2026")
            .validar(&ctx("3150"))
            .is_ok()
    );
    let c = ContextoNfd {
        ultima_nota: Some(UltimaNota {
            numero: 6052,
            data: Data::new(2016, 5, 22).unwrap(),
        }),
        ..ctx("3150")
    };
    let v = violacoes(valida(), &c);
    assert!(
        v.contem("DATA_EMISSAO", Regra::NfdDataAnteriorUltimaNota),
        "{v}"
    );
    let invalida = valida().com(Tag::DataEmissao, "31/02/2016");
    assert!(violacoes(invalida, &ctx("3150")).contem("DATA_EMISSAO", Regra::DataInvalida));
}

#[test]
fn number_follows_the_sequence() {
    let ultima = |numero| ContextoNfd {
        ultima_nota: Some(UltimaNota {
            numero,
            data: Data::new(2016, 1, 1).unwrap(),
        }),
        ..ctx("3150")
    };
    assert!(valida().validar(&ultima(6052)).is_ok());
    let repetido = violacoes(valida(), &ultima(6053));
    assert!(repetido.contem("NUMERO_NOTA", Regra::NfdSequencia));
    assert!(
        repetido.iter().any(|v| v.mensagem.contains("já usado")),
        "{repetido}"
    );
    let pulo = violacoes(valida(), &ultima(6050));
    assert!(
        pulo.iter().any(|v| v.mensagem.contains("6051 a 6052")),
        "{pulo}"
    );
    let vazio = valida()
        .com(Tag::NumeroNota, "")
        .validar(&ultima(7000))
        .unwrap();
    assert_eq!(vazio.numero(), None, "o livro atribui o número");
    for ruim in ["0", "-1", "12a", "6.053"] {
        let v = violacoes(valida().com(Tag::NumeroNota, ruim), &ctx("3150"));
        assert!(
            v.contem("NUMERO_NOTA", Regra::NumeroInvalido),
            "{ruim}: {v}"
        );
    }
}

#[test]
fn money_format_and_limits() {
    for (ruim, regra) in [
        ("1.000,00", Regra::ValorInvalido),
        ("440.00", Regra::ValorInvalido),
        ("440,001", Regra::ValorInvalido),
        ("", Regra::Obrigatorio),
        ("-1,00", Regra::ValorNegativo),
    ] {
        let v = violacoes(valida().com(Tag::Irrf, ruim), &ctx("3150"));
        assert!(v.contem("IRRF", regra), "{ruim}: {v}");
    }
    let zero = valida().com(Tag::ValorTotalNota, "0,00");
    assert!(violacoes(zero, &ctx("3150")).contem("VALOR_TOTAL_NOTA", Regra::NfdValorTotalZero));
    let retencoes = valida().com(Tag::Irrf, "300,00").com(Tag::Inss, "200,00");
    assert!(violacoes(retencoes, &ctx("3150")).contem("VALOR_TOTAL_NOTA", Regra::NfdExcedeTotal));
    let liquido = valida().com(Tag::ValorLiquido, "440,01");
    assert!(violacoes(liquido, &ctx("3150")).contem("VALOR_LIQUIDO", Regra::NfdExcedeTotal));
    let canonico = valida().com(Tag::Pis, "1,5").validar(&ctx("3150")).unwrap();
    assert_eq!(canonico.bruta().get(Tag::Pis), "1,50");
}

#[test]
fn iss_rate_and_percentages() {
    let alta = valida().com(Tag::Aliquota, "5,01");
    assert!(violacoes(alta, &ctx("3150")).contem("ALIQUOTA", Regra::NfdAliquotaIss));
    let simples = valida()
        .com(Tag::Aliquota, "0")
        .com(Tag::StatusIssNota, "4");
    assert!(
        simples.validar(&ctx("3150")).is_ok(),
        "Simples Nacional fora da faixa 2–5"
    );
    let fora = valida().com(Tag::PorcentagemRegimeEspecial, "101");
    assert!(
        violacoes(fora, &ctx("3150"))
            .contem("PORCENTAGEM_REGIME_ESPECIAL", Regra::PercentualForaDaFaixa)
    );
    for ruim in ["2", "5", "0", "8", "x", ""] {
        let v = violacoes(valida().com(Tag::StatusIssNota, ruim), &ctx("3150"));
        assert!(
            !v.is_empty() && v.iter().all(|x| x.campo == "STATUS_ISS_NOTA"),
            "{ruim}: {v}"
        );
    }
}

#[test]
fn execution_place_goes_in_pairs() {
    let so_codigo = valida().com(Tag::LocalExecucaoServico, "");
    assert!(
        violacoes(so_codigo, &ctx("3150"))
            .contem("LOCAL_EXECUCAO_SERVICO", Regra::NfdExecucaoServico)
    );
    let so_local = valida().com(Tag::CodMunicipioExecucaoServico, "");
    assert!(
        violacoes(so_local, &ctx("3150"))
            .contem("COD_MUNICIPIO_EXECUCAO_SERVICO", Regra::NfdExecucaoServico)
    );
    let nenhum = valida()
        .com(Tag::CodMunicipioExecucaoServico, "")
        .com(Tag::LocalExecucaoServico, "");
    assert_eq!(nenhum.validar(&ctx("3150")).unwrap().execucao(), None);
    let codigo_ruim = valida().com(Tag::CodMunicipioExecucaoServico, "3550409");
    assert!(
        violacoes(codigo_ruim, &ctx("3150"))
            .contem("COD_MUNICIPIO_EXECUCAO_SERVICO", Regra::MunicipioInvalido)
    );
}

#[test]
fn foreign_customer_document_is_not_validated() {
    let estrangeiro = NotaBruta::de_xml(MANUAL)
        .unwrap()
        .com(Tag::TomadorEstrangeiro, "S")
        .com(Tag::TomadorDocumento, "PASSAPORTE X123")
        .com(Tag::TomadorCep, "")
        .com(Tag::TomadorMunicipio, "");
    let nota = estrangeiro.validar(&ctx("3150")).unwrap();
    assert_eq!(
        nota.tomador().identificacao,
        IdentificacaoTomador::Estrangeiro("PASSAPORTE X123")
    );
    let talvez = valida().com(Tag::TomadorEstrangeiro, "s");
    assert!(
        violacoes(talvez, &ctx("3150")).contem("TOMADOR_ESTRANGEIRO", Regra::NfdTomadorEstrangeiro)
    );
}

#[test]
fn national_customer_needs_address() {
    let b = valida()
        .com(Tag::TomadorCep, "1340000")
        .com(Tag::TomadorBairro, "")
        .com(Tag::TomadorMunicipio, "")
        .com(Tag::TomadorEmail, "email@")
        .com(Tag::TomadorTelefone, "12-ab");
    let v = violacoes(b, &ctx("3150"));
    assert!(v.contem("TOMADOR_CEP", Regra::CepInvalido), "{v}");
    assert!(v.contem("TOMADOR_BAIRRO", Regra::Obrigatorio), "{v}");
    assert!(v.contem("TOMADOR_MUNICIPIO", Regra::Obrigatorio), "{v}");
    assert!(v.contem("TOMADOR_EMAIL", Regra::EmailInvalido), "{v}");
    assert!(v.contem("TOMADOR_TELEFONE", Regra::TelefoneInvalido), "{v}");
    let cep = valida()
        .com(Tag::TomadorCep, "13400-000")
        .validar(&ctx("3150"))
        .unwrap();
    assert_eq!(cep.tomador().cep, "13400000");
}

#[test]
fn outras_informacoes_ten_lines_of_85() {
    let linha = "x".repeat(85);
    let dez = [linha.as_str(); 10].join("\r\n");
    assert!(
        valida()
            .com(Tag::OutrasInformacoes, dez.clone())
            .validar(&ctx("3150"))
            .is_ok()
    );
    let onze = format!("{dez}\r\nmais");
    assert!(
        violacoes(valida().com(Tag::OutrasInformacoes, onze), &ctx("3150"))
            .contem("OUTRAS_INFORMACOES", Regra::NfdOutrasInformacoes)
    );
    let larga = format!("{}ç", "x".repeat(85));
    let v = violacoes(valida().com(Tag::OutrasInformacoes, larga), &ctx("3150"));
    assert!(
        v.iter().any(|x| x.mensagem.contains("86 caracteres")),
        "{v}"
    );
    let acentos = "ç".repeat(85);
    assert!(
        valida()
            .com(Tag::OutrasInformacoes, acentos)
            .validar(&ctx("3150"))
            .is_ok(),
        "conta caracteres, não bytes"
    );
}

#[test]
fn control_characters_are_refused() {
    let v = violacoes(valida().com(Tag::TomadorRazao, "ACME\u{1}"), &ctx("3150"));
    assert!(v.contem("TOMADOR_RAZAO", Regra::CaractereInvalido), "{v}");
}

#[test]
fn all_violations_are_reported_at_once() {
    let b = valida()
        .com(Tag::DataEmissao, "")
        .com(Tag::Irrf, "x")
        .com(Tag::TomadorRazao, "")
        .com(Tag::StatusIssNota, "9");
    let v = violacoes(b, &ctx("3150"));
    let campos: Vec<&str> = v.iter().map(|x| x.campo.as_str()).collect();
    assert_eq!(
        campos,
        ["DATA_EMISSAO", "STATUS_ISS_NOTA", "IRRF", "TOMADOR_RAZAO"],
        "{v}"
    );
}

#[cfg(feature = "formatos")]
#[test]
fn the_fingerprint_ignores_the_number_and_sees_the_content() {
    let com = |numero: &str, descricao: &str| {
        let nota = valida()
            .com(Tag::NumeroNota, numero)
            .com(Tag::DescricaoServicos, descricao)
            .validar(&ctx("3150"))
            .unwrap();
        impressao_digital(&nota)
    };
    let a = com("7", "sessão");
    assert_eq!(a.len(), 64);
    assert!(
        a.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(a, com("", "sessão"), "o número não faz parte da impressão");
    assert_eq!(a, com("8", "sessão"));
    assert_ne!(a, com("7", "outra sessão"), "o conteúdo faz");
}
