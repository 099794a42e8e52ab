import { Decimal } from 'decimal.js';
import { sql } from 'kysely';
import t from 'tap';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { post } from '../src/ledger/index.js';
import { engines, fundedAccount, type Harness, isProblem, setup, type Tap, transfer } from './helpers/harness.js';
import { type County, county, cst, orgUnit, recordBody, register, sleep, submit, verified } from './helpers/hours.js';

// The event feed (GET /v1/events), through the API and the database as it is: every entry, hold
// change, record change and configuration change of a tenant exactly once, in the order of the
// writing transactions, resumable from any cursor; long-polling; what a station key sees; bad
// cursors. On PostgreSQL also: a transaction that commits after ten later ones, and one that
// rolls back, with two connections (PGlite has one connection: a transaction cannot stay open
// there while others commit).

type Event = {
  id: string;
  cursor: string;
  kind: string;
  type: string;
  txId: string;
  at: string;
  actor: string | null;
  entry: any;
  hold: any;
  serviceRecord: any;
  config: any;
};

const feed = (h: Harness, key: string, query: string) => h.request('GET', `/v1/events?${query}`, { key });

/**
 * Reads the feed from `after` until `until` holds for what was read (waiting for what is still
 * behind an open transaction of the server: other test files share it), failing after 60 s.
 */
async function collect(
  h: Harness,
  key: string,
  until: (events: Event[]) => boolean,
  opts: { after?: string; limit?: number } = {},
): Promise<{ events: Event[]; cursor: string }> {
  const events: Event[] = [];
  let cursor = opts.after;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await feed(h, key, `limit=${opts.limit ?? 100}&wait=2${cursor ? `&after=${cursor}` : ''}`);
    if (res.status !== 200) throw new Error(`feed: ${res.status} ${JSON.stringify(res.body)}`);
    events.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (until(events)) return { events, cursor: cursor! };
    if (Date.now() > deadline) throw new Error(`feed: gave up after ${events.length} events: ${events.map((e) => e.id).join(' ')}`);
  }
}

/** The promise, or a failure naming what did not happen within `ms`. */
async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer!: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

const has = (id: string) => (events: Event[]) => events.some((e) => e.id === id);
const ids = (events: Event[]) => events.map((e) => e.id);

/**
 * Each event once; transactions in the order of their positions (feed_transactions, the database
 * as it is), one transaction's events together and by rank.
 */
async function checkOrder(t: Tap, h: Harness, tenantId: string, events: Event[], what: string): Promise<void> {
  t.equal(new Set(ids(events)).size, events.length, `${what}: no event twice`);
  const { rows } = await sql<{ tx: string; position: string }>`SELECT tx_id::text AS tx, position::text AS position
    FROM feed_transactions WHERE tenant_id = ${tenantId}`.execute(h.database.db);
  const position = new Map(rows.map((r) => [r.tx, BigInt(r.position)]));
  const rank = { entry: 1, hold: 2, serviceRecord: 3, config: 4 } as Record<string, number>;
  let sorted = events.every((e) => position.has(e.txId));
  for (let i = 1; i < events.length; i++) {
    const [a, b] = [events[i - 1]!, events[i]!];
    const d = position.get(b.txId)! - position.get(a.txId)!;
    if (d < 0n || (d === 0n && rank[b.kind]! < rank[a.kind]!)) sorted = false;
  }
  t.ok(sorted, `${what}: by the position of the transaction, then kind`);
}

