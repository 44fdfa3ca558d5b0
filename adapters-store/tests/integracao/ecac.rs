//! The e-CAC ledger on SQLite: companies, guides (never rewritten, conflicts refused),
//! payments recorded once, occurrences with history, settlement that is never undone,
//! synchronisation marks, persistence, corrupt rows and schema constraints; and properties over
//! generated sequences of reconciliations and payments.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::comum::arquivo;
use std::collections::HashMap;
use std::path::Path;

use guiche_domain::conciliacao::Pagamento;
use guiche_domain::estrategias::guia as estrategias;
use guiche_domain::guia::{CodigoBarras, CodigoReceita, Guia, NumeroDocumento, TipoGuia};
use guiche_domain::{Cnpj, Competencia, Data, Documento, Valor};
use guiche_ports::ecac::{
    Acesso, Achado, Empresa, GuiaGravada, LivroEcac, OrigemGuia, ResumoConciliacao,
};
use guiche_ports::livro::ErroLivro;
use guiche_store::Livro;
use proptest::prelude::*;
use rusqlite::Connection;

const CNPJ: &str = "11.222.333/0001-81";
const OUTRO_CNPJ: &str = "11.444.777/0001-61";
const CPF: &str = "529.982.247-25";
const NUMERO: &str = "07.20.26145.9307993-6";

fn livro() -> Livro {
    Livro::em_memoria().unwrap()
}

fn data(ano: u16, mes: u8, dia: u8) -> Data {
    Data::new(ano, mes, dia).unwrap()
}

fn cnpj(texto: &str) -> Cnpj {
    Cnpj::parse(texto).unwrap()
}

fn documento(texto: &str) -> Documento {
    Documento::parse(texto).unwrap()
}

fn numero(texto: &str) -> NumeroDocumento {
    NumeroDocumento::parse(texto).unwrap()
}

fn motivo(e: ErroLivro) -> String {
    match e {
        ErroLivro::Armazenamento { motivo, .. } => motivo,
        outro => panic!("esperava Armazenamento, veio {outro:?}"),
    }
}

fn empresa(texto: &str, nome: &str, acesso: Acesso) -> Empresa {
    Empresa {
        cnpj: cnpj(texto),
        nome: nome.to_owned(),
        ecac_desde: Some(data(2024, 1, 1)),
        acesso,
        certificado_procurador: false,
    }
}

/// A DAS of R$ 1.234,56 for period 06/2026, due 20/07/2026, with its barcode.
fn guia() -> Guia {
    let valor = Valor::from_centavos(123_456);
    let barras =
        CodigoBarras::com_dv_calculado(&format!("856{:011}0328{:025}", 123_456, 42)).unwrap();
    Guia {
        tipo: TipoGuia::Das,
        numero: numero(NUMERO),
        contribuinte: documento(CNPJ),
        codigo_receita: Some(CodigoReceita::parse("1708").unwrap()),
        periodo: Competencia::new(2026, 6).unwrap(),
        vencimento: data(2026, 7, 20),
        valor,
        codigo_barras: Some(barras),
    }
}

/// A DARF with no revenue code and no barcode (the optional columns NULL).
fn darf(contribuinte: &str, n: u64) -> Guia {
    Guia {
        tipo: TipoGuia::Darf,
        numero: NumeroDocumento::from_u64(n).unwrap(),
        contribuinte: documento(contribuinte),
        codigo_receita: None,
        periodo: Competencia::new(2026, 5).unwrap(),
        vencimento: data(2026, 6, 30),
        valor: Valor::from_centavos(1),
        codigo_barras: None,
    }
}

fn pagamento(g: &Guia, dia: u8, centavos: i64) -> Pagamento {
    Pagamento {
        numero: g.numero,
        data_arrecadacao: data(2026, 7, dia),
        valor_total: Valor::from_centavos(centavos),
        codigo_receita: g.codigo_receita,
        contribuinte: g.contribuinte,
    }
}

/// What a reconciliation finds for `g`: open (not paid) or paid on 15/07/2026.
fn achado(g: &Guia, paga: bool) -> Achado {
    Achado {
        contribuinte: g.contribuinte,
        numero: g.numero,
        chave: format!("guia:{}", g.numero.as_digitos()),
        codigo: if paga { "paga" } else { "em_aberto" }.to_owned(),
        descricao: if paga { "Paga" } else { "Em aberto" }.to_owned(),
        valor_guia: Some(g.valor),
        valor_pago: paga.then_some(g.valor),
        vencimento: Some(g.vencimento),
        pago_em: paga.then(|| data(2026, 7, 15)),
        dias_atraso: None,
        paga,
    }
}

fn resumo(
    ocorrencias_novas: usize,
    inalteradas: usize,
    guias_baixadas: usize,
) -> ResumoConciliacao {
    ResumoConciliacao {
        ocorrencias_novas,
        inalteradas,
        guias_baixadas,
    }
}

// ---------------------------------------------------------------------------------------------
// Companies
// ---------------------------------------------------------------------------------------------

#[test]
fn companies_are_upserted_and_listed_in_cnpj_order() {
    let livro = livro();
    assert!(livro.empresas().unwrap().is_empty());
    let b = empresa(OUTRO_CNPJ, "Beta", Acesso::CertificadoA3);
    let a = empresa(CNPJ, "Alfa", Acesso::CertificadoA1);
    livro.salvar_empresa(&b).unwrap();
    livro.salvar_empresa(&a).unwrap();
    assert_eq!(livro.empresas().unwrap(), vec![a.clone(), b.clone()]);

    // The same CNPJ again replaces its settings: still two companies.
    let a2 = Empresa {
        nome: String::new(),
        ecac_desde: None,
        acesso: Acesso::CodigoAcesso,
        certificado_procurador: true,
        ..a.clone()
    };
    livro.salvar_empresa(&a2).unwrap();
    assert_eq!(livro.empresas().unwrap(), vec![a2.clone(), b.clone()]);
    assert_eq!(livro.empresa(&cnpj(CNPJ)).unwrap(), Some(a2));
    assert_eq!(livro.empresa(&cnpj("45.723.174/0001-10")).unwrap(), None);
}

