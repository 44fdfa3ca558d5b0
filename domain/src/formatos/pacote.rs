//! The CONAM pacote JSON, exactly as the manual shows it.
//!
//! Reading is tolerant where the manual is loose (`anoExercicio` and `idPacote` as string or
//! number, `valor` as number or numeric string) and strict about shape: unknown and repeated
//! keys, wrong types and missing lists are violations naming the JSON path. The JSON is read in
//! one typed pass (serde visitors straight into [`PacoteBruto`], no intermediate tree); numbers
//! are read from their exact text (serde_json `arbitrary_precision`): money never passes
//! through `f64`. [`PacoteBruto::validar_em_fluxo`] validates each movement as it is read, so a
//! pacote of any size is validated in a small, constant memory.

use crate::conam::{
    MovimentoBruto, Pacote, PacoteBruto, Parte, ResumoPacote, Tabela2, ValidacaoEmFluxo,
};
use crate::{Regra, Violacao, Violacoes};
use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;
use std::io::BufRead;

mod varredura;

const CHAVES_PACOTE: [&str; 8] = [
    "codEntidade",
    "anoExercicio",
    "idPacote",
    "empresaEnvio",
    "dataMovimento",
    "dataExportacao",
    "usuarioExportacao",
    "movimentos",
];

/// The index of `movimentos` in [`CHAVES_PACOTE`].
const MOVIMENTOS: usize = 7;

const CHAVES_MOVIMENTO: [&str; 8] = [
    "tipoMovimento",
    "codigoConta",
    "dataMovimentoOriginal",
    "tipoLancamento",
    "contaCredito",
    "valor",
    "dataLancamento",
    "historicoLancamento",
];

/// How serde_json (`arbitrary_precision`) hands a number to `deserialize_any`: a one-entry map
/// under this key, whose value is the number's exact text. Pinned by the tests below (a number
/// where an object belongs is still "not an object").
const CHAVE_NUMERO: &str = "$serde_json::private::Number";

const BOM: &str = "\u{FEFF}";

impl PacoteBruto {
    /// Reads the manual's pacote JSON (a UTF-8 BOM is skipped) in one typed pass: no
    /// intermediate JSON tree, numbers kept as their exact text.
    ///
    /// # Errors
    /// [`Violacoes`] for malformed JSON, a non-object, unknown or repeated keys and mistyped
    /// values, each naming its JSON path (`movimentos[2].valor`).
    pub fn de_json(json: &str) -> Result<PacoteBruto, Violacoes> {
        let json = json.strip_prefix(BOM).unwrap_or(json);
        let mut junta = Juntar::default();
        let mut de = serde_json::Deserializer::from_str(json);
        let mut e = Violacoes::default();
        match ler(&mut de, &mut junta) {
            Err(err) => {
                e.add(
                    "$",
                    Regra::JsonInvalido,
                    format!("JSON malformado: {err}"),
                    "",
                );
                Err(e)
            }
            Ok(None) => {
                e.add("$", Regra::RaizInvalida, "o pacote é um objeto JSON", "");
                Err(e)
            }
            Ok(Some(raiz)) => {
                let Raiz {
                    mut cabecalho,
                    forma,
                    lista,
                } = raiz;
                e = forma;
                e.0.extend(junta.forma);
                lista.violacao(&mut e);
                cabecalho.movimentos = junta.movimentos;
                e.ou(cabecalho)
            }
        }
    }

    /// Reads the pacote JSON from `leitor` (a UTF-8 BOM is skipped) and validates it against
    /// `tabela` **as it is read**: each movement is checked when its object closes and then
    /// dropped, so memory holds the header and what the bank rule needs (two sums per bank
    /// account), whatever the size of the file. The domain opens nothing: it reads the bytes
    /// the caller's reader gives.
    ///
    /// Every violation goes to `violacao` with the [`Parte`] it belongs to: a movement's as soon
    /// as the movement is read, the pacote's own (its shape and header) and the bank rule's at
    /// the end. Rules, paths and messages are those of [`PacoteBruto::de_json`] followed by
    /// [`PacoteBruto::validar`], object by object: a movement whose shape is wrong (an unknown,
    /// repeated or mistyped key) is reported for its shape only, the header is checked against
    /// the rules only when the root's shape is right, and the bank rule only when every
    /// movement is valid. A malformed JSON is reported where the parser stopped (`$`,
    /// [`Regra::JsonInvalido`]) after what was found before it.
    ///
    /// The movements of a large file are read and validated on every core the machine has:
    /// this thread reads the file and hands pieces of the list to the others, then reports
    /// their findings in the file's order — the same violations, in the same order, as one
    /// thread would report, and memory still bounded by a few pieces in flight.
    ///
    /// Returns the pacote's summary when it is valid (no violation was reported).
    pub fn validar_em_fluxo<R: BufRead>(
        leitor: R,
        tabela: &Tabela2,
        violacao: impl FnMut(Parte, Violacao),
    ) -> Option<ResumoPacote> {
        let fios = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        Self::validar_em_fluxo_com(leitor, tabela, violacao, fios, PEDACO)
    }

    /// [`PacoteBruto::validar_em_fluxo`] with `fios` threads (one: all on the caller's) handed
    /// pieces of about `pedaco` bytes.
    pub(crate) fn validar_em_fluxo_com<R: BufRead>(
        mut leitor: R,
        tabela: &Tabela2,
        violacao: impl FnMut(Parte, Violacao),
        fios: usize,
        pedaco: usize,
    ) -> Option<ResumoPacote> {
        if leitor
            .fill_buf()
            .is_ok_and(|b| b.starts_with(BOM.as_bytes()))
        {
            leitor.consume(BOM.len());
        }
        let mut fluxo = ValidacaoEmFluxo::new(tabela, violacao);
        let paralelo = EmParalelo {
            tabela,
            fios,
            pedaco,
        };
        match ler_em_fatias(leitor, &mut fluxo, Some(paralelo)) {
            Err(motivo) => {
                fluxo.falha(Violacao::new(
                    "$",
                    Regra::JsonInvalido,
                    format!("JSON malformado: {motivo}"),
                    "",
                ));
                None
            }
            Ok(None) => {
                fluxo.falha(Violacao::new(
                    "$",
                    Regra::RaizInvalida,
                    "o pacote é um objeto JSON",
                    "",
                ));
                None
            }
            Ok(Some(Raiz {
                cabecalho,
                mut forma,
                lista,
            })) => {
                lista.violacao(&mut forma);
                fluxo.concluir(cabecalho, forma, lista.tamanho())
            }
        }
    }
}

/// Where each movement goes as it is read: into a list ([`PacoteBruto::de_json`]) or straight
/// through the rules ([`PacoteBruto::validar_em_fluxo`]).
trait Receptor {
    /// A movement to read the next one into (its strings reused); any content is overwritten.
    fn rascunho(&mut self) -> MovimentoBruto {
        MovimentoBruto::default()
    }

    /// Takes back a [`Receptor::rascunho`] that was not handed over, to read the next one into.
    fn devolver(&mut self, _m: MovimentoBruto) {}

    /// Movement `i`, read: `None` when it was not an object; `forma` holds its shape violations
    /// (unknown, repeated or mistyped keys), empty when it is well formed.
    fn movimento(&mut self, i: usize, m: Option<MovimentoBruto>, forma: Violacoes);
}

/// Keeps every movement: the receptor of [`PacoteBruto::de_json`].
#[derive(Default)]
struct Juntar {
    movimentos: Vec<MovimentoBruto>,
    forma: Violacoes,
}

impl Receptor for Juntar {
    fn movimento(&mut self, _i: usize, m: Option<MovimentoBruto>, forma: Violacoes) {
        self.forma.0.extend(forma);
        if let Some(m) = m {
            self.movimentos.push(m);
        }
    }
}

impl<F: FnMut(Parte, Violacao)> Receptor for ValidacaoEmFluxo<'_, F> {
    fn rascunho(&mut self) -> MovimentoBruto {
        ValidacaoEmFluxo::rascunho(self)
    }

    fn devolver(&mut self, m: MovimentoBruto) {
        ValidacaoEmFluxo::devolver(self, m);
    }

    fn movimento(&mut self, i: usize, m: Option<MovimentoBruto>, forma: Violacoes) {
        ValidacaoEmFluxo::movimento(self, i, m, forma);
    }
}

