//! The events a contribuinte signs about an NFS-e, as the pedido de registro de evento
//! (`pedRegEvento/infPedReg`) of layout 1.01: the cancellation (`e101101`), the request for a
//! fiscal analysis of a cancellation (`e101103`), the cancellation by substitution (`e105102`)
//! and the manifestações of prestador, tomador or intermediário: confirmation
//! (`e202201`/`e203202`/`e204203`) and rejection (`e202205`/`e203206`/`e204207`). The events a
//! tax agent or the system signs (`e105104`, `e105105`, `e205204`, `e205208`, `e3051xx`) are
//! not here. Its Id is `"PRE"` + access key (50) + event type (6), 59 characters;
//! `nPedRegEvento` left the layout on 27/12/2025 and is not written.

use super::{Ambiente, ChaveAcesso, DataHora};
use crate::documento::Documento;
use crate::violacao::{Regra, Violacoes};

/// The cancellation's event type.
pub const TIPO_CANCELAMENTO: &str = "101101";
/// `xDesc` of the cancellation: an enumeration in the XSD, anything else is a schema failure.
pub const DESCRICAO_CANCELAMENTO: &str = "Cancelamento de NFS-e";

/// Who manifests about an NFS-e: the group (`e2022xx`, `e2032xx`, `e2042xx`) follows the role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Papel {
    /// The prestador.
    Prestador,
    /// The tomador.
    Tomador,
    /// The intermediário.
    Intermediario,
}

impl Papel {
    /// The role as the manual writes it in a sentence: `prestador`, `tomador`, `intermediário`.
    pub fn nome(self) -> &'static str {
        match self {
            Papel::Prestador => "prestador",
            Papel::Tomador => "tomador",
            Papel::Intermediario => "intermediário",
        }
    }
}

/// `cMotivo` of a cancellation (`TSCodJustCanc`) and of a request for fiscal analysis
/// (`TSCodJustAnaliseFiscalCanc`): the same codes.
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

/// `cMotivo` of a cancellation by substitution (`TSCodJustSubst`): `01`–`05` or `99`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MotivoSubstituicao(&'static str);

impl MotivoSubstituicao {
    /// The layout's code.
    pub fn codigo(self) -> &'static str {
        self.0
    }

    /// From the layout's code: `01` desenquadramento do Simples Nacional, `02` enquadramento,
    /// `03`/`04` inclusão/exclusão retroativa de imunidade ou isenção, `05` rejeição pelo
    /// tomador ou intermediário, `99` outros.
    pub fn de_codigo(codigo: &str) -> Option<MotivoSubstituicao> {
        ["01", "02", "03", "04", "05", "99"]
            .into_iter()
            .find(|c| *c == codigo)
            .map(MotivoSubstituicao)
    }
}

/// `cMotivo` of a rejection (`TSCodMotivoRejeicao`): `1`–`5` or `9`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MotivoRejeicao(&'static str);

impl MotivoRejeicao {
    /// The layout's code.
    pub fn codigo(self) -> &'static str {
        self.0
    }

    /// From the layout's code: `1` duplicidade, `2` já emitida pelo tomador, `3` fato gerador
    /// não ocorreu, `4` responsabilidade tributária, `5` valor, deduções, serviço ou data,
    /// `9` outros.
    pub fn de_codigo(codigo: &str) -> Option<MotivoRejeicao> {
        ["1", "2", "3", "4", "5", "9"]
            .into_iter()
            .find(|c| *c == codigo)
            .map(MotivoRejeicao)
    }
}

/// The groups a contribuinte signs: event type, `xDesc` (the XSD's enumeration) and the role
/// in the NFS-e its author must have.
pub const GRUPOS_CONTRIBUINTE: [(&str, &str, Papel); 9] = [
    (TIPO_CANCELAMENTO, DESCRICAO_CANCELAMENTO, Papel::Prestador),
    (
        "101103",
        "Solicitação de Análise Fiscal para Cancelamento de NFS-e",
        Papel::Prestador,
    ),
    (
        "105102",
        "Cancelamento de NFS-e por Substituição",
        Papel::Prestador,
    ),
    (
        "202201",
        "Manifestação de NFS-e - Confirmação do Prestador",
        Papel::Prestador,
    ),
    (
        "203202",
        "Manifestação de NFS-e - Confirmação do Tomador",
        Papel::Tomador,
    ),
    (
        "204203",
        "Manifestação de NFS-e - Confirmação do Intermediário",
        Papel::Intermediario,
    ),
    (
        "202205",
        "Manifestação de NFS-e - Rejeição do Prestador",
        Papel::Prestador,
    ),
    (
        "203206",
        "Manifestação de NFS-e - Rejeição do Tomador",
        Papel::Tomador,
    ),
    (
        "204207",
        "Manifestação de NFS-e - Rejeição do Intermediário",
        Papel::Intermediario,
    ),
];

