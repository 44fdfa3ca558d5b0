//! The e-CAC reconciliation ledger ([`LivroEcac`](guiche_ports::ecac::LivroEcac)):
//! companies, guides (never rewritten, conflicts refused), payments recorded once, occurrences
//! with history, settlement that is never undone, synchronisation marks, a company's turn;
//! properties over generated sequences of reconciliations and payments; and several processes
//! (handles) doing the same at once, each thing stored once and no history row lost.

use std::collections::HashMap;
use std::sync::{Arc, Barrier};

use guiche_domain::conciliacao::Pagamento;
use guiche_domain::estrategias::guia as estrategias;
use guiche_domain::guia::{CodigoBarras, CodigoReceita, Guia, NumeroDocumento, TipoGuia};
use guiche_domain::{Cnpj, Competencia, Data, Documento, Valor};
use guiche_ports::LivroCompleto;
use guiche_ports::ecac::{
    Acesso, Achado, ConsultaCnd, Empresa, GuiaGravada, MensagemDte, OrigemGuia, ResumoConciliacao,
    SituacaoCnd,
};
use guiche_ports::livro::ErroLivro;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::{Caso, Motor};

/// The cases of this module.
pub const CASOS: &[Caso] = &[
    (
        "empresas_em_ordem_de_cnpj_e_substituidas",
        empresas_em_ordem_de_cnpj_e_substituidas,
    ),
    ("todo_acesso_volta_como_foi", todo_acesso_volta_como_foi),
    (
        "sincronizacao_lembrada_por_empresa",
        sincronizacao_lembrada_por_empresa,
    ),
    (
        "marcar_empresa_desconhecida_e_recusado",
        marcar_empresa_desconhecida_e_recusado,
    ),
    (
        "cnd_guarda_a_ultima_consulta_por_empresa",
        cnd_guarda_a_ultima_consulta_por_empresa,
    ),
    (
        "caixa_postal_guarda_cada_mensagem_uma_vez_e_lida_nao_volta",
        caixa_postal_guarda_cada_mensagem_uma_vez_e_lida_nao_volta,
    ),
    (
        "cnd_de_uma_empresa_e_a_ultima_consulta",
        cnd_de_uma_empresa_e_a_ultima_consulta,
    ),
    (
        "leitura_da_caixa_postal_lembra_o_dia_com_as_mensagens",
        leitura_da_caixa_postal_lembra_o_dia_com_as_mensagens,
    ),
    (
        "guia_gravada_uma_vez_e_lida_inteira",
        guia_gravada_uma_vez_e_lida_inteira,
    ),
    (
        "outra_guia_com_o_numero_e_conflito",
        outra_guia_com_o_numero_e_conflito,
    ),
    (
        "mesma_guia_sem_codigo_de_barras_e_a_mesma",
        mesma_guia_sem_codigo_de_barras_e_a_mesma,
    ),
    (
        "guias_em_ordem_de_gravacao_e_por_contribuinte",
        guias_em_ordem_de_gravacao_e_por_contribuinte,
    ),
    (
        "valor_guardado_em_centavos_exatos",
        valor_guardado_em_centavos_exatos,
    ),
    ("pagamentos_gravados_uma_vez", pagamentos_gravados_uma_vez),
    (
        "pagamentos_identicos_de_uma_busca_sao_varios",
        pagamentos_identicos_de_uma_busca_sao_varios,
    ),
    (
        "cinco_pagamentos_identicos_de_uma_busca",
        cinco_pagamentos_identicos_de_uma_busca,
    ),
    ("pagamentos_por_contribuinte", pagamentos_por_contribuinte),
    (
        "lote_de_pagamentos_que_falha_nao_grava_nenhum",
        lote_de_pagamentos_que_falha_nao_grava_nenhum,
    ),
    (
        "mesma_conciliacao_duas_vezes_grava_uma",
        mesma_conciliacao_duas_vezes_grava_uma,
    ),
    (
        "guia_achada_paga_tem_ocorrencia_e_baixa",
        guia_achada_paga_tem_ocorrencia_e_baixa,
    ),
    ("guia_baixada_nunca_reabre", guia_baixada_nunca_reabre),
    (
        "achado_pago_inalterado_baixa_guia_gravada_depois",
        achado_pago_inalterado_baixa_guia_gravada_depois,
    ),
    (
        "achado_pago_sem_guia_nao_baixa_nada",
        achado_pago_sem_guia_nao_baixa_nada,
    ),
    ("todo_campo_do_achado_conta", todo_campo_do_achado_conta),
    (
        "ocorrencias_atuais_por_contribuinte_e_numero",
        ocorrencias_atuais_por_contribuinte_e_numero,
    ),
    (
        "conciliacao_que_falha_nao_grava_nada",
        conciliacao_que_falha_nao_grava_nada,
    ),
    ("tudo_sobrevive_a_reabrir", tudo_sobrevive_a_reabrir),
    (
        "ocorrencias_atuais_sao_o_ultimo_achado",
        ocorrencias_atuais_sao_o_ultimo_achado,
    ),
    (
        "gravar_pagamentos_e_idempotente",
        gravar_pagamentos_e_idempotente,
    ),
    (
        "vez_da_empresa_uma_de_cada_vez",
        vez_da_empresa_uma_de_cada_vez,
    ),
    (
        "vez_da_empresa_entre_processos",
        vez_da_empresa_entre_processos,
    ),
    (
        "processos_gravam_as_mesmas_guias",
        processos_gravam_as_mesmas_guias,
    ),
    (
        "processos_gravam_guias_conflitantes",
        processos_gravam_guias_conflitantes,
    ),
    (
        "processos_gravam_os_mesmos_pagamentos",
        processos_gravam_os_mesmos_pagamentos,
    ),
    ("processos_conciliam_o_mesmo", processos_conciliam_o_mesmo),
    (
        "processos_conciliam_achados_diferentes",
        processos_conciliam_achados_diferentes,
    ),
    (
        "salvar_empresa_nao_apaga_sincronizacao_de_outro",
        salvar_empresa_nao_apaga_sincronizacao_de_outro,
    ),
];

