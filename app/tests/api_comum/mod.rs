//! What the API tests of an area share: a ledger folder, tokens made by `guiche token create`,
//! `guiche serve` started as a child process, and plain HTTP/1.1 requests over a socket.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A new, empty folder for one test.
pub(crate) fn pasta(nome: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "api-{nome}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `guiche ARGS` on the ledger of `dir` with `env`: exit code and stdout.
pub(crate) fn guiche(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_guiche"))
        .args(args)
        .env("GUICHE_DB", dir.join("livro.db"))
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout).unwrap(),
    )
}

/// A new token's secret (the last line `token create` prints).
pub(crate) fn token(dir: &Path, nome: &str, papel: &str) -> String {
    let (codigo, saida) = guiche(
        dir,
        &["token", "create", "--nome", nome, "--papel", papel],
        &[],
    );
    assert_eq!(codigo, 0, "{saida}");
    saida.lines().last().unwrap().to_owned()
}

/// `guiche serve` on a free port.
pub(crate) struct Servidor {
    pub(crate) filho: Child,
    pub(crate) endereco: String,
    pub(crate) dir: PathBuf,
}

impl Drop for Servidor {
    fn drop(&mut self) {
        let _ = self.filho.kill();
        let _ = self.filho.wait();
    }
}

impl Servidor {
    /// Starts it on the ledger of `dir` with `env`; returns once it listens.
    pub(crate) fn iniciar(dir: &Path, env: &[(&str, &str)]) -> Servidor {
        let mut filho = Command::new(env!("CARGO_BIN_EXE_guiche"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("GUICHE_DB", dir.join("livro.db"))
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("stderr.log")).unwrap())
            .spawn()
            .unwrap();
        let mut linha = String::new();
        BufReader::new(filho.stdout.take().unwrap())
            .read_line(&mut linha)
            .unwrap();
        let endereco = linha
            .trim()
            .strip_prefix("guiche servindo em http://")
            .unwrap_or_else(|| panic!("primeira linha: {linha:?}"))
            .to_owned();
        Servidor {
            filho,
            endereco,
            dir: dir.to_path_buf(),
        }
    }

    /// What it wrote on stderr.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    /// Sends SIGTERM.
    pub(crate) fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.filho.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Waits for it to exit; its exit code.
    pub(crate) fn esperar_fim(&mut self) -> i32 {
        self.filho.wait().unwrap().code().unwrap()
    }

    /// A request with `token` (none when empty) and these headers.
    pub(crate) fn pedir(
        &self,
        metodo: &str,
        caminho: &str,
        token: &str,
        cabecalhos: &[(&str, &str)],
        corpo: &[u8],
    ) -> Resposta {
        let s = self.enviar(metodo, caminho, token, cabecalhos, corpo);
        ler_resposta(s)
    }

    /// Writes a request and returns the open socket (to read the answer, or to go away).
    pub(crate) fn enviar(
        &self,
        metodo: &str,
        caminho: &str,
        token: &str,
        cabecalhos: &[(&str, &str)],
        corpo: &[u8],
    ) -> TcpStream {
        let mut s = TcpStream::connect(&self.endereco).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut pedido = format!(
            "{metodo} {caminho} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.endereco
        );
        if !token.is_empty() {
            pedido.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        for (n, v) in cabecalhos {
            pedido.push_str(&format!("{n}: {v}\r\n"));
        }
        if !corpo.is_empty() || metodo == "POST" {
            pedido.push_str(&format!("Content-Length: {}\r\n", corpo.len()));
        }
        pedido.push_str("\r\n");
        let mut bytes = pedido.into_bytes();
        bytes.extend_from_slice(corpo);
        s.write_all(&bytes).unwrap();
        s
    }
}

/// An answer.
pub(crate) struct Resposta {
    pub(crate) status: u16,
    pub(crate) cabecalhos: Vec<(String, String)>,
    pub(crate) corpo: String,
}

impl Resposta {
    /// A header's value.
    pub(crate) fn cabecalho(&self, nome: &str) -> Option<&str> {
        self.cabecalhos
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(nome))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.corpo).unwrap_or_else(|e| panic!("{e}: {}", self.corpo))
    }

    /// Asserts a JSON answer of this status and returns it.
    pub(crate) fn ok(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.corpo);
        self.json()
    }

    /// Asserts a problem+json of this status and returns it.
    pub(crate) fn problema(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.corpo);
        assert_eq!(
            self.cabecalho("content-type"),
            Some("application/problem+json")
        );
        let p = self.json();
        assert_eq!(p["status"], status);
        for campo in ["type", "title", "detail", "instance"] {
            assert!(p[campo].is_string(), "{campo}: {p}");
        }
        p
    }

    /// Whether it is a replay of a kept answer.
    pub(crate) fn repetida(&self) -> bool {
        self.cabecalho("idempotency-replayed") == Some("true")
    }
}

/// Reads a whole answer (`Connection: close`).
pub(crate) fn ler_resposta(mut s: TcpStream) -> Resposta {
    let mut bruto = Vec::new();
    s.read_to_end(&mut bruto).unwrap();
    let texto = String::from_utf8(bruto).unwrap();
    let (cabeca, corpo) = texto.split_once("\r\n\r\n").unwrap_or((&texto, ""));
    let mut linhas = cabeca.lines();
    let status = linhas
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let cabecalhos = linhas
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    Resposta {
        status,
        cabecalhos,
        corpo: corpo.to_owned(),
    }
}
