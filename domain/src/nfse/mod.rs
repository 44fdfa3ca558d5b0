//! NFS-e Nacional: the DPS (Declaração de Prestação de Serviço) of layout v1.01, the document a
//! prestador signs and sends to SEFIN Nacional, which answers with the NFS-e.
//!
//! [`DpsBruta`] is the DPS as read (the XML, or its JSON form whose keys are the XML tags);
//! [`DpsBruta::validar`] checks every rule of the layout's XSD and of the national manual this
//! module implements, naming each violation by its XML path (`infDPS/valores/vServPrest/vServ`),
//! and gives a typed [`Dps`] whose [`Dps::id`] is computed from its fields. [`IdDps`] and
//! [`ChaveAcesso`] build and parse the DPS Id and the NFS-e access key.
//!
//! Groups of the layout guichê does not issue yet (substitution, foreign trade, construction
//! works, events, deductions, municipal benefits, PIS/COFINS, the IBS/CBS group's destinatário,
//! real estate, references, reimbursements and deferral, foreign addresses and NIF) are refused by name (`nfse.nao_suportado`), never silently dropped; see
//! `docs/decisions/0018-nfse-nacional.md`.
//!
//! ```
//! use guiche_domain::nfse::DpsBruta;
//!
//! let json = include_str!("../../../exemplos/nfse/dps.json");
//! let dps = DpsBruta::de_json(json)?.validar()?;
//! assert_eq!(dps.id().to_string().len(), 45);
//! assert!(dps.para_xml().starts_with("<DPS xmlns=\"http://www.sped.fazenda.gov.br/nfse\" versao=\"1.01\">"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bruta;
pub mod evento;
mod id;
mod regras;
#[cfg(test)]
mod tests;

pub use bruta::DpsBruta;
pub(crate) use bruta::*;
pub use id::{
    CODIGO_CHAVE_MAXIMO, ChaveAcesso, ErroId, IdDps, NUMERO_MAXIMO, NUMERO_NFSE_MAXIMO,
    SERIE_MAXIMA, tipo_inscricao,
};

use crate::data::Data;
use crate::documento::Documento;
use crate::municipio::CodigoIbge;
use crate::valor::Valor;
use crate::violacao::{Regra, Violacoes};
use rust_decimal::Decimal;

/// The DPS namespace.
pub const NAMESPACE: &str = "http://www.sped.fazenda.gov.br/nfse";
/// The layout version guichê writes and reads.
pub const VERSAO: &str = "1.01";

/// `tpAmb`: where the DPS is meant to go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ambiente {
    /// `1`, production.
    Producao,
    /// `2`, homologation (Produção Restrita).
    Homologacao,
}

impl Ambiente {
    /// The layout's code.
    pub fn codigo(self) -> &'static str {
        match self {
            Ambiente::Producao => "1",
            Ambiente::Homologacao => "2",
        }
    }
}

/// `dhEmi`: date and time of issue with its UTC offset (`AAAA-MM-DDThh:mm:ss±hh:00`), as the
/// layout's pattern allows (years 2000–2099, whole-hour offsets from −11 to +12).
///
/// Its parts are private: a `DataHora` comes from [`DataHora::nova`], checked, or from a valid
/// DPS, so its text always fits the layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DataHora {
    data: Data,
    hora: u8,
    minuto: u8,
    segundo: u8,
    fuso_horas: i8,
}

/// Why a date and time was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroDataHora {
    /// The layout's pattern has years 2000–2099 only.
    #[error("o leiaute só aceita anos de 2000 a 2099 (ano {0})")]
    Ano(u16),
    /// Hour, minute or second out of range.
    #[error("horário {0:02}:{1:02}:{2:02} inexistente")]
    Horario(u8, u8, u8),
    /// The offset is not a whole hour from −11 to +12.
    #[error("fuso {0:+} h: o leiaute aceita de −11 a +12 horas")]
    Fuso(i8),
}

