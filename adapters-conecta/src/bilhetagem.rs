//! Which Conecta gov.br answers count against the quota. Its homologation quota is counted as
//! SERPRO's Consulta CPF and Consulta CNPJ bill the same queries (`reference/anchors-2026.md`
//! §1.2–1.3): not billed 400, 401, 403, 500 and 504 (and 502 for CNPJ); a 404 ("no record") is
//! billed. The meter errs on the **safe side**: a reserved call is given back only when its
//! answer is documented as not billed, or when the request provably never left (connection or
//! TLS refused, no token to send it with). A timeout after the request left, a reset, an
//! unreadable reply or a status the documentation does not list keep the reservation.

/// Consulta CPF statuses the documentation says are not billed.
pub const NAO_BILHETADOS_CPF: [u16; 5] = [400, 401, 403, 500, 504];

/// Consulta CNPJ statuses the documentation says are not billed.
pub const NAO_BILHETADOS_CNPJ: [u16; 6] = [400, 401, 403, 500, 502, 504];

#[cfg(test)]
mod testes {
    use super::*;
    use guiche_ports::bilhetagem::Cobranca;

    #[test]
    fn a_404_is_billed_by_conecta_and_a_403_is_not() {
        assert_eq!(
            Cobranca::do_status(404, &NAO_BILHETADOS_CPF),
            Cobranca::Talvez
        );
        assert_eq!(
            Cobranca::do_status(403, &NAO_BILHETADOS_CNPJ),
            Cobranca::Nao
        );
        assert_eq!(
            Cobranca::do_status(502, &NAO_BILHETADOS_CPF),
            Cobranca::Talvez
        );
        assert_eq!(
            Cobranca::do_status(502, &NAO_BILHETADOS_CNPJ),
            Cobranca::Nao
        );
    }
}
