//! The demo's NFS-e Nacional: the example DPS signed with the prestador's e-CNPJ, issued
//! exactly once at the SEFIN Nacional simulator over mTLS through the ledger (in memory) with
//! its reply lost on purpose and settled by the DPS Id, then cancelled with the signed event —
//! the same use case and client as `guiche nfse send` and `cancel`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::demo::Passo;
use crate::erro::ErroApp;
use guiche_aplicacao::nfse::emissao::{Desfecho, EmissaoNfse};
use guiche_aplicacao::nfse::validacao::validar_dps;
use guiche_certificados::nfse::{assinar_dps, assinar_pedido_evento};
use guiche_domain::nfse::evento::{MotivoCancelamento, PedidoEvento};
use guiche_domain::nfse::{Ambiente, ChaveAcesso};
use guiche_nfse::simulador::{ConfigSimuladorNfse, FalhaNfse, SimuladorNfse};
use guiche_nfse::{ClienteNfse, ConfigNfse};

const DPS: &[u8] = include_bytes!("../../../exemplos/nfse/dps.json");

fn falha(e: &dyn std::fmt::Display) -> ErroApp {
    ErroApp::Configuracao(format!("demo: {e}"))
}

/// The NFS-e steps.
pub(crate) async fn passos() -> Result<Vec<Passo>, ErroApp> {
    let sim = SimuladorNfse::iniciar(ConfigSimuladorNfse::default()).map_err(|e| falha(&e))?;
    let dps = validar_dps(DPS).map_err(|v| falha(&format!("{} violação(ões)", v.len())))?;
    let certificado = sim
        .certificado_prestador(&dps.prestador().inscricao)
        .map_err(|e| falha(&e))?;
    let assinada = assinar_dps(&certificado, &dps, SystemTime::now()).map_err(|e| falha(&e))?;
    let cliente = ClienteNfse::new(ConfigNfse {
        url_sefin: sim.url_sefin(),
        url_parametros: sim.url_parametros(),
        certificado: certificado.clone(),
        ca_extra_pem: Some(sim.ca_pem()),
        timeout: Duration::from_secs(10),
    })
    .map_err(|e| falha(&e))?;
    let emissao = EmissaoNfse {
        livro: Arc::new(guiche_store::Livro::em_memoria().map_err(|e| falha(&e))?),
        emissor: Arc::new(cliente.clone()),
        espera_vez: Duration::from_secs(30),
    };
    // SEFIN issues it and the reply is lost: settled by the DPS Id, then sent "again".
    sim.injetar(FalhaNfse::PerderResposta);
    let primeira = emissao
        .emitir(&dps, &assinada)
        .await
        .map_err(|e| falha(&e))?;
    let segunda = emissao
        .emitir(&dps, &assinada)
        .await
        .map_err(|e| falha(&e))?;
    let emitidas = sim.emitidas().len();
    let chave = match (&primeira, &segunda) {
        (Desfecho::Emitida { chave: Some(a), .. }, Desfecho::Emitida { chave: Some(b), .. })
            if a == b && emitidas == 1 =>
        {
            a.clone()
        }
        _ => {
            return Err(falha(&format!(
                "esperava uma NFS-e: {primeira:?}, {segunda:?}, {emitidas} emitida(s)"
            )));
        }
    };
    let emitida = Passo {
        sistema: "NFS-e",
        descricao: "DPS do exemplo emitida na SEFIN Nacional (mTLS com o e-CNPJ do prestador; resposta perdida de propósito)",
        resultado: Ok(format!(
            "chave de acesso {chave}: a resposta perdida foi conferida pelo Id da DPS e o reenvio respondido pelo livro; 1 NFS-e emitida"
        )),
    };
    let chave_acesso = ChaveAcesso::parse(&chave).map_err(|e| falha(&e))?;
    let pedido = PedidoEvento::cancelamento(
        Ambiente::Homologacao,
        "guiche-demo",
        dps.emissao(),
        dps.prestador().inscricao,
        chave_acesso,
        MotivoCancelamento::ServicoNaoPrestado,
        "Serviço não foi prestado ao tomador",
    )
    .map_err(|v| falha(&format!("{} violação(ões)", v.len())))?;
    let assinado =
        assinar_pedido_evento(&certificado, &pedido, SystemTime::now()).map_err(|e| falha(&e))?;
    let registrado = cliente
        .registrar_evento(&chave_acesso, &assinado)
        .await
        .map_err(|e| falha(&e))?;
    let cancelada = sim
        .emitidas()
        .first()
        .is_some_and(|n| n.cancelamento.is_some());
    if registrado.is_none() || !cancelada {
        return Err(falha(&"o simulador não registrou o cancelamento"));
    }
    let cancelamento = Passo {
        sistema: "NFS-e",
        descricao: "a NFS-e cancelada (evento 101101 assinado, Id PRE + chave + tipo)",
        resultado: Ok(format!(
            "evento {} registrado: NFS-e cancelada",
            pedido.id()
        )),
    };
    Ok(vec![emitida, cancelamento])
}