/// The root object once read: the header's text (no movements), the root's shape violations
/// (unknown keys first, then repeated and mistyped ones in layout order, as `de_json` has
/// always reported them), and what `movimentos` held.
struct Raiz {
    cabecalho: PacoteBruto,
    forma: Violacoes,
    lista: Lista,
}

/// What the `movimentos` key held.
enum Lista {
    /// A list of this many elements.
    Lida(usize),
    /// Absent or `null`.
    Ausente,
    /// Something else, summarised.
    Outra(String),
}

impl Lista {
    /// The number of movements read (none when there was no list).
    fn tamanho(&self) -> Option<usize> {
        match self {
            Lista::Lida(n) => Some(*n),
            Lista::Ausente | Lista::Outra(_) => None,
        }
    }

    /// Records what is wrong with `movimentos`, if anything.
    fn violacao(&self, e: &mut Violacoes) {
        match self {
            Lista::Lida(_) => {}
            Lista::Ausente => e.add(
                "movimentos",
                Regra::CampoAusente,
                "a lista de movimentos é obrigatória",
                "",
            ),
            Lista::Outra(resumo) => e.add(
                "movimentos",
                Regra::TipoInvalido,
                "esperava uma lista",
                resumo.as_str(),
            ),
        }
    }
}

/// Reads one pacote and checks that nothing but blanks follows it.
fn ler<'de, L: serde_json::de::Read<'de>, R: Receptor>(
    de: &mut serde_json::Deserializer<L>,
    receptor: &mut R,
) -> Result<Option<Raiz>, serde_json::Error> {
    let raiz = de.deserialize_any(VisitaRaiz { receptor })?;
    de.end()?;
    Ok(raiz)
}

/// About how many bytes of the `movimentos` list each thread is handed at a time.
const PEDACO: usize = 1 << 20;

/// How much of the document may come before the `movimentos` list (the header) for the fast
/// path; past it, or in any document it does not recognise, the whole file is read by
/// serde_json's reader instead (same result, slower).
const CABECALHO_MAXIMO: usize = 1 << 20;

/// Reads the pacote from `leitor` fast and in constant memory: serde_json parses from slices
/// (much faster than through `io::Read`), so the file is cut into pieces first. The bytes
/// before the `movimentos` list and after it (the header, the skeleton) are parsed at the end
/// with an empty list; each movement is parsed from its own bytes, found by trying the next
/// `}` (an object ends at its first `}` where it parses whole: a shorter piece fails as
/// "EOF", never otherwise). Anything unexpected before the list falls back to [`ler`].
fn ler_em_fatias<L: std::io::Read, F: FnMut(Parte, Violacao)>(
    leitor: L,
    receptor: &mut ValidacaoEmFluxo<'_, F>,
    paralelo: Option<EmParalelo<'_>>,
) -> Result<Option<Raiz>, String> {
    let mut j = Janela::new(leitor);
    // The header, up to and including the `[` of `movimentos`.
    let abre = loop {
        if let Some(p) = inicio_da_lista(j.dados()) {
            break p;
        }
        if j.dados().len() > CABECALHO_MAXIMO || !j.mais().map_err(|e| e.to_string())? {
            return ler_inteiro(j, receptor);
        }
    };
    let mut esqueleto = j.dados()[..abre].to_vec();
    j.avancar(abre);
    let i = match paralelo {
        Some(p) if p.fios > 1 && j.ao_menos(p.pedaco).map_err(|e| e.to_string())? => {
            lista_em_paralelo(&mut j, receptor, p)?
        }
        _ => match percorrer(&mut j, 0, receptor, false, None)? {
            Parada::Lista(i) | Parada::Corte(i) => i,
        },
    };
    // The rest, from the list's `]`: small (what follows the list in the root object).
    while j.mais().map_err(|e| e.to_string())? {}
    esqueleto.extend_from_slice(j.dados());
    let mut de = serde_json::Deserializer::from_slice(&esqueleto);
    let mut nenhum = Juntar::default();
    let raiz = ler(&mut de, &mut nenhum).map_err(|e| e.to_string())?;
    Ok(raiz.map(|r| Raiz {
        lista: Lista::Lida(i),
        ..r
    }))
}

/// How a walk over the `movimentos` list ([`percorrer`]) stopped.
enum Parada {
    /// At the list's `]` (the window's first byte), after this many movements.
    Lista(usize),
    /// At the end of a piece, just after a `,`: the next movement's index.
    Corte(usize),
}

/// Reads the movements of the list from the window's first byte, which begins movement `i`
/// (or the list, just past its `[`, when `i` is 0), handing each to the receptor. With
/// `pedaco`, the window holds a piece of the list that ends just after a `,`: the walk stops
/// there ([`Parada::Corte`]). With `ate`, it stops after the first `,` it reaches at that byte
/// of the file or past it ([`Parada::Corte`] too, the window then beginning just after it).
fn percorrer<L: std::io::Read, R: Receptor>(
    j: &mut Janela<L>,
    mut i: usize,
    receptor: &mut R,
    pedaco: bool,
    ate: Option<usize>,
) -> Result<Parada, String> {
    loop {
        j.pular_brancos()?;
        match j.dados().first() {
            None if pedaco => return Ok(Parada::Corte(i)),
            None => return Err("EOF while parsing a list (movimentos)".into()),
            Some(b']') if i == 0 => return Ok(Parada::Lista(i)),
            Some(_) => {}
        }
        let usados = movimento_em_fatia(j, i, receptor)?;
        j.avancar(usados);
        i += 1;
        j.pular_brancos()?;
        match j.dados().first() {
            Some(b',') => {
                j.avancar(1);
                if ate.is_some_and(|a| j.posicao() >= a) {
                    return Ok(Parada::Corte(i));
                }
            }
            Some(b']') => return Ok(Parada::Lista(i)),
            Some(&c) => {
                return Err(format!(
                    "esperava , ou ] depois de movimentos[{}] (byte {} do arquivo: {:?})",
                    i - 1,
                    j.posicao(),
                    char::from(c)
                ));
            }
            None => return Err("EOF while parsing a list (movimentos)".into()),
        }
    }
}

/// How the movements are validated on several threads: `fios` threads, each handed pieces of
/// about `pedaco` bytes of the list; the tables they validate against.
#[derive(Clone, Copy)]
struct EmParalelo<'t> {
    tabela: &'t Tabela2,
    fios: usize,
    pedaco: usize,
}

/// A piece of the `movimentos` list for another thread: its bytes, where they begin in the
/// file, the index its first movement is expected to have, and whether it is the file's end.
struct Trabalho {
    bytes: Vec<u8>,
    desde: usize,
    i: usize,
    ultimo: bool,
}

/// A piece read by another thread: its bytes back (to be read again here if its reading cannot
/// stand), where the walk stopped, and what it found.
struct Feito {
    trabalho: Trabalho,
    parada: Result<Parada, String>,
    parou_em: usize,
    parcial: crate::conam::Parcial,
    achadas: Vec<(Parte, Violacao)>,
}

