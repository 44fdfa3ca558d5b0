//! `guiche demo`: what guichê does today, end to end, with no setup and no network.
//!
//! It validates the manuals' own examples offline (the NFD nota and the CONAM pacote), shows
//! how a broken rule is reported, and issues notas through the NFD client against the NFD
//! simulator started in this process, with a ledger in memory: an interrupted send is settled
//! without a second issuance; issues and cancels an NFS-e Nacional at its simulator
//! (`demo_nfse`); and sends the CONAM package to the CONAM simulator, following it
//! to approval; issues a client's DAS through SERPRO Integra Contador, lists its payments, and
//! reconciles its guides in e-CAC (`demo_ecac`).

use crate::erro::{Codigo, ErroApp};
use crate::relogio::RelogioSistema;
use guiche_aplicacao::nfd::emissao::Desfecho;
use guiche_aplicacao::nfd::servico::{OpcoesEmissao, PedidoNota, Resultado};
use guiche_conam::simulador::{ConfigSimulador as ConfigSimuladorConam, SimuladorConam};
use guiche_conam::{ClienteConam, ConfigCliente as ConfigClienteConam, Segredo};
use guiche_domain::Documento;
use guiche_domain::conam::{PacoteBruto, Tabela2};
use guiche_domain::nfd::{ContextoNfd, NotaBruta, Prefeitura, Tag};
use guiche_domain::{Violacao, Violacoes};
use guiche_nfd::simulador::{ConfigSimulador, Falha, SimuladorNfd};
use guiche_nfd::{ClienteNfd, ConfigCliente, Provedor, Senha};
use guiche_ports::Relogio;
use guiche_ports::livro::{Estado, LivroNotas, Sequencia};
use guiche_store::Livro;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const NOTA_MANUAL: &str = include_str!("../../../domain/tests/vetores/nfd-manual.xml");
const PACOTE_MANUAL: &str = include_str!("../../../domain/tests/vetores/conam-manual-1.json");

/// One step of the demonstration and what came of it.
pub(crate) struct Passo {
    pub(crate) sistema: &'static str,
    pub(crate) descricao: &'static str,
    pub(crate) resultado: Result<String, Violacoes>,
}

/// Runs the demonstration.
pub(crate) async fn executar(json: bool) -> Result<Codigo, ErroApp> {
    let mut passos = vec![nfd_manual(), nfd_corrigida()];
    passos.extend(nfd_emissao().await?);
    passos.extend(super::demo_nfse::passos().await?);
    passos.extend([conam_manual(), conam_banco_errado()]);
    passos.extend(conam_envio().await?);
    passos.extend(super::demo_ecac::passos().await?);
    passos.extend(super::demo_consulta::passos().await?);
    if json {
        let v: Vec<Value> = passos.iter().map(passo_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "passos": v })).unwrap_or_default()
        );
    } else {
        imprimir(&passos);
    }
    Ok(Codigo::Ok)
}

fn contexto() -> ContextoNfd<'static> {
    ContextoNfd {
        prefeitura: Prefeitura::buscar("3150"),
        ..ContextoNfd::new(RelogioSistema.hoje())
    }
}

fn nfd_manual() -> Passo {
    let r = NotaBruta::de_xml(NOTA_MANUAL).and_then(|b| b.validar(&contexto()));
    Passo {
        sistema: "NFD",
        descricao: "exemplo do manual, Rio das Pedras/SP (3150)",
        resultado: r.map(|n| format!("nota nº {:?} válida", n.numero())),
    }
}

fn nfd_corrigida() -> Passo {
    let r = NotaBruta::de_xml(NOTA_MANUAL)
        .map(|b| b.com(Tag::TomadorDocumento, "52998224725"))
        .and_then(|b| b.validar(&contexto()));
    Passo {
        sistema: "NFD",
        descricao: "o mesmo exemplo com um CPF válido no tomador",
        resultado: r.map(|n| {
            let numero = n.numero().map_or_else(String::new, |x| x.to_string());
            format!("nota nº {numero} válida, {}", n.valores().total)
        }),
    }
}

