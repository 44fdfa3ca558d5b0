//! The AUTENTICAPROCURADOR authorization term (`termoDeAutorizacao`), signed with an enveloped
//! XMLDSig, as SERPRO's Integra Contador expects it (reference `serpro.md` §3).
//!
//! The procurador (the `autorPedidoDados`) signs, with its own ICP-Brasil certificate, a fixed
//! XML saying the contratante may call Integra Contador on its behalf. The contratante sends it
//! base64 in `dados={"xml": ...}` to `/Apoiar` (`AUTENTICAPROCURADOR`/`ENVIOXMLASSINADO81`).
//!
//! The document is *written* directly in its canonical form (inclusive C14N 1.0) with
//! [`XmlCanonico`], with no whitespace between elements (so the digest is the same whether the
//! verifier keeps or drops whitespace-only text nodes), and signed over the whole document
//! (`URI=""`) by [`guiche_certificados::xmldsig::Assinante`]: this module holds only the term's
//! content and dates.
//!
//! ```
//! use guiche_domain::{Cnpj, Data, Documento};
//! use guiche_serpro::termo::TermoAutorizacao;
//!
//! let termo = TermoAutorizacao::novo(
//!     (Cnpj::parse("11.222.333/0001-81")?, "GUICHÊ SISTEMAS LTDA".into()),
//!     (Documento::parse("529.982.247-25")?, "MARIA DA SILVA".into()),
//!     Data::new(2026, 3, 10)?,
//! )?;
//! assert_eq!(termo.vigencia(), Data::new(2026, 4, 9)?);
//! assert!(termo.validar(Data::new(2026, 3, 20)?).is_ok());
//! assert!(termo.xml_sem_assinatura().contains(r#"<vigencia data="20260409"></vigencia>"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use guiche_certificados::xmldsig::{Alvo, Assinante, ErroAssinatura, XmlCanonico};
use guiche_domain::{Cnpj, Data, Documento};

pub use guiche_certificados::xmldsig::{
    ALG_C14N, ALG_ENVELOPED, ALG_RSA_SHA256, ALG_SHA256, NS_XMLDSIG,
};

/// The `sistema/@id` fixed value.
pub const ID_SISTEMA: &str = "API Integra Contador";

/// The `termo/@texto` fixed text (reference §3.2, verbatim).
pub const TEXTO_TERMO: &str = "Autorizo a empresa CONTRATANTE, identificada neste termo de autorização como DESTINATÁRIO, a executar as requisições dos serviços web disponibilizados pela API INTEGRA CONTADOR, onde terei o papel de AUTOR PEDIDO DE DADOS no corpo da mensagem enviada na requisição do serviço web. Esse termo de autorização está assinado digitalmente com o certificado digital do PROCURADOR ou OUTORGADO DO CONTRIBUINTE responsável, identificado como AUTOR DO PEDIDO DE DADOS.";

/// The `avisoLegal/@texto` fixed text (reference §3.2, verbatim).
pub const TEXTO_AVISO_LEGAL: &str = "O acesso a estas informações foi autorizado pelo próprio PROCURADOR ou OUTORGADO DO CONTRIBUINTE, responsável pela informação, via assinatura digital. É dever do destinatário da autorização e consumidor deste acesso observar a adoção de base legal para o tratamento dos dados recebidos conforme artigos 7º ou 11º da LGPD (Lei n.º 13.709, de 14 de agosto de 2018), aos direitos do titular dos dados (art. 9º, 17 e 18, da LGPD) e aos princípios que norteiam todos os tratamentos de dados no Brasil (art. 6º, da LGPD).";

/// The `finalidade/@texto` fixed text (reference §3.2, verbatim).
pub const TEXTO_FINALIDADE: &str = "A finalidade única e exclusiva desse TERMO DE AUTORIZAÇÃO, é garantir que o CONTRATANTE apresente a API INTEGRA CONTADOR esse consentimento do PROCURADOR ou OUTORGADO DO CONTRIBUINTE assinado digitalmente, para que possa realizar as requisições dos serviços web da API INTEGRA CONTADOR em nome do AUTOR PEDIDO DE DADOS (PROCURADOR ou OUTORGADO DO CONTRIBUINTE).";