/// Reads the `movimentos` list from the window's first byte (just past its `[`) on
/// `p.fios` threads, with the same result as [`percorrer`] on this one, violations included and
/// in the same order.
///
/// This thread reads the file and cuts it into pieces of about `p.pedaco` bytes where a movement
/// seems to begin (a `}`, a `,` and a `{`, blanks between) and counts the movements each piece
/// seems to hold; other threads walk them ([`percorrer`]) into validations of their own; this
/// one adds their findings up in the file's order. A piece's reading stands only when its first
/// movement has the index the pieces before it ended on and its walk ends exactly at its end,
/// after a `,` (or, for the last, at the list's `]`): then it read what this thread would have
/// read. A piece whose reading does not stand (a `},{` inside a text, an element that is not
/// an object, malformed JSON) is read again here as [`percorrer`] reads it, so every message is
/// the one the single-threaded reading gives, up to the first movement that begins past its
/// end; the pieces in flight after it are dropped and the list is cut again from there (one
/// odd text costs one piece read on this thread, not the rest of the file), unless such
/// pieces are not rare (then the rest of the file is read here, as one thread would). At most
/// `2 × p.fios` pieces are in flight: memory stays bounded whatever the file's size.
fn lista_em_paralelo<L: std::io::Read, F: FnMut(Parte, Violacao)>(
    j: &mut Janela<L>,
    fluxo: &mut ValidacaoEmFluxo<'_, F>,
    p: EmParalelo<'_>,
) -> Result<usize, String> {
    use std::collections::VecDeque;
    use std::sync::mpsc;
    let EmParalelo {
        tabela,
        fios,
        pedaco,
    } = p;
    let pedaco = pedaco.max(1);
    let mut resto = j.dados().to_vec();
    let mut desde = j.posicao();
    j.avancar(resto.len());
    let mut fim_do_arquivo = j.fim;
    std::thread::scope(|escopo| {
        let mut envios = Vec::with_capacity(fios);
        let mut retornos = Vec::with_capacity(fios);
        for _ in 0..fios {
            let (envia, recebe) = mpsc::channel::<Trabalho>();
            let (devolve, retorno) = mpsc::channel::<Feito>();
            escopo.spawn(move || {
                for trabalho in recebe {
                    let mut achadas = Vec::new();
                    let mut v = ValidacaoEmFluxo::new(tabela, |parte, x| achadas.push((parte, x)));
                    let Trabalho {
                        bytes,
                        desde,
                        i,
                        ultimo,
                    } = trabalho;
                    let mut jp = Janela::de_pedaco(bytes, desde);
                    let parada = percorrer(&mut jp, i, &mut v, !ultimo, None);
                    let parcial = v.parcial();
                    let feito = Feito {
                        parou_em: jp.ini,
                        trabalho: Trabalho {
                            bytes: jp.buf,
                            desde,
                            i,
                            ultimo,
                        },
                        parada,
                        parcial,
                        achadas,
                    };
                    if devolve.send(feito).is_err() {
                        return;
                    }
                }
            });
            envios.push(envia);
            retornos.push(retorno);
        }
        // Pieces in flight, oldest first, by the thread that has each.
        let mut em_voo: VecDeque<usize> = VecDeque::new();
        let mut enviados = 0usize;
        let mut previsto = 0usize;
        let mut cortando = true;
        let mut esperado = 0usize;
        // Pieces whose reading stood, and pieces read again here: cutting goes on after a
        // piece read again only while they are rare (a text that looks like a cut now and
        // then), not when most pieces hold one.
        let (mut de_pe_ate_agora, mut tomadas) = (0usize, 0usize);
        // The buffers of pieces already added up, to read the next ones into: no new pages
        // to fault in for every piece.
        let mut livres: Vec<Vec<u8>> = Vec::new();
        loop {
            while cortando && em_voo.len() < 2 * fios {
                let mut alvo = pedaco;
                let corte = loop {
                    if !fim_do_arquivo && resto.len() < alvo {
                        let falta = alvo - resto.len();
                        let lidos = std::io::Read::read_to_end(
                            &mut std::io::Read::take(&mut j.leitor, falta as u64),
                            &mut resto,
                        )
                        .map_err(|e| e.to_string())?;
                        fim_do_arquivo = lidos < falta;
                    }
                    if fim_do_arquivo {
                        break None;
                    }
                    if let Some(c) = corte(&resto, pedaco) {
                        break Some(c);
                    }
                    if resto.len() >= 4 * pedaco {
                        // No movement seems to begin here: the rest is read on this thread.
                        cortando = false;
                        break None;
                    }
                    alvo = resto.len() + pedaco;
                };
                let trabalho = match corte {
                    Some((fim, movimentos)) => {
                        let mut seguinte = livres.pop().unwrap_or_default();
                        seguinte.clear();
                        seguinte.extend_from_slice(&resto[fim..]);
                        resto.truncate(fim);
                        let t = Trabalho {
                            bytes: std::mem::replace(&mut resto, seguinte),
                            desde,
                            i: previsto,
                            ultimo: false,
                        };
                        desde += fim;
                        previsto += movimentos;
                        t
                    }
                    None if cortando => {
                        cortando = false;
                        Trabalho {
                            bytes: std::mem::take(&mut resto),
                            desde,
                            i: previsto,
                            ultimo: true,
                        }
                    }
                    None => break,
                };
                let fio = enviados % fios;
                if envios[fio].send(trabalho).is_err() {
                    return Err("uma linha de validação parou".to_owned());
                }
                em_voo.push_back(fio);
                enviados += 1;
            }
            let Some(fio) = em_voo.pop_front() else {
                // Nothing in flight and nothing more cut: the rest is read here.
                return match reler(
                    j,
                    fluxo,
                    Vec::new(),
                    resto,
                    desde,
                    esperado,
                    fim_do_arquivo,
                    None,
                )? {
                    Parada::Lista(n) | Parada::Corte(n) => Ok(n),
                };
            };
            let feito = retornos[fio]
                .recv()
                .map_err(|_| "uma linha de validação parou".to_owned())?;
            let fim = feito.trabalho.bytes.len();
            let de_pe = feito.trabalho.i == esperado
                && match feito.parada {
                    Ok(Parada::Corte(n)) if !feito.trabalho.ultimo => {
                        esperado = n;
                        true
                    }
                    Ok(Parada::Lista(n)) if feito.trabalho.ultimo => {
                        esperado = n;
                        true
                    }
                    _ => false,
                };
            if !de_pe {
                // Read again here, from this piece on (its first movement begins where the
                // pieces before it ended), up to the first movement that begins past its end;
                // the pieces still in flight come back, and are cut again from there.
                let mut pedacos = vec![feito.trabalho];
                for fio in em_voo.drain(..) {
                    let f = retornos[fio]
                        .recv()
                        .map_err(|_| "uma linha de validação parou".to_owned())?;
                    pedacos.push(f.trabalho);
                }
                let inicio = pedacos[0].desde;
                let ate = (tomadas * 2 * fios <= de_pe_ate_agora)
                    .then(|| inicio + pedacos[0].bytes.len());
                tomadas += 1;
                let resto_antigo = std::mem::take(&mut resto);
                let parada = reler(
                    j,
                    fluxo,
                    pedacos,
                    resto_antigo,
                    inicio,
                    esperado,
                    fim_do_arquivo,
                    ate,
                )?;
                match parada {
                    Parada::Lista(n) => return Ok(n),
                    Parada::Corte(n) => {
                        // The window holds the list from movement `n` on: cut from there.
                        resto = j.dados().to_vec();
                        desde = j.posicao();
                        j.avancar(resto.len());
                        fim_do_arquivo = j.fim;
                        previsto = n;
                        esperado = n;
                        cortando = true;
                        continue;
                    }
                }
            }
            #[cfg(test)]
            tests::CONTAGEM.with(|c| c.set((c.get().0 + 1, c.get().1)));
            de_pe_ate_agora += 1;
            fluxo.juntar(feito.parcial, feito.achadas);
            if feito.trabalho.ultimo {
                // The list's `]`: the window goes on from there.
                j.buf = feito.trabalho.bytes;
                j.ini = feito.parou_em;
                j.n = fim;
                j.antes = feito.trabalho.desde;
                j.fim = true;
                return Ok(esperado);
            }
            livres.push(feito.trabalho.bytes);
        }
    })
}

/// Reads the list on this thread from movement `i`, which begins the first of `pedacos` (or
/// `resto`, without pieces), at byte `desde` of the file: the pieces' bytes, then `resto`, then
/// the rest of the file, as [`percorrer`] reads it, up to the list's end or, with `ate`, the
/// first movement that begins at that byte of the file or past it.
#[allow(clippy::too_many_arguments)]
fn reler<L: std::io::Read, F: FnMut(Parte, Violacao)>(
    j: &mut Janela<L>,
    fluxo: &mut ValidacaoEmFluxo<'_, F>,
    pedacos: Vec<Trabalho>,
    resto: Vec<u8>,
    desde: usize,
    i: usize,
    fim_do_arquivo: bool,
    ate: Option<usize>,
) -> Result<Parada, String> {
    #[cfg(test)]
    tests::CONTAGEM.with(|c| c.set((c.get().0, c.get().1 + 1)));
    let mut buf = Vec::new();
    for p in pedacos {
        buf.extend_from_slice(&p.bytes);
    }
    buf.extend_from_slice(&resto);
    j.n = buf.len();
    j.buf = buf;
    j.ini = 0;
    j.antes = desde;
    j.fim = fim_do_arquivo;
    percorrer(j, i, fluxo, false, ate)
}

/// Where to cut `b`, the list from a movement's beginning, into a piece for another thread:
/// at the `{` of the first movement that seems to begin at `minimo` or after (after a `}`, a
/// `,`, blanks between), and how many movements seem to begin before it. A guess: a `},{`
/// may be inside a text; [`lista_em_paralelo`] checks the reading of every piece.
fn corte(b: &[u8], minimo: usize) -> Option<(usize, usize)> {
    let brancos = |q: usize| {
        q + b[q.min(b.len())..]
            .iter()
            .take_while(|c| varredura::branco(**c))
            .count()
    };
    let mut movimentos = 0;
    for p in memchr::memchr_iter(b'}', b) {
        let q = brancos(p + 1);
        if b.get(q) != Some(&b',') {
            continue;
        }
        let q = brancos(q + 1);
        if b.get(q) == Some(&b'{') {
            movimentos += 1;
            if q >= minimo {
                return Some((q, movimentos));
            }
        }
    }
    None
}