/// The event's own group (`eNNNNNN`), with the fields the XSD gives it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Evento {
    /// `e101101`: cancellation, `xMotivo` required.
    Cancelamento {
        /// `cMotivo`.
        motivo: MotivoCancelamento,
        /// `xMotivo`.
        justificativa: String,
    },
    /// `e101103`: request for the municipality's fiscal analysis of a cancellation.
    AnaliseFiscal {
        /// `cMotivo`.
        motivo: MotivoCancelamento,
        /// `xMotivo`.
        justificativa: String,
    },
    /// `e105102`: cancellation by substitution, naming the substitute NFS-e.
    Substituicao {
        /// `cMotivo`.
        motivo: MotivoSubstituicao,
        /// `xMotivo`, optional.
        justificativa: Option<String>,
        /// `chSubstituta`.
        substituta: ChaveAcesso,
    },
    /// `e202201`/`e203202`/`e204203`: confirmation by the prestador, tomador or intermediário.
    Confirmacao(Papel),
    /// `e202205`/`e203206`/`e204207`: rejection by the prestador, tomador or intermediário.
    Rejeicao {
        /// Who rejects.
        papel: Papel,
        /// `cMotivo`.
        motivo: MotivoRejeicao,
        /// `xMotivo`, optional.
        justificativa: Option<String>,
    },
}

impl Evento {
    /// The event type (`tpEvento`, the group's digits).
    pub fn tipo(&self) -> &'static str {
        match self {
            Evento::Cancelamento { .. } => TIPO_CANCELAMENTO,
            Evento::AnaliseFiscal { .. } => "101103",
            Evento::Substituicao { .. } => "105102",
            Evento::Confirmacao(Papel::Prestador) => "202201",
            Evento::Confirmacao(Papel::Tomador) => "203202",
            Evento::Confirmacao(Papel::Intermediario) => "204203",
            Evento::Rejeicao {
                papel: Papel::Prestador,
                ..
            } => "202205",
            Evento::Rejeicao {
                papel: Papel::Tomador,
                ..
            } => "203206",
            Evento::Rejeicao {
                papel: Papel::Intermediario,
                ..
            } => "204207",
        }
    }

    /// `xDesc`: the XSD's enumeration for the group, byte for byte.
    pub fn descricao(&self) -> &'static str {
        let tipo = self.tipo();
        GRUPOS_CONTRIBUINTE
            .iter()
            .find(|(t, _, _)| *t == tipo)
            .map_or("", |(_, d, _)| d)
    }

    /// `cMotivo`, when the group has one.
    pub fn motivo(&self) -> Option<&'static str> {
        match self {
            Evento::Cancelamento { motivo, .. } | Evento::AnaliseFiscal { motivo, .. } => {
                Some(motivo.codigo())
            }
            Evento::Substituicao { motivo, .. } => Some(motivo.codigo()),
            Evento::Rejeicao { motivo, .. } => Some(motivo.codigo()),
            Evento::Confirmacao(_) => None,
        }
    }

    /// `xMotivo`, when given.
    pub fn justificativa(&self) -> Option<&str> {
        match self {
            Evento::Cancelamento { justificativa, .. }
            | Evento::AnaliseFiscal { justificativa, .. } => Some(justificativa),
            Evento::Substituicao { justificativa, .. } | Evento::Rejeicao { justificativa, .. } => {
                justificativa.as_deref()
            }
            Evento::Confirmacao(_) => None,
        }
    }

    /// Whether the XSD requires `xMotivo` in this group.
    fn exige_justificativa(&self) -> bool {
        matches!(
            self,
            Evento::Cancelamento { .. } | Evento::AnaliseFiscal { .. }
        )
    }
}

/// A pedido de registro de evento (`pedRegEvento`) about an NFS-e, every field checked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PedidoEvento {
    ambiente: Ambiente,
    versao_aplicativo: String,
    momento: DataHora,
    autor: Documento,
    chave: ChaveAcesso,
    evento: Evento,
}

