//! `CAIXAPOSTAL`: the e-CAC mailbox (`MSGCONTRIBUINTE61`, `/Consultar`, paged by a pointer)
//! and the new-messages indicator (`INNOVAMSG63`, `/Monitorar`).

use super::dados::{Lista, SeObjeto, Texto, TextoOuNada};
use serde::{Deserialize, Serialize};

/// The input of `MSGCONTRIBUINTE61`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PedidoCaixaPostal {
    /// `statusLeitura`: `0` for every message, read or not.
    pub status_leitura: String,
    /// `indicadorPagina`: `0` for the first page, `1` for the next.
    pub indicador_pagina: String,
    /// `ponteiroPagina`: the pointer of the page asked (`00000000000` for the first).
    pub ponteiro_pagina: String,
}

/// `dados` of `MSGCONTRIBUINTE61` (read inside [`SeObjeto`]: anything but an object has no
/// content).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct DadosCaixaPostal {
    /// `codigo` of the answer (`00`), when given (informative; not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codigo: Option<Texto>,
    /// `conteudo`: the pages, each read inside [`SeObjeto`]; absent or `null` ends the list.
    #[serde(default)]
    pub conteudo: Option<Lista<SeObjeto<PaginaCaixaPostal>>>,
}

/// One page of the mailbox.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaginaCaixaPostal {
    /// `quantidadeMensagens` (informative; not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantidade_mensagens: Option<Texto>,
    /// `indicadorUltimaPagina`: `N` while more pages follow.
    #[serde(default)]
    pub indicador_ultima_pagina: TextoOuNada,
    /// `ponteiroPaginaRetornada` (informative; not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ponteiro_pagina_retornada: Option<Texto>,
    /// `ponteiroProximaPagina`.
    #[serde(default)]
    pub ponteiro_proxima_pagina: TextoOuNada,
    /// `cnpjMatriz` (informative; not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnpj_matriz: Option<Texto>,
    /// `listaMensagens`.
    #[serde(default)]
    pub lista_mensagens: Option<Lista<MensagemDto>>,
}

/// One message.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MensagemDto {
    /// `isn`: the message's id.
    pub isn: Texto,
    /// `codigoSistemaRemetente` (informative; not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codigo_sistema_remetente: Option<Texto>,
    /// `assuntoModelo`, with `++VARIAVEL++` where `valorParametroAssunto` goes.
    #[serde(default)]
    pub assunto_modelo: TextoOuNada,
    /// `valorParametroAssunto`.
    #[serde(default)]
    pub valor_parametro_assunto: TextoOuNada,
    /// `dataEnvio`, `AAAAMMDD`.
    #[serde(default)]
    pub data_envio: TextoOuNada,
    /// `horaEnvio`, `HHMMSS` (informative; not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hora_envio: Option<Texto>,
    /// `indicadorLeitura`: `1` when read.
    #[serde(default)]
    pub indicador_leitura: TextoOuNada,
    /// `relevancia`: `2` when relevant.
    #[serde(default)]
    pub relevancia: TextoOuNada,
    /// `tipoOrigem` (informative; not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tipo_origem: Option<Texto>,
    /// `descricaoOrigem`.
    #[serde(default)]
    pub descricao_origem: TextoOuNada,
}

/// `dados` of `INNOVAMSG63`.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct DadosMensagensNovas {
    /// `codigo` of the answer (`00`), when given (informative; not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codigo: Option<Texto>,
    /// `conteudo`: the first item carries the indicator.
    pub conteudo: Lista<IndicadorMensagensNovas>,
}

/// One item of `INNOVAMSG63`'s `conteudo`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndicadorMensagensNovas {
    /// `indicadorMensagensNovas`: `0` none, `1` or `2` some.
    pub indicador_mensagens_novas: Texto,
}
