//! The SERPRO and e-CAC part of `guiche demo`: an accounting office (its e-CNPJ issued by the
//! simulator's test CA) issues a client's DAS through Integra Contador, lists the client's
//! payments, and reconciles the client's guides against them, reading the client's CND and
//! e-CAC mailbox on the way (once a day: the repeated sync bills neither again) — all against
//! the SERPRO simulators started in this process and a ledger in memory.

use super::demo::Passo;
use crate::composicao;
use crate::erro::ErroApp;
use crate::relogio::RelogioSistema;
use guiche_aplicacao::ecac::acompanhamento::{Acompanhamento, CriarConsulta};
use guiche_aplicacao::ecac::baixa::{Baixa, ResumoBaixa, SincronizacaoEmpresa};
use guiche_aplicacao::ecac::central::ConsultaOcorrencias;
use guiche_domain::conciliacao::Agrupamento;
use guiche_domain::guia::{CodigoReceita, Guia, NumeroDocumento, TipoGuia};
use guiche_domain::{Cnpj, Competencia, Data, Documento, Valor};
use guiche_loja::simulador::{ConfigSimuladorLoja, SimuladorLoja};
use guiche_ports::Relogio;
use guiche_ports::consulta::SituacaoCnd;
use guiche_ports::ecac::{Acesso, Empresa, LivroEcac, OrigemGuia};
use guiche_ports::receita::Das;
use guiche_serpro::ClienteIntegra;
use guiche_serpro::certificado::{Certificado, Senha};
use guiche_serpro::fonte::PagamentosIntegra;
use guiche_serpro::simulador::{ConfigSimulador, SimuladorIntegra};
use guiche_store::Livro;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const ESCRITORIO: &str = "11222333000181";
const CLIENTE: &str = "11444777000161";
/// A payment of a guide the office did not issue through guichê.
const AVULSO: &str = "07202600000000777";
/// An imported DARF nobody paid.
const DARF_ABERTO: &str = "07202600000000555";

fn falha(e: &dyn std::fmt::Display) -> ErroApp {
    ErroApp::Uso(format!("demonstração: {e}"))
}

fn dias(hoje: Data, n: i64) -> Data {
    hoje.mais_dias(n).unwrap_or(hoje)
}

/// The simulator, with the office registered and the client's procuração granted.
fn simulador() -> Result<SimuladorIntegra, ErroApp> {
    let sim = SimuladorIntegra::iniciar(ConfigSimulador::default()).map_err(|e| falha(&e))?;
    sim.cadastrar_consumidor("chave-demo", "segredo-demo");
    sim.conceder_procuracao(documento(ESCRITORIO)?, documento(CLIENTE)?);
    Ok(sim)
}

fn documento(texto: &str) -> Result<Documento, ErroApp> {
    Documento::parse(texto).map_err(|e| falha(&e))
}

/// The client's payments: the DAS just issued, paid on its due date (or yesterday if that is
/// still ahead), and a payment of a guide guichê does not know.
fn definir_pagamentos(sim: &SimuladorIntegra, das: &Das, hoje: Data) -> Result<(), ErroApp> {
    let pago = |numero: &str, dia: Data, valor: &str| {
        let valor: serde_json::Number = valor.parse().unwrap_or_else(|_| 0.into());
        json!({ "numeroDocumento": numero, "dataArrecadacao": format!("{}T00:00:00-03:00", dia.iso()),
                "valorTotal": valor, "receitaPrincipal": { "codigo": "1001", "extensaoReceita": null } })
    };
    let dia = das.vencimento.min(dias(hoje, -1));
    sim.definir_pagamentos(
        documento(CLIENTE)?,
        json!([
            pago(
                &das.numero.as_digitos(),
                dia,
                &das.valor_total.decimal().to_string()
            ),
            pago(AVULSO, dias(hoje, -3), "250.00"),
        ]),
    );
    Ok(())
}

fn cliente_integra(sim: &SimuladorIntegra) -> Result<ClienteIntegra, ErroApp> {
    let cnpj = Cnpj::parse(ESCRITORIO).map_err(|e| falha(&e))?;
    let p12 = sim
        .emitir_pkcs12("ESCRITORIO DEMO", &cnpj, Duration::from_secs(3600), "demo")
        .map_err(|e| falha(&e))?;
    let certificado = Certificado::abrir(&p12, &Senha::new("demo")).map_err(|e| falha(&e))?;
    let config = sim.config_cliente(
        "chave-demo",
        "segredo-demo",
        certificado,
        Duration::from_secs(10),
    );
    ClienteIntegra::new(config).map_err(|e| falha(&e))
}

