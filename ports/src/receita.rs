//! SERPRO Integra Contador as the application sees it: one typed method per service guichê
//! uses (DAS, payments, proof of payment, DARF, PGDAS-D declarations, mailbox, update events,
//! SITFIS, procurações), the generic call for the rest of the catalogue, and the procurador's
//! sign-in. The types here are in domain terms; the wire (envelope, JSON shapes, OAuth, mTLS,
//! billing) stays in the adapter (`guiche-serpro`).

use async_trait::async_trait;
use guiche_domain::conciliacao::Pagamento;
use guiche_domain::guia::{CodigoBarras, CodigoReceita, NumeroDocumento};
use guiche_domain::serpro::{Pedido, TipoServico};
use guiche_domain::{Cnpj, Competencia, Data, Documento, Valor};
use std::time::{Duration, SystemTime};

/// Why a call to Integra Contador failed. Each variant carries the adapter's full message
/// (Portuguese, naming the service, field or status at fault; never a secret).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErroReceita {
    /// The client cannot work as set up (URL, certificate, CA, the procurador's certificate).
    #[error("{0}")]
    Configuracao(String),
    /// The token endpoint refused the consumer credentials or the certificate.
    #[error("{0}")]
    Autenticacao(String),
    /// Nothing was sent (connection or TLS refused).
    #[error("{0}")]
    NaoEnviado(String),
    /// Sent, but no usable answer: a timeout, a 5xx after the retries, an answer outside the
    /// protocol or the documented shape, pages that do not add up, a report not ready in time.
    #[error("{0}")]
    Desconhecido(String),
    /// The service refused: an invalid request, no e-CAC procuração, access denied, a gateway
    /// fault, a 4xx with the service's messages.
    #[error("{0}")]
    Recusado(String),
    /// A ceiling was reached: guichê's monthly billing ceiling (nothing was called) or the
    /// service's rate limit (429 after the retries).
    #[error("{0}")]
    Limite(String),
}

/// One message of a reply envelope (`mensagens[]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MensagemServico {
    /// `codigo`, e.g. `Sucesso-PGDASD`.
    pub codigo: String,
    /// `texto`.
    pub texto: String,
}

/// The answer of a generic call ([`IntegraContador::chamar`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RespostaServico {
    /// HTTP status (200, 202, 204, 304).
    pub status: u16,
    /// Whether SERPRO bills this answer.
    pub bilhetado: bool,
    /// The envelope's messages.
    pub mensagens: Vec<MensagemServico>,
    /// `dados` as sent: a JSON document as text, `""` when none (or no body).
    pub dados: String,
    /// The `ETag` header (SITFIS and the 204 waits use it).
    pub etag: Option<String>,
}

/// What a procurador's sign-in (the signed AUTENTICAPROCURADOR term) gives the caller: until
/// when it holds. The token itself never leaves the adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessaoProcurador {
    /// When the token stops holding, as the server said; `None` when it did not say.
    pub expira_em: Option<SystemTime>,
}

/// A DAS as `PGDASD/GERARDAS12` (or PGMEI's `GERARDASPDF21`) issues it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Das {
    /// `detalhamento.numeroDocumento` (17 digits).
    pub numero: NumeroDocumento,
    /// `detalhamento.periodoApuracao`.
    pub periodo: Competencia,
    /// `detalhamento.dataVencimento`.
    pub vencimento: Data,
    /// `detalhamento.dataLimiteAcolhimento`: the last day a bank accepts this guide.
    pub limite_acolhimento: Option<Data>,
    /// `valores.total`.
    pub valor_total: Valor,
    /// `valores.principal`.
    pub principal: Valor,
    /// `valores.multa`.
    pub multa: Valor,
    /// `valores.juros`.
    pub juros: Valor,
    /// `codigoDeBarras` (4 blocks of 12 digits), when the answer carries it.
    pub codigo_barras: Option<CodigoBarras>,
    /// The guide's PDF (base64-decoded `pdf`).
    pub pdf: Vec<u8>,
}

