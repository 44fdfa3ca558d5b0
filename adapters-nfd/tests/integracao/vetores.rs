//! The client on the golden vectors of `tests/vetores`, over a real socket against a raw server
//! (`guiche_simulador::bruto`): the manual's request is what it puts on the wire, byte for byte,
//! and each reply in the `.asmx` shape reads as the answer it carries. The simulator is held to
//! the same bytes in `simulador.rs`.

use guiche_domain::Documento;
use guiche_nfd::wire::{self, JA_CONSTA};
use guiche_nfd::{ClienteNfd, ConfigCliente, Provedor, Senha};
use guiche_ports::emissor::{EmissorNotas, Envio, Resposta};
use guiche_simulador::bruto::{Servidor, resposta};
use std::time::Duration;

const PEDIDO_MANUAL: &str = include_str!("../vetores/pedido-manual.xml");
const RESPOSTA_ENVIAR_NOTA: &str = include_str!("../vetores/resposta-enviar-nota.xml");
const RESPOSTA_DUPLICADA: &str = include_str!("../vetores/resposta-duplicada.xml");
const RESPOSTA_URL: &str = include_str!("../vetores/resposta-url.xml");

/// A server answering `corpo` to every request, as an `.asmx` service does.
fn servidor(corpo: &'static str) -> Servidor {
    Servidor::iniciar(move |_, _| {
        resposta(
            "200 OK",
            "Content-Type: text/xml; charset=utf-8\r\n",
            corpo.as_bytes(),
        )
    })
    .unwrap()
}

/// The client and the envio of the manual's request (its prefeitura, prestador, password and
/// nota), sent to `s`.
fn do_manual(s: &Servidor, url_impressao: bool) -> (ClienteNfd, Envio) {
    let manual = wire::ler_pedido(PEDIDO_MANUAL).unwrap();
    let cliente = ClienteNfd::new(ConfigCliente {
        provedor: Provedor::da_prefeitura(&manual.cod_prefeitura)
            .unwrap()
            .clone(),
        endpoint: Some(s.url("/wsnfd/ServicoNfd.asmx")),
        senha: Senha::new(manual.senha.expor()),
        timeout: Duration::from_secs(5),
        http_inseguro: false,
    })
    .unwrap();
    let envio = Envio {
        prefeitura: manual.cod_prefeitura,
        prestador: Documento::parse(&manual.cnpj_prestador).unwrap(),
        documento: manual.nota_fiscal,
        url_impressao,
    };
    (cliente, envio)
}

#[tokio::test]
async fn the_manuals_request_is_sent_byte_for_byte_and_its_answer_read() {
    let s = servidor(RESPOSTA_ENVIAR_NOTA);
    let (cliente, envio) = do_manual(&s, false);
    assert_eq!(
        cliente.enviar(&envio).await,
        Ok(Resposta::Aceita {
            codigo: "MOPD33J.POA234J.OI5WR465.098KJDDW".into()
        })
    );
    let recebidos = s.recebidos();
    assert_eq!(recebidos.len(), 1);
    assert_eq!(recebidos[0].corpo, PEDIDO_MANUAL);
}

#[tokio::test]
async fn the_duplicate_reply_is_a_nota_already_issued() {
    let s = servidor(RESPOSTA_DUPLICADA);
    let (cliente, envio) = do_manual(&s, false);
    assert_eq!(
        cliente.enviar(&envio).await,
        Ok(Resposta::JaEmitida {
            mensagem: JA_CONSTA.into()
        })
    );
}

#[tokio::test]
async fn the_print_url_reply_gives_the_url_unescaped() {
    let s = servidor(RESPOSTA_URL);
    let (cliente, envio) = do_manual(&s, true);
    assert_eq!(
        cliente.enviar(&envio).await,
        Ok(Resposta::Aceita {
            codigo: "http://www.brgov.com.br/nfd2010/WebPages/Nfd/Usuarios/NotaFiscalImpressao.aspx?p=9999&a=MOO5D33JPOA2378TROI5WR465098KJDFRT&n=99".into()
        })
    );
    let recebido = s.recebidos().pop().unwrap();
    assert!(
        recebido.corpo.contains("<EnviarNotaRetornaurlNota "),
        "{}",
        recebido.corpo
    );
}

/// Every file in `tests/vetores` is named by a test (here, the other test files, or the unit
/// tests of `wire` and `cliente`): a vector nobody reads tests nothing.
#[test]
fn every_golden_vector_is_read_by_a_test() {
    let raiz = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut fontes = String::new();
    for arquivo in ["src/wire.rs", "src/cliente.rs"] {
        fontes += &std::fs::read_to_string(raiz.join(arquivo)).unwrap();
    }
    for e in std::fs::read_dir(raiz.join("tests/integracao")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "rs") {
            fontes += &std::fs::read_to_string(p).unwrap();
        }
    }
    let mut orfaos = Vec::new();
    for e in std::fs::read_dir(raiz.join("tests/vetores")).unwrap() {
        let nome = e.unwrap().file_name().into_string().unwrap();
        if nome != "README.md" && !fontes.contains(&format!("vetores/{nome}\"")) {
            orfaos.push(nome);
        }
    }
    assert!(orfaos.is_empty(), "vetores que nenhum teste lê: {orfaos:?}");
}
