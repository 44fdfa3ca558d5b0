//! The ledger of notas ([`LivroNotas`]): numbering, refusals, pending notas, exact documents,
//! independent sequences, the state changes and a person's decisions; and, across handles
//! (processes), reservations and state changes racing on one sequence.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use guiche_domain::{Data, Documento};
use guiche_ports::livro::{ErroLivro, Estado, LivroNotas, Pedido, Registro, Sequencia};

use crate::{Aberto, Caso, Motor};

/// The cases of this module.
pub const CASOS: &[Caso] = &[
    ("numeros_vem_um_dois_tres", numeros_vem_um_dois_tres),
    (
        "numero_pedido_tem_de_ser_o_proximo",
        numero_pedido_tem_de_ser_o_proximo,
    ),
    (
        "sequencia_nova_comeca_no_pedido",
        sequencia_nova_comeca_no_pedido,
    ),
    ("numero_recusado_volta", numero_recusado_volta),
    ("pendente_barra_a_proxima", pendente_barra_a_proxima),
    (
        "aceita_e_desconhecida_guardam_o_numero",
        aceita_e_desconhecida_guardam_o_numero,
    ),
    ("documento_exato", documento_exato),
    ("o_reservado_e_o_que_se_le", o_reservado_e_o_que_se_le),
    ("sequencias_independentes", sequencias_independentes),
    (
        "por_conteudo_acha_a_ultima_viva",
        por_conteudo_acha_a_ultima_viva,
    ),
    ("id_desconhecido", id_desconhecido),
    (
        "panico_no_documento_nada_grava",
        panico_no_documento_nada_grava,
    ),
    (
        "outro_processo_continua_a_sequencia",
        outro_processo_continua_a_sequencia,
    ),
    ("resolvida_nunca_muda", resolvida_nunca_muda),
    ("numero_usado_fora_fica", numero_usado_fora_fica),
    ("data_anterior_recusada", data_anterior_recusada),
    ("estado_lido_antes_de_outro", estado_lido_antes_de_outro),
    ("so_transicoes", so_transicoes),
    ("pessoa_decide_e_fica_quem", pessoa_decide_e_fica_quem),
    ("pessoa_declara_nao_emitida", pessoa_declara_nao_emitida),
    (
        "aceita_sem_codigo_recebe_uma_vez",
        aceita_sem_codigo_recebe_uma_vez,
    ),
    ("mensagem_vazia_e_guardada", mensagem_vazia_e_guardada),
    ("quatro_livros_sem_vez", quatro_livros_sem_vez),
    ("quatro_livros_na_vez", quatro_livros_na_vez),
    ("dois_livros_alternam_na_vez", dois_livros_alternam_na_vez),
    ("registrar_concorrente", registrar_concorrente),
    ("numeracao_segue_o_modelo", numeracao_segue_o_modelo),
];

/// A provider with a CNPJ.
pub const CNPJ: &str = "11.222.333/0001-81";
/// A provider with a CPF.
pub const CPF: &str = "529.982.247-25";

/// The sequence of `prestador` in `prefeitura`.
pub fn seq(prestador: &str, prefeitura: &str) -> Sequencia {
    Sequencia {
        prestador: Documento::parse(prestador).unwrap(),
        prefeitura: prefeitura.to_owned(),
    }
}

/// The date every case issues on.
pub fn hoje() -> Data {
    Data::new(2026, 7, 20).unwrap()
}

/// A request for `numero` (or the next) on [`hoje`] with the fingerprint `conteudo`.
pub fn pedido<'a>(s: &'a Sequencia, numero: Option<u64>, conteudo: &'a str) -> Pedido<'a> {
    Pedido {
        sequencia: s,
        numero,
        data: hoje(),
        conteudo,
    }
}

/// The document of nota `n`.
pub fn doc(n: u64) -> String {
    format!("<NOTA><NUMERO_NOTA>{n}</NUMERO_NOTA></NOTA>")
}

/// Accepted with the code `COD<n>`.
pub fn aceita(n: u64) -> Estado {
    Estado::Aceita {
        codigo: Some(format!("COD{n}")),
    }
}

/// The handle's ledger of notas.
fn notas(a: &Aberto) -> Arc<dyn LivroNotas> {
    Arc::clone(&a.livro) as Arc<dyn LivroNotas>
}

