import { sql } from 'kysely';
import t from 'tap';
import { foldDayTotals } from '../src/ledger/index.js';
import { foldCountedRecords } from '../src/reports/counted.js';
import { engines, setup } from './helpers/harness.js';
import { oneServiceConnection } from './helpers/plans.js';

// The report folds (src/db/fold.ts) run beside the sealer every second and read what was sealed
// since the last one: their work grows with that, not with the tenant's records. Their plans are
// read as Postgres runs them, by auto_explain on the one connection the folds run on here, with
// the service's session settings (generic plans unless a statement asks otherwise). PostgreSQL
// only: the plans are the server's.

const RECORDS = 20_000;

if (engines.includes('postgres')) {
  t.test("a fold reads the entries since the last one, not the tenant's records", async (t) => {
    const h = await setup(t, 'postgres', { env: { FEED_SEQUENCE_MS: '0', HOLD_SWEEP_MS: '0' } });
    const { db, plans, explain } = oneServiceConnection(t, h.databaseUrl!);

    const issuance = await h.request('POST', '/v1/accounts', { body: { id: 'issuance:station:hours', unit: 'HOURS', type: 'issuance', allowNegative: true } });
    t.equal(issuance.status, 201, "the station's issuance account");
    // Award entries (two postings each) and their verified records, written in bulk as a restore would (the per-row
    // triggers off: the folds read only these two tables). Returns the last sequence number.
    const records = (n: number) =>
      h.database.db.transaction().execute(async (trx) => {
        await sql`SET LOCAL session_replication_role = replica`.execute(trx);
        await sql`CREATE TEMP TABLE new_records ON COMMIT DROP AS
          SELECT g, gen_random_uuid() AS record_id, gen_random_uuid() AS entry_id, gen_random_uuid() AS member_id,
            nextval(format('%I', 'ledger_seq_' || ${h.tenantId}::text)::regclass) AS seq,
            now() - make_interval(days => g % 300) AS started_at
          FROM generate_series(1, ${n}::int) AS g`.execute(trx);
        await sql`INSERT INTO ledger_entries (tenant_id, entry_id, seq, kind, reason, object_type, object_id, rule_version, occurred_at, metadata)
          SELECT ${h.tenantId}, entry_id, seq, 'award', 'bulk', 'service_record', record_id::text, 1, started_at, jsonb_build_object('hours', '2.00')
          FROM new_records ORDER BY seq`.execute(trx);
        await sql`INSERT INTO ledger_postings (tenant_id, entry_id, idx, seq, account_id, unit, amount, balance_after)
          SELECT ${h.tenantId}, entry_id, l.idx, seq, CASE WHEN l.idx = 0 THEN 'issuance:station:hours' ELSE 'member:' || member_id || ':hours' END,
            'HOURS', CASE WHEN l.idx = 0 THEN -2 ELSE 2 END, CASE WHEN l.idx = 1 THEN 2 END
          FROM new_records CROSS JOIN (VALUES (0), (1)) AS l(idx)`.execute(trx);
        await sql`INSERT INTO service_records (tenant_id, record_id, external_id, member_id, org_unit_id, category, title, source, started_at, ended_at,
            hours, status, award_entry_id, rule_version, points, explanation, submitted_by, verified_by, verified_at)
          SELECT ${h.tenantId}, record_id, 'bulk-' || seq, member_id, 'station', 'community', '服务', 'checkin', started_at,
            started_at + interval '2 hours', 2, 'verified', entry_id, 1, 20, 'bulk', 'test', 'test', started_at + interval '2 hours'
          FROM new_records`.execute(trx);
        return (await sql<{ seq: string }>`SELECT max(seq)::text AS seq FROM new_records`.execute(trx)).rows[0]!.seq;
      });

    // A tenant with many records, all folded in, its statistics up to date.
    const folded = await records(RECORDS);
    await foldDayTotals(db, h.tenantId, folded);
    t.equal(await foldCountedRecords(db, h.tenantId, folded), BigInt(RECORDS), 'the records folded');
    await sql`ANALYZE`.execute(db);

    // Three more, folded as the service's job folds what was sealed in the last second.
    const upto = await records(3);
    await explain();
    t.equal(await foldDayTotals(db, h.tenantId, upto), 3n, 'the day totals folded the three');
    t.equal(await foldCountedRecords(db, h.tenantId, upto), 3n, 'the counted records folded the three');
    const folds = plans.filter((p) => /INSERT INTO (counted_records|ledger_day_totals) \(/.test(p));
    t.equal(folds.length, 2, 'both folds were explained');
    for (const plan of folds) {
      for (const table of ['service_records', 'counted_records', 'ledger_entries', 'ledger_postings']) {
        t.notMatch(plan, new RegExp(`Seq Scan on ${table}\\b`), `${table} is not read whole`);
      }
    }
  });
}
