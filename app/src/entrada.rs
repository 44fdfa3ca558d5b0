//! Reading the user's files, with clear errors: as UTF-8 text (a BOM is skipped), or as bytes
//! for the documents whose format says how they are encoded (the `<NOTA>` XML).

use crate::erro::ErroApp;
use guiche_domain::Violacoes;
use std::path::Path;

/// A CPF or CNPJ given in option `opcao`; a usage error naming the option and the value.
pub(crate) fn documento(opcao: &str, texto: &str) -> Result<guiche_domain::Documento, ErroApp> {
    guiche_domain::Documento::parse(texto)
        .map_err(|e| ErroApp::Uso(format!("{opcao} \"{texto}\": {e}")))
}

/// An amount of money in option `opcao`, written as Brazilians do: `1234,56` or `1.234,56`
/// (a point alone is refused: `1.000` would be ambiguous).
pub(crate) fn valor(opcao: &str, texto: &str) -> Result<guiche_domain::Valor, ErroApp> {
    let t = texto.trim();
    let sem_milhar = if t.contains(',') {
        t.replace('.', "")
    } else if t.contains('.') {
        return Err(ErroApp::Uso(format!(
            "{opcao} \"{texto}\": use vírgula para os centavos (ex.: 1.234,56 ou 1234,56)"
        )));
    } else {
        t.to_owned()
    };
    guiche_domain::Valor::parse_nfd(&sem_milhar)
        .map_err(|e| ErroApp::Uso(format!("{opcao} \"{texto}\": {e}")))
}

/// The file's bytes, as they are: the nota's reader decodes them by their declaration.
pub(crate) fn bytes(caminho: &Path) -> Result<Vec<u8>, ErroApp> {
    std::fs::read(caminho).map_err(|e| ErroApp::Arquivo {
        caminho: caminho.display().to_string(),
        motivo: motivo_io(&e),
    })
}

/// The file's text.
pub(crate) fn ler(caminho: &Path) -> Result<String, ErroApp> {
    let bytes = bytes(caminho)?;
    let texto = String::from_utf8(bytes).map_err(|_| ErroApp::Arquivo {
        caminho: caminho.display().to_string(),
        motivo: "o arquivo não está em UTF-8 (converta, por exemplo, com \
                 iconv -f ISO-8859-1 -t UTF-8)"
            .into(),
    })?;
    Ok(texto
        .strip_prefix('\u{FEFF}')
        .map(str::to_owned)
        .unwrap_or(texto))
}

fn motivo_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "arquivo não encontrado".into(),
        std::io::ErrorKind::PermissionDenied => "sem permissão de leitura".into(),
        std::io::ErrorKind::IsADirectory => "é um diretório, não um arquivo".into(),
        _ => e.to_string(),
    }
}

/// What a document file holds, judged by its first significant character (the rule is the
/// application layer's, shared with the nota reader).
pub(crate) use guiche_aplicacao::nfd::validacao::Formato;

/// XML or JSON; anything else is a shape violation, reported like any rule.
pub(crate) fn formato(texto: &str) -> Result<Formato, Violacoes> {
    formato_bytes(texto.as_bytes())
}

/// [`formato`] of a file's bytes, before they are decoded
/// ([`guiche_aplicacao::nfd::validacao::formato`]).
pub(crate) fn formato_bytes(bytes: &[u8]) -> Result<Formato, Violacoes> {
    guiche_aplicacao::nfd::validacao::formato(bytes)
}

/// The file opened for reading in order, through a buffer: for documents too large to hold
/// (a CONAM pacote of a million movements). Errors are those of [`ler`].
pub(crate) fn abrir(caminho: &Path) -> Result<std::io::BufReader<std::fs::File>, ErroApp> {
    let erro = |e: &std::io::Error| ErroApp::Arquivo {
        caminho: caminho.display().to_string(),
        motivo: motivo_io(e),
    };
    let arquivo = std::fs::File::open(caminho).map_err(|e| erro(&e))?;
    if arquivo.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(erro(&std::io::Error::from(
            std::io::ErrorKind::IsADirectory,
        )));
    }
    Ok(std::io::BufReader::with_capacity(256 * 1024, arquivo))
}