/// Issues three notas against the simulator; the second one's reply is lost.
async fn nfd_emissao() -> Result<Vec<Passo>, ErroApp> {
    let falha = |e: &dyn std::fmt::Display| ErroApp::Uso(format!("demonstração: {e}"));
    let sim = SimuladorNfd::iniciar(ConfigSimulador::default()).map_err(|e| falha(&e))?;
    let prestador = "21118045000135";
    sim.cadastrar_prestador(prestador, "fiscalb", &["3150"]);
    let livro = Arc::new(Livro::em_memoria().map_err(|e| falha(&e))?);
    let provedor = Provedor::da_prefeitura("3150")
        .cloned()
        .ok_or_else(|| falha(&"perfil 3150"))?;
    let cliente = ClienteNfd::new(ConfigCliente {
        provedor,
        endpoint: Some(sim.url()),
        senha: Senha::new("fiscalb"),
        timeout: Duration::from_secs(5),
        http_inseguro: false,
    })
    .map_err(|e| falha(&e))?;
    let prefeitura = Prefeitura::buscar("3150").ok_or_else(|| falha(&"prefeitura 3150"))?;
    let sequencia = Sequencia {
        prestador: Documento::parse(prestador).map_err(|e| falha(&e))?,
        prefeitura: "3150".into(),
    };
    let nfd = crate::composicao::nfd_com(livro.clone(), Arc::new(cliente));
    let mut passos = Vec::new();
    let descricoes = [
        (
            "nota nº 6053 enviada ao simulador NFD (Rio das Pedras/SP)",
            "6053",
            None,
        ),
        (
            "nota seguinte, número atribuído pelo livro; o simulador emite mas a conexão cai antes da resposta",
            "",
            Some(Falha::Reset),
        ),
        (
            "mais uma nota: antes dela, a pendente é reenviada e o serviço diz que já consta",
            "",
            None,
        ),
    ];
    for (i, (descricao, numero, falha_injetada)) in descricoes.into_iter().enumerate() {
        if let Some(f) = falha_injetada {
            sim.injetar(f);
        }
        let bruta = NotaBruta::de_xml(NOTA_MANUAL)
            .map_err(|v| falha(&v))?
            .com(Tag::TomadorDocumento, "52998224725")
            .com(Tag::NumeroNota, numero)
            .com(
                Tag::DescricaoServicos,
                format!("SERVIÇO DE DEMONSTRAÇÃO {}", i + 1),
            );
        let pedido = PedidoNota {
            arquivo: format!("demonstracao-{}.xml", i + 1),
            prefeitura,
            prestador: sequencia.prestador,
            conteudo: Ok(Arc::from(bruta.para_xml().into_bytes())),
        };
        let relato = nfd
            .enviar(pedido, OpcoesEmissao::default())
            .await
            .map_err(|e| falha(&e))?;
        let resultado = match relato.resultado {
            Resultado::Desfecho(d) => desfecho(&d),
            _ => return Err(falha(&relato.mensagem)),
        };
        passos.push(Passo {
            sistema: "NFD",
            descricao,
            resultado: Ok(resultado),
        });
    }
    let pendente = livro.por_numero(&sequencia, 6054).map_err(|e| falha(&e))?;
    let situacao = match pendente.map(|r| r.estado) {
        Some(Estado::Aceita { codigo: None }) => {
            "nota nº 6054 confirmada como emitida: reenviada antes da 6055, o serviço respondeu \"já consta\"".to_owned()
        }
        outro => format!("nota nº 6054 em estado inesperado: {outro:?}"),
    };
    passos.push(Passo {
        sistema: "NFD",
        descricao: "a nota interrompida, no livro",
        resultado: Ok(situacao),
    });
    let emitidas: Vec<String> = sim
        .emitidas(prestador, "3150")
        .iter()
        .map(|n| n.numero.to_string())
        .collect();
    let final_ = format!(
        "o simulador emitiu as notas {}: cada número exatamente uma vez",
        emitidas.join(", ")
    );
    passos.push(Passo {
        sistema: "NFD",
        descricao: "conferência no simulador",
        resultado: Ok(final_),
    });
    sim.parar().await;
    Ok(passos)
}

fn desfecho(d: &Desfecho) -> String {
    match d {
        Desfecho::Emitida {
            numero,
            codigo: Some(c),
            ..
        } => format!("nota nº {numero} emitida — código {c}"),
        Desfecho::Emitida {
            numero,
            codigo: None,
            ..
        } => {
            format!(
                "nota nº {numero} confirmada como emitida (o serviço respondeu que já constava)"
            )
        }
        Desfecho::Desconhecida { numero, .. } => {
            format!(
                "nota nº {numero}: resultado desconhecido, fica pendente no livro (no `guiche nfd send`, código de saída 3)"
            )
        }
        outro => format!("{outro:?}"),
    }
}

