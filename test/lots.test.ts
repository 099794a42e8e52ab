import { sql } from 'kysely';
import t from 'tap';
import { engines, isProblem, setup, type Harness, type Tap } from './helpers/harness.js';
import { idem, memberWithPoints, newMarket, newTerminal } from './helpers/market.js';
import { cli, sleep } from './helpers/process.js';

// Points that expire (积分清零, issue 20): lots opened by credits, spent earliest expiry first,
// refunds back into the lots they came from, holds reserving from lots, and the expiry run:
// the service's job on both engines, the CLI as a process on Postgres. The clock is the
// ledger's (ledger_clock: the database's plus an offset the test sets); nothing sleeps until a date.

/** Sets the ledger's clock to `iso` (the offset from the database's clock). */
async function clock(h: Harness, iso: string): Promise<void> {
  await sql`INSERT INTO ledger_clock (one, offset_by) VALUES (true, ${iso}::timestamptz - clock_timestamp())
    ON CONFLICT (one) DO UPDATE SET offset_by = EXCLUDED.offset_by`.execute(h.database.db);
}

async function policy(t: Tap, h: Harness, body: { policy: string; months?: number }) {
  const res = await h.request('PATCH', '/v1/settings', { body: { pointsExpiry: body }, headers: idem() });
  t.equal(res.status, 200, `policy ${body.policy} ${body.months ?? ''}`);
  return res.body.pointsExpiry;
}

async function grant(t: Tap, h: Harness, orgUnitId: string, memberId: string, points: string) {
  const res = await h.request('POST', '/v1/entries', {
    body: {
      reason: 'grant',
      postings: [
        { accountId: `issuance:${orgUnitId}:points`, unit: 'POINTS', direction: 'debit', amount: points },
        { accountId: `member:${memberId}:points`, unit: 'POINTS', direction: 'credit', amount: points },
      ],
    },
  });
  t.equal(res.status, 201, `grant ${points}`);
}

