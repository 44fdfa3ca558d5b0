//! The page: A4, the standard Helvetica pair in WinAnsiEncoding, the blocks top to bottom.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use qrcode::{Color, EcLevel, QrCode};
use rust_decimal::Decimal;

use crate::formato::{chave_agrupada, data, data_hora, documento, moeda, percentual};
use crate::leitura::NfseLida;
use crate::{ErroDanfse, Situacao, URL_CONSULTA, marcas_dagua};

const LARGURA: f32 = 595.28;
const ALTURA: f32 = 841.89;
const MARGEM: f32 = 28.0;
const UTIL: f32 = LARGURA - 2.0 * MARGEM;
const LINHA: f32 = 22.0;
const TRACO: &str = "—";

const REGULAR: Name<'static> = Name(b"F1");
const NEGRITO: Name<'static> = Name(b"F2");

/// Helvetica's advance widths (per 1000 em) for ASCII 32–126; other characters count as 556.
const LARGURAS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// The width of `texto` in points at `tamanho` (bold counted 6% wider, close enough to wrap).
pub(crate) fn largura(texto: &str, tamanho: f32, negrito: bool) -> f32 {
    let milesimos: u32 = texto
        .chars()
        .map(|c| {
            let i = c as u32;
            if (32..127).contains(&i) {
                u32::from(LARGURAS[(i - 32) as usize])
            } else {
                556
            }
        })
        .sum();
    let fator = if negrito { 1.06 } else { 1.0 };
    milesimos as f32 * tamanho / 1000.0 * fator
}

/// The text in Windows-1252 (the PDF's WinAnsiEncoding); a character outside it becomes `?`.
pub(crate) fn winansi(texto: &str) -> Vec<u8> {
    let mut saida = Vec::with_capacity(texto.len());
    let mut buffer = [0u8; 4];
    for c in texto.chars() {
        let (bytes, _, erro) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buffer));
        if erro || bytes.len() != 1 {
            saida.push(b'?');
        } else {
            saida.extend_from_slice(&bytes);
        }
    }
    saida
}

/// Word-wraps `texto` (its own line breaks kept) into lines of at most `largura_max` points;
/// past `max_linhas` the last line ends with an ellipsis.
pub(crate) fn quebrar(
    texto: &str,
    tamanho: f32,
    largura_max: f32,
    max_linhas: usize,
) -> Vec<String> {
    let mut linhas: Vec<String> = Vec::new();
    for paragrafo in texto.lines() {
        let mut atual = String::new();
        for palavra in paragrafo.split_whitespace() {
            let candidato = if atual.is_empty() {
                palavra.to_string()
            } else {
                format!("{atual} {palavra}")
            };
            if largura(&candidato, tamanho, false) <= largura_max || atual.is_empty() {
                atual = candidato;
            } else {
                linhas.push(std::mem::take(&mut atual));
                atual = palavra.to_string();
            }
            while largura(&atual, tamanho, false) > largura_max && atual.chars().count() > 1 {
                // A word longer than the line: cut it.
                let mut corte = String::new();
                let mut resto = String::new();
                for c in atual.chars() {
                    if resto.is_empty()
                        && largura(&format!("{corte}{c}"), tamanho, false) <= largura_max
                    {
                        corte.push(c);
                    } else {
                        resto.push(c);
                    }
                }
                if corte.is_empty() {
                    break;
                }
                linhas.push(corte);
                atual = resto;
            }
        }
        linhas.push(atual);
    }
    if linhas.len() > max_linhas {
        linhas.truncate(max_linhas);
        if let Some(ultima) = linhas.last_mut() {
            while !ultima.is_empty() && largura(&format!("{ultima}…"), tamanho, false) > largura_max
            {
                ultima.pop();
            }
            ultima.push('…');
        }
    }
    linhas
}

/// Where the page's content must end (the footer line is below).
const LIMITE: f32 = ALTURA - MARGEM - 14.0;

