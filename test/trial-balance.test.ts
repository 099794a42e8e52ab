import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { sql } from 'kysely';
import t from 'tap';
import { newMember, recordBody } from './helpers/fixtures.js';
import { engines, expectStatus, type Harness, isProblem, setup, type Tap } from './helpers/harness.js';
import { idem, memberWithPoints, newMarket, newTerminal } from './helpers/market.js';
import { sleep } from './helpers/process.js';

// The trial balance (issue 23 part 2), through the API: every account's balance as of a time,
// per unit summing to zero, equal to the raw postings recorded up to that time summed in the
// test, also while awards and sales run concurrently (Postgres, where they really do).

const DAY = 86_400_000;

/** Every account's balance from the raw tables: the postings of entries recorded at or before asOf. */
async function independent(h: Harness, tenantId: string, asOf: string): Promise<Map<string, string>> {
  const { rows } = await sql<{ account_id: string; balance: string }>`SELECT a.account_id,
      coalesce((SELECT sum(p.amount) FROM ledger_postings p JOIN ledger_entries e ON e.tenant_id = p.tenant_id AND e.entry_id = p.entry_id
                WHERE p.tenant_id = a.tenant_id AND p.account_id = a.account_id AND e.recorded_at <= ${asOf}::timestamptz), 0)::text AS balance,
      a.created_at <= ${asOf}::timestamptz AS existed
    FROM ledger_accounts a WHERE a.tenant_id = ${tenantId}`.execute(h.database.db);
  return new Map(
    rows.filter((r) => (r as unknown as { existed: boolean }).existed || new Decimal(r.balance).abs().gt(0)).map((r) => [r.account_id, new Decimal(r.balance).toFixed(2)]),
  );
}

function checkAgainst(t: Tap, tb: any, raw: Map<string, string>, what: string): void {
  for (const total of tb.totals) {
    t.equal(total.total, '0.00', `${what}: ${total.unit} sums to zero`);
    t.equal(total.credits, total.debits, `${what}: ${total.unit} credits = debits`);
    const accounts = tb.accounts.filter((a: any) => a.unit === total.unit);
    t.equal(accounts.reduce((s: Decimal, a: any) => s.plus(a.balance), new Decimal(0)).toFixed(2), '0.00', `${what}: ${total.unit} accounts summed in the test`);
    t.equal(total.accounts, accounts.length, `${what}: ${total.unit} account count`);
  }
  const got = new Map<string, string>(tb.accounts.map((a: any) => [a.accountId, a.balance]));
  t.same(Object.fromEntries(got), Object.fromEntries(raw), `${what}: every account's balance = its raw postings up to asOf`);
}

async function ok(h: Harness, method: string, url: string, body: unknown, status: number, key?: string): Promise<any> {
  return expectStatus(h.request(method, url, { body, key, headers: idem() }), status, `${method} ${url}`);
}

async function marker(h: Harness): Promise<string> {
  await sleep(5);
  const { rows } = await sql<{ at: string }>`SELECT to_char(date_trunc('milliseconds', clock_timestamp()) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at`.execute(h.database.db);
  await sleep(5);
  return rows[0]!.at;
}

