//! `guiche nfd send` and `guiche nfd batch`: issuing notas through the ledger.

use super::nfd::{buscar_prefeitura, ler_nota};
use crate::config;
use crate::entrada;
use crate::erro::{Codigo, ErroApp};
use crate::relogio::RelogioSistema;
use crate::saida::{self, Documento as DocSaida};
use guiche_aplicacao::nfd::emissao::{Decisao, Desfecho, Emissao, ErroEmissao};
use guiche_domain::nfd::Prefeitura;
use guiche_domain::{Documento, Violacoes};
use guiche_nfd::{ClienteNfd, ConfigCliente, Provedor, Senha};
use guiche_ports::livro::{ErroLivro, Sequencia};
use guiche_store::Livro;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// One nota to issue.
#[derive(Clone, Debug)]
struct Item {
    arquivo: PathBuf,
    prefeitura: &'static Prefeitura,
    prestador: Documento,
}

/// What happened to one item.
#[derive(Debug)]
enum Resultado {
    Desfecho(Desfecho),
    /// The outcome is known but the ledger did not record it: shown anyway.
    NaoRegistrado {
        desfecho: Desfecho,
        erro: String,
    },
    Invalida(Violacoes),
    Erro {
        mensagem: String,
        codigo: Codigo,
        /// A healthy race or a passing failure: trying again may succeed.
        repetir: bool,
    },
    NaoTentada(String),
}

/// How many times a batch sends a nota whose outcome stays unknown (or that did not leave, or
/// whose sequence another process held too long) before it stops that sequence, and the waits
/// in between: each new attempt first settles the pending nota by sending it again.
const ESPERAS_NO_LOTE: [Duration; 4] = [
    Duration::from_millis(250),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];

impl Resultado {
    /// The exit code for this item alone (`send`): a nota already issued is refused locally.
    fn codigo(&self) -> Codigo {
        match self {
            Resultado::Desfecho(Desfecho::Emitida { .. }) => Codigo::Ok,
            Resultado::Desfecho(
                Desfecho::JaEmitida { .. }
                | Desfecho::Recusada { .. }
                | Desfecho::NumeroOcupado { .. },
            )
            | Resultado::Invalida(_) => Codigo::Rejeitado,
            Resultado::Desfecho(
                Desfecho::Desconhecida { .. }
                | Desfecho::NaoEnviada { .. }
                | Desfecho::ReenvioRecusado { .. },
            )
            | Resultado::NaoTentada(_) => Codigo::Transporte,
            Resultado::NaoRegistrado { .. } => Codigo::Uso,
            Resultado::Erro { codigo, .. } => *codigo,
        }
    }

    /// Whether trying the same nota again soon may settle it.
    fn vale_tentar_de_novo(&self) -> bool {
        match self {
            Resultado::Desfecho(d) => d.pendente(),
            Resultado::Erro { repetir, .. } => *repetir,
            _ => false,
        }
    }

    /// The exit code within a batch: a nota found already issued is what resuming a batch is
    /// for, so it counts as done.
    fn codigo_no_lote(&self) -> Codigo {
        match self {
            Resultado::Desfecho(Desfecho::JaEmitida { .. }) => Codigo::Ok,
            outro => outro.codigo(),
        }
    }

    /// Whether the sequence cannot go on after this item.
    fn bloqueia(&self) -> bool {
        matches!(self.codigo(), Codigo::Transporte | Codigo::Uso)
            && !matches!(self, Resultado::Invalida(_))
    }
}

/// `guiche nfd send FILE --prefeitura COD --prestador CNPJ [--url-impressao] [--nova]`.
pub(crate) async fn enviar(
    arquivo: &Path,
    prefeitura: &str,
    prestador: &str,
    opcoes: Opcoes,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let item = Item {
        arquivo: arquivo.to_owned(),
        prefeitura: buscar_prefeitura(prefeitura)?,
        prestador: entrada::documento("--prestador", prestador)?,
    };
    let livro = Arc::new(config::abrir_livro()?);
    let cliente = Arc::new(cliente(item.prefeitura, &item.prestador)?);
    let resultado = emitir_item(&item, &livro, &cliente, opcoes).await;
    if let (Resultado::Invalida(v), false) = (&resultado, json) {
        let nome = arquivo.display().to_string();
        saida::invalido(
            &DocSaida {
                arquivo: &nome,
                tipo: "nota",
                feminino: true,
            },
            v,
            false,
        );
    } else {
        imprimir(&[(item, &resultado)], json);
    }
    Ok(resultado.codigo())
}