/// Another handle (process) on the same ledger.
fn outro(a: &Aberto) -> Arc<dyn LivroNotas> {
    (a.reabrir)() as Arc<dyn LivroNotas>
}

/// Moves the nota `r` to `para` along the transitions of the sending flow, from wherever it
/// stands now (through `enviada` when `para` is an outcome).
pub fn passar(livro: &dyn LivroNotas, r: &Registro, para: &Estado) {
    let atual = livro
        .por_numero(&r.sequencia, r.numero)
        .unwrap()
        .filter(|a| a.id == r.id)
        .map_or(Estado::Reservada, |a| a.estado);
    if atual == *para {
        return;
    }
    let atual = if atual.pode_passar_a(para) {
        atual
    } else {
        livro.registrar(r.id, &atual, &Estado::Enviada).unwrap();
        Estado::Enviada
    };
    livro.registrar(r.id, &atual, para).unwrap();
}

/// Reserves the next number and settles it as accepted.
pub fn emitir(livro: &dyn LivroNotas, s: &Sequencia) -> Registro {
    let r = livro.reservar(pedido(s, None, "c"), &doc).unwrap();
    passar(livro, &r, &aceita(r.numero));
    r
}

/// Numbers come 1, 2, 3 and the last is the highest.
pub fn numeros_vem_um_dois_tres(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    let numeros: Vec<u64> = (0..3).map(|_| emitir(&*l, &s).numero).collect();
    assert_eq!(numeros, [1, 2, 3]);
    assert_eq!(l.ultima(&s).unwrap().unwrap().numero, 3);
}

/// An explicit number must be the next one.
pub fn numero_pedido_tem_de_ser_o_proximo(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    let r = l.reservar(pedido(&s, Some(1), "c"), &doc).unwrap();
    passar(&*l, &r, &aceita(1));
    for pedido_n in [1, 3, 1000, u64::MAX] {
        let e = l
            .reservar(pedido(&s, Some(pedido_n), "c"), &doc)
            .unwrap_err();
        assert!(
            matches!(e, ErroLivro::ForaDeSequencia { pedido, proximo: 2 } if pedido == pedido_n),
            "{e:?}"
        );
    }
    let r = l.reservar(pedido(&s, Some(2), "c"), &doc).unwrap();
    assert_eq!((r.numero, r.documento), (2, doc(2)));
}

/// A new sequence starts at the number asked for (the service's began elsewhere), and again
/// after its only nota was refused.
pub fn sequencia_nova_comeca_no_pedido(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    let e = l.reservar(pedido(&s, Some(0), "c"), &doc).unwrap_err();
    assert!(
        matches!(
            e,
            ErroLivro::ForaDeSequencia {
                pedido: 0,
                proximo: 1
            }
        ),
        "{e:?}"
    );
    let r = l.reservar(pedido(&s, Some(500), "c"), &doc).unwrap();
    assert_eq!((r.numero, r.documento.as_str()), (500, doc(500).as_str()));
    let recusa = Estado::Recusada {
        mensagem: "0-Esta nota já consta no sistema.".to_owned(),
    };
    passar(&*l, &r, &recusa);
    let r = l.reservar(pedido(&s, Some(501), "c"), &doc).unwrap();
    passar(&*l, &r, &aceita(501));
    assert_eq!(emitir(&*l, &s).numero, 502);
    let e = l.reservar(pedido(&s, Some(1), "c"), &doc).unwrap_err();
    assert!(
        matches!(
            e,
            ErroLivro::ForaDeSequencia {
                pedido: 1,
                proximo: 503
            }
        ),
        "{e:?}"
    );
}

/// A refused number is given back: the next reservation takes it.
pub fn numero_recusado_volta(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    emitir(&*l, &s);
    let r = l.reservar(pedido(&s, None, "x"), &doc).unwrap();
    let recusa = Estado::Recusada {
        mensagem: "0-CNPJ do tomador inválido - verifique".to_owned(),
    };
    passar(&*l, &r, &recusa);
    assert_eq!(l.ultima(&s).unwrap().unwrap().numero, 1);
    assert_eq!(l.por_numero(&s, 2).unwrap(), None);
    let de_novo = l.reservar(pedido(&s, None, "y"), &doc).unwrap();
    assert_eq!(de_novo.numero, 2);
    assert_ne!(
        de_novo.id, r.id,
        "a new row; the refused one stays as history"
    );
    assert_eq!(l.por_numero(&s, 2).unwrap().unwrap().id, de_novo.id);
}

