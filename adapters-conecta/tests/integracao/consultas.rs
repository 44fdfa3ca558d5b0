//! The Conecta gov.br client against its simulator, over real TLS sockets: one token for many
//! callers, renewal after expiry, typed CPF and CNPJ answers, the operator's CPF on each query,
//! and the homologation quota reserved before each call, kept for every billed or unknown outcome
//! (counted by the real ledger) and given back only when documented unbilled or never sent.

use guiche_conecta::simulador::{
    CNPJ_PADRAO, CPFS_PADRAO, CnpjSimulado, ConfigSimuladorConecta, CpfSimulado, FalhaConecta,
    SimuladorConecta,
};
use guiche_conecta::{
    ClienteConecta, ConfigConecta, ErroConecta, QUOTA_HOMOLOGACAO, SERVICO_CNPJ, SERVICO_CPF,
    Segredo, caminhos,
};
use guiche_domain::{Cnpj, Cpf};
use guiche_ports::bilhetagem::{
    Bilhete, ChamadaRegistrada, Consumo, ErroBilhetagem, Janela, MedidorBilhetagem,
};
use guiche_store::Livro;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CPF_USUARIO: &str = "52998224725";

/// A meter over a map, as the ledger counts: per contratante and window, all services
/// together; the ceiling refuses the call that would pass it.
#[derive(Default)]
struct MedidorMemoria {
    contagem: Mutex<HashMap<(String, String), u64>>,
}

impl MedidorMemoria {
    fn total(&self, contratante: &str) -> u64 {
        let c = self.contagem.lock().unwrap();
        c.iter()
            .filter(|((quem, _), _)| quem == contratante)
            .map(|(_, n)| n)
            .sum()
    }
}

impl MedidorBilhetagem for MedidorMemoria {
    fn reservar(&self, b: Bilhete<'_>) -> Result<u64, ErroBilhetagem> {
        let mut c = self.contagem.lock().unwrap();
        let total: u64 = c
            .iter()
            .filter(|((quem, _), _)| quem == b.contratante)
            .map(|(_, n)| n)
            .sum();
        if let Some(teto) = b.teto.filter(|t| total >= *t) {
            return Err(ErroBilhetagem::TetoAtingido {
                contratante: b.contratante.to_owned(),
                janela: b.janela,
                teto,
            });
        }
        *c.entry((b.contratante.to_owned(), b.servico.to_owned()))
            .or_default() += 1;
        Ok(total + 1)
    }

    fn devolver(&self, b: Bilhete<'_>) -> Result<(), ErroBilhetagem> {
        let mut c = self.contagem.lock().unwrap();
        if let Some(n) = c.get_mut(&(b.contratante.to_owned(), b.servico.to_owned())) {
            *n = n.saturating_sub(1);
        }
        Ok(())
    }

    fn consumo(
        &self,
        _contratante: Option<&str>,
        _janela: Option<Janela>,
    ) -> Result<Vec<Consumo>, ErroBilhetagem> {
        Ok(Vec::new())
    }

    // Conecta's calls are counted, not recorded one by one (no consumption report to match).
    fn registrar_chamada(&self, _: &ChamadaRegistrada) -> Result<(), ErroBilhetagem> {
        Ok(())
    }

    fn chamadas(
        &self,
        _: Option<&str>,
        _: Option<Janela>,
    ) -> Result<Vec<ChamadaRegistrada>, ErroBilhetagem> {
        Ok(Vec::new())
    }
}

fn simulador() -> SimuladorConecta {
    let sim = SimuladorConecta::iniciar(ConfigSimuladorConecta::default()).unwrap();
    sim.cadastrar_cliente("orgao", "segredo");
    sim
}

fn config(sim: &SimuladorConecta, secret: &str) -> ConfigConecta {
    ConfigConecta {
        url_base: sim.url_base(),
        client_id: "orgao".into(),
        client_secret: Segredo::new(secret),
        cpf_usuario: Cpf::parse(CPF_USUARIO).unwrap(),
        ca_extra_pem: Some(sim.ca_pem()),
        timeout: Duration::from_secs(10),
        quota: None,
    }
}

