// Fault test (issue 20): an expiry run (`npm run cli -- expire`) SIGKILLed half-way, then run
// again, two at once, to the end. Many members' points accounts hold lots that lapsed on two dates
// (some of them partly spent, some partly reserved by an open hold) and one lot that has not
// lapsed. The run commits a batch of accounts at a time; it is killed once some but not all of
// the expiry entries have committed (the test polls their count; how many batches, at random). Afterwards: each lapsed lot's
// unreserved points expired exactly once (one expiry move per lot, of what was free in it), what
// holds reserve and the lots not lapsed are untouched, one expiry entry per account and expiry
// date, their sum is what had lapsed and the expiry account holds it, a further run finds nothing,
// and `cli verify` (the ledger's checks, the four lot checks among them) finds no problem.
//
// FAULTS=quick (default): 1200 accounts (6 batches of 200, 3600 lots); FAULTS=full: 4000.
import crypto from 'node:crypto';
import { Decimal } from 'decimal.js';
import { sql } from 'kysely';
import t from 'tap';
import { openDatabase } from '../../src/db/database.js';
import { inTransaction } from '../../src/db/transaction.js';
import { createAccount, createHold, EXPIRY_BATCH, postMany, setExpiryPolicy } from '../../src/ledger/index.js';
import { cli, signal, startScript } from '../helpers/process.js';
import { connect, createDatabase, figures, MODE, migratedTenant, scale, sleep, within } from './fixtures/service.js';

const ACCOUNTS = scale(1200, 4000);
const CHUNK = 200;
const ISSUANCE = 'issuance:ek:points';
const member = (i: number) => `member:ek${String(i).padStart(5, '0')}:points`;