/// The whole document through serde_json's `io::Read` path: what was read so far, then the
/// rest of the file.
fn ler_inteiro<L: std::io::Read, R: Receptor>(
    j: Janela<L>,
    receptor: &mut R,
) -> Result<Option<Raiz>, String> {
    let Janela {
        leitor,
        mut buf,
        ini,
        n,
        ..
    } = j;
    buf.truncate(n);
    let mut lido = std::io::Cursor::new(buf);
    lido.set_position(ini as u64);
    let mut de = serde_json::Deserializer::from_reader(std::io::Read::chain(lido, leitor));
    ler(&mut de, receptor).map_err(|e| e.to_string())
}

/// Parses movement `i`, which starts at the window's first byte; returns its length.
fn movimento_em_fatia<L: std::io::Read, R: Receptor>(
    j: &mut Janela<L>,
    i: usize,
    receptor: &mut R,
) -> Result<usize, String> {
    let objeto = j.dados().first() == Some(&b'{');
    if objeto {
        // A movement written plainly is read by the scanner, in one pass; anything else (and
        // one the window cuts) by serde_json below.
        let mut m = receptor.rascunho();
        match varredura::movimento(j.dados(), &mut m) {
            Some(usados) => {
                receptor.movimento(i, Some(m), Violacoes::default());
                return Ok(usados);
            }
            None => receptor.devolver(m),
        }
    }
    let mut desde = 1;
    loop {
        // `memchr` (word-at-a-time, SIMD where the CPU has it) rather than a byte-by-byte
        // loop: this scan was the single largest cost of reading a movement.
        let resto = &j.dados()[desde..];
        let fim = if objeto {
            memchr::memchr(b'}', resto)
        } else {
            memchr::memchr2(b',', b']', resto)
        }
        .map(|p| desde + p + usize::from(objeto));
        let Some(fim) = fim else {
            desde = j.dados().len().max(1);
            if j.mais().map_err(|e| e.to_string())? {
                continue;
            }
            // No end in the rest of the file: let serde_json say what is wrong.
            let fatia = j.dados();
            let mut de = serde_json::Deserializer::from_slice(fatia);
            let erro = VisitaMovimento {
                i,
                receptor: &mut Juntar::default(),
            }
            .deserialize(&mut de)
            .and_then(|()| de.end())
            .err()
            .map_or_else(|| "EOF while parsing a list".to_owned(), |e| e.to_string());
            return Err(format!(
                "{erro} (movimentos[{i}], byte {} do arquivo)",
                j.posicao()
            ));
        };
        // The receptor hears of the movement only once it is read whole: a piece cut short
        // fails before (as "EOF") and nothing has been handed over.
        // A piece ends at an ASCII byte, so it is UTF-8 whenever the file is: checked once
        // here, not string by string in the parser (the slice parser, for its message, if not).
        let fatia = &j.dados()[..fim];
        let r = match std::str::from_utf8(fatia) {
            Ok(texto) => um_movimento(serde_json::Deserializer::from_str(texto), i, receptor),
            Err(_) => um_movimento(serde_json::Deserializer::from_slice(fatia), i, receptor),
        };
        match r {
            Ok(()) => return Ok(fim),
            Err(e) if e.is_eof() => desde = fim + usize::from(!objeto),
            Err(e) => {
                return Err(format!(
                    "{e} (movimentos[{i}], byte {} do arquivo)",
                    j.posicao()
                ));
            }
        }
    }
}

/// The field of `m` for the layout's key `k` ([`CHAVES_MOVIMENTO`]).
fn campo(m: &mut MovimentoBruto, k: usize) -> &mut Option<String> {
    match k {
        0 => &mut m.tipo_movimento,
        1 => &mut m.codigo_conta,
        2 => &mut m.data_movimento_original,
        3 => &mut m.tipo_lancamento,
        4 => &mut m.conta_credito,
        5 => &mut m.valor,
        6 => &mut m.data_lancamento,
        _ => &mut m.historico_lancamento,
    }
}

/// Parses one whole movement from `de`, handing it to the receptor.
fn um_movimento<'de, L: serde_json::de::Read<'de>, R: Receptor>(
    mut de: serde_json::Deserializer<L>,
    i: usize,
    receptor: &mut R,
) -> Result<(), serde_json::Error> {
    VisitaMovimento { i, receptor }.deserialize(&mut de)?;
    de.end()
}

/// Where the `movimentos` list opens in the document's beginning `b` (just past its `[`), if
/// `b` is a JSON object whose keys up to `"movimentos"` are plain and complete.
fn inicio_da_lista(b: &[u8]) -> Option<usize> {
    let mut p = b.iter().take_while(|c| varredura::branco(**c)).count();
    if b.get(p) != Some(&b'{') {
        return None;
    }
    p += 1;
    // Keys and values of depth 1, skipped by a small scanner (strings, nesting).
    let mut profundidade = 1usize;
    let mut chave = true;
    while p < b.len() {
        match b[p] {
            b'"' => {
                let ini = p;
                p += 1;
                while p < b.len() && b[p] != b'"' {
                    p += if b[p] == b'\\' { 2 } else { 1 };
                }
                if p >= b.len() {
                    return None;
                }
                p += 1;
                if profundidade == 1 && chave {
                    let nome = &b[ini..p];
                    let mut q = p + b[p..].iter().take_while(|c| varredura::branco(**c)).count();
                    if nome == b"\"movimentos\"" && b.get(q) == Some(&b':') {
                        q += 1;
                        q += b[q..].iter().take_while(|c| varredura::branco(**c)).count();
                        return (b.get(q) == Some(&b'[')).then_some(q + 1);
                    }
                }
                continue;
            }
            b'{' | b'[' => profundidade += 1,
            b'}' | b']' => {
                profundidade = profundidade.checked_sub(1)?;
                if profundidade == 0 {
                    return None;
                }
            }
            b':' if profundidade == 1 => chave = false,
            b',' if profundidade == 1 => chave = true,
            _ => {}
        }
        p += 1;
    }
    None
}

/// A window over a reader: `buf[ini..n]` holds the bytes read and not yet consumed.
struct Janela<L> {
    leitor: L,
    buf: Vec<u8>,
    ini: usize,
    n: usize,
    fim: bool,
    /// Bytes dropped from the window's front, for positions in messages.
    antes: usize,
}

impl Janela<std::io::Empty> {
    /// A window over a piece already read, which began at byte `desde` of the file.
    fn de_pedaco(buf: Vec<u8>, desde: usize) -> Self {
        Janela {
            leitor: std::io::empty(),
            n: buf.len(),
            buf,
            ini: 0,
            fim: true,
            antes: desde,
        }
    }
}

impl<L: std::io::Read> Janela<L> {
    fn new(leitor: L) -> Self {
        Janela {
            leitor,
            buf: Vec::new(),
            ini: 0,
            n: 0,
            fim: false,
            antes: 0,
        }
    }

    fn dados(&self) -> &[u8] {
        &self.buf[self.ini..self.n]
    }

    fn avancar(&mut self, n: usize) {
        self.ini += n;
    }

    /// The file position of the window's first byte.
    /// Skips blanks, reading more while the window holds only blanks.
    fn pular_brancos(&mut self) -> Result<(), String> {
        let brancos = loop {
            let b = self
                .dados()
                .iter()
                .take_while(|b| varredura::branco(**b))
                .count();
            if b < self.dados().len() || !self.mais().map_err(|e| e.to_string())? {
                break b;
            }
        };
        self.avancar(brancos);
        Ok(())
    }

    fn posicao(&self) -> usize {
        self.antes + self.ini
    }