/// An e-CAC power of attorney as `PROCURACOES/OBTERPROCURACAO41` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Procuracao {
    /// `dtexpiracao`: when it stops holding.
    pub expira: Data,
    /// `sistemas`: the e-CAC names of the services granted.
    pub sistemas: Vec<String>,
    /// The e-CAC codes of the names known to the catalogue (unknown names are left out).
    pub codigos: Vec<&'static str>,
}

/// What to ask `PGDASD/CONSDECLARACAO13` for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsultaDeclaracoes {
    /// Every declaration of a calendar year (`anoCalendario`).
    Ano(u16),
    /// The declarations of one month (`periodoApuracao`).
    Periodo(Competencia),
}

/// One operation (declaration) of PGDAS-D.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaracaoPgdasd {
    /// `periodoApuracao`.
    pub periodo: Competencia,
    /// `tipoOperacao`, e.g. `Declaração Original`, `Declaração Retificadora`.
    pub tipo_operacao: String,
    /// `indiceDeclaracao.numeroDeclaracao`.
    pub numero_declaracao: Option<String>,
    /// `indiceDeclaracao.dataHoraTransmissao`, as sent (`AAAAMMDDhhmmss`).
    pub transmitida_em: Option<String>,
    /// `indiceDeclaracao.malha`, when the declaration is held for review.
    pub malha: Option<String>,
    /// `indiceDas.numeroDas`: the DAS the operation generated.
    pub das: Option<NumeroDocumento>,
    /// `indiceDas.dasPago`.
    pub das_pago: Option<bool>,
}

/// One message of the e-CAC mailbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MensagemCaixaPostal {
    /// `isn`: the message's id (for `MSGDETALHAMENTO62`).
    pub isn: String,
    /// `assuntoModelo` with `++VARIAVEL++` replaced by `valorParametroAssunto`.
    pub assunto: String,
    /// `dataEnvio` (`AAAAMMDD`).
    pub enviada_em: Option<Data>,
    /// `indicadorLeitura` is `1`.
    pub lida: bool,
    /// `relevancia` is `2`.
    pub relevante: bool,
    /// `descricaoOrigem`, e.g. `Receita Federal`.
    pub origem: String,
}

/// The kinds of update `EVENTOSATUALIZACAO` monitors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evento {
    /// `E0301`: DCTFWeb.
    Dctfweb,
    /// `E0601`: the e-CAC mailbox.
    CaixaPostal,
    /// `E0701`: payments (a new payment document, a change, a cancellation).
    Pagamentos,
}

impl Evento {
    /// The documented code (`E0301`, `E0601`, `E0701`).
    pub fn codigo(self) -> &'static str {
        match self {
            Evento::Dctfweb => "E0301",
            Evento::CaixaPostal => "E0601",
            Evento::Pagamentos => "E0701",
        }
    }
}

/// A protocol handed out for a batch of `EVENTOSATUALIZACAO`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocoloEventos {
    /// `protocolo`.
    pub protocolo: String,
    /// `TempoEsperaMedioEmMs`: how long to wait before reading.
    pub espera: Duration,
    /// `TempoLimiteEmMin`: how long the protocol can be read.
    pub validade: Duration,
    /// The event asked.
    pub evento: Evento,
    /// The batch (all CPFs or all CNPJs).
    pub lote: Vec<Documento>,
}

/// One line of the events' answer matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Atualizacao {
    /// `""`: no update in the horizon.
    Nenhuma,
    /// `AAMMDD`: the last update's day.
    Em(Data),
    /// `x`: marked as updated, without a day.
    SemData,
}

/// The período de apuração of a DARF as SICALC takes it (`tipoPA`, `dataPA`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeriodoDarf {
    /// `ME`, `MM/AAAA`.
    Mensal(Competencia),
    /// `AN`, `AAAA`.
    Anual(u16),
    /// `DI`, `DD/MM/AAAA`.
    Diario(Data),
    /// Another kind (`TR` for quotas, …), sent as given.
    Outro {
        /// `tipoPA`.
        tipo: String,
        /// `dataPA`.
        data: String,
    },
}

