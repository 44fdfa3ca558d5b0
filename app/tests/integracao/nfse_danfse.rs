//! `guiche nfse danfse` through the binary: the simulator's authorised NFS-e (issued by
//! `nfse send` over mTLS) rendered by key and from its XML file, then read back by independent
//! tools — `pdfinfo` (one A4 page), `pdftotext` (the key, the prestador, the watermarks) and
//! `pdftoppm` (it rasterises), and `zbarimg` reads the QR code off the image. The tools
//! missing: skipped with the reason locally, a failure under `CI`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use guiche_domain::Cnpj;
use guiche_domain::documento::Documento;
use guiche_nfse::simulador::{ConfigSimuladorNfse, SimuladorNfse};
use serde_json::Value;

const CNPJ: &str = "11222333000181";
const SENHA: &str = "s3nh@-danfse";

/// The poppler tools, or `None` (with the reason printed) when missing outside CI.
fn poppler() -> Option<()> {
    let falta: Vec<&str> = ["pdftotext", "pdfinfo", "pdftoppm", "zbarimg"]
        .into_iter()
        .filter(|p| Command::new(p).arg("--version").output().is_err())
        .collect();
    if falta.is_empty() {
        return Some(());
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "no CI o DANFSe deve ser conferido pelo poppler; falta: {falta:?} (apt-get install poppler-utils zbar-tools)"
    );
    eprintln!(
        "aviso: conferência do DANFSe pulada; falta {falta:?} (apt-get install poppler-utils zbar-tools)"
    );
    None
}