impl DataHora {
    /// `data` at `hora`:`minuto`:`segundo`, local to the UTC offset `fuso_horas`.
    ///
    /// # Errors
    /// [`ErroDataHora`] naming the part outside the layout's pattern.
    pub fn nova(
        data: Data,
        hora: u8,
        minuto: u8,
        segundo: u8,
        fuso_horas: i8,
    ) -> Result<DataHora, ErroDataHora> {
        if !(2000..=2099).contains(&data.ano()) {
            return Err(ErroDataHora::Ano(data.ano()));
        }
        if hora > 23 || minuto > 59 || segundo > 59 {
            return Err(ErroDataHora::Horario(hora, minuto, segundo));
        }
        if !(-11..=12).contains(&fuso_horas) {
            return Err(ErroDataHora::Fuso(fuso_horas));
        }
        Ok(DataHora {
            data,
            hora,
            minuto,
            segundo,
            fuso_horas,
        })
    }

    /// The calendar date (local to the offset).
    pub fn data(&self) -> Data {
        self.data
    }

    /// Hour, 0–23.
    pub fn hora(&self) -> u8 {
        self.hora
    }

    /// Minute, 0–59.
    pub fn minuto(&self) -> u8 {
        self.minuto
    }

    /// Second, 0–59.
    pub fn segundo(&self) -> u8 {
        self.segundo
    }

    /// The UTC offset in whole hours, −11 to +12.
    pub fn fuso_horas(&self) -> i8 {
        self.fuso_horas
    }

    /// The layout's text, e.g. `2026-11-26T10:15:00-03:00`.
    pub fn texto(&self) -> String {
        let sinal = if self.fuso_horas < 0 { '-' } else { '+' };
        format!(
            "{}T{:02}:{:02}:{:02}{sinal}{:02}:00",
            self.data.iso(),
            self.hora,
            self.minuto,
            self.segundo,
            self.fuso_horas.unsigned_abs()
        )
    }
}

/// `opSimpNac`: the prestador's standing in the Simples Nacional.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpcaoSimples {
    /// `1`, not an optant.
    NaoOptante,
    /// `2`, MEI.
    Mei,
    /// `3`, ME/EPP.
    MeEpp,
}

/// `regTrib`: the prestador's tax regimes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegimeTributario {
    /// `opSimpNac`.
    pub simples: OpcaoSimples,
    /// `regApTribSN` (1–3), only for an ME/EPP optant.
    pub apuracao_simples: Option<u8>,
    /// `regEspTrib`: 0 none, 1–6 or 9.
    pub regime_especial: u8,
}

/// `end` with `endNac`: a Brazilian address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Endereco {
    /// `endNac/cMun`.
    pub municipio: CodigoIbge,
    /// `endNac/CEP`, eight digits.
    pub cep: String,
    /// `xLgr`.
    pub logradouro: String,
    /// `nro`.
    pub numero: String,
    /// `xCpl`.
    pub complemento: Option<String>,
    /// `xBairro`.
    pub bairro: String,
}

/// `prest`: the service provider (the DPS's emitter in this version).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Prestador {
    /// `CNPJ` or `CPF`.
    pub inscricao: Documento,
    /// `IM`, the municipal registration.
    pub inscricao_municipal: Option<String>,
    /// `xNome`.
    pub nome: Option<String>,
    /// `end`.
    pub endereco: Option<Endereco>,
    /// `fone`, digits only.
    pub fone: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `regTrib`.
    pub regime: RegimeTributario,
}

/// `toma` or `interm`: the service taker or the intermediary.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pessoa {
    /// `CNPJ` or `CPF`.
    pub inscricao: Documento,
    /// `IM`.
    pub inscricao_municipal: Option<String>,
    /// `xNome`.
    pub nome: String,
    /// `end`.
    pub endereco: Option<Endereco>,
    /// `fone`.
    pub fone: Option<String>,
    /// `email`.
    pub email: Option<String>,
}

/// `serv`: the service rendered.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Servico {
    /// `locPrest/cLocPrestacao`: where the service was rendered.
    pub local: CodigoIbge,
    /// `cServ/cTribNac`: the national taxation code (item, subitem, detail: 6 digits).
    pub codigo_tributacao_nacional: String,
    /// `cServ/cTribMun`: the municipal taxation code (3 digits).
    pub codigo_tributacao_municipal: Option<String>,
    /// `cServ/xDescServ`: the description (line breaks allowed).
    pub descricao: String,
    /// `cServ/cNBS`: the NBS code (9 digits).
    pub codigo_nbs: Option<String>,
    /// `cServ/cIntContrib`: the contribuinte's own code for the service.
    pub codigo_interno: Option<String>,
    /// `infoCompl/xInfComp`: complementary information (one line: the layout allows no line
    /// break here, unlike in `xDescServ`).
    pub informacoes_complementares: Option<String>,
}