/// The service description and the complementary information wrapped to fit `altura` points
/// together: at the normal sizes when they fit, else smaller (7 pt, then 6 pt); only past that
/// (far beyond the layout's 2,000 characters each) cut with an ellipsis.
#[derive(Debug)]
pub(crate) struct Ajuste {
    pub(crate) descricao: Vec<String>,
    pub(crate) tamanho_descricao: f32,
    pub(crate) passo_descricao: f32,
    pub(crate) info: Vec<String>,
    pub(crate) tamanho_info: f32,
    pub(crate) passo_info: f32,
}

pub(crate) fn ajustar(descricao: &str, info: &str, altura: f32) -> Ajuste {
    let largura_max = UTIL - 6.0;
    let tamanhos = [
        (8.5, 10.5, 7.5, 9.5),
        (7.0, 8.5, 6.5, 8.0),
        (6.0, 7.2, 6.0, 7.2),
    ];
    let mut ultimo = None;
    for (td, pd, ti, pi) in tamanhos {
        let d = quebrar(descricao, td, largura_max, usize::MAX);
        let i = quebrar(info, ti, largura_max, usize::MAX);
        let ajuste = Ajuste {
            tamanho_descricao: td,
            passo_descricao: pd,
            tamanho_info: ti,
            passo_info: pi,
            descricao: d,
            info: i,
        };
        if ajuste.descricao.len() as f32 * pd + ajuste.info.len() as f32 * pi <= altura {
            return ajuste;
        }
        ultimo = Some(ajuste);
    }
    // Still too long at the smallest size: each keeps at least half of the lines.
    let passo = 7.2;
    let cabem = ((altura / passo).floor() as usize).max(2);
    let (mut d_max, i_len) = match &ultimo {
        Some(a) => (a.descricao.len(), a.info.len()),
        None => (0, 0),
    };
    let i_max = i_len.min(cabem.div_ceil(2).max(cabem.saturating_sub(d_max)));
    d_max = cabem.saturating_sub(i_max).max(1);
    Ajuste {
        descricao: quebrar(descricao, 6.0, largura_max, d_max),
        tamanho_descricao: 6.0,
        passo_descricao: passo,
        info: quebrar(info, 6.0, largura_max, i_max.max(1)),
        tamanho_info: 6.0,
        passo_info: passo,
    }
}

struct Pagina {
    c: Content,
}

impl Pagina {
    fn texto(&mut self, x: f32, y: f32, tamanho: f32, negrito: bool, texto: &str) {
        let bytes = winansi(texto);
        self.c.begin_text();
        self.c
            .set_font(if negrito { NEGRITO } else { REGULAR }, tamanho);
        self.c.next_line(x, ALTURA - y);
        self.c.show(Str(&bytes));
        self.c.end_text();
    }

    /// A labelled field: the label small at the top, the value below, cut to the width.
    fn campo(&mut self, x: f32, y: f32, w: f32, rotulo: &str, valor: &str) {
        self.c.set_fill_gray(0.35);
        self.texto(x + 3.0, y + 7.5, 6.0, false, rotulo);
        self.c.set_fill_gray(0.0);
        let linha = quebrar(valor, 8.5, w - 6.0, 1);
        let valor = linha.first().map(String::as_str).unwrap_or("");
        self.texto(x + 3.0, y + 18.0, 8.5, false, valor);
    }

    fn caixa(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.c.set_line_width(0.6);
        self.c.rect(x, ALTURA - y - h, w, h);
        self.c.stroke();
    }

    /// A block's title bar; returns where its content starts.
    fn titulo(&mut self, y: f32, texto: &str) -> f32 {
        self.c.set_fill_gray(0.88);
        self.c.rect(MARGEM, ALTURA - y - 12.0, UTIL, 12.0);
        self.c.fill_nonzero();
        self.c.set_fill_gray(0.0);
        self.texto(MARGEM + 3.0, y + 9.0, 7.5, true, texto);
        y + 12.0
    }