/// What SICALC is asked to calculate (the documented fields; which are obligatory per revenue
/// code is told by `SICALC/CONSULTAAPOIORECEITAS52`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PedidoDarf {
    /// `uf`, e.g. `SP`.
    pub uf: String,
    /// `municipio`: the SIAFI code of the municipality, e.g. `7107`.
    pub municipio: String,
    /// `codigoReceita` and `codigoReceitaExtensao`.
    pub receita: CodigoReceita,
    /// `tipoPA` and `dataPA`.
    pub periodo: PeriodoDarf,
    /// `vencimento`: the tax's original due date.
    pub vencimento: Data,
    /// `valorImposto`: the principal.
    pub valor_imposto: Valor,
    /// `dataConsolidacao`: the day to pay (fine and interest up to it); today when `None`.
    pub data_consolidacao: Option<Data>,
    /// `observacao`, printed on the DARF.
    pub observacao: Option<String>,
}

/// A DARF as SICALC issues it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Darf {
    /// `numeroDocumento` (17 digits).
    pub numero: NumeroDocumento,
    /// `consolidado.valorPrincipalMoedaCorrente`.
    pub principal: Valor,
    /// `consolidado.valorMultaMora`.
    pub multa: Valor,
    /// `consolidado.valorJuros`.
    pub juros: Valor,
    /// `consolidado.valorTotalConsolidado`.
    pub total: Valor,
    /// `consolidado.dataValidadeCalculo`: the last day this DARF may be paid.
    pub valido_ate: Option<Data>,
    /// The PDF (`darf`, base64-decoded).
    pub pdf: Vec<u8>,
}

/// SERPRO Integra Contador, with the contratante (the office's e-CNPJ) as author of every
/// typed call. `hoje` is the billing month of each call. Billed calls are metered and capped
/// by the implementation (`guiche_ports::bilhetagem::MedidorBilhetagem`).
#[async_trait]
pub trait IntegraContador: Send + Sync {
    /// The contratante: the CNPJ of the certificate that authenticates the office.
    fn contratante(&self) -> Cnpj;

    /// Any service of the catalogue, with the envelope as given, tagged `etiqueta` in SERPRO's
    /// consumption report (the contribuinte and the service when `None`). When the envelope's
    /// author is not the contratante, the implementation signs in as that procurador first
    /// (its token never leaves the adapter).
    ///
    /// # Errors
    /// [`ErroReceita`].
    async fn chamar(
        &self,
        tipo: TipoServico,
        pedido: &Pedido,
        hoje: Data,
        etiqueta: Option<crate::consulta::Etiqueta>,
    ) -> Result<RespostaServico, ErroReceita>;

    /// Signs the AUTENTICAPROCURADOR term with the procurador's certificate (whose holder must
    /// be `autor`) and sends it.
    ///
    /// # Errors
    /// [`ErroReceita::Configuracao`] when no procurador certificate is set or it is not
    /// `autor`'s; [`ErroReceita`] for the call.
    async fn autenticar_procurador(
        &self,
        autor: Documento,
        hoje: Data,
    ) -> Result<SessaoProcurador, ErroReceita>;

    /// Issues the DAS of `periodo` (`PGDASD/GERARDAS12`; `PGMEI/GERARDASPDF21` when `mei`).
    ///
    /// # Errors
    /// [`ErroReceita`].
    async fn gerar_das(
        &self,
        contribuinte: &Cnpj,
        periodo: Competencia,
        mei: bool,
        hoje: Data,
    ) -> Result<Vec<Das>, ErroReceita>;

    /// The payments with `dataArrecadacao` in `desde..=ate` (`PAGTOWEB/PAGAMENTOS71`, every
    /// page, bounded).
    ///
    /// # Errors
    /// [`ErroReceita`].
    async fn pagamentos(
        &self,
        contribuinte: &Documento,
        desde: Data,
        ate: Data,
        hoje: Data,
    ) -> Result<Vec<Pagamento>, ErroReceita>;

