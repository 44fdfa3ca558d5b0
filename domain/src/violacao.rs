//! Violations: what validation returns when a document breaks a rule.
//!
//! Validation never stops at the first problem: it collects **every** [`Violacao`], each naming
//! the field (the official tag or JSON key, with the movement's index), a stable [`Regra`] code,
//! a message in Brazilian Portuguese and the offending value.

use std::fmt;

/// A stable identifier for each rule the domain checks.
///
/// The codes returned by [`Regra::codigo`] are part of the public contract (scripts match on
/// them in `--json` output) and never change meaning. `docs/regras.md` lists them all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Regra {
    /// The document is not well-formed XML.
    XmlInvalido,
    /// The document is not well-formed JSON.
    JsonInvalido,
    /// The document's bytes are not in the encoding it declares (or that its format requires),
    /// or it declares an encoding guichê does not read.
    CodificacaoInvalida,
    /// The root element or value is not the one the manual describes.
    RaizInvalida,
    /// A tag or key required by the layout is missing.
    CampoAusente,
    /// A tag or key not in the layout is present.
    CampoDesconhecido,
    /// A tag or key appears more than once.
    CampoRepetido,
    /// A JSON value has the wrong type (for example an object where text is expected).
    TipoInvalido,
    /// A mandatory value is empty.
    Obrigatorio,
    /// A value must be blank in this context.
    DeveSerVazio,
    /// Text holds a character that cannot travel in XML (a control character).
    CaractereInvalido,
    /// A whole number is malformed or out of range.
    NumeroInvalido,
    /// A date is malformed or not a real calendar date.
    DataInvalida,
    /// Money or a percentage is malformed (separator, decimals, thousands separator).
    ValorInvalido,
    /// A value that must not be negative is negative.
    ValorNegativo,
    /// A percentage is outside its allowed range.
    PercentualForaDaFaixa,
    /// A CPF or CNPJ is invalid (length, characters, check digits, repeated digits).
    DocumentoInvalido,
    /// An IBGE municipality code is invalid or not in the official list.
    MunicipioInvalido,
    /// A CEP is not eight digits.
    CepInvalido,
    /// An e-mail address is malformed.
    EmailInvalido,
    /// A telephone number is malformed.
    TelefoneInvalido,
    /// NFD: the nota number skips or repeats the provider's sequence.
    NfdSequencia,
    /// NFD: the emission date is after today.
    NfdDataFutura,
    /// NFD: the emission date is before the provider's last nota.
    NfdDataAnteriorUltimaNota,
    /// NFD: the municipality's activity-code rule is broken.
    NfdAtividade,
    /// NFD: `OUTRAS_INFORMACOES` exceeds 10 lines or 85 characters per line.
    NfdOutrasInformacoes,
    /// NFD: `STATUS_ISS_NOTA` is not 1, 3, 4, 6 or 7.
    NfdStatusIss,
    /// NFD: `COD_MUNICIPIO_EXECUCAO_SERVICO` and `LOCAL_EXECUCAO_SERVICO` are not both filled or both blank.
    NfdExecucaoServico,
    /// NFD: `TOMADOR_ESTRANGEIRO` is not `S` or `N`.
    NfdTomadorEstrangeiro,
    /// NFD: `VALOR_TOTAL_NOTA` is zero.
    NfdValorTotalZero,
    /// NFD: a value that is part of the total exceeds it.
    NfdExcedeTotal,
    /// NFD: the ISS rate is outside the 2%–5% of LC 116/2003 for a nota taxed in the municipality.
    NfdAliquotaIss,
    /// CONAM: `anoExercicio` is not a plausible four-digit year.
    ConamAnoExercicio,
    /// CONAM: `idPacote` is not a positive whole number.
    ConamIdPacote,
    /// CONAM: the pacote has no movement.
    ConamSemMovimentos,
    /// CONAM: `tipoMovimento` is not in Table 1.
    ConamTipoMovimento,
    /// CONAM: `tipoLancamento` is not of the form `NN-NN-NNN`.
    ConamTipoLancamentoFormato,
    /// CONAM: `tipoLancamento` is not in Table 2.
    ConamTipoLancamentoDesconhecido,
    /// CONAM: `tipoLancamento` belongs to another `tipoMovimento` in Table 2.
    ConamTipoLancamentoMovimento,
    /// CONAM: the value's sign contradicts Table 2.
    ConamSinal,
    /// CONAM: `codigoConta` is not digits separated by dots.
    ConamCodigoConta,
    /// CONAM: a reversal (estorno) lacks `dataMovimentoOriginal`.
    ConamDataOriginalExigida,
    /// CONAM: `dataMovimentoOriginal` is after `dataLancamento`.
    ConamDataOriginalPosterior,
    /// CONAM: `dataMovimento` is outside `anoExercicio`.
    ConamForaDoExercicio,
    /// CONAM: `dataExportacao` is before `dataMovimento`.
    ConamExportacaoAnterior,
    /// CONAM: the `B` movements of a bank account do not sum to the cash received on it.
    ConamBanco,
    /// SERPRO: the contratante is not a CNPJ.
    SerproContratante,
    /// SERPRO: `idSistema`, `idServico` or `versaoSistema` is malformed.
    SerproPedidoDados,
    /// Guides: the document number is not 17 digits.
    GuiaNumeroDocumento,
    /// Guides: the barcode or linha digitável is invalid.
    GuiaCodigoBarras,
    /// Guides: the revenue code (código de receita) is malformed.
    GuiaCodigoReceita,
    /// Guides: the barcode's value differs from the guide's value.
    GuiaValorDivergente,
    /// Spreadsheets: a line or column of an imported file (guides, payments) was refused.
    PlanilhaLinha,
    /// Text is longer than the layout allows.
    TextoTamanho,
    /// NFS-e: the DPS is not of the layout version guichê issues (1.01).
    NfseVersao,
    /// NFS-e: `infDPS/@Id` is malformed or does not match cLocEmi, the emitter's inscription, série and nDPS (E0004).
    NfseId,
    /// NFS-e: `serie` is not 1–5 digits or is in 90000–99999.
    NfseSerie,
    /// NFS-e: `tpEmit` is not 1 (the prestador), the only emitter this layout version accepts (E9996).
    NfseEmitente,
    /// NFS-e: `dCompet` is after the date of `dhEmi`.
    NfseCompetencia,
    /// NFS-e: a code is not in the layout's table (enumeration or pattern).
    NfseCodigo,
    /// NFS-e: more than one (or none) of the alternatives of a choice is given.
    NfseEscolha,
    /// NFS-e: the amounts contradict each other (zero service value, discounts above it, an amount without its group).
    NfseValores,
    /// NFS-e: the taxation fields contradict each other (immunity type, rate, Simples regime, withholding without its party).
    NfseTributacao,
    /// NFS-e: a group of the layout guichê does not issue yet.
    NfseNaoSuportado,
}

