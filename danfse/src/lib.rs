//! The DANFSe (Documento Auxiliar da NFS-e) rendered locally.
//!
//! The official generation API was discontinued by NT SE/CGNFS-e 008/2026; issuers render the
//! PDF themselves from the authorised NFS-e XML. This crate is pure: the XML bytes in, the PDF
//! bytes out, no I/O. One A4 page, the NT's blocks as far as the project's reference gives
//! them (header with the access key and a QR code, prestador, tomador, serviço, valores,
//! tributação, informações complementares), a "CANCELADA" watermark for a cancelled NFS-e and
//! "SEM VALOR FISCAL" for one issued in homologation (`tpAmb` 2). Decision 0018.

mod formato;
mod leitura;
mod pdf;

pub use formato::{chave_agrupada, data, data_hora, documento, moeda};
pub use leitura::NfseLida;

/// Where the QR code and the printed consultation hint point: the national public
/// consultation, with the access key.
pub const URL_CONSULTA: &str = "https://www.nfse.gov.br/ConsultaPublica/?tpc=1&chave=";

/// What the NFS-e's situation is, as known to whoever asks for the DANFSe: the authorised XML
/// itself does not say whether a cancellation event was registered afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Situacao {
    /// Authorised and not cancelled.
    Normal,
    /// A cancellation event (101101 or 105102) was registered.
    Cancelada,
}

/// A DANFSe that could not be rendered: the XML is not an authorised NFS-e the renderer can
/// read. The messages are Portuguese and name the field.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ErroDanfse {
    /// The bytes are not well-formed XML.
    #[error("XML da NFS-e mal formado: {0}")]
    Xml(String),
    /// A field is missing or has a value the layout does not allow.
    #[error("NFS-e: campo {campo}: {regra} (valor: {valor:?})")]
    Campo {
        /// The XML path of the field.
        campo: String,
        /// The rule broken.
        regra: String,
        /// The value found (empty when missing).
        valor: String,
    },
}

/// The watermarks a DANFSe carries, in drawing order: "CANCELADA" when cancelled, "SEM VALOR
/// FISCAL" when issued in homologation (`tpAmb` 2), both when both.
pub fn marcas_dagua(tp_amb: u8, situacao: Situacao) -> Vec<&'static str> {
    let mut marcas = Vec::new();
    if situacao == Situacao::Cancelada {
        marcas.push("CANCELADA");
    }
    if tp_amb == 2 {
        marcas.push("SEM VALOR FISCAL");
    }
    marcas
}

/// Renders the DANFSe of an authorised NFS-e XML (the `NFSe` document SEFIN returns) as a
/// one-page A4 PDF.
pub fn renderizar(xml: &[u8], situacao: Situacao) -> Result<Vec<u8>, ErroDanfse> {
    renderizar_lida(&NfseLida::ler(xml)?, situacao)
}

/// Renders the DANFSe of an NFS-e already read (so a caller that needs its key or
/// environment reads the XML once).
pub fn renderizar_lida(nfse: &NfseLida, situacao: Situacao) -> Result<Vec<u8>, ErroDanfse> {
    pdf::desenhar(nfse, situacao)
}

#[cfg(test)]
mod tests;
