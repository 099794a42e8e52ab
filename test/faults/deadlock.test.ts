import { Decimal } from 'decimal.js';
import { sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { transactionStats } from '../../src/db/transaction.js';
import { databaseUrl, engines, fundedAccount, type Harness, type Response, setup, type Tap } from '../helpers/harness.js';
import { county, cst, recordBody, register, submit } from '../helpers/hours.js';

// Issue 8, item 5: writes that meet in opposite lock orders at high concurrency never reach a
// client as a 5xx. Postgres really raises 40P01 (deadlock_detected) inside service transactions
// in B and C, and the write path retries them (transactionStats.retries counts each retry):
//
//  A. through the API alone, where the service's own fixed lock order must leave no deadlock at
//     all: PATCH /v1/settings with new star thresholds re-rates every member while verifications
//     and manual entries on several members' hours run. This found a bug: settings locked the
//     tenant row FOR UPDATE, then every member row in scan order, while a verification (or a
//     manual entry) locked its member first and only then inserted its entry, whose foreign key
//     to tenants needs a KEY SHARE lock on the tenant row. Each waited for the other; after five
//     attempts the deadlock reached the client as a 500. Now settings take FOR NO KEY UPDATE
//     (which KEY SHARE does not wait for) and lock members in id order, like every other write.
//  B. a second client of the database (a separate pg connection, as another service or a
//     maintenance job would be) locking balance rows, or a member row and its balance rows, in
//     the opposite order to the service's fixed order, while transfers run both ways.
//
// FAULTS=full runs more rounds and more requests; the quick variant stays well under a minute.

const FULL = process.env.FAULTS === 'full';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Deadlocks the adversary of B and C sets up; each costs about deadlock_timeout. */
const ROUNDS = FULL ? 30 : 15;
/** Requests in flight at once in B and C. */
const WORKERS = 6;

/** Statuses seen, for the messages: {"200": 120, "409": 2}. */
function histogram(results: Response[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

/** The app's log lines (collected by the harness); errors are shown when a 5xx slips through. */
const logs: string[] = [];

function no5xx(t: Tap, results: Response[], what: string): void {
  const bad = results.filter((r) => r.status >= 500);
  t.equal(bad.length, 0, `${what}: no 5xx among ${results.length} answers ${JSON.stringify(histogram(results))}`);
  for (const code of new Set(bad.map((r) => r.body?.code))) {
    const first = bad.find((r) => r.body?.code === code)!;
    const line = logs.find((l) => l.includes(first.body?.requestId) && /"level":(40|50)/.test(l));
    t.comment(`${what}: ${first.status} ${code}; log: ${line?.slice(0, 1500) ?? 'none'}`);
  }
}

/** A plain pg client on the harness's own test database. */
async function secondClient(t: Tap, h: Harness): Promise<pg.Client> {
  const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(h.database.db);
  const client = new pg.Client({ connectionString: databaseUrl(rows[0]!.name) });
  client.on('error', () => {});
  await client.connect();
  t.teardown(() => client.end().catch(() => {}));
  return client;
}

/** Backends of this database waiting for a lock that `client`'s transaction holds. */
async function blockedBy(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM pg_stat_activity
     WHERE datname = current_database() AND pg_backend_pid() = ANY (pg_blocking_pids(pid))`,
  );
  return Number(rows[0]!.n);
}

/**
 * Runs `rounds` times: BEGIN; lock the `first` rows; wait until a service transaction queues
 * behind them (it then holds the rows it locked before, in the service's order); lock the
 * `second` rows, which such a transaction holds: a deadlock. The service's transaction started
 * waiting first, so its deadlock check (after deadlock_timeout) runs first and Postgres aborts
 * it; the adversary checks a little later (1.5 times), and when it is the victim all the same, it
 * rolls back and goes on. Returns its rounds and how often it was the victim itself.
 */
async function adversary(
  client: pg.Client,
  opts: { rounds: number; first: string; second: string; tenantId: string },
): Promise<{ rounds: number; victims: number }> {
  let victims = 0;
  let rounds = 0;
  for (; rounds < opts.rounds; rounds++) {
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL deadlock_timeout = '${FULL ? 1500 : 150}ms'`);
      await client.query(opts.first, [opts.tenantId]);
      for (let i = 0; i < 100 && (await blockedBy(client)) === 0; i++) await sleep(5);
      await client.query(opts.second, [opts.tenantId]);
      await client.query('COMMIT');
    } catch (err) {
      if ((err as { code?: string }).code !== '40P01') throw err;
      victims++;
      await client.query('ROLLBACK');
    }
    // A pause between rounds, so that the service's queue drains between two deadlocks.
    await sleep(150);
  }
  return { rounds, victims };
}

/** WORKERS clients calling `call` (with a running number) one request after another until `until` settles. */
async function whileRunning(until: Promise<unknown>, call: (n: number) => Promise<Response>): Promise<Response[]> {
  let done = false;
  void until.finally(() => (done = true));
  const results: Response[] = [];
  let n = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (!done) results.push(await call(n++));
    }),
  );
  return results;
}