fn cliente(sim: &SimuladorConecta) -> ClienteConecta {
    ClienteConecta::new(config(sim, "segredo"), None).unwrap()
}

fn com_quota(sim: &SimuladorConecta, medidor: &Arc<MedidorMemoria>) -> ClienteConecta {
    let config = ConfigConecta {
        quota: Some(QUOTA_HOMOLOGACAO),
        ..config(sim, "segredo")
    };
    ClienteConecta::new(config, Some(medidor.clone() as Arc<dyn MedidorBilhetagem>)).unwrap()
}

fn cpf(t: &str) -> Cpf {
    Cpf::parse(t).unwrap()
}

fn cnpj(t: &str) -> Cnpj {
    Cnpj::parse(t).unwrap()
}

#[tokio::test]
async fn one_token_for_many_concurrent_queries() {
    let sim = simulador();
    let c = Arc::new(cliente(&sim));
    let tarefas: Vec<_> = (0..12)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.consultar_cnpj(&cnpj(CNPJ_PADRAO)).await })
        })
        .collect();
    for t in tarefas {
        t.await.unwrap().unwrap();
    }
    assert_eq!(sim.tokens_emitidos(), 1);
    let tokens = sim
        .requisicoes()
        .iter()
        .filter(|r| r.caminho == caminhos::TOKEN)
        .count();
    assert_eq!(tokens, 1);
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_and_the_query_retried() {
    let sim = simulador();
    let c = cliente(&sim);
    c.consultar_cpf(&[cpf(CPFS_PADRAO[0])]).await.unwrap();
    sim.expirar_tokens();
    let antes = sim.requisicoes().len();
    let r = c.consultar_cpf(&[cpf(CPFS_PADRAO[0])]).await.unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(sim.tokens_emitidos(), 2);
    let caminhos: Vec<_> = sim.requisicoes()[antes..]
        .iter()
        .map(|r| r.caminho.clone())
        .collect();
    assert_eq!(caminhos, [caminhos::CPF, caminhos::TOKEN, caminhos::CPF]);
}

#[tokio::test]
async fn cpf_light_answers_are_typed_and_carry_the_operator() {
    let sim = simulador();
    let novo = Cpf::from_base([1, 1, 1, 4, 4, 4, 7, 7, 7]).unwrap();
    sim.definir_cpf(
        &novo,
        CpfSimulado {
            nome: "CICLANA SOUZA".into(),
            situacao: 2,
            nascimento: None,
        },
    );
    let desconhecido = Cpf::from_base([2, 3, 4, 5, 6, 7, 8, 9, 1]).unwrap();
    let c = cliente(&sim);
    let r = c
        .consultar_cpf(&[cpf(CPFS_PADRAO[0]), cpf(CPFS_PADRAO[1]), novo, desconhecido])
        .await
        .unwrap();
    assert_eq!(r.len(), 3, "o CPF desconhecido fica de fora: {r:?}");
    assert_eq!(r[0].cpf, cpf(CPFS_PADRAO[0]));
    assert_eq!(r[0].nome.as_deref(), Some("FULANO DE TAL"));
    assert_eq!(
        (r[0].situacao.codigo, r[0].situacao.descricao.as_str()),
        (0, "Regular")
    );
    assert_eq!(r[0].nascimento.as_deref(), Some("01011980"));
    assert_eq!(
        (r[1].situacao.codigo, r[1].situacao.descricao.as_str()),
        (3, "Titular falecido")
    );
    assert_eq!((r[2].cpf, r[2].situacao.codigo), (novo, 2));
    assert_eq!(r[2].nascimento, None);
    let consulta = sim
        .requisicoes()
        .into_iter()
        .find(|r| r.caminho == caminhos::CPF)
        .unwrap();
    assert_eq!(consulta.cpf_usuario.as_deref(), Some(CPF_USUARIO));
}

