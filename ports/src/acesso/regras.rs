//! The token ledger's rules, the same for every ledger engine: a row of `tokens` read back into
//! a [`RegistroToken`].

use crate::acesso::{Papel, RegistroToken};

/// The columns of a row of `tokens`, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinhaToken {
    /// `id`.
    pub id: i64,
    /// `nome`.
    pub nome: String,
    /// `papel`, as stored.
    pub papel: String,
    /// `criado_em`.
    pub criado_em: String,
    /// `revogado_em`.
    pub revogado_em: Option<String>,
}

/// A row read back.
///
/// # Errors
/// A role this code does not know, naming the token's id and the value (for the engine's
/// corrupt-row error).
pub fn registro(linha: LinhaToken) -> Result<RegistroToken, String> {
    let LinhaToken {
        id,
        nome,
        papel,
        criado_em,
        revogado_em,
    } = linha;
    let papel =
        Papel::ler(&papel).ok_or_else(|| format!("token {id}: papel \"{papel}\" desconhecido"))?;
    Ok(RegistroToken {
        id,
        nome,
        papel,
        criado_em,
        revogado_em,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linha(papel: &str) -> LinhaToken {
        LinhaToken {
            id: 3,
            nome: "ana".into(),
            papel: papel.into(),
            criado_em: "2026-11-26T10:00:00Z".into(),
            revogado_em: None,
        }
    }

    #[test]
    fn every_role_reads_back() {
        for p in Papel::TODOS {
            assert_eq!(registro(linha(p.nome())).unwrap().papel, p);
        }
    }

    #[test]
    fn an_unknown_role_is_named_with_its_token() {
        let e = registro(linha("dono")).unwrap_err();
        assert_eq!(e, "token 3: papel \"dono\" desconhecido");
    }
}
