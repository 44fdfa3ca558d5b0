use super::*;
use crate::Regra;

const MANUAL: &str = include_str!("../../tests/vetores/conam-manual-1.json");

fn mov(tipo: &str, conta: &str, lancamento: &str, valor: &str) -> MovimentoBruto {
    MovimentoBruto {
        tipo_movimento: Some(tipo.into()),
        codigo_conta: Some(conta.into()),
        data_movimento_original: Some(String::new()),
        tipo_lancamento: Some(lancamento.into()),
        conta_credito: Some("03349".into()),
        valor: Some(valor.into()),
        data_lancamento: Some("01/07/2022".into()),
        historico_lancamento: Some("recebimento".into()),
    }
}

fn pacote(movimentos: Vec<MovimentoBruto>) -> PacoteBruto {
    PacoteBruto {
        movimentos,
        ..PacoteBruto::de_json(MANUAL).unwrap()
    }
}

fn erros(p: PacoteBruto) -> crate::Violacoes {
    p.validar(Tabela2::oficial()).unwrap_err()
}

const IPTU: &str = "1.1.1.2.50.0.1.0001";
const DESCONTO: &str = "9.1.1.0.00.0.0.0001";

#[test]
fn manual_example_validates() {
    let p = PacoteBruto::de_json(MANUAL)
        .unwrap()
        .validar(Tabela2::oficial())
        .unwrap();
    assert_eq!(p.id_pacote(), 1);
    assert_eq!(p.ano_exercicio(), 2022);
    let m = &p.movimentos()[0];
    assert_eq!(m.valor(), Valor::from_centavos(250_050));
    assert_eq!(m.tipo_lancamento().to_string(), "11-01-001");
    assert_eq!(m.data_movimento_original(), None);
}

#[test]
fn table_two_is_complete_as_printed() {
    let t = Tabela2::oficial();
    assert_eq!(t.linhas().len(), 32 + 1 + 6 + 4);
    let renuncia = t
        .buscar(CodigoLancamento::parse("10-02-002").unwrap())
        .unwrap();
    assert_eq!(renuncia.tipo_movimento, TipoMovimento::ReceitaOrcamentaria);
    let extra = t
        .buscar(CodigoLancamento::parse("10-01-001").unwrap())
        .unwrap();
    assert_eq!(extra.sinal, Sinal::Qualquer);
}

#[test]
fn bank_rule_per_account() {
    let ok = pacote(vec![
        mov("R", IPTU, "12-01-000", "100.50"),
        mov("R", IPTU, "12-03-000", "-10"),
        mov("E", "6.1.03", "10-01-001", "5"),
        mov("B", "1.1.1.1", "12-01-000", "95.50"),
    ]);
    assert!(ok.validar(Tabela2::oficial()).is_ok());
    let errado = pacote(vec![
        mov("R", IPTU, "12-01-000", "100.50"),
        mov("B", "1.1.1.1", "12-01-000", "100.49"),
    ]);
    let v = erros(errado);
    assert!(v.contem("movimentos[1].valor", Regra::ConamBanco), "{v}");
    let sem_banco = pacote(vec![mov("R", IPTU, "11-03-000", "10")]);
    assert!(erros(sem_banco).contem("movimentos[0].contaCredito", Regra::ConamBanco));
}

#[test]
fn accruals_carry_no_cash() {
    let p = pacote(vec![
        mov("R", IPTU, "11-01-001", "10"),
        mov("D", IPTU, "06-01-001", "3"),
    ]);
    assert!(p.validar(Tabela2::oficial()).is_ok());
}

