//! The contribuinte's event request (`pedRegEvento`) of layout v1.01: cancellation (101101),
//! written canonical in the XSD's order (`tpAmb → verAplic → dhEvento → CNPJAutor|CPFAutor →
//! chNFSe → e101101`), with the Id `"PRE"` + chave (50) + tipo (6) in force since 27/12/2025
//! (no `nPedRegEvento`), and signed over `infPedReg` with the author's certificate.

use guiche_certificados::certificado::Certificado;
use guiche_certificados::xmldsig::{Alvo, Assinante, XmlCanonico};
use guiche_domain::documento::Documento;
use guiche_domain::nfse::{Ambiente, ChaveAcesso, NAMESPACE};
use std::time::SystemTime;

/// The cancellation event type.
pub const TIPO_CANCELAMENTO: &str = "101101";
/// The one `xDesc` the XSD allows for 101101 (an enumeration).
pub const DESCRICAO_CANCELAMENTO: &str = "Cancelamento de NFS-e";

/// `cMotivo` of a cancellation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MotivoCancelamento {
    /// `1` Erro na Emissão.
    ErroEmissao,
    /// `2` Serviço não Prestado.
    ServicoNaoPrestado,
    /// `9` Outros.
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
}

/// A cancellation request before signing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancelamento {
    /// `tpAmb`.
    pub ambiente: Ambiente,
    /// `verAplic`.
    pub versao_aplicativo: String,
    /// `dhEvento`, `AAAA-MM-DDThh:mm:ss-03:00`.
    pub data_hora: String,
    /// `CNPJAutor`/`CPFAutor`: who signs (the prestador).
    pub autor: Documento,
    /// `chNFSe`.
    pub chave: ChaveAcesso,
    /// `cMotivo`.
    pub motivo: MotivoCancelamento,
    /// `xMotivo`, 15 to 255 characters.
    pub justificativa: String,
}

/// Why an event could not be written or signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroEvento {
    /// A field breaks a layout rule.
    #[error("{campo}: {regra} (valor: {valor:?})")]
    Campo {
        /// The XML path.
        campo: &'static str,
        /// The rule.
        regra: &'static str,
        /// The value given.
        valor: String,
    },
    /// The certificate is not the author's, or expired.
    #[error("certificado: {0}")]
    Certificado(String),
    /// The signer refused the document.
    #[error("assinatura: {0}")]
    Assinatura(String),
}

impl Cancelamento {
    /// `infPedReg/@Id`: `"PRE"` + chave + tipo (59 characters).
    pub fn id(&self) -> String {
        format!("PRE{}{TIPO_CANCELAMENTO}", self.chave)
    }

    /// The unsigned `pedRegEvento`, canonical (C14N 1.0 form, no declaration).
    ///
    /// # Errors
    /// [`ErroEvento::Campo`] for an `xMotivo` outside 15–255 characters or a `dhEvento` that is
    /// not `AAAA-MM-DDThh:mm:ss±hh:mm`.
    pub fn para_xml(&self) -> Result<String, ErroEvento> {
        let n = self.justificativa.trim().chars().count();
        if !(15..=255).contains(&n) {
            return Err(ErroEvento::Campo {
                campo: "pedRegEvento/infPedReg/e101101/xMotivo",
                regra: "deve ter de 15 a 255 caracteres",
                valor: self.justificativa.clone(),
            });
        }
        if !data_hora_valida(&self.data_hora) {
            return Err(ErroEvento::Campo {
                campo: "pedRegEvento/infPedReg/dhEvento",
                regra: "deve ser AAAA-MM-DDThh:mm:ss±hh:mm",
                valor: self.data_hora.clone(),
            });
        }
        let mut x = XmlCanonico::default();
        x.abre("pedRegEvento", &[("xmlns", NAMESPACE), ("versao", "1.01")]);
        let id = self.id();
        x.abre("infPedReg", &[("Id", &id)]);
        x.elemento_texto("tpAmb", self.ambiente.codigo());
        x.elemento_texto("verAplic", &self.versao_aplicativo);
        x.elemento_texto("dhEvento", &self.data_hora);
        match &self.autor {
            Documento::Cnpj(c) => x.elemento_texto("CNPJAutor", c.as_str()),
            Documento::Cpf(c) => x.elemento_texto("CPFAutor", c.as_str()),
        }
        x.elemento_texto("chNFSe", &self.chave.to_string());
        x.abre("e101101", &[]);
        x.elemento_texto("xDesc", DESCRICAO_CANCELAMENTO);
        x.elemento_texto("cMotivo", self.motivo.codigo());
        x.elemento_texto("xMotivo", self.justificativa.trim());
        x.fecha("e101101");
        x.fecha("infPedReg");
        x.fecha("pedRegEvento");
        Ok(x.into_string())
    }

