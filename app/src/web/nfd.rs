//! `/nfd`: the NFD desk — validate and issue a nota from an uploaded file (the `<NOTA>` XML in
//! any encoding its declaration names, or the JSON form) or from a form with every tag of the
//! manual; the violations next to their fields; the ledger of a provider's notas in a
//! municipality with their states, and a person's decision on a nota whose outcome the service
//! never told. Through the same use cases as `guiche nfd validate|send|resolve`
//! (`guiche_aplicacao::nfd`): issuing is exactly once by the use case's own guarantee — a nota
//! sent again with the same content is recognised by the ledger (`ja_emitida`) and never issued
//! twice, so a double submit of the form issues one nota.
//!
//! Roles: `leitura` validates and reads the ledger; issuing and deciding need `operador`.

use super::paginas::moldura;
use super::{
    ComSessao, Formulario, Tela, conferir_csrf, exigir_post, falha, html, ir_para_caminho,
    permitir, proibido,
};
use crate::http::Estado;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use guiche_aplicacao::acesso::{Permissao, permite};
use guiche_aplicacao::nfd::emissao::Decisao;
use guiche_aplicacao::nfd::servico::{
    Nfd, NotaNoLivro, OpcoesEmissao, PedidoNota, RelatoNota, Resultado,
};
use guiche_aplicacao::nfd::validacao;
use guiche_aplicacao::usuarios::Sessao;
use guiche_domain::nfd::{Prefeitura, Tag, prefeituras};
use guiche_domain::{Documento, Violacao};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The routes of this screen.
pub(super) fn rotas() -> Router<Estado> {
    Router::new()
        .route("/nfd", get(balcao).post(nota))
        .route("/nfd/decisao", post(decidir))
}

/// How many notas of a sequence the ledger shows.
const NOTAS_NA_TELA: u64 = 50;

/// The Portuguese label of each tag of the manual, and a hint.
fn rotulo(tag: Tag) -> (&'static str, &'static str) {
    match tag {
        Tag::NumeroNota => (
            "Número da nota",
            "em branco: o livro do guichê atribui o próximo (a primeira nota do prestador na \
             prefeitura o informa)",
        ),
        Tag::DataEmissao => ("Data de emissão", "DD/MM/AAAA"),
        Tag::CodigoGeralAtividade => ("Código geral de atividade", "ex.: 09.00"),
        Tag::CodigoAtividade => (
            "Código de atividade do município",
            "só onde o município exige",
        ),
        Tag::OutrasInformacoes => ("Outras informações", "até 10 linhas de 85 caracteres"),
        Tag::DescricaoServicos => ("Descrição dos serviços", ""),
        Tag::ValorTotalNota => ("Valor total da nota", "ex.: 440,00"),
        Tag::StatusIssNota => ("Situação do ISS", "1, 3, 4, 6 ou 7, como no manual"),
        Tag::Irrf => ("IRRF retido", ""),
        Tag::Inss => ("INSS retido", ""),
        Tag::Pis => ("PIS retido", ""),
        Tag::Cofins => ("COFINS retida", ""),
        Tag::ContribuicaoSocial => ("Contribuição social (CSLL) retida", ""),
        Tag::ValorLiquido => ("Valor líquido", ""),
        Tag::ValorDeducaoMateriais => ("Dedução de materiais", ""),
        Tag::CodMunicipioExecucaoServico => (
            "Município de execução do serviço (código IBGE)",
            "quando executado em outro município",
        ),
        Tag::LocalExecucaoServico => ("Local de execução do serviço", "quando em outro município"),
        Tag::TomadorEstrangeiro => ("Tomador estrangeiro", ""),
        Tag::TomadorDocumento => ("CPF ou CNPJ do tomador", "a identificação, se estrangeiro"),
        Tag::TomadorRazao => ("Nome ou razão social do tomador", ""),
        Tag::TomadorLogradouro => ("Logradouro do tomador", ""),
        Tag::TomadorBairro => ("Bairro do tomador", ""),
        Tag::TomadorCep => ("CEP do tomador", "só dígitos"),
        Tag::TomadorInscricaoEstadual => ("Inscrição estadual do tomador", "pode ser ISENTO"),
        Tag::TomadorInscricaoMunicipal => ("Inscrição municipal do tomador", "pode ser ISENTO"),
        Tag::TomadorEmail => ("E-mail do tomador", "opcional"),
        Tag::TomadorTelefone => ("Telefone do tomador", "opcional"),
        Tag::TomadorMunicipio => ("Município do tomador (código IBGE)", ""),
        Tag::Aliquota => ("Alíquota do ISS (%)", "ex.: 3,00"),
        Tag::PorcentagemRegimeEspecial => {
            ("Percentual de regime especial", "0 quando não se aplica")
        }
    }
}

