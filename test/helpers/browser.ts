import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Tap } from './harness.js';

// The page tests' browser: Debian's headless Chromium (with fonts-noto-cjk, or every Chinese
// character is a box), driven by playwright-core, a fresh profile each time so that nothing is
// cached or remembered from another run. .ci/run installs both when missing.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where screenshots are kept (CI keeps the folder as its artifacts). */
export const OUT_DIR = path.join(path.resolve(import.meta.dirname, '../..'), process.env.CI_OUT_DIR ?? '.ci/out');
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic',
];

/**
 * True when the browser is there. When it is not: under CI (CI=true) the file fails, since its
 * pages would go unchecked; elsewhere it is skipped with the reason.
 */
export function browserPresent(t: Tap, what: string): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  const why = `${CHROMIUM} is missing: install it with \`apt-get install -y chromium fonts-noto-cjk\` (.ci/run does)`;
  if (process.env.CI === 'true') t.fail(`${what} cannot be checked: ${why}`);
  else t.plan(0, `skipped: ${why}`);
  return false;
}

/** Collects what must not happen on a page: console errors, page errors, failed or refused requests. */
export function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`);
  });
  return problems;
}

/** A browser with a fresh profile (closed and removed when t ends) and its first page, watched. */
export async function openBrowser(
  t: Tap,
  opts: { width: number; height: number; javaScriptEnabled?: boolean; headers?: Record<string, string> },
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'page-test-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: opts.width, height: opts.height },
    locale: 'zh-CN',
    javaScriptEnabled: opts.javaScriptEnabled ?? true,
    ...(opts.headers ? { extraHTTPHeaders: opts.headers } : {}),
  });
  t.teardown(async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  });
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, problems: watch(page) };
}
