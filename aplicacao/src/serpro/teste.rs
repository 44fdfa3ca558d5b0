//! Test doubles of the SERPRO ports, shared by the services' unit tests.

use async_trait::async_trait;
use guiche_domain::conciliacao::Pagamento;
use guiche_domain::guia::NumeroDocumento;
use guiche_domain::serpro::{Pedido, TipoServico};
use guiche_domain::{Cnpj, Competencia, Data, Documento, Valor};
use guiche_ports::Relogio;
use guiche_ports::conecta::{ConectaGovBr, DadosCnpj, ErroConsulta, SituacaoCpf};
use guiche_ports::receita::{
    Atualizacao, ConsultaDeclaracoes, Darf, Das, DeclaracaoPgdasd, ErroReceita, Evento,
    IntegraContador, MensagemCaixaPostal, PedidoDarf, Procuracao, ProtocoloEventos,
    RespostaServico, SessaoProcurador,
};
use mockall::mock;
use std::time::Duration;

mock! {
    pub Integra {}
    #[async_trait]
    impl IntegraContador for Integra {
        fn contratante(&self) -> Cnpj;
        async fn chamar(&self, tipo: TipoServico, pedido: &Pedido, hoje: Data, etiqueta: Option<guiche_ports::consulta::Etiqueta>)
            -> Result<RespostaServico, ErroReceita>;
        async fn autenticar_procurador(&self, autor: Documento, hoje: Data)
            -> Result<SessaoProcurador, ErroReceita>;
        async fn gerar_das(&self, contribuinte: &Cnpj, periodo: Competencia, mei: bool, hoje: Data)
            -> Result<Vec<Das>, ErroReceita>;
        async fn pagamentos(&self, contribuinte: &Documento, desde: Data, ate: Data, hoje: Data)
            -> Result<Vec<Pagamento>, ErroReceita>;
        async fn contar_pagamentos(&self, contribuinte: &Documento, desde: Data, ate: Data, hoje: Data)
            -> Result<u64, ErroReceita>;
        async fn comprovante(&self, contribuinte: &Documento, numero: &NumeroDocumento, hoje: Data)
            -> Result<Vec<u8>, ErroReceita>;
        async fn gerar_darf(&self, contribuinte: &Documento, pedido: &PedidoDarf, hoje: Data)
            -> Result<Darf, ErroReceita>;
        async fn declaracoes_pgdasd(&self, contribuinte: &Cnpj, consulta: ConsultaDeclaracoes, hoje: Data)
            -> Result<Vec<DeclaracaoPgdasd>, ErroReceita>;
        async fn caixa_postal(&self, contribuinte: &Documento, hoje: Data)
            -> Result<Vec<MensagemCaixaPostal>, ErroReceita>;
        async fn solicitar_eventos(&self, lote: &[Documento], evento: Evento, hoje: Data)
            -> Result<ProtocoloEventos, ErroReceita>;
        async fn obter_eventos(&self, protocolo: &ProtocoloEventos, hoje: Data)
            -> Result<Vec<(Documento, Atualizacao)>, ErroReceita>;
        async fn protocolo_sitfis(&self, contribuinte: &Documento, hoje: Data)
            -> Result<(String, Duration), ErroReceita>;
        async fn relatorio_sitfis(&self, contribuinte: &Documento, protocolo: &str, espera: Duration,
            espera_maxima: Duration, hoje: Data) -> Result<Vec<u8>, ErroReceita>;
        async fn procuracoes(&self, outorgante: &Documento, outorgado: &Documento, hoje: Data)
            -> Result<Vec<Procuracao>, ErroReceita>;
    }
}

mock! {
    pub Conecta {}
    #[async_trait]
    impl ConectaGovBr for Conecta {
        async fn consultar_cpf(&self, cpfs: &[guiche_domain::Cpf]) -> Result<Vec<SituacaoCpf>, ErroConsulta>;
        async fn consultar_cnpj(&self, cnpj: &Cnpj) -> Result<DadosCnpj, ErroConsulta>;
    }
}

/// A clock fixed on 22/11/2026.
pub(crate) struct Fixo;

impl Relogio for Fixo {
    fn hoje(&self) -> Data {
        hoje()
    }
}

pub(crate) fn hoje() -> Data {
    Data::new(2026, 11, 22).unwrap()
}

/// The office (contratante).
pub(crate) fn escritorio() -> Cnpj {
    Cnpj::parse("11222333000181").unwrap()
}

/// A client of the office.
pub(crate) fn cliente() -> Cnpj {
    Cnpj::parse("11444777000161").unwrap()
}

/// A mock that knows its contratante.
pub(crate) fn integra() -> MockIntegra {
    let mut m = MockIntegra::new();
    m.expect_contratante().return_const(escritorio());
    m
}

/// A DAS of October 2026 for `cliente()`.
pub(crate) fn das(numero: u64, centavos: i64) -> Das {
    Das {
        numero: NumeroDocumento::from_u64(numero).unwrap(),
        periodo: Competencia::new(2026, 10).unwrap(),
        vencimento: Data::new(2026, 11, 20).unwrap(),
        limite_acolhimento: None,
        valor_total: Valor::from_centavos(centavos),
        principal: Valor::from_centavos(centavos),
        multa: Valor::from_centavos(0),
        juros: Valor::from_centavos(0),
        codigo_barras: None,
        pdf: b"%PDF-1.4".to_vec(),
    }
}