#[test]
fn sign_rules_and_deductive_exception() {
    let negativo = pacote(vec![mov("R", IPTU, "11-01-001", "-10")]);
    assert!(erros(negativo).contem("movimentos[0].valor", Regra::ConamSinal));
    let dedutora = pacote(vec![
        mov("R", DESCONTO, "12-01-000", "-10"),
        mov("B", "1", "99-99-999", "1"),
        mov("R", IPTU, "12-01-000", "11"),
    ]);
    assert!(dedutora.validar(Tabela2::oficial()).is_ok());
    let dedutora_positiva = pacote(vec![
        mov("R", DESCONTO, "12-01-000", "10"),
        mov("B", "1", "12-01-000", "10"),
    ]);
    assert!(erros(dedutora_positiva).contem("movimentos[0].valor", Regra::ConamSinal));
    let grupo_93 = pacote(vec![
        mov("R", "9.3.1.0", "12-01-000", "10"),
        mov("B", "1", "12-01-000", "10"),
    ]);
    assert!(
        grupo_93.validar(Tabela2::oficial()).is_ok(),
        "9.3 não inverte o sinal"
    );
    let zero_extra = pacote(vec![mov("E", "6.1.03", "10-01-001", "0")]);
    assert!(erros(zero_extra).contem("movimentos[0].valor", Regra::ConamSinal));
}

#[test]
fn reversals_need_the_original_date() {
    let sem = pacote(vec![mov("R", IPTU, "11-02-001", "10")]);
    assert!(erros(sem).contem(
        "movimentos[0].dataMovimentoOriginal",
        Regra::ConamDataOriginalExigida
    ));
    let mut com = mov("R", IPTU, "11-02-001", "10");
    com.data_movimento_original = Some("30/06/2022".into());
    assert!(pacote(vec![com]).validar(Tabela2::oficial()).is_ok());
    let estorno_extra = pacote(vec![
        mov("E", "6.1.03", "10-01-001", "-5"),
        mov("B", "1", "10-01-001", "1"),
    ]);
    let v = erros(estorno_extra);
    assert!(
        v.contem(
            "movimentos[0].dataMovimentoOriginal",
            Regra::ConamDataOriginalExigida
        ),
        "{v}"
    );
    let mut posterior = mov("R", IPTU, "11-02-001", "10");
    posterior.data_movimento_original = Some("02/07/2022".into());
    assert!(erros(pacote(vec![posterior])).contem(
        "movimentos[0].dataMovimentoOriginal",
        Regra::ConamDataOriginalPosterior
    ));
}

#[test]
fn codes_must_exist_and_match_movement_type() {
    let desconhecido = pacote(vec![mov("R", IPTU, "11-09-001", "10")]);
    assert!(erros(desconhecido).contem(
        "movimentos[0].tipoLancamento",
        Regra::ConamTipoLancamentoDesconhecido
    ));
    let tipo_errado = pacote(vec![mov("D", IPTU, "11-01-001", "10")]);
    assert!(erros(tipo_errado).contem(
        "movimentos[0].tipoLancamento",
        Regra::ConamTipoLancamentoMovimento
    ));
    let formato = pacote(vec![mov("R", IPTU, "11-1-001", "10")]);
    assert!(erros(formato).contem(
        "movimentos[0].tipoLancamento",
        Regra::ConamTipoLancamentoFormato
    ));
    let tipo = pacote(vec![mov("X", IPTU, "11-01-001", "10")]);
    assert!(erros(tipo).contem("movimentos[0].tipoMovimento", Regra::ConamTipoMovimento));
    let conta = pacote(vec![mov("R", "1.1.a", "11-01-001", "10")]);
    assert!(erros(conta).contem("movimentos[0].codigoConta", Regra::ConamCodigoConta));
}

#[test]
fn package_fields() {
    let mut p = pacote(vec![]);
    p.ano_exercicio = Some("22".into());
    p.id_pacote = Some("0".into());
    p.cod_entidade = None;
    p.data_exportacao = Some("30/06/2022".into());
    let v = erros(p);
    for (campo, regra) in [
        ("codEntidade", Regra::Obrigatorio),
        ("anoExercicio", Regra::ConamAnoExercicio),
        ("idPacote", Regra::ConamIdPacote),
        ("dataExportacao", Regra::ConamExportacaoAnterior),
        ("movimentos", Regra::ConamSemMovimentos),
    ] {
        assert!(v.contem(campo, regra), "{campo}: {v}");
    }
    let mut fora = pacote(vec![mov("R", IPTU, "11-01-001", "10")]);
    fora.ano_exercicio = Some("2023".into());
    assert!(erros(fora).contem("dataMovimento", Regra::ConamForaDoExercicio));
}

