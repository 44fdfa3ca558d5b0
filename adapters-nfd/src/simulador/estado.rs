//! The simulator's state and the judgement of a request: credentials, duplicate, domain rules,
//! recording. Everything here is synchronous and runs under one `std::sync::Mutex`.

use super::{Caos, ConfigSimulador, Falha, NotaEmitida};
use crate::wire::{JA_CONSTA, PedidoSoap};
use guiche_domain::Data;
use guiche_domain::nfd::{ContextoNfd, NotaBruta, Prefeitura, Tag, UltimaNota, prefeituras};
use guiche_simulador::falha::Fila;
use guiche_simulador::sorteio::Gerador;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

/// Refusal texts of the simulator's own (the manual lists only the duplicate).
pub(super) const PREFEITURA_NAO_ENCONTRADA: &str = "Prefeitura não encontrada.";
pub(super) const CREDENCIAIS_INVALIDAS: &str = "CNPJ/CPF do prestador ou senha inválidos.";
pub(super) const NAO_LIBERADO: &str =
    "Prestador não liberado para envio de notas nesta prefeitura.";

use guiche_domain::data::FUSO_BRASILIA_SEGUNDOS;

/// What became of a request that reached the judge.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Desfecho {
    /// Issued and recorded.
    Emitida {
        /// The authenticity code, with dots.
        codigo: String,
        /// `NUMERO_NOTA`.
        numero: u64,
        /// The municipality's code as the table writes it (`0044`).
        prefeitura: &'static str,
    },
    /// Refused with this message (the reply is `0-<message>`).
    Recusada(String),
    /// A parameter the `.asmx` could not even deserialise (`codPrefeitura` not an `int`).
    Ilegivel(String),
}

struct Prestador {
    senha: String,
    prefeituras: HashSet<i32>,
}

