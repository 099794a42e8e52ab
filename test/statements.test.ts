import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { sql } from 'kysely';
import t from 'tap';
import { newMember, orgTree, recordBody } from './helpers/fixtures.js';
import { engines, expectStatus, type Harness, isProblem, setup, type Tap } from './helpers/harness.js';
import { idem, newMarket, newTerminal } from './helpers/market.js';
import { sleep } from './helpers/process.js';

// Member statements (对账单, issue 23 part 1), through the API. A member's two years: awards of
// backdated service records, a rating bonus, sales and a refund at a love supermarket, a basket
// captured, a correction (a reversal and a new award), points lapsing (the service's expiry job
// under a moved ledger clock), a manual grant. Checked against the raw ledger_postings table,
// page by page with a small page size, JSON against CSV line by line.

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Sets the ledger's clock (lots and expiry read it) to `at`; recorded_at keeps the real clock. */
async function clock(h: Harness, at: Date | null): Promise<void> {
  if (at === null) {
    await sql`DELETE FROM ledger_clock`.execute(h.database.db);
    return;
  }
  await sql`INSERT INTO ledger_clock (one, offset_by) VALUES (true, ${at.toISOString()}::timestamptz - clock_timestamp())
    ON CONFLICT (one) DO UPDATE SET offset_by = EXCLUDED.offset_by`.execute(h.database.db);
}

/** The database's clock, as RFC 3339 text with its microseconds (a period boundary between two writes). */
async function marker(h: Harness): Promise<string> {
  await sleep(5);
  const { rows } = await sql<{ at: string }>`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at`.execute(h.database.db);
  await sleep(5);
  return rows[0]!.at;
}

interface RawPosting {
  seq: string;
  entry_id: string;
  kind: string;
  amount: string;
  recorded_at: string;
}

/** The account's postings straight from the tables, in ledger order. */
async function raw(h: Harness, accountId: string): Promise<RawPosting[]> {
  const { rows } = await sql<RawPosting>`SELECT p.seq::text AS seq, p.entry_id, e.kind, p.amount::text AS amount,
      to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at
    FROM ledger_postings p JOIN ledger_entries e ON e.tenant_id = p.tenant_id AND e.entry_id = p.entry_id
    WHERE p.tenant_id = ${h.tenantId} AND p.account_id = ${accountId} ORDER BY p.seq, p.idx`.execute(h.database.db);
  return rows;
}

const sum = (rows: { amount: string }[]) => rows.reduce((s, r) => s.plus(r.amount), new Decimal(0)).toFixed(2);

async function ok(h: Harness, method: string, url: string, body: unknown, status: number, key?: string): Promise<any> {
  return expectStatus(h.request(method, url, { body, key, headers: idem() }), status, `${method} ${url}`);
}

/** Every page of a statement (JSON and, for the same cursor, CSV), checking each page's own figures. */
async function pages(t: Tap, h: Harness, memberId: string, query: string) {
  const json: any[] = [];
  const csv: { rows: Record<string, string>[]; next: string }[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await expectStatus(h.request('GET', `/v1/members/${memberId}/statement?${q}`), 200, `statement ${q}`);
    // The CSV of the same page: a first page without `to` reads up to the moment it is read, so
    // the CSV's names the JSON's end (later pages take it from the cursor).
    const end = !cursor && !query.includes('to=') ? `&to=${encodeURIComponent(page.to)}` : '';
    const text = await h.request('GET', `/v1/members/${memberId}/statement?${q}${end}&format=csv&bom=true`);
    t.equal(text.status, 200, 'the CSV page');
    t.match(text.headers['content-type'], /^text\/csv/);
    t.ok(String(text.body).startsWith('\uFEFF'), 'with the byte order mark asked for');
    csv.push({ rows: parse(String(text.body).slice(1), { columns: true }) as Record<string, string>[], next: String(text.headers['x-next-cursor']) });
    json.push(page);
    cursor = page.nextCursor;
  } while (cursor !== null && json.length < 100);
  t.equal(cursor, null, 'the pages end');
  return { json, csv };
}

