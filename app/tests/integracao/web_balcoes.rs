//! The NFD and CONAM desks and the users' page of `guiche serve` through the binary over HTTP,
//! against the NFD and CONAM simulators: a nota from the form and from a file (ISO-8859-1),
//! violations next to their fields, a double submit that issues once (asserted from the
//! simulator's own record), the ledger and a person's decision; a pacote validated (every
//! violation, in pages), sent and followed to approval; users added and disabled by an admin;
//! CSRF refused and every role refused where it must be, on the server.

use crate::comum::servidor::{Resposta, Servidor, guiche_com, pasta};
use crate::web::{SENHA, campo_csrf, pagina, postar, sessao, usuario_stdin};
use guiche_conam::simulador::{ConfigSimulador as ConfigConam, SimuladorConam};
use guiche_domain::nfd::Tag;
use guiche_nfd::simulador::{ConfigSimulador, Falha, SimuladorNfd};
use std::path::Path;

const PRESTADOR: &str = "21118045000135";
const SENHA_NFD: &str = "fiscalb";

/// A `multipart/form-data` body: its content type and bytes.
fn multipart(campos: &[(&str, &str)], arquivo: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let fronteira = "----guiche-teste-7f3a9c";
    let mut b = Vec::new();
    for (k, v) in campos {
        b.extend_from_slice(
            format!("--{fronteira}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((nome, bytes)) = arquivo {
        b.extend_from_slice(
            format!(
                "--{fronteira}\r\nContent-Disposition: form-data; name=\"arquivo\"; \
                 filename=\"{nome}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{fronteira}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={fronteira}"), b)
}

/// `POST caminho` of a multipart form with the session's cookie.
fn enviar_form(
    srv: &Servidor,
    caminho: &str,
    cookie: &str,
    campos: &[(&str, &str)],
    arquivo: Option<(&str, &[u8])>,
) -> Resposta {
    let (tipo, corpo) = multipart(campos, arquivo);
    srv.pedir(
        "POST",
        caminho,
        &[("Content-Type", &tipo), ("Cookie", cookie)],
        Some(&corpo),
    )
}

/// The manual's nota with a valid customer, as the form's fields (`NUMERO_NOTA` blank: the
/// ledger assigns it), with `descricao`.
fn campos_da_nota(descricao: &str) -> Vec<(&'static str, String)> {
    let xml = include_str!("../../../domain/tests/vetores/nfd-manual.xml")
        .replace("00000000000", "52998224725");
    Tag::TODAS
        .iter()
        .map(|t| {
            let abre = format!("<{}>", t.nome());
            let valor = match xml.find(&abre) {
                Some(i) => {
                    let resto = &xml[i + abre.len()..];
                    resto[..resto.find('<').unwrap()].to_owned()
                }
                None => String::new(), // `<TAG/>`
            };
            let valor = match *t {
                Tag::NumeroNota => String::new(),
                Tag::DescricaoServicos => descricao.to_owned(),
                _ => valor,
            };
            (t.nome(), valor)
        })
        .collect()
}

/// The form's fields for `acao` on the nota `campos`.
fn form_nota<'a>(
    csrf: &'a str,
    acao: &'a str,
    campos: &'a [(&'static str, String)],
) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("csrf", csrf),
        ("origem", "formulario"),
        ("acao", acao),
        ("prefeitura", "3150"),
        ("prestador", PRESTADOR),
    ];
    f.extend(campos.iter().map(|(k, v)| (*k, v.as_str())));
    f
}

/// A user of `papel` made by the CLI.
fn usuario(dir: &Path, login: &str, papel: &str) {
    let (c, s) = usuario_stdin(dir, &[], login, papel, SENHA);
    assert_eq!(c, 0, "{s}");
}

/// A session's cookie and CSRF token.
fn entrar_com(srv: &Servidor, login: &str) -> (String, String) {
    let cookie = sessao(srv, login);
    let home = pagina(srv, "/nfd", &cookie);
    assert_eq!(home.status, 200, "{}", home.corpo);
    let csrf = campo_csrf(&home.corpo);
    (cookie, csrf)
}

