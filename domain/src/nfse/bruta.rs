//! The DPS as read, before any rule: every leaf is the text found (or nothing), every group
//! optional, named exactly as the layout's tags so that one set of types reads both the XML and
//! the JSON form. Groups guichê does not issue yet are kept as [`Presente`] so that validation
//! can refuse them by name instead of dropping them.
#![allow(non_snake_case)]

#[cfg(feature = "formatos")]
use serde::Deserialize;

/// A group or field whose content is not read (guichê does not issue it yet); only its presence
/// matters, and validation refuses it by its path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Presente;

#[cfg(feature = "formatos")]
impl<'de> Deserialize<'de> for Presente {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Presente)
    }
}

/// A DPS as read from a file, not yet validated: [`DpsBruta::validar`] turns it into a
/// [`super::Dps`] or names every violation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "formatos", derive(Deserialize), serde(deny_unknown_fields))]
pub struct DpsBruta {
    #[cfg_attr(
        feature = "formatos",
        serde(rename = "@versao", alias = "versao", default)
    )]
    pub(crate) versao: Option<String>,
    #[cfg_attr(feature = "formatos", serde(rename = "@xmlns", default))]
    pub(crate) xmlns: Option<String>,
    #[cfg_attr(feature = "formatos", serde(default))]
    pub(crate) infDPS: Option<InfDpsBruta>,
    #[cfg_attr(feature = "formatos", serde(default))]
    pub(crate) Signature: Option<Presente>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct InfDpsBruta {
    #[cfg_attr(feature = "formatos", serde(rename = "@Id", alias = "Id"))]
    pub(crate) Id: Option<String>,
    pub(crate) tpAmb: Option<String>,
    pub(crate) dhEmi: Option<String>,
    pub(crate) verAplic: Option<String>,
    pub(crate) serie: Option<String>,
    pub(crate) nDPS: Option<String>,
    pub(crate) dCompet: Option<String>,
    pub(crate) tpEmit: Option<String>,
    pub(crate) cMotivoEmisTI: Option<Presente>,
    pub(crate) chNFSeRej: Option<Presente>,
    pub(crate) cLocEmi: Option<String>,
    pub(crate) subst: Option<Presente>,
    pub(crate) prest: Option<PrestadorBruto>,
    pub(crate) toma: Option<PessoaBruta>,
    pub(crate) interm: Option<PessoaBruta>,
    pub(crate) serv: Option<ServicoBruto>,
    pub(crate) valores: Option<ValoresBruto>,
    pub(crate) IBSCBS: Option<IbsCbsBruto>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct PrestadorBruto {
    pub(crate) CNPJ: Option<String>,
    pub(crate) CPF: Option<String>,
    pub(crate) NIF: Option<Presente>,
    pub(crate) cNaoNIF: Option<Presente>,
    pub(crate) CAEPF: Option<Presente>,
    pub(crate) IM: Option<String>,
    pub(crate) xNome: Option<String>,
    pub(crate) end: Option<EnderecoBruto>,
    pub(crate) fone: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) regTrib: Option<RegTribBruto>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct PessoaBruta {
    pub(crate) CNPJ: Option<String>,
    pub(crate) CPF: Option<String>,
    pub(crate) NIF: Option<Presente>,
    pub(crate) cNaoNIF: Option<Presente>,
    pub(crate) CAEPF: Option<Presente>,
    pub(crate) IM: Option<String>,
    pub(crate) xNome: Option<String>,
    pub(crate) end: Option<EnderecoBruto>,
    pub(crate) fone: Option<String>,
    pub(crate) email: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct EnderecoBruto {
    pub(crate) endNac: Option<EndNacBruto>,
    pub(crate) endExt: Option<Presente>,
    pub(crate) xLgr: Option<String>,
    pub(crate) nro: Option<String>,
    pub(crate) xCpl: Option<String>,
    pub(crate) xBairro: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct EndNacBruto {
    pub(crate) cMun: Option<String>,
    pub(crate) CEP: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct RegTribBruto {
    pub(crate) opSimpNac: Option<String>,
    pub(crate) regApTribSN: Option<String>,
    pub(crate) regEspTrib: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct ServicoBruto {
    pub(crate) locPrest: Option<LocPrestBruto>,
    pub(crate) cServ: Option<CServBruto>,
    pub(crate) comExt: Option<Presente>,
    pub(crate) obra: Option<Presente>,
    pub(crate) atvEvento: Option<Presente>,
    pub(crate) infoCompl: Option<InfoComplBruto>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct LocPrestBruto {
    pub(crate) cLocPrestacao: Option<String>,
    pub(crate) cPaisPrestacao: Option<Presente>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct CServBruto {
    pub(crate) cTribNac: Option<String>,
    pub(crate) cTribMun: Option<String>,
    pub(crate) xDescServ: Option<String>,
    pub(crate) cNBS: Option<String>,
    pub(crate) cIntContrib: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct InfoComplBruto {
    pub(crate) idDocTec: Option<Presente>,
    pub(crate) docRef: Option<Presente>,
    pub(crate) xPed: Option<Presente>,
    pub(crate) gItemPed: Option<Presente>,
    pub(crate) xInfComp: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct ValoresBruto {
    pub(crate) vServPrest: Option<VServPrestBruto>,
    pub(crate) vDescCondIncond: Option<DescontosBruto>,
    pub(crate) vDedRed: Option<Presente>,
    pub(crate) trib: Option<TribBruto>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct VServPrestBruto {
    pub(crate) vReceb: Option<String>,
    pub(crate) vServ: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct DescontosBruto {
    pub(crate) vDescIncond: Option<String>,
    pub(crate) vDescCond: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct TribBruto {
    pub(crate) tribMun: Option<TribMunBruto>,
    pub(crate) tribFed: Option<TribFedBruto>,
    pub(crate) totTrib: Option<TotTribBruto>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct TribMunBruto {
    pub(crate) tribISSQN: Option<String>,
    pub(crate) cPaisResult: Option<Presente>,
    pub(crate) tpImunidade: Option<String>,
    pub(crate) exigSusp: Option<Presente>,
    pub(crate) BM: Option<Presente>,
    pub(crate) tpRetISSQN: Option<String>,
    pub(crate) pAliq: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct TribFedBruto {
    pub(crate) piscofins: Option<Presente>,
    pub(crate) vRetCP: Option<String>,
    pub(crate) vRetIRRF: Option<String>,
    pub(crate) vRetCSLL: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct TotTribBruto {
    pub(crate) vTotTrib: Option<TresValoresBruto>,
    pub(crate) pTotTrib: Option<TresPercentuaisBruto>,
    pub(crate) indTotTrib: Option<String>,
    pub(crate) pTotTribSN: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct TresValoresBruto {
    pub(crate) vTotTribFed: Option<String>,
    pub(crate) vTotTribEst: Option<String>,
    pub(crate) vTotTribMun: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct TresPercentuaisBruto {
    pub(crate) pTotTribFed: Option<String>,
    pub(crate) pTotTribEst: Option<String>,
    pub(crate) pTotTribMun: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct IbsCbsBruto {
    pub(crate) finNFSe: Option<String>,
    pub(crate) indFinal: Option<String>,
    pub(crate) cIndOp: Option<String>,
    pub(crate) tpOper: Option<String>,
    pub(crate) gRefNFSe: Option<Presente>,
    pub(crate) tpEnteGov: Option<String>,
    pub(crate) indDest: Option<String>,
    pub(crate) dest: Option<Presente>,
    pub(crate) imovel: Option<Presente>,
    pub(crate) valores: Option<ValoresIbsCbsBruto>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct ValoresIbsCbsBruto {
    pub(crate) gReeRepRes: Option<Presente>,
    pub(crate) trib: Option<TribIbsCbsBruto>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct TribIbsCbsBruto {
    pub(crate) gIBSCBS: Option<GIbsCbsBruto>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct GIbsCbsBruto {
    pub(crate) CST: Option<String>,
    pub(crate) cClassTrib: Option<String>,
    pub(crate) cCredPres: Option<String>,
    pub(crate) gTribRegular: Option<TribRegularBruto>,
    pub(crate) gDif: Option<Presente>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "formatos",
    derive(Deserialize),
    serde(deny_unknown_fields, default)
)]
pub(crate) struct TribRegularBruto {
    pub(crate) CSTReg: Option<String>,
    pub(crate) cClassTribReg: Option<String>,
}
