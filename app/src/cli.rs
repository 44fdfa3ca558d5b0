//! The command-line contract of DESIGN.md.
//!
//! The doc comments below are the `--help` text users read, in Portuguese and plain text
//! (`<NOTA>`, `[;codigo_receita]`), not rustdoc markup.
#![allow(rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// guichê — um só balcão para integrações fiscais e contábeis brasileiras.
#[derive(Debug, Parser)]
#[command(name = "guiche", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Saída legível por máquina (JSON) na saída padrão.
    #[arg(long, global = true)]
    pub(crate) json: bool,

    /// Arquivo de configuração (guiche.toml); padrão: GUICHE_CONFIG. As variáveis de ambiente prevalecem.
    #[arg(long, global = true, value_name = "ARQUIVO")]
    pub(crate) config: Option<PathBuf>,

    #[command(subcommand)]
    pub(crate) comando: Comando,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Comando {
    /// Demonstração de ponta a ponta, sem configuração.
    Demo,
    /// NFD — Nota Fiscal Digital (serviço municipal SOAP).
    #[command(subcommand)]
    Nfd(Nfd),
    /// NFS-e Nacional — a DPS do Sistema Nacional NFS-e, validada e assinada offline.
    #[command(subcommand)]
    Nfse(Nfse),
    /// CONAM — integração contábil (API REST).
    #[command(subcommand)]
    Conam(Conam),
    /// SERPRO Integra Contador.
    #[command(subcommand)]
    Serpro(Serpro),
    /// Conecta gov.br (consultas de CPF e CNPJ).
    #[command(subcommand)]
    Conecta(Conecta),
    /// e-CAC: baixa automática de DARF e DAS (empresas, guias, pagamentos, ocorrências).
    #[command(subcommand)]
    Ecac(Ecac),
    /// Serve a API HTTP/JSON (OpenAPI em /api/v1/openapi.json) até SIGTERM ou Ctrl-C.
    Serve {
        /// Endereço e porta (127.0.0.1:0: uma porta livre); a primeira linha impressa traz a URL.
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORTA")]
        addr: String,
    },
    /// Tokens de acesso à API (guiche serve) e seus papéis.
    #[command(subcommand)]
    Token(Token),
    /// Consultas de CPF, CNPJ e CND: APIs comerciais do SERPRO (empresas privadas) ou Conecta
    /// gov.br (órgãos públicos), conforme a configuração.
    #[command(subcommand)]
    Consulta(Consulta),
    /// Usuários das páginas web (guiche serve em /): quem entra com login e senha.
    #[command(subcommand)]
    Usuario(Usuario),
    /// O livro (SQLite ou PostgreSQL): migração entre motores e limpeza do que já não serve.
    #[command(subcommand)]
    Livro(Livro),
    /// Sobe os simuladores em 127.0.0.1 até Ctrl-C e mostra as variáveis para usá-los.
    Sandbox {
        /// Primeira porta (as seguintes são usadas em ordem); padrão: portas livres.
        #[arg(long)]
        port: Option<u16>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum Token {
    /// Cria um token; ele é mostrado uma só vez, na última linha (o livro guarda só o hash).
    Create {
        /// Quem ou o que vai usá-lo (uma pessoa, um sistema).
        #[arg(long)]
        nome: String,
        /// admin (tudo, inclusive tokens, empresas e configurações), operador (consulta e envia) ou leitura (só consulta).
        #[arg(long)]
        papel: String,
    },
    /// Lista os tokens (nunca o segredo).
    List,
    /// Revoga um token.
    Revoke {
        /// O id do token (guiche token list).
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum Consulta {
    /// Situação de um ou mais CPFs.
    Cpf {
        /// Os CPFs (com ou sem máscara).
        #[arg(required = true)]
        cpfs: Vec<String>,
        /// Etiqueta da chamada no relatório de consumo do SERPRO (X-Request-Tag, até 32
        /// caracteres); padrão: consulta-cpf-NÚMERO.
        #[arg(long)]
        etiqueta: Option<String>,
    },
    /// Dados de um CNPJ: básicos, ou com o quadro de sócios.
    Cnpj {
        /// O CNPJ (com ou sem máscara).
        cnpj: String,
        /// Com o quadro de sócios (CPFs mascarados).
        #[arg(long, conflicts_with = "empresa")]
        qsa: bool,
        /// Com o quadro de sócios e seus CPFs.
        #[arg(long)]
        empresa: bool,
        /// Etiqueta da chamada (X-Request-Tag); padrão: consulta-cnpj-NÚMERO.
        #[arg(long)]
        etiqueta: Option<String>,
    },
    /// Certidão negativa de débitos (CND) de um CPF ou CNPJ (só pelas APIs do SERPRO).
    Cnd {
        /// O CPF ou CNPJ.
        documento: String,
        /// Etiqueta da chamada (X-Request-Tag); padrão: consulta-cnd-NÚMERO.
        #[arg(long)]
        etiqueta: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum Usuario {
    /// Cria um usuário. A senha (12 caracteres ou mais) vem de GUICHE_USUARIO_SENHA ou de uma
    /// linha da entrada padrão, nunca da linha de comando.
    Add {
        /// O login (letras sem acento, dígitos, '.', '_', '-', '@').
        login: String,
        /// admin (tudo), operador (consulta e envia) ou leitura (só consulta).
        #[arg(long)]
        papel: String,
    },
    /// Lista os usuários (nunca a senha nem o hash).
    List,
    /// Desativa um usuário: ele não entra mais e suas sessões acabam.
    Disable {
        /// O login.
        login: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum Livro {
    /// Copia o livro SQLite para um banco PostgreSQL vazio e confere tabela por tabela e nota
    /// por nota; só grava se tudo conferir. Pare os outros guichês antes (eles esperam a cópia).
    Migrar {
        /// O banco de destino, postgres://usuario@servidor:5432/banco (a senha vem de
        /// GUICHE_DB_SENHA, nunca da linha de comando).
        #[arg(long, value_name = "URL")]
        para: String,
        /// O livro SQLite de origem; padrão: GUICHE_DB (ou o caminho padrão).
        #[arg(long, value_name = "ARQUIVO")]
        de: Option<PathBuf>,
    },
    /// Apaga do livro o que já não serve: sessões web vencidas, respostas de Idempotency-Key
    /// mais velhas que GUICHE_IDEMPOTENCIA_HORAS (padrão 24) e rodadas de trabalhos terminadas
    /// há mais de GUICHE_RODADAS_DIAS (padrão 30), em lotes de 1000 linhas. O guiche serve
    /// faz o mesmo ao subir e de hora em hora.
    Limpar,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Ecac {
    /// Empresas acompanhadas e como cada uma acessa o e-CAC.
    #[command(subcommand)]
    Company(Empresa),
    /// Guias (DARF e DAS) emitidas pelo escritório.
    #[command(subcommand)]
    Guides(Guias),
    /// Busca os pagamentos (PAGTOWEB) das empresas com certificado A1 ou código de acesso e dá baixa nas guias pagas.
    Sync {
        /// Só esta empresa (CNPJ).
        #[arg(long)]
        empresa: Option<String>,
        /// Quantas empresas este processo sincroniza ao mesmo tempo (1 a 64; padrão:
        /// GUICHE_ECAC_TRABALHADORES ou 1). Vários processos no mesmo livro dividem as empresas.
        #[arg(long, value_name = "N", value_parser = crate::config::trabalhadores)]
        trabalhadores: Option<usize>,
    },
    /// Caixa postal do e-CAC (DTE): mensagens não lidas por empresa, com os dias até a ciência tácita (15 dias após a disponibilização), lidas pela sincronização.
    #[command(name = "caixa-postal")]
    CaixaPostal {
        /// Só esta empresa (CNPJ).
        #[arg(long)]
        empresa: Option<String>,
    },
    /// Importa pagamentos de um CSV (empresas com certificado A3) e dá baixa nas guias pagas.
    Import {
        /// Arquivo CSV (; e vírgula decimal): numero_documento;contribuinte;data_arrecadacao;valor[;codigo_receita].
        arquivo: PathBuf,
    },
    /// Ocorrências da conciliação: tabela, agrupamento e exportação.
    Occurrences {
        /// Só esta empresa (CNPJ).
        #[arg(long)]
        empresa: Option<String>,
        /// Agrupar por ocorrencia ou por empresa.
        #[arg(long, default_value = "ocorrencia")]
        group_by: String,
        /// Exporta para ARQUIVO.xlsx (uma planilha por grupo) ou ARQUIVO.csv.
        #[arg(long)]
        export: Option<PathBuf>,
        /// Mostra o histórico de um número de documento em vez das ocorrências atuais.
        #[arg(long)]
        historico: Option<String>,
    },
    /// Grava o comprovante de pagamento (PDF) de um documento (PAGTOWEB/COMPARRECADACAO72).
    Proof {
        /// Número do documento (17 dígitos, com ou sem máscara).
        numero: String,
        /// Arquivo PDF a gravar (padrão: comprovante-NUMERO.pdf).
        #[arg(long)]
        saida: Option<PathBuf>,
    },
    /// Localiza as guias de uma empresa no livro; com --emitir, emite o DAS do período pelo SERPRO.
    Locate {
        /// CNPJ da empresa.
        #[arg(long)]
        empresa: String,
        /// Só deste período de apuração (AAAAMM).
        #[arg(long)]
        periodo: Option<String>,
        /// Emite um DAS novo do período (PGDASD/GERARDAS12) e o registra.
        #[arg(long, requires = "periodo")]
        emitir: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum Empresa {
    /// Cadastra uma empresa.
    Add {
        /// CNPJ.
        cnpj: String,
        /// Nome (razão social ou apelido).
        #[arg(long, default_value = "")]
        nome: String,
        /// Desde quando usa o e-CAC (AAAA-MM-DD); sem isto, a empresa não usa o e-CAC.
        #[arg(long)]
        ecac_desde: Option<String>,
        /// Acesso ao e-CAC: a1, a3 ou codigo.
        #[arg(long)]
        acesso: String,
        /// O certificado é de um procurador (o escritório), não da empresa.
        #[arg(long)]
        procurador: bool,
    },
    /// Lista as empresas.
    List,
    /// Altera o cadastro de uma empresa.
    Set {
        /// CNPJ.
        cnpj: String,
        /// Novo nome.
        #[arg(long)]
        nome: Option<String>,
        /// Desde quando usa o e-CAC (AAAA-MM-DD).
        #[arg(long, conflicts_with = "sem_ecac")]
        ecac_desde: Option<String>,
        /// Deixou de usar o e-CAC.
        #[arg(long)]
        sem_ecac: bool,
        /// Acesso ao e-CAC: a1, a3 ou codigo.
        #[arg(long)]
        acesso: Option<String>,
        /// O certificado é de um procurador: sim ou nao.
        #[arg(long)]
        procurador: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum Guias {
    /// Importa guias de um CSV (; e vírgula decimal): tipo;numero_documento;contribuinte;codigo_receita;periodo;vencimento;valor;codigo_barras.
    Import {
        /// Arquivo CSV.
        arquivo: PathBuf,
    },
    /// Lista as guias do livro.
    List {
        /// Só desta empresa (CNPJ ou CPF).
        #[arg(long)]
        empresa: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum Conecta {
    /// Situação cadastral de 1 a 50 CPFs.
    Cpf {
        /// CPFs, com ou sem máscara.
        #[arg(required = true)]
        cpfs: Vec<String>,
    },
    /// Dados básicos de um CNPJ.
    Cnpj {
        /// O CNPJ, com ou sem máscara.
        cnpj: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum Serpro {
    /// Chama um serviço do Integra Contador e mostra os dados decodificados e as mensagens.
    Call {
        /// Apoiar, Consultar, Declarar, Emitir ou Monitorar.
        tipo: String,
        /// idSistema (ex.: PGDASD).
        #[arg(long)]
        sistema: String,
        /// idServico (ex.: GERARDAS12).
        #[arg(long)]
        servico: String,
        /// versaoSistema (padrão: a do catálogo, ou 1.0).
        #[arg(long)]
        versao: Option<String>,
        /// CPF ou CNPJ do contribuinte.
        #[arg(long)]
        contribuinte: String,
        /// O JSON de entrada do serviço (`dados`).
        #[arg(long)]
        dados: Option<String>,
        /// Autor do pedido, quando não é o contratante: um procurador (assina o termo com GUICHE_SERPRO_PROCURADOR_CERT).
        #[arg(long)]
        autor: Option<String>,
        /// Etiqueta da chamada no relatório de consumo do SERPRO (X-Request-Tag, até 32
        /// caracteres, ex.: o nome do trabalho); padrão: CONTRIBUINTE-idServico.
        #[arg(long)]
        etiqueta: Option<String>,
    },
    /// Gera o DAS do Simples Nacional de um período (PGDASD/GERARDAS12; com --mei, PGMEI/GERARDASPDF21) e o registra no livro do e-CAC.
    Das {
        /// CNPJ do contribuinte.
        #[arg(long)]
        contribuinte: String,
        /// Período de apuração (AAAAMM).
        #[arg(long)]
        periodo: String,
        /// Pasta onde gravar o PDF de cada guia (DAS-<número>.pdf).
        #[arg(long)]
        pdf: Option<PathBuf>,
        /// DAS do MEI (PGMEI) em vez do Simples Nacional (PGDASD).
        #[arg(long)]
        mei: bool,
    },
    /// Calcula e emite um DARF (SICALC/CONSOLIDARGERARDARF51) e o registra no livro do e-CAC.
    Darf {
        /// CPF ou CNPJ do contribuinte.
        #[arg(long)]
        contribuinte: String,
        /// Código de receita, com a extensão se houver (ex.: 0190 ou 0190-01).
        #[arg(long)]
        receita: String,
        /// Período de apuração mensal (AAAAMM ou MM/AAAA).
        #[arg(long)]
        periodo: String,
        /// Vencimento original do tributo (AAAA-MM-DD).
        #[arg(long)]
        vencimento: String,
        /// Valor do imposto (principal), ex.: 1000,00.
        #[arg(long)]
        valor: String,
        /// UF do contribuinte (ex.: SP).
        #[arg(long)]
        uf: String,
        /// Código SIAFI do município (ex.: 7107).
        #[arg(long)]
        municipio: String,
        /// Data do pagamento, até a qual multa e juros são calculados (padrão: hoje).
        #[arg(long)]
        consolidacao: Option<String>,
        /// Pasta onde gravar o PDF (DARF-<número>.pdf).
        #[arg(long)]
        pdf: Option<PathBuf>,
    },
    /// Declarações do PGDAS-D de um ano ou de um mês, com o DAS de cada uma e se foi pago (PGDASD/CONSDECLARACAO13).
    Declaracoes {
        /// CNPJ do contribuinte.
        #[arg(long)]
        contribuinte: String,
        /// Ano-calendário (AAAA).
        #[arg(long, conflicts_with = "periodo", required_unless_present = "periodo")]
        ano: Option<u16>,
        /// Período de apuração (AAAAMM).
        #[arg(long)]
        periodo: Option<String>,
    },
    /// Mensagens da caixa postal do e-CAC do contribuinte (CAIXAPOSTAL/MSGCONTRIBUINTE61).
    CaixaPostal {
        /// CPF ou CNPJ do contribuinte.
        #[arg(long)]
        contribuinte: String,
    },
    /// Quais contribuintes tiveram atualizações nos últimos 60 dias (EVENTOSATUALIZACAO; até 1000 por lote).
    Eventos {
        /// pagamentos (E0701), caixa-postal (E0601) ou dctfweb (E0301).
        #[arg(long)]
        evento: String,
        /// CPFs ou CNPJs separados por vírgula (todos CPF ou todos CNPJ).
        #[arg(long, value_delimiter = ',', required = true)]
        contribuintes: Vec<String>,
    },
    /// Assina o termo de autorização com o certificado do procurador (GUICHE_SERPRO_PROCURADOR_CERT), envia-o e mostra até quando vale.
    Procurador {
        /// CPF ou CNPJ do procurador (o titular do certificado).
        #[arg(long)]
        autor: String,
    },
    /// Pagamentos do contribuinte num intervalo de datas de arrecadação (PAGTOWEB/PAGAMENTOS71).
    Pagamentos {
        /// CPF ou CNPJ do contribuinte.
        #[arg(long)]
        contribuinte: String,
        /// Primeira data de arrecadação (AAAA-MM-DD).
        #[arg(long)]
        de: String,
        /// Última data de arrecadação (AAAA-MM-DD).
        #[arg(long)]
        ate: String,
        /// Só conta os pagamentos, numa chamada (PAGTOWEB/CONTACONSDOCARRPG73).
        #[arg(long)]
        contar: bool,
    },
    /// Relatório de situação fiscal (SITFIS), gravado em PDF; espera o relatório ficar pronto.
    Sitfis {
        /// CPF ou CNPJ do contribuinte.
        #[arg(long)]
        contribuinte: String,
        /// Arquivo PDF a gravar.
        #[arg(long)]
        saida: PathBuf,
    },
    /// Procurações do e-CAC de um outorgante para um outorgado (PROCURACOES/OBTERPROCURACAO41).
    Procuracoes {
        /// CPF ou CNPJ de quem outorgou.
        #[arg(long)]
        outorgante: String,
        /// CPF ou CNPJ de quem recebeu (padrão: o contratante).
        #[arg(long)]
        outorgado: Option<String>,
    },
    /// Chamadas bilhetadas registradas no livro, por contratante, serviço e mês.
    Usage {
        /// Só deste contratante (CNPJ).
        #[arg(long)]
        contratante: Option<String>,
        /// Só deste mês (AAAAMM).
        #[arg(long)]
        mes: Option<String>,
        /// Confere o relatório de consumo do SERPRO (CSV da Área do Cliente) com as chamadas
        /// registradas no livro e lista o que difere, por etiqueta; sai com 1 se houver
        /// diferença.
        #[arg(long, value_name = "RELATORIO.csv")]
        conferir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum Nfse {
    /// Valida uma DPS offline (leiaute 1.01): o XML, ou JSON com as tags do XML como chaves e
    /// todo valor entre aspas. Cada violação traz o caminho XML (infDPS/valores/vServPrest/vServ).
    Validate {
        /// Arquivo da DPS (.xml ou .json).
        arquivo: PathBuf,
    },
    /// Monta e assina uma DPS offline, sem enviá-la: valida, calcula o Id, escreve o XML na ordem
    /// do leiaute e o assina (XMLDSig sobre infDPS) com o certificado A1 do prestador, lido de
    /// GUICHE_NFSE_CERT (.pfx/.p12) com a senha em GUICHE_NFSE_CERT_SENHA (ou
    /// GUICHE_NFSE_CERT_SENHA_ARQUIVO). O arquivo gravado só é legível pelo dono.
    Dps {
        /// Arquivo da DPS (.xml ou .json).
        arquivo: PathBuf,
        /// Onde gravar a DPS assinada (XML em UTF-8).
        #[arg(long, value_name = "DPS.xml")]
        saida: PathBuf,
    },
    /// Emite uma NFS-e na SEFIN Nacional exatamente uma vez: valida a DPS, assina com o
    /// certificado do prestador (GUICHE_NFSE_CERT), registra no livro pelo Id da DPS ANTES de
    /// enviar, envia (GUICHE_NFSE_URL, terminada em /SefinNacional) e registra o resultado. Um
    /// resultado desconhecido é resolvido pelo Id da DPS na próxima execução ou no `status`;
    /// rodar de novo com o mesmo arquivo não emite outra NFS-e.
    Send {
        /// Arquivo da DPS (.xml ou .json).
        arquivo: PathBuf,
    },
    /// Emite um lote: cada DPS (.xml ou .json) das pastas e arquivos dados, exatamente uma vez,
    /// na ordem da série e do nDPS. Uma DPS de resultado em aberto para a sua série (as
    /// seguintes não saem); as outras séries seguem. Rodar de novo retoma: o que já foi emitido
    /// é respondido pelo livro.
    Batch {
        /// Pastas (todo .xml e .json nelas) ou arquivos de DPS.
        #[arg(required = true)]
        caminhos: Vec<PathBuf>,
    },
    /// Situação de uma DPS pelo seu Id (DPS + 42 dígitos: livro, e a SEFIN pelo Id quando o
    /// resultado está em aberto) ou de uma NFS-e pela chave de acesso (50 dígitos).
    Status {
        /// Id da DPS ou chave de acesso da NFS-e.
        alvo: String,
    },
    /// Gera o DANFSe (PDF A4, leiaute da NT 008/2026, com QR code) a partir do XML autorizado
    /// da NFS-e: de um arquivo .xml, ou pela chave de acesso, lida na SEFIN Nacional
    /// (GUICHE_NFSE_URL, GUICHE_NFSE_CERT). O PDF gravado só é legível pelo dono. Em
    /// homologação (tpAmb 2) leva "SEM VALOR FISCAL".
    Danfse {
        /// Chave de acesso da NFS-e (50 dígitos) ou arquivo com o XML da NFS-e autorizada.
        alvo: String,
        /// Onde gravar o PDF.
        #[arg(long, value_name = "DANFSE.pdf")]
        saida: PathBuf,
        /// Marca o DANFSe como CANCELADA (a NFS-e teve evento de cancelamento registrado).
        #[arg(long)]
        cancelada: bool,
    },
    /// Cancela uma NFS-e (evento 101101, assinado com o certificado do prestador).
    Cancel {
        /// Chave de acesso da NFS-e (50 dígitos).
        chave: String,
        /// cMotivo: 1 erro na emissão, 2 serviço não prestado, 9 outros.
        #[arg(long)]
        codigo: String,
        /// xMotivo: a justificativa, de 15 a 255 caracteres.
        #[arg(long)]
        motivo: String,
    },
    /// Registra outro evento que o contribuinte assina sobre uma NFS-e, com o certificado de
    /// GUICHE_NFSE_CERT (o autor é o titular): análise fiscal do cancelamento (101103),
    /// confirmação ou rejeição pelo prestador, tomador ou intermediário (202201, 203202,
    /// 204203, 202205, 203206, 204207) ou cancelamento por substituição (105102).
    Event {
        /// Chave de acesso da NFS-e (50 dígitos).
        chave: String,
        /// O evento, pelo código ou nome: analise-fiscal, substituicao,
        /// confirmacao-prestador|tomador|intermediario, rejeicao-prestador|tomador|intermediario.
        #[arg(long)]
        tipo: String,
        /// cMotivo: análise fiscal 1, 2 ou 9; rejeição 1–5 ou 9; substituição 01–05 ou 99.
        #[arg(long)]
        codigo: Option<String>,
        /// xMotivo: a justificativa, de 15 a 255 caracteres (obrigatória na análise fiscal).
        #[arg(long)]
        motivo: Option<String>,
        /// chSubstituta: a chave da NFS-e substituta (só na substituição).
        #[arg(long, value_name = "CHAVE")]
        substituta: Option<String>,
    },
    /// Alíquotas municipais do ISS de um serviço, lidas dos parâmetros municipais do ADN
    /// (GUICHE_NFSE_ADN_URL; sem ela, o ADN do mesmo ambiente de GUICHE_NFSE_URL), com o
    /// certificado de GUICHE_NFSE_CERT no mTLS.
    Aliquota {
        /// Código IBGE do município (7 dígitos).
        municipio: String,
        /// Código de tributação nacional do serviço (cTribNac, ex.: 010101).
        servico: String,
        /// Competência (DD/MM/AAAA); padrão: hoje.
        #[arg(long, value_name = "DD/MM/AAAA")]
        data: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum Nfd {
    /// Emite uma nota: valida, reserva o número no livro, envia e registra o resultado.
    Send {
        /// Arquivo da nota (.xml ou .json). NUMERO_NOTA em branco: o livro atribui o próximo.
        arquivo: PathBuf,
        /// Código da prefeitura no serviço NFD (ex.: 3150).
        #[arg(long)]
        prefeitura: String,
        /// CNPJ ou CPF do prestador. A senha vem de GUICHE_NFD_SENHA (ou GUICHE_NFD_SENHA_ARQUIVO).
        #[arg(long)]
        prestador: String,
        /// Pede a URL de impressão (EnviarNotaRetornaurlNota) em vez do código de autenticidade.
        #[arg(long)]
        url_impressao: bool,
        /// Emite uma nota nova mesmo que o livro já tenha uma emitida com o mesmo conteúdo (duas
        /// notas iguais de propósito). Só vale para NUMERO_NOTA em branco: um número explícito já
        /// identifica a nota.
        #[arg(long)]
        nova: bool,
    },
    /// Registra a decisão de uma pessoa sobre uma nota de resultado desconhecido, depois de
    /// conferi-la no portal NFD: emitida (com o código de autenticidade) ou não emitida (o número
    /// volta a ficar livre). O livro guarda quem decidiu e quando.
    Resolve {
        /// NUMERO_NOTA da nota pendente.
        numero: u64,
        /// Código da prefeitura no serviço NFD.
        #[arg(long)]
        prefeitura: String,
        /// CNPJ ou CPF do prestador.
        #[arg(long)]
        prestador: String,
        /// A nota foi emitida: o código de autenticidade visto no portal.
        #[arg(
            long,
            value_name = "CODIGO",
            conflicts_with = "nao_emitida",
            required_unless_present = "nao_emitida"
        )]
        emitida: Option<String>,
        /// A nota não foi emitida.
        #[arg(long)]
        nao_emitida: bool,
        /// Quem decide (padrão: o usuário do sistema, USER).
        #[arg(long)]
        por: Option<String>,
    },
    /// Emite muitas notas: em ordem dentro de cada prestador e prefeitura, em paralelo entre eles;
    /// retomável (o que já foi emitido não é enviado de novo).
    Batch {
        /// Arquivos de nota, ou um roteiro .tsv com linhas `prefeitura<TAB>prestador<TAB>arquivo`.
        #[arg(required = true)]
        arquivos: Vec<PathBuf>,
        /// Prefeitura das notas dadas diretamente.
        #[arg(long)]
        prefeitura: Option<String>,
        /// Prestador das notas dadas diretamente.
        #[arg(long)]
        prestador: Option<String>,
        /// Quantas sequências (prestador × prefeitura) andam ao mesmo tempo.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
        concurrency: u16,
        /// Pede a URL de impressão em vez do código de autenticidade.
        #[arg(long)]
        url_impressao: bool,
    },
    /// Valida uma nota offline: o XML <NOTA> do manual, ou JSON com as mesmas chaves.
    Validate {
        /// Arquivo da nota (.xml ou .json).
        arquivo: PathBuf,
        /// Código da prefeitura no serviço NFD (ex.: 3150, 0044, 3039): aplica as regras do município.
        #[arg(long)]
        prefeitura: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum Conam {
    /// Envia um pacote: valida offline, confere se o período está aberto, envia e registra no livro.
    Send {
        /// Arquivo do pacote (o JSON do manual).
        arquivo: PathBuf,
        /// Acompanha a situação até a contabilidade avaliar o pacote.
        #[arg(long)]
        wait: bool,
        /// Tabela 2 atualizada (TSV) no lugar da do manual.
        #[arg(long, value_name = "ARQUIVO")]
        tabela2: Option<PathBuf>,
    },
    /// Consulta a situação de um pacote enviado.
    Status {
        /// O idPacote.
        id_pacote: u64,
    },
    /// Verifica se o mês está aberto para movimentação na contabilidade.
    Period {
        /// Código da entidade.
        entidade: String,
        /// Ano (AAAA).
        #[arg(value_parser = clap::value_parser!(u16).range(2000..=2100))]
        ano: u16,
        /// Mês (1 a 12).
        #[arg(value_parser = clap::value_parser!(u8).range(1..=12))]
        mes: u8,
    },
    /// Lista as receitas orçamentárias (ou extraorçamentárias, com --extra) da entidade no ano.
    Revenues {
        /// Código da entidade.
        entidade: String,
        /// Ano (AAAA).
        #[arg(value_parser = clap::value_parser!(u16).range(2000..=2100))]
        ano: u16,
        /// Receitas extraorçamentárias.
        #[arg(long)]
        extra: bool,
    },
    /// Valida um pacote de movimentos offline contra as Tabelas 1 e 2 do manual.
    Validate {
        /// Arquivo do pacote, o JSON exatamente como o manual mostra.
        arquivo: PathBuf,
        /// Tabela 2 atualizada (TSV no formato de domain/data/conam-tabela2.tsv) no lugar da do manual.
        #[arg(long, value_name = "ARQUIVO")]
        tabela2: Option<PathBuf>,
    },
}
