//! SERPRO Integra Contador: the request envelope ([`Pedido`]), the five gateway paths
//! ([`TipoServico`]), the service catalogue ([`SERVICOS`]) and the e-CAC procuração codes each
//! service needs ([`PROCURACOES`]). Pure data and rules: encoding to JSON and HTTP live in the
//! adapter.
//!
//! Sources: `reference/serpro.md` §2.2 (envelope) and §4 (catalogue, verified rows only);
//! `reference/domain.md` §4 (procurações, rows verified in both public copies).

use std::fmt;
use std::str::FromStr;

pub mod consumo;

use crate::documento::{Cnpj, Cpf, Documento};
use crate::violacao::{Regra, Violacao, Violacoes};

/// The gateway path of a service: `POST {gateway}/{Tipo}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TipoServico {
    /// Support services (not billed).
    Apoiar,
    /// Queries (billed).
    Consultar,
    /// Declaration delivery (billed).
    Declarar,
    /// Guides, reports and receipts (billed).
    Emitir,
    /// Monitoring (not billed).
    Monitorar,
}

impl TipoServico {
    /// All five, in alphabetical order.
    pub const TODOS: [TipoServico; 5] = [
        TipoServico::Apoiar,
        TipoServico::Consultar,
        TipoServico::Declarar,
        TipoServico::Emitir,
        TipoServico::Monitorar,
    ];

    /// The name as the gateway spells it: `Consultar`.
    pub fn nome(self) -> &'static str {
        match self {
            TipoServico::Apoiar => "Apoiar",
            TipoServico::Consultar => "Consultar",
            TipoServico::Declarar => "Declarar",
            TipoServico::Emitir => "Emitir",
            TipoServico::Monitorar => "Monitorar",
        }
    }

    /// The path under the gateway base URL: `/Consultar`.
    pub fn caminho(self) -> &'static str {
        match self {
            TipoServico::Apoiar => "/Apoiar",
            TipoServico::Consultar => "/Consultar",
            TipoServico::Declarar => "/Declarar",
            TipoServico::Emitir => "/Emitir",
            TipoServico::Monitorar => "/Monitorar",
        }
    }

    /// True for `Consultar`, `Declarar` and `Emitir`, which SERPRO bills when answered with
    /// data (`Apoiar`, `Monitorar`, 204, 304 and errors are not billed).
    pub fn bilhetado(self) -> bool {
        matches!(
            self,
            TipoServico::Consultar | TipoServico::Declarar | TipoServico::Emitir
        )
    }
}

/// A text that names no [`TipoServico`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "tipo de serviço desconhecido \"{0}\": use Apoiar, Consultar, Declarar, Emitir ou Monitorar"
)]
pub struct ErroTipoServico(pub String);

impl FromStr for TipoServico {
    type Err = ErroTipoServico;

    /// Accepts the exact names in any letter case (`Consultar`, `consultar`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        TipoServico::TODOS
            .into_iter()
            .find(|tipo| tipo.nome().eq_ignore_ascii_case(t))
            .ok_or_else(|| ErroTipoServico(t.to_owned()))
    }
}

impl fmt::Display for TipoServico {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.nome())
    }
}

/// One party of the envelope (`contratante`, `autorPedidoDados`, `contribuinte`):
/// `{"numero": "...", "tipo": 1|2}`. Batch lists (tipo 3 and 4) are not modelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Parte {
    /// The CPF or CNPJ; `numero` is sent bare (digits only).
    pub numero: Documento,
}

impl Parte {
    /// `tipo`: 1 for a CPF, 2 for a CNPJ.
    pub fn tipo(&self) -> u8 {
        self.numero.tipo_serpro()
    }
}

impl From<Documento> for Parte {
    fn from(numero: Documento) -> Self {
        Parte { numero }
    }
}

impl From<Cnpj> for Parte {
    fn from(c: Cnpj) -> Self {
        Parte {
            numero: Documento::Cnpj(c),
        }
    }
}

