//! `guiche nfd send` and `guiche nfd batch`: issuing notas through the ledger.

use super::nfd::{buscar_prefeitura, ler_nota};
use crate::config;
use crate::emissao::{Desfecho, Emissao, ErroEmissao};
use crate::entrada;
use crate::erro::{Codigo, ErroApp};
use crate::relogio::RelogioSistema;
use crate::saida::{self, Documento as DocSaida};
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
    Invalida(Violacoes),
    Erro { mensagem: String, codigo: Codigo },
    NaoTentada(String),
}

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
            Resultado::Desfecho(Desfecho::Desconhecida { .. } | Desfecho::NaoEnviada { .. })
            | Resultado::NaoTentada(_) => Codigo::Transporte,
            Resultado::Erro { codigo, .. } => *codigo,
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
        self.codigo() == Codigo::Transporte
            || matches!(
                self,
                Resultado::Erro {
                    codigo: Codigo::Uso,
                    ..
                }
            )
    }
}

/// `guiche nfd send FILE --prefeitura COD --prestador CNPJ [--url-impressao]`.
pub(crate) async fn enviar(
    arquivo: &Path,
    prefeitura: &str,
    prestador: &str,
    url_impressao: bool,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let item = Item {
        arquivo: arquivo.to_owned(),
        prefeitura: buscar_prefeitura(prefeitura)?,
        prestador: entrada::documento("--prestador", prestador)?,
    };
    let livro = Arc::new(config::abrir_livro()?);
    let cliente = Arc::new(cliente(item.prefeitura, &item.prestador)?);
    let resultado = emitir_item(&item, &livro, &cliente, url_impressao).await;
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
            sequencia(grupo, &livro, &cliente, url_impressao, &progresso).await
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

/// Issues the notas of one sequence in order; stops when the sequence is blocked.
async fn sequencia(
    grupo: Vec<(usize, Item)>,
    livro: &Livro,
    cliente: &ClienteNfd,
    url: bool,
    progresso: &ProgressBar,
) -> Vec<(usize, Resultado)> {
    let mut saida = Vec::with_capacity(grupo.len());
    let mut bloqueio: Option<String> = None;
    for (i, item) in grupo {
        let r = match &bloqueio {
            Some(motivo) => Resultado::NaoTentada(motivo.clone()),
            None => emitir_item(&item, livro, cliente, url).await,
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

async fn emitir_item(
    item: &Item,
    livro: &Livro,
    cliente: &ClienteNfd,
    url_impressao: bool,
) -> Resultado {
    let texto = match entrada::ler(&item.arquivo) {
        Ok(t) => t,
        Err(e) => {
            return Resultado::Erro {
                mensagem: e.to_string(),
                codigo: Codigo::Uso,
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
        livro,
        emissor: cliente,
        relogio: &RelogioSistema,
        url_impressao,
    };
    match emissao.emitir(&sequencia, item.prefeitura, bruta).await {
        Ok(d) => Resultado::Desfecho(d),
        Err(ErroEmissao::Invalida(v)) => Resultado::Invalida(v),
        Err(e @ ErroEmissao::Bloqueada { .. }) => Resultado::Erro {
            mensagem: e.to_string(),
            codigo: Codigo::Transporte,
        },
        Err(ErroEmissao::Livro(
            e @ (ErroLivro::ForaDeSequencia { .. }
            | ErroLivro::Pendente { .. }
            | ErroLivro::DataAnterior { .. }),
        )) => Resultado::Erro {
            mensagem: e.to_string(),
            codigo: Codigo::Rejeitado,
        },
        Err(ErroEmissao::Livro(e)) => Resultado::Erro {
            mensagem: e.to_string(),
            codigo: Codigo::Uso,
        },
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
        Resultado::Desfecho(Desfecho::Emitida {
            numero,
            codigo: Some(c),
            retomada,
        }) => {
            let retomada = if *retomada {
                " (nota pendente retomada)"
            } else {
                ""
            };
            format!("nota nº {numero} emitida — {c}{retomada}")
        }
        Resultado::Desfecho(Desfecho::Emitida {
            numero,
            codigo: None,
            ..
        }) => format!(
            "nota nº {numero} emitida: o serviço respondeu que ela já constava (o envio anterior \
             tinha resultado desconhecido); confirme o código de autenticidade no portal NFD"
        ),
        Resultado::Desfecho(Desfecho::JaEmitida { numero, codigo }) => format!(
            "nota nº {numero} já emitida antes{}: nada foi enviado",
            codigo
                .as_ref()
                .map(|c| format!(" (código {c})"))
                .unwrap_or_default()
        ),
        Resultado::Desfecho(Desfecho::Recusada { numero, mensagem }) => {
            format!("nota nº {numero} recusada pelo serviço: {mensagem}")
        }
        Resultado::Desfecho(Desfecho::NumeroOcupado { numero, mensagem }) => format!(
            "o serviço já tem a nota nº {numero} (\"{mensagem}\"), que o guichê nunca enviou: foi \
             emitida por fora. O número fica registrado como usado e esta nota NÃO foi emitida; \
             envie-a de novo para que receba o próximo número"
        ),
        Resultado::Desfecho(Desfecho::Desconhecida { numero, motivo }) => format!(
            "nota nº {numero} enviada, resultado desconhecido ({motivo}); o próximo envio para \
             este prestador e prefeitura resolve, sem emitir duas vezes"
        ),
        Resultado::Desfecho(Desfecho::NaoEnviada { numero, motivo }) => {
            format!(
                "nota nº {numero} não enviada ({motivo}); o número continua reservado para ela: tente de novo"
            )
        }
        Resultado::Invalida(v) => {
            let lista: Vec<String> = v.iter().map(ToString::to_string).collect();
            format!("nota inválida: {}", lista.join("; "))
        }
        Resultado::Erro { mensagem, .. } | Resultado::NaoTentada(mensagem) => mensagem.clone(),
    }
}

fn para_json(item: &Item, r: &Resultado) -> Value {
    let (estado, numero, codigo) = match r {
        Resultado::Desfecho(Desfecho::Emitida { numero, codigo, .. }) => {
            ("emitida", Some(*numero), codigo.clone())
        }
        Resultado::Desfecho(Desfecho::JaEmitida { numero, codigo }) => {
            ("ja_emitida", Some(*numero), codigo.clone())
        }
        Resultado::Desfecho(Desfecho::Recusada { numero, .. }) => ("recusada", Some(*numero), None),
        Resultado::Desfecho(Desfecho::NumeroOcupado { numero, .. }) => {
            ("numero_ocupado", Some(*numero), None)
        }
        Resultado::Desfecho(Desfecho::Desconhecida { numero, .. }) => {
            ("desconhecida", Some(*numero), None)
        }
        Resultado::Desfecho(Desfecho::NaoEnviada { numero, .. }) => {
            ("nao_enviada", Some(*numero), None)
        }
        Resultado::Invalida(_) => ("invalida", None, None),
        Resultado::Erro { .. } => ("erro", None, None),
        Resultado::NaoTentada(_) => ("nao_tentada", None, None),
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
        conta(&|r| matches!(
            r,
            Resultado::Erro {
                codigo: Codigo::Uso,
                ..
            }
        )),
    )
}
