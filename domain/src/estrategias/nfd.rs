//! Strategies that generate notas passing every NFD rule, and single-field corruptions.

use crate::nfd::{NotaBruta, Prefeitura, RegraAtividade, Tag, prefeituras};
use crate::{Data, Valor, municipio};
use proptest::prelude::*;

/// Any shipped municipality profile.
pub fn prefeitura() -> impl Strategy<Value = &'static Prefeitura> {
    prop::sample::select(prefeituras().iter().collect::<Vec<_>>())
}

/// Any municipality of the official list.
pub fn codigo_ibge() -> impl Strategy<Value = String> {
    prop::sample::select(
        municipio::municipios()
            .iter()
            .map(|m| m.ibge.to_string())
            .collect::<Vec<_>>(),
    )
}

/// A date from 01/01/2000 up to `ate`.
pub fn data_ate(ate: Data) -> impl Strategy<Value = Data> {
    let inicio = Data::new(2000, 1, 1).map_or(0, |d| d.dias_desde_epoca());
    (inicio..=ate.dias_desde_epoca())
        .prop_filter_map("data fora da faixa", Data::from_dias_desde_epoca)
}

/// Free text with accents, XML-special characters and `\r\n` line breaks: at most `linhas`
/// lines of 1 to `largura` characters.
pub fn texto(linhas: usize, largura: usize) -> impl Strategy<Value = String> {
    let caracteres: Vec<char> = "abcXYZ019 çãéÍõ&<>\"'/.,;:()-]]>".chars().collect();
    let linha = prop::collection::vec(prop::sample::select(caracteres), 1..=largura)
        .prop_map(String::from_iter);
    prop::collection::vec(linha, 1..=linhas).prop_map(|v| v.join("\r\n"))
}

fn tomador_nacional() -> impl Strategy<Value = Vec<(Tag, String)>> {
    (
        super::guia::documento(),
        "[A-Z][A-Z ]{2,40}",
        "[0-9]{8}",
        codigo_ibge(),
        prop::option::of("[a-z]{1,10}@[a-z]{1,10}\\.com\\.br"),
        prop::option::of("[0-9]{10,11}"),
    )
        .prop_map(|(doc, nome, cep, municipio, email, tel)| {
            vec![
                (Tag::TomadorEstrangeiro, "N".into()),
                (Tag::TomadorDocumento, doc.as_str().to_owned()),
                (Tag::TomadorRazao, nome),
                (Tag::TomadorLogradouro, "RUA DAS FLORES, 100".into()),
                (Tag::TomadorBairro, "CENTRO".into()),
                (Tag::TomadorCep, cep),
                (Tag::TomadorMunicipio, municipio),
                (Tag::TomadorEmail, email.unwrap_or_default()),
                (Tag::TomadorTelefone, tel.unwrap_or_default()),
            ]
        })
}

fn tomador_estrangeiro() -> impl Strategy<Value = Vec<(Tag, String)>> {
    ("[A-Z0-9]{5,12}", "[A-Z][a-z ]{2,30}").prop_map(|(passaporte, nome)| {
        vec![
            (Tag::TomadorEstrangeiro, "S".into()),
            (Tag::TomadorDocumento, passaporte),
            (Tag::TomadorRazao, nome),
        ]
    })
}

/// The money tags, consistent with each other: retentions at most a fifth of the total each,
/// net value the total less the retentions, deduction within the total.
fn valores() -> impl Strategy<Value = Vec<(Tag, String)>> {
    (1i64..1_000_000_000)
        .prop_flat_map(|total| (Just(total), prop::collection::vec(0..=total / 5, 6)))
        .prop_map(|(total, partes)| {
            let retencoes: i64 = partes[..5].iter().sum();
            let v = |c: i64| Valor::from_centavos(c).formatar_nfd();
            vec![
                (Tag::ValorTotalNota, v(total)),
                (Tag::Irrf, v(partes[0])),
                (Tag::Inss, v(partes[1])),
                (Tag::Pis, v(partes[2])),
                (Tag::Cofins, v(partes[3])),
                (Tag::ContribuicaoSocial, v(partes[4])),
                (Tag::ValorLiquido, v(total - retencoes)),
                (Tag::ValorDeducaoMateriais, v(partes[5])),
            ]
        })
}