impl PedidoEvento {
    /// A cancellation (`e101101`) of the NFS-e `chave` by `autor` (who signs it) at `momento`.
    ///
    /// # Errors
    /// As [`PedidoEvento::novo`].
    pub fn cancelamento(
        ambiente: Ambiente,
        versao_aplicativo: &str,
        momento: DataHora,
        autor: Documento,
        chave: ChaveAcesso,
        motivo: MotivoCancelamento,
        justificativa: &str,
    ) -> Result<PedidoEvento, Violacoes> {
        PedidoEvento::novo(
            ambiente,
            versao_aplicativo,
            momento,
            autor,
            chave,
            Evento::Cancelamento {
                motivo,
                justificativa: justificativa.to_string(),
            },
        )
    }

    /// The event `evento` about the NFS-e `chave` by `autor` (who signs it) at `momento`.
    ///
    /// # Errors
    /// Every violation, by XML path: `verAplic` 1–20 characters; `xMotivo` present where the
    /// group requires it, and 15–255 characters of the layout's text (printable Latin-1, no
    /// blank at either end, no line break); `chSubstituta` another NFS-e than `chNFSe`.
    pub fn novo(
        ambiente: Ambiente,
        versao_aplicativo: &str,
        momento: DataHora,
        autor: Documento,
        chave: ChaveAcesso,
        evento: Evento,
    ) -> Result<PedidoEvento, Violacoes> {
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
        let caminho = format!("infPedReg/e{}/xMotivo", evento.tipo());
        match evento.justificativa() {
            None if evento.exige_justificativa() => v.add(
                &caminho,
                Regra::Obrigatorio,
                "a justificativa é obrigatória neste evento (15 a 255 caracteres)",
                "",
            ),
            None => {}
            Some(j) => {
                let n = j.chars().count();
                if !(15..=255).contains(&n) {
                    v.add(
                        &caminho,
                        Regra::TextoTamanho,
                        format!("a justificativa tem de 15 a 255 caracteres (tem {n})"),
                        j,
                    );
                } else if !texto_leiaute(j) {
                    v.add(
                        &caminho,
                        Regra::CaractereInvalido,
                        "Latin-1 imprimível, sem quebras de linha nem espaços no início ou no fim",
                        j,
                    );
                }
            }
        }
        if let Evento::Substituicao { substituta, .. } = &evento
            && *substituta == chave
        {
            v.add(
                "infPedReg/e105102/chSubstituta",
                Regra::ValorInvalido,
                "a NFS-e substituta deve ser outra, não a própria NFS-e cancelada",
                substituta.to_string(),
            );
        }
        v.ou(PedidoEvento {
            ambiente,
            versao_aplicativo: versao_aplicativo.to_string(),
            momento,
            autor,
            chave,
            evento,
        })
    }

