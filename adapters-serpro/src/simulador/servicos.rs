//! What the simulated services answer, once the gateway has accepted a call (see
//! [`super::gateway`]). Each service follows its page of the documentation (facts in
//! `reference/serpro.md` §3–4): its data, its waits and its own errors.
//!
//! | service | answer |
//! |---|---|
//! | `PAGTOWEB/PAGAMENTOS71` | the payments set with [`super::SimuladorIntegra::definir_pagamentos`], filtered by `intervaloDataArrecadacao`, `numeroDocumentoLista`, `codigoTipoDocumentoLista`, paged by `primeiroDaPagina`/`tamanhoDaPagina` (1–100); a bad date or page size is 400 `EntradaIncorreta-PAGTOWEB-00001`; misbehaving on demand, it ignores `primeiroDaPagina` |
//! | `PAGTOWEB/CONTACONSDOCARRPG73` | the count of what 71 would list without paging, as a string (or, on demand, a forced answer) |
//! | `PAGTOWEB/COMPARRECADACAO72` | a PDF for a `numeroDocumento` among those payments; any other is 400 `EntradaIncorreta-PAGTOWEB-00002` |
//! | `PGDASD/GERARDAS12`, `PGMEI/GERARDASPDF21` | one DAS of the `periodoApuracao` asked (numbered per contribuinte and period, see `SimuladorIntegra::numero_das`; due on day 20 of the next month, 1000.00 + 24.68 + 5.32 = 1030.00, or 75.60 for a MEI, a valid barcode); a bad period is 400 `EntradaIncorreta-PGDASD-00001` |
//! | `PGDASD/CONSDECLARACAO13` | for `anoCalendario` or `periodoApuracao`, one declaration per month up to last month, each with its DAS; `dasPago` true when that DAS number is among the payments |
//! | `SICALC/CONSOLIDARGERARDARF51` | a consolidated DARF: before the due date, principal only; after it, 0.33 % a day of fine (at most 20 %) and 1 % interest |
//! | `SITFIS/SOLICITARPROTOCOLO91` | a protocol and `tempoEspera` 50 ms |
//! | `SITFIS/RELATORIOSITFIS92` | for a protocol issued today: 202 with `tempoEspera` in `dados` on the first ask, 204 with `ETag: "tempoEspera:50"` (empty body) on the second, the PDF after; an unknown protocol is 400 |
//! | `PROCURACOES/OBTERPROCURACAO41` | the procuração granted with [`super::SimuladorIntegra::conceder_procuracao`] |
//! | `CAIXAPOSTAL/MSGCONTRIBUINTE61`, `INNOVAMSG63` | two messages (one unread, relevant) and the new-messages indicator |
//! | `EVENTOSATUALIZACAO/SOLICEVENTOSPF131`/`PJ132`, `OBTEREVENTOSPF133`/`PJ134` | a protocol for a list of 1–1000 contribuintes, then the matrix `[[NI, AAMMDD or ""]]` (E0701: the last payment in 60 days); 1,000 asks a day, then 429 `[Aviso-EVENTOSATUALIZACAO-004]` |
//!
//! The rest of the catalogue answers 200 with empty `dados`.

use super::Compartilhado;
use crate::wire::caixa_postal::{
    DadosCaixaPostal, DadosMensagensNovas, IndicadorMensagensNovas, MensagemDto, PaginaCaixaPostal,
};
use crate::wire::dados::{Lista, SeObjeto, Texto, TextoOuNada};
use crate::wire::pagtoweb::Pdf;
use crate::wire::procuracoes::ProcuracaoDto;
use crate::wire::sicalc::{Consolidado, DadosDarf};
use crate::wire::sitfis::{EsperaSitfis, ProtocoloSitfis};
use base64::Engine;
use guiche_domain::guia::CodigoBarras;
use guiche_domain::{Data, Documento};
use rust_decimal::Decimal;
use serde_json::Value;

/// Asks a day to EVENTOSATUALIZACAO, per kind (PF, PJ), as documented.
pub(super) const LIMITE_EVENTOS_DIA: u32 = 1_000;

/// A service's answer: status, `dados` and one message. A 204 has no body; its `texto` goes
/// in the `ETag` header (`tempoEspera:N`).
pub(super) struct Saida {
    pub(super) status: u16,
    pub(super) dados: String,
    pub(super) codigo: String,
    pub(super) texto: String,
}

