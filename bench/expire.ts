import { Decimal } from 'decimal.js';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { DB } from '../src/db/schema.js';
import { expireLots } from '../src/ledger/index.js';
import { type County, loadMembers } from './seed.js';
import { databaseCpuByPid } from './service.js';
import { latency, type Latency, round, Samples } from './stats.js';

// The expire scenario (issue 20, "Points that expire"): expiry of 100,000 lapsed lots, alone and
// beside the award load. Members' lots are opened by the ledger itself: the bench only sets the
// ledger's clock back (ledger_clock), sets an expiry policy through the API, and credits points
// through ledger_post, whose statement trigger (ledger_lots_apply, migration 0012) opens one lot
// per member posting; then the clock goes back to the real one, where those lots have lapsed.
//
// Two sets of lots, one year apart, so that one run can expire a set alone and the other beside
// the award load, each with its own `until` (the lapse of its set), on a ledger that holds both:
//   set A: credited on 1 March and 1 September of year Y-2, yearEnd policy, lapse 1 January Y-1;
//   set B: the same in Y-1, lapse 1 January Y (Y: this year, China time).
// Each set is 100,000 lots: 50,000 members (the county's 10,000, which the award load pays, and
// 40,000 more loaded in bulk) with 2 lots each, both lapsing on the same day (a year's awards
// under yearEnd, as 积分清零 at year end works), so one expiry entry per member takes 2 lots.

export const EXPIRE = { members: 50_000, lotsPerMember: 2, pointsPerLot: '10.00', membersPerEntry: 1_000 };
const CST_HOURS = 8;

const chinaYear = (now = Date.now()) => new Date(now + CST_HOURS * 3_600_000).getUTCFullYear();
/** 00:00 China time on 1 January of `year`: the moment a yearEnd lot of year-1 lapses. */
export const lapseOf = (year: number) => new Date(`${year}-01-01T00:00:00+08:00`);

/** The ledger's clock set to `at` (an offset from the database's clock), as test/lots.test.ts does. */
async function setClock(c: pg.Client, at: Date | null): Promise<void> {
  if (at === null) await c.query('DELETE FROM ledger_clock');
  else {
    await c.query(
      `INSERT INTO ledger_clock (one, offset_by) VALUES (true, $1::timestamptz - clock_timestamp())
       ON CONFLICT (one) DO UPDATE SET offset_by = EXCLUDED.offset_by`,
      [at.toISOString()],
    );
  }
}

export interface LapsedSets {
  members: string[];
  /** until for each set: the moment its lots lapsed. */
  untilA: Date;
  untilB: Date;
  lotsPerSet: number;
  seconds: number;
}

/**
 * Seeds the two sets of lapsed lots. `bulk` is a client of the service's database; the policy is
 * set through PATCH /v1/settings with the tenant's admin key, so it is versioned as an operator's.
 */
