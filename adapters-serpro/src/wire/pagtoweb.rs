//! PAGTOWEB (`/Consultar`, `/Emitir`): the payments of a window page by page
//! (`PAGAMENTOS71`), their count (`CONTACONSDOCARRPG73`) and a proof of payment
//! (`COMPARRECADACAO72`), as their inputs and `dados` are written.

use super::dados::{SeObjeto, Texto};
use serde::{Deserialize, Serialize};

/// `intervaloDataArrecadacao`: the window of `dataArrecadacao`, ISO dates, both ends in.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Intervalo {
    /// `dataInicial`, `AAAA-MM-DD`.
    pub data_inicial: String,
    /// `dataFinal`, `AAAA-MM-DD`.
    pub data_final: String,
}

/// The input of `PAGAMENTOS71` (with paging) and of `CONTACONSDOCARRPG73` (without).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PedidoPagamentos {
    /// The window.
    pub intervalo_data_arrecadacao: Intervalo,
    /// The offset of the page's first item (`PAGAMENTOS71` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primeiro_da_pagina: Option<usize>,
    /// The page size (`PAGAMENTOS71` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tamanho_da_pagina: Option<usize>,
}

/// `dados` of `PAGAMENTOS71`: one page (a JSON array; a single object is refused).
pub type PaginaPagamentos = Vec<ItemPagamento>;

/// One payment of a page. Two pages are the same page when their items read the same.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemPagamento {
    /// `numeroDocumento`.
    pub numero_documento: Texto,
    /// `dataArrecadacao`, `AAAA-MM-DD`.
    pub data_arrecadacao: Texto,
    /// `valorTotal`, the exact text of a number (or a string holding one).
    pub valor_total: Texto,
    /// `receitaPrincipal`, when given.
    #[serde(default)]
    pub receita_principal: Option<SeObjeto<ReceitaPrincipal>>,
}

/// `receitaPrincipal`: the revenue code (without leading zeros, e.g. `"481"`) and its
/// extension. Anything other than an object reads as no code, as absent fields do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceitaPrincipal {
    /// `codigo`.
    #[serde(default)]
    pub codigo: Option<Texto>,
    /// `extensaoReceita`.
    #[serde(default)]
    pub extensao_receita: Option<Texto>,
}

/// The input of `COMPARRECADACAO72`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PedidoComprovante {
    /// `numeroDocumento`, digits.
    pub numero_documento: String,
}

/// A `dados` carrying one PDF in `pdf` (`COMPARRECADACAO72`, SITFIS's `RELATORIOSITFIS92`).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Pdf {
    /// `pdf`, base64.
    pub pdf: Texto,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::dados::{ErroDados, ler_dados};

    #[test]
    fn a_page_reads_numbers_as_text_and_tolerates_what_serpro_varies() {
        let p: PaginaPagamentos = ler_dados(
            r#"[{"numeroDocumento": 7, "dataArrecadacao": "2026-10-20", "valorTotal": 1234.50,
                 "receitaPrincipal": {"codigo": "481", "extensaoReceita": null}, "novo": [1]},
                {"numeroDocumento": "8", "dataArrecadacao": "2026-10-21", "valorTotal": "9.90",
                 "receitaPrincipal": "481"}]"#,
        )
        .unwrap();
        assert_eq!(p[0].valor_total.as_str(), "1234.50");
        assert_eq!(p[0].numero_documento.as_str(), "7");
        let rp = &p[0].receita_principal.as_ref().unwrap().0;
        assert_eq!(
            (rp.codigo.as_ref().map(Texto::as_str), &rp.extensao_receita),
            (Some("481"), &None)
        );
        assert_eq!(p[1].receita_principal, Some(SeObjeto::default()));
    }

    #[test]
    fn a_page_must_be_a_list_and_its_errors_name_the_field() {
        let e = ler_dados::<PaginaPagamentos>(r#"{"numeroDocumento": "1"}"#).unwrap_err();
        assert!(
            matches!(e, ErroDados::Forma(ref m) if m.starts_with("dados: ")),
            "{e:?}"
        );
        let e = ler_dados::<PaginaPagamentos>(
            r#"[{"numeroDocumento": "1", "dataArrecadacao": "2026-10-20", "valorTotal": 1,
                 "receitaPrincipal": {"codigo": true}}]"#,
        )
        .unwrap_err();
        assert!(
            matches!(e, ErroDados::Forma(ref m) if m.starts_with("dados[0].receitaPrincipal: codigo: nem texto nem número")),
            "{e:?}"
        );
    }
}