impl Saida {
    fn ok(sistema: &str, dados: String) -> Saida {
        Saida {
            status: 200,
            dados,
            codigo: format!("Sucesso-{sistema}"),
            texto: "Requisição efetuada com sucesso.".to_owned(),
        }
    }

    /// [`Saida::ok`] with `dados` written from the DTO the client reads it with
    /// (`crate::wire::<servico>`), so that the two cannot drift.
    fn dto(sistema: &str, dados: &impl serde::Serialize) -> Saida {
        match serde_json::to_string(dados) {
            Ok(dados) => Saida::ok(sistema, dados),
            Err(e) => Saida::erro(500, &format!("Erro-{sistema}-00099"), &e.to_string()),
        }
    }

    fn erro(status: u16, codigo: &str, texto: &str) -> Saida {
        Saida {
            status,
            dados: String::new(),
            codigo: codigo.to_owned(),
            texto: texto.to_owned(),
        }
    }
}

/// What a protocol of EVENTOSATUALIZACAO was asked for.
pub(super) struct PedidoEventos {
    contribuintes: Vec<Documento>,
    evento: String,
}

/// The simulator's state for the services with memory (SITFIS, EVENTOSATUALIZACAO).
#[derive(Default)]
pub(super) struct EstadoServicos {
    /// SITFIS protocol → how many times its report was asked.
    sitfis: std::collections::HashMap<String, u32>,
    eventos: std::collections::HashMap<String, PedidoEventos>,
    /// (day, PF asks, PJ asks).
    eventos_dia: Option<(Data, u32, u32)>,
}

/// A one-page PDF named `titulo`, in base64.
fn pdf_base64(titulo: &str) -> String {
    let texto = format!(
        "%PDF-1.4\n% {titulo}\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    );
    base64::engine::general_purpose::STANDARD.encode(texto)
}

/// `dados` carrying [`pdf_base64`] of `titulo`.
fn pdf(titulo: &str) -> Pdf {
    Pdf {
        pdf: Texto(pdf_base64(titulo)),
    }
}

/// SITFIS's `tempoEspera`, in milliseconds.
const ESPERA_SITFIS_MS: &str = "50";

fn iso(v: &Value, chave: &str) -> Option<Data> {
    v.get(chave)
        .and_then(Value::as_str)
        .and_then(|t| Data::parse_iso(t.get(..10).unwrap_or(t)).ok())
}

fn texto<'a>(v: &'a Value, chave: &str) -> Option<&'a str> {
    v.get(chave).and_then(Value::as_str)
}

/// Answers one accepted call. `contribuintes` holds one document, or the list of a batch
/// service (`tipo` 3/4).
pub(super) fn responder(
    c: &Compartilhado,
    sistema: &str,
    servico: &str,
    contribuintes: &[Documento],
    dados: &str,
) -> Saida {
    let entrada: Value = serde_json::from_str(dados).unwrap_or(Value::Null);
    let Some(contribuinte) = contribuintes.first() else {
        return Saida::erro(400, "[EntradaIncorreta-ICGERENCIADOR-006]", "NI ausente.");
    };
    let hoje = c.hoje();
    match (sistema, servico) {
        ("PAGTOWEB", "PAGAMENTOS71") => pagtoweb::pagina(c, contribuinte, &entrada, true),
        ("PAGTOWEB", "CONTACONSDOCARRPG73") => pagtoweb::pagina(c, contribuinte, &entrada, false),
        ("PAGTOWEB", "COMPARRECADACAO72") => pagtoweb::comprovante(c, contribuinte, &entrada),
        ("PGDASD", "GERARDAS12") => {
            das::gerar(sistema, contribuinte, &entrada, hoje, [100_000, 2_468, 532])
        }
        ("PGMEI", "GERARDASPDF21") => {
            das::gerar(sistema, contribuinte, &entrada, hoje, [7_560, 0, 0])
        }
        ("PGDASD", "CONSDECLARACAO13") => das::declaracoes(c, contribuinte, &entrada, hoje),
        ("SICALC", "CONSOLIDARGERARDARF51") => sicalc(&entrada, hoje),
        ("SITFIS", "SOLICITARPROTOCOLO91") => sitfis_protocolo(c, contribuinte, hoje),
        ("SITFIS", "RELATORIOSITFIS92") => sitfis_relatorio(c, &entrada),
        ("PROCURACOES", "OBTERPROCURACAO41") => procuracoes(c, &entrada, hoje),
        ("CAIXAPOSTAL", "MSGCONTRIBUINTE61") => caixa_postal(c, contribuinte, hoje),
        ("CAIXAPOSTAL", "INNOVAMSG63") => Saida::dto(
            sistema,
            &DadosMensagensNovas {
                codigo: Some(Texto("00".to_owned())),
                conteudo: Lista(vec![IndicadorMensagensNovas {
                    indicador_mensagens_novas: Texto("1".to_owned()),
                }]),
            },
        ),
        ("EVENTOSATUALIZACAO", s) if s.starts_with("SOLICEVENTOS") => {
            eventos::solicitar(c, s, contribuintes, &entrada, hoje)
        }
        ("EVENTOSATUALIZACAO", s) if s.starts_with("OBTEREVENTOS") => {
            eventos::obter(c, s, &entrada, hoje)
        }
        _ => Saida::ok(sistema, String::new()),
    }
}