#[test]
fn every_access_kind_reads_back() {
    let livro = livro();
    for acesso in Acesso::TODOS {
        let e = empresa(CNPJ, "Alfa", acesso);
        livro.salvar_empresa(&e).unwrap();
        assert_eq!(livro.empresa(&e.cnpj).unwrap(), Some(e));
    }
}

#[test]
fn synchronisation_is_remembered_per_company_and_survives_new_settings() {
    let livro = livro();
    let a = empresa(CNPJ, "Alfa", Acesso::CertificadoA1);
    livro.salvar_empresa(&a).unwrap();
    livro
        .salvar_empresa(&empresa(OUTRO_CNPJ, "Beta", Acesso::CodigoAcesso))
        .unwrap();
    assert_eq!(livro.sincronizado_ate(&a.cnpj).unwrap(), None);

    livro
        .marcar_sincronizacao(&a.cnpj, data(2026, 7, 31))
        .unwrap();
    assert_eq!(
        livro.sincronizado_ate(&a.cnpj).unwrap(),
        Some(data(2026, 7, 31))
    );
    assert_eq!(livro.sincronizado_ate(&cnpj(OUTRO_CNPJ)).unwrap(), None);

    // New settings keep the mark.
    livro
        .salvar_empresa(&empresa(CNPJ, "Alfa Ltda", Acesso::CertificadoA3))
        .unwrap();
    assert_eq!(
        livro.sincronizado_ate(&a.cnpj).unwrap(),
        Some(data(2026, 7, 31))
    );

    livro
        .marcar_sincronizacao(&a.cnpj, data(2026, 8, 31))
        .unwrap();
    assert_eq!(
        livro.sincronizado_ate(&a.cnpj).unwrap(),
        Some(data(2026, 8, 31))
    );
}

#[test]
fn marking_an_unknown_company_is_refused_by_name() {
    let livro = livro();
    let desconhecida = cnpj("45.723.174/0001-10");
    assert_eq!(livro.sincronizado_ate(&desconhecida).unwrap(), None);
    let m = motivo(
        livro
            .marcar_sincronizacao(&desconhecida, data(2026, 7, 31))
            .unwrap_err(),
    );
    assert!(m.contains("45.723.174/0001-10"), "{m}");
    assert!(m.contains("não está cadastrada"), "{m}");
    assert!(livro.empresas().unwrap().is_empty(), "nothing was created");
}

// ---------------------------------------------------------------------------------------------
// Guides
// ---------------------------------------------------------------------------------------------

#[test]
fn a_guide_is_recorded_once_and_reads_back_whole() {
    let livro = livro();
    let g = guia();
    assert_eq!(
        livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap(),
        GuiaGravada::Nova
    );
    assert_eq!(
        livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap(),
        GuiaGravada::JaExistia
    );
    // The origin is not content: the same guide imported later is the same guide.
    assert_eq!(
        livro.registrar_guia(&g, OrigemGuia::Importacao).unwrap(),
        GuiaGravada::JaExistia
    );
    let guias = livro.guias(None).unwrap();
    assert_eq!(guias.len(), 1);
    assert_eq!(guias[0].guia, g);
    assert_eq!(guias[0].origem, OrigemGuia::Serpro);
    assert_eq!(guias[0].baixada_em, None);

    // Optional parts absent read back absent.
    let d = darf(CPF, 1);
    livro.registrar_guia(&d, OrigemGuia::Importacao).unwrap();
    let guias = livro.guias(None).unwrap();
    assert_eq!(guias[1].guia, d);
    assert_eq!(guias[1].origem, OrigemGuia::Importacao);
}

#[test]
fn another_guide_with_a_recorded_number_is_a_conflict_and_the_first_stays() {
    let livro = livro();
    let g = guia();
    livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap();
    let outra = Guia {
        valor: Valor::from_centavos(99),
        codigo_barras: None,
        ..g.clone()
    };
    match livro.registrar_guia(&outra, OrigemGuia::Importacao) {
        Err(ErroLivro::GuiaConflitante { numero }) => assert_eq!(numero, NUMERO),
        outro => panic!("esperava GuiaConflitante, veio {outro:?}"),
    }
    let e = livro
        .registrar_guia(&outra, OrigemGuia::Importacao)
        .unwrap_err();
    assert!(e.to_string().contains(NUMERO), "{e}");
    let guias = livro.guias(None).unwrap();
    assert_eq!(guias.len(), 1);
    assert_eq!(guias[0].guia, g);
    assert_eq!(guias[0].origem, OrigemGuia::Serpro);
}

#[test]
fn the_same_guide_without_its_barcode_is_the_same_guide_and_keeps_the_recorded_one() {
    let livro = livro();
    let g = guia();
    livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap();
    let da_planilha = Guia {
        codigo_barras: None,
        codigo_receita: None,
        ..g.clone()
    };
    assert_eq!(
        livro
            .registrar_guia(&da_planilha, OrigemGuia::Importacao)
            .unwrap(),
        GuiaGravada::JaExistia
    );
    let outra_receita = Guia {
        codigo_receita: Some(CodigoReceita::parse("0190").unwrap()),
        ..g.clone()
    };
    assert!(
        livro
            .registrar_guia(&outra_receita, OrigemGuia::Importacao)
            .is_err()
    );
    let guias = livro.guias(None).unwrap();
    assert_eq!(
        (guias.len(), &guias[0].guia),
        (1, &g),
        "a registrada fica como estava"
    );
    assert_eq!(
        livro.guia(&g.numero).unwrap().map(|r| r.guia),
        Some(g.clone())
    );
    assert_eq!(livro.guia(&numero("07202600000000999")).unwrap(), None);
}