/// `guiche nfd batch FILE... [--prefeitura COD --prestador CNPJ] [--concurrency N]`.
pub(crate) async fn lote(
    arquivos: &[PathBuf],
    prefeitura: Option<&str>,
    prestador: Option<&str>,
    concorrencia: u16,
    url_impressao: bool,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let opcoes = Opcoes {
        url_impressao,
        nova: false,
        espera_vez: espera_vez()?,
    };
    let itens = itens(arquivos, prefeitura, prestador)?;
    let livro = Arc::new(config::abrir_livro()?);
    let progresso = barra(itens.len() as u64, json);
    let grupos = agrupar(&itens);
    let semaforo = Arc::new(tokio::sync::Semaphore::new(usize::from(concorrencia)));
    let mut tarefas = tokio::task::JoinSet::new();
    for grupo in grupos {
        let primeiro = &itens[grupo[0]];
        let cliente = Arc::new(cliente(primeiro.prefeitura, &primeiro.prestador)?);
        let grupo: Vec<(usize, Item)> = grupo.into_iter().map(|i| (i, itens[i].clone())).collect();
        let (livro, semaforo, progresso) = (livro.clone(), semaforo.clone(), progresso.clone());
        tarefas.spawn(async move {
            let _vez = semaforo.acquire_owned().await;
            sequencia(grupo, &livro, &cliente, opcoes, &progresso).await
        });
    }
    let mut resultados: Vec<(usize, Resultado)> = Vec::with_capacity(itens.len());
    while let Some(r) = tarefas.join_next().await {
        resultados.extend(r.map_err(|e| ErroApp::Uso(format!("tarefa interrompida: {e}")))?);
    }
    progresso.finish_and_clear();
    resultados.sort_by_key(|(i, _)| *i);
    let pares: Vec<(Item, &Resultado)> = resultados
        .iter()
        .map(|(i, r)| (itens[*i].clone(), r))
        .collect();
    imprimir(&pares, json);
    Ok(pares
        .iter()
        .map(|(_, r)| r.codigo_no_lote())
        .fold(Codigo::Ok, pior))
}

/// Issues the notas of one sequence in order, each tried again a few times while its outcome
/// stays unknown; stops when the sequence is blocked.
async fn sequencia(
    grupo: Vec<(usize, Item)>,
    livro: &Arc<Livro>,
    cliente: &Arc<ClienteNfd>,
    opcoes: Opcoes,
    progresso: &ProgressBar,
) -> Vec<(usize, Resultado)> {
    let mut saida = Vec::with_capacity(grupo.len());
    let mut bloqueio: Option<String> = None;
    for (i, item) in grupo {
        let r = match &bloqueio {
            Some(motivo) => Resultado::NaoTentada(motivo.clone()),
            None => {
                let mut r = emitir_item(&item, livro, cliente, opcoes).await;
                for espera in ESPERAS_NO_LOTE {
                    if !r.vale_tentar_de_novo() {
                        break;
                    }
                    tokio::time::sleep(espera).await;
                    r = emitir_item(&item, livro, cliente, opcoes).await;
                }
                r
            }
        };
        if bloqueio.is_none() && r.bloqueia() {
            bloqueio = Some(format!(
                "não tentada: a sequência parou em {}",
                item.arquivo.display()
            ));
        }
        progresso.inc(1);
        saida.push((i, r));
    }
    saida
}

/// The options of one issuing command.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Opcoes {
    /// Ask for the print URL instead of the authenticity code.
    pub(crate) url_impressao: bool,
    /// Issue a new nota even if one with the same content was issued (`--nova`).
    pub(crate) nova: bool,
    /// How long to wait for a sequence another process is working on.
    pub(crate) espera_vez: Duration,
}

/// How long a command waits for a sequence another guichê process is working on: long enough
/// for that process to settle a pending nota and send one more, each up to the NFD timeout.
pub(crate) fn espera_vez() -> Result<Duration, ErroApp> {
    Ok(config::timeout_nfd()?.saturating_mul(4) + Duration::from_secs(60))
}

