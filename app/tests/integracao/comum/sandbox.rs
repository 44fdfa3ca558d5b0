//! A `guiche sandbox` process for tests: started, its printed environment read, stopped with
//! Ctrl-C (SIGINT) when asked or when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};

/// A running sandbox and what it printed before the examples.
pub(crate) struct Sandbox {
    filho: Option<Child>,
    /// The `export NAME='value'` lines, as pairs.
    pub(crate) env: Vec<(String, String)>,
    /// Everything printed up to the examples.
    pub(crate) impresso: String,
}

impl Sandbox {
    /// Starts `guiche sandbox` (with `GUICHE_HOJE` when given) and reads its environment.
    pub(crate) fn iniciar(hoje: Option<&str>) -> Sandbox {
        let mut c = Command::new(env!("CARGO_BIN_EXE_guiche"));
        c.arg("sandbox").stdout(Stdio::piped());
        if let Some(h) = hoje {
            c.env("GUICHE_HOJE", h);
        }
        let mut filho = c.spawn().unwrap();
        let saida = filho.stdout.take().unwrap();
        let (mut env, mut impresso) = (Vec::new(), String::new());
        let mut linhas = BufReader::new(saida).lines();
        for linha in linhas.by_ref() {
            let linha = linha.unwrap();
            impresso.push_str(&linha);
            impresso.push('\n');
            if let Some((k, v)) = linha
                .strip_prefix("export ")
                .and_then(|l| l.split_once('='))
            {
                env.push((k.to_owned(), v.trim_matches('\'').to_owned()));
            }
            if linha.starts_with("# e experimente") {
                break;
            }
        }
        // Keep reading what it prints after: a closed pipe would end the sandbox (as it ends
        // any command whose reader is gone).
        std::thread::spawn(move || linhas.for_each(drop));
        Sandbox {
            filho: Some(filho),
            env,
            impresso,
        }
    }

    /// The value of an exported variable.
    pub(crate) fn var(&self, nome: &str) -> &str {
        self.env
            .iter()
            .find(|(k, _)| k == nome)
            .map(|(_, v)| v.as_str())
            .unwrap()
    }

    /// Ctrl-C, and how the process ended.
    pub(crate) fn parar(mut self) -> ExitStatus {
        self.interromper().unwrap()
    }

    fn interromper(&mut self) -> Option<ExitStatus> {
        let mut filho = self.filho.take()?;
        let _ = Command::new("kill")
            .args(["-INT", &filho.id().to_string()])
            .status();
        filho.wait().ok()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.interromper();
    }
}