mod pagtoweb {
    use super::{Compartilhado, Saida, iso, pdf, texto};
    use guiche_domain::Documento;
    use serde_json::{Value, json};

    fn pagamentos(c: &Compartilhado, contribuinte: &Documento) -> Vec<Value> {
        c.estado
            .lock()
            .ok()
            .and_then(|e| e.pagamentos.get(contribuinte).cloned())
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
    }

    fn invalido(texto: &str) -> Saida {
        Saida::erro(400, "EntradaIncorreta-PAGTOWEB-00001", texto)
    }

    fn sem_zeros(t: Option<&str>) -> &str {
        t.unwrap_or_default().trim_start_matches('0')
    }

    /// `PAGAMENTOS71` (`paginar`) or `CONTACONSDOCARRPG73`.
    pub(super) fn pagina(
        c: &Compartilhado,
        contribuinte: &Documento,
        entrada: &Value,
        paginar: bool,
    ) -> Saida {
        let intervalo = entrada
            .get("intervaloDataArrecadacao")
            .unwrap_or(&Value::Null);
        for chave in ["dataInicial", "dataFinal"] {
            if intervalo.get(chave).is_some() && iso(intervalo, chave).is_none() {
                return invalido(&format!(
                    "intervaloDataArrecadacao.{chave} inválida (AAAA-MM-DD)."
                ));
            }
        }
        let (de, ate) = (iso(intervalo, "dataInicial"), iso(intervalo, "dataFinal"));
        let lista = |k: &str| -> Option<Vec<String>> {
            entrada.get(k).and_then(Value::as_array).map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(|s| s.trim_start_matches('0').to_owned()))
                    .collect()
            })
        };
        let (numeros, tipos) = (
            lista("numeroDocumentoLista"),
            lista("codigoTipoDocumentoLista"),
        );
        let dentro = |p: &&Value| {
            let d = iso(p, "dataArrecadacao");
            de.is_none_or(|de| d.is_some_and(|d| d >= de))
                && ate.is_none_or(|ate| d.is_some_and(|d| d <= ate))
                && numeros.as_ref().is_none_or(|n| {
                    n.iter()
                        .any(|n| n == sem_zeros(texto(p, "numeroDocumento")))
                })
                && tipos.as_ref().is_none_or(|t| {
                    let tipo = p.get("tipo").and_then(|t| texto(t, "codigo"));
                    t.iter().any(|t| t == sem_zeros(tipo))
                })
        };
        let todos = pagamentos(c, contribuinte);
        let itens: Vec<&Value> = todos.iter().filter(dentro).collect();
        let (ignorar_deslocamento, contagem_forcada) = c
            .estado
            .lock()
            .map(|e| (e.ignorar_deslocamento, e.contagem_forcada.clone()))
            .unwrap_or_default();
        if !paginar {
            let dados =
                contagem_forcada.unwrap_or_else(|| json!(itens.len().to_string()).to_string());
            return Saida::ok("PAGTOWEB", dados);
        }
        let numero =
            |k: &str, padrao: u64| entrada.get(k).and_then(Value::as_u64).unwrap_or(padrao);
        let (primeiro, tamanho) = (
            numero("primeiroDaPagina", 0),
            numero("tamanhoDaPagina", 100),
        );
        if !(1..=100).contains(&tamanho) {
            return invalido("tamanhoDaPagina deve estar entre 1 e 100.");
        }
        let primeiro = if ignorar_deslocamento { 0 } else { primeiro };
        let pagina: Vec<&Value> = itens
            .into_iter()
            .skip(usize::try_from(primeiro).unwrap_or(usize::MAX))
            .take(usize::try_from(tamanho).unwrap_or(100))
            .collect();
        Saida::ok("PAGTOWEB", json!(pagina).to_string())
    }

    /// `COMPARRECADACAO72`.
    pub(super) fn comprovante(
        c: &Compartilhado,
        contribuinte: &Documento,
        entrada: &Value,
    ) -> Saida {
        let numero = texto(entrada, "numeroDocumento");
        let pago = numero.is_some()
            && pagamentos(c, contribuinte)
                .iter()
                .any(|p| texto(p, "numeroDocumento") == numero);
        if pago {
            Saida::dto("PAGTOWEB", &pdf("comprovante de arrecadacao"))
        } else {
            Saida::erro(
                400,
                "EntradaIncorreta-PAGTOWEB-00002",
                "Usuário não pode consultar o documento.",
            )
        }
    }
}

