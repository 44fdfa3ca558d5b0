//! Property tests over generated documents (proptest). Failing cases are kept in
//! `proptest-regressions/` and committed.

use crate::conam::{PacoteBruto, Tabela2};
use crate::estrategias::{conam::pacote_valido, nfd};
use crate::nfd::{ContextoNfd, NotaBruta, Tag};
use crate::{Data, Regra, Valor};
use proptest::prelude::*;

fn hoje() -> Data {
    Data::new(2026, 11, 22).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_valid_notas_validate(p in nfd::prefeitura(), semente in any::<u64>()) {
        let nota = gerar(nfd::nota_valida(p, hoje()), semente);
        let ctx = ContextoNfd { prefeitura: Some(p), ..ContextoNfd::new(hoje()) };
        let validada = nota.clone().validar(&ctx);
        prop_assert!(validada.is_ok(), "{:?}", validada.err());
    }

    #[test]
    fn each_single_field_corruption_names_its_field(
        p in nfd::prefeitura(),
        semente in any::<u64>(),
        indice in 0..30usize,
    ) {
        let nota = gerar(nfd::nota_valida(p, hoje()), semente);
        let tag = Tag::TODAS[indice];
        let (valor, esperado) = nfd::corromper(&nota, tag);
        let ctx = ContextoNfd { prefeitura: Some(p), ..ContextoNfd::new(hoje()) };
        let v = nota.com(tag, valor).validar(&ctx).unwrap_err();
        prop_assert!(!v.is_empty());
        prop_assert!(v.iter().all(|x| x.campo == esperado.nome()), "{tag}: {v}");
    }

    #[test]
    fn nota_xml_round_trips(p in nfd::prefeitura(), semente in any::<u64>()) {
        let nota = gerar(nfd::nota_valida(p, hoje()), semente);
        let lida = NotaBruta::de_xml(&nota.para_xml());
        prop_assert_eq!(lida, Ok(nota));
    }

    #[test]
    fn canonical_form_is_a_fixed_point(p in nfd::prefeitura(), semente in any::<u64>()) {
        // A nota keeps the text it was read from ("0" stays "0"); its canonical form
        // ("0,00") validates to a nota with the same meaning, whose canonical form is itself.
        let ctx = ContextoNfd { prefeitura: Some(p), ..ContextoNfd::new(hoje()) };
        let nota = gerar(nfd::nota_valida(p, hoje()), semente).validar(&ctx).unwrap();
        let canonica = nota.bruta();
        let revalidada = canonica.clone().validar(&ctx).unwrap();
        prop_assert_eq!(revalidada.bruta(), canonica);
        prop_assert_eq!(revalidada.valores(), nota.valores());
        prop_assert_eq!(revalidada.numero(), nota.numero());
        prop_assert_eq!(revalidada.data_emissao(), nota.data_emissao());
    }

    #[test]
    fn valor_nfd_round_trips(centavos in -999_999_999_999_999i64..=999_999_999_999_999) {
        let v = Valor::from_centavos(centavos);
        prop_assert_eq!(Valor::parse_nfd(&v.formatar_nfd()), Ok(v));
        let json = v.decimal().normalize().to_string();
        prop_assert_eq!(Valor::parse_json(&json), Ok(v));
    }

    #[test]
    fn any_text_is_an_error_or_a_value_never_a_panic(texto in "\\PC{0,20}") {
        let _ = Valor::parse_nfd(&texto);
        let _ = Data::parse_br(&texto);
        let _ = crate::Documento::parse(&texto);
        let _ = NotaBruta::de_xml(&texto);
        let _ = PacoteBruto::de_json(&texto);
        let _ = crate::guia::CodigoBarras::parse(&texto);
        let _ = crate::guia::NumeroDocumento::parse(&texto);
        let _ = crate::guia::CodigoReceita::parse(&texto);
        let _ = crate::CodigoIbge::parse(&texto);
        let _ = crate::conam::CodigoLancamento::parse(&texto);
    }

    #[test]
    fn digit_strings_never_panic_the_barcode_reader(texto in "[0-9 .-]{0,60}") {
        let _ = crate::guia::CodigoBarras::parse(&texto);
        let _ = crate::guia::NumeroDocumento::parse(&texto);
    }

    #[test]
    fn generated_pacotes_validate(p in pacote_valido(40)) {
        let r = p.validar(Tabela2::oficial());
        prop_assert!(r.is_ok(), "{:?}", r.err());
    }

    #[test]
    fn one_centavo_off_on_a_bank_movement_is_caught(p in pacote_valido(20), mais in any::<bool>()) {
        let mut p = p;
        let Some((i, b)) = p.movimentos.iter_mut().enumerate().rev().find(|(_, m)| m.tipo_movimento.as_deref() == Some("B")) else {
            return Err(TestCaseError::fail("pacote sem movimento B"));
        };
        let v = Valor::parse_json(b.valor.as_deref().unwrap_or_default()).unwrap();
        let delta = Valor::from_centavos(if mais { 1 } else { -1 });
        b.valor = Some((v + delta).decimal().normalize().to_string());
        let e = p.validar(Tabela2::oficial()).unwrap_err();
        prop_assert!(e.contem(&format!("movimentos[{i}].valor"), Regra::ConamBanco), "{e}");
    }

    #[test]
    fn pacote_json_round_trips(p in pacote_valido(20)) {
        let pacote = p.validar(Tabela2::oficial()).unwrap();
        let relido = PacoteBruto::de_json(&pacote.para_json()).unwrap().validar(Tabela2::oficial()).unwrap();
        prop_assert_eq!(relido, pacote);
    }
}

/// Draws one value from a strategy with a fixed seed (for strategies that depend on another
/// generated value, such as the municipality).
fn gerar<T: std::fmt::Debug>(s: impl Strategy<Value = T>, semente: u64) -> T {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&semente.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    s.new_tree(&mut runner).unwrap().current()
}