impl From<Cpf> for Parte {
    fn from(c: Cpf) -> Self {
        Parte {
            numero: Documento::Cpf(c),
        }
    }
}

/// `pedidoDados`: which service, which version, and its input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PedidoDados {
    /// `idSistema`, e.g. `PAGTOWEB`.
    pub id_sistema: String,
    /// `idServico`, e.g. `PAGAMENTOS71`.
    pub id_servico: String,
    /// `versaoSistema`, e.g. `1.0`.
    pub versao_sistema: String,
    /// `dados`: the service input, a JSON document already encoded as a string (`""` for
    /// services without input). Sent as a JSON string, i.e. escaped once more.
    pub dados: String,
}

/// The request body of every Integra Contador call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pedido {
    /// Who holds the SERPRO contract (always a CNPJ, `tipo` 2).
    pub contratante: Cnpj,
    /// Who asks: the contratante, a procurador or the contribuinte itself.
    pub autor_pedido_dados: Documento,
    /// Whose data is asked for.
    pub contribuinte: Documento,
    /// Service and input.
    pub pedido_dados: PedidoDados,
}

/// Parses the contratante's number, refusing anything but a valid CNPJ with
/// [`Regra::SerproContratante`] on `contratante.numero`.
///
/// # Errors
/// The [`Violacao`] to report.
pub fn parse_contratante(texto: &str) -> Result<Cnpj, Violacao> {
    Cnpj::parse(texto).map_err(|e| {
        Violacao::new(
            "contratante.numero",
            Regra::SerproContratante,
            format!("o contratante deve ser um CNPJ válido (tipo 2): {e}"),
            texto,
        )
    })
}

/// `idSistema`/`idServico`: upper-case ASCII letters, digits and `-`.
fn identificador_valido(s: &str) -> bool {
    s.bytes()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'-')
}

/// `versaoSistema`: digits separated by single dots (`1`, `1.0`, `2.9`).
fn versao_valida(s: &str) -> bool {
    s.split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
}

fn checar_campo(v: &mut Violacoes, campo: &str, valor: &str, ok: fn(&str) -> bool, forma: &str) {
    if valor.is_empty() {
        v.add(
            campo,
            Regra::Obrigatorio,
            format!("{campo} é obrigatório"),
            "",
        );
    } else if !ok(valor) {
        v.add(
            campo,
            Regra::SerproPedidoDados,
            format!("{campo} deve conter {forma}"),
            valor,
        );
    }
}

impl Pedido {
    /// Checks `pedidoDados`: `idSistema` and `idServico` non-empty, upper-case letters, digits
    /// and `-`; `versaoSistema` non-empty, digits separated by dots. Empty values break
    /// [`Regra::Obrigatorio`], malformed ones [`Regra::SerproPedidoDados`]; fields are named by
    /// their JSON path (`pedidoDados.idServico`). `dados` is not inspected.
    ///
    /// # Errors
    /// [`Violacoes`] with every problem.
    pub fn validar(&self) -> Result<(), Violacoes> {
        let mut v = Violacoes::default();
        let p = &self.pedido_dados;
        let ident = "apenas letras maiúsculas, dígitos e hífen (ex.: PAGTOWEB)";
        checar_campo(
            &mut v,
            "pedidoDados.idSistema",
            &p.id_sistema,
            identificador_valido,
            ident,
        );
        checar_campo(
            &mut v,
            "pedidoDados.idServico",
            &p.id_servico,
            identificador_valido,
            ident,
        );
        checar_campo(
            &mut v,
            "pedidoDados.versaoSistema",
            &p.versao_sistema,
            versao_valida,
            "dígitos separados por pontos (ex.: 1.0)",
        );
        v.ou(())
    }

    /// True when the author is not the contratante: the call then carries the
    /// `autenticar_procurador_token` obtained through AUTENTICAPROCURADOR.
    pub fn eh_procurador(&self) -> bool {
        self.autor_pedido_dados != Documento::Cnpj(self.contratante)
    }