impl Regra {
    /// Every rule, in declaration order (for documentation and exhaustive tests).
    pub const TODAS: &'static [Regra] = &[
        Regra::XmlInvalido,
        Regra::JsonInvalido,
        Regra::CodificacaoInvalida,
        Regra::RaizInvalida,
        Regra::CampoAusente,
        Regra::CampoDesconhecido,
        Regra::CampoRepetido,
        Regra::TipoInvalido,
        Regra::Obrigatorio,
        Regra::DeveSerVazio,
        Regra::CaractereInvalido,
        Regra::NumeroInvalido,
        Regra::DataInvalida,
        Regra::ValorInvalido,
        Regra::ValorNegativo,
        Regra::PercentualForaDaFaixa,
        Regra::DocumentoInvalido,
        Regra::MunicipioInvalido,
        Regra::CepInvalido,
        Regra::EmailInvalido,
        Regra::TelefoneInvalido,
        Regra::NfdSequencia,
        Regra::NfdDataFutura,
        Regra::NfdDataAnteriorUltimaNota,
        Regra::NfdAtividade,
        Regra::NfdOutrasInformacoes,
        Regra::NfdStatusIss,
        Regra::NfdExecucaoServico,
        Regra::NfdTomadorEstrangeiro,
        Regra::NfdValorTotalZero,
        Regra::NfdExcedeTotal,
        Regra::NfdAliquotaIss,
        Regra::ConamAnoExercicio,
        Regra::ConamIdPacote,
        Regra::ConamSemMovimentos,
        Regra::ConamTipoMovimento,
        Regra::ConamTipoLancamentoFormato,
        Regra::ConamTipoLancamentoDesconhecido,
        Regra::ConamTipoLancamentoMovimento,
        Regra::ConamSinal,
        Regra::ConamCodigoConta,
        Regra::ConamDataOriginalExigida,
        Regra::ConamDataOriginalPosterior,
        Regra::ConamForaDoExercicio,
        Regra::ConamExportacaoAnterior,
        Regra::ConamBanco,
        Regra::SerproContratante,
        Regra::SerproPedidoDados,
        Regra::GuiaNumeroDocumento,
        Regra::GuiaCodigoBarras,
        Regra::GuiaCodigoReceita,
        Regra::GuiaValorDivergente,
        Regra::PlanilhaLinha,
        Regra::TextoTamanho,
        Regra::NfseVersao,
        Regra::NfseId,
        Regra::NfseSerie,
        Regra::NfseEmitente,
        Regra::NfseCompetencia,
        Regra::NfseCodigo,
        Regra::NfseEscolha,
        Regra::NfseValores,
        Regra::NfseTributacao,
        Regra::NfseNaoSuportado,
    ];

    /// The stable code of the rule, e.g. `nfd.sequencia`.
    pub fn codigo(self) -> &'static str {
        match self {
            Regra::XmlInvalido => "formato.xml",
            Regra::JsonInvalido => "formato.json",
            Regra::CodificacaoInvalida => "formato.codificacao",
            Regra::RaizInvalida => "formato.raiz",
            Regra::CampoAusente => "formato.campo_ausente",
            Regra::CampoDesconhecido => "formato.campo_desconhecido",
            Regra::CampoRepetido => "formato.campo_repetido",
            Regra::TipoInvalido => "formato.tipo",
            Regra::Obrigatorio => "campo.obrigatorio",
            Regra::DeveSerVazio => "campo.deve_ser_vazio",
            Regra::CaractereInvalido => "texto.caractere_invalido",
            Regra::NumeroInvalido => "numero.formato",
            Regra::DataInvalida => "data.formato",
            Regra::ValorInvalido => "valor.formato",
            Regra::ValorNegativo => "valor.negativo",
            Regra::PercentualForaDaFaixa => "percentual.faixa",
            Regra::DocumentoInvalido => "documento.invalido",
            Regra::MunicipioInvalido => "municipio.invalido",
            Regra::CepInvalido => "cep.formato",
            Regra::EmailInvalido => "email.formato",
            Regra::TelefoneInvalido => "telefone.formato",
            Regra::NfdSequencia => "nfd.sequencia",
            Regra::NfdDataFutura => "nfd.data_futura",
            Regra::NfdDataAnteriorUltimaNota => "nfd.data_anterior_ultima_nota",
            Regra::NfdAtividade => "nfd.atividade",
            Regra::NfdOutrasInformacoes => "nfd.outras_informacoes",
            Regra::NfdStatusIss => "nfd.status_iss",
            Regra::NfdExecucaoServico => "nfd.execucao_servico",
            Regra::NfdTomadorEstrangeiro => "nfd.tomador_estrangeiro",
            Regra::NfdValorTotalZero => "nfd.valor_total_zero",
            Regra::NfdExcedeTotal => "nfd.excede_total",
            Regra::NfdAliquotaIss => "nfd.aliquota_iss",
            Regra::ConamAnoExercicio => "conam.ano_exercicio",
            Regra::ConamIdPacote => "conam.id_pacote",
            Regra::ConamSemMovimentos => "conam.sem_movimentos",
            Regra::ConamTipoMovimento => "conam.tipo_movimento",
            Regra::ConamTipoLancamentoFormato => "conam.tipo_lancamento_formato",
            Regra::ConamTipoLancamentoDesconhecido => "conam.tipo_lancamento_desconhecido",
            Regra::ConamTipoLancamentoMovimento => "conam.tipo_lancamento_movimento",
            Regra::ConamSinal => "conam.sinal",
            Regra::ConamCodigoConta => "conam.codigo_conta",
            Regra::ConamDataOriginalExigida => "conam.data_original_exigida",
            Regra::ConamDataOriginalPosterior => "conam.data_original_posterior",
            Regra::ConamForaDoExercicio => "conam.fora_do_exercicio",
            Regra::ConamExportacaoAnterior => "conam.exportacao_anterior",
            Regra::ConamBanco => "conam.banco",
            Regra::SerproContratante => "serpro.contratante",
            Regra::SerproPedidoDados => "serpro.pedido_dados",
            Regra::GuiaNumeroDocumento => "guia.numero_documento",
            Regra::GuiaCodigoBarras => "guia.codigo_barras",
            Regra::GuiaCodigoReceita => "guia.codigo_receita",
            Regra::GuiaValorDivergente => "guia.valor_divergente",
            Regra::PlanilhaLinha => "planilha.linha",
            Regra::TextoTamanho => "texto.tamanho",
            Regra::NfseVersao => "nfse.versao",
            Regra::NfseId => "nfse.id_dps",
            Regra::NfseSerie => "nfse.serie",
            Regra::NfseEmitente => "nfse.emitente",
            Regra::NfseCompetencia => "nfse.competencia",
            Regra::NfseCodigo => "nfse.codigo",
            Regra::NfseEscolha => "nfse.escolha",
            Regra::NfseValores => "nfse.valores",
            Regra::NfseTributacao => "nfse.tributacao",
            Regra::NfseNaoSuportado => "nfse.nao_suportado",
        }
    }
}