/// Sends the manual's package to the CONAM simulator through the CONAM service, with a ledger
/// in memory, and follows it to approval.
async fn conam_envio() -> Result<Vec<Passo>, ErroApp> {
    let falha = |e: &dyn std::fmt::Display| ErroApp::Uso(format!("demonstração: {e}"));
    let sim = SimuladorConam::iniciar(ConfigSimuladorConam::default()).map_err(|e| falha(&e))?;
    sim.cadastrar_cliente("USUARIO", "SENHA", &["1"]);
    let cliente = ClienteConam::new(ConfigClienteConam::new(
        &sim.base(),
        &sim.url_token(),
        "USUARIO",
        Segredo::new("SENHA"),
    ))
    .map_err(|e| falha(&e))?;
    let livro = Arc::new(Livro::em_memoria().map_err(|e| falha(&e))?);
    let conam = crate::composicao::conam_com(cliente, livro, &sim.base())?;
    let pacote = PacoteBruto::de_json(PACOTE_MANUAL)
        .and_then(|b| b.validar(Tabela2::oficial()))
        .map_err(|v| falha(&v))?;
    let mut passos = Vec::new();
    let periodo = conam
        .consultas()
        .periodo("1", 2022, 7)
        .await
        .map_err(|e| falha(&e))?;
    let periodo = if periodo.aberto {
        "período 07/2022 da entidade 1 aberto"
    } else {
        "período fechado"
    };
    passos.push(Passo {
        sistema: "CONAM",
        descricao: "período do movimento, no simulador da CONAM",
        resultado: Ok(periodo.into()),
    });
    let r = conam
        .enviar(&pacote, false, &|| {})
        .await
        .map_err(|e| falha(&e))?;
    passos.push(Passo {
        sistema: "CONAM",
        descricao: "pacote 1 enviado, o documento exato gravado no livro antes de sair",
        resultado: Ok(r.frase),
    });
    sim.aprovar(1);
    let r = conam.situacao(1).await.map_err(|e| falha(&e))?;
    passos.push(Passo {
        sistema: "CONAM",
        descricao: "a contabilidade avalia (operador do simulador); a situação consultada fica no livro",
        resultado: Ok(r.frase),
    });
    sim.parar().await;
    Ok(passos)
}

fn conam_manual() -> Passo {
    let r = PacoteBruto::de_json(PACOTE_MANUAL).and_then(|b| b.validar(Tabela2::oficial()));
    Passo {
        sistema: "CONAM",
        descricao: "pacote do exemplo do manual",
        resultado: r.map(|p| {
            format!(
                "pacote {} válido, {} movimento(s)",
                p.id_pacote(),
                p.movimentos().len()
            )
        }),
    }
}

fn conam_banco_errado() -> Passo {
    let json = r#"{"codEntidade":"1","anoExercicio":2022,"idPacote":2,"empresaEnvio":"CONAM",
      "dataMovimento":"01/07/2022","dataExportacao":"01/07/2022","usuarioExportacao":"conam@conam.com.br",
      "movimentos":[
        {"tipoMovimento":"R","codigoConta":"1.1.1.2.50.0.1.0001","dataMovimentoOriginal":"","tipoLancamento":"12-01-000",
         "contaCredito":"03349","valor":100.50,"dataLancamento":"01/07/2022","historicoLancamento":"IPTU"},
        {"tipoMovimento":"B","codigoConta":"1.1.1.1.1","dataMovimentoOriginal":"","tipoLancamento":"12-01-000",
         "contaCredito":"03349","valor":100.49,"dataLancamento":"01/07/2022","historicoLancamento":"banco"}]}"#;
    let r = PacoteBruto::de_json(json).and_then(|b| b.validar(Tabela2::oficial()));
    Passo {
        sistema: "CONAM",
        descricao: "arrecadação de R$ 100,50 com movimento B de R$ 100,49",
        resultado: r.map(|p| format!("pacote {} válido", p.id_pacote())),
    }
}

fn imprimir(passos: &[Passo]) {
    println!("guichê — demonstração sem configuração e sem rede (simuladores neste processo)\n");
    for p in passos {
        println!("{} · {}", p.sistema, p.descricao);
        match &p.resultado {
            Ok(frase) => println!("  ✓ {frase}"),
            Err(v) => v.iter().for_each(linha),
        }
        println!();
    }
    println!("Resumo:");
    for sistema in ["NFD", "NFS-e", "CONAM", "SERPRO", "e-CAC"] {
        let deste: Vec<&Passo> = passos.iter().filter(|p| p.sistema == sistema).collect();
        let recusados = deste.iter().filter(|p| p.resultado.is_err()).count();
        let recusa = if recusados > 0 {
            format!(", {recusados} recusado(s) de propósito pelas regras")
        } else {
            String::new()
        };
        println!("  {sistema:<7} {} passo(s){recusa}", deste.len());
    }
    println!(
        "\nTudo contra simuladores neste processo e um livro em memória: nada foi gravado em disco."
    );
}

fn linha(v: &Violacao) {
    println!(
        "  ✗ {}: {} (valor: {:?}) [{}]",
        v.campo, v.mensagem, v.valor, v.regra
    );
}

fn passo_json(p: &Passo) -> Value {
    let violacoes: Vec<Value> = match &p.resultado {
        Ok(_) => Vec::new(),
        Err(v) => v
            .iter()
            .map(|x| json!({"campo": x.campo, "regra": x.regra.codigo(), "mensagem": x.mensagem, "valor": x.valor}))
            .collect(),
    };
    json!({
        "sistema": p.sistema,
        "descricao": p.descricao,
        "valido": p.resultado.is_ok(),
        "resultado": p.resultado.as_ref().ok(),
        "violacoes": violacoes,
    })
}