async function lots(h: Harness, memberId: string) {
  const res = await h.request('GET', `/v1/members/${memberId}/lots`);
  if (res.status !== 200) throw new Error(`lots: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.items as { id: string; expiresOn: string | null; remaining: string; held: string; history: { kind: string; amount: string; held: string }[] }[];
}

const member = async (h: Harness, memberId: string) => (await h.request('GET', `/v1/members/${memberId}`)).body;

async function expiryEntries(h: Harness): Promise<{ account_id: string; amount: string; occurred_at: Date; expires_on: string }[]> {
  const { rows } = await sql<{ account_id: string; amount: string; occurred_at: Date; expires_on: string }>`
    SELECT p.account_id, (-p.amount)::text AS amount, e.occurred_at, e.metadata ->> 'expiresOn' AS expires_on
    FROM ledger_entries e JOIN ledger_postings p ON p.tenant_id = e.tenant_id AND p.entry_id = e.entry_id AND p.amount < 0
    WHERE e.tenant_id = ${h.tenantId} AND e.kind = 'expiry' ORDER BY e.seq`.execute(h.database.db);
  return rows;
}

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await f();
    if (v) return v;
    await sleep(50);
  }
  throw new Error(`waited too long for ${what}`);
}

async function sell(t: Tap, h: Harness, key: string, memberId: string, sku: string, quantity: number) {
  const res = await h.request('POST', '/v1/redemptions', { key, body: { memberId, lines: [{ sku, quantity }] }, headers: idem() });
  t.equal(res.status, 201, `sale of ${quantity} ${sku}`);
  return res.body;
}

for (const engine of engines) {
  t.test(`${engine}: year end plus 12 months: 2026's points go first and lapse at the end of 31 December 2027, China time`, async (t) => {
    const h = await setup(t, engine, { env: { EXPIRY_MS: '50' } });
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'rice', price: '10.00', stock: 100 }]);
    const { key } = await newTerminal(h, marketId);
    const { memberId } = await memberWithPoints(h, orgUnitId, '0');
    await clock(h, '2026-06-01T10:00:00+08:00');
    const p = await policy(t, h, { policy: 'yearEnd', months: 12 });
    t.match(p, { version: 1, policy: 'yearEnd', months: 12, effectiveFrom: /^2026-06-01T02:00/ }, 'version 1 of the policy, from now');
    await grant(t, h, orgUnitId, memberId, '100.00');
    await clock(h, '2027-03-01T10:00:00+08:00');
    await grant(t, h, orgUnitId, memberId, '50.00');
    await clock(h, '2027-06-01T10:00:00+08:00');
    await sell(t, h, key, memberId, 'rice', 3);

    const [y2026, y2027] = await lots(h, memberId);
    t.match(y2026, { expiresOn: '2027-12-31', remaining: '70.00' }, "the spend took 2026's lot first");
    t.same(y2026!.history.map((m) => [m.kind, m.amount]), [['credit', '100.00'], ['debit', '-30.00']], "2026's history");
    t.match(y2027, { expiresOn: '2028-12-31', remaining: '50.00' }, "2027's lot untouched");
    t.same((await member(h, memberId)).pointsExpiring, [{ date: '2027-12-31', points: '70.00' }, { date: '2028-12-31', points: '50.00' }], 'pointsExpiring');

    // One second before the end of 31 December 2027 (China time): the job finds nothing lapsed.
    await clock(h, '2027-12-31T23:59:59+08:00');
    await sleep(400);
    t.same(await expiryEntries(h), [], 'nothing lapses on 31 December');
    // Just after midnight: exactly what is left of 2026's points lapses, dated when it lapsed.
    await clock(h, '2028-01-01T00:00:01+08:00');
    const expired = await until('the expiry entry', async () => (await expiryEntries(h))[0]);
    t.match(expired, { account_id: `member:${memberId}:points`, amount: '70.00', expires_on: '2027-12-31' }, 'one expiry entry of 70');
    t.equal(new Date(expired!.occurred_at).toISOString(), '2027-12-31T16:00:00.000Z', 'occurred at 00:00 on 1 January, China time');
    await sleep(300);
    t.equal((await expiryEntries(h)).length, 1, 'and only one, however often the job runs');
    const m = await member(h, memberId);
    t.same(m.points, { balance: '50.00', held: '0.00', available: '50.00' }, "2027's points stay");
    t.same(m.pointsExpiring, [{ date: '2028-12-31', points: '50.00' }], 'pointsExpiring after');
    const account = await h.request('GET', '/v1/accounts/expiry:points');
    t.equal(account.body.balance, '70.00', 'the expiry account holds what lapsed');
    await h.assertLedger(t);
  });

  t.test(`${engine}: a hold reserves from lots in spending order; what it reserved in a lapsed lot lapses after it is let go`, async (t) => {
    const h = await setup(t, engine, { env: { EXPIRY_MS: '50' } });
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'rice', price: '10.00', stock: 100 }]);
    const { key } = await newTerminal(h, marketId);
    const { memberId } = await memberWithPoints(h, orgUnitId, '0');
    await policy(t, h, { policy: 'monthsAfter', months: 1 });
    await clock(h, '2027-01-10T12:00:00+08:00');
    await grant(t, h, orgUnitId, memberId, '30.00'); // lapses after 10 February
    await clock(h, '2027-01-20T12:00:00+08:00');
    await grant(t, h, orgUnitId, memberId, '30.00'); // lapses after 20 February
    const basket = await h.request('POST', '/v1/redemption-holds', { key, body: { memberId, lines: [{ sku: 'rice', quantity: 4 }], expiresInSeconds: 86400 }, headers: idem() });
    t.equal(basket.status, 201, 'a basket of 40 on hold');
    if (basket.status !== 201) t.comment(JSON.stringify(basket.body));
    let [a, b] = await lots(h, memberId);
    t.match([a, b], [{ held: '30.00' }, { held: '10.00' }], 'reserved earliest expiry first');
    // 11 February: the first lot has lapsed, but what the hold reserves there is not expired.
    await clock(h, '2027-02-11T12:00:00+08:00');
    await sleep(300);
    t.same(await expiryEntries(h), [], 'reserved points do not lapse while held');
    const voided = await h.request('POST', `/v1/redemption-holds/${basket.body.id}/void`, { key, body: {}, headers: idem() });
    t.equal(voided.status, 200, 'the basket voided');
    const expired = await until('the expiry entry', async () => (await expiryEntries(h))[0]);
    t.match(expired, { amount: '30.00', expires_on: '2027-02-10' }, 'let go after its date: it lapses at the next run');
    [a, b] = await lots(h, memberId);
    t.match([a, b], [{ remaining: '0.00', held: '0.00' }, { remaining: '30.00', held: '0.00' }], 'lots after');
    await h.assertLedger(t);
  });
}