export async function seedLapsedLots(bulk: pg.Client, baseUrl: string, county: County): Promise<LapsedSets> {
  const started = Date.now();
  const extra = EXPIRE.members - county.members.length;
  const members = [...county.members, ...(extra > 0 ? await loadMembers(bulk, county.tenantId, county.stations, county.members.length, extra) : [])].slice(
    0,
    EXPIRE.members,
  );
  const y = chinaYear();
  try {
    await setClock(bulk, new Date(`${y - 2}-01-01T12:00:00+08:00`));
    const res = await fetch(`${baseUrl}/v1/settings`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${county.adminKey}`, 'content-type': 'application/json', 'idempotency-key': `bench-expire-${Date.now()}` },
      body: JSON.stringify({ pointsExpiry: { policy: 'yearEnd', months: 0 } }),
    });
    if (res.status !== 200) throw new Error(`PATCH /v1/settings (expiry policy): ${res.status} ${await res.text()}`);
    let entry = 0;
    for (const year of [y - 2, y - 1]) {
      for (const day of ['03-01', '09-01'].slice(0, EXPIRE.lotsPerMember)) {
        await setClock(bulk, new Date(`${year}-${day}T12:00:00+08:00`));
        // One bonus entry per 1,000 members from a station's issuance account: 1,000 lots each.
        for (let from = 0; from < members.length; from += EXPIRE.membersPerEntry) {
          const ids = members.slice(from, from + EXPIRE.membersPerEntry);
          const total = (Number(EXPIRE.pointsPerLot) * ids.length).toFixed(2);
          const source = `issuance:${county.stations[entry++ % county.stations.length]}:points`;
          await bulk.query(
            `SELECT entry_id FROM ledger_post($1, 'bonus', ledger_clock(), 'bench expire: points that will lapse', NULL, 'bench_expire', NULL, NULL, 'bench', NULL,
               $2::text[], array_fill('POINTS'::text, ARRAY[$3::int]), $4::numeric[])`,
            [county.tenantId, [source, ...ids.map((m) => `member:${m}:points`)], ids.length + 1, [`-${total}`, ...ids.map(() => EXPIRE.pointsPerLot)]],
          );
        }
      }
    }
  } finally {
    await setClock(bulk, null);
  }
  const sets = { members, untilA: lapseOf(y - 1), untilB: lapseOf(y), lotsPerSet: members.length * EXPIRE.lotsPerMember, seconds: round((Date.now() - started) / 1000, 1) };
  for (const until of [sets.untilA, sets.untilB]) {
    const n = await lapsedLots(bulk, county.tenantId, until);
    // Set B has lapsed by untilB, and so has A: each run below expires what is left by its until.
    const want = until === sets.untilA ? sets.lotsPerSet : 2 * sets.lotsPerSet;
    if (n !== want) throw new Error(`expire: ${n} lots lapsed by ${until.toISOString()}, expected ${want}`);
  }
  return sets;
}

/** Lots of the tenant with unreserved points that lapsed by `until`. */
export async function lapsedLots(c: pg.Client, tenantId: string, until: Date): Promise<number> {
  const { rows } = await c.query<{ n: string }>(
    `SELECT count(*) AS n FROM ledger_lots WHERE tenant_id = $1 AND remaining > held AND expires_on < ($2::timestamptz AT TIME ZONE INTERVAL '+08:00')::date`,
    [tenantId, until.toISOString()],
  );
  return Number(rows[0]!.n);
}

export interface ExpiryMeasure extends Latency {
  lots: number;
  accounts: number;
  entries: number;
  points: string;
  seconds: number;
  lots_per_s: number;
  batches: number;
  started_at: string;
  finished_at: string;
  /** CPU of this process (the caller of expireLots) and of the database's backends, per lot. */
  caller_cpu_ms_per_lot: number;
  db_cpu_ms_per_lot: number | null;
  db_cpu_cores: number | null;
}

/**
 * Runs the service's expiry (expireLots, as its EXPIRY_MS job and `cli expire` do) for the lots
 * lapsed by `until`, timing each batch (a transaction of up to EXPIRY_BATCH accounts) and
 * counting the CPU this process and the database's backends spent meanwhile.
 */
export async function measureExpiry(
  db: Kysely<DB>,
  c: pg.Client,
  dbName: string,
  tenantId: string,
  until: Date,
  /** Run as the service's job does (a look every intervalMs, working at most a fifth of it), or to the end at once. */
  paced: { intervalMs: number } | null = null,
): Promise<ExpiryMeasure> {
  const lots = await lapsedLots(c, tenantId, until);
  const batchMs = new Samples();
  const cpu0 = process.cpuUsage();
  const db0 = databaseCpuByPid(dbName);
  const t0 = Date.now();
  let last = performance.now();
  const onBatch = () => {
    const now = performance.now();
    batchMs.push(now - last);
    last = now;
  };
  const run = { accounts: 0, entries: 0, points: '0.00' };
  for (;;) {
    const look = Date.now();
    last = performance.now();
    const r = await expireLots(db, { tenantId, until, actor: 'bench', onBatch, ...(paced ? { budgetMs: paced.intervalMs / 5 } : {}) });
    run.accounts += r.accounts;
    run.entries += r.entries;
    run.points = new Decimal(run.points).plus(r.points).toFixed(2);
    if (!paced || r.accounts === 0) break;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, paced.intervalMs - (Date.now() - look))));
  }
  const t1 = Date.now();
  const cpu = process.cpuUsage(cpu0);
  const db1 = databaseCpuByPid(dbName);
  // A backend that is new at the end was opened during the run (the pool opens connections as
  // it needs them): all its CPU is the run's. One that closed during the run is not counted.
  let dbUsed: number | null = db1.size > 0 ? 0 : null;
  for (const [pid, s] of db1) if (dbUsed !== null) dbUsed += s - (db0.get(pid) ?? 0);
  const left = await lapsedLots(c, tenantId, until);
  if (left !== 0) throw new Error(`expire: ${left} lapsed lots left after the run`);
  const seconds = (t1 - t0) / 1000;
  return {
    lots,
    accounts: run.accounts,
    entries: run.entries,
    points: run.points,
    seconds: round(seconds, 2),
    lots_per_s: round(lots / seconds, 1),
    batches: batchMs.length,
    started_at: new Date(t0).toISOString(),
    finished_at: new Date(t1).toISOString(),
    caller_cpu_ms_per_lot: round((cpu.user + cpu.system) / 1000 / lots, 3),
    db_cpu_ms_per_lot: dbUsed === null ? null : round((dbUsed * 1000) / lots, 3),
    db_cpu_cores: dbUsed === null ? null : round(dbUsed / seconds, 2),
    ...latency(batchMs.values()),
  };
}

/** Award records of a load (its tag) submitted in [from, to): awards/s counted where they land. */
export async function awardsPerSecond(c: pg.Client, tenantId: string, tag: string, from: number, to: number): Promise<{ awards: number; per_s: number }> {
  const { rows } = await c.query<{ n: string }>(
    `SELECT count(*) AS n FROM service_records WHERE tenant_id = $1 AND external_id LIKE $2 AND submitted_at >= $3 AND submitted_at < $4`,
    [tenantId, `${tag}-%`, new Date(from).toISOString(), new Date(to).toISOString()],
  );
  const awards = Number(rows[0]!.n);
  return { awards, per_s: to > from ? round(awards / ((to - from) / 1000), 1) : NaN };
}