#[tokio::test]
async fn only_unknown_cpfs_is_not_found_and_too_many_is_refused_locally() {
    let sim = simulador();
    let c = cliente(&sim);
    let desconhecido = Cpf::from_base([2, 3, 4, 5, 6, 7, 8, 9, 1]).unwrap();
    let e = c.consultar_cpf(&[desconhecido]).await.unwrap_err();
    assert!(matches!(e, ErroConecta::NaoEncontrado(_)), "{e:?}");
    let antes = sim.requisicoes().len();
    let muitos = vec![cpf(CPFS_PADRAO[0]); 51];
    let e = c.consultar_cpf(&muitos).await.unwrap_err();
    assert!(matches!(e, ErroConecta::Entrada(_)), "{e:?}");
    let e = c.consultar_cpf(&[]).await.unwrap_err();
    assert!(matches!(e, ErroConecta::Entrada(_)), "{e:?}");
    assert_eq!(sim.requisicoes().len(), antes);
    assert_eq!(
        c.consultar_cpf(&vec![cpf(CPFS_PADRAO[0]); 50])
            .await
            .unwrap()
            .len(),
        50
    );
}

#[tokio::test]
async fn cnpj_basica_is_typed_and_unknown_is_not_found() {
    let sim = simulador();
    let filial = Cnpj::from_base("112223330002").unwrap();
    sim.definir_cnpj(
        &filial,
        CnpjSimulado {
            razao_social: "EMPRESA TESTE LTDA".into(),
            nome_fantasia: String::new(),
            situacao: "8".into(),
            abertura: "2010-01-02".into(),
            municipio: "CAMPINAS".into(),
            uf: "SP".into(),
        },
    );
    let c = cliente(&sim);
    let d = c.consultar_cnpj(&cnpj(CNPJ_PADRAO)).await.unwrap();
    assert_eq!(d.cnpj, cnpj(CNPJ_PADRAO));
    assert_eq!(d.razao_social, "EMPRESA TESTE LTDA");
    assert_eq!(d.nome_fantasia.as_deref(), Some("TESTE"));
    assert_eq!(d.situacao.as_ref().map(|s| s.codigo.as_str()), Some("2"));
    assert_eq!(d.abertura.as_deref(), Some("2005-11-03"));
    assert_eq!(
        (d.municipio.as_deref(), d.uf.as_deref()),
        (Some("BRASILIA"), Some("DF"))
    );
    let f = c.consultar_cnpj(&filial).await.unwrap();
    assert_eq!((f.nome_fantasia, f.uf.as_deref()), (None, Some("SP")));
    let outro = Cnpj::from_base("998887770001").unwrap();
    let e = c.consultar_cnpj(&outro).await.unwrap_err();
    assert!(matches!(e, ErroConecta::NaoEncontrado(_)), "{e:?}");
}

#[tokio::test]
async fn the_quota_refuses_the_1001st_call_without_calling() {
    let sim = simulador();
    let medidor = Arc::new(MedidorMemoria::default());
    // 995 CPF calls made earlier (the ledger's count), then five real ones reach the ceiling.
    for _ in 0..995 {
        medidor
            .reservar(Bilhete {
                contratante: "orgao/conecta/cpf",
                servico: SERVICO_CPF,
                janela: Janela::Total,
                teto: None,
            })
            .unwrap();
    }
    let c = com_quota(&sim, &medidor);
    for _ in 0..5 {
        c.consultar_cpf(&[cpf(CPFS_PADRAO[0])]).await.unwrap();
    }
    assert_eq!(medidor.total("orgao/conecta/cpf"), QUOTA_HOMOLOGACAO);
    let antes = sim.requisicoes().len();
    let e = c.consultar_cpf(&[cpf(CPFS_PADRAO[0])]).await.unwrap_err();
    assert!(matches!(e, ErroConecta::QuotaEsgotada(_)), "{e:?}");
    assert_eq!(sim.requisicoes().len(), antes, "nada chegou ao serviço");
    assert_eq!(medidor.total("orgao/conecta/cpf"), QUOTA_HOMOLOGACAO);
    // The quota is per API: the CNPJ API still has its own 1,000.
    c.consultar_cnpj(&cnpj(CNPJ_PADRAO)).await.unwrap();
    assert_eq!(medidor.total("orgao/conecta/cnpj"), 1);
}