/// Status and a rate that fits it (2%–5% when ISS is levied in the municipality).
fn status_e_aliquota() -> impl Strategy<Value = Vec<(Tag, String)>> {
    prop::sample::select(vec!["1", "3", "4", "6", "7"]).prop_flat_map(|s| {
        let faixa = if matches!(s, "1" | "3") {
            200i64..=500
        } else {
            0i64..=500
        };
        (Just(s), faixa, 0i64..=10_000).prop_map(|(s, a, r)| {
            vec![
                (Tag::StatusIssNota, s.to_owned()),
                (Tag::Aliquota, Valor::from_centavos(a).formatar_nfd()),
                (
                    Tag::PorcentagemRegimeEspecial,
                    Valor::from_centavos(r).formatar_nfd(),
                ),
            ]
        })
    })
}

/// A nota for `prefeitura` that passes every rule on `hoje` (with no last nota known).
pub fn nota_valida(
    prefeitura: &'static Prefeitura,
    hoje: Data,
) -> impl Strategy<Value = NotaBruta> {
    let execucao = prop::option::of((codigo_ibge(), "[A-Z][A-Z ]{2,30}"));
    (
        (1u64..1_000_000_000, data_ate(hoje), "[0-9]{2}\\.[0-9]{2}"),
        prop::option::of(texto(10, 85)),
        texto(5, 200),
        valores(),
        status_e_aliquota(),
        execucao,
        prop_oneof![4 => tomador_nacional(), 1 => tomador_estrangeiro()],
    )
        .prop_map(
            move |(
                (numero, data, atividade),
                outras,
                descricao,
                valores,
                status,
                exec,
                tomador,
            )| {
                let mut b = NotaBruta::default()
                    .com(Tag::NumeroNota, numero.to_string())
                    .com(Tag::DataEmissao, data.to_string())
                    .com(Tag::OutrasInformacoes, outras.unwrap_or_default())
                    .com(Tag::DescricaoServicos, format!("Serviço {descricao}"));
                let tag_atividade = match prefeitura.atividade {
                    RegraAtividade::CodigoGeral => Tag::CodigoGeralAtividade,
                    RegraAtividade::CodigoAtividade => Tag::CodigoAtividade,
                };
                b.set(tag_atividade, atividade);
                if let Some((municipio, local)) = exec {
                    b.set(Tag::CodMunicipioExecucaoServico, municipio);
                    b.set(Tag::LocalExecucaoServico, local);
                }
                for (tag, valor) in valores.into_iter().chain(status).chain(tomador) {
                    b.set(tag, valor);
                }
                b
            },
        )
}

/// A value for `tag` that breaks a rule, and the tag the violation must name (the blank one of
/// the execution pair; the tag itself otherwise).
pub fn corromper(nota: &NotaBruta, tag: Tag) -> (String, Tag) {
    let estrangeiro = nota.get(Tag::TomadorEstrangeiro) == "S";
    let controle = format!("{}\u{1}", nota.get(tag));
    let valor: String = match tag {
        Tag::NumeroNota => "12a".into(),
        Tag::DataEmissao => "31/02/2020".into(),
        Tag::OutrasInformacoes => "x".repeat(86),
        Tag::DescricaoServicos | Tag::TomadorRazao => String::new(),
        Tag::ValorTotalNota | Tag::Irrf | Tag::Inss | Tag::Pis | Tag::Cofins => "1.000,00".into(),
        Tag::ContribuicaoSocial | Tag::ValorLiquido | Tag::ValorDeducaoMateriais => "-1,00".into(),
        Tag::StatusIssNota => "2".into(),
        Tag::TomadorEstrangeiro => "X".into(),
        Tag::TomadorDocumento if !estrangeiro => "00000000000".into(),
        Tag::TomadorLogradouro | Tag::TomadorBairro if !estrangeiro => String::new(),
        Tag::TomadorCep if !estrangeiro => "123".into(),
        Tag::TomadorEmail => "sem-arroba".into(),
        Tag::TomadorTelefone => "12".into(),
        Tag::TomadorMunicipio | Tag::CodMunicipioExecucaoServico => "3550409".into(),
        Tag::Aliquota => "101".into(),
        Tag::PorcentagemRegimeEspecial => "abc".into(),
        Tag::LocalExecucaoServico if nota.get(Tag::CodMunicipioExecucaoServico).is_empty() => {
            "LOCAL".into()
        }
        Tag::LocalExecucaoServico => String::new(),
        _ => controle,
    };
    let par = match tag {
        Tag::CodMunicipioExecucaoServico => Some(Tag::LocalExecucaoServico),
        Tag::LocalExecucaoServico => Some(Tag::CodMunicipioExecucaoServico),
        _ => None,
    };
    match par {
        Some(outra) if nota.get(outra).is_empty() => (valor, outra),
        _ => (valor, tag),
    }
}
