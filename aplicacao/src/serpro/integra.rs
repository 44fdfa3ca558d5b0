//! [`ServicoIntegra`]: every Integra Contador capability of guichê — the generic call, DAS
//! (and MEI), payments and their count, DARF, PGDAS-D declarations, mailbox, update events,
//! SITFIS, procurações and the procurador's sign-in — with the e-CAC registration of the
//! guides it issues.

use crate::serpro::erro::ErroSerpro;
use guiche_domain::conciliacao::Pagamento;
use guiche_domain::guia::{self, Guia, TipoGuia};
use guiche_domain::serpro::{Pedido, PedidoDados, TipoServico, servico};
use guiche_domain::{Cnpj, Competencia, Data, Documento};
use guiche_ports::Relogio;
use guiche_ports::ecac::{LivroEcac, OrigemGuia};
use guiche_ports::receita::{
    Atualizacao, ConsultaDeclaracoes, Darf, Das, DeclaracaoPgdasd, Evento, IntegraContador,
    MensagemCaixaPostal, PedidoDarf, PeriodoDarf, Procuracao,
};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use utoipa::ToSchema;

/// How long [`ServicoIntegra::sitfis`] waits for the report before giving up, by default.
pub const ESPERA_SITFIS: Duration = Duration::from_secs(120);

/// Integra Contador's services, with the contratante as author (the procurador's where
/// asked), billed calls metered by the port, and the guides issued recorded in the e-CAC
/// ledger when one is given.
#[derive(Clone)]
pub struct ServicoIntegra {
    integra: Arc<dyn IntegraContador>,
    livro: Option<Arc<dyn LivroEcac>>,
    relogio: Arc<dyn Relogio>,
    espera_sitfis: Duration,
}

impl std::fmt::Debug for ServicoIntegra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServicoIntegra")
            .field("contratante", &self.integra.contratante())
            .field("livro", &self.livro.is_some())
            .finish_non_exhaustive()
    }
}

/// A generic call (`guiche serpro call`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PedidoChamada {
    /// The service type (the path).
    pub tipo: TipoServico,
    /// `idSistema`.
    pub sistema: String,
    /// `idServico`.
    pub servico: String,
    /// `versaoSistema`; the catalogue's (or `1.0`) when `None`.
    pub versao: Option<String>,
    /// The contribuinte.
    pub contribuinte: Documento,
    /// `dados`: a JSON document as text (empty for none).
    pub dados: String,
    /// The author; the contratante when `None` (otherwise a procurador, who signs in first).
    pub autor: Option<Documento>,
    /// The `X-Request-Tag` (1–32 printable ASCII characters: the job, e.g. `fechamento-202611`);
    /// the contribuinte and the service when `None`.
    pub etiqueta: Option<String>,
}

/// One message of a reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct MensagemResposta {
    /// `codigo`, e.g. `Sucesso-PGDASD`.
    pub codigo: String,
    /// `texto`.
    pub texto: String,
}

/// The answer of a generic call.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct RespostaChamada {
    /// HTTP status.
    pub status: u16,
    /// Whether SERPRO bills it.
    pub bilhetado: bool,
    /// The envelope's messages.
    pub mensagens: Vec<MensagemResposta>,
    /// `dados` as JSON when it is JSON (an object or an array, as the service answers),
    /// otherwise the text as sent.
    #[schema(value_type = Value)]
    pub dados: serde_json::Value,
    /// The `ETag` header.
    pub etag: Option<String>,
}

/// A procurador's sign-in accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProcuradorAceito {
    /// The procurador (digits).
    pub autor: String,
    /// The contratante (digits).
    pub contratante: String,
    /// Always `true`: a refused term is an error.
    pub aceito: bool,
    /// Until when the token holds, in Brasília (`AAAA-MM-DDThh:mm:ss-03:00`), if said.
    pub expira_em: Option<String>,
    /// The same instant as a date and a time of day in Brasília, for display.
    #[serde(skip)]
    pub expira_brasilia: Option<(Data, String)>,
}

/// A DAS issued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DasEmitido {
    /// 17 digits.
    pub numero_documento: String,
    /// `MM/AAAA`.
    pub periodo_apuracao: String,
    /// `AAAA-MM-DD`.
    pub data_vencimento: String,
    /// `AAAA-MM-DD`, the last day a bank accepts it.
    pub data_limite_acolhimento: Option<String>,
    /// Total, a decimal string (`"1234.56"`).
    pub total: String,
    /// Principal.
    pub principal: String,
    /// Fine.
    pub multa: String,
    /// Interest.
    pub juros: String,
    /// The linha digitável, when the barcode came.
    pub linha_digitavel: Option<String>,
    /// Where the presentation stored the PDF, when it stored it (the service leaves `None`).
    pub pdf: Option<String>,
    /// Whether it is recorded in the e-CAC ledger for reconciliation.
    pub registrado_no_livro: bool,
    /// Why it could not be recorded in the e-CAC ledger (a warning: the guide was issued).
    #[serde(skip)]
    pub aviso_livro: Option<String>,
    /// The guide as issued, with its PDF bytes.
    #[serde(skip)]
    pub das: Das,
}