/// An overdue DARF imported from the office's spreadsheet.
fn darf_importado(hoje: Data) -> Result<Guia, ErroApp> {
    let vencimento = dias(hoje, -40);
    Ok(Guia {
        tipo: TipoGuia::Darf,
        numero: NumeroDocumento::parse(DARF_ABERTO).map_err(|e| falha(&e))?,
        contribuinte: Documento::parse(CLIENTE).map_err(|e| falha(&e))?,
        codigo_receita: CodigoReceita::new(1708, None),
        periodo: Competencia::de(dias(vencimento, -30)),
        vencimento,
        valor: Valor::from_centavos(48_000),
        codigo_barras: None,
    })
}

/// Runs the SERPRO and e-CAC steps.
pub(crate) async fn passos() -> Result<Vec<Passo>, ErroApp> {
    let hoje = RelogioSistema.hoje();
    let cnpj = Cnpj::parse(CLIENTE).map_err(|e| falha(&e))?;
    let sim = simulador()?;
    let cliente = Arc::new(cliente_integra(&sim)?);
    let livro: composicao::Livros = Arc::new(Livro::em_memoria().map_err(|e| falha(&e))?);
    let mut passos = Vec::new();
    let periodo = Competencia::de(dias(hoje, -35));
    // The same service as `guiche serpro das|pagamentos`, over the simulator's client: the DAS
    // is recorded in the e-CAC ledger by the service.
    let integra = composicao::integra_com(Arc::clone(&cliente), Arc::clone(&livro));
    let emitidos = integra
        .das(cnpj, periodo, false)
        .await
        .map_err(|e| falha(&e))?;
    for d in &emitidos.das {
        if let Some(aviso) = &d.aviso_livro {
            return Err(falha(aviso));
        }
        definir_pagamentos(&sim, &d.das, hoje)?;
        let g = &d.das;
        passos.push(Passo {
            sistema: "SERPRO",
            descricao: "DAS do cliente emitido pelo escritório (mTLS com e-CNPJ, procuração no e-CAC)",
            resultado: Ok(format!(
                "DAS {} de {}: {} com vencimento em {}; registrado no livro do e-CAC",
                g.numero, g.periodo, g.valor_total, g.vencimento
            )),
        });
    }
    let pagos: Vec<_> = integra
        .pagamentos(Documento::Cnpj(cnpj), dias(hoje, -60), hoje)
        .await
        .map_err(|e| falha(&e))?
        .pagamentos
        .into_iter()
        .map(|p| p.pagamento)
        .collect();
    let total = pagos
        .iter()
        .fold(Valor::default(), |s, p| s + p.valor_total);
    passos.push(Passo {
        sistema: "SERPRO",
        descricao: "pagamentos do cliente nos últimos 60 dias (PAGTOWEB)",
        resultado: Ok(format!(
            "{} pagamento(s), total {total}; {} chamada(s) bilhetada(s) no SERPRO",
            pagos.len(),
            sim.bilhetadas()
        )),
    });
    passos.extend(ecac(&livro, &cliente, hoje).await?);
    Ok(passos)
}

/// The sync of `empresa` as `guiche ecac sync --empresa` runs it (CND and mailbox included).
async fn sincronizada(baixa: &Baixa, empresa: &Empresa) -> Result<ResumoBaixa, ErroApp> {
    let feita = baixa
        .sincronizar_empresas(Some(&empresa.cnpj))
        .await
        .map_err(|e| falha(&e))?;
    match feita.empresas.into_iter().next() {
        Some(SincronizacaoEmpresa::Feita(r)) => Ok(r),
        Some(SincronizacaoEmpresa::Falhou { erro, .. }) => Err(falha(&erro.mensagem)),
        Some(SincronizacaoEmpresa::Pulada { pulada, .. }) => Err(falha(&pulada)),
        None => Err(falha(&"a empresa não foi sincronizada")),
    }
}

