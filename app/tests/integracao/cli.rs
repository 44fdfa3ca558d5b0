//! End-to-end tests through the `guiche` binary: what a user sees, and the exit codes of the
//! contract (0 done, 1 rejected, 2 usage or configuration).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on what it reads

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

const NOTA: &str = include_str!("../../../domain/tests/vetores/nfd-manual.xml");
const PACOTE: &str = include_str!("../../../domain/tests/vetores/conam-manual-1.json");

fn guiche(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guiche"))
        .args(args)
        .env("GUICHE_HOJE", "22/11/2026")
        .output()
        .unwrap()
}

fn arquivo(nome: &str, conteudo: impl AsRef<[u8]>) -> PathBuf {
    let p = crate::comum::pasta("cli").join(nome);
    std::fs::write(&p, conteudo).unwrap();
    p
}

fn codigo(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn campos(v: &Value) -> Vec<(String, String)> {
    v["violacoes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["campo"].as_str().unwrap().to_owned(),
                x["regra"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn validar_nota(conteudo: &str, nome: &str) -> Output {
    let f = arquivo(nome, conteudo);
    guiche(&[
        "nfd",
        "validate",
        f.to_str().unwrap(),
        "--prefeitura",
        "3150",
        "--json",
    ])
}

#[test]
fn manual_nota_is_rejected_only_for_its_document() {
    let o = validar_nota(NOTA, "nota.xml");
    assert_eq!(codigo(&o), 1);
    let v = json(&o);
    assert_eq!(v["valido"], false);
    assert_eq!(
        campos(&v),
        [(
            "TOMADOR_DOCUMENTO".to_owned(),
            "documento.invalido".to_owned()
        )]
    );
    assert_eq!(v["violacoes"][0]["valor"], "00000000000");
}

#[test]
fn human_output_names_field_value_and_rule_in_portuguese() {
    let f = arquivo("nota.xml", NOTA);
    let o = guiche(&[
        "nfd",
        "validate",
        f.to_str().unwrap(),
        "--prefeitura",
        "3150",
    ]);
    assert_eq!(codigo(&o), 1);
    let s = String::from_utf8(o.stdout).unwrap();
    assert!(s.contains("nota inválida — 1 violação"), "{s}");
    assert!(
        s.contains("TOMADOR_DOCUMENTO: CPF ou CNPJ do tomador inválido"),
        "{s}"
    );
    assert!(
        s.contains("valor: \"00000000000\"") && s.contains("documento.invalido"),
        "{s}"
    );
}

#[test]
fn corrected_nota_passes_in_xml_and_json() {
    let xml = NOTA.replace(
        "<TOMADOR_DOCUMENTO>00000000000<",
        "<TOMADOR_DOCUMENTO>52998224725<",
    );
    let o = validar_nota(&xml, "nota.xml");
    assert_eq!(codigo(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(json(&o)["resumo"]["numero"], 6053);
    let chaves: Vec<String> = xml
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let nome = l.strip_prefix('<')?.split(['>', '/']).next()?.to_owned();
            if nome == "NOTA" || nome.is_empty() {
                return None;
            }
            let valor = l
                .split_once('>')
                .and_then(|(_, r)| r.split_once("</"))
                .map_or("", |(v, _)| v);
            Some(format!("{:?}: {:?}", nome, valor))
        })
        .collect();
    let o = validar_nota(&format!("{{{}}}", chaves.join(",")), "nota.json");
    assert_eq!(codigo(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
}

#[test]
fn wrong_files_of_every_kind_are_rejected_with_the_field() {
    let casos: [(&str, &str, &str); 6] = [
        (
            "sem-tag.xml",
            &NOTA.replace("<IRRF>0,00</IRRF>\n", ""),
            "IRRF",
        ),
        (
            "tag-extra.xml",
            &NOTA.replace("<IRRF>", "<ISS>1</ISS><IRRF>"),
            "ISS",
        ),
        ("nao-xml.txt", "isto não é uma nota", "$"),
        ("vazio.xml", "", "$"),
        ("quebrado.xml", "<NOTA><IRRF>1</NOTA>", "NOTA"),
        ("json-ruim.json", "{\"NUMERO_NOTA\": [1]}", "NUMERO_NOTA"),
    ];
    for (nome, conteudo, campo) in casos {
        let o = validar_nota(conteudo, nome);
        assert_eq!(codigo(&o), 1, "{nome}");
        let v = json(&o);
        assert!(campos(&v).iter().any(|(c, _)| c == campo), "{nome}: {v}");
    }
}

#[test]
fn usage_errors_exit_2_with_a_clear_message() {
    let o = guiche(&["nfd", "validate", "/nao/existe.xml"]);
    assert_eq!(codigo(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("arquivo não encontrado"));
    let f = arquivo("nota.xml", NOTA);
    let o = guiche(&[
        "nfd",
        "validate",
        f.to_str().unwrap(),
        "--prefeitura",
        "9999",
        "--json",
    ]);
    assert_eq!(codigo(&o), 2);
    let v = json(&o);
    assert_eq!(v["erro"]["tipo"], "uso");
    assert!(
        v["erro"]["mensagem"].as_str().unwrap().contains("3150"),
        "{v}"
    );
    assert_eq!(codigo(&guiche(&[])), 2);
    assert_eq!(codigo(&guiche(&["nfd", "validate"])), 2);
    assert_eq!(codigo(&guiche(&["--help"])), 0);
}

/// A nota file's bytes with a valid customer document (the vectors carry the manual's zeros).
fn com_tomador(bytes: &[u8]) -> Vec<u8> {
    let i = bytes.windows(11).position(|w| w == b"00000000000").unwrap();
    let mut b = bytes.to_vec();
    b.splice(i..i + 11, b"52998224725".iter().copied());
    b
}

fn validar_bytes(conteudo: &[u8], nome: &str) -> Output {
    let f = arquivo(nome, conteudo);
    guiche(&[
        "nfd",
        "validate",
        f.to_str().unwrap(),
        "--prefeitura",
        "3150",
        "--json",
    ])
}

#[test]
fn notas_are_read_by_their_declared_encoding_and_a_bom_is_skipped() {
    let cp1252 = com_tomador(include_bytes!(
        "../../../domain/tests/vetores/nfd-aspas-windows-1252.xml"
    ));
    let o = validar_bytes(&cp1252, "cp1252.xml");
    assert_eq!(codigo(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    let latin1 = com_tomador(include_bytes!(
        "../../../domain/tests/vetores/nfd-manual-iso-8859-1.xml"
    ));
    let o = validar_bytes(&latin1, "latin1.xml");
    assert_eq!(codigo(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    let bom = com_tomador(include_bytes!(
        "../../../domain/tests/vetores/nfd-aspas-utf-8.xml"
    ));
    let o = validar_bytes(&bom, "bom.xml");
    assert_eq!(codigo(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));

    // The same windows-1252 text in a JSON nota is not UTF-8: a violation, not a usage error.
    let mut texto = b"\xEF\xBB\xBF{\"IRRF\": \"\x93\"}".to_vec();
    let o = validar_bytes(&texto, "cp1252.json");
    assert_eq!(codigo(&o), 1, "{}", String::from_utf8_lossy(&o.stdout));
    assert!(campos(&json(&o)).contains(&("NOTA".into(), "formato.codificacao".into())));
    texto.truncate(3);
    texto.extend_from_slice(b"{\"IRRF\": 1}");
    let o = validar_bytes(&texto, "bom.json");
    assert_eq!(codigo(&o), 1, "{}", String::from_utf8_lossy(&o.stdout));
    assert!(!campos(&json(&o)).iter().any(|(c, _)| c == "NOTA"));
}

#[test]
fn a_nota_whose_bytes_contradict_its_declaration_is_rejected_naming_the_encoding() {
    let o = validar_bytes(b"<NOTA>\xe7</NOTA>", "latin1-sem-declaracao.xml");
    assert_eq!(codigo(&o), 1, "{}", String::from_utf8_lossy(&o.stdout));
    let v = json(&o);
    assert_eq!(
        campos(&v),
        [("NOTA".to_owned(), "formato.codificacao".to_owned())]
    );
    assert!(
        v["violacoes"][0]["mensagem"]
            .as_str()
            .unwrap()
            .contains("0xE7"),
        "{v}"
    );
    let declarada = b"<?xml version=\"1.0\" encoding=\"IBM037\"?><NOTA/>";
    let o = guiche(&[
        "nfd",
        "validate",
        arquivo("ebcdic.xml", declarada).to_str().unwrap(),
    ]);
    assert_eq!(codigo(&o), 1);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("IBM037") && s.contains("formato.codificacao"),
        "{s}"
    );
}

#[test]
fn future_date_uses_brasilia_today() {
    let xml = NOTA
        .replace("00000000000", "52998224725")
        .replace("21/05/2016", "23/11/2026");
    let o = validar_nota(&xml, "futura.xml");
    assert_eq!(codigo(&o), 1);
    assert_eq!(
        campos(&json(&o)),
        [("DATA_EMISSAO".to_owned(), "nfd.data_futura".to_owned())]
    );
}

#[test]
fn conam_manual_example_validates() {
    let f = arquivo("pacote.json", PACOTE);
    let o = guiche(&["conam", "validate", f.to_str().unwrap(), "--json"]);
    assert_eq!(codigo(&o), 0);
    let v = json(&o);
    assert_eq!(v["resumo"]["idPacote"], 1);
    let o = guiche(&["conam", "validate", f.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("pacote válido — idPacote 1"));
}

#[test]
fn conam_violations_name_the_json_path() {
    let ruim = PACOTE
        .replace("\"valor\": 2500.5", "\"valor\": -2500.5")
        .replace("\"R\"", "\"X\"");
    let f = arquivo("pacote.json", ruim);
    let o = guiche(&["conam", "validate", f.to_str().unwrap(), "--json"]);
    assert_eq!(codigo(&o), 1);
    let c = campos(&json(&o));
    assert!(
        c.contains(&(
            "movimentos[0].tipoMovimento".into(),
            "conam.tipo_movimento".into()
        )),
        "{c:?}"
    );
}

/// A pacote is read in order and its movements validated as read: a BOM is accepted, a key
/// written twice is refused, and past 10,000 violations they are printed as found (`--json`
/// stays one valid document holding every one; the text says how many at the end).
#[test]
fn conam_validate_streams_many_violations_and_refuses_repeated_keys() {
    let f = arquivo("bom.json", format!("\u{FEFF}{PACOTE}"));
    assert_eq!(
        codigo(&guiche(&["conam", "validate", f.to_str().unwrap()])),
        0
    );

    let dois = PACOTE.replace("\"valor\": 2500.5,", "\"valor\": 2500.5, \"valor\": 1,");
    let f = arquivo("repetida.json", dois);
    let o = guiche(&["conam", "validate", f.to_str().unwrap(), "--json"]);
    assert_eq!(codigo(&o), 1);
    assert_eq!(
        campos(&json(&o)),
        [(
            "movimentos[0].valor".to_owned(),
            "formato.campo_repetido".to_owned()
        )]
    );

    let inicio = PACOTE.find('[').unwrap() + 1;
    let fim = PACOTE.rfind(']').unwrap();
    let ruim = PACOTE[inicio..fim].trim().replace("\"R\"", "\"X\"");
    let n = 12_000;
    let lista = vec![ruim; n].join(",");
    let texto = format!(
        "{}{lista}{}",
        &PACOTE[..inicio],
        &PACOTE[fim..].replace("}", ", \"extra\": 1}")
    );
    let f = arquivo("muitas.json", texto);
    let o = guiche(&["conam", "validate", f.to_str().unwrap(), "--json"]);
    assert_eq!(codigo(&o), 1);
    let c = campos(&json(&o));
    assert_eq!(c.len(), n + 1);
    assert_eq!(
        c[0],
        (
            "movimentos[0].tipoMovimento".into(),
            "conam.tipo_movimento".into()
        )
    );
    assert_eq!(c[n], ("extra".into(), "formato.campo_desconhecido".into()));
    let o = guiche(&["conam", "validate", f.to_str().unwrap()]);
    assert_eq!(codigo(&o), 1);
    let s = String::from_utf8(o.stdout).unwrap();
    assert!(
        s.lines()
            .next()
            .unwrap()
            .contains("pacote inválido — mais de 10000 violações"),
        "{}",
        &s[..200]
    );
    assert!(
        s.trim_end()
            .ends_with(&format!("pacote inválido — {} violações no total", n + 1))
    );
}

#[test]
fn conam_table_two_can_be_replaced() {
    let pacote = PACOTE.replace("11-01-001", "13-01-000");
    let f = arquivo("pacote.json", pacote);
    let o = guiche(&["conam", "validate", f.to_str().unwrap(), "--json"]);
    assert_eq!(codigo(&o), 1);
    let tabela = arquivo(
        "tabela2.tsv",
        "13-01-000\tR\tpositivo\tnao\tnao\tNOVO\tNovo lançamento\n",
    );
    let o = guiche(&[
        "conam",
        "validate",
        f.to_str().unwrap(),
        "--tabela2",
        tabela.to_str().unwrap(),
    ]);
    assert_eq!(codigo(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    let ruim = arquivo("tabela2.tsv", "13-01-000\tZ\tpositivo\tnao\tnao\tG\tD\n");
    let o = guiche(&[
        "conam",
        "validate",
        f.to_str().unwrap(),
        "--tabela2",
        ruim.to_str().unwrap(),
    ]);
    assert_eq!(codigo(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("linha 1"));
}

#[test]
fn demo_runs_offline_and_reports_each_system() {
    let o = guiche(&["demo"]);
    assert_eq!(codigo(&o), 0);
    let s = String::from_utf8(o.stdout).unwrap();
    assert!(s.contains("NFD") && s.contains("CONAM"), "{s}");
    assert!(
        s.contains("conam.banco") && s.contains("documento.invalido"),
        "{s}"
    );
    assert!(s.contains("nota nº 6054 confirmada como emitida"), "{s}");
    assert!(
        s.contains("emitiu as notas 6053, 6054, 6055: cada número exatamente uma vez"),
        "{s}"
    );
    assert!(s.contains("aprovado pela contabilidade"), "{s}");
    assert!(
        s.contains("conferida pelo Id da DPS e o reenvio respondido pelo livro; 1 NFS-e emitida"),
        "NFS-e: {s}"
    );
    assert!(
        s.contains("101101 registrado: NFS-e cancelada"),
        "NFS-e: {s}"
    );
    assert!(s.contains("registrado no livro do e-CAC"), "SERPRO: {s}");
    assert!(
        s.contains("CND Negativa; 2 chamada(s) etiquetada(s) e bilhetada(s) no livro"),
        "consultas: {s}"
    );
    assert!(
        s.contains("Paga: 1; Pagamento sem guia correspondente: 1; Vencida: 1"),
        "e-CAC: {s}"
    );
    assert!(
        s.contains("0 ocorrência(s) nova(s), 0 baixa(s): nada muda"),
        "{s}"
    );
    assert!(
        s.contains("CND Negativa; caixa postal (DTE): 2 mensagem(ns) nova(s)")
            && s.contains(
                "CND já consultada hoje (Negativa), caixa postal já lida hoje: nada bilhetado de novo"
            ),
        "e-CAC, CND e caixa postal uma vez por dia: {s}"
    );
    let v = json(&guiche(&["demo", "--json"]));
    let passos = v["passos"].as_array().unwrap();
    let sistemas: std::collections::BTreeSet<&str> = passos
        .iter()
        .map(|p| p["sistema"].as_str().unwrap())
        .collect();
    assert_eq!(
        sistemas,
        ["CONAM", "NFD", "NFS-e", "SERPRO", "e-CAC"].into()
    );
    assert_eq!(passos.len(), 20);
}

/// The README's example nota and pacote are valid as it says.
#[test]
fn the_readme_example_nota_and_pacote_are_valid() {
    let exemplos = concat!(env!("CARGO_MANIFEST_DIR"), "/../exemplos");
    let nota = format!("{exemplos}/nota.xml");
    let o = guiche(&["nfd", "validate", &nota, "--prefeitura", "3150"]);
    assert_eq!(codigo(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    let pacote = format!("{exemplos}/pacote.json");
    let o = guiche(&["conam", "validate", &pacote]);
    assert_eq!(codigo(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
}

/// `guiche.toml` (from `--config` or `GUICHE_CONFIG`) configures, the environment prevails,
/// and a secret written in it is refused before anything runs.
#[test]
fn the_config_file_configures_and_the_environment_prevails() {
    let livro = arquivo("livro.db", "");
    std::fs::remove_file(&livro).unwrap();
    let toml = arquivo(
        "guiche.toml",
        format!("db = {:?}\n", livro.display().to_string()),
    );
    let com = |args: &[&str], env: &[(&str, &str)]| {
        Command::new(env!("CARGO_BIN_EXE_guiche"))
            .args(args)
            .env_remove("GUICHE_DB")
            .envs(env.iter().copied())
            .output()
            .unwrap()
    };
    let add = ["ecac", "company", "add", "11444777000161", "--acesso", "a1"];
    let o = com(
        &[&["--config", toml.to_str().unwrap()][..], &add].concat(),
        &[],
    );
    assert_eq!(codigo(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    assert!(livro.exists(), "o livro é o do arquivo de configuração");
    let lista = ["ecac", "company", "list", "--json"];
    let o = com(&lista, &[("GUICHE_CONFIG", toml.to_str().unwrap())]);
    assert_eq!(json(&o)["empresas"].as_array().unwrap().len(), 1);
    let outro = arquivo("outro.db", "");
    std::fs::remove_file(&outro).unwrap();
    let env = [
        ("GUICHE_CONFIG", toml.to_str().unwrap()),
        ("GUICHE_DB", outro.to_str().unwrap()),
    ];
    let o = com(&lista, &env);
    assert_eq!(
        json(&o)["empresas"].as_array().unwrap().len(),
        0,
        "o ambiente prevalece"
    );
    let segredo = arquivo("segredo.toml", "[nfd]\nsenha = \"fiscalb\"\n");
    let o = com(
        &[
            "--config",
            segredo.to_str().unwrap(),
            "ecac",
            "company",
            "list",
        ],
        &[],
    );
    assert_eq!(codigo(&o), 2);
    let erro = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(
        erro.contains("senha_arquivo") && !erro.contains("fiscalb"),
        "{erro}"
    );
}

/// `guiche … | true`: the reader is gone before the first line; the program ends quietly
/// with 141 (as Unix tools do), no panic on stderr.
#[cfg(unix)]
#[test]
fn a_closed_pipe_is_not_a_panic() {
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("{} demo | true", env!("CARGO_BIN_EXE_guiche")))
        .output()
        .unwrap();
    let erro = String::from_utf8_lossy(&o.stderr);
    assert!(!erro.contains("panicked"), "{erro}");
}
