//! The simulator's state and its judgements: clients and tokens, entities and their data,
//! packages. Everything here is synchronous and runs under one `std::sync::Mutex`; the HTTP
//! side turns each [`Recusa`] into the manual's reply.

use super::token::{self, Gerador};
use super::{
    CODIGO_JA_AVALIADO, CODIGO_PERIODO_FECHADO, ConfigSimulador, Falha, PacoteRecebido, Situacao,
    manual, rotas,
};
use crate::wire::{ReceitaDto, TokenDto};
use guiche_domain::Violacoes;
use guiche_domain::conam::{Pacote, PacoteBruto, Tabela2};
use guiche_simulador::falha::Fila;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Why an API call is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Recusa {
    /// No token, or one the simulator never issued.
    NaoAutorizado,
    /// A token past its validity.
    TokenExpirado,
    /// The client may not access the entity.
    AcessoNegado,
    /// A year, month or entity the service does not accept.
    ParametrosInvalidos,
    /// An `idPacote` never received.
    PacoteNaoEncontrado,
    /// The package itself is refused with this `{codigo, mensagem}`.
    Pacote { codigo: String, mensagem: String },
}

/// Why a token request is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RecusaToken {
    /// `grant_type` is not `client_credentials`.
    GrantType,
    /// Unknown client or wrong secret.
    Credenciais,
}

/// The outcome of an operator's evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Avaliacao {
    /// The waiting package is now evaluated.
    Feita,
    /// No package with this id.
    NaoEncontrado,
    /// The package was evaluated before; nothing changed.
    JaAvaliado,
}

struct Cliente {
    segredo: String,
    entidades: HashSet<String>,
}

struct Token {
    cliente: String,
    /// `None`: a validity too long for the clock to represent, i.e. never.
    expira: Option<Instant>,
}

#[derive(Default)]
struct Entidade {
    /// Per year: budget and extra-budget revenues.
    receitas: HashMap<u16, (Vec<ReceitaDto>, Vec<ReceitaDto>)>,
    /// Closed `(ano, mes)` periods.
    fechados: HashSet<(u16, u8)>,
}

struct Registro {
    entidade: String,
    recebido: PacoteRecebido,
    /// Status queries answered `AGUARDANDO` since the last accepted send.
    consultas: u32,
}

struct Dados {
    clientes: HashMap<String, Cliente>,
    tokens: HashMap<String, Token>,
    entidades: HashMap<String, Entidade>,
    pacotes: BTreeMap<u64, Registro>,
    falhas: Fila<Falha>,
    tokens_emitidos: usize,
    gerador: Gerador,
}

/// The shared state of a running simulator.
pub(super) struct Estado {
    /// The city path segment.
    pub(super) cidade: String,
    validade_token: Duration,
    aprovar_apos_consultas: Option<u32>,
    dados: Mutex<Dados>,
}

impl std::fmt::Debug for Estado {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Estado")
            .field("cidade", &self.cidade)
            .field("validade_token", &self.validade_token)
            .field("aprovar_apos_consultas", &self.aprovar_apos_consultas)
            .finish_non_exhaustive()
    }
}

impl Estado {
    /// A fresh state with entity `1` holding the manual's 2022 revenues.
    pub(super) fn new(config: &ConfigSimulador) -> Estado {
        let mut dados = Dados {
            clientes: HashMap::new(),
            tokens: HashMap::new(),
            entidades: HashMap::new(),
            pacotes: BTreeMap::new(),
            falhas: Fila::default(),
            tokens_emitidos: 0,
            gerador: Gerador::novo(),
        };
        dados.entidade(manual::ENTIDADE).receitas.insert(
            manual::ANO,
            (
                manual::receitas_orcamentarias(),
                manual::receitas_extraorcamentarias(),
            ),
        );
        Estado {
            cidade: config.cidade.clone(),
            validade_token: config.validade_token,
            aprovar_apos_consultas: config.aprovar_apos_consultas,
            dados: Mutex::new(dados),
        }
    }

    /// The lock; a panic elsewhere while holding it cannot leave the maps half-written in a
    /// way that matters to a simulator, so poisoning is ignored.
    fn dados(&self) -> MutexGuard<'_, Dados> {
        self.dados.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn cadastrar_cliente(&self, id: &str, segredo: &str, entidades: &[&str]) {
        let mut d = self.dados();
        for e in entidades {
            d.entidade(e);
        }
        let cliente = Cliente {
            segredo: segredo.to_owned(),
            entidades: entidades.iter().map(|e| (*e).to_owned()).collect(),
        };
        d.clientes.insert(id.to_owned(), cliente);
    }