/// `destinatario/@papel`.
pub const PAPEL_DESTINATARIO: &str = "contratante";

/// `assinadoPor/@papel`.
pub const PAPEL_ASSINANTE: &str = "autor pedido de dados";

/// Default validity, in days after the signature date (as SERPRO's PHP sample does).
pub const VIGENCIA_PADRAO_DIAS: i64 = 30;

/// The XML declaration that opens the signed document (outside the signed content).
const DECLARACAO: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Why a term could not be built, validated or signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroTermo {
    /// A name is empty or carries control characters (which XML cannot carry faithfully).
    #[error("nome do {campo} vazio ou com caracteres de controle")]
    NomeInvalido {
        /// `destinatário` or `assinante`.
        campo: &'static str,
    },
    /// The default validity would fall outside the supported date range.
    #[error("vigência fora da faixa de datas suportada")]
    DataForaDaFaixa,
    /// The validity ends before the signature date.
    #[error("vigência ({vigencia}) anterior à data de assinatura ({assinatura})")]
    VigenciaAntesDaAssinatura {
        /// The validity date.
        vigencia: Data,
        /// The signature date.
        assinatura: Data,
    },
    /// The validity has passed (SERPRO message 017).
    #[error("vigência do termo ({vigencia}) anterior a hoje ({hoje})")]
    VigenciaExpirada {
        /// The validity date.
        vigencia: Data,
        /// Today.
        hoje: Data,
    },
    /// The signature date is in the future (SERPRO message 018).
    #[error("data de assinatura ({assinatura}) posterior a hoje ({hoje})")]
    AssinaturaFutura {
        /// The signature date.
        assinatura: Data,
        /// Today.
        hoje: Data,
    },
    /// The private key is not valid PKCS#8 DER.
    #[error("chave privada PKCS#8 inválida: {0}")]
    ChaveInvalida(String),
    /// The private key is not RSA (the profile demands RSA-SHA256).
    #[error("a chave privada não é RSA (o termo exige RSA-SHA256)")]
    ChaveNaoRsa,
    /// The certificate is not valid X.509 DER.
    #[error("certificado X.509 inválido: {0}")]
    CertificadoInvalido(String),
    /// The certificate's public key is not the one of the private key.
    #[error("o certificado não corresponde à chave privada")]
    CertificadoNaoConfere,
    /// The RSA signature itself failed (key too small for SHA-256, for instance).
    #[error("falha ao assinar o termo: {0}")]
    Assinatura(String),
}

/// An authorization term: who may call (the contratante), who authorizes (the procurador or
/// outorgado who signs), when it was signed and until when it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermoAutorizacao {
    destinatario: (Cnpj, String),
    assinado_por: (Documento, String),
    data_assinatura: Data,
    vigencia: Data,
}

impl TermoAutorizacao {
    /// A term signed on `data_assinatura`, valid for [`VIGENCIA_PADRAO_DIAS`] days.
    ///
    /// `destinatario` is the contratante's CNPJ and razão social; `assinado_por` the signer's
    /// CPF or CNPJ and name. Names are trimmed.
    ///
    /// # Errors
    /// [`ErroTermo::NomeInvalido`] for an empty name or one with control characters;
    /// [`ErroTermo::DataForaDaFaixa`] when the default validity leaves the calendar range.
    pub fn novo(
        destinatario: (Cnpj, String),
        assinado_por: (Documento, String),
        data_assinatura: Data,
    ) -> Result<TermoAutorizacao, ErroTermo> {
        let vigencia = data_assinatura
            .mais_dias(VIGENCIA_PADRAO_DIAS)
            .ok_or(ErroTermo::DataForaDaFaixa)?;
        Ok(TermoAutorizacao {
            destinatario: (
                destinatario.0,
                nome_valido(&destinatario.1, "destinatário")?,
            ),
            assinado_por: (assinado_por.0, nome_valido(&assinado_por.1, "assinante")?),
            data_assinatura,
            vigencia,
        })
    }

    /// The same term with another validity date (checked by [`TermoAutorizacao::validar`]).
    #[must_use]
    pub fn com_vigencia(mut self, vigencia: Data) -> TermoAutorizacao {
        self.vigencia = vigencia;
        self
    }

