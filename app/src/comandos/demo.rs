//! `guiche demo`: what guichê does today, end to end, with no setup and no network.
//!
//! Today it validates the manuals' own examples offline (the NFD nota and the CONAM pacote)
//! and shows how a broken rule is reported. The issuing, sending and reconciliation flows
//! join it as their adapters and simulators land.

use crate::erro::{Codigo, ErroApp};
use crate::relogio::RelogioSistema;
use guiche_domain::conam::{PacoteBruto, Tabela2};
use guiche_domain::nfd::{ContextoNfd, NotaBruta, Prefeitura, Tag};
use guiche_domain::{Violacao, Violacoes};
use guiche_ports::Relogio;
use serde_json::{Value, json};

const NOTA_MANUAL: &str = include_str!("../../../domain/tests/vetores/nfd-manual.xml");
const PACOTE_MANUAL: &str = include_str!("../../../domain/tests/vetores/conam-manual-1.json");

struct Passo {
    sistema: &'static str,
    descricao: &'static str,
    resultado: Result<String, Violacoes>,
}

/// Runs the demonstration.
pub(crate) fn executar(json: bool) -> Result<Codigo, ErroApp> {
    let passos = [
        nfd_manual(),
        nfd_corrigida(),
        conam_manual(),
        conam_banco_errado(),
    ];
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
    println!("guichê — demonstração offline (validação pelas regras dos manuais)\n");
    for p in passos {
        println!("{} · {}", p.sistema, p.descricao);
        match &p.resultado {
            Ok(frase) => println!("  ✓ {frase}"),
            Err(v) => v.iter().for_each(linha),
        }
        println!();
    }
    println!("SERPRO, Conecta gov.br e e-CAC: chegam com seus adaptadores e simuladores.");
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
