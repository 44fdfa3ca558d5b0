//! `guiche nfd send`, `guiche nfd batch` and `guiche nfd resolve`: issuing notas through the
//! NFD service of `guiche-aplicacao` (`nfd::servico`); this module reads the files, prints
//! and picks the exit code.

use super::nfd::buscar_prefeitura;
use crate::composicao;
use crate::config;
use crate::entrada;
use crate::erro::{Codigo, ErroApp};
use crate::saida::{self, Documento as DocSaida};
use guiche_aplicacao::Classificar;
use guiche_aplicacao::nfd::emissao::Decisao;
use guiche_aplicacao::nfd::servico::{
    ErroNfd, OpcoesEmissao, PedidoNota, RelatoDecisao, RelatoNota, Resultado,
};
use guiche_domain::Documento;
use guiche_domain::nfd::Prefeitura;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The exit code of a failure (`None`: done).
fn codigo(falha: Option<guiche_aplicacao::Natureza>) -> Codigo {
    falha.map_or(Codigo::Ok, Codigo::from)
}

fn configuracao(e: ErroNfd) -> ErroApp {
    ErroApp::Configuracao(e.to_string())
}

/// A nota to issue: the file's bytes (or why they could not be read) and its sequence.
fn pedido(arquivo: &Path, prefeitura: &'static Prefeitura, prestador: Documento) -> PedidoNota {
    PedidoNota {
        arquivo: arquivo.display().to_string(),
        prefeitura,
        prestador,
        conteudo: entrada::bytes(arquivo)
            .map(Arc::from)
            .map_err(|e| e.to_string()),
    }
}

/// `guiche nfd send FILE --prefeitura COD --prestador CNPJ [--url-impressao] [--nova]`.
pub(crate) async fn enviar(
    arquivo: &Path,
    prefeitura: &str,
    prestador: &str,
    opcoes: OpcoesEmissao,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let pedido = pedido(
        arquivo,
        buscar_prefeitura(prefeitura)?,
        entrada::documento("--prestador", prestador)?,
    );
    let nfd = composicao::nfd()?;
    let r = nfd.enviar(pedido, opcoes).await.map_err(configuracao)?;
    if let (Resultado::Invalida(v), false) = (&r.resultado, json) {
        saida::invalido(
            &DocSaida {
                arquivo: &r.arquivo,
                tipo: "nota",
                feminino: true,
            },
            v,
            false,
        );
    } else {
        imprimir(std::slice::from_ref(&r), json, false);
    }
    Ok(codigo(r.resultado.falha()))
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
    let opcoes = OpcoesEmissao {
        url_impressao,
        nova: false,
    };
    let pedidos = pedidos(arquivos, prefeitura, prestador)?;
    let nfd = composicao::nfd()?;
    let barra = barra(pedidos.len() as u64, json);
    let passo = barra.clone();
    let relato = nfd
        .lote(
            pedidos,
            concorrencia,
            opcoes,
            Arc::new(move || passo.inc(1)),
        )
        .await
        .map_err(configuracao)?;
    barra.finish_and_clear();
    imprimir(&relato.notas, json, true);
    Ok(relato
        .notas
        .iter()
        .map(|r| codigo(r.resultado.falha_no_lote()))
        .fold(Codigo::Ok, pior))
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

/// The notas of a batch: nota files with the command's defaults, or `.tsv` scripts.
fn pedidos(
    arquivos: &[PathBuf],
    prefeitura: Option<&str>,
    prestador: Option<&str>,
) -> Result<Vec<PedidoNota>, ErroApp> {
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
        v.push(pedido(
            a,
            buscar_prefeitura(pref)?,
            entrada::documento("--prestador", prest)?,
        ));
    }
    Ok(v)
}

/// A `.tsv` script: `prefeitura<TAB>prestador<TAB>arquivo` per line, `#` comments, paths
/// relative to the script.
fn roteiro(caminho: &Path) -> Result<Vec<PedidoNota>, ErroApp> {
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
        v.push(pedido(&base.join(arq.trim()), prefeitura, prestador));
    }
    Ok(v)
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

/// Prints the reports: one object (`send`) or `{"notas": […]}` (`batch`) with `--json`; a
/// line per nota and, for a batch, a summary.
fn imprimir(relatos: &[RelatoNota], json: bool, lote: bool) {
    if json {
        let doc = if lote {
            serde_json::json!({ "notas": relatos })
        } else {
            relatos
                .first()
                .and_then(|r| serde_json::to_value(r).ok())
                .unwrap_or_default()
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return;
    }
    for r in relatos {
        println!("{}: {}", r.arquivo, r.mensagem);
    }
    if relatos.len() > 1 {
        println!("{}", resumo(relatos));
    }
}

fn resumo(relatos: &[RelatoNota]) -> String {
    use guiche_aplicacao::nfd::emissao::Desfecho;
    let conta = |f: &dyn Fn(&Resultado) -> bool| relatos.iter().filter(|r| f(&r.resultado)).count();
    format!(
        "{} nota(s): {} emitida(s), {} já emitida(s) antes, {} recusada(s) ou inválida(s), {} pendente(s) ou não tentada(s), {} com erro",
        relatos.len(),
        conta(&|r| matches!(r, Resultado::Desfecho(Desfecho::Emitida { .. }))),
        conta(&|r| matches!(r, Resultado::Desfecho(Desfecho::JaEmitida { .. }))),
        conta(&|r| {
            matches!(
                r,
                Resultado::Desfecho(Desfecho::Recusada { .. } | Desfecho::NumeroOcupado { .. })
                    | Resultado::Invalida(_)
            )
        }),
        conta(&|r| codigo(r.falha()) == Codigo::Transporte),
        conta(&|r| codigo(r.falha()) == Codigo::Uso),
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
    let prestador = entrada::documento("--prestador", prestador)?;
    let por = quem_decide(por)?;
    let nfd = composicao::nfd()?;
    let (codigo, relato) = match nfd
        .resolver(prefeitura, prestador, numero, &decisao, &por)
        .await
    {
        Ok(r) => (Codigo::Ok, r),
        Err(e) => (
            Codigo::from(e.natureza()),
            RelatoDecisao {
                prefeitura: prefeitura.codigo.clone(),
                prestador: prestador.as_str().to_owned(),
                numero,
                estado: None,
                decidido_por: None,
                mensagem: e.to_string(),
            },
        ),
    };
    if json {
        let v = serde_json::to_value(&relato).unwrap_or_default();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else if codigo == Codigo::Ok {
        println!("{}", relato.mensagem);
    } else {
        eprintln!("{}", relato.mensagem);
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
