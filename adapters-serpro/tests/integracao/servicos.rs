//! Typed Integra Contador services against the simulator, over mTLS: DAS, payments (date filter
//! and paging), proof of payment, fiscal situation report (with its waits), procurações,
//! PGDAS-D declarations, MEI DAS, SICALC DARF, mailbox, update events.

#![cfg(feature = "simulator")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use guiche_domain::conciliacao::Pagamento;
use guiche_domain::guia::{CodigoReceita, NumeroDocumento};
use guiche_domain::{Cnpj, Competencia, Data, Documento, Valor};
use guiche_serpro::ClienteIntegra;
use guiche_serpro::servicos::{self, ErroServico};
use guiche_serpro::simulador::{ConfigSimulador, FalhaGateway, SimuladorIntegra};
use std::time::Duration;

use crate::comum;

use comum::CONTRATANTE;
const CLIENTE: &str = "11444777000161";

/// The simulator, and a client of the contratante holding the CLIENTE's procuração.
fn montar() -> (SimuladorIntegra, ClienteIntegra) {
    // The simulated SERPRO lives on the tests' day, so what depends on "today" (the months
    // declared, the 60-day event horizon) does not change with the calendar.
    let sim = SimuladorIntegra::iniciar(ConfigSimulador {
        hoje: Some(hoje()),
        ..ConfigSimulador::default()
    })
    .unwrap();
    sim.conceder_procuracao(contratante(), cliente());
    let cliente = comum::cliente_do_contratante(&sim);
    (sim, cliente)
}

fn contratante() -> Documento {
    Documento::parse(CONTRATANTE).unwrap()
}

fn cliente() -> Documento {
    Documento::parse(CLIENTE).unwrap()
}

fn hoje() -> Data {
    Data::new(2026, 11, 22).unwrap()
}

fn data(texto: &str) -> Data {
    Data::parse_iso(texto).unwrap()
}

/// `n` payments, one a day from 2026-01-01, 17-digit numbers `07202600000000001`…, values
/// `10.01`, `10.02`…, receita `1708` (sent as PAGTOWEB does, without leading zeros for `481`).
fn pagamentos_json(n: u64) -> serde_json::Value {
    let inicio = data("2026-01-01");
    let itens: Vec<String> = (1..=n)
        .map(|i| {
            let dia = inicio.mais_dias(i as i64 - 1).unwrap();
            let receita = if i % 2 == 0 { "1708" } else { "481" };
            format!(
                r#"{{"numeroDocumento":"{:017}","dataArrecadacao":"{}T00:00:00-03:00","valorTotal":{}.{:02},"receitaPrincipal":{{"codigo":"{receita}","extensaoReceita":null}}}}"#,
                7_202_600_000_000_000 + i,
                dia.iso(),
                10 + i / 100,
                i % 100
            )
        })
        .collect();
    serde_json::from_str(&format!("[{}]", itens.join(","))).unwrap()
}

/// Every payment of the CLIENTE arrecadado in 2026.
async fn pagamentos_de_2026(c: &ClienteIntegra) -> Vec<Pagamento> {
    let (de, ate) = (data("2026-01-01"), data("2026-12-31"));
    servicos::pagamentos(c, &cliente(), de, ate, hoje())
        .await
        .unwrap()
}

#[tokio::test]
async fn gerar_das_devolve_guia_com_codigo_de_barras_do_total() {
    let (_sim, c) = montar();
    let periodo = Competencia::new(2026, 10).unwrap();
    let cnpj = Cnpj::parse(CLIENTE).unwrap();
    let das = servicos::gerar_das(&c, &cnpj, periodo, hoje())
        .await
        .unwrap();
    assert_eq!(das.len(), 1);
    let d = &das[0];
    assert_eq!(d.periodo, periodo);
    assert_eq!(d.vencimento, data("2026-11-20"));
    assert_eq!(d.limite_acolhimento, Some(data("2026-11-20")));
    assert_eq!(d.valor_total, Valor::parse_json("1030.00").unwrap());
    assert_eq!(d.principal, Valor::parse_json("1000.00").unwrap());
    assert_eq!(d.multa, Valor::parse_json("24.68").unwrap());
    assert_eq!(d.juros, Valor::parse_json("5.32").unwrap());
    let barras = d.codigo_barras.as_ref().expect("código de barras");
    assert_eq!(barras.valor(), Some(d.valor_total));
    assert_eq!(barras.codigo_orgao(), "0328");
    assert_eq!(d.numero.as_digitos().len(), 17);
    assert!(d.numero.dv_confere());
    assert!(d.pdf.starts_with(b"%PDF-"));
}