    pub(super) fn cadastrar_entidade(&self, codigo: &str) {
        self.dados().entidade(codigo);
    }

    pub(super) fn definir_receitas(
        &self,
        entidade: &str,
        ano: u16,
        orcamentarias: Vec<ReceitaDto>,
        extra: Vec<ReceitaDto>,
    ) {
        let mut d = self.dados();
        d.entidade(entidade)
            .receitas
            .insert(ano, (orcamentarias, extra));
    }

    pub(super) fn fechar_periodo(&self, entidade: &str, ano: u16, mes: u8) {
        self.dados().entidade(entidade).fechados.insert((ano, mes));
    }

    pub(super) fn expirar_tokens(&self) {
        let agora = Instant::now();
        for t in self.dados().tokens.values_mut() {
            t.expira = Some(agora);
        }
    }

    pub(super) fn injetar(&self, falha: Falha) {
        self.dados().falhas.injetar(falha);
    }

    /// Counts a request and takes the next queued fault, if any.
    pub(super) fn chegada(&self) -> Option<Falha> {
        self.dados().falhas.chegada()
    }

    pub(super) fn requisicoes(&self) -> usize {
        self.dados().falhas.requisicoes()
    }

    pub(super) fn tokens_emitidos(&self) -> usize {
        self.dados().tokens_emitidos
    }

    pub(super) fn pacote(&self, id: u64) -> Option<PacoteRecebido> {
        self.dados().pacotes.get(&id).map(|r| r.recebido.clone())
    }

    /// The operator evaluates a waiting package.
    pub(super) fn avaliar(&self, id: u64, situacao: Situacao) -> Avaliacao {
        let mut d = self.dados();
        match d.pacotes.get_mut(&id) {
            None => Avaliacao::NaoEncontrado,
            Some(r) if r.recebido.situacao != Situacao::Aguardando => Avaliacao::JaAvaliado,
            Some(r) => {
                r.recebido.situacao = situacao;
                Avaliacao::Feita
            }
        }
    }

    /// Every package as `id;entidade;situacao` lines, by id.
    pub(super) fn listagem(&self) -> String {
        let d = self.dados();
        let mut texto = String::new();
        for (id, r) in &d.pacotes {
            let situacao = match r.recebido.situacao {
                Situacao::Aguardando => "AGUARDANDO",
                Situacao::Aprovado => "SUCESSO",
                Situacao::Rejeitado { .. } => "REJEITADO",
            };
            let _ = writeln!(texto, "{id};{};{situacao}", r.entidade);
        }
        texto
    }

    /// `POST /token`: checks the grant type, then the credentials, and issues a token.
    pub(super) fn emitir_token(
        &self,
        grant_type: Option<&str>,
        client_id: Option<&str>,
        client_secret: Option<&str>,
    ) -> Result<TokenDto, RecusaToken> {
        if grant_type != Some("client_credentials") {
            return Err(RecusaToken::GrantType);
        }
        let mut guarda = self.dados();
        let d = &mut *guarda;
        let cliente = match (client_id, client_secret) {
            (Some(id), Some(s)) if d.clientes.get(id).is_some_and(|c| c.segredo == s) => id,
            _ => return Err(RecusaToken::Credenciais),
        };
        let access_token = loop {
            let t = token::novo(&mut d.gerador, cliente, self.validade_token);
            if !d.tokens.contains_key(&t) {
                break t;
            }
        };
        let registro = Token {
            cliente: cliente.to_owned(),
            expira: Instant::now().checked_add(self.validade_token),
        };
        d.tokens.insert(access_token.clone(), registro);
        d.tokens_emitidos = d.tokens_emitidos.saturating_add(1);
        Ok(TokenDto {
            access_token,
            token_type: "bearer".to_owned(),
            expires_in: self.validade_token.as_secs(),
        })
    }