function checkPages(t: Tap, json: any[], csv: { rows: Record<string, string>[]; next: string }[], limit: number): void {
  let previous: string | null = null;
  for (const [n, page] of json.entries()) {
    const at = `page ${n + 1}`;
    t.equal(page.page.opening, previous ?? page.opening, `${at}: opens where the last closed (the first at the period's opening)`);
    t.equal(new Decimal(page.page.opening).plus(sum(page.items)).toFixed(2), page.page.closing, `${at}: opening + movements = closing`);
    t.ok(page.items.length <= limit && (page.nextCursor === null || page.items.length === limit), `${at}: ${page.items.length} movements`);
    let running = new Decimal(page.page.opening);
    for (const m of page.items) {
      running = running.plus(m.amount);
      if (m.balance !== running.toFixed(2)) t.fail(`${at}: the running balance at seq ${m.seq}`);
    }
    previous = page.page.closing;
    // The CSV of the same page: the same lines and figures.
    const rows = csv[n]!.rows;
    // (A first page that named its end has a cursor that says so: the same next position, though.)
    if (n > 0 || page.complete) t.equal(csv[n]!.next, page.nextCursor ?? '', `${at}: the CSV's next cursor is the JSON's`);
    else t.equal(csv[n]!.next === '', page.nextCursor === null, `${at}: the CSV has a next page when the JSON has`);
    t.same(rows[0], { ...rows[0], line: 'opening', balance: page.page.opening }, `${at}: CSV opening`);
    t.same(rows[rows.length - 1], { ...rows[rows.length - 1], line: 'closing', balance: page.page.closing }, `${at}: CSV closing`);
    const lines = rows.slice(1, -1).map((r) => [r.seq, r.entryId, r.kind, r.amount, r.balance, r.cause, r.title, r.receiptNo, r.recordedAt, r.occurredAt, r.reversesEntryId]);
    const expected = page.items.map((m: any) => [
      m.seq, m.entryId, m.kind, m.amount, m.balance, m.cause?.type ?? '', m.cause?.title ?? '', m.cause?.receiptNo ?? '', m.recordedAt, m.occurredAt, m.reversesEntryId ?? '',
    ]);
    t.same(lines, expected, `${at}: CSV movements line by line`);
  }
  const last = json[json.length - 1];
  t.equal(last.page.closing, last.closing, "the last page closes at the period's closing");
  t.equal(new Decimal(json[0].opening).plus(sum(json.flatMap((p) => p.items))).toFixed(2), json[0].closing, 'opening + every movement = closing over the period');
  t.equal(json.flatMap((p) => p.items).length, json[0].movements, 'every movement of the period is on a page');
}

