// The participation report page (GET /v1/reports/participation?format=html) in a real browser:
// Debian's headless Chromium driven by playwright-core loads it from the app listening on a free
// port (the key sent as a header, as a browser behind a gateway would), with no console error or
// failed request; the figures read from the page are the JSON report's; the three SVG charts are
// there with one bar per month, per unit (itself and its direct children) and per star level; the
// Chinese is drawn with a CJK font; the same holds with JavaScript off and in print media. The
// screenshot is kept as .ci/out/report.png. Under CI a missing browser fails this file, elsewhere
// it is skipped.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import t from 'tap';
import { browserPresent, openBrowser, OUT_DIR } from './helpers/browser.js';
import { setup, type Tap } from './helpers/harness.js';
import { buildCounty, ENV } from './helpers/reports.js';

const SCREENSHOT = path.join(OUT_DIR, 'report.png');

const FIGURES = ['registeredMembers', 'activeVolunteers', 'hours', 'hoursPerActiveVolunteer', 'creditHours', 'manualHours', 'records'] as const;
const POINTS = { pointsIssued: 'issued', pointsSpent: 'spent', pointsRefunded: 'refunded', pointsExpired: 'expired' } as const;

// The key as a header, as a browser behind a gateway would send it.
const open = (t: Tap, javaScriptEnabled: boolean, key: string) =>
  openBrowser(t, { width: 1100, height: 1400, javaScriptEnabled, headers: { authorization: `Bearer ${key}` } });

/** The figures and charts as the page shows them. */
async function read(page: Page) {
  return page.evaluate(() => {
    const figure = (name: string) => document.querySelector(`[data-figure="${name}"]`)?.textContent ?? null;
    const bars = (id: string) => [...document.querySelectorAll(`#${id} rect.bar`)].map((b) => ({ label: b.getAttribute('data-label'), value: b.getAttribute('data-value'), width: Number(b.getAttribute('width')) }));
    const names = ['registeredMembers', 'activeVolunteers', 'hours', 'hoursPerActiveVolunteer', 'creditHours', 'manualHours', 'records', 'pointsIssued', 'pointsSpent', 'pointsRefunded', 'pointsExpired', 'goalShare', 'participationRate', 'snapshotHash'];
    return {
      figures: Object.fromEntries(names.map((n) => [n, figure(n)])),
      months: bars('chart-months'),
      units: bars('chart-units'),
      stars: bars('chart-stars'),
      title: document.title,
      h1: document.querySelector('h1')?.textContent ?? '',
      visible: [...document.querySelectorAll('svg.chart')].every((s) => (s as SVGElement).getBoundingClientRect().height > 0),
    };
  });
}

if (browserPresent(t, 'the report page')) {
  t.test('the participation report page in headless Chromium', async (t) => {
    const h = await setup(t, 'postgres', { env: ENV });
    const c = await buildCounty(h);
    const query = `orgUnitId=c&from=${c.from}&to=${c.to}`;
    const json = (await h.request('GET', `/v1/reports/participation?${query}&by=month`)).body;
    t.ok(json.records > 0 && json.rows.length >= 4, 'the report has records over several months');
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}/v1/reports/participation?${query}&format=html`;

    const check = (t: Tap, shown: Awaited<ReturnType<typeof read>>, what: string) => {
      for (const f of FIGURES) t.equal(shown.figures[f], String(json[f]), `${what}: ${f} as in the JSON`);
      for (const [name, key] of Object.entries(POINTS)) t.equal(shown.figures[name], json.points[key], `${what}: ${name}`);
      t.equal(shown.figures.snapshotHash, json.snapshot.hash, `${what}: names the snapshot's block`);
      t.match(shown.figures.goalShare, `${(Number(json.goal.share) * 100).toFixed(2)}%`, `${what}: the share reaching the goal`);
      t.same(shown.months.map((b) => [b.label, b.value]), json.rows.map((r: any) => [r.key, r.hours]), `${what}: one bar per month, with its hours`);
      t.equal(shown.units.length, json.units.length, `${what}: one bar per unit (${json.units.length})`);
      t.same(shown.units.map((b) => b.value), json.units.map((u: any) => u.hours), `${what}: unit bars carry their hours`);
      t.same(shown.stars.map((b) => b.value), json.stars.map((s: any) => String(s.members)), `${what}: six star bars`);
      const widest = Math.max(...shown.months.map((b) => b.width));
      const most = Math.max(...json.rows.map((r: any) => Number(r.hours)));
      t.equal(shown.months.find((b) => Number(b.value) === most)?.width, widest, `${what}: the month with most hours has the longest bar`);
      t.ok(shown.visible, `${what}: every chart is drawn`);
      t.match(shown.h1, `${json.orgUnit.name} 志愿服务参与情况报表`, `${what}: Chinese heading`);
    };

    const { context, page, problems } = await open(t, true, h.adminKey);
    const res = await page.goto(url, { waitUntil: 'networkidle' });
    t.equal(res?.status(), 200, 'the page answers 200');
    t.match(res?.headers()['content-type'] ?? '', /^text\/html/);
    check(t, await read(page), 'with JavaScript');

    // The font Chromium drew the heading with (DevTools protocol: the platform fonts of a node).
    const cdp = await context.newCDPSession(page);
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    await cdp.send('CSS.enable');
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: 'h1' });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    t.ok(fonts.some((f) => /CJK/i.test(f.familyName) && f.glyphCount > 0), `Chinese drawn with a CJK font (${fonts.map((f) => f.familyName).join(', ')})`);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    t.ok(fs.statSync(SCREENSHOT).size > 10_000, `screenshot kept in ${path.relative(process.cwd(), SCREENSHOT)}`);

    await page.emulateMedia({ media: 'print' });
    check(t, await read(page), 'in print media');
    const pdf = await page.pdf({ format: 'A4' });
    t.ok(pdf.length > 10_000, `prints to A4 (${pdf.length} bytes of PDF)`);
    t.same(problems, [], 'no console error, page error or failed request');

    const noJs = await open(t, false, h.adminKey);
    const again = await noJs.page.goto(url, { waitUntil: 'load' });
    t.equal(again?.status(), 200, 'loads with JavaScript off');
    check(t, await read(noJs.page).catch(() => null as never), 'with JavaScript off');
    t.same(noJs.problems, [], 'no console error with JavaScript off');
  });
}