    /// `GET …/receitaorcamentaria/…` (`extra: false`) or `…/contaextraorcamentaria/…`.
    pub(super) fn receitas(
        &self,
        token: Option<&str>,
        entidade: &str,
        ano: &str,
        extra: bool,
    ) -> Result<Vec<ReceitaDto>, Recusa> {
        let d = self.dados();
        let cliente = d.autenticar(token)?;
        let ano = rotas::ano(ano).ok_or(Recusa::ParametrosInvalidos)?;
        let e = d.existente(entidade)?;
        d.liberada(&cliente, entidade)?;
        let lista = e
            .receitas
            .get(&ano)
            .map(|(orc, ext)| if extra { ext } else { orc });
        Ok(lista.cloned().unwrap_or_default())
    }

    /// `GET …/contabilidadeaberta/…`: whether the period is open.
    pub(super) fn periodo(
        &self,
        token: Option<&str>,
        entidade: &str,
        ano: &str,
        mes: &str,
    ) -> Result<bool, Recusa> {
        let d = self.dados();
        let cliente = d.autenticar(token)?;
        let (Some(ano), Some(mes)) = (rotas::ano(ano), rotas::mes(mes)) else {
            return Err(Recusa::ParametrosInvalidos);
        };
        let e = d.existente(entidade)?;
        d.liberada(&cliente, entidade)?;
        Ok(!e.fechados.contains(&(ano, mes)))
    }

    /// `GET …/enviotributos/{id}`; counts the query towards the automatic approval.
    pub(super) fn situacao(&self, token: Option<&str>, id: &str) -> Result<Situacao, Recusa> {
        let mut d = self.dados();
        let cliente = d.autenticar(token)?;
        let id = rotas::id_pacote(id).ok_or(Recusa::PacoteNaoEncontrado)?;
        let entidade = match d.pacotes.get(&id) {
            Some(r) => r.entidade.clone(),
            None => return Err(Recusa::PacoteNaoEncontrado),
        };
        d.liberada(&cliente, &entidade)?;
        let registro = d.pacotes.get_mut(&id).ok_or(Recusa::PacoteNaoEncontrado)?;
        Ok(registro.consultar(self.aprovar_apos_consultas))
    }

    /// `POST …/enviotributos`: token, the domain's validation (outside the lock), access,
    /// resend rules, closed period, then recording.
    pub(super) fn receber(&self, token: Option<&str>, corpo: &[u8]) -> Result<(), Recusa> {
        let cliente = self.dados().autenticar(token)?;
        let documento = std::str::from_utf8(corpo).map_err(|_| {
            recusa_pacote(
                guiche_domain::Regra::JsonInvalido.codigo(),
                "$: o corpo não é UTF-8 válido".to_owned(),
            )
        })?;
        let pacote = validar(documento)?;
        let mut d = self.dados();
        d.liberada(&cliente, entidade_de(&pacote))?;
        d.registrar(&cliente, &pacote, documento)
    }
}

impl Dados {
    /// The entity, created when unknown.
    fn entidade(&mut self, codigo: &str) -> &mut Entidade {
        self.entidades.entry(codigo.to_owned()).or_default()
    }

    /// The client behind a token that is known and not expired.
    fn autenticar(&self, token: Option<&str>) -> Result<String, Recusa> {
        let t = token
            .and_then(|t| self.tokens.get(t))
            .ok_or(Recusa::NaoAutorizado)?;
        if t.expira.is_some_and(|e| Instant::now() >= e) {
            return Err(Recusa::TokenExpirado);
        }
        Ok(t.cliente.clone())
    }

    fn existente(&self, entidade: &str) -> Result<&Entidade, Recusa> {
        self.entidades
            .get(entidade)
            .ok_or(Recusa::ParametrosInvalidos)
    }

    fn liberada(&self, cliente: &str, entidade: &str) -> Result<(), Recusa> {
        match self.clientes.get(cliente) {
            Some(c) if c.entidades.contains(entidade) => Ok(()),
            _ => Err(Recusa::AcessoNegado),
        }
    }

