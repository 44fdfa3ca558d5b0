// The Central e-CAC's whole workflow in a real browser (Debian's Chromium, headless, driven by
// playwright-core), as an accountant does it: log in; Configurar empresas (a mistake first,
// shown next to its field, then the company); import the guides' CSV; Sincronizar agora against
// the SERPRO simulator and follow its progress; Gerenciar guias grouped by occurrence and by
// company; Detalhes; Exportar para Excel and Comprovante de pag. e-CAC downloaded (saved to
// DOWNLOADS: the Rust test opens the workbook); Localizar guia and a new DAS; the home's
// Certidões and Caixa postal (DTE) panels after the sync. axe-core on every
// screen (no serious or critical violation) and no console error; a screenshot of each screen.
//
//   GUICHE_TESTE_LOGIN=ana GUICHE_TESTE_SENHA=… GUICHE_TESTE_CNPJ=11444777000161 \
//   GUICHE_TESTE_GUIAS=guias.csv DOWNLOADS=/tmp/baixados node app/tests/navegador/ecac.mjs URL
//
// The password comes from the environment, never from the command line. The login must be an
// admin (it configures companies). CHROMIUM overrides /usr/bin/chromium; TELAS overrides the
// screenshots' folder (docs/telas/).

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { abrirChromium, acessibilidade, concluir, telas, verificar } from './comum.mjs';

const base = (process.argv[2] || '').replace(/\/$/, '');
const login = process.env.GUICHE_TESTE_LOGIN;
const senha = process.env.GUICHE_TESTE_SENHA;
const cnpj = process.env.GUICHE_TESTE_CNPJ;
const guias = process.env.GUICHE_TESTE_GUIAS;
const baixados = process.env.DOWNLOADS;
if (!base || !login || !senha || !cnpj || !guias || !baixados) {
  console.error('uso: GUICHE_TESTE_LOGIN=… GUICHE_TESTE_SENHA=… GUICHE_TESTE_CNPJ=… GUICHE_TESTE_GUIAS=… DOWNLOADS=… node ecac.mjs URL');
  process.exit(2);
}
const mascarado = cnpj.replace(/^(\d{2})(\d{3})(\d{3})(\d{4})(\d{2})$/, '$1.$2.$3/$4-$5');
mkdirSync(baixados, { recursive: true });

/** The screen checked and photographed. */
async function tela(page, nome) {
  await acessibilidade(page, nome);
  await page.screenshot({ path: join(telas, `${nome}.png`), fullPage: true });
}

/** The link of the navigation menu named `nome`. */
function menu(page, nome) {
  return page.getByRole('navigation', { name: 'Central e-CAC' }).getByRole('link', { name: nome, exact: true });
}

/** Clicks what `alvo` names and waits for the next page. */
async function navegar(page, alvo) {
  await Promise.all([page.waitForNavigation(), alvo.click()]);
}

