import type pg from 'pg';
import type { ScenarioResult } from './report.js';
import { round } from './stats.js';

// The participation-report scenario (issue 23): a county of 100,000 members and 1,000,000
// verified service records over the last year, loaded in bulk the way bench/seed.ts loads a
// history (set statements, one transaction), then sealed by the real sealer, then the report of
// the whole county timed through the API: JSON (by month) and the HTML page.

export const REPORT_COUNTY = { members: 100_000, records: 1_000_000, institutes: 4, stationsPerInstitute: 10 };
const CATEGORIES = ['community', 'elderly', 'environment', 'culture', 'health', 'safety'];

// The legs of a record's award (src/hours/plans.ts awardPostings): its hours from the station's
// issuance account to the member, and the points when the record gives any (check-in hours: 10 a
// hour under the bench's rule; hours entered by staff: none, as a rule with pointSources [checkin]).
const LEGS = `(VALUES (0, false, 'hours', 'HOURS', -1), (1, true, 'hours', 'HOURS', 1), (2, false, 'points', 'POINTS', -10), (3, true, 'points', 'POINTS', 10))
              AS l(idx, member, suffix, unit, sign)`;
const ACCOUNT = `CASE WHEN l.member THEN 'member:' || s.member_id ELSE 'issuance:' || s.station END || ':' || l.suffix`;
const AMOUNT = `(s.hours * CASE WHEN l.unit = 'POINTS' THEN 10 ELSE 1 END * sign(l.sign))`;

/**
 * Loads `count` verified records of the last 365 days (China time), each with its award entry
 * and postings, as src/hours/awardWriter.ts writes them: the record verified, its award_entry_id
 * the entry, the entry's object the record, balances moved by the sum of the postings, member
 * postings with their running balance. As a superuser the per-row foreign-key and lots triggers
 * are skipped (session_replication_role = replica, as a restore does); the members' points then
 * begin as one lot each, as for a ledger older than lots (bench/seed.ts loadHistory does the same).
 */
export async function loadRecords(c: pg.Client, tenantId: string, members: string[], stations: string[], count: number): Promise<{ records: number; postings: number }> {
  await c.query('BEGIN');
  try {
    const superuser = (await c.query<{ s: string }>(`SELECT current_setting('is_superuser') AS s`)).rows[0]!.s === 'on';
    if (superuser) await c.query(`SET LOCAL session_replication_role = replica`);
    await c.query(
      `CREATE TEMP TABLE bench_records ON COMMIT DROP AS
       SELECT g, gen_random_uuid() AS record_id, gen_random_uuid() AS entry_id,
         nextval(format('%I', 'ledger_seq_' || $1::text)::regclass) AS seq,
         ($2::uuid[])[1 + g % cardinality($2::uuid[])] AS member_id,
         ($3::text[])[1 + (g % cardinality($2::uuid[])) % cardinality($3::text[])] AS station,
         (1 + g % 4)::numeric AS hours,
         CASE WHEN g % 3 = 0 THEN 'manual' ELSE 'checkin' END AS source,
         ($4::text[])[1 + (g / 7) % cardinality($4::text[])] AS category,
         date_trunc('day', now()) - make_interval(days => (1 + (g::bigint * 7919) % 364)::int) + make_interval(hours => g % 10) AS started_at
       FROM generate_series(0, $5::int - 1) AS g`,
      [tenantId, members, stations, CATEGORIES, count],
    );
    await c.query(
      `INSERT INTO ledger_entries (tenant_id, entry_id, seq, kind, reason, object_type, object_id, rule_version, occurred_at, metadata)
       SELECT $1, entry_id, seq, 'award', 'bench report: ' || hours || ' h', 'service_record', record_id::text, 1,
         started_at + make_interval(hours => hours::int), jsonb_build_object('hours', hours::text)
       FROM bench_records ORDER BY seq`,
      [tenantId],
    );
    const postings = await c.query(
      `INSERT INTO ledger_postings (tenant_id, entry_id, idx, seq, account_id, unit, amount, balance_after)
       SELECT $1, s.entry_id, l.idx, s.seq, ${ACCOUNT}, l.unit, ${AMOUNT},
         CASE WHEN l.member THEN sum(${AMOUNT}) OVER (PARTITION BY s.member_id, l.unit ORDER BY s.seq) END
       FROM bench_records s CROSS JOIN ${LEGS}
       WHERE l.unit = 'HOURS' OR s.source = 'checkin'
       ORDER BY s.seq, l.idx`,
      [tenantId],
    );
    await c.query(
      `UPDATE ledger_balances b SET balance = b.balance + d.delta
       FROM (SELECT ${ACCOUNT} AS account_id, sum(${AMOUNT}) AS delta FROM bench_records s CROSS JOIN ${LEGS}
             WHERE l.unit = 'HOURS' OR s.source = 'checkin' GROUP BY 1) d
       WHERE b.tenant_id = $1 AND b.account_id = d.account_id AND b.slot = 0`,
      [tenantId],
    );
    await c.query(
      `INSERT INTO service_records (tenant_id, record_id, external_id, member_id, org_unit_id, category, title, source, started_at, ended_at,
         hours, status, award_entry_id, rule_version, points, explanation, submitted_by, verified_by, verified_at)
       SELECT $1, record_id, 'bench-' || g, member_id, station, category, '社区志愿服务', source, started_at,
         started_at + make_interval(hours => hours::int), hours, 'verified', entry_id, 1,
         CASE WHEN source = 'checkin' THEN hours * 10 ELSE 0 END, 'bench', 'bench', 'bench', started_at + make_interval(hours => hours::int)
       FROM bench_records`,
      [tenantId],
    );
    if (superuser) {
      await c.query(
        `INSERT INTO ledger_lots (tenant_id, account_id, expires_on, opened_at, amount, remaining)
         SELECT tenant_id, account_id, 'infinity', clock_timestamp(), sum(balance), sum(balance) FROM ledger_balances
         WHERE tenant_id = $1 AND account_id LIKE 'member:%:points' GROUP BY tenant_id, account_id HAVING sum(balance) > 0`,
        [tenantId],
      );
      await c.query(
        `INSERT INTO ledger_lot_moves (tenant_id, lot_id, kind, amount)
         SELECT tenant_id, lot_id, 'opening', amount FROM ledger_lots WHERE tenant_id = $1 AND opened_by IS NULL`,
        [tenantId],
      );
      await c.query(
        `INSERT INTO ledger_lots_began (tenant_id, after_seq) SELECT $1, max(seq) FROM bench_records
         ON CONFLICT (tenant_id) DO UPDATE SET after_seq = EXCLUDED.after_seq`,
        [tenantId],
      );
    }
    await c.query('COMMIT');
    return { records: count, postings: postings.rowCount ?? 0 };
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  }
}