pub(super) use das::numero_das;

mod das {
    use super::{CodigoBarras, Compartilhado, Saida, pdf_base64, texto};
    use crate::wire::dados::{Lista, SeObjeto, Texto};
    use crate::wire::das::{CodigoDeBarras, DetalhamentoDas, GuiaDas, ValoresDas};
    use crate::wire::declaracoes::{
        DadosDeclaracoes, IndiceDas, IndiceDeclaracao, Operacao, PeriodoDeclaracoes,
    };
    use guiche_domain::guia::NumeroDocumento;
    use guiche_domain::{Competencia, Data, Documento};
    use serde_json::Value;

    /// The number of the simulated DAS of `contribuinte` for `periodo`: `0720`, the year's
    /// last two digits, the document's first eight digits, the month, and a check digit that
    /// passes [`NumeroDocumento::dv_confere`] — one number per contribuinte and period, as the
    /// real service gives.
    pub(in crate::simulador) fn numero_das(
        contribuinte: &Documento,
        periodo: Competencia,
    ) -> NumeroDocumento {
        let base: String = contribuinte
            .as_str()
            .chars()
            .take(8)
            .map(|c| char::from_digit(c.to_digit(10).unwrap_or(c as u32 % 10), 10).unwrap_or('0'))
            .collect();
        let sem_dv = format!(
            "0720{:02}{base:0>8}{:02}",
            periodo.ano() % 100,
            periodo.mes()
        );
        (0..10)
            .filter_map(|dv| NumeroDocumento::parse(&format!("{sem_dv}{dv}")).ok())
            .find(NumeroDocumento::dv_confere)
            .or_else(|| NumeroDocumento::parse(&format!("{sem_dv}0")).ok())
            .unwrap_or_else(|| unreachable!("17 dígitos formam sempre um número de documento"))
    }

    fn valor(centavos: u64) -> Texto {
        Texto(format!("{}.{:02}", centavos / 100, centavos % 100))
    }

    /// `GERARDAS12` / `GERARDASPDF21`: one DAS of `[principal, multa, juros]` (cents).
    pub(super) fn gerar(
        sistema: &str,
        contribuinte: &Documento,
        entrada: &Value,
        hoje: Data,
        [principal, multa, juros]: [u64; 3],
    ) -> Saida {
        let total_centavos = principal + multa + juros;
        let periodo = match texto(entrada, "periodoApuracao").map(Competencia::parse) {
            Some(Ok(p)) => p,
            None => Competencia::de(hoje),
            Some(Err(_)) => {
                return Saida::erro(
                    400,
                    &format!("EntradaIncorreta-{sistema}-00001"),
                    "periodoApuracao inválido (AAAAMM).",
                );
            }
        };
        let seguinte = periodo.seguinte();
        let Ok(vencimento) = Data::new(seguinte.ano(), seguinte.mes(), 20) else {
            return Saida::erro(500, &format!("Erro-{sistema}-00099"), "Vencimento.");
        };
        let numero = numero_das(contribuinte, periodo).as_digitos();
        let sem_dv = format!(
            "856{total_centavos:011}0328{numero}{}",
            vencimento.compacta()
        );
        let Ok(barras) = CodigoBarras::com_dv_calculado(&sem_dv) else {
            return Saida::erro(500, &format!("Erro-{sistema}-00099"), "Código de barras.");
        };
        let detalhamento = DetalhamentoDas {
            numero_documento: Texto(numero),
            periodo_apuracao: Texto(periodo.compacta()),
            data_vencimento: Texto(vencimento.compacta()),
            data_limite_acolhimento: Some(Texto(vencimento.compacta())),
            valores: ValoresDas {
                principal: valor(principal),
                multa: valor(multa),
                juros: valor(juros),
                total: valor(total_centavos),
            },
            codigo_de_barras: Some(CodigoDeBarras(barras.blocos().concat())),
        };
        let guia = GuiaDas {
            cnpj_completo: Some(Texto(contribuinte.as_str().to_owned())),
            pdf: Texto(pdf_base64(&format!("DAS {}", periodo.compacta()))),
            detalhamento: Lista(vec![detalhamento]),
        };
        Saida::dto(sistema, &[guia])
    }

