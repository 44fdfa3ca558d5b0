//! `guiche nfse validate|dps|send|status|cancel|danfse`: the NFS-e Nacional DPS offline, and issued,
//! looked up and cancelled at SEFIN Nacional. Reads the file, prints what
//! `guiche_aplicacao::nfse::validacao` says of it; `dps` signs it with the prestador's
//! certificate (`GUICHE_NFSE_CERT`, its password from `GUICHE_NFSE_CERT_SENHA` or
//! `_SENHA_ARQUIVO`, never argv) and writes it readable by its owner only; `send` issues it
//! exactly once through `guiche_aplicacao::nfse::emissao` and the ledger (`GUICHE_DB`).

use std::path::Path;
use std::time::SystemTime;

use guiche_aplicacao::nfse::emissao::{Desfecho, EmissaoNfse, ErroEmissaoNfse};
use guiche_aplicacao::nfse::validacao::{resumo, validar_dps};
use guiche_certificados::Certificado;
use guiche_certificados::nfse::{assinar_dps, assinar_pedido_evento};
use guiche_domain::nfse::evento::{
    Evento, MotivoCancelamento, MotivoRejeicao, MotivoSubstituicao, Papel, PedidoEvento,
};
use guiche_domain::nfse::{Ambiente, ChaveAcesso, DataHora, IdDps};
use guiche_nfse::{ClienteNfse, ConfigNfse, ErroNfse};

use crate::composicao;
use crate::entrada;
use crate::erro::{Codigo, ErroApp};
use crate::saida::{self, Documento};
use serde_json::Value;

fn documento(nome: &str) -> Documento<'_> {
    Documento {
        arquivo: nome,
        tipo: "DPS",
        feminino: true,
    }
}

/// `guiche nfse validate FILE`.
pub(crate) fn validar(arquivo: &Path, json: bool) -> Result<Codigo, ErroApp> {
    let bytes = entrada::bytes(arquivo)?;
    let nome = arquivo.display().to_string();
    match validar_dps(&bytes) {
        Ok(dps) => {
            let r = resumo(&dps);
            let v = serde_json::to_value(&r).unwrap_or_default();
            saida::valido(&documento(&nome), &r.frase, v, json);
            Ok(Codigo::Ok)
        }
        Err(v) => {
            saida::invalido(&documento(&nome), &v, json);
            Ok(Codigo::Rejeitado)
        }
    }
}

/// `guiche nfse dps FILE --saida DPS.xml`: validate, sign, write (0600). A DPS with violations
/// is reported as by `validate` (exit 1) and nothing is written.
pub(crate) fn dps(arquivo: &Path, destino: &Path, json: bool) -> Result<Codigo, ErroApp> {
    let bytes = entrada::bytes(arquivo)?;
    let nome = arquivo.display().to_string();
    let dps = match validar_dps(&bytes) {
        Ok(d) => d,
        Err(v) => {
            saida::invalido(&documento(&nome), &v, json);
            return Ok(Codigo::Rejeitado);
        }
    };
    let certificado =
        composicao::certificado_com_senha("GUICHE_NFSE_CERT", "GUICHE_NFSE_CERT_SENHA")?;
    let xml = assinar_dps(&certificado, &dps, SystemTime::now())
        .map_err(|e| ErroApp::Configuracao(format!("GUICHE_NFSE_CERT: {e}")))?;
    crate::arquivo::gravar_privado(destino, xml.as_bytes())?;
    let r = resumo(&dps);
    let gravada = destino.display().to_string();
    let frase = format!("assinada e gravada em {gravada} — {}", r.frase);
    let mut v = serde_json::to_value(&r).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("saida".into(), serde_json::json!(gravada));
    }
    saida::valido(&documento(&nome), &frase, v, json);
    Ok(Codigo::Ok)
}

/// The name errors and results are printed under.
const SISTEMA: &str = "NFS-e Nacional";

fn certificado() -> Result<Certificado, ErroApp> {
    composicao::certificado_com_senha("GUICHE_NFSE_CERT", "GUICHE_NFSE_CERT_SENHA")
}

/// `GUICHE_NFSE_URL`, checked by the client (it must end in `/SefinNacional`).
fn url_sefin() -> Result<String, ErroApp> {
    crate::config::obrigatorio("GUICHE_NFSE_URL", "falar com a SEFIN Nacional")
}

/// SEFIN Nacional's client with the prestador's certificate (mTLS).
fn cliente(certificado: &Certificado) -> Result<ClienteNfse, ErroApp> {
    ClienteNfse::new(ConfigNfse {
        url_sefin: url_sefin()?,
        url_parametros: String::new(),
        certificado: certificado.clone(),
        ca_extra_pem: crate::config::ca_nfse()?,
        timeout: crate::config::timeout_nfse()?,
    })
    .map_err(|e| match e {
        ErroNfse::Configuracao(m) => ErroApp::Configuracao(m),
        outro => ErroApp::Configuracao(outro.to_string()),
    })
}