/**
 * Quick runs: Postgres looks for deadlocks after 100 ms of waiting instead of the server's 1 s,
 * so a run sees many deadlocks in a few seconds. Set on the test database; the app's idle pool
 * connections (opened before) are closed so that the pool reopens them with the setting.
 */
async function quickDeadlockDetection(t: Tap, h: Harness): Promise<void> {
  const admin = await secondClient(t, h);
  const { rows } = await admin.query<{ name: string }>('SELECT current_database() AS name');
  await admin.query(`ALTER DATABASE ${rows[0]!.name} SET deadlock_timeout = '100ms'`);
  await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
  await admin.end();
  await sleep(200);
  const shown = await sql<{ deadlock_timeout: string }>`SHOW deadlock_timeout`.execute(h.database.db);
  t.equal(shown.rows[0]!.deadlock_timeout, '100ms', "the app's connections look for deadlocks after 100 ms");
}

const postgres = engines.includes('postgres');

t.test('deadlocks and serialization failures never reach a client (postgres)', { skip: postgres ? false : 'needs the postgres engine' }, async (t) => {
  const h = await setup(t, 'postgres', { poolSize: 20, logs });
  if (!FULL) await quickDeadlockDetection(t, h);

  t.test('A. through the API alone: star thresholds re-rating every member vs verifications and manual hours', async (t) => {
    const c = await county(h);
    const memberCount = 12;
    const perWorker = FULL ? 30 : 10;
    const members: string[] = [];
    for (let i = 0; i < memberCount; i++) members.push((await register(c)).id);
    // Thresholds low enough that the re-rating moves stars back and forth as hours arrive.
    const thresholdSets = [
      ['1', '5', '10', '20', '40'],
      ['2', '6', '12', '24', '48'],
    ];
    const expectedHours = new Map(members.map((m) => [m, new Decimal(0)]));
    const expectedPoints = new Map(members.map((m) => [m, new Decimal(0)]));
    // Submitted records (2 h on distinct days), verified below while the rest runs.
    const records: { id: string; member: string }[] = [];
    for (let k = 0; k < (FULL ? 4 : 2); k++) {
      for (const m of members) records.push({ id: (await submit(c, recordBody(m, { start: cst(1 + k, 9), hours: '2' }))).record.id, member: m });
    }
    const before = transactionStats.retries;
    const all: Response[] = [];
    const kinds: string[] = [];
    const push = (kind: string, res: Response) => {
      all.push(res);
      kinds.push(kind);
    };
    let running = 3;
    // Manual hours for 8 of the members in one entry: the members' rows are locked in id order
    // (one statement each) before the entry is inserted.
    const manual = async (w: number) => {
      for (let i = 0; i < perWorker; i++) {
        const chosen = members.filter((_, j) => (j + i + w) % 3 !== 0).slice(0, 8);
        const res = await c.req('POST', '/v1/entries', {
          reason: '纸质台账补录',
          postings: [
            { accountId: 'issuance:s1:hours', unit: 'HOURS', direction: 'debit', amount: `${chosen.length}` },
            ...chosen.map((m) => ({ accountId: `member:${m}:hours`, unit: 'HOURS', direction: 'credit', amount: '1' })),
          ],
        });
        push('manual entry', res);
        if (res.status === 201) for (const m of chosen) expectedHours.set(m, expectedHours.get(m)!.plus(1));
      }
      running--;
    };
    const verifier = async () => {
      for (let r = records.shift(); r; r = records.shift()) {
        const res = await c.req('POST', `/v1/service-records/${r.id}/verification`);
        push('verification', res);
        if (res.status === 200) {
          expectedHours.set(r.member, expectedHours.get(r.member)!.plus(2));
          expectedPoints.set(r.member, expectedPoints.get(r.member)!.plus(20));
        }
      }
    };
    const settings = async () => {
      for (let i = 0; running > 0; i++) push('settings', await c.req('PATCH', '/v1/settings', { starThresholds: thresholdSets[i % 2] }));
    };
    await Promise.all([manual(0), manual(1), manual(2), verifier(), settings()]);
    // One more re-rating after every award, so the final stars follow the first thresholds.
    push('settings', await c.req('PATCH', '/v1/settings', { starThresholds: thresholdSets[0] }));
    const retries = transactionStats.retries - before;
    for (const kind of new Set(kinds)) {
      t.comment(`A: ${kind}: ${JSON.stringify(histogram(all.filter((_, i) => kinds[i] === kind)))}`);
    }
    t.comment(`A: ${all.length} requests, ${retries} transactions retried after 40P01/40001`);
    no5xx(t, all, 'A');
    t.ok(all.every((r) => r.status === 200 || r.status === 201), 'A: every request succeeded');
    t.equal(retries, 0, 'A: the API alone takes its locks in one order: no deadlock to retry');
    for (const m of members) {
      const member = await c.ok('GET', `/v1/members/${m}`, undefined, 200);
      const hours = expectedHours.get(m)!;
      t.equal(member.hours, hours.toFixed(2), `member ${m}: hours`);
      t.equal(member.points.balance, expectedPoints.get(m)!.toFixed(2), `member ${m}: points`);
      t.equal(member.stars, thresholdSets[0]!.filter((x) => hours.gte(x)).length, `member ${m}: stars follow the last thresholds`);
    }
    await h.assertLedger(t, 'A');
  });

  t.test('B. a second client locking rows in the opposite order while transfers run both ways', async (t) => {
    const c = await county(h);
    const accounts = ['member:dl-a:points', 'member:dl-b:points', 'member:dl-c:points'];
    for (const id of accounts) await fundedAccount(h, { id, points: '100000', key: c.key });
    const admin = await secondClient(t, h);
    const before = transactionStats.retries;
    const expected = new Map(accounts.map((a) => [a, new Decimal(100000)]));
    const lockBalances = (id: string) => `SELECT 1 FROM ledger_balances WHERE tenant_id = $1 AND account_id = '${id}' FOR UPDATE`;
    // The service locks single-slot accounts in id order: a, b, c. The adversary takes c, then a.
    const fight = adversary(admin, { rounds: ROUNDS, tenantId: c.tenantId, first: lockBalances(accounts[2]!), second: lockBalances(accounts[0]!) });
    // Transfers between every pair, both directions, while the adversary runs.
    const results = await whileRunning(fight, async (n) => {
      const from = accounts[n % 3]!;
      const to = accounts[(n + 1 + (Math.floor(n / 3) % 2)) % 3]!;
      const amount = `${1 + (n % 7)}.${String(n % 100).padStart(2, '0')}`;
      const res = await c.req('POST', '/v1/entries', {
        reason: '互转',
        postings: [
          { accountId: from, unit: 'POINTS', direction: 'debit', amount },
          { accountId: to, unit: 'POINTS', direction: 'credit', amount },
        ],
      });
      if (res.status === 201) {
        expected.set(from, expected.get(from)!.minus(amount));
        expected.set(to, expected.get(to)!.plus(amount));
      }
      return res;
    });
    const adv = await fight;
    const retries = transactionStats.retries - before;
    t.comment(`B: ${results.length} transfers, adversary ${adv.rounds} rounds (${adv.victims} times its own victim), ${retries} service retries`);
    no5xx(t, results, 'B');
    t.equal(results.filter((r) => r.status === 201).length, results.length, 'B: every transfer succeeded');
    t.ok(retries > 0, `B: deadlocks were provoked in service transactions and retried (${retries})`);
    for (const a of accounts) t.equal(await c.balance(a), expected.get(a)!.toFixed(2), `B: ${a} equals the successful transfers`);
    await h.assertLedger(t, 'B');
  });

  t.test("C. a second client locking a member's balance rows, then the member rows, vs manual hours entries", async (t) => {
    const c = await county(h);
    const members = [(await register(c)).id, (await register(c)).id];
    const admin = await secondClient(t, h);
    const before = transactionStats.retries;
    // A manual entry on member hours locks the members' rows (by id), then the balance rows.
    // The adversary locks the balance rows first, then the member rows.
    const fight = adversary(admin, {
      rounds: ROUNDS,
      tenantId: c.tenantId,
      first: `SELECT 1 FROM ledger_balances WHERE tenant_id = $1 AND account_id IN (${members.map((m) => `'member:${m}:hours'`).join(', ')}) FOR UPDATE`,
      second: `SELECT 1 FROM members WHERE tenant_id = $1 AND member_id IN (${members.map((m) => `'${m}'`).join(', ')}) FOR UPDATE`,
    });
    const expected = members.map(() => new Decimal(0));
    const results = await whileRunning(fight, async (n) => {
      const m = members[n % 2]!;
      const res = await c.req('POST', '/v1/entries', {
        reason: '补录',
        postings: [
          { accountId: 'issuance:s1:hours', unit: 'HOURS', direction: 'debit', amount: '0.50' },
          { accountId: `member:${m}:hours`, unit: 'HOURS', direction: 'credit', amount: '0.50' },
        ],
      });
      if (res.status === 201) expected[n % 2] = expected[n % 2]!.plus('0.50');
      return res;
    });
    const adv = await fight;
    const retries = transactionStats.retries - before;
    t.comment(`C: ${results.length} entries, adversary ${adv.rounds} rounds (${adv.victims} times its own victim), ${retries} service retries`);
    no5xx(t, results, 'C');
    t.equal(results.filter((r) => r.status === 201).length, results.length, 'C: every entry succeeded');
    t.ok(retries > 0, `C: deadlocks on member rows were provoked and retried (${retries})`);
    for (const [i, m] of members.entries()) {
      const member = await c.ok('GET', `/v1/members/${m}`, undefined, 200);
      t.equal(member.hours, expected[i]!.toFixed(2), `C: member ${i + 1}'s hours equal the successful entries`);
      t.equal(member.stars, [100, 300, 600, 1000, 1500].filter((x) => expected[i]!.gte(x)).length, 'C: stars follow the hours');
    }
    await h.assertLedger(t, 'C');
  });
});