/// An unsettled nota (reserved, sent, unknown) blocks the next until settled.
pub fn pendente_barra_a_proxima(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    let r = l.reservar(pedido(&s, None, "c"), &doc).unwrap();
    let estados = [
        (Estado::Reservada, "reservada"),
        (Estado::Enviada, "enviada"),
        (
            Estado::Desconhecida {
                motivo: "tempo esgotado".to_owned(),
            },
            "desconhecida",
        ),
    ];
    for (estado, nome) in estados {
        passar(&*l, &r, &estado);
        let e = l.reservar(pedido(&s, None, "d"), &doc).unwrap_err();
        assert!(
            matches!(e, ErroLivro::Pendente { numero: 1, estado } if estado == nome),
            "{e:?}"
        );
        assert!(e.to_string().contains("resolva-a"), "{e}");
        let pendentes = l.pendentes(&s).unwrap();
        assert_eq!(pendentes.len(), 1);
        assert_eq!(pendentes[0].estado, estado);
    }
    passar(&*l, &r, &aceita(1));
    assert!(l.pendentes(&s).unwrap().is_empty());
    assert_eq!(emitir(&*l, &s).numero, 2);
}

/// Accepted (with or without a code) and unknown notas keep their number.
pub fn aceita_e_desconhecida_guardam_o_numero(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    let r = l.reservar(pedido(&s, None, "c"), &doc).unwrap();
    let duvida = Estado::Desconhecida {
        motivo: "conexão reiniciada".to_owned(),
    };
    passar(&*l, &r, &duvida);
    assert_eq!(l.ultima(&s).unwrap().unwrap().estado, duvida);
    let ja_consta = Estado::Aceita { codigo: None };
    passar(&*l, &r, &ja_consta);
    let segunda = emitir(&*l, &s);
    assert_eq!(segunda.numero, 2);
    assert_eq!(l.por_numero(&s, 1).unwrap().unwrap().estado, ja_consta);
    assert_eq!(l.por_numero(&s, 2).unwrap().unwrap().estado, aceita(2));
}

/// The exact document is stored and read back byte for byte, by another handle too. (No NUL
/// character: a nota's XML never has one — the domain refuses control characters — and
/// PostgreSQL's text cannot hold it.)
pub fn documento_exato(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let s = seq(CNPJ, "0044");
    let texto = "<NOTA><DESCRICAO_SERVICOS><![CDATA[Manutenção\r\nelétrica ]]]]><![CDATA[> \
                 &nbsp;&nbsp;ok]]></DESCRICAO_SERVICOS>\r\n\t<OBS>ç ã é — 💡 \u{7f} fim  </OBS></NOTA>";
    let r = notas(&a)
        .reservar(pedido(&s, None, "impressão ]]>"), &|_| texto.to_owned())
        .unwrap();
    assert_eq!(r.documento, texto);
    let lido = outro(&a).por_numero(&s, 1).unwrap().unwrap();
    assert_eq!(lido.id, r.id);
    assert_eq!(lido.documento.as_bytes(), texto.as_bytes());
    assert_eq!(lido.conteudo, "impressão ]]>");
    assert_eq!(lido.data, hoje());
    assert_eq!(lido.sequencia, s);
}

/// What a reservation returns is what every query reads back.
pub fn o_reservado_e_o_que_se_le(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CPF, "3039");
    let r = l.reservar(pedido(&s, None, "c"), &doc).unwrap();
    assert_eq!(l.por_numero(&s, 1).unwrap().unwrap(), r);
    assert_eq!(l.pendentes(&s).unwrap(), std::slice::from_ref(&r));
    assert_eq!(l.por_conteudo(&s, "c").unwrap().unwrap(), r);
    assert_eq!(l.ultima(&s).unwrap().unwrap(), r);
    assert_eq!(l.por_numero(&s, u64::MAX).unwrap(), None);
}

