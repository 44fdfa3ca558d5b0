//! The sync of every company as a round of jobs shared by every worker on the ledger
//! ([`FilaTrabalhos`]): several processes on several machines (or several `guiche serve` behind
//! a load balancer, each with its daily sync) split the companies instead of each fetching them
//! all. Each worker takes a company, renews its lease while the sync runs (a heartbeat every
//! third of the lease) and marks it done; a worker that dies stops renewing, and once its lease
//! runs out another worker takes the company over and syncs it again — safe, as a sync is a
//! query whose payments are recorded once and whose reconciliation writes only what changed.

use std::sync::Arc;
use std::time::Duration;

use guiche_domain::Cnpj;
use guiche_ports::ecac::Empresa;
use guiche_ports::trabalhos::{FilaTrabalhos, Trabalho};

use super::{Baixa, ErroBaixa, MensagemErro, Relato, Sincronizacao, SincronizacaoEmpresa};
use crate::erro::Natureza;

/// The type of the e-CAC sync's rounds in the ledger.
pub const TIPO_SYNC: &str = "ecac-sync";

/// How the companies of a sync are shared with the other workers on the ledger.
#[derive(Clone)]
pub struct Distribuicao {
    /// The rounds of jobs (the ledger).
    pub fila: Arc<dyn FilaTrabalhos>,
    /// This process's name among the workers, unique on the ledger (host and process id).
    pub trabalhador: String,
    /// How many companies this process syncs at once (at least 1).
    pub trabalhadores: usize,
    /// How long a company is leased to a worker without a heartbeat.
    pub prazo: Duration,
}

impl std::fmt::Debug for Distribuicao {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Distribuicao")
            .field("trabalhador", &self.trabalhador)
            .field("trabalhadores", &self.trabalhadores)
            .field("prazo", &self.prazo)
            .finish_non_exhaustive()
    }
}

impl Baixa {
    /// Joins (or opens) the round of `empresas` and syncs companies of it with
    /// `d.trabalhadores` workers until none is left to take.
    pub(super) async fn sincronizar_rodada(
        &self,
        d: &Distribuicao,
        empresas: &[Empresa],
        relatar: Relato,
    ) -> Result<Sincronizacao, ErroBaixa> {
        let chaves: Vec<String> = empresas
            .iter()
            .map(|e| e.cnpj.as_str().to_owned())
            .collect();
        let rodada = d.fila.rodada(TIPO_SYNC, &chaves)?;
        let mut trabalhos = tokio::task::JoinSet::new();
        for i in 0..d.trabalhadores.max(1) {
            let (baixa, d, relatar) = (self.clone(), d.clone(), Arc::clone(&relatar));
            let eu = format!("{}/{i}", d.trabalhador);
            trabalhos.spawn(async move { baixa.trabalhar(&d, rodada, &eu, &relatar).await });
        }
        let mut resultado = Sincronizacao {
            rodada: Some(rodada),
            ..Sincronizacao::default()
        };
        let mut erro = None;
        while let Some(feito) = trabalhos.join_next().await {
            match feito {
                Ok(Ok(empresas)) => resultado.empresas.extend(empresas),
                Ok(Err(e)) => erro = Some(e),
                Err(e) => erro = Some(ErroBaixa::Tarefa(e.to_string())),
            }
        }
        if let Some(e) = erro {
            // A worker lost the ledger: what it had taken goes back to the round when its
            // lease runs out; the others' outcomes are reported in the error's stead only if
            // there are any.
            if resultado.empresas.is_empty() {
                return Err(e);
            }
            resultado.empresas.push(SincronizacaoEmpresa::Falhou {
                origem: "rodada".to_owned(),
                natureza: crate::erro::Classificar::natureza(&e),
                erro: MensagemErro {
                    mensagem: e.to_string(),
                },
            });
        }
        resultado.empresas.sort_by(|a, b| origem(a).cmp(origem(b)));
        Ok(resultado)
    }

    /// One worker: takes companies of `rodada` until none is left.
    async fn trabalhar(
        &self,
        d: &Distribuicao,
        rodada: i64,
        eu: &str,
        relatar: &Relato,
    ) -> Result<Vec<SincronizacaoEmpresa>, ErroBaixa> {
        let mut feitas = Vec::new();
        while let Some(t) = d.fila.pegar(rodada, eu, d.prazo)? {
            let desfecho = self.com_batimento(d, &t).await?;
            let resumo = match &desfecho {
                SincronizacaoEmpresa::Feita(_) => "feita".to_owned(),
                SincronizacaoEmpresa::Pulada { pulada, .. } => format!("pulada: {pulada}"),
                SincronizacaoEmpresa::Falhou { erro, .. } => format!("falhou: {}", erro.mensagem),
            };
            // `false`: the lease ran out and another worker took the company over; its sync
            // stands too (a repeat writes nothing new).
            d.fila.concluir(&t, &resumo)?;
            relatar(&desfecho);
            feitas.push(desfecho);
        }
        Ok(feitas)
    }

    /// Syncs the company of `t`, renewing its lease every third of it meanwhile.
    async fn com_batimento(
        &self,
        d: &Distribuicao,
        t: &Trabalho,
    ) -> Result<SincronizacaoEmpresa, ErroBaixa> {
        let empresa = match Cnpj::parse(&t.chave) {
            Ok(cnpj) => self.livro.empresa(&cnpj)?,
            Err(_) => None,
        };
        let Some(empresa) = empresa else {
            // Removed since the round opened: nothing to sync.
            return Ok(SincronizacaoEmpresa::Falhou {
                origem: t.chave.clone(),
                natureza: Natureza::NaoEncontrado,
                erro: MensagemErro {
                    mensagem: format!("a empresa {} não está mais no livro", t.chave),
                },
            });
        };
        let batimento = (d.prazo / 3).max(Duration::from_millis(200));
        let sync = self.desfecho(&empresa);
        tokio::pin!(sync);
        loop {
            tokio::select! {
                feito = &mut sync => return Ok(feito),
                () = tokio::time::sleep(batimento) => {
                    // A failed heartbeat is not fatal: the sync goes on, and if the lease
                    // runs out another worker repeats it.
                    let _ = d.fila.renovar(t, d.prazo);
                }
            }
        }
    }
}

fn origem(e: &SincronizacaoEmpresa) -> &str {
    match e {
        SincronizacaoEmpresa::Feita(r) => &r.origem,
        SincronizacaoEmpresa::Pulada { origem, .. }
        | SincronizacaoEmpresa::Falhou { origem, .. } => origem,
    }
}