/// The company of [`guia`] and of [`gravar_um_de_cada`].
pub const CNPJ: &str = "11.222.333/0001-81";
const OUTRO_CNPJ: &str = "11.444.777/0001-61";
const CPF: &str = "529.982.247-25";
const NUMERO: &str = "07.20.26145.9307993-6";

/// Handles (processes) racing in the cases across processes.
const PROCESSOS: usize = 4;

/// Generated cases per property: each opens a new ledger (on PostgreSQL, a new database).
const CASOS_PROPRIEDADE: u32 = 24;

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

/// The `motivo` of an [`ErroLivro::Armazenamento`] (any other error fails the case).
pub fn motivo(e: ErroLivro) -> String {
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

/// A DAS of R$ 1.234,56 for period 06/2026, due 20/07/2026, with its barcode (also for the
/// engines' own tests).
pub fn guia() -> Guia {
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

/// What a reconciliation finds for `g`: open (not paid) or paid on 15/07/2026 (also for the
/// engines' own tests).
pub fn achado(g: &Guia, paga: bool) -> Achado {
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

/// `n` handles on one ledger (`n` processes), each asked `f(i, handle)` from its own thread,
/// all released at once; the answers in handle order.
fn ao_mesmo_tempo<T: Send>(
    livros: &[Arc<dyn LivroCompleto>],
    f: impl Fn(usize, &dyn LivroCompleto) -> T + Sync,
) -> Vec<T> {
    let largada = Barrier::new(livros.len());
    std::thread::scope(|s| {
        let h: Vec<_> = livros
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let (largada, f) = (&largada, &f);
                s.spawn(move || {
                    largada.wait();
                    f(i, &**l)
                })
            })
            .collect();
        h.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// [`PROCESSOS`] handles on the ledger of `a`: its own and new ones.
fn processos(a: &crate::Aberto) -> Vec<Arc<dyn LivroCompleto>> {
    let mut v = vec![Arc::clone(&a.livro)];
    v.extend((1..PROCESSOS).map(|_| (a.reabrir)()));
    v
}

// ---------------------------------------------------------------------------------------------
// For the engines' own tests: one of everything, and corrupt cells read back
// ---------------------------------------------------------------------------------------------

/// Records one of everything in `livro`: the company [`CNPJ`], the guide [`guia`], a payment
/// of it and an open occurrence of it.
pub fn gravar_um_de_cada(livro: &dyn LivroCompleto) {
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
}

/// Cells an engine corrupts with its own SQL in a ledger [`gravar_um_de_cada`] filled, as
/// `(table, column, value)`: values every engine's schema accepts and the domain refuses.
pub const CELULAS_CORROMPIDAS: [(&str, &str, &str); 4] = [
    ("empresas", "cnpj", "11222333000182"),
    ("guias", "periodo", "202613"),
    ("pagamentos", "data_arrecadacao", "2026-02-30"),
    ("ocorrencias", "contribuinte", "12345678901"),
];

/// After [`CELULAS_CORROMPIDAS`] were written: each list that reads a corrupt row fails
/// naming its table, row, column and value, and a write that reads one refuses and writes
/// nothing.
pub fn conferir_celulas_corrompidas(livro: &dyn LivroCompleto) {
    let g = guia();
    let erros = [
        livro.empresas().unwrap_err(),
        livro.guias(None).unwrap_err(),
        livro.pagamentos(None).unwrap_err(),
        livro.ocorrencias(None).unwrap_err(),
    ];
    for (erro, (tabela, coluna, valor)) in erros.into_iter().zip(CELULAS_CORROMPIDAS) {
        let m = motivo(erro);
        assert!(m.contains(&format!("tabela {tabela}")), "{m}");
        assert!(m.contains(&format!("coluna {coluna}")), "{m}");
        assert!(m.contains(&format!("'{valor}'")), "{m}");
    }
    let m = motivo(livro.guias(None).unwrap_err());
    assert!(
        m.contains("linha de numero 07202614593079936"),
        "names the row: {m}"
    );
    let m = motivo(livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap_err());
    assert!(m.contains("coluna periodo"), "{m}");
    let m = motivo(
        livro
            .registrar_conciliacao(&[achado(&g, true)], data(2026, 7, 16))
            .unwrap_err(),
    );
    assert!(m.contains("tabela ocorrencias"), "{m}");
    let m = motivo(livro.historico(&g.numero).unwrap_err());
    assert!(
        m.contains("tabela ocorrencias"),
        "nothing was appended: {m}"
    );
}

// ---------------------------------------------------------------------------------------------
// Companies
// ---------------------------------------------------------------------------------------------

/// Companies are upserted and listed in CNPJ order.
pub fn empresas_em_ordem_de_cnpj_e_substituidas(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    assert!(livro.empresas().unwrap().is_empty());
    let b = empresa(OUTRO_CNPJ, "Beta", Acesso::CertificadoA3);
    let alfa = empresa(CNPJ, "Alfa", Acesso::CertificadoA1);
    livro.salvar_empresa(&b).unwrap();
    livro.salvar_empresa(&alfa).unwrap();
    assert_eq!(livro.empresas().unwrap(), vec![alfa.clone(), b.clone()]);

    // The same CNPJ again replaces its settings: still two companies.
    let a2 = Empresa {
        nome: String::new(),
        ecac_desde: None,
        acesso: Acesso::CodigoAcesso,
        certificado_procurador: true,
        ..alfa.clone()
    };
    livro.salvar_empresa(&a2).unwrap();
    assert_eq!(livro.empresas().unwrap(), vec![a2.clone(), b.clone()]);
    assert_eq!(livro.empresa(&cnpj(CNPJ)).unwrap(), Some(a2));
    assert_eq!(livro.empresa(&cnpj("45.723.174/0001-10")).unwrap(), None);
}

/// Every access kind reads back as saved.
pub fn todo_acesso_volta_como_foi(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    for acesso in Acesso::TODOS {
        let e = empresa(CNPJ, "Alfa", acesso);
        a.livro.salvar_empresa(&e).unwrap();
        assert_eq!(a.livro.empresa(&e.cnpj).unwrap(), Some(e));
    }
}

/// Synchronisation is remembered per company and survives new settings.
pub fn sincronizacao_lembrada_por_empresa(motor: &dyn Motor) {
    let Some(aberto) = motor.novo() else { return };
    let livro = &aberto.livro;
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

/// Marking an unknown company is refused naming it, and creates nothing.
pub fn marcar_empresa_desconhecida_e_recusado(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
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
// CND and the mailbox (DTE)
// ---------------------------------------------------------------------------------------------

/// Only a company's last CND check is kept, whole (a check that did not happen too, with its
/// reason); an unknown company is refused naming it.
pub fn cnd_guarda_a_ultima_consulta_por_empresa(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    livro
        .salvar_empresa(&empresa(CNPJ, "Alfa", Acesso::CertificadoA1))
        .unwrap();
    livro
        .salvar_empresa(&empresa(OUTRO_CNPJ, "Beta", Acesso::CodigoAcesso))
        .unwrap();
    assert!(livro.cnds().unwrap().is_empty());

    let positiva = ConsultaCnd {
        cnpj: cnpj(OUTRO_CNPJ),
        situacao: Some(SituacaoCnd::Positiva),
        motivo: Some("Há pendências na PGFN".to_owned()),
        validade: None,
        consultada_em: data(2026, 7, 1),
    };
    let nao_consultada = ConsultaCnd {
        cnpj: cnpj(CNPJ),
        situacao: None,
        motivo: Some("não consultada: nenhum caminho de consulta configurado".to_owned()),
        validade: None,
        consultada_em: data(2026, 7, 1),
    };
    livro.registrar_cnd(&positiva).unwrap();
    livro.registrar_cnd(&nao_consultada).unwrap();
    // By CNPJ, whatever the order they were recorded in.
    let mut esperadas = vec![nao_consultada, positiva.clone()];
    esperadas.sort_by(|x, y| x.cnpj.as_str().cmp(y.cnpj.as_str()));
    assert_eq!(livro.cnds().unwrap(), esperadas);

    let negativa = ConsultaCnd {
        cnpj: cnpj(CNPJ),
        situacao: Some(SituacaoCnd::PositivaComEfeitosDeNegativa),
        motivo: None,
        validade: Some(data(2026, 12, 28)),
        consultada_em: data(2026, 7, 2),
    };
    livro.registrar_cnd(&negativa).unwrap();
    let mut esperadas = vec![negativa, positiva];
    esperadas.sort_by(|x, y| x.cnpj.as_str().cmp(y.cnpj.as_str()));
    assert_eq!(
        livro.cnds().unwrap(),
        esperadas,
        "only the last check is kept"
    );

    let desconhecida = ConsultaCnd {
        cnpj: cnpj("45.723.174/0001-10"),
        ..esperadas[0].clone()
    };
    let m = motivo(livro.registrar_cnd(&desconhecida).unwrap_err());
    assert!(m.contains("45.723.174/0001-10"), "{m}");
    assert_eq!(livro.cnds().unwrap().len(), 2, "nothing was created");
}

/// One company's CND is its last check, a failed one too (no situation, the reason kept, so
/// the sync can tell a reading from a failure); a company never checked, or not in the
/// ledger, has none.
pub fn cnd_de_uma_empresa_e_a_ultima_consulta(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    livro
        .salvar_empresa(&empresa(CNPJ, "Alfa", Acesso::CertificadoA1))
        .unwrap();
    livro
        .salvar_empresa(&empresa(OUTRO_CNPJ, "Beta", Acesso::CodigoAcesso))
        .unwrap();
    assert_eq!(livro.cnd(&cnpj(CNPJ)).unwrap(), None);
    let negativa = ConsultaCnd {
        cnpj: cnpj(CNPJ),
        situacao: Some(SituacaoCnd::Negativa),
        motivo: None,
        validade: Some(data(2026, 12, 28)),
        consultada_em: data(2026, 7, 1),
    };
    livro.registrar_cnd(&negativa).unwrap();
    assert_eq!(livro.cnd(&cnpj(CNPJ)).unwrap(), Some(negativa));
    assert_eq!(livro.cnd(&cnpj(OUTRO_CNPJ)).unwrap(), None, "not another's");
    let falhou = ConsultaCnd {
        cnpj: cnpj(CNPJ),
        situacao: None,
        motivo: Some("não consultada: HTTP 504 do gateway".to_owned()),
        validade: None,
        consultada_em: data(2026, 7, 2),
    };
    livro.registrar_cnd(&falhou).unwrap();
    assert_eq!(livro.cnd(&cnpj(CNPJ)).unwrap(), Some(falhou));
    assert_eq!(livro.cnd(&cnpj("45.723.174/0001-10")).unwrap(), None);
}

/// A successful mailbox read records its messages and the day together: the day is the last
/// one recorded (an earlier day too: the caller's clock decides), a company never read has
/// none, and a read refused (unknown company, a message of another company) records neither.
pub fn leitura_da_caixa_postal_lembra_o_dia_com_as_mensagens(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    livro
        .salvar_empresa(&empresa(CNPJ, "Alfa", Acesso::CertificadoA1))
        .unwrap();
    livro
        .salvar_empresa(&empresa(OUTRO_CNPJ, "Beta", Acesso::CodigoAcesso))
        .unwrap();
    let alfa = cnpj(CNPJ);
    assert_eq!(livro.caixa_postal_lida_em(&alfa).unwrap(), None);

    let lote = vec![
        mensagem(CNPJ, "1", Some(10), false),
        mensagem(CNPJ, "2", None, true),
    ];
    assert_eq!(
        livro
            .registrar_leitura_caixa_postal(&alfa, data(2026, 7, 20), &lote)
            .unwrap(),
        2
    );
    assert_eq!(
        livro.caixa_postal_lida_em(&alfa).unwrap(),
        Some(data(2026, 7, 20))
    );
    assert_eq!(livro.mensagens(Some(&alfa)).unwrap().len(), 2);
    assert_eq!(
        livro.caixa_postal_lida_em(&cnpj(OUTRO_CNPJ)).unwrap(),
        None,
        "not another's"
    );

    // An empty mailbox is a reading too; the same messages again are not new.
    assert_eq!(
        livro
            .registrar_leitura_caixa_postal(&alfa, data(2026, 7, 21), &[])
            .unwrap(),
        0
    );
    assert_eq!(
        livro
            .registrar_leitura_caixa_postal(&alfa, data(2026, 7, 22), &lote)
            .unwrap(),
        0
    );
    assert_eq!(
        livro.caixa_postal_lida_em(&alfa).unwrap(),
        Some(data(2026, 7, 22))
    );

    // A message of another company: refused naming it, nothing recorded.
    let m = motivo(
        livro
            .registrar_leitura_caixa_postal(
                &alfa,
                data(2026, 7, 23),
                &[
                    mensagem(CNPJ, "3", Some(20), false),
                    mensagem(OUTRO_CNPJ, "4", Some(20), false),
                ],
            )
            .unwrap_err(),
    );
    assert!(m.contains(&cnpj(OUTRO_CNPJ).to_string()), "{m}");
    assert_eq!(
        livro.caixa_postal_lida_em(&alfa).unwrap(),
        Some(data(2026, 7, 22))
    );
    assert_eq!(livro.mensagens(None).unwrap().len(), 2);

    // An unknown company: refused naming it.
    let desconhecida = cnpj("45.723.174/0001-10");
    let m = motivo(
        livro
            .registrar_leitura_caixa_postal(&desconhecida, data(2026, 7, 23), &[])
            .unwrap_err(),
    );
    assert!(m.contains("45.723.174/0001-10"), "{m}");
    assert_eq!(livro.caixa_postal_lida_em(&desconhecida).unwrap(), None);
}

fn mensagem(cnpj_: &str, isn: &str, dia: Option<u8>, lida: bool) -> MensagemDte {
    MensagemDte {
        cnpj: cnpj(cnpj_),
        isn: isn.to_owned(),
        assunto: format!("Intimação {isn}"),
        enviada_em: dia.map(|d| data(2026, 7, d)),
        lida,
        prazo: dia.and_then(|d| data(2026, 7, d).mais_dias(15)),
    }
}

/// A mailbox message is recorded once (company and `isn`), keeps its subject and dates, and
/// once read never becomes unread; the list is by company, then day, unknown days last; a
/// batch with an unknown company records nothing.
pub fn caixa_postal_guarda_cada_mensagem_uma_vez_e_lida_nao_volta(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    livro
        .salvar_empresa(&empresa(CNPJ, "Alfa", Acesso::CertificadoA1))
        .unwrap();
    livro
        .salvar_empresa(&empresa(OUTRO_CNPJ, "Beta", Acesso::CodigoAcesso))
        .unwrap();
    let lote = vec![
        mensagem(CNPJ, "900", Some(10), false),
        mensagem(CNPJ, "100", None, false),
        mensagem(CNPJ, "200", Some(3), true),
        mensagem(OUTRO_CNPJ, "100", Some(5), false),
    ];
    assert_eq!(livro.registrar_mensagens(&lote).unwrap(), 4);

    // Read again: nothing new; 900 read now; 200 sent as unread stays read; a changed subject
    // is not taken.
    let mut de_novo = lote.clone();
    de_novo[0].lida = true;
    de_novo[2].lida = false;
    de_novo[3].assunto = "outro".to_owned();
    assert_eq!(livro.registrar_mensagens(&de_novo).unwrap(), 0);

    let alfa = livro.mensagens(Some(&cnpj(CNPJ))).unwrap();
    let mut lida_900 = lote[0].clone();
    lida_900.lida = true;
    assert_eq!(alfa, vec![lote[2].clone(), lida_900, lote[1].clone()]);
    let beta = livro.mensagens(Some(&cnpj(OUTRO_CNPJ))).unwrap();
    assert_eq!(beta, vec![lote[3].clone()]);
    let todas = livro.mensagens(None).unwrap();
    assert_eq!(todas.len(), 4);
    let primeira = todas[0]
        .cnpj
        .as_str()
        .min(todas[3].cnpj.as_str())
        .to_owned();
    assert_eq!(todas[0].cnpj.as_str(), primeira, "by CNPJ");

    let m = motivo(
        livro
            .registrar_mensagens(&[
                mensagem(CNPJ, "300", Some(20), false),
                mensagem("45.723.174/0001-10", "1", Some(20), false),
            ])
            .unwrap_err(),
    );
    assert!(m.contains("45.723.174/0001-10"), "{m}");
    assert_eq!(
        livro.mensagens(Some(&cnpj(CNPJ))).unwrap().len(),
        3,
        "the batch was refused whole"
    );
}

// ---------------------------------------------------------------------------------------------
// Guides
// ---------------------------------------------------------------------------------------------

/// A guide is recorded once and reads back whole; its origin is not content.
pub fn guia_gravada_uma_vez_e_lida_inteira(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
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

/// Another guide with a recorded number is a conflict naming it, and the first stays.
pub fn outra_guia_com_o_numero_e_conflito(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
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

/// The same guide without its barcode (a spreadsheet's) is the same guide; the recorded one
/// is kept.
pub fn mesma_guia_sem_codigo_de_barras_e_a_mesma(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
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

/// Guides are listed in recording order, filtered by contribuinte.
pub fn guias_em_ordem_de_gravacao_e_por_contribuinte(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
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

/// Money reads back exactly, however large (17 digits and the centavos).
pub fn valor_guardado_em_centavos_exatos(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let g = Guia {
        valor: Valor::parse_nfd("123456789012345,67").unwrap(),
        codigo_barras: None,
        ..guia()
    };
    a.livro.registrar_guia(&g, OrigemGuia::Serpro).unwrap();
    assert_eq!(a.livro.guias(None).unwrap()[0].guia.valor, g.valor);
    let maior = pagamento(&g, 1, i64::MAX);
    a.livro
        .registrar_pagamentos(std::slice::from_ref(&maior))
        .unwrap();
    assert_eq!(a.livro.pagamentos(None).unwrap(), vec![maior]);
}

// ---------------------------------------------------------------------------------------------
// Payments
// ---------------------------------------------------------------------------------------------

/// Payments are recorded once; another date or value is another payment.
pub fn pagamentos_gravados_uma_vez(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
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
pub fn pagamentos_identicos_de_uma_busca_sao_varios(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
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

/// The case proptest once shrank to (guiche-store's `ecac.proptest-regressions`): five
/// identical payments of one fetch are five, and any part of them again adds nothing.
pub fn cinco_pagamentos_identicos_de_uma_busca(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let p = Pagamento {
        numero: numero("00.11.18642.9311026-0"),
        data_arrecadacao: data(2030, 8, 31),
        valor_total: Valor::from_centavos(19_833_886_877),
        codigo_receita: None,
        contribuinte: Documento::Cnpj(cnpj("08.200.246/2298-84")),
    };
    let cinco = vec![p.clone(); 5];
    assert_eq!(a.livro.registrar_pagamentos(&cinco).unwrap(), 5);
    assert_eq!(a.livro.registrar_pagamentos(&cinco).unwrap(), 0);
    assert_eq!(a.livro.registrar_pagamentos(&cinco[..3]).unwrap(), 0);
    assert_eq!(a.livro.pagamentos(None).unwrap(), cinco);
}

/// Payments are filtered by contribuinte.
pub fn pagamentos_por_contribuinte(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
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

/// A batch with a value the ledger cannot hold writes none of it (one transaction).
pub fn lote_de_pagamentos_que_falha_nao_grava_nenhum(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
    let bom = pagamento(&guia(), 10, 100);
    // Beyond what i64 centavos hold: refused, never rounded.
    let ruim = Pagamento {
        valor_total: Valor::from_centavos(i64::MAX) + Valor::from_centavos(1),
        ..bom.clone()
    };
    let m = motivo(
        livro
            .registrar_pagamentos(&[bom.clone(), ruim])
            .unwrap_err(),
    );
    assert!(m.contains("não cabe no livro"), "{m}");
    assert!(
        livro.pagamentos(None).unwrap().is_empty(),
        "one transaction"
    );
    assert_eq!(livro.registrar_pagamentos(&[bom]).unwrap(), 1);
}

// ---------------------------------------------------------------------------------------------
// Reconciliation
// ---------------------------------------------------------------------------------------------

/// The same reconciliation twice writes nothing the second time.
pub fn mesma_conciliacao_duas_vezes_grava_uma(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
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

/// A guide found paid gets a new occurrence and is settled.
pub fn guia_achada_paga_tem_ocorrencia_e_baixa(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
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

/// A settled guide is never unsettled, and keeps its first settlement day.
pub fn guia_baixada_nunca_reabre(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
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

/// An unchanged paid finding settles a guide recorded after it.
pub fn achado_pago_inalterado_baixa_guia_gravada_depois(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
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

/// A paid finding without a guide settles nothing.
pub fn achado_pago_sem_guia_nao_baixa_nada(motor: &dyn Motor) {
    let Some(aberto) = motor.novo() else { return };
    let livro = &aberto.livro;
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

/// Every field of a finding counts as a change.
pub fn todo_campo_do_achado_conta(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
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

/// The current occurrences are the latest per key, in contribuinte (bare text), number and
/// key order; a number's history holds every row of it, whatever the key.
pub fn ocorrencias_atuais_por_contribuinte_e_numero(motor: &dyn Motor) {
    let Some(aberto) = motor.novo() else { return };
    let livro = &aberto.livro;
    let a = darf(CNPJ, 2);
    let b = darf(CNPJ, 1);
    let c = darf(CPF, 3);
    let pagamento_sem_guia = Achado {
        chave: format!("pagamento:{}:20260715:0.01", b.numero.as_digitos()),
        codigo: "pagamento_sem_guia".to_owned(),
        ..achado(&b, true)
    };
    // The second identical payment's key ends in `:2`: after the first's, byte by byte.
    let segundo_sem_guia = Achado {
        chave: format!("{}:2", pagamento_sem_guia.chave),
        ..pagamento_sem_guia.clone()
    };
    livro
        .registrar_conciliacao(
            &[
                achado(&a, false),
                segundo_sem_guia.clone(),
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
    // ("guia:…" < "pagamento:…" < "pagamento:…:2").
    assert_eq!(
        atuais,
        vec![
            achado(&b, false),
            pagamento_sem_guia.clone(),
            segundo_sem_guia.clone(),
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
    assert_eq!(
        historico,
        vec![segundo_sem_guia, achado(&b, false), pagamento_sem_guia]
    );
    assert_eq!(livro.historico(&a.numero).unwrap().len(), 2);
    assert!(
        livro
            .historico(&NumeroDocumento::from_u64(9).unwrap())
            .unwrap()
            .is_empty()
    );
}

/// A reconciliation with a value the ledger cannot hold writes nothing, settles nothing.
pub fn conciliacao_que_falha_nao_grava_nada(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
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

/// Everything survives closing the ledger and opening it again, and the rules still hold
/// against what was recorded before.
pub fn tudo_sobrevive_a_reabrir(motor: &dyn Motor) {
    let Some(aberto) = motor.novo() else { return };
    let g = guia();
    let p = pagamento(&g, 15, 123_456);
    let e = empresa(CNPJ, "Alfa", Acesso::CertificadoA1);
    let livro = &aberto.livro;
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
    let crate::Aberto { livro, reabrir } = aberto;
    drop(livro);

    let livro = reabrir();
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

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// Runs `teste` over `estrategia` for [`CASOS_PROPRIEDADE`] cases (no regression file: a
/// failure names the shrunk value; make it a case of its own, as
/// [`cinco_pagamentos_identicos_de_uma_busca`]).
fn propriedade<S: Strategy>(estrategia: S, teste: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let config = Config {
        cases: CASOS_PROPRIEDADE,
        failure_persistence: None,
        ..Config::default()
    };
    if let Err(e) = TestRunner::new(config).run(&estrategia, teste) {
        panic!("{e}");
    }
}

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

/// Whatever sequence of reconciliations ran, the current occurrences are exactly the last
/// finding given for each chave, in contribuinte, number and key order; every call accounts
/// for each finding once; and running the last ones again writes nothing.
pub fn ocorrencias_atuais_sao_o_ultimo_achado(motor: &dyn Motor) {
    if motor.novo().is_none() {
        return;
    }
    propriedade(conciliacoes(), |execucoes| {
        let aberto = motor.novo().unwrap();
        let livro = &aberto.livro;
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
            .map(|o| {
                (
                    o.achado.contribuinte.as_str().to_owned(),
                    o.achado.numero,
                    o.achado.chave.clone(),
                )
            })
            .collect();
        let mut ordenada = ordem.clone();
        ordenada.sort();
        prop_assert_eq!(ordem, ordenada);

        let ultimos: Vec<Achado> = ultimo.into_values().collect();
        let r = livro
            .registrar_conciliacao(&ultimos, data(2027, 1, 1))
            .unwrap();
        prop_assert_eq!(r, resumo(0, ultimos.len(), 0));
        Ok(())
    });
}

/// Recording the same fetch twice records nothing the second time; every payment of a fetch
/// is kept, identical ones too (a double payment); and a fetch of any part of it again, in any
/// order, adds nothing.
pub fn gravar_pagamentos_e_idempotente(motor: &dyn Motor) {
    if motor.novo().is_none() {
        return;
    }
    let estrategia = (
        pagamentos_com_repeticoes(),
        proptest::collection::vec(any::<bool>(), 16),
    );
    propriedade(estrategia, |(pagamentos, parte)| {
        let aberto = motor.novo().unwrap();
        let livro = &aberto.livro;
        prop_assert_eq!(
            livro.registrar_pagamentos(&pagamentos).unwrap(),
            pagamentos.len()
        );
        prop_assert_eq!(livro.registrar_pagamentos(&pagamentos).unwrap(), 0);
        let mut de_novo: Vec<Pagamento> = pagamentos
            .iter()
            .zip(parte.iter().cycle())
            .filter(|&(_, &fica)| fica)
            .map(|(p, _)| p.clone())
            .collect();
        de_novo.reverse();
        prop_assert_eq!(livro.registrar_pagamentos(&de_novo).unwrap(), 0);
        let chave = |p: &Pagamento| (p.contribuinte, p.numero, p.data_arrecadacao, p.valor_total);
        let mut guardados: Vec<_> = livro.pagamentos(None).unwrap().iter().map(chave).collect();
        let mut dados: Vec<_> = pagamentos.iter().map(chave).collect();
        guardados.sort();
        dados.sort();
        prop_assert_eq!(guardados, dados);
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// One sync of a company at a time; several processes at once
// ---------------------------------------------------------------------------------------------

/// A company's turn is one at a time on one handle; other companies are free.
pub fn vez_da_empresa_uma_de_cada_vez(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livro = &a.livro;
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

/// Handles (processes) asking for one company's turn at once: exactly one gets it; it is free
/// again once its turn is dropped, and once its handle and turn are (the process ended).
pub fn vez_da_empresa_entre_processos(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let mut livros = processos(&a);
    drop(a);
    let empresa = cnpj(CNPJ);
    for rodada in 0..3 {
        let mut vezes = ao_mesmo_tempo(&livros, |_, l| l.vez_da_empresa(&empresa).unwrap());
        let donos: Vec<usize> = (0..vezes.len()).filter(|&i| vezes[i].is_some()).collect();
        assert_eq!(
            donos.len(),
            1,
            "rodada {rodada}: uma só vez, veio {donos:?}"
        );
        let dono = donos[0];
        for (i, l) in livros.iter().enumerate() {
            assert!(
                l.vez_da_empresa(&empresa).unwrap().is_none(),
                "rodada {rodada}: o processo {i} vê a vez com o {dono}"
            );
        }
        let outra = (dono + 1) % livros.len();
        assert!(
            livros[outra]
                .vez_da_empresa(&cnpj(OUTRO_CNPJ))
                .unwrap()
                .is_some(),
            "outra empresa não espera"
        );
        match rodada {
            0 => drop(vezes.remove(dono)),
            _ => {
                // The process holding it ends: its handle first, then its turn.
                let livro = livros.remove(dono);
                drop(livro);
                assert!(
                    livros[0].vez_da_empresa(&empresa).unwrap().is_none(),
                    "a vez vale enquanto existir, mesmo sem o livro que a deu"
                );
                drop(vezes.remove(dono));
            }
        }
        drop(vezes);
        let vez = livros[outra % livros.len()]
            .vez_da_empresa(&empresa)
            .unwrap();
        assert!(vez.is_some(), "rodada {rodada}: devolvida");
    }
}

/// Several processes record the same guides at once: each guide is stored once, and exactly
/// one of them was told it was new.
pub fn processos_gravam_as_mesmas_guias(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livros = processos(&a);
    let guias: Vec<Guia> = (1..=6).map(|n| darf(CNPJ, n)).chain([guia()]).collect();
    let respostas = ao_mesmo_tempo(&livros, |i, l| {
        // Each in another order, so that they collide on different guides.
        let mut minhas = guias.clone();
        minhas.rotate_left(i);
        minhas
            .iter()
            .map(|g| (g.numero, l.registrar_guia(g, OrigemGuia::Serpro).unwrap()))
            .collect::<Vec<_>>()
    });
    for g in &guias {
        let novas = respostas
            .iter()
            .flatten()
            .filter(|(n, r)| *n == g.numero && *r == GuiaGravada::Nova)
            .count();
        assert_eq!(novas, 1, "{}: gravada uma vez", g.numero);
    }
    let mut gravadas: Vec<Guia> = a
        .livro
        .guias(None)
        .unwrap()
        .into_iter()
        .map(|r| r.guia)
        .collect();
    gravadas.sort_by_key(|g| g.numero);
    let mut esperadas = guias;
    esperadas.sort_by_key(|g| g.numero);
    assert_eq!(gravadas, esperadas);
}

/// Several processes record different guides with one number at once: one is stored, every
/// other is refused as a conflict, and the stored one is the one told it was new.
pub fn processos_gravam_guias_conflitantes(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livros = processos(&a);
    let de = |i: usize| Guia {
        valor: Valor::from_centavos(100 + i as i64),
        ..guia()
    };
    let respostas = ao_mesmo_tempo(&livros, |i, l| l.registrar_guia(&de(i), OrigemGuia::Serpro));
    let novas: Vec<usize> = (0..respostas.len())
        .filter(|&i| matches!(respostas[i], Ok(GuiaGravada::Nova)))
        .collect();
    assert_eq!(novas.len(), 1, "{respostas:?}");
    for (i, r) in respostas.iter().enumerate() {
        assert!(
            i == novas[0] || matches!(r, Err(ErroLivro::GuiaConflitante { .. })),
            "processo {i}: {r:?}"
        );
    }
    let gravadas = a.livro.guias(None).unwrap();
    assert_eq!(gravadas.len(), 1);
    assert_eq!(gravadas[0].guia, de(novas[0]));
}

/// Several processes record the same fetch at once: every payment is stored once (the double
/// payment twice), and the counts of new ones add up to the fetch.
pub fn processos_gravam_os_mesmos_pagamentos(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livros = processos(&a);
    let g = guia();
    let busca: Vec<Pagamento> = (1..=200)
        .map(|n| pagamento(&g, 1 + (n % 28) as u8, n))
        .chain([pagamento(&g, 3, 3000), pagamento(&g, 3, 3000)]) // paid twice that day
        .collect();
    let novos = ao_mesmo_tempo(&livros, |i, l| {
        // Each in another order, so that they collide on different payments.
        let mut minha = busca.clone();
        minha.rotate_left(i * busca.len() / PROCESSOS);
        if i % 2 == 1 {
            minha.reverse();
        }
        l.registrar_pagamentos(&minha).unwrap()
    });
    assert_eq!(novos.iter().sum::<usize>(), busca.len(), "{novos:?}");
    let mut guardados = a.livro.pagamentos(None).unwrap();
    let mut esperados = busca;
    let chave = |p: &Pagamento| (p.data_arrecadacao, p.valor_total);
    guardados.sort_by_key(chave);
    esperados.sort_by_key(chave);
    assert_eq!(guardados, esperados);
}

/// Several processes record the same reconciliation at once: each finding is one history row,
/// each guide settled once, and every finding accounted for once by each process.
pub fn processos_conciliam_o_mesmo(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livros = processos(&a);
    let guias: Vec<Guia> = (1..=5).map(|n| darf(CNPJ, n)).collect();
    for g in &guias {
        a.livro.registrar_guia(g, OrigemGuia::Serpro).unwrap();
    }
    let achados: Vec<Achado> = guias.iter().map(|g| achado(g, true)).collect();
    let resumos = ao_mesmo_tempo(&livros, |i, l| {
        let mut meus = achados.clone();
        meus.rotate_left(i);
        l.registrar_conciliacao(&meus, data(2026, 7, 16)).unwrap()
    });
    let soma = |f: fn(&ResumoConciliacao) -> usize| resumos.iter().map(f).sum::<usize>();
    assert_eq!(soma(|r| r.ocorrencias_novas), achados.len(), "{resumos:?}");
    assert_eq!(
        soma(|r| r.inalteradas),
        achados.len() * (PROCESSOS - 1),
        "{resumos:?}"
    );
    assert_eq!(soma(|r| r.guias_baixadas), guias.len(), "{resumos:?}");
    for g in &guias {
        assert_eq!(
            a.livro.historico(&g.numero).unwrap().len(),
            1,
            "{}",
            g.numero
        );
    }
    assert!(
        a.livro
            .guias(None)
            .unwrap()
            .iter()
            .all(|g| g.baixada_em == Some(data(2026, 7, 16)))
    );
}

/// Several processes record different findings for one key at once: no row is lost (one per
/// process), the current occurrence is one of them, and each process's finding, recorded
/// again, is new only if it is no longer the newest.
pub fn processos_conciliam_achados_diferentes(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livros = processos(&a);
    let g = guia();
    let de = |i: usize| Achado {
        dias_atraso: Some(i as i64),
        ..achado(&g, false)
    };
    let resumos = ao_mesmo_tempo(&livros, |i, l| {
        l.registrar_conciliacao(&[de(i), de(i)], data(2026, 7, 16))
            .unwrap()
    });
    for r in &resumos {
        assert_eq!(
            *r,
            resumo(1, 1, 0),
            "the second of a call is the newest row"
        );
    }
    let historico = a.livro.historico(&g.numero).unwrap();
    assert_eq!(historico.len(), PROCESSOS, "{historico:?}");
    let mut vistos: Vec<i64> = historico
        .iter()
        .map(|o| o.achado.dias_atraso.unwrap())
        .collect();
    vistos.sort_unstable();
    assert_eq!(vistos, (0..PROCESSOS as i64).collect::<Vec<_>>());
    let atual = a.livro.ocorrencias(None).unwrap();
    assert_eq!(atual.len(), 1);
    assert_eq!(
        Some(&atual[0]),
        historico.last(),
        "the newest row is the current one"
    );
}

/// Saving a company's settings from one process while another marks its synchronisation:
/// the mark is kept, and the settings are the last saved.
pub fn salvar_empresa_nao_apaga_sincronizacao_de_outro(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let livros = processos(&a);
    let e = empresa(CNPJ, "Alfa", Acesso::CertificadoA1);
    a.livro.salvar_empresa(&e).unwrap();
    ao_mesmo_tempo(&livros, |i, l| {
        for vez in 0..5u8 {
            if i == 0 {
                l.marcar_sincronizacao(&e.cnpj, data(2026, 7, 1 + vez))
                    .unwrap();
            } else {
                l.salvar_empresa(&Empresa {
                    nome: format!("Alfa {i}"),
                    ..e.clone()
                })
                .unwrap();
            }
        }
    });
    assert_eq!(
        a.livro.sincronizado_ate(&e.cnpj).unwrap(),
        Some(data(2026, 7, 5))
    );
    let salva = a.livro.empresa(&e.cnpj).unwrap().unwrap();
    assert!(salva.nome.starts_with("Alfa "), "{}", salva.nome);
}
