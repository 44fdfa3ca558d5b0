//! The events a contribuinte signs about an NFS-e; this version: the cancellation (`e101101`),
//! as the pedido de registro de evento (`pedRegEvento/infPedReg`) of layout 1.01. Its Id is
//! `"PRE"` + access key (50) + event type (6), 59 characters; `nPedRegEvento` left the layout
//! on 27/12/2025 and is not written.

use super::{Ambiente, ChaveAcesso, DataHora};
use crate::documento::Documento;
use crate::violacao::{Regra, Violacoes};

/// The cancellation's event type.
pub const TIPO_CANCELAMENTO: &str = "101101";
/// `xDesc` of the cancellation: an enumeration in the XSD, anything else is a schema failure.
pub const DESCRICAO_CANCELAMENTO: &str = "Cancelamento de NFS-e";

/// `cMotivo` of a cancellation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MotivoCancelamento {
    /// `1`, error in the issue.
    ErroEmissao,
    /// `2`, the service was not rendered.
    ServicoNaoPrestado,
    /// `9`, other.
    Outros,
}

impl MotivoCancelamento {
    /// The layout's code.
    pub fn codigo(self) -> &'static str {
        match self {
            MotivoCancelamento::ErroEmissao => "1",
            MotivoCancelamento::ServicoNaoPrestado => "2",
            MotivoCancelamento::Outros => "9",
        }
    }

    /// From the layout's code (`1`, `2` or `9`).
    pub fn de_codigo(codigo: &str) -> Option<MotivoCancelamento> {
        match codigo {
            "1" => Some(MotivoCancelamento::ErroEmissao),
            "2" => Some(MotivoCancelamento::ServicoNaoPrestado),
            "9" => Some(MotivoCancelamento::Outros),
            _ => None,
        }
    }
}

/// A request to cancel an NFS-e (`pedRegEvento` with `e101101`), every field checked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PedidoCancelamento {
    ambiente: Ambiente,
    versao_aplicativo: String,
    momento: DataHora,
    autor: Documento,
    chave: ChaveAcesso,
    motivo: MotivoCancelamento,
    justificativa: String,
}

impl PedidoCancelamento {
    /// A cancellation of the NFS-e `chave` by `autor` (who signs it) at `momento`.
    ///
    /// # Errors
    /// Every violation, by XML path: `verAplic` 1–20 characters, `xMotivo` 15–255 characters of
    /// the layout's text (printable Latin-1, no blank at either end, no line break).
    pub fn novo(
        ambiente: Ambiente,
        versao_aplicativo: &str,
        momento: DataHora,
        autor: Documento,
        chave: ChaveAcesso,
        motivo: MotivoCancelamento,
        justificativa: &str,
    ) -> Result<PedidoCancelamento, Violacoes> {
        let mut v = Violacoes::default();
        let n = versao_aplicativo.chars().count();
        if !(1..=20).contains(&n) || !texto_leiaute(versao_aplicativo) {
            v.add(
                "infPedReg/verAplic",
                Regra::TextoTamanho,
                "de 1 a 20 caracteres do leiaute, sem espaços nas pontas",
                versao_aplicativo,
            );
        }
        let n = justificativa.chars().count();
        if !(15..=255).contains(&n) {
            v.add(
                "infPedReg/e101101/xMotivo",
                Regra::TextoTamanho,
                format!("a justificativa tem de 15 a 255 caracteres (tem {n})"),
                justificativa,
            );
        } else if !texto_leiaute(justificativa) {
            v.add(
                "infPedReg/e101101/xMotivo",
                Regra::CaractereInvalido,
                "Latin-1 imprimível, sem quebras de linha nem espaços no início ou no fim",
                justificativa,
            );
        }
        v.ou(PedidoCancelamento {
            ambiente,
            versao_aplicativo: versao_aplicativo.to_string(),
            momento,
            autor,
            chave,
            motivo,
            justificativa: justificativa.to_string(),
        })
    }

    /// `infPedReg/@Id`: `"PRE"` + access key + `101101` (59 characters).
    pub fn id(&self) -> String {
        format!("PRE{}{TIPO_CANCELAMENTO}", self.chave)
    }

    /// `tpAmb`.
    pub fn ambiente(&self) -> Ambiente {
        self.ambiente
    }