async fn emitir_item(
    item: &Item,
    livro: &Arc<Livro>,
    cliente: &Arc<ClienteNfd>,
    opcoes: Opcoes,
) -> Resultado {
    let texto = match entrada::bytes(&item.arquivo) {
        Ok(t) => t,
        Err(e) => {
            return Resultado::Erro {
                mensagem: e.to_string(),
                codigo: Codigo::Uso,
                repetir: false,
            };
        }
    };
    let bruta = match ler_nota(&texto) {
        Ok(b) => b,
        Err(v) => return Resultado::Invalida(v),
    };
    let sequencia = Sequencia {
        prestador: item.prestador,
        prefeitura: item.prefeitura.codigo.clone(),
    };
    let emissao = Emissao {
        livro: livro.clone(),
        emissor: cliente.clone(),
        relogio: Arc::new(RelogioSistema),
        url_impressao: opcoes.url_impressao,
        espera_vez: opcoes.espera_vez,
    };
    let erro = |e: &dyn std::fmt::Display, codigo: Codigo, repetir: bool| Resultado::Erro {
        mensagem: e.to_string(),
        codigo,
        repetir,
    };
    match emissao
        .emitir(&sequencia, item.prefeitura, bruta, opcoes.nova)
        .await
    {
        Ok(d) => Resultado::Desfecho(d),
        Err(ErroEmissao::Invalida(v)) => Resultado::Invalida(v),
        Err(ErroEmissao::NaoRegistrado { desfecho, erro }) => Resultado::NaoRegistrado {
            desfecho: *desfecho,
            erro: erro.to_string(),
        },
        Err(e @ (ErroEmissao::Bloqueada { .. } | ErroEmissao::Ocupada { .. })) => {
            erro(&e, Codigo::Transporte, true)
        }
        Err(ErroEmissao::Livro(
            e @ (ErroLivro::ForaDeSequencia { .. }
            | ErroLivro::Pendente { .. }
            | ErroLivro::DataAnterior { .. }),
        )) => erro(&e, Codigo::Rejeitado, false),
        Err(e) => erro(&e, Codigo::Uso, false),
    }
}

fn pior(a: Codigo, b: Codigo) -> Codigo {
    let peso = |c: Codigo| match c {
        Codigo::Ok => 0,
        Codigo::Rejeitado => 1,
        Codigo::Transporte => 2,
        Codigo::Uso => 3,
    };
    if peso(b) > peso(a) { b } else { a }
}

/// The client for a provider: endpoint from `GUICHE_NFD_URL` or the provider profile; password
/// from `GUICHE_NFD_SENHA_<CNPJ>` or `GUICHE_NFD_SENHA` (or their `_ARQUIVO` forms).
fn cliente(prefeitura: &Prefeitura, prestador: &Documento) -> Result<ClienteNfd, ErroApp> {
    let provedor = Provedor::da_prefeitura(&prefeitura.codigo).ok_or_else(|| {
        ErroApp::Configuracao(format!(
            "nenhum provedor NFD atende a {} ({})",
            prefeitura.nome, prefeitura.codigo
        ))
    })?;
    let proprio = format!("GUICHE_NFD_SENHA_{}", prestador.as_str());
    let senha = match config::segredo(&proprio)? {
        Some(s) => s,
        None => config::obrigatorio("GUICHE_NFD_SENHA", "enviar notas NFD")?,
    };
    let cliente = ClienteNfd::new(ConfigCliente {
        provedor: provedor.clone(),
        endpoint: config::var("GUICHE_NFD_URL").filter(|u| !u.trim().is_empty()),
        senha: Senha::new(senha),
        timeout: config::timeout_nfd()?,
        http_inseguro: config::nfd_http_inseguro()?,
    })
    .map_err(|e| ErroApp::Configuracao(e.to_string()))?;
    if let Some(aviso) = cliente.aviso_texto_claro() {
        eprintln!("aviso: {aviso}");
    }
    Ok(cliente)
}

/// The items of a batch: nota files with the command's defaults, or `.tsv` scripts.
fn itens(
    arquivos: &[PathBuf],
    prefeitura: Option<&str>,
    prestador: Option<&str>,
) -> Result<Vec<Item>, ErroApp> {
    let mut v = Vec::new();
    for a in arquivos {
        if a.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv")) {
            v.extend(roteiro(a)?);
            continue;
        }
        let (Some(pref), Some(prest)) = (prefeitura, prestador) else {
            return Err(ErroApp::Uso(format!(
                "{}: informe --prefeitura e --prestador, ou use um roteiro .tsv (prefeitura, prestador, arquivo)",
                a.display()
            )));
        };
        v.push(Item {
            arquivo: a.clone(),
            prefeitura: buscar_prefeitura(pref)?,
            prestador: entrada::documento("--prestador", prest)?,
        });
    }
    Ok(v)
}