    /// The contratante: CNPJ and razão social.
    pub fn destinatario(&self) -> (&Cnpj, &str) {
        (&self.destinatario.0, &self.destinatario.1)
    }

    /// The signer (procurador or outorgado): CPF or CNPJ and name.
    pub fn assinado_por(&self) -> (&Documento, &str) {
        (&self.assinado_por.0, &self.assinado_por.1)
    }

    /// The signature date.
    pub fn data_assinatura(&self) -> Data {
        self.data_assinatura
    }

    /// The last day the term holds.
    pub fn vigencia(&self) -> Data {
        self.vigencia
    }

    /// The date checks SERPRO makes on receipt: validity not before the signature date,
    /// validity not before `hoje` (017), signature date not after `hoje` (018).
    ///
    /// # Errors
    /// The first failing check, as [`ErroTermo`].
    pub fn validar(&self, hoje: Data) -> Result<(), ErroTermo> {
        let (vigencia, assinatura) = (self.vigencia, self.data_assinatura);
        if vigencia < assinatura {
            return Err(ErroTermo::VigenciaAntesDaAssinatura {
                vigencia,
                assinatura,
            });
        }
        if vigencia < hoje {
            return Err(ErroTermo::VigenciaExpirada { vigencia, hoje });
        }
        if assinatura > hoje {
            return Err(ErroTermo::AssinaturaFutura { assinatura, hoje });
        }
        Ok(())
    }

    /// The unsigned term in canonical form (C14N 1.0): the exact bytes the signature digests.
    /// No XML declaration, no whitespace between elements.
    pub fn xml_sem_assinatura(&self) -> String {
        self.documento()
    }

    /// Signs the term and returns the whole signed document, starting with the XML
    /// declaration (no BOM, no blank line) and with `Signature` as the root's last child.
    ///
    /// `chave_pkcs8_der` is the signer's RSA private key (unencrypted PKCS#8 DER) and
    /// `certificado_der` its X.509 certificate, embedded in `KeyInfo`.
    ///
    /// # Errors
    /// [`ErroTermo::ChaveInvalida`], [`ErroTermo::ChaveNaoRsa`],
    /// [`ErroTermo::CertificadoInvalido`], [`ErroTermo::CertificadoNaoConfere`] or
    /// [`ErroTermo::Assinatura`].
    pub fn assinar(
        &self,
        chave_pkcs8_der: &[u8],
        certificado_der: &[u8],
    ) -> Result<String, ErroTermo> {
        let assinante =
            Assinante::novo(chave_pkcs8_der, certificado_der).map_err(ErroTermo::from)?;
        let assinado = assinante
            .assinar(&self.xml_sem_assinatura(), &Alvo::Documento)
            .map_err(ErroTermo::from)?;
        Ok(format!("{DECLARACAO}{assinado}"))
    }

    /// The root element, unsigned.
    fn documento(&self) -> String {
        let mut x = XmlCanonico::default();
        x.abre("termoDeAutorizacao", &[]);
        x.abre("dados", &[]);
        x.vazio("sistema", &[("id", ID_SISTEMA)]);
        x.vazio("termo", &[("texto", TEXTO_TERMO)]);
        x.vazio("avisoLegal", &[("texto", TEXTO_AVISO_LEGAL)]);
        x.vazio("finalidade", &[("texto", TEXTO_FINALIDADE)]);
        x.vazio(
            "dataAssinatura",
            &[("data", &self.data_assinatura.compacta())],
        );
        x.vazio("vigencia", &[("data", &self.vigencia.compacta())]);
        let (cnpj, razao) = &self.destinatario;
        x.vazio(
            "destinatario",
            &parte(cnpj.as_str(), razao, "PJ", PAPEL_DESTINATARIO),
        );
        let (doc, nome) = &self.assinado_por;
        x.vazio(
            "assinadoPor",
            &parte(doc.as_str(), nome, tipo(doc), PAPEL_ASSINANTE),
        );
        x.fecha("dados");
        x.fecha("termoDeAutorizacao");
        x.into_string()
    }
}