    /// The procuração the author needs from the contribuinte for this service, when the author
    /// is not the contribuinte and the table names one (see [`procuracao_exigida`]).
    pub fn procuracao_necessaria(&self) -> Option<&'static Procuracao> {
        if self.autor_pedido_dados == self.contribuinte {
            return None;
        }
        procuracao_exigida(&self.pedido_dados.id_sistema, &self.pedido_dados.id_servico)
    }

    /// The catalogue entry of the requested service, when known.
    pub fn servico(&self) -> Option<&'static Servico> {
        servico(&self.pedido_dados.id_sistema, &self.pedido_dados.id_servico)
    }
}

// ---------------------------------------------------------------------------------------------
// Catalogue
// ---------------------------------------------------------------------------------------------

/// One service of the Integra Contador catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Servico {
    /// `idSistema`.
    pub id_sistema: &'static str,
    /// `idServico`.
    pub id_servico: &'static str,
    /// The path the service answers on; any other gives 403 or 500.
    pub tipo: TipoServico,
    /// The `versaoSistema` the documentation shows (`1.0` where it states none).
    pub versao_sistema: &'static str,
}

macro_rules! servicos {
    ($($sis:literal $serv:literal $tipo:ident $versao:literal;)*) => {
        &[$(Servico {
            id_sistema: $sis,
            id_servico: $serv,
            tipo: TipoServico::$tipo,
            versao_sistema: $versao,
        },)*]
    };
}

