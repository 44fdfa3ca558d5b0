// The NFD and CONAM desks and the users' page of `guiche serve` in a real browser: Debian's
// Chromium, headless, driven by playwright-core, against a server whose NFD and CONAM are the
// sandbox's simulators. An admin logs in, fills a nota in the form (a wrong field first: the
// violation next to it), issues it and sees it in the ledger; sends a pacote and watches its
// status page refresh itself until CONAM approves it; adds a user, who then logs in and has no
// link to the users' page. axe-core on every page (no serious or critical violation); any
// console error fails; screenshots to docs/telas/.
//
//   GUICHE_TESTE_LOGIN=ana GUICHE_TESTE_SENHA=… GUICHE_TESTE_PRESTADOR=21118045000135 \
//   GUICHE_TESTE_PACOTE=exemplos/pacote.json node app/tests/navegador/balcoes.mjs URL
//
// The login must be an admin's. Passwords come from the environment, never from the command
// line. CHROMIUM overrides /usr/bin/chromium; TELAS overrides the screenshots' folder.

import { join, resolve } from 'node:path';
import { abrirChromium, acessibilidade, concluir, telas, verificar } from './comum.mjs';

const base = (process.argv[2] || '').replace(/\/$/, '');
const login = process.env.GUICHE_TESTE_LOGIN;
const senha = process.env.GUICHE_TESTE_SENHA;
const prestador = process.env.GUICHE_TESTE_PRESTADOR;
const pacote = process.env.GUICHE_TESTE_PACOTE;
if (!base || !login || !senha || !prestador || !pacote) {
  console.error('uso: GUICHE_TESTE_LOGIN=… GUICHE_TESTE_SENHA=… GUICHE_TESTE_PRESTADOR=… GUICHE_TESTE_PACOTE=… node balcoes.mjs URL');
  process.exit(2);
}

async function entrar(page, quem, senhaDeQuem) {
  await page.goto(`${base}/entrar`);
  await page.getByLabel('Login').fill(quem);
  await page.getByLabel('Senha').fill(senhaDeQuem);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Entrar' }).click()]);
  verificar(new URL(page.url()).pathname === '/', `${quem} entrou (${page.url()})`);
}

async function sair(page) {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sair' }).click()]);
}

// The nota of the manual, with a valid customer.
const nota = {
  NUMERO_NOTA: '1', // the sequence's first nota carries its number
  CODIGO_GERAL_ATIVIDADE: '09.00',
  OUTRAS_INFORMACOES: 'NOTA FISCAL DE PRESTAÇÃO DE SERVIÇOS',
  DESCRICAO_SERVICOS: 'Consultoria contábil — novembro',
  VALOR_TOTAL_NOTA: '440,00',
  VALOR_LIQUIDO: '440,00',
  COD_MUNICIPIO_EXECUCAO_SERVICO: '3550407',
  LOCAL_EXECUCAO_SERVICO: 'LOCAL EXECUÇÃO',
  TOMADOR_DOCUMENTO: '52998224700', // a wrong check digit first
  TOMADOR_RAZAO: 'TOMADOR RAZAO/NOME',
  TOMADOR_LOGRADOURO: 'LOGRADOURO',
  TOMADOR_BAIRRO: 'BAIRRO',
  TOMADOR_CEP: '13400000',
  TOMADOR_INSCRICAO_ESTADUAL: 'ISENTO',
  TOMADOR_INSCRICAO_MUNICIPAL: 'ISENTO',
  TOMADOR_EMAIL: 'email@email.com',
  TOMADOR_TELEFONE: '1912345678',
  TOMADOR_MUNICIPIO: '3506003',
  ALIQUOTA: '3,00',
};