/// Notas per (prestador, municipality code as in the table), by number.
type Livro = BTreeMap<(String, &'static str), BTreeMap<u64, NotaEmitida>>;

#[derive(Default)]
struct Dados {
    prestadores: HashMap<String, Prestador>,
    notas: Livro,
    codigos: HashSet<String>,
    falhas: Fila<Falha>,
    caos: Caos,
    gerador: Gerador,
}

/// The shared state of a running simulator.
pub(super) struct Estado {
    pub(super) namespace: String,
    hoje: Option<Data>,
    pub(super) base: String,
    dados: Mutex<Dados>,
}

impl std::fmt::Debug for Estado {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Estado")
            .field("namespace", &self.namespace)
            .field("hoje", &self.hoje)
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Estado {
    pub(super) fn new(config: ConfigSimulador, endereco: SocketAddr) -> Estado {
        let dados = Dados::default();
        Estado {
            namespace: config.namespace,
            hoje: config.hoje,
            base: format!("http://{endereco}"),
            dados: Mutex::new(dados),
        }
    }

    /// The lock; a panic elsewhere while holding it cannot leave the maps half-written in a
    /// way that matters to a simulator, so poisoning is ignored.
    fn dados(&self) -> MutexGuard<'_, Dados> {
        self.dados.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn cadastrar_prestador(&self, cnpj: &str, senha: &str, prefeituras: &[&str]) {
        let prestador = Prestador {
            senha: senha.to_owned(),
            prefeituras: prefeituras.iter().filter_map(|p| codigo_int(p)).collect(),
        };
        self.dados()
            .prestadores
            .insert(cnpj.trim().to_owned(), prestador);
    }

    pub(super) fn injetar(&self, falha: Falha) {
        self.dados().falhas.injetar(falha);
    }

    pub(super) fn caos(&self, caos: Caos) {
        self.dados().caos = caos;
    }

    /// Counts a request to the service and takes the next queued fault, or draws one.
    pub(super) fn chegada(&self) -> Option<Falha> {
        let mut d = self.dados();
        if let Some(f) = d.falhas.chegada() {
            return Some(f);
        }
        let caos = d.caos;
        if caos == Caos::default() {
            return None;
        }
        // 53 random bits make a uniform draw in [0, 1).
        let u = d.gerador.fracao();
        caos.sortear(u)
    }

    pub(super) fn requisicoes(&self) -> usize {
        self.dados().falhas.requisicoes()
    }

    pub(super) fn emitidas(&self, prestador: &str, prefeitura: &str) -> Vec<NotaEmitida> {
        let Some(p) = codigo_int(prefeitura).and_then(prefeitura_por_numero) else {
            return Vec::new();
        };
        let chave = (prestador.trim().to_owned(), p.codigo.as_str());
        self.dados()
            .notas
            .get(&chave)
            .map(|n| n.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The recorded `<NOTA>` text behind a print URL, when the code and number match.
    pub(super) fn documento(&self, prefeitura: &str, codigo: &str, numero: u64) -> Option<String> {
        let p = codigo_int(prefeitura).and_then(prefeitura_por_numero)?;
        let d = self.dados();
        d.notas
            .iter()
            .filter(|((_, pref), _)| *pref == p.codigo.as_str())
            .filter_map(|(_, notas)| notas.get(&numero))
            .find(|n| n.codigo.replace('.', "") == codigo)
            .map(|n| n.documento.clone())
    }

    /// Every issued nota as `prestador;prefeitura;numero;codigo` lines.
    pub(super) fn listagem(&self) -> String {
        let d = self.dados();
        let mut texto = String::new();
        for ((prestador, prefeitura), notas) in &d.notas {
            for n in notas.values() {
                let _ = writeln!(texto, "{prestador};{prefeitura};{};{}", n.numero, n.codigo);
            }
        }
        texto
    }

    /// Today for the date rules: the configured date, or the system clock in Brasília.
    pub(super) fn hoje(&self) -> Option<Data> {
        self.hoje.or_else(hoje_em_brasilia)
    }

    /// Judges a request and records the nota when it is accepted.
    pub(super) fn julgar(&self, pedido: &PedidoSoap, hoje: Data) -> Desfecho {
        let Some(numero_prefeitura) = codigo_int(&pedido.cod_prefeitura) else {
            return Desfecho::Ilegivel(format!(
                "codPrefeitura {:?} não é um inteiro (Input string was not in a correct format.)",
                pedido.cod_prefeitura
            ));
        };
        let Some(prefeitura) = prefeitura_por_numero(numero_prefeitura) else {
            return recusa(PREFEITURA_NAO_ENCONTRADA);
        };
        let mut d = self.dados();
        match d.prestadores.get(&pedido.cnpj_prestador) {
            Some(p) if p.senha == pedido.senha.expor() => {
                if !p.prefeituras.contains(&numero_prefeitura) {
                    return recusa(NAO_LIBERADO);
                }
            }
            _ => return recusa(CREDENCIAIS_INVALIDAS),
        }
        d.julgar_nota(pedido, prefeitura, hoje)
    }
}

impl Dados {
    fn julgar_nota(
        &mut self,
        pedido: &PedidoSoap,
        prefeitura: &'static Prefeitura,
        hoje: Data,
    ) -> Desfecho {
        let bruta = match NotaBruta::de_xml(&pedido.nota_fiscal) {
            Ok(b) => b,
            Err(v) => return primeira_violacao(&v),
        };
        let chave = (pedido.cnpj_prestador.clone(), prefeitura.codigo.as_str());
        let livro = self.notas.get(&chave);
        let ja_emitida = numero_digitos(bruta.get(Tag::NumeroNota))
            .is_some_and(|n| livro.is_some_and(|l| l.contains_key(&n)));
        if ja_emitida {
            return recusa(JA_CONSTA);
        }
        let ultima_nota = livro
            .and_then(|l| l.values().next_back())
            .map(|n| UltimaNota {
                numero: n.numero,
                data: n.data,
            });
        let contexto = ContextoNfd {
            prefeitura: Some(prefeitura),
            hoje,
            ultima_nota,
        };
        let nota = match bruta.validar(&contexto) {
            Ok(nota) => nota,
            Err(v) => return primeira_violacao(&v),
        };
        let Some(numero) = nota.numero() else {
            return recusa(&format!(
                "{}: campo obrigatório não preenchido",
                Tag::NumeroNota
            ));
        };
        let codigo = self.novo_codigo();
        let emitida = NotaEmitida {
            numero,
            data: nota.data_emissao(),
            codigo: codigo.clone(),
            documento: pedido.nota_fiscal.clone(),
        };
        self.notas.entry(chave).or_default().insert(numero, emitida);
        Desfecho::Emitida {
            codigo,
            numero,
            prefeitura: prefeitura.codigo.as_str(),
        }
    }

    /// A fresh authenticity code, never handed out before by this simulator.
    fn novo_codigo(&mut self) -> String {
        loop {
            let codigo = gerar_codigo(&mut self.gerador);
            if self.codigos.insert(codigo.clone()) {
                return codigo;
            }
        }
    }
}

fn recusa(mensagem: &str) -> Desfecho {
    Desfecho::Recusada(mensagem.to_owned())
}

/// The service answers one problem at a time: the first violation, as `<TAG>: <mensagem>`.
fn primeira_violacao(v: &guiche_domain::Violacoes) -> Desfecho {
    match v.iter().next() {
        Some(p) => Desfecho::Recusada(format!("{}: {}", p.campo, p.mensagem)),
        None => recusa("nota recusada"),
    }
}

/// `codPrefeitura` as the `int` the manual declares (blanks around it tolerated).
fn codigo_int(texto: &str) -> Option<i32> {
    texto.trim().parse().ok()
}

/// The shipped municipality whose code has this numeric value.
fn prefeitura_por_numero(numero: i32) -> Option<&'static Prefeitura> {
    prefeituras()
        .iter()
        .find(|p| p.codigo.parse::<i32>() == Ok(numero))
}

/// `NUMERO_NOTA` when it is digits only.
fn numero_digitos(texto: &str) -> Option<u64> {
    let t = texto.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn hoje_em_brasilia() -> Option<Data> {
    let segundos = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    let local = i64::try_from(segundos).ok()? + FUSO_BRASILIA_SEGUNDOS;
    Data::from_dias_desde_epoca(local.div_euclid(86_400))
}

const ALFABETO: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const GRUPOS: [usize; 4] = [7, 7, 8, 8];

/// A code shaped like the manual's `MOPD33J.POA234J.OI5WR465.098KJDDW`.
fn gerar_codigo(gerador: &mut Gerador) -> String {
    let mut codigo = String::with_capacity(33);
    for (i, tamanho) in GRUPOS.into_iter().enumerate() {
        if i > 0 {
            codigo.push('.');
        }
        for _ in 0..tamanho {
            let indice = (gerador.proximo() % ALFABETO.len() as u64) as usize;
            codigo.push(char::from(ALFABETO.get(indice).copied().unwrap_or(b'X')));
        }
    }
    codigo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_manuals_shape_and_do_not_repeat() {
        let mut d = Dados::default();
        let mut vistos = HashSet::new();
        for _ in 0..2000 {
            let c = d.novo_codigo();
            let grupos: Vec<&str> = c.split('.').collect();
            assert_eq!(
                grupos.iter().map(|g| g.len()).collect::<Vec<_>>(),
                [7, 7, 8, 8]
            );
            assert!(
                c.bytes()
                    .all(|b| b == b'.' || b.is_ascii_uppercase() || b.is_ascii_digit())
            );
            assert!(vistos.insert(c));
        }
    }

    #[test]
    fn municipality_codes_compare_as_integers() {
        let piracaia = prefeitura_por_numero(codigo_int("44").unwrap()).unwrap();
        assert_eq!(piracaia.codigo, "0044");
        assert_eq!(codigo_int(" 0044 "), Some(44));
        assert_eq!(codigo_int("44a"), None);
        assert!(prefeitura_por_numero(9999).is_none());
    }

    #[test]
    fn today_in_brasilia_is_a_plausible_date() {
        assert!(hoje_em_brasilia().is_some_and(|d| d.ano() >= 2025));
    }
}