/// The issuing use case over the ledger at `GUICHE_DB` and `cliente`.
fn emissao(cliente: ClienteNfse) -> Result<EmissaoNfse, ErroApp> {
    let timeout = crate::config::timeout_nfse()?;
    Ok(EmissaoNfse {
        livro: crate::config::abrir_livro()?,
        emissor: std::sync::Arc::new(cliente),
        espera_vez: timeout.saturating_mul(4) + std::time::Duration::from_secs(60),
    })
}

/// One sentence for people on where a DPS stands.
fn frase_desfecho(d: &Desfecho) -> String {
    match d {
        Desfecho::Emitida {
            id,
            chave: Some(chave),
        } => format!("DPS {id}: NFS-e emitida, chave de acesso {chave}"),
        Desfecho::Emitida { id, chave: None } => format!(
            "DPS {id}: NFS-e emitida (a SEFIN disse que a DPS já consta); a chave ainda não foi lida: `guiche nfse status {id}`"
        ),
        Desfecho::Recusada { id, mensagem } => {
            format!("DPS {id}: recusada pela SEFIN Nacional, nada emitido: {mensagem}")
        }
        Desfecho::Desconhecida { id, motivo } => format!(
            "DPS {id}: resultado desconhecido ({motivo}); rode `guiche nfse send` de novo com o mesmo arquivo ou `guiche nfse status {id}`: a DPS é conferida pelo seu Id e nunca emitida duas vezes"
        ),
        Desfecho::NaoEnviada { id, motivo } => format!("DPS {id}: não enviada: {motivo}"),
    }
}

/// Prints where a DPS stands; its exit code (issued 0, refused 1, open 3).
fn imprimir(d: &Desfecho, json: bool) -> Codigo {
    let codigo = match d {
        Desfecho::Emitida { .. } => Codigo::Ok,
        Desfecho::Recusada { .. } => Codigo::Rejeitado,
        Desfecho::Desconhecida { .. } | Desfecho::NaoEnviada { .. } => Codigo::Transporte,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(d).unwrap_or_default());
    } else {
        println!("{}", frase_desfecho(d));
    }
    codigo
}

fn erro_emissao(e: &ErroEmissaoNfse, json: bool) -> Codigo {
    saida::erro_remoto(SISTEMA, e, json);
    match e {
        ErroEmissaoNfse::Pendente { .. } | ErroEmissaoNfse::Ocupada { .. } => Codigo::Transporte,
        _ => Codigo::Rejeitado,
    }
}

/// `guiche nfse send FILE`: validate, sign, record, send, record the outcome.
pub(crate) async fn enviar(arquivo: &Path, json: bool) -> Result<Codigo, ErroApp> {
    let bytes = entrada::bytes(arquivo)?;
    let nome = arquivo.display().to_string();
    let dps = match validar_dps(&bytes) {
        Ok(d) => d,
        Err(v) => {
            saida::invalido(&documento(&nome), &v, json);
            return Ok(Codigo::Rejeitado);
        }
    };
    let certificado = certificado()?;
    let assinada = assinar_dps(&certificado, &dps, SystemTime::now())
        .map_err(|e| ErroApp::Configuracao(format!("GUICHE_NFSE_CERT: {e}")))?;
    let uc = emissao(cliente(&certificado)?)?;
    match uc.emitir(&dps, &assinada).await {
        Ok(d) => Ok(imprimir(&d, json)),
        Err(e) => Ok(erro_emissao(&e, json)),
    }
}

/// The DPS files of `caminhos`: a folder gives its `.xml` and `.json` files, by name.
fn arquivos_do_lote(caminhos: &[std::path::PathBuf]) -> Result<Vec<std::path::PathBuf>, ErroApp> {
    let mut lista = Vec::new();
    for c in caminhos {
        if c.is_dir() {
            let mut da_pasta: Vec<_> = std::fs::read_dir(c)
                .map_err(|e| ErroApp::Arquivo {
                    caminho: c.display().to_string(),
                    motivo: e.to_string(),
                })?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && p.extension().and_then(|x| x.to_str()).is_some_and(|x| {
                            x.eq_ignore_ascii_case("xml") || x.eq_ignore_ascii_case("json")
                        })
                })
                .collect();
            da_pasta.sort();
            lista.extend(da_pasta);
        } else {
            lista.push(c.clone());
        }
    }
    if lista.is_empty() {
        return Err(ErroApp::Uso(
            "nenhuma DPS (.xml ou .json) nos caminhos dados".into(),
        ));
    }
    Ok(lista)
}