#[test]
fn replacing_table_two_changes_the_rules() {
    let tabela =
        Tabela2::de_tsv("13-01-000\tR\tpositivo\tnao\tnao\tNOVO\tNovo lançamento\n").unwrap();
    let p = pacote(vec![mov("R", IPTU, "13-01-000", "10")]);
    assert!(p.clone().validar(&tabela).is_ok());
    assert!(erros(p).contem(
        "movimentos[0].tipoLancamento",
        Regra::ConamTipoLancamentoDesconhecido
    ));
    let e = Tabela2::de_tsv("13-01-000\tR\tpositivo\ttalvez\tnao\tG\tD").unwrap_err();
    assert_eq!(e.linha, 1);
    assert!(e.motivo.contains("talvez"));
}

#[test]
fn json_round_trip_keeps_the_manual_shape() {
    let p = PacoteBruto::de_json(MANUAL)
        .unwrap()
        .validar(Tabela2::oficial())
        .unwrap();
    let escrito: serde_json::Value = serde_json::from_str(&p.para_json()).unwrap();
    let manual: serde_json::Value = serde_json::from_str(MANUAL).unwrap();
    assert_eq!(escrito, manual);
}

#[test]
fn json_shape_errors_name_the_path() {
    let v = PacoteBruto::de_json(r#"{"movimentos": [{"valor": {}, "extra": 1}, 3], "x": 1}"#)
        .unwrap_err();
    assert!(v.contem("movimentos[0].valor", Regra::TipoInvalido), "{v}");
    assert!(
        v.contem("movimentos[0].extra", Regra::CampoDesconhecido),
        "{v}"
    );
    assert!(v.contem("movimentos[1]", Regra::TipoInvalido), "{v}");
    assert!(v.contem("x", Regra::CampoDesconhecido), "{v}");
    assert!(
        PacoteBruto::de_json("{")
            .unwrap_err()
            .contem("$", Regra::JsonInvalido)
    );
    assert!(
        PacoteBruto::de_json("[]")
            .unwrap_err()
            .contem("$", Regra::RaizInvalida)
    );
}

#[test]
fn money_is_read_exactly() {
    let p = pacote(vec![
        mov("R", IPTU, "11-01-001", "0.1"),
        mov("R", IPTU, "11-01-001", "0.2"),
    ]);
    let p = p.validar(Tabela2::oficial()).unwrap();
    let soma: Valor = p.movimentos().iter().map(Movimento::valor).sum();
    assert_eq!(soma, Valor::from_centavos(30));
    let tres = pacote(vec![mov("R", IPTU, "11-01-001", "0.001")]);
    assert!(erros(tres).contem("movimentos[0].valor", Regra::ValorInvalido));
}

#[test]
fn validating_reuses_the_buffer_the_movements_were_read_into() {
    let p = pacote(vec![
        mov("R", IPTU, "11-01-001", "10"),
        mov("R", IPTU, "11-01-001", "20"),
    ]);
    let lido = p.movimentos.as_ptr() as usize;
    let p = p.validar(Tabela2::oficial()).unwrap();
    assert_eq!(p.movimentos().as_ptr() as usize, lido);
    assert_eq!(p.movimentos()[1].valor(), Valor::from_centavos(2000));
}

#[test]
fn many_bank_accounts_are_summed_apart_and_reported_in_order() {
    // 40 accounts: past the linear scan, the hash index takes over.
    let mut movimentos = Vec::new();
    for c in 0..40 {
        let conta = format!("c{c:02}");
        let recebido = mov("R", IPTU, "12-01-000", &format!("{}", 10 + c));
        movimentos.push(MovimentoBruto {
            conta_credito: Some(conta.clone()),
            ..recebido
        });
        // Accounts 7 and 33 are one centavo short.
        let b = if c == 7 || c == 33 {
            format!("{}.99", 9 + c)
        } else {
            format!("{}", 10 + c)
        };
        movimentos.push(MovimentoBruto {
            conta_credito: Some(format!(" {conta} ")),
            ..mov("B", "1.1.1.1.1", "12-01-000", &b)
        });
    }
    let e = erros(pacote(movimentos));
    let campos: Vec<_> = e.iter().map(|v| (v.campo.as_str(), v.regra)).collect();
    assert_eq!(
        campos,
        [
            ("movimentos[15].valor", Regra::ConamBanco),
            ("movimentos[67].valor", Regra::ConamBanco)
        ],
        "{e}"
    );
    assert!(e.iter().next().unwrap().mensagem.contains("c07"), "{e}");
}

#[test]
fn table_two_lookup_finds_every_row_and_nothing_else() {
    let t = Tabela2::oficial();
    for linha in t.linhas() {
        assert_eq!(t.buscar(linha.codigo), Some(linha));
    }
    let nenhuma = Tabela2::de_tsv("").unwrap();
    assert_eq!(
        nenhuma.buscar(CodigoLancamento::parse("11-01-001").unwrap()),
        None
    );
}

mod propriedades {
    use super::*;
    use proptest::prelude::*;

    fn codigo() -> impl Strategy<Value = CodigoLancamento> {
        (0u32..10_000_000).prop_map(|n| {
            let t = format!("{:02}-{:02}-{:03}", n / 100_000, n / 1000 % 100, n % 1000);
            CodigoLancamento::parse(&t).unwrap()
        })
    }

    proptest! {
        /// The hash index answers as a scan of the rows would, on any code and on any table
        /// made of some of Table 2's rows.
        #[test]
        fn lookup_equals_a_scan(c in codigo(), manter in proptest::collection::vec(any::<bool>(), 43)) {
            let oficial = Tabela2::oficial();
            let tsv: String = oficial
                .linhas()
                .iter()
                .zip(&manter)
                .filter(|(_, m)| **m)
                .map(|(l, _)| {
                    let sinal = match l.sinal {
                        Sinal::Positivo => "positivo",
                        Sinal::Negativo => "negativo",
                        Sinal::Qualquer => "qualquer",
                        Sinal::PositivoOuNegativoSeDedutora => "positivo_ou_negativo_se_dedutora",
                        Sinal::NegativoOuPositivoSeDedutora => "negativo_ou_positivo_se_dedutora",
                    };
                    let estorno = match l.estorno {
                        Estorno::Sim => "sim",
                        Estorno::Nao => "nao",
                        Estorno::SeNegativo => "se_negativo",
                    };
                    let caixa = if l.caixa { "sim" } else { "nao" };
                    format!("{}\t{}\t{sinal}\t{estorno}\t{caixa}\t{}\t{}\n", l.codigo, l.tipo_movimento.codigo(), l.grupo, l.descricao)
                })
                .collect();
            let t = Tabela2::de_tsv(&tsv).unwrap();
            for tabela in [oficial, &t] {
                let varrida = tabela.linhas().iter().find(|l| l.codigo == c);
                prop_assert_eq!(tabela.buscar(c), varrida);
                for l in tabela.linhas() {
                    prop_assert_eq!(tabela.buscar(l.codigo), Some(l));
                }
            }
        }

        /// The one-pass account check says what "digits separated by dots" said with `split`.
        #[test]
        fn account_check_equals_the_split_rule(t in "[0-9.a ]{0,12}") {
            let por_split = t.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(super::super::regras::conta_bem_formada(&t), por_split);
        }

        /// The byte-pattern deductive-revenue test says what the `split` one said.
        #[test]
        fn deductive_account_equals_the_split_rule(t in "[39.]{0,6}[0-9.]{0,4}") {
            let mut partes = t.split('.');
            let por_split = partes.next() == Some("9") && partes.next() != Some("3");
            prop_assert_eq!(conta_dedutora(&t), por_split);
        }
    }
}
