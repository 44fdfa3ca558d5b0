//! `guiche nfd …`

use crate::entrada::{self, Formato};
use crate::erro::{Codigo, ErroApp};
use crate::relogio::RelogioSistema;
use crate::saida::{self, Documento};
use guiche_domain::Violacoes;
use guiche_domain::nfd::{
    ContextoNfd, IdentificacaoTomador, Nota, NotaBruta, Prefeitura, prefeituras,
};
use guiche_ports::Relogio;
use serde_json::json;
use std::path::Path;

/// `guiche nfd validate FILE [--prefeitura COD]`.
pub(crate) fn validar(
    arquivo: &Path,
    prefeitura: Option<&str>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let prefeitura = prefeitura.map(buscar_prefeitura).transpose()?;
    let bytes = entrada::bytes(arquivo)?;
    let nome = arquivo.display().to_string();
    let doc = Documento {
        arquivo: &nome,
        tipo: "nota",
        feminino: true,
    };
    let ctx = ContextoNfd {
        prefeitura,
        ..ContextoNfd::new(RelogioSistema.hoje())
    };
    match ler_nota(&bytes).and_then(|b| b.validar(&ctx)) {
        Ok(nota) => {
            saida::valido(&doc, &frase(&nota, prefeitura), resumo(&nota), json);
            Ok(Codigo::Ok)
        }
        Err(v) => {
            saida::invalido(&doc, &v, json);
            Ok(Codigo::Rejeitado)
        }
    }
}

/// Reads a nota file's bytes in either format: XML by its declared encoding, JSON in UTF-8
/// (`validate`, `send` and `batch` all read through here).
pub(crate) fn ler_nota(bytes: &[u8]) -> Result<NotaBruta, Violacoes> {
    match entrada::formato_bytes(bytes)? {
        Formato::Xml => NotaBruta::de_xml_bytes(bytes),
        Formato::Json => NotaBruta::de_json_bytes(bytes),
    }
}

pub(crate) fn buscar_prefeitura(codigo: &str) -> Result<&'static Prefeitura, ErroApp> {
    Prefeitura::buscar(codigo).ok_or_else(|| {
        let conhecidas: Vec<String> = prefeituras()
            .iter()
            .map(|p| format!("{} ({})", p.codigo, p.nome))
            .collect();
        ErroApp::Uso(format!(
            "prefeitura \"{codigo}\" desconhecida no serviço NFD; conhecidas: {}",
            conhecidas.join(", ")
        ))
    })
}

fn tomador(nota: &Nota) -> String {
    match nota.tomador().identificacao {
        IdentificacaoTomador::Nacional(d) => d.to_string(),
        IdentificacaoTomador::Estrangeiro(id) => format!("estrangeiro {id}"),
    }
}

fn frase(nota: &Nota, prefeitura: Option<&Prefeitura>) -> String {
    let numero = nota
        .numero()
        .map_or("sem número (o livro atribui)".into(), |n| {
            format!("nº {n}")
        });
    let onde = prefeitura.map_or_else(
        || {
            " (sem --prefeitura: a regra do código de atividade do município não foi aplicada)"
                .into()
        },
        |p| format!(", {}", p.nome),
    );
    format!(
        "{numero} de {}, {}, tomador {}{onde}",
        nota.data_emissao(),
        nota.valores().total,
        tomador(nota)
    )
}

fn resumo(nota: &Nota) -> serde_json::Value {
    json!({
        "numero": nota.numero(),
        "dataEmissao": nota.data_emissao().to_string(),
        "valorTotal": nota.valores().total.formatar_nfd(),
        "tomador": tomador(nota),
    })
}