    /// Records a valid package the client may send, or says why not.
    fn registrar(&mut self, cliente: &str, pacote: &Pacote, documento: &str) -> Result<(), Recusa> {
        let id = pacote.id_pacote();
        let envios = match self.pacotes.get(&id) {
            None => 0,
            Some(anterior) => {
                self.liberada(cliente, &anterior.entidade)?;
                if anterior.recebido.situacao != Situacao::Aguardando {
                    let msg = format!("pacote {id} já avaliado pela contabilidade");
                    return Err(recusa_pacote(CODIGO_JA_AVALIADO, msg));
                }
                anterior.recebido.envios
            }
        };
        let entidade = entidade_de(pacote);
        let data = pacote.data_movimento();
        let fechado = self
            .entidades
            .get(entidade)
            .is_some_and(|e| e.fechados.contains(&(data.ano(), data.mes())));
        if fechado {
            let msg = format!(
                "período {:02}/{:04} fechado na contabilidade",
                data.mes(),
                data.ano()
            );
            return Err(recusa_pacote(CODIGO_PERIODO_FECHADO, msg));
        }
        let registro = Registro {
            entidade: entidade.to_owned(),
            recebido: PacoteRecebido {
                documento: documento.to_owned(),
                situacao: Situacao::Aguardando,
                envios: envios.saturating_add(1),
            },
            consultas: 0,
        };
        self.pacotes.insert(id, registro);
        Ok(())
    }
}

impl Registro {
    /// Answers a status query: a waiting package already answered `AGUARDANDO` `limite` times
    /// is approved now.
    fn consultar(&mut self, limite: Option<u32>) -> Situacao {
        if self.recebido.situacao == Situacao::Aguardando
            && let Some(n) = limite
        {
            if self.consultas >= n {
                self.recebido.situacao = Situacao::Aprovado;
            } else {
                self.consultas = self.consultas.saturating_add(1);
            }
        }
        self.recebido.situacao.clone()
    }
}

/// The package's entity as the simulator keys it (surrounding blanks ignored).
fn entidade_de(pacote: &Pacote) -> &str {
    pacote.cod_entidade().trim()
}

/// The manual's first validation, with the domain's rules; the first violation is the reply.
fn validar(documento: &str) -> Result<Pacote, Recusa> {
    PacoteBruto::de_json(documento)
        .and_then(|bruto| bruto.validar(Tabela2::oficial()))
        .map_err(|v| primeira_violacao(&v))
}

/// The service answers one problem at a time: the first violation, coded by its rule.
fn primeira_violacao(v: &Violacoes) -> Recusa {
    match v.iter().next() {
        Some(p) => recusa_pacote(p.regra.codigo(), format!("{}: {}", p.campo, p.mensagem)),
        None => recusa_pacote("00", "pacote recusado".to_owned()),
    }
}

fn recusa_pacote(codigo: &str, mensagem: String) -> Recusa {
    Recusa::Pacote {
        codigo: codigo.to_owned(),
        mensagem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registro() -> Registro {
        Registro {
            entidade: "1".into(),
            recebido: PacoteRecebido {
                documento: "{}".into(),
                situacao: Situacao::Aguardando,
                envios: 1,
            },
            consultas: 0,
        }
    }

    #[test]
    fn automatic_approval_after_n_queries() {
        let mut r = registro();
        assert_eq!(r.consultar(Some(2)), Situacao::Aguardando);
        assert_eq!(r.consultar(Some(2)), Situacao::Aguardando);
        assert_eq!(r.consultar(Some(2)), Situacao::Aprovado);
        assert_eq!(r.consultar(Some(2)), Situacao::Aprovado);
        assert_eq!(registro().consultar(Some(0)), Situacao::Aprovado);
        let mut r = registro();
        for _ in 0..5 {
            assert_eq!(r.consultar(None), Situacao::Aguardando);
        }
    }

    #[test]
    fn the_first_violation_names_its_rule_and_field() {
        let e = validar("[]").unwrap_err();
        assert!(
            matches!(&e, Recusa::Pacote { codigo, .. } if codigo == "formato.raiz"),
            "{e:?}"
        );
        let e = validar("{").unwrap_err();
        assert!(
            matches!(&e, Recusa::Pacote { codigo, mensagem } if codigo == "formato.json" && mensagem.starts_with("$: ")),
            "{e:?}"
        );
    }

    #[test]
    fn a_token_that_never_expires_is_allowed() {
        let config = ConfigSimulador {
            validade_token: Duration::MAX,
            ..ConfigSimulador::default()
        };
        let e = Estado::new(&config);
        e.cadastrar_cliente("c", "s", &["1"]);
        let t = e
            .emitir_token(Some("client_credentials"), Some("c"), Some("s"))
            .unwrap();
        assert_eq!(t.expires_in, Duration::MAX.as_secs());
        assert!(
            e.receitas(Some(&t.access_token), "1", "2022", false)
                .is_ok()
        );
    }
}