/// The services in production per `reference/serpro.md` §4, verified in the official
/// documentation or in working clients. Prospection, cancelled and single-source rows are left
/// out.
pub static SERVICOS: &[Servico] = servicos! {
    "PGDASD" "TRANSDECLARACAO11" Declarar "1.0";
    "PGDASD" "GERARDAS12" Emitir "1.0";
    "PGDASD" "CONSDECLARACAO13" Consultar "1.0";
    "PGDASD" "CONSULTIMADECREC14" Consultar "1.0";
    "PGDASD" "CONSDECREC15" Consultar "1.0";
    "PGDASD" "CONSEXTRATO16" Consultar "1.0";
    "PGDASD" "GERARDASCOBRANCA17" Emitir "1.0";
    "PGDASD" "GERARDASPROCESSO18" Emitir "1.0";
    "PGDASD" "GERARDASAVULSO19" Emitir "1.0";
    "PGMEI" "GERARDASPDF21" Emitir "1.0";
    "PGMEI" "GERARDASCODBARRA22" Emitir "1.0";
    "PGMEI" "ATUBENEFICIO23" Emitir "1.0";
    "PGMEI" "DIVIDAATIVA24" Consultar "1.0";
    "DCTFWEB" "GERARGUIA31" Emitir "1.0";
    "DCTFWEB" "CONSRECIBO32" Consultar "1.0";
    "DCTFWEB" "CONSDECCOMPLETA33" Consultar "1.0";
    "DCTFWEB" "CONSXMLDECLARACAO38" Consultar "1.0";
    "DCTFWEB" "TRANSDECLARACAO310" Declarar "1.0";
    "DCTFWEB" "GERARGUIAANDAMENTO313" Emitir "1.0";
    "MIT" "ENCAPURACAO314" Declarar "1.0";
    "MIT" "SITUACAOENC315" Apoiar "1.0";
    "MIT" "CONSAPURACAO316" Consultar "1.0";
    "MIT" "LISTAAPURACOES317" Consultar "1.0";
    "PROCURACOES" "OBTERPROCURACAO41" Consultar "1";
    "SICALC" "CONSOLIDARGERARDARF51" Emitir "2.9";
    "SICALC" "CONSULTAAPOIORECEITAS52" Apoiar "1.0";
    "SICALC" "GERARDARFCODBARRA53" Emitir "2.9";
    "CAIXAPOSTAL" "MSGCONTRIBUINTE61" Consultar "1.0";
    "CAIXAPOSTAL" "MSGDETALHAMENTO62" Consultar "1.0";
    "CAIXAPOSTAL" "INNOVAMSG63" Monitorar "1.0";
    "PAGTOWEB" "PAGAMENTOS71" Consultar "1.0";
    "PAGTOWEB" "COMPARRECADACAO72" Emitir "1.0";
    "PAGTOWEB" "CONTACONSDOCARRPG73" Consultar "1.0";
    "AUTENTICAPROCURADOR" "ENVIOXMLASSINADO81" Apoiar "1.0";
    "SITFIS" "SOLICITARPROTOCOLO91" Apoiar "2.0";
    "SITFIS" "RELATORIOSITFIS92" Emitir "1.0";
    "REGIMEAPURACAO" "EFETUAROPCAOREGIME101" Declarar "1.0";
    "REGIMEAPURACAO" "CONSULTARANOSCALENDARIOS102" Consultar "1.0";
    "REGIMEAPURACAO" "CONSULTAROPCAOREGIME103" Consultar "1.0";
    "REGIMEAPURACAO" "CONSULTARRESOLUCAO104" Consultar "1.0";
    "DTE" "CONSULTASITUACAODTE111" Consultar "1.0";
    "CCMEI" "EMITIRCCMEI121" Emitir "1.0";
    "CCMEI" "DADOSCCMEI122" Consultar "1.0";
    "CCMEI" "CCMEISITCADASTRAL123" Consultar "1.0";
    "EVENTOSATUALIZACAO" "SOLICEVENTOSPF131" Monitorar "1.0";
    "EVENTOSATUALIZACAO" "SOLICEVENTOSPJ132" Monitorar "1.0";
    "EVENTOSATUALIZACAO" "OBTEREVENTOSPF133" Monitorar "1.0";
    "EVENTOSATUALIZACAO" "OBTEREVENTOSPJ134" Monitorar "1.0";
    "DEFIS" "TRANSDECLARACAO141" Declarar "1.0";
    "DEFIS" "CONSDECLARACAO142" Consultar "1.0";
    "DEFIS" "CONSULTIMADECREC143" Consultar "1.0";
    "DEFIS" "CONSDECREC144" Consultar "1.0";
    "PARCSN" "GERARDAS161" Emitir "1.0";
    "PARCSN" "PARCELASPARAGERAR162" Consultar "1.0";
    "PARCSN" "PEDIDOSPARC163" Consultar "1.0";
    "PARCSN" "OBTERPARC164" Consultar "1.0";
    "PARCSN" "DETPAGTOPARC165" Consultar "1.0";
    "PARCSN-ESP" "GERARDAS171" Emitir "1.0";
    "PARCSN-ESP" "PARCELASPARAGERAR172" Consultar "1.0";
    "PARCSN-ESP" "PEDIDOSPARC173" Consultar "1.0";
    "PARCSN-ESP" "OBTERPARC174" Consultar "1.0";
    "PARCSN-ESP" "DETPAGTOPARC175" Consultar "1.0";
    "PERTSN" "GERARDAS181" Emitir "1.0";
    "PERTSN" "PARCELASPARAGERAR182" Consultar "1.0";
    "PERTSN" "PEDIDOSPARC183" Consultar "1.0";
    "PERTSN" "OBTERPARC184" Consultar "1.0";
    "PERTSN" "DETPAGTOPARC185" Consultar "1.0";
    "RELPSN" "GERARDAS191" Emitir "1.0";
    "RELPSN" "PARCELASPARAGERAR192" Consultar "1.0";
    "RELPSN" "PEDIDOSPARC193" Consultar "1.0";
    "RELPSN" "OBTERPARC194" Consultar "1.0";
    "RELPSN" "DETPAGTOPARC195" Consultar "1.0";
    "PARCMEI" "GERARDAS201" Emitir "1.0";
    "PARCMEI" "PARCELASPARAGERAR202" Consultar "1.0";
    "PARCMEI" "PEDIDOSPARC203" Consultar "1.0";
    "PARCMEI" "OBTERPARC204" Consultar "1.0";
    "PARCMEI" "DETPAGTOPARC205" Consultar "1.0";
    "PARCMEI-ESP" "GERARDAS211" Emitir "1.0";
    "PARCMEI-ESP" "PARCELASPARAGERAR212" Consultar "1.0";
    "PARCMEI-ESP" "PEDIDOSPARC213" Consultar "1.0";
    "PARCMEI-ESP" "OBTERPARC214" Consultar "1.0";
    "PARCMEI-ESP" "DETPAGTOPARC215" Consultar "1.0";
    "PERTMEI" "GERARDAS221" Emitir "1.0";
    "PERTMEI" "PARCELASPARAGERAR222" Consultar "1.0";
    "PERTMEI" "PEDIDOSPARC223" Consultar "1.0";
    "PERTMEI" "OBTERPARC224" Consultar "1.0";
    "PERTMEI" "DETPAGTOPARC225" Consultar "1.0";
    "RELPMEI" "GERARDAS231" Emitir "1.0";
    "RELPMEI" "PARCELASPARAGERAR232" Consultar "1.0";
    "RELPMEI" "PEDIDOSPARC233" Consultar "1.0";
    "RELPMEI" "OBTERPARC234" Consultar "1.0";
    "RELPMEI" "DETPAGTOPARC235" Consultar "1.0";
};

