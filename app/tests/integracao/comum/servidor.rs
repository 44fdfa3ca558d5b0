//! A `guiche serve` process for tests, and plain HTTP/1.1 requests to it over a socket.
//!
//! ```ignore
//! let dir = comum::servidor::pasta("nfd");
//! let op = token(&dir, "erp", "operador");
//! let srv = Servidor::iniciar_com(&dir, [("GUICHE_NFD_URL", sim.url())]);
//! let r = srv.post_json("/api/v1/nfd/validacao", Some(&op), &json!({ … }));
//! assert_eq!(r.status, 200, "{}", r.corpo);
//! srv.get("/api/v1/nfd/notas", None).problema(401);
//! ```
//!
//! With the SERPRO and Conecta simulators: `Servidor::iniciar_com(&cenario.dir, cenario.ambiente())`.

use serde_json::Value;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A fresh folder for a ledger (`livro.db`) and the server's log: [`super::pasta`].
pub(crate) fn pasta(nome: &str) -> PathBuf {
    super::pasta(&format!("api-{nome}"))
}

/// `guiche ARGS` on the ledger of `dir`: exit code and stdout.
pub(crate) fn guiche(dir: &Path, args: &[&str]) -> (i32, String) {
    guiche_com(dir, args, &[])
}

/// `guiche ARGS` on the ledger of `dir` with the extra environment `env`: exit code and stdout.
pub(crate) fn guiche_com(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
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

/// A new token's secret on the ledger of `dir`: the last line `token create` prints.
/// `papel`: `admin`, `operador` or `leitura`.
pub(crate) fn token(dir: &Path, nome: &str, papel: &str) -> String {
    let (codigo, saida) = guiche(dir, &["token", "create", "--nome", nome, "--papel", papel]);
    assert_eq!(codigo, 0, "{saida}");
    let segredo = saida.lines().last().unwrap().to_owned();
    assert!(
        segredo.starts_with("gch_") && segredo.len() == 68,
        "{saida}"
    );
    segredo
}

/// `Bearer TOKEN`.
pub(crate) fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

/// A running `guiche serve --addr 127.0.0.1:0` on the ledger of `dir`, killed when dropped.
pub(crate) struct Servidor {
    pub(crate) filho: Child,
    /// `127.0.0.1:PORT`, from the first line it printed.
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
    /// Starts it with `GUICHE_DB=dir/livro.db`, the extra environment `env`, and its stderr
    /// (the log) in `dir/stderr.log`; returns once it printed its address.
    pub(crate) fn iniciar(dir: &Path, env: &[(&str, &str)]) -> Servidor {
        Servidor::iniciar_com(dir, env.iter().copied())
    }

    /// [`Servidor::iniciar`] with an environment built at run time (e.g. `Cenario::ambiente`).
    pub(crate) fn iniciar_com<K, V>(dir: &Path, env: impl IntoIterator<Item = (K, V)>) -> Servidor
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let mut filho = Command::new(env!("CARGO_BIN_EXE_guiche"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("GUICHE_DB", dir.join("livro.db"))
            .envs(env)
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
            .unwrap_or_else(|| {
                let log = std::fs::read_to_string(dir.join("stderr.log")).unwrap_or_default();
                panic!("primeira linha: {linha:?}\n{log}")
            })
            .to_owned();
        Servidor {
            filho,
            endereco,
            dir: dir.to_path_buf(),
        }
    }

    /// What it logged so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap()
    }

    /// Sends SIGTERM (a graceful shutdown), without waiting.
    pub(crate) fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.filho.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Stops it with SIGTERM; its exit code.
    pub(crate) fn terminar(&mut self) -> i32 {
        self.sigterm();
        self.esperar_fim()
    }

    /// Waits for it to exit (after [`Servidor::sigterm`]); its exit code.
    pub(crate) fn esperar_fim(&mut self) -> i32 {
        let fim = self.filho.wait().unwrap();
        fim.code()
            .unwrap_or_else(|| panic!("ended by a signal ({fim}), not by itself"))
    }

    /// Its exit code once it ended, or `None` if it still runs after `prazo`.
    pub(crate) fn saida_em(&mut self, prazo: Duration) -> Option<i32> {
        let fim = Instant::now() + prazo;
        loop {
            if let Some(s) = self.filho.try_wait().unwrap() {
                return s.code();
            }
            if Instant::now() >= fim {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A connection to it (read timeout 60 s), for requests written by hand.
    pub(crate) fn conectar(&self) -> TcpStream {
        let s = TcpStream::connect(&self.endereco).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        s
    }

    /// One request (`Connection: close`) with these headers and body; the whole answer.
    pub(crate) fn pedir(
        &self,
        metodo: &str,
        caminho: &str,
        cabecalhos: &[(&str, &str)],
        corpo: Option<&[u8]>,
    ) -> Resposta {
        ler_resposta(self.escrever(metodo, caminho, cabecalhos, corpo.unwrap_or_default()))
    }

    /// Writes one request and returns the open socket: to read the answer later with
    /// [`ler_resposta`], or to go away before it comes.
    pub(crate) fn escrever(
        &self,
        metodo: &str,
        caminho: &str,
        cabecalhos: &[(&str, &str)],
        corpo: &[u8],
    ) -> TcpStream {
        let mut s = self.conectar();
        s.write_all(&pedido(&self.endereco, metodo, caminho, cabecalhos, corpo))
            .unwrap();
        s
    }

    /// [`Servidor::pedir`] with the bearer `token` (none when empty).
    pub(crate) fn chamar(
        &self,
        metodo: &str,
        caminho: &str,
        token: &str,
        cabecalhos: &[(&str, &str)],
        corpo: &[u8],
    ) -> Resposta {
        let auth = bearer(token);
        let mut cab = cabecalhos.to_vec();
        if !token.is_empty() {
            cab.push(("Authorization", auth.as_str()));
        }
        self.pedir(metodo, caminho, &cab, Some(corpo))
    }

    /// [`Servidor::pedir`] on a blocking thread: for async tests whose simulators run on the
    /// test's own workers.
    pub(crate) async fn pedir_async(
        &self,
        metodo: &str,
        caminho: &str,
        cabecalhos: &[(&str, &str)],
        corpo: &[u8],
    ) -> Resposta {
        let bytes = pedido(&self.endereco, metodo, caminho, cabecalhos, corpo);
        let endereco = self.endereco.clone();
        tokio::task::spawn_blocking(move || {
            let mut s = TcpStream::connect(&endereco).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            s.write_all(&bytes).unwrap();
            ler_resposta(s)
        })
        .await
        .unwrap()
    }

    /// `GET caminho`, with the bearer `token` when given.
    pub(crate) fn get(&self, caminho: &str, token: Option<&str>) -> Resposta {
        let auth = token.map(bearer);
        let cab: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        self.pedir("GET", caminho, &cab, None)
    }

    /// `POST caminho` with a JSON body, the bearer `token` when given, and `extra` headers
    /// (e.g. `("Idempotency-Key", "k1")`).
    pub(crate) fn post_json(
        &self,
        caminho: &str,
        token: Option<&str>,
        corpo: &Value,
        extra: &[(&str, &str)],
    ) -> Resposta {
        self.post(
            caminho,
            token,
            "application/json",
            corpo.to_string().as_bytes(),
            extra,
        )
    }

    /// `POST caminho` with a body of media type `tipo` (a CSV, an XML nota…).
    pub(crate) fn post(
        &self,
        caminho: &str,
        token: Option<&str>,
        tipo: &str,
        corpo: &[u8],
        extra: &[(&str, &str)],
    ) -> Resposta {
        let auth = token.map(bearer);
        let mut cab: Vec<(&str, &str)> = vec![("Content-Type", tipo)];
        if let Some(a) = &auth {
            cab.push(("Authorization", a.as_str()));
        }
        cab.extend_from_slice(extra);
        self.pedir("POST", caminho, &cab, Some(corpo))
    }
}

/// An HTTP answer as read from the socket.
pub(crate) struct Resposta {
    pub(crate) status: u16,
    pub(crate) cabecalhos: Vec<(String, String)>,
    /// The body's bytes (a PDF, a spreadsheet…), de-chunked.
    pub(crate) bruto: Vec<u8>,
    /// The body as text (lossy), for JSON and messages.
    pub(crate) corpo: String,
}

impl Resposta {
    /// A header's value (name case-insensitive).
    pub(crate) fn cabecalho(&self, nome: &str) -> Option<&str> {
        self.cabecalhos
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(nome))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (panics naming the body if it is not).
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.corpo).unwrap_or_else(|e| panic!("{e}: {}", self.corpo))
    }

    /// Asserts a JSON answer of this status and returns it.
    pub(crate) fn ok(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.corpo);
        self.json()
    }

    /// Whether it is a replay of the answer kept for its `Idempotency-Key`.
    pub(crate) fn repetida(&self) -> bool {
        self.cabecalho("idempotency-replayed") == Some("true")
    }

    /// Asserts a problem+json of this status with every RFC 9457 member, and returns it.
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

    /// Asserts a 422 problem carrying violations, and returns them (as the CLI's `--json`
    /// prints them: `campo`, `regra`, `mensagem`, `valor`).
    pub(crate) fn violacoes(&self) -> Vec<Value> {
        let p = self.problema(422);
        let v = p["violacoes"]
            .as_array()
            .unwrap_or_else(|| panic!("sem violacoes: {p}"))
            .clone();
        assert!(!v.is_empty(), "{p}");
        v
    }
}

/// The bytes of one HTTP/1.1 request to `endereco` (`Connection: close`; a `Content-Length`
/// whenever there is a body or the method takes one).
fn pedido(
    endereco: &str,
    metodo: &str,
    caminho: &str,
    cabecalhos: &[(&str, &str)],
    corpo: &[u8],
) -> Vec<u8> {
    let mut pedido =
        format!("{metodo} {caminho} HTTP/1.1\r\nHost: {endereco}\r\nConnection: close\r\n");
    for (n, v) in cabecalhos {
        pedido.push_str(&format!("{n}: {v}\r\n"));
    }
    if !corpo.is_empty() || metodo == "POST" || metodo == "PUT" || metodo == "PATCH" {
        pedido.push_str(&format!("Content-Length: {}\r\n", corpo.len()));
    }
    pedido.push_str("\r\n");
    let mut bytes = pedido.into_bytes();
    bytes.extend_from_slice(corpo);
    bytes
}

/// Reads a whole answer (the server closes the connection: `Connection: close`).
pub(crate) fn ler_resposta(mut s: TcpStream) -> Resposta {
    let mut bruto = Vec::new();
    s.read_to_end(&mut bruto).unwrap();
    let fim = bruto
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| {
            panic!(
                "resposta sem cabeçalho: {}",
                String::from_utf8_lossy(&bruto)
            )
        });
    let cabeca = String::from_utf8(bruto[..fim].to_vec()).unwrap();
    let mut corpo = bruto[fim + 4..].to_vec();
    let mut linhas = cabeca.lines();
    let status = linhas
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let cabecalhos: Vec<(String, String)> = linhas
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    let chunked = cabecalhos.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        corpo = dechunk(&corpo);
    }
    Resposta {
        status,
        cabecalhos,
        corpo: String::from_utf8_lossy(&corpo).into_owned(),
        bruto: corpo,
    }
}

fn dechunk(mut resto: &[u8]) -> Vec<u8> {
    let mut saida = Vec::new();
    loop {
        let fim = resto.windows(2).position(|w| w == b"\r\n").unwrap();
        let tamanho = std::str::from_utf8(&resto[..fim]).unwrap();
        let tamanho = usize::from_str_radix(tamanho.split(';').next().unwrap().trim(), 16).unwrap();
        resto = &resto[fim + 2..];
        if tamanho == 0 {
            return saida;
        }
        saida.extend_from_slice(&resto[..tamanho]);
        resto = &resto[tamanho + 2..];
    }
}