#[tokio::test]
async fn gerar_das_sem_procuracao_e_erro_do_integra() {
    let (_sim, c) = montar();
    let outro = Cnpj::parse("00000000000191").unwrap();
    let e = servicos::gerar_das(&c, &outro, Competencia::new(2026, 10).unwrap(), hoje())
        .await
        .unwrap_err();
    assert!(matches!(e, ErroServico::Integra(_)), "{e:?}");
}

#[tokio::test]
async fn pagamentos_percorre_tres_paginas_exatamente() {
    let (sim, c) = montar();
    sim.definir_pagamentos(cliente(), pagamentos_json(250));
    let lista = pagamentos_de_2026(&c).await;
    assert_eq!(lista.len(), 250);
    assert_eq!(
        (sim.chamadas_recebidas(), sim.bilhetadas()),
        (4, 4),
        "a primeira página cheia, a contagem (250: três páginas), a segunda e a terceira"
    );
    let numeros: Vec<u64> = lista.iter().map(|p| p.numero.as_u64()).collect();
    let esperados: Vec<u64> = (1..=250).map(|i| 7_202_600_000_000_000 + i).collect();
    assert_eq!(numeros, esperados);
    let p = &lista[249];
    assert_eq!(p.valor_total, Valor::parse_json("12.50").unwrap());
    assert_eq!(
        p.codigo_receita,
        Some(CodigoReceita::parse("1708").unwrap())
    );
    assert_eq!(lista[0].codigo_receita, CodigoReceita::new(481, None));
    assert_eq!(lista[0].contribuinte, cliente());
    assert_eq!(lista[0].data_arrecadacao, data("2026-01-01"));
}

#[tokio::test]
async fn pagamentos_filtra_pela_data_de_arrecadacao() {
    let (sim, c) = montar();
    sim.definir_pagamentos(cliente(), pagamentos_json(250));
    let (de, ate) = (data("2026-02-01"), data("2026-02-28"));
    let lista = servicos::pagamentos(&c, &cliente(), de, ate, hoje())
        .await
        .unwrap();
    assert_eq!(lista.len(), 28);
    assert!(
        lista
            .iter()
            .all(|p| p.data_arrecadacao >= de && p.data_arrecadacao <= ate)
    );
    assert_eq!(
        sim.chamadas_recebidas(),
        1,
        "uma página incompleta basta: a contagem não é pedida"
    );
}

#[tokio::test]
async fn pagamentos_com_paginas_cheias_para_na_contagem() {
    let (sim, c) = montar();
    sim.definir_pagamentos(cliente(), pagamentos_json(200));
    let lista = pagamentos_de_2026(&c).await;
    assert_eq!(lista.len(), 200);
    assert_eq!(
        sim.chamadas_recebidas(),
        3,
        "página, contagem (200), página: nenhuma página vazia cobrada no fim"
    );
}

/// `pagamentos` of 2026, given up (failing) if it takes more than 20 s: a client that pages by
/// the offset alone never ends against a server that ignores it.
async fn pagamentos_com_prazo(c: &ClienteIntegra) -> Result<Vec<Pagamento>, ErroServico> {
    let (de, ate) = (data("2026-01-01"), data("2026-12-31"));
    tokio::time::timeout(
        Duration::from_secs(20),
        servicos::pagamentos(c, &cliente(), de, ate, hoje()),
    )
    .await
    .expect("a paginação não termina")
}

#[tokio::test]
async fn pagamentos_para_quando_o_servidor_ignora_o_deslocamento() {
    let (sim, c) = montar();
    sim.definir_pagamentos(cliente(), pagamentos_json(250));
    sim.ignorar_deslocamento(true);
    let e = pagamentos_com_prazo(&c).await.unwrap_err();
    assert!(
        matches!(e, ErroServico::Paginacao(ref m) if m.contains("repete a anterior") && m.contains("primeiroDaPagina 100")),
        "{e:?}"
    );
    assert_eq!(
        sim.chamadas_recebidas(),
        3,
        "primeira página, contagem, a página repetida; nada mais"
    );
}