for (const engine of engines) {
  t.test(`${engine}: a sale made offline before its points lapsed, uploaded after, still spends them; one online after does not`, async (t) => {
    const h = await setup(t, engine, { env: { EXPIRY_MS: '0' } });
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'rice', price: '10.00', stock: 100 }]);
    const { key } = await newTerminal(h, marketId);
    const { memberId } = await memberWithPoints(h, orgUnitId, '0');
    // Earned 35 days ago under "one month": lapsed a few days ago (the real clock: an offline
    // terminal's sale may be at most offlineSaleDays old by it).
    await clock(h, new Date(Date.now() - 35 * 86_400_000).toISOString());
    await policy(t, h, { policy: 'monthsAfter', months: 1 });
    await grant(t, h, orgUnitId, memberId, '30.00');
    await sql`DELETE FROM ledger_clock`.execute(h.database.db);
    const [lot] = await lots(h, memberId);
    t.ok(lot!.expiresOn! < new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10), `the lot lapsed (last day ${lot!.expiresOn})`);

    const online = await h.request('POST', '/v1/redemptions', { key, body: { memberId, lines: [{ sku: 'rice', quantity: 1 }] }, headers: idem() });
    isProblem(t, online, 422, 'insufficient_points', 'a sale now');
    const offline = await h.request('POST', '/v1/redemptions:batch', {
      key,
      body: { items: [{ idempotencyKey: 'off-1', occurredAt: `${lot!.expiresOn}T20:00:00+08:00`, memberId, lines: [{ sku: 'rice', quantity: 2 }] }] },
    });
    t.match(offline.body.results, [{ status: 201 }], 'the sale of its last evening, uploaded now');
    const [after] = await lots(h, memberId);
    t.same(after!.history.map((m) => [m.kind, m.amount]), [['credit', '30.00'], ['debit', '-20.00']], 'it took the lapsed lot');
    await h.assertLedger(t);
  });
}

t.test('postgres: the CLI; a refund after its lot lapsed; lapsed points are never spent; two runs at once', { skip: !engines.includes('postgres') && 'needs Postgres' }, async (t) => {
  const h = await setup(t, 'postgres', { env: { EXPIRY_MS: '0' } });
  const env = { DATABASE_URL: h.databaseUrl! };
  const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'rice', price: '10.00', stock: 100 }]);
  const { key } = await newTerminal(h, marketId);
  const { memberId } = await memberWithPoints(h, orgUnitId, '0');
  await policy(t, h, { policy: 'monthsAfter', months: 1 });
  await clock(h, '2027-01-10T12:00:00+08:00');
  await grant(t, h, orgUnitId, memberId, '40.00'); // lapses after 10 February
  const sale = await sell(t, h, key, memberId, 'rice', 3);

  await clock(h, '2027-03-01T12:00:00+08:00');
  // Lapsed but not yet expired: spending them is refused, with what can be spent.
  const refused = await h.request('POST', '/v1/redemptions', { key, body: { memberId, lines: [{ sku: 'rice', quantity: 1 }] }, headers: idem() });
  isProblem(t, refused, 422, 'insufficient_points', 'a spend of lapsed points');
  t.match(refused.body, { available: '0.00', requested: '10.00' }, 'nothing unexpired to spend');

  const future = await cli(t, ['expire', '--until', '2027-03-02T00:00:00+08:00'], env);
  t.equal(future.code, 1, 'an --until ahead of the clock is refused');
  t.match(future.stderr, /expir/i, 'and says why');
  const early = await cli(t, ['expire', '--until', '2027-02-10T23:59:59+08:00'], env);
  t.same(JSON.parse(early.stdout), { accounts: 0, entries: 0, points: '0.00' }, 'nothing had lapsed by the end of 10 February');
  const first = await cli(t, ['expire', '--tenant', h.tenantId], env);
  t.equal(first.code, 0, first.stderr);
  t.same(JSON.parse(first.stdout), { accounts: 1, entries: 1, points: '10.00' }, 'the 10 left lapse');

  // The sale is refunded after its lot lapsed: the points go back into that lot, with its date,
  // and lapse at the next run (two at once: once).
  const refund = await h.request('POST', `/v1/redemptions/${sale.redemptionId}/refunds`, { key, body: { lines: [{ line: 1, quantity: 3 }], reason: '退货' }, headers: idem() });
  t.equal(refund.status, 201, 'refunded');
  const [lot] = await lots(h, memberId);
  t.same(lot!.history.map((m) => [m.kind, m.amount]), [['credit', '40.00'], ['debit', '-30.00'], ['expiry', '-10.00'], ['return', '30.00']], 'the points went back into the lot they came from');
  t.equal(lot!.expiresOn, '2027-02-10', 'which keeps its date');
  const [r1, r2] = await Promise.all([cli(t, ['expire'], env), cli(t, ['expire'], env)]);
  const runs = [JSON.parse(r1.stdout), JSON.parse(r2.stdout)];
  t.equal(runs[0].entries + runs[1].entries, 1, 'two runs at once: one expiry entry');
  t.equal(Number(runs[0].points) + Number(runs[1].points), 30, 'of the 30 refunded');
  t.same((await member(h, memberId)).points, { balance: '0.00', held: '0.00', available: '0.00' }, 'nothing left');
  t.same((await expiryEntries(h)).map((e) => [e.amount, e.expires_on]), [['10.00', '2027-02-10'], ['30.00', '2027-02-10']], 'the expiry entries');
  await h.assertLedger(t);
});

