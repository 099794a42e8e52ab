// Fault test: the service's host clock has drifted from the database server's. A new points rule
// takes effect at the database's now(), so the service must judge "the rule in force now" and a
// record's age by that same clock. Run against a service 10 minutes behind the database, then one
// 10 minutes ahead: a rule just added applies at once (to awards, verifications and rating
// bonuses), a rule dated a few minutes ahead does not apply yet, and a record is too old or in
// the future by the database's clock, never by the service's.
import crypto from 'node:crypto';
import path from 'node:path';
import t from 'tap';
import { setupCounty } from './fixtures/ledger-load.js';
import { Client, connect, createDatabase, freePort, killService, migratedTenant, startService } from './fixtures/service.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const SHIFT_MS = 10 * MINUTE;
const CLOCK_SHIFT = path.join(import.meta.dirname, 'fixtures', 'clockShift.mjs');

t.test('a service whose clock is off the database server’s judges by the database’s', async (t) => {
  const url = await createDatabase(t);
  const tenant = await migratedTenant(url, `clock-${crypto.randomBytes(3).toString('hex')}`);
  const db = await connect(t, url);
  const dbNow = async () => new Date((await db.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now).getTime();
  const start = async (shiftMs: number) => {
    const service = await startService(t, { databaseUrl: url, port: await freePort(), env: { NODE_OPTIONS: `--import ${CLOCK_SHIFT}`, CLOCK_SHIFT_MS: String(shiftMs) } });
    const client = new Client(service.base, 4);
    t.teardown(() => client.close());
    return { service, client };
  };

  let { service, client } = await start(-SHIFT_MS);
  const county = await setupCounty(client, tenant, { members: 4, accounts: 1 });
  const key = county.key;
  const [m1, m2, m3, m4] = county.members as [string, string, string, string];
  let n = 0;
  const record = (memberId: string, orgUnitId: string, from: number, to: number, hours: string) => ({
    externalId: `clock-${n++}`, memberId, orgUnitId, category: 'community', title: '社区志愿服务', source: 'checkin',
    startedAt: new Date(from).toISOString(), endedAt: new Date(to).toISOString(), hours,
  });
  const submit = (body: unknown) => client.request('POST', '/v1/service-records', { key, body });
  const addRule = (body: Record<string, unknown>) =>
    client.expect('POST', '/v1/points-rules', 201, { key, body: { dailyCapHours: '12', backdatingDays: 30, ...body } });

  // The shift is real: an entry given no occurredAt takes the service's clock, and its
  // recordedAt is the database's.
  const skew = async () => {
    const entry = await client.expect('POST', '/v1/entries', 201, { key, body: { reason: 'clock', postings: [
      { accountId: county.issuance, unit: 'POINTS', direction: 'debit', amount: '1' },
      { accountId: county.accounts[0], unit: 'POINTS', direction: 'credit', amount: '1' },
    ] } });
    return Date.parse(entry.occurredAt) - Date.parse(entry.recordedAt);
  };
  t.ok(Math.abs((await skew()) + SHIFT_MS) < MINUTE, 'the service’s clock runs 10 min behind the database’s');

  await t.test('behind: a rule just added applies at once', async (t) => {
    const v2 = await addRule({ pointsPerHour: '20' });
    t.equal(v2.version, 2);
    const now = await dbNow();
    const r = await submit(record(m1, 'a1', now - 70 * MINUTE, now - 10 * MINUTE, '1'));
    t.equal(r.ok && r.status, 201, 'accepted');
    t.equal(r.ok && r.body.record.award.ruleVersion, 2, 'the award is under the rule added just before');
    t.equal(r.ok && Number(r.body.record.award.points), 20);

    const manual = await submit(record(m2, 'm1', now - 3 * 60 * MINUTE, now - 2 * 60 * MINUTE, '1'));
    t.equal(manual.ok && manual.status, 201);
    const v3 = await addRule({ pointsPerHour: '30', ratingBonus: { '5': '7' } });
    t.equal(v3.version, 3);
    const verified = await client.expect('POST', `/v1/service-records/${manual.ok && manual.body.record.id}/verification`, 200, { key });
    t.equal(verified.record.award.ruleVersion, 3, 'a verification right after a new rule uses it');
    t.equal(Number(verified.record.award.points), 30);
    const rated = await client.expect('POST', `/v1/service-records/${r.ok && r.body.record.id}/rating`, 200, { key, body: { stars: 5 } });
    t.equal(Number(rated.record.rating.bonusPoints), 7, 'the rating bonus is the new rule’s');
  });

  await t.test('behind: a record of the last minutes is not in the future', async (t) => {
    const now = await dbNow();
    const r = await submit(record(m1, 'a1', now - 5 * MINUTE, now - MINUTE, '0.06'));
    t.equal(r.ok && r.status, 201, 'accepted');
    const ahead = await submit(record(m3, 'a1', now + 2 * MINUTE, now + 3 * MINUTE, '0.01'));
    t.equal(ahead.ok && ahead.body.code, 'record_in_future', 'a record starting after the database’s now is refused');
  });

  await killService(service);
  ({ service, client } = await start(SHIFT_MS));
  t.ok(Math.abs((await skew()) - SHIFT_MS) < MINUTE, 'the next service’s clock runs 10 min ahead');

  await t.test('ahead: a rule dated a few minutes on does not apply yet', async (t) => {
    const now = await dbNow();
    const v4 = await addRule({ pointsPerHour: '50', effectiveFrom: new Date(now + 5 * MINUTE).toISOString() });
    t.equal(v4.version, 4);
    const r = await submit(record(m3, 'a2', now - 4 * 60 * MINUTE, now - 3 * 60 * MINUTE, '1'));
    t.equal(r.ok && r.status, 201, 'accepted');
    t.equal(r.ok && r.body.record.award.ruleVersion, 3, 'the rule in force by the database’s clock');
    t.equal(r.ok && Number(r.body.record.award.points), 30);
  });

  await t.test('ahead: a record is too old or in the future by the database’s clock', async (t) => {
    const now = await dbNow();
    const early = await submit(record(m4, 'a2', now + 2 * MINUTE, now + 3 * MINUTE, '0.01'));
    t.equal(early.ok && early.status, 422, 'refused as unprocessable');
    t.equal(early.ok && early.body.code, 'record_in_future', 'in the service’s past, in the database’s future');
    const old = await submit(record(m4, 'a2', now - 30 * DAY + 5 * MINUTE, now - 30 * DAY + 65 * MINUTE, '1'));
    t.equal(old.ok && old.status, 201, 'inside the 30-day window by the database’s clock');
    const older = await submit(record(m4, 'a2', now - 30 * DAY - 5 * MINUTE, now - 30 * DAY + 2 * MINUTE, '0.1'));
    t.equal(older.ok && older.body.code, 'record_too_old', 'just outside it');
  });

  const verification = await client.expect('GET', '/v1/ledger/verification', 200, { key });
  t.equal(verification.ok, true, 'the ledger verifies');
});
