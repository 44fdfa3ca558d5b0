//! The client on the golden vectors of `tests/vetores`, served byte for byte by a raw TLS
//! server: the request body it sends, and what it reads from each documented answer.

use crate::transporte::{conecta, servidor as tls};
use guiche_conecta::wire::PedidoCpf;
use guiche_conecta::{ErroConecta, SituacaoCadastral, SituacaoCnpj, SituacaoCpf};
use guiche_domain::{Cnpj, Cpf};
use guiche_simulador::bruto::{Servidor, json};

const TOKEN: &str = include_str!("../vetores/token.json");
const PEDIDO_CPF: &str = include_str!("../vetores/pedido-cpf.json");
const RESPOSTA_CPF: &str = include_str!("../vetores/resposta-cpf.json");
const RESPOSTA_CNPJ: &str = include_str!("../vetores/resposta-cnpj-basica.json");
const ERRO_404: &str = include_str!("../vetores/erro-404.json");

/// A server answering the token vector, then `corpo` (with `status`) to the query.
fn servidor(status: &'static str, corpo: &'static str) -> Servidor {
    tls(move |p, _| match p.caminho.as_str() {
        "/oauth2/jwt-token" => json("200 OK", TOKEN),
        _ => json(status, corpo),
    })
}

#[tokio::test]
async fn the_cpf_request_is_the_documented_body_and_its_answer_is_read() {
    let s = servidor("200 OK", RESPOSTA_CPF);
    let cpf = Cpf::parse("12345678909").unwrap();
    let lidos = conecta(&s).consultar_cpf(&[cpf]).await.unwrap();
    assert_eq!(
        lidos,
        [SituacaoCpf {
            cpf,
            nome: Some("FULANO DE TAL".into()),
            situacao: SituacaoCadastral {
                codigo: 0,
                descricao: "Regular".into(),
            },
            nascimento: Some("01011980".into()),
        }]
    );
    let recebidos = s.recebidos();
    let consulta = recebidos
        .iter()
        .find(|r| r.caminho == "/api-cpf-light/v2/consulta/cpf")
        .unwrap();
    assert_eq!(consulta.corpo, PEDIDO_CPF.trim_end());
    let pedido: PedidoCpf = serde_json::from_str(PEDIDO_CPF).unwrap();
    assert_eq!(pedido.lista_cpf, ["12345678909"]);
}

#[tokio::test]
async fn the_recorded_cnpj_answer_is_read_field_by_field() {
    let s = servidor("200 OK", RESPOSTA_CNPJ);
    let cnpj = Cnpj::parse("34238864000168").unwrap();
    let dados = conecta(&s).consultar_cnpj(&cnpj).await.unwrap();
    assert_eq!(dados.cnpj, cnpj);
    assert_eq!(
        dados.razao_social,
        "UHIEQKX WHNHIWD NH FIXKHUUWPHMVX NH NWNXU (UHIFIX)"
    );
    assert_eq!(dados.nome_fantasia.as_deref(), Some("UHIFIX UHNH"));
    assert_eq!(
        dados.situacao,
        Some(SituacaoCnpj {
            codigo: "2".into(),
            descricao: None,
            data: Some("2019-06-19".into()),
        })
    );
    assert_eq!(dados.abertura.as_deref(), Some("1967-06-30"));
    assert_eq!(dados.municipio.as_deref(), Some("BRASILIA"));
    assert_eq!(dados.uf.as_deref(), Some("DF"));
}

#[tokio::test]
async fn the_gateway_error_body_gives_its_message() {
    let s = servidor("404 Not Found", ERRO_404);
    let cnpj = Cnpj::parse("34238864000168").unwrap();
    let r = conecta(&s).consultar_cnpj(&cnpj).await;
    assert_eq!(
        r,
        Err(ErroConecta::NaoEncontrado("CNPJ não encontrado".into()))
    );
}
