// The certificate's pages in a real browser (issue 23, part 5): Debian's headless Chromium driven
// by playwright-core loads the printable certificate (GET /v1/certificates/{id}?format=html, A4)
// and the public check page (GET /certificates/{code}) from the app listening on a free port.
// Both must load with no console error and no failed request, show the right figures (read from
// the DOM), read the same with JavaScript off, and the printable page must print to an A4 PDF.
// Screenshots are kept as .ci/out/certificate.png and .ci/out/certificate-check.png. Under CI
// (CI=true) a missing browser fails this file, elsewhere it is skipped.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import t from 'tap';
import { browserPresent, openBrowser, OUT_DIR } from './helpers/browser.js';
import { setup, type Tap } from './helpers/harness.js';
import { county, cst, verified } from './helpers/hours.js';

const chinaDay = (d: Date) => new Date(d.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);

const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();

if (browserPresent(t, 'the certificate pages')) {
  t.test('the certificate and its check page in headless Chromium', async (t) => {
    const h = await setup(t, 'pglite', { env: { SIGNING_KEY_SECRET: crypto.randomBytes(32).toString('base64url'), SEAL_MS: '0', HOLD_SWEEP_MS: '0', EXPIRY_MS: '0' } });
    const c = await county(h);
    const member = await c.ok('POST', '/v1/members', { name: '陈志愿', idNumber: '11010519800101001X'.replace(/X$/, checkDigit('11010519800101001')), phone: '13812345678', homeOrgUnitId: 's1' }, 201);
    const recordIds: string[] = [];
    for (const [days, hours, unit] of [[12, '3.00', 's1'], [9, '2.50', 'p1'], [6, '4.25', 's1']] as const) {
      recordIds.push((await verified(c, member.id, { start: cst(days, 9), hours, orgUnitId: unit })).record.id);
    }
    const cert = await c.ok('POST', `/v1/members/${member.id}/certificates`, { from: chinaDay(cst(20, 12)), to: chinaDay(cst(0, 12)), orgUnitId: 's1', purpose: '评优评先' }, 201);
    t.equal(cert.totals.hours, '9.75');

    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    const open = (javaScriptEnabled: boolean, headers?: Record<string, string>) => openBrowser(t, { width: 1000, height: 1400, javaScriptEnabled, headers });

    const certificateFigures = async (t: Tap, page: Page) => {
      t.equal(await text(page, '#certificate-number'), cert.number.text, 'the number');
      t.equal(await text(page, '#member-name'), '陈志愿', 'the name');
      t.equal(await text(page, '#member-id'), member.idNumberMasked, 'the masked ID number');
      t.equal(await text(page, '#total-hours'), '9.75', 'the total hours');
      t.equal(await text(page, '#total-records'), '3', 'the number of records');
      t.same(await page.$$eval('tbody tr td.record-hours', (cells) => cells.map((c) => c.textContent?.trim())), ['3.00', '2.50', '4.25'], "each record's hours");
      t.equal(await text(page, '#issuer'), '东街社区实践站', 'the issuing unit');
    };

    t.test('the printable certificate', async (t) => {
      for (const js of [true, false]) {
        const { page, problems } = await open(js, { authorization: `Bearer ${c.key}` });
        const res = await page.goto(`${base}/v1/certificates/${cert.certificateId}?format=html`, { waitUntil: 'networkidle' });
        t.equal(res?.status(), 200, `answers 200 (JavaScript ${js ? 'on' : 'off'})`);
        await certificateFigures(t, page);
        t.equal(await text(page, '#check-url'), `${base}/certificates/${cert.code}`, 'the check address printed under the QR code');
        t.equal(await page.locator('.qr svg path').count() > 0, true, 'the QR code is an SVG drawn on the server');
        const qrBox = await page.locator('.qr svg').boundingBox();
        t.ok(qrBox && qrBox.width > 80 && qrBox.height > 80, `the QR code is large enough to scan (${qrBox?.width}×${qrBox?.height} px)`);
        if (js) {
          await page.screenshot({ path: path.join(OUT_DIR, 'certificate.png'), fullPage: true });
          t.ok(fs.statSync(path.join(OUT_DIR, 'certificate.png')).size > 20_000, 'screenshot kept as certificate.png');
          // Printed with the page's own @page size: A4 is 595.28 × 841.89 pt.
          const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
          const boxes = [...pdf.toString('latin1').matchAll(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/g)].map((m) => [Number(m[1]), Number(m[2])]);
          t.ok(boxes.length >= 1, `the PDF has ${boxes.length} page(s)`);
          for (const [w, hgt] of boxes) t.ok(Math.abs(w! - 595.28) < 2 && Math.abs(hgt! - 841.89) < 2, `an A4 page (${w} × ${hgt} pt)`);
          fs.writeFileSync(path.join(OUT_DIR, 'certificate.pdf'), pdf);
        }
        t.same(problems, [], 'no console error, page error or failed request');
      }
    });

    t.test('the public check page', async (t) => {
      for (const js of [true, false]) {
        const { page, problems } = await open(js);
        const res = await page.goto(`${base}/certificates/${cert.code}`, { waitUntil: 'networkidle' });
        t.equal(res?.status(), 200, `answers 200 (JavaScript ${js ? 'on' : 'off'})`);
        t.equal(await page.getAttribute('#status', 'data-status'), 'valid', 'authentic and standing');
        t.match(await text(page, '#status'), '证明真实有效');
        await certificateFigures(t, page);
        t.same(problems, [], 'no console error, page error or failed request');
      }
      // A record revoked after issuing: the page says so and names it.
      await c.ok('POST', `/v1/service-records/${recordIds[1]}/revocation`, { reason: '重复登记' }, 200);
      const { page, problems } = await open(true);
      await page.goto(`${base}/certificates/${cert.code}`, { waitUntil: 'networkidle' });
      t.equal(await page.getAttribute('#status', 'data-status'), 'changed', 'changed since it was issued');
      t.same(await page.$$eval('li[data-change]', (items) => items.map((li) => [li.getAttribute('data-change'), li.getAttribute('data-kind')])), [['2', 'revoked']], 'record 2, revoked');
      t.equal(await text(page, '#total-hours'), '9.75', 'the certificate still shows what it certified');
      await page.screenshot({ path: path.join(OUT_DIR, 'certificate-check.png'), fullPage: true });
      t.ok(fs.statSync(path.join(OUT_DIR, 'certificate-check.png')).size > 20_000, 'screenshot kept as certificate-check.png');
      t.same(problems, [], 'no console error, page error or failed request');
      // An unknown code: the page that says so (Chromium logs the 404 of a document as a console error itself).
      const missing = await page.goto(`${base}/certificates/${c.tenantId}.${crypto.randomBytes(16).toString('base64url')}`);
      t.equal(missing?.status(), 404, 'an unknown code: 404');
      t.equal(await page.getAttribute('#status', 'data-status'), 'not_found', 'with a page that says so');
    });
  });
}

function checkDigit(first17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  return '10X98765432'[[...first17].reduce((s, ch, i) => s + Number(ch) * w[i]!, 0) % 11]!;
}