#[tokio::test]
async fn pagamentos_para_quando_as_paginas_passam_da_contagem() {
    let (sim, c) = montar();
    sim.definir_pagamentos(cliente(), pagamentos_json(250));
    sim.forcar_contagem_pagamentos(Some("\"150\""));
    let e = pagamentos_com_prazo(&c).await.unwrap_err();
    assert!(
        matches!(e, ErroServico::Paginacao(ref m) if m.contains("150") && m.contains("200")),
        "{e:?}"
    );
    assert_eq!(sim.chamadas_recebidas(), 3, "duas páginas bastam para 150");
}

#[tokio::test]
async fn pagamentos_sem_contagem_legivel_usa_o_limite_fixo() {
    let (sim, c) = montar();
    sim.definir_pagamentos(cliente(), pagamentos_json(250));
    sim.forcar_contagem_pagamentos(Some("\"muitos\""));
    assert_eq!(pagamentos_com_prazo(&c).await.unwrap().len(), 250);
    let antes = sim.chamadas_recebidas();
    sim.ignorar_deslocamento(true);
    let e = pagamentos_com_prazo(&c).await.unwrap_err();
    assert!(matches!(e, ErroServico::Paginacao(_)), "{e:?}");
    assert_eq!(sim.chamadas_recebidas() - antes, 3);
}

#[tokio::test]
async fn pagamentos_sem_contagem_legivel_param_no_maximo_de_paginas() {
    let (sim, c) = montar();
    let maximo = servicos::MAXIMO_PAGINAS_SEM_CONTAGEM;
    let n = (maximo * servicos::TAMANHO_PAGINA + 1) as u64;
    sim.definir_pagamentos(cliente(), pagamentos_json(n));
    sim.forcar_contagem_pagamentos(Some("\"muitos\""));
    let (de, ate) = (data("2026-01-01"), data("2099-12-31"));
    let e = servicos::pagamentos(&c, &cliente(), de, ate, hoje())
        .await
        .unwrap_err();
    assert!(
        matches!(e, ErroServico::Paginacao(ref m) if m.contains(&format!("{maximo} páginas"))),
        "{e:?}"
    );
    assert_eq!(
        sim.chamadas_recebidas(),
        maximo + 1,
        "as páginas do máximo e a contagem ilegível"
    );
}

#[tokio::test]
async fn pagamentos_nenhum() {
    let (_sim, c) = montar();
    let lista = pagamentos_de_2026(&c).await;
    assert!(lista.is_empty());
}

#[tokio::test]
async fn comprovante_de_documento_pago_e_pdf() {
    let (sim, c) = montar();
    sim.definir_pagamentos(cliente(), pagamentos_json(3));
    let numero = NumeroDocumento::parse("07202600000000002").unwrap();
    let pdf = servicos::comprovante(&c, &cliente(), &numero, hoje())
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
}

#[tokio::test]
async fn comprovante_de_documento_nao_pago_e_erro_de_resposta() {
    let (sim, c) = montar();
    sim.definir_pagamentos(cliente(), pagamentos_json(3));
    let numero = NumeroDocumento::parse("07202600000000099").unwrap();
    let e = servicos::comprovante(&c, &cliente(), &numero, hoje())
        .await
        .unwrap_err();
    assert!(
        matches!(e, ErroServico::Integra(_)) && e.to_string().contains("PAGTOWEB-00002"),
        "o erro do serviço chega ao usuário com seu código: {e}"
    );
}

#[tokio::test]
async fn situacao_fiscal_pronta() {
    let (_sim, c) = montar();
    let inicio = std::time::Instant::now();
    let pdf = servicos::situacao_fiscal(&c, &cliente(), hoje(), Duration::from_secs(5))
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    assert!(
        inicio.elapsed() >= Duration::from_millis(150),
        "o simulador responde 202 e depois 204 antes do PDF, e cada espera foi respeitada"
    );
}