    /// The request signed over `infPedReg` with `certificado` (the author's own, valid at
    /// `agora`), with the UTF-8 declaration before it.
    ///
    /// # Errors
    /// [`ErroEvento`].
    pub fn assinar(
        &self,
        certificado: &Certificado,
        agora: SystemTime,
    ) -> Result<String, ErroEvento> {
        certificado
            .validar_em(agora)
            .map_err(|e| ErroEvento::Certificado(e.to_string()))?;
        if certificado.titular() != Some(self.autor) {
            return Err(ErroEvento::Certificado(format!(
                "o certificado não é do autor {} (E0812)",
                self.autor.as_str()
            )));
        }
        let xml = self.para_xml()?;
        let assinante = Assinante::do_certificado(certificado)
            .map_err(|e| ErroEvento::Assinatura(e.to_string()))?;
        let assinado = assinante
            .assinar(&xml, &Alvo::Id(self.id()))
            .map_err(|e| ErroEvento::Assinatura(e.to_string()))?;
        Ok(format!(
            "{}{assinado}",
            guiche_certificados::nfse::DECLARACAO
        ))
    }
}

/// `AAAA-MM-DDThh:mm:ss±hh:mm` by shape.
fn data_hora_valida(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 25
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 | 22 => *c == b':',
            19 => *c == b'+' || *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use guiche_domain::Cnpj;
    use guiche_domain::municipio::CodigoIbge;

    fn cancelamento(justificativa: &str) -> Cancelamento {
        let cnpj = Cnpj::parse("11222333000181").unwrap();
        Cancelamento {
            ambiente: Ambiente::Homologacao,
            versao_aplicativo: "guiche-0.1.0".into(),
            data_hora: "2026-11-26T10:00:00-03:00".into(),
            autor: Documento::Cnpj(cnpj),
            chave: ChaveAcesso {
                municipio: CodigoIbge::parse("3550308").unwrap(),
                ambiente_gerador: 2,
                inscricao: Documento::Cnpj(cnpj),
                numero: 7,
                ano: 26,
                mes: 11,
                codigo: 123_456_789,
            },
            motivo: MotivoCancelamento::ErroEmissao,
            justificativa: justificativa.into(),
        }
    }

    #[test]
    fn the_request_is_written_in_the_xsd_order_with_the_pre_id() {
        let c = cancelamento("Valor do serviço digitado errado");
        let xml = c.para_xml().unwrap();
        assert_eq!(c.id().len(), 59);
        assert!(c.id().starts_with("PRE") && c.id().ends_with("101101"));
        let ordem = [
            "<tpAmb>2<",
            "<verAplic>",
            "<dhEvento>",
            "<CNPJAutor>",
            "<chNFSe>",
            "<e101101><xDesc>Cancelamento de NFS-e</xDesc><cMotivo>1</cMotivo><xMotivo>",
        ];
        let posicoes: Vec<usize> = ordem.iter().map(|t| xml.find(t).unwrap()).collect();
        assert!(posicoes.windows(2).all(|p| p[0] < p[1]), "{xml}");
        assert!(!xml.contains("nPedRegEvento"));
    }

    #[test]
    fn a_short_reason_or_a_bad_time_is_refused_by_field() {
        let e = cancelamento("curto").para_xml().unwrap_err();
        assert!(
            e.to_string()
                .starts_with("pedRegEvento/infPedReg/e101101/xMotivo"),
            "{e}"
        );
        let mut c = cancelamento("Valor do serviço digitado errado");
        c.data_hora = "2026-11-26 10:00".into();
        assert!(c.para_xml().unwrap_err().to_string().contains("dhEvento"));
    }
}