/// The DAS issued for a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DasEmitidos {
    /// One per guide detail returned (none when nothing is due).
    pub das: Vec<DasEmitido>,
}

/// A DARF issued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DarfEmitido {
    /// 17 digits.
    pub numero_documento: String,
    /// Principal, a decimal string.
    pub principal: String,
    /// Fine.
    pub multa: String,
    /// Interest.
    pub juros: String,
    /// Total.
    pub total: String,
    /// `AAAA-MM-DD`: the last day it may be paid.
    pub valido_ate: Option<String>,
    /// Where the presentation stored the PDF, when it stored it (the service leaves `None`).
    pub pdf: Option<String>,
    /// Whether it is recorded in the e-CAC ledger for reconciliation.
    pub registrado_no_livro: bool,
    /// Why it could not be recorded in the e-CAC ledger.
    #[serde(skip)]
    pub aviso_livro: Option<String>,
    /// The DARF as issued, with its PDF bytes.
    #[serde(skip)]
    pub darf: Darf,
    /// The revenue code asked.
    #[serde(skip)]
    pub receita: String,
}

/// One payment found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PagamentoEncontrado {
    /// 17 digits.
    pub numero_documento: String,
    /// `AAAA-MM-DD`.
    pub data_arrecadacao: String,
    /// A decimal string.
    pub valor_total: String,
    /// The main revenue code (`0190`), when sent.
    pub codigo_receita: Option<String>,
    /// The payment as read.
    #[serde(skip)]
    pub pagamento: Pagamento,
}

/// The payments of a window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Pagamentos {
    /// Every payment, all pages.
    pub pagamentos: Vec<PagamentoEncontrado>,
}

/// How many payments a window holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ContagemPagamentos {
    /// The count.
    pub quantidade: u64,
}

/// The fiscal situation report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RelatorioSitfis {
    /// Where the presentation stored the PDF (the service leaves `None`).
    pub arquivo: Option<String>,
    /// The PDF's size.
    pub bytes: usize,
    /// The PDF.
    #[serde(skip)]
    pub pdf: Vec<u8>,
}

/// One e-CAC power of attorney.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProcuracaoVigente {
    /// `AAAA-MM-DD`.
    pub data_expiracao: String,
    /// The e-CAC names of the services granted.
    pub sistemas: Vec<String>,
    /// Their e-CAC codes, where the catalogue knows the name.
    pub codigos: Vec<String>,
    /// As listed.
    #[serde(skip)]
    pub procuracao: Procuracao,
}

/// The powers of attorney one gave another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Procuracoes {
    /// Each one.
    pub procuracoes: Vec<ProcuracaoVigente>,
    /// Who gave them.
    #[serde(skip)]
    pub outorgante: Option<Documento>,
    /// To whom.
    #[serde(skip)]
    pub outorgado: Option<Documento>,
}

/// One PGDAS-D declaration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Declaracao {
    /// `AAAAMM`.
    pub periodo_apuracao: String,
    /// E.g. `Declaração Original`.
    pub tipo_operacao: String,
    /// The declaration's number.
    pub numero_declaracao: Option<String>,
    /// The DAS it generated (17 digits).
    pub numero_das: Option<String>,
    /// Whether that DAS is paid.
    pub das_pago: Option<bool>,
    /// As listed.
    #[serde(skip)]
    pub declaracao: DeclaracaoPgdasd,
}

/// The PGDAS-D declarations asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Declaracoes {
    /// Each one.
    pub declaracoes: Vec<Declaracao>,
}

/// One message of the e-CAC mailbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Mensagem {
    /// The message's id.
    pub isn: String,
    /// The subject.
    pub assunto: String,
    /// `AAAA-MM-DD`.
    pub enviada_em: Option<String>,
    /// Read.
    pub lida: bool,
    /// Marked relevant.
    pub relevante: bool,
    /// Who sent it.
    pub origem: String,
    /// As listed.
    #[serde(skip)]
    pub mensagem: MensagemCaixaPostal,
}

/// The e-CAC mailbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CaixaPostal {
    /// Every message, read or not.
    pub mensagens: Vec<Mensagem>,
}

/// Whether a contribuinte had an update.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AtualizacaoContribuinte {
    /// Digits.
    pub contribuinte: String,
    /// `AAAA-MM-DD`, `sem data`, or `null` for no update.
    pub atualizado_em: Option<String>,
    /// The contribuinte.
    #[serde(skip)]
    pub documento: Option<Documento>,
}

/// Who of a batch had updates of one kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Eventos {
    /// The event's code (`E0701`…).
    pub evento: String,
    /// The protocol read.
    pub protocolo: String,
    /// One line per contribuinte.
    pub contribuintes: Vec<AtualizacaoContribuinte>,
}

impl ServicoIntegra {
    /// The service over `integra`; `livro`, when given, receives every guide issued.
    pub fn new(
        integra: Arc<dyn IntegraContador>,
        livro: Option<Arc<dyn LivroEcac>>,
        relogio: Arc<dyn Relogio>,
    ) -> ServicoIntegra {
        ServicoIntegra {
            integra,
            livro,
            relogio,
            espera_sitfis: ESPERA_SITFIS,
        }
    }

