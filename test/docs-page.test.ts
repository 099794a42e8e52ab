// The API docs page (/docs, swagger-ui) in a real browser: Debian's headless Chromium driven by
// playwright-core loads it from the app listening on a free port, and it must list every
// operation of the OpenAPI document, log no console error, load every resource, render the
// description as written (the `<API key>` of "Bearer <API key>" is text, not an HTML tag), and
// draw Chinese text with a CJK font (fonts-noto-cjk; without it every character is a box). The
// screenshot is kept as .ci/out/docs.png. .ci/run installs chromium and fonts-noto-cjk when
// missing; under CI (CI=true) a missing browser fails this file, elsewhere it is skipped.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { DB } from '../src/db/schema.js';
import { browserPresent, openBrowser, OUT_DIR } from './helpers/browser.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SCREENSHOT = path.join(OUT_DIR, 'docs.png');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

if (browserPresent(t, 'the docs page')) {
  t.test('/docs in headless Chromium', async (t) => {
    // The page needs no database (the document comes from the route schemas): a pool that is
    // never connected, as the CLI's openapi command does.
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) });
    const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), database: { db, engine: 'postgres', close: () => db.destroy() }, logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    t.teardown(async () => {
      await app.close();
      await db.destroy();
    });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const apiDocument = app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(apiDocument.paths)
      .flatMap(([p, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    t.ok(operations.length >= 30, `the document has its operations (${operations.length})`);

    const { context, page, problems } = await openBrowser(t, { width: 1400, height: 1800 });

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

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    t.ok(fs.statSync(SCREENSHOT).size > 10_000, `screenshot kept in ${path.relative(ROOT, SCREENSHOT)}`);
    // The head of the page at full size too (title, description with its Chinese), for a person to look at.
    const head = SCREENSHOT.replace(/\.png$/, '-head.png');
    await page.screenshot({ path: head, clip: { x: 0, y: 0, width: 1400, height: 600 } });
    t.ok(fs.statSync(head).size > 10_000, `and its head in ${path.relative(ROOT, head)}`);

    t.same(problems, [], 'no console error, page error or failed request');
  });
}