impl fmt::Display for Regra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.codigo())
    }
}

/// One broken rule: which field, which rule, why (in Portuguese) and the offending value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violacao {
    /// The field as the document names it: an official tag (`TOMADOR_DOCUMENTO`) or a JSON
    /// path (`movimentos[3].valor`).
    pub campo: String,
    /// The rule broken.
    pub regra: Regra,
    /// What is wrong, in Brazilian Portuguese, for the user.
    pub mensagem: String,
    /// The offending value exactly as found (empty when the field is missing or blank).
    pub valor: String,
}

impl Violacao {
    /// Builds a violation.
    pub fn new(
        campo: impl Into<String>,
        regra: Regra,
        mensagem: impl Into<String>,
        valor: impl Into<String>,
    ) -> Violacao {
        Violacao {
            campo: campo.into(),
            regra,
            mensagem: mensagem.into(),
            valor: valor.into(),
        }
    }
}

impl fmt::Display for Violacao {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (valor: \"{}\") [{}]",
            self.campo, self.mensagem, self.valor, self.regra
        )
    }
}

/// Every violation found in one document, in document order. Never empty when returned as an
/// error.
#[derive(Clone, Debug, PartialEq, Eq, Default, thiserror::Error)]
#[error("{} violação(ões) encontrada(s): {}", .0.len(), resumo(.0))]
pub struct Violacoes(pub Vec<Violacao>);