fn ferramenta(programa: &str, args: &[&str]) -> String {
    let o = Command::new(programa).args(args).output().unwrap();
    assert!(
        o.status.success(),
        "{programa} {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The PDF's text as `pdftotext` reads it, spaces collapsed.
fn texto(pdf: &Path) -> String {
    let t = ferramenta("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn conferir_pdf(pdf: &Path) -> String {
    let bytes = std::fs::read(pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let modo = std::fs::metadata(pdf).unwrap().permissions().mode() & 0o777;
    assert_eq!(modo, 0o600, "o DANFSe traz dados fiscais: só o dono lê");
    if poppler().is_none() {
        return String::new();
    }
    let info = ferramenta("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.trim_end().ends_with(" 1")),
        "{info}"
    );
    assert!(info.contains("(A4)"), "{info}");
    // Rasterised by an independent renderer.
    let base = pdf.with_extension("");
    ferramenta(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "60",
            "-singlefile",
            pdf.to_str().unwrap(),
            base.to_str().unwrap(),
        ],
    );
    let png = std::fs::read(base.with_extension("png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(png.len() > 5_000, "a página renderizada não está em branco");
    // The QR code, read off a sharper rendering by an independent decoder.
    let nitido = pdf.with_file_name(format!(
        "{}-150",
        base.file_name().unwrap().to_str().unwrap()
    ));
    ferramenta(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "150",
            "-singlefile",
            pdf.to_str().unwrap(),
            nitido.to_str().unwrap(),
        ],
    );
    let qr = ferramenta(
        "zbarimg",
        &[
            "-q",
            "--raw",
            nitido.with_extension("png").to_str().unwrap(),
        ],
    );
    format!("QR[{}] {}", qr.trim(), texto(pdf))
}

fn agrupada(chave: &str) -> String {
    chave
        .as_bytes()
        .chunks(4)
        .map(|g| String::from_utf8_lossy(g).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn danfse_of_the_simulators_nfse_by_key_and_from_its_xml() {
    let sim = SimuladorNfse::iniciar(ConfigSimuladorNfse::default()).unwrap();
    let dir: PathBuf = crate::comum::pasta("nfse-danfse");
    let prestador = Documento::Cnpj(Cnpj::parse(CNPJ).unwrap());
    let pfx = dir.join("prestador.pfx");
    std::fs::write(&pfx, sim.pfx_prestador(&prestador, SENHA).unwrap()).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, sim.ca_pem()).unwrap();
    let guiche = |args: &[&str]| -> (i32, Value) {
        let mut c = Command::new(env!("CARGO_BIN_EXE_guiche"));
        c.args(args)
            .arg("--json")
            .env("GUICHE_DB", dir.join("livro.db"))
            .env("GUICHE_NFSE_URL", sim.url_sefin())
            .env("GUICHE_NFSE_CA", &ca)
            .env("GUICHE_NFSE_CERT", &pfx)
            .env("GUICHE_NFSE_CERT_SENHA", SENHA)
            .env_remove("GUICHE_NFSE_CERT_SENHA_ARQUIVO")
            .env("GUICHE_NFSE_TIMEOUT", "5");
        let o = tokio::task::block_in_place(|| c.output().unwrap());
        let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}\n{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        });
        (o.status.code().unwrap(), v)
    };
    let exemplo = concat!(env!("CARGO_MANIFEST_DIR"), "/../exemplos/nfse/dps.json");
    let (codigo, v) = guiche(&["nfse", "send", exemplo]);
    assert_eq!(codigo, 0, "{v}");
    let chave = v["chave"].as_str().unwrap().to_owned();

    // By key: the NFS-e read from SEFIN.
    let por_chave = dir.join("por-chave.pdf");
    let (codigo, v) = guiche(&[
        "nfse",
        "danfse",
        &chave,
        "--saida",
        por_chave.to_str().unwrap(),
    ]);
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(v["chave"], chave.as_str());
    assert_eq!(v["marcas"], serde_json::json!(["SEM VALOR FISCAL"]));
    let t = conferir_pdf(&por_chave);
    if !t.is_empty() {
        let url = format!("https://www.nfse.gov.br/ConsultaPublica/?tpc=1&chave={chave}");
        assert!(t.starts_with(&format!("QR[{url}] ")), "o QR code: {t}");
        assert!(t.contains(&agrupada(&chave)), "a chave de acesso: {t}");
        assert!(t.contains("11.222.333/0001-81"), "o prestador: {t}");
        assert!(t.contains("Maria da Silva & Filhos"), "o tomador: {t}");
        assert!(
            t.contains("R$ 1.500,00"),
            "o valor do serviço em pt-BR: {t}"
        );
        assert!(
            t.contains("Análise e desenvolvimento de sistemas <módulo fiscal>"),
            "{t}"
        );
        assert!(t.contains("SEM VALOR FISCAL"), "{t}");
        assert!(!t.contains("CANCELADA"), "{t}");
    }

    // From the XML file, marked cancelled.
    let xml = dir.join("nfse.xml");
    std::fs::write(&xml, &sim.emitidas()[0].xml).unwrap();
    let cancelada = dir.join("cancelada.pdf");
    let (codigo, v) = guiche(&[
        "nfse",
        "danfse",
        xml.to_str().unwrap(),
        "--saida",
        cancelada.to_str().unwrap(),
        "--cancelada",
    ]);
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(
        v["marcas"],
        serde_json::json!(["CANCELADA", "SEM VALOR FISCAL"])
    );
    let t = conferir_pdf(&cancelada);
    if !t.is_empty() {
        assert!(t.contains("CANCELADA"), "{t}");
        assert!(t.contains(&agrupada(&chave)), "{t}");
    }

    // Cancelled at SEFIN: the DANFSe by key is marked CANCELADA by itself.
    let (codigo, v) = guiche(&[
        "nfse",
        "cancel",
        &chave,
        "--codigo",
        "1",
        "--motivo",
        "Erro na emissão do valor do serviço",
    ]);
    assert_eq!(
        (codigo, &v["situacao"]),
        (0, &Value::from("cancelada")),
        "{v}"
    );
    let apos = dir.join("cancelada-por-chave.pdf");
    let (codigo, v) = guiche(&["nfse", "danfse", &chave, "--saida", apos.to_str().unwrap()]);
    assert_eq!(codigo, 0, "{v}");
    assert_eq!(
        v["marcas"],
        serde_json::json!(["CANCELADA", "SEM VALOR FISCAL"])
    );
    let t = conferir_pdf(&apos);
    if !t.is_empty() {
        assert!(t.contains("CANCELADA"), "{t}");
        assert!(t.contains(&agrupada(&chave)), "{t}");
    }

    // A DPS is not an authorised NFS-e: refused, the root named, nothing written.
    let nao_nfse = dir.join("dps.xml");
    std::fs::write(&nao_nfse, "<DPS versao=\"1.01\"><infDPS/></DPS>").unwrap();
    let (codigo, v) = guiche(&[
        "nfse",
        "danfse",
        nao_nfse.to_str().unwrap(),
        "--saida",
        dir.join("nada.pdf").to_str().unwrap(),
    ]);
    assert_eq!(codigo, 1, "{v}");
    assert!(
        v["erro"]["mensagem"]
            .as_str()
            .unwrap()
            .contains("a raiz deve ser NFSe"),
        "{v}"
    );
    assert!(!dir.join("nada.pdf").exists());

    // A key SEFIN does not know: refused, nothing written.
    let lida = guiche_domain::nfse::ChaveAcesso::parse(&chave).unwrap();
    let outra = guiche_domain::nfse::ChaveAcesso::nova(
        lida.municipio(),
        lida.ambiente_gerador(),
        lida.inscricao(),
        lida.numero(),
        lida.ano(),
        lida.mes(),
        (lida.codigo() + 1) % 1_000_000_000,
    )
    .unwrap();
    let (codigo, v) = guiche(&[
        "nfse",
        "danfse",
        &outra.to_string(),
        "--saida",
        dir.join("nada.pdf").to_str().unwrap(),
    ]);
    assert_eq!(codigo, 1, "{v}");
    assert!(!dir.join("nada.pdf").exists());

    // Neither a file nor a key: a usage error.
    let (codigo, _) = guiche(&["nfse", "danfse", "123", "--saida", "x.pdf"]);
    assert_eq!(codigo, 2);
}