/// A ledger state, for people.
fn estado_legivel(estado: &str) -> &'static str {
    match estado {
        "reservada" => "reservada (não saiu)",
        "enviada" => "enviada, sem resposta",
        "aceita" => "emitida",
        "recusada" => "recusada",
        "desconhecida" => "resultado desconhecido",
        "externa" => "número usado fora do guichê",
        _ => "outro",
    }
}

/// Where the nota on the page came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origem {
    Arquivo,
    Formulario,
}

/// A message on top of the page.
enum Aviso {
    Sucesso(String),
    Info(String),
    Erro(String),
}

/// What the page shows.
struct Vista {
    prefeitura: String,
    prestador: String,
    valores: BTreeMap<Tag, String>,
    origem: Origem,
    violacoes: Vec<Violacao>,
    aviso: Option<Aviso>,
    notas: Option<Result<Vec<NotaNoLivro>, String>>,
}

impl Vista {
    fn nova(prefeitura: String, prestador: String, hoje: Option<String>) -> Vista {
        let mut valores = BTreeMap::new();
        for tag in [
            Tag::Irrf,
            Tag::Inss,
            Tag::Pis,
            Tag::Cofins,
            Tag::ContribuicaoSocial,
            Tag::ValorDeducaoMateriais,
        ] {
            valores.insert(tag, "0,00".to_owned());
        }
        valores.insert(Tag::TomadorEstrangeiro, "N".to_owned());
        valores.insert(Tag::PorcentagemRegimeEspecial, "0".to_owned());
        valores.insert(Tag::StatusIssNota, "1".to_owned());
        if let Some(h) = hoje {
            valores.insert(Tag::DataEmissao, h);
        }
        Vista {
            prefeitura,
            prestador,
            valores,
            origem: Origem::Formulario,
            violacoes: Vec::new(),
            aviso: None,
            notas: None,
        }
    }
}

/// `?prefeitura=&prestador=` of the ledger.
#[derive(Deserialize, Default)]
struct Sequencia {
    #[serde(default)]
    prefeitura: String,
    #[serde(default)]
    prestador: String,
    /// After a decision: the nota's number. The message is built from the ledger, never from
    /// the URL.
    #[serde(default)]
    decidida: Option<u64>,
}

/// The municipality and the provider, or what is wrong with them.
fn sequencia(
    prefeitura: &str,
    prestador: &str,
) -> Result<(&'static Prefeitura, Documento), String> {
    let p = validacao::prefeitura(prefeitura.trim())?;
    let d = Documento::parse(prestador.trim())
        .map_err(|e| format!("prestador \"{}\": {e}", prestador.trim()))?;
    Ok((p, d))
}

/// The ledger of the sequence, for the page.
async fn ler_notas(
    nfd: &Nfd,
    prefeitura: &str,
    prestador: &str,
) -> Result<Vec<NotaNoLivro>, String> {
    let (p, d) = sequencia(prefeitura, prestador)?;
    let nfd = nfd.clone();
    match tokio::task::spawn_blocking(move || nfd.notas(p, d, NOTAS_NA_TELA)).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(e) => Err(format!("a leitura do livro parou: {e}")),
    }
}

/// The NFD service, or the page that says this server has none.
#[allow(clippy::result_large_err)] // a page, returned as is
fn servico<'a>(estado: &'a Estado, s: &Sessao) -> Result<&'a Nfd, Response> {
    estado.nfd.as_ref().ok_or_else(|| {
        html(
            StatusCode::SERVICE_UNAVAILABLE,
            super::paginas::aviso(
                Some((s, Tela::Nfd)),
                "Serviço NFD indisponível",
                "Este servidor não tem o serviço NFD configurado (GUICHE_NFD_URL e a senha do \
                 prestador). Avise quem administra o guichê.",
            ),
        )
    })
}