/// A client with the homologation quota counted by the real ledger, and its timeout.
fn com_livro(sim: &SimuladorConecta, livro: &Arc<Livro>, timeout: Duration) -> ClienteConecta {
    let config = ConfigConecta {
        quota: Some(QUOTA_HOMOLOGACAO),
        timeout,
        ..config(sim, "segredo")
    };
    ClienteConecta::new(config, Some(livro.clone() as Arc<dyn MedidorBilhetagem>)).unwrap()
}

/// The calls the ledger counts for `servico` (`conecta/cpf`, `conecta/cnpj`).
fn no_livro(livro: &Livro, servico: &str) -> u64 {
    livro
        .consumo(None, None)
        .unwrap()
        .iter()
        .filter(|c| c.servico == servico)
        .map(|c| c.chamadas)
        .sum()
}

/// The queries (not token requests) that reached the simulator.
fn consultas_recebidas(sim: &SimuladorConecta) -> usize {
    sim.requisicoes()
        .iter()
        .filter(|r| r.caminho != caminhos::TOKEN)
        .count()
}

#[tokio::test]
async fn the_quota_keeps_what_is_billed_and_gives_back_only_what_is_not() {
    let sim = simulador();
    let livro = Arc::new(Livro::em_memoria().unwrap());
    let c = com_livro(&sim, &livro, Duration::from_secs(10));
    c.consultar_cnpj(&cnpj(CNPJ_PADRAO)).await.unwrap();
    c.consultar_cpf(&[cpf(CPFS_PADRAO[0])]).await.unwrap();
    let outro = Cnpj::from_base("998887770001").unwrap();
    let e = c.consultar_cnpj(&outro).await.unwrap_err();
    assert!(matches!(e, ErroConecta::NaoEncontrado(_)), "{e:?}");
    assert_eq!(
        no_livro(&livro, SERVICO_CNPJ),
        2,
        "o 404 (nenhum registro) é bilhetado"
    );
    // Documented as not billed: 400, 401, 403, 500, 504 (and 502 for CNPJ).
    for s in [500, 403, 502, 400] {
        sim.injetar(FalhaConecta::Status(s));
        c.consultar_cnpj(&cnpj(CNPJ_PADRAO)).await.unwrap_err();
    }
    for s in [504, 403] {
        sim.injetar(FalhaConecta::Status(s));
        c.consultar_cpf(&[cpf(CPFS_PADRAO[0])]).await.unwrap_err();
    }
    assert_eq!(no_livro(&livro, SERVICO_CNPJ), 2);
    assert_eq!(no_livro(&livro, SERVICO_CPF), 1);
    // Not documented as unbilled for CPF (502), nor at all (429): kept, on the safe side.
    for s in [502, 429] {
        sim.injetar(FalhaConecta::Status(s));
        c.consultar_cpf(&[cpf(CPFS_PADRAO[0])]).await.unwrap_err();
    }
    assert_eq!(no_livro(&livro, SERVICO_CPF), 3);
    assert_eq!(consultas_recebidas(&sim), 11);
    // Connection refused: nothing was sent, the place goes back.
    let morto = ConfigConecta {
        url_base: "https://127.0.0.1:9".into(),
        quota: Some(QUOTA_HOMOLOGACAO),
        ..config(&sim, "segredo")
    };
    let c = ClienteConecta::new(morto, Some(livro.clone() as Arc<dyn MedidorBilhetagem>)).unwrap();
    let e = c.consultar_cnpj(&cnpj(CNPJ_PADRAO)).await.unwrap_err();
    assert!(matches!(e, ErroConecta::NaoEnviado(_)), "{e:?}");
    assert_eq!(no_livro(&livro, SERVICO_CNPJ), 2);
}

