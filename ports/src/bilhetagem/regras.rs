//! The billing meter's rules, the same for every ledger engine: the ceiling (all services of a
//! contratante together, per window) and a stored count read back. Each engine keeps only its
//! SQL and how it serializes the reservations of one contratante and window.

use crate::bilhetagem::{Bilhete, Consumo, ErroBilhetagem, Janela};

/// The contratante's count in the window after counting `bilhete`, whose window already holds
/// `atual` calls (all services together).
///
/// # Errors
/// [`ErroBilhetagem::TetoAtingido`] when `atual` already reaches the ceiling: nothing may be
/// counted.
pub fn reservar(bilhete: &Bilhete<'_>, atual: u64) -> Result<u64, ErroBilhetagem> {
    match bilhete.teto {
        Some(teto) if atual >= teto => Err(ErroBilhetagem::TetoAtingido {
            contratante: bilhete.contratante.to_owned(),
            janela: bilhete.janela,
            teto,
        }),
        _ => Ok(atual.saturating_add(1)),
    }
}

/// A stored count (`chamadas`, or a sum of them) as the port's number.
///
/// # Errors
/// A negative count, named (for the engine's corrupt-row error).
pub fn chamadas(valor: i64) -> Result<u64, String> {
    u64::try_from(valor).map_err(|_| format!("contagem de bilhetagem negativa ({valor})"))
}

/// A row of `bilhetagem` read back.
///
/// # Errors
/// What is wrong with it (a window neither `AAAAMM` nor `total`, a negative count), naming
/// the row.
pub fn consumo(
    contratante: String,
    servico: String,
    janela: &str,
    valor: i64,
) -> Result<Consumo, String> {
    let lida = Janela::ler(janela).ok_or_else(|| {
        format!("bilhetagem de {contratante} em {servico}: janela \"{janela}\" inválida")
    })?;
    let chamadas = chamadas(valor)
        .map_err(|e| format!("bilhetagem de {contratante} em {servico} ({janela}): {e}"))?;
    Ok(Consumo {
        contratante,
        servico,
        janela: lida,
        chamadas,
    })
}

/// The window and status of a row of `chamadas_serpro` read back (`id` names the row in an
/// error).
///
/// # Errors
/// What is wrong: a window neither `AAAAMM` nor `total`, a status outside 100–599.
pub fn chamada(
    id: i64,
    janela: &str,
    status: Option<i64>,
) -> Result<(Janela, Option<u16>), String> {
    let lida = Janela::ler(janela)
        .ok_or_else(|| format!("chamada {id} ao SERPRO: janela \"{janela}\" inválida"))?;
    let status = match status {
        None => None,
        Some(s) => Some(
            u16::try_from(s)
                .ok()
                .filter(|s| (100..=599).contains(s))
                .ok_or_else(|| format!("chamada {id} ao SERPRO: status HTTP {s} inválido"))?,
        ),
    };
    Ok((lida, status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use guiche_domain::Competencia;

    fn bilhete(teto: Option<u64>) -> Bilhete<'static> {
        Bilhete {
            contratante: "111",
            servico: "PGDASD/GERARDAS12",
            janela: Janela::Mes(Competencia::new(2026, 11).unwrap()),
            teto,
        }
    }

    #[test]
    fn the_ceiling_refuses_once_reached() {
        assert_eq!(reservar(&bilhete(None), 0).unwrap(), 1);
        assert_eq!(reservar(&bilhete(None), u64::MAX).unwrap(), u64::MAX);
        assert_eq!(reservar(&bilhete(Some(3)), 2).unwrap(), 3);
        for atual in [3, 4] {
            let e = reservar(&bilhete(Some(3)), atual).unwrap_err();
            assert!(
                matches!(&e, ErroBilhetagem::TetoAtingido { teto: 3, contratante, .. } if contratante == "111"),
                "{e:?}"
            );
            assert!(e.to_string().contains("202611"), "{e}");
        }
        assert!(reservar(&bilhete(Some(0)), 0).is_err());
    }

    #[test]
    fn a_row_reads_back_or_is_named() {
        let c = consumo("111".into(), "x".into(), "total", 4).unwrap();
        assert_eq!((c.janela, c.chamadas), (Janela::Total, 4));
        let e = consumo("111".into(), "x".into(), "202613", 1).unwrap_err();
        assert!(e.contains("\"202613\"") && e.contains("111"), "{e}");
        let e = consumo("111".into(), "x".into(), "202611", -1).unwrap_err();
        assert!(e.contains("negativa (-1)"), "{e}");
    }

    #[test]
    fn windows_read_back() {
        let mes = |m| Janela::Mes(Competencia::new(2026, m).unwrap());
        assert_eq!(Janela::ler("202611"), Some(mes(11)));
        assert_eq!(Janela::ler("total"), Some(Janela::Total));
        assert_eq!(Janela::ler("202613"), None);
        assert_eq!(mes(1).to_string(), "202601");
    }
}