    /// The same service waiting at most `espera` for the SITFIS report.
    #[must_use]
    pub fn com_espera_sitfis(mut self, espera: Duration) -> ServicoIntegra {
        self.espera_sitfis = espera;
        self
    }

    /// The contratante.
    pub fn contratante(&self) -> Cnpj {
        self.integra.contratante()
    }

    /// Any service of the catalogue (`guiche serpro call`). `dados`, when not blank, must be
    /// JSON. When the author is not the contratante, the procurador signs in first.
    ///
    /// # Errors
    /// [`ErroSerpro::Campo`] for `dados` that is not JSON; [`ErroSerpro::Receita`].
    pub async fn chamar(&self, p: PedidoChamada) -> Result<RespostaChamada, ErroSerpro> {
        if !p.dados.trim().is_empty()
            && serde_json::from_str::<serde_json::Value>(&p.dados).is_err()
        {
            return Err(ErroSerpro::campo(
                "dados",
                p.dados,
                "deve ser um documento JSON (ex.: '{\"periodoApuracao\":\"202510\"}')",
            ));
        }
        let etiqueta = p
            .etiqueta
            .as_deref()
            .map(|t| {
                guiche_ports::consulta::Etiqueta::nova(t)
                    .map_err(|e| ErroSerpro::campo("etiqueta", t, &e.to_string()))
            })
            .transpose()?;
        let contratante = self.integra.contratante();
        let versao = p.versao.unwrap_or_else(|| {
            servico(&p.sistema, &p.servico)
                .map_or("1.0", |s| s.versao_sistema)
                .to_owned()
        });
        let pedido = Pedido {
            contratante,
            autor_pedido_dados: p.autor.unwrap_or(Documento::Cnpj(contratante)),
            contribuinte: p.contribuinte,
            pedido_dados: PedidoDados {
                id_sistema: p.sistema,
                id_servico: p.servico,
                versao_sistema: versao,
                dados: p.dados,
            },
        };
        let r = self
            .integra
            .chamar(p.tipo, &pedido, self.relogio.hoje(), etiqueta)
            .await?;
        let dados = if r.dados.trim().is_empty() {
            serde_json::Value::String(r.dados)
        } else {
            serde_json::from_str(&r.dados).unwrap_or(serde_json::Value::String(r.dados))
        };
        Ok(RespostaChamada {
            status: r.status,
            bilhetado: r.bilhetado,
            mensagens: r
                .mensagens
                .into_iter()
                .map(|m| MensagemResposta {
                    codigo: m.codigo,
                    texto: m.texto,
                })
                .collect(),
            dados,
            etag: r.etag,
        })
    }

    /// Signs `autor`'s authorization term and sends it (`guiche serpro procurador`): until
    /// when the token holds, never the token.
    ///
    /// # Errors
    /// [`ErroSerpro::Receita`] (configuration when the procurador's certificate is missing or
    /// not `autor`'s).
    pub async fn procurador(&self, autor: Documento) -> Result<ProcuradorAceito, ErroSerpro> {
        let s = self
            .integra
            .autenticar_procurador(autor, self.relogio.hoje())
            .await?;
        let expira = s.expira_em.map(Data::em_brasilia);
        Ok(ProcuradorAceito {
            autor: autor.as_str().to_owned(),
            contratante: self.integra.contratante().as_str().to_owned(),
            aceito: true,
            expira_em: expira
                .as_ref()
                .map(|(d, h)| format!("{}T{h}-03:00", d.iso())),
            expira_brasilia: expira,
        })
    }

    /// Issues the DAS of `periodo` (PGMEI's when `mei`) and records each in the e-CAC ledger.
    ///
    /// # Errors
    /// [`ErroSerpro::Receita`]. A guide that cannot be recorded is a warning in its result
    /// ([`DasEmitido::aviso_livro`]): it was issued and billed.
    pub async fn das(
        &self,
        contribuinte: Cnpj,
        periodo: Competencia,
        mei: bool,
    ) -> Result<DasEmitidos, ErroSerpro> {
        let guias = self
            .integra
            .gerar_das(&contribuinte, periodo, mei, self.relogio.hoje())
            .await?;
        let das = guias
            .into_iter()
            .map(|g| {
                let aviso = self.registrar(&guia_do_das(contribuinte, &g));
                DasEmitido {
                    numero_documento: g.numero.as_digitos().to_owned(),
                    periodo_apuracao: g.periodo.to_string(),
                    data_vencimento: g.vencimento.iso(),
                    data_limite_acolhimento: g.limite_acolhimento.map(|d| d.iso()),
                    total: g.valor_total.decimal().to_string(),
                    principal: g.principal.decimal().to_string(),
                    multa: g.multa.decimal().to_string(),
                    juros: g.juros.decimal().to_string(),
                    linha_digitavel: g.codigo_barras.as_ref().map(|c| c.linha_digitavel()),
                    pdf: None,
                    registrado_no_livro: self.livro.is_some() && aviso.is_none(),
                    aviso_livro: aviso,
                    das: g,
                }
            })
            .collect();
        Ok(DasEmitidos { das })
    }

