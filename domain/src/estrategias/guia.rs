//! proptest strategies for guides, barcodes and payments.
//!
//! Every value generated is valid: barcodes carry correct check digits, guides pass
//! [`Guia::validar`], and [`pagamento_de`] pays a guide exactly and on time.

use proptest::prelude::*;

use crate::conciliacao::Pagamento;
use crate::data::{Competencia, Data};
use crate::documento::{Cnpj, Cpf, Documento};
use crate::guia::{CodigoBarras, CodigoReceita, Guia, NumeroDocumento, TipoGuia};
use crate::valor::Valor;

/// The largest value a barcode can carry: 11 digits of centavos.
const MAX_CENTAVOS_BARRAS: i64 = 99_999_999_999;

/// Any 17-digit document number (leading zeros included).
pub fn numero_documento() -> impl Strategy<Value = NumeroDocumento> {
    (0u64..=99_999_999_999_999_999).prop_filter_map("17 dígitos", NumeroDocumento::from_u64)
}

/// Any revenue code, with or without extension.
pub fn codigo_receita() -> impl Strategy<Value = CodigoReceita> {
    (0u16..=9999, proptest::option::of(0u8..=99))
        .prop_filter_map("código de receita", |(c, e)| CodigoReceita::new(c, e))
}

/// A valid CPF.
pub fn cpf() -> impl Strategy<Value = Cpf> {
    proptest::array::uniform9(0u8..10).prop_filter_map("CPF repetido", Cpf::from_base)
}

/// A valid numeric CNPJ.
pub fn cnpj() -> impl Strategy<Value = Cnpj> {
    "[0-9]{12}".prop_filter_map("CNPJ zerado ou repetido", |b| Cnpj::from_base(&b))
}

/// A valid CPF or CNPJ.
pub fn documento() -> impl Strategy<Value = Documento> {
    prop_oneof![
        cpf().prop_map(Documento::from),
        cnpj().prop_map(Documento::from)
    ]
}

/// Builds a barcode from its parts without the general check digit.
fn montar(cabecalho: &str, valor_ou_ref: i64, resto: u128) -> Option<CodigoBarras> {
    let sem_dv = format!("{cabecalho}{valor_ou_ref:011}{resto:029}");
    CodigoBarras::com_dv_calculado(&sem_dv).ok()
}

/// Any valid arrecadação barcode: every segment, every value type (mod 10 and mod 11).
pub fn codigo_barras() -> impl Strategy<Value = CodigoBarras> {
    let segmento = prop_oneof![1u8..=7, Just(9u8)];
    (
        segmento,
        6u8..=9,
        0i64..=MAX_CENTAVOS_BARRAS,
        0u128..10u128.pow(29),
    )
        .prop_filter_map("código de barras", |(s, id, v, resto)| {
            montar(&format!("8{s}{id}"), v, resto)
        })
}

/// A barcode of segment 5, value type 6 (mod 10), for agency `orgao` and `valor` (clamped to
/// 0–99 999 999 999 centavos), with a random campo livre.
fn codigo_barras_orgao(orgao: &'static str, valor: Valor) -> impl Strategy<Value = CodigoBarras> {
    let centavos = valor.centavos().clamp(0, MAX_CENTAVOS_BARRAS);
    let orgao = orgao.parse::<u128>().ok();
    (0u128..10u128.pow(25)).prop_filter_map("código de barras", move |livre| {
        montar("856", centavos, orgao? * 10u128.pow(25) + livre)
    })
}

/// A valid DARF barcode (segment 5, mod 10, agency `0064`) carrying `valor` (clamped to what 11
/// digits of centavos hold), with a random campo livre.
pub fn codigo_barras_darf(valor: Valor) -> impl Strategy<Value = CodigoBarras> {
    codigo_barras_orgao(TipoGuia::Darf.codigo_orgao(), valor)
}

/// A valid DAS barcode (segment 5, mod 10, agency `0328`) carrying `valor`.
pub fn codigo_barras_das(valor: Valor) -> impl Strategy<Value = CodigoBarras> {
    codigo_barras_orgao(TipoGuia::Das.codigo_orgao(), valor)
}

/// A tax period between 2000 and 2035.
pub fn competencia() -> impl Strategy<Value = Competencia> {
    (2000u16..=2035, 1u8..=12).prop_filter_map("competência", |(a, m)| Competencia::new(a, m))
}

/// A valid guide: positive value, due on day 20 of the month after its period plus up to 59
/// days, barcode (when present) of its kind and value, a CNPJ for a DAS.
pub fn guia() -> impl Strategy<Value = Guia> {
    (any::<bool>(), 1i64..=MAX_CENTAVOS_BARRAS).prop_flat_map(|(das, centavos)| {
        let tipo = if das { TipoGuia::Das } else { TipoGuia::Darf };
        let valor = Valor::from_centavos(centavos);
        let contribuinte = if das {
            cnpj().prop_map(Documento::from).boxed()
        } else {
            documento().boxed()
        };
        let barras = if das {
            codigo_barras_das(valor).boxed()
        } else {
            codigo_barras_darf(valor).boxed()
        };
        let partes = (
            numero_documento(),
            contribuinte,
            proptest::option::of(codigo_receita()),
            competencia(),
            0i64..60,
            proptest::option::of(barras),
        );
        partes.prop_filter_map(
            "guia",
            move |(numero, contribuinte, receita, periodo, dias, cb)| {
                let seguinte = periodo.seguinte();
                let vencimento = Data::new(seguinte.ano(), seguinte.mes(), 20)
                    .ok()?
                    .mais_dias(dias)?;
                Some(Guia {
                    tipo,
                    numero,
                    contribuinte,
                    codigo_receita: receita,
                    periodo,
                    vencimento,
                    valor,
                    codigo_barras: cb,
                })
            },
        )
    })
}

/// A payment of `guia` for its exact value, on its due date or up to 30 days before it.
pub fn pagamento_de(guia: &Guia) -> impl Strategy<Value = Pagamento> + use<> {
    let g = guia.clone();
    (0i64..=30).prop_filter_map("data de arrecadação", move |antes| {
        Some(Pagamento {
            numero: g.numero,
            data_arrecadacao: g.vencimento.mais_dias(-antes)?,
            valor_total: g.valor,
            codigo_receita: g.codigo_receita,
            contribuinte: g.contribuinte,
        })
    })
}
