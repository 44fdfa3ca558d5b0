//! Strategies that generate DPS (NFS-e Nacional) passing every rule, and their identifiers.

use proptest::prelude::*;

use super::guia::documento;
use super::nfd::codigo_ibge;
use crate::documento::Documento;
use crate::municipio::CodigoIbge;
use crate::nfse::*;

/// Text the layout's `TSString` allows: printable Latin-1 with XML specials and inner spaces,
/// 1 to `max` characters, no blank at either end; with `quebras`, `\n` line breaks too.
pub fn texto_leiaute(max: usize, quebras: bool) -> impl Strategy<Value = String> {
    let mut caracteres: Vec<char> = "abcXYZ019 çãéÍõ&<>\"'/.,;:()-ÿ¡".chars().collect();
    if quebras {
        caracteres.push('\n');
    }
    prop::collection::vec(prop::sample::select(caracteres), 1..=max).prop_map(|v| {
        let t: String = v.into_iter().collect();
        let t = t.trim();
        if t.is_empty() {
            "x".to_string()
        } else {
            t.to_string()
        }
    })
}

fn municipio() -> impl Strategy<Value = CodigoIbge> {
    codigo_ibge().prop_filter_map("código da lista", |c| CodigoIbge::parse(&c).ok())
}

/// A valid DPS Id.
pub fn id_dps() -> impl Strategy<Value = IdDps> {
    (
        municipio(),
        documento(),
        0..=SERIE_MAXIMA,
        1..=NUMERO_MAXIMO,
    )
        .prop_filter_map("Id válido", |(municipio, inscricao, serie, numero)| {
            IdDps::novo(municipio, inscricao, serie, numero).ok()
        })
}

/// A valid NFS-e access key.
pub fn chave_acesso() -> impl Strategy<Value = ChaveAcesso> {
    (
        municipio(),
        1u8..=2,
        documento(),
        0u64..=NUMERO_NFSE_MAXIMO,
        0u8..=99,
        1u8..=12,
        0u32..=CODIGO_CHAVE_MAXIMO,
    )
        .prop_filter_map(
            "chave válida",
            |(municipio, ambiente_gerador, inscricao, numero, ano, mes, codigo)| {
                ChaveAcesso::nova(
                    municipio,
                    ambiente_gerador,
                    inscricao,
                    numero,
                    ano,
                    mes,
                    codigo,
                )
                .ok()
            },
        )
}

/// A `dhEmi` in 2020–2030 with any offset the layout allows.
pub fn data_hora() -> impl Strategy<Value = DataHora> {
    (
        2020u16..=2030,
        1u8..=12,
        1u8..=28,
        0u8..=23,
        0u8..=59,
        0u8..=59,
        -11i8..=12,
    )
        .prop_filter_map(
            "data válida",
            |(a, m, d, hora, minuto, segundo, fuso_horas)| {
                crate::Data::new(a, m, d)
                    .ok()
                    .and_then(|data| DataHora::nova(data, hora, minuto, segundo, fuso_horas).ok())
            },
        )
}

fn doc_campos(d: &Documento) -> (Option<String>, Option<String>) {
    match d {
        Documento::Cnpj(c) => (Some(c.as_str().to_string()), None),
        Documento::Cpf(c) => (None, Some(c.as_str().to_string())),
    }
}

fn endereco() -> impl Strategy<Value = EnderecoBruto> {
    (
        codigo_ibge(),
        "[0-9]{8}",
        texto_leiaute(40, false),
        "[0-9]{1,5}",
        prop::option::of(texto_leiaute(20, false)),
        texto_leiaute(30, false),
    )
        .prop_map(|(cmun, cep, lgr, nro, cpl, bairro)| EnderecoBruto {
            endNac: Some(EndNacBruto {
                cMun: Some(cmun),
                CEP: Some(cep),
            }),
            endExt: None,
            xLgr: Some(lgr),
            nro: Some(nro),
            xCpl: cpl,
            xBairro: Some(bairro),
        })
}

