//! One module per command group; each returns the exit code of the contract.

mod conam;
mod conam_envio;
mod conecta;
mod consulta;
#[cfg(feature = "simuladores")]
mod demo;
#[cfg(feature = "simuladores")]
mod demo_consulta;
#[cfg(feature = "simuladores")]
mod demo_ecac;
#[cfg(feature = "simuladores")]
mod demo_nfse;
mod ecac;
mod ecac_guias;
mod ecac_sync;
mod emitir;
mod livro;
mod nfd;
mod nfse;
#[cfg(feature = "simuladores")]
mod sandbox;
mod serpro;
mod serpro_consultas;
mod serpro_servicos;
mod serve;
mod token;
mod usuario;

use crate::cli::{
    Cli, Comando, Conam, Conecta, Ecac, Empresa, Guias, Livro, Nfd, Nfse, Serpro, Token, Usuario,
};
use crate::erro::{Codigo, ErroApp};

/// Runs the command the user asked for.
pub(crate) async fn executar(cli: Cli) -> Result<Codigo, ErroApp> {
    let json = cli.json;
    match cli.comando {
        #[cfg(feature = "simuladores")]
        Comando::Demo => demo::executar(json).await,
        #[cfg(not(feature = "simuladores"))]
        Comando::Demo => Err(sem_simuladores("demo")),
        Comando::Ecac(e) => executar_ecac(e, json).await,
        #[cfg(feature = "simuladores")]
        Comando::Sandbox { port } => sandbox::executar(port).await,
        #[cfg(not(feature = "simuladores"))]
        Comando::Sandbox { .. } => Err(sem_simuladores("sandbox")),
        Comando::Serve { addr } => serve::executar(&addr).await,
        Comando::Token(Token::Create { nome, papel }) => token::criar(&nome, &papel, json),
        Comando::Token(Token::List) => token::listar(json),
        Comando::Token(Token::Revoke { id }) => token::revogar(id, json),
        Comando::Usuario(Usuario::Add { login, papel }) => usuario::criar(&login, &papel, json),
        Comando::Usuario(Usuario::List) => usuario::listar(json),
        Comando::Usuario(Usuario::Disable { login }) => usuario::desativar(&login, json),
        Comando::Livro(Livro::Migrar { para, de }) => livro::migrar(&para, de.as_deref(), json),
        Comando::Livro(Livro::Limpar) => livro::limpar(json),
        Comando::Consulta(c) => consulta::executar(c, json).await,
        Comando::Nfse(Nfse::Validate { arquivo }) => nfse::validar(&arquivo, json),
        Comando::Nfse(Nfse::Dps { arquivo, saida }) => nfse::dps(&arquivo, &saida, json),
        Comando::Nfse(Nfse::Send { arquivo }) => nfse::enviar(&arquivo, json).await,
        Comando::Nfse(Nfse::Batch { caminhos }) => nfse::lote(&caminhos, json).await,
        Comando::Nfse(Nfse::Status { alvo }) => nfse::situacao(&alvo, json).await,
        Comando::Nfse(Nfse::Danfse {
            alvo,
            saida,
            cancelada,
        }) => nfse::danfse(&alvo, &saida, cancelada, json).await,
        Comando::Nfse(Nfse::Cancel {
            chave,
            codigo,
            motivo,
        }) => nfse::cancelar(&chave, &codigo, &motivo, json).await,
        Comando::Nfse(Nfse::Event {
            chave,
            tipo,
            codigo,
            motivo,
            substituta,
        }) => {
            let pedido = nfse::PedidoEventoCli {
                tipo: &tipo,
                codigo: codigo.as_deref(),
                motivo: motivo.as_deref(),
                substituta: substituta.as_deref(),
            };
            nfse::registrar_evento(&chave, &pedido, json).await
        }
        Comando::Nfse(Nfse::Aliquota {
            municipio,
            servico,
            data,
        }) => nfse::aliquota(&municipio, &servico, data.as_deref(), json).await,
        Comando::Nfd(Nfd::Validate {
            arquivo,
            prefeitura,
        }) => nfd::validar(&arquivo, prefeitura.as_deref(), json),
        Comando::Nfd(Nfd::Send {
            arquivo,
            prefeitura,
            prestador,
            url_impressao,
            nova,
        }) => {
            let opcoes = guiche_aplicacao::nfd::servico::OpcoesEmissao {
                url_impressao,
                nova,
            };
            emitir::enviar(&arquivo, &prefeitura, &prestador, opcoes, json).await
        }
        Comando::Nfd(Nfd::Resolve {
            numero,
            prefeitura,
            prestador,
            emitida,
            nao_emitida: _,
            por,
        }) => {
            let decisao = match emitida.map(|c| c.trim().to_owned()) {
                Some(codigo) if codigo.is_empty() => {
                    return Err(ErroApp::Uso(
                        "--emitida: informe o código de autenticidade visto no portal NFD".into(),
                    ));
                }
                Some(codigo) => guiche_aplicacao::nfd::emissao::Decisao::Emitida { codigo },
                None => guiche_aplicacao::nfd::emissao::Decisao::NaoEmitida,
            };
            emitir::resolver(
                numero,
                &prefeitura,
                &prestador,
                decisao,
                por.as_deref(),
                json,
            )
            .await
        }
        Comando::Nfd(Nfd::Batch {
            arquivos,
            prefeitura,
            prestador,
            concurrency,
            url_impressao,
        }) => {
            emitir::lote(
                &arquivos,
                prefeitura.as_deref(),
                prestador.as_deref(),
                concurrency,
                url_impressao,
                json,
            )
            .await
        }
        Comando::Conam(Conam::Validate { arquivo, tabela2 }) => {
            conam::validar(&arquivo, tabela2.as_deref(), json)
        }
        Comando::Conam(Conam::Send {
            arquivo,
            wait,
            tabela2,
        }) => conam_envio::enviar(&arquivo, wait, tabela2.as_deref(), json).await,
        Comando::Serpro(Serpro::Call {
            tipo,
            sistema,
            servico,
            versao,
            contribuinte,
            dados,
            autor,
            etiqueta,
        }) => {
            let pedido = serpro::PedidoCli {
                tipo,
                sistema,
                servico,
                versao,
                contribuinte,
                dados,
                autor,
                etiqueta,
            };
            serpro::chamar(pedido, json).await
        }
        Comando::Conecta(Conecta::Cpf { cpfs }) => conecta::cpf(&cpfs, json).await,
        Comando::Conecta(Conecta::Cnpj { cnpj }) => conecta::cnpj(&cnpj, json).await,
        Comando::Serpro(Serpro::Das {
            contribuinte,
            periodo,
            pdf,
            mei,
        }) => serpro_servicos::das(&contribuinte, &periodo, pdf.as_deref(), mei, json).await,
        Comando::Serpro(Serpro::Pagamentos {
            contribuinte,
            de,
            ate,
            contar,
        }) => serpro_servicos::pagamentos(&contribuinte, &de, &ate, contar, json).await,
        Comando::Serpro(Serpro::Darf {
            contribuinte,
            receita,
            periodo,
            vencimento,
            valor,
            uf,
            municipio,
            consolidacao,
            pdf,
        }) => {
            let pedido = serpro_consultas::DarfCli {
                contribuinte,
                receita,
                periodo,
                vencimento,
                valor,
                uf,
                municipio,
                consolidacao,
            };
            serpro_consultas::darf(pedido, pdf.as_deref(), json).await
        }
        Comando::Serpro(Serpro::Declaracoes {
            contribuinte,
            ano,
            periodo,
        }) => serpro_consultas::declaracoes(&contribuinte, ano, periodo.as_deref(), json).await,
        Comando::Serpro(Serpro::CaixaPostal { contribuinte }) => {
            serpro_consultas::caixa_postal(&contribuinte, json).await
        }
        Comando::Serpro(Serpro::Eventos {
            evento,
            contribuintes,
        }) => serpro_consultas::eventos(&evento, &contribuintes, json).await,
        Comando::Serpro(Serpro::Procurador { autor }) => serpro::procurador(&autor, json).await,
        Comando::Serpro(Serpro::Sitfis {
            contribuinte,
            saida,
        }) => serpro_servicos::sitfis(&contribuinte, &saida, json).await,
        Comando::Serpro(Serpro::Procuracoes {
            outorgante,
            outorgado,
        }) => serpro_servicos::procuracoes(&outorgante, outorgado.as_deref(), json).await,
        Comando::Serpro(Serpro::Usage {
            contratante,
            mes,
            conferir: None,
        }) => serpro::uso(contratante.as_deref(), mes.as_deref(), json),
        Comando::Serpro(Serpro::Usage {
            contratante,
            mes,
            conferir: Some(relatorio),
        }) => serpro::conferir(&relatorio, contratante.as_deref(), mes.as_deref(), json),
        Comando::Conam(Conam::Status { id_pacote }) => conam_envio::situacao(id_pacote, json).await,
        Comando::Conam(Conam::Period { entidade, ano, mes }) => {
            conam_envio::periodo(&entidade, ano, mes, json).await
        }
        Comando::Conam(Conam::Revenues {
            entidade,
            ano,
            extra,
        }) => conam_envio::receitas(&entidade, ano, extra, json).await,
    }
}