    /// `CONSDECLARACAO13`: a declaration per month of the year (or the one month) asked, up
    /// to last month, each with the DAS of [`gerar`].
    pub(super) fn declaracoes(
        c: &Compartilhado,
        contribuinte: &Documento,
        entrada: &Value,
        hoje: Data,
    ) -> Saida {
        let atual = Competencia::de(hoje);
        let meses: Vec<Competencia> = match (
            texto(entrada, "anoCalendario"),
            texto(entrada, "periodoApuracao").map(Competencia::parse),
        ) {
            (Some(ano), None) => match ano.parse::<u16>() {
                Ok(ano) => (1..=12)
                    .filter_map(|m| Competencia::new(ano, m))
                    .filter(|p| *p < atual)
                    .collect(),
                Err(_) => return invalido(),
            },
            (None, Some(Ok(p))) => vec![p].into_iter().filter(|p| *p < atual).collect(),
            _ => return invalido(),
        };
        let pagos: Vec<String> = c
            .estado
            .lock()
            .ok()
            .and_then(|e| {
                e.pagamentos
                    .get(contribuinte)
                    .and_then(Value::as_array)
                    .cloned()
            })
            .unwrap_or_default()
            .iter()
            .filter_map(|p| texto(p, "numeroDocumento").map(str::to_owned))
            .collect();
        let raiz = contribuinte.as_str().get(..8).unwrap_or_default();
        let periodos: Vec<PeriodoDeclaracoes> = meses
            .iter()
            .map(|p| {
                let numero = numero_das(contribuinte, *p).as_digitos();
                let seguinte = p.seguinte().compacta();
                let operacao = Operacao {
                    tipo_operacao: Some(Texto("Declaração Original".to_owned())),
                    indice_declaracao: Some(SeObjeto(IndiceDeclaracao {
                        numero_declaracao: Some(Texto(format!("{raiz}{}001", p.compacta()))),
                        data_hora_transmissao: Some(Texto(format!("{seguinte}10120000"))),
                        malha: None,
                    })),
                    indice_das: Some(SeObjeto(IndiceDas {
                        datahora_emissao_das: Some(Texto(format!("{seguinte}10121500"))),
                        das_pago: Some(pagos.contains(&numero)),
                        numero_das: Some(Texto(numero)),
                    })),
                };
                PeriodoDeclaracoes {
                    periodo_apuracao: Texto(p.compacta()),
                    operacoes: Lista(vec![SeObjeto(operacao)]),
                }
            })
            .collect();
        let ano = meses.first().map_or(atual.ano(), Competencia::ano);
        let dados = DadosDeclaracoes {
            ano_calendario: Some(Texto(ano.to_string())),
            periodos: Some(Lista(periodos)),
        };
        Saida::dto("PGDASD", &dados)
    }

    fn invalido() -> Saida {
        Saida::erro(
            400,
            "EntradaIncorreta-PGDASD-00001",
            "Informe anoCalendario (AAAA) ou periodoApuracao (AAAAMM).",
        )
    }
}

