//! SERPRO's monthly consumption report as the client area gives it ("Consultar Consumo →
//! Relatório", `reference/anchors-2026.md` §2.5): a CSV with one line per request,
//! `DATA,CNPJ/CPF,URL,RESPONSE_CODE,IP,OBSERVAÇÃO,TAG,QUANTIDADE`, every field quoted, dates
//! `20/08/2022 09:05:32.694-0300`, quantities `1.0000`. The simulators of Integra Contador and
//! of the commercial APIs write it from their own record of requests ([`escrever`]), so the
//! ledger's check against it can be tried end to end.

use crate::Data;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The header line.
pub const CABECALHO: &str = "DATA,CNPJ/CPF,URL,RESPONSE_CODE,IP,OBSERVAÇÃO,TAG,QUANTIDADE";

/// One request as the report lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinhaConsumo {
    /// When SERPRO received it.
    pub instante: SystemTime,
    /// `CNPJ/CPF`: the contract's holder (digits).
    pub documento: String,
    /// `URL`: the path called.
    pub url: String,
    /// `RESPONSE_CODE`.
    pub status: u16,
    /// `IP`: where it came from.
    pub ip: String,
    /// `TAG`: the `X-Request-Tag` received, if any.
    pub etiqueta: Option<String>,
    /// Whether it was billed (`QUANTIDADE` 1.0000, else 0.0000).
    pub bilhetada: bool,
}

/// `DD/MM/AAAA hh:mm:ss.mmm-0300`: the instant in Brasília, as the report writes it.
pub fn data_do_relatorio(instante: SystemTime) -> String {
    let (data, hora) = Data::em_brasilia(instante);
    let ms = instante
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .subsec_millis();
    format!("{data} {hora}.{ms:03}-0300")
}

/// A field quoted as the report quotes every field (`"` doubled inside).
fn aspas(texto: &str) -> String {
    format!("\"{}\"", texto.replace('"', "\"\""))
}

/// The report of `linhas`, in their order: the header and one line each, LF-terminated.
pub fn escrever(linhas: &[LinhaConsumo]) -> String {
    let mut saida = format!("{CABECALHO}\n");
    for l in linhas {
        let campos = [
            data_do_relatorio(l.instante),
            l.documento.clone(),
            l.url.clone(),
            l.status.to_string(),
            l.ip.clone(),
            String::new(),
            l.etiqueta.clone().unwrap_or_default(),
            if l.bilhetada { "1.0000" } else { "0.0000" }.to_owned(),
        ];
        let campos: Vec<String> = campos.iter().map(|c| aspas(c)).collect();
        saida.push_str(&campos.join(","));
        saida.push('\n');
    }
    saida
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_documented_shape() {
        // 2022-08-20 12:05:32.694 UTC = 09:05:32.694 in Brasília.
        let instante = UNIX_EPOCH + Duration::from_millis(1_660_997_132_694);
        let csv = escrever(&[LinhaConsumo {
            instante,
            documento: "33683111000985".into(),
            url: "/Consultar".into(),
            status: 200,
            ip: "200.220.180.71".into(),
            etiqueta: Some("a\"b".into()),
            bilhetada: true,
        }]);
        assert_eq!(
            csv,
            "DATA,CNPJ/CPF,URL,RESPONSE_CODE,IP,OBSERVAÇÃO,TAG,QUANTIDADE\n\
             \"20/08/2022 09:05:32.694-0300\",\"33683111000985\",\"/Consultar\",\"200\",\
             \"200.220.180.71\",\"\",\"a\"\"b\",\"1.0000\"\n"
        );
    }
}
