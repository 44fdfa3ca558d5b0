// What the browser scripts share: the checks they count, axe-core, the screenshots' folder and
// Debian's Chromium (headless, a throwaway profile, every console error collected).
//
// CHROMIUM overrides /usr/bin/chromium; TELAS overrides the screenshots' folder (docs/telas/).

import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const aqui = dirname(fileURLToPath(import.meta.url));
const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The folder the screenshots go to, created. */
export const telas = resolve(process.env.TELAS || join(aqui, '..', '..', '..', 'docs', 'telas'));
mkdirSync(telas, { recursive: true });

const falhas = [];

/** One check: printed, and counted when it fails. */
export function verificar(condicao, o_que) {
  if (!condicao) {
    falhas.push(o_que);
    console.error(`FALHOU: ${o_que}`);
  } else {
    console.log(`ok: ${o_que}`);
  }
}

/** axe-core on the page as it is: every violation printed, serious and critical ones failed. */
export async function acessibilidade(page, nome) {
  // Evaluated through the DevTools protocol: the page's CSP (no inline script) stays in force.
  await page.evaluate(axe);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  for (const v of r.violations) {
    console.log(`axe ${nome}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.length} elemento(s))`);
  }
  const graves = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  verificar(graves.length === 0, `${nome}: nenhuma violação séria ou crítica do axe-core (${graves.map((v) => v.id).join(', ')})`);
}

/**
 * Chromium with a throwaway profile (`opcoes` added to the launch's, e.g. `acceptDownloads`):
 * its page, the console errors it collects, and `fechar` (the browser closed, the profile
 * removed).
 */
export async function abrirChromium(opcoes = {}) {
  const perfil = mkdtempSync(join(tmpdir(), 'guiche-chromium-'));
  const contexto = await chromium.launchPersistentContext(perfil, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
    locale: 'pt-BR',
    ...opcoes,
  });
  const page = contexto.pages()[0] || (await contexto.newPage());
  const erros = [];
  page.on('console', (m) => {
    if (m.type() === 'error') erros.push(m.text());
  });
  page.on('pageerror', (e) => erros.push(String(e)));
  const fechar = async () => {
    await contexto.close();
    rmSync(perfil, { recursive: true, force: true });
  };
  return { page, erros, fechar };
}

/** Ends the script: exit 1 when a check failed. */
export function concluir() {
  if (falhas.length > 0) {
    console.error(`${falhas.length} verificação(ões) falharam`);
    process.exit(1);
  }
  console.log('navegador: todas as verificações passaram');
}