fn resumo(v: &[Violacao]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Violacoes {
    /// Records a violation.
    pub fn push(&mut self, v: Violacao) {
        self.0.push(v);
    }

    /// Records a violation built from its parts.
    pub fn add(
        &mut self,
        campo: impl Into<String>,
        regra: Regra,
        mensagem: impl Into<String>,
        valor: impl Into<String>,
    ) {
        self.0.push(Violacao::new(campo, regra, mensagem, valor));
    }

    /// True when no violation was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many violations were recorded.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Iterates over the violations.
    pub fn iter(&self) -> std::slice::Iter<'_, Violacao> {
        self.0.iter()
    }

    /// True when some violation names `campo` with `regra`.
    pub fn contem(&self, campo: &str, regra: Regra) -> bool {
        self.0.iter().any(|v| v.campo == campo && v.regra == regra)
    }

    /// `Ok(valor)` when nothing was recorded, otherwise `Err(self)`.
    pub fn ou<T>(self, valor: T) -> Result<T, Violacoes> {
        if self.0.is_empty() {
            Ok(valor)
        } else {
            Err(self)
        }
    }
}

impl IntoIterator for Violacoes {
    type Item = Violacao;
    type IntoIter = std::vec::IntoIter<Violacao>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Violacoes {
    type Item = &'a Violacao;
    type IntoIter = std::slice::Iter<'a, Violacao>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_dotted() {
        let mut seen = HashSet::new();
        for r in Regra::TODAS {
            assert!(seen.insert(r.codigo()), "código repetido: {}", r.codigo());
            assert!(r.codigo().contains('.'), "{}", r.codigo());
        }
    }

    #[test]
    fn every_rule_is_documented() {
        let doc = include_str!("../../docs/regras.md");
        for r in Regra::TODAS {
            assert!(
                doc.contains(&format!("`{}`", r.codigo())),
                "docs/regras.md não documenta {}",
                r.codigo()
            );
        }
    }

    #[test]
    fn display_names_field_value_and_rule() {
        let v = Violacao::new("IRRF", Regra::ValorInvalido, "use vírgula", "1.000,00");
        assert_eq!(
            v.to_string(),
            "IRRF: use vírgula (valor: \"1.000,00\") [valor.formato]"
        );
    }
}
