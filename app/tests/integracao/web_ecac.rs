//! The Central e-CAC's screens through `guiche serve` over HTTP, against the SERPRO simulator:
//! *Configurar empresas* (violations next to their fields, admin only), the guides' CSV upload
//! (errors per line), *Sincronizar agora* and its progress, the home's counts and deadlines,
//! *Gerenciar guias* (filters, *Agrupar*, *Detalhes*, *Exportar para Excel* opened with
//! calamine, *Comprovante de pag. e-CAC*), *Localizar guia* with a new DAS; every POST refused
//! without the session's CSRF token and refused to a role that may not do it.

use crate::comum::servidor::{Resposta, Servidor};
use crate::comum::{CLIENTE, Cenario};
use crate::web::{SENHA, campo_csrf, cookie, entrar, form, par, usuario_stdin};
use calamine::{Data as Celula, Reader, Xlsx};
use guiche_domain::Documento;
use guiche_serpro::simulador::FalhaGateway;
use serde_json::json;
use std::time::{Duration, Instant};

const DAS: &str = "07202611444777106";
const CLIENTE_A3: &str = "11222333000181";
const DARF_VENCIDA: &str = "07202600000000555";
const DARF_A_VENCER: &str = "07202600000000999";

const GUIAS: &str = "tipo;numero_documento;contribuinte;periodo;vencimento;valor\n\
DAS;07.20.26114.4477710-6;11.444.777/0001-61;10/2026;20/11/2026;1.030,00\n\
DARF;07202600000000555;11444777000161;09/2026;20/10/2026;480,00\n\
DARF;07202600000000999;11444777000161;10/2026;25/11/2026;99,00\n";

/// A page or a form post, off the test's runtime threads (the simulator answers on them).
async fn pedir(
    srv: &Servidor,
    metodo: &str,
    caminho: &str,
    sessao: &str,
    corpo: Option<(&str, Vec<u8>)>,
) -> Resposta {
    let mut cab = vec![("Cookie", sessao)];
    let bytes = match &corpo {
        Some((tipo, b)) => {
            cab.push(("Content-Type", tipo));
            b.clone()
        }
        None => Vec::new(),
    };
    srv.pedir_async(metodo, caminho, &cab, &bytes).await
}

const FORM: &str = "application/x-www-form-urlencoded";

async fn postar(srv: &Servidor, caminho: &str, sessao: &str, campos: &[(&str, &str)]) -> Resposta {
    pedir(srv, "POST", caminho, sessao, Some((FORM, form(campos)))).await
}

