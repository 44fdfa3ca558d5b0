//! The Central e-CAC's screens as `maud` markup (every value escaped).

use super::{Andamento, FiltroGuias, FormEmpresa, FormLocalizar, Importado, POR_PAGINA, Rodada};
use crate::web::Tela;
use crate::web::paginas::{acesso, cnpj, data, moldura};
use guiche_aplicacao::acesso::{Permissao, permite};
use guiche_aplicacao::ecac::acompanhamento::CaixaPostalEmpresa;
use guiche_aplicacao::ecac::central::{
    EmpresaVista, GrupoOcorrencias, LinhaOcorrencia, ListaOcorrencias, Prazos,
};
use guiche_aplicacao::ecac::localizar::Localizacao;
use guiche_aplicacao::usuarios::Sessao;
use guiche_ports::ecac::Acesso;
use maud::{Markup, html};
use std::collections::BTreeMap;

/// The kinds of occurrence, code and the seed's words, in the report's order.
pub(super) const TIPOS: [(&str, &str); 8] = [
    ("vencida", "Vencida"),
    ("paga_parcialmente", "Paga parcialmente"),
    ("paga_valor_divergente", "Paga com valor divergente"),
    ("pagamento_sem_guia", "Pagamento sem guia correspondente"),
    ("guia_duplicada", "Guia duplicada"),
    ("paga_em_atraso", "Paga em atraso"),
    ("em_aberto", "Em aberto"),
    ("paga", "Paga"),
];

/// `1234.56` as `R$ 1.234,56`.
fn reais(decimal: &str) -> String {
    let (inteiro, frac) = decimal.split_once('.').unwrap_or((decimal, "00"));
    let (sinal, inteiro) = match inteiro.strip_prefix('-') {
        Some(i) => ("-", i),
        None => ("", inteiro),
    };
    let digitos: Vec<char> = inteiro.chars().collect();
    let mut com_pontos = String::new();
    for (i, c) in digitos.iter().enumerate() {
        if i > 0 && (digitos.len() - i).is_multiple_of(3) {
            com_pontos.push('.');
        }
        com_pontos.push(*c);
    }
    let frac: String = format!("{frac:0<2}").chars().take(2).collect();
    format!("{sinal}R$ {com_pontos},{frac}")
}

/// `202609` as `09/2026`.
fn periodo(compacto: &str) -> String {
    match (compacto.get(0..4), compacto.get(4..6)) {
        (Some(a), Some(m)) if compacto.len() == 6 => format!("{m}/{a}"),
        _ => compacto.to_owned(),
    }
}

/// A field's error, tied to its input by `id`.
fn erro_campo(erros: &BTreeMap<&'static str, String>, campo: &str) -> Markup {
    html! {
        @if let Some(e) = erros.get(campo) {
            p.erro-campo id={ "erro-" (campo) } { (e) }
        }
    }
}

/// `aria-describedby` of a field with an error.
fn descrito(erros: &BTreeMap<&'static str, String>, campo: &str) -> Option<String> {
    erros.contains_key(campo).then(|| format!("erro-{campo}"))
}

/// A summary of the form's errors at its top.
fn resumo_erros(erros: &BTreeMap<&'static str, String>) -> Markup {
    html! {
        @if !erros.is_empty() {
            div.erro role="alert" {
                p { "O formulário tem " (erros.len()) " problema(s); corrija o que está indicado em cada campo." }
            }
        }
    }
}

/// What the home shows.
pub(super) struct Inicio<'a> {
    pub(super) sessao: &'a Sessao,
    pub(super) empresas: &'a [EmpresaVista],
    pub(super) ocorrencias: &'a ListaOcorrencias,
    pub(super) prazos: &'a Prazos,
    pub(super) caixa_postal: &'a [CaixaPostalEmpresa],
    pub(super) dias: u32,
    pub(super) erro_dias: Option<&'a str>,
    pub(super) proxima: Option<&'a str>,
    pub(super) rodando: bool,
}

