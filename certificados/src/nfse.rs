//! The NFS-e Nacional DPS and event requests signed as SEFIN Nacional reads them: enveloped
//! XMLDSig over `infDPS` or `infPedReg` (`Reference URI="#<Id>"`, no `ds:` prefix, E6155) with
//! the signer's own certificate (the prestador's, E0714–E0718; the event's author's, E0812), in
//! UTF-8 with an XML declaration (E1229).

use std::time::SystemTime;

use guiche_domain::documento::Documento;
use guiche_domain::nfse::Dps;
use guiche_domain::nfse::evento::PedidoEvento;

use crate::certificado::{Certificado, ErroCertificado};
use crate::xmldsig::{Alvo, Assinante, ErroAssinatura};

/// The XML declaration the national system demands before the DPS.
pub const DECLARACAO: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// Why a DPS could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroDps {
    /// The certificate is expired or not valid yet.
    #[error(transparent)]
    Certificado(#[from] ErroCertificado),
    /// The certificate names no CNPJ or CPF (not an ICP-Brasil e-CNPJ/e-CPF).
    #[error("o certificado não traz CNPJ nem CPF do titular (use o e-CNPJ ou e-CPF do prestador)")]
    SemTitular,
    /// The certificate belongs to someone other than the prestador (SEFIN refuses it, E0714).
    #[error(
        "o certificado é de {certificado}, mas o prestador da DPS é {prestador}: a DPS deve ser assinada pelo próprio prestador"
    )]
    OutroTitular {
        /// The certificate holder's CNPJ/CPF.
        certificado: String,
        /// The DPS prestador's CNPJ/CPF.
        prestador: String,
    },
    /// The key or the document could not be signed.
    #[error(transparent)]
    Assinatura(#[from] ErroAssinatura),
}

/// Signs `dps` with the prestador's certificate, valid at `agora`: the DPS written by
/// [`Dps::para_xml`], signed over `infDPS`, with the XML declaration before it. Deterministic.
///
/// # Errors
/// [`ErroDps`] naming what does not hold.
pub fn assinar_dps(
    certificado: &Certificado,
    dps: &Dps,
    agora: SystemTime,
) -> Result<String, ErroDps> {
    assinar(
        certificado,
        &dps.prestador().inscricao,
        &dps.para_xml(),
        &dps.id().to_string(),
        agora,
    )
}

/// Signs an event request (a cancellation, a manifestação…) with its author's certificate,
/// valid at `agora`: written by [`PedidoEvento::para_xml`], signed over `infPedReg`, with the XML declaration.
///
/// # Errors
/// [`ErroDps`] naming what does not hold (another holder is [`ErroDps::OutroTitular`], with the
/// author as `prestador`).
pub fn assinar_pedido_evento(
    certificado: &Certificado,
    pedido: &PedidoEvento,
    agora: SystemTime,
) -> Result<String, ErroDps> {
    assinar(
        certificado,
        &pedido.autor(),
        &pedido.para_xml(),
        &pedido.id(),
        agora,
    )
}

fn assinar(
    certificado: &Certificado,
    quem: &Documento,
    xml: &str,
    id: &str,
    agora: SystemTime,
) -> Result<String, ErroDps> {
    certificado.validar_em(agora)?;
    let titular = certificado.titular().ok_or(ErroDps::SemTitular)?;
    if !mesma_pessoa(&titular, quem) {
        return Err(ErroDps::OutroTitular {
            certificado: titular.as_str().to_string(),
            prestador: quem.as_str().to_string(),
        });
    }
    let assinante = Assinante::do_certificado(certificado)?;
    let assinado = assinante.assinar(xml, &Alvo::Id(id.to_string()))?;
    Ok(format!("{DECLARACAO}{assinado}"))
}

/// The same holder: the national system wants the DPS signed by its emitter itself.
fn mesma_pessoa(certificado: &Documento, prestador: &Documento) -> bool {
    certificado == prestador
}