t.test(`an expiry run SIGKILLed half-way, then run again, two at once (${MODE})`, async (t) => {
  const url = await createDatabase(t);
  const { tenantId } = await migratedTenant(url, `expiry-kill-${crypto.randomBytes(3).toString('hex')}`);
  const database = await openDatabase({ engine: 'postgres', url, poolSize: 4 });
  t.teardown(() => database.close());
  const { db } = database;
  /** The ledger's clock to `iso` (an offset from the database's clock, as an operator's drill sets it). */
  const clock = (iso: string) =>
    sql`INSERT INTO ledger_clock (one, offset_by) VALUES (true, ${iso}::timestamptz - clock_timestamp())
      ON CONFLICT (one) DO UPDATE SET offset_by = EXCLUDED.offset_by`.execute(db);
  const chunks = Array.from({ length: Math.ceil(ACCOUNTS / CHUNK) }, (_, c) => Array.from({ length: Math.min(CHUNK, ACCOUNTS - c * CHUNK) }, (_, k) => c * CHUNK + k));
  /** One entry per account of the chunk, through the write path (its lots follow in the database). */
  const postEach = (kind: 'adjustment', amount: (i: number) => Decimal | null, debit: boolean) =>
    Promise.all(
      chunks.map((chunk) =>
        inTransaction(db, (trx) =>
          postMany(
            trx,
            chunk.flatMap((i) => {
              const a = amount(i);
              if (a === null) return [];
              const [from, to] = debit ? [member(i), ISSUANCE] : [ISSUANCE, member(i)];
              return [{ tenantId, kind, reason: debit ? 'spend' : 'grant', postings: [
                { accountId: from, unit: 'POINTS' as const, amount: a.neg() },
                { accountId: to, unit: 'POINTS' as const, amount: a },
              ] }];
            }),
          ),
        ),
      ),
    );

  // Points last a month after the day earned (China time).
  const started = Date.now();
  await clock('2027-01-10T12:00:00+08:00');
  await inTransaction(db, (trx) => setExpiryPolicy(trx, tenantId, { policy: 'monthsAfter', months: 1 }, 'test'));
  await createAccount(db, tenantId, { id: ISSUANCE, unit: 'POINTS', type: 'issuance', allowNegative: true, slots: 4 });
  for (const chunk of chunks) {
    await inTransaction(db, async (trx) => {
      for (const i of chunk) await createAccount(trx, tenantId, { id: member(i), unit: 'POINTS', type: 'member', allowNegative: false, slots: 1 });
    });
  }
  // Lot 1 (last day 10 February), lot 2 (12 February), lot 3 (5 March: not lapsed on 20 February).
  await postEach('adjustment', (i) => new Decimal(10 + (i % 7)).plus('0.25'), false);
  await clock('2027-01-12T12:00:00+08:00');
  await postEach('adjustment', (i) => new Decimal(20 + (i % 5)), false);
  // Every third spends a part (from lot 1, earliest first); every tenth has a hold open that reserves in lot 1.
  await postEach('adjustment', (i) => (i % 3 === 0 ? new Decimal('3.10') : null), true);
  for (const chunk of chunks) {
    await inTransaction(db, async (trx) => {
      for (const i of chunk.filter((i) => i % 10 === 0)) {
        await createHold(trx, { tenantId, accountId: member(i), unit: 'POINTS', amount: new Decimal('4.00'), ttlSeconds: 86400, reference: `ek-${i}`, actor: 'test' });
      }
    });
  }
  await clock('2027-02-05T12:00:00+08:00');
  await postEach('adjustment', () => new Decimal(5), false);
  await clock('2027-02-20T12:00:00+08:00');
  t.comment(`expiry-kill: ${ACCOUNTS} accounts set up in ${Date.now() - started} ms`);

  const pg = await connect(t, url);
  const q = async <T = any>(text: string, values: unknown[] = [tenantId]): Promise<T[]> => (await pg.query(text, values)).rows as T[];
  // What has lapsed, lot by lot: the unreserved points of each lot whose last day was before 20 February.
  const before = await q<{ lot_id: string; account_id: string; expires_on: string; free: string; held: string; remaining: string }>(
    `SELECT lot_id::text, account_id, expires_on::text, (remaining - held)::text AS free, held::text, remaining::text FROM ledger_lots WHERE tenant_id = $1 ORDER BY lot_id`,
  );
  const lapsed = before.filter((l) => l.expires_on < '2027-02-20' && new Decimal(l.free).gt(0));
  const live = before.filter((l) => l.expires_on >= '2027-02-20');
  const due = new Map<string, Decimal>();
  for (const l of lapsed) due.set(`${l.account_id} ${l.expires_on}`, (due.get(`${l.account_id} ${l.expires_on}`) ?? new Decimal(0)).plus(l.free));
  const total = lapsed.reduce((s, l) => s.plus(l.free), new Decimal(0));
  t.equal(before.length, 3 * ACCOUNTS, 'three lots per account');
  t.equal(due.size, 2 * ACCOUNTS, 'two lapsed dates with points per account');
  t.ok(ACCOUNTS / EXPIRY_BATCH >= 4, 'the run takes several batches');

  const expiryEntries = async () => Number((await q<{ n: string }>(`SELECT count(*)::text AS n FROM ledger_entries WHERE tenant_id = $1 AND kind = 'expiry'`))[0]!.n);
  const env = { DATABASE_URL: url };

  // The run, SIGKILLed once some of its batches have committed (at random, up to half less one:
  // enough is left for the two runs after it to overlap).
  const batches = Math.ceil(ACCOUNTS / EXPIRY_BATCH);
  const killAfter = 2 * EXPIRY_BATCH * (1 + Math.floor(Math.random() * Math.max(1, Math.floor(batches / 2) - 1)));
  const first = startScript(t, 'src/cli.ts', ['expire', '--tenant', tenantId], env);
  let seen = 0;
  await within(
    (async () => {
      for (;;) {
        seen = await expiryEntries();
        if (seen >= killAfter || !first.running()) return;
        await sleep(5);
      }
    })(),
    120_000,
    'the batches to commit',
  );
  signal(first.child, 'SIGKILL');
  const exit = await within(first.closed, 20_000, 'the killed run to exit');
  const committed = await expiryEntries();
  const [killedPoints] = await q<{ s: string }>(
    `SELECT coalesce(sum(p.amount), 0)::text AS s FROM ledger_entries e JOIN ledger_postings p ON p.tenant_id = e.tenant_id AND p.entry_id = e.entry_id
     WHERE e.tenant_id = $1 AND e.kind = 'expiry' AND p.account_id = 'expiry:points'`,
  );
  figures(t, 'expiry-kill', { mode: MODE, accounts: ACCOUNTS, lots: before.length, lapsed_lots: lapsed.length, entries_due: due.size, kill_after: killAfter, committed_at_kill: committed });
  t.equal(exit.signal, 'SIGKILL', `the first run was killed (${first.stderr().slice(-300)})`);
  t.ok(committed > 0 && committed < due.size, `killed half-way: ${committed} of ${due.size} expiry entries had committed`);
  t.equal(committed % (2 * EXPIRY_BATCH), 0, 'whole batches committed (two entries per account), none in part');

  // Then two at once, to the end; and one more, which finds nothing left.
  const runs = await Promise.all([cli(t, ['expire', '--tenant', tenantId], env), cli(t, ['expire', '--tenant', tenantId], env)]);
  for (const r of runs) t.equal(r.code, 0, `a run after the kill finished (${r.stderr.slice(-300)})`);
  const answered = runs.map((r) => JSON.parse(r.stdout) as { accounts: number; entries: number; points: string });
  figures(t, 'expiry-kill', { run_a_entries: answered[0]!.entries, run_b_entries: answered[1]!.entries, run_a_accounts: answered[0]!.accounts, run_b_accounts: answered[1]!.accounts });
  t.equal(answered[0]!.entries + answered[1]!.entries, due.size - committed, 'the two runs wrote what the killed one had not, between them');
  t.equal(answered.reduce((s, a) => s.plus(a.points), new Decimal(0)).toFixed(2), total.minus(killedPoints!.s).toFixed(2), 'and expired the rest of the points');
  const last = await cli(t, ['expire', '--tenant', tenantId], env);
  t.same(JSON.parse(last.stdout), { accounts: 0, entries: 0, points: '0.00' }, 'a further run finds nothing lapsed');

  // Each lapsed lot expired once, of exactly what was free in it; nothing else moved.
  const moves = await q<{ lot_id: string; n: number; amount: string }>(
    `SELECT lot_id::text, count(*)::int AS n, sum(amount)::text AS amount FROM ledger_lot_moves WHERE tenant_id = $1 AND kind = 'expiry' GROUP BY lot_id`,
  );
  const byLot = new Map(moves.map((m) => [m.lot_id, m]));
  t.equal(moves.filter((m) => m.n !== 1).length, 0, 'no lot has more than one expiry move');
  t.equal(lapsed.filter((l) => !new Decimal(byLot.get(l.lot_id)?.amount ?? 0).neg().eq(l.free)).length, 0, 'every lapsed lot expired exactly its unreserved points');
  t.equal(moves.length, lapsed.length, 'and no other lot expired');
  t.equal(live.filter((l) => byLot.has(l.lot_id)).length, 0, 'the lots not lapsed are untouched');
  const after = new Map((await q<{ lot_id: string; remaining: string; held: string }>(`SELECT lot_id::text, remaining::text, held::text FROM ledger_lots WHERE tenant_id = $1`)).map((l) => [l.lot_id, l]));
  t.equal(lapsed.filter((l) => after.get(l.lot_id)!.remaining !== l.held || after.get(l.lot_id)!.held !== l.held).length, 0, 'a lapsed lot keeps what a hold reserves, nothing more');

  // One expiry entry per account and date, of what had lapsed there; the expiry account holds their sum.
  const entries = await q<{ account_id: string; expires_on: string; n: number; amount: string }>(
    `SELECT p.account_id, e.metadata ->> 'expiresOn' AS expires_on, count(*)::int AS n, sum(-p.amount)::text AS amount
     FROM ledger_entries e JOIN ledger_postings p ON p.tenant_id = e.tenant_id AND p.entry_id = e.entry_id AND p.account_id LIKE 'member:%'
     WHERE e.tenant_id = $1 AND e.kind = 'expiry' GROUP BY 1, 2`,
  );
  t.equal(entries.filter((e) => e.n !== 1).length, 0, 'one expiry entry per account and expiry date');
  t.equal(entries.length, due.size, 'for every account and date with lapsed points');
  t.equal(entries.filter((e) => !due.get(`${e.account_id} ${e.expires_on}`)?.eq(e.amount)).length, 0, 'each of what had lapsed there');
  const [expired] = await q<{ balance: string }>(`SELECT coalesce(sum(balance), 0)::text AS balance FROM ledger_balances WHERE tenant_id = $1 AND account_id = 'expiry:points'`);
  t.equal(new Decimal(expired!.balance).toFixed(2), total.toFixed(2), `the expiry account holds all that lapsed (${total.toFixed(2)})`);

  const verify = await cli(t, ['verify', '--tenant', tenantId], env);
  t.equal(verify.code, 0, `cli verify passes (${verify.stderr.slice(-400)})`);
  t.match(JSON.parse(verify.stdout), { ok: true, problems: [] }, 'the ledger and its lots verify');
});