/// `SICALC/CONSOLIDARGERARDARF51`.
fn sicalc(entrada: &Value, hoje: Data) -> Saida {
    use guiche_domain::Valor;
    let erro = |t: &str| Saida::erro(400, "[EntradaIncorreta-SICALC]", t);
    let Some(codigo) = texto(entrada, "codigoReceita").filter(|c| c.len() == 4) else {
        return erro("codigoReceita obrigatório (4 dígitos).");
    };
    let Some(valor) = texto(entrada, "valorImposto").and_then(|v| Valor::parse_json(v).ok()) else {
        return erro("valorImposto obrigatório.");
    };
    let Some(vencimento) = iso(entrada, "vencimento") else {
        return erro("vencimento obrigatório (AAAA-MM-DDT00:00:00).");
    };
    let consolidacao = iso(entrada, "dataConsolidacao").unwrap_or(hoje);
    let atraso = consolidacao.dias_desde_epoca() - vencimento.dias_desde_epoca();
    let principal = valor.decimal();
    let (pct_multa, pct_juros) = if atraso > 0 {
        let multa = (Decimal::new(33, 2) * Decimal::from(atraso)).min(Decimal::from(20));
        (multa, Decimal::ONE)
    } else {
        (Decimal::ZERO, Decimal::ZERO)
    };
    let cem = Decimal::from(100);
    let multa = (principal * pct_multa / cem).round_dp(2);
    let juros = (principal * pct_juros / cem).round_dp(2);
    let total = principal + multa + juros;
    let numero = format!(
        "0{}{:012}",
        codigo,
        consolidacao.dias_desde_epoca().unsigned_abs()
    );
    let percentual = |d: Decimal| Some(Texto(d.to_string()));
    let dados = DadosDarf {
        consolidado: Consolidado {
            valor_principal_moeda_corrente: Texto(principal.to_string()),
            valor_total_consolidado: Texto(total.to_string()),
            valor_multa_mora: Texto(multa.to_string()),
            percentual_multa_mora: percentual(pct_multa),
            valor_juros: Texto(juros.to_string()),
            percentual_juros: percentual(pct_juros),
            termo_inicial_juros: Some(Texto(format!("{}T00:00:00", vencimento.iso()))),
            data_arrecadacao_consolidacao: Some(Texto(format!("{}T00:00:00", consolidacao.iso()))),
            data_validade_calculo: Some(Texto(format!("{}T00:00:00", consolidacao.iso()))),
        },
        darf: Texto(pdf_base64(&format!("DARF {codigo}"))),
        numero_documento: Texto(numero.get(..17).unwrap_or(&numero).to_owned()),
    };
    Saida {
        codigo: "[Sucesso-SICALC]".to_owned(),
        ..Saida::dto("SICALC", &dados)
    }
}

fn sitfis_protocolo(c: &Compartilhado, contribuinte: &Documento, hoje: Data) -> Saida {
    let protocolo = format!("sitfis-{}-{}", contribuinte.as_str(), hoje.compacta());
    if let Ok(mut e) = c.estado.lock() {
        e.servicos.sitfis.entry(protocolo.clone()).or_insert(0);
    }
    Saida {
        codigo: "[Aviso-Sitfis-AV01]".to_owned(),
        texto: "Protocolo gerado; aguarde o tempo de espera.".to_owned(),
        ..Saida::dto(
            "SITFIS",
            &ProtocoloSitfis {
                protocolo_relatorio: Texto(protocolo),
                tempo_espera: Some(Texto(ESPERA_SITFIS_MS.to_owned())),
            },
        )
    }
}

fn sitfis_relatorio(c: &Compartilhado, entrada: &Value) -> Saida {
    let protocolo = texto(entrada, "protocoloRelatorio").unwrap_or_default();
    let pedidos = c.estado.lock().ok().and_then(|mut e| {
        e.servicos.sitfis.get_mut(protocolo).map(|n| {
            *n += 1;
            *n
        })
    });
    match pedidos {
        None => Saida::erro(
            400,
            "[EntradaIncorreta-SITFIS-0002]",
            "Protocolo inexistente ou de outro dia.",
        ),
        Some(1) => Saida {
            status: 202,
            codigo: "[Aviso-Sitfis-AV02]".to_owned(),
            texto: "Relatório em processamento.".to_owned(),
            ..Saida::dto(
                "SITFIS",
                &EsperaSitfis {
                    tempo_espera: Some(Texto(ESPERA_SITFIS_MS.to_owned())),
                },
            )
        },
        Some(2) => Saida {
            status: 204,
            codigo: String::new(),
            texto: "tempoEspera:50".to_owned(),
            ..Saida::ok("SITFIS", String::new())
        },
        Some(_) => Saida::dto("SITFIS", &pdf("relatorio de situacao fiscal")),
    }
}