/// `tribISSQN`: how the ISSQN applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TributacaoIssqn {
    /// `1`, taxable operation.
    Tributavel,
    /// `2`, immunity (`tpImunidade` says which).
    Imunidade,
    /// `3`, export of service.
    Exportacao,
    /// `4`, not levied.
    NaoIncidencia,
}

/// `tpRetISSQN`: who withholds the ISSQN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetencaoIssqn {
    /// `1`, not withheld.
    NaoRetido,
    /// `2`, withheld by the tomador.
    RetidoTomador,
    /// `3`, withheld by the intermediário.
    RetidoIntermediario,
}

/// `tribMun`: the municipal taxation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TributacaoMunicipal {
    /// `tribISSQN`.
    pub tributacao: TributacaoIssqn,
    /// `tpImunidade` (0–5), only with [`TributacaoIssqn::Imunidade`].
    pub tipo_imunidade: Option<u8>,
    /// `tpRetISSQN`.
    pub retencao: RetencaoIssqn,
    /// `pAliq`, the ISSQN rate in percent (two decimals).
    pub aliquota: Option<Decimal>,
}

/// `tribFed`: federal withholdings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct TributacaoFederal {
    /// `vRetCP`, social security withheld.
    pub retencao_cp: Option<Valor>,
    /// `vRetIRRF`, income tax withheld.
    pub retencao_irrf: Option<Valor>,
    /// `vRetCSLL`, CSLL withheld.
    pub retencao_csll: Option<Valor>,
}

/// `totTrib`: the approximate total of taxes (Lei 12.741/2012), one of four forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TotalTributos {
    /// `vTotTrib`: federal, state and municipal amounts.
    Valores {
        /// `vTotTribFed`.
        federal: Valor,
        /// `vTotTribEst`.
        estadual: Valor,
        /// `vTotTribMun`.
        municipal: Valor,
    },
    /// `pTotTrib`: federal, state and municipal percentages.
    Percentuais {
        /// `pTotTribFed`.
        federal: Decimal,
        /// `pTotTribEst`.
        estadual: Decimal,
        /// `pTotTribMun`.
        municipal: Decimal,
    },
    /// `indTotTrib` = 0: no estimate given (Decreto 8.264/2014).
    NaoInformado,
    /// `pTotTribSN`: the Simples Nacional rate's approximate total (%).
    Simples(Decimal),
}

/// `valores`: amounts and taxation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Valores {
    /// `vServPrest/vReceb`: the amount the intermediário received.
    pub valor_recebido: Option<Valor>,
    /// `vServPrest/vServ`: the service's value.
    pub valor_servico: Valor,
    /// `vDescCondIncond/vDescIncond`: unconditional discount.
    pub desconto_incondicionado: Option<Valor>,
    /// `vDescCondIncond/vDescCond`: conditional discount.
    pub desconto_condicionado: Option<Valor>,
    /// `trib/tribMun`.
    pub municipal: TributacaoMunicipal,
    /// `trib/tribFed`.
    pub federal: Option<TributacaoFederal>,
    /// `trib/totTrib`.
    pub total_tributos: TotalTributos,
}

/// `IBSCBS`: what the emitter declares of IBS and CBS (the tax reform's group). Codes are
/// checked for their form; the tables (`cIndOp`, CST, `cClassTrib`) are not shipped yet.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IbsCbs {
    /// `indFinal`: personal use or consumption (art. 57), when declared.
    pub consumo_pessoal: Option<bool>,
    /// `cIndOp`: the operation indicator (6 digits).
    pub indicador_operacao: String,
    /// `tpOper` (1–5), operations with government entities or on real estate.
    pub tipo_operacao: Option<u8>,
    /// `tpEnteGov` (1–4).
    pub ente_governamental: Option<u8>,
    /// `gIBSCBS/CST` (3 digits).
    pub cst: String,
    /// `gIBSCBS/cClassTrib` (6 digits).
    pub classificacao: String,
    /// `gIBSCBS/cCredPres` (2 digits).
    pub credito_presumido: Option<String>,
    /// `gIBSCBS/gTribRegular`: `(CSTReg, cClassTribReg)`.
    pub tributacao_regular: Option<(String, String)>,
}