/// `comando` in a build without the simulators (`--no-default-features`): a usage error that
/// says which build has them.
#[cfg(not(feature = "simuladores"))]
fn sem_simuladores(comando: &str) -> ErroApp {
    ErroApp::Uso(format!(
        "{comando}: este binário foi compilado sem os simuladores (--no-default-features); \
         use um compilado com a feature padrão `simuladores` (cargo build --release -p guiche)"
    ))
}

/// `guiche ecac …`.
async fn executar_ecac(comando: Ecac, json: bool) -> Result<Codigo, ErroApp> {
    match comando {
        Ecac::Company(Empresa::Add {
            cnpj,
            nome,
            ecac_desde,
            acesso,
            procurador,
        }) => ecac::empresa_add(
            &cnpj,
            &nome,
            ecac_desde.as_deref(),
            &acesso,
            procurador,
            json,
        ),
        Ecac::Company(Empresa::List) => ecac::empresa_list(json),
        Ecac::Company(Empresa::Set {
            cnpj,
            nome,
            ecac_desde,
            sem_ecac,
            acesso,
            procurador,
        }) => {
            let alteracao = ecac::AlteracaoEmpresa {
                cnpj: &cnpj,
                nome: nome.as_deref(),
                ecac_desde: ecac_desde.as_deref(),
                sem_ecac,
                acesso: acesso.as_deref(),
                procurador: procurador.as_deref(),
            };
            ecac::empresa_set(alteracao, json)
        }
        Ecac::Guides(Guias::Import { arquivo }) => ecac::guias_import(&arquivo, json),
        Ecac::Guides(Guias::List { empresa }) => ecac::guias_list(empresa.as_deref(), json),
        Ecac::Sync {
            empresa,
            trabalhadores,
        } => ecac_sync::sincronizar(empresa.as_deref(), trabalhadores, json).await,
        Ecac::CaixaPostal { empresa } => ecac::caixa_postal(empresa.as_deref(), json),
        Ecac::Import { arquivo } => ecac::importar_pagamentos(&arquivo, json),
        Ecac::Occurrences {
            empresa,
            group_by,
            export,
            historico,
        } => {
            let consulta = ecac::ConsultaOcorrencias {
                empresa: empresa.as_deref(),
                agrupar: &group_by,
                exportar: export.as_deref(),
                historico: historico.as_deref(),
            };
            ecac::ocorrencias(consulta, json)
        }
        Ecac::Proof { numero, saida } => {
            ecac_guias::comprovante(&numero, saida.as_deref(), json).await
        }
        Ecac::Locate {
            empresa,
            periodo,
            emitir,
        } => ecac_guias::localizar(&empresa, periodo.as_deref(), emitir, json).await,
    }
}