fn procuracoes(c: &Compartilhado, entrada: &Value, hoje: Data) -> Saida {
    let documento = |k: &str| texto(entrada, k).and_then(|t| Documento::parse(t).ok());
    let dados = match (documento("outorgante"), documento("outorgado")) {
        (Some(de), Some(para)) if c.tem_procuracao(&para, &de) => {
            let nomes: Vec<&str> = guiche_domain::serpro::PROCURACOES
                .iter()
                .map(|p| p.nome)
                .collect();
            let expira = hoje.mais_dias(365).unwrap_or(hoje);
            let procuracao = ProcuracaoDto {
                dtexpiracao: Texto(expira.compacta()),
                nrsistemas: Some(Texto(nomes.len().to_string())),
                sistemas: nomes.into_iter().map(str::to_owned).collect(),
            };
            return Saida::dto("PROCURACOES", &[procuracao]);
        }
        _ => String::new(),
    };
    Saida::ok("PROCURACOES", dados)
}

fn caixa_postal(c: &Compartilhado, contribuinte: &Documento, hoje: Data) -> Saida {
    let definidas = c
        .estado
        .lock()
        .ok()
        .and_then(|e| e.caixas_postais.get(contribuinte).cloned());
    let dia = |n: i64| hoje.mais_dias(-n).unwrap_or(hoje).compacta();
    let t = |s: &str| Texto(s.to_owned());
    let dado = |s: &str| TextoOuNada(Some(s.to_owned()));
    let mensagem =
        |isn: &str, assunto: &str, valor: &str, enviada: String, lida: &str, relevancia: &str| {
            MensagemDto {
                isn: t(isn),
                codigo_sistema_remetente: Some(t("0021")),
                assunto_modelo: dado(assunto),
                valor_parametro_assunto: dado(valor),
                data_envio: TextoOuNada(Some(enviada)),
                hora_envio: Some(t("101500")),
                indicador_leitura: dado(lida),
                relevancia: dado(relevancia),
                tipo_origem: Some(t("1")),
                descricao_origem: dado("Receita Federal"),
            }
        };
    let lista: Vec<MensagemDto> = match definidas {
        Some(mensagens) => mensagens
            .into_iter()
            .map(|m| {
                let mut dto = mensagem(
                    &m.isn,
                    &m.assunto,
                    "",
                    m.enviada_em.compacta(),
                    if m.lida { "1" } else { "0" },
                    "2",
                );
                dto.valor_parametro_assunto = TextoOuNada(None);
                dto
            })
            .collect(),
        None => vec![
            mensagem(
                "0000000001",
                "Termo de Intimação ++VARIAVEL++",
                "2026/001",
                dia(3),
                "0",
                "2",
            ),
            mensagem(
                "0000000002",
                "Comunicado: DAS de ++VARIAVEL++ disponível",
                "10/2026",
                dia(20),
                "1",
                "1",
            ),
        ],
    };
    let pagina = PaginaCaixaPostal {
        quantidade_mensagens: Some(Texto(lista.len().to_string())),
        indicador_ultima_pagina: dado("S"),
        ponteiro_pagina_retornada: Some(t("00000000000")),
        ponteiro_proxima_pagina: dado("00000000000"),
        cnpj_matriz: Some(t(contribuinte.as_str())),
        lista_mensagens: Some(Lista(lista)),
    };
    let dados = DadosCaixaPostal {
        codigo: Some(t("00")),
        conteudo: Some(Lista(vec![SeObjeto(pagina)])),
    };
    Saida::dto("CAIXAPOSTAL", &dados)
}

mod eventos {
    use super::{Compartilhado, PedidoEventos, Saida, iso, texto};
    use crate::wire::dados::Texto;
    use crate::wire::eventos::{LinhaMatriz, ProtocoloEventosDto};
    use guiche_domain::{Data, Documento};
    use serde_json::Value;

    const EVENTOS: [&str; 3] = ["E0301", "E0601", "E0701"];

    /// Counts one ask of kind `pj` today; the asks left, or `None` when exhausted.
    fn contar(c: &Compartilhado, pj: bool, hoje: Data) -> Option<u32> {
        let mut e = c.estado.lock().ok()?;
        let limite = c.limite_eventos_dia;
        let dia = e.servicos.eventos_dia.get_or_insert((hoje, 0, 0));
        if dia.0 != hoje {
            *dia = (hoje, 0, 0);
        }
        let n = if pj { &mut dia.2 } else { &mut dia.1 };
        if *n >= limite {
            return None;
        }
        *n += 1;
        Some(limite - *n)
    }