/// A `.tsv` script: `prefeitura<TAB>prestador<TAB>arquivo` per line, `#` comments, paths
/// relative to the script.
fn roteiro(caminho: &Path) -> Result<Vec<Item>, ErroApp> {
    let texto = entrada::ler(caminho)?;
    let base = caminho.parent().unwrap_or(Path::new("."));
    let mut v = Vec::new();
    for (n, l) in texto
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let erro = |m: String| ErroApp::Uso(format!("{}, linha {}: {m}", caminho.display(), n + 1));
        let [pref, prest, arq] = l.split('\t').collect::<Vec<_>>()[..] else {
            return Err(erro("esperava prefeitura<TAB>prestador<TAB>arquivo".into()));
        };
        let prefeitura = buscar_prefeitura(pref).map_err(|e| erro(e.to_string()))?;
        let prestador =
            entrada::documento("--prestador", prest).map_err(|e| erro(e.to_string()))?;
        v.push(Item {
            arquivo: base.join(arq.trim()),
            prefeitura,
            prestador,
        });
    }
    Ok(v)
}

/// Item indices grouped by sequence, groups in order of first appearance, items in order.
fn agrupar(itens: &[Item]) -> Vec<Vec<usize>> {
    let mut grupos: Vec<(Sequencia, Vec<usize>)> = Vec::new();
    for (i, it) in itens.iter().enumerate() {
        let s = Sequencia {
            prestador: it.prestador,
            prefeitura: it.prefeitura.codigo.clone(),
        };
        match grupos.iter_mut().find(|(g, _)| *g == s) {
            Some((_, v)) => v.push(i),
            None => grupos.push((s, vec![i])),
        }
    }
    grupos.into_iter().map(|(_, v)| v).collect()
}

fn barra(total: u64, json: bool) -> ProgressBar {
    if json || total < 2 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let p = ProgressBar::new(total);
    if let Ok(estilo) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} notas  {elapsed_precise}  {per_sec}")
    {
        p.set_style(estilo);
    }
    p
}

fn frase(r: &Resultado) -> String {
    match r {
        Resultado::Desfecho(d) => frase_do_desfecho(d),
        Resultado::NaoRegistrado { desfecho, erro } => format!(
            "{} — ATENÇÃO: o livro não registrou este resultado ({erro}); guarde esta linha. \
             O próximo envio para este prestador e prefeitura reenvia a nota e o serviço \
             confirma, sem emitir duas vezes",
            frase_do_desfecho(desfecho)
        ),
        Resultado::Invalida(v) => {
            let lista: Vec<String> = v.iter().map(ToString::to_string).collect();
            format!("nota inválida: {}", lista.join("; "))
        }
        Resultado::Erro { mensagem, .. } | Resultado::NaoTentada(mensagem) => mensagem.clone(),
    }
}

