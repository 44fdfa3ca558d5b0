//! The port `guiche_ports::receita::IntegraContador` over this crate's client: a thin layer
//! over [`crate::servicos`] that maps its errors to the port's kinds. The
//! procurador's sign-in (the AUTENTICAPROCURADOR term, signed with the procurador's
//! certificate) lives here too, so its token never leaves the adapter.

pub use crate::erro::{erro_integra, erro_servico};
use crate::servicos;
use crate::termo::TermoAutorizacao;
use crate::{Chamada, ClienteIntegra, ErroIntegra};
use async_trait::async_trait;
use guiche_certificados::Certificado;
use guiche_domain::conciliacao::Pagamento;
use guiche_domain::guia::NumeroDocumento;
use guiche_domain::serpro::{Pedido, TipoServico};
use guiche_domain::{Cnpj, Competencia, Data, Documento};
use guiche_ports::receita::{
    Atualizacao, ConsultaDeclaracoes, Darf, Das, DeclaracaoPgdasd, ErroReceita, Evento,
    IntegraContador, MensagemCaixaPostal, MensagemServico, PedidoDarf, Procuracao,
    ProtocoloEventos, RespostaServico, SessaoProcurador,
};
use std::sync::Arc;
use std::time::Duration;

/// Integra Contador as the [`IntegraContador`] port: the client (contratante, billing) and,
/// when set, the procurador's certificate.
pub struct IntegraSerpro {
    cliente: Arc<ClienteIntegra>,
    procurador: Result<Arc<Certificado>, String>,
}

impl IntegraSerpro {
    /// The port over `cliente`. `procurador` is the procurador's certificate, or why there is
    /// none (the message a procurador's sign-in will fail with; the other services work).
    pub fn new(
        cliente: Arc<ClienteIntegra>,
        procurador: Result<Certificado, String>,
    ) -> IntegraSerpro {
        IntegraSerpro {
            cliente,
            procurador: procurador.map(Arc::new),
        }
    }

    /// The client underneath (for the e-CAC payment source, [`crate::fonte`]).
    pub fn cliente(&self) -> Arc<ClienteIntegra> {
        Arc::clone(&self.cliente)
    }

    /// Signs the term with the procurador's certificate and sends it: the token.
    async fn token(
        &self,
        autor: Documento,
        hoje: Data,
    ) -> Result<crate::TokenProcurador, ErroIntegra> {
        let cert = self
            .procurador
            .as_ref()
            .map_err(|e| ErroIntegra::Configuracao(e.clone()))?;
        if cert.titular() != Some(autor) {
            return Err(ErroIntegra::Configuracao(format!(
                "o certificado do procurador não é de {autor} (--autor)"
            )));
        }
        let nome = cert.nome().unwrap_or("PROCURADOR").to_owned();
        let termo = TermoAutorizacao::novo(
            (self.cliente.contratante(), "CONTRATANTE".into()),
            (autor, nome),
            hoje,
        )
        .and_then(|t| t.assinar(cert.chave_pkcs8_der(), cert.certificado_der()))
        .map_err(|e| ErroIntegra::Configuracao(format!("termo de autorização: {e}")))?;
        self.cliente
            .autenticar_procurador(&termo, autor, hoje)
            .await
    }
}