/// Sequences (provider × municipality, leading zeros kept) are independent.
pub fn sequencias_independentes(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let piracaia = seq(CNPJ, "0044");
    let sem_zeros = seq(CNPJ, "44");
    let outro_prestador = seq(CPF, "0044");
    let parada = l.reservar(pedido(&piracaia, None, "c"), &doc).unwrap();
    for s in [&sem_zeros, &outro_prestador] {
        assert_eq!(emitir(&*l, s).numero, 1, "{s:?}");
        assert_eq!(emitir(&*l, s).numero, 2, "{s:?}");
    }
    assert_eq!(l.ultima(&piracaia).unwrap().unwrap().id, parada.id);
    assert_eq!(l.pendentes(&sem_zeros).unwrap(), []);
    assert_eq!(l.ultima(&sem_zeros).unwrap().unwrap().sequencia, sem_zeros);
    assert_eq!(l.por_numero(&piracaia, 2).unwrap(), None);
}

/// `por_conteudo` finds the latest live nota with the fingerprint, never a refused one.
pub fn por_conteudo_acha_a_ultima_viva(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    let recusa = Estado::Recusada {
        mensagem: "0-Data inválida".to_owned(),
    };
    let r = l.reservar(pedido(&s, None, "lote-7"), &doc).unwrap();
    passar(&*l, &r, &recusa);
    assert_eq!(l.por_conteudo(&s, "lote-7").unwrap(), None);
    let r = l.reservar(pedido(&s, None, "lote-7"), &doc).unwrap();
    passar(&*l, &r, &aceita(r.numero));
    let achada = l.por_conteudo(&s, "lote-7").unwrap().unwrap();
    assert_eq!((achada.id, achada.estado), (r.id, aceita(1)));
    assert_eq!(l.por_conteudo(&s, "lote-8").unwrap(), None);
    assert_eq!(l.por_conteudo(&seq(CPF, "3150"), "lote-7").unwrap(), None);
}

/// A change or decision on an id the ledger never gave is `NaoEncontrado`.
pub fn id_desconhecido(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let e = l
        .registrar(42, &Estado::Reservada, &Estado::Enviada)
        .unwrap_err();
    assert!(matches!(e, ErroLivro::NaoEncontrado(42)), "{e:?}");
    let e = l.decidir(42, &aceita(1), "maria").unwrap_err();
    assert!(matches!(e, ErroLivro::NaoEncontrado(42)), "{e:?}");
}

/// A panic while building the document records nothing, and the ledger goes on.
pub fn panico_no_documento_nada_grava(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    let quebra = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        l.reservar(pedido(&s, None, "c"), &|_| panic!("modelo inválido"))
    }));
    assert!(quebra.is_err());
    assert_eq!(l.ultima(&s).unwrap(), None);
    assert_eq!(outro(&a).ultima(&s).unwrap(), None);
    assert_eq!(emitir(&*l, &s).numero, 1);
}

/// Another handle (a later process) sees the sequence and continues it.
pub fn outro_processo_continua_a_sequencia(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let s = seq(CNPJ, "3150");
    emitir(&*notas(&a), &s);
    drop(a.livro);
    let l = (a.reabrir)() as Arc<dyn LivroNotas>;
    assert_eq!(l.ultima(&s).unwrap().unwrap().numero, 1);
    assert_eq!(emitir(&*l, &s).numero, 2);
}