t.test(`${engines[0]}: the policy is versioned, never retroactive, and a bad one is refused with nothing written`, async (t) => {
  const h = await setup(t, engines[0]!, { env: { EXPIRY_MS: '0' } });
  const { orgUnitId } = await newMarket(h, []);
  const { memberId } = await memberWithPoints(h, orgUnitId, '0');
  const settings = async () => (await h.request('GET', '/v1/settings')).body.pointsExpiry;
  t.match(await settings(), { version: 0, policy: 'none', months: 0 }, 'by default points never expire');
  await clock(h, '2027-05-01T09:00:00+08:00');
  for (const [body, status, code] of [
    [{ policy: 'none', months: 3 }, 400, 'validation_failed'],
    [{ policy: 'monthsAfter' }, 400, 'validation_failed'],
    [{ policy: 'yearEnd', months: 121 }, 400, 'validation_failed'],
    [{ policy: 'sometimes' }, 400, 'validation_failed'],
    [{ policy: 'yearEnd', effectiveFrom: '2027-04-30T09:00:00+08:00' }, 422, 'rule_effective_in_past'],
  ] as const) {
    isProblem(t, await h.request('PATCH', '/v1/settings', { body: { pointsExpiry: body }, headers: idem() }), status, code, JSON.stringify(body));
  }
  t.same((await h.request('GET', '/v1/settings/expiry-policies')).body.items, [], 'nothing written');

  await grant(t, h, orgUnitId, memberId, '5.00'); // under no policy: never expires
  await policy(t, h, { policy: 'monthsAfter', months: 36 });
  await grant(t, h, orgUnitId, memberId, '7.00'); // 黄山: three years
  const later = await h.request('PATCH', '/v1/settings', { body: { pointsExpiry: { policy: 'yearEnd', months: 0, effectiveFrom: '2027-06-01T00:00:00+08:00' } }, headers: idem() });
  t.equal(later.status, 200, 'a version from 1 June');
  t.match(later.body.pointsExpiry, { version: 1, policy: 'monthsAfter' }, 'version 1 stays in force until then');
  await grant(t, h, orgUnitId, memberId, '1.00');
  await clock(h, '2027-06-02T09:00:00+08:00');
  t.match(await settings(), { version: 2, policy: 'yearEnd', months: 0 }, 'version 2 in force from 1 June');
  await grant(t, h, orgUnitId, memberId, '2.00');
  const dated = (await lots(h, memberId)).map((l) => [l.expiresOn, l.remaining]);
  t.same(dated, [[null, '5.00'], ['2030-05-01', '7.00'], ['2030-05-01', '1.00'], ['2027-12-31', '2.00']], 'each lot dated by the version in force when credited');
  t.same((await member(h, memberId)).pointsExpiring, [{ date: '2027-12-31', points: '2.00' }, { date: '2030-05-01', points: '8.00' }], 'pointsExpiring groups by date');
  t.same((await h.request('GET', '/v1/settings/expiry-policies')).body.items.map((p: { version: number }) => p.version), [2, 1], 'every version kept');
  await h.assertLedger(t);
});