    /// `verAplic`.
    pub fn versao_aplicativo(&self) -> &str {
        &self.versao_aplicativo
    }

    /// `dhEvento`.
    pub fn momento(&self) -> DataHora {
        self.momento
    }

    /// `CNPJAutor` or `CPFAutor`: who asks, and signs.
    pub fn autor(&self) -> Documento {
        self.autor
    }

    /// `chNFSe`.
    pub fn chave(&self) -> ChaveAcesso {
        self.chave
    }

    /// `cMotivo`.
    pub fn motivo(&self) -> MotivoCancelamento {
        self.motivo
    }

    /// `xMotivo`.
    pub fn justificativa(&self) -> &str {
        &self.justificativa
    }
}

/// The layout's `TSString`: printable Latin-1 and inner spaces, no blank at either end.
fn texto_leiaute(t: &str) -> bool {
    t.trim() == t
        && t.chars()
            .all(|c| c == ' ' || ('!'..='~').contains(&c) || ('\u{a0}'..='\u{ff}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Data;
    use crate::municipio::CodigoIbge;

    fn chave() -> ChaveAcesso {
        ChaveAcesso {
            municipio: CodigoIbge::parse("3550308").unwrap(),
            ambiente_gerador: 2,
            inscricao: Documento::parse("11222333000181").unwrap(),
            numero: 7,
            ano: 26,
            mes: 11,
            codigo: 123_456_789,
        }
    }

    fn momento() -> DataHora {
        DataHora {
            data: Data::new(2026, 11, 26).unwrap(),
            hora: 15,
            minuto: 0,
            segundo: 0,
            fuso_horas: -3,
        }
    }

    fn pedido(justificativa: &str) -> Result<PedidoCancelamento, Violacoes> {
        PedidoCancelamento::novo(
            Ambiente::Homologacao,
            "guiche-0.1",
            momento(),
            Documento::parse("11222333000181").unwrap(),
            chave(),
            MotivoCancelamento::ErroEmissao,
            justificativa,
        )
    }

    #[test]
    fn the_id_is_pre_the_key_and_the_event_type() {
        let p = pedido("Valor do serviço informado errado").unwrap();
        let id = p.id();
        assert_eq!(id.len(), 59);
        assert!(id.starts_with(&format!("PRE{}", chave())));
        assert!(id.ends_with("101101"));
        assert!(id[3..].bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn the_justification_has_15_to_255_layout_characters() {
        assert!(
            pedido("curta demais")
                .unwrap_err()
                .contem("infPedReg/e101101/xMotivo", Regra::TextoTamanho)
        );
        assert!(pedido(&"x".repeat(256)).is_err());
        assert!(pedido(&"x".repeat(255)).is_ok());
        let v = pedido("Erro na emissão —  travessão").unwrap_err();
        assert!(
            v.contem("infPedReg/e101101/xMotivo", Regra::CaractereInvalido),
            "{v}"
        );
        assert!(pedido(" Erro na emissão do valor").is_err());
    }

    #[cfg(feature = "formatos")]
    #[test]
    fn the_request_is_written_in_the_layouts_order() {
        let p = pedido("Valor do serviço & tomador errados").unwrap();
        let xml = p.para_xml();
        assert!(xml.starts_with(&format!(
            "<pedRegEvento xmlns=\"http://www.sped.fazenda.gov.br/nfse\" versao=\"1.01\"><infPedReg Id=\"{}\"><tpAmb>2</tpAmb><verAplic>guiche-0.1</verAplic><dhEvento>2026-11-26T15:00:00-03:00</dhEvento><CNPJAutor>11222333000181</CNPJAutor><chNFSe>{}</chNFSe><e101101><xDesc>Cancelamento de NFS-e</xDesc><cMotivo>1</cMotivo><xMotivo>Valor do serviço &amp; tomador errados</xMotivo></e101101></infPedReg></pedRegEvento>",
            p.id(),
            chave()
        )), "{xml}");
        assert!(!xml.contains("nPedRegEvento"));
    }

    #[test]
    fn motives_are_the_layouts_codes() {
        for c in ["1", "2", "9"] {
            assert_eq!(MotivoCancelamento::de_codigo(c).unwrap().codigo(), c);
        }
        assert!(MotivoCancelamento::de_codigo("3").is_none());
    }
}
