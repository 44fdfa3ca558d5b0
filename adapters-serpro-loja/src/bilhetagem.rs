//! Which answers of SERPRO's commercial APIs are billed (`reference/anchors-2026.md` §1.2–1.3):
//! Consulta CPF does not bill 400, 401, 403, 500 and 504; Consulta CNPJ also not 502. So 200,
//! 206, 404 (no record) and 422 (a minor's data) **are** billed. Consulta CND's table is not
//! published; Consulta CPF's is used. The meter keeps the reservation for every other status
//! (429 included: undocumented) and for an unknown outcome; it gives it back only for these
//! statuses or a request that provably never left.

/// Consulta CPF and Consulta CND statuses documented as not billed.
pub const NAO_BILHETADOS_CPF: [u16; 5] = [400, 401, 403, 500, 504];

/// Consulta CNPJ statuses documented as not billed.
pub const NAO_BILHETADOS_CNPJ: [u16; 6] = [400, 401, 403, 500, 502, 504];

/// Billing service name of Consulta CPF.
pub const SERVICO_CPF: &str = "loja/cpf";

/// Billing service name of Consulta CND.
pub const SERVICO_CND: &str = "loja/cnd";

/// Billing service name of Consulta CNPJ at a level (`loja/cnpj-basica`, `-qsa`, `-empresa`:
/// each is priced apart).
pub fn servico_cnpj(nivel: guiche_ports::consulta::NivelCnpj) -> &'static str {
    use guiche_ports::consulta::NivelCnpj;
    match nivel {
        NivelCnpj::Basica => "loja/cnpj-basica",
        NivelCnpj::Qsa => "loja/cnpj-qsa",
        NivelCnpj::Empresa => "loja/cnpj-empresa",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guiche_ports::bilhetagem::Cobranca;

    #[test]
    fn billed_and_unbilled_statuses_follow_the_documentation() {
        for s in [200, 206, 404, 422, 429] {
            assert_eq!(
                Cobranca::do_status(s, &NAO_BILHETADOS_CPF),
                Cobranca::Talvez,
                "{s}"
            );
        }
        for s in [400, 401, 403, 500, 504] {
            assert_eq!(
                Cobranca::do_status(s, &NAO_BILHETADOS_CPF),
                Cobranca::Nao,
                "{s}"
            );
        }
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