/** A county with a little of everything; returns the id of the last event written (a marker). */
async function everything(h: Harness, c: County) {
  const member = (await register(c)).id as string;
  const atS1 = await verified(c, member, { start: cst(2, 9), hours: '2' });
  await verified(c, member, { start: cst(2, 14), hours: '1', orgUnitId: 's2' });
  const atP1 = await verified(c, member, { start: cst(3, 9), hours: '1.5', orgUnitId: 'p1' });
  await c.ok('POST', `/v1/service-records/${atS1.record.id}/rating`, { stars: 5 }, 200);
  const submitted = await submit(c, recordBody(member, { start: cst(4, 9), hours: '1', orgUnitId: 's2' }));
  await c.ok('POST', `/v1/service-records/${submitted.record.id}/rejection`, { reason: '无签到' }, 200);
  const points = `member:${member}:points`;
  const hold = await c.ok('POST', '/v1/holds', { accountId: points, unit: 'POINTS', amount: '3.00', ttlSeconds: 600 }, 201);
  await c.ok('POST', '/v1/accounts', { id: 'market:m1', unit: 'POINTS', type: 'market' }, 201);
  await c.ok('POST', `/v1/holds/${hold.id}/capture`, { amount: '2.00', credits: [{ accountId: 'market:m1' }] }, 200);
  const manual = await c.ok('POST', '/v1/entries', transfer(points, 'market:m1', '1.00'), 201);
  await c.ok('POST', `/v1/entries/${manual.id}/reversal`, { reason: '退回' }, 201);
  await c.ok('POST', '/v1/points-rules', { pointsPerHour: '12', dailyCapHours: '10', backdatingDays: 20 }, 201);
  await c.ok('PATCH', '/v1/settings', { autoVerify: false, starThresholds: ['10', '30', '60', '100', '150'] }, 200);
  await c.ok('PATCH', '/v1/org-units/s2', { name: '西街实践站（新）' }, 200);
  await c.ok('PATCH', '/v1/org-units/p1', { autoVerify: true }, 200);
  await orgUnit(c, { id: 'p2', kind: 'point', parentId: 's1' });
  await c.ok('POST', '/v1/org-units/p2/deactivation', {}, 200);
  const scoped = await c.ok('POST', '/v1/api-keys', { name: '东街站 app', role: 'station', orgUnitId: 's1' }, 201);
  const spare = await c.ok('POST', '/v1/api-keys', { name: 'spare', role: 'pos' }, 201);
  await c.ok('POST', `/v1/api-keys/${spare.id}/revocation`, {}, 200);
  // Written last, seen by every view below: once a reader has it, it has everything before it.
  const last = await verified(c, member, { start: cst(5, 9), hours: '1' });
  return { member, scopedKey: scoped.key as string, marker: `serviceRecord:${last.record.id}:2`, records: { atS1, atP1 } };
}