fn pessoa(diferente_de: Documento) -> impl Strategy<Value = PessoaBruta> {
    (
        documento().prop_filter("outro documento", move |d| *d != diferente_de),
        prop::option::of("[0-9]{1,15}"),
        texto_leiaute(60, false),
        prop::option::of(endereco()),
        prop::option::of("[0-9]{10,11}"),
        prop::option::of("[a-z]{1,10}@[a-z]{1,10}\\.com\\.br"),
    )
        .prop_map(|(doc, im, nome, end, fone, email)| {
            let (cnpj, cpf) = doc_campos(&doc);
            PessoaBruta {
                CNPJ: cnpj,
                CPF: cpf,
                IM: im,
                xNome: Some(nome),
                end,
                fone,
                email,
                ..PessoaBruta::default()
            }
        })
}

fn ibs_cbs() -> impl Strategy<Value = IbsCbsBruto> {
    (
        prop::option::of(prop::sample::select(vec!["0", "1"])),
        "[0-9]{6}",
        prop::option::of(1u8..=5),
        prop::option::of(1u8..=4),
        "[0-9]{3}",
        "[0-9]{6}",
        prop::option::of("[0-9]{2}"),
        prop::option::of(("[0-9]{3}", "[0-9]{6}")),
    )
        .prop_map(
            |(fin, op, tp, ente, cst, class, cred, regular)| IbsCbsBruto {
                finNFSe: Some("0".into()),
                indFinal: fin.map(str::to_string),
                cIndOp: Some(op),
                tpOper: tp.map(|t| t.to_string()),
                tpEnteGov: ente.map(|e| e.to_string()),
                indDest: Some("0".into()),
                valores: Some(ValoresIbsCbsBruto {
                    gReeRepRes: None,
                    trib: Some(TribIbsCbsBruto {
                        gIBSCBS: Some(GIbsCbsBruto {
                            CST: Some(cst),
                            cClassTrib: Some(class),
                            cCredPres: cred,
                            gTribRegular: regular.map(|(a, b)| TribRegularBruto {
                                CSTReg: Some(a),
                                cClassTribReg: Some(b),
                            }),
                            gDif: None,
                        }),
                    }),
                }),
                ..IbsCbsBruto::default()
            },
        )
}

fn centavos(max: i64) -> impl Strategy<Value = i64> {
    1..=max
}