for (const engine of engines) {
  t.test(`${engine}: the trial balance now and as of a past time, JSON and CSV, against the raw postings`, async (t) => {
    const h = await setup(t, engine, { env: { EXPIRY_MS: '0', HOLD_SWEEP_MS: '0', SEAL_MS: '0' } });
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'rice', price: '10.00', stock: 100 }]);
    const pos = await newTerminal(h, marketId);
    const earliest = await marker(h);
    const a = await memberWithPoints(h, orgUnitId, '100.00');
    const before = await marker(h);
    await ok(h, 'POST', '/v1/redemptions', { memberId: a.memberId, lines: [{ sku: 'rice', quantity: 3 }] }, 201, pos.key);
    const member = await newMember(h, orgUnitId);
    const rec = await ok(h, 'POST', '/v1/service-records', recordBody(member.id, orgUnitId, { hours: '2' }), 201);
    if (rec.record.status !== 'verified') await ok(h, 'POST', `/v1/service-records/${rec.record.id}/verification`, undefined, 200);

    const now = await expectStatus(h.request('GET', '/v1/ledger/trial-balance'), 200, 'now');
    t.ok(now.settled, 'settled');
    t.ok(Date.parse(now.asOf) <= Date.now(), 'asOf defaults to now');
    checkAgainst(t, now, await independent(h, h.tenantId, now.asOf), 'now');
    t.same(now.totals.map((u: any) => u.unit), ['HOURS', 'POINTS'], 'a total per unit');
    t.match(now.accounts.find((x: any) => x.accountId === `member:${a.memberId}:points`), { balance: '70.00', type: 'member', unit: 'POINTS' });
    t.match(now.accounts.find((x: any) => x.accountId === `market:${marketId}:points`), { balance: '30.00' });
    t.match(now.accounts.find((x: any) => x.accountId === `member:${member.id}:hours`), { balance: '2.00' });

    const past = await expectStatus(h.request('GET', `/v1/ledger/trial-balance?asOf=${before}`), 200, 'past');
    t.equal(past.asOf, before, 'as of the time asked');
    checkAgainst(t, past, await independent(h, h.tenantId, before), 'as of before the sale');
    t.match(past.accounts.find((x: any) => x.accountId === `member:${a.memberId}:points`), { balance: '100.00' }, 'the points before the sale');
    t.notOk(past.accounts.some((x: any) => x.accountId === `member:${member.id}:hours`), 'an account opened after asOf is not there');
    // Early in the ledger it is read from the postings up to asOf, late from the balances less
    // what came after (whichever side has fewer entries): the same figures either way.
    const first = await expectStatus(h.request('GET', `/v1/ledger/trial-balance?asOf=${earliest}`), 200, 'earliest');
    checkAgainst(t, first, await independent(h, h.tenantId, earliest), 'as of before the first entry');
    t.ok(first.accounts.every((x: any) => x.balance === '0.00') && first.accounts.length > 0, 'every account at zero');
    const again = await expectStatus(h.request('GET', `/v1/ledger/trial-balance?asOf=${encodeURIComponent(now.asOf)}`), 200, 'again');
    t.same(again, now, 'the same asOf later: the same answer');

    const csv = await h.request('GET', `/v1/ledger/trial-balance?asOf=${encodeURIComponent(now.asOf)}&format=csv`);
    t.equal(csv.status, 200);
    t.match(csv.headers['content-type'], /^text\/csv/);
    const rows = parse(String(csv.body), { columns: true }) as Record<string, string>[];
    t.same(
      rows.filter((r) => r.line === 'account').map((r) => [r.accountId, r.unit, r.type, r.balance, new Decimal(r.credit!).minus(r.debit!).toFixed(2)]),
      now.accounts.map((x: any) => [x.accountId, x.unit, x.type, x.balance, x.balance]),
      'CSV accounts = JSON accounts (credit − debit = balance)',
    );
    t.same(
      rows.filter((r) => r.line === 'total').map((r) => [r.unit, r.debit, r.credit, r.balance]),
      now.totals.map((u: any) => [u.unit, u.debits, u.credits, u.total]),
      'CSV totals = JSON totals',
    );
    const bom = await h.request('GET', '/v1/ledger/trial-balance?format=csv&bom=true');
    t.ok(String(bom.body).startsWith('\uFEFF'), 'a byte order mark when asked');

    // Bad input.
    const future = new Date(Date.now() + 60_000).toISOString();
    isProblem(t, await h.request('GET', `/v1/ledger/trial-balance?asOf=${future}`), 422, 'as_of_in_future', 'asOf in the future');
    isProblem(t, await h.request('GET', '/v1/ledger/trial-balance?asOf=yesterday'), 400, 'validation_failed', 'asOf that is no time');
    isProblem(t, await h.request('GET', '/v1/ledger/trial-balance?asOf=2026-01-01T00:00:00'), 400, 'validation_failed', 'asOf without an offset');
    isProblem(t, await h.request('GET', '/v1/ledger/trial-balance?format=xlsx'), 400, 'validation_failed', 'a format that is none');
    isProblem(t, await h.request('GET', '/v1/ledger/trial-balance?asOf=0000-12-31T00:00:00Z'), 400, 'validation_failed', 'the year 0');
    isProblem(t, await h.request('GET', '/v1/ledger/trial-balance?asOf=2026-01-01T00:00:00-16:00'), 400, 'validation_failed', 'an offset of 16 hours');
    isProblem(t, await h.request('GET', '/v1/ledger/trial-balance', { key: await h.keyFor('station') }), 403, 'forbidden', 'a station key');
    t.equal((await h.request('GET', '/v1/ledger/trial-balance', { key: await h.keyFor('auditor') })).status, 200, 'an auditor key');

    // Another tenant's trial balance has its own accounts only.
    const b = await h.newTenant();
    const theirs = await expectStatus(h.request('GET', '/v1/ledger/trial-balance', { key: b.adminKey }), 200, 'B');
    t.notOk(theirs.accounts.some((x: any) => x.accountId.includes(a.memberId)), "none of A's accounts");
    checkAgainst(t, theirs, await independent(h, b.tenantId, theirs.asOf), 'B');
  });
}