    /// Checks a DARF request (`uf` two letters, `municipio` a SIAFI code), calculates and
    /// issues it, and records it in the e-CAC ledger.
    ///
    /// # Errors
    /// [`ErroSerpro::Campo`] for `uf` or `municipio`; [`ErroSerpro::Receita`].
    pub async fn darf(
        &self,
        contribuinte: Documento,
        mut pedido: PedidoDarf,
    ) -> Result<DarfEmitido, ErroSerpro> {
        pedido.uf = guia::uf_darf(&pedido.uf)
            .map_err(|e| ErroSerpro::campo("uf", pedido.uf.as_str(), &e.to_string()))?;
        guia::municipio_darf(&pedido.municipio).map_err(|e| {
            ErroSerpro::campo("municipio", pedido.municipio.as_str(), &e.to_string())
        })?;
        let d = self
            .integra
            .gerar_darf(&contribuinte, &pedido, self.relogio.hoje())
            .await?;
        let periodo = match pedido.periodo {
            PeriodoDarf::Mensal(c) => c,
            _ => Competencia::de(pedido.vencimento),
        };
        let aviso = self.registrar(&Guia {
            tipo: TipoGuia::Darf,
            numero: d.numero,
            contribuinte,
            codigo_receita: Some(pedido.receita),
            periodo,
            vencimento: d.valido_ate.unwrap_or(pedido.vencimento),
            valor: d.total,
            codigo_barras: None,
        });
        Ok(DarfEmitido {
            numero_documento: d.numero.as_digitos().to_owned(),
            principal: d.principal.decimal().to_string(),
            multa: d.multa.decimal().to_string(),
            juros: d.juros.decimal().to_string(),
            total: d.total.decimal().to_string(),
            valido_ate: d.valido_ate.map(|v| v.iso()),
            pdf: None,
            registrado_no_livro: self.livro.is_some() && aviso.is_none(),
            aviso_livro: aviso,
            darf: d,
            receita: pedido.receita.to_string(),
        })
    }

    /// The payments with `dataArrecadacao` in `de..=ate`, all pages.
    ///
    /// # Errors
    /// [`ErroSerpro::Campo`] when `de` is after `ate`; [`ErroSerpro::Receita`].
    pub async fn pagamentos(
        &self,
        contribuinte: Documento,
        de: Data,
        ate: Data,
    ) -> Result<Pagamentos, ErroSerpro> {
        janela(de, ate)?;
        let pagos = self
            .integra
            .pagamentos(&contribuinte, de, ate, self.relogio.hoje())
            .await?;
        Ok(Pagamentos {
            pagamentos: pagos
                .into_iter()
                .map(|p| PagamentoEncontrado {
                    numero_documento: p.numero.as_digitos().to_owned(),
                    data_arrecadacao: p.data_arrecadacao.iso(),
                    valor_total: p.valor_total.decimal().to_string(),
                    codigo_receita: p.codigo_receita.map(|c| c.to_string()),
                    pagamento: p,
                })
                .collect(),
        })
    }

    /// How many payments have `dataArrecadacao` in `de..=ate` (one billed call).
    ///
    /// # Errors
    /// As [`ServicoIntegra::pagamentos`].
    pub async fn contar_pagamentos(
        &self,
        contribuinte: Documento,
        de: Data,
        ate: Data,
    ) -> Result<ContagemPagamentos, ErroSerpro> {
        janela(de, ate)?;
        let quantidade = self
            .integra
            .contar_pagamentos(&contribuinte, de, ate, self.relogio.hoje())
            .await?;
        Ok(ContagemPagamentos { quantidade })
    }

    /// The fiscal situation report: asks the protocol, waits as the service says (never past
    /// the service's SITFIS wait), returns the PDF.
    ///
    /// # Errors
    /// [`ErroSerpro::Receita`] (an unknown outcome when the report is not ready in time).
    pub async fn sitfis(&self, contribuinte: Documento) -> Result<RelatorioSitfis, ErroSerpro> {
        let hoje = self.relogio.hoje();
        let (protocolo, espera) = self.integra.protocolo_sitfis(&contribuinte, hoje).await?;
        let pdf = self
            .integra
            .relatorio_sitfis(&contribuinte, &protocolo, espera, self.espera_sitfis, hoje)
            .await?;
        Ok(RelatorioSitfis {
            arquivo: None,
            bytes: pdf.len(),
            pdf,
        })
    }

    /// The e-CAC powers of attorney `outorgante` gave `outorgado` (the contratante when
    /// `None`).
    ///
    /// # Errors
    /// [`ErroSerpro::Receita`].
    pub async fn procuracoes(
        &self,
        outorgante: Documento,
        outorgado: Option<Documento>,
    ) -> Result<Procuracoes, ErroSerpro> {
        let outorgado = outorgado.unwrap_or(Documento::Cnpj(self.integra.contratante()));
        let lista = self
            .integra
            .procuracoes(&outorgante, &outorgado, self.relogio.hoje())
            .await?;
        Ok(Procuracoes {
            procuracoes: lista
                .into_iter()
                .map(|p| ProcuracaoVigente {
                    data_expiracao: p.expira.iso(),
                    sistemas: p.sistemas.clone(),
                    codigos: p.codigos.iter().map(|c| (*c).to_owned()).collect(),
                    procuracao: p,
                })
                .collect(),
            outorgante: Some(outorgante),
            outorgado: Some(outorgado),
        })
    }