const { page, erros, fechar } = await abrirChromium({ acceptDownloads: true });
try {

  // Log in.
  await page.goto(`${base}/entrar`);
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Senha').fill(senha);
  await navegar(page, page.getByRole('button', { name: 'Entrar' }));
  verificar(new URL(page.url()).pathname === '/', `entrou: ${page.url()}`);

  // Configurar empresas: a mistake first (Utiliza e-CAC without its date), shown at the field.
  await navegar(page, menu(page, 'Configurar empresas'));
  await page.getByLabel('CNPJ').fill(mascarado);
  await page.getByLabel('Nome da empresa').fill('Padaria Pão de Ló');
  await page.getByLabel('Utiliza e-CAC').check();
  await page.getByLabel('Código de Acesso').check();
  await navegar(page, page.getByRole('button', { name: 'Adicionar empresa' }));
  const erroData = await page.locator('#erro-ecac_desde').textContent();
  verificar(/data de início/.test(erroData || ''), `a data que falta, ao lado do campo: "${erroData}"`);
  const descrito = await page.getByLabel('Data de início de utilização').getAttribute('aria-describedby');
  verificar((descrito || '').includes('erro-ecac_desde'), `o erro está ligado ao campo (${descrito})`);
  verificar(await page.getByLabel('Utiliza e-CAC').isChecked(), 'o que foi marcado continua marcado');
  erros.splice(0, erros.length, ...erros.filter((e) => !/status of 422/.test(e)));
  await tela(page, 'configurar-empresas-erro');
  await page.getByLabel('Data de início de utilização').fill('2026-01-01');
  await page.getByLabel('Certificado é procuração digital').check();
  await navegar(page, page.getByRole('button', { name: 'Adicionar empresa' }));
  const status = await page.locator('[role=status]').textContent();
  verificar((status || '').includes(`Empresa ${mascarado} cadastrada`), `cadastrada: "${status}"`);
  const linha = await page.locator('table tbody tr', { hasText: mascarado }).textContent();
  verificar(/Sim, desde 01\/01\/2026/.test(linha || '') && /Código de Acesso/.test(linha || ''), `na lista: "${linha}"`);
  await tela(page, 'configurar-empresas');

  // Import the guides (the same form imports the A3 payments).
  await navegar(page, menu(page, 'Importar pelo certificado A3'));
  await page.getByLabel('Guias DARF e DAS geradas').check();
  await page.getByLabel('Arquivo CSV').setInputFiles(guias);
  await navegar(page, page.getByRole('button', { name: 'Importar pelo certificado A3' }));
  const importadas = await page.locator('[role=status]').textContent();
  verificar(/guia\(s\) lida\(s\)/.test(importadas || ''), `guias importadas: "${importadas}"`);
  await tela(page, 'importar');

  // Sincronizar agora, and its progress until done.
  await navegar(page, menu(page, 'Central e-CAC'));
  await navegar(page, page.getByRole('button', { name: 'Sincronizar agora' }));
  verificar(new URL(page.url()).pathname === '/sincronizacao', `o andamento: ${page.url()}`);
  await page.getByText('Sincronização concluída.').waitFor({ timeout: 60000 });
  const andamento = await page.locator('table tbody tr', { hasText: mascarado }).textContent();
  verificar(/Concluída/.test(andamento || ''), `a empresa sincronizada: "${andamento}"`);
  await tela(page, 'sincronizar-agora');

  // The home: counts per occurrence, the sync, the deadlines.
  await page.goto(`${base}/`);
  const contagens = await page.locator('.contagens').textContent();
  verificar(/Paga/.test(contagens || '') && /Vencida/.test(contagens || ''), `contagem por ocorrência: "${contagens}"`);
  verificar((await page.getByRole('heading', { name: 'Guias vencidas e a vencer' }).count()) === 1, 'as guias vencidas e a vencer');
  // Certidões: the company's positive CND, read by the sync.
  const certidoes = await page.locator('section', { has: page.getByRole('heading', { name: 'Certidões', exact: true }) }).textContent();
  verificar(certidoes.includes(mascarado) && /Positiva/.test(certidoes), `o quadro Certidões: "${certidoes}"`);
  // Caixa postal (DTE): the unread message of 19/11, 12 days before ciência tácita.
  const caixa = page.locator('section', { has: page.getByRole('heading', { name: 'Caixa postal (DTE)' }) });
  const naoLida = await caixa.locator('tbody tr').first().textContent();
  const dias = (await caixa.locator('tbody tr').first().locator('td').last().textContent()).trim();
  verificar(naoLida.includes(mascarado) && /Termo de Intimação 2026\/001/.test(naoLida) && /19\/11\/2026/.test(naoLida) && dias === '12',
    `a mensagem não lida e os dias até a ciência tácita: "${naoLida}" (${dias} dias)`);
  await tela(page, 'inicio');

  // Gerenciar guias: Agrupar by company, then by occurrence.
  await navegar(page, menu(page, 'Gerenciar guias'));
  await page.getByLabel('Agrupar por').selectOption('empresa');
  await navegar(page, page.getByRole('button', { name: 'Agrupar' }));
  const grupos = await page.locator('h2').allTextContents();
  verificar(grupos.some((g) => g.includes(`${mascarado} — Padaria Pão de Ló`)), `agrupadas por empresa: ${JSON.stringify(grupos)}`);
  await tela(page, 'gerenciar-guias-empresa');
  await page.getByLabel('Agrupar por').selectOption('ocorrencia');
  await navegar(page, page.getByRole('button', { name: 'Agrupar' }));
  const porOcorrencia = await page.locator('h2').allTextContents();
  verificar(porOcorrencia.some((g) => g.startsWith('Paga')), `agrupadas por ocorrência: ${JSON.stringify(porOcorrencia)}`);
  await tela(page, 'gerenciar-guias');

  // Exportar para Excel: the workbook of the current filter, saved for the Rust test to open.
  const [planilha] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Exportar para Excel' }).click(),
  ]);
  await planilha.saveAs(join(baixados, 'ocorrencias.xlsx'));
  const pk = readFileSync(join(baixados, 'ocorrencias.xlsx')).subarray(0, 2).toString('latin1');
  verificar(pk === 'PK', `a planilha baixada é um XLSX (${planilha.suggestedFilename()})`);

  // Detalhes of the paid guide, and its Comprovante de pag. e-CAC.
  const paga = page.locator('section.grupo', { has: page.getByRole('heading', { name: /^Paga \(/ }) });
  await navegar(page, paga.getByRole('link', { name: /^Detalhes/ }).first());
  verificar((await page.getByRole('heading', { name: 'Histórico de ocorrências' }).count()) === 1, 'o histórico de ocorrências');
  await tela(page, 'detalhes');
  const [comprovante] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Comprovante de pag. e-CAC' }).click(),
  ]);
  const destino = join(baixados, comprovante.suggestedFilename());
  await comprovante.saveAs(destino);
  const pdf = readFileSync(destino).subarray(0, 4).toString('latin1');
  verificar(pdf === '%PDF', `o comprovante é um PDF (${comprovante.suggestedFilename()})`);

  // Localizar guia: the company's guides.
  await navegar(page, menu(page, 'Localizar guia'));
  await page.getByLabel('Empresa').selectOption(cnpj);
  await navegar(page, page.getByRole('button', { name: 'Localizar guia' }));
  const titulo = await page.locator('h2').first().textContent();
  verificar((titulo || '').startsWith(`Guias de ${mascarado}`), `as guias da empresa: "${titulo}"`);
  const situacoes = await page.locator('table tbody tr').allTextContents();
  verificar(situacoes.some((l) => /Paga/.test(l)), `com a situação da baixa (${situacoes.length} guia(s))`);
  // And a new DAS of a period, generated through SERPRO.
  await page.getByLabel('Período de apuração (AAAAMM)').fill('202610');
  await navegar(page, page.getByRole('button', { name: 'Gerar nova guia (DAS)' }));
  const gerada = await page.locator('[role=status]').textContent();
  verificar(/DAS do período gerado/.test(gerada || ''), `nova guia gerada: "${gerada}"`);
  await tela(page, 'localizar-guia');

  verificar(erros.length === 0, `nenhum erro no console (${erros.join(' | ')})`);
} finally {
  await fechar();
}

concluir();
