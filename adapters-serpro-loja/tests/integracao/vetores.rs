//! The golden vectors (`tests/vetores`, the recorded trial answers) read by the client's DTOs
//! and served byte for byte by the simulator.

use crate::comum::{etiqueta, simulador, trial};
use guiche_domain::{Cnpj, Cpf, Data};
use guiche_loja::wire::{BEARER_TRIAL, TokenDto, caminhos};
use guiche_loja::{ErroLoja, ler_cnpj, ler_cpf};
use guiche_ports::consulta::{DataInformada, NivelCnpj};

const TOKEN: &str = include_str!("../vetores/token.json");
const CPF: &str = include_str!("../vetores/cpf-40442820135.json");
const BASICA: &str = include_str!("../vetores/cnpj-basica-34238864000168.json");
const EMPRESA: &str = include_str!("../vetores/cnpj-empresa-34238864000168.json");
const ERRO_404: &str = include_str!("../vetores/erro-404.txt");

#[test]
fn the_token_vector_reads_with_its_counted_down_life() {
    let t: TokenDto = guiche_http::json::ler(TOKEN).unwrap();
    assert_eq!(t.access_token, "c66a7def1c96f7008a0c397dc588b6d7");
    assert_eq!(t.expires_in, Some(3295));
}

#[test]
fn the_cpf_vector_reads_into_the_ports_record() {
    let d = ler_cpf(CPF, false).unwrap();
    assert_eq!(d.cpf, Cpf::parse("40442820135").unwrap());
    assert_eq!(d.nome, "Nome do CPF 404.428.201-35");
    assert_eq!(d.situacao.codigo, "0");
    assert_eq!(d.situacao.descricao.as_deref(), Some("Regular"));
    assert_eq!(
        d.nascimento,
        Some(DataInformada::Data(Data::new(1970, 11, 14).unwrap()))
    );
    assert_eq!(d.ano_obito, None);
}

#[test]
fn the_recorded_cnpj_vectors_read_at_each_level() {
    let b = ler_cnpj(BASICA, NivelCnpj::Basica, false).unwrap();
    assert_eq!(b.cnpj, Cnpj::parse("34238864000168").unwrap());
    assert_eq!(
        b.razao_social,
        "UHIEQKX WHNHIWD NH FIXKHUUWPHMVX NH NWNXU (UHIFIX)"
    );
    assert_eq!(b.situacao.codigo, "2");
    assert_eq!(b.situacao.descricao.as_deref(), Some("Ativa"));
    assert_eq!(
        b.data_situacao,
        Some(DataInformada::Data(Data::new(2019, 6, 19).unwrap()))
    );
    assert_eq!(b.municipio.as_deref(), Some("BRASILIA"));
    assert_eq!(b.uf.as_deref(), Some("DF"));
    assert_eq!(
        b.natureza_juridica.map(|n| (n.codigo, n.descricao)),
        Some(("2011".into(), Some("Empresa Pública".into())))
    );
    assert!(b.socios.is_empty());
    let e = ler_cnpj(EMPRESA, NivelCnpj::Empresa, false).unwrap();
    assert_eq!(e.socios.len(), 1);
    assert_eq!(e.socios[0].nome, "LUIZA ARAUJO DE OLIVEIRA");
    assert_eq!(e.socios[0].documento.as_deref(), Some("07119488449"));
    assert_eq!(e.socios[0].qualificacao.as_deref(), Some("49"));
}

/// A GET on the simulator with the trial bearer: status, content type, body.
async fn obter(url: &str) -> (u16, String, String) {
    let r = reqwest::Client::new()
        .get(url)
        .bearer_auth(BEARER_TRIAL)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let tipo = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, tipo, r.text().await.unwrap())
}

#[tokio::test]
async fn the_simulator_serves_the_vectors_byte_for_byte() {
    let sim = simulador();
    let ni = "34238864000168";
    let basica = obter(&format!(
        "{}{}",
        sim.url_base(),
        caminhos::cnpj(ni, NivelCnpj::Basica, true)
    ))
    .await;
    assert_eq!((basica.0, basica.2.as_str()), (200, BASICA.trim_end()));
    let empresa = obter(&format!(
        "{}{}",
        sim.url_base(),
        caminhos::cnpj(ni, NivelCnpj::Empresa, true)
    ))
    .await;
    assert_eq!((empresa.0, empresa.2.as_str()), (200, EMPRESA.trim_end()));
    let nenhum = obter(&format!(
        "{}{}",
        sim.url_base(),
        caminhos::cnpj("44356113000108", NivelCnpj::Basica, true)
    ))
    .await;
    assert_eq!(nenhum.0, 404);
    assert!(nenhum.1.starts_with("text/html"), "{}", nenhum.1);
    assert_eq!(nenhum.2, ERRO_404);
    // The CPF answer is written by the simulator from the DTO: the same JSON as the vector.
    let cpf = obter(&format!(
        "{}{}",
        sim.url_base(),
        caminhos::cpf("40442820135", true)
    ))
    .await;
    let lido: serde_json::Value = serde_json::from_str(&cpf.2).unwrap();
    let vetor: serde_json::Value = serde_json::from_str(CPF).unwrap();
    assert_eq!(lido, vetor);
}

#[tokio::test]
async fn the_plain_text_404_is_read_as_not_found_with_the_gateways_words() {
    let sim = simulador();
    let e = trial(&sim)
        .consultar_cnpj(
            &Cnpj::parse("44356113000108").unwrap(),
            NivelCnpj::Basica,
            &etiqueta("t"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        e,
        ErroLoja::NaoEncontrado {
            numero: "44356113000108".into(),
            motivo: "Nenhum registro encontrado.".into()
        }
    );
}