    fn aviso(sistema_ok: Saida, restantes: u32) -> Saida {
        Saida {
            codigo: "[Aviso-EVENTOSATUALIZACAO-005]".to_owned(),
            texto: format!("{restantes} requisições restantes para hoje."),
            ..sistema_ok
        }
    }

    fn esgotado() -> Saida {
        Saida::erro(
            429,
            "[Aviso-EVENTOSATUALIZACAO-004]",
            "Limite diário de requisições atingido; tente amanhã.",
        )
    }

    /// `SOLICEVENTOSPF131` / `SOLICEVENTOSPJ132`.
    pub(super) fn solicitar(
        c: &Compartilhado,
        servico: &str,
        contribuintes: &[Documento],
        entrada: &Value,
        hoje: Data,
    ) -> Saida {
        let pj = servico.ends_with("PJ132");
        let evento = texto(entrada, "evento").unwrap_or_default().to_owned();
        if !EVENTOS.contains(&evento.as_str()) {
            return Saida::erro(
                400,
                "[EntradaIncorreta-EVENTOSATUALIZACAO-001]",
                "Evento inválido (E0301, E0601, E0701).",
            );
        }
        let tipo_certo = contribuintes
            .iter()
            .all(|d| matches!(d, Documento::Cnpj(_)) == pj);
        if contribuintes.is_empty() || contribuintes.len() > 1000 || !tipo_certo {
            return Saida::erro(
                400,
                "[EntradaIncorreta-EVENTOSATUALIZACAO-002]",
                "Lista de contribuintes inválida (1 a 1000, todos PF ou todos PJ).",
            );
        }
        let Some(restantes) = contar(c, pj, hoje) else {
            return esgotado();
        };
        let Ok(mut e) = c.estado.lock() else {
            return Saida::erro(500, "[Erro-EVENTOSATUALIZACAO-099]", "Estado.");
        };
        let protocolo = format!(
            "{:08x}-0000-4000-8000-{:012x}",
            e.servicos.eventos.len() + 1,
            hoje.dias_desde_epoca().unsigned_abs()
        );
        e.servicos.eventos.insert(
            protocolo.clone(),
            PedidoEventos {
                contribuintes: contribuintes.to_vec(),
                evento,
            },
        );
        let dados = ProtocoloEventosDto {
            protocolo: Texto(protocolo),
            tempo_espera_medio_em_ms: Texto("50".to_owned()),
            tempo_limite_em_min: Texto("60".to_owned()),
        };
        aviso(Saida::dto("EVENTOSATUALIZACAO", &dados), restantes)
    }

    /// `OBTEREVENTOSPF133` / `OBTEREVENTOSPJ134`: for E0701, the last payment's date
    /// (`AAMMDD`) within 60 days; other events have none in the simulator.
    pub(super) fn obter(c: &Compartilhado, servico: &str, entrada: &Value, hoje: Data) -> Saida {
        let pj = servico.ends_with("PJ134");
        let Some(restantes) = contar(c, pj, hoje) else {
            return esgotado();
        };
        let protocolo = texto(entrada, "protocolo").unwrap_or_default();
        let Ok(e) = c.estado.lock() else {
            return Saida::erro(500, "[Erro-EVENTOSATUALIZACAO-099]", "Estado.");
        };
        let Some(pedido) = e.servicos.eventos.get(protocolo) else {
            return Saida::erro(
                400,
                "[EntradaIncorreta-EVENTOSATUALIZACAO-003]",
                "Protocolo inexistente.",
            );
        };
        let desde = hoje.mais_dias(-60).unwrap_or(hoje);
        let matriz: Vec<LinhaMatriz> = pedido
            .contribuintes
            .iter()
            .map(|d| {
                let ultimo = (pedido.evento == "E0701")
                    .then(|| e.pagamentos.get(d).and_then(Value::as_array))
                    .flatten()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| iso(p, "dataArrecadacao"))
                    .filter(|p| *p >= desde && *p <= hoje)
                    .max();
                let quando = ultimo.map(|p| p.compacta().get(2..).unwrap_or_default().to_owned());
                LinhaMatriz {
                    ni: d.as_str().to_owned(),
                    quando: quando.unwrap_or_default(),
                }
            })
            .collect();
        aviso(Saida::dto("EVENTOSATUALIZACAO", &matriz), restantes)
    }
}