    /// Reads until the window holds at least `n` bytes (`true`) or the file ends (`false`).
    fn ao_menos(&mut self, n: usize) -> std::io::Result<bool> {
        while self.dados().len() < n {
            if !self.mais()? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Reads more; `false` at the end of the file.
    fn mais(&mut self) -> std::io::Result<bool> {
        const BLOCO: usize = 256 * 1024;
        if self.fim {
            return Ok(false);
        }
        if self.n == self.buf.len() {
            // Full: move the unread bytes to the front, and grow only if they fill it.
            self.buf.copy_within(self.ini..self.n, 0);
            self.antes += self.ini;
            self.n -= self.ini;
            self.ini = 0;
            if self.n + BLOCO / 2 > self.buf.len() {
                self.buf.resize(self.buf.len().max(BLOCO) * 2, 0);
            }
        }
        let lidos = loop {
            match self.leitor.read(&mut self.buf[self.n..]) {
                Ok(k) => break k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        self.n += lidos;
        self.fim = lidos == 0;
        Ok(!self.fim)
    }
}

/// The first 60 characters of a value's compact JSON, for a violation's `valor`.
fn resumo(v: &Value) -> String {
    curto(v.to_string())
}

fn curto(s: String) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// A key of an object whose layout is `chaves`.
enum Chave {
    /// The layout's key at this index.
    Conhecida(usize),
    /// A key not in the layout.
    Desconhecida(String),
    /// Not a key: the value is a number (see [`CHAVE_NUMERO`]).
    Numero,
}

/// Reads a key of the layout `.0`, trying `.1` (the key expected next) first.
struct LerChave(&'static [&'static str; 8], usize);

impl<'de> DeserializeSeed<'de> for LerChave {
    type Value = Chave;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Chave, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for LerChave {
    type Value = Chave;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("uma chave")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Chave, E> {
        if self.0.get(self.1) == Some(&v) {
            return Ok(Chave::Conhecida(self.1));
        }
        Ok(match self.0.iter().position(|&c| c == v) {
            Some(i) => Chave::Conhecida(i),
            None if v == CHAVE_NUMERO => Chave::Numero,
            None => Chave::Desconhecida(v.to_owned()),
        })
    }
}

/// A scalar where the layout expects text or a number.
enum Escalar {
    /// A string verbatim, or a number's exact JSON text.
    Texto(String),
    /// `null`: the same as absent.
    Nulo,
    /// Anything else, summarised.
    Outro(String),
}

/// The methods of a visitor for the JSON types it does not expect: each becomes
/// `self.outro(summary)`.
macro_rules! senao_outro {
    (escalares) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(self.outro(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(self.outro(v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(self.outro(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(self.outro(Value::from(v).to_string()))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(self.outro(resumo(&Value::String(v.to_owned()))))
        }
    };
    (lista) => {
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            let v = Value::deserialize(SeqAccessDeserializer::new(seq))?;
            Ok(self.outro(resumo(&v)))
        }
    };
    (objeto) => {
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let v = Value::deserialize(MapAccessDeserializer::new(map))?;
            Ok(self.outro(resumo(&v)))
        }
    };
}

struct LerEscalar;

impl LerEscalar {
    fn outro(self, resumo: String) -> Escalar {
        Escalar::Outro(resumo)
    }
}

impl<'de> Visitor<'de> for LerEscalar {
    type Value = Escalar;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("texto ou número")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Escalar, E> {
        Ok(Escalar::Texto(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Escalar, E> {
        Ok(Escalar::Texto(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Escalar, E> {
        Ok(Escalar::Nulo)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Escalar, E> {
        Ok(self.outro(v.to_string()))
    }
    // Without `arbitrary_precision` serde_json would hand numbers over as these.
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Escalar, E> {
        Ok(Escalar::Texto(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Escalar, E> {
        Ok(Escalar::Texto(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Escalar, E> {
        Ok(Escalar::Texto(v.to_string()))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Escalar, A::Error> {
        Ok(match Value::deserialize(MapAccessDeserializer::new(map))? {
            Value::Number(n) => Escalar::Texto(n.to_string()),
            outro => self.outro(resumo(&outro)),
        })
    }
    senao_outro!(lista);
}

impl<'de> Deserialize<'de> for Escalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Escalar, D::Error> {
        d.deserialize_any(LerEscalar)
    }
}

/// A movement's field read into its place, reusing the string already there: `None` when it is
/// text, a number or `null`, the value's summary when it is of another type (the field is then
/// absent).
struct EmCampo<'c>(&'c mut Option<String>);

impl EmCampo<'_> {
    fn texto(self, v: &str) -> Option<String> {
        match self.0 {
            Some(s) => {
                s.clear();
                s.push_str(v);
            }
            None => *self.0 = Some(v.to_owned()),
        }
        None
    }

    fn outro(self, resumo: String) -> Option<String> {
        *self.0 = None;
        Some(resumo)
    }
}

impl<'de> DeserializeSeed<'de> for EmCampo<'_> {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EmCampo<'_> {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("texto ou número")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<String>, E> {
        Ok(self.texto(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<String>, E> {
        *self.0 = None;
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<String>, E> {
        Ok(self.outro(v.to_string()))
    }
    // Without `arbitrary_precision` serde_json would hand numbers over as these.
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<String>, E> {
        Ok(self.texto(&v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<String>, E> {
        Ok(self.texto(&v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<String>, E> {
        Ok(self.texto(&v.to_string()))
    }
    /// A number (its exact text under [`CHAVE_NUMERO`]), or an object: the wrong type.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
        let Some(primeira) = map.next_key::<String>()? else {
            return Ok(self.outro("{}".to_owned()));
        };
        if primeira == CHAVE_NUMERO {
            return map.next_value_seed(self);
        }
        let mut o = Map::new();
        o.insert(primeira, map.next_value::<Value>()?);
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            o.insert(k, v);
        }
        Ok(self.outro(resumo(&Value::Object(o))))
    }
    senao_outro!(lista);
}

/// The root object: the header fields, and each movement handed to the receptor as it is read.
/// `None` when the root is not an object.
struct VisitaRaiz<'r, R> {
    receptor: &'r mut R,
}

impl<R> VisitaRaiz<'_, R> {
    fn outro(self, _resumo: String) -> Option<Raiz> {
        None
    }
}

impl<'de, R: Receptor> Visitor<'de> for VisitaRaiz<'_, R> {
    type Value = Option<Raiz>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("o pacote (um objeto)")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<Raiz>, E> {
        Ok(None)
    }
    senao_outro!(escalares);
    senao_outro!(lista);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Raiz>, A::Error> {
        let mut cabecalho = PacoteBruto::default();
        let mut forma = Violacoes::default();
        let mut tipos: Vec<(usize, Violacao)> = Vec::new();
        let mut vistas = [false; 8];
        let mut lista = Lista::Ausente;
        while let Some(chave) = map.next_key_seed(LerChave(&CHAVES_PACOTE, 0))? {
            let k = match chave {
                Chave::Numero => {
                    map.next_value::<IgnoredAny>()?;
                    return Ok(None);
                }
                Chave::Desconhecida(nome) => {
                    desconhecida(&mut forma, nome);
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                Chave::Conhecida(k) => k,
            };
            if std::mem::replace(&mut vistas[k], true) {
                tipos.push((k, repetida(CHAVES_PACOTE[k].to_owned())));
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if k == MOVIMENTOS {
                lista = map.next_value_seed(VisitaLista {
                    receptor: &mut *self.receptor,
                })?;
                continue;
            }
            let destino = match k {
                0 => &mut cabecalho.cod_entidade,
                1 => &mut cabecalho.ano_exercicio,
                2 => &mut cabecalho.id_pacote,
                3 => &mut cabecalho.empresa_envio,
                4 => &mut cabecalho.data_movimento,
                5 => &mut cabecalho.data_exportacao,
                _ => &mut cabecalho.usuario_exportacao,
            };
            match map.next_value::<Escalar>()? {
                Escalar::Texto(t) => *destino = Some(t),
                Escalar::Nulo => {}
                Escalar::Outro(r) => tipos.push((k, mal_tipado(CHAVES_PACOTE[k].to_owned(), r))),
            }
        }
        tipos.sort_by_key(|(k, _)| *k);
        forma.0.extend(tipos.into_iter().map(|(_, v)| v));
        Ok(Some(Raiz {
            cabecalho,
            forma,
            lista,
        }))
    }
}

fn desconhecida(e: &mut Violacoes, campo: String) {
    e.add(
        campo,
        Regra::CampoDesconhecido,
        "chave que não existe no leiaute do pacote",
        "",
    );
}

fn repetida(campo: String) -> Violacao {
    Violacao::new(
        campo,
        Regra::CampoRepetido,
        "chave repetida: o campo teria dois valores (o JSON só admite um)",
        "",
    )
}

fn mal_tipado(campo: String, resumo: String) -> Violacao {
    Violacao::new(
        campo,
        Regra::TipoInvalido,
        "esperava texto ou número",
        resumo,
    )
}

/// The `movimentos` value: a list whose elements go to the receptor one by one.
struct VisitaLista<'r, R> {
    receptor: &'r mut R,
}

impl<'de, R: Receptor> DeserializeSeed<'de> for VisitaLista<'_, R> {
    type Value = Lista;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Lista, D::Error> {
        d.deserialize_any(self)
    }
}

impl<R> VisitaLista<'_, R> {
    fn outro(self, resumo: String) -> Lista {
        Lista::Outra(resumo)
    }
}

impl<'de, R: Receptor> Visitor<'de> for VisitaLista<'_, R> {
    type Value = Lista;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a lista de movimentos")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Lista, E> {
        Ok(Lista::Ausente)
    }
    senao_outro!(escalares);
    senao_outro!(objeto);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Lista, A::Error> {
        let mut i = 0;
        while seq
            .next_element_seed(VisitaMovimento {
                i,
                receptor: &mut *self.receptor,
            })?
            .is_some()
        {
            i += 1;
        }
        Ok(Lista::Lida(i))
    }
}

/// Movement `i`: read into a [`MovimentoBruto`] and handed to the receptor.
struct VisitaMovimento<'r, R> {
    i: usize,
    receptor: &'r mut R,
}

impl<'de, R: Receptor> DeserializeSeed<'de> for VisitaMovimento<'_, R> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<R: Receptor> VisitaMovimento<'_, R> {
    fn outro(self, resumo: String) {
        let mut e = Violacoes::default();
        e.add(
            format!("movimentos[{}]", self.i),
            Regra::TipoInvalido,
            "cada movimento é um objeto",
            resumo,
        );
        self.receptor.movimento(self.i, None, e);
    }
}

impl<'de, R: Receptor> Visitor<'de> for VisitaMovimento<'_, R> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("um movimento (um objeto)")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.outro("null".to_owned());
        Ok(())
    }
    senao_outro!(escalares);
    senao_outro!(lista);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let i = self.i;
        let caminho = |k: usize| format!("movimentos[{i}].{}", CHAVES_MOVIMENTO[k]);
        let mut m = self.receptor.rascunho();
        let mut forma = Violacoes::default();
        let mut tipos: Vec<(usize, Violacao)> = Vec::new();
        let mut vistas = [false; 8];
        let mut proxima = 0;
        while let Some(chave) = map.next_key_seed(LerChave(&CHAVES_MOVIMENTO, proxima))? {
            let k = match chave {
                Chave::Numero => {
                    let texto = map.next_value::<String>()?;
                    self.outro(curto(texto));
                    return Ok(());
                }
                Chave::Desconhecida(nome) => {
                    desconhecida(&mut forma, format!("movimentos[{i}].{nome}"));
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                Chave::Conhecida(k) => k,
            };
            if std::mem::replace(&mut vistas[k], true) {
                tipos.push((k, repetida(caminho(k))));
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let destino = campo(&mut m, k);
            proxima = k + 1;
            if let Some(r) = map.next_value_seed(EmCampo(destino))? {
                tipos.push((k, mal_tipado(caminho(k), r)));
            }
        }
        // The scratch movement may hold the text of the previous one: what this one lacks is
        // absent.
        for (k, _) in vistas.iter().enumerate().filter(|(_, v)| !**v) {
            *campo(&mut m, k) = None;
        }
        tipos.sort_by_key(|(k, _)| *k);
        forma.0.extend(tipos.into_iter().map(|(_, v)| v));
        self.receptor.movimento(i, Some(m), forma);
        Ok(())
    }
}

impl Pacote {
    /// Writes the pacote JSON as the manual's example shows it: `anoExercicio`, `idPacote` and
    /// `valor` as JSON numbers (exact), dates `DD/MM/AAAA`, a blank `dataMovimentoOriginal` as
    /// `""`.
    pub fn para_json(&self) -> String {
        let movimentos: Vec<Value> = self.movimentos().iter().map(movimento_json).collect();
        let mut o = Map::new();
        o.insert("codEntidade".into(), self.cod_entidade().into());
        o.insert("anoExercicio".into(), self.ano_exercicio().into());
        o.insert("idPacote".into(), self.id_pacote().into());
        o.insert("empresaEnvio".into(), self.empresa_envio().into());
        o.insert(
            "dataMovimento".into(),
            self.data_movimento().to_string().into(),
        );
        o.insert(
            "dataExportacao".into(),
            self.data_exportacao().to_string().into(),
        );
        o.insert("usuarioExportacao".into(), self.usuario_exportacao().into());
        o.insert("movimentos".into(), Value::Array(movimentos));
        Value::Object(o).to_string()
    }
}

fn movimento_json(m: &crate::conam::Movimento) -> Value {
    let valor = m.valor().decimal().normalize().to_string();
    let numero = valor
        .parse::<Number>()
        .map_or(Value::String(valor), Value::Number);
    let mut o = Map::new();
    o.insert(
        "tipoMovimento".into(),
        m.tipo_movimento().codigo().to_string().into(),
    );
    o.insert("codigoConta".into(), m.codigo_conta().into());
    let original = m
        .data_movimento_original()
        .map(|d| d.to_string())
        .unwrap_or_default();
    o.insert("dataMovimentoOriginal".into(), original.into());
    o.insert(
        "tipoLancamento".into(),
        m.tipo_lancamento().to_string().into(),
    );
    o.insert("contaCredito".into(), m.conta_credito().into());
    o.insert("valor".into(), numero);
    o.insert(
        "dataLancamento".into(),
        m.data_lancamento().to_string().into(),
    );
    o.insert(
        "historicoLancamento".into(),
        m.historico_lancamento().into(),
    );
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estrategias::conam::pacote_valido;
    use proptest::prelude::*;

    const MANUAL: &str = include_str!("../../tests/vetores/conam-manual-1.json");

    /// What `validar_em_fluxo` reports, the pacote's own violations first (the order of
    /// `validar`), and its summary.
    fn em_fluxo(json: &str) -> (Vec<Violacao>, Option<ResumoPacote>) {
        let mut v = Vec::new();
        let r = PacoteBruto::validar_em_fluxo(json.as_bytes(), Tabela2::oficial(), |p, x| {
            v.push((p, x))
        });
        v.sort_by_key(|(p, _)| *p);
        (v.into_iter().map(|(_, x)| x).collect(), r)
    }

    /// A reader that hands over at most 7 bytes at a time: pieces cut anywhere.
    struct Gotas<'a>(&'a [u8]);

    impl std::io::Read for Gotas<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(7).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn em_gotas(json: &str) -> (Vec<Violacao>, Option<ResumoPacote>) {
        let mut v = Vec::new();
        let leitor = std::io::BufReader::with_capacity(5, Gotas(json.as_bytes()));
        let r = PacoteBruto::validar_em_fluxo(leitor, Tabela2::oficial(), |p, x| v.push((p, x)));
        v.sort_by_key(|(p, _)| *p);
        (v.into_iter().map(|(_, x)| x).collect(), r)
    }

    #[test]
    fn pieces_are_found_whatever_the_text_holds() {
        let chaves = MANUAL.replace("recebimento de iptu", "a}, b} ] \\\" }, {");
        let (v, r) = em_fluxo(&chaves);
        assert!(v.is_empty() && r.is_some(), "{v:?}");
        assert_eq!(em_gotas(&chaves), (v, r));
        let fora = MANUAL.replace(
            "\"valor\": 2500.5,",
            "\"valor\": {\"a\": {\"b\": [1, \"}\"]}},",
        );
        let (v, _) = em_fluxo(&fora);
        assert_eq!(v[0].campo, "movimentos[0].valor");
        assert_eq!(v[0].valor, r#"{"a":{"b":[1,"}"]}}"#);
        let lista = MANUAL.replace("  ]\n}", "  , [1, [2, \"]\"]], \"x,y\", 5, null]\n}");
        let (v, _) = em_fluxo(&lista);
        let campos: Vec<_> = v.iter().map(|x| x.campo.as_str()).collect();
        assert_eq!(
            campos,
            [
                "movimentos[1]",
                "movimentos[2]",
                "movimentos[3]",
                "movimentos[4]"
            ]
        );
        assert_eq!(em_gotas(&lista).0, v);
        // The header after the list, a key escaped: the same verdicts, by either path.
        let depois = r#"{"movimentos": [], "idPacote": 0, "x": 1}"#;
        let escapada = r#"{"idPacote": 0, "movi\u006dentos": [], "x": 1}"#;
        let (a, b) = (em_fluxo(depois), em_fluxo(escapada));
        assert_eq!(a, b);
        assert!(a.0.iter().any(|x| x.campo == "x"), "{a:?}");
        for ruim in [
            MANUAL.replace("  ]\n}", ",]}"),
            MANUAL.replace("  ]\n}", "] 7"),
            MANUAL.replace("\"valor\": 2500.5,", "\"valor\": 2500.5 1,"),
            MANUAL.replace("\"idPacote\": 1,", "\"idPacote\": 1 1,"),
        ] {
            let (v, r) = em_fluxo(&ruim);
            assert!(
                r.is_none() && v.iter().any(|x| x.regra == Regra::JsonInvalido),
                "{ruim}: {v:?}"
            );
            assert_eq!(em_gotas(&ruim), (v, r));
        }
    }

    #[test]
    fn a_key_written_twice_is_refused_naming_its_path() {
        let dois = MANUAL.replace("\"valor\": 2500.5,", "\"valor\": 2500.5, \"valor\": 1,");
        assert_ne!(dois, MANUAL);
        let v = PacoteBruto::de_json(&dois).unwrap_err();
        assert!(v.contem("movimentos[0].valor", Regra::CampoRepetido), "{v}");
        let (v, r) = em_fluxo(&dois);
        assert_eq!(r, None);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(
            (v[0].campo.as_str(), v[0].regra),
            ("movimentos[0].valor", Regra::CampoRepetido)
        );
        let dois = MANUAL.replace("\"idPacote\": 1,", "\"idPacote\": 1, \"idPacote\": 2,");
        let v = PacoteBruto::de_json(&dois).unwrap_err();
        assert!(v.contem("idPacote", Regra::CampoRepetido), "{v}");
        let dois = MANUAL.replace("\"movimentos\": [", "\"movimentos\": [], \"movimentos\": [");
        let v = PacoteBruto::de_json(&dois).unwrap_err();
        assert!(v.contem("movimentos", Regra::CampoRepetido), "{v}");
    }

    #[test]
    fn a_movement_read_into_the_last_valid_ones_texts_keeps_none_of_them() {
        // The second movement is read into the first one's eight strings: each key it lacks
        // must be reported absent, not taken from the first.
        let m = serde_json::json!({
            "tipoMovimento": "R", "codigoConta": "1.1.1.8.01.1.1.0002",
            "dataMovimentoOriginal": "", "tipoLancamento": "11-01-001",
            "contaCredito": "45001", "valor": 271.43, "dataLancamento": "01/07/2022",
            "historicoLancamento": "primeiro"
        });
        let mut raiz: Value = serde_json::from_str(MANUAL).unwrap();
        raiz["movimentos"] = serde_json::json!([m, {"historicoLancamento": "segundo"}]);
        let (v, r) = em_fluxo(&raiz.to_string());
        assert_eq!(r, None);
        let ausentes: Vec<&str> = v
            .iter()
            .filter(|x| x.regra == Regra::Obrigatorio)
            .map(|x| x.campo.as_str())
            .collect();
        for chave in [
            "tipoMovimento",
            "codigoConta",
            "tipoLancamento",
            "contaCredito",
        ] {
            let campo = format!("movimentos[1].{chave}");
            assert!(ausentes.contains(&campo.as_str()), "{campo}: {v:?}");
        }
        for chave in ["valor", "dataLancamento"] {
            let campo = format!("movimentos[1].{chave}");
            assert!(v.iter().any(|x| x.campo == campo), "{campo}: {v:?}");
        }
        assert!(
            v.iter().all(|x| x.campo.starts_with("movimentos[1].")),
            "{v:?}"
        );
    }

    #[test]
    fn a_utf8_bom_is_accepted() {
        let com_bom = format!("\u{FEFF}{MANUAL}");
        assert_eq!(PacoteBruto::de_json(&com_bom), PacoteBruto::de_json(MANUAL));
        assert!(em_fluxo(&com_bom).1.is_some());
    }

    #[test]
    fn the_manual_example_streams_to_its_summary() {
        let esperado = PacoteBruto::de_json(MANUAL)
            .unwrap()
            .validar(Tabela2::oficial())
            .unwrap()
            .resumo();
        assert_eq!(em_fluxo(MANUAL), (Vec::new(), Some(esperado)));
    }

    #[test]
    fn numbers_keep_their_exact_text_and_are_not_objects() {
        let exato = MANUAL.replace("2500.5", "0.10000000000000000000000001");
        let p = PacoteBruto::de_json(&exato).unwrap();
        assert_eq!(
            p.movimentos[0].valor.as_deref(),
            Some("0.10000000000000000000000001")
        );
        let v = PacoteBruto::de_json(r#"{"movimentos": [5, 1e400, null]}"#).unwrap_err();
        assert!(v.contem("movimentos[0]", Regra::TipoInvalido), "{v}");
        assert!(v.contem("movimentos[1]", Regra::TipoInvalido), "{v}");
        assert!(v.contem("movimentos[2]", Regra::TipoInvalido), "{v}");
        assert_eq!(v.iter().next().map(|x| x.valor.as_str()), Some("5"));
        for raiz in ["5", "\"x\"", "null", "[]", "true"] {
            let v = PacoteBruto::de_json(raiz).unwrap_err();
            assert!(v.contem("$", Regra::RaizInvalida), "{raiz}: {v}");
            let (v, _) = em_fluxo(raiz);
            assert_eq!(v.len(), 1, "{raiz}");
            assert_eq!(v[0].regra, Regra::RaizInvalida, "{raiz}");
        }
    }

    #[test]
    fn trailing_text_and_a_cut_file_are_malformed_json() {
        for ruim in [format!("{MANUAL} x"), MANUAL[..MANUAL.len() / 2].to_owned()] {
            let v = PacoteBruto::de_json(&ruim).unwrap_err();
            assert!(v.contem("$", Regra::JsonInvalido), "{v}");
            let (v, r) = em_fluxo(&ruim);
            assert_eq!(r, None);
            assert!(v.iter().any(|x| x.regra == Regra::JsonInvalido), "{v:?}");
        }
    }

    #[test]
    fn a_stream_reports_each_movement_before_the_file_breaks() {
        let ruim = MANUAL.replace("\"R\"", "\"X\"").replace("  ]\n}", "  ,");
        let (v, r) = em_fluxo(&ruim);
        assert_eq!(r, None);
        let regras: Vec<_> = v.iter().map(|x| (x.campo.as_str(), x.regra)).collect();
        assert_eq!(
            regras,
            [
                ("$", Regra::JsonInvalido),
                ("movimentos[0].tipoMovimento", Regra::ConamTipoMovimento)
            ]
        );
    }

    /// The pacote as JSON, key by key, with `mexer` applied to the object it names (`None`:
    /// the root; `Some(i)`: movement `i`).
    fn escrever(
        p: &PacoteBruto,
        alvo: Option<usize>,
        mexer: &dyn Fn(&mut Map<String, Value>),
    ) -> String {
        let texto = |t: &Option<String>| t.clone().map_or(Value::Null, Value::String);
        let movimentos: Vec<Value> = p
            .movimentos
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mut o = Map::new();
                for (k, v) in CHAVES_MOVIMENTO.iter().zip([
                    &m.tipo_movimento,
                    &m.codigo_conta,
                    &m.data_movimento_original,
                    &m.tipo_lancamento,
                    &m.conta_credito,
                    &m.valor,
                    &m.data_lancamento,
                    &m.historico_lancamento,
                ]) {
                    o.insert((*k).to_owned(), texto(v));
                }
                if alvo == Some(i) {
                    mexer(&mut o);
                }
                Value::Object(o)
            })
            .collect();
        let mut o = Map::new();
        for (k, v) in CHAVES_PACOTE.iter().zip([
            &p.cod_entidade,
            &p.ano_exercicio,
            &p.id_pacote,
            &p.empresa_envio,
            &p.data_movimento,
            &p.data_exportacao,
            &p.usuario_exportacao,
        ]) {
            o.insert((*k).to_owned(), texto(v));
        }
        o.insert("movimentos".to_owned(), Value::Array(movimentos));
        if alvo.is_none() {
            mexer(&mut o);
        }
        Value::Object(o).to_string()
    }

    fn valor_ruim() -> impl Strategy<Value = Option<Value>> {
        prop_oneof![
            Just(None),
            Just(Some(Value::Null)),
            Just(Some(Value::Bool(true))),
            Just(Some(serde_json::json!({"a": 1}))),
            Just(Some(serde_json::json!([1]))),
            Just(Some(serde_json::json!(""))),
            Just(Some(serde_json::json!("X"))),
            Just(Some(serde_json::json!("31/02/2022"))),
            Just(Some(serde_json::json!("99-99-999"))),
            Just(Some(serde_json::json!(-1))),
            Just(Some(serde_json::json!(0))),
            Just(Some(
                serde_json::from_str::<Value>("0.001").unwrap_or(Value::Null)
            )),
        ]
    }

    thread_local! {
        /// Pieces read on other threads whose reading stood, and readings taken over by the
        /// caller's thread, on this thread so far.
        pub(super) static CONTAGEM: std::cell::Cell<(usize, usize)> =
            const { std::cell::Cell::new((0, 0)) };
    }

    #[test]
    fn a_large_list_is_read_on_other_threads_and_taken_over_where_a_text_looks_like_a_cut() {
        let movimento = MANUAL
            .split_once("\"movimentos\": [")
            .and_then(|(_, m)| m.split_once("  ]"))
            .map(|(m, _)| m.trim().trim_end_matches(','))
            .unwrap_or_default();
        assert!(
            movimento.starts_with('{') && movimento.ends_with('}'),
            "{movimento}"
        );
        let lista = vec![movimento; 200].join(",\n");
        let grande = MANUAL.replacen(movimento, &lista, 1);
        let contagem = || CONTAGEM.with(std::cell::Cell::get);
        let antes = contagem();
        let um = com_fios(&grande, 1, 4096);
        assert_eq!(contagem(), antes, "one thread: no pieces");
        assert_eq!(com_fios(&grande, 3, 4096), um);
        let (aceitos, releituras) = contagem();
        assert!(
            aceitos - antes.0 > 10 && releituras == antes.1,
            "{:?}",
            contagem()
        );
        // Texts with a `},{` early in the list: the pieces they fall in are read here, and
        // the pieces after them are handed out again.
        let cortado = movimento.replace("recebimento de iptu", "a}, {b");
        let mut lista = vec![movimento; 20];
        lista.extend(vec![cortado.as_str(); 5]);
        lista.extend(vec![movimento; 175]);
        let texto = MANUAL.replacen(movimento, &lista.join(",\n"), 1);
        let um = com_fios(&texto, 1, 4096);
        let antes = contagem();
        assert_eq!(com_fios(&texto, 2, 4096), um);
        let (aceitos, releituras) = contagem();
        let por_pedaco = 4096 / movimento.len();
        assert!(
            releituras > antes.1 && aceitos - antes.0 > 150 / por_pedaco,
            "{:?} antes {antes:?}",
            contagem()
        );
    }

    /// Every call `validar_em_fluxo_com` makes, in order, and its summary.
    fn com_fios(
        json: &str,
        fios: usize,
        pedaco: usize,
    ) -> (Vec<(Parte, Violacao)>, Option<ResumoPacote>) {
        let mut v = Vec::new();
        let r = PacoteBruto::validar_em_fluxo_com(
            json.as_bytes(),
            Tabela2::oficial(),
            |p, x| v.push((p, x)),
            fios,
            pedaco,
        );
        (v, r)
    }

    /// What can go wrong in a pacote besides a bad value: the text of a movement that looks
    /// like the place between two movements, an element that is not an object, a file cut.
    #[derive(Clone, Debug)]
    enum Estrago {
        Nenhum,
        /// `historicoLancamento` of movement `.0` holds a `},{` (with blanks).
        TextoComCorte(usize),
        /// Something else than an object inserted in the list at `.0`.
        NaoObjeto(usize, Value),
        /// The file ends after this fraction (in thousandths) of its bytes.
        Cortado(usize),
    }

    fn estrago() -> impl Strategy<Value = Estrago> {
        prop_oneof![
            3 => Just(Estrago::Nenhum),
            2 => (0usize..60).prop_map(Estrago::TextoComCorte),
            1 => (0usize..60, prop_oneof![Just(Value::Null), Just(serde_json::json!(7)),
                Just(serde_json::json!(["}", {"a": 1}])), Just(serde_json::json!("},{"))])
                .prop_map(|(i, v)| Estrago::NaoObjeto(i, v)),
            1 => (1usize..1000).prop_map(Estrago::Cortado),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Reading on several threads gives, call for call, what one thread gives: the same
        /// violations in the same order and the same summary, with bad values spread over
        /// many pieces, texts that look like a cut, non-objects in the list, a file cut short,
        /// compact or indented JSON, pieces of any size.
        #[test]
        fn threads_report_exactly_what_one_thread_reports(
            p in pacote_valido(50),
            estragos in prop::collection::vec((0usize..60, 0usize..9, valor_ruim()), 0..6),
            estrago in estrago(),
            indentado in any::<bool>(),
            fios in 2usize..5,
            pedaco in 1usize..3000,
        ) {
            let mut raiz: Value = serde_json::from_str(&escrever(&p, None, &|_| {}))
                .unwrap_or(Value::Null);
            if let Some(Value::Array(movimentos)) = raiz.get_mut("movimentos") {
                for (i, chave, valor) in &estragos {
                    let Some(Value::Object(o)) = movimentos.get_mut(*i) else { continue };
                    let nome = if *chave == 8 { "extra" } else { CHAVES_MOVIMENTO[*chave] };
                    match valor {
                        None => { o.remove(nome); }
                        Some(v) => { o.insert(nome.to_owned(), v.clone()); }
                    }
                }
                match &estrago {
                    Estrago::TextoComCorte(i) => {
                        if let Some(Value::Object(o)) = movimentos.get_mut(*i) {
                            o.insert(
                                "historicoLancamento".to_owned(),
                                Value::String("a} , {\"b\": 1}, {x".to_owned()),
                            );
                        }
                    }
                    Estrago::NaoObjeto(i, v) => {
                        let i = (*i).min(movimentos.len());
                        movimentos.insert(i, v.clone());
                    }
                    Estrago::Nenhum | Estrago::Cortado(_) => {}
                }
            }
            let mut json = if indentado {
                serde_json::to_string_pretty(&raiz).unwrap_or_default()
            } else {
                raiz.to_string()
            };
            if let Estrago::Cortado(milesimos) = estrago {
                let mut n = json.len() * milesimos / 1000;
                while !json.is_char_boundary(n) {
                    n -= 1;
                }
                json.truncate(n);
            }
            let um = com_fios(&json, 1, pedaco);
            prop_assert_eq!(com_fios(&json, fios, pedaco), um.clone());
            prop_assert_eq!(com_fios(&json, fios, 1 << 20), um);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Streaming is the in-memory path, object by object: on a pacote whose shape is right
        /// it reports exactly what `de_json` then `validar` report (the pacote's own first), and
        /// the same summary; with a shape violation, it reports every one `de_json` reports.
        #[test]
        fn streaming_reports_what_the_in_memory_path_reports(
            p in pacote_valido(8),
            alvo in prop::option::of(0usize..10),
            chave in 0usize..9,
            valor in valor_ruim(),
        ) {
            let alvo = alvo.filter(|&i| i < p.movimentos.len());
            let nome = match (alvo, chave) {
                (_, 8) => "extra",
                (None, k) => CHAVES_PACOTE[k % 7],
                (Some(_), k) => CHAVES_MOVIMENTO[k],
            };
            let json = escrever(&p, alvo, &|o| match &valor {
                None => { o.remove(nome); }
                Some(v) => { o.insert(nome.to_owned(), v.clone()); }
            });
            let (v, resumo) = em_fluxo(&json);
            prop_assert_eq!(em_gotas(&json), (v.clone(), resumo.clone()));
            match PacoteBruto::de_json(&json) {
                Ok(bruto) => match bruto.validar(Tabela2::oficial()) {
                    Ok(pacote) => {
                        prop_assert!(v.is_empty(), "{v:?}");
                        prop_assert_eq!(resumo, Some(pacote.resumo()));
                    }
                    Err(e) => {
                        prop_assert_eq!(v, e.0);
                        prop_assert_eq!(resumo, None);
                    }
                },
                Err(forma) => {
                    prop_assert_eq!(resumo, None);
                    for x in forma.iter() {
                        prop_assert!(v.contains(x), "{x} não veio no fluxo: {v:?}");
                    }
                }
            }
        }
    }
}