/// A valid DPS (layout v1.01), every rule checked; its Id is computed from its fields, so it
/// always agrees with them.
///
/// Its fields are private: a `Dps` exists only as [`DpsBruta::validar`] (or the readers that
/// call it) made it, and changes only through methods that check again
/// ([`Dps::com_numero`]). The groups it returns by reference ([`Prestador`], [`Servico`], …)
/// are plain data: a copy of one changes no `Dps`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Dps {
    ambiente: Ambiente,
    emissao: DataHora,
    versao_aplicativo: String,
    serie: u32,
    numero: u64,
    competencia: Data,
    municipio_emissor: CodigoIbge,
    prestador: Prestador,
    tomador: Option<Pessoa>,
    intermediario: Option<Pessoa>,
    servico: Servico,
    valores: Valores,
    ibs_cbs: Option<IbsCbs>,
}

impl Dps {
    /// `infDPS/@Id`, from `cLocEmi`, the prestador's inscription (the emitter, `tpEmit` 1),
    /// `serie` and `nDPS`.
    pub fn id(&self) -> IdDps {
        IdDps::de_partes_validas(
            self.municipio_emissor,
            self.prestador.inscricao,
            self.serie,
            self.numero,
        )
    }

    /// `tpAmb`.
    pub fn ambiente(&self) -> Ambiente {
        self.ambiente
    }

    /// `dhEmi`.
    pub fn emissao(&self) -> DataHora {
        self.emissao
    }

    /// `verAplic`: the issuing application's version.
    pub fn versao_aplicativo(&self) -> &str {
        &self.versao_aplicativo
    }

    /// `serie`, 0 to [`SERIE_MAXIMA`], written unpadded.
    pub fn serie(&self) -> u32 {
        self.serie
    }

    /// `nDPS`, 1 to [`NUMERO_MAXIMO`], written unpadded.
    pub fn numero(&self) -> u64 {
        self.numero
    }

    /// `dCompet`: the date the service began (competência).
    pub fn competencia(&self) -> Data {
        self.competencia
    }

    /// `cLocEmi`: the emitter's municipality.
    pub fn municipio_emissor(&self) -> CodigoIbge {
        self.municipio_emissor
    }

    /// `prest`.
    pub fn prestador(&self) -> &Prestador {
        &self.prestador
    }

    /// `toma`.
    pub fn tomador(&self) -> Option<&Pessoa> {
        self.tomador.as_ref()
    }

    /// `interm`.
    pub fn intermediario(&self) -> Option<&Pessoa> {
        self.intermediario.as_ref()
    }

    /// `serv`.
    pub fn servico(&self) -> &Servico {
        &self.servico
    }

    /// `valores`.
    pub fn valores(&self) -> &Valores {
        &self.valores
    }

    /// `IBSCBS`, optional until the national system requires it.
    pub fn ibs_cbs(&self) -> Option<&IbsCbs> {
        self.ibs_cbs.as_ref()
    }

    /// The same DPS with `nDPS` = `numero` (the next of its series, for the ledger or a test),
    /// so with another Id; every other field as it was.
    ///
    /// # Errors
    /// `infDPS/nDPS` ([`Regra::NumeroInvalido`]) when `numero` is not 1 to [`NUMERO_MAXIMO`].
    pub fn com_numero(&self, numero: u64) -> Result<Dps, Violacoes> {
        let mut v = Violacoes::default();
        if !(1..=NUMERO_MAXIMO).contains(&numero) {
            v.add(
                "infDPS/nDPS",
                Regra::NumeroInvalido,
                format!("número da DPS de 1 a {NUMERO_MAXIMO}"),
                numero.to_string(),
            );
        }
        v.ou(Dps {
            numero,
            ..self.clone()
        })
    }
}
