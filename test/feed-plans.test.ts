import { sql } from 'kysely';
import t from 'tap';
import { sequenceTenant } from '../src/events/sequencer.js';
import { engines, fundedAccount, setup } from './helpers/harness.js';
import { oneServiceConnection } from './helpers/plans.js';

// The feed sequencer's step reads from its horizon on, however large the feed's tables are (their
// statistics up to date). Its plans are read as Postgres runs them, by auto_explain on
// the one connection the step runs on here, with the service's session settings (generic plans
// unless the step asks otherwise). PostgreSQL only: the plans are the server's.

const LATER = 8000;

if (engines.includes('postgres')) {
  t.test('a sequencer step reads the feed from its horizon on, not whole tables', async (t) => {
    const h = await setup(t, 'postgres', { env: { FEED_SEQUENCE_MS: '0', HOLD_SWEEP_MS: '0' } });
    await fundedAccount(h, { id: 'member:feed:points', points: '100000' });
    const { db, plans, explain } = oneServiceConnection(t, h.databaseUrl!);

    // Transactions of the feed, each its own: holds placed (a hold event each), four at a time.
    const holds = async (n: number, from: number) => {
      const one = (i: number) =>
        sql`SELECT created_at FROM ledger_hold_create(${h.tenantId}, md5(${`feed.${i}`})::uuid, 'member:feed:points', 'POINTS', 1, NULL, 600, NULL, NULL, 'test')`.execute(h.database.db);
      for (let i = from; i < from + n; i += 4) await Promise.all([0, 1, 2, 3].filter((k) => i + k < from + n).map((k) => one(i + k)));
    };
    // A feed grown large, its statistics up to date, every transaction in it sequenced.
    await holds(LATER, 0);
    await sql`ANALYZE`.execute(db);
    t.ok((await sequenceTenant(db, h.tenantId, true)).sequenced >= LATER, 'the transactions sequenced');
    await holds(3, LATER);

    await explain();
    const step = await sequenceTenant(db, h.tenantId, true);
    t.equal(step.sequenced, 3, 'the three newest transactions sequenced');
    const plan = plans.find((p) => p.includes('INSERT INTO feed_transactions'));
    t.ok(plan, 'the step was explained');
    // The large tables here; the others hold a row or two, which a plan may well read whole.
    for (const table of ['ledger_hold_events', 'feed_transactions']) {
      t.notMatch(plan!, new RegExp(`Seq Scan on ${table}\\b`), `${table} is not read whole`);
    }
    const removed = [...plan!.matchAll(/Rows Removed by Filter: (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    t.ok(removed < 100, `${removed} rows read and thrown away, with ${LATER} transactions behind the horizon`);
  });
}