    /// How many payments have `dataArrecadacao` in `desde..=ate`
    /// (`PAGTOWEB/CONTACONSDOCARRPG73`).
    ///
    /// # Errors
    /// [`ErroReceita`].
    async fn contar_pagamentos(
        &self,
        contribuinte: &Documento,
        desde: Data,
        ate: Data,
        hoje: Data,
    ) -> Result<u64, ErroReceita>;

    /// The proof of payment of `numero` (`PAGTOWEB/COMPARRECADACAO72`): the PDF.
    ///
    /// # Errors
    /// [`ErroReceita`].
    async fn comprovante(
        &self,
        contribuinte: &Documento,
        numero: &NumeroDocumento,
        hoje: Data,
    ) -> Result<Vec<u8>, ErroReceita>;

    /// Calculates and issues a DARF (`SICALC/CONSOLIDARGERARDARF51`).
    ///
    /// # Errors
    /// [`ErroReceita`].
    async fn gerar_darf(
        &self,
        contribuinte: &Documento,
        pedido: &PedidoDarf,
        hoje: Data,
    ) -> Result<Darf, ErroReceita>;

    /// The PGDAS-D declarations asked in `consulta` (`PGDASD/CONSDECLARACAO13`).
    ///
    /// # Errors
    /// [`ErroReceita`].
    async fn declaracoes_pgdasd(
        &self,
        contribuinte: &Cnpj,
        consulta: ConsultaDeclaracoes,
        hoje: Data,
    ) -> Result<Vec<DeclaracaoPgdasd>, ErroReceita>;

    /// Every message of the e-CAC mailbox (`CAIXAPOSTAL/MSGCONTRIBUINTE61`, every page).
    ///
    /// # Errors
    /// [`ErroReceita`].
    async fn caixa_postal(
        &self,
        contribuinte: &Documento,
        hoje: Data,
    ) -> Result<Vec<MensagemCaixaPostal>, ErroReceita>;

    /// Asks a protocol for `evento` over `lote` (1–1,000 documents, all CPFs or all CNPJs).
    ///
    /// # Errors
    /// [`ErroReceita`].
    async fn solicitar_eventos(
        &self,
        lote: &[Documento],
        evento: Evento,
        hoje: Data,
    ) -> Result<ProtocoloEventos, ErroReceita>;

    /// Reads a protocol's matrix: one [`Atualizacao`] per document of the batch.
    ///
    /// # Errors
    /// [`ErroReceita`].
    async fn obter_eventos(
        &self,
        protocolo: &ProtocoloEventos,
        hoje: Data,
    ) -> Result<Vec<(Documento, Atualizacao)>, ErroReceita>;

    /// `SITFIS/SOLICITARPROTOCOLO91`: the report's protocol and the wait before asking it.
    ///
    /// # Errors
    /// [`ErroReceita`].
    async fn protocolo_sitfis(
        &self,
        contribuinte: &Documento,
        hoje: Data,
    ) -> Result<(String, Duration), ErroReceita>;

    /// `SITFIS/RELATORIOSITFIS92` for `protocolo`: waits `espera` first and then as the
    /// answers say, never past `espera_maxima` in all; the report's PDF.
    ///
    /// # Errors
    /// [`ErroReceita`]; [`ErroReceita::Desconhecido`] when the report is not ready in time.
    async fn relatorio_sitfis(
        &self,
        contribuinte: &Documento,
        protocolo: &str,
        espera: Duration,
        espera_maxima: Duration,
        hoje: Data,
    ) -> Result<Vec<u8>, ErroReceita>;

    /// The e-CAC powers of attorney `outorgante` gave `outorgado`
    /// (`PROCURACOES/OBTERPROCURACAO41`).
    ///
    /// # Errors
    /// [`ErroReceita`].
    async fn procuracoes(
        &self,
        outorgante: &Documento,
        outorgado: &Documento,
        hoje: Data,
    ) -> Result<Vec<Procuracao>, ErroReceita>;
}
