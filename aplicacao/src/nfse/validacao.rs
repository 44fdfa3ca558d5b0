//! Reading and validating a DPS offline: the file's bytes as XML (UTF-8) or as its JSON form
//! (the XML tag names as keys), every rule checked.

use guiche_domain::Violacoes;
use guiche_domain::documento::Documento;
use guiche_domain::nfse::{Dps, DpsBruta};
use serde::Serialize;
use utoipa::ToSchema;

use crate::nfd::validacao::{Formato, formato};

/// Reads a DPS file's bytes in either format (`validate` and `dps` both read through here).
///
/// # Errors
/// The violation that kept the document from being read.
pub fn ler_dps(bytes: &[u8]) -> Result<DpsBruta, Violacoes> {
    match formato(bytes)? {
        Formato::Xml => DpsBruta::de_xml_bytes(bytes),
        Formato::Json => DpsBruta::de_json_bytes(bytes),
    }
}

/// Reads and validates a DPS file's bytes.
///
/// # Errors
/// Every violation, the document's shape included.
pub fn validar_dps(bytes: &[u8]) -> Result<Dps, Violacoes> {
    ler_dps(bytes)?.validar()
}

/// A valid DPS's summary, as `guiche nfse validate --json` prints it in `resumo`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResumoDps {
    /// `infDPS/@Id`, computed from the DPS (45 characters).
    pub id: String,
    /// `tpAmb`: `1` production, `2` homologation.
    pub ambiente: String,
    /// `serie`.
    pub serie: u32,
    /// `nDPS`.
    pub numero: u64,
    /// `dhEmi`.
    pub emissao: String,
    /// The prestador's CPF or CNPJ (digits).
    pub prestador: String,
    /// The tomador's CPF or CNPJ, when the DPS names one.
    pub tomador: Option<String>,
    /// `vServ`, with a decimal point (`"1500.00"`).
    pub valor_servico: String,
    /// One sentence for people.
    #[serde(skip)]
    pub frase: String,
}

fn documento(d: &Documento) -> String {
    d.to_string()
}

/// The summary of a valid DPS.
pub fn resumo(dps: &Dps) -> ResumoDps {
    let id = dps.id().to_string();
    let ambiente = match dps.ambiente() {
        guiche_domain::nfse::Ambiente::Producao => "produção",
        guiche_domain::nfse::Ambiente::Homologacao => "homologação",
    };
    let tomador = dps.tomador().map(|t| documento(&t.inscricao));
    let frase = format!(
        "Id {id}, série {}, nº {}, {}, prestador {}, {}, {ambiente}",
        dps.serie(),
        dps.numero(),
        dps.emissao().texto(),
        documento(&dps.prestador().inscricao),
        tomador
            .as_ref()
            .map_or("sem tomador".to_string(), |t| format!("tomador {t}")),
    );
    ResumoDps {
        id,
        ambiente: dps.ambiente().codigo().to_string(),
        serie: dps.serie(),
        numero: dps.numero(),
        emissao: dps.emissao().texto(),
        prestador: dps.prestador().inscricao.as_str().to_string(),
        tomador: dps.tomador().map(|t| t.inscricao.as_str().to_string()),
        valor_servico: {
            let mut d = dps.valores().valor_servico.decimal();
            d.rescale(2);
            d.to_string()
        },
        frase: format!("{frase}, serviço {}", dps.valores().valor_servico),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &[u8] = include_bytes!("../../../exemplos/nfse/dps.json");

    #[test]
    fn either_format_reads_to_the_same_dps() {
        let pelo_json = validar_dps(JSON).unwrap();
        let xml = pelo_json.para_xml();
        assert_eq!(validar_dps(xml.as_bytes()).unwrap(), pelo_json);
        let r = resumo(&pelo_json);
        assert_eq!(r.id, "DPS355030821122233300018100001000000000000042");
        assert_eq!(r.valor_servico, "1500.00");
        assert_eq!(r.tomador.as_deref(), Some("52998224725"));
        assert!(r.frase.contains("homologação"), "{}", r.frase);
    }

    #[test]
    fn neither_xml_nor_json_is_one_violation() {
        let v = validar_dps(b"DPS").unwrap_err();
        assert_eq!(v.len(), 1);
        assert!(validar_dps(b"").is_err());
    }
}