#[test]
fn web_nfd_desk_issues_once_shows_violations_and_the_ledger_and_resolves_by_role() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = {
        let _dentro = rt.enter();
        SimuladorNfd::iniciar(ConfigSimulador {
            hoje: Some(guiche_domain::Data::new(2026, 11, 22).unwrap()),
            ..ConfigSimulador::default()
        })
        .unwrap()
    };
    sim.cadastrar_prestador(PRESTADOR, SENHA_NFD, &["3150"]);
    let dir = pasta("web-nfd");
    usuario(&dir, "ana", "operador");
    usuario(&dir, "bia", "leitura");
    let url = sim.url();
    let srv = Servidor::iniciar(
        &dir,
        &[
            ("GUICHE_NFD_URL", url.as_str()),
            ("GUICHE_NFD_SENHA", SENHA_NFD),
            ("GUICHE_NFD_TIMEOUT", "5"),
            ("GUICHE_HOJE", "22/11/2026"),
        ],
    );
    let emitidas = || sim.emitidas(PRESTADOR, "3150").len();
    let (ana, csrf_ana) = entrar_com(&srv, "ana");
    let (bia, csrf_bia) = entrar_com(&srv, "bia");

    // The form has a labelled field per tag of the manual; leitura has no issue button.
    let p = pagina(&srv, "/nfd", &ana).corpo;
    for t in Tag::TODAS {
        assert!(
            p.contains(&format!(r#"<label for="campo-{}">"#, t.nome())),
            "{}",
            t.nome()
        );
    }
    assert!(p.contains(r#"value="emitir""#) && p.contains("Balcão CONAM"));
    assert!(
        !p.contains(r#"href="/usuarios""#),
        "no users' link for an operator"
    );
    assert!(
        !pagina(&srv, "/nfd", &bia)
            .corpo
            .contains(r#"value="emitir""#)
    );

    // An invalid field: the violation next to it, nothing sent.
    let mut ruim = campos_da_nota("SERVIÇO A");
    for (k, v) in &mut ruim {
        if *k == "TOMADOR_DOCUMENTO" {
            *v = "123".to_owned();
        }
    }
    let r = enviar_form(
        &srv,
        "/nfd",
        &ana,
        &form_nota(&csrf_ana, "emitir", &ruim),
        None,
    );
    assert_eq!(r.status, 422, "{}", r.corpo);
    let campo = r.corpo.find(r#"id="campo-TOMADOR_DOCUMENTO""#).unwrap();
    let erro = r.corpo.find(r#"id="erro-TOMADOR_DOCUMENTO""#).unwrap();
    assert!(erro > campo, "the error follows its field");
    assert!(r.corpo.contains(r##"href="#campo-TOMADOR_DOCUMENTO""##));
    assert!(
        r.corpo.contains(r#"value="123""#),
        "the values typed are kept"
    );
    assert_eq!(emitidas(), 0);

    // Without the CSRF token, or as leitura: 403, nothing sent.
    let boa = campos_da_nota("SERVIÇO A");
    let r = enviar_form(&srv, "/nfd", &ana, &form_nota("", "emitir", &boa), None);
    assert_eq!(r.status, 403, "{}", r.corpo);
    let r = enviar_form(
        &srv,
        "/nfd",
        &bia,
        &form_nota(&csrf_bia, "emitir", &boa),
        None,
    );
    assert_eq!(r.status, 403, "{}", r.corpo);
    assert!(r.corpo.contains("Acesso negado"));
    assert_eq!(emitidas(), 0);
    // leitura may validate.
    let r = enviar_form(
        &srv,
        "/nfd",
        &bia,
        &form_nota(&csrf_bia, "validar", &boa),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert!(r.corpo.contains("Nota válida"), "{}", r.corpo);

    // A double submit (two at once, the same form): one nota issued. The sequence's first
    // nota carries its number.
    let mut boa = boa;
    boa[0].1 = "1".to_owned();
    let campos = form_nota(&csrf_ana, "emitir", &boa);
    let (r1, r2) = std::thread::scope(|t| {
        let a = t.spawn(|| enviar_form(&srv, "/nfd", &ana, &campos, None));
        let b = t.spawn(|| enviar_form(&srv, "/nfd", &ana, &campos, None));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(
        (r1.status, r2.status),
        (200, 200),
        "{}\n{}",
        r1.corpo,
        r2.corpo
    );
    assert_eq!(emitidas(), 1, "the simulator issued one nota");
    let juntas = format!("{}{}", r1.corpo, r2.corpo);
    assert!(juntas.contains("Nada foi enviado de novo"), "{juntas}");
    // Submitted again later: still one.
    let r = enviar_form(&srv, "/nfd", &ana, &campos, None);
    assert_eq!(r.status, 200);
    assert_eq!(emitidas(), 1);

    // The ledger: nota 1 issued, with its code.
    let codigo = sim.emitidas(PRESTADOR, "3150")[0].codigo.clone();
    let l = pagina(
        &srv,
        &format!("/nfd?prefeitura=3150&prestador={PRESTADOR}"),
        &bia,
    )
    .corpo;
    assert!(l.contains("livro-notas") && l.contains(">emitida<"), "{l}");
    assert!(l.contains(&codigo), "{l}");

    // A file in ISO-8859-1 (its declaration says so): valid, then issued as nota 2.
    let mut arquivo =
        include_bytes!("../../../domain/tests/vetores/nfd-manual-iso-8859-1.xml").to_vec();
    for (de, para) in [
        (&b"00000000000"[..], &b"52998224725"[..]),
        (b"<NUMERO_NOTA>6053</NUMERO_NOTA>", b"<NUMERO_NOTA/>"),
    ] {
        let i = arquivo.windows(de.len()).position(|w| w == de).unwrap();
        arquivo.splice(i..i + de.len(), para.iter().copied());
    }
    let campos_arq = [
        ("csrf", csrf_ana.as_str()),
        ("origem", "arquivo"),
        ("acao", "emitir"),
        ("prefeitura", "3150"),
        ("prestador", PRESTADOR),
    ];
    let r = enviar_form(
        &srv,
        "/nfd",
        &ana,
        &campos_arq,
        Some(("nota.xml", &arquivo)),
    );
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert_eq!(emitidas(), 2);
    let nota2 = &sim.emitidas(PRESTADOR, "3150")[1];
    assert!(
        nota2.documento.contains("DESCRI") && !nota2.documento.contains('\u{FFFD}'),
        "decoded from ISO-8859-1: {}",
        nota2.documento
    );

    // The reply is lost after the service issued nota 3: unknown, pending, resolved by a person.
    sim.injetar(Falha::Reset);
    let terceira = campos_da_nota("SERVIÇO C");
    let r = enviar_form(
        &srv,
        "/nfd",
        &ana,
        &form_nota(&csrf_ana, "emitir", &terceira),
        None,
    );
    assert_eq!(r.status, 502, "{}", r.corpo);
    assert!(r.corpo.contains("continua pendente"), "{}", r.corpo);
    assert!(r.corpo.contains("resultado desconhecido") && r.corpo.contains("Registrar decisão"));
    let decisao = |cookie: &str, csrf: &str, decisao: &str, codigo: &str| {
        postar(
            &srv,
            "/nfd/decisao",
            cookie,
            &[
                ("csrf", csrf),
                ("prefeitura", "3150"),
                ("prestador", PRESTADOR),
                ("numero", "3"),
                ("decisao", decisao),
                ("codigo", codigo),
            ],
            &[],
        )
    };
    assert_eq!(decisao(&bia, &csrf_bia, "nao_emitida", "").status, 403);
    assert_eq!(decisao(&ana, "", "nao_emitida", "").status, 403);
    let r = decisao(&ana, &csrf_ana, "emitida", "");
    assert_eq!(r.status, 422);
    assert!(r.corpo.contains("código de autenticidade"), "{}", r.corpo);
    let r = decisao(&ana, &csrf_ana, "emitida", "PORTAL-3");
    assert_eq!(r.status, 303, "{}", r.corpo);
    let destino = r.cabecalho("location").unwrap().to_owned();
    let l = pagina(&srv, &destino, &ana).corpo;
    assert!(
        l.contains("PORTAL-3")
            && l.contains("Decisão registrada por ana: a nota nº 3 está emitida"),
        "{l}"
    );
    // The message comes from the ledger, not the URL: a nota nobody decided says nothing.
    let l = pagina(
        &srv,
        &format!("/nfd?prefeitura=3150&prestador={PRESTADOR}&decidida=1"),
        &ana,
    )
    .corpo;
    assert!(!l.contains("Decisão registrada"), "{l}");
    assert!(
        !l.contains("Registrar decisão"),
        "nothing left to decide: {l}"
    );
    assert_eq!(emitidas(), 3, "the decision sent nothing");
    drop(srv);
    drop(rt);
}

/// A pacote of the manual with `id`.
fn pacote(id: u64) -> String {
    include_str!("../../../domain/tests/vetores/conam-manual-1.json")
        .replace("\"idPacote\": 1", &format!("\"idPacote\": {id}"))
}

#[test]
fn web_conam_desk_validates_in_pages_sends_once_and_follows_to_approval() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = {
        let _dentro = rt.enter();
        SimuladorConam::iniciar(ConfigConam::default()).unwrap()
    };
    sim.cadastrar_cliente("USUARIO", "SENHA", &["1"]);
    let dir = pasta("web-conam");
    usuario(&dir, "ana", "operador");
    usuario(&dir, "bia", "leitura");
    let (base, url_token) = (sim.base(), sim.url_token());
    let srv = Servidor::iniciar(
        &dir,
        &[
            ("GUICHE_CONAM_URL", base.as_str()),
            ("GUICHE_CONAM_TOKEN_URL", url_token.as_str()),
            ("GUICHE_CONAM_CLIENT_ID", "USUARIO"),
            ("GUICHE_CONAM_CLIENT_SECRET", "SENHA"),
        ],
    );
    let (ana, csrf_ana) = entrar_com(&srv, "ana");
    let (bia, csrf_bia) = entrar_com(&srv, "bia");
    let valido = pacote(7);
    assert!(valido.contains("\"idPacote\": 7"));

    // 120 movements with no value: every violation with its path, in pages of 50.
    let v: serde_json::Value = serde_json::from_str(&valido).unwrap();
    let mut ruim = v.clone();
    let mov = v["movimentos"][0].clone();
    ruim["movimentos"] = (0..120)
        .map(|_| {
            let mut m = mov.clone();
            m.as_object_mut().unwrap().remove("valor");
            m
        })
        .collect::<Vec<_>>()
        .into();
    let ruim = serde_json::to_vec(&ruim).unwrap();
    let validar = |cookie: &str, csrf: &str, acao: &str, bytes: &[u8]| {
        enviar_form(
            &srv,
            "/conam",
            cookie,
            &[("csrf", csrf), ("acao", acao)],
            Some(("pacote.json", bytes)),
        )
    };
    let r = validar(&bia, &csrf_bia, "validar", &ruim);
    assert_eq!(r.status, 422, "{}", r.corpo);
    assert!(r.corpo.contains("movimentos[119].valor"), "{}", r.corpo);
    assert_eq!(r.corpo.matches("<details").count(), 3, "{}", r.corpo);
    let r = validar(&bia, &csrf_bia, "validar", valido.as_bytes());
    assert_eq!(r.status, 200, "{}", r.corpo);
    assert!(r.corpo.contains("Pacote válido"));
    assert!(
        !r.corpo.contains(r#"value="enviar""#),
        "no send button for leitura"
    );

    // leitura, or no CSRF token: refused, nothing reaches CONAM.
    assert_eq!(
        validar(&bia, &csrf_bia, "enviar", valido.as_bytes()).status,
        403
    );
    assert_eq!(validar(&ana, "", "enviar", valido.as_bytes()).status, 403);
    assert!(pagina(&srv, "/conam/pacote?id=7", &ana).status == 404);

    // Sent: to its status page, waiting, which asks the browser to refresh it.
    let r = validar(&ana, &csrf_ana, "enviar", valido.as_bytes());
    assert_eq!(r.status, 303, "{}", r.corpo);
    assert_eq!(r.cabecalho("location"), Some("/conam/pacote?id=7"));
    let p = pagina(&srv, "/conam/pacote?id=7", &bia);
    assert_eq!(p.status, 200, "{}", p.corpo);
    assert!(
        p.corpo.contains("aguardando avaliação") && p.corpo.contains("data-atualizar"),
        "{}",
        p.corpo
    );
    // Sent again: not twice.
    let r = validar(&ana, &csrf_ana, "enviar", valido.as_bytes());
    assert_eq!(r.status, 303, "{}", r.corpo);
    assert!(sim.aprovar(7));
    let p = pagina(&srv, "/conam/pacote?id=7", &bia);
    assert!(p.corpo.contains("aprovado"), "{}", p.corpo);
    assert!(
        !p.corpo.contains("data-atualizar"),
        "an approved pacote stops refreshing"
    );
    let script = srv.get("/estatico/balcoes.js", None);
    assert_eq!(script.status, 200);
    assert!(script.corpo.contains("data-atualizar"));
    drop(srv);
    drop(rt);
}

#[test]
fn web_users_are_added_and_disabled_by_an_admin_only() {
    let dir = pasta("web-usuarios");
    usuario(&dir, "ana", "admin");
    usuario(&dir, "olga", "operador");
    usuario(&dir, "bia", "leitura");
    let srv = Servidor::iniciar(&dir, &[]);
    let ana = sessao(&srv, "ana");
    let lista = pagina(&srv, "/usuarios", &ana);
    assert_eq!(lista.status, 200, "{}", lista.corpo);
    assert!(lista.corpo.contains("olga") && lista.corpo.contains("leitura"));
    let csrf = campo_csrf(&lista.corpo);
    assert!(
        pagina(&srv, "/", &ana)
            .corpo
            .contains(r#"href="/usuarios""#)
    );

    // Operador and leitura: no link, 403 on the page and on every POST.
    for quem in ["olga", "bia"] {
        let c = sessao(&srv, quem);
        let home = pagina(&srv, "/", &c);
        assert!(!home.corpo.contains(r#"href="/usuarios""#), "{quem}");
        assert_eq!(pagina(&srv, "/usuarios", &c).status, 403, "{quem}");
        let seu = campo_csrf(&home.corpo);
        let campos = [
            ("csrf", seu.as_str()),
            ("login", "intrusa"),
            ("papel", "admin"),
            ("senha", SENHA),
            ("senha2", SENHA),
        ];
        assert_eq!(postar(&srv, "/usuarios", &c, &campos, &[]).status, 403);
        let d = [("csrf", seu.as_str()), ("login", "ana")];
        assert_eq!(postar(&srv, "/usuarios/desativar", &c, &d, &[]).status, 403);
    }

    // The admin: without the token 403; passwords that differ, a short one, a taken login:
    // the form again with the error next to the field.
    let novo = |login: &str, senha: &str, senha2: &str, csrf: &str| {
        postar(
            &srv,
            "/usuarios",
            &ana,
            &[
                ("csrf", csrf),
                ("login", login),
                ("papel", "operador"),
                ("senha", senha),
                ("senha2", senha2),
            ],
            &[],
        )
    };
    assert_eq!(novo("carla", SENHA, SENHA, "").status, 403);
    let r = novo("carla", SENHA, "outra-senha-comprida", &csrf);
    assert_eq!(r.status, 422);
    assert!(r.corpo.contains(r#"id="erro-senha2""#) && r.corpo.contains("não são iguais"));
    let r = novo("carla", "curta", "curta", &csrf);
    assert_eq!(r.status, 422);
    assert!(
        r.corpo.contains(r#"id="erro-senha""#) && r.corpo.contains("12"),
        "{}",
        r.corpo
    );
    let r = novo("olga", SENHA, SENHA, &csrf);
    assert!(r.corpo.contains(r#"id="erro-login""#) && r.corpo.contains("já existe"));
    assert!(!r.corpo.contains(SENHA), "a password is never sent back");

    // Added: listed, and logs in.
    let r = novo("carla", SENHA, SENHA, &csrf);
    assert_eq!(r.status, 303, "{}", r.corpo);
    let l = pagina(&srv, r.cabecalho("location").unwrap(), &ana).corpo;
    assert!(l.contains("usuário carla criado (operador)"), "{l}");
    let l = pagina(&srv, "/usuarios?desativado=olga", &ana).corpo;
    assert!(
        !l.contains("Pronto"),
        "olga is active: the URL cannot say otherwise"
    );
    let carla = sessao(&srv, "carla");
    assert_eq!(pagina(&srv, "/nfd", &carla).status, 200);

    // Disabled: the session ends, the login is refused; the admin cannot disable themself.
    let r = postar(
        &srv,
        "/usuarios/desativar",
        &ana,
        &[("csrf", &csrf), ("login", "carla")],
        &[],
    );
    assert_eq!(r.status, 303, "{}", r.corpo);
    let l = pagina(&srv, r.cabecalho("location").unwrap(), &ana).corpo;
    assert!(l.contains("usuário carla desativado"), "{l}");
    assert_eq!(pagina(&srv, "/nfd", &carla).status, 303);
    let r = postar(
        &srv,
        "/usuarios/desativar",
        &ana,
        &[("csrf", &csrf), ("login", "ana")],
        &[],
    );
    assert_eq!(r.status, 422);
    let (_, lista) = guiche_com(&dir, &["usuario", "list"], &[]);
    assert!(
        lista.contains("carla") && lista.contains("desativado"),
        "{lista}"
    );
    // Who did what is in the log; no password ever is.
    let log = srv.log();
    assert!(log.contains("usuário criado pela página"), "{log}");
    assert!(
        !log.contains(SENHA) && !log.contains("outra-senha-comprida"),
        "{log}"
    );
}
