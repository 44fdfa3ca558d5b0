//! The input of the reconciliation benchmarks: 1,000,000 guides and 1,000,000 payments.

use super::comum::Lcg;
use guiche_domain::conciliacao::Pagamento;
use guiche_domain::guia::{Guia, NumeroDocumento, TipoGuia};
use guiche_domain::{Cnpj, Competencia, Data, Documento, Valor};

pub(crate) const N: usize = 1_000_000;

/// Guides, payments and today, generated deterministically (see the bench's doc).
pub(crate) fn dados() -> Option<(Vec<Guia>, Vec<Pagamento>, Data)> {
    let mut r = Lcg(42);
    let contribuinte = Documento::Cnpj(Cnpj::from_base("112223330001")?);
    let periodo = Competencia::new(2026, 1)?;
    let base = Data::new(2026, 2, 20).ok()?;
    let mut guias = Vec::with_capacity(N);
    for _ in 0..N {
        guias.push(Guia {
            tipo: TipoGuia::Das,
            numero: NumeroDocumento::from_u64(r.proximo() % 100_000_000_000_000_000)?,
            contribuinte,
            codigo_receita: None,
            periodo,
            vencimento: base.mais_dias((r.proximo() % 60) as i64)?,
            valor: Valor::from_centavos((r.proximo() % 10_000_000) as i64 + 1),
            codigo_barras: None,
        });
    }
    let mut pagamentos = Vec::with_capacity(N);
    for _ in 0..N {
        let x = r.proximo();
        let g = &guias[(x as usize / 10) % N];
        let (numero, valor) = match x % 10 {
            0 => (
                NumeroDocumento::from_u64(r.proximo() % 100_000_000_000_000_000)?,
                g.valor,
            ),
            _ if x.is_multiple_of(17) => (g.numero, g.valor + Valor::from_centavos(1)),
            _ => (g.numero, g.valor),
        };
        pagamentos.push(Pagamento {
            numero,
            data_arrecadacao: g.vencimento.mais_dias((r.proximo() % 40) as i64 - 30)?,
            valor_total: valor,
            codigo_receita: None,
            contribuinte,
        });
    }
    Some((guias, pagamentos, base.mais_dias(30)?))
}