async fn ecac(
    livro: &composicao::Livros,
    cliente: &Arc<ClienteIntegra>,
    hoje: Data,
) -> Result<Vec<Passo>, ErroApp> {
    let empresa = Empresa {
        cnpj: Cnpj::parse(CLIENTE).map_err(|e| falha(&e))?,
        nome: "Padaria Pão de Ló".into(),
        ecac_desde: Some(dias(hoje, -90)),
        acesso: Acesso::CertificadoA1,
        certificado_procurador: true,
    };
    let central = composicao::central_ecac_em(Arc::clone(livro) as Arc<dyn LivroEcac>);
    central.cadastrar_empresa(&empresa).map_err(|e| falha(&e))?;
    // The office's spreadsheet, as `guiche ecac guides import` would have read it.
    livro
        .registrar_guia(&darf_importado(hoje)?, OrigemGuia::Importacao)
        .map_err(|e| falha(&e))?;
    // The CND through SERPRO's commercial API (its simulator here), the mailbox through
    // Integra Contador: what `guiche ecac sync` reads beside the payments.
    let loja = SimuladorLoja::iniciar(ConfigSimuladorLoja::default()).map_err(|e| falha(&e))?;
    loja.cadastrar_consumidor("chave-demo", "segredo-demo");
    loja.definir_cnd(
        &Documento::Cnpj(empresa.cnpj),
        SituacaoCnd::Negativa,
        Some(dias(hoje, 150)),
    );
    let (url_loja, livro_loja) = (loja.url_base(), Arc::clone(livro));
    let consulta: CriarConsulta = Arc::new(move || {
        composicao::consulta_no_simulador(&url_loja, Arc::clone(&livro_loja))
            .map_err(|e| e.to_string())
    });
    let caixa_postal = Arc::new(PagamentosIntegra::new(
        Arc::clone(cliente),
        Arc::new(RelogioSistema),
    ));
    let baixa =
        composicao::baixa_ecac_em(Arc::clone(livro) as Arc<dyn LivroEcac>, Arc::clone(cliente))
            .acompanhando(Acompanhamento::new(consulta, caixa_postal));
    let primeira = sincronizada(&baixa, &empresa).await?;
    let consulta = ConsultaOcorrencias {
        empresa: None,
        historico: None,
        agrupar: Agrupamento::Ocorrencia,
        ocorrencia: None,
        periodo: None,
    };
    let mut contagem: BTreeMap<String, usize> = BTreeMap::new();
    for g in central
        .ocorrencias(&consulta)
        .map_err(|e| falha(&e))?
        .grupos
    {
        *contagem.entry(g.grupo).or_default() += g.ocorrencias.len();
    }
    let resumo: Vec<String> = contagem.iter().map(|(d, n)| format!("{d}: {n}")).collect();
    let segunda = sincronizada(&baixa, &empresa).await?;
    let lido = |r: &ResumoBaixa| {
        (
            r.cnd.clone().unwrap_or_default(),
            r.caixa_postal.clone().unwrap_or_default(),
        )
    };
    let ((cnd, caixa), (cnd_de_novo, caixa_de_novo)) = (lido(&primeira), lido(&segunda));
    Ok(vec![
        Passo {
            sistema: "e-CAC",
            descricao: "empresa com certificado A1 (de procurador); 1 DAS emitido e 1 DARF importado no livro",
            resultado: Ok(format!(
                "baixa automática: {} pagamento(s) buscado(s), {} guia(s) baixada(s); CND {cnd}; \
                 caixa postal (DTE): {caixa}",
                primeira.pagamentos_recebidos, primeira.guias_baixadas
            )),
        },
        Passo {
            sistema: "e-CAC",
            descricao: "ocorrências registradas com histórico",
            resultado: Ok(resumo.join("; ")),
        },
        Passo {
            sistema: "e-CAC",
            descricao: "sincronização repetida",
            resultado: Ok(format!(
                "{} pagamento(s) novo(s), {} ocorrência(s) nova(s), {} baixa(s): nada muda; CND \
                 {cnd_de_novo}, caixa postal {caixa_de_novo}: nada bilhetado de novo",
                segunda.pagamentos_novos, segunda.ocorrencias_novas, segunda.guias_baixadas
            )),
        },
    ])
}