for (const engine of engines) {
  t.test(`${engine}: a member's statement over two years, page by page, against the raw postings`, async (t) => {
    const h = await setup(t, engine, { env: { EXPIRY_MS: '50', HOLD_SWEEP_MS: '0', SEAL_MS: '0' } });
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'rice', price: '10.00', stock: 100 }, { sku: 'oil', price: '5.00', stock: 100 }]);
    const pos = await newTerminal(h, marketId);
    const member = await newMember(h, orgUnitId, { cards: ['C-statement-1'] });
    const memberId = member.id as string;
    const points = `member:${memberId}:points`;
    await ok(h, 'POST', '/v1/points-rules', { pointsPerHour: '10', ratingBonus: { '5': '8' }, dailyCapHours: '12', backdatingDays: 800 }, 201);
    const now = Date.now();
    const record = async (daysAgo: number, hours: string) => {
      const body = { ...recordBody(memberId, orgUnitId, { hours }), startedAt: new Date(now - daysAgo * DAY).toISOString(), endedAt: new Date(now - daysAgo * DAY + Number(hours) * HOUR).toISOString() };
      const posted = await ok(h, 'POST', '/v1/service-records', body, 201);
      return posted.record.status === 'verified' ? posted : ok(h, 'POST', `/v1/service-records/${posted.record.id}/verification`, undefined, 200);
    };
    const sell = (sku: string, quantity: number) => ok(h, 'POST', '/v1/redemptions', { memberId, lines: [{ sku, quantity }] }, 201, pos.key);

    // Two years ago (the ledger's clock): points lapse 12 months after they are earned.
    await clock(h, new Date(now - 730 * DAY));
    await ok(h, 'PATCH', '/v1/settings', { pointsExpiry: { policy: 'monthsAfter', months: 12 } }, 200);
    const first = await record(725, '4'); // 40 points
    await ok(h, 'POST', `/v1/service-records/${first.record.id}/rating`, { stars: 5 }, 200); // + 8
    const sale = await sell('rice', 2); // − 20
    await ok(h, 'POST', `/v1/redemptions/${sale.redemptionId}/refunds`, { lines: [{ line: 1, quantity: 1 }], reason: '破损' }, 201); // + 10
    const m1 = await marker(h);

    // 400 days ago: a record, then its hours corrected (a new award, the old one reversed).
    await clock(h, new Date(now - 400 * DAY));
    const second = await record(395, '3'); // 30 points
    await ok(h, 'POST', `/v1/service-records/${second.record.id}/correction`, { hours: '2', reason: '签退时间录错' }, 200);

    // 300 days ago: the first year's points lapse (the service's expiry job), then a basket.
    await clock(h, new Date(now - 300 * DAY));
    for (let i = 0; i < 200 && !(await raw(h, points)).some((p) => p.kind === 'expiry'); i++) await sleep(50);
    const basket = await ok(h, 'POST', '/v1/redemption-holds', { memberId, lines: [{ sku: 'oil', quantity: 1 }] }, 201, pos.key);
    await ok(h, 'POST', `/v1/redemption-holds/${basket.id}/capture`, {}, 201, pos.key);
    const m2 = await marker(h);
    await clock(h, null);
    // Now the second year's points lapse too: waited for, so that nothing moves while it is read.
    for (let i = 0; i < 200 && (await raw(h, points)).filter((p) => p.kind === 'expiry').length < 2; i++) await sleep(50);
    await ok(h, 'POST', '/v1/entries', {
      reason: '困难群众积分补助',
      postings: [
        { accountId: `issuance:${orgUnitId}:points`, unit: 'POINTS', direction: 'debit', amount: '15.00' },
        { accountId: points, unit: 'POINTS', direction: 'credit', amount: '15.00' },
      ],
    }, 201);
    // A hold on the member's points captured by an admin (no market): its cause is the hold.
    const hold = await ok(h, 'POST', '/v1/holds', { accountId: points, unit: 'POINTS', amount: '2.00', ttlSeconds: 600 }, 201);
    await ok(h, 'POST', `/v1/holds/${hold.id}/capture`, { credits: [{ accountId: `issuance:${orgUnitId}:points` }] }, 200);
    await record(3, '1');

    const postings = await raw(h, points);
    t.ok(postings.some((p) => p.kind === 'expiry'), 'points lapsed');
    t.same([...new Set(postings.map((p) => p.kind))].sort(), ['adjustment', 'award', 'bonus', 'capture', 'expiry', 'redemption', 'refund', 'reversal'], 'every kind of movement is there');

    // The whole history, three movements a page.
    const all = await pages(t, h, memberId, 'limit=3');
    checkPages(t, all.json, all.csv, 3);
    const items = all.json.flatMap((p) => p.items);
    t.same(items.map((m: any) => [m.seq, m.entryId, m.amount]), postings.map((p) => [p.seq, p.entry_id, new Decimal(p.amount).toFixed(2)]), 'the movements are the raw postings, in ledger order');
    t.equal(all.json[0].opening, '0.00', 'nothing before the ledger began');
    t.equal(all.json[0].closing, sum(postings), 'closing = the raw postings summed');
    const account = await expectStatus(h.request('GET', `/v1/accounts/${points}`), 200, 'account');
    t.equal(all.json[0].closing, account.balance, "closing = the account's balance");
    t.equal(all.json[0].credits, sum(postings.filter((p) => Number(p.amount) > 0)), 'credits');
    t.equal(all.json[0].debits, new Decimal(sum(postings.filter((p) => Number(p.amount) < 0))).abs().toFixed(2), 'debits');

    // The causes.
    const byKind = (kind: string) => items.filter((m: any) => m.kind === kind);
    t.match(byKind('award')[0], { cause: { type: 'serviceRecord', recordId: first.record.id, title: '社区服务', hours: '4.00', rating: 5 } }, 'an award names its record and title');
    t.match(byKind('bonus')[0], { amount: '8.00', cause: { type: 'rating', recordId: first.record.id, rating: 5 } }, 'the rating bonus');
    t.match(byKind('redemption')[0], { amount: '-20.00', cause: { type: 'redemption', redemptionId: sale.redemptionId, receiptNo: sale.receiptNo, marketId } }, 'a sale and its receipt');
    t.match(byKind('refund')[0], { amount: '10.00', cause: { type: 'refund', redemptionId: sale.redemptionId, marketId } }, 'a refund and its receipt');
    t.ok(byKind('refund')[0].cause.receiptNo, 'the refund has its own receipt number');
    t.match(byKind('capture')[0], { amount: '-5.00', cause: { type: 'redemption', basketId: basket.id } }, "a basket's capture is a sale");
    t.match(byKind('reversal')[0], { amount: '-30.00', reversesEntryId: /^[0-9a-f-]{36}$/, cause: { type: 'serviceRecord', recordId: second.record.id, hours: '2.00' } }, 'the correction reverses the award');
    t.match(byKind('expiry')[0], { cause: { type: 'expiry', expiresOn: /^\d{4}-\d\d-\d\d$/ } }, 'lapsed points and their date');
    t.match(byKind('capture')[1], { amount: '-2.00', cause: { type: 'hold', holdId: hold.id } }, "an admin's hold captured: the hold");
    t.match(byKind('adjustment')[0], { amount: '15.00', reason: '困难群众积分补助', cause: null }, 'a manual grant: its reason, no cause');
    t.ok(items.every((m: any) => m.occurredAt && m.recordedAt), 'occurredAt and recordedAt on every movement');
    t.ok(byKind('award')[0].occurredAt < new Date(now - 700 * DAY).toISOString(), "a backdated award shows when the service was done");

    // A period between two moments: its opening and closing from the raw postings recorded before each.
    const period = await pages(t, h, memberId, `from=${m1}&to=${m2}&limit=2`);
    checkPages(t, period.json, period.csv, 2);
    const inside = postings.filter((p) => p.recorded_at >= m1 && p.recorded_at < m2);
    t.equal(period.json[0].opening, sum(postings.filter((p) => p.recorded_at < m1)), 'opening = the raw postings recorded before from');
    t.equal(period.json[0].closing, sum(postings.filter((p) => p.recorded_at < m2)), 'closing = the raw postings recorded before to');
    t.same(period.json.flatMap((p) => p.items).map((m: any) => m.entryId), inside.map((p) => p.entry_id), 'the movements recorded in [from, to)');
    t.ok(period.json[0].complete, 'a period that has ended is complete');
    t.notOk(all.json[0].complete, 'one up to now is not');

    // A period that has ended never changes: more movements after it leave it as it was.
    await sell('rice', 1);
    const again = await pages(t, h, memberId, `from=${m1}&to=${m2}&limit=2`);
    t.same(again.json, period.json, 'the same statement, to the byte');

    // Hours: the member's hours account, the correction included.
    const hours = await pages(t, h, memberId, 'unit=HOURS&limit=2');
    checkPages(t, hours.json, hours.csv, 2);
    const rawHours = await raw(h, `member:${memberId}:hours`);
    t.equal(hours.json[0].closing, sum(rawHours), 'hours closing = the raw postings');
    t.equal(hours.json[0].closing, '7.00', '4 + 3 − 3 + 2 + 1 hours');
    t.equal(hours.json[0].accountId, `member:${memberId}:hours`);
  });

  t.test(`${engine}: bad input is refused with its code, and a station key reads only its own members`, async (t) => {
    const h = await setup(t, engine, { env: { EXPIRY_MS: '0', HOLD_SWEEP_MS: '0', SEAL_MS: '0' } });
    const tree = await orgTree(h, ['s1', 's2'], { prefix: 'bad-' });
    const member = await newMember(h, tree.stations[0]!);
    const url = `/v1/members/${member.id}/statement`;
    isProblem(t, await h.request('GET', `${url}?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`), 400, 'statement_period_invalid', 'from after to');
    isProblem(t, await h.request('GET', `${url}?from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`), 400, 'statement_period_invalid', 'from = to');
    isProblem(t, await h.request('GET', `${url}?unit=STARS`), 400, 'validation_failed', 'a unit that is none');
    isProblem(t, await h.request('GET', `${url}?from=yesterday`), 400, 'validation_failed', 'a time that is none');
    isProblem(t, await h.request('GET', `${url}?from=0000-01-01T00:00:00Z`), 400, 'validation_failed', 'the year 0 (which the database has not)');
    isProblem(t, await h.request('GET', `${url}?to=2026-01-01T00:00:00%2B23:59`), 400, 'validation_failed', 'an offset of 23:59');
    isProblem(t, await h.request('GET', `${url}?limit=0`), 400, 'validation_failed', 'limit 0');
    isProblem(t, await h.request('GET', `${url}?limit=1e400`), 400, 'validation_failed', 'limit Infinity');
    isProblem(t, await h.request('GET', `${url}?format=pdf`), 400, 'validation_failed', 'a format that is none');
    isProblem(t, await h.request('GET', `${url}?cursor=not-a-cursor`), 400, 'invalid_cursor', 'a cursor that is none');
    const forged = Buffer.from(JSON.stringify([member.id, 'POINTS', null, null, '2020', false, ['1', 0]])).toString('base64url');
    isProblem(t, await h.request('GET', `${url}?cursor=${forged}`), 400, 'invalid_cursor', 'a cursor with a time that is none');
    const year0 = Buffer.from(JSON.stringify([member.id, 'POINTS', null, null, '0000-01-01T00:00:00Z', false, ['1', 0]])).toString('base64url');
    isProblem(t, await h.request('GET', `${url}?cursor=${year0}`), 400, 'invalid_cursor', 'a cursor with a time the database has not');
    isProblem(t, await h.request('GET', '/v1/members/00000000-0000-4000-8000-000000000000/statement'), 404, 'member_not_found', 'an unknown member');
    isProblem(t, await h.request('GET', '/v1/members/nobody/statement'), 400, 'validation_failed', 'a member id that is no uuid');

    // A cursor belongs to its member and its period.
    await ok(h, 'POST', '/v1/entries', {
      reason: 'grant',
      postings: [
        { accountId: `issuance:${tree.stations[0]}:points`, unit: 'POINTS', direction: 'debit', amount: '3.00' },
        { accountId: `member:${member.id}:points`, unit: 'POINTS', direction: 'credit', amount: '1.00' },
        { accountId: `member:${member.id}:points`, unit: 'POINTS', direction: 'credit', amount: '2.00' },
      ],
    }, 201);
    const page = await expectStatus(h.request('GET', `${url}?limit=1`), 200, 'first page');
    t.ok(page.nextCursor, 'a next page');
    const other = await newMember(h, tree.stations[0]!);
    isProblem(t, await h.request('GET', `/v1/members/${other.id}/statement?cursor=${page.nextCursor}`), 400, 'invalid_cursor', "another member's cursor");
    isProblem(t, await h.request('GET', `${url}?unit=HOURS&cursor=${page.nextCursor}`), 400, 'invalid_cursor', 'a cursor of another unit');
    const second = await expectStatus(h.request('GET', `${url}?limit=1&cursor=${page.nextCursor}`), 200, 'second page');
    t.equal(second.page.opening, '1.00', 'the second page opens after the first posting of the entry');

    // Station keys: one of the member's unit (or above it) reads; one of another unit does not.
    const key = async (orgUnitId: string) => (await expectStatus(h.request('POST', '/v1/api-keys', { body: { name: 'station', role: 'station', orgUnitId } }), 201, 'key')).key as string;
    t.equal((await h.request('GET', url, { key: await key(tree.stations[0]!) })).status, 200, "the member's own station");
    t.equal((await h.request('GET', url, { key: await key(tree.institute) })).status, 200, 'a unit above it');
    isProblem(t, await h.request('GET', url, { key: await key(tree.stations[1]!) }), 403, 'org_unit_out_of_scope', 'a station key outside its scope');
    isProblem(t, await h.request('GET', url, { key: await h.keyFor('pos') }), 403, 'forbidden', 'a pos key');
    const b = await h.newTenant();
    isProblem(t, await h.request('GET', url, { key: b.adminKey }), 404, 'member_not_found', "another tenant's admin");
  });
}