/// `GET /nfd`: the forms, and the ledger of the sequence asked for.
async fn balcao(
    State(estado): State<Estado>,
    ComSessao(s): ComSessao,
    Query(q): Query<Sequencia>,
) -> Result<Response, Response> {
    let nfd = servico(&estado, &s)?;
    let hoje = nfd.relogio.hoje().to_string();
    let mut v = Vista::nova(q.prefeitura.clone(), q.prestador.clone(), Some(hoje));
    if !q.prefeitura.is_empty() && !q.prestador.is_empty() {
        v.notas = Some(ler_notas(nfd, &q.prefeitura, &q.prestador).await);
    }
    if let (Some(n), Some(Ok(notas))) = (q.decidida, &v.notas)
        && let Some(nota) = notas.iter().find(|x| x.numero == n)
        && let Some(por) = &nota.decidido_por
    {
        v.aviso = Some(Aviso::Sucesso(format!(
            "Decisão registrada por {por}: a nota nº {n} está {} no livro.",
            estado_legivel(nota.estado)
        )));
    }
    Ok(html(StatusCode::OK, pagina(&s, &v)))
}

/// `POST /nfd` (multipart): validate or issue the nota of the file or of the form.
async fn nota(
    State(estado): State<Estado>,
    ComSessao(s): ComSessao,
    m: Multipart,
) -> Result<Response, Response> {
    let f = Formulario::ler(m).await?;
    conferir_csrf(&s, &f.texto("csrf"))?;
    let emitir = f.texto("acao") == "emitir";
    let permissao = if emitir {
        Permissao::Enviar
    } else {
        Permissao::Ler
    };
    let s = permitir(s, permissao, Tela::Nfd)?;
    let nfd = servico(&estado, &s)?;
    let mut v = Vista::nova(f.texto("prefeitura"), f.texto("prestador"), None);
    let (bytes, arquivo) = match f.texto("origem").as_str() {
        "arquivo" => {
            v.origem = Origem::Arquivo;
            let b = f.bytes("arquivo").unwrap_or_default();
            if b.is_empty() {
                v.aviso = Some(Aviso::Erro(
                    "Escolha o arquivo da nota (.xml ou .json) antes de enviar.".to_owned(),
                ));
                return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, pagina(&s, &v)));
            }
            let nome = f.nome_do_arquivo("arquivo").unwrap_or("arquivo").to_owned();
            (b.to_vec(), nome)
        }
        _ => {
            let mut json = serde_json::Map::new();
            for tag in Tag::TODAS {
                let valor = f.texto(tag.nome());
                v.valores.insert(tag, valor.clone());
                json.insert(tag.nome().to_owned(), serde_json::Value::String(valor));
            }
            match serde_json::to_vec(&json) {
                Ok(b) => (b, "formulário".to_owned()),
                Err(e) => return Err(falha("a nota do formulário não pôde ser montada", &e)),
            }
        }
    };
    let (prefeitura, prestador) = match sequencia(&v.prefeitura, &v.prestador) {
        Ok(x) => x,
        Err(e) => {
            v.aviso = Some(Aviso::Erro(format!("{}.", super::capitalizar(&e))));
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, pagina(&s, &v)));
        }
    };
    let status = if emitir {
        let pedido = PedidoNota {
            arquivo,
            prefeitura,
            prestador,
            conteudo: Ok(Arc::from(bytes)),
        };
        match nfd.enviar(pedido, OpcoesEmissao::default()).await {
            Ok(relato) => {
                tracing::info!(
                    por = %s.login, estado = relato.estado, numero = ?relato.numero,
                    "nota enviada pela página"
                );
                mostrar_relato(&mut v, &relato)
            }
            Err(e) => {
                v.aviso = Some(Aviso::Erro(format!(
                    "{}.",
                    super::capitalizar(&e.to_string())
                )));
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    } else {
        let hoje = nfd.relogio.hoje();
        match tokio::task::spawn_blocking(move || {
            validacao::validar(&bytes, Some(prefeitura), hoje)
        })
        .await
        {
            Ok(Ok(resumo)) => {
                v.aviso = Some(Aviso::Sucesso(format!(
                    "Nota válida: {}. Nada foi enviado.",
                    resumo.frase
                )));
                StatusCode::OK
            }
            Ok(Err(violacoes)) => {
                v.aviso = Some(Aviso::Erro(format!(
                    "A nota tem {} violação(ões) das regras do manual; nada foi enviado.",
                    violacoes.0.len()
                )));
                v.violacoes = violacoes.0;
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Err(e) => return Err(falha("a validação parou", &e)),
        }
    };
    v.notas = Some(ler_notas(nfd, &v.prefeitura, &v.prestador).await);
    Ok(html(status, pagina(&s, &v)))
}

/// The report of a send, on the page; its status.
fn mostrar_relato(v: &mut Vista, relato: &RelatoNota) -> StatusCode {
    let frase = format!(
        "{}.",
        super::capitalizar(relato.mensagem.trim_end_matches('.'))
    );
    match (&relato.resultado, relato.estado) {
        (_, "emitida") => {
            v.aviso = Some(Aviso::Sucesso(frase));
            StatusCode::OK
        }
        (_, "ja_emitida") => {
            v.aviso = Some(Aviso::Info(format!(
                "{frase} Nada foi enviado de novo (a mesma nota já está no livro)."
            )));
            StatusCode::OK
        }
        (Resultado::Invalida(violacoes), _) => {
            v.aviso = Some(Aviso::Erro(format!(
                "A nota tem {} violação(ões) das regras do manual; nada foi enviado.",
                violacoes.0.len()
            )));
            v.violacoes = violacoes.0.clone();
            StatusCode::UNPROCESSABLE_ENTITY
        }
        (_, "desconhecida" | "nao_enviada" | "reenvio_recusado") => {
            v.aviso = Some(Aviso::Erro(format!(
                "{frase} A nota continua pendente no livro: envie de novo (ela é conferida sem \
                 ser emitida duas vezes) ou confira o portal NFD e registre o que viu no livro \
                 abaixo."
            )));
            StatusCode::BAD_GATEWAY
        }
        _ => {
            v.aviso = Some(Aviso::Erro(frase));
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }
}

/// The fields of a decision's form.
#[derive(Deserialize)]
struct FormDecisao {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    prefeitura: String,
    #[serde(default)]
    prestador: String,
    #[serde(default)]
    numero: String,
    #[serde(default)]
    decisao: String,
    #[serde(default)]
    codigo: String,
}

/// `POST /nfd/decisao`: a person's decision on a nota whose outcome the service never told;
/// `por` is the session's login.
async fn decidir(
    State(estado): State<Estado>,
    headers: HeaderMap,
    corpo: Bytes,
) -> Result<Response, Response> {
    let Ok(form) = serde_urlencoded::from_bytes::<FormDecisao>(&corpo) else {
        return Ok(proibido());
    };
    let s = exigir_post(&estado, &headers, &form.csrf, Permissao::Enviar, Tela::Nfd).await?;
    let nfd = servico(&estado, &s)?;
    let mut v = Vista::nova(
        form.prefeitura.clone(),
        form.prestador.clone(),
        Some(nfd.relogio.hoje().to_string()),
    );
    let decisao = match (form.decisao.as_str(), form.codigo.trim()) {
        ("emitida", c) if !c.is_empty() => Ok(Decisao::Emitida {
            codigo: c.to_owned(),
        }),
        ("emitida", _) => Err(
            "com a decisão “emitida”, informe o código de autenticidade lido no portal NFD"
                .to_owned(),
        ),
        ("nao_emitida", _) => Ok(Decisao::NaoEmitida),
        _ => Err("escolha o que o portal NFD mostra: emitida ou não emitida".to_owned()),
    };
    let numero = form
        .numero
        .trim()
        .parse::<u64>()
        .map_err(|_| format!("número da nota \"{}\" inválido", form.numero.trim()));
    let r = match (
        sequencia(&form.prefeitura, &form.prestador),
        numero,
        decisao,
    ) {
        (Ok((p, d)), Ok(n), Ok(dec)) => nfd
            .resolver(p, d, n, &dec, &s.login)
            .await
            .map_err(|e| e.to_string()),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => Err(e),
    };
    match r {
        Ok(relato) => {
            tracing::info!(por = %s.login, numero = relato.numero, "decisão registrada pela página");
            let numero = relato.numero.to_string();
            let query = serde_urlencoded::to_string([
                ("prefeitura", relato.prefeitura.as_str()),
                ("prestador", relato.prestador.as_str()),
                ("decidida", numero.as_str()),
            ])
            .unwrap_or_default();
            Ok(ir_para_caminho(&format!("/nfd?{query}")))
        }
        Err(e) => {
            v.aviso = Some(Aviso::Erro(format!("Decisão não registrada: {e}.")));
            v.notas = Some(ler_notas(nfd, &form.prefeitura, &form.prestador).await);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, pagina(&s, &v)))
        }
    }
}

// ── Markup ─────────────────────────────────────────────────────────────────────────────────

/// The municipality and provider fields of a form (`sufixo` keeps the ids unique on the page).
fn campos_sequencia(v: &Vista, sufixo: &str) -> Markup {
    let id_p = format!("prefeitura-{sufixo}");
    let id_d = format!("prestador-{sufixo}");
    html! {
        div.linha {
            div.campo {
                label for=(id_p) { "Prefeitura" }
                select id=(id_p) name="prefeitura" {
                    @for p in prefeituras() {
                        option value=(p.codigo) selected[p.codigo == v.prefeitura.trim()] {
                            (p.codigo) " — " (p.nome)
                        }
                    }
                }
            }
            div.campo {
                label for=(id_d) { "CNPJ ou CPF do prestador" }
                input id=(id_d) name="prestador" type="text" value=(v.prestador) required
                    inputmode="numeric" autocomplete="off" spellcheck="false";
            }
        }
    }
}

/// The buttons of a nota's form: validate (every role), issue (operador and admin).
fn botoes(s: &Sessao) -> Markup {
    html! {
        div.acoes {
            button.secundario type="submit" name="acao" value="validar" { "Validar" }
            @if permite(s.papel, Permissao::Enviar) {
                button type="submit" name="acao" value="emitir" { "Emitir nota" }
            }
        }
    }
}

/// One field of the manual, with its error next to it.
fn campo_da_nota(tag: Tag, valor: &str, erros: &[&Violacao]) -> Markup {
    let (rotulo, dica) = rotulo(tag);
    let id = format!("campo-{}", tag.nome());
    let id_dica = format!("dica-{}", tag.nome());
    let id_erro = format!("erro-{}", tag.nome());
    let descrito = match (dica.is_empty(), erros.is_empty()) {
        (true, true) => None,
        (false, true) => Some(id_dica.clone()),
        (true, false) => Some(id_erro.clone()),
        (false, false) => Some(format!("{id_erro} {id_dica}")),
    };
    let invalido = (!erros.is_empty()).then_some("true");
    html! {
        div.campo.invalido[!erros.is_empty()] {
            label for=(id) { (rotulo) " " span.tag { "(" (tag.nome()) ")" } }
            @match tag {
                Tag::DescricaoServicos | Tag::OutrasInformacoes => {
                    textarea id=(id) name=(tag.nome()) rows="3"
                        aria-invalid=[invalido] aria-describedby=[descrito.as_deref()] { (valor) }
                }
                Tag::TomadorEstrangeiro => {
                    select id=(id) name=(tag.nome()) aria-invalid=[invalido]
                        aria-describedby=[descrito.as_deref()] {
                        option value="N" selected[valor != "S"] { "N — não" }
                        option value="S" selected[valor == "S"] { "S — sim" }
                    }
                }
                _ => {
                    input id=(id) name=(tag.nome()) type="text" value=(valor) autocomplete="off"
                        aria-invalid=[invalido] aria-describedby=[descrito.as_deref()];
                }
            }
            @if !erros.is_empty() {
                ul.erro-campo id=(id_erro) {
                    @for e in erros { li { (e.mensagem) } }
                }
            }
            @if !dica.is_empty() { span.dica id=(id_dica) { (dica) } }
        }
    }
}

/// A violation's field: a tag of the form gets a link to it.
fn campo_violado(v: &Violacao, origem: Origem) -> Markup {
    html! {
        @if origem == Origem::Formulario && Tag::from_nome(&v.campo).is_some() {
            a href=(format!("#campo-{}", v.campo)) { code { (v.campo) } }
        } @else {
            code { (v.campo) }
        }
    }
}

fn pagina(s: &Sessao, v: &Vista) -> Markup {
    let mut por_tag: BTreeMap<Tag, Vec<&Violacao>> = BTreeMap::new();
    if v.origem == Origem::Formulario {
        for x in &v.violacoes {
            if let Some(t) = Tag::from_nome(&x.campo) {
                por_tag.entry(t).or_default().push(x);
            }
        }
    }
    moldura(
        Tela::Nfd.nome(),
        Some((s, Tela::Nfd)),
        html! {
            h1 { (Tela::Nfd.nome()) }
            p.introducao {
                "Valide e emita a NFD (nota fiscal de serviço do município) a partir de um "
                "arquivo ou preenchendo os campos do manual. Cada nota é emitida uma só vez: "
                "enviar de novo a mesma nota não a emite outra vez."
            }
            @match &v.aviso {
                Some(Aviso::Sucesso(t)) => { p.sucesso role="status" { (t) } }
                Some(Aviso::Info(t)) => { p.info role="status" { (t) } }
                Some(Aviso::Erro(t)) => { p.erro role="alert" { (t) } }
                None => {}
            }
            @if !v.violacoes.is_empty() {
                section.violacoes aria-labelledby="titulo-violacoes" {
                    h2 #titulo-violacoes { "Violações (" (v.violacoes.len()) ")" }
                    div.tabela { table {
                        caption.invisivel { "Violações das regras do manual, por campo" }
                        thead { tr {
                            th scope="col" { "Campo" }
                            th scope="col" { "Regra" }
                            th scope="col" { "O que está errado" }
                            th scope="col" { "Valor" }
                        } }
                        tbody {
                            @for x in &v.violacoes {
                                tr {
                                    td { (campo_violado(x, v.origem)) }
                                    td { (x.regra.codigo()) }
                                    td { (x.mensagem) }
                                    td { (x.valor) }
                                }
                            }
                        }
                    } }
                }
            }
            section.formulario aria-labelledby="titulo-arquivo" {
                h2 #titulo-arquivo { "Nota de um arquivo" }
                form method="post" action="/nfd" enctype="multipart/form-data" {
                    input type="hidden" name="csrf" value=(s.csrf);
                    input type="hidden" name="origem" value="arquivo";
                    (campos_sequencia(v, "arquivo"))
                    div.campo {
                        label for="arquivo-nota" { "Arquivo da nota (XML <NOTA> ou JSON)" }
                        input #arquivo-nota type="file" name="arquivo" accept=".xml,.json,application/xml,application/json,text/xml"
                            aria-describedby="dica-arquivo";
                        span.dica #dica-arquivo {
                            "XML em UTF-8, ISO-8859-1 ou windows-1252 (a declaração XML diz qual), "
                            "ou JSON com as mesmas chaves."
                        }
                    }
                    (botoes(s))
                }
            }
            section.formulario aria-labelledby="titulo-form" {
                h2 #titulo-form { "Preencher a nota" }
                form method="post" action="/nfd" enctype="multipart/form-data" {
                    input type="hidden" name="csrf" value=(s.csrf);
                    input type="hidden" name="origem" value="formulario";
                    (campos_sequencia(v, "form"))
                    fieldset {
                        legend { "Campos da nota (manual NFD)" }
                        div.grade {
                            @for tag in Tag::TODAS {
                                (campo_da_nota(
                                    tag,
                                    v.valores.get(&tag).map_or("", String::as_str),
                                    por_tag.get(&tag).map_or(&[][..], Vec::as_slice),
                                ))
                            }
                        }
                    }
                    (botoes(s))
                }
            }
            section aria-labelledby="titulo-livro" {
                h2 #titulo-livro { "Livro de notas" }
                form.linha method="get" action="/nfd" {
                    (campos_sequencia(v, "livro"))
                    div.acoes { button.secundario type="submit" { "Mostrar notas" } }
                }
                @match &v.notas {
                    None => { p.vazio { "Escolha a prefeitura e o prestador para ver as notas do livro." } }
                    Some(Err(e)) => { p.erro role="alert" { (super::capitalizar(e)) "." } }
                    Some(Ok(notas)) => {
                        @if notas.is_empty() {
                            p.vazio { "Nenhuma nota deste prestador nesta prefeitura no livro." }
                        } @else {
                            (livro(s, v, notas))
                        }
                    }
                }
            }
        },
    )
}