    /// A row of fields of the given relative widths.
    fn linha(&mut self, y: f32, campos: &[(f32, &str, String)]) -> f32 {
        let total: f32 = campos.iter().map(|(p, _, _)| p).sum();
        let mut x = MARGEM;
        for (peso, rotulo, valor) in campos {
            let w = UTIL * peso / total;
            self.campo(x, y, w, rotulo, valor);
            x += w;
        }
        y + LINHA
    }

    /// A block: title, rows, the box around them.
    fn bloco(&mut self, y: f32, titulo: &str, linhas: &[Vec<(f32, &str, String)>]) -> f32 {
        let inicio = y;
        let mut y = self.titulo(y, titulo);
        for l in linhas {
            y = self.linha(y, l);
        }
        self.caixa(MARGEM, inicio, UTIL, y - inicio);
        y + 6.0
    }

    fn marca(&mut self, texto: &str, centro_y: f32) {
        let tamanho = 64.0;
        let w = largura(texto, tamanho, true);
        let (s, c) = (
            std::f32::consts::FRAC_PI_4.sin(),
            std::f32::consts::FRAC_PI_4.cos(),
        );
        let cx = LARGURA / 2.0;
        let cy = ALTURA - centro_y;
        // Rotated 45°, centred on (cx, cy).
        let x = cx - c * w / 2.0 + s * tamanho * 0.35;
        let y = cy - s * w / 2.0 - c * tamanho * 0.35;
        let bytes = winansi(texto);
        self.c.set_fill_gray(0.82);
        self.c.begin_text();
        self.c.set_font(NEGRITO, tamanho);
        self.c.set_text_matrix([c, s, -s, c, x, y]);
        self.c.show(Str(&bytes));
        self.c.end_text();
        self.c.set_fill_gray(0.0);
    }

    fn qr(&mut self, url: &str, x: f32, y: f32, lado: f32) -> Result<(), ErroDanfse> {
        let codigo =
            QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).map_err(|e| {
                ErroDanfse::Campo {
                    campo: "infNFSe/@Id".into(),
                    regra: format!("não cabe num QR code ({e})"),
                    valor: url.to_string(),
                }
            })?;
        let n = codigo.width();
        let cores = codigo.to_colors();
        let modulo = lado / (n as f32 + 8.0);
        let origem_x = x + 4.0 * modulo;
        let topo = y + 4.0 * modulo;
        self.c.set_fill_gray(0.0);
        for (linha, fila) in cores.chunks(n).enumerate() {
            let mut coluna = 0;
            while coluna < n {
                if fila[coluna] == Color::Dark {
                    let inicio = coluna;
                    while coluna < n && fila[coluna] == Color::Dark {
                        coluna += 1;
                    }
                    self.c.rect(
                        origem_x + inicio as f32 * modulo,
                        ALTURA - topo - (linha as f32 + 1.0) * modulo,
                        (coluna - inicio) as f32 * modulo,
                        modulo,
                    );
                } else {
                    coluna += 1;
                }
            }
        }
        self.c.fill_nonzero();
        Ok(())
    }
}

fn ou_traco(v: Option<&str>) -> String {
    v.map(str::to_string).unwrap_or_else(|| TRACO.to_string())
}

fn dinheiro(n: &NfseLida, caminho: &str) -> Result<String, ErroDanfse> {
    Ok(n.valor(caminho)?.map(moeda).unwrap_or_else(|| TRACO.into()))
}

fn dinheiro_dps(n: &NfseLida, caminho: &str) -> Result<String, ErroDanfse> {
    dinheiro(n, &format!("{}{caminho}", crate::leitura::DPS))
}

fn aliquota(n: &NfseLida) -> Result<String, ErroDanfse> {
    let v: Option<Decimal> = match n.valor("infNFSe/valores/pAliqAplic")? {
        Some(v) => Some(v),
        None => n.valor(&format!(
            "{}valores/trib/tribMun/pAliq",
            crate::leitura::DPS
        ))?,
    };
    Ok(v.map(percentual).unwrap_or_else(|| TRACO.into()))
}