    /// The PGDAS-D declarations of a year or a month.
    ///
    /// # Errors
    /// [`ErroSerpro::Receita`].
    pub async fn declaracoes(
        &self,
        contribuinte: Cnpj,
        consulta: ConsultaDeclaracoes,
    ) -> Result<Declaracoes, ErroSerpro> {
        let lista = self
            .integra
            .declaracoes_pgdasd(&contribuinte, consulta, self.relogio.hoje())
            .await?;
        Ok(Declaracoes {
            declaracoes: lista
                .into_iter()
                .map(|d| Declaracao {
                    periodo_apuracao: d.periodo.compacta(),
                    tipo_operacao: d.tipo_operacao.clone(),
                    numero_declaracao: d.numero_declaracao.clone(),
                    numero_das: d.das.map(|n| n.as_digitos().to_owned()),
                    das_pago: d.das_pago,
                    declaracao: d,
                })
                .collect(),
        })
    }

    /// Every message of the e-CAC mailbox.
    ///
    /// # Errors
    /// [`ErroSerpro::Receita`].
    pub async fn caixa_postal(&self, contribuinte: Documento) -> Result<CaixaPostal, ErroSerpro> {
        let lista = self
            .integra
            .caixa_postal(&contribuinte, self.relogio.hoje())
            .await?;
        Ok(CaixaPostal {
            mensagens: lista
                .into_iter()
                .map(|m| Mensagem {
                    isn: m.isn.clone(),
                    assunto: m.assunto.clone(),
                    enviada_em: m.enviada_em.map(|d| d.iso()),
                    lida: m.lida,
                    relevante: m.relevante,
                    origem: m.origem.clone(),
                    mensagem: m,
                })
                .collect(),
        })
    }

    /// Who of `lote` had updates of `evento`: asks the protocol, waits the time the service
    /// says, reads the matrix.
    ///
    /// # Errors
    /// [`ErroSerpro::Campo`] for an empty batch; [`ErroSerpro::Receita`].
    pub async fn eventos(&self, evento: Evento, lote: &[Documento]) -> Result<Eventos, ErroSerpro> {
        if lote.is_empty() {
            return Err(ErroSerpro::campo(
                "contribuintes",
                "",
                "informe ao menos um CPF ou CNPJ",
            ));
        }
        let hoje = self.relogio.hoje();
        let protocolo = self.integra.solicitar_eventos(lote, evento, hoje).await?;
        tokio::time::sleep(protocolo.espera).await;
        let matriz = self.integra.obter_eventos(&protocolo, hoje).await?;
        Ok(Eventos {
            evento: evento.codigo().to_owned(),
            protocolo: protocolo.protocolo,
            contribuintes: matriz
                .into_iter()
                .map(|(d, a)| AtualizacaoContribuinte {
                    contribuinte: d.as_str().to_owned(),
                    atualizado_em: match a {
                        Atualizacao::Nenhuma => None,
                        Atualizacao::Em(dia) => Some(dia.iso()),
                        Atualizacao::SemData => Some("sem data".to_owned()),
                    },
                    documento: Some(d),
                })
                .collect(),
        })
    }

    /// The proof of payment of `numero` for `contribuinte`: the PDF.
    ///
    /// # Errors
    /// [`ErroSerpro::Receita`].
    pub async fn comprovante(
        &self,
        contribuinte: Documento,
        numero: guiche_domain::guia::NumeroDocumento,
    ) -> Result<Vec<u8>, ErroSerpro> {
        Ok(self
            .integra
            .comprovante(&contribuinte, &numero, self.relogio.hoje())
            .await?)
    }

    /// Records a guide just issued in the e-CAC ledger; why not, if it failed.
    fn registrar(&self, guia: &Guia) -> Option<String> {
        let livro = self.livro.as_ref()?;
        livro
            .registrar_guia(guia, OrigemGuia::Serpro)
            .err()
            .map(|e| {
                format!(
                    "a guia {} foi emitida, mas não foi registrada no livro do e-CAC: {e}",
                    guia.numero
                )
            })
    }
}

/// `de..=ate` must not be reversed.
fn janela(de: Data, ate: Data) -> Result<(), ErroSerpro> {
    if de > ate {
        return Err(ErroSerpro::campo(
            "de",
            de.to_string(),
            &format!("a data inicial é depois da final ({ate})"),
        ));
    }
    Ok(())
}