for (const engine of engines) {
  t.test(`event feed on ${engine}`, async (t) => {
    const h = await setup(t, engine, { env: { HOLD_SWEEP_MS: '0' } });
    const c = await county(h);
    const fx = await everything(h, c);
    const { events: all } = await collect(h, c.key, has(fx.marker), { limit: 7 });

    t.test('every row of the tenant exactly once, in the order of the transactions\' commits', async (t) => {
      await checkOrder(t, h, c.tenantId, all, 'admin');
      const tenant = c.tenantId;
      const q = async (statement: ReturnType<typeof sql<{ id: string }>>) => (await statement.execute(h.database.db)).rows.map((r) => r.id).sort();
      const expected = {
        entry: await q(sql`SELECT 'entry:' || entry_id AS id FROM ledger_entries WHERE tenant_id = ${tenant}`),
        hold: await q(sql`SELECT 'hold:' || hold_id || ':' || kind AS id FROM ledger_hold_events WHERE tenant_id = ${tenant}`),
        serviceRecord: await q(sql`SELECT 'serviceRecord:' || record_id || ':' || event_no AS id FROM service_record_events WHERE tenant_id = ${tenant}`),
        config: await q(sql`SELECT 'config:' || change_no AS id FROM config_changes WHERE tenant_id = ${tenant}`),
      };
      const positioned = (await sql<{ tx: string; position: string }>`SELECT tx_id::text AS tx, position::text AS position
        FROM feed_transactions f WHERE tenant_id = ${tenant} ORDER BY f.position`.execute(h.database.db)).rows;
      t.same(positioned.map((r) => r.position), positioned.map((_, i) => String(i + 1)), 'positions 1, 2, 3, … without a gap');
      t.same([...new Set(all.map((e) => e.txId))].sort(), positioned.map((r) => r.tx).sort(), 'each positioned transaction, and only those');
      for (const [kind, want] of Object.entries(expected)) {
        t.ok(want.length > 0, `${kind}: the county has some`);
        t.same(ids(all.filter((e) => e.kind === kind)).sort(), want, `${kind}: each row of the tenant, once`);
      }
      // Entries: what GET /v1/entries/{id} says, less reversedByEntryId.
      for (const e of all.filter((e) => e.kind === 'entry')) {
        const { reversedByEntryId: _r, ...entry } = await c.ok('GET', `/v1/entries/${e.entry.id}`, undefined, 200);
        t.same(e.entry, entry, `entry ${e.entry.seq} as GET shows it`);
        t.equal(e.txId, entry.txId);
      }
      const hold = all.filter((e) => e.kind === 'hold').map((e) => [e.type, e.hold.change.amount, e.hold.change.released]);
      t.same(hold, [['hold.created', '3.00', '0.00'], ['hold.captured', '2.00', '3.00']], 'the hold: created, then captured');
      const captured = all.find((e) => e.type === 'hold.captured')!;
      const capture = all.find((e) => e.kind === 'entry' && e.entry.id === captured.hold.change.entryId)!;
      t.equal(capture.txId, captured.txId, 'the capture entry is in the same transaction');
      t.ok(all.indexOf(capture) < all.indexOf(captured), 'and comes before the hold change that names it');
      const history = await c.ok('GET', `/v1/service-records/${fx.records.atS1.record.id}`, undefined, 200);
      t.same(
        all.filter((e) => e.serviceRecord?.id === fx.records.atS1.record.id).map((e) => [e.type, e.serviceRecord.change.detail]),
        history.history.map((x: any) => [`serviceRecord.${x.type}`, x.detail]),
        "a record's changes are its history",
      );
    });

    t.test('configuration changes: who, when, what', async (t) => {
      const config = all.filter((e) => e.kind === 'config');
      t.same(
        config.map((e) => e.type),
        [
          'tenant.created', ...['c', 'i', 's1', 's2', 'p1'].map(() => 'orgUnit.created'), 'pointsRule.created', 'settings.updated',
          'orgUnit.updated', 'orgUnit.updated', 'orgUnit.created', 'orgUnit.deactivated', 'apiKey.created', 'apiKey.created', 'apiKey.revoked',
        ],
        'each change, in order',
      );
      t.equal(config[0]!.actor, 'operator', 'the tenant was made by the operator');
      t.match(config[0]!.config, { subjectId: c.tenantId, data: { id: c.tenantId, pointsRuleVersion: 1, adminKey: { role: 'admin' } } });
      for (const e of config.slice(1)) t.equal(e.actor, c.keyId, `${e.type}: by the admin key`);
      for (const e of config) t.ok(Number.isFinite(Date.parse(e.at)), `${e.type}: at a time`);
      t.notOk(JSON.stringify(config).includes('vk_'), 'no secret of a key');
      const scoped = config.find((e) => e.type === 'apiKey.created')!;
      t.match(scoped.config, { subjectType: 'apiKey', orgUnitId: 's1', data: { name: '东街站 app', role: 'station', orgUnitId: 's1' } });
      t.notOk('key' in scoped.config.data, 'the new key is not in the record');
      t.match(config.find((e) => e.type === 'settings.updated')!.config, {
        subjectId: null,
        data: { autoVerify: false, starThresholds: ['10.00', '30.00', '60.00', '100.00', '150.00'], offlineSaleDays: 7 },
        changes: { autoVerify: false, starThresholds: ['10', '30', '60', '100', '150'] },
      });
      t.notOk('starsChanged' in config.find((e) => e.type === 'settings.updated')!.config.data, 'an outcome is not configuration');
      t.match(config.find((e) => e.type === 'pointsRule.created')!.config, { subjectId: '2', data: { version: 2, pointsPerHour: '12.00' } });
      t.match(config.filter((e) => e.type === 'orgUnit.updated').map((e) => e.config), [
        { subjectId: 's2', orgUnitId: 's2', data: { name: '西街实践站（新）' }, changes: { name: '西街实践站（新）' } },
        { subjectId: 'p1', orgUnitId: 'p1', data: { autoVerify: true }, changes: { autoVerify: true } },
      ]);

      // A refused change, and one that asks for nothing, record nothing.
      const count = async () => Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM config_changes`.execute(h.database.db)).rows[0]!.n);
      const before = await count();
      isProblem(t, await c.req('POST', `/v1/api-keys/${c.keyId}/revocation`, {}), 409, 'last_admin_key');
      t.equal((await c.req('PATCH', '/v1/org-units/s1', {})).status, 200, 'an empty update');
      t.equal(await count(), before, 'no change recorded');
      // Append-only like the ledger.
      const err = await sql`UPDATE config_changes SET actor = 'someone else'`.execute(h.database.db).catch((e: unknown) => e);
      t.equal((err as { code?: string }).code, 'LE000', 'an UPDATE is refused by the database');
    });

    t.test('a consumer that restarts from any cursor gets the rest, once', async (t) => {
      for (const k of [0, 3, Math.floor(all.length / 2), all.length - 2]) {
        const { events } = await collect(h, c.key, has(fx.marker), { after: all[k]!.cursor, limit: 5 });
        t.same(ids(events), ids(all.slice(k + 1)), `after event ${k}`);
      }
      // A cursor of the feed before migration 0010 named the transaction's id: it resumes at the same place.
      const k = all.findIndex((e, i) => i > 3 && e.kind === 'entry');
      const v1 = Buffer.from(`v1.${all[k]!.txId}.1.${all[k]!.entry.seq.padStart(20, '0')}`).toString('base64url');
      t.same(ids((await collect(h, c.key, has(fx.marker), { after: v1 })).events), ids(all.slice(k + 1)), 'after an old cursor');
      const end = await feed(h, c.key, `after=${all[all.length - 1]!.cursor}`);
      t.same([end.body.items, end.body.hasMore], [[], false], 'after the last: nothing');
      t.equal(end.body.nextCursor, all[all.length - 1]!.cursor, 'and the same cursor to ask again with');
    });

    t.test('what each key sees', async (t) => {
      const auditor = await c.ok('POST', '/v1/api-keys', { name: 'auditor', role: 'auditor' }, 201);
      const station = await c.ok('POST', '/v1/api-keys', { name: 'station', role: 'station' }, 201);
      const upTo = (events: Event[]) => events.slice(0, events.findIndex((e) => e.id === fx.marker) + 1);
      t.same(ids(upTo((await collect(h, auditor.key, has(fx.marker))).events)), ids(all), 'an auditor key: everything');

      // The documented rule (README "Event feed"), applied to the whole feed.
      const recordUnit = new Map(all.filter((e) => e.serviceRecord).map((e) => [e.serviceRecord.id, e.serviceRecord.orgUnitId]));
      const rule = (units: string[]) => (e: Event) => {
        const accounts = units.flatMap((u) => [`issuance:${u}:hours`, `issuance:${u}:points`]);
        if (e.serviceRecord) return units.includes(e.serviceRecord.orgUnitId);
        if (e.entry) {
          return (
            e.entry.postings.some((p: any) => accounts.includes(p.accountId)) ||
            (e.entry.objectType === 'service_record' && units.includes(recordUnit.get(e.entry.objectId)))
          );
        }
        if (e.hold) return accounts.includes(e.hold.accountId);
        return e.config.subjectType === 'pointsRule' || (e.config.subjectType === 'orgUnit' && units.includes(e.config.orgUnitId));
      };
      const scoped = upTo((await collect(h, fx.scopedKey, has(fx.marker))).events);
      const expected = all.filter(rule(['s1', 'p1', 'p2']));
      t.same(ids(scoped), ids(expected), 'a key scoped to s1: the records, entries and configuration of s1 and the units under it');
      t.same(scoped, expected, 'the same events, word for word');
      t.same([...new Set(scoped.map((e) => e.type))].sort(), [
        'entry.posted', 'orgUnit.created', 'orgUnit.deactivated', 'orgUnit.updated', 'pointsRule.created',
        'serviceRecord.rated', 'serviceRecord.submitted', 'serviceRecord.verified',
      ], 'of these kinds');
      t.ok(scoped.every((e) => !e.serviceRecord || ['s1', 'p1'].includes(e.serviceRecord.orgUnitId)), 'no record of s2');
      const unscoped = upTo((await collect(h, station.key, has(fx.marker))).events);
      t.same(ids(unscoped), ids(all.filter(rule(['c', 'i', 's1', 's2', 'p1', 'p2']))), 'an unscoped station key: the same kinds, of every unit');
      isProblem(t, await feed(h, (await c.ok('POST', '/v1/api-keys', { name: 'pos', role: 'pos' }, 201)).key, ''), 403, 'forbidden', 'a pos key');
    });

    t.test('long-poll: a waiting request answers as soon as something is written', async (t) => {
      // The end of the feed: past an entry written now, the tenant's last write.
      const last = await c.ok('POST', '/v1/entries', transfer(`member:${fx.member}:points`, 'market:m1', '0.50'), 201);
      const end = (await collect(h, c.key, has(`entry:${last.id}`), { after: all[all.length - 1]!.cursor })).cursor;
      const started = Date.now();
      const empty = await feed(h, c.key, `after=${end}&wait=1`);
      t.ok(Date.now() - started >= 1000, 'nothing new: it waits as long as asked');
      t.same([empty.status, empty.body.items, empty.body.nextCursor], [200, [], end], 'then answers an empty page and the same cursor');

      const begun = Date.now();
      const waiting = feed(h, c.key, `after=${end}&wait=20`);
      await sleep(300);
      const entry = await c.ok('POST', '/v1/entries', transfer(`member:${fx.member}:points`, 'market:m1', '0.50'), 201);
      const woken = await waiting;
      const took = Date.now() - begun;
      t.equal(woken.status, 200);
      t.same(woken.body.items.map((e: Event) => e.id), [`entry:${entry.id}`], 'the new entry');
      t.ok(took < 10_000, `well before its wait ends (${took} ms of 20 s)`);
    });

    t.test('the service positions a committed transaction by itself, with nobody reading', async (t) => {
      const entry = await c.ok('POST', '/v1/entries', transfer(`member:${fx.member}:points`, 'market:m1', '0.50'), 201);
      const { txId } = await c.ok('GET', `/v1/entries/${entry.id}`, undefined, 200);
      const started = Date.now();
      const positioned = async () =>
        (await sql`SELECT 1 FROM feed_transactions WHERE tenant_id = ${c.tenantId} AND tx_id = ${txId}::xid8`.execute(h.database.db)).rows.length > 0;
      while (!(await positioned()) && Date.now() - started < 10_000) await sleep(20);
      t.ok(await positioned(), `positioned after ${Date.now() - started} ms (FEED_SEQUENCE_MS: 200)`);
    });

    t.test('bad cursors and parameters are 400, with a stable code', async (t) => {
      const real = all[2]!.cursor;
      const b64 = (s: string) => Buffer.from(s).toString('base64url');
      const cursors = {
        'not base64url': 'not a cursor!',
        'base64url of something else': b64('hello'),
        'a transaction id past xid8': b64('v1.18446744073709551616.1.00000000000000000001'),
        'a transaction that has not begun (an old cursor)': b64('v1.99999999999999.1.00000000000000000001'),
        'a position past bigint': b64('v2.9223372036854775808.1.00000000000000000001'),
        'a position not reached yet': b64('v2.99999999999999.1.00000000000000000001'),
        'position 0 with a rank': b64('v2.0.1.00000000000000000001'),
        'another version': b64('v3.1.1.00000000000000000001'),
        'rank 0 with a key': b64('v1.5.0.00000000000000000001'),
        'a key of other characters': b64('v1.5.1.ZZZ'),
        'the right text with padding': `${real}==`,
        'too long': 'A'.repeat(300),
        empty: '',
      };
      for (const [what, cursor] of Object.entries(cursors)) {
        isProblem(t, await feed(h, c.key, `after=${encodeURIComponent(cursor)}`), 400, 'invalid_cursor', what);
      }
      for (const query of ['limit=0', 'limit=501', 'limit=1e400', 'limit=2.5', 'wait=31', 'wait=-1', 'wait=abc', 'wait=1e400']) {
        isProblem(t, await feed(h, c.key, query), 400, 'validation_failed', query);
      }
    });

    t.test('closing the service ends a waiting request', async (t) => {
      const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), database: h.database, logger: false });
      await app.ready();
      const end = (await feed(h, c.key, `after=${all[all.length - 1]!.cursor}`)).body.nextCursor as string;
      const started = Date.now();
      const waiting = app.inject({ method: 'GET', url: `/v1/events?wait=30&after=${end}`, headers: { authorization: `Bearer ${c.key}` } });
      await sleep(300);
      await app.close();
      const res = await waiting;
      t.equal(res.statusCode, 200, 'answered');
      t.ok(Date.now() - started < 10_000, `at once (${Date.now() - started} ms), not after 30 s`);
    });

    if (engine === 'postgres') {
      t.test('a transaction that commits after ten later ones, and one that rolls back', async (t) => {
        // Accounts of their own for each writer: a balance row locked by an open transaction would
        // make the others wait for it.
        for (const id of ['late', 'rolled', 'ten']) await fundedAccount(h, { id: `member:${id}:points`, points: '0', key: c.key });
        const account = 'member:ten:points';
        const issuance = `issuance:${account}`;
        const marker = await c.ok('POST', '/v1/entries', transfer(issuance, account, '0.01'), 201);
        const before = await collect(h, c.key, has(`entry:${marker.id}`));
        const cursor = before.cursor;

        // Two transactions on their own connections: each takes its sequence number and writes its
        // entry, then stays open while ten entries are posted and committed through the API.
        const gate = (() => {
          let open!: () => void;
          const opened = new Promise<void>((r) => (open = r));
          return { open, opened };
        })();
        const entryOf = (id: string, reason: string) => ({
          tenantId: c.tenantId,
          kind: 'adjustment' as const,
          reason,
          postings: [
            { accountId: `issuance:member:${id}:points`, unit: 'POINTS' as const, amount: new Decimal('-1.00') },
            { accountId: `member:${id}:points`, unit: 'POINTS' as const, amount: new Decimal('1.00') },
          ],
        });
        let late!: { id: string; seq: string };
        let lateTxId!: string;
        let rolledBack!: { id: string; seq: string };
        let lateWritten!: () => void;
        let rolledWritten!: () => void;
        const lateReady = new Promise<void>((r) => (lateWritten = r));
        const rolledReady = new Promise<void>((r) => (rolledWritten = r));
        const lateTx = h.database.db.transaction().execute(async (trx) => {
          late = await post(trx, entryOf('late', 'commits after ten later ones'));
          lateTxId = (await sql<{ x: string }>`SELECT pg_current_xact_id()::text AS x`.execute(trx)).rows[0]!.x;
          lateWritten();
          await gate.opened;
        });
        await within(20_000, lateReady, 'the late transaction writes');
        const rolledTx = h.database.db
          .transaction()
          .execute(async (trx) => {
            rolledBack = await post(trx, entryOf('rolled', 'rolled back'));
            rolledWritten();
            await gate.opened;
            throw new Error('roll back');
          })
          .catch((err: Error) => err.message);
        await within(20_000, rolledReady, 'the rolled-back transaction writes');
        t.teardown(gate.open);
        const txOf = async (id: string) => (await c.ok('GET', `/v1/entries/${id}`, undefined, 200)).txId as string;
        const ten: string[] = [];
        for (let i = 0; i < 10; i++) ten.push((await c.ok('POST', '/v1/entries', transfer(issuance, account, '1.00'), 201)).id);
        const tenSeqs = await Promise.all(ten.map(async (id) => (await c.ok('GET', `/v1/entries/${id}`, undefined, 200)).seq as string));
        t.ok(tenSeqs.every((s) => BigInt(s) > BigInt(late.seq) && BigInt(s) > BigInt(rolledBack.seq)), 'the ten took later sequence numbers');

        t.ok(BigInt(lateTxId) < BigInt(await txOf(ten[0]!)), 'and later transaction ids');

        // The ten have committed: a consumer gets them now, without waiting for the open one.
        const tenIds = ten.map((id) => `entry:${id}`);
        const meanwhile = await collect(h, c.key, has(tenIds[9]!), { after: cursor, limit: 4 });
        t.same(ids(meanwhile.events), tenIds, 'while the early transaction is open, the ten committed are handed out, once each');

        gate.open();
        await lateTx;
        t.equal(await rolledTx, 'roll back', 'the other transaction rolled back');
        const lateId = `entry:${late.id}`;
        const resumed = await collect(h, c.key, has(lateId), { after: meanwhile.cursor });
        t.same(ids(resumed.events), [lateId], 'the consumer that read before it committed gets the late one, once');
        const { events } = await collect(h, c.key, has(lateId), { after: cursor, limit: 4 });
        t.same(ids(events), [...tenIds, lateId], 'read afterwards: the ten, then the late one, in commit order, each once');
        t.notOk(ids(events).includes(`entry:${rolledBack.id}`), 'the rolled-back one never');
        await checkOrder(t, h, c.tenantId, events, 'late commit');
        const end = await feed(h, c.key, `after=${resumed.cursor}`);
        t.same([end.body.items, end.body.hasMore], [[], false], 'nothing after it: the rolled-back one holds nothing back');
      });

      t.test('two services sequencing at once: each transaction one position, no gap, one feed for all', async (t) => {
        // Two more services on the database, pools of their own, each sequencing every millisecond
        // and at every read, beside the test's own service.
        const env = { LOG_LEVEL: 'silent', FEED_SEQUENCE_MS: '1', HOLD_SWEEP_MS: '0' };
        const databases = [0, 1].map(() => openDatabase({ engine: 'postgres', url: h.databaseUrl!, poolSize: 4 }));
        const apps = await Promise.all(databases.map(async (d) => buildApp({ config: loadConfig(env), database: await d, logger: false })));
        await Promise.all(apps.map((a) => a.ready()));
        t.teardown(async () => {
          for (const a of apps) await a.close();
          for (const d of databases) await (await d).close();
        });
        const call = (n: number, method: 'GET' | 'POST', url: string, payload?: object) =>
          apps[n % 2]!.inject({ method, url, payload, headers: { authorization: `Bearer ${c.key}` } });
        await fundedAccount(h, { id: 'member:two:points', points: '0', key: c.key });
        let after = (await collect(h, c.key, () => true)).cursor;
        for (;;) {
          const page = await feed(h, c.key, `after=${after}&limit=500`);
          after = page.body.nextCursor;
          if (!page.body.hasMore) break;
        }
        let writing = true;
        /** Reads the feed through one service while the writes go on, then to its end. */
        const reader = async (n: number) => {
          const seen: Event[] = [];
          let cursor = after;
          for (let done = false; !done; ) {
            done = !writing;
            for (;;) {
              const page = await call(n, 'GET', `/v1/events?after=${cursor}&limit=3`);
              if (page.statusCode !== 200) throw new Error(`feed: ${page.statusCode} ${page.body}`);
              seen.push(...page.json().items);
              cursor = page.json().nextCursor;
              if (!page.json().hasMore) break;
            }
          }
          return seen;
        };
        const readers = [reader(0), reader(1)];
        const writes = await Promise.all(
          Array.from({ length: 40 }, (_, n) => call(n, 'POST', '/v1/entries', transfer('issuance:member:two:points', 'member:two:points', '1.00'))),
        );
        writing = false;
        t.same([...new Set(writes.map((w) => w.statusCode))], [201], 'every write answered 201');
        const [a, b] = await Promise.all(readers);
        const written = writes.map((w) => `entry:${w.json().id}`);
        t.same(ids(a!).sort(), [...written].sort(), 'a reader of one service: each write, once');
        t.same(ids(b!), ids(a!), 'a reader of the other: the same events in the same order');
        await checkOrder(t, h, c.tenantId, a!, 'two sequencers');
        const { rows } = await sql<{ n: string; last: string; txs: string }>`SELECT count(*)::text AS n, max(position)::text AS last,
            (SELECT count(DISTINCT tx_id) FROM ledger_entries WHERE tenant_id = ${c.tenantId})::text AS txs
          FROM feed_transactions WHERE tenant_id = ${c.tenantId}`.execute(h.database.db);
        t.equal(rows[0]!.last, rows[0]!.n, 'positions 1 to the last, without a gap');
        const others = await sql<{ n: string }>`SELECT count(*)::text AS n FROM feed_transactions f WHERE tenant_id = ${c.tenantId}
          AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.tenant_id = f.tenant_id AND e.tx_id = f.tx_id)`.execute(h.database.db);
        t.ok(Number(rows[0]!.n) - Number(others.rows[0]!.n) === Number(rows[0]!.txs), 'every transaction that wrote an entry has a position');
      });
    }
  });
}
