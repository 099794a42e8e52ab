// Fault test: a love supermarket (issue 19) whose service is SIGKILLed at a random moment while
// 16 clients at 4 terminals sell, hold baskets and capture or void them, refund, and upload
// offline batches, each request with its idempotency key; then started again, and every request
// without an answer is sent again with its key. Checked against the database, before and after
// the retries: every answered sale, refund, capture and void is there exactly once with the
// receipt it answered; every other request wholly there or wholly absent; a retry answers what
// the first answer said (a replay); receipt numbers 1..N with no gap and no duplicate; each item's
// stock = initial − sold + refunded = the sum of its movements, reserved = open baskets; sales
// never beyond stock; no member below zero points; members' and the market's points equal what
// the receipts say; the per-member limit held; the ledger verifies.
//
// Also read through the API: each item's stock movements, newest first, must chain from one to the
// next down to the opening stock; the day report (对账) must reconcile and close at the stock.
//
// FAULTS=quick (default): one kill, 16 clients; FAULTS=full: three kills over a longer run, 24
// clients. KEEP_DB=1 keeps the test's database for a look afterwards (its URL is printed).
import crypto from 'node:crypto';
import t from 'tap';
import { audit, type Audit, snapshot, type Snapshot } from './fixtures/market-audit.js';
import { MarketLoad, type Op, setupMarket } from './fixtures/market-load.js';
import {
  Client,
  connect,
  createDatabase,
  figures,
  freePort,
  killService,
  MODE,
  migratedTenant,
  randomBetween,
  scale,
  type Service,
  sleep,
  startService,
  within,
} from './fixtures/service.js';

const CLIENTS = scale(16, 24);

interface RetryReport {
  retried: number;
  replayed: number;
  fresh: number;
  /** Never settled, or a replay flag that contradicts what the database held before the retry. */
  failures: number;
  problems: string[];
}

/**
 * Sends every request without a settling answer again with its key (an offline batch whole, as a
 * terminal resends its queue), a few times if the service does not answer. One the database held
 * must come back as a replay of it; one it did not must be written (or refused) now.
 */
async function retryUnsettled(w: MarketLoad, before: Snapshot, concurrency: number): Promise<RetryReport> {
  const report: RetryReport = { retried: 0, replayed: 0, fresh: 0, failures: 0, problems: [] };
  const note = (what: string) => {
    report.failures++;
    if (report.problems.length < 20) report.problems.push(what);
  };
  const singles = w.ops.filter((op) => op.attempts.length > 0 && op.answers.length === 0 && op.batch === null);
  const batches = w.batches.filter((b) => b.ops.some((op) => op.answers.length === 0));
  const unsettledBefore = new Set(batches.flatMap((b) => b.ops.filter((op) => op.answers.length === 0)));
  const judge = (op: Op) => {
    if (op.answers.length === 0) {
      const last = op.attempts[op.attempts.length - 1]!;
      return note(`${op.kind} ${op.key}: the retry got ${last.status ?? last.error} ${last.text ?? ''}`);
    }
    const stored = before.keys.get(op.key);
    const wasThere = stored !== undefined && stored.status !== 0;
    report.retried++;
    if (op.answers[0]!.replayed) report.replayed++;
    else report.fresh++;
    if (op.answers[0]!.replayed !== wasThere) note(`${op.kind} ${op.key}: ${wasThere ? `stored (${stored.status})` : 'absent'} before, but the retry was ${op.answers[0]!.replayed ? '' : 'not '}a replay`);
    else if (wasThere && stored.status !== op.answers[0]!.status) note(`${op.kind} ${op.key}: stored ${stored.status}, the retry answered ${op.answers[0]!.status}`);
  };
  const jobs: (() => Promise<void>)[] = [
    ...singles.map((op) => async () => {
      for (let i = 0; i < 20 && op.answers.length === 0; i++) {
        const r = await w.send(op);
        if (r.ok && r.status !== 503) break;
        await sleep(500);
      }
      judge(op);
    }),
    ...batches.map((batch) => async () => {
      for (let i = 0; i < 20 && batch.ops.some((op) => op.answers.length === 0); i++) {
        await w.sendBatch(batch);
        if (batch.ops.some((op) => op.answers.length === 0)) await sleep(500);
      }
      for (const op of batch.ops) if (unsettledBefore.has(op)) judge(op);
    }),
  ];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) await job();
  }));
  return report;
}

/**
 * Each item's stock movements as GET …/stock-movements lists them, newest first: each one's stock
 * before it (stockAfter − quantity) must be the stock the one listed after it (older) left, down
 * to the opening restock, and the newest must leave the item's stock. What a storekeeper reads
 * as the item's history (库存流水) must be the order its stock really changed in.
 */
