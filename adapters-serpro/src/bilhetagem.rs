//! Which Integra Contador answers SERPRO bills, as documented, and what guichê does when it
//! cannot know (Conecta gov.br's rules live in `guiche-conecta`).
//!
//! The billing meter errs on the **safe side**: a reserved call is given back only when the
//! documentation says its answer is not billed, or when the request provably never left
//! (connection or TLS refused, no token to send it with). A timeout after the request left, a
//! reset, an unreadable reply or a status the documentation does not list keep the reservation.
//!
//! - Integra Contador (`reference/serpro.md` §2.4): `Consultar`, `Declarar` and `Emitir` are
//!   billed except for 204, 304, 400, 401, 404, 429, 500 and 503; `Apoiar` and `Monitorar`
//!   never. So a 200 without data, a 202 and a 403 are billed.

use guiche_domain::serpro::TipoServico;

/// Integra Contador statuses the documentation says are not billed.
pub const NAO_BILHETADOS_INTEGRA: [u16; 8] = [204, 304, 400, 401, 404, 429, 500, 503];

/// Whether an Integra Contador call of `tipo` answered with `status` is billed.
pub fn integra_bilhetado(tipo: TipoServico, status: u16) -> bool {
    tipo.bilhetado() && !NAO_BILHETADOS_INTEGRA.contains(&status)
}

#[cfg(test)]
mod testes {
    use super::*;
    use guiche_ports::bilhetagem::Cobranca;

    #[test]
    fn integra_bills_what_the_documentation_does_not_exempt() {
        for s in [200, 202, 403, 409, 422, 502, 504] {
            assert!(integra_bilhetado(TipoServico::Consultar, s), "{s}");
        }
        for s in NAO_BILHETADOS_INTEGRA {
            assert!(!integra_bilhetado(TipoServico::Emitir, s), "{s}");
        }
        for tipo in [TipoServico::Apoiar, TipoServico::Monitorar] {
            assert!(!integra_bilhetado(tipo, 200));
        }
    }

    #[test]
    fn an_answer_is_unbilled_only_when_its_status_is_listed() {
        assert_eq!(
            Cobranca::do_status(404, &NAO_BILHETADOS_INTEGRA),
            Cobranca::Nao
        );
        assert_eq!(
            Cobranca::do_status(403, &NAO_BILHETADOS_INTEGRA),
            Cobranca::Talvez
        );
    }
}