fn dinheiro(c: i64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

/// A DPS as read, valid under every rule (numeric CNPJs only, as the official XSD of nfelib
/// 3.2.0 still wants), with optional groups present or not.
pub fn dps_valida() -> impl Strategy<Value = DpsBruta> {
    let cabecalho = (
        1u8..=2,
        data_hora(),
        0u16..=27,
        texto_leiaute(20, false),
        0..=SERIE_MAXIMA,
        1..=NUMERO_MAXIMO,
        municipio(),
    );
    let prestador = (
        documento(),
        prop::option::of("[0-9]{1,15}"),
        prop::option::of(texto_leiaute(60, false)),
        prop::option::of(endereco()),
        1u8..=3,
        prop::sample::select(vec!["0", "1", "2", "3", "4", "5", "6", "9"]),
        prop::option::of(1u8..=3),
    );
    let servico = (
        municipio(),
        "[0-9]{6}",
        prop::option::of("[0-9]{3}"),
        texto_leiaute(200, true),
        prop::option::of("[0-9]{9}"),
        prop::option::of("[a-zA-Z0-9]{1,20}"),
        prop::option::of(texto_leiaute(100, false)),
    );
    let valores = (
        centavos(99_999_999_999),
        prop::option::of(0u32..=100),
        prop::option::of(0u32..=100),
        1u8..=3,
        200u32..=500,
        prop::option::of((0i64..=100_000, 0i64..=100_000, 0i64..=100_000)),
        0u8..=3,
    );
    (cabecalho, prestador, servico, valores)
        .prop_flat_map(|(cab, pre, serv, val)| {
            let doc = pre.0;
            (
                Just((cab, pre, serv, val)),
                prop::option::of(pessoa(doc)),
                prop::option::of(pessoa(doc)),
                prop::option::of(ibs_cbs()),
            )
        })
        .prop_map(|((cab, pre, serv, val), toma, interm, ibs)| {
            let (amb, emissao, dias_antes, ver, serie, numero, cloc) = cab;
            let competencia = emissao
                .data()
                .mais_dias(-i64::from(dias_antes))
                .unwrap_or(emissao.data());
            let (doc, im, nome, end, simples, especial, apuracao) = pre;
            let (cnpj, cpf) = doc_campos(&doc);
            let (local, trib_nac, trib_mun, desc, nbs, interno, info) = serv;
            let (vserv, incond, cond, ret, aliq, fed, tot) = val;
            // Retention by a party only when that party is present.
            let ret = match ret {
                2 if toma.is_some() => "2",
                3 if interm.is_some() => "3",
                _ => "1",
            };
            let desconto = |p: Option<u32>| p.map(|p| dinheiro(vserv * i64::from(p) / 200));
            let tot_trib = match tot {
                0 => TotTribBruto {
                    vTotTrib: Some(TresValoresBruto {
                        vTotTribFed: Some(dinheiro(vserv / 10)),
                        vTotTribEst: Some("0.00".into()),
                        vTotTribMun: Some(dinheiro(vserv / 20)),
                    }),
                    ..TotTribBruto::default()
                },
                1 => TotTribBruto {
                    pTotTrib: Some(TresPercentuaisBruto {
                        pTotTribFed: Some("13.45".into()),
                        pTotTribEst: Some("0".into()),
                        pTotTribMun: Some("5.00".into()),
                    }),
                    ..TotTribBruto::default()
                },
                2 => TotTribBruto {
                    indTotTrib: Some("0".into()),
                    ..TotTribBruto::default()
                },
                _ => TotTribBruto {
                    pTotTribSN: Some("6.00".into()),
                    ..TotTribBruto::default()
                },
            };
            DpsBruta {
                versao: Some(VERSAO.into()),
                xmlns: None,
                Signature: None,
                infDPS: Some(InfDpsBruta {
                    Id: None,
                    tpAmb: Some(amb.to_string()),
                    dhEmi: Some(emissao.texto()),
                    verAplic: Some(ver),
                    serie: Some(serie.to_string()),
                    nDPS: Some(numero.to_string()),
                    dCompet: Some(competencia.iso()),
                    tpEmit: Some("1".into()),
                    cLocEmi: Some(cloc.numero().to_string()),
                    prest: Some(PrestadorBruto {
                        CNPJ: cnpj,
                        CPF: cpf,
                        IM: im,
                        xNome: nome,
                        end,
                        regTrib: Some(RegTribBruto {
                            opSimpNac: Some(simples.to_string()),
                            regApTribSN: apuracao.filter(|_| simples == 3).map(|a| a.to_string()),
                            regEspTrib: Some(especial.to_string()),
                        }),
                        ..PrestadorBruto::default()
                    }),
                    serv: Some(ServicoBruto {
                        locPrest: Some(LocPrestBruto {
                            cLocPrestacao: Some(local.numero().to_string()),
                            cPaisPrestacao: None,
                        }),
                        cServ: Some(CServBruto {
                            cTribNac: Some(trib_nac),
                            cTribMun: trib_mun,
                            xDescServ: Some(desc),
                            cNBS: nbs,
                            cIntContrib: interno,
                        }),
                        infoCompl: info.map(|i| InfoComplBruto {
                            xInfComp: Some(i),
                            ..InfoComplBruto::default()
                        }),
                        ..ServicoBruto::default()
                    }),
                    valores: Some(ValoresBruto {
                        vServPrest: Some(VServPrestBruto {
                            vReceb: interm.as_ref().map(|_| dinheiro(vserv)),
                            vServ: Some(dinheiro(vserv)),
                        }),
                        vDescCondIncond: (incond.is_some() || cond.is_some()).then(|| {
                            DescontosBruto {
                                vDescIncond: desconto(incond),
                                vDescCond: desconto(cond),
                            }
                        }),
                        vDedRed: None,
                        trib: Some(TribBruto {
                            tribMun: Some(TribMunBruto {
                                tribISSQN: Some("1".into()),
                                tpRetISSQN: Some(ret.into()),
                                pAliq: Some(format!("{}.{:02}", aliq / 100, aliq % 100)),
                                ..TribMunBruto::default()
                            }),
                            tribFed: fed.map(|(cp, ir, cs)| TribFedBruto {
                                piscofins: None,
                                vRetCP: Some(dinheiro(cp)),
                                vRetIRRF: Some(dinheiro(ir)),
                                vRetCSLL: Some(dinheiro(cs)),
                            }),
                            totTrib: Some(tot_trib),
                        }),
                    }),
                    toma,
                    interm,
                    IBSCBS: ibs,
                    ..InfDpsBruta::default()
                }),
            }
        })
}