    /// `infPedReg/@Id`: `"PRE"` + access key + event type (59 characters).
    pub fn id(&self) -> String {
        format!("PRE{}{}", self.chave, self.evento.tipo())
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

    /// The event's group.
    pub fn evento(&self) -> &Evento {
        &self.evento
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

    fn chave_de_numero(numero: u64) -> ChaveAcesso {
        ChaveAcesso::nova(
            CodigoIbge::parse("3550308").unwrap(),
            2,
            Documento::parse("11222333000181").unwrap(),
            numero,
            26,
            11,
            123_456_789,
        )
        .unwrap()
    }

    fn chave() -> ChaveAcesso {
        chave_de_numero(7)
    }

    fn momento() -> DataHora {
        DataHora::nova(Data::new(2026, 11, 26).unwrap(), 15, 0, 0, -3).unwrap()
    }

    fn pedido(justificativa: &str) -> Result<PedidoEvento, Violacoes> {
        PedidoEvento::cancelamento(
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
    fn a_role_is_named_as_the_manual_writes_it() {
        for (papel, nome) in [
            (Papel::Prestador, "prestador"),
            (Papel::Tomador, "tomador"),
            (Papel::Intermediario, "intermediário"),
        ] {
            assert_eq!(papel.nome(), nome);
            // The same word the group's xDesc ends with ("… Confirmação do Intermediário").
            let (_, descricao, _) = GRUPOS_CONTRIBUINTE
                .iter()
                .find(|(_, d, p)| *p == papel && d.contains("Confirmação"))
                .unwrap();
            let ultima = descricao.rsplit(' ').next().unwrap();
            assert_eq!(ultima.to_lowercase(), nome, "{descricao}");
        }
    }

    #[test]
    fn motives_are_the_layouts_codes() {
        for c in ["1", "2", "9"] {
            assert_eq!(MotivoCancelamento::de_codigo(c).unwrap().codigo(), c);
        }
        assert!(MotivoCancelamento::de_codigo("3").is_none());
    }

    fn evento(evento: Evento) -> Result<PedidoEvento, Violacoes> {
        PedidoEvento::novo(
            Ambiente::Homologacao,
            "guiche-0.1",
            momento(),
            Documento::parse("11222333000181").unwrap(),
            chave(),
            evento,
        )
    }

    #[test]
    fn each_group_has_the_xsds_type_and_description() {
        let j = || Some("Valor do serviço divergente".to_string());
        let casos = [
            (
                Evento::AnaliseFiscal {
                    motivo: MotivoCancelamento::Outros,
                    justificativa: "Cancelamento fora do prazo".into(),
                },
                "101103",
                "Solicitação de Análise Fiscal para Cancelamento de NFS-e",
            ),
            (
                Evento::Confirmacao(Papel::Tomador),
                "203202",
                "Manifestação de NFS-e - Confirmação do Tomador",
            ),
            (
                Evento::Confirmacao(Papel::Intermediario),
                "204203",
                "Manifestação de NFS-e - Confirmação do Intermediário",
            ),
            (
                Evento::Rejeicao {
                    papel: Papel::Prestador,
                    motivo: MotivoRejeicao::de_codigo("1").unwrap(),
                    justificativa: None,
                },
                "202205",
                "Manifestação de NFS-e - Rejeição do Prestador",
            ),
            (
                Evento::Rejeicao {
                    papel: Papel::Tomador,
                    motivo: MotivoRejeicao::de_codigo("5").unwrap(),
                    justificativa: j(),
                },
                "203206",
                "Manifestação de NFS-e - Rejeição do Tomador",
            ),
        ];
        for (e, tipo, desc) in casos {
            assert_eq!(e.tipo(), tipo);
            assert_eq!(e.descricao(), desc);
            let p = evento(e).unwrap();
            assert_eq!(p.id(), format!("PRE{}{tipo}", chave()));
            assert_eq!(p.id().len(), 59);
        }
    }

    #[test]
    fn group_rules_are_named_by_path() {
        let v = evento(Evento::AnaliseFiscal {
            motivo: MotivoCancelamento::ErroEmissao,
            justificativa: "curta".into(),
        })
        .unwrap_err();
        assert!(
            v.contem("infPedReg/e101103/xMotivo", Regra::TextoTamanho),
            "{v}"
        );
        let v = evento(Evento::Rejeicao {
            papel: Papel::Intermediario,
            motivo: MotivoRejeicao::de_codigo("9").unwrap(),
            justificativa: Some("x\ny quebra de linha aqui".into()),
        })
        .unwrap_err();
        assert!(
            v.contem("infPedReg/e204207/xMotivo", Regra::CaractereInvalido),
            "{v}"
        );
        let v = evento(Evento::Substituicao {
            motivo: MotivoSubstituicao::de_codigo("99").unwrap(),
            justificativa: None,
            substituta: chave(),
        })
        .unwrap_err();
        assert!(
            v.contem("infPedReg/e105102/chSubstituta", Regra::ValorInvalido),
            "{v}"
        );
    }

    #[test]
    fn substitution_and_rejection_motives_are_the_xsds_codes() {
        for c in ["01", "02", "03", "04", "05", "99"] {
            assert_eq!(MotivoSubstituicao::de_codigo(c).unwrap().codigo(), c);
        }
        assert!(MotivoSubstituicao::de_codigo("1").is_none());
        assert!(MotivoSubstituicao::de_codigo("06").is_none());
        for c in ["1", "2", "3", "4", "5", "9"] {
            assert_eq!(MotivoRejeicao::de_codigo(c).unwrap().codigo(), c);
        }
        assert!(MotivoRejeicao::de_codigo("6").is_none());
    }

    #[cfg(feature = "formatos")]
    #[test]
    fn a_substitution_is_written_in_its_groups_order() {
        let outra = chave_de_numero(8);
        let p = evento(Evento::Substituicao {
            motivo: MotivoSubstituicao::de_codigo("01").unwrap(),
            justificativa: Some("Desenquadramento do Simples".into()),
            substituta: outra,
        })
        .unwrap();
        let xml = p.para_xml();
        assert!(xml.contains(&format!(
            "<e105102><xDesc>Cancelamento de NFS-e por Substituição</xDesc><cMotivo>01</cMotivo><xMotivo>Desenquadramento do Simples</xMotivo><chSubstituta>{outra}</chSubstituta></e105102></infPedReg>"
        )), "{xml}");
        let c = evento(Evento::Confirmacao(Papel::Prestador))
            .unwrap()
            .para_xml();
        assert!(
            c.contains(
                "<e202201><xDesc>Manifestação de NFS-e - Confirmação do Prestador</xDesc></e202201>"
            ),
            "{c}"
        );
    }
}