fn frase_do_desfecho(d: &Desfecho) -> String {
    match d {
        Desfecho::Emitida {
            numero,
            codigo: Some(c),
            retomada,
        } => {
            let retomada = if *retomada {
                " (nota pendente retomada)"
            } else {
                ""
            };
            format!("nota nº {numero} emitida — {c}{retomada}")
        }
        Desfecho::Emitida {
            numero,
            codigo: None,
            ..
        } => format!(
            "nota nº {numero} emitida: o serviço respondeu que ela já constava (o envio anterior \
             tinha resultado desconhecido); confirme o código de autenticidade no portal NFD"
        ),
        Desfecho::JaEmitida { numero, codigo } => format!(
            "nota nº {numero} já emitida antes{}: nada foi enviado",
            codigo
                .as_ref()
                .map(|c| format!(" (código {c})"))
                .unwrap_or_default()
        ),
        Desfecho::Recusada { numero, mensagem } => {
            format!("nota nº {numero} recusada pelo serviço: {mensagem}")
        }
        Desfecho::NumeroOcupado { numero, mensagem } => format!(
            "o serviço já tem a nota nº {numero} (\"{mensagem}\"), que o guichê nunca enviou: foi \
             emitida por fora. O número fica registrado como usado e esta nota NÃO foi emitida; \
             envie-a de novo para que receba o próximo número"
        ),
        Desfecho::Desconhecida { numero, motivo } => format!(
            "nota nº {numero} enviada, resultado desconhecido ({motivo}); o próximo envio para \
             este prestador e prefeitura resolve, sem emitir duas vezes"
        ),
        Desfecho::ReenvioRecusado { numero, mensagem } => format!(
            "nota nº {numero}: o reenvio foi recusado pelo serviço (\"{mensagem}\"), mas o envio \
             anterior pode ter emitido a nota; ela continua com resultado desconhecido e nada novo \
             é enviado para este prestador e prefeitura. Corrija a causa (senha, liberação) e envie \
             de novo, ou confira a nota no portal NFD e registre o que viu: guiche nfd resolve \
             {numero} --prefeitura COD --prestador DOC --emitida CODIGO (ou --nao-emitida)"
        ),
        Desfecho::NaoEnviada { numero, motivo } => {
            format!(
                "nota nº {numero} não enviada ({motivo}); o número continua reservado para ela: tente de novo"
            )
        }
    }
}

/// The JSON `estado`, `numero` and `codigo` of an outcome.
fn campos_do_desfecho(d: &Desfecho) -> (&'static str, u64, Option<String>) {
    match d {
        Desfecho::Emitida { numero, codigo, .. } => ("emitida", *numero, codigo.clone()),
        Desfecho::JaEmitida { numero, codigo } => ("ja_emitida", *numero, codigo.clone()),
        Desfecho::Recusada { numero, .. } => ("recusada", *numero, None),
        Desfecho::NumeroOcupado { numero, .. } => ("numero_ocupado", *numero, None),
        Desfecho::Desconhecida { numero, .. } => ("desconhecida", *numero, None),
        Desfecho::ReenvioRecusado { numero, .. } => ("reenvio_recusado", *numero, None),
        Desfecho::NaoEnviada { numero, .. } => ("nao_enviada", *numero, None),
    }
}

fn para_json(item: &Item, r: &Resultado) -> Value {
    let (estado, numero, codigo) = match r {
        Resultado::Desfecho(d) | Resultado::NaoRegistrado { desfecho: d, .. } => {
            let (e, n, c) = campos_do_desfecho(d);
            (e, Some(n), c)
        }
        Resultado::Invalida(_) => ("invalida", None, None),
        Resultado::Erro { .. } => ("erro", None, None),
        Resultado::NaoTentada(_) => ("nao_tentada", None, None),
    };
    let livro = match r {
        Resultado::NaoRegistrado { erro, .. } => json!({"registrado": false, "erro": erro}),
        Resultado::Desfecho(_) => json!({"registrado": true}),
        _ => Value::Null,
    };
    let violacoes: Vec<Value> = match r {
        Resultado::Invalida(v) => v
            .iter()
            .map(|x| json!({"campo": x.campo, "regra": x.regra.codigo(), "mensagem": x.mensagem, "valor": x.valor}))
            .collect(),
        _ => Vec::new(),
    };
    json!({
        "arquivo": item.arquivo.display().to_string(),
        "prefeitura": item.prefeitura.codigo,
        "prestador": item.prestador.as_str(),
        "estado": estado,
        "numero": numero,
        "codigo": codigo,
        "mensagem": frase(r),
        "livro": livro,
        "violacoes": violacoes,
    })
}

