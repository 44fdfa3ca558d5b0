// The web pages of `guiche serve` in a real browser: Debian's Chromium, headless, driven by
// playwright-core. Logs in with the keyboard only, sees the Central e-CAC with the company of
// the ledger, logs out; runs axe-core on both pages and fails on any serious or critical
// violation; fails on any console error (a resource refused by the CSP, say); saves screenshots
// to docs/telas/.
//
//   GUICHE_TESTE_LOGIN=ana GUICHE_TESTE_SENHA=… GUICHE_TESTE_CNPJ=11.444.777/0001-61 \
//     node app/tests/navegador/entrar.mjs http://127.0.0.1:8080
//
// The password comes from the environment, never from the command line. CHROMIUM overrides
// /usr/bin/chromium; TELAS overrides the screenshots' folder.

import { join } from 'node:path';
import { abrirChromium, acessibilidade, concluir, telas, verificar } from './comum.mjs';

const base = (process.argv[2] || '').replace(/\/$/, '');
const login = process.env.GUICHE_TESTE_LOGIN;
const senha = process.env.GUICHE_TESTE_SENHA;
const cnpj = process.env.GUICHE_TESTE_CNPJ;
if (!base || !login || !senha || !cnpj) {
  console.error('uso: GUICHE_TESTE_LOGIN=… GUICHE_TESTE_SENHA=… GUICHE_TESTE_CNPJ=… node entrar.mjs URL');
  process.exit(2);
}

const { page, erros, fechar } = await abrirChromium();
try {

  // Not logged in: the home sends to the login form.
  await page.goto(`${base}/`);
  verificar(new URL(page.url()).pathname === '/entrar', `sem sessão, / leva a /entrar (${page.url()})`);
  verificar((await page.title()).startsWith('Entrar'), 'o título da página de entrada');
  const foco = await page.evaluate(() => document.activeElement && document.activeElement.id);
  verificar(foco === 'login', `o campo Login recebe o foco ao abrir (${foco})`);
  const fundo = await page.evaluate(() => getComputedStyle(document.querySelector('.topo')).backgroundColor);
  verificar(fundo !== 'rgba(0, 0, 0, 0)', `a folha de estilo carregou sob a CSP (${fundo})`);
  await acessibilidade(page, 'entrar');
  await page.screenshot({ path: join(telas, 'entrar.png') });

  // A wrong password: the message, announced (role=alert), and the form again.
  await page.keyboard.type(login);
  await page.keyboard.press('Tab');
  await page.keyboard.type('senha-errada-de-proposito');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  const alerta = await page.locator('[role=alert]').textContent();
  verificar(/incorretos/.test(alerta || ''), `senha errada: "${alerta}"`);
  await acessibilidade(page, 'entrar com erro');
  // The 401 of that answer is the console's only expected error.
  const esperados = erros.splice(0).filter((e) => !/status of 401/.test(e));
  erros.push(...esperados);

  // The right one, with the keyboard only: the password field has the focus now.
  const foco2 = await page.evaluate(() => document.activeElement && document.activeElement.id);
  verificar(foco2 === 'senha', `depois do erro, o foco está na Senha (${foco2})`);
  await page.keyboard.type(senha);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  verificar(new URL(page.url()).pathname === '/', `entrou: ${page.url()}`);
  const h1 = await page.locator('h1').textContent();
  verificar(h1 === 'Central e-CAC', `o título da página inicial (${h1})`);
  const linhas = await page.locator('table tbody tr').allTextContents();
  verificar(linhas.some((l) => l.includes(cnpj)), `a empresa ${cnpj} na lista (${linhas.length} linha(s))`);
  for (const item of ['Configurar empresas', 'Gerenciar guias', 'Localizar guia', 'Importar pelo certificado A3']) {
    const menu = page.getByRole('navigation', { name: 'Central e-CAC' });
    verificar((await menu.getByRole('link', { name: item }).count()) === 1, `o menu tem "${item}"`);
  }
  // The first Tab reaches the skip link.
  await page.keyboard.press('Tab');
  const pular = await page.evaluate(() => document.activeElement && document.activeElement.textContent);
  verificar(pular === 'Pular para o conteúdo', `o primeiro Tab leva ao atalho "Pular para o conteúdo" (${pular})`);
  await page.keyboard.press('Escape');
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await acessibilidade(page, 'central-ecac');
  await page.screenshot({ path: join(telas, 'central-ecac.png'), fullPage: true });

  // Logout with the keyboard: focus the button, Enter.
  await page.getByRole('button', { name: 'Sair' }).focus();
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  verificar(new URL(page.url()).pathname === '/entrar', `saiu: ${page.url()}`);
  await page.goto(`${base}/`);
  verificar(new URL(page.url()).pathname === '/entrar', 'depois de sair, / leva de novo a /entrar');

  verificar(erros.length === 0, `nenhum erro no console (${erros.join(' | ')})`);
} finally {
  await fechar();
}

concluir();