#[tokio::test]
async fn situacao_fiscal_espera_o_202_e_o_204() {
    let (sim, c) = montar();
    let (protocolo, espera) = servicos::protocolo_sitfis(&c, &cliente(), hoje())
        .await
        .unwrap();
    assert_eq!(espera, Duration::from_millis(50));
    sim.injetar(FalhaGateway::Status(202));
    sim.injetar(FalhaGateway::Status(204));
    let inicio = std::time::Instant::now();
    let pdf = servicos::relatorio_sitfis(
        &c,
        &cliente(),
        &protocolo,
        espera,
        hoje(),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    assert!(inicio.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn situacao_fiscal_desiste_apos_a_espera_maxima() {
    let (sim, c) = montar();
    let (protocolo, espera) = servicos::protocolo_sitfis(&c, &cliente(), hoje())
        .await
        .unwrap();
    sim.injetar(FalhaGateway::Status(202));
    let e = servicos::relatorio_sitfis(
        &c,
        &cliente(),
        &protocolo,
        espera,
        hoje(),
        Duration::from_millis(80),
    )
    .await
    .unwrap_err();
    assert_eq!(e, ErroServico::Espera(Duration::from_millis(80)));
    let e = servicos::situacao_fiscal(&c, &cliente(), hoje(), Duration::from_millis(10))
        .await
        .unwrap_err();
    assert!(matches!(e, ErroServico::Espera(_)), "{e:?}");
}

#[tokio::test]
async fn procuracoes_mapeadas_para_codigos() {
    let (_sim, c) = montar();
    let lista = servicos::procuracoes(&c, &cliente(), &contratante(), hoje())
        .await
        .unwrap();
    assert_eq!(lista.len(), 1);
    let p = &lista[0];
    let todos = guiche_domain::serpro::PROCURACOES;
    assert_eq!(p.sistemas.len(), todos.len());
    let codigos: Vec<&str> = todos.iter().map(|p| p.codigo).collect();
    assert_eq!(p.codigos, codigos);
    assert!(p.codigos.contains(&"00146"));
    assert!(p.expira > hoje());
}

#[tokio::test]
async fn procuracoes_inexistentes_sao_lista_vazia() {
    let (_sim, c) = montar();
    let lista = servicos::procuracoes(&c, &contratante(), &cliente(), hoje())
        .await
        .unwrap();
    assert!(lista.is_empty());
}

#[tokio::test]
async fn contar_pagamentos_confere_com_a_lista() {
    let (sim, c) = montar();
    sim.definir_pagamentos(cliente(), pagamentos_json(250));
    let (de, ate) = (data("2026-02-01"), data("2026-02-28"));
    let n = servicos::contar_pagamentos(&c, &cliente(), de, ate, hoje())
        .await
        .unwrap();
    let lista = servicos::pagamentos(&c, &cliente(), de, ate, hoje())
        .await
        .unwrap();
    assert_eq!((n, lista.len()), (28, 28));
}

#[tokio::test]
async fn das_do_mei_tem_o_valor_no_codigo_de_barras() {
    let (_sim, c) = montar();
    let cnpj = Cnpj::parse(CLIENTE).unwrap();
    let periodo = Competencia::new(2026, 10).unwrap();
    let das = servicos::gerar_das_mei(&c, &cnpj, periodo, hoje())
        .await
        .unwrap();
    assert_eq!(das.len(), 1);
    assert_eq!(das[0].valor_total, Valor::parse_json("75.60").unwrap());
    let barras = das[0].codigo_barras.as_ref().unwrap();
    assert_eq!(barras.valor(), Some(das[0].valor_total));
    assert_eq!(
        das[0].principal.decimal() + das[0].multa.decimal() + das[0].juros.decimal(),
        das[0].valor_total.decimal()
    );
}

#[tokio::test]
async fn declaracoes_do_ano_dizem_se_o_das_foi_pago() {
    use servicos::ConsultaDeclaracoes;
    let (sim, c) = montar();
    let cnpj = Cnpj::parse(CLIENTE).unwrap();
    let lista = servicos::declaracoes_pgdasd(&c, &cnpj, ConsultaDeclaracoes::Ano(2026), hoje())
        .await
        .unwrap();
    assert_eq!(lista.len(), 10, "janeiro a outubro de 2026");
    assert_eq!(lista[0].periodo, Competencia::new(2026, 1).unwrap());
    assert!(lista.iter().all(|d| d.das_pago == Some(false)));
    let das = lista[0].das.unwrap();
    sim.definir_pagamentos(
        cliente(),
        serde_json::json!([{ "numeroDocumento": das.as_digitos(), "dataArrecadacao": "2026-02-20", "valorTotal": 1030.00 }]),
    );
    let mes = ConsultaDeclaracoes::Periodo(Competencia::new(2026, 1).unwrap());
    let lista = servicos::declaracoes_pgdasd(&c, &cnpj, mes, hoje())
        .await
        .unwrap();
    assert_eq!(lista.len(), 1);
    assert_eq!(lista[0].das_pago, Some(true));
}

#[tokio::test]
async fn darf_em_atraso_traz_multa_e_juros_consolidados() {
    use servicos::{PedidoDarf, PeriodoDarf};
    let (_sim, c) = montar();
    let mut pedido = PedidoDarf {
        uf: "SP".into(),
        municipio: "7107".into(),
        receita: CodigoReceita::new(190, Some(1)).unwrap(),
        periodo: PeriodoDarf::Mensal(Competencia::new(2026, 9).unwrap()),
        vencimento: data("2026-10-30"),
        valor_imposto: Valor::parse_json("1000.00").unwrap(),
        data_consolidacao: Some(data("2026-11-22")),
        observacao: Some("Darf calculado".into()),
    };
    let darf = servicos::gerar_darf(&c, &cliente(), &pedido, hoje())
        .await
        .unwrap();
    // 23 days late: 0.33 % a day = 7.59 % of fine, 1 % of interest.
    assert_eq!(darf.multa, Valor::parse_json("75.90").unwrap());
    assert_eq!(darf.juros, Valor::parse_json("10.00").unwrap());
    assert_eq!(darf.total, Valor::parse_json("1085.90").unwrap());
    assert!(darf.pdf.starts_with(b"%PDF"));
    pedido.data_consolidacao = Some(data("2026-10-30"));
    let em_dia = servicos::gerar_darf(&c, &cliente(), &pedido, hoje())
        .await
        .unwrap();
    assert_eq!(em_dia.total, pedido.valor_imposto);
}

#[tokio::test]
async fn caixa_postal_lista_mensagens_com_assunto_preenchido() {
    let (_sim, c) = montar();
    let mensagens = servicos::caixa_postal(&c, &cliente(), hoje())
        .await
        .unwrap();
    assert_eq!(mensagens.len(), 2);
    assert_eq!(mensagens[0].assunto, "Termo de Intimação 2026/001");
    assert!(!mensagens[0].lida && mensagens[0].relevante);
    assert!(mensagens[1].lida);
    assert!(
        servicos::tem_mensagens_novas(&c, &cliente(), hoje())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn eventos_de_pagamento_de_um_lote() {
    use servicos::{Atualizacao, Evento};
    let (sim, c) = montar();
    sim.definir_pagamentos(
        cliente(),
        serde_json::json!([{ "numeroDocumento": "07202600000000001", "dataArrecadacao": "2026-11-10", "valorTotal": 10.0 }]),
    );
    let lote = [cliente(), contratante()];
    let protocolo = servicos::solicitar_eventos(&c, &lote, Evento::Pagamentos, hoje())
        .await
        .unwrap();
    assert_eq!(protocolo.protocolo.len(), 36);
    tokio::time::sleep(protocolo.espera).await;
    let matriz = servicos::obter_eventos(&c, &protocolo, hoje())
        .await
        .unwrap();
    assert_eq!(
        matriz,
        vec![
            (cliente(), Atualizacao::Em(data("2026-11-10"))),
            (contratante(), Atualizacao::Nenhuma),
        ]
    );
}

#[tokio::test]
async fn lote_misturando_cpf_e_cnpj_e_recusado_antes_de_chamar() {
    use servicos::Evento;
    let (sim, c) = montar();
    let cpf = Documento::parse("52998224725").unwrap();
    let e = servicos::solicitar_eventos(&c, &[cliente(), cpf], Evento::Pagamentos, hoje())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("mistura CPF e CNPJ"), "{e}");
    assert_eq!(sim.tokens_emitidos(), 0, "nada foi chamado");
}

#[tokio::test]
async fn eventos_alem_do_limite_diario_sao_429() {
    use servicos::Evento;
    let sim = SimuladorIntegra::iniciar(ConfigSimulador {
        limite_eventos_dia: 1,
        hoje: Some(hoje()),
        ..ConfigSimulador::default()
    })
    .unwrap();
    let c = comum::cliente_do_contratante(&sim);
    servicos::solicitar_eventos(&c, &[cliente()], Evento::CaixaPostal, hoje())
        .await
        .unwrap();
    let e = servicos::solicitar_eventos(&c, &[cliente()], Evento::CaixaPostal, hoje())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            ErroServico::Integra(guiche_serpro::ErroIntegra::LimiteRequisicoes(_))
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("EVENTOSATUALIZACAO-004"), "{e}");
}