/// The catalogue entry for a service (ids compared ignoring ASCII case).
pub fn servico(id_sistema: &str, id_servico: &str) -> Option<&'static Servico> {
    SERVICOS.iter().find(|s| {
        s.id_sistema.eq_ignore_ascii_case(id_sistema.trim())
            && s.id_servico.eq_ignore_ascii_case(id_servico.trim())
    })
}

// ---------------------------------------------------------------------------------------------
// Procurações
// ---------------------------------------------------------------------------------------------

/// An e-CAC procuração service: the power an author needs from the contribuinte to call some
/// Integra Contador services on its behalf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Procuracao {
    /// The e-CAC code, e.g. `00004`.
    pub codigo: &'static str,
    /// A second code listed for the same service (PERT and RELP programmes), if any.
    pub codigo_alternativo: Option<&'static str>,
    /// The service name in the e-CAC procuração form; `OBTERPROCURACAO41` reports these names.
    pub nome: &'static str,
    /// The `(idSistema, idServico)` pairs that require it.
    pub servicos: &'static [(&'static str, &'static str)],
}

/// The five services of a parcelamento system, numbered `nn1`…`nn5`.
macro_rules! parcelamento {
    ($sis:literal, $n:literal) => {
        &[
            ($sis, concat!("GERARDAS", $n, "1")),
            ($sis, concat!("PARCELASPARAGERAR", $n, "2")),
            ($sis, concat!("PEDIDOSPARC", $n, "3")),
            ($sis, concat!("OBTERPARC", $n, "4")),
            ($sis, concat!("DETPAGTOPARC", $n, "5")),
        ]
    };
}

