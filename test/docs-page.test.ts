// The API docs page (/docs, swagger-ui) in a real browser: Debian's headless Chromium driven by
// playwright-core loads it from the app listening on a free port, and it must list every
// operation of the OpenAPI document, log no console error, load every resource, render the
// description as written (the `<API key>` of "Bearer <API key>" is text, not an HTML tag), and
// draw Chinese text with a CJK font (fonts-noto-cjk; without it every character is a box). The
// screenshot is kept as .ci/out/docs.png. .ci/run installs chromium and fonts-noto-cjk when
// missing; under CI (CI=true) a missing browser fails this file, elsewhere it is skipped.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { chromium } from 'playwright-core';
import t from 'tap';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { DB } from '../src/db/schema.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = path.join(ROOT, process.env.CI_OUT_DIR ?? '.ci/out', 'docs.png');
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic',
];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

if (!fs.existsSync(CHROMIUM)) {
  const why = `${CHROMIUM} is missing: install it with \`apt-get install -y chromium fonts-noto-cjk\` (.ci/run does)`;
  if (process.env.CI === 'true') t.fail(`the docs page cannot be checked: ${why}`);
  else t.plan(0, `skipped: ${why}`);
} else {
  t.test('/docs in headless Chromium', async (t) => {
    // The page needs no database (the document comes from the route schemas): a pool that is
    // never connected, as the CLI's openapi command does.
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) });
    const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), database: { db, engine: 'postgres', close: () => db.destroy() }, logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-chromium-'));
    t.teardown(async () => {
      await app.close();
      await db.destroy();
      fs.rmSync(profile, { recursive: true, force: true });
    });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const apiDocument = app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(apiDocument.paths)
      .flatMap(([p, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    t.ok(operations.length >= 30, `the document has its operations (${operations.length})`);

    // A fresh profile each run: nothing cached or remembered from another.
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1400, height: 1800 },
      locale: 'zh-CN',
    });
    t.teardown(() => context.close());
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`);
    });

    const res = await page.goto(`${base}/docs`, { waitUntil: 'networkidle' });
    t.equal(res?.status(), 200, '/docs answers 200');
    // swagger-ui lists every operation under its tag (docExpansion "list"): one .opblock each.
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    await page.waitForFunction((n) => document.querySelectorAll('.opblock').length >= n, operations.length, { timeout: 30_000 });
    const listed = await page.$$eval('.opblock', (blocks) =>
      blocks.map((b) => {
        const method = b.querySelector('.opblock-summary-method')?.textContent?.trim() ?? '?';
        const p = b.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '?';
        return `${method.toUpperCase()} ${p}`;
      }),
    );
    t.same([...listed].sort(), operations, 'every operation of the document is listed, once');

    // The description as written: "<API key>" shown as text.
    const description = (await page.textContent('.info .description')) ?? '';
    t.match(description, 'Authorization: Bearer <API key>', 'the description shows "Bearer <API key>"');
    t.match(description, '爱心超市', 'the description has its Chinese text');

    // The font Chromium drew the Chinese text with (DevTools protocol: the platform fonts of a node).
    const cdp = await context.newCDPSession(page);
    // The element whose own text holds the Chinese (fonts are reported for a node's own text).
    await page.evaluate(() => {
      const walker = document.createTreeWalker(document.querySelector('.info .description')!, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (n.textContent?.includes('爱心超市')) return n.parentElement!.setAttribute('data-cjk-probe', '');
      }
    });
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    await cdp.send('CSS.enable');
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '[data-cjk-probe]' });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    const cjk = fonts.filter((f) => /CJK/i.test(f.familyName) && f.glyphCount > 0);
    t.ok(cjk.length > 0, `Chinese drawn with a CJK font (fonts used: ${fonts.map((f) => `${f.familyName} ×${f.glyphCount}`).join(', ')})`);

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    t.ok(fs.statSync(SCREENSHOT).size > 10_000, `screenshot kept in ${path.relative(ROOT, SCREENSHOT)}`);
    // The head of the page at full size too (title, description with its Chinese), for a person to look at.
    const head = SCREENSHOT.replace(/\.png$/, '-head.png');
    await page.screenshot({ path: head, clip: { x: 0, y: 0, width: 1400, height: 600 } });
    t.ok(fs.statSync(head).size > 10_000, `and its head in ${path.relative(ROOT, head)}`);

    t.same(problems, [], 'no console error, page error or failed request');
  });
}