t.test('postgres: the trial balance sums to zero at five random times during concurrent awards and sales', { skip: !engines.includes('postgres') }, async (t) => {
  const h = await setup(t, 'postgres', { env: { EXPIRY_MS: '0', HOLD_SWEEP_MS: '0', SEAL_MS: '0' } });
  const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'rice', price: '5.00', stock: 100000 }]);
  const pos = await newTerminal(h, marketId);
  const WORKERS = 8;
  const ROUNDS = 12;
  const members = await Promise.all(Array.from({ length: WORKERS }, () => memberWithPoints(h, orgUnitId, '20.00')));
  const start = await marker(h);
  const failures: string[] = [];

  const worker = async (w: number) => {
    const { memberId } = members[w]!;
    for (let i = 0; i < ROUNDS; i++) {
      const body = recordBody(memberId, orgUnitId, { hours: '1' });
      const started = Date.now() - (i + 1) * DAY;
      const rec = await h.request('POST', '/v1/service-records', {
        body: { ...body, startedAt: new Date(started).toISOString(), endedAt: new Date(started + 3_600_000).toISOString() },
      });
      if (rec.status !== 201) failures.push(`record ${rec.status} ${JSON.stringify(rec.body)}`);
      else if (rec.body.record.status !== 'verified') {
        const v = await h.request('POST', `/v1/service-records/${rec.body.record.id}/verification`, { headers: idem() });
        if (v.status !== 200) failures.push(`verify ${v.status}`);
      }
      const sale = await h.request('POST', '/v1/redemptions', { key: pos.key, body: { memberId, lines: [{ sku: 'rice', quantity: 1 }] }, headers: idem() });
      if (sale.status !== 201) failures.push(`sale ${sale.status} ${JSON.stringify(sale.body)}`);
    }
  };

  const reads: any[] = [];
  let done = false;
  const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w))).finally(() => {
    done = true;
  });
  for (let n = 0; n < 5; n++) {
    await sleep(30 + Math.floor(Math.random() * 150));
    // Now, or a random moment between the start of the load and now.
    const past = n % 2 === 1 ? new Date(Date.parse(start) + Math.random() * (Date.now() - Date.parse(start))).toISOString() : null;
    const res = await h.request('GET', `/v1/ledger/trial-balance${past ? `?asOf=${past}` : ''}`);
    t.equal(res.status, 200, `read ${n + 1}`);
    reads.push({ ...res.body, during: !done });
  }
  await load;
  t.same(failures, [], 'every award and sale went through');
  t.ok(reads.filter((r) => r.during).length >= 3, `${reads.filter((r) => r.during).length} of the five reads were taken while the load ran`);
  const asOfs = new Set(reads.map((r) => r.asOf));
  t.equal(asOfs.size, 5, 'five different times');
  for (const [n, tb] of reads.entries()) {
    t.ok(tb.settled, `read ${n + 1}: settled`);
    checkAgainst(t, tb, await independent(h, h.tenantId, tb.asOf), `read ${n + 1} as of ${tb.asOf}`);
  }
  // The reads differ: the load moved the balances between them.
  t.ok(new Set(reads.map((r) => r.totals.find((u: any) => u.unit === 'POINTS').credits)).size > 1, 'the balances moved between the reads');
  await h.assertLedger(t);
});