/// The procuração table of `reference/domain.md` §4: only the rows the SERPRO copy and the
/// independent transcription agree on. Left out: 00051, 00229 and 00188 (one source only) and
/// PARCMEI-ESP (00133 in one copy, 00152 in the other).
pub static PROCURACOES: &[Procuracao] = &[
    Procuracao {
        codigo: "00146",
        codigo_alternativo: None,
        nome: "PGDAS-D - a partir de 01/2018",
        servicos: &[
            ("PGDASD", "TRANSDECLARACAO11"),
            ("PGDASD", "GERARDAS12"),
            ("PGDASD", "CONSDECLARACAO13"),
            ("PGDASD", "CONSULTIMADECREC14"),
            ("PGDASD", "CONSDECREC15"),
            ("PGDASD", "CONSEXTRATO16"),
            ("DEFIS", "TRANSDECLARACAO141"),
            ("DEFIS", "CONSDECLARACAO142"),
            ("DEFIS", "CONSULTIMADECREC143"),
            ("DEFIS", "CONSDECREC144"),
        ],
    },
    Procuracao {
        codigo: "00103",
        codigo_alternativo: None,
        nome: "Acessar o sistema DCTFWeb",
        servicos: &[
            ("DCTFWEB", "GERARGUIA31"),
            ("DCTFWEB", "CONSRECIBO32"),
            ("DCTFWEB", "CONSDECCOMPLETA33"),
            ("DCTFWEB", "CONSXMLDECLARACAO38"),
            ("DCTFWEB", "TRANSDECLARACAO310"),
        ],
    },
    Procuracao {
        codigo: "00060",
        codigo_alternativo: None,
        nome: "Simples Nacional - Opção pelo Regime de Apuração de Receitas",
        servicos: &[
            ("REGIMEAPURACAO", "EFETUAROPCAOREGIME101"),
            ("REGIMEAPURACAO", "CONSULTARANOSCALENDARIOS102"),
            ("REGIMEAPURACAO", "CONSULTAROPCAOREGIME103"),
            ("REGIMEAPURACAO", "CONSULTARRESOLUCAO104"),
        ],
    },
    Procuracao {
        codigo: "00002",
        codigo_alternativo: None,
        nome: "Situação Fiscal do Contribuinte",
        servicos: &[
            ("SITFIS", "SOLICITARPROTOCOLO91"),
            ("SITFIS", "RELATORIOSITFIS92"),
        ],
    },
    Procuracao {
        codigo: "00004",
        codigo_alternativo: None,
        nome: "Pagamentos - Comprovante de Arrecadação",
        servicos: &[
            ("PAGTOWEB", "PAGAMENTOS71"),
            ("PAGTOWEB", "COMPARRECADACAO72"),
            ("PAGTOWEB", "CONTACONSDOCARRPG73"),
        ],
    },
    Procuracao {
        codigo: "00006",
        codigo_alternativo: None,
        nome: "Caixa Postal - Mensagens",
        servicos: &[
            ("CAIXAPOSTAL", "MSGCONTRIBUINTE61"),
            ("CAIXAPOSTAL", "MSGDETALHAMENTO62"),
            ("CAIXAPOSTAL", "INNOVAMSG63"),
        ],
    },
    Procuracao {
        codigo: "00050",
        codigo_alternativo: None,
        nome: "Caixa Postal - Termo de Opção pelo Domicílio Tributário Eletrônico",
        servicos: &[("DTE", "CONSULTASITUACAODTE111")],
    },
    Procuracao {
        codigo: "00076",
        codigo_alternativo: None,
        nome: "Parcelamento de Débitos do Simples Nacional",
        servicos: parcelamento!("PARCSN", "16"),
    },
    Procuracao {
        codigo: "00125",
        codigo_alternativo: None,
        nome: "Parcelamento Especial Simples Nacional",
        servicos: parcelamento!("PARCSN-ESP", "17"),
    },
    Procuracao {
        codigo: "00149",
        codigo_alternativo: Some("10011"),
        nome: "Programa Especial Regularização Tributária - PERT-SN",
        servicos: parcelamento!("PERTSN", "18"),
    },
    Procuracao {
        codigo: "00210",
        codigo_alternativo: Some("10036"),
        nome: "Parcelar dívidas do SN pela LC 193/2022 (RELP)",
        servicos: parcelamento!("RELPSN", "19"),
    },
    Procuracao {
        codigo: "00134",
        codigo_alternativo: None,
        nome: "Parcelamento - Microempreendedor Individual",
        servicos: parcelamento!("PARCMEI", "20"),
    },
    Procuracao {
        codigo: "00152",
        codigo_alternativo: Some("10012"),
        nome: "Programa Especial de Regularização Tributária - PERT-MEI",
        servicos: parcelamento!("PERTMEI", "22"),
    },
    Procuracao {
        codigo: "00209",
        codigo_alternativo: Some("10035"),
        nome: "Parcelar dívidas do MEI pela LC 193/2022 (RELP)",
        servicos: parcelamento!("RELPMEI", "23"),
    },
];