/// A settled nota never changes state.
pub fn resolvida_nunca_muda(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    let r = emitir(&*l, &s);
    let e = l
        .registrar(
            r.id,
            &aceita(r.numero),
            &Estado::Recusada {
                mensagem: "x".into(),
            },
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            ErroLivro::JaResolvida {
                de: "aceita",
                para: "recusada",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        l.por_numero(&s, r.numero).unwrap().unwrap().estado,
        aceita(r.numero)
    );
}

/// A number used outside the guichê keeps its place, settled, and the sequence moves on.
pub fn numero_usado_fora_fica(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    emitir(&*l, &s);
    let r = l.reservar(pedido(&s, None, "b"), &doc).unwrap();
    let externa = Estado::Externa {
        mensagem: "Esta nota já consta no sistema.".into(),
    };
    passar(&*l, &r, &externa);
    assert!(
        l.pendentes(&s).unwrap().is_empty(),
        "externa está resolvida"
    );
    let seguinte = l.reservar(pedido(&s, None, "b"), &doc).unwrap();
    assert_eq!(seguinte.numero, r.numero + 1);
    assert_eq!(l.por_numero(&s, r.numero).unwrap().unwrap().estado, externa);
}

/// A date before the last nota's is refused inside the reservation; the same date serves.
pub fn data_anterior_recusada(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    emitir(&*l, &s);
    let ontem = hoje().mais_dias(-1).unwrap();
    let e = l
        .reservar(
            Pedido {
                data: ontem,
                ..pedido(&s, None, "d")
            },
            &doc,
        )
        .unwrap_err();
    assert!(
        matches!(e, ErroLivro::DataAnterior { data, ultima } if data == ontem && ultima == hoje()),
        "{e:?}"
    );
    assert!(
        l.reservar(pedido(&s, None, "d"), &doc).is_ok(),
        "a mesma data serve"
    );
}

/// A change from a state read before another writer changed it is refused.
pub fn estado_lido_antes_de_outro(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    let r = l.reservar(pedido(&s, None, "c"), &doc).unwrap();
    assert_eq!(
        r.estado,
        Estado::Enviada,
        "reserved marked sent: sent right after"
    );
    l.registrar(r.id, &Estado::Enviada, &Estado::Reservada)
        .unwrap();
    l.registrar(r.id, &Estado::Reservada, &Estado::Enviada)
        .unwrap();
    let e = l
        .registrar(r.id, &Estado::Reservada, &Estado::Enviada)
        .unwrap_err();
    assert!(
        matches!(
            e,
            ErroLivro::EstadoMudou {
                esperado: "reservada",
                encontrado: "enviada",
                para: "enviada",
                ..
            }
        ),
        "{e:?}"
    );
    let duvida = Estado::Desconhecida {
        motivo: "tempo esgotado".into(),
    };
    l.registrar(r.id, &Estado::Enviada, &duvida).unwrap();
    let e = l
        .registrar(r.id, &Estado::Enviada, &Estado::Reservada)
        .unwrap_err();
    assert!(matches!(e, ErroLivro::EstadoMudou { .. }), "{e:?}");
    assert_eq!(
        l.por_numero(&s, 1).unwrap().unwrap().estado,
        duvida,
        "nada mudou"
    );
}

/// Only the transitions of a nota are recorded.
pub fn so_transicoes(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    let r = l.reservar(pedido(&s, None, "c"), &doc).unwrap();
    let aceita = aceita(1);
    for para in [
        &aceita,
        &Estado::Recusada {
            mensagem: "x".into(),
        },
    ] {
        let e = l.registrar(r.id, &Estado::Reservada, para).unwrap_err();
        assert!(matches!(e, ErroLivro::EstadoMudou { .. }), "{e:?}");
    }
    let duvida = Estado::Desconhecida {
        motivo: "reset".into(),
    };
    passar(&*l, &r, &duvida);
    let e = l.registrar(r.id, &duvida, &Estado::Reservada).unwrap_err();
    assert!(matches!(e, ErroLivro::EstadoMudou { .. }), "{e:?}");
    assert_eq!(l.pendentes(&s).unwrap()[0].estado, duvida);
}

/// A person settles an unknown outcome, and the ledger keeps who and when.
pub fn pessoa_decide_e_fica_quem(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    let r = l.reservar(pedido(&s, None, "c"), &doc).unwrap();
    passar(&*l, &r, &Estado::Reservada);
    let e = l.decidir(r.id, &aceita(1), "maria").unwrap_err();
    assert!(
        matches!(
            e,
            ErroLivro::SemDecisao {
                estado: "reservada",
                ..
            }
        ),
        "uma nota que nunca saiu não pede decisão: {e:?}"
    );
    passar(
        &*l,
        &r,
        &Estado::Desconhecida {
            motivo: "o serviço recusou o reenvio".into(),
        },
    );
    let agora = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let antes = agora();
    l.decidir(r.id, &aceita(1), "maria").unwrap();
    let depois = agora();
    let lida = l.por_numero(&s, 1).unwrap().unwrap();
    assert_eq!(lida.estado, aceita(1));
    let decisao = lida.decisao.expect("quem decidiu");
    assert_eq!(decisao.por, "maria");
    let em = u64::try_from(decisao.em).unwrap();
    assert!(antes <= em && em <= depois, "{antes} <= {em} <= {depois}");
    let e = l
        .decidir(
            r.id,
            &Estado::Recusada {
                mensagem: "x".into(),
            },
            "joão",
        )
        .unwrap_err();
    assert!(matches!(e, ErroLivro::SemDecisao { .. }), "{e:?}");
    assert!(l.pendentes(&s).unwrap().is_empty());
}

/// A person declares a nota not issued: its number is free again.
pub fn pessoa_declara_nao_emitida(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    emitir(&*l, &s);
    let r = l.reservar(pedido(&s, None, "c"), &doc).unwrap();
    passar(&*l, &r, &Estado::Enviada);
    let nao = Estado::Recusada {
        mensagem: "não emitida, conferido no portal".into(),
    };
    l.decidir(r.id, &nao, "joão").unwrap();
    assert_eq!(l.por_numero(&s, 2).unwrap(), None);
    assert_eq!(l.reservar(pedido(&s, None, "d"), &doc).unwrap().numero, 2);
}

/// An accepted nota without a code receives it once, by a decision; never another.
pub fn aceita_sem_codigo_recebe_uma_vez(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    let r = l.reservar(pedido(&s, None, "c"), &doc).unwrap();
    let sem_codigo = Estado::Aceita { codigo: None };
    passar(&*l, &r, &sem_codigo);
    l.decidir(r.id, &aceita(1), "maria").unwrap();
    assert_eq!(l.por_numero(&s, 1).unwrap().unwrap().estado, aceita(1));
    let outro = Estado::Aceita {
        codigo: Some("OUTRO".into()),
    };
    assert!(l.decidir(r.id, &outro, "maria").is_err());
    assert!(l.registrar(r.id, &aceita(1), &outro).is_err());
    assert_eq!(l.por_numero(&s, 1).unwrap().unwrap().estado, aceita(1));
}

/// An empty message or reason is a message: it reads back as recorded (not as a missing one).
pub fn mensagem_vazia_e_guardada(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let s = seq(CNPJ, "3150");
    let r = l.reservar(pedido(&s, None, "c"), &doc).unwrap();
    let vazia = Estado::Desconhecida {
        motivo: String::new(),
    };
    l.registrar(r.id, &Estado::Enviada, &vazia).unwrap();
    assert_eq!(outro(&a).por_numero(&s, 1).unwrap().unwrap().estado, vazia);
}

/// Four handles, each with two threads, issue on one sequence WITHOUT the turn, retrying
/// while another's nota is pending: the numbers are 1..=N, each exactly once, as the ledger
/// itself reads them back.
pub fn quatro_livros_sem_vez(motor: &dyn Motor) {
    emitir_em_paralelo(motor, false);
}

/// The same, each nota issued inside the sequence's turn (`fila`): never does a thread meet
/// another's nota pending.
pub fn quatro_livros_na_vez(motor: &dyn Motor) {
    emitir_em_paralelo(motor, true);
}

const HANDLES: usize = 4;
const THREADS_POR_HANDLE: usize = 2;
const CADA: usize = 8;

fn emitir_em_paralelo(motor: &dyn Motor, na_vez: bool) {
    let Some(a) = motor.novo() else { return };
    let s = seq(CNPJ, "0044");
    let mut livros = vec![notas(&a)];
    livros.extend((1..HANDLES).map(|_| outro(&a)));
    let largada = Barrier::new(HANDLES * THREADS_POR_HANDLE);
    let mut numeros: Vec<u64> = thread::scope(|escopo| {
        let tarefas: Vec<_> = (0..HANDLES * THREADS_POR_HANDLE)
            .map(|i| {
                let (livro, s, largada) = (&livros[i % HANDLES], &s, &largada);
                escopo.spawn(move || {
                    largada.wait();
                    (0..CADA)
                        .map(|_| {
                            if na_vez {
                                emitir_com_vez(&**livro, s)
                            } else {
                                emitir_quando_livre(&**livro, s)
                            }
                        })
                        .collect::<Vec<u64>>()
                })
            })
            .collect();
        tarefas
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect()
    });
    numeros.sort_unstable();
    let total = (HANDLES * THREADS_POR_HANDLE * CADA) as u64;
    assert_eq!(numeros, (1..=total).collect::<Vec<_>>());
    // What the ledger itself holds, read by a fresh handle.
    let leitor = outro(&a);
    for n in 1..=total {
        let r = leitor
            .por_numero(&s, n)
            .unwrap()
            .unwrap_or_else(|| panic!("o número {n} falta no livro"));
        assert_eq!((r.documento, r.estado), (doc(n), aceita(n)));
    }
    assert_eq!(leitor.por_numero(&s, total + 1).unwrap(), None);
    assert_eq!(leitor.ultima(&s).unwrap().unwrap().numero, total);
    assert!(leitor.pendentes(&s).unwrap().is_empty());
}

/// Reserves and accepts one nota, retrying while another's nota is pending.
fn emitir_quando_livre(livro: &dyn LivroNotas, s: &Sequencia) -> u64 {
    loop {
        match livro.reservar(pedido(s, None, "c"), &doc) {
            Ok(r) => {
                livro
                    .registrar(r.id, &Estado::Enviada, &aceita(r.numero))
                    .unwrap();
                return r.numero;
            }
            Err(ErroLivro::Pendente { .. }) => thread::sleep(Duration::from_micros(500)),
            Err(e) => panic!("{e}"),
        }
    }
}

/// Waits for the sequence's turn, then reserves and accepts one nota.
fn emitir_com_vez(livro: &dyn LivroNotas, s: &Sequencia) -> u64 {
    let mut fila = livro.fila(s).unwrap();
    let _vez = loop {
        if let Some(v) = fila.tentar().unwrap() {
            break v;
        }
        thread::sleep(Duration::from_micros(500));
    };
    assert!(livro.pendentes(s).unwrap().is_empty(), "pendente de outro");
    let r = livro.reservar(pedido(s, None, "c"), &doc).unwrap();
    livro
        .registrar(r.id, &Estado::Enviada, &aceita(r.numero))
        .unwrap();
    r.numero
}

/// Two handles issue on one sequence, each taking the turn for every nota: neither meets the
/// other's nota pending, the numbers are contiguous, and the turns alternate (neither issued
/// all of its notas before the other began).
pub fn dois_livros_alternam_na_vez(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let s = seq(CNPJ, "3150");
    let n_cada = 30;
    let (x, y) = (notas(&a), outro(&a));
    let largada = Barrier::new(2);
    let (nx, ny) = thread::scope(|escopo| {
        let trabalhar = |livro: &Arc<dyn LivroNotas>| {
            let (livro, s, largada) = (Arc::clone(livro), &s, &largada);
            escopo.spawn(move || {
                largada.wait();
                (0..n_cada)
                    .map(|_| emitir_com_vez(&*livro, s))
                    .collect::<Vec<u64>>()
            })
        };
        let (hx, hy) = (trabalhar(&x), trabalhar(&y));
        (hx.join().unwrap(), hy.join().unwrap())
    });
    let mut todos: Vec<u64> = nx.iter().chain(&ny).copied().collect();
    todos.sort_unstable();
    assert_eq!(todos, (1..=2 * n_cada).collect::<Vec<_>>());
    assert!(
        nx.iter().max() > ny.iter().min() && ny.iter().max() > nx.iter().min(),
        "as vezes alternam: {nx:?} {ny:?}"
    );
    assert_eq!(x.ultima(&s).unwrap().unwrap().numero, 2 * n_cada);
}

/// Two handles record different outcomes over one nota at once, both having read it sent:
/// exactly one wins, the other is told the state moved (or is settled), and the row holds the
/// winner's.
pub fn registrar_concorrente(motor: &dyn Motor) {
    let Some(a) = motor.novo() else { return };
    let s = seq(CNPJ, "3150");
    let (x, y) = (notas(&a), outro(&a));
    for rodada in 0..12 {
        let r = x.reservar(pedido(&s, None, "c"), &doc).unwrap();
        let ok = aceita(r.numero);
        let nao = if rodada % 2 == 0 {
            Estado::Recusada {
                mensagem: "0-recusada".into(),
            }
        } else {
            Estado::Externa {
                mensagem: "já consta".into(),
            }
        };
        let largada = Barrier::new(2);
        let (rx, ry) = thread::scope(|escopo| {
            let hx = escopo.spawn(|| {
                largada.wait();
                x.registrar(r.id, &Estado::Enviada, &ok)
            });
            let hy = escopo.spawn(|| {
                largada.wait();
                y.registrar(r.id, &Estado::Enviada, &nao)
            });
            (hx.join().unwrap(), hy.join().unwrap())
        });
        let (vencedor, perdedor) = match (&rx, &ry) {
            (Ok(()), Err(e)) => (&ok, e),
            (Err(e), Ok(())) => (&nao, e),
            _ => panic!("exatamente um vence: {rx:?} {ry:?}"),
        };
        assert!(
            matches!(
                perdedor,
                ErroLivro::JaResolvida { .. } | ErroLivro::EstadoMudou { .. }
            ),
            "{perdedor:?}"
        );
        let guardado = if matches!(vencedor, Estado::Recusada { .. }) {
            assert_eq!(x.por_numero(&s, r.numero).unwrap(), None);
            None
        } else {
            Some(x.por_numero(&s, r.numero).unwrap().unwrap().estado)
        };
        if let Some(g) = guardado {
            assert_eq!(&g, vencedor);
        }
    }
}

/// What happens to a nota in [`numeracao_segue_o_modelo`].
#[derive(Clone, Debug)]
enum Desfecho {
    Aceita,
    AceitaSemCodigo,
    Recusada,
    Externa,
    /// Unknown, then settled by a person as issued or not.
    Decidida(bool),
}

/// Property: for any run of outcomes, and a number asked for or not, a sequence numbers as a
/// model says — the next after the highest nota not refused, a refused number given back —
/// and every number reads back to its nota. One ledger, one sequence per generated run.
pub fn numeracao_segue_o_modelo(motor: &dyn Motor) {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let Some(a) = motor.novo() else { return };
    let l = notas(&a);
    let desfecho = prop_oneof![
        Just(Desfecho::Aceita),
        Just(Desfecho::AceitaSemCodigo),
        Just(Desfecho::Recusada),
        Just(Desfecho::Externa),
        any::<bool>().prop_map(Desfecho::Decidida),
    ];
    let passos = proptest::collection::vec((desfecho, any::<bool>()), 1..8);
    let corrida = std::sync::atomic::AtomicU32::new(0);
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&passos, |passos| {
            let n = corrida.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let s = seq(CNPJ, &format!("p{n}"));
            let mut vivos: Vec<(u64, Estado)> = Vec::new();
            for (desfecho, com_numero) in passos {
                let proximo = vivos.last().map_or(1, |(n, _)| n + 1);
                let pedido_n = com_numero.then_some(proximo);
                let r = l.reservar(pedido(&s, pedido_n, "c"), &doc).unwrap();
                prop_assert_eq!(r.numero, proximo);
                let final_ = match desfecho {
                    Desfecho::Aceita => aceita(r.numero),
                    Desfecho::AceitaSemCodigo => Estado::Aceita { codigo: None },
                    Desfecho::Recusada => Estado::Recusada {
                        mensagem: "0-recusada".into(),
                    },
                    Desfecho::Externa => Estado::Externa {
                        mensagem: "já consta".into(),
                    },
                    Desfecho::Decidida(emitida) => {
                        let duvida = Estado::Desconhecida {
                            motivo: "tempo esgotado".into(),
                        };
                        l.registrar(r.id, &Estado::Enviada, &duvida).unwrap();
                        let decisao = if emitida {
                            aceita(r.numero)
                        } else {
                            Estado::Recusada {
                                mensagem: "não emitida".into(),
                            }
                        };
                        l.decidir(r.id, &decisao, "maria").unwrap();
                        decisao
                    }
                };
                if !matches!(desfecho, Desfecho::Decidida(_)) {
                    l.registrar(r.id, &Estado::Enviada, &final_).unwrap();
                }
                if !matches!(final_, Estado::Recusada { .. }) {
                    vivos.push((r.numero, final_));
                }
            }
            for (n, estado) in &vivos {
                let lida = l.por_numero(&s, *n).unwrap();
                prop_assert_eq!(lida.map(|r| r.estado), Some(estado.clone()));
            }
            let ultima = l.ultima(&s).unwrap().map(|r| r.numero);
            prop_assert_eq!(ultima, vivos.last().map(|(n, _)| *n));
            prop_assert!(l.pendentes(&s).unwrap().is_empty());
            Ok(())
        })
        .unwrap();
}
