//! [`ServicoConecta`]: Conecta gov.br's CPF and CNPJ queries (metered against the
//! homologation quota by the port).

use crate::serpro::erro::ErroSerpro;
use guiche_domain::{Cnpj, Cpf};
use guiche_ports::conecta::ConectaGovBr;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// Conecta gov.br's queries.
#[derive(Clone)]
pub struct ServicoConecta {
    conecta: Arc<dyn ConectaGovBr>,
}

impl std::fmt::Debug for ServicoConecta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServicoConecta").finish_non_exhaustive()
    }
}

/// A registration status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Situacao {
    /// The code (0 Regular, 2 Suspensa, …).
    pub codigo: u8,
    /// Its description.
    pub descricao: String,
}

/// One CPF's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CpfConsultado {
    /// Digits.
    pub cpf: String,
    /// The holder's name, when sent.
    pub nome: Option<String>,
    /// The registration status.
    pub situacao: Situacao,
    /// The birth date as sent, when present.
    pub nascimento: Option<String>,
    /// The CPF, for display.
    #[serde(skip)]
    pub documento: Option<Cpf>,
}

/// The CPFs asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Cpfs {
    /// One per CPF the service answered.
    pub cpfs: Vec<CpfConsultado>,
}

/// A CNPJ's basic record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CnpjConsultado {
    /// Digits (or letters and digits).
    pub cnpj: String,
    /// Razão social.
    pub razao_social: String,
    /// Nome fantasia, when any.
    pub nome_fantasia: Option<String>,
    /// The status's description (its code when there is none), when sent.
    pub situacao: Option<String>,
    /// Opening date as sent.
    pub abertura: Option<String>,
    /// Municipality name.
    pub municipio: Option<String>,
    /// State.
    pub uf: Option<String>,
    /// The CNPJ, for display.
    #[serde(skip)]
    pub documento: Option<Cnpj>,
}

impl ServicoConecta {
    /// The queries over `conecta`.
    pub fn new(conecta: Arc<dyn ConectaGovBr>) -> ServicoConecta {
        ServicoConecta { conecta }
    }

    /// The registration status of each CPF (one billed call).
    ///
    /// # Errors
    /// [`ErroSerpro::Campo`] for no CPF; [`ErroSerpro::Conecta`].
    pub async fn cpf(&self, cpfs: &[Cpf]) -> Result<Cpfs, ErroSerpro> {
        if cpfs.is_empty() {
            return Err(ErroSerpro::campo("cpf", "", "informe ao menos um CPF"));
        }
        let lista = self.conecta.consultar_cpf(cpfs).await?;
        Ok(Cpfs {
            cpfs: lista
                .into_iter()
                .map(|s| CpfConsultado {
                    cpf: s.cpf.as_str().to_owned(),
                    nome: s.nome,
                    situacao: Situacao {
                        codigo: s.situacao.codigo,
                        descricao: s.situacao.descricao,
                    },
                    nascimento: s.nascimento,
                    documento: Some(s.cpf),
                })
                .collect(),
        })
    }

    /// The basic record of a CNPJ (one billed call).
    ///
    /// # Errors
    /// [`ErroSerpro::Conecta`].
    pub async fn cnpj(&self, cnpj: &Cnpj) -> Result<CnpjConsultado, ErroSerpro> {
        let d = self.conecta.consultar_cnpj(cnpj).await?;
        Ok(CnpjConsultado {
            cnpj: d.cnpj.as_str().to_owned(),
            razao_social: d.razao_social,
            nome_fantasia: d.nome_fantasia,
            situacao: d.situacao.map(|s| s.descricao.unwrap_or(s.codigo)),
            abertura: d.abertura,
            municipio: d.municipio,
            uf: d.uf,
            documento: Some(d.cnpj),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::erro::{Classificar, Natureza};
    use crate::serpro::teste::{MockConecta, cliente};
    use guiche_ports::conecta::{
        DadosCnpj, ErroConsulta, SituacaoCadastral, SituacaoCnpj, SituacaoCpf,
    };

    #[tokio::test]
    async fn no_cpf_is_refused_before_any_call() {
        let e = ServicoConecta::new(Arc::new(MockConecta::new()))
            .cpf(&[])
            .await
            .unwrap_err();
        assert_eq!(e.natureza(), Natureza::Pedido);
    }

    #[tokio::test]
    async fn cpfs_keep_the_cli_json_shape() {
        let mut m = MockConecta::new();
        m.expect_consultar_cpf().times(1).returning(|cpfs| {
            Ok(vec![SituacaoCpf {
                cpf: cpfs[0],
                nome: Some("Fulana".into()),
                situacao: SituacaoCadastral {
                    codigo: 0,
                    descricao: "Regular".into(),
                },
                nascimento: None,
            }])
        });
        let cpf = Cpf::parse("52998224725").unwrap();
        let r = ServicoConecta::new(Arc::new(m)).cpf(&[cpf]).await.unwrap();
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({"cpfs": [{"cpf": "52998224725", "nome": "Fulana", "situacao": {"codigo": 0, "descricao": "Regular"}, "nascimento": null}]})
        );
    }

    #[tokio::test]
    async fn a_cnpj_status_without_description_shows_its_code() {
        let mut m = MockConecta::new();
        m.expect_consultar_cnpj().returning(|c| {
            Ok(DadosCnpj {
                cnpj: *c,
                razao_social: "Padaria".into(),
                nome_fantasia: None,
                situacao: Some(SituacaoCnpj {
                    codigo: "2".into(),
                    descricao: None,
                    data: None,
                }),
                abertura: None,
                municipio: None,
                uf: None,
            })
        });
        let r = ServicoConecta::new(Arc::new(m))
            .cnpj(&cliente())
            .await
            .unwrap();
        assert_eq!(r.situacao.as_deref(), Some("2"));
        assert_eq!(serde_json::to_value(&r).unwrap()["razaoSocial"], "Padaria");
    }

    #[tokio::test]
    async fn conecta_failures_keep_the_cli_exit_codes() {
        for (erro, natureza) in [
            (
                ErroConsulta::Configuracao("c".into()),
                Natureza::Configuracao,
            ),
            (ErroConsulta::Transporte("t".into()), Natureza::Transporte),
            (ErroConsulta::Quota("q".into()), Natureza::Limite),
            (ErroConsulta::NaoEncontrado("n".into()), Natureza::Recusado),
            (ErroConsulta::Entrada("e".into()), Natureza::Recusado),
        ] {
            let mut m = MockConecta::new();
            let devolvido = erro.clone();
            m.expect_consultar_cnpj()
                .returning(move |_| Err(devolvido.clone()));
            let e = ServicoConecta::new(Arc::new(m))
                .cnpj(&cliente())
                .await
                .unwrap_err();
            assert_eq!(e.natureza(), natureza, "{e}");
        }
    }

    #[test]
    fn conecta_and_usage_can_be_shared_by_a_server() {
        fn compartilhavel<T: Clone + Send + Sync + 'static>(_: &T) {}
        fn envia<F: std::future::Future + Send>(_: F) {}
        let s = ServicoConecta::new(Arc::new(MockConecta::new()));
        compartilhavel(&s);
        compartilhavel(&crate::serpro::ServicoUso::new(Arc::new(
            guiche_store::Livro::em_memoria().unwrap(),
        )));
        envia(s.cpf(&[]));
        envia(s.cnpj(&cliente()));
    }
}