/** China-time day (YYYY-MM-DD) `daysAgo` days before today. */
export function chinaDay(daysAgo: number): string {
  return new Date(Date.now() + 8 * 3_600_000 - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Times `runs` reads of `url` (after one read that warms the server's caches), each to its last byte. */
export async function timeReads(url: string, key: string, runs: number): Promise<{ ms: number[]; last: string; status: number }> {
  const read = async () => {
    const started = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    const text = await res.text();
    return { ms: performance.now() - started, text, status: res.status };
  };
  const first = await read();
  if (first.status !== 200) throw new Error(`${url}: ${first.status} ${first.text.slice(0, 500)}`);
  const ms: number[] = [first.ms];
  let last = first;
  for (let i = 1; i < runs; i++) {
    last = await read();
    if (last.status !== 200) throw new Error(`${url}: ${last.status} ${last.text.slice(0, 500)}`);
    ms.push(last.ms);
  }
  return { ms, last: last.text, status: last.status };
}

export function reportResult(json: number[], html: number[], extra: Record<string, unknown>): ScenarioResult {
  const sorted = [...json].sort((a, b) => a - b);
  const htmlSorted = [...html].sort((a, b) => a - b);
  const now = new Date().toISOString();
  return {
    requests_per_s: round(1000 / (sorted.reduce((s, x) => s + x, 0) / sorted.length), 2),
    records_per_s: 0,
    p50_ms: round(percentile(sorted, 50), 1),
    p95_ms: round(percentile(sorted, 95), 1),
    p99_ms: round(percentile(sorted, 99), 1),
    max_ms: round(sorted[sorted.length - 1]!, 1),
    mean_ms: round(sorted.reduce((s, x) => s + x, 0) / sorted.length, 1),
    requests: json.length + html.length,
    records: 0,
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    refused_items: 0,
    not_verified: 0,
    status_codes: { '200': json.length + html.length },
    duration_s: round((json.reduce((s, x) => s + x, 0) + html.reduce((s, x) => s + x, 0)) / 1000, 2),
    connections: 1,
    started_at: now,
    finished_at: now,
    failures: [],
    warmup: null,
    html_p50_ms: round(percentile(htmlSorted, 50), 1),
    html_p99_ms: round(percentile(htmlSorted, 99), 1),
    json_runs_ms: json.map((x) => round(x, 1)),
    html_runs_ms: html.map((x) => round(x, 1)),
    ...extra,
  };
}