const { page, erros, fechar } = await abrirChromium();
try {
  // Answers with an error status the test provokes on purpose (a 422 of an invalid nota).
  const esperado = (e) => /status of 4(22|03)/.test(e);

  await entrar(page, login, senha);

  // ── NFD: the form, a violation next to its field, then issued ─────────────────────────
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Balcão NFD' }).click()]);
  verificar((await page.locator('h1').textContent()) === 'Balcão NFD', 'a tela do Balcão NFD');
  await acessibilidade(page, 'nfd');
  const form = page.locator('form', { has: page.locator('input[name=origem][value=formulario]') });
  await form.getByLabel('Prefeitura').selectOption('3150');
  await form.getByLabel('CNPJ ou CPF do prestador').fill(prestador);
  for (const [tag, valor] of Object.entries(nota)) {
    await page.locator(`#campo-${tag}`).fill(valor);
  }
  await Promise.all([page.waitForNavigation(), form.getByRole('button', { name: 'Emitir nota' }).click()]);
  const erroCampo = await page.locator('#erro-TOMADOR_DOCUMENTO').textContent().catch(() => '');
  verificar(/CPF|d[ií]gito/i.test(erroCampo || ''), `a violação ao lado do campo do tomador ("${(erroCampo || '').trim()}")`);
  const descrito = await page.locator('#campo-TOMADOR_DOCUMENTO').getAttribute('aria-describedby');
  verificar((descrito || '').includes('erro-TOMADOR_DOCUMENTO'), `o campo aponta para a sua violação (${descrito})`);
  await acessibilidade(page, 'nfd com violação');
  await page.locator('#campo-TOMADOR_DOCUMENTO').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(telas, 'nfd-violacao.png') });

  await page.locator('#campo-TOMADOR_DOCUMENTO').fill('52998224725');
  const form2 = page.locator('form', { has: page.locator('input[name=origem][value=formulario]') });
  await Promise.all([page.waitForNavigation(), form2.getByRole('button', { name: 'Emitir nota' }).click()]);
  const status = await page.locator('[role=status]').textContent().catch(() => '');
  verificar(/emitida/i.test(status || ''), `nota emitida: "${(status || '').trim()}"`);
  const livro = await page.locator('#livro-notas tbody tr').allTextContents();
  verificar(livro.some((l) => l.includes('emitida')), `a nota no livro (${livro.length} linha(s))`);
  await acessibilidade(page, 'nfd emitida');
  await page.locator('#titulo-livro').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(telas, 'nfd-livro.png') });

  // ── CONAM: upload, send, the status page refreshes itself to the approval ─────────────
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Balcão CONAM' }).click()]);
  await acessibilidade(page, 'conam');
  await page.getByLabel('Arquivo do pacote (JSON)').setInputFiles(resolve(pacote));
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Enviar à CONAM' }).click()]);
  verificar(new URL(page.url()).pathname === '/conam/pacote', `a página da situação do pacote (${page.url()})`);
  await acessibilidade(page, 'conam situação');
  await page.locator('#situacao strong', { hasText: 'aprovado' }).waitFor({ timeout: 45000 }).catch(() => {});
  const situacao = await page.locator('#situacao strong').textContent();
  verificar(situacao === 'aprovado', `o pacote aprovado, sem recarregar a página ("${situacao}")`);
  await acessibilidade(page, 'conam aprovado');
  await page.screenshot({ path: join(telas, 'conam.png') });

  // ── Users: add one, who logs in ───────────────────────────────────────────────────────
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Usuários' }).click()]);
  await acessibilidade(page, 'usuarios');
  const novaSenha = 'senha-de-teste-da-carla';
  await page.getByLabel('Login').fill('carla');
  await page.getByLabel('Papel').selectOption('operador');
  await page.getByLabel('Senha', { exact: true }).fill(novaSenha);
  await page.getByLabel('Senha de novo').fill(novaSenha);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Adicionar' }).click()]);
  const criado = await page.locator('[role=status]').textContent().catch(() => '');
  verificar(/carla criado/.test(criado || ''), `usuário criado: "${(criado || '').trim()}"`);
  const linhas = await page.locator('table tbody tr').allTextContents();
  verificar(linhas.some((l) => l.includes('carla') && l.includes('operador')), 'carla na lista, operador');
  await acessibilidade(page, 'usuarios com carla');
  await page.screenshot({ path: join(telas, 'usuarios.png'), fullPage: true });
  await sair(page);

  await entrar(page, 'carla', novaSenha);
  verificar((await page.getByRole('link', { name: 'Usuários' }).count()) === 0, 'um operador não vê o link Usuários');
  verificar((await page.getByRole('link', { name: 'Balcão NFD' }).count()) === 1, 'um operador vê o Balcão NFD');
  const r = await page.goto(`${base}/usuarios`);
  verificar(r.status() === 403, `um operador recebe 403 em /usuarios (${r.status()})`);
  await page.goto(`${base}/`);
  await sair(page);

  const inesperados = erros.filter((e) => !esperado(e));
  verificar(inesperados.length === 0, `nenhum erro no console (${inesperados.join(' | ')})`);
} finally {
  await fechar();
}

concluir();