/// The ledger's table, with the decision's form on a nota only a person can settle.
fn livro(s: &Sessao, v: &Vista, notas: &[NotaNoLivro]) -> Markup {
    let pode = permite(s.papel, Permissao::Enviar);
    html! {
        div.tabela { table #livro-notas {
            caption.invisivel { "Notas do livro, da mais recente à mais antiga" }
            thead { tr {
                th scope="col" { "Número" }
                th scope="col" { "Data" }
                th scope="col" { "Situação" }
                th scope="col" { "Código ou motivo" }
                th scope="col" { "Decidido por" }
                th scope="col" { "Ação" }
            } }
            tbody {
                @for n in notas {
                    tr {
                        td.numero { (n.numero) }
                        td.numero { (n.data) }
                        td { (estado_legivel(n.estado)) }
                        td { @if let Some(d) = &n.detalhe { (d) } }
                        td { @if let Some(p) = &n.decidido_por { (p) } }
                        td {
                            @if n.espera_decisao && pode {
                                (form_decisao(s, v, n.numero))
                            } @else if n.espera_decisao {
                                span.fraco { "espera a decisão de um operador" }
                            }
                        }
                    }
                }
            }
        } }
    }
}

/// Resolve a nota of unknown outcome: what the municipality's portal shows.
fn form_decisao(s: &Sessao, v: &Vista, numero: u64) -> Markup {
    let id = |n: &str| format!("{n}-{numero}");
    html! {
        form.decisao method="post" action="/nfd/decisao" {
            input type="hidden" name="csrf" value=(s.csrf);
            input type="hidden" name="prefeitura" value=(v.prefeitura);
            input type="hidden" name="prestador" value=(v.prestador);
            input type="hidden" name="numero" value=(numero);
            fieldset {
                legend { "Resolver a nota nº " (numero) ": o que o portal NFD mostra?" }
                div.opcao {
                    input id=(id("emitida")) type="radio" name="decisao" value="emitida";
                    label for=(id("emitida")) { "Emitida" }
                }
                div.opcao {
                    input id=(id("nao")) type="radio" name="decisao" value="nao_emitida";
                    label for=(id("nao")) { "Não emitida (o número volta a ficar livre)" }
                }
                div.campo {
                    label for=(id("codigo")) { "Código de autenticidade (se emitida)" }
                    input id=(id("codigo")) type="text" name="codigo" autocomplete="off";
                }
                button type="submit" { "Registrar decisão" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tag_has_a_portuguese_label() {
        let mut vistos = std::collections::HashSet::new();
        for tag in Tag::TODAS {
            let (r, _) = rotulo(tag);
            assert!(!r.is_empty() && vistos.insert(r), "{}", tag.nome());
        }
    }

    #[test]
    fn a_violation_is_shown_next_to_its_field() {
        let s = Sessao {
            login: "ana".into(),
            papel: guiche_ports::acesso::Papel::Leitura,
            csrf: "c".into(),
        };
        let mut v = Vista::nova("3150".into(), "21118045000135".into(), None);
        v.violacoes.push(Violacao::new(
            "TOMADOR_CEP",
            guiche_domain::Regra::Obrigatorio,
            "o CEP <é> obrigatório",
            "",
        ));
        let p = pagina(&s, &v).into_string();
        let i = p.find(r#"id="campo-TOMADOR_CEP""#).unwrap_or_default();
        let j = p.find(r#"id="erro-TOMADOR_CEP""#).unwrap_or_default();
        assert!(i > 0 && j > i, "{p}");
        assert!(p.contains("o CEP &lt;é&gt; obrigatório"));
        assert!(p.contains(r#"aria-invalid="true""#));
        assert!(!p.contains(r#"value="emitir""#), "leitura cannot issue");
    }
}