/// `guiche nfse batch DIR…`: every DPS validated and signed first, then issued as a batch.
pub(crate) async fn lote(caminhos: &[std::path::PathBuf], json: bool) -> Result<Codigo, ErroApp> {
    let arquivos = arquivos_do_lote(caminhos)?;
    let certificado = certificado()?;
    let mut validas = Vec::new();
    let mut linhas: Vec<(String, Value)> = Vec::new();
    let (mut invalidas, mut emitidas, mut recusadas, mut abertas) = (0, 0, 0, 0);
    let mut nomes = Vec::new();
    for a in &arquivos {
        let nome = a.display().to_string();
        match validar_dps(&entrada::bytes(a)?) {
            Ok(dps) => {
                let assinada = assinar_dps(&certificado, &dps, SystemTime::now())
                    .map_err(|e| ErroApp::Configuracao(format!("GUICHE_NFSE_CERT: {e}")))?;
                validas.push((dps, assinada));
                nomes.push(nome);
            }
            Err(v) => {
                invalidas += 1;
                let frase = format!("DPS inválida — {} violação(ões); não enviada", v.len());
                linhas.push((
                    nome.clone(),
                    serde_json::json!({ "arquivo": nome, "situacao": "invalida", "violacoes": v.len(), "frase": frase }),
                ));
            }
        }
    }
    let uc = emissao(cliente(&certificado)?)?;
    for (nome, r) in nomes.into_iter().zip(uc.emitir_lote(&validas).await) {
        let (mut v, frase) = match &r {
            Ok(d) => {
                match d {
                    Desfecho::Emitida { .. } => emitidas += 1,
                    Desfecho::Recusada { .. } => recusadas += 1,
                    _ => abertas += 1,
                }
                (
                    serde_json::to_value(d).unwrap_or_default(),
                    frase_desfecho(d),
                )
            }
            Err(e) => {
                match e {
                    ErroEmissaoNfse::Pendente { .. } | ErroEmissaoNfse::Ocupada { .. } => {
                        abertas += 1;
                    }
                    _ => recusadas += 1,
                }
                (
                    serde_json::json!({ "situacao": "erro", "mensagem": e.to_string() }),
                    e.to_string(),
                )
            }
        };
        if let Some(o) = v.as_object_mut() {
            o.insert("arquivo".into(), Value::from(nome.clone()));
            o.insert("frase".into(), Value::from(frase));
        }
        linhas.push((nome, v));
    }
    linhas.sort_by(|a, b| a.0.cmp(&b.0));
    let resumo = format!(
        "{emitidas} emitida(s), {recusadas} recusada(s), {abertas} em aberto, {invalidas} inválida(s)"
    );
    if json {
        let dps: Vec<&Value> = linhas.iter().map(|(_, v)| v).collect();
        let v = serde_json::json!({
            "dps": dps,
            "resumo": { "emitidas": emitidas, "recusadas": recusadas, "emAberto": abertas, "invalidas": invalidas },
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        for (nome, v) in &linhas {
            println!("{nome}: {}", v["frase"].as_str().unwrap_or_default());
        }
        println!("{resumo}");
    }
    Ok(if abertas > 0 {
        Codigo::Transporte
    } else if recusadas + invalidas > 0 {
        Codigo::Rejeitado
    } else {
        Codigo::Ok
    })
}

/// An issued DPS whose key is known is checked for a cancellation event at SEFIN; cancelled →
/// said so, else the outcome as it stands. A failed event query is an unknown state (exit 3).
async fn com_cancelamento(cliente: &ClienteNfse, d: Desfecho, json: bool) -> Codigo {
    let Desfecho::Emitida {
        id,
        chave: Some(texto),
    } = &d
    else {
        return imprimir(&d, json);
    };
    let Ok(chave) = ChaveAcesso::parse(texto) else {
        return imprimir(&d, json);
    };
    match cliente.cancelamento(&chave).await {
        Ok(Some(c)) => imprimir_cancelada(Some(id), &chave, &c, json),
        Ok(None) => imprimir(&d, json),
        Err(e) => {
            saida::erro_remoto(SISTEMA, &e, json);
            Codigo::Transporte
        }
    }
}

/// Prints a cancelled NFS-e (exit 0: the cancellation is a settled state).
fn imprimir_cancelada(
    id: Option<&str>,
    chave: &ChaveAcesso,
    c: &guiche_nfse::Cancelamento,
    json: bool,
) -> Codigo {
    let quando = c.data_hora.as_deref().unwrap_or("data não informada");
    if json {
        let v = serde_json::json!({
            "situacao": "cancelada",
            "id": id,
            "chave": chave.to_string(),
            "canceladaEm": c.data_hora,
            "tipoEvento": c.tipo,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!(
            "NFS-e {chave}: cancelada em {quando} (evento {} na SEFIN Nacional)",
            c.tipo
        );
    }
    Codigo::Ok
}

/// `guiche nfse status ID|CHAVE`.
pub(crate) async fn situacao(alvo: &str, json: bool) -> Result<Codigo, ErroApp> {
    let alvo = alvo.trim();
    if alvo.starts_with("DPS") {
        let id =
            IdDps::parse(alvo).map_err(|e| ErroApp::Uso(format!("Id da DPS {alvo:?}: {e}")))?;
        let certificado = certificado()?;
        let cliente = cliente(&certificado)?;
        let uc = emissao(cliente.clone())?;
        match uc.situacao(&id).await {
            Ok(Some(d)) => return Ok(com_cancelamento(&cliente, d, json).await),
            Ok(None) => {}
            Err(e) => return Ok(erro_emissao(&e, json)),
        }
        // Not in this ledger: SEFIN by the DPS Id.
        return match cliente.conciliar(&id).await {
            Ok(Some(n)) => Ok(com_cancelamento(
                &cliente,
                Desfecho::Emitida {
                    id: id.to_string(),
                    chave: Some(n.chave.to_string()),
                },
                json,
            )
            .await),
            Ok(None) => {
                let e = format!(
                    "a DPS {id} não está no livro e a SEFIN Nacional não tem NFS-e para ela"
                );
                saida::erro_remoto(SISTEMA, &e, json);
                Ok(Codigo::Rejeitado)
            }
            Err(e) => {
                saida::erro_remoto(SISTEMA, &e, json);
                Ok(Codigo::Transporte)
            }
        };
    }
    let chave = ChaveAcesso::parse(alvo).map_err(|e| {
        ErroApp::Uso(format!(
            "{alvo:?} não é um Id de DPS (DPS + 42 dígitos) nem uma chave de acesso (50 dígitos): {e}"
        ))
    })?;
    let certificado = certificado()?;
    let cliente = cliente(&certificado)?;
    match cliente.consultar(&chave).await {
        Ok(n) => {
            match cliente.cancelamento(&n.chave).await {
                Ok(Some(c)) => return Ok(imprimir_cancelada(None, &n.chave, &c, json)),
                Ok(None) => {}
                Err(e) => {
                    saida::erro_remoto(SISTEMA, &e, json);
                    return Ok(Codigo::Transporte);
                }
            }
            if json {
                let v = serde_json::json!({
                    "situacao": "emitida",
                    "chave": n.chave.to_string(),
                    "nfseXml": n.xml,
                });
                println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                println!("NFS-e {}: encontrada na SEFIN Nacional", n.chave);
            }
            Ok(Codigo::Ok)
        }
        Err(e @ ErroNfse::NaoEncontrado(_)) => {
            saida::erro_remoto(SISTEMA, &e, json);
            Ok(Codigo::Rejeitado)
        }
        Err(e) => {
            saida::erro_remoto(SISTEMA, &e, json);
            Ok(Codigo::Transporte)
        }
    }
}

/// `guiche nfse danfse CHAVE|ARQUIVO.xml --saida DANFSE.pdf [--cancelada]`: the DANFSe rendered
/// locally (decision 0018) from the authorised NFS-e XML, read from the file or, for an access
/// key, from SEFIN Nacional (the ledger keeps the signed DPS, not the NFS-e) with its
/// cancellation events, marked CANCELADA when one exists (`--cancelada` marks a file); written 0600. An
/// XML the renderer cannot read is exit 1 with the field named.
pub(crate) async fn danfse(
    alvo: &str,
    destino: &Path,
    mut cancelada: bool,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let alvo = alvo.trim();
    let caminho = Path::new(alvo);
    let (xml, origem) = if caminho.is_file() || alvo.to_ascii_lowercase().ends_with(".xml") {
        (entrada::bytes(caminho)?, caminho.display().to_string())
    } else {
        let chave = ChaveAcesso::parse(alvo).map_err(|e| {
            ErroApp::Uso(format!(
                "{alvo:?} não é um arquivo XML de NFS-e nem uma chave de acesso (50 dígitos): {e}"
            ))
        })?;
        let certificado = certificado()?;
        let cliente = cliente(&certificado)?;
        let lida = match cliente.consultar(&chave).await {
            Ok(n) if cancelada => Ok((n, true)),
            Ok(n) => cliente
                .cancelamento(&n.chave)
                .await
                .map(|c| (n, c.is_some())),
            Err(e) => Err(e),
        };
        match lida {
            Ok((n, c)) => {
                cancelada = c;
                (n.xml.into_bytes(), "SEFIN Nacional".to_string())
            }
            Err(e @ ErroNfse::NaoEncontrado(_)) => {
                saida::erro_remoto(SISTEMA, &e, json);
                return Ok(Codigo::Rejeitado);
            }
            Err(e) => {
                saida::erro_remoto(SISTEMA, &e, json);
                return Ok(Codigo::Transporte);
            }
        }
    };
    let situacao = if cancelada {
        guiche_danfse::Situacao::Cancelada
    } else {
        guiche_danfse::Situacao::Normal
    };
    let lida = match guiche_danfse::NfseLida::ler(&xml) {
        Ok(l) => l,
        Err(e) => {
            saida::erro_remoto("DANFSe", &format!("{origem}: {e}"), json);
            return Ok(Codigo::Rejeitado);
        }
    };
    let pdf = match guiche_danfse::renderizar_lida(&lida, situacao) {
        Ok(p) => p,
        Err(e) => {
            saida::erro_remoto("DANFSe", &format!("{origem}: {e}"), json);
            return Ok(Codigo::Rejeitado);
        }
    };
    crate::arquivo::gravar_privado(destino, &pdf)?;
    let gravado = destino.display().to_string();
    let marcas = guiche_danfse::marcas_dagua(lida.tp_amb, situacao);
    if json {
        let v = serde_json::json!({
            "chave": lida.chave,
            "saida": gravado,
            "bytes": pdf.len(),
            "marcas": marcas,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        let aviso = if marcas.is_empty() {
            String::new()
        } else {
            format!(" ({})", marcas.join(", "))
        };
        println!("DANFSe da NFS-e {} gravado em {gravado}{aviso}", lida.chave);
    }
    Ok(Codigo::Ok)
}

/// `tpAmb` of events: production only on SEFIN Nacional's production host.
fn ambiente(url: &str) -> Ambiente {
    let host = url
        .split_once("://")
        .map_or(url, |(_, resto)| resto)
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if host == "sefin.nfse.gov.br" {
        Ambiente::Producao
    } else {
        Ambiente::Homologacao
    }
}

/// Now in Brasília (UTC−3), as `dhEvento` wants it.
fn agora_em_brasilia() -> Result<DataHora, ErroApp> {
    let (data, hora) = guiche_domain::Data::em_brasilia(SystemTime::now());
    let parte = |i: usize| {
        hora.get(i..i + 2)
            .and_then(|t| t.parse::<u8>().ok())
            .unwrap_or(0)
    };
    DataHora::nova(data, parte(0), parte(3), parte(6), -3).map_err(|e| {
        ErroApp::Configuracao(format!(
            "o relógio do sistema ({} {hora}) não serve para dhEvento: {e}",
            data.iso()
        ))
    })
}

/// `guiche nfse cancel CHAVE --codigo 1|2|9 --motivo TEXTO`.
pub(crate) async fn cancelar(
    chave: &str,
    codigo: &str,
    motivo: &str,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let chave = chave_de(chave)?;
    let tipo = MotivoCancelamento::de_codigo(codigo.trim()).ok_or_else(|| {
        ErroApp::Uso(format!(
            "--codigo {codigo:?}: use 1 (erro na emissão), 2 (serviço não prestado) ou 9 (outros)"
        ))
    })?;
    let evento = Evento::Cancelamento {
        motivo: tipo,
        justificativa: motivo.to_string(),
    };
    let (frase, situacao, codigo) = match assinar_e_registrar(chave, evento, json).await? {
        Ok(true) => (format!("NFS-e {chave}: cancelada"), "cancelada", Codigo::Ok),
        Ok(false) => (
            format!("NFS-e {chave}: o cancelamento já estava registrado; nada mudou"),
            "jaCancelada",
            Codigo::Ok,
        ),
        Err(codigo) => return Ok(codigo),
    };
    if json {
        let v = serde_json::json!({ "situacao": situacao, "chave": chave.to_string() });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!("{frase}");
    }
    Ok(codigo)
}

fn chave_de(chave: &str) -> Result<ChaveAcesso, ErroApp> {
    ChaveAcesso::parse(chave.trim())
        .map_err(|e| ErroApp::Uso(format!("chave de acesso {chave:?}: {e}")))
}

/// Builds the request for `evento` by the certificate's holder, signs it and registers it:
/// `Ok(true)` registered now, `Ok(false)` registered before; `Err(codigo)` once the refusal or
/// the transport failure has been reported.
async fn assinar_e_registrar(
    chave: ChaveAcesso,
    evento: Evento,
    json: bool,
) -> Result<Result<bool, Codigo>, ErroApp> {
    let certificado = certificado()?;
    let autor = certificado.titular().ok_or_else(|| {
        ErroApp::Configuracao(
            "GUICHE_NFSE_CERT não traz CNPJ nem CPF do titular (use o e-CNPJ ou e-CPF do autor do evento)"
                .into(),
        )
    })?;
    let versao = format!("guiche-{}", env!("CARGO_PKG_VERSION"));
    let nome_evento = evento.descricao();
    let pedido = match PedidoEvento::novo(
        ambiente(&url_sefin()?),
        &versao,
        agora_em_brasilia()?,
        autor,
        chave,
        evento,
    ) {
        Ok(p) => p,
        Err(v) => {
            let nome = format!("{nome_evento} da NFS-e {chave}");
            saida::invalido(
                &Documento {
                    arquivo: &nome,
                    tipo: "pedido de registro de evento",
                    feminino: false,
                },
                &v,
                json,
            );
            return Ok(Err(Codigo::Rejeitado));
        }
    };
    let assinado = assinar_pedido_evento(&certificado, &pedido, SystemTime::now())
        .map_err(|e| ErroApp::Configuracao(format!("GUICHE_NFSE_CERT: {e}")))?;
    match cliente(&certificado)?
        .registrar_evento(&chave, &assinado)
        .await
    {
        Ok(novo) => Ok(Ok(novo.is_some())),
        Err(e @ (ErroNfse::Recusada { .. } | ErroNfse::NaoEncontrado(_))) => {
            saida::erro_remoto(SISTEMA, &e, json);
            Ok(Err(Codigo::Rejeitado))
        }
        Err(e) => {
            saida::erro_remoto(SISTEMA, &e, json);
            Ok(Err(Codigo::Transporte))
        }
    }
}

/// The options of `guiche nfse event`, as typed.
pub(crate) struct PedidoEventoCli<'a> {
    /// `--tipo`: the event's code or name.
    pub(crate) tipo: &'a str,
    /// `--codigo`: `cMotivo`.
    pub(crate) codigo: Option<&'a str>,
    /// `--motivo`: `xMotivo`.
    pub(crate) motivo: Option<&'a str>,
    /// `--substituta`: `chSubstituta`.
    pub(crate) substituta: Option<&'a str>,
}

/// The event `--tipo` names, with its options checked: which are required, which are not
/// accepted, and the codes the XSD enumerates.
fn evento_de(p: &PedidoEventoCli<'_>) -> Result<Evento, ErroApp> {
    let tipo = p.tipo.trim().to_ascii_lowercase();
    let papel = |nome: &str| match nome {
        "prestador" => Some(Papel::Prestador),
        "tomador" => Some(Papel::Tomador),
        "intermediario" => Some(Papel::Intermediario),
        _ => None,
    };
    let justificativa = p.motivo.map(str::to_string);
    let codigo = |ajuda: &str| {
        p.codigo
            .map(str::trim)
            .ok_or_else(|| ErroApp::Uso(format!("--tipo {}: falta --codigo ({ajuda})", p.tipo)))
    };
    let sem = |opcao: &str, valor: Option<&str>| match valor {
        Some(_) => Err(ErroApp::Uso(format!(
            "--tipo {}: {opcao} não se aplica a este evento",
            p.tipo
        ))),
        None => Ok(()),
    };
    let evento = match tipo.as_str() {
        "101103" | "analise-fiscal" => {
            sem("--substituta", p.substituta)?;
            let ajuda = "1 erro na emissão, 2 serviço não prestado, 9 outros";
            let c = codigo(ajuda)?;
            Evento::AnaliseFiscal {
                motivo: MotivoCancelamento::de_codigo(c)
                    .ok_or_else(|| ErroApp::Uso(format!("--codigo {c:?}: use {ajuda}")))?,
                justificativa: justificativa.ok_or_else(|| {
                    ErroApp::Uso(format!(
                        "--tipo {}: falta --motivo (de 15 a 255 caracteres)",
                        p.tipo
                    ))
                })?,
            }
        }
        "105102" | "substituicao" => {
            let ajuda = "01 a 05 ou 99";
            let c = codigo(ajuda)?;
            let substituta = p.substituta.ok_or_else(|| {
                ErroApp::Uso(format!(
                    "--tipo {}: falta --substituta (a chave da NFS-e substituta)",
                    p.tipo
                ))
            })?;
            Evento::Substituicao {
                motivo: MotivoSubstituicao::de_codigo(c)
                    .ok_or_else(|| ErroApp::Uso(format!("--codigo {c:?}: use {ajuda}")))?,
                justificativa,
                substituta: chave_de(substituta)?,
            }
        }
        _ => {
            let (grupo, nome) = match tipo.as_str() {
                "202201" => ("confirmacao", "prestador"),
                "203202" => ("confirmacao", "tomador"),
                "204203" => ("confirmacao", "intermediario"),
                "202205" => ("rejeicao", "prestador"),
                "203206" => ("rejeicao", "tomador"),
                "204207" => ("rejeicao", "intermediario"),
                outro => outro.split_once('-').unwrap_or((outro, "")),
            };
            let uso = || {
                ErroApp::Uso(format!(
                    "--tipo {:?}: use analise-fiscal, substituicao, confirmacao-prestador, confirmacao-tomador, confirmacao-intermediario, rejeicao-prestador, rejeicao-tomador, rejeicao-intermediario (ou o código do evento)",
                    p.tipo
                ))
            };
            let papel = papel(nome).ok_or_else(uso)?;
            sem("--substituta", p.substituta)?;
            match grupo {
                "confirmacao" => {
                    sem("--codigo", p.codigo)?;
                    sem("--motivo", p.motivo)?;
                    Evento::Confirmacao(papel)
                }
                "rejeicao" => {
                    let ajuda = "1 duplicidade, 2 já emitida pelo tomador, 3 fato gerador não ocorreu, 4 responsabilidade tributária, 5 valor ou serviço, 9 outros";
                    let c = codigo(ajuda)?;
                    Evento::Rejeicao {
                        papel,
                        motivo: MotivoRejeicao::de_codigo(c)
                            .ok_or_else(|| ErroApp::Uso(format!("--codigo {c:?}: use {ajuda}")))?,
                        justificativa,
                    }
                }
                _ => return Err(uso()),
            }
        }
    };
    Ok(evento)
}

/// `guiche nfse event CHAVE --tipo TIPO [--codigo C] [--motivo TEXTO] [--substituta CHAVE]`.
pub(crate) async fn registrar_evento(
    chave: &str,
    pedido: &PedidoEventoCli<'_>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let chave = chave_de(chave)?;
    let evento = evento_de(pedido)?;
    let tipo = evento.tipo();
    let descricao = evento.descricao();
    let novo = match assinar_e_registrar(chave, evento, json).await? {
        Ok(novo) => novo,
        Err(codigo) => return Ok(codigo),
    };
    if json {
        let situacao = if novo { "registrado" } else { "jaRegistrado" };
        let v = serde_json::json!({ "situacao": situacao, "chave": chave.to_string(), "tipo": tipo, "evento": descricao });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else if novo {
        println!("NFS-e {chave}: evento {tipo} ({descricao}) registrado");
    } else {
        println!("NFS-e {chave}: o evento {tipo} já estava registrado; nada mudou");
    }
    Ok(Codigo::Ok)
}

/// The ADN's municipal parameters base: `GUICHE_NFSE_ADN_URL`, else the ADN of the environment
/// `GUICHE_NFSE_URL` names (production or produção restrita).
fn url_parametros() -> Result<String, ErroApp> {
    if let Some(u) = crate::config::var("GUICHE_NFSE_ADN_URL") {
        return Ok(u);
    }
    let sefin = url_sefin()?;
    adn_da_sefin(&sefin).map(str::to_owned).ok_or_else(|| {
        ErroApp::Configuracao(format!(
            "GUICHE_NFSE_ADN_URL não está definida e GUICHE_NFSE_URL ({sefin}) não é da SEFIN Nacional: defina o endereço dos parâmetros municipais do ADN (ex.: https://adn.nfse.gov.br/parametrizacao)"
        ))
    })
}

/// The ADN parameters' base of the environment whose SEFIN is `sefin`, if it is a national one.
fn adn_da_sefin(sefin: &str) -> Option<&'static str> {
    let host = sefin
        .split("://")
        .nth(1)
        .and_then(|r| r.split(['/', ':']).next())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match host.as_str() {
        "sefin.nfse.gov.br" => Some("https://adn.nfse.gov.br/parametrizacao"),
        "sefin.producaorestrita.nfse.gov.br" => {
            Some("https://adn.producaorestrita.nfse.gov.br/parametrizacao")
        }
        _ => None,
    }
}

/// `guiche nfse aliquota CMUN CSERV [--data DD/MM/AAAA]`: the municipal rates the ADN gives.
pub(crate) async fn aliquota(
    municipio: &str,
    servico: &str,
    data: Option<&str>,
    json: bool,
) -> Result<Codigo, ErroApp> {
    let mun = guiche_domain::CodigoIbge::parse(municipio.trim()).map_err(|e| {
        ErroApp::Uso(format!(
            "município {municipio:?}: {e} (código IBGE de 7 dígitos)"
        ))
    })?;
    let servico = servico.trim();
    if servico.is_empty() || !servico.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ErroApp::Uso(format!(
            "serviço {servico:?}: o código de tributação nacional (cTribNac) tem só dígitos, ex.: 010101"
        )));
    }
    let competencia = match data {
        Some(d) => guiche_domain::Data::parse_br(d.trim())
            .map_err(|e| ErroApp::Uso(format!("--data {d:?}: {e} (use DD/MM/AAAA)")))?,
        None => crate::relogio::hoje_fixo().unwrap_or_else(crate::relogio::hoje_do_sistema),
    };
    let certificado = certificado()?;
    let cliente = ClienteNfse::new(ConfigNfse {
        url_sefin: url_sefin()?,
        url_parametros: url_parametros()?,
        certificado,
        ca_extra_pem: crate::config::ca_nfse()?,
        timeout: crate::config::timeout_nfse()?,
    })
    .map_err(|e| ErroApp::Configuracao(e.to_string()))?;
    const ADN: &str = "ADN (parâmetros municipais)";
    let resposta = match cliente.aliquotas(mun, servico, competencia).await {
        Ok(r) => r,
        Err(e @ ErroNfse::NaoEncontrado(_)) => {
            if json {
                let v = serde_json::json!({ "situacao": "semAliquota", "municipio": municipio.trim(), "servico": servico, "competencia": competencia.iso() });
                println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                saida::erro_remoto(ADN, &e, json);
            }
            return Ok(Codigo::Rejeitado);
        }
        Err(e @ ErroNfse::Recusada { .. }) => {
            saida::erro_remoto(ADN, &e, json);
            return Ok(Codigo::Rejeitado);
        }
        Err(e) => {
            saida::erro_remoto(ADN, &e, json);
            return Ok(Codigo::Transporte);
        }
    };
    let itens = resposta
        .aliquotas
        .get(servico)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let taxas = guiche_nfse::aliquotas_decimais(itens)
        .map_err(|e| ErroApp::Configuracao(format!("resposta do {ADN} ilegível: {e}")))?;
    let linhas: Vec<Value> = itens
        .iter()
        .filter(|a| a.aliquota.is_some())
        .zip(&taxas)
        .map(|(a, t)| {
            serde_json::json!({
                "aliquota": t.normalize().to_string(),
                "incidencia": a.incidencia,
                "inicio": a.inicio,
                "fim": a.fim,
            })
        })
        .collect();
    if json {
        let v = serde_json::json!({ "situacao": "encontrada", "municipio": municipio.trim(), "servico": servico, "competencia": competencia.iso(), "aliquotas": linhas });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        let br = |d: &Option<String>| {
            d.as_deref()
                .and_then(|t| guiche_domain::Data::parse_iso(t.get(..10).unwrap_or(t)).ok())
                .map(|d| format!("{:02}/{:02}/{}", d.dia(), d.mes(), d.ano()))
        };
        println!(
            "Município {}, serviço {servico}, competência {:02}/{:02}/{}:",
            municipio.trim(),
            competencia.dia(),
            competencia.mes(),
            competencia.ano()
        );
        for (a, t) in itens.iter().filter(|a| a.aliquota.is_some()).zip(&taxas) {
            let mut linha = format!("  ISS {}%", t.normalize());
            if let Some(i) = &a.incidencia {
                linha.push_str(&format!(", incidência {i}"));
            }
            match (br(&a.inicio), br(&a.fim)) {
                (Some(i), Some(f)) => linha.push_str(&format!(", de {i} a {f}")),
                (Some(i), None) => linha.push_str(&format!(", desde {i}")),
                _ => {}
            }
            println!("{linha}");
        }
        if taxas.is_empty() {
            println!("  nenhuma alíquota informada");
        }
    }
    Ok(Codigo::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_adn_follows_the_sefins_environment() {
        assert_eq!(
            adn_da_sefin("https://sefin.nfse.gov.br/SefinNacional"),
            Some("https://adn.nfse.gov.br/parametrizacao")
        );
        assert_eq!(
            adn_da_sefin("https://SEFIN.producaorestrita.nfse.gov.br:443/SefinNacional"),
            Some("https://adn.producaorestrita.nfse.gov.br/parametrizacao")
        );
        assert_eq!(adn_da_sefin("https://127.0.0.1:4443/SefinNacional"), None);
        assert_eq!(adn_da_sefin("sefin.nfse.gov.br"), None);
    }

    #[test]
    fn only_sefin_production_host_is_production() {
        assert_eq!(
            ambiente("https://sefin.nfse.gov.br/SefinNacional"),
            Ambiente::Producao
        );
        assert_eq!(
            ambiente("https://sefin.producaorestrita.nfse.gov.br/SefinNacional"),
            Ambiente::Homologacao
        );
        assert_eq!(
            ambiente("https://127.0.0.1:4443/SefinNacional"),
            Ambiente::Homologacao
        );
    }
}