/// A `multipart/form-data` body with `campos` and the file `arquivo` (name, bytes).
fn multipart(campos: &[(&str, &str)], arquivo: (&str, &[u8])) -> (String, Vec<u8>) {
    let f = "----guicheFronteira7MA4YWxkTrZu0gW";
    let mut b = Vec::new();
    for (k, v) in campos {
        b.extend_from_slice(
            format!("--{f}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    b.extend_from_slice(
        format!(
            "--{f}\r\nContent-Disposition: form-data; name=\"arquivo\"; filename=\"{}\"\r\n\
             Content-Type: text/csv\r\n\r\n",
            arquivo.0
        )
        .as_bytes(),
    );
    b.extend_from_slice(arquivo.1);
    b.extend_from_slice(format!("\r\n--{f}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={f}"), b)
}

/// The form adding the client company.
fn nova(csrf: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("csrf", csrf),
        ("cnpj", "11.444.777/0001-61"),
        ("nome", "Padaria <Pão> & Ló"),
        ("utiliza", "sim"),
        ("ecac_desde", "2026-01-01"),
        ("acesso", "codigo"),
    ]
}

/// Logs `login` in: its `guiche_sessao=…` and its CSRF token.
fn sessao(srv: &Servidor, login: &str) -> (String, String) {
    let r = entrar(srv, login, SENHA, &[]);
    assert_eq!(r.status, 303, "{}", r.corpo);
    let c = par(cookie(&r, "guiche_sessao").unwrap()).to_owned();
    let p = srv.pedir("GET", "/", &[("Cookie", &c)], None);
    assert_eq!(p.status, 200, "{}", p.corpo);
    let csrf = campo_csrf(&p.corpo);
    (c, csrf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_central_ecac_in_the_browser_pages_with_roles_and_csrf() {
    let c = Cenario::novo("web-ecac");
    c.procuracao_do_cliente();
    c.sim.definir_pagamentos(
        Documento::parse(CLIENTE).unwrap(),
        json!([
            { "numeroDocumento": DAS, "dataArrecadacao": "2026-11-20T00:00:00-03:00", "valorTotal": 1030.00 },
            { "numeroDocumento": "07202600000000777", "dataArrecadacao": "2026-11-10T00:00:00-03:00", "valorTotal": 250.00 }
        ]),
    );
    let env = c.ambiente();
    let env_ref: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    for (login, papel) in [("ana", "admin"), ("olga", "operador"), ("lia", "leitura")] {
        let (codigo, s) = usuario_stdin(&c.dir, &env_ref, login, papel, SENHA);
        assert_eq!(codigo, 0, "{s}");
    }
    let srv = Servidor::iniciar_com(&c.dir, env.clone());
    let (ana, csrf_ana) = sessao(&srv, "ana");
    let (olga, csrf_olga) = sessao(&srv, "olga");
    let (lia, csrf_lia) = sessao(&srv, "lia");

    // Configurar empresas: the form is the admin's; violations next to their fields.
    let p = pedir(&srv, "GET", "/empresas", &ana, None).await;
    assert!(p.corpo.contains("Tipos de Acesso e-CAC"), "{}", p.corpo);
    assert!(p.corpo.contains("Certificado é procuração digital"));
    assert!(
        p.corpo
            .contains(r#"<label for="utiliza">Utiliza e-CAC</label>"#)
    );
    let p = pedir(&srv, "GET", "/empresas", &lia, None).await;
    assert!(
        !p.corpo.contains(r#"action="/empresas""#),
        "leitura não vê o formulário"
    );
    let r = postar(&srv, "/empresas", &ana, &nova("")).await;
    assert_eq!(r.status, 403, "sem o token CSRF: {}", r.corpo);
    let r = postar(&srv, "/empresas", &lia, &nova(&csrf_lia)).await;
    assert_eq!(r.status, 403, "{}", r.corpo);
    assert!(r.corpo.contains("não permite"), "{}", r.corpo);
    let r = postar(
        &srv,
        "/empresas",
        &ana,
        &[
            ("csrf", &csrf_ana),
            ("cnpj", "11444777000100"),
            ("utiliza", "sim"),
            ("ecac_desde", ""),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.corpo);
    for campo in ["cnpj", "ecac_desde", "acesso"] {
        assert!(
            r.corpo.contains(&format!(r#"id="erro-{campo}""#)),
            "{campo}: {}",
            r.corpo
        );
    }
    assert!(r.corpo.contains("11444777000100"), "o valor digitado volta");
    let r = postar(&srv, "/empresas", &ana, &nova(&csrf_ana)).await;
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert!(
        r.corpo.contains("Empresa 11.444.777/0001-61 cadastrada."),
        "{}",
        r.corpo
    );
    assert!(
        r.corpo.contains("Padaria &lt;Pão&gt; &amp; Ló"),
        "escapado: {}",
        r.corpo
    );
    let r = postar(&srv, "/empresas", &ana, &nova(&csrf_ana)).await;
    assert_eq!(r.status, 409, "{}", r.corpo);
    assert!(r.corpo.contains("já está cadastrada"));
    // Edit: every setting, the same use case as `ecac company set`.
    let p = pedir(&srv, "GET", &format!("/empresas/{CLIENTE}"), &ana, None).await;
    assert!(p.corpo.contains(r#"value="codigo" checked"#), "{}", p.corpo);
    assert!(p.corpo.contains(r#"value="2026-01-01""#));
    let r = postar(
        &srv,
        &format!("/empresas/{CLIENTE}"),
        &ana,
        &[
            ("csrf", &csrf_ana),
            ("nome", "Padaria Pão de Ló"),
            ("utiliza", "sim"),
            ("ecac_desde", "2026-01-01"),
            ("acesso", "codigo"),
            ("procurador", "sim"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert!(r.corpo.contains("Alterações salvas."));
    let (codigo, s) =
        crate::comum::servidor::guiche(&c.dir, &["ecac", "company", "list", "--json"]);
    assert_eq!(codigo, 0, "{s}");
    assert!(
        s.contains("\"certificadoProcurador\": true")
            || s.contains("\"certificadoProcurador\":true"),
        "{s}"
    );

    // Import the guides: operador; a bad line is refused by line, nothing kept.
    let (tipo, corpo) = multipart(
        &[("csrf", &csrf_lia), ("tipo", "guias")],
        ("guias.csv", GUIAS.as_bytes()),
    );
    let r = pedir(&srv, "POST", "/importar", &lia, Some((&tipo, corpo))).await;
    assert_eq!(r.status, 403, "{}", r.corpo);
    let ruim = "tipo;numero_documento;contribuinte;periodo;vencimento;valor\nDARF;123;11444777000161;09/2026;20/10/2026;480,00\n";
    let (tipo, corpo) = multipart(
        &[("csrf", &csrf_olga), ("tipo", "guias")],
        ("ruim.csv", ruim.as_bytes()),
    );
    let r = pedir(&srv, "POST", "/importar", &olga, Some((&tipo, corpo))).await;
    assert_eq!(r.status, 422, "{}", r.corpo);
    assert!(r.corpo.contains("linha 2"), "{}", r.corpo);
    assert!(r.corpo.contains("nada foi gravado"));
    let (tipo, corpo) = multipart(
        &[("csrf", &csrf_olga), ("tipo", "guias")],
        ("guias.csv", GUIAS.as_bytes()),
    );
    let r = pedir(&srv, "POST", "/importar", &olga, Some((&tipo, corpo))).await;
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert!(
        r.corpo.contains("3 guia(s) lida(s): 3 nova(s)"),
        "{}",
        r.corpo
    );

    // Importar pelo certificado A3: an A3 company's payments settle its guide at once.
    let r = postar(
        &srv,
        "/empresas",
        &ana,
        &[
            ("csrf", &csrf_ana),
            ("cnpj", CLIENTE_A3),
            ("nome", "Oficina A3"),
            ("utiliza", "sim"),
            ("ecac_desde", "2026-01-01"),
            ("acesso", "a3"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.corpo);
    let guia_a3 = "tipo;numero_documento;contribuinte;periodo;vencimento;valor\n\
                   DARF;07202600000000888;11222333000181;09/2026;20/10/2026;75,00\n";
    let (tipo, corpo) = multipart(
        &[("csrf", &csrf_olga), ("tipo", "guias")],
        ("guia-a3.csv", guia_a3.as_bytes()),
    );
    let r = pedir(&srv, "POST", "/importar", &olga, Some((&tipo, corpo))).await;
    assert_eq!(r.status, 200, "{}", r.corpo);
    let pagos = "numero_documento;contribuinte;data_arrecadacao;valor\n\
                 07202600000000888;11222333000181;20/10/2026;75,00\n";
    let (tipo, corpo) = multipart(
        &[("csrf", &csrf_olga), ("tipo", "pagamentos")],
        ("pagos-a3.csv", pagos.as_bytes()),
    );
    let r = pedir(&srv, "POST", "/importar", &olga, Some((&tipo, corpo))).await;
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert!(
        r.corpo
            .contains("pagos-a3.csv: 1 pagamento(s) lido(s), 1 novo(s); 1 guia(s) baixada(s)"),
        "{}",
        r.corpo
    );

    // Sincronizar agora: operador; the round in the background, its progress.
    let r = postar(&srv, "/sincronizar", &lia, &[("csrf", &csrf_lia)]).await;
    assert_eq!(r.status, 403, "{}", r.corpo);
    let r = postar(&srv, "/sincronizar", &olga, &[("csrf", "outro")]).await;
    assert_eq!(r.status, 403);
    // SERPRO slow to answer: a second person pressing meanwhile joins the running round.
    c.sim
        .injetar(FalhaGateway::Atrasada(Duration::from_millis(1500)));
    let r = postar(&srv, "/sincronizar", &olga, &[("csrf", &csrf_olga)]).await;
    assert_eq!(
        (r.status, r.cabecalho("location")),
        (303, Some("/sincronizacao"))
    );
    let r = postar(&srv, "/sincronizar", &ana, &[("csrf", &csrf_ana)]).await;
    assert_eq!(
        (r.status, r.cabecalho("location")),
        (303, Some("/sincronizacao"))
    );
    let p = pedir(&srv, "GET", "/sincronizacao", &ana, None).await;
    assert!(
        p.corpo.contains("Pedida por olga") && p.corpo.contains("Pendente"),
        "{}",
        p.corpo
    );
    assert_eq!(
        srv.log()
            .matches("sincronização do e-CAC pedida pela página login=")
            .count(),
        1,
        "uma rodada só"
    );
    let inicio = Instant::now();
    let progresso = loop {
        let p = pedir(&srv, "GET", "/sincronizacao", &lia, None).await;
        if p.corpo.contains("Sincronização concluída.") {
            break p;
        }
        assert!(
            p.corpo.contains(r#"data-atualizar="2000""#)
                && p.corpo.contains(r#"<script src="/estatico/balcoes.js""#)
                && p.corpo.contains(r#"href="/sincronizacao">Atualizar agora"#),
            "em andamento, a seção se atualiza (com o script ou pelo link): {}",
            p.corpo
        );
        assert!(
            inicio.elapsed() < Duration::from_secs(60),
            "{}\n{}",
            p.corpo,
            srv.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        progresso.corpo.contains("Pedida por olga"),
        "{}",
        progresso.corpo
    );
    assert!(progresso.corpo.contains("Concluída"), "{}", progresso.corpo);
    assert!(!progresso.corpo.contains("data-atualizar"));

    // The home: counts per occurrence, the sync per company, overdue and due guides.
    let p = pedir(&srv, "GET", "/", &lia, None).await;
    assert_eq!(p.status, 200);
    for texto in [
        "Ocorrências",
        "Vencida",
        "Paga",
        "Pagamento sem guia correspondente",
        "Pagamentos conferidos até",
        "Guias vencidas e a vencer",
        DARF_VENCIDA,
        DARF_A_VENCER,
        "R$ 480,00",
    ] {
        assert!(p.corpo.contains(texto), "{texto}: {}", p.corpo);
    }
    assert!(
        !p.corpo.contains(r#"action="/sincronizar""#),
        "leitura não sincroniza"
    );
    let p = pedir(&srv, "GET", "/?dias=1", &olga, None).await;
    assert!(
        p.corpo.contains(DARF_VENCIDA) && !p.corpo.contains(DARF_A_VENCER),
        "{}",
        p.corpo
    );
    assert!(p.corpo.contains(r#"action="/sincronizar""#));
    let p = pedir(&srv, "GET", "/?dias=abc", &olga, None).await;
    assert!(p.corpo.contains(r#"id="erro-dias""#), "{}", p.corpo);

    // Gerenciar guias: filters, Agrupar, paging links keep the filter.
    let p = pedir(&srv, "GET", "/guias?ocorrencia=vencida", &lia, None).await;
    assert!(
        p.corpo.contains(DARF_VENCIDA) && !p.corpo.contains(&format!(">{DAS}<")),
        "{}",
        p.corpo
    );
    let p = pedir(&srv, "GET", "/guias?agrupar=empresa", &lia, None).await;
    assert!(
        p.corpo
            .contains("<h2>11.444.777/0001-61 — Padaria Pão de Ló (4)</h2>"),
        "{}",
        p.corpo
    );
    assert!(p.corpo.contains("Exportar para Excel"));
    let p = pedir(&srv, "GET", "/guias?periodo=202610", &lia, None).await;
    assert!(
        p.corpo.contains(DAS) && !p.corpo.contains(DARF_VENCIDA),
        "{}",
        p.corpo
    );
    let p = pedir(&srv, "GET", "/guias?periodo=2026-13&empresa=x", &lia, None).await;
    assert_eq!(p.status, 422);
    assert!(p.corpo.contains(r#"id="erro-periodo""#) && p.corpo.contains(r#"id="erro-empresa""#));
    // Detalhes: the history.
    let p = pedir(&srv, "GET", &format!("/guias/{DAS}"), &lia, None).await;
    assert!(
        p.corpo.contains("Histórico de ocorrências") && p.corpo.contains("Paga"),
        "{}",
        p.corpo
    );
    assert!(
        !p.corpo.contains("/comprovante"),
        "leitura não baixa comprovante (cobrado)"
    );
    let p = pedir(&srv, "GET", &format!("/guias/{DAS}"), &olga, None).await;
    assert!(
        p.corpo
            .contains(&format!(r#"action="/guias/{DAS}/comprovante""#))
    );

    // Exportar para Excel: the current filter's workbook, opened.
    let r = pedir(
        &srv,
        "GET",
        "/guias/exportar?agrupar=ocorrencia&ocorrencia=vencida",
        &lia,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert!(
        r.cabecalho("content-type")
            .unwrap()
            .contains("spreadsheetml")
    );
    assert!(
        r.cabecalho("content-disposition")
            .unwrap()
            .contains("ocorrencias.xlsx")
    );
    let mut livro = Xlsx::new(std::io::Cursor::new(r.bruto.clone())).unwrap();
    let abas = livro.sheet_names();
    let aba = abas
        .iter()
        .find(|n| n.starts_with("Vencida"))
        .unwrap_or_else(|| panic!("{abas:?}"));
    let celulas = livro.worksheet_range(aba).unwrap();
    assert!(
        celulas
            .rows()
            .any(|l| l.contains(&Celula::String(DARF_VENCIDA.into()))),
        "{celulas:?}"
    );
    assert!(
        !celulas
            .rows()
            .any(|l| l.contains(&Celula::String(DAS.into()))),
        "só o filtro"
    );

    // Comprovante de pag. e-CAC: operador, POST with the token; the PDF.
    let caminho = format!("/guias/{DAS}/comprovante");
    assert_eq!(
        postar(&srv, &caminho, &lia, &[("csrf", &csrf_lia)])
            .await
            .status,
        403
    );
    assert_eq!(postar(&srv, &caminho, &olga, &[]).await.status, 403);
    let r = postar(&srv, &caminho, &olga, &[("csrf", &csrf_olga)]).await;
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert_eq!(r.cabecalho("content-type"), Some("application/pdf"));
    assert!(r.bruto.starts_with(b"%PDF"));

    // Localizar guia: the company's guides; a new DAS through SERPRO (operador).
    let p = pedir(
        &srv,
        "GET",
        &format!("/localizar?empresa={CLIENTE}"),
        &lia,
        None,
    )
    .await;
    assert_eq!(p.status, 200, "{}", p.corpo);
    assert!(
        p.corpo.contains("Guias de 11.444.777/0001-61 (3)"),
        "{}",
        p.corpo
    );
    assert!(
        !p.corpo.contains("Gerar nova guia"),
        "leitura não gera guias"
    );
    let campos = [
        ("csrf", csrf_lia.as_str()),
        ("empresa", CLIENTE),
        ("periodo", "202610"),
    ];
    assert_eq!(postar(&srv, "/localizar", &lia, &campos).await.status, 403);
    let r = postar(
        &srv,
        "/localizar",
        &olga,
        &[("csrf", &csrf_olga), ("empresa", CLIENTE)],
    )
    .await;
    assert_eq!(r.status, 422, "gerar pede o período: {}", r.corpo);
    assert!(r.corpo.contains(r#"id="erro-periodo""#));
    let r = postar(
        &srv,
        "/localizar",
        &olga,
        &[
            ("csrf", &csrf_olga),
            ("empresa", CLIENTE),
            ("periodo", "202610"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}\n{}", r.corpo, srv.log());
    assert!(r.corpo.contains("DAS do período gerado"), "{}", r.corpo);
    assert!(r.corpo.contains(DAS), "{}", r.corpo);
}