impl std::fmt::Debug for IntegraSerpro {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntegraSerpro")
            .field("contratante", &self.cliente.contratante())
            .field("procurador", &self.procurador.is_ok())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl IntegraContador for IntegraSerpro {
    fn contratante(&self) -> Cnpj {
        self.cliente.contratante()
    }

    async fn chamar(
        &self,
        tipo: TipoServico,
        pedido: &Pedido,
        hoje: Data,
        etiqueta: Option<guiche_ports::consulta::Etiqueta>,
    ) -> Result<RespostaServico, ErroReceita> {
        let contratante = Documento::Cnpj(self.cliente.contratante());
        let token = if pedido.autor_pedido_dados == contratante {
            None
        } else {
            let t = self.token(pedido.autor_pedido_dados, hoje);
            Some(t.await.map_err(|e| erro_integra(&e))?.token)
        };
        let chamada = Chamada {
            etiqueta: etiqueta
                .as_ref()
                .map(guiche_ports::consulta::Etiqueta::as_str),
            tipo,
            pedido,
            token_procurador: token.as_deref(),
            hoje,
        };
        let r = self
            .cliente
            .chamar(chamada)
            .await
            .map_err(|e| erro_integra(&e))?;
        let (mensagens, dados) = match r.resposta {
            Some(x) => (
                x.mensagens
                    .into_iter()
                    .map(|m| MensagemServico {
                        codigo: m.codigo,
                        texto: m.texto,
                    })
                    .collect(),
                x.dados,
            ),
            None => (Vec::new(), String::new()),
        };
        Ok(RespostaServico {
            status: r.status,
            bilhetado: r.bilhetado,
            mensagens,
            dados,
            etag: r.etag,
        })
    }

    async fn autenticar_procurador(
        &self,
        autor: Documento,
        hoje: Data,
    ) -> Result<SessaoProcurador, ErroReceita> {
        let t = self
            .token(autor, hoje)
            .await
            .map_err(|e| erro_integra(&e))?;
        Ok(SessaoProcurador {
            expira_em: t.expira_em,
        })
    }

    async fn gerar_das(
        &self,
        contribuinte: &Cnpj,
        periodo: Competencia,
        mei: bool,
        hoje: Data,
    ) -> Result<Vec<Das>, ErroReceita> {
        let r = if mei {
            servicos::gerar_das_mei(&self.cliente, contribuinte, periodo, hoje).await
        } else {
            servicos::gerar_das(&self.cliente, contribuinte, periodo, hoje).await
        };
        r.map_err(erro_servico)
    }

    async fn pagamentos(
        &self,
        contribuinte: &Documento,
        desde: Data,
        ate: Data,
        hoje: Data,
    ) -> Result<Vec<Pagamento>, ErroReceita> {
        servicos::pagamentos(&self.cliente, contribuinte, desde, ate, hoje)
            .await
            .map_err(erro_servico)
    }

    async fn contar_pagamentos(
        &self,
        contribuinte: &Documento,
        desde: Data,
        ate: Data,
        hoje: Data,
    ) -> Result<u64, ErroReceita> {
        servicos::contar_pagamentos(&self.cliente, contribuinte, desde, ate, hoje)
            .await
            .map_err(erro_servico)
    }

    async fn comprovante(
        &self,
        contribuinte: &Documento,
        numero: &NumeroDocumento,
        hoje: Data,
    ) -> Result<Vec<u8>, ErroReceita> {
        servicos::comprovante(&self.cliente, contribuinte, numero, hoje)
            .await
            .map_err(erro_servico)
    }

    async fn gerar_darf(
        &self,
        contribuinte: &Documento,
        pedido: &PedidoDarf,
        hoje: Data,
    ) -> Result<Darf, ErroReceita> {
        servicos::gerar_darf(&self.cliente, contribuinte, pedido, hoje)
            .await
            .map_err(erro_servico)
    }

    async fn declaracoes_pgdasd(
        &self,
        contribuinte: &Cnpj,
        consulta: ConsultaDeclaracoes,
        hoje: Data,
    ) -> Result<Vec<DeclaracaoPgdasd>, ErroReceita> {
        servicos::declaracoes_pgdasd(&self.cliente, contribuinte, consulta, hoje)
            .await
            .map_err(erro_servico)
    }

    async fn caixa_postal(
        &self,
        contribuinte: &Documento,
        hoje: Data,
    ) -> Result<Vec<MensagemCaixaPostal>, ErroReceita> {
        servicos::caixa_postal(&self.cliente, contribuinte, hoje)
            .await
            .map_err(erro_servico)
    }

    async fn solicitar_eventos(
        &self,
        lote: &[Documento],
        evento: Evento,
        hoje: Data,
    ) -> Result<ProtocoloEventos, ErroReceita> {
        servicos::solicitar_eventos(&self.cliente, lote, evento, hoje)
            .await
            .map_err(erro_servico)
    }

    async fn obter_eventos(
        &self,
        protocolo: &ProtocoloEventos,
        hoje: Data,
    ) -> Result<Vec<(Documento, Atualizacao)>, ErroReceita> {
        servicos::obter_eventos(&self.cliente, protocolo, hoje)
            .await
            .map_err(erro_servico)
    }

    async fn protocolo_sitfis(
        &self,
        contribuinte: &Documento,
        hoje: Data,
    ) -> Result<(String, Duration), ErroReceita> {
        servicos::protocolo_sitfis(&self.cliente, contribuinte, hoje)
            .await
            .map_err(erro_servico)
    }

    async fn relatorio_sitfis(
        &self,
        contribuinte: &Documento,
        protocolo: &str,
        espera: Duration,
        espera_maxima: Duration,
        hoje: Data,
    ) -> Result<Vec<u8>, ErroReceita> {
        servicos::relatorio_sitfis(
            &self.cliente,
            contribuinte,
            protocolo,
            espera,
            hoje,
            espera_maxima,
        )
        .await
        .map_err(erro_servico)
    }

    async fn procuracoes(
        &self,
        outorgante: &Documento,
        outorgado: &Documento,
        hoje: Data,
    ) -> Result<Vec<Procuracao>, ErroReceita> {
        servicos::procuracoes(&self.cliente, outorgante, outorgado, hoje)
            .await
            .map_err(erro_servico)
    }
}