/// Standard base64 (with padding) of the signed document, the value of `dados={"xml": ...}`.
pub fn base64_para_envio(xml_assinado: &str) -> String {
    STANDARD.encode(xml_assinado.as_bytes())
}

/// Trims a name and refuses it when empty or carrying control or non-XML characters.
fn nome_valido(nome: &str, campo: &'static str) -> Result<String, ErroTermo> {
    let nome = nome.trim();
    let proibido = |c: char| c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}';
    if nome.is_empty() || nome.contains(proibido) {
        return Err(ErroTermo::NomeInvalido { campo });
    }
    Ok(nome.to_owned())
}

/// `PF` for a CPF, `PJ` for a CNPJ.
fn tipo(documento: &Documento) -> &'static str {
    match documento {
        Documento::Cpf(_) => "PF",
        Documento::Cnpj(_) => "PJ",
    }
}

/// The attributes of `destinatario` and `assinadoPor`.
fn parte<'a>(
    numero: &'a str,
    nome: &'a str,
    tipo: &'a str,
    papel: &'a str,
) -> [(&'a str, &'a str); 4] {
    [
        ("numero", numero),
        ("nome", nome),
        ("tipo", tipo),
        ("papel", papel),
    ]
}

impl From<ErroAssinatura> for ErroTermo {
    fn from(erro: ErroAssinatura) -> ErroTermo {
        match erro {
            ErroAssinatura::ChaveInvalida(m) => ErroTermo::ChaveInvalida(m),
            ErroAssinatura::ChaveNaoRsa => ErroTermo::ChaveNaoRsa,
            ErroAssinatura::CertificadoInvalido(m) => ErroTermo::CertificadoInvalido(m),
            ErroAssinatura::CertificadoNaoConfere => ErroTermo::CertificadoNaoConfere,
            outro => ErroTermo::Assinatura(outro.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest as _, Sha256};

    /// The golden, canonical unsigned term (no trailing newline).
    const DOURADO: &[u8] = include_bytes!("../tests/vetores/termo-sem-assinatura.xml");

    fn data(ano: u16, mes: u8, dia: u8) -> Data {
        Data::new(ano, mes, dia).unwrap()
    }

    fn termo_com_nomes(razao: &str, nome: &str) -> Result<TermoAutorizacao, ErroTermo> {
        TermoAutorizacao::novo(
            (Cnpj::parse("11.222.333/0001-81").unwrap(), razao.into()),
            (Documento::parse("529.982.247-25").unwrap(), nome.into()),
            data(2026, 3, 10),
        )
    }

    fn termo() -> TermoAutorizacao {
        termo_com_nomes("GUICHÊ SISTEMAS LTDA", "MARIA DA SILVA").unwrap()
    }

    #[test]
    fn unsigned_xml_matches_the_golden_file_byte_for_byte() {
        assert_eq!(termo().xml_sem_assinatura().as_bytes(), DOURADO);
    }

    #[test]
    fn digest_of_the_canonical_form_is_stable() {
        let digest = STANDARD.encode(Sha256::digest(termo().xml_sem_assinatura().as_bytes()));
        assert_eq!(digest, "2/0mrk1gU7CxWc5ET1d2fXbr/jsRi7OWV9125ZcUD7E=");
    }

    #[test]
    fn fixed_texts_are_verbatim() {
        let xml = termo().xml_sem_assinatura();
        assert!(xml.starts_with(
            r#"<termoDeAutorizacao><dados><sistema id="API Integra Contador"></sistema>"#
        ));
        assert!(TEXTO_TERMO.starts_with("Autorizo a empresa CONTRATANTE, identificada"));
        assert!(TEXTO_AVISO_LEGAL.contains("artigos 7º ou 11º da LGPD (Lei n.º 13.709"));
        assert!(TEXTO_FINALIDADE.ends_with("(PROCURADOR ou OUTORGADO DO CONTRIBUINTE)."));
        for texto in [TEXTO_TERMO, TEXTO_AVISO_LEGAL, TEXTO_FINALIDADE] {
            assert!(xml.contains(&format!("texto=\"{texto}\"")));
        }
    }

    #[test]
    fn attributes_are_escaped_as_c14n_does() {
        let t = termo_com_nomes("A & B \"C\" <D> LTDA", "ANA").unwrap();
        let xml = t.xml_sem_assinatura();
        assert!(
            xml.contains(r#"nome="A &amp; B &quot;C&quot; &lt;D> LTDA""#),
            "{xml}"
        );
    }

    #[test]
    fn names_are_trimmed_and_control_characters_refused() {
        let t = termo_com_nomes("  EMPRESA  ", " ANA ").unwrap();
        assert_eq!(t.destinatario().1, "EMPRESA");
        assert_eq!(t.assinado_por().1, "ANA");
        assert_eq!(
            termo_com_nomes("  ", "ANA"),
            Err(ErroTermo::NomeInvalido {
                campo: "destinatário"
            })
        );
        assert_eq!(
            termo_com_nomes("EMPRESA", "ANA\nMARIA"),
            Err(ErroTermo::NomeInvalido { campo: "assinante" })
        );
    }

    #[test]
    fn signer_kind_and_attribute_order() {
        let pj = TermoAutorizacao::novo(
            (Cnpj::parse("11222333000181").unwrap(), "EMPRESA".into()),
            (
                Documento::parse("11.444.777/0001-61").unwrap(),
                "ESCRITÓRIO".into(),
            ),
            data(2026, 1, 31),
        )
        .unwrap();
        let xml = pj.xml_sem_assinatura();
        assert!(xml.contains(
            r#"<assinadoPor nome="ESCRITÓRIO" numero="11444777000161" papel="autor pedido de dados" tipo="PJ"></assinadoPor></dados>"#
        ));
        assert!(xml.contains(r#"<vigencia data="20260302"></vigencia>"#));
    }

    #[test]
    fn default_validity_is_thirty_days_and_can_be_replaced() {
        let t = termo();
        assert_eq!(t.data_assinatura(), data(2026, 3, 10));
        assert_eq!(t.vigencia(), data(2026, 4, 9));
        let t = t.com_vigencia(data(2026, 12, 31));
        assert!(
            t.xml_sem_assinatura()
                .contains(r#"<vigencia data="20261231"></vigencia>"#)
        );
        let fim = TermoAutorizacao::novo(
            (Cnpj::parse("11222333000181").unwrap(), "E".into()),
            (Documento::parse("52998224725").unwrap(), "A".into()),
            data(2999, 12, 20),
        );
        assert_eq!(fim, Err(ErroTermo::DataForaDaFaixa));
    }

    #[test]
    fn date_checks_mirror_the_server() {
        let t = termo();
        assert_eq!(t.validar(data(2026, 3, 10)), Ok(()));
        assert_eq!(t.validar(data(2026, 4, 9)), Ok(()));
        assert_eq!(
            t.validar(data(2026, 4, 10)),
            Err(ErroTermo::VigenciaExpirada {
                vigencia: data(2026, 4, 9),
                hoje: data(2026, 4, 10)
            })
        );
        assert_eq!(
            t.validar(data(2026, 3, 9)),
            Err(ErroTermo::AssinaturaFutura {
                assinatura: data(2026, 3, 10),
                hoje: data(2026, 3, 9)
            })
        );
        let invertido = t.com_vigencia(data(2026, 3, 9));
        assert!(matches!(
            invertido.validar(data(2026, 3, 9)),
            Err(ErroTermo::VigenciaAntesDaAssinatura { .. })
        ));
        assert_eq!(
            ErroTermo::VigenciaExpirada {
                vigencia: data(2026, 4, 9),
                hoje: data(2026, 4, 10)
            }
            .to_string(),
            "vigência do termo (09/04/2026) anterior a hoje (10/04/2026)"
        );
    }

    #[test]
    fn bad_keys_and_certificates_are_errors_not_panics() {
        let t = termo();
        assert!(matches!(
            t.assinar(b"lixo", b"lixo"),
            Err(ErroTermo::ChaveInvalida(_))
        ));
        assert!(matches!(
            t.assinar(&[], &[]),
            Err(ErroTermo::ChaveInvalida(_))
        ));
        assert_eq!(base64_para_envio("<a/>"), "PGEvPg==");
    }
}