#[test]
fn guides_are_listed_in_recording_order_and_filtered_by_contribuinte() {
    let livro = livro();
    let ordem = [darf(CNPJ, 30), darf(CPF, 10), darf(CNPJ, 20), guia()];
    for g in &ordem {
        livro.registrar_guia(g, OrigemGuia::Serpro).unwrap();
    }
    let todas: Vec<Guia> = livro
        .guias(None)
        .unwrap()
        .into_iter()
        .map(|g| g.guia)
        .collect();
    assert_eq!(todas, ordem);
    let do_cnpj: Vec<Guia> = livro
        .guias(Some(&documento(CNPJ)))
        .unwrap()
        .into_iter()
        .map(|g| g.guia)
        .collect();
    assert_eq!(
        do_cnpj,
        vec![ordem[0].clone(), ordem[2].clone(), ordem[3].clone()]
    );
    assert!(
        livro
            .guias(Some(&documento(OUTRO_CNPJ)))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn money_is_stored_as_exact_centavos() {
    let caminho = arquivo("centavos");
    let livro = Livro::abrir(&caminho).unwrap();
    let g = Guia {
        valor: Valor::parse_nfd("123456789012345,67").unwrap(),
        codigo_barras: None,
        ..guia()
    };
    livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap();
    let bruto: i64 = Connection::open(&caminho)
        .unwrap()
        .query_row("SELECT valor FROM guias", [], |r| r.get(0))
        .unwrap();
    assert_eq!(bruto, 12_345_678_901_234_567);
    assert_eq!(livro.guias(None).unwrap()[0].guia.valor, g.valor);
}

// ---------------------------------------------------------------------------------------------
// Payments
// ---------------------------------------------------------------------------------------------

#[test]
fn payments_are_recorded_once() {
    let livro = livro();
    let g = guia();
    let p1 = pagamento(&g, 10, 100_000);
    let p2 = pagamento(&g, 15, 23_456);
    assert_eq!(
        livro
            .registrar_pagamentos(&[p1.clone(), p2.clone()])
            .unwrap(),
        2
    );
    assert_eq!(
        livro
            .registrar_pagamentos(&[p2.clone(), p1.clone()])
            .unwrap(),
        0
    );
    // Another date or value is another payment.
    let p3 = pagamento(&g, 15, 1);
    let p4 = pagamento(&g, 16, 23_456);
    assert_eq!(
        livro
            .registrar_pagamentos(&[p1.clone(), p3.clone(), p4.clone()])
            .unwrap(),
        2
    );
    assert_eq!(livro.pagamentos(None).unwrap(), vec![p1, p2, p3, p4]);
    assert_eq!(livro.registrar_pagamentos(&[]).unwrap(), 0);
}

/// A real double payment (the same guide paid twice on one day, same value) is two payments
/// when one fetch returns it twice; fetching the same days again (the 10-day overlap of every
/// sync, or the same file imported again) adds nothing, and a fetch that finds one more adds
/// that one.
#[test]
fn identical_payments_of_one_fetch_are_kept_apart_and_a_refetch_adds_nothing() {
    let livro = livro();
    let g = guia();
    let p = pagamento(&g, 10, 100_000);
    let outro = pagamento(&g, 11, 100_000);
    assert_eq!(
        livro
            .registrar_pagamentos(&[p.clone(), outro.clone(), p.clone()])
            .unwrap(),
        3,
        "two identical payments in one fetch are two"
    );
    assert_eq!(
        livro
            .registrar_pagamentos(&[outro.clone(), p.clone(), p.clone()])
            .unwrap(),
        0,
        "the overlap fetched again, in another order"
    );
    assert_eq!(
        livro
            .registrar_pagamentos(std::slice::from_ref(&p))
            .unwrap(),
        0
    );
    assert_eq!(
        livro
            .registrar_pagamentos(&[p.clone(), p.clone(), p.clone()])
            .unwrap(),
        1,
        "a third one posted later"
    );
    assert_eq!(
        livro.pagamentos(None).unwrap(),
        vec![p.clone(), outro, p.clone(), p]
    );
}

#[test]
fn payments_are_filtered_by_contribuinte() {
    let livro = livro();
    let de_cpf = pagamento(&darf(CPF, 5), 1, 700);
    let de_cnpj = pagamento(&guia(), 2, 800);
    livro
        .registrar_pagamentos(&[de_cpf.clone(), de_cnpj.clone()])
        .unwrap();
    assert_eq!(
        livro.pagamentos(Some(&documento(CPF))).unwrap(),
        vec![de_cpf]
    );
    assert_eq!(
        livro.pagamentos(Some(&documento(CNPJ))).unwrap(),
        vec![de_cnpj]
    );
}

#[test]
fn a_failing_batch_of_payments_writes_none() {
    let livro = livro();
    let bom = pagamento(&guia(), 10, 100);
    // Beyond what i64 centavos hold: refused, never rounded.
    let ruim = Pagamento {
        valor_total: Valor::from_centavos(i64::MAX) + Valor::from_centavos(1),
        ..bom.clone()
    };
    assert!(livro.registrar_pagamentos(&[bom.clone(), ruim]).is_err());
    assert!(
        livro.pagamentos(None).unwrap().is_empty(),
        "one transaction"
    );
    assert_eq!(livro.registrar_pagamentos(&[bom]).unwrap(), 1);
}

// ---------------------------------------------------------------------------------------------
// Reconciliation
// ---------------------------------------------------------------------------------------------

#[test]
fn the_same_reconciliation_twice_writes_nothing_the_second_time() {
    let livro = livro();
    let g = guia();
    livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap();
    let achados = [achado(&g, false)];
    assert_eq!(
        livro
            .registrar_conciliacao(&achados, data(2026, 7, 10))
            .unwrap(),
        resumo(1, 0, 0)
    );
    assert_eq!(
        livro
            .registrar_conciliacao(&achados, data(2026, 7, 11))
            .unwrap(),
        resumo(0, 1, 0)
    );
    let historico = livro.historico(&g.numero).unwrap();
    assert_eq!(historico.len(), 1);
    assert_eq!(historico[0].achado, achados[0]);
    assert_eq!(historico[0].registrada_em, data(2026, 7, 10));
    assert_eq!(livro.guias(None).unwrap()[0].baixada_em, None);
}

#[test]
fn a_guide_found_paid_gets_a_new_occurrence_and_is_settled() {
    let livro = livro();
    let g = guia();
    livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap();
    livro
        .registrar_conciliacao(&[achado(&g, false)], data(2026, 7, 10))
        .unwrap();
    assert_eq!(
        livro
            .registrar_conciliacao(&[achado(&g, true)], data(2026, 7, 16))
            .unwrap(),
        resumo(1, 0, 1)
    );
    let historico = livro.historico(&g.numero).unwrap();
    let codigos: Vec<&str> = historico.iter().map(|o| o.achado.codigo.as_str()).collect();
    assert_eq!(codigos, ["em_aberto", "paga"], "oldest first");
    assert!(historico[0].id < historico[1].id);
    assert_eq!(historico[1].registrada_em, data(2026, 7, 16));
    let atuais = livro.ocorrencias(None).unwrap();
    assert_eq!(atuais.len(), 1);
    assert_eq!(atuais[0].achado, achado(&g, true));
    assert_eq!(
        livro.guias(None).unwrap()[0].baixada_em,
        Some(data(2026, 7, 16))
    );
}

#[test]
fn a_settled_guide_is_never_unsettled() {
    let livro = livro();
    let g = guia();
    livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap();
    livro
        .registrar_conciliacao(&[achado(&g, true)], data(2026, 7, 16))
        .unwrap();
    // A later reconciliation says it is not paid (a payment reversed, a wrong import…).
    assert_eq!(
        livro
            .registrar_conciliacao(&[achado(&g, false)], data(2026, 7, 20))
            .unwrap(),
        resumo(1, 0, 0)
    );
    assert_eq!(
        livro.guias(None).unwrap()[0].baixada_em,
        Some(data(2026, 7, 16))
    );
    // Paid again: a new occurrence, but the guide keeps its first settlement day.
    assert_eq!(
        livro
            .registrar_conciliacao(&[achado(&g, true)], data(2026, 7, 25))
            .unwrap(),
        resumo(1, 0, 0)
    );
    assert_eq!(
        livro.guias(None).unwrap()[0].baixada_em,
        Some(data(2026, 7, 16))
    );
    assert_eq!(livro.historico(&g.numero).unwrap().len(), 3);
}

#[test]
fn an_unchanged_paid_finding_settles_a_guide_recorded_after_it() {
    let livro = livro();
    let g = guia();
    // The guide was paid before guichê knew it (imported later).
    livro
        .registrar_conciliacao(&[achado(&g, true)], data(2026, 7, 16))
        .unwrap();
    livro.registrar_guia(&g, OrigemGuia::Importacao).unwrap();
    assert_eq!(
        livro
            .registrar_conciliacao(&[achado(&g, true)], data(2026, 7, 17))
            .unwrap(),
        resumo(0, 1, 1)
    );
    assert_eq!(
        livro.guias(None).unwrap()[0].baixada_em,
        Some(data(2026, 7, 17))
    );
}

#[test]
fn a_paid_finding_without_a_guide_settles_nothing() {
    let livro = livro();
    let g = darf(CPF, 77);
    let mut a = achado(&g, true);
    a.chave = format!("pagamento:{}:20260715:0.01", g.numero.as_digitos());
    a.codigo = "pagamento_sem_guia".to_owned();
    assert_eq!(
        livro
            .registrar_conciliacao(&[a], data(2026, 7, 16))
            .unwrap(),
        resumo(1, 0, 0)
    );
    assert!(livro.guias(None).unwrap().is_empty());
}

#[test]
fn every_field_of_a_finding_counts_as_a_change() {
    let livro = livro();
    let g = guia();
    let base = achado(&g, true);
    livro
        .registrar_conciliacao(std::slice::from_ref(&base), data(2026, 7, 1))
        .unwrap();
    let variacoes: Vec<Achado> = vec![
        Achado {
            contribuinte: documento(OUTRO_CNPJ),
            ..base.clone()
        },
        Achado {
            codigo: "paga_em_atraso".to_owned(),
            ..base.clone()
        },
        Achado {
            descricao: "Paga em atraso".to_owned(),
            ..base.clone()
        },
        Achado {
            valor_guia: None,
            ..base.clone()
        },
        Achado {
            valor_pago: Some(Valor::from_centavos(1)),
            ..base.clone()
        },
        Achado {
            vencimento: Some(data(2026, 7, 21)),
            ..base.clone()
        },
        Achado {
            pago_em: None,
            ..base.clone()
        },
        Achado {
            dias_atraso: Some(3),
            ..base.clone()
        },
        Achado {
            paga: false,
            ..base.clone()
        },
    ];
    for (i, v) in variacoes.iter().enumerate() {
        // Alternate with the base so that each variation differs from the row before it.
        let r = livro
            .registrar_conciliacao(&[v.clone(), base.clone()], data(2026, 7, 2))
            .unwrap();
        assert_eq!((r.ocorrencias_novas, r.inalteradas), (2, 0), "variação {i}");
    }
    assert_eq!(
        livro.historico(&g.numero).unwrap().len(),
        1 + 2 * variacoes.len()
    );
    let r = livro
        .registrar_conciliacao(std::slice::from_ref(&base), data(2026, 7, 3))
        .unwrap();
    assert_eq!(r, resumo(0, 1, 0));
}

#[test]
fn current_occurrences_are_the_latest_per_key_in_contribuinte_then_number_order() {
    let livro = livro();
    let a = darf(CNPJ, 2);
    let b = darf(CNPJ, 1);
    let c = darf(CPF, 3);
    let pagamento_sem_guia = Achado {
        chave: format!("pagamento:{}:20260715:0.01", b.numero.as_digitos()),
        codigo: "pagamento_sem_guia".to_owned(),
        ..achado(&b, true)
    };
    livro
        .registrar_conciliacao(
            &[
                achado(&a, false),
                achado(&b, false),
                achado(&c, false),
                pagamento_sem_guia.clone(),
            ],
            data(2026, 7, 1),
        )
        .unwrap();
    livro
        .registrar_conciliacao(&[achado(&a, true)], data(2026, 7, 2))
        .unwrap();

    let atuais: Vec<Achado> = livro
        .ocorrencias(None)
        .unwrap()
        .into_iter()
        .map(|o| o.achado)
        .collect();
    // CNPJ 11222333000181 < CPF 52998224725 as text; then number; then chave
    // ("guia:…" < "pagamento:…").
    assert_eq!(
        atuais,
        vec![
            achado(&b, false),
            pagamento_sem_guia.clone(),
            achado(&a, true),
            achado(&c, false),
        ]
    );
    let do_cpf: Vec<Achado> = livro
        .ocorrencias(Some(&documento(CPF)))
        .unwrap()
        .into_iter()
        .map(|o| o.achado)
        .collect();
    assert_eq!(do_cpf, vec![achado(&c, false)]);

    // The history of a number holds every row of it, whatever the chave, oldest first.
    let historico: Vec<Achado> = livro
        .historico(&b.numero)
        .unwrap()
        .into_iter()
        .map(|o| o.achado)
        .collect();
    assert_eq!(historico, vec![achado(&b, false), pagamento_sem_guia]);
    assert_eq!(livro.historico(&a.numero).unwrap().len(), 2);
    assert!(
        livro
            .historico(&NumeroDocumento::from_u64(9).unwrap())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_failing_reconciliation_writes_nothing() {
    let livro = livro();
    let g = guia();
    livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap();
    let ruim = Achado {
        chave: "guia:outra".to_owned(),
        valor_pago: Some(Valor::from_centavos(i64::MAX) + Valor::from_centavos(1)),
        ..achado(&darf(CPF, 8), false)
    };
    assert!(
        livro
            .registrar_conciliacao(&[achado(&g, true), ruim], data(2026, 7, 16))
            .is_err()
    );
    assert!(livro.ocorrencias(None).unwrap().is_empty());
    assert_eq!(
        livro.guias(None).unwrap()[0].baixada_em,
        None,
        "not settled"
    );
}

// ---------------------------------------------------------------------------------------------
// The file
// ---------------------------------------------------------------------------------------------

#[test]
fn everything_survives_closing_and_reopening_the_file() {
    let caminho = arquivo("reabrir");
    let g = guia();
    let p = pagamento(&g, 15, 123_456);
    let e = empresa(CNPJ, "Alfa", Acesso::CertificadoA1);
    {
        let livro = Livro::abrir(&caminho).unwrap();
        livro.salvar_empresa(&e).unwrap();
        livro
            .marcar_sincronizacao(&e.cnpj, data(2026, 7, 31))
            .unwrap();
        livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap();
        livro
            .registrar_pagamentos(std::slice::from_ref(&p))
            .unwrap();
        livro
            .registrar_conciliacao(&[achado(&g, false)], data(2026, 7, 10))
            .unwrap();
        livro
            .registrar_conciliacao(&[achado(&g, true)], data(2026, 7, 16))
            .unwrap();
    }
    let livro = Livro::abrir(&caminho).unwrap();
    assert_eq!(livro.empresas().unwrap(), vec![e.clone()]);
    assert_eq!(
        livro.sincronizado_ate(&e.cnpj).unwrap(),
        Some(data(2026, 7, 31))
    );
    let guias = livro.guias(None).unwrap();
    assert_eq!(guias.len(), 1);
    assert_eq!(guias[0].guia, g);
    assert_eq!(guias[0].baixada_em, Some(data(2026, 7, 16)));
    assert_eq!(livro.pagamentos(None).unwrap(), vec![p.clone()]);
    assert_eq!(livro.historico(&g.numero).unwrap().len(), 2);
    // And the rules still hold against what was recorded before.
    assert_eq!(
        livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap(),
        GuiaGravada::JaExistia
    );
    assert_eq!(livro.registrar_pagamentos(&[p]).unwrap(), 0);
    assert_eq!(
        livro
            .registrar_conciliacao(&[achado(&g, true)], data(2026, 7, 17))
            .unwrap(),
        resumo(0, 1, 0)
    );
}

#[test]
fn a_corrupt_cell_is_reported_by_table_column_and_value() {
    let caminho = arquivo("corrompido");
    let livro = Livro::abrir(&caminho).unwrap();
    let g = guia();
    livro
        .salvar_empresa(&empresa(CNPJ, "Alfa", Acesso::CertificadoA1))
        .unwrap();
    livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap();
    livro
        .registrar_pagamentos(&[pagamento(&g, 15, 10)])
        .unwrap();
    livro
        .registrar_conciliacao(&[achado(&g, false)], data(2026, 7, 10))
        .unwrap();
    let c = Connection::open(&caminho).unwrap();
    c.pragma_update(None, "ignore_check_constraints", true)
        .unwrap();
    c.execute_batch(
        "UPDATE empresas SET cnpj = '11222333000182';
         UPDATE guias SET periodo = '202613';
         UPDATE pagamentos SET data_arrecadacao = '2026-02-30';
         UPDATE ocorrencias SET contribuinte = '12345678901';",
    )
    .unwrap();

    let casos: [(&str, ErroLivro); 4] = [
        ("empresas", livro.empresas().unwrap_err()),
        ("guias", livro.guias(None).unwrap_err()),
        ("pagamentos", livro.pagamentos(None).unwrap_err()),
        ("ocorrencias", livro.ocorrencias(None).unwrap_err()),
    ];
    let esperado = [
        ("cnpj", "11222333000182"),
        ("periodo", "202613"),
        ("data_arrecadacao", "2026-02-30"),
        ("contribuinte", "12345678901"),
    ];
    for ((tabela, erro), (coluna, valor)) in casos.into_iter().zip(esperado) {
        let m = motivo(erro);
        assert!(m.contains(&format!("tabela {tabela}")), "{m}");
        assert!(m.contains(&format!("coluna {coluna}")), "{m}");
        assert!(m.contains(&format!("'{valor}'")), "{m}");
    }
    // A write that reads the corrupt row refuses too, and writes nothing.
    let m = motivo(livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap_err());
    assert!(m.contains("coluna periodo"), "{m}");
    let m = motivo(
        livro
            .registrar_conciliacao(&[achado(&g, true)], data(2026, 7, 16))
            .unwrap_err(),
    );
    assert!(m.contains("tabela ocorrencias"), "{m}");
}

#[test]
fn a_stored_value_of_the_wrong_kind_is_reported_not_panicked() {
    let caminho = arquivo("tipos");
    let livro = Livro::abrir(&caminho).unwrap();
    livro.registrar_guia(&guia(), OrigemGuia::Serpro).unwrap();
    let c = Connection::open(&caminho).unwrap();
    c.pragma_update(None, "ignore_check_constraints", true)
        .unwrap();
    c.execute_batch("UPDATE guias SET baixada_em = '16/07/2026', tipo = 'GPS'")
        .unwrap();
    let m = motivo(livro.guias(None).unwrap_err());
    assert!(m.contains("coluna tipo") && m.contains("'GPS'"), "{m}");
    c.execute_batch("UPDATE guias SET tipo = 'DAS'").unwrap();
    let m = motivo(livro.guias(None).unwrap_err());
    assert!(
        m.contains("coluna baixada_em") && m.contains("'16/07/2026'"),
        "{m}"
    );
}

#[test]
fn the_schema_refuses_what_the_port_cannot_express() {
    let caminho = arquivo("restricoes");
    let livro = Livro::abrir(&caminho).unwrap();
    let g = guia();
    livro
        .salvar_empresa(&empresa(CNPJ, "Alfa", Acesso::CertificadoA1))
        .unwrap();
    livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap();
    livro
        .registrar_pagamentos(&[pagamento(&g, 15, 10)])
        .unwrap();
    livro
        .registrar_conciliacao(&[achado(&g, false)], data(2026, 7, 10))
        .unwrap();
    let c = Connection::open(&caminho).unwrap();
    for sql in [
        "UPDATE empresas SET acesso = 'a2'",
        "UPDATE empresas SET certificado_procurador = 2",
        "UPDATE empresas SET sincronizado_ate = '31/07/2026'",
        "UPDATE guias SET numero = '0720261459307993'",
        "UPDATE guias SET numero = '0720261459307993X'",
        "UPDATE guias SET tipo = 'GPS'",
        "UPDATE guias SET origem = 'manual'",
        "UPDATE guias SET valor = 12.5",
        "UPDATE guias SET valor = '12,50'",
        "UPDATE guias SET codigo_receita = '17'",
        "UPDATE guias SET periodo = '2026-06'",
        "UPDATE guias SET codigo_barras = '123'",
        "UPDATE pagamentos SET valor = NULL",
        "INSERT INTO pagamentos (contribuinte, numero, data_arrecadacao, valor) \
         SELECT contribuinte, numero, data_arrecadacao, valor FROM pagamentos",
        "UPDATE ocorrencias SET paga = 2",
        "UPDATE ocorrencias SET chave = ''",
        "UPDATE ocorrencias SET registrada_em = NULL",
        "UPDATE ocorrencias SET dias_atraso = 'dois'",
    ] {
        assert!(c.execute_batch(sql).is_err(), "{sql}");
    }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// A finding for one of the guides of `guias` (by index), with a few values each field may
/// take, so that the same finding comes again often.
fn achado_de(guias: Vec<(Documento, NumeroDocumento)>) -> impl Strategy<Value = Achado> {
    let n = guias.len();
    let valor = proptest::option::of(prop_oneof![
        Just(Valor::from_centavos(1)),
        Just(Valor::from_centavos(123_456)),
    ]);
    let dia = proptest::option::of((1u8..=3).prop_map(|d| data(2026, 7, d)));
    (
        0..n,
        any::<bool>(),
        prop_oneof![Just("paga"), Just("em_aberto"), Just("vencida")],
        (valor.clone(), valor),
        (dia.clone(), dia),
        proptest::option::of(0i64..3),
        any::<bool>(),
    )
        .prop_map(
            move |(
                i,
                sem_guia,
                codigo,
                (valor_guia, valor_pago),
                (vencimento, pago_em),
                dias,
                paga,
            )| {
                let (contribuinte, numero) = guias[i];
                let chave = if sem_guia {
                    format!("pagamento:{}:20260701:0.01", numero.as_digitos())
                } else {
                    format!("guia:{}", numero.as_digitos())
                };
                Achado {
                    contribuinte,
                    numero,
                    chave,
                    codigo: codigo.to_owned(),
                    descricao: codigo.to_uppercase(),
                    valor_guia,
                    valor_pago,
                    vencimento,
                    pago_em,
                    dias_atraso: dias,
                    paga,
                }
            },
        )
}

/// Up to 6 reconciliations of up to 5 findings each, over up to 3 guides.
fn conciliacoes() -> impl Strategy<Value = Vec<Vec<Achado>>> {
    proptest::collection::vec(
        (estrategias::documento(), estrategias::numero_documento()),
        1..=3,
    )
    .prop_flat_map(|guias| {
        proptest::collection::vec(proptest::collection::vec(achado_de(guias), 0..=5), 1..=6)
    })
}

/// Payments of generated guides, with some repeated (within the list too).
fn pagamentos_com_repeticoes() -> impl Strategy<Value = Vec<Pagamento>> {
    proptest::collection::vec(estrategias::guia(), 1..=4)
        .prop_flat_map(|guias| {
            let pagamentos: Vec<_> = guias
                .iter()
                .map(|g| proptest::collection::vec(estrategias::pagamento_de(g), 1..=3))
                .collect();
            pagamentos
        })
        .prop_flat_map(|listas| {
            let todos: Vec<Pagamento> = listas.into_iter().flatten().collect();
            let n = todos.len();
            (Just(todos), proptest::collection::vec(0..n, 0..=4))
        })
        .prop_map(|(mut todos, repetidos)| {
            let extra: Vec<Pagamento> = repetidos.iter().map(|&i| todos[i].clone()).collect();
            todos.extend(extra);
            todos
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever sequence of reconciliations ran, the current occurrences are exactly the last
    /// finding given for each chave; every call accounts for each finding once; and running
    /// the last one again writes nothing.
    #[test]
    fn current_occurrences_are_the_last_finding_of_each_key(execucoes in conciliacoes()) {
        let livro = livro();
        let mut ultimo: HashMap<String, Achado> = HashMap::new();
        for (dia, achados) in execucoes.iter().enumerate() {
            let hoje = data(2026, 8, 1).mais_dias(dia as i64).unwrap();
            let r = livro.registrar_conciliacao(achados, hoje).unwrap();
            prop_assert_eq!(r.ocorrencias_novas + r.inalteradas, achados.len());
            prop_assert_eq!(r.guias_baixadas, 0, "no guide was recorded");
            for a in achados {
                ultimo.insert(a.chave.clone(), a.clone());
            }
        }
        let atuais = livro.ocorrencias(None).unwrap();
        let lidas: HashMap<String, Achado> = atuais
            .iter()
            .map(|o| (o.achado.chave.clone(), o.achado.clone()))
            .collect();
        prop_assert_eq!(lidas.len(), atuais.len(), "one occurrence per chave");
        prop_assert_eq!(&lidas, &ultimo);
        let ordem: Vec<_> = atuais
            .iter()
            .map(|o| (o.achado.contribuinte.as_str().to_owned(), o.achado.numero, o.achado.chave.clone()))
            .collect();
        let mut ordenada = ordem.clone();
        ordenada.sort();
        prop_assert_eq!(ordem, ordenada);

        let ultimos: Vec<Achado> = ultimo.into_values().collect();
        let r = livro.registrar_conciliacao(&ultimos, data(2027, 1, 1)).unwrap();
        prop_assert_eq!(r, resumo(0, ultimos.len(), 0));
    }

    /// Recording the same fetch twice records nothing the second time; every payment of a
    /// fetch is kept, identical ones too (a double payment); and a fetch of any part of it
    /// again, in any order, adds nothing.
    #[test]
    fn recording_payments_is_idempotent(
        pagamentos in pagamentos_com_repeticoes(),
        parte in proptest::collection::vec(any::<bool>(), 16),
    ) {
        let livro = livro();
        prop_assert_eq!(livro.registrar_pagamentos(&pagamentos).unwrap(), pagamentos.len());
        prop_assert_eq!(livro.registrar_pagamentos(&pagamentos).unwrap(), 0);
        let mut de_novo: Vec<Pagamento> = pagamentos
            .iter()
            .zip(parte.iter().cycle())
            .filter(|&(_, &fica)| fica)
            .map(|(p, _)| p.clone())
            .collect();
        de_novo.reverse();
        prop_assert_eq!(livro.registrar_pagamentos(&de_novo).unwrap(), 0);
        let chave = |p: &Pagamento| {
            (p.contribuinte, p.numero, p.data_arrecadacao, p.valor_total)
        };
        let mut guardados: Vec<_> = livro.pagamentos(None).unwrap().iter().map(chave).collect();
        let mut dados: Vec<_> = pagamentos.iter().map(chave).collect();
        guardados.sort();
        dados.sort();
        prop_assert_eq!(guardados, dados);
    }
}

/// A ledger written before migration 0007 (version 4): its payments keep their rows and are
/// recognised when fetched again; a guide the old code settled on a partial payment is open
/// again, one paid in full stays settled.
#[test]
fn a_ledger_from_before_0007_is_migrated_and_a_partial_settlement_undone() {
    let caminho = arquivo("versao-4");
    {
        let c = Connection::open(&caminho).unwrap();
        for sql in [
            include_str!("../../migrations/0001_notas.sql"),
            include_str!("../../migrations/0002_pacotes.sql"),
            include_str!("../../migrations/0003_bilhetagem.sql"),
            include_str!("../../migrations/0004_ecac.sql"),
        ] {
            c.execute_batch(sql).unwrap();
        }
        c.pragma_update(None, "user_version", 4).unwrap();
        c.execute_batch(
            "INSERT INTO guias (numero, tipo, contribuinte, periodo, vencimento, valor, origem, \
             baixada_em) VALUES \
             ('07202600000000001', 'DAS', '11222333000181', '202609', '2026-10-20', 1000000, \
              'serpro', '2026-10-25'), \
             ('07202600000000002', 'DAS', '11222333000181', '202609', '2026-10-20', 5000, \
              'serpro', '2026-10-25'); \
             INSERT INTO pagamentos (contribuinte, numero, data_arrecadacao, valor) VALUES \
             ('11222333000181', '07202600000000001', '2026-10-20', 1000), \
             ('11222333000181', '07202600000000002', '2026-10-19', 2000), \
             ('11222333000181', '07202600000000002', '2026-10-20', 3000);",
        )
        .unwrap();
    }
    let livro = Livro::abrir(&caminho).unwrap();
    let guias = livro.guias(None).unwrap();
    assert_eq!(guias[0].baixada_em, None, "R$ 10 não quita R$ 10.000");
    assert_eq!(guias[1].baixada_em, Some(data(2026, 10, 25)));
    let antes = livro.pagamentos(None).unwrap();
    assert_eq!(antes.len(), 3);
    assert_eq!(antes[0].valor_total, Valor::from_centavos(1000));
    assert_eq!(livro.registrar_pagamentos(&antes).unwrap(), 0);
    assert_eq!(
        livro
            .registrar_pagamentos(&[antes[0].clone(), antes[0].clone()])
            .unwrap(),
        1,
        "the second identical payment of a fetch is new"
    );
}

// ---------------------------------------------------------------------------------------------
// One sync of a company at a time, across processes
// ---------------------------------------------------------------------------------------------

#[test]
fn a_company_s_turn_is_one_at_a_time_in_memory_and_others_are_free() {
    let livro = livro();
    let vez = livro.vez_da_empresa(&cnpj(CNPJ)).unwrap().expect("livre");
    assert!(
        livro.vez_da_empresa(&cnpj(CNPJ)).unwrap().is_none(),
        "ocupada"
    );
    assert!(
        livro.vez_da_empresa(&cnpj(OUTRO_CNPJ)).unwrap().is_some(),
        "outra empresa não espera"
    );
    drop(vez);
    assert!(
        livro.vez_da_empresa(&cnpj(CNPJ)).unwrap().is_some(),
        "devolvida"
    );
}

#[test]
fn two_ledgers_on_one_file_share_a_company_s_turn() {
    let caminho = arquivo("vez-dois-livros");
    let a = Livro::abrir(&caminho).unwrap();
    let b = Livro::abrir(&caminho).unwrap();
    let vez = a.vez_da_empresa(&cnpj(CNPJ)).unwrap().expect("livre");
    assert!(
        b.vez_da_empresa(&cnpj(CNPJ)).unwrap().is_none(),
        "a tem a vez"
    );
    assert!(b.vez_da_empresa(&cnpj(OUTRO_CNPJ)).unwrap().is_some());
    drop(vez);
    assert!(
        b.vez_da_empresa(&cnpj(CNPJ)).unwrap().is_some(),
        "devolvida"
    );
}

/// The variable that makes [`holds_a_company_s_turn_for_another_process`] the child process.
const FILHO: &str = "GUICHE_TESTE_VEZ_ECAC";

/// The child process of [`another_process_holding_the_turn_is_seen_and_a_killed_one_releases_it`]:
/// takes the turn on the ledger file named by [`FILHO`], says so, and holds it until killed.
#[test]
fn holds_a_company_s_turn_for_another_process() {
    let Ok(caminho) = std::env::var(FILHO) else {
        return; // run by the parent only
    };
    let livro = Livro::abrir(Path::new(&caminho)).unwrap();
    let _vez = livro.vez_da_empresa(&cnpj(CNPJ)).unwrap().expect("livre");
    println!("vez tomada");
    std::thread::sleep(std::time::Duration::from_secs(60));
}

#[cfg(unix)]
#[test]
fn another_process_holding_the_turn_is_seen_and_a_killed_one_releases_it() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let caminho = arquivo("vez-outro-processo");
    let livro = Livro::abrir(&caminho).unwrap();
    let mut filho = Command::new(std::env::current_exe().unwrap())
        .arg(crate::comum::nome_do_teste(
            module_path!(),
            "holds_a_company_s_turn_for_another_process",
        ))
        .args(["--exact", "--nocapture", "--test-threads=1"])
        .env(FILHO, &caminho)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut linhas = BufReader::new(filho.stdout.take().unwrap()).lines();
    assert!(
        linhas.any(|l| l.is_ok_and(|l| l.contains("vez tomada"))),
        "o outro processo tomou a vez"
    );
    assert!(
        livro.vez_da_empresa(&cnpj(CNPJ)).unwrap().is_none(),
        "em sincronização por outro processo"
    );
    filho.kill().unwrap(); // SIGKILL: no destructor runs
    filho.wait().unwrap();
    assert!(
        livro.vez_da_empresa(&cnpj(CNPJ)).unwrap().is_some(),
        "o sistema devolve a vez do processo morto"
    );
}