fn inscricao(n: &NfseLida, grupo: &str) -> String {
    for tipo in ["CNPJ", "CPF"] {
        if let Some(d) = n.dps(&format!("{grupo}/{tipo}")) {
            return documento(d);
        }
    }
    if let Some(nif) = n.dps(&format!("{grupo}/NIF")) {
        return format!("NIF {nif}");
    }
    TRACO.into()
}

fn endereco(partes: &[Option<&str>]) -> String {
    let texto: Vec<&str> = partes.iter().flatten().copied().collect();
    if texto.is_empty() {
        TRACO.into()
    } else {
        texto.join(", ")
    }
}

fn codigo_texto(valor: Option<&str>, tabela: &[(&str, &str)]) -> String {
    match valor {
        None => TRACO.into(),
        Some(v) => tabela
            .iter()
            .find(|(c, _)| *c == v)
            .map(|(_, t)| format!("{v} - {t}"))
            .unwrap_or_else(|| v.to_string()),
    }
}

pub(crate) fn desenhar(n: &NfseLida, situacao: Situacao) -> Result<Vec<u8>, ErroDanfse> {
    let mut p = Pagina { c: Content::new() };
    let marcas = marcas_dagua(n.tp_amb, situacao);
    for (i, m) in marcas.iter().enumerate() {
        let centro = if marcas.len() == 1 {
            ALTURA / 2.0
        } else {
            ALTURA * (0.33 + 0.27 * i as f32)
        };
        p.marca(m, centro);
    }

    // Header.
    let mut y = MARGEM;
    let lado_qr = 92.0;
    let alto_cabecalho = lado_qr + 4.0;
    p.caixa(MARGEM, y, UTIL, alto_cabecalho);
    p.texto(MARGEM + 6.0, y + 20.0, 16.0, true, "DANFSe v2.0");
    p.texto(
        MARGEM + 6.0,
        y + 32.0,
        8.0,
        false,
        "Documento Auxiliar da Nota Fiscal de Serviço Eletrônica",
    );
    let avisos: Vec<&str> = marcas.clone();
    if !avisos.is_empty() {
        p.c.set_fill_rgb(0.75, 0.0, 0.0);
        p.texto(MARGEM + 6.0, y + 44.0, 9.0, true, &avisos.join(" — "));
        p.c.set_fill_gray(0.0);
    }
    let url = format!("{URL_CONSULTA}{}", n.chave);
    p.qr(&url, MARGEM + UTIL - lado_qr - 2.0, y + 2.0, lado_qr)?;
    let largura_campos = UTIL - lado_qr - 8.0;
    let campos_cabecalho: [(&str, String); 6] = [
        ("Número da NFS-e", ou_traco(n.texto("infNFSe/nNFSe"))),
        (
            "Competência",
            n.dps("dCompet").map(data).unwrap_or_else(|| TRACO.into()),
        ),
        (
            "Data e hora da NFS-e",
            n.texto("infNFSe/dhProc")
                .map(data_hora)
                .unwrap_or_else(|| TRACO.into()),
        ),
        (
            "Número / série da DPS",
            format!("{} / {}", ou_traco(n.dps("nDPS")), ou_traco(n.dps("serie"))),
        ),
        (
            "Data e hora da DPS",
            n.dps("dhEmi")
                .map(data_hora)
                .unwrap_or_else(|| TRACO.into()),
        ),
        (
            "Município emissor",
            ou_traco(n.texto("infNFSe/xLocEmi").or(n.dps("cLocEmi"))),
        ),
    ];
    let w3 = largura_campos / 3.0;
    for (i, (rotulo, valor)) in campos_cabecalho.iter().enumerate() {
        let x = MARGEM + (i % 3) as f32 * w3;
        let yy = y + 50.0 + (i / 3) as f32 * LINHA;
        p.campo(x, yy, w3, rotulo, valor);
    }
    y += alto_cabecalho;
    // The access key, the whole width.
    p.caixa(MARGEM, y, UTIL, 26.0);
    p.c.set_fill_gray(0.35);
    p.texto(
        MARGEM + 3.0,
        y + 8.0,
        6.0,
        false,
        "Chave de acesso da NFS-e",
    );
    p.c.set_fill_gray(0.0);
    p.texto(
        MARGEM + 3.0,
        y + 20.0,
        10.0,
        true,
        &chave_agrupada(&n.chave),
    );
    p.texto(
        MARGEM + UTIL - 3.0 - largura("Consulte pelo QR code ou em www.nfse.gov.br", 6.5, false),
        y + 20.0,
        6.5,
        false,
        "Consulte pelo QR code ou em www.nfse.gov.br",
    );
    y += 32.0;

    // Prestador.
    let nome_prestador = n
        .texto("infNFSe/emit/xNome")
        .or(n.dps("prest/xNome"))
        .map(str::to_string)
        .unwrap_or_else(|| TRACO.into());
    let e = "infNFSe/emit/enderNac/";
    let endereco_prestador = endereco(&[
        n.texto(&format!("{e}xLgr")),
        n.texto(&format!("{e}nro")),
        n.texto(&format!("{e}xCpl")),
        n.texto(&format!("{e}xBairro")),
        n.texto(&format!("{e}cMun")),
        n.texto(&format!("{e}UF")),
        n.texto(&format!("{e}CEP")),
    ]);
    let simples = codigo_texto(
        n.dps("prest/regTrib/opSimpNac"),
        &[
            ("1", "Não optante"),
            ("2", "Optante MEI"),
            ("3", "Optante ME/EPP"),
        ],
    );
    y = p.bloco(
        y,
        "EMITENTE / PRESTADOR DO SERVIÇO",
        &[
            vec![
                (1.0, "CNPJ / CPF", inscricao(n, "prest")),
                (1.0, "Inscrição municipal", ou_traco(n.dps("prest/IM"))),
                (1.0, "Telefone", ou_traco(n.dps("prest/fone"))),
                (1.2, "Simples Nacional", simples),
            ],
            vec![
                (2.0, "Nome / razão social", nome_prestador),
                (1.2, "E-mail", ou_traco(n.dps("prest/email"))),
            ],
            vec![(1.0, "Endereço", endereco_prestador)],
        ],
    );

    // Tomador.
    let t = "toma/end/";
    let endereco_tomador = endereco(&[
        n.dps(&format!("{t}xLgr")),
        n.dps(&format!("{t}nro")),
        n.dps(&format!("{t}xCpl")),
        n.dps(&format!("{t}xBairro")),
        n.dps(&format!("{t}endNac/cMun")).map(|m| m.trim()),
        n.dps(&format!("{t}endNac/CEP")),
    ]);
    y = if n.dps("toma/xNome").is_some() || inscricao(n, "toma") != TRACO {
        p.bloco(
            y,
            "TOMADOR DO SERVIÇO",
            &[
                vec![
                    (1.0, "CNPJ / CPF / NIF", inscricao(n, "toma")),
                    (1.0, "Inscrição municipal", ou_traco(n.dps("toma/IM"))),
                    (1.0, "Telefone", ou_traco(n.dps("toma/fone"))),
                    (1.2, "E-mail", ou_traco(n.dps("toma/email"))),
                ],
                vec![(1.0, "Nome / razão social", ou_traco(n.dps("toma/xNome")))],
                vec![(1.0, "Endereço", endereco_tomador)],
            ],
        )
    } else {
        p.bloco(
            y,
            "TOMADOR DO SERVIÇO",
            &[vec![(1.0, "Tomador", "Não identificado na NFS-e".into())]],
        )
    };

    // Serviço, with the description wrapped.
    let inicio = y;
    y = p.titulo(y, "SERVIÇO PRESTADO");
    y = p.linha(
        y,
        &[
            (
                1.0,
                "Código de tributação nacional",
                ou_traco(n.dps("serv/cServ/cTribNac")),
            ),
            (
                1.0,
                "Código de tributação municipal",
                ou_traco(n.dps("serv/cServ/cTribMun")),
            ),
            (1.0, "Código NBS", ou_traco(n.dps("serv/cServ/cNBS"))),
            (
                1.0,
                "Local da prestação",
                ou_traco(
                    n.dps("serv/locPrest/cLocPrestacao")
                        .or(n.dps("serv/locPrest/cPaisPrestacao")),
                ),
            ),
        ],
    );
    p.c.set_fill_gray(0.35);
    p.texto(MARGEM + 3.0, y + 7.5, 6.0, false, "Descrição do serviço");
    p.c.set_fill_gray(0.0);
    let descricao = n.dps("serv/cServ/xDescServ").unwrap_or(TRACO);
    let mut texto = String::new();
    if let Some(i) = n.dps("serv/infoCompl/xInfComp") {
        texto.push_str(i);
        texto.push('\n');
    }
    if situacao == Situacao::Cancelada {
        texto
            .push_str("NFS-e CANCELADA: este documento não tem valor para a prestação descrita.\n");
    }
    if n.tp_amb == 2 {
        texto.push_str(
            "Emitida em ambiente de homologação (Produção Restrita): SEM VALOR FISCAL.\n",
        );
    }
    texto.push_str(&format!("Consulta pública: {url}"));
    // The two free texts share what the fixed blocks below leave of the page.
    let abaixo = 2.0 * (12.0 + 2.0 * LINHA + 6.0) + 12.0 + 10.0 + 6.0;
    let ajuste = ajustar(descricao, &texto, LIMITE - (y + 18.0) - abaixo);
    let mut yy = y + 18.0;
    for l in &ajuste.descricao {
        p.texto(MARGEM + 3.0, yy, ajuste.tamanho_descricao, false, l);
        yy += ajuste.passo_descricao;
    }
    y = yy;
    p.caixa(MARGEM, inicio, UTIL, y - inicio);
    y += 6.0;

    // Valores.
    let v = "valores/";
    y = p.bloco(
        y,
        "VALORES DA NFS-e",
        &[
            vec![
                (
                    1.0,
                    "Valor do serviço",
                    dinheiro_dps(n, &format!("{v}vServPrest/vServ"))?,
                ),
                (
                    1.0,
                    "Desconto incondicionado",
                    dinheiro_dps(n, &format!("{v}vDescCondIncond/vDescIncond"))?,
                ),
                (
                    1.0,
                    "Desconto condicionado",
                    dinheiro_dps(n, &format!("{v}vDescCondIncond/vDescCond"))?,
                ),
                (
                    1.0,
                    "Base de cálculo do ISSQN",
                    dinheiro(n, "infNFSe/valores/vBC")?,
                ),
            ],
            vec![
                (1.0, "Alíquota do ISSQN", aliquota(n)?),
                (1.0, "ISSQN apurado", dinheiro(n, "infNFSe/valores/vISSQN")?),
                (
                    1.0,
                    "Total de retenções",
                    dinheiro(n, "infNFSe/valores/vTotalRet")?,
                ),
                (
                    1.0,
                    "Valor líquido da NFS-e",
                    dinheiro(n, "infNFSe/valores/vLiq")?,
                ),
            ],
        ],
    );

    // Tributação.
    let tm = "valores/trib/tribMun/";
    let tf = "valores/trib/tribFed/";
    let tt = "valores/trib/totTrib/vTotTrib/";
    let ibs = "IBSCBS/valores/trib/gIBSCBS/";
    y = p.bloco(
        y,
        "TRIBUTAÇÃO",
        &[
            vec![
                (
                    1.3,
                    "Tributação do ISSQN",
                    codigo_texto(
                        n.dps(&format!("{tm}tribISSQN")),
                        &[
                            ("1", "Operação tributável"),
                            ("2", "Imunidade"),
                            ("3", "Exportação de serviço"),
                            ("4", "Não incidência"),
                        ],
                    ),
                ),
                (
                    1.3,
                    "Retenção do ISSQN",
                    codigo_texto(
                        n.dps(&format!("{tm}tpRetISSQN")),
                        &[
                            ("1", "Não retido"),
                            ("2", "Retido pelo tomador"),
                            ("3", "Retido pelo intermediário"),
                        ],
                    ),
                ),
                (
                    1.0,
                    "Retenção do IRRF",
                    dinheiro_dps(n, &format!("{tf}vRetIRRF"))?,
                ),
                (
                    1.0,
                    "Retenção da CSLL",
                    dinheiro_dps(n, &format!("{tf}vRetCSLL"))?,
                ),
                (
                    1.0,
                    "Retenção da CP",
                    dinheiro_dps(n, &format!("{tf}vRetCP"))?,
                ),
            ],
            vec![
                (
                    1.0,
                    "Tributos federais aprox.",
                    dinheiro_dps(n, &format!("{tt}vTotTribFed"))?,
                ),
                (
                    1.0,
                    "Tributos estaduais aprox.",
                    dinheiro_dps(n, &format!("{tt}vTotTribEst"))?,
                ),
                (
                    1.0,
                    "Tributos municipais aprox.",
                    dinheiro_dps(n, &format!("{tt}vTotTribMun"))?,
                ),
                (1.0, "IBS/CBS: CST", ou_traco(n.dps(&format!("{ibs}CST")))),
                (
                    1.0,
                    "IBS/CBS: classificação",
                    ou_traco(n.dps(&format!("{ibs}cClassTrib"))),
                ),
            ],
        ],
    );

    // Informações complementares.
    let inicio = y;
    y = p.titulo(y, "INFORMAÇÕES COMPLEMENTARES");
    let mut yy = y + 10.0;
    for l in &ajuste.info {
        p.texto(MARGEM + 3.0, yy, ajuste.tamanho_info, false, l);
        yy += ajuste.passo_info;
    }
    y = yy;
    p.caixa(MARGEM, inicio, UTIL, y - inicio);
    p.c.set_fill_gray(0.35);
    p.texto(
        MARGEM,
        ALTURA - MARGEM + 10.0,
        6.0,
        false,
        "DANFSe gerado localmente a partir do XML autorizado da NFS-e (NT SE/CGNFS-e 008/2026) por guichê",
    );

    // The document: one page, two standard fonts.
    let mut pdf = Pdf::new();
    let catalogo = Ref::new(1);
    let arvore = Ref::new(2);
    let pagina = Ref::new(3);
    let fonte = Ref::new(4);
    let fonte_negrito = Ref::new(5);
    let conteudo = Ref::new(6);
    let info = Ref::new(7);
    pdf.catalog(catalogo).pages(arvore);
    pdf.pages(arvore).kids([pagina]).count(1);
    let mut pg = pdf.page(pagina);
    pg.media_box(Rect::new(0.0, 0.0, LARGURA, ALTURA));
    pg.parent(arvore);
    pg.contents(conteudo);
    pg.resources()
        .fonts()
        .pair(REGULAR, fonte)
        .pair(NEGRITO, fonte_negrito);
    pg.finish();
    pdf.type1_font(fonte)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(fonte_negrito)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info)
        .title(pdf_writer::TextStr(&format!("DANFSe {}", n.chave)))
        .producer(pdf_writer::TextStr("guichê"));
    // The content stream deflated: a page of text and a QR code's squares shrink about five
    // times.
    let cru = p.c.finish();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let comprimido = std::io::Write::write_all(&mut z, &cru).and_then(|()| z.finish());
    match comprimido {
        Ok(c) => {
            pdf.stream(conteudo, &c)
                .filter(pdf_writer::Filter::FlateDecode);
        }
        Err(_) => {
            pdf.stream(conteudo, &cru);
        }
    }
    Ok(pdf.finish())
}