async function movementListings(client: Client, w: MarketLoad, stockOf: Map<string, number>): Promise<string[]> {
  const problems: string[] = [];
  for (const item of w.market.items) {
    const list: any[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=500${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await client.expect('GET', `/v1/markets/${w.market.marketId}/items/${item.sku}/stock-movements${query}`, 200, { key: w.market.adminKey });
      list.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    if (list[0]?.stockAfter !== stockOf.get(item.sku)) problems.push(`${item.sku}: the newest movement left ${list[0]?.stockAfter}, the stock is ${stockOf.get(item.sku)}`);
    const out = list.findIndex((mv, i) => i + 1 < list.length && mv.stockAfter - mv.quantity !== list[i + 1].stockAfter);
    if (out >= 0) {
      const [a, b] = [list[out], list[out + 1]];
      problems.push(
        `${item.sku}: listed newest first, movement ${a.movementNo} (${a.kind} ${a.quantity}, at ${a.at}) left ${a.stockAfter}, so the stock before it was ${a.stockAfter - a.quantity}, ` +
          `but the movement listed before it in time, ${b.movementNo} (${b.kind} ${b.quantity}, at ${b.at}), left ${b.stockAfter}`,
      );
    }
    const oldest = list[list.length - 1];
    if (oldest?.kind !== 'restock' || oldest.stockAfter !== item.stock) problems.push(`${item.sku}: the oldest movement is ${oldest?.kind} leaving ${oldest?.stockAfter}, not the opening stock`);
  }
  return problems;
}

/**
 * The market's day reports (对账) of the China days the test ran in: each must reconcile (the
 * ledger against the receipts, each item's movements against its receipts and from its opening
 * to its closing stock), and the last day must close at each item's stock as it is.
 */
async function dayReports(client: Client, w: MarketLoad, since: number, stockOf: Map<string, number>): Promise<string[]> {
  const problems: string[] = [];
  const chinaDate = (at: number) => new Date(at + 8 * 3600_000).toISOString().slice(0, 10);
  const days = [...new Set([chinaDate(since), chinaDate(Date.now())])];
  for (const [i, date] of days.entries()) {
    const report = await client.expect('GET', `/v1/markets/${w.market.marketId}/days/${date}`, 200, { key: w.market.adminKey, timeoutMs: 60_000 });
    if (!report.reconciled || report.differences.length > 0) problems.push(`${date}: not reconciled: ${JSON.stringify(report.differences)}`);
    if (i < days.length - 1) continue;
    for (const item of report.items) {
      if (item.closingStock !== stockOf.get(item.sku)) problems.push(`${date}: ${item.sku} closes at ${item.closingStock}, its stock is ${stockOf.get(item.sku)}`);
    }
  }
  return problems;
}

function auditFigures(a: Audit): Record<string, number> {
  return {
    sent: a.sent, settled: a.settled, unsettled: a.unsettled, unsettled_committed: a.unsettledPresent, lost: a.lost, doubled: a.doubled, half: a.half,
    stuck_keys: a.stuck, inconsistent: a.inconsistent, broken: a.broken, errors_5xx: a.errors5xx, unexpected: a.unexpected,
  };
}

t.test(`love supermarket: service SIGKILLed under load (${MODE})`, async (t) => {
  const startedAt = Date.now();
  const url = await createDatabase(t, undefined, { drop: !process.env.KEEP_DB });
  if (process.env.KEEP_DB) t.comment(`database kept: ${url}`);
  const tenant = await migratedTenant(url, `market-kill-${crypto.randomBytes(3).toString('hex')}`);
  const port = await freePort();
  // The sweeper stays off: baskets here hold an hour, and nothing but captures and voids may resolve them.
  const env = { HOLD_SWEEP_MS: '0' };
  let service: Service = await startService(t, { databaseUrl: url, port, env });
  const client = new Client(service.base, CLIENTS);
  t.teardown(() => client.close());
  const market = await setupMarket(client, tenant, { terminals: 4, members: 30, grant: scale('60.00', '200.00') });

  const w = new MarketLoad(market, client);
  let stop = false;
  const driving = w.drive(CLIENTS, () => stop);
  const kills = scale(1, 3);
  const killedAt: number[] = [];
  for (let k = 0; k < kills; k++) {
    await sleep(randomBetween(scale(1500, 4000), scale(4000, 12000)));
    const inFlight = w.inFlight;
    killedAt.push(await killService(service, 'SIGKILL'));
    t.comment(`market-kill: kill ${k + 1} at +${killedAt[k]! - w.attempts()[0]!.sentAt} ms, ${inFlight} requests in flight`);
    service = await startService(t, { databaseUrl: url, port, env });
    t.comment(`market-kill: ready again ${service.readyAt - killedAt[k]!} ms after kill ${k + 1}`);
  }
  await sleep(scale(2000, 4000));
  stop = true;
  await within(driving, 90_000, 'the clients to stop');

  const db = await connect(t, url);
  const before = await snapshot(db, market);
  const first = audit(before, w);
  const retry = await retryUnsettled(w, before, CLIENTS);
  // Settled requests sent once more with their keys: each must answer what it answered first.
  const again = w.ops.filter((op) => op.answers.length > 0 && op.batch === null).sort(() => Math.random() - 0.5).slice(0, 60);
  await Promise.all(again.map((op) => w.send(op)));
  const after = await snapshot(db, market);
  const second = audit(after, w);
  const stockOf = new Map([...after.items.values()].map((i) => [i.sku, i.stock as number]));
  const listed = await movementListings(client, w, stockOf);
  const reported = await dayReports(client, w, startedAt, stockOf);
  const verification = await client.request('GET', '/v1/ledger/verification', { key: market.adminKey, timeoutMs: 60_000 });
  // Sales that arrived together shared a transaction (src/markets/saleGroups.ts): the kill must
  // have met that write path too.
  const grouped = Number((await db.query(`SELECT count(*) AS n FROM (SELECT tx_id FROM ledger_entries WHERE tenant_id = $1 AND kind = 'redemption'
    GROUP BY tx_id HAVING count(*) > 1) x`, [market.tenantId])).rows[0].n);

  figures(t, 'market-kill', { mode: MODE, kills, clients: CLIENTS, batches: w.batches.length, ...auditFigures(first) });
  figures(t, 'market-kill', Object.fromEntries(Object.entries(second.outcomes).map(([k, v]) => [k.replaceAll(' ', '_'), v])));
  figures(t, 'market-kill', { retried: retry.retried, retry_replayed: retry.replayed, retry_fresh: retry.fresh, retry_failures: retry.failures, resent_settled: again.length });
  figures(t, 'market-kill', { grouped_transactions: grouped, receipts: after.receiptCounter, sales: after.redemptions.size, refunds: after.refunds.size, baskets: after.baskets.size });
  figures(t, 'market-kill', Object.fromEntries([...after.items.values()].map((i) => [`${i.sku}_stock`, `${i.stock}/${i.reserved}`])));
  figures(t, 'market-kill', { ...Object.fromEntries(Object.entries(auditFigures(second)).map(([k, v]) => [`after_retry_${k}`, v])) });
  for (const p of listed) t.comment(`market-kill movements: ${p}`);
  for (const p of reported) t.comment(`market-kill day report: ${p}`);
  for (const p of [...first.problems.map((p) => `before retry: ${p}`), ...retry.problems, ...second.problems.map((p) => `after retry: ${p}`)].slice(0, 60)) {
    t.comment(`market-kill problem: ${p}`);
  }

  t.ok(first.settled > 0, 'the load wrote something');
  t.ok(grouped > 0, 'some sales shared a transaction');
  for (const [k, at] of killedAt.entries()) {
    t.ok(w.attempts().some((a) => a.sentAt > at && a.status !== null && a.status < 300), `kill ${k + 1}: the load wrote again after the restart`);
  }
  t.ok((first.outcomes['sale 201'] ?? 0) > 0 && (first.outcomes['refund 201'] ?? 0) > 0 && (first.outcomes['offline 201'] ?? 0) > 0, 'sales, refunds and offline sales were answered');
  t.ok((first.outcomes['capture 201'] ?? 0) + (first.outcomes['void 200'] ?? 0) > 0, 'baskets were captured or voided');
  t.equal(first.lost, 0, 'no answered request is lost or stored with another receipt');
  t.equal(first.doubled, 0, 'no sale, refund, basket or void is in the database twice, and none that no request accounts for');
  t.equal(first.half, 0, 'no half writes: every request wholly there or wholly absent');
  t.equal(first.stuck, 0, 'no idempotency key stuck in progress');
  t.equal(first.broken, 0, 'receipt numbers, stock, reservations, points and limits hold after the kill');
  t.equal(first.errors5xx, 0, 'no 5xx other than 503');
  t.equal(first.unexpected, 0, 'no refusal but out of stock, insufficient points or the limit');
  t.equal(retry.failures, 0, 'each unanswered request, retried with its key, is written once or replayed');
  t.equal(second.unsettled, 0, 'after the retries every request has its one outcome');
  t.equal(second.inconsistent, 0, 'every retry answered what the first answer said, as a replay');
  t.equal(second.lost + second.doubled + second.half + second.stuck, 0, 'and each is in the database exactly once, whole');
  t.equal(second.broken, 0, 'receipt numbers 1..N without gaps, stock = initial − sold + refunded = its movements, reserved = open baskets, points as the receipts say');
  t.equal(second.errors5xx + second.unexpected, 0, 'no unexpected answer to the retries');
  t.same(listed, [], "each item's stock movements, as listed newest first, are the order its stock changed in, down to the opening stock");
  t.same(reported, [], 'the day report reconciles and closes at each item\'s stock');
  t.equal(verification.ok && verification.status, 200, 'GET /v1/ledger/verification answers');
  t.match(verification.ok ? verification.body : null, { ok: true, problems: [] }, 'the ledger verifies: per-unit sums zero, balances and held equal postings and open holds');
});