#[tokio::test]
async fn a_timeout_after_the_query_left_keeps_its_place() {
    let sim = simulador();
    let livro = Arc::new(Livro::em_memoria().unwrap());
    let c = com_livro(&sim, &livro, Duration::from_millis(400));
    c.consultar_cnpj(&cnpj(CNPJ_PADRAO)).await.unwrap();
    sim.injetar(FalhaConecta::Atrasada(Duration::from_millis(1500)));
    let e = c.consultar_cpf(&[cpf(CPFS_PADRAO[0])]).await.unwrap_err();
    assert!(matches!(e, ErroConecta::Desconhecido(_)), "{e:?}");
    assert_eq!(consultas_recebidas(&sim), 2, "a consulta chegou ao serviço");
    assert_eq!(
        no_livro(&livro, SERVICO_CPF),
        1,
        "o resultado é desconhecido: a cota fica gasta"
    );
}

#[tokio::test]
async fn an_expired_token_costs_one_place() {
    let sim = simulador();
    let livro = Arc::new(Livro::em_memoria().unwrap());
    let c = com_livro(&sim, &livro, Duration::from_secs(10));
    c.consultar_cnpj(&cnpj(CNPJ_PADRAO)).await.unwrap();
    sim.expirar_tokens();
    c.consultar_cnpj(&cnpj(CNPJ_PADRAO)).await.unwrap();
    assert_eq!(
        consultas_recebidas(&sim),
        3,
        "a segunda foi refeita após o 401"
    );
    assert_eq!(no_livro(&livro, SERVICO_CNPJ), 2, "o 401 não é bilhetado");
}

#[tokio::test]
async fn a_wrong_secret_is_an_authentication_error_and_never_shown() {
    let sim = simulador();
    let c = ClienteConecta::new(config(&sim, "errado-secreto"), None).unwrap();
    let e = c.consultar_cnpj(&cnpj(CNPJ_PADRAO)).await.unwrap_err();
    assert!(
        matches!(e, ErroConecta::Autenticacao { status: 401, .. }),
        "{e:?}"
    );
    assert_eq!(sim.tokens_emitidos(), 0);
    let textos = format!("{c:?} {:?}", config(&sim, "errado-secreto"));
    assert!(!textos.contains("errado-secreto"), "{textos}");
}

#[tokio::test]
async fn only_https_and_a_quota_needs_a_meter() {
    let sim = simulador();
    let http = ConfigConecta {
        url_base: "http://127.0.0.1:8080".into(),
        ..config(&sim, "segredo")
    };
    let e = ClienteConecta::new(http, None).unwrap_err();
    assert!(
        matches!(e, ErroConecta::Configuracao(ref m) if m.contains("https")),
        "{e:?}"
    );
    let sem_medidor = ConfigConecta {
        quota: Some(QUOTA_HOMOLOGACAO),
        ..config(&sim, "segredo")
    };
    let e = ClienteConecta::new(sem_medidor, None).unwrap_err();
    assert!(matches!(e, ErroConecta::Configuracao(_)), "{e:?}");
}

#[tokio::test]
async fn the_simulator_demands_bearer_and_operator() {
    let sim = simulador();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let url = format!("{}{}", sim.url_base(), caminhos::CPF);
    let corpo = format!("{{\"listaCpf\": [\"{}\"]}}", CPFS_PADRAO[0]);
    let r = http.post(&url).body(corpo.clone()).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let token = http
        .post(format!("{}{}", sim.url_base(), caminhos::TOKEN))
        .basic_auth("orgao", Some("segredo"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token: serde_json::Value = serde_json::from_str(&token).unwrap();
    assert_eq!(token["expires_in"], 7200);
    let bearer = token["access_token"].as_str().unwrap();
    let r = http
        .post(&url)
        .bearer_auth(bearer)
        .body(corpo.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "sem x-cpf-usuario");
    let r = http
        .post(&url)
        .bearer_auth(bearer)
        .header("x-cpf-usuario", CPF_USUARIO)
        .body(corpo)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