fn imprimir(pares: &[(Item, &Resultado)], json: bool) {
    if json {
        let v: Vec<Value> = pares.iter().map(|(i, r)| para_json(i, r)).collect();
        let doc = if v.len() == 1 {
            v.into_iter().next().unwrap_or_default()
        } else {
            json!({ "notas": v })
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return;
    }
    for (item, r) in pares {
        println!("{}: {}", item.arquivo.display(), frase(r));
    }
    if pares.len() > 1 {
        println!("{}", resumo(pares));
    }
}

fn resumo(pares: &[(Item, &Resultado)]) -> String {
    let conta = |f: &dyn Fn(&Resultado) -> bool| pares.iter().filter(|(_, r)| f(r)).count();
    format!(
        "{} nota(s): {} emitida(s), {} já emitida(s) antes, {} recusada(s) ou inválida(s), {} pendente(s) ou não tentada(s), {} com erro",
        pares.len(),
        conta(&|r| matches!(r, Resultado::Desfecho(Desfecho::Emitida { .. }))),
        conta(&|r| matches!(r, Resultado::Desfecho(Desfecho::JaEmitida { .. }))),
        conta(&|r| {
            matches!(
                r,
                Resultado::Desfecho(Desfecho::Recusada { .. } | Desfecho::NumeroOcupado { .. })
                    | Resultado::Invalida(_)
            )
        }),
        conta(&|r| r.codigo() == Codigo::Transporte),
        conta(&|r| r.codigo() == Codigo::Uso),
    )
}

/// `guiche nfd resolve NUMERO --prefeitura COD --prestador DOC (--emitida CODIGO | --nao-emitida)
/// [--por NOME]`: a person's decision on a nota whose outcome the service never told.
pub(crate) async fn resolver(
    numero: u64,
    prefeitura: &str,
    prestador: &str,
    decisao: Decisao,
    por: Option<&str>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let prefeitura = buscar_prefeitura(prefeitura)?;
    let sequencia = Sequencia {
        prestador: entrada::documento("--prestador", prestador)?,
        prefeitura: prefeitura.codigo.clone(),
    };
    let por = quem_decide(por)?;
    let livro = Arc::new(config::abrir_livro()?);
    // A decision never reaches the service: no client, no password needed.
    let emissao = Emissao {
        livro,
        emissor: Arc::new(SemServico),
        relogio: Arc::new(RelogioSistema),
        url_impressao: false,
        espera_vez: espera_vez()?,
    };
    let (codigo, mensagem, registro) =
        match emissao.resolver(&sequencia, numero, &decisao, &por).await {
            Ok(r) => {
                let frase = match &decisao {
                    Decisao::Emitida { codigo } => format!(
                        "nota nº {numero} registrada como emitida (código {codigo}) por {por}"
                    ),
                    Decisao::NaoEmitida => format!(
                        "nota nº {numero} registrada como não emitida por {por}: o número volta a \
                         ficar livre e o próximo envio deste prestador nesta prefeitura o usa"
                    ),
                };
                (Codigo::Ok, frase, Some(r))
            }
            Err(
                e @ (ErroEmissao::SemNota(_) | ErroEmissao::Livro(ErroLivro::SemDecisao { .. })),
            ) => (Codigo::Rejeitado, e.to_string(), None),
            Err(e @ ErroEmissao::Ocupada { .. }) => (Codigo::Transporte, e.to_string(), None),
            Err(e) => (Codigo::Uso, e.to_string(), None),
        };
    if json {
        let doc = json!({
            "prefeitura": sequencia.prefeitura,
            "prestador": sequencia.prestador.as_str(),
            "numero": numero,
            "estado": registro.as_ref().map(|r| r.estado.nome()),
            "decidido_por": registro.as_ref().and_then(|r| r.decisao.as_ref()).map(|d| d.por.clone()),
            "mensagem": mensagem,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else if codigo == Codigo::Ok {
        println!("{mensagem}");
    } else {
        eprintln!("{mensagem}");
    }
    Ok(codigo)
}

/// Who decides: `--por`, or the login of whoever runs the command.
fn quem_decide(por: Option<&str>) -> Result<String, ErroApp> {
    let nome = por
        .map(str::to_owned)
        .or_else(|| config::var("USER"))
        .or_else(|| config::var("LOGNAME"))
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    nome.ok_or_else(|| {
        ErroApp::Uso(
            "informe quem decide com --por NOME (não há USER nem LOGNAME no ambiente)".into(),
        )
    })
}

/// The issuer of a command that never sends (a person's decision).
struct SemServico;

#[async_trait::async_trait]
impl guiche_ports::emissor::EmissorNotas for SemServico {
    fn documento(&self, _prefeitura: &str, nota: &guiche_domain::nfd::Nota) -> String {
        nota.bruta().para_xml()
    }

    async fn enviar(
        &self,
        _envio: &guiche_ports::emissor::Envio,
    ) -> Result<guiche_ports::emissor::Resposta, guiche_ports::emissor::ErroEnvio> {
        Err(guiche_ports::emissor::ErroEnvio::NaoEnviado(
            "uma decisão não chama o serviço".into(),
        ))
    }
}