/// The procuração a non-contribuinte author needs for a service (ids compared ignoring ASCII
/// case). `None` means the table names none: either the service needs none (PGMEI, SICALC,
/// CCMEI, PROCURACOES, AUTENTICAPROCURADOR) or it is not in the verified table (e.g.
/// EVENTOSATUALIZACAO, whose procuração depends on the event).
pub fn procuracao_exigida(id_sistema: &str, id_servico: &str) -> Option<&'static Procuracao> {
    let (sis, serv) = (id_sistema.trim(), id_servico.trim());
    PROCURACOES.iter().find(|p| {
        p.servicos
            .iter()
            .any(|(s, v)| s.eq_ignore_ascii_case(sis) && v.eq_ignore_ascii_case(serv))
    })
}

/// The procuração whose e-CAC name is `nome` (as `OBTERPROCURACAO41` lists it), ignoring case
/// and surrounding blanks.
pub fn procuracao_por_nome(nome: &str) -> Option<&'static Procuracao> {
    let minusculas = |s: &'static str| s.chars().flat_map(char::to_lowercase);
    let nome = nome.trim();
    PROCURACOES
        .iter()
        .find(|p| minusculas(p.nome).eq(nome.chars().flat_map(char::to_lowercase)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pedido(autor: &str, sistema: &str, servico: &str, versao: &str) -> Pedido {
        Pedido {
            contratante: Cnpj::parse("11222333000181").unwrap(),
            autor_pedido_dados: Documento::parse(autor).unwrap(),
            contribuinte: Documento::parse("11444777000161").unwrap(),
            pedido_dados: PedidoDados {
                id_sistema: sistema.into(),
                id_servico: servico.into(),
                versao_sistema: versao.into(),
                dados: String::new(),
            },
        }
    }

    #[test]
    fn tipo_servico_paths_and_billing() {
        assert_eq!(TipoServico::Consultar.caminho(), "/Consultar");
        assert_eq!(TipoServico::Monitorar.caminho(), "/Monitorar");
        let bilhetados: Vec<_> = TipoServico::TODOS
            .into_iter()
            .filter(|t| t.bilhetado())
            .collect();
        assert_eq!(
            bilhetados,
            [
                TipoServico::Consultar,
                TipoServico::Declarar,
                TipoServico::Emitir
            ]
        );
        for t in TipoServico::TODOS {
            assert_eq!(t.nome().parse::<TipoServico>(), Ok(t));
            assert_eq!(t.caminho(), format!("/{t}"));
        }
        assert_eq!("emitir".parse::<TipoServico>(), Ok(TipoServico::Emitir));
        let e = "Transmitir".parse::<TipoServico>().unwrap_err();
        assert!(e.to_string().contains("Transmitir"));
    }

    #[test]
    fn parte_tipo() {
        let cpf = Parte::from(Cpf::parse("52998224725").unwrap());
        assert_eq!(cpf.tipo(), 1);
        let cnpj = Parte::from(Cnpj::parse("11222333000181").unwrap());
        assert_eq!(cnpj.tipo(), 2);
    }

    #[test]
    fn valid_request_and_procurador() {
        let p = pedido("11222333000181", "PAGTOWEB", "PAGAMENTOS71", "1.0");
        assert_eq!(p.validar(), Ok(()));
        assert!(!p.eh_procurador());
        let p = pedido("52998224725", "PAGTOWEB", "PAGAMENTOS71", "1.0");
        assert!(p.eh_procurador());
        assert_eq!(p.procuracao_necessaria().map(|p| p.codigo), Some("00004"));
        assert_eq!(p.servico().map(|s| s.tipo), Some(TipoServico::Consultar));
        let proprio = pedido("11444777000161", "PAGTOWEB", "PAGAMENTOS71", "1.0");
        assert_eq!(proprio.procuracao_necessaria(), None);
    }

    #[test]
    fn malformed_pedido_dados() {
        let p = pedido("11222333000181", "pagtoweb", "", "1..0");
        let v = p.validar().unwrap_err();
        assert_eq!(v.len(), 3);
        assert!(v.contem("pedidoDados.idSistema", Regra::SerproPedidoDados));
        assert!(v.contem("pedidoDados.idServico", Regra::Obrigatorio));
        assert!(v.contem("pedidoDados.versaoSistema", Regra::SerproPedidoDados));
        for ok in ["1", "2.9", "10.0.1"] {
            assert!(versao_valida(ok), "{ok}");
        }
        for bad in [".1", "1.", "v1", "1,0"] {
            assert!(!versao_valida(bad), "{bad}");
        }
        assert!(identificador_valido("PARCSN-ESP"));
    }

    #[test]
    fn contratante_must_be_cnpj() {
        assert!(parse_contratante("11.222.333/0001-81").is_ok());
        let v = parse_contratante("52998224725").unwrap_err();
        assert_eq!(v.regra, Regra::SerproContratante);
        assert_eq!(v.campo, "contratante.numero");
    }

    #[test]
    fn procuracao_table() {
        let p = procuracao_exigida("PGDASD", "GERARDAS12").unwrap();
        assert_eq!(
            (p.codigo, p.nome),
            ("00146", "PGDAS-D - a partir de 01/2018")
        );
        assert_eq!(
            procuracao_exigida("DEFIS", "CONSDECREC144").unwrap().codigo,
            "00146"
        );
        assert_eq!(
            procuracao_exigida("dctfweb", "gerarguia31").unwrap().codigo,
            "00103"
        );
        assert_eq!(
            procuracao_exigida("SITFIS", "RELATORIOSITFIS92")
                .unwrap()
                .codigo,
            "00002"
        );
        let relp = procuracao_exigida("RELPSN", "OBTERPARC194").unwrap();
        assert_eq!(
            (relp.codigo, relp.codigo_alternativo),
            ("00210", Some("10036"))
        );
        assert_eq!(
            procuracao_exigida("PERTMEI", "DETPAGTOPARC225")
                .unwrap()
                .codigo,
            "00152"
        );
        assert_eq!(procuracao_exigida("PGMEI", "GERARDASPDF21"), None);
        assert_eq!(procuracao_exigida("PARCMEI-ESP", "GERARDAS211"), None);
        assert_eq!(
            procuracao_por_nome(" pagamentos - comprovante de arrecadação ").map(|p| p.codigo),
            Some("00004")
        );
    }

    #[test]
    fn every_procuracao_service_is_in_the_catalogue() {
        let mut codigos = std::collections::HashSet::new();
        for p in PROCURACOES {
            assert!(codigos.insert(p.codigo), "{}", p.codigo);
            for (s, v) in p.servicos {
                assert!(servico(s, v).is_some(), "{s}/{v}");
            }
        }
        let mut pares = std::collections::HashSet::new();
        for s in SERVICOS {
            assert!(
                pares.insert((s.id_sistema, s.id_servico)),
                "{}",
                s.id_servico
            );
            assert!(identificador_valido(s.id_sistema) && identificador_valido(s.id_servico));
            assert!(versao_valida(s.versao_sistema));
        }
        assert_eq!(
            servico("SICALC", "CONSOLIDARGERARDARF51")
                .unwrap()
                .versao_sistema,
            "2.9"
        );
        assert_eq!(
            servico("MIT", "SITUACAOENC315").unwrap().tipo,
            TipoServico::Apoiar
        );
    }
}