/// A DAS as a guide of the e-CAC ledger.
pub fn guia_do_das(contribuinte: Cnpj, d: &Das) -> Guia {
    Guia {
        tipo: TipoGuia::Das,
        numero: d.numero,
        contribuinte: Documento::Cnpj(contribuinte),
        codigo_receita: None,
        periodo: d.periodo,
        vencimento: d.vencimento,
        valor: d.valor_total,
        codigo_barras: d.codigo_barras,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::erro::{Classificar, Natureza};
    use crate::serpro::teste::{Fixo, cliente, das, escritorio, hoje, integra};
    use guiche_domain::guia::{CodigoReceita, NumeroDocumento};
    use guiche_domain::{Valor, serpro::TipoServico};
    use guiche_ports::receita::{ErroReceita, ProtocoloEventos, RespostaServico, SessaoProcurador};
    use guiche_store::Livro;
    use mockall::predicate::{always, eq};

    fn servico(m: crate::serpro::teste::MockIntegra, livro: Option<Arc<Livro>>) -> ServicoIntegra {
        ServicoIntegra::new(
            Arc::new(m),
            livro.map(|l| l as Arc<dyn LivroEcac>),
            Arc::new(Fixo),
        )
    }

    fn pedido_darf(uf: &str, municipio: &str) -> PedidoDarf {
        PedidoDarf {
            uf: uf.into(),
            municipio: municipio.into(),
            receita: CodigoReceita::new(190, None).unwrap(),
            periodo: PeriodoDarf::Mensal(Competencia::new(2026, 10).unwrap()),
            vencimento: Data::new(2026, 11, 30).unwrap(),
            valor_imposto: Valor::from_centavos(100_000),
            data_consolidacao: None,
            observacao: None,
        }
    }

    fn chamada(dados: &str, autor: Option<Documento>) -> PedidoChamada {
        PedidoChamada {
            tipo: TipoServico::Consultar,
            sistema: "PGDASD".into(),
            servico: "CONSDECLARACAO13".into(),
            versao: None,
            contribuinte: Documento::Cnpj(cliente()),
            dados: dados.into(),
            autor,
            etiqueta: None,
        }
    }

    fn resposta(dados: &str) -> RespostaServico {
        RespostaServico {
            status: 200,
            bilhetado: true,
            mensagens: Vec::new(),
            dados: dados.into(),
            etag: None,
        }
    }

    #[tokio::test]
    async fn issued_das_are_recorded_in_the_ecac_ledger_with_their_json_shape() {
        let mut m = integra();
        m.expect_gerar_das()
            .with(
                eq(cliente()),
                eq(Competencia::new(2026, 10).unwrap()),
                eq(false),
                eq(hoje()),
            )
            .times(1)
            .returning(|_, _, _, _| Ok(vec![das(7, 123_456)]));
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let s = servico(m, Some(Arc::clone(&livro)));
        let r = s
            .das(cliente(), Competencia::new(2026, 10).unwrap(), false)
            .await
            .unwrap();
        let d = &r.das[0];
        assert!(d.registrado_no_livro && d.aviso_livro.is_none());
        let guardada = livro.guia(&d.das.numero).unwrap().unwrap();
        assert_eq!(guardada.guia, guia_do_das(cliente(), &d.das));
        assert_eq!(guardada.origem, OrigemGuia::Serpro);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["das"][0]["total"], "1234.56");
        assert_eq!(v["das"][0]["periodoApuracao"], "10/2026");
        assert_eq!(v["das"][0]["dataVencimento"], "2026-11-20");
        assert_eq!(v["das"][0]["registradoNoLivro"], true);
        assert!(v["das"][0]["pdf"].is_null());
        assert!(v["das"][0].get("das").is_none(), "bytes never in JSON: {v}");
    }

    #[tokio::test]
    async fn a_guide_the_ledger_refuses_is_a_warning_not_an_error() {
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let mut outra = guia_do_das(cliente(), &das(7, 1));
        outra.valor = Valor::from_centavos(999);
        livro
            .registrar_guia(&outra, OrigemGuia::Importacao)
            .unwrap();
        let mut m = integra();
        m.expect_gerar_das()
            .returning(|_, _, _, _| Ok(vec![das(7, 123_456)]));
        let r = servico(m, Some(livro))
            .das(cliente(), Competencia::new(2026, 10).unwrap(), true)
            .await
            .unwrap();
        assert!(!r.das[0].registrado_no_livro);
        let aviso = r.das[0].aviso_livro.as_deref().unwrap();
        assert!(
            aviso.contains("foi emitida") && aviso.contains("número"),
            "{aviso}"
        );
    }

    #[tokio::test]
    async fn without_a_ledger_nothing_is_said_to_be_recorded() {
        let mut m = integra();
        m.expect_gerar_das()
            .returning(|_, _, _, _| Ok(vec![das(7, 100)]));
        let r = servico(m, None)
            .das(cliente(), Competencia::new(2026, 10).unwrap(), false)
            .await
            .unwrap();
        assert!(!r.das[0].registrado_no_livro && r.das[0].aviso_livro.is_none());
    }

    #[tokio::test]
    async fn a_darf_with_a_bad_uf_or_municipio_is_refused_before_any_call() {
        let s = servico(integra(), None);
        for (uf, municipio, campo) in [
            ("S", "7107", "uf"),
            ("1P", "7107", "uf"),
            ("sp", "71A7", "municipio"),
            ("sp", "", "municipio"),
        ] {
            let e = s
                .darf(Documento::Cnpj(cliente()), pedido_darf(uf, municipio))
                .await
                .unwrap_err();
            assert!(
                matches!(&e, ErroSerpro::Campo { campo: c, .. } if *c == campo),
                "{e}"
            );
            assert_eq!(e.natureza(), Natureza::Pedido);
        }
    }

    #[tokio::test]
    async fn a_darf_is_sent_with_the_uf_in_capitals_and_recorded_until_its_validity() {
        let mut m = integra();
        m.expect_gerar_darf()
            .withf(|_, p, _| p.uf == "SP")
            .times(1)
            .returning(|_, _, _| {
                Ok(Darf {
                    numero: NumeroDocumento::from_u64(99).unwrap(),
                    principal: Valor::from_centavos(100_000),
                    multa: Valor::from_centavos(2_000),
                    juros: Valor::from_centavos(1_000),
                    total: Valor::from_centavos(103_000),
                    valido_ate: Some(Data::new(2026, 11, 28).unwrap()),
                    pdf: Vec::new(),
                })
            });
        let livro = Arc::new(Livro::em_memoria().unwrap());
        let r = servico(m, Some(Arc::clone(&livro)))
            .darf(Documento::Cnpj(cliente()), pedido_darf(" sp ", "7107"))
            .await
            .unwrap();
        assert_eq!(r.total, "1030.00");
        assert_eq!(r.valido_ate.as_deref(), Some("2026-11-28"));
        let g = livro.guia(&r.darf.numero).unwrap().unwrap().guia;
        assert_eq!(g.tipo, TipoGuia::Darf);
        assert_eq!(g.vencimento, Data::new(2026, 11, 28).unwrap());
        assert_eq!(g.codigo_receita, CodigoReceita::new(190, None));
    }

    #[tokio::test]
    async fn a_reversed_window_is_refused_before_any_call() {
        let s = servico(integra(), None);
        let (de, ate) = (
            Data::new(2026, 3, 31).unwrap(),
            Data::new(2026, 3, 1).unwrap(),
        );
        let e = s
            .pagamentos(Documento::Cnpj(cliente()), de, ate)
            .await
            .unwrap_err();
        assert!(matches!(e, ErroSerpro::Campo { campo: "de", .. }), "{e}");
        let e = s
            .contar_pagamentos(Documento::Cnpj(cliente()), de, ate)
            .await
            .unwrap_err();
        assert_eq!(e.natureza(), Natureza::Pedido);
    }

    #[tokio::test]
    async fn a_generic_call_refuses_dados_that_are_not_json() {
        let e = servico(integra(), None)
            .chamar(chamada("{periodo", None))
            .await
            .unwrap_err();
        assert!(matches!(e, ErroSerpro::Campo { campo: "dados", .. }), "{e}");
    }

    #[tokio::test]
    async fn a_generic_call_defaults_the_author_and_version_and_decodes_dados() {
        let mut m = integra();
        m.expect_chamar()
            .withf(|tipo, p, _, etiqueta| {
                etiqueta.is_none()
                    && *tipo == TipoServico::Consultar
                    && p.autor_pedido_dados == Documento::Cnpj(escritorio())
                    && p.contratante == escritorio()
                    && p.pedido_dados.versao_sistema
                        == guiche_domain::serpro::servico("PGDASD", "CONSDECLARACAO13")
                            .unwrap()
                            .versao_sistema
            })
            .times(1)
            .returning(|_, _, _, _| Ok(resposta("{\"a\": 1}")));
        m.expect_chamar()
            .withf(|_, p, _, etiqueta| {
                p.autor_pedido_dados == Documento::Cnpj(cliente())
                    && etiqueta.as_ref().map(|e| e.as_str()) == Some("fechamento-202611")
            })
            .times(1)
            .returning(|_, _, _, _| Ok(resposta("texto")));
        let s = servico(m, None);
        let r = s.chamar(chamada("", None)).await.unwrap();
        assert_eq!(r.dados, serde_json::json!({"a": 1}));
        let mut com_etiqueta = chamada("{}", Some(Documento::Cnpj(cliente())));
        com_etiqueta.etiqueta = Some("fechamento-202611".into());
        let r = s.chamar(com_etiqueta).await.unwrap();
        assert_eq!(r.dados, serde_json::json!("texto"));
        // A tag SERPRO would cut is refused before anything is sent, naming the rule.
        let mut longa = chamada("{}", None);
        longa.etiqueta = Some("x".repeat(33));
        let e = s.chamar(longa).await.unwrap_err();
        assert!(e.to_string().contains("etiqueta"), "{e}");
        assert!(e.to_string().contains("32"), "{e}");
    }

    #[tokio::test]
    async fn the_procurador_sees_until_when_the_token_holds_in_brasilia() {
        let mut m = integra();
        // 2026-11-22T15:00:00Z is 12:00 in Brasília.
        let instante = std::time::UNIX_EPOCH + Duration::from_secs(1_795_359_600);
        m.expect_autenticar_procurador().returning(move |_, _| {
            Ok(SessaoProcurador {
                expira_em: Some(instante),
            })
        });
        let autor = Documento::parse("52998224725").unwrap();
        let r = servico(m, None).procurador(autor).await.unwrap();
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["expiraEm"], "2026-11-22T12:00:00-03:00", "{v}");
        assert_eq!(v["aceito"], true);
        assert_eq!(v["contratante"], escritorio().as_str());
        assert_eq!(
            v.as_object().unwrap().len(),
            4,
            "no token, no display field: {v}"
        );
    }

    #[tokio::test]
    async fn remote_failures_keep_their_nature() {
        for (erro, natureza) in [
            (
                ErroReceita::Configuracao("c".into()),
                Natureza::Configuracao,
            ),
            (
                ErroReceita::Autenticacao("a".into()),
                Natureza::Configuracao,
            ),
            (ErroReceita::NaoEnviado("n".into()), Natureza::Transporte),
            (ErroReceita::Desconhecido("d".into()), Natureza::Transporte),
            (ErroReceita::Recusado("r".into()), Natureza::Recusado),
            (ErroReceita::Limite("l".into()), Natureza::Limite),
        ] {
            let mut m = integra();
            let devolvido = erro.clone();
            m.expect_caixa_postal()
                .returning(move |_, _| Err(devolvido.clone()));
            let e = servico(m, None)
                .caixa_postal(Documento::Cnpj(cliente()))
                .await
                .unwrap_err();
            assert_eq!(e.natureza(), natureza, "{e}");
            assert_eq!(
                e.to_string(),
                erro.to_string(),
                "the adapter's message, whole"
            );
            assert!(e.remoto());
        }
    }

    #[tokio::test(start_paused = true)]
    async fn events_wait_the_time_the_protocol_asks_before_reading() {
        let mut m = integra();
        let lote = vec![Documento::Cnpj(cliente())];
        m.expect_solicitar_eventos()
            .with(always(), eq(Evento::Pagamentos), eq(hoje()))
            .returning(|lote, evento, _| {
                Ok(ProtocoloEventos {
                    protocolo: "p-1".into(),
                    espera: Duration::from_secs(5),
                    validade: Duration::from_secs(600),
                    evento,
                    lote: lote.to_vec(),
                })
            });
        let inicio = tokio::time::Instant::now();
        m.expect_obter_eventos().times(1).returning(move |p, _| {
            assert!(
                inicio.elapsed() >= Duration::from_secs(5),
                "read before the wait"
            );
            Ok(vec![(
                p.lote[0],
                Atualizacao::Em(Data::new(2026, 11, 2).unwrap()),
            )])
        });
        let r = servico(m, None)
            .eventos(Evento::Pagamentos, &lote)
            .await
            .unwrap();
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["evento"], "E0701");
        assert_eq!(v["contribuintes"][0]["atualizadoEm"], "2026-11-02");
        let e = servico(integra(), None)
            .eventos(Evento::Pagamentos, &[])
            .await
            .unwrap_err();
        assert_eq!(e.natureza(), Natureza::Pedido);
    }

    #[tokio::test]
    async fn sitfis_asks_the_protocol_then_the_report_within_the_wait_allowed() {
        let mut m = integra();
        m.expect_protocolo_sitfis()
            .returning(|_, _| Ok(("prot".into(), Duration::from_millis(300))));
        m.expect_relatorio_sitfis()
            .withf(|_, p, espera, maxima, _| {
                p == "prot"
                    && *espera == Duration::from_millis(300)
                    && *maxima == Duration::from_secs(7)
            })
            .times(1)
            .returning(|_, _, _, _, _| Ok(b"%PDF".to_vec()));
        let r = servico(m, None)
            .com_espera_sitfis(Duration::from_secs(7))
            .sitfis(Documento::Cnpj(cliente()))
            .await
            .unwrap();
        assert_eq!((r.bytes, r.pdf.as_slice()), (4, b"%PDF".as_slice()));
    }

    #[tokio::test]
    async fn procuracoes_default_to_the_contratante_as_grantee() {
        let mut m = integra();
        m.expect_procuracoes()
            .withf(|_, outorgado, _| *outorgado == Documento::Cnpj(escritorio()))
            .times(1)
            .returning(|_, _, _| {
                Ok(vec![Procuracao {
                    expira: Data::new(2027, 1, 1).unwrap(),
                    sistemas: vec!["Pagamentos".into()],
                    codigos: vec!["00045"],
                }])
            });
        let r = servico(m, None)
            .procuracoes(Documento::Cnpj(cliente()), None)
            .await
            .unwrap();
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"procuracoes": [{"dataExpiracao": "2027-01-01", "sistemas": ["Pagamentos"], "codigos": ["00045"]}]})
        );
    }

    fn envia<F: std::future::Future + Send>(_: F) {}

    fn compartilhavel<T: Clone + Send + Sync + 'static>(_: &T) {}

    #[test]
    fn the_service_and_its_futures_can_be_shared_by_a_server() {
        let s = servico(integra(), None);
        compartilhavel(&s);
        let doc = Documento::Cnpj(cliente());
        let dia = hoje();
        let outubro = Competencia::new(2026, 10).unwrap();
        envia(s.chamar(chamada("", None)));
        envia(s.procurador(doc));
        envia(s.das(cliente(), outubro, false));
        envia(s.darf(doc, pedido_darf("SP", "7107")));
        envia(s.pagamentos(doc, dia, dia));
        envia(s.contar_pagamentos(doc, dia, dia));
        envia(s.sitfis(doc));
        envia(s.procuracoes(doc, None));
        envia(s.declaracoes(cliente(), ConsultaDeclaracoes::Ano(2026)));
        envia(s.caixa_postal(doc));
        envia(s.eventos(Evento::Pagamentos, &[]));
        envia(s.comprovante(doc, NumeroDocumento::from_u64(1).unwrap()));
    }
}