/// `/`: the Central e-CAC.
pub(super) fn inicio(i: &Inicio<'_>) -> Markup {
    let s = i.sessao;
    let operador = permite(s.papel, Permissao::Enviar);
    moldura(
        Tela::Inicio.nome(),
        Some((s, Tela::Inicio)),
        html! {
            h1 { "Central e-CAC" }
            p.introducao {
                "Baixa automática de DARF e DAS: o que a conciliação encontrou, quando cada "
                "empresa foi sincronizada e as guias que vencem."
            }
            section aria-labelledby="titulo-ocorrencias" {
                h2 #titulo-ocorrencias { "Ocorrências" }
                @if i.ocorrencias.grupos.is_empty() {
                    p.vazio { "Nenhuma ocorrência registrada ainda. Sincronize ou importe os pagamentos." }
                } @else {
                    ul.contagens {
                        @for g in &i.ocorrencias.grupos {
                            @let codigo = g.ocorrencias.first().map(|o| o.ocorrencia.as_str()).unwrap_or_default();
                            li {
                                a href={ "/guias?ocorrencia=" (codigo) } {
                                    span.quantidade { (g.ocorrencias.len()) }
                                    " " (g.grupo)
                                }
                            }
                        }
                    }
                }
                p.acoes {
                    a.botao href="/guias" { "Gerenciar guias" }
                    " "
                    a.botao href="/importar" { "Importar pelo certificado A3" }
                }
            }
            section aria-labelledby="titulo-sincronizacao" {
                h2 #titulo-sincronizacao { "Sincronização por empresa" }
                @if i.empresas.is_empty() {
                    p.vazio { "Nenhuma empresa cadastrada. " a href="/empresas" { "Configurar empresas" } "." }
                } @else {
                    div.tabela {
                        table {
                            caption.invisivel { "Última e próxima sincronização de cada empresa" }
                            thead { tr {
                                th scope="col" { "Empresa" }
                                th scope="col" { "Tipo de acesso" }
                                th scope="col" { "Pagamentos conferidos até" }
                                th scope="col" { "Próxima sincronização" }
                            } }
                            tbody {
                                @for e in i.empresas {
                                    tr {
                                        td { (cnpj(&e.cnpj)) @if !e.nome.is_empty() { " — " (e.nome) } }
                                        td { (acesso(&e.acesso)) }
                                        td {
                                            @match &e.sincronizado_ate {
                                                Some(d) => { (data(d)) }
                                                None => { span.fraco { "nunca" } }
                                            }
                                        }
                                        td {
                                            @if e.ecac_desde.is_none() {
                                                span.fraco { "não utiliza e-CAC" }
                                            } @else if e.acesso == "a3" {
                                                span.fraco { "pelo botão Importar pelo certificado A3" }
                                            } @else {
                                                @match i.proxima {
                                                    Some(p) => { (p) }
                                                    None => { span.fraco { "sem horário diário (GUICHE_ECAC_SYNC_HORA); use Sincronizar agora" } }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if operador {
                    form.acoes method="post" action="/sincronizar" {
                        input type="hidden" name="csrf" value=(s.csrf);
                        button type="submit" { "Sincronizar agora" }
                        @if i.rodando { " " a href="/sincronizacao" { "Ver a sincronização em andamento" } }
                    }
                }
            }
            (certidoes(i.empresas, i.dias))
            (caixa_postal(i.caixa_postal))
            section aria-labelledby="titulo-prazos" {
                h2 #titulo-prazos { "Guias vencidas e a vencer" }
                form.filtros method="get" action="/" {
                    div.campo {
                        label for="dias" { "A vencer nos próximos (dias)" }
                        input #dias type="number" name="dias" min="0" max="366" value=(i.dias)
                            aria-describedby=[i.erro_dias.map(|_| "erro-dias")];
                    }
                    button type="submit" { "Mostrar" }
                }
                @if let Some(e) = i.erro_dias { p.erro-campo #erro-dias { (e) } }
                @if i.prazos.empresas.is_empty() {
                    p.vazio { "Nenhuma guia em aberto vencida ou vencendo até " (data(&i.prazos.ate)) "." }
                }
                @for e in &i.prazos.empresas {
                    h3 { (e.empresa) }
                    div.tabela {
                        table {
                            caption.invisivel { "Guias vencidas e a vencer de " (e.empresa) }
                            thead { tr {
                                th scope="col" { "Situação" }
                                th scope="col" { "Guia" }
                                th scope="col" { "Número do documento" }
                                th scope="col" { "Período" }
                                th scope="col" { "Vencimento" }
                                th scope="col" { "Valor" }
                            } }
                            tbody {
                                @for (rotulo, lista) in [("Vencida", &e.vencidas), ("A vencer", &e.a_vencer)] {
                                    @for g in lista {
                                        tr {
                                            td { @if rotulo == "Vencida" { strong.alerta { (rotulo) } } @else { (rotulo) } }
                                            td { (g.tipo) }
                                            td.numero { a href={ "/guias/" (g.numero_documento) } { (g.numero_documento) } }
                                            td { (periodo(&g.periodo)) }
                                            td.numero { (data(&g.vencimento)) }
                                            td.numero { (reais(&g.valor)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The home's "Certidões" panel: the companies whose CND is positive, or whose certificate
/// expires within `dias` days (or expired), the nearest expiry first.
fn certidoes(empresas: &[EmpresaVista], dias: u32) -> Markup {
    let mut atencao: Vec<&EmpresaVista> = empresas
        .iter()
        .filter(|e| {
            e.cnd
                .as_ref()
                .is_some_and(|c| c.requer_atencao(i64::from(dias)))
        })
        .collect();
    atencao.sort_by_key(|e| {
        e.cnd
            .as_ref()
            .and_then(|c| c.dias_validade)
            .unwrap_or(i64::MIN)
    });
    let consultadas = empresas.iter().filter(|e| e.cnd.is_some()).count();
    html! {
        section aria-labelledby="titulo-certidoes" {
            h2 #titulo-certidoes { "Certidões" }
            p.introducao {
                "CND federal (RFB/PGFN) consultada na sincronização: empresas com certidão "
                "positiva ou que vence nos próximos " (dias) " dias."
            }
            @if consultadas == 0 {
                p.vazio { "Nenhuma certidão consultada ainda: a sincronização consulta a CND quando há um caminho de consulta configurado (APIs comerciais do SERPRO)." }
            } @else if atencao.is_empty() {
                p.vazio { "Todas as certidões consultadas estão válidas por mais de " (dias) " dias." }
            } @else {
                div.tabela {
                    table {
                        caption.invisivel { "Empresas cuja certidão requer atenção" }
                        thead { tr {
                            th scope="col" { "Empresa" }
                            th scope="col" { "Situação" }
                            th scope="col" { "Validade" }
                            th scope="col" { "Consultada em" }
                        } }
                        tbody {
                            @for e in &atencao {
                                @if let Some(c) = &e.cnd {
                                    tr {
                                        td { (cnpj(&e.cnpj)) @if !e.nome.is_empty() { " — " (e.nome) } }
                                        td {
                                            @if c.situacao == "positiva" { strong.alerta { (c.descricao) } } @else { (c.descricao) }
                                            @if let Some(m) = &c.mensagem { br; span.fraco { (m) } }
                                        }
                                        td.numero {
                                            @match (&c.validade, c.dias_validade) {
                                                (Some(v), Some(d)) if d < 0 => { strong.alerta { (data(v)) " (vencida)" } }
                                                (Some(v), Some(d)) => { (data(v)) " (" (d) " dia(s))" }
                                                _ => { span.fraco { "sem certidão" } }
                                            }
                                        }
                                        td.numero { (data(&c.consultada_em)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The home's "Caixa postal (DTE)" panel: unread messages per company with the days left
/// until ciência tácita, the nearest deadline first.
fn caixa_postal(empresas: &[CaixaPostalEmpresa]) -> Markup {
    html! {
        section aria-labelledby="titulo-caixa-postal" {
            h2 #titulo-caixa-postal { "Caixa postal (DTE)" }
            p.introducao {
                "Mensagens não lidas na caixa postal do e-CAC. Uma mensagem não lida conta como "
                "lida (ciência tácita) 15 dias após ser disponibilizada, e os prazos correm."
            }
            @if empresas.is_empty() {
                p.vazio { "Nenhuma mensagem não lida nas caixas postais lidas pela sincronização." }
            } @else {
                div.tabela {
                    table {
                        caption.invisivel { "Mensagens não lidas por empresa, o prazo mais próximo primeiro" }
                        thead { tr {
                            th scope="col" { "Empresa" }
                            th scope="col" { "Assunto" }
                            th scope="col" { "Enviada em" }
                            th scope="col" { "Dias até a ciência tácita" }
                        } }
                        tbody {
                            @for e in empresas {
                                @for m in &e.mensagens {
                                    tr {
                                        td { (cnpj(&e.cnpj.replace(['.', '/', '-'], ""))) @if !e.nome.is_empty() { " — " (e.nome) } }
                                        td { (m.assunto) }
                                        td.numero {
                                            @match &m.enviada_em {
                                                Some(d) => { (data(d)) }
                                                None => { span.fraco { "desconhecida" } }
                                            }
                                        }
                                        td.numero {
                                            @match m.dias_restantes {
                                                Some(d) if d <= 0 => { span.fraco { "ciência tácita (conta como lida)" } }
                                                Some(d) if d <= 5 => { strong.alerta { (d) } }
                                                Some(d) => { (d) }
                                                None => { span.fraco { "prazo desconhecido" } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The company form's fields (add or edit).
fn campos_empresa(
    f: &FormEmpresa,
    erros: &BTreeMap<&'static str, String>,
    cnpj_editavel: bool,
) -> Markup {
    html! {
        @if cnpj_editavel {
            div.campo {
                label for="cnpj" { "CNPJ" }
                input #cnpj type="text" name="cnpj" value=(f.cnpj) required autocomplete="off"
                    spellcheck="false" aria-invalid=[erros.contains_key("cnpj").then_some("true")]
                    aria-describedby=[descrito(erros, "cnpj")];
                (erro_campo(erros, "cnpj"))
            }
        }
        div.campo {
            label for="nome" { "Nome da empresa" }
            input #nome type="text" name="nome" value=(f.nome) autocomplete="organization";
        }
        div.marcar {
            input #utiliza type="checkbox" name="utiliza" value="sim" checked[f.utiliza.is_some()];
            label for="utiliza" { "Utiliza e-CAC" }
        }
        div.campo {
            label for="ecac_desde" { "Data de início de utilização" }
            input #ecac_desde type="date" name="ecac_desde" value=(f.ecac_desde)
                aria-invalid=[erros.contains_key("ecac_desde").then_some("true")]
                aria-describedby=(if erros.contains_key("ecac_desde") { "dica-desde erro-ecac_desde" } else { "dica-desde" });
            p.dica #dica-desde { "As guias DARF e DAS pagas a partir desta data são buscadas no e-CAC. Só vale com Utiliza e-CAC marcado." }
            (erro_campo(erros, "ecac_desde"))
        }
        fieldset.campo aria-describedby=[descrito(erros, "acesso")] {
            legend { "Tipos de Acesso e-CAC" }
            @for a in Acesso::TODOS {
                @let (valor, nome) = (a.codigo(), acesso(a.codigo()));
                div.marcar {
                    input id={ "acesso-" (valor) } type="radio" name="acesso" value=(valor) checked[f.acesso == valor];
                    label for={ "acesso-" (valor) } { (nome) }
                }
            }
            p.dica {
                "Com Certificado A1 ou Código de Acesso a baixa é automática; com o A3, os "
                "pagamentos entram pelo botão Importar pelo certificado A3."
            }
            (erro_campo(erros, "acesso"))
        }
        div.marcar {
            input #procurador type="checkbox" name="procurador" value="sim" checked[f.procurador.is_some()];
            label for="procurador" { "Certificado é procuração digital" }
        }
        p.dica {
            "Marque se o certificado não é do representante legal e sim do procurador (o escritório). "
            "Esta página não guarda certificado, senha nem código de acesso: o acesso ao e-CAC usa "
            "as credenciais do escritório configuradas no servidor."
        }
    }
}

/// `/empresas`: *Configurar empresas*.
pub(super) fn empresas(
    s: &Sessao,
    lista: &[EmpresaVista],
    form: &FormEmpresa,
    erros: &BTreeMap<&'static str, String>,
    salva: Option<&str>,
) -> Markup {
    let admin = permite(s.papel, Permissao::Administrar);
    moldura(
        Tela::Empresas.nome(),
        Some((s, Tela::Empresas)),
        html! {
            h1 { "Configurar empresas" }
            @if let Some(m) = salva { p.sucesso role="status" { (m) } }
            p.introducao {
                "Só as empresas com Utiliza e-CAC marcado entram na baixa automática das guias DARF e DAS. "
                @if admin { "Escolha Alterar para mudar uma empresa." } @else { "Só o papel admin altera as empresas." }
            }
            @if lista.is_empty() {
                p.vazio { "Nenhuma empresa cadastrada." }
            } @else {
                div.tabela {
                    table {
                        caption.invisivel { "Empresas cadastradas na Central e-CAC" }
                        thead { tr {
                            th scope="col" { "CNPJ" }
                            th scope="col" { "Empresa" }
                            th scope="col" { "Utiliza e-CAC" }
                            th scope="col" { "Tipo de acesso" }
                            th scope="col" { "Certificado é procuração digital" }
                            th scope="col" { "Pagamentos conferidos até" }
                            th scope="col" { span.invisivel { "Ações" } }
                        } }
                        tbody {
                            @for e in lista {
                                tr {
                                    td.numero { (cnpj(&e.cnpj)) }
                                    td { @if e.nome.is_empty() { span.fraco { "(sem nome)" } } @else { (e.nome) } }
                                    td { @match &e.ecac_desde { Some(d) => { "Sim, desde " (data(d)) } None => { "Não" } } }
                                    td { (acesso(&e.acesso)) }
                                    td { @if e.certificado_procurador { "Sim" } @else { "Não" } }
                                    td { @match &e.sincronizado_ate { Some(d) => { (data(d)) } None => { span.fraco { "nunca" } } } }
                                    td {
                                        a href={ "/empresas/" (e.cnpj) } aria-label={ (if admin { "Alterar " } else { "Ver " }) (cnpj(&e.cnpj)) } {
                                            @if admin { "Alterar" } @else { "Ver" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if admin {
                section.formulario aria-labelledby="titulo-nova" {
                    h2 #titulo-nova { "Adicionar empresa" }
                    (resumo_erros(erros))
                    form method="post" action="/empresas" novalidate {
                        input type="hidden" name="csrf" value=(s.csrf);
                        (campos_empresa(form, erros, true))
                        button type="submit" { "Adicionar empresa" }
                    }
                }
            }
        },
    )
}

/// `/empresas/{cnpj}`: one company's settings.
pub(super) fn empresa(
    s: &Sessao,
    e: &EmpresaVista,
    form: &FormEmpresa,
    erros: &BTreeMap<&'static str, String>,
    salva: Option<&str>,
) -> Markup {
    let admin = permite(s.papel, Permissao::Administrar);
    let titulo = format!("Empresa {}", cnpj(&e.cnpj));
    moldura(
        &titulo,
        Some((s, Tela::Empresas)),
        html! {
            p { a href="/empresas" { "← Configurar empresas" } }
            h1 { (titulo) @if !e.nome.is_empty() { " — " (e.nome) } }
            @if let Some(m) = salva { p.sucesso role="status" { (m) } }
            p.introducao { "Situação: " (e.situacao) "." }
            @if admin {
                (resumo_erros(erros))
                form method="post" action={ "/empresas/" (e.cnpj) } novalidate {
                    input type="hidden" name="csrf" value=(s.csrf);
                    (campos_empresa(form, erros, false))
                    button type="submit" { "Salvar alterações" }
                }
            } @else {
                p.vazio { "Só o papel admin altera as empresas." }
            }
            p { a href={ "/localizar?empresa=" (e.cnpj) } { "Localizar guia desta empresa" } }
        },
    )
}

/// What *Gerenciar guias* shows.
pub(super) struct Guias<'a> {
    pub(super) sessao: &'a Sessao,
    pub(super) empresas: &'a [EmpresaVista],
    pub(super) filtro: &'a FiltroGuias,
    pub(super) erros: &'a BTreeMap<&'static str, String>,
    pub(super) lista: Option<&'a ListaOcorrencias>,
    pub(super) pagina: usize,
}

/// One occurrence's row.
fn linha(
    o: &LinhaOcorrencia,
    s: &Sessao,
    mostrar_empresa: bool,
    mostrar_ocorrencia: bool,
) -> Markup {
    let operador = permite(s.papel, Permissao::Enviar);
    let pago = o.valor_pago.is_some();
    html! {
        tr {
            @if mostrar_empresa { td { (o.empresa) } }
            td.numero { (o.numero_documento) }
            @if mostrar_ocorrencia { td { (o.descricao) } }
            td.numero { @if let Some(v) = &o.vencimento { (data(v)) } }
            td.numero { @if let Some(v) = &o.valor_guia { (reais(v)) } }
            td.numero { @if let Some(v) = &o.valor_pago { (reais(v)) } }
            td.numero { @if let Some(v) = &o.pago_em { (data(v)) } }
            td.numero { @if let Some(d) = o.dias_atraso { (d) } }
            td { a href={ "/guias/" (o.numero_documento) } aria-label={ "Detalhes de " (o.numero_documento) } { "Detalhes" } }
            td {
                @if pago && operador {
                    form.em-linha method="post" action={ "/guias/" (o.numero_documento) "/comprovante" } {
                        input type="hidden" name="csrf" value=(s.csrf);
                        button.discreto type="submit" aria-label={ "Baixar PDF do comprovante de pag. e-CAC de " (o.numero_documento) } { "Baixar PDF" }
                    }
                } @else if pago {
                    span.fraco { "papel operador" }
                }
            }
        }
    }
}

/// `/guias`: *Gerenciar guias*.
pub(super) fn guias(g: &Guias<'_>) -> Markup {
    let s = g.sessao;
    let f = g.filtro;
    let agrupar = f.agrupar.as_deref().unwrap_or("ocorrencia");
    let por_empresa = agrupar == "empresa";
    let query = f.query();
    let total: usize = g
        .lista
        .map_or(0, |l| l.grupos.iter().map(|x| x.ocorrencias.len()).sum());
    let paginas = total.div_ceil(POR_PAGINA).max(1);
    let pagina = g.pagina.min(paginas);
    let (de, ate) = ((pagina - 1) * POR_PAGINA, pagina * POR_PAGINA);
    let sep = if query.is_empty() { "" } else { "&" };
    let exportar = if query.is_empty() {
        "/guias/exportar".to_owned()
    } else {
        format!("/guias/exportar?{query}")
    };
    // The page's rows, group by group (a group split by the page shows its part).
    let mut visto = 0usize;
    let paginados: Vec<(&GrupoOcorrencias, Vec<&LinhaOcorrencia>)> = g
        .lista
        .map(|l| {
            l.grupos
                .iter()
                .map(|grupo| {
                    let linhas = grupo
                        .ocorrencias
                        .iter()
                        .filter(|_| {
                            let i = visto;
                            visto += 1;
                            i >= de && i < ate
                        })
                        .collect();
                    (grupo, linhas)
                })
                .filter(|(_, linhas): &(_, Vec<_>)| !linhas.is_empty())
                .collect()
        })
        .unwrap_or_default();
    moldura(
        Tela::Guias.nome(),
        Some((s, Tela::Guias)),
        html! {
            h1 { "Gerenciar guias" }
            p.introducao { "Histórico de ocorrências da baixa das guias: filtre, agrupe, veja os detalhes, baixe o comprovante e exporte para o Excel." }
            (resumo_erros(g.erros))
            form.filtros method="get" action="/guias" {
                div.campo {
                    label for="empresa" { "Empresa" }
                    select #empresa name="empresa" aria-describedby=[descrito(g.erros, "empresa")] {
                        option value="" { "Todas" }
                        @for e in g.empresas {
                            option value=(e.cnpj) selected[f.empresa.as_deref() == Some(e.cnpj.as_str())] {
                                (cnpj(&e.cnpj)) @if !e.nome.is_empty() { " — " (e.nome) }
                            }
                        }
                    }
                    (erro_campo(g.erros, "empresa"))
                }
                div.campo {
                    label for="ocorrencia" { "Ocorrência" }
                    select #ocorrencia name="ocorrencia" aria-describedby=[descrito(g.erros, "ocorrencia")] {
                        option value="" { "Todas" }
                        @for (codigo, nome) in TIPOS {
                            option value=(codigo) selected[f.ocorrencia.as_deref() == Some(codigo)] { (nome) }
                        }
                    }
                    (erro_campo(g.erros, "ocorrencia"))
                }
                div.campo {
                    label for="periodo" { "Competência (AAAAMM)" }
                    input #periodo type="text" name="periodo" inputmode="numeric" maxlength="6"
                        value=(f.periodo.clone().unwrap_or_default())
                        aria-describedby=[descrito(g.erros, "periodo")];
                    (erro_campo(g.erros, "periodo"))
                }
                div.campo {
                    label for="agrupar" { "Agrupar por" }
                    select #agrupar name="agrupar" {
                        option value="ocorrencia" selected[!por_empresa] { "Ocorrência" }
                        option value="empresa" selected[por_empresa] { "Empresa" }
                    }
                }
                button type="submit" { "Agrupar" }
            }
            @if let Some(lista) = g.lista {
                p.acoes {
                    a.botao href=(exportar) download="ocorrencias.xlsx" { "Exportar para Excel" }
                    " " span.fraco { (total) " ocorrência(s)" }
                }
                @if lista.grupos.is_empty() {
                    p.vazio { "Nenhuma ocorrência com estes filtros." }
                }
                @for (grupo, linhas) in &paginados {
                    {
                        section.grupo {
                            h2 { (grupo.grupo) " (" (grupo.ocorrencias.len()) ")" }
                            div.tabela {
                                table {
                                    caption.invisivel { "Ocorrências: " (grupo.grupo) }
                                    thead { tr {
                                        @if !por_empresa { th scope="col" { "Empresa" } }
                                        th scope="col" { "Número do documento" }
                                        @if por_empresa { th scope="col" { "Ocorrência" } }
                                        th scope="col" { "Vencimento" }
                                        th scope="col" { "Valor da guia" }
                                        th scope="col" { "Valor pago" }
                                        th scope="col" { "Pago em" }
                                        th scope="col" { "Dias de atraso" }
                                        th scope="col" { "Detalhes" }
                                        th scope="col" { "Comprovante de pag. e-CAC" }
                                    } }
                                    tbody {
                                        @for o in linhas { (linha(o, s, !por_empresa, por_empresa)) }
                                    }
                                }
                            }
                        }
                    }
                }
                @if paginas > 1 {
                    nav.paginas aria-label="Páginas" {
                        @if pagina > 1 { a href={ "/guias?" (query) (sep) "pagina=" (pagina - 1) } rel="prev" { "← Anterior" } " " }
                        span { "Página " (pagina) " de " (paginas) }
                        @if pagina < paginas { " " a href={ "/guias?" (query) (sep) "pagina=" (pagina + 1) } rel="next" { "Próxima →" } }
                    }
                }
            }
        },
    )
}

/// `/guias/{numero}`: *Detalhes*, the document's occurrence history.
pub(super) fn detalhes(s: &Sessao, numero: &str, lista: &ListaOcorrencias) -> Markup {
    let linhas: Vec<&LinhaOcorrencia> = lista.grupos.iter().flat_map(|g| &g.ocorrencias).collect();
    let mut ordenadas = linhas.clone();
    ordenadas.sort_by_key(|o| o.registro.id);
    let ultima = ordenadas.last();
    let operador = permite(s.papel, Permissao::Enviar);
    let titulo = format!("Detalhes da guia {numero}");
    moldura(
        &titulo,
        Some((s, Tela::Guias)),
        html! {
            p { a href="/guias" { "← Gerenciar guias" } }
            h1 { (titulo) }
            @match ultima {
                None => { p.vazio { "Nenhuma ocorrência registrada para este número de documento." } }
                Some(u) => {
                    dl.detalhes {
                        dt { "Empresa" } dd { (u.empresa) }
                        dt { "Situação atual" } dd { (u.descricao) }
                        @if let Some(v) = &u.vencimento { dt { "Vencimento" } dd { (data(v)) } }
                        @if let Some(v) = &u.valor_guia { dt { "Valor da guia" } dd { (reais(v)) } }
                        @if let Some(v) = &u.valor_pago { dt { "Valor pago" } dd { (reais(v)) } }
                        @if let Some(v) = &u.falta { dt { "Falta pagar" } dd { (reais(v)) } }
                        @if let Some(v) = &u.pago_em { dt { "Pago em" } dd { (data(v)) } }
                        @if let Some(d) = u.dias_atraso { dt { "Dias de atraso" } dd { (d) } }
                    }
                    @if u.valor_pago.is_some() && operador {
                        form method="post" action={ "/guias/" (numero) "/comprovante" } {
                            input type="hidden" name="csrf" value=(s.csrf);
                            button type="submit" { "Comprovante de pag. e-CAC" }
                        }
                    }
                    h2 { "Histórico de ocorrências" }
                    div.tabela {
                        table {
                            caption.invisivel { "Histórico de ocorrências da guia" }
                            thead { tr {
                                th scope="col" { "Registrada em" }
                                th scope="col" { "Ocorrência" }
                                th scope="col" { "Valor pago" }
                                th scope="col" { "Pago em" }
                                th scope="col" { "Dias de atraso" }
                            } }
                            tbody {
                                @for o in &ordenadas {
                                    tr {
                                        td.numero { (data(&o.registrada_em)) }
                                        td { (o.descricao) }
                                        td.numero { @if let Some(v) = &o.valor_pago { (reais(v)) } }
                                        td.numero { @if let Some(v) = &o.pago_em { (data(v)) } }
                                        td.numero { @if let Some(d) = o.dias_atraso { (d) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// What *Localizar guia* shows.
pub(super) struct Localizar<'a> {
    pub(super) sessao: &'a Sessao,
    pub(super) empresas: &'a [EmpresaVista],
    pub(super) form: &'a FormLocalizar,
    pub(super) erros: BTreeMap<&'static str, String>,
    pub(super) resultado: Option<Localizacao>,
    pub(super) falha: Option<String>,
    pub(super) gerada: bool,
}

/// `/localizar`: *Localizar guia*.
pub(super) fn localizar(l: &Localizar<'_>) -> Markup {
    let s = l.sessao;
    let operador = permite(s.papel, Permissao::Enviar);
    let escolhida = l.form.empresa.as_deref().unwrap_or_default();
    let escolhida = escolhida
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>();
    let periodo_digitado = l.form.periodo.clone().unwrap_or_default();
    moldura(
        Tela::Localizar.nome(),
        Some((s, Tela::Localizar)),
        html! {
            h1 { "Localizar guia" }
            p.introducao { "As guias já geradas para a empresa, com a situação da baixa; e a geração de uma nova guia (DAS) pelo SERPRO." }
            (resumo_erros(&l.erros))
            form.filtros method="get" action="/localizar" {
                div.campo {
                    label for="empresa" { "Empresa" }
                    select #empresa name="empresa" required aria-describedby=[descrito(&l.erros, "empresa")] {
                        option value="" { "Escolha" }
                        @for e in l.empresas {
                            option value=(e.cnpj) selected[escolhida == e.cnpj] {
                                (cnpj(&e.cnpj)) @if !e.nome.is_empty() { " — " (e.nome) }
                            }
                        }
                    }
                    (erro_campo(&l.erros, "empresa"))
                }
                div.campo {
                    label for="periodo" { "Período de apuração (AAAAMM)" }
                    input #periodo type="text" name="periodo" inputmode="numeric" maxlength="6"
                        value=(periodo_digitado) aria-describedby=[descrito(&l.erros, "periodo")];
                    (erro_campo(&l.erros, "periodo"))
                }
                button type="submit" { "Localizar guia" }
                @if operador {
                    " "
                    button.secundario type="submit" formmethod="post" formaction="/localizar" name="csrf" value=(s.csrf) {
                        "Gerar nova guia (DAS)"
                    }
                }
            }
            @if let Some(m) = &l.falha { p.erro role="alert" { (m) } }
            @if let Some(r) = &l.resultado {
                @if l.gerada { p.sucesso role="status" { "DAS do período gerado pelo SERPRO e registrado." } }
                @for a in &r.avisos { p.erro role="alert" { (a) } }
                h2 { "Guias de " (cnpj(&r.empresa)) " (" (r.guias.len()) ")" }
                @if r.guias.is_empty() {
                    p.vazio { "Nenhuma guia registrada para esta empresa" @if !periodo_digitado.is_empty() { " neste período" } "." }
                } @else {
                    div.tabela {
                        table {
                            caption.invisivel { "Guias da empresa" }
                            thead { tr {
                                th scope="col" { "Número do documento" }
                                th scope="col" { "Período" }
                                th scope="col" { "Vencimento" }
                                th scope="col" { "Valor" }
                                th scope="col" { "Situação" }
                                th scope="col" { "Baixada em" }
                            } }
                            tbody {
                                @for g in &r.guias {
                                    tr {
                                        td.numero { a href={ "/guias/" (g.numero_documento) } { (g.numero_documento) } }
                                        td { (periodo(&g.periodo)) }
                                        td.numero { (data(&g.vencimento)) }
                                        td.numero { (reais(&g.valor)) }
                                        td { (g.situacao) }
                                        td.numero { @if let Some(d) = &g.baixada_em { (data(d)) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// `/importar`: *Importar pelo certificado A3* (and the guides' file).
pub(super) fn importar(s: &Sessao, feito: Option<&Importado>) -> Markup {
    let operador = permite(s.papel, Permissao::Enviar);
    moldura(
        Tela::Importar.nome(),
        Some((s, Tela::Importar)),
        html! {
            h1 { "Importar pelo certificado A3" }
            p.introducao {
                "Para as empresas com Certificado A3 a baixa não é automática: exporte do e-CAC "
                "os pagamentos (CSV) e importe aqui; as guias são conciliadas na hora. "
                "O mesmo formulário importa as guias geradas em outro sistema."
            }
            @match feito {
                Some(Importado::Pagamentos(r)) => {
                    p.sucesso role="status" {
                        (r.origem) ": " (r.pagamentos_recebidos) " pagamento(s) lido(s), "
                        (r.pagamentos_novos) " novo(s); " (r.guias_baixadas) " guia(s) baixada(s); "
                        (r.ocorrencias_novas) " ocorrência(s) nova(s). "
                        a href="/guias" { "Gerenciar guias" }
                    }
                }
                Some(Importado::Guias(r)) => {
                    p.sucesso role="status" {
                        (r.lidas) " guia(s) lida(s): " (r.novas) " nova(s), " (r.ja_existiam) " já existiam."
                    }
                    @if !r.conflitos.is_empty() {
                        div.erro role="alert" {
                            p { "Recusadas (outra guia já registrada com o mesmo número):" }
                            ul { @for c in &r.conflitos { li { (c) } } }
                        }
                    }
                }
                Some(Importado::Recusado(texto, violacoes)) => {
                    div.erro role="alert" #erro-arquivo {
                        p { (texto) }
                        @if !violacoes.is_empty() {
                            ul {
                                @for v in violacoes {
                                    li { strong { (v.campo) } ": " (v.mensagem) @if !v.valor.is_empty() { " (\"" (v.valor) "\")" } }
                                }
                            }
                        }
                    }
                }
                None => {}
            }
            @if operador {
                form.formulario method="post" action="/importar" enctype="multipart/form-data" {
                    input type="hidden" name="csrf" value=(s.csrf);
                    fieldset.campo {
                        legend { "O que o arquivo traz" }
                        div.marcar {
                            input #tipo-pagamentos type="radio" name="tipo" value="pagamentos" checked;
                            label for="tipo-pagamentos" { "Pagamentos do e-CAC (certificado A3)" }
                        }
                        div.marcar {
                            input #tipo-guias type="radio" name="tipo" value="guias";
                            label for="tipo-guias" { "Guias DARF e DAS geradas" }
                        }
                    }
                    div.campo {
                        label for="arquivo" { "Arquivo CSV" }
                        input #arquivo type="file" name="arquivo" accept=".csv,text/csv" required
                            aria-describedby=[matches!(feito, Some(Importado::Recusado(..))).then_some("erro-arquivo")];
                    }
                    button type="submit" { "Importar pelo certificado A3" }
                }
            } @else {
                p.vazio { "Só os papéis operador e admin importam arquivos." }
            }
        },
    )
}

/// The words of a company's progress.
fn andamento(a: &Andamento) -> (&'static str, &str) {
    match a {
        Andamento::Pendente => ("Pendente", ""),
        Andamento::Feita(t) => ("Concluída", t),
        Andamento::Pulada(t) => ("Pulada", t),
        Andamento::Falhou(t) => ("Falhou", t),
    }
}

/// `/sincronizacao`: the progress of *Sincronizar agora*. While the round runs, its section is
/// loaded again every 2 s and replaced in place by the desks' script (`balcoes.js`, a polite
/// live region: a screen reader keeps its place, which a whole-page reload loses); without the
/// script, the "Atualizar agora" link.
pub(super) fn progresso(s: &Sessao, rodada: Option<&Rodada>) -> Markup {
    let rodando = rodada.is_some_and(|r| !r.terminada);
    let conteudo = html! {
        h1 { "Sincronizar agora" }
        section #andamento aria-live="polite" data-atualizar=[rodando.then_some("2000")] {
            @match rodada {
                None => { p.vazio { "Nenhuma sincronização pedida por esta página desde que o servidor começou." } }
                Some(r) => {
                    p {
                        @if r.terminada { "Sincronização concluída." } @else { "Sincronizando… esta página se atualiza sozinha a cada 2 segundos." }
                        " Pedida por " (r.por) " em " (r.inicio) "."
                        @if rodando { " " a href="/sincronizacao" { "Atualizar agora" } }
                    }
                    @if let Some(e) = &r.erro { p.erro role="alert" { (e) } }
                    @if r.empresas.is_empty() {
                        p.vazio { "Nenhuma empresa com Certificado A1 ou Código de Acesso e Utiliza e-CAC marcado." }
                    } @else {
                        div.tabela {
                            table {
                                caption.invisivel { "Andamento de cada empresa" }
                                thead { tr {
                                    th scope="col" { "Empresa" }
                                    th scope="col" { "Andamento" }
                                    th scope="col" { "Resultado" }
                                } }
                                tbody {
                                    @for (c, nome, a) in &r.empresas {
                                        @let (rotulo, texto) = andamento(a);
                                        tr {
                                            td { (c) @if !nome.is_empty() { " — " (nome) } }
                                            td { span class={ "andamento " (rotulo.to_lowercase()) } { (rotulo) } }
                                            td { (texto) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        p { a href="/" { "Voltar à Central e-CAC" } " · " a href="/guias" { "Gerenciar guias" } }
        script src="/estatico/balcoes.js" defer {}
    };
    moldura("Sincronizar agora", Some((s, Tela::Inicio)), conteudo)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessao(papel: guiche_ports::acesso::Papel) -> Sessao {
        Sessao {
            login: "ana".into(),
            papel,
            csrf: "c".into(),
        }
    }

    fn empresa() -> EmpresaVista {
        EmpresaVista {
            cnpj: "11444777000161".into(),
            nome: "<script>alert(1)</script> & Cia".into(),
            ecac_desde: Some("2026-01-01".into()),
            acesso: "a1".into(),
            certificado_procurador: true,
            sincronizado_ate: None,
            situacao: String::new(),
            cnd: None,
        }
    }

    #[test]
    fn values_are_escaped_and_only_an_admin_gets_the_form() {
        use guiche_ports::acesso::Papel;
        let e = empresa();
        let p = empresas(
            &sessao(Papel::Admin),
            std::slice::from_ref(&e),
            &FormEmpresa::default(),
            &BTreeMap::new(),
            None,
        )
        .into_string();
        assert!(p.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Cia"));
        assert!(!p.contains("<script>"));
        assert!(p.contains("11.444.777/0001-61") && p.contains("desde 01/01/2026"));
        assert!(p.contains(r#"action="/empresas""#) && p.contains("Tipos de Acesso e-CAC"));
        let leitura = empresas(
            &sessao(Papel::Leitura),
            &[e],
            &FormEmpresa::default(),
            &BTreeMap::new(),
            None,
        )
        .into_string();
        assert!(!leitura.contains(r#"action="/empresas""#));
        assert!(leitura.contains("Só o papel admin"));
    }

    #[test]
    fn a_fields_error_is_shown_next_to_it_and_tied_to_it() {
        use guiche_ports::acesso::Papel;
        let erros = BTreeMap::from([("cnpj", "CNPJ \"1\": curto".to_owned())]);
        let form = FormEmpresa {
            cnpj: "1".into(),
            ..FormEmpresa::default()
        };
        let p = empresas(&sessao(Papel::Admin), &[], &form, &erros, None).into_string();
        assert!(p.contains(r#"aria-describedby="erro-cnpj""#), "{p}");
        assert!(
            p.contains(r#"<p class="erro-campo" id="erro-cnpj">CNPJ &quot;1&quot;: curto</p>"#),
            "{p}"
        );
    }

    /// `n` occurrences of kind "Vencida", numbered from 1.
    fn vencidas(n: u64) -> Vec<LinhaOcorrencia> {
        use guiche_domain::guia::NumeroDocumento;
        use guiche_domain::{Cnpj, Data, Documento};
        use guiche_ports::ecac::{Achado, Ocorrencia};
        (1..=n)
            .map(|i| {
                let numero = NumeroDocumento::from_u64(7_202_600_000_000_000 + i).unwrap();
                let dia = Data::new(2026, 10, 20).unwrap();
                LinhaOcorrencia {
                    empresa: "11.444.777/0001-61".into(),
                    contribuinte: "11444777000161".into(),
                    numero_documento: numero.as_digitos(),
                    ocorrencia: "vencida".into(),
                    descricao: "Vencida".into(),
                    vencimento: Some("2026-10-20".into()),
                    valor_guia: Some("1.00".into()),
                    valor_pago: None,
                    falta: None,
                    pago_em: None,
                    dias_atraso: Some(33),
                    registrada_em: "2026-11-22".into(),
                    registro: Ocorrencia {
                        id: i64::try_from(i).unwrap(),
                        achado: Achado {
                            contribuinte: Documento::Cnpj(Cnpj::parse("11444777000161").unwrap()),
                            numero,
                            chave: format!("guia:{}", numero.as_digitos()),
                            codigo: "vencida".into(),
                            descricao: "Vencida".into(),
                            valor_guia: None,
                            valor_pago: None,
                            vencimento: Some(dia),
                            pago_em: None,
                            dias_atraso: None,
                            paga: false,
                        },
                        registrada_em: dia,
                    },
                }
            })
            .collect()
    }

    #[test]
    fn a_long_list_is_paged_and_the_links_keep_the_filter() {
        use guiche_ports::acesso::Papel;
        let lista = ListaOcorrencias {
            grupos: vec![GrupoOcorrencias {
                grupo: "Vencida".into(),
                ocorrencias: vencidas(60),
            }],
        };
        let filtro = FiltroGuias {
            ocorrencia: Some("vencida".into()),
            pagina: Some("2".into()),
            ..FiltroGuias::default()
        };
        let erros = BTreeMap::new();
        let s = sessao(Papel::Leitura);
        let g = Guias {
            sessao: &s,
            empresas: &[],
            filtro: &filtro,
            erros: &erros,
            lista: Some(&lista),
            pagina: 2,
        };
        let p = guias(&g).into_string();
        assert!(p.contains("Página 2 de 2"), "{p}");
        assert!(
            p.contains(r#"href="/guias?ocorrencia=vencida&amp;pagina=1""#),
            "{p}"
        );
        assert!(!p.contains("pagina=3"));
        // Page 2 holds the 51st to the 60th.
        assert!(p.contains("07202600000000051") && p.contains("07202600000000060"));
        assert!(!p.contains(">07202600000000050<"));
        assert!(
            p.contains(r#"href="/guias/exportar?ocorrencia=vencida""#),
            "{p}"
        );
    }

    #[test]
    fn money_and_periods_are_written_the_brazilian_way() {
        assert_eq!(reais("1234567.5"), "R$ 1.234.567,50");
        assert_eq!(reais("480.00"), "R$ 480,00");
        assert_eq!(reais("-12"), "-R$ 12,00");
        assert_eq!(periodo("202609"), "09/2026");
        assert_eq!(periodo("x"), "x");
    }

    #[test]
    fn every_kind_of_occurrence_is_offered_with_the_domains_words() {
        use guiche_domain::Valor;
        use guiche_domain::conciliacao::TipoOcorrencia;
        let v = Valor::from_centavos(1);
        let todos = [
            TipoOcorrencia::Paga,
            TipoOcorrencia::PagaEmAtraso { dias_atraso: 1 },
            TipoOcorrencia::PagaValorDivergente {
                valor_guia: v,
                valor_pago: v,
                em_atraso: false,
            },
            TipoOcorrencia::PagaParcialmente {
                valor_guia: v,
                valor_pago: v,
            },
            TipoOcorrencia::PagamentoSemGuia,
            TipoOcorrencia::EmAberto,
            TipoOcorrencia::Vencida { dias_atraso: 1 },
            TipoOcorrencia::GuiaDuplicada { primeira: 0 },
        ];
        assert_eq!(todos.len(), TIPOS.len());
        for t in todos {
            assert!(
                TIPOS.contains(&(t.codigo(), t.descricao())),
                "{} ausente",
                t.codigo()
            );
        }
    }
}
